/*
 * Unit tests for archmail check's areas relay, postfwd and passwd
 * (lib/check/am_check_accounts.c) on a sysroot: the relay account is
 * made by the relay workflow itself (am_relay_plan/commit, as "archmail
 * relay add" does), so the clean sysroot is one archmail built; then each
 * defect is seeded alone and the three areas together must report exactly
 * that finding (code, file, line).  No area changes any file or directory
 * of the sysroot (contents, inodes, modes, mtimes).
 */
#include <errno.h>
#include <ftw.h>
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
#include "am_check.h"
#include "am_relay.h"
#include "unit_helpers.h"

#define HOST "relay.archlinux.org"
#define LAURENT_HASH "$y$j9T$abcdefghijklmnopqrstu.$012345678901234567890" \
    "1234567890123456789012"

struct cs {
	char root[128];
	struct am_conf conf;
	struct am_host h;
	struct am_error err;
	struct unit_warnings warnings;
	struct am_check_report report;
	char path[512];
	char path2[512];
};

static const char *
rpath(struct cs *s, const char *rel)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", s->root, rel);
	return s->path;
}

static void
put(struct cs *s, const char *rel, const char *text, mode_t mode)
{
	assert_int_equal(unit_write_file(rpath(s, rel), text, strlen(text),
	    mode), 0);
}

static char *
slurp(struct cs *s, const char *rel)
{
	char *t = unit_read_file(rpath(s, rel), NULL);

	assert_non_null(t);
	return t;
}

/* Replace the first occurrence of from by to in the file rel. */
static void
edit(struct cs *s, const char *rel, const char *from, const char *to)
{
	char *t = slurp(s, rel), *p;
	struct am_buf b = AM_BUF_INIT;
	struct stat st;

	p = strstr(t, from);
	assert_non_null(p);
	assert_int_equal(stat(rpath(s, rel), &st), 0);
	assert_int_equal(am_buf_add(&b, t, (size_t)(p - t)), 0);
	assert_int_equal(am_buf_adds(&b, to), 0);
	assert_int_equal(am_buf_adds(&b, p + strlen(from)), 0);
	put(s, rel, b.data != NULL ? b.data : "", st.st_mode & 07777);
	am_buf_free(&b);
	free(t);
}

static void
relay_op(struct cs *s, enum am_relay_op op)
{
	struct am_relay_opts o;
	struct am_relay_plan p;
	int fd[2] = { -1, -1 };

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.host = HOST;
	if (op != AM_RELAY_REMOVE) {
		assert_int_equal(pipe(fd), 0);
		assert_int_equal(write(fd[1], "s3cret-relay", 12), 12);
		close(fd[1]);
		o.pw.source = AM_PW_SRC_FD;
		o.pw.fd = fd[0];
	}
	if (am_relay_plan(&s->h, &o, &p, &s->err) < 0 ||
	    am_relay_commit(&s->h, &p, &s->err) < 0)
		fail_msg("relay: %s", s->err.message);
	am_relay_plan_free(&p);
	if (fd[0] >= 0)
		close(fd[0]);
}

static const char postfwd_cf[] =
    "# rate limits of mail.archlinux.org\n"
    "# archmail: begin relay hosts\n"
    "&&SASL_WHITELIST {\n"
    "\tsasl_username==devnull;\n"
    "};\n"
    "# archmail: end relay hosts\n"
    "id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;\n"
    "\taction=rcpt(sasl_username/360/3600/REJECT limit)\n";

static int
setup(void **state)
{
	static const char *const dirs[] = { "etc", "etc/postfix",
	    "etc/postfwd", "usr", "usr/bin", "bin", "home", "root" };
	struct am_host init = AM_HOST_INIT;
	struct cs *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL || unit_tmpdir_create(s->root, sizeof(s->root),
	    "chkacct") < 0)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(rpath(s, dirs[i]), 0755) < 0)
			return -1;
	put(s, "usr/bin/nologin", "#!/bin/sh\n", 0755);
	put(s, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
	    "laurent:x:1000:1000:Laurent:/home/laurent:/bin/bash\n"
	    "nobody:x:65534:65534:nobody:/:/usr/bin/nologin\n", 0644);
	put(s, "etc/shadow", "root:*:19000:0:99999:7:::\n"
	    "laurent:" LAURENT_HASH ":19000:0:99999:7:::\n"
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
	/* The relay account, as "archmail relay add" makes it. */
	relay_op(s, AM_RELAY_ADD);
	return 0;
}

static int
teardown(void **state)
{
	struct cs *s = *state;

	am_check_report_free(&s->report);
	unit_tmpdir_remove(s->root);
	am_conf_free(&s->conf);
	free(s);
	return 0;
}

/* Every entry of the tree with what a write would change. */
static struct am_buf *snap_out;

static int
snap_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	char *t;

	(void)flag;
	(void)ftw;
	am_buf_printf(snap_out, "%s %lu %o %lu:%lu %lld %ld.%09ld\n", path,
	    (unsigned long)st->st_ino, (unsigned)st->st_mode,
	    (unsigned long)st->st_uid, (unsigned long)st->st_gid,
	    (long long)st->st_size, (long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode) && (t = unit_read_file(path, NULL)) != NULL) {
		am_buf_adds(snap_out, t);
		free(t);
	}
	return 0;
}

static char *
snapshot(struct cs *s)
{
	struct am_buf b = AM_BUF_INIT;

	snap_out = &b;
	assert_int_equal(nftw(s->root, snap_entry, 16, FTW_PHYS), 0);
	snap_out = NULL;
	return b.data;
}

/* relay, postfwd and passwd into s->report; the tree is left as it was. */
static void
check_all(struct cs *s)
{
	char *before, *after;

	am_check_report_free(&s->report);
	before = snapshot(s);
	/* mtimes must be able to move: a write now would show. */
	usleep(20000);
	if (am_check_relay(&s->h, NULL, &s->report, &s->err) < 0 ||
	    am_check_postfwd(&s->h, NULL, &s->report, &s->err) < 0 ||
	    am_check_passwd(&s->h, NULL, &s->report, &s->err) < 0)
		fail_msg("check: %s", s->err.message);
	after = snapshot(s);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
print_report(const struct am_check_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		print_message("  %s %s %s %s:%ld %s [%s]\n", r->finding[i].area,
		    r->finding[i].code, am_check_severity_name(
		    r->finding[i].severity), r->finding[i].file ?
		    r->finding[i].file : "-", r->finding[i].line,
		    r->finding[i].message, r->finding[i].fix ?
		    r->finding[i].fix : "");
}

/* "archmail --root ROOT " + rest, as a fix is written for this root. */
static const char *
am_fix(struct cs *s, const char *rest)
{
	snprintf(s->path2, sizeof(s->path2), "archmail --root %s %s", s->root,
	    rest);
	return s->path2;
}

/* Exactly one finding: code, file (rel under the root, or NULL), line. */
static const struct am_check_finding *
expect_one(struct cs *s, const char *code, const char *rel, long line)
{
	const struct am_check_finding *f;

	if (s->report.count != 1) {
		print_report(&s->report);
		fail_msg("%zu findings, wanted one %s", s->report.count, code);
	}
	f = &s->report.finding[0];
	assert_string_equal(f->code, code);
	if (rel == NULL) {
		assert_null(f->file);
	} else {
		assert_non_null(f->file);
		assert_string_equal(f->file, rpath(s, rel));
	}
	assert_int_equal(f->line, line);
	assert_non_null(f->message);
	assert_true(strlen(f->message) > 20);
	return f;
}

static void
test_clean(void **state)
{
	struct cs *s = *state;
	char *pf = slurp(s, "etc/postfwd/postfwd.cf");

	/* What relay add made: the block, the sender map, the account. */
	assert_non_null(strstr(pf, "sasl_username==relay;"));
	free(pf);
	check_all(s);
	if (s->report.count != 0)
		print_report(&s->report);
	assert_int_equal(s->report.count, 0);
}

static void
test_clean_without_postfwd(void **state)
{
	struct cs *s = *state;

	/* A host without postfwd: no file, nothing to say about it. */
	assert_int_equal(unlink(rpath(s, "etc/postfwd/postfwd.cf")), 0);
	check_all(s);
	assert_int_equal(s->report.count, 0);
	/* Nor its directory. */
	assert_int_equal(rmdir(rpath(s, "etc/postfwd")), 0);
	check_all(s);
	if (s->report.count != 0)
		print_report(&s->report);
	assert_int_equal(s->report.count, 0);
}

static void
test_relay_not_in_postfwd(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==devnull\n"
	    "\tsasl_username==relay;\n", "\tsasl_username==devnull;\n");
	check_all(s);
	f = expect_one(s, "relay-not-in-postfwd", "etc/postfwd/postfwd.cf", 2);
	assert_string_equal(f->area, "relay");
	assert_int_equal(f->severity, AM_CHECK_ERROR);
	assert_string_equal(f->fix, am_fix(s, "postfwd sync"));
}

static void
test_postfwd_unknown_login(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==devnull\n",
	    "\tsasl_username==devnull\n\tsasl_username==ghost\n");
	check_all(s);
	expect_one(s, "postfwd-unknown-login", "etc/postfwd/postfwd.cf", 5);
}

static void
test_postfwd_unknown_login_last(void **state)
{
	struct cs *s = *state;

	/* Out of order and carrying the final ';': still one finding. */
	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==relay;\n",
	    "\tsasl_username==relay\n\tsasl_username==aaa;\n");
	check_all(s);
	expect_one(s, "postfwd-unknown-login", "etc/postfwd/postfwd.cf", 6);
}

static void
test_postfwd_out_of_sync_semicolon(void **state)
{
	struct cs *s = *state;

	/* No ';' after the last item: postfwd reads the next line on. */
	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==relay;\n",
	    "\tsasl_username==relay\n");
	check_all(s);
	expect_one(s, "postfwd-out-of-sync", "etc/postfwd/postfwd.cf", 2);
}

static void
test_postfwd_out_of_sync_substring(void **state)
{
	struct cs *s = *state;

	/*
	 * devnull written with postfwd's substring match "=": not an item
	 * archmail reads, so devnull is missing and the form is wrong.
	 */
	edit(s, "etc/postfwd/postfwd.cf", "sasl_username==devnull",
	    "sasl_username=devnull");
	check_all(s);
	expect_one(s, "postfwd-out-of-sync", "etc/postfwd/postfwd.cf", 2);
}

static void
test_postfwd_locked_relay(void **state)
{
	struct cs *s = *state;

	/* relay remove: locked, out of the block and the map; then back. */
	relay_op(s, AM_RELAY_REMOVE);
	check_all(s);
	assert_int_equal(s->report.count, 0);
	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==devnull;\n",
	    "\tsasl_username==devnull\n\tsasl_username==relay;\n");
	check_all(s);
	expect_one(s, "postfwd-unknown-login", "etc/postfwd/postfwd.cf", 5);
	assert_non_null(strstr(s->report.finding[0].message, "locked"));
}

static void
test_sender_map_locked_relay(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	relay_op(s, AM_RELAY_REMOVE);
	put(s, "etc/postfix/smtp_sender_map", "@other.archlinux.org laurent\n"
	    "@" HOST " relay\n", 0644);
	check_all(s);
	f = expect_one(s, "sender-map-locked-relay",
	    "etc/postfix/smtp_sender_map", 2);
	assert_int_equal(f->severity, AM_CHECK_WARNING);
	assert_string_equal(f->fix, am_fix(s, "relay remove " HOST));
}

static void
test_relay_not_in_sender_map(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	put(s, "etc/postfix/smtp_sender_map", "# owners\n", 0644);
	check_all(s);
	f = expect_one(s, "relay-not-in-sender-map",
	    "etc/postfix/smtp_sender_map", 0);
	assert_string_equal(f->fix, am_fix(s, "relay add " HOST
	    " --password-stdin"));
}

static void
test_relay_sender_map_differs(void **state)
{
	struct cs *s = *state;

	put(s, "etc/postfix/smtp_sender_map", "# owners\n@" HOST " laurent\n",
	    0644);
	check_all(s);
	expect_one(s, "relay-sender-map-differs",
	    "etc/postfix/smtp_sender_map", 2);
}

static void
test_sender_map_unknown_login(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/postfix/smtp_sender_map", "@" HOST " relay\n",
	    "@" HOST " relay\n@gone.archlinux.org gone\n");
	check_all(s);
	expect_one(s, "sender-map-unknown-login",
	    "etc/postfix/smtp_sender_map", 2);
}

static void
test_relay_login_shell(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	edit(s, "etc/passwd", HOST ":/usr/bin/nologin", HOST ":/bin/bash");
	check_all(s);
	f = expect_one(s, "relay-login-shell", "etc/passwd", 4);
	snprintf(s->path2, sizeof(s->path2), "usermod --prefix %s -s "
	    "/usr/bin/nologin relay", s->root);
	assert_string_equal(f->fix, s->path2);
}

static void
test_relay_lookalike(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/passwd", "relay:x:1001:65534:", "relay:x:1001:1000:");
	check_all(s);
	expect_one(s, "relay-lookalike", "etc/passwd", 4);
	assert_int_equal(s->report.finding[0].severity, AM_CHECK_WARNING);
}

static void
test_relay_no_password(void **state)
{
	struct cs *s = *state;
	char *sh = slurp(s, "etc/shadow"), *p, *q;
	struct am_buf b = AM_BUF_INIT;

	/* relay's hash (field 2) emptied, its last change kept. */
	p = strstr(sh, "\nrelay:");
	assert_non_null(p);
	p += strlen("\nrelay:");
	q = strchr(p, ':');
	assert_non_null(q);
	am_buf_add(&b, sh, (size_t)(p - sh));
	am_buf_adds(&b, q);
	put(s, "etc/shadow", b.data, 0640);
	am_buf_free(&b);
	free(sh);
	check_all(s);
	expect_one(s, "relay-no-password", "etc/shadow", 4);
	assert_string_equal(s->report.finding[0].fix,
	    am_fix(s, "relay rotate " HOST " --generate"));
}

static void
test_postfwd_no_block(void **state)
{
	struct cs *s = *state;

	put(s, "etc/postfwd/postfwd.cf", "&&SASL_WHITELIST {\n"
	    "\tsasl_username=relay;\n};\n", 0600);
	check_all(s);
	expect_one(s, "postfwd-no-block", "etc/postfwd/postfwd.cf", 0);
	assert_string_equal(s->report.finding[0].fix,
	    am_fix(s, "postfwd sync --init"));
}

static void
test_postfwd_block_malformed(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/postfwd/postfwd.cf", "id=SaslWhitelist;",
	    "# archmail: begin relay hosts\nid=SaslWhitelist;");
	check_all(s);
	expect_one(s, "postfwd-block-malformed", "etc/postfwd/postfwd.cf", 8);
}

static void
test_postfwd_out_of_sync_extra(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	/* postfwd_extra_users' devnull missing: sync would add it back. */
	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==devnull\n", "");
	check_all(s);
	f = expect_one(s, "postfwd-out-of-sync", "etc/postfwd/postfwd.cf", 2);
	assert_string_equal(f->area, "postfwd");
	assert_non_null(strstr(f->message, "devnull"));
}

static void
test_postfwd_out_of_sync_form(void **state)
{
	struct cs *s = *state;

	/* The same logins, out of order. */
	edit(s, "etc/postfwd/postfwd.cf", "\tsasl_username==devnull\n"
	    "\tsasl_username==relay;\n", "\tsasl_username==relay\n"
	    "\tsasl_username==devnull;\n");
	check_all(s);
	expect_one(s, "postfwd-out-of-sync", "etc/postfwd/postfwd.cf", 2);
}

static void
test_passwd_empty_not_expired(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	edit(s, "etc/shadow", LAURENT_HASH, "");
	check_all(s);
	f = expect_one(s, "passwd-empty-not-expired", "etc/shadow", 2);
	assert_string_equal(f->fix, am_fix(s, "passwd clear laurent"));
	/* Expired (last change 0): what passwd clear leaves. */
	edit(s, "etc/shadow", "laurent::19000:", "laurent::0:");
	check_all(s);
	assert_int_equal(s->report.count, 0);
}

static void
test_passwd_empty_system(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/shadow", "nobody:*:", "nobody::");
	check_all(s);
	expect_one(s, "passwd-empty-not-expired", "etc/shadow", 3);
	snprintf(s->path2, sizeof(s->path2), "passwd -R %s -l nobody",
	    s->root);
	assert_string_equal(s->report.finding[0].fix, s->path2);
}

static void
test_passwd_empty_in_passwd(void **state)
{
	struct cs *s = *state;

	edit(s, "etc/passwd", "laurent:x:", "laurent::");
	check_all(s);
	expect_one(s, "passwd-empty-in-passwd", "etc/passwd", 2);
}

static void
pam_dir(struct cs *s)
{
	assert_int_equal(mkdir(rpath(s, "etc/pam.d"), 0755), 0);
	put(s, "etc/pam.d/other", "auth required pam_deny.so\n"
	    "account required pam_deny.so\n", 0644);
}

static void
test_pam_clean(void **state)
{
	struct cs *s = *state;

	/* nullok, but pam_unix's account phase refuses it expired. */
	pam_dir(s);
	put(s, "etc/pam.d/dovecot", "auth required pam_unix.so nullok\n"
	    "account required pam_unix.so\n", 0644);
	check_all(s);
	assert_int_equal(s->report.count, 0);
}

static void
test_pam_nullok(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	pam_dir(s);
	put(s, "etc/pam.d/dovecot", "# dovecot\n"
	    "auth required pam_unix.so nullok\n"
	    "account required pam_permit.so\n", 0644);
	check_all(s);
	f = expect_one(s, "pam-nullok", "etc/pam.d/dovecot", 2);
	assert_string_equal(f->area, "passwd");
	/* Nobody has an empty password yet: a warning. */
	assert_int_equal(f->severity, AM_CHECK_WARNING);
}

static void
test_pam_nullok_live(void **state)
{
	struct cs *s = *state;
	size_t i;
	bool nullok = false;

	pam_dir(s);
	put(s, "etc/pam.d/dovecot", "auth required pam_unix.so nullok\n"
	    "account required pam_permit.so\n", 0644);
	edit(s, "etc/shadow", "nobody:*:19000:", "nobody::0:");
	check_all(s);
	for (i = 0; i < s->report.count; i++)
		if (strcmp(s->report.finding[i].code, "pam-nullok") == 0) {
			nullok = true;
			assert_int_equal(s->report.finding[i].severity,
			    AM_CHECK_ERROR);
		}
	assert_true(nullok);
	assert_int_equal(s->report.count, 1);
}

static void
test_pam_unreadable(void **state)
{
	struct cs *s = *state;
	const struct am_check_finding *f;

	pam_dir(s);
	/* A directory where a service file should be: libpam fails. */
	assert_int_equal(mkdir(rpath(s, "etc/pam.d/dovecot"), 0755), 0);
	check_all(s);
	f = expect_one(s, "pam-unreadable", "etc/pam.d/dovecot", 0);
	assert_int_equal(f->severity, AM_CHECK_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_without_postfwd,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_not_in_postfwd,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_unknown_login,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_unknown_login_last,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_postfwd_out_of_sync_semicolon, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_postfwd_out_of_sync_substring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_locked_relay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_map_locked_relay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_not_in_sender_map,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_sender_map_differs,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_map_unknown_login,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_login_shell, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_relay_lookalike, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_relay_no_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_no_block, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_block_malformed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_out_of_sync_extra,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfwd_out_of_sync_form,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_passwd_empty_not_expired,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_passwd_empty_system,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_passwd_empty_in_passwd,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pam_clean, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pam_nullok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pam_nullok_live, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pam_unreadable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
