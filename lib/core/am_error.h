/*
 * am_error - how the library reports failure.
 *
 * Every public library function returns 0 on success and -1 on failure,
 * filling the caller's struct am_error.  The library never prints and never
 * exits; the command layer turns an am_error into a message and an exit
 * status (am_error_exit_status()).  Codes are stable: their names appear in
 * --json output and scripts may match on them.
 */
#ifndef AM_ERROR_H
#define AM_ERROR_H

#include <stdarg.h>
#include <stddef.h>

enum am_errcode {
	AM_OK = 0,
	AM_E_USAGE,		/* bad option or argument */
	AM_E_PARSE,		/* malformed input line */
	AM_E_INVALID,		/* invalid name, address, key */
	AM_E_EXISTS_DIFFERENT,	/* entry exists with other content */
	AM_E_KEY_TOO_LONG,	/* key longer than LMDB allows */
	AM_E_NOINPUT,		/* input file missing */
	AM_E_NOUSER,		/* unknown user or host */
	AM_E_CANTCREAT,		/* output cannot be created */
	AM_E_EXISTS,		/* output exists, no --force */
	AM_E_IO,		/* read/write/fsync failure, ENOSPC */
	AM_E_LOCK_BUSY,		/* lock held past the timeout */
	AM_E_PERM,		/* permission denied */
	AM_E_CONFIG,		/* archmail.conf / main.cf problem */
	AM_E_UNSUPPORTED_TYPE,	/* table type other than lmdb */
	AM_E_NOTFOUND,		/* negative answer */
	AM_E_DB,		/* LMDB reported an error */
	AM_E_NOMEM,
	AM_E_INTERNAL,
};

struct am_error {
	enum am_errcode code;
	int sys_errno;		/* errno behind the failure, 0 if none */
	char file[1024];	/* input file the problem is in, "" if none */
	long line;		/* line in that file, 0 if none */
	char message[1024];	/* the text, without "file, line N: " */
	/*
	 * A warning handed to an am_warn_fn whose text was longer than
	 * message (a quoted input line: Postfix quotes it whole): the whole
	 * text, owned by the library and valid only during that call; message
	 * then holds its first 1023 bytes.  NULL everywhere else, and always
	 * in an error a function returns.  Read it through am_error_text().
	 */
	const char *full_message;
};

void am_error_clear(struct am_error *err);
int am_error_set(struct am_error *err, enum am_errcode code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int am_error_set_errno(struct am_error *err, enum am_errcode code, int errnum,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int am_error_set_at(struct am_error *err, enum am_errcode code,
    const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An errno value as an error code: ENOENT is NOINPUT, ENOSPC is IO, ... */
enum am_errcode am_error_code_from_errno(int errnum);
/*
 * The same for a file or directory that could not be made: a full or
 * failing disk is IO (exit 74) as everywhere, a refusal PERM, anything
 * else CANTCREAT (a bad output path).
 */
enum am_errcode am_error_code_create(int errnum);
const char *am_error_code_name(enum am_errcode code);
int am_error_exit_status(enum am_errcode code);

/*
 * A warning's text, for a caller about to hand w to an am_warn_fn: into
 * w->message, and when it does not fit there also whole into *whole
 * (w->full_message points at it).  The caller frees *whole after the call
 * (NULL when the text fitted or memory ran out: then message is cut).
 */
void am_error_vset_warning(struct am_error *w, char **whole, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

/* The whole text: full_message when there is one, else message. */
const char *am_error_text(const struct am_error *err);

/* "file, line N: message", "file: message" or "message" into buf. */
const char *am_error_format(const struct am_error *err, char *buf,
    size_t size);

/* The same, uncut, in memory the caller frees; NULL when out of memory. */
char *am_error_format_alloc(const struct am_error *err);

#endif
