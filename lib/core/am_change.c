/* The change set of a command that modifies text files (am_change.h). */
#include "am_change.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_atomic.h"
#include "am_diff.h"

void
am_change_file_init(struct am_change_file *f)
{
	memset(f, 0, sizeof(*f));
	f->new_mode = 0600;
}

void
am_change_file_free(struct am_change_file *f)
{
	if (f == NULL)
		return;
	free(f->path);
	am_buf_wipe(&f->old);
	am_buf_wipe(&f->new);
	am_change_file_init(f);
}

/* The file's directory must take a new file: checked before any write. */
static int
dir_writable(const char *path, struct am_error *err)
{
	char *copy, *slash;
	struct stat st;
	int rc = 0;

	if ((copy = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((slash = strrchr(copy, '/')) == NULL)
		snprintf(copy, strlen(copy) + 1, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = am_error_set_errno(err, AM_E_CANTCREAT, errno,
		    "directory %s of %s", copy, path);
	else if (access(copy, W_OK) < 0)
		rc = am_error_set_errno(err, AM_E_PERM, errno,
		    "cannot write in %s", copy);
	free(copy);
	return rc;
}

int
am_change_file_load(struct am_change_file *f, const char *path,
    bool required, struct am_error *err)
{
	if (dir_writable(path, err) < 0)
		return -1;
	return am_change_file_read(f, path, required, err);
}

int
am_change_file_read(struct am_change_file *f, const char *path,
    bool required, struct am_error *err)
{
	char chunk[65536];
	ssize_t n;
	int fd, rc = -1;

	free(f->path);
	if ((f->path = strdup(path)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* O_NONBLOCK: a FIFO put there must not hang the command. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			goto empty;
		return am_error_set_errno(err, errno == ELOOP ? AM_E_PERM :
		    am_error_code_from_errno(errno), errno, "open %s", path);
	}
	if (fstat(fd, &f->st) < 0 || !S_ISREG(f->st.st_mode)) {
		close(fd);
		return am_error_set(err, AM_E_IO, "%s is not a regular file",
		    path);
	}
	f->exists = true;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || am_buf_add(&f->old, chunk, (size_t)n) < 0) {
			am_error_set_errno(err, n < 0 ? AM_E_IO : AM_E_NOMEM,
			    n < 0 ? errno : ENOMEM, "read %s", path);
			goto out;
		}
	}
empty:
	/* old.data is never NULL: callers hand it to string functions. */
	if (f->old.data == NULL && am_buf_reserve(&f->old, 1) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(chunk, sizeof(chunk));
	return rc;
}

void
am_change_file_decide(struct am_change_file *f)
{
	f->changed = !f->exists || f->old.len != f->new.len ||
	    (f->old.len > 0 && memcmp(f->old.data, f->new.data,
	    f->old.len) != 0);
}

static const char *
text(const struct am_buf *b)
{
	return b->data != NULL ? b->data : "";
}

int
am_change_file_diff(const struct am_change_file *f, struct am_buf *out,
    struct am_error *err)
{
	struct am_buf a = AM_BUF_INIT, b = AM_BUF_INIT;
	int rc = -1;

	if (!f->changed)
		return 0;
	if (f->redact == NULL)
		return am_diff_text(text(&f->old), f->old.len, text(&f->new),
		    f->new.len, f->path, out, err);
	if (f->redact(text(&f->old), f->old.len, false, &a) < 0 ||
	    f->redact(text(&f->new), f->new.len, true, &b) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = am_diff_text(text(&a), a.len, text(&b), b.len, f->path, out,
	    err);
out:
	am_buf_wipe(&a);
	am_buf_wipe(&b);
	return rc;
}

/* The mode f is written with: kept, or new_mode; a secret's is 0600. */
static mode_t
final_mode(const struct am_change_file *f)
{
	if (f->redact != NULL)
		return 0600;
	return f->exists ? f->st.st_mode & 07777 : f->new_mode;
}

int
am_change_file_commit(const struct am_host *h, struct am_change_file *f,
    struct am_error *err)
{
	struct am_atomic af;

	if (!f->changed)
		return 0;
	/* Temporaries of killed runs (never a journal's: other tag). */
	am_atomic_remove_stale(f->path);
	am_host_temp_guard(h);
	if (am_atomic_begin(&af, f->path, err) < 0) {
		am_host_temp_gone(h);
		return -1;
	}
	am_host_temp_created(h, af.tmp_path);
	af.mode = final_mode(f);
	if (f->exists && geteuid() == 0) {
		af.set_owner = true;
		af.uid = f->st.st_uid;
		af.gid = f->st.st_gid;
	}
	if (am_atomic_write(&af, text(&f->new), f->new.len, err) < 0) {
		am_atomic_abort(&af);
		am_host_temp_gone(h);
		return -1;
	}
	if (am_atomic_commit(&af, err) < 0) {
		am_host_temp_gone(h);
		return -1;
	}
	am_host_temp_gone(h);
	am_host_note(h, "wrote", f->path);
	return 0;
}

int
am_change_file_stage(struct am_change_file *f, struct am_journal *j,
    struct am_error *err)
{
	bool own = f->exists && geteuid() == 0;

	if (!f->changed)
		return 0;
	return am_journal_add_file(j, f->path, text(&f->new), f->new.len,
	    final_mode(f), own, own ? f->st.st_uid : 0,
	    own ? f->st.st_gid : 0, err);
}

void
am_change_init(struct am_change *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void
am_change_free(struct am_change *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		am_change_file_free(cs->file[i]);
		free(cs->file[i]);
	}
	free(cs->file);
	am_change_init(cs);
}

int
am_change_add(struct am_change *cs, const char *path, bool required,
    struct am_change_file **f, struct am_error *err)
{
	struct am_change_file **v, *nf;

	*f = NULL;
	if (cs->n == cs->cap) {
		if ((v = reallocarray(cs->file, cs->cap ? cs->cap * 2 : 4,
		    sizeof(*v))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		cs->file = v;
		cs->cap = cs->cap ? cs->cap * 2 : 4;
	}
	if ((nf = malloc(sizeof(*nf))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	am_change_file_init(nf);
	/* In the set even if loading fails: freed with it. */
	cs->file[cs->n++] = nf;
	if (am_change_file_load(nf, path, required, err) < 0)
		return -1;
	*f = nf;
	return 0;
}

size_t
am_change_count(const struct am_change *cs)
{
	return cs->n;
}

const struct am_change_file *
am_change_at(const struct am_change *cs, size_t i)
{
	return i < cs->n ? cs->file[i] : NULL;
}

bool
am_change_any(const struct am_change *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->file[i]->changed)
			return true;
	return false;
}

int
am_change_diff(const struct am_change *cs, struct am_buf *out,
    struct am_error *err)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (am_change_file_diff(cs->file[i], out, err) < 0)
			return -1;
	return 0;
}

int
am_change_stage(struct am_change *cs, struct am_journal *j,
    struct am_error *err)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (am_change_file_stage(cs->file[i], j, err) < 0)
			return -1;
	return 0;
}

int
am_change_commit(const struct am_host *h, struct am_change *cs,
    struct am_error *err)
{
	struct am_journal j;
	size_t i, nchanged = 0, last = 0;
	int rc = -1;

	for (i = 0; i < cs->n; i++)
		if (cs->file[i]->changed) {
			nchanged++;
			last = i;
		}
	if (nchanged == 0)
		return 0;
	if (nchanged == 1)
		return am_change_file_commit(h, cs->file[last], err);
	for (i = 0; i < cs->n; i++)
		if (cs->file[i]->changed)
			am_atomic_remove_stale(cs->file[i]->path);
	if (am_journal_init(&j, h->root, err) < 0)
		return -1;
	/* The journal's temporaries are removed by am_journal_free(). */
	am_host_temp_guard(h);
	if (am_change_stage(cs, &j, err) < 0 || am_journal_commit(&j,
	    err) < 0)
		goto out;
	for (i = 0; i < cs->n; i++)
		if (cs->file[i]->changed)
			am_host_note(h, "wrote", cs->file[i]->path);
	rc = 0;
out:
	am_journal_free(&j);
	am_host_temp_gone(h);
	return rc;
}
