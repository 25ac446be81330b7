/*
 * am_useradd - a person's system account, made the way "useradd -m"
 * makes it on Debian and Arch (shadow-utils 4.13+), planned inside an
 * open account database so that it commits with everything else the
 * command changes (onboarding: the address, the password reset).
 *
 *	am_acct_db_open(&db, root, all four files, true, timeout, &err);
 *	am_useradd_plan(h, &db, &opts, &ua, &err);	lines added, no write
 *	am_journal_init(&j, root, &err);
 *	am_acct_db_stage(&db, &j, &err);
 *	am_useradd_stage_home(h, &ua, &j, &err);	skel copied aside
 *	am_journal_commit(&j, &err);		files and home in one go
 *	am_useradd_free(&ua);
 *
 * What it writes, as useradd does:
 *  - UID: the highest one in use in login.defs' UID_MIN..UID_MAX plus
 *    one; when that is past UID_MAX, the lowest free one.
 *  - Group: with USERGROUPS_ENAB yes (Debian's and Arch's login.defs
 *    set it; unset means no, as in shadow-utils) a group named like
 *    the login, GID equal to the UID when that GID is free, else chosen
 *    like the UID in GID_MIN..GID_MAX; a group of that name must not
 *    exist yet.  Otherwise (or with opts.group) an existing group.
 *  - passwd "LOGIN:x:UID:GID:GECOS:HOME:SHELL"; shadow
 *    "LOGIN:!:TODAY:PASS_MIN_DAYS:PASS_MAX_DAYS:PASS_WARN_AGE:::"
 *    (fields login.defs leaves unset stay empty); group "LOGIN:x:GID:",
 *    gshadow "LOGIN:!::"; supplementary groups get LOGIN in their member
 *    lists (group and gshadow).
 *  - Shell and home base from ROOT/etc/default/useradd (SHELL, HOME),
 *    else /bin/bash and /home (shadow-utils' built-in defaults).
 *  - Home: a copy of ROOT/etc/skel (files, directories and symbolic links
 *    with their modes, owned by the user; anything else is left out with
 *    a warning), the directory itself HOME_MODE or 0777 & ~UMASK of
 *    login.defs.  It is built beside the home under a temporary name
 *    and renamed into place by the journal; missing directories above
 *    it are made 0755 first, as useradd makes them.  An existing home is kept as
 *    it is (useradd does the same, with a warning).  A missing
 *    skeleton is refused (AM_E_NOINPUT) when the plan is made.
 *
 * An account that exists already is reused when it is a person's account
 * (UID_MIN <= UID <= UID_MAX) with a shadow line: ua.existed is true and
 * nothing about it changes except missing supplementary group
 * memberships.  Any other existing account is AM_E_EXISTS_DIFFERENT.
 */
#ifndef AM_USERADD_H
#define AM_USERADD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "am_acct.h"
#include "am_error.h"
#include "am_host.h"
#include "am_journal.h"

struct am_useradd_opts {
	const char *login;
	const char *gecos;		/* "Full Name"; NULL: empty */
	const char *group;		/* primary group; NULL: see above */
	const char *const *groups;	/* supplementary groups, must exist */
	size_t ngroups;
	const char *shell;		/* NULL: default/useradd SHELL */
};

struct am_useradd {
	bool existed;		/* the account was there and is reused */
	bool group_created;
	uid_t uid;
	gid_t gid;
	char *home;		/* as written in passwd (no ROOT) */
	char *home_path;	/* ROOT + home */
	mode_t home_mode;
	bool home_exists;	/* before this run */
	size_t groups_joined;	/* supplementary memberships added */
};

/* The database must be open with all four files, locked. */
int am_useradd_plan(const struct am_host *h, struct am_acct_db *db,
    const struct am_useradd_opts *o, struct am_useradd *ua,
    struct am_error *err);
/*
 * For a new account whose home does not exist: copy ROOT/etc/skel to a
 * directory beside the home and add its rename to j.  Otherwise nothing.
 */
int am_useradd_stage_home(const struct am_host *h,
    const struct am_useradd *ua, struct am_journal *j, struct am_error *err);
void am_useradd_free(struct am_useradd *ua);
/* USERGROUPS_ENAB of ROOT/etc/login.defs (unset: no). */
int am_useradd_private_groups(const struct am_host *h, bool *yes,
    struct am_error *err);

#endif
