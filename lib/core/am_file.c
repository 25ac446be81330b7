/*
 * am_file - opening the files archmail reads by itself (am_file.h).
 */
#include "am_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * Make room for at least want bytes and the NUL.  A secret is copied into
 * a new allocation and the old one wiped, as realloc() may leave the old
 * bytes in freed memory.
 */
static int
grow(struct am_buf *b, size_t want, bool secret)
{
	size_t cap = b->cap < 4096 ? 4096 : b->cap;
	char *p;

	if (want < b->cap)
		return 0;
	while (cap <= want) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (!secret)
		return am_buf_reserve(b, want - b->len);
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int
am_file_read_fd(int fd, const char *name, unsigned int flags, size_t max,
    size_t hint, struct am_buf *out, struct am_error *err)
{
	bool secret = (flags & AM_FILE_WIPE) != 0;
	ssize_t n;

	if (secret)
		am_buf_wipe(out);
	else
		am_buf_reset(out);
	if (max > 0 && hint > max)
		hint = max;
	/* Room for the expected size and one more byte: EOF is seen by the
	 * first read that returns 0, without growing the buffer. */
	if (grow(out, hint + 1, secret) < 0)
		goto nomem;
	out->data[0] = '\0';
	for (;;) {
		if (out->len + 1 >= out->cap && grow(out, out->len + 1,
		    secret) < 0)
			goto nomem;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			am_error_set_errno(err, AM_E_IO, errno, "read %s",
			    name);
			goto fail;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (max > 0 && out->len > max) {
			am_error_set(err, AM_E_INVALID, "%s: larger than %zu "
			    "bytes", name, max);
			goto fail;
		}
	}
	return 0;
nomem:
	am_error_set(err, AM_E_NOMEM, "read %s: out of memory", name);
fail:
	if (secret)
		am_buf_wipe(out);
	else
		am_buf_free(out);
	return -1;
}

int
am_file_read(const char *path, unsigned int flags, size_t max,
    struct am_buf *out, struct stat *st, struct am_error *err)
{
	struct stat sb;
	int fd, rc;

	if (am_file_open_read(path, (flags & AM_FILE_FOLLOW) ? 0 :
	    AM_FILE_NOFOLLOW, &fd, &sb, err) < 0) {
		if (flags & AM_FILE_WIPE)
			am_buf_wipe(out);
		else
			am_buf_free(out);
		return -1;
	}
	rc = am_file_read_fd(fd, path, flags, max, (size_t)sb.st_size, out,
	    err);
	close(fd);
	if (rc == 0 && st != NULL)
		*st = sb;
	return rc;
}
