/*
 * Unit tests for am_pam: nullok in pam_unix auth lines, found through
 * include, substack and @include, and not found in comments, in other
 * module types, in "nullok_secure" or in other modules.
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
	char dir[64];
};

static int
setup_dir(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/am-pam.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void
put(struct fixture *fx, const char *name, const char *text)
{
	char path[200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static bool
nullok(struct fixture *fx, const char *service, long *line)
{
	struct am_pam_hit hit;
	struct am_error err;

	am_error_clear(&err);
	assert_int_equal(am_pam_find_nullok(fx->dir, service, &hit, &err), 0);
	if (line != NULL)
		*line = hit.line;
	return hit.found;
}

static void
test_direct(void **state)
{
	struct fixture *fx = *state;
	long line;

	put(fx, "system-auth",
	    "#%PAM-1.0\n"
	    "auth       required   pam_faillock.so preauth\n"
	    "-auth      [success=2 default=ignore]  pam_systemd_home.so\n"
	    "auth       [success=1 default=bad]     pam_unix.so  try_first_pass"
	    " nullok\n"
	    "account    required   pam_unix.so\n");
	assert_true(nullok(fx, "system-auth", &line));
	assert_int_equal(line, 4);
	/* A missing service: nothing to find. */
	assert_false(nullok(fx, "smtp", NULL));
}

static void
test_not_nullok(void **state)
{
	struct fixture *fx = *state;

	put(fx, "a",
	    "# auth sufficient pam_unix.so nullok\n"
	    "auth required pam_unix.so nullok_secure\n"
	    "auth required pam_unix.so try_first_pass # nullok\n"
	    "password required pam_unix.so nullok yescrypt\n"
	    "session required pam_unix.so nullok\n"
	    "auth required pam_other.so nullok\n"
	    "auth required pam_unix.so xnullok nullokx\n");
	assert_false(nullok(fx, "a", NULL));
}

static void
test_include_substack(void **state)
{
	struct fixture *fx = *state;
	long line;

	put(fx, "dovecot",
	    "auth include system-auth\n"
	    "account include system-auth\n");
	put(fx, "system-auth",
	    "auth substack system-login-base\n");
	put(fx, "system-login-base",
	    "\n"
	    "auth [success=1 default=bad] /usr/lib/security/pam_unix.so \\\n"
	    "     try_first_pass nullok\n");
	assert_true(nullok(fx, "dovecot", &line));
	assert_int_equal(line, 2);
	/* "account include" does not bring in auth lines it has not. */
	put(fx, "imap", "account include system-login-base\n");
	assert_false(nullok(fx, "imap", NULL));
}

static void
test_debian_at_include(void **state)
{
	struct fixture *fx = *state;

	put(fx, "dovecot", "#%PAM-1.0\n@include common-auth\n"
	    "@include common-account\n");
	put(fx, "common-auth",
	    "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
	    "auth\trequisite\t\t\tpam_deny.so\n");
	assert_true(nullok(fx, "dovecot", NULL));
	put(fx, "common-auth",
	    "auth\t[success=1 default=ignore]\tpam_unix.so\n");
	assert_false(nullok(fx, "dovecot", NULL));
}

static void
test_include_loop(void **state)
{
	struct fixture *fx = *state;
	struct am_pam_hit hit;
	struct am_error err;

	put(fx, "a", "auth include b\n");
	put(fx, "b", "auth include a\n");
	am_error_clear(&err);
	assert_int_equal(am_pam_find_nullok(fx->dir, "a", &hit, &err), -1);
	assert_int_equal(err.code, AM_E_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_direct, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_not_nullok, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_substack,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_debian_at_include,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include_loop, setup_dir,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
