/*
 * archmail users forward's workflow (am_forward.h): the user's home and
 * .forward checked and read without following links, the new content,
 * the atomic replacement.
 */
#include "am_forward.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "am_acct.h"
#include "am_address.h"
#include "am_atomic.h"
#include "am_diff.h"

/* One component at a time, none a symlink: for kernels without openat2. */
static int
walk_beneath(int rootfd, const char *rel)
{
	char *copy, *c, *save = NULL;
	int fd, next;

	if ((copy = strdup(rel)) == NULL)
		return -1;
	if ((fd = dup(rootfd)) < 0)
		goto out;
	for (c = strtok_r(copy, "/", &save); c != NULL;
	    c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			close(fd);
			fd = -1;
			errno = EXDEV;
			break;
		}
		next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if ((fd = next) < 0)
			break;
	}
out:
	free(copy);
	return fd;
}

/*
 * The user's home as a directory descriptor, resolved below ROOT with no
 * symbolic link in any component (a link could lead out of ROOT or into
 * another user's home), and owned by the user.
 */
static int
open_home(struct am_forward *f, const char *home, struct am_error *err)
{
	struct open_how how;
	struct stat st;
	const char *rel = home + strspn(home, "/");
	const char *root = f->host->root != NULL && *f->host->root != '\0' ?
	    f->host->root : "/";
	int rootfd, e;

	if (home[0] != '/')
		return am_error_set(err, AM_E_INVALID, "user \"%s\": home "
		    "directory \"%s\" in the passwd file is not absolute",
		    f->user, home);
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open %s", root);
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	if (*rel == '\0')
		f->dfd = dup(rootfd);
	else if ((f->dfd = (int)syscall(SYS_openat2, rootfd, rel, &how,
	    sizeof(how))) < 0 && (errno == ENOSYS || errno == EPERM))
		/* No openat2, or a seccomp filter that refuses it. */
		f->dfd = walk_beneath(rootfd, rel);
	e = errno;
	close(rootfd);
	if (f->dfd < 0) {
		if (e == ELOOP || e == EXDEV || e == ENOTDIR)
			return am_error_set(err, AM_E_PERM, "home directory "
			    "%s of \"%s\": a component is a symbolic link, "
			    "not a directory, or leads out of %s: refusing "
			    "to write there", f->home, f->user, root);
		return am_error_set_errno(err, am_error_code_from_errno(e), e,
		    "open home directory %s", f->home);
	}
	if (fstat(f->dfd, &st) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "stat %s",
		    f->home);
	if (st.st_uid != f->uid)
		return am_error_set(err, AM_E_PERM, "home directory %s is "
		    "owned by uid %lu, not by \"%s\" (uid %lu): refusing to "
		    "write a .forward there", f->home,
		    (unsigned long)st.st_uid, f->user, (unsigned long)f->uid);
	if (asprintf(&f->fdpath, "/proc/self/fd/%d/.forward", f->dfd) < 0) {
		f->fdpath = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	return 0;
}

/* A .forward archmail may read and replace: see the top of the file. */
static int
forward_ok(const struct am_forward *f, const struct stat *st,
    struct am_error *err)
{
	if (!S_ISREG(st->st_mode))
		return am_error_set(err, AM_E_PERM, "%s is %s, not a regular "
		    "file: refusing to touch it", f->path,
		    S_ISLNK(st->st_mode) ? "a symbolic link" :
		    S_ISDIR(st->st_mode) ? "a directory" : "special");
	if (st->st_nlink != 1)
		return am_error_set(err, AM_E_PERM, "%s has %lu hard links: "
		    "refusing to read or replace it", f->path,
		    (unsigned long)st->st_nlink);
	if (st->st_uid != f->uid)
		return am_error_set(err, AM_E_PERM, "%s is owned by uid %lu, "
		    "not by \"%s\" (uid %lu): refusing to read or replace it",
		    f->path, (unsigned long)st->st_uid, f->user,
		    (unsigned long)f->uid);
	return 0;
}

/* Read .forward if it is there; refuse any file forward_ok() refuses. */
static int
read_forward(struct am_forward *f, struct am_error *err)
{
	struct stat st, st2;
	char buf[4096];
	ssize_t n;
	int fd = -1, rc = -1;

	if (fstatat(f->dfd, ".forward", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "stat %s", f->path);
	}
	if (forward_ok(f, &st, err) < 0)
		return -1;
	f->exists = true;
	fd = openat(f->dfd, ".forward", O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open %s", f->path);
	/* What was opened is what was checked. */
	if (fstat(fd, &st2) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "stat %s", f->path);
		goto out;
	}
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		am_error_set(err, AM_E_PERM, "%s was replaced while being "
		    "read: refusing to use it", f->path);
		goto out;
	}
	if (forward_ok(f, &st2, err) < 0)
		goto out;
	f->mode = st2.st_mode & 07777;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (am_buf_add(&f->old, buf, (size_t)n) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	if (n < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "read %s", f->path);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* One destination per line, each checked as an alias value. */
static int
build_content(struct am_forward *f, const char *const *dests, size_t ndests,
    bool keep_copy, struct am_error *err)
{
	const char *p, *q;
	char *d;
	bool special;
	size_t i, len;
	int rc;

	for (i = 0; i < ndests; i++) {
		for (p = dests[i]; ; p += len + 1) {
			p += strspn(p, " \t");
			len = strcspn(p, ",");
			for (q = p + len; q > p && (q[-1] == ' ' ||
			    q[-1] == '\t'); q--)
				;
			if (q > p) {
				if ((d = strndup(p, (size_t)(q - p))) == NULL)
					return am_error_set(err, AM_E_NOMEM,
					    "out of memory");
				rc = am_alias_value_check(d, &special, err);
				if (rc == 0 && am_buf_printf(&f->new, "%s\n",
				    d) < 0)
					rc = am_error_set(err, AM_E_NOMEM,
					    "out of memory");
				if (rc == 0 && special)
					am_host_warnf(f->host, NULL, 0,
					    "destination \"%s\" is a file or "
					    "command", d);
				free(d);
				if (rc < 0)
					return -1;
			}
			if (p[len] == '\0')
				break;
		}
	}
	if (f->new.len == 0)
		return am_error_set(err, AM_E_INVALID, "no destination");
	if (keep_copy && am_buf_printf(&f->new, "\\%s\n", f->user) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

/* Messages name the file, not the /proc path it was written through. */
static void
name_file(const struct am_forward *f, struct am_error *err)
{
	char msg[sizeof(err->message)], dir[64], *p;
	size_t n, from = 0;

	n = (size_t)snprintf(dir, sizeof(dir), "/proc/self/fd/%d", f->dfd);
	while ((p = strstr(err->message + from, dir)) != NULL) {
		from = (size_t)(p - err->message) + strlen(f->home);
		snprintf(msg, sizeof(msg), "%.*s%s%s",
		    (int)(p - err->message), err->message, f->home, p + n);
		snprintf(err->message, sizeof(err->message), "%s", msg);
		if (from >= strlen(err->message))
			break;
	}
}

static int
write_forward(struct am_forward *f, struct am_error *err)
{
	struct am_atomic af;

	if (f->clear) {
		if (unlinkat(f->dfd, ".forward", 0) < 0 && errno != ENOENT)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno,
			    "remove %s", f->path);
		return 0;
	}
	/* Through the directory opened and checked, never by path again. */
	am_atomic_remove_stale(f->fdpath);
	if (am_atomic_begin(&af, f->fdpath, err) < 0)
		goto fail;
	/*
	 * local(8) ignores a group- or world-writable .forward: 0644, or
	 * the existing file's mode without write and execute bits for
	 * others (0600 stays 0600).
	 */
	af.mode = f->exists ? (f->mode & 0644) | 0600 : 0644;
	af.set_owner = true;
	af.uid = f->uid;
	af.gid = f->gid;
	if (am_atomic_write(&af, f->new.data, f->new.len, err) < 0 ||
	    am_atomic_commit(&af, err) < 0) {
		am_atomic_abort(&af);
		goto fail;
	}
	return 0;
fail:
	name_file(f, err);
	return -1;
}

int
am_forward_plan(struct am_forward *f, const struct am_host *h,
    const char *user, const char *const *dests, size_t ndests, bool clear,
    bool keep_copy, bool dry_run, struct am_error *err)
{
	char *home = NULL;
	int found, rc = -1;

	memset(f, 0, sizeof(*f));
	f->dfd = -1;
	f->host = h;
	f->clear = clear;
	f->dry_run = dry_run;
	if ((f->user = strdup(user)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (am_login_check(user, err) < 0)
		return -1;
	if ((found = am_acct_passwd_lookup(h->root, user, &f->uid, &f->gid,
	    &home, err)) < 0)
		return -1;
	if (found == 0)
		return am_error_set(err, AM_E_NOUSER, "unknown user \"%s\"",
		    user);
	if ((f->home = am_host_path(h, home)) == NULL ||
	    asprintf(&f->path, "%s/.forward", f->home) < 0) {
		f->path = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (!clear && build_content(f, dests, ndests, keep_copy, err) < 0)
		goto out;
	if (open_home(f, home, err) < 0)
		goto out;
	if (read_forward(f, err) < 0)
		goto out;
	am_host_note(h, "read", f->path);
	f->changed = clear ? f->exists : !f->exists ||
	    f->old.len != f->new.len ||
	    memcmp(f->old.data, f->new.data, f->new.len) != 0;
	if (dry_run && f->changed &&
	    am_diff_text(f->old.data ? f->old.data : "", f->old.len,
	    f->new.data ? f->new.data : "", f->new.len, f->path, &f->diff,
	    err) < 0)
		goto out;
	rc = 0;
out:
	free(home);
	return rc;
}

int
am_forward_commit(struct am_forward *f, struct am_error *err)
{
	if (f->dry_run)
		return am_error_set(err, AM_E_INTERNAL, "am_forward_commit: a "
		    "dry-run plan");
	if (!f->changed)
		return 0;
	return write_forward(f, err);
}

void
am_forward_free(struct am_forward *f)
{
	if (f == NULL)
		return;
	am_buf_free(&f->diff);
	am_buf_free(&f->old);
	am_buf_free(&f->new);
	if (f->dfd >= 0)
		close(f->dfd);
	free(f->user);
	free(f->home);
	free(f->path);
	free(f->fdpath);
	memset(f, 0, sizeof(*f));
	f->dfd = -1;
}
