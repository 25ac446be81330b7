/*
 * am_passwd - the workflow of "archmail passwd": clear (the onboarding
 * reset, passwd -d made safe against PAM's nullok), set, and status
 * (passwd -S).  A change is planned (account files read and locked, the
 * account and the PAM stacks judged, shadow edited in memory), shown
 * (its shadow diff, hashes hidden) and committed (written the way
 * shadow-utils writes it); nothing is printed: warnings go to h->warn.
 *
 *	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
 *	struct am_passwd_plan p;
 *
 *	o.action = AM_PASSWD_CLEAR;
 *	o.user = "carol";
 *	if (am_passwd_plan(h, &o, &p, &err) == 0 &&
 *	    am_passwd_commit(&p, &err) == 0)	// or am_passwd_diff()
 *		report(p.changed, p.expired);	// locks still held
 *	am_passwd_plan_free(&p);
 *
 * clear empties the password and expires it (shadow last change 0, as
 * passwd -d followed by passwd -e): Dovecot's PAM passdb and saslauthd
 * run pam_acct_mgmt() after pam_authenticate(), and pam_unix's account
 * phase refuses an expired password there, while login and sshd make the
 * owner set one at once.  It refuses (AM_E_CONFIG, at the nullok line)
 * when a mail service's auth stack accepts the empty password (nullok)
 * and its account stack would not refuse it expired (am_pam.h).  With
 * no_expire the last change is today (plain passwd -d) and any nullok
 * refuses.  allow_nullok turns either refusal into a warning per line;
 * a stack archmail cannot read as libpam would refuses regardless.
 * uid 0, relay accounts and unparsable UIDs are refused (AM_E_INVALID);
 * system accounts (UID below UID_MIN, a shell that does not log in, a
 * locked password) unless system.
 */
#ifndef AM_PASSWD_H
#define AM_PASSWD_H

#include <stdbool.h>

#include "am_acct.h"
#include "am_buf.h"
#include "am_error.h"
#include "am_host.h"
#include "am_pw.h"

enum am_passwd_action { AM_PASSWD_CLEAR, AM_PASSWD_SET };

struct am_passwd_opts {
	enum am_passwd_action action;
	const char *user;
	bool lock;		/* false: read only (dry run), no locks */
	/* clear */
	bool no_expire;		/* last change today, not 0 */
	bool allow_nullok;	/* warn instead of refusing on nullok */
	bool system;		/* system accounts too */
	/* set */
	const char *password;	/* the caller's; never kept in the plan */
	enum am_pw_scheme scheme;
	unsigned long cost;
	bool expire;		/* last change 0: to be changed at login */
};

#define AM_PASSWD_OPTS_INIT { AM_PASSWD_CLEAR, NULL, true, false, false, \
	false, NULL, AM_PW_YESCRYPT, 0, false }

struct am_passwd_plan {
	struct am_acct_db db;	/* passwd and shadow, as planned */
	bool changed;		/* shadow differs from the file */
	bool expired;		/* the password ends expired (last change 0) */
};

/*
 * The mail services whose PAM stacks clear judges: Dovecot's "dovecot"
 * and, with "args = %s", its protocol names; "smtp" for Postfix through
 * saslauthd; and the stacks they include.  NULL-terminated.
 */
extern const char *const am_passwd_pam_services[];

/* Plan o's change on h; on error nothing is held. */
int am_passwd_plan(const struct am_host *h, const struct am_passwd_opts *o,
    struct am_passwd_plan *p, struct am_error *err);
/* Append the planned shadow's unified diff (hashes hidden) to out. */
int am_passwd_diff(const struct am_passwd_plan *p, struct am_buf *out,
    struct am_error *err);
/* Write the planned shadow (nothing when unchanged); locks stay held. */
int am_passwd_commit(struct am_passwd_plan *p, struct am_error *err);
/* Unlock and free; NULL-safe, safe to repeat and on a zeroed plan. */
void am_passwd_plan_free(struct am_passwd_plan *p);

/*
 * The PAM judgement of clear alone (o->user, no_expire, allow_nullok),
 * for a workflow that empties a password inside its own plan (users
 * onboard); expiry_date: the account has a shadow expiry date.
 */
int am_passwd_clear_guard(const struct am_host *h,
    const struct am_passwd_opts *o, bool expiry_date, struct am_error *err);

struct am_passwd_status {
	struct am_pw_info info;	/* state, scheme, cost, judgement */
	long last_change;	/* days since the epoch; -1 empty or bad */
	bool expired;		/* last change 0: change at next login */
	bool relay;		/* carries the relay account marker */
};

/* passwd -S of user (AM_E_NOUSER, AM_E_PARSE without a shadow entry). */
int am_passwd_status(const struct am_host *h, const char *user,
    struct am_passwd_status *st, struct am_error *err);

#endif
