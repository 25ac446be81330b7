/*
 * am_journal - a change to several files (passwd, shadow, their backups,
 * a relay host's sender map, postfwd.cf, client file, home directory) that
 * a crash cannot leave half done.
 *
 * Every new content is first written to a temporary file next to its
 * target (TARGET.jnl.PID.RANDOM, owner and mode final, fsync'ed).  Then
 * the intent record, ROOT/etc/.archmail-journal, lists the steps in order
 * (rename TEMP over TARGET, make a home directory, remove one); it is
 * written and fsync'ed as a temporary file and renamed into place, and
 * /etc is fsync'ed: from that moment the change has happened.  Then the
 * steps run, each followed by an fsync of its directory, and the journal
 * is removed.
 *
 * Every step can be repeated: a rename whose temporary file is gone was
 * done; making or removing a home that is already there or gone is
 * nothing.  So a process killed at any point leaves either no journal
 * (nothing changed; the temporaries are stale and swept) or a journal
 * that am_journal_replay() finishes.  Replay and sweeping need the
 * account locks (am_acct_db_open() with lock does both, in that order,
 * before reading); readers without locks see the finished state through
 * am_journal_load() + am_journal_source().
 *
 *	am_journal_init(&j, root, &err);
 *	am_journal_add_file(&j, "/r/etc/passwd", buf, len, 0644, ...);
 *	am_journal_add_home(&j, AM_JOP_MKHOME, "/r/home/h", uid, gid, &err);
 *	am_journal_commit(&j, &err);	record, run, remove
 *	am_journal_free(&j);		temporaries removed unless recorded
 *
 * A rename also records the target as it was when staged (inode, size,
 * mtime; "-" when absent).  A replay that finds the target changed since
 * (by a program that ignores the record: useradd between the crash and
 * the next archmail run) stops with AM_E_IO and keeps the record, rather
 * than overwrite that change with stale contents.
 *
 * The library never prints: replay reports through its return value and
 * a step it has to skip (a home that is no longer the account's) is
 * counted in *skipped.
 */
#ifndef AM_JOURNAL_H
#define AM_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "am_error.h"

#define AM_JOURNAL_FILE "/etc/.archmail-journal"
#define AM_JOURNAL_TAG "jnl"

enum am_journal_kind {
	AM_JOP_RENAME,		/* from (temporary) over to */
	AM_JOP_MKHOME,		/* mkdir -p to, 0700 uid:gid */
	AM_JOP_RMHOME,		/* rm -r to, if a directory owned by uid */
};

struct am_journal_op {
	enum am_journal_kind kind;
	char *from;		/* AM_JOP_RENAME only */
	char *to;
	uid_t uid;
	gid_t gid;
	char pre[96];		/* rename: the target as it was, "-": absent */
};

struct am_journal {
	char *path;		/* ROOT/etc/.archmail-journal */
	struct am_journal_op *op;
	size_t n, cap;
	bool recorded;		/* the journal file was written */
};

int am_journal_init(struct am_journal *j, const char *root,
    struct am_error *err);
/* Temporaries not yet recorded are removed; NULL-safe, repeatable. */
void am_journal_free(struct am_journal *j);

/*
 * Write data to a temporary file of target (absolute or relative path,
 * no tab or newline) with its final mode and, with set_owner, owner, and
 * add the rename step (with the target's present identity).
 */
int am_journal_add_file(struct am_journal *j, const char *target,
    const void *data, size_t len, mode_t mode, bool set_owner, uid_t uid,
    gid_t gid, struct am_error *err);
/*
 * Add the rename of a directory prepared in full at staged (next to
 * target, named TARGET.jnl.PID.SUFFIX so that am_journal_sweep_dirs()
 * finds it after a crash) to target,
 * which must not exist: a home copied from /etc/skel appears whole or
 * not at all.
 */
int am_journal_add_dir(struct am_journal *j, const char *staged,
    const char *target, struct am_error *err);
/* Add a home step (AM_JOP_MKHOME or AM_JOP_RMHOME). */
int am_journal_add_home(struct am_journal *j, enum am_journal_kind kind,
    const char *path, uid_t uid, gid_t gid, struct am_error *err);
/* Record, run every step, remove the record.  No steps: nothing. */
int am_journal_commit(struct am_journal *j, struct am_error *err);

/*
 * Read ROOT's pending journal into j (*found false and j empty when there
 * is none).  A journal that cannot be parsed is AM_E_IO.
 */
int am_journal_load(struct am_journal *j, const char *root, bool *found,
    struct am_error *err);
/*
 * The pending temporary that will become target, or NULL (also when the
 * target was changed since: the replay will refuse it).
 */
const char *am_journal_source(const struct am_journal *j,
    const char *target);
/*
 * Finish a pending journal (caller holds the account locks); *replayed
 * tells whether there was one, *skipped counts home steps left out.
 */
int am_journal_replay(const char *root, bool *replayed, size_t *skipped,
    struct am_error *err);
/* Remove TARGET.jnl.PID.* of dead processes (after replay, locked). */
void am_journal_sweep(const char *target);
/* The same for staged directories (am_journal_add_dir), recursively. */
void am_journal_sweep_dirs(const char *target);

/*
 * Home directories, also used directly by relay: mkdir -p, the last one
 * 0700 uid:gid (kept if it is already a directory of uid); and rm -r of
 * a directory owned by uid (absent: nothing).  Neither follows a
 * symbolic link.  AM_E_CANTCREAT / AM_E_INVALID for something else at
 * path.
 */
int am_home_create(const char *path, uid_t uid, gid_t gid, bool *created,
    struct am_error *err);
int am_home_remove(const char *path, uid_t uid, bool *removed,
    struct am_error *err);

#endif
