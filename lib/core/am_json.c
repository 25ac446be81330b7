#include "am_json.h"

#include <stdio.h>
#include <string.h>

#include "am_utf8.h"

void
am_json_init(struct am_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
am_json_free(struct am_json *j)
{
	if (j == NULL)
		return;
	am_buf_free(&j->out);
}

int
am_json_quote(struct am_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	size_t n;
	int rc = 0;

	rc |= am_buf_addc(b, '"');
	while (p < end && rc == 0) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			rc |= am_buf_addc(b, '\\');
			rc |= am_buf_addc(b, c);
			p++;
		} else if (c == '\n') {
			rc |= am_buf_adds(b, "\\n");
			p++;
		} else if (c == '\t') {
			rc |= am_buf_adds(b, "\\t");
			p++;
		} else if (c == '\r') {
			rc |= am_buf_adds(b, "\\r");
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			rc |= am_buf_printf(b, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			rc |= am_buf_addc(b, c);
			p++;
		} else if ((n = am_utf8_seqlen(p, (size_t)(end - p))) > 0) {
			rc |= am_buf_add(b, p, n);
			p += n;
		} else {
			rc |= am_buf_printf(b, "\\u%04x", c);
			p++;
		}
	}
	rc |= am_buf_addc(b, '"');
	return rc ? -1 : 0;
}

/* Comma and "key": before a value, as the enclosing container needs. */
static void
member(struct am_json *j, const char *key)
{
	int rc = 0;

	if (j->depth > 0) {
		if (j->has_member[j->depth - 1])
			rc |= am_buf_addc(&j->out, ',');
		j->has_member[j->depth - 1] = true;
	}
	if (key != NULL) {
		rc |= am_json_quote(&j->out, key, strlen(key));
		rc |= am_buf_addc(&j->out, ':');
	}
	if (rc)
		j->failed = true;
}

static void
open_container(struct am_json *j, const char *key, char c)
{
	member(j, key);
	if (j->depth >= AM_JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	if (am_buf_addc(&j->out, c) < 0)
		j->failed = true;
	j->has_member[j->depth++] = false;
}

static void
close_container(struct am_json *j, char c)
{
	if (j->depth <= 0) {
		j->failed = true;
		return;
	}
	j->depth--;
	if (am_buf_addc(&j->out, c) < 0)
		j->failed = true;
}

void
am_json_object_begin(struct am_json *j, const char *key)
{
	open_container(j, key, '{');
}

void
am_json_object_end(struct am_json *j)
{
	close_container(j, '}');
}

void
am_json_array_begin(struct am_json *j, const char *key)
{
	open_container(j, key, '[');
}

void
am_json_array_end(struct am_json *j)
{
	close_container(j, ']');
}

void
am_json_string_len(struct am_json *j, const char *key, const char *value,
    size_t len)
{
	member(j, key);
	if (am_json_quote(&j->out, value, len) < 0)
		j->failed = true;
}

void
am_json_string(struct am_json *j, const char *key, const char *value)
{
	if (value == NULL) {
		am_json_null(j, key);
		return;
	}
	am_json_string_len(j, key, value, strlen(value));
}

void
am_json_bool(struct am_json *j, const char *key, bool value)
{
	member(j, key);
	if (am_buf_adds(&j->out, value ? "true" : "false") < 0)
		j->failed = true;
}

void
am_json_int(struct am_json *j, const char *key, long long value)
{
	member(j, key);
	if (am_buf_printf(&j->out, "%lld", value) < 0)
		j->failed = true;
}

void
am_json_null(struct am_json *j, const char *key)
{
	member(j, key);
	if (am_buf_adds(&j->out, "null") < 0)
		j->failed = true;
}

int
am_json_finish(struct am_json *j)
{
	if (j->failed || j->depth != 0)
		return -1;
	if (am_buf_addc(&j->out, '\n') < 0)
		return -1;
	return 0;
}
