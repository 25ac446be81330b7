/*
 * archmail relay add|rotate|remove|list: the SMTP relay account of another
 * host, its client line, its sender-map entry and its place in postfwd's
 * host list.  Options and reporting here; the changes are decided and
 * written by the library (am_relay.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_relay.h"
#include "archmail.h"
#include "cli_password.h"
#include "cli_result.h"
#include "relay_apply.h"

/* relay's own long options, after the shared ones. */
enum {
	OPT_CLIENT_FILE = OPT_PASSWORD_NEXT,
	OPT_NO_POSTFWD,
	OPT_NO_SENDER_MAP,
	OPT_DELETE,
	OPT_UPDATE_PASSWORD,
	OPT_ANY_DOMAIN,
};

static const char *const verbs[] = { "add", "rotate", "remove", "list" };

struct relay_report {
	const struct am_relay_plan *p;
	bool reload;
};

static void
relay_members(struct am_json *j, void *arg)
{
	const struct relay_report *rr = arg;

	am_json_string(j, "host", rr->p->o.host);
	am_json_string(j, "user", rr->p->user);
	am_json_bool(j, "created", rr->p->created);
	if (rr->p->uid != 0)
		am_json_int(j, "uid", (long long)rr->p->uid);
	if (rr->reload)
		am_json_string(j, "reload", AM_RELAY_RELOAD_COMMAND);
}

static int
output(struct am_cli *cli, const struct am_relay_plan *p,
    struct cli_result *res, bool would, bool changed)
{
	const struct am_change_file *cf;
	struct relay_report rr = { p, false };
	const char *verb = verbs[p->o.op];
	size_t i;

	cli_result_account_file(res, &p->db.file[AM_ACCT_PASSWD],
	    p->db.file[AM_ACCT_PASSWD].changed);
	cli_result_account_file(res, &p->db.file[AM_ACCT_SHADOW],
	    p->db.file[AM_ACCT_SHADOW].changed);
	for (i = 0; i < am_change_count(&p->cs); i++) {
		cf = am_change_at(&p->cs, i);
		cli_result_file(res, cf->path, cf->changed);
	}
	if (p->sender_table != NULL)
		cli_result_file(res, p->sender_table, true);
	/* A home is a directory, not a file: a result line says it. */
	cli_result_changed(res, p->home_create || p->home_remove);
	if (would && p->home_create)
		cli_result_line(res, "would create %s", p->home);
	if (would && p->home_remove)
		cli_result_line(res, "would remove %s", p->home);
	if (!would && p->home_create)
		cli_result_line(res, "%s: created", p->home);
	if (!would && p->home_remove)
		cli_result_line(res, "%s: removed", p->home);
	rr.reload = p->postfwd != NULL && p->postfwd->changed && !would;
	/* The one time a secret is printed: generated, no client file. */
	if (!would && p->o.pw.source == AM_PW_SRC_GENERATE &&
	    p->o.client_file == NULL && p->hash[0] != '\0')
		printf("%s %s:%s\n", am_conf_get(&cli->conf,
		    AM_CONF_MAIL_HOST), p->user, p->pw.data);
	if (!would)
		cli_result_line(res, "relay %s %s: %s", verb, p->o.host,
		    !changed ? "unchanged" : p->created ? "created" :
		    "updated");
	else if (!changed)
		cli_result_line(res, "relay %s %s: unchanged", verb,
		    p->o.host);
	if (rr.reload)
		cli_result_line(res, "%s: changed; reload postfwd with: %s",
		    p->postfwd->path, AM_RELAY_RELOAD_COMMAND);
	return cli_result_finish(res, relay_members, &rr);
}

static int
relay_modify(struct am_cli *cli, const struct am_relay_opts *o)
{
	struct am_relay_plan p;
	struct cli_result res;
	struct am_error err;
	struct am_buf diff = AM_BUF_INIT;
	bool changed;
	int status;

	am_error_clear(&err);
	cli_result_init(&res, cli);
	if (am_relay_plan(&cli->host, o, &p, &err) < 0)
		goto fail;
	changed = am_relay_changed(&p);
	if (o->dry_run) {
		if (am_relay_diff(&p, &diff, &err) < 0)
			goto fail;
		cli_result_diff(&res, diff.data, diff.len);
	} else if (am_relay_commit(&cli->host, &p, &err) < 0) {
		goto fail;
	}
	status = output(cli, &p, &res, o->dry_run, changed);
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
	am_buf_wipe(&diff);
	am_relay_plan_free(&p);
	return status;
}

static int
relay_list(struct am_cli *cli)
{
	struct am_relay_list list;
	struct am_error err;
	struct am_json j;
	const struct am_relay_entry *e;
	size_t i;
	int status = 0;

	am_error_clear(&err);
	if (am_relay_list(&cli->host, &list, &err) < 0)
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "relays");
	}
	for (i = 0; i < list.n; i++) {
		e = &list.v[i];
		if (!cli->json) {
			printf("%-12s %-28s %6lu %-3s %-9s %-10s postfwd=%s "
			    "sender_map=%s %s\n", e->user, e->host, e->uid,
			    am_pw_state_name(e->state), e->method[0] ?
			    e->method : "none", e->last_change, e->postfwd ?
			    "yes" : "no", e->sender_map ? "yes" : "no",
			    e->home);
			continue;
		}
		am_json_object_begin(&j, NULL);
		am_json_string(&j, "user", e->user);
		am_json_string(&j, "host", e->host);
		am_json_int(&j, "uid", (long long)e->uid);
		am_json_string(&j, "home", e->home);
		am_json_string(&j, "state", am_pw_state_name(e->state));
		am_json_string(&j, "scheme", e->method[0] ? e->method :
		    "none");
		if (e->cost > 0)
			am_json_int(&j, "cost", (long long)e->cost);
		am_json_string(&j, "last_change", e->last_change);
		am_json_bool(&j, "postfwd", e->postfwd);
		am_json_bool(&j, "sender_map", e->sender_map);
		am_json_object_end(&j);
	}
	if (cli->json) {
		am_json_array_end(&j);
		if (cli_json_end(cli, &j) < 0)
			status = 74;
	}
	am_relay_list_free(&list);
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
		{ "update-password", no_argument, NULL, OPT_UPDATE_PASSWORD },
		{ "any-domain", no_argument, NULL, OPT_ANY_DOMAIN },
		{ NULL, 0, NULL, 0 },
	};
	struct am_relay_opts o;
	int c, status;
	size_t i;

	memset(&o, 0, sizeof(o));
	if (strcmp(argv[1], "apply") == 0)
		return relay_apply(cli, argc - 1, argv + 1);
	for (i = 0; i < 4 && strcmp(argv[1], verbs[i]) != 0; i++)
		;
	if (i == 4)
		return cli_usage_error(cli, "relay: no subcommand \"%s\"",
		    argv[1]);
	if (i == 3)
		return relay_list(cli);
	o.op = (enum am_relay_op)i;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":", longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_CLIENT_FILE: o.client_file = optarg; break;
		case OPT_NO_POSTFWD: o.no_postfwd = true; break;
		case OPT_NO_SENDER_MAP: o.no_sender_map = true; break;
		/* --check is a dry run whose exit status tells. */
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_CHECK: o.dry_run = true; break;
		case OPT_DELETE: o.delete = true; break;
		case OPT_UPDATE_PASSWORD: o.update_password = true; break;
		case OPT_ANY_DOMAIN: o.any_domain = true; break;
		default:
			if ((status = cli_password_opt(cli, &o.pw, c,
			    optarg)) != 0)
				return status;
		}
	}
	o.host = argv[1 + optind];
	if (o.op != AM_RELAY_REMOVE && o.pw.source == AM_PW_SRC_NONE)
		return cli_usage_error(cli, "relay %s needs --password-stdin, "
		    "--password-fd N or --generate", verbs[o.op]);
	if (cli->json && o.pw.source == AM_PW_SRC_GENERATE &&
	    o.client_file == NULL)
		return cli_usage_error(cli, "--generate with --json needs "
		    "--client-file (the password never goes into JSON)");
	return relay_modify(cli, &o);
}
