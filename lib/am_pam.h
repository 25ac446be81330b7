/*
 * am_pam - does a PAM service let an empty password in?
 *
 * pam_unix with the "nullok" option in an auth line accepts an account
 * whose shadow password field is empty -- for Dovecot, with any password
 * at all.  am_pam_find_nullok() reads a service file under a pam.d
 * directory the way libpam does (comments, '\' continuation, bracketed
 * controls, "-type" lines), follows "include" and "substack" auth lines
 * and Debian's "@include FILE", and reports the first such line.
 * "nullok_secure" (old Debian) is a different option and does not count.
 */
#ifndef AM_PAM_H
#define AM_PAM_H

#include <stdbool.h>

#include "am_error.h"

struct am_pam_hit {
	bool found;
	char file[1024];	/* the file with the auth line */
	long line;
};

/*
 * Look at pam_dir/service (a missing service file: nothing found).
 * Fails only on a read error or an include loop deeper than 16 files.
 */
int am_pam_find_nullok(const char *pam_dir, const char *service,
    struct am_pam_hit *hit, struct am_error *err);

#endif
