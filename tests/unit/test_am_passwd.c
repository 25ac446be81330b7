/*
 * Unit tests for am_passwd: plan and commit of passwd clear and set, and
 * status, on a scratch sysroot with its own PAM stacks (no binary, no
 * real PAM; tests/cli/passwd_pam_oracle.sh checks the same stacks with
 * pamtester).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "am_passwd.h"
#include "unit_helpers.h"

/* Arch's pambase system-auth, nullok kept, as the reference host has it. */
static const char arch_auth[] =
    "auth       required                    pam_faillock.so      preauth\n"
    "-auth      [success=2 default=ignore]  pam_systemd_home.so\n"
    "auth       [success=1 default=bad]     pam_unix.so          "
    "try_first_pass nullok\n"
    "auth       [default=die]               pam_faillock.so      authfail\n"
    "auth       optional                    pam_permit.so\n"
    "auth       required                    pam_env.so\n"
    "auth       required                    pam_faillock.so      authsucc\n"
    "-account   [success=1 default=ignore]  pam_systemd_home.so\n"
    "account    required                    pam_unix.so\n"
    "account    optional                    pam_permit.so\n"
    "account    required                    pam_time.so\n";

static const char hash_x[] = "$6$saltsalt$hI5H1tUzU6H3p9YjM1n6R0rJp0x1"
    "d2aF3L6iQ0m1nSxq0b2mV1v8a0GkQj8Qe0H7wz0A0c2yIWg0Mtp9Jn0yL1";

struct fx {
	char root[96];
	struct am_host h;
	struct unit_warnings ws;
};

static void
put(struct fx *f, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->root, name);
	assert_int_equal(unit_write_file(path, text, strlen(text), 0640), 0);
}

static char *
shadow_line(struct fx *f, const char *user)
{
	static char line[512];
	char path[256], *text, *p, *e;
	size_t n = strlen(user);

	snprintf(path, sizeof(path), "%s/etc/shadow", f->root);
	text = unit_read_file(path, NULL);
	assert_non_null(text);
	line[0] = '\0';
	for (p = text; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (strncmp(p, user, n) == 0 && p[n] == ':')
			snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
	}
	free(text);
	return line;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[256], shadow[1024];

	if (f == NULL || unit_tmpdir_create(f->root, sizeof(f->root),
	    "passwd") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/etc", f->root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/pam.d", f->root);
	mkdir(path, 0755);
	put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
	    "carol:x:1000:1000:Carol:/home/carol:/bin/bash\n"
	    "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
	    "aur:x:1002:65534:SMTP Relay Account for aur.archlinux.org:"
	    "/home/aur:/usr/bin/nologin\n");
	snprintf(shadow, sizeof(shadow), "root:*:19000:0:99999:7:::\n"
	    "carol:%s:19000:0:99999:7:::\ndaemon:*:19000::::::\n"
	    "aur:%s:19000::::::\n", hash_x, hash_x);
	put(f, "etc/shadow", shadow);
	put(f, "etc/pam.d/dovecot", "auth include system-auth\n"
	    "account include system-auth\n");
	put(f, "etc/pam.d/system-auth", arch_auth);
	put(f, "etc/pam.d/other", "auth required pam_deny.so\n"
	    "account required pam_deny.so\n");
	f->h = (struct am_host)AM_HOST_INIT;
	f->h.root = f->root;
	f->h.lock_timeout_ms = 2000;
	f->h.warn = unit_collect_warning;
	f->h.ctx = &f->ws;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unit_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static int
plan_commit(struct fx *f, const struct am_passwd_opts *o,
    struct am_passwd_plan *p, struct am_error *err)
{
	int rc;

	am_error_clear(err);
	rc = am_passwd_plan(&f->h, o, p, err);
	if (rc == 0 && o->lock)
		rc = am_passwd_commit(p, err);
	am_passwd_plan_free(p);
	return rc;
}

static void
test_clear_expires(void **state)
{
	struct fx *f = *state;
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct am_passwd_plan p;
	struct am_passwd_status st;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;

	o.user = "carol";
	/* A dry run (no locks) plans the change and writes nothing. */
	o.lock = false;
	am_error_clear(&err);
	assert_int_equal(am_passwd_plan(&f->h, &o, &p, &err), 0);
	assert_true(p.changed);
	assert_true(p.expired);
	assert_int_equal(am_passwd_diff(&p, &diff, &err), 0);
	assert_non_null(diff.data);
	assert_non_null(strstr(diff.data, "\n-carol:<hash>:19000:"));
	assert_non_null(strstr(diff.data, "\n+carol::0:0:99999:7:::"));
	assert_null(strstr(diff.data, hash_x));
	am_buf_free(&diff);
	am_passwd_plan_free(&p);
	assert_non_null(strstr(shadow_line(f, "carol"), hash_x));
	o.lock = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_true(p.changed);
	assert_string_equal(shadow_line(f, "carol"), "carol::0:0:99999:7:::");
	assert_int_equal(f->ws.count, 0);
	/* Again: nothing to write. */
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_false(p.changed);
	assert_true(p.expired);
	assert_int_equal(am_passwd_status(&f->h, "carol", &st, &err), 0);
	assert_true(st.expired);
	assert_int_equal(st.last_change, 0);
	assert_int_equal(st.info.state, AM_PW_STATE_EMPTY);
	assert_false(st.relay);
}

static void
test_clear_account_without_unix(void **state)
{
	struct fx *f = *state;
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct am_passwd_plan p;
	struct am_error err;
	char before[512];

	snprintf(before, sizeof(before), "%s", shadow_line(f, "carol"));
	put(f, "etc/pam.d/system-auth", "auth required pam_unix.so nullok\n"
	    "account required pam_permit.so\n");
	o.user = "carol";
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	assert_non_null(strstr(err.file, "/etc/pam.d/system-auth"));
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.message, "even expired"));
	assert_string_equal(shadow_line(f, "carol"), before);
	/* --allow-nullok: one warning per line, then it goes on. */
	o.allow_nullok = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_int_equal(f->ws.count, 1);
	assert_int_equal(f->ws.w[0].line, 1);
	assert_string_equal(shadow_line(f, "carol"), "carol::0:0:99999:7:::");
}

static void
test_clear_no_expire(void **state)
{
	struct fx *f = *state;
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct am_passwd_plan p;
	struct am_error err;
	char want[64];

	o.user = "carol";
	o.no_expire = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	assert_non_null(strstr(err.file, "/etc/pam.d/system-auth"));
	assert_int_equal(err.line, 3);
	o.allow_nullok = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_false(p.expired);
	snprintf(want, sizeof(want), "carol::%ld:0:99999:7:::",
	    am_acct_today());
	assert_string_equal(shadow_line(f, "carol"), want);
	assert_true(f->ws.count >= 1);
	/* Without nullok anywhere nothing is refused. */
	put(f, "etc/pam.d/system-auth", "auth required pam_unix.so\n");
	o.allow_nullok = false;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
}

static void
test_clear_refusals(void **state)
{
	struct fx *f = *state;
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct am_passwd_plan p;
	struct am_error err;
	char dir[160];

	o.user = "root";
	o.system = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	o.user = "aur";
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "relay rotate aur.archlinux.org"));
	o.user = "daemon";
	o.system = false;
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "system account"));
	o.user = "nobody";
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_NOUSER);
	/* A stack that cannot be read refuses, --allow-nullok or not. */
	put(f, "etc/pam.d/dovecot", "auth include broken\n");
	snprintf(dir, sizeof(dir), "%s/etc/pam.d/broken", f->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	o.user = "carol";
	o.allow_nullok = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	assert_non_null(strstr(err.message, "cannot be judged"));
	/* So does an account stack that cannot be read, behind nullok. */
	put(f, "etc/pam.d/dovecot", "auth required pam_unix.so nullok\n"
	    "account include broken\n");
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	assert_non_null(strstr(err.file, "/etc/pam.d/dovecot"));
	assert_int_equal(err.line, 2);
	/* Not asked where auth refuses the empty password anyway. */
	put(f, "etc/pam.d/dovecot", "auth required pam_unix.so\n"
	    "account include broken\n");
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
}

static void
test_set_expire(void **state)
{
	struct fx *f = *state;
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct am_passwd_plan p;
	struct am_passwd_status st;
	struct am_error err;
	char field[256], *line, *colon;
	bool match = false;

	o.action = AM_PASSWD_SET;
	o.user = "carol";
	o.password = "a new password";
	o.scheme = AM_PW_YESCRYPT;
	o.cost = 5;
	o.expire = true;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_true(p.changed);
	assert_true(p.expired);
	line = shadow_line(f, "carol");
	colon = strchr(line + 6, ':');
	assert_non_null(colon);
	snprintf(field, sizeof(field), "%.*s", (int)(colon - line - 6),
	    line + 6);
	assert_int_equal(strncmp(field, "$y$j9T$", 7), 0);
	assert_int_equal(am_pw_verify("a new password", field, &match, &err),
	    0);
	assert_true(match);
	assert_int_equal(strncmp(colon, ":0:", 3), 0);
	/* The same password, not expiring: nothing written, still expired. */
	o.expire = false;
	assert_int_equal(plan_commit(f, &o, &p, &err), 0);
	assert_false(p.changed);
	assert_true(p.expired);
	assert_int_equal(am_passwd_status(&f->h, "carol", &st, &err), 0);
	assert_true(st.expired);
	assert_int_equal(st.info.state, AM_PW_STATE_USABLE);
	/* An empty password is refused. */
	o.password = "";
	assert_int_equal(plan_commit(f, &o, &p, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clear_expires, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_clear_account_without_unix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_no_expire, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_clear_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_set_expire, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
