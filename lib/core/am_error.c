#include "am_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

void
am_error_clear(struct am_error *err)
{
	if (err == NULL)
		return;
	err->code = AM_OK;
	err->sys_errno = 0;
	err->file[0] = '\0';
	err->line = 0;
	err->message[0] = '\0';
	err->full_message = NULL;
}

static void set_message(struct am_error *err, enum am_errcode code,
    int errnum, const char *file, long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void
set_message(struct am_error *err, enum am_errcode code, int errnum,
    const char *file, long line, const char *fmt, va_list ap)
{
	size_t len;

	err->code = code;
	err->sys_errno = errnum;
	err->line = line;
	err->full_message = NULL;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (errnum != 0) {
		len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len,
		    ": %s", strerror(errnum));
	}
}

int
am_error_set(struct am_error *err, enum am_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	set_message(err, code, 0, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int
am_error_set_errno(struct am_error *err, enum am_errcode code, int errnum,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	set_message(err, code, errnum, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int
am_error_set_at(struct am_error *err, enum am_errcode code, const char *file,
    long line, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	set_message(err, code, 0, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

enum am_errcode
am_error_code_from_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return AM_E_NOINPUT;
	case EACCES:
	case EPERM:
	case EROFS:
		return AM_E_PERM;
	case ENOMEM:
		return AM_E_NOMEM;
	case EEXIST:
		return AM_E_EXISTS;
	case EISDIR:
	case ELOOP:
		return AM_E_CANTCREAT;
	case EWOULDBLOCK:
		return AM_E_LOCK_BUSY;
	default:
		return AM_E_IO;
	}
}

static const struct {
	const char *name;
	int exit_status;
} code_table[] = {
	[AM_OK] = { "OK", 0 },
	[AM_E_USAGE] = { "USAGE", EX_USAGE },
	[AM_E_PARSE] = { "PARSE", EX_DATAERR },
	[AM_E_INVALID] = { "INVALID", EX_DATAERR },
	[AM_E_EXISTS_DIFFERENT] = { "EXISTS_DIFFERENT", EX_DATAERR },
	[AM_E_KEY_TOO_LONG] = { "KEY_TOO_LONG", EX_DATAERR },
	[AM_E_NOINPUT] = { "NOINPUT", EX_NOINPUT },
	[AM_E_NOUSER] = { "NOUSER", EX_NOUSER },
	[AM_E_CANTCREAT] = { "CANTCREAT", EX_CANTCREAT },
	[AM_E_EXISTS] = { "EXISTS", EX_CANTCREAT },
	[AM_E_IO] = { "IO", EX_IOERR },
	[AM_E_LOCK_BUSY] = { "LOCK_BUSY", EX_TEMPFAIL },
	[AM_E_PERM] = { "PERMISSION", EX_NOPERM },
	[AM_E_CONFIG] = { "CONFIG", EX_CONFIG },
	[AM_E_UNSUPPORTED_TYPE] = { "UNSUPPORTED_TYPE", EX_CONFIG },
	[AM_E_NOTFOUND] = { "NOT_FOUND", 1 },
	[AM_E_DB] = { "DATABASE", EX_IOERR },
	[AM_E_NOMEM] = { "NOMEM", EX_OSERR },
	[AM_E_INTERNAL] = { "INTERNAL", EX_SOFTWARE },
};

enum am_errcode
am_error_code_create(int errnum)
{
	if (errnum == ENOSPC || errnum == EDQUOT || errnum == EIO)
		return AM_E_IO;
	return am_error_code_from_errno(errnum) == AM_E_PERM ? AM_E_PERM :
	    AM_E_CANTCREAT;
}

const char *
am_error_code_name(enum am_errcode code)
{
	if ((size_t)code >= sizeof(code_table) / sizeof(code_table[0]))
		return "INTERNAL";
	return code_table[code].name;
}

int
am_error_exit_status(enum am_errcode code)
{
	if ((size_t)code >= sizeof(code_table) / sizeof(code_table[0]))
		return EX_SOFTWARE;
	return code_table[code].exit_status;
}

void
am_error_vset_warning(struct am_error *w, char **whole, const char *fmt,
    va_list ap)
{
	va_list again;
	int n;

	*whole = NULL;
	w->full_message = NULL;
	va_copy(again, ap);
	n = vsnprintf(w->message, sizeof(w->message), fmt, ap);
	if (n >= (int)sizeof(w->message) && vasprintf(whole, fmt, again) >= 0)
		w->full_message = *whole;
	else
		*whole = NULL;
	va_end(again);
}

const char *
am_error_text(const struct am_error *err)
{
	return err->full_message != NULL ? err->full_message : err->message;
}

const char *
am_error_format(const struct am_error *err, char *buf, size_t size)
{
	const char *text = am_error_text(err);

	if (err->file[0] != '\0' && err->line > 0)
		snprintf(buf, size, "%s, line %ld: %s", err->file, err->line,
		    text);
	else if (err->file[0] != '\0')
		snprintf(buf, size, "%s: %s", err->file, text);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

char *
am_error_format_alloc(const struct am_error *err)
{
	/* The prefix is at most the file name and a line number. */
	size_t size = strlen(err->file) + strlen(am_error_text(err)) + 40;
	char *buf = malloc(size);

	return buf != NULL ? (char *)am_error_format(err, buf, size) : NULL;
}
