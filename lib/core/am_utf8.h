/*
 * am_utf8 - strict UTF-8 validation (RFC 3629) for keys, queries and
 * configuration text.  Case folding of keys is in am_fold.h.
 */
#ifndef AM_UTF8_H
#define AM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strict RFC 3629 UTF-8: no overlong forms, no surrogates, <= U+10FFFF. */
bool am_utf8_valid(const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t am_utf8_seqlen(const unsigned char *s, size_t avail);

bool am_utf8_is_ascii(const char *s, size_t len);

#endif
