/*
 * Unit tests for am_pam: would libpam's pam_authenticate accept any
 * password for an emptied account?  Each case is what Linux-PAM 1.5.2
 * (Debian 12) does with the same files; tests/cli/pam_differential.sh
 * checks the same against the real library.
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

#include "am_pam.h"

struct fixture {
	char root[64];
};

static int
setup_root(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[128];

	if (fx == NULL)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "/tmp/am-pam.XXXXXX");
	if (mkdtemp(fx->root) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/etc", fx->root);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/etc/pam.d", fx->root);
	if (mkdir(path, 0755) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown_root(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* Write ROOT/etc/pam.d/NAME (or NAME under ROOT if it starts with '/'). */
static void
put_len(struct fixture *fx, const char *name, const char *text, size_t len)
{
	char path[300];
	FILE *fp;

	snprintf(path, sizeof(path), "%s%s%s", fx->root, name[0] == '/' ? "" :
	    "/etc/pam.d/", name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
put(struct fixture *fx, const char *name, const char *text)
{
	put_len(fx, name, text, strlen(text));
}

static bool
accepts(struct fixture *fx, const char *service, long *line)
{
	struct am_pam_verdict v;
	struct am_error err;

	am_error_clear(&err);
	if (am_pam_check(fx->root, service, &v, &err) < 0)
		fail_msg("unexpected error: %s, line %ld: %s", err.file,
		    err.line, err.message);
	if (line != NULL)
		*line = v.line;
	return v.accept;
}

/*
 * Would pam_acct_mgmt() succeed for the emptied, expired account (one
 * with a shadow expiry date: new_authtok_reqd or acct_expired)?
 */
static bool
expired_passes_date(struct fixture *fx, const char *service, bool date,
    long *line)
{
	struct am_pam_verdict v;
	struct am_error err;

	am_error_clear(&err);
	if (am_pam_check_expired(fx->root, service, date, &v, &err) < 0)
		fail_msg("unexpected error: %s, line %ld: %s", err.file,
		    err.line, err.message);
	if (line != NULL)
		*line = v.line;
	return v.accept;
}

static bool
expired_passes(struct fixture *fx, const char *service, long *line)
{
	return expired_passes_date(fx, service, true, line);
}

static void
refuses(struct fixture *fx, const char *service, const char *file,
    long line)
{
	struct am_pam_verdict v;
	struct am_error err;
	size_t n = strlen(file), fl;

	am_error_clear(&err);
	assert_int_equal(am_pam_check(fx->root, service, &v, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
	fl = strlen(err.file);
	assert_true(fl >= n && strcmp(err.file + fl - n, file) == 0);
	assert_int_equal(err.line, line);
}

/* The seven ways the old scan failed open. */
static void
test_reported_variants(void **state)
{
	struct fixture *fx = *state;
	char text[1024];
	long line;
	int i;

	put(fx, "other", "auth required pam_deny.so\n");
	put(fx, "dovecot", "auth required pam_unix.so \\ \n\tnullok\n");
	assert_true(accepts(fx, "dovecot", &line));
	assert_int_equal(line, 1);
	put(fx, "dovecot", "auth required pam_unix.so \\\n# comment\n\n"
	    "   \t\n   nullok\n");
	assert_true(accepts(fx, "dovecot", NULL));
	put(fx, "dovecot", "auth required pam_unix.so [nullok]\n");
	assert_true(accepts(fx, "dovecot", NULL));
	snprintf(text, sizeof(text), "auth required pam_unix.so");
	for (i = 0; i < 70; i++)
		strcat(text, " debug");
	strcat(text, " nullok\n");
	put(fx, "dovecot", text);
	assert_true(accepts(fx, "dovecot", NULL));
	/* No service file: "other". */
	put(fx, "other", "auth sufficient pam_unix.so nullok\n"
	    "auth required pam_deny.so\n");
	assert_true(accepts(fx, "smtp", &line));
	assert_int_equal(line, 1);
	put(fx, "other", "auth required pam_deny.so\n");
	assert_false(accepts(fx, "smtp", NULL));
	put(fx, "imap", "auth required pam_unix.so nullok\n");
	assert_true(accepts(fx, "imap", NULL));
	/* A directory reads as empty in libpam: archmail will not guess. */
	put(fx, "pop3", "auth required pam_unix.so\nauth include broken.d\n");
	snprintf(text, sizeof(text), "%s/etc/pam.d/broken.d", fx->root);
	assert_int_equal(mkdir(text, 0755), 0);
	refuses(fx, "pop3", "pop3", 2);
}

static void
test_lines(void **state)
{
	struct fixture *fx = *state;
	char text[1200];

	put(fx, "other", "auth required pam_deny.so\n");
	/* '#' ends the line even after a backslash. */
	put(fx, "a", "auth required pam_unix.so \\ # x\nnullok\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth required pam_unix.so # nullok\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "# auth sufficient pam_permit.so\n"
	    "auth required pam_unix.so\n");
	assert_false(accepts(fx, "a", NULL));
	/* The file ends in a continuation: libpam fails the whole stack. */
	put(fx, "a", "auth sufficient pam_unix.so nullok \\\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth sufficient pam_unix.so nullok\n");
	put(fx, "other", "auth required pam_deny.so \\\n\n# x\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "other", "auth required pam_deny.so\n");
	/* CR is no blank: "nullok\r" still begins with nullok. */
	put(fx, "a", "auth required pam_unix.so nullok\r\n");
	assert_true(accepts(fx, "a", NULL));
	/* ... but "pam_permit.so\r" is no module libpam can load. */
	put(fx, "a", "auth sufficient pam_permit.so\r\n");
	assert_false(accepts(fx, "a", NULL));
	/* ... and "auth\r" is no type: a line that always fails. */
	put(fx, "a", "auth required pam_unix.so nullok\nauth\r\n");
	assert_false(accepts(fx, "a", NULL));
	/* A line too long for libpam's buffer would be split. */
	memset(text, 'x', sizeof(text));
	memcpy(text, "auth required pam_unix.so ", 26);
	text[1100] = '\n';
	text[1101] = '\0';
	put(fx, "a", text);
	refuses(fx, "a", "/a", 1);
	put_len(fx, "a", "auth required pam_unix.so\0 nullok\n", 35);
	refuses(fx, "a", "/a", 0);
}

static void
test_words(void **state)
{
	struct fixture *fx = *state;

	put(fx, "other", "auth required pam_deny.so\n");
	/* Brackets in every position, "\]" escaped, glued words. */
	put(fx, "a", "[auth] [required] [pam_unix.so] [nullok]\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "auth [success=ok]pam_unix.so nullok\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "auth [success=ok default=bad\\]] pam_unix.so nullok\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth required pam_unix.so [a\\]b] [try_first_pass "
	    "nullok]\n");
	assert_false(accepts(fx, "a", NULL));
	/* pam_unix matches option prefixes: nullok_secure is nullok. */
	put(fx, "a", "auth required pam_unix.so nullok_secure\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "auth required pam_unix.so nullokx\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "auth required pam_unix.so xnullok NULLOK\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth required pam_unix.so nullresetok\n");
	assert_true(accepts(fx, "a", NULL));
	/* Type and control in any case; modules and values exact. */
	put(fx, "a", "AUTH REQUIRED pam_unix.so nullok\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "auth [SUCCESS=ok] pam_unix.so nullok\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "-auth required /lib/x86_64-linux-gnu/security/"
	    "pam_unix.so nullok\n");
	assert_true(accepts(fx, "a", NULL));
	/* Other types and a "session" line do not count ... */
	put(fx, "a", "account required pam_permit.so\n"
	    "password required pam_unix.so nullok\n"
	    "session required pam_unix.so nullok\n"
	    "auth required pam_unix.so\n");
	assert_false(accepts(fx, "a", NULL));
	/* ... unless its module name makes libpam fail the whole file. */
	put(fx, "a", "auth sufficient pam_unix.so nullok\n"
	    "session required ?\n");
	assert_false(accepts(fx, "a", NULL));
	/* A bad type: a line that fails with its own control. */
	put(fx, "a", "autth sufficient pam_deny.so\n"
	    "auth required pam_unix.so nullok\n");
	assert_true(accepts(fx, "a", NULL));
	put(fx, "a", "autth required pam_permit.so\n"
	    "auth required pam_unix.so nullok\n");
	assert_false(accepts(fx, "a", NULL));
}

static void
test_dispatch(void **state)
{
	struct fixture *fx = *state;
	long line;

	put(fx, "other", "auth required pam_deny.so\n");
	/* Debian's common-auth: a jump over pam_deny. */
	put(fx, "dovecot", "@include common-auth\n");
	put(fx, "common-auth", "auth [success=1 default=ignore] pam_unix.so "
	    "nullok\nauth requisite pam_deny.so\nauth required "
	    "pam_permit.so\n");
	assert_true(accepts(fx, "dovecot", &line));
	assert_int_equal(line, 1);
	put(fx, "common-auth", "auth [success=1 default=ignore] pam_unix.so\n"
	    "auth requisite pam_deny.so\nauth required pam_permit.so\n");
	assert_false(accepts(fx, "dovecot", NULL));
	/* A jump past the end fails. */
	put(fx, "a", "auth [success=5 default=ignore] pam_unix.so nullok\n"
	    "auth required pam_permit.so\n");
	assert_false(accepts(fx, "a", NULL));
	/* requisite in a substack only ends the substack. */
	put(fx, "a", "auth substack in\nauth sufficient pam_permit.so\n");
	put(fx, "in", "auth requisite pam_deny.so\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth substack in\nauth required pam_deny.so\n");
	put(fx, "in", "auth sufficient pam_unix.so nullok\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth include in\nauth required pam_deny.so\n");
	assert_true(accepts(fx, "a", NULL));
	/* The third pam_unix failure is maxtries. */
	put(fx, "a", "auth [default=ignore] pam_unix.so\n"
	    "auth [default=ignore] pam_unix.so\n"
	    "auth [maxtries=ok default=die] pam_unix.so\n"
	    "auth required pam_permit.so\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth [default=ignore] pam_unix.so\n"
	    "auth [default=ignore] pam_unix.so\n"
	    "auth [maxtries=1 default=die] pam_unix.so\n"
	    "auth requisite pam_deny.so\nauth required pam_permit.so\n");
	assert_true(accepts(fx, "a", NULL));
	/* use_first_pass before any password: auth_err, no failure count. */
	put(fx, "a", "auth [auth_err=1 default=die] pam_unix.so "
	    "use_first_pass\nauth requisite pam_deny.so\n"
	    "auth required pam_permit.so\n");
	assert_true(accepts(fx, "a", NULL));
	/* reset forgets the earlier failure. */
	put(fx, "a", "auth [default=bad] pam_deny.so\n"
	    "auth [auth_err=reset] pam_deny.so\n"
	    "auth required pam_permit.so\n");
	assert_true(accepts(fx, "a", NULL));
	/* A service file without auth lines uses other's. */
	put(fx, "a", "account required pam_unix.so\n");
	put(fx, "other", "auth required pam_unix.so nullok\n");
	assert_true(accepts(fx, "a", NULL));
}

static void
test_unknown_modules(void **state)
{
	struct fixture *fx = *state;
	long line;

	put(fx, "other", "auth required pam_deny.so\n");
	/* Its own authentication, not the empty password's. */
	put(fx, "a", "auth sufficient pam_ldap.so\n"
	    "auth required pam_deny.so\n");
	assert_false(accepts(fx, "a", NULL));
	put(fx, "a", "auth [success=ok default=die] pam_x.so\n"
	    "auth sufficient pam_permit.so\n");
	assert_false(accepts(fx, "a", NULL));
	/* It may return ignore: then pam_permit decides. */
	put(fx, "a", "auth required pam_x.so\nauth sufficient pam_permit.so\n");
	assert_true(accepts(fx, "a", NULL));
	/* Arch's system-auth: accepted through nullok, reported there. */
	put(fx, "a", "auth include system-auth\n");
	put(fx, "system-auth",
	    "auth       required                    pam_faillock.so preauth\n"
	    "-auth      [success=2 default=ignore]  pam_systemd_home.so\n"
	    "auth       [success=1 default=bad]     pam_unix.so try_first_pass"
	    " nullok\n"
	    "auth       [default=die]               pam_faillock.so authfail\n"
	    "auth       optional                    pam_permit.so\n"
	    "auth       required                    pam_env.so\n"
	    "auth       required                    pam_faillock.so "
	    "authsucc\n");
	assert_true(accepts(fx, "a", &line));
	assert_int_equal(line, 3);
	put(fx, "system-auth",
	    "auth       required                    pam_faillock.so preauth\n"
	    "-auth      [success=2 default=ignore]  pam_systemd_home.so\n"
	    "auth       [success=1 default=bad]     pam_unix.so "
	    "try_first_pass\n"
	    "auth       [default=die]               pam_faillock.so authfail\n"
	    "auth       optional                    pam_permit.so\n"
	    "auth       required                    pam_env.so\n"
	    "auth       required                    pam_faillock.so "
	    "authsucc\n");
	assert_false(accepts(fx, "a", NULL));
}

static void
test_files(void **state)
{
	struct fixture *fx = *state;
	char path[200];
	long line;

	put(fx, "other", "auth required pam_deny.so\n");
	/* /usr/lib/pam.d when /etc/pam.d has no such file. */
	snprintf(path, sizeof(path), "%s/usr", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/lib", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/lib/pam.d", fx->root);
	assert_int_equal(mkdir(path, 0755), 0);
	put(fx, "/usr/lib/pam.d/lmtp", "auth sufficient pam_unix.so nullok\n");
	assert_true(accepts(fx, "lmtp", NULL));
	/* include: Arch's include + substack, the line reported. */
	put(fx, "dovecot", "auth include system-auth\n"
	    "account include system-auth\n");
	put(fx, "system-auth", "auth substack system-login\n");
	put(fx, "system-login", "\nauth required /usr/lib/security/"
	    "pam_unix.so \\\n     try_first_pass nullok\n");
	assert_true(accepts(fx, "dovecot", &line));
	assert_int_equal(line, 2);
	/* A missing include fails like "required". */
	put(fx, "a", "auth include nowhere\nauth sufficient pam_unix.so "
	    "nullok\n");
	assert_false(accepts(fx, "a", NULL));
	/* Loops and @include without a file name: refused. */
	put(fx, "a", "auth include b\n");
	put(fx, "b", "auth include a\n");
	refuses(fx, "a", "/b", 1);
	put(fx, "a", "@include\n");
	refuses(fx, "a", "/a", 1);
	/* @include failing inside an included file: refused. */
	put(fx, "a", "auth include b\n");
	put(fx, "b", "@include nowhere\n");
	refuses(fx, "a", "/b", 1);
	/* ... at the top: libpam fails the file. */
	put(fx, "a", "auth sufficient pam_unix.so nullok\n@include nowhere\n");
	assert_false(accepts(fx, "a", NULL));
	/* No pam.d: libpam reads pam.conf, which archmail refuses. */
	snprintf(path, sizeof(path), "rm -rf '%s/etc/pam.d' '%s/usr'",
	    fx->root, fx->root);
	assert_int_equal(system(path), 0);
	assert_false(accepts(fx, "dovecot", NULL));
	put(fx, "/etc/pam.conf", "dovecot auth required pam_unix.so nullok\n");
	refuses(fx, "dovecot", "/etc/pam.conf", 0);
}

/*
 * The account phase of an expired password: pam_unix's new_authtok_reqd
 * fails the stack under every control keyword (libpam maps it to "ok"
 * for required, requisite and optional, "done" for sufficient, and keeps
 * it as the status), unless a jump or an unknown module's success gets
 * around it.
 */
static void
test_account_phase(void **state)
{
	struct fixture *fx = *state;
	long line;

	put(fx, "other", "account required pam_deny.so\n");
	/* Arch's system-auth (pambase): the reference host. */
	put(fx, "dovecot", "auth include system-auth\n"
	    "account include system-auth\n");
	put(fx, "system-auth",
	    "auth       [success=1 default=bad]     pam_unix.so try_first_pass"
	    " nullok\n"
	    "-account   [success=1 default=ignore]  pam_systemd_home.so\n"
	    "account    required                    pam_unix.so\n"
	    "account    optional                    pam_permit.so\n"
	    "account    required                    pam_time.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	/* The same jump by an unknown module gets around pam_unix. */
	put(fx, "system-auth",
	    "-account   [success=1 default=ignore]  pam_sss.so\n"
	    "account    required                    pam_unix.so\n"
	    "account    optional                    pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", &line));
	assert_int_equal(line, 1);
	/* pam_systemd_home outside a module directory is anyone's module. */
	put(fx, "system-auth",
	    "account [success=1 default=ignore] /opt/pam_systemd_home.so\n"
	    "account    required                    pam_unix.so\n"
	    "account    optional                    pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* No pam_unix: pam_permit lets the expired password through. */
	put(fx, "system-auth", "account required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/*
	 * new_authtok_reqd is "ok" for optional and "done" for sufficient
	 * and stays the status: it fails the stack.  But both ignore
	 * acct_expired, which pam_unix returns once the account's shadow
	 * expiry date has passed: then pam_permit decides.
	 */
	put(fx, "system-auth", "account [acct_expired=bad default=ignore "
	    "new_authtok_reqd=ok] pam_unix.so\n"
	    "account required pam_permit.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	put(fx, "system-auth", "account [acct_expired=bad default=ignore "
	    "new_authtok_reqd=done] pam_unix.so\n"
	    "account required pam_permit.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	put(fx, "system-auth", "account sufficient pam_unix.so\n"
	    "account required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	put(fx, "system-auth", "account optional pam_unix.so\n"
	    "account required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* Without an expiry date pam_unix says new_authtok_reqd only. */
	assert_false(expired_passes_date(fx, "dovecot", false, NULL));
	/* ... unless its value is ignored or jumps. */
	put(fx, "system-auth", "account [new_authtok_reqd=ignore "
	    "acct_expired=ignore default=bad] pam_unix.so\n"
	    "account required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	put(fx, "system-auth", "account [new_authtok_reqd=ignore "
	    "default=bad] pam_unix.so\naccount required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* no_pass_expiry: pam_unix may say success. */
	put(fx, "system-auth", "account required pam_unix.so "
	    "no_pass_expiry\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* pam_unix elsewhere than a module directory may be anything. */
	put(fx, "system-auth", "account required /opt/pam_unix.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	put(fx, "system-auth", "account required "
	    "/usr/lib/x86_64-linux-gnu/security/pam_unix.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	/* An unknown module before pam_unix cannot undo its failure. */
	put(fx, "system-auth", "account required pam_x.so\n"
	    "account required pam_unix.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	/* A service without account lines uses other's. */
	put(fx, "dovecot", "auth include system-auth\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	put(fx, "other", "account required pam_permit.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* No account stack at all: libpam fails ("no modules loaded"). */
	put(fx, "other", "auth required pam_permit.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	/* requisite ends only the substack, but its failure stays. */
	put(fx, "dovecot", "account substack in\n"
	    "account required pam_permit.so\n");
	put(fx, "in", "account requisite pam_unix.so\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
	/* A jump inside the substack gets around it. */
	put(fx, "in", "account [new_authtok_reqd=1 acct_expired=1 "
	    "default=bad] pam_unix.so\naccount required pam_deny.so\n");
	assert_true(expired_passes(fx, "dovecot", NULL));
	/* An account include that cannot be read is a refusal. */
	put(fx, "dovecot", "account include missing\n");
	assert_false(expired_passes(fx, "dovecot", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reported_variants,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_lines, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_words, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_dispatch, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_unknown_modules,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_files, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_account_phase,
		    setup_root, teardown_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
