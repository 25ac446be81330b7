/*
 * Account files (passwd, group, gshadow, shadow): the first byte picks the
 * kind, the rest is the file.  Oracle: parse then render gives back the
 * input bytes, and every line splits or fails cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_acct.h"
#include "am_buf.h"
#include "am_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_acct_file f;
	struct am_acct_entry e;
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;
	enum am_acct_kind kind;
	const char *text;
	size_t i, len, nlen;
	char *joined;

	if (size < 1)
		return 0;
	kind = data[0] % AM_ACCT_NKINDS;
	text = (const char *)data + 1;
	len = size - 1;
	am_error_clear(&err);
	if (am_acct_file_parse(&f, kind, "fuzz", text, len, &err) < 0)
		return 0;
	if (am_acct_file_render(&f, &out) < 0)
		abort();
	if (out.len != len || (len > 0 && memcmp(out.data, text, len) != 0))
		abort();
	for (i = 0; i < f.count; i++) {
		(void)am_acct_line_name(&f, i, &nlen);
		if (am_acct_entry_get(&f, i, &e, &err) < 0)
			continue;
		if (am_acct_entry_join(&e, &joined, &err) == 0)
			free(joined);
		am_acct_entry_free(&e);
	}
	(void)am_acct_check_duplicates(&f, &err);
	am_buf_free(&out);
	am_acct_file_free(&f);
	return 0;
}
