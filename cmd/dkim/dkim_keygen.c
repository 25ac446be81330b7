/*
 * archmail dkim keygen: a new key, written safely, then its DNS record.
 * The options are rspamadm dkim_keygen's, so the runbook lines work as
 * written; the record is printed only once the key is on disk.
 */
#include "dkim.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_result.h"

struct keygen_opts {
	struct dkim_output out;
	struct dkim_keyfile kf;
	struct dkim_vault vault;
	const char *type;
	const char *bits;
	const char *key_format;
	const char *priv_output;
	bool help;
};

static int
parse_options(struct am_cli *cli, struct keygen_opts *o, int argc,
    char *argv[])
{
	enum { OPT_KEY_FORMAT = 256, OPT_PRIV_OUTPUT, OPT_TTL, OPT_FQDN,
	    OPT_MODE, OPT_GROUP, OPT_HELP, OPT_DRY_RUN, OPT_CHECK,
	    OPT_VAULT_PASSWORD_FILE, OPT_VAULT_ID };
	static const struct option longopts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "type", required_argument, NULL, 't' },
		{ "bits", required_argument, NULL, 'b' },
		{ "privkey", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "key-format", required_argument, NULL, OPT_KEY_FORMAT },
		{ "priv-output", required_argument, NULL, OPT_PRIV_OUTPUT },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "fqdn", no_argument, NULL, OPT_FQDN },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "vault-password-file", required_argument, NULL,
		    OPT_VAULT_PASSWORD_FILE },
		{ "vault-id", required_argument, NULL, OPT_VAULT_ID },
		{ "help", no_argument, NULL, OPT_HELP },
		/* cli_parse() has set cli->dry_run and cli->check. */
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	optind = 0;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":s:d:t:b:k:o:fh",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->out.selector = optarg; break;
		case 'd': o->out.domain = optarg; break;
		case 't': o->type = optarg; break;
		case 'b': o->bits = optarg; break;
		case 'k': o->kf.path = optarg; break;
		case 'o':
			rc = dkim_parse_output(cli, optarg, &o->out.format);
			break;
		case 'f': o->kf.force = true; break;
		case OPT_KEY_FORMAT: o->key_format = optarg; break;
		case OPT_PRIV_OUTPUT: o->priv_output = optarg; break;
		case OPT_TTL: rc = dkim_parse_ttl(cli, optarg, &o->out.ttl); break;
		case OPT_FQDN: o->out.fqdn = true; break;
		case OPT_MODE:
			rc = dkim_parse_mode(cli, optarg, &o->kf.mode);
			o->kf.mode_given = true;
			break;
		case OPT_GROUP: o->kf.group = optarg; break;
		case OPT_VAULT_PASSWORD_FILE:
		case OPT_VAULT_ID:
			rc = dkim_vault_option(cli, &o->vault,
			    c == OPT_VAULT_ID, optarg);
			break;
		case 'h':
		case OPT_HELP: o->help = true; break;
		case OPT_DRY_RUN:
		case OPT_CHECK: break;
		default: return dkim_bad_option(cli, c, argv);
		}
	}
	if (rc != 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cli, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* --key-format and rspamd's --priv-output pem|der name the same thing. */
static int
key_format(struct am_cli *cli, struct keygen_opts *o)
{
	enum am_dkim_key_format f = AM_DKIM_KEY_PEM, p;

	if (o->key_format != NULL &&
	    (f = am_dkim_key_format_from_name(o->key_format)) ==
	    AM_DKIM_KEY_UNKNOWN)
		return cli_usage_error(cli, "unknown key format \"%s\" (pem, "
		    "pkcs1, der, rspamd)", o->key_format);
	if (o->priv_output != NULL) {
		if (strcmp(o->priv_output, "pem") == 0)
			p = AM_DKIM_KEY_PEM;
		else if (strcmp(o->priv_output, "der") == 0)
			p = AM_DKIM_KEY_DER;
		else
			return cli_usage_error(cli, "unknown --priv-output "
			    "\"%s\" (pem, der)", o->priv_output);
		if (o->key_format != NULL && p != f && !(p == AM_DKIM_KEY_PEM &&
		    f == AM_DKIM_KEY_PKCS1))
			return cli_usage_error(cli, "--priv-output %s "
			    "contradicts --key-format %s", o->priv_output,
			    o->key_format);
		if (o->key_format == NULL)
			f = p;
	}
	o->kf.format = f;
	return 0;
}

/* Type, bits, names: what makes a request bad data (exit 65). */
static int
check_request(struct am_cli *cli, struct keygen_opts *o,
    enum am_dkim_key_type *type, unsigned int *bits, struct am_error *err)
{
	char *end;
	long v = 2048;

	if ((*type = am_dkim_key_type_from_name(o->type)) == AM_DKIM_NONE)
		return am_error_set(err, AM_E_INVALID, "unknown key type "
		    "\"%s\" (rsa or ed25519)", o->type);
	if (o->bits != NULL) {
		errno = 0;
		v = strtol(o->bits, &end, 10);
		if (errno != 0 || end == o->bits || *end != '\0')
			return am_error_set(err, AM_E_INVALID, "bad key size "
			    "\"%s\"", o->bits);
	}
	/* rspamadm ignores -b for Ed25519, so "-b 0" must work. */
	if (am_dkim_key_check_bits(*type, v, err) < 0)
		return -1;
	*bits = *type == AM_DKIM_RSA ? (unsigned int)v : 256;
	if (*type == AM_DKIM_RSA && v > AM_DKIM_RSA_WARN_BITS)
		cli_warnf(cli, "RSA keys of %ld bits are larger than verifiers "
		    "must support (%d, RFC 8301)", v, AM_DKIM_RSA_WARN_BITS);
	if (am_dkim_key_format_check(*type, o->kf.format, err) < 0) {
		err->code = AM_E_USAGE;
		return -1;
	}
	return am_dkim_record_check_names(o->out.selector, o->out.domain, err);
}

/* The JSON members of keygen besides cli_result's. */
struct keygen_report {
	const struct keygen_opts *o;
	const struct am_dkim_key *key;
	const struct am_dkim_record *rec;	/* NULL in a dry run */
};

static void
keygen_members(struct am_json *j, void *arg)
{
	const struct keygen_report *k = arg;
	const struct keygen_opts *o = k->o;
	struct am_dkim_render_opts r = { o->out.selector, o->out.domain,
	    o->out.ttl, o->out.fqdn };

	dkim_json_key(j, k->key, o->kf.path, o->kf.vault);
	if (k->rec != NULL)
		am_dkim_record_json(k->rec, &r, j, "record");
}

/*
 * --dry-run/--check: every check of a real run is done, but no key is
 * made, so the diff shows the file without its contents and no record
 * can be printed.  A new key always differs: would_change is true.
 */
static int
keygen_dry_run(struct am_cli *cli, const struct keygen_opts *o,
    struct am_dkim_key *key, bool exists)
{
	struct keygen_report k = { o, key, NULL };
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	char desc[256];

	dkim_key_describe(desc, sizeof(desc), exists ? "new private key" :
	    "private key", key, &o->kf);
	cli_result_init(&r, cli);
	if (dkim_key_diff(&diff, o->kf.path, exists, desc) < 0) {
		cli_result_free(&r);
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		return cli_fail(cli, &err);
	}
	cli_result_file(&r, o->kf.path, true);
	cli_result_diff(&r, diff.data, diff.len);
	cli_result_line(&r, "%s: a new key would be written; its record is "
	    "printed once the key exists", o->kf.path);
	am_buf_free(&diff);
	return cli_result_finish(&r, keygen_members, &k);
}

int
dkim_keygen(struct am_cli *cli, int argc, char *argv[])
{
	struct keygen_opts o;
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_dkim_record rec;
	struct am_buf priv = AM_BUF_INIT, text = AM_BUF_INIT;
	struct am_error err;
	struct cli_result r;
	struct keygen_report k;
	enum am_dkim_key_type type = AM_DKIM_NONE;
	unsigned int bits = 0;
	bool changed, same = false, exists = false;
	bool would = cli->dry_run || cli->check;
	int ret;

	memset(&o, 0, sizeof(o));
	o.vault = (struct dkim_vault)DKIM_VAULT_INIT;
	memset(&rec, 0, sizeof(rec));
	am_error_clear(&err);
	o.out.selector = DKIM_DEFAULT_SELECTOR;
	o.out.format = AM_DKIM_OUT_ZONE;
	o.out.ttl = -1;
	o.kf.mode = 0600;
	o.type = "rsa";
	if ((ret = parse_options(cli, &o, argc, argv)) != 0)
		goto out;
	if (o.help) {
		ret = cli_help(cli);
		goto out;
	}
	if ((ret = key_format(cli, &o)) != 0 ||
	    (ret = dkim_check_output(cli, &o.out)) != 0)
		goto out;
	/* A key never goes into JSON: --json needs a key file. */
	if (dkim_to_stdout(&o.kf) && (cli->json ||
	    o.out.format == AM_DKIM_OUT_JSON)) {
		ret = cli_usage_error(cli, "JSON output needs -k keyfile "
		    "(the private key is never part of it)");
		goto out;
	}
	if (dkim_to_stdout(&o.kf) && would) {
		ret = dkim_dry_run_needs_file(cli, "-k keyfile");
		goto out;
	}
	if (!o.kf.mode_given && o.kf.group != NULL)
		o.kf.mode = 0640;
	o.kf.vault = dkim_vault_given(&o.vault);
	if (check_request(cli, &o, &type, &bits, &err) < 0 ||
	    dkim_vault_load(&o.vault, &err) < 0)
		goto fail;
	/* All a real run refuses, before the time a key takes. */
	if (!dkim_to_stdout(&o.kf) &&
	    (dkim_check_save(cli, &o.kf, NULL, &same, &exists, &err) < 0 ||
	    dkim_find_group(cli, &o.kf, &err) < 0))
		goto fail;
	dkim_warn_rspamd(cli, type, o.kf.format);
	if (would) {
		key.type = type;
		key.bits = bits;
		key.format = o.kf.format;
		ret = keygen_dry_run(cli, &o, &key, exists);
		goto out;
	}
	/* A vault holds the key: its plaintext exists only in memory. */
	if (am_dkim_key_generate(&key, type, bits, &err) < 0 ||
	    am_dkim_key_encode(&key, o.kf.format, &priv, &err) < 0 ||
	    (o.kf.vault && dkim_vault_seal(&o.vault, &priv, &err) < 0) ||
	    am_dkim_record_from_key(&rec, &key, &err) < 0 ||
	    (!cli->json && dkim_render(&rec, &o.out, &text, &err) < 0))
		goto fail;
	key.format = o.kf.format;
	if (dkim_to_stdout(&o.kf)) {
		/* rspamadm's way: the key, then the record; no file. */
		if (dkim_write_secret(&priv, &err) < 0)
			goto fail;
		fwrite(text.data, 1, text.len, stdout);
		goto out;
	}
	if (dkim_save_key(cli, &o.kf, &priv, &changed, &err) < 0)
		goto fail;
	k.o = &o;
	k.key = &key;
	k.rec = &rec;
	cli_result_init(&r, cli);
	cli_result_file(&r, o.kf.path, changed);
	ret = cli_result_finish(&r, keygen_members, &k);
	/* The record is the result: printed as rspamadm does, even with -q. */
	if (ret == 0 && !cli->json)
		fwrite(text.data, 1, text.len, stdout);
	goto out;
fail:
	ret = cli_fail(cli, &err);
out:
	am_buf_wipe(&priv);
	am_buf_free(&text);
	am_dkim_record_free(&rec);
	am_dkim_key_free(&key);
	dkim_vault_free(&o.vault);
	return ret;
}
