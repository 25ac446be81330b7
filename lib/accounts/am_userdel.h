/*
 * am_userdel - the account side of offboarding, planned inside an open
 * account database like am_useradd: lock the password as "usermod -L"
 * does, or delete the account as "userdel -r" does.
 *
 *	am_acct_db_open(&db, root, all four files, true, timeout, &err);
 *	am_userdel_plan(h, &db, &opts, &ud, &err);	lines changed, no write
 *	am_acct_db_stage(&db, &j, &err);
 *	am_userdel_stage_home(&ud, &j, &err);		with opts.delete
 *	am_journal_commit(&j, &err);
 *
 * Lock: a '!' in front of the shadow password field (an empty field
 * becomes "!"); a field that starts with '!' already is left alone, so a
 * second run changes nothing.  Delete: the passwd and shadow lines go;
 * the login leaves every member and administrator list of group and
 * gshadow; with USERGROUPS_ENAB yes the group named like the login goes
 * too when it is the
 * account's primary group and no other account has it as its primary
 * group (userdel keeps it then, and says so: a warning here); the home
 * is removed when it is a directory owned by the account (the journal's
 * rmhome step).  The mail spool is not touched: on a Dovecot host mail
 * lives in the home.  Only a person's account (UID_MIN..UID_MAX) is
 * handled; anything else is AM_E_EXISTS_DIFFERENT.  An absent account
 * is ud.absent, not an error, so that offboarding can be re-run.
 */
#ifndef AM_USERDEL_H
#define AM_USERDEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "am_acct.h"
#include "am_error.h"
#include "am_host.h"
#include "am_journal.h"

struct am_userdel_opts {
	const char *login;
	bool delete;		/* userdel -r; else usermod -L */
};

struct am_userdel {
	bool absent;		/* no such account (nothing to do) */
	bool locked;		/* the password was locked by this plan */
	bool deleted;		/* the account's lines were removed */
	bool group_deleted;
	uid_t uid;
	char *home_path;	/* ROOT + home */
};

int am_userdel_plan(const struct am_host *h, struct am_acct_db *db,
    const struct am_userdel_opts *o, struct am_userdel *ud,
    struct am_error *err);
/* With delete: add the removal of the home to j (when there is one). */
int am_userdel_stage_home(const struct am_userdel *ud, struct am_journal *j,
    struct am_error *err);
void am_userdel_free(struct am_userdel *ud);

#endif
