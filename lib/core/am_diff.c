/*
 * am_diff - unified diffs of whole texts (am_diff.h).
 */
#include "am_diff.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Lines of context around each change, as diff -u. */
#define DIFF_CONTEXT 3

/* Offset just past the line at pos (its '\n' included). */
static size_t
line_end(const char *text, size_t len, size_t pos)
{
	const char *nl = memchr(text + pos, '\n', len - pos);

	return nl == NULL ? len : (size_t)(nl - text) + 1;
}

struct lines {
	const char *text;
	size_t len;
	size_t *start;		/* start of each line, plus one past the end */
	size_t n;
};

static int
split_lines(struct lines *l, const char *text, size_t len)
{
	size_t pos = 0, cap = 1024;
	size_t *ns;

	l->text = text;
	l->len = len;
	l->n = 0;
	if ((l->start = malloc(cap * sizeof(size_t))) == NULL)
		return -1;
	while (pos < len) {
		if (l->n + 2 > cap) {
			cap *= 2;
			if ((ns = realloc(l->start, cap * sizeof(size_t))) ==
			    NULL)
				return -1;
			l->start = ns;
		}
		l->start[l->n++] = pos;
		pos = line_end(text, len, pos);
	}
	l->start[l->n] = len;
	return 0;
}

static bool
line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	size_t la = a->start[i + 1] - a->start[i];

	return la == b->start[j + 1] - b->start[j] &&
	    memcmp(a->text + a->start[i], b->text + b->start[j], la) == 0;
}

static int
diff_line(struct am_buf *out, char mark, const struct lines *l, size_t i)
{
	size_t s = l->start[i], e = l->start[i + 1];

	if (am_buf_addc(out, mark) < 0 ||
	    am_buf_add(out, l->text + s, e - s) < 0)
		return -1;
	if (e == s || l->text[e - 1] != '\n')
		return am_buf_adds(out, "\n\\ No newline at end of file\n");
	return 0;
}

int
am_diff_text(const char *old, size_t old_len, const char *new,
    size_t new_len, const char *label, struct am_buf *out,
    struct am_error *err)
{
	struct lines a = { 0 }, b = { 0 };
	size_t p = 0, s = 0, c0, ae, be, i;
	int rc = -1;

	if (old_len == new_len && memcmp(old, new, old_len) == 0)
		return 0;
	if (split_lines(&a, old, old_len) < 0 ||
	    split_lines(&b, new, new_len) < 0)
		goto nomem;
	while (p < a.n && p < b.n && line_eq(&a, p, &b, p))
		p++;
	while (s < a.n - p && s < b.n - p &&
	    line_eq(&a, a.n - 1 - s, &b, b.n - 1 - s))
		s++;
	c0 = p > DIFF_CONTEXT ? p - DIFF_CONTEXT : 0;
	ae = a.n - s + (s > DIFF_CONTEXT ? DIFF_CONTEXT : s);
	be = b.n - s + (s > DIFF_CONTEXT ? DIFF_CONTEXT : s);
	if (am_buf_printf(out, "--- %s\n+++ %s\n@@ -%zu,%zu +%zu,%zu @@\n",
	    label, label, ae > c0 ? c0 + 1 : c0, ae - c0,
	    be > c0 ? c0 + 1 : c0, be - c0) < 0)
		goto nomem;
	for (i = c0; i < p; i++)
		if (diff_line(out, ' ', &a, i) < 0)
			goto nomem;
	for (i = p; i < a.n - s; i++)
		if (diff_line(out, '-', &a, i) < 0)
			goto nomem;
	for (i = p; i < b.n - s; i++)
		if (diff_line(out, '+', &b, i) < 0)
			goto nomem;
	for (i = a.n - s; i < ae; i++)
		if (diff_line(out, ' ', &a, i) < 0)
			goto nomem;
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(a.start);
	free(b.start);
	return rc;
}

