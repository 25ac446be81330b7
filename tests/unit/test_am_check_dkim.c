/*
 * Unit tests for archmail check's area dkim (lib/check/am_check_dkim.c)
 * on a sysroot shaped like the runbook's host: rspamd's dkim_signing
 * path "/var/lib/rspamd/dkim/$domain.$selector.key" in local.d, the two
 * keys archlinux.org.dkim-rsa.key and archlinux.org.dkim-ed25519.key
 * owned by _rspamd mode 0600, an rspamd that says it is 3.4 (so Ed25519
 * must be in rspamd's own form), the zone with both records and a record
 * file.  Clean: no finding; each defect seeded alone: exactly its finding
 * (code, file, line); the area changes no file.
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
#include "am_dkim_key.h"
#include "am_dkim_record.h"
#include "unit_helpers.h"

#define KEYDIR "var/lib/rspamd/dkim"
#define RSA_KEY KEYDIR "/archlinux.org.dkim-rsa.key"
#define ED_KEY KEYDIR "/archlinux.org.dkim-ed25519.key"
#define RSPAMD_UID 998
#define RSPAMD_GID 998

static struct am_dkim_key rsa = AM_DKIM_KEY_INIT, rsa2 = AM_DKIM_KEY_INIT;
static struct am_dkim_key ed = AM_DKIM_KEY_INIT, ed2 = AM_DKIM_KEY_INIT;

struct ds {
	char root[128];
	struct am_conf conf;
	struct am_host h;
	struct am_error err;
	struct am_check_report report;
	struct am_check_options opt;
	char path[512];
	char zone[512], record[512], dir[512];
};

static const char *
rpath(struct ds *s, const char *rel)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", s->root, rel);
	return s->path;
}

static void
put(struct ds *s, const char *rel, const char *text, mode_t mode)
{
	assert_int_equal(unit_write_file(rpath(s, rel), text, strlen(text),
	    mode), 0);
}

static void
put_key(struct ds *s, const char *rel, const struct am_dkim_key *key,
    enum am_dkim_key_format format, mode_t mode, uid_t uid, gid_t gid)
{
	struct am_buf b = AM_BUF_INIT;

	assert_int_equal(am_dkim_key_encode(key, format, &b, &s->err), 0);
	assert_int_equal(unit_write_file(rpath(s, rel), b.data, b.len, mode),
	    0);
	assert_int_equal(chown(s->path, uid, gid), 0);
	am_buf_wipe(&b);
}

/* The record of key for sel in zone form (relative owner), appended. */
static void
add_record(struct am_buf *out, const struct am_dkim_key *key,
    const char *sel, enum am_dkim_output format)
{
	struct am_dkim_record rec;
	struct am_dkim_render_opts o = { sel, "archlinux.org", -1, false };
	struct am_error err;

	memset(&rec, 0, sizeof(rec));
	assert_int_equal(am_dkim_record_from_key(&rec, key, &err), 0);
	assert_int_equal(am_dkim_record_render(&rec, format, &o, out, &err),
	    0);
	am_dkim_record_free(&rec);
}

/*
 * The zone: SOA, SPF, then the RSA record of rsa_key at line 4 and the
 * Ed25519 one after it (unless ed_key is NULL).
 */
static void
write_zone(struct ds *s, const struct am_dkim_key *rsa_key,
    const struct am_dkim_key *ed_key)
{
	struct am_buf z = AM_BUF_INIT;

	am_buf_adds(&z, "$ORIGIN archlinux.org.\n"
	    "@ 3600 IN SOA ns1.archlinux.org. root.archlinux.org. ( 1 2 3 4 "
	    "5 )\n@ IN TXT \"v=spf1 mx -all\"\n");
	add_record(&z, rsa_key, "dkim-rsa", AM_DKIM_OUT_ZONE);
	if (ed_key != NULL)
		add_record(&z, ed_key, "dkim-ed25519", AM_DKIM_OUT_ZONE);
	am_buf_adds(&z, "mail IN A 192.0.2.1\n");
	assert_int_equal(unit_write_file(s->zone, z.data, z.len, 0644), 0);
	am_buf_free(&z);
}

static void
rspamd_says(struct ds *s, const char *version)
{
	char text[200];

	snprintf(text, sizeof(text), "#!/bin/sh\necho 'Rspamd daemon version "
	    "%s'\n", version);
	put(s, "usr/bin/rspamd", text, 0755);
}

static int
setup_keys(void **state)
{
	struct am_error err;

	(void)state;
	if (am_dkim_key_generate(&rsa, AM_DKIM_RSA, 1024, &err) < 0 ||
	    am_dkim_key_generate(&rsa2, AM_DKIM_RSA, 1024, &err) < 0 ||
	    am_dkim_key_generate(&ed, AM_DKIM_ED25519, 0, &err) < 0 ||
	    am_dkim_key_generate(&ed2, AM_DKIM_ED25519, 0, &err) < 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	(void)state;
	am_dkim_key_free(&rsa);
	am_dkim_key_free(&rsa2);
	am_dkim_key_free(&ed);
	am_dkim_key_free(&ed2);
	return 0;
}

static int
setup(void **state)
{
	static const char *const dirs[] = { "etc", "etc/rspamd",
	    "etc/rspamd/local.d", "usr", "usr/bin", "var", "var/lib",
	    "var/lib/rspamd", KEYDIR, "dns" };
	struct am_host init = AM_HOST_INIT;
	struct ds *s = calloc(1, sizeof(*s));
	struct am_buf rec = AM_BUF_INIT;
	size_t i;

	if (s == NULL || unit_tmpdir_create(s->root, sizeof(s->root),
	    "chkdkim") < 0)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(rpath(s, dirs[i]), 0755) < 0)
			return -1;
	put(s, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
	    "laurent:x:1000:1000:Laurent:/home/laurent:/bin/bash\n"
	    "_rspamd:x:998:998::/var/lib/rspamd:/usr/sbin/nologin\n", 0644);
	put(s, "etc/group", "root:x:0:\nlaurent:x:1000:\n_rspamd:x:998:\n",
	    0644);
	put(s, "etc/rspamd/local.d/dkim_signing.conf",
	    "# signing for archlinux.org\n"
	    "allow_username_mismatch = true;\n"
	    "path = \"/var/lib/rspamd/dkim/$domain.$selector.key\";\n"
	    "selector = \"dkim-rsa\";\n", 0644);
	rspamd_says(s, "3.4");
	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0600, RSPAMD_UID,
	    RSPAMD_GID);
	put_key(s, ED_KEY, &ed, AM_DKIM_KEY_RSPAMD, 0600, RSPAMD_UID,
	    RSPAMD_GID);
	snprintf(s->zone, sizeof(s->zone), "%s/dns/archlinux.org.zone",
	    s->root);
	snprintf(s->record, sizeof(s->record), "%s/dns/dkim-rsa.txt",
	    s->root);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", s->root, KEYDIR);
	write_zone(s, &rsa, &ed);
	add_record(&rec, &rsa, "dkim-rsa", AM_DKIM_OUT_ZONE);
	assert_int_equal(unit_write_file(s->record, rec.data, rec.len, 0644),
	    0);
	am_buf_free(&rec);
	am_error_clear(&s->err);
	if (am_conf_init(&s->conf, &s->err) < 0)
		return -1;
	s->h = init;
	s->h.root = s->root;
	s->h.conf = &s->conf;
	s->opt.zone_file = s->zone;
	s->opt.record_file = s->record;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct ds *s = *state;

	am_check_report_free(&s->report);
	unit_tmpdir_remove(s->root);
	am_conf_free(&s->conf);
	free(s);
	return 0;
}

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
snapshot(struct ds *s)
{
	struct am_buf b = AM_BUF_INIT;

	snap_out = &b;
	assert_int_equal(nftw(s->root, snap_entry, 16, FTW_PHYS), 0);
	snap_out = NULL;
	return b.data;
}

static void
check(struct ds *s)
{
	char *before, *after;

	am_check_report_free(&s->report);
	before = snapshot(s);
	usleep(20000);
	if (am_check_dkim(&s->h, &s->opt, &s->report, &s->err) < 0)
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

/* Exactly one finding: code, file (absolute), line. */
static const struct am_check_finding *
expect_one(struct ds *s, const char *code, const char *file, long line)
{
	const struct am_check_finding *f;

	if (s->report.count != 1) {
		print_report(&s->report);
		fail_msg("%zu findings, wanted one %s", s->report.count, code);
	}
	f = &s->report.finding[0];
	assert_string_equal(f->area, "dkim");
	assert_string_equal(f->code, code);
	assert_non_null(f->file);
	assert_string_equal(f->file, file);
	assert_int_equal(f->line, line);
	assert_true(strlen(f->message) > 20);
	return f;
}

static void
expect_none(struct ds *s)
{
	if (s->report.count != 0) {
		print_report(&s->report);
		fail_msg("%zu findings, wanted none", s->report.count);
	}
}

static void
test_clean(void **state)
{
	struct ds *s = *state;

	check(s);
	expect_none(s);
	/* The same keys named by --dkim-dir. */
	s->opt.dkim_dir = s->dir;
	check(s);
	expect_none(s);
}

static void
test_clean_group_rspamd(void **state)
{
	struct ds *s = *state;

	/* 0640 root:_rspamd, what rspamd's users ask for. */
	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0640, 0, RSPAMD_GID);
	check(s);
	expect_none(s);
}

static void
test_world_readable(void **state)
{
	struct ds *s = *state;
	const struct am_check_finding *f;
	char key[512];

	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0604, RSPAMD_UID,
	    RSPAMD_GID);
	snprintf(key, sizeof(key), "%s", rpath(s, RSA_KEY));
	check(s);
	f = expect_one(s, "dkim-key-world-readable", key, 0);
	assert_int_equal(f->severity, AM_CHECK_ERROR);
	assert_non_null(strstr(f->fix, "chmod o-rwx "));
}

static void
test_group_readable(void **state)
{
	struct ds *s = *state;
	char key[512];

	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0640, RSPAMD_UID, 1000);
	snprintf(key, sizeof(key), "%s", rpath(s, RSA_KEY));
	check(s);
	expect_one(s, "dkim-key-group-readable", key, 0);
}

static void
test_owner(void **state)
{
	struct ds *s = *state;
	char key[512];

	put_key(s, ED_KEY, &ed, AM_DKIM_KEY_RSPAMD, 0640, 1000, RSPAMD_GID);
	snprintf(key, sizeof(key), "%s", rpath(s, ED_KEY));
	check(s);
	expect_one(s, "dkim-key-owner", key, 0);
}

static void
test_unreadable(void **state)
{
	struct ds *s = *state;
	const struct am_check_finding *f;
	char key[512];

	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0600, 0, 0);
	snprintf(key, sizeof(key), "%s", rpath(s, RSA_KEY));
	check(s);
	f = expect_one(s, "dkim-key-unreadable", key, 0);
	assert_int_equal(f->severity, AM_CHECK_WARNING);
}

static void
test_format_unsupported(void **state)
{
	struct ds *s = *state;
	const struct am_check_finding *f;
	char key[512];

	put_key(s, ED_KEY, &ed, AM_DKIM_KEY_PEM, 0600, RSPAMD_UID,
	    RSPAMD_GID);
	snprintf(key, sizeof(key), "%s", rpath(s, ED_KEY));
	check(s);
	f = expect_one(s, "dkim-key-format-unsupported", key, 0);
	assert_non_null(strstr(f->fix, "--key-format rspamd"));
	assert_non_null(strstr(f->message, "3.4.0"));
	/* DER too. */
	put_key(s, ED_KEY, &ed, AM_DKIM_KEY_DER, 0600, RSPAMD_UID,
	    RSPAMD_GID);
	check(s);
	expect_one(s, "dkim-key-format-unsupported", key, 0);
	/* An rspamd anyone could have replaced is not run. */
	assert_int_equal(chmod(rpath(s, "usr/bin/rspamd"), 0777), 0);
	check(s);
	expect_none(s);
	assert_int_equal(chmod(rpath(s, "usr/bin/rspamd"), 0755), 0);
	/* rspamd 3.13.2 loads it. */
	rspamd_says(s, "3.13.2");
	check(s);
	expect_none(s);
	/* No rspamd installed: nothing to judge by. */
	rspamd_says(s, "3.4");
	assert_int_equal(unlink(rpath(s, "usr/bin/rspamd")), 0);
	check(s);
	expect_none(s);
}

static void
test_zone_mismatch(void **state)
{
	struct ds *s = *state;
	const struct am_check_finding *f;

	write_zone(s, &rsa2, &ed);
	check(s);
	f = expect_one(s, "dkim-record-mismatch", s->zone, 4);
	assert_int_equal(f->severity, AM_CHECK_ERROR);
}

static void
test_zone_ed_mismatch(void **state)
{
	struct ds *s = *state;
	char *z;
	long line = 1;
	const char *p;

	write_zone(s, &rsa, &ed2);
	z = unit_read_file(s->zone, NULL);
	assert_non_null(z);
	for (p = z; p < strstr(z, "dkim-ed25519._domainkey"); p++)
		if (*p == '\n')
			line++;
	free(z);
	check(s);
	expect_one(s, "dkim-record-mismatch", s->zone, line);
}

static void
test_zone_missing(void **state)
{
	struct ds *s = *state;

	write_zone(s, &rsa, NULL);
	check(s);
	expect_one(s, "dkim-record-missing", s->zone, 0);
}

static void
test_zone_invalid(void **state)
{
	struct ds *s = *state;
	struct am_buf z = AM_BUF_INIT;
	struct am_dkim_record rec;

	/* The right key, but h= excludes sha256. */
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(am_dkim_record_from_key(&rec, &rsa, &s->err), 0);
	am_buf_printf(&z, "$ORIGIN archlinux.org.\n"
	    "dkim-rsa._domainkey.archlinux.org. 3600 IN TXT \"v=DKIM1; "
	    "h=sha1; k=rsa; \" \"p=%s\"\n", rec.public_b64);
	add_record(&z, &ed, "dkim-ed25519", AM_DKIM_OUT_ZONE);
	assert_int_equal(unit_write_file(s->zone, z.data, z.len, 0644), 0);
	am_buf_free(&z);
	am_dkim_record_free(&rec);
	check(s);
	expect_one(s, "dkim-record-invalid", s->zone, 2);
}

static void
test_record_file_mismatch(void **state)
{
	struct ds *s = *state;
	struct am_buf rec = AM_BUF_INIT;

	add_record(&rec, &rsa2, "dkim-rsa", AM_DKIM_OUT_ZONE);
	assert_int_equal(unit_write_file(s->record, rec.data, rec.len, 0644),
	    0);
	am_buf_free(&rec);
	s->opt.zone_file = NULL;
	check(s);
	expect_one(s, "dkim-record-mismatch", s->record, 0);
	/* The bare value (no owner) of a key that is there: fine. */
	am_buf_reset(&rec);
	add_record(&rec, &ed, "dkim-ed25519", AM_DKIM_OUT_TXT);
	assert_int_equal(unit_write_file(s->record, rec.data, rec.len, 0644),
	    0);
	am_buf_free(&rec);
	check(s);
	expect_none(s);
}

static void
test_key_invalid(void **state)
{
	struct ds *s = *state;
	char key[512];

	put(s, KEYDIR "/archlinux.org.old.key", "not a key\n", 0600);
	snprintf(key, sizeof(key), "%s", rpath(s, KEYDIR
	    "/archlinux.org.old.key"));
	/* Not a ".key": not meant to be a key, so no finding. */
	put(s, KEYDIR "/README", "keys of archlinux.org\n", 0644);
	s->opt.zone_file = NULL;
	s->opt.record_file = NULL;
	check(s);
	expect_one(s, "dkim-key-invalid", key, 0);
}

static void
test_key_missing(void **state)
{
	struct ds *s = *state;
	char conf[512];

	put(s, "etc/rspamd/local.d/dkim_signing.conf", "domain {\n"
	    "  archlinux.org {\n"
	    "    selector = \"dkim-rsa\";\n"
	    "    path = \"/var/lib/rspamd/dkim/archlinux.org.dkim-rsa.key\";\n"
	    "  }\n"
	    "  lists.archlinux.org {\n"
	    "    path: \"/var/lib/rspamd/dkim/lists.dkim-rsa.key\";\n"
	    "  }\n"
	    "}\n", 0644);
	snprintf(conf, sizeof(conf), "%s",
	    rpath(s, "etc/rspamd/local.d/dkim_signing.conf"));
	check(s);
	expect_one(s, "dkim-key-missing", conf, 7);
}

static void
test_no_rspamd_config(void **state)
{
	struct ds *s = *state;

	/* No config, no --dkim-dir: no keys known, nothing to say. */
	assert_int_equal(unlink(rpath(s,
	    "etc/rspamd/local.d/dkim_signing.conf")), 0);
	put_key(s, RSA_KEY, &rsa, AM_DKIM_KEY_PEM, 0644, RSPAMD_UID,
	    RSPAMD_GID);
	check(s);
	expect_none(s);
	/* The same key through --dkim-dir is found. */
	s->opt.dkim_dir = s->dir;
	check(s);
	expect_one(s, "dkim-key-world-readable", rpath(s, RSA_KEY), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_group_rspamd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_world_readable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_readable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_format_unsupported, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_ed_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_file_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_rspamd_config, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
