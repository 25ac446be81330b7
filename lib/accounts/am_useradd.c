/* A person's system account, as "useradd -m" makes it (am_useradd.h). */
#include "am_useradd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_file.h"

#define SKEL_MAX_DEPTH 32

/*
 * The value of KEY in a shadow-utils settings file: "KEY VALUE" lines in
 * login.defs, "KEY=VALUE" in default/useradd (sep tells which).  *value
 * is NULL when the key is unset or the file is missing; any other
 * problem with the file is an error.
 */
static int
settings_get(const struct am_host *h, const char *file, const char *key,
    char sep, char **value, struct am_error *err)
{
	char *path, *line = NULL, *p, *end;
	size_t cap = 0, klen = strlen(key);
	struct stat st;
	FILE *fp;

	*value = NULL;
	if ((path = am_host_path(h, file)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (stat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	fp = am_file_fopen_read(path, 0, err);
	free(path);
	if (fp == NULL)
		return -1;
	while (getline(&line, &cap, fp) >= 0) {
		p = line + strspn(line, " \t");
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		if (sep == '=' ? *p != '=' : (*p != ' ' && *p != '\t'))
			continue;
		p += strspn(p, sep == '=' ? "=" : " \t");
		end = p + strcspn(p, "\r\n");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		/* The last setting wins, as in shadow-utils. */
		free(*value);
		if ((*value = strndup(p, (size_t)(end - p))) == NULL) {
			free(line);
			fclose(fp);
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

int
am_useradd_private_groups(const struct am_host *h, bool *yes,
    struct am_error *err)
{
	char *v;

	if (settings_get(h, "/etc/login.defs", "USERGROUPS_ENAB", ' ', &v,
	    err) < 0)
		return -1;
	*yes = v != NULL && strcasecmp(v, "yes") == 0;
	free(v);
	return 0;
}

static int
number_field(const struct am_acct_file *f, size_t i, size_t n,
    unsigned long *v)
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

static bool
id_used(const struct am_acct_file *f, unsigned long id)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < f->count; i++)
		if (number_field(f, i, 2, &v) == 0 && v == id)
			return true;
	return false;
}

/*
 * useradd's choice in min..max: one past the highest ID in use there,
 * or, when that is past max, the lowest free one.
 */
static int
choose_id(const struct am_acct_file *f, unsigned long min, unsigned long max,
    const char *what, unsigned long *id, struct am_error *err)
{
	unsigned long v, high = 0, cand;
	bool any = false;
	size_t i;

	for (i = 0; i < f->count; i++)
		if (number_field(f, i, 2, &v) == 0 && v >= min && v <= max &&
		    (!any || v > high)) {
			high = v;
			any = true;
		}
	if (!any) {
		*id = min;
		return 0;
	}
	if (high < max) {
		*id = high + 1;
		return 0;
	}
	for (cand = min; cand <= max; cand++)
		if (!id_used(f, cand)) {
			*id = cand;
			return 0;
		}
	return am_error_set(err, AM_E_CANTCREAT, "no free %s between %lu and "
	    "%lu (login.defs)", what, min, max);
}

static int
range(const struct am_host *h, const char *lo, const char *hi,
    unsigned long *min, unsigned long *max, struct am_error *err)
{
	if (am_acct_login_defs(h->root, lo, 1000, min, err) < 0 ||
	    am_acct_login_defs(h->root, hi, 60000, max, err) < 0)
		return -1;
	if (*min > *max || *max > 0xfffffffeUL)
		return am_error_set(err, AM_E_CONFIG, "login.defs: bad "
		    "%s..%s %lu..%lu", lo, hi, *min, *max);
	return 0;
}

static int
field_ok(const char *value, const char *what, struct am_error *err)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p == ':' || *p < 0x20 || *p == 0x7f)
			return am_error_set(err, AM_E_INVALID, "%s \"%s\": "
			    "':' and control characters are not allowed",
			    what, value);
	return 0;
}

/* Add login to the member list (field 3) of line i, if it is not there. */
static int
join_group(struct am_acct_file *f, size_t i, size_t field, const char *login,
    bool *joined, struct am_error *err)
{
	struct am_acct_entry e;
	char *members = NULL, *copy, *tok, *save;
	bool found = false;
	int rc = -1;

	*joined = false;
	if (am_acct_entry_get(f, i, &e, err) < 0)
		return -1;
	if ((copy = strdup(e.field[field])) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, login) == 0)
			found = true;
	free(copy);
	if (found) {
		rc = 0;
		goto out;
	}
	if (asprintf(&members, "%s%s%s", e.field[field],
	    e.field[field][0] != '\0' ? "," : "", login) < 0) {
		members = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (am_acct_entry_set_field(&e, field, members, err) < 0 ||
	    am_acct_replace(f, i, &e, err) < 0)
		goto out;
	*joined = true;
	rc = 0;
out:
	free(members);
	am_acct_entry_free(&e);
	return rc;
}

static int
join_groups(struct am_acct_db *db, const struct am_useradd_opts *o,
    struct am_useradd *ua, struct am_error *err)
{
	struct am_acct_file *gr = &db->file[AM_ACCT_GROUP];
	struct am_acct_file *gs = &db->file[AM_ACCT_GSHADOW];
	bool joined;
	long i, k;
	size_t n;

	for (n = 0; n < o->ngroups; n++) {
		if ((i = am_acct_find(gr, o->groups[n], err)) < 0) {
			if (err->code == AM_E_NOUSER)
				am_error_set(err, AM_E_NOUSER, "group \"%s\" "
				    "does not exist", o->groups[n]);
			return -1;
		}
		if (join_group(gr, (size_t)i, 3, o->login, &joined, err) < 0)
			return -1;
		if (joined)
			ua->groups_joined++;
		/* gshadow's members are field 3 too (name:pw:admins:members) */
		if (!gs->exists)
			continue;
		if ((k = am_acct_find(gs, o->groups[n], err)) < 0) {
			if (err->code != AM_E_NOUSER)
				return -1;
			am_error_clear(err);
			continue;
		}
		if (join_group(gs, (size_t)k, 3, o->login, &joined, err) < 0)
			return -1;
	}
	return 0;
}

/* The existing account of o->login, if it is a person's account. */
static int
reuse(const struct am_host *h, struct am_acct_db *db, long pi,
    const struct am_useradd_opts *o, struct am_useradd *ua,
    struct am_error *err)
{
	struct am_acct_entry e;
	unsigned long min, max, uid, gid;
	char *end;
	int rc = -1;

	if (range(h, "UID_MIN", "UID_MAX", &min, &max, err) < 0 ||
	    am_acct_entry_get(&db->file[AM_ACCT_PASSWD], (size_t)pi, &e,
	    err) < 0)
		return -1;
	errno = 0;
	uid = strtoul(e.field[2], &end, 10);
	if (errno != 0 || *end != '\0' || uid < min || uid > max) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "account \"%s\" "
		    "exists and is not a person's account (UID %s is "
		    "outside UID_MIN..UID_MAX %lu..%lu)", o->login,
		    e.field[2], min, max);
		goto out;
	}
	gid = strtoul(e.field[3], &end, 10);
	if (am_acct_find(&db->file[AM_ACCT_SHADOW], o->login, err) < 0) {
		if (err->code == AM_E_NOUSER)
			am_error_set(err, AM_E_EXISTS_DIFFERENT, "account "
			    "\"%s\" has no shadow entry; run pwck",
			    o->login);
		goto out;
	}
	ua->existed = true;
	ua->uid = (uid_t)uid;
	ua->gid = (gid_t)gid;
	if ((ua->home = strdup(e.field[5])) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = join_groups(db, o, ua, err);
out:
	am_acct_entry_free(&e);
	return rc;
}

/* The primary group: existing (o->group), or a new user private group. */
static int
primary_group(const struct am_host *h, struct am_acct_db *db,
    const struct am_useradd_opts *o, struct am_useradd *ua,
    struct am_error *err)
{
	struct am_acct_file *gr = &db->file[AM_ACCT_GROUP];
	unsigned long min, max, gid;
	char *dflt = NULL;
	const char *name = o->group;
	bool private_group, upg;
	int rc = -1;

	if (am_useradd_private_groups(h, &upg, err) < 0)
		return -1;
	private_group = name == NULL && upg;
	if (!private_group) {
		if (name == NULL) {
			if (settings_get(h, "/etc/default/useradd", "GROUP",
			    '=', &dflt, err) < 0)
				return -1;
			name = dflt != NULL ? dflt : "100";
		}
		if (am_acct_group_gid(gr, name, &ua->gid, err) < 0) {
			if (err->code == AM_E_NOUSER)
				am_error_set(err, AM_E_NOUSER, "group \"%s\" "
				    "does not exist", name);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (am_acct_find(gr, o->login, err) >= 0) {
		am_error_set(err, AM_E_EXISTS_DIFFERENT, "group \"%s\" exists "
		    "already; give --group %s to make it the account's group",
		    o->login, o->login);
		goto out;
	}
	if (err->code != AM_E_NOUSER)
		goto out;
	am_error_clear(err);
	if (range(h, "GID_MIN", "GID_MAX", &min, &max, err) < 0)
		goto out;
	/* The GID equal to the UID when it is free, as useradd prefers. */
	if (ua->uid >= min && ua->uid <= max && !id_used(gr, ua->uid))
		gid = ua->uid;
	else if (choose_id(gr, min, max, "GID", &gid, err) < 0)
		goto out;
	ua->gid = (gid_t)gid;
	ua->group_created = true;
	rc = 0;
out:
	free(dflt);
	return rc;
}

static int
home_mode(const struct am_host *h, mode_t *mode, struct am_error *err)
{
	unsigned long v;

	/* HOME_MODE wins; else what UMASK leaves of 0777 (useradd -m). */
	if (am_acct_login_defs(h->root, "HOME_MODE", 01000, &v, err) < 0)
		return -1;
	if (v < 01000) {
		*mode = (mode_t)v;
		return 0;
	}
	if (am_acct_login_defs(h->root, "UMASK", 022, &v, err) < 0)
		return -1;
	*mode = (mode_t)(0777 & ~v);
	return 0;
}

static int
new_account(const struct am_host *h, struct am_acct_db *db,
    const struct am_useradd_opts *o, struct am_useradd *ua,
    struct am_error *err)
{
	static const char *const aging[] = { "PASS_MIN_DAYS",
	    "PASS_MAX_DAYS", "PASS_WARN_AGE" };
	char uid[24], gid[24], today[24], age[3][24];
	char *shell = NULL, *base = NULL;
	const char *pwf[7], *spf[9], *grf[4], *gsf[4];
	unsigned long min, max, v;
	size_t i;
	int rc = -1;

	if (range(h, "UID_MIN", "UID_MAX", &min, &max, err) < 0 ||
	    choose_id(&db->file[AM_ACCT_PASSWD], min, max, "UID", &v,
	    err) < 0)
		return -1;
	ua->uid = (uid_t)v;
	if (primary_group(h, db, o, ua, err) < 0 ||
	    home_mode(h, &ua->home_mode, err) < 0)
		return -1;
	if (o->shell == NULL && settings_get(h, "/etc/default/useradd",
	    "SHELL", '=', &shell, err) < 0)
		goto out;
	if (settings_get(h, "/etc/default/useradd", "HOME", '=', &base,
	    err) < 0)
		goto out;
	if (asprintf(&ua->home, "%s/%s", base != NULL ? base : "/home",
	    o->login) < 0) {
		ua->home = NULL;
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < 3; i++) {
		if (am_acct_login_defs(h->root, aging[i], ~0UL, &v, err) < 0)
			goto out;
		if (v == ~0UL)
			age[i][0] = '\0';
		else
			snprintf(age[i], sizeof(age[i]), "%lu", v);
	}
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)ua->uid);
	snprintf(gid, sizeof(gid), "%lu", (unsigned long)ua->gid);
	snprintf(today, sizeof(today), "%ld", am_acct_today());
	pwf[0] = o->login; pwf[1] = "x"; pwf[2] = uid; pwf[3] = gid;
	pwf[4] = o->gecos != NULL ? o->gecos : ""; pwf[5] = ua->home;
	/* Without a SHELL setting useradd 4.13+ writes /bin/bash. */
	pwf[6] = o->shell != NULL ? o->shell : shell != NULL ? shell :
	    "/bin/bash";
	spf[0] = o->login; spf[1] = "!"; spf[2] = today; spf[3] = age[0];
	spf[4] = age[1]; spf[5] = age[2]; spf[6] = spf[7] = spf[8] = "";
	if (field_ok(pwf[4], "full name", err) < 0 ||
	    field_ok(pwf[5], "home", err) < 0 ||
	    field_ok(pwf[6], "shell", err) < 0)
		goto out;
	if (am_acct_append(&db->file[AM_ACCT_PASSWD], pwf, 7, err) < 0 ||
	    am_acct_append(&db->file[AM_ACCT_SHADOW], spf, 9, err) < 0)
		goto out;
	if (ua->group_created) {
		grf[0] = o->login; grf[1] = "x"; grf[2] = gid; grf[3] = "";
		gsf[0] = o->login; gsf[1] = "!"; gsf[2] = gsf[3] = "";
		if (am_acct_append(&db->file[AM_ACCT_GROUP], grf, 4,
		    err) < 0)
			goto out;
		/* Like useradd: gshadow only where the system keeps one. */
		if (db->file[AM_ACCT_GSHADOW].exists &&
		    am_acct_append(&db->file[AM_ACCT_GSHADOW], gsf, 4,
		    err) < 0)
			goto out;
	}
	rc = join_groups(db, o, ua, err);
out:
	free(shell);
	free(base);
	return rc;
}

/*
 * A new home is a copy of the skeleton: without one the account would
 * start without the shell's start-up files; refused before any write.
 */
static int
skel_check(const struct am_host *h, struct am_error *err)
{
	struct stat st;
	char *skel;
	int rc = 0;

	if ((skel = am_host_path(h, "/etc/skel")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (lstat(skel, &st) < 0)
		rc = am_error_set_errno(err, AM_E_NOINPUT, errno, "%s (the "
		    "skeleton of new homes)", skel);
	else if (!S_ISDIR(st.st_mode))
		rc = am_error_set(err, AM_E_NOINPUT, "%s is not a directory "
		    "(the skeleton of new homes)", skel);
	free(skel);
	return rc;
}

int
am_useradd_plan(const struct am_host *h, struct am_acct_db *db,
    const struct am_useradd_opts *o, struct am_useradd *ua,
    struct am_error *err)
{
	struct stat st;
	long pi;

	memset(ua, 0, sizeof(*ua));
	if (!am_acct_name_valid(o->login))
		return am_error_set(err, AM_E_USAGE, "bad login name \"%s\"",
		    o->login);
	if ((pi = am_acct_find(&db->file[AM_ACCT_PASSWD], o->login,
	    err)) < 0 && err->code != AM_E_NOUSER)
		return -1;
	if (pi >= 0) {
		if (reuse(h, db, pi, o, ua, err) < 0)
			return -1;
	} else {
		am_error_clear(err);
		if (new_account(h, db, o, ua, err) < 0)
			return -1;
	}
	if ((ua->home_path = am_host_path(h, ua->home)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (lstat(ua->home_path, &st) == 0) {
		ua->home_exists = true;
		if (!ua->existed && !S_ISDIR(st.st_mode))
			return am_error_set(err, AM_E_CANTCREAT, "home %s "
			    "exists and is not a directory", ua->home_path);
		if (!ua->existed)
			am_host_warnf(h, NULL, 0, "home %s exists already; "
			    "nothing is copied from the skeleton into it",
			    ua->home_path);
	} else if (errno != ENOENT) {
		return am_error_set_errno(err, AM_E_IO, errno, "stat %s",
		    ua->home_path);
	}
	return ua->existed || ua->home_exists ? 0 : skel_check(h, err);
}

/* Copy the file name in sfd into dfd, owned by uid:gid. */
static int
copy_file(int sfd, int dfd, const char *name, const struct stat *st,
    uid_t uid, gid_t gid, const char *spath, struct am_error *err)
{
	/* The skeleton's times, as useradd keeps them. */
	const struct timespec times[2] = { st->st_atim, st->st_mtim };
	char buf[65536];
	ssize_t n;
	int in, out, rc = -1;

	if ((in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "open %s/%s",
		    spath, name);
	if ((out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "create %s", name);
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || am_write_all(out, buf, (size_t)n) < 0) {
			am_error_set_errno(err, AM_E_IO, errno, "copy %s/%s",
			    spath, name);
			goto out;
		}
	}
	if (fchown(out, uid, gid) < 0 || fchmod(out, st->st_mode & 07777) < 0 ||
	    futimens(out, times) < 0 || fsync(out) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "finish %s", name);
		goto out;
	}
	rc = 0;
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

static int
copy_tree(const struct am_host *h, int sfd, int dfd, const char *spath,
    uid_t uid, gid_t gid, int depth, struct am_error *err)
{
	char target[4096], *sub = NULL;
	struct timespec times[2];
	struct dirent *de;
	struct stat st;
	ssize_t len;
	int s2, d2, dup_fd, rc = 0;
	DIR *d;

	if (depth > SKEL_MAX_DEPTH)
		return am_error_set(err, AM_E_IO, "%s: too deep", spath);
	if ((dup_fd = dup(sfd)) < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return am_error_set_errno(err, AM_E_IO, errno, "read %s",
		    spath);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = am_error_set_errno(err, AM_E_IO, errno,
			    "stat %s/%s", spath, de->d_name);
			break;
		}
		times[0] = st.st_atim;
		times[1] = st.st_mtim;
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(sfd, dfd, de->d_name, &st, uid, gid,
			    spath, err);
		} else if (S_ISLNK(st.st_mode)) {
			len = readlinkat(sfd, de->d_name, target,
			    sizeof(target) - 1);
			if (len < 0) {
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "readlink %s/%s", spath, de->d_name);
				break;
			}
			target[len] = '\0';
			if (symlinkat(target, dfd, de->d_name) < 0 ||
			    fchownat(dfd, de->d_name, uid, gid,
			    AT_SYMLINK_NOFOLLOW) < 0 ||
			    utimensat(dfd, de->d_name, times,
			    AT_SYMLINK_NOFOLLOW) < 0)
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "symlink %s", de->d_name);
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dfd, de->d_name, 0700) < 0 ||
			    (d2 = openat(dfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "mkdir %s", de->d_name);
				break;
			}
			if ((s2 = openat(sfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				close(d2);
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "open %s/%s", spath, de->d_name);
				break;
			}
			if (asprintf(&sub, "%s/%s", spath, de->d_name) < 0) {
				sub = NULL;
				rc = am_error_set(err, AM_E_NOMEM,
				    "out of memory");
			} else {
				rc = copy_tree(h, s2, d2, sub, uid, gid,
				    depth + 1, err);
			}
			/* Times last: the entries made in it moved them. */
			if (rc == 0 && (fchown(d2, uid, gid) < 0 ||
			    fchmod(d2, st.st_mode & 07777) < 0 ||
			    futimens(d2, times) < 0 || fsync(d2) < 0))
				rc = am_error_set_errno(err, AM_E_IO, errno,
				    "finish %s", sub);
			free(sub);
			sub = NULL;
			close(s2);
			close(d2);
		} else {
			am_host_warnf(h, NULL, 0, "%s/%s is not a file, "
			    "directory or symbolic link; not copied into the "
			    "home", spath, de->d_name);
		}
	}
	closedir(d);
	return rc;
}

/*
 * The directories above a new home that are missing (ROOT/home on a
 * fresh root), made 0755 as useradd makes them.  Not journaled: an empty
 * parent left by a failed run harms nothing.  A failure here shows up as
 * the failure to create the home beside it.
 */
static void
make_parents(const struct am_host *h, const char *home)
{
	char *prefix, *path, *slash;

	if ((prefix = strdup(home)) == NULL)
		return;
	for (slash = strchr(prefix + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if ((path = am_host_path(h, prefix)) != NULL &&
		    mkdir(path, 0755) == 0)
			(void)chmod(path, 0755);	/* whatever the umask */
		free(path);
		*slash = '/';
	}
	free(prefix);
}

int
am_useradd_stage_home(const struct am_host *h, const struct am_useradd *ua,
    struct am_journal *j, struct am_error *err)
{
	char *skel = NULL, *staged = NULL;
	unsigned int r = 0;
	int sfd = -1, dfd = -1, rc = -1;

	if (ua->existed || ua->home_exists)
		return 0;
	make_parents(h, ua->home);
	am_journal_sweep_dirs(ua->home_path);
	if (getrandom(&r, sizeof(r), 0) < 0)
		r = (unsigned int)rand();
	if (asprintf(&staged, "%s.%s.%ld.%08x", ua->home_path, AM_JOURNAL_TAG,
	    (long)getpid(), r) < 0) {
		staged = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (mkdir(staged, 0700) < 0) {
		am_error_set_errno(err, am_error_code_create(errno), errno,
		    "create %s", staged);
		goto out;
	}
	/* From here the journal owns it: freed with j if never recorded. */
	if (am_journal_add_dir(j, staged, ua->home_path, err) < 0) {
		(void)rmdir(staged);
		goto out;
	}
	if ((dfd = open(staged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "open %s", staged);
		goto out;
	}
	if ((skel = am_host_path(h, "/etc/skel")) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	sfd = open(skel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0) {
		am_error_set_errno(err, AM_E_NOINPUT, errno, "open %s", skel);
		goto out;
	}
	if (copy_tree(h, sfd, dfd, skel, ua->uid, ua->gid, 0, err) < 0)
		goto out;
	if (fchown(dfd, ua->uid, ua->gid) < 0 ||
	    fchmod(dfd, ua->home_mode) < 0 || fsync(dfd) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "finish %s", staged);
		goto out;
	}
	rc = 0;
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	free(skel);
	free(staged);
	return rc;
}

void
am_useradd_free(struct am_useradd *ua)
{
	free(ua->home);
	free(ua->home_path);
	memset(ua, 0, sizeof(*ua));
}
