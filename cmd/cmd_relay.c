/*
 * archmail relay add|rotate|remove|list: the SMTP relay account of another
 * host, its client line, its sender-map entry and its place in postfwd's
 * host list.  Options and reporting here; the changes are decided and
 * written in relay_plan.c, relay list is in relay_list.c.
 */
#include "relay_plan.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
report(struct am_cli *cli, struct relay_run *r)
{
	struct am_acct_file *f;
	struct planned_file *pf[] = { &r->client, &r->sender, &r->postfwd };
	size_t i;

	f = &r->db.file[AM_ACCT_PASSWD];
	report_file(&r->files, f->path, f->changed);
	f = &r->db.file[AM_ACCT_SHADOW];
	report_file(&r->files, f->path, f->changed);
	for (i = 0; i < sizeof(pf) / sizeof(pf[0]); i++)
		if (pf[i]->path != NULL)
			report_file(&r->files, pf[i]->path, pf[i]->changed);
	(void)cli;
}

static bool
any_change(const struct relay_opts *o, const struct relay_run *r)
{
	return r->db.file[AM_ACCT_PASSWD].changed ||
	    r->db.file[AM_ACCT_SHADOW].changed || r->client.changed ||
	    r->sender.changed || r->postfwd.changed ||
	    (o->sub == RELAY_ADD && r->home_missing) ||
	    (o->sub == RELAY_REMOVE && o->delete && !r->home_missing);
}

static int
output(struct am_cli *cli, const struct relay_opts *o, struct relay_run *r,
    bool changed)
{
	static const char *const verbs[] = { "add", "rotate", "remove" };
	bool would = o->dry_run || o->check;
	struct am_json j;

	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_bool(&j, "changed", changed && !would);
		if (would)
			am_json_bool(&j, "would_change", changed);
		am_json_string(&j, "action", verbs[o->sub]);
		am_json_string(&j, "host", o->host);
		am_json_string(&j, "user", o->user);
		am_json_bool(&j, "created", r->created);
		if (r->uid != 0)
			am_json_int(&j, "uid", (long long)r->uid);
		report_json_files(&j, &r->files);
		if (r->postfwd.changed && !would)
			am_json_string(&j, "reload", RELAY_RELOAD_COMMAND);
		return cli_json_end(cli, &j) < 0 ? 74 : (o->check &&
		    changed ? 1 : 0);
	}
	/* The one time a secret is printed: generated, no client file. */
	if (!would && o->pw.source == PW_GENERATE && o->client_file == NULL &&
	    r->hash[0] != '\0')
		printf("%s %s:%s\n", am_conf_get(&cli->conf,
		    AM_CONF_MAIL_HOST), o->user, r->pw.data);
	if (!would && cli->verbose >= 0) {
		fprintf(stderr, "%s: relay %s %s: %s\n", cli->progname,
		    verbs[o->sub], o->host, !changed ? "unchanged" :
		    r->created ? "account created" : "updated");
		if (r->postfwd.changed)
			fprintf(stderr, "%s: postfwd.cf changed; reload it "
			    "with: %s\n", cli->progname, RELAY_RELOAD_COMMAND);
	}
	return o->check && changed ? 1 : 0;
}

static int
relay_modify(struct am_cli *cli, struct relay_opts *o)
{
	struct relay_run r;
	struct am_error err;
	bool changed;
	int status;

	memset(&r, 0, sizeof(r));
	planned_init(&r.postfwd);
	planned_init(&r.sender);
	planned_init(&r.client);
	am_error_clear(&err);
	if (relay_host_user(o->host, o->user, sizeof(o->user), &err) < 0 ||
	    relay_plan(cli, o, &r, &err) < 0)
		goto fail;
	changed = any_change(o, &r);
	if (o->dry_run || o->check) {
		account_show(cli, &r.db.file[AM_ACCT_PASSWD]);
		account_show(cli, &r.db.file[AM_ACCT_SHADOW]);
		planned_show(cli, &r.client);
		planned_show(cli, &r.sender);
		planned_show(cli, &r.postfwd);
		if (!cli->json && o->sub == RELAY_ADD && r.home_missing)
			printf("would create %s\n", r.home);
	} else if (relay_commit(cli, o, &r, &err) < 0) {
		goto fail;
	}
	report(cli, &r);
	status = output(cli, o, &r, changed);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	/*
	 * SIGHUP/INT/QUIT/TERM stay blocked from the locks (before the
	 * first write) until the result is out: a signal during the commit
	 * lets it finish and report, and is delivered on unlocking.
	 */
	(void)fflush(stdout);
	am_acct_db_close(&r.db);
	planned_free(&r.postfwd);
	planned_free(&r.sender);
	planned_free(&r.client);
	report_free(&r.files);
	am_buf_wipe(&r.pw);
	explicit_bzero(r.hash, sizeof(r.hash));
	free(r.home);
	return status;
}

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "add", "rotate", "remove",
	    "list" };
	struct relay_opts o;
	bool ok;
	int c, status;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return cli_help(cli);
	if (argc < 2)
		return cli_usage_error(cli, "relay: missing subcommand");
	memset(&o, 0, sizeof(o));
	for (i = 0; i < 4 && strcmp(argv[1], subs[i]) != 0; i++)
		;
	if (i == 4)
		return cli_usage_error(cli, "relay: unknown subcommand \"%s\"",
		    argv[1]);
	o.sub = (enum relay_sub)i;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts,
	    NULL)) != -1) {
		if (c == 'h')
			return cli_help(cli);
		switch (o.sub) {
		case RELAY_ADD:
			ok = c >= OPT_PASSWORD_STDIN && c <= OPT_CHECK;
			break;
		case RELAY_ROTATE:
			ok = (c >= OPT_PASSWORD_STDIN && c <= OPT_GENERATE) ||
			    c == OPT_CLIENT_FILE;
			break;
		case RELAY_REMOVE:
			ok = c == OPT_DELETE || c == OPT_DRY_RUN ||
			    c == OPT_CHECK;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return cli_usage_error(cli, "relay %s: %s option "
			    "\"%s\"", subs[o.sub], c == ':' ? "missing "
			    "argument of" : "bad", argv[optind]);
		switch (c) {
		case OPT_CLIENT_FILE: o.client_file = optarg; break;
		case OPT_NO_POSTFWD: o.no_postfwd = true; break;
		case OPT_NO_SENDER_MAP: o.no_sender_map = true; break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_CHECK: o.check = true; break;
		case OPT_DELETE: o.delete = true; break;
		default:
			if ((status = pw_opts_set(cli, &o.pw, c, optarg)) != 0)
				return status;
		}
	}
	if (o.sub == RELAY_LIST) {
		if (argc - 1 - optind != 0)
			return cli_usage_error(cli, "relay list takes no "
			    "arguments");
		return relay_list(cli);
	}
	if (argc - 1 - optind != 1)
		return cli_usage_error(cli, "relay %s: expected one HOST",
		    subs[o.sub]);
	o.host = argv[1 + optind];
	if (o.dry_run && o.check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	if (o.sub != RELAY_REMOVE && o.pw.source == PW_NONE)
		return cli_usage_error(cli, "relay %s needs --password-stdin, "
		    "--password-fd N or --generate", subs[o.sub]);
	if (cli->json && o.pw.source == PW_GENERATE && o.client_file == NULL)
		return cli_usage_error(cli, "--generate with --json needs "
		    "--client-file (the password never goes into JSON)");
	return relay_modify(cli, &o);
}
