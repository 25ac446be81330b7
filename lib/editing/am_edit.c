/*
 * The edit cycle of the users and aliases files (am_edit.h): check,
 * lock, read, change, show or write, rebuild the table.
 */
#include "am_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_acct.h"
#include "am_address.h"
#include "am_atomic.h"
#include "am_mapfile.h"
#include "am_table.h"
#include "am_table_update.h"

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

int
am_edit_open(struct am_edit *e, const struct am_host *h,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    struct am_error *err)
{
	bool fail = false;

	memset(e, 0, sizeof(*e));
	e->host = h;
	e->kind = kind;
	e->path = am_host_conf_path(h, kind == AM_MAP_ALIASES ?
	    AM_CONF_ALIASES_MAP : AM_CONF_USERS_MAP);
	if (e->path == NULL || asprintf(&e->db, "%s.lmdb", e->path) < 0) {
		e->db = NULL;
		am_edit_free(e);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (ps == NULL) {
		if (am_postfix_settings_load(&e->ps, h, NULL, err) < 0) {
			am_edit_free(e);
			return -1;
		}
		return 0;
	}
	e->ps.utf8 = ps->utf8;
	e->ps.default_type = dup_or_null(ps->default_type, &fail);
	e->ps.myhostname = dup_or_null(ps->myhostname, &fail);
	e->ps.alias_database = dup_or_null(ps->alias_database, &fail);
	if (fail) {
		am_edit_free(e);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	return 0;
}

void
am_edit_free(struct am_edit *e)
{
	if (e == NULL)
		return;
	free(e->path);
	free(e->db);
	am_postfix_settings_free(&e->ps);
	memset(e, 0, sizeof(*e));
}

int
am_edit_read(const struct am_edit *e, struct am_mapedit *med,
    struct am_error *err)
{
	if (am_mapedit_open(med, e->path, e->kind, e->ps.utf8, NULL, NULL,
	    err) < 0)
		return -1;
	am_host_note(e->host, "read", e->path);
	return 0;
}

static int
perm_error(struct am_error *err, const char *path, int e)
{
	return am_error_set(err, AM_E_PERM, "%s: %s (run as root)", path,
	    strerror(e));
}

/*
 * What would otherwise fail only after the lock file was made (or make
 * one in the wrong place): no source, a directory or a link in its place,
 * a source or directory the caller may not write.
 */
static int
check_source(const struct am_edit *e, bool write, struct am_error *err)
{
	struct stat st;
	char *dir, *slash;
	int rc = -1;

	if (lstat(e->path, &st) < 0) {
		if (errno == EACCES || errno == EPERM)
			return perm_error(err, e->path, errno);
		return am_error_set_errno(err, errno == ENOENT ||
		    errno == ENOTDIR ? AM_E_NOINPUT :
		    am_error_code_from_errno(errno), errno, "%s", e->path);
	}
	/* Edits go to the file itself: a rename would replace a link. */
	if (S_ISLNK(st.st_mode))
		return am_error_set(err, AM_E_CANTCREAT, "%s is a symbolic "
		    "link: archmail replaces the file atomically and will "
		    "not replace the link instead of its target; set %s to "
		    "the link's target", e->path, e->kind == AM_MAP_ALIASES ?
		    "aliases_map" : "users_map");
	if (!S_ISREG(st.st_mode))
		return am_error_set(err, AM_E_NOINPUT, "%s is %s, not a "
		    "regular file", e->path, S_ISDIR(st.st_mode) ?
		    "a directory" : "special");
	if (faccessat(AT_FDCWD, e->path, write ? R_OK | W_OK : R_OK,
	    AT_EACCESS) < 0 && (errno == EACCES || errno == EPERM))
		return perm_error(err, e->path, errno);
	if (!write)
		return 0;
	/* The lock file, the temporary and the rename are in its directory. */
	if ((dir = strdup(e->path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	else
		strcpy(dir, ".");
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0 &&
	    (errno == EACCES || errno == EPERM)) {
		perm_error(err, dir, errno);
		goto out;
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

/* The "{{ ansible_managed }}" banner, expanded or not, near the top. */
static bool
ansible_managed(const struct am_mapedit *med)
{
	size_t n = med->len < 4096 ? med->len : 4096;

	if (n == 0)
		return false;
	return memmem(med->text, n, "ansible_managed", 15) != NULL ||
	    memmem(med->text, n, "Ansible managed", 15) != NULL ||
	    memmem(med->text, n, "ansible managed", 15) != NULL;
}

/*
 * Why the table db cannot take an in-place update, from the file alone:
 * *why "missing", "left by an interrupted update" (the marker first, the
 * precise reason: see am_map_table_current()) or "older than its source"
 * (source_mtime, as the edit read it); NULL when none of these.
 */
static int
table_behind(const char *db, const struct timespec *source_mtime,
    const char **why, struct am_error *err)
{
	struct stat st;

	*why = NULL;
	if (stat(db, &st) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno, "stat %s",
			    db);
		*why = "missing";
	} else if (am_map_pending(db))
		*why = "left by an interrupted update";
	else if (st.st_mtim.tv_sec < source_mtime->tv_sec ||
	    (st.st_mtim.tv_sec == source_mtime->tv_sec &&
	    st.st_mtim.tv_nsec < source_mtime->tv_nsec))
		*why = "older than its source";
	return 0;
}

/*
 * Why the table does not answer for the text, or NULL when it does: it is
 * missing, older than its source (mtime: the text was renamed into place
 * but the rebuild never finished), or its record of the edited key is not
 * what the text says (a rebuild lost within the same clock tick).  Only
 * the edited key is compared: a full comparison would cost a rebuild.
 */
static int
table_stale(struct am_edit_plan *plan, struct am_error *err)
{
	const struct am_edit *e = plan->edit;
	const struct am_mapedit *med = &plan->med;
	const struct am_mapedit_entry *ent = NULL;
	struct am_table *t = NULL;
	struct am_buf value = AM_BUF_INIT;
	bool found;
	int rc = -1;

	plan->stale = NULL;
	if (table_behind(e->db, &med->mtime, &plan->stale, err) < 0)
		return -1;
	if (plan->stale != NULL)
		return 0;
	if (plan->ch.index >= 0)
		ent = &med->entries[plan->ch.index];
	if (med->only_fkey == NULL)
		return 0;
	if (am_table_open(&t, e->db, AM_TABLE_RDONLY,
	    e->host->lock_timeout_ms, err) < 0 ||
	    am_table_lookup(t, med->only_fkey, strlen(med->only_fkey), &found,
	    &value, err) < 0) {
		/* A damaged table is rebuilt; a held lock is still 75. */
		if (err->code == AM_E_DB) {
			am_error_clear(err);
			plan->stale = "unreadable";
			rc = 0;
		}
		goto out;
	}
	if (ent == NULL ? found : !found || strcmp(value.data ? value.data :
	    "", ent->value) != 0)
		plan->stale = "out of date for this key";
	rc = 0;
out:
	am_table_close(t);
	am_buf_free(&value);
	return rc;
}

/*
 * A changed text on a current table: just the key's record (am_table_update.h).
 * A stale table is rebuilt in full, and says why.  A key the file holds
 * more than once is left to the full compile (its first entry wins).
 */
static int
decide_update(struct am_edit_plan *plan, struct am_error *err)
{
	const struct am_edit *e = plan->edit;
	const char *why;
	int cur;

	if ((cur = am_map_table_current(e->path, e->db, &why, err)) < 0)
		return -1;
	if (cur == 0) {
		plan->stale = why;
		return 0;
	}
	plan->incremental = plan->med.only_fkey != NULL &&
	    plan->med.nentries <= 1;
	return 0;
}

/* The value as the file writes lists: "a, b" or "a,b". */
static int
join_list(const struct am_edit_req *req, const char *sep, char **value,
    struct am_error *err)
{
	struct am_buf v = AM_BUF_INIT;
	size_t i;

	if (req->ndests == 0)
		return am_error_set(err, AM_E_INVALID, "\"%s\": no "
		    "destination", req->key);
	for (i = 0; i < req->ndests; i++)
		if (am_buf_printf(&v, "%s%s", i > 0 ? sep : "",
		    req->dests[i]) < 0) {
			am_buf_free(&v);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
	*value = v.data;
	return 0;
}

/*
 * The destinations as the file writes a list.  Finding its separator can
 * take a pass over the whole file (one without a list has no comma to
 * find): only a list of two or more needs it.
 */
static int
join_dests(struct am_edit_plan *plan, const struct am_edit_req *req,
    struct am_error *err)
{
	return join_list(req, req->ndests > 1 ?
	    am_mapedit_list_sep(&plan->med) : ", ", &plan->value, err);
}

/* Whether the change leaves the bytes of the file as they are. */
static bool
same_bytes(const struct am_mapedit *med, const struct am_mapedit_change *ch)
{
	if (ch->result == AM_MAPEDIT_UNCHANGED)
		return true;
	if (ch->pieces)
		return ch->to - ch->from == ch->ins.len && (ch->ins.len == 0 ||
		    memcmp(med->text + ch->from, ch->ins.data,
		    ch->ins.len) == 0);
	return ch->text.len == med->len && (med->len == 0 ||
	    memcmp(ch->text.data, med->text, med->len) == 0);
}

static int
add_file(struct am_edit_plan *plan, const char *path, bool changed)
{
	struct am_edit_file *f = &plan->files[plan->nfiles];

	if ((f->path = strdup(path)) == NULL)
		return -1;
	f->changed = changed;
	plan->nfiles++;
	return 0;
}

int
am_edit_plan(struct am_edit *e, const struct am_edit_req *req,
    struct am_edit_plan *plan, struct am_error *err)
{
	const struct am_host *h = e->host;
	struct am_mapedit_add add;
	struct am_mapedit_change *ch = &plan->ch;
	char *lockname = NULL;
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	plan->lockfd = -1;
	plan->edit = e;
	plan->op = req->op;
	plan->dry_run = req->dry_run;
	plan->no_compile = req->no_compile;
	ch->index = -1;
	if ((plan->key = strdup(req->key)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (check_source(e, !req->dry_run, err) < 0)
		return -1;
	if (!req->dry_run) {
		/* Also removes temporaries of the source left by dead PIDs. */
		if (am_lock_path(e->path, h->lock_timeout_ms, &plan->lockfd,
		    err) < 0)
			return -1;
		if (asprintf(&lockname, "%s.lock", e->path) >= 0) {
			am_host_note(h, "locked", lockname);
			free(lockname);
		}
		/* The table's, which only a rebuild would remove. */
		am_atomic_remove_stale(e->db);
	}
	/* Only the one key: a 1M-line file is indexed in a fraction. */
	if (am_mapedit_open_key(&plan->med, e->path, e->kind, e->ps.utf8,
	    req->key, NULL, NULL, err) < 0) {
		memset(&plan->med, 0, sizeof(plan->med));
		return -1;
	}
	am_host_note(h, "read", e->path);
	plan->med.no_text = !req->dry_run;
	if (e->kind == AM_MAP_ALIASES && ansible_managed(&plan->med))
		am_host_warnf(h, NULL, 0, "%s is managed by Ansible: the next "
		    "run overwrites this change; edit the template too",
		    e->path);
	if (req->op == AM_EDIT_ADD) {
		if (join_dests(plan, req, err) < 0)
			return -1;
		memset(&add, 0, sizeof(add));
		add.key = req->key;
		add.value = plan->value;
		add.category = req->category;
		add.new_category = req->new_category;
		add.note = req->note;
		add.replace = req->replace;
		/* Categories are a users-file convention. */
		add.no_categories = e->kind == AM_MAP_ALIASES;
		if (am_mapedit_add(&plan->med, &add, ch, err) < 0)
			return -1;
	} else if (am_mapedit_remove(&plan->med, req->key, ch, err) < 0)
		return -1;
	plan->text_changed = !same_bytes(&plan->med, ch);
	plan->result = plan->text_changed ? ch->result : AM_MAPEDIT_UNCHANGED;
	plan->entry = ch->index >= 0 ? &plan->med.entries[ch->index] : NULL;
	plan->category = ch->category_name;
	plan->line = plan->result == AM_MAPEDIT_UNCHANGED && plan->entry ?
	    plan->entry->line : ch->line;
	if (req->dry_run && plan->text_changed &&
	    am_mapedit_diff(&plan->med, ch, e->path, &plan->diff, err) < 0)
		goto out;
	/* A text already current may still lack its table (exit 75, kill). */
	if (!plan->text_changed && !req->no_compile &&
	    table_stale(plan, err) < 0)
		goto out;
	if (plan->text_changed && !req->no_compile &&
	    decide_update(plan, err) < 0)
		goto out;
	plan->rebuild = !req->no_compile && (plan->text_changed ||
	    plan->stale != NULL);
	if (add_file(plan, e->path, plan->text_changed) < 0 ||
	    (!req->no_compile && add_file(plan, e->db, plan->rebuild) < 0)) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/*
 * Whether the file at path has the bytes of the file open on oldfd: a
 * rebuild of a table whose text did not change (only its note, say) may
 * write the same table again.
 */
static bool
same_file(int oldfd, const char *path)
{
	char a[65536], b[65536];
	struct stat sa, sb;
	ssize_t na, nb;
	bool same = false;
	int fd;

	if (oldfd < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (fstat(oldfd, &sa) < 0 || fstat(fd, &sb) < 0 ||
	    sa.st_size != sb.st_size || lseek(oldfd, 0, SEEK_SET) < 0)
		goto out;
	for (;;) {
		na = read(oldfd, a, sizeof(a));
		if (na <= 0) {
			same = na == 0 && read(fd, b, 1) == 0;
			break;
		}
		nb = read(fd, b, (size_t)na);
		if (nb != na || memcmp(a, b, (size_t)na) != 0)
			break;
	}
out:
	close(fd);
	return same;
}

static bool
line_continues(const char *text, size_t len, size_t pos)
{
	return pos < len && (text[pos] == ' ' || text[pos] == '\t');
}

/*
 * The source text around the change, in whole logical lines: from the
 * start of the entry that holds its first byte to the end of the entry
 * that holds its last, with the new bytes in between.  Compiled alone it
 * gives the key's new record (or none: removed).
 */
static int
change_window(const struct am_mapedit *med, const struct am_mapedit_change *ch,
    struct am_buf *out)
{
	const char *t = med->text;
	size_t len = med->len, s, e;

	if (!ch->pieces)
		return am_buf_add(out, ch->text.data ? ch->text.data : "",
		    ch->text.len);
	for (s = ch->from; s > 0 && t[s - 1] != '\n'; s--)
		;
	/* Back over continuation and comment lines to an entry's start. */
	while (s > 0 && (line_continues(t, len, s) ||
	    (s < len && t[s] == '#'))) {
		for (s--; s > 0 && t[s - 1] != '\n'; s--)
			;
	}
	e = ch->to;
	if (e > 0 && e < len && t[e - 1] != '\n') {
		while (e < len && t[e] != '\n')
			e++;
		if (e < len)
			e++;
	}
	while (line_continues(t, len, e)) {
		while (e < len && t[e] != '\n')
			e++;
		if (e < len)
			e++;
	}
	if (am_buf_add(out, t + s, ch->from - s) < 0 ||
	    am_buf_add(out, ch->ins.data ? ch->ins.data : "", ch->ins.len) < 0 ||
	    am_buf_add(out, t + ch->to, e - ch->to) < 0)
		return -1;
	return 0;
}

/* The key's record put into (or deleted from) the live table. */
static int
update_table(struct am_edit_plan *plan, struct am_error *err)
{
	struct am_edit *e = plan->edit;
	struct am_map_update_result res;
	struct am_buf win = AM_BUF_INIT;
	const char *fkey = plan->med.only_fkey;
	int rc;

	if (change_window(&plan->med, &plan->ch, &win) < 0) {
		am_buf_free(&win);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	rc = am_map_update(e->host, e->path, e->kind, &e->ps, win.data,
	    win.len, &fkey, 1, &res, err);
	am_buf_free(&win);
	if (rc == 0)
		plan->records = res.put + res.deleted;
	return rc;
}

/*
 * In place when the plan says so (falling back to the full rebuild when
 * the table cannot take it: damaged, map full); then the table's mtime
 * is made newer than the source's, so the next edit finds it current.
 */
static int
write_table(struct am_edit_plan *plan, struct am_error *err)
{
	struct am_edit *e = plan->edit;
	const struct am_host *h = e->host;
	struct am_error serr;

	if (plan->incremental) {
		if (update_table(plan, err) == 0) {
			plan->table_updated = true;
			goto stamp;
		}
		if (err->code != AM_E_DB)
			return -1;
		am_host_warnf(h, NULL, 0, "%s: %s; rebuilding it in full",
		    e->db, err->message);
		am_error_clear(err);
	}
	if (am_map_rebuild(h, e->path, e->kind, &e->ps, &plan->records,
	    err) < 0)
		return -1;
stamp:
	am_error_clear(&serr);
	if (am_map_table_stamp(e->path, e->db, &serr) < 0)
		am_host_warnf(h, NULL, 0, "%s (the next edit rebuilds the "
		    "table)", serr.message);
	else
		am_map_pending_end(e->db);
	return 0;
}

/* The second half of a commit: the table, and the files' report. */
static int
rebuild(struct am_edit_plan *plan, struct am_error *err)
{
	struct am_edit *e = plan->edit;
	const struct am_host *h = e->host;
	int oldfd = -1, rc = -1;

	if (!plan->rebuild) {
		rc = 0;
		goto out;
	}
	if (!plan->incremental)
		oldfd = open(e->db, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (write_table(plan, err) < 0) {
		am_host_warnf(h, NULL, 0, "%s %s, but its table was not "
		    "rebuilt; the next add or remove rebuilds it", e->path,
		    plan->text_changed ? "was changed" : "is current");
		goto out;
	}
	plan->table_written = true;
	rc = 0;
out:
	if (plan->nfiles > 0)
		plan->files[0].changed = plan->text_written;
	if (plan->nfiles > 1)
		plan->files[1].changed = plan->table_written &&
		    (plan->table_updated || !same_file(oldfd, e->db));
	if (oldfd >= 0)
		close(oldfd);
	return rc;
}

static int
commit_begin(struct am_edit_plan *plan, struct am_error *err)
{
	if (plan->dry_run || plan->committed)
		return am_error_set(err, AM_E_INTERNAL, "am_edit_commit: %s "
		    "plan", plan->dry_run ? "a dry-run" : "a committed");
	plan->committed = true;
	/* Before the source changes: see am_map_pending_begin(). */
	if (plan->rebuild && am_map_pending_begin(plan->edit->db, err) < 0)
		return -1;
	return 0;
}

int
am_edit_commit(struct am_edit_plan *plan, struct am_error *err)
{
	if (commit_begin(plan, err) < 0)
		return -1;
	if (plan->text_changed) {
		if (am_mapedit_write(&plan->med, &plan->ch, err) < 0) {
			(void)rebuild(plan, err);
			return -1;
		}
		plan->text_written = true;
	}
	return rebuild(plan, err);
}

int
am_edit_stage(struct am_edit_plan *plan, struct am_journal *j,
    struct am_error *err)
{
	const struct am_mapedit *med = &plan->med;
	struct am_buf text = AM_BUF_INIT;
	bool own = geteuid() == 0;
	int rc;

	if (commit_begin(plan, err) < 0)
		return -1;
	if (!plan->text_changed)
		return 0;
	if (am_mapedit_render(med, &plan->ch, &text, err) < 0)
		return -1;
	rc = am_journal_add_file(j, plan->edit->path, text.data, text.len,
	    med->mode & 07777, own, med->uid, med->gid, err);
	am_buf_free(&text);
	if (rc == 0)
		plan->text_written = true;	/* with the journal's commit */
	return rc;
}

int
am_edit_rebuild(struct am_edit_plan *plan, struct am_error *err)
{
	return rebuild(plan, err);
}

void
am_edit_plan_free(struct am_edit_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	if (plan->lockfd >= 0)
		am_unlock_path(plan->lockfd);
	plan->lockfd = -1;
	for (i = 0; i < plan->nfiles; i++)
		free(plan->files[i].path);
	plan->nfiles = 0;
	free(plan->key);
	free(plan->value);
	am_buf_free(&plan->diff);
	am_mapedit_change_free(&plan->ch);
	if (plan->edit != NULL)
		am_mapedit_free(&plan->med);
	memset(plan, 0, sizeof(*plan));
	plan->lockfd = -1;
}

/* Validation of what the commands pass in. */

void
am_edit_list_free(struct am_edit_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
list_add(struct am_edit_list *l, const char *s, size_t len)
{
	char **nv;

	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	if ((l->v[l->n] = strndup(s, len)) == NULL)
		return -1;
	l->n++;
	return 0;
}

int
am_edit_split(const char *list, const char *what, struct am_edit_list *out,
    struct am_error *err)
{
	const char *p = list, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p += strspn(p, " \t");
		len = strcspn(p, ",");
		for (end = p + len; end > p && (end[-1] == ' ' ||
		    end[-1] == '\t'); end--)
			;
		if (end > p && list_add(out, p, (size_t)(end - p)) < 0) {
			am_edit_list_free(out);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (out->n == 0)
		return am_error_set(err, AM_E_INVALID, "no %s in \"%s\"", what,
		    list);
	return 0;
}

int
am_edit_users_address(const struct am_host *h, const char *address,
    bool any_domain, struct am_error *err)
{
	const char *domains = am_host_conf(h, AM_CONF_DOMAINS);

	if (am_address_check(address, AM_ADDR_CATCHALL_OK, "address",
	    err) < 0)
		return -1;
	if (!any_domain && !am_domain_in_list(am_address_domain(address),
	    domains))
		return am_error_set(err, AM_E_INVALID, "address \"%s\": "
		    "domain not in domains (%s); use --any-domain", address,
		    domains);
	return 0;
}

int
am_edit_users_dests(const struct am_host *h, const char *list,
    struct am_edit_list *out, struct am_error *err)
{
	const char *d;
	uid_t uid;
	gid_t gid;
	size_t i;
	int found;

	if (am_edit_split(list, "destination", out, err) < 0)
		return -1;
	for (i = 0; i < out->n; i++) {
		d = out->v[i];
		if (strchr(d, '@') != NULL) {
			if (am_address_check(d, AM_ADDR_LOCAL_REQUIRED,
			    "destination", err) < 0)
				goto fail;
			continue;
		}
		if (am_login_check(d, err) < 0)
			goto fail;
		if ((found = am_acct_passwd_lookup(h->root, d, &uid, &gid,
		    NULL, err)) < 0)
			goto fail;
		if (found == 0)
			am_host_warnf(h, NULL, 0, "local destination \"%s\" is "
			    "not a user in the passwd file", d);
	}
	return 0;
fail:
	am_edit_list_free(out);
	return -1;
}

int
am_edit_alias_values(const struct am_host *h, const char *list,
    struct am_edit_list *out, struct am_error *err)
{
	bool special;
	size_t i;

	if (am_edit_split(list, "value", out, err) < 0)
		return -1;
	for (i = 0; i < out->n; i++) {
		if (am_alias_value_check(out->v[i], &special, err) < 0) {
			am_edit_list_free(out);
			return -1;
		}
		if (special)
			am_host_warnf(h, NULL, 0, "alias value \"%s\" delivers "
			    "to a file or command", out->v[i]);
	}
	return 0;
}

int
am_edit_servicedesk(const struct am_host *h, const char *group,
    const char *project, const char *project_id, struct am_edit_list *out,
    struct am_error *err)
{
	const char *local = am_host_conf(h, AM_CONF_SERVICEDESK_LOCAL);
	const char *domain = am_host_conf(h, AM_CONF_DOMAIN);
	char *g, *q, *value = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (am_gitlab_path_check(group, false, "group", err) < 0 ||
	    am_gitlab_path_check(project, true, "project", err) < 0)
		return -1;
	if (project_id[0] == '\0' || project_id[0] == '0' ||
	    strlen(project_id) > 18 ||
	    strspn(project_id, "0123456789") != strlen(project_id))
		return am_error_set(err, AM_E_INVALID, "invalid project id "
		    "\"%s\": expected a positive number", project_id);
	if ((g = strdup(group)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (q = g; (q = strchr(q, '/')) != NULL; q++)
		*q = '-';
	rc = asprintf(&value, "%s+%s-%s-%s-issue-@%s", local, g, project,
	    project_id, domain);
	free(g);
	if (rc < 0 || list_add(out, value, strlen(value)) < 0) {
		free(rc < 0 ? NULL : value);
		am_edit_list_free(out);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	free(value);
	if (am_address_check(out->v[0], AM_ADDR_LOCAL_REQUIRED,
	    "service desk address", err) < 0) {
		am_edit_list_free(out);
		return -1;
	}
	return 0;
}

/* Batches (users apply, alias apply). */

static int
batch_item_error(const struct am_edit_batch_item *it, struct am_error *err)
{
	char msg[sizeof(err->message) + 600];

	/* In a batch, a request the file cannot take is bad input (65). */
	if (err->code == AM_E_USAGE)
		err->code = AM_E_INVALID;
	snprintf(msg, sizeof(msg), "%s: %s", it->req.key, err->message);
	memcpy(err->message, msg, sizeof(err->message) - 1);
	err->message[sizeof(err->message) - 1] = '\0';
	err->line = it->input_line;
	return -1;
}

static int
batch_add_fkey(struct am_edit_batch *b, const char *fkey)
{
	char **nv;

	if (fkey == NULL)
		return 0;
	if ((nv = realloc(b->fkeys, (b->nfkeys + 1) * sizeof(*nv))) == NULL)
		return -1;
	b->fkeys = nv;
	if ((b->fkeys[b->nfkeys] = strdup(fkey)) == NULL)
		return -1;
	b->nfkeys++;
	return 0;
}

/* One request planned on text, as am_edit_plan() plans it on the file. */
static int
batch_step(struct am_edit_batch *b, struct am_edit_batch_item *it,
    const char *text, size_t len, struct am_buf *next, bool *changed,
    struct am_error *err)
{
	struct am_edit *e = b->edit;
	struct am_edit_plan p;
	struct am_mapedit_add add;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.edit = e;
	p.ch.index = -1;
	*changed = false;
	if (am_mapedit_from_text_key(&p.med, e->path, text, len, e->kind,
	    e->ps.utf8, it->req.key, NULL, NULL, err) < 0) {
		memset(&p.med, 0, sizeof(p.med));
		goto out;
	}
	p.med.no_text = true;
	if (it->req.op == AM_EDIT_ADD) {
		if (join_dests(&p, &it->req, err) < 0)
			goto out;
		memset(&add, 0, sizeof(add));
		add.key = it->req.key;
		add.value = p.value;
		add.category = it->req.category;
		add.new_category = it->req.new_category;
		add.note = it->req.note;
		add.replace = it->req.replace;
		add.no_categories = e->kind == AM_MAP_ALIASES;
		if (am_mapedit_add(&p.med, &add, &p.ch, err) < 0)
			goto out;
	} else if (am_mapedit_remove(&p.med, it->req.key, &p.ch, err) < 0)
		goto out;
	*changed = !same_bytes(&p.med, &p.ch);
	it->changed = *changed;
	it->result = *changed ? p.ch.result : AM_MAPEDIT_UNCHANGED;
	it->absent = it->req.op == AM_EDIT_REMOVE && p.ch.index < 0;
	free(it->value);
	it->value = p.value;
	p.value = NULL;
	free(it->category);
	it->category = NULL;
	if (p.ch.category_name != NULL &&
	    (it->category = strdup(p.ch.category_name)) == NULL)
		goto nomem;
	if (*changed) {
		if (batch_add_fkey(b, p.med.only_fkey) < 0)
			goto nomem;
		next->len = 0;
		if (am_mapedit_render(&p.med, &p.ch, next, err) < 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(p.value);
	am_mapedit_change_free(&p.ch);
	am_mapedit_free(&p.med);
	return rc;
}

/*
 * The common batch (new keys only, see am_mapedit_add_new()) planned in
 * one pass over a full index of the text instead of one pass per
 * request: 1 with the new text in *next and the items filled as
 * batch_step() fills them, 0 when the batch is of another kind.
 */
static int
batch_new_keys(struct am_edit_batch *b, const char *text, size_t len,
    struct am_buf *next, struct am_error *err)
{
	struct am_edit *e = b->edit;
	struct am_edit_batch_item *it;
	struct am_mapedit full;
	struct am_mapedit_add *adds = NULL;
	const char **names = NULL, **fkeys = NULL, *sep;
	size_t i;
	int rc = 0;

	/* One by one costs a pass each: only a longer batch gains. */
	if (b->n < 3)
		return 0;
	for (i = 0; i < b->n; i++)
		if (b->items[i].req.op != AM_EDIT_ADD ||
		    b->items[i].req.note != NULL ||
		    b->items[i].req.new_category != NULL)
			return 0;
	if (am_mapedit_from_text(&full, e->path, text, len, e->kind,
	    e->ps.utf8, NULL, NULL, err) < 0) {
		if (err->code == AM_E_NOMEM)
			return -1;
		am_error_clear(err);	/* one by one says what is wrong */
		return 0;
	}
	adds = calloc(b->n, sizeof(*adds));
	names = calloc(b->n, sizeof(*names));
	fkeys = calloc(b->n, sizeof(*fkeys));
	if (adds == NULL || names == NULL || fkeys == NULL)
		goto nomem;
	/* The file's list separator, found once (not once a request). */
	sep = am_mapedit_list_sep(&full);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		free(it->value);
		it->value = NULL;
		if (join_list(&it->req, sep, &it->value, err) < 0) {
			rc = err->code == AM_E_NOMEM ? -1 : 0;
			if (rc == 0)
				am_error_clear(err);
			goto out;
		}
		adds[i].key = it->req.key;
		adds[i].value = it->value;
		adds[i].category = it->req.category;
		adds[i].replace = it->req.replace;
		adds[i].no_categories = e->kind == AM_MAP_ALIASES;
	}
	if ((rc = am_mapedit_add_new(&full, adds, b->n, next, names, fkeys,
	    err)) != 1)
		goto out;
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		it->changed = true;
		it->result = AM_MAPEDIT_ADDED;
		it->absent = false;
		free(it->category);
		it->category = NULL;
		if ((names[i] != NULL &&
		    (it->category = strdup(names[i])) == NULL) ||
		    batch_add_fkey(b, fkeys[i]) < 0)
			goto nomem;
	}
	goto out;
nomem:
	rc = am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(adds);
	free(names);
	free(fkeys);
	am_mapedit_free(&full);
	return rc;
}

/* A table missing or strictly older than its source (no change made). */
static int
batch_table_behind(struct am_edit_batch *b, struct am_error *err)
{
	return table_behind(b->edit->db, &b->med.mtime, &b->stale, err);
}

int
am_edit_batch_plan(struct am_edit *e, struct am_edit_batch_item *items,
    size_t n, bool dry_run, bool no_compile, struct am_edit_batch *b,
    struct am_error *err)
{
	const struct am_host *h = e->host;
	struct am_buf bufs[2] = { AM_BUF_INIT, AM_BUF_INIT };
	const char *cur;
	char *lockname = NULL;
	size_t curlen, i;
	bool changed;
	int which = 0, cur_buf = -1, rc = -1, fast;

	memset(b, 0, sizeof(*b));
	b->lockfd = -1;
	b->edit = e;
	b->items = items;
	b->n = n;
	b->dry_run = dry_run;
	b->no_compile = no_compile;
	if (check_source(e, !dry_run, err) < 0)
		return -1;
	if (!dry_run) {
		if (am_lock_path(e->path, h->lock_timeout_ms, &b->lockfd,
		    err) < 0)
			return -1;
		if (asprintf(&lockname, "%s.lock", e->path) >= 0) {
			am_host_note(h, "locked", lockname);
			free(lockname);
		}
		am_atomic_remove_stale(e->db);
	}
	/* The file as read once: its bytes, mode, owner and mtime. */
	if (am_mapedit_open_key(&b->med, e->path, e->kind, e->ps.utf8,
	    n > 0 ? items[0].req.key : "-", NULL, NULL, err) < 0) {
		memset(&b->med, 0, sizeof(b->med));
		return -1;
	}
	am_host_note(h, "read", e->path);
	if (e->kind == AM_MAP_ALIASES && ansible_managed(&b->med))
		am_host_warnf(h, NULL, 0, "%s is managed by Ansible: the next "
		    "run overwrites this change; edit the template too",
		    e->path);
	cur = b->med.text != NULL ? b->med.text : "";
	curlen = b->med.len;
	if ((fast = batch_new_keys(b, cur, curlen, &bufs[0], err)) < 0)
		goto out;
	if (fast == 1) {
		b->one_pass = true;
		cur = bufs[0].data;
		curlen = bufs[0].len;
		cur_buf = 0;
	}
	for (i = 0; i < n && fast == 0; i++) {
		if (batch_step(b, &items[i], cur, curlen, &bufs[which],
		    &changed, err) < 0) {
			batch_item_error(&items[i], err);
			goto out;
		}
		if (!changed)
			continue;
		cur = bufs[which].data ? bufs[which].data : "";
		curlen = bufs[which].len;
		cur_buf = which;
		which = !which;
	}
	b->text_changed = curlen != b->med.len || (curlen > 0 &&
	    memcmp(cur, b->med.text, curlen) != 0);
	if (b->text_changed) {
		/* The final text is kept; the other buffer goes. */
		b->text = bufs[cur_buf];
		memset(&bufs[cur_buf], 0, sizeof(bufs[cur_buf]));
	}
	if (dry_run && b->text_changed && am_diff_text(b->med.text ?
	    b->med.text : "", b->med.len, b->text.data, b->text.len,
	    e->path, &b->diff, err) < 0)
		goto out;
	if (!no_compile) {
		if (b->text_changed) {
			int c = am_map_table_current(e->path, e->db, &b->stale,
			    err);

			if (c < 0)
				goto out;
			b->incremental = c == 1;
		} else if (batch_table_behind(b, err) < 0)
			goto out;
	}
	b->rebuild = !no_compile && (b->text_changed || b->stale != NULL);
	if ((b->files[0].path = strdup(e->path)) == NULL)
		goto nomem;
	b->files[0].changed = b->text_changed;
	b->nfiles = 1;
	if (!no_compile) {
		if ((b->files[1].path = strdup(e->db)) == NULL)
			goto nomem;
		b->files[1].changed = b->rebuild;
		b->nfiles = 2;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_free(&bufs[0]);
	am_buf_free(&bufs[1]);
	return rc;
}

int
am_edit_batch_commit(struct am_edit_batch *b, struct am_error *err)
{
	struct am_edit *e = b->edit;
	const struct am_host *h = e->host;
	struct am_mapedit_change ch;
	struct am_map_update_result res;
	struct am_error serr;
	int rc = -1;

	if (b->dry_run || b->committed)
		return am_error_set(err, AM_E_INTERNAL, "am_edit_batch_commit: "
		    "%s batch", b->dry_run ? "a dry-run" : "a committed");
	b->committed = true;
	if (b->rebuild && am_map_pending_begin(e->db, err) < 0)
		return -1;
	if (b->text_changed) {
		/* The whole new text as one piece over the old. */
		memset(&ch, 0, sizeof(ch));
		ch.result = AM_MAPEDIT_REPLACED;
		ch.pieces = true;
		ch.from = 0;
		ch.to = b->med.len;
		ch.ins = b->text;
		if (am_mapedit_write(&b->med, &ch, err) < 0)
			goto out;
		b->text_written = true;
	}
	if (!b->rebuild) {
		rc = 0;
		goto out;
	}
	if (b->incremental) {
		if (am_map_update(h, e->path, e->kind, &e->ps, b->text.data,
		    b->text.len, (const char *const *)b->fkeys, b->nfkeys,
		    &res, err) == 0) {
			b->records = res.put + res.deleted;
			b->table_updated = b->table_written = true;
			goto stamp;
		}
		if (err->code != AM_E_DB) {
			am_host_warnf(h, NULL, 0, "%s was changed, but its "
			    "table was not updated; the next add or remove "
			    "rebuilds it", e->path);
			goto out;
		}
		am_host_warnf(h, NULL, 0, "%s: %s; rebuilding it in full",
		    e->db, err->message);
		am_error_clear(err);
	}
	if (am_map_rebuild(h, e->path, e->kind, &e->ps, &b->records,
	    err) < 0) {
		am_host_warnf(h, NULL, 0, "%s %s, but its table was not "
		    "rebuilt; the next add or remove rebuilds it", e->path,
		    b->text_changed ? "was changed" : "is current");
		goto out;
	}
	b->table_written = true;
stamp:
	am_error_clear(&serr);
	if (am_map_table_stamp(e->path, e->db, &serr) < 0)
		am_host_warnf(h, NULL, 0, "%s (the next edit rebuilds the "
		    "table)", serr.message);
	else
		am_map_pending_end(e->db);
	rc = 0;
out:
	if (b->nfiles > 0)
		b->files[0].changed = b->text_written;
	if (b->nfiles > 1)
		b->files[1].changed = b->table_written;
	return rc;
}

void
am_edit_batch_free(struct am_edit_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	if (b->lockfd >= 0)
		am_unlock_path(b->lockfd);
	for (i = 0; i < b->nfiles; i++)
		free(b->files[i].path);
	for (i = 0; i < b->nfkeys; i++)
		free(b->fkeys[i]);
	free(b->fkeys);
	for (i = 0; i < b->n; i++) {
		free(b->items[i].value);
		free(b->items[i].category);
		b->items[i].value = b->items[i].category = NULL;
	}
	am_buf_free(&b->text);
	am_buf_free(&b->diff);
	if (b->edit != NULL)
		am_mapedit_free(&b->med);
	memset(b, 0, sizeof(*b));
	b->lockfd = -1;
}
