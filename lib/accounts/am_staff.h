/*
 * am_staff - onboarding and offboarding of a staff member in one plan:
 * the system account (am_useradd, am_userdel), the address in the users
 * file (am_edit) and the onboarding password reset (am_passwd's PAM
 * judgement), all planned under the account locks and the users file's
 * lock before anything is written, shown as one diff, and written through
 * one journal, so that a refusal changes nothing and a crash leaves the
 * old files or a journal the next locked run finishes.  The table of the
 * users file is rebuilt after the journal (a crash in between leaves the
 * table stale, which the next run of any users command rebuilds).
 *
 *	struct am_staff_plan p;
 *	am_staff_onboard_plan(h, &onboard_opts, &p, &err);	or offboard
 *	am_staff_diff(&p, &out, &err);		dry run
 *	am_staff_commit(h, &p, &err);		otherwise
 *	am_staff_plan_free(&p);			unlock
 *
 * Onboarding LOGIN: the account is created as "useradd -m" would (or an
 * existing person's account is reused, am_useradd.h), the address
 * LOCAL@domain (LOCAL defaults to LOGIN, domain is archmail.conf's
 * domain) is added in the category with the value DEST (default LOGIN),
 * and a new account's password is emptied and expired (shadow last change
 * 0) after the same PAM judgement as "passwd clear" (am_passwd.h): the
 * owner sets a password at the first login.  An existing account keeps
 * its password, so a second run changes nothing.
 *
 * Offboarding LOGIN: the address LOCAL@domain is replaced by DEST with a
 * note (a forward) or removed.  LOGIN@domain is the person's by its name
 * (it may point at the forward an earlier offboarding set); an address
 * given with LOCAL must point at LOGIN or already at DEST (a re-run).
 * Then the password is locked ('!' in front, as
 * "usermod -L"), or with delete the account and its home are removed
 * ("userdel -r", am_userdel.h).  An absent address or account is no
 * error: the plan says what was not there.
 */
#ifndef AM_STAFF_H
#define AM_STAFF_H

#include <stdbool.h>
#include <stddef.h>

#include "am_acct.h"
#include "am_buf.h"
#include "am_edit.h"
#include "am_error.h"
#include "am_host.h"
#include "am_useradd.h"
#include "am_userdel.h"

struct am_staff_onboard_opts {
	const char *login;
	const char *name;		/* full name, the GECOS field */
	const char *category;		/* of the users file */
	const char *address;		/* local part; NULL: login */
	const char *forward;		/* destination; NULL: login */
	const char *const *groups;	/* supplementary groups */
	size_t ngroups;
	bool allow_nullok;		/* as passwd clear --allow-nullok */
	bool dry_run;			/* no locks, nothing written */
};

struct am_staff_offboard_opts {
	const char *login;
	const char *address;		/* local part; NULL: login */
	const char *forward;		/* NULL: remove the address */
	const char *note;		/* comment above the forward */
	bool delete;			/* remove account and home */
	bool dry_run;
};

struct am_staff_plan {
	bool onboard;
	bool dry_run;
	char *login;
	char *address;			/* LOCAL@domain */
	struct am_acct_db db;
	bool db_open;
	struct am_edit edit;
	bool edit_open;
	struct am_edit_plan ep;
	bool ep_open;
	struct am_useradd ua;		/* onboard */
	struct am_userdel ud;		/* offboard */
	bool password_cleared;		/* onboard: a new account's reset */
	bool address_absent;		/* offboard: nothing to replace */
	bool changed;			/* something is (would be) written */
	bool committed;
};

int am_staff_onboard_plan(const struct am_host *h,
    const struct am_staff_onboard_opts *o, struct am_staff_plan *p,
    struct am_error *err);
int am_staff_offboard_plan(const struct am_host *h,
    const struct am_staff_offboard_opts *o, struct am_staff_plan *p,
    struct am_error *err);
/* The whole plan as one unified diff (hashes hidden), into out. */
int am_staff_diff(const struct am_staff_plan *p, struct am_buf *out,
    struct am_error *err);
/* Write the plan; the table is rebuilt last. */
int am_staff_commit(const struct am_host *h, struct am_staff_plan *p,
    struct am_error *err);
/* Unlock and free; safe on a failed or zeroed plan. */
void am_staff_plan_free(struct am_staff_plan *p);

#endif
