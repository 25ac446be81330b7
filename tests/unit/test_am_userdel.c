/*
 * Unit tests for am_userdel, with shadow-utils as the oracle: the same
 * sysroot twice, "usermod --prefix A -L" or "userdel --prefix A -r" on
 * one and am_userdel on the other; the four account files must come out
 * byte for byte the same, and the home must be gone with -r.  Also: a
 * second lock changes nothing, an absent account is not an error, a
 * system account is refused, a home owned by someone else stops the
 * delete before anything is written.
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

#include "am_acct.h"
#include "am_conf.h"
#include "am_host.h"
#include "am_journal.h"
#include "am_userdel.h"
#include "unit_helpers.h"

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "carol:x:1006:1006:Carol:/home/carol:/bin/sh\n"
    "dave:x:1008:1008::/home/dave:/bin/sh\n"
    "erin:x:1009:1006::/home/erin:/bin/sh\n";
static const char shadow_text[] =
    "root:*:20000:0:99999:7:::\n"
    "daemon:*:20000:0:99999:7:::\n"
    "carol::0:0:99999:7:::\n"
    "dave:$6$salt$hash:20000:0:99999:7:::\n"
    "erin:!:20000:0:99999:7:::\n";
static const char group_text[] =
    "root:x:0:\n"
    "mail:x:8:carol,dave\n"
    "users:x:100:dave,carol\n"
    "carol:x:1006:\n"
    "dave:x:1008:\n";
static const char gshadow_text[] =
    "root:*::\n"
    "mail:*::carol,dave\n"
    "users:*:carol:dave,carol\n"
    "carol:!::\n"
    "dave:!::\n";

struct ts {
	char root[128];
	char a[256], b[256];
	struct am_conf conf;
	struct am_host host;
	struct am_error err;
};

static int
make_root(const char *r)
{
	char p[512];
	static const char *const homes[] = { "carol", "dave" };
	static const uid_t uids[] = { 1006, 1008 };
	size_t i;

	snprintf(p, sizeof(p), "%s/etc", r);
	if (mkdir(r, 0755) < 0 || mkdir(p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/home", r);
	if (mkdir(p, 0755) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/home/%s", r, homes[i]);
		if (mkdir(p, 0750) < 0 || chown(p, uids[i], uids[i]) < 0)
			return -1;
		snprintf(p, sizeof(p), "%s/home/%s/mail", r, homes[i]);
		if (unit_write_file(p, "x", 1, 0600) < 0)
			return -1;
	}
	if (unit_write_file(unit_path(p, sizeof(p), r, "etc/passwd"),
	    passwd_text, sizeof(passwd_text) - 1, 0644) < 0 ||
	    unit_write_file(unit_path(p, sizeof(p), r, "etc/shadow"),
	    shadow_text, sizeof(shadow_text) - 1, 0640) < 0 ||
	    unit_write_file(unit_path(p, sizeof(p), r, "etc/group"),
	    group_text, sizeof(group_text) - 1, 0644) < 0 ||
	    unit_write_file(unit_path(p, sizeof(p), r, "etc/gshadow"),
	    gshadow_text, sizeof(gshadow_text) - 1, 0640) < 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	struct ts *ts = calloc(1, sizeof(*ts));

	if (ts == NULL || unit_tmpdir_create(ts->root, sizeof(ts->root),
	    "userdel") < 0)
		return -1;
	unit_path(ts->a, sizeof(ts->a), ts->root, "a");
	unit_path(ts->b, sizeof(ts->b), ts->root, "b");
	if (make_root(ts->a) < 0 || make_root(ts->b) < 0)
		return -1;
	am_error_clear(&ts->err);
	if (am_conf_init(&ts->conf, &ts->err) < 0)
		return -1;
	ts->host = (struct am_host)AM_HOST_INIT;
	ts->host.root = ts->b;
	ts->host.conf = &ts->conf;
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

static int
del(struct ts *ts, const char *login, bool delete, struct am_userdel *ud)
{
	struct am_userdel_opts o = { .login = login, .delete = delete };
	struct am_acct_db db;
	struct am_journal j;
	int rc;

	assert_int_equal(am_acct_db_open(&db, ts->b, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_GROUP | AM_ACCT_F_GSHADOW | AM_ACCT_F_SHADOW, true,
	    1000, &ts->err), 0);
	rc = am_userdel_plan(&ts->host, &db, &o, ud, &ts->err);
	if (rc == 0) {
		assert_int_equal(am_journal_init(&j, ts->b, &ts->err), 0);
		assert_int_equal(am_acct_db_stage(&db, &j, &ts->err), 0);
		rc = am_userdel_stage_home(ud, &j, &ts->err);
		if (rc == 0)
			assert_int_equal(am_journal_commit(&j, &ts->err), 0);
		am_journal_free(&j);
	}
	am_acct_db_close(&db);
	return rc;
}

static void
assert_same_file(const struct ts *ts, const char *name)
{
	char pa[512], pb[512], *da, *db;
	size_t la, lb;

	snprintf(pa, sizeof(pa), "%s/etc/%s", ts->a, name);
	snprintf(pb, sizeof(pb), "%s/etc/%s", ts->b, name);
	da = unit_read_file(pa, &la);
	db = unit_read_file(pb, &lb);
	assert_non_null(da);
	assert_non_null(db);
	if (la != lb || memcmp(da, db, la) != 0)
		fail_msg("%s differs from shadow-utils':\n%.*s\n---\n%.*s",
		    name, (int)lb, db, (int)la, da);
	free(da);
	free(db);
}

/* Run a shadow-utils tool with --prefix A: "usermod", "-L carol". */
static void
shadow_utils(const struct ts *ts, const char *tool, const char *args)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "%s --prefix '%s' %s 2>/dev/null", tool,
	    ts->a, args);
	assert_int_equal(system(cmd), 0);
}

static void
login_defs(const struct ts *ts)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cp /etc/login.defs '%s/etc/' && "
	    "cp /etc/login.defs '%s/etc/'", ts->a, ts->b);
	assert_int_equal(system(cmd), 0);
}

static void
test_lock_like_usermod(void **state)
{
	struct ts *ts = *state;
	struct am_userdel ud;

	shadow_utils(ts, "usermod", "-L carol");
	shadow_utils(ts, "usermod", "-L dave");
	assert_int_equal(del(ts, "carol", false, &ud), 0);
	assert_true(ud.locked);
	am_userdel_free(&ud);
	assert_int_equal(del(ts, "dave", false, &ud), 0);
	am_userdel_free(&ud);
	assert_same_file(ts, "shadow");
	assert_same_file(ts, "passwd");
	/* Again: nothing to lock. */
	assert_int_equal(del(ts, "carol", false, &ud), 0);
	assert_false(ud.locked);
	am_userdel_free(&ud);
	assert_same_file(ts, "shadow");
}

static void
test_delete_like_userdel(void **state)
{
	struct ts *ts = *state;
	struct am_userdel ud;
	char p[512];
	struct stat st;

	/* carol's group stays (erin's primary); dave's goes. */
	login_defs(ts);
	shadow_utils(ts, "userdel", "-r carol");
	shadow_utils(ts, "userdel", "-r dave");
	assert_int_equal(del(ts, "carol", true, &ud), 0);
	assert_true(ud.deleted);
	assert_false(ud.group_deleted);
	am_userdel_free(&ud);
	assert_int_equal(del(ts, "dave", true, &ud), 0);
	assert_true(ud.group_deleted);
	am_userdel_free(&ud);
	assert_same_file(ts, "passwd");
	assert_same_file(ts, "shadow");
	assert_same_file(ts, "group");
	assert_same_file(ts, "gshadow");
	snprintf(p, sizeof(p), "%s/home/carol", ts->b);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/home/dave", ts->b);
	assert_int_equal(lstat(p, &st), -1);
	/* Re-run: the account is absent, nothing happens. */
	assert_int_equal(del(ts, "dave", true, &ud), 0);
	assert_true(ud.absent);
	am_userdel_free(&ud);
}

/* Without USERGROUPS_ENAB (no login.defs) no group is removed. */
static void
test_delete_without_private_groups(void **state)
{
	struct ts *ts = *state;
	struct am_userdel ud;

	shadow_utils(ts, "userdel", "-r dave");
	assert_int_equal(del(ts, "dave", true, &ud), 0);
	assert_false(ud.group_deleted);
	am_userdel_free(&ud);
	assert_same_file(ts, "group");
	assert_same_file(ts, "gshadow");
	assert_same_file(ts, "passwd");
}

static void
test_refusals(void **state)
{
	struct ts *ts = *state;
	struct am_userdel ud;
	char p[512], *before, *after;
	size_t lb, la;

	before = unit_read_file(unit_path(p, sizeof(p), ts->b, "etc/passwd"),
	    &lb);
	assert_int_equal(del(ts, "daemon", true, &ud), -1);
	assert_int_equal(ts->err.code, AM_E_EXISTS_DIFFERENT);
	am_userdel_free(&ud);
	/* A home that is not the account's: refused before any write. */
	snprintf(p, sizeof(p), "%s/home/carol", ts->b);
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(del(ts, "carol", true, &ud), -1);
	assert_int_equal(ts->err.code, AM_E_INVALID);
	am_userdel_free(&ud);
	after = unit_read_file(unit_path(p, sizeof(p), ts->b, "etc/passwd"),
	    &la);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, la);
	free(before);
	free(after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_like_usermod, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delete_like_userdel,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_delete_without_private_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
