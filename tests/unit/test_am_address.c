/*
 * Unit tests for am_address: what may go into a users or aliases file.
 * Every refused value is one that would break or inject a record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "am_address.h"

static int
addr(const char *a, enum am_addr_form form)
{
	struct am_error err;

	am_error_clear(&err);
	if (am_address_check(a, form, "address", &err) == 0)
		return 0;
	assert_int_equal(err.code, AM_E_INVALID);
	assert_true(strlen(err.message) > 0);
	return -1;
}

static void
test_addresses(void **state)
{
	static const char *const good[] = {
		"alice@archlinux.org", "first.last@archlinux.org",
		"a+tag@sub.archlinux.org", "x_y-z@a-b.example",
		"gitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org",
		"jörg@archlinux.org", "o'neil@example.com",
	};
	static const char *const bad[] = {
		"", "alice", "@", "alice@", "alice@archlinux..org",
		"alice@-archlinux.org", "alice@archlinux-.org",
		"alice smith@archlinux.org", "alice@arch linux.org",
		"alice\n@archlinux.org", "alice@archlinux.org\n",
		"alice\r@archlinux.org", "alice\t@archlinux.org",
		" alice@archlinux.org", "#alice@archlinux.org",
		"alice:@archlinux.org", "a,b@archlinux.org",
		"\"a b\"@archlinux.org", "a\\b@archlinux.org",
		".alice@archlinux.org", "alice.@archlinux.org",
		"al..ice@archlinux.org", "alice@archlinux.org:",
		"alice@arch_linux.org", "a\xff@archlinux.org",
		"alice@.archlinux.org", "alice@archlinux.org.",
		"@archlinux.org",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (addr(good[i], AM_ADDR_LOCAL_REQUIRED) != 0)
			fail_msg("refused: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr(bad[i], AM_ADDR_LOCAL_REQUIRED) == 0)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(addr("@archlinux.org", AM_ADDR_CATCHALL_OK), 0);
	assert_int_equal(addr("@", AM_ADDR_CATCHALL_OK), -1);
	assert_int_equal(addr("a@b@c.org", AM_ADDR_CATCHALL_OK), -1);
}

static void
test_domains(void **state)
{
	struct am_error err;
	char long_label[80];

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_domain_check("archlinux.org", &err), 0);
	assert_int_equal(am_domain_check("a", &err), 0);
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".org");
	assert_int_equal(am_domain_check(long_label, &err), -1);
	assert_string_equal(am_address_domain("a@b.org"), "b.org");
	assert_null(am_address_domain("ab.org"));
	assert_true(am_domain_in_list("ArchLinux.org", "archlinux.org"));
	assert_true(am_domain_in_list("aur.archlinux.org",
	    "archlinux.org, aur.archlinux.org"));
	assert_true(am_domain_in_list("b.org", "a.org b.org"));
	assert_false(am_domain_in_list("linux.org", "archlinux.org"));
	assert_false(am_domain_in_list("archlinux.or", "archlinux.org"));
	assert_false(am_domain_in_list("x.org", ""));
}

static void
test_logins(void **state)
{
	static const char *const good[] = {
		"alice", "_svc", "a.b", "a-b_c", "machine$", "Alice",
	};
	static const char *const bad[] = {
		"", "-alice", "1alice", "al ice", "al:ice", "al\nice",
		"a$b", "alice@x", "a,b", ".alice",
		"abcdefghijklmnopqrstuvwxyzabcdefg",
	};
	struct am_error err;
	size_t i;

	(void)state;
	am_error_clear(&err);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (am_login_check(good[i], &err) != 0)
			fail_msg("refused: %s (%s)", good[i], err.message);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (am_login_check(bad[i], &err) == 0)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_alias_names(void **state)
{
	static const char *const good[] = {
		"postmaster", "MAILER-DAEMON", "ftp-bugs", "a.b", "x+y",
		"privacy",
	};
	static const char *const bad[] = {
		"", "a:b", "a@b", "a b", "a\tb", "a\nb", "#a", "a,b",
		"\"a\"", "a\\b", "|cmd", "/file", ".a", " a", "a\r",
	};
	struct am_error err;
	size_t i;

	(void)state;
	am_error_clear(&err);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (am_alias_name_check(good[i], &err) != 0)
			fail_msg("refused: %s (%s)", good[i], err.message);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (am_alias_name_check(bad[i], &err) == 0)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_alias_values(void **state)
{
	struct am_error err;
	bool special;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_alias_value_check("root", &special, &err), 0);
	assert_false(special);
	assert_int_equal(am_alias_value_check("root@archlinux.org", &special,
	    &err), 0);
	assert_false(special);
	assert_int_equal(am_alias_value_check("/dev/null", &special, &err),
	    0);
	assert_true(special);
	assert_int_equal(am_alias_value_check("|/usr/bin/procmail", &special,
	    &err), 0);
	assert_true(special);
	assert_int_equal(am_alias_value_check(":include:/etc/list",
	    &special, &err), 0);
	assert_true(special);
	assert_int_equal(am_alias_value_check(":include:list", &special,
	    &err), -1);
	assert_int_equal(am_alias_value_check("|cmd arg", &special, &err),
	    -1);
	assert_int_equal(am_alias_value_check("/a,b", &special, &err), -1);
	assert_int_equal(am_alias_value_check("a b@x.org", &special, &err),
	    -1);
	assert_int_equal(am_alias_value_check("root\n", &special, &err), -1);
	assert_int_equal(am_alias_value_check("", &special, &err), -1);
	assert_int_equal(am_alias_value_check("a:b", &special, &err), -1);
}

static void
test_gitlab_paths(void **state)
{
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_gitlab_path_check("archlinux/legal", false,
	    "group", &err), 0);
	assert_int_equal(am_gitlab_path_check("archlinux", false, "group",
	    &err), 0);
	assert_int_equal(am_gitlab_path_check("privacy-requests", true,
	    "project", &err), 0);
	assert_int_equal(am_gitlab_path_check("a_b.c-d", true, "project",
	    &err), 0);
	assert_int_equal(am_gitlab_path_check("a/b", true, "project", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a//b", false, "group", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("/a", false, "group", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a/", false, "group", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a/../b", false, "group",
	    &err), -1);
	assert_int_equal(am_gitlab_path_check("-a", false, "group", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a.", true, "project", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a b", true, "project", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("a@b", true, "project", &err),
	    -1);
	assert_int_equal(am_gitlab_path_check("", true, "project", &err),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_logins),
		cmocka_unit_test(test_alias_names),
		cmocka_unit_test(test_alias_values),
		cmocka_unit_test(test_gitlab_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
