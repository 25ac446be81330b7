/*
 * am_json - a small streaming JSON writer for --json output.
 *
 * Calls append to one buffer; the writer inserts commas itself.  Inside an
 * object every value takes a key; inside an array the key is NULL.
 * Strings are escaped as RFC 8259 requires; valid UTF-8 passes through and
 * each byte of an invalid sequence is written as \u00XX so the output stays
 * valid JSON whatever the input held.  A failed allocation is remembered
 * and reported by am_json_finish().
 */
#ifndef AM_JSON_H
#define AM_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"

#define AM_JSON_MAX_DEPTH 32

struct am_json {
	struct am_buf out;
	int depth;
	bool has_member[AM_JSON_MAX_DEPTH];
	bool failed;
};

void am_json_init(struct am_json *j);
void am_json_free(struct am_json *j);

void am_json_object_begin(struct am_json *j, const char *key);
void am_json_object_end(struct am_json *j);
void am_json_array_begin(struct am_json *j, const char *key);
void am_json_array_end(struct am_json *j);
void am_json_string(struct am_json *j, const char *key, const char *value);
void am_json_string_len(struct am_json *j, const char *key, const char *value,
    size_t len);
void am_json_bool(struct am_json *j, const char *key, bool value);
void am_json_int(struct am_json *j, const char *key, long long value);
void am_json_null(struct am_json *j, const char *key);

/* 0 and the finished text in j->out, or -1 (out of memory, unbalanced). */
int am_json_finish(struct am_json *j);

/* Append the JSON string literal for s to b; 0 or -1. */
int am_json_quote(struct am_buf *b, const char *s, size_t len);

#endif
