/*
 * archmail dkim record: the DNS record of an existing key file, whatever
 * its format.  archmail dkim convert: the key file in another format.
 */
#include "dkim.h"

#include <getopt.h>
#include <string.h>
#include <sysexits.h>

#include "cli_result.h"

int
dkim_record(struct am_cli *cli, int argc, char *argv[])
{
	enum { OPT_TTL = 256, OPT_FQDN, OPT_HELP };
	static const struct option longopts[] = {
		{ "privkey", required_argument, NULL, 'k' },
		{ "selector", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "fqdn", no_argument, NULL, OPT_FQDN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct dkim_output out = { DKIM_DEFAULT_SELECTOR, NULL,
	    AM_DKIM_OUT_ZONE, -1, false };
	struct am_dkim_render_opts r;
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_dkim_record rec;
	struct am_buf text = AM_BUF_INIT;
	struct am_error err;
	struct am_json j;
	const char *path = NULL;
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
		case 'h':
		case OPT_HELP: return cli_help(cli);
		default: return dkim_bad_option(cli, c, argv);
		}
	}
	if (ret != 0)
		return ret;
	if (optind < argc)
		return cli_usage_error(cli, "unexpected argument \"%s\"",
		    argv[optind]);
	if (path == NULL)
		return cli_usage_error(cli, "missing -k keyfile");
	if ((ret = dkim_check_output(cli, &out)) != 0)
		return ret;
	if (am_dkim_record_check_names(out.selector, out.domain, &err) < 0 ||
	    dkim_load_key(&key, path, &err) < 0 ||
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
		dkim_json_key(&j, &key, path);
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
	return ret;
}

/* The JSON members of convert besides cli_result's. */
struct convert_report {
	const struct dkim_keyfile *kf;
	const struct am_dkim_key *key;
	const char *from;
};

static void
convert_members(struct am_json *j, void *arg)
{
	const struct convert_report *c = arg;

	dkim_json_key(j, c->key, c->from);
	am_json_string(j, "output_format",
	    am_dkim_key_format_name(c->kf->format));
}

/*
 * The result of convert, real or dry run (would): OUT written or not
 * (changed), and for a dry run the diff, both sides redacted.
 */
static int
convert_result(struct am_cli *cli, const struct dkim_keyfile *kf,
    const struct am_dkim_key *key, const char *from, bool changed,
    bool exists)
{
	struct convert_report c = { kf, key, from };
	struct am_dkim_key out = *key;
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	char desc[256];
	bool would = cli->dry_run || cli->check;

	cli_result_init(&r, cli);
	if (would && changed) {
		out.format = kf->format;
		dkim_key_describe(desc, sizeof(desc), "private key", &out,
		    kf);
		if (dkim_key_diff(&diff, kf->path, exists, desc) < 0) {
			cli_result_free(&r);
			am_error_set(&err, AM_E_NOMEM, "out of memory");
			return cli_fail(cli, &err);
		}
		cli_result_diff(&r, diff.data, diff.len);
		am_buf_free(&diff);
	}
	cli_result_file(&r, kf->path, changed);
	if (!changed)
		cli_result_line(&r, "%s: unchanged, it already holds this key "
		    "(%s, %s)", kf->path, am_dkim_key_type_name(key->type),
		    am_dkim_key_format_name(kf->format));
	else
		cli_result_line(&r, would ? "%s: would be written (%s, %s)" :
		    "%s: written (%s, %s)", kf->path,
		    am_dkim_key_type_name(key->type),
		    am_dkim_key_format_name(kf->format));
	return cli_result_finish(&r, convert_members, &c);
}

int
dkim_convert(struct am_cli *cli, int argc, char *argv[])
{
	enum { OPT_KEY_FORMAT = 256, OPT_HELP, OPT_DRY_RUN, OPT_CHECK };
	static const struct option longopts[] = {
		{ "privkey", required_argument, NULL, 'k' },
		{ "key-format", required_argument, NULL, OPT_KEY_FORMAT },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, OPT_HELP },
		/* cli_parse() has set cli->dry_run and cli->check. */
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct dkim_keyfile kf = { NULL, AM_DKIM_KEY_UNKNOWN, false, 0600,
	    NULL, false, 0 };
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;
	const char *path = NULL, *format = NULL;
	bool changed = false, same = false, exists = false;
	bool would = cli->dry_run || cli->check;
	int c, ret = 0;

	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:O:fh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'k': path = optarg; break;
		case 'O': kf.path = optarg; break;
		case 'f': kf.force = true; break;
		case OPT_KEY_FORMAT: format = optarg; break;
		case 'h':
		case OPT_HELP: return cli_help(cli);
		case OPT_DRY_RUN:
		case OPT_CHECK: break;
		default: return dkim_bad_option(cli, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, "unexpected argument \"%s\"",
		    argv[optind]);
	if (path == NULL || format == NULL || kf.path == NULL)
		return cli_usage_error(cli, "convert needs -k keyfile, "
		    "--key-format FORMAT and -O outfile");
	if ((kf.format = am_dkim_key_format_from_name(format)) ==
	    AM_DKIM_KEY_UNKNOWN)
		return cli_usage_error(cli, "unknown key format \"%s\" (pem, "
		    "pkcs1, der, rspamd)", format);
	if (dkim_to_stdout(&kf) && cli->json)
		return cli_usage_error(cli, "JSON output needs -O outfile "
		    "(the private key is never part of it)");
	if (dkim_to_stdout(&kf) && would)
		return dkim_dry_run_needs_file(cli, "-O outfile");
	if (dkim_load_key(&key, path, &err) < 0 ||
	    am_dkim_key_encode(&key, kf.format, &data, &err) < 0)
		goto fail;
	if (dkim_to_stdout(&kf)) {
		if (dkim_write_secret(&data, &err) < 0)
			goto fail;
		goto out;
	}
	if (would) {
		/* The converted bytes, compared and checked, never written. */
		if (dkim_check_save(cli, &kf, &data, &same, &exists, &err) < 0)
			goto fail;
		changed = !same;
	} else if (dkim_save_key(cli, &kf, &data, &changed, &err) < 0)
		goto fail;
	ret = convert_result(cli, &kf, &key, path, changed, exists);
	goto out;
fail:
	ret = cli_fail(cli, &err);
out:
	am_buf_wipe(&data);
	am_dkim_key_free(&key);
	return ret;
}
