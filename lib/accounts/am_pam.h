/*
 * am_pam - would a PAM service let an emptied account in?
 *
 * am_pam_check() answers one question for one service: would
 * pam_authenticate() of Linux-PAM 1.5 (with Debian's "@include") succeed
 * for an account whose shadow password field is empty, whatever password
 * the client sends?  It reads the service's stack under ROOT the way
 * libpam's configuration parser does and then walks the auth stack the
 * way libpam's dispatcher does:
 *
 *  - files: ROOT/etc/pam.d/NAME, else ROOT/usr/lib/pam.d/NAME (absolute
 *    names under ROOT); a missing service file falls back to "other", and
 *    a service file without auth lines uses other's auth stack;
 *  - lines: '#' ends a line wherever it is; a '\' followed only by blanks
 *    joins the next line, and blank or comment lines inside such a
 *    continuation are skipped; a file that ends inside a continuation is
 *    a libpam read error (the whole stack fails);
 *  - words: split at space, tab and newline only; "[...]" is one word
 *    without its brackets, ending at the first ']' not written "\]" (which
 *    becomes ']'), in every position (type, control, module, arguments);
 *  - type ("-" prefix allowed), control keywords: any case; "[value=action
 *    ...]" as libpam parses it (a syntax error makes every value "bad");
 *    "include", "substack", "@include" as libpam splices and scopes them;
 *    a malformed line becomes a handler that always fails;
 *  - modules: pam_unix.so (an argument beginning with "nullok", which
 *    includes "nullok_secure", or with "nullresetok" lets the empty
 *    password in; otherwise it fails, the third failure as "maxtries"),
 *    pam_permit.so (success) and pam_deny.so (auth_err), by bare name or
 *    under a ".../security/" directory.  Any other module may return
 *    anything (fail closed): the answer is "accept" when some combination
 *    of their results lets the stack succeed with pam_unix succeeding by
 *    nullok on the way (its success counted, or jumping), or succeed with
 *    none of them returning success (pam_permit lets any password in).
 *    A success that needs an unknown module's success and no nullok is
 *    that module's own authentication, not the empty password's.
 *
 * What archmail cannot read exactly as libpam would is an error, never a
 * "reject": an unreadable file, a directory or other non-file, a file over
 * 1 MiB or with a NUL byte, a line longer than libpam's 1023-byte buffer,
 * an include loop or nesting deeper than 32 files, "@include" without a
 * file name or failing inside an included file (libpam crashes or reads
 * uninitialised memory), a jump over 999999999, /etc/pam.conf in place
 * of pam.d, or a stack too complex to explore.
 */
#ifndef AM_PAM_H
#define AM_PAM_H

#include <stdbool.h>

#include "am_error.h"

enum am_pam_grant {
	AM_PAM_GRANT_NULLOK,	/* pam_unix with nullok (or nullresetok) */
	AM_PAM_GRANT_PERMIT,	/* pam_permit: no password at all */
};

struct am_pam_verdict {
	bool accept;		/* pam_authenticate would succeed */
	enum am_pam_grant grant;	/* what grants it, if accept */
	char file[1024];	/* the line of that module */
	long line;
	char module[256];	/* its module path as written */
	bool other;		/* the stack came from "other" */
};

/*
 * Judge SERVICE (a file name, no '/') under ROOT (NULL or "/" for the
 * running system).  Returns 0 with *v filled, or -1 (AM_E_CONFIG with the
 * file and line, or AM_E_NOMEM) when archmail cannot read the stack
 * exactly as libpam would.
 */
int am_pam_check(const char *root, const char *service,
    struct am_pam_verdict *v, struct am_error *err);

/*
 * The account phase: would pam_acct_mgmt() of SERVICE succeed for the same
 * emptied account once its password is expired (shadow last change 0)?
 * Dovecot's PAM passdb and saslauthd call it after pam_authenticate(), so
 * an expired empty password lets nobody in where it fails.  The account
 * stack is read as for am_pam_check() (other's account lines when the
 * service has none) and walked by the same dispatcher, with:
 *
 *  - pam_unix.so in a module directory and without no_pass_expiry:
 *    new_authtok_reqd, or with expiry_date (the account has a shadow
 *    expiry date, field 8, which may pass while the password is empty)
 *    also acct_expired; elsewhere or with no_pass_expiry it may return
 *    anything;
 *  - pam_permit.so success, pam_deny.so (module directory) auth_err;
 *  - pam_systemd_home.so (module directory): anything but success, as
 *    systemd-homed never serves an account of ROOT/etc/passwd;
 *  - any other module: anything.
 *
 * v->accept: some combination lets the stack succeed (the expiry is not
 * enforced); v->file and v->line then name the stack's first line (line 0
 * and the service's file for a stack without lines).  Errors as for
 * am_pam_check().
 */
int am_pam_check_expired(const char *root, const char *service,
    bool expiry_date, struct am_pam_verdict *v, struct am_error *err);

#endif
