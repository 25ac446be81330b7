#include "am_check_fix.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int
am_check_quote(struct am_buf *out, const char *word)
{
	const char *p;

	if (word[0] != '\0' && strspn(word, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@+=,%-") == strlen(word))
		return am_buf_add(out, word, strlen(word));
	if (am_buf_add(out, "'", 1) < 0)
		return -1;
	for (p = word; *p != '\0'; p++) {
		/* A quote ends the quoted run, is escaped, and one restarts. */
		if (*p == '\'' ? am_buf_add(out, "'\\''", 4) < 0 :
		    am_buf_add(out, p, 1) < 0)
			return -1;
	}
	return am_buf_add(out, "'", 1);
}

static char *
format(struct am_buf *b, const char *fmt, va_list ap)
{
	const char *p, *arg;

	for (p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && (p[1] == 'Q' || p[1] == 's')) {
			arg = va_arg(ap, const char *);
			if ((p[1] == 'Q' ? am_check_quote(b, arg) :
			    am_buf_add(b, arg, strlen(arg))) < 0)
				goto nomem;
			p++;
		} else if (am_buf_add(b, p, 1) < 0) {
			goto nomem;
		}
	}
	if (am_buf_add(b, "", 1) < 0)
		goto nomem;
	return b->data;
nomem:
	am_buf_free(b);
	return NULL;
}

char *
am_check_archmail(const struct am_host *h, const char *fmt, ...)
{
	struct am_buf b = AM_BUF_INIT;
	va_list ap;
	char *s;

	if (am_buf_add(&b, "archmail ", 9) < 0)
		goto nomem;
	if (h->root != NULL && strcmp(h->root, "/") != 0 &&
	    (am_buf_add(&b, "--root ", 7) < 0 ||
	    am_check_quote(&b, h->root) < 0 || am_buf_add(&b, " ", 1) < 0))
		goto nomem;
	va_start(ap, fmt);
	s = format(&b, fmt, ap);
	va_end(ap);
	return s;
nomem:
	am_buf_free(&b);
	return NULL;
}

char *
am_check_shell(const char *fmt, ...)
{
	struct am_buf b = AM_BUF_INIT;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = format(&b, fmt, ap);
	va_end(ap);
	return s;
}
