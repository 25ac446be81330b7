/*
 * Unit tests for am_change: a planned change writes nothing until
 * committed; a commit writes every changed file (one through am_atomic,
 * several through the journal) and leaves an unchanged one alone (same
 * inode and mtime); a secret never shows in the diff; stale temporaries
 * of dead processes are removed before a write.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_change.h"
#include "unit_helpers.h"

struct cs_state {
	char dir[128];		/* the root: dir/etc holds the journal */
	char a[256], b[256], c[256];
	struct am_host h;
	struct am_error err;
};

static int
setup(void **state)
{
	struct cs_state *s = calloc(1, sizeof(*s));
	char etc[256];
	struct am_host init = AM_HOST_INIT;

	if (s == NULL || unit_tmpdir_create(s->dir, sizeof(s->dir),
	    "change") < 0)
		return -1;
	unit_path(etc, sizeof(etc), s->dir, "etc");
	if (mkdir(etc, 0755) < 0)
		return -1;
	unit_path(s->a, sizeof(s->a), s->dir, "etc/a.cf");
	unit_path(s->b, sizeof(s->b), s->dir, "etc/b.cf");
	unit_path(s->c, sizeof(s->c), s->dir, "etc/client");
	s->h = init;
	s->h.root = s->dir;
	am_error_clear(&s->err);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct cs_state *s = *state;

	unit_tmpdir_remove(s->dir);
	free(s);
	return 0;
}

static const char *
etc_dir(struct cs_state *s)
{
	static char etc[256];

	return unit_path(etc, sizeof(etc), s->dir, "etc");
}

static void
set_new(struct am_change_file *f, const char *text)
{
	am_buf_reset(&f->new);
	assert_int_equal(am_buf_adds(&f->new, text), 0);
	am_change_file_decide(f);
}

static void
assert_file(const char *path, const char *want)
{
	char *got = unit_read_file(path, NULL);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* A plan and its diff write nothing, not even a missing file. */
static void
test_dry_plan_writes_nothing(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	struct am_buf diff = AM_BUF_INIT;
	struct stat before, after;

	assert_int_equal(unit_write_file(s->a, "one\n", 4, 0640), 0);
	assert_int_equal(stat(s->a, &before), 0);
	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->a, true, &f, &s->err), 0);
	assert_true(f->exists);
	assert_string_equal(f->old.data, "one\n");
	set_new(f, "one\ntwo\n");
	assert_int_equal(am_change_add(&cs, s->b, false, &f, &s->err), 0);
	assert_false(f->exists);
	set_new(f, "new\n");
	assert_true(am_change_any(&cs));
	assert_int_equal(am_change_diff(&cs, &diff, &s->err), 0);
	assert_non_null(strstr(diff.data, "+two"));
	assert_non_null(strstr(diff.data, "+new"));
	am_change_free(&cs);
	am_buf_free(&diff);
	assert_int_equal(stat(s->a, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_file(s->a, "one\n");
	assert_int_equal(access(s->b, F_OK), -1);
	assert_int_equal(unit_count_prefix(etc_dir(s), "a.cf"), 1);
	assert_int_equal(unit_count_prefix(etc_dir(s), "b.cf"), 0);
}

/* A required file that is missing is an error; so is a symbolic link. */
static void
test_load_refusals(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;

	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->a, true, &f, &s->err), -1);
	assert_int_equal(s->err.code, AM_E_NOINPUT);
	assert_int_equal(symlink("/etc/hostname", s->a), 0);
	assert_int_equal(am_change_add(&cs, s->a, false, &f, &s->err), -1);
	assert_int_equal(s->err.code, AM_E_PERM);
	am_change_free(&cs);
}

/*
 * One changed file (atomic write, mode kept) and one unchanged file
 * (not rewritten: same inode, same mtime); the files list says which.
 */
static void
test_commit_one(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	struct stat b0, b1, a1;
	struct timespec old = { 1000000000, 0 };
	struct timespec ts[2] = { old, old };

	assert_int_equal(unit_write_file(s->a, "one\n", 4, 0640), 0);
	assert_int_equal(unit_write_file(s->b, "same\n", 5, 0604), 0);
	assert_int_equal(utimensat(AT_FDCWD, s->b, ts, 0), 0);
	assert_int_equal(stat(s->b, &b0), 0);
	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->a, true, &f, &s->err), 0);
	set_new(f, "one\ntwo\n");
	assert_int_equal(am_change_add(&cs, s->b, true, &f, &s->err), 0);
	set_new(f, "same\n");
	assert_int_equal(am_change_commit(&s->h, &cs, &s->err), 0);
	assert_int_equal(am_change_count(&cs), 2);
	assert_string_equal(am_change_at(&cs, 0)->path, s->a);
	assert_true(am_change_at(&cs, 0)->changed);
	assert_string_equal(am_change_at(&cs, 1)->path, s->b);
	assert_false(am_change_at(&cs, 1)->changed);
	assert_null(am_change_at(&cs, 2));
	am_change_free(&cs);
	assert_file(s->a, "one\ntwo\n");
	assert_int_equal(stat(s->a, &a1), 0);
	assert_int_equal(a1.st_mode & 07777, 0640);
	assert_int_equal(stat(s->b, &b1), 0);
	assert_int_equal(b0.st_ino, b1.st_ino);
	assert_int_equal(b1.st_mtim.tv_sec, old.tv_sec);
	/* No temporary and no journal left behind. */
	assert_int_equal(unit_count_prefix(etc_dir(s), "a.cf"), 1);
	assert_int_equal(unit_count_prefix(etc_dir(s), ".archmail"), 0);
}

/* Several changed files: all written (through the journal), modes right. */
static void
test_commit_several(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	char etc[256], jnl[256];
	struct stat st;

	unit_path(etc, sizeof(etc), s->dir, "etc");
	unit_path(jnl, sizeof(jnl), s->dir, "etc/.archmail-journal");
	assert_int_equal(unit_write_file(s->a, "one\n", 4, 0644), 0);
	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->a, true, &f, &s->err), 0);
	set_new(f, "ONE\n");
	assert_int_equal(am_change_add(&cs, s->b, false, &f, &s->err), 0);
	f->new_mode = 0644;
	set_new(f, "b\n");
	assert_int_equal(am_change_add(&cs, s->c, false, &f, &s->err), 0);
	f->new_mode = 0644;
	f->redact = NULL;
	set_new(f, "c\n");
	assert_int_equal(am_change_commit(&s->h, &cs, &s->err), 0);
	am_change_free(&cs);
	assert_file(s->a, "ONE\n");
	assert_file(s->b, "b\n");
	assert_file(s->c, "c\n");
	assert_int_equal(stat(s->b, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(access(jnl, F_OK), -1);
	assert_int_equal(unit_count_prefix(etc, "a.cf."), 0);
	assert_int_equal(unit_count_prefix(etc, "b.cf."), 0);
}

/* "HOST USER:SECRET" shows as "HOST USER:<password>". */
static int
redact_client(const char *text, size_t len, bool is_new, struct am_buf *out)
{
	const char *colon = memchr(text, ':', len);

	if (len == 0)
		return 0;
	if (colon == NULL)
		return am_buf_adds(out, "<secret>\n");
	if (am_buf_add(out, text, (size_t)(colon - text + 1)) < 0)
		return -1;
	return am_buf_adds(out, is_new ? "<new password>\n" : "<password>\n");
}

/* The secret is in the file, never in the diff; a secret file is 0600. */
static void
test_redaction(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	struct am_buf diff = AM_BUF_INIT;
	struct stat st;

	assert_int_equal(unit_write_file(s->c, "mx h:oldsecret\n", 15, 0644),
	    0);
	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->c, false, &f, &s->err), 0);
	f->redact = redact_client;
	set_new(f, "mx h:newsecret\n");
	assert_int_equal(am_change_diff(&cs, &diff, &s->err), 0);
	assert_non_null(diff.data);
	assert_null(strstr(diff.data, "secret\n"));
	assert_null(strstr(diff.data, "oldsecret"));
	assert_null(strstr(diff.data, "newsecret"));
	assert_non_null(strstr(diff.data, "-mx h:<password>"));
	assert_non_null(strstr(diff.data, "+mx h:<new password>"));
	assert_int_equal(am_change_commit(&s->h, &cs, &s->err), 0);
	am_change_free(&cs);
	am_buf_free(&diff);
	assert_file(s->c, "mx h:newsecret\n");
	assert_int_equal(stat(s->c, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/*
 * A temporary a killed run left next to the file is removed by the
 * commit; one of a live process (this one) is not.
 */
static void
test_stale_temp_removed(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	char dead[512], live[512];

	snprintf(dead, sizeof(dead), "%s.tmp.%ld.abc", s->a,
	    (long)dead_pid());
	snprintf(live, sizeof(live), "%s.tmp.%ld.abc", s->a, (long)getpid());
	assert_int_equal(unit_write_file(s->a, "one\n", 4, 0644), 0);
	assert_int_equal(unit_write_file(dead, "x", 1, 0600), 0);
	assert_int_equal(unit_write_file(live, "x", 1, 0600), 0);
	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->a, true, &f, &s->err), 0);
	set_new(f, "two\n");
	assert_int_equal(am_change_commit(&s->h, &cs, &s->err), 0);
	am_change_free(&cs);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_file(s->a, "two\n");
}

/* Creating a missing file; an empty new content is a file too. */
static void
test_create_missing(void **state)
{
	struct cs_state *s = *state;
	struct am_change cs;
	struct am_change_file *f;
	struct stat st;

	am_change_init(&cs);
	assert_int_equal(am_change_add(&cs, s->b, false, &f, &s->err), 0);
	f->new_mode = 0644;
	am_change_file_decide(f);
	assert_true(f->changed);
	assert_int_equal(am_change_commit(&s->h, &cs, &s->err), 0);
	am_change_free(&cs);
	assert_int_equal(stat(s->b, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dry_plan_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_one, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_several, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_redaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_temp_removed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_create_missing, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
