/*
 * am_postfwd - archmail's block of postfwd.cf: the macro listing the SASL
 * logins of relay hosts, which the rate-limit rules refer to.
 *
 * The block is every line from "# archmail: begin relay hosts" to
 * "# archmail: end relay hosts"; archmail rewrites it whole and keeps
 * every other byte of the file.  Items are exact matches
 * (sasl_username==NAME): postfwd's "=" is a case-insensitive substring
 * match, which gives a staff login such as "laurent" the limit of host
 * "aur".
 *
 *	am_postfwd_update(text, len, path, "SASL_WHITELIST", names, n,
 *	    init, &out, &err);		the new file in out
 *
 * Without markers the update fails with AM_E_CONFIG, unless init: then
 * an existing unmarked definition of the macro is replaced by the block,
 * or the block goes before the first rule that uses the macro (postfwd
 * wants macros defined before use), or at the end.
 */
#ifndef AM_POSTFWD_H
#define AM_POSTFWD_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"

#define AM_POSTFWD_BEGIN "# archmail: begin relay hosts"
#define AM_POSTFWD_END "# archmail: end relay hosts"

struct am_postfwd_block {
	bool found;
	size_t start;		/* offset of the begin marker line */
	size_t end;		/* offset past the end marker line */
	long begin_line, end_line;
};

/* Macro names: letters, digits, '_'; item names: login names. */
bool am_postfwd_macro_valid(const char *macro);
bool am_postfwd_name_valid(const char *name);

/* Locate the markers; AM_E_PARSE (file, line) if unpaired or repeated. */
int am_postfwd_find_block(const char *text, size_t len, const char *file,
    struct am_postfwd_block *block, struct am_error *err);
/* The block for names (in the given order), markers included. */
int am_postfwd_render(const char *macro, const char *const *names,
    size_t n, struct am_buf *out, struct am_error *err);
/* The whole new file in out (appended). */
int am_postfwd_update(const char *text, size_t len, const char *file,
    const char *macro, const char *const *names, size_t n, bool init,
    struct am_buf *out, struct am_error *err);
/* Is sasl_username==NAME an item of the block? */
bool am_postfwd_block_lists(const char *text, size_t len,
    const struct am_postfwd_block *block, const char *name);

/* One "sasl_username==NAME" item of the block and its line. */
struct am_postfwd_item {
	char *name;
	long line;
};

/*
 * The items of the block in file order, read as am_postfwd_block_lists()
 * matches them: a line "sasl_username==NAME" (after blanks, NAME ending
 * at ';', a blank, CR or the line's end) whose NAME is a valid login;
 * any other line is no item.  *items is NULL when there are none.
 */
int am_postfwd_block_items(const char *text, size_t len,
    const struct am_postfwd_block *block, struct am_postfwd_item **items,
    size_t *n, struct am_error *err);
void am_postfwd_items_free(struct am_postfwd_item *items, size_t n);

#endif
