/*
 * am_compile - turn a map or alias source into the records Postfix would
 * store, ready for am_table_write().
 *
 * This is the one implementation behind postmap, postalias, newaliases and
 * the rebuild step of the users and alias commands.  It parses the whole
 * source with am_source, folds keys with am_fold, applies Postfix's
 * duplicate rule (first wins and warns; -w first wins silently; -r last
 * wins silently) and returns the records sorted in LMDB key order.  Every
 * warning names the file and line, including duplicates.  With strict set,
 * any warning makes the compile fail, so the caller leaves the table alone.
 *
 *	struct am_records rs;
 *	am_records_init(&rs);
 *	am_compile_source(&rs, &src, &opts, &err);
 *	am_table_write(db, rs.rec, rs.count, &wopts, &err);
 *	am_records_free(&rs);
 */
#ifndef AM_COMPILE_H
#define AM_COMPILE_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <time.h>

#include "am_arena.h"
#include "am_error.h"
#include "am_source.h"
#include "am_table.h"
#include "am_fold.h"

enum am_map_kind {
	AM_MAP_POSTMAP,		/* "key whitespace value" */
	AM_MAP_ALIASES,		/* aliases(5) "name: value, ..." */
};

enum am_dup_rule {
	AM_DUP_WARN,		/* first wins, warning (default) */
	AM_DUP_IGNORE,		/* first wins, silently (-w) */
	AM_DUP_REPLACE,		/* last wins, silently (-r) */
};

struct am_compile_opts {
	enum am_map_kind kind;
	bool fold;		/* false with -f */
	bool utf8;		/* smtputf8_enable and not -u */
	bool nul;		/* key\0 value\0 (false with -n) */
	enum am_dup_rule dup;
	bool strict;		/* any warning is fatal */
	bool rhs_is_file;	/* postmap -F: values name files, base64 */
	bool alias_extras;	/* postalias's "@" and YP_ records */
	bool extras_win;	/* -i: they replace source duplicates */
	const char *myhostname;	/* YP_MASTER_NAME */
	time_t now;		/* YP_LAST_MODIFIED */
	am_warn_fn *warn;
	void *warn_ctx;
};

/* Records that postalias adds after the source carry lines from here. */
#define AM_RECORD_EXTRA_LINE (LONG_MAX - 16)

struct am_records {
	struct am_record *rec;
	size_t count, cap;
	size_t warnings;	/* warnings reported while compiling */
	struct am_arena arena;		/* keys and values not in the source */
	struct am_folder folder;	/* ICU, loaded for non-ASCII keys */
};

void am_records_init(struct am_records *rs);
void am_records_free(struct am_records *rs);

/* Parse all of src into rs (sorted, unique).  src stays open: the
 * records point into its text. */
int am_compile_source(struct am_records *rs, struct am_source *src,
    const struct am_compile_opts *opts, struct am_error *err);

/*
 * The one query folding: a key as the table's writer (am_compile_source,
 * through am_fold_key) stores it, for postmap -q and -d and for the map
 * editor of the users and alias commands.  len bytes of key (NUL bytes
 * allowed) are folded into out, NUL-terminated; fold false copies the key
 * as it is (postmap -f); utf8 selects ICU folding for non-ASCII keys
 * (smtputf8_enable and not -u).  Fails only when ICU cannot fold the key
 * ("cannot case-fold \"KEY\": why") or memory runs out.
 */
int am_compile_fold_query(struct am_folder *folder, const char *key,
    size_t len, bool fold, bool utf8, struct am_buf *out,
    struct am_error *err);

#endif
