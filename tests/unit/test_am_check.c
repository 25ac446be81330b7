/*
 * Unit tests for lib/check: the fixing commands (quoting, --root), the
 * report, and the users/aliases area on a small root: which service desk
 * addresses are GitLab's form, which local names are known, which keys
 * are duplicates (the later line).
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

#include "am_check.h"
#include "am_check_fix.h"
#include "am_conf.h"
#include "am_host.h"

static void
test_quote(void **state)
{
	struct am_buf b = AM_BUF_INIT;

	(void)state;
	assert_int_equal(am_check_quote(&b, "/etc/postfix/users"), 0);
	assert_string_equal(b.data, "/etc/postfix/users");
	am_buf_free(&b);
	assert_int_equal(am_check_quote(&b, "/srv/my root/it's"), 0);
	assert_string_equal(b.data, "'/srv/my root/it'\\''s'");
	am_buf_free(&b);
	assert_int_equal(am_check_quote(&b, ""), 0);
	assert_string_equal(b.data, "''");
	am_buf_free(&b);
	assert_int_equal(am_check_quote(&b, "a;rm -rf /"), 0);
	assert_string_equal(b.data, "'a;rm -rf /'");
	am_buf_free(&b);
}

static void
test_archmail_command(void **state)
{
	struct am_host h = AM_HOST_INIT;
	char *s;

	(void)state;
	s = am_check_archmail(&h, "postmap lmdb:%Q", "/etc/postfix/users");
	assert_string_equal(s, "archmail postmap lmdb:/etc/postfix/users");
	free(s);
	h.root = "/";
	s = am_check_archmail(&h, "%s x", "postalias");
	assert_string_equal(s, "archmail postalias x");
	free(s);
	h.root = "/srv/a b";
	s = am_check_archmail(&h, "postmap lmdb:%Q", "/srv/a b/users");
	assert_string_equal(s, "archmail --root '/srv/a b' postmap "
	    "lmdb:'/srv/a b/users'");
	free(s);
	s = am_check_shell("chmod go-w %Q", "/h/x y");
	assert_string_equal(s, "chmod go-w '/h/x y'");
	free(s);
}

static void
test_report(void **state)
{
	struct am_check_report r = { NULL, 0, 0 };
	struct am_error err;
	int i;

	(void)state;
	am_error_clear(&err);
	for (i = 0; i < 40; i++)
		assert_int_equal(am_check_add(&r, "users", "duplicate-key",
		    AM_CHECK_WARNING, i % 2 ? "/f" : NULL, i, i % 3 ? NULL :
		    "fix", &err, "finding %d", i), 0);
	assert_int_equal(r.count, 40);
	assert_string_equal(r.finding[7].message, "finding 7");
	assert_null(r.finding[8].file);
	assert_string_equal(r.finding[9].file, "/f");
	assert_null(r.finding[1].fix);
	assert_string_equal(r.finding[3].fix, "fix");
	assert_string_equal(am_check_severity_name(AM_CHECK_ERROR), "error");
	assert_non_null(am_check_area_find("forwards"));
	assert_null(am_check_area_find("nosuch"));
	am_check_report_free(&r);
	assert_int_equal(r.count, 0);
}

static void
write_file(const char *root, const char *name, const char *text)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* The lines of the findings of code, "12 13". */
static void
lines_of(const struct am_check_report *r, const char *code, char *out,
    size_t size)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < r->count; i++)
		if (strcmp(r->finding[i].code, code) == 0)
			len += (size_t)snprintf(out + len, size - len, "%s%ld",
			    len ? " " : "", r->finding[i].line);
}

static void
test_aliases_area(void **state)
{
	char root[] = "/tmp/test_am_check.XXXXXX", dir[4096], got[256];
	struct am_host h = AM_HOST_INIT;
	struct am_check_report r = { NULL, 0, 0 };
	struct am_conf conf;
	struct am_error err;
	char cmd[4200];

	(void)state;
	am_error_clear(&err);
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/etc/postfix", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	write_file(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n"
	    "alice:x:1000:1000::/home/alice:/bin/sh\n");
	write_file(root, "etc/postfix/aliases",
	    "# aliases\n"
	    "ok1: gitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org\n"
	    "ok2: GitLab+a.b-c_d-1-issue-@ArchLinux.org, alice, \\root\n"
	    "bad1: gitlab+archlinux-legal-0-issue-@archlinux.org\n"
	    "bad2: gitlab+archlinux-legal-12-issue@archlinux.org\n"
	    "bad3: gitlab+legal-12-issue-@example.org\n"
	    "bad4: gitlab+-12-issue-@archlinux.org\n"
	    "bad5: gitlab+legal-x-issue-@archlinux.org\n"
	    "bad6: gitlab+le$gal-p-12-issue-@archlinux.org\n"
	    "other: gitlabx+foo@archlinux.org, ok1, Alice\n"
	    "unk: nobody, \"|/bin/cmd arg\", /dev/null, :include:/x\n"
	    "OK1: root\n");
	assert_int_equal(am_conf_init(&conf, &err), 0);
	h.root = root;
	h.conf = &conf;
	assert_int_equal(am_check_aliases(&h, NULL, &r, &err), 0);
	lines_of(&r, "servicedesk-malformed", got, sizeof(got));
	assert_string_equal(got, "4 5 6 7 8 9");
	lines_of(&r, "unknown-local", got, sizeof(got));
	assert_string_equal(got, "11");
	lines_of(&r, "duplicate-key", got, sizeof(got));
	assert_string_equal(got, "12");
	assert_int_equal(r.count, 8);
	am_check_report_free(&r);
	am_conf_free(&conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_archmail_command),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_aliases_area),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
