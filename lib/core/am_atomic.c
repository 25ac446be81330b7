#include "am_atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
am_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
atomic_reset(struct am_atomic *af)
{
	memset(af, 0, sizeof(*af));
	af->dirfd = -1;
	af->fd = -1;
	af->mode = 0600;
}

/* Split path into a directory (opened) and a last component. */
static int
open_parent(struct am_atomic *af, const char *path, struct am_error *err)
{
	char *copy1 = NULL, *copy2 = NULL;
	const char *dir, *base;
	int rc = -1;

	if ((copy1 = strdup(path)) == NULL || (copy2 = strdup(path)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	dir = dirname(copy1);
	base = basename(copy2);
	if (*base == '\0' || strcmp(base, "/") == 0 ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		am_error_set(err, AM_E_CANTCREAT, "bad file name \"%s\"",
		    path);
		goto out;
	}
	af->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno) ==
		    AM_E_NOINPUT ? AM_E_CANTCREAT :
		    am_error_code_from_errno(errno), errno, "open directory %s",
		    dir);
		goto out;
	}
	if ((af->target_name = strdup(base)) == NULL ||
	    (af->target_path = strdup(path)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(copy1);
	free(copy2);
	return rc;
}

int
am_atomic_begin(struct am_atomic *af, const char *target_path,
    struct am_error *err)
{
	return am_atomic_begin_tag(af, target_path, "tmp", err);
}

int
am_atomic_begin_tag(struct am_atomic *af, const char *target_path,
    const char *tag, struct am_error *err)
{
	unsigned int rnd;
	size_t dirlen;
	int attempt;

	atomic_reset(af);
	if (open_parent(af, target_path, err) < 0)
		goto bad;
	for (attempt = 0; attempt < 100; attempt++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (unsigned int)time(NULL) ^ (unsigned int)attempt;
		free(af->tmp_name);
		if (asprintf(&af->tmp_name, "%s.%s.%ld.%08x",
		    af->target_name, tag, (long)getpid(), rnd) < 0) {
			af->tmp_name = NULL;
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto bad;
		}
		af->fd = openat(af->dirfd, af->tmp_name, O_RDWR | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (af->fd >= 0 || errno != EEXIST)
			break;
	}
	if (af->fd < 0) {
		am_error_set_errno(err, am_error_code_create(errno), errno,
		    "create temporary file for %s", target_path);
		free(af->tmp_name);
		af->tmp_name = NULL;
		goto bad;
	}
	/* The directory part as given, so relative paths stay relative. */
	dirlen = strlen(target_path) - strlen(af->target_name);
	if (asprintf(&af->tmp_path, "%.*s%s", (int)dirlen, target_path,
	    af->tmp_name) < 0) {
		af->tmp_path = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto bad;
	}
	return 0;
bad:
	am_atomic_abort(af);
	return -1;
}

int
am_atomic_write(struct am_atomic *af, const void *buf, size_t len,
    struct am_error *err)
{
	if (am_write_all(af->fd, buf, len) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "write %s",
		    af->tmp_path);
	return 0;
}

/*
 * Move the finished temporary file into place.  With no_replace the check
 * for an existing target is part of the same system call, so nothing can
 * appear in between; where the file system lacks RENAME_NOREPLACE, a hard
 * link gives the same guarantee.
 */
static int
place(struct am_atomic *af)
{
	if (!af->no_replace)
		return renameat(af->dirfd, af->tmp_name, af->dirfd,
		    af->target_name);
	if (renameat2(af->dirfd, af->tmp_name, af->dirfd, af->target_name,
	    RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(af->dirfd, af->tmp_name, af->dirfd, af->target_name,
	    0) < 0)
		return -1;
	(void)unlinkat(af->dirfd, af->tmp_name, 0);
	return 0;
}

/* Owner, mode, fsync and close of the temporary file; 0 or -1. */
static int
seal(struct am_atomic *af, struct am_error *err)
{
	int fd;

	if (af->set_owner && fchown(af->fd, af->uid, af->gid) < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "set owner of %s", af->tmp_path);
		goto bad;
	}
	/* After fchown, which may clear set-id bits. */
	if (fchmod(af->fd, af->mode) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "set mode of %s",
		    af->tmp_path);
		goto bad;
	}
	if (fsync(af->fd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "fsync %s",
		    af->tmp_path);
		goto bad;
	}
	fd = af->fd;
	af->fd = -1;
	if (close(fd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "close %s",
		    af->tmp_path);
		goto bad;
	}
	return 0;
bad:
	return -1;
}

int
am_atomic_finish(struct am_atomic *af, struct am_error *err)
{
	if (seal(af, err) < 0) {
		am_atomic_abort(af);
		return -1;
	}
	return 0;
}

void
am_atomic_release(struct am_atomic *af)
{
	if (af == NULL)
		return;
	free(af->tmp_name);
	af->tmp_name = NULL;
	am_atomic_abort(af);
}

int
am_atomic_commit(struct am_atomic *af, struct am_error *err)
{
	if (seal(af, err) < 0)
		goto bad;
	if (place(af) < 0) {
		if (errno == EEXIST)
			am_error_set(err, AM_E_EXISTS, "%s exists; not "
			    "replacing it", af->target_path);
		else
			am_error_set_errno(err, am_error_code_create(errno),
			    errno, "rename %s to %s", af->tmp_path,
			    af->target_path);
		goto bad;
	}
	free(af->tmp_name);
	af->tmp_name = NULL;	/* nothing left to remove */
	/* The rename is durable only once the directory is. */
	if (fsync(af->dirfd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "fsync directory of %s",
		    af->target_path);
		am_atomic_abort(af);
		return -1;
	}
	am_atomic_abort(af);
	return 0;
bad:
	am_atomic_abort(af);
	return -1;
}

void
am_atomic_abort(struct am_atomic *af)
{
	if (af == NULL)
		return;
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp_name != NULL && af->dirfd >= 0)
		(void)unlinkat(af->dirfd, af->tmp_name, 0);
	if (af->dirfd >= 0)
		close(af->dirfd);
	free(af->target_path);
	free(af->target_name);
	free(af->tmp_name);
	free(af->tmp_path);
	atomic_reset(af);
}

int
am_atomic_write_file(const char *path, const void *buf, size_t len,
    mode_t mode, bool set_owner, uid_t uid, gid_t gid, struct am_error *err)
{
	struct am_atomic af;

	if (am_atomic_begin(&af, path, err) < 0)
		return -1;
	af.mode = mode;
	af.set_owner = set_owner;
	af.uid = uid;
	af.gid = gid;
	if (am_atomic_write(&af, buf, len, err) < 0) {
		am_atomic_abort(&af);
		return -1;
	}
	return am_atomic_commit(&af, err);
}

void
am_atomic_remove_stale(const char *target_path)
{
	am_atomic_remove_stale_tag(target_path, "tmp");
}

void
am_atomic_remove_stale_tag(const char *target_path, const char *tag)
{
	struct am_atomic af;
	struct dirent *de;
	struct am_error err;
	size_t nlen, tlen;
	DIR *d;
	char *end;
	long pid;
	int fd;

	atomic_reset(&af);
	if (open_parent(&af, target_path, &err) < 0)
		goto out;
	if ((fd = dup(af.dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	nlen = strlen(af.target_name);
	tlen = strlen(tag);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, af.target_name, nlen) != 0 ||
		    de->d_name[nlen] != '.' ||
		    strncmp(de->d_name + nlen + 1, tag, tlen) != 0 ||
		    de->d_name[nlen + 1 + tlen] != '.')
			continue;
		pid = strtol(de->d_name + nlen + tlen + 2, &end, 10);
		if (pid <= 0 || *end != '.')
			continue;
		/* Only files of processes that are gone. */
		if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		(void)unlinkat(af.dirfd, de->d_name, 0);
	}
	closedir(d);
out:
	am_atomic_abort(&af);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
am_wait_start(struct am_wait *w, int timeout_ms)
{
	w->deadline_ms = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	w->timeout_ms = timeout_ms;
	w->delay_ms = 1;
	w->expired = false;
	w->interrupted = NULL;
}

int
am_wait_next(struct am_wait *w, const char *what, struct am_error *err)
{
	if (w->interrupted != NULL && w->interrupted())
		return am_error_set(err, AM_E_LOCK_BUSY, "lock %s: "
		    "interrupted by a signal", what);
	if (w->timeout_ms >= 0 && now_ms() >= w->deadline_ms) {
		w->expired = true;
		return am_error_set(err, AM_E_LOCK_BUSY, "lock %s: held by "
		    "another process for more than %d seconds; try again "
		    "later", what, w->timeout_ms / 1000);
	}
	sleep_ms(w->delay_ms);
	if (w->delay_ms < 100)
		w->delay_ms *= 2;
	return 0;
}

int
am_lock_fcntl_wait(int fd, short type, struct am_wait *w, const char *what,
    struct am_error *err)
{
	struct flock fl;
	/* Without a deadline or a signal to watch, the kernel may wait. */
	int cmd = w->timeout_ms < 0 && w->interrupted == NULL ? F_SETLKW :
	    F_SETLK;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	for (;;) {
		if (fcntl(fd, cmd, &fl) == 0)
			return 0;
		if (errno != EINTR && errno != EAGAIN && errno != EACCES)
			return am_error_set_errno(err, AM_E_IO, errno,
			    "lock %s", what);
		if (errno == EINTR && w->interrupted == NULL)
			continue;
		if (am_wait_next(w, what, err) < 0)
			return -1;
	}
}

int
am_lock_fcntl(int fd, short type, int timeout_ms, const char *what,
    struct am_error *err)
{
	struct am_wait w;

	am_wait_start(&w, timeout_ms);
	return am_lock_fcntl_wait(fd, type, &w, what, err);
}

int
am_lock_file_open(const char *lockname, int *lockfd, struct am_error *err)
{
	struct stat st;
	int fd;

	/*
	 * Never through a symbolic link, and never blocking in open() on a
	 * FIFO: a lock file that is not a regular file can never be taken,
	 * so it is an error at once (AM_E_IO), not a wait.
	 */
	*lockfd = -1;
	fd = open(lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd < 0 && (errno == EACCES || errno == EPERM) &&
		    geteuid() != 0)
			/* The usual cause: a user ran a root's command. */
			am_error_set_errno(err, AM_E_PERM, errno, "open lock "
			    "file %s (run as root)", lockname);
		else if (fd < 0 && errno != ELOOP && errno != EISDIR &&
		    errno != ENXIO)
			am_error_set_errno(err, am_error_code_from_errno(errno),
			    errno, "open lock file %s", lockname);
		else
			am_error_set(err, AM_E_IO, "lock file %s is not a "
			    "regular file (symbolic link, FIFO or directory?); "
			    "remove it", lockname);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*lockfd = fd;
	return 0;
}

int
am_lock_path(const char *path, int timeout_ms, int *lockfd,
    struct am_error *err)
{
	struct am_wait w;
	char *lockname = NULL;
	int fd = -1;

	*lockfd = -1;
	if (asprintf(&lockname, "%s.lock", path) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (am_lock_file_open(lockname, &fd, err) < 0) {
		free(lockname);
		return -1;
	}
	am_wait_start(&w, timeout_ms);
	for (;;) {
		if (flock(fd, LOCK_EX | (timeout_ms < 0 ? 0 : LOCK_NB)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			am_error_set_errno(err, AM_E_IO, errno, "lock %s",
			    lockname);
			goto fail;
		}
		if (am_wait_next(&w, lockname, err) < 0)
			goto fail;
	}
	free(lockname);
	*lockfd = fd;
	/* Under the lock: temporaries of killed writers can go now. */
	am_atomic_remove_stale(path);
	return 0;
fail:
	close(fd);
	free(lockname);
	return -1;
}

void
am_unlock_path(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}
