/*
 * archmail users: list, categories, add, remove entries of the virtual
 * user map (users_map) and rebuild its table; forward is in
 * users_forward.c, the edit cycle in users_edit.c.
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am_address.h"

struct users_add_opts {
	const char *address;
	const char *category;
	const char *new_category;
	const char *note;
	bool date;
	bool replace;
	bool any_domain;
	struct am_buf value;	/* "dest, dest" */
	struct am_buf note_text;
};

static int
users_add_fn(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_mapedit_change *ch, void *arg, struct am_error *err)
{
	struct users_add_opts *o = arg;
	struct am_mapedit_add add;

	(void)ec;	/* the edit callback's interface; the key is in o */
	memset(&add, 0, sizeof(add));
	add.key = o->address;
	add.value = o->value.data;
	add.category = o->category;
	add.new_category = o->new_category;
	add.note = o->note_text.len > 0 ? o->note_text.data : NULL;
	add.replace = o->replace;
	return am_mapedit_add(ed, &add, ch, err);
}

/* Each DEST is a login name (warned about when not in passwd) or address. */
static int
check_dests(struct am_cli *cli, const char *list, struct am_buf *value,
    struct am_error *err)
{
	char *copy, *d, *save = NULL;
	uid_t uid;
	gid_t gid;
	int rc = -1, found;

	if ((copy = strdup(list)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (d = strtok_r(copy, ",", &save); d != NULL;
	    d = strtok_r(NULL, ",", &save)) {
		if (strchr(d, '@') != NULL) {
			if (am_address_check(d, AM_ADDR_LOCAL_REQUIRED,
			    "destination", err) < 0)
				goto out;
		} else {
			if (am_login_check(d, err) < 0)
				goto out;
			if ((found = passwd_lookup(cli, d, &uid, &gid, NULL,
			    err)) < 0)
				goto out;
			if (found == 0)
				cli_warnf(cli, "local destination \"%s\" is "
				    "not a user in the passwd file", d);
		}
		if (am_buf_printf(value, "%s%s", value->len ? ", " : "",
		    d) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (value->len == 0) {
		am_error_set(err, AM_E_INVALID, "no destination in \"%s\"",
		    list);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
check_address(struct am_cli *cli, const char *addr, bool any_domain,
    struct am_error *err)
{
	const char *domains = am_conf_get(&cli->conf, AM_CONF_DOMAINS);

	if (am_address_check(addr, AM_ADDR_CATCHALL_OK, "address", err) < 0)
		return -1;
	if (!any_domain && !am_domain_in_list(am_address_domain(addr),
	    domains))
		return am_error_set(err, AM_E_INVALID, "address \"%s\": "
		    "domain not in domains (%s); use --any-domain", addr,
		    domains);
	return 0;
}

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
	struct edit_ctx ec;
	struct am_error err;
	bool dry_run = false, check = false, no_compile = false;
	int c, status;

	memset(&o, 0, sizeof(o));
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (!add && c != EDIT_OPT_DRY_RUN && c != EDIT_OPT_CHECK &&
		    c != ':' && c != '?')
			return cli_usage_error(cli, "option \"%s\" is not "
			    "valid for users remove", argv[optind - 1]);
		switch (c) {
		case 'c': o.category = optarg; break;
		case 'N': o.new_category = optarg; break;
		case 'n': o.note = optarg; break;
		case 'D': o.date = true; break;
		case EDIT_OPT_REPLACE: o.replace = true; break;
		case 'a': o.any_domain = true; break;
		case EDIT_OPT_NO_COMPILE: no_compile = true; break;
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
	if (o.category != NULL && o.new_category != NULL)
		return cli_usage_error(cli, "--category and --new-category "
		    "exclude each other");
	o.address = argv[optind];
	/* A key remove cannot find is still refused: it is echoed back. */
	if (!add && am_address_check(o.address, AM_ADDR_CATCHALL_OK,
	    "address", &err) < 0)
		goto fail;
	if (add && (check_address(cli, o.address, o.any_domain, &err) < 0 ||
	    check_dests(cli, argv[optind + 1], &o.value, &err) < 0))
		goto fail;
	if (add && note_text(&o, &o.note_text) < 0) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((status = edit_init(&ec, cli, AM_MAP_POSTMAP)) != 0)
		goto out;
	ec.dry_run = dry_run;
	ec.check = check;
	ec.no_compile = no_compile;
	ec.action = add ? "add" : "remove";
	ec.key = o.address;
	ec.value = o.value.data;
	status = edit_run(&ec, add ? users_add_fn : edit_remove, &o);
	edit_free(&ec);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_buf_free(&o.value);
	am_buf_free(&o.note_text);
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
	if (strcmp(sub, "forward") == 0)
		return users_forward(cli, argc - 1, argv + 1);
	return cli_usage_error(cli, "users: no subcommand \"%s\"", sub);
}
