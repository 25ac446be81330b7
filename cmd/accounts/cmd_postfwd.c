/*
 * archmail postfwd sync [--init]: rewrite the managed block of postfwd.cf
 * from the relay accounts in passwd and postfwd_extra_users.
 */
#include <stdio.h>
#include <string.h>

#include "am_change.h"
#include "am_relay.h"
#include "archmail.h"
#include "cli_result.h"

struct sync_report {
	char **names;
	size_t n;
	bool reload;
};

static void
sync_members(struct am_json *j, void *arg)
{
	const struct sync_report *s = arg;
	size_t i;

	am_json_array_begin(j, "users");
	for (i = 0; i < s->n; i++)
		am_json_string(j, NULL, s->names[i]);
	am_json_array_end(j);
	if (s->reload)
		am_json_string(j, "reload", AM_RELAY_RELOAD_COMMAND);
}

static int
postfwd_sync(struct am_cli *cli, bool init)
{
	struct am_relay_sync sync;
	struct am_change_file *pf;
	struct am_error err;
	struct cli_result r;
	struct am_buf diff = AM_BUF_INIT;
	struct sync_report s = { NULL, 0, false };
	bool would = cli->dry_run || cli->check;
	int status;

	am_error_clear(&err);
	cli_result_init(&r, cli);
	if (am_relay_sync_plan(&cli->host, init, would, &sync, &err) < 0)
		goto fail;
	if (would && am_change_diff(&sync.cs, &diff, &err) < 0)
		goto fail;
	if (!would && am_relay_sync_commit(&cli->host, &sync, &err) < 0)
		goto fail;
	/*
	 * The result is printed while the account locks still hold SIGINT
	 * and SIGTERM back (am_relay_sync_free() lets them in): a
	 * committed change is always reported.
	 */
	pf = sync.file;
	s.names = sync.names;
	s.n = sync.n;
	cli_result_file(&r, pf->path, pf->changed);
	cli_result_diff(&r, diff.data, diff.len);
	s.reload = pf->changed && !would;
	if (s.reload)
		cli_result_line(&r, "%s: updated; reload postfwd with: %s",
		    pf->path, AM_RELAY_RELOAD_COMMAND);
	else if (!pf->changed)
		cli_result_line(&r, "%s: unchanged", pf->path);
	status = cli_result_finish(&r, sync_members, &s);
	(void)fflush(stdout);
	goto out;
fail:
	am_acct_unlock(&sync.db.lock);
	cli_result_free(&r);
	status = cli_fail(cli, &err);
out:
	am_buf_free(&diff);
	am_relay_sync_free(&sync);
	return status;
}

/* argv: postfwd sync [--init] [--dry-run | --check] (cli_parse checked). */
int
cmd_postfwd(struct am_cli *cli, int argc, char *argv[])
{
	bool init = false;
	int i;

	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--init") == 0)
			init = true;
	return postfwd_sync(cli, init);
}
