/*
 * The password options relay add|rotate and passwd set share:
 * --password-stdin, --password-fd N, --generate, --scheme, --cost,
 * --rounds, parsed into a struct am_pw_opts (am_pw.h) that the library
 * turns into a policy (am_pw_policy()) and a password (am_pw_read()).
 *
 *	case OPT_PASSWORD_FD: ...
 *	default: if ((status = cli_password_opt(cli, &o.pw, c, optarg)))
 *		return status;
 */
#ifndef ARCHMAIL_CLI_PASSWORD_H
#define ARCHMAIL_CLI_PASSWORD_H

#include "am_pw.h"
#include "archmail.h"

/*
 * getopt_long values: the password options, then the ones every command
 * that takes them also has (--dry-run, --check; passwd's --allow-nullok).
 * A command's own options start at OPT_PASSWORD_NEXT.
 */
enum {
	OPT_PASSWORD_STDIN = 256,
	OPT_PASSWORD_FD,
	OPT_GENERATE,
	OPT_SCHEME,
	OPT_COST,
	OPT_ROUNDS,
	OPT_DRY_RUN,
	OPT_CHECK,
	OPT_ALLOW_NULLOK,
	OPT_PASSWORD_NEXT,
};

/*
 * Record password option opt (one of the first six above; others are
 * ignored) with its argument in o.  0, or an exit status already
 * reported (two password sources, a bad descriptor number).
 */
int cli_password_opt(struct am_cli *cli, struct am_pw_opts *o, int opt,
    const char *arg);

#endif
