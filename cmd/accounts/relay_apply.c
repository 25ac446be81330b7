/*
 * archmail relay apply FILE|-: JSON Lines of relay adds (and removes), one
 * host per line, planned and written as one change (am_relay_batch in
 * am_relay.h).  Passwords come from files named in the input (never from
 * the JSON itself) or are generated into the host's client file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_relay.h"
#include "apply_input.h"
#include "archmail.h"
#include "cli_result.h"
#include "relay_apply.h"

struct relay_apply {
	struct am_cli *cli;
	struct am_relay_opts *o;
	long *line;
	char **strs;		/* host, client file: owned copies */
	int *fds;		/* password files, open */
	size_t n, cap, nstrs, nfds;
	struct am_relay_batch b;
	bool dry_run;
};

static const char *const add_fields[] = { "action", "host", "password_file",
    "generate", "client_file", "update_password", "any_domain",
    "no_postfwd", "no_sender_map", NULL };
static const char *const remove_fields[] = { "action", "host", "delete",
    "no_postfwd", "no_sender_map", NULL };

static int
keep(struct relay_apply *a, const char *s, const char **out,
    struct am_error *err)
{
	char **ns;

	*out = NULL;
	if (s == NULL)
		return 0;
	if ((ns = realloc(a->strs, (a->nstrs + 1) * sizeof(*ns))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	a->strs = ns;
	if ((a->strs[a->nstrs] = strdup(s)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	*out = a->strs[a->nstrs++];
	return 0;
}

static int
password_file(struct relay_apply *a, const char *path, int *fd,
    struct am_error *err)
{
	int *nf;

	if ((nf = realloc(a->fds, (a->nfds + 1) * sizeof(*nf))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	a->fds = nf;
	if ((*fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0)
		return am_error_set_errno(err, errno == ENOENT ? AM_E_NOINPUT :
		    am_error_code_from_errno(errno), errno, "password_file %s",
		    path);
	a->fds[a->nfds++] = *fd;
	return 0;
}

static int
relay_item(void *arg, json_t *j, long lineno, struct am_error *err)
{
	struct relay_apply *a = arg;
	struct am_relay_opts *o;
	const char *action, *s;
	bool add, generate = false;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void *p;

		if ((p = realloc(a->o, cap * sizeof(*a->o))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		a->o = p;
		if ((p = realloc(a->line, cap * sizeof(*a->line))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		a->line = p;
		a->cap = cap;
	}
	o = &a->o[a->n];
	memset(o, 0, sizeof(*o));
	a->line[a->n] = lineno;
	if (apply_string(j, "action", true, &action, err) < 0)
		return -1;
	if (strcmp(action, "add") == 0)
		add = true;
	else if (strcmp(action, "remove") == 0)
		add = false;
	else
		return am_error_set(err, AM_E_INVALID, "\"action\": \"%s\": "
		    "expected \"add\" or \"remove\"", action);
	if (apply_fields(j, add ? add_fields : remove_fields, err) < 0 ||
	    apply_string(j, "host", true, &s, err) < 0 ||
	    keep(a, s, &o->host, err) < 0 ||
	    apply_bool(j, "no_postfwd", &o->no_postfwd, err) < 0 ||
	    apply_bool(j, "no_sender_map", &o->no_sender_map, err) < 0)
		return -1;
	o->op = add ? AM_RELAY_ADD : AM_RELAY_REMOVE;
	o->dry_run = a->dry_run;
	if (!add) {
		if (apply_bool(j, "delete", &o->delete, err) < 0)
			return -1;
		a->n++;
		return 0;
	}
	if (apply_bool(j, "generate", &generate, err) < 0 ||
	    apply_bool(j, "update_password", &o->update_password, err) < 0 ||
	    apply_bool(j, "any_domain", &o->any_domain, err) < 0 ||
	    apply_string(j, "client_file", false, &s, err) < 0 ||
	    keep(a, s, &o->client_file, err) < 0 ||
	    apply_string(j, "password_file", false, &s, err) < 0)
		return -1;
	if ((s != NULL) == generate)
		return am_error_set(err, AM_E_INVALID, "give exactly one of "
		    "\"password_file\" and \"generate\": true");
	if (generate)
		o->pw.source = AM_PW_SRC_GENERATE;
	else {
		if (password_file(a, s, &o->pw.fd, err) < 0)
			return -1;
		o->pw.source = AM_PW_SRC_FD;
	}
	a->n++;
	return 0;
}

static void
members(struct am_json *j, void *arg)
{
	const struct relay_apply *a = arg;
	const struct am_relay_batch_host *bh;
	size_t i, nchanged = 0;

	for (i = 0; i < a->b.n; i++)
		nchanged += a->b.hosts[i].changed;
	am_json_int(j, "count", (long)a->b.n);
	am_json_int(j, "changed_count", (long)nchanged);
	if (a->b.base.sender_table != NULL)
		am_json_string(j, "sender_table", a->b.base.sender_updated ?
		    "updated" : "rebuilt");
	if (a->b.base.postfwd != NULL && a->b.base.postfwd->changed &&
	    !a->dry_run)
		am_json_string(j, "reload", AM_RELAY_RELOAD_COMMAND);
	am_json_array_begin(j, "entries");
	for (i = 0; i < a->b.n; i++) {
		bh = &a->b.hosts[i];
		am_json_object_begin(j, NULL);
		am_json_int(j, "line", a->line[i]);
		am_json_string(j, "action", bh->o.op == AM_RELAY_ADD ? "add" :
		    "remove");
		am_json_string(j, "host", bh->o.host);
		am_json_string(j, "user", bh->user);
		am_json_bool(j, "created", bh->created);
		am_json_bool(j, "changed", bh->changed && !a->dry_run);
		if (a->dry_run)
			am_json_bool(j, "would_change", bh->changed);
		if (bh->uid != 0)
			am_json_int(j, "uid", (long long)bh->uid);
		am_json_object_end(j);
	}
	am_json_array_end(j);
}

static int
report(struct relay_apply *a)
{
	const struct am_relay_plan *p = &a->b.base;
	const struct am_relay_batch_host *bh;
	const struct am_change_file *cf;
	struct cli_result res;
	struct am_buf diff = AM_BUF_INIT;
	struct am_error err;
	size_t i;
	int status;

	am_error_clear(&err);
	cli_result_init(&res, a->cli);
	cli_result_account_file(&res, &p->db.file[AM_ACCT_PASSWD],
	    p->db.file[AM_ACCT_PASSWD].changed);
	cli_result_account_file(&res, &p->db.file[AM_ACCT_SHADOW],
	    p->db.file[AM_ACCT_SHADOW].changed);
	for (i = 0; i < am_change_count(&p->cs); i++) {
		cf = am_change_at(&p->cs, i);
		cli_result_file(&res, cf->path, cf->changed);
	}
	if (p->sender_table != NULL)
		cli_result_file(&res, p->sender_table, true);
	if (a->dry_run) {
		if (am_relay_batch_diff(&a->b, &diff, &err) < 0) {
			cli_result_free(&res);
			am_buf_wipe(&diff);
			return cli_fail(a->cli, &err);
		}
		cli_result_diff(&res, diff.data, diff.len);
		am_buf_wipe(&diff);
	}
	for (i = 0; i < a->b.n; i++) {
		bh = &a->b.hosts[i];
		cli_result_changed(&res, bh->home_create || bh->home_remove);
		if (bh->home_create)
			cli_result_line(&res, a->dry_run ? "would create %s" :
			    "%s: created", bh->home);
		if (bh->home_remove)
			cli_result_line(&res, a->dry_run ? "would remove %s" :
			    "%s: removed", bh->home);
		cli_result_line(&res, "relay %s %s: %s%s",
		    bh->o.op == AM_RELAY_ADD ? "add" : "remove", bh->o.host,
		    a->dry_run && bh->changed ? "would be " : "",
		    !bh->changed ? "unchanged" : bh->created ? "created" :
		    "updated");
	}
	if (p->sender_table != NULL)
		cli_result_line(&res, "%s: table %s", p->sender_table,
		    p->sender_updated ? "updated" : "rebuilt");
	if (p->postfwd != NULL && p->postfwd->changed && !a->dry_run)
		cli_result_line(&res, "%s: changed; reload postfwd with: %s",
		    p->postfwd->path, AM_RELAY_RELOAD_COMMAND);
	status = cli_result_finish(&res, members, a);
	return status;
}

int
relay_apply(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct relay_apply a;
	struct am_error err;
	const char *input = NULL;
	sigset_t set, saved;
	bool held = false;
	size_t i;
	int c, status;

	memset(&a, 0, sizeof(a));
	a.cli = cli;
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c != 'd' && c != 'c')
			return cli_usage_error(cli, "relay apply: bad option "
			    "\"%s\"", argv[optind - 1]);
		a.dry_run = true;	/* --check: the exit status tells */
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, "relay apply: expected FILE or -");
	if (apply_read(argv[optind], relay_item, &a, &input, &err) < 0)
		goto fail;
	if (am_relay_batch_plan(&cli->host, a.o, a.n, a.dry_run, &a.b,
	    &err) < 0) {
		if (a.b.failed >= 0 && (size_t)a.b.failed < a.n) {
			snprintf(err.file, sizeof(err.file), "%s", input);
			err.line = a.line[a.b.failed];
			if (err.code == AM_E_USAGE)
				err.code = AM_E_INVALID;
		}
		goto fail;
	}
	if (!a.dry_run && am_relay_batch_changed(&a.b)) {
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		held = sigprocmask(SIG_BLOCK, &set, &saved) == 0;
		if (am_relay_batch_commit(&cli->host, &a.b, &err) < 0)
			goto fail;
	}
	status = report(&a);
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	(void)fflush(stdout);
	if (held)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	am_relay_batch_free(&a.b);
	for (i = 0; i < a.nfds; i++)
		close(a.fds[i]);
	for (i = 0; i < a.nstrs; i++)
		free(a.strs[i]);
	free(a.strs);
	free(a.fds);
	free(a.o);
	free(a.line);
	return status;
}
