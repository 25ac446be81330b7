/*
 * Unit tests for am_journal: a commit installs every file and removes its
 * record; a record left by a "killed" run (written here by hand, as a run
 * killed right after recording it would leave it) is replayed, also when
 * some steps were done already, and replaying twice changes nothing; stale
 * temporaries are swept with or without a record (the record first); a
 * damaged record is refused; readers without locks see the change through
 * the record; lock files that cannot be locks fail at once.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "am_acct.h"
#include "am_journal.h"
#include "unit_helpers.h"

struct js {
	char root[128];
	char etc[256];
	struct am_error err;
};

static int
setup_js(void **state)
{
	struct js *js = calloc(1, sizeof(*js));

	if (js == NULL || unit_tmpdir_create(js->root, sizeof(js->root),
	    "journal") < 0)
		return -1;
	unit_path(js->etc, sizeof(js->etc), js->root, "etc");
	if (mkdir(js->etc, 0755) < 0)
		return -1;
	am_error_clear(&js->err);
	*state = js;
	return 0;
}

static int
teardown_js(void **state)
{
	struct js *js = *state;

	unit_tmpdir_remove(js->root);
	free(js);
	return 0;
}

static void
put(const struct js *js, const char *name, const char *text)
{
	char p[512];

	assert_int_equal(unit_write_file(unit_path(p, sizeof(p), js->etc,
	    name), text, strlen(text), 0644), 0);
}

static void
assert_content(const struct js *js, const char *name, const char *text)
{
	char p[512], *got;

	got = unit_read_file(unit_path(p, sizeof(p), js->etc, name), NULL);
	assert_non_null(got);
	assert_string_equal(got, text);
	free(got);
}

static bool
exists(const struct js *js, const char *name)
{
	char p[512];

	return access(unit_path(p, sizeof(p), js->etc, name), F_OK) == 0;
}

/* A PID that no process has now. */
static long
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

/* The identity am_journal records for etc/name ("-": absent). */
static const char *
ident(const struct js *js, const char *name)
{
	static char buf[4][96];
	static int k;
	char p[512];
	struct stat st;

	k = (k + 1) % 4;
	if (lstat(unit_path(p, sizeof(p), js->etc, name), &st) < 0)
		return "-";
	snprintf(buf[k], sizeof(buf[k]), "%llu/%lld/%lld/%ld",
	    (unsigned long long)st.st_ino, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	return buf[k];
}

/* A record as a run killed right after writing it leaves it. */
static void
record(const struct js *js, const char *body)
{
	char text[8192];

	snprintf(text, sizeof(text), "archmail-journal 1\n%send\n", body);
	put(js, ".archmail-journal", text);
}

static void
test_commit_installs_and_removes_record(void **state)
{
	struct js *js = *state;
	struct am_journal j;
	char a[512], b[512], home[512];
	struct stat st;

	put(js, "a", "old a\n");
	unit_path(a, sizeof(a), js->etc, "a");
	unit_path(b, sizeof(b), js->etc, "b");
	unit_path(home, sizeof(home), js->root, "home/h.example.org");
	assert_int_equal(am_journal_init(&j, js->root, &js->err), 0);
	assert_int_equal(am_journal_add_file(&j, a, "new a\n", 6, 0640, false,
	    0, 0, &js->err), 0);
	assert_int_equal(am_journal_add_file(&j, b, "new b\n", 6, 0600, false,
	    0, 0, &js->err), 0);
	assert_int_equal(am_journal_add_home(&j, AM_JOP_MKHOME, home,
	    geteuid(), getegid(), &js->err), 0);
	/* Nothing visible before the commit. */
	assert_content(js, "a", "old a\n");
	assert_false(exists(js, "b"));
	assert_int_equal(unit_count_prefix(js->etc, "a.jnl."), 1);
	assert_int_equal(am_journal_commit(&j, &js->err), 0);
	am_journal_free(&j);
	assert_content(js, "a", "new a\n");
	assert_content(js, "b", "new b\n");
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(stat(home, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_false(exists(js, ".archmail-journal"));
	assert_int_equal(unit_count_prefix(js->etc, "a."), 0);
	assert_int_equal(unit_count_prefix(js->etc, "b."), 0);
}

static void
test_free_without_commit_removes_temporaries(void **state)
{
	struct js *js = *state;
	struct am_journal j;
	char a[512];

	unit_path(a, sizeof(a), js->etc, "a");
	assert_int_equal(am_journal_init(&j, js->root, &js->err), 0);
	assert_int_equal(am_journal_add_file(&j, a, "x\n", 2, 0600, false, 0,
	    0, &js->err), 0);
	am_journal_free(&j);
	assert_int_equal(unit_count_prefix(js->etc, "a"), 0);
	assert_false(exists(js, ".archmail-journal"));
}

static void
test_replay_and_replay_again(void **state)
{
	struct js *js = *state;
	char body[4096], ta[64], tb[64];
	bool replayed;
	size_t skipped;
	long pid = dead_pid();

	put(js, "a", "old a\n");
	put(js, "b", "old b\n");
	snprintf(ta, sizeof(ta), "a.jnl.%ld.1", pid);
	snprintf(tb, sizeof(tb), "b.jnl.%ld.2", pid);
	put(js, ta, "new a\n");
	put(js, tb, "new b\n");
	snprintf(body, sizeof(body), "rename\t%s/%s\t%s/a\t%s\n"
	    "rename\t%s/%s\t%s/b\t%s\n", js->etc, ta, js->etc,
	    ident(js, "a"), js->etc, tb, js->etc, ident(js, "b"));
	record(js, body);
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	assert_true(replayed);
	assert_content(js, "a", "new a\n");
	assert_content(js, "b", "new b\n");
	assert_false(exists(js, ta));
	assert_false(exists(js, tb));
	assert_false(exists(js, ".archmail-journal"));
	/* Again: no record, nothing happens. */
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	assert_false(replayed);
	assert_content(js, "a", "new a\n");
}

static void
test_replay_after_partial_run(void **state)
{
	struct js *js = *state;
	char body[4096], ta[64], tb[64];
	bool replayed;
	size_t skipped;
	long pid = dead_pid();

	/* Killed after the first rename: a is new, b's temporary waits. */
	put(js, "a", "new a\n");
	put(js, "b", "old b\n");
	snprintf(ta, sizeof(ta), "a.jnl.%ld.1", pid);
	snprintf(tb, sizeof(tb), "b.jnl.%ld.2", pid);
	put(js, tb, "new b\n");
	snprintf(body, sizeof(body), "rename\t%s/%s\t%s/a\t1/2/3/4\n"
	    "rename\t%s/%s\t%s/b\t%s\n", js->etc, ta, js->etc, js->etc,
	    tb, js->etc, ident(js, "b"));
	record(js, body);
	/* Replayed twice, as if the first replay was killed at its end. */
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	record(js, body);
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	assert_true(replayed);
	assert_content(js, "a", "new a\n");
	assert_content(js, "b", "new b\n");
	assert_false(exists(js, ".archmail-journal"));
}

static void
test_stale_temporaries(void **state)
{
	struct js *js = *state;
	char a[512], body[4096], dead[64], live[64], rec[64];
	bool replayed;
	size_t skipped;
	long pid = dead_pid();

	unit_path(a, sizeof(a), js->etc, "a");
	put(js, "a", "a\n");
	/* Without a record: a dead run's temporary goes, a live one stays. */
	snprintf(dead, sizeof(dead), "a.jnl.%ld.1", pid);
	snprintf(live, sizeof(live), "a.jnl.%ld.2", (long)getppid());
	put(js, dead, "junk\n");
	put(js, live, "busy\n");
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	assert_false(replayed);
	am_journal_sweep(a);
	assert_false(exists(js, dead));
	assert_true(exists(js, live));
	assert_content(js, "a", "a\n");
	/* With a record: replay first, so the temporary is the change. */
	snprintf(rec, sizeof(rec), "a.jnl.%ld.3", pid);
	put(js, rec, "from the record\n");
	snprintf(body, sizeof(body), "rename\t%s/%s\t%s/a\t%s\n", js->etc,
	    rec, js->etc, ident(js, "a"));
	record(js, body);
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), 0);
	assert_true(replayed);
	am_journal_sweep(a);
	assert_content(js, "a", "from the record\n");
	assert_false(exists(js, rec));
}

static void
test_damaged_record_refused(void **state)
{
	struct js *js = *state;
	char text[4096], t[64];
	bool replayed;
	size_t skipped;

	put(js, "a", "old a\n");
	snprintf(t, sizeof(t), "a.jnl.%ld.1", dead_pid());
	put(js, t, "new a\n");
	/* No "end": not written by the protocol. */
	snprintf(text, sizeof(text), "archmail-journal 1\nrename\t%s/%s\t"
	    "%s/a\t-\n", js->etc, t, js->etc);
	put(js, ".archmail-journal", text);
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), -1);
	assert_int_equal(js->err.code, AM_E_IO);
	assert_content(js, "a", "old a\n");
	assert_true(exists(js, ".archmail-journal"));
}

static void
test_replay_refuses_target_changed_since(void **state)
{
	struct js *js = *state;
	char body[4096], t[64];
	bool replayed;
	size_t skipped;

	put(js, "b", "old b\n");
	snprintf(t, sizeof(t), "b.jnl.%ld.1", dead_pid());
	put(js, t, "stale b\n");
	snprintf(body, sizeof(body), "rename\t%s/%s\t%s/b\t%s\n", js->etc,
	    t, js->etc, ident(js, "b"));
	record(js, body);
	/* Another program (useradd) rewrites b before the replay. */
	assert_int_equal(unlink(unit_path(body, sizeof(body), js->etc, "b")),
	    0);
	put(js, "b", "old b\nbob\n");
	assert_int_equal(am_journal_replay(js->root, &replayed, &skipped,
	    &js->err), -1);
	assert_int_equal(js->err.code, AM_E_IO);
	assert_content(js, "b", "old b\nbob\n");
	assert_true(exists(js, ".archmail-journal"));
	assert_true(exists(js, t));
}

static const char passwd_old[] = "root:x:0:0:root:/root:/bin/bash\n";
static const char passwd_new[] = "root:x:0:0:root:/root:/bin/bash\n"
    "foo:x:1000:1000::/home/foo:/bin/sh\n";
static const char shadow_old[] = "root:*:19000:0:99999:7:::\n";
static const char shadow_new[] = "root:*:19000:0:99999:7:::\n"
    "foo:!:19000::::::\n";

/* Killed after the passwd rename: shadow's temporary is pending. */
static void
half_account(const struct js *js)
{
	char body[4096], t[64];

	put(js, "passwd", passwd_new);
	put(js, "shadow", shadow_old);
	snprintf(t, sizeof(t), "shadow.jnl.%ld.1", dead_pid());
	put(js, t, shadow_new);
	snprintf(body, sizeof(body), "rename\t%s/passwd.jnl.1.1\t%s/passwd"
	    "\t-\nrename\t%s/%s\t%s/shadow\t%s\n", js->etc, js->etc,
	    js->etc, t, js->etc, ident(js, "shadow"));
	record(js, body);
}

static void
test_db_open_reads_through_or_replays(void **state)
{
	struct js *js = *state;
	struct am_acct_db db;

	half_account(js);
	/* Without locks: nothing written, the finished state seen. */
	assert_int_equal(am_acct_db_open(&db, js->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, false, 0, &js->err), 0);
	assert_true(am_acct_find(&db.file[AM_ACCT_SHADOW], "foo",
	    &js->err) >= 0);
	assert_string_equal(db.file[AM_ACCT_SHADOW].path + strlen(js->etc),
	    "/shadow");
	am_acct_db_close(&db);
	assert_content(js, "shadow", shadow_old);
	assert_true(exists(js, ".archmail-journal"));
	/* With locks: replayed on disk, leftovers swept. */
	assert_int_equal(am_acct_db_open(&db, js->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, true, 1000, &js->err), 0);
	assert_true(am_acct_find(&db.file[AM_ACCT_SHADOW], "foo",
	    &js->err) >= 0);
	am_acct_db_close(&db);
	assert_content(js, "shadow", shadow_new);
	assert_false(exists(js, ".archmail-journal"));
	assert_int_equal(unit_count_prefix(js->etc, "shadow."), 0);
}

static void
test_commit_writes_backups_through_journal(void **state)
{
	struct js *js = *state;
	struct am_acct_db db;
	const char *pwf[] = { "foo", "x", "1000", "1000", "", "/home/foo",
	    "/bin/sh" };
	const char *spf[] = { "foo", "!", "19000", "", "", "", "", "", "" };

	put(js, "passwd", passwd_old);
	put(js, "shadow", shadow_old);
	assert_int_equal(am_acct_db_open(&db, js->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, true, 1000, &js->err), 0);
	assert_int_equal(am_acct_append(&db.file[AM_ACCT_PASSWD], pwf, 7,
	    &js->err), 0);
	assert_int_equal(am_acct_append(&db.file[AM_ACCT_SHADOW], spf, 9,
	    &js->err), 0);
	assert_int_equal(am_acct_db_commit(&db, &js->err), 0);
	am_acct_db_close(&db);
	assert_content(js, "passwd", passwd_new);
	assert_content(js, "passwd-", passwd_old);
	assert_content(js, "shadow", shadow_new);
	assert_content(js, "shadow-", shadow_old);
	assert_false(exists(js, ".archmail-journal"));
	assert_int_equal(unit_count_prefix(js->etc, "passwd."), 0);
	assert_int_equal(unit_count_prefix(js->etc, "shadow."), 0);
}

static void
test_lock_file_not_regular(void **state)
{
	struct js *js = *state;
	struct am_acct_db db;
	const char *name[] = { "passwd.lock", "shadow.lock", ".pwd.lock" };
	char p[512];
	size_t i, k;
	time_t t0;

	put(js, "passwd", passwd_old);
	put(js, "shadow", shadow_old);
	for (i = 0; i < 3; i++) {
		for (k = 0; k < 3; k++) {
			unit_path(p, sizeof(p), js->etc, name[i]);
			(void)unlink(p);
			(void)rmdir(p);
			if (k == 0)
				assert_int_equal(symlink("/nonexistent", p), 0);
			else if (k == 1)
				assert_int_equal(mkfifo(p, 0600), 0);
			else
				assert_int_equal(mkdir(p, 0700), 0);
			t0 = time(NULL);
			am_error_clear(&js->err);
			assert_int_equal(am_acct_db_open(&db, js->root,
			    AM_ACCT_F_PASSWD | AM_ACCT_F_SHADOW, true, 2000,
			    &js->err), -1);
			assert_int_equal(js->err.code, AM_E_IO);
			assert_true(time(NULL) - t0 <= 1);
			(void)unlink(p);
			(void)rmdir(p);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_commit_installs_and_removes_record, setup_js,
		    teardown_js),
		cmocka_unit_test_setup_teardown(
		    test_free_without_commit_removes_temporaries, setup_js,
		    teardown_js),
		cmocka_unit_test_setup_teardown(test_replay_and_replay_again,
		    setup_js, teardown_js),
		cmocka_unit_test_setup_teardown(test_replay_after_partial_run,
		    setup_js, teardown_js),
		cmocka_unit_test_setup_teardown(test_stale_temporaries,
		    setup_js, teardown_js),
		cmocka_unit_test_setup_teardown(test_damaged_record_refused,
		    setup_js, teardown_js),
		cmocka_unit_test_setup_teardown(
		    test_replay_refuses_target_changed_since, setup_js,
		    teardown_js),
		cmocka_unit_test_setup_teardown(
		    test_db_open_reads_through_or_replays, setup_js,
		    teardown_js),
		cmocka_unit_test_setup_teardown(
		    test_commit_writes_backups_through_journal, setup_js,
		    teardown_js),
		cmocka_unit_test_setup_teardown(test_lock_file_not_regular,
		    setup_js, teardown_js),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
