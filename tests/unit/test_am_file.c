/*
 * Unit tests for am_file: the one reader of whole files.  Regular files
 * only, never blocking on a FIFO, no symbolic link unless asked, a size
 * limit that is exact, and the same result for secrets read without
 * realloc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_file.h"
#include "unit_helpers.h"

struct fx {
	char dir[128];
	char path[256];
	struct am_buf b;
	struct am_error err;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	if (unit_tmpdir_create(fx->dir, sizeof(fx->dir), "file") < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	am_buf_free(&fx->b);
	unit_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static const char *
make(struct fx *fx, const char *name, const void *data, size_t len)
{
	unit_path(fx->path, sizeof(fx->path), fx->dir, name);
	assert_int_equal(unit_write_file(fx->path, data, len, 0600), 0);
	return fx->path;
}

static int
rd(struct fx *fx, const char *path, unsigned int flags, size_t max)
{
	am_error_clear(&fx->err);
	return am_file_read(path, flags, max, &fx->b, NULL, &fx->err);
}

static void
test_reads_whole_file(void **state)
{
	struct fx *fx = *state;
	static const char text[] = "line 1\nline\0 2\n";
	char *big;
	size_t i, n = 3 * 65536 + 17;
	struct stat st;
	unsigned int flags;

	for (flags = 0; flags <= AM_FILE_WIPE; flags += AM_FILE_WIPE) {
		make(fx, "a", text, sizeof(text) - 1);
		assert_int_equal(rd(fx, fx->path, flags, 0), 0);
		assert_int_equal(fx->b.len, sizeof(text) - 1);
		assert_memory_equal(fx->b.data, text, sizeof(text) - 1);
		assert_int_equal(fx->b.data[fx->b.len], '\0');
		/* a big file, read in more than one go */
		assert_non_null(big = malloc(n));
		for (i = 0; i < n; i++)
			big[i] = (char)('a' + i % 26);
		make(fx, "big", big, n);
		assert_int_equal(am_file_read(fx->path, flags, 0, &fx->b, &st,
		    &fx->err), 0);
		assert_int_equal(fx->b.len, n);
		assert_int_equal((size_t)st.st_size, n);
		assert_memory_equal(fx->b.data, big, n);
		free(big);
		/* empty */
		make(fx, "empty", "", 0);
		assert_int_equal(rd(fx, fx->path, flags, 0), 0);
		assert_int_equal(fx->b.len, 0);
		assert_non_null(fx->b.data);
		assert_string_equal(fx->b.data, "");
		if (flags & AM_FILE_WIPE)
			am_buf_wipe(&fx->b);
	}
}

static void
test_size_limit(void **state)
{
	struct fx *fx = *state;

	make(fx, "ten", "0123456789", 10);
	assert_int_equal(rd(fx, fx->path, 0, 10), 0);
	assert_int_equal(fx->b.len, 10);
	assert_int_equal(rd(fx, fx->path, 0, 9), -1);
	assert_int_equal(fx->err.code, AM_E_INVALID);
	assert_non_null(strstr(fx->err.message, "larger than 9 bytes"));
	assert_non_null(strstr(fx->err.message, fx->path));
	assert_int_equal(fx->b.len, 0);
	assert_int_equal(rd(fx, fx->path, AM_FILE_WIPE, 9), -1);
	assert_int_equal(fx->err.code, AM_E_INVALID);
	assert_null(fx->b.data);
}

static void
test_refusals(void **state)
{
	struct fx *fx = *state;
	char link[256], fifo[256];

	make(fx, "target", "secret\n", 7);
	unit_path(link, sizeof(link), fx->dir, "link");
	assert_int_equal(symlink(fx->path, link), 0);
	/* a symbolic link: refused unless AM_FILE_FOLLOW */
	assert_int_equal(rd(fx, link, 0, 0), -1);
	assert_int_equal(fx->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(fx->err.message, "symbolic link"));
	assert_int_equal(rd(fx, link, AM_FILE_FOLLOW, 0), 0);
	assert_string_equal(fx->b.data, "secret\n");
	/* a FIFO without a writer: refused at once, not waited on */
	unit_path(fifo, sizeof(fifo), fx->dir, "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	assert_int_equal(rd(fx, fifo, AM_FILE_FOLLOW, 0), -1);
	alarm(0);
	assert_int_equal(fx->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(fx->err.message, "not a regular file"));
	/* a directory, a missing file */
	assert_int_equal(rd(fx, fx->dir, AM_FILE_FOLLOW, 0), -1);
	assert_non_null(strstr(fx->err.message, "not a regular file"));
	unit_path(fx->path, sizeof(fx->path), fx->dir, "missing");
	assert_int_equal(rd(fx, fx->path, 0, 0), -1);
	assert_int_equal(fx->err.code, AM_E_NOINPUT);
	assert_int_equal(fx->err.sys_errno, ENOENT);
}

static void
test_read_fd_pipe(void **state)
{
	struct fx *fx = *state;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "from a pipe", 11), 11);
	close(p[1]);
	am_error_clear(&fx->err);
	assert_int_equal(am_file_read_fd(p[0], "stdin", 0, 0, 0, &fx->b,
	    &fx->err), 0);
	close(p[0]);
	assert_int_equal(fx->b.len, 11);
	assert_string_equal(fx->b.data, "from a pipe");
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	assert_int_equal(am_file_read_fd(p[0], "stdin", AM_FILE_WIPE, 4, 0,
	    &fx->b, &fx->err), -1);
	close(p[0]);
	assert_non_null(strstr(fx->err.message, "stdin: larger than 4"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reads_whole_file),
		T(test_size_limit),
		T(test_refusals),
		T(test_read_fd_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
