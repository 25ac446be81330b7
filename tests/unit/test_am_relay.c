/*
 * Unit tests for the relay workflow (am_relay.h) on a sysroot, without
 * the binary: plan / diff / commit of relay add, rotate and remove; a
 * dry run writes nothing; the same add again changes nothing (with the
 * same password, or --generate with a client file that holds it); a
 * different password is refused; a host outside the domains is; the diff
 * never shows a password or a hash; the client line, shadow, sender map
 * and postfwd block agree.  The sysroot is the one of
 * tests/lib/relay_root.bash (root, laurent, nobody; a postfwd.cf with
 * archmail's markers), built in C.
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
#include "am_relay.h"
#include "unit_helpers.h"

#define HOST "relay.archlinux.org"

struct rs {
	char root[128];
	struct am_conf conf;
	struct am_host h;
	struct am_error err;
	struct unit_warnings warnings;
	char path[512];
};

static const char postfwd_cf[] =
    "# archmail: begin relay hosts\n"
    "&&SASL_WHITELIST {\n"
    "\tsasl_username==devnull;\n"
    "};\n"
    "# archmail: end relay hosts\n"
    "id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;\n"
    "\taction=rcpt(sasl_username/360/3600/REJECT limit)\n";

static const char *
rpath(struct rs *s, const char *rel)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", s->root, rel);
	return s->path;
}

static void
put(struct rs *s, const char *rel, const char *text, mode_t mode)
{
	assert_int_equal(unit_write_file(rpath(s, rel), text, strlen(text),
	    mode), 0);
}

static int
setup(void **state)
{
	static const char *const dirs[] = { "etc", "etc/postfix",
	    "etc/postfwd", "usr", "usr/bin", "bin", "home", "root" };
	struct am_host init = AM_HOST_INIT;
	struct rs *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL || unit_tmpdir_create(s->root, sizeof(s->root),
	    "relay") < 0)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(rpath(s, dirs[i]), 0755) < 0)
			return -1;
	put(s, "usr/bin/nologin", "#!/bin/sh\n", 0755);
	put(s, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
	    "laurent:x:1000:1000:Laurent:/home/laurent:/bin/bash\n"
	    "nobody:x:65534:65534:nobody:/:/usr/bin/nologin\n", 0644);
	put(s, "etc/shadow", "root:*:19000:0:99999:7:::\n"
	    "laurent:!:19000:0:99999:7:::\n"
	    "nobody:*:19000:0:99999:7:::\n", 0640);
	put(s, "etc/group", "root:x:0:\nlaurent:x:1000:\nnobody:x:65534:\n",
	    0644);
	put(s, "etc/gshadow", "root:*::\nlaurent:!::\nnobody:!::\n", 0640);
	put(s, "etc/login.defs", "UID_MIN 1000\nUID_MAX 60000\n", 0644);
	put(s, "etc/postfwd/postfwd.cf", postfwd_cf, 0600);
	am_error_clear(&s->err);
	if (am_conf_init(&s->conf, &s->err) < 0)
		return -1;
	s->h = init;
	s->h.root = s->root;
	s->h.conf = &s->conf;
	s->h.lock_timeout_ms = 2000;
	s->h.warn = unit_collect_warning;
	s->h.ctx = &s->warnings;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct rs *s = *state;

	unit_tmpdir_remove(s->root);
	am_conf_free(&s->conf);
	free(s);
	return 0;
}

/* The password comes from a pipe, as with --password-fd N. */
static int
pw_pipe(struct am_relay_opts *o, const char *password)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], password, strlen(password)),
	    (ssize_t)strlen(password));
	close(p[1]);
	o->pw.source = AM_PW_SRC_FD;
	o->pw.fd = p[0];
	return p[0];
}

static void
opts(struct rs *s, struct am_relay_opts *o, enum am_relay_op op)
{
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->host = HOST;
	o->client_file = rpath(s, "root/client");
}

/* Plan and commit (or plan only); the plan is freed. */
static int
run(struct rs *s, const struct am_relay_opts *o, bool *changed,
    struct am_buf *diff)
{
	struct am_relay_plan p;
	int rc = -1;

	if (am_relay_plan(&s->h, o, &p, &s->err) < 0)
		goto out;
	*changed = am_relay_changed(&p);
	if (diff != NULL && am_relay_diff(&p, diff, &s->err) < 0)
		goto out;
	if (!o->dry_run && am_relay_commit(&s->h, &p, &s->err) < 0)
		goto out;
	rc = 0;
out:
	am_relay_plan_free(&p);
	return rc;
}

static char *
slurp(struct rs *s, const char *rel)
{
	char *t = unit_read_file(rpath(s, rel), NULL);

	assert_non_null(t);
	return t;
}

/* The shadow field of user, verified against password. */
static bool
shadow_verifies(struct rs *s, const char *password)
{
	char *sh = slurp(s, "etc/shadow"), *line, *end;
	bool match = false;

	line = strstr(sh, "\nrelay:");
	assert_non_null(line);
	line += strlen("\nrelay:");
	end = strchr(line, ':');
	assert_non_null(end);
	*end = '\0';
	assert_int_equal(am_pw_verify(password, line, &match, &s->err), 0);
	free(sh);
	return match;
}

static void
assert_contains(struct rs *s, const char *rel, const char *text, bool want)
{
	char *t = slurp(s, rel);

	if (want)
		assert_non_null(strstr(t, text));
	else
		assert_null(strstr(t, text));
	free(t);
}

/* Bytes of every file relay writes, to compare before and after. */
static char *
snapshot(struct rs *s)
{
	static const char *const files[] = { "etc/passwd", "etc/shadow",
	    "etc/postfix/smtp_sender_map", "etc/postfwd/postfwd.cf",
	    "root/client" };
	struct am_buf b = AM_BUF_INIT;
	struct stat st;
	size_t i;
	char *t;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		t = unit_read_file(rpath(s, files[i]), NULL);
		if (stat(s->path, &st) == 0)
			am_buf_printf(&b, "%s %lu %ld.%ld\n", files[i],
			    (unsigned long)st.st_ino, (long)st.st_mtim.tv_sec,
			    st.st_mtim.tv_nsec);
		am_buf_printf(&b, "%s\n", t != NULL ? t : "(none)");
		free(t);
	}
	return b.data;
}

static void
test_add_dry_run(void **state)
{
	struct rs *s = *state;
	struct am_relay_opts o;
	struct am_buf diff = AM_BUF_INIT;
	char *before = snapshot(s), *after;
	bool changed = false;
	int fd;

	opts(s, &o, AM_RELAY_ADD);
	o.dry_run = true;
	fd = pw_pipe(&o, "s3cret-one");
	assert_int_equal(run(s, &o, &changed, &diff), 0);
	close(fd);
	assert_true(changed);
	assert_non_null(diff.data);
	assert_non_null(strstr(diff.data, "+relay:x:"));
	assert_non_null(strstr(diff.data, "SMTP Relay Account for " HOST));
	assert_non_null(strstr(diff.data, "+relay:<new hash>:"));
	assert_non_null(strstr(diff.data, "+@" HOST " relay"));
	assert_non_null(strstr(diff.data, "sasl_username==relay;"));
	assert_non_null(strstr(diff.data, "relay:<new password>"));
	assert_null(strstr(diff.data, "s3cret-one"));
	assert_null(strstr(diff.data, "$y$"));
	after = snapshot(s);
	assert_string_equal(before, after);
	assert_int_equal(access(rpath(s, "home/" HOST), F_OK), -1);
	free(before);
	free(after);
	am_buf_free(&diff);
}

static void
test_add_rotate_remove(void **state)
{
	struct rs *s = *state;
	struct am_relay_opts o;
	struct am_buf diff = AM_BUF_INIT;
	struct stat st;
	char *before, *after;
	bool changed = false;
	int fd;

	/* add */
	opts(s, &o, AM_RELAY_ADD);
	fd = pw_pipe(&o, "s3cret-one");
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	close(fd);
	assert_true(changed);
	assert_contains(s, "etc/passwd", "relay:x:1001:65534:SMTP Relay "
	    "Account for " HOST ":/home/" HOST ":/usr/bin/nologin\n", true);
	assert_true(shadow_verifies(s, "s3cret-one"));
	assert_contains(s, "etc/postfix/smtp_sender_map", "@" HOST " relay\n",
	    true);
	assert_contains(s, "etc/postfwd/postfwd.cf", "sasl_username==relay;",
	    true);
	assert_contains(s, "root/client", "mail.archlinux.org "
	    "relay:s3cret-one\n", true);
	assert_int_equal(stat(rpath(s, "root/client"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(rpath(s, "home/" HOST), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, 1001);
	assert_int_equal(access(rpath(s, "etc/postfix/smtp_sender_map.lmdb"),
	    F_OK), 0);

	/* the same add again: nothing to do, not a byte or an mtime */
	before = snapshot(s);
	opts(s, &o, AM_RELAY_ADD);
	fd = pw_pipe(&o, "s3cret-one");
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	close(fd);
	assert_false(changed);
	after = snapshot(s);
	assert_string_equal(before, after);
	free(after);

	/* another password is refused unless update_password */
	opts(s, &o, AM_RELAY_ADD);
	fd = pw_pipe(&o, "s3cret-other");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_INVALID);
	assert_non_null(strstr(s->err.message, "--update-password"));
	/* generate: the client file holds the password, so nothing changes */
	opts(s, &o, AM_RELAY_ADD);
	o.pw.source = AM_PW_SRC_GENERATE;
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	assert_false(changed);
	/* ... and without a client file it cannot tell: refused */
	o.client_file = NULL;
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	assert_int_equal(s->err.code, AM_E_INVALID);
	assert_non_null(strstr(s->err.message, "relay rotate " HOST));
	after = snapshot(s);
	assert_string_equal(before, after);
	free(after);
	opts(s, &o, AM_RELAY_ADD);
	o.update_password = true;
	o.dry_run = true;
	fd = pw_pipe(&o, "s3cret-other");
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	close(fd);
	assert_true(changed);
	free(before);

	/* rotate: new hash, new client line, nothing else */
	opts(s, &o, AM_RELAY_ROTATE);
	o.dry_run = true;
	fd = pw_pipe(&o, "s3cret-two");
	assert_int_equal(run(s, &o, &changed, &diff), 0);
	close(fd);
	assert_true(changed);
	assert_null(strstr(diff.data, "s3cret"));
	assert_non_null(strstr(diff.data, "-relay:<hash>:"));
	assert_non_null(strstr(diff.data, "+relay:<new hash>:"));
	assert_non_null(strstr(diff.data, "-mail.archlinux.org "
	    "relay:<password>"));
	assert_true(shadow_verifies(s, "s3cret-one"));
	opts(s, &o, AM_RELAY_ROTATE);
	fd = pw_pipe(&o, "s3cret-two");
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	close(fd);
	assert_true(shadow_verifies(s, "s3cret-two"));
	assert_false(shadow_verifies(s, "s3cret-one"));
	assert_contains(s, "root/client", "relay:s3cret-two\n", true);

	/* remove: locked, out of postfwd and the sender map, home kept */
	opts(s, &o, AM_RELAY_REMOVE);
	o.client_file = NULL;
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	assert_true(changed);
	assert_contains(s, "etc/shadow", "\nrelay:!$", true);
	assert_contains(s, "etc/postfwd/postfwd.cf", "sasl_username==relay;",
	    false);
	assert_contains(s, "etc/postfix/smtp_sender_map", "@" HOST, false);
	assert_contains(s, "etc/passwd", "\nrelay:", true);
	assert_int_equal(access(rpath(s, "home/" HOST), F_OK), 0);

	/* remove --delete: the account and its home go */
	opts(s, &o, AM_RELAY_REMOVE);
	o.client_file = NULL;
	o.delete = true;
	assert_int_equal(run(s, &o, &changed, NULL), 0);
	assert_true(changed);
	assert_contains(s, "etc/passwd", "\nrelay:", false);
	assert_contains(s, "etc/shadow", "\nrelay:", false);
	assert_int_equal(access(rpath(s, "home/" HOST), F_OK), -1);
	am_buf_free(&diff);
}

/* Refusals change nothing: a name taken by a person, a bad host. */
static void
test_refusals(void **state)
{
	struct rs *s = *state;
	struct am_relay_opts o;
	char *before = snapshot(s), *after;
	bool changed;
	int fd;

	opts(s, &o, AM_RELAY_ADD);
	o.host = "laurent.archlinux.org";
	fd = pw_pipe(&o, "x");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_EXISTS_DIFFERENT);
	opts(s, &o, AM_RELAY_ADD);
	o.host = "Bad_Host.org";
	fd = pw_pipe(&o, "x");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_INVALID);
	opts(s, &o, AM_RELAY_ADD);
	o.host = "relay";
	fd = pw_pipe(&o, "x");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_INVALID);
	opts(s, &o, AM_RELAY_ADD);
	o.host = "relay.example.com";
	fd = pw_pipe(&o, "x");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_INVALID);
	assert_non_null(strstr(s->err.message, "not in domains"));
	opts(s, &o, AM_RELAY_ROTATE);
	fd = pw_pipe(&o, "x");
	assert_int_equal(run(s, &o, &changed, NULL), -1);
	close(fd);
	assert_int_equal(s->err.code, AM_E_NOUSER);
	after = snapshot(s);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_dry_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_rotate_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
