/*
 * archmail users forward: ~USER/.forward, with the home from
 * ROOT/etc/passwd, owned by the user and its primary group, replaced
 * atomically.  Postfix's local(8) trusts a .forward only when the user
 * owns it; archmail is stricter, because it runs as root: the home is
 * resolved below ROOT without following any symbolic link, must be a
 * directory owned by the user, and an existing .forward must be a
 * regular file with one link, owned by the user.  Anything else is
 * refused (exit 77) before a byte of it is read or written.
 */
#include "users_edit.h"
#include "cli_result.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "am_address.h"
#include "am_atomic.h"

struct forward {
	const char *user;
	bool clear, keep_copy, dry_run, check;
	char *home;		/* ROOT-prefixed, for messages */
	char *path;		/* ROOT-prefixed .forward, for messages */
	int dfd;		/* the home directory */
	char *fdpath;		/* .forward through dfd, /proc/self/fd/N */
	uid_t uid;
	gid_t gid;
	mode_t mode;		/* of an existing .forward */
	struct am_buf old, new;
	bool exists;
};

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
open_home(struct am_cli *cli, struct forward *f, const char *home,
    struct am_error *err)
{
	struct open_how how;
	struct stat st;
	const char *rel = home + strspn(home, "/");
	int rootfd, e;

	if (home[0] != '/')
		return am_error_set(err, AM_E_INVALID, "user \"%s\": home "
		    "directory \"%s\" in the passwd file is not absolute",
		    f->user, home);
	if ((rootfd = open(cli->root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open %s", cli->root);
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
			    "to write there", f->home, f->user, cli->root);
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
forward_ok(const struct forward *f, const struct stat *st,
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
read_forward(struct forward *f, struct am_error *err)
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

static int
build_content(struct am_cli *cli, struct forward *f, int ndest,
    char *dests[], struct am_error *err)
{
	char *copy, *d, *save = NULL;
	bool special;
	int i;

	for (i = 0; i < ndest; i++) {
		if ((copy = strdup(dests[i])) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		for (d = strtok_r(copy, ",", &save); d != NULL;
		    d = strtok_r(NULL, ",", &save)) {
			if (am_alias_value_check(d, &special, err) < 0 ||
			    am_buf_printf(&f->new, "%s\n", d) < 0) {
				free(copy);
				return -1;
			}
			if (special)
				cli_warnf(cli, "destination \"%s\" is a file "
				    "or command", d);
		}
		free(copy);
	}
	if (f->new.len == 0)
		return am_error_set(err, AM_E_INVALID, "no destination");
	if (f->keep_copy && am_buf_printf(&f->new, "\\%s\n", f->user) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

/* Messages name the file, not the /proc path it was written through. */
static void
name_file(const struct forward *f, struct am_error *err)
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
write_forward(struct forward *f, struct am_error *err)
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

static void
report_members(struct am_json *j, void *arg)
{
	const struct forward *f = arg;

	am_json_string(j, "user", f->user);
	am_json_string(j, "path", f->path);
}

static int
report(struct am_cli *cli, struct forward *f, bool changed,
    const struct am_buf *diff)
{
	struct cli_result r;
	bool show = f->dry_run || f->check;

	cli_result_init(&r, cli);
	cli_result_file(&r, f->path, changed);
	if (show)
		cli_result_diff(&r, diff->data, diff->len);
	if (!show || !changed)
		cli_result_line(&r, "%s: %s", f->path, !changed ?
		    "unchanged" : f->clear ? "removed" : "written");
	return cli_result_finish(&r, report_members, f);
}

int
users_forward(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "clear", no_argument, NULL, 'c' },
		{ "keep-copy", no_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, EDIT_OPT_DRY_RUN },
		{ "check", no_argument, NULL, EDIT_OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct forward f;
	struct am_error err;
	struct am_buf diff = AM_BUF_INIT;
	char *home = NULL;
	bool changed;
	int c, found, status;

	memset(&f, 0, sizeof(f));
	f.dfd = -1;
	am_error_clear(&err);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f.clear = true; break;
		case 'k': f.keep_copy = true; break;
		case EDIT_OPT_DRY_RUN: f.dry_run = true; break;
		case EDIT_OPT_CHECK: f.check = true; break;
		default:
			return cli_usage_error(cli, "bad option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, "users forward: missing USER");
	if (f.dry_run && f.check)
		return cli_usage_error(cli, "--dry-run and --check exclude "
		    "each other");
	if (f.clear && (optind + 1 < argc || f.keep_copy))
		return cli_usage_error(cli, "--clear takes no destinations");
	if (!f.clear && optind + 1 >= argc)
		return cli_usage_error(cli, "users forward: missing DEST "
		    "(or --clear)");
	f.user = argv[optind];
	if (am_login_check(f.user, &err) < 0)
		goto fail;
	if ((found = passwd_lookup(cli, f.user, &f.uid, &f.gid, &home,
	    &err)) < 0)
		goto fail;
	if (found == 0) {
		am_error_set(&err, AM_E_NOUSER, "unknown user \"%s\"", f.user);
		goto fail;
	}
	if ((f.home = cli_root_path(cli, home)) == NULL ||
	    asprintf(&f.path, "%s/.forward", f.home) < 0) {
		f.path = NULL;
		am_error_set(&err, AM_E_NOMEM, "out of memory");
		goto fail;
	}
	if (!f.clear && build_content(cli, &f, argc - optind - 1,
	    argv + optind + 1, &err) < 0)
		goto fail;
	if (open_home(cli, &f, home, &err) < 0)
		goto fail;
	/*
	 * No lock file: it would be left in the user's home.  The file is
	 * replaced atomically, so concurrent writers cannot mix contents.
	 */
	if (read_forward(&f, &err) < 0)
		goto fail;
	changed = f.clear ? f.exists : !f.exists || f.old.len != f.new.len ||
	    memcmp(f.old.data, f.new.data, f.new.len) != 0;
	if ((f.dry_run || f.check) && changed &&
	    am_diff_text(f.old.data ? f.old.data : "", f.old.len,
	    f.new.data ? f.new.data : "", f.new.len, f.path, &diff, &err) < 0)
		goto fail;
	if (!f.dry_run && !f.check && changed && write_forward(&f, &err) < 0)
		goto fail;
	status = report(cli, &f, changed, &diff);
	if (status == 0 && f.check && changed)
		status = 1;
	goto out;
fail:
	status = cli_fail(cli, &err);
out:
	am_buf_free(&diff);
	am_buf_free(&f.old);
	am_buf_free(&f.new);
	if (f.dfd >= 0)
		close(f.dfd);
	free(home);
	free(f.home);
	free(f.path);
	free(f.fdpath);
	return status;
}
