/*
 * The declarative command line (cli_opt.h): parsing against the tables,
 * help, usage errors with the nearest valid spelling, and the canonical
 * argument vector the commands read.
 */
#include "archmail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "am_buf.h"

enum global_id { G_ROOT, G_CONFIG, G_JSON, G_QUIET, G_VERBOSE, G_LOCK,
    G_DRY_RUN, G_CHECK, G_HELP };

/* Same order as enum global_id. */
const struct cli_opt cli_global_opts[] = {
	{ 0, "root", "DIR", "prefix for every file archmail finds by itself" },
	{ 0, "config", "FILE", "archmail.conf to read (default "
	    "ROOT/etc/archmail.conf)" },
	{ 0, "json", NULL, "one JSON object on stdout (see archmail(8))" },
	{ 'q', "quiet", NULL, "no result lines" },
	{ 'v', "verbose", NULL, "also say what is read, locked and written" },
	{ 0, "lock-timeout", "SECONDS", "wait at most this long for a lock "
	    "(default 10), then exit 75" },
	{ 0, "dry-run", NULL, "show the diff of what would change; write "
	    "nothing" },
	{ 0, "check", NULL, "like --dry-run, but exit 1 when something "
	    "would change" },
	{ 'h', "help", NULL, "this help" },
	{ 0, NULL, NULL, NULL },
};

/* The parse in progress. */
struct parse {
	struct am_cli *cli;
	const struct cli_sub *sub;
	bool help;
	char **opts;		/* canonical options, in order */
	int nopts;
	char **operands;
	int noperands;
};

/*
 * For suggestions and help: --dry-run and --check belong to the
 * subcommands that change files.  They are parsed anywhere (even before
 * the command, when the subcommand is not known yet) and refused after
 * the parse where they do not apply.
 */
static bool
global_applies(const struct cli_sub *sub, enum global_id id)
{
	if (id == G_DRY_RUN || id == G_CHECK)
		return sub == NULL || (sub->flags & CLI_SUB_MODIFIES);
	return true;
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev :
			    row[j - 1]) : (row[j] < row[j - 1] ? row[j] :
			    row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
cli_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	size_t i, d, best_d = 3, wlen = strlen(word), nprefix = 0;

	for (i = 0; i < n; i++) {
		if (wlen > 0 && strncmp(candidates[i], word, wlen) == 0) {
			prefix = candidates[i];
			nprefix++;
		}
		d = distance(word, candidates[i]);
		if (d < best_d && d < strlen(candidates[i])) {
			best_d = d;
			best = candidates[i];
		}
	}
	if (best != NULL)
		return best;
	return nprefix == 1 ? prefix : NULL;
}

/* "users add" or "users" or "help". */
static void
invocation_name(const struct am_cli *cli, const struct cli_sub *sub,
    char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", cli->command->name,
	    sub != NULL && sub->name != NULL ? " " : "",
	    sub != NULL && sub->name != NULL ? sub->name : "");
}

void
cli_print_usage(FILE *fp, const struct am_cli *cli, const struct cli_sub *sub)
{
	const struct cli_command *c = cli->command;
	size_t i;

	if (sub != NULL) {
		fprintf(fp, "usage: %s\n", sub->synopsis);
		return;
	}
	for (i = 0; i < c->nsubs; i++)
		fprintf(fp, "%s %s\n", i == 0 ? "usage:" : "      ",
		    c->subs[i].synopsis);
}

static void
help_option(struct am_buf *b, const struct cli_opt *o)
{
	char spec[64];

	if (o->short_name != 0 && o->long_name != NULL)
		snprintf(spec, sizeof(spec), "-%c, --%s%s%s", o->short_name,
		    o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
	else if (o->long_name != NULL)
		snprintf(spec, sizeof(spec), "--%s%s%s", o->long_name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(spec, sizeof(spec), "-%c%s%s", o->short_name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	am_buf_printf(b, "  %-28s %s\n", spec, o->help);
}

/* The whole help text of a group (sub NULL) or a subcommand. */
static void
help_text(const struct am_cli *cli, const struct cli_sub *sub,
    struct am_buf *b)
{
	const struct cli_command *c = cli->command;
	const struct cli_opt *o;
	size_t i;

	if (sub == NULL && c->nsubs == 1 && c->subs[0].name == NULL)
		sub = &c->subs[0];
	if (sub == NULL) {
		for (i = 0; i < c->nsubs; i++)
			am_buf_printf(b, "%s %s\n", i == 0 ? "usage:" :
			    "      ", c->subs[i].synopsis);
		am_buf_printf(b, "\n%s\n\nSubcommands:\n", c->summary);
		for (i = 0; i < c->nsubs; i++)
			am_buf_printf(b, "  %-14s %s\n", c->subs[i].name,
			    c->subs[i].summary);
		am_buf_printf(b, "\n\"archmail %s SUBCOMMAND --help\" shows "
		    "the options of one.\n", c->name);
	} else {
		am_buf_printf(b, "usage: %s\n\n%s\n", sub->synopsis,
		    sub->summary);
		if ((sub->opts != NULL && (sub->opts[0].long_name != NULL ||
		    sub->opts[0].short_name != 0)) ||
		    (sub->flags & CLI_SUB_MODIFIES))
			am_buf_adds(b, "\nOptions:\n");
		for (o = sub->opts; o != NULL && (o->long_name != NULL ||
		    o->short_name != 0); o++)
			help_option(b, o);
		if (sub->flags & CLI_SUB_MODIFIES) {
			help_option(b, &cli_global_opts[G_DRY_RUN]);
			help_option(b, &cli_global_opts[G_CHECK]);
		}
	}
	am_buf_adds(b, "\nGlobal options (before or after the command):\n");
	for (i = 0; i <= G_LOCK; i++)
		help_option(b, &cli_global_opts[i]);
	help_option(b, &cli_global_opts[G_HELP]);
	am_buf_printf(b, "\nSee %s.\n", c->man);
}

void
cli_print_help(struct am_cli *cli, const struct cli_sub *sub)
{
	struct am_buf b = AM_BUF_INIT;
	struct am_json j;

	help_text(cli, sub, &b);
	if (b.data == NULL)
		return;
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_string(&j, "help", b.data);
		am_json_string(&j, "man", cli->command->man);
		(void)cli_json_end(cli, &j);
	} else {
		fputs(b.data, stdout);
	}
	am_buf_free(&b);
}

/* Report a usage error of this parse: 1 + the exit status. */
static int usage(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage(struct parse *p, const char *fmt, ...)
{
	char name[128], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->cli->command == NULL)
		return 1 + cli_usage_error(p->cli, "%s", msg);
	invocation_name(p->cli, p->sub, name, sizeof(name));
	return 1 + cli_usage_error(p->cli, "%s: %s", name, msg);
}

static int
push(char ***v, int *n, const char *s)
{
	char **nv;

	if ((nv = realloc(*v, (size_t)(*n + 2) * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	nv[++*n] = NULL;
	return 0;
}

static int
set_global(struct parse *p, enum global_id id, const char *value)
{
	struct am_cli *cli = p->cli;
	char *end;
	long n;

	switch (id) {
	case G_ROOT:
		/* "--root $R" with R unset must not mean the live system. */
		if (value[0] == '\0')
			return usage(p, "--root needs a directory (an empty one "
			    "would mean the host's own files; say --root /)");
		cli->root = value;
		break;
	case G_CONFIG:
		cli->config_path = value;
		break;
	case G_JSON:
		cli->json = true;
		break;
	case G_QUIET:
		cli->verbose = -1;
		break;
	case G_VERBOSE:
		if (cli->verbose >= 0)
			cli->verbose++;
		break;
	case G_LOCK:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 0 ||
		    n > 86400)
			return usage(p, "bad --lock-timeout \"%s\" (seconds, "
			    "0 to 86400)", value);
		cli->lock_timeout_ms = (int)n * 1000;
		break;
	case G_DRY_RUN:
		cli->dry_run = true;
		break;
	case G_CHECK:
		cli->check = true;
		break;
	case G_HELP:
		p->help = true;
		break;
	}
	return 0;
}

/* The long names a word could have meant, for "did you mean". */
static const char *
nearest_option(const struct parse *p, const char *word)
{
	const char *names[128];
	const struct cli_opt *o;
	size_t n = 0, i;

	if (p->sub != NULL && p->sub->opts != NULL)
		for (o = p->sub->opts; (o->long_name != NULL ||
		    o->short_name != 0) && n < 100; o++)
			if (o->long_name != NULL)
				names[n++] = o->long_name;
	for (i = 0; cli_global_opts[i].long_name != NULL; i++)
		if (global_applies(p->sub, (enum global_id)i))
			names[n++] = cli_global_opts[i].long_name;
	return cli_nearest(word, names, n);
}

/*
 * Option argv[*i] (which starts with '-').  Sub options come out in long
 * form (or "-x" when they have no long name) into p->opts.
 */
static int
one_option(struct parse *p, int argc, char *argv[], int *i)
{
	const struct cli_opt *o = NULL, *sub_opts = p->sub ? p->sub->opts :
	    NULL;
	const char *arg = argv[*i], *value = NULL, *eq, *near;
	char name[64], shortbuf[3];
	size_t len, k;
	bool global = false, is_long = arg[1] == '-';
	int gi = -1, rc;

	if (is_long) {
		eq = strchr(arg + 2, '=');
		len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, arg + 2, len);
		name[len] = '\0';
		if (eq != NULL)
			value = eq + 1;
		for (k = 0; sub_opts != NULL && (sub_opts[k].long_name !=
		    NULL || sub_opts[k].short_name != 0); k++)
			if (sub_opts[k].long_name != NULL &&
			    strcmp(sub_opts[k].long_name, name) == 0)
				o = &sub_opts[k];
		for (k = 0; o == NULL && cli_global_opts[k].long_name != NULL;
		    k++)
			if (strcmp(cli_global_opts[k].long_name, name) == 0) {
				o = &cli_global_opts[k];
				global = true;
				gi = (int)k;
			}
		if (o == NULL) {
			if ((near = nearest_option(p, name)) != NULL)
				return usage(p, "unknown option \"--%s\"; did "
				    "you mean \"--%s\"?", name, near);
			return usage(p, "unknown option \"--%s\"", name);
		}
		if (o->arg == NULL && value != NULL)
			return usage(p, "option \"--%s\" takes no argument",
			    name);
	} else {
		/* One short option; a cluster is split by the caller. */
		for (k = 0; sub_opts != NULL && (sub_opts[k].long_name !=
		    NULL || sub_opts[k].short_name != 0); k++)
			if (sub_opts[k].short_name == arg[1])
				o = &sub_opts[k];
		for (k = 0; o == NULL && cli_global_opts[k].long_name != NULL;
		    k++)
			if (cli_global_opts[k].short_name == arg[1]) {
				o = &cli_global_opts[k];
				global = true;
				gi = (int)k;
			}
		if (o == NULL)
			return usage(p, "unknown option \"-%c\"", arg[1]);
		snprintf(name, sizeof(name), "%s", o->long_name ?
		    o->long_name : "");
		if (o->arg != NULL && arg[2] != '\0')
			value = arg + 2;
	}
	if (o->arg != NULL && value == NULL) {
		if (*i + 1 >= argc)
			return usage(p, "option \"%s%s\" needs an argument "
			    "(%s)", is_long ? "--" : "-", is_long ? name :
			    (snprintf(shortbuf, sizeof(shortbuf), "%c",
			    arg[1]), shortbuf), o->arg);
		value = argv[++*i];
	}
	if (global && !global_applies(p->sub, (enum global_id)gi))
		return usage(p, "option \"--%s\" does not apply here: this "
		    "subcommand changes nothing", o->long_name);
	if (global)
		return set_global(p, (enum global_id)gi, value);
	if (o->long_name != NULL) {
		snprintf(name, sizeof(name), "--%s", o->long_name);
	} else {
		name[0] = '-';
		name[1] = o->short_name;
		name[2] = '\0';
	}
	rc = push(&p->opts, &p->nopts, name);
	if (rc == 0 && value != NULL)
		rc = push(&p->opts, &p->nopts, value);
	if (rc < 0)
		return usage(p, "out of memory");
	return 0;
}

/* Split "-qv" and "-kFILE" as getopt would, then parse each. */
static int
short_cluster(struct parse *p, int argc, char *argv[], int *i)
{
	const char *arg = argv[*i];
	char one[3] = { '-', 0, 0 };
	const struct cli_opt *o;
	size_t k, n;
	int rc;

	for (n = 1; arg[n] != '\0'; n++) {
		one[1] = arg[n];
		o = NULL;
		for (k = 0; p->sub && p->sub->opts && (p->sub->opts[k].long_name
		    != NULL || p->sub->opts[k].short_name != 0); k++)
			if (p->sub->opts[k].short_name == arg[n])
				o = &p->sub->opts[k];
		for (k = 0; o == NULL && cli_global_opts[k].long_name; k++)
			if (cli_global_opts[k].short_name == arg[n])
				o = &cli_global_opts[k];
		if (o != NULL && o->arg != NULL && arg[n + 1] != '\0') {
			/* The rest of the word is the value. */
			char *tmp[2];
			int j = 0;

			tmp[0] = NULL;
			if (asprintf(&tmp[0], "-%s", arg + n) < 0)
				return usage(p, "out of memory");
			tmp[1] = NULL;
			rc = one_option(p, 1, tmp, &j);
			free(tmp[0]);
			return rc;
		}
		{
			char *tmp[2] = { one, NULL };
			int j = 0;

			if (o != NULL && o->arg != NULL) {
				/* Value in the next word. */
				char *pair[3] = { one, *i + 1 < argc ?
				    argv[*i + 1] : NULL, NULL };
				int np = *i + 1 < argc ? 2 : 1;

				if ((rc = one_option(p, np, pair, &j)) != 0)
					return rc;
				*i += j;
				return 0;
			}
			if ((rc = one_option(p, 1, tmp, &j)) != 0)
				return rc;
		}
	}
	return 0;
}

/* Global options and help before the subcommand's name. */
static int
find_sub(struct parse *p, int argc, char *argv[], int first, int *subpos)
{
	const struct cli_command *c = p->cli->command;
	const char *names[32], *near;
	size_t k;
	int i, rc;

	if (c->nsubs == 1 && c->subs[0].name == NULL) {
		p->sub = &c->subs[0];
		*subpos = -1;
		return 0;
	}
	for (i = first + 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			/* Only global options may come before the name. */
			rc = argv[i][1] == '-' ? one_option(p, argc, argv, &i) :
			    short_cluster(p, argc, argv, &i);
			if (rc != 0)
				return rc;
			continue;
		}
		for (k = 0; k < c->nsubs; k++)
			if (strcmp(c->subs[k].name, argv[i]) == 0) {
				p->sub = &c->subs[k];
				*subpos = i;
				return 0;
			}
		if (p->help)
			return 0;
		for (k = 0; k < c->nsubs && k < 32; k++)
			names[k] = c->subs[k].name;
		if ((near = cli_nearest(argv[i], names, k)) != NULL)
			return usage(p, "unknown subcommand \"%s\"; did you "
			    "mean \"%s\"?", argv[i], near);
		return usage(p, "unknown subcommand \"%s\"", argv[i]);
	}
	if (p->help)
		return 0;
	return usage(p, "missing subcommand");
}

void
cli_free_argv(int argc, char **argv)
{
	int i;

	if (argv == NULL)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* Global options before the command, and the command itself. */
static int
find_command(struct parse *p, int argc, char *argv[], int *first)
{
	const char *names[64], *near;
	size_t k;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			if (p->cli->json) {
				struct am_json j;

				cli_json_begin(p->cli, &j, true);
				am_json_string(&j, "version", ARCHMAIL_VERSION);
				(void)cli_json_end(p->cli, &j);
			} else {
				printf("archmail %s\n", ARCHMAIL_VERSION);
			}
			return 1;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0' &&
		    strcmp(argv[i], "--") != 0) {
			rc = argv[i][1] == '-' ? one_option(p, argc, argv, &i) :
			    short_cluster(p, argc, argv, &i);
			if (rc != 0)
				return rc;
			continue;
		}
		if (strcmp(argv[i], "--") == 0)
			i++;
		break;
	}
	if (i >= argc) {
		if (p->help) {
			cli_print_global_help(p->cli, stdout);
			return 1;
		}
		return usage(p, "missing command");
	}
	if ((p->cli->command = cli_find_command(argv[i])) == NULL) {
		for (k = 0; k < cli_ncommands && k < 64; k++)
			names[k] = cli_commands[k].name;
		if ((near = cli_nearest(argv[i], names, k)) != NULL)
			return usage(p, "unknown command \"%s\"; did you mean "
			    "\"%s\"?", argv[i], near);
		return usage(p, "unknown command \"%s\"", argv[i]);
	}
	*first = i;
	return 0;
}

int
cli_parse(struct am_cli *cli, int argc, char *argv[], int *first,
    int *out_argc, char ***out_argv)
{
	struct parse p;
	char **v = NULL;
	int i, n = 0, subpos = -1, rc, k;
	bool operands_only = false;

	memset(&p, 0, sizeof(p));
	p.cli = cli;
	*out_argc = 0;
	*out_argv = NULL;
	/*
	 * --json anywhere (up to "--") shapes every answer, also a usage
	 * error found before the parse reaches it.
	 */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			cli->json = true;
	if ((rc = find_command(&p, argc, argv, first)) != 0)
		goto out;
	/* Postfix's tools keep Postfix's option rules (their own parser). */
	if (cli->command->flags & CLI_POSTFIX_EXIT) {
		cli->sub = &cli->command->subs[0];
		if (p.help) {
			cli_print_help(cli, NULL);
			rc = 1;
		}
		goto out;
	}
	if ((rc = find_sub(&p, argc, argv, *first, &subpos)) != 0)
		goto out;
	cli->sub = p.sub;
	if (p.help || p.sub == NULL) {
		cli_print_help(cli, p.sub);
		rc = 1;
		goto out;
	}
	for (i = subpos < 0 ? *first + 1 : subpos + 1; i < argc; i++) {
		if (!operands_only && strcmp(argv[i], "--") == 0) {
			operands_only = true;
			continue;
		}
		if (!operands_only && argv[i][0] == '-' && argv[i][1] != '\0') {
			rc = argv[i][1] == '-' ? one_option(&p, argc, argv,
			    &i) : short_cluster(&p, argc, argv, &i);
			if (rc != 0)
				goto out;
			continue;
		}
		if (push(&p.operands, &p.noperands, argv[i]) < 0) {
			rc = usage(&p, "out of memory");
			goto out;
		}
	}
	if (p.help) {
		cli_print_help(cli, p.sub);
		rc = 1;
		goto out;
	}
	if ((cli->dry_run || cli->check) &&
	    !(p.sub->flags & CLI_SUB_MODIFIES)) {
		rc = usage(&p, "option \"--%s\" does not apply here: this "
		    "subcommand changes nothing", cli->dry_run ? "dry-run" :
		    "check");
		goto out;
	}
	if (cli->dry_run && cli->check) {
		rc = usage(&p, "--dry-run and --check exclude each other");
		goto out;
	}
	if (p.noperands < p.sub->min_operands || (p.sub->max_operands >= 0 &&
	    p.noperands > p.sub->max_operands)) {
		rc = usage(&p, "%s (%d given)", p.noperands <
		    p.sub->min_operands ? "missing argument" :
		    "too many arguments", p.noperands);
		goto out;
	}
	/* COMMAND [SUB] options [--dry-run|--check] -- operands */
	rc = push(&v, &n, cli->command->name);
	if (rc == 0 && p.sub->name != NULL)
		rc = push(&v, &n, p.sub->name);
	for (k = 0; rc == 0 && k < p.nopts; k++)
		rc = push(&v, &n, p.opts[k]);
	if (rc == 0 && cli->dry_run)
		rc = push(&v, &n, "--dry-run");
	if (rc == 0 && cli->check)
		rc = push(&v, &n, "--check");
	/* "--" keeps an operand such as "-x" from being read as an option. */
	if (rc == 0 && p.noperands > 0)
		rc = push(&v, &n, "--");
	for (k = 0; rc == 0 && k < p.noperands; k++)
		rc = push(&v, &n, p.operands[k]);
	if (rc < 0) {
		cli_free_argv(n, v);
		rc = usage(&p, "out of memory");
		goto out;
	}
	*out_argc = n;
	*out_argv = v;
	rc = 0;
out:
	cli_free_argv(p.nopts, p.opts);
	cli_free_argv(p.noperands, p.operands);
	return rc;
}

static void
print_opt_words(FILE *fp, const struct cli_opt *o)
{
	for (; o != NULL && (o->long_name != NULL || o->short_name != 0); o++)
		if (o->long_name != NULL)
			fprintf(fp, " --%s", o->long_name);
		else
			fprintf(fp, " -%c", o->short_name);
}

/*
 * A bash completion function from the tables: command names, then
 * subcommand names, then the options of the subcommand (and the global
 * ones).  Words that are option values are skipped when counting the
 * command and subcommand, using the same tables.
 */
int
cli_complete_bash(FILE *fp)
{
	const struct cli_command *c;
	const struct cli_opt *o;
	size_t i, k;

	fprintf(fp, "# bash completion for archmail, generated by "
	    "\"archmail completion bash\"\n"
	    "_archmail() {\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd= sub= i w words\n"
	    "\tlocal valued=\"");
	for (i = 0; cli_global_opts[i].long_name != NULL; i++)
		if (cli_global_opts[i].arg != NULL)
			fprintf(fp, " --%s", cli_global_opts[i].long_name);
	for (i = 0; i < cli_ncommands; i++)
		for (k = 0; k < cli_commands[i].nsubs; k++)
			for (o = cli_commands[i].subs[k].opts; o != NULL &&
			    (o->long_name != NULL || o->short_name != 0); o++)
				if (o->arg != NULL && o->long_name != NULL)
					fprintf(fp, " --%s", o->long_name);
	fprintf(fp, " \"\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]}\n"
	    "\t\tcase \" $valued \" in *\" $w \"*) i=$((i + 1)); continue ;; "
	    "esac\n"
	    "\t\tcase $w in -*) continue ;; esac\n"
	    "\t\tif [ -z \"$cmd\" ]; then cmd=$w; elif [ -z \"$sub\" ]; then "
	    "sub=$w; fi\n"
	    "\tdone\n"
	    "\tcase $cmd in\n"
	    "\t\"\") words=\"");
	for (i = 0; i < cli_ncommands; i++)
		fprintf(fp, "%s%s", i ? " " : "", cli_commands[i].name);
	fprintf(fp, "\" ;;\n");
	for (i = 0; i < cli_ncommands; i++) {
		c = &cli_commands[i];
		if (c->flags & CLI_POSTFIX_EXIT)
			continue;
		fprintf(fp, "\t%s)\n\t\tcase $sub in\n", c->name);
		if (c->nsubs > 0 && c->subs[0].name != NULL) {
			fprintf(fp, "\t\t\"\") words=\"");
			for (k = 0; k < c->nsubs; k++)
				fprintf(fp, "%s%s", k ? " " : "", c->subs[k].name);
			fprintf(fp, "\" ;;\n");
		}
		for (k = 0; k < c->nsubs; k++) {
			fprintf(fp, "\t\t%s) words=\"", c->subs[k].name != NULL ?
			    c->subs[k].name : "*");
			print_opt_words(fp, c->subs[k].opts);
			if (c->subs[k].flags & CLI_SUB_MODIFIES)
				fprintf(fp, " --dry-run --check");
			fprintf(fp, "\" ;;\n");
		}
		fprintf(fp, "\t\tesac ;;\n");
	}
	fprintf(fp, "\tesac\n\twords=\"$words");
	for (i = 0; cli_global_opts[i].long_name != NULL; i++)
		if (i != G_DRY_RUN && i != G_CHECK)
			fprintf(fp, " --%s", cli_global_opts[i].long_name);
	fprintf(fp, "\"\n"
	    "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	    "}\n"
	    "complete -o default -F _archmail archmail\n");
	return 0;
}
