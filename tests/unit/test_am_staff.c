/*
 * Unit tests for am_staff, the onboarding and offboarding workflow,
 * driven without the binary on a sysroot: an onboarding plan writes
 * nothing until committed, then creates account, home, address (table
 * rebuilt) and the expired empty password; a second plan changes nothing;
 * a dry run shows one diff of everything and writes nothing; an address
 * taken by someone else or a PAM stack that would let the empty password
 * in refuses before any write; offboarding forwards with a note and locks,
 * then deletes.
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
#include <unistd.h>

#include <cmocka.h>

#include "am_conf.h"
#include "am_host.h"
#include "am_staff.h"
#include "unit_helpers.h"

static const char users_text[] =
    "# Developers\n"
    "alice@archlinux.org alice\n"
    "\n"
    "# Staff\n"
    "bob@archlinux.org bob\n";

struct ts {
	char root[128];
	struct am_conf conf;
	struct am_host host;
	struct unit_warnings ws;
	struct am_error err;
};

static void
put(const struct ts *ts, const char *name, const char *text, mode_t mode)
{
	char p[512];

	assert_int_equal(unit_write_file(unit_path(p, sizeof(p), ts->root,
	    name), text, strlen(text), mode), 0);
}

static char *
get(const struct ts *ts, const char *name)
{
	char p[512];
	size_t len;

	return unit_read_file(unit_path(p, sizeof(p), ts->root, name), &len);
}

static int
setup(void **state)
{
	struct ts *ts = calloc(1, sizeof(*ts));
	char cmd[1024];

	if (ts == NULL || unit_tmpdir_create(ts->root, sizeof(ts->root),
	    "staff") < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir -p etc/postfix "
	    "etc/pam.d etc/default home && cp /etc/login.defs etc/ && "
	    "cp -a /etc/skel etc/skel", ts->root);
	if (system(cmd) != 0)
		return -1;
	put(ts, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
	    "alice:x:1000:1000::/home/alice:/bin/bash\n", 0644);
	put(ts, "etc/shadow", "root:*:20000:0:99999:7:::\n"
	    "alice:!:20000:0:99999:7:::\n", 0640);
	put(ts, "etc/group", "root:x:0:\nmail:x:8:\nalice:x:1000:\n", 0644);
	put(ts, "etc/gshadow", "root:*::\nmail:*::\nalice:!::\n", 0640);
	put(ts, "etc/default/useradd", "SHELL=/bin/bash\n", 0644);
	put(ts, "etc/postfix/main.cf", "", 0644);
	put(ts, "etc/postfix/users", users_text, 0644);
	/* Arch's stack: nullok, but pam_unix's account phase refuses. */
	put(ts, "etc/pam.d/dovecot", "auth required pam_unix.so nullok\n"
	    "account required pam_unix.so\n", 0644);
	am_error_clear(&ts->err);
	if (am_conf_init(&ts->conf, &ts->err) < 0)
		return -1;
	ts->host = (struct am_host)AM_HOST_INIT;
	ts->host.root = ts->root;
	ts->host.conf = &ts->conf;
	ts->host.warn = unit_collect_warning;
	ts->host.ctx = &ts->ws;
	*state = ts;
	return 0;
}

static int
teardown(void **state)
{
	struct ts *ts = *state;

	am_conf_free(&ts->conf);
	unit_tmpdir_remove(ts->root);
	free(ts);
	return 0;
}

static const char *const mail_group[] = { "mail" };

static struct am_staff_onboard_opts
carol(bool dry_run)
{
	struct am_staff_onboard_opts o = { .login = "carol",
	    .name = "Carol Example", .category = "Staff",
	    .groups = mail_group, .ngroups = 1, .dry_run = dry_run };

	return o;
}

static void
test_onboard(void **state)
{
	struct ts *ts = *state;
	struct am_staff_onboard_opts o = carol(false);
	struct am_staff_plan p;
	char *passwd_before = get(ts, "etc/passwd"), *t, hp[512];
	struct stat st;

	assert_int_equal(am_staff_onboard_plan(&ts->host, &o, &p, &ts->err),
	    0);
	assert_true(p.changed);
	/* Planned, not written. */
	t = get(ts, "etc/passwd");
	assert_string_equal(t, passwd_before);
	free(t);
	assert_int_equal(am_staff_commit(&ts->host, &p, &ts->err), 0);
	assert_true(p.password_cleared);
	am_staff_plan_free(&p);

	t = get(ts, "etc/passwd");
	assert_non_null(strstr(t, "\ncarol:x:1001:1001:Carol Example:"
	    "/home/carol:/bin/bash\n"));
	free(t);
	t = get(ts, "etc/shadow");
	assert_non_null(strstr(t, "\ncarol::0:"));
	free(t);
	t = get(ts, "etc/group");
	assert_non_null(strstr(t, "mail:x:8:carol\n"));
	free(t);
	t = get(ts, "etc/postfix/users");
	assert_non_null(strstr(t, "bob@archlinux.org bob\n"
	    "carol@archlinux.org carol\n"));
	free(t);
	assert_int_equal(stat(unit_path(hp, sizeof(hp), ts->root,
	    "etc/postfix/users.lmdb"), &st), 0);
	assert_int_equal(lstat(unit_path(hp, sizeof(hp), ts->root,
	    "home/carol/.profile"), &st), 0);
	assert_int_equal(st.st_uid, 1001);

	/* Again: the account is reused and nothing changes. */
	assert_int_equal(am_staff_onboard_plan(&ts->host, &o, &p, &ts->err),
	    0);
	assert_true(p.ua.existed);
	assert_false(p.changed);
	assert_false(p.password_cleared);
	am_staff_plan_free(&p);
	free(passwd_before);
}

static void
test_dry_run(void **state)
{
	struct ts *ts = *state;
	struct am_staff_onboard_opts o = carol(true);
	struct am_staff_plan p;
	struct am_buf diff = AM_BUF_INIT;
	char *t, hp[512];
	struct stat st;

	assert_int_equal(am_staff_onboard_plan(&ts->host, &o, &p, &ts->err),
	    0);
	assert_int_equal(am_staff_diff(&p, &diff, &ts->err), 0);
	assert_int_equal(am_buf_reserve(&diff, 1), 0);
	diff.data[diff.len] = '\0';
	assert_non_null(strstr(diff.data, "+carol:x:1001:1001:"));
	assert_non_null(strstr(diff.data, "+carol@archlinux.org carol"));
	assert_non_null(strstr(diff.data, "home/carol/"));
	assert_int_equal(am_staff_commit(&ts->host, &p, &ts->err), -1);
	am_staff_plan_free(&p);
	am_buf_free(&diff);
	t = get(ts, "etc/postfix/users");
	assert_string_equal(t, users_text);
	free(t);
	assert_int_equal(lstat(unit_path(hp, sizeof(hp), ts->root,
	    "home/carol"), &st), -1);
}

static void
assert_refused_cleanly(struct ts *ts, enum am_errcode code)
{
	struct am_staff_onboard_opts o = carol(false);
	struct am_staff_plan p;
	char *before = get(ts, "etc/passwd"), *after, hp[512];
	struct stat st;

	assert_int_equal(am_staff_onboard_plan(&ts->host, &o, &p, &ts->err),
	    -1);
	assert_int_equal(ts->err.code, code);
	am_staff_plan_free(&p);
	after = get(ts, "etc/passwd");
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(lstat(unit_path(hp, sizeof(hp), ts->root,
	    "home/carol"), &st), -1);
}

static void
test_address_taken(void **state)
{
	struct ts *ts = *state;

	put(ts, "etc/postfix/users", "# Staff\n"
	    "carol@archlinux.org someone-else\n", 0644);
	assert_refused_cleanly(ts, AM_E_EXISTS_DIFFERENT);
}

static void
test_pam_refuses(void **state)
{
	struct ts *ts = *state;

	/* nullok and an account phase that lets anyone through. */
	put(ts, "etc/pam.d/dovecot", "auth required pam_unix.so nullok\n"
	    "account required pam_permit.so\n", 0644);
	assert_refused_cleanly(ts, AM_E_CONFIG);
}

static void
test_offboard(void **state)
{
	struct ts *ts = *state;
	struct am_staff_onboard_opts on = carol(false);
	struct am_staff_offboard_opts off = { .login = "carol",
	    .forward = "carol@example.net", .note = "2026-11-27 left" };
	struct am_staff_offboard_opts del = { .login = "carol",
	    .delete = true };
	struct am_staff_plan p;
	char *t, hp[512];
	struct stat st;

	assert_int_equal(am_staff_onboard_plan(&ts->host, &on, &p, &ts->err),
	    0);
	assert_int_equal(am_staff_commit(&ts->host, &p, &ts->err), 0);
	am_staff_plan_free(&p);

	assert_int_equal(am_staff_offboard_plan(&ts->host, &off, &p,
	    &ts->err), 0);
	assert_int_equal(am_staff_commit(&ts->host, &p, &ts->err), 0);
	assert_true(p.ud.locked);
	am_staff_plan_free(&p);
	t = get(ts, "etc/postfix/users");
	assert_non_null(strstr(t, "# 2026-11-27 left\n"
	    "carol@archlinux.org carol@example.net\n"));
	free(t);
	t = get(ts, "etc/shadow");
	assert_non_null(strstr(t, "\ncarol:!:0:"));
	free(t);

	assert_int_equal(am_staff_offboard_plan(&ts->host, &del, &p,
	    &ts->err), 0);
	assert_int_equal(am_staff_commit(&ts->host, &p, &ts->err), 0);
	am_staff_plan_free(&p);
	t = get(ts, "etc/passwd");
	assert_null(strstr(t, "carol"));
	free(t);
	t = get(ts, "etc/postfix/users");
	assert_string_equal(t, users_text);
	free(t);
	assert_int_equal(lstat(unit_path(hp, sizeof(hp), ts->root,
	    "home/carol"), &st), -1);

	/* Gone: a re-run is no error and changes nothing. */
	assert_int_equal(am_staff_offboard_plan(&ts->host, &del, &p,
	    &ts->err), 0);
	assert_true(p.ud.absent);
	assert_true(p.address_absent);
	assert_false(p.changed);
	am_staff_plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_onboard, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_address_taken, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pam_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_offboard, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
