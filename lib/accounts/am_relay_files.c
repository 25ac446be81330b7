/*
 * The files of relay accounts besides passwd and shadow (am_relay.h):
 * postfwd.cf with its block of relay logins, checked by postfwd -C
 * before anything is written; the sender map and its table.
 */
#include "am_relay.h"
#include "am_table_update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_mapedit.h"
#include "am_mapfile.h"
#include "am_postfwd.h"

/* smtputf8_enable of main.cf; an unreadable main.cf is an error. */
static int
main_cf_utf8(const struct am_host *h, bool *utf8, struct am_error *err)
{
	struct am_postfix_settings ps;

	if (am_postfix_settings_load(&ps, h, NULL, err) < 0)
		return -1;
	*utf8 = ps.utf8;
	am_postfix_settings_free(&ps);
	return 0;
}

/*
 * postfwd -C prints the rules it understood, and "[LOG warning]" lines
 * for what it ignored (on stdout); Debian's postfwd 1.35 exits 1 even for a good
 * file, so the warnings decide.
 */
static int
postfwd_check(const char *path, const char *name, struct am_error *err)
{
	char buf[4096], first[512] = "";
	struct am_buf out = AM_BUF_INIT;
	int pfd[2], status, devnull;
	bool bad = false;
	ssize_t n;
	pid_t pid;
	char *line, *save = NULL;

	if (pipe(pfd) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return am_error_set_errno(err, AM_E_IO, errno, "fork");
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		/* Its warnings go to stdout, Perl's to stderr. */
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execlp("postfwd", "postfwd", "-C", "-f", path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || am_buf_add(&out, buf, (size_t)n) < 0)
			break;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		am_buf_free(&out);
		return 0;	/* not installed */
	}
	for (line = out.data ? strtok_r(out.data, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "[LOG warning]") != NULL ||
		    strstr(line, "[LOG crit]") != NULL) {
			if (!bad)
				snprintf(first, sizeof(first), "%s", line);
			bad = true;
		}
	}
	am_buf_free(&out);
	if (bad)
		return am_error_set(err, AM_E_CONFIG, "postfwd -C rejects the "
		    "new %s: %s", name, first);
	return 0;
}

/* postfwd -C on the new text, in a temporary file next to the target. */
static int
postfwd_check_text(const struct am_host *h, const struct am_change_file *f,
    struct am_error *err)
{
	struct am_atomic af;
	int rc = -1;

	am_host_temp_guard(h);
	if (am_atomic_begin(&af, f->path, err) < 0) {
		am_host_temp_gone(h);
		return -1;
	}
	am_host_temp_created(h, af.tmp_path);
	if (am_atomic_write(&af, f->new.data, f->new.len, err) == 0 &&
	    postfwd_check(af.tmp_path, f->path, err) == 0)
		rc = 0;
	am_atomic_abort(&af);
	am_host_temp_gone(h);
	return rc;
}

int
am_relay_plan_postfwd(const struct am_host *h, struct am_change *cs,
    char **names, size_t n, bool init, struct am_change_file **fp,
    struct am_error *err)
{
	struct am_change_file *f;
	char *path;
	int rc;

	if ((path = am_host_conf_path(h, AM_CONF_POSTFWD_CONFIG)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = am_change_add(cs, path, true, &f, err);
	free(path);
	if (rc < 0)
		return -1;
	*fp = f;
	if (am_postfwd_update(f->old.data, f->old.len, f->path,
	    am_host_conf(h, AM_CONF_POSTFWD_MACRO),
	    (const char *const *)names, n, init, &f->new, err) < 0)
		return -1;
	am_change_file_decide(f);
	/* Checked now, before any file of the command is written. */
	if (f->changed && postfwd_check_text(h, f, err) < 0)
		return -1;
	return 0;
}

/* One key's change on the text in cur (replaced by the new text). */
static int
sender_map_step(const struct am_host *h, const char *path, bool utf8,
    struct am_buf *cur, const char *key, const char *value, bool add,
    bool *changed, struct am_error *err)
{
	struct am_mapedit ed;
	struct am_mapedit_add line;
	struct am_mapedit_change ch;
	struct am_buf next = AM_BUF_INIT;
	long i;
	int rc = -1;

	memset(&ch, 0, sizeof(ch));
	*changed = false;
	if (am_mapedit_from_text(&ed, path, cur->data ? cur->data : "",
	    cur->len, AM_MAP_POSTMAP, utf8, h->warn, h->ctx, err) < 0)
		return -1;
	if ((i = am_mapedit_find(&ed, key, err)) == -2)
		goto out;
	if (add && i >= 0 && strcmp(ed.entries[i].value, value) != 0) {
		am_error_set_at(err, AM_E_EXISTS_DIFFERENT, path,
		    ed.entries[i].line, "\"%s\" maps to \"%s\", not to "
		    "\"%s\"", key, ed.entries[i].value, value);
		goto out;
	}
	if (add) {
		/* Appended at the end: the entry has no category or note. */
		memset(&line, 0, sizeof(line));
		line.key = key;
		line.value = value;
		line.no_categories = true;
		if (am_mapedit_add(&ed, &line, &ch, err) < 0)
			goto out;
	} else if (i >= 0 && strcmp(ed.entries[i].value, value) != 0) {
		am_host_warnf(h, path, 0, "\"%s\" maps to \"%s\", not to "
		    "\"%s\"; left as it is", key, ed.entries[i].value, value);
		ch.result = AM_MAPEDIT_UNCHANGED;
	} else if (am_mapedit_remove(&ed, key, &ch, err) < 0) {
		goto out;
	}
	if (ch.result != AM_MAPEDIT_UNCHANGED) {
		if (am_mapedit_render(&ed, &ch, &next, err) < 0)
			goto out;
		am_buf_free(cur);
		*cur = next;
		*changed = true;
	}
	rc = 0;
out:
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
	return rc;
}

int
am_relay_plan_sender_map_n(const struct am_host *h, struct am_change *cs,
    const char *const *keys, const char *const *values, const bool *adds,
    size_t n, struct am_change_file **fp, struct am_error *err)
{
	struct am_change_file *pf;
	struct am_buf cur = AM_BUF_INIT;
	bool utf8, changed, any = false;
	char *path;
	size_t k;
	int rc = -1;

	if ((path = am_host_conf_path(h, AM_CONF_SENDER_MAP)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = am_change_add(cs, path, false, &pf, err);
	free(path);
	if (rc < 0)
		return -1;
	rc = -1;
	*fp = pf;
	pf->new_mode = 0644;
	if (main_cf_utf8(h, &utf8, err) < 0)
		return -1;
	if (am_buf_add(&cur, pf->old.data ? pf->old.data : "",
	    pf->old.len) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	/* In order: a later key sees what an earlier one did. */
	for (k = 0; k < n; k++) {
		if (sender_map_step(h, pf->path, utf8, &cur, keys[k],
		    values[k], adds[k], &changed, err) < 0)
			goto out;
		any = any || changed;
	}
	if (am_buf_add(&pf->new, cur.data ? cur.data : "", cur.len) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	/* A missing map that stays empty is not created. */
	if (!pf->exists && !any)
		pf->changed = false;
	else
		am_change_file_decide(pf);
	rc = 0;
out:
	am_buf_free(&cur);
	return rc;
}

int
am_relay_plan_sender_map(const struct am_host *h, struct am_change *cs,
    const char *key, const char *value, bool add,
    struct am_change_file **fp, struct am_error *err)
{
	return am_relay_plan_sender_map_n(h, cs, &key, &value, &add, 1, fp,
	    err);
}

int
am_relay_compile_sender_map(const struct am_host *h, const char *path,
    bool force, bool *compiled, struct am_error *err)
{
	struct am_postfix_settings ps;
	struct am_map_spec spec;
	struct stat src, db;
	int rc;

	*compiled = false;
	if (am_map_spec_parse(&spec, path, "lmdb", err) < 0)
		return -1;
	/* An in-place update that was killed leaves its marker. */
	if (!force && stat(path, &src) == 0 && stat(spec.db_path, &db) == 0 &&
	    (db.st_mtim.tv_sec > src.st_mtim.tv_sec ||
	    (db.st_mtim.tv_sec == src.st_mtim.tv_sec &&
	    db.st_mtim.tv_nsec >= src.st_mtim.tv_nsec)) &&
	    !am_map_pending(spec.db_path)) {
		am_map_spec_free(&spec);
		return 0;
	}
	if (am_postfix_settings_load(&ps, h, NULL, err) < 0) {
		am_map_spec_free(&spec);
		return -1;
	}
	rc = am_map_rebuild(h, path, AM_MAP_POSTMAP, &ps, NULL,
	    err);
	am_postfix_settings_free(&ps);
	if (rc == 0) {
		*compiled = true;
		if (am_map_table_stamp(path, spec.db_path, err) == 0)
			am_map_pending_end(spec.db_path);
		am_error_clear(err);
	}
	am_map_spec_free(&spec);
	return rc;
}

int
am_relay_update_sender_map(const struct am_host *h, const char *path,
    int cur, const char *why, const char *text, size_t len,
    const char *const *keys, size_t nkeys, bool *updated,
    struct am_error *err)
{
	struct am_postfix_settings ps;
	struct am_map_update_result res;
	char *db = NULL;
	int rc = -1;

	*updated = false;
	if (asprintf(&db, "%s.lmdb", path) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (am_postfix_settings_load(&ps, h, NULL, err) < 0)
		goto out;
	if (cur == 1) {
		rc = am_map_update(h, path, AM_MAP_POSTMAP, &ps, text, len,
		    keys, nkeys, &res, err);
		if (rc == 0)
			*updated = true;
		else if (err->code == AM_E_DB) {
			am_host_warnf(h, NULL, 0, "%s: %s; rebuilding it in "
			    "full", db, err->message);
			am_error_clear(err);
		}
	} else if (why == NULL || strcmp(why, "missing") == 0)
		am_host_note(h, "table missing, built", db);
	else
		am_host_warnf(h, NULL, 0, "%s: table %s: rebuilt in full",
		    db, why);
	if (!*updated)
		rc = am_map_rebuild(h, path, AM_MAP_POSTMAP, &ps, NULL, err);
	am_postfix_settings_free(&ps);
	if (rc == 0) {
		if (am_map_table_stamp(path, db, err) == 0)
			am_map_pending_end(db);
		am_error_clear(err);
	}
out:
	free(db);
	return rc;
}

bool
am_relay_sender_map_has(const struct am_host *h, const char *path,
    const char *key, const char *value)
{
	struct am_mapedit ed;
	struct am_error err;
	long i;
	bool has, utf8;

	am_error_clear(&err);
	if (access(path, F_OK) < 0 || main_cf_utf8(h, &utf8, &err) < 0 ||
	    am_mapedit_open(&ed, path, AM_MAP_POSTMAP, utf8, NULL, NULL,
	    &err) < 0)
		return false;
	i = am_mapedit_find(&ed, key, &err);
	has = i >= 0 && strcmp(ed.entries[i].value, value) == 0;
	am_mapedit_free(&ed);
	return has;
}

/*
 * A secret's place in a diff: the client line "HOST USER:PASSWORD" with
 * the password replaced, marked new when the password changes.
 */
int
am_relay_redact_client(const char *text, size_t len, bool changed,
    struct am_buf *out)
{
	const char *p = text, *end = text + len, *nl, *colon;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL) {
			if (am_buf_adds(out, "<secret>\n") < 0)
				return -1;
		} else if (am_buf_add(out, p, (size_t)(colon - p + 1)) < 0 ||
		    am_buf_adds(out, changed ? "<new password>\n" :
		    "<password>\n") < 0) {
			return -1;
		}
		p = nl;
	}
	return 0;
}

static int
list_one(const struct am_host *h, const struct am_acct_db *db,
    const struct am_change_file *pf, const struct am_postfwd_block *block,
    const char *sender_path, const struct am_acct_entry *pe,
    const char *host, struct am_relay_entry *e)
{
	struct am_acct_entry se;
	struct am_pw_info info;
	struct am_error ignored;
	char key[300];
	time_t t;
	struct tm tm;
	long si;

	memset(&se, 0, sizeof(se));
	am_error_clear(&ignored);
	am_pw_inspect("", &info);
	info.state = AM_PW_STATE_LOCKED;
	snprintf(e->last_change, sizeof(e->last_change), "never");
	/* No shadow line: locked, never changed. */
	if ((si = am_acct_find(&db->file[AM_ACCT_SHADOW], pe->field[0],
	    &ignored)) >= 0 && am_acct_entry_get(&db->file[AM_ACCT_SHADOW],
	    (size_t)si, &se, &ignored) == 0) {
		am_pw_inspect(se.field[1], &info);
		if (se.field[2][0] != '\0') {
			t = (time_t)strtol(se.field[2], NULL, 10) * 86400;
			gmtime_r(&t, &tm);
			strftime(e->last_change, sizeof(e->last_change),
			    "%Y-%m-%d", &tm);
		}
	}
	am_acct_entry_free(&se);
	e->state = info.state;
	snprintf(e->method, sizeof(e->method), "%s", info.method);
	e->cost = info.cost;
	e->uid = strtoul(pe->field[2], NULL, 10);
	e->postfwd = pf->exists && am_postfwd_block_lists(pf->old.data,
	    pf->old.len, block, pe->field[0]);
	snprintf(key, sizeof(key), "@%s", host);
	e->sender_map = am_relay_sender_map_has(h, sender_path, key,
	    pe->field[0]);
	if ((e->user = strdup(pe->field[0])) == NULL ||
	    (e->host = strdup(host)) == NULL ||
	    (e->home = strdup(pe->field[5])) == NULL)
		return -1;
	return 0;
}

int
am_relay_list(const struct am_host *h, struct am_relay_list *list,
    struct am_error *err)
{
	struct am_change_file pf;
	struct am_postfwd_block block;
	struct am_acct_db db;
	struct am_acct_entry pe;
	struct am_relay_entry *v;
	struct am_error ignored;
	const struct am_acct_file *pw;
	struct stat st;
	char *path = NULL, *sender_path = NULL;
	size_t i;
	int rc = -1;

	memset(list, 0, sizeof(*list));
	memset(&block, 0, sizeof(block));
	am_change_file_init(&pf);
	am_error_clear(&ignored);
	if (am_acct_db_open(&db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, false, 0, err) < 0)
		return -1;
	if ((path = am_host_conf_path(h, AM_CONF_POSTFWD_CONFIG)) == NULL ||
	    (sender_path = am_host_conf_path(h, AM_CONF_SENDER_MAP)) ==
	    NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	/* A host without postfwd (not even its directory) lists nobody. */
	if ((stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR)) &&
	    am_change_file_read(&pf, path, false, err) < 0)
		goto out;
	/* A broken block lists nobody; said once, the list goes on. */
	if (pf.exists && am_postfwd_find_block(pf.old.data, pf.old.len, path,
	    &block, &ignored) < 0)
		am_host_warn(h, &ignored);
	pw = &db.file[AM_ACCT_PASSWD];
	for (i = 0; i < pw->count; i++) {
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &pe, &ignored) < 0)
			continue;
		switch (am_relay_account_kind(h, &pe)) {
		case AM_RELAY_ACCOUNT:
			v = reallocarray(list->v, list->n + 1, sizeof(*v));
			if (v == NULL) {
				am_acct_entry_free(&pe);
				am_error_set(err, AM_E_NOMEM, "out of memory");
				goto out;
			}
			list->v = v;
			memset(&v[list->n], 0, sizeof(v[list->n]));
			list->n++;
			if (list_one(h, &db, &pf, &block, sender_path, &pe,
			    am_relay_gecos_host(pe.field[4]),
			    &v[list->n - 1]) < 0) {
				am_acct_entry_free(&pe);
				am_error_set(err, AM_E_NOMEM, "out of memory");
				goto out;
			}
			break;
		case AM_RELAY_LOOKALIKE:
			am_relay_warn_lookalike(h, &pe);
			break;
		case AM_RELAY_NOT:
			break;
		}
		am_acct_entry_free(&pe);
	}
	rc = 0;
out:
	if (rc < 0)
		am_relay_list_free(list);
	free(path);
	free(sender_path);
	am_change_file_free(&pf);
	am_acct_db_close(&db);
	return rc;
}

void
am_relay_list_free(struct am_relay_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].user);
		free(list->v[i].host);
		free(list->v[i].home);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int
am_relay_sync_plan(const struct am_host *h, bool init, bool dry_run,
    struct am_relay_sync *s, struct am_error *err)
{
	memset(s, 0, sizeof(*s));
	am_change_init(&s->cs);
	if (am_acct_db_open(&s->db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !dry_run, h->lock_timeout_ms, err) < 0)
		return -1;
	am_acct_db_notes(h, &s->db);
	if (am_relay_postfwd_names(h, &s->db, NULL, NULL, &s->names, &s->n,
	    err) < 0)
		return -1;
	return am_relay_plan_postfwd(h, &s->cs, s->names, s->n, init,
	    &s->file, err);
}

int
am_relay_sync_commit(const struct am_host *h, struct am_relay_sync *s,
    struct am_error *err)
{
	return am_change_commit(h, &s->cs, err);
}

void
am_relay_sync_free(struct am_relay_sync *s)
{
	am_relay_free_names(s->names, s->n);
	am_change_free(&s->cs);
	am_acct_db_close(&s->db);
	memset(s, 0, sizeof(*s));
}
