/*
 * The declarative command line: every command group has a table of
 * subcommands, every subcommand a table of options (name, argument, one
 * line of help).  cli_parse() reads the whole command line against them,
 * so that one piece of code decides, for every command alike:
 *
 *  - where the global options are (before or after the command, up to
 *    "--": --root, --config, --json, -q, -v, --lock-timeout, and
 *    --dry-run/--check for the subcommands that change files);
 *  - -h/--help anywhere: the subcommand's synopsis, one line per option
 *    and "See archmail-GROUP(8)." on stdout, exit 0;
 *  - usage errors: one wording ("archmail: GROUP SUB: unknown option
 *    "--x"; did you mean "--y"?"), the synopsis, exit 64, or one JSON
 *    object with --json.
 *
 * What the command then receives is a canonical argument vector: SUB,
 * its options in long form (with --dry-run/--check put back where they
 * apply), "--", the operands.  The option loops of the commands read only
 * such vectors, which cli_parse() has already checked against the table.
 *
 * Bash completion (cli_complete()) is generated from the same tables.
 */
#ifndef ARCHMAIL_CLI_OPT_H
#define ARCHMAIL_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct am_cli;

struct cli_opt {
	char short_name;	/* 0: none */
	const char *long_name;	/* without "--"; NULL: none */
	const char *arg;	/* the value's name, or NULL for a flag */
	const char *help;
};

/* The subcommand changes files: it takes --dry-run and --check. */
#define CLI_SUB_MODIFIES 0x1
/* The subcommand needs libcrypto (loaded before it runs). */
#define CLI_SUB_CRYPTO 0x2

struct cli_sub {
	const char *name;	/* NULL: a command without subcommands */
	const char *synopsis;	/* "archmail users add ADDRESS ..." */
	const char *summary;
	const struct cli_opt *opts;	/* ends with { 0 } */
	int min_operands, max_operands;	/* max -1: no limit */
	unsigned int flags;
};

/* The global options, for help texts and completion. */
extern const struct cli_opt cli_global_opts[];

/*
 * Parse the whole command line: fills cli's global settings and
 * cli->command, cli->sub, and *out_argc and *out_argv with the canonical
 * vector (allocated, freed with cli_free_argv()).  Returns 0 to run the
 * command, or 1 + exit status when the invocation is complete (help
 * printed: 1 + 0; usage error reported: 1 + 64).  A command without a
 * subcommand table (Postfix's tools) parses its own options: *out_argv
 * is NULL and argv[*first] is the command's name.
 */
int cli_parse(struct am_cli *cli, int argc, char *argv[], int *first,
    int *out_argc, char ***out_argv);
/* "usage: archmail ..." and the command list. */
void cli_print_global_help(const struct am_cli *cli, FILE *fp);
void cli_free_argv(int argc, char **argv);

/* Help of a command group (sub NULL) or of one subcommand, on stdout. */
void cli_print_help(struct am_cli *cli, const struct cli_sub *sub);

/* The usage lines of a command group ("usage: ..." and "       ..."). */
void cli_print_usage(FILE *fp, const struct am_cli *cli,
    const struct cli_sub *sub);

/*
 * The candidate closest to word (edit distance at most 2, or a unique
 * prefix), or NULL: for "did you mean".
 */
const char *cli_nearest(const char *word, const char *const *candidates,
    size_t n);

/* The bash completion script, generated from the tables, on fp. */
int cli_complete_bash(FILE *fp);

#endif
