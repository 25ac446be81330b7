/*
 * archmail relay add|rotate|remove, the part that decides: read the
 * accounts, compute every change (account, password, sender map, postfwd
 * block, client line) without writing, then write them in one go
 * (relay_plan.c).  cmd_relay.c parses options and reports.
 */
#ifndef RELAY_PLAN_H
#define RELAY_PLAN_H

#include <stdbool.h>
#include <sys/types.h>

#include "am_acct.h"
#include "am_change.h"
#include "am_pw.h"
#include "am_relay.h"
#include "archmail.h"
#include "cli_password.h"

/* relay's own long options, after the shared ones. */
enum {
	OPT_CLIENT_FILE = OPT_PASSWORD_NEXT,
	OPT_NO_POSTFWD,
	OPT_NO_SENDER_MAP,
	OPT_DELETE,
};

enum relay_sub { RELAY_ADD, RELAY_ROTATE, RELAY_REMOVE, RELAY_LIST };

struct relay_opts {
	enum relay_sub sub;
	const char *host;
	char user[64];
	struct am_pw_opts pw;
	const char *client_file;
	bool no_postfwd;
	bool no_sender_map;
	bool dry_run;
	bool check;
	bool delete;
};

/* Everything one run decides before writing. */
struct relay_run {
	struct am_acct_db db;
	struct am_change cs;	/* postfwd.cf, sender map, client file */
	struct am_change_file *postfwd, *sender, *client;	/* or NULL */
	struct am_buf pw;
	char hash[AM_PW_HASH_MAX];
	char *home;		/* ROOT-prefixed */
	uid_t uid;
	gid_t gid;
	bool created;		/* new account */
	bool home_missing;
	char *sender_table;	/* the sender map's table, when rebuilt */
};

/* Validate and compute every change; nothing is written. */
int relay_plan(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, struct am_error *err);
/* Write what relay_plan() decided. */
int relay_commit(struct am_cli *cli, const struct relay_opts *o,
    struct relay_run *r, struct am_error *err);
/* relay list (relay_list.c) */
int relay_list(struct am_cli *cli);

#endif
