#include "am_table.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "am_atomic.h"

/*
 * Data written per transaction while building: bounds the memory LMDB
 * keeps in dirty pages, so a large build stays within a small footprint,
 * and lets the kernel write one batch to disk while we prepare the next
 * (the final fsync then has little left to wait for).
 */
#define BUILD_TXN_BYTES (8u << 20)

struct am_table {
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;		/* batch read txn or update txn */
	int fd;			/* carries the fcntl lock */
	char *path;
	int forms;
	bool rdwr;
	bool batch_locked;
	int lock_timeout_ms;
};

void
am_record_set_key(struct am_record *r, const char *key, uint32_t len)
{
	uint64_t p[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < 16; i++)
		p[i / 8] = (p[i / 8] << 8) |
		    (i < len ? (unsigned char)key[i] : 0);
	r->key = key;
	r->key_len = len;
	r->prefix[0] = p[0];
	r->prefix[1] = p[1];
}

int
am_record_compare(const struct am_record *a, const struct am_record *b)
{
	size_t n;
	int c;

	if (a->prefix[0] != b->prefix[0])
		return a->prefix[0] < b->prefix[0] ? -1 : 1;
	if (a->prefix[1] != b->prefix[1])
		return a->prefix[1] < b->prefix[1] ? -1 : 1;
	n = a->key_len < b->key_len ? a->key_len : b->key_len;
	if (n > 16 && (c = memcmp(a->key + 16, b->key + 16, n - 16)) != 0)
		return c;
	if (a->key_len != b->key_len)
		return a->key_len < b->key_len ? -1 : 1;
	return 0;
}

static int
db_error(struct am_error *err, int rc, const char *what, const char *path)
{
	enum am_errcode code = AM_E_DB;

	if (rc == ENOSPC || rc == EIO || rc == EDQUOT)
		code = AM_E_IO;
	else if (rc == EACCES || rc == EPERM)
		code = AM_E_PERM;
	else if (rc == ENOENT)
		code = AM_E_NOINPUT;
	else if (rc == ENOMEM)
		code = AM_E_NOMEM;
	am_error_set(err, code, "%s %s: %s", what, path, mdb_strerror(rc));
	err->sys_errno = rc > 0 ? rc : 0;
	return -1;
}

/* Enough map for the records in leaf pages plus branches and slack. */
static size_t
estimate_map_size(const struct am_record *recs, size_t count)
{
	uint64_t bytes = 0, node;
	size_t i;

	for (i = 0; i < count; i++) {
		node = 8 + recs[i].key_len + recs[i].value_len;
		if (node > 2000)	/* value goes to overflow pages */
			bytes += 16 + recs[i].key_len +
			    ((recs[i].value_len + 16 + 4095) / 4096) * 4096;
		else
			bytes += node + 2;
	}
	bytes = bytes + bytes / 2 + (1u << 20);
	return (size_t)((bytes + 4095) & ~(uint64_t)4095);
}

static int
put_batch(MDB_env *env, MDB_dbi *dbi, bool first, const struct am_record *recs,
    size_t from, size_t *to, size_t count, int *mdb_rc)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t i = from, bytes = 0;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		goto bad;
	if (first && (rc = mdb_dbi_open(txn, NULL, 0, dbi)) != 0)
		goto bad;
	/* One cursor stays at the end of the tree: appends need no search. */
	if ((rc = mdb_cursor_open(txn, *dbi, &cur)) != 0)
		goto bad;
	for (; i < count && bytes < BUILD_TXN_BYTES; i++) {
		/* Sorted keys lie all over the source text: fetch ahead. */
		if (i + 16 < count) {
			__builtin_prefetch(recs[i + 16].key);
			__builtin_prefetch(recs[i + 16].value);
		}
		k.mv_data = (void *)recs[i].key;
		k.mv_size = recs[i].key_len;
		v.mv_data = (void *)recs[i].value;
		v.mv_size = recs[i].value_len;
		if ((rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND)) != 0)
			goto bad;
		bytes += k.mv_size + v.mv_size + 16;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		goto bad;
	}
	*to = i;
	return 0;
bad:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	*mdb_rc = rc;
	*to = i;
	return -1;
}

/*
 * LMDB turns a short write into EIO; when the file system is full, say
 * so, which is what the administrator needs to know.
 */
static int
write_error(struct am_error *err, int rc, int fd, const char *db_path)
{
	struct statvfs sv;

	if (rc == EIO && fstatvfs(fd, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < (256u << 10))
		rc = ENOSPC;
	return db_error(err, rc, "error writing", db_path);
}

static int
write_records(int fd, const char *tmp_path, const char *db_path,
    const struct am_record *recs, size_t count, struct am_error *err)
{
	MDB_env *env = NULL;
	MDB_dbi dbi = 0;
	size_t mapsize = estimate_map_size(recs, count);
	size_t done = 0, next = 0;
	bool first = true;
	int rc, mrc = 0;

	if ((rc = mdb_env_create(&env)) != 0)
		return db_error(err, rc, "create database", db_path);
	if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (rc = mdb_env_open(env, tmp_path, MDB_NOSUBDIR | MDB_NOLOCK |
	    MDB_NOSYNC, 0600)) != 0) {
		db_error(err, rc, "open database", tmp_path);
		goto bad;
	}
	do {
		if (put_batch(env, &dbi, first, recs, done, &next, count,
		    &mrc) == 0) {
			first = false;
			done = next;
			/* Start writeback now; durability is the final fsync. */
			(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
			continue;
		}
		if (mrc == MDB_MAP_FULL) {
			/* The estimate was short: grow and redo this batch. */
			mapsize *= 2;
			if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0) {
				db_error(err, rc, "resize database", db_path);
				goto bad;
			}
			continue;
		}
		if (mrc == MDB_BAD_VALSIZE && next < count)
			am_error_set(err, AM_E_KEY_TOO_LONG,
			    "error writing %s: key \"%.40s...\" (%u bytes): %s",
			    db_path, recs[next].key, recs[next].key_len,
			    mdb_strerror(mrc));
		else
			write_error(err, mrc, fd, db_path);
		goto bad;
	} while (done < count || first);
	mdb_env_close(env);
	return 0;
bad:
	mdb_env_close(env);
	return -1;
}

/*
 * A table is rebuilt by replacing it; a file at its name that LMDB cannot
 * open is something else (a mistyped name, another database format), so
 * leave it alone and say why, as Postfix does.  An empty file is a table
 * not yet written (Postfix builds over it too).
 */
static int
check_old_table(const char *db_path, const struct stat *st,
    struct am_error *err)
{
	MDB_env *env = NULL;
	int rc;

	if (st->st_size == 0)
		return 0;
	if ((rc = mdb_env_create(&env)) == 0)
		rc = mdb_env_open(env, db_path, MDB_NOSUBDIR | MDB_NOLOCK |
		    MDB_RDONLY, 0644);
	if (env != NULL)
		mdb_env_close(env);
	if (rc == 0)
		return 0;
	db_error(err, rc, "open database", db_path);
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		am_error_set(err, AM_E_DB, "open database %s: %s "
		    "(not replaced)", db_path, mdb_strerror(rc));
	return -1;
}

int
am_table_write(const char *db_path, const struct am_record *recs,
    size_t count, const struct am_table_write_opts *opts,
    struct am_error *err)
{
	struct am_atomic af;
	struct am_error w;
	struct stat st;
	char *real = NULL;
	bool have_old = false;
	int oldfd = -1, rc = -1;

	memset(&af, 0, sizeof(af));
	af.fd = af.dirfd = -1;
	/*
	 * Postfix writes through a symbolic link in place, so readers may
	 * see a half-written table; replace the file the link leads to
	 * instead, beside it (rename() works within one directory), and
	 * the link keeps naming the table.
	 */
	if (lstat(db_path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if ((real = realpath(db_path, NULL)) == NULL)
			return am_error_set_errno(err, errno == ENOENT ?
			    AM_E_CANTCREAT : am_error_code_from_errno(errno),
			    errno, "open database %s: symbolic link to "
			    "nothing usable", db_path);
		db_path = real;
	}
	if (lstat(db_path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			am_error_set_errno(err, AM_E_CANTCREAT, EISDIR,
			    "open database %s", db_path);
			goto out;
		}
		have_old = S_ISREG(st.st_mode);
	} else if (errno != ENOENT) {
		am_error_set_errno(err, am_error_code_from_errno(errno),
		    errno, "open database %s", db_path);
		goto out;
	}
	if (have_old) {
		/* Postfix's writer protocol: exclusive, then shared while
		 * building, so other writers wait and readers do not. */
		oldfd = open(db_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (oldfd < 0) {
			am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno,
			    "open database %s", db_path);
			goto out;
		}
		if (am_lock_fcntl(oldfd, F_WRLCK, opts->lock_timeout_ms,
		    db_path, err) < 0 ||
		    am_lock_fcntl(oldfd, F_RDLCK, 0, db_path, err) < 0 ||
		    check_old_table(db_path, &st, err) < 0)
			goto out;
	}
	am_atomic_remove_stale(db_path);
	if (am_atomic_begin(&af, db_path, err) < 0)
		goto out;
	if (opts->temp_created != NULL)
		opts->temp_created(af.tmp_path, opts->temp_arg);
	if (have_old) {
		af.mode = st.st_mode & 07777;
		af.set_owner = geteuid() == 0;
		af.uid = st.st_uid;
		af.gid = st.st_gid;
	} else {
		af.mode = opts->mode;
		af.set_owner = opts->set_owner;
		af.uid = opts->uid;
		af.gid = opts->gid;
	}
	if (write_records(af.fd, af.tmp_path, db_path, recs, count, err) < 0)
		goto out;
	if (am_atomic_commit(&af, err) < 0)
		goto out;
	/*
	 * Replacing gives this name a new file; other hard links still
	 * name the old one, which nothing updates any more.
	 */
	if (have_old && st.st_nlink > 1 && opts->warn != NULL) {
		am_error_clear(&w);
		am_error_set(&w, AM_E_IO, "%s had %lu other hard link(s): "
		    "they keep the old table", db_path,
		    (unsigned long)st.st_nlink - 1);
		opts->warn(opts->warn_ctx, &w);
	}
	rc = 0;
out:
	am_atomic_abort(&af);
	if (oldfd >= 0)
		close(oldfd);
	free(real);
	return rc;
}

void
am_table_close(struct am_table *t)
{
	if (t == NULL)
		return;
	if (t->txn != NULL)
		mdb_txn_abort(t->txn);
	if (t->env != NULL)
		mdb_env_close(t->env);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t);
}

static int
open_locked_rdwr(struct am_table *t, struct am_error *err)
{
	struct stat a, b;
	int attempt;

	/* A table renamed into place while we waited is the one to update. */
	for (attempt = 0; attempt < 10; attempt++) {
		t->fd = open(t->path, O_RDWR | O_CLOEXEC);
		if (t->fd < 0)
			return am_error_set_errno(err,
			    am_error_code_from_errno(errno), errno,
			    "open database %s", t->path);
		if (am_lock_fcntl(t->fd, F_WRLCK, t->lock_timeout_ms, t->path,
		    err) < 0)
			return -1;
		if (fstat(t->fd, &a) == 0 && stat(t->path, &b) == 0 &&
		    a.st_nlink > 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return 0;
		close(t->fd);
		t->fd = -1;
	}
	return am_error_set(err, AM_E_LOCK_BUSY,
	    "open database %s: replaced too often while waiting", t->path);
}

int
am_table_open(struct am_table **tp, const char *db_path, int mode,
    int lock_timeout_ms, struct am_error *err)
{
	struct am_table *t;
	struct stat st;
	MDB_txn *txn = NULL;
	size_t mapsize;
	int rc;

	*tp = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->path = strdup(db_path)) == NULL) {
		free(t);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	t->fd = -1;
	t->rdwr = mode == AM_TABLE_RDWR;
	t->forms = AM_TABLE_TRY_NUL | AM_TABLE_TRY_PLAIN;
	t->lock_timeout_ms = lock_timeout_ms;
	if (t->rdwr) {
		if (open_locked_rdwr(t, err) < 0)
			goto bad;
	} else if ((t->fd = open(db_path, O_RDONLY | O_CLOEXEC)) < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "open database %s", db_path);
		goto bad;
	}
	if (fstat(t->fd, &st) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "open database %s",
		    db_path);
		goto bad;
	}
	if (S_ISDIR(st.st_mode)) {
		am_error_set_errno(err, AM_E_NOINPUT, EISDIR,
		    "open database %s", db_path);
		goto bad;
	}
	if (st.st_size == 0) {
		am_error_set(err, AM_E_DB, "open database %s: empty file, "
		    "not an LMDB table", db_path);
		goto bad;
	}
	if ((rc = mdb_env_create(&t->env)) != 0) {
		db_error(err, rc, "open database", db_path);
		goto bad;
	}
	/* Room for in-place growth: freed pages are not reused under
	 * MDB_NOLOCK, so an update may append to the file. */
	mapsize = (size_t)st.st_size * 2 + (64u << 20);
	if ((rc = mdb_env_set_mapsize(t->env, mapsize)) != 0 ||
	    (rc = mdb_env_open(t->env, db_path, MDB_NOSUBDIR | MDB_NOLOCK |
	    (t->rdwr ? 0 : MDB_RDONLY), 0644)) != 0 ||
	    (rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &t->dbi)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0) {
		if (txn != NULL && rc != 0)
			mdb_txn_abort(txn);
		db_error(err, rc, "open database", db_path);
		goto bad;
	}
	*tp = t;
	return 0;
bad:
	am_table_close(t);
	return -1;
}

void
am_table_set_forms(struct am_table *t, int forms)
{
	t->forms = forms;
}

int
am_table_forms(const struct am_table *t)
{
	return t->forms;
}

static int
read_txn_begin(struct am_table *t, MDB_txn **txn, struct am_error *err)
{
	int rc;

	rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another writer grew the file past our map. */
		if ((rc = mdb_env_set_mapsize(t->env, 0)) == 0)
			rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, txn);
	}
	if (rc != 0)
		return db_error(err, rc, "error reading", t->path);
	return 0;
}

int
am_table_batch_begin(struct am_table *t, struct am_error *err)
{
	if (t->txn != NULL)
		return 0;
	if (am_lock_fcntl(t->fd, F_RDLCK, t->lock_timeout_ms, t->path,
	    err) < 0)
		return -1;
	t->batch_locked = true;
	if (read_txn_begin(t, &t->txn, err) < 0) {
		am_table_batch_end(t);
		return -1;
	}
	return 0;
}

void
am_table_batch_end(struct am_table *t)
{
	if (t->txn != NULL && !t->rdwr) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
	}
	if (t->batch_locked) {
		(void)am_lock_fcntl(t->fd, F_UNLCK, 0, t->path, NULL);
		t->batch_locked = false;
	}
}

/* Fetch key in the forms still allowed; a hit pins its form. */
static int
get_pinned(struct am_table *t, MDB_txn *txn, const char *key,
    size_t key_len, MDB_val *v, bool *found, struct am_error *err)
{
	char nulkey[AM_TABLE_MAX_KEY + 1];
	MDB_val k;
	int rc;

	*found = false;
	if ((t->forms & AM_TABLE_TRY_NUL) && key_len + 1 <= AM_TABLE_MAX_KEY) {
		memcpy(nulkey, key, key_len);
		nulkey[key_len] = '\0';
		k.mv_data = nulkey;
		k.mv_size = key_len + 1;
		rc = mdb_get(txn, t->dbi, &k, v);
		if (rc == 0) {
			t->forms = AM_TABLE_TRY_NUL;
			*found = true;
			return 0;
		}
		if (rc != MDB_NOTFOUND)
			return db_error(err, rc, "error reading", t->path);
	}
	if ((t->forms & AM_TABLE_TRY_PLAIN) && key_len > 0 &&
	    key_len <= AM_TABLE_MAX_KEY) {
		k.mv_data = (void *)key;
		k.mv_size = key_len;
		rc = mdb_get(txn, t->dbi, &k, v);
		if (rc == 0) {
			t->forms = AM_TABLE_TRY_PLAIN;
			*found = true;
			return 0;
		}
		if (rc != MDB_NOTFOUND)
			return db_error(err, rc, "error reading", t->path);
	}
	return 0;
}

int
am_table_lookup(struct am_table *t, const char *key, size_t key_len,
    bool *found, struct am_buf *value, struct am_error *err)
{
	bool own = t->txn == NULL;
	MDB_val v;
	int rc = -1;

	if (own && am_table_batch_begin(t, err) < 0)
		return -1;
	if (get_pinned(t, t->txn, key, key_len, &v, found, err) < 0)
		goto out;
	am_buf_reset(value);
	if (*found && am_buf_add(value, v.mv_data,
	    strnlen(v.mv_data, v.mv_size)) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (own)
		am_table_batch_end(t);
	return rc;
}

int
am_table_each(struct am_table *t, am_table_each_fn *fn, void *ctx,
    struct am_error *err)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	bool own = t->txn == NULL;
	int rc, ret = -1;

	if (own && am_table_batch_begin(t, err) < 0)
		return -1;
	if ((rc = mdb_cursor_open(t->txn, t->dbi, &cur)) != 0) {
		db_error(err, rc, "error reading", t->path);
		goto out;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (fn(ctx, k.mv_data, strnlen(k.mv_data, k.mv_size),
		    v.mv_data, strnlen(v.mv_data, v.mv_size)) < 0) {
			/* The callback may have said why. */
			if (err != NULL && err->code == AM_OK)
				am_error_set_errno(err, AM_E_IO, errno,
				    "write error");
			goto out;
		}
	}
	if (rc != MDB_NOTFOUND) {
		db_error(err, rc, "error reading", t->path);
		goto out;
	}
	ret = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (own)
		am_table_batch_end(t);
	return ret;
}

int
am_table_update_begin(struct am_table *t, struct am_error *err)
{
	int rc;

	if (!t->rdwr)
		return am_error_set(err, AM_E_INTERNAL,
		    "database %s not open for update", t->path);
	if ((rc = mdb_txn_begin(t->env, NULL, 0, &t->txn)) != 0) {
		t->txn = NULL;
		return db_error(err, rc, "error updating", t->path);
	}
	return 0;
}

int
am_table_update_put(struct am_table *t, const struct am_record *rec,
    bool replace, struct am_error *err)
{
	MDB_val k, v;
	int rc;

	if (rec->key_len == 0 || rec->key_len > AM_TABLE_MAX_KEY)
		return am_error_set(err, AM_E_KEY_TOO_LONG,
		    "error updating %s: key of %u bytes: %s", t->path,
		    rec->key_len, mdb_strerror(MDB_BAD_VALSIZE));
	k.mv_data = (void *)rec->key;
	k.mv_size = rec->key_len;
	v.mv_data = (void *)rec->value;
	v.mv_size = rec->value_len;
	rc = mdb_put(t->txn, t->dbi, &k, &v, replace ? 0 : MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 0;
	if (rc != 0)
		return db_error(err, rc, "error updating", t->path);
	return 1;
}

int
am_table_update_delete(struct am_table *t, const char *key, size_t key_len,
    struct am_error *err)
{
	MDB_val k, v;
	bool found;
	char nulkey[AM_TABLE_MAX_KEY + 1];
	int rc;

	if (get_pinned(t, t->txn, key, key_len, &v, &found, err) < 0)
		return -1;
	if (!found)
		return 0;
	memcpy(nulkey, key, key_len);
	nulkey[key_len] = '\0';
	k.mv_data = nulkey;
	k.mv_size = key_len + (t->forms == AM_TABLE_TRY_NUL ? 1 : 0);
	if ((rc = mdb_del(t->txn, t->dbi, &k, NULL)) != 0)
		return db_error(err, rc, "error updating", t->path);
	return 1;
}

int
am_table_update_commit(struct am_table *t, struct am_error *err)
{
	int rc;

	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	if (rc != 0)
		return db_error(err, rc, "error updating", t->path);
	/* With MDB_NOLOCK LMDB syncs data and meta page itself; one more
	 * fsync makes a failure visible that an earlier writeback hid. */
	if (fsync(t->fd) < 0)
		return am_error_set_errno(err, AM_E_IO, errno, "fsync %s",
		    t->path);
	return 0;
}

void
am_table_update_abort(struct am_table *t)
{
	if (t->txn != NULL) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
	}
}

int
am_table_detect_nul(struct am_table *t, bool *nul, bool *empty,
    struct am_error *err)
{
	MDB_txn *txn = t->txn;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, seen = 0, ret = -1;

	*nul = true;
	*empty = true;
	if (txn == NULL && read_txn_begin(t, &txn, err) < 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, t->dbi, &cur)) != 0) {
		db_error(err, rc, "error reading", t->path);
		goto out;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && seen < 16;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), seen++) {
		/* postalias's YP_ records never carry a NUL: not a sample. */
		if (k.mv_size >= 3 && memcmp(k.mv_data, "YP_", 3) == 0)
			continue;
		*empty = false;
		*nul = k.mv_size > 0 &&
		    ((const char *)k.mv_data)[k.mv_size - 1] == '\0';
		break;
	}
	ret = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != t->txn)
		mdb_txn_abort(txn);
	return ret;
}
