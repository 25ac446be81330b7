/*
 * Unit tests for am_table: tables written here are checked with plain
 * liblmdb (the bytes Postfix reads, reference a1/a2), lookups follow
 * Postfix's reader (NUL form, plain form, pinning), and in-place updates,
 * modes, locks and refusals behave as the header says.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_table.h"
#include "unit_helpers.h"

#define L(lit) lit, sizeof(lit) - 1
#define MAX_RECS 64

struct ts {
	char dir[128];
	char db[256];
	struct am_record rec[MAX_RECS];
	size_t count;
	struct am_table_write_opts wo;
	struct am_table *t;
	struct am_buf value;
	struct am_error err;
	pid_t child;
	int temp_calls;
	char temp_path[512];
};

static int
setup_ts(void **state)
{
	struct ts *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return -1;
	if (unit_tmpdir_create(ts->dir, sizeof(ts->dir), "table") < 0) {
		free(ts);
		return -1;
	}
	unit_path(ts->db, sizeof(ts->db), ts->dir, "virtual.lmdb");
	ts->wo.mode = 0644;
	ts->wo.lock_timeout_ms = 2000;
	ts->child = -1;
	*state = ts;
	return 0;
}

static int
teardown_ts(void **state)
{
	struct ts *ts = *state;

	am_table_close(ts->t);
	am_buf_free(&ts->value);
	if (ts->child > 0) {
		kill(ts->child, SIGKILL);
		waitpid(ts->child, NULL, 0);
	}
	unit_tmpdir_remove(ts->dir);
	free(ts);
	return 0;
}

/* Append a record as stored; the caller adds them in LMDB order. */
static void
add(struct ts *ts, const char *key, size_t key_len, const char *value,
    size_t value_len)
{
	struct am_record *r;

	assert_true(ts->count < MAX_RECS);
	r = &ts->rec[ts->count];
	am_record_set_key(r, key, (uint32_t)key_len);
	r->value = value;
	r->value_len = (uint32_t)value_len;
	r->line = (long)++ts->count;
}

static void
write_table(struct ts *ts)
{
	if (am_table_write(ts->db, ts->rec, ts->count, &ts->wo, &ts->err) != 0)
		fail_msg("am_table_write: %s", ts->err.message);
}

static void
open_table(struct ts *ts, int mode)
{
	am_table_close(ts->t);
	ts->t = NULL;
	if (am_table_open(&ts->t, ts->db, mode, 2000, &ts->err) != 0)
		fail_msg("am_table_open: %s", ts->err.message);
}

/* Lookup that must succeed; returns found, value in ts->value. */
static bool
lookup(struct ts *ts, const char *key)
{
	bool found = false;

	if (am_table_lookup(ts->t, key, strlen(key), &found, &ts->value,
	    &ts->err) != 0)
		fail_msg("lookup %s: %s", key, ts->err.message);
	return found;
}

static void
expect_found(struct ts *ts, const char *key, const char *value)
{
	if (!lookup(ts, key))
		fail_msg("key \"%s\" not found", key);
	assert_string_equal(ts->value.data, value);
	assert_int_equal(ts->value.len, strlen(value));
}

static void
expect_missing(struct ts *ts, const char *key)
{
	if (lookup(ts, key))
		fail_msg("key \"%s\" found", key);
}

/* ---- the file as liblmdb sees it ---- */

struct raw {
	size_t count;
	char key[MAX_RECS][600];
	size_t key_len[MAX_RECS];
	char value[MAX_RECS][64];
	size_t value_len[MAX_RECS];
	unsigned int main_flags;
	bool has_subdb;
};

/* Read every record with MDB_NOSUBDIR|MDB_NOLOCK|MDB_RDONLY. */
static void
raw_dump(const char *db, struct raw *raw)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	memset(raw, 0, sizeof(*raw));
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	rc = mdb_env_open(env, db, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY,
	    0644);
	if (rc != 0)
		fail_msg("mdb_env_open %s: %s", db, mdb_strerror(rc));
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	assert_int_equal(mdb_dbi_flags(txn, dbi, &raw->main_flags), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t i = raw->count++;

		assert_true(i < MAX_RECS && k.mv_size <= 600 &&
		    v.mv_size <= 64);
		memcpy(raw->key[i], k.mv_data, k.mv_size);
		raw->key_len[i] = k.mv_size;
		memcpy(raw->value[i], v.mv_data, v.mv_size);
		raw->value_len[i] = v.mv_size;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(cur);
	/* A named sub-database would show up as a key of the main DB
	 * with F_SUBDATA; opening any name must fail. */
	raw->has_subdb = mdb_dbi_open(txn, "sub", 0, &dbi) == 0;
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void
expect_raw(const struct raw *raw, size_t i, const char *key, size_t key_len,
    const char *value, size_t value_len)
{
	assert_true(i < raw->count);
	assert_int_equal(raw->key_len[i], key_len);
	assert_memory_equal(raw->key[i], key, key_len);
	assert_int_equal(raw->value_len[i], value_len);
	assert_memory_equal(raw->value[i], value, value_len);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* ---- tests ---- */

static void
test_write_postfix_format(void **state)
{
	struct ts *ts = *state;
	struct raw raw;
	struct stat st;
	char lockfile[512];

	add(ts, L("alice@example.com\0"), L("alice\0"));
	add(ts, L("bob\0"), L("bob-local\0"));
	write_table(ts);

	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 2);
	expect_raw(&raw, 0, L("alice@example.com\0"), L("alice\0"));
	expect_raw(&raw, 1, L("bob\0"), L("bob-local\0"));
	/* main unnamed DB, flags 0 (no DUPSORT), nothing else */
	assert_int_equal(raw.main_flags, 0);
	assert_false(raw.has_subdb);
	/* one file, no LMDB lock file, no temporary left behind */
	snprintf(lockfile, sizeof(lockfile), "%s-lock", ts->db);
	assert_int_equal(access(lockfile, F_OK), -1);
	assert_int_equal(unit_count_prefix(ts->dir, "virtual.lmdb.tmp"), 0);
	assert_int_equal(lstat(ts->db, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void
test_lookup_nul_form(void **state)
{
	struct ts *ts = *state;

	add(ts, L("alice@example.com\0"), L("alice\0"));
	add(ts, L("bob\0"), L("bob-local\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_forms(ts->t),
	    AM_TABLE_TRY_NUL | AM_TABLE_TRY_PLAIN);
	expect_found(ts, "alice@example.com", "alice");
	assert_int_equal(am_table_forms(ts->t), AM_TABLE_TRY_NUL);
	expect_found(ts, "bob", "bob-local");
	expect_missing(ts, "nobody");
	expect_missing(ts, "bo");
	expect_missing(ts, "bobb");
}

static void
test_lookup_plain_form(void **state)
{
	struct ts *ts = *state;

	add(ts, L("alice@example.com"), L("alice"));
	add(ts, L("bob"), L("bob-local"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	expect_found(ts, "bob", "bob-local");
	assert_int_equal(am_table_forms(ts->t), AM_TABLE_TRY_PLAIN);
	expect_found(ts, "alice@example.com", "alice");
	expect_missing(ts, "alice");
}

static void
test_pinning_after_first_hit(void **state)
{
	struct ts *ts = *state;

	/* A mixed file, like "postmap -i" into a "-n" map (reference f6). */
	add(ts, L("a\0"), L("1\0"));
	add(ts, L("b"), L("2"));
	add(ts, L("c"), L("3"));
	write_table(ts);

	open_table(ts, AM_TABLE_RDONLY);
	expect_found(ts, "a", "1");	/* pins the NUL form */
	expect_missing(ts, "b");
	expect_missing(ts, "c");

	open_table(ts, AM_TABLE_RDONLY);
	expect_found(ts, "b", "2");	/* pins the plain form */
	expect_missing(ts, "a");
	expect_found(ts, "c", "3");

	/* A miss pins nothing. */
	open_table(ts, AM_TABLE_RDONLY);
	expect_missing(ts, "zz");
	assert_int_equal(am_table_forms(ts->t),
	    AM_TABLE_TRY_NUL | AM_TABLE_TRY_PLAIN);
	expect_found(ts, "c", "3");

	/* -n / -N at query time restrict the forms. */
	open_table(ts, AM_TABLE_RDONLY);
	am_table_set_forms(ts->t, AM_TABLE_TRY_PLAIN);
	expect_missing(ts, "a");
	expect_found(ts, "b", "2");
	open_table(ts, AM_TABLE_RDONLY);
	am_table_set_forms(ts->t, AM_TABLE_TRY_NUL);
	expect_missing(ts, "b");
	expect_found(ts, "a", "1");
}

static void
test_value_nul_truncates(void **state)
{
	struct ts *ts = *state;

	/* reference a2.4: the reader stops at an embedded NUL */
	add(ts, L("k\0"), L("v1\0rest\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	expect_found(ts, "k", "v1");
}

static void
test_large_value(void **state)
{
	struct ts *ts = *state;
	size_t n = 100000, i;
	char *big = malloc(n + 1);

	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	add(ts, L("big\0"), big, n + 1);
	add(ts, L("small\0"), L("s\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_true(lookup(ts, "big"));
	assert_int_equal(ts->value.len, n);
	assert_memory_equal(ts->value.data, big, n);
	expect_found(ts, "small", "s");
	free(big);
}

struct each_log {
	int count;
	char keys[MAX_RECS][64];
	char values[MAX_RECS][64];
	size_t key_len[MAX_RECS];
};

static int
each_cb(void *ctx, const char *key, size_t key_len, const char *value,
    size_t value_len)
{
	struct each_log *log = ctx;

	if (log->count >= MAX_RECS || key_len >= 64 || value_len >= 64)
		return -1;
	memcpy(log->keys[log->count], key, key_len);
	log->keys[log->count][key_len] = '\0';
	log->key_len[log->count] = key_len;
	memcpy(log->values[log->count], value, value_len);
	log->values[log->count][value_len] = '\0';
	log->count++;
	return 0;
}

static void
test_each_in_key_order(void **state)
{
	struct ts *ts = *state;
	struct each_log log;

	memset(&log, 0, sizeof(log));
	add(ts, L("a\0"), L("1\0"));
	add(ts, L("ab\0"), L("2\0"));
	add(ts, L("abc\0"), L("3\0"));
	add(ts, L("b\0"), L("4\0"));
	add(ts, L("\xc3x\0"), L("5\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_each(ts->t, each_cb, &log, &ts->err), 0);
	assert_int_equal(log.count, 5);
	assert_string_equal(log.keys[0], "a");
	assert_int_equal(log.key_len[0], 1);	/* without the NUL */
	assert_string_equal(log.keys[1], "ab");
	assert_string_equal(log.keys[2], "abc");
	assert_string_equal(log.keys[3], "b");
	assert_string_equal(log.keys[4], "\xc3x");
	assert_string_equal(log.values[0], "1");
	assert_string_equal(log.values[4], "5");
}

static int
each_fail(void *ctx, const char *key, size_t key_len, const char *value,
    size_t value_len)
{
	int *calls = ctx;

	(void)key;
	(void)key_len;
	(void)value;
	(void)value_len;
	return ++*calls == 2 ? -1 : 0;
}

static void
test_each_stops_on_callback_error(void **state)
{
	struct ts *ts = *state;
	int calls = 0;

	add(ts, L("a\0"), L("1\0"));
	add(ts, L("b\0"), L("2\0"));
	add(ts, L("c\0"), L("3\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_each(ts->t, each_fail, &calls, &ts->err),
	    -1);
	assert_int_equal(calls, 2);
	assert_int_not_equal(ts->err.code, AM_OK);
}

static void
test_update_in_one_transaction(void **state)
{
	struct ts *ts = *state;
	struct am_record r;
	struct raw raw;
	struct stat before, after;

	add(ts, L("a\0"), L("1\0"));
	add(ts, L("b\0"), L("2\0"));
	add(ts, L("d\0"), L("4\0"));
	write_table(ts);
	assert_int_equal(stat(ts->db, &before), 0);

	open_table(ts, AM_TABLE_RDWR);
	assert_int_equal(am_table_update_begin(ts->t, &ts->err), 0);
	memset(&r, 0, sizeof(r));
	r.key = "c";
	r.key_len = 2;
	r.value = "3";
	r.value_len = 2;
	assert_int_equal(am_table_update_put(ts->t, &r, false, &ts->err), 1);
	r.key = "a";
	r.value = "X";
	assert_int_equal(am_table_update_put(ts->t, &r, false, &ts->err), 0);
	r.key = "b";
	r.value = "Y";
	assert_int_equal(am_table_update_put(ts->t, &r, true, &ts->err), 1);
	assert_int_equal(am_table_update_delete(ts->t, L("d"), &ts->err), 1);
	assert_int_equal(am_table_update_delete(ts->t, L("zz"), &ts->err), 0);
	assert_int_equal(am_table_update_commit(ts->t, &ts->err), 0);
	am_table_close(ts->t);
	ts->t = NULL;

	/* in place: same inode, as Postfix's -i and -d */
	assert_int_equal(stat(ts->db, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 3);
	expect_raw(&raw, 0, L("a\0"), L("1\0"));
	expect_raw(&raw, 1, L("b\0"), L("Y\0"));
	expect_raw(&raw, 2, L("c\0"), L("3\0"));
}

static void
test_update_delete_plain_form(void **state)
{
	struct ts *ts = *state;
	struct raw raw;

	add(ts, L("a"), L("1"));
	add(ts, L("b"), L("2"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDWR);
	assert_int_equal(am_table_update_begin(ts->t, &ts->err), 0);
	assert_int_equal(am_table_update_delete(ts->t, L("a"), &ts->err), 1);
	assert_int_equal(am_table_update_commit(ts->t, &ts->err), 0);
	am_table_close(ts->t);
	ts->t = NULL;
	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 1);
	expect_raw(&raw, 0, L("b"), L("2"));
}

static void
test_update_abort(void **state)
{
	struct ts *ts = *state;
	struct am_record r;
	struct raw raw;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDWR);
	assert_int_equal(am_table_update_begin(ts->t, &ts->err), 0);
	memset(&r, 0, sizeof(r));
	r.key = "b";
	r.key_len = 2;
	r.value = "2";
	r.value_len = 2;
	assert_int_equal(am_table_update_put(ts->t, &r, false, &ts->err), 1);
	assert_int_equal(am_table_update_delete(ts->t, L("a"), &ts->err), 1);
	am_table_update_abort(ts->t);
	am_table_close(ts->t);
	ts->t = NULL;
	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 1);
	expect_raw(&raw, 0, L("a\0"), L("1\0"));
}

static void
test_update_needs_rdwr(void **state)
{
	struct ts *ts = *state;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_update_begin(ts->t, &ts->err), -1);
	assert_int_not_equal(ts->err.code, AM_OK);
}

static void
test_update_key_too_long(void **state)
{
	struct ts *ts = *state;
	struct am_record r;
	char key[600];

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDWR);
	assert_int_equal(am_table_update_begin(ts->t, &ts->err), 0);
	memset(key, 'k', sizeof(key));
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.key_len = AM_TABLE_MAX_KEY + 1;
	r.value = "v";
	r.value_len = 1;
	assert_int_equal(am_table_update_put(ts->t, &r, false, &ts->err), -1);
	assert_int_equal(ts->err.code, AM_E_KEY_TOO_LONG);
	r.key_len = AM_TABLE_MAX_KEY;	/* the limit itself is fine */
	assert_int_equal(am_table_update_put(ts->t, &r, false, &ts->err), 1);
	assert_int_equal(am_table_update_commit(ts->t, &ts->err), 0);
}

static void
test_detect_nul(void **state)
{
	struct ts *ts = *state;
	bool nul = false, empty = true;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_detect_nul(ts->t, &nul, &empty, &ts->err),
	    0);
	assert_true(nul);
	assert_false(empty);

	ts->count = 0;
	add(ts, L("a"), L("1"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_detect_nul(ts->t, &nul, &empty, &ts->err),
	    0);
	assert_false(nul);
	assert_false(empty);

	ts->count = 0;
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_detect_nul(ts->t, &nul, &empty, &ts->err),
	    0);
	assert_true(empty);
}

static void
test_detect_nul_skips_yp_records(void **state)
{
	struct ts *ts = *state;
	bool nul = false, empty = true;

	/* postalias's YP_ records never carry a NUL */
	add(ts, L("YP_LAST_MODIFIED"), L("1795618776"));
	add(ts, L("YP_MASTER_NAME"), L("vm.localdomain"));
	add(ts, L("root\0"), L("admin\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_detect_nul(ts->t, &nul, &empty, &ts->err),
	    0);
	assert_true(nul);
	assert_false(empty);
}

static void
test_new_table_mode_ignores_umask(void **state)
{
	struct ts *ts = *state;
	mode_t old = umask(077);

	add(ts, L("a\0"), L("1\0"));
	ts->wo.mode = 0644;
	write_table(ts);
	umask(old);
	assert_int_equal(mode_of(ts->db), 0644);
}

static void
test_existing_table_keeps_mode(void **state)
{
	struct ts *ts = *state;
	struct raw raw;

	add(ts, L("old\0"), L("1\0"));
	ts->wo.mode = 0640;
	write_table(ts);
	assert_int_equal(mode_of(ts->db), 0640);
	assert_int_equal(chmod(ts->db, 0604), 0);

	ts->count = 0;
	add(ts, L("new\0"), L("2\0"));
	ts->wo.mode = 0600;
	write_table(ts);
	assert_int_equal(mode_of(ts->db), 0604);
	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 1);	/* old contents gone */
	expect_raw(&raw, 0, L("new\0"), L("2\0"));
}

static void
test_directory_refused(void **state)
{
	struct ts *ts = *state;
	struct stat st;

	assert_int_equal(mkdir(ts->db, 0755), 0);
	add(ts, L("a\0"), L("1\0"));
	assert_int_equal(am_table_write(ts->db, ts->rec, ts->count, &ts->wo,
	    &ts->err), -1);
	assert_int_not_equal(ts->err.code, AM_OK);
	assert_non_null(strstr(ts->err.message, ts->db));
	assert_int_equal(stat(ts->db, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(unit_count_prefix(ts->dir, "virtual.lmdb.tmp"), 0);

	/* and for reading */
	assert_int_equal(am_table_open(&ts->t, ts->db, AM_TABLE_RDONLY, 0,
	    &ts->err), -1);
	assert_null(ts->t);
	assert_int_not_equal(ts->err.code, AM_OK);
}

static void
test_empty_record_set(void **state)
{
	struct ts *ts = *state;
	struct each_log log;
	struct raw raw;

	memset(&log, 0, sizeof(log));
	write_table(ts);
	raw_dump(ts->db, &raw);		/* a valid LMDB file */
	assert_int_equal(raw.count, 0);
	open_table(ts, AM_TABLE_RDONLY);
	expect_missing(ts, "anything");
	assert_int_equal(am_table_each(ts->t, each_cb, &log, &ts->err), 0);
	assert_int_equal(log.count, 0);
}

static void
temp_created(const char *path, void *arg)
{
	struct ts *ts = arg;

	ts->temp_calls++;
	snprintf(ts->temp_path, sizeof(ts->temp_path), "%s", path);
}

static void
test_temp_file_reported_and_removed(void **state)
{
	struct ts *ts = *state;
	char prefix[300];

	ts->wo.temp_created = temp_created;
	ts->wo.temp_arg = ts;
	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	assert_int_equal(ts->temp_calls, 1);
	snprintf(prefix, sizeof(prefix), "%s.tmp.", ts->db);
	assert_int_equal(strncmp(ts->temp_path, prefix, strlen(prefix)), 0);
	assert_int_equal(access(ts->temp_path, F_OK), -1);
}

static void
test_key_too_long_leaves_old_table(void **state)
{
	struct ts *ts = *state;
	char key[600], *before, *after;
	size_t blen, alen;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	before = unit_read_file(ts->db, &blen);
	assert_non_null(before);

	ts->count = 0;
	memset(key, 'k', sizeof(key));
	key[AM_TABLE_MAX_KEY] = '\0';
	add(ts, key, AM_TABLE_MAX_KEY + 1, L("v\0"));
	assert_int_equal(am_table_write(ts->db, ts->rec, ts->count, &ts->wo,
	    &ts->err), -1);
	assert_int_equal(ts->err.code, AM_E_KEY_TOO_LONG);
	after = unit_read_file(ts->db, &alen);
	assert_non_null(after);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(unit_count_prefix(ts->dir, "virtual.lmdb.tmp"), 0);
	free(before);
	free(after);
}

static void
test_open_errors(void **state)
{
	struct ts *ts = *state;

	assert_int_equal(am_table_open(&ts->t, ts->db, AM_TABLE_RDONLY, 0,
	    &ts->err), -1);
	assert_null(ts->t);
	assert_int_equal(ts->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(ts->err.message, ts->db));

	/* not an LMDB file */
	assert_int_equal(unit_write_file(ts->db, "this is not lmdb\n", 17,
	    0644), 0);
	assert_int_equal(am_table_open(&ts->t, ts->db, AM_TABLE_RDONLY, 0,
	    &ts->err), -1);
	assert_null(ts->t);
	assert_int_not_equal(ts->err.code, AM_OK);

	/* a 0-byte file */
	assert_int_equal(unit_write_file(ts->db, "", 0, 0644), 0);
	assert_int_equal(am_table_open(&ts->t, ts->db, AM_TABLE_RDONLY, 0,
	    &ts->err), -1);
	assert_null(ts->t);
	assert_int_not_equal(ts->err.code, AM_OK);
}

/* A child holding an fcntl write lock on the table, as a Postfix writer. */
static void
hold_write_lock(struct ts *ts)
{
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	ts->child = fork();
	assert_true(ts->child >= 0);
	if (ts->child == 0) {
		struct flock fl;
		int fd = open(ts->db, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0 ||
		    write(p[1], "L", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
}

static void
test_write_waits_for_lock(void **state)
{
	struct ts *ts = *state;
	struct raw raw;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	hold_write_lock(ts);
	ts->count = 0;
	add(ts, L("b\0"), L("2\0"));
	ts->wo.lock_timeout_ms = 200;
	assert_int_equal(am_table_write(ts->db, ts->rec, ts->count, &ts->wo,
	    &ts->err), -1);
	assert_int_equal(ts->err.code, AM_E_LOCK_BUSY);
	raw_dump(ts->db, &raw);
	assert_int_equal(raw.count, 1);
	expect_raw(&raw, 0, L("a\0"), L("1\0"));
	assert_int_equal(unit_count_prefix(ts->dir, "virtual.lmdb.tmp"), 0);
}

static void
test_lookup_waits_for_writer(void **state)
{
	struct ts *ts = *state;
	bool found = true;

	add(ts, L("a\0"), L("1\0"));
	write_table(ts);
	assert_int_equal(am_table_open(&ts->t, ts->db, AM_TABLE_RDONLY, 200,
	    &ts->err), 0);
	hold_write_lock(ts);
	assert_int_equal(am_table_lookup(ts->t, L("a"), &found, &ts->value,
	    &ts->err), -1);
	assert_int_equal(ts->err.code, AM_E_LOCK_BUSY);
	kill(ts->child, SIGKILL);
	waitpid(ts->child, NULL, 0);
	ts->child = -1;
	expect_found(ts, "a", "1");
}

static void
test_batch_lookups(void **state)
{
	struct ts *ts = *state;

	add(ts, L("a\0"), L("1\0"));
	add(ts, L("b\0"), L("2\0"));
	write_table(ts);
	open_table(ts, AM_TABLE_RDONLY);
	assert_int_equal(am_table_batch_begin(ts->t, &ts->err), 0);
	expect_found(ts, "a", "1");
	expect_found(ts, "b", "2");
	expect_missing(ts, "c");
	am_table_batch_end(ts->t);
	am_table_batch_end(ts->t);	/* twice is harmless */
	expect_found(ts, "b", "2");
}

/* am_record_compare() agrees with LMDB's own comparison. */
static void
test_record_compare_matches_lmdb(void **state)
{
	static const char *keys[] = {
		"", "a", "a\0", "ab", "abcdefgh", "abcdefghi", "abcdefgh\0",
		"abcdefghij", "abcdefghiz", "abcdefgz", "b", "\x7f", "\x80",
		"\xc3x", "\xff", "\xff\xff", "user1@example.com",
		"user10@example.com", "user1@example.co",
	};
	static const size_t lens[] = {
		0, 1, 2, 2, 8, 9, 9, 10, 10, 8, 1, 1, 1, 2, 1, 2, 17, 18, 16,
	};
	struct ts *ts = *state;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	struct am_record a, b;
	MDB_val ka, kb;
	size_t i, j, n = sizeof(keys) / sizeof(keys[0]);
	int mine, theirs;

	/* a scratch environment for mdb_cmp() */
	write_table(ts);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, ts->db, MDB_NOSUBDIR | MDB_NOLOCK |
	    MDB_RDONLY, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			memset(&a, 0, sizeof(a));
			memset(&b, 0, sizeof(b));
			am_record_set_key(&a, keys[i], (uint32_t)lens[i]);
			am_record_set_key(&b, keys[j], (uint32_t)lens[j]);
			ka.mv_data = (void *)keys[i];
			ka.mv_size = lens[i];
			kb.mv_data = (void *)keys[j];
			kb.mv_size = lens[j];
			mine = am_record_compare(&a, &b);
			theirs = mdb_cmp(txn, dbi, &ka, &kb);
			if ((mine > 0) != (theirs > 0) ||
			    (mine < 0) != (theirs < 0))
				fail_msg("keys %zu and %zu: %d, LMDB %d", i, j,
				    mine, theirs);
		}
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_ts, teardown_ts)
	const struct CMUnitTest tests[] = {
		T(test_write_postfix_format),
		T(test_lookup_nul_form),
		T(test_lookup_plain_form),
		T(test_pinning_after_first_hit),
		T(test_value_nul_truncates),
		T(test_large_value),
		T(test_each_in_key_order),
		T(test_each_stops_on_callback_error),
		T(test_update_in_one_transaction),
		T(test_update_delete_plain_form),
		T(test_update_abort),
		T(test_update_needs_rdwr),
		T(test_update_key_too_long),
		T(test_detect_nul),
		T(test_detect_nul_skips_yp_records),
		T(test_new_table_mode_ignores_umask),
		T(test_existing_table_keeps_mode),
		T(test_directory_refused),
		T(test_empty_record_set),
		T(test_temp_file_reported_and_removed),
		T(test_key_too_long_leaves_old_table),
		T(test_open_errors),
		T(test_write_waits_for_lock),
		T(test_lookup_waits_for_writer),
		T(test_batch_lookups),
		T(test_record_compare_matches_lmdb),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
