/*
 * Edits in O(change) (am_table_update.h): the changed records of a source
 * put into, or deleted from, its live table in one transaction.
 */
#include "am_table_update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "am_host.h"
#include "am_source.h"
#include "am_table.h"

static bool
newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

static char *
pending_path(const char *db)
{
	char *p;

	if ((p = malloc(strlen(db) + sizeof(".pending"))) == NULL)
		return NULL;
	strcpy(p, db);
	strcat(p, ".pending");
	return p;
}

int
am_map_pending_begin(const char *db, struct am_error *err)
{
	char *p = pending_path(db);
	int fd;

	if (p == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* Its directory is fsynced with the source's rename that follows. */
	fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "create %s", p);
		free(p);
		return -1;
	}
	close(fd);
	free(p);
	return 0;
}

void
am_map_pending_end(const char *db)
{
	char *p = pending_path(db);

	if (p != NULL)
		(void)unlink(p);
	free(p);
}

bool
am_map_pending(const char *db)
{
	char *p = pending_path(db);
	bool there;

	there = p != NULL && access(p, F_OK) == 0;
	free(p);
	return there;
}

int
am_map_table_current(const char *source, const char *db, const char **why,
    struct am_error *err)
{
	struct stat ss, ds;
	char *p;
	bool pending;

	*why = NULL;
	if (stat(source, &ss) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno, "stat %s",
			    source);
		/* A source about to be made: its table is built with it. */
		*why = "missing";
		return 0;
	}
	if (stat(db, &ds) < 0) {
		if (errno != ENOENT)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno, "stat %s",
			    db);
		*why = "missing";
		return 0;
	}
	if (!S_ISREG(ds.st_mode) || ds.st_size == 0) {
		*why = "not a table";
		return 0;
	}
	/*
	 * The marker first: a run killed inside LMDB's commit leaves a table
	 * whose mtime may or may not have passed the source's (timestamps
	 * are coarse), and the marker is the precise reason.
	 */
	if ((p = pending_path(db)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	pending = access(p, F_OK) == 0;
	free(p);
	if (pending) {
		*why = "left by an interrupted update";
		return 0;
	}
	if (!newer(&ds.st_mtim, &ss.st_mtim)) {
		*why = "not newer than its source";
		return 0;
	}
	return 1;
}

int
am_map_table_stamp(const char *source, const char *db, struct am_error *err)
{
	struct stat ss, ds;
	struct timespec ts[2];

	if (stat(source, &ss) < 0 || stat(db, &ds) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "stat %s", db);
	if (newer(&ds.st_mtim, &ss.st_mtim))
		return 0;
	/* The same clock tick: one nanosecond past the source. */
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = ss.st_mtim;
	if (++ts[1].tv_nsec >= 1000000000L) {
		ts[1].tv_sec++;
		ts[1].tv_nsec = 0;
	}
	if (utimensat(AT_FDCWD, db, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "set the time of %s", db);
	return 0;
}

/* Warnings about the source belong to the full rebuild; not repeated. */
static void
quiet(void *ctx, const struct am_error *w)
{
	(void)ctx;
	(void)w;
}

/* The compiled record of fkey (records sorted, unique), or NULL. */
static const struct am_record *
find(const struct am_records *rs, const char *fkey, bool nul)
{
	struct am_record probe;
	size_t lo = 0, hi = rs->count, mid;
	int c;

	memset(&probe, 0, sizeof(probe));
	am_record_set_key(&probe, fkey, (uint32_t)(strlen(fkey) + nul));
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = am_record_compare(&rs->rec[mid], &probe);
		if (c == 0)
			return &rs->rec[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
am_map_update(const struct am_host *h, const char *path,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    const char *text, size_t len, const char *const *fkeys, size_t nfkeys,
    struct am_map_update_result *res, struct am_error *err)
{
	struct am_compile_opts co;
	struct am_records rs;
	struct am_source src;
	struct am_table *t = NULL;
	struct am_buf fk = AM_BUF_INIT;
	const struct am_record *r;
	char *db = NULL;
	bool nul, empty, have_src = false, in_txn = false;
	size_t i, klen;
	int got, rc = -1;

	memset(res, 0, sizeof(*res));
	am_records_init(&rs);
	if ((db = malloc(strlen(path) + 6)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	strcpy(db, path);
	strcat(db, ".lmdb");
	/* Postfix's writer lock: F_WRLCK on the whole file (am_table). */
	if (am_table_open(&t, db, AM_TABLE_RDWR, h->lock_timeout_ms,
	    err) < 0)
		goto out;
	am_host_note(h, "locked", db);
	if (am_table_detect_nul(t, &nul, &empty, err) < 0)
		goto out;
	if (empty)
		nul = true;	/* postmap's default form */
	memset(&co, 0, sizeof(co));
	co.kind = kind;
	co.fold = true;
	co.utf8 = ps->utf8;
	co.nul = nul;
	co.dup = AM_DUP_IGNORE;
	co.alias_extras = kind == AM_MAP_ALIASES;
	co.myhostname = ps->myhostname;
	co.now = time(NULL);
	co.warn = quiet;
	if (am_source_from_text(&src, path, text ? text : "", len, err) < 0)
		goto out;
	have_src = true;
	if (am_compile_source(&rs, &src, &co, err) < 0)
		goto out;
	if (am_table_update_begin(t, err) < 0)
		goto out;
	in_txn = true;
	for (i = 0; i < nfkeys; i++) {
		/* Folding is idempotent: a folded key stays as it is. */
		fk.len = 0;
		if (am_compile_fold_query(&rs.folder, fkeys[i],
		    strlen(fkeys[i]), true, ps->utf8, &fk, err) < 0)
			goto out;
		klen = fk.len;
		if ((r = find(&rs, fk.data, nul)) != NULL) {
			if ((got = am_table_update_put(t, r, true, err)) < 0)
				goto out;
			res->put += (size_t)got;
		} else if (klen > 0) {
			if ((got = am_table_update_delete(t, fk.data, klen,
			    err)) < 0)
				goto out;
			res->deleted += (size_t)got;
		}
	}
	/* postalias's own records: YP_LAST_MODIFIED is the time of this. */
	for (i = 0; i < rs.count; i++) {
		if (rs.rec[i].line < AM_RECORD_EXTRA_LINE)
			continue;
		if (am_table_update_put(t, &rs.rec[i], true, err) < 0)
			goto out;
	}
	in_txn = false;
	if (am_table_update_commit(t, err) < 0)
		goto out;
	rc = 0;
out:
	if (in_txn)
		am_table_update_abort(t);
	am_table_close(t);
	am_records_free(&rs);
	am_buf_free(&fk);
	if (have_src)
		am_source_close(&src);
	free(db);
	return rc;
}
