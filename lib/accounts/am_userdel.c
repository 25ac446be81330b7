/* Offboarding's account side: usermod -L or userdel -r (am_userdel.h). */
#include "am_userdel.h"

#include "am_useradd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Field n of line i as a number; -1 when it is not one. */
static int
number(const struct am_acct_file *f, size_t i, size_t n, unsigned long *v)
{
	struct am_acct_entry e;
	struct am_error ignored;
	char *end;
	int rc = -1;

	am_error_clear(&ignored);
	if (am_acct_entry_get(f, i, &e, &ignored) < 0)
		return -1;
	if (n < e.nfields && e.field[n][0] >= '0' && e.field[n][0] <= '9') {
		errno = 0;
		*v = strtoul(e.field[n], &end, 10);
		rc = errno == 0 && *end == '\0' ? 0 : -1;
	}
	am_acct_entry_free(&e);
	return rc;
}

/* list without login ("a,login,b" -> "a,b"); *out NULL when absent. */
static int
without(const char *list, const char *login, char **out, struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;
	const char *p = list, *comma;
	size_t len, llen = strlen(login);
	bool found = false;

	*out = NULL;
	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == llen && strncmp(p, login, len) == 0)
			found = true;
		else if ((b.len > 0 && am_buf_adds(&b, ",") < 0) ||
		    am_buf_add(&b, p, len) < 0)
			goto nomem;
		p += len + (comma != NULL);
	}
	if (!found) {
		am_buf_free(&b);
		return 0;
	}
	if (am_buf_reserve(&b, 1) < 0)
		goto nomem;
	b.data[b.len] = '\0';
	*out = b.data;
	return 0;
nomem:
	am_buf_free(&b);
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

/* Take login out of fields first..last of every line of f. */
static int
leave_groups(struct am_acct_file *f, size_t first, size_t last,
    const char *login, struct am_error *err)
{
	struct am_acct_entry e;
	char *list;
	bool changed;
	size_t i, n;

	for (i = 0; i < f->count; i++) {
		if (am_acct_line_name(f, i, &n)[0] == '\0')
			continue;
		if (am_acct_entry_get(f, i, &e, err) < 0)
			return -1;
		changed = false;
		for (n = first; n <= last && n < e.nfields; n++) {
			if (without(e.field[n], login, &list, err) < 0)
				goto bad;
			if (list == NULL)
				continue;
			if (am_acct_entry_set_field(&e, n, list, err) < 0) {
				free(list);
				goto bad;
			}
			free(list);
			changed = true;
		}
		if (changed && am_acct_replace(f, i, &e, err) < 0)
			goto bad;
		am_acct_entry_free(&e);
	}
	return 0;
bad:
	am_acct_entry_free(&e);
	return -1;
}

static int
lock_password(struct am_acct_file *shadow, long si, struct am_userdel *ud,
    struct am_error *err)
{
	struct am_acct_entry e;
	char *locked = NULL;
	int rc = -1;

	if (am_acct_entry_get(shadow, (size_t)si, &e, err) < 0)
		return -1;
	if (e.field[1][0] == '!') {
		rc = 0;
		goto out;
	}
	if (asprintf(&locked, "!%s", e.field[1]) < 0) {
		locked = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (am_acct_entry_set_field(&e, 1, locked, err) < 0 ||
	    am_acct_replace(shadow, (size_t)si, &e, err) < 0)
		goto out;
	ud->locked = true;
	rc = 0;
out:
	if (locked != NULL)
		explicit_bzero(locked, strlen(locked));
	free(locked);
	am_acct_entry_free(&e);
	return rc;
}

/* The group named login, if it is gid's and nobody else's primary. */
static int
delete_private_group(const struct am_host *h, struct am_acct_db *db,
    const char *login, unsigned long gid, struct am_userdel *ud,
    struct am_error *err)
{
	struct am_acct_file *pw = &db->file[AM_ACCT_PASSWD];
	struct am_acct_file *gr = &db->file[AM_ACCT_GROUP];
	struct am_acct_file *gs = &db->file[AM_ACCT_GSHADOW];
	unsigned long v;
	long gi, ki;
	size_t i;
	bool upg;

	/* userdel removes user private groups only where they are made. */
	if (am_useradd_private_groups(h, &upg, err) < 0)
		return -1;
	if (!upg)
		return 0;
	if ((gi = am_acct_find(gr, login, err)) < 0) {
		if (err->code != AM_E_NOUSER)
			return -1;
		am_error_clear(err);
		return 0;
	}
	if (number(gr, (size_t)gi, 2, &v) < 0 || v != gid)
		return 0;
	for (i = 0; i < pw->count; i++)
		if (number(pw, i, 3, &v) == 0 && v == gid) {
			am_host_warnf(h, NULL, 0, "group %s is the primary "
			    "group of another account; not removed", login);
			return 0;
		}
	am_acct_remove(gr, (size_t)gi);
	if ((ki = am_acct_find(gs, login, err)) >= 0)
		am_acct_remove(gs, (size_t)ki);
	else if (err->code != AM_E_NOUSER)
		return -1;
	am_error_clear(err);
	ud->group_deleted = true;
	return 0;
}

int
am_userdel_plan(const struct am_host *h, struct am_acct_db *db,
    const struct am_userdel_opts *o, struct am_userdel *ud,
    struct am_error *err)
{
	struct am_acct_file *pw = &db->file[AM_ACCT_PASSWD];
	struct am_acct_file *sh = &db->file[AM_ACCT_SHADOW];
	struct am_acct_entry e;
	unsigned long min, max, uid, gid;
	long pi, si;
	int rc = -1;

	memset(ud, 0, sizeof(*ud));
	if ((pi = am_acct_find(pw, o->login, err)) < 0) {
		if (err->code != AM_E_NOUSER)
			return -1;
		am_error_clear(err);
		ud->absent = true;
		return 0;
	}
	if (am_acct_login_defs(h->root, "UID_MIN", 1000, &min, err) < 0 ||
	    am_acct_login_defs(h->root, "UID_MAX", 60000, &max, err) < 0)
		return -1;
	if (number(pw, (size_t)pi, 2, &uid) < 0 || uid < min || uid > max)
		return am_error_set(err, AM_E_EXISTS_DIFFERENT, "\"%s\" is "
		    "not a person's account (UID outside UID_MIN..UID_MAX "
		    "%lu..%lu); not touched", o->login, min, max);
	if (number(pw, (size_t)pi, 3, &gid) < 0)
		return am_error_set_at(err, AM_E_PARSE, pw->path,
		    pw->line[pi].lineno, "bad GID for \"%s\"", o->login);
	ud->uid = (uid_t)uid;
	if ((si = am_acct_find(sh, o->login, err)) < 0 &&
	    err->code != AM_E_NOUSER)
		return -1;
	am_error_clear(err);
	if (!o->delete)
		return si >= 0 ? lock_password(sh, si, ud, err) : 0;

	if (am_acct_entry_get(pw, (size_t)pi, &e, err) < 0)
		return -1;
	ud->home_path = am_host_path(h, e.field[5]);
	am_acct_entry_free(&e);
	if (ud->home_path == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	am_acct_remove(pw, (size_t)pi);
	if (si >= 0)
		am_acct_remove(sh, (size_t)si);
	/* group: name:pw:gid:members; gshadow: name:pw:admins:members */
	if (leave_groups(&db->file[AM_ACCT_GROUP], 3, 3, o->login, err) < 0 ||
	    leave_groups(&db->file[AM_ACCT_GSHADOW], 2, 3, o->login,
	    err) < 0)
		goto out;
	if (delete_private_group(h, db, o->login, gid, ud, err) < 0)
		goto out;
	ud->deleted = true;
	rc = 0;
out:
	return rc;
}

int
am_userdel_stage_home(const struct am_userdel *ud, struct am_journal *j,
    struct am_error *err)
{
	struct stat st;

	if (!ud->deleted || ud->home_path == NULL)
		return 0;
	if (lstat(ud->home_path, &st) < 0)
		return errno == ENOENT ? 0 : am_error_set_errno(err, AM_E_IO,
		    errno, "stat %s", ud->home_path);
	/* Only the account's own directory goes (rmhome checks again). */
	if (!S_ISDIR(st.st_mode) || st.st_uid != ud->uid)
		return am_error_set(err, AM_E_INVALID, "home %s is not a "
		    "directory owned by uid %lu; not removed: remove it by "
		    "hand or offboard without --delete", ud->home_path,
		    (unsigned long)ud->uid);
	return am_journal_add_home(j, AM_JOP_RMHOME, ud->home_path, ud->uid,
	    0, err);
}

void
am_userdel_free(struct am_userdel *ud)
{
	free(ud->home_path);
	memset(ud, 0, sizeof(*ud));
}
