/*
 * Unit tests for am_edit: the plan -> diff -> commit cycle of the users
 * and aliases files on a sysroot in a temporary directory, without the
 * archmail binary: a dry run writes nothing (no lock file either), a
 * commit writes the text and a table the reader finds the entry in, a
 * held lock is AM_E_LOCK_BUSY with nothing written, temporaries of dead
 * runs are removed, and the files list says exactly which bytes changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_acct.h"
#include "am_atomic.h"
#include "am_edit.h"
#include "am_table.h"
#include "unit_helpers.h"

#define MAX_NOTES 16

struct fx {
	char root[128];
	char users[256], aliases[256];
	struct am_conf conf;
	struct am_host host;
	struct am_postfix_settings ps;
	struct unit_warnings warnings;
	char notes[MAX_NOTES][600];
	size_t nnotes;
	struct am_edit e;
	struct am_edit_plan plan;
	struct am_error err;
};

static const char USERS[] =
    "# Developers\n"
    "alice@archlinux.org\talice\n"
    "carol@archlinux.org\tcarol\n"
    "\n"
    "# Forwards\n"
    "# 2024-01-15 left the team\n"
    "mallory@archlinux.org\tmallory@example.com\n";

static const char PASSWD[] =
    "root:x:0:0::/root:/bin/sh\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "carol:x:1002:1002::/home/carol:/bin/sh\n";

static void
collect_note(void *ctx, const char *what, const char *path)
{
	struct fx *f = ctx;

	if (f->nnotes < MAX_NOTES)
		snprintf(f->notes[f->nnotes++], sizeof(f->notes[0]), "%s %s",
		    what, path);
}

static void
collect_warning(void *ctx, const struct am_error *w)
{
	struct fx *f = ctx;

	unit_collect_warning(&f->warnings, w);
}

static bool
noted(const struct fx *f, const char *what, const char *path)
{
	char want[600];
	size_t i;

	snprintf(want, sizeof(want), "%s %s", what, path);
	for (i = 0; i < f->nnotes; i++)
		if (strcmp(f->notes[i], want) == 0)
			return true;
	return false;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[256];

	assert_non_null(f);
	assert_int_equal(unit_tmpdir_create(f->root, sizeof(f->root), "edit"),
	    0);
	snprintf(p, sizeof(p), "%s/etc", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/postfix", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", f->root);
	assert_int_equal(unit_write_file(p, PASSWD, strlen(PASSWD), 0644), 0);
	snprintf(f->users, sizeof(f->users), "%s/etc/postfix/users", f->root);
	snprintf(f->aliases, sizeof(f->aliases), "%s/etc/postfix/aliases",
	    f->root);
	assert_int_equal(unit_write_file(f->users, USERS, strlen(USERS),
	    0644), 0);
	assert_int_equal(am_conf_init(&f->conf, &f->err), 0);
	f->host = (struct am_host)AM_HOST_INIT;
	f->host.root = f->root;
	f->host.conf = &f->conf;
	f->host.lock_timeout_ms = 0;
	f->host.note = collect_note;
	f->host.warn = collect_warning;
	f->host.ctx = f;
	f->ps.utf8 = true;
	f->ps.myhostname = (char *)"test.example.org";
	f->plan.lockfd = -1;
	am_error_clear(&f->err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	am_edit_plan_free(&f->plan);
	am_edit_free(&f->e);
	am_conf_free(&f->conf);
	unit_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static char *
with_suffix(const char *path, const char *suffix)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", path, suffix);
	return buf;
}

/* The value of key in the table of path, or NULL (static buffer). */
static const char *
table_value(const char *path, const char *key)
{
	static char out[256];
	struct am_table *t = NULL;
	struct am_buf v = AM_BUF_INIT;
	struct am_error err;
	bool found = false;

	am_error_clear(&err);
	if (am_table_open(&t, with_suffix(path, ".lmdb"), AM_TABLE_RDONLY,
	    1000, &err) < 0)
		return NULL;
	if (am_table_lookup(t, key, strlen(key), &found, &v, &err) < 0)
		found = false;
	if (found)
		snprintf(out, sizeof(out), "%s", v.data ? v.data : "");
	am_buf_free(&v);
	am_table_close(t);
	return found ? out : NULL;
}

static void
add_req(struct am_edit_req *req, const char *key, const char *const *dests,
    size_t n, const char *category)
{
	memset(req, 0, sizeof(*req));
	req->op = AM_EDIT_ADD;
	req->key = key;
	req->dests = dests;
	req->ndests = n;
	req->category = category;
}

static char *
slurp(const char *path)
{
	char *s = unit_read_file(path, NULL);

	assert_non_null(s);
	return s;
}

/* --- dry run: the diff, the files that would change, nothing written ---- */
static void
test_dry_run_writes_nothing(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "dave@example.org" };
	struct am_edit_req req;
	char *after;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	assert_string_equal(f->e.path, f->users);
	add_req(&req, "dave@archlinux.org", d, 1, "developers");
	req.dry_run = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_ADDED);
	assert_true(f->plan.text_changed);
	assert_true(f->plan.rebuild);
	assert_non_null(strstr(f->plan.diff.data,
	    "+dave@archlinux.org\tdave@example.org\n"));
	assert_non_null(strstr(f->plan.diff.data, f->users));
	assert_int_equal(f->plan.nfiles, 2);
	assert_string_equal(f->plan.files[0].path, f->users);
	assert_true(f->plan.files[0].changed);
	assert_string_equal(f->plan.files[1].path,
	    with_suffix(f->users, ".lmdb"));
	assert_true(f->plan.files[1].changed);
	assert_string_equal(f->plan.category, "Developers");
	/* Nothing written, no lock taken or lock file made. */
	after = slurp(f->users);
	assert_string_equal(after, USERS);
	free(after);
	assert_false(exists(with_suffix(f->users, ".lmdb")));
	assert_false(exists(with_suffix(f->users, ".lock")));
	assert_false(noted(f, "locked", with_suffix(f->users, ".lock")));
	assert_true(noted(f, "read", f->users));
	/* A dry-run plan cannot be committed. */
	assert_int_equal(am_edit_commit(&f->plan, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_INTERNAL);
}

/* --- commit: text and table, then the same add changes nothing ---------- */
static void
test_commit_rebuilds_table(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "dave@example.org", "carol" };
	struct am_edit_req req;
	char *after;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	add_req(&req, "dave@archlinux.org", d, 2, "Developers");
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_true(noted(f, "locked", with_suffix(f->users, ".lock")));
	/* No diff outside dry runs. */
	assert_int_equal(f->plan.diff.len, 0);
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	assert_true(f->plan.text_written);
	assert_true(f->plan.table_written);
	assert_true(f->plan.files[0].changed);
	assert_true(f->plan.files[1].changed);
	assert_int_equal(f->plan.records, 4);
	after = slurp(f->users);
	assert_non_null(strstr(after, "carol@archlinux.org\tcarol\n"
	    "dave@archlinux.org\tdave@example.org, carol\n\n"));
	free(after);
	assert_string_equal(table_value(f->users, "dave@archlinux.org"),
	    "dave@example.org, carol");
	assert_string_equal(table_value(f->users, "alice@archlinux.org"),
	    "alice");
	am_edit_plan_free(&f->plan);

	/* Again: the text is current, the table too: nothing to write. */
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_UNCHANGED);
	assert_false(f->plan.text_changed);
	assert_null(f->plan.stale);
	assert_false(f->plan.rebuild);
	assert_non_null(f->plan.entry);
	assert_int_equal(f->plan.line, 4);
	assert_false(f->plan.files[0].changed);
	assert_false(f->plan.files[1].changed);
}

/* --- a text ahead of its table: the table alone is rebuilt -------------- */
static void
test_stale_table_rebuilt(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "alice" };
	struct am_edit_req req;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	add_req(&req, "alice@archlinux.org", d, 1, "developers");
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_false(f->plan.text_changed);
	assert_string_equal(f->plan.stale, "missing");
	assert_true(f->plan.rebuild);
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	assert_false(f->plan.text_written);
	assert_false(f->plan.files[0].changed);
	assert_true(f->plan.files[1].changed);
	assert_string_equal(table_value(f->users, "alice@archlinux.org"),
	    "alice");
	am_edit_plan_free(&f->plan);

	/*
	 * A source newer than its table (touched, or the rebuild was lost):
	 * rebuilt, but the same records make the same bytes, and the files
	 * list says the table did not change.
	 */
	{
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, 0 } };

		clock_gettime(CLOCK_REALTIME, &ts[1]);
		ts[1].tv_sec += 100;
		assert_int_equal(utimensat(AT_FDCWD, f->users, ts, 0), 0);
	}
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_string_equal(f->plan.stale, "older than its source");
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	assert_true(f->plan.table_written);
	assert_false(f->plan.files[1].changed);
}

/* --- the lock held by someone else: LOCK_BUSY, nothing written ---------- */
static void
test_held_lock(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "dave@example.org" };
	struct am_edit_req req;
	struct am_error lerr;
	char *after;
	int lockfd = -1;

	am_error_clear(&lerr);
	/* flock() locks conflict between two opens in one process too. */
	assert_int_equal(am_lock_path(f->users, 0, &lockfd, &lerr), 0);
	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	add_req(&req, "dave@archlinux.org", d, 1, "developers");
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_LOCK_BUSY);
	am_unlock_path(lockfd);
	after = slurp(f->users);
	assert_string_equal(after, USERS);
	free(after);
	assert_false(exists(with_suffix(f->users, ".lmdb")));
	/* A dry run does not wait for the lock. */
	am_edit_plan_free(&f->plan);
	assert_int_equal(am_lock_path(f->users, 0, &lockfd, &lerr), 0);
	req.dry_run = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_true(f->plan.text_changed);
	am_unlock_path(lockfd);
}

/* A PID that is certainly gone: a child that has exited and been reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* --- temporaries of killed runs: removed under the lock ----------------- */
static void
test_stale_temporaries_removed(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "alice" };
	struct am_edit_req req;
	char src_tmp[512], db_tmp[512], live_tmp[512];
	pid_t dead = dead_pid();

	snprintf(src_tmp, sizeof(src_tmp), "%s.tmp.%ld.AbCdEf", f->users,
	    (long)dead);
	snprintf(db_tmp, sizeof(db_tmp), "%s.lmdb.tmp.%ld.AbCdEf", f->users,
	    (long)dead);
	snprintf(live_tmp, sizeof(live_tmp), "%s.tmp.%ld.AbCdEf", f->users,
	    (long)getppid());
	assert_int_equal(unit_write_file(src_tmp, "x", 1, 0600), 0);
	assert_int_equal(unit_write_file(db_tmp, "x", 1, 0600), 0);
	assert_int_equal(unit_write_file(live_tmp, "x", 1, 0600), 0);
	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	/* The dry run leaves them (it takes no lock). */
	add_req(&req, "alice@archlinux.org", d, 1, "developers");
	req.dry_run = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_true(exists(src_tmp));
	am_edit_plan_free(&f->plan);
	/* An unchanged add with --no-compile writes nothing, but cleans. */
	req.dry_run = false;
	req.no_compile = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_false(f->plan.rebuild);
	assert_int_equal(f->plan.nfiles, 1);
	assert_false(exists(src_tmp));
	assert_false(exists(db_tmp));
	/* A running process's temporary stays. */
	assert_true(exists(live_tmp));
}

/* --- remove: present and absent ----------------------------------------- */
static void
test_remove(void **state)
{
	struct fx *f = *state;
	struct am_edit_req req;
	char *after;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	memset(&req, 0, sizeof(req));
	req.op = AM_EDIT_REMOVE;
	req.key = "nobody@archlinux.org";
	req.no_compile = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_UNCHANGED);
	assert_null(f->plan.entry);
	assert_false(f->plan.files[0].changed);
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	am_edit_plan_free(&f->plan);
	/* The note directly above goes with the entry. */
	req.key = "MALLORY@archlinux.org";
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_REMOVED);
	assert_int_equal(f->plan.line, 7);
	assert_string_equal(f->plan.category, "Forwards");
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	assert_true(f->plan.files[0].changed);
	after = slurp(f->users);
	assert_string_equal(after, "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "\n"
	    "# Forwards\n");
	free(after);
}

/* --- --replace: the note rewritten, the entry moved ------------------------- */
static void
test_replace_note_and_move(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "carol" };
	static const char *const m[] = { "mallory@example.com" };
	struct am_edit_req req;
	char *after;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_POSTMAP,
	    &f->ps, &f->err), 0);
	add_req(&req, "mallory@archlinux.org", m, 1, NULL);
	req.replace = true;
	req.note = "2026-11-27 gone";
	req.no_compile = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_REPLACED);
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	am_edit_plan_free(&f->plan);
	/* The same note again: nothing to do. */
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_UNCHANGED);
	am_edit_plan_free(&f->plan);
	/* carol moves to "Forwards " (trimmed like a header), at its end. */
	add_req(&req, "carol@archlinux.org", d, 1, "Forwards ");
	req.replace = true;
	req.no_compile = true;
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_int_equal(f->plan.result, AM_MAPEDIT_REPLACED);
	assert_string_equal(f->plan.category, "Forwards");
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	after = slurp(f->users);
	assert_string_equal(after, "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "\n"
	    "# Forwards\n"
	    "# 2026-11-27 gone\n"
	    "mallory@archlinux.org\tmallory@example.com\n"
	    "carol@archlinux.org\tcarol\n");
	free(after);
	am_edit_plan_free(&f->plan);
	/* A note that would become the header of "Developers": refused. */
	add_req(&req, "alice@archlinux.org", d, 1, NULL);
	req.replace = true;
	req.note = "away";
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_INVALID);
}

/* --- the source checked before any lock file is made -------------------- */
static void
test_source_checked_before_lock(void **state)
{
	struct fx *f = *state;
	static const char *const d[] = { "root" };
	struct am_edit_req req;

	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_ALIASES,
	    &f->ps, &f->err), 0);
	add_req(&req, "abuse", d, 1, NULL);
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(f->err.message, f->aliases));
	assert_false(exists(with_suffix(f->aliases, ".lock")));
	am_edit_plan_free(&f->plan);
	assert_int_equal(mkdir(f->aliases, 0755), 0);
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_NOINPUT);
	assert_non_null(strstr(f->err.message, "directory"));
	assert_false(exists(with_suffix(f->aliases, ".lock")));
}

/* --- aliases: the table postalias would build, the file's list style ---- */
static void
test_aliases_list_style(void **state)
{
	struct fx *f = *state;
	static const char ALIASES[] = "postmaster:\troot\n"
	    "team: alice,carol\n";
	static const char *const d[] = { "alice", "bob@example.org" };
	struct am_edit_req req;
	char *after;

	assert_int_equal(unit_write_file(f->aliases, ALIASES,
	    strlen(ALIASES), 0644), 0);
	assert_int_equal(am_edit_open(&f->e, &f->host, AM_MAP_ALIASES,
	    &f->ps, &f->err), 0);
	add_req(&req, "ops", d, 2, NULL);
	assert_int_equal(am_edit_plan(&f->e, &req, &f->plan, &f->err), 0);
	assert_string_equal(f->plan.value, "alice,bob@example.org");
	assert_int_equal(am_edit_commit(&f->plan, &f->err), 0);
	after = slurp(f->aliases);
	assert_string_equal(after, "postmaster:\troot\n"
	    "team: alice,carol\n"
	    "ops:\talice,bob@example.org\n");
	free(after);
	/* postalias stores the value re-serialized, as Postfix does. */
	assert_string_equal(table_value(f->aliases, "ops"),
	    "alice, bob@example.org");
	assert_non_null(table_value(f->aliases, "@"));
}

/* --- the checks of what the commands pass in ---------------------------- */
static void
test_input_checks(void **state)
{
	struct fx *f = *state;
	struct am_edit_list l;
	uid_t uid;
	gid_t gid;
	char *home = NULL;

	assert_int_equal(am_edit_split(" a ,b,, c\t", "value", &l, &f->err),
	    0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[1], "b");
	assert_string_equal(l.v[2], "c");
	am_edit_list_free(&l);
	assert_int_equal(am_edit_split(" , ", "value", &l, &f->err), -1);
	assert_int_equal(f->err.code, AM_E_INVALID);

	assert_int_equal(am_edit_users_dests(&f->host,
	    "alice, ghost,x@example.org", &l, &f->err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(f->warnings.count, 1);
	assert_true(unit_find_warning(&f->warnings, "\"ghost\"") >= 0);
	am_edit_list_free(&l);
	assert_int_equal(am_edit_users_dests(&f->host, "a b", &l, &f->err),
	    -1);
	assert_int_equal(am_edit_users_address(&f->host, "x@example.org",
	    false, &f->err), -1);
	assert_int_equal(am_edit_users_address(&f->host, "x@example.org",
	    true, &f->err), 0);
	assert_int_equal(am_edit_servicedesk(&f->host, "archlinux/legal",
	    "privacy-requests", "19621", &l, &f->err), 0);
	assert_string_equal(l.v[0], "gitlab+archlinux-legal-"
	    "privacy-requests-19621-issue-@archlinux.org");
	am_edit_list_free(&l);
	assert_int_equal(am_edit_servicedesk(&f->host, "g", "p", "012", &l,
	    &f->err), -1);

	assert_int_equal(am_acct_passwd_lookup(f->root, "carol", &uid, &gid,
	    &home, &f->err), 1);
	assert_int_equal(uid, 1002);
	assert_int_equal(gid, 1002);
	assert_string_equal(home, "/home/carol");
	free(home);
	assert_int_equal(am_acct_passwd_lookup(f->root, "ghost", &uid, &gid,
	    NULL, &f->err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_rebuilds_table,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_table_rebuilt,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_lock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_temporaries_removed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_note_and_move,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_source_checked_before_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_list_style,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_checks, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
