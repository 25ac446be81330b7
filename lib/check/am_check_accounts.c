/*
 * archmail check: the areas relay, postfwd and passwd.  Everything is read
 * through the modules that own the formats (am_acct, am_relay,
 * am_postfwd, am_mapedit, am_passwd's PAM guard); nothing is locked or
 * written.
 *
 * The three areas do not report one fact twice, so that a host with one
 * defect shows one finding:
 *  - relay: each relay account against postfwd's block and the sender
 *    map, and each item of the block and each sender-map login against
 *    the accounts; its login shell and empty password;
 *  - postfwd: the block itself (missing, malformed markers) and whatever
 *    else "archmail postfwd sync" would change that is not a relay
 *    account's membership (postfwd_extra_users, the item syntax, order);
 *  - passwd: empty passwords of every account but relay accounts (the
 *    relay area's), and nullok in the mail services' PAM stacks.
 */
#include "am_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "am_acct.h"
#include "am_buf.h"
#include "am_change.h"
#include "am_check_fix.h"
#include "am_mapedit.h"
#include "am_passwd.h"
#include "am_postfwd.h"
#include "am_relay.h"

#define FIX_MAX 600

/* The root of the check, or NULL for the machine itself. */
static const char *
root_of(const struct am_host *h)
{
	return h->root != NULL && strcmp(h->root, "/") != 0 ? h->root : NULL;
}

/* s (a fixing command, or NULL: out of memory) copied into buf. */
static int
fix_copy(char *s, char *buf, size_t size, struct am_error *err)
{
	if (s == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	snprintf(buf, size, "%s", s);
	free(s);
	return 0;
}

/* "archmail [--root ROOT] " and fmt with one quoted argument, or none. */
static int
fix_archmail(const struct am_host *h, char *buf, size_t size,
    const char *fmt, const char *arg, struct am_error *err)
{
	return fix_copy(arg != NULL ? am_check_archmail(h, fmt, arg) :
	    am_check_archmail(h, fmt), buf, size, err);
}

/* The host without its warning callback: the areas make findings. */
static void
quiet_host(const struct am_host *h, struct am_host *q)
{
	*q = *h;
	q->warn = NULL;
	q->ctx = NULL;
}

/*
 * Does a passwd shell field let its user log in?  Empty is /bin/sh;
 * nologin and false (wherever they are) and true refuse.
 */
static bool
login_shell(const char *shell)
{
	static const char *const refusers[] = { "nologin", "false", "true" };
	const char *base;
	size_t i;

	if (shell[0] == '\0')
		return true;
	base = strrchr(shell, '/') != NULL ? strrchr(shell, '/') + 1 : shell;
	for (i = 0; i < sizeof(refusers) / sizeof(refusers[0]); i++)
		if (strcmp(base, refusers[i]) == 0)
			return false;
	return true;
}

/* The entry of user in f and its line number, or -1. */
static long
find_entry(const struct am_acct_file *f, const char *user,
    struct am_acct_entry *e, long *lineno)
{
	struct am_error ignored;
	long i;

	memset(e, 0, sizeof(*e));
	am_error_clear(&ignored);
	if ((i = am_acct_find(f, user, &ignored)) < 0 ||
	    am_acct_entry_get(f, (size_t)i, e, &ignored) < 0)
		return -1;
	*lineno = f->line[i].lineno;
	return i;
}

static bool
names_have(char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What relay and postfwd both read: the account files, the relay accounts
 * as relay list knows them, the logins the block should list, postfwd.cf
 * and its block.
 */
struct relay_state {
	struct am_host q;
	struct am_acct_db db;
	struct am_relay_list list;
	char **names;		/* am_relay_postfwd_names() */
	size_t n;
	struct am_change_file pf;	/* postfwd.cf as read */
	char *pf_path;
	bool block_ok;		/* pf exists and its block was found */
	struct am_postfwd_block block;
	struct am_postfwd_item *items;
	size_t nitems;
	struct am_error block_err;	/* why not block_ok, when pf exists */
	char sync[FIX_MAX];	/* archmail postfwd sync, with --root */
	char sync_init[FIX_MAX];
};

static void
relay_state_free(struct relay_state *s)
{
	am_relay_list_free(&s->list);
	am_relay_free_names(s->names, s->n);
	am_change_file_free(&s->pf);
	am_postfwd_items_free(s->items, s->nitems);
	free(s->pf_path);
	am_acct_db_close(&s->db);
}

static int
relay_state_load(const struct am_host *h, struct relay_state *s,
    struct am_error *err)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	am_change_file_init(&s->pf);
	am_error_clear(&s->block_err);
	quiet_host(h, &s->q);
	if (fix_archmail(h, s->sync, sizeof(s->sync), "postfwd sync", NULL,
	    err) < 0 || fix_archmail(h, s->sync_init, sizeof(s->sync_init),
	    "postfwd sync --init", NULL, err) < 0)
		return -1;
	if (am_acct_db_open(&s->db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, false, 0, err) < 0 ||
	    am_relay_list(&s->q, &s->list, err) < 0 ||
	    am_relay_postfwd_names(&s->q, &s->db, NULL, NULL, &s->names, &s->n,
	    err) < 0)
		return -1;
	if ((s->pf_path = am_host_conf_path(h, AM_CONF_POSTFWD_CONFIG)) ==
	    NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* No postfwd.cf, or not even its directory: a host without it. */
	if (stat(s->pf_path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	/* Read-only: the directory need not be writable. */
	if (am_change_file_read(&s->pf, s->pf_path, false, err) < 0)
		return -1;
	if (!s->pf.exists)
		return 0;
	if (am_postfwd_find_block(s->pf.old.data, s->pf.old.len, s->pf_path,
	    &s->block, &s->block_err) < 0)
		return 0;
	s->block_ok = s->block.found;
	if (s->block_ok && am_postfwd_block_items(s->pf.old.data,
	    s->pf.old.len, &s->block, &s->items, &s->nitems, err) < 0)
		return -1;
	return 0;
}

/* The passwd entry of a relay list entry (always there: just read). */
static bool
relay_is_active(const struct am_relay_entry *e)
{
	return e->state != AM_PW_STATE_LOCKED;
}

static int
check_relay_shells(const struct am_host *h, struct relay_state *s,
    struct am_check_report *r, struct am_error *err)
{
	const struct am_acct_file *pw = &s->db.file[AM_ACCT_PASSWD];
	const char *shell = am_host_conf(h, AM_CONF_RELAY_SHELL);
	const char *group = am_host_conf(h, AM_CONF_RELAY_GROUP);
	struct am_acct_entry e;
	struct am_error ignored;
	enum am_relay_kind kind;
	char fix[FIX_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; i < pw->count && rc == 0; i++) {
		am_error_clear(&ignored);
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &e, &ignored) < 0)
			continue;
		kind = am_relay_account_kind(&s->q, &e);
		if (kind != AM_RELAY_NOT && login_shell(e.field[6])) {
			/* A relay host's password must not open a shell. */
			if (fix_copy(root_of(h) != NULL ? am_check_shell(
			    "usermod --prefix %Q -s %Q %Q", root_of(h), shell,
			    e.field[0]) : am_check_shell("usermod -s %Q %Q",
			    shell, e.field[0]), fix, sizeof(fix), err) < 0) {
				am_acct_entry_free(&e);
				return -1;
			}
			rc = am_check_add(r, "relay", "relay-login-shell",
			    AM_CHECK_ERROR, pw->path, pw->line[i].lineno, fix,
			    err, "relay account \"%s\" has the login shell "
			    "\"%s\"; its shared relay password would open a "
			    "shell on this host", e.field[0], e.field[6]);
		} else if (kind == AM_RELAY_LOOKALIKE) {
			if (fix_copy(root_of(h) != NULL ? am_check_shell(
			    "usermod --prefix %Q -s %Q -g %Q %Q", root_of(h),
			    shell, group, e.field[0]) : am_check_shell(
			    "usermod -s %Q -g %Q %Q", shell, group, e.field[0]),
			    fix, sizeof(fix), err) < 0) {
				am_acct_entry_free(&e);
				return -1;
			}
			rc = am_check_add(r, "relay", "relay-lookalike",
			    AM_CHECK_WARNING, pw->path, pw->line[i].lineno,
			    fix, err, "\"%s\" carries the relay marker in its "
			    "GECOS but not relay_shell %s and relay_group %s, "
			    "so archmail does not treat it as a relay account",
			    e.field[0], shell, group);
		}
		am_acct_entry_free(&e);
	}
	return rc;
}

/* Where @HOST is in the sender map with another value: its line, or 0. */
static long
sender_map_other(struct am_mapedit *ed, bool have_ed, const char *key,
    const char **value)
{
	struct am_error ignored;
	long i;

	if (!have_ed)
		return 0;
	am_error_clear(&ignored);
	if ((i = am_mapedit_find(ed, key, &ignored)) < 0)
		return 0;
	*value = ed->entries[i].value;
	return ed->entries[i].line;
}

static int
open_sender_map(const struct am_host *h, const char *path,
    struct am_mapedit *ed, bool *have, struct am_error *err)
{
	struct am_postfix_settings ps;
	struct stat st;
	int rc;

	*have = false;
	/* No map (or no directory for it): no line in it. */
	if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (am_postfix_settings_load(&ps, h, NULL, err) < 0)
		return -1;
	rc = am_mapedit_open(ed, path, AM_MAP_POSTMAP, ps.utf8, NULL, NULL,
	    err);
	am_postfix_settings_free(&ps);
	if (rc == 0)
		*have = true;
	return rc;
}

static int
check_relay_accounts(const struct am_host *h, struct relay_state *s,
    struct am_mapedit *ed, bool have_ed, const char *sender_path,
    struct am_check_report *r, struct am_error *err)
{
	const struct am_relay_entry *e;
	struct am_acct_entry se;
	char fix[FIX_MAX], key[300];
	const char *other;
	long sline, line;
	size_t i;
	int rc = 0;

	for (i = 0; i < s->list.n && rc == 0; i++) {
		e = &s->list.v[i];
		if (e->state == AM_PW_STATE_EMPTY) {
			sline = 0;
			if (find_entry(&s->db.file[AM_ACCT_SHADOW], e->user,
			    &se, &sline) >= 0)
				am_acct_entry_free(&se);
			if (fix_archmail(h, fix, sizeof(fix), "relay rotate %Q "
			    "--generate", e->host, err) < 0)
				return -1;
			rc = am_check_add(r, "relay", "relay-no-password",
			    AM_CHECK_ERROR, s->db.file[AM_ACCT_SHADOW].path,
			    sline, fix, err, "relay account \"%s\" (%s) is "
			    "not locked and has an empty password", e->user,
			    e->host);
			if (rc < 0)
				break;
		}
		if (!relay_is_active(e))
			continue;
		/* No block at all is the postfwd area's finding. */
		if (s->block_ok && !e->postfwd) {
			rc = am_check_add(r, "relay", "relay-not-in-postfwd",
			    AM_CHECK_ERROR, s->pf_path, s->block.begin_line,
			    s->sync, err, "relay account "
			    "\"%s\" (%s) is not in postfwd's %s block, so it "
			    "gets the per-user rate limit, not the relay "
			    "hosts' one", e->user, e->host,
			    am_host_conf(h, AM_CONF_POSTFWD_MACRO));
			if (rc < 0)
				break;
		}
		if (e->sender_map)
			continue;
		snprintf(key, sizeof(key), "@%s", e->host);
		other = NULL;
		line = sender_map_other(ed, have_ed, key, &other);
		if (fix_archmail(h, fix, sizeof(fix), "relay add %Q "
		    "--password-stdin", e->host, err) < 0)
			return -1;
		if (other != NULL)
			rc = am_check_add(r, "relay", "relay-sender-map-differs",
			    AM_CHECK_ERROR, sender_path, line, NULL, err,
			    "\"%s\" maps to \"%s\", not to relay account "
			    "\"%s\", so %s cannot send as its own addresses",
			    key, other, e->user, e->host);
		else
			rc = am_check_add(r, "relay", "relay-not-in-sender-map",
			    AM_CHECK_ERROR, sender_path, 0, fix, err, "relay "
			    "account \"%s\" has no \"%s %s\" line in the "
			    "sender map, so %s cannot send as its own "
			    "addresses (run the fix with the host's current "
			    "password)", e->user, key, e->user, e->host);
	}
	return rc;
}

/* The relay list entry of user, or NULL. */
static const struct am_relay_entry *
relay_entry(const struct relay_state *s, const char *user)
{
	size_t i;

	for (i = 0; i < s->list.n; i++)
		if (strcmp(s->list.v[i].user, user) == 0)
			return &s->list.v[i];
	return NULL;
}

static int
check_block_items(const struct am_host *h, struct relay_state *s,
    struct am_check_report *r, struct am_error *err)
{
	const struct am_relay_entry *e;
	struct am_acct_entry pe;
	enum am_relay_kind kind;
	size_t i;
	long pline;
	int rc = 0;

	(void)h;
	for (i = 0; i < s->nitems && rc == 0; i++) {
		if (names_have(s->names, s->n, s->items[i].name))
			continue;
		/*
		 * A look-alike's item goes when its shell or group is fixed
		 * (relay-login-shell, relay-lookalike say so).
		 */
		if (find_entry(&s->db.file[AM_ACCT_PASSWD], s->items[i].name,
		    &pe, &pline) >= 0) {
			kind = am_relay_account_kind(&s->q, &pe);
			am_acct_entry_free(&pe);
			if (kind == AM_RELAY_LOOKALIKE)
				continue;
		}
		e = relay_entry(s, s->items[i].name);
		rc = am_check_add(r, "relay", "postfwd-unknown-login",
		    AM_CHECK_ERROR, s->pf_path, s->items[i].line,
		    s->sync, err, e != NULL ? "postfwd's "
		    "block lists \"%s\", whose relay account is locked" :
		    "postfwd's block lists \"%s\", which is neither a relay "
		    "account nor in postfwd_extra_users", s->items[i].name);
	}
	return rc;
}

static int
check_sender_logins(const struct am_host *h, struct relay_state *s,
    struct am_mapedit *ed, const char *sender_path,
    struct am_check_report *r, struct am_error *err)
{
	const struct am_relay_entry *re;
	struct am_acct_entry pe;
	char **items = NULL, fix[FIX_MAX];
	size_t i, j, n;
	long pline;
	int rc = 0;

	for (i = 0; i < ed->nentries && rc == 0; i++) {
		n = am_mapedit_split_value(ed->entries[i].value, &items);
		if (n == (size_t)-1)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		for (j = 0; j < n && rc == 0; j++) {
			/* Addresses and lookups are not logins. */
			if (!am_acct_name_valid(items[j]))
				continue;
			if (find_entry(&s->db.file[AM_ACCT_PASSWD], items[j],
			    &pe, &pline) < 0) {
				rc = am_check_add(r, "relay",
				    "sender-map-unknown-login", AM_CHECK_ERROR,
				    sender_path, ed->entries[i].line, NULL,
				    err, "\"%s\" lets login \"%s\" send as it, "
				    "but there is no account \"%s\" (whoever "
				    "gets that name may send as %s)",
				    ed->entries[i].key, items[j], items[j],
				    ed->entries[i].key);
				continue;
			}
			am_acct_entry_free(&pe);
			re = relay_entry(s, items[j]);
			if (re == NULL || relay_is_active(re))
				continue;
			if (fix_archmail(h, fix, sizeof(fix), "relay remove %Q",
			    re->host, err) < 0) {
				am_mapedit_free_split(items, n);
				return -1;
			}
			rc = am_check_add(r, "relay", "sender-map-locked-relay",
			    AM_CHECK_WARNING, sender_path, ed->entries[i].line,
			    fix, err, "\"%s\" still names relay account \"%s\", "
			    "which is locked (relay remove leaves no line)",
			    ed->entries[i].key, items[j]);
		}
		am_mapedit_free_split(items, n);
		items = NULL;
	}
	return rc;
}

int
am_check_relay(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct relay_state s;
	struct am_mapedit ed;
	char *sender_path = NULL;
	bool have_ed = false;
	int rc = -1;

	(void)opt;
	memset(&ed, 0, sizeof(ed));
	if (relay_state_load(h, &s, err) < 0)
		goto out;
	if ((sender_path = am_host_conf_path(h, AM_CONF_SENDER_MAP)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (open_sender_map(h, sender_path, &ed, &have_ed, err) < 0 ||
	    check_relay_shells(h, &s, report, err) < 0 ||
	    check_relay_accounts(h, &s, &ed, have_ed, sender_path, report,
	    err) < 0 ||
	    check_block_items(h, &s, report, err) < 0 ||
	    (have_ed && check_sender_logins(h, &s, &ed, sender_path, report,
	    err) < 0))
		goto out;
	rc = 0;
out:
	if (have_ed)
		am_mapedit_free(&ed);
	free(sender_path);
	relay_state_free(&s);
	return rc;
}

/*
 * The form of the block, apart from the logins the relay area judges.
 * want: the block "archmail postfwd sync" would write for the block's
 * logins that stand for a relay account or postfwd_extra_users (sorted,
 * each once).  have: the block as in the file, without the lines of the
 * other items (postfwd-unknown-login, or a look-alike's).  Both are
 * compared without the ';' that ends the last item, which moves when an
 * item goes; that ';' is judged by itself: the last item line of the
 * file, and no other, must carry it.  Anything else that differs (an
 * item written "sasl_username=", out of order, twice, another macro
 * name) is out of sync.
 */
static bool
item_line(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return (size_t)(eol - p) >= 15 && memcmp(p, "sasl_username==", 15) == 0;
}

/* Append [p, eol) without a ';' (and blanks, CR) ending an item line. */
static int
add_normal(struct am_buf *out, const char *p, const char *eol)
{
	const char *e = eol;

	if (item_line(p, eol)) {
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' ||
		    e[-1] == '\t'))
			e--;
		if (e > p && e[-1] == ';')
			e--;
	}
	if (am_buf_add(out, p, (size_t)(e - p)) < 0 ||
	    am_buf_addc(out, '\n') < 0)
		return -1;
	return 0;
}

static int
normalize(const char *text, size_t len, const struct relay_state *s,
    bool drop_others, struct am_buf *out, bool *semis_ok)
{
	const char *p = text, *end = text + len, *eol, *e;
	long lineno, last_item = 0, semi_line = 0;
	size_t i, semis = 0;
	bool drop;

	for (lineno = drop_others ? s->block.begin_line : 1; p < end;
	    lineno++, p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol : end;
		drop = false;
		for (i = 0; drop_others && i < s->nitems; i++)
			if (s->items[i].line == lineno &&
			    !names_have(s->names, s->n, s->items[i].name))
				drop = true;
		if (item_line(p, eol)) {
			last_item = lineno;
			for (e = eol; e > p && (e[-1] == '\r' || e[-1] == ' ' ||
			    e[-1] == '\t'); e--)
				continue;
			if (e > p && e[-1] == ';') {
				semis++;
				semi_line = lineno;
			}
		}
		if (!drop && add_normal(out, p, eol) < 0)
			return -1;
	}
	*semis_ok = semis == 1 && semi_line == last_item;
	return 0;
}

static int
block_form_ok(const struct am_host *h, const struct relay_state *s,
    bool *ok, struct am_error *err)
{
	struct am_buf want = AM_BUF_INIT, wn = AM_BUF_INIT, hn = AM_BUF_INIT;
	char **v;
	size_t i, n = 0;
	bool semis_have, semis_want;
	int rc = -1;

	*ok = false;
	if ((v = calloc(s->nitems + 1, sizeof(*v))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (i = 0; i < s->nitems; i++)
		if (names_have(s->names, s->n, s->items[i].name) &&
		    !names_have(v, n, s->items[i].name))
			v[n++] = s->items[i].name;
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	if (am_postfwd_render(am_host_conf(h, AM_CONF_POSTFWD_MACRO),
	    (const char *const *)v, n, &want, err) < 0)
		goto out;
	if (normalize(want.data, want.len, s, false, &wn, &semis_want) < 0 ||
	    normalize(s->pf.old.data + s->block.start, s->block.end -
	    s->block.start, s, true, &hn, &semis_have) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	*ok = semis_have && wn.len == hn.len && memcmp(wn.data, hn.data,
	    wn.len) == 0;
	rc = 0;
out:
	free(v);
	am_buf_free(&want);
	am_buf_free(&wn);
	am_buf_free(&hn);
	return rc;
}

/* Is name an item of the block? */
static bool
block_has(const struct relay_state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nitems; i++)
		if (strcmp(s->items[i].name, name) == 0)
			return true;
	return false;
}

int
am_check_postfwd(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct relay_state s;
	const struct am_relay_entry *e;
	size_t i;
	bool form_ok;
	int rc = -1;

	(void)opt;
	if (relay_state_load(h, &s, err) < 0)
		goto out;
	/* A host without postfwd.cf does not use postfwd: nothing to say. */
	if (!s.pf.exists) {
		rc = 0;
		goto out;
	}
	if (s.block_err.message[0] != '\0') {
		rc = am_check_add(report, "postfwd", "postfwd-block-malformed",
		    AM_CHECK_ERROR, s.block_err.file[0] != '\0' ?
		    s.block_err.file : s.pf_path, s.block_err.line, NULL, err,
		    "archmail's block is malformed (%s); remove the stray "
		    "marker line, then run \"archmail postfwd sync\"",
		    s.block_err.message);
		goto out;
	}
	if (!s.block_ok) {
		rc = am_check_add(report, "postfwd", "postfwd-no-block",
		    AM_CHECK_WARNING, s.pf_path, 0,
		    s.sync_init, err, "postfwd.cf has no "
		    "\"%s\" block, so the relay hosts' logins in it are not "
		    "kept in step with the relay accounts", AM_POSTFWD_BEGIN);
		goto out;
	}
	if (block_form_ok(h, &s, &form_ok, err) < 0)
		goto out;
	if (!form_ok) {
		rc = am_check_add(report, "postfwd", "postfwd-out-of-sync",
		    AM_CHECK_ERROR, s.pf_path, s.block.begin_line,
		    s.sync, err, "the block is not in the "
		    "form \"archmail postfwd sync\" writes: the definition "
		    "of &&%s with one exact \"sasl_username==LOGIN\" item "
		    "per line, sorted, each login once",
		    am_host_conf(h, AM_CONF_POSTFWD_MACRO));
		goto out;
	}
	/*
	 * Logins the block misses that are no relay account (those are the
	 * relay area's): postfwd_extra_users.
	 */
	for (i = 0; i < s.n; i++)
		if (!block_has(&s, s.names[i]) &&
		    (e = relay_entry(&s, s.names[i])) == NULL) {
			rc = am_check_add(report, "postfwd",
			    "postfwd-out-of-sync", AM_CHECK_ERROR, s.pf_path,
			    s.block.begin_line, s.sync, err,
			    "the block does not list \"%s\" of "
			    "postfwd_extra_users", s.names[i]);
			goto out;
		}
	rc = 0;
out:
	relay_state_free(&s);
	return rc;
}

/* Warnings of the PAM guard, collected as findings' places. */
struct pam_places {
	struct am_error w[16];
	size_t n;
};

static void
collect_place(void *ctx, const struct am_error *warning)
{
	struct pam_places *p = ctx;

	if (p->n < sizeof(p->w) / sizeof(p->w[0])) {
		p->w[p->n] = *warning;
		/* The whole text lives only during this call. */
		p->w[p->n++].full_message = NULL;
	}
}

static int
check_pam(const struct am_host *h, bool live, struct am_check_report *r,
    struct am_error *err)
{
	struct am_passwd_opts o = AM_PASSWD_OPTS_INIT;
	struct pam_places places;
	struct am_host q;
	struct am_error gerr;
	size_t i;
	int rc = 0;

	memset(&places, 0, sizeof(places));
	q = *h;
	q.warn = collect_place;
	q.ctx = &places;
	/*
	 * passwd clear's judgement, every line reported (allow_nullok turns
	 * each refusal into a warning): nullok where the account phase
	 * would not refuse the emptied, expired password.
	 */
	o.user = "USER";
	o.allow_nullok = true;
	am_error_clear(&gerr);
	if (am_passwd_clear_guard(&q, &o, false, &gerr) < 0) {
		if (gerr.code == AM_E_NOMEM) {
			*err = gerr;
			return -1;
		}
		return am_check_add(r, "passwd", "pam-unreadable",
		    AM_CHECK_ERROR, gerr.file[0] != '\0' ? gerr.file : NULL,
		    gerr.line, NULL, err, "%s", gerr.message);
	}
	for (i = 0; i < places.n && rc == 0; i++)
		rc = am_check_add(r, "passwd", "pam-nullok", live ?
		    AM_CHECK_ERROR : AM_CHECK_WARNING, places.w[i].file[0] !=
		    '\0' ? places.w[i].file : NULL, places.w[i].line, NULL,
		    err, "nullok lets a mail service's PAM stack accept an "
		    "empty password and its account phase would not refuse "
		    "it expired, so an account with an empty password takes "
		    "any password over IMAP and SMTP (and \"archmail passwd "
		    "clear\" refuses); remove nullok here");
	return rc;
}

int
am_check_passwd(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct am_acct_db db;
	struct am_acct_entry e, pe;
	struct am_error ignored;
	struct am_host q;
	const struct am_acct_file *sh, *pw;
	char fix[FIX_MAX];
	unsigned long uid_min = 1000, uid;
	long pline;
	bool live = false, person;
	size_t i;
	int rc = -1;

	(void)opt;
	quiet_host(h, &q);
	if (am_acct_db_open(&db, h->root, AM_ACCT_F_PASSWD | AM_ACCT_F_SHADOW,
	    false, 0, err) < 0)
		return -1;
	if (am_acct_login_defs(h->root, "UID_MIN", 1000, &uid_min, err) < 0)
		goto out;
	pw = &db.file[AM_ACCT_PASSWD];
	sh = &db.file[AM_ACCT_SHADOW];
	/*
	 * passwd's own field: pam_unix reads shadow only when it is "x", so
	 * an empty field there is an empty password no expiry can guard.
	 */
	for (i = 0; i < pw->count; i++) {
		am_error_clear(&ignored);
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &e, &ignored) < 0)
			continue;
		if (e.field[1][0] == '\0') {
			live = true;
			if (fix_copy(root_of(h) != NULL ? am_check_shell(
			    "pwconv -R %Q", root_of(h)) : am_check_shell(
			    "pwconv"), fix, sizeof(fix), err) < 0 ||
			    am_check_add(report, "passwd",
			    "passwd-empty-in-passwd", AM_CHECK_ERROR, pw->path,
			    pw->line[i].lineno, fix, err, "\"%s\" has an "
			    "empty password in passwd itself, which no shadow "
			    "expiry guards", e.field[0]) < 0) {
				am_acct_entry_free(&e);
				goto out;
			}
		}
		am_acct_entry_free(&e);
	}
	for (i = 0; i < sh->count; i++) {
		am_error_clear(&ignored);
		if (sh->line[i].name_len == 0 ||
		    am_acct_entry_get(sh, i, &e, &ignored) < 0)
			continue;
		if (e.field[1][0] != '\0' ||
		    find_entry(pw, e.field[0], &pe, &pline) < 0) {
			am_acct_entry_free(&e);
			continue;
		}
		/* A relay account's empty password is the relay area's. */
		if (am_relay_account_kind(&q, &pe) == AM_RELAY_ACCOUNT) {
			am_acct_entry_free(&pe);
			am_acct_entry_free(&e);
			continue;
		}
		live = true;
		uid = strtoul(pe.field[2], NULL, 10);
		person = uid >= uid_min && login_shell(pe.field[6]);
		if (strcmp(e.field[2], "0") != 0) {
			/*
			 * passwd clear is for people; a system account's
			 * empty password is locked instead.
			 */
			if (person)
				rc = fix_archmail(h, fix, sizeof(fix),
				    "passwd clear %Q", e.field[0], err);
			else
				rc = fix_copy(root_of(h) != NULL ?
				    am_check_shell("passwd -R %Q -l %Q",
				    root_of(h), e.field[0]) : am_check_shell(
				    "passwd -l %Q", e.field[0]), fix,
				    sizeof(fix), err);
			if (rc == 0)
				rc = am_check_add(report, "passwd",
			    "passwd-empty-not-expired", AM_CHECK_ERROR,
			    sh->path, sh->line[i].lineno, fix, err, "\"%s\" "
			    "has an empty password that is not expired (last "
			    "change \"%s\", not 0): with nullok anywhere any "
			    "password logs in, and nothing makes its owner "
			    "set one", e.field[0], e.field[2]);
			if (rc < 0) {
				am_acct_entry_free(&pe);
				am_acct_entry_free(&e);
				goto out;
			}
		}
		am_acct_entry_free(&pe);
		am_acct_entry_free(&e);
	}
	rc = check_pam(h, live, report, err);
out:
	am_acct_db_close(&db);
	return rc;
}
