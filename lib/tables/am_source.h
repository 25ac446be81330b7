/*
 * am_source - the one reader of Postfix map and alias source files.
 *
 * Postfix reads a source as "logical lines": a line that starts with a
 * non-blank character begins an entry, every following line that starts
 * with whitespace continues it (appended verbatim, newline dropped), and
 * comment lines ('#' as first non-blank) and blank lines are skipped
 * without ending the entry.  am_source_next() yields those logical lines
 * with their physical line numbers and byte offsets, so the same code
 * serves the table compiler (which needs the text) and the file editor of
 * the users and alias commands (which needs the offsets).
 *
 * am_source_parse_postmap() and am_source_parse_alias() turn a logical line
 * into key and value exactly as postmap(1) and postalias(1) of Postfix 3.7
 * do, reporting skipped lines through the warning callback with file and
 * line.  A logical line's text may contain NUL bytes; like Postfix, the
 * entry parsers only look at the text before the first NUL.
 *
 * Usage:
 *	am_source_open(&src, path, &err);
 *	while ((rc = am_source_next(&src, &ll, warn, ctx)) > 0)
 *		if (am_source_parse_postmap(&src, &ll, &entry, warn, ctx) > 0)
 *			use(entry.key, entry.value);
 *	am_source_close(&src);
 */
#ifndef AM_SOURCE_H
#define AM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_tok822.h"

/* Receives each warning; err->file and err->line say where. */
typedef void am_warn_fn(void *ctx, const struct am_error *warning);

struct am_source {
	char *path;		/* as given by the caller, for messages */
	char *data;		/* the whole file, NUL-terminated, writable */
	size_t len;
	size_t pos;		/* first byte not yet read */
	long lineno;		/* physical lines read so far */
	bool is_file;		/* opened by path: the fields below are set */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool borrowed;		/* data is the caller's: read, never written */
	struct am_buf joined;	/* text of a logical line with continuations */
	struct am_tok822_list tokens;	/* reused by am_source_parse_alias */
};

struct am_source_line {
	/*
	 * NUL-terminated at len and writable, except for a line of a
	 * borrowed text given in place (am_source_next_view()): then
	 * text[len] is its '\n', and the text is the caller's, read-only.
	 */
	char *text;
	size_t len;		/* may include embedded NUL bytes */
	bool in_place;		/* in a borrowed text, not terminated */
	long first_line;	/* physical line number of the first line */
	long last_line;		/* physical line number of the last data line */
	size_t start;		/* file offset of the first line */
	size_t end;		/* offset past the last data line's newline */
};

struct am_source_entry {
	char *key;		/* NUL-terminated */
	size_t key_len;
	char *value;		/* NUL-terminated */
	size_t value_len;
	long line;
};

/* Read the whole file.  On failure err says "open PATH: reason". */
int am_source_open(struct am_source *src, const char *path,
    struct am_error *err);
/*
 * The same for a file archmail reads by itself (archmail.conf, main.cf):
 * only a regular file, and the open never blocks (am_file.h).
 */
int am_source_open_regular(struct am_source *src, const char *path,
    struct am_error *err);
/* Read everything from fd (stdin for postmap -i), named name. */
int am_source_read_fd(struct am_source *src, int fd, const char *name,
    struct am_error *err);
/* Parse a copy of an in-memory text. */
int am_source_from_text(struct am_source *src, const char *name,
    const char *text, size_t len, struct am_error *err);
/*
 * Read the caller's text where it is, without a copy: it must stay as it
 * is until am_source_close(), and is never written (each logical line is
 * copied for its parser instead, so entries are never kept in place).
 * For one pass over a big text that keeps few of its entries.
 */
int am_source_borrow_text(struct am_source *src, const char *name,
    const char *text, size_t len, struct am_error *err);
void am_source_close(struct am_source *src);

/* 1 and the next logical line, 0 at the end of the file. */
int am_source_next(struct am_source *src, struct am_source_line *ll,
    am_warn_fn *warn, void *ctx);
/*
 * As am_source_next(), but a logical line of a borrowed text that is one
 * physical line ending in '\n' (almost every line) is not copied: it is
 * given where it is, in_place set, for am_source_postmap_key() only.  A
 * reader that keeps few lines of a big text skips a copy of each line.
 * am_source_line_own() makes such a line a copy that parsers may take.
 */
int am_source_next_view(struct am_source *src, struct am_source_line *ll,
    am_warn_fn *warn, void *ctx);
/* A line given in place: copied, NUL-terminated and writable.  0 or -1. */
int am_source_line_own(struct am_source *src, struct am_source_line *ll);

/*
 * Postfix's UTF-8 rule for a whole logical line: true when the text before
 * the first NUL is ASCII, or the whole line is valid UTF-8.
 */
bool am_source_line_is_utf8(const struct am_source_line *ll);

/* "key whitespace value"; 1 entry found, 0 line skipped (warned). */
/*
 * Only the key of a postmap entry, for a reader that keeps few entries:
 * 1 and *key_len when am_source_parse_postmap() would return an entry for
 * ll (its key is then ll->text[0, key_len), as written), 0 when it would
 * skip the line.  Writes nothing and warns about nothing, so ll can still
 * be parsed in full.  Reads only ll->text[0, len], so a line given in
 * place will do.
 */
int am_source_postmap_key(const struct am_source_line *ll, size_t *key_len);
int am_source_parse_postmap(const struct am_source *src,
    struct am_source_line *ll, struct am_source_entry *entry, am_warn_fn *warn,
    void *ctx);

/*
 * "name: value, value"; 1 entry found, 0 line skipped (warned).  The key
 * is the unquoted (internal) form, the value the re-serialised external
 * form; both are written into the caller's buffers.
 */
int am_source_parse_alias(struct am_source *src,
    struct am_source_line *ll, struct am_buf *key, struct am_buf *value,
    am_warn_fn *warn, void *ctx, struct am_error *err);

/* Postfix's isspace(): ASCII space, \t, \n, \v, \f, \r. */
static inline bool
am_source_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

#endif
