/*
 * Unit tests for am_useradd, with shadow-utils' own useradd as the
 * oracle: two identical sysroots, "useradd --prefix A -m" on one and
 * am_useradd on the other, and the four account files must come out
 * byte for byte the same, the home with the same names, modes and
 * owners.  (useradd --prefix copies the machine's /etc/skel, not the
 * prefix's, so both sysroots get a copy of /etc/skel as their skeleton.)
 * Also: the GID follows the UID when free, an existing person's account
 * is reused, a system account or a taken group name is refused, a full
 * UID range is refused, and an unrecorded staged home is removed.
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
#include "am_useradd.h"
#include "unit_helpers.h"

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000::/home/alice:/bin/bash\n"
    "bob:x:1005:1005::/home/bob:/bin/bash\n";
static const char shadow_text[] =
    "root:*:20000:0:99999:7:::\n"
    "daemon:*:20000:0:99999:7:::\n"
    "alice:!:20000:0:99999:7:::\n"
    "bob:!:20000:0:99999:7:::\n";
static const char group_text[] =
    "root:x:0:\n"
    "mail:x:8:\n"
    "users:x:100:alice\n"
    "alice:x:1000:\n"
    "bob:x:1005:\n"
    "staff2:x:1006:\n";
static const char gshadow_text[] =
    "root:*::\n"
    "mail:*::\n"
    "users:*::alice\n"
    "alice:!::\n"
    "bob:!::\n"
    "staff2:!::\n";

struct ts {
	char root[128];
	char a[256], b[256];
	struct am_conf conf;
	struct am_host host;
	struct unit_warnings ws;
	struct am_error err;
};

static int
make_root(const char *r)
{
	char cmd[1024], p[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/etc/default' '%s/home' && "
	    "cp /etc/login.defs '%s/etc/' && "
	    "printf 'SHELL=/bin/sh\\n' > '%s/etc/default/useradd' && "
	    "cp -a /etc/skel '%s/etc/skel'", r, r, r, r, r);
	if (system(cmd) != 0)
		return -1;
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
	    "useradd") < 0)
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

/* am_useradd on ts->b, committed with a journal; the return of plan. */
static int
add(struct ts *ts, const struct am_useradd_opts *o, struct am_useradd *ua)
{
	struct am_acct_db db;
	struct am_journal j;
	int rc;

	assert_int_equal(am_acct_db_open(&db, ts->b, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_GROUP | AM_ACCT_F_GSHADOW | AM_ACCT_F_SHADOW, true,
	    1000, &ts->err), 0);
	rc = am_useradd_plan(&ts->host, &db, o, ua, &ts->err);
	if (rc == 0) {
		assert_int_equal(am_journal_init(&j, ts->b, &ts->err), 0);
		assert_int_equal(am_acct_db_stage(&db, &j, &ts->err), 0);
		assert_int_equal(am_useradd_stage_home(&ts->host, ua, &j,
		    &ts->err), 0);
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
		fail_msg("%s differs from useradd's:\n%.*s\n---\n%.*s", name,
		    (int)lb, db, (int)la, da);
	free(da);
	free(db);
}

/* "name mode uid gid" of every entry under home, sorted, into out. */
static void
listing(const char *home, char *out, size_t size)
{
	char cmd[700];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -printf '%%p %%m %%U "
	    "%%G %%y\\n' | sort", home);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void
test_same_as_useradd(void **state)
{
	struct ts *ts = *state;
	static const char *const groups[] = { "mail", "users" };
	struct am_useradd_opts o = { .login = "carol",
	    .gecos = "Carol Example", .groups = groups, .ngroups = 2 };
	struct am_useradd ua;
	char cmd[600], la[8192], lb[8192], ha[300], hb[300];

	snprintf(cmd, sizeof(cmd), "useradd --prefix '%s' -m -c "
	    "'Carol Example' -G mail,users carol", ts->a);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(add(ts, &o, &ua), 0);
	assert_false(ua.existed);
	assert_true(ua.group_created);
	/* 1005 is the highest UID in use; GID 1006 is staff2's. */
	assert_int_equal(ua.uid, 1006);
	assert_int_equal(ua.gid, 1007);
	assert_same_file(ts, "passwd");
	assert_same_file(ts, "shadow");
	assert_same_file(ts, "group");
	assert_same_file(ts, "gshadow");
	snprintf(ha, sizeof(ha), "%s/home/carol", ts->a);
	snprintf(hb, sizeof(hb), "%s/home/carol", ts->b);
	listing(ha, la, sizeof(la));
	listing(hb, lb, sizeof(lb));
	assert_string_equal(lb, la);
	assert_non_null(strstr(lb, ". 755 1006 1007 d"));
	am_useradd_free(&ua);

	/* A second run reuses the account and changes nothing. */
	assert_int_equal(add(ts, &o, &ua), 0);
	assert_true(ua.existed);
	assert_int_equal(ua.groups_joined, 0);
	assert_same_file(ts, "passwd");
	assert_same_file(ts, "group");
	am_useradd_free(&ua);
}

static void
test_gid_follows_uid(void **state)
{
	struct ts *ts = *state;
	struct am_useradd_opts o = { .login = "dave" };
	struct am_useradd ua;
	char p[512];
	static const char g[] = "root:x:0:\nalice:x:1000:\nbob:x:1005:\n";

	unit_write_file(unit_path(p, sizeof(p), ts->b, "etc/group"), g,
	    sizeof(g) - 1, 0644);
	assert_int_equal(add(ts, &o, &ua), 0);
	assert_int_equal(ua.uid, 1006);
	assert_int_equal(ua.gid, 1006);
	am_useradd_free(&ua);
}

static void
test_refusals_change_nothing(void **state)
{
	struct ts *ts = *state;
	struct am_useradd_opts sys = { .login = "daemon" };
	struct am_useradd_opts taken = { .login = "staff2" };
	struct am_useradd_opts bad = { .login = "Bad:Name" };
	static const char *const nogroup[] = { "nosuchgroup" };
	struct am_useradd_opts missing = { .login = "erin",
	    .groups = nogroup, .ngroups = 1 };
	struct am_useradd ua;
	char p[512], *before, *after;
	size_t lb, la;

	before = unit_read_file(unit_path(p, sizeof(p), ts->b, "etc/passwd"),
	    &lb);
	assert_int_equal(add(ts, &sys, &ua), -1);
	assert_int_equal(ts->err.code, AM_E_EXISTS_DIFFERENT);
	am_useradd_free(&ua);
	assert_int_equal(add(ts, &taken, &ua), -1);
	assert_int_equal(ts->err.code, AM_E_EXISTS_DIFFERENT);
	assert_non_null(strstr(ts->err.message, "group \"staff2\" exists"));
	am_useradd_free(&ua);
	assert_int_equal(add(ts, &bad, &ua), -1);
	am_useradd_free(&ua);
	assert_int_equal(add(ts, &missing, &ua), -1);
	assert_int_equal(ts->err.code, AM_E_NOUSER);
	am_useradd_free(&ua);
	after = unit_read_file(p, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, la);
	free(before);
	free(after);
	assert_int_equal(unit_count_prefix(unit_path(p, sizeof(p), ts->b,
	    "home"), "erin"), 0);
}

static void
test_full_range(void **state)
{
	struct ts *ts = *state;
	struct am_useradd_opts o = { .login = "frank" };
	struct am_useradd ua;
	char p[512];
	static const char defs[] = "UID_MIN 1000\nUID_MAX 1001\n";
	static const char pw[] = "a:x:1000:1000::/home/a:/bin/sh\n"
	    "b:x:1001:1001::/home/b:/bin/sh\n";

	unit_write_file(unit_path(p, sizeof(p), ts->b, "etc/login.defs"),
	    defs, sizeof(defs) - 1, 0644);
	unit_write_file(unit_path(p, sizeof(p), ts->b, "etc/passwd"), pw,
	    sizeof(pw) - 1, 0644);
	assert_int_equal(add(ts, &o, &ua), -1);
	assert_int_equal(ts->err.code, AM_E_CANTCREAT);
	assert_non_null(strstr(ts->err.message, "no free UID"));
	am_useradd_free(&ua);
}

/* A staged home that is never recorded goes away with the journal. */
static void
test_unrecorded_stage_removed(void **state)
{
	struct ts *ts = *state;
	struct am_useradd_opts o = { .login = "gina" };
	struct am_useradd ua;
	struct am_acct_db db;
	struct am_journal j;
	char p[512];

	assert_int_equal(am_acct_db_open(&db, ts->b, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_GROUP | AM_ACCT_F_GSHADOW | AM_ACCT_F_SHADOW, true,
	    1000, &ts->err), 0);
	assert_int_equal(am_useradd_plan(&ts->host, &db, &o, &ua, &ts->err),
	    0);
	assert_int_equal(am_journal_init(&j, ts->b, &ts->err), 0);
	assert_int_equal(am_useradd_stage_home(&ts->host, &ua, &j, &ts->err),
	    0);
	unit_path(p, sizeof(p), ts->b, "home");
	assert_int_equal(unit_count_prefix(p, "gina.jnl."), 1);
	am_journal_free(&j);
	assert_int_equal(unit_count_prefix(p, "gina"), 0);
	am_acct_db_close(&db);
	am_useradd_free(&ua);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_as_useradd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gid_follows_uid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_range, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_stage_removed,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
