/*
 * archmail users: not built yet (see the project's issues).  The command is
 * registered so that its usage and man page can be written first.
 */
#include "archmail.h"

#include <string.h>

int
cmd_users(struct am_cli *cli, int argc, char *argv[])
{
	struct am_error err;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return cli_help(cli);
	am_error_clear(&err);
	am_error_set(&err, AM_E_INTERNAL, "archmail users is not implemented yet");
	return cli_fail(cli, &err);
}
