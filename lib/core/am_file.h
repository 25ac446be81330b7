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

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "am_buf.h"
#include "am_error.h"

#define AM_FILE_NOFOLLOW 0x1	/* refuse a symbolic link (ELOOP) */
/* am_file_read() refuses a symbolic link unless given this. */
#define AM_FILE_FOLLOW	0x2
/*
 * The contents are a secret (a private key): the buffer never moves by
 * realloc (which would leave a copy behind), is wiped on failure, and the
 * caller frees it with am_buf_wipe().
 */
#define AM_FILE_WIPE	0x4

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

/*
 * The one reader of a whole file: open path as am_file_open_read() does
 * (never blocking, regular files only, and no symbolic link unless
 * AM_FILE_FOLLOW), then read all of it into out (reset first; NUL-
 * terminated, may hold NUL bytes).  More than max bytes (0: no limit) is
 * AM_E_INVALID "PATH: larger than MAX bytes".  *st (may be NULL) is the
 * file's stat.  On failure out is empty.
 */
int am_file_read(const char *path, unsigned int flags, size_t max,
    struct am_buf *out, struct stat *st, struct am_error *err);
/*
 * The same for an open descriptor (stdin, a pipe), named name in
 * messages; hint is the expected size (st_size) or 0.
 */
int am_file_read_fd(int fd, const char *name, unsigned int flags,
    size_t max, size_t hint, struct am_buf *out, struct am_error *err);

#endif
