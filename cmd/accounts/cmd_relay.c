/*
 * archmail relay add|rotate|remove|list: the SMTP relay account of another
 * host, its client line, its sender-map entry and its place in postfwd's
 * host list.  Options and reporting here; the changes are decided and
 * written in relay_plan.c, relay list is in relay_list.c.
 */
#include "relay_plan.h"
#include "am_acct_diff.h"
#include "cli_result.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const verbs[] = { "add", "rotate", "remove", "list" };

static bool
any_change(const struct relay_opts *o, const struct relay_run *r)
{
	return r->db.file[AM_ACCT_PASSWD].changed ||
	    r->db.file[AM_ACCT_SHADOW].changed || am_change_any(&r->cs) ||
	    (o->sub == RELAY_ADD && r->home_missing) ||
	    (o->sub == RELAY_REMOVE && o->delete && !r->home_missing);
}

struct relay_report {
	const struct relay_opts *o;
	const struct relay_run *r;
	bool reload;
};

static void
relay_members(struct am_json *j, void *arg)
{
	const struct relay_report *rr = arg;

	am_json_string(j, "host", rr->o->host);
	am_json_string(j, "user", rr->o->user);
	am_json_bool(j, "created", rr->r->created);
	if (rr->r->uid != 0)
		am_json_int(j, "uid", (long long)rr->r->uid);
	if (rr->reload)
		am_json_string(j, "reload", AM_RELAY_RELOAD_COMMAND);
}

/* The plan as a diff (dry run), every secret hidden. */
static int
relay_diff(const struct relay_opts *o, struct relay_run *r,
    struct cli_result *res, struct am_error *err)
{
	struct am_buf diff = AM_BUF_INIT;
	int rc = -1;

	if (am_acct_diff(&r->db.file[AM_ACCT_PASSWD], &diff, err) < 0 ||
	    am_acct_diff(&r->db.file[AM_ACCT_SHADOW], &diff, err) < 0 ||
	    am_change_diff(&r->cs, &diff, err) < 0)
		goto out;
	cli_result_diff(res, diff.data, diff.len);
	if (o->sub == RELAY_ADD && r->home_missing)
		cli_result_line(res, "would create %s", r->home);
	if (o->sub == RELAY_REMOVE && o->delete && !r->home_missing)
		cli_result_line(res, "would remove %s", r->home);
	rc = 0;
out:
	am_buf_wipe(&diff);
	return rc;
}

static int
output(struct am_cli *cli, const struct relay_opts *o, struct relay_run *r,
    struct cli_result *res, bool changed)
{
	const struct am_change_file *cf;
	struct relay_report rr = { o, r, false };
	const struct am_acct_file *f;
	bool would = cli->dry_run || cli->check;
	size_t i;

	for (i = 0; i < 2; i++) {
		f = &r->db.file[i == 0 ? AM_ACCT_PASSWD : AM_ACCT_SHADOW];
		cli_result_account_file(res, f, f->changed);
	}
	for (i = 0; i < am_change_count(&r->cs); i++) {
		cf = am_change_at(&r->cs, i);
		cli_result_file(res, cf->path, cf->changed);
	}
	if (r->sender_table != NULL)
		cli_result_file(res, r->sender_table, true);
	/* A home is a directory, not a file: a result line says it. */
	cli_result_changed(res, (o->sub == RELAY_ADD && r->home_missing) ||
	    (o->sub == RELAY_REMOVE && o->delete && !r->home_missing));
	if (!would && o->sub == RELAY_ADD && r->home_missing)
		cli_result_line(res, "%s: created", r->home);
	if (!would && o->sub == RELAY_REMOVE && o->delete && !r->home_missing)
		cli_result_line(res, "%s: removed", r->home);
	rr.reload = r->postfwd != NULL && r->postfwd->changed && !would;
	/* The one time a secret is printed: generated, no client file. */
	if (!would && o->pw.source == AM_PW_SRC_GENERATE &&
	    o->client_file == NULL && r->hash[0] != '\0')
		printf("%s %s:%s\n", am_conf_get(&cli->conf,
		    AM_CONF_MAIL_HOST), o->user, r->pw.data);
	if (!would)
		cli_result_line(res, "relay %s %s: %s", verbs[o->sub],
		    o->host, !changed ? "unchanged" : r->created ? "created" :
		    "updated");
	else if (!changed)
		cli_result_line(res, "relay %s %s: unchanged", verbs[o->sub],
		    o->host);
	if (rr.reload)
		cli_result_line(res, "%s: changed; reload postfwd with: %s",
		    r->postfwd->path, AM_RELAY_RELOAD_COMMAND);
	return cli_result_finish(res, relay_members, &rr);
}

static int
relay_modify(struct am_cli *cli, struct relay_opts *o)
{
	struct relay_run r;
	struct cli_result res;
	struct am_error err;
	bool changed;
	int status;

	memset(&r, 0, sizeof(r));
	am_change_init(&r.cs);
	am_error_clear(&err);
	cli_result_init(&res, cli);
	if (am_relay_host_user(o->host, o->user, sizeof(o->user), &err) < 0 ||
	    relay_plan(cli, o, &r, &err) < 0)
		goto fail;
	changed = any_change(o, &r);
	if (o->dry_run || o->check) {
		if (relay_diff(o, &r, &res, &err) < 0)
			goto fail;
	} else if (relay_commit(cli, o, &r, &err) < 0) {
		goto fail;
	}
	status = output(cli, o, &r, &res, changed);
	goto out;
fail:
	cli_result_free(&res);
	status = cli_fail(cli, &err);
out:
	/*
	 * SIGHUP/INT/QUIT/TERM stay blocked from the locks (before the
	 * first write) until the result is out: a signal during the commit
	 * lets it finish and report, and is delivered on unlocking.
	 */
	(void)fflush(stdout);
	am_acct_db_close(&r.db);
	am_change_free(&r.cs);
	am_buf_wipe(&r.pw);
	explicit_bzero(r.hash, sizeof(r.hash));
	free(r.home);
	free(r.sender_table);
	return status;
}

/*
 * argv: relay SUB [options] [-- HOST], as cli_parse() made it: every
 * option is one SUB takes, and HOST is there when SUB needs it.
 */
int
cmd_relay(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		{ "password-fd", required_argument, NULL, OPT_PASSWORD_FD },
		{ "generate", no_argument, NULL, OPT_GENERATE },
		{ "scheme", required_argument, NULL, OPT_SCHEME },
		{ "cost", required_argument, NULL, OPT_COST },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "client-file", required_argument, NULL, OPT_CLIENT_FILE },
		{ "no-postfwd", no_argument, NULL, OPT_NO_POSTFWD },
		{ "no-sender-map", no_argument, NULL, OPT_NO_SENDER_MAP },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ NULL, 0, NULL, 0 },
	};
	struct relay_opts o;
	int c, status;
	size_t i;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < 4 && strcmp(argv[1], verbs[i]) != 0; i++)
		;
	if (i == 4)
		return cli_usage_error(cli, "relay: no subcommand \"%s\"",
		    argv[1]);
	o.sub = (enum relay_sub)i;
	if (o.sub == RELAY_LIST)
		return relay_list(cli);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":", longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_CLIENT_FILE: o.client_file = optarg; break;
		case OPT_NO_POSTFWD: o.no_postfwd = true; break;
		case OPT_NO_SENDER_MAP: o.no_sender_map = true; break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_CHECK: o.check = true; break;
		case OPT_DELETE: o.delete = true; break;
		default:
			if ((status = cli_password_opt(cli, &o.pw, c,
			    optarg)) != 0)
				return status;
		}
	}
	o.host = argv[1 + optind];
	if (o.sub != RELAY_REMOVE && o.pw.source == AM_PW_SRC_NONE)
		return cli_usage_error(cli, "relay %s needs --password-stdin, "
		    "--password-fd N or --generate", verbs[o.sub]);
	if (cli->json && o.pw.source == AM_PW_SRC_GENERATE &&
	    o.client_file == NULL)
		return cli_usage_error(cli, "--generate with --json needs "
		    "--client-file (the password never goes into JSON)");
	return relay_modify(cli, &o);
}
