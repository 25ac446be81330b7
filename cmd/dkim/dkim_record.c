/*
 * archmail dkim record: the DNS record of an existing key file, whatever
 * its format, in an Ansible Vault or not.
 */
#include "dkim.h"

#include <getopt.h>
#include <string.h>
#include <sysexits.h>

int
dkim_record(struct am_cli *cli, int argc, char *argv[])
{
	enum { OPT_TTL = 256, OPT_FQDN, OPT_HELP, OPT_VAULT_PASSWORD_FILE,
	    OPT_VAULT_ID };
	static const struct option longopts[] = {
		{ "privkey", required_argument, NULL, 'k' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "fqdn", no_argument, NULL, OPT_FQDN },
		{ "vault-password-file", required_argument, NULL,
		    OPT_VAULT_PASSWORD_FILE },
		{ "vault-id", required_argument, NULL, OPT_VAULT_ID },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct dkim_output out = { DKIM_DEFAULT_SELECTOR, NULL,
	    AM_DKIM_OUT_ZONE, -1, false };
	struct am_dkim_render_opts r;
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct dkim_vault v = DKIM_VAULT_INIT;
	struct am_dkim_record rec;
	struct am_buf text = AM_BUF_INIT;
	struct am_error err;
	struct am_json j;
	const char *path = NULL;
	bool vault = false;
	int c, ret = 0;

	memset(&rec, 0, sizeof(rec));
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while (ret == 0 && (c = getopt_long(argc, argv, ":k:s:d:o:h",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'k': path = optarg; break;
		case 's': out.selector = optarg; break;
		case 'd': out.domain = optarg; break;
		case 'o': ret = dkim_parse_output(cli, optarg, &out.format); break;
		case OPT_TTL: ret = dkim_parse_ttl(cli, optarg, &out.ttl); break;
		case OPT_FQDN: out.fqdn = true; break;
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
	else if (path == NULL)
		ret = cli_usage_error(cli, "missing -k keyfile");
	else
		ret = dkim_check_output(cli, &out);
	if (ret != 0)
		goto out;
	if (am_dkim_record_check_names(out.selector, out.domain, &err) < 0 ||
	    dkim_load_key(&key, path, &v, &vault, &err) < 0 ||
	    am_dkim_record_from_key(&rec, &key, &err) < 0)
		goto fail;
	if (key.type == AM_DKIM_RSA && key.bits < AM_DKIM_RSA_MIN_BITS)
		cli_warnf(cli, "%s: RSA key of %u bits: verifiers must refuse "
		    "keys under %d bits (RFC 8301)", path, key.bits,
		    AM_DKIM_RSA_MIN_BITS);
	if (cli->json) {
		r.selector = out.selector;
		r.domain = out.domain;
		r.ttl = out.ttl;
		r.fqdn = out.fqdn;
		cli_json_begin(cli, &j, true);
		dkim_json_key(&j, &key, path, vault);
		am_dkim_record_json(&rec, &r, &j, "record");
		ret = cli_json_end(cli, &j) < 0 ? EX_SOFTWARE : 0;
		goto out;
	}
	if (dkim_render(&rec, &out, &text, &err) < 0)
		goto fail;
	fwrite(text.data, 1, text.len, stdout);
	goto out;
fail:
	ret = cli_fail(cli, &err);
out:
	am_buf_free(&text);
	am_dkim_record_free(&rec);
	am_dkim_key_free(&key);
	dkim_vault_free(&v);
	return ret;
}
