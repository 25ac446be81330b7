/*
 * am_atomic - the only way archmail writes a file, and its locks.
 *
 * A file is replaced atomically: a temporary file is created next to the
 * target (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), written, given its final
 * owner and mode, fsync'ed, renamed over the target, and the directory is
 * fsync'ed.  Until am_atomic_commit() succeeds the target is untouched;
 * am_atomic_abort() (NULL-safe, idempotent) removes the temporary file.
 * Writers that let a library write the file (LMDB) use tmp_path and keep
 * fd for the final fsync.
 *
 *	am_atomic_begin(&af, "/etc/postfix/users.lmdb", &err);
 *	af.mode = 0644;		(optional: af.uid, af.gid, af.set_owner)
 *	am_atomic_write(&af, buf, len, &err);
 *	am_atomic_commit(&af, &err);	or	am_atomic_abort(&af);
 *
 * Temporary names are TARGET.tmp.PID.RANDOM, so that a file left by a
 * killed process can be recognised and removed later
 * (am_atomic_remove_stale()).
 *
 * Locks: am_lock_fcntl() takes a POSIX record lock on a whole file with a
 * bounded wait (Postfix's table protocol); am_lock_path() takes an flock()
 * on a sibling lock file for read-modify-write of text files.  Both die
 * with the process.  Both wait through struct am_wait, as do the account
 * files' locks (am_acct_lock()).
 */
#ifndef AM_ATOMIC_H
#define AM_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "am_error.h"

struct am_atomic {
	int dirfd;
	int fd;
	char *target_path;	/* as given */
	char *target_name;	/* last component */
	char *tmp_name;		/* last component of the temporary file */
	char *tmp_path;		/* directory + tmp_name, for libraries */
	mode_t mode;		/* final mode, default 0600 */
	bool set_owner;		/* fchown to uid/gid before the rename */
	bool no_replace;	/* fail (AM_E_EXISTS) if the target exists */
	uid_t uid;
	gid_t gid;
};

int am_atomic_begin(struct am_atomic *af, const char *target_path,
    struct am_error *err);
/*
 * As am_atomic_begin() with TARGET.TAG.PID.RANDOM as the temporary name
 * (am_journal uses "jnl": its temporaries outlive the process).
 */
int am_atomic_begin_tag(struct am_atomic *af, const char *target_path,
    const char *tag, struct am_error *err);
int am_atomic_write(struct am_atomic *af, const void *buf, size_t len,
    struct am_error *err);
int am_atomic_commit(struct am_atomic *af, struct am_error *err);
void am_atomic_abort(struct am_atomic *af);
/*
 * For a rename done later by someone else (am_journal): owner, mode,
 * fsync and close of the temporary file, which stays (tmp_path) until
 * am_atomic_release() forgets it without removing it.  On failure the
 * temporary file is removed and af released.
 */
int am_atomic_finish(struct am_atomic *af, struct am_error *err);
void am_atomic_release(struct am_atomic *af);

/* Write a whole file atomically in one call. */
int am_atomic_write_file(const char *path, const void *buf, size_t len,
    mode_t mode, bool set_owner, uid_t uid, gid_t gid, struct am_error *err);

/* Remove TARGET.tmp.PID.* files whose process no longer exists. */
void am_atomic_remove_stale(const char *target_path);
/* The same for TARGET.TAG.PID.* */
void am_atomic_remove_stale_tag(const char *target_path, const char *tag);

/* Write all of buf to fd, retrying short writes and EINTR; 0 or -1. */
int am_write_all(int fd, const void *buf, size_t len);

/*
 * The one bounded wait of every lock: a deadline on the monotonic clock
 * (timeout_ms negative: none), a short sleep between tries that grows from
 * 1 to 100 ms, and an optional interrupted() polled between tries (the
 * account files block signals while locked and stop on a pending one).
 * One wait may span several locks taken in turn (.pwd.lock, then the
 * FILE.lock of passwd and shadow): the deadline is for all of them.
 *	struct am_wait w;
 *	am_wait_start(&w, timeout_ms);
 *	while (!try_lock())
 *		if (am_wait_next(&w, what, err) < 0)
 *			return -1;	(AM_E_LOCK_BUSY)
 */
struct am_wait {
	long deadline_ms;
	int timeout_ms;		/* negative: no deadline */
	int delay_ms;
	bool expired;		/* am_wait_next() failed on the deadline */
	bool (*interrupted)(void);
};

void am_wait_start(struct am_wait *w, int timeout_ms);
/*
 * Before the next try: 0 after a short sleep; -1 and AM_E_LOCK_BUSY "lock
 * WHAT: held by another process for more than N seconds; try again later"
 * when the deadline has passed, or "lock WHAT: interrupted by a signal".
 */
int am_wait_next(struct am_wait *w, const char *what, struct am_error *err);

/*
 * Lock the whole file open on fd: type F_RDLCK, F_WRLCK or F_UNLCK.  Waits
 * at most timeout_ms (negative: forever), then AM_E_LOCK_BUSY.
 */
int am_lock_fcntl(int fd, short type, int timeout_ms, const char *what,
    struct am_error *err);
/* The same within a wait already started (am_wait_start()). */
int am_lock_fcntl_wait(int fd, short type, struct am_wait *w,
    const char *what, struct am_error *err);

/*
 * Open (creating, mode 0600) a lock file for reading and writing, never
 * through a symbolic link and never blocking: anything but a regular file
 * at lockname is AM_E_IO at once, since it can never be taken.
 */
int am_lock_file_open(const char *lockname, int *lockfd,
    struct am_error *err);

/*
 * Exclusive flock() on PATH.lock (created mode 0600 if needed); the lock
 * file descriptor goes to *lockfd.  Bounded wait as above.  A PATH.lock
 * that is a symbolic link, FIFO or directory is AM_E_IO at once (it can
 * never be taken; waiting would not help).  Once the lock is held, stale
 * temporaries of PATH (am_atomic_remove_stale()) are removed.
 */
int am_lock_path(const char *path, int timeout_ms, int *lockfd,
    struct am_error *err);
void am_unlock_path(int lockfd);

#endif
