/*
 * The option parser (cmd/cli/cli_opt.c cli_parse): the input is split at
 * NUL bytes into argv[1..].  Oracle: no sanitizer report; the parser runs
 * the command (0) or ends the invocation (1 + status, status 0 or 64),
 * and a canonical vector it returns has no NULL word before its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archmail.h"
#include "cli_opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXARGS 32

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct am_cli cli;
	char *copy, *argv[MAXARGS + 2], **cargv = NULL;
	int argc = 1, first = 0, cargc = 0, rc, i;
	size_t pos = 0;

	if (!quiet) {
		/*
		 * Help text: not what is being tested (usage errors go to
		 * stderr; run.sh passes -close_fd_mask=2).
		 */
		if (freopen("/dev/null", "w", stdout) == NULL)
			abort();
		quiet = true;
	}
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = "archmail";
	while (pos < size && argc <= MAXARGS) {
		argv[argc++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	argv[argc] = NULL;
	memset(&cli, 0, sizeof(cli));
	cli.root = "/";
	cli.lock_timeout_ms = 10000;
	cli.progname = "archmail";
	rc = cli_parse(&cli, argc, argv, &first, &cargc, &cargv);
	if (rc != 0 && rc != 1 && rc != 1 + 64)
		abort();
	if (rc == 0 && (cli.command == NULL || cli.sub == NULL))
		abort();
	if (cargv != NULL)
		for (i = 0; i < cargc; i++)
			if (cargv[i] == NULL)
				abort();
	cli_free_argv(cargc, cargv);
	for (i = 0; i < (int)cli.nwarnings; i++)
		free(cli.warnings[i]);
	free(cli.warnings);
	am_conf_free(&cli.conf);
	free(copy);
	return 0;
}
