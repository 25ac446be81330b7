/*
 * archmail alias: list, add, remove entries of the aliases file
 * (aliases_map), add GitLab Service Desk aliases, and rebuild the table
 * with postalias's rules.  The checks and the edit are the library's
 * (am_edit.h).
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_address.h"

enum alias_sub { ALIAS_ADD, ALIAS_REMOVE, ALIAS_SERVICEDESK };

static int
alias_modify(struct am_cli *cli, int argc, char *argv[], enum alias_sub sub)
{
	static const struct option longopts[] = {
		{ "replace", no_argument, NULL, EDIT_OPT_REPLACE },
		{ "no-compile", no_argument, NULL, EDIT_OPT_NO_COMPILE },
		{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
		{ "check", no_argument, NULL, EDIT_OPT_CHECK },
		{ "group", required_argument, NULL, 'g' },
		{ "project", required_argument, NULL, 'p' },
		{ "project-id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "add", "remove", "servicedesk" };
	struct am_edit_req req;
	struct am_edit_list values = { NULL, 0 };
	struct am_error err;
	const char *group = NULL, *project = NULL, *project_id = NULL;
	bool dry_run = false, check = false, ok;
	int c, status;

	memset(&req, 0, sizeof(req));
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		ok = c == EDIT_OPT_DRY_RUN || c == EDIT_OPT_CHECK ||
		    (c == EDIT_OPT_REPLACE && sub != ALIAS_REMOVE) ||
		    (c == EDIT_OPT_NO_COMPILE && sub == ALIAS_ADD) ||
		    ((c == 'g' || c == 'p' || c == 'i') &&
		    sub == ALIAS_SERVICEDESK);
		if (!ok)
			return cli_usage_error(cli, "alias %s: %s option "
			    "\"%s\"", names[sub], c == ':' ? "missing "
			    "argument of" : "bad", argv[optind - 1]);
		switch (c) {
		case EDIT_OPT_REPLACE: req.replace = true; break;
		case EDIT_OPT_NO_COMPILE: req.no_compile = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: check = true; break;
		case 'g': group = optarg; break;
		case 'p': project = optarg; break;
		case 'i': project_id = optarg; break;
		}
	}
	if (argc - optind != (sub == ALIAS_ADD ? 2 : 1))
		return cli_usage_error(cli, "alias %s: expected %s",
		    names[sub], sub == ALIAS_ADD ? "NAME VALUE[,VALUE...]" :
		    "NAME");
	if (sub == ALIAS_SERVICEDESK && (group == NULL || project == NULL ||
	    project_id == NULL))
		return cli_usage_error(cli, "alias servicedesk needs --group, "
		    "--project and --project-id");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	req.dry_run = dry_run || check;
	req.op = sub == ALIAS_REMOVE ? AM_EDIT_REMOVE : AM_EDIT_ADD;
	req.key = argv[optind];
	if (am_alias_name_check(req.key, &err) < 0)
		goto fail;
	if (sub == ALIAS_ADD && am_edit_alias_values(&cli->host,
	    argv[optind + 1], &values, &err) < 0)
		goto fail;
	if (sub == ALIAS_SERVICEDESK && am_edit_servicedesk(&cli->host, group,
	    project, project_id, &values, &err) < 0)
		goto fail;
	req.dests = (const char *const *)values.v;
	req.ndests = values.n;
	status = edit_run(cli, AM_MAP_ALIASES, &req);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_edit_list_free(&values);
	return status;
}

int
cmd_alias(struct am_cli *cli, int argc, char *argv[])
{
	const char *sub;

	/* cli_parse() checked the subcommand, its options and operands. */
	sub = argv[1];
	if (strcmp(sub, "list") == 0)
		return edit_list(cli, AM_MAP_ALIASES, NULL);
	if (strcmp(sub, "add") == 0)
		return alias_modify(cli, argc - 1, argv + 1, ALIAS_ADD);
	if (strcmp(sub, "remove") == 0)
		return alias_modify(cli, argc - 1, argv + 1, ALIAS_REMOVE);
	if (strcmp(sub, "apply") == 0)
		return edit_apply(cli, AM_MAP_ALIASES, argc - 1, argv + 1);
	if (strcmp(sub, "servicedesk") == 0)
		return alias_modify(cli, argc - 1, argv + 1,
		    ALIAS_SERVICEDESK);
	return cli_usage_error(cli, "alias: no subcommand \"%s\"", sub);
}
