/* Password options shared by relay and passwd (cli_password.h). */
#include "cli_password.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

int
cli_password_opt(struct am_cli *cli, struct am_pw_opts *o, int opt,
    const char *arg)
{
	char *end;
	long fd;

	if ((opt == OPT_PASSWORD_STDIN || opt == OPT_PASSWORD_FD ||
	    opt == OPT_GENERATE) && o->source != AM_PW_SRC_NONE)
		return cli_usage_error(cli, "give only one of "
		    "--password-stdin, --password-fd and --generate");
	switch (opt) {
	case OPT_PASSWORD_STDIN:
		o->source = AM_PW_SRC_STDIN;
		o->fd = 0;
		break;
	case OPT_PASSWORD_FD:
		errno = 0;
		fd = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || fd < 0 ||
		    fd > INT_MAX)
			return cli_usage_error(cli, "bad file descriptor "
			    "\"%s\"", arg);
		o->source = AM_PW_SRC_FD;
		o->fd = (int)fd;
		break;
	case OPT_GENERATE:
		o->source = AM_PW_SRC_GENERATE;
		break;
	case OPT_SCHEME:
		o->scheme = arg;
		break;
	case OPT_COST:
		o->cost = arg;
		break;
	case OPT_ROUNDS:
		o->rounds = arg;
		break;
	}
	return 0;
}
