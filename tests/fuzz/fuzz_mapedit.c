/*
 * The map editor (am_mapedit) against the compiler: an edit must change
 * exactly the record it names.  Input: one flag byte, then NUL-separated
 * fields: the source text, a key, a value, a category, a note (missing
 * fields: the key is the first entry's, the value "v@example.org").
 *
 * Flag bits: 0 aliases (else postmap), 1 no UTF-8 folding, 2 replace,
 * 3 remove (else add), 4-5 category: none, named, new, 6 a note,
 * 7 no_categories.
 *
 * Oracles, besides no sanitizer report:
 *  - the unchanged text renders back byte for byte;
 *  - the sparse index for the key (am_mapedit_from_text_key) has exactly
 *    the full index's entries with that key, and the same categories;
 *  - compiled before and after the change (first duplicate wins), every
 *    record of another key is the same; an added or replaced key is
 *    there afterwards with the destinations asked for, a removed key
 *    that had one entry is gone, an added one was not there before.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_buf.h"
#include "am_compile.h"
#include "am_error.h"
#include "am_fold.h"
#include "am_mapedit.h"
#include "am_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, const struct am_error *warning)
{
	(void)ctx;
	(void)warning;
}

struct compiled {
	struct am_source src;
	struct am_records rs;
	int ok;
};

static void
compile(struct compiled *c, const char *text, size_t len,
    enum am_map_kind kind, bool utf8)
{
	struct am_compile_opts opts;
	struct am_error err;

	memset(&opts, 0, sizeof(opts));
	opts.kind = kind;
	opts.fold = true;
	opts.utf8 = utf8;
	opts.dup = AM_DUP_WARN;
	opts.warn = quiet;
	am_error_clear(&err);
	am_records_init(&c->rs);
	c->ok = 0;
	if (am_source_from_text(&c->src, "fuzz", text, len, &err) < 0) {
		memset(&c->src, 0, sizeof(c->src));
		return;
	}
	c->ok = am_compile_source(&c->rs, &c->src, &opts, &err) == 0;
}

static void
compiled_free(struct compiled *c)
{
	am_records_free(&c->rs);
	am_source_close(&c->src);
}

static bool
is_key(const struct am_record *r, const char *fk)
{
	return r->key_len == strlen(fk) && memcmp(r->key, fk, r->key_len) == 0;
}

static const struct am_record *
find(const struct compiled *c, const char *fk)
{
	size_t i;

	for (i = 0; i < c->rs.count; i++)
		if (is_key(&c->rs.rec[i], fk))
			return &c->rs.rec[i];
	return NULL;
}

/* The records of a and b are the same except for key fk. */
static void
same_but(const struct compiled *a, const struct compiled *b, const char *fk)
{
	size_t i = 0, j = 0;
	const struct am_record *x, *y;

	for (;;) {
		while (i < a->rs.count && is_key(&a->rs.rec[i], fk))
			i++;
		while (j < b->rs.count && is_key(&b->rs.rec[j], fk))
			j++;
		if (i == a->rs.count || j == b->rs.count)
			break;
		x = &a->rs.rec[i++];
		y = &b->rs.rec[j++];
		if (x->key_len != y->key_len || x->value_len != y->value_len ||
		    memcmp(x->key, y->key, x->key_len) != 0 ||
		    memcmp(x->value, y->value, x->value_len) != 0)
			abort();
	}
	if (i != a->rs.count || j != b->rs.count)
		abort();
}

static bool
same_destinations(const char *a, const char *b)
{
	char **va = NULL, **vb = NULL;
	size_t na, nb, i;
	bool same;

	na = am_mapedit_split_value(a, &va);
	nb = am_mapedit_split_value(b, &vb);
	if (na == (size_t)-1 || nb == (size_t)-1)
		abort();
	same = na == nb;
	for (i = 0; same && i < na; i++)
		same = strcmp(va[i], vb[i]) == 0;
	am_mapedit_free_split(va, na);
	am_mapedit_free_split(vb, nb);
	return same;
}

/*
 * The sparse index of key agrees with the full one, read either way:
 * with a warning callback every line is parsed; without one (users add)
 * a postmap file's lines are read by their key alone, where they are.
 */
static void
sparse_one(const struct am_mapedit *full, const char *text, size_t len,
    const char *key, const char *fk, am_warn_fn *warn,
    struct am_mapedit *sp)
{
	struct am_error err;
	const struct am_mapedit_entry *e, *f;
	size_t i, n = 0;

	am_error_clear(&err);
	if (am_mapedit_from_text_key(sp, "fuzz", text, len, full->kind,
	    full->utf8, key, warn, NULL, &err) < 0) {
		memset(sp, 0, sizeof(*sp));
		return;
	}
	if (sp->ncategories != full->ncategories)
		abort();
	for (i = 0; i < sp->ncategories; i++)
		if (strcmp(sp->categories[i].name,
		    full->categories[i].name) != 0 ||
		    sp->categories[i].line != full->categories[i].line ||
		    sp->categories[i].count != full->categories[i].count ||
		    sp->categories[i].last_end !=
		    full->categories[i].last_end ||
		    sp->categories[i].sorted != full->categories[i].sorted)
			abort();
	for (i = 0; i < full->nentries; i++) {
		f = &full->entries[i];
		if (strcmp(f->fkey, fk) != 0)
			continue;
		if (n >= sp->nentries)
			abort();
		e = &sp->entries[n++];
		if (e->start != f->start || e->end != f->end ||
		    e->line != f->line || e->above != f->above ||
		    e->category != f->category ||
		    strcmp(e->key, f->key) != 0 ||
		    strcmp(e->fkey, f->fkey) != 0 ||
		    strcmp(e->value, f->value) != 0)
			abort();
	}
	if (n != sp->nentries)
		abort();
}

static void
sparse(const struct am_mapedit *full, const char *text, size_t len,
    const char *key, const char *fk)
{
	struct am_mapedit parsed, by_key;
	size_t i;

	sparse_one(full, text, len, key, fk, quiet, &parsed);
	sparse_one(full, text, len, key, fk, NULL, &by_key);
	/* Where the key would sort in: the same either way. */
	for (i = 0; i < parsed.ncategories && i < by_key.ncategories; i++)
		if (parsed.categories[i].key_above !=
		    by_key.categories[i].key_above)
			abort();
	am_mapedit_free(&parsed);
	am_mapedit_free(&by_key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[5] = { "", NULL, NULL, NULL, NULL };
	struct am_mapedit ed;
	struct am_mapedit_add add;
	struct am_mapedit_change ch;
	struct am_buf in = AM_BUF_INIT, out = AM_BUF_INIT, fk = AM_BUF_INIT,
	    diff = AM_BUF_INIT;
	struct compiled before, after;
	struct am_mapedit back;
	struct am_error err;
	struct am_folder folder;
	enum am_map_kind kind;
	const struct am_record *r;
	const char *p, *end;
	char *key = NULL;
	size_t textlen, i, nk = 0;
	uint8_t flags;
	bool utf8;
	long idx;
	int nf, rc;

	if (size < 1)
		return 0;
	flags = data[0];
	kind = flags & 1 ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
	utf8 = !(flags & 2);
	if (am_buf_add(&in, data + 1, size - 1) < 0 ||
	    am_buf_addc(&in, '\0') < 0)
		abort();
	/* Split at NUL bytes into the fields. */
	p = in.data;
	end = in.data + in.len - 1;
	field[0] = p;
	textlen = strlen(p);
	for (nf = 1, p += textlen; p < end && nf < 5; nf++) {
		field[nf] = ++p;
		p += strlen(p);
	}
	am_error_clear(&err);
	if (am_mapedit_from_text(&ed, "fuzz", field[0], textlen, kind, utf8,
	    quiet, NULL, &err) < 0)
		goto out;
	/* The unchanged text, byte for byte. */
	memset(&ch, 0, sizeof(ch));
	if (am_mapedit_render(&ed, &ch, &out, &err) < 0 ||
	    out.len != textlen || memcmp(out.data, field[0], textlen) != 0)
		abort();
	am_buf_reset(&out);
	(void)am_mapedit_list_sep(&ed);
	if (am_mapedit_category_list(&ed, &out) < 0)
		abort();
	am_buf_reset(&out);

	if (field[1] != NULL)
		key = strdup(field[1]);
	else if (ed.nentries > 0)
		key = strdup(ed.entries[0].key);
	if (key == NULL)
		goto out_ed;
	memset(&folder, 0, sizeof(folder));
	rc = am_compile_fold_query(&folder, key, strlen(key), true, utf8,
	    &fk, &err);
	am_fold_free(&folder);
	if (rc < 0 || am_buf_addc(&fk, '\0') < 0)
		goto out_ed;
	for (i = 0; i < ed.nentries; i++)
		nk += strcmp(ed.entries[i].fkey, fk.data) == 0;
	sparse(&ed, field[0], textlen, key, fk.data);

	memset(&add, 0, sizeof(add));
	add.key = key;
	add.value = field[2] != NULL ? field[2] : "v@example.org";
	if (((flags >> 4) & 3) == 1)
		add.category = field[3] != NULL ? field[3] :
		    ed.ncategories > 0 ? ed.categories[0].name : "Staff";
	else if (((flags >> 4) & 3) == 2)
		add.new_category = field[3] != NULL ? field[3] : "New";
	if (flags & 0x40)
		add.note = field[4] != NULL ? field[4] : "2026-11-27 fuzz";
	add.replace = flags & 4;
	add.no_categories = flags & 0x80;
	memset(&ch, 0, sizeof(ch));
	if (flags & 8)
		rc = am_mapedit_remove(&ed, key, &ch, &err);
	else
		rc = am_mapedit_add(&ed, &add, &ch, &err);
	if (rc < 0 || ch.result == AM_MAPEDIT_UNCHANGED)
		goto out_ch;
	if (am_mapedit_render(&ed, &ch, &out, &err) < 0)
		abort();
	if (am_buf_addc(&out, '\0') < 0)
		abort();
	out.len--;
	if (am_mapedit_diff(&ed, &ch, "fuzz", &diff, &err) < 0 ||
	    diff.len == 0)
		abort();
	compile(&before, ed.text, ed.len, kind, utf8);
	compile(&after, out.data, out.len, kind, utf8);
	if (before.ok && after.ok) {
		same_but(&before, &after, fk.data);
		r = find(&after, fk.data);
		switch (ch.result) {
		case AM_MAPEDIT_ADDED:
			if (nk != 0 || find(&before, fk.data) != NULL)
				abort();
			/* FALLTHROUGH */
		case AM_MAPEDIT_REPLACED:
			if (r == NULL)
				abort();
			break;
		case AM_MAPEDIT_REMOVED:
			if (nk == 1 && r != NULL)
				abort();
			break;
		default:
			break;
		}
	}
	/* Read back: the key has the destinations asked for. */
	if (ch.result != AM_MAPEDIT_REMOVED &&
	    am_mapedit_from_text(&back, "fuzz", out.data, out.len, kind, utf8,
	    quiet, NULL, &err) == 0) {
		if ((idx = am_mapedit_find(&back, key, &err)) < 0 ||
		    !same_destinations(back.entries[idx].value, add.value))
			abort();
		am_mapedit_free(&back);
	}
	compiled_free(&before);
	compiled_free(&after);
out_ch:
	am_mapedit_change_free(&ch);
out_ed:
	am_mapedit_free(&ed);
out:
	free(key);
	am_buf_free(&in);
	am_buf_free(&out);
	am_buf_free(&fk);
	am_buf_free(&diff);
	return 0;
}
