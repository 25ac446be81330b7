/*
 * DKIM private keys in every form am_dkim_key_decode() reads.  Oracle: a
 * key that decodes is encoded in each format its type allows, decoded
 * again (same type, bits, the same key, and the same encoding once more).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "am_buf.h"
#include "am_dkim_key.h"
#include "am_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum am_dkim_key_format formats[] = {
	AM_DKIM_KEY_PEM, AM_DKIM_KEY_PKCS1, AM_DKIM_KEY_DER,
	AM_DKIM_KEY_RSPAMD,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dkim_key key = AM_DKIM_KEY_INIT, back = AM_DKIM_KEY_INIT;
	struct am_buf enc = AM_BUF_INIT, enc2 = AM_BUF_INIT;
	struct am_error err;
	size_t i;

	am_error_clear(&err);
	if (am_dkim_key_decode(&key, data, size, &err) < 0)
		return 0;
	if (key.pkey == NULL || key.format == AM_DKIM_KEY_UNKNOWN)
		abort();
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (am_dkim_key_format_check(key.type, formats[i], &err) < 0)
			continue;
		enc.len = enc2.len = 0;
		if (am_dkim_key_encode(&key, formats[i], &enc, &err) < 0)
			abort();
		if (am_dkim_key_decode(&back, enc.data, enc.len, &err) < 0)
			abort();
		if (back.type != key.type || back.bits != key.bits ||
		    EVP_PKEY_eq(back.pkey, key.pkey) != 1)
			abort();
		if (am_dkim_key_encode(&back, formats[i], &enc2, &err) < 0)
			abort();
		if (enc2.len != enc.len ||
		    memcmp(enc2.data, enc.data, enc.len) != 0)
			abort();
		am_dkim_key_free(&back);
	}
	am_buf_free(&enc);
	am_buf_free(&enc2);
	am_dkim_key_free(&key);
	return 0;
}
