/*
 * Unit tests for am_account: parsing and rewriting passwd/shadow lines
 * byte-for-byte, lookups that refuse duplicate names, UID allocation, and
 * shadow-utils' lock protocol (stale lock recovery, a held lock ending in
 * AM_E_LOCK_BUSY, backups with the original mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_acct.h"
#include "am_buf.h"

struct fixture {
	char root[64];
	char etc[96];
};

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
read_text(const char *path)
{
	struct am_buf b = AM_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		assert_int_equal(am_buf_add(&b, chunk, n), 0);
	fclose(fp);
	if (b.data == NULL)
		assert_int_equal(am_buf_reserve(&b, 1), 0);
	return b.data;
}

static int
setup_root(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "/tmp/am-acct.XXXXXX");
	if (mkdtemp(fx->root) == NULL)
		return -1;
	snprintf(fx->etc, sizeof(fx->etc), "%s/etc", fx->root);
	if (mkdir(fx->etc, 0755) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown_root(void **state)
{
	struct fixture *fx = *state;
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment: with colons\n"
    "\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
    "broken:x:1001\n"
    "bob:x:1002:1002:Bob,,,:/home/bob:/bin/sh\r\n"
    "+@netgroup::::::\n"
    "-baduser::::::\n"
    "+::::::";

static void
test_parse_render_identity(void **state)
{
	struct am_acct_file f;
	struct am_error err;
	struct am_buf b = AM_BUF_INIT;
	size_t len;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_PASSWD, "passwd",
	    passwd_text, strlen(passwd_text), &err), 0);
	assert_int_equal(f.count, 9);
	assert_false(f.final_newline);
	assert_int_equal(am_acct_file_render(&f, &b), 0);
	assert_int_equal(b.len, strlen(passwd_text));
	assert_memory_equal(b.data, passwd_text, b.len);
	/* Names: not for comments, blank lines and NIS entries. */
	am_acct_line_name(&f, 1, &len);
	assert_int_equal(len, 0);
	am_acct_line_name(&f, 6, &len);
	assert_int_equal(len, 0);
	am_acct_line_name(&f, 3, &len);
	assert_int_equal(len, 5);
	am_buf_free(&b);
	am_acct_file_free(&f);
}

static void
test_find_and_fields(void **state)
{
	struct am_acct_file f;
	struct am_acct_entry e;
	struct am_error err;
	long i;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_PASSWD, "passwd",
	    passwd_text, strlen(passwd_text), &err), 0);
	i = am_acct_find(&f, "alice", &err);
	assert_int_equal(i, 3);
	assert_int_equal(am_acct_entry_get(&f, (size_t)i, &e, &err), 0);
	assert_int_equal(e.nfields, 7);
	assert_string_equal(e.field[2], "1000");
	assert_string_equal(e.field[6], "/bin/bash");
	am_acct_entry_free(&e);
	/* "+" lines are no user called "+". */
	assert_int_equal(am_acct_find(&f, "+", &err), -1);
	assert_int_equal(err.code, AM_E_NOUSER);
	assert_int_equal(am_acct_find(&f, "nobody", &err), -1);
	assert_int_equal(err.code, AM_E_NOUSER);
	/* Missing fields: the line is kept, but not used. */
	i = am_acct_find(&f, "broken", &err);
	assert_int_equal(i, 4);
	assert_int_equal(am_acct_entry_get(&f, (size_t)i, &e, &err), -1);
	assert_int_equal(err.code, AM_E_PARSE);
	assert_int_equal(err.line, 5);
	/* CRLF: kept as it is, refused for a change. */
	i = am_acct_find(&f, "bob", &err);
	assert_int_equal(i, 5);
	assert_int_equal(am_acct_entry_get(&f, (size_t)i, &e, &err), -1);
	assert_int_equal(err.code, AM_E_PARSE);
	assert_non_null(strstr(err.message, "CR"));
	am_acct_file_free(&f);
}

static void
test_duplicates_refused(void **state)
{
	static const char text[] = "a:x:1:1::/:/bin/sh\n"
	    "b:x:2:2::/:/bin/sh\n"
	    "a:x:3:3::/:/bin/sh\n";
	const char *fields[] = { "a", "x", "4", "4", "", "/", "/bin/sh" };
	struct am_acct_file f;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_PASSWD, "passwd",
	    text, strlen(text), &err), 0);
	assert_int_equal(am_acct_find(&f, "a", &err), -1);
	assert_int_equal(err.code, AM_E_PARSE);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "multiple entries"));
	assert_int_equal(am_acct_append(&f, fields, 7, &err), -1);
	assert_int_equal(err.code, AM_E_EXISTS_DIFFERENT);
	fields[0] = "b";
	assert_int_equal(am_acct_append(&f, fields, 7, &err), -1);
	assert_int_equal(err.code, AM_E_EXISTS_DIFFERENT);
	assert_false(f.changed);
	/* Another name may be added, but the file is not written. */
	fields[0] = "c";
	assert_int_equal(am_acct_append(&f, fields, 7, &err), 0);
	assert_int_equal(am_acct_check_duplicates(&f, &err), -1);
	assert_int_equal(err.code, AM_E_PARSE);
	assert_int_equal(err.line, 3);
	am_acct_file_free(&f);
}

static void
test_change_keeps_other_lines(void **state)
{
	struct am_acct_file f;
	struct am_acct_entry e;
	struct am_error err;
	struct am_buf b = AM_BUF_INIT;
	const char *fields[] = { "relay", "x", "1003", "65534",
	    "SMTP Relay Account for relay.example.org", "/home/relay",
	    "/usr/bin/nologin" };
	const char *bad[] = { "evil", "x", "1", "1", "a:b", "/", "/bin/sh" };
	long i;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_PASSWD, "passwd",
	    passwd_text, strlen(passwd_text), &err), 0);
	i = am_acct_find(&f, "alice", &err);
	assert_int_equal(am_acct_entry_get(&f, (size_t)i, &e, &err), 0);
	assert_int_equal(am_acct_entry_set_field(&e, 6, "/bin/zsh", &err), 0);
	assert_int_equal(am_acct_entry_set_field(&e, 4, "x\ny", &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_int_equal(am_acct_replace(&f, (size_t)i, &e, &err), 0);
	am_acct_entry_free(&e);
	/* New entries go before the NIS lines at the end. */
	assert_int_equal(am_acct_append(&f, fields, 7, &err), 0);
	assert_int_equal(am_acct_append(&f, bad, 7, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_true(f.changed);
	assert_int_equal(am_acct_file_render(&f, &b), 0);
	assert_string_equal(b.data,
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "# a comment: with colons\n"
	    "\n"
	    "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n"
	    "broken:x:1001\n"
	    "bob:x:1002:1002:Bob,,,:/home/bob:/bin/sh\r\n"
	    "relay:x:1003:65534:SMTP Relay Account for relay.example.org:"
	    "/home/relay:/usr/bin/nologin\n"
	    "+@netgroup::::::\n"
	    "-baduser::::::\n"
	    "+::::::");
	am_buf_free(&b);
	/* Removing lines. */
	i = am_acct_find(&f, "relay", &err);
	am_acct_remove(&f, (size_t)i);
	assert_int_equal(am_acct_find(&f, "relay", &err), -1);
	am_acct_file_free(&f);
}

static void
test_append_without_final_newline(void **state)
{
	static const char text[] = "root:x:0:0::/root:/bin/sh";
	const char *fields[] = { "a", "!", "20000", "", "", "", "", "", "" };
	struct am_acct_file f;
	struct am_error err;
	struct am_buf b = AM_BUF_INIT;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_SHADOW, "shadow",
	    text, strlen(text), &err), 0);
	assert_int_equal(am_acct_append(&f, fields, 9, &err), 0);
	assert_int_equal(am_acct_file_render(&f, &b), 0);
	assert_string_equal(b.data, "root:x:0:0::/root:/bin/sh\n"
	    "a:!:20000::::::\n");
	am_buf_free(&b);
	am_acct_file_free(&f);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(am_acct_name_valid("foobar"));
	assert_true(am_acct_name_valid("_x-1"));
	assert_true(am_acct_name_valid("machine$"));
	assert_false(am_acct_name_valid("1abc"));
	assert_false(am_acct_name_valid("Foo"));
	assert_false(am_acct_name_valid("a$b"));
	assert_false(am_acct_name_valid("a:b"));
	assert_false(am_acct_name_valid(""));
	assert_false(am_acct_name_valid(
	    "abcdefghijabcdefghijabcdefghijabc"));	/* 33 */
	assert_true(am_acct_name_valid(
	    "abcdefghijabcdefghijabcdefghijab"));	/* 32 */
}

/* The message says what is wrong, and never repeats a control byte. */
static void
name_refused(const char *name, const char *text)
{
	struct am_error err;

	am_error_clear(&err);
	if (am_acct_name_check(name, &err) != -1)
		fail_msg("\"%s\" accepted", name);
	assert_int_equal(err.code, AM_E_INVALID);
	if (strstr(err.message, text) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", name,
		    err.message, text);
	assert_null(strchr(err.message, '\n'));
}

/*
 * The accept set is exactly shadow-utils' default rule: every name of up
 * to three characters over an alphabet of the interesting bytes is judged
 * as the regular expression ^[a-z_][a-z0-9_-]*[$]?$ judges it.
 */
static void
test_name_check(void **state)
{
	static const char alphabet[] = "az_-$09AZ.@:+~/ \t\n,\xc3\xa9";
	static const size_t na = sizeof(alphabet) - 1;
	struct am_error err;
	regex_t re;
	char name[4];
	size_t len, i, k, n, count = 0;
	bool want, got;

	(void)state;
	assert_int_equal(regcomp(&re, "^[a-z_][a-z0-9_-]*[$]?$",
	    REG_EXTENDED | REG_NOSUB), 0);
	for (len = 1; len <= 3; len++) {
		for (n = 1, i = 0; i < len; i++)
			n *= na;
		for (k = 0; k < n; k++) {
			size_t v = k;

			for (i = 0; i < len; i++, v /= na)
				name[i] = alphabet[v % na];
			name[len] = '\0';
			want = regexec(&re, name, 0, NULL, 0) == 0;
			am_error_clear(&err);
			got = am_acct_name_check(name, &err) == 0;
			if (want != got)
				fail_msg("\"%s\": %s, shadow's rule says %s",
				    name, got ? "accepted" : err.message,
				    want ? "valid" : "invalid");
			assert_true(got == am_acct_name_valid(name));
			count += got;
		}
	}
	assert_true(count > 100);
	regfree(&re);
	name_refused("", "1 to 32 characters");
	name_refused("abcdefghijabcdefghijabcdefghijabc", "1 to 32");
	name_refused("Alice", "must start with a lowercase letter or '_'");
	name_refused("1abc", "must start with a lowercase letter");
	name_refused("-abc", "must start with a lowercase letter");
	name_refused("aLice", "'L' is not allowed");
	name_refused("a.b", "'.' is not allowed");
	name_refused("a$b", "'$' only at the end");
	name_refused("a\nb", "byte \\x0a at offset 1");
	name_refused("j\xc3\xb6rg", "(not printable)");
}

static void
test_alloc_uid(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "root:x:0:0::/:/bin/sh\n"
	    "a:x:1000:1::/:/bin/sh\n"
	    "b:x:1001:1::/:/bin/sh\n"
	    "c:x:1003:1::/:/bin/sh\n"
	    "nobody:x:65534:65534::/:/bin/sh\n"
	    "+::::::\n";
	struct am_acct_file f;
	struct am_error err;
	char path[200];
	uid_t uid;

	am_error_clear(&err);
	assert_int_equal(am_acct_file_parse(&f, AM_ACCT_PASSWD, "passwd",
	    text, strlen(text), &err), 0);
	assert_int_equal(am_acct_alloc_uid(&f, fx->root, &uid, &err), 0);
	assert_int_equal(uid, 1002);
	snprintf(path, sizeof(path), "%s/login.defs", fx->etc);
	write_text(path, "# comment\nUID_MIN\t\t 2000\nUID_MAX 2001\n", 0644);
	assert_int_equal(am_acct_alloc_uid(&f, fx->root, &uid, &err), 0);
	assert_int_equal(uid, 2000);
	write_text(path, "UID_MIN 1000\nUID_MAX 1001\n", 0644);
	assert_int_equal(am_acct_alloc_uid(&f, fx->root, &uid, &err), -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);
	am_acct_file_free(&f);
}

static void
test_commit_backup_mode(void **state)
{
	struct fixture *fx = *state;
	struct am_acct_db db;
	struct am_acct_entry e;
	struct am_error err;
	struct stat st;
	char path[200], *text;
	long i;

	am_error_clear(&err);
	snprintf(path, sizeof(path), "%s/passwd", fx->etc);
	write_text(path, "root:x:0:0::/root:/bin/sh\nu:x:1000:100::/:/bin/sh\n",
	    0644);
	snprintf(path, sizeof(path), "%s/shadow", fx->etc);
	write_text(path, "root:*:19000:0:99999:7:::\nu:$6$x$y:19000::::::\n",
	    0640);
	assert_int_equal(am_acct_db_open(&db, fx->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, true, 1000, &err), 0);
	/* The link locks exist while held, and .pwd.lock. */
	snprintf(path, sizeof(path), "%s/shadow.lock", fx->etc);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/passwd.lock", fx->etc);
	assert_int_equal(access(path, F_OK), 0);
	i = am_acct_find(&db.file[AM_ACCT_SHADOW], "u", &err);
	assert_int_equal(i, 1);
	assert_int_equal(am_acct_entry_get(&db.file[AM_ACCT_SHADOW], (size_t)i,
	    &e, &err), 0);
	assert_int_equal(am_acct_entry_set_field(&e, 1, "", &err), 0);
	assert_int_equal(am_acct_replace(&db.file[AM_ACCT_SHADOW], (size_t)i,
	    &e, &err), 0);
	am_acct_entry_free(&e);
	assert_int_equal(am_acct_db_commit(&db, &err), 0);
	am_acct_db_close(&db);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/shadow", fx->etc);
	text = read_text(path);
	assert_string_equal(text, "root:*:19000:0:99999:7:::\nu::19000::::::\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	snprintf(path, sizeof(path), "%s/shadow-", fx->etc);
	text = read_text(path);
	assert_string_equal(text,
	    "root:*:19000:0:99999:7:::\nu:$6$x$y:19000::::::\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* passwd was not changed: no backup. */
	snprintf(path, sizeof(path), "%s/passwd-", fx->etc);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_stale_lock_recovered(void **state)
{
	struct fixture *fx = *state;
	struct am_acct_lock lk;
	struct am_error err;
	char path[200], pid[32];
	pid_t child;
	int status;

	am_error_clear(&err);
	/* A PID that is certainly gone: a child we waited for. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	snprintf(path, sizeof(path), "%s/passwd.lock", fx->etc);
	snprintf(pid, sizeof(pid), "%ld", (long)child);
	write_text(path, pid, 0600);
	assert_int_equal(am_acct_lock(&lk, fx->root, AM_ACCT_F_PASSWD, 2000,
	    &err), 0);
	{
		char *text = read_text(path);

		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		assert_string_equal(text, pid);
		free(text);
	}
	am_acct_unlock(&lk);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_held_lock_busy(void **state)
{
	struct fixture *fx = *state;
	struct am_acct_lock lk;
	struct am_error err;
	char path[200], pid[32];

	am_error_clear(&err);
	/* Held by a live process (our parent). */
	snprintf(path, sizeof(path), "%s/shadow.lock", fx->etc);
	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	write_text(path, pid, 0600);
	assert_int_equal(am_acct_lock(&lk, fx->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, 300, &err), -1);
	assert_int_equal(err.code, AM_E_LOCK_BUSY);
	assert_int_equal(am_error_exit_status(err.code), 75);
	/* Released in reverse order: passwd.lock, taken first, is gone. */
	snprintf(path, sizeof(path), "%s/passwd.lock", fx->etc);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/shadow.lock", fx->etc);
	assert_int_equal(unlink(path), 0);
}

static void
test_pwd_lock_busy(void **state)
{
	struct fixture *fx = *state;
	struct am_acct_lock lk;
	struct am_error err;
	struct flock fl;
	char path[200];
	int pfd[2], fd;
	pid_t child;
	char c;

	am_error_clear(&err);
	snprintf(path, sizeof(path), "%s/.pwd.lock", fx->etc);
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		fd = open(path, O_WRONLY | O_CREAT, 0600);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
			_exit(1);
		(void)!write(pfd[1], "x", 1);
		sleep(5);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	assert_int_equal(am_acct_lock(&lk, fx->root, AM_ACCT_F_PASSWD, 300,
	    &err), -1);
	assert_int_equal(err.code, AM_E_LOCK_BUSY);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pfd[0]);
	/* Gone with its process. */
	assert_int_equal(am_acct_lock(&lk, fx->root, AM_ACCT_F_PASSWD, 300,
	    &err), 0);
	am_acct_unlock(&lk);
}

static void
test_signal_releases_locks(void **state)
{
	struct fixture *fx = *state;
	struct am_acct_lock lk;
	struct am_error err;
	char path[200];
	int pfd[2], status;
	pid_t child;
	char c;

	snprintf(path, sizeof(path), "%s/passwd.lock", fx->etc);
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		am_error_clear(&err);
		if (am_acct_lock(&lk, fx->root, AM_ACCT_F_PASSWD, 1000,
		    &err) < 0)
			_exit(1);
		(void)!write(pfd[1], "x", 1);
		sleep(1);	/* SIGTERM arrives meanwhile: blocked */
		am_acct_unlock(&lk);	/* delivered here, after cleanup */
		_exit(2);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	assert_int_equal(access(path, F_OK), 0);
	kill(child, SIGTERM);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(access(path, F_OK), -1);
	close(pfd[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_render_identity),
		cmocka_unit_test(test_find_and_fields),
		cmocka_unit_test(test_duplicates_refused),
		cmocka_unit_test(test_change_keeps_other_lines),
		cmocka_unit_test(test_append_without_final_newline),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test_setup_teardown(test_alloc_uid, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_commit_backup_mode,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_stale_lock_recovered,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_held_lock_busy,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_pwd_lock_busy,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_signal_releases_locks,
		    setup_root, teardown_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
