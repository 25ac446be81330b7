/*
 * am_address - names and addresses for the users and alias commands.
 */
#include "am_address.h"

#include <string.h>
#include <strings.h>

#include "am_acct.h"
#include "am_dnsname.h"
#include "am_utf8.h"

#define LOCAL_MAX 64

/* RFC 5322 atext without '#' handled by the callers, plus '.'. */
static bool
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

/*
 * Checks bytes [s, s+len): printable ASCII accepted by ok(), or valid
 * UTF-8 sequences.  Returns the offending byte offset or len.
 */
static size_t
scan(const char *s, size_t len, bool (*ok)(unsigned char))
{
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			n = am_utf8_seqlen((const unsigned char *)s + i,
			    len - i);
			if (n == 0)
				return i;
			i += n;
			continue;
		}
		if (!ok(c))
			return i;
		i++;
	}
	return len;
}

static int
bad_char(struct am_error *err, const char *what, const char *s, size_t at)
{
	unsigned char c = (unsigned char)s[at];

	if (c < 0x20 || c == 0x7f || c >= 0x80)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "control character or invalid UTF-8 at offset %zu", what,
		    s, at);
	return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
	    "character '%c' is not allowed", what, s, c);
}

const char *
am_address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at == NULL ? NULL : at + 1;
}

int
am_address_check(const char *addr, enum am_addr_form form, const char *what,
    struct am_error *err)
{
	const char *at = strrchr(addr, '@');
	size_t llen, bad;
	struct am_error derr;

	if (at == NULL)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "expected local@domain", what, addr);
	llen = (size_t)(at - addr);
	if (llen == 0 && form != AM_ADDR_CATCHALL_OK)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "the local part is empty", what, addr);
	if (llen > LOCAL_MAX)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "local part longer than %d", what, addr, LOCAL_MAX);
	if ((bad = scan(addr, llen, is_atext)) != llen)
		return bad_char(err, what, addr, bad);
	if (llen > 0 && (addr[0] == '.' || addr[llen - 1] == '.' ||
	    addr[0] == '#' || memmem(addr, llen, "..", 2) != NULL))
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "bad local part", what, addr);
	am_error_clear(&derr);
	if (am_dnsname_check(at + 1, "domain", AM_DNSNAME_UTF8, &derr) < 0)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "%s", what, addr, derr.message);
	return 0;
}

bool
am_domain_in_list(const char *domain, const char *list)
{
	size_t dlen = strlen(domain), n;
	const char *p = list;

	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && n == dlen && strncasecmp(p, domain, n) == 0)
			return true;
		p += n;
	}
	return false;
}

int
am_login_check(const char *name, struct am_error *err)
{
	return am_acct_name_check(name, err);
}

static bool
is_alias_char(unsigned char c)
{
	return is_atext(c);
}

static int
local_name_check(const char *name, const char *what, struct am_error *err)
{
	size_t len = strlen(name), bad;

	if (len == 0 || len > LOCAL_MAX)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "must have 1 to %d characters", what, name, LOCAL_MAX);
	if ((bad = scan(name, len, is_alias_char)) != len)
		return bad_char(err, what, name, bad);
	if (name[0] == '#' || name[0] == '.' || name[0] == '|' ||
	    name[0] == '/')
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "must not start with '%c'", what, name, name[0]);
	return 0;
}

int
am_alias_name_check(const char *name, struct am_error *err)
{
	return local_name_check(name, "alias name", err);
}

static bool
is_path_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\' &&
	    c != ':';
}

int
am_alias_value_check(const char *value, bool *special, struct am_error *err)
{
	size_t len = strlen(value), bad;
	const char *rest = value;

	*special = false;
	if (len == 0)
		return am_error_set(err, AM_E_INVALID, "empty alias value");
	if (value[0] == '/' || value[0] == '|' ||
	    strncmp(value, ":include:", 9) == 0) {
		*special = true;
		if (value[0] == ':')
			rest = value + 9;
		if (*rest == '\0' || (value[0] == ':' && *rest != '/'))
			return am_error_set(err, AM_E_INVALID, "invalid alias "
			    "value \"%s\": expected a file name", value);
		if ((bad = scan(rest, strlen(rest), is_path_char)) !=
		    strlen(rest))
			return bad_char(err, "alias value", value,
			    bad + (size_t)(rest - value));
		return 0;
	}
	if (strchr(value, '@') != NULL)
		return am_address_check(value, AM_ADDR_LOCAL_REQUIRED,
		    "alias value", err);
	return local_name_check(value, "alias value", err);
}

static bool
is_gitlab_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

int
am_gitlab_path_check(const char *path, bool single, const char *what,
    struct am_error *err)
{
	size_t len = strlen(path), i, seg = 0;

	if (len == 0 || len > 255)
		return am_error_set(err, AM_E_INVALID, "invalid %s \"%s\": "
		    "must have 1 to 255 characters", what, path);
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/') {
			if (!is_gitlab_char((unsigned char)path[i]))
				return bad_char(err, what, path, i);
			seg++;
			continue;
		}
		if (i < len && single)
			return am_error_set(err, AM_E_INVALID, "invalid %s "
			    "\"%s\": '/' is not allowed", what, path);
		if (seg == 0)
			return am_error_set(err, AM_E_INVALID, "invalid %s "
			    "\"%s\": empty path component", what, path);
		if (!((path[i - seg] >= 'a' && path[i - seg] <= 'z') ||
		    (path[i - seg] >= 'A' && path[i - seg] <= 'Z') ||
		    (path[i - seg] >= '0' && path[i - seg] <= '9') ||
		    path[i - seg] == '_') || path[i - 1] == '.' ||
		    path[i - 1] == '-')
			return am_error_set(err, AM_E_INVALID, "invalid %s "
			    "\"%s\": a component must start with a letter, "
			    "digit or '_' and not end with '.' or '-'", what,
			    path);
		seg = 0;
	}
	return 0;
}
