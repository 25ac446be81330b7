/*
 * Unit tests for am_mapfile: map names on the command line (default type,
 * lmdb: prefix, other types refused, db_path), Postfix's mode rule for a
 * new table (reference a4.5), and the complete build of a table.
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

#include "am_mapfile.h"
#include "am_table.h"
#include "unit_helpers.h"

struct mf {
	char dir[128];
	char src[256];
	char db[300];
	struct am_map_spec spec;
	struct am_map_build_opts bo;
	struct unit_warnings ws;
	struct am_table *t;
	struct am_buf value;
	struct am_error err;
};

static int
setup_mf(void **state)
{
	struct mf *mf = calloc(1, sizeof(*mf));

	if (mf == NULL)
		return -1;
	if (unit_tmpdir_create(mf->dir, sizeof(mf->dir), "mapfile") < 0) {
		free(mf);
		return -1;
	}
	unit_path(mf->src, sizeof(mf->src), mf->dir, "virtual");
	snprintf(mf->db, sizeof(mf->db), "%s.lmdb", mf->src);
	mf->bo.compile.kind = AM_MAP_POSTMAP;
	mf->bo.compile.fold = true;
	mf->bo.compile.utf8 = true;
	mf->bo.compile.nul = true;
	mf->bo.compile.dup = AM_DUP_WARN;
	mf->bo.compile.warn = unit_collect_warning;
	mf->bo.compile.warn_ctx = &mf->ws;
	mf->bo.lock_timeout_ms = 2000;
	*state = mf;
	return 0;
}

static int
teardown_mf(void **state)
{
	struct mf *mf = *state;

	am_map_spec_free(&mf->spec);
	am_table_close(mf->t);
	am_buf_free(&mf->value);
	unit_tmpdir_remove(mf->dir);
	free(mf);
	return 0;
}

/* ---- spec parsing ---- */

static void
expect_spec(struct mf *mf, const char *arg, const char *dflt,
    const char *path, const char *db_path, const char *name)
{
	am_map_spec_free(&mf->spec);
	if (am_map_spec_parse(&mf->spec, arg, dflt, &mf->err) != 0)
		fail_msg("\"%s\" refused: %s", arg, mf->err.message);
	assert_string_equal(mf->spec.type, "lmdb");
	assert_string_equal(mf->spec.path, path);
	assert_string_equal(mf->spec.db_path, db_path);
	assert_string_equal(mf->spec.name, name);
}

static void
test_spec_default_type(void **state)
{
	struct mf *mf = *state;

	expect_spec(mf, "/etc/postfix/virtual", "lmdb", "/etc/postfix/virtual",
	    "/etc/postfix/virtual.lmdb", "lmdb:/etc/postfix/virtual");
	/* relative paths stay relative: ".lmdb" appended as given */
	expect_spec(mf, "virtual", "lmdb", "virtual", "virtual.lmdb",
	    "lmdb:virtual");
	/* no default at all means lmdb */
	expect_spec(mf, "aliases", NULL, "aliases", "aliases.lmdb",
	    "lmdb:aliases");
}

static void
test_spec_lmdb_prefix(void **state)
{
	struct mf *mf = *state;

	expect_spec(mf, "lmdb:/etc/aliases", "lmdb", "/etc/aliases",
	    "/etc/aliases.lmdb", "lmdb:/etc/aliases");
	/* the prefix wins over a default type */
	expect_spec(mf, "lmdb:users", "hash", "users", "users.lmdb",
	    "lmdb:users");
	/* a colon later in the path is not a type */
	expect_spec(mf, "./dir:x/map", "lmdb", "./dir:x/map",
	    "./dir:x/map.lmdb", "lmdb:./dir:x/map");
	expect_spec(mf, "/etc/a:b", "lmdb", "/etc/a:b", "/etc/a:b.lmdb",
	    "lmdb:/etc/a:b");
}

static void
expect_unsupported(struct mf *mf, const char *arg, const char *dflt,
    const char *type)
{
	am_map_spec_free(&mf->spec);
	am_error_clear(&mf->err);
	if (am_map_spec_parse(&mf->spec, arg, dflt, &mf->err) != -1)
		fail_msg("\"%s\" (default %s) accepted", arg, dflt);
	assert_int_equal(mf->err.code, AM_E_UNSUPPORTED_TYPE);
	/* the message names the type and says how to switch */
	assert_non_null(strstr(mf->err.message, type));
	assert_non_null(strstr(mf->err.message, "lmdb"));
	assert_null(mf->spec.path);
	assert_null(mf->spec.db_path);
}

static void
test_spec_other_types_refused(void **state)
{
	struct mf *mf = *state;

	expect_unsupported(mf, "hash:/etc/aliases", "lmdb", "hash");
	expect_unsupported(mf, "btree:/etc/aliases", "lmdb", "btree");
	expect_unsupported(mf, "cdb:/etc/postfix/virtual", "lmdb", "cdb");
	/* Debian's main.cf default: hash, refused for untyped names too */
	expect_unsupported(mf, "/etc/aliases", "hash", "hash");
}

static void
test_spec_missing_name(void **state)
{
	struct mf *mf = *state;

	am_error_clear(&mf->err);
	assert_int_equal(am_map_spec_parse(&mf->spec, "lmdb:", "lmdb",
	    &mf->err), -1);
	assert_int_not_equal(mf->err.code, AM_OK);
}

/* ---- mode rule ---- */

static void
test_new_table_mode(void **state)
{
	static const unsigned int v[][2] = {
		/* reference a4.5, verified with Postfix 3.7.11 */
		{ 0600, 0600 },
		{ 0640, 0640 },
		{ 0604, 0604 },
		{ 0660, 0640 },
		{ 0666, 0644 },
		{ 0700, 0600 },
		/* only the read bits survive */
		{ 0644, 0644 },
		{ 0755, 0644 },
		{ 0400, 0600 },
		{ 0000, 0600 },
		{ 0777, 0644 },
		{ 0622, 0600 },
		{ 04755, 0644 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (am_map_new_table_mode(v[i][0]) != v[i][1])
			fail_msg("source %04o: %04o, expected %04o", v[i][0],
			    am_map_new_table_mode(v[i][0]), v[i][1]);
	/* a full st_mode (with S_IFREG) works the same */
	assert_int_equal(am_map_new_table_mode(S_IFREG | 0640), 0640);
}

/* ---- complete builds ---- */

static void
parse_spec(struct mf *mf, const char *arg)
{
	am_map_spec_free(&mf->spec);
	assert_int_equal(am_map_spec_parse(&mf->spec, arg, "lmdb", &mf->err),
	    0);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
expect_lookup(struct mf *mf, const char *key, const char *value)
{
	bool found = false;

	am_table_close(mf->t);
	mf->t = NULL;
	assert_int_equal(am_table_open(&mf->t, mf->db, AM_TABLE_RDONLY, 1000,
	    &mf->err), 0);
	assert_int_equal(am_table_lookup(mf->t, key, strlen(key), &found,
	    &mf->value, &mf->err), 0);
	if (value == NULL) {
		assert_false(found);
		return;
	}
	if (!found)
		fail_msg("key \"%s\" not found", key);
	assert_string_equal(mf->value.data, value);
}

static void
test_build(void **state)
{
	struct mf *mf = *state;
	const char text[] = "# virtual\nAlice@Example.COM alice\n"
	    "bob bob-local\n  continued\nbroken\n";
	size_t records = 0;

	assert_int_equal(unit_write_file(mf->src, text, strlen(text), 0640),
	    0);
	parse_spec(mf, mf->src);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, &records, &mf->err),
	    0);
	assert_int_equal(records, 2);
	assert_int_equal(mode_of(mf->db), 0640);	/* source 640 */
	expect_lookup(mf, "alice@example.com", "alice");
	expect_lookup(mf, "bob", "bob-local  continued");
	expect_lookup(mf, "broken", NULL);
	/* the skipped line was reported with its file and line */
	assert_int_equal(mf->ws.count, 1);
	assert_string_equal(mf->ws.w[0].file, mf->src);
	assert_int_equal(mf->ws.w[0].line, 5);
	assert_int_equal(unit_count_prefix(mf->dir, "virtual.lmdb.tmp"), 0);
}

static void
test_build_modes(void **state)
{
	struct mf *mf = *state;

	assert_int_equal(unit_write_file(mf->src, "a b\n", 4, 0660), 0);
	parse_spec(mf, mf->src);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), 0);
	assert_int_equal(mode_of(mf->db), 0640);	/* 660 -> 640 */

	/* an existing table keeps its mode */
	assert_int_equal(chmod(mf->db, 0600), 0);
	assert_int_equal(chmod(mf->src, 0666), 0);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), 0);
	assert_int_equal(mode_of(mf->db), 0600);

	/* -p: 0644 for a new table, whatever the source */
	assert_int_equal(unlink(mf->db), 0);
	assert_int_equal(chmod(mf->src, 0600), 0);
	mf->bo.mode_0644 = true;
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), 0);
	assert_int_equal(mode_of(mf->db), 0644);
}

static void
test_build_aliases_with_extras(void **state)
{
	struct mf *mf = *state;
	bool found = false;

	assert_int_equal(unit_write_file(mf->src, "Root: admin\n", 12, 0644),
	    0);
	mf->bo.compile.kind = AM_MAP_ALIASES;
	mf->bo.compile.alias_extras = true;
	mf->bo.compile.myhostname = "mx.example.org";
	mf->bo.compile.now = 1795618776;
	parse_spec(mf, mf->src);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), 0);
	expect_lookup(mf, "root", "admin");
	expect_lookup(mf, "@", "@");
	/* YP_ records have no NUL: found only in the plain form */
	am_table_set_forms(mf->t, AM_TABLE_TRY_PLAIN);
	assert_int_equal(am_table_lookup(mf->t, "YP_MASTER_NAME", 14, &found,
	    &mf->value, &mf->err), 0);
	assert_true(found);
	assert_string_equal(mf->value.data, "mx.example.org");
}

static void
test_build_missing_source(void **state)
{
	struct mf *mf = *state;

	parse_spec(mf, mf->src);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), -1);
	assert_int_equal(mf->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(mf->err.message, mf->src));
	/* nothing created */
	assert_int_equal(access(mf->db, F_OK), -1);
}

static void
test_failed_build_leaves_old_table(void **state)
{
	struct mf *mf = *state;
	char line[700], *before, *after;
	size_t blen, alen;

	assert_int_equal(unit_write_file(mf->src, "a 1\n", 4, 0644), 0);
	parse_spec(mf, mf->src);
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), 0);
	before = unit_read_file(mf->db, &blen);
	assert_non_null(before);

	/* a 511-byte key: fatal, with the line; the old table stays */
	memset(line, 'k', 511);
	memcpy(line + 511, " v\n", 4);
	assert_int_equal(unit_write_file(mf->src, "a 2\n", 4, 0644), 0);
	{
		FILE *f = fopen(mf->src, "a");

		assert_non_null(f);
		fputs(line, f);
		fclose(f);
	}
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), -1);
	assert_int_equal(mf->err.code, AM_E_KEY_TOO_LONG);
	assert_int_equal(mf->err.line, 2);
	after = unit_read_file(mf->db, &alen);
	assert_non_null(after);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	expect_lookup(mf, "a", "1");

	/* --strict: a warning leaves the old table too */
	assert_int_equal(unit_write_file(mf->src, "a 3\nbroken\n", 11, 0644),
	    0);
	mf->bo.compile.strict = true;
	assert_int_equal(am_map_build(&mf->spec, &mf->bo, NULL, &mf->err), -1);
	expect_lookup(mf, "a", "1");
	free(before);
	free(after);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_mf, teardown_mf)
	const struct CMUnitTest tests[] = {
		T(test_spec_default_type),
		T(test_spec_lmdb_prefix),
		T(test_spec_other_types_refused),
		T(test_spec_missing_name),
		cmocka_unit_test(test_new_table_mode),
		T(test_build),
		T(test_build_modes),
		T(test_build_aliases_with_extras),
		T(test_build_missing_source),
		T(test_failed_build_leaves_old_table),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
