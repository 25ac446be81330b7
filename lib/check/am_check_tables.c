/*
 * archmail check tables, postfix: every LMDB table archmail manages or
 * main.cf names, compiled from its source in memory the way postmap and
 * postalias would and compared record for record with the table file; and
 * the tables of main.cf that archmail cannot build (hash:, btree:).
 *
 * Codes (area tables):
 *   table-missing         error    the source exists, its .lmdb does not
 *   table-stale           error    records differ (the first few named)
 *   table-unreadable      error    the .lmdb is not an LMDB table
 *   table-source-missing  error    main.cf names a table without source
 * Codes (area postfix):
 *   postfix-db-missing    error    hash:/btree: table without FILE.db
 *   postfix-default-type  warning  default_database_type is not lmdb
 */
#include "am_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "am_buf.h"
#include "am_check_fix.h"
#include "am_compile.h"
#include "am_conf.h"
#include "am_mapfile.h"
#include "am_source.h"
#include "am_table.h"

/* How many differing keys a table-stale finding names. */
#define NAMED_KEYS 5

/* One table to compare: its source (ROOT-prefixed) and how it compiles. */
struct tbl {
	char *source;
	enum am_map_kind kind;
	char *cf_file;		/* main.cf, when main.cf names it */
	long cf_line;
};

struct tbl_list {
	struct tbl *v;
	size_t n, cap;
};

static void
tbl_list_free(struct tbl_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].source);
		free(l->v[i].cf_file);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Add a table once: the same source named twice is compared once, as an
 * alias table when any of its names is (alias_maps compiles in aliases(5)
 * form whatever else names the file).
 */
static int
tbl_add(struct tbl_list *l, const char *source, enum am_map_kind kind,
    const char *cf_file, long cf_line, struct am_error *err)
{
	struct tbl *t;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].source, source) == 0) {
			if (kind == AM_MAP_ALIASES)
				l->v[i].kind = kind;
			return 0;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;

		if ((t = realloc(l->v, cap * sizeof(*t))) == NULL)
			goto nomem;
		l->v = t;
		l->cap = cap;
	}
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->cf_line = cf_line;
	if ((t->source = strdup(source)) == NULL ||
	    (cf_file != NULL && (t->cf_file = strdup(cf_file)) == NULL)) {
		free(t->source);
		goto nomem;
	}
	l->n++;
	return 0;
nomem:
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

/*
 * main.cf, evaluated the way Postfix does.  found false: there is no
 * main.cf under the root, so no Postfix to check and nothing named.
 */
struct maincf {
	struct am_postconf pc;
	bool loaded;
};

static int
maincf_load(struct maincf *m, const struct am_host *h, struct am_error *err)
{
	char host[256] = "localhost";
	char *dir;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((dir = am_host_postfix_dir(h, NULL)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	(void)gethostname(host, sizeof(host) - 1);
	rc = am_postconf_load_at(&m->pc, dir, host, h->root, err);
	free(dir);
	if (rc < 0)
		return -1;
	m->loaded = true;
	return 0;
}

static void
maincf_free(struct maincf *m)
{
	if (m->loaded)
		am_postconf_free(&m->pc);
	m->loaded = false;
}

/* The line of the last assignment of name in main.cf, or 0. */
static long
maincf_line(const struct am_postconf *pc, const char *name)
{
	long line = 0;
	size_t i;

	for (i = 0; i < pc->count; i++)
		if (strcmp(pc->param[i].name, name) == 0)
			line = pc->param[i].line;
	return line;
}

static bool
is_alias_param(const char *name)
{
	return strcmp(name, "alias_maps") == 0 ||
	    strcmp(name, "alias_database") == 0;
}

static bool
is_map_param(const char *name)
{
	size_t len = strlen(name);

	return is_alias_param(name) ||
	    (len > 5 && strcmp(name + len - 5, "_maps") == 0);
}

/* Called for each "type:name" of a map list; name is the table's name. */
typedef int map_fn(void *ctx, const char *param, long line, const char *type,
    const char *name, struct am_error *err);

/*
 * Split a map list as Postfix does: separators are commas and blanks,
 * except inside {...} (inline:{a=b, c=d}, pipemap:{...}).  A "proxy:" in
 * front of a table changes who opens it, not the file; the tables inside
 * unionmap:{...} and pipemap:{...} are tables of the parameter too.
 */
static int
maps_each(const char *param, long line, const char *value, map_fn *fn,
    void *ctx, struct am_error *err)
{
	const char *p = value, *start;
	char *tok, *colon, *type;
	int depth, rc;

	for (;;) {
		p += strspn(p, ", \t\r\n");
		if (*p == '\0')
			return 0;
		start = p;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && depth > 0)
				depth--;
			else if (depth == 0 && strchr(", \t\r\n", *p) != NULL)
				break;
		}
		if ((tok = strndup(start, (size_t)(p - start))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		type = tok;
		while (strncmp(type, "proxy:", 6) == 0)
			type += 6;
		if ((colon = strchr(type, ':')) != NULL && colon != type) {
			size_t len = strlen(colon + 1);

			*colon = '\0';
			/* unionmap:{a, b} and pipemap:{a, b} hold tables. */
			if ((strcmp(type, "unionmap") == 0 ||
			    strcmp(type, "pipemap") == 0) && len >= 2 &&
			    colon[1] == '{' && colon[len] == '}') {
				colon[len] = '\0';
				rc = maps_each(param, line, colon + 2, fn, ctx,
				    err);
			} else {
				rc = fn(ctx, param, line, type, colon + 1, err);
			}
			if (rc < 0) {
				free(tok);
				return -1;
			}
		}
		free(tok);
	}
}

/*
 * Each map of main.cf's *_maps parameters and alias_database (those set
 * in main.cf) and of alias_maps, set or not: local(8) looks up its default
 * (alias_database, without a setting, only concerns newaliases).
 */
static int
maincf_maps(const struct am_postconf *pc, map_fn *fn, void *ctx,
    struct am_error *err)
{
	const char *name;
	char *value;
	size_t i, j;
	int rc;

	for (i = 0; i <= pc->count; i++) {
		name = i == 0 ? "alias_maps" : pc->param[i - 1].name;
		if (!is_map_param(name))
			continue;
		/* Each name once: the last assignment is the one in force. */
		if (i > 0) {
			if (strcmp(name, "alias_maps") == 0)
				continue;
			for (j = i; j < pc->count; j++)
				if (strcmp(pc->param[j].name, name) == 0)
					break;
			if (j < pc->count)
				continue;
		}
		if (am_postconf_eval(pc, name, &value, err) < 0)
			return -1;
		if (value == NULL)
			continue;
		rc = maps_each(name, maincf_line(pc, name), value, fn, ctx,
		    err);
		free(value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Records of a table file, NUL-stripped, for sorting and comparing. */
struct rec {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
	long line;		/* source line (compiled records) */
};

struct rec_list {
	struct rec *v;
	size_t n, cap;
};

static void
rec_list_free(struct rec_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
rec_add(struct rec_list *l, const char *key, size_t key_len,
    const char *value, size_t value_len, long line)
{
	struct rec *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((r = realloc(l->v, cap * sizeof(*r))) == NULL)
			return -1;
		l->v = r;
		l->cap = cap;
	}
	r = &l->v[l->n];
	r->key_len = key_len;
	r->value_len = value_len;
	r->line = line;
	if ((r->key = malloc(key_len + 1)) == NULL)
		return -1;
	if ((r->value = malloc(value_len + 1)) == NULL) {
		free(r->key);
		return -1;
	}
	memcpy(r->key, key, key_len);
	r->key[key_len] = '\0';
	memcpy(r->value, value, value_len);
	r->value[value_len] = '\0';
	l->n++;
	return 0;
}

static int
each_cb(void *ctx, const char *key, size_t key_len, const char *value,
    size_t value_len)
{
	return rec_add(ctx, key, key_len, value, value_len, 0);
}

/* LMDB's order on the text without the trailing NUL. */
static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c;

	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* The compile's own warnings belong to the users and aliases areas. */
static void
quiet(void *ctx, const struct am_error *w)
{
	(void)ctx;
	(void)w;
}

static int
compile_records(const struct tbl *t, const struct am_postfix_settings *ps,
    struct am_source *src, struct rec_list *out, struct am_error *err)
{
	struct am_compile_opts o;
	struct am_records rs;
	size_t i;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.kind = t->kind;
	o.fold = true;
	o.utf8 = ps->utf8;
	o.nul = true;
	o.dup = AM_DUP_WARN;
	o.alias_extras = t->kind == AM_MAP_ALIASES;
	o.myhostname = ps->myhostname;
	o.now = time(NULL);
	o.warn = quiet;
	am_records_init(&rs);
	if (am_compile_source(&rs, src, &o, err) < 0)
		goto out;
	for (i = 0; i < rs.count; i++) {
		const struct am_record *r = &rs.rec[i];

		if (rec_add(out, r->key, strnlen(r->key, r->key_len),
		    r->value, strnlen(r->value, r->value_len),
		    r->line >= AM_RECORD_EXTRA_LINE ? 0 : r->line) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), rec_cmp);
	rc = 0;
out:
	am_records_free(&rs);
	return rc;
}

/* A key for a message: printable ASCII and UTF-8 as it is, else escaped. */
static int
add_key(struct am_buf *b, const char *key, size_t len)
{
	size_t i;

	if (am_buf_adds(b, "\"") < 0)
		return -1;
	for (i = 0; i < len && i < 100; i++) {
		unsigned char c = (unsigned char)key[i];

		if ((c < 0x20 || c == 0x7f || c == '"' || c == '\\') ?
		    am_buf_printf(b, "\\x%02x", c) < 0 :
		    am_buf_addc(b, c) < 0)
			return -1;
	}
	return am_buf_adds(b, i < len ? "...\"" : "\"");
}

/*
 * The two sorted lists side by side: *ndiff differences, the first few
 * described in desc, *line the source line of the first one that has a
 * line (a record missing from the table or with another value there).
 */
static int
compare(const struct rec_list *want, const struct rec_list *have,
    size_t *ndiff, long *line, struct am_buf *desc)
{
	size_t i = 0, j = 0;
	const char *why;
	const struct rec *r;
	int c;

	*ndiff = 0;
	*line = 0;
	while (i < want->n || j < have->n) {
		if (i == want->n)
			c = 1;
		else if (j == have->n)
			c = -1;
		else
			c = rec_cmp(&want->v[i], &have->v[j]);
		if (c < 0) {
			r = &want->v[i++];
			why = "not in the table";
		} else if (c > 0) {
			r = &have->v[j++];
			why = "only in the table";
		} else {
			r = &want->v[i++];
			j++;
			/* Written at each build: differs by nature. */
			if (strcmp(r->key, "YP_LAST_MODIFIED") == 0 ||
			    (r->value_len == have->v[j - 1].value_len &&
			    memcmp(r->value, have->v[j - 1].value,
			    r->value_len) == 0))
				continue;
			why = "another value in the table";
		}
		if (*line == 0 && c <= 0)
			*line = r->line;
		if ((*ndiff)++ >= NAMED_KEYS)
			continue;
		if ((*ndiff > 1 && am_buf_adds(desc, ", ") < 0) ||
		    add_key(desc, r->key, r->key_len) < 0 ||
		    am_buf_printf(desc, " (%s)", why) < 0)
			return -1;
	}
	return 0;
}

static char *
rebuild_fix(const struct am_host *h, const struct tbl *t)
{
	return am_check_archmail(h, "%s lmdb:%Q", t->kind == AM_MAP_ALIASES ?
	    "postalias" : "postmap", t->source);
}

static int
check_table(const struct am_host *h, const struct am_postfix_settings *ps,
    const struct tbl *t, struct am_check_report *report,
    struct am_error *err)
{
	struct am_source src;
	struct am_table *table = NULL;
	struct rec_list want = { 0 }, have = { 0 };
	struct am_buf desc = AM_BUF_INIT;
	struct am_error e;
	struct stat st;
	char *db = NULL, *fix = NULL;
	size_t ndiff;
	long line;
	bool src_open = false;
	int rc = -1;

	am_error_clear(&e);
	if (asprintf(&db, "%s.lmdb", t->source) < 0) {
		db = NULL;
		goto nomem;
	}
	if ((fix = rebuild_fix(h, t)) == NULL)
		goto nomem;
	if (stat(t->source, &st) < 0 && errno == ENOENT) {
		/*
		 * A table archmail manages but the host does not use (no
		 * aliases file at all) is no finding; one that main.cf
		 * names, or a table left without its source, is.
		 */
		if (t->cf_file == NULL && stat(db, &st) < 0 &&
		    errno == ENOENT) {
			rc = 0;
			goto out;
		}
		rc = am_check_add(report, "tables", "table-source-missing",
		    AM_CHECK_ERROR, t->cf_file != NULL ? t->cf_file : db,
		    t->cf_line, NULL, err, "%s: the source of lmdb:%s does "
		    "not exist, so the table cannot be built", t->source,
		    t->source);
		goto out;
	}
	if (am_source_open(&src, t->source, err) < 0)
		goto out;
	src_open = true;
	if (compile_records(t, ps, &src, &want, err) < 0)
		goto out;
	if (am_table_open(&table, db, AM_TABLE_RDONLY, h->lock_timeout_ms,
	    &e) < 0) {
		if (e.code == AM_E_NOINPUT && e.sys_errno == ENOENT)
			rc = am_check_add(report, "tables", "table-missing",
			    AM_CHECK_ERROR, t->source, 0, fix, err,
			    "%s does not exist: Postfix finds none of the "
			    "%zu records of lmdb:%s", db, want.n, t->source);
		else if (e.code == AM_E_DB || e.code == AM_E_NOINPUT)
			rc = am_check_add(report, "tables",
			    "table-unreadable", AM_CHECK_ERROR, db, 0, fix,
			    err, "%s", e.message);
		else
			*err = e;
		goto out;
	}
	if (am_table_each(table, each_cb, &have, &e) < 0) {
		if (e.code == AM_E_DB)
			rc = am_check_add(report, "tables",
			    "table-unreadable", AM_CHECK_ERROR, db, 0, fix,
			    err, "%s", e.message);
		else
			*err = e;
		goto out;
	}
	qsort(have.v, have.n, sizeof(*have.v), rec_cmp);
	if (compare(&want, &have, &ndiff, &line, &desc) < 0)
		goto nomem;
	if (ndiff == 0) {
		rc = 0;
		goto out;
	}
	rc = am_check_add(report, "tables", "table-stale", AM_CHECK_ERROR,
	    t->source, line, fix, err, "%s differs from its source in %zu "
	    "record%s: %s%s", db, ndiff, ndiff == 1 ? "" : "s",
	    desc.data != NULL ? desc.data : "",
	    ndiff > NAMED_KEYS ? ", ..." : "");
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	if (table != NULL)
		am_table_close(table);
	if (src_open)
		am_source_close(&src);
	rec_list_free(&want);
	rec_list_free(&have);
	am_buf_free(&desc);
	free(db);
	free(fix);
	return rc;
}

struct collect {
	const struct am_host *h;
	struct tbl_list *tables;
	const char *cf_file;
};

static int
collect_lmdb(void *ctx, const char *param, long line, const char *type,
    const char *name, struct am_error *err)
{
	struct collect *c = ctx;
	char *path;
	int rc;

	if (strcmp(type, "lmdb") != 0)
		return 0;
	if ((path = am_host_path(c->h, name)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = tbl_add(c->tables, path, is_alias_param(param) ?
	    AM_MAP_ALIASES : AM_MAP_POSTMAP, c->cf_file, line, err);
	free(path);
	return rc;
}

int
am_check_tables(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct am_postfix_settings ps;
	struct tbl_list tables = { 0 };
	struct maincf m;
	struct collect c;
	char *users = NULL, *aliases = NULL;
	bool ps_loaded = false;
	size_t i;
	int rc = -1;

	(void)opt;
	memset(&m, 0, sizeof(m));
	if (am_postfix_settings_load(&ps, h, NULL, err) < 0)
		goto out;
	ps_loaded = true;
	if ((users = am_host_conf_path(h, AM_CONF_USERS_MAP)) == NULL ||
	    (aliases = am_host_conf_path(h, AM_CONF_ALIASES_MAP)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (tbl_add(&tables, users, AM_MAP_POSTMAP, NULL, 0, err) < 0 ||
	    tbl_add(&tables, aliases, AM_MAP_ALIASES, NULL, 0, err) < 0)
		goto out;
	if (maincf_load(&m, h, err) < 0)
		goto out;
	if (m.pc.found) {
		c.h = h;
		c.tables = &tables;
		c.cf_file = m.pc.path;
		if (maincf_maps(&m.pc, collect_lmdb, &c, err) < 0)
			goto out;
	}
	for (i = 0; i < tables.n; i++)
		if (check_table(h, &ps, &tables.v[i], report, err) < 0)
			goto out;
	rc = 0;
out:
	if (ps_loaded)
		am_postfix_settings_free(&ps);
	maincf_free(&m);
	tbl_list_free(&tables);
	free(users);
	free(aliases);
	return rc;
}

struct dbcheck {
	const struct am_host *h;
	const char *cf_file;
	struct am_check_report *report;
};

static int
check_db(void *ctx, const char *param, long line, const char *type,
    const char *name, struct am_error *err)
{
	struct dbcheck *d = ctx;
	struct stat st;
	char *path = NULL, *db = NULL, *fix = NULL;
	int rc = -1;

	if (strcmp(type, "hash") != 0 && strcmp(type, "btree") != 0)
		return 0;
	if ((path = am_host_path(d->h, name)) == NULL ||
	    asprintf(&db, "%s.db", path) < 0) {
		db = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (stat(db, &st) == 0 || errno != ENOENT) {
		rc = 0;
		goto out;
	}
	/* Postfix's own tools build Berkeley DB tables; archmail does not. */
	if ((fix = am_check_shell("%s %s:%Q", is_alias_param(param) ?
	    "postalias" : "postmap", type, path)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = am_check_add(d->report, "postfix", "postfix-db-missing",
	    AM_CHECK_ERROR, d->cf_file, line, fix, err, "%s names %s:%s, "
	    "but %s does not exist (or switch the table to lmdb:)", param,
	    type, name, db);
out:
	free(path);
	free(db);
	free(fix);
	return rc;
}

int
am_check_postfix(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct maincf m;
	struct dbcheck d;
	char *type = NULL, *fix = NULL, *dir = NULL;
	int rc = -1;

	(void)opt;
	if (maincf_load(&m, h, err) < 0)
		return -1;
	if (!m.pc.found) {
		rc = 0;
		goto out;
	}
	d.h = h;
	d.cf_file = m.pc.path;
	d.report = report;
	if (maincf_maps(&m.pc, check_db, &d, err) < 0)
		goto out;
	if (am_postconf_eval(&m.pc, "default_database_type", &type, err) < 0)
		goto out;
	if (type != NULL && strcmp(type, "lmdb") != 0) {
		if ((dir = am_host_postfix_dir(h, NULL)) == NULL ||
		    (fix = am_check_shell("postconf -c %Q -e "
		    "default_database_type=lmdb", dir)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if (am_check_add(report, "postfix", "postfix-default-type",
		    AM_CHECK_WARNING, m.pc.path,
		    maincf_line(&m.pc, "default_database_type"), fix, err,
		    "default_database_type is %s: a table named without a "
		    "type is not an LMDB table that archmail keeps", type) < 0)
			goto out;
	}
	rc = 0;
out:
	maincf_free(&m);
	free(type);
	free(fix);
	free(dir);
	return rc;
}
