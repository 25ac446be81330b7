/*
 * archmail dkim convert: a key file in another format, into an Ansible
 * Vault (with a vault password) or out of one (--decrypt).  The key is
 * converted, encrypted and compared in memory; only the result is
 * written, through the key file writer.
 */
#include "dkim.h"

#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "am_file.h"
#include "cli_result.h"

struct convert_opts {
	struct dkim_keyfile kf;
	struct dkim_vault vault;
	const char *path;
	const char *format;
	bool decrypt;
};

/* The JSON members of convert besides cli_result's. */
struct convert_report {
	const struct dkim_keyfile *kf;
	const struct am_dkim_key *key;
	const char *from;
	bool from_vault;
};

static void
convert_members(struct am_json *j, void *arg)
{
	const struct convert_report *c = arg;

	dkim_json_key(j, c->key, c->from, c->from_vault);
	am_json_string(j, "output_format",
	    am_dkim_key_format_name(c->kf->format));
	am_json_bool(j, "output_vault", c->kf->vault);
}

/*
 * The result of convert, real or dry run (would): OUT written or not
 * (changed), and for a dry run the diff, both sides redacted.
 */
static int
convert_result(struct am_cli *cli, const struct convert_report *c,
    bool changed, bool exists)
{
	const struct dkim_keyfile *kf = c->kf;
	struct am_dkim_key out = *c->key;
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	char desc[256], what[64];
	bool would = cli->dry_run || cli->check;

	snprintf(what, sizeof(what), "%s, %s%s",
	    am_dkim_key_type_name(c->key->type),
	    am_dkim_key_format_name(kf->format),
	    kf->vault ? ", in an Ansible Vault" : "");
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
		    "(%s)", kf->path, what);
	else
		cli_result_line(&r, would ? "%s: would be written (%s)" :
		    "%s: written (%s)", kf->path, what);
	return cli_result_finish(&r, convert_members, (void *)c);
}

/*
 * A vault is never the same bytes twice (random salt): the output is
 * unchanged when it is a vault of exactly plain under this password,
 * with the mode and group asked for, if they were.
 */
static bool
vault_unchanged(const struct dkim_keyfile *kf, const struct dkim_vault *v,
    const struct am_buf *plain)
{
	struct am_buf old = AM_BUF_INIT, dec = AM_BUF_INIT;
	struct am_error ignored;
	struct stat st;
	bool same = false;

	if (lstat(kf->path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (kf->mode_given && (st.st_mode & 07777) != kf->mode) ||
	    (kf->set_group && st.st_gid != kf->gid))
		return false;
	if (am_file_read(kf->path, AM_FILE_WIPE, 8 * AM_DKIM_KEY_MAX_FILE,
	    &old, NULL, &ignored) == 0 && am_vault_is_vault(old.data,
	    old.len) && am_vault_decrypt(old.data, old.len, v->password.data,
	    v->password.len, &dec, NULL, 0, &ignored) == 0)
		same = dec.len == plain->len && (dec.len == 0 ||
		    memcmp(dec.data, plain->data, dec.len) == 0);
	am_buf_wipe(&old);
	am_buf_wipe(&dec);
	return same;
}

static int
parse_options(struct am_cli *cli, struct convert_opts *o, int argc,
    char *argv[])
{
	enum { OPT_KEY_FORMAT = 256, OPT_HELP, OPT_DRY_RUN, OPT_CHECK,
	    OPT_MODE, OPT_GROUP, OPT_VAULT_PASSWORD_FILE, OPT_VAULT_ID,
	    OPT_DECRYPT };
	static const struct option longopts[] = {
		{ "privkey", required_argument, NULL, 'k' },
		{ "key-format", required_argument, NULL, OPT_KEY_FORMAT },
		{ "force", no_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "vault-password-file", required_argument, NULL,
		    OPT_VAULT_PASSWORD_FILE },
		{ "vault-id", required_argument, NULL, OPT_VAULT_ID },
		{ "decrypt", no_argument, NULL, OPT_DECRYPT },
		{ "help", no_argument, NULL, OPT_HELP },
		/* cli_parse() has set cli->dry_run and cli->check. */
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	optind = 0;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":k:O:fh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'k': o->path = optarg; break;
		case 'O': o->kf.path = optarg; break;
		case 'f': o->kf.force = true; break;
		case OPT_KEY_FORMAT: o->format = optarg; break;
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
		case OPT_DECRYPT: o->decrypt = true; break;
		case 'h':
		case OPT_HELP: return cli_help(cli);
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
	if (o->path == NULL || o->format == NULL || o->kf.path == NULL)
		return cli_usage_error(cli, "convert needs -k keyfile, "
		    "--key-format FORMAT and -O outfile");
	if ((o->kf.format = am_dkim_key_format_from_name(o->format)) ==
	    AM_DKIM_KEY_UNKNOWN)
		return cli_usage_error(cli, "unknown key format \"%s\" (pem, "
		    "pkcs1, der, rspamd)", o->format);
	if (o->decrypt && !dkim_vault_given(&o->vault))
		return cli_usage_error(cli, "--decrypt needs the vault "
		    "password: --vault-password-file FILE or --vault-id "
		    "LABEL@FILE");
	if (dkim_to_stdout(&o->kf) && cli->json)
		return cli_usage_error(cli, "JSON output needs -O outfile "
		    "(the private key is never part of it)");
	if (dkim_to_stdout(&o->kf) && (cli->dry_run || cli->check))
		return dkim_dry_run_needs_file(cli, "-O outfile");
	return 0;
}

int
dkim_convert(struct am_cli *cli, int argc, char *argv[])
{
	struct convert_opts o;
	struct convert_report rep;
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;
	bool changed = false, same = false, exists = false, from_vault = false;
	bool would = cli->dry_run || cli->check;
	int ret = 0;

	memset(&o, 0, sizeof(o));
	o.vault = (struct dkim_vault)DKIM_VAULT_INIT;
	o.kf.mode = 0600;
	am_error_clear(&err);
	if ((ret = parse_options(cli, &o, argc, argv)) != 0)
		goto out;
	if (!o.kf.mode_given && o.kf.group != NULL)
		o.kf.mode = 0640;
	o.kf.vault = dkim_vault_given(&o.vault) && !o.decrypt;
	if (dkim_load_key(&key, o.path, &o.vault, &from_vault, &err) < 0 ||
	    am_dkim_key_encode(&key, o.kf.format, &data, &err) < 0 ||
	    (!dkim_to_stdout(&o.kf) && dkim_find_group(cli, &o.kf,
	    &err) < 0))
		goto fail;
	dkim_warn_rspamd(cli, key.type, o.kf.format);
	if (o.kf.vault && !dkim_to_stdout(&o.kf) &&
	    vault_unchanged(&o.kf, &o.vault, &data)) {
		/* Already this key in a vault of this password. */
		same = true;
		exists = true;
	} else if (o.kf.vault && dkim_vault_seal(&o.vault, &data, &err) < 0)
		goto fail;
	if (dkim_to_stdout(&o.kf)) {
		if (dkim_write_secret(&data, &err) < 0)
			goto fail;
		goto out;
	}
	if (same)
		changed = false;
	else if (would) {
		/* The converted bytes, compared and checked, never written. */
		if (dkim_check_save(cli, &o.kf, &data, &same, &exists,
		    &err) < 0)
			goto fail;
		changed = !same;
	} else if (dkim_save_key(cli, &o.kf, &data, &changed, &err) < 0)
		goto fail;
	rep.kf = &o.kf;
	rep.key = &key;
	rep.from = o.path;
	rep.from_vault = from_vault;
	ret = convert_result(cli, &rep, changed, exists);
	goto out;
fail:
	ret = cli_fail(cli, &err);
out:
	am_buf_wipe(&data);
	am_dkim_key_free(&key);
	dkim_vault_free(&o.vault);
	return ret;
}
