/*
 * am_relay - SMTP relay accounts of other hosts: an account per relay host
 * (user "foo" for "foo.example.org", GECOS "SMTP Relay Account for HOST",
 * relay_shell, relay_group), its line in the sender map, its place in
 * postfwd's list of relay logins (am_postfwd.h) and the client line the
 * relay host's Postfix logs in with.
 */
#ifndef AM_RELAY_H
#define AM_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

#include "am_acct.h"
#include "am_change.h"
#include "am_error.h"
#include "am_host.h"
#include "am_pw.h"

#define AM_RELAY_GECOS_PREFIX "SMTP Relay Account for "
#define AM_RELAY_RELOAD_COMMAND "postfwd --reload --keep_rates"

/* "foobar.archlinux.org" -> user "foobar"; AM_E_INVALID otherwise. */
int am_relay_host_user(const char *host, char *user, size_t size,
    struct am_error *err);
/*
 * The host named by a GECOS that carries the relay marker, or NULL.  The
 * marker alone is only a claim (anyone can type it into a GECOS field):
 * use am_relay_account_kind() to decide whether an account is one.
 */
const char *am_relay_gecos_host(const char *gecos);

enum am_relay_kind {
	AM_RELAY_NOT,		/* no marker */
	AM_RELAY_ACCOUNT,	/* marker, relay_shell and relay_group */
	AM_RELAY_LOOKALIKE,	/* marker, but another shell or group */
};

/*
 * What the passwd entry pe is.  An account is a relay account only when
 * its GECOS carries the marker AND its shell is relay_shell AND its primary
 * group is relay_group (resolved through ROOT/etc/group): archmail creates
 * every relay account that way, while a hand-made look-alike with a login
 * shell is a person's account that must not get a relay host's limits.
 * A group file that cannot be read counts as "no match" (fail closed).
 */
enum am_relay_kind am_relay_account_kind(const struct am_host *h,
    const struct am_acct_entry *pe);
/* Warn (through h) that pe is a look-alike, not treated as a relay. */
void am_relay_warn_lookalike(const struct am_host *h,
    const struct am_acct_entry *pe);

/*
 * Sorted logins for the postfwd block: every relay account whose password
 * is not locked, plus postfwd_extra_users; add (if not NULL) counted in,
 * drop (if not NULL) left out.  Look-alikes are warned about.
 */
int am_relay_postfwd_names(const struct am_host *h,
    const struct am_acct_db *db, const char *add, const char *drop,
    char ***names, size_t *n, struct am_error *err);
void am_relay_free_names(char **names, size_t n);

/*
 * Add postfwd.cf (postfwd_config) to cs with its block listing names
 * (*f: its entry), checked with postfwd -C when it changes, before
 * anything of the command is written.  init: see am_postfwd_update().
 */
int am_relay_plan_postfwd(const struct am_host *h, struct am_change *cs,
    char **names, size_t n, bool init, struct am_change_file **f,
    struct am_error *err);

/*
 * archmail postfwd sync: the managed block of postfwd.cf rewritten from
 * the relay accounts (read under the account locks unless dry_run, so
 * that no relay add is half-seen) and postfwd_extra_users.  The locks
 * are held until am_relay_sync_free(); s.file is postfwd.cf's plan.
 */
struct am_relay_sync {
	struct am_acct_db db;
	struct am_change cs;
	struct am_change_file *file;
	char **names;
	size_t n;
};
int am_relay_sync_plan(const struct am_host *h, bool init, bool dry_run,
    struct am_relay_sync *s, struct am_error *err);
int am_relay_sync_commit(const struct am_host *h, struct am_relay_sync *s,
    struct am_error *err);
void am_relay_sync_free(struct am_relay_sync *s);
/*
 * Add the sender map (sender_map) to cs (*f: its entry): with add, the
 * line "KEY VALUE" (AM_E_EXISTS_DIFFERENT if KEY is there with another
 * value); without, KEY removed if its value is VALUE (another value is
 * warned about and left).  A missing map that stays empty is not made.
 */
int am_relay_plan_sender_map(const struct am_host *h, struct am_change *cs,
    const char *key, const char *value, bool add,
    struct am_change_file **f, struct am_error *err);
/* The same for n keys, in order, in one change of the file. */
int am_relay_plan_sender_map_n(const struct am_host *h, struct am_change *cs,
    const char *const *keys, const char *const *values, const bool *adds,
    size_t n, struct am_change_file **f, struct am_error *err);
/*
 * Compile the sender map source at path like postmap, when forced or
 * when its table is older than the source (*compiled tells).
 */
int am_relay_compile_sender_map(const struct am_host *h, const char *path,
    bool force, bool *compiled, struct am_error *err);
/*
 * The sender map source at path was just replaced with text: its table
 * gets the records of keys (in place, one transaction, when the table was
 * current before the source changed, cur 1 from am_map_table_current();
 * else a full rebuild, with a warning saying why).  *updated: in place.
 */
int am_relay_update_sender_map(const struct am_host *h, const char *path,
    int cur, const char *why, const char *text, size_t len,
    const char *const *keys, size_t nkeys, bool *updated,
    struct am_error *err);
/* Is KEY in the sender map source at path, with value VALUE? */
bool am_relay_sender_map_has(const struct am_host *h, const char *path,
    const char *key, const char *value);
/*
 * The client file's redaction (am_change_file.redact): each line "HOST
 * USER:PASSWORD" shows as "HOST USER:<password>", or "<new password>"
 * in the new text.
 */
int am_relay_redact_client(const char *text, size_t len, bool is_new,
    struct am_buf *out);

/*
 * relay add|rotate|remove as a library workflow: am_relay_plan() takes
 * the account locks (unless dry_run), finishes what a killed run left,
 * and decides every change (account, password, home, sender map,
 * postfwd block, client line) without writing; am_relay_diff() shows
 * it, secrets hidden; am_relay_commit() writes it all through one
 * journal and compiles the sender map.  The locks are held until
 * am_relay_plan_free(), so that the caller reports while no other
 * writer runs.
 *
 *	struct am_relay_plan p;
 *	am_relay_plan(h, &opts, &p, &err);
 *	dry run: am_relay_diff(&p, &diff, &err);  else am_relay_commit(h,
 *	    &p, &err);
 *	report p.created, p.uid, am_relay_changed(&p), p.cs's files ...
 *	am_relay_plan_free(&p);
 */
enum am_relay_op { AM_RELAY_ADD, AM_RELAY_ROTATE, AM_RELAY_REMOVE };

struct am_relay_opts {
	enum am_relay_op op;
	const char *host;
	struct am_pw_opts pw;	/* add, rotate: the new password */
	const char *client_file;	/* NULL: none written */
	bool no_postfwd;
	bool no_sender_map;
	bool dry_run;		/* no locks; nothing will be committed */
	bool delete;		/* remove: the account and its home too */
	/* add: a different password replaces the account's */
	bool update_password;
	/* add: HOST may be outside archmail.conf's domains */
	bool any_domain;
};

struct am_relay_plan {
	struct am_relay_opts o;	/* as given (the caller's pointers) */
	char user[64];
	struct am_acct_db db;	/* passwd, shadow: changed in memory */
	struct am_change cs;	/* client file, sender map, postfwd.cf */
	struct am_change_file *client, *sender, *postfwd;	/* or NULL */
	struct am_buf pw;	/* the password (wiped by _free) */
	char hash[AM_PW_HASH_MAX];	/* "" when the hash is not new */
	char *home;		/* ROOT-prefixed, or NULL */
	uid_t uid;
	gid_t gid;
	bool created;		/* new account */
	bool home_create;	/* commit makes the home directory */
	bool home_remove;	/* commit removes it */
	char *sender_table;	/* the sender map's table, when compiled */
	bool sender_updated;	/* ... in place (O(change)), not rebuilt */
};

/* Validate and compute every change; nothing is written. */
int am_relay_plan(const struct am_host *h, const struct am_relay_opts *o,
    struct am_relay_plan *p, struct am_error *err);
/* Would the commit change anything (a file's bytes, a home)? */
bool am_relay_changed(const struct am_relay_plan *p);
/* The plan as one unified diff (passwd, shadow, then cs), secrets hidden. */
int am_relay_diff(const struct am_relay_plan *p, struct am_buf *out,
    struct am_error *err);
/* Write what am_relay_plan() decided. */
int am_relay_commit(const struct am_host *h, struct am_relay_plan *p,
    struct am_error *err);
/* Unlock and free; NULL-safe, and safe after a failed am_relay_plan(). */
void am_relay_plan_free(struct am_relay_plan *p);

/*
 * relay apply: several adds (and removes) planned on one set of locks and
 * files, each host as am_relay_plan() plans it, in order (an account
 * created by an earlier host counts when the next UID is chosen); then
 * the postfwd block and the sender map once for all.  A host or a client
 * file named twice, and --generate without a client file, are refused
 * (AM_E_INVALID, b->failed says which host).  am_relay_batch_commit()
 * writes it all through one journal and updates the sender map's table
 * once.
 */
struct am_relay_batch_host {
	struct am_relay_opts o;
	char user[64];
	char *home;		/* ROOT-prefixed, or NULL */
	uid_t uid;
	gid_t gid;
	bool created, new_hash, home_create, home_remove;
	struct am_change_file *client;	/* or NULL */
	bool changed;		/* account, password, home or client file */
};

struct am_relay_batch {
	struct am_relay_plan base;	/* db, cs, postfwd, sender */
	struct am_relay_batch_host *hosts;
	size_t n;
	long failed;		/* the host a failed plan stopped at, or -1 */
};

int am_relay_batch_plan(const struct am_host *h,
    const struct am_relay_opts *opts, size_t n, bool dry_run,
    struct am_relay_batch *b, struct am_error *err);
bool am_relay_batch_changed(const struct am_relay_batch *b);
int am_relay_batch_diff(const struct am_relay_batch *b, struct am_buf *out,
    struct am_error *err);
int am_relay_batch_commit(const struct am_host *h, struct am_relay_batch *b,
    struct am_error *err);
void am_relay_batch_free(struct am_relay_batch *b);

/* One relay account, as relay list shows it. */
struct am_relay_entry {
	char *user;
	char *host;
	unsigned long uid;
	char *home;
	enum am_pw_state state;
	char method[16];	/* "yescrypt", ..., "" when none */
	unsigned long cost;	/* 0: unknown */
	char last_change[16];	/* YYYY-MM-DD or "never" */
	bool postfwd;		/* listed in postfwd's block */
	bool sender_map;	/* its sender-map line is there */
};

struct am_relay_list {
	struct am_relay_entry *v;
	size_t n;
};

/*
 * Every relay account of h, in passwd order (look-alikes are warned
 * about and left out).  Reads without locks.
 */
int am_relay_list(const struct am_host *h, struct am_relay_list *list,
    struct am_error *err);
void am_relay_list_free(struct am_relay_list *list);

#endif
