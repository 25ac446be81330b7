/*
 * am_base64 - standard base64 (RFC 4648, with padding).
 */
#ifndef AM_BASE64_H
#define AM_BASE64_H

#include <stddef.h>

#include "am_buf.h"

int am_base64_encode(struct am_buf *out, const void *data, size_t len);
/* Strict decoding: 0, or -1 on any character outside the alphabet. */
int am_base64_decode(struct am_buf *out, const char *text, size_t len);

#endif
