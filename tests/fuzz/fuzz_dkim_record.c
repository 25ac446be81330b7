/*
 * Published DKIM TXT records: zone-file text, dig output, quoted strings,
 * the terraform line or a bare value (am_dkim_published_parse(), the
 * reader behind dkim check --record-file and check --zone).
 *
 * Oracles: no sanitizer report; the parsed pieces are consistent; and a
 * record whose key was usable is built again from that key, rendered in
 * each output format that carries the whole record (zone, txt, strings,
 * terraform, and a zone file line as dig prints it), and parsed back: the
 * same key, the same type, and it matches the key it was built from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "am_buf.h"
#include "am_dkim_key.h"
#include "am_dkim_record.h"
#include "am_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum am_dkim_output outputs[] = {
	AM_DKIM_OUT_ZONE, AM_DKIM_OUT_TXT, AM_DKIM_OUT_STRINGS,
	AM_DKIM_OUT_TERRAFORM, AM_DKIM_OUT_DNSKEY,
};

/* Render the record of p's key in every format and read it back. */
static void
round_trip(const struct am_dkim_published *p)
{
	struct am_dkim_key key = AM_DKIM_KEY_INIT;
	struct am_dkim_record rec;
	struct am_dkim_render_opts o = { "sel", "example.org", 3600, true };
	struct am_dkim_published q;
	struct am_buf text = AM_BUF_INIT;
	struct am_error err;
	size_t i;

	key.pkey = p->pkey;
	key.type = p->type;
	key.bits = p->bits;
	memset(&rec, 0, sizeof(rec));
	am_error_clear(&err);
	if (am_dkim_record_from_key(&rec, &key, &err) < 0)
		abort();
	for (i = 0; i <= sizeof(outputs) / sizeof(outputs[0]); i++) {
		am_buf_reset(&text);
		if (i < sizeof(outputs) / sizeof(outputs[0])) {
			if (am_dkim_record_render(&rec, outputs[i], &o, &text,
			    &err) < 0)
				abort();
		} else if (am_buf_printf(&text, ";; ANSWER SECTION:\n"
		    "sel._domainkey.example.org. 300 IN TXT \"%s\"\n",
		    rec.value) < 0)
			abort();
		memset(&q, 0, sizeof(q));
		if (am_dkim_published_parse(&q, text.data, text.len,
		    &err) < 0)
			abort();
		if (q.pkey == NULL || q.type != p->type ||
		    EVP_PKEY_eq(q.pkey, p->pkey) != 1 ||
		    !am_dkim_published_matches(&q, &key))
			abort();
		am_dkim_published_free(&q);
	}
	am_buf_free(&text);
	am_dkim_record_free(&rec);
}

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
		if (p.pkey != NULL)
			round_trip(&p);
	}
	am_dkim_published_free(&p);
	return 0;
}
