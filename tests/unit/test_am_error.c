/*
 * Unit tests for am_error: filling the error struct, formatting it with
 * "file, line N:", stable code names and exit statuses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "am_error.h"

static int
setup_err(void **state)
{
	struct am_error *err = calloc(1, sizeof(*err));

	if (err == NULL)
		return -1;
	/* Garbage that am_error_clear() and the setters must overwrite. */
	memset(err, 'x', sizeof(*err));
	*state = err;
	return 0;
}

static int
teardown_err(void **state)
{
	free(*state);
	return 0;
}

static void
test_clear(void **state)
{
	struct am_error *err = *state;

	am_error_clear(err);
	assert_int_equal(err->code, AM_OK);
	assert_int_equal(err->sys_errno, 0);
	assert_string_equal(err->file, "");
	assert_int_equal(err->line, 0);
	assert_string_equal(err->message, "");
	am_error_clear(NULL);	/* NULL-safe */
}

static void
test_set(void **state)
{
	struct am_error *err = *state;

	am_error_clear(err);
	assert_int_equal(am_error_set(err, AM_E_INVALID, "bad key \"%s\" %d",
	    "k", 7), -1);
	assert_int_equal(err->code, AM_E_INVALID);
	assert_int_equal(err->sys_errno, 0);
	assert_string_equal(err->message, "bad key \"k\" 7");
	assert_string_equal(err->file, "");
	assert_int_equal(err->line, 0);
	assert_int_equal(am_error_set(NULL, AM_E_INVALID, "x"), -1);
}

static void
test_set_errno_appends_strerror(void **state)
{
	struct am_error *err = *state;
	char expect[256];

	am_error_clear(err);
	assert_int_equal(am_error_set_errno(err, AM_E_NOINPUT, ENOENT,
	    "open %s", "nosuch"), -1);
	snprintf(expect, sizeof(expect), "open nosuch: %s", strerror(ENOENT));
	assert_string_equal(err->message, expect);
	assert_int_equal(err->sys_errno, ENOENT);
	assert_int_equal(err->code, AM_E_NOINPUT);

	/* errno 0: nothing appended */
	am_error_set_errno(err, AM_E_IO, 0, "plain");
	assert_string_equal(err->message, "plain");
	assert_int_equal(err->sys_errno, 0);
}

static void
test_set_at_and_format(void **state)
{
	struct am_error *err = *state;
	char buf[2048];

	am_error_clear(err);
	assert_int_equal(am_error_set_at(err, AM_E_PARSE, "/etc/aliases", 12,
	    "need name:value pair"), -1);
	assert_int_equal(err->code, AM_E_PARSE);
	assert_string_equal(err->file, "/etc/aliases");
	assert_int_equal(err->line, 12);
	assert_string_equal(err->message, "need name:value pair");
	assert_string_equal(am_error_format(err, buf, sizeof(buf)),
	    "/etc/aliases, line 12: need name:value pair");

	/* A file without a line. */
	am_error_set_at(err, AM_E_PARSE, "virtual", 0, "3 warnings");
	assert_string_equal(am_error_format(err, buf, sizeof(buf)),
	    "virtual: 3 warnings");

	/* Neither: the message alone; a later set forgets the old file. */
	am_error_set(err, AM_E_IO, "disk full");
	assert_string_equal(err->file, "");
	assert_int_equal(err->line, 0);
	assert_string_equal(am_error_format(err, buf, sizeof(buf)),
	    "disk full");

	/* The result is truncated to the buffer, never overflows it. */
	am_error_set_at(err, AM_E_PARSE, "abcdef", 3, "xyz");
	memset(buf, '#', sizeof(buf));
	am_error_format(err, buf, 8);
	assert_string_equal(buf, "abcdef,");
	assert_int_equal(buf[8], '#');
}

static void
test_long_message_truncated(void **state)
{
	struct am_error *err = *state;
	char big[4096];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_error_set_at(err, AM_E_PARSE, big, 1, "%s", big);
	assert_int_equal(strlen(err->message), sizeof(err->message) - 1);
	assert_int_equal(strlen(err->file), sizeof(err->file) - 1);
	am_error_set_errno(err, AM_E_IO, ENOSPC, "%s", big);
	assert_int_equal(strlen(err->message), sizeof(err->message) - 1);
}

static void
warn_text(struct am_error *w, char **whole, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn_text(struct am_error *w, char **whole, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	am_error_vset_warning(w, whole, fmt, ap);
	va_end(ap);
}

/* A warning longer than message keeps its whole text beside it. */
static void
test_long_warning_whole(void **state)
{
	struct am_error *err = *state;
	char big[5000], *whole, *formatted;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	am_error_set_at(err, AM_E_PARSE, "src", 7, "%s", "");
	warn_text(err, &whole, "unbalanced in '%s'", big);
	assert_non_null(whole);
	assert_ptr_equal(err->full_message, whole);
	assert_int_equal(strlen(am_error_text(err)), strlen(big) + 16);
	assert_int_equal(strlen(err->message), sizeof(err->message) - 1);
	formatted = am_error_format_alloc(err);
	assert_non_null(formatted);
	assert_int_equal(strncmp(formatted, "src, line 7: unbalanced in 'qq",
	    30), 0);
	assert_int_equal(strlen(formatted), 13 + strlen(big) + 16);
	free(formatted);
	/* A new error forgets it (the caller frees the text). */
	am_error_set(err, AM_E_IO, "short");
	assert_null(err->full_message);
	assert_string_equal(am_error_text(err), "short");
	free(whole);
	/* A short warning needs no second copy. */
	warn_text(err, &whole, "%s", "fits");
	assert_null(whole);
	assert_null(err->full_message);
	assert_string_equal(am_error_text(err), "fits");
	am_error_clear(err);
	assert_null(err->full_message);
}

static void
test_code_from_errno(void **state)
{
	(void)state;
	assert_int_equal(am_error_code_from_errno(ENOENT), AM_E_NOINPUT);
	assert_int_equal(am_error_code_from_errno(ENOSPC), AM_E_IO);
	assert_int_equal(am_error_code_from_errno(EIO), AM_E_IO);
	assert_int_equal(am_error_code_from_errno(EACCES), AM_E_PERM);
	assert_int_equal(am_error_code_from_errno(EPERM), AM_E_PERM);
	assert_int_equal(am_error_code_from_errno(ENOMEM), AM_E_NOMEM);
	assert_int_equal(am_error_code_from_errno(EEXIST), AM_E_EXISTS);
	assert_int_equal(am_error_code_from_errno(EWOULDBLOCK),
	    AM_E_LOCK_BUSY);
}

static void
test_code_names_stable(void **state)
{
	(void)state;
	/* Scripts match on these names: they must not change. */
	assert_string_equal(am_error_code_name(AM_OK), "OK");
	assert_string_equal(am_error_code_name(AM_E_USAGE), "USAGE");
	assert_string_equal(am_error_code_name(AM_E_PARSE), "PARSE");
	assert_string_equal(am_error_code_name(AM_E_KEY_TOO_LONG),
	    "KEY_TOO_LONG");
	assert_string_equal(am_error_code_name(AM_E_NOINPUT), "NOINPUT");
	assert_string_equal(am_error_code_name(AM_E_LOCK_BUSY), "LOCK_BUSY");
	assert_string_equal(am_error_code_name(AM_E_UNSUPPORTED_TYPE),
	    "UNSUPPORTED_TYPE");
	assert_string_equal(am_error_code_name(AM_E_NOTFOUND), "NOT_FOUND");
	assert_string_equal(am_error_code_name(AM_E_CONFIG), "CONFIG");
	/* Out of range never crashes. */
	assert_string_equal(am_error_code_name((enum am_errcode)9999),
	    "INTERNAL");
}

static void
test_every_code_has_name_and_status(void **state)
{
	int c;

	(void)state;
	for (c = AM_OK; c <= AM_E_INTERNAL; c++) {
		const char *name = am_error_code_name((enum am_errcode)c);

		assert_non_null(name);
		assert_true(strlen(name) > 0);
		if (c != AM_OK)
			assert_int_not_equal(am_error_exit_status(
			    (enum am_errcode)c), 0);
	}
}

static void
test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(am_error_exit_status(AM_OK), 0);
	assert_int_equal(am_error_exit_status(AM_E_USAGE), EX_USAGE);
	assert_int_equal(am_error_exit_status(AM_E_NOINPUT), EX_NOINPUT);
	assert_int_equal(am_error_exit_status(AM_E_CONFIG), EX_CONFIG);
	assert_int_equal(am_error_exit_status(AM_E_LOCK_BUSY), EX_TEMPFAIL);
	assert_int_equal(am_error_exit_status(AM_E_IO), EX_IOERR);
	/* postmap -q: "not found" is exit 1, as in Postfix */
	assert_int_equal(am_error_exit_status(AM_E_NOTFOUND), 1);
	assert_int_equal(am_error_exit_status((enum am_errcode)9999),
	    EX_SOFTWARE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clear, setup_err,
		    teardown_err),
		cmocka_unit_test_setup_teardown(test_set, setup_err,
		    teardown_err),
		cmocka_unit_test_setup_teardown(test_set_errno_appends_strerror,
		    setup_err, teardown_err),
		cmocka_unit_test_setup_teardown(test_set_at_and_format,
		    setup_err, teardown_err),
		cmocka_unit_test_setup_teardown(test_long_message_truncated,
		    setup_err, teardown_err),
		cmocka_unit_test_setup_teardown(test_long_warning_whole,
		    setup_err, teardown_err),
		cmocka_unit_test(test_code_from_errno),
		cmocka_unit_test(test_code_names_stable),
		cmocka_unit_test(test_every_code_has_name_and_status),
		cmocka_unit_test(test_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
