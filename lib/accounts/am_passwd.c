/*
 * am_passwd - plan, commit and status of archmail passwd clear|set|status.
 */
#include "am_passwd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_acct_diff.h"
#include "am_file.h"
#include "am_pam.h"
#include "am_relay.h"

const char *const am_passwd_pam_services[] = { "dovecot", "imap", "pop3",
    "submission", "lmtp", "sieve", "managesieve", "doveadm", "smtp",
    "system-auth", "common-auth", NULL };

static void
grant_text(const struct am_pam_verdict *v, const char *service,
    const char *user, char *buf, size_t size)
{
	const char *via = v->other ? " (through \"other\")" : "";

	if (v->grant == AM_PAM_GRANT_NULLOK)
		snprintf(buf, size, "pam_unix is used with nullok: while the "
		    "password of \"%s\" is empty, PAM service \"%s\"%s "
		    "would accept any password for it over IMAP and SMTP",
		    user, service, via);
	else
		snprintf(buf, size, "%s grants without a password: PAM "
		    "service \"%s\"%s accepts any password for \"%s\"",
		    v->module[0] != '\0' ? v->module : "a module", service,
		    via, user);
}

/* A stack archmail cannot read as libpam would: refuse (fail closed). */
static int
unjudged(const char *service, struct am_error *err)
{
	char text[sizeof(err->message)], here[sizeof(err->file)];

	if (err->code == AM_E_NOMEM)
		return -1;
	snprintf(text, sizeof(text), "%s", err->message);
	snprintf(here, sizeof(here), "%s", err->file);
	return am_error_set_at(err, AM_E_CONFIG, here, err->line, "%s; "
	    "refusing, as PAM service \"%s\" cannot be judged", text,
	    service);
}

/*
 * Would a mail service let the emptied account in?  Expiring: only where
 * auth accepts it and the account phase lets the expired password
 * through.  Not expiring: wherever auth accepts it.
 */
static int
pam_guard(const struct am_host *h, const struct am_passwd_opts *o,
    bool expiry_date, struct am_error *err)
{
	struct am_pam_verdict v, a;
	char text[1024], why[2400], where[1100], warned[1100] = "";
	char here[1100];
	const char *svc, *fix;
	size_t i;

	for (i = 0; (svc = am_passwd_pam_services[i]) != NULL; i++) {
		if (am_pam_check(h->root, svc, &v, err) < 0)
			return unjudged(svc, err);
		if (!v.accept)
			continue;
		grant_text(&v, svc, o->user, text, sizeof(text));
		if (o->no_expire) {
			snprintf(why, sizeof(why), "%s", text);
			fix = "remove nullok";
		} else {
			if (am_pam_check_expired(h->root, svc, expiry_date, &a,
			    err) < 0)
				return unjudged(svc, err);
			if (!a.accept)
				continue;
			if (a.line > 0)
				snprintf(where, sizeof(where), "%s, line %ld",
				    a.file, a.line);
			else
				snprintf(where, sizeof(where), "%s", a.file);
			snprintf(why, sizeof(why), "%s, even expired: its "
			    "account stack (%s) does not refuse an expired "
			    "password", text, where);
			fix = "remove nullok, or let pam_unix's account line "
			    "fail the stack";
		}
		if (!o->allow_nullok)
			return am_error_set_at(err, AM_E_CONFIG, v.file, v.line,
			    "%s; %s (or use --allow-nullok)", why, fix);
		/* One warning per line, not one per service using it. */
		snprintf(here, sizeof(here), "%s:%ld", v.file, v.line);
		if (strcmp(here, warned) != 0)
			am_host_warnf(h, v.file, v.line, "%s", why);
		snprintf(warned, sizeof(warned), "%s", here);
	}
	return 0;
}

/*
 * Can an account with this shell log in?  An empty shell is /bin/sh.
 * With ROOT/etc/shells (what chsh and pam_shells trust) only a shell
 * listed there; without it, any shell but the well-known refusers.
 */
static int
login_shell(const struct am_host *h, const char *shell, bool *login,
    struct am_error *err)
{
	static const char *const refusers[] = { "nologin", "false", "true",
	    "sync", "shutdown", "halt" };
	char *path, *line = NULL;
	const char *base;
	size_t cap = 0, i;
	ssize_t n;
	FILE *fp;

	*login = false;
	if (shell[0] == '\0') {
		*login = true;
		return 0;
	}
	if ((path = am_host_path(h, "/etc/shells")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	fp = am_file_fopen_read(path, 0, err);
	free(path);
	if (fp == NULL) {
		if (err->sys_errno != ENOENT)
			return -1;
		am_error_clear(err);
		base = strrchr(shell, '/') != NULL ? strrchr(shell, '/') + 1 :
		    shell;
		/* A blank or a trailing '/' is no program exec() runs. */
		*login = shell[0] == '/' && strpbrk(shell, " \t") == NULL &&
		    base[0] != '\0';
		for (i = 0; i < sizeof(refusers) / sizeof(refusers[0]); i++)
			if (strcmp(base, refusers[i]) == 0)
				*login = false;
		return 0;
	}
	while (!*login && (n = getline(&line, &cap, fp)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '#' && strcmp(line, shell) == 0)
			*login = true;
	}
	free(line);
	fclose(fp);
	return 0;
}

/*
 * clear is for people: never uid 0 or a relay account; a system account
 * (UID below UID_MIN, a shell that does not log in, a locked '*'/'!'
 * password) only with o->system.
 */
static int
clear_allowed(const struct am_host *h, const struct am_passwd_opts *o,
    const struct am_acct_entry *pe, const struct am_acct_entry *se,
    struct am_error *err)
{
	const char *uidf = pe->field[2], *why = NULL;
	unsigned long uid, min;
	bool login;
	char *endp;

	errno = 0;
	uid = strtoul(uidf, &endp, 10);
	if (uidf[0] < '0' || uidf[0] > '9' || *endp != '\0' || errno != 0)
		return am_error_set(err, AM_E_PARSE, "\"%s\" has a malformed "
		    "UID field \"%s\"", o->user, uidf);
	if (uid == 0)
		return am_error_set(err, AM_E_INVALID, "refusing to clear the "
		    "password of \"%s\" (uid 0)", o->user);
	if (am_relay_gecos_host(pe->field[4]) != NULL)
		return am_error_set(err, AM_E_INVALID, "\"%s\" is a relay "
		    "account; use \"archmail relay rotate %s\"", o->user,
		    am_relay_gecos_host(pe->field[4]));
	if (o->system)
		return 0;
	if (am_acct_login_defs(h->root, "UID_MIN", 1000, &min, err) < 0 ||
	    login_shell(h, pe->nfields > 6 ? pe->field[6] : "", &login,
	    err) < 0)
		return -1;
	if (uid < min)
		why = "its UID is below UID_MIN";
	else if (!login)
		why = "its shell does not allow logins";
	else if (se->field[1][0] == '*' || se->field[1][0] == '!')
		why = "its password is locked";
	if (why != NULL)
		return am_error_set(err, AM_E_INVALID, "\"%s\" is a system "
		    "account (%s); use --system to clear it anyway", o->user,
		    why);
	return 0;
}

/* USER's passwd entry and the index of its shadow line. */
static int
find_user(struct am_acct_db *db, const char *user, struct am_acct_entry *pe,
    long *si, struct am_error *err)
{
	long pi;

	if (!am_acct_name_valid(user))
		return am_error_set(err, AM_E_INVALID, "invalid user name "
		    "\"%s\"", user);
	if ((pi = am_acct_find(&db->file[AM_ACCT_PASSWD], user, err)) < 0) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_NOUSER, "unknown user \"%s\"",
			    user);
		return -1;
	}
	if (am_acct_entry_get(&db->file[AM_ACCT_PASSWD], (size_t)pi, pe,
	    err) < 0)
		return -1;
	if ((*si = am_acct_find(&db->file[AM_ACCT_SHADOW], user, err)) < 0) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_PARSE, "\"%s\" has no entry in "
			    "%s", user, db->file[AM_ACCT_SHADOW].path);
		am_acct_entry_free(pe);
		return -1;
	}
	return 0;
}

/* The new password field of set: "" when the stored hash will do. */
static int
set_hash(const struct am_passwd_opts *o, const char *stored, char *hash,
    size_t size, struct am_error *err)
{
	struct am_error ignored;
	bool match = false;

	hash[0] = '\0';
	if (o->password == NULL || o->password[0] == '\0')
		return am_error_set(err, AM_E_INVALID, "empty password");
	/* A stored field that is no hash simply does not match. */
	am_error_clear(&ignored);
	(void)am_pw_verify(o->password, stored, &match, &ignored);
	if (match && am_pw_meets_policy(stored, o->scheme, o->cost))
		return 0;
	return am_pw_hash(o->password, o->scheme, o->cost, hash, size, err);
}

int
am_passwd_plan(const struct am_host *h, const struct am_passwd_opts *o,
    struct am_passwd_plan *p, struct am_error *err)
{
	struct am_acct_entry pe, se;
	struct am_acct_file *shadow;
	char hash[AM_PW_HASH_MAX] = "", day[24];
	bool clear = o->action == AM_PASSWD_CLEAR;
	bool expire = clear ? !o->no_expire : o->expire;
	long si;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	memset(&pe, 0, sizeof(pe));
	memset(&se, 0, sizeof(se));
	if (o->user == NULL)
		return am_error_set(err, AM_E_USAGE, "no user");
	if (am_acct_db_open(&p->db, h->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, o->lock, h->lock_timeout_ms, err) < 0)
		goto out;
	am_acct_db_notes(h, &p->db);
	shadow = &p->db.file[AM_ACCT_SHADOW];
	if (find_user(&p->db, o->user, &pe, &si, err) < 0 ||
	    am_acct_entry_get(shadow, (size_t)si, &se, err) < 0)
		goto out;
	if (clear && (clear_allowed(h, o, &pe, &se, err) < 0 ||
	    pam_guard(h, o, se.nfields > 7 && se.field[7][0] != '\0',
	    err) < 0))
		goto out;
	if (!clear && set_hash(o, se.field[1], hash, sizeof(hash), err) < 0)
		goto out;
	/*
	 * Expiring is day 0 whatever the password; otherwise today, and
	 * only with a new password field (the same password is no change).
	 */
	if (expire)
		snprintf(day, sizeof(day), "0");
	else if (clear || hash[0] != '\0')
		snprintf(day, sizeof(day), "%ld", am_acct_today());
	else
		snprintf(day, sizeof(day), "%s", se.field[2]);
	if ((clear && am_acct_entry_set_field(&se, 1, "", err) < 0) ||
	    (hash[0] != '\0' && am_acct_entry_set_field(&se, 1, hash,
	    err) < 0) || am_acct_entry_set_field(&se, 2, day, err) < 0 ||
	    am_acct_replace(shadow, (size_t)si, &se, err) < 0)
		goto out;
	p->changed = shadow->changed;
	p->expired = strcmp(day, "0") == 0;
	rc = 0;
out:
	explicit_bzero(hash, sizeof(hash));
	am_acct_entry_free(&pe);
	am_acct_entry_free(&se);
	if (rc < 0)
		am_acct_db_close(&p->db);
	return rc;
}

int
am_passwd_diff(const struct am_passwd_plan *p, struct am_buf *out,
    struct am_error *err)
{
	return am_acct_diff(&p->db.file[AM_ACCT_SHADOW], out, err);
}

int
am_passwd_commit(struct am_passwd_plan *p, struct am_error *err)
{
	return am_acct_db_commit(&p->db, err);
}

void
am_passwd_plan_free(struct am_passwd_plan *p)
{
	/* Without a root nothing was opened (a zeroed plan, or freed). */
	if (p == NULL || p->db.root == NULL)
		return;
	am_acct_db_close(&p->db);
}

int
am_passwd_status(const struct am_host *h, const char *user,
    struct am_passwd_status *st, struct am_error *err)
{
	struct am_acct_db db;
	struct am_acct_entry pe, se;
	const char *f;
	char *end;
	long si, days;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&db, 0, sizeof(db));
	memset(&pe, 0, sizeof(pe));
	memset(&se, 0, sizeof(se));
	if (am_acct_db_open(&db, h->root, AM_ACCT_F_PASSWD | AM_ACCT_F_SHADOW,
	    false, 0, err) < 0)
		goto out;
	if (find_user(&db, user, &pe, &si, err) < 0 ||
	    am_acct_entry_get(&db.file[AM_ACCT_SHADOW], (size_t)si, &se,
	    err) < 0)
		goto out;
	am_pw_inspect(se.field[1], &st->info);
	f = se.field[2];
	errno = 0;
	days = strtol(f, &end, 10);
	st->last_change = f[0] >= '0' && f[0] <= '9' && *end == '\0' &&
	    errno == 0 ? days : -1;
	st->expired = st->last_change == 0;
	st->relay = am_relay_gecos_host(pe.field[4]) != NULL;
	rc = 0;
out:
	am_acct_entry_free(&pe);
	am_acct_entry_free(&se);
	am_acct_db_close(&db);
	return rc;
}

int
am_passwd_clear_guard(const struct am_host *h, const struct am_passwd_opts *o,
    bool expiry_date, struct am_error *err)
{
	return pam_guard(h, o, expiry_date, err);
}
