#include "am_tok822.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Character classes, as Postfix's tokenizer sees them:
 * SEP separates tokens (space, tab, CR, LF only: a vertical tab or form
 * feed is part of an atom, which is then quoted, although it continues a
 * logical line); SPECIAL starts a one-character token (the RFC 822 specials
 * plus '|', '%' and '!'); QUOTE makes an atom holding it be quoted again
 * (specials, '\', every isspace() and control character).
 */
enum { SEP = 1, SPECIAL = 2, QUOTE = 4 };

static const unsigned char cclass[256] = {
	[' '] = SEP | QUOTE, ['\t'] = SEP | QUOTE, ['\r'] = SEP | QUOTE,
	['\n'] = SEP | QUOTE,
	[0x01] = QUOTE, [0x02] = QUOTE, [0x03] = QUOTE, [0x04] = QUOTE,
	[0x05] = QUOTE, [0x06] = QUOTE, [0x07] = QUOTE, [0x08] = QUOTE,
	[0x0b] = QUOTE, [0x0c] = QUOTE, [0x0e] = QUOTE, [0x0f] = QUOTE,
	[0x10] = QUOTE, [0x11] = QUOTE, [0x12] = QUOTE, [0x13] = QUOTE,
	[0x14] = QUOTE, [0x15] = QUOTE, [0x16] = QUOTE, [0x17] = QUOTE,
	[0x18] = QUOTE, [0x19] = QUOTE, [0x1a] = QUOTE, [0x1b] = QUOTE,
	[0x1c] = QUOTE, [0x1d] = QUOTE, [0x1e] = QUOTE, [0x1f] = QUOTE,
	[0x7f] = QUOTE,
	['|'] = SPECIAL | QUOTE, ['"'] = SPECIAL | QUOTE,
	['('] = SPECIAL | QUOTE, [')'] = SPECIAL | QUOTE,
	[','] = SPECIAL | QUOTE, ['.'] = SPECIAL | QUOTE,
	[':'] = SPECIAL | QUOTE, [';'] = SPECIAL | QUOTE,
	['<'] = SPECIAL | QUOTE, ['>'] = SPECIAL | QUOTE,
	['@'] = SPECIAL | QUOTE, ['['] = SPECIAL | QUOTE,
	[']'] = SPECIAL | QUOTE, ['%'] = SPECIAL | QUOTE,
	['!'] = SPECIAL | QUOTE, ['\\'] = QUOTE,
};

/* Whitespace inside a collected word becomes one plain space. */
static inline int
collected(int c)
{
	return (c == '\t' || c == '\r' || c == '\n') ? ' ' : c;
}

void
am_tok822_init(struct am_tok822_list *list)
{
	memset(list, 0, sizeof(*list));
}

void
am_tok822_reset(struct am_tok822_list *list)
{
	list->count = 0;
	am_buf_reset(&list->text);
}

void
am_tok822_free(struct am_tok822_list *list)
{
	if (list == NULL)
		return;
	free(list->tok);
	am_buf_free(&list->text);
	memset(list, 0, sizeof(*list));
}

static struct am_tok822 *
new_token(struct am_tok822_list *list, int type)
{
	struct am_tok822 *t;
	size_t cap;

	if (list->count == list->cap) {
		cap = list->cap ? list->cap * 2 : 16;
		if ((t = realloc(list->tok, cap * sizeof(*t))) == NULL)
			return NULL;
		list->tok = t;
		list->cap = cap;
	}
	t = &list->tok[list->count++];
	t->type = type;
	return t;
}

/*
 * Append the external form of raw[0..len) to o, a '\' before each
 * character of quote_set; returns the new end.  The caller reserved room.
 */
static char *
put_escaped(char *o, const char *raw, size_t len, const char *quote_set)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(quote_set, raw[i]) != NULL)
			*o++ = '\\';
		*o++ = raw[i];
	}
	return o;
}

/*
 * Tokenise s.  Each token's two forms are written straight into
 * list->text, which is reserved large enough first (a character costs at
 * most 3 bytes: itself in the internal form, '\' and itself in the
 * external form; a token adds at most 4 delimiters), so the scanner
 * writes through a plain pointer.  Where both forms are the same (atoms,
 * comments, specials) they share the bytes.
 */
int
am_tok822_scan(struct am_tok822_list *list, const char *s)
{
	size_t len = strlen(s);
	struct am_tok822 *t;
	const char *raw;
	size_t raw_len;
	char *base, *o;
	int c, level, type;
	bool quote;

	if (len > ((size_t)-1 - 16) / 8 ||
	    am_buf_reserve(&list->text, len * 7 + 16) < 0)
		return -1;
	base = list->text.data;
	o = base + list->text.len;
	while ((c = (unsigned char)*s) != '\0') {
		s++;
		if (cclass[c] & SEP)
			continue;
		if ((t = new_token(list, AM_TOK_ATOM)) == NULL)
			return -1;
		t->internal = (size_t)(o - base);
		if (c == '(') {
			/* Postfix keeps comments verbatim: escapes stay, and a
			 * missing ')' is not added. */
			*o++ = '(';
			level = 1;
			while ((c = (unsigned char)*s) != '\0') {
				s++;
				*o++ = (char)c;
				if (c == '(') {
					level++;
				} else if (c == ')') {
					if (--level == 0)
						break;
				} else if (c == '\\') {
					if ((c = (unsigned char)*s) == '\0')
						break;
					s++;
					*o++ = (char)c;
				}
			}
			type = AM_TOK_COMMENT;
		} else if (c == '[' || c == '"') {
			int close = c == '[' ? ']' : '"';

			if (c == '[')
				*o++ = '[';
			raw = o;
			while ((c = (unsigned char)*s) != '\0') {
				if (c == '\\') {
					if ((c = (unsigned char)*++s) == '\0')
						break;
				} else if (c == close) {
					break;
				}
				*o++ = (char)collected(c);
				s++;
			}
			if (*s != '\0')
				s++;
			raw_len = (size_t)(o - raw);
			if (close == ']') {
				*o++ = ']';
				t->internal_len = (size_t)(o - base) -
				    t->internal;
				t->external = (size_t)(o - base);
				*o++ = '[';
				o = put_escaped(o, raw, raw_len, "\\\r\n");
				*o++ = ']';
				t->external_len = (size_t)(o - base) -
				    t->external;
				t->type = AM_TOK_DOMLIT;
				continue;
			}
			type = AM_TOK_QSTRING;
		} else if (c != '\\' && (cclass[c] & SPECIAL)) {
			*o++ = (char)c;
			type = c;
		} else {
			/* An atom; '\' escapes, so it may start one. */
			s--;
			quote = false;
			while ((c = (unsigned char)*s) != '\0') {
				if (c == '\\') {
					if ((c = (unsigned char)*++s) == '\0')
						break;
				} else if (cclass[c] & (SEP | SPECIAL)) {
					break;
				}
				c = collected(c);
				quote |= (cclass[c] & QUOTE) != 0;
				*o++ = (char)c;
				s++;
			}
			/* An atom holding specials must be quoted again. */
			type = quote ? AM_TOK_QSTRING : AM_TOK_ATOM;
		}
		t->type = type;
		t->internal_len = (size_t)(o - base) - t->internal;
		if (type != AM_TOK_QSTRING) {
			t->external = t->internal;
			t->external_len = t->internal_len;
			continue;
		}
		t->external = (size_t)(o - base);
		*o++ = '"';
		o = put_escaped(o, base + t->internal, t->internal_len,
		    "\"\\\r\n");
		*o++ = '"';
		t->external_len = (size_t)(o - base) - t->external;
	}
	list->text.len = (size_t)(o - base);
	*o = '\0';
	return 0;
}

static bool
is_word(const struct am_tok822 *t)
{
	return t->type == AM_TOK_ATOM || t->type == AM_TOK_QSTRING ||
	    t->type == AM_TOK_COMMENT || t->type == AM_TOK_DOMLIT;
}

/* Postfix's spacing: after ',', before '<', and between two words. */
static bool
space_after(const struct am_tok822_list *list, size_t i, size_t to)
{
	const struct am_tok822 *t = &list->tok[i], *next;

	if (i + 1 >= to)
		return false;
	next = &list->tok[i + 1];
	if (t->type == ',' || next->type == '<')
		return true;
	return is_word(t) && is_word(next);
}

static int
serialize(const struct am_tok822_list *list, size_t from, size_t to,
    struct am_buf *out, bool external)
{
	const struct am_tok822 *t;
	size_t i;
	int rc = 0;

	for (i = from; i < to && rc == 0; i++) {
		t = &list->tok[i];
		if (external && t->type == '<' && i + 1 < to &&
		    list->tok[i + 1].type == '>') {
			/* "<>" stays together, as in Postfix. */
			rc |= am_buf_adds(out, "<>");
			i++;
			t = &list->tok[i];
		} else if (external) {
			rc |= am_buf_add(out, list->text.data + t->external,
			    t->external_len);
		} else {
			rc |= am_buf_add(out, list->text.data + t->internal,
			    t->internal_len);
		}
		/*
		 * In the external form a ',' is always followed by a space,
		 * even at the end ("a," becomes "a, "), as Postfix stores it.
		 */
		if (space_after(list, i, to) || (external && t->type == ','))
			rc |= am_buf_addc(out, ' ');
	}
	return rc ? -1 : 0;
}

int
am_tok822_internalize(const struct am_tok822_list *list, size_t from,
    size_t to, struct am_buf *out)
{
	return serialize(list, from, to, out, false);
}

int
am_tok822_externalize(const struct am_tok822_list *list, size_t from,
    size_t to, struct am_buf *out)
{
	return serialize(list, from, to, out, true);
}
