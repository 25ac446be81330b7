/*
 * archmail passwd clear|set|status: options, the am_passwd workflow
 * (lib/accounts/am_passwd.h), and the report.
 */
#include "cli_password.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "am_passwd.h"
#include "cli_result.h"

/* After the options cli_password.h numbers. */
enum { OPT_SYSTEM = OPT_PASSWORD_NEXT, OPT_NO_EXPIRE, OPT_EXPIRE };

struct passwd_cmd {
	struct am_passwd_opts o;
	struct am_pw_opts pw;
	bool dry_run;
	bool check;
};

struct passwd_result {
	const char *user;
	bool expired;
};

static void
passwd_members(struct am_json *j, void *arg)
{
	const struct passwd_result *pr = arg;

	am_json_string(j, "user", pr->user);
	am_json_bool(j, "expired", pr->expired);
}

/*
 * The result, printed while the account locks still hold SIGINT, SIGTERM
 * and SIGHUP back: a committed change is always reported.
 */
static int
report(struct am_cli *cli, const struct passwd_cmd *c,
    struct am_passwd_plan *p, const char *generated)
{
	const struct am_acct_file *shadow = &p->db.file[AM_ACCT_SHADOW];
	struct passwd_result pr;
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	bool would = c->dry_run || c->check;
	bool clear = c->o.action == AM_PASSWD_CLEAR;
	const char *user = c->o.user;

	am_error_clear(&err);
	cli_result_init(&r, cli);
	cli_result_account_file(&r, shadow, p->changed);
	if (would && am_passwd_diff(p, &diff, &err) == 0)
		cli_result_diff(&r, diff.data, diff.len);
	am_buf_free(&diff);
	/* The one time passwd prints a secret: generated, set, text mode. */
	if (!would && generated != NULL && p->changed)
		printf("%s:%s\n", user, generated);
	if (!p->changed)
		cli_result_line(&r, "%s: unchanged", user);
	else if (!would)
		cli_result_line(&r, "%s: %s", user, clear ?
		    "password cleared" : "password changed");
	if (p->expired && !would)
		cli_result_line(&r, "%s: expired: the owner must set a "
		    "password at the next login", user);
	pr.user = user;
	pr.expired = p->expired;
	return cli_result_finish(&r, passwd_members, &pr);
}

static int
passwd_modify(struct am_cli *cli, struct passwd_cmd *c)
{
	struct am_passwd_plan p;
	struct am_error err;
	struct am_buf pw = AM_BUF_INIT;
	int status;

	memset(&p, 0, sizeof(p));
	am_error_clear(&err);
	c->o.lock = !c->dry_run && !c->check;
	if (c->o.action == AM_PASSWD_SET) {
		if (am_pw_policy(&cli->conf, &c->pw, &c->o.scheme,
		    &c->o.cost, &err) < 0 || am_pw_read(&c->pw, &pw, &err) < 0)
			goto fail;
		c->o.password = pw.data;
	}
	if (am_passwd_plan(&cli->host, &c->o, &p, &err) < 0 ||
	    (c->o.lock && am_passwd_commit(&p, &err) < 0))
		goto fail;
	status = report(cli, c, &p, c->pw.source == AM_PW_SRC_GENERATE ?
	    pw.data : NULL);
	(void)fflush(stdout);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_passwd_plan_free(&p);
	am_buf_wipe(&pw);
	return status;
}

static void
format_day(long days, char *out, size_t size)
{
	time_t t;
	struct tm tm;

	if (days < 0) {
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
passwd_status(struct am_cli *cli, const char *user)
{
	struct am_passwd_status st;
	struct am_error err;
	struct am_json j;
	const struct am_pw_info *info = &st.info;
	char day[32];
	int status = 0;

	am_error_clear(&err);
	if (am_passwd_status(&cli->host, user, &st, &err) < 0)
		return cli_fail(cli, &err);
	format_day(st.last_change, day, sizeof(day));
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_string(&j, "user", user);
		am_json_string(&j, "state", am_pw_state_name(info->state));
		am_json_string(&j, "last_change", day);
		am_json_bool(&j, "expired", st.expired);
		am_json_string(&j, "scheme", info->method[0] ? info->method :
		    "none");
		if (info->cost > 0)
			am_json_int(&j, "cost", (long long)info->cost);
		am_json_string(&j, "judgement",
		    am_pw_judgement_name(info->judgement));
		am_json_bool(&j, "legacy", info->judgement == AM_PW_LEGACY);
		am_json_bool(&j, "relay", st.relay);
		if (cli_json_end(cli, &j) < 0)
			status = 74;
	} else {
		printf("%s %s %s %s", user, am_pw_state_name(info->state),
		    day, info->method[0] ? info->method : "none");
		if (info->cost > 0)
			printf(" cost=%lu", info->cost);
		if (info->state != AM_PW_STATE_EMPTY)
			printf(" %s", am_pw_judgement_name(info->judgement));
		if (st.expired)
			printf(" (expired; must be changed at next login)");
		putchar('\n');
	}
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
		{ "no-expire", no_argument, NULL, OPT_NO_EXPIRE },
		{ "expire", no_argument, NULL, OPT_EXPIRE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		{ "password-fd", required_argument, NULL, OPT_PASSWORD_FD },
		{ "generate", no_argument, NULL, OPT_GENERATE },
		{ "scheme", required_argument, NULL, OPT_SCHEME },
		{ "cost", required_argument, NULL, OPT_COST },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ NULL, 0, NULL, 0 },
	};
	struct passwd_cmd c;
	const char *sub = argv[1];
	int opt, status;

	memset(&c, 0, sizeof(c));
	c.o = (struct am_passwd_opts)AM_PASSWD_OPTS_INIT;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":", longopts,
	    NULL)) != -1) {
		if (opt == OPT_ALLOW_NULLOK)
			c.o.allow_nullok = true;
		else if (opt == OPT_SYSTEM)
			c.o.system = true;
		else if (opt == OPT_NO_EXPIRE)
			c.o.no_expire = true;
		else if (opt == OPT_EXPIRE)
			c.o.expire = true;
		else if (opt == OPT_DRY_RUN)
			c.dry_run = true;
		else if (opt == OPT_CHECK)
			c.check = true;
		else if ((status = cli_password_opt(cli, &c.pw, opt,
		    optarg)) != 0)
			return status;
	}
	c.o.user = argv[1 + optind];
	if (strcmp(sub, "status") == 0)
		return passwd_status(cli, c.o.user);
	if (strcmp(sub, "clear") == 0)
		return passwd_modify(cli, &c);
	c.o.action = AM_PASSWD_SET;
	if (c.pw.source == AM_PW_SRC_NONE)
		return cli_usage_error(cli, "passwd set needs "
		    "--password-stdin, --password-fd N or --generate");
	/* A secret never goes into JSON, and a generated one only out. */
	if (cli->json && c.pw.source == AM_PW_SRC_GENERATE)
		return cli_usage_error(cli, "--generate prints the password "
		    "in text mode only (never in JSON): use --password-stdin "
		    "with --json");
	return passwd_modify(cli, &c);
}
