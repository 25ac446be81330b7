#include "am_tok822.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * RFC 822 specials, plus the operators Postfix also treats as special.
 * '\\' never starts a special token, but an atom that holds an escaped
 * one (source text a\\b) is quoted again, as Postfix does.
 */
static const char specials[] = "|\"(),.:;<>@[]%!\\";

static bool
is_special(int c)
{
	return c != '\0' && strchr(specials, c) != NULL;
}

/*
 * Only these separate tokens: a vertical tab or form feed is part of an
 * atom (which is then quoted), although it continues a logical line.
 */
static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_cntrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

/* Whitespace inside a collected word becomes one plain space. */
static int
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
	memset(t, 0, sizeof(*t));
	t->type = type;
	return t;
}

/* Append c to out, preceded by '\' when c is in quote_set. */
static int
add_quoted(struct am_buf *out, int c, const char *quote_set)
{
	if (strchr(quote_set, c) != NULL && am_buf_addc(out, '\\') < 0)
		return -1;
	return am_buf_addc(out, c);
}

/*
 * A comment, after its '(': up to the matching ')' or the end of the text.
 * Postfix keeps comments verbatim (backslashes and all, and no ')' added
 * when one is missing), so both forms are the raw text.
 */
static const char *
scan_comment(const char *s, struct am_buf *in, struct am_buf *ex, int *rc)
{
	int c, level = 1;

	while ((c = (unsigned char)*s) != '\0') {
		s++;
		*rc |= am_buf_addc(in, c);
		*rc |= am_buf_addc(ex, c);
		if (c == '(') {
			level++;
		} else if (c == ')') {
			if (--level == 0)
				break;
		} else if (c == '\\') {
			if ((c = (unsigned char)*s) == '\0')
				break;
			s++;
			*rc |= am_buf_addc(in, c);
			*rc |= am_buf_addc(ex, c);
		}
	}
	return s;
}

/* Quoted string or domain literal body, up to close (skipped) or end. */
static const char *
scan_quoted(const char *s, int close, struct am_buf *raw)
{
	int c;

	while ((c = (unsigned char)*s) != '\0') {
		if (c == '\\') {
			if ((c = (unsigned char)*++s) == '\0')
				break;
		} else if (c == close) {
			break;
		}
		if (am_buf_addc(raw, collected(c)) < 0)
			return NULL;
		s++;
	}
	if (*s != '\0')
		s++;
	return s;
}

/* Store the token's two forms at the end of list->text. */
static int
finish_token(struct am_tok822_list *list, struct am_tok822 *t,
    const struct am_buf *in, const struct am_buf *ex)
{
	t->internal = list->text.len;
	t->internal_len = in->len;
	if (am_buf_add(&list->text, in->data ? in->data : "", in->len) < 0)
		return -1;
	t->external = list->text.len;
	t->external_len = ex->len;
	return am_buf_add(&list->text, ex->data ? ex->data : "", ex->len);
}

int
am_tok822_scan(struct am_tok822_list *list, const char *s)
{
	struct am_buf raw = AM_BUF_INIT, in = AM_BUF_INIT, ex = AM_BUF_INIT;
	struct am_tok822 *t;
	const char *p;
	size_t i;
	int c, rc = -1, brc = 0;

	while ((c = (unsigned char)*s) != '\0') {
		s++;
		if (is_space(c))
			continue;
		am_buf_reset(&raw);
		am_buf_reset(&in);
		am_buf_reset(&ex);
		if (c == '(') {
			brc |= am_buf_addc(&in, '(');
			brc |= am_buf_addc(&ex, '(');
			s = scan_comment(s, &in, &ex, &brc);
			c = AM_TOK_COMMENT;
		} else if (c == '[' || c == '"') {
			if ((s = scan_quoted(s, c == '[' ? ']' : '"', &raw))
			    == NULL)
				goto out;
			if (c == '[') {
				brc |= am_buf_addc(&in, '[');
				brc |= am_buf_add(&in, raw.data, raw.len);
				brc |= am_buf_addc(&in, ']');
				brc |= am_buf_addc(&ex, '[');
				for (i = 0; i < raw.len; i++)
					brc |= add_quoted(&ex,
					    (unsigned char)raw.data[i],
					    "\\\r\n");
				brc |= am_buf_addc(&ex, ']');
				c = AM_TOK_DOMLIT;
			} else {
				c = AM_TOK_QSTRING;
			}
		} else if (c != '\\' && is_special(c)) {
			brc |= am_buf_addc(&in, c);
			brc |= am_buf_addc(&ex, c);
		} else {
			/* An atom; '\' escapes, so it may start one. */
			s--;
			while ((c = (unsigned char)*s) != '\0') {
				if (c == '\\') {
					if ((c = (unsigned char)*++s) == '\0')
						break;
				} else if (is_space(c) || is_special(c)) {
					break;
				}
				brc |= am_buf_addc(&raw, collected(c));
				s++;
			}
			/* An atom holding specials must be quoted again. */
			c = AM_TOK_ATOM;
			for (p = raw.data; p && *p; p++) {
				if (is_space((unsigned char)*p) ||
				    is_cntrl((unsigned char)*p) ||
				    is_special((unsigned char)*p)) {
					c = AM_TOK_QSTRING;
					break;
				}
			}
			if (c == AM_TOK_ATOM) {
				brc |= am_buf_add(&in, raw.data, raw.len);
				brc |= am_buf_add(&ex, raw.data, raw.len);
			}
		}
		if (c == AM_TOK_QSTRING) {
			brc |= am_buf_add(&in, raw.data ? raw.data : "",
			    raw.len);
			brc |= am_buf_addc(&ex, '"');
			for (i = 0; i < raw.len; i++)
				brc |= add_quoted(&ex,
				    (unsigned char)raw.data[i], "\"\\\r\n");
			brc |= am_buf_addc(&ex, '"');
		}
		if (brc != 0 || (t = new_token(list, c)) == NULL ||
		    finish_token(list, t, &in, &ex) < 0)
			goto out;
	}
	rc = 0;
out:
	am_buf_free(&raw);
	am_buf_free(&in);
	am_buf_free(&ex);
	return rc;
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
