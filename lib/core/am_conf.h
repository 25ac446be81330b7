/*
 * am_conf - archmail's own configuration (archmail.conf(5)) and the few
 * parameters of Postfix's main.cf that archmail needs.
 *
 * archmail.conf holds "name = value" lines and '#' comments; an unknown
 * name is an error (AM_E_CONFIG, with file and line), a missing file means
 * the built-in defaults.  main.cf is read with Postfix's syntax (logical
 * lines, "name = value", continuation lines start with whitespace) and
 * parameter values are expanded ($name, ${name}, $(name)) against the file
 * and Postfix's defaults, as Postfix would for the parameters we read.
 */
#ifndef AM_CONF_H
#define AM_CONF_H

#include <stdbool.h>

#include "am_error.h"

enum am_conf_key {
	AM_CONF_POSTFIX_CONFIG_DIR,
	AM_CONF_USERS_MAP,
	AM_CONF_ALIASES_MAP,
	AM_CONF_DOMAIN,
	AM_CONF_DOMAINS,
	AM_CONF_MAIL_HOST,
	AM_CONF_SERVICEDESK_LOCAL,
	AM_CONF_SENDER_MAP,
	AM_CONF_RELAY_GROUP,
	AM_CONF_RELAY_SHELL,
	AM_CONF_RELAY_HOME,
	AM_CONF_PASSWORD_SCHEME,
	AM_CONF_PASSWORD_COST,
	AM_CONF_POSTFWD_CONFIG,
	AM_CONF_POSTFWD_MACRO,
	AM_CONF_POSTFWD_EXTRA_USERS,
	AM_CONF_COUNT
};

struct am_conf {
	char *value[AM_CONF_COUNT];
	bool set[AM_CONF_COUNT];	/* given in the file */
};

/* Built-in defaults only. */
int am_conf_init(struct am_conf *conf, struct am_error *err);
/*
 * Read path over the defaults.  A missing file is an error unless
 * missing_ok (the default path may be absent).
 */
int am_conf_load(struct am_conf *conf, const char *path, bool missing_ok,
    struct am_error *err);
void am_conf_free(struct am_conf *conf);
const char *am_conf_get(const struct am_conf *conf, enum am_conf_key key);
const char *am_conf_name(enum am_conf_key key);

/* main.cf */
struct am_postconf_param {
	char *name;
	char *value;
	long line;			/* main.cf line of the setting */
};

struct am_postconf {
	struct am_postconf_param *param;
	size_t count;
	char *path;
	bool found;			/* main.cf existed */
	char hostname[256];		/* for $myhostname's default */
	/*
	 * NULL or the root directory of the host: its /etc/passwd,
	 * /etc/group and myorigin file are what main.cf is checked against.
	 */
	char *root;
};

/*
 * Read DIR/main.cf and check it with am_postconf_check().  A missing
 * main.cf gives Postfix's defaults (real Postfix refuses to run; archmail
 * need not).  hostname is what
 * gethostname() said, used for the myhostname default.
 */
int am_postconf_load(struct am_postconf *pc, const char *config_dir,
    const char *hostname, struct am_error *err);
/* The same for the host under root (NULL: the machine itself). */
int am_postconf_load_at(struct am_postconf *pc, const char *config_dir,
    const char *hostname, const char *root, struct am_error *err);
void am_postconf_free(struct am_postconf *pc);
/*
 * Refuse main.cf as Postfix's postmap and postalias do when they start:
 * every parameter they evaluate must expand without error, its booleans
 * must be yes or no and its numbers numbers, whether archmail uses the
 * parameter or not.  am_postconf_load() calls it; AM_E_CONFIG naming
 * main.cf and the line of the setting at fault.
 */
int am_postconf_check(const struct am_postconf *pc, struct am_error *err);
/*
 * The part of am_postconf_check() that looks at the host, as Postfix does
 * at start-up: syslog_facility, maillog_file, inet_protocols, the myorigin file,
 * mail_owner, setgid_group and default_privs (when main.cf names one of
 * them), mynetworks_style, inet_interfaces, the VERP delimiters
 * (am_postconf_host.c).
 */
int am_postconf_check_host(const struct am_postconf *pc,
    struct am_error *err);
/*
 * Evaluate a parameter as Postfix 3.7 does: $name, ${name}, $(name),
 * ${name?value}, ${name:value} with and without braces, and
 * ${{expr} op {expr} ? {a} : {b}}; parameters neither set nor built in
 * expand to nothing.  *out is NULL for such a parameter itself.  A malformed
 * expression is an AM_E_CONFIG error naming main.cf and the setting's line.
 */
int am_postconf_eval(const struct am_postconf *pc, const char *name,
    char **out, struct am_error *err);
/*
 * The value Postfix's postmap and postalias go by: expanded when they read
 * the parameter, against main.cf and the defaults of the parameters read
 * before it only (as am_postconf_eval() for one they never read).
 */
int am_postconf_eval_read(const struct am_postconf *pc, const char *name,
    char **out, struct am_error *err);
/* Expanded value (caller frees), or NULL if unset or on error. */
char *am_postconf_get(const struct am_postconf *pc, const char *name);
/*
 * A boolean, its value as am_postconf_eval_read() gives it: only yes or no
 * (any case), as in Postfix; anything else fails with AM_E_CONFIG naming
 * main.cf and the line.
 */
int am_postconf_bool(const struct am_postconf *pc, const char *name,
    bool *out, struct am_error *err);

#endif
