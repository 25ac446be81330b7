/*
 * Messages, JSON results, exit statuses and paths shared by all commands.
 */
#include "archmail.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "am_utf8.h"

/* The signal handler may only look at these. */
static char cleanup_path[4096];
static volatile sig_atomic_t cleanup_armed;
/* Signals held back between cli_guard_signals() and the arming. */
static sigset_t guard_saved;
static bool guarded;

static void
cleanup_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

static void
unguard(void)
{
	if (guarded) {
		guarded = false;
		sigprocmask(SIG_SETMASK, &guard_saved, NULL);
	}
}

/*
 * Control characters and broken UTF-8 become '?', as in Postfix's logs;
 * with ascii set (Postfix with smtputf8_enable off) every non-ASCII byte
 * does.
 */
static void
print_sanitized(FILE *fp, const char *s, bool ascii)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f) {
			fputc('?', fp);
			p++;
		} else if (*p < 0x80) {
			fputc(*p++, fp);
		} else if (!ascii && (n = am_utf8_seqlen(p,
		    strlen((const char *)p))) > 0) {
			fwrite(p, 1, n, fp);
			p += n;
		} else {
			fputc('?', fp);
			p++;
		}
	}
}

static void
keep_warning(struct am_cli *cli, const char *text)
{
	char **w;

	if (!cli->json || cli->nwarnings >= CLI_MAX_WARNINGS)
		return;
	if ((w = realloc(cli->warnings, (cli->nwarnings + 1) *
	    sizeof(*w))) == NULL)
		return;
	cli->warnings = w;
	if ((w[cli->nwarnings] = strdup(text)) != NULL)
		cli->nwarnings++;
}

void
cli_warn(struct am_cli *cli, const struct am_error *warning)
{
	char cut[2300];
	/* Whole, however long the quoted line: Postfix prints it all. */
	char *whole = am_error_format_alloc(warning);
	const char *text = whole != NULL ? whole :
	    am_error_format(warning, cut, sizeof(cut));

	cli->warning_count++;
	keep_warning(cli, text);
	if (cli->verbose >= 0) {
		fprintf(stderr, "%s: warning: ", cli->progname);
		print_sanitized(stderr, text, cli->ascii_messages);
		fputc('\n', stderr);
	}
	free(whole);
}

void
cli_warn_cb(void *ctx, const struct am_error *warning)
{
	cli_warn(ctx, warning);
}

void
cli_warnf(struct am_cli *cli, const char *fmt, ...)
{
	struct am_error w;
	va_list ap;

	am_error_clear(&w);
	va_start(ap, fmt);
	vsnprintf(w.message, sizeof(w.message), fmt, ap);
	va_end(ap);
	cli_warn(cli, &w);
}

void
cli_info(struct am_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->verbose < 1)
		return;
	fprintf(stderr, "%s: ", cli->progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
exit_status(const struct am_cli *cli, enum am_errcode code)
{
	if (cli->command != NULL && (cli->command->flags & CLI_POSTFIX_EXIT))
		return 1;
	return am_error_exit_status(code);
}

void
cli_json_begin(struct am_cli *cli, struct am_json *j, bool ok)
{
	am_json_init(j);
	am_json_object_begin(j, NULL);
	am_json_bool(j, "ok", ok);
	am_json_string(j, "command",
	    cli->command ? cli->command->name : "archmail");
	if (cli->sub != NULL && cli->sub->name != NULL)
		am_json_string(j, "action", cli->sub->name);
	else
		am_json_null(j, "action");
}

int
cli_json_end(struct am_cli *cli, struct am_json *j)
{
	size_t i;
	int rc = 0;

	am_json_array_begin(j, "warnings");
	for (i = 0; i < cli->nwarnings; i++)
		am_json_string(j, NULL, cli->warnings[i]);
	am_json_array_end(j);
	am_json_object_end(j);
	if (am_json_finish(j) < 0) {
		fprintf(stderr, "%s: fatal: cannot build JSON output\n",
		    cli->progname);
		rc = -1;
	} else {
		fwrite(j->out.data, 1, j->out.len, stdout);
	}
	am_json_free(j);
	return rc;
}

int
cli_fail(struct am_cli *cli, const struct am_error *err)
{
	return cli_fail_with(cli, err, NULL, NULL);
}

int
cli_fail_with(struct am_cli *cli, const struct am_error *err,
    void (*add)(struct am_json *j, void *arg), void *arg)
{
	struct am_json j;
	char text[2300];

	am_error_format(err, text, sizeof(text));
	fprintf(stderr, "%s: fatal: ", cli->progname);
	print_sanitized(stderr, text, cli->ascii_messages);
	fputc('\n', stderr);
	if (cli->json) {
		cli_json_begin(cli, &j, false);
		if (add != NULL)
			add(&j, arg);
		am_json_object_begin(&j, "error");
		am_json_string(&j, "code", am_error_code_name(err->code));
		am_json_string(&j, "message", err->message);
		if (err->file[0] != '\0')
			am_json_string(&j, "file", err->file);
		if (err->line > 0)
			am_json_int(&j, "line", err->line);
		am_json_object_end(&j);
		(void)cli_json_end(cli, &j);
	}
	return exit_status(cli, err->code);
}

int
cli_usage_error(struct am_cli *cli, const char *fmt, ...)
{
	struct am_error err;
	struct am_json j;
	va_list ap;

	am_error_clear(&err);
	err.code = AM_E_USAGE;
	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: ", cli->progname);
	print_sanitized(stderr, err.message, cli->ascii_messages);
	fputc('\n', stderr);
	if (cli->command != NULL)
		cli_print_usage(stderr, cli, cli->sub);
	else
		cli_print_global_help(cli, stderr);
	if (cli->json) {
		cli_json_begin(cli, &j, false);
		am_json_object_begin(&j, "error");
		am_json_string(&j, "code", am_error_code_name(AM_E_USAGE));
		am_json_string(&j, "message", err.message);
		am_json_object_end(&j);
		(void)cli_json_end(cli, &j);
	}
	return exit_status(cli, AM_E_USAGE);
}

int
cli_help(struct am_cli *cli)
{
	cli_print_help(cli, cli->sub);
	return 0;
}

char *
cli_root_path(const struct am_cli *cli, const char *path)
{
	return am_root_join(cli->root, path);
}

char *
cli_postfix_config_dir(const struct am_cli *cli, const char *option)
{
	return am_host_postfix_dir(&cli->host, option);
}

static void
host_warn(void *ctx, const struct am_error *warning)
{
	cli_warn(ctx, warning);
}

static void
host_note(void *ctx, const char *what, const char *path)
{
	cli_info(ctx, "%s %s", what, path);
}

static void
host_temp_guard(void *ctx)
{
	cli_guard_signals(ctx);
}

static void
host_temp_created(void *ctx, const char *path)
{
	cli_set_cleanup(ctx, path);
}

static void
host_temp_gone(void *ctx)
{
	cli_clear_cleanup(ctx);
}

void
cli_host_init(struct am_cli *cli)
{
	cli->host.root = cli->root;
	cli->host.conf = &cli->conf;
	cli->host.lock_timeout_ms = cli->lock_timeout_ms;
	cli->host.warn = host_warn;
	cli->host.note = host_note;
	cli->host.temp_guard = host_temp_guard;
	cli->host.temp_created = host_temp_created;
	cli->host.temp_gone = host_temp_gone;
	cli->host.ctx = cli;
}

static void
on_signal(int sig)
{
	if (cleanup_armed)
		(void)unlink(cleanup_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
cli_set_cleanup(struct am_cli *cli, const char *path)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	(void)cli;
	cleanup_armed = 0;
	snprintf(cleanup_path, sizeof(cleanup_path), "%s", path);
	cleanup_armed = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* A signal the caller ignores (nohup, &) stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	/* A signal that came while the file was being created lands now. */
	unguard();
}

void
cli_guard_signals(struct am_cli *cli)
{
	sigset_t set;

	(void)cli;
	if (guarded)
		return;
	cleanup_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, &guard_saved) == 0)
		guarded = true;
}

void
cli_clear_cleanup(struct am_cli *cli)
{
	(void)cli;
	cleanup_armed = 0;
	unguard();
}
