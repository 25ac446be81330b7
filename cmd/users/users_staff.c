/*
 * archmail users onboard|offboard: options in, the library's plan
 * (lib/accounts/am_staff.h) shown or committed, the result out.
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am_staff.h"
#include "cli_result.h"

enum {
	OPT_NAME = 1100,
	OPT_CATEGORY,
	OPT_ADDRESS,
	OPT_FORWARD,
	OPT_GROUPS,
	OPT_ALLOW_NULLOK,
	OPT_NOTE,
	OPT_DATE,
	OPT_DELETE,
};

static const struct option staff_longopts[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "category", required_argument, NULL, OPT_CATEGORY },
	{ "address", required_argument, NULL, OPT_ADDRESS },
	{ "forward", required_argument, NULL, OPT_FORWARD },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "allow-nullok", no_argument, NULL, OPT_ALLOW_NULLOK },
	{ "note", required_argument, NULL, OPT_NOTE },
	{ "date", no_argument, NULL, OPT_DATE },
	{ "delete", no_argument, NULL, OPT_DELETE },
	{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
	{ "check", no_argument, NULL, EDIT_OPT_CHECK },
	{ NULL, 0, NULL, 0 },
};

struct staff_args {
	struct am_staff_onboard_opts on;
	struct am_staff_offboard_opts off;
	struct am_edit_list groups;
	const char *note;
	bool date, check;
	char *dated_note;
};

/* The canonical vector: cli_parse() checked names and operands. */
static int
parse(struct am_cli *cli, int argc, char *argv[], struct staff_args *a,
    struct am_error *err)
{
	bool dry_run = false;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", staff_longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_NAME: a->on.name = optarg; break;
		case OPT_CATEGORY: a->on.category = optarg; break;
		case OPT_ADDRESS: a->on.address = a->off.address = optarg;
			break;
		case OPT_FORWARD: a->on.forward = a->off.forward = optarg;
			break;
		case OPT_GROUPS:
			if (am_edit_split(optarg, "--groups", &a->groups,
			    err) < 0)
				return -1;
			break;
		case OPT_ALLOW_NULLOK: a->on.allow_nullok = true; break;
		case OPT_NOTE: a->note = optarg; break;
		case OPT_DATE: a->date = true; break;
		case OPT_DELETE: a->off.delete = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: a->check = true; break;
		default:
			return am_error_set(err, AM_E_USAGE, "bad option "
			    "\"%s\"", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return am_error_set(err, AM_E_USAGE, "expected LOGIN");
	if (dry_run && a->check)
		return am_error_set(err, AM_E_USAGE, "--dry-run and --check "
		    "exclude each other");
	/* As the synopsis says: a person's account has a name. */
	if (strcmp(cli->sub->name, "onboard") == 0 && a->on.name == NULL)
		return am_error_set(err, AM_E_USAGE, "users onboard needs "
		    "--name (the person's full name)");
	a->on.login = a->off.login = argv[optind];
	a->on.dry_run = a->off.dry_run = dry_run || a->check;
	a->on.groups = (const char *const *)a->groups.v;
	a->on.ngroups = a->groups.n;
	return 0;
}

/* "--note TEXT --date": "YYYY-MM-DD TEXT", as users add writes it. */
static int
offboard_note(struct staff_args *a, struct am_error *err)
{
	char day[16] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (a->note == NULL && !a->date)
		return 0;
	if (a->off.forward == NULL)
		return am_error_set(err, AM_E_USAGE, "--note and --date go "
		    "with --forward (the note is written above the forward)");
	if (a->date) {
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	}
	if (asprintf(&a->dated_note, "%s%s%s", day,
	    day[0] != '\0' && a->note != NULL ? " " : "",
	    a->note != NULL ? a->note : "") < 0) {
		a->dated_note = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	a->off.note = a->dated_note;
	return 0;
}

struct staff_report {
	const struct am_staff_plan *p;
};

static void
members(struct am_json *j, void *arg)
{
	const struct am_staff_plan *p = ((struct staff_report *)arg)->p;

	am_json_string(j, "login", p->login);
	am_json_string(j, "address", p->address);
	if (p->onboard) {
		am_json_string(j, "account", p->ua.existed ? "existing" :
		    "created");
		am_json_int(j, "uid", (long long)p->ua.uid);
		am_json_int(j, "gid", (long long)p->ua.gid);
		am_json_string(j, "home", p->ua.home);
		am_json_bool(j, "password_expired", p->password_cleared);
	} else {
		am_json_string(j, "account", p->ud.absent ? "absent" :
		    p->ud.deleted ? "deleted" : p->ud.locked ? "locked" :
		    "already locked");
		am_json_bool(j, "address_present", !p->address_absent);
	}
}

static void
report_files(struct cli_result *r, const struct am_staff_plan *p, bool dry)
{
	size_t k;

	for (k = 0; k < AM_ACCT_NKINDS; k++)
		if (p->db.file[k].path != NULL)
			cli_result_account_file(r, &p->db.file[k],
			    p->db.file[k].changed);
	/* The users file and its table, as planned or as written. */
	if (dry) {
		if (p->edit.path != NULL)
			cli_result_file(r, p->edit.path, p->ep.text_changed);
		if (p->edit.db != NULL)
			cli_result_file(r, p->edit.db, p->ep.rebuild);
	} else {
		for (k = 0; k < p->ep.nfiles; k++)
			cli_result_file(r, p->ep.files[k].path,
			    p->ep.files[k].changed);
	}
	if (p->onboard && !p->ua.existed && !p->ua.home_exists)
		cli_result_changed(r, true);
	if (!p->onboard && p->ud.deleted)
		cli_result_changed(r, true);
}

static void
report_lines(struct cli_result *r, const struct am_staff_plan *p)
{
	const char *verb;

	if (p->onboard) {
		if (p->ua.existed)
			cli_result_line(r, "%s: account exists (uid %lu)",
			    p->login, (unsigned long)p->ua.uid);
		else
			cli_result_line(r, "%s: account created (uid %lu, "
			    "home %s)", p->login, (unsigned long)p->ua.uid,
			    p->ua.home);
		verb = p->ep.result == AM_MAPEDIT_UNCHANGED ? "unchanged" :
		    "added";
		cli_result_line(r, "%s: %s", p->address, verb);
		if (p->password_cleared)
			cli_result_line(r, "%s: password empty and expired; "
			    "the owner sets one at the first login", p->login);
		return;
	}
	if (p->address_absent)
		cli_result_line(r, "%s: not present", p->address);
	else if (p->ep.result == AM_MAPEDIT_UNCHANGED)
		cli_result_line(r, "%s: unchanged", p->address);
	else if (p->ep.op == AM_EDIT_REMOVE)
		cli_result_line(r, "%s: removed", p->address);
	else
		cli_result_line(r, "%s: forwarded to %s", p->address,
		    p->ep.value);
	if (p->ud.absent)
		cli_result_line(r, "%s: no such account", p->login);
	else if (p->ud.deleted)
		cli_result_line(r, "%s: account and home removed", p->login);
	else
		cli_result_line(r, "%s: password %s", p->login,
		    p->ud.locked ? "locked" : "already locked");
}

static int
run(struct am_cli *cli, int argc, char *argv[], bool onboard)
{
	struct staff_args a;
	struct am_staff_plan p;
	struct staff_report rep = { &p };
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	bool dry;
	int status;

	am_error_clear(&err);
	memset(&p, 0, sizeof(p));
	if (parse(cli, argc, argv, &a, &err) < 0) {
		status = err.code == AM_E_USAGE ?
		    cli_usage_error(cli, "%s", err.message) :
		    cli_fail(cli, &err);
		goto out;
	}
	dry = a.on.dry_run;
	if (!onboard && offboard_note(&a, &err) < 0) {
		status = cli_usage_error(cli, "%s", err.message);
		goto out;
	}
	if ((onboard ? am_staff_onboard_plan(&cli->host, &a.on, &p, &err) :
	    am_staff_offboard_plan(&cli->host, &a.off, &p, &err)) < 0)
		goto fail;
	if (dry && am_staff_diff(&p, &diff, &err) < 0)
		goto fail;
	if (!dry && p.changed && am_staff_commit(&cli->host, &p, &err) < 0)
		goto fail;
	cli_result_init(&r, cli);
	report_files(&r, &p, dry);
	if (dry)
		cli_result_diff(&r, diff.data, diff.len);
	report_lines(&r, &p);
	status = cli_result_finish(&r, members, &rep);
	if (status == 0 && a.check && p.changed)
		status = 1;
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_staff_plan_free(&p);
	am_edit_list_free(&a.groups);
	free(a.dated_note);
	am_buf_free(&diff);
	return status;
}

int
users_onboard(struct am_cli *cli, int argc, char *argv[])
{
	return run(cli, argc, argv, true);
}

int
users_offboard(struct am_cli *cli, int argc, char *argv[])
{
	return run(cli, argc, argv, false);
}
