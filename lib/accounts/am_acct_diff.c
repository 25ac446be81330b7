/* The diff of an account file, hashes hidden (am_acct_diff.h). */
#include "am_acct_diff.h"

#include <string.h>

#include "am_diff.h"

/*
 * Line i of an account file with its password field hidden: "<hash>" for
 * a line as read, "<new hash>" for a line this run wrote (so that a
 * changed hash still shows as a changed line).
 */
static int
redact_line(const struct am_acct_file *f, size_t i, struct am_buf *out)
{
	const struct am_acct_line *l = &f->line[i];
	const char *c1, *c2, *end = l->text + l->len;
	bool fresh = l->owned || l->lineno == 0;

	c1 = memchr(l->text, ':', l->len);
	c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (c2 == NULL || l->name_len == 0 || c2 - c1 == 1)
		return am_buf_add(out, l->text, l->len);
	if (am_buf_add(out, l->text, (size_t)(c1 - l->text + 1)) < 0 ||
	    am_buf_adds(out, c1[1] == '!' ? "!" : "") < 0 ||
	    am_buf_adds(out, fresh ? "<new hash>" : "<hash>") < 0)
		return -1;
	return am_buf_add(out, c2, (size_t)(end - c2));
}

/* The file as read, every password field hidden. */
static int
redact_orig(const struct am_acct_file *f, struct am_buf *out)
{
	struct am_acct_file copy;
	struct am_error ignored;
	size_t i;
	int rc = -1;

	am_error_clear(&ignored);
	if (am_acct_file_parse(&copy, f->kind, f->path, f->orig, f->orig_len,
	    &ignored) < 0)
		return -1;
	for (i = 0; i < copy.count; i++)
		if (redact_line(&copy, i, out) < 0 || ((i + 1 < copy.count ||
		    copy.final_newline) && am_buf_addc(out, '\n') < 0))
			goto out;
	rc = 0;
out:
	am_acct_file_free(&copy);
	return rc;
}

int
am_acct_diff(const struct am_acct_file *f, struct am_buf *out,
    struct am_error *err)
{
	struct am_buf now = AM_BUF_INIT, a = AM_BUF_INIT, b = AM_BUF_INIT;
	bool secret = f->kind == AM_ACCT_SHADOW || f->kind == AM_ACCT_GSHADOW;
	size_t i;
	int rc = -1;

	if (!f->changed)
		return 0;
	if (!secret) {
		if (am_acct_file_render(f, &now) < 0)
			goto nomem;
		rc = am_diff_text(f->orig, f->orig_len, now.data ? now.data :
		    "", now.len, f->path, out, err);
		goto out;
	}
	if (redact_orig(f, &a) < 0)
		goto nomem;
	for (i = 0; i < f->count; i++)
		if (redact_line(f, i, &b) < 0 || ((i + 1 < f->count ||
		    f->final_newline) && am_buf_addc(&b, '\n') < 0))
			goto nomem;
	rc = am_diff_text(a.data ? a.data : "", a.len, b.data ? b.data : "",
	    b.len, f->path, out, err);
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	am_buf_wipe(&now);
	am_buf_wipe(&a);
	am_buf_wipe(&b);
	return rc;
}
