/*
 * am_check_fix - the fixing commands of check findings, written so that
 * they can be pasted into a shell as they are: paths quoted where needed,
 * and the --root of the check repeated for archmail's own commands (the
 * paths in them already carry the root, which a path on the command line
 * never gets again).
 */
#ifndef AM_CHECK_FIX_H
#define AM_CHECK_FIX_H

#include "am_buf.h"
#include "am_host.h"

/* word, single-quoted for sh(1) when it holds anything but safe bytes. */
int am_check_quote(struct am_buf *out, const char *word);
/*
 * "archmail [--root ROOT] " followed by fmt, where each %Q in fmt takes
 * a string argument that is quoted and %s one that is copied; nothing else
 * is understood.  NULL when out of memory.
 */
char *am_check_archmail(const struct am_host *h, const char *fmt, ...);
/* The same without the "archmail" prefix (chmod, chown, ...). */
char *am_check_shell(const char *fmt, ...);

#endif
