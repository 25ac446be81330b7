/*
 * archmail check: the area dkim.  For each signing key: who may read it,
 * whether the installed rspamd can load its format, and, with a published
 * record (--record-file) or a zone (--zone, zone-file text or dig output),
 * whether the record publishes it.  Keys are decoded by am_dkim_key,
 * records read and linted by am_dkim_record; nothing is written.
 *
 * Which keys: opt->dkim_dir (every regular file that decodes as a key; a
 * "*.key" file that does not is a finding), else the "path" settings of
 * rspamd's dkim_signing module under ROOT/etc/rspamd (local.d, then
 * override.d): a path whose file name holds $domain or $selector names
 * its directory, another path one key.  Without either, nothing to check.
 *
 * A key's selector and domain come from its file name the way rspamd's
 * default path writes it, "$domain.$selector.key" (the runbook's
 * archlinux.org.dkim-rsa.key): the selector is the part after the last
 * dot.  A key whose name does not read that way is matched against a
 * record only through --record-file without an owner name.
 *
 * Who may read a key (rspamd reads it as its own user, "_rspamd" on
 * Debian, "rspamd" on Arch, found in ROOT/etc/passwd; it checks no
 * permissions itself, so archmail does):
 *  - others with any access (mode & 007): error dkim-key-world-readable,
 *    anyone on the host could sign mail as the domain;
 *  - group access (mode & 070) for a group other than rspamd's primary
 *    group: error dkim-key-group-readable (0640 root:_rspamd, what
 *    rspamd's users ask for, is fine);
 *  - an owner other than root or rspamd's user: error dkim-key-owner
 *    (that account can read it and change its mode);
 *  - rspamd's user can read it neither as owner (0400) nor through its
 *    group (0040): warning dkim-key-unreadable, as signing with it fails
 *    but an unused key may lie there on purpose.  Skipped when ROOT has
 *    no rspamd account.
 */
#include "am_check.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "am_acct.h"
#include "am_buf.h"
#include "am_check_fix.h"
#include "am_dkim_key.h"
#include "am_dkim_record.h"
#include "am_dnsname.h"
#include "am_file.h"

#define FIX_MAX 1200
#define TEXT_MAX (4 * 1024 * 1024)

/* The first rspamd that loads Ed25519 keys in PEM or DER (3.13.2). */
#define RSPAMD_PEM_ED25519 ((3L << 20) | (13L << 10) | 2L)

struct dkim_ctx {
	const struct am_host *h;
	const struct am_check_options *opt;
	struct am_check_report *r;
	bool have_rspamd;	/* ROOT has an rspamd account */
	uid_t rspamd_uid;
	gid_t rspamd_gid;
	char rspamd_user[16];
	long version;		/* rspamd's, packed; -1 unknown */
	char version_text[32];
	struct am_buf zone;	/* --zone's text */
	bool have_zone;
	struct am_dkim_published rec;	/* --record-file's record */
	bool have_rec;
	bool rec_matched;	/* some key matched rec */
	bool rec_named;		/* rec's owner names some key */
	size_t nkeys;
};

/* rspamd's account in ROOT/etc/passwd, if there is one. */
static int
find_rspamd(struct dkim_ctx *c, struct am_error *err)
{
	static const char *const names[] = { "_rspamd", "rspamd" };
	size_t i;
	int found;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		found = am_acct_passwd_lookup(c->h->root, names[i],
		    &c->rspamd_uid, &c->rspamd_gid, NULL, err);
		if (found < 0)
			return -1;
		if (found == 1) {
			c->have_rspamd = true;
			snprintf(c->rspamd_user, sizeof(c->rspamd_user), "%s",
			    names[i]);
			return 0;
		}
	}
	return 0;
}

/* "X.Y.Z" (Y, Z optional) after "version" in text, packed; -1 if none. */
static long
parse_version(const char *text, char *shown, size_t size)
{
	const char *p = strstr(text, "version");
	long part[3] = { 0, 0, 0 };
	char *end;
	int i;

	if (p == NULL)
		return -1;
	p += strlen("version");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (i = 0; i < 3; i++) {
		part[i] = strtol(p, &end, 10);
		if (part[i] < 0 || part[i] > 1023)
			return -1;
		p = end;
		if (*p != '.' || p[1] < '0' || p[1] > '9')
			break;
		p++;
	}
	snprintf(shown, size, "%ld.%ld.%ld", part[0], part[1], part[2]);
	return (part[0] << 20) | (part[1] << 10) | part[2];
}

/*
 * The installed rspamd's version from "ROOT/usr/bin/rspamd --version"
 * (run directly, no shell, nothing on stdin, five seconds at most, and
 * only a file neither group- nor world-writable owned by root); -1
 * when there is none or it says nothing we can read: the format finding
 * is then skipped.
 */
static long
rspamd_version(const struct am_host *h, char *shown, size_t size)
{
	static const char *const paths[] = { "/usr/bin/rspamd",
	    "/usr/sbin/rspamd" };
	char buf[4096], *path = NULL;
	size_t len = 0, i;
	struct pollfd pfd;
	struct stat st;
	ssize_t n;
	pid_t pid;
	int p[2], fd, status;
	long v = -1;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		free(path);
		if ((path = am_host_path(h, paths[i])) == NULL)
			return -1;
		/*
		 * Run only what only root (or we) could have put there: a
		 * root's binary that anyone may replace is not run as root.
		 */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) && !(st.st_mode & 0022) &&
		    (st.st_uid == 0 || st.st_uid == geteuid()))
			break;
	}
	if (i == sizeof(paths) / sizeof(paths[0]) || pipe(p) < 0) {
		free(path);
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		free(path);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { "rspamd", "--version", NULL };
		char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		dup2(p[1], STDOUT_FILENO);
		execve(path, argv, envp);
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 5000) > 0) {
		n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(p[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	free(path);
	v = parse_version(buf, shown, size);
	return v;
}

/* name = "DOMAIN.SELECTOR.key": both parts, checked as DNS names. */
static bool
key_names(const char *name, char *sel, size_t ssize, char *dom,
    size_t dsize)
{
	struct am_error ignored;
	size_t len = strlen(name);
	const char *dot;

	if (len < 5 || strcmp(name + len - 4, ".key") != 0)
		return false;
	len -= 4;
	dot = memrchr(name, '.', len);
	if (dot == NULL || dot == name || (size_t)(dot - name) >= dsize ||
	    len - (size_t)(dot - name) - 1 >= ssize)
		return false;
	snprintf(dom, dsize, "%.*s", (int)(dot - name), name);
	snprintf(sel, ssize, "%.*s", (int)(len - (size_t)(dot - name) - 1),
	    dot + 1);
	am_error_clear(&ignored);
	return strchr(dom, '.') != NULL &&
	    am_dkim_record_check_names(sel, dom, &ignored) == 0;
}

/* s (a fixing command, or NULL: out of memory) copied into buf. */
static int
fix_copy(char *s, char *buf, size_t size, struct am_error *err)
{
	if (s == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	snprintf(buf, size, "%s", s);
	free(s);
	return 0;
}

static int
check_mode(struct dkim_ctx *c, const char *path, const struct stat *st,
    struct am_error *err)
{
	char fix[FIX_MAX];
	bool owner_reads, group_reads;
	int rc = 0;

	if (st->st_mode & 0007) {
		rc = fix_copy(am_check_shell("chmod o-rwx %Q", path), fix,
		    sizeof(fix), err);
		if (rc == 0)
			rc = am_check_add(c->r, "dkim", "dkim-key-world-readable",
		    AM_CHECK_ERROR, path, 0, fix, err, "the private key has "
		    "mode %04o: every account on the host can read it and "
		    "sign mail as the domain", (unsigned)(st->st_mode & 07777));
	}
	if (rc == 0 && (st->st_mode & 0070) &&
	    (!c->have_rspamd || st->st_gid != c->rspamd_gid)) {
		rc = fix_copy(am_check_shell("chmod g-rwx %Q", path), fix,
		    sizeof(fix), err);
		if (rc == 0)
			rc = am_check_add(c->r, "dkim", "dkim-key-group-readable",
		    AM_CHECK_ERROR, path, 0, fix, err, "the private key has "
		    "mode %04o for group %lu, which is not rspamd's group: "
		    "its members can read it", (unsigned)(st->st_mode & 07777),
		    (unsigned long)st->st_gid);
	}
	if (rc == 0 && st->st_uid != 0 &&
	    (!c->have_rspamd || st->st_uid != c->rspamd_uid)) {
		rc = fix_copy(am_check_shell("chown %Q %Q", c->have_rspamd ?
		    c->rspamd_user : "root", path), fix, sizeof(fix), err);
		if (rc == 0)
			rc = am_check_add(c->r, "dkim", "dkim-key-owner",
		    AM_CHECK_ERROR, path, 0, fix, err, "the private key is "
		    "owned by uid %lu, neither root nor rspamd's user, which "
		    "can read it and change its mode",
		    (unsigned long)st->st_uid);
	}
	if (rc < 0 || !c->have_rspamd || c->rspamd_uid == 0)
		return rc;
	owner_reads = st->st_uid == c->rspamd_uid && (st->st_mode & 0400);
	group_reads = st->st_gid == c->rspamd_gid && (st->st_mode & 0040);
	if (!owner_reads && !group_reads) {
		rc = fix_copy(am_check_shell("chown %Q %Q", c->rspamd_user,
		    path), fix, sizeof(fix), err);
		if (rc == 0)
			rc = am_check_add(c->r, "dkim", "dkim-key-unreadable",
		    AM_CHECK_WARNING, path, 0, fix, err, "rspamd (user %s) "
		    "cannot read the private key (mode %04o, uid %lu, gid "
		    "%lu), so it cannot sign with it", c->rspamd_user,
		    (unsigned)(st->st_mode & 07777), (unsigned long)st->st_uid,
		    (unsigned long)st->st_gid);
	}
	return rc;
}

static int
check_format(struct dkim_ctx *c, const char *path,
    const struct am_dkim_key *key, struct am_error *err)
{
	char fix[FIX_MAX];

	if (c->version < 0 || c->version >= RSPAMD_PEM_ED25519 ||
	    key->type != AM_DKIM_ED25519 || (key->format != AM_DKIM_KEY_PEM &&
	    key->format != AM_DKIM_KEY_DER &&
	    key->format != AM_DKIM_KEY_DER_BASE64))
		return 0;
	if (fix_copy(am_check_archmail(c->h, "dkim convert -k %Q --key-format "
	    "rspamd -O %Q -f", path, path), fix, sizeof(fix), err) < 0)
		return -1;
	return am_check_add(c->r, "dkim", "dkim-key-format-unsupported",
	    AM_CHECK_ERROR, path, 0, fix, err, "the Ed25519 key is in %s form, "
	    "which rspamd %s cannot load (only from 3.13.2 on); it needs "
	    "rspamd's own base64 form", am_dkim_key_format_name(key->format),
	    c->version_text);
}

/* "$ORIGIN name" sets the origin; true if the line is one. */
static bool
origin_line(const char *p, const char *eol, char *origin, size_t size)
{
	const char *q;

	if ((size_t)(eol - p) < 8 || strncasecmp(p, "$ORIGIN", 7) != 0 ||
	    (p[7] != ' ' && p[7] != '\t'))
		return false;
	for (p += 7; p < eol && (*p == ' ' || *p == '\t'); p++)
		continue;
	for (q = p; q < eol && *q != ' ' && *q != '\t' && *q != ';' &&
	    *q != '\r'; q++)
		continue;
	snprintf(origin, size, "%.*s", (int)(q - p), p);
	return true;
}

/*
 * Is owner (a zone line's first word) SEL._domainkey.DOM?  Absolute
 * names compare whole; relative ones under $ORIGIN when the zone has one,
 * else as a record's owner is judged (relative to DOM or a parent).
 */
static bool
owner_is(const char *owner, size_t olen, const char *origin,
    const char *sel, const char *dom)
{
	char full[600], name[600];
	struct am_dkim_published probe;
	struct am_error ignored;
	bool ok;

	snprintf(full, sizeof(full), "%s._domainkey.%s.", sel, dom);
	if (olen > 0 && owner[olen - 1] == '.')
		return am_dnsname_equal(owner, olen, full, strlen(full));
	if (origin[0] != '\0') {
		snprintf(name, sizeof(name), "%.*s.%s%s", (int)olen, owner,
		    origin, origin[strlen(origin) - 1] == '.' ? "" : ".");
		if (strcmp(origin, "@") != 0)
			return am_dnsname_equal(name, strlen(name), full,
			    strlen(full));
	}
	/* The record reader's rule for a relative owner. */
	memset(&probe, 0, sizeof(probe));
	if ((probe.owner = strndup(owner, olen)) == NULL)
		return false;
	am_error_clear(&ignored);
	ok = am_dkim_published_check_owner(&probe, sel, dom, &ignored) == 0 &&
	    probe.nissues == 0;
	am_dkim_published_free(&probe);
	return ok;
}

/*
 * The zone's records for SEL._domainkey.DOM: each one's text, from its
 * owner's line to the line where its parentheses close, appended to out
 * for the record reader; *line: the first one's line.
 */
static int
zone_records(const struct am_buf *zone, const char *sel, const char *dom,
    struct am_buf *out, long *line)
{
	const char *p = zone->data, *end = zone->data + zone->len, *eol, *q;
	char origin[300] = "";
	long lineno = 0;
	int depth;
	bool in_quote;

	*line = 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol : end;
		lineno++;
		if (origin_line(p, eol, origin, sizeof(origin)) ||
		    p == eol || *p == ' ' || *p == '\t' || *p == ';') {
			p = eol + (eol < end);
			continue;
		}
		for (q = p; q < eol && *q != ' ' && *q != '\t'; q++)
			continue;
		if (!owner_is(p, (size_t)(q - p), origin, sel, dom)) {
			p = eol + (eol < end);
			continue;
		}
		if (*line == 0)
			*line = lineno;
		/* To the end of the record: parentheses outside quotes. */
		depth = 0;
		in_quote = false;
		for (q = p; q < end; q++) {
			if (*q == '\\' && in_quote && q + 1 < end)
				q++;
			else if (*q == '"')
				in_quote = !in_quote;
			else if (!in_quote && *q == ';' && depth == 0)
				while (q + 1 < end && q[1] != '\n')
					q++;
			else if (!in_quote && *q == '(')
				depth++;
			else if (!in_quote && *q == ')')
				depth--;
			else if (*q == '\n' && depth <= 0 && !in_quote)
				break;
			if (*q == '\n')
				lineno++;
		}
		if (am_buf_add(out, p, (size_t)(q - p)) < 0 ||
		    am_buf_addc(out, '\n') < 0)
			return -1;
		p = q + (q < end);
	}
	return 0;
}

static int
record_findings(struct dkim_ctx *c, const struct am_dkim_published *p,
    const struct am_dkim_key *key, const char *keypath, const char *file,
    long line, const char *name, struct am_error *err)
{
	size_t i;

	if (!am_dkim_published_matches(p, key))
		return am_check_add(c->r, "dkim", "dkim-record-mismatch",
		    AM_CHECK_ERROR, file, line, NULL, err, "the record of %s "
		    "does not publish the key %s (%s): rspamd with "
		    "check_pubkey refuses to sign, and verifiers fail every "
		    "signature; publish the output of \"archmail dkim record "
		    "-k %s\"", name, keypath, p->pkey == NULL ? "it has no "
		    "usable key" : p->type != key->type ? "another key type" :
		    "another key", keypath);
	for (i = 0; i < p->nissues; i++)
		if (p->issues[i].severity == AM_DKIM_ERROR)
			return am_check_add(c->r, "dkim", "dkim-record-invalid",
			    AM_CHECK_ERROR, file, line, NULL, err, "the record "
			    "of %s publishes the key but is invalid: %s (%s)",
			    name, p->issues[i].message, p->issues[i].code);
	return 0;
}

static int
check_zone(struct dkim_ctx *c, const char *keypath,
    const struct am_dkim_key *key, const char *sel, const char *dom,
    struct am_error *err)
{
	struct am_dkim_published p;
	struct am_buf text = AM_BUF_INIT;
	char name[600];
	long line;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, dom);
	if (zone_records(&c->zone, sel, dom, &text, &line) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (text.len == 0) {
		rc = am_check_add(c->r, "dkim", "dkim-record-missing",
		    AM_CHECK_ERROR, c->opt->zone_file, 0, NULL, err, "the "
		    "zone has no TXT record %s for the key %s; publish the "
		    "output of \"archmail dkim record -k %s -s %s -d %s\"",
		    name, keypath, keypath, sel, dom);
		goto out;
	}
	if (am_dkim_published_parse(&p, text.data, text.len, err) < 0)
		goto out;
	rc = record_findings(c, &p, key, keypath, c->opt->zone_file, line,
	    name, err);
out:
	am_dkim_published_free(&p);
	am_buf_free(&text);
	return rc;
}

/* One key file (st: already stat'ed, a regular file). */
static int
check_key(struct dkim_ctx *c, const char *path, const char *base,
    struct am_error *err)
{
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_error kerr;
	struct stat st;
	char sel[256], dom[300];
	bool named;
	size_t blen = strlen(base);
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	am_error_clear(&kerr);
	if (am_dkim_key_load_fd(&key, fd, path, &kerr) < 0) {
		close(fd);
		if (kerr.code == AM_E_NOMEM) {
			*err = kerr;
			return -1;
		}
		/* Not a key; only a "*.key" file was meant to be one. */
		if (blen < 4 || strcmp(base + blen - 4, ".key") != 0)
			return 0;
		return am_check_add(c->r, "dkim", "dkim-key-invalid",
		    AM_CHECK_ERROR, path, 0, NULL, err, "rspamd cannot load "
		    "this key file: %s", kerr.message);
	}
	close(fd);
	c->nkeys++;
	named = key_names(base, sel, sizeof(sel), dom, sizeof(dom));
	if (check_mode(c, path, &st, err) < 0 ||
	    check_format(c, path, &key, err) < 0)
		goto out;
	if (c->have_zone && named && check_zone(c, path, &key, sel, dom,
	    err) < 0)
		goto out;
	if (c->have_rec && (c->rec.owner == NULL || (named &&
	    owner_is(c->rec.owner, strlen(c->rec.owner), "", sel, dom)))) {
		c->rec_named = true;
		if (am_dkim_published_matches(&c->rec, &key)) {
			c->rec_matched = true;
			if (record_findings(c, &c->rec, &key, path,
			    c->opt->record_file, 0, c->rec.owner != NULL ?
			    c->rec.owner : "the record file", err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	am_dkim_key_free(&key);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir, in name order. */
static int
check_dir(struct dkim_ctx *c, const char *dir, struct am_error *err)
{
	struct dirent *de;
	char **names = NULL, **v, *path;
	size_t n = 0, i;
	DIR *d;
	int rc = -1;

	if ((d = opendir(dir)) == NULL)
		return am_error_set_errno(err, errno == ENOENT ||
		    errno == ENOTDIR ? AM_E_NOINPUT : errno == EACCES ?
		    AM_E_PERM : AM_E_IO, errno, "cannot read directory %s",
		    dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((v = realloc(names, (n + 1) * sizeof(*v))) == NULL)
			goto nomem;
		names = v;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			goto nomem;
		rc = check_key(c, path, names[i], err);
		free(path);
		if (rc < 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * The value of a "path" setting on line [p, eol) of an rspamd (UCL)
 * file: path = "...", path: "...", path "...", quotes optional, up to
 * ';', ',', a blank or the line's end.  "" when the line has none.
 */
static void
path_setting(const char *p, const char *eol, char *out, size_t size)
{
	const char *q;

	out[0] = '\0';
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(eol - p) < 5 || memcmp(p, "path", 4) != 0 ||
	    (p[4] != ' ' && p[4] != '\t' && p[4] != '=' && p[4] != ':'))
		return;
	for (p += 4; p < eol && (*p == ' ' || *p == '\t' || *p == '=' ||
	    *p == ':'); p++)
		continue;
	if (p < eol && (*p == '"' || *p == '\'')) {
		q = memchr(p + 1, *p, (size_t)(eol - p - 1));
		if (q == NULL)
			return;
		p++;
	} else {
		for (q = p; q < eol && *q != ';' && *q != ',' && *q != ' ' &&
		    *q != '\t' && *q != '\r'; q++)
			continue;
	}
	if (q > p && (size_t)(q - p) < size)
		snprintf(out, size, "%.*s", (int)(q - p), p);
}

/* The keys rspamd's dkim_signing "path" settings name. */
static int
check_rspamd_paths(struct dkim_ctx *c, struct am_error *err)
{
	static const char *const confs[] = {
	    "/etc/rspamd/local.d/dkim_signing.conf",
	    "/etc/rspamd/override.d/dkim_signing.conf" };
	struct am_buf text = AM_BUF_INIT, seen = AM_BUF_INIT;
	struct am_error ferr;
	struct stat st;
	const char *p, *end, *eol, *slash;
	char value[1024], *conf, *target, *dir;
	long lineno;
	size_t i;
	bool dirpath;
	int rc = 0;

	for (i = 0; i < sizeof(confs) / sizeof(confs[0]) && rc == 0; i++) {
		if ((conf = am_host_path(c->h, confs[i])) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		am_buf_reset(&text);
		am_error_clear(&ferr);
		/* Unreadable or missing: rspamd's settings are unknown. */
		if (am_file_read(conf, AM_FILE_FOLLOW, TEXT_MAX, &text, NULL, &ferr) < 0) {
			free(conf);
			continue;
		}
		p = text.data != NULL ? text.data : "";
		end = p + text.len;
		for (lineno = 1; p < end && rc == 0; lineno++, p = eol + 1) {
			eol = memchr(p, '\n', (size_t)(end - p));
			eol = eol != NULL ? eol : end;
			path_setting(p, eol, value, sizeof(value));
			if (value[0] != '/')
				continue;
			slash = strrchr(value, '/');
			dirpath = strchr(slash, '$') != NULL;
			if (dirpath)
				value[slash == value ? 1 : slash - value] =
				    '\0';
			if (strchr(value, '$') != NULL)
				continue;
			/* Each key or directory once. */
			if (seen.data != NULL && strstr(seen.data, value) !=
			    NULL)
				continue;
			if (am_buf_printf(&seen, "\n%s\n", value) < 0 ||
			    (target = am_host_path(c->h, value)) == NULL) {
				rc = am_error_set(err, AM_E_NOMEM,
				    "out of memory");
				break;
			}
			if (stat(target, &st) < 0 && errno == ENOENT) {
				rc = am_check_add(c->r, "dkim",
				    "dkim-key-missing", AM_CHECK_ERROR, conf,
				    lineno, NULL, err, "rspamd's dkim_signing "
				    "signs with %s, which does not exist",
				    target);
			} else if (dirpath) {
				dir = target;
				rc = check_dir(c, dir, err);
			} else {
				slash = strrchr(target, '/');
				rc = check_key(c, target, slash + 1, err);
			}
			free(target);
		}
		free(conf);
	}
	am_buf_free(&text);
	am_buf_free(&seen);
	return rc;
}

static int
load_record_inputs(struct dkim_ctx *c, struct am_error *err)
{
	struct am_buf text = AM_BUF_INIT;
	int rc;

	if (c->opt == NULL)
		return 0;
	if (c->opt->zone_file != NULL) {
		if (am_file_read(c->opt->zone_file, AM_FILE_FOLLOW, TEXT_MAX, &c->zone, NULL,
		    err) < 0)
			return -1;
		c->have_zone = true;
	}
	if (c->opt->record_file != NULL) {
		if (am_file_read(c->opt->record_file, AM_FILE_FOLLOW,
		    TEXT_MAX, &text, NULL,
		    err) < 0)
			return -1;
		rc = am_dkim_published_parse(&c->rec, text.data != NULL ?
		    text.data : "", text.len, err);
		am_buf_free(&text);
		if (rc < 0)
			return -1;
		c->have_rec = true;
	}
	return 0;
}

int
am_check_dkim(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	struct dkim_ctx c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.h = h;
	c.opt = opt;
	c.r = report;
	c.version = -1;
	if (find_rspamd(&c, err) < 0 || load_record_inputs(&c, err) < 0)
		goto out;
	c.version = rspamd_version(h, c.version_text,
	    sizeof(c.version_text));
	if (opt != NULL && opt->dkim_dir != NULL) {
		if (check_dir(&c, opt->dkim_dir, err) < 0)
			goto out;
	} else if (check_rspamd_paths(&c, err) < 0) {
		goto out;
	}
	rc = 0;
	/* A record that no key it names publishes. */
	if (c.have_rec && !c.rec_matched && c.nkeys > 0)
		rc = am_check_add(report, "dkim", "dkim-record-mismatch",
		    AM_CHECK_ERROR, opt->record_file, 0, NULL, err, "the "
		    "record%s%s publishes none of the keys checked%s (%s)",
		    c.rec.owner != NULL ? " of " : "", c.rec.owner != NULL ?
		    c.rec.owner : "", c.rec_named ? "" : ", and no key file "
		    "is named for it", c.rec.pkey == NULL ? "it has no usable "
		    "key" : "it publishes another key");
out:
	am_buf_free(&c.zone);
	if (c.have_rec)
		am_dkim_published_free(&c.rec);
	return rc;
}
