/*
 * relay add|rotate|remove (am_relay.h): validate everything and compute
 * every change first (am_relay_plan()), write afterwards
 * (am_relay_commit()), so that a refused command changes no file.
 *
 * Every lock is taken first (the account locks, which also serialise
 * relay and postfwd sync on postfwd.cf and the sender map); opening the
 * account files under them finishes a journal a killed run left and
 * sweeps its leftovers, and am_relay_plan() sweeps those of its own
 * files.  am_relay_commit() puts every change, account files, home
 * directory, client file, sender map source and postfwd.cf, into one
 * journal (am_journal.h), so that a crash at any point leaves the old
 * state or one the next archmail command that locks the accounts
 * completes.  The sender map's table is compiled afterwards, and
 * whenever it is older than its source, which is how a crash between
 * the two is repaired.
 *
 * Home directories are judged while planning, so that a home relay
 * cannot use refuses the command before any file is written; they are
 * made and removed as journal steps.
 */
#include "am_relay.h"
#include "am_table_update.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_acct_diff.h"
#include "am_atomic.h"
#include "am_journal.h"

/*
 * relay add: a directory owned by uid is kept; a missing one can be made
 * when its nearest existing ancestor is a directory (*missing true).
 * Anything else (a symbolic link, a file, a directory of another user)
 * is AM_E_CANTCREAT.
 */
static int
home_check_create(const char *path, uid_t uid, bool *missing,
    struct am_error *err)
{
	struct stat st;
	char *copy, *slash;
	int rc = 0;

	*missing = false;
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and is not a directory", path);
		if (st.st_uid != uid)
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and belongs to uid %lu, not to the relay "
			    "account (uid %lu); not reused", path,
			    (unsigned long)st.st_uid, (unsigned long)uid);
		return 0;
	}
	if (errno != ENOENT)
		return am_error_set_errno(err, AM_E_CANTCREAT, errno,
		    "stat %s", path);
	*missing = true;
	/* mkdir -p will make the rest below the nearest existing one. */
	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	while ((slash = strrchr(copy, '/')) != NULL) {
		if (slash == copy)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(copy, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = am_error_set(err, AM_E_CANTCREAT, "%s "
				    "(above home %s) is not a directory",
				    copy, path);
			break;
		}
		if (errno != ENOENT) {
			rc = am_error_set_errno(err, AM_E_CANTCREAT, errno,
			    "stat %s", copy);
			break;
		}
		if (slash == copy)
			break;
	}
	free(copy);
	return rc;
}

/*
 * relay remove --delete: missing (*missing true) or a directory owned by
 * uid; anything else is AM_E_INVALID.
 */
static int
home_check_delete(const char *path, uid_t uid, bool *missing,
    struct am_error *err)
{
	struct stat st;

	*missing = false;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s", path);
		*missing = true;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return am_error_set(err, AM_E_INVALID, "home %s is not a "
		    "directory owned by uid %lu; remove it by hand or run "
		    "relay remove without --delete", path,
		    (unsigned long)uid);
	return 0;
}

static int
home_path(const struct am_host *h, const char *host, char **out,
    struct am_error *err)
{
	const char *tmpl = am_host_conf(h, AM_CONF_RELAY_HOME), *p;
	struct am_buf b = AM_BUF_INIT;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'h') {
			am_buf_adds(&b, host);
			p++;
		} else {
			am_buf_addc(&b, *p);
		}
	}
	if (b.data == NULL)
		return am_error_set(err, AM_E_CONFIG, "relay_home is empty");
	if (b.data[0] != '/' || strpbrk(b.data, ":\n") != NULL) {
		am_buf_free(&b);
		return am_error_set(err, AM_E_CONFIG, "relay_home must be an "
		    "absolute path without ':'");
	}
	*out = b.data;
	return 0;
}

/* The new account's passwd and shadow lines. */
static int
create_account(const struct am_host *h, struct am_relay_plan *r,
    const char *home, struct am_error *err)
{
	struct am_acct_file group;
	char uid[24], gid[24], today[24], gecos[300], *gpath;
	const char *shell = am_host_conf(h, AM_CONF_RELAY_SHELL);
	const char *grname = am_host_conf(h, AM_CONF_RELAY_GROUP);
	const char *pwf[7], *spf[9];
	char *shell_path;
	int rc;

	if ((gpath = am_acct_path(h->root, AM_ACCT_GROUP)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = am_acct_file_load(&group, AM_ACCT_GROUP, gpath, err);
	free(gpath);
	if (rc < 0)
		return -1;
	rc = am_acct_group_gid(&group, grname, &r->gid, err);
	am_acct_file_free(&group);
	if (rc < 0) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_CONFIG, "relay_group \"%s\" is "
			    "not in the group file", grname);
		return -1;
	}
	if ((shell_path = am_host_path(h, shell)) != NULL &&
	    access(shell_path, X_OK) < 0)
		am_host_warnf(h, NULL, 0, "relay_shell %s is missing or not "
		    "executable", shell_path);
	free(shell_path);
	if (am_acct_alloc_uid(&r->db.file[AM_ACCT_PASSWD], h->root, &r->uid,
	    err) < 0)
		return -1;
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)r->uid);
	snprintf(gid, sizeof(gid), "%lu", (unsigned long)r->gid);
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	snprintf(gecos, sizeof(gecos), "%s%s", AM_RELAY_GECOS_PREFIX,
	    r->o.host);
	pwf[0] = r->user; pwf[1] = "x"; pwf[2] = uid; pwf[3] = gid;
	pwf[4] = gecos; pwf[5] = home; pwf[6] = shell;
	spf[0] = r->user; spf[1] = r->hash; spf[2] = today;
	spf[3] = spf[4] = spf[5] = spf[6] = spf[7] = spf[8] = "";
	if (am_acct_append(&r->db.file[AM_ACCT_PASSWD], pwf, 7, err) < 0 ||
	    am_acct_append(&r->db.file[AM_ACCT_SHADOW], spf, 9, err) < 0)
		return -1;
	r->created = true;
	return 0;
}

/*
 * The relay account of r->o.host: *pi (passwd line) and its entry, or -1
 * with NOUSER when there is none; EXISTS_DIFFERENT when the name is taken
 * by another account.
 */
static long
find_relay(const struct am_host *h, struct am_relay_plan *r,
    struct am_acct_entry *pe, struct am_error *err)
{
	const char *host;
	long pi;

	pi = am_acct_find(&r->db.file[AM_ACCT_PASSWD], r->user, err);
	if (pi < 0)
		return -1;
	if (am_acct_entry_get(&r->db.file[AM_ACCT_PASSWD], (size_t)pi, pe,
	    err) < 0)
		return -1;
	host = am_relay_gecos_host(pe->field[4]);
	if (am_relay_account_kind(h, pe) == AM_RELAY_LOOKALIKE) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "user \"%s\" has the "
		    "relay marker in its GECOS but not relay_shell and "
		    "relay_group: a hand-made account, not touched", r->user);
		am_acct_entry_free(pe);
		return -1;
	}
	if (host == NULL || strcmp(host, r->o.host) != 0) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "user \"%s\" exists "
		    "and is not the relay account of %s", r->user, r->o.host);
		am_acct_entry_free(pe);
		return -1;
	}
	r->uid = (uid_t)strtoul(pe->field[2], NULL, 10);
	r->gid = (gid_t)strtoul(pe->field[3], NULL, 10);
	return pi;
}

/*
 * relay add --generate for an account that exists: its password stays.
 * That is only "unchanged" when the client file holds it (the line
 * verifies against the stored hash): the generated password is then
 * dropped and nothing is written.  Otherwise the relay host has no
 * password to use and relay add cannot tell it one: AM_E_INVALID,
 * pointing to relay rotate.
 */
static int
keep_generated(const struct am_host *h, struct am_relay_plan *r,
    const char *stored, struct am_error *err)
{
	struct am_buf prefix = AM_BUF_INIT, pw = AM_BUF_INIT;
	const char *text, *end, *p, *nl;
	bool match = false;
	struct am_error ignored;
	int rc = -1;

	if (r->client != NULL && r->client->exists) {
		if (am_buf_printf(&prefix, "%s %s:", am_host_conf(h,
		    AM_CONF_MAIL_HOST), r->user) < 0)
			goto nomem;
		text = r->client->old.data;
		end = text + r->client->old.len;
		for (p = text; p < end && !match; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if ((size_t)(nl - p) <= prefix.len ||
			    memcmp(p, prefix.data, prefix.len) != 0)
				continue;
			am_buf_reset(&pw);
			if (am_buf_add(&pw, p + prefix.len,
			    (size_t)(nl - p) - prefix.len) < 0)
				goto nomem;
			am_error_clear(&ignored);
			(void)am_pw_verify(pw.data, stored, &match, &ignored);
		}
	}
	if (match) {
		/* Nothing to write: the client line and hash stay. */
		am_buf_wipe(&r->pw);
		rc = 0;
	} else {
		am_error_set(err, AM_E_INVALID, "the relay account of %s "
		    "exists and keeps its password, which %s; \"archmail "
		    "relay rotate %s\" gives it a new one", r->o.host,
		    r->client == NULL ? "--generate without --client-file "
		    "cannot check" : "the client file does not hold",
		    r->o.host);
	}
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_wipe(&prefix);
	am_buf_wipe(&pw);
	return rc;
}

/* Set, keep (same password, policy met) or lock the shadow password. */
static int
update_shadow(const struct am_host *h, struct am_relay_plan *r,
    struct am_error *err)
{
	struct am_acct_file *sh = &r->db.file[AM_ACCT_SHADOW];
	struct am_acct_entry se;
	enum am_pw_scheme scheme;
	unsigned long cost;
	char today[24], *locked = NULL;
	bool match = false;
	long si;
	int rc = -1;

	if ((si = am_acct_find(sh, r->user, err)) < 0) {
		if (err->code == AM_E_NOUSER)
			err->code = AM_E_PARSE;
		return -1;
	}
	if (am_acct_entry_get(sh, (size_t)si, &se, err) < 0)
		return -1;
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	if (r->o.op == AM_RELAY_REMOVE) {
		if (se.field[1][0] == '!') {
			rc = 0;
			goto out;
		}
		if (asprintf(&locked, "!%s", se.field[1]) < 0) {
			locked = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		rc = am_acct_entry_set_field(&se, 1, locked, err) < 0 ||
		    am_acct_replace(sh, (size_t)si, &se, err) < 0 ? -1 : 0;
		goto out;
	}
	if (r->o.op == AM_RELAY_ROTATE && se.field[1][0] == '!') {
		am_error_set(err, AM_E_INVALID, "the account of %s is locked "
		    "(relay remove); use relay add to enable it again",
		    r->o.host);
		goto out;
	}
	if (am_pw_policy(h->conf, &r->o.pw, &scheme, &cost, err) < 0)
		goto out;
	/*
	 * relay add of an account that exists keeps its password; a
	 * locked one (relay remove) is enabled again with the new one.
	 */
	if (r->o.op == AM_RELAY_ADD && se.field[1][0] != '!') {
		if (r->o.pw.source == AM_PW_SRC_GENERATE) {
			rc = keep_generated(h, r, se.field[1], err);
			goto out;
		}
		(void)am_pw_verify(r->pw.data, se.field[1], &match, err);
		if (match && am_pw_meets_policy(se.field[1], scheme, cost)) {
			rc = 0;
			goto out;
		}
		if (!match && !r->o.update_password) {
			am_error_set(err, AM_E_INVALID, "the relay account of "
			    "%s has another password: it is kept; "
			    "--update-password replaces it, \"archmail relay "
			    "rotate %s\" sets a new one", r->o.host,
			    r->o.host);
			goto out;
		}
	}
	if (am_pw_hash(r->pw.data, scheme, cost, r->hash, sizeof(r->hash),
	    err) < 0 || am_acct_entry_set_field(&se, 1, r->hash, err) < 0 ||
	    am_acct_entry_set_field(&se, 2, today, err) < 0 ||
	    am_acct_replace(sh, (size_t)si, &se, err) < 0)
		goto out;
	rc = 0;
out:
	free(locked);
	am_acct_entry_free(&se);
	return rc;
}

/*
 * Under the locks, after the journal replay: remove leftovers of killed
 * runs next to the files relay writes, and rebuild a sender map table
 * older than its source (a run killed between the two), whatever this
 * run decides later.
 */
static int
recover(const struct am_host *h, struct am_relay_plan *r, struct am_error *err)
{
	static const enum am_conf_key keys[] = { AM_CONF_POSTFWD_CONFIG,
	    AM_CONF_SENDER_MAP };
	char *path = NULL, *table = NULL;
	bool compiled = false;
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		free(path);
		if ((path = am_host_conf_path(h, keys[i])) == NULL)
			goto nomem;
		am_journal_sweep(path);
		am_atomic_remove_stale(path);
	}
	/* path: the sender map */
	if (asprintf(&table, "%s.lmdb", path) < 0) {
		table = NULL;
		goto nomem;
	}
	am_atomic_remove_stale(table);
	if (r->o.client_file != NULL) {
		am_journal_sweep(r->o.client_file);
		am_atomic_remove_stale(r->o.client_file);
	}
	if (!r->o.no_sender_map && access(path, F_OK) == 0 &&
	    am_relay_compile_sender_map(h, path, false, &compiled, err) < 0)
		goto out;
	if (compiled && r->sender_table == NULL) {
		r->sender_table = table;
		table = NULL;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(path);
	free(table);
	return rc;
}

/*
 * relay add: HOST is a host's full name, inside one of archmail.conf's
 * domains (a subdomain of one: "aur.archlinux.org" for "archlinux.org")
 * unless any_domain.  "baz" alone would make an account "baz" for a
 * host nobody can name.
 */
static int
host_in_domains(const struct am_host *h, const struct am_relay_opts *o,
    struct am_error *err)
{
	const char *list = am_host_conf(h, AM_CONF_DOMAINS), *p;
	size_t hlen = strlen(o->host), n;

	if (strchr(o->host, '.') == NULL)
		return am_error_set(err, AM_E_INVALID, "\"%s\" is not a full "
		    "host name: relay add needs the relay host's name with "
		    "its domain (HOST.DOMAIN)", o->host);
	if (o->any_domain)
		return 0;
	for (p = list != NULL ? list : ""; *p != '\0'; p += n) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && hlen > n + 1 && o->host[hlen - n - 1] == '.' &&
		    strncasecmp(o->host + hlen - n, p, n) == 0)
			return 0;
	}
	return am_error_set(err, AM_E_INVALID, "host %s is not in domains "
	    "(%s); use --any-domain for a host of another domain", o->host,
	    list != NULL ? list : "");
}

static void
plan_init(struct am_relay_plan *p, const struct am_relay_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	am_change_init(&p->cs);
	/* Nothing locked or loaded yet: am_acct_db_close() is a no-op. */
	p->db.lock.pwd_fd = -1;
}

/* What am_relay_plan() checks before it takes the locks. */
static int
plan_args(const struct am_host *h, struct am_relay_plan *r,
    enum am_pw_scheme *scheme, unsigned long *cost, struct am_error *err)
{
	const struct am_relay_opts *o = &r->o;

	if (o->host == NULL)
		return am_error_set(err, AM_E_USAGE, "no host name");
	if (am_relay_host_user(o->host, r->user, sizeof(r->user), err) < 0)
		return -1;
	if (o->op == AM_RELAY_ADD && host_in_domains(h, o, err) < 0)
		return -1;
	if (o->op != AM_RELAY_REMOVE &&
	    (am_pw_policy(h->conf, &o->pw, scheme, cost, err) < 0 ||
	    am_pw_read(&o->pw, &r->pw, err) < 0))
		return -1;
	if (o->op == AM_RELAY_ADD && home_path(h, o->host, &r->home, err) < 0)
		return -1;
	return 0;
}

static int plan_host(const struct am_host *h, struct am_relay_plan *r,
    enum am_pw_scheme scheme, unsigned long cost, bool batch,
    struct am_error *err);

int
am_relay_plan(const struct am_host *h, const struct am_relay_opts *o,
    struct am_relay_plan *r, struct am_error *err)
{
	enum am_pw_scheme scheme = AM_PW_YESCRYPT;
	unsigned long cost = 0;

	plan_init(r, o);
	if (plan_args(h, r, &scheme, &cost, err) < 0)
		return -1;
	if (am_acct_db_open(&r->db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !o->dry_run, h->lock_timeout_ms, err) < 0)
		return -1;
	am_acct_db_notes(h, &r->db);
	if (r->db.lock.pwd_fd >= 0 && recover(h, r, err) < 0)
		return -1;
	return plan_host(h, r, scheme, cost, false, err);
}

/*
 * The account, home and client line of r->o's host on r's db and cs; the
 * postfwd block and the sender map too unless batch (the batch plans
 * them once, for all its hosts).
 */
static int
plan_host(const struct am_host *h, struct am_relay_plan *r,
    enum am_pw_scheme scheme, unsigned long cost, bool batch,
    struct am_error *err)
{
	const struct am_relay_opts *o = &r->o;
	struct am_acct_entry pe;
	char key[300], **names = NULL;
	size_t n = 0;
	long pi;
	int rc;
	bool missing = false;

	memset(&pe, 0, sizeof(pe));
	/* First in the change set, as in the result; read before deciding. */
	if (o->client_file != NULL && o->op != AM_RELAY_REMOVE) {
		if (am_change_add(&r->cs, o->client_file, false, &r->client,
		    err) < 0)
			return -1;
		r->client->redact = am_relay_redact_client;
	}
	pi = find_relay(h, r, &pe, err);
	if (pi < 0 && (err->code != AM_E_NOUSER || o->op != AM_RELAY_ADD)) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_NOUSER, "no relay account for "
			    "%s", o->host);
		return -1;
	}
	if (pi < 0) {
		if (am_pw_hash(r->pw.data, scheme, cost, r->hash,
		    sizeof(r->hash), err) < 0 ||
		    create_account(h, r, r->home, err) < 0)
			return -1;
	} else {
		free(r->home);
		if ((r->home = strdup(pe.field[5])) == NULL) {
			am_acct_entry_free(&pe);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
		rc = update_shadow(h, r, err);
		if (o->op == AM_RELAY_REMOVE && o->delete && rc == 0) {
			pi = am_acct_find(&r->db.file[AM_ACCT_SHADOW], r->user,
			    err);
			am_acct_remove(&r->db.file[AM_ACCT_SHADOW], (size_t)pi);
			am_acct_remove(&r->db.file[AM_ACCT_PASSWD],
			    (size_t)am_acct_find(&r->db.file[AM_ACCT_PASSWD],
			    r->user, err));
		}
		am_acct_entry_free(&pe);
		if (rc < 0)
			return -1;
	}
	if (r->home != NULL) {
		char *rooted = am_host_path(h, r->home);

		free(r->home);
		r->home = rooted;
		if (r->home == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		/* Judged now: a home relay cannot use refuses everything. */
		if (o->op == AM_RELAY_ADD) {
			if (home_check_create(r->home, r->uid, &missing,
			    err) < 0)
				return -1;
			r->home_create = missing;
		}
		if (o->op == AM_RELAY_REMOVE && o->delete) {
			if (home_check_delete(r->home, r->uid, &missing,
			    err) < 0)
				return -1;
			r->home_remove = !missing;
		}
	}
	if (o->op == AM_RELAY_ROTATE || batch)
		goto client;
	if (!o->no_postfwd) {
		if (am_relay_postfwd_names(h, &r->db, NULL, NULL, &names, &n,
		    err) < 0)
			return -1;
		rc = am_relay_plan_postfwd(h, &r->cs, names, n, false,
		    &r->postfwd, err);
		am_relay_free_names(names, n);
		if (rc < 0)
			return -1;
	}
	snprintf(key, sizeof(key), "@%s", o->host);
	if (!o->no_sender_map && am_relay_plan_sender_map(h, &r->cs, key,
	    r->user, o->op == AM_RELAY_ADD, &r->sender, err) < 0)
		return -1;
client:
	if (r->client != NULL && r->pw.data != NULL) {
		if (am_buf_printf(&r->client->new, "%s %s:%s\n",
		    am_host_conf(h, AM_CONF_MAIL_HOST), r->user,
		    r->pw.data) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		am_change_file_decide(r->client);
	}
	return 0;
}

bool
am_relay_changed(const struct am_relay_plan *p)
{
	return p->db.file[AM_ACCT_PASSWD].changed ||
	    p->db.file[AM_ACCT_SHADOW].changed || am_change_any(&p->cs) ||
	    p->home_create || p->home_remove;
}

int
am_relay_diff(const struct am_relay_plan *p, struct am_buf *out,
    struct am_error *err)
{
	if (am_acct_diff(&p->db.file[AM_ACCT_PASSWD], out, err) < 0 ||
	    am_acct_diff(&p->db.file[AM_ACCT_SHADOW], out, err) < 0 ||
	    am_change_diff(&p->cs, out, err) < 0)
		return -1;
	return 0;
}

int
am_relay_commit(const struct am_host *h, struct am_relay_plan *r,
    struct am_error *err)
{
	struct am_journal j;
	bool compiled = false;
	char *map = NULL, *sdb = NULL;
	const char *why = NULL;
	int cur = 0, rc = -1;

	if (r->o.dry_run)
		return am_error_set(err, AM_E_INTERNAL, "a dry-run plan "
		    "holds no locks and cannot be committed");
	if (am_journal_init(&j, h->root, err) < 0)
		return -1;
	if (am_acct_db_stage(&r->db, &j, err) < 0)
		goto out;
	if (r->home_create && am_journal_add_home(&j, AM_JOP_MKHOME, r->home,
	    r->uid, r->gid, err) < 0)
		goto out;
	if (r->home_remove && am_journal_add_home(&j, AM_JOP_RMHOME, r->home,
	    r->uid, r->gid, err) < 0)
		goto out;
	/* Is the sender map's table current before its source changes? */
	if (!r->o.no_sender_map && r->sender != NULL && r->sender->changed) {
		if (asprintf(&sdb, "%s.lmdb", r->sender->path) < 0) {
			sdb = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if ((cur = am_map_table_current(r->sender->path, sdb, &why,
		    err)) < 0 || am_map_pending_begin(sdb, err) < 0)
			goto out;
	}
	if (am_change_stage(&r->cs, &j, err) < 0 ||
	    am_journal_commit(&j, err) < 0)
		goto out;
	/*
	 * The table follows its source: rebuilt when the source changed
	 * now, or when it is older than the source (a run killed between
	 * the two, whichever subcommand comes next).
	 */
	if (!r->o.no_sender_map) {
		map = r->sender != NULL ? strdup(r->sender->path) :
		    am_host_conf_path(h, AM_CONF_SENDER_MAP);
		if (map == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if (r->sender != NULL && r->sender->changed) {
			/* Just the host's record when the table is current. */
			char key[300];
			const char *keys[1] = { key };

			snprintf(key, sizeof(key), "@%s", r->o.host);
			if (am_relay_update_sender_map(h, map, cur, why,
			    r->sender->new.data, r->sender->new.len, keys, 1,
			    &r->sender_updated, err) < 0)
				goto out;
			compiled = true;
		} else if (access(map, F_OK) == 0 &&
		    am_relay_compile_sender_map(h, map, false, &compiled,
		    err) < 0)
			goto out;
		if (compiled && r->sender_table == NULL &&
		    asprintf(&r->sender_table, "%s.lmdb", map) < 0) {
			r->sender_table = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(map);
	free(sdb);
	am_journal_free(&j);
	return rc;
}

void
am_relay_plan_free(struct am_relay_plan *p)
{
	if (p == NULL)
		return;
	am_acct_db_close(&p->db);
	am_change_free(&p->cs);
	am_buf_wipe(&p->pw);
	explicit_bzero(p->hash, sizeof(p->hash));
	free(p->home);
	free(p->sender_table);
	p->home = p->sender_table = NULL;
	p->client = p->sender = p->postfwd = NULL;
}

/* relay apply: a batch of hosts on one set of locks and files. */

static void
host_reset(struct am_relay_plan *r, const struct am_relay_opts *o)
{
	r->o = *o;
	memset(r->user, 0, sizeof(r->user));
	am_buf_wipe(&r->pw);
	explicit_bzero(r->hash, sizeof(r->hash));
	free(r->home);
	r->home = NULL;
	r->uid = 0;
	r->gid = 0;
	r->created = r->home_create = r->home_remove = false;
	r->client = NULL;
}

static int
batch_refuse_twice(const struct am_relay_opts *opts, size_t n, long *failed,
    struct am_error *err)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		*failed = (long)i;
		if (opts[i].host == NULL)
			return am_error_set(err, AM_E_INVALID, "no host name");
		if (opts[i].pw.source == AM_PW_SRC_GENERATE &&
		    opts[i].client_file == NULL && opts[i].op != AM_RELAY_REMOVE)
			return am_error_set(err, AM_E_INVALID, "%s: a generated "
			    "password needs a client_file in a batch",
			    opts[i].host);
		for (k = 0; k < i; k++) {
			if (strcasecmp(opts[k].host, opts[i].host) == 0)
				return am_error_set(err, AM_E_INVALID, "%s: "
				    "named twice in the batch", opts[i].host);
			if (opts[k].client_file != NULL &&
			    opts[i].client_file != NULL &&
			    strcmp(opts[k].client_file,
			    opts[i].client_file) == 0)
				return am_error_set(err, AM_E_INVALID, "%s: "
				    "client_file %s named twice in the batch",
				    opts[i].host, opts[i].client_file);
		}
	}
	*failed = -1;
	return 0;
}

int
am_relay_batch_plan(const struct am_host *h, const struct am_relay_opts *opts,
    size_t n, bool dry_run, struct am_relay_batch *b, struct am_error *err)
{
	struct am_relay_plan *r = &b->base;
	struct am_relay_opts first;
	struct am_relay_batch_host *bh;
	enum am_pw_scheme scheme = AM_PW_YESCRYPT;
	unsigned long cost = 0;
	const char **keys = NULL, **values = NULL;
	char (*keybuf)[300] = NULL, **names = NULL;
	bool *adds = NULL, postfwd = false;
	size_t i, nkeys = 0, nnames = 0;
	int rc = -1;

	memset(b, 0, sizeof(*b));
	b->failed = -1;
	memset(&first, 0, sizeof(first));
	first.dry_run = dry_run;
	plan_init(r, n > 0 ? &opts[0] : &first);
	if (n > 0 && batch_refuse_twice(opts, n, &b->failed, err) < 0)
		return -1;
	if ((b->hosts = calloc(n ? n : 1, sizeof(*b->hosts))) == NULL ||
	    (keys = calloc(n ? n : 1, sizeof(*keys))) == NULL ||
	    (values = calloc(n ? n : 1, sizeof(*values))) == NULL ||
	    (adds = calloc(n ? n : 1, sizeof(*adds))) == NULL ||
	    (keybuf = calloc(n ? n : 1, sizeof(*keybuf))) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (am_acct_db_open(&r->db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !dry_run, h->lock_timeout_ms, err) < 0)
		goto out;
	am_acct_db_notes(h, &r->db);
	if (r->db.lock.pwd_fd >= 0 && recover(h, r, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		b->failed = (long)i;
		bh = &b->hosts[i];
		host_reset(r, &opts[i]);
		r->o.dry_run = dry_run;
		if (plan_args(h, r, &scheme, &cost, err) < 0 ||
		    plan_host(h, r, scheme, cost, true, err) < 0)
			goto out;
		bh->o = r->o;
		memcpy(bh->user, r->user, sizeof(bh->user));
		bh->home = r->home;
		r->home = NULL;
		bh->uid = r->uid;
		bh->gid = r->gid;
		bh->created = r->created;
		bh->new_hash = r->hash[0] != '\0';
		bh->home_create = r->home_create;
		bh->home_remove = r->home_remove;
		bh->client = r->client;
		bh->changed = bh->created || bh->new_hash || bh->home_create ||
		    bh->home_remove || (bh->client != NULL &&
		    bh->client->changed);
		b->n = i + 1;
		postfwd = postfwd || !opts[i].no_postfwd;
		if (!opts[i].no_sender_map) {
			snprintf(keybuf[nkeys], sizeof(keybuf[nkeys]), "@%s",
			    opts[i].host);
			keys[nkeys] = keybuf[nkeys];
			values[nkeys] = b->hosts[i].user;
			adds[nkeys] = opts[i].op == AM_RELAY_ADD;
			nkeys++;
		}
	}
	b->failed = -1;
	host_reset(r, n > 0 ? &opts[n - 1] : &first);
	r->o.dry_run = dry_run;
	if (postfwd) {
		if (am_relay_postfwd_names(h, &r->db, NULL, NULL, &names,
		    &nnames, err) < 0)
			goto out;
		rc = am_relay_plan_postfwd(h, &r->cs, names, nnames, false,
		    &r->postfwd, err);
		am_relay_free_names(names, nnames);
		if (rc < 0) {
			rc = -1;
			goto out;
		}
		rc = -1;
	}
	if (nkeys > 0 && am_relay_plan_sender_map_n(h, &r->cs, keys, values,
	    adds, nkeys, &r->sender, err) < 0)
		goto out;
	rc = 0;
out:
	free(keys);
	free(values);
	free(adds);
	free(keybuf);
	return rc;
}

bool
am_relay_batch_changed(const struct am_relay_batch *b)
{
	size_t i;

	if (am_relay_changed(&b->base))
		return true;
	for (i = 0; i < b->n; i++)
		if (b->hosts[i].home_create || b->hosts[i].home_remove)
			return true;
	return false;
}

int
am_relay_batch_diff(const struct am_relay_batch *b, struct am_buf *out,
    struct am_error *err)
{
	return am_relay_diff(&b->base, out, err);
}

int
am_relay_batch_commit(const struct am_host *h, struct am_relay_batch *b,
    struct am_error *err)
{
	struct am_relay_plan *r = &b->base;
	struct am_relay_batch_host *bh;
	struct am_journal j;
	const char **keys = NULL, *why = NULL;
	char (*keybuf)[300] = NULL, *sdb = NULL;
	size_t i, nkeys = 0;
	int cur = 0, rc = -1;

	if (r->o.dry_run)
		return am_error_set(err, AM_E_INTERNAL, "a dry-run plan "
		    "holds no locks and cannot be committed");
	if (am_journal_init(&j, h->root, err) < 0)
		return -1;
	if ((keys = calloc(b->n ? b->n : 1, sizeof(*keys))) == NULL ||
	    (keybuf = calloc(b->n ? b->n : 1, sizeof(*keybuf))) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (am_acct_db_stage(&r->db, &j, err) < 0)
		goto out;
	for (i = 0; i < b->n; i++) {
		bh = &b->hosts[i];
		if (bh->home_create && am_journal_add_home(&j, AM_JOP_MKHOME,
		    bh->home, bh->uid, bh->gid, err) < 0)
			goto out;
		if (bh->home_remove && am_journal_add_home(&j, AM_JOP_RMHOME,
		    bh->home, bh->uid, bh->gid, err) < 0)
			goto out;
		if (!bh->o.no_sender_map) {
			snprintf(keybuf[nkeys], sizeof(keybuf[nkeys]), "@%s",
			    bh->o.host);
			keys[nkeys] = keybuf[nkeys];
			nkeys++;
		}
	}
	/* Is the sender map's table current before its source changes? */
	if (r->sender != NULL && r->sender->changed) {
		if (asprintf(&sdb, "%s.lmdb", r->sender->path) < 0) {
			sdb = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if ((cur = am_map_table_current(r->sender->path, sdb, &why,
		    err)) < 0 || am_map_pending_begin(sdb, err) < 0)
			goto out;
	}
	if (am_change_stage(&r->cs, &j, err) < 0 ||
	    am_journal_commit(&j, err) < 0)
		goto out;
	if (r->sender != NULL && r->sender->changed) {
		if (am_relay_update_sender_map(h, r->sender->path, cur, why,
		    r->sender->new.data, r->sender->new.len, keys, nkeys,
		    &r->sender_updated, err) < 0)
			goto out;
		if ((r->sender_table = strdup(sdb)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(keys);
	free(keybuf);
	free(sdb);
	am_journal_free(&j);
	return rc;
}

void
am_relay_batch_free(struct am_relay_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	am_relay_plan_free(&b->base);
	for (i = 0; i < b->n; i++)
		free(b->hosts[i].home);
	free(b->hosts);
	b->hosts = NULL;
	b->n = 0;
}
