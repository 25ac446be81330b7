#include "am_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_file.h"
#include "am_tok822.h"
#include "am_utf8.h"

static int
source_init(struct am_source *src, const char *name, struct am_error *err)
{
	memset(src, 0, sizeof(*src));
	if ((src->path = strdup(name)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

/* Read all of fd into src (which takes over the buffer). */
static int
source_read(struct am_source *src, int fd, const char *name, size_t hint,
    struct am_error *err)
{
	struct am_buf b = AM_BUF_INIT;

	if (am_file_read_fd(fd, name, 0, 0, hint, &b, err) < 0)
		return -1;
	src->data = b.data;
	src->len = b.len;
	return 0;
}

static int
source_open(struct am_source *src, const char *path, bool regular_only,
    struct am_error *err)
{
	struct stat st;
	int fd = -1, rc = -1;

	if (source_init(src, path, err) < 0)
		return -1;
	if (regular_only) {
		if (am_file_open_read(path, 0, &fd, &st, err) < 0)
			goto out;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "open %s", path);
		goto out;
	} else if (fstat(fd, &st) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "stat %s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		am_error_set_errno(err, AM_E_NOINPUT, EISDIR, "open %s", path);
		goto out;
	}
	src->is_file = true;
	src->mode = st.st_mode;
	src->uid = st.st_uid;
	src->gid = st.st_gid;
	if (source_read(src, fd, path, S_ISREG(st.st_mode) ?
	    (size_t)st.st_size : 0, err) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		am_source_close(src);
	return rc;
}

int
am_source_open(struct am_source *src, const char *path, struct am_error *err)
{
	return source_open(src, path, false, err);
}

int
am_source_open_regular(struct am_source *src, const char *path,
    struct am_error *err)
{
	return source_open(src, path, true, err);
}

int
am_source_read_fd(struct am_source *src, int fd, const char *name,
    struct am_error *err)
{
	if (source_init(src, name, err) < 0)
		return -1;
	if (source_read(src, fd, name, 0, err) < 0) {
		am_source_close(src);
		return -1;
	}
	return 0;
}

int
am_source_from_text(struct am_source *src, const char *name,
    const char *text, size_t len, struct am_error *err)
{
	if (source_init(src, name, err) < 0)
		return -1;
	if ((src->data = malloc(len + 1)) == NULL) {
		am_source_close(src);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	/* An empty text may come as NULL: memcpy() must not see it. */
	if (len > 0)
		memcpy(src->data, text, len);
	src->data[len] = '\0';
	src->len = len;
	return 0;
}

int
am_source_borrow_text(struct am_source *src, const char *name,
    const char *text, size_t len, struct am_error *err)
{
	if (source_init(src, name, err) < 0)
		return -1;
	/* Never written through (am_source_next copies each line). */
	src->data = (char *)(text != NULL ? text : "");
	src->len = text != NULL ? len : 0;
	src->borrowed = true;
	return 0;
}

void
am_source_close(struct am_source *src)
{
	if (src == NULL)
		return;
	free(src->path);
	if (!src->borrowed)
		free(src->data);
	am_buf_free(&src->joined);
	am_tok822_free(&src->tokens);
	memset(src, 0, sizeof(*src));
}

static void warn_at(am_warn_fn *warn, void *ctx, const char *file, long line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
warn_at(am_warn_fn *warn, void *ctx, const char *file, long line,
    const char *fmt, ...)
{
	struct am_error w;
	char *whole;
	va_list ap;

	if (warn == NULL)
		return;
	am_error_clear(&w);
	am_error_set_at(&w, AM_E_PARSE, file, line, "%s", "");
	/* Whole, however long: Postfix quotes a long line in full. */
	va_start(ap, fmt);
	am_error_vset_warning(&w, &whole, fmt, ap);
	va_end(ap);
	warn(ctx, &w);
	free(whole);
}

/*
 * One logical line as Postfix's readllines() sees it.  Text is kept in
 * place when the entry is a single physical line (the common case, and the
 * reason the compiler is fast); continuations are joined in src->joined.
 * A borrowed text is never written: its single lines are copied unless
 * the caller takes them in place (view), which needs the '\n' after the
 * line as the end a scan stops at.
 */
static int
next_line(struct am_source *src, struct am_source_line *ll, am_warn_fn *warn,
    void *ctx, bool view)
{
	char *data = src->data;
	size_t len = src->len;
	char *single = NULL;	/* the only data line, while there is one */
	size_t single_len = 0;
	bool joined = false;
	size_t line_start, eol, next;
	const char *p;
	char preview[40];

again:
	single = NULL;
	joined = false;
	am_buf_reset(&src->joined);
	memset(ll, 0, sizeof(*ll));
	while (src->pos < len) {
		line_start = src->pos;
		p = memchr(data + line_start, '\n', len - line_start);
		eol = p ? (size_t)(p - data) : len;
		next = p ? eol + 1 : len;
		src->pos = next;
		src->lineno++;

		/* Comment and blank lines are skipped and end nothing. */
		for (p = data + line_start; p < data + eol &&
		    am_source_isspace(*p); p++)
			;
		if (p < data + eol && *p != '#') {
			if (single == NULL && !joined) {
				ll->first_line = src->lineno;
				ll->start = line_start;
				single = data + line_start;
				single_len = eol - line_start;
			} else {
				if (!joined) {
					if (am_buf_add(&src->joined, single,
					    single_len) < 0)
						return -1;
					joined = true;
				}
				if (am_buf_add(&src->joined, data + line_start,
				    eol - line_start) < 0)
					return -1;
			}
			ll->last_line = src->lineno;
			ll->end = next;
		}
		/* The next line continues this entry unless it starts text. */
		if ((single != NULL || joined) && (next >= len ||
		    (data[next] != '#' && !am_source_isspace(data[next]))))
			break;
	}
	if (single == NULL && !joined)
		return 0;
	if (joined) {
		ll->text = src->joined.data;
		ll->len = src->joined.len;
	} else {
		ll->text = single;
		ll->len = single_len;
		if (!src->borrowed)
			single[single_len] = '\0';	/* '\n' or final NUL */
		else if (view && single + single_len < data + len)
			ll->in_place = true;	/* ends at its '\n' */
		else if (am_source_line_own(src, ll) < 0)
			return -1;
	}
	if (am_source_isspace((unsigned char)ll->text[0])) {
		/* Postfix refuses these: they could extend a privileged entry. */
		snprintf(preview, sizeof(preview), "%.*s",
		    ll->len < 30 ? (int)ll->len : 30, ll->text);
		warn_at(warn, ctx, src->path, ll->first_line,
		    "logical line must not start with whitespace: \"%s%s\"",
		    preview, ll->len > 30 ? "..." : "");
		goto again;
	}
	return 1;
}

int
am_source_next(struct am_source *src, struct am_source_line *ll,
    am_warn_fn *warn, void *ctx)
{
	return next_line(src, ll, warn, ctx, false);
}

int
am_source_next_view(struct am_source *src, struct am_source_line *ll,
    am_warn_fn *warn, void *ctx)
{
	return next_line(src, ll, warn, ctx, true);
}

int
am_source_line_own(struct am_source *src, struct am_source_line *ll)
{
	const char *text = ll->text;

	if (text == src->joined.data)
		return 0;
	am_buf_reset(&src->joined);
	if (am_buf_add(&src->joined, text, ll->len) < 0)
		return -1;
	ll->text = src->joined.data;
	ll->in_place = false;
	return 0;
}

bool
am_source_line_is_utf8(const struct am_source_line *ll)
{
	size_t clen = strlen(ll->text);

	/*
	 * Postfix checks the whole line only when the text before a NUL is
	 * not all ASCII, and its allascii() says no for an empty text: a
	 * line that starts with a NUL is checked in full.
	 */
	if (clen > 0 && am_utf8_is_ascii(ll->text, clen))
		return true;
	return am_utf8_valid(ll->text, ll->len);
}

/*
 * The bytes the key scan stops at (the rest is skipped by a table lookup
 * each: a 1M-line file has some 30M key bytes).  Whitespace as
 * am_source_isspace() says, '"', '\\' and the NUL.  The byte at the end
 * of a logical line is one of them ('\n' in place, else the NUL), so the
 * inner loop needs no bound.
 */
static const unsigned char key_special[256] = {
	[0] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
	[' '] = 1, ['"'] = 1, ['\\'] = 1,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGH (ONES * 0x80)

/*
 * Whether none of eight bytes is one the key scan stops at: none below
 * '#' (0x23: the NUL, whitespace, ' ', '"', and a few harmless ones) and
 * no '\\'.  With the top bits cleared, adding 0x5d sets a byte's top bit
 * exactly when it is >= 0x23, carrying into no other byte; w ^ '\\' has
 * a zero byte where w has a '\\' (the classic has-zero test, exact for
 * the word as a whole).
 */
static bool
word_is_plain(uint64_t w)
{
	uint64_t below = ~(w | ((w & ~HIGH) + ONES * 0x5d)) & HIGH;
	uint64_t bs = w ^ (ONES * '\\');

	return (below | ((bs - ONES) & ~bs & HIGH)) == 0;
}

/*
 * The first byte at or after p that the key scan looks at: eight bytes at
 * a time while they lie before end, then the table up to the byte at end
 * (one of key_special, see above).
 */
static const char *
skip_plain(const char *p, const char *end)
{
	uint64_t w;

	while (end - p >= 8) {
		memcpy(&w, p, sizeof(w));
		if (!word_is_plain(w))
			break;
		p += 8;
	}
	while (!key_special[(unsigned char)*p])
		p++;
	return p;
}

/*
 * The key ends at whitespace outside quotes and not after '\\'; the text
 * ends at end or at a NUL, whichever comes first.
 */
static const char *
postmap_key_end(const char *key, const char *end, bool *in_quotes)
{
	const char *p;

	*in_quotes = false;
	for (p = key; p < end; p++) {
		p = skip_plain(p, end);
		if (p >= end || *p == '\0')
			break;
		if (*p == '\\') {
			if (p + 1 >= end || p[1] == '\0') {
				p++;
				break;
			}
			p++;
		} else if (*p == '"') {
			*in_quotes = !*in_quotes;
		} else if (!*in_quotes &&
		    am_source_isspace((unsigned char)*p)) {
			break;
		}
	}
	return p < end ? p : end;
}

int
am_source_postmap_key(const struct am_source_line *ll, size_t *key_len)
{
	const char *text = ll->text, *tend = ll->text + ll->len;
	const char *end, *value;
	bool in_quotes;

	end = postmap_key_end(text, tend, &in_quotes);
	if (in_quotes)
		return 0;
	/* As am_source_parse_postmap(): one separator, then blanks. */
	value = end < tend && *end != '\0' ? end + 1 : end;
	while (value < tend && am_source_isspace((unsigned char)*value))
		value++;
	if (end == text || value == tend || *value == '\0')
		return 0;
	*key_len = (size_t)(end - text);
	return 1;
}

int
am_source_parse_postmap(const struct am_source *src, struct am_source_line *ll,
    struct am_source_entry *entry, am_warn_fn *warn, void *ctx)
{
	char *key = ll->text;
	char *p, *value, *end;
	bool in_quotes;

	p = key + (postmap_key_end(key, key + ll->len, &in_quotes) - key);
	if (in_quotes) {
		warn_at(warn, ctx, src->path, ll->first_line,
		    "unbalanced '\"' in '%s' -- ignoring this line", key);
		return 0;
	}
	entry->key_len = (size_t)(p - key);
	value = p;
	if (*value != '\0')
		*value++ = '\0';
	while (am_source_isspace((unsigned char)*value))
		value++;
	end = value + strlen(value);
	while (end > value && am_source_isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (*key == '\0' || *value == '\0') {
		warn_at(warn, ctx, src->path, ll->first_line,
		    "expected format: key whitespace value");
		return 0;
	}
	entry->key = key;
	if (key[entry->key_len - 1] == ':')
		warn_at(warn, ctx, src->path, ll->first_line,
		    "record is in \"key: value\" format; is this an alias "
		    "file?");
	entry->value = value;
	entry->value_len = (size_t)(end - value);
	entry->line = ll->first_line;
	return 1;
}

int
am_source_parse_alias(struct am_source *src, struct am_source_line *ll,
    struct am_buf *key, struct am_buf *value, am_warn_fn *warn, void *ctx,
    struct am_error *err)
{
	/* The source keeps the token list: no allocation per line. */
	struct am_tok822_list toks = src->tokens;
	size_t colon, i;
	int rc = -1;

	am_tok822_reset(&toks);
	if (am_tok822_scan(&toks, ll->text) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
	if (toks.count == 0)
		goto out;
	for (colon = 0; colon < toks.count; colon++)
		if (toks.tok[colon].type == ':')
			break;
	if (colon == toks.count || colon == 0 || colon + 1 == toks.count) {
		warn_at(warn, ctx, src->path, ll->first_line,
		    "need name:value pair");
		goto out;
	}
	for (i = 0; i < colon; i++) {
		if (toks.tok[i].type == ',') {
			warn_at(warn, ctx, src->path, ll->first_line,
			    "need name:value pair");
			goto out;
		}
	}
	for (i = 0; i < colon; i++) {
		if (toks.tok[i].type == '@' || toks.tok[i].type == '%') {
			warn_at(warn, ctx, src->path, ll->first_line,
			    "name must be local");
			goto out;
		}
	}
	am_buf_reset(key);
	am_buf_reset(value);
	if (am_tok822_internalize(&toks, 0, colon, key) < 0 ||
	    am_tok822_externalize(&toks, colon + 1, toks.count, value) < 0) {
		rc = am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 1;
out:
	src->tokens = toks;
	return rc;
}
