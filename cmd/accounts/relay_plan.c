/*
 * archmail relay add|rotate|remove: validate everything and compute every
 * change first (relay_plan()), write afterwards (relay_commit()), so that
 * a refused command changes no file.
 *
 * Every lock is taken first (the account locks, which also serialise
 * relay and postfwd sync on postfwd.cf and the sender map); opening the
 * account files under them finishes a journal a killed run left and
 * sweeps its leftovers, and relay_plan() sweeps those of its own files.
 * relay_commit() puts every change, account files, home directory,
 * client file, sender map source and postfwd.cf, into one journal
 * (am_journal.h), so that a crash at any point leaves the old state or
 * one the next archmail command that locks the accounts completes.  The
 * sender map's table is compiled afterwards, and whenever it is older
 * than its source, which is how a crash between the two is repaired.
 */
#include "relay_plan.h"
#include "relay_home.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_atomic.h"

static int
home_path(struct am_cli *cli, const char *host, char **out,
    struct am_error *err)
{
	const char *tmpl = am_host_conf(&cli->host, AM_CONF_RELAY_HOME), *p;
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
create_account(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, const char *home, struct am_error *err)
{
	struct am_acct_file group;
	char uid[24], gid[24], today[24], gecos[300], *gpath;
	const char *shell = am_host_conf(&cli->host, AM_CONF_RELAY_SHELL);
	const char *grname = am_host_conf(&cli->host, AM_CONF_RELAY_GROUP);
	const char *pwf[7], *spf[9];
	char *shell_path;
	int rc;

	if ((gpath = am_acct_path(cli->root, AM_ACCT_GROUP)) == NULL)
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
	if ((shell_path = cli_root_path(cli, shell)) != NULL &&
	    access(shell_path, X_OK) < 0)
		cli_warnf(cli, "relay_shell %s is missing or not executable",
		    shell_path);
	free(shell_path);
	if (am_acct_alloc_uid(&r->db.file[AM_ACCT_PASSWD], cli->root, &r->uid,
	    err) < 0)
		return -1;
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)r->uid);
	snprintf(gid, sizeof(gid), "%lu", (unsigned long)r->gid);
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	snprintf(gecos, sizeof(gecos), "%s%s", AM_RELAY_GECOS_PREFIX, o->host);
	pwf[0] = o->user; pwf[1] = "x"; pwf[2] = uid; pwf[3] = gid;
	pwf[4] = gecos; pwf[5] = home; pwf[6] = shell;
	spf[0] = o->user; spf[1] = r->hash; spf[2] = today;
	spf[3] = spf[4] = spf[5] = spf[6] = spf[7] = spf[8] = "";
	if (am_acct_append(&r->db.file[AM_ACCT_PASSWD], pwf, 7, err) < 0 ||
	    am_acct_append(&r->db.file[AM_ACCT_SHADOW], spf, 9, err) < 0)
		return -1;
	r->created = true;
	return 0;
}

/*
 * The relay account of o->host: *pi (passwd line) and its entry, or -1
 * with NOUSER when there is none; EXISTS_DIFFERENT when the name is taken
 * by another account.
 */
static long
find_relay(struct am_cli *cli, struct relay_run *r, const struct relay_opts *o,
    struct am_acct_entry *pe, struct am_error *err)
{
	const char *h;
	long pi;

	pi = am_acct_find(&r->db.file[AM_ACCT_PASSWD], o->user, err);
	if (pi < 0)
		return -1;
	if (am_acct_entry_get(&r->db.file[AM_ACCT_PASSWD], (size_t)pi, pe,
	    err) < 0)
		return -1;
	h = am_relay_gecos_host(pe->field[4]);
	if (am_relay_account_kind(&cli->host, pe) == AM_RELAY_LOOKALIKE) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "user \"%s\" has the "
		    "relay marker in its GECOS but not relay_shell and "
		    "relay_group: a hand-made account, not touched", o->user);
		am_acct_entry_free(pe);
		return -1;
	}
	if (h == NULL || strcmp(h, o->host) != 0) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "user \"%s\" exists "
		    "and is not the relay account of %s", o->user, o->host);
		am_acct_entry_free(pe);
		return -1;
	}
	r->uid = (uid_t)strtoul(pe->field[2], NULL, 10);
	r->gid = (gid_t)strtoul(pe->field[3], NULL, 10);
	return pi;
}

/* Set, keep (same password, policy met) or lock the shadow password. */
static int
update_shadow(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, struct am_error *err)
{
	struct am_acct_file *sh = &r->db.file[AM_ACCT_SHADOW];
	struct am_acct_entry se;
	enum am_pw_scheme scheme;
	unsigned long cost;
	char today[24], *locked = NULL;
	bool match = false;
	long si;
	int rc = -1;

	if ((si = am_acct_find(sh, o->user, err)) < 0) {
		if (err->code == AM_E_NOUSER)
			err->code = AM_E_PARSE;
		return -1;
	}
	if (am_acct_entry_get(sh, (size_t)si, &se, err) < 0)
		return -1;
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	if (o->sub == RELAY_REMOVE) {
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
	if (o->sub == RELAY_ROTATE && se.field[1][0] == '!') {
		am_error_set(err, AM_E_INVALID, "the account of %s is locked "
		    "(relay remove); use relay add to enable it again",
		    o->host);
		goto out;
	}
	if (am_pw_policy(&cli->conf, &o->pw, &scheme, &cost, err) < 0)
		goto out;
	if (o->sub == RELAY_ADD) {
		(void)am_pw_verify(r->pw.data, se.field[1], &match, err);
		if (match && am_pw_meets_policy(se.field[1], scheme, cost)) {
			rc = 0;
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
recover(struct am_cli *cli, const struct relay_opts *o, struct relay_run *r,
    struct am_error *err)
{
	static const enum am_conf_key keys[] = { AM_CONF_POSTFWD_CONFIG,
	    AM_CONF_SENDER_MAP };
	char *path = NULL, *table = NULL;
	bool compiled = false;
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		free(path);
		if ((path = am_host_conf_path(&cli->host, keys[i])) == NULL)
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
	if (o->client_file != NULL) {
		am_journal_sweep(o->client_file);
		am_atomic_remove_stale(o->client_file);
	}
	if (!o->no_sender_map && access(path, F_OK) == 0 &&
	    am_relay_compile_sender_map(&cli->host, path, false, &compiled,
	    err) < 0)
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

int
relay_plan(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, struct am_error *err)
{
	struct am_acct_entry pe;
	enum am_pw_scheme scheme;
	unsigned long cost;
	char key[300], **names = NULL;
	size_t n = 0;
	long pi;
	int rc;

	memset(&pe, 0, sizeof(pe));
	if (o->sub != RELAY_REMOVE &&
	    (am_pw_policy(&cli->conf, &o->pw, &scheme, &cost, err) < 0 ||
	    am_pw_read(&o->pw, &r->pw, err) < 0))
		return -1;
	if (o->sub == RELAY_ADD && home_path(cli, o->host, &r->home, err) < 0)
		return -1;
	if (am_acct_db_open(&r->db, cli->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !o->dry_run && !o->check, cli->lock_timeout_ms,
	    err) < 0)
		return -1;
	if (r->db.lock.pwd_fd >= 0 && recover(cli, o, r, err) < 0)
		return -1;
	pi = find_relay(cli, r, o, &pe, err);
	if (pi < 0 && (err->code != AM_E_NOUSER || o->sub != RELAY_ADD)) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_NOUSER, "no relay account for "
			    "%s", o->host);
		return -1;
	}
	if (pi < 0) {
		char *h = r->home;

		if (am_pw_hash(r->pw.data, scheme, cost, r->hash,
		    sizeof(r->hash), err) < 0 ||
		    create_account(cli, o, r, h, err) < 0)
			return -1;
	} else {
		free(r->home);
		if ((r->home = strdup(pe.field[5])) == NULL) {
			am_acct_entry_free(&pe);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
		rc = update_shadow(cli, o, r, err);
		if (o->sub == RELAY_REMOVE && o->delete && rc == 0) {
			pi = am_acct_find(&r->db.file[AM_ACCT_SHADOW], o->user,
			    err);
			am_acct_remove(&r->db.file[AM_ACCT_SHADOW], (size_t)pi);
			am_acct_remove(&r->db.file[AM_ACCT_PASSWD],
			    (size_t)am_acct_find(&r->db.file[AM_ACCT_PASSWD],
			    o->user, err));
		}
		am_acct_entry_free(&pe);
		if (rc < 0)
			return -1;
	}
	if (r->home != NULL) {
		char *rooted = cli_root_path(cli, r->home);

		free(r->home);
		r->home = rooted;
		if (r->home == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		/* Judged now: a home relay cannot use refuses everything. */
		if (o->sub == RELAY_ADD && relay_home_check_create(r->home,
		    r->uid, &r->home_missing, err) < 0)
			return -1;
		if (o->sub == RELAY_REMOVE && o->delete &&
		    relay_home_check_delete(r->home, r->uid, &r->home_missing,
		    err) < 0)
			return -1;
		if (o->sub == RELAY_ROTATE ||
		    (o->sub == RELAY_REMOVE && !o->delete))
			r->home_missing = access(r->home, F_OK) < 0;
	}
	if (o->sub == RELAY_ROTATE)
		goto client;
	if (!o->no_postfwd) {
		if (am_relay_postfwd_names(&cli->host, &r->db, NULL, NULL,
		    &names, &n, err) < 0)
			return -1;
		rc = am_relay_plan_postfwd(&cli->host, &r->cs, names, n, false,
		    &r->postfwd, err);
		am_relay_free_names(names, n);
		if (rc < 0)
			return -1;
	}
	snprintf(key, sizeof(key), "@%s", o->host);
	if (!o->no_sender_map && am_relay_plan_sender_map(&cli->host, &r->cs,
	    key, o->user, o->sub == RELAY_ADD, &r->sender, err) < 0)
		return -1;
client:
	if (o->client_file != NULL && r->pw.data != NULL) {
		if (am_change_add(&r->cs, o->client_file, false, &r->client,
		    err) < 0)
			return -1;
		r->client->redact = am_relay_redact_client;
		if (am_buf_printf(&r->client->new, "%s %s:%s\n",
		    am_host_conf(&cli->host, AM_CONF_MAIL_HOST), o->user,
		    r->pw.data) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		am_change_file_decide(r->client);
	}
	return 0;
}

int
relay_commit(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, struct am_error *err)
{
	struct am_journal j;
	bool compiled = false;
	char *map = NULL;
	int rc = -1;

	if (am_journal_init(&j, cli->root, err) < 0)
		return -1;
	if (am_acct_db_stage(&r->db, &j, err) < 0)
		goto out;
	if (o->sub == RELAY_ADD && r->home_missing &&
	    am_journal_add_home(&j, AM_JOP_MKHOME, r->home, r->uid, r->gid,
	    err) < 0)
		goto out;
	if (o->sub == RELAY_REMOVE && o->delete && !r->home_missing &&
	    am_journal_add_home(&j, AM_JOP_RMHOME, r->home, r->uid, r->gid,
	    err) < 0)
		goto out;
	if (am_change_stage(&r->cs, &j, err) < 0)
		goto out;
	if (am_journal_commit(&j, err) < 0)
		goto out;
	/*
	 * The table follows its source: rebuilt when the source changed
	 * now, or when it is older than the source (a run killed between
	 * the two, whichever subcommand comes next).
	 */
	if (!o->no_sender_map) {
		map = r->sender != NULL ? strdup(r->sender->path) :
		    am_host_conf_path(&cli->host, AM_CONF_SENDER_MAP);
		if (map == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if (access(map, F_OK) == 0 &&
		    am_relay_compile_sender_map(&cli->host, map,
		    r->sender != NULL && r->sender->changed, &compiled,
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
	am_journal_free(&j);
	return rc;
}
