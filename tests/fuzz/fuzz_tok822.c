/*
 * The RFC 822 tokeniser of aliases(5) lines (am_tok822).  The input up to
 * its first NUL is one line.
 *
 * Oracles: no sanitizer report; the scanner writes no more than it
 * reserved (it writes through a plain pointer, so ASan would not see an
 * overrun into the buffer's slack); every token lies inside the text; an
 * atom's internal form holds no character that would need quoting; and
 * the external form, scanned again, gives the same tokens (type and
 * internal form).  The last one does not hold for a domain literal with
 * an escaped ']' (its external form leaves the ']' unescaped, escaping
 * only '\', CR and LF); such lines are left out of that check.  Empty
 * atoms (a '\' at the end of the line) serialise to nothing and are not
 * compared.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_buf.h"
#include "am_tok822.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Characters an atom may not hold (am_tok822.c's QUOTE class). */
static int
needs_quote(int c)
{
	return c < 0x20 || c == 0x7f || c == ' ' ||
	    strchr("|\"(),.:;<>@[]%!\\", c) != NULL;
}

static void
check_tokens(const struct am_tok822_list *l, size_t from)
{
	const struct am_tok822 *t;
	size_t i, k;

	for (i = from; i < l->count; i++) {
		t = &l->tok[i];
		if (t->internal + t->internal_len > l->text.len ||
		    t->external + t->external_len > l->text.len)
			abort();
		if (t->type < 256 && (t->internal_len != 1 ||
		    l->text.data[t->internal] != t->type))
			abort();
		if (t->type == AM_TOK_ATOM)
			for (k = 0; k < t->internal_len; k++)
				if (needs_quote((unsigned char)
				    l->text.data[t->internal + k]))
					abort();
	}
}

/* The n-th token of l, not counting empty atoms. */
static const struct am_tok822 *
nth(const struct am_tok822_list *l, size_t n)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (l->tok[i].type == AM_TOK_ATOM && l->tok[i].internal_len == 0)
			continue;
		if (n-- == 0)
			return &l->tok[i];
	}
	return NULL;
}

static int
domlit_with_bracket(const struct am_tok822_list *l)
{
	const struct am_tok822 *t;
	size_t i;

	for (i = 0; i < l->count; i++) {
		t = &l->tok[i];
		/* "[" raw "]": a ']' inside raw */
		if (t->type == AM_TOK_DOMLIT && t->internal_len > 2 &&
		    memchr(l->text.data + t->internal + 1, ']',
		    t->internal_len - 2) != NULL)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_tok822_list a, b;
	struct am_buf line = AM_BUF_INIT, in = AM_BUF_INIT, ex = AM_BUF_INIT;
	const struct am_tok822 *ta, *tb;
	size_t before, n, i;

	if (am_buf_add(&line, data, size) < 0 || am_buf_addc(&line, '\0') < 0)
		abort();
	am_tok822_init(&a);
	am_tok822_init(&b);
	/* A prefix scanned first: tokens append to a list in use. */
	if (am_tok822_scan(&a, "x: ") < 0)
		abort();
	before = a.text.len;
	n = a.count;
	if (am_tok822_scan(&a, line.data) < 0)
		abort();
	if (a.text.len - before > strlen(line.data) * 7 + 15)
		abort();
	check_tokens(&a, n);
	if (am_tok822_internalize(&a, 0, a.count, &in) < 0 ||
	    am_tok822_externalize(&a, 0, a.count, &ex) < 0 ||
	    am_buf_addc(&ex, '\0') < 0)
		abort();
	/* Every split point, as am_source splits at the ':'. */
	for (i = 0; i <= a.count && i < 64; i++) {
		am_buf_reset(&in);
		if (am_tok822_internalize(&a, 0, i, &in) < 0 ||
		    am_tok822_externalize(&a, i, a.count, &in) < 0)
			abort();
	}
	if (!domlit_with_bracket(&a)) {
		if (am_tok822_scan(&b, ex.data) < 0)
			abort();
		for (n = 0; (ta = nth(&a, n)) != NULL; n++) {
			if ((tb = nth(&b, n)) == NULL || ta->type != tb->type ||
			    ta->internal_len != tb->internal_len ||
			    memcmp(a.text.data + ta->internal,
			    b.text.data + tb->internal, ta->internal_len) != 0)
				abort();
		}
		if (nth(&b, n) != NULL)
			abort();
	}
	am_tok822_reset(&a);
	if (am_tok822_scan(&a, line.data) < 0)
		abort();
	am_tok822_free(&a);
	am_tok822_free(&b);
	am_buf_free(&line);
	am_buf_free(&in);
	am_buf_free(&ex);
	return 0;
}
