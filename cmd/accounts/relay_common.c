/*
 * Helpers shared by archmail relay, passwd and postfwd (relay_common.h):
 * password options and input, relay account names, result reporting.
 * Planned file writes are in relay_files.c.
 */
#include "relay_common.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_conf.h"

int
pw_opts_set(struct am_cli *cli, struct pw_opts *o, int opt, const char *arg)
{
	char *end;
	long fd;

	if ((opt == OPT_PASSWORD_STDIN || opt == OPT_PASSWORD_FD ||
	    opt == OPT_GENERATE) && o->source != PW_NONE)
		return cli_usage_error(cli, "give only one of "
		    "--password-stdin, --password-fd and --generate");
	switch (opt) {
	case OPT_PASSWORD_STDIN:
		o->source = PW_STDIN;
		o->fd = 0;
		break;
	case OPT_PASSWORD_FD:
		errno = 0;
		fd = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || fd < 0 ||
		    fd > INT_MAX)
			return cli_usage_error(cli, "bad file descriptor "
			    "\"%s\"", arg);
		o->source = PW_FD;
		o->fd = (int)fd;
		break;
	case OPT_GENERATE:
		o->source = PW_GENERATE;
		break;
	case OPT_SCHEME:
		o->scheme = arg;
		break;
	case OPT_COST:
		o->cost = arg;
		break;
	case OPT_ROUNDS:
		o->rounds = arg;
		break;
	}
	return 0;
}

static int
parse_cost(const char *s, const char *what, unsigned long *v,
    struct am_error *err)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return am_error_set(err, AM_E_USAGE, "bad %s \"%s\"", what, s);
	return 0;
}

int
pw_policy(struct am_cli *cli, const struct pw_opts *o,
    enum am_pw_scheme *scheme, unsigned long *cost, struct am_error *err)
{
	enum am_pw_scheme conf_scheme;
	const char *conf_cost = am_conf_get(&cli->conf,
	    AM_CONF_PASSWORD_COST);

	if (am_pw_scheme_parse(am_conf_get(&cli->conf,
	    AM_CONF_PASSWORD_SCHEME), &conf_scheme, err) < 0) {
		err->code = AM_E_CONFIG;
		return -1;
	}
	*scheme = conf_scheme;
	if (o->scheme != NULL && am_pw_scheme_parse(o->scheme, scheme,
	    err) < 0) {
		err->code = AM_E_USAGE;
		return -1;
	}
	/* The configured cost belongs to the configured scheme. */
	if (*scheme == conf_scheme) {
		if (parse_cost(conf_cost, "password_cost", cost, err) < 0) {
			err->code = AM_E_CONFIG;
			return -1;
		}
	} else {
		*cost = am_pw_default_cost(*scheme);
	}
	if (o->cost != NULL && *scheme != AM_PW_YESCRYPT)
		return am_error_set(err, AM_E_USAGE, "--cost is for "
		    "yescrypt; use --rounds with sha512");
	if (o->rounds != NULL && *scheme != AM_PW_SHA512)
		return am_error_set(err, AM_E_USAGE, "--rounds is for "
		    "sha512; use --cost with yescrypt");
	if (o->cost != NULL && parse_cost(o->cost, "cost", cost, err) < 0)
		return -1;
	if (o->rounds != NULL && parse_cost(o->rounds, "rounds", cost,
	    err) < 0)
		return -1;
	if (am_pw_cost_check(*scheme, *cost, err) < 0) {
		err->code = o->cost != NULL || o->rounds != NULL ?
		    AM_E_USAGE : AM_E_CONFIG;
		return -1;
	}
	return 0;
}

int
pw_read(const struct pw_opts *o, struct am_buf *pw, struct am_error *err)
{
	if (o->source == PW_GENERATE)
		return am_pw_generate(pw, AM_PW_GENERATED_LEN, err);
	if (isatty(o->fd))
		return am_error_set(err, AM_E_USAGE, "the password must come "
		    "from a pipe or a file, not a terminal");
	return am_pw_read_fd(o->fd, pw, err);
}

int
relay_host_user(const char *host, char *user, size_t size,
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
relay_gecos_host(const char *gecos)
{
	size_t plen = strlen(RELAY_GECOS_PREFIX);

	if (strncmp(gecos, RELAY_GECOS_PREFIX, plen) != 0 ||
	    gecos[plen] == '\0')
		return NULL;
	return gecos + plen;
}

static bool
relay_group_matches(struct am_cli *cli, const char *gid_field)
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
	if ((path = am_acct_path(cli->root, AM_ACCT_GROUP)) == NULL)
		return false;
	am_error_clear(&ignored);
	rc = am_acct_file_load(&group, AM_ACCT_GROUP, path, &ignored);
	free(path);
	if (rc < 0)
		return false;
	rc = am_acct_group_gid(&group, am_conf_get(&cli->conf,
	    AM_CONF_RELAY_GROUP), &gid, &ignored);
	am_acct_file_free(&group);
	return rc == 0 && (unsigned long)gid == v;
}

enum relay_kind
relay_account_kind(struct am_cli *cli, const struct am_acct_entry *pe)
{
	if (pe->nfields < 7 || relay_gecos_host(pe->field[4]) == NULL)
		return RELAY_NOT;
	if (strcmp(pe->field[6], am_conf_get(&cli->conf,
	    AM_CONF_RELAY_SHELL)) != 0 ||
	    !relay_group_matches(cli, pe->field[3]))
		return RELAY_LOOKALIKE;
	return RELAY_ACCOUNT;
}

void
relay_warn_lookalike(struct am_cli *cli, const struct am_acct_entry *pe)
{
	cli_warnf(cli, "\"%s\" has the relay marker in its GECOS but not "
	    "relay_shell %s and relay_group %s: not treated as a relay "
	    "account", pe->field[0], am_conf_get(&cli->conf,
	    AM_CONF_RELAY_SHELL), am_conf_get(&cli->conf,
	    AM_CONF_RELAY_GROUP));
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
relay_postfwd_names(struct am_cli *cli, const struct am_acct_db *db,
    const char *add, const char *drop, char ***names, size_t *n,
    struct am_error *err)
{
	const struct am_acct_file *pw = &db->file[AM_ACCT_PASSWD];
	struct am_acct_entry e, se;
	struct am_error ignored;
	char *extras = NULL, *tok, *save = NULL;
	const char *spw;
	enum relay_kind kind;
	size_t i;
	bool active;

	*names = NULL;
	*n = 0;
	for (i = 0; i < pw->count; i++) {
		am_error_clear(&ignored);
		if (pw->line[i].name_len == 0 ||
		    am_acct_entry_get(pw, i, &e, &ignored) < 0)
			continue;
		kind = relay_account_kind(cli, &e);
		if (kind == RELAY_LOOKALIKE)
			relay_warn_lookalike(cli, &e);
		if (kind == RELAY_ACCOUNT &&
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
	if ((extras = strdup(am_conf_get(&cli->conf,
	    AM_CONF_POSTFWD_EXTRA_USERS))) == NULL) {
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
	relay_free_names(*names, *n);
	*names = NULL;
	*n = 0;
	return -1;
}

void
relay_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *
conf_root_path(struct am_cli *cli, enum am_conf_key key)
{
	return cli_root_path(cli, am_conf_get(&cli->conf, key));
}
