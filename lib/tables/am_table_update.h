/*
 * am_table_update - edits in O(change): bring the live LMDB table of a
 * map source up to date with just the records an edit changed, instead
 * of rebuilding it from the whole source.
 *
 * When is a table current?  Its mtime is strictly newer than its
 * source's, and no update of it was interrupted (no NAME.lmdb.pending
 * marker, am_map_pending_begin()): am_map_table_current().  An edit replaces the source
 * atomically first and updates the table second, then stamps the table
 * with an mtime past the source's (am_map_table_stamp()); a run killed
 * between the two steps leaves a source newer than (or, within one clock
 * tick, as new as) its table, which the next edit finds stale and
 * rebuilds in full.  Equal mtimes count as stale: a coarse file-system
 * clock cannot tell the order of two writes in the same tick.
 *
 *	if (am_map_table_current(src, db, &why, &err) == 1)
 *		am_map_update(h, src, kind, &ps, text, len, fkeys, n,
 *		    &res, &err);		one write transaction
 *	else
 *		am_map_rebuild(...);		full, atomic
 *	am_map_table_stamp(src, db, &err);
 *
 * The update takes Postfix's writer lock (an exclusive fcntl lock on the
 * whole table file, held for the one transaction) and writes the records
 * in the NUL form the table already uses, the way postmap -i / -d do.
 */
#ifndef AM_TABLE_UPDATE_H
#define AM_TABLE_UPDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "am_compile.h"
#include "am_error.h"

struct am_host;
struct am_postfix_settings;

/*
 * 1 when db exists and its mtime is strictly newer than source's, 0 when
 * not (*why: "missing", "not newer than its source", "left by an
 * interrupted update"), -1 on error.
 */
int am_map_table_current(const char *source, const char *db,
    const char **why, struct am_error *err);

/*
 * The marker of an update under way, NAME.lmdb.pending: made before the
 * source is replaced and removed once the table follows it (updated or
 * rebuilt, and stamped).  LMDB writes its data pages, and so bumps the
 * table's mtime, before it commits: a run killed in that moment leaves
 * a table newer than its source by mtime but without the change.  While
 * the marker exists the table is not current.
 */
int am_map_pending_begin(const char *db, struct am_error *err);
void am_map_pending_end(const char *db);
/* Whether db's marker exists. */
bool am_map_pending(const char *db);

/* Give db an mtime strictly newer than source's (now, or just past it). */
int am_map_table_stamp(const char *source, const char *db,
    struct am_error *err);

struct am_map_update_result {
	size_t put;		/* records written (new or replaced) */
	size_t deleted;		/* records removed */
};

/*
 * For each key of fkeys (folded here as the table folds keys; a folded
 * key folds to itself): the record text (a source text holding
 * the key's entry as it now is, among any others, compiled with the rules
 * of am_map_rebuild()) gives it; a key text does not hold is deleted.
 * postalias's own records ("@", YP_*) are brought up to date too.  All in
 * one write transaction on the table of path; nothing is changed on
 * failure.  AM_E_DB errors (a damaged table, a full map) mean the caller
 * should rebuild instead.
 */
int am_map_update(const struct am_host *h, const char *path,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    const char *text, size_t len, const char *const *fkeys, size_t nfkeys,
    struct am_map_update_result *res, struct am_error *err);

#endif
