/*
 * Planned file writes for relay, passwd and postfwd (relay_common.h):
 * postfwd.cf and the sender map are computed in memory, shown as a diff by
 * --dry-run, checked (postfwd -C) and written atomically afterwards.
 */
#include "relay_common.h"
#include "cli_result.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_mapedit.h"
#include "am_mapfile.h"
#include "am_postfwd.h"

static int postfwd_check_text(struct am_cli *cli,
    const struct planned_file *pf, struct am_error *err);

void
planned_init(struct planned_file *pf)
{
	memset(pf, 0, sizeof(*pf));
	pf->new_mode = 0600;
}

void
planned_free(struct planned_file *pf)
{
	if (pf == NULL)
		return;
	free(pf->path);
	am_buf_wipe(&pf->old);
	am_buf_wipe(&pf->new);
	planned_init(pf);
}

/* The file's directory must take a new file: checked before any write. */
static int
dir_writable(const char *path, struct am_error *err)
{
	char *copy, *slash;
	struct stat st;
	int rc = 0;

	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((slash = strrchr(copy, '/')) == NULL)
		snprintf(copy, strlen(copy) + 1, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = am_error_set_errno(err, AM_E_CANTCREAT, errno,
		    "directory %s of %s", copy, path);
	else if (access(copy, W_OK) < 0)
		rc = am_error_set_errno(err, AM_E_PERM, errno,
		    "cannot write in %s", copy);
	free(copy);
	return rc;
}

int
planned_load(struct planned_file *pf, const char *path, bool required,
    struct am_error *err)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((pf->path = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (dir_writable(path, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return 0;
		return am_error_set_errno(err, errno == ELOOP ? AM_E_PERM :
		    am_error_code_from_errno(errno), errno, "open %s", path);
	}
	if (fstat(fd, &pf->st) < 0 || !S_ISREG(pf->st.st_mode)) {
		close(fd);
		return am_error_set(err, AM_E_IO, "%s is not a regular file",
		    path);
	}
	pf->exists = true;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || am_buf_add(&pf->old, chunk, (size_t)n) < 0) {
			am_error_set_errno(err, AM_E_IO, errno, "read %s",
			    path);
			close(fd);
			explicit_bzero(chunk, sizeof(chunk));
			return -1;
		}
	}
	close(fd);
	explicit_bzero(chunk, sizeof(chunk));
	if (pf->old.data == NULL && am_buf_reserve(&pf->old, 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

static void
planned_decide(struct planned_file *pf)
{
	pf->changed = !pf->exists || pf->old.len != pf->new.len ||
	    memcmp(pf->old.data, pf->new.data ? pf->new.data : "",
	    pf->old.len) != 0;
}

int
plan_postfwd(struct am_cli *cli, struct planned_file *pf, char **names,
    size_t n, bool init, struct am_error *err)
{
	char *path;
	int rc;

	if ((path = conf_root_path(cli, AM_CONF_POSTFWD_CONFIG)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = planned_load(pf, path, true, err);
	free(path);
	if (rc < 0)
		return -1;
	if (am_postfwd_update(pf->old.data, pf->old.len, pf->path,
	    am_conf_get(&cli->conf, AM_CONF_POSTFWD_MACRO),
	    (const char *const *)names, n, init, &pf->new, err) < 0)
		return -1;
	if (pf->new.data == NULL && am_buf_reserve(&pf->new, 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	planned_decide(pf);
	/* Checked now, before any file of the command is written. */
	if (pf->changed && postfwd_check_text(cli, pf, err) < 0)
		return -1;
	return 0;
}

/* smtputf8_enable of main.cf; an unreadable main.cf is an error. */
static int
main_cf_utf8(struct am_cli *cli, bool *utf8, struct am_error *err)
{
	struct am_postfix_settings ps;

	if (am_postfix_settings_load(&ps, &cli->host, NULL, err) < 0)
		return -1;
	*utf8 = ps.utf8;
	am_postfix_settings_free(&ps);
	return 0;
}

int
plan_sender_map(struct am_cli *cli, struct planned_file *pf,
    const char *key, const char *value, bool add, struct am_error *err)
{
	struct am_mapedit ed;
	bool utf8;
	struct am_mapedit_change ch;
	char *path;
	long i;
	int rc = -1;

	memset(&ch, 0, sizeof(ch));
	if ((path = conf_root_path(cli, AM_CONF_SENDER_MAP)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = planned_load(pf, path, false, err);
	free(path);
	if (rc < 0)
		return -1;
	rc = -1;
	pf->new_mode = 0644;
	/*
	 * An empty map has nothing to keep or find; the line below appends
	 * to the old text's last line, which an empty text does not have.
	 */
	if (pf->old.len == 0) {
		if (add && am_buf_printf(&pf->new, "%s %s\n", key, value) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		if (pf->new.data == NULL && am_buf_reserve(&pf->new, 1) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		pf->changed = add;
		return 0;
	}
	if (main_cf_utf8(cli, &utf8, err) < 0)
		return -1;
	if (am_mapedit_from_text(&ed, pf->path, pf->exists ? pf->old.data :
	    "", pf->old.len, AM_MAP_POSTMAP, utf8, cli_warn_cb,
	    cli, err) < 0)
		return -1;
	if (add) {
		/* Appended here: the entry has no category or note. */
		if ((i = am_mapedit_find(&ed, key, err)) == -2)
			goto out;
		if (i >= 0 && strcmp(ed.entries[i].value, value) != 0) {
			am_error_set_at(err, AM_E_EXISTS_DIFFERENT, pf->path,
			    ed.entries[i].line, "\"%s\" maps to \"%s\", not "
			    "to \"%s\"", key, ed.entries[i].value, value);
			goto out;
		}
		ch.result = i >= 0 ? AM_MAPEDIT_UNCHANGED : AM_MAPEDIT_ADDED;
		if (i < 0 && (am_buf_add(&ch.text, pf->old.data,
		    pf->old.len) < 0 || (pf->old.data[pf->old.len - 1] !=
		    '\n' && am_buf_adds(&ch.text, ed.eol) < 0) ||
		    am_buf_printf(&ch.text, "%s %s%s", key, value,
		    ed.eol) < 0))
			goto nomem;
	} else {
		if ((i = am_mapedit_find(&ed, key, err)) == -2)
			goto out;
		if (i >= 0 && strcmp(ed.entries[i].value, value) != 0) {
			cli_warnf(cli, "%s: \"%s\" maps to \"%s\", not to "
			    "\"%s\"; left as it is", pf->path, key,
			    ed.entries[i].value, value);
			ch.result = AM_MAPEDIT_UNCHANGED;
		} else if (am_mapedit_remove(&ed, key, &ch, err) < 0) {
			goto out;
		}
	}
	if (ch.result == AM_MAPEDIT_UNCHANGED) {
		if (am_buf_add(&pf->new, pf->old.data ? pf->old.data : "",
		    pf->old.len) < 0)
			goto nomem;
	} else if (am_buf_add(&pf->new, ch.text.data ? ch.text.data : "",
	    ch.text.len) < 0) {
		goto nomem;
	}
	if (pf->new.data == NULL && am_buf_reserve(&pf->new, 1) < 0)
		goto nomem;
	/* A missing map that stays empty is not created. */
	if (!pf->exists && ch.result == AM_MAPEDIT_UNCHANGED)
		pf->changed = false;
	else
		planned_decide(pf);
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
	return rc;
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
postfwd_check_text(struct am_cli *cli, const struct planned_file *pf,
    struct am_error *err)
{
	struct am_atomic af;
	int rc = -1;

	if (am_atomic_begin(&af, pf->path, err) < 0)
		return -1;
	cli_set_cleanup(cli, af.tmp_path);
	if (am_atomic_write(&af, pf->new.data, pf->new.len, err) == 0 &&
	    postfwd_check(af.tmp_path, pf->path, err) == 0)
		rc = 0;
	am_atomic_abort(&af);
	cli_clear_cleanup(cli);
	return rc;
}

int
planned_commit(struct am_cli *cli, struct planned_file *pf,
    struct am_error *err)
{
	struct am_atomic af;

	if (!pf->changed)
		return 0;
	/* Temporaries of killed runs (never a journal's: other tag). */
	am_atomic_remove_stale(pf->path);
	if (am_atomic_begin(&af, pf->path, err) < 0)
		return -1;
	cli_set_cleanup(cli, af.tmp_path);
	af.mode = pf->secret ? 0600 : pf->exists ? pf->st.st_mode & 07777 :
	    pf->new_mode;
	if (pf->exists && geteuid() == 0) {
		af.set_owner = true;
		af.uid = pf->st.st_uid;
		af.gid = pf->st.st_gid;
	}
	if (am_atomic_write(&af, pf->new.data, pf->new.len, err) < 0)
		goto bad;
	if (am_atomic_commit(&af, err) < 0) {
		cli_clear_cleanup(cli);
		return -1;
	}
	cli_clear_cleanup(cli);
	return 0;
bad:
	am_atomic_abort(&af);
	cli_clear_cleanup(cli);
	return -1;
}

int
planned_stage(struct am_cli *cli, struct planned_file *pf,
    struct am_journal *j, struct am_error *err)
{
	bool own = pf->exists && geteuid() == 0;

	(void)cli;
	if (!pf->changed)
		return 0;
	/* A file that holds a password is never readable by others. */
	return am_journal_add_file(j, pf->path, pf->new.data ? pf->new.data :
	    "", pf->new.len, pf->secret ? 0600 : pf->exists ?
	    pf->st.st_mode & 07777 : pf->new_mode, own,
	    own ? pf->st.st_uid : 0, own ? pf->st.st_gid : 0, err);
}

/*
 * A secret's place in a diff: the client line "HOST USER:PASSWORD" with
 * the password replaced, marked new when the password changes.
 */
static int
redact_client(const char *text, size_t len, bool changed, struct am_buf *out)
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

int
planned_diff(const struct planned_file *pf, struct am_buf *out,
    struct am_error *err)
{
	struct am_buf a = AM_BUF_INIT, b = AM_BUF_INIT;
	int rc = -1;

	if (!pf->changed)
		return 0;
	if (!pf->secret)
		return am_diff_text(pf->old.data ? pf->old.data : "",
		    pf->old.len, pf->new.data ? pf->new.data : "", pf->new.len,
		    pf->path, out, err);
	if (redact_client(pf->old.data ? pf->old.data : "", pf->old.len,
	    false, &a) < 0 || redact_client(pf->new.data ? pf->new.data : "",
	    pf->new.len, true, &b) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = am_diff_text(a.data ? a.data : "", a.len, b.data ? b.data : "",
	    b.len, pf->path, out, err);
out:
	am_buf_wipe(&a);
	am_buf_wipe(&b);
	return rc;
}

/*
 * Line i of an account file with its password field hidden: "<hash>" for
 * a line as read, "<new hash>" for a line this run wrote (so that a
 * changed hash still shows as a changed line).
 */
static int
redact_line(const struct am_acct_file *f, size_t i, struct am_buf *out)
{
	const struct am_acct_line *l = &f->line[i];
	const char *c1, *c2, *end = l->text + l->len;
	bool fresh = l->owned || l->lineno == 0;

	c1 = memchr(l->text, ':', l->len);
	c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (c2 == NULL || l->name_len == 0 || c2 - c1 == 1)
		return am_buf_add(out, l->text, l->len);
	if (am_buf_add(out, l->text, (size_t)(c1 - l->text + 1)) < 0 ||
	    am_buf_adds(out, c1[1] == '!' ? "!" : "") < 0 ||
	    am_buf_adds(out, fresh ? "<new hash>" : "<hash>") < 0)
		return -1;
	return am_buf_add(out, c2, (size_t)(end - c2));
}

/* The file as read, every password field hidden. */
static int
redact_orig(const struct am_acct_file *f, struct am_buf *out)
{
	struct am_acct_file copy;
	struct am_error ignored;
	size_t i;
	int rc = -1;

	am_error_clear(&ignored);
	if (am_acct_file_parse(&copy, f->kind, f->path, f->orig, f->orig_len,
	    &ignored) < 0)
		return -1;
	for (i = 0; i < copy.count; i++)
		if (redact_line(&copy, i, out) < 0 || ((i + 1 < copy.count ||
		    copy.final_newline) && am_buf_addc(out, '\n') < 0))
			goto out;
	rc = 0;
out:
	am_acct_file_free(&copy);
	return rc;
}

int
account_diff(const struct am_acct_file *f, struct am_buf *out,
    struct am_error *err)
{
	struct am_buf now = AM_BUF_INIT, a = AM_BUF_INIT, b = AM_BUF_INIT;
	bool secret = f->kind == AM_ACCT_SHADOW || f->kind == AM_ACCT_GSHADOW;
	size_t i;
	int rc = -1;

	if (!f->changed)
		return 0;
	if (!secret) {
		if (am_acct_file_render(f, &now) < 0)
			goto nomem;
		rc = am_diff_text(f->orig, f->orig_len, now.data ? now.data :
		    "", now.len, f->path, out, err);
		goto out;
	}
	if (redact_orig(f, &a) < 0)
		goto nomem;
	for (i = 0; i < f->count; i++)
		if (redact_line(f, i, &b) < 0 || ((i + 1 < f->count ||
		    f->final_newline) && am_buf_addc(&b, '\n') < 0))
			goto nomem;
	rc = am_diff_text(a.data ? a.data : "", a.len, b.data ? b.data : "",
	    b.len, f->path, out, err);
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_wipe(&now);
	am_buf_wipe(&a);
	am_buf_wipe(&b);
	return rc;
}

int
compile_sender_map(struct am_cli *cli, const char *path, bool force,
    bool *compiled, struct am_error *err)
{
	struct am_postfix_settings ps;
	struct am_map_spec spec;
	struct stat src, db;
	int rc;

	*compiled = false;
	if (am_map_spec_parse(&spec, path, "lmdb", err) < 0)
		return -1;
	if (!force && stat(path, &src) == 0 && stat(spec.db_path, &db) == 0 &&
	    (db.st_mtim.tv_sec > src.st_mtim.tv_sec ||
	    (db.st_mtim.tv_sec == src.st_mtim.tv_sec &&
	    db.st_mtim.tv_nsec >= src.st_mtim.tv_nsec))) {
		am_map_spec_free(&spec);
		return 0;
	}
	am_map_spec_free(&spec);
	if (am_postfix_settings_load(&ps, &cli->host, NULL, err) < 0)
		return -1;
	rc = am_map_rebuild(&cli->host, path, AM_MAP_POSTMAP, &ps, NULL,
	    err);
	am_postfix_settings_free(&ps);
	if (rc == 0)
		*compiled = true;
	return rc;
}

bool
sender_map_has(struct am_cli *cli, const char *path, const char *key,
    const char *value)
{
	struct am_mapedit ed;
	struct am_error err;
	long i;
	bool has, utf8;

	am_error_clear(&err);
	if (access(path, F_OK) < 0 || main_cf_utf8(cli, &utf8, &err) < 0 ||
	    am_mapedit_open(&ed, path, AM_MAP_POSTMAP, utf8, NULL, NULL,
	    &err) < 0)
		return false;
	i = am_mapedit_find(&ed, key, &err);
	has = i >= 0 && strcmp(ed.entries[i].value, value) == 0;
	am_mapedit_free(&ed);
	return has;
}


void
account_result_files(struct cli_result *r, const struct am_acct_file *f,
    bool changed)
{
	char *backup = NULL;

	cli_result_file(r, f->path, changed);
	/* A changed file is backed up first, as shadow-utils does. */
	if (changed && asprintf(&backup, "%s-", f->path) >= 0) {
		cli_result_file(r, backup, true);
		free(backup);
	}
}
