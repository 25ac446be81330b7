/*
 * Home directories of relay accounts: created owned by the account (mode
 * 0700) by relay add, removed with everything in it by relay remove
 * --delete.  Neither follows a symbolic link.
 */
#include "relay_home.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
relay_home_create(const char *path, uid_t uid, gid_t gid, bool *created,
    struct am_error *err)
{
	char *copy, *p;
	struct stat st;

	*created = false;
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and is not a directory", path);
		return 0;
	}
	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* Parents as mkdir -p would make them. */
	for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			am_error_set_errno(err, AM_E_CANTCREAT, errno,
			    "mkdir %s", copy);
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0700) < 0)
		return am_error_set_errno(err, AM_E_CANTCREAT, errno,
		    "mkdir %s", path);
	if (fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    chmod(path, 0700) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "set owner of %s", path);
	*created = true;
	return 0;
}

/* Remove everything below the directory open on dfd. */
static int
empty_dir(int dfd, const char *path, int depth, struct am_error *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, rc = 0;

	if (depth > 64)
		return am_error_set(err, AM_E_IO, "%s: too deep", path);
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
			if (fd < 0 || empty_dir(fd, path, depth + 1,
			    err) < 0) {
				if (fd < 0)
					am_error_set_errno(err, AM_E_IO,
					    errno, "open %s/%s", path,
					    de->d_name);
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
relay_home_delete(const char *path, uid_t uid, bool *deleted,
    struct am_error *err)
{
	struct stat st;
	int fd;

	*deleted = false;
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
	*deleted = true;
	return 0;
}
