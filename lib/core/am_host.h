/*
 * The host a workflow acts on: the root directory its files live under,
 * archmail.conf, how long to wait for locks, and where warnings, progress
 * notes and temporary-file events go.  The command layer fills one in
 * from its options; a library caller (a test, the Ansible module's
 * helper) fills one in by hand.  Workflows (am_relay, am_passwd,
 * am_edit, ...) take a const struct am_host * and never print.
 *
 *	struct am_host h = AM_HOST_INIT;
 *	h.root = "/srv/sysroot";
 *	h.conf = &conf;			// am_conf_load()
 *	path = am_host_path(&h, "/etc/passwd");	// "/srv/sysroot/etc/passwd"
 */
#ifndef AM_HOST_H
#define AM_HOST_H

#include <stdbool.h>

#include "am_conf.h"
#include "am_error.h"

struct am_host {
	const char *root;		/* NULL or "/": the machine itself */
	const struct am_conf *conf;
	int lock_timeout_ms;		/* negative: wait forever */
	/* All optional (NULL: ignored); ctx is passed back to each. */
	void (*warn)(void *ctx, const struct am_error *warning);
	/* -v: "read", "locked", "wrote", "removed" and the file's path */
	void (*note)(void *ctx, const char *what, const char *path);
	/*
	 * Signal cleanup of temporary files: temp_guard before one is
	 * created (hold signals back), temp_created when it exists (arm its
	 * removal), temp_gone when it is renamed or removed.
	 */
	void (*temp_guard)(void *ctx);
	void (*temp_created)(void *ctx, const char *path);
	void (*temp_gone)(void *ctx);
	void *ctx;
};

#define AM_HOST_INIT { NULL, NULL, 10000, NULL, NULL, NULL, NULL, NULL, NULL }

/*
 * ROOT + PATH for an absolute PATH; a relative PATH is returned as given
 * (it names a file relative to the working directory, as on the command
 * line).  A NULL or "/" root gives PATH.  Caller frees; NULL on ENOMEM.
 */
char *am_root_join(const char *root, const char *path);
char *am_host_path(const struct am_host *h, const char *path);
/* am_host_path() of an archmail.conf setting. */
char *am_host_conf_path(const struct am_host *h, enum am_conf_key key);
const char *am_host_conf(const struct am_host *h, enum am_conf_key key);

/* A warning "FILE, line N: text" (file NULL: none; line 0: none). */
void am_host_warnf(const struct am_host *h, const char *file, long line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void am_host_warn(const struct am_host *h, const struct am_error *warning);
void am_host_note(const struct am_host *h, const char *what,
    const char *path);
void am_host_temp_guard(const struct am_host *h);
void am_host_temp_created(const struct am_host *h, const char *path);
void am_host_temp_gone(const struct am_host *h);

/*
 * Postfix's configuration directory: option (postmap -c) if not NULL,
 * else $MAIL_CONFIG, else ROOT + postfix_config_dir of archmail.conf.
 */
char *am_host_postfix_dir(const struct am_host *h, const char *option);

/* What archmail needs from Postfix's main.cf, read the way Postfix does. */
struct am_postfix_settings {
	bool utf8;			/* smtputf8_enable */
	char *default_type;		/* default_database_type */
	char *myhostname;
	char *alias_database;
};

/*
 * Read main.cf from am_host_postfix_dir(h, option); a missing main.cf
 * gives Postfix's defaults, an unreadable one is an error.
 */
int am_postfix_settings_load(struct am_postfix_settings *ps,
    const struct am_host *h, const char *option, struct am_error *err);
void am_postfix_settings_free(struct am_postfix_settings *ps);

#endif
