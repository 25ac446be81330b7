/*
 * am_file - opening the files archmail reads by itself (am_file.h).
 */
#include "am_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int
am_file_open_read(const char *path, unsigned int flags, int *fd,
    struct stat *st, struct am_error *err)
{
	struct stat sb;
	int f, oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	*fd = -1;
	if (flags & AM_FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	/* O_NONBLOCK: opening a FIFO without a writer must not wait. */
	if ((f = open(path, oflags)) < 0) {
		if (errno == ELOOP && (flags & AM_FILE_NOFOLLOW))
			return am_error_set(err, AM_E_NOINPUT, "open %s: a "
			    "symbolic link; archmail reads the file itself",
			    path);
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open %s", path);
	}
	if (fstat(f, &sb) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "stat %s", path);
		close(f);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		am_error_set(err, AM_E_NOINPUT, "open %s: not a regular file",
		    path);
		close(f);
		return -1;
	}
	/* A regular file: reads never block; plain descriptor from here. */
	(void)fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
	if (st != NULL)
		*st = sb;
	*fd = f;
	return 0;
}

FILE *
am_file_fopen_read(const char *path, unsigned int flags, struct am_error *err)
{
	FILE *fp;
	int fd;

	if (am_file_open_read(path, flags, &fd, NULL, err) < 0)
		return NULL;
	if ((fp = fdopen(fd, "re")) == NULL) {
		am_error_set_errno(err, AM_E_NOMEM, errno, "open %s", path);
		close(fd);
	}
	return fp;
}
