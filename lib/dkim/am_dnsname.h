/*
 * am_dnsname - validation of the DNS names archmail takes from its users:
 * DKIM selectors and signing domains (RFC 6376 §3.1), host and mail
 * domains (RFC 1035 §2.3.4, RFC 5321 §4.1.2).
 *
 * A name is a sequence of labels separated by dots; each label is 1..63
 * letters, digits and hyphens, and starts and ends with a letter or digit.
 * The whole name (without a final dot) is at most 253 octets, the most
 * that fits a 255-octet wire name.  Anything else (spaces, '_', ';',
 * quotes, control characters, non-ASCII) is refused with a message that
 * says which label and why, so that nothing a user typed can inject a
 * second record into a zone file or a map.
 *
 *	if (am_dnsname_check(sel, "selector", 0, &err) < 0 ||
 *	    am_dnsname_check(dom, "domain", AM_DNSNAME_DOMAIN, &err) < 0)
 *		return -1;			(err.code AM_E_INVALID)
 *	am_dnsname_check_dkim(sel, dom, &err);	(sel._domainkey.dom fits)
 *	am_dnsname_within(host, "archlinux.org, archlinux.de", &err);
 */
#ifndef AM_DNSNAME_H
#define AM_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "am_error.h"

#define AM_DNSNAME_MAX 253	/* octets, without the final dot */
#define AM_DNSNAME_LABEL_MAX 63

/* At least two labels, and a last label that is not all digits. */
#define AM_DNSNAME_DOMAIN	0x1
/* One final dot is accepted ("archlinux.org."). */
#define AM_DNSNAME_TRAILING_DOT	0x2
/* '_' is accepted in labels (owner names such as "_domainkey"). */
#define AM_DNSNAME_UNDERSCORE	0x4
/*
 * Valid UTF-8 is accepted in labels (U-labels of internationalised mail
 * domains, which Postfix takes with smtputf8_enable); lengths stay in
 * octets.  Without it non-ASCII is refused, asking for the A-label.
 */
#define AM_DNSNAME_UTF8		0x8

/*
 * 0 if name is valid, else -1 and AM_E_INVALID in err; what ("selector",
 * "domain") names the thing in the message.
 */
int am_dnsname_check(const char *name, const char *what, unsigned int flags,
    struct am_error *err);

/* The DKIM owner name SEL._domainkey.DOMAIN fits in a DNS name. */
int am_dnsname_check_dkim(const char *selector, const char *domain,
    struct am_error *err);

/*
 * 0 when host is a host name with a dot (two labels or more, the last not
 * all digits) that equals one of the domains of list or lies below one,
 * compared without case; list is separated by commas and white space, as
 * archmail.conf's "domains".  Else -1 and AM_E_INVALID in err, saying
 * which domains were allowed.
 *	am_dnsname_within("foobar.archlinux.org", "archlinux.org", &err);
 */
int am_dnsname_within(const char *host, const char *list,
    struct am_error *err);

/* Case-insensitive comparison of two names, ignoring one final dot. */
bool am_dnsname_equal(const char *a, size_t alen, const char *b,
    size_t blen);

#endif
