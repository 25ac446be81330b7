/*
 * am_mapedit - text editor of map and alias sources (see am_mapedit.h).
 *
 * The index is built from am_source_next()'s logical lines; only the gaps
 * between them (comments, blank lines) are classified here, to find
 * category headers and the comments attached to an entry.
 */
#include "am_mapedit.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "am_arena.h"
#include "am_atomic.h"
#include "am_file.h"

#define NO_OFFSET ((size_t)-1)

enum gap_kind { GAP_BLANK, GAP_COMMENT, GAP_OTHER };

struct gap_line {
	enum gap_kind kind;
	size_t start;
	long line;
};

struct gap {
	struct gap_line *lines;
	size_t n, cap;
};

static const char *
arena_copy(struct am_mapedit *ed, const char *s, size_t len)
{
	return am_arena_copy(&ed->arena, s, len);
}

static void
no_warn(void *ctx, const struct am_error *w)
{
	(void)ctx;
	(void)w;
}

static size_t
line_end(const char *text, size_t len, size_t pos)
{
	const char *nl = memchr(text + pos, '\n', len - pos);

	return nl == NULL ? len : (size_t)(nl - text) + 1;
}

/* The header name of a comment line: '#'s and blanks removed. */
static size_t
comment_name(const char *text, size_t start, size_t end, const char **name)
{
	const char *p = text + start, *e = text + end;

	while (p < e && am_source_isspace((unsigned char)*p))
		p++;
	while (p < e && *p == '#')
		p++;
	while (p < e && am_source_isspace((unsigned char)*p))
		p++;
	while (e > p && am_source_isspace((unsigned char)e[-1]))
		e--;
	*name = p;
	return (size_t)(e - p);
}

static bool
starts_with_date(const char *s, size_t len)
{
	static const char pat[] = "dddd-dd-dd";
	size_t i;

	if (len < sizeof(pat) - 1)
		return false;
	for (i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != pat[i])
			return false;
	return true;
}

static bool
is_double_hash(const char *text, size_t start, size_t end)
{
	const char *p = text + start;

	while (p < text + end && am_source_isspace((unsigned char)*p))
		p++;
	return p + 1 < text + end && p[0] == '#' && p[1] == '#';
}

static int
gap_scan(struct am_mapedit *ed, struct gap *g, size_t from, size_t to,
    long line)
{
	size_t pos = from, e;
	const char *p;
	struct gap_line *nl;

	g->n = 0;
	while (pos < to) {
		e = line_end(ed->text, ed->len, pos);
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 16;
			if ((nl = realloc(g->lines, g->cap * sizeof(*nl))) ==
			    NULL)
				return -1;
			g->lines = nl;
		}
		for (p = ed->text + pos; p < ed->text + e &&
		    am_source_isspace((unsigned char)*p); p++)
			;
		g->lines[g->n].kind = p == ed->text + e ? GAP_BLANK :
		    *p == '#' ? GAP_COMMENT : GAP_OTHER;
		g->lines[g->n].start = pos;
		g->lines[g->n].line = line++;
		g->n++;
		pos = e;
	}
	return 0;
}

static int
add_category(struct am_mapedit *ed, const struct gap_line *gl)
{
	struct am_mapedit_category *c;
	const char *name;
	size_t n;

	if (ed->ncategories == ed->categories_cap) {
		ed->categories_cap = ed->categories_cap ?
		    ed->categories_cap * 2 : 16;
		c = realloc(ed->categories, ed->categories_cap * sizeof(*c));
		if (c == NULL)
			return -1;
		ed->categories = c;
	}
	n = comment_name(ed->text, gl->start,
	    line_end(ed->text, ed->len, gl->start), &name);
	c = &ed->categories[ed->ncategories];
	memset(c, 0, sizeof(*c));
	if ((c->name = arena_copy(ed, name, n)) == NULL)
		return -1;
	c->line = gl->line;
	c->header_end = line_end(ed->text, ed->len, gl->start);
	c->last_end = c->header_end;
	c->key_above = NO_OFFSET;
	c->first = ed->nentries;
	ed->ncategories++;
	return 0;
}

static bool
header_candidate(const struct am_mapedit *ed, const struct gap_line *gl)
{
	const char *name;
	size_t n;

	n = comment_name(ed->text, gl->start,
	    line_end(ed->text, ed->len, gl->start), &name);
	return n > 0 && !starts_with_date(name, n);
}

/* A lone comment line between blank lines: a category still empty. */
static int
empty_categories(struct am_mapedit *ed, const struct gap *g, size_t upto,
    bool final)
{
	size_t i;

	for (i = 1; i < upto; i++) {
		if (g->lines[i].kind != GAP_COMMENT ||
		    g->lines[i - 1].kind != GAP_BLANK ||
		    !(i + 1 < g->n ? g->lines[i + 1].kind == GAP_BLANK :
		    final) || !header_candidate(ed, &g->lines[i]))
			continue;
		if (add_category(ed, &g->lines[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * The gap before entry e (not yet counted in nentries), or after the last
 * entry (e NULL): find headers, and the comments attached to e.
 */
static int
gap_classify(struct am_mapedit *ed, const struct gap *g, bool file_start,
    struct am_mapedit_entry *e)
{
	long k, b, i, h = -1;
	bool after_blank;

	if (e == NULL)
		return empty_categories(ed, g, g->n, true);
	e->above = e->start;
	for (k = (long)g->n - 1; k >= 0 && g->lines[k].kind == GAP_BLANK; k--)
		;
	if (k < 0 || g->lines[k].kind != GAP_COMMENT)
		return empty_categories(ed, g, g->n, false);
	for (b = k; b > 0 && g->lines[b - 1].kind == GAP_COMMENT; b--)
		;
	if (empty_categories(ed, g, (size_t)b, false) < 0)
		return -1;
	after_blank = b > 0 ? g->lines[b - 1].kind != GAP_COMMENT :
	    file_start;
	for (i = k; i >= b && h < 0; i--)
		if (is_double_hash(ed->text, g->lines[i].start,
		    line_end(ed->text, ed->len, g->lines[i].start)) &&
		    header_candidate(ed, &g->lines[i]))
			h = i;
	for (i = k; i >= b && h < 0 && after_blank; i--)
		if (header_candidate(ed, &g->lines[i]))
			h = i;
	if (h >= 0 && add_category(ed, &g->lines[h]) < 0)
		return -1;
	if (k == (long)g->n - 1 && k > h)
		e->above = g->lines[h + 1 > b ? h + 1 : b].start;
	return 0;
}

size_t
am_mapedit_note(const struct am_mapedit *ed, const struct am_mapedit_entry *e)
{
	size_t p;

	if (e->above >= e->start)
		return e->start;
	/* The start of the line that ends just before the entry. */
	for (p = e->start - 1; p > e->above && ed->text[p - 1] != '\n'; p--)
		;
	return p;
}

/* The key as the table holds it: the one query folding of am_compile. */
static int
fold_key(struct am_mapedit *ed, const char *key, size_t len,
    struct am_buf *out)
{
	struct am_error ignored;

	am_error_clear(&ignored);
	return am_compile_fold_query(&ed->folder, key, len, true, ed->utf8,
	    out, &ignored);
}

static int
fold(struct am_mapedit *ed, const char *key, struct am_buf *out)
{
	return fold_key(ed, key, strlen(key), out);
}

/*
 * A folded key where it is: in the text, a line, or a buffer; not
 * NUL-terminated when it is in a line given in place.
 */
struct key_view {
	const char *s;
	size_t len;
};

/* strcmp() of two keys without NUL bytes, from their lengths. */
static int
key_cmp(struct key_view a, struct key_view b)
{
	int c = memcmp(a.s, b.s, a.len < b.len ? a.len : b.len);

	if (c != 0 || a.len == b.len)
		return c;
	return a.len < b.len ? -1 : 1;
}

static bool
key_eq(struct key_view a, struct key_view b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/*
 * One entry's key, value and folded key, parsed from ll.  They point into
 * the line or into kb, vb and fb, valid until the next line:
 * keep_entry() copies what an index keeps.
 */
struct parsed {
	size_t key_len, value_len;
	struct key_view fkey;	/* e->fkey, with its length */
	bool in_place;		/* key and value are in the text itself */
	/*
	 * One key, no warnings, a postmap file: the key alone is read (from
	 * a line given in place, not NUL-terminated), and the whole line
	 * only for an entry the index keeps (parse_kept()).
	 */
	bool key_only;
};

/* A key-only entry that the index keeps: the line parsed in full. */
static int
parse_kept(struct am_mapedit *ed, struct am_source_line *ll,
    struct am_mapedit_entry *e, struct parsed *pd, struct am_error *err)
{
	struct am_source_entry pe;
	bool same = e->fkey == e->key;

	if (!pd->key_only)
		return 0;
	if (am_source_line_own(&ed->src, ll) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* The same line am_source_postmap_key() took: an entry. */
	if (am_source_parse_postmap(&ed->src, ll, &pe, no_warn, NULL) <= 0)
		return am_error_set(err, AM_E_INTERNAL, "%s, line %ld: the "
		    "entry's key was read, its line was not", ed->path,
		    ll->first_line);
	e->key = pe.key;
	pd->key_len = pe.key_len;
	e->value = pe.value;
	pd->value_len = pe.value_len;
	/* Folded apart (in fb, still valid), or the key itself. */
	if (same)
		e->fkey = e->key;
	return 0;
}

static int
index_entry(struct am_mapedit *ed, struct am_source_line *ll,
    struct am_mapedit_entry *e, struct parsed *pd, am_warn_fn *warn,
    void *ctx, struct am_buf *kb, struct am_buf *vb, struct am_buf *fb,
    struct am_error *err)
{
	struct am_source_entry pe;
	int rc;

	/* A borrowed text is parsed from a copy of each line. */
	pd->in_place = !ed->src.borrowed && ll->text >= ed->src.data &&
	    ll->text < ed->src.data + ed->src.len;
	if (pd->key_only) {
		/* The value only for an entry kept (parse_kept()). */
		if (am_source_postmap_key(ll, &pd->key_len) == 0)
			return 0;
		pd->in_place = false;
		e->key = ll->text;
		e->value = NULL;
	} else if (ed->kind == AM_MAP_ALIASES) {
		am_buf_reset(kb);
		am_buf_reset(vb);
		rc = am_source_parse_alias(&ed->src, ll, kb, vb, warn, ctx,
		    err);
		if (rc <= 0)
			return rc;
		pd->in_place = false;
		e->key = kb->data;
		pd->key_len = kb->len;
		e->value = vb->data;
		pd->value_len = vb->len;
	} else {
		rc = am_source_parse_postmap(&ed->src, ll, &pe, warn, ctx);
		if (rc <= 0)
			return rc;
		e->key = pe.key;
		pd->key_len = pe.key_len;
		e->value = pe.value;
		pd->value_len = pe.value_len;
	}
	if (am_fold_is_folded(e->key, pd->key_len)) {
		e->fkey = e->key;
		pd->fkey.s = e->key;
		pd->fkey.len = pd->key_len;
		return 1;
	}
	if (fold_key(ed, e->key, pd->key_len, fb) < 0)
		return am_error_set(err, AM_E_INVALID, "%s, line %ld: cannot "
		    "case-fold \"%.*s\"", ed->path, ll->first_line,
		    (int)pd->key_len, e->key);
	if (fb->len == pd->key_len && memcmp(fb->data, e->key, fb->len) == 0) {
		e->fkey = e->key;
		pd->fkey.s = e->key;
	} else {
		e->fkey = fb->data;
		pd->fkey.s = fb->data;
	}
	pd->fkey.len = fb->len;
	return 1;
}

/* An entry the index keeps: its strings copied unless in the text. */
static int
keep_entry(struct am_mapedit *ed, struct am_mapedit_entry *e,
    const struct parsed *pd)
{
	bool same = e->fkey == e->key;

	if (!pd->in_place) {
		e->key = arena_copy(ed, e->key, pd->key_len);
		e->value = arena_copy(ed, e->value, pd->value_len);
	}
	e->fkey = same ? e->key : arena_copy(ed, e->fkey, strlen(e->fkey));
	return e->key == NULL || e->value == NULL || e->fkey == NULL ? -1 : 0;
}

/*
 * The previous entry's folded key, for the order of a category: where it
 * is when that stays put until the next entry (the source's text, given
 * in place or parsed in place), else copied.
 */
struct prev_key {
	struct key_view key;
	struct am_buf copy;
};

static int
prev_key_set(struct prev_key *prev, const struct am_source *src,
    struct key_view k)
{
	if (k.s >= src->data && k.s < src->data + src->len) {
		prev->key = k;
		return 0;
	}
	am_buf_reset(&prev->copy);
	if (am_buf_add(&prev->copy, k.s, k.len) < 0)
		return -1;
	prev->key.s = prev->copy.data;
	prev->key.len = k.len;
	return 0;
}

/*
 * Order, extent and (sparse index) the sorted place of the key.  prev
 * holds the previous entry's folded key (entries come in file order, so
 * one category at a time); only is the sparse index's key.
 */
static int
count_in_category(struct am_mapedit *ed, struct am_mapedit_category *c,
    const struct am_mapedit_entry *e, struct key_view fkey,
    struct prev_key *prev, struct key_view only)
{
	if (c->count > 0 && key_cmp(prev->key, fkey) > 0)
		c->unsorted = true;
	if (ed->only_fkey != NULL && c->key_above == NO_OFFSET &&
	    key_cmp(fkey, only) > 0)
		c->key_above = e->above;
	if (prev_key_set(prev, &ed->src, fkey) < 0)
		return -1;
	c->last_end = e->end;
	c->count++;
	return 0;
}

/* At most one entry a line: one allocation instead of many copies. */
static int
reserve_entries(struct am_mapedit *ed)
{
	const char *p = ed->text, *e = ed->text + ed->len;
	size_t lines = 1;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		lines++;
		p++;
	}
	ed->entries = malloc(lines * sizeof(*ed->entries));
	if (ed->entries == NULL)
		return -1;
	ed->entries_cap = lines;
	return 0;
}

static int
build_index(struct am_mapedit *ed, am_warn_fn *warn, void *ctx,
    struct am_error *err)
{
	struct am_source_line ll;
	struct am_mapedit_entry e, *ne;
	struct am_buf kb = AM_BUF_INIT, vb = AM_BUF_INIT, fb = AM_BUF_INIT;
	struct prev_key prev = { { NULL, 0 }, AM_BUF_INIT };
	struct key_view only = { NULL, 0 };
	struct parsed pd;
	struct gap g = { NULL, 0, 0 };
	size_t prev_end = 0, i;
	long prev_line = 0;
	int rc = -1, got;
	struct am_mapedit_category *c;

	/*
	 * Nobody to warn, one key to keep: most lines need their key only,
	 * read where the line is.
	 */
	memset(&pd, 0, sizeof(pd));
	pd.key_only = warn == NULL && ed->only_fkey != NULL &&
	    ed->kind != AM_MAP_ALIASES;
	if (ed->only_fkey != NULL) {
		only.s = ed->only_fkey;
		only.len = strlen(ed->only_fkey);
	}
	if (warn == NULL)
		warn = no_warn;
	if (ed->only_fkey == NULL && reserve_entries(ed) < 0)
		goto nomem;
	ed->eol = "\n";
	if (ed->len > 0) {
		const char *nl = memchr(ed->text, '\n', ed->len);

		if (nl != NULL && nl > ed->text && nl[-1] == '\r')
			ed->eol = "\r\n";
	}
	while ((got = pd.key_only ? am_source_next_view(&ed->src, &ll, warn,
	    ctx) : am_source_next(&ed->src, &ll, warn, ctx)) > 0) {
		memset(&e, 0, sizeof(e));
		e.line = ll.first_line;
		e.start = ll.start;
		e.end = ll.end;
		e.category = -1;
		/* Entries one after another (nearly all): no gap between. */
		if (prev_end == ll.start)
			e.above = e.start;
		else if (gap_scan(ed, &g, prev_end, ll.start,
		    prev_line + 1) < 0 ||
		    gap_classify(ed, &g, prev_end == 0, &e) < 0)
			goto nomem;
		prev_end = ll.end;
		prev_line = ll.last_line;
		if ((got = index_entry(ed, &ll, &e, &pd, warn, ctx, &kb, &vb,
		    &fb, err)) < 0)
			goto out;
		if (got == 0)
			continue;
		e.category = (int)ed->ncategories - 1;
		if (ed->ncategories > 0 && count_in_category(ed,
		    &ed->categories[e.category], &e, pd.fkey, &prev, only) < 0)
			goto nomem;
		if (ed->only_fkey != NULL && !key_eq(pd.fkey, only))
			continue;
		if (parse_kept(ed, &ll, &e, &pd, err) < 0)
			goto out;
		if (keep_entry(ed, &e, &pd) < 0)
			goto nomem;
		if (ed->nentries == ed->entries_cap) {
			ed->entries_cap = ed->entries_cap ?
			    ed->entries_cap * 2 : 256;
			ne = realloc(ed->entries, ed->entries_cap *
			    sizeof(*ne));
			if (ne == NULL)
				goto nomem;
			ed->entries = ne;
		}
		ed->entries[ed->nentries++] = e;
	}
	if (got < 0)
		goto nomem;
	if (gap_scan(ed, &g, prev_end, ed->len, prev_line + 1) < 0 ||
	    gap_classify(ed, &g, prev_end == 0, NULL) < 0)
		goto nomem;
	/* By index: a file without categories has no array (NULL). */
	for (i = 0; i < ed->ncategories; i++) {
		c = &ed->categories[i];
		c->sorted = c->count >= 2 && !c->unsorted;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(g.lines);
	am_buf_free(&kb);
	am_buf_free(&vb);
	am_buf_free(&fb);
	am_buf_free(&prev.copy);
	return rc;
}

static int
finish_open(struct am_mapedit *ed, enum am_map_kind kind, bool utf8,
    am_warn_fn *warn, void *ctx, struct am_error *err)
{
	ed->kind = kind;
	ed->utf8 = utf8;
	ed->len = ed->src.len;
	if ((ed->path = strdup(ed->src.path)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		return -1;
	}
	if (ed->mapped_len == 0) {
		/* The parser writes into its copy: keep the bytes apart. */
		if ((ed->text = malloc(ed->len + 1)) == NULL) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			return -1;
		}
		memcpy(ed->text, ed->src.data, ed->len);
		ed->text[ed->len] = '\0';
	}
	return build_index(ed, warn, ctx, err);
}

/*
 * The file mapped (the original bytes, no copy of a big file) and parsed
 * from a copy of that mapping, so both views are of the same version.
 */
static int
open_mapped(struct am_mapedit *ed, const char *path, struct am_error *err)
{
	struct stat st;
	void *p;
	int fd, rc = -1;

	/* A FIFO or device at the map's path is refused, never waited on. */
	if (am_file_open_read(path, 0, &fd, &st, err) < 0)
		return -1;
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			am_error_set_errno(err, AM_E_IO, errno, "read %s",
			    path);
			goto out;
		}
		ed->text = p;
		ed->mapped_len = (size_t)st.st_size;
	}
	ed->is_file = true;
	ed->mode = st.st_mode;
	ed->uid = st.st_uid;
	ed->gid = st.st_gid;
	ed->mtime = st.st_mtim;
	/*
	 * A sparse index (one key) keeps almost nothing: it reads the
	 * mapping in place, a line at a time, instead of parsing a copy of
	 * the whole file.
	 */
	if (ed->only_fkey != NULL)
		rc = am_source_borrow_text(&ed->src, path, ed->text,
		    ed->mapped_len, err);
	else
		rc = am_source_from_text(&ed->src, path, ed->text ?
		    ed->text : "", ed->mapped_len, err);
out:
	close(fd);
	return rc;
}

int
am_mapedit_open(struct am_mapedit *ed, const char *path,
    enum am_map_kind kind, bool utf8, am_warn_fn *warn, void *ctx,
    struct am_error *err)
{
	memset(ed, 0, sizeof(*ed));
	if (open_mapped(ed, path, err) < 0 ||
	    finish_open(ed, kind, utf8, warn, ctx, err) < 0) {
		am_mapedit_free(ed);
		return -1;
	}
	return 0;
}

static int
start_sparse(struct am_mapedit *ed, bool utf8, const char *key,
    struct am_error *err)
{
	struct am_buf fb = AM_BUF_INIT;
	int rc = 0;

	memset(ed, 0, sizeof(*ed));
	ed->utf8 = utf8;
	if (fold(ed, key, &fb) < 0 || (ed->only_fkey = strdup(fb.data)) ==
	    NULL) {
		rc = am_error_set(err, AM_E_INVALID, "cannot case-fold "
		    "\"%s\": %s", key, am_fold_why(&ed->folder));
		am_fold_free(&ed->folder);
	}
	am_buf_free(&fb);
	return rc;
}

int
am_mapedit_open_key(struct am_mapedit *ed, const char *path,
    enum am_map_kind kind, bool utf8, const char *key, am_warn_fn *warn,
    void *ctx, struct am_error *err)
{
	if (start_sparse(ed, utf8, key, err) < 0)
		return -1;
	if (open_mapped(ed, path, err) < 0 ||
	    finish_open(ed, kind, utf8, warn, ctx, err) < 0) {
		am_mapedit_free(ed);
		return -1;
	}
	return 0;
}

int
am_mapedit_from_text_key(struct am_mapedit *ed, const char *name,
    const char *text, size_t len, enum am_map_kind kind, bool utf8,
    const char *key, am_warn_fn *warn, void *ctx, struct am_error *err)
{
	if (start_sparse(ed, utf8, key, err) < 0)
		return -1;
	/* Read in place during the open: finish_open() copies the text. */
	if (am_source_borrow_text(&ed->src, name, text, len, err) < 0 ||
	    finish_open(ed, kind, utf8, warn, ctx, err) < 0) {
		am_mapedit_free(ed);
		return -1;
	}
	return 0;
}

int
am_mapedit_from_text(struct am_mapedit *ed, const char *name,
    const char *text, size_t len, enum am_map_kind kind, bool utf8,
    am_warn_fn *warn, void *ctx, struct am_error *err)
{
	memset(ed, 0, sizeof(*ed));
	if (am_source_from_text(&ed->src, name, text, len, err) < 0)
		return -1;
	if (finish_open(ed, kind, utf8, warn, ctx, err) < 0) {
		am_mapedit_free(ed);
		return -1;
	}
	return 0;
}

void
am_mapedit_free(struct am_mapedit *ed)
{
	if (ed == NULL)
		return;
	am_arena_free(&ed->arena);
	free(ed->entries);
	free(ed->categories);
	free(ed->path);
	if (ed->mapped_len > 0)
		munmap(ed->text, ed->mapped_len);
	else
		free(ed->text);
	free(ed->only_fkey);
	am_source_close(&ed->src);
	am_fold_free(&ed->folder);
	memset(ed, 0, sizeof(*ed));
}

long
am_mapedit_find(struct am_mapedit *ed, const char *key, struct am_error *err)
{
	struct am_buf fb = AM_BUF_INIT;
	long found = -1;
	size_t i;

	if (fold(ed, key, &fb) < 0) {
		am_buf_free(&fb);
		am_error_set(err, AM_E_INVALID, "cannot case-fold \"%s\": %s",
		    key, am_fold_why(&ed->folder));
		return -2;
	}
	for (i = 0; i < ed->nentries; i++) {
		if (strcmp(ed->entries[i].fkey, fb.data) == 0) {
			found = (long)i;
			break;
		}
	}
	am_buf_free(&fb);
	return found;
}

int
am_mapedit_find_category(const struct am_mapedit *ed, const char *name)
{
	const char *p = name, *e;
	size_t i, n;

	/* Trimmed as header lines are (comment_name()): "Svc " is "Svc". */
	while (am_source_isspace((unsigned char)*p))
		p++;
	while (*p == '#')
		p++;
	while (am_source_isspace((unsigned char)*p))
		p++;
	for (e = p + strlen(p); e > p && am_source_isspace((unsigned char)e[-1]); e--)
		;
	n = (size_t)(e - p);
	for (i = 0; i < ed->ncategories; i++)
		if (strlen(ed->categories[i].name) == n &&
		    strncasecmp(ed->categories[i].name, p, n) == 0)
			return (int)i;
	return -1;
}

int
am_mapedit_category_list(const struct am_mapedit *ed, struct am_buf *out)
{
	size_t i;

	for (i = 0; i < ed->ncategories; i++)
		if (am_buf_printf(out, "%s\"%s\"", i ? ", " : "",
		    ed->categories[i].name) < 0)
			return -1;
	return 0;
}

size_t
am_mapedit_split_value(const char *value, char ***items)
{
	const char *p = value;
	char **v = NULL, **nv;
	size_t n = 0, len;

	*items = NULL;
	while (*p != '\0') {
		p += strspn(p, ", \t\r\n");
		if ((len = strcspn(p, ", \t\r\n")) == 0)
			break;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (nv[n] = strndup(p, len)) == NULL) {
			if (nv != NULL)
				v = nv;
			am_mapedit_free_split(v, n);
			return (size_t)-1;
		}
		v = nv;
		n++;
		p += len;
	}
	*items = v;
	return n;
}

void
am_mapedit_free_split(char **items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n && n != (size_t)-1; i++)
		free(items[i]);
	free(items);
}

/* Same destinations in the same order, whatever the separators. */
static int
same_value(const char *a, const char *b)
{
	char **va = NULL, **vb = NULL;
	size_t na, nb, i;
	int same;

	na = am_mapedit_split_value(a, &va);
	nb = am_mapedit_split_value(b, &vb);
	if (na == (size_t)-1 || nb == (size_t)-1) {
		same = -1;
		goto out;
	}
	same = na == nb;
	for (i = 0; same && i < na; i++)
		same = strcmp(va[i], vb[i]) == 0;
out:
	am_mapedit_free_split(va, na);
	am_mapedit_free_split(vb, nb);
	return same;
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * What goes between key and value in a new line: what the file's first
 * entry uses when that is a tab (the admin's layout), else one space
 * (": " in aliases).
 */
static const char *
separator(const struct am_mapedit *ed)
{
	const char *p = ed->text, *end = ed->text + ed->len;
	bool alias = ed->kind == AM_MAP_ALIASES;

	/* The first line that starts an entry: not blank, not a comment. */
	while (p != NULL && p < end && (*p == '#' || am_source_isspace(
	    (unsigned char)*p))) {
		if ((p = memchr(p, '\n', (size_t)(end - p))) != NULL)
			p++;
	}
	if (p == NULL || p >= end)
		return alias ? ": " : " ";
	/* Past the key as written: up to the first blank (or ':'). */
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
	    !(alias && *p == ':'))
		p++;
	if (alias)
		return p + 1 < end && *p == ':' && p[1] == '\t' ? ":\t" :
		    ": ";
	return p < end && *p == '\t' ? "\t" : " ";
}

/*
 * The line for key and value, refused unless Postfix reads back exactly
 * that key and those destinations from it.
 */
static int
make_line(struct am_mapedit *ed, const char *key, const char *value,
    struct am_buf *line, struct am_error *err)
{
	struct am_source src;
	struct am_source_line ll;
	struct am_source_entry pe;
	struct am_buf kb = AM_BUF_INIT, vb = AM_BUF_INIT;
	const char *pkey = NULL, *pval = NULL;
	size_t vlen = strlen(value);
	int rc = -1, n = 0, got;

	memset(&src, 0, sizeof(src));
	if (*key == '\0' || has_control(key) || has_control(value) ||
	    strpbrk(key, " \t\"\\") != NULL || key[0] == '#' ||
	    (ed->kind == AM_MAP_ALIASES && strchr(key, ':') != NULL))
		return am_error_set(err, AM_E_INVALID, "invalid key \"%s\": "
		    "whitespace, control characters, quotes, a leading '#'%s "
		    "are not allowed", key, ed->kind == AM_MAP_ALIASES ?
		    " or ':'" : "");
	if (vlen == 0 || am_source_isspace((unsigned char)value[0]) ||
	    am_source_isspace((unsigned char)value[vlen - 1]))
		return am_error_set(err, AM_E_INVALID, "invalid value \"%s\" "
		    "for \"%s\": empty, control characters or surrounding "
		    "whitespace", value, key);
	am_buf_reset(line);
	if (am_buf_printf(line, "%s%s%s", key, separator(ed), value) < 0)
		goto nomem;
	if (am_source_from_text(&src, "new entry", line->data, line->len,
	    err) < 0)
		goto out;
	while ((got = am_source_next(&src, &ll, no_warn, NULL)) > 0) {
		n++;
		/* With SMTPUTF8 postmap and postalias skip such a line. */
		if (ed->utf8 && !am_source_line_is_utf8(&ll))
			continue;
		if (ed->kind == AM_MAP_ALIASES) {
			if (am_source_parse_alias(&src, &ll, &kb, &vb, no_warn,
			    NULL, err) <= 0)
				continue;
			pkey = kb.data;
			pval = vb.data;
		} else if (am_source_parse_postmap(&src, &ll, &pe, no_warn,
		    NULL) > 0) {
			pkey = pe.key;
			pval = pe.value;
		}
	}
	if (got < 0)
		goto nomem;
	if (n != 1 || pkey == NULL || strcmp(pkey, key) != 0 ||
	    same_value(pval, value) != 1) {
		am_error_set(err, AM_E_INVALID, "\"%s\" would not be read "
		    "back as key \"%s\" with value \"%s\"", line->data, key,
		    value);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_source_close(&src);
	am_buf_free(&kb);
	am_buf_free(&vb);
	return rc;
}

/*
 * New text: old[0, from) + ins + old[to, len).  With ed->no_text only the
 * pieces are kept (am_mapedit_write writes them), sparing a copy of a big
 * file.
 */
static int
replace_range(const struct am_mapedit *ed, size_t from, size_t to,
    const struct am_buf *ins, struct am_mapedit_change *ch)
{
	ch->from = from;
	ch->to = to;
	am_buf_reset(&ch->ins);
	if (am_buf_add(&ch->ins, ins->data ? ins->data : "", ins->len) < 0)
		return -1;
	ch->pieces = true;
	am_buf_reset(&ch->text);
	if (ed->no_text)
		return 0;
	if (am_buf_reserve(&ch->text, ed->len - (to - from) + ins->len) < 0 ||
	    am_buf_add(&ch->text, ed->text, from) < 0 ||
	    am_buf_add(&ch->text, ins->data ? ins->data : "", ins->len) < 0 ||
	    am_buf_add(&ch->text, ed->text + to, ed->len - to) < 0)
		return -1;
	return 0;
}

static long
line_at(const char *text, size_t off)
{
	long n = 1;
	const char *p, *e;

	/* An empty buffer may have no storage at all (text NULL). */
	if (off == 0)
		return 1;
	p = text;
	e = text + off;
	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * line_at() of the file: counted from the nearest category header above
 * off, whose line the index knows, instead of from the top of a file of a
 * million lines.  (A header on the last line, without a newline, starts
 * no line after it: counted from the top.)
 */
static long
line_of(const struct am_mapedit *ed, size_t off)
{
	const struct am_mapedit_category *c;
	size_t i = ed->ncategories;

	while (i > 0 && ed->categories[i - 1].header_end > off)
		i--;
	if (i == 0 || ed->text[ed->categories[i - 1].header_end - 1] != '\n')
		return line_at(ed->text, off);
	c = &ed->categories[i - 1];
	return c->line + line_at(ed->text + c->header_end,
	    off - c->header_end);
}

/*
 * Text of a comment line (a note, a header): valid UTF-8 without control
 * characters, C1 (U+0080-U+009F) included, so that neither the file nor
 * a terminal that shows it is broken.
 */
static bool
comment_text_ok(const char *s)
{
	const unsigned char *p;

	if (!am_utf8_valid(s, strlen(s)) || has_control(s))
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
	return true;
}

/*
 * The name a new category's header line is read back as (blanks and
 * '#'s around it removed, as comment_name() does), so that the second
 * --new-category "Svc " finds the section the first one wrote.  A name
 * that starts with a date would be read as a note: refused.
 */
static int
new_category_name(struct am_mapedit *ed, const char *want, const char **name,
    struct am_error *err)
{
	const char *p = want, *e;

	while (am_source_isspace((unsigned char)*p))
		p++;
	while (*p == '#')
		p++;
	while (am_source_isspace((unsigned char)*p))
		p++;
	for (e = p + strlen(p); e > p && am_source_isspace((unsigned char)e[-1]); e--)
		;
	if (e == p)
		return am_error_set(err, AM_E_INVALID, "invalid category name "
		    "\"%s\": empty", want);
	if (starts_with_date(p, (size_t)(e - p)))
		return am_error_set(err, AM_E_INVALID, "invalid category name "
		    "\"%s\": a comment that starts with a date (YYYY-MM-DD) "
		    "is a note, not a category header", want);
	if ((*name = arena_copy(ed, p, (size_t)(e - p))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (!comment_text_ok(*name))
		return am_error_set(err, AM_E_INVALID, "invalid category name "
		    "\"%s\": control characters or invalid UTF-8", want);
	return 0;
}

static int
category_for_add(const struct am_mapedit *ed,
    const struct am_mapedit_add *add, int *cat, struct am_error *err)
{
	struct am_buf list = AM_BUF_INIT;
	const char *want = add->category;

	*cat = -1;
	if (add->no_categories)
		return 0;
	if (add->new_category != NULL) {
		*cat = am_mapedit_find_category(ed, add->new_category);
		return 0;
	}
	if (want == NULL && ed->ncategories == 0)
		return 0;
	if (want != NULL && (*cat = am_mapedit_find_category(ed, want)) >= 0)
		return 0;
	if (am_mapedit_category_list(ed, &list) < 0) {
		am_buf_free(&list);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (want == NULL)
		am_error_set(err, AM_E_USAGE, "%s has categories; name one "
		    "with --category (or --new-category): %s", ed->path,
		    list.data);
	else
		am_error_set(err, AM_E_USAGE, "%s: no category \"%s\"; "
		    "categories: %s", ed->path, want,
		    ed->ncategories ? list.data : "(none)");
	am_buf_free(&list);
	return -1;
}

static const char *
category_name(const struct am_mapedit *ed, int cat)
{
	return cat >= 0 && (size_t)cat < ed->ncategories ?
	    ed->categories[cat].name : NULL;
}

/*
 * Full index, sorted category: its first entry whose key sorts after
 * fkey (first + count when none does).  Sorted means never descending,
 * so a binary search finds it (a batch asks this thousands of times).
 */
static size_t
first_greater(const struct am_mapedit *ed,
    const struct am_mapedit_category *c, const char *fkey)
{
	size_t lo = c->first, hi = c->first + c->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ed->entries[mid].fkey, fkey) > 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Where a new entry of category cat goes. */
static size_t
insert_offset(const struct am_mapedit *ed, int cat, const char *fkey)
{
	const struct am_mapedit_category *c;
	size_t i;

	if (cat < 0)
		return ed->len;
	c = &ed->categories[cat];
	if (c->sorted && ed->only_fkey != NULL &&
	    strcmp(ed->only_fkey, fkey) == 0 && c->key_above != NO_OFFSET)
		return c->key_above;
	if (c->sorted && ed->only_fkey == NULL &&
	    (i = first_greater(ed, c, fkey)) < c->first + c->count)
		return ed->entries[i].above;
	return c->last_end;
}

/*
 * Where the first line after pos that Postfix reads as text starts with
 * whitespace (a stray continuation line after a header or comments): a
 * new entry at pos would take that line into its value.  Its offset, or
 * NO_OFFSET when there is none.
 */
static size_t
continuation_after(const struct am_mapedit *ed, size_t pos)
{
	const char *t = ed->text, *p;
	size_t end;

	while (pos < ed->len) {
		end = line_end(t, ed->len, pos);
		for (p = t + pos; p < t + end &&
		    am_source_isspace((unsigned char)*p); p++)
			;
		/* Blank and comment lines end nothing: look further. */
		if (p < t + end && *p != '#')
			return am_source_isspace((unsigned char)t[pos]) ?
			    pos : NO_OFFSET;
		pos = end;
	}
	return NO_OFFSET;
}

/*
 * A note written at pos directly under the header line of category cat
 * would be read as the header itself (the last comment of a block is the
 * header unless it starts with a date or the header is a "##" line), and
 * the category would change its name: refused.
 */
static int
note_keeps_header(const struct am_mapedit *ed, int cat, size_t pos,
    const char *note, struct am_error *err)
{
	const struct am_mapedit_category *c;
	size_t s;

	if (note == NULL || cat < 0 || starts_with_date(note, strlen(note)))
		return 0;
	c = &ed->categories[cat];
	if (c->header_end != pos || pos == 0)
		return 0;
	for (s = pos - 1; s > 0 && ed->text[s - 1] != '\n'; s--)
		;
	if (is_double_hash(ed->text, s, pos))
		return 0;
	return am_error_set(err, AM_E_INVALID, "note \"%s\" directly under "
	    "the header \"%s\" would be read as the category's name; start "
	    "it with a date (--date)", note, c->name);
}

/* The text of the note line above e ("# TEXT"), without "# " and EOL. */
static bool
note_text(const struct am_mapedit *ed, const struct am_mapedit_entry *e,
    const char **text, size_t *len)
{
	size_t from = am_mapedit_note(ed, e), end = e->start;

	if (from >= e->start)
		return false;
	while (end > from && (ed->text[end - 1] == '\n' ||
	    ed->text[end - 1] == '\r'))
		end--;
	while (from < end && am_source_isspace((unsigned char)ed->text[from]))
		from++;
	if (from < end && ed->text[from] == '#')
		from++;
	if (from < end && ed->text[from] == ' ')
		from++;
	*text = ed->text + from;
	*len = end - from;
	return true;
}

static bool
same_note(const struct am_mapedit *ed, const struct am_mapedit_entry *e,
    const char *note)
{
	const char *t;
	size_t n;

	return note_text(ed, e, &t, &n) && n == strlen(note) &&
	    memcmp(t, note, n) == 0;
}

/*
 * --replace into another category: the entry leaves its place (with its
 * note, unless a new one is given) and is added to the other category.
 * Done as a remove and an add on the text in between; the change is the
 * one range of the old text that differs from the result.
 */
static int
move_entry(struct am_mapedit *ed, const struct am_mapedit_add *add,
    long idx, struct am_mapedit_change *ch, struct am_error *err)
{
	const struct am_mapedit_entry *e = &ed->entries[idx];
	struct am_mapedit_change rm, ad;
	struct am_mapedit mid;
	struct am_mapedit_add a2 = *add;
	struct am_buf text = AM_BUF_INIT, note = AM_BUF_INIT,
	    ins = AM_BUF_INIT;
	const char *nt, *fin;
	size_t nlen, pre, suf, flen, max;
	bool have_mid = false;
	int rc = -1;

	memset(&rm, 0, sizeof(rm));
	memset(&ad, 0, sizeof(ad));
	if (a2.note == NULL && note_text(ed, e, &nt, &nlen)) {
		if (am_buf_add(&note, nt, nlen) < 0)
			goto nomem;
		a2.note = note.data;
	}
	if (am_mapedit_remove(ed, add->key, &rm, err) < 0)
		goto out;
	if (am_buf_add(&text, ed->text, rm.from) < 0 ||
	    am_buf_add(&text, rm.ins.data ? rm.ins.data : "", rm.ins.len) < 0 ||
	    am_buf_add(&text, ed->text + rm.to, ed->len - rm.to) < 0)
		goto nomem;
	if (am_mapedit_from_text_key(&mid, ed->path, text.data ? text.data :
	    "", text.len, ed->kind, ed->utf8, add->key, NULL, NULL, err) < 0)
		goto out;
	have_mid = true;
	a2.replace = false;
	if (am_mapedit_add(&mid, &a2, &ad, err) < 0)
		goto out;
	fin = ad.text.data ? ad.text.data : "";
	flen = ad.text.len;
	max = flen < ed->len ? flen : ed->len;
	for (pre = 0; pre < max && fin[pre] == ed->text[pre]; pre++)
		;
	for (suf = 0; suf < max - pre &&
	    fin[flen - 1 - suf] == ed->text[ed->len - 1 - suf]; suf++)
		;
	if (am_buf_add(&ins, fin + pre, flen - suf - pre) < 0 ||
	    replace_range(ed, pre, ed->len - suf, &ins, ch) < 0)
		goto nomem;
	ch->result = AM_MAPEDIT_REPLACED;
	ch->index = idx;
	ch->line = ad.line;
	ch->category_name = NULL;
	ch->category = -1;
	if (ad.category_name != NULL) {
		ch->category = am_mapedit_find_category(ed, ad.category_name);
		if ((ch->category_name = arena_copy(ed, ad.category_name,
		    strlen(ad.category_name))) == NULL)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_mapedit_change_free(&rm);
	am_mapedit_change_free(&ad);
	if (have_mid)
		am_mapedit_free(&mid);
	am_buf_free(&text);
	am_buf_free(&note);
	am_buf_free(&ins);
	return rc;
}

static int
add_replace(struct am_mapedit *ed, const struct am_mapedit_add *add,
    long idx, const struct am_buf *line, struct am_mapedit_change *ch,
    struct am_error *err)
{
	const struct am_mapedit_entry *e = &ed->entries[idx];
	struct am_buf ins = AM_BUF_INIT;
	size_t from = e->start;
	int rc = -1, want;

	ch->index = idx;
	ch->category = e->category;
	ch->category_name = category_name(ed, e->category);
	if (add->replace && !add->no_categories && (add->category != NULL ||
	    add->new_category != NULL)) {
		if (add->new_category != NULL)
			want = am_mapedit_find_category(ed, add->new_category);
		else if (category_for_add(ed, add, &want, err) < 0)
			return -1;
		if (want != e->category || want < 0)
			return move_entry(ed, add, idx, ch, err);
	}
	if (same_value(e->value, add->value) == 1 && (!add->replace ||
	    add->note == NULL || same_note(ed, e, add->note)))
		return 0;
	if (!add->replace)
		return am_error_set_at(err, AM_E_EXISTS_DIFFERENT, ed->path,
		    e->line, "\"%s\" exists with a different value \"%s\" "
		    "(use --replace to change it)", e->key, e->value);
	if (add->note != NULL) {
		from = am_mapedit_note(ed, e);
		if (note_keeps_header(ed, e->category, from, add->note,
		    err) < 0)
			return -1;
		if (am_buf_printf(&ins, "# %s%s", add->note, ed->eol) < 0)
			goto nomem;
	}
	if (am_buf_add(&ins, line->data, line->len) < 0 ||
	    (ed->text[e->end - 1] == '\n' && am_buf_adds(&ins, ed->eol) < 0))
		goto nomem;
	if (replace_range(ed, from, e->end, &ins, ch) < 0)
		goto nomem;
	ch->result = AM_MAPEDIT_REPLACED;
	ch->line = line_of(ed, from) + (add->note != NULL);
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_free(&ins);
	return rc;
}

int
am_mapedit_add(struct am_mapedit *ed, const struct am_mapedit_add *add,
    struct am_mapedit_change *ch, struct am_error *err)
{
	struct am_buf line = AM_BUF_INIT, ins = AM_BUF_INIT,
	    fb = AM_BUF_INIT;
	struct am_mapedit_add trimmed;
	bool at_eof, no_final_nl, new_section;
	size_t pos, cont;
	long idx;
	int cat, rc = -1;
	long lines_before;

	memset(ch, 0, sizeof(*ch));
	ch->index = -1;
	ch->category = -1;
	if (add->note != NULL && !comment_text_ok(add->note)) {
		am_error_set(err, AM_E_INVALID, "invalid note: control "
		    "characters (newline) or invalid UTF-8");
		goto out;
	}
	if (add->new_category != NULL && !add->no_categories) {
		trimmed = *add;
		if (new_category_name(ed, add->new_category,
		    &trimmed.new_category, err) < 0)
			goto out;
		add = &trimmed;
	}
	if (make_line(ed, add->key, add->value, &line, err) < 0)
		goto out;
	if ((idx = am_mapedit_find(ed, add->key, err)) < -1)
		goto out;
	if (idx >= 0) {
		rc = add_replace(ed, add, idx, &line, ch, err);
		goto out;
	}
	if (category_for_add(ed, add, &cat, err) < 0)
		goto out;
	if (fold(ed, add->key, &fb) < 0)
		goto nomem;
	/* Without categories (aliases) a new category means nothing. */
	new_section = add->new_category != NULL && !add->no_categories &&
	    cat < 0;
	pos = new_section ? ed->len : insert_offset(ed, cat, fb.data);
	if (add->note != NULL && (new_section ?
	    !starts_with_date(add->note, strlen(add->note)) :
	    note_keeps_header(ed, cat, pos, add->note, err) < 0)) {
		if (new_section)
			am_error_set(err, AM_E_INVALID, "note \"%s\" directly "
			    "under the new header \"%s\" would be read as the "
			    "category's name; start it with a date (--date)",
			    add->note, add->new_category);
		goto out;
	}
	if (!new_section && (cont = continuation_after(ed, pos)) !=
	    NO_OFFSET) {
		am_error_set(err, AM_E_INVALID, "%s, line %ld: this line "
		    "starts with whitespace: under a new \"%s\" Postfix would "
		    "read it as part of that entry; remove it (or join it to "
		    "its entry) first", ed->path, line_of(ed, cont),
		    add->key);
		goto out;
	}
	at_eof = pos == ed->len;
	no_final_nl = ed->len > 0 && ed->text[ed->len - 1] != '\n';
	/*
	 * End the last line with "\n" alone: a "\r" would join its text (an
	 * unterminated quote of an alias would hold it).
	 */
	if (at_eof && no_final_nl && am_buf_adds(&ins, "\n") < 0)
		goto nomem;
	if (new_section) {
		/* A blank line before the header, unless there is one. */
		if (ed->len > 0 && !(ed->len >= 2 && ed->text[ed->len - 1] ==
		    '\n' && (ed->text[ed->len - 2] == '\n' ||
		    (ed->len >= 3 && ed->text[ed->len - 2] == '\r' &&
		    ed->text[ed->len - 3] == '\n'))) &&
		    am_buf_adds(&ins, ed->eol) < 0)
			goto nomem;
		if (am_buf_printf(&ins, "# %s%s", add->new_category,
		    ed->eol) < 0)
			goto nomem;
	}
	if (add->note != NULL &&
	    am_buf_printf(&ins, "# %s%s", add->note, ed->eol) < 0)
		goto nomem;
	lines_before = line_at(ins.data, ins.len) - 1;
	if (am_buf_add(&ins, line.data, line.len) < 0 ||
	    (!(at_eof && no_final_nl) && am_buf_adds(&ins, ed->eol) < 0))
		goto nomem;
	if (replace_range(ed, pos, pos, &ins, ch) < 0)
		goto nomem;
	ch->result = AM_MAPEDIT_ADDED;
	ch->category = new_section ? -1 : cat;
	ch->category_name = new_section ? add->new_category :
	    category_name(ed, cat);
	ch->line = line_of(ed, pos) + lines_before;
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_free(&line);
	am_buf_free(&ins);
	am_buf_free(&fb);
	return rc;
}

int
am_mapedit_remove(struct am_mapedit *ed, const char *key,
    struct am_mapedit_change *ch, struct am_error *err)
{
	struct am_buf none = AM_BUF_INIT;
	const struct am_mapedit_entry *e;
	size_t from;
	long idx;

	memset(ch, 0, sizeof(*ch));
	ch->index = -1;
	ch->category = -1;
	if ((idx = am_mapedit_find(ed, key, err)) < -1)
		return -1;
	if (idx < 0)
		return 0;
	e = &ed->entries[idx];
	from = am_mapedit_note(ed, e);
	/* The last line had no newline: the one before loses its own. */
	if (e->end == ed->len && ed->text[ed->len - 1] != '\n' && from > 0) {
		from--;
		if (from > 0 && ed->text[from - 1] == '\r')
			from--;
	}
	if (replace_range(ed, from, e->end, &none, ch) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	ch->result = AM_MAPEDIT_REMOVED;
	ch->index = idx;
	ch->category = e->category;
	ch->category_name = category_name(ed, e->category);
	ch->line = e->line;
	return 0;
}

void
am_mapedit_change_free(struct am_mapedit_change *ch)
{
	if (ch == NULL)
		return;
	am_buf_free(&ch->text);
	am_buf_free(&ch->ins);
	memset(ch, 0, sizeof(*ch));
}

int
am_mapedit_diff(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, const char *label, struct am_buf *out,
    struct am_error *err)
{
	if (ch->result == AM_MAPEDIT_UNCHANGED)
		return 0;
	if (ed->no_text)
		return am_error_set(err, AM_E_INTERNAL, "no text to diff");
	return am_diff_text(ed->text, ed->len, ch->text.data, ch->text.len,
	    label, out, err);
}

static int
write_piece(struct am_atomic *af, const char *p, size_t len,
    struct am_error *err)
{
	return len == 0 ? 0 : am_atomic_write(af, p, len, err);
}

int
am_mapedit_render(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, struct am_buf *out,
    struct am_error *err)
{
	int rc;

	if (ch->result == AM_MAPEDIT_UNCHANGED)
		rc = am_buf_add(out, ed->text, ed->len);
	else if (ch->pieces)
		rc = am_buf_add(out, ed->text, ch->from) < 0 ||
		    am_buf_add(out, ch->ins.data, ch->ins.len) < 0 ||
		    am_buf_add(out, ed->text + ch->to, ed->len - ch->to) < 0 ?
		    -1 : 0;
	else
		rc = am_buf_add(out, ch->text.data, ch->text.len);
	if (rc < 0 || am_buf_reserve(out, 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

int
am_mapedit_write(const struct am_mapedit *ed,
    const struct am_mapedit_change *ch, struct am_error *err)
{
	struct am_atomic af;
	struct stat st;
	int rc;


	if (ch->result == AM_MAPEDIT_UNCHANGED)
		return 0;
	if (lstat(ed->path, &st) == 0 && S_ISLNK(st.st_mode))
		return am_error_set(err, AM_E_CANTCREAT, "%s is a symbolic "
		    "link: not replacing it with a file", ed->path);
	if (am_atomic_begin(&af, ed->path, err) < 0)
		return -1;
	af.mode = ed->mode & 07777;
	if (geteuid() == 0) {
		af.set_owner = true;
		af.uid = ed->uid;
		af.gid = ed->gid;
	}
	if (ch->pieces)
		rc = write_piece(&af, ed->text, ch->from, err) < 0 ||
		    write_piece(&af, ch->ins.data, ch->ins.len, err) < 0 ||
		    write_piece(&af, ed->text + ch->to, ed->len - ch->to,
		    err) < 0 ? -1 : 0;
	else
		rc = write_piece(&af, ch->text.data, ch->text.len, err);
	if (rc < 0 || am_atomic_commit(&af, err) < 0) {
		am_atomic_abort(&af);
		return -1;
	}
	return 0;
}

const char *
am_mapedit_list_sep(const struct am_mapedit *ed)
{
	const char *p = ed->text, *end = ed->text + ed->len, *c, *ls, *q;
	bool alias = ed->kind == AM_MAP_ALIASES;

	while (ed->len > 0 && p < end &&
	    (c = memchr(p, ',', (size_t)(end - p))) != NULL) {
		p = c + 1;
		for (ls = c; ls > ed->text && ls[-1] != '\n'; ls--)
			;
		for (q = ls; q < c && (*q == ' ' || *q == '\t'); q++)
			;
		/* A comment, or a quoted alias value: not a list. */
		if (*q == '#' || memchr(ls, '"', (size_t)(c - ls)) != NULL)
			continue;
		if (q == ls) {
			/* An entry's first line: past the key. */
			while (q < c && *q != ' ' && *q != '\t' &&
			    !(alias && *q == ':'))
				q++;
			if (q == c)
				continue;
		}
		return c + 1 < end && c[1] != ' ' && c[1] != '\t' &&
		    c[1] != '\r' && c[1] != '\n' ? "," : ", ";
	}
	return ", ";
}

/* Batches of new keys (am_mapedit_add_new). */

struct new_line {
	size_t pos;		/* where in the old text it goes */
	size_t order;		/* its add's place in the batch */
	const char *fkey;
	bool by_key;		/* a sorted category: ordered by key at pos */
	size_t from, len;	/* its bytes in the lines buffer */
};

static int
new_line_cmp(const void *a, const void *b)
{
	const struct new_line *x = a, *y = b;
	int c;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	/* Same place, same category: by key when it is sorted. */
	if (x->by_key && (c = strcmp(x->fkey, y->fkey)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The batch's folded keys: open addressing, for "is it in the file". */
struct key_set {
	const char **slot;
	size_t mask;
};

static size_t
key_hash(const char *s)
{
	size_t h = 14695981039346656037u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* 1 when fkey was there already, 0 when added. */
static int
key_set_add(struct key_set *ks, const char *fkey, bool add)
{
	size_t i = key_hash(fkey) & ks->mask;

	for (; ks->slot[i] != NULL; i = (i + 1) & ks->mask)
		if (strcmp(ks->slot[i], fkey) == 0)
			return 1;
	if (add)
		ks->slot[i] = fkey;
	return 0;
}

/*
 * Whether a new entry at pos in category c lands where the same add on
 * the text of the adds before it would put it: at the end of the
 * category, or directly above an entry line that has no comment of its
 * own (between such a comment and its entry the add would split them,
 * and the comment's reading as a note or header is what could change).
 */
static bool
plain_place(const struct am_mapedit *ed, const struct am_mapedit_category *c,
    size_t pos, const char *fkey)
{
	size_t i;

	if (pos == c->last_end)
		return true;
	i = first_greater(ed, c, fkey);
	return i < c->first + c->count && ed->entries[i].above == pos &&
	    ed->entries[i].start == pos;
}

/* Whether a comment line follows the last entry (or is all there is). */
static bool
comment_at_end(const struct am_mapedit *ed)
{
	size_t pos = ed->nentries > 0 ? ed->entries[ed->nentries - 1].end : 0;
	const char *p;

	while (pos < ed->len) {
		for (p = ed->text + pos; p < ed->text + ed->len &&
		    am_source_isspace((unsigned char)*p) && *p != '\n'; p++)
			;
		if (p < ed->text + ed->len && *p == '#')
			return true;
		pos = line_end(ed->text, ed->len, pos);
	}
	return false;
}

/*
 * Whether a new line with this value leaves the file's list separator
 * (am_mapedit_list_sep()) as it is, wherever it goes: its first comma
 * reads as that separator.  (A quote would hide the comma from it.)
 */
static bool
keeps_list_sep(const char *value, const char *sep)
{
	const char *c = strchr(value, ',');

	if (c == NULL)
		return true;
	if (strchr(value, '"') != NULL)
		return false;
	return strcmp(sep, c[1] != ' ' && c[1] != '\t' ? "," : ", ") == 0;
}

/*
 * One add of the batch: its line and place; 0 when it is not a plain add
 * of a new key (the batch then goes one by one).
 */
static int
plan_new_line(struct am_mapedit *ed, const struct am_mapedit_add *add,
    size_t order, struct key_set *ks, struct am_buf *lines,
    struct new_line *nl, const char **name, const char *sep,
    struct am_error *err)
{
	const struct am_mapedit_category *c = NULL;
	struct am_buf line = AM_BUF_INIT, fb = AM_BUF_INIT;
	struct am_error ignored;
	int cat, rc = 0;

	am_error_clear(&ignored);
	if (add->note != NULL || add->new_category != NULL ||
	    !keeps_list_sep(add->value, sep))
		goto out;
	if (make_line(ed, add->key, add->value, &line, &ignored) < 0 ||
	    fold(ed, add->key, &fb) < 0 ||
	    category_for_add(ed, add, &cat, &ignored) < 0)
		goto out;
	if (cat >= 0) {
		c = &ed->categories[cat];
		/* Fewer than two entries: sorted or not is still open. */
		if (c->count < 2)
			goto out;
	} else if (!add->no_categories && comment_at_end(ed)) {
		/*
		 * No categories yet, but a comment after the last entry
		 * would head the first new line as its category, and the
		 * next add without one would be refused.
		 */
		goto out;
	}
	memset(nl, 0, sizeof(*nl));
	nl->order = order;
	nl->pos = insert_offset(ed, cat, fb.data);
	nl->by_key = c != NULL && c->sorted;
	if ((c != NULL && c->sorted && !plain_place(ed, c, nl->pos,
	    fb.data)) || continuation_after(ed, nl->pos) != NO_OFFSET)
		goto out;
	if ((nl->fkey = arena_copy(ed, fb.data, fb.len)) == NULL)
		goto nomem;
	if (key_set_add(ks, nl->fkey, true))
		goto out;	/* twice in the batch */
	nl->from = lines->len;
	if (am_buf_add(lines, line.data, line.len) < 0 ||
	    am_buf_adds(lines, ed->eol) < 0)
		goto nomem;
	nl->len = lines->len - nl->from;
	*name = category_name(ed, cat);
	rc = 1;
	goto out;
nomem:
	rc = am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_free(&line);
	am_buf_free(&fb);
	return rc;
}

int
am_mapedit_add_new(struct am_mapedit *ed, const struct am_mapedit_add *adds,
    size_t n, struct am_buf *out, const char **names, const char **fkeys,
    struct am_error *err)
{
	struct new_line *nl = NULL;
	struct am_buf lines = AM_BUF_INIT;
	struct key_set ks = { NULL, 0 };
	const char *sep;
	size_t i, size = 16, pos = 0;
	int rc = -1, got;

	/* A full index, and a last line that ends. */
	if (ed->only_fkey != NULL || n == 0 ||
	    (ed->len > 0 && ed->text[ed->len - 1] != '\n'))
		return 0;
	sep = am_mapedit_list_sep(ed);
	while (size < 2 * n)
		size *= 2;
	ks.mask = size - 1;
	if ((ks.slot = calloc(size, sizeof(*ks.slot))) == NULL ||
	    (nl = calloc(n, sizeof(*nl))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((got = plan_new_line(ed, &adds[i], i, &ks, &lines, &nl[i],
		    &names[i], sep, err)) <= 0) {
			rc = got;
			goto out;
		}
		fkeys[i] = nl[i].fkey;
	}
	/* New keys only: one already in the file goes one by one. */
	for (i = 0; i < ed->nentries; i++)
		if (key_set_add(&ks, ed->entries[i].fkey, false)) {
			rc = 0;
			goto out;
		}
	qsort(nl, n, sizeof(*nl), new_line_cmp);
	am_buf_reset(out);
	if (am_buf_reserve(out, ed->len + lines.len) < 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (am_buf_add(out, ed->text + pos, nl[i].pos - pos) < 0 ||
		    am_buf_add(out, lines.data + nl[i].from, nl[i].len) < 0)
			goto nomem;
		pos = nl[i].pos;
	}
	if (am_buf_add(out, ed->text + pos, ed->len - pos) < 0)
		goto nomem;
	rc = 1;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	free(nl);
	free(ks.slot);
	am_buf_free(&lines);
	return rc;
}
