/*
 * archmail dkim: what the subcommands (cmd/dkim_*.c) share.  The
 * subcommand table is in cmd_dkim.c; keys and records are lib/am_dkim_*.
 */
#ifndef ARCHMAIL_DKIM_H
#define ARCHMAIL_DKIM_H

#include "archmail.h"

#include <sys/types.h>

#include "am_dkim_key.h"
#include "am_dkim_record.h"
#include "am_dkim_run.h"
#include "am_vault.h"

/* rspamadm's default selector since 3.6. */
#define DKIM_DEFAULT_SELECTOR "mail"

/* How a record is printed: -s -d -o --ttl --fqdn. */
struct dkim_output {
	const char *selector;
	const char *domain;
	enum am_dkim_output format;
	long ttl;
	bool fqdn;
};

int dkim_keygen(struct am_cli *cli, int argc, char *argv[]);
int dkim_record(struct am_cli *cli, int argc, char *argv[]);
int dkim_convert(struct am_cli *cli, int argc, char *argv[]);
int dkim_check(struct am_cli *cli, int argc, char *argv[]);

/* getopt_long's '?' or ':' as a usage error (optstring starts with ':'). */
int dkim_bad_option(struct am_cli *cli, int c, char *argv[]);
/* -o and --ttl values: 0, or a usage error's exit status. */
int dkim_parse_output(struct am_cli *cli, const char *arg,
    enum am_dkim_output *format);
int dkim_parse_ttl(struct am_cli *cli, const char *arg, long *ttl);
/* Check the options of o that go together: 0, or a usage error. */
int dkim_check_output(struct am_cli *cli, const struct dkim_output *o);

/*
 * --vault-password-file FILE and --vault-id [LABEL@]FILE: the password
 * of keys kept in an Ansible Vault, read as Ansible reads it.
 */
struct dkim_vault {
	const char *file;	/* the password file; NULL: no vault */
	const char *label;	/* NULL: Ansible's "default" (format 1.1) */
	char *copy;		/* --vault-id's value, split at '@' */
	struct am_buf password;
	bool loaded;
};

#define DKIM_VAULT_INIT { NULL, NULL, NULL, AM_BUF_INIT, false }

/* Record the option (OPT_VAULT_ID: spec is LABEL@FILE): 0 or usage. */
int dkim_vault_option(struct am_cli *cli, struct dkim_vault *v,
    bool is_id, const char *spec);
/* Read the password, if an option named a file. */
int dkim_vault_load(struct dkim_vault *v, struct am_error *err);
bool dkim_vault_given(const struct dkim_vault *v);
/* Replace the plaintext in data with its vault (data wiped). */
int dkim_vault_seal(const struct dkim_vault *v, struct am_buf *data,
    struct am_error *err);
void dkim_vault_free(struct dkim_vault *v);

/*
 * Load -k keyfile ("-": stdin); v (may be NULL) decrypts a vault, and
 * *vault (may be NULL) says whether it was one.
 */
int dkim_load_key(struct am_dkim_key *key, const char *path,
    struct dkim_vault *v, bool *vault, struct am_error *err);
/* Render the record as o asks into out. */
int dkim_render(const struct am_dkim_record *rec, const struct dkim_output *o,
    struct am_buf *out, struct am_error *err);

/* Key file options of keygen and convert, and the writer. */
struct dkim_keyfile {
	const char *path;	/* NULL or "-": stdout */
	enum am_dkim_key_format format;
	bool force;
	mode_t mode;
	bool mode_given;	/* --mode: also over a replaced file's */
	bool vault;		/* written as an Ansible Vault */
	const char *group;	/* NULL: keep the process's group */
	bool set_group;		/* group resolved: */
	gid_t gid;
};

/* --mode: octal, no access for others; 0 or a usage error. */
int dkim_parse_mode(struct am_cli *cli, const char *arg, mode_t *mode);
/*
 * Warn when ROOT's rspamd (older than 3.13.2) cannot load an Ed25519 key
 * written in format.
 */
void dkim_warn_rspamd(struct am_cli *cli, enum am_dkim_key_type type,
    enum am_dkim_key_format format);

/* Resolve kf->group in ROOT/etc/group (AM_E_NOUSER if unknown). */
int dkim_find_group(struct am_cli *cli, struct dkim_keyfile *kf,
    struct am_error *err);
int dkim_save_key(struct am_cli *cli, const struct dkim_keyfile *kf,
    const struct am_buf *data, bool *changed, struct am_error *err);
/*
 * What dkim_save_key() would do, writing nothing (am_dkim_key_save_check;
 * data NULL: a key not made yet).
 */
int dkim_check_save(struct am_cli *cli, const struct dkim_keyfile *kf,
    const struct am_buf *data, bool *same, bool *exists,
    struct am_error *err);
/*
 * A dry run's view of a key file, never its bytes: "WHAT: ed25519, pem,
 * mode 0600", and the diff that replaces (exists) or creates path with
 * one line <desc>.  dkim_key_diff returns am_buf_printf's result.
 */
void dkim_key_describe(char *buf, size_t size, const char *what,
    const struct am_dkim_key *key, const struct dkim_keyfile *kf);
int dkim_key_diff(struct am_buf *diff, const char *path, bool exists,
    const char *desc);
/* --dry-run/--check with the key going to stdout: a usage error. */
int dkim_dry_run_needs_file(struct am_cli *cli, const char *opt);
/* Add how to replace an existing file to an AM_E_EXISTS message. */
void dkim_force_hint(struct am_error *err);
bool dkim_to_stdout(const struct dkim_keyfile *kf);
/* Write a secret to stdout unbuffered, so stdio keeps no copy. */
int dkim_write_secret(const struct am_buf *data, struct am_error *err);

/* JSON fragments. */
void dkim_json_key(struct am_json *j, const struct am_dkim_key *key,
    const char *path, bool vault);

#endif
