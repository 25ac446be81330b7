#include "am_fold.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ucasemap.h>
#include <unicode/uvernum.h>
#include <unicode/utypes.h>

void
am_fold_ascii(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + ('a' - 'A'));
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGH (ONES * 0x80)

/*
 * A byte >= 0x80, or one in 'A'-'Z': adding 0x3f (0x25) to a byte below
 * 0x80 sets its top bit exactly when it is >= 'A' (> 'Z'), and carries
 * into no other byte.
 */
static bool
word_needs_fold(uint64_t w)
{
	if ((w & HIGH) != 0)
		return true;
	return ((w + ONES * 0x3f) & ~(w + ONES * 0x25) & HIGH) != 0;
}

bool
am_fold_is_folded(const char *s, size_t len)
{
	uint64_t w;
	size_t i;

	for (i = 0; len - i >= 8; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		if (word_needs_fold(w))
			return false;
	}
	for (; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z'))
			return false;
	return true;
}

typedef UCaseMap *ucasemap_open_fn(const char *, uint32_t, UErrorCode *);
typedef int32_t ucasemap_fold_fn(const UCaseMap *, char *, int32_t,
    const char *, int32_t, UErrorCode *);
typedef void ucasemap_close_fn(UCaseMap *);

/* ICU's symbols carry its major version, as its headers rename them. */
#define AM_STR2(x) #x
#define AM_STR(x) AM_STR2(x)
#define ICU_LIBRARY "libicuuc.so." AM_STR(U_ICU_VERSION_MAJOR_NUM)

static int
folder_load(struct am_folder *f)
{
	UErrorCode status = U_ZERO_ERROR;
	ucasemap_open_fn *open_fn;

	if (f->csm != NULL)
		return 0;
	if (f->failed)
		return -1;
	f->failed = true;
	if ((f->icu = dlopen(ICU_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(f->why, sizeof(f->why), "cannot load ICU's %s "
		    "(for Unicode case folding): %s", ICU_LIBRARY, dlerror());
		return -1;
	}
	open_fn = (ucasemap_open_fn *)dlsym(f->icu, AM_STR(ucasemap_open));
	f->fold_fn = dlsym(f->icu, AM_STR(ucasemap_utf8FoldCase));
	f->close_fn = dlsym(f->icu, AM_STR(ucasemap_close));
	if (open_fn == NULL || f->fold_fn == NULL || f->close_fn == NULL) {
		snprintf(f->why, sizeof(f->why), "%s lacks the ucasemap "
		    "functions of ICU %d", ICU_LIBRARY, U_ICU_VERSION_MAJOR_NUM);
		return -1;
	}
	/* Case folding is locale-independent with U_FOLD_CASE_DEFAULT. */
	f->csm = open_fn("", U_FOLD_CASE_DEFAULT, &status);
	if (U_FAILURE(status) || f->csm == NULL) {
		snprintf(f->why, sizeof(f->why), "ICU ucasemap_open failed "
		    "(UErrorCode %d)", (int)status);
		f->csm = NULL;
		return -1;
	}
	f->failed = false;
	return 0;
}

void
am_fold_free(struct am_folder *f)
{
	if (f == NULL)
		return;
	if (f->csm != NULL)
		((ucasemap_close_fn *)f->close_fn)(f->csm);
	if (f->icu != NULL)
		dlclose(f->icu);
	memset(f, 0, sizeof(*f));
}

const char *
am_fold_why(const struct am_folder *f)
{
	return f->why[0] != '\0' ? f->why : "unknown ICU failure";
}

int
am_fold_utf8(struct am_folder *f, const char *key, size_t len,
    struct am_buf *out)
{
	UErrorCode status = U_ZERO_ERROR;
	ucasemap_fold_fn *fold;
	int32_t n;

	if (len > INT32_MAX / 4) {
		snprintf(f->why, sizeof(f->why), "key too long for ICU");
		return -1;
	}
	if (folder_load(f) < 0)
		return -1;
	fold = (ucasemap_fold_fn *)f->fold_fn;
	am_buf_reset(out);
	/* Full folding expands by at most 3x (e.g. U+0390 -> 3 code points). */
	if (am_buf_reserve(out, len * 3 + 4) < 0) {
		snprintf(f->why, sizeof(f->why), "out of memory");
		return -1;
	}
	n = fold(f->csm, out->data, (int32_t)(out->cap - 1), key,
	    (int32_t)len, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR) {
		status = U_ZERO_ERROR;
		if (am_buf_reserve(out, (size_t)n + 1) < 0) {
			snprintf(f->why, sizeof(f->why), "out of memory");
			return -1;
		}
		n = fold(f->csm, out->data, (int32_t)(out->cap - 1), key,
		    (int32_t)len, &status);
	}
	if (U_FAILURE(status)) {
		snprintf(f->why, sizeof(f->why), "ICU case folding failed "
		    "(UErrorCode %d)", (int)status);
		return -1;
	}
	out->len = (size_t)n;
	out->data[n] = '\0';
	return 0;
}

int
am_fold_key(struct am_folder *f, char *key, size_t len, bool utf8,
    struct am_buf *scratch, const char **result, size_t *result_len)
{
	unsigned char high = 0;
	size_t i;

	/* One pass: lower A-Z, and note whether any byte is not ASCII.  ICU's
	 * full folding maps A-Z the same way, so a non-ASCII key may be
	 * handed to it with its ASCII letters already lowered. */
	for (i = 0; i < len; i++) {
		high |= (unsigned char)key[i];
		if (key[i] >= 'A' && key[i] <= 'Z')
			key[i] = (char)(key[i] + ('a' - 'A'));
	}
	if (!utf8 || high < 0x80) {
		*result = key;
		*result_len = len;
		return 0;
	}
	if (am_fold_utf8(f, key, len, scratch) < 0)
		return -1;
	*result = scratch->data;
	*result_len = scratch->len;
	return 0;
}
