/*
 * Unit tests for am_host: ROOT joins (absolute paths under the root,
 * relative ones as given, "/" and NULL roots), archmail.conf paths under
 * the root, the callbacks (NULL ones ignored), Postfix's configuration
 * directory ($MAIL_CONFIG, an option, the root's), and main.cf's settings
 * with Postfix's defaults when main.cf is missing.
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

#include "am_conf.h"
#include "am_host.h"
#include "unit_helpers.h"

static void
assert_join(const char *root, const char *path, const char *want)
{
	char *got = am_root_join(root, path);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_root_join(void **state)
{
	(void)state;
	assert_join(NULL, "/etc/passwd", "/etc/passwd");
	assert_join("/", "/etc/passwd", "/etc/passwd");
	assert_join("/srv/r", "/etc/passwd", "/srv/r/etc/passwd");
	assert_join("/srv/r//", "/etc/passwd", "/srv/r/etc/passwd");
	assert_join("rel", "/etc/x", "rel/etc/x");
	/* A relative path names a file from the working directory. */
	assert_join("/srv/r", "users", "users");
	assert_join("/srv/r", "./x/y", "./x/y");
}

struct notes {
	int warnings, notes, guards, created, gone;
	char last[2400];
};

static void
on_warn(void *ctx, const struct am_error *w)
{
	struct notes *n = ctx;

	n->warnings++;
	snprintf(n->last, sizeof(n->last), "%s:%ld:%s", w->file, w->line,
	    w->message);
}

static void
on_note(void *ctx, const char *what, const char *path)
{
	struct notes *n = ctx;

	n->notes++;
	snprintf(n->last, sizeof(n->last), "%s %s", what, path);
}

static void
on_guard(void *ctx)
{
	((struct notes *)ctx)->guards++;
}

static void
on_created(void *ctx, const char *path)
{
	(void)path;
	((struct notes *)ctx)->created++;
}

static void
on_gone(void *ctx)
{
	((struct notes *)ctx)->gone++;
}

static void
test_callbacks(void **state)
{
	struct am_host h = AM_HOST_INIT;
	struct notes n;

	(void)state;
	/* No callbacks: nothing happens, nothing crashes. */
	am_host_warnf(&h, "f", 3, "x %d", 1);
	am_host_note(&h, "read", "/x");
	am_host_temp_guard(&h);
	am_host_temp_created(&h, "/x.tmp");
	am_host_temp_gone(&h);

	memset(&n, 0, sizeof(n));
	h.warn = on_warn;
	h.note = on_note;
	h.temp_guard = on_guard;
	h.temp_created = on_created;
	h.temp_gone = on_gone;
	h.ctx = &n;
	am_host_warnf(&h, "main.cf", 7, "bad %s", "thing");
	assert_int_equal(n.warnings, 1);
	assert_string_equal(n.last, "main.cf:7:bad thing");
	am_host_note(&h, "locked", "/r/etc/passwd.lock");
	assert_string_equal(n.last, "locked /r/etc/passwd.lock");
	am_host_temp_guard(&h);
	am_host_temp_created(&h, "/x.tmp");
	am_host_temp_gone(&h);
	assert_int_equal(n.guards + n.created + n.gone, 3);
}

static void
test_postfix_settings(void **state)
{
	struct am_host h = AM_HOST_INIT;
	struct am_postfix_settings ps;
	struct am_conf conf;
	struct am_error err;
	char root[128], p[300], *dir;
	static const char main_cf[] = "smtputf8_enable = no\n"
	    "myhostname = mx.example.org\n"
	    "default_database_type = lmdb\n";

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_conf_init(&conf, &err), 0);
	assert_int_equal(unit_tmpdir_create(root, sizeof(root), "host"), 0);
	h.root = root;
	h.conf = &conf;
	unsetenv("MAIL_CONFIG");

	dir = am_host_postfix_dir(&h, NULL);
	snprintf(p, sizeof(p), "%s/etc/postfix", root);
	assert_string_equal(dir, p);
	free(dir);
	dir = am_host_postfix_dir(&h, "/opt/pf");
	assert_string_equal(dir, "/opt/pf");
	free(dir);
	setenv("MAIL_CONFIG", "/env/pf", 1);
	dir = am_host_postfix_dir(&h, NULL);
	assert_string_equal(dir, "/env/pf");
	free(dir);
	unsetenv("MAIL_CONFIG");
	dir = am_host_conf_path(&h, AM_CONF_USERS_MAP);
	snprintf(p, sizeof(p), "%s/etc/postfix/users", root);
	assert_string_equal(dir, p);
	free(dir);

	/* No main.cf: Postfix's defaults (compatibility_level 0: no SMTPUTF8) */
	assert_int_equal(am_postfix_settings_load(&ps, &h, NULL, &err), 0);
	assert_false(ps.utf8);
	assert_string_equal(ps.default_type, "lmdb");
	am_postfix_settings_free(&ps);

	snprintf(p, sizeof(p), "%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/postfix", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/postfix/main.cf", root);
	assert_int_equal(unit_write_file(p, main_cf, sizeof(main_cf) - 1,
	    0644), 0);
	assert_int_equal(am_postfix_settings_load(&ps, &h, NULL, &err), 0);
	assert_false(ps.utf8);
	assert_string_equal(ps.myhostname, "mx.example.org");
	am_postfix_settings_free(&ps);

	/* An unreadable main.cf (a directory) is an error, not defaults. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(am_postfix_settings_load(&ps, &h, NULL, &err), -1);
	unit_tmpdir_remove(root);
	am_conf_free(&conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_join),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_postfix_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
