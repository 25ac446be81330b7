/*
 * archmail dkim check: lint a published record and compare it with the
 * key file.  Exit 0 when the record is valid and publishes this key,
 * 1 when it does not or has errors.
 */
#include "dkim.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "am_buf.h"
#include "am_file.h"

#define RECORD_MAX (1024 * 1024)

static int
read_record(const char *path, struct am_buf *text, struct am_error *err)
{
	int fd, rc = 0;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return am_error_set_errno(err, errno == EACCES ?
		    AM_E_PERM : AM_E_NOINPUT, errno, "cannot open %s", path);
	if (am_file_read_fd(fd, path, 0, RECORD_MAX, 0, text, err) < 0) {
		rc = -1;
		if (err->code == AM_E_INVALID)
			am_error_set_at(err, AM_E_INVALID, path, 0,
			    "too large for a DNS record");
		else if (err->sys_errno == EISDIR)
			err->code = AM_E_NOINPUT;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

/* One line on how the published key relates to ours. */
static void
verdict(const struct am_dkim_published *p, const struct am_dkim_key *key,
    bool match, size_t errors, char *buf, size_t size)
{
	if (match && errors == 0)
		snprintf(buf, size, "the record matches the key (%s, %u bits)",
		    am_dkim_key_type_name(key->type), key->bits);
	else if (match)
		snprintf(buf, size, "the record publishes the key (%s, %u "
		    "bits), but has %zu error%s", am_dkim_key_type_name(key->type),
		    key->bits, errors, errors == 1 ? "" : "s");
	else if (p->pkey == NULL)
		snprintf(buf, size, "the record does not match the key: it has "
		    "no usable key");
	else if (p->type != key->type)
		snprintf(buf, size, "the record does not match the key: it "
		    "publishes an %s key, the key file holds an %s key",
		    am_dkim_key_type_name(p->type),
		    am_dkim_key_type_name(key->type));
	else
		snprintf(buf, size, "the record does not match the key: it "
		    "publishes another %s key (%u bits)",
		    am_dkim_key_type_name(p->type), p->bits);
}

static int
print_json(struct am_cli *cli, const struct am_dkim_published *p,
    const struct am_dkim_key *key, const char *keypath, bool vault,
    const char *name, bool match, const char *text)
{
	static const char *sev[] = { "", "warning", "error" };
	struct am_json j;
	size_t i, errors = am_dkim_published_errors(p);
	bool ok = match && errors == 0;

	cli_json_begin(cli, &j, ok);
	am_json_string(&j, "name", name);
	am_json_bool(&j, "match", match);
	am_json_int(&j, "errors", (long long)errors);
	am_json_array_begin(&j, "issues");
	for (i = 0; i < p->nissues; i++) {
		am_json_object_begin(&j, NULL);
		am_json_string(&j, "severity", sev[p->issues[i].severity]);
		am_json_string(&j, "code", p->issues[i].code);
		am_json_string(&j, "message", p->issues[i].message);
		am_json_object_end(&j);
	}
	am_json_array_end(&j);
	am_json_object_begin(&j, "record");
	if (p->owner != NULL)
		am_json_string(&j, "owner", p->owner);
	if (p->cname != NULL)
		am_json_string(&j, "cname", p->cname);
	am_json_string(&j, "value", p->value);
	am_json_array_begin(&j, "string_lengths");
	for (i = 0; i < p->nstrings; i++)
		am_json_int(&j, NULL, (long long)p->string_len[i]);
	am_json_array_end(&j);
	am_json_string(&j, "type", p->type == AM_DKIM_NONE ? "unknown" :
	    am_dkim_key_type_name(p->type));
	am_json_int(&j, "bits", p->bits);
	am_json_bool(&j, "revoked", p->revoked);
	am_json_object_end(&j);
	dkim_json_key(&j, key, keypath, vault);
	if (!ok) {
		am_json_object_begin(&j, "error");
		am_json_string(&j, "code", match ? "RECORD_INVALID" :
		    "MISMATCH");
		am_json_string(&j, "message", text);
		am_json_object_end(&j);
	}
	return cli_json_end(cli, &j) < 0 ? EX_SOFTWARE : ok ? 0 : 1;
}

int
dkim_check(struct am_cli *cli, int argc, char *argv[])
{
	enum { OPT_RECORD = 256, OPT_RECORD_FILE, OPT_HELP,
	    OPT_VAULT_PASSWORD_FILE, OPT_VAULT_ID };
	static const struct option longopts[] = {
		{ "privkey", required_argument, NULL, 'k' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "record-file", required_argument, NULL, OPT_RECORD_FILE },
		{ "vault-password-file", required_argument, NULL,
		    OPT_VAULT_PASSWORD_FILE },
		{ "vault-id", required_argument, NULL, OPT_VAULT_ID },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct am_dkim_published p;
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct dkim_vault v = DKIM_VAULT_INIT;
	struct am_buf text = AM_BUF_INIT;
	struct am_error err;
	const char *path = NULL, *sel = NULL, *dom = NULL, *record = NULL;
	const char *record_file = NULL;
	char name[300], line[400];
	size_t i, dlen;
	bool match, vault = false;
	int c, ret = 0;

	memset(&p, 0, sizeof(p));
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while (ret == 0 && (c = getopt_long(argc, argv, ":k:s:d:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'k': path = optarg; break;
		case 's': sel = optarg; break;
		case 'd': dom = optarg; break;
		case OPT_RECORD: record = optarg; break;
		case OPT_RECORD_FILE: record_file = optarg; break;
		case OPT_VAULT_PASSWORD_FILE:
		case OPT_VAULT_ID:
			ret = dkim_vault_option(cli, &v, c == OPT_VAULT_ID,
			    optarg);
			break;
		case 'h':
		case OPT_HELP: ret = cli_help(cli); goto out;
		default: ret = dkim_bad_option(cli, c, argv); goto out;
		}
	}
	if (ret != 0)
		goto out;
	if (optind < argc)
		ret = cli_usage_error(cli, "unexpected argument \"%s\"",
		    argv[optind]);
	else if (path == NULL || sel == NULL || dom == NULL)
		ret = cli_usage_error(cli, "check needs -k keyfile, "
		    "-s selector and -d domain");
	else if ((record == NULL) == (record_file == NULL))
		ret = cli_usage_error(cli, "give the record with either "
		    "--record TEXT or --record-file FILE");
	if (ret != 0)
		goto out;
	if (am_dkim_record_check_names(sel, dom, &err) < 0 ||
	    dkim_load_key(&key, path, &v, &vault, &err) < 0)
		goto fail;
	if (record_file != NULL) {
		if (read_record(record_file, &text, &err) < 0)
			goto fail;
	} else if (am_buf_adds(&text, record) < 0) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		goto fail;
	}
	if (am_dkim_published_parse(&p, text.data ? text.data : "", text.len,
	    &err) < 0 || am_dkim_published_check_owner(&p, sel, dom, &err) < 0)
		goto fail;
	dlen = strlen(dom);
	if (dlen > 0 && dom[dlen - 1] == '.')
		dlen--;
	snprintf(name, sizeof(name), "%s._domainkey.%.*s", sel, (int)dlen,
	    dom);
	match = am_dkim_published_matches(&p, &key);
	verdict(&p, &key, match, am_dkim_published_errors(&p), line,
	    sizeof(line));
	if (cli->json) {
		ret = print_json(cli, &p, &key, path, vault, name, match,
		    line);
		goto out;
	}
	if (p.cname != NULL)
		printf("%s: a CNAME to %s, whose TXT record is read\n", name,
		    p.cname);
	for (i = 0; i < p.nissues; i++)
		printf("%s: %s: %s\n", name, p.issues[i].severity ==
		    AM_DKIM_ERROR ? "error" : "warning", p.issues[i].message);
	printf("%s: %s\n", name, line);
	ret = match && am_dkim_published_errors(&p) == 0 ? 0 : 1;
	goto out;
fail:
	ret = cli_fail(cli, &err);
out:
	am_dkim_published_free(&p);
	am_buf_free(&text);
	am_dkim_key_free(&key);
	dkim_vault_free(&v);
	return ret;
}
