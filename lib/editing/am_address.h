/*
 * am_address - validation of the names and addresses that the users and
 * alias commands write into map sources.
 *
 * Every check is strict on purpose: a value accepted here is written into
 * a file that Postfix parses, so anything that could end a key, start a
 * comment, split a record or continue a line (whitespace, ':', ',', '#',
 * quotes, control bytes) is refused.  Non-ASCII text is accepted only as
 * valid UTF-8.  Each function returns 0, or -1 with err (AM_E_INVALID)
 * saying what is wrong.
 *
 *	am_address_check("alice@archlinux.org", AM_ADDR_LOCAL_REQUIRED, &err);
 *	am_domain_in_list("archlinux.org", "archlinux.org, aur.archlinux.org");
 */
#ifndef AM_ADDRESS_H
#define AM_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "am_error.h"

/* What an address may look like. */
enum am_addr_form {
	AM_ADDR_LOCAL_REQUIRED,	/* local@domain */
	AM_ADDR_CATCHALL_OK,	/* local@domain or @domain (map keys) */
};

/* local@domain (or @domain); what, e.g. "address", names it in messages. */
int am_address_check(const char *addr, enum am_addr_form form,
    const char *what, struct am_error *err);
/*
 * The domain part is checked by am_dnsname_check(AM_DNSNAME_UTF8):
 * dot-separated labels of letters, digits, '-' and UTF-8.
 */
/* The part after the last '@', or NULL when there is none. */
const char *am_address_domain(const char *addr);
/* domain is one of the comma/space separated list (case-insensitive). */
bool am_domain_in_list(const char *domain, const char *list);

/* A login name: am_acct_name_check(), shadow-utils' default rule. */
int am_login_check(const char *name, struct am_error *err);
/* An aliases(5) name: local, no '@', ':', ',', quotes, whitespace. */
int am_alias_name_check(const char *name, struct am_error *err);
/*
 * One value of an alias: an address, a local name, /file, |command or
 * :include:/file.  *special is set for the last three (warn about them).
 */
int am_alias_value_check(const char *value, bool *special,
    struct am_error *err);
/* A GitLab group path ("a/b/c") or, with single, a project path. */
int am_gitlab_path_check(const char *path, bool single, const char *what,
    struct am_error *err);

#endif
