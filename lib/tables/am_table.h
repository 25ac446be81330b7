/*
 * am_table - Postfix-compatible LMDB tables: write, read, update.
 *
 * A table is one file, NAME.lmdb, holding the unnamed main database of an
 * LMDB 0.9 environment opened with MDB_NOSUBDIR|MDB_NOLOCK (never LMDB's
 * own lock file: Postfix coordinates with fcntl() locks on the table file
 * instead).  Keys are already folded by the caller; each key and value is
 * stored with a trailing NUL byte unless the table uses the "-n" form.
 *
 * am_table_write() builds a complete new table next to the old one (in key
 * order with MDB_APPEND, which is compact and never hits a full map) and
 * renames it into place, so readers see the old table or the new one.
 *
 * am_table_open() opens an existing table for lookups and dumps (or, with
 * AM_TABLE_RDWR, for in-place updates in one transaction); lookups follow
 * Postfix's reader: try "key\0", then "key", and keep whichever form hit
 * first for the rest of the handle.
 */
#ifndef AM_TABLE_H
#define AM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "am_buf.h"
#include "am_error.h"

/* LMDB 0.9's limit for a key, any trailing NUL included. */
#define AM_TABLE_MAX_KEY 511

/*
 * A record as stored: key_len and value_len count a trailing NUL when the
 * record has one, and the text is followed by a NUL byte either way.
 */
struct am_record {
	const char *key;
	const char *value;
	uint64_t prefix[2];	/* first 16 key bytes, big-endian, 0-padded:
				 * sorting without touching the key */
	uint32_t key_len;
	uint32_t value_len;
	long line;		/* source line; also the source order */
};

struct am_table_write_opts {
	mode_t mode;		/* for a new table */
	bool set_owner;		/* for a new table: chown to uid/gid */
	uid_t uid;
	gid_t gid;
	int lock_timeout_ms;	/* wait for another writer; <0 forever */
	/* Called with the temporary file's path once it exists. */
	void (*temp_created)(const char *path, void *arg);
	void *temp_arg;
	/* Told when the table's other hard links keep the old table. */
	void (*warn)(void *ctx, const struct am_error *warning);
	void *warn_ctx;
};

/*
 * Replace (or create) db_path with exactly these records, which must be
 * sorted (am_record_compare) and unique.  An existing table keeps its
 * mode and owner.  A db_path that is a symbolic link stays one: the file
 * it leads to is replaced, atomically, in that file's own directory.
 */
int am_table_write(const char *db_path, const struct am_record *recs,
    size_t count, const struct am_table_write_opts *opts,
    struct am_error *err);

/* LMDB's default key order: bytes, then the shorter key first. */
int am_record_compare(const struct am_record *a, const struct am_record *b);
/* Set key and key_len (stored length) and the cached prefix. */
void am_record_set_key(struct am_record *r, const char *key, uint32_t len);

enum {
	AM_TABLE_RDONLY = 0,
	AM_TABLE_RDWR = 1,
};

/* Which key forms a handle tries; a hit pins one of them. */
enum {
	AM_TABLE_TRY_NUL = 1,
	AM_TABLE_TRY_PLAIN = 2,
};

struct am_table;

int am_table_open(struct am_table **tp, const char *db_path, int mode,
    int lock_timeout_ms, struct am_error *err);
void am_table_close(struct am_table *t);
/* Restrict the forms tried (postmap -n / -N at query time). */
void am_table_set_forms(struct am_table *t, int forms);
int am_table_forms(const struct am_table *t);

/*
 * Look up a folded key.  *found tells whether it exists; the value (up to
 * its first NUL) goes to value.  One shared fcntl lock and one read
 * transaction cover a batch between am_table_batch_begin/end; outside a
 * batch each lookup takes its own.
 */
int am_table_batch_begin(struct am_table *t, struct am_error *err);
void am_table_batch_end(struct am_table *t);
int am_table_lookup(struct am_table *t, const char *key, size_t key_len,
    bool *found, struct am_buf *value, struct am_error *err);

/* Call fn for every record in key order (key and value up to a NUL). */
typedef int am_table_each_fn(void *ctx, const char *key, size_t key_len,
    const char *value, size_t value_len);
int am_table_each(struct am_table *t, am_table_each_fn *fn, void *ctx,
    struct am_error *err);

/*
 * In-place changes (AM_TABLE_RDWR): one write transaction under an
 * exclusive fcntl lock, committed by am_table_update_commit().
 */
int am_table_update_begin(struct am_table *t, struct am_error *err);
/*
 * put a record as stored (lengths include any NUL): 1 stored, 0 the key
 * existed and replace was false (nothing stored).
 */
int am_table_update_put(struct am_table *t, const struct am_record *rec,
    bool replace, struct am_error *err);
/* delete: 1 deleted, 0 not present. */
int am_table_update_delete(struct am_table *t, const char *key,
    size_t key_len, struct am_error *err);
int am_table_update_commit(struct am_table *t, struct am_error *err);
void am_table_update_abort(struct am_table *t);
/* Whether the table's records carry a trailing NUL (from a sample). */
int am_table_detect_nul(struct am_table *t, bool *nul, bool *empty,
    struct am_error *err);

#endif
