/*
 * archmail dkim: the subcommand table, and what keygen, record, convert
 * and check share (options, names, key files, output).
 */
#include "dkim.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_atomic.h"

static const struct {
	const char *name;
	int (*fn)(struct am_cli *cli, int argc, char *argv[]);
} dkim_commands[] = {
	{ "check", dkim_check },
	{ "convert", dkim_convert },
	{ "keygen", dkim_keygen },
	{ "record", dkim_record },
};

int
cmd_dkim(struct am_cli *cli, int argc, char *argv[])
{
	size_t i;

	/* cli_parse() checked the subcommand, its options and operands. */
	for (i = 0; i < sizeof(dkim_commands) / sizeof(dkim_commands[0]); i++)
		if (strcmp(argv[1], dkim_commands[i].name) == 0)
			return dkim_commands[i].fn(cli, argc - 1, argv + 1);
	return cli_usage_error(cli, "unknown subcommand \"%s\"", argv[1]);
}

int
dkim_bad_option(struct am_cli *cli, int c, char *argv[])
{
	const char *opt = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		return cli_usage_error(cli, "option \"%s\" needs an argument",
		    opt);
	if (optopt > 0 && optopt < 128)
		return cli_usage_error(cli, "unknown option \"-%c\"", optopt);
	return cli_usage_error(cli, "unknown option \"%s\"", opt);
}

int
dkim_parse_output(struct am_cli *cli, const char *arg,
    enum am_dkim_output *format)
{
	if ((*format = am_dkim_output_from_name(arg)) == AM_DKIM_OUT_NONE)
		return cli_usage_error(cli, "unknown output format \"%s\" "
		    "(zone or dns, dnskey, txt, plain, strings, terraform, json)",
		    arg);
	return 0;
}

int
dkim_parse_ttl(struct am_cli *cli, const char *arg, long *ttl)
{
	char *end;

	errno = 0;
	*ttl = strtol(arg, &end, 10);
	/* RFC 2181 §8: 0 to 2^31 - 1 seconds. */
	if (errno != 0 || end == arg || *end != '\0' || *ttl < 0 ||
	    *ttl > 2147483647L)
		return cli_usage_error(cli, "bad --ttl \"%s\" (seconds, 0 to "
		    "2147483647)", arg);
	return 0;
}

int
dkim_check_output(struct am_cli *cli, const struct dkim_output *o)
{
	if (o->fqdn && o->domain == NULL)
		return cli_usage_error(cli, "--fqdn needs -d domain");
	return 0;
}

int
dkim_vault_option(struct am_cli *cli, struct dkim_vault *v, bool is_id,
    const char *spec)
{
	struct am_error err;
	char *at;

	if (v->file != NULL)
		return cli_usage_error(cli, "give one --vault-password-file "
		    "or --vault-id");
	if (!is_id) {
		v->file = spec;
		return 0;
	}
	free(v->copy);
	if ((v->copy = strdup(spec)) == NULL)
		return cli_usage_error(cli, "out of memory");
	/* Ansible's rule: LABEL@SOURCE, or SOURCE alone. */
	if ((at = strchr(v->copy, '@')) != NULL) {
		*at = '\0';
		v->file = at + 1;
		v->label = v->copy[0] != '\0' ? v->copy : NULL;
	} else {
		v->file = v->copy;
	}
	if (*v->file == '\0' || strcmp(v->file, "prompt") == 0)
		return cli_usage_error(cli, "--vault-id %s: give a password "
		    "file (archmail never prompts)", spec);
	if (v->label != NULL && am_vault_check_label(v->label, &err) < 0)
		return cli_usage_error(cli, "--vault-id %s: %s", spec,
		    err.message);
	return 0;
}

bool
dkim_vault_given(const struct dkim_vault *v)
{
	return v != NULL && v->file != NULL;
}

int
dkim_vault_load(struct dkim_vault *v, struct am_error *err)
{
	if (!dkim_vault_given(v) || v->loaded)
		return 0;
	if (am_vault_password_read(v->file, v->label != NULL ? v->label :
	    AM_VAULT_DEFAULT_ID, &v->password, err) < 0)
		return -1;
	v->loaded = true;
	return 0;
}

int
dkim_vault_seal(const struct dkim_vault *v, struct am_buf *data,
    struct am_error *err)
{
	struct am_buf sealed = AM_BUF_INIT;

	if (am_vault_encrypt(data->data, data->len, v->password.data,
	    v->password.len, v->label, NULL, &sealed, err) < 0)
		return -1;
	am_buf_wipe(data);
	*data = sealed;
	return 0;
}

void
dkim_vault_free(struct dkim_vault *v)
{
	am_buf_wipe(&v->password);
	free(v->copy);
	v->copy = NULL;
	v->file = NULL;
	v->label = NULL;
	v->loaded = false;
}

int
dkim_load_key(struct am_dkim_key *key, const char *path,
    struct dkim_vault *v, bool *vault, struct am_error *err)
{
	const struct am_buf *pw = NULL;
	bool was_vault = false;
	size_t len;
	int rc;

	if (dkim_vault_given(v)) {
		if (dkim_vault_load(v, err) < 0)
			return -1;
		pw = &v->password;
	}
	if (strcmp(path, "-") == 0)
		rc = am_dkim_key_load_fd_vault(key, STDIN_FILENO, "stdin", pw,
		    &was_vault, err);
	else
		rc = am_dkim_key_load_vault(key, path, pw, &was_vault, err);
	if (vault != NULL)
		*vault = was_vault;
	if (rc < 0 && was_vault && pw == NULL) {
		len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len,
		    " (--vault-password-file FILE or --vault-id LABEL@FILE)");
	}
	return rc;
}

int
dkim_parse_mode(struct am_cli *cli, const char *arg, mode_t *mode)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 8);
	if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > 0777)
		return cli_usage_error(cli, "bad --mode \"%s\" (octal, such as "
		    "0600 or 0640)", arg);
	if (v & 07)
		return cli_usage_error(cli, "--mode %s would give other users "
		    "access to the private key", arg);
	*mode = (mode_t)v;
	return 0;
}

void
dkim_warn_rspamd(struct am_cli *cli, enum am_dkim_key_type type,
    enum am_dkim_key_format format)
{
	struct am_error err;
	unsigned int v[3];
	char path[4096];
	bool found;

	if (type != AM_DKIM_ED25519 || (format != AM_DKIM_KEY_PEM &&
	    format != AM_DKIM_KEY_DER))
		return;
	if (am_dkim_rspamd_version(cli->root, v, &found, path, sizeof(path),
	    &err) < 0 || !found || am_dkim_rspamd_loads_pkcs8_ed25519(v))
		return;
	cli_warnf(cli, "%s is rspamd %u.%u.%u: rspamd before 3.13.2 cannot "
	    "load an Ed25519 key in %s format; write it with --key-format "
	    "rspamd", path, v[0], v[1], v[2], am_dkim_key_format_name(format));
}

static void
render_opts(const struct dkim_output *o, struct am_dkim_render_opts *r)
{
	r->selector = o->selector;
	r->domain = o->domain;
	r->ttl = o->ttl;
	r->fqdn = o->fqdn;
}

int
dkim_render(const struct am_dkim_record *rec, const struct dkim_output *o,
    struct am_buf *out, struct am_error *err)
{
	struct am_dkim_render_opts r;

	render_opts(o, &r);
	return am_dkim_record_render(rec, o->format, &r, out, err);
}

int
dkim_find_group(struct am_cli *cli, struct dkim_keyfile *kf,
    struct am_error *err)
{
	if (kf->group == NULL)
		return 0;
	if (am_dkim_key_group(cli->root, kf->group, &kf->gid, err) < 0)
		return -1;
	kf->set_group = true;
	return 0;
}

static void
temp_created(const char *path, void *arg)
{
	cli_set_cleanup(arg, path);
}

bool
dkim_to_stdout(const struct dkim_keyfile *kf)
{
	return kf->path == NULL || strcmp(kf->path, "-") == 0;
}

static void
key_file_opts(struct am_cli *cli, const struct dkim_keyfile *kf,
    struct am_dkim_key_file *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = kf->mode;
	o->force = kf->force;
	o->temp_created = temp_created;
	o->temp_arg = cli;
	o->set_group = kf->set_group;
	o->gid = kf->gid;
	o->keep_existing = true;
	o->mode_given = kf->mode_given;
}

int
dkim_check_save(struct am_cli *cli, const struct dkim_keyfile *kf,
    const struct am_buf *data, bool *same, bool *exists,
    struct am_error *err)
{
	struct am_dkim_key_file o;
	int rc;

	key_file_opts(cli, kf, &o);
	rc = am_dkim_key_save_check(kf->path, data != NULL ? data->data :
	    NULL, data != NULL ? data->len : 0, &o, same, exists, err);
	if (rc < 0)
		dkim_force_hint(err);
	return rc;
}

int
dkim_save_key(struct am_cli *cli, const struct dkim_keyfile *kf,
    const struct am_buf *data, bool *changed, struct am_error *err)
{
	struct am_dkim_key_file o;
	int rc;

	key_file_opts(cli, kf, &o);
	cli_guard_signals(cli);
	rc = am_dkim_key_save(kf->path, data->data, data->len, &o, changed,
	    err);
	cli_clear_cleanup(cli);
	if (rc < 0)
		dkim_force_hint(err);
	return rc;
}

void
dkim_force_hint(struct am_error *err)
{
	size_t len;

	if (err->code != AM_E_EXISTS)
		return;
	len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len,
	    " (-f replaces it)");
}

int
dkim_write_secret(const struct am_buf *data, struct am_error *err)
{
	if (fflush(stdout) != 0 || am_write_all(STDOUT_FILENO, data->data,
	    data->len) < 0)
		return am_error_set_errno(err, AM_E_IO, errno,
		    "write error on stdout");
	return 0;
}

void
dkim_json_key(struct am_json *j, const struct am_dkim_key *key,
    const char *path, bool vault)
{
	am_json_object_begin(j, "key");
	if (path != NULL)
		am_json_string(j, "path", path);
	am_json_string(j, "type", am_dkim_key_type_name(key->type));
	am_json_int(j, "bits", key->bits);
	if (key->format != AM_DKIM_KEY_UNKNOWN)
		am_json_string(j, "format",
		    am_dkim_key_format_name(key->format));
	am_json_bool(j, "vault", vault);
	am_json_object_end(j);
}

void
dkim_key_describe(char *buf, size_t size, const char *what,
    const struct am_dkim_key *key, const struct dkim_keyfile *kf)
{
	struct stat st;
	char bits[32] = "";
	mode_t mode = kf->mode;

	/* A replaced file's mode stays (am_dkim_key_file.keep_existing). */
	if (!kf->mode_given && kf->path != NULL &&
	    lstat(kf->path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 07777;
	if (key->type == AM_DKIM_RSA)
		snprintf(bits, sizeof(bits), " %u bits", key->bits);
	snprintf(buf, size, "%s: %s%s, %s%s, mode %04o%s%s", what,
	    am_dkim_key_type_name(key->type), bits,
	    am_dkim_key_format_name(kf->format),
	    kf->vault ? " in an Ansible Vault" : "", (unsigned int)mode,
	    kf->group != NULL ? ", group " : "",
	    kf->group != NULL ? kf->group : "");
}

int
dkim_key_diff(struct am_buf *diff, const char *path, bool exists,
    const char *desc)
{
	/* One line per side: a key's bytes are never part of a diff. */
	if (exists)
		return am_buf_printf(diff, "--- %s\n+++ %s\n@@ -1 +1 @@\n"
		    "-<old contents: not shown>\n+<%s>\n", path, path, desc);
	return am_buf_printf(diff, "--- /dev/null\n+++ %s\n@@ -0,0 +1 @@\n"
	    "+<%s>\n", path, desc);
}

int
dkim_dry_run_needs_file(struct am_cli *cli, const char *opt)
{
	return cli_usage_error(cli, "--%s needs %s: without it the key goes "
	    "to standard output and no file would be written",
	    cli->check ? "check" : "dry-run", opt);
}
