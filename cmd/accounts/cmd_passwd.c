/*
 * archmail passwd clear|set|status: the onboarding reset (passwd -d) made
 * safe against PAM's nullok, an idempotent password set, and passwd -S.
 */
#include "cli_password.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am_acct_diff.h"
#include "am_file.h"
#include "am_pam.h"
#include "am_relay.h"
#include "cli_result.h"

/*
 * The PAM services a mail server may authenticate with: Dovecot's default
 * "dovecot" and, with "args = %s", the protocol names; Postfix's SASL
 * through saslauthd/cyrus uses "smtp"; and the stacks they include.  A
 * name without a file falls back to "other", as in libpam.
 */
static const char *const pam_services[] = { "dovecot", "imap", "pop3",
    "submission", "lmtp", "sieve", "managesieve", "doveadm", "smtp",
    "system-auth", "common-auth" };

/* Not a getopt_long value cli_password.h uses. */
enum { OPT_SYSTEM = 1000 };

struct passwd_opts {
	const char *sub;
	const char *user;
	bool allow_nullok;
	bool system;
	bool dry_run;
	bool check;
	struct am_pw_opts pw;
};

static void
grant_text(const struct am_pam_verdict *v, const char *service,
    const char *user, char *buf, size_t size)
{
	const char *via = v->other ? " (through \"other\")" : "";

	switch (v->grant) {
	case AM_PAM_GRANT_NULLOK:
		snprintf(buf, size, "pam_unix is used with nullok: while the "
		    "password of \"%s\" is empty, PAM service \"%s\"%s "
		    "would accept any password for it over IMAP and SMTP",
		    user, service, via);
		break;
	default:
		snprintf(buf, size, "%s grants without a password: PAM "
		    "service \"%s\"%s accepts any password for \"%s\"",
		    v->module[0] != '\0' ? v->module : "a module", service,
		    via, user);
		break;
	}
}

/*
 * Refuse to empty a password a mail service would then take as any
 * password.  What cannot be read as libpam reads it refuses too, even
 * with --allow-nullok (fail closed).
 */
static int
nullok_check(struct am_cli *cli, const struct passwd_opts *o,
    struct am_error *err)
{
	struct am_pam_verdict v;
	char text[1024], warned[1100] = "", here[1100];
	size_t i;

	for (i = 0; i < sizeof(pam_services) / sizeof(pam_services[0]); i++) {
		if (am_pam_check(cli->root, pam_services[i], &v, err) < 0) {
			if (err->code == AM_E_NOMEM)
				return -1;
			snprintf(text, sizeof(text), "%s", err->message);
			snprintf(here, sizeof(here), "%s", err->file);
			return am_error_set_at(err, AM_E_CONFIG, here,
			    err->line, "%s; refusing, as PAM service \"%s\" "
			    "cannot be judged", text, pam_services[i]);
		}
		if (!v.accept)
			continue;
		grant_text(&v, pam_services[i], o->user, text, sizeof(text));
		if (!o->allow_nullok)
			return am_error_set_at(err, AM_E_CONFIG, v.file, v.line,
			    "%s; remove it (or use --allow-nullok)", text);
		/* One warning per line, not one per service using it. */
		snprintf(here, sizeof(here), "%s:%ld", v.file, v.line);
		if (strcmp(here, warned) != 0)
			cli_warnf(cli, "%s, line %ld: %s", v.file, v.line,
			    text);
		snprintf(warned, sizeof(warned), "%s", here);
	}
	return 0;
}

/* UID_MIN of ROOT/etc/login.defs (1000 when unset), as useradd reads it. */
static int
uid_min(struct am_cli *cli, unsigned long *min, struct am_error *err)
{
	return am_acct_login_defs(cli->root, "UID_MIN", 1000, min, err);
}

/*
 * Can an account with this shell log in?  An empty shell is /bin/sh.
 * With ROOT/etc/shells (what chsh and pam_shells trust) only a shell
 * listed there; without it, any shell but the well-known refusers.
 */
static int
login_shell(struct am_cli *cli, const char *shell, bool *login,
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
	if ((path = cli_root_path(cli, "/etc/shells")) == NULL)
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
 * passwd clear is for people: never uid 0 or a relay account; a system
 * account (UID below UID_MIN, a shell that does not log in, a locked
 * '*'/'!' password) only with --system.
 */
static int
clear_allowed(struct am_cli *cli, const struct passwd_opts *o,
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
	if (uid_min(cli, &min, err) < 0 || login_shell(cli, pe->nfields > 6 ?
	    pe->field[6] : "", &login, err) < 0)
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

/* Find USER in passwd and shadow; *pi, *si are their lines. */
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

static void
passwd_members(struct am_json *j, void *arg)
{
	const struct passwd_opts *o = arg;

	am_json_string(j, "user", o->user);
}

/*
 * The result, printed while the account locks still hold SIGINT, SIGTERM
 * and SIGHUP back: a committed change is always reported.
 */
static int
finish(struct am_cli *cli, const struct passwd_opts *o, bool changed,
    const struct am_acct_file *shadow)
{
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	bool would = o->dry_run || o->check;
	bool clear = strcmp(o->sub, "clear") == 0;

	am_error_clear(&err);
	cli_result_init(&r, cli);
	cli_result_account_file(&r, shadow, changed);
	if (would && am_acct_diff(shadow, &diff, &err) == 0)
		cli_result_diff(&r, diff.data, diff.len);
	am_buf_free(&diff);
	if (!changed)
		cli_result_line(&r, "%s: unchanged", o->user);
	else if (!would)
		cli_result_line(&r, "%s: %s", o->user, clear ?
		    "password cleared" : "password changed");
	return cli_result_finish(&r, passwd_members, (void *)o);
}

static int
passwd_modify(struct am_cli *cli, struct passwd_opts *o)
{
	struct am_acct_db db;
	struct am_acct_entry pe, se;
	struct am_error err;
	struct am_buf pw = AM_BUF_INIT;
	enum am_pw_scheme scheme = AM_PW_YESCRYPT;
	unsigned long cost = 0;
	char hash[AM_PW_HASH_MAX] = "", today[24];
	bool clear = strcmp(o->sub, "clear") == 0, match = false, changed;
	long si;
	int status;

	memset(&db, 0, sizeof(db));
	memset(&pe, 0, sizeof(pe));
	memset(&se, 0, sizeof(se));
	am_error_clear(&err);
	if (!clear && (am_pw_policy(&cli->conf, &o->pw, &scheme, &cost,
	    &err) < 0 || am_pw_read(&o->pw, &pw, &err) < 0))
		goto fail;
	if (am_acct_db_open(&db, cli->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !o->dry_run && !o->check, cli->lock_timeout_ms,
	    &err) < 0)
		goto fail;
	if (find_user(&db, o->user, &pe, &si, &err) < 0)
		goto fail;
	if (am_acct_entry_get(&db.file[AM_ACCT_SHADOW], (size_t)si, &se,
	    &err) < 0)
		goto fail;
	if (clear && (clear_allowed(cli, o, &pe, &se, &err) < 0 ||
	    nullok_check(cli, o, &err) < 0))
		goto fail;
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	if (!clear) {
		(void)am_pw_verify(pw.data, se.field[1], &match, &err);
		if (!(match && am_pw_meets_policy(se.field[1], scheme, cost)) &&
		    am_pw_hash(pw.data, scheme, cost, hash, sizeof(hash),
		    &err) < 0)
			goto fail;
	}
	/* Same password (or already empty today): nothing to write. */
	if (!clear && hash[0] == '\0') {
		changed = false;
	} else {
		if (am_acct_entry_set_field(&se, 1, clear ? "" : hash,
		    &err) < 0 || am_acct_entry_set_field(&se, 2, today,
		    &err) < 0 || am_acct_replace(&db.file[AM_ACCT_SHADOW],
		    (size_t)si, &se, &err) < 0)
			goto fail;
		changed = db.file[AM_ACCT_SHADOW].changed;
	}
	if (!o->dry_run && !o->check && am_acct_db_commit(&db, &err) < 0)
		goto fail;
	status = finish(cli, o, changed, &db.file[AM_ACCT_SHADOW]);
	(void)fflush(stdout);
	am_acct_db_close(&db);
	goto out;
fail:
	am_acct_db_close(&db);
	status = cli_fail(cli, &err);
out:
	explicit_bzero(hash, sizeof(hash));
	am_acct_entry_free(&pe);
	am_acct_entry_free(&se);
	am_buf_wipe(&pw);
	return status;
}

static void
format_day(const char *field, char *out, size_t size)
{
	char *end;
	long days = strtol(field, &end, 10);
	time_t t;
	struct tm tm;

	if (field[0] == '\0' || *end != '\0') {
		snprintf(out, size, "never");
	} else if (days == 0) {
		snprintf(out, size, "must-change");
	} else {
		t = (time_t)days * 86400;
		gmtime_r(&t, &tm);
		strftime(out, size, "%Y-%m-%d", &tm);
	}
}

static int
passwd_status(struct am_cli *cli, struct passwd_opts *o)
{
	struct am_acct_db db;
	struct am_acct_entry pe, se;
	struct am_pw_info info;
	struct am_error err;
	struct am_json j;
	char day[32];
	long si;
	int status = 0;

	memset(&pe, 0, sizeof(pe));
	memset(&se, 0, sizeof(se));
	am_error_clear(&err);
	if (am_acct_db_open(&db, cli->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, false, 0, &err) < 0)
		return cli_fail(cli, &err);
	if (find_user(&db, o->user, &pe, &si, &err) < 0 ||
	    am_acct_entry_get(&db.file[AM_ACCT_SHADOW], (size_t)si, &se,
	    &err) < 0) {
		status = cli_fail(cli, &err);
		goto out;
	}
	am_pw_inspect(se.field[1], &info);
	format_day(se.field[2], day, sizeof(day));
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_string(&j, "user", o->user);
		am_json_string(&j, "state", am_pw_state_name(info.state));
		am_json_string(&j, "last_change", day);
		am_json_string(&j, "scheme", info.method[0] ? info.method :
		    "none");
		if (info.cost > 0)
			am_json_int(&j, "cost", (long long)info.cost);
		am_json_string(&j, "judgement",
		    am_pw_judgement_name(info.judgement));
		am_json_bool(&j, "legacy", info.judgement == AM_PW_LEGACY);
		am_json_bool(&j, "relay",
		    am_relay_gecos_host(pe.field[4]) != NULL);
		if (cli_json_end(cli, &j) < 0)
			status = 74;
	} else {
		printf("%s %s %s %s", o->user, am_pw_state_name(info.state),
		    day, info.method[0] ? info.method : "none");
		if (info.cost > 0)
			printf(" cost=%lu", info.cost);
		if (info.state != AM_PW_STATE_EMPTY)
			printf(" %s", am_pw_judgement_name(info.judgement));
		putchar('\n');
	}
out:
	am_acct_entry_free(&pe);
	am_acct_entry_free(&se);
	am_acct_db_close(&db);
	return status;
}

/*
 * argv: passwd SUB [options] -- USER, as cli_parse() made it: every
 * option is one SUB takes.
 */
int
cmd_passwd(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "allow-nullok", no_argument, NULL, OPT_ALLOW_NULLOK },
		{ "system", no_argument, NULL, OPT_SYSTEM },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		{ "password-fd", required_argument, NULL, OPT_PASSWORD_FD },
		{ "scheme", required_argument, NULL, OPT_SCHEME },
		{ "cost", required_argument, NULL, OPT_COST },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ NULL, 0, NULL, 0 },
	};
	struct passwd_opts o;
	bool clear, set;
	int c, status;

	memset(&o, 0, sizeof(o));
	o.sub = argv[1];
	clear = strcmp(o.sub, "clear") == 0;
	set = strcmp(o.sub, "set") == 0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":", longopts,
	    NULL)) != -1) {
		if (c == OPT_ALLOW_NULLOK)
			o.allow_nullok = true;
		else if (c == OPT_SYSTEM)
			o.system = true;
		else if (c == OPT_DRY_RUN)
			o.dry_run = true;
		else if (c == OPT_CHECK)
			o.check = true;
		else if ((status = cli_password_opt(cli, &o.pw, c,
		    optarg)) != 0)
			return status;
	}
	o.user = argv[1 + optind];
	if (set && (o.pw.source == AM_PW_SRC_NONE ||
	    o.pw.source == AM_PW_SRC_GENERATE))
		return cli_usage_error(cli, "passwd set needs "
		    "--password-stdin or --password-fd N");
	if (clear || set)
		return passwd_modify(cli, &o);
	return passwd_status(cli, &o);
}
