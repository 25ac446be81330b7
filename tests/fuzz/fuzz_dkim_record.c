/*
 * Published DKIM TXT records (zone-file text, quoted strings or a bare
 * value).  Oracle: no sanitizer report; the parsed pieces are consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_dkim_record.h"
#include "am_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_dkim_published p;
	struct am_error err;
	size_t i, total = 0;

	memset(&p, 0, sizeof(p));
	am_error_clear(&err);
	if (am_dkim_published_parse(&p, (const char *)data, size, &err) == 0) {
		for (i = 0; i < p.nstrings; i++)
			total += p.string_len[i];
		if (p.nstrings > 0 && p.value != NULL &&
		    strlen(p.value) > total)
			abort();
		(void)am_dkim_published_tag(&p, "p");
		(void)am_dkim_published_errors(&p);
		(void)am_dkim_published_check_owner(&p, "sel", "example.org",
		    &err);
	}
	am_dkim_published_free(&p);
	return 0;
}
