/*
 * unit_helpers.h - what several unit test programs share: a scratch
 * directory under /tmp, small file helpers, and a collector for the
 * warnings the library reports through am_warn_fn.
 *
 * Each test program includes this header once (the functions are static).
 * A fixture makes a directory with unit_tmpdir_create() and removes it
 * with unit_tmpdir_remove(); unit_path() builds a path inside it.
 */
#ifndef UNIT_HELPERS_H
#define UNIT_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_error.h"

#define UNIT_MAX_WARNINGS 32

struct unit_warnings {
	size_t count;
	struct am_error w[UNIT_MAX_WARNINGS];
};

static inline void
unit_collect_warning(void *ctx, const struct am_error *warning)
{
	struct unit_warnings *ws = ctx;

	if (ws->count < UNIT_MAX_WARNINGS)
		ws->w[ws->count] = *warning;
	ws->count++;
}

/* Index of the first warning whose message contains text, or -1. */
static inline int
unit_find_warning(const struct unit_warnings *ws, const char *text)
{
	size_t i;

	for (i = 0; i < ws->count && i < UNIT_MAX_WARNINGS; i++)
		if (strstr(ws->w[i].message, text) != NULL)
			return (int)i;
	return -1;
}

static inline int
unit_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* mkdtemp under /tmp; the name goes to buf (at least 64 bytes). */
static inline int
unit_tmpdir_create(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "/tmp/am-unit-%s-XXXXXX", tag);
	return mkdtemp(buf) != NULL ? 0 : -1;
}

static inline void
unit_tmpdir_remove(const char *dir)
{
	if (dir != NULL && dir[0] != '\0')
		(void)nftw(dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name into the caller's buffer. */
static inline const char *
unit_path(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

static inline int
unit_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0)
		return -1;
	if (write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0)
		rc = 0;
	close(fd);
	return rc;
}

/* The whole file, NUL-terminated; caller frees.  NULL if unreadable. */
static inline char *
unit_read_file(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	/* Set on every path: gcc -Werror=maybe-uninitialized in callers. */
	if (lenp != NULL)
		*lenp = 0;
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	if (fstat(fd, &st) == 0 &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		n = read(fd, buf, (size_t)st.st_size);
		if (n != (ssize_t)st.st_size) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (lenp != NULL)
				*lenp = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

/* Number of entries in dir whose name starts with prefix. */
static inline int
unit_count_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

#endif
