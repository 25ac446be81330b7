/*
 * archmail users forward: ~USER/.forward.  The checks (home and file
 * resolved below ROOT without links, owned by the user) and the write are
 * the library's (am_forward.h); this file parses and reports.
 */
#include "users_edit.h"
#include "cli_result.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_forward.h"

static void
report_members(struct am_json *j, void *arg)
{
	const struct am_forward *f = arg;

	am_json_string(j, "user", f->user);
	am_json_string(j, "path", f->path);
}

static int
report(struct am_cli *cli, const struct am_forward *f)
{
	struct cli_result r;

	cli_result_init(&r, cli);
	cli_result_file(&r, f->path, f->changed);
	if (f->dry_run)
		cli_result_diff(&r, f->diff.data, f->diff.len);
	if (!f->dry_run || !f->changed)
		cli_result_line(&r, "%s: %s", f->path, !f->changed ?
		    "unchanged" : f->clear ? "removed" : "written");
	return cli_result_finish(&r, report_members, (void *)f);
}

int
users_forward(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "clear", no_argument, NULL, 'c' },
		{ "keep-copy", no_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
		{ "check", no_argument, NULL, EDIT_OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct am_forward f;
	struct am_error err;
	bool clear = false, keep_copy = false, dry_run = false, check = false;
	int c, status;

	memset(&f, 0, sizeof(f));
	f.dfd = -1;
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': clear = true; break;
		case 'k': keep_copy = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: check = true; break;
		default:
			return cli_usage_error(cli, "bad option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, "users forward: missing USER");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	if (clear && (optind + 1 < argc || keep_copy))
		return cli_usage_error(cli, "--clear takes no destinations");
	if (!clear && optind + 1 >= argc)
		return cli_usage_error(cli, "users forward: missing DEST "
		    "(or --clear)");
	if (am_forward_plan(&f, &cli->host, argv[optind],
	    (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), clear, keep_copy, dry_run || check,
	    &err) < 0)
		goto fail;
	if (!f.dry_run && am_forward_commit(&f, &err) < 0)
		goto fail;
	status = report(cli, &f);
	if (status == 0 && check && f.changed)
		status = 1;
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_forward_free(&f);
	return status;
}
