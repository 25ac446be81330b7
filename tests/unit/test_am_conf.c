/*
 * Unit tests for am_conf: archmail.conf (defaults, overrides, unknown names
 * with file and line, missing file) and main.cf (Postfix's defaults,
 * $name / ${name} / $(name) expansion, last assignment wins, continuation
 * lines).
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

#include "am_buf.h"
#include "am_conf.h"
#include "unit_helpers.h"

struct cf {
	char dir[128];
	char path[256];		/* archmail.conf */
	char maincf[256];	/* DIR/main.cf */
	struct am_conf conf;
	struct am_postconf pc;
	struct am_error err;
};

static int
setup_cf(void **state)
{
	struct cf *cf = calloc(1, sizeof(*cf));

	if (cf == NULL)
		return -1;
	if (unit_tmpdir_create(cf->dir, sizeof(cf->dir), "conf") < 0) {
		free(cf);
		return -1;
	}
	unit_path(cf->path, sizeof(cf->path), cf->dir, "archmail.conf");
	unit_path(cf->maincf, sizeof(cf->maincf), cf->dir, "main.cf");
	am_error_clear(&cf->err);
	*state = cf;
	return 0;
}

static int
teardown_cf(void **state)
{
	struct cf *cf = *state;

	am_conf_free(&cf->conf);
	am_postconf_free(&cf->pc);
	unit_tmpdir_remove(cf->dir);
	free(cf);
	return 0;
}

static void
write_text(const char *path, const char *text)
{
	assert_int_equal(unit_write_file(path, text, strlen(text), 0644), 0);
}

/* ---- archmail.conf ---- */

static void
test_defaults(void **state)
{
	struct cf *cf = *state;
	int i, j;

	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_POSTFIX_CONFIG_DIR),
	    "/etc/postfix");
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_USERS_MAP),
	    "/etc/postfix/users");
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_ALIASES_MAP),
	    "/etc/postfix/aliases");
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_DOMAIN),
	    "archlinux.org");
	/* domains defaults to domain */
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_DOMAINS),
	    "archlinux.org");
	for (i = 0; i < AM_CONF_COUNT; i++) {
		const char *name = am_conf_name((enum am_conf_key)i);

		assert_non_null(name);
		assert_false(cf->conf.set[i]);
		assert_non_null(am_conf_get(&cf->conf, (enum am_conf_key)i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(name,
			    am_conf_name((enum am_conf_key)j));
	}
	assert_string_equal(am_conf_name(AM_CONF_USERS_MAP), "users_map");
	assert_string_equal(am_conf_name(AM_CONF_PASSWORD_SCHEME),
	    "password_scheme");
}

static void
test_file_overrides(void **state)
{
	struct cf *cf = *state;

	write_text(cf->path, "# archmail.conf\n"
	    "users_map = /srv/postfix/users\n"
	    "\n"
	    "domain=example.org   \n"
	    "   # indented comment\n"
	    "relay_home = /home/%h dir\t\n"
	    "password_cost = 7\n");
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_int_equal(am_conf_load(&cf->conf, cf->path, false, &cf->err),
	    0);
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_USERS_MAP),
	    "/srv/postfix/users");
	assert_true(cf->conf.set[AM_CONF_USERS_MAP]);
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_DOMAIN),
	    "example.org");
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_RELAY_HOME),
	    "/home/%h dir");
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_PASSWORD_COST),
	    "7");
	/* untouched names keep their defaults */
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_ALIASES_MAP),
	    "/etc/postfix/aliases");
	assert_false(cf->conf.set[AM_CONF_ALIASES_MAP]);
	/* domains follows the configured domain */
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_DOMAINS),
	    "example.org");
}

static void
test_domains_set_explicitly(void **state)
{
	struct cf *cf = *state;

	write_text(cf->path, "domains = a.example b.example\n"
	    "domain = a.example\n");
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_int_equal(am_conf_load(&cf->conf, cf->path, false, &cf->err),
	    0);
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_DOMAINS),
	    "a.example b.example");
}

static void
test_unknown_name(void **state)
{
	struct cf *cf = *state;
	char buf[2048], expect[1024];

	write_text(cf->path, "users_map = /x\n# c\n\nbogus_setting = 1\n");
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_int_equal(am_conf_load(&cf->conf, cf->path, false, &cf->err),
	    -1);
	assert_int_equal(cf->err.code, AM_E_CONFIG);
	assert_string_equal(cf->err.file, cf->path);
	assert_int_equal(cf->err.line, 4);
	assert_non_null(strstr(cf->err.message, "bogus_setting"));
	snprintf(expect, sizeof(expect), "%s, line 4: ", cf->path);
	am_error_format(&cf->err, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, expect, strlen(expect)), 0);
}

static void
test_line_without_equals(void **state)
{
	struct cf *cf = *state;

	write_text(cf->path, "domain = x\nusers_map\n");
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_int_equal(am_conf_load(&cf->conf, cf->path, false, &cf->err),
	    -1);
	assert_int_equal(cf->err.code, AM_E_CONFIG);
	assert_string_equal(cf->err.file, cf->path);
	assert_int_equal(cf->err.line, 2);
}

static void
test_missing_file(void **state)
{
	struct cf *cf = *state;
	char nosuch[300];

	unit_path(nosuch, sizeof(nosuch), cf->dir, "nosuch.conf");
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	/* the default path may be absent: defaults, no error */
	assert_int_equal(am_conf_load(&cf->conf, nosuch, true, &cf->err), 0);
	assert_int_equal(cf->err.code, AM_OK);
	assert_string_equal(am_conf_get(&cf->conf, AM_CONF_USERS_MAP),
	    "/etc/postfix/users");
	/* a path given explicitly must exist */
	assert_int_equal(am_conf_load(&cf->conf, nosuch, false, &cf->err), -1);
	assert_int_not_equal(cf->err.code, AM_OK);
	assert_non_null(strstr(cf->err.message, nosuch));
}

static void
test_unreadable_is_error_even_if_missing_ok(void **state)
{
	struct cf *cf = *state;

	/* a directory where the file should be is not "missing" */
	assert_int_equal(mkdir(cf->path, 0755), 0);
	assert_int_equal(am_conf_init(&cf->conf, &cf->err), 0);
	assert_int_equal(am_conf_load(&cf->conf, cf->path, true, &cf->err),
	    -1);
	assert_int_not_equal(cf->err.code, AM_OK);
}

/* ---- main.cf ---- */

static char *
get(struct cf *cf, const char *name)
{
	return am_postconf_get(&cf->pc, name);
}

static void
expect_param(struct cf *cf, const char *name, const char *value)
{
	char *v = get(cf, name);

	if (v == NULL)
		fail_msg("%s: no value", name);
	if (strcmp(v, value) != 0)
		fail_msg("%s = \"%s\", expected \"%s\"", name, v, value);
	free(v);
}

static void
expect_bool(struct cf *cf, const char *name, bool want)
{
	bool got = !want;

	am_error_clear(&cf->err);
	if (am_postconf_bool(&cf->pc, name, &got, &cf->err) < 0)
		fail_msg("%s: %s", name, cf->err.message);
	assert_int_equal(got, want);
}

static void
expect_bad_bool(struct cf *cf, const char *name, long line)
{
	bool got;

	am_error_clear(&cf->err);
	assert_int_equal(am_postconf_bool(&cf->pc, name, &got, &cf->err), -1);
	assert_int_equal(cf->err.code, AM_E_CONFIG);
	assert_string_equal(cf->err.file, cf->maincf);
	assert_int_equal(cf->err.line, line);
	assert_non_null(strstr(cf->err.message, "bad boolean configuration"));
}

/* Load main.cf text: refused, naming line and saying what. */
static void
expect_refused(struct cf *cf, const char *text, long line, const char *what)
{
	am_postconf_free(&cf->pc);
	write_text(cf->maincf, text);
	am_error_clear(&cf->err);
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), -1);
	assert_int_equal(cf->err.code, AM_E_CONFIG);
	assert_string_equal(cf->err.file, cf->maincf);
	assert_int_equal(cf->err.line, line);
	if (strstr(cf->err.message, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", cf->err.message, what);
}

/* Load main.cf text and check one parameter's value. */
static void
expect_eval(struct cf *cf, const char *text, const char *name,
    const char *want)
{
	am_postconf_free(&cf->pc);
	write_text(cf->maincf, text);
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	expect_param(cf, name, want);
}

static void
test_postconf_defaults(void **state)
{
	struct cf *cf = *state;

	/* no main.cf in the directory */
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "mx.example.org",
	    &cf->err), 0);
	assert_false(cf->pc.found);
	expect_param(cf, "default_database_type", "lmdb");
	/* Postfix 3.7: off below compatibility_level 1, which is the default */
	expect_param(cf, "compatibility_level", "0");
	expect_param(cf, "smtputf8_enable", "no");
	expect_bool(cf, "smtputf8_enable", false);
	expect_param(cf, "lmdb_map_size", "16777216");
	expect_param(cf, "myhostname", "mx.example.org");
	expect_param(cf, "mydomain", "example.org");
	expect_param(cf, "alias_database", "lmdb:/etc/aliases");
	assert_null(get(cf, "no_such_parameter"));
	/* a bool without value or default is not a boolean: Postfix's rule */
	expect_bad_bool(cf, "no_such_parameter", 0);
}

static void
test_postconf_short_hostname(void **state)
{
	struct cf *cf = *state;

	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "vm", &cf->err),
	    0);
	expect_param(cf, "mydomain", "localdomain");
	expect_param(cf, "myhostname", "vm.localdomain");
}

static void
test_postconf_expansion(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "compatibility_level = 3.6\n"
	    "mydomain = example.com\n"
	    "myhostname = mail.$mydomain\n"
	    "braces = ${myhostname}\n"
	    "parens = $(mydomain)x\n"
	    "plain = $mydomain.x\n"
	    "virtual_alias_maps = lmdb:$config_directory/virtual\n"
	    "forward = $later\n"
	    "later = defined after use\n"
	    "undefined = a${no_such_thing}b\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "ignored.host",
	    &cf->err), 0);
	assert_true(cf->pc.found);
	expect_param(cf, "myhostname", "mail.example.com");
	expect_param(cf, "braces", "mail.example.com");
	expect_param(cf, "parens", "example.comx");
	expect_param(cf, "plain", "example.com.x");
	expect_param(cf, "virtual_alias_maps", "lmdb:/etc/postfix/virtual");
	/* values are expanded when used, so order does not matter */
	expect_param(cf, "forward", "defined after use");
	expect_param(cf, "undefined", "ab");
	expect_param(cf, "compatibility_level", "3.6");
}

static void
test_postconf_defaults_expand_overrides(void **state)
{
	struct cf *cf = *state;

	/*
	 * alias_database's default names its type, as Debian's
	 * hash:/etc/aliases does: no loop through default_database_type.
	 */
	write_text(cf->maincf, "default_database_type = cdb${alias_database}\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	expect_param(cf, "alias_database", "lmdb:/etc/aliases");
	expect_param(cf, "default_database_type", "cdblmdb:/etc/aliases");
}

static void
test_postconf_last_assignment_wins(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "default_database_type = hash\n"
	    "smtputf8_enable = yes\n"
	    "default_database_type = lmdb\n"
	    "smtputf8_enable = no\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	expect_param(cf, "default_database_type", "lmdb");
	expect_param(cf, "smtputf8_enable", "no");
	expect_bool(cf, "smtputf8_enable", false);
}

static void
test_postconf_bool_through_expansion(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "switch = no\nsmtputf8_enable = $switch\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	expect_bool(cf, "smtputf8_enable", false);
}

static void
test_postconf_continuation_lines(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "# main.cf\n"
	    "alias_database = lmdb:/etc/aliases,\n"
	    "    lmdb:/etc/postfix/more\n"
	    "# a comment does not end it\n"
	    "\tlmdb:/etc/postfix/last\n"
	    "myhostname = mx.example.net\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	/* joined by one space, as postconf -x shows */
	expect_param(cf, "alias_database", "lmdb:/etc/aliases, "
	    "lmdb:/etc/postfix/more lmdb:/etc/postfix/last");
	expect_param(cf, "myhostname", "mx.example.net");
}

static void
test_postconf_whitespace_and_empty(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "  \nname_spaced   =   value with  spaces  \n"
	    "empty =\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	expect_param(cf, "name_spaced", "value with  spaces");
	expect_param(cf, "empty", "");
}

static void
test_postconf_syntax_error(void **state)
{
	struct cf *cf = *state;

	write_text(cf->maincf, "myhostname = x\n\nthis line has no equals\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), -1);
	assert_int_equal(cf->err.code, AM_E_CONFIG);
	assert_string_equal(cf->err.file, cf->maincf);
	assert_int_equal(cf->err.line, 3);
}

static void
test_postconf_expansion_loop_terminates(void **state)
{
	struct cf *cf = *state;
	char *v;

	/* A loop must not hang or overflow the stack. */
	write_text(cf->maincf, "a = x$b\nb = y$a\n");
	assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
	    &cf->err), 0);
	v = get(cf, "a");
	if (v != NULL)
		assert_int_equal(strncmp(v, "xyxy", 4), 0);
	free(v);
}

/*
 * Each level doubles the text (or the comparisons): depth alone allows
 * 2^100 steps.  Found by fuzz_conf; alarm() makes a hang fail the test.
 */
static void
test_postconf_expansion_bomb_terminates(void **state)
{
	struct cf *cf = *state;
	struct am_buf text = AM_BUF_INIT;
	char *v;
	int i, k;

	for (k = 0; k < 2; k++) {
		am_buf_reset(&text);
		/* 45 levels: within the nesting limit of 100. */
		for (i = 0; i < 45; i++)
			assert_int_equal(k == 0 ?
			    am_buf_printf(&text, "p%d = $p%d$p%d\n", i, i + 1,
			    i + 1) :
			    am_buf_printf(&text, "p%d = ${{$p%d} == {$p%d} ? "
			    "{} : {}}\n", i, i + 1, i + 1), 0);
		assert_int_equal(am_buf_adds(&text, "p45 = xxxxxxxx\n"), 0);
		assert_int_equal(am_buf_addc(&text, '\0'), 0);
		am_postconf_free(&cf->pc);
		write_text(cf->maincf, text.data);
		assert_int_equal(am_postconf_load(&cf->pc, cf->dir,
		    "h.example", &cf->err), 0);
		alarm(20);
		assert_int_equal(am_postconf_eval(&cf->pc, "p0", &v,
		    &cf->err), -1);
		alarm(0);
		assert_int_equal(cf->err.code, AM_E_CONFIG);
		assert_non_null(strstr(cf->err.message, "expansion"));
	}
	am_buf_free(&text);
}

static void
test_postconf_conditionals(void **state)
{
	struct cf *cf = *state;

	/* ? is "defined and not empty", : its opposite; defaults count */
	expect_eval(cf, "e =\nv = ${e?{a}:{b}} ${e:x}\n", "v", "b x");
	expect_eval(cf, "v = ${undefined_param:no}\n", "v", "no");
	expect_eval(cf, "v = ${undefined_param?no}\n", "v", "");
	expect_eval(cf, "v = ${compatibility_level?{no}:{yes}}\n", "v", "no");
	expect_eval(cf, "v = ${mydomain?no}\n", "v", "no");
	/* braces keep their text as it is; bare text too */
	expect_eval(cf, "v = x${mydomain?{ a }}|\n", "v", "x a |");
	expect_eval(cf, "v = x${mydomain? a }|\n", "v", "x a |");
	expect_eval(cf, "v = ${ mydomain }\n", "v", "example");
	/* nesting and expansion inside the branches */
	expect_eval(cf, "a = 1\nv = ${a?{${b:{in$a}}}:{out}}\n", "v", "in1");
	expect_eval(cf, "v = $$x $(mydomain)\n", "v", "$x example");
}

static void
test_postconf_comparisons(void **state)
{
	struct cf *cf = *state;

	expect_eval(cf, "v = ${{abc} == {abc} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{ abc } == {abc} ? {a} : {b}}\n", "v", "b");
	expect_eval(cf, "v = ${{abc} != {abc} ? {a} : {b}}\n", "v", "b");
	expect_eval(cf, "v = ${{abc} == {abc} ? {a}}\n", "v", "a");
	expect_eval(cf, "v = ${{abc} == {abd} ? {a}}\n", "v", "");
	/* bare text is kept with its blanks (postconf -x hides them) */
	expect_eval(cf, "v = ${{abc} == {abc} ? a : b}\n", "v", " a : b");
	/* numbers compare as numbers, other text as text */
	expect_eval(cf, "v = ${{10} < {9} ? {a} : {b}}\n", "v", "b");
	expect_eval(cf, "v = ${{-1} < {2} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{ 3 }<{4}?{a}:{b}}\n", "v", "a");
	expect_eval(cf, "v = ${{abc} > {9} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{2} >= {2} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{2} <= {1} ? {a} : {b}}\n", "v", "b");
	/* compatibility levels: 3.10 is above 3.6 */
	expect_eval(cf, "v = ${{3.6} <level {3.10} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{3.6} <level {2} ? {a} : {b}}\n", "v", "b");
	expect_eval(cf, "v = ${{3.6.1} >=level {3.6} ? {a} : {b}}\n", "v",
	    "a");
	expect_eval(cf, "v = ${{2} <=level {2} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "v = ${{2} >level {1} ? {a} : {b}}\n", "v", "a");
	expect_eval(cf, "x = 3\nv = ${{$x} == {3} ? {$mydomain} : {b}}\n",
	    "v", "example");
}

static void
test_postconf_smtputf8_by_level(void **state)
{
	struct cf *cf = *state;

	expect_eval(cf, "compatibility_level = 0\n", "smtputf8_enable", "no");
	expect_eval(cf, "compatibility_level = 1\n", "smtputf8_enable", "yes");
	expect_eval(cf, "compatibility_level = 2\n", "smtputf8_enable", "yes");
	expect_eval(cf, "compatibility_level = 3.6\n", "smtputf8_enable",
	    "yes");
	expect_eval(cf, "lvl = 3.6\ncompatibility_level = $lvl\n",
	    "smtputf8_enable", "yes");
}

static void
test_postconf_booleans(void **state)
{
	struct cf *cf = *state;

	expect_eval(cf, "smtputf8_enable = Yes\n", "smtputf8_enable", "Yes");
	expect_bool(cf, "smtputf8_enable", true);
	expect_eval(cf, "smtputf8_enable = NO\n", "smtputf8_enable", "NO");
	expect_bool(cf, "smtputf8_enable", false);
	/* Bad booleans: the load refuses main.cf, naming the line. */
	expect_refused(cf, "# c\nsmtputf8_enable = false\n", 2,
	    "bad boolean configuration: smtputf8_enable = false");
	expect_refused(cf, "smtputf8_enable = yes # no\n", 1,
	    "bad boolean configuration");
	expect_refused(cf, "\nsmtputf8_enable = $undefined_thing\n", 2,
	    "bad boolean configuration");
	expect_refused(cf, "smtputf8_enable = y\n  es\n", 1,
	    "bad boolean configuration: smtputf8_enable = y es");
	/* Any boolean postmap reads, not only the one archmail uses. */
	expect_refused(cf, "x = 1\nstrict_smtputf8 = maybe\n", 2,
	    "bad boolean configuration: strict_smtputf8");
}

/*
 * main.cf refused as Postfix's postmap refuses it: every parameter it
 * reads, in the order it reads them, each expanded against the defaults
 * of those read before it only.
 */
static void
test_postconf_check(void **state)
{
	struct cf *cf = *state;

	/* malformed where postmap reads it, accepted where it does not */
	expect_refused(cf, "smtputf8_enable = no\n"
	    "debug_peer_list = ${{1} <=> {2} ? {a}}\n", 2,
	    "comparison operator expected");
	expect_eval(cf, "header_checks = ${a\nfoo = ${b\n",
	    "compatibility_level", "0");
	expect_refused(cf, "lmdb_map_size = 1k\n", 1,
	    "bad numerical configuration: lmdb_map_size = 1k");
	expect_refused(cf, "compatibility_level = 3.\n", 1,
	    "malformed compatibility level syntax");
	expect_refused(cf, "smtputf8_enable = $smtputf8_enable\n", 1,
	    "unreasonable macro call nesting");
	expect_refused(cf, "a = $b\nb = $a\nsmtputf8_enable = $a\n", 3,
	    "unreasonable macro call nesting");
	expect_refused(cf, "default_database_type =\n", 1,
	    "bad string length 0 < 1");
	expect_refused(cf, "mydomain = a..b\n", 1,
	    "parameter mydomain: bad parameter value");
	expect_refused(cf, "relayhost = $myhostname\n", 1,
	    "must not be identical");
	/* mydomain is not read yet when smtputf8_enable is */
	expect_eval(cf, "compatibility_level = 2\n"
	    "smtputf8_enable = ${mydomain?{yes}:{no}}\n", "smtputf8_enable",
	    "yes");
	expect_bool(cf, "smtputf8_enable", false);
	expect_eval(cf, "smtputf8_enable = yes$mydomain\n", "smtputf8_enable",
	    "yesexample");
	expect_bool(cf, "smtputf8_enable", true);
	/* compatibility_level is */
	expect_eval(cf, "smtputf8_enable = ${compatibility_level?{yes}:{no}}\n",
	    "smtputf8_enable", "yes");
	expect_bool(cf, "smtputf8_enable", true);
}

static void
test_postconf_malformed(void **state)
{
	struct cf *cf = *state;
	char *v = NULL;
	static const char *const bad[] = {
		"v = ${a} ${b\n",
		"v = ${{x} <level {2} ? {a} : {b}}\n",
		"v = ${{1} <=> {2} ? {a} : {b}}\n",
		"v = ${{1} < {2} {a}}\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		am_postconf_free(&cf->pc);
		write_text(cf->maincf, bad[i]);
		assert_int_equal(am_postconf_load(&cf->pc, cf->dir, "h.example",
		    &cf->err), 0);
		am_error_clear(&cf->err);
		if (am_postconf_eval(&cf->pc, "v", &v, &cf->err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(cf->err.code, AM_E_CONFIG);
		assert_int_equal(cf->err.line, 1);
		assert_null(v);
	}
}

/*
 * Load main.cf against the host under root (its accounts, its myorigin
 * file): 0 or -1, and on -1 the message must say what.
 */
static int
load_at_root(struct cf *cf, const char *root, const char *text,
    const char *what)
{
	int rc;

	am_postconf_free(&cf->pc);
	write_text(cf->maincf, text);
	am_error_clear(&cf->err);
	rc = am_postconf_load_at(&cf->pc, cf->dir, "h.example", root,
	    &cf->err);
	if (rc < 0 && (what == NULL || strstr(cf->err.message, what) == NULL))
		fail_msg("refused: %s", cf->err.message);
	if (rc == 0 && what != NULL)
		fail_msg("accepted, wanted \"%s\"", what);
	return rc;
}

/*
 * Postfix's account checks, against ROOT/etc/passwd and ROOT/etc/group
 * (not the machine's), only when main.cf names an account.
 */
static void
test_postconf_accounts_under_root(void **state)
{
	struct cf *cf = *state;
	char root[256], etc[300], passwd[320], group[320], origin[320];

	unit_path(root, sizeof(root), cf->dir, "root");
	unit_path(etc, sizeof(etc), root, "etc");
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	/* Default names but no such accounts: Postfix's package is absent. */
	load_at_root(cf, root, "myhostname = h.example\n", NULL);
	unit_path(passwd, sizeof(passwd), etc, "passwd");
	unit_path(group, sizeof(group), etc, "group");
	write_text(passwd, "root:x:0:0::/root:/bin/sh\n"
	    "mailer:x:120:130::/var/spool/postfix:/usr/sbin/nologin\n"
	    "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
	    "alias:x:120:131::/:/usr/sbin/nologin\n"
	    "other:x:121:130::/:/usr/sbin/nologin\n"
	    "zero:x:122:0::/:/usr/sbin/nologin\n");
	write_text(group, "root:x:0:\nmailer:x:130:\nmaildrop:x:131:\n"
	    "nogroup:x:65534:\ndrop2:x:131:\n");
	load_at_root(cf, root, "mail_owner = mailer\nsetgid_group = "
	    "maildrop\n", NULL);
	/* The machine's postfix user is not the root's. */
	load_at_root(cf, root, "mail_owner = postfix\nsetgid_group = "
	    "maildrop\n", "parameter mail_owner: unknown user name value: "
	    "postfix");
	assert_int_equal(cf->err.line, 1);
	load_at_root(cf, root, "mail_owner = root\n", "user root has "
	    "privileged user ID");
	load_at_root(cf, root, "mail_owner = zero\nsetgid_group = "
	    "maildrop\n", "user zero has privileged group ID");
	load_at_root(cf, root, "mail_owner = alias\nsetgid_group = "
	    "nogroup\n", "user alias has same user ID as mailer");
	load_at_root(cf, root, "mail_owner = mailer\nsetgid_group = drop2\n",
	    "group drop2 has same group ID as maildrop");
	load_at_root(cf, root, "mail_owner = mailer\nsetgid_group = none\n",
	    "unknown group name: none");
	load_at_root(cf, root, "mail_owner = mailer\nsetgid_group = "
	    "mailer\n", "user mailer and group mailer have the same group ID");
	load_at_root(cf, root, "mail_owner = other\nsetgid_group = "
	    "maildrop\ndefault_privs = mailer\n", "users mailer and other "
	    "have the same group ID: 130");
	assert_int_equal(cf->err.line, 3);
	/* myorigin's file is read under the root too. */
	unit_path(origin, sizeof(origin), etc, "mailname");
	write_text(origin, "\tmx.example.org  \n");
	load_at_root(cf, root, "myorigin = /etc/mailname\n", NULL);
	write_text(origin, "");
	load_at_root(cf, root, "myorigin = /etc/mailname\n", "myorigin file "
	    "/etc/mailname is empty");
	write_text(origin, "mx example\n");
	load_at_root(cf, root, "myorigin = /etc/mailname\n", "must not "
	    "contain multiple values: mx example");
	assert_int_equal(unlink(origin), 0);
	load_at_root(cf, root, "myorigin = /etc/mailname\n",
	    "/etc/mailname: cannot open file");
}

/* Postfix's limits and units of numbers, times and string lengths. */
static void
test_postconf_value_limits(void **state)
{
	struct cf *cf = *state;

	expect_refused(cf, "ipc_timeout = 0\n", 1,
	    "invalid ipc_timeout: 0 (min 1)");
	expect_refused(cf, "ipc_timeout = 5x\n", 1,
	    "parameter ipc_timeout: bad time value or unit: 5x");
	expect_refused(cf, "in_flow_delay = 1m\n", 1,
	    "invalid in_flow_delay: 60 (max 10)");
	expect_refused(cf, "daemon_timeout = 3551w\n", 1,
	    "bad time value or unit: 3551w");
	expect_refused(cf, "x = 1\nline_length_limit = 100\n", 2,
	    "invalid line_length_limit parameter value 100 < 512");
	expect_refused(cf, "max_use = 2147483648\n", 1,
	    "bad numerical configuration: max_use = 2147483648");
	expect_refused(cf, "mail_name =\n", 1,
	    "bad string length 0 < 1: mail_name =");
	expect_refused(cf, "default_verp_delimiters = +=-\n", 1,
	    "bad string length 3 > 2");
	expect_refused(cf, "inet_protocols = ipv4 ipv5\n", 1,
	    "unknown inet_protocols value \"ipv5\" in \"ipv4 ipv5\"");
	expect_refused(cf, "syslog_facility = LOCAL0\n", 1,
	    "parameter syslog_facility: unrecognized value: LOCAL0");
	expect_refused(cf, "mynetworks_style = ,\n", 1,
	    "specify exactly one value");
	expect_eval(cf, "ipc_timeout = 5sx\nmessage_size_limit = -1\n"
	    "in_flow_delay = 10\nmax_use = 2147483647\n", "ipc_timeout",
	    "5sx");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_cf, teardown_cf)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_file_overrides),
		T(test_domains_set_explicitly),
		T(test_unknown_name),
		T(test_line_without_equals),
		T(test_missing_file),
		T(test_unreadable_is_error_even_if_missing_ok),
		T(test_postconf_defaults),
		T(test_postconf_short_hostname),
		T(test_postconf_expansion),
		T(test_postconf_defaults_expand_overrides),
		T(test_postconf_last_assignment_wins),
		T(test_postconf_bool_through_expansion),
		T(test_postconf_continuation_lines),
		T(test_postconf_whitespace_and_empty),
		T(test_postconf_syntax_error),
		T(test_postconf_expansion_loop_terminates),
		T(test_postconf_expansion_bomb_terminates),
		T(test_postconf_conditionals),
		T(test_postconf_comparisons),
		T(test_postconf_smtputf8_by_level),
		T(test_postconf_booleans),
		T(test_postconf_check),
		T(test_postconf_malformed),
		T(test_postconf_accounts_under_root),
		T(test_postconf_value_limits),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
