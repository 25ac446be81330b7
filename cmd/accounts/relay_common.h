/*
 * Shared by archmail relay, passwd and postfwd: password input, the
 * hashing policy from archmail.conf and options, the list of relay hosts
 * for postfwd, and "planned" file writes that are validated first, shown
 * as a diff by --dry-run, and written atomically afterwards.
 */
#ifndef RELAY_COMMON_H
#define RELAY_COMMON_H

#include <stdbool.h>
#include <sys/stat.h>

#include "archmail.h"
#include "am_acct.h"
#include "am_buf.h"
#include "am_pw.h"

#define RELAY_GECOS_PREFIX "SMTP Relay Account for "
#define RELAY_RELOAD_COMMAND "postfwd --reload --keep_rates"

/* Long options shared by the subcommands. */
enum {
	OPT_PASSWORD_STDIN = 256,
	OPT_PASSWORD_FD,
	OPT_GENERATE,
	OPT_SCHEME,
	OPT_COST,
	OPT_ROUNDS,
	OPT_CLIENT_FILE,
	OPT_NO_POSTFWD,
	OPT_NO_SENDER_MAP,
	OPT_DRY_RUN,
	OPT_CHECK,
	OPT_DELETE,
	OPT_ALLOW_NULLOK,
	OPT_INIT,
};

enum pw_source { PW_NONE, PW_STDIN, PW_FD, PW_GENERATE };

struct pw_opts {
	enum pw_source source;
	int fd;
	const char *scheme;	/* NULL: archmail.conf */
	const char *cost;
	const char *rounds;
};

/* A file write decided before anything is written. */
struct planned_file {
	char *path;
	bool exists;
	struct stat st;
	struct am_buf old;
	struct am_buf new;
	bool changed;
	bool secret;		/* never shown in a diff */
	mode_t new_mode;	/* for a file that does not exist yet */
};

/* Option parsing helpers: 0, or an exit status already reported. */
int pw_opts_set(struct am_cli *cli, struct pw_opts *o, int opt,
    const char *arg);
int pw_policy(struct am_cli *cli, const struct pw_opts *o,
    enum am_pw_scheme *scheme, unsigned long *cost, struct am_error *err);
int pw_read(const struct pw_opts *o, struct am_buf *pw,
    struct am_error *err);

/* "foobar.archlinux.org" -> user "foobar"; AM_E_INVALID otherwise. */
int relay_host_user(const char *host, char *user, size_t size,
    struct am_error *err);
/*
 * The host named by a GECOS that carries the relay marker, or NULL.  The
 * marker alone is only a claim (anyone can type it into a GECOS field):
 * use relay_account_kind() to decide whether an account is one.
 */
const char *relay_gecos_host(const char *gecos);

enum relay_kind {
	RELAY_NOT,		/* no marker */
	RELAY_ACCOUNT,		/* marker, relay_shell and relay_group */
	RELAY_LOOKALIKE,	/* marker, but another shell or group */
};

/*
 * What the passwd entry pe is.  An account is a relay account only when
 * its GECOS carries the marker AND its shell is relay_shell AND its primary
 * group is relay_group (resolved through ROOT/etc/group): archmail creates
 * every relay account that way, while a hand-made look-alike with a login
 * shell is a person's account that must not get a relay host's limits.
 * A group file that cannot be read counts as "no match" (fail closed).
 */
enum relay_kind relay_account_kind(struct am_cli *cli,
    const struct am_acct_entry *pe);
/* Warn about a look-alike (once per call site and account). */
void relay_warn_lookalike(struct am_cli *cli, const struct am_acct_entry *pe);

/*
 * Sorted logins for the postfwd block: every relay account whose password
 * is not locked, plus postfwd_extra_users; add (if not NULL) counted in,
 * drop (if not NULL) left out.
 */
int relay_postfwd_names(struct am_cli *cli, const struct am_acct_db *db,
    const char *add, const char *drop, char ***names, size_t *n,
    struct am_error *err);
void relay_free_names(char **names, size_t n);

void planned_init(struct planned_file *pf);
void planned_free(struct planned_file *pf);
/* Read path into pf->old (missing: exists false, unless required). */
int planned_load(struct planned_file *pf, const char *path, bool required,
    struct am_error *err);
/* The postfwd.cf plan for names, checked with postfwd -C if changed. */
int plan_postfwd(struct am_cli *cli, struct planned_file *pf,
    char **names, size_t n, bool init, struct am_error *err);
/*
 * The sender map plan: add "KEY VALUE" (AM_E_EXISTS_DIFFERENT if KEY is
 * there with another value) or remove KEY if its value is VALUE.
 */
int plan_sender_map(struct am_cli *cli, struct planned_file *pf,
    const char *key, const char *value, bool add, struct am_error *err);
/* Write pf atomically if changed (owner and mode kept). */
int planned_commit(struct am_cli *cli, struct planned_file *pf,
    struct am_error *err);
/*
 * Append the unified diff of a planned file (dry run) to out; a secret
 * file (the client line) shows "<password>" / "<new password>".
 */
int planned_diff(const struct planned_file *pf, struct am_buf *out,
    struct am_error *err);
/*
 * Append the diff of an account file to out; in shadow and gshadow every
 * hash is hidden, as "<new hash>" on the lines this run changed.
 */
int account_diff(const struct am_acct_file *f, struct am_buf *out,
    struct am_error *err);
struct cli_result;
/* An account file and, when it changed, its backup FILE- in the result. */
void account_result_files(struct cli_result *r, const struct am_acct_file *f,
    bool changed);
/* Compile the sender map like postmap (if the table is not current). */
int compile_sender_map(struct am_cli *cli, const char *path, bool force,
    bool *compiled, struct am_error *err);
/* Is KEY in the sender map source (with value)? */
bool sender_map_has(struct am_cli *cli, const char *path, const char *key,
    const char *value);


/* ROOT-prefixed path of a setting (caller frees); NULL on ENOMEM. */
char *conf_root_path(struct am_cli *cli, enum am_conf_key key);

/*
 * Add pf (if changed) to a journal: a temporary with the final content,
 * owner and mode (a secret file always 0600), renamed at commit.
 */
int planned_stage(struct am_cli *cli, struct planned_file *pf,
    struct am_journal *j, struct am_error *err);

#endif
