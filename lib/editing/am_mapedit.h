/*
 * am_mapedit - edit a Postfix map or alias source as text, the way a
 * careful admin would by hand.
 *
 * am_mapedit_open() reads the file and indexes it with am_source, the one
 * parser of these formats: every entry with its folded key, value, byte
 * range (continuation lines included), the comment lines directly above
 * it, and its category.  A change (am_mapedit_add(), am_mapedit_remove())
 * is computed as a new text in which every byte outside the entry is the
 * old one; am_mapedit_diff() renders it as a unified diff and
 * am_mapedit_write() replaces the file atomically with its mode and owner.
 *
 * Categories (users file): a comment header line ("# Developers",
 * "## Support staff") above a run of entries.  A header is the last
 * comment of a comment block that follows a blank line or the start of
 * the file, or any "##" line; a comment that starts with a date
 * (YYYY-MM-DD) is a note, never a header.  A lone comment line between
 * blank lines (or at the end of the file) is the header of a category
 * that has no entries yet.  Comment lines between the
 * header (or an entry) and the next entry belong to that entry; the one
 * directly above it is its note, removed with it.
 *
 *	am_mapedit_open(&ed, "/etc/postfix/users", AM_MAP_POSTMAP, utf8,
 *	    warn, ctx, &err);
 *	am_mapedit_add(&ed, &add, &change, &err);
 *	if (change.result != AM_MAPEDIT_UNCHANGED)
 *		am_mapedit_write(&ed, &change, &err);
 *	am_mapedit_change_free(&change);
 *	am_mapedit_free(&ed);
 */
#ifndef AM_MAPEDIT_H
#define AM_MAPEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "am_buf.h"
#include "am_arena.h"
#include "am_compile.h"
#include "am_diff.h"
#include "am_error.h"
#include "am_source.h"
#include "am_fold.h"
#include "am_utf8.h"

struct am_mapedit_entry {
	const char *key;	/* as parsed (aliases: unquoted form) */
	const char *fkey;	/* folded like the table's keys */
	const char *value;	/* as parsed */
	long line;		/* first physical line */
	size_t start, end;	/* the entry with its continuation lines */
	size_t above;		/* first comment line directly above, or start */
	int category;		/* index in categories, -1 for none */
};

struct am_mapedit_category {
	const char *name;	/* without '#'s and surrounding blanks */
	long line;
	size_t header_end;	/* offset past the header line */
	size_t first, count;	/* its entries (first: full index only) */
	size_t last_end;	/* offset past its last entry */
	size_t key_above;	/* sparse index: where the key would sort */
	bool sorted;		/* keys in ascending order (two or more) */
	bool unsorted;		/* seen while indexing */
};

struct am_mapedit {
	enum am_map_kind kind;
	char *path;
	char *text;		/* the file as read */
	size_t len;
	const char *eol;	/* "\n" or "\r\n", from the first line */
	bool is_file;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;	/* of the version read */
	struct am_mapedit_entry *entries;
	size_t nentries, entries_cap;
	struct am_mapedit_category *categories;
	size_t ncategories, categories_cap;
	bool utf8;
	char *only_fkey;	/* sparse index: only entries with this key */
	size_t mapped_len;	/* text is the file mapped, not a copy */
	bool no_text;		/* changes keep pieces only, not the text */
	struct am_folder folder;
	struct am_source src;	/* parsed copy; entries point into it */
	struct am_arena arena;	/* keys and values copied out of src */
};

int am_mapedit_open(struct am_mapedit *ed, const char *path,
    enum am_map_kind kind, bool utf8, am_warn_fn *warn, void *ctx,
    struct am_error *err);
int am_mapedit_from_text(struct am_mapedit *ed, const char *name,
    const char *text, size_t len, enum am_map_kind kind, bool utf8,
    am_warn_fn *warn, void *ctx, struct am_error *err);
void am_mapedit_free(struct am_mapedit *ed);
/*
 * A sparse index for one key (add or remove of that key on a big file):
 * categories are complete, entries holds only the entries with that key,
 * and am_mapedit_find() answers only for it.
 */
int am_mapedit_open_key(struct am_mapedit *ed, const char *path,
    enum am_map_kind kind, bool utf8, const char *key, am_warn_fn *warn,
    void *ctx, struct am_error *err);
int am_mapedit_from_text_key(struct am_mapedit *ed, const char *name,
    const char *text, size_t len, enum am_map_kind kind, bool utf8,
    const char *key, am_warn_fn *warn, void *ctx, struct am_error *err);

/* The comment line directly above entry e (its note), or e->start. */
size_t am_mapedit_note(const struct am_mapedit *ed,
    const struct am_mapedit_entry *e);

/* Index of the first entry whose key folds like key; -1 none, -2 error. */
long am_mapedit_find(struct am_mapedit *ed, const char *key,
    struct am_error *err);
/*
 * Index of the category named name (case-insensitive; name trimmed of
 * surrounding blanks and leading '#'s, as header lines are), or -1.
 */
int am_mapedit_find_category(const struct am_mapedit *ed, const char *name);
/* "a", "b", "c" for messages. */
int am_mapedit_category_list(const struct am_mapedit *ed, struct am_buf *out);

/* The destinations of a value, split on commas and whitespace. */
size_t am_mapedit_split_value(const char *value, char ***items);
void am_mapedit_free_split(char **items, size_t n);

struct am_mapedit_add {
	const char *key;
	const char *value;	/* right-hand side as written, "a, b" */
	const char *category;	/* NULL: none named */
	const char *new_category;	/* append a new section (or use it) */
	const char *note;	/* comment text above the entry, or NULL */
	bool replace;		/* rewrite an entry with another value */
	bool no_categories;	/* append at the end (aliases) */
};

enum am_mapedit_result {
	AM_MAPEDIT_UNCHANGED,
	AM_MAPEDIT_ADDED,
	AM_MAPEDIT_REPLACED,
	AM_MAPEDIT_REMOVED,
};

struct am_mapedit_change {
	enum am_mapedit_result result;
	struct am_buf text;	/* the whole new file (unless no_text) */
	bool pieces;		/* the new file is the old one with [from, to) */
	size_t from, to;	/* ... replaced by ins */
	struct am_buf ins;
	long line;		/* the entry's line (new file; old for remove) */
	int category;		/* the entry's category, -1 none (or new) */
	const char *category_name;	/* its name, NULL for none */
	long index;		/* entry index in the old file, -1 if new */
};

/*
 * Errors: AM_E_INVALID (a line Postfix would read differently),
 * AM_E_EXISTS_DIFFERENT (key there with another value, no replace),
 * AM_E_USAGE (no or unknown category where the file has categories; the
 * message lists them).  A note and a new category must be valid UTF-8
 * without control characters; a new category's name is trimmed of blanks
 * and '#'s, and may not start with a date (it would read as a note).
 * With replace an existing entry is rewritten where it is; with a note
 * that differs from the one above it too (same destinations and same
 * note: unchanged); with a category (or new category) other than its
 * own it moves there, its note with it.
 */
int am_mapedit_add(struct am_mapedit *ed, const struct am_mapedit_add *add,
    struct am_mapedit_change *ch, struct am_error *err);
/* Absent key: result AM_MAPEDIT_UNCHANGED. */
int am_mapedit_remove(struct am_mapedit *ed, const char *key,
    struct am_mapedit_change *ch, struct am_error *err);
void am_mapedit_change_free(struct am_mapedit_change *ch);

/* Unified diff (3 lines of context) of the change, into out. */
int am_mapedit_diff(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, const char *label, struct am_buf *out,
    struct am_error *err);

/*
 * Replace the file atomically, keeping mode (and owner when root).  A
 * path that is a symbolic link is refused (AM_E_CANTCREAT): the rename
 * would replace the link, not its target.
 */
int am_mapedit_write(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, struct am_error *err);
/*
 * The whole new text of a change into out (for a caller that writes it
 * through a journal with other files).
 */
int am_mapedit_render(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, struct am_buf *out,
    struct am_error *err);

/*
 * The common batch, planned at once: adds[0..n) of keys the text does not
 * hold, each a new entry (no note, no new category, a value whose first
 * comma reads as the file's list separator), into an existing category of at least two entries or a file
 * without categories, on a text whose last line ends.  ed is a full index
 * (am_mapedit_open(), am_mapedit_from_text()).  *out gets the text the
 * same adds made one at a time would leave, each on the text the ones
 * before it left (a sorted category keeps the new keys in order, other
 * new lines follow each other at the category's end), in one pass
 * instead of n.  Returns 1 with out, names[i] (adds[i]'s category, NULL
 * for none) and fkeys[i] (its key as the table holds it), both in ed's
 * memory; 0 when the batch is not of that kind or one add would fail
 * (nothing done: plan them one by one, which says why); -1 when out of
 * memory.
 */
int am_mapedit_add_new(struct am_mapedit *ed,
    const struct am_mapedit_add *adds, size_t n, struct am_buf *out,
    const char **names, const char **fkeys, struct am_error *err);

/*
 * How the file separates the destinations of a list: "," when its first
 * entry with a comma-separated list writes them "a,b", else ", ".
 */
const char *am_mapedit_list_sep(const struct am_mapedit *ed);

#endif
