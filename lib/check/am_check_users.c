/*
 * archmail check users, aliases, forwards: the sources archmail edits,
 * read as Postfix reads them, and the users' ~/.forward files as
 * Postfix's local(8) judges them.
 *
 * Codes (areas users and aliases; the area says which file):
 *   source-syntax          warning  a line Postfix skips (malformed)
 *   duplicate-key          warning  a key seen before: Postfix keeps the
 *                                   first and ignores this one
 *   unknown-local          error    a local destination (no @) that is
 *                                   neither an account nor an alias
 *   servicedesk-malformed  error    a gitlab+...@ address not of GitLab's
 *                                   Service Desk form (alias servicedesk)
 *   domain-not-listed      error    users: an address key whose domain is
 *                                   not in archmail.conf's domains
 * Codes (area forwards), after local(8)'s rules (dotforward.c: lstat, then
 * not a regular file, owner neither the user nor root, world-writable:
 * the file is ignored with a warning in the mail log):
 *   forward-symlink          error    local(8) ignores it (lstat)
 *   forward-not-regular      error    local(8) ignores it
 *   forward-bad-owner        error    owned by another user: ignored
 *   forward-world-writable   error    ignored
 *   forward-group-writable   warning  used, but the group can redirect mail
 *   forward-home-writable    warning  the home is group- or world-writable:
 *                                     others can replace the .forward
 *   forward-home-owner       warning  the home belongs to someone else
 */
#include "am_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "am_acct.h"
#include "am_address.h"
#include "am_buf.h"
#include "am_check_fix.h"
#include "am_mapedit.h"

/* A sorted list of names, for membership. */
struct names {
	char **v;
	size_t n, cap;
};

static void
names_free(struct names *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
names_add(struct names *s, const char *name, size_t len)
{
	char **v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if ((s->v[s->n] = strndup(name, len)) == NULL)
		return -1;
	s->n++;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_sort(struct names *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), str_cmp);
}

static bool
names_has(const struct names *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v),
	    str_cmp) != NULL;
}

/* One account of ROOT/etc/passwd. */
struct account {
	char *name;
	uid_t uid;
	char *home;
	long line;
};

struct accounts {
	struct account *v;
	size_t n;
	char *path;
	struct names names;
};

static void
accounts_free(struct accounts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].home);
	}
	free(a->v);
	free(a->path);
	names_free(&a->names);
	memset(a, 0, sizeof(*a));
}

/*
 * The accounts of ROOT/etc/passwd; a missing file is none, a line with
 * the wrong number of fields or a bad UID is skipped (pwck's business).
 */
static int
accounts_load(struct accounts *a, const struct am_host *h,
    struct am_error *err)
{
	struct am_acct_file f;
	struct am_acct_entry e;
	struct am_error ign;
	char *end;
	unsigned long uid;
	size_t i;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	memset(&f, 0, sizeof(f));
	if ((a->path = am_host_path(h, "/etc/passwd")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (am_acct_file_load(&f, AM_ACCT_PASSWD, a->path, err) < 0)
		goto out;
	if ((a->v = calloc(f.count + 1, sizeof(*a->v))) == NULL)
		goto nomem;
	for (i = 0; i < f.count; i++) {
		struct account *acc;

		if (f.line[i].name_len == 0 ||
		    am_acct_entry_get(&f, i, &e, &ign) < 0)
			continue;
		errno = 0;
		uid = strtoul(e.field[2], &end, 10);
		if (e.field[2][0] == '\0' || *end != '\0' || errno != 0 ||
		    uid >= 4294967295UL) {
			am_acct_entry_free(&e);
			continue;
		}
		acc = &a->v[a->n];
		acc->uid = (uid_t)uid;
		acc->line = f.line[i].lineno;
		if ((acc->name = strdup(e.field[0])) == NULL ||
		    (acc->home = strdup(e.field[5])) == NULL ||
		    names_add(&a->names, e.field[0], strlen(e.field[0])) < 0) {
			free(acc->name);
			am_acct_entry_free(&e);
			goto nomem;
		}
		a->n++;
		am_acct_entry_free(&e);
	}
	names_sort(&a->names);
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_acct_file_free(&f);
	if (rc < 0)
		accounts_free(a);
	return rc;
}

/* Warnings of the reader become source-syntax findings. */
struct reader {
	const char *area;
	struct am_check_report *report;
	int failed;
	struct am_error *err;
};

static void
reader_warn(void *ctx, const struct am_error *w)
{
	struct reader *r = ctx;

	if (r->failed)
		return;
	if (am_check_add(r->report, r->area, "source-syntax",
	    AM_CHECK_WARNING, w->file[0] != '\0' ? w->file : NULL, w->line,
	    NULL, r->err, "%s (Postfix skips this line)", am_error_text(w)) < 0)
		r->failed = 1;
}

/*
 * Open a source; 0 and *exists false when it does not exist (the tables
 * area tells about a table left without one).
 */
static int
source_open(struct am_mapedit *ed, const char *path, enum am_map_kind kind,
    bool utf8, struct reader *rd, bool *exists, struct am_error *err)
{
	struct stat st;

	*exists = false;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (am_mapedit_open(ed, path, kind, utf8, rd != NULL ? reader_warn :
	    NULL, rd, err) < 0)
		return -1;
	if (rd != NULL && rd->failed) {
		am_mapedit_free(ed);
		return -1;
	}
	*exists = true;
	return 0;
}

/* The folded keys of the aliases file, for "is it an alias?". */
static int
alias_names(const struct am_host *h, bool utf8, struct names *out,
    struct am_error *err)
{
	struct am_mapedit ed;
	char *path;
	bool exists;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((path = am_host_conf_path(h, AM_CONF_ALIASES_MAP)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (source_open(&ed, path, AM_MAP_ALIASES, utf8, NULL, &exists,
	    err) < 0)
		goto out;
	rc = 0;
	if (!exists)
		goto out;
	for (i = 0; i < ed.nentries && rc == 0; i++)
		if (names_add(out, ed.entries[i].fkey,
		    strlen(ed.entries[i].fkey)) < 0)
			rc = am_error_set(err, AM_E_NOMEM, "out of memory");
	am_mapedit_free(&ed);
	names_sort(out);
out:
	free(path);
	if (rc < 0)
		names_free(out);
	return rc;
}

/* Entries ordered by folded key, then by line: duplicates side by side. */
static const struct am_mapedit *sort_ed;

static int
entry_cmp(const void *a, const void *b)
{
	const struct am_mapedit_entry *x = &sort_ed->entries[*(const size_t *)a];
	const struct am_mapedit_entry *y = &sort_ed->entries[*(const size_t *)b];
	int c;

	if ((c = strcmp(x->fkey, y->fkey)) != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int
check_duplicates(const struct am_mapedit *ed, const char *area,
    const char *path, struct am_check_report *report, struct am_error *err)
{
	size_t *idx, i;
	int rc = -1;

	if (ed->nentries < 2)
		return 0;
	if ((idx = malloc(ed->nentries * sizeof(*idx))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (i = 0; i < ed->nentries; i++)
		idx[i] = i;
	sort_ed = ed;
	qsort(idx, ed->nentries, sizeof(*idx), entry_cmp);
	sort_ed = NULL;
	for (i = 1; i < ed->nentries; i++) {
		const struct am_mapedit_entry *first = &ed->entries[idx[i - 1]];
		const struct am_mapedit_entry *e = &ed->entries[idx[i]];
		size_t k = i;

		if (strcmp(first->fkey, e->fkey) != 0)
			continue;
		/* The first of the run is the one Postfix keeps. */
		while (k > 0 && strcmp(ed->entries[idx[k - 1]].fkey,
		    e->fkey) == 0)
			k--;
		first = &ed->entries[idx[k]];
		if (am_check_add(report, area, "duplicate-key",
		    AM_CHECK_WARNING, path, e->line, NULL, err,
		    "duplicate entry \"%s\": Postfix uses the one of line %ld "
		    "and ignores this one", e->key, first->line) < 0)
			goto out;
	}
	rc = 0;
out:
	free(idx);
	return rc;
}

/*
 * The destinations of a value: separated by commas and blanks outside
 * double quotes ("|/usr/bin/cmd arg" is one).  Quotes are removed.
 */
static int
split_dests(const char *value, struct names *out)
{
	const char *p = value, *start;
	bool quoted;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p += strspn(p, ", \t\r\n");
		if (*p == '\0')
			return 0;
		start = p;
		for (quoted = false; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (!quoted && strchr(", \t\r\n", *p) != NULL)
				break;
		}
		if (*start == '"' && p - start >= 2 && p[-1] == '"') {
			if (names_add(out, start + 1, (size_t)(p - start - 2))
			    < 0)
				return -1;
		} else if (names_add(out, start, (size_t)(p - start)) < 0) {
			return -1;
		}
	}
}

static bool
gitlab_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * GitLab's Service Desk address as alias servicedesk writes it:
 * LOCAL+GROUP-WITH-DASHES-PROJECT-ID-issue-@DOMAIN.  NULL when addr is
 * of that form, else why not.  Only called for LOCAL+... addresses.
 */
static const char *
servicedesk_problem(const char *addr, size_t local_len, const char *domain)
{
	const char *at = strrchr(addr, '@');
	const char *rest = addr + local_len + 1, *p, *digits;
	size_t len, i;

	if (at == NULL || at < rest)
		return "no domain";
	if (strcasecmp(at + 1, domain) != 0)
		return "the domain is not archmail.conf's domain";
	len = (size_t)(at - rest);
	if (len < 7 || strncmp(at - 7, "-issue-", 7) != 0)
		return "it does not end in \"-issue-\" before the @";
	len -= 7;
	/* The project id: the digits after the last '-'. */
	for (p = rest + len; p > rest && isdigit((unsigned char)p[-1]); p--)
		;
	digits = p;
	if (digits == rest + len || p == rest || p[-1] != '-')
		return "no project id before \"-issue-\"";
	if (*digits == '0' || (size_t)(rest + len - digits) > 18)
		return "the project id is not a positive number";
	len = (size_t)(p - 1 - rest);
	if (len == 0)
		return "no group and project";
	for (i = 0; i < len; i++)
		if (!gitlab_char((unsigned char)rest[i]))
			return "a character GitLab paths cannot have";
	if (memchr(rest, '-', len) == NULL || rest[0] == '-' ||
	    rest[len - 1] == '-')
		return "no group and project path before the project id";
	return NULL;
}

struct area_ctx {
	const struct am_host *h;
	const char *area;
	const char *path;
	struct am_check_report *report;
	const struct names *accounts;
	const struct names *aliases;
};

static bool
known_local(const struct area_ctx *c, const char *name)
{
	return names_has(c->accounts, name) || names_has(c->aliases, name);
}

static int
check_dest(const struct area_ctx *c, const struct am_mapedit_entry *e,
    const char *dest, struct am_error *err)
{
	const char *sd_local = am_host_conf(c->h, AM_CONF_SERVICEDESK_LOCAL);
	const char *domain = am_host_conf(c->h, AM_CONF_DOMAIN);
	const char *why;
	char *fix = NULL, *folded, *plus;
	size_t sdlen = strlen(sd_local), i;
	int rc;

	/* Files, commands and includes are delivered by local(8) itself. */
	if (dest[0] == '|' || dest[0] == '/' ||
	    strncasecmp(dest, ":include:", 9) == 0 || dest[0] == '\0')
		return 0;
	if (dest[0] == '\\')
		dest++;
	if (strchr(dest, '@') != NULL) {
		if (strncasecmp(dest, sd_local, sdlen) != 0 ||
		    dest[sdlen] != '+')
			return 0;
		if ((why = servicedesk_problem(dest, sdlen, domain)) == NULL)
			return 0;
		if (strcmp(c->area, "aliases") == 0 &&
		    (fix = am_check_archmail(c->h, "alias servicedesk %Q "
		    "--group GROUP --project PROJECT --project-id N --replace",
		    e->key)) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		rc = am_check_add(c->report, c->area, "servicedesk-malformed",
		    AM_CHECK_ERROR, c->path, e->line, fix, err, "\"%s\" of "
		    "\"%s\" is not a GitLab Service Desk address (%s+GROUP-"
		    "PROJECT-ID-issue-@%s): %s", dest, e->key, sd_local,
		    domain, why);
		free(fix);
		return rc;
	}
	/* Local names are looked up folded, as local(8) does. */
	if ((folded = strdup(dest)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (i = 0; folded[i] != '\0'; i++)
		folded[i] = (char)tolower((unsigned char)folded[i]);
	/* user+ext is delivered to user (recipient_delimiter "+"). */
	if (!known_local(c, folded) && (plus = strchr(folded, '+')) != NULL &&
	    plus != folded)
		*plus = '\0';
	rc = 0;
	if (!known_local(c, folded))
		rc = am_check_add(c->report, c->area, "unknown-local",
		    AM_CHECK_ERROR, c->path, e->line, NULL, err,
		    "\"%s\" of \"%s\" is a local name, but neither an account "
		    "in the passwd file nor an alias: mail to it bounces",
		    dest, e->key);
	free(folded);
	return rc;
}

static int
check_entries(const struct area_ctx *c, const struct am_mapedit *ed,
    struct am_error *err)
{
	const char *domains = am_host_conf(c->h, AM_CONF_DOMAINS);
	const char *domain;
	struct names dests;
	size_t i, k;

	for (i = 0; i < ed->nentries; i++) {
		const struct am_mapedit_entry *e = &ed->entries[i];

		if (ed->kind == AM_MAP_POSTMAP &&
		    (domain = am_address_domain(e->key)) != NULL &&
		    !am_domain_in_list(domain, domains) &&
		    am_check_add(c->report, c->area, "domain-not-listed",
		    AM_CHECK_ERROR, c->path, e->line, NULL, err, "\"%s\": %s "
		    "is not one of the domains of archmail.conf (%s)", e->key,
		    domain, domains) < 0)
			return -1;
		if (split_dests(e->value, &dests) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		for (k = 0; k < dests.n; k++)
			if (check_dest(c, e, dests.v[k], err) < 0) {
				names_free(&dests);
				return -1;
			}
		names_free(&dests);
	}
	return 0;
}

static int
check_source(const struct am_host *h, enum am_map_kind kind,
    const char *area, struct am_check_report *report, struct am_error *err)
{
	struct am_postfix_settings ps;
	struct accounts acc;
	struct names aliases = { 0 };
	struct am_mapedit ed;
	struct reader rd = { area, report, 0, err };
	struct area_ctx c;
	char *path = NULL;
	bool exists = false, ps_loaded = false, acc_loaded = false;
	int rc = -1;

	if (am_postfix_settings_load(&ps, h, NULL, err) < 0)
		return -1;
	ps_loaded = true;
	if ((path = am_host_conf_path(h, kind == AM_MAP_ALIASES ?
	    AM_CONF_ALIASES_MAP : AM_CONF_USERS_MAP)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (source_open(&ed, path, kind, ps.utf8, &rd, &exists, err) < 0)
		goto out;
	if (!exists) {
		rc = 0;
		goto out;
	}
	if (accounts_load(&acc, h, err) < 0)
		goto out;
	acc_loaded = true;
	if (alias_names(h, ps.utf8, &aliases, err) < 0)
		goto out;
	c.h = h;
	c.area = area;
	c.path = path;
	c.report = report;
	c.accounts = &acc.names;
	c.aliases = &aliases;
	if (check_duplicates(&ed, area, path, report, err) < 0 ||
	    check_entries(&c, &ed, err) < 0)
		goto out;
	rc = 0;
out:
	if (exists)
		am_mapedit_free(&ed);
	if (acc_loaded)
		accounts_free(&acc);
	names_free(&aliases);
	if (ps_loaded)
		am_postfix_settings_free(&ps);
	free(path);
	return rc;
}

int
am_check_users(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	(void)opt;
	return check_source(h, AM_MAP_POSTMAP, "users", report, err);
}

int
am_check_aliases(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	(void)opt;
	return check_source(h, AM_MAP_ALIASES, "aliases", report, err);
}

static int
forward_add(struct am_check_report *report, const char *code,
    enum am_check_severity sev, const char *path, const char *fix,
    struct am_error *err, const char *why)
{
	return am_check_add(report, "forwards", code, sev, path, 0, fix, err,
	    "%s", why);
}

/* One account's home and .forward. */
static int
check_forward(const struct am_host *h, const struct account *a,
    struct am_check_report *report, struct am_error *err)
{
	struct stat hst, fst;
	char *home = NULL, *path = NULL, *fix = NULL;
	char uid[32];
	int rc = -1;

	/* Homes outside the root's tree ("/", empty) hold no .forward. */
	if (a->home[0] != '/' || strcmp(a->home, "/") == 0)
		return 0;
	if ((home = am_host_path(h, a->home)) == NULL ||
	    asprintf(&path, "%s/.forward", home) < 0) {
		path = NULL;
		goto nomem;
	}
	if (lstat(home, &hst) < 0 || !S_ISDIR(hst.st_mode) ||
	    lstat(path, &fst) < 0) {
		rc = 0;
		goto out;
	}
	(void)snprintf(uid, sizeof(uid), "%lu", (unsigned long)a->uid);
	if (S_ISLNK(fst.st_mode)) {
		if ((fix = am_check_shell("rm %Q", path)) == NULL)
			goto nomem;
		rc = forward_add(report, "forward-symlink", AM_CHECK_ERROR,
		    path, fix, err, "a symbolic link: Postfix's local(8) "
		    "ignores it (write the forward with archmail users "
		    "forward)");
		goto out;
	}
	if (!S_ISREG(fst.st_mode)) {
		rc = forward_add(report, "forward-not-regular",
		    AM_CHECK_ERROR, path, NULL, err, "not a regular file: "
		    "Postfix's local(8) ignores it");
		goto out;
	}
	if (fst.st_uid != 0 && fst.st_uid != a->uid) {
		if ((fix = am_check_shell("chown %s %Q", uid, path)) == NULL)
			goto nomem;
		if (am_check_add(report, "forwards", "forward-bad-owner",
		    AM_CHECK_ERROR, path, 0, fix, err, "owned by uid %lu, not "
		    "by %s (uid %s) or root: Postfix's local(8) ignores it",
		    (unsigned long)fst.st_uid, a->name, uid) < 0)
			goto out;
		free(fix);
		fix = NULL;
	}
	if (fst.st_mode & S_IWOTH) {
		if ((fix = am_check_shell("chmod go-w %Q", path)) == NULL)
			goto nomem;
		if (forward_add(report, "forward-world-writable",
		    AM_CHECK_ERROR, path, fix, err, "world-writable: Postfix's "
		    "local(8) ignores it") < 0)
			goto out;
		free(fix);
		fix = NULL;
	} else if (fst.st_mode & S_IWGRP) {
		if ((fix = am_check_shell("chmod g-w %Q", path)) == NULL)
			goto nomem;
		if (forward_add(report, "forward-group-writable",
		    AM_CHECK_WARNING, path, fix, err, "group-writable: every "
		    "member of its group can redirect this user's mail") < 0)
			goto out;
		free(fix);
		fix = NULL;
	}
	if (hst.st_uid != a->uid && hst.st_uid != 0) {
		if ((fix = am_check_shell("chown %s %Q", uid, home)) == NULL)
			goto nomem;
		if (am_check_add(report, "forwards", "forward-home-owner",
		    AM_CHECK_WARNING, home, 0, fix, err, "the home of %s is "
		    "owned by uid %lu: its owner can replace %s's .forward",
		    a->name, (unsigned long)hst.st_uid, a->name) < 0)
			goto out;
		free(fix);
		fix = NULL;
	}
	/* A sticky home (a shared /tmp-like one) protects others' files. */
	if ((hst.st_mode & (S_IWGRP | S_IWOTH)) && !(hst.st_mode & S_ISVTX)) {
		if ((fix = am_check_shell("chmod go-w %Q", home)) == NULL)
			goto nomem;
		if (am_check_add(report, "forwards", "forward-home-writable",
		    AM_CHECK_WARNING, home, 0, fix, err, "the home of %s is "
		    "%s-writable: others can replace its .forward", a->name,
		    (hst.st_mode & S_IWOTH) ? "world" : "group") < 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(home);
	free(path);
	free(fix);
	return rc;
}

int
am_check_forwards(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct accounts acc;
	struct names seen = { 0 };
	size_t i;
	int rc = -1;

	(void)opt;
	if (accounts_load(&acc, h, err) < 0)
		return -1;
	for (i = 0; i < acc.n; i++) {
		/* Two accounts sharing a home: one look at it. */
		if (names_has(&seen, acc.v[i].home))
			continue;
		if (check_forward(h, &acc.v[i], report, err) < 0)
			goto out;
		if (names_add(&seen, acc.v[i].home,
		    strlen(acc.v[i].home)) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		names_sort(&seen);
	}
	rc = 0;
out:
	names_free(&seen);
	accounts_free(&acc);
	return rc;
}
