/*
 * archmail users: list, categories, add, remove entries of the virtual
 * user map (users_map) and rebuild its table; forward is in
 * users_forward.c.  The checks and the edit are the library's (am_edit.h).
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am_address.h"

struct users_add_opts {
	const char *note;
	bool date;
};

static int
note_text(const struct users_add_opts *o, struct am_buf *out)
{
	char day[16];
	time_t now = time(NULL);
	struct tm tm;

	if (o->date) {
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		if (am_buf_adds(out, day) < 0)
			return -1;
	}
	if (o->note != NULL && am_buf_printf(out, "%s%s",
	    out->len ? " " : "", o->note) < 0)
		return -1;
	return 0;
}

static int
users_modify(struct am_cli *cli, int argc, char *argv[], bool add)
{
	static const struct option longopts[] = {
		{ "category", required_argument, NULL, 'c' },
		{ "new-category", required_argument, NULL, 'N' },
		{ "note", required_argument, NULL, 'n' },
		{ "date", no_argument, NULL, 'D' },
		{ "replace", no_argument, NULL, EDIT_OPT_REPLACE },
		{ "any-domain", no_argument, NULL, 'a' },
		{ "no-compile", no_argument, NULL, EDIT_OPT_NO_COMPILE },
		{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
		{ "check", no_argument, NULL, EDIT_OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct users_add_opts o;
	struct am_edit_req req;
	struct am_edit_list dests = { NULL, 0 };
	struct am_buf note = AM_BUF_INIT;
	struct am_error err;
	bool any_domain = false, dry_run = false, check = false;
	int c, status;

	memset(&o, 0, sizeof(o));
	memset(&req, 0, sizeof(req));
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (!add && c != EDIT_OPT_DRY_RUN && c != EDIT_OPT_CHECK &&
		    c != ':' && c != '?')
			return cli_usage_error(cli, "option \"%s\" is not "
			    "valid for users remove", argv[optind - 1]);
		switch (c) {
		case 'c': req.category = optarg; break;
		case 'N': req.new_category = optarg; break;
		case 'n': o.note = optarg; break;
		case 'D': o.date = true; break;
		case EDIT_OPT_REPLACE: req.replace = true; break;
		case 'a': any_domain = true; break;
		case EDIT_OPT_NO_COMPILE: req.no_compile = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: check = true; break;
		case ':':
			return cli_usage_error(cli, "option \"%s\" needs an "
			    "argument", argv[optind - 1]);
		default:
			return cli_usage_error(cli, "unknown option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (argc - optind != (add ? 2 : 1))
		return cli_usage_error(cli, "users %s: expected %s",
		    add ? "add" : "remove",
		    add ? "ADDRESS DEST[,DEST...]" : "ADDRESS");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	if (req.category != NULL && req.new_category != NULL)
		return cli_usage_error(cli, "--category and --new-category "
		    "exclude each other");
	req.dry_run = dry_run || check;
	req.op = add ? AM_EDIT_ADD : AM_EDIT_REMOVE;
	req.key = argv[optind];
	/* A key remove cannot find is still refused: it is echoed back. */
	if (!add && am_address_check(req.key, AM_ADDR_CATCHALL_OK,
	    "address", &err) < 0)
		goto fail;
	if (add && (am_edit_users_address(&cli->host, req.key, any_domain,
	    &err) < 0 || am_edit_users_dests(&cli->host, argv[optind + 1],
	    &dests, &err) < 0))
		goto fail;
	if (add && note_text(&o, &note) < 0) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		goto fail;
	}
	req.dests = (const char *const *)dests.v;
	req.ndests = dests.n;
	req.note = note.len > 0 ? note.data : NULL;
	status = edit_run(cli, AM_MAP_POSTMAP, &req);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_edit_list_free(&dests);
	am_buf_free(&note);
	return status;
}

int
cmd_users(struct am_cli *cli, int argc, char *argv[])
{
	const char *sub;

	/* cli_parse() checked the subcommand, its options and operands. */
	sub = argv[1];
	if (strcmp(sub, "list") == 0)
		return users_list(cli, argc - 1, argv + 1);
	if (strcmp(sub, "categories") == 0)
		return users_categories(cli);
	if (strcmp(sub, "add") == 0)
		return users_modify(cli, argc - 1, argv + 1, true);
	if (strcmp(sub, "remove") == 0)
		return users_modify(cli, argc - 1, argv + 1, false);
	if (strcmp(sub, "apply") == 0)
		return edit_apply(cli, AM_MAP_POSTMAP, argc - 1, argv + 1);
	if (strcmp(sub, "forward") == 0)
		return users_forward(cli, argc - 1, argv + 1);
	if (strcmp(sub, "onboard") == 0)
		return users_onboard(cli, argc - 1, argv + 1);
	if (strcmp(sub, "offboard") == 0)
		return users_offboard(cli, argc - 1, argv + 1);
	return cli_usage_error(cli, "users: no subcommand \"%s\"", sub);
}
