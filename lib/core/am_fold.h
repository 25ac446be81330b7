/*
 * am_fold - Postfix-compatible key folding.
 *
 * Postfix folds lookup keys before it stores or queries them; a table is
 * only usable when the writer folds exactly like the reader.  With
 * smtputf8_enable = yes Postfix uses ICU's default full case folding for
 * keys that are not pure ASCII, and ASCII lowercasing otherwise; with
 * smtputf8_enable = no (or postmap -u) only A-Z are lowered.  We use ICU
 * too, because a hand-written fold table would drift from the one in the
 * ICU that Postfix is linked with.
 *
 * ICU is loaded with dlopen() the first time a non-ASCII key is folded:
 * most tables and queries are ASCII, and not loading ICU (and the C++
 * runtime it pulls in) halves the start-up time of "postmap -q KEY".  The
 * loaded library lives in a struct am_folder owned by the caller.
 */
#ifndef AM_FOLD_H
#define AM_FOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"

/* Lowercase A-Z in place. */
void am_fold_ascii(char *s, size_t len);
/*
 * Whether s[0, len) folds to itself whatever the mode: ASCII without
 * capitals (almost every key, so it is checked eight bytes at a time).
 */
bool am_fold_is_folded(const char *s, size_t len);

struct am_folder {
	void *icu;		/* dlopen() handle, NULL until needed */
	void *csm;		/* UCaseMap */
	void *fold_fn;		/* ucasemap_utf8FoldCase */
	void *close_fn;		/* ucasemap_close */
	bool failed;		/* ICU could not be loaded: not tried again */
	char why[256];		/* the last failure, for messages */
};

#define AM_FOLDER_INIT { NULL, NULL, NULL, NULL, false, "" }

void am_fold_free(struct am_folder *f);
/*
 * Why the last am_fold_utf8() failed: "cannot load ICU's libicuuc.so.72:
 * <dlerror()>", a missing symbol, or ICU's error name.
 */
const char *am_fold_why(const struct am_folder *f);

/*
 * Fold key (len bytes, valid UTF-8) into out with ICU default case folding
 * (full folding: "ß" becomes "ss").  Returns 0, or -1 when ICU fails or
 * cannot be loaded.
 */
int am_fold_utf8(struct am_folder *f, const char *key, size_t len,
    struct am_buf *out);

/*
 * Fold like Postfix: utf8 selects ICU folding for non-ASCII keys.  ASCII
 * keys are folded in place and *result points into key; other keys are
 * folded into scratch and *result points there.
 */
int am_fold_key(struct am_folder *f, char *key, size_t len, bool utf8,
    struct am_buf *scratch, const char **result, size_t *result_len);

#endif
