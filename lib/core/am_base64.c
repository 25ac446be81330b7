#include "am_base64.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
am_base64_encode(struct am_buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	char *o;
	size_t i;
	unsigned int v;

	if (am_buf_reserve(out, (len + 2) / 3 * 4) < 0)
		return -1;
	o = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < len) {
		v = (unsigned int)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned int)p[i + 1] << 8;
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

int
am_base64_decode(struct am_buf *out, const char *text, size_t len)
{
	unsigned int v = 0;
	size_t i, bits = 0, pad = 0;
	const char *c;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (text[i] == '=') {
			if (i + 2 < len || (i + 1 < len && text[i + 1] != '='))
				return -1;
			pad++;
			continue;
		}
		if (text[i] == '\0' || (c = strchr(alphabet, text[i])) == NULL)
			return -1;
		v = (v << 6) | (unsigned int)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (am_buf_addc(out, (int)((v >> bits) & 0xff)) < 0)
				return -1;
		}
	}
	(void)pad;
	return 0;
}
