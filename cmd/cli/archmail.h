/*
 * The archmail command layer: option parsing, messages, exit codes.
 *
 * How to add a command:
 *  1. Describe it in cmd/cli_spec.c: its subcommands, each with its
 *     synopsis, summary, options (one line of help each), operand counts
 *     and flags; add it to cli_commands (alphabetical).
 *  2. Write int cmd_NAME(struct am_cli *cli, int argc, char *argv[]) in
 *     cmd/cmd_NAME.c: read the canonical vector cli_parse() made (the
 *     options are known to be valid), call the library, and return
 *     cli_fail(cli, &err) on error.  Keep the logic in lib/.  Add the
 *     file to CMakeLists.txt.
 *  3. Write man/archmail-NAME.8 whose SYNOPSIS matches the synopses;
 *     tests/cli/commands.sh and contract.sh walk the tables.
 */
#ifndef ARCHMAIL_CLI_H
#define ARCHMAIL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "am_conf.h"
#include "am_error.h"
#include "am_host.h"
#include "am_json.h"
#include "cli_opt.h"

#define CLI_MAX_WARNINGS 1000

struct am_cli;

struct cli_command {
	const char *name;
	/*
	 * Runs with the canonical vector of cli_parse(): NAME [SUB] options
	 * -- operands; Postfix's tools get their command line as typed.
	 */
	int (*fn)(struct am_cli *cli, int argc, char *argv[]);
	const char *summary;
	unsigned int flags;
	const struct cli_sub *subs;	/* cli_spec.c */
	size_t nsubs;
	const char *man;		/* "archmail-users(8)" */
};

/* Postfix-compatible exit codes (0/1) instead of sysexits. */
#define CLI_POSTFIX_EXIT 0x1
/* Runs without reading archmail.conf. */
#define CLI_NO_CONFIG 0x2

struct am_cli {
	const char *progname;	/* "archmail", or "postmap" etc. as linked */
	const struct cli_command *command;
	const struct cli_sub *sub;	/* NULL until known */
	bool dry_run;		/* --dry-run, where it applies */
	bool check;		/* --check, where it applies */
	const char *root;	/* "/" unless --root */
	const char *config_path;
	bool json;
	int verbose;		/* -1 quiet, 0 normal, 1+ verbose */
	int lock_timeout_ms;
	struct am_conf conf;
	/* warnings so far, for --json */
	char **warnings;
	size_t nwarnings;
	size_t warning_count;	/* all warnings, JSON or not */
	/* a temporary file to remove when a signal ends the process */
	char *cleanup_path;
	/* root, conf, lock timeout and callbacks, for the library (cli_host) */
	struct am_host host;
	/* non-ASCII shown as '?' in messages (Postfix, smtputf8 off) */
	bool ascii_messages;
};

extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;

const struct cli_command *cli_find_command(const char *name);

/* "NAME: warning: FILE, line N: text" on stderr, and kept for --json. */
void cli_warn(struct am_cli *cli, const struct am_error *warning);
void cli_warnf(struct am_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_info(struct am_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Warning callback for the library. */
void cli_warn_cb(void *ctx, const struct am_error *warning);

/*
 * Report err as "NAME: fatal: ..." (or a JSON failure object) and return
 * the exit status for it.
 */
int cli_fail(struct am_cli *cli, const struct am_error *err);
/* The same, letting add() put command-specific members in the JSON. */
int cli_fail_with(struct am_cli *cli, const struct am_error *err,
    void (*add)(struct am_json *j, void *arg), void *arg);
/* Usage error: message, usage line, status 64 (1 for Postfix's tools). */
int cli_usage_error(struct am_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* --help: usage on stdout, status 0. */
int cli_help(struct am_cli *cli);

/* Start a JSON result with the common keys; finish and print it. */
void cli_json_begin(struct am_cli *cli, struct am_json *j, bool ok);
int cli_json_end(struct am_cli *cli, struct am_json *j);

/*
 * Fill cli->host from the options and archmail.conf: the library reports
 * warnings, -v notes and temporary files back through it.
 */
void cli_host_init(struct am_cli *cli);

/* ROOT-prefixed path of a file archmail finds by itself (caller frees). */
char *cli_root_path(const struct am_cli *cli, const char *path);
/* Postfix's configuration directory: -c, $MAIL_CONFIG, ROOT/etc/postfix */
char *cli_postfix_config_dir(const struct am_cli *cli, const char *option);

/*
 * Remove a temporary file if SIGINT/SIGTERM/SIGHUP arrives.  Call
 * cli_guard_signals() before the library creates the file (it holds those
 * signals back), cli_set_cleanup() from the library's temp_created
 * callback (arms the removal, lets the signals through), and
 * cli_clear_cleanup() when the file is renamed or gone.
 */
void cli_guard_signals(struct am_cli *cli);
void cli_set_cleanup(struct am_cli *cli, const char *path);
void cli_clear_cleanup(struct am_cli *cli);

int cmd_alias(struct am_cli *cli, int argc, char *argv[]);
int cmd_check(struct am_cli *cli, int argc, char *argv[]);
int cmd_completion(struct am_cli *cli, int argc, char *argv[]);
int cmd_dkim(struct am_cli *cli, int argc, char *argv[]);
int cmd_help(struct am_cli *cli, int argc, char *argv[]);
int cmd_passwd(struct am_cli *cli, int argc, char *argv[]);
int cmd_postfwd(struct am_cli *cli, int argc, char *argv[]);
int cmd_relay(struct am_cli *cli, int argc, char *argv[]);
int cmd_users(struct am_cli *cli, int argc, char *argv[]);
int cmd_newaliases(struct am_cli *cli, int argc, char *argv[]);
int cmd_postalias(struct am_cli *cli, int argc, char *argv[]);
int cmd_postmap(struct am_cli *cli, int argc, char *argv[]);

#endif
