/*
 * Map sources: the postmap and postalias readers and the compiler, with
 * the map editor as a second parser of the same text.  The first byte
 * picks the kind and options; the rest is the file.
 *
 * Oracles: no sanitizer report; the same source compiled twice (a fresh
 * source and records each time) gives the same records; the editor's
 * entries lie inside the text, in order; an unchanged edit renders back
 * the same bytes; removing an entry the editor found yields a shorter
 * text.  fuzz_mapedit checks edits against the compiler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am_buf.h"
#include "am_compile.h"
#include "am_error.h"
#include "am_mapedit.h"
#include "am_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, const struct am_error *warning)
{
	(void)ctx;
	(void)warning;
}

static void
compile(const char *text, size_t len, uint8_t flags)
{
	struct am_source src, src2;
	struct am_records rs, rs2;
	struct am_compile_opts opts;
	struct am_error err;
	const struct am_record *a, *b;
	size_t i;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.kind = flags & 1 ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
	opts.fold = !(flags & 2);
	opts.utf8 = !(flags & 4);
	opts.nul = !(flags & 8);
	opts.dup = (flags >> 4) % 3;
	opts.strict = flags & 0x40;
	opts.alias_extras = opts.kind == AM_MAP_ALIASES && (flags & 0x80);
	opts.rhs_is_file = false;	/* would open the files named */
	opts.myhostname = "mx.example.org";
	opts.now = 1795618776;
	opts.warn = quiet;
	am_error_clear(&err);
	if (am_source_from_text(&src, "fuzz", text, len, &err) < 0)
		return;
	am_records_init(&rs);
	rc = am_compile_source(&rs, &src, &opts, &err);
	if (am_source_from_text(&src2, "fuzz", text, len, &err) < 0)
		abort();
	am_records_init(&rs2);
	if (am_compile_source(&rs2, &src2, &opts, &err) != rc)
		abort();
	if (rc == 0) {
		if (rs.count != rs2.count || rs.warnings != rs2.warnings)
			abort();
		for (i = 0; i < rs.count; i++) {
			a = &rs.rec[i];
			b = &rs2.rec[i];
			if (a->key_len != b->key_len ||
			    a->value_len != b->value_len || a->line != b->line ||
			    memcmp(a->key, b->key, a->key_len) != 0 ||
			    memcmp(a->value, b->value, a->value_len) != 0)
				abort();
			/* Sorted and unique, in LMDB's order. */
			if (i > 0 && am_record_compare(&rs.rec[i - 1], a) >= 0)
				abort();
		}
	}
	am_records_free(&rs2);
	am_source_close(&src2);
	am_records_free(&rs);
	am_source_close(&src);
}

static void
edit(const char *text, size_t len, uint8_t flags)
{
	struct am_mapedit ed;
	struct am_mapedit_change ch;
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;
	enum am_map_kind kind = flags & 1 ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
	size_t i, prev = 0;
	char *key;

	am_error_clear(&err);
	if (am_mapedit_from_text(&ed, "fuzz", text, len, kind, !(flags & 4),
	    quiet, NULL, &err) < 0)
		return;
	if (ed.len != len || memcmp(ed.text, text, len) != 0)
		abort();
	for (i = 0; i < ed.nentries; i++) {
		const struct am_mapedit_entry *e = &ed.entries[i];

		if (e->above > e->start || e->start >= e->end ||
		    e->end > len || e->start < prev)
			abort();
		prev = e->end;
	}
	memset(&ch, 0, sizeof(ch));
	ch.result = AM_MAPEDIT_UNCHANGED;
	if (am_mapedit_render(&ed, &ch, &out, &err) < 0)
		abort();
	if (out.len != len || (len > 0 && memcmp(out.data, text, len) != 0))
		abort();
	am_buf_free(&out);
	/* Remove the first entry's key: the change must be coherent. */
	if (ed.nentries > 0 && (key = strdup(ed.entries[0].key)) != NULL) {
		memset(&ch, 0, sizeof(ch));
		if (am_mapedit_remove(&ed, key, &ch, &err) == 0) {
			if (am_mapedit_render(&ed, &ch, &out, &err) < 0)
				abort();
			if (ch.result == AM_MAPEDIT_REMOVED && out.len >= len)
				abort();
			am_buf_free(&out);
		}
		am_mapedit_change_free(&ch);
		free(key);
	}
	am_mapedit_free(&ed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	compile((const char *)data + 1, size - 1, flags);
	edit((const char *)data + 1, size - 1, flags);
	return 0;
}
