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

/* Alphabetical.  The usage text is also the man page's SYNOPSIS. */
const struct cli_command cli_commands[] = {
	{ "alias", cmd_alias,
	    "archmail alias list\n"
	    "       archmail alias add NAME VALUE[,VALUE...] [--replace] "
	    "[--no-compile] [--dry-run | --check]\n"
	    "       archmail alias remove NAME [--dry-run | --check]\n"
	    "       archmail alias servicedesk NAME --group GROUP "
	    "--project PROJECT --project-id N [--replace] "
	    "[--dry-run | --check]",
	    "Edit the aliases file and rebuild its table.", 0 },
	{ "dkim", cmd_dkim,
	    "archmail dkim keygen [-s selector] [-d domain] "
	    "[-t rsa|ed25519] [-b bits] [-k keyfile] "
	    "[-o zone|dnskey|plain|txt|strings|terraform|json] [-f] "
	    "[--key-format pem|pkcs1|der|rspamd] [--priv-output pem|der] "
	    "[--ttl N] [--fqdn] [--mode MODE] [--group GROUP]\n"
	    "       archmail dkim record -k keyfile [-s selector] "
	    "[-d domain] [-o FORMAT] [--ttl N] [--fqdn]\n"
	    "       archmail dkim convert -k keyfile --key-format FORMAT "
	    "-O outfile [-f]\n"
	    "       archmail dkim check -k keyfile -s selector -d domain "
	    "(--record TEXT | --record-file FILE)",
	    "Generate DKIM keys and their DNS records.", CLI_CRYPTO },
	{ "help", cmd_help, "archmail help [COMMAND]",
	    "Show the commands, or the usage of one command.", CLI_NO_CONFIG },
	{ "newaliases", cmd_newaliases,
	    "archmail newaliases [-c config_dir] [--strict]",
	    "Compile every table in main.cf's alias_database.",
	    CLI_POSTFIX_EXIT },
	{ "passwd", cmd_passwd,
	    "archmail passwd clear USER [--allow-nullok] [--system] "
	    "[--dry-run | --check]\n"
	    "       archmail passwd set USER (--password-stdin | "
	    "--password-fd N) [--scheme yescrypt|sha512] [--cost N] "
	    "[--rounds N]\n"
	    "       archmail passwd status USER",
	    "Reset or set a user's password, PAM-safely.", CLI_CRYPTO },
	{ "postalias", cmd_postalias,
	    "archmail postalias [-fimnNoprsuvw] [-c config_dir] [-d key] "
	    "[-q key] [--strict] [type:]file...",
	    "Compile, query or change aliases(5) tables, as postalias(1).",
	    CLI_POSTFIX_EXIT },
	{ "postfwd", cmd_postfwd,
	    "archmail postfwd sync [--init] [--dry-run | --check]",
	    "Rewrite the managed relay-host block of postfwd.cf.", 0 },
	{ "postmap", cmd_postmap,
	    "archmail postmap [-fFimnNoprsuvw] [-c config_dir] [-d key] "
	    "[-q key] [--strict] [type:]file...",
	    "Compile, query or change lookup tables, as postmap(1).",
	    CLI_POSTFIX_EXIT },
	{ "relay", cmd_relay,
	    "archmail relay add HOST (--password-stdin | --password-fd N | "
	    "--generate) [--scheme yescrypt|sha512] [--cost N] [--rounds N] "
	    "[--client-file FILE] [--no-postfwd] [--no-sender-map] "
	    "[--dry-run | --check]\n"
	    "       archmail relay rotate HOST (--password-stdin | "
	    "--password-fd N | --generate) [--client-file FILE]\n"
	    "       archmail relay remove HOST [--delete] "
	    "[--dry-run | --check]\n"
	    "       archmail relay list",
	    "Manage SMTP relay accounts of other hosts.", CLI_CRYPTO },
	{ "users", cmd_users,
	    "archmail users list [--category NAME]\n"
	    "       archmail users categories\n"
	    "       archmail users add ADDRESS DEST[,DEST...] "
	    "[--category NAME | --new-category NAME] [--note TEXT] [--date] "
	    "[--replace] [--any-domain] [--no-compile] "
	    "[--dry-run | --check]\n"
	    "       archmail users remove ADDRESS [--dry-run | --check]\n"
	    "       archmail users forward USER [DEST...] [--clear] "
	    "[--keep-copy] [--dry-run | --check]",
	    "Edit the virtual user map, forwards, and rebuild the table.",
	    0 },
};
const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_command *
cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

static void
print_global_usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: %s\n       archmail help [COMMAND]\n"
	    "       archmail --help | --version\n\ncommands:\n",
	    GLOBAL_USAGE);
	for (i = 0; i < cli_ncommands; i++)
		fprintf(fp, "  %-12s %s\n", cli_commands[i].name,
		    cli_commands[i].summary);
}

int
cmd_help(struct am_cli *cli, int argc, char *argv[])
{
	const struct cli_command *c;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return cli_help(cli);
	if (argc > 2)
		return cli_usage_error(cli, "too many arguments");
	if (argc == 1) {
		print_global_usage(stdout);
		return 0;
	}
	if ((c = cli_find_command(argv[1])) == NULL)
		return cli_usage_error(cli, "unknown command \"%s\"", argv[1]);
	printf("usage: %s\n", c->usage);
	if (c->summary != NULL)
		printf("\n%s\n", c->summary);
	return 0;
}

static int
parse_global_options(struct am_cli *cli, int argc, char *argv[])
{
	enum { OPT_ROOT = 256, OPT_CONFIG, OPT_JSON, OPT_LOCK, OPT_HELP,
	    OPT_VERSION };
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "lock-timeout", required_argument, NULL, OPT_LOCK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+qv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			cli->root = optarg;
			break;
		case OPT_CONFIG:
			cli->config_path = optarg;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case OPT_LOCK:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 0 || n > 86400) {
				fprintf(stderr, "archmail: bad --lock-timeout "
				    "\"%s\"\n", optarg);
				return -EX_USAGE;
			}
			cli->lock_timeout_ms = (int)n * 1000;
			break;
		case 'q':
			cli->verbose = -1;
			break;
		case 'v':
			cli->verbose++;
			break;
		case OPT_HELP:
			print_global_usage(stdout);
			return -0x100;
		case OPT_VERSION:
			printf("archmail %s\n", ARCHMAIL_VERSION);
			return -0x100;
		default:
			fprintf(stderr, "archmail: unknown option \"%s\"\n",
			    argv[optind - 1]);
			print_global_usage(stderr);
			return -EX_USAGE;
		}
	}
	return optind;
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

/* "--help" needs no configuration: a broken one must not hide the usage. */
static bool
asks_for_help(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0)
			return true;
	return false;
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
	cli->json = false;	/* stdout is what failed */
	fprintf(stderr, "%s: fatal: %s\n", cli->progname, err.message);
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
	int status, first;

	memset(&cli, 0, sizeof(cli));
	cli.root = "/";
	cli.lock_timeout_ms = 10000;
	cli.progname = "archmail";

	/* Installed as postmap, postalias or newaliases: that command. */
	if ((cli.command = cli_find_command(invoked)) != NULL &&
	    (cli.command->flags & CLI_POSTFIX_EXIT)) {
		cli.progname = cli.command->name;
		first = 0;
	} else {
		cli.command = NULL;
		first = parse_global_options(&cli, argc, argv);
		if (first < 0)
			return first == -0x100 ? finish_stdout(&cli, 0) :
			    -first;
		if (first >= argc) {
			print_global_usage(stderr);
			return EX_USAGE;
		}
		if ((cli.command = cli_find_command(argv[first])) == NULL) {
			fprintf(stderr, "archmail: unknown command \"%s\"\n",
			    argv[first]);
			print_global_usage(stderr);
			return EX_USAGE;
		}
	}
	if (!(cli.command->flags & CLI_NO_CONFIG) &&
	    !asks_for_help(argc - first, argv + first) &&
	    (status = load_config(&cli)) != 0) {
		free_cli(&cli);
		return status;
	}
	if ((cli.command->flags & CLI_CRYPTO) && (status = load_crypto(&cli))
	    != 0) {
		free_cli(&cli);
		return status;
	}
	optind = 0;	/* reset getopt for the command */
	status = cli.command->fn(&cli, argc - first, argv + first);
	status = finish_stdout(&cli, status);
	free_cli(&cli);
	return status;
}
