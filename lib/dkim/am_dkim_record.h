/*
 * am_dkim_record - DKIM key records (RFC 6376 §3.6.1, RFC 8463): build,
 * split, render, and parse and lint a published one.
 *
 * Building: am_dkim_record_build() makes "v=DKIM1; k=TYPE; p=BASE64" from
 * a public key (am_dkim_key_public()) and splits it into DNS
 * character-strings of at most 255 octets: the tags before p= in one
 * string, then p= and its base64 filled up to 255 octets per string (the
 * layout rspamd uses, so RSA-2048 gives 16, 255, 139).
 * am_dkim_record_render() prints it in one of the output formats:
 *
 *	zone		SEL._domainkey IN TXT ( "v=DKIM1; k=rsa; "
 *				"p=..." ) ;
 *	dnskey, txt	the unsplit value on one line
 *	plain		the base64 public key only
 *	strings		"..." "..." on one line
 *	terraform	"SEL._domainkey" = { value = "v=DKIM1; ..." }
 *	json		one object: selector, domain, name, type, bits,
 *			public_key, value, strings, fingerprint (sha256:HEX)
 *
 * Parsing: am_dkim_published_parse() reads what someone published or
 * pasted: zone-file text (owner, TTL, class, TXT, quoted strings with
 * escapes, parentheses, comments), dig output, the strings form, the
 * terraform line, or the bare joined value.  Problems do not make it
 * fail; they become issues (errors and warnings with stable codes), and
 * am_dkim_published_matches() compares the published key with a private
 * key.  Only a failed allocation returns -1.
 */
#ifndef AM_DKIM_RECORD_H
#define AM_DKIM_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_dkim_key.h"
#include "am_error.h"
#include "am_json.h"

#define AM_DKIM_STRING_MAX 255	/* octets in one DNS character-string */

struct am_dkim_record {
	enum am_dkim_key_type type;
	unsigned int bits;
	char *public_b64;	/* the p= value */
	char *value;		/* "v=DKIM1; k=...; p=..." */
	char **strings;		/* value split into character-strings */
	size_t nstrings;
	char fingerprint[72];	/* "sha256:" + hex of the public key */
};

enum am_dkim_output {
	AM_DKIM_OUT_NONE = 0,
	AM_DKIM_OUT_ZONE,
	AM_DKIM_OUT_DNSKEY,
	AM_DKIM_OUT_TXT,
	AM_DKIM_OUT_PLAIN,
	AM_DKIM_OUT_STRINGS,
	AM_DKIM_OUT_TERRAFORM,
	AM_DKIM_OUT_JSON,
};

struct am_dkim_render_opts {
	const char *selector;
	const char *domain;	/* NULL: none given */
	long ttl;		/* < 0: none */
	bool fqdn;		/* zone: SEL._domainkey.DOMAIN. as owner */
};

/* pub: am_dkim_key_public()'s bytes; bits: the key's size. */
int am_dkim_record_build(struct am_dkim_record *rec,
    enum am_dkim_key_type type, unsigned int bits, const void *pub,
    size_t publen, struct am_error *err);
void am_dkim_record_free(struct am_dkim_record *rec);
/* The record of key: its public key and size, through the above. */
int am_dkim_record_from_key(struct am_dkim_record *rec,
    const struct am_dkim_key *key, struct am_error *err);
/*
 * The names a record is published under: the selector, the signing
 * domain (NULL: none given; one final dot accepted), and the owner name
 * SEL._domainkey.DOMAIN fitting a DNS name.  0, or -1 and AM_E_INVALID.
 */
int am_dkim_record_check_names(const char *selector, const char *domain,
    struct am_error *err);

/*
 * Split value into character-strings of at most max octets (max <= 255):
 * the tags before a p= tag in one string when they fit, then p= and the
 * rest in full strings.  *strings is an array of *n malloc'ed strings.
 */
int am_dkim_split(const char *value, size_t max, char ***strings, size_t *n);

/* "zone", "dnskey", ...; AM_DKIM_OUT_NONE if unknown. */
enum am_dkim_output am_dkim_output_from_name(const char *name);

/* Append the record in the given format, with a final newline. */
int am_dkim_record_render(const struct am_dkim_record *rec,
    enum am_dkim_output format, const struct am_dkim_render_opts *o,
    struct am_buf *out, struct am_error *err);
/* The json format's object, as a member key (NULL in an array or alone). */
void am_dkim_record_json(const struct am_dkim_record *rec,
    const struct am_dkim_render_opts *o, struct am_json *j, const char *key);

enum am_dkim_severity {
	AM_DKIM_WARNING = 1,
	AM_DKIM_ERROR,
};

struct am_dkim_issue {
	enum am_dkim_severity severity;
	const char *code;	/* stable: "P_REVOKED", "STRING_TOO_LONG", ... */
	char message[300];
};

struct am_dkim_tag {
	char *name;
	char *value;		/* as published, surrounding blanks removed */
};

struct am_dkim_published {
	char *owner;		/* owner name in the text, NULL if none */
	char *cname;		/* the TXT's own name when owner is a CNAME */
	char *value;		/* the TXT data, strings joined */
	size_t *string_len;	/* octets of each character-string */
	size_t nstrings;	/* 0: a bare value was given */
	size_t nrecords;	/* TXT records in the text */
	struct am_dkim_tag *tags;
	size_t ntags;
	enum am_dkim_key_type type;	/* from k= (default rsa), or NONE */
	unsigned int bits;	/* of the published key, 0 if unknown */
	bool revoked;		/* p= empty */
	EVP_PKEY *pkey;		/* the published key, NULL if unusable */
	struct am_dkim_issue *issues;
	size_t nissues;
};

/*
 * Parse and lint text (NUL bytes allowed).  Lint rules: tag-list syntax,
 * duplicate tags, v= first and DKIM1, k= known, h= allows sha256,
 * s= allows email, t=y (warning), p= present, empty (revoked) and
 * base64; RSA key parses, at least 1024 bits (above 4096 a warning);
 * Ed25519 key of 32 bytes, not a SubjectPublicKeyInfo and not base64
 * encoded twice; each character-string at most 255 octets; one record.
 */
int am_dkim_published_parse(struct am_dkim_published *p, const char *text,
    size_t len, struct am_error *err);
/* Lint the owner name, if the text had one, against SEL._domainkey.DOM. */
int am_dkim_published_check_owner(struct am_dkim_published *p,
    const char *selector, const char *domain, struct am_error *err);
const char *am_dkim_published_tag(const struct am_dkim_published *p,
    const char *name);
size_t am_dkim_published_errors(const struct am_dkim_published *p);
/* The published key is key's public key (type and key equal). */
bool am_dkim_published_matches(const struct am_dkim_published *p,
    const struct am_dkim_key *key);
void am_dkim_published_free(struct am_dkim_published *p);

#endif
