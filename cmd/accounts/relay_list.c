/*
 * archmail relay list: every relay account (GECOS "SMTP Relay Account for
 * HOST") with its UID, home, password state, and whether postfwd's block
 * and the sender map know it.
 */
#include "relay_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am_postfwd.h"


struct list_ctx {
	struct am_change_file postfwd;
	struct am_postfwd_block block;
	char *sender_path;
};

static void
one(struct am_cli *cli, struct list_ctx *lc, struct am_acct_db *db,
    const struct am_acct_entry *pe, const char *host, struct am_json *j)
{
	struct am_acct_entry se;
	struct am_pw_info info;
	struct am_error ignored;
	char key[300], day[16] = "never";
	bool in_postfwd, in_map;
	time_t t;
	struct tm tm;
	long si;

	memset(&se, 0, sizeof(se));
	am_error_clear(&ignored);
	am_pw_inspect("", &info);
	info.state = AM_PW_STATE_LOCKED;
	if ((si = am_acct_find(&db->file[AM_ACCT_SHADOW], pe->field[0],
	    &ignored)) >= 0 && am_acct_entry_get(&db->file[AM_ACCT_SHADOW],
	    (size_t)si, &se, &ignored) == 0) {
		am_pw_inspect(se.field[1], &info);
		if (se.field[2][0] != '\0') {
			t = (time_t)strtol(se.field[2], NULL, 10) * 86400;
			gmtime_r(&t, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		}
	}
	in_postfwd = lc->postfwd.exists && am_postfwd_block_lists(
	    lc->postfwd.old.data, lc->postfwd.old.len, &lc->block,
	    pe->field[0]);
	snprintf(key, sizeof(key), "@%s", host);
	in_map = am_relay_sender_map_has(&cli->host, lc->sender_path, key,
	    pe->field[0]);
	if (j != NULL) {
		am_json_object_begin(j, NULL);
		am_json_string(j, "user", pe->field[0]);
		am_json_string(j, "host", host);
		am_json_int(j, "uid", strtoll(pe->field[2], NULL, 10));
		am_json_string(j, "home", pe->field[5]);
		am_json_string(j, "state", am_pw_state_name(info.state));
		am_json_string(j, "scheme", info.method[0] ? info.method :
		    "none");
		if (info.cost > 0)
			am_json_int(j, "cost", (long long)info.cost);
		am_json_string(j, "last_change", day);
		am_json_bool(j, "postfwd", in_postfwd);
		am_json_bool(j, "sender_map", in_map);
		am_json_object_end(j);
	} else {
		printf("%-12s %-28s %6s %-3s %-9s %-10s postfwd=%s "
		    "sender_map=%s %s\n", pe->field[0], host, pe->field[2],
		    am_pw_state_name(info.state), info.method[0] ?
		    info.method : "none", day, in_postfwd ? "yes" : "no",
		    in_map ? "yes" : "no", pe->field[5]);
	}
	am_acct_entry_free(&se);
}

int
relay_list(struct am_cli *cli)
{
	struct list_ctx lc;
	struct am_acct_db db;
	struct am_acct_entry pe;
	struct am_error err, ignored;
	struct am_json j;
	const struct am_acct_file *pw;
	const char *host;
	char *path = NULL;
	size_t i;
	int status = 0;

	memset(&lc, 0, sizeof(lc));
	am_change_file_init(&lc.postfwd);
	am_error_clear(&err);
	am_error_clear(&ignored);
	if (am_acct_db_open(&db, cli->root, AM_ACCT_F_PASSWD |
	    AM_ACCT_F_SHADOW, false, 0, &err) < 0)
		return cli_fail(cli, &err);
	if ((path = am_host_conf_path(&cli->host,
	    AM_CONF_POSTFWD_CONFIG)) == NULL || (lc.sender_path =
	    am_host_conf_path(&cli->host, AM_CONF_SENDER_MAP)) == NULL) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		goto fail;
	}
	if (am_change_file_load(&lc.postfwd, path, false, &err) < 0)
		goto fail;
	if (lc.postfwd.exists && am_postfwd_find_block(lc.postfwd.old.data,
	    lc.postfwd.old.len, path, &lc.block, &ignored) < 0)
		cli_warn(cli, &ignored);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "relays");
	}
	pw = &db.file[AM_ACCT_PASSWD];
	for (i = 0; i < pw->count; i++) {
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &pe, &ignored) < 0)
			continue;
		switch (am_relay_account_kind(&cli->host, &pe)) {
		case AM_RELAY_ACCOUNT:
			host = am_relay_gecos_host(pe.field[4]);
			one(cli, &lc, &db, &pe, host, cli->json ? &j : NULL);
			break;
		case AM_RELAY_LOOKALIKE:
			am_relay_warn_lookalike(&cli->host, &pe);
			break;
		case AM_RELAY_NOT:
			break;
		}
		am_acct_entry_free(&pe);
	}
	if (cli->json) {
		am_json_array_end(&j);
		if (cli_json_end(cli, &j) < 0)
			status = 74;
	}
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	free(path);
	free(lc.sender_path);
	am_change_file_free(&lc.postfwd);
	am_acct_db_close(&db);
	return status;
}
