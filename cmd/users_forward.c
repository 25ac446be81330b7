/*
 * archmail users forward: ~USER/.forward, with the home from
 * ROOT/etc/passwd, owned by the user and its primary group, mode 0644,
 * replaced atomically and never through a symlink (Postfix ignores a
 * .forward it cannot trust, so we refuse to write one).
 */
#include "users_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_address.h"
#include "am_atomic.h"

struct forward {
	const char *user;
	bool clear, keep_copy, dry_run, check;
	char *home;		/* ROOT-prefixed */
	char *path;
	uid_t uid;
	gid_t gid;
	struct am_buf old, new;
	bool exists;
};

/* Read .forward if it is there; refuse anything but a regular file. */
static int
read_forward(struct forward *f, struct am_error *err)
{
	struct stat st;
	char buf[4096];
	ssize_t n;
	int dfd, fd = -1, rc = -1;

	if ((dfd = open(f->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open home directory %s", f->home);
	if (fstatat(dfd, ".forward", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			am_error_set_errno(err, am_error_code_from_errno(errno),
			    errno, "stat %s", f->path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		am_error_set(err, AM_E_CANTCREAT, "%s is %s, not a regular "
		    "file: refusing to replace it", f->path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "special");
		goto out;
	}
	f->exists = true;
	fd = openat(dfd, ".forward", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "open %s", f->path);
		goto out;
	}
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
	if (fd >= 0)
		close(fd);
	close(dfd);
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

static int
write_forward(struct forward *f, struct am_error *err)
{
	struct am_atomic af;

	if (f->clear) {
		if (unlink(f->path) < 0 && errno != ENOENT)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno,
			    "remove %s", f->path);
		return 0;
	}
	if (am_atomic_begin(&af, f->path, err) < 0)
		return -1;
	af.mode = 0644;
	af.set_owner = true;
	af.uid = f->uid;
	af.gid = f->gid;
	if (am_atomic_write(&af, f->new.data, f->new.len, err) < 0 ||
	    am_atomic_commit(&af, err) < 0) {
		am_atomic_abort(&af);
		return -1;
	}
	return 0;
}

static int
report(struct am_cli *cli, struct forward *f, bool changed,
    const struct am_buf *diff)
{
	struct am_json j;

	if (!cli->json) {
		if (f->dry_run || f->check)
			fwrite(diff->data ? diff->data : "", 1, diff->len,
			    stdout);
		else
			printf("%s: %s\n", f->path, !changed ? "unchanged" :
			    f->clear ? "removed" : "written");
		return 0;
	}
	cli_json_begin(cli, &j, true);
	am_json_bool(&j, "changed", changed);
	am_json_string(&j, "user", f->user);
	am_json_string(&j, "path", f->path);
	if (f->dry_run || f->check)
		am_json_string_len(&j, "diff", diff->data ? diff->data : "",
		    diff->len);
	am_json_array_begin(&j, "files");
	am_json_object_begin(&j, NULL);
	am_json_string(&j, "path", f->path);
	am_json_bool(&j, "changed", changed && !f->dry_run && !f->check);
	am_json_object_end(&j);
	am_json_array_end(&j);
	return cli_json_end(cli, &j) < 0 ? 74 : 0;
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
	/*
	 * No lock file: it would be left in the user's home.  The file is
	 * replaced atomically, so concurrent writers cannot mix contents.
	 */
	if (read_forward(&f, &err) < 0)
		goto fail;
	changed = f.clear ? f.exists : !f.exists || f.old.len != f.new.len ||
	    memcmp(f.old.data, f.new.data, f.new.len) != 0;
	if ((f.dry_run || f.check) && changed &&
	    am_text_diff(f.old.data ? f.old.data : "", f.old.len,
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
	free(home);
	free(f.home);
	free(f.path);
	return status;
}
