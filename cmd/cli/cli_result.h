/*
 * The one result of a command that changes files: built while it runs,
 * printed once at the end, the same way for every command (archmail(8),
 * "RESULTS"; schema/archmail-result.schema.json):
 *
 *	struct cli_result r;
 *	cli_result_init(&r, cli);
 *	cli_result_file(&r, "/etc/postfix/users", true);	every file
 *	cli_result_line(&r, "%s: added", key);		one per object
 *	cli_result_diff(&r, diff, len);		--dry-run / --check
 *	return cli_result_finish(&r, add_members, arg);	prints; frees
 *
 * JSON: ok, command, action, changed (true only when something was
 * written), would_change and diff (with --dry-run/--check), files
 * ({path, changed}), the command's own members, warnings.  Text: the diff
 * (dry runs) and the result lines on stdout, unless -q; with -v, every
 * file checked or written on stderr.  The exit status is 0, 1 for --check
 * with a pending change, or 74 when the JSON cannot be written.
 */
#ifndef ARCHMAIL_CLI_RESULT_H
#define ARCHMAIL_CLI_RESULT_H

#include <stdbool.h>

#include "am_buf.h"
#include "archmail.h"

#define CLI_RESULT_MAX_FILES 16

struct cli_result {
	struct am_cli *cli;
	bool changed;		/* something was written */
	bool would_change;	/* a dry run found something to write */
	struct am_buf diff;
	char *path[CLI_RESULT_MAX_FILES];
	bool file_changed[CLI_RESULT_MAX_FILES];
	size_t nfiles;
	struct am_buf lines;
};

void cli_result_init(struct cli_result *r, struct am_cli *cli);
/*
 * A file the command wrote (changed true: its bytes are new) or checked
 * and left alone.  In a dry run a "changed" file is one that would be
 * written: it counts towards would_change and is reported unchanged.
 */
void cli_result_file(struct cli_result *r, const char *path, bool changed);
/*
 * A change that is not a file's bytes (a home directory made or removed):
 * counts towards changed, or would_change in a dry run.
 */
void cli_result_changed(struct cli_result *r, bool changed);
/* One result line ("NAME: created"); a newline is added. */
void cli_result_line(struct cli_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The unified diff of a dry run (secrets already redacted). */
void cli_result_diff(struct cli_result *r, const char *text, size_t len);
/*
 * Print the result (members() adds the command's own JSON members) and
 * free r.  Returns the exit status.
 */
int cli_result_finish(struct cli_result *r,
    void (*members)(struct am_json *j, void *arg), void *arg);
void cli_result_free(struct cli_result *r);

struct am_acct_file;
/*
 * An account file (passwd, shadow, ...) and, when it changed, its backup
 * FILE- (written first, as shadow-utils does).
 */
void cli_result_account_file(struct cli_result *r,
    const struct am_acct_file *f, bool changed);

#endif
