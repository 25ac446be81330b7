#include "am_acct.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_host.h"
#include "am_file.h"
#include "am_journal.h"

static const struct {
	const char *name;
	size_t nfields;
} kinds[AM_ACCT_NKINDS] = {
	[AM_ACCT_PASSWD] = { "passwd", 7 },
	[AM_ACCT_GROUP] = { "group", 4 },
	[AM_ACCT_GSHADOW] = { "gshadow", 4 },
	[AM_ACCT_SHADOW] = { "shadow", 9 },
};

size_t
am_acct_nfields(enum am_acct_kind kind)
{
	return kinds[kind].nfields;
}

const char *
am_acct_kind_name(enum am_acct_kind kind)
{
	return kinds[kind].name;
}

int
am_acct_name_check(const char *name, struct am_error *err)
{
	const char *p, *shown = name;
	size_t i, len = strlen(name);
	unsigned char c;

	/* A name with a control byte or non-ASCII is not repeated as is. */
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			shown = "(not printable)";
	if (len == 0 || len > AM_ACCT_NAME_MAX)
		return am_error_set(err, AM_E_INVALID, "invalid user name "
		    "\"%s\": must have 1 to %d characters", shown,
		    AM_ACCT_NAME_MAX);
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return am_error_set(err, AM_E_INVALID, "invalid user name "
		    "\"%s\": must start with a lowercase letter or '_'",
		    shown);
	for (i = 1; i < len; i++) {
		c = (unsigned char)name[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-')
			continue;
		if (c == '$' && i == len - 1)
			continue;
		if (c == '$')
			return am_error_set(err, AM_E_INVALID, "invalid user "
			    "name \"%s\": '$' only at the end", shown);
		if (c < 0x20 || c >= 0x7f)
			return am_error_set(err, AM_E_INVALID, "invalid user "
			    "name %s: byte \\x%02x at offset %zu is not "
			    "allowed", shown, c, i);
		return am_error_set(err, AM_E_INVALID, "invalid user name "
		    "\"%s\": '%c' is not allowed (lowercase letters, digits, "
		    "'_' and '-', and '$' at the end)", shown, c);
	}
	return 0;
}

bool
am_acct_name_valid(const char *name)
{
	struct am_error ignored;

	return am_acct_name_check(name, &ignored) == 0;
}

char *
am_acct_path(const char *root, enum am_acct_kind kind)
{
	char path[32];

	snprintf(path, sizeof(path), "/etc/%s", kinds[kind].name);
	return am_root_join(root, path);
}

/* Comments, blank lines, NIS entries and lines without ':' have no name. */
static size_t
line_name_len(const char *text, size_t len)
{
	const char *colon;

	if (len == 0 || text[0] == '+' || text[0] == '-' || text[0] == '#' ||
	    text[0] == ' ' || text[0] == '\t' || text[0] == '\r')
		return 0;
	if ((colon = memchr(text, ':', len)) == NULL)
		return 0;
	return (size_t)(colon - text);
}

static int
grow(struct am_acct_file *f, struct am_error *err)
{
	struct am_acct_line *l;
	size_t ncap;

	if (f->count < f->cap)
		return 0;
	ncap = f->cap ? f->cap * 2 : 64;
	if ((l = realloc(f->line, ncap * sizeof(*l))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	f->line = l;
	f->cap = ncap;
	return 0;
}

int
am_acct_file_parse(struct am_acct_file *f, enum am_acct_kind kind,
    const char *path, const char *text, size_t len, struct am_error *err)
{
	char *p, *end, *nl;
	long lineno = 0;

	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->final_newline = true;
	if ((f->path = strdup(path)) == NULL ||
	    (f->orig = malloc(len + 1)) == NULL ||
	    (f->data = malloc(len + 1)) == NULL)
		goto nomem;
	memcpy(f->orig, text, len);
	f->orig[len] = '\0';
	f->orig_len = len;
	memcpy(f->data, text, len);
	f->data[len] = '\0';
	p = f->data;
	end = f->data + len;
	while (p < end) {
		if (grow(f, err) < 0)
			goto bad;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			f->final_newline = false;
			nl = end;
		}
		*nl = '\0';
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			am_error_set_at(err, AM_E_PARSE, path, lineno + 1,
			    "NUL byte in line");
			goto bad;
		}
		f->line[f->count].text = p;
		f->line[f->count].len = (size_t)(nl - p);
		f->line[f->count].lineno = ++lineno;
		f->line[f->count].name_len = line_name_len(p,
		    (size_t)(nl - p));
		f->line[f->count].owned = false;
		f->count++;
		p = nl + 1;
	}
	return 0;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
bad:
	am_acct_file_free(f);
	return -1;
}

/* Far above any real account file; a bound on what a bad file costs. */
#define ACCT_FILE_MAX ((size_t)256 << 20)

int
am_acct_file_load(struct am_acct_file *f, enum am_acct_kind kind,
    const char *path, struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	struct stat st;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		rc = am_acct_file_parse(f, kind, path, "", 0, err);
		return rc;
	}
	if (fd < 0)
		return am_error_set_errno(err, errno == ELOOP ? AM_E_PERM :
		    am_error_code_from_errno(errno), errno, "open %s", path);
	if (fstat(fd, &st) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "stat %s", path);
		goto out;
	}
	/* As every input file (am_file.h): a FIFO or directory is no input. */
	if (!S_ISREG(st.st_mode)) {
		am_error_set(err, AM_E_NOINPUT, "%s is not a regular file",
		    path);
		goto out;
	}
	/* The shadow file is a secret too: no copies left in freed memory. */
	if (am_file_read_fd(fd, path, AM_FILE_WIPE, ACCT_FILE_MAX,
	    (size_t)st.st_size, &b, err) < 0)
		goto out;
	if (am_acct_file_parse(f, kind, path, b.data, b.len, err) < 0)
		goto out;
	f->exists = true;
	f->st = st;
	rc = 0;
out:
	am_buf_wipe(&b);
	close(fd);
	return rc;
}

void
am_acct_file_free(struct am_acct_file *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->count; i++)
		if (f->line[i].owned)
			free(f->line[i].text);
	free(f->line);
	free(f->data);
	free(f->orig);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

int
am_acct_file_render(const struct am_acct_file *f, struct am_buf *out)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
#ifdef ARCHMAIL_FUZZ_BROKEN
		/*
		 * Planted bug, for tests/fuzz only (README.md there): a line
		 * ending in a blank loses it, breaking the round trip.
		 */
		if (f->line[i].len > 0 &&
		    f->line[i].text[f->line[i].len - 1] == ' ') {
			if (am_buf_add(out, f->line[i].text,
			    f->line[i].len - 1) < 0)
				return -1;
		} else
#endif
		if (am_buf_add(out, f->line[i].text, f->line[i].len) < 0)
			return -1;
		if ((i + 1 < f->count || f->final_newline) &&
		    am_buf_addc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

const char *
am_acct_line_name(const struct am_acct_file *f, size_t i, size_t *len)
{
	*len = f->line[i].name_len;
	return f->line[i].text;
}

long
am_acct_find(const struct am_acct_file *f, const char *name,
    struct am_error *err)
{
	size_t i, nlen = strlen(name);
	long found = -1;

	for (i = 0; i < f->count; i++) {
		if (f->line[i].name_len != nlen ||
		    memcmp(f->line[i].text, name, nlen) != 0)
			continue;
		if (found >= 0) {
			am_error_set_at(err, AM_E_PARSE, f->path,
			    f->line[i].lineno, "multiple entries named "
			    "\"%s\"; fix this with pwck or grpck", name);
			return -1;
		}
		found = (long)i;
	}
	if (found < 0)
		am_error_set(err, AM_E_NOUSER, "no entry \"%s\" in %s", name,
		    f->path);
	return found;
}

int
am_acct_entry_get(const struct am_acct_file *f, size_t i,
    struct am_acct_entry *e, struct am_error *err)
{
	const struct am_acct_line *l = &f->line[i];
	size_t want = kinds[f->kind].nfields;
	char *p;

	memset(e, 0, sizeof(*e));
	if (l->len > 0 && l->text[l->len - 1] == '\r')
		return am_error_set_at(err, AM_E_PARSE, f->path, l->lineno,
		    "line ends in CR (CRLF line endings); refusing to "
		    "change it");
	if ((e->buf = malloc(l->len + 1)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	memcpy(e->buf, l->text, l->len);
	e->buf[l->len] = '\0';
	p = e->buf;
	for (;;) {
		if (e->nfields == want) {
			am_error_set_at(err, AM_E_PARSE, f->path, l->lineno,
			    "more than %zu fields in %s entry", want,
			    kinds[f->kind].name);
			goto bad;
		}
		e->field[e->nfields++] = p;
		if ((p = strchr(p, ':')) == NULL)
			break;
		*p++ = '\0';
	}
	if (e->nfields != want) {
		am_error_set_at(err, AM_E_PARSE, f->path, l->lineno,
		    "%zu fields in %s entry, expected %zu", e->nfields,
		    kinds[f->kind].name, want);
		goto bad;
	}
	return 0;
bad:
	am_acct_entry_free(e);
	return -1;
}

static int
field_check(const char *value, struct am_error *err)
{
	if (strpbrk(value, ":\n\r") != NULL)
		return am_error_set(err, AM_E_INVALID,
		    "a field may not contain ':' or a line break");
	return 0;
}

int
am_acct_entry_set_field(struct am_acct_entry *e, size_t n, const char *value,
    struct am_error *err)
{
	char *copy;

	if (n >= e->nfields)
		return am_error_set(err, AM_E_INTERNAL, "no field %zu", n);
	if (field_check(value, err) < 0)
		return -1;
	if ((copy = strdup(value)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	free(e->owned[n]);
	e->owned[n] = copy;
	e->field[n] = copy;
	return 0;
}

void
am_acct_entry_free(struct am_acct_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < AM_ACCT_MAX_FIELDS; i++)
		free(e->owned[i]);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static int
join_fields(const char *const *field, size_t n, char **out,
    struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((i > 0 && am_buf_addc(&b, ':') < 0) ||
		    am_buf_adds(&b, field[i]) < 0) {
			am_buf_free(&b);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
	}
	if (b.data == NULL && am_buf_reserve(&b, 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	*out = b.data;
	return 0;
}

int
am_acct_entry_join(const struct am_acct_entry *e, char **out,
    struct am_error *err)
{
	return join_fields((const char *const *)e->field, e->nfields, out,
	    err);
}

static void
set_line(struct am_acct_file *f, size_t i, char *text)
{
	struct am_acct_line *l = &f->line[i];

	if (l->owned)
		free(l->text);
	l->text = text;
	l->len = strlen(text);
	l->owned = true;
	l->name_len = line_name_len(text, l->len);
}

int
am_acct_replace(struct am_acct_file *f, size_t i,
    const struct am_acct_entry *e, struct am_error *err)
{
	char *text = NULL;
	size_t k;

	for (k = 0; k < e->nfields; k++)
		if (field_check(e->field[k], err) < 0)
			return -1;
	if (am_acct_entry_join(e, &text, err) < 0)
		return -1;
	if (strlen(text) == f->line[i].len &&
	    memcmp(text, f->line[i].text, f->line[i].len) == 0) {
		free(text);
		return 0;
	}
	set_line(f, i, text);
	f->changed = true;
	return 0;
}

int
am_acct_append(struct am_acct_file *f, const char *const *fields,
    size_t nfields, struct am_error *err)
{
	struct am_error lookup;
	char *text = NULL;
	size_t k, pos;

	if (nfields != kinds[f->kind].nfields)
		return am_error_set(err, AM_E_INTERNAL,
		    "%zu fields for a %s entry", nfields, kinds[f->kind].name);
	if (!am_acct_name_valid(fields[0]))
		return am_error_set(err, AM_E_INVALID,
		    "invalid user or group name \"%s\"", fields[0]);
	for (k = 0; k < nfields; k++)
		if (field_check(fields[k], err) < 0)
			return -1;
	am_error_clear(&lookup);
	if (am_acct_find(f, fields[0], &lookup) >= 0 ||
	    lookup.code == AM_E_PARSE)
		return am_error_set(err, AM_E_EXISTS_DIFFERENT,
		    "\"%s\" is already in %s", fields[0], f->path);
	if (join_fields(fields, nfields, &text, err) < 0)
		return -1;
	if (grow(f, err) < 0) {
		free(text);
		return -1;
	}
	/* NIS compat entries that end the file stay at the end. */
	pos = f->count;
	while (pos > 0 && f->line[pos - 1].len > 0 &&
	    (f->line[pos - 1].text[0] == '+' ||
	    f->line[pos - 1].text[0] == '-'))
		pos--;
	memmove(&f->line[pos + 1], &f->line[pos],
	    (f->count - pos) * sizeof(f->line[0]));
	f->count++;
	memset(&f->line[pos], 0, sizeof(f->line[pos]));
	set_line(f, pos, text);
	if (pos == f->count - 1)
		f->final_newline = true;
	f->changed = true;
	return 0;
}

void
am_acct_remove(struct am_acct_file *f, size_t i)
{
	if (i >= f->count)
		return;
	if (f->line[i].owned)
		free(f->line[i].text);
	memmove(&f->line[i], &f->line[i + 1],
	    (f->count - i - 1) * sizeof(f->line[0]));
	f->count--;
	if (i == f->count)
		f->final_newline = true;
	f->changed = true;
}

/*
 * One number of login.defs, read as shadow-utils reads it: "NAME value"
 * lines (blanks around), '#' lines ignored, the value stripped of
 * trailing blanks (a CR too) and of surrounding double quotes, then taken
 * as strtoul base 0 would (decimal, 0x hex, 0 octal) if all of it is a
 * number; the last line for NAME wins; anything else leaves the default.
 */
static bool
login_defs_number(char *p, unsigned long *v)
{
	size_t len = strlen(p);
	char *end;

	while (len > 0 && isspace((unsigned char)p[len - 1]))
		p[--len] = '\0';
	if (len > 0 && p[0] == '"') {
		p++;
		len--;
		if (len > 0 && p[len - 1] == '"')
			p[--len] = '\0';
	}
	errno = 0;
	*v = strtoul(p, &end, 0);
	return errno == 0 && end != p && *end == '\0' && p[0] != '-';
}

int
am_acct_login_defs(const char *root, const char *name, unsigned long dflt,
    unsigned long *value, struct am_error *err)
{
	char *path = NULL, *line = NULL, *p;
	size_t cap = 0, nlen = strlen(name);
	unsigned long v;
	FILE *fp;

	*value = dflt;
	if ((path = am_root_join(root, "/etc/login.defs")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((fp = am_file_fopen_read(path, 0, err)) == NULL) {
		free(path);
		if (err->sys_errno == ENOENT) {
			am_error_clear(err);
			return 0;
		}
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		p = line + strspn(line, " \t");
		if (*p == '#' || strncmp(p, name, nlen) != 0 ||
		    !isspace((unsigned char)p[nlen]))
			continue;
		p += nlen + strspn(p + nlen, " \t");
		if (login_defs_number(p, &v))
			*value = v;
	}
	free(line);
	fclose(fp);
	free(path);
	return 0;
}

static int
uid_cmp(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

/* The number in field n of line i, if it is one. */
static bool
line_number_field(const struct am_acct_line *l, size_t n, unsigned long *v)
{
	const char *p = l->text, *end = l->text + l->len;
	char num[24], *e;
	size_t k, len;

	if (l->name_len == 0)
		return false;
	for (k = 0; k < n; k++) {
		if ((p = memchr(p, ':', (size_t)(end - p))) == NULL)
			return false;
		p++;
	}
	e = memchr(p, ':', (size_t)(end - p));
	len = (size_t)((e ? e : end) - p);
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, p, len);
	num[len] = '\0';
	if (strspn(num, "0123456789") != len)
		return false;
	*v = strtoul(num, &e, 10);
	return true;
}

int
am_acct_alloc_uid(const struct am_acct_file *passwd, const char *root,
    uid_t *uid, struct am_error *err)
{
	unsigned long min, max, v, cand;
	uid_t *used = NULL;
	size_t i, n = 0;

	if (am_acct_login_defs(root, "UID_MIN", 1000, &min, err) < 0 ||
	    am_acct_login_defs(root, "UID_MAX", 60000, &max, err) < 0)
		return -1;
	if (min > max || max > 0xfffffffeUL)
		return am_error_set(err, AM_E_CONFIG,
		    "login.defs: bad UID_MIN..UID_MAX %lu..%lu", min, max);
	if (passwd->count > 0 &&
	    (used = malloc(passwd->count * sizeof(*used))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (i = 0; i < passwd->count; i++)
		if (line_number_field(&passwd->line[i], 2, &v) &&
		    v >= min && v <= max)
			used[n++] = (uid_t)v;
	if (n > 0)
		qsort(used, n, sizeof(*used), uid_cmp);
	cand = min;
	for (i = 0; i < n && used[i] <= cand; i++)
		if (used[i] == cand)
			cand++;
	free(used);
	if (cand > max)
		return am_error_set(err, AM_E_CANTCREAT,
		    "no free UID between %lu and %lu", min, max);
	*uid = (uid_t)cand;
	return 0;
}

int
am_acct_group_gid(const struct am_acct_file *group, const char *name,
    gid_t *gid, struct am_error *err)
{
	unsigned long v;
	long i;

	if (name[0] != '\0' && strspn(name, "0123456789") == strlen(name)) {
		*gid = (gid_t)strtoul(name, NULL, 10);
		return 0;
	}
	if ((i = am_acct_find(group, name, err)) < 0)
		return -1;
	if (!line_number_field(&group->line[i], 2, &v))
		return am_error_set_at(err, AM_E_PARSE, group->path,
		    group->line[i].lineno, "bad GID for group \"%s\"", name);
	*gid = (gid_t)v;
	return 0;
}

long
am_acct_today(void)
{
	return (long)(time(NULL) / 86400);
}

/* Locks */

static void
block_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGTERM);
}

static bool
signal_pending(void)
{
	sigset_t pend, set;
	int sig[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	size_t i;

	block_set(&set);
	if (sigpending(&pend) < 0)
		return false;
	for (i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (sigismember(&pend, sig[i]) == 1)
			return true;
	return false;
}

/*
 * The PID in a lock file, 0 if it has none; -1 if it is gone, -2 if it
 * is not a regular file (a symbolic link, FIFO or directory can never be
 * a lock: no process will ever remove it).  O_NONBLOCK: a FIFO must not
 * block the open.
 */
static long
lock_owner(const char *lockfile)
{
	char buf[32], *end;
	struct stat st;
	ssize_t n;
	long pid;
	int fd;

	if ((fd = open(lockfile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? -1 : -2;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || (*end != '\0' && *end != '\n'))
		return 0;
	return pid;
}

static int
link_lock(const char *file, struct am_wait *w, char **held,
    struct am_error *err)
{
	char *pidfile = NULL, *lockfile = NULL, pidbuf[24];
	struct stat st;
	long owner = 0;
	int fd, len, rc = -1;

	if (asprintf(&pidfile, "%s.%ld", file, (long)getpid()) < 0) {
		pidfile = NULL;
		goto nomem;
	}
	if (asprintf(&lockfile, "%s.lock", file) < 0) {
		lockfile = NULL;
		goto nomem;
	}
	(void)unlink(pidfile);
	fd = open(pidfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		am_error_set_errno(err, am_error_code_create(errno), errno,
		    "create %s", pidfile);
		goto out;
	}
	len = snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	if (am_write_all(fd, pidbuf, (size_t)len) < 0 || fdatasync(fd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "write %s", pidfile);
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "close %s", pidfile);
		goto out;
	}
	for (;;) {
		int lerr = link(pidfile, lockfile) == 0 ? 0 : errno;

		/* The link count, not link()'s answer, decides (NFS). */
		if (stat(pidfile, &st) == 0 && st.st_nlink == 2)
			break;
		if (lerr == 0) {
			am_error_set(err, AM_E_IO, "lock %s: link count is "
			    "not 2 after link()", lockfile);
			goto out;
		}
		if (lerr != EEXIST) {
			am_error_set_errno(err, am_error_code_from_errno(lerr),
			    lerr, "link %s to %s", pidfile, lockfile);
			goto out;
		}
		owner = lock_owner(lockfile);
		if (owner == -2) {
			am_error_set(err, AM_E_IO, "lock %s is not a regular "
			    "file (symbolic link, FIFO or directory?); remove "
			    "it", lockfile);
			goto out;
		}
		if (owner > 0 && owner != (long)getpid() &&
		    kill((pid_t)owner, 0) < 0 && errno == ESRCH) {
			/* Stale: its process is gone. */
			(void)unlink(lockfile);
			owner = -1;
		}
		if (am_wait_next(w, lockfile, err) < 0) {
			if (w->expired && owner > 0)
				am_error_set(err, AM_E_LOCK_BUSY, "lock %s is "
				    "held by process %ld; try again later",
				    lockfile, owner);
			else if (w->expired)
				am_error_set(err, AM_E_LOCK_BUSY, "lock %s "
				    "exists without a PID; remove it if no "
				    "program is changing accounts", lockfile);
			goto out;
		}
	}
	*held = lockfile;
	lockfile = NULL;
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	if (pidfile != NULL)
		(void)unlink(pidfile);
	free(pidfile);
	free(lockfile);
	return rc;
}

int
am_acct_lock(struct am_acct_lock *lk, const char *root, unsigned int files,
    int timeout_ms, struct am_error *err)
{
	struct am_wait w;
	sigset_t set;
	char *path = NULL;
	int k;

	/* One wait for .pwd.lock and every FILE.lock; a pending signal
	 * (held back while locked) ends it. */
	am_wait_start(&w, timeout_ms);
	w.interrupted = signal_pending;
	memset(lk, 0, sizeof(*lk));
	lk->pwd_fd = -1;
	if ((lk->root = strdup(root != NULL ? root : "/")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	block_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, &lk->old_mask) == 0)
		lk->masked = true;
	if ((path = am_root_join(root, "/etc/.pwd.lock")) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto bad;
	}
	if (am_lock_file_open(path, &lk->pwd_fd, err) < 0)
		goto bad;
	if (am_lock_fcntl_wait(lk->pwd_fd, F_WRLCK, &w, path, err) < 0)
		goto bad;
	for (k = 0; k < AM_ACCT_NKINDS; k++) {
		if (!(files & (1u << k)))
			continue;
		free(path);
		if ((path = am_acct_path(root, (enum am_acct_kind)k)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto bad;
		}
		if (link_lock(path, &w, &lk->lock_path[k], err) < 0)
			goto bad;
	}
	free(path);
	return 0;
bad:
	free(path);
	am_acct_unlock(lk);
	return -1;
}

void
am_acct_unlock(struct am_acct_lock *lk)
{
	int k;

	if (lk == NULL)
		return;
	for (k = AM_ACCT_NKINDS - 1; k >= 0; k--) {
		if (lk->lock_path[k] != NULL)
			(void)unlink(lk->lock_path[k]);
		free(lk->lock_path[k]);
		lk->lock_path[k] = NULL;
	}
	if (lk->pwd_fd >= 0)
		close(lk->pwd_fd);
	lk->pwd_fd = -1;
	free(lk->root);
	lk->root = NULL;
	/* Last: a signal that came meanwhile is delivered now. */
	if (lk->masked)
		sigprocmask(SIG_SETMASK, &lk->old_mask, NULL);
	lk->masked = false;
}

/* Database */

/* Remove FILE.PID, the link-lock files of processes that are gone. */
static void
sweep_pid_files(const char *file)
{
	char *copy = NULL, *slash;
	const char *base;
	struct dirent *de;
	size_t blen;
	long pid;
	char *end;
	DIR *d;

	if ((copy = strdup(file)) == NULL ||
	    (slash = strrchr(copy, '/')) == NULL)
		goto out;
	*slash = '\0';
	base = slash + 1;
	blen = strlen(base);
	if ((d = opendir(copy[0] != '\0' ? copy : "/")) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    de->d_name[blen] != '.' || de->d_name[blen + 1] < '0' ||
		    de->d_name[blen + 1] > '9')
			continue;
		pid = strtol(de->d_name + blen + 1, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
out:
	free(copy);
}

/*
 * Under the locks: finish a journal a killed run left, then remove what
 * killed runs leave (temporaries of both kinds, link-lock PID files).
 * The order matters: the journal's temporaries are the change itself.
 */
static int
recover(const char *root, unsigned int files, struct am_error *err)
{
	char *path = NULL, *backup = NULL;
	bool replayed;
	size_t skipped;
	int k;

	if (am_journal_replay(root, &replayed, &skipped, err) < 0)
		return -1;
	if ((path = am_root_join(root, AM_JOURNAL_FILE)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	am_atomic_remove_stale(path);
	free(path);
	for (k = 0; k < AM_ACCT_NKINDS; k++) {
		if (!(files & (1u << k)))
			continue;
		if ((path = am_acct_path(root, (enum am_acct_kind)k)) == NULL ||
		    asprintf(&backup, "%s-", path) < 0) {
			free(path);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
		am_journal_sweep(path);
		am_journal_sweep(backup);
		am_atomic_remove_stale(path);
		am_atomic_remove_stale(backup);
		sweep_pid_files(path);
		free(path);
		free(backup);
		backup = NULL;
	}
	return 0;
}

int
am_acct_db_open(struct am_acct_db *db, const char *root, unsigned int files,
    bool lock, int timeout_ms, struct am_error *err)
{
	struct am_journal pending;
	const char *src;
	bool found = false;
	char *path;
	int k, rc;

	memset(db, 0, sizeof(*db));
	memset(&pending, 0, sizeof(pending));
	db->lock.pwd_fd = -1;
	if ((db->root = strdup(root != NULL ? root : "/")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (lock && (am_acct_lock(&db->lock, root, files, timeout_ms,
	    err) < 0 || recover(db->root, files, err) < 0))
		goto bad;
	/*
	 * Without the locks a pending journal cannot be finished here; read
	 * the files it will install instead, so that a reader sees the
	 * change complete, as the next writer will make it.
	 */
	if (!lock && am_journal_load(&pending, db->root, &found, err) < 0)
		goto bad;
	for (k = 0; k < AM_ACCT_NKINDS; k++) {
		if (!(files & (1u << k)))
			continue;
		if ((path = am_acct_path(root, (enum am_acct_kind)k)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto bad;
		}
		src = found ? am_journal_source(&pending, path) : NULL;
		rc = am_acct_file_load(&db->file[k], (enum am_acct_kind)k,
		    src != NULL ? src : path, err);
		if (rc == 0 && src != NULL && !db->file[k].exists) {
			/* Renamed by its writer meanwhile: now the target. */
			am_acct_file_free(&db->file[k]);
			src = NULL;
			rc = am_acct_file_load(&db->file[k],
			    (enum am_acct_kind)k, path, err);
		}
		if (rc == 0 && src != NULL) {
			free(db->file[k].path);
			db->file[k].path = path;
			path = NULL;
		}
		free(path);
		if (rc < 0)
			goto bad;
		db->loaded |= 1u << k;
		/* Every system has one; a root without it is a wrong root. */
		if (k == AM_ACCT_PASSWD && !db->file[k].exists) {
			am_error_set(err, AM_E_NOINPUT, "%s does not exist",
			    db->file[k].path);
			goto bad;
		}
	}
	am_journal_free(&pending);
	return 0;
bad:
	am_journal_free(&pending);
	am_acct_db_close(db);
	return -1;
}

static int
line_name_cmp(const void *a, const void *b)
{
	const struct am_acct_line *x = *(const struct am_acct_line *const *)a;
	const struct am_acct_line *y = *(const struct am_acct_line *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->text, y->text, n);

	if (c != 0)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

int
am_acct_check_duplicates(const struct am_acct_file *f, struct am_error *err)
{
	const struct am_acct_line **v;
	size_t i, n = 0;
	int rc = 0;

	if (f->count == 0)
		return 0;
	if ((v = malloc(f->count * sizeof(*v))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (i = 0; i < f->count; i++)
		if (f->line[i].name_len > 0)
			v[n++] = &f->line[i];
	qsort(v, n, sizeof(*v), line_name_cmp);
	for (i = 1; i < n; i++) {
		if (v[i]->name_len == v[i - 1]->name_len &&
		    memcmp(v[i]->text, v[i - 1]->text, v[i]->name_len) == 0) {
			rc = am_error_set_at(err, AM_E_PARSE, f->path,
			    v[i]->lineno, "multiple entries named \"%.*s\"; "
			    "fix this with pwck or grpck",
			    (int)v[i]->name_len, v[i]->text);
			break;
		}
	}
	free(v);
	return rc;
}

/* Backup FILE- (old content, owner, mode) and FILE as journal steps. */
static int
stage_file(struct am_acct_file *f, struct am_journal *j,
    struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	char *backup = NULL;
	mode_t mode;
	int rc = -1;

	if (f->exists) {
		if (asprintf(&backup, "%s-", f->path) < 0) {
			backup = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		if (am_journal_add_file(j, backup, f->orig, f->orig_len,
		    f->st.st_mode & 07777, true, f->st.st_uid, f->st.st_gid,
		    err) < 0)
			goto out;
		mode = f->st.st_mode & 07777;
	} else {
		mode = f->kind == AM_ACCT_SHADOW ||
		    f->kind == AM_ACCT_GSHADOW ? 0600 : 0644;
	}
	if (am_acct_file_render(f, &b) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (am_journal_add_file(j, f->path, b.data ? b.data : "", b.len, mode,
	    f->exists, f->st.st_uid, f->st.st_gid, err) < 0)
		goto out;
	rc = 0;
out:
	/* The file holds password hashes. */
	am_buf_wipe(&b);
	free(backup);
	return rc;
}

int
am_acct_db_stage(struct am_acct_db *db, struct am_journal *j,
    struct am_error *err)
{
	static const enum am_acct_kind order[] = { AM_ACCT_PASSWD,
	    AM_ACCT_SHADOW, AM_ACCT_GROUP, AM_ACCT_GSHADOW };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct am_acct_file *f = &db->file[order[i]];

		if (!(db->loaded & (1u << order[i])) || !f->changed)
			continue;
		/* As shadow-utils: no update of a file with a name twice. */
		if (am_acct_check_duplicates(f, err) < 0)
			return -1;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct am_acct_file *f = &db->file[order[i]];

		if (!(db->loaded & (1u << order[i])) || !f->changed)
			continue;
		if (stage_file(f, j, err) < 0)
			return -1;
	}
	return 0;
}

int
am_acct_db_commit(struct am_acct_db *db, struct am_error *err)
{
	struct am_journal j;
	int k, rc = -1;

	if (am_journal_init(&j, db->root, err) < 0)
		return -1;
	if (am_acct_db_stage(db, &j, err) < 0 ||
	    am_journal_commit(&j, err) < 0)
		goto out;
	for (k = 0; k < AM_ACCT_NKINDS; k++)
		db->file[k].changed = false;
	rc = 0;
out:
	am_journal_free(&j);
	return rc;
}

void
am_acct_db_close(struct am_acct_db *db)
{
	int k;

	if (db == NULL)
		return;
	am_acct_unlock(&db->lock);
	for (k = 0; k < AM_ACCT_NKINDS; k++)
		am_acct_file_free(&db->file[k]);
	free(db->root);
	db->root = NULL;
	db->loaded = 0;
}

/*
 * A UID or GID field: decimal digits only, below (uid_t)-1 (the "no
 * user" value).  strtoul would take "" and "x" for 0, i.e. root.
 */
static int
passwd_id(const char *s, unsigned int *id)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= 0xffffffffUL)
		return -1;
	*id = (unsigned int)v;
	return 0;
}

int
am_acct_passwd_lookup(const char *root, const char *user, uid_t *uid,
    gid_t *gid, char **home, struct am_error *err)
{
	struct am_acct_file f;
	struct am_acct_entry e;
	struct am_buf text = AM_BUF_INIT;
	char *path;
	ssize_t n;
	long i;
	int fd = -1, rc = -1;

	memset(&f, 0, sizeof(f));
	memset(&e, 0, sizeof(e));
	if ((path = am_acct_path(root, AM_ACCT_PASSWD)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* am_file's open: a FIFO or directory is "not a regular file" (66). */
	if (am_file_open_read(path, 0, &fd, NULL, err) < 0) {
		if (err->sys_errno == ENOENT) {
			am_error_clear(err);
			rc = 0;
		}
		goto out;
	}
	for (;;) {
		if (am_buf_reserve(&text, 65536) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		n = read(fd, text.data + text.len, text.cap - text.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			am_error_set_errno(err, AM_E_IO, errno, "read %s",
			    path);
			goto out;
		}
		if (n == 0)
			break;
		text.len += (size_t)n;
	}
	if (am_acct_file_parse(&f, AM_ACCT_PASSWD, path, text.data ?
	    text.data : "", text.len, err) < 0)
		goto out;
	if ((i = am_acct_find(&f, user, err)) < 0) {
		if (err->code == AM_E_NOUSER) {
			am_error_clear(err);
			rc = 0;
		}
		goto out;
	}
	if (am_acct_entry_get(&f, (size_t)i, &e, err) < 0)
		goto out;
	if (passwd_id(e.field[2], uid) < 0 || passwd_id(e.field[3], gid) < 0) {
		am_error_set_at(err, AM_E_PARSE, path, f.line[i].lineno,
		    "user \"%s\": UID or GID is not a number", user);
		goto out;
	}
	if (home != NULL && (*home = strdup(e.field[5])) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 1;
out:
	if (fd >= 0)
		close(fd);
	am_buf_free(&text);
	am_acct_entry_free(&e);
	am_acct_file_free(&f);
	free(path);
	return rc;
}

void
am_acct_db_notes(const struct am_host *h, const struct am_acct_db *db)
{
	size_t k;

	for (k = 0; k < AM_ACCT_NKINDS; k++)
		if (db->lock.lock_path[k] != NULL)
			am_host_note(h, "locked", db->lock.lock_path[k]);
	for (k = 0; k < AM_ACCT_NKINDS; k++)
		if ((db->loaded & (1u << k)) && db->file[k].path != NULL)
			am_host_note(h, "read", db->file[k].path);
}
