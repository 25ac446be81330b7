/*
 * am_diff - the unified diff archmail shows for --dry-run and --check: of
 * two whole texts, with three lines of context, "--- LABEL" / "+++ LABEL"
 * headers, and nothing at all when the texts are equal.  Every command
 * that changes text files (maps, account files with the hashes redacted
 * by the caller, postfwd.cf, .forward) shows its plan through it.
 */
#ifndef AM_DIFF_H
#define AM_DIFF_H

#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"

/* Unified diff of two whole texts, appended to out. */
int am_diff_text(const char *old, size_t old_len, const char *new,
    size_t new_len, const char *label, struct am_buf *out,
    struct am_error *err);

#endif
