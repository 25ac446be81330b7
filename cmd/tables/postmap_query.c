/*
 * postmap / postalias -q, -s and -d: read and change existing tables.
 */
#include "postmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_base64.h"
#include "am_mapfile.h"
#include "am_table.h"
#include "am_utf8.h"

struct open_map {
	struct am_map_spec spec;
	struct am_table *table;
};

static void
close_maps(struct open_map *maps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		am_table_close(maps[i].table);
		am_map_spec_free(&maps[i].spec);
	}
	free(maps);
}

/* Postfix's -n / -N at query time: only that key form is tried. */
static int
query_forms(const struct postmap_opts *o)
{
	if (o->nul == 'n')
		return AM_TABLE_TRY_PLAIN;
	if (o->nul == 'N')
		return AM_TABLE_TRY_NUL;
	return AM_TABLE_TRY_NUL | AM_TABLE_TRY_PLAIN;
}

static int
open_map(struct am_cli *cli, const struct postmap_opts *o, const char *arg,
    int mode, struct open_map *m, struct am_error *err)
{
	struct stat src, db;

	if (am_map_spec_parse(&m->spec, arg, o->default_type, err) < 0)
		return -1;
	if (am_table_open(&m->table, m->spec.db_path, mode,
	    cli->lock_timeout_ms, err) < 0)
		return -1;
	am_table_set_forms(m->table, query_forms(o));
	/* Postfix's hint that someone forgot to rebuild. */
	if (stat(m->spec.path, &src) == 0 && stat(m->spec.db_path, &db) == 0 &&
	    src.st_mtime > db.st_mtime + 100)
		cli_warnf(cli, "database %s is older than source file %s",
		    m->spec.db_path, m->spec.path);
	return 0;
}

/*
 * The value as printed: -F tables hold base64 that is decoded.  1 (after
 * a warning) when it is not base64: a query fails, a dump goes on.
 */
static int
printable_value(struct am_cli *cli, const struct open_map *m, const char *key,
    struct am_buf *value, struct am_buf *decoded, const struct postmap_opts *o,
    struct am_error *err)
{
	if (value->len == 0) {
		cli_warnf(cli, "table %s: key %s: empty string result is not "
		    "allowed", m->spec.name, key);
		cli_warnf(cli, "table %s should return NO RESULT in case of "
		    "NOT FOUND", m->spec.name);
	}
	if (!o->rhs_is_file)
		return 0;
	am_buf_reset(decoded);
	if (am_base64_decode(decoded, value->data, value->len) < 0) {
		cli_warnf(cli, "table %s: key %s: malformed BASE64 value: %s",
		    m->spec.name, key, value->data);
		return 1;
	}
	am_buf_reset(value);
	return am_buf_add(value, decoded->data ? decoded->data : "",
	    decoded->len) < 0 ? am_error_set(err, AM_E_NOMEM,
	    "out of memory") : 0;
}

static int
lookup(struct am_cli *cli, struct postmap_opts *o, struct open_map *m,
    const char *key, struct am_buf *folded, struct am_buf *value,
    struct am_buf *decoded, bool *found, struct am_error *err)
{
	int rc;

	/* A key that is not UTF-8 cannot match, as in Postfix. */
	if (o->utf8 && !o->no_utf8 && !am_utf8_valid(key, strlen(key))) {
		cli_warnf(cli, "%s: non-UTF-8 key \"%s\": malformed UTF-8 or "
		    "invalid codepoint", m->spec.name, key);
		*found = false;
		return 0;
	}
	if (am_compile_fold_query(&o->folder, key, strlen(key), o->fold,
	    o->utf8 && !o->no_utf8, folded, err) < 0)
		return -1;
	if (am_table_lookup(m->table, folded->data, folded->len, found, value,
	    err) < 0)
		return -1;
	/* With UTF-8 on, Postfix refuses to hand out a broken value (a
	 * dump with -s shows it as it is). */
	if (*found && o->utf8 && !o->no_utf8 && !am_utf8_valid(value->data,
	    value->len)) {
		cli_warnf(cli, "%s: key \"%s\": non-UTF-8 value \"%s\": "
		    "malformed UTF-8 or invalid codepoint", m->spec.name, key,
		    value->data);
		return am_error_set(err, AM_E_DB, "table %s: query error",
		    m->spec.name);
	}
	if (*found && (rc = printable_value(cli, m, key, value, decoded, o,
	    err)) != 0)
		return rc < 0 ? -1 : am_error_set(err, AM_E_DB,
		    "table %s: query error", m->spec.name);
	return 0;
}

static void
json_result(struct am_json *j, const char *key, const char *map,
    const struct am_buf *value)
{
	am_json_object_begin(j, NULL);
	am_json_string(j, "key", key);
	am_json_string(j, "map", map);
	am_json_string_len(j, "value", value->data, value->len);
	am_json_object_end(j);
}

/* -q KEY: the first map that has it answers. */
static int
query_one(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[], struct am_error *err, struct am_json *j)
{
	struct am_buf folded = AM_BUF_INIT, value = AM_BUF_INIT;
	struct am_buf decoded = AM_BUF_INIT;
	struct open_map m;
	bool found = false;
	int i, rc = -1;

	for (i = 0; i < nfiles && !found; i++) {
		memset(&m, 0, sizeof(m));
		if (open_map(cli, o, files[i], AM_TABLE_RDONLY, &m, err) < 0 ||
		    lookup(cli, o, &m, o->key, &folded, &value, &decoded,
		    &found, err) < 0) {
			am_table_close(m.table);
			am_map_spec_free(&m.spec);
			goto out;
		}
		if (found && cli->json)
			json_result(j, o->key, m.spec.name, &value);
		else if (found)
			printf("%s\n", value.data ? value.data : "");
		am_table_close(m.table);
		am_map_spec_free(&m.spec);
	}
	rc = found ? 1 : 0;
out:
	am_buf_free(&folded);
	am_buf_free(&value);
	am_buf_free(&decoded);
	return rc;
}

/*
 * -q -: keys from stdin.  A batch of lookups shares one read lock and
 * transaction, ended before we wait for more input so that an interactive
 * caller never holds the table locked.  A map is opened when a key first
 * gets to it, as Postfix does: a later map that cannot be opened fails
 * only when a key is not found before it.
 */
static int
query_stdin(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[], struct am_error *err, struct am_json *j)
{
	struct am_buf folded = AM_BUF_INIT, value = AM_BUF_INIT;
	struct am_buf decoded = AM_BUF_INIT, in = AM_BUF_INIT;
	struct open_map *maps;
	size_t start = 0;
	char *nl;
	bool found, any = false, eof = false, batch = false;
	ssize_t n;
	int k, opened = 0, rc = -1;

	if ((maps = calloc((size_t)nfiles, sizeof(*maps))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	while (!eof || start < in.len) {
		nl = in.len > start ? memchr(in.data + start, '\n',
		    in.len - start) : NULL;
		if (nl == NULL && !eof) {
			/* Release the tables before waiting for input. */
			if (batch)
				for (k = 0; k < opened; k++)
					am_table_batch_end(maps[k].table);
			batch = false;
			fflush(stdout);
			if (in.len > start)
				memmove(in.data, in.data + start,
				    in.len - start);
			in.len -= start;
			start = 0;
			if (am_buf_reserve(&in, 65536) < 0) {
				am_error_set(err, AM_E_NOMEM, "out of memory");
				goto out;
			}
			n = read(STDIN_FILENO, in.data + in.len, 65536);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				am_error_set_errno(err, AM_E_IO, errno,
				    "read stdin");
				goto out;
			}
			if (n == 0)
				eof = true;
			in.len += (size_t)n;
			in.data[in.len] = '\0';
			continue;
		}
		if (nl == NULL)
			nl = in.data + in.len;	/* last line, no newline */
		*nl = '\0';
		if (!batch) {
			for (k = 0; k < opened; k++)
				if (am_table_batch_begin(maps[k].table,
				    err) < 0)
					goto out;
			batch = true;
		}
		for (k = 0, found = false; k < nfiles && !found; k++) {
			if (k == opened) {
				if (open_map(cli, o, files[k], AM_TABLE_RDONLY,
				    &maps[k], err) < 0 ||
				    am_table_batch_begin(maps[k].table,
				    err) < 0)
					goto out;
				opened++;
			}
			if (lookup(cli, o, &maps[k], in.data + start, &folded,
			    &value, &decoded, &found, err) < 0)
				goto out;
			if (found && cli->json)
				json_result(j, in.data + start,
				    maps[k].spec.name, &value);
			else if (found)
				printf("%s%s\t%s\n", in.data + start,
				    o->alias ? ":" : "", value.data);
		}
		any |= found;
		start = (size_t)(nl - in.data) + 1;
		if (start > in.len)
			start = in.len;
	}
	rc = any ? 1 : 0;
out:
	close_maps(maps, nfiles);
	am_buf_free(&folded);
	am_buf_free(&value);
	am_buf_free(&decoded);
	am_buf_free(&in);
	return rc;
}

int
postmap_query(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[])
{
	struct am_error err;
	struct am_json j;
	int found;

	am_error_clear(&err);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "results");
	}
	if (strcmp(o->key, "-") == 0)
		found = query_stdin(cli, o, nfiles, files, &err, &j);
	else
		found = query_one(cli, o, nfiles, files, &err, &j);
	if (found < 0) {
		if (cli->json)
			am_json_free(&j);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		am_json_array_end(&j);
		am_json_bool(&j, "found", found);
		if (cli_json_end(cli, &j) < 0)
			return 1;
	}
	return found ? 0 : 1;
}

struct dump_ctx {
	struct am_cli *cli;
	struct postmap_opts *o;
	struct open_map *m;
	struct am_json *j;
	struct am_buf key, value, decoded;
	struct am_error *err;
};

static int
dump_record(void *arg, const char *key, size_t key_len, const char *value,
    size_t value_len)
{
	struct dump_ctx *d = arg;
	int rc;

	am_buf_reset(&d->key);
	am_buf_reset(&d->value);
	if (am_buf_add(&d->key, key, key_len) < 0 ||
	    am_buf_add(&d->value, value, value_len) < 0)
		return -1;
	/* Postfix warns, and shows the record all the same. */
	if (key_len == 0)
		cli_warnf(d->cli, "table %s: empty lookup key value is not "
		    "allowed", d->m->spec.name);
	/* Postfix skips a value that is not base64 and goes on. */
	if ((rc = printable_value(d->cli, d->m, d->key.data, &d->value,
	    &d->decoded, d->o, d->err)) != 0)
		return rc < 0 ? -1 : 0;
	if (d->cli->json) {
		am_json_object_begin(d->j, NULL);
		am_json_string_len(d->j, "key", d->key.data, d->key.len);
		am_json_string_len(d->j, "value", d->value.data, d->value.len);
		am_json_object_end(d->j);
		return 0;
	}
	return printf("%s%s\t%s\n", d->key.data, d->o->alias ? ":" : "",
	    d->value.data) < 0 ? -1 : 0;
}

/* -s: unlike Postfix (first map only), every listed map in order. */
int
postmap_dump(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[])
{
	struct am_error err;
	struct am_json j;
	struct open_map m;
	struct dump_ctx d;
	int i, rc = 0;

	am_error_clear(&err);
	memset(&d, 0, sizeof(d));
	d.cli = cli;
	d.o = o;
	d.j = &j;
	d.err = &err;
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "maps");
	}
	for (i = 0; i < nfiles && rc == 0; i++) {
		memset(&m, 0, sizeof(m));
		d.m = &m;
		if (open_map(cli, o, files[i], AM_TABLE_RDONLY, &m, &err) < 0)
			rc = -1;
		if (rc == 0 && cli->json) {
			am_json_object_begin(&j, NULL);
			am_json_string(&j, "map", m.spec.name);
			am_json_array_begin(&j, "records");
		}
		if (rc == 0 && am_table_each(m.table, dump_record, &d,
		    &err) < 0)
			rc = -1;
		if (rc == 0 && cli->json) {
			am_json_array_end(&j);
			am_json_object_end(&j);
		}
		am_table_close(m.table);
		am_map_spec_free(&m.spec);
	}
	am_buf_free(&d.key);
	am_buf_free(&d.value);
	am_buf_free(&d.decoded);
	if (rc < 0) {
		if (cli->json)
			am_json_free(&j);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		am_json_array_end(&j);
		return cli_json_end(cli, &j) < 0 ? 1 : 0;
	}
	return 0;
}

/* Keys for -d: the argument, or one per stdin line for "-d -". */
static int
delete_keys(const struct postmap_opts *o, struct am_buf *keys,
    struct am_error *err)
{
	char chunk[65536];
	ssize_t n;

	if (strcmp(o->key, "-") != 0)
		return am_buf_add(keys, o->key, strlen(o->key) + 1) < 0 ?
		    am_error_set(err, AM_E_NOMEM, "out of memory") : 0;
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return am_error_set_errno(err, AM_E_IO, errno,
			    "read stdin");
		if (am_buf_add(keys, chunk, (size_t)n) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (keys->len > 0 && keys->data[keys->len - 1] != '\n' &&
	    am_buf_addc(keys, '\n') < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (n = 0; (size_t)n < keys->len; n++)
		if (keys->data[n] == '\n')
			keys->data[n] = '\0';
	return 0;
}

/* -d: every listed map, each in one transaction; never creates a table. */
int
postmap_delete(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[])
{
	struct am_buf keys = AM_BUF_INIT, folded = AM_BUF_INIT;
	struct am_error err;
	struct am_json j;
	struct open_map m;
	const char *key;
	size_t deleted = 0;
	bool bad_keys = false;
	int i, rc = 0, r;

	am_error_clear(&err);
	if (delete_keys(o, &keys, &err) < 0)
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "deleted");
	}
	for (i = 0; i < nfiles && rc == 0; i++) {
		memset(&m, 0, sizeof(m));
		if (open_map(cli, o, files[i], AM_TABLE_RDWR, &m, &err) < 0 ||
		    am_table_update_begin(m.table, &err) < 0) {
			rc = -1;
			goto next;
		}
		for (key = keys.data; key != NULL &&
		    key < keys.data + keys.len; key += strlen(key) + 1) {
			/*
			 * As in a query, a key that is not UTF-8 matches
			 * nothing: Postfix warns, deletes nothing and (its
			 * lookup error counting as an answer) exits 0.
			 */
			if (o->utf8 && !o->no_utf8 &&
			    !am_utf8_valid(key, strlen(key))) {
				cli_warnf(cli, "%s: non-UTF-8 key \"%s\": "
				    "malformed UTF-8 or invalid codepoint",
				    m.spec.name, key);
				bad_keys = true;
				continue;
			}
			if (am_compile_fold_query(&o->folder, key,
			    strlen(key), o->fold, o->utf8 && !o->no_utf8,
			    &folded, &err) < 0 ||
			    (r = am_table_update_delete(m.table, folded.data,
			    folded.len, &err)) < 0) {
				rc = -1;
				goto next;
			}
			deleted += (size_t)r;
			if (r > 0 && cli->json) {
				am_json_object_begin(&j, NULL);
				am_json_string(&j, "key", key);
				am_json_string(&j, "map", m.spec.name);
				am_json_object_end(&j);
			}
		}
		rc = am_table_update_commit(m.table, &err);
next:
		am_table_close(m.table);
		am_map_spec_free(&m.spec);
	}
	am_buf_free(&keys);
	am_buf_free(&folded);
	if (rc < 0) {
		if (cli->json)
			am_json_free(&j);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		am_json_array_end(&j);
		am_json_bool(&j, "changed", deleted > 0);
		if (cli_json_end(cli, &j) < 0)
			return 1;
	}
	return deleted > 0 || bad_keys ? 0 : 1;
}
