/*
 * Unit tests for am_atomic: atomic replacement (content and mode change
 * only at commit, abort leaves nothing behind, symlinks are replaced and
 * never followed), removal of stale temporary files, and the two kinds of
 * locks with their bounded wait, held by a forked process.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_atomic.h"
#include "unit_helpers.h"

struct as {
	char dir[128];
	char target[256];
	struct am_atomic af;
	bool af_used;
	struct am_error err;
	pid_t child;		/* lock holder, killed by teardown */
};

static int
setup_as(void **state)
{
	struct as *as = calloc(1, sizeof(*as));

	if (as == NULL)
		return -1;
	if (unit_tmpdir_create(as->dir, sizeof(as->dir), "atomic") < 0) {
		free(as);
		return -1;
	}
	unit_path(as->target, sizeof(as->target), as->dir, "users");
	as->child = -1;
	*state = as;
	return 0;
}

static int
teardown_as(void **state)
{
	struct as *as = *state;

	if (as->af_used)
		am_atomic_abort(&as->af);
	if (as->child > 0) {
		kill(as->child, SIGKILL);
		waitpid(as->child, NULL, 0);
	}
	unit_tmpdir_remove(as->dir);
	free(as);
	return 0;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool
is_regular(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void
expect_content(const char *path, const char *expect)
{
	char *data = unit_read_file(path, NULL);

	assert_non_null(data);
	assert_string_equal(data, expect);
	free(data);
}

/* Temporary files of target "users" in the directory. */
static int
temp_files(struct as *as)
{
	return unit_count_prefix(as->dir, "users.tmp.");
}

static void
test_commit_replaces_content_and_mode(void **state)
{
	struct as *as = *state;
	struct stat before, during;
	char prefix[64];

	assert_int_equal(unit_write_file(as->target, "old\n", 4, 0644), 0);
	assert_int_equal(stat(as->target, &before), 0);

	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	assert_true(as->af.fd >= 0);
	assert_non_null(as->af.tmp_path);
	/* TARGET.tmp.PID.RANDOM, next to the target, mode 0600 */
	snprintf(prefix, sizeof(prefix), "users.tmp.%ld.", (long)getpid());
	assert_int_equal(strncmp(as->af.tmp_name, prefix, strlen(prefix)), 0);
	assert_int_equal(strncmp(as->af.tmp_path, as->dir, strlen(as->dir)),
	    0);
	assert_int_equal(stat(as->af.tmp_path, &during), 0);
	assert_int_equal(during.st_mode & 07777, 0600);

	as->af.mode = 0640;
	assert_int_equal(am_atomic_write(&as->af, "new ", 4, &as->err), 0);
	assert_int_equal(am_atomic_write(&as->af, "content\n", 8, &as->err),
	    0);
	/* Until commit the target is untouched. */
	expect_content(as->target, "old\n");
	assert_int_equal(mode_of(as->target), 0644);

	assert_int_equal(am_atomic_commit(&as->af, &as->err), 0);
	expect_content(as->target, "new content\n");
	assert_int_equal(mode_of(as->target), 0640);
	assert_int_equal(temp_files(as), 0);
	/* A new inode was renamed into place. */
	assert_int_equal(stat(as->target, &during), 0);
	assert_int_not_equal(during.st_ino, before.st_ino);
	/* After commit the struct is reset; abort is harmless. */
	am_atomic_abort(&as->af);
	expect_content(as->target, "new content\n");
}

static void
test_commit_creates_new_file(void **state)
{
	struct as *as = *state;

	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	as->af.mode = 0604;
	assert_int_equal(am_atomic_commit(&as->af, &as->err), 0);
	expect_content(as->target, "");
	assert_int_equal(mode_of(as->target), 0604);
}

static void
test_default_mode_is_0600(void **state)
{
	struct as *as = *state;
	mode_t old_umask = umask(0);

	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	assert_int_equal(as->af.mode, 0600);
	assert_int_equal(am_atomic_write(&as->af, "x", 1, &as->err), 0);
	assert_int_equal(am_atomic_commit(&as->af, &as->err), 0);
	umask(old_umask);
	assert_int_equal(mode_of(as->target), 0600);
}

static void
test_abort_leaves_target(void **state)
{
	struct as *as = *state;
	char tmp[512];

	assert_int_equal(unit_write_file(as->target, "old\n", 4, 0640), 0);
	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	snprintf(tmp, sizeof(tmp), "%s", as->af.tmp_path);
	as->af.mode = 0666;
	assert_int_equal(am_atomic_write(&as->af, "new\n", 4, &as->err), 0);
	assert_int_equal(access(tmp, F_OK), 0);
	am_atomic_abort(&as->af);
	expect_content(as->target, "old\n");
	assert_int_equal(mode_of(as->target), 0640);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(temp_files(as), 0);
	/* idempotent and NULL-safe */
	am_atomic_abort(&as->af);
	am_atomic_abort(NULL);
	assert_int_equal(as->af.fd, -1);
	assert_null(as->af.tmp_path);
}

static void
test_no_replace_refuses_existing_target(void **state)
{
	struct as *as = *state;

	assert_int_equal(unit_write_file(as->target, "old\n", 4, 0600), 0);
	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	as->af.no_replace = true;
	assert_int_equal(am_atomic_write(&as->af, "new\n", 4, &as->err), 0);
	assert_int_equal(am_atomic_commit(&as->af, &as->err), -1);
	assert_int_equal(as->err.code, AM_E_EXISTS);
	expect_content(as->target, "old\n");
	assert_int_equal(temp_files(as), 0);
}

static void
test_no_replace_creates_new_target(void **state)
{
	struct as *as = *state;

	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, as->target, &as->err), 0);
	as->af.no_replace = true;
	assert_int_equal(am_atomic_write(&as->af, "new\n", 4, &as->err), 0);
	assert_int_equal(am_atomic_commit(&as->af, &as->err), 0);
	expect_content(as->target, "new\n");
	assert_int_equal(temp_files(as), 0);
}

static void
test_target_symlink_replaced_not_followed(void **state)
{
	struct as *as = *state;
	char victim[256];

	unit_path(victim, sizeof(victim), as->dir, "victim");
	assert_int_equal(unit_write_file(victim, "precious\n", 9, 0600), 0);
	assert_int_equal(symlink(victim, as->target), 0);

	assert_int_equal(am_atomic_write_file(as->target, "new\n", 4, 0644,
	    false, 0, 0, &as->err), 0);
	/* The link itself was replaced by a regular file ... */
	assert_true(is_regular(as->target));
	expect_content(as->target, "new\n");
	/* ... and what it pointed to is unchanged. */
	expect_content(victim, "precious\n");
	assert_int_equal(mode_of(victim), 0600);
}

static void
test_dangling_symlink_not_followed(void **state)
{
	struct as *as = *state;
	char victim[256];

	/* A link to a file that does not exist yet must not create it. */
	unit_path(victim, sizeof(victim), as->dir, "created-through-link");
	assert_int_equal(symlink(victim, as->target), 0);
	assert_int_equal(am_atomic_write_file(as->target, "x", 1, 0600,
	    false, 0, 0, &as->err), 0);
	assert_int_equal(access(victim, F_OK), -1);
	expect_content(as->target, "x");
}

static void
test_write_file_set_owner(void **state)
{
	struct as *as = *state;
	struct stat st;

	/* Our own uid/gid: allowed for anyone. */
	assert_int_equal(am_atomic_write_file(as->target, "abc", 3, 0640,
	    true, getuid(), getgid(), &as->err), 0);
	assert_int_equal(stat(as->target, &st), 0);
	assert_int_equal(st.st_uid, getuid());
	assert_int_equal(st.st_gid, getgid());
	assert_int_equal(st.st_mode & 07777, 0640);
	expect_content(as->target, "abc");
}

static void
test_begin_in_missing_directory(void **state)
{
	struct as *as = *state;
	char path[512];

	snprintf(path, sizeof(path), "%s/nosuchdir/file", as->dir);
	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, path, &as->err), -1);
	assert_int_not_equal(as->err.code, AM_OK);
	assert_int_equal(as->af.fd, -1);
}

static void
test_relative_tmp_path(void **state)
{
	struct as *as = *state;
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(as->dir), 0);
	as->af_used = true;
	assert_int_equal(am_atomic_begin(&as->af, "rel", &as->err), 0);
	/* usable by a library that opens it by name (LMDB) */
	assert_int_equal(strncmp(as->af.tmp_path, "rel.tmp.", 8), 0);
	assert_int_equal(access(as->af.tmp_path, F_OK), 0);
	assert_int_equal(am_atomic_commit(&as->af, &as->err), 0);
	assert_int_equal(access("rel", F_OK), 0);
	assert_int_equal(chdir(cwd), 0);
}

/* A pid that existed and is gone now. */
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

static void
test_remove_stale(void **state)
{
	struct as *as = *state;
	char dead[512], mine[512], parent[512], init[512], other[512];
	char odd[512];
	pid_t pid = dead_pid();

	snprintf(dead, sizeof(dead), "%s.tmp.%ld.x", as->target, (long)pid);
	snprintf(mine, sizeof(mine), "%s.tmp.%ld.x", as->target,
	    (long)getpid());
	snprintf(parent, sizeof(parent), "%s.tmp.%ld.x", as->target,
	    (long)getppid());
	snprintf(init, sizeof(init), "%s.tmp.1.x", as->target);
	snprintf(other, sizeof(other), "%s/aliases.tmp.%ld.x", as->dir,
	    (long)pid);
	snprintf(odd, sizeof(odd), "%s.tmp.notapid.x", as->target);
	assert_int_equal(unit_write_file(as->target, "t", 1, 0644), 0);
	assert_int_equal(unit_write_file(dead, "d", 1, 0600), 0);
	assert_int_equal(unit_write_file(mine, "m", 1, 0600), 0);
	assert_int_equal(unit_write_file(parent, "p", 1, 0600), 0);
	assert_int_equal(unit_write_file(init, "i", 1, 0600), 0);
	assert_int_equal(unit_write_file(other, "o", 1, 0600), 0);
	assert_int_equal(unit_write_file(odd, "n", 1, 0600), 0);

	am_atomic_remove_stale(as->target);

	assert_int_equal(access(dead, F_OK), -1);	/* gone */
	assert_int_equal(access(mine, F_OK), 0);	/* live pids kept */
	assert_int_equal(access(parent, F_OK), 0);
	assert_int_equal(access(init, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);	/* other target */
	assert_int_equal(access(odd, F_OK), 0);
	assert_int_equal(access(as->target, F_OK), 0);	/* the target */
}

static void
test_write_all_pipe(void **state)
{
	char big[200000], *back;
	int p[2], status;
	size_t i, got = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(pipe(p), 0);
	/* More than a pipe holds: the writer must loop over short writes. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(am_write_all(p[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(p[1]);
	back = malloc(sizeof(big));
	assert_non_null(back);
	while (got < sizeof(big) &&
	    (n = read(p[0], back + got, sizeof(big) - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	free(back);
}

/* ---- locks ---- */

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Fork a child that takes a lock on path (flock, or fcntl of the given
 * type), says so through a pipe and then waits until killed.
 */
static void
hold_lock(struct as *as, const char *path, bool use_flock, short type)
{
	int p[2], fd;
	char c;

	assert_int_equal(pipe(p), 0);
	as->child = fork();
	assert_true(as->child >= 0);
	if (as->child == 0) {
		struct flock fl;

		close(p[0]);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			_exit(1);
		if (use_flock) {
			if (flock(fd, LOCK_EX) < 0)
				_exit(1);
		} else {
			memset(&fl, 0, sizeof(fl));
			fl.l_type = type;
			fl.l_whence = SEEK_SET;
			if (fcntl(fd, F_SETLKW, &fl) < 0)
				_exit(1);
		}
		if (write(p[1], "L", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
}

static void
release_lock(struct as *as)
{
	kill(as->child, SIGKILL);
	waitpid(as->child, NULL, 0);
	as->child = -1;
}

static void
test_lock_fcntl_busy(void **state)
{
	struct as *as = *state;
	long start, took;
	int fd;

	assert_int_equal(unit_write_file(as->target, "t", 1, 0644), 0);
	hold_lock(as, as->target, false, F_WRLCK);
	fd = open(as->target, O_RDWR);
	assert_true(fd >= 0);

	start = now_ms();
	assert_int_equal(am_lock_fcntl(fd, F_RDLCK, 300, "users",
	    &as->err), -1);
	took = now_ms() - start;
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	assert_non_null(strstr(as->err.message, "users"));
	/* It waited about as long as asked, not forever, not at all. */
	assert_true(took >= 250);
	assert_true(took < 5000);

	/* A zero timeout is one try. */
	start = now_ms();
	assert_int_equal(am_lock_fcntl(fd, F_WRLCK, 0, "users", &as->err),
	    -1);
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	assert_true(now_ms() - start < 250);

	release_lock(as);
	assert_int_equal(am_lock_fcntl(fd, F_WRLCK, 300, "users", &as->err),
	    0);
	assert_int_equal(am_lock_fcntl(fd, F_UNLCK, 0, "users", &as->err),
	    0);
	close(fd);
}

static void
test_lock_fcntl_shared(void **state)
{
	struct as *as = *state;
	int fd;

	/* Readers share: a read lock held elsewhere does not block ours. */
	assert_int_equal(unit_write_file(as->target, "t", 1, 0644), 0);
	hold_lock(as, as->target, false, F_RDLCK);
	fd = open(as->target, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(am_lock_fcntl(fd, F_RDLCK, 0, "users", &as->err), 0);
	assert_int_equal(am_lock_fcntl(fd, F_UNLCK, 0, "users", &as->err), 0);
	close(fd);
	fd = open(as->target, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(am_lock_fcntl(fd, F_WRLCK, 100, "users", &as->err),
	    -1);
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	close(fd);
}

static void
test_lock_fcntl_waits_for_release(void **state)
{
	struct as *as = *state;
	pid_t killer;
	int fd;

	assert_int_equal(unit_write_file(as->target, "t", 1, 0644), 0);
	hold_lock(as, as->target, false, F_WRLCK);
	/* Release the lock 200 ms from now; a 5 s wait must get it. */
	killer = fork();
	assert_true(killer >= 0);
	if (killer == 0) {
		struct timespec ts = { 0, 200 * 1000000L };

		nanosleep(&ts, NULL);
		kill(as->child, SIGKILL);
		_exit(0);
	}
	fd = open(as->target, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(am_lock_fcntl(fd, F_WRLCK, 5000, "users", &as->err),
	    0);
	close(fd);
	waitpid(killer, NULL, 0);
	waitpid(as->child, NULL, 0);
	as->child = -1;
}

static void
test_lock_path_busy(void **state)
{
	struct as *as = *state;
	char lockname[512];
	long start, took;
	int lockfd = -2;
	struct stat st;

	snprintf(lockname, sizeof(lockname), "%s.lock", as->target);
	hold_lock(as, lockname, true, 0);

	start = now_ms();
	assert_int_equal(am_lock_path(as->target, 300, &lockfd, &as->err), -1);
	took = now_ms() - start;
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	assert_int_equal(lockfd, -1);
	assert_true(took >= 250);
	assert_true(took < 5000);

	release_lock(as);
	assert_int_equal(am_lock_path(as->target, 300, &lockfd, &as->err), 0);
	assert_true(lockfd >= 0);
	assert_int_equal(stat(lockname, &st), 0);
	/* held: another open file description cannot take it */
	{
		int fd = open(lockname, O_RDWR);

		assert_true(fd >= 0);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
		am_unlock_path(lockfd);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
		close(fd);
	}
	am_unlock_path(-1);	/* harmless */
}

static void
test_lock_path_creates_0600(void **state)
{
	struct as *as = *state;
	char lockname[512];
	mode_t old_umask = umask(0);
	int lockfd = -1;

	snprintf(lockname, sizeof(lockname), "%s.lock", as->target);
	assert_int_equal(am_lock_path(as->target, 0, &lockfd, &as->err), 0);
	umask(old_umask);
	assert_int_equal(mode_of(lockname), 0600);
	am_unlock_path(lockfd);
}

static void
test_lock_path_symlink_not_followed(void **state)
{
	struct as *as = *state;
	char lockname[512], victim[512];
	int lockfd = -1;

	snprintf(lockname, sizeof(lockname), "%s.lock", as->target);
	unit_path(victim, sizeof(victim), as->dir, "victim");
	assert_int_equal(symlink(victim, lockname), 0);
	assert_int_equal(am_lock_path(as->target, 0, &lockfd, &as->err), -1);
	assert_int_equal(lockfd, -1);
	assert_int_not_equal(as->err.code, AM_OK);
	/* nothing was created through the link */
	assert_int_equal(access(victim, F_OK), -1);
}

static int interrupt_after;	/* polls of interrupted() before "yes" */

static bool
interrupted_soon(void)
{
	return --interrupt_after < 0;
}

/*
 * One wait spans several locks: the second lock gets what is left of the
 * deadline, not a new one; and interrupted() ends a wait that has no
 * deadline at all (polled, not the kernel's endless F_SETLKW).
 */
static void
test_wait_shared_deadline_and_interrupt(void **state)
{
	struct as *as = *state;
	struct am_wait w;
	long start, took;
	int fd;

	assert_int_equal(unit_write_file(as->target, "t", 1, 0644), 0);
	hold_lock(as, as->target, false, F_WRLCK);
	fd = open(as->target, O_RDWR);
	assert_true(fd >= 0);

	start = now_ms();
	am_wait_start(&w, 400);
	assert_int_equal(am_lock_fcntl_wait(fd, F_WRLCK, &w, "first",
	    &as->err), -1);
	assert_true(w.expired);
	assert_non_null(strstr(as->err.message, "lock first: held by "
	    "another process"));
	/* the deadline has passed: the next lock of the same wait gives up
	 * after one try */
	assert_int_equal(am_lock_fcntl_wait(fd, F_WRLCK, &w, "second",
	    &as->err), -1);
	took = now_ms() - start;
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	assert_true(took >= 350);
	assert_true(took < 700);

	/* no deadline, but a pending signal: stops after a few tries */
	start = now_ms();
	am_wait_start(&w, -1);
	interrupt_after = 3;
	w.interrupted = interrupted_soon;
	assert_int_equal(am_lock_fcntl_wait(fd, F_WRLCK, &w, "third",
	    &as->err), -1);
	assert_false(w.expired);
	assert_int_equal(as->err.code, AM_E_LOCK_BUSY);
	assert_string_equal(as->err.message,
	    "lock third: interrupted by a signal");
	assert_true(now_ms() - start < 1000);

	release_lock(as);
	am_wait_start(&w, 300);
	w.interrupted = interrupted_soon;
	interrupt_after = 1000;
	assert_int_equal(am_lock_fcntl_wait(fd, F_WRLCK, &w, "free",
	    &as->err), 0);
	close(fd);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_as, teardown_as)
	const struct CMUnitTest tests[] = {
		T(test_commit_replaces_content_and_mode),
		T(test_commit_creates_new_file),
		T(test_default_mode_is_0600),
		T(test_abort_leaves_target),
		T(test_no_replace_refuses_existing_target),
		T(test_no_replace_creates_new_target),
		T(test_target_symlink_replaced_not_followed),
		T(test_dangling_symlink_not_followed),
		T(test_write_file_set_owner),
		T(test_begin_in_missing_directory),
		T(test_relative_tmp_path),
		T(test_remove_stale),
		cmocka_unit_test(test_write_all_pipe),
		T(test_lock_fcntl_busy),
		T(test_lock_fcntl_shared),
		T(test_lock_fcntl_waits_for_release),
		T(test_wait_shared_deadline_and_interrupt),
		T(test_lock_path_busy),
		T(test_lock_path_creates_0600),
		T(test_lock_path_symlink_not_followed),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
