/*
 * The edit of archmail users and archmail alias: the library plans and
 * commits (am_edit.h); this file reports.
 */
#include "users_edit.h"
#include "cli_result.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
edit_json_entry(struct am_json *j, const struct am_mapedit *ed, const char *key,
    const char *value, const char *category, long line, bool comments,
    const struct am_mapedit_entry *e)
{
	char **items = NULL;
	size_t n, i, pos, end;

	am_json_object_begin(j, key ? "entry" : NULL);
	am_json_string(j, "key", e ? e->key : key);
	am_json_array_begin(j, "destinations");
	n = am_mapedit_split_value(e ? e->value : value, &items);
	for (i = 0; i < n && n != (size_t)-1; i++)
		am_json_string(j, NULL, items[i]);
	am_mapedit_free_split(items, n);
	am_json_array_end(j);
	am_json_string(j, "category", category);
	am_json_int(j, "line", line);
	if (comments && e != NULL) {
		am_json_array_begin(j, "comments");
		for (pos = e->above; pos < e->start; pos = end) {
			const char *nl = memchr(ed->text + pos, '\n',
			    e->start - pos);

			end = nl ? (size_t)(nl - ed->text) + 1 : e->start;
			n = end - pos;
			while (n > 0 && (ed->text[pos + n - 1] == '\n' ||
			    ed->text[pos + n - 1] == '\r'))
				n--;
			am_json_string_len(j, NULL, ed->text + pos, n);
		}
		am_json_array_end(j);
	}
	am_json_object_end(j);
}

/* "not present": a remove whose key is not in the file. */
static const char *
verb(const struct am_edit_plan *p)
{
	switch (p->result) {
	case AM_MAPEDIT_ADDED: return "added";
	case AM_MAPEDIT_REPLACED: return "replaced";
	case AM_MAPEDIT_REMOVED: return "removed";
	default: return p->op == AM_EDIT_REMOVE && p->entry == NULL ?
	    "not present" : "unchanged";
	}
}

/* "updated": in place, O(change); "rebuilt": in full. */
static const char *
table_how(const struct am_edit_plan *p)
{
	if (p->committed)
		return p->table_updated ? "updated" : p->table_written ?
		    "rebuilt" : "failed";
	return p->incremental ? "updated" : "rebuilt";
}

/* The members only users and alias have: the entry and what happened. */
static void
report_members(struct am_json *j, void *arg)
{
	const struct am_edit_plan *p = arg;

	am_json_string(j, "result", verb(p));
	if (p->stale != NULL)
		am_json_string(j, "table_stale", p->stale);
	/* How the table was (dry run: would be) brought up to date. */
	if (p->rebuild)
		am_json_string(j, "table", table_how(p));
	if (p->result == AM_MAPEDIT_REMOVED ||
	    (p->entry != NULL && p->result == AM_MAPEDIT_UNCHANGED))
		edit_json_entry(j, &p->med, p->key, NULL, p->category,
		    p->line, false, p->entry);
	else if (p->result != AM_MAPEDIT_UNCHANGED)
		edit_json_entry(j, &p->med, p->key, p->value, p->category,
		    p->line, false, NULL);
}

static int
report(struct am_cli *cli, const struct am_edit_plan *p)
{
	struct cli_result r;
	const char *db = p->edit->db;
	size_t i;

	cli_result_init(&r, cli);
	for (i = 0; i < p->nfiles; i++)
		cli_result_file(&r, p->files[i].path, p->files[i].changed);
	if (p->dry_run) {
		cli_result_diff(&r, p->diff.data, p->diff.len);
		if (p->stale != NULL && !p->no_compile && p->text_changed)
			cli_result_line(&r, "%s: would be %s; table %s "
			    "(%s), would be rebuilt", p->key, verb(p), db,
			    p->stale);
		else if (p->stale != NULL && !p->no_compile)
			cli_result_line(&r, "%s: table %s, would be rebuilt",
			    db, p->stale);
		else if (p->text_changed)
			cli_result_line(&r, "%s: would be %s", p->key,
			    verb(p));
		else
			cli_result_line(&r, "%s: %s", p->key, verb(p));
	} else if (!p->text_changed && p->table_written) {
		cli_result_line(&r, "%s: text unchanged, table rebuilt (it "
		    "was %s): %s", p->key, p->stale, db);
	} else if (!p->text_changed) {
		cli_result_line(&r, "%s: %s", p->key, verb(p));
	} else if (p->table_updated) {
		cli_result_line(&r, "%s: %s, table updated: %s", p->key,
		    verb(p), db);
	} else if (p->table_written && p->stale != NULL) {
		cli_result_line(&r, "%s: %s, table rebuilt (it was %s): %s",
		    p->key, verb(p), p->stale, db);
	} else {
		cli_result_line(&r, "%s: %s%s%s", p->key, verb(p),
		    p->table_written ? ", table rebuilt: " : "",
		    p->table_written ? db : "");
	}
	return cli_result_finish(&r, report_members, (void *)p);
}

/*
 * From the first rename to the printed result a SIGINT, SIGTERM or SIGHUP
 * waits: text and table are committed together and the caller learns
 * what happened; the signal lands once the result is out.
 */
static void
hold_signals(sigset_t *saved, bool *held)
{
	sigset_t set;

	if (*held)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	*held = sigprocmask(SIG_BLOCK, &set, saved) == 0;
}

static void
release_signals(const sigset_t *saved, bool *held)
{
	if (!*held)
		return;
	fflush(stdout);
	fflush(stderr);
	*held = false;
	sigprocmask(SIG_SETMASK, saved, NULL);
}

int
edit_run(struct am_cli *cli, enum am_map_kind kind,
    const struct am_edit_req *req)
{
	struct am_edit e;
	struct am_edit_plan plan;
	struct am_error err;
	bool held = false;
	sigset_t saved;
	int status;

	am_error_clear(&err);
	memset(&plan, 0, sizeof(plan));
	plan.lockfd = -1;
	if (am_edit_open(&e, &cli->host, kind, NULL, &err) < 0)
		return cli_fail(cli, &err);
	if (am_edit_plan(&e, req, &plan, &err) < 0)
		goto fail;
	if (!req->dry_run && (plan.text_changed || plan.rebuild)) {
		hold_signals(&saved, &held);
		if (am_edit_commit(&plan, &err) < 0)
			goto fail;
	}
	status = report(cli, &plan);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	release_signals(&saved, &held);
	am_edit_plan_free(&plan);
	am_edit_free(&e);
	return status;
}
