/*
 * The one-pass plan of a batch of new keys (am_mapedit_add_new) against
 * the same adds made one at a time (am_mapedit_add on the text each one
 * leaves): when the one-pass plan takes the batch, both texts must be the
 * same byte for byte, every single add must succeed as an add, and each
 * category it names must be the single add's.
 *
 * Input: one flag byte (bit 0 aliases, bit 1 no UTF-8 folding), then
 * NUL-separated fields: the source text, then key, value and category of
 * each add (an empty category: none named), at most 12 adds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_mapedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ADDS 12

/* The next NUL-terminated field of the input, or NULL at its end. */
static const char *
field(const char **p, const char *end)
{
	const char *s = *p, *nul;

	if (s >= end)
		return NULL;
	nul = memchr(s, '\0', (size_t)(end - s));
	*p = nul != NULL ? nul + 1 : end;
	return s;
}

/* The adds one at a time; 0 with *out the final text, -1 if one fails. */
static int
one_by_one(const char *text, size_t len, enum am_map_kind kind, bool utf8,
    const struct am_mapedit_add *adds, size_t n, const char **names,
    struct am_buf *out)
{
	struct am_mapedit ed;
	struct am_mapedit_change ch;
	struct am_error err;
	struct am_buf cur = AM_BUF_INIT;
	size_t i;
	int rc = -1;

	if (am_buf_add(&cur, text, len) < 0)
		abort();
	for (i = 0; i < n; i++) {
		am_error_clear(&err);
		if (am_mapedit_from_text(&ed, "fuzz", cur.data ? cur.data : "",
		    cur.len, kind, utf8, NULL, NULL, &err) < 0)
			goto out;
		if (am_mapedit_add(&ed, &adds[i], &ch, &err) < 0) {
			am_mapedit_free(&ed);
			goto out;
		}
		/* A one-pass plan is of new keys: each single add adds. */
		if (ch.result != AM_MAPEDIT_ADDED)
			abort();
		if ((names[i] == NULL) != (ch.category_name == NULL) ||
		    (names[i] != NULL && strcmp(names[i],
		    ch.category_name) != 0))
			abort();
		out->len = 0;
		if (am_mapedit_render(&ed, &ch, out, &err) < 0)
			abort();
		cur.len = 0;
		if (am_buf_add(&cur, out->data ? out->data : "", out->len) < 0)
			abort();
		am_mapedit_change_free(&ch);
		am_mapedit_free(&ed);
	}
	rc = 0;
out:
	am_buf_free(&cur);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	const char *text, *key, *value, *cat, *names[MAX_ADDS],
	    *fkeys[MAX_ADDS];
	struct am_mapedit_add adds[MAX_ADDS];
	struct am_mapedit ed;
	struct am_buf batch = AM_BUF_INIT, single = AM_BUF_INIT;
	struct am_error err;
	enum am_map_kind kind;
	size_t n = 0, len;
	bool utf8;
	int got;

	if (size < 2)
		return 0;
	kind = data[0] & 1 ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
	utf8 = !(data[0] & 2);
	text = field(&p, end);
	len = (size_t)(p - text) - (p <= end && p[-1] == '\0');
	memset(adds, 0, sizeof(adds));
	while (n < MAX_ADDS && (key = field(&p, end)) != NULL &&
	    (value = field(&p, end)) != NULL && (cat = field(&p, end)) != NULL) {
		/* Fields run to the end of the input when it has no NUL. */
		if (p == end && end[-1] != '\0')
			break;
		adds[n].key = key;
		adds[n].value = value;
		adds[n].category = *cat != '\0' ? cat : NULL;
		adds[n].no_categories = kind == AM_MAP_ALIASES;
		n++;
	}
	if (n == 0)
		return 0;
	am_error_clear(&err);
	if (am_mapedit_from_text(&ed, "fuzz", text, len, kind, utf8, NULL,
	    NULL, &err) < 0)
		return 0;
	got = am_mapedit_add_new(&ed, adds, n, &batch, names, fkeys, &err);
	if (got < 0)
		abort();
	if (got == 1) {
		if (one_by_one(text, len, kind, utf8, adds, n, names,
		    &single) < 0 || single.len != batch.len ||
		    memcmp(single.data, batch.data, batch.len) != 0)
			abort();
	}
	am_mapedit_free(&ed);
	am_buf_free(&batch);
	am_buf_free(&single);
	return 0;
}
