/*
 * Home directories of relay accounts, judged before anything is written:
 * created owned by the account (mode 0700) by relay add, removed with
 * everything in it by relay remove --delete, never through a symbolic
 * link and never one that belongs to somebody else.
 */
#include "relay_home.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
relay_home_check_create(const char *path, uid_t uid, bool *missing,
    struct am_error *err)
{
	struct stat st;
	char *copy, *slash;
	int rc = 0;

	*missing = false;
	if (lstat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and is not a directory", path);
		if (st.st_uid != uid)
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and belongs to uid %lu, not to the relay "
			    "account (uid %lu); not reused", path,
			    (unsigned long)st.st_uid, (unsigned long)uid);
		return 0;
	}
	if (errno != ENOENT)
		return am_error_set_errno(err, AM_E_CANTCREAT, errno,
		    "stat %s", path);
	*missing = true;
	/* mkdir -p will make the rest below the nearest existing one. */
	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	while ((slash = strrchr(copy, '/')) != NULL) {
		if (slash == copy)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(copy, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = am_error_set(err, AM_E_CANTCREAT, "%s "
				    "(above home %s) is not a directory",
				    copy, path);
			break;
		}
		if (errno != ENOENT) {
			rc = am_error_set_errno(err, AM_E_CANTCREAT, errno,
			    "stat %s", copy);
			break;
		}
		if (slash == copy)
			break;
	}
	free(copy);
	return rc;
}

int
relay_home_check_delete(const char *path, uid_t uid, bool *missing,
    struct am_error *err)
{
	struct stat st;

	*missing = false;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s", path);
		*missing = true;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return am_error_set(err, AM_E_INVALID, "home %s is not a "
		    "directory owned by uid %lu; remove it by hand or run "
		    "relay remove without --delete", path,
		    (unsigned long)uid);
	return 0;
}
