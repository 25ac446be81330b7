#include "am_dnsname.h"

#include <stdio.h>
#include <string.h>

#include "am_utf8.h"

static bool
is_letdig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* A character as the message shows it: 'x', "space", "\x0a". */
static const char *
show_char(unsigned char c, char *buf, size_t size)
{
	if (c == ' ')
		snprintf(buf, size, "a space");
	else if (c < 0x20 || c >= 0x7f)
		snprintf(buf, size, "byte \\x%02x", c);
	else
		snprintf(buf, size, "\"%c\"", c);
	return buf;
}

/*
 * The name is quoted in messages only when it is printable ASCII: a name
 * with a newline must not put that newline into a diagnostic.
 */
static const char *
show_name(const char *name, char *buf, size_t size)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			break;
	if (*p == '\0' && strlen(name) < size - 3)
		snprintf(buf, size, "\"%s\"", name);
	else
		snprintf(buf, size, "(not printable)");
	return buf;
}

static int
check_label(const char *name, const char *label, size_t len, size_t index,
    const char *what, unsigned int flags, struct am_error *err)
{
	char nb[300], cb[32];
	size_t i, n;
	unsigned char c;

	show_name(name, nb, sizeof(nb));
	if (len == 0)
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
		    "empty label (leading, trailing or double dot)", what, nb);
	if (len > AM_DNSNAME_LABEL_MAX)
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
		    "label %zu is %zu octets long, more than %d", what, nb,
		    index, len, AM_DNSNAME_LABEL_MAX);
	for (i = 0; i < len; i++) {
		c = (unsigned char)label[i];
		if (is_letdig(c) || c == '-')
			continue;
		if (c == '_' && (flags & AM_DNSNAME_UNDERSCORE))
			continue;
		if (c >= 0x80 && (flags & AM_DNSNAME_UTF8)) {
			if ((n = am_utf8_seqlen((const unsigned char *)label +
			    i, len - i)) == 0)
				return am_error_set(err, AM_E_INVALID,
				    "invalid %s %s: invalid UTF-8 (%s)", what,
				    nb, show_char(c, cb, sizeof(cb)));
			i += n - 1;
			continue;
		}
		if (c >= 0x80)
			return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
			    "non-ASCII %s; use the A-label (xn--...) form",
			    what, nb, show_char(c, cb, sizeof(cb)));
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: %s "
		    "is not allowed (letters, digits, hyphens and dots only)",
		    what, nb, show_char(c, cb, sizeof(cb)));
	}
	if (label[0] == '-' || label[len - 1] == '-')
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
		    "a label must not start or end with a hyphen", what, nb);
	return 0;
}

int
am_dnsname_check(const char *name, const char *what, unsigned int flags,
    struct am_error *err)
{
	const char *label, *dot, *last = NULL;
	char nb[300];
	size_t len, nlabels = 0, i;

	len = strlen(name);
	if (len == 0)
		return am_error_set(err, AM_E_INVALID, "invalid %s: empty",
		    what);
	if ((flags & AM_DNSNAME_TRAILING_DOT) && len > 1 &&
	    name[len - 1] == '.' && name[len - 2] != '.')
		len--;
	if (len > AM_DNSNAME_MAX)
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
		    "%zu octets long, more than %d", what,
		    show_name(name, nb, sizeof(nb)), len, AM_DNSNAME_MAX);
	for (label = name; ; label = dot + 1) {
		dot = memchr(label, '.', len - (size_t)(label - name));
		i = dot ? (size_t)(dot - label) : len - (size_t)(label - name);
		if (check_label(name, label, i, ++nlabels, what, flags,
		    err) < 0)
			return -1;
		last = label;
		if (dot == NULL)
			break;
	}
	if (!(flags & AM_DNSNAME_DOMAIN))
		return 0;
	if (nlabels < 2)
		return am_error_set(err, AM_E_INVALID, "invalid %s %s: "
		    "a domain needs at least two labels", what,
		    show_name(name, nb, sizeof(nb)));
	for (i = 0; last + i < name + len; i++)
		if (last[i] < '0' || last[i] > '9')
			return 0;
	return am_error_set(err, AM_E_INVALID, "invalid %s %s: the last "
	    "label is all digits (an address is not a domain)", what,
	    show_name(name, nb, sizeof(nb)));
}

int
am_dnsname_check_dkim(const char *selector, const char *domain,
    struct am_error *err)
{
	static const char infix[] = "._domainkey.";
	size_t dlen = strlen(domain);

	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (strlen(selector) + strlen(infix) + dlen > AM_DNSNAME_MAX)
		return am_error_set(err, AM_E_INVALID, "the DKIM name "
		    "%s._domainkey.%.*s is %zu octets long, more than %d",
		    selector, (int)dlen, domain,
		    strlen(selector) + strlen(infix) + dlen, AM_DNSNAME_MAX);
	return 0;
}

int
am_dnsname_within(const char *host, const char *list, struct am_error *err)
{
	const char *p = list, *sub;
	size_t hlen, n, m;
	char nb[300];

	if (am_dnsname_check(host, "host name", AM_DNSNAME_DOMAIN, err) < 0)
		return -1;
	hlen = strlen(host);
	while (*p != '\0') {
		p += strspn(p, ", \t\r\n");
		n = strcspn(p, ", \t\r\n");
		/* "archlinux.org." in the list names archlinux.org */
		m = n > 1 && p[n - 1] == '.' ? n - 1 : n;
		/* the domain itself, or a name below it */
		sub = m < hlen && host[hlen - m - 1] == '.' ? host + hlen - m :
		    host;
		if (m > 0 && am_dnsname_equal(sub, hlen - (size_t)(sub - host),
		    p, m))
			return 0;
		p += n;
	}
	if (list[strspn(list, ", \t\r\n")] == '\0')
		return am_error_set(err, AM_E_INVALID, "host name %s is not "
		    "within a configured domain: no domains are configured",
		    show_name(host, nb, sizeof(nb)));
	return am_error_set(err, AM_E_INVALID, "host name %s is not within "
	    "a configured domain (%s)", show_name(host, nb, sizeof(nb)),
	    list);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool
am_dnsname_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}
