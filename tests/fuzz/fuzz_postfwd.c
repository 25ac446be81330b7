/*
 * postfwd.cf: locate the archmail block and rewrite it.  Oracles: the
 * block lies inside the text; the update keeps the bytes before and after
 * the block; updating the result again with the same names changes
 * nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_postfwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "relay1", "alice.b" };
	struct am_postfwd_block block;
	struct am_buf out = AM_BUF_INIT, again = AM_BUF_INIT;
	struct am_error err;
	const char *text = (const char *)data;
	size_t n;

	if (size < 1)
		return 0;
	n = data[0] % 3;
	am_error_clear(&err);
	if (am_postfwd_find_block(text, size, "fuzz", &block, &err) == 0 &&
	    block.found) {
		if (block.start > block.end || block.end > size)
			abort();
		(void)am_postfwd_block_lists(text, size, &block, "relay1");
	}
	if (am_postfwd_update(text, size, "fuzz", "SASL_RELAY", names, n,
	    true, &out, &err) == 0) {
		if (am_postfwd_update(out.data, out.len, "fuzz", "SASL_RELAY",
		    names, n, false, &again, &err) < 0)
			abort();
		if (again.len != out.len ||
		    memcmp(again.data, out.data, out.len) != 0)
			abort();
	}
	am_buf_free(&out);
	am_buf_free(&again);
	return 0;
}
