/*
 * archmail users apply, archmail alias apply: JSON Lines of add and remove
 * requests, one per line, with the single commands' fields and rules,
 * planned and written as one edit (am_edit_batch in am_edit.h).  The JSON
 * is parsed by jansson: this input comes from other programs and runs as
 * root.
 */
#include "users_edit.h"
#include "cli_result.h"
#include "apply_input.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "am_address.h"

/* What one line owns; the item's request points into it. */
struct apply_line {
	char *key, *category, *new_category;
	struct am_edit_list dests;
	struct am_buf note;
};

struct apply {
	struct am_cli *cli;
	enum am_map_kind kind;
	const char *input;	/* "stdin" or the file's name */
	struct am_edit_batch_item *items;
	struct apply_line *lines;
	size_t n, cap;
	struct am_edit_batch b;
};

static void
apply_free(struct apply *a)
{
	size_t i;

	am_edit_batch_free(&a->b);
	for (i = 0; i < a->n; i++) {
		free(a->lines[i].key);
		free(a->lines[i].category);
		free(a->lines[i].new_category);
		am_edit_list_free(&a->lines[i].dests);
		am_buf_free(&a->lines[i].note);
	}
	free(a->lines);
	free(a->items);
}

static int
dup_field(json_t *o, const char *name, char **out, struct am_error *err)
{
	const char *s;

	if (apply_string(o, name, false, &s, err) < 0)
		return -1;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

/* "a,b" as typed on the command line, or ["a", "b"]. */
static int
list_field(json_t *o, const char *name, struct am_buf *out,
    struct am_error *err)
{
	json_t *v = json_object_get(o, name), *x;
	size_t i;

	if (v == NULL || json_is_null(v))
		return am_error_set(err, AM_E_INVALID, "missing \"%s\"", name);
	if (json_is_string(v))
		return am_buf_adds(out, json_string_value(v)) < 0 ?
		    am_error_set(err, AM_E_NOMEM, "out of memory") : 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return am_error_set(err, AM_E_INVALID, "\"%s\": expected a "
		    "string or a non-empty array of strings", name);
	json_array_foreach(v, i, x) {
		if (!json_is_string(x))
			return am_error_set(err, AM_E_INVALID, "\"%s\": "
			    "expected an array of strings", name);
		/* A comma inside one element would split it: refused. */
		if (strchr(json_string_value(x), ',') != NULL)
			return am_error_set(err, AM_E_INVALID, "\"%s\": "
			    "\"%s\" holds a comma", name,
			    json_string_value(x));
		if (am_buf_printf(out, "%s%s", i > 0 ? "," : "",
		    json_string_value(x)) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	return 0;
}

static int
note_field(json_t *o, struct apply_line *l, struct am_error *err)
{
	const char *note;
	bool date = false;
	char day[16];
	time_t now = time(NULL);
	struct tm tm;

	if (apply_string(o, "note", false, &note, err) < 0 ||
	    apply_bool(o, "date", &date, err) < 0)
		return -1;
	if (date) {
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		if (am_buf_adds(&l->note, day) < 0)
			goto nomem;
	}
	if (note != NULL && am_buf_printf(&l->note, "%s%s",
	    l->note.len ? " " : "", note) < 0)
		goto nomem;
	return 0;
nomem:
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

static const char *const users_add_fields[] = { "action", "address",
    "destination", "category", "new_category", "note", "date", "replace",
    "any_domain", NULL };
static const char *const users_remove_fields[] = { "action", "address",
    NULL };
static const char *const alias_add_fields[] = { "action", "name", "value",
    "replace", NULL };
static const char *const alias_remove_fields[] = { "action", "name", NULL };

/* One line's object checked as the single command checks its arguments. */
static int
apply_item(void *arg, json_t *o, long lineno, struct am_error *err)
{
	struct apply *a = arg;
	const struct am_host *h = &a->cli->host;
	struct am_edit_batch_item *it;
	struct apply_line *l;
	struct am_buf list = AM_BUF_INIT;
	const char *action;
	bool add, any_domain = false, users = a->kind == AM_MAP_POSTMAP;
	int rc = -1;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void *ni = realloc(a->items, cap * sizeof(*a->items));

		if (ni == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		a->items = ni;
		if ((ni = realloc(a->lines, cap * sizeof(*a->lines))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		a->lines = ni;
		a->cap = cap;
	}
	it = &a->items[a->n];
	l = &a->lines[a->n];
	memset(it, 0, sizeof(*it));
	memset(l, 0, sizeof(*l));
	a->n++;
	it->input_line = lineno;
	if (apply_string(o, "action", true, &action, err) < 0)
		return -1;
	if (strcmp(action, "add") == 0)
		add = true;
	else if (strcmp(action, "remove") == 0)
		add = false;
	else
		return am_error_set(err, AM_E_INVALID, "\"action\": \"%s\": "
		    "expected \"add\" or \"remove\"", action);
	if (apply_fields(o, users ? (add ? users_add_fields :
	    users_remove_fields) : (add ? alias_add_fields :
	    alias_remove_fields), err) < 0)
		return -1;
	if (dup_field(o, users ? "address" : "name", &l->key, err) < 0)
		return -1;
	if (l->key == NULL)
		return am_error_set(err, AM_E_INVALID, "missing \"%s\"",
		    users ? "address" : "name");
	it->req.key = l->key;
	it->req.op = add ? AM_EDIT_ADD : AM_EDIT_REMOVE;
	if (apply_bool(o, "replace", &it->req.replace, err) < 0)
		return -1;
	if (!users) {
		if (am_alias_name_check(l->key, err) < 0)
			return -1;
		if (add && (list_field(o, "value", &list, err) < 0 ||
		    am_edit_alias_values(h, list.data, &l->dests, err) < 0))
			goto out;
	} else if (!add) {
		if (am_address_check(l->key, AM_ADDR_CATCHALL_OK, "address",
		    err) < 0)
			return -1;
	} else {
		if (apply_bool(o, "any_domain", &any_domain, err) < 0 ||
		    dup_field(o, "category", &l->category, err) < 0 ||
		    dup_field(o, "new_category", &l->new_category, err) < 0 ||
		    note_field(o, l, err) < 0)
			goto out;
		if (l->category != NULL && l->new_category != NULL) {
			am_error_set(err, AM_E_INVALID, "\"category\" and "
			    "\"new_category\" exclude each other");
			goto out;
		}
		if (am_edit_users_address(h, l->key, any_domain, err) < 0 ||
		    list_field(o, "destination", &list, err) < 0 ||
		    am_edit_users_dests(h, list.data, &l->dests, err) < 0)
			goto out;
		it->req.category = l->category;
		it->req.new_category = l->new_category;
		it->req.note = l->note.len > 0 ? l->note.data : NULL;
	}
	it->req.dests = (const char *const *)l->dests.v;
	it->req.ndests = l->dests.n;
	rc = 0;
out:
	am_buf_free(&list);
	return rc;
}

static const char *
verb(const struct am_edit_batch_item *it)
{
	switch (it->result) {
	case AM_MAPEDIT_ADDED: return "added";
	case AM_MAPEDIT_REPLACED: return "replaced";
	case AM_MAPEDIT_REMOVED: return "removed";
	default: return it->absent ? "not present" : "unchanged";
	}
}

static const char *
table_how(const struct am_edit_batch *b)
{
	if (b->committed)
		return b->table_updated ? "updated" : b->table_written ?
		    "rebuilt" : "failed";
	return b->incremental ? "updated" : "rebuilt";
}

static void
members(struct am_json *j, void *arg)
{
	const struct apply *a = arg;
	const struct am_edit_batch *b = &a->b;
	const struct am_edit_batch_item *it;
	size_t i, k, nchanged = 0;

	for (i = 0; i < a->n; i++)
		nchanged += a->items[i].changed;
	am_json_int(j, "count", (long)a->n);
	am_json_int(j, "changed_count", (long)nchanged);
	if (b->stale != NULL)
		am_json_string(j, "table_stale", b->stale);
	if (b->rebuild)
		am_json_string(j, "table", table_how(b));
	am_json_array_begin(j, "entries");
	for (i = 0; i < a->n; i++) {
		it = &a->items[i];
		am_json_object_begin(j, NULL);
		am_json_int(j, "line", it->input_line);
		am_json_string(j, "action", it->req.op == AM_EDIT_ADD ?
		    "add" : "remove");
		am_json_string(j, "key", it->req.key);
		am_json_string(j, "result", verb(it));
		am_json_bool(j, "changed", it->changed && (b->dry_run ||
		    b->text_written));
		if (it->changed && b->dry_run)
			am_json_bool(j, "would_change", true);
		if (it->req.op == AM_EDIT_ADD) {
			am_json_array_begin(j, "destinations");
			for (k = 0; k < it->req.ndests; k++)
				am_json_string(j, NULL, it->req.dests[k]);
			am_json_array_end(j);
		}
		if (it->category != NULL)
			am_json_string(j, "category", it->category);
		am_json_object_end(j);
	}
	am_json_array_end(j);
}

static int
report(struct apply *a)
{
	const struct am_edit_batch *b = &a->b;
	const struct am_edit_batch_item *it;
	struct cli_result r;
	size_t i;

	cli_result_init(&r, a->cli);
	for (i = 0; i < b->nfiles; i++)
		cli_result_file(&r, b->files[i].path, b->files[i].changed);
	if (b->dry_run)
		cli_result_diff(&r, b->diff.data, b->diff.len);
	for (i = 0; i < a->n; i++) {
		it = &a->items[i];
		if (b->dry_run && it->changed)
			cli_result_line(&r, "%s: would be %s", it->req.key,
			    verb(it));
		else
			cli_result_line(&r, "%s: %s", it->req.key, verb(it));
	}
	if (b->dry_run && b->rebuild)
		cli_result_line(&r, "%s: would be %s%s%s%s", b->edit->db,
		    b->incremental ? "updated" : "rebuilt",
		    b->stale ? " (table " : "", b->stale ? b->stale : "",
		    b->stale ? ")" : "");
	else if (b->table_updated)
		cli_result_line(&r, "%s: table updated", b->edit->db);
	else if (b->table_written)
		cli_result_line(&r, "%s: table rebuilt%s%s%s", b->edit->db,
		    b->stale ? " (it was " : "", b->stale ? b->stale : "",
		    b->stale ? ")" : "");
	return cli_result_finish(&r, members, a);
}

/* As edit_run(): signals wait from the first rename to the result. */
static void
hold(sigset_t *saved, bool *held)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	*held = sigprocmask(SIG_BLOCK, &set, saved) == 0;
}

int
edit_apply(struct am_cli *cli, enum am_map_kind kind, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "no-compile", no_argument, NULL, EDIT_OPT_NO_COMPILE },
		{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
		{ "check", no_argument, NULL, EDIT_OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct apply a;
	struct am_edit e;
	struct am_error err;
	bool dry_run = false, check = false, no_compile = false, held = false;
	bool opened = false;
	sigset_t saved;
	int c, status;

	memset(&a, 0, sizeof(a));
	a.b.lockfd = -1;
	a.cli = cli;
	a.kind = kind;
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case EDIT_OPT_NO_COMPILE: no_compile = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: check = true; break;
		default:
			return cli_usage_error(cli, "%s apply: bad option "
			    "\"%s\"", kind == AM_MAP_ALIASES ? "alias" :
			    "users", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, "%s apply: expected FILE or -",
		    kind == AM_MAP_ALIASES ? "alias" : "users");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	/* Every line is read and checked before anything is locked. */
	if (apply_read(argv[optind], apply_item, &a, &a.input, &err) < 0)
		goto fail;
	if (am_edit_open(&e, &cli->host, kind, NULL, &err) < 0)
		goto fail;
	opened = true;
	if (am_edit_batch_plan(&e, a.items, a.n, dry_run || check,
	    no_compile, &a.b, &err) < 0) {
		if (err.line > 0)
			snprintf(err.file, sizeof(err.file), "%s", a.input);
		goto fail;
	}
	if (a.b.one_pass)
		cli_info(cli, "%zu new entries planned in one pass", a.n);
	if (!a.b.dry_run && (a.b.text_changed || a.b.rebuild)) {
		hold(&saved, &held);
		if (am_edit_batch_commit(&a.b, &err) < 0)
			goto fail;
	}
	status = report(&a);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	if (held) {
		fflush(stdout);
		fflush(stderr);
		sigprocmask(SIG_SETMASK, &saved, NULL);
	}
	apply_free(&a);
	if (opened)
		am_edit_free(&e);
	return status;
}
