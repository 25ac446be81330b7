/*
 * am_account - /etc/passwd, shadow, group and gshadow, read and written
 * the way shadow-utils does it, so that useradd, passwd and archmail can
 * run at the same time on the same root without losing an update.
 *
 * A file is held as its lines: every line archmail does not change is
 * written back byte-for-byte (comments, blank lines, NIS "+"/"-" lines, a
 * CR before the newline, a missing final newline).  Lines are looked up by
 * name; a name that appears twice makes the lookup fail, as it makes
 * shadow-utils' tools refuse.
 *
 *	am_acct_db_open(&db, root, AM_ACCT_F_PASSWD | AM_ACCT_F_SHADOW,
 *	    true, timeout_ms, &err);	lock, then read
 *	idx = am_acct_find(&db.file[AM_ACCT_SHADOW], "foo", &err);
 *	am_acct_entry_get(&db.file[AM_ACCT_SHADOW], idx, &e, &err);
 *	... am_acct_entry_set_field(&e, 1, hash); am_acct_entry_store() ...
 *	am_acct_db_commit(&db, &err);	backups FILE-, atomic replacement
 *	am_acct_db_close(&db);		unlock (always)
 *
 * Locking (am_acct_lock): a POSIX fcntl lock on ROOT/etc/.pwd.lock (what
 * lckpwdf() and systemd take), then a link lock FILE.lock holding our PID
 * for each file, in shadow-utils' order passwd, group, gshadow, shadow.  A
 * lock file whose PID is dead is removed and taken.  Both kinds of wait
 * are bounded; past the limit the call fails with AM_E_LOCK_BUSY.  While
 * the locks are held SIGHUP, SIGINT, SIGQUIT and SIGTERM are blocked, and
 * a wait ends early when one of them is pending: am_acct_unlock() removes
 * the lock files and then restores the signal mask, so such a signal
 * arrives only after every lock is gone.  A lock file that is a symbolic
 * link, FIFO or directory can never be released by its owner: that is
 * AM_E_IO at once (exit 74), not a wait.
 *
 * Crashes (am_journal.h): am_acct_db_commit() goes through a journal.
 * am_acct_db_open() with lock, once the locks are held, first finishes a
 * pending journal, then removes what killed runs leave: temporaries
 * (FILE.tmp.PID.*, FILE.jnl.PID.*, the same for FILE-) and link-lock
 * files FILE.PID of dead processes.  Without lock it changes nothing and
 * reads each file from the pending journal's temporary when there is
 * one, so that readers (passwd status, relay list) see the finished
 * change, never a half one.
 */
#ifndef AM_ACCT_H
#define AM_ACCT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_journal.h"

enum am_acct_kind {
	AM_ACCT_PASSWD,
	AM_ACCT_GROUP,
	AM_ACCT_GSHADOW,
	AM_ACCT_SHADOW,		/* lock order: the order of this enum */
	AM_ACCT_NKINDS
};

#define AM_ACCT_F_PASSWD	(1u << AM_ACCT_PASSWD)
#define AM_ACCT_F_GROUP		(1u << AM_ACCT_GROUP)
#define AM_ACCT_F_GSHADOW	(1u << AM_ACCT_GSHADOW)
#define AM_ACCT_F_SHADOW	(1u << AM_ACCT_SHADOW)

#define AM_ACCT_MAX_FIELDS 9
#define AM_ACCT_NAME_MAX 32

struct am_acct_line {
	char *text;		/* without the newline; may end in '\r' */
	size_t len;
	long lineno;		/* in the file as read; 0 for a new line */
	size_t name_len;	/* 0: comment, blank, NIS or no name */
	bool owned;		/* text was allocated for a change */
};

struct am_acct_file {
	enum am_acct_kind kind;
	char *path;
	bool exists;
	struct stat st;		/* of the file as read */
	char *orig;		/* the bytes as read, for the backup */
	size_t orig_len;
	char *data;		/* unchanged lines point in here */
	struct am_acct_line *line;
	size_t count, cap;
	bool final_newline;	/* the last line ended in '\n' */
	bool changed;
};

/* One entry split into its fields (a private copy of the line). */
struct am_acct_entry {
	char *buf;
	char *field[AM_ACCT_MAX_FIELDS];
	size_t nfields;
	char *owned[AM_ACCT_MAX_FIELDS];	/* replaced fields */
};

struct am_acct_lock {
	char *root;
	int pwd_fd;			/* .pwd.lock, -1 when not held */
	char *lock_path[AM_ACCT_NKINDS];	/* FILE.lock we created */
	sigset_t old_mask;
	bool masked;
};

struct am_acct_db {
	char *root;
	struct am_acct_lock lock;
	struct am_acct_file file[AM_ACCT_NKINDS];
	unsigned int loaded;	/* AM_ACCT_F_* */
};

/* Fields per entry: 7, 4, 4, 9. */
size_t am_acct_nfields(enum am_acct_kind kind);
/* "passwd", "group", "gshadow", "shadow" */
const char *am_acct_kind_name(enum am_acct_kind kind);

/*
 * The one rule for user and group names, shadow-utils' default (useradd
 * on Debian without --badname): [a-z_][a-z0-9_-]*[$]?, at most 32
 * characters.  0, or -1 and AM_E_INVALID in err saying what is wrong.
 */
int am_acct_name_check(const char *name, struct am_error *err);
/* The same as a predicate. */
bool am_acct_name_valid(const char *name);

/* Parse text (named path for messages) into f; empty f for len 0. */
int am_acct_file_parse(struct am_acct_file *f, enum am_acct_kind kind,
    const char *path, const char *text, size_t len, struct am_error *err);
/* Read path (O_NOFOLLOW); a missing file is an empty one (exists false). */
int am_acct_file_load(struct am_acct_file *f, enum am_acct_kind kind,
    const char *path, struct am_error *err);
void am_acct_file_free(struct am_acct_file *f);
/* The whole file as it would be written. */
int am_acct_file_render(const struct am_acct_file *f, struct am_buf *out);

/*
 * Index of the line for name, or -1: AM_E_NOUSER when there is none,
 * AM_E_PARSE (file, line) when the name appears more than once.
 */
long am_acct_find(const struct am_acct_file *f, const char *name,
    struct am_error *err);
/* AM_E_PARSE (file, line) when any name appears twice in f. */
int am_acct_check_duplicates(const struct am_acct_file *f,
    struct am_error *err);
/* The name of line i ("" when it has none), length in *len. */
const char *am_acct_line_name(const struct am_acct_file *f, size_t i,
    size_t *len);

/*
 * Split line i; AM_E_PARSE (file, line) unless it has exactly the
 * number of fields of its kind.
 */
int am_acct_entry_get(const struct am_acct_file *f, size_t i,
    struct am_acct_entry *e, struct am_error *err);
int am_acct_entry_set_field(struct am_acct_entry *e, size_t n,
    const char *value, struct am_error *err);
void am_acct_entry_free(struct am_acct_entry *e);
/* Join e with ':' into *out (caller frees). */
int am_acct_entry_join(const struct am_acct_entry *e, char **out,
    struct am_error *err);

/*
 * Changes.  Fields are checked: no ':' or newline (AM_E_INVALID).
 * Replacing a line with the same text is no change.  A new line goes
 * before the NIS lines that end the file, if any.
 */
int am_acct_replace(struct am_acct_file *f, size_t i,
    const struct am_acct_entry *e, struct am_error *err);
int am_acct_append(struct am_acct_file *f, const char *const *fields,
    size_t nfields, struct am_error *err);
void am_acct_remove(struct am_acct_file *f, size_t i);

/*
 * The lowest UID in ROOT/etc/login.defs' UID_MIN..UID_MAX (1000..60000
 * when unset) that no passwd line uses.
 */
int am_acct_alloc_uid(const struct am_acct_file *passwd, const char *root,
    uid_t *uid, struct am_error *err);
/* The GID of a group by name, or its number; AM_E_NOUSER if unknown. */
int am_acct_group_gid(const struct am_acct_file *group, const char *name,
    gid_t *gid, struct am_error *err);
/*
 * A number of ROOT/etc/login.defs (UID_MIN, ...) as shadow-utils reads
 * it; dflt when unset or not a number.  A login.defs that is not a
 * regular file is an error.
 */
int am_acct_login_defs(const char *root, const char *name, unsigned long dflt,
    unsigned long *value, struct am_error *err);
/* Days since the epoch, as shadow's last-change field counts. */
long am_acct_today(void);

/* Locks (see above).  timeout_ms < 0 waits forever. */
int am_acct_lock(struct am_acct_lock *lk, const char *root,
    unsigned int files, int timeout_ms, struct am_error *err);
void am_acct_unlock(struct am_acct_lock *lk);

/* ROOT/etc/NAME for a kind (caller frees). */
char *am_acct_path(const char *root, enum am_acct_kind kind);

/*
 * Lock (when lock is true) and read the files in the mask.  A missing
 * passwd is AM_E_NOINPUT; the other files may be missing (empty).
 */
int am_acct_db_open(struct am_acct_db *db, const char *root,
    unsigned int files, bool lock, int timeout_ms, struct am_error *err);
/*
 * Write every changed file: backup FILE- with the old content, owner and
 * mode, then the new content with the same owner and mode, all through
 * one journal (am_journal.h), so that a crash leaves the old files or a
 * journal the next locked open finishes.  passwd before shadow.  Nothing
 * changed: nothing written.  A changed file in which any name appears
 * twice is refused before anything is written.
 */
int am_acct_db_commit(struct am_acct_db *db, struct am_error *err);
/*
 * The same steps added to a caller's journal, for a change that spans
 * more files (relay); the caller commits it.  f->changed stays set.
 */
int am_acct_db_stage(struct am_acct_db *db, struct am_journal *j,
    struct am_error *err);
/* Unlock and free; NULL-safe and safe to repeat. */
void am_acct_db_close(struct am_acct_db *db);
/* -v: the locks held ("locked FILE.lock") and the files read, through h. */
struct am_host;
void am_acct_db_notes(const struct am_host *h, const struct am_acct_db *db);

/*
 * A user of ROOT/etc/passwd, read without a lock through the parser
 * above (opened as am_file_open_read() does: a FIFO or directory there
 * is AM_E_NOINPUT): 1 and its uid, gid and (home not NULL) home directory
 * (caller frees) when there is one, 0 when there is none or no passwd
 * file, -1
 * on error: AM_E_PARSE (file, line) for a malformed entry (a UID or GID
 * that is not a decimal number below 4294967295, the wrong number of
 * fields) or a name that appears twice.
 */
int am_acct_passwd_lookup(const char *root, const char *user, uid_t *uid,
    gid_t *gid, char **home, struct am_error *err);

#endif
