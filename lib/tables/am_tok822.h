/*
 * am_tok822 - RFC 822 tokens of an aliases(5) line, as Postfix sees them.
 *
 * postalias splits "name: value" into RFC 822 tokens, stores the name in
 * its unquoted (internal) form and the value re-serialised in quoted
 * (external) form.  Both forms are computed here while scanning, so a
 * token is just its type and two strings.  Specials are the RFC 822 ones
 * plus '|', '%' and '!', as in Postfix; quoted strings, domain literals and
 * (nested) comments are single tokens; '\' escapes the next character.
 */
#ifndef AM_TOK822_H
#define AM_TOK822_H

#include <stddef.h>

#include "am_buf.h"

enum am_tok822_type {
	/* values below 256 are the special character itself */
	AM_TOK_ATOM = 256,
	AM_TOK_QSTRING,
	AM_TOK_DOMLIT,
	AM_TOK_COMMENT,
};

struct am_tok822 {
	int type;
	size_t internal, internal_len;	/* offsets into list->text */
	size_t external, external_len;
};

struct am_tok822_list {
	struct am_tok822 *tok;
	size_t count, cap;
	struct am_buf text;
};

void am_tok822_init(struct am_tok822_list *list);
/* Forget the tokens, keep the memory for the next line. */
void am_tok822_reset(struct am_tok822_list *list);
void am_tok822_free(struct am_tok822_list *list);
/* Tokenise the C string s, after any tokens already in list; 0 or -1
 * (out of memory). */
int am_tok822_scan(struct am_tok822_list *list, const char *s);
/* Append tokens [from, to) in internal / external form to out. */
int am_tok822_internalize(const struct am_tok822_list *list, size_t from,
    size_t to, struct am_buf *out);
int am_tok822_externalize(const struct am_tok822_list *list, size_t from,
    size_t to, struct am_buf *out);

#endif
