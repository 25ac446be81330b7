#include "am_postfwd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_acct.h"

bool
am_postfwd_macro_valid(const char *macro)
{
	size_t len = strlen(macro);

	return len > 0 && len <= 64 && strspn(macro,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == len;
}

bool
am_postfwd_name_valid(const char *name)
{
	return am_acct_name_valid(name);
}

/* Line [p, eol) equals s, ignoring trailing blanks and CR. */
static bool
line_is(const char *p, const char *eol, const char *s)
{
	size_t slen = strlen(s);

	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' ||
	    eol[-1] == '\r'))
		eol--;
	return (size_t)(eol - p) == slen && memcmp(p, s, slen) == 0;
}

static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

int
am_postfwd_find_block(const char *text, size_t len, const char *file,
    struct am_postfwd_block *block, struct am_error *err)
{
	const char *p = text, *end = text + len, *eol;
	long lineno = 0;
	bool open = false;

	memset(block, 0, sizeof(*block));
	while (p < end) {
		eol = line_end(p, end);
		lineno++;
		if (line_is(p, eol, AM_POSTFWD_BEGIN)) {
			if (open || block->found)
				return am_error_set_at(err, AM_E_PARSE, file,
				    lineno, "second \"%s\" line",
				    AM_POSTFWD_BEGIN);
			open = true;
			block->start = (size_t)(p - text);
			block->begin_line = lineno;
		} else if (line_is(p, eol, AM_POSTFWD_END)) {
			if (!open)
				return am_error_set_at(err, AM_E_PARSE, file,
				    lineno, "\"%s\" without a begin line",
				    AM_POSTFWD_END);
			open = false;
			block->found = true;
			block->end = (size_t)(eol - text) + (eol < end);
			block->end_line = lineno;
		}
		p = eol + 1;
	}
	if (open)
		return am_error_set_at(err, AM_E_PARSE, file,
		    block->begin_line, "\"%s\" without an end line",
		    AM_POSTFWD_BEGIN);
	return 0;
}

int
am_postfwd_render(const char *macro, const char *const *names, size_t n,
    struct am_buf *out, struct am_error *err)
{
	size_t i;
	int rc = 0;

	if (!am_postfwd_macro_valid(macro))
		return am_error_set(err, AM_E_CONFIG, "invalid postfwd macro "
		    "name \"%s\"", macro);
	for (i = 0; i < n; i++)
		if (!am_postfwd_name_valid(names[i]))
			return am_error_set(err, AM_E_INVALID, "invalid login "
			    "name \"%s\" for postfwd", names[i]);
	rc |= am_buf_printf(out, "%s\n&&%s {\n", AM_POSTFWD_BEGIN, macro);
	/* An empty macro breaks the rules using it; no login is "-". */
	if (n == 0)
		rc |= am_buf_adds(out, "\tsasl_username==-;\n");
	for (i = 0; i < n; i++)
		rc |= am_buf_printf(out, "\tsasl_username==%s%s\n", names[i],
		    i + 1 == n ? ";" : "");
	rc |= am_buf_printf(out, "};\n%s\n", AM_POSTFWD_END);
	if (rc != 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

/* "&&MACRO {" at the start of a line (after blanks). */
static bool
defines(const char *p, const char *eol, const char *macro)
{
	size_t mlen = strlen(macro);

	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(eol - p) < mlen + 2 || p[0] != '&' || p[1] != '&' ||
	    memcmp(p + 2, macro, mlen) != 0)
		return false;
	p += 2 + mlen;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p < eol && *p == '{';
}

static bool
contains(const char *p, const char *eol, const char *s)
{
	size_t slen = strlen(s);

	for (; p + slen <= eol; p++)
		if (memcmp(p, s, slen) == 0)
			return true;
	return false;
}

/* Where --init puts the block: [*start, *stop) is replaced. */
static int
init_place(const char *text, size_t len, const char *file, const char *macro,
    size_t *start, size_t *stop, struct am_error *err)
{
	const char *p = text, *end = text + len, *eol, *q;
	char use[80];
	long lineno = 0;
	bool in_def = false, done = false;
	size_t first_use = len;

	snprintf(use, sizeof(use), "&&%s", macro);
	*start = *stop = len;
	while (p < end) {
		eol = line_end(p, end);
		lineno++;
		/* text need not be NUL-terminated: stay within the line. */
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			continue;
		if (!in_def && defines(p, eol, macro)) {
			if (done)
				return am_error_set_at(err, AM_E_PARSE, file,
				    lineno, "second definition of &&%s",
				    macro);
			in_def = true;
			*start = (size_t)(p - text);
		} else if (!in_def && (q == eol || *q != '#') &&
		    first_use == len &&
		    contains(p, eol, use)) {
			first_use = (size_t)(p - text);
		}
		if (in_def && contains(p, eol, "};")) {
			in_def = false;
			done = true;
			*stop = (size_t)(eol - text) + (eol < end);
		}
		p = eol + 1;
	}
	if (in_def)
		return am_error_set(err, AM_E_PARSE, "%s: definition of &&%s "
		    "has no end (\"};\")", file, macro);
	if (!done)
		*start = *stop = first_use;
	return 0;
}

int
am_postfwd_update(const char *text, size_t len, const char *file,
    const char *macro, const char *const *names, size_t n, bool init,
    struct am_buf *out, struct am_error *err)
{
	struct am_postfwd_block b;
	size_t start, stop;

	if (am_postfwd_find_block(text, len, file, &b, err) < 0)
		return -1;
	if (b.found) {
		start = b.start;
		stop = b.end;
	} else if (!init) {
		return am_error_set(err, AM_E_CONFIG, "%s has no \"%s\" block; "
		    "run \"archmail postfwd sync --init\" once", file,
		    AM_POSTFWD_BEGIN);
	} else if (init_place(text, len, file, macro, &start, &stop,
	    err) < 0) {
		return -1;
	}
	if (am_buf_add(out, text, start) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	/* Appending to a file without a final newline. */
	if (start == len && len > 0 && text[len - 1] != '\n' &&
	    am_buf_addc(out, '\n') < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (am_postfwd_render(macro, names, n, out, err) < 0)
		return -1;
	/* A marker line without a newline at the end of the file. */
	if (b.found && stop == len && len > 0 && text[len - 1] != '\n' &&
	    out->len > 0)
		out->data[--out->len] = '\0';
	if (am_buf_add(out, text + stop, len - stop) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

bool
am_postfwd_block_lists(const char *text, size_t len,
    const struct am_postfwd_block *block, const char *name)
{
	const char *p, *end, *eol, *q;
	size_t nlen = strlen(name);

	if (!block->found)
		return false;
	p = text + block->start;
	end = text + block->end;
	(void)len;
	while (p < end) {
		eol = line_end(p, end);
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			continue;
		if ((size_t)(eol - q) >= 15 + nlen &&
		    memcmp(q, "sasl_username==", 15) == 0 &&
		    memcmp(q + 15, name, nlen) == 0 &&
		    (q + 15 + nlen == eol || q[15 + nlen] == ';' ||
		    q[15 + nlen] == ' ' || q[15 + nlen] == '\t' ||
		    q[15 + nlen] == '\r'))
			return true;
		p = eol + 1;
	}
	return false;
}

int
am_postfwd_block_items(const char *text, size_t len,
    const struct am_postfwd_block *block, struct am_postfwd_item **items,
    size_t *n, struct am_error *err)
{
	struct am_postfwd_item *v;
	const char *p, *end, *eol, *q, *name;
	char buf[AM_ACCT_NAME_MAX + 2];
	size_t nlen;
	long lineno;

	*items = NULL;
	*n = 0;
	(void)len;
	if (!block->found)
		return 0;
	p = text + block->start;
	end = text + block->end;
	for (lineno = block->begin_line; p < end; lineno++, p = eol + 1) {
		eol = line_end(p, end);
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			continue;
		if ((size_t)(eol - q) < 15 ||
		    memcmp(q, "sasl_username==", 15) != 0)
			continue;
		name = q + 15;
		for (q = name; q < eol && *q != ';' && *q != ' ' &&
		    *q != '\t' && *q != '\r'; q++)
			continue;
		nlen = (size_t)(q - name);
		if (nlen == 0 || nlen >= sizeof(buf))
			continue;
		memcpy(buf, name, nlen);
		buf[nlen] = '\0';
		if (!am_postfwd_name_valid(buf))
			continue;
		if ((v = realloc(*items, (*n + 1) * sizeof(*v))) == NULL)
			goto nomem;
		*items = v;
		if ((v[*n].name = strdup(buf)) == NULL)
			goto nomem;
		v[(*n)++].line = lineno;
	}
	return 0;
nomem:
	am_postfwd_items_free(*items, *n);
	*items = NULL;
	*n = 0;
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

void
am_postfwd_items_free(struct am_postfwd_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i].name);
	free(items);
}
