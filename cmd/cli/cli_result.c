/*
 * The one result of a command that changes files (cli_result.h).
 */
#include "cli_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_acct.h"

static bool
dry(const struct cli_result *r)
{
	return r->cli->dry_run || r->cli->check;
}

void
cli_result_init(struct cli_result *r, struct am_cli *cli)
{
	memset(r, 0, sizeof(*r));
	r->cli = cli;
}

void
cli_result_file(struct cli_result *r, const char *path, bool changed)
{
	size_t i;

	if (dry(r)) {
		r->would_change |= changed;
		changed = false;
	} else {
		r->changed |= changed;
	}
	/* A file named twice: changed if either time says so. */
	for (i = 0; i < r->nfiles; i++)
		if (strcmp(r->path[i], path) == 0) {
			r->file_changed[i] |= changed;
			return;
		}
	if (r->nfiles == CLI_RESULT_MAX_FILES ||
	    (r->path[r->nfiles] = strdup(path)) == NULL)
		return;
	r->file_changed[r->nfiles++] = changed;
}

void
cli_result_changed(struct cli_result *r, bool changed)
{
	if (dry(r))
		r->would_change |= changed;
	else
		r->changed |= changed;
}

void
cli_result_line(struct cli_result *r, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)am_buf_printf(&r->lines, "%s\n", text);
}

void
cli_result_diff(struct cli_result *r, const char *text, size_t len)
{
	if (text != NULL && len > 0)
		(void)am_buf_add(&r->diff, text, len);
	if (len > 0)
		r->would_change = true;
}

int
cli_result_finish(struct cli_result *r,
    void (*members)(struct am_json *j, void *arg), void *arg)
{
	struct am_cli *cli = r->cli;
	struct am_json j;
	size_t i;
	int status = 0;

	for (i = 0; i < r->nfiles; i++)
		cli_info(cli, "%s %s", r->file_changed[i] ? "wrote" :
		    "checked", r->path[i]);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_bool(&j, "changed", r->changed);
		if (dry(r)) {
			am_json_bool(&j, "would_change", r->would_change);
			am_json_string_len(&j, "diff", r->diff.data ?
			    r->diff.data : "", r->diff.len);
		}
		am_json_array_begin(&j, "files");
		for (i = 0; i < r->nfiles; i++) {
			am_json_object_begin(&j, NULL);
			am_json_string(&j, "path", r->path[i]);
			am_json_bool(&j, "changed", r->file_changed[i]);
			am_json_object_end(&j);
		}
		am_json_array_end(&j);
		if (members != NULL)
			members(&j, arg);
		if (cli_json_end(cli, &j) < 0)
			status = 74;
	} else if (cli->verbose >= 0) {
		if (dry(r) && r->diff.len > 0)
			fwrite(r->diff.data, 1, r->diff.len, stdout);
		if (r->lines.len > 0)
			fwrite(r->lines.data, 1, r->lines.len, stdout);
	}
	if (status == 0 && cli->check && r->would_change)
		status = 1;
	cli_result_free(r);
	return status;
}

void
cli_result_free(struct cli_result *r)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		free(r->path[i]);
	r->nfiles = 0;
	am_buf_free(&r->diff);
	am_buf_free(&r->lines);
}

void
cli_result_account_file(struct cli_result *r, const struct am_acct_file *f,
    bool changed)
{
	char *backup = NULL;

	cli_result_file(r, f->path, changed);
	if (changed && asprintf(&backup, "%s-", f->path) >= 0) {
		cli_result_file(r, backup, true);
		free(backup);
	}
}
