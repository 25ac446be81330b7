/*
 * am_buf - a growable byte buffer.
 *
 * The data is always NUL-terminated (one spare byte past len) so that it can
 * be handed to C string functions, but it may hold NUL bytes of its own.
 * Allocation failure is reported by a -1 return; am_buf_free() is NULL-safe
 * and leaves the buffer empty and reusable.
 */
#ifndef AM_BUF_H
#define AM_BUF_H

#include <stddef.h>

struct am_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define AM_BUF_INIT { NULL, 0, 0 }

int am_buf_reserve(struct am_buf *b, size_t extra);
int am_buf_add(struct am_buf *b, const void *data, size_t len);
int am_buf_addc(struct am_buf *b, int c);
int am_buf_adds(struct am_buf *b, const char *s);
int am_buf_printf(struct am_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void am_buf_reset(struct am_buf *b);
void am_buf_free(struct am_buf *b);
/* Overwrite the contents with zeros before freeing (secrets). */
void am_buf_wipe(struct am_buf *b);

#endif
