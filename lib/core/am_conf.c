#include "am_conf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "am_buf.h"
#include "am_file.h"
#include "am_source.h"

static const struct {
	const char *name;
	const char *dflt;	/* NULL: derived from another setting */
} conf_keys[AM_CONF_COUNT] = {
	[AM_CONF_POSTFIX_CONFIG_DIR] = { "postfix_config_dir",
	    "/etc/postfix" },
	[AM_CONF_USERS_MAP] = { "users_map", "/etc/postfix/users" },
	[AM_CONF_ALIASES_MAP] = { "aliases_map", "/etc/postfix/aliases" },
	[AM_CONF_DOMAIN] = { "domain", "archlinux.org" },
	[AM_CONF_DOMAINS] = { "domains", NULL },
	[AM_CONF_MAIL_HOST] = { "mail_host", "mail.archlinux.org" },
	[AM_CONF_SERVICEDESK_LOCAL] = { "servicedesk_local", "gitlab" },
	[AM_CONF_SENDER_MAP] = { "sender_map", "/etc/postfix/smtp_sender_map" },
	[AM_CONF_RELAY_GROUP] = { "relay_group", "nobody" },
	[AM_CONF_RELAY_SHELL] = { "relay_shell", "/usr/bin/nologin" },
	[AM_CONF_RELAY_HOME] = { "relay_home", "/home/%h" },
	[AM_CONF_PASSWORD_SCHEME] = { "password_scheme", "yescrypt" },
	[AM_CONF_PASSWORD_COST] = { "password_cost", "5" },
	[AM_CONF_POSTFWD_CONFIG] = { "postfwd_config",
	    "/etc/postfwd/postfwd.cf" },
	[AM_CONF_POSTFWD_MACRO] = { "postfwd_macro", "SASL_WHITELIST" },
	[AM_CONF_POSTFWD_EXTRA_USERS] = { "postfwd_extra_users", "devnull" },
};

const char *
am_conf_name(enum am_conf_key key)
{
	return conf_keys[key].name;
}

int
am_conf_init(struct am_conf *conf, struct am_error *err)
{
	int i;

	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < AM_CONF_COUNT; i++) {
		if (conf_keys[i].dflt == NULL)
			continue;
		if ((conf->value[i] = strdup(conf_keys[i].dflt)) == NULL) {
			am_conf_free(conf);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
	}
	return 0;
}

void
am_conf_free(struct am_conf *conf)
{
	int i;

	if (conf == NULL)
		return;
	for (i = 0; i < AM_CONF_COUNT; i++)
		free(conf->value[i]);
	memset(conf, 0, sizeof(*conf));
}

const char *
am_conf_get(const struct am_conf *conf, enum am_conf_key key)
{
	if (key == AM_CONF_DOMAINS && conf->value[key] == NULL)
		return conf->value[AM_CONF_DOMAIN];
	return conf->value[key];
}

/* Split "name = value" (whitespace trimmed); false if there is no '='. */
static bool
split_assignment(char *line, char **name, char **value)
{
	char *eq, *end;

	if ((eq = strchr(line, '=')) == NULL)
		return false;
	end = eq;
	while (end > line && am_source_isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	*name = line;
	*value = eq + 1;
	while (am_source_isspace((unsigned char)**value))
		(*value)++;
	end = *value + strlen(*value);
	while (end > *value && am_source_isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return true;
}

int
am_conf_load(struct am_conf *conf, const char *path, bool missing_ok,
    struct am_error *err)
{
	struct am_source src;
	struct am_source_line ll;
	char *name, *value, *copy;
	int i, got, rc = -1;

	if (am_source_open_regular(&src, path, err) < 0) {
		if (missing_ok && err->code == AM_E_NOINPUT &&
		    err->sys_errno == ENOENT) {
			am_error_clear(err);
			return 0;
		}
		err->code = err->code == AM_E_NOINPUT ? AM_E_NOINPUT :
		    AM_E_CONFIG;
		return -1;
	}
	while ((got = am_source_next(&src, &ll, NULL, NULL)) > 0) {
		if (!split_assignment(ll.text, &name, &value) ||
		    *name == '\0') {
			am_error_set_at(err, AM_E_CONFIG, path, ll.first_line,
			    "expected \"name = value\"");
			goto out;
		}
		for (i = 0; i < AM_CONF_COUNT; i++)
			if (strcmp(name, conf_keys[i].name) == 0)
				break;
		if (i == AM_CONF_COUNT) {
			am_error_set_at(err, AM_E_CONFIG, path, ll.first_line,
			    "unknown setting \"%s\"", name);
			goto out;
		}
		if ((copy = strdup(value)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		free(conf->value[i]);
		conf->value[i] = copy;
		conf->set[i] = true;
	}
	if (got < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	am_source_close(&src);
	return rc;
}

/* Append one setting; name and value are trimmed already. */
static int
pc_add(struct am_postconf *pc, const char *name, const char *value, long line,
    struct am_error *err)
{
	struct am_postconf_param *p;

	p = realloc(pc->param, (pc->count + 1) * sizeof(*p));
	if (p == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	pc->param = p;
	p = &pc->param[pc->count];
	p->name = strdup(name);
	p->value = strdup(value);
	p->line = line;
	if (p->name == NULL || p->value == NULL) {
		free(p->name);
		free(p->value);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	pc->count++;
	return 0;
}

/* Finish the logical line in ll (if any): it must be "name = value". */
static int
pc_setting(struct am_postconf *pc, struct am_buf *ll, long line,
    struct am_error *err)
{
	char *name, *value;

	if (ll->len == 0)
		return 0;
	if (am_buf_addc(ll, '\0') < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (!split_assignment(ll->data, &name, &value) || *name == '\0')
		return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "missing '=' after attribute name");
	return pc_add(pc, name, value, line, err);
}

/*
 * main.cf's logical lines as Postfix reads them: blank lines and lines whose
 * first non-blank character is '#' are skipped anywhere; a line starting
 * with white space continues the setting before it, joined by one space
 * (trailing white space of each line and leading white space of the
 * continuation dropped); a continuation with no setting before it is
 * ignored, as Postfix does after a warning.
 */
int
am_postconf_load(struct am_postconf *pc, const char *config_dir,
    const char *hostname, struct am_error *err)
{
	return am_postconf_load_at(pc, config_dir, hostname, NULL, err);
}

int
am_postconf_load_at(struct am_postconf *pc, const char *config_dir,
    const char *hostname, const char *root, struct am_error *err)
{
	struct am_buf ll = AM_BUF_INIT;
	FILE *fp;
	char *buf = NULL, *p, *end;
	size_t cap = 0;
	ssize_t got;
	long lineno = 0, first = 0;
	int rc = -1;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->hostname, sizeof(pc->hostname), "%s",
	    hostname ? hostname : "localhost");
	if (asprintf(&pc->path, "%s/main.cf", config_dir) < 0) {
		pc->path = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (root != NULL && (pc->root = strdup(root)) == NULL) {
		am_postconf_free(pc);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	/* Never a FIFO or a device: a stalled read would hold every lock. */
	if ((fp = am_file_fopen_read(pc->path, 0, err)) == NULL) {
		if (err->sys_errno == ENOENT) {
			am_error_clear(err);
			return 0;
		}
		err->code = AM_E_CONFIG;
		am_postconf_free(pc);
		return -1;
	}
	pc->found = true;
	while ((got = getline(&buf, &cap, fp)) >= 0) {
		lineno++;
		/* Like Postfix, look only at the text before a NUL. */
		end = buf + strlen(buf);
		while (end > buf && am_source_isspace((unsigned char)end[-1]))
			end--;
		*end = '\0';
		for (p = buf; am_source_isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (p != buf) {
			if (ll.len == 0)
				continue;
			if (am_buf_addc(&ll, ' ') < 0 || am_buf_adds(&ll, p) < 0) {
				am_error_set(err, AM_E_NOMEM, "out of memory");
				goto out;
			}
			continue;
		}
		if (pc_setting(pc, &ll, first, err) < 0)
			goto out;
		am_buf_reset(&ll);
		first = lineno;
		if (am_buf_adds(&ll, p) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (ferror(fp)) {
		am_error_set_errno(err, AM_E_CONFIG, errno, "%s", pc->path);
		goto out;
	}
	if (pc_setting(pc, &ll, first, err) < 0)
		goto out;
	if (am_postconf_check(pc, err) < 0)
		goto out;
	rc = 0;
out:
	fclose(fp);
	free(buf);
	am_buf_free(&ll);
	/* A failed load leaves nothing to free. */
	if (rc < 0)
		am_postconf_free(pc);
	return rc;
}

void
am_postconf_free(struct am_postconf *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->count; i++) {
		free(pc->param[i].name);
		free(pc->param[i].value);
	}
	free(pc->param);
	free(pc->path);
	free(pc->root);
	memset(pc, 0, sizeof(*pc));
}

/*
 * Defaults that are not Postfix 3.7's default of a parameter its postmap
 * reads at start-up (those are in postfix_reads[], with their limits):
 * default_database_type and alias_database follow archmail's LMDB-only
 * tables (Debian's Postfix says hash; see archmail-postmap(8)), and
 * alias_maps and config_directory are read later or elsewhere.
 */
static const struct {
	const char *name;
	const char *value;
} postconf_defaults[] = {
	{ "default_database_type", "lmdb" },
	/* Literal, as Debian's hash:/etc/aliases (no loop through a
	 * default_database_type that names alias_database). */
	{ "alias_database", "lmdb:/etc/aliases" },
	{ "alias_maps", "lmdb:/etc/aliases" },
	{ "config_directory", "/etc/postfix" },
};

/*
 * Every parameter Postfix's postmap and postalias evaluate when they
 * start (their mail_params_init()), in the order they read them: a
 * malformed value, a bad boolean or a bad number in any of them makes
 * Postfix refuse main.cf, whether archmail uses that parameter or not.
 * And Postfix expands a parameter against main.cf and the defaults of the
 * parameters read so far only: one neither set nor read yet is undefined,
 * so where smtputf8_enable is read "${mydomain?{yes}:{no}}" is no.
 */
enum pc_type {
	PC_STR,
	PC_HOST,		/* a host name */
	PC_BOOL,
	PC_INT,			/* strtol() that fits an int */
	PC_LONG,
	PC_TIME,		/* a number and a unit: s, m, h, d or w */
	PC_LEVEL,
};

static const struct pc_read {
	const char *name;
	enum pc_type type;
	/*
	 * Postfix's limits, 0 for none (as in Postfix: a limit of 0 is
	 * never checked): a string's length, a number's or a time's value
	 * in seconds.
	 */
	long min, max;
	char unit;		/* a time's unit when its value has none */
	const char *dflt;	/* Postfix's default; NULL: computed */
} postfix_reads[] = {
#include "am_conf_reads.inc"
};

/* An evaluation: where errors point, and a scratch buffer for defaults. */
struct pc_eval {
	const struct am_postconf *pc;
	struct am_error *err;
	long line;			/* line of the parameter asked for */
	struct am_buf host;		/* myhostname's default */
	/*
	 * -1, or how many of postfix_reads[] have been read: the only
	 * parameters with defaults yet.
	 */
	long known;
	size_t work;			/* bytes expanded so far */
	/*
	 * With known >= 0: the string parameters' defaults as Postfix
	 * stores them once it has read them, evaluated (pc_stored()), by
	 * postfix_reads[] index; shared with sub-evaluations.
	 */
	char **stored;
};

#define PC_READS	(sizeof(postfix_reads) / sizeof(postfix_reads[0]))

/* The index of name in postfix_reads[], or -1. */
static long
pc_read_index(const char *name, size_t len)
{
	size_t i;

	/* Every name lookup of an expansion comes here: first bytes first. */
	if (len == 0)
		return -1;
	for (i = 0; i < PC_READS; i++)
		if (postfix_reads[i].name[0] == name[0] &&
		    strlen(postfix_reads[i].name) == len &&
		    memcmp(postfix_reads[i].name, name, len) == 0)
			return (long)i;
	return -1;
}

#define PC_MAX_DEPTH	100
/*
 * Work one evaluation may do (bytes expanded, and a lookup for each
 * expansion): "a = $b$b", "b = $c$c", ... doubles at each of 100 levels,
 * so depth alone would let a short main.cf hang us.
 */
#define PC_MAX_WORK	(256 * 1024)

static int
pc_fail(struct pc_eval *ev, const char *what, const char *text, size_t len)
{
	if (len > 200)
		len = 200;
	return am_error_set_at(ev->err, AM_E_CONFIG, ev->pc->path, ev->line,
	    "%s: \"%.*s\"", what, (int)len, text);
}

static bool
pc_is_set(const struct am_postconf *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->count; i++)
		if (strcmp(pc->param[i].name, name) == 0)
			return true;
	return false;
}

static int pc_host_domain(struct pc_eval *, struct am_buf *);
static int pc_expand(struct pc_eval *, const char *, size_t, struct am_buf *,
    int);

/* main.cf's last assignment of name, or NULL; *line is its line. */
static const char *
pc_setting_of(const struct am_postconf *pc, const char *name, size_t len,
    long *line)
{
	size_t i;

	for (i = pc->count; i > 0; i--)
		if (strlen(pc->param[i - 1].name) == len &&
		    memcmp(pc->param[i - 1].name, name, len) == 0) {
			*line = pc->param[i - 1].line;
			return pc->param[i - 1].value;
		}
	return NULL;
}

/* Postfix's default of name as written (or computed), or NULL. */
static const char *
pc_default(struct pc_eval *ev, const char *name, size_t len)
{
	const struct am_postconf *pc = ev->pc;
	const char *dot;
	size_t i;
	long k;

#define IS(s)	(len == strlen(s) && memcmp(name, s, len) == 0)
	if (IS("myhostname")) {
		/* Postfix qualifies a bare host name with $mydomain. */
		am_buf_reset(&ev->host);
		if (strchr(pc->hostname, '.') != NULL)
			am_buf_adds(&ev->host, pc->hostname);
		else if (!pc_is_set(pc, "mydomain"))
			am_buf_printf(&ev->host, "%s.localdomain",
			    pc->hostname);
		else if (pc_host_domain(ev, &ev->host) < 0) {
			am_buf_reset(&ev->host);
			am_buf_printf(&ev->host, "%s.$mydomain", pc->hostname);
		}
		return ev->host.data != NULL ? ev->host.data : "";
	}
	if (IS("mydomain")) {
		dot = strchr(pc->hostname, '.');
		return dot != NULL && dot[1] != '\0' ? dot + 1 : "localdomain";
	}
	for (i = 0; i < sizeof(postconf_defaults) /
	    sizeof(postconf_defaults[0]); i++)
		if (IS(postconf_defaults[i].name))
			return postconf_defaults[i].value;
#undef IS
	if ((k = pc_read_index(name, len)) >= 0)
		return postfix_reads[k].dflt;
	return NULL;
}

/*
 * The default of postfix_reads[k] as Postfix keeps it after reading it:
 * a string's default evaluated then (against what was known before it,
 * not itself), so that a later "$name" expands that result once more;
 * other types' defaults as written.  A default that fails to evaluate
 * failed when it was read (am_postconf_check() reports that): raw then.
 */
static const char *
pc_stored(struct pc_eval *ev, long k, const char *raw)
{
	struct pc_eval sub;
	struct am_buf buf = AM_BUF_INIT;
	enum pc_type t = postfix_reads[k].type;

	if (raw == NULL || ev->stored == NULL || (t != PC_STR &&
	    t != PC_HOST && t != PC_LEVEL))
		return raw;
	if (ev->stored[k] != NULL)
		return ev->stored[k];
	sub = *ev;
	sub.host = (struct am_buf)AM_BUF_INIT;
	sub.known = k;
	sub.line = 0;
	if (pc_expand(&sub, raw, strlen(raw), &buf, 1) == 0 &&
	    am_buf_addc(&buf, '\0') == 0) {
		ev->stored[k] = buf.data;
		buf.data = NULL;
	}
	ev->work = sub.work;
	am_buf_free(&buf);
	am_buf_free(&sub.host);
	return ev->stored[k] != NULL ? ev->stored[k] : raw;
}

/*
 * The raw value: main.cf's last assignment wins, else Postfix's default
 * (with known >= 0, of a parameter read before only, as Postfix keeps it).
 */
static const char *
pc_raw(struct pc_eval *ev, const char *name, size_t len, long *line)
{
	const char *v;
	long k;

	*line = 0;
	if ((v = pc_setting_of(ev->pc, name, len, line)) != NULL)
		return v;
	if (ev->known < 0)
		return pc_default(ev, name, len);
	k = pc_read_index(name, len);
	if (k < 0 || k >= ev->known)
		return NULL;
	return pc_stored(ev, k, pc_default(ev, name, len));
}


/*
 * myhostname's default for a host name without a dot: the name and
 * main.cf's mydomain, expanded as Postfix does when it computes it:
 * postmap against the parameters read before myhostname, postconf
 * against main.cf's settings only.  '$' doubled: the result is expanded
 * again.  -1 if mydomain does not expand (the caller falls back to
 * "$mydomain" and the error shows there).
 */
static int
pc_host_domain(struct pc_eval *ev, struct am_buf *out)
{
	struct am_error e;
	struct pc_eval sub = { ev->pc, &e, 0, AM_BUF_INIT, 0, 0, ev->stored };
	struct am_buf d = AM_BUF_INIT;
	const char *raw;
	long line, k;
	size_t i;
	int rc = -1;

	if (ev->known >= 0 && (k = pc_read_index("myhostname", 10)) >= 0)
		sub.known = k;
	if ((raw = pc_raw(&sub, "mydomain", 8, &line)) == NULL ||
	    pc_expand(&sub, raw, strlen(raw), &d, 1) < 0 ||
	    am_buf_add(out, ev->pc->hostname, strlen(ev->pc->hostname)) < 0 ||
	    am_buf_addc(out, '.') < 0)
		goto out;
	for (i = 0; i < d.len; i++)
		if ((d.data[i] == '$' && am_buf_addc(out, '$') < 0) ||
		    am_buf_addc(out, d.data[i]) < 0)
			goto out;
	rc = 0;
out:
	am_buf_free(&d);
	am_buf_free(&sub.host);
	return rc;
}

static bool
pc_namechar(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static bool
pc_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* Index past the bracket matching s[i] (an opening one), or 0 if none. */
static size_t
pc_match(const char *s, size_t len, size_t i)
{
	char open = s[i], close = open == '{' ? '}' : ')';
	int level = 0;

	for (; i < len; i++) {
		if (s[i] == open)
			level++;
		else if (s[i] == close && --level == 0)
			return i + 1;
	}
	return 0;
}

/* The expanded value of name into out; false in *defined if unknown. */
static int
pc_param(struct pc_eval *ev, const char *name, size_t len, struct am_buf *out,
    bool *defined, int depth)
{
	const char *v;
	long line;

	if ((v = pc_raw(ev, name, len, &line)) == NULL) {
		*defined = false;
		return 0;
	}
	*defined = true;
	return pc_expand(ev, v, strlen(v), out, depth + 1);
}

/*
 * The tail of a ?: or comparison: "{a}", "{a} : {b}", or bare text which is
 * taken as it stands.  Sets *a and *b (b may be empty) as spans.
 */
static int
pc_branches(struct pc_eval *ev, const char *s, size_t len, const char **a, size_t *alen, const char **b, size_t *blen)
{
	size_t i = 0, e;

	*b = NULL;
	*blen = 0;
	while (i < len && pc_space((unsigned char)s[i]))
		i++;
	if (i == len || s[i] != '{') {
		*a = s;
		*alen = len;
		return 0;
	}
	if ((e = pc_match(s, len, i)) == 0)
		return pc_fail(ev, "unbalanced {", s, len);
	*a = s + i + 1;
	*alen = e - i - 2;
	for (i = e; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if (i == len)
		return 0;
	if (s[i] != ':')
		return pc_fail(ev, "\":\" expected", s + i, len - i);
	for (i++; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if (i == len || s[i] != '{' || (e = pc_match(s, len, i)) == 0)
		return pc_fail(ev, "\"{\" expected", s + i, len - i);
	*b = s + i + 1;
	*blen = e - i - 2;
	for (i = e; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if (i != len)
		return pc_fail(ev, "garbage after \"}\"", s + i, len - i);
	return 0;
}

/* A whole decimal number, surrounding white space allowed. */
static bool
pc_number(const char *s, long long *v)
{
	char *end;

	while (pc_space((unsigned char)*s))
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return false;
	while (pc_space((unsigned char)*end))
		end++;
	return *end == '\0';
}

/*
 * A compatibility level "major[.minor[.patch]]" as three numbers, each
 * read as Postfix does, with strtoul(): a '+' is taken, a '-' is not.
 */
static bool
pc_level(const char *s, long long lv[3])
{
	int i;
	char *end;
	const char *p;

	lv[0] = lv[1] = lv[2] = 0;
	for (i = 0; i < 3; i++) {
		for (p = s; pc_space((unsigned char)*p) || *p == '+'; p++)
			;
		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		lv[i] = (long long)strtoul(s, &end, 10);
		if (errno != 0)
			return false;
		s = end;
		if (*s == '\0')
			return true;
		if (*s != '.')
			return false;
		s++;
	}
	return false;
}

/* ${{e1} op {e2} ? {a} : {b}}: inner is the text between ${ and }. */
static int
pc_compare(struct pc_eval *ev, const char *s, size_t len, struct am_buf *out,
    int depth)
{
	struct am_buf l = AM_BUF_INIT, r = AM_BUF_INIT;
	const char *a, *b, *op;
	size_t alen, blen, oplen, i, e;
	long long ln, rn, lv[3], rv[3];
	int cmp = 0, rc = -1, k;
	bool res, level;

	for (i = 0; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if ((e = pc_match(s, len, i)) == 0) {
		pc_fail(ev, "unbalanced {", s, len);
		goto out;
	}
	if (pc_expand(ev, s + i + 1, e - i - 2, &l, depth + 1) < 0 ||
	    am_buf_addc(&l, '\0') < 0)
		goto out;
	for (i = e; i < len && pc_space((unsigned char)s[i]); i++)
		;
	op = s + i;
	while (i < len && strchr("=!<>", s[i]) != NULL)
		i++;
	if (len - i >= 5 && memcmp(s + i, "level", 5) == 0)
		i += 5;
	oplen = (size_t)(s + i - op);
	level = oplen > 5 && memcmp(op + oplen - 5, "level", 5) == 0;
#define OP(x)	(oplen - (level ? 5 : 0) == strlen(x) && \
	    memcmp(op, x, strlen(x)) == 0)
	if (!(OP("==") || OP("!=") || OP("<") || OP("<=") || OP(">") ||
	    OP(">=")) || (level && (OP("==") || OP("!=")))) {
		pc_fail(ev, "comparison operator expected", op,
		    len - (size_t)(op - s));
		goto out;
	}
	for (; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if (i == len || s[i] != '{' || (e = pc_match(s, len, i)) == 0) {
		pc_fail(ev, "\"{\" expected", s + i, len - i);
		goto out;
	}
	if (pc_expand(ev, s + i + 1, e - i - 2, &r, depth + 1) < 0 ||
	    am_buf_addc(&r, '\0') < 0)
		goto out;
	for (i = e; i < len && pc_space((unsigned char)s[i]); i++)
		;
	if (i == len || s[i] != '?') {
		pc_fail(ev, "\"?\" expected", s + i, len - i);
		goto out;
	}
	if (pc_branches(ev, s + i + 1, len - i - 1, &a, &alen, &b, &blen) < 0)
		goto out;
	if (level) {
		if (!pc_level(l.data, lv)) {
			pc_fail(ev, "malformed compatibility level syntax",
			    l.data, strlen(l.data));
			goto out;
		}
		if (!pc_level(r.data, rv)) {
			pc_fail(ev, "malformed compatibility level syntax",
			    r.data, strlen(r.data));
			goto out;
		}
		for (k = 0; k < 3 && cmp == 0; k++)
			cmp = lv[k] < rv[k] ? -1 : lv[k] > rv[k];
	} else if (!OP("==") && !OP("!=") && pc_number(l.data, &ln) &&
	    pc_number(r.data, &rn))
		cmp = ln < rn ? -1 : ln > rn;
	else
		cmp = strcmp(l.data, r.data);
	if (OP("=="))
		res = cmp == 0;
	else if (OP("!="))
		res = cmp != 0;
	else if (OP("<="))
		res = cmp <= 0;
	else if (OP(">="))
		res = cmp >= 0;
	else if (OP("<"))
		res = cmp < 0;
	else
		res = cmp > 0;
#undef OP
	if (res)
		rc = pc_expand(ev, a, alen, out, depth + 1);
	else
		rc = b != NULL ? pc_expand(ev, b, blen, out, depth + 1) : 0;
out:
	am_buf_free(&l);
	am_buf_free(&r);
	return rc;
}

/* The text between ${ and } (or $( and )). */
static int
pc_braced(struct pc_eval *ev, const char *s, size_t len, struct am_buf *out,
    int depth)
{
	struct am_buf v = AM_BUF_INIT;
	const char *name, *a, *b;
	size_t i = 0, nlen, alen, blen;
	bool defined, nonempty;
	const char *raw;
	long line;
	char op;
	int rc = -1;

	while (i < len && pc_space((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '{')
		return pc_compare(ev, s, len, out, depth);
	name = s + i;
	while (i < len && pc_namechar((unsigned char)s[i]))
		i++;
	nlen = (size_t)(s + i - name);
	while (i < len && pc_space((unsigned char)s[i]))
		i++;
	if (nlen == 0 || (i < len && s[i] != '?' && s[i] != ':')) {
		pc_fail(ev, "malformed macro reference", s, len);
		goto out;
	}
	if (i == len) {
		if (pc_param(ev, name, nlen, &v, &defined, depth) == 0)
			rc = am_buf_add(out, v.data, v.len);
		goto out;
	}
	op = s[i];
	if (pc_branches(ev, s + i + 1, len - i - 1, &a, &alen, &b, &blen) < 0)
		goto out;
	if (b != NULL && op != '?') {
		pc_fail(ev, "\"{value}:{value}\" needs \"?\"", s, len);
		goto out;
	}
	/* Postfix tests the value as written, before expansion. */
	raw = pc_raw(ev, name, nlen, &line);
	nonempty = raw != NULL && *raw != '\0';
	if (nonempty == (op == '?'))
		rc = pc_expand(ev, a, alen, out, depth + 1);
	else
		rc = b != NULL ? pc_expand(ev, b, blen, out, depth + 1) : 0;
out:
	am_buf_free(&v);
	return rc;
}

static int
pc_expand(struct pc_eval *ev, const char *s, size_t len, struct am_buf *out,
    int depth)
{
	size_t i = 0, start, e;
	bool defined;

	if (depth > PC_MAX_DEPTH)
		return pc_fail(ev, "unreasonable macro call nesting", s, len);
	if ((ev->work += len + 64) > PC_MAX_WORK)
		return pc_fail(ev, "unreasonable amount of expansion", s, len);
	while (i < len) {
		if (s[i] != '$') {
			if (am_buf_addc(out, s[i++]) < 0)
				goto nomem;
			continue;
		}
		if (++i == len)
			return pc_fail(ev, "empty macro name", s, len);
		if (s[i] == '$') {
			if (am_buf_addc(out, '$') < 0)
				goto nomem;
			i++;
		} else if (s[i] == '{' || s[i] == '(') {
			if ((e = pc_match(s, len, i)) == 0)
				return pc_fail(ev,
				    "truncated macro reference", s, len);
			if (pc_braced(ev, s + i + 1, e - i - 2, out, depth) < 0)
				return -1;
			i = e;
		} else if (pc_namechar((unsigned char)s[i])) {
			start = i;
			while (i < len && pc_namechar((unsigned char)s[i]))
				i++;
			if (pc_param(ev, s + start, i - start, out, &defined,
			    depth) < 0)
				return -1;
		} else
			return pc_fail(ev, "empty macro name", s, len);
	}
	return 0;
nomem:
	return am_error_set(ev->err, AM_E_NOMEM, "out of memory");
}

static int
pc_eval_known(const struct am_postconf *pc, const char *name, long known,
    char **out, struct am_error *err)
{
	/*
	 * Read: the parameters before it are known, not itself (Postfix
	 * evaluates a default before it stores it), unless main.cf sets it.
	 */
	struct pc_eval ev = { pc, err, 0, AM_BUF_INIT, known, 0, NULL };
	struct am_buf buf = AM_BUF_INIT;
	const char *v;
	size_t i;
	int rc = -1;

	*out = NULL;
	if (known >= 0 && (ev.stored = calloc(PC_READS, sizeof(char *))) ==
	    NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((v = pc_setting_of(pc, name, strlen(name), &ev.line)) == NULL)
		v = pc_default(&ev, name, strlen(name));
	if (v == NULL) {
		rc = 0;
		goto out;
	}
	if (pc_expand(&ev, v, strlen(v), &buf, 0) < 0)
		goto out;
	if (am_buf_addc(&buf, '\0') < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	*out = buf.data;
	buf.data = NULL;
	rc = 0;
out:
	am_buf_free(&buf);
	am_buf_free(&ev.host);
	if (ev.stored != NULL)
		for (i = 0; i < PC_READS; i++)
			free(ev.stored[i]);
	free(ev.stored);
	return rc;
}

int
am_postconf_eval(const struct am_postconf *pc, const char *name, char **out,
    struct am_error *err)
{
	return pc_eval_known(pc, name, -1, out, err);
}

int
am_postconf_eval_read(const struct am_postconf *pc, const char *name,
    char **out, struct am_error *err)
{
	return pc_eval_known(pc, name, pc_read_index(name, strlen(name)), out,
	    err);
}

char *
am_postconf_get(const struct am_postconf *pc, const char *name)
{
	struct am_error err;
	char *v;

	am_error_clear(&err);
	if (am_postconf_eval(pc, name, &v, &err) < 0)
		return NULL;
	return v;
}

/* The line of name's last setting in main.cf, 0 if it is not set. */
static long
pc_line(const struct am_postconf *pc, const char *name)
{
	size_t i;

	for (i = pc->count; i > 0; i--)
		if (strcmp(pc->param[i - 1].name, name) == 0)
			return pc->param[i - 1].line;
	return 0;
}

int
am_postconf_bool(const struct am_postconf *pc, const char *name, bool *out,
    struct am_error *err)
{
	char *v;
	long line;
	int rc = -1;

	if (am_postconf_eval_read(pc, name, &v, err) < 0)
		return -1;
	if (v != NULL && strcasecmp(v, "yes") == 0)
		*out = true;
	else if (v != NULL && strcasecmp(v, "no") == 0)
		*out = false;
	else {
		line = pc_line(pc, name);
		am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "bad boolean configuration: %s = %s", name,
		    v != NULL ? v : "");
		goto out;
	}
	rc = 0;
out:
	free(v);
	return rc;
}

/*
 * A number as Postfix's numerical parameters take it: strtol() must use
 * the whole value, and an int parameter must fit in an int.
 */
static bool
pc_param_number(const char *v, bool is_long, long *out)
{
	char *end;

	if (*v == '\0')
		return false;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	return is_long || (*out >= INT_MIN && *out <= INT_MAX);
}

/*
 * A time as Postfix's conv_time() takes it: a number that fits an int and
 * is not negative, then one unit letter or none (unit then), the product
 * below INT_MAX.  Postfix looks only at the first character after the
 * number, so "5sx" is five seconds.
 */
static bool
pc_time(const char *v, char unit, long *out)
{
	static const struct {
		char unit;
		long seconds;
	} units[] = { { 'w', 604800 }, { 'd', 86400 }, { 'h', 3600 },
	    { 'm', 60 }, { 's', 1 } };
	char *end;
	long n;
	size_t i;

	if (*v == '\0')
		return false;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno == ERANGE || n < 0 || n > INT_MAX)
		return false;
	if (*end != '\0')
		unit = *end;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != unit)
			continue;
		if (units[i].seconds > 1 && n >= INT_MAX / units[i].seconds)
			return false;
		*out = n * units[i].seconds;
		return true;
	}
	return false;
}

/*
 * A value past the limits Postfix's table gives its parameter: Postfix's
 * own message, naming main.cf's line.
 */
static int
pc_check_limits(const struct am_postconf *pc, const struct pc_read *r,
    const char *v, struct am_error *err)
{
	long n, line = pc_line(pc, r->name);

	switch (r->type) {
	case PC_STR:
	case PC_HOST:
		n = (long)strlen(v);
		if (r->min != 0 && n < r->min)
			return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
			    "bad string length %ld < %ld: %s = %s", n, r->min,
			    r->name, v);
		if (r->max != 0 && n > r->max)
			return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
			    "bad string length %ld > %ld: %s = %s", n, r->max,
			    r->name, v);
		return 0;
	case PC_INT:
	case PC_LONG:
		if (!pc_param_number(v, r->type == PC_LONG, &n))
			return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
			    "bad numerical configuration: %s = %s", r->name, v);
		break;
	case PC_TIME:
		if (!pc_time(v, r->unit, &n))
			return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
			    "parameter %s: bad time value or unit: %s", r->name,
			    v);
		break;
	default:
		return 0;
	}
	if (r->type == PC_TIME && r->min != 0 && n < r->min)
		return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "invalid %s: %ld (min %ld)", r->name, n, r->min);
	if (r->type == PC_TIME && r->max != 0 && n > r->max)
		return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "invalid %s: %ld (max %ld)", r->name, n, r->max);
	if (r->min != 0 && n < r->min)
		return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "invalid %s parameter value %ld < %ld", r->name, n, r->min);
	if (r->max != 0 && n > r->max)
		return am_error_set_at(err, AM_E_CONFIG, pc->path, line,
		    "invalid %s parameter value %ld > %ld", r->name, n, r->max);
	return 0;
}

/*
 * A host or domain name as Postfix's valid_hostname() takes it: labels of
 * letters, digits and '-', not starting or ending with '-', at most 63
 * bytes each and 255 in all, not all of them numeric.
 */
static bool
pc_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool alpha = false;
	const char *p;

	if (len == 0 || len > 255)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' ||
		    (*p >= '0' && *p <= '9')) {
			if (*p == '-' && label == 0)
				return false;
			if (!(*p >= '0' && *p <= '9'))
				alpha = true;
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return label > 0 && p[-1] != '-' && alpha;
}

/*
 * Every parameter Postfix's postmap and postalias evaluate when they
 * start (their mail_params_init()), found by setting each parameter
 * postconf -d knows to a malformed expression in turn: a malformed value,
 * a bad boolean or a bad number in any of them makes Postfix refuse
 * main.cf, whether archmail uses that parameter or not.
 */
int
am_postconf_check(const struct am_postconf *pc, struct am_error *err)
{
	struct pc_eval ev = { pc, err, 0, AM_BUF_INIT, -1, 0, NULL };
	const struct pc_read *rd;
	long long lv[3];
	char *v, *r;
	size_t i;
	long line;
	bool b, same;

	for (i = 0; i < sizeof(postfix_reads) / sizeof(postfix_reads[0]);
	    i++) {
		rd = &postfix_reads[i];
		/* Postfix's own defaults of these are well-formed. */
		if (pc_raw(&ev, rd->name, strlen(rd->name), &line) == NULL)
			continue;
		if (rd->type == PC_BOOL) {
			if (am_postconf_bool(pc, rd->name, &b, err) < 0)
				goto fail;
			continue;
		}
		if (am_postconf_eval_read(pc, rd->name, &v, err) < 0)
			goto fail;
		if (v != NULL && pc_check_limits(pc, rd, v, err) < 0) {
			free(v);
			goto fail;
		}
		if (v != NULL && rd->type == PC_LEVEL && !pc_level(v, lv)) {
			am_error_set_at(err, AM_E_CONFIG, pc->path,
			    pc_line(pc, rd->name), "malformed compatibility "
			    "level syntax: \"%s\"", v);
			free(v);
			goto fail;
		}
		if (v != NULL && rd->type == PC_HOST && !pc_hostname(v)) {
			am_error_set_at(err, AM_E_CONFIG, pc->path,
			    pc_line(pc, rd->name), "parameter %s: bad "
			    "parameter value: %s", rd->name, v);
			free(v);
			goto fail;
		}
		free(v);
	}
	/* Postfix would relay mail to itself. */
	if (am_postconf_eval_read(pc, "myhostname", &v, err) < 0)
		goto fail;
	if (am_postconf_eval_read(pc, "relayhost", &r, err) < 0) {
		free(v);
		goto fail;
	}
	same = v != NULL && r != NULL && strcasecmp(v, r) == 0;
	if (same)
		am_error_set_at(err, AM_E_CONFIG, pc->path,
		    pc_line(pc, "relayhost"), "myhostname and relayhost "
		    "parameter settings must not be identical: %s", v);
	free(v);
	free(r);
	if (same)
		goto fail;
	if (am_postconf_check_host(pc, err) < 0)
		goto fail;
	am_buf_free(&ev.host);
	return 0;
fail:
	am_buf_free(&ev.host);
	return -1;
}
