/*
 * am_journal: see am_journal.h for the protocol.  The record is text:
 *
 *	archmail-journal 1
 *	rename<TAB>FROM<TAB>TO<TAB>PRE	(PRE: INO/SIZE/SEC/NSEC or "-")
 *	mkhome<TAB>PATH<TAB>UID<TAB>GID
 *	rmhome<TAB>PATH<TAB>UID<TAB>GID
 *	end
 *
 * "end" proves the record complete; it is renamed into place whole, so a
 * record without it was damaged by something else and is refused rather
 * than half replayed.
 */
#include "am_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_host.h"
#include "am_buf.h"

#define HEADER "archmail-journal 1\n"

/* An absolute form of path: the journal may be replayed from elsewhere. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *res = NULL;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&res, "%s/%s", cwd, path) < 0)
		return NULL;
	return res;
}

int
am_journal_init(struct am_journal *j, const char *root, struct am_error *err)
{
	char *p;

	memset(j, 0, sizeof(*j));
	if ((p = am_root_join(root, AM_JOURNAL_FILE)) == NULL ||
	    (j->path = absolute(p)) == NULL) {
		free(p);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	free(p);
	return 0;
}

static int empty_dir(int dfd, const char *path, int depth,
    struct am_error *err);

/* rm -r of path without following symbolic links; errors ignored. */
static void
remove_tree(const char *path)
{
	struct am_error ignored;
	int fd;

	if (unlink(path) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	am_error_clear(&ignored);
	if (empty_dir(fd, path, 0, &ignored) == 0)
		(void)rmdir(path);
}

static void
ops_free(struct am_journal *j, bool unlink_temps)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		if (unlink_temps && j->op[i].from != NULL)
			remove_tree(j->op[i].from);
		free(j->op[i].from);
		free(j->op[i].to);
	}
	free(j->op);
	j->op = NULL;
	j->n = j->cap = 0;
}

void
am_journal_free(struct am_journal *j)
{
	if (j == NULL)
		return;
	ops_free(j, !j->recorded);
	free(j->path);
	memset(j, 0, sizeof(*j));
}

static struct am_journal_op *
op_new(struct am_journal *j, struct am_error *err)
{
	struct am_journal_op *o;
	size_t ncap;

	if (j->n == j->cap) {
		ncap = j->cap ? j->cap * 2 : 8;
		if ((o = realloc(j->op, ncap * sizeof(*o))) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			return NULL;
		}
		j->op = o;
		j->cap = ncap;
	}
	o = &j->op[j->n];
	memset(o, 0, sizeof(*o));
	return o;
}

/* The identity of path now: "-" when it does not exist. */
static int
identity(const char *path, char *buf, size_t size, struct am_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s", path);
		snprintf(buf, size, "-");
		return 0;
	}
	snprintf(buf, size, "%llu/%lld/%lld/%ld",
	    (unsigned long long)st.st_ino, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	return 0;
}

static int
path_ok(const char *path, struct am_error *err)
{
	if (path[0] == '\0' || strpbrk(path, "\t\n") != NULL)
		return am_error_set(err, AM_E_INVALID, "path \"%s\" cannot be "
		    "recorded in the journal (empty, tab or newline)", path);
	return 0;
}

int
am_journal_add_file(struct am_journal *j, const char *target,
    const void *data, size_t len, mode_t mode, bool set_owner, uid_t uid,
    gid_t gid, struct am_error *err)
{
	struct am_journal_op *o;
	struct am_atomic af;
	char *from = NULL, *to = NULL;

	if (path_ok(target, err) < 0)
		return -1;
	if ((o = op_new(j, err)) == NULL ||
	    identity(target, o->pre, sizeof(o->pre), err) < 0)
		return -1;
	if (am_atomic_begin_tag(&af, target, AM_JOURNAL_TAG, err) < 0)
		return -1;
	af.mode = mode;
	af.set_owner = set_owner;
	af.uid = uid;
	af.gid = gid;
	if (am_atomic_write(&af, data, len, err) < 0) {
		am_atomic_abort(&af);
		return -1;
	}
	if (am_atomic_finish(&af, err) < 0)
		return -1;
	if ((from = absolute(af.tmp_path)) == NULL ||
	    (to = absolute(target)) == NULL) {
		(void)unlink(af.tmp_path);
		am_atomic_release(&af);
		free(from);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	am_atomic_release(&af);
	o->kind = AM_JOP_RENAME;
	o->from = from;
	o->to = to;
	j->n++;
	return 0;
}

int
am_journal_add_dir(struct am_journal *j, const char *staged,
    const char *target, struct am_error *err)
{
	struct am_journal_op *o;

	if (path_ok(staged, err) < 0 || path_ok(target, err) < 0)
		return -1;
	if ((o = op_new(j, err)) == NULL ||
	    identity(target, o->pre, sizeof(o->pre), err) < 0)
		return -1;
	if (strcmp(o->pre, "-") != 0)
		return am_error_set(err, AM_E_EXISTS, "%s exists", target);
	if ((o->from = absolute(staged)) == NULL ||
	    (o->to = absolute(target)) == NULL) {
		free(o->from);
		o->from = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	o->kind = AM_JOP_RENAME;
	j->n++;
	return 0;
}

int
am_journal_add_home(struct am_journal *j, enum am_journal_kind kind,
    const char *path, uid_t uid, gid_t gid, struct am_error *err)
{
	struct am_journal_op *o;

	if (kind == AM_JOP_RENAME)
		return am_error_set(err, AM_E_INTERNAL, "not a home step");
	if (path_ok(path, err) < 0 || (o = op_new(j, err)) == NULL)
		return -1;
	if ((o->to = absolute(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	o->kind = kind;
	o->uid = uid;
	o->gid = gid;
	j->n++;
	return 0;
}

/* fsync the directory of path, so that a rename in it is durable. */
static int
sync_dir_of(const char *path, struct am_error *err)
{
	char *copy, *slash;
	int fd, rc = 0;

	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	slash = strrchr(copy, '/');
	if (slash == copy)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? copy : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = am_error_set_errno(err, AM_E_IO, errno, "fsync directory "
		    "%s", slash != NULL ? copy : ".");
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/* One step; repeating a step that was done is nothing. */
static int
run_op(const struct am_journal_op *o, size_t *skipped, struct am_error *err)
{
	struct am_error ignored;
	struct stat st;
	char now[96];
	bool done;

	switch (o->kind) {
	case AM_JOP_RENAME:
		if (lstat(o->from, &st) < 0) {
			if (errno == ENOENT)
				return 0;	/* renamed before */
			return am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s", o->from);
		}
		if (identity(o->to, now, sizeof(now), err) < 0)
			return -1;
		if (strcmp(now, o->pre) != 0)
			return am_error_set(err, AM_E_IO, "%s was changed by "
			    "another program after an interrupted archmail "
			    "run; not overwriting it with %s.  Check the "
			    "files (pwck), then remove ROOT%s and the "
			    "temporary files it names", o->to, o->from,
			    AM_JOURNAL_FILE);
		if (rename(o->from, o->to) < 0)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno,
			    "rename %s to %s", o->from, o->to);
		return sync_dir_of(o->to, err);
	case AM_JOP_MKHOME:
		am_error_clear(&ignored);
		/*
		 * Checked before the journal was written; something that
		 * appeared since is left alone rather than blocking every
		 * later command.
		 */
		if (am_home_create(o->to, o->uid, o->gid, &done,
		    &ignored) < 0) {
			if (ignored.code == AM_E_IO ||
			    ignored.code == AM_E_NOMEM) {
				*err = ignored;
				return -1;
			}
			(*skipped)++;
		}
		return 0;
	case AM_JOP_RMHOME:
		am_error_clear(&ignored);
		if (am_home_remove(o->to, o->uid, &done, &ignored) < 0) {
			if (ignored.code == AM_E_IO ||
			    ignored.code == AM_E_NOMEM) {
				*err = ignored;
				return -1;
			}
			(*skipped)++;
		}
		return 0;
	}
	return am_error_set(err, AM_E_INTERNAL, "bad journal step");
}

static int
run(const struct am_journal *j, size_t *skipped, struct am_error *err)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (run_op(&j->op[i], skipped, err) < 0)
			return -1;
	/* Every step is durable: the record can go. */
	if (unlink(j->path) < 0 && errno != ENOENT)
		return am_error_set_errno(err, AM_E_IO, errno, "remove %s",
		    j->path);
	return sync_dir_of(j->path, err);
}

static const char *const kind_word[] = {
	[AM_JOP_RENAME] = "rename",
	[AM_JOP_MKHOME] = "mkhome",
	[AM_JOP_RMHOME] = "rmhome",
};

int
am_journal_commit(struct am_journal *j, struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	size_t i, skipped = 0;
	int rc = -1;

	if (j->n == 0)
		return 0;
	if (am_buf_adds(&b, HEADER) < 0)
		goto nomem;
	for (i = 0; i < j->n; i++) {
		const struct am_journal_op *o = &j->op[i];

		if (o->kind == AM_JOP_RENAME ?
		    am_buf_printf(&b, "rename\t%s\t%s\t%s\n", o->from, o->to,
		    o->pre) < 0 :
		    am_buf_printf(&b, "%s\t%s\t%lu\t%lu\n", kind_word[o->kind],
		    o->to, (unsigned long)o->uid, (unsigned long)o->gid) < 0)
			goto nomem;
	}
	if (am_buf_adds(&b, "end\n") < 0)
		goto nomem;
	/* Renamed into place and its directory fsync'ed: the change is on. */
	if (am_atomic_write_file(j->path, b.data, b.len, 0600, false, 0, 0,
	    err) < 0)
		goto out;
	j->recorded = true;
	rc = run(j, &skipped, err);
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_free(&b);
	return rc;
}

static int
parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

/* One line (NUL-terminated, no newline) into j. */
static int
parse_line(struct am_journal *j, char *line)
{
	char *f[5], *save = NULL, *p;
	struct am_journal_op *o;
	struct am_error ignored;
	unsigned long uid, gid;
	size_t n = 0;

	for (p = strtok_r(line, "\t", &save); p != NULL && n < 5;
	    p = strtok_r(NULL, "\t", &save))
		f[n++] = p;
	if (p != NULL || n < 3)
		return -1;
	if ((o = op_new(j, &ignored)) == NULL)
		return -1;
	if (strcmp(f[0], "rename") == 0 && n == 4 &&
	    strlen(f[3]) < sizeof(o->pre)) {
		o->kind = AM_JOP_RENAME;
		snprintf(o->pre, sizeof(o->pre), "%s", f[3]);
		if ((o->from = strdup(f[1])) == NULL)
			return -1;
	} else if ((strcmp(f[0], "mkhome") == 0 ||
	    strcmp(f[0], "rmhome") == 0) && n == 4 &&
	    parse_ulong(f[2], &uid) == 0 && parse_ulong(f[3], &gid) == 0) {
		o->kind = f[0][0] == 'm' ? AM_JOP_MKHOME : AM_JOP_RMHOME;
		o->uid = (uid_t)uid;
		o->gid = (gid_t)gid;
	} else {
		return -1;
	}
	if ((o->to = strdup(f[o->kind == AM_JOP_RENAME ? 2 : 1])) == NULL) {
		free(o->from);
		return -1;
	}
	if (o->to[0] != '/' || (o->from != NULL && o->from[0] != '/')) {
		free(o->from);
		free(o->to);
		return -1;
	}
	j->n++;
	return 0;
}

int
am_journal_load(struct am_journal *j, const char *root, bool *found,
    struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	char chunk[4096], *p, *nl, *end;
	bool complete = false;
	ssize_t n;
	int fd, rc = -1;

	*found = false;
	if (am_journal_init(j, root, err) < 0)
		return -1;
	fd = open(j->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "open %s",
		    j->path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			am_error_set_errno(err, AM_E_IO, errno, "read %s",
			    j->path);
			goto out;
		}
		if (am_buf_add(&b, chunk, (size_t)n) < 0 ||
		    am_buf_addc(&b, '\0') < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
		b.len--;
	}
	*found = true;
	j->recorded = true;	/* its temporaries are not ours to remove */
	if (b.len < sizeof(HEADER) - 1 ||
	    memcmp(b.data, HEADER, sizeof(HEADER) - 1) != 0)
		goto bad;
	p = b.data + sizeof(HEADER) - 1;
	end = b.data + b.len;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		*nl = '\0';
		if (strcmp(p, "end") == 0) {
			complete = nl + 1 == end;
			break;
		}
		if (parse_line(j, p) < 0)
			goto bad;
		p = nl + 1;
	}
	if (!complete)
		goto bad;
	rc = 0;
	goto out;
bad:
	am_error_set(err, AM_E_IO, "%s is damaged; repair the account "
	    "files by hand (pwck) and remove it", j->path);
out:
	close(fd);
	am_buf_free(&b);
	return rc;
}

const char *
am_journal_source(const struct am_journal *j, const char *target)
{
	struct am_error ignored;
	char now[96];
	size_t i;

	for (i = j->n; i-- > 0;)
		if (j->op[i].kind == AM_JOP_RENAME &&
		    strcmp(j->op[i].to, target) == 0 &&
		    access(j->op[i].from, F_OK) == 0 &&
		    identity(target, now, sizeof(now), &ignored) == 0 &&
		    strcmp(now, j->op[i].pre) == 0)
			return j->op[i].from;
	return NULL;
}

int
am_journal_replay(const char *root, bool *replayed, size_t *skipped,
    struct am_error *err)
{
	struct am_journal j;
	bool found;
	int rc;

	*replayed = false;
	*skipped = 0;
	if (am_journal_load(&j, root, &found, err) < 0) {
		am_journal_free(&j);
		return -1;
	}
	rc = found ? run(&j, skipped, err) : 0;
	*replayed = found && rc == 0;
	am_journal_free(&j);
	return rc;
}

void
am_journal_sweep(const char *target)
{
	am_atomic_remove_stale_tag(target, AM_JOURNAL_TAG);
}

void
am_journal_sweep_dirs(const char *target)
{
	char *dir, *slash, *path;
	const char *name;
	struct dirent *de;
	size_t nlen, tlen = strlen(AM_JOURNAL_TAG);
	char *end;
	long pid;
	DIR *d;

	if ((dir = strdup(target)) == NULL)
		return;
	if ((slash = strrchr(dir, '/')) == NULL || slash[1] == '\0')
		goto out;
	name = target + (slash - dir) + 1;
	*slash = '\0';
	nlen = strlen(name);
	if ((d = opendir(dir[0] != '\0' ? dir : "/")) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, name, nlen) != 0 ||
		    de->d_name[nlen] != '.' ||
		    strncmp(de->d_name + nlen + 1, AM_JOURNAL_TAG, tlen) != 0 ||
		    de->d_name[nlen + 1 + tlen] != '.')
			continue;
		pid = strtol(de->d_name + nlen + tlen + 2, &end, 10);
		if (pid <= 0 || *end != '.')
			continue;
		/* Only what processes that are gone left behind. */
		if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			continue;
		remove_tree(path);
		free(path);
	}
	closedir(d);
out:
	free(dir);
}

int
am_home_create(const char *path, uid_t uid, gid_t gid, bool *created,
    struct am_error *err)
{
	char *copy, *p;
	struct stat st;
	DIR *d;
	struct dirent *de;
	bool empty = true;
	int fd;

	*created = false;
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and is not a directory", path);
		if (st.st_uid == uid)
			return 0;
		/*
		 * Ours from a run killed between mkdir and chown: an empty
		 * directory of our own user.  Anything else is not ours.
		 */
		if (st.st_uid != geteuid())
			goto other;
		if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			return am_error_set_errno(err, AM_E_IO, errno,
			    "open %s", path);
		}
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				empty = false;
		closedir(d);
		if (!empty)
			goto other;
		goto own;
	}
	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* Parents as mkdir -p would make them. */
	for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			am_error_set_errno(err, am_error_code_create(errno),
			    errno, "mkdir %s", copy);
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0700) < 0)
		return am_error_set_errno(err, am_error_code_create(errno),
		    errno, "mkdir %s", path);
	*created = true;
own:
	if (fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(AT_FDCWD, path, 0700, 0) < 0)
		return am_error_set_errno(err, AM_E_IO, errno,
		    "set owner of %s", path);
	return 0;
other:
	return am_error_set(err, AM_E_CANTCREAT, "home %s exists and "
	    "belongs to uid %lu, not %lu; not reused", path,
	    (unsigned long)st.st_uid, (unsigned long)uid);
}

/* Remove everything below the directory open on dfd. */
static int
empty_dir(int dfd, const char *path, int depth, struct am_error *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, rc = 0;

	if (depth > 64) {
		close(dfd);
		return am_error_set(err, AM_E_IO, "%s: too deep", path);
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return am_error_set_errno(err, AM_E_IO, errno, "read %s",
		    path);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0) {
			rc = am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s/%s", path, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "open %s/%s", path, de->d_name);
				break;
			}
			if (empty_dir(fd, path, depth + 1, err) < 0) {
				rc = -1;
				break;
			}
		}
		if (unlinkat(dirfd(d), de->d_name, S_ISDIR(st.st_mode) ?
		    AT_REMOVEDIR : 0) < 0)
			rc = am_error_set_errno(err, AM_E_IO, errno,
			    "remove %s/%s", path, de->d_name);
	}
	closedir(d);
	return rc;
}

int
am_home_remove(const char *path, uid_t uid, bool *removed,
    struct am_error *err)
{
	struct stat st;
	int fd;

	*removed = false;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : am_error_set_errno(err, AM_E_IO,
		    errno, "stat %s", path);
	/* Only a directory that is the account's own. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return am_error_set(err, AM_E_INVALID, "home %s is not a "
		    "directory owned by uid %lu; not removed", path,
		    (unsigned long)uid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "open %s",
		    path);
	if (empty_dir(fd, path, 0, err) < 0)
		return -1;
	if (rmdir(path) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "remove %s",
		    path);
	*removed = true;
	return 0;
}
