/*
 * am_file - opening the files archmail reads by itself (archmail.conf,
 * main.cf, login.defs, passwd, a map it edits, a key) so that what sits
 * at the path cannot stall or fool it: the open never blocks (a FIFO, a
 * device or a directory is refused as "not a regular file" before any
 * read), optionally does not follow a symbolic link, and hands back the
 * file's stat.  Sources that Postfix's tools read as streams (postmap's
 * source, "-") keep their own open: a pipe is a fine source there.
 */
#ifndef AM_FILE_H
#define AM_FILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "am_error.h"

#define AM_FILE_NOFOLLOW 0x1	/* refuse a symbolic link (ELOOP) */

/*
 * Open path read-only; *fd and *st (st may be NULL) on success.  Errors:
 * AM_E_NOINPUT for a missing file or one that is not a regular file,
 * otherwise from errno; the message names the path.
 */
int am_file_open_read(const char *path, unsigned int flags, int *fd,
    struct stat *st, struct am_error *err);
/* The same as a stdio stream ("re"). */
FILE *am_file_fopen_read(const char *path, unsigned int flags,
    struct am_error *err);

#endif
