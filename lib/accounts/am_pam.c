/*
 * am_pam - a model of Linux-PAM 1.5's configuration reader and auth/account
 * dispatcher, enough to tell whether an emptied account logs in with any
 * password.  Written from the behaviour of libpam (Debian 12's 1.5.2 with
 * its "@include" patch), checked against it by tests/cli/pam_differential.sh.
 */
#include "am_pam.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_file.h"

#define LINE_BUF	1024		/* libpam's line buffer, NUL included */
#define MAX_FILE	(1024 * 1024)
#define MAX_NEST	32		/* open files, include and substack */
#define MAX_LEVEL	16		/* libpam's substack limit */
#define MAX_HANDLERS	1024
#define MAX_STATES	(1U << 20)
#define NRET		32		/* PAM return values */
#define MAX_JUMP	999999999

/* Module types; T_ANY is "every type", as for a service file. */
enum { T_ANY, T_AUTH, T_SESSION, T_ACCOUNT, T_PASSWORD };

/* Actions as libpam numbers them: jumps are positive. */
enum {
	A_IGNORE = 0, A_OK = -1, A_DONE = -2, A_BAD = -3, A_DIE = -4,
	A_RESET = -5, A_UNDEF = -6
};

enum { H_MODULE, H_MUST_FAIL, H_SUBSTACK };
/*
 * M_CONDITION: a module of Linux-PAM that decides without any password
 * (pam_succeed_if, pam_rootok, pam_localuser, ...): it may return
 * anything, and when it succeeds nobody's password was checked.
 */
enum { M_UNKNOWN, M_UNIX, M_PERMIT, M_DENY, M_CONDITION, M_HOMED };

/* The return values that matter here. */
#define R_SUCCESS	0
#define R_PERM_DENIED	6	/* what a broken line returns */
#define R_AUTH_ERR	7
#define R_MAXTRIES	11
#define R_NEW_AUTHTOK	12	/* pam_unix: password expired */
#define R_ACCT_EXPIRED	13	/* pam_unix: account expired */
#define R_IGNORE	25

/* Impressions of the dispatcher. */
enum { I_UNDEF, I_POSITIVE, I_NEGATIVE };

static const char *const ret_names[NRET + 1] = {
	"success", "open_err", "symbol_err", "service_err", "system_err",
	"buf_err", "perm_denied", "auth_err", "cred_insufficient",
	"authinfo_unavail", "user_unknown", "maxtries", "new_authtok_reqd",
	"acct_expired", "session_err", "cred_unavail", "cred_expired",
	"cred_err", "no_module_data", "conv_err", "authtok_err",
	"authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging",
	"try_again", "ignore", "abort", "authtok_expired", "module_unknown",
	"bad_item", "conv_again", "incomplete", "default",
};

static const char *const action_names[] = {
	"ignore", "ok", "done", "bad", "die", "reset",
};

struct handler {
	int kind;
	int level;
	int mod;
	int act[NRET];
	bool nullok;		/* pam_unix lets an empty password in */
	bool first_pass;	/* pam_unix use_first_pass */
	bool no_pass_expiry;	/* pam_unix may ignore the expiry */
	bool in_dir;		/* the module lies in a module directory */
	size_t file;		/* index into ctx.files */
	long line;
	char *path;		/* module as written */
};

struct list {
	struct handler *h;
	size_t n, cap;
};

struct ctx {
	char root[1024];	/* "" for the running system */
	struct list conf, other, *cur;
	char **files;
	size_t nfiles, capfiles;
	dev_t open_dev[MAX_NEST];
	ino_t open_ino[MAX_NEST];
	int nopen;
	size_t nhandlers;
	int phase;		/* T_AUTH or T_ACCOUNT: the lines kept */
	bool expiry_date;	/* T_ACCOUNT: the account has one */
	struct am_error *err;
};

static int parse(struct ctx *c, char *text, size_t fidx, int want,
    int level, bool *aborted);

static int
nomem(struct ctx *c)
{
	return am_error_set(c->err, AM_E_NOMEM, "out of memory");
}

/*
 * The next word as libpam splits a line: blanks are space, tab and newline
 * only.  A word opening with '[' runs to the first ']' not written "\]",
 * loses both brackets and turns "\]" into "]"; whatever follows the ']'
 * starts the next word, blank or not.  NULL when no word is left.
 */
static char *
next_word(char **sp)
{
	char *s = *sp, *w, *r, *d;

	if (s == NULL)
		return NULL;
	s += strspn(s, " \t\n");
	if (*s == '\0') {
		*sp = NULL;
		return NULL;
	}
	if (*s == '[') {
		bool closed;

		w = d = r = s + 1;
		while (*r != '\0' && *r != ']') {
			if (r[0] == '\\' && r[1] == ']')
				r++;
			*d++ = *r++;
		}
		closed = *r == ']';
		*d = '\0';
		s = closed ? r + 1 : r;
	} else {
		w = s;
		s += strcspn(s, " \t\n");
		if (*s != '\0')
			*s++ = '\0';
	}
	*sp = *s != '\0' ? s : NULL;
	return w;
}

static void
set_default(int *act, int a)
{
	int i;

	for (i = 0; i < NRET; i++)
		if (act[i] == A_UNDEF)
			act[i] = a;
}

/*
 * "value=action ..." as libpam reads it: names match as prefixes, in
 * libpam's order, case-sensitively; blanks (isspace) may surround '=';
 * the next pair may follow a jump number or action name directly.  Any
 * error makes every value "bad".  Returns -1 for a jump number archmail
 * will not model.
 */
static int
parse_control(int *act, const char *t)
{
	size_t len = 0;
	int ret, a, i;
	long n;

	while (*t != '\0') {
		while (isspace((unsigned char)*t))
			t++;
		if (*t == '\0')
			break;
		for (ret = 0; ret <= NRET; ret++) {
			len = strlen(ret_names[ret]);
			if (strncmp(ret_names[ret], t, len) == 0)
				break;
		}
		if (ret > NRET || t[len] == '\0')
			goto bad;
		t += len;
		while (isspace((unsigned char)*t))
			t++;
		if (*t++ != '=')
			goto bad;
		while (isspace((unsigned char)*t))
			t++;
		if (*t == '\0')
			goto bad;
		a = 1;
		for (i = 0; i < 6; i++) {
			len = strlen(action_names[i]);
			if (strncmp(action_names[i], t, len) == 0) {
				a = -i;
				t += len;
				break;
			}
		}
		if (a > 0) {
			if (!isdigit((unsigned char)*t))
				goto bad;
			for (n = 0; isdigit((unsigned char)*t); t++) {
				n = n * 10 + (*t - '0');
				if (n > MAX_JUMP)
					return -1;
			}
			if (n == 0)
				goto bad;
			a = (int)n;
		}
		if (ret == NRET)
			set_default(act, a);
		else
			act[ret] = a;
	}
	return 0;
bad:
	for (i = 0; i < NRET; i++)
		act[i] = A_BAD;
	return 0;
}

/* libpam refuses (and fails the stack on) a module named "" or "?". */
static bool
modname_ok(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	size_t n;

	b = b != NULL ? b + 1 : path;
	dot = strrchr(b, '.');
	n = dot != NULL ? (size_t)(dot - b) : strlen(b);
	return n > 0 && !(n == 1 && b[0] == '?');
}

/*
 * The modules archmail knows: a bare name (libpam's module directory) or
 * an absolute path in a ".../security/" directory.  Anything else may be
 * any module, or none (libpam then returns module_unknown).
 */
/*
 * The module path libpam loads for a name: relative names under the
 * module directory; ".", ".." and repeated '/' resolved as the kernel
 * resolves them (symbolic links aside).  -1 when it does not fit.
 */
static int
normalize_module_path(const char *name, char *out, size_t size)
{
	char tmp[PATH_MAX], *save = NULL, *part;
	size_t len = 0;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s%s", name[0] == '/' ? "" :
	    "/lib/x86_64-linux-gnu/security/", name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || size < 2)
		return -1;
	out[0] = '\0';
	for (part = strtok_r(tmp, "/", &save); part != NULL;
	    part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			char *slash = strrchr(out, '/');

			len = slash != NULL ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		n = snprintf(out + len, size - len, "/%s", part);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	if (len == 0)
		return -1;
	return 0;
}

static int
module_kind(const char *path, bool *in_dir)
{
	/* Linux-PAM's modules whose auth checks no secret. */
	static const char *const conditions[] = { "pam_access.so",
	    "pam_debug.so", "pam_echo.so", "pam_env.so", "pam_faildelay.so",
	    "pam_faillock.so", "pam_group.so", "pam_keyinit.so",
	    "pam_limits.so", "pam_listfile.so", "pam_localuser.so",
	    "pam_loginuid.so", "pam_mail.so", "pam_motd.so", "pam_nologin.so",
	    "pam_rootok.so", "pam_securetty.so", "pam_shells.so",
	    "pam_stress.so", "pam_succeed_if.so", "pam_tally2.so",
	    "pam_time.so", "pam_umask.so", "pam_warn.so", "pam_wheel.so" };
	static const char *const dirs[] = { "/lib/x86_64-linux-gnu/security",
	    "/usr/lib/x86_64-linux-gnu/security", "/lib/security",
	    "/usr/lib/security", "/lib64/security", "/usr/lib64/security" };
	char norm[PATH_MAX], *b;
	size_t i;
	bool in_module_dir = false;

	*in_dir = false;
	/*
	 * libpam puts its module directory before a name that does not
	 * start with '/' ("./pam_unix.so", "../security/pam_unix.so" load
	 * pam_unix as well), and the kernel resolves ".", ".." and "//".
	 */
	if (normalize_module_path(path, norm, sizeof(norm)) < 0)
		return M_UNKNOWN;
	b = strrchr(norm, '/');
	*b++ = '\0';
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(norm, dirs[i]) == 0)
			in_module_dir = true;
	*in_dir = in_module_dir;
	/*
	 * Named pam_unix.so or pam_permit.so anywhere, it is taken for what
	 * its name says: a copy elsewhere behaves the same, and a module
	 * that merely carries the name can only make archmail refuse more.
	 * pam_deny.so counts only in a module directory: an impostor there
	 * could grant, and taking it for pam_deny would fail open.
	 */
	if (strcmp(b, "pam_unix.so") == 0)
		return M_UNIX;
	if (strcmp(b, "pam_permit.so") == 0)
		return M_PERMIT;
	if (strcmp(b, "pam_deny.so") == 0 && in_module_dir)
		return M_DENY;
	if (strcmp(b, "pam_systemd_home.so") == 0 && in_module_dir)
		return M_HOMED;
	for (i = 0; i < sizeof(conditions) / sizeof(conditions[0]); i++)
		if (strcmp(b, conditions[i]) == 0)
			return M_CONDITION;
	return M_UNKNOWN;
}

static int
add_file(struct ctx *c, const char *path, size_t *idx)
{
	char **n;

	if (c->nfiles == c->capfiles) {
		size_t cap = c->capfiles ? c->capfiles * 2 : 8;

		if ((n = realloc(c->files, cap * sizeof(*n))) == NULL)
			return nomem(c);
		c->files = n;
		c->capfiles = cap;
	}
	if ((c->files[c->nfiles] = strdup(path)) == NULL)
		return nomem(c);
	*idx = c->nfiles++;
	return 0;
}

static int
add_handler(struct ctx *c, const struct handler *h, const char *fpath)
{
	struct list *l = c->cur;
	struct handler *n;

	if (c->nhandlers++ >= MAX_HANDLERS)
		return am_error_set_at(c->err, AM_E_CONFIG, fpath, h->line,
		    "more than %d PAM handlers", MAX_HANDLERS);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if ((n = realloc(l->h, cap * sizeof(*n))) == NULL)
			return nomem(c);
		l->h = n;
		l->cap = cap;
	}
	l->h[l->n] = *h;
	if (h->path != NULL && (l->h[l->n].path = strdup(h->path)) == NULL)
		return nomem(c);
	l->n++;
	return 0;
}

/* ROOT + absolute path. */
static char *
rooted(const struct ctx *c, const char *abs)
{
	char *p;

	if (asprintf(&p, "%s%s", c->root, abs) < 0)
		return NULL;
	return p;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Read PATH whole.  1: read (*text, dev/ino filled); 0: it does not exist
 * (libpam's fopen fails alike); -1: an error archmail refuses on, reported
 * at FROM, line FROM_LINE if given.
 */
static int
read_file(struct ctx *c, const char *path, const char *from, long from_line,
    char **text, struct stat *st)
{
	struct am_buf b = AM_BUF_INIT;
	struct am_error rerr;
	const char *why = NULL;
	int fd, e, rc;

	*text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0) {
		e = errno;
		goto fail_errno;
	}
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		goto fail_errno;
	}
	if (S_ISDIR(st->st_mode))
		why = "is a directory (libpam would read it as an empty file)";
	else if (!S_ISREG(st->st_mode))
		why = "is not a regular file";
	else if (st->st_size > MAX_FILE)
		why = "is larger than 1 MiB";
	if (why != NULL) {
		close(fd);
		goto fail;
	}
	am_error_clear(&rerr);
	rc = am_file_read_fd(fd, path, 0, MAX_FILE, (size_t)st->st_size, &b,
	    &rerr);
	close(fd);
	if (rc < 0) {
		if (rerr.code == AM_E_NOMEM)
			return nomem(c);
		if (rerr.code == AM_E_INVALID) {
			why = "is larger than 1 MiB";
			goto fail;
		}
		e = rerr.sys_errno;
		goto fail_errno;
	}
	if (memchr(b.data, '\0', b.len) != NULL) {
		am_buf_free(&b);
		why = "has a NUL byte";
		goto fail;
	}
	*text = b.data;
	return 1;
fail_errno:
	if (from != NULL)
		return am_error_set_at(c->err, AM_E_CONFIG, from, from_line,
		    "cannot read %s: %s", path, strerror(e));
	return am_error_set_at(c->err, AM_E_CONFIG, path, 0,
	    "cannot read: %s", strerror(e));
fail:
	if (from != NULL)
		return am_error_set_at(c->err, AM_E_CONFIG, from, from_line,
		    "%s %s", path, why);
	return am_error_set_at(c->err, AM_E_CONFIG, path, 0, "%s", why);
}

/*
 * Find and read a configuration file as libpam opens it: NAME absolute
 * (under ROOT), else in ROOT/etc/pam.d, else ROOT/usr/lib/pam.d; with
 * ONLY_ETC (Debian's "@include"), ROOT/etc/pam.d only.  Returns 1 with
 * *text and *fidx, 0 when libpam would not find it, -1 on error.
 */
static int
open_conf(struct ctx *c, const char *name, bool only_etc, const char *from,
    long from_line, char **text, size_t *fidx, struct stat *st)
{
	static const char *const dirs[] = { "/etc/pam.d/", "/usr/lib/pam.d/" };
	char *path = NULL, *rel = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < (only_etc ? 1 : 2); i++) {
		if (name[0] == '/') {
			if (i > 0)
				break;
			path = rooted(c, name);
		} else if (asprintf(&rel, "%s%s", dirs[i], name) >= 0) {
			path = rooted(c, rel);
			free(rel);
		}
		if (path == NULL)
			return nomem(c);
		rc = read_file(c, path, from, from_line, text, st);
		if (rc == 1 && add_file(c, path, fidx) < 0)
			rc = -1;
		free(path);
		path = NULL;
		if (rc != 0)
			break;
	}
	if (rc < 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/*
 * Load NAME for lines of type WANT at substack LEVEL, as libpam's
 * include does.  *aborted is libpam's verdict on the load (could not
 * open or parse); -1 is archmail's refusal.
 */
static int
load(struct ctx *c, const char *name, bool only_etc, int want, int level,
    const char *from, long from_line, bool *aborted)
{
	struct stat st;
	char *text = NULL;
	size_t fidx = 0;
	int i, rc;

	*aborted = true;
	if (level >= MAX_LEVEL || name == NULL)
		return 0;
	if ((rc = open_conf(c, name, only_etc, from, from_line, &text, &fidx,
	    &st)) <= 0)
		return rc;
	for (i = 0; i < c->nopen; i++) {
		if (c->open_dev[i] == st.st_dev &&
		    c->open_ino[i] == st.st_ino) {
			free(text);
			return am_error_set_at(c->err, AM_E_CONFIG, from,
			    from_line, "%s includes itself (libpam would "
			    "loop)", c->files[fidx]);
		}
	}
	if (c->nopen == MAX_NEST) {
		free(text);
		return am_error_set_at(c->err, AM_E_CONFIG, from, from_line,
		    "PAM files nested more than %d deep", MAX_NEST);
	}
	c->open_dev[c->nopen] = st.st_dev;
	c->open_ino[c->nopen] = st.st_ino;
	c->nopen++;
	rc = parse(c, text, fidx, want, level, aborted);
	c->nopen--;
	free(text);
	return rc;
}

/*
 * The next logical line, as libpam assembles it in its 1024-byte buffer.
 * A physical line whose first non-blank is '#' or that is blank adds
 * nothing (even inside a continuation); '#' elsewhere ends the line and
 * any continuation; a '\' followed only by blanks becomes a space and
 * joins the next line.  Returns 1 (line in buf, *first its first line
 * number), 0 at the end, 2 at the end inside a continuation (libpam fails
 * the file), -1 for a line libpam would split (longer than its buffer).
 */
struct reader {
	const char *p, *end;
	long lineno;
};

static int
next_line(struct ctx *c, struct reader *r, const char *path, char *buf,
    long *first)
{
	const char *nl;
	char *s, *e, *hash;
	size_t used = 0, n;
	bool any = false;

	for (;;) {
		if (r->p >= r->end)
			return any ? 2 : 0;
		nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
		n = nl != NULL ? (size_t)(nl - r->p) + 1 :
		    (size_t)(r->end - r->p);
		r->lineno++;
		if (n > LINE_BUF - 1 - used)
			return am_error_set_at(c->err, AM_E_CONFIG, path,
			    r->lineno, "line too long for libpam's buffer "
			    "(it would split it)");
		memcpy(buf + used, r->p, n);
		buf[used + n] = '\0';
		r->p += n;
		s = buf + used + strspn(buf + used, " \t\n");
		if (*s == '\0' || *s == '#')
			continue;
		if (!any)
			*first = r->lineno;
		any = true;
		if ((hash = strchr(s, '#')) != NULL) {
			*hash = '\0';
			return 1;
		}
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\n'))
			e--;
		if (e[-1] != '\\')
			return 1;
		e[-1] = ' ';
		*e = '\0';
		used = (size_t)(e - buf);
	}
}

static int
type_of(const char *t)
{
	if (strcasecmp(t, "auth") == 0)
		return T_AUTH;
	if (strcasecmp(t, "session") == 0)
		return T_SESSION;
	if (strcasecmp(t, "account") == 0)
		return T_ACCOUNT;
	if (strcasecmp(t, "password") == 0)
		return T_PASSWORD;
	return T_ANY;
}

/* Control keywords; false for "[...]" syntax. */
static bool
control_keyword(const char *t, int *act, bool *include, bool *substack)
{
	int a_ok = A_OK, a_new = A_OK, a_ign = A_UNDEF, a_def;

	if (strcasecmp(t, "required") == 0) {
		a_ign = A_IGNORE;
		a_def = A_BAD;
	} else if (strcasecmp(t, "requisite") == 0) {
		a_ign = A_IGNORE;
		a_def = A_DIE;
	} else if (strcasecmp(t, "optional") == 0) {
		a_def = A_IGNORE;
	} else if (strcasecmp(t, "sufficient") == 0) {
		a_ok = a_new = A_DONE;
		a_def = A_IGNORE;
	} else if (strcasecmp(t, "include") == 0 ||
	    strcasecmp(t, "substack") == 0) {
		*include = true;
		*substack = strcasecmp(t, "substack") == 0;
		return true;
	} else {
		return false;
	}
	act[R_SUCCESS] = a_ok;
	act[12] = a_new;	/* new_authtok_reqd */
	if (a_ign != A_UNDEF)
		act[R_IGNORE] = a_ign;
	set_default(act, a_def);
	return true;
}

/* One logical line.  *aborted: libpam stops reading (the file fails). */
static int
parse_line(struct ctx *c, char *line, size_t fidx, long lineno, int want,
    int level, bool *aborted)
{
	const char *path = c->files[fidx];
	struct handler h;
	char *rest = line, *tok, *arg;
	bool include = false, substack = false, at_include = false, failed;
	int type, i;

	memset(&h, 0, sizeof(h));
	h.kind = H_MODULE;
	h.level = level;
	h.file = fidx;
	h.line = lineno;
	for (i = 0; i < NRET; i++)
		h.act[i] = A_UNDEF;
	if ((tok = next_word(&rest)) == NULL) {
		type = want != T_ANY ? want : T_AUTH;
		h.kind = H_MUST_FAIL;
	} else {
		if (tok[0] == '-')
			tok++;
		type = type_of(tok);
		if (type == T_ANY && strcasecmp(tok, "@include") == 0) {
			at_include = include = true;
			type = want;
		} else if (type == T_ANY) {
			type = want != T_ANY ? want : T_AUTH;
			h.kind = H_MUST_FAIL;
		}
	}
	if (!at_include) {
		if (want != T_ANY && type != want)
			return 0;
		if ((tok = next_word(&rest)) == NULL) {
			set_default(h.act, A_BAD);
			h.kind = H_MUST_FAIL;
		} else if (!control_keyword(tok, h.act, &include,
		    &substack)) {
			if (parse_control(h.act, tok) < 0)
				return am_error_set_at(c->err, AM_E_CONFIG,
				    path, lineno, "jump larger than %d",
				    MAX_JUMP);
			set_default(h.act, A_BAD);
		}
	}
	tok = next_word(&rest);
	if (include) {
		if (at_include && tok == NULL)
			return am_error_set_at(c->err, AM_E_CONFIG, path,
			    lineno, "@include without a file name (libpam "
			    "crashes)");
		if (substack) {
			if (!modname_ok(tok != NULL ? tok : "<*unknown*>")) {
				*aborted = true;
				return 0;
			}
			if (type == c->phase) {
				h.kind = H_SUBSTACK;
				if (add_handler(c, &h, path) < 0)
					return -1;
				h.kind = H_MODULE;
			}
		}
		/* Only this phase's lines matter here. */
		if (type != c->phase && type != T_ANY)
			return 0;
		if (load(c, tok, at_include, type, level + substack, path,
		    lineno, &failed) < 0)
			return -1;
		if (!failed)
			return 0;
		if (at_include && type == T_ANY) {
			/* libpam adds a handler of no type: the file fails. */
			*aborted = true;
			return 0;
		}
		if (at_include)
			return am_error_set_at(c->err, AM_E_CONFIG, path,
			    lineno, "@include %s fails inside an included "
			    "file (libpam then uses uninitialised controls)",
			    tok);
		set_default(h.act, A_BAD);
		h.kind = H_MUST_FAIL;
		rest = NULL;
		tok = NULL;
	} else if (tok == NULL) {
		h.kind = H_MUST_FAIL;
	}
	if (!modname_ok(tok != NULL ? tok : "<*unknown module*>")) {
		*aborted = true;
		return 0;
	}
	if (type != c->phase)
		return 0;
	if (h.kind == H_MODULE) {
		h.mod = module_kind(tok, &h.in_dir);
		h.path = tok;
		while ((arg = next_word(&rest)) != NULL) {
			if (c->phase == T_AUTH && (strncmp(arg, "nullok",
			    6) == 0 || strncmp(arg, "nullresetok", 11) == 0))
				h.nullok = true;
			if (strncmp(arg, "use_first_pass", 14) == 0 &&
			    (arg[14] == '\0' || arg[14] == '='))
				h.first_pass = true;
			/* pam_unix matches its options by prefix. */
			if (strncmp(arg, "no_pass_expiry", 14) == 0)
				h.no_pass_expiry = true;
		}
	}
	return add_handler(c, &h, path);
}

static int
parse(struct ctx *c, char *text, size_t fidx, int want, int level,
    bool *aborted)
{
	struct reader r;
	char buf[LINE_BUF];
	long first = 0;
	int rc;

	r.p = text;
	r.end = text + strlen(text);
	r.lineno = 0;
	*aborted = false;
	while ((rc = next_line(c, &r, c->files[fidx], buf, &first)) == 1) {
		if (parse_line(c, buf, fidx, first, want, level, aborted) < 0)
			return -1;
		if (*aborted)
			return 0;
	}
	if (rc < 0)
		return -1;
	*aborted = rc == 2;
	return 0;
}

/*
 * The walk: libpam's dispatcher over the auth handlers, branching where a
 * module's result is not known, remembering states that cannot succeed.
 */
struct state {
	size_t i;
	int prev;		/* stack level of the previous handler */
	int imp;
	bool ok;		/* status is success */
	int fails;		/* pam_unix failures so far (2 = two or more) */
	bool authtok;		/* a password was asked for */
	bool by_nullok;		/* pam_unix succeeded by nullok */
	bool by_unknown;	/* an unknown module returned success */
	uint8_t sub[MAX_LEVEL];	/* saved impression * 2 + ok per level */
};

struct walk {
	const struct handler *h;
	size_t n;
	uint64_t *seen;		/* two words a state, open addressing */
	size_t cap, used;
	bool need_nullok;	/* only success granted by nullok counts */
	bool account;		/* the account phase of an expired password */
	bool expiry_date;	/* the account has a shadow expiry date */
	const struct handler *grant;
	bool overflow;
};

static void
state_key(const struct state *s, uint64_t *k)
{
	int l;

	k[0] = (uint64_t)s->i | (uint64_t)s->prev << 16 |
	    (uint64_t)s->imp << 21 | (uint64_t)s->ok << 23 |
	    (uint64_t)s->fails << 24 | (uint64_t)s->authtok << 26 |
	    (uint64_t)s->by_nullok << 27 | (uint64_t)s->by_unknown << 28 |
	    (uint64_t)1 << 29;
	k[1] = 0;
	for (l = 0; l < MAX_LEVEL; l++)
		k[1] |= (uint64_t)s->sub[l] << (3 * l);
}

static size_t
key_slot(const struct walk *w, const uint64_t *k)
{
	uint64_t x = k[0] * 0x9e3779b97f4a7c15ULL ^ k[1] *
	    0xc2b2ae3d27d4eb4fULL;

	return (size_t)(x ^ x >> 29) & (w->cap - 1);
}

static bool
seen(const struct walk *w, const struct state *s)
{
	uint64_t k[2];
	size_t i;

	state_key(s, k);
	for (i = key_slot(w, k); w->seen[2 * i] != 0; i = (i + 1) &
	    (w->cap - 1))
		if (w->seen[2 * i] == k[0] && w->seen[2 * i + 1] == k[1])
			return true;
	return false;
}

static void
insert(struct walk *w, const uint64_t *k)
{
	size_t i;

	for (i = key_slot(w, k); w->seen[2 * i] != 0; i = (i + 1) &
	    (w->cap - 1))
		;
	w->seen[2 * i] = k[0];
	w->seen[2 * i + 1] = k[1];
	w->used++;
}

/* A state that cannot succeed; the table doubles up to MAX_STATES. */
static void
remember(struct walk *w, const struct state *s)
{
	uint64_t k[2], *old = w->seen;
	size_t i, cap = w->cap;

	if (w->used * 2 >= w->cap) {
		if (w->cap >= 2 * MAX_STATES ||
		    (w->seen = calloc(2 * cap, 2 * sizeof(uint64_t))) ==
		    NULL) {
			w->seen = old;
			w->overflow = true;
			return;
		}
		w->cap = 2 * cap;
		w->used = 0;
		for (i = 0; i < cap; i++)
			if (old[2 * i] != 0)
				insert(w, old + 2 * i);
		free(old);
	}
	state_key(s, k);
	insert(w, k);
}

static bool walk_from(struct walk *w, struct state s);

/* Apply one result of handler s.i and walk on. */
static bool
step(struct walk *w, struct state s, int ret, bool must_bad)
{
	const struct handler *h = &w->h[s.i];
	size_t i = s.i;
	int level = h->level, a = must_bad ? A_BAD : h->act[ret];
	bool grant = false, decided = false;
	bool nullok = !w->account && h->kind == H_MODULE &&
	    h->mod == M_UNIX && h->nullok;

	switch (a) {
	case A_RESET:
		s.imp = s.sub[level] >> 1;
		s.ok = s.sub[level] & 1;
		break;
	case A_OK:
	case A_DONE:
		if (s.imp == I_UNDEF || (s.imp == I_POSITIVE && s.ok)) {
			s.imp = I_POSITIVE;
			s.ok = ret == R_SUCCESS;
		}
		if (s.imp == I_POSITIVE) {
			grant = ret == R_SUCCESS;
			decided = a == A_DONE;
		}
		break;
	case A_BAD:
	case A_DIE:
		if (s.imp != I_NEGATIVE) {
			s.imp = I_NEGATIVE;
			s.ok = ret == R_SUCCESS;
		}
		decided = a == A_DIE;
		break;
	case A_IGNORE:
		break;
	default:
		/* A jump skips whole items of this level, substacks too. */
		while (i + 1 < w->n && w->h[i + 1].level >= level && a > 0) {
			do
				i++;
			while (i + 1 < w->n && w->h[i + 1].level > level);
			a--;
		}
		if (a > 0) {
			s.imp = I_NEGATIVE;
			s.ok = false;
		}
	}
	if (decided)
		while (i + 1 < w->n && w->h[i + 1].level >= level)
			i++;
	/* nullok counts however its success is used: ok, done or a jump. */
	if (nullok)
		s.by_nullok = true;
	if (h->kind == H_MODULE && (h->mod == M_UNKNOWN || h->mod == M_HOMED) &&
	    ret == R_SUCCESS)
		s.by_unknown = true;
	s.prev = level;
	s.i = i + 1;
	if (!walk_from(w, s))
		return false;
	/* Unwinding: the first grant of the path is reported. */
	if (w->need_nullok ? nullok : grant)
		w->grant = h;
	return true;
}

static bool
walk_from(struct walk *w, struct state s)
{
	const struct handler *h;
	struct state t;
	bool done[8], any = false;
	int r, a, k, fails;

	for (;;) {
		if (s.i >= w->n)
			return s.imp == I_POSITIVE && s.ok && (w->account ||
			    s.by_nullok || (!w->need_nullok && !s.by_unknown));
		h = &w->h[s.i];
		if (s.prev < h->level)
			s.sub[h->level] = (uint8_t)(s.imp << 1 | s.ok);
		if (h->kind != H_SUBSTACK)
			break;
		s.prev = h->level;
		s.i++;
	}
	if (w->overflow || seen(w, &s))
		return false;
	if (h->kind == H_MUST_FAIL) {
		any = step(w, s, R_PERM_DENIED, false);
	} else if (h->mod == M_PERMIT) {
		any = step(w, s, R_SUCCESS, false);
	} else if (h->mod == M_DENY) {
		any = step(w, s, R_AUTH_ERR, false);
	} else if (!w->account && h->mod == M_UNIX && h->nullok) {
		any = step(w, s, R_SUCCESS, false);
	} else if (!w->account && h->mod == M_UNIX) {
		t = s;
		if (!s.authtok && h->first_pass) {
			r = R_AUTH_ERR;
		} else {
			fails = s.fails + 1;
			r = fails >= 3 ? R_MAXTRIES : R_AUTH_ERR;
			t.fails = fails > 2 ? 2 : fails;
			t.authtok = true;
		}
		any = step(w, t, r, false);
	} else if (w->account && h->mod == M_UNIX && h->in_dir &&
	    !h->no_pass_expiry) {
		/*
		 * Expired password; or, once the shadow expiry date (field
		 * 8) has passed, expired account (tried for any date: it
		 * may pass while the password stays empty).
		 */
		any = step(w, s, R_NEW_AUTHTOK, false) ||
		    (w->expiry_date && step(w, s, R_ACCT_EXPIRED, false));
	} else {
		/*
		 * Anything: success, ignore, one value per other action, a
		 * value out of range; with or without a password asked for.
		 * pam_systemd_home's account phase never succeeds for an
		 * account of ROOT/etc/passwd (systemd-homed serves its users
		 * through NSS, never from that file; since systemd 247 the
		 * module returns user_unknown for them).
		 */
		bool success = !(w->account && h->mod == M_HOMED);

		for (k = 0; k < 2 && !any; k++) {
			t = s;
			if (k == 1) {
				if (s.authtok || w->account)
					break;
				t.authtok = true;
			}
			memset(done, 0, sizeof(done));
			any = (success && step(w, t, R_SUCCESS, false)) ||
			    step(w, t, R_IGNORE, false) ||
			    step(w, t, R_PERM_DENIED, true);
			for (r = 1; r < NRET - 1 && !any; r++) {
				if (r == R_IGNORE)
					continue;
				a = h->act[r];
				if (a <= 0) {
					if (done[-a])
						continue;
					done[-a] = true;
				}
				any = step(w, t, r, false);
			}
		}
	}
	if (!any)
		remember(w, &s);
	return any;
}

static void
free_list(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->h[i].path);
	free(l->h);
	memset(l, 0, sizeof(*l));
}

/*
 * Accept when the stack can succeed for the emptied account through
 * pam_unix's nullok, whatever the unknown modules return, or when it
 * succeeds with no unknown module returning success (pam_permit: any
 * password at all).  A success only some unknown module vouches for is
 * that module's authentication, not the empty password's.  The nullok
 * question goes first, so that its line is the one reported.
 */
static int
judge(struct ctx *c, const struct list *l, struct am_pam_verdict *v)
{
	struct walk w;
	struct state s;
	bool accept = false;
	int pass;

	memset(&w, 0, sizeof(w));
	w.h = l->h;
	w.n = l->n;
	w.account = c->phase == T_ACCOUNT;
	w.expiry_date = c->expiry_date;
	for (pass = w.account ? 1 : 0; pass < 2 && !accept; pass++) {
		w.need_nullok = pass == 0;
		w.cap = 1024;
		w.used = 0;
		w.grant = NULL;
		if ((w.seen = calloc(w.cap, 2 * sizeof(uint64_t))) == NULL)
			return nomem(c);
		memset(&s, 0, sizeof(s));
		accept = walk_from(&w, s);
		free(w.seen);
		if (!accept && w.overflow)
			return am_error_set_at(c->err, AM_E_CONFIG,
			    c->files[0], 0, "PAM %s stack too complex to "
			    "judge", w.account ? "account" : "auth");
	}
	if (!accept)
		return 0;
	v->accept = true;
	v->grant = AM_PAM_GRANT_PERMIT;
	if (w.account) {
		/* The stack's first line; its file when it has none. */
		snprintf(v->file, sizeof(v->file), "%s", l->n > 0 ?
		    c->files[l->h[0].file] : c->nfiles > 0 ? c->files[0] :
		    "");
		v->line = l->n > 0 ? l->h[0].line : 0;
		return 0;
	}
	if (w.grant == NULL)
		return 0;
	if (w.grant->mod == M_UNIX)
		v->grant = AM_PAM_GRANT_NULLOK;
	snprintf(v->file, sizeof(v->file), "%s", c->files[w.grant->file]);
	v->line = w.grant->line;
	snprintf(v->module, sizeof(v->module), "%s", w.grant->path != NULL ?
	    w.grant->path : "");
	return 0;
}

/* Read a service file (or "other") whole into list L. */
static int
read_service(struct ctx *c, const char *name, struct list *l, bool *found,
    bool *aborted)
{
	struct stat st;
	char *text = NULL;
	size_t fidx = 0;
	int rc;

	*aborted = false;
	if ((rc = open_conf(c, name, false, NULL, 0, &text, &fidx, &st)) < 0)
		return -1;
	*found = rc == 1;
	if (rc == 0)
		return 0;
	c->cur = l;
	c->open_dev[0] = st.st_dev;
	c->open_ino[0] = st.st_ino;
	c->nopen = 1;
	rc = parse(c, text, fidx, T_ANY, 0, aborted);
	c->nopen = 0;
	free(text);
	return rc;
}

static int
check(const char *root, const char *service, int phase, bool expiry_date,
    struct am_pam_verdict *v, struct am_error *err)
{
	struct ctx c;
	char *etc = NULL, *lib = NULL, *conf = NULL;
	bool found_s = false, found_o = false, aborted;
	size_t len, i;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.phase = phase;
	c.expiry_date = expiry_date;
	if (root == NULL)
		root = "";
	len = strlen(root);
	while (len > 0 && root[len - 1] == '/')
		len--;
	if (len >= sizeof(c.root))
		return am_error_set(err, AM_E_CONFIG, "root too long");
	memcpy(c.root, root, len);
	c.root[len] = '\0';
	if (service[0] == '\0' || strchr(service, '/') != NULL)
		return am_error_set(err, AM_E_INVALID, "bad PAM service name "
		    "\"%s\"", service);
	if ((etc = rooted(&c, "/etc/pam.d")) == NULL ||
	    (lib = rooted(&c, "/usr/lib/pam.d")) == NULL ||
	    (conf = rooted(&c, "/etc/pam.conf")) == NULL) {
		nomem(&c);
		goto out;
	}
	/* Without a pam.d directory libpam reads pam.conf. */
	if (!is_dir(etc) && !is_dir(lib)) {
		if (access(conf, F_OK) == 0 || errno != ENOENT) {
			am_error_set_at(err, AM_E_CONFIG, conf, 0, "no pam.d "
			    "directory: libpam would read this file, which "
			    "archmail does not model");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (read_service(&c, service, &c.conf, &found_s, &aborted) < 0)
		goto out;
	if (aborted) {
		rc = 0;
		goto out;
	}
	if (read_service(&c, "other", &c.other, &found_o, &aborted) < 0)
		goto out;
	if (aborted || (!found_s && !found_o)) {
		rc = 0;
		goto out;
	}
	v->other = c.conf.n == 0;
	rc = judge(&c, c.conf.n > 0 ? &c.conf : &c.other, v);
out:
	free_list(&c.conf);
	free_list(&c.other);
	for (i = 0; i < c.nfiles; i++)
		free(c.files[i]);
	free(c.files);
	free(etc);
	free(lib);
	free(conf);
	return rc;
}

int
am_pam_check(const char *root, const char *service,
    struct am_pam_verdict *v, struct am_error *err)
{
	return check(root, service, T_AUTH, false, v, err);
}

int
am_pam_check_expired(const char *root, const char *service,
    bool expiry_date, struct am_pam_verdict *v, struct am_error *err)
{
	return check(root, service, T_ACCOUNT, expiry_date, v, err);
}
