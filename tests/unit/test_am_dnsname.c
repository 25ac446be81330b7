/*
 * Unit tests for am_dnsname: DKIM selectors and domains (RFC 6376 §3.1),
 * label and name lengths, and every character that must not get into a
 * zone file (underscore, spaces, ';', quotes, newlines, non-ASCII).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "am_dnsname.h"

static int
check(const char *name, unsigned int flags, struct am_error *err)
{
	am_error_clear(err);
	return am_dnsname_check(name, "selector", flags, err);
}

static void
valid(const char *name, unsigned int flags)
{
	struct am_error err;

	if (check(name, flags, &err) != 0)
		fail_msg("\"%s\" refused: %s", name, err.message);
	assert_int_equal(err.code, AM_OK);
}

/* Refused with AM_E_INVALID and a message containing text. */
static void
invalid(const char *name, unsigned int flags, const char *text)
{
	struct am_error err;

	if (check(name, flags, &err) != -1)
		fail_msg("\"%s\" accepted", name);
	assert_int_equal(err.code, AM_E_INVALID);
	if (strstr(err.message, text) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", name,
		    err.message, text);
}

static void
test_selectors(void **state)
{
	(void)state;
	valid("dkim-rsa", 0);
	valid("dkim-ed25519", 0);
	valid("mail", 0);
	valid("a", 0);
	valid("2024", 0);
	valid("s1.2024q1", 0);	/* dots make more labels: allowed */
	valid("X-Y-Z", 0);
	valid("xn--bcher-kva", 0);
}

static void
test_bad_characters(void **state)
{
	(void)state;
	invalid("dkim_rsa", 0, "\"_\" is not allowed");
	invalid("dkim rsa", 0, "a space is not allowed");
	invalid("dkim;rsa", 0, "\";\" is not allowed");
	invalid("a\"b", 0, "\"\"\" is not allowed");
	invalid("a\nb", 0, "byte \\x0a");
	invalid("a\tb", 0, "byte \\x09");
	invalid("a/b", 0, "\"/\"");
	invalid("a@b", 0, "\"@\"");
	invalid("a:b", 0, "\":\"");
	invalid("b\xc3\xbc" "cher", 0, "A-label");
	/* A newline never reaches the message as such. */
	{
		struct am_error err;

		check("x\ny", 0, &err);
		assert_null(strchr(err.message, '\n'));
	}
}

static void
test_hyphens_and_dots(void **state)
{
	(void)state;
	invalid("-dkim", 0, "hyphen");
	invalid("dkim-", 0, "hyphen");
	invalid("a.-b", 0, "hyphen");
	invalid(".dkim", 0, "empty label");
	invalid("dkim.", 0, "empty label");
	invalid("a..b", 0, "empty label");
	invalid("", 0, "empty");
	invalid(".", 0, "empty label");
}

static void
test_lengths(void **state)
{
	char label63[64], label64[65], name[300];
	size_t i;

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	valid(label63, 0);
	invalid(label64, 0, "64 octets long, more than 63");
	snprintf(name, sizeof(name), "x.%s", label64);
	invalid(name, 0, "label 2 is 64 octets");

	/* 253 octets: four labels of 63 and dots, minus one. */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label63, label63,
	    label63, label63);
	assert_int_equal(strlen(name), 253);
	valid(name, 0);
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", label63, label63,
	    label63, label63);
	invalid(name, 0, "254 octets long, more than 253");
	/* Many one-octet labels. */
	for (i = 0; i < 127; i++) {
		name[2 * i] = 'a';
		name[2 * i + 1] = '.';
	}
	name[253] = '\0';
	valid(name, 0);
}

static void
test_domains(void **state)
{
	unsigned int d = AM_DNSNAME_DOMAIN | AM_DNSNAME_TRAILING_DOT;

	(void)state;
	valid("archlinux.org", d);
	valid("lists.archlinux.org", d);
	valid("archlinux.org.", d);
	valid("ARCHLINUX.ORG", d);
	invalid("archlinux.org.", AM_DNSNAME_DOMAIN, "empty label");
	invalid("archlinux.org..", d, "empty label");
	invalid("localhost", d, "at least two labels");
	invalid("192.168.1.1", d, "all digits");
	invalid("arch_linux.org", d, "\"_\"");
	invalid("archlinux.org;rm", d, "\";\"");
	invalid("archlinux .org", d, "a space");
	invalid("", d, "empty");
	valid("_domainkey.archlinux.org", AM_DNSNAME_UNDERSCORE | d);
}

static void
test_dkim_name(void **state)
{
	char sel[64], dom[300];
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_dnsname_check_dkim("dkim-rsa", "archlinux.org",
	    &err), 0);
	/* selector + "._domainkey." (12) + domain must be <= 253 */
	memset(sel, 's', 63);
	sel[63] = '\0';
	memset(dom, 'd', 178);
	memcpy(dom + 178, ".org", 5);	/* 182 octets */
	assert_int_equal(63 + 12 + strlen(dom), 257);
	assert_int_equal(am_dnsname_check_dkim(sel, dom, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "257 octets"));
	dom[174] = '\0';
	memcpy(dom + 174, ".org", 5);	/* 178: exactly 253 in all */
	assert_int_equal(am_dnsname_check_dkim(sel, dom, &err), 0);
	/* A final dot does not count. */
	strcat(dom, ".");
	assert_int_equal(am_dnsname_check_dkim(sel, dom, &err), 0);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(am_dnsname_equal("A.Example.ORG", 13, "a.example.org.",
	    14));
	assert_true(am_dnsname_equal("x.", 2, "X", 1));
	assert_false(am_dnsname_equal("a.example.org", 13, "b.example.org",
	    13));
	assert_false(am_dnsname_equal("example.org", 11, "example.or", 10));
}

static void
test_utf8_labels(void **state)
{
	(void)state;
	valid("b\xc3\xbc" "cher.example", AM_DNSNAME_UTF8);
	valid("\xe4\xbe\x8b.jp", AM_DNSNAME_UTF8);
	invalid("b\xc3\xbc" "cher.example", 0, "A-label");
	invalid("b\xc3" "cher.example", AM_DNSNAME_UTF8, "invalid UTF-8");
	invalid("\xed\xa0\x80.org", AM_DNSNAME_UTF8, "invalid UTF-8");
	invalid("a\xff.org", AM_DNSNAME_UTF8, "invalid UTF-8");
	invalid("b\xc3\xbc_x.example", AM_DNSNAME_UTF8, "\"_\"");
}

static int
within(const char *host, const char *list, const char *text)
{
	struct am_error err;
	int rc;

	am_error_clear(&err);
	rc = am_dnsname_within(host, list, &err);
	if (rc == 0) {
		assert_int_equal(err.code, AM_OK);
		return 0;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, AM_E_INVALID);
	if (text != NULL && strstr(err.message, text) == NULL)
		fail_msg("\"%s\" in \"%s\": message \"%s\" lacks \"%s\"",
		    host, list, err.message, text);
	return -1;
}

static void
test_within(void **state)
{
	static const char *const list =
	    "archlinux.org, archlinux.de\tpkgbuild.com";

	(void)state;
	assert_int_equal(within("foobar.archlinux.org", list, NULL), 0);
	assert_int_equal(within("a.b.archlinux.de", list, NULL), 0);
	assert_int_equal(within("FooBar.ArchLinux.ORG", list, NULL), 0);
	assert_int_equal(within("x.pkgbuild.com", list, NULL), 0);
	assert_int_equal(within("archlinux.org", list, NULL), 0);
	assert_int_equal(within("x.archlinux.org", "archlinux.org.", NULL),
	    0);
	assert_int_equal(within("x.archlinux.org", "ARCHLINUX.org", NULL), 0);
	/* outside: a suffix that is not at a label boundary, others */
	assert_int_equal(within("evilarchlinux.org", list,
	    "not within a configured domain (archlinux.org"), -1);
	assert_int_equal(within("archlinux.org.evil.com", list, "not within"),
	    -1);
	assert_int_equal(within("linux.org", list, "not within"), -1);
	assert_int_equal(within("org", "org", "two labels"), -1);
	assert_int_equal(within("x.archlinux.org", "", "no domains"), -1);
	assert_int_equal(within("x.archlinux.org", " , ", "no domains"), -1);
	/* the host must be a host name with a dot */
	assert_int_equal(within("foobar", list, "two labels"), -1);
	assert_int_equal(within("foo_bar.archlinux.org", list, "\"_\""), -1);
	assert_int_equal(within("x.archlinux.org.", list, "empty label"), -1);
	assert_int_equal(within("foo bar.archlinux.org", list, "space"), -1);
	assert_int_equal(within("a\nb.archlinux.org", list, "\\x0a"), -1);
	assert_int_equal(within("10.0.0.1", "0.1", "all digits"), -1);
	assert_int_equal(within("", list, "empty"), -1);
	assert_int_equal(within("b\xc3\xbc" "cher.archlinux.org", list,
	    "A-label"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_hyphens_and_dots),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_dkim_name),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_utf8_labels),
		cmocka_unit_test(test_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
