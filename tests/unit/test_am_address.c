/*
 * Unit tests for am_address: what may go into a users or aliases file.
 * Every refused value is one that would break or inject a record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/*
 * The domain part of an address: the accept set the users and alias
 * commands have always had (labels of letters, digits, '-' and UTF-8,
 * one label allowed, all-digit labels allowed), now checked by
 * am_dnsname_check.
 */
static void
test_domains(void **state)
{
	static const char *const good[] = {
		"archlinux.org", "a", "localhost", "a-b.c-d.example",
		"xn--bcher-kva.example", "b\xc3\xbc\x63her.example",
		"\xe4\xbe\x8b\xe3\x81\x88.jp", "10.0.0.1", "123",
		"A.B.ORG", "1a.2b",
	};
	static const char *const bad[] = {
		"", ".", "a..b", ".a", "a.", "-a.org", "a-.org", "a.-b",
		"a_b.org", "a b.org", "a\tb", "a;b", "a,b", "a:b", "a@b",
		"a/b", "a\"b", "[1.2.3.4]", "a\xff.org", "\xc3.org",
		"\xed\xa0\x80.org", "a\x7f.org", "a\nb.org",
	};
	struct am_error err;
	char name[300], a[310];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(a, sizeof(a), "x@%s", good[i]);
		if (addr(a, AM_ADDR_LOCAL_REQUIRED) != 0)
			fail_msg("refused: %s", a);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(a, sizeof(a), "x@%s", bad[i]);
		if (addr(a, AM_ADDR_LOCAL_REQUIRED) == 0)
			fail_msg("accepted: %s", a);
	}
	/* Labels up to 63 octets, names up to 253 (UTF-8 counts octets). */
	memset(name, 'a', 63);
	strcpy(name + 63, ".org");
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".org");
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), -1);
	memset(name, 0, sizeof(name));
	for (i = 0; i < 253; i += 2)
		memcpy(name + i, i + 1 < 253 ? "a." : "a", i + 1 < 253 ? 2 : 1);
	name[253] = '\0';
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), 0);
	name[253] = 'b';	/* last label "ab": 254 octets */
	name[254] = '\0';
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), -1);
	/* 31 two-octet letters make a 62-octet label; 32 make 64. */
	for (i = 0; i < 32; i++)
		memcpy(name + 2 * i, "\xc3\xbc", 2);
	strcpy(name + 62, ".org");
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), 0);
	memcpy(name + 62, "\xc3\xbc", 2);
	strcpy(name + 64, ".org");
	snprintf(a, sizeof(a), "x@%s", name);
	assert_int_equal(addr(a, AM_ADDR_LOCAL_REQUIRED), -1);
	am_error_clear(&err);
	assert_int_equal(am_address_check("x@a_b.org", AM_ADDR_LOCAL_REQUIRED,
	    "address", &err), -1);
	assert_non_null(strstr(err.message, "a_b.org"));
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
	/* am_acct_name_check's rule (shadow-utils' default), which
	 * test_am_acct tests in full. */
	static const char *const good[] = {
		"alice", "_svc", "a-b_c", "machine$", "a1",
		"abcdefghijklmnopqrstuvwxyzabcdef",
	};
	static const char *const bad[] = {
		"", "-alice", "1alice", "al ice", "al:ice", "al\nice",
		"a$b", "alice@x", "a,b", ".alice", "a.b", "Alice", "aLice",
		"abcdefghijklmnopqrstuvwxyzabcdefg", "j\xc3\xb6rg",
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
