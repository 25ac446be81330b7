/*
 * archmail alias: list, add, remove entries of the aliases file
 * (aliases_map), add GitLab Service Desk aliases, and rebuild the table
 * with postalias's rules.  The edit cycle is in users_edit.c.
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_address.h"

struct alias_opts {
	const char *name;
	const char *group, *project, *project_id;
	bool replace;
	struct am_buf value;
};

static int
alias_add_fn(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_mapedit_change *ch, void *arg, struct am_error *err)
{
	struct alias_opts *o = arg;
	struct am_mapedit_add add;

	(void)ec;	/* the edit callback's interface; the key is in o */
	memset(&add, 0, sizeof(add));
	add.key = o->name;
	add.value = o->value.data;
	add.replace = o->replace;
	/* Categories are a users-file convention. */
	add.no_categories = true;
	return am_mapedit_add(ed, &add, ch, err);
}

static int
check_values(struct am_cli *cli, const char *list, struct am_buf *value,
    struct am_error *err)
{
	char *copy, *v, *save = NULL;
	bool special;
	int rc = -1;

	if ((copy = strdup(list)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (v = strtok_r(copy, ",", &save); v != NULL;
	    v = strtok_r(NULL, ",", &save)) {
		if (am_alias_value_check(v, &special, err) < 0)
			goto out;
		if (special)
			cli_warnf(cli, "alias value \"%s\" delivers to a file "
			    "or command", v);
		if (am_buf_printf(value, "%s%s", value->len ? ", " : "",
		    v) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (value->len == 0) {
		am_error_set(err, AM_E_INVALID, "no value in \"%s\"", list);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* gitlab+GROUP-WITH-DASHES-PROJECT-ID-issue-@DOMAIN */
static int
servicedesk_value(struct am_cli *cli, struct alias_opts *o,
    struct am_error *err)
{
	const char *local = am_conf_get(&cli->conf, AM_CONF_SERVICEDESK_LOCAL);
	const char *domain = am_conf_get(&cli->conf, AM_CONF_DOMAIN);
	char *group, *q;

	if (am_gitlab_path_check(o->group, false, "group", err) < 0 ||
	    am_gitlab_path_check(o->project, true, "project", err) < 0)
		return -1;
	if (o->project_id[0] == '\0' || o->project_id[0] == '0' ||
	    strlen(o->project_id) > 18 ||
	    strspn(o->project_id, "0123456789") != strlen(o->project_id))
		return am_error_set(err, AM_E_INVALID, "invalid project id "
		    "\"%s\": expected a positive number", o->project_id);
	if ((group = strdup(o->group)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (q = group; (q = strchr(q, '/')) != NULL; q++)
		*q = '-';
	if (am_buf_printf(&o->value, "%s+%s-%s-%s-issue-@%s", local, group,
	    o->project, o->project_id, domain) < 0) {
		free(group);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	free(group);
	return am_address_check(o->value.data, AM_ADDR_LOCAL_REQUIRED,
	    "service desk address", err);
}

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
	struct alias_opts o;
	struct edit_ctx ec;
	struct am_error err;
	bool dry_run = false, check = false, no_compile = false, ok;
	int c, status;

	memset(&o, 0, sizeof(o));
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
		case EDIT_OPT_REPLACE: o.replace = true; break;
		case EDIT_OPT_NO_COMPILE: no_compile = true; break;
		case EDIT_OPT_DRY_RUN: dry_run = true; break;
		case EDIT_OPT_CHECK: check = true; break;
		case 'g': o.group = optarg; break;
		case 'p': o.project = optarg; break;
		case 'i': o.project_id = optarg; break;
		}
	}
	if (argc - optind != (sub == ALIAS_ADD ? 2 : 1))
		return cli_usage_error(cli, "alias %s: expected %s",
		    names[sub], sub == ALIAS_ADD ? "NAME VALUE[,VALUE...]" :
		    "NAME");
	if (sub == ALIAS_SERVICEDESK && (o.group == NULL ||
	    o.project == NULL || o.project_id == NULL))
		return cli_usage_error(cli, "alias servicedesk needs --group, "
		    "--project and --project-id");
	if (dry_run && check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	o.name = argv[optind];
	if (am_alias_name_check(o.name, &err) < 0)
		goto fail;
	if (sub == ALIAS_ADD &&
	    check_values(cli, argv[optind + 1], &o.value, &err) < 0)
		goto fail;
	if (sub == ALIAS_SERVICEDESK && servicedesk_value(cli, &o, &err) < 0)
		goto fail;
	if ((status = edit_init(&ec, cli, AM_MAP_ALIASES)) != 0)
		goto out;
	ec.dry_run = dry_run;
	ec.check = check;
	ec.no_compile = no_compile;
	ec.action = names[sub];
	ec.key = o.name;
	ec.value = o.value.data;
	status = edit_run(&ec, sub == ALIAS_REMOVE ? edit_remove :
	    alias_add_fn, &o);
	edit_free(&ec);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_buf_free(&o.value);
	return status;
}

int
cmd_alias(struct am_cli *cli, int argc, char *argv[])
{
	struct edit_ctx ec;
	const char *sub;
	int status;

	/* cli_parse() checked the subcommand, its options and operands. */
	sub = argv[1];
	if (strcmp(sub, "list") == 0) {
		if ((status = edit_init(&ec, cli, AM_MAP_ALIASES)) != 0)
			return status;
		status = edit_list(&ec, NULL);
		edit_free(&ec);
		return status;
	}
	if (strcmp(sub, "add") == 0)
		return alias_modify(cli, argc - 1, argv + 1, ALIAS_ADD);
	if (strcmp(sub, "remove") == 0)
		return alias_modify(cli, argc - 1, argv + 1, ALIAS_REMOVE);
	if (strcmp(sub, "servicedesk") == 0)
		return alias_modify(cli, argc - 1, argv + 1,
		    ALIAS_SERVICEDESK);
	return cli_usage_error(cli, "alias: no subcommand \"%s\"", sub);
}
