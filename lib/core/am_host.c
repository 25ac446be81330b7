/* The host a workflow acts on (am_host.h). */
#include "am_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
am_root_join(const char *root, const char *path)
{
	char *res = NULL;
	size_t rlen = root != NULL ? strlen(root) : 0;

	while (rlen > 0 && root[rlen - 1] == '/')
		rlen--;
	if (rlen == 0 || path[0] != '/')
		return strdup(path);
	if (asprintf(&res, "%.*s%s", (int)rlen, root, path) < 0)
		return NULL;
	return res;
}

char *
am_host_path(const struct am_host *h, const char *path)
{
	return am_root_join(h->root, path);
}

const char *
am_host_conf(const struct am_host *h, enum am_conf_key key)
{
	return am_conf_get(h->conf, key);
}

char *
am_host_conf_path(const struct am_host *h, enum am_conf_key key)
{
	return am_host_path(h, am_conf_get(h->conf, key));
}

void
am_host_warn(const struct am_host *h, const struct am_error *warning)
{
	if (h->warn != NULL)
		h->warn(h->ctx, warning);
}

void
am_host_warnf(const struct am_host *h, const char *file, long line,
    const char *fmt, ...)
{
	struct am_error w;
	char *whole;
	va_list ap;

	am_error_clear(&w);
	if (file != NULL)
		snprintf(w.file, sizeof(w.file), "%s", file);
	w.line = line;
	va_start(ap, fmt);
	am_error_vset_warning(&w, &whole, fmt, ap);
	va_end(ap);
	am_host_warn(h, &w);
	free(whole);
}

void
am_host_note(const struct am_host *h, const char *what, const char *path)
{
	if (h->note != NULL)
		h->note(h->ctx, what, path);
}

void
am_host_temp_guard(const struct am_host *h)
{
	if (h->temp_guard != NULL)
		h->temp_guard(h->ctx);
}

void
am_host_temp_created(const struct am_host *h, const char *path)
{
	if (h->temp_created != NULL)
		h->temp_created(h->ctx, path);
}

void
am_host_temp_gone(const struct am_host *h)
{
	if (h->temp_gone != NULL)
		h->temp_gone(h->ctx);
}

char *
am_host_postfix_dir(const struct am_host *h, const char *option)
{
	const char *env;

	if (option != NULL)
		return strdup(option);
	if ((env = getenv("MAIL_CONFIG")) != NULL && *env != '\0')
		return strdup(env);
	return am_host_conf_path(h, AM_CONF_POSTFIX_CONFIG_DIR);
}

int
am_postfix_settings_load(struct am_postfix_settings *ps,
    const struct am_host *h, const char *option, struct am_error *err)
{
	struct am_postconf pc;
	char host[256] = "localhost";
	char *dir;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if ((dir = am_host_postfix_dir(h, option)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* $myhostname defaults to the machine's name, as in Postfix. */
	(void)gethostname(host, sizeof(host) - 1);
	rc = am_postconf_load_at(&pc, dir, host, h->root, err);
	free(dir);
	if (rc < 0)
		return -1;
	/* A setting Postfix would refuse fails the load, as in Postfix. */
	rc = -1;
	if (am_postconf_bool(&pc, "smtputf8_enable", &ps->utf8, err) < 0 ||
	    am_postconf_eval_read(&pc, "default_database_type",
	    &ps->default_type, err) < 0 ||
	    am_postconf_eval_read(&pc, "myhostname", &ps->myhostname,
	    err) < 0 ||
	    /* Read by newaliases (sendmail -bi) after all of them. */
	    am_postconf_eval(&pc, "alias_database", &ps->alias_database,
	    err) < 0)
		goto out;
	/* All three have built-in defaults, so NULL cannot happen. */
	if (ps->default_type == NULL || ps->myhostname == NULL ||
	    ps->alias_database == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	am_postconf_free(&pc);
	if (rc < 0)
		am_postfix_settings_free(ps);
	return rc;
}

void
am_postfix_settings_free(struct am_postfix_settings *ps)
{
	free(ps->default_type);
	free(ps->myhostname);
	free(ps->alias_database);
	memset(ps, 0, sizeof(*ps));
}
