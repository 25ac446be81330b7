#include "am_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "am_buf.h"
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

int
am_postconf_load(struct am_postconf *pc, const char *config_dir,
    const char *hostname, struct am_error *err)
{
	struct am_source src;
	struct am_source_line ll;
	struct am_postconf_param *p;
	char *name, *value;
	int got, rc = -1;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->hostname, sizeof(pc->hostname), "%s",
	    hostname ? hostname : "localhost");
	if (asprintf(&pc->path, "%s/main.cf", config_dir) < 0) {
		pc->path = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (am_source_open_regular(&src, pc->path, err) < 0) {
		if (err->sys_errno == ENOENT) {
			am_error_clear(err);
			return 0;
		}
		err->code = AM_E_CONFIG;
		am_postconf_free(pc);
		return -1;
	}
	pc->found = true;
	while ((got = am_source_next(&src, &ll, NULL, NULL)) > 0) {
		if (!split_assignment(ll.text, &name, &value) ||
		    *name == '\0') {
			am_error_set_at(err, AM_E_CONFIG, pc->path,
			    ll.first_line, "missing '=' after attribute name");
			goto out;
		}
		p = realloc(pc->param, (pc->count + 1) * sizeof(*p));
		if (p == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		pc->param = p;
		p = &pc->param[pc->count];
		p->name = strdup(name);
		p->value = strdup(value);
		if (p->name == NULL || p->value == NULL) {
			free(p->name);
			free(p->value);
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		pc->count++;
	}
	rc = 0;
out:
	am_source_close(&src);
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
	memset(pc, 0, sizeof(*pc));
}

/* The raw value: main.cf's last assignment wins, else Postfix's default. */
static const char *
raw_value(const struct am_postconf *pc, const char *name, struct am_buf *tmp)
{
	size_t i;
	const char *dot;

	for (i = pc->count; i > 0; i--)
		if (strcmp(pc->param[i - 1].name, name) == 0)
			return pc->param[i - 1].value;
	if (strcmp(name, "myhostname") == 0) {
		/* Postfix qualifies a bare host name with $mydomain. */
		am_buf_reset(tmp);
		if (strchr(pc->hostname, '.') != NULL)
			am_buf_adds(tmp, pc->hostname);
		else
			am_buf_printf(tmp, "%s.$mydomain", pc->hostname);
		return tmp->data;
	}
	if (strcmp(name, "mydomain") == 0) {
		dot = strchr(pc->hostname, '.');
		return dot != NULL && dot[1] != '\0' ? dot + 1 : "localdomain";
	}
	if (strcmp(name, "default_database_type") == 0)
		return "lmdb";
	if (strcmp(name, "alias_database") == 0)
		return "$default_database_type:/etc/aliases";
	if (strcmp(name, "smtputf8_enable") == 0)
		return "yes";
	if (strcmp(name, "config_directory") == 0)
		return "/etc/postfix";
	return NULL;
}

static int
expand(const struct am_postconf *pc, const char *s, struct am_buf *out,
    int depth)
{
	struct am_buf tmp = AM_BUF_INIT, name = AM_BUF_INIT;
	const char *p = s, *v, *start;
	char close;
	int rc = -1;

	if (depth > 20)
		goto out;	/* a loop: leave the rest unexpanded */
	while (*p != '\0') {
		if (*p != '$') {
			if (am_buf_addc(out, *p++) < 0)
				goto out;
			continue;
		}
		p++;
		am_buf_reset(&name);
		if (*p == '{' || *p == '(') {
			close = *p == '{' ? '}' : ')';
			start = ++p;
			while (*p != '\0' && *p != close)
				p++;
			am_buf_add(&name, start, (size_t)(p - start));
			if (*p == close)
				p++;
		} else if (*p == '$') {
			am_buf_addc(out, '$');
			p++;
			continue;
		} else {
			start = p;
			while (*p == '_' || (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9'))
				p++;
			am_buf_add(&name, start, (size_t)(p - start));
		}
		if (name.len == 0)
			continue;
		if ((v = raw_value(pc, name.data, &tmp)) != NULL &&
		    expand(pc, v, out, depth + 1) < 0)
			goto out;
	}
	rc = 0;
out:
	am_buf_free(&tmp);
	am_buf_free(&name);
	return rc;
}

char *
am_postconf_get(const struct am_postconf *pc, const char *name)
{
	struct am_buf tmp = AM_BUF_INIT, out = AM_BUF_INIT;
	const char *v;
	char *res = NULL;

	if ((v = raw_value(pc, name, &tmp)) != NULL &&
	    expand(pc, v, &out, 0) == 0 && am_buf_addc(&out, '\0') == 0)
		res = out.data;
	else
		am_buf_free(&out);
	am_buf_free(&tmp);
	return res;
}

bool
am_postconf_bool(const struct am_postconf *pc, const char *name, bool dflt)
{
	char *v = am_postconf_get(pc, name);
	bool res = dflt;

	if (v != NULL) {
		if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
			res = true;
		else if (strcasecmp(v, "no") == 0 ||
		    strcasecmp(v, "false") == 0)
			res = false;
	}
	free(v);
	return res;
}
