/*
 * Relay accounts: names, the relay marker, the list of relay logins for
 * postfwd (am_relay.h).
 */
#include "am_relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
am_relay_host_user(const char *host, char *user, size_t size,
    struct am_error *err)
{
	const char *p = host, *dot;
	size_t len = strlen(host), llen;

	if (len == 0 || len > 253)
		return am_error_set(err, AM_E_INVALID, "invalid host name "
		    "\"%s\"", host);
	/* Letters, digits, hyphens; labels of 1..63, no edge hyphens. */
	while (*p != '\0') {
		dot = strchr(p, '.');
		llen = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (llen == 0 || llen > 63 || p[0] == '-' ||
		    p[llen - 1] == '-' || strspn(p,
		    "abcdefghijklmnopqrstuvwxyz0123456789-") < llen)
			return am_error_set(err, AM_E_INVALID, "invalid host "
			    "name \"%s\" (lower-case letters, digits and "
			    "hyphens in dot-separated labels)", host);
		p += llen + (dot != NULL);
		if (dot != NULL && *p == '\0')
			return am_error_set(err, AM_E_INVALID, "invalid host "
			    "name \"%s\"", host);
	}
	llen = strcspn(host, ".");
	if (llen >= size)
		return am_error_set(err, AM_E_INVALID, "host label too long");
	memcpy(user, host, llen);
	user[llen] = '\0';
	if (!am_acct_name_valid(user))
		return am_error_set(err, AM_E_INVALID, "\"%s\" (the first "
		    "label of %s) is not a valid user name", user, host);
	return 0;
}

const char *
am_relay_gecos_host(const char *gecos)
{
	size_t plen = strlen(AM_RELAY_GECOS_PREFIX);

	if (strncmp(gecos, AM_RELAY_GECOS_PREFIX, plen) != 0 ||
	    gecos[plen] == '\0')
		return NULL;
	return gecos + plen;
}

static bool
relay_group_matches(const struct am_host *h, const char *gid_field)
{
	struct am_acct_file group;
	struct am_error ignored;
	char *path, *end;
	unsigned long v;
	gid_t gid;
	int rc;

	errno = 0;
	v = strtoul(gid_field, &end, 10);
	if (gid_field[0] < '0' || gid_field[0] > '9' || *end != '\0' ||
	    errno != 0)
		return false;
	if ((path = am_acct_path(h->root, AM_ACCT_GROUP)) == NULL)
		return false;
	am_error_clear(&ignored);
	rc = am_acct_file_load(&group, AM_ACCT_GROUP, path, &ignored);
	free(path);
	if (rc < 0)
		return false;
	rc = am_acct_group_gid(&group, am_host_conf(h, AM_CONF_RELAY_GROUP),
	    &gid, &ignored);
	am_acct_file_free(&group);
	return rc == 0 && (unsigned long)gid == v;
}

enum am_relay_kind
am_relay_account_kind(const struct am_host *h, const struct am_acct_entry *pe)
{
	if (pe->nfields < 7 || am_relay_gecos_host(pe->field[4]) == NULL)
		return AM_RELAY_NOT;
	if (strcmp(pe->field[6], am_host_conf(h, AM_CONF_RELAY_SHELL)) != 0 ||
	    !relay_group_matches(h, pe->field[3]))
		return AM_RELAY_LOOKALIKE;
	return AM_RELAY_ACCOUNT;
}

void
am_relay_warn_lookalike(const struct am_host *h, const struct am_acct_entry *pe)
{
	am_host_warnf(h, NULL, 0, "\"%s\" has the relay marker in its GECOS "
	    "but not relay_shell %s and relay_group %s: not treated as a "
	    "relay account", pe->field[0],
	    am_host_conf(h, AM_CONF_RELAY_SHELL),
	    am_host_conf(h, AM_CONF_RELAY_GROUP));
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_name(char ***names, size_t *n, const char *name, struct am_error *err)
{
	char **v;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return 0;
	if ((v = realloc(*names, (*n + 1) * sizeof(*v))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	*names = v;
	if ((v[*n] = strdup(name)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* The shadow password of user, or NULL. */
static const char *
shadow_password(const struct am_acct_file *shadow, const char *user,
    struct am_acct_entry *e)
{
	struct am_error ignored;
	long i;

	/* e is freed by the caller whatever happens here. */
	memset(e, 0, sizeof(*e));
	am_error_clear(&ignored);
	if ((i = am_acct_find(shadow, user, &ignored)) < 0 ||
	    am_acct_entry_get(shadow, (size_t)i, e, &ignored) < 0)
		return NULL;
	return e->field[1];
}

int
am_relay_postfwd_names(const struct am_host *h, const struct am_acct_db *db,
    const char *add, const char *drop, char ***names, size_t *n,
    struct am_error *err)
{
	const struct am_acct_file *pw = &db->file[AM_ACCT_PASSWD];
	struct am_acct_entry e, se;
	struct am_error ignored;
	char *extras = NULL, *tok, *save = NULL;
	const char *spw;
	enum am_relay_kind kind;
	size_t i;
	bool active;

	*names = NULL;
	*n = 0;
	for (i = 0; i < pw->count; i++) {
		am_error_clear(&ignored);
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &e, &ignored) < 0)
			continue;
		kind = am_relay_account_kind(h, &e);
		if (kind == AM_RELAY_LOOKALIKE)
			am_relay_warn_lookalike(h, &e);
		if (kind == AM_RELAY_ACCOUNT &&
		    (drop == NULL || strcmp(e.field[0], drop) != 0)) {
			spw = shadow_password(&db->file[AM_ACCT_SHADOW],
			    e.field[0], &se);
			active = spw != NULL && spw[0] != '!' &&
			    spw[0] != '*';
			am_acct_entry_free(&se);
			if (active && add_name(names, n, e.field[0], err) < 0) {
				am_acct_entry_free(&e);
				goto bad;
			}
		}
		am_acct_entry_free(&e);
	}
	if (add != NULL && add_name(names, n, add, err) < 0)
		goto bad;
	if ((extras = strdup(am_host_conf(h, AM_CONF_POSTFWD_EXTRA_USERS))) ==
	    NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto bad;
	}
	for (tok = strtok_r(extras, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (!am_acct_name_valid(tok)) {
			am_error_set(err, AM_E_CONFIG, "postfwd_extra_users: "
			    "invalid name \"%s\"", tok);
			goto bad;
		}
		if (add_name(names, n, tok, err) < 0)
			goto bad;
	}
	free(extras);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
bad:
	free(extras);
	am_relay_free_names(*names, *n);
	*names = NULL;
	*n = 0;
	return -1;
}

void
am_relay_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
