#include "am_compile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_arena.h"
#include "am_base64.h"
#include "am_fold.h"
#include "am_sort.h"
#include "am_utf8.h"

#define EXTRA_LINE AM_RECORD_EXTRA_LINE

void
am_records_init(struct am_records *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void
am_records_free(struct am_records *rs)
{
	if (rs == NULL)
		return;
	am_fold_free(&rs->folder);
	am_arena_free(&rs->arena);
	free(rs->rec);
	memset(rs, 0, sizeof(*rs));
}

/* Copy len bytes plus a NUL into storage that lives as long as rs. */
static char *
arena_copy(struct am_records *rs, const char *s, size_t len)
{
	return am_arena_copy(&rs->arena, s, len);
}

static int
add_record(struct am_records *rs, const char *key, size_t key_len,
    const char *value, size_t value_len, long line, struct am_error *err)
{
	struct am_record *r;
	size_t cap;

	if (rs->count == rs->cap) {
		cap = rs->cap ? rs->cap * 2 : 1024;
		if ((r = realloc(rs->rec, cap * sizeof(*r))) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		rs->rec = r;
		rs->cap = cap;
	}
	if (value_len > UINT32_MAX)
		return am_error_set(err, AM_E_INVALID, "value too large");
	r = &rs->rec[rs->count++];
	am_record_set_key(r, key, (uint32_t)key_len);
	r->value = value;
	r->value_len = (uint32_t)value_len;
	r->line = line;
	return 0;
}

static void
warn(struct am_records *rs, const struct am_compile_opts *o,
    const struct am_error *w)
{
	rs->warnings++;
	if (o->warn != NULL)
		o->warn(o->warn_ctx, w);
}

/* Warnings from the source reader count too (--strict). */
struct warn_relay {
	struct am_records *rs;
	const struct am_compile_opts *opts;
};

static void
relay_warning(void *ctx, const struct am_error *w)
{
	struct warn_relay *r = ctx;

	warn(r->rs, r->opts, w);
}

/*
 * postmap -F: the value lists files whose contents (joined by newlines)
 * are stored base64-encoded.  Names are separated by commas, spaces, tabs,
 * CR and LF only: a vertical tab or form feed is part of a name, as in
 * Postfix.
 */
#define FILE_LIST_SEPARATORS ", \t\r\n"

static int
files_to_base64(const char *list, struct am_buf *out, char *failed,
    size_t failed_size)
{
	struct am_buf content = AM_BUF_INIT, name = AM_BUF_INIT;
	const char *p = list;
	char chunk[65536];
	size_t n_name;
	ssize_t n;
	int fd, nfiles = 0, rc = -1;

	for (;;) {
		p += strspn(p, FILE_LIST_SEPARATORS);
		if (*p == '\0')
			break;
		n_name = strcspn(p, FILE_LIST_SEPARATORS);
		am_buf_reset(&name);
		if (am_buf_add(&name, p, n_name) < 0)
			goto nomem;
		p += n_name;
		if (nfiles++ > 0 && am_buf_addc(&content, '\n') < 0)
			goto nomem;
		if ((fd = open(name.data, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(failed, failed_size, "open %s: %s", name.data,
			    strerror(errno));
			goto out;
		}
		while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 ||
			    am_buf_add(&content, chunk, (size_t)n) < 0) {
				snprintf(failed, failed_size, "read %s: %s",
				    name.data,
				    strerror(n < 0 ? errno : ENOMEM));
				close(fd);
				goto out;
			}
		}
		close(fd);
	}
	if (nfiles == 0) {
		/* Postfix's wording, so that scripts matching it still do. */
		snprintf(failed, failed_size,
		    "empty pathname list: >>%.1000s<<'", list);
		goto out;
	}
	am_buf_reset(out);
	if (am_base64_encode(out, content.data ? content.data : "",
	    content.len) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(failed, failed_size, "out of memory");
out:
	am_buf_free(&content);
	am_buf_free(&name);
	return rc;
}

/* Show a line in a message the way Postfix does: C string, as is. */
static int
parse_line(struct am_records *rs, struct am_source *src,
    struct am_source_line *ll, const struct am_compile_opts *o,
    struct am_buf *kbuf, struct am_buf *vbuf, struct am_buf *fbuf,
    struct am_error *err)
{
	struct warn_relay relay = { rs, o };
	struct am_source_entry e;
	struct am_error w;
	char failed[1200];
	const char *key, *value;
	size_t key_len, value_len;
	bool in_place;
	int rc;

	if (o->utf8 && !am_source_line_is_utf8(ll)) {
		am_error_clear(&w);
		am_error_set_at(&w, AM_E_PARSE, src->path, ll->first_line,
		    "non-UTF-8 input \"%s\" -- ignoring this line", ll->text);
		warn(rs, o, &w);
		return 0;
	}
	if (o->kind == AM_MAP_POSTMAP) {
		if (am_source_parse_postmap(src, ll, &e, relay_warning,
		    &relay) == 0)
			return 0;
		key = e.key;
		key_len = e.key_len;
		value = e.value;
		value_len = e.value_len;
		/* Single-line entries point into the source text itself. */
		in_place = ll->text != src->joined.data;
	} else {
		rc = am_source_parse_alias(src, ll, kbuf, vbuf, relay_warning,
		    &relay, err);
		if (rc <= 0)
			return rc;
		key = kbuf->data;
		key_len = kbuf->len;
		value = vbuf->data;
		value_len = vbuf->len;
		in_place = false;
	}
	if (o->rhs_is_file) {
		if (files_to_base64(value, fbuf, failed,
		    sizeof(failed)) < 0) {
			am_error_clear(&w);
			am_error_set_at(&w, AM_E_PARSE, src->path,
			    ll->first_line, "%s: skipping this entry", failed);
			warn(rs, o, &w);
			return 0;
		}
		/* Folding the key below reuses fbuf: keep the value apart. */
		value_len = fbuf->len;
		if ((value = arena_copy(rs, fbuf->data, value_len)) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (o->fold) {
		if (in_place || o->kind == AM_MAP_ALIASES) {
			if (am_fold_key(&rs->folder, (char *)key, key_len,
			    o->utf8, fbuf, &key, &key_len) < 0)
				return am_error_set_at(err, AM_E_INVALID,
				    src->path, ll->first_line,
				    "cannot case-fold key \"%s\": %s", key,
				    am_fold_why(&rs->folder));
		} else {
			/* Joined text is reused for the next line: fold a copy
			 * below. */
			if ((key = arena_copy(rs, key, key_len)) == NULL)
				return am_error_set(err, AM_E_NOMEM,
				    "out of memory");
			if (am_fold_key(&rs->folder, (char *)key, key_len,
			    o->utf8, fbuf, &key, &key_len) < 0)
				return am_error_set_at(err, AM_E_INVALID,
				    src->path, ll->first_line,
				    "cannot case-fold key \"%s\": %s", key,
				    am_fold_why(&rs->folder));
		}
	}
	if (key_len + (o->nul ? 1 : 0) > AM_TABLE_MAX_KEY)
		return am_error_set_at(err, AM_E_KEY_TOO_LONG, src->path,
		    ll->first_line, "key of %zu bytes is longer than the %d "
		    "bytes LMDB allows: \"%.40s...\"", key_len,
		    AM_TABLE_MAX_KEY - (o->nul ? 1 : 0), key);
	if (key_len + (o->nul ? 1 : 0) == 0)
		return am_error_set_at(err, AM_E_INVALID, src->path,
		    ll->first_line, "empty key needs the NUL form (drop -n)");
	/* Anything not pointing into the source text must be copied. */
	if (key == fbuf->data || key == kbuf->data || key == src->joined.data)
		if ((key = arena_copy(rs, key, key_len)) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (value == vbuf->data || value == fbuf->data ||
	    (src->joined.data != NULL && value >= src->joined.data &&
	    value < src->joined.data + src->joined.cap))
		if ((value = arena_copy(rs, value, value_len)) == NULL)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (add_record(rs, key, key_len + (o->nul ? 1 : 0), value,
	    value_len + (o->nul ? 1 : 0), ll->first_line, err) < 0)
		return -1;
	return 1;
}

static int
compare_records(const void *a, const void *b)
{
	const struct am_record *ra = a, *rb = b;
	int c;

	if ((c = am_record_compare(ra, rb)) != 0)
		return c;
	return ra->line < rb->line ? -1 : ra->line > rb->line;
}

static int
compare_lines(const void *a, const void *b)
{
	const struct am_record *ra = a, *rb = b;

	return ra->line < rb->line ? -1 : ra->line > rb->line;
}

/*
 * Keep one record per key, as Postfix's duplicate rule says.  postalias's
 * own records ("@", YP_...) come after the source and follow the same
 * rule: a source entry with the same key wins unless -r, or with -i
 * (extras_win), where Postfix's records replace the source's.
 */
static int
resolve_duplicates(struct am_records *rs, struct am_source *src,
    const struct am_compile_opts *o, struct am_error *err)
{
	struct am_record *dups = NULL, *d;
	size_t ndups = 0, i, j, k, out = 0, keep;
	struct am_error w;
	int rc = -1;

	for (i = 0; i < rs->count; i = j) {
		for (j = i + 1; j < rs->count &&
		    am_record_compare(&rs->rec[i], &rs->rec[j]) == 0; j++)
			;
		keep = o->dup == AM_DUP_REPLACE ? j - 1 : i;
		/* postalias -i: its own record replaces the source's, and
		 * Postfix says nothing about it. */
		for (k = i; o->extras_win && j - i > 1 && k < j; k++)
			if (rs->rec[k].line >= EXTRA_LINE)
				break;
		if (o->extras_win && j - i > 1 && k < j) {
			rs->rec[out++] = rs->rec[k];
			continue;
		}
		if (j - i > 1 && o->dup == AM_DUP_WARN) {
			if ((d = realloc(dups, (ndups + j - i) *
			    sizeof(*d))) == NULL) {
				am_error_set(err, AM_E_NOMEM, "out of memory");
				goto out;
			}
			dups = d;
			memcpy(dups + ndups, rs->rec + i + 1,
			    (j - i - 1) * sizeof(*d));
			ndups += j - i - 1;
		}
		rs->rec[out++] = rs->rec[keep];
	}
	rs->count = out;
	if (ndups > 0)
		qsort(dups, ndups, sizeof(*dups), compare_lines);
	for (i = 0; i < ndups; i++) {
		am_error_clear(&w);
		if (dups[i].line >= EXTRA_LINE)
			am_error_set_at(&w, AM_E_PARSE, src->path, 0,
			    "duplicate entry: \"%s\": the source already has "
			    "the record that postalias adds", dups[i].key);
		else
			am_error_set_at(&w, AM_E_PARSE, src->path,
			    dups[i].line, "duplicate entry: \"%s\"",
			    dups[i].key);
		warn(rs, o, &w);
	}
	rc = 0;
out:
	free(dups);
	return rc;
}

/*
 * postalias appends "@" (sendmail's "database complete" marker) and the
 * NIS records, which Postfix stores without NUL and without folding.
 */
static int
add_alias_extras(struct am_records *rs, const struct am_compile_opts *o,
    struct am_error *err)
{
	char stamp[32];
	const char *host = o->myhostname ? o->myhostname : "localhost";
	const char *v;
	size_t nul = o->nul ? 1 : 0;

	if (add_record(rs, "@", 1 + nul, "@", 1 + nul, EXTRA_LINE, err) < 0)
		return -1;
	snprintf(stamp, sizeof(stamp), "%010lld", (long long)o->now);
	if ((v = arena_copy(rs, stamp, strlen(stamp))) == NULL ||
	    add_record(rs, "YP_LAST_MODIFIED", 16, v, strlen(v),
	    EXTRA_LINE + 1, err) < 0)
		goto nomem;
	if ((v = arena_copy(rs, host, strlen(host))) == NULL ||
	    add_record(rs, "YP_MASTER_NAME", 14, v, strlen(v),
	    EXTRA_LINE + 2, err) < 0)
		goto nomem;
	return 0;
nomem:
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

int
am_compile_source(struct am_records *rs, struct am_source *src,
    const struct am_compile_opts *opts, struct am_error *err)
{
	struct am_buf kbuf = AM_BUF_INIT, vbuf = AM_BUF_INIT;
	struct am_buf fbuf = AM_BUF_INIT;
	struct warn_relay relay = { rs, opts };
	struct am_source_line ll;
	int rc = -1, got;

	while ((got = am_source_next(src, &ll, relay_warning, &relay)) > 0) {
		if (parse_line(rs, src, &ll, opts, &kbuf, &vbuf, &fbuf,
		    err) < 0)
			goto out;
	}
	if (got < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (opts->alias_extras && add_alias_extras(rs, opts, err) < 0)
		goto out;
	if (am_sort_records(rs->rec, rs->count) < 0)
		qsort(rs->rec, rs->count, sizeof(*rs->rec), compare_records);
	if (resolve_duplicates(rs, src, opts, err) < 0)
		goto out;
	if (opts->strict && rs->warnings > 0) {
		am_error_set_at(err, AM_E_PARSE, src->path, 0,
		    "%zu warning%s with --strict: table not changed",
		    rs->warnings, rs->warnings == 1 ? "" : "s");
		goto out;
	}
	rc = 0;
out:
	am_buf_free(&kbuf);
	am_buf_free(&vbuf);
	am_buf_free(&fbuf);
	return rc;
}

int
am_compile_fold_query(struct am_folder *folder, const char *key, size_t len,
    bool fold, bool utf8, struct am_buf *out, struct am_error *err)
{
	struct am_buf scratch = AM_BUF_INIT;
	const char *res;
	size_t res_len;
	int rc = -1;

	am_buf_reset(out);
	if (am_buf_add(out, key, len) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto done;
	}
	/* Nothing to fold (almost every key): ASCII without capitals. */
	if (!fold || am_fold_is_folded(key, len)) {
		rc = 0;
		goto done;
	}
	if (am_fold_key(folder, out->data, len, utf8, &scratch, &res,
	    &res_len) < 0) {
		am_error_set(err, AM_E_INVALID, "cannot case-fold \"%s\": %s",
		    key, am_fold_why(folder));
		goto done;
	}
	if (res != out->data) {
		am_buf_reset(out);
		if (am_buf_add(out, res, res_len) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto done;
		}
	}
	rc = 0;
done:
	am_buf_free(&scratch);
	return rc;
}
