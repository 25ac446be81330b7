#include "am_dkim_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "am_base64.h"
#include "am_dnsname.h"
#include "am_ossl.h"	/* last: it renames OpenSSL calls */

/* --- building and splitting ------------------------------------------- */

void
am_dkim_record_free(struct am_dkim_record *rec)
{
	size_t i;

	if (rec == NULL)
		return;
	free(rec->public_b64);
	free(rec->value);
	for (i = 0; i < rec->nstrings; i++)
		free(rec->strings[i]);
	free(rec->strings);
	memset(rec, 0, sizeof(*rec));
}

static void
free_strings(char **strings, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(strings[i]);
	free(strings);
}

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where the p= tag starts in a tag-list, or -1. */
static long
find_p_tag(const char *value)
{
	const char *s = value;

	for (;;) {
		while (is_fws((unsigned char)*s))
			s++;
		if (s[0] == 'p' && (s[1] == '=' || is_fws((unsigned char)s[1])))
			return (long)(s - value);
		if ((s = strchr(s, ';')) == NULL)
			return -1;
		s++;
	}
}

int
am_dkim_split(const char *value, size_t max, char ***strings, size_t *n)
{
	size_t len = strlen(value), pos = 0, first, cap, chunk;
	char **v;
	long p;

	*strings = NULL;
	*n = 0;
	if (max == 0 || max > AM_DKIM_STRING_MAX)
		max = AM_DKIM_STRING_MAX;
	cap = len / max + 3;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	p = find_p_tag(value);
	first = (p > 0 && (size_t)p <= max) ? (size_t)p : 0;
	if (first > 0) {
		if ((v[(*n)++] = strndup(value, first)) == NULL)
			goto fail;
		pos = first;
	}
	do {
		chunk = len - pos < max ? len - pos : max;
		if ((v[(*n)++] = strndup(value + pos, chunk)) == NULL)
			goto fail;
		pos += chunk;
	} while (pos < len);
	*strings = v;
	return 0;
fail:
	free_strings(v, *n);
	*n = 0;
	return -1;
}

int
am_dkim_record_build(struct am_dkim_record *rec, enum am_dkim_key_type type,
    unsigned int bits, const void *pub, size_t publen, struct am_error *err)
{
	struct am_buf b64 = AM_BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0, i;

	if (am_ossl_load(err) < 0)
		return -1;

	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	rec->bits = bits;
	if (type != AM_DKIM_RSA && type != AM_DKIM_ED25519)
		return am_error_set(err, AM_E_INTERNAL, "unknown key type");
	if (am_base64_encode(&b64, pub, publen) < 0)
		goto nomem;
	rec->public_b64 = b64.data ? b64.data : strdup("");
	b64.data = NULL;
	if (rec->public_b64 == NULL)
		goto nomem;
	if (asprintf(&rec->value, "v=DKIM1; k=%s; p=%s",
	    am_dkim_key_type_name(type), rec->public_b64) < 0) {
		rec->value = NULL;
		goto nomem;
	}
	if (am_dkim_split(rec->value, AM_DKIM_STRING_MAX, &rec->strings,
	    &rec->nstrings) < 0)
		goto nomem;
	if (!EVP_Q_digest(NULL, "SHA256", NULL, pub, publen, md, &mdlen)) {
		ERR_clear_error();
		am_dkim_record_free(rec);
		return am_error_set(err, AM_E_INTERNAL, "SHA-256 failed");
	}
	strcpy(rec->fingerprint, "sha256:");
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(rec->fingerprint + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
nomem:
	am_buf_free(&b64);
	am_dkim_record_free(rec);
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

/* --- rendering ---------------------------------------------------------- */

static const struct {
	const char *name;
	enum am_dkim_output format;
} output_names[] = {
	{ "zone", AM_DKIM_OUT_ZONE },
	{ "dns", AM_DKIM_OUT_ZONE },	/* rspamadm 3.6 and later */
	{ "dnskey", AM_DKIM_OUT_DNSKEY },
	{ "txt", AM_DKIM_OUT_TXT },
	{ "plain", AM_DKIM_OUT_PLAIN },
	{ "strings", AM_DKIM_OUT_STRINGS },
	{ "terraform", AM_DKIM_OUT_TERRAFORM },
	{ "json", AM_DKIM_OUT_JSON },
};

enum am_dkim_output
am_dkim_output_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(output_names) / sizeof(output_names[0]); i++)
		if (strcmp(name, output_names[i].name) == 0)
			return output_names[i].format;
	return AM_DKIM_OUT_NONE;
}

/* A zone-file character-string: quotes, backslash and \DDD escapes. */
static int
add_quoted(struct am_buf *b, const char *s)
{
	const unsigned char *p;
	int rc = am_buf_addc(b, '"');

	for (p = (const unsigned char *)s; *p != '\0' && rc == 0; p++) {
		if (*p == '"' || *p == '\\')
			rc = am_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			rc = am_buf_printf(b, "\\%03u", *p);
		else
			rc = am_buf_addc(b, *p);
	}
	return rc < 0 ? -1 : am_buf_addc(b, '"');
}

/* An HCL string literal: no interpolation, no template directives. */
static int
add_hcl(struct am_buf *b, const char *s)
{
	const unsigned char *p;
	int rc = am_buf_addc(b, '"');

	for (p = (const unsigned char *)s; *p != '\0' && rc == 0; p++) {
		if (*p == '"' || *p == '\\')
			rc = am_buf_printf(b, "\\%c", *p);
		else if ((*p == '$' || *p == '%') && p[1] == '{')
			rc = am_buf_printf(b, "%c%c", *p, *p);
		else if (*p < 0x20)
			rc = am_buf_printf(b, "\\u%04x", *p);
		else
			rc = am_buf_addc(b, *p);
	}
	return rc < 0 ? -1 : am_buf_addc(b, '"');
}

static int
add_owner(struct am_buf *b, const struct am_dkim_render_opts *o, bool fqdn)
{
	size_t dlen;

	if (am_buf_printf(b, "%s._domainkey", o->selector) < 0)
		return -1;
	if (!fqdn || o->domain == NULL)
		return 0;
	dlen = strlen(o->domain);
	if (dlen > 0 && o->domain[dlen - 1] == '.')
		dlen--;
	return am_buf_printf(b, ".%.*s.", (int)dlen, o->domain);
}

static int
render_zone(const struct am_dkim_record *rec,
    const struct am_dkim_render_opts *o, struct am_buf *out)
{
	size_t i;
	int rc = 0;

	rc |= add_owner(out, o, o->fqdn);
	if (o->ttl >= 0)
		rc |= am_buf_printf(out, " %ld", o->ttl);
	rc |= am_buf_adds(out, " IN TXT ( ");
	for (i = 0; i < rec->nstrings && rc == 0; i++) {
		if (i > 0)
			rc |= am_buf_adds(out, "\n\t");
		rc |= add_quoted(out, rec->strings[i]);
	}
	/* Short records close on the last line, long ones on their own. */
	rc |= am_buf_adds(out, rec->nstrings > 2 ? "\n) ;\n" : " ) ;\n");
	return rc;
}

int
am_dkim_record_render(const struct am_dkim_record *rec,
    enum am_dkim_output format, const struct am_dkim_render_opts *o,
    struct am_buf *out, struct am_error *err)
{
	struct am_json j;
	size_t i;
	int rc = 0;

	switch (format) {
	case AM_DKIM_OUT_ZONE:
		rc = render_zone(rec, o, out);
		break;
	case AM_DKIM_OUT_DNSKEY:
	case AM_DKIM_OUT_TXT:
		rc = am_buf_printf(out, "%s\n", rec->value);
		break;
	case AM_DKIM_OUT_PLAIN:
		rc = am_buf_printf(out, "%s\n", rec->public_b64);
		break;
	case AM_DKIM_OUT_STRINGS:
		for (i = 0; i < rec->nstrings && rc == 0; i++) {
			if (i > 0)
				rc |= am_buf_addc(out, ' ');
			rc |= add_quoted(out, rec->strings[i]);
		}
		rc |= am_buf_addc(out, '\n');
		break;
	case AM_DKIM_OUT_TERRAFORM:
		rc |= am_buf_addc(out, '"');
		rc |= add_owner(out, o, false);
		rc |= am_buf_adds(out, "\" = { value = ");
		rc |= add_hcl(out, rec->value);
		if (o->ttl >= 0)
			rc |= am_buf_printf(out, ", ttl = %ld", o->ttl);
		rc |= am_buf_adds(out, " }\n");
		break;
	case AM_DKIM_OUT_JSON:
		am_json_init(&j);
		am_dkim_record_json(rec, o, &j, NULL);
		if ((rc = am_json_finish(&j)) == 0)	/* ends in '\n' */
			rc = am_buf_add(out, j.out.data, j.out.len);
		am_json_free(&j);
		break;
	default:
		return am_error_set(err, AM_E_INTERNAL, "unknown output "
		    "format");
	}
	if (rc != 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

void
am_dkim_record_json(const struct am_dkim_record *rec,
    const struct am_dkim_render_opts *o, struct am_json *j, const char *key)
{
	struct am_buf name = AM_BUF_INIT;
	size_t i;

	am_json_object_begin(j, key);
	am_json_string(j, "selector", o->selector);
	if (o->domain != NULL)
		am_json_string(j, "domain", o->domain);
	else
		am_json_null(j, "domain");
	if (add_owner(&name, o, true) < 0)
		j->failed = true;
	else	/* the name without the final dot */
		am_json_string_len(j, "name", name.data, name.len -
		    (o->domain != NULL ? 1 : 0));
	am_buf_free(&name);
	am_json_string(j, "type", am_dkim_key_type_name(rec->type));
	am_json_int(j, "bits", rec->bits);
	am_json_string(j, "public_key", rec->public_b64);
	am_json_string(j, "value", rec->value);
	am_json_array_begin(j, "strings");
	for (i = 0; i < rec->nstrings; i++)
		am_json_string(j, NULL, rec->strings[i]);
	am_json_array_end(j);
	am_json_string(j, "fingerprint", rec->fingerprint);
	if (o->ttl >= 0)
		am_json_int(j, "ttl", o->ttl);
	am_json_object_end(j);
}

/* --- parsing published records ------------------------------------------ */

static int
add_issue(struct am_dkim_published *p, enum am_dkim_severity sev,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add_issue(struct am_dkim_published *p, enum am_dkim_severity sev,
    const char *code, const char *fmt, ...)
{
	struct am_dkim_issue *v;
	va_list ap;

	v = realloc(p->issues, (p->nissues + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	p->issues = v;
	v += p->nissues++;
	v->severity = sev;
	v->code = code;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* One TXT record of zone text while it is being read. */
struct zrec {
	char *header[8];	/* owner, TTL, class, type: what came first */
	size_t nheader;
	struct am_buf data;	/* strings joined */
	size_t *lens;
	size_t nstrings;
};

static void
zrec_free(struct zrec *r)
{
	size_t i;

	for (i = 0; i < r->nheader; i++)
		free(r->header[i]);
	am_buf_free(&r->data);
	free(r->lens);
	memset(r, 0, sizeof(*r));
}

static int
zrec_add_string(struct zrec *r, const char *s, size_t len)
{
	size_t *v;

	if ((v = realloc(r->lens, (r->nstrings + 1) * sizeof(*v))) == NULL)
		return -1;
	r->lens = v;
	r->lens[r->nstrings++] = len;
	return am_buf_add(&r->data, s, len);
}

/* The index of "CNAME" among r's header tokens, 0 if none. */
static size_t
zrec_cname(const struct zrec *r)
{
	size_t i;

	if (r->nstrings > 0)
		return 0;
	for (i = 1; i + 1 < r->nheader; i++)
		if (strcasecmp(r->header[i], "CNAME") == 0)
			return i;
	return 0;
}

static bool
same_name(const char *a, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b);

	while (alen > 0 && a[alen - 1] == '.')
		alen--;
	while (blen > 0 && b[blen - 1] == '.')
		blen--;
	return am_dnsname_equal(a, alen, b, blen);
}

static bool
is_class(const char *t)
{
	return strcasecmp(t, "IN") == 0 || strcasecmp(t, "CH") == 0 ||
	    strcasecmp(t, "HS") == 0 || strcasecmp(t, "CS") == 0;
}

static bool
is_ttl(const char *t)
{
	/* 3600, or BIND's 1h30m */
	if (*t < '0' || *t > '9')
		return false;
	for (; *t != '\0'; t++)
		if (!strchr("0123456789smhdwSMHDW", *t))
			return false;
	return true;
}

/* Read a quoted string at *s (past the quote) into out; false if open. */
static bool
read_quoted(const char **s, const char *end, struct am_buf *out, int *rc)
{
	const char *q = *s;
	int v;

	while (q < end && *q != '"') {
		if (*q == '\\' && q + 1 < end) {
			q++;
			if (q + 2 < end && q[0] >= '0' && q[0] <= '9' &&
			    q[1] >= '0' && q[1] <= '9' && q[2] >= '0' &&
			    q[2] <= '9') {
				v = (q[0] - '0') * 100 + (q[1] - '0') * 10 +
				    (q[2] - '0');
				*rc |= am_buf_addc(out, v & 0xff);
				q += 3;
				continue;
			}
		}
		*rc |= am_buf_addc(out, *q++);
	}
	*s = q < end ? q + 1 : q;
	return q < end;
}

struct zone_state {
	struct zrec *recs;
	size_t nrecs;
	struct zrec *cur;
};

static struct zrec *
zone_current(struct zone_state *z)
{
	struct zrec *v;

	if (z->cur != NULL)
		return z->cur;
	if ((v = realloc(z->recs, (z->nrecs + 1) * sizeof(*v))) == NULL)
		return NULL;
	z->recs = v;
	memset(&v[z->nrecs], 0, sizeof(v[0]));
	z->cur = &v[z->nrecs++];
	return z->cur;
}

/* Zone-file or dig text into records; syntax problems become issues. */
static int
read_zone(struct am_dkim_published *p, struct zone_state *z, const char *text,
    size_t len)
{
	const char *s = text, *end = text + len, *t;
	struct am_buf str = AM_BUF_INIT;
	struct zrec *r;
	int depth = 0, rc = 0;
	bool bad = false;

	while (s < end && rc == 0) {
		if (*s == ';') {
			while (s < end && *s != '\n')
				s++;
		} else if (*s == '\n') {
			/* A CNAME line of dig output ends at its newline. */
			if (depth == 0 && z->cur && (z->cur->nstrings > 0 ||
			    zrec_cname(z->cur) > 0))
				z->cur = NULL;
			s++;
		} else if (is_fws((unsigned char)*s)) {
			s++;
		} else if (*s == '(' || *s == ')') {
			depth += *s++ == '(' ? 1 : -1;
			if (depth < 0 && !bad) {
				rc |= add_issue(p, AM_DKIM_ERROR, "PARSE",
				    "unbalanced parentheses");
				bad = true;
				depth = 0;
			}
		} else if ((r = zone_current(z)) == NULL) {
			rc = -1;
		} else if (*s == '"') {
			s++;
			am_buf_reset(&str);
			if (!read_quoted(&s, end, &str, &rc)) {
				rc |= add_issue(p, AM_DKIM_ERROR, "PARSE",
				    "unterminated quoted string");
				bad = true;
			}
			rc |= zrec_add_string(r, str.data ? str.data : "",
			    str.len);
		} else {
			/*
			 * strchr() finds the terminator too: a NUL byte must
			 * not end the token, or s never moves past it.
			 */
			for (t = s; t < end && !is_fws((unsigned char)*t) &&
			    (*t == '\0' || !strchr("\"();", *t)); t++)
				;
			if (r->nstrings > 0 || (r->nheader > 0 &&
			    strcasecmp(r->header[r->nheader - 1], "TXT") == 0))
				/* RFC 1035 lets a string go unquoted. */
				rc |= zrec_add_string(r, s, (size_t)(t - s));
			else if (r->nheader < 8 &&
			    (r->header[r->nheader++] = strndup(s,
			    (size_t)(t - s))) == NULL)
				rc = -1;
			s = t;
		}
	}
	if (depth != 0 && !bad && rc == 0)
		rc |= add_issue(p, AM_DKIM_ERROR, "PARSE",
		    "unbalanced parentheses");
	am_buf_free(&str);
	return rc;
}

/* The owner, and the issues, of one record's header tokens. */
static int
zone_header(struct am_dkim_published *p, const struct zrec *r)
{
	size_t i, type = r->nheader;

	for (i = 0; i < r->nheader; i++)
		if (strcasecmp(r->header[i], "TXT") == 0) {
			type = i;
			break;
		}
	if (r->nheader > 0 && type == r->nheader)
		return add_issue(p, AM_DKIM_ERROR, "PARSE", "expected "
		    "\"[NAME] [TTL] [IN] TXT\" before the strings, not "
		    "\"%.40s\"", r->header[r->nheader - 1]);
	for (i = 0; i < type; i++) {
		if (is_ttl(r->header[i]) || is_class(r->header[i]))
			continue;
		if (i != 0 || p->owner != NULL)
			return add_issue(p, AM_DKIM_ERROR, "PARSE",
			    "unexpected \"%.40s\" before TXT", r->header[i]);
		if ((p->owner = strdup(r->header[i])) == NULL)
			return -1;
	}
	return 0;
}

static bool
starts_dkim(const char *s)
{
	while (is_fws((unsigned char)*s))
		s++;
	return strncmp(s, "v=DKIM1", 7) == 0;
}

/*
 * dig answers a name that is a CNAME with the CNAME records and then the
 * TXT record of the name they lead to: the record is then published
 * under the first name, and the TXT's own name goes to p->cname.
 */
static int
follow_cnames(struct am_dkim_published *p, const struct zone_state *z)
{
	const char *owner = p->owner;
	size_t i, hops, c;

	if (owner == NULL)
		return 0;
	for (hops = 0; hops < z->nrecs; hops++) {
		for (i = 0; i < z->nrecs; i++) {
			c = zrec_cname(&z->recs[i]);
			if (c > 0 && same_name(z->recs[i].header[c + 1], owner))
				break;
		}
		if (i == z->nrecs)
			break;
		owner = z->recs[i].header[0];
	}
	if (owner == p->owner)
		return 0;
	p->cname = p->owner;
	if ((p->owner = strdup(owner)) == NULL)
		return -1;
	return 0;
}

static int
parse_zone(struct am_dkim_published *p, const char *text, size_t len)
{
	struct zone_state z;
	struct zrec *r = NULL;
	size_t i;
	int rc;

	memset(&z, 0, sizeof(z));
	rc = read_zone(p, &z, text, len);
	for (i = 0; i < z.nrecs && rc == 0; i++) {
		if (z.recs[i].nstrings == 0)
			continue;
		p->nrecords++;
		if (r == NULL || (!starts_dkim(r->data.data) &&
		    starts_dkim(z.recs[i].data.data)))
			r = &z.recs[i];
	}
	if (rc == 0 && r == NULL)
		rc = add_issue(p, AM_DKIM_ERROR, "PARSE", "no TXT strings "
		    "found");
	if (rc == 0 && p->nrecords > 1)
		rc = add_issue(p, AM_DKIM_ERROR, "MULTIPLE_RECORDS", "%zu TXT "
		    "records: a DKIM selector must have exactly one, or "
		    "verifiers may pick the wrong one", p->nrecords);
	if (rc == 0 && r != NULL) {
		rc = zone_header(p, r);
		if (rc == 0)
			rc = follow_cnames(p, &z);
		p->string_len = r->lens;
		p->nstrings = r->nstrings;
		r->lens = NULL;
		if (rc == 0 && (p->value = strndup(r->data.data ?
		    r->data.data : "", r->data.len)) == NULL)
			rc = -1;
		/* A NUL byte in the data ends the value we look at. */
		if (rc == 0 && strlen(p->value) != r->data.len)
			rc = add_issue(p, AM_DKIM_ERROR, "TAG_SYNTAX",
			    "the record contains a NUL byte");
	}
	for (i = 0; i < z.nrecs; i++)
		zrec_free(&z.recs[i]);
	free(z.recs);
	return rc;
}

/* "NAME" = { value = "..." }: the terraform line. */
static bool
parse_terraform(struct am_dkim_published *p, const char *text, size_t len,
    int *rc)
{
	const char *s = text, *end = text + len, *v;
	struct am_buf owner = AM_BUF_INIT, value = AM_BUF_INIT;
	bool found = false;

	while (s < end && is_fws((unsigned char)*s))
		s++;
	if (s == end || *s != '"' || memchr(s, '{', (size_t)(end - s)) == NULL)
		return false;
	for (v = s; v + 5 < end; v++) {
		const char *q = v + 5;

		if (memcmp(v, "value", 5) != 0 || (v > text &&
		    !is_fws((unsigned char)v[-1]) && v[-1] != '{' &&
		    v[-1] != ','))
			continue;
		while (q < end && is_fws((unsigned char)*q))
			q++;
		if (q == end || *q++ != '=')
			continue;
		while (q < end && is_fws((unsigned char)*q))
			q++;
		if (q == end || *q++ != '"')
			continue;
		s++;
		if (!read_quoted(&s, end, &owner, rc) ||
		    !read_quoted(&q, end, &value, rc))
			break;
		found = true;
		break;
	}
	if (found) {
		/*
		 * HCL's escapes for "${" and "%{", in place: an empty value
		 * has no buffer (not "" either, a literal we cannot write).
		 */
		char *d = value.data, *w = d;

		for (; d != NULL && *d != '\0'; d++) {
			*w++ = *d;
			if ((d[0] == '$' || d[0] == '%') && d[1] == d[0] &&
			    d[2] == '{')
				d++;
		}
		if (w != NULL)
			*w = '\0';
		if ((p->owner = strdup(owner.data ? owner.data : "")) == NULL ||
		    (p->value = strdup(value.data ? value.data : "")) == NULL)
			*rc = -1;
		p->nrecords = 1;
	}
	am_buf_free(&owner);
	am_buf_free(&value);
	return found;
}

static bool
is_tag_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static char *
trimmed(const char *s, size_t len)
{
	while (len > 0 && is_fws((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_fws((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* RFC 6376 §3.2 tag-list into p->tags. */
static int
parse_tags(struct am_dkim_published *p)
{
	const char *s = p->value, *semi, *eq, *c;
	struct am_dkim_tag *v;
	char *name, *value;
	size_t i, seglen;
	int rc = 0;

	for (; rc == 0; s = semi + 1) {
		semi = strchr(s, ';');
		seglen = semi ? (size_t)(semi - s) : strlen(s);
		if ((name = trimmed(s, seglen)) == NULL)
			return -1;
		if (*name == '\0') {
			free(name);
			if (semi == NULL)
				break;
			rc = add_issue(p, AM_DKIM_WARNING, "TAG_EMPTY",
			    "empty tag (\";;\" or a leading \";\")");
			continue;
		}
		free(name);
		if ((eq = memchr(s, '=', seglen)) == NULL) {
			rc = add_issue(p, AM_DKIM_ERROR, "TAG_SYNTAX", "\"%.*s\" "
			    "is not a tag=value pair", (int)(seglen > 40 ? 40 :
			    seglen), s);
		} else if ((name = trimmed(s, (size_t)(eq - s))) == NULL ||
		    (value = trimmed(eq + 1, seglen - (size_t)(eq - s) - 1)) ==
		    NULL) {
			free(name);
			return -1;
		} else {
			for (c = value; *c != '\0'; c++)
				if ((unsigned char)*c > 0x7e ||
				    ((unsigned char)*c < 0x21 &&
				    !is_fws((unsigned char)*c)))
					break;
			if (!is_tag_name(name))
				rc = add_issue(p, AM_DKIM_ERROR, "TAG_SYNTAX",
				    "bad tag name \"%.40s\"", name);
			else if (*c != '\0')
				rc = add_issue(p, AM_DKIM_ERROR, "TAG_SYNTAX",
				    "tag %s= contains byte \\x%02x, which a "
				    "tag value must not", name,
				    (unsigned char)*c);
			for (i = 0; i < p->ntags && rc == 0; i++)
				if (strcmp(p->tags[i].name, name) == 0) {
					rc = add_issue(p, AM_DKIM_ERROR,
					    "TAG_DUPLICATE", "tag %.40s= "
					    "appears more than once: the whole "
					    "record is invalid", name);
					break;
				}
			v = realloc(p->tags, (p->ntags + 1) * sizeof(*v));
			if (v == NULL) {
				free(name);
				free(value);
				return -1;
			}
			p->tags = v;
			v[p->ntags].name = name;
			v[p->ntags++].value = value;
		}
		if (semi == NULL)
			break;
	}
	return rc;
}

const char *
am_dkim_published_tag(const struct am_dkim_published *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntags; i++)
		if (strcmp(p->tags[i].name, name) == 0)
			return p->tags[i].value;
	return NULL;
}

/* Whether a colon-separated tag value lists item (or "*" if star). */
static bool
list_has(const char *list, const char *item, bool star)
{
	const char *s = list, *e;
	size_t n = strlen(item);
	char *word;
	bool found = false;

	while (!found && *s != '\0') {
		e = strchr(s, ':');
		if (e == NULL)
			e = s + strlen(s);
		if ((word = trimmed(s, (size_t)(e - s))) != NULL) {
			found = (strlen(word) == n &&
			    strncasecmp(word, item, n) == 0) ||
			    (star && strcmp(word, "*") == 0);
			free(word);
		}
		s = *e ? e + 1 : e;
	}
	return found;
}

static const unsigned char ed25519_spki_prefix[] = { 0x30, 0x2a, 0x30, 0x05,
	0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

static int
lint_ed25519(struct am_dkim_published *p, const unsigned char *key,
    size_t len)
{
	struct am_buf inner = AM_BUF_INIT;
	const unsigned char *raw = NULL;
	int rc = 0;

	if (len == AM_DKIM_ED25519_LEN) {
		raw = key;
	} else if (len == sizeof(ed25519_spki_prefix) + AM_DKIM_ED25519_LEN &&
	    memcmp(key, ed25519_spki_prefix, sizeof(ed25519_spki_prefix)) ==
	    0) {
		raw = key + sizeof(ed25519_spki_prefix);
		rc = add_issue(p, AM_DKIM_ERROR, "ED25519_SPKI", "p= is a "
		    "SubjectPublicKeyInfo (44 bytes); RFC 8463 wants the raw "
		    "32-byte Ed25519 key, which verifiers cannot find in this");
	} else if (am_base64_decode(&inner, (const char *)key, len) == 0 &&
	    inner.len == AM_DKIM_ED25519_LEN) {
		raw = (const unsigned char *)inner.data;
		rc = add_issue(p, AM_DKIM_ERROR, "ED25519_DOUBLE_BASE64",
		    "p= is base64-encoded twice (the rspamd 3.6/3.7.0 bug): "
		    "verifiers cannot use it");
	} else {
		rc = add_issue(p, AM_DKIM_ERROR, "ED25519_SIZE", "an Ed25519 "
		    "key is 32 bytes, p= has %zu", len);
	}
	if (raw != NULL) {
		p->bits = 256;
		p->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
		    raw, AM_DKIM_ED25519_LEN);
		ERR_clear_error();
	}
	am_buf_free(&inner);
	return rc;
}

/* A bare RSAPublicKey (PKCS#1), which some publish instead of SPKI. */
static EVP_PKEY *
decode_rsa_pkcs1(const unsigned char *der, size_t len)
{
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "type-specific",
	    "RSA", EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	if (ctx == NULL || !OSSL_DECODER_from_data(ctx, &der, &len)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(ctx);
	return pkey;
}

static int
lint_rsa(struct am_dkim_published *p, const unsigned char *key, size_t len)
{
	const unsigned char *q = key;
	EVP_PKEY *pkey;
	int rc = 0;

	pkey = d2i_PUBKEY(NULL, &q, (long)len);
	if (pkey != NULL && q != key + len) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (pkey == NULL && (pkey = decode_rsa_pkcs1(key, len)) != NULL)
		rc = add_issue(p, AM_DKIM_WARNING, "RSA_PKCS1", "p= is a bare "
		    "RSAPublicKey; most verifiers accept it, but the usual "
		    "form is a SubjectPublicKeyInfo");
	ERR_clear_error();
	if (pkey == NULL) {
		if (len == AM_DKIM_ED25519_LEN)
			return add_issue(p, AM_DKIM_ERROR, "RSA_BAD_KEY", "p= "
			    "is 32 bytes, an Ed25519 key, but the record says "
			    "k=rsa (or has no k=)");
		return add_issue(p, AM_DKIM_ERROR, "RSA_BAD_KEY", "p= is not "
		    "an RSA public key");
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		rc = add_issue(p, AM_DKIM_ERROR, "RSA_BAD_KEY", "p= holds a %s "
		    "key, but the record says k=rsa (or has no k=)",
		    EVP_PKEY_get0_type_name(pkey) ?
		    EVP_PKEY_get0_type_name(pkey) : "non-RSA");
		EVP_PKEY_free(pkey);
		return rc;
	}
	p->pkey = pkey;
	p->bits = (unsigned int)EVP_PKEY_get_bits(pkey);
	if (rc == 0 && p->bits < AM_DKIM_RSA_MIN_BITS)
		rc = add_issue(p, AM_DKIM_ERROR, "RSA_TOO_SMALL", "RSA key of "
		    "%u bits: verifiers must refuse keys under %d bits "
		    "(RFC 8301)", p->bits, AM_DKIM_RSA_MIN_BITS);
	else if (rc == 0 && p->bits > AM_DKIM_RSA_WARN_BITS)
		rc = add_issue(p, AM_DKIM_WARNING, "RSA_LARGE", "RSA key of "
		    "%u bits: verifiers need only support up to %d (RFC 8301)",
		    p->bits, AM_DKIM_RSA_WARN_BITS);
	return rc;
}

static int
lint_key(struct am_dkim_published *p)
{
	struct am_buf compact = AM_BUF_INIT, key = AM_BUF_INIT;
	const char *pv = am_dkim_published_tag(p, "p"), *c;
	int rc = 0;

	if (pv == NULL)
		return add_issue(p, AM_DKIM_ERROR, "P_MISSING", "no p= tag: "
		    "the record has no key");
	for (c = pv; *c != '\0'; c++)
		if (!is_fws((unsigned char)*c) && am_buf_addc(&compact, *c) < 0)
			rc = -1;
	if (rc == 0 && compact.len == 0) {
		p->revoked = true;
		rc = add_issue(p, AM_DKIM_ERROR, "P_REVOKED", "p= is empty: "
		    "the key is revoked, signatures with it fail");
	} else if (rc == 0 && am_base64_decode(&key, compact.data,
	    compact.len) < 0) {
		rc = add_issue(p, AM_DKIM_ERROR, "P_BAD_BASE64", "p= is not "
		    "valid base64");
	} else if (rc == 0 && p->type == AM_DKIM_ED25519) {
		rc = lint_ed25519(p, (unsigned char *)key.data, key.len);
	} else if (rc == 0 && p->type == AM_DKIM_RSA) {
		rc = lint_rsa(p, (unsigned char *)key.data, key.len);
	}
	am_buf_free(&compact);
	am_buf_free(&key);
	return rc;
}

static int
lint_tags(struct am_dkim_published *p)
{
	const char *v;
	int rc = 0;

	if ((v = am_dkim_published_tag(p, "v")) != NULL) {
		if (strcmp(p->tags[0].name, "v") != 0)
			rc |= add_issue(p, AM_DKIM_ERROR, "V_NOT_FIRST",
			    "v= must be the first tag");
		if (strcmp(v, "DKIM1") != 0)
			rc |= add_issue(p, AM_DKIM_ERROR, "V_BAD", "v=%.40s: "
			    "the only version is DKIM1", v);
	}
	p->type = AM_DKIM_RSA;
	if ((v = am_dkim_published_tag(p, "k")) != NULL) {
		p->type = strcmp(v, "rsa") == 0 ? AM_DKIM_RSA :
		    strcmp(v, "ed25519") == 0 ? AM_DKIM_ED25519 : AM_DKIM_NONE;
		if (p->type == AM_DKIM_NONE)
			rc |= add_issue(p, AM_DKIM_ERROR, "K_UNKNOWN", "unknown "
			    "key type k=%.40s (rsa or ed25519)", v);
	}
	if ((v = am_dkim_published_tag(p, "h")) != NULL &&
	    !list_has(v, "sha256", false))
		rc |= add_issue(p, AM_DKIM_ERROR, "H_NO_SHA256", "h=%.40s does "
		    "not allow sha256, the only hash signers may use (RFC "
		    "8301)", v);
	if ((v = am_dkim_published_tag(p, "s")) != NULL &&
	    !list_has(v, "email", true))
		rc |= add_issue(p, AM_DKIM_ERROR, "S_NO_EMAIL", "s=%.40s: the "
		    "key may not be used for email", v);
	if ((v = am_dkim_published_tag(p, "t")) != NULL &&
	    list_has(v, "y", false))
		rc |= add_issue(p, AM_DKIM_WARNING, "T_TESTING", "t=y: "
		    "testing mode, verifiers may ignore failed signatures");
	if (rc != 0)
		return -1;
	return lint_key(p);
}

int
am_dkim_published_parse(struct am_dkim_published *p, const char *text,
    size_t len, struct am_error *err)
{
	size_t i;
	int rc = 0;

	if (am_ossl_load(err) < 0)
		return -1;

	memset(p, 0, sizeof(*p));
	if (memchr(text, '"', len) == NULL) {
		/* The bare value, perhaps pasted over several lines. */
		if ((p->value = trimmed(text, strnlen(text, len))) == NULL)
			rc = -1;
		else if (strlen(p->value) > 0)
			p->nrecords = 1;
		if (rc == 0 && strnlen(text, len) != len)
			rc = add_issue(p, AM_DKIM_ERROR, "TAG_SYNTAX",
			    "the record contains a NUL byte");
	} else if (!parse_terraform(p, text, len, &rc) && rc == 0) {
		rc = parse_zone(p, text, len);
	}
	if (rc == 0 && p->value == NULL && (p->value = strdup("")) == NULL)
		rc = -1;
	for (i = 0; i < p->nstrings && rc == 0; i++)
		if (p->string_len[i] > AM_DKIM_STRING_MAX)
			rc = add_issue(p, AM_DKIM_ERROR, "STRING_TOO_LONG",
			    "string %zu is %zu octets long; DNS allows at "
			    "most %d per string", i + 1, p->string_len[i],
			    AM_DKIM_STRING_MAX);
	if (rc == 0)
		rc = parse_tags(p);
	if (rc == 0)
		rc = lint_tags(p);
	ERR_clear_error();
	if (rc != 0) {
		am_dkim_published_free(p);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	return 0;
}

int
am_dkim_published_check_owner(struct am_dkim_published *p,
    const char *selector, const char *domain, struct am_error *err)
{
	char *rel = NULL, *full = NULL;
	const char *o = p->owner, *rest;
	size_t olen, rlen, dlen = strlen(domain);
	bool ok;

	if (o == NULL)
		return 0;
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (asprintf(&rel, "%s._domainkey", selector) < 0 ||
	    asprintf(&full, "%s.%.*s", rel, (int)dlen, domain) < 0) {
		free(rel);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	olen = strlen(o);
	rlen = strlen(rel);
	if (olen > 0 && o[olen - 1] == '.') {
		ok = am_dnsname_equal(o, olen, full, strlen(full));
	} else {
		/* Relative to a zone that is DOMAIN or one of its parents. */
		ok = am_dnsname_equal(o, olen, rel, rlen) ||
		    am_dnsname_equal(o, olen, full, strlen(full));
		if (!ok && olen > rlen + 1 && o[rlen] == '.' &&
		    am_dnsname_equal(o, rlen, rel, rlen)) {
			rest = o + rlen + 1;
			ok = strlen(rest) < dlen && domain[strlen(rest)] ==
			    '.' && am_dnsname_equal(rest, strlen(rest), domain,
			    strlen(rest));
		}
	}
	if (!ok && add_issue(p, AM_DKIM_ERROR, "OWNER_MISMATCH", "the record "
	    "is for \"%.100s\", not %s", o, full) < 0) {
		free(rel);
		free(full);
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	free(rel);
	free(full);
	return 0;
}

size_t
am_dkim_published_errors(const struct am_dkim_published *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nissues; i++)
		if (p->issues[i].severity == AM_DKIM_ERROR)
			n++;
	return n;
}

bool
am_dkim_published_matches(const struct am_dkim_published *p,
    const struct am_dkim_key *key)
{
	bool eq;

	if (p->pkey == NULL || key->pkey == NULL || p->type != key->type)
		return false;
	eq = EVP_PKEY_eq(p->pkey, key->pkey) == 1;
	ERR_clear_error();
	return eq;
}

void
am_dkim_published_free(struct am_dkim_published *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->owner);
	free(p->cname);
	free(p->value);
	free(p->string_len);
	for (i = 0; i < p->ntags; i++) {
		free(p->tags[i].name);
		free(p->tags[i].value);
	}
	free(p->tags);
	if (p->pkey != NULL)		/* made with libcrypto loaded */
		EVP_PKEY_free(p->pkey);
	free(p->issues);
	memset(p, 0, sizeof(*p));
}

int
am_dkim_record_from_key(struct am_dkim_record *rec,
    const struct am_dkim_key *key, struct am_error *err)
{
	struct am_buf pub = AM_BUF_INIT;
	int rc;

	if (am_dkim_key_public(key, &pub, err) < 0) {
		am_buf_free(&pub);
		return -1;
	}
	rc = am_dkim_record_build(rec, key->type, key->bits, pub.data,
	    pub.len, err);
	am_buf_free(&pub);
	return rc;
}

int
am_dkim_record_check_names(const char *selector, const char *domain,
    struct am_error *err)
{
	if (am_dnsname_check(selector, "selector", 0, err) < 0)
		return -1;
	if (domain == NULL)
		return 0;
	if (am_dnsname_check(domain, "domain", AM_DNSNAME_DOMAIN |
	    AM_DNSNAME_TRAILING_DOT, err) < 0)
		return -1;
	return am_dnsname_check_dkim(selector, domain, err);
}
