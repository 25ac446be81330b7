/*
 * The edit cycle of archmail users and archmail alias: lock, read, change,
 * show (--dry-run, --check) or write, rebuild the table, report.
 */
#include "users_edit.h"
#include "cli_result.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_mapfile.h"
#include "am_table.h"

int
edit_init(struct edit_ctx *ec, struct am_cli *cli, enum am_map_kind kind)
{
	struct am_postfix_settings ps;
	struct am_error err;

	memset(ec, 0, sizeof(*ec));
	ec->cli = cli;
	ec->kind = kind;
	ec->path = cli_root_path(cli, am_conf_get(&cli->conf,
	    kind == AM_MAP_ALIASES ? AM_CONF_ALIASES_MAP : AM_CONF_USERS_MAP));
	am_error_clear(&err);
	if (ec->path == NULL) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		return cli_fail(cli, &err);
	}
	if (am_postfix_settings_load(&ps, &cli->host, NULL, &err) < 0) {
		edit_free(ec);
		return cli_fail(cli, &err);
	}
	ec->utf8 = ps.utf8;
	ec->myhostname = ps.myhostname;
	ps.myhostname = NULL;
	am_postfix_settings_free(&ps);
	return 0;
}

void
edit_free(struct edit_ctx *ec)
{
	free(ec->path);
	free(ec->myhostname);
	memset(ec, 0, sizeof(*ec));
}

int
edit_open(struct edit_ctx *ec, struct am_mapedit *ed, struct am_error *err)
{
	return am_mapedit_open(ed, ec->path, ec->kind, ec->utf8, NULL, NULL,
	    err);
}

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

static int
rebuild(struct edit_ctx *ec, size_t *records, struct am_error *err)
{
	struct am_postfix_settings ps = { .utf8 = ec->utf8,
	    .myhostname = ec->myhostname };

	return am_map_rebuild(&ec->cli->host, ec->path, ec->kind, &ps,
	    records, err);
}

static const char *
verb(enum am_mapedit_result r)
{
	switch (r) {
	case AM_MAPEDIT_ADDED: return "added";
	case AM_MAPEDIT_REPLACED: return "replaced";
	case AM_MAPEDIT_REMOVED: return "removed";
	default: return "unchanged";
	}
}

struct report_ctx {
	struct edit_ctx *ec;
	const struct am_mapedit *ed;
	const struct am_mapedit_change *ch;
	const char *stale;
};

/* The members only users and alias have: the entry and what happened. */
static void
report_members(struct am_json *j, void *arg)
{
	const struct report_ctx *rc = arg;
	const struct am_mapedit_change *ch = rc->ch;
	const struct am_mapedit_entry *e = ch->index >= 0 ?
	    &rc->ed->entries[ch->index] : NULL;

	am_json_string(j, "result", verb(ch->result));
	if (rc->stale != NULL)
		am_json_string(j, "table_stale", rc->stale);
	if (ch->result == AM_MAPEDIT_REMOVED ||
	    (e != NULL && ch->result == AM_MAPEDIT_UNCHANGED))
		edit_json_entry(j, rc->ed, rc->ec->key, NULL, ch->category_name,
		    ch->result == AM_MAPEDIT_REMOVED ? ch->line : e->line,
		    false, e);
	else if (ch->result != AM_MAPEDIT_UNCHANGED)
		edit_json_entry(j, rc->ed, rc->ec->key, rc->ec->value,
		    ch->category_name, ch->line, false, NULL);
}

static int
report(struct edit_ctx *ec, const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, const struct am_buf *diff,
    bool table_written, const char *stale)
{
	struct report_ctx rc = { ec, ed, ch, stale };
	struct cli_result r;
	bool text_changed = ch->result != AM_MAPEDIT_UNCHANGED;
	bool show = ec->dry_run || ec->check;
	char *db = NULL;

	if (asprintf(&db, "%s.lmdb", ec->path) < 0)
		db = NULL;
	cli_result_init(&r, ec->cli);
	cli_result_file(&r, ec->path, text_changed);
	if (db != NULL && !ec->no_compile)
		cli_result_file(&r, db, show ? text_changed || stale != NULL :
		    table_written);
	if (show) {
		cli_result_diff(&r, diff->data, diff->len);
		if (stale != NULL && db != NULL)
			cli_result_line(&r, "%s: table %s, would be rebuilt",
			    db, stale);
		else if (text_changed)
			cli_result_line(&r, "%s: would be %s", ec->key,
			    verb(ch->result));
		else
			cli_result_line(&r, "%s: unchanged", ec->key);
	} else if (!text_changed && table_written) {
		cli_result_line(&r, "%s: text unchanged, table rebuilt (it "
		    "was %s): %s", ec->key, stale, db ? db : "");
	} else if (!text_changed) {
		cli_result_line(&r, "%s: unchanged", ec->key);
	} else {
		cli_result_line(&r, "%s: %s%s%s", ec->key, verb(ch->result),
		    table_written ? ", table rebuilt: " : "",
		    table_written && db ? db : "");
	}
	free(db);
	return cli_result_finish(&r, report_members, &rc);
}

/* The "{{ ansible_managed }}" banner, expanded or not, near the top. */
static bool
ansible_managed(const struct am_mapedit *ed)
{
	size_t n = ed->len < 4096 ? ed->len : 4096;

	return memmem(ed->text, n, "ansible_managed", 15) != NULL ||
	    memmem(ed->text, n, "Ansible managed", 15) != NULL ||
	    memmem(ed->text, n, "ansible managed", 15) != NULL;
}

/*
 * Why the table does not answer for the text, or NULL when it does: it is
 * missing, older than its source (mtime: the text was renamed into place
 * but the rebuild never finished), or its record of the edited key is not
 * what the text says (a rebuild lost within the same clock tick).  Only
 * the edited key is compared: a full comparison would cost a rebuild.
 */
static int
table_stale(struct edit_ctx *ec, const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, const char **why,
    struct am_error *err)
{
	struct am_table *t = NULL;
	struct am_buf value = AM_BUF_INIT;
	const struct am_mapedit_entry *e = NULL;
	struct stat st;
	char *db = NULL;
	bool found;
	int rc = -1;

	*why = NULL;
	if (asprintf(&db, "%s.lmdb", ec->path) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (stat(db, &st) < 0) {
		if (errno != ENOENT) {
			am_error_set_errno(err, am_error_code_from_errno(errno),
			    errno, "stat %s", db);
			goto out;
		}
		*why = "missing";
		rc = 0;
		goto out;
	}
	if (st.st_mtim.tv_sec < ed->mtime.tv_sec ||
	    (st.st_mtim.tv_sec == ed->mtime.tv_sec &&
	    st.st_mtim.tv_nsec < ed->mtime.tv_nsec)) {
		*why = "older than its source";
		rc = 0;
		goto out;
	}
	if (ch->index >= 0)
		e = &ed->entries[ch->index];
	if (ed->only_fkey == NULL) {
		rc = 0;
		goto out;
	}
	if (am_table_open(&t, db, AM_TABLE_RDONLY, ec->cli->lock_timeout_ms,
	    err) < 0 || am_table_lookup(t, ed->only_fkey,
	    strlen(ed->only_fkey), &found, &value, err) < 0) {
		/* A damaged table is rebuilt; a held lock is still 75. */
		if (err->code == AM_E_DB) {
			am_error_clear(err);
			*why = "unreadable";
			rc = 0;
		}
		goto out;
	}
	if (e == NULL ? found : !found || strcmp(value.data ? value.data :
	    "", e->value) != 0)
		*why = "out of date for this key";
	rc = 0;
out:
	am_table_close(t);
	am_buf_free(&value);
	free(db);
	return rc;
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

/* Edits go to the file itself: a rename would replace a link. */
static int
refuse_symlink(const struct edit_ctx *ec, struct am_error *err)
{
	struct stat st;

	if (lstat(ec->path, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	return am_error_set(err, AM_E_CANTCREAT, "%s is a symbolic link: "
	    "archmail replaces the file atomically and will not replace the "
	    "link instead of its target; set %s to the link's target",
	    ec->path, ec->kind == AM_MAP_ALIASES ? "aliases_map" :
	    "users_map");
}

int
edit_run(struct edit_ctx *ec, edit_fn *fn, void *arg)
{
	struct am_mapedit ed;
	struct am_mapedit_change ch;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	bool show = ec->dry_run || ec->check, built = false, held = false;
	const char *stale = NULL;
	sigset_t saved;
	int lockfd = -1, status = 0;
	size_t records = 0;

	am_error_clear(&err);
	memset(&ed, 0, sizeof(ed));
	memset(&ch, 0, sizeof(ch));
	if (refuse_symlink(ec, &err) < 0)
		goto fail;
	if (!show && am_lock_path(ec->path, ec->cli->lock_timeout_ms,
	    &lockfd, &err) < 0)
		goto fail;
	if (!show)
		cli_info(ec->cli, "locked %s.lock", ec->path);
	/* Under the lock no other archmail writes this file. */
	if (!show)
		am_atomic_remove_stale(ec->path);
	/* Only the one key: a 1M-line file is indexed in a fraction. */
	if (am_mapedit_open_key(&ed, ec->path, ec->kind, ec->utf8, ec->key,
	    NULL, NULL, &err) < 0)
		goto fail;
	cli_info(ec->cli, "read %s", ec->path);
	ed.no_text = !show;
	if (ec->kind == AM_MAP_ALIASES && ansible_managed(&ed))
		cli_warnf(ec->cli, "%s is managed by Ansible: the next run "
		    "overwrites this change; edit the template too", ec->path);
	if (fn(ec, &ed, &ch, arg, &err) < 0)
		goto fail;
	if (show && am_mapedit_diff(&ed, &ch, ec->path, &diff, &err) < 0)
		goto fail;
	/* A text already current may still lack its table (exit 75, kill). */
	if (ch.result == AM_MAPEDIT_UNCHANGED && !ec->no_compile &&
	    table_stale(ec, &ed, &ch, &stale, &err) < 0)
		goto fail;
	if (!show && (ch.result != AM_MAPEDIT_UNCHANGED || stale != NULL)) {
		hold_signals(&saved, &held);
		if (am_mapedit_write(&ed, &ch, &err) < 0)
			goto fail;
		if (!ec->no_compile) {
			if (rebuild(ec, &records, &err) < 0) {
				cli_warnf(ec->cli, "%s %s, but its table was "
				    "not rebuilt; the next add or remove "
				    "rebuilds it", ec->path,
				    ch.result != AM_MAPEDIT_UNCHANGED ?
				    "was changed" : "is current");
				goto fail;
			}
			built = true;
		}
	}
	status = report(ec, &ed, &ch, &diff, built, stale);
	goto out;
fail:
	status = cli_fail(ec->cli, &err);
out:
	release_signals(&saved, &held);
	if (lockfd >= 0)
		am_unlock_path(lockfd);
	am_buf_free(&diff);
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
	return status;
}

int
edit_remove(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_mapedit_change *ch, void *arg, struct am_error *err)
{
	(void)arg;	/* the key to remove is the edit's own */
	return am_mapedit_remove(ed, ec->key, ch, err);
}
