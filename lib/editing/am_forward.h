/*
 * am_forward - a user's ~/.forward, with the home from ROOT/etc/passwd,
 * owned by the user and its primary group, replaced atomically.
 * Postfix's local(8) trusts a .forward only when the user owns it;
 * archmail is stricter, because it runs as root: the home is resolved
 * below ROOT without following any symbolic link, must be a directory
 * owned by the user, and an existing .forward must be a regular file with
 * one link, owned by the user.  Anything else is refused (AM_E_PERM)
 * before a byte of it is read or written.  No lock file: it would be left
 * in the user's home; the atomic replacement keeps writers from mixing.
 *
 *	am_forward_plan(&f, host, "alice", dests, n, false, false, dry, &err);
 *	... f.changed, f.diff (dry run) ...
 *	am_forward_commit(&f, &err);
 *	am_forward_free(&f);
 */
#ifndef AM_FORWARD_H
#define AM_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_host.h"

struct am_forward {
	const struct am_host *host;
	char *user;
	bool clear, dry_run;
	char *home;		/* ROOT-prefixed, for messages */
	char *path;		/* ROOT-prefixed .forward, for messages */
	int dfd;		/* the home directory */
	char *fdpath;		/* .forward through dfd, /proc/self/fd/N */
	uid_t uid;
	gid_t gid;
	mode_t mode;		/* of an existing .forward */
	bool exists;
	struct am_buf old, new;
	bool changed;		/* is (dry run: would be) changed */
	struct am_buf diff;	/* dry run */
};

/*
 * Read and check USER's home and .forward and compute the new content:
 * one line per destination (each of dests may be a comma list; blanks
 * around elements are dropped), "\USER" last with keep_copy; with clear,
 * the file's removal.  AM_E_NOUSER for a user not in ROOT/etc/passwd.
 * f is initialised even on failure (free it).
 */
int am_forward_plan(struct am_forward *f, const struct am_host *h,
    const char *user, const char *const *dests, size_t ndests, bool clear,
    bool keep_copy, bool dry_run, struct am_error *err);
/* Write or remove the file when it changes; a dry-run plan is refused. */
int am_forward_commit(struct am_forward *f, struct am_error *err);
void am_forward_free(struct am_forward *f);

#endif
