/*
 * archmail postfwd sync [--init]: rewrite the managed block of postfwd.cf
 * from the relay accounts in passwd and postfwd_extra_users.
 */
#include "relay_common.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int
postfwd_sync(struct am_cli *cli, bool init, bool dry_run, bool check)
{
	struct am_acct_db db;
	struct planned_file pf;
	struct am_error err;
	struct am_json j;
	char **names = NULL;
	size_t n = 0, i;
	bool would = dry_run || check;
	int status;

	planned_init(&pf);
	am_error_clear(&err);
	/* passwd is read under its lock so that no relay add is half-seen. */
	if (am_acct_db_open(&db, cli->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, !would, cli->lock_timeout_ms, &err) < 0 ||
	    relay_postfwd_names(cli, &db, NULL, NULL, &names, &n, &err) < 0 ||
	    plan_postfwd(cli, &pf, names, n, init, &err) < 0)
		goto fail;
	if (would)
		planned_show(cli, &pf);
	else if (planned_commit(cli, &pf, &err) < 0)
		goto fail;
	am_acct_unlock(&db.lock);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_bool(&j, "changed", pf.changed && !would);
		if (would)
			am_json_bool(&j, "would_change", pf.changed);
		am_json_array_begin(&j, "users");
		for (i = 0; i < n; i++)
			am_json_string(&j, NULL, names[i]);
		am_json_array_end(&j);
		am_json_array_begin(&j, "files");
		am_json_object_begin(&j, NULL);
		am_json_string(&j, "path", pf.path);
		am_json_bool(&j, "changed", pf.changed && !would);
		am_json_object_end(&j);
		am_json_array_end(&j);
		if (pf.changed && !would)
			am_json_string(&j, "reload", RELAY_RELOAD_COMMAND);
		status = cli_json_end(cli, &j) < 0 ? 74 : 0;
	} else {
		if (!would && cli->verbose >= 0)
			fprintf(stderr, "%s: %s: %s\n", cli->progname, pf.path,
			    pf.changed ? "updated; reload postfwd with: "
			    RELAY_RELOAD_COMMAND : "unchanged");
		status = 0;
	}
	if (check && pf.changed)
		status = 1;
	goto out;
fail:
	am_acct_unlock(&db.lock);
	status = cli_fail(cli, &err);
out:
	relay_free_names(names, n);
	planned_free(&pf);
	am_acct_db_close(&db);
	return status;
}

int
cmd_postfwd(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "init", no_argument, NULL, OPT_INIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool init = false, dry_run = false, check = false;
	int c;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return cli_help(cli);
	if (argc < 2)
		return cli_usage_error(cli, "postfwd: missing subcommand");
	if (strcmp(argv[1], "sync") != 0)
		return cli_usage_error(cli, "postfwd: unknown subcommand "
		    "\"%s\"", argv[1]);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(cli);
		case OPT_INIT:
			init = true;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_CHECK:
			check = true;
			break;
		default:
			return cli_usage_error(cli, "postfwd sync: %s option "
			    "\"%s\"", c == ':' ? "missing argument of" : "bad",
			    argv[optind]);
		}
	}
	if (argc - 1 - optind != 0)
		return cli_usage_error(cli, "postfwd sync takes no arguments");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	return postfwd_sync(cli, init, dry_run, check);
}
