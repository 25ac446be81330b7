/*
 * archmail: the command table, global options and dispatch.
 */
#include "archmail.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "am_ossl.h"

#define GLOBAL_USAGE \
	"archmail [--root DIR] [--config FILE] [--json] [-q | -v] " \
	"[--lock-timeout SECONDS] COMMAND [ARGS...]"

const struct cli_command *
cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

void
cli_print_global_help(const struct am_cli *cli, FILE *fp)
{
	struct am_json j;
	size_t i;

	if (cli->json && fp == stdout) {
		cli_json_begin((struct am_cli *)cli, &j, true);
		am_json_array_begin(&j, "commands");
		for (i = 0; i < cli_ncommands; i++)
			am_json_string(&j, NULL, cli_commands[i].name);
		am_json_array_end(&j);
		am_json_string(&j, "man", "archmail(8)");
		(void)cli_json_end((struct am_cli *)cli, &j);
		return;
	}
	fprintf(fp, "usage: %s\n"
	    "       archmail help [COMMAND [SUBCOMMAND]]\n"
	    "       archmail completion bash\n"
	    "       archmail --help | --version\n\n"
	    "\"archmail COMMAND --help\" shows the options of a command.  "
	    "See archmail(8).\n\ncommands:\n", GLOBAL_USAGE);
	for (i = 0; i < cli_ncommands; i++)
		fprintf(fp, "  %-12s %s\n", cli_commands[i].name,
		    cli_commands[i].summary);
}

/* help [COMMAND [SUBCOMMAND]]: what COMMAND [SUBCOMMAND] --help prints. */
int
cmd_help(struct am_cli *cli, int argc, char *argv[])
{
	const struct cli_command *c, *self = cli->command;
	const struct cli_sub *sub = NULL;
	int i = 1;
	size_t k;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		cli->command = NULL;
		cli->sub = NULL;
		cli_print_global_help(cli, stdout);
		return 0;
	}
	if ((c = cli_find_command(argv[i])) == NULL)
		return cli_usage_error(cli, "help: unknown command \"%s\"",
		    argv[i]);
	cli->command = c;
	if (i + 1 < argc) {
		for (k = 0; k < c->nsubs; k++)
			if (c->subs[k].name != NULL &&
			    strcmp(c->subs[k].name, argv[i + 1]) == 0)
				sub = &c->subs[k];
		if (sub == NULL) {
			cli->command = self;
			return cli_usage_error(cli, "help: %s has no "
			    "subcommand \"%s\"", c->name, argv[i + 1]);
		}
	}
	cli->sub = sub;
	cli_print_help(cli, sub);
	return 0;
}

int
cmd_completion(struct am_cli *cli, int argc, char *argv[])
{
	struct am_json j;
	char *script = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (strcmp(argv[argc - 1], "bash") != 0)
		return cli_usage_error(cli, "completion: only \"bash\" is "
		    "known");
	if (!cli->json)
		return cli_complete_bash(stdout);
	/* With --json the script is a member of the one object. */
	if ((fp = open_memstream(&script, &len)) == NULL)
		return 70;
	rc = cli_complete_bash(fp);
	if (fclose(fp) != 0 || rc != 0) {
		free(script);
		return 70;
	}
	cli_json_begin(cli, &j, true);
	am_json_string(&j, "script", script);
	free(script);
	return cli_json_end(cli, &j) < 0 ? 74 : 0;
}

static int
load_config(struct am_cli *cli)
{
	struct am_error err;
	char *path;
	int rc;

	am_error_clear(&err);
	if (am_conf_init(&cli->conf, &err) < 0)
		return cli_fail(cli, &err);
	if (cli->config_path != NULL)
		return am_conf_load(&cli->conf, cli->config_path, false,
		    &err) < 0 ? cli_fail(cli, &err) : 0;
	if ((path = cli_root_path(cli, "/etc/archmail.conf")) == NULL) {
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		return cli_fail(cli, &err);
	}
	rc = am_conf_load(&cli->conf, path, true, &err);
	free(path);
	if (rc < 0) {
		/* A broken config is a configuration error, not bad data. */
		if (err.code == AM_E_NOINPUT || err.code == AM_E_IO)
			err.code = AM_E_CONFIG;
		return cli_fail(cli, &err);
	}
	return 0;
}

/* OpenSSL is loaded only by the commands that use it (lib/am_ossl.h). */
static int
load_crypto(struct am_cli *cli)
{
	struct am_error err;

	am_error_clear(&err);
	if (am_ossl_load(&err) < 0)
		return cli_fail(cli, &err);
	return 0;
}

/* Flush stdout and report a failed write (full disk, I/O error). */
static int
finish_stdout(struct am_cli *cli, int status)
{
	struct am_error err;

	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno == EPIPE)
		return status;
	am_error_clear(&err);
	am_error_set_errno(&err, AM_E_IO, errno, "write error on stdout");
	fprintf(stderr, "%s: fatal: %s\n", cli->progname, err.message);
	/*
	 * A pipeline that asked for JSON has no result to read: that is an
	 * I/O error whatever the command did (archmail(8), JSON OUTPUT).
	 */
	if (cli->json && !(cli->command &&
	    (cli->command->flags & CLI_POSTFIX_EXIT)))
		return EX_IOERR;
	return status != 0 ? status :
	    ((cli->command && (cli->command->flags & CLI_POSTFIX_EXIT)) ?
	    1 : EX_IOERR);
}

static void
free_cli(struct am_cli *cli)
{
	size_t i;

	for (i = 0; i < cli->nwarnings; i++)
		free(cli->warnings[i]);
	free(cli->warnings);
	am_conf_free(&cli->conf);
}

int
main(int argc, char *argv[])
{
	struct am_cli cli;
	const char *invoked = argc > 0 ? basename(argv[0]) : "archmail";
	char **cargv = NULL;
	int status, first = 0, cargc = 0;

	memset(&cli, 0, sizeof(cli));
	cli.root = "/";
	cli.lock_timeout_ms = 10000;
	cli.progname = "archmail";

	/* Installed as postmap, postalias or newaliases: that command. */
	if ((cli.command = cli_find_command(invoked)) != NULL &&
	    (cli.command->flags & CLI_POSTFIX_EXIT)) {
		cli.progname = cli.command->name;
		cli.sub = &cli.command->subs[0];
	} else {
		cli.command = NULL;
		if ((status = cli_parse(&cli, argc, argv, &first, &cargc,
		    &cargv)) != 0) {
			status = finish_stdout(&cli, status - 1);
			free_cli(&cli);
			return status;
		}
	}
	if (!(cli.command->flags & CLI_NO_CONFIG) &&
	    (status = load_config(&cli)) != 0)
		goto out;
	if ((cli.sub->flags & CLI_SUB_CRYPTO) &&
	    (status = load_crypto(&cli)) != 0)
		goto out;
	cli_host_init(&cli);
	optind = 0;	/* reset getopt for the command */
	if (cargv != NULL)
		status = cli.command->fn(&cli, cargc, cargv);
	else
		status = cli.command->fn(&cli, argc - first, argv + first);
out:
	status = finish_stdout(&cli, status);
	cli_free_argv(cargc, cargv);
	free_cli(&cli);
	return status;
}
