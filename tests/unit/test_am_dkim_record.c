/*
 * Unit tests for am_dkim_record: building and splitting (string lengths
 * of RSA-1024/2048/4096 and Ed25519 records), every output format byte
 * for byte, parsing what people publish (rspamd's, opendkim-genkey's and
 * dig's layouts, the strings form, the terraform line, the bare value),
 * every lint rule, owner names, and matching against a key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "am_base64.h"
#include "am_dkim_key.h"
#include "am_dkim_record.h"

/* RFC 8032 §7.1 test 1 public key, base64. */
#define ED_PUB "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static const unsigned char ed_pub[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3,
	0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
	0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a };

static struct am_dkim_key rsa = AM_DKIM_KEY_INIT;	/* 2048 */
static struct am_dkim_key ed = AM_DKIM_KEY_INIT;

static int
setup_keys(void **state)
{
	struct am_error err;

	(void)state;
	if (am_dkim_key_generate(&rsa, AM_DKIM_RSA, 2048, &err) < 0 ||
	    am_dkim_key_generate(&ed, AM_DKIM_ED25519, 0, &err) < 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	(void)state;
	am_dkim_key_free(&rsa);
	am_dkim_key_free(&ed);
	return 0;
}

/*
 * An RSA public key (SPKI DER) with a modulus of the given size: the
 * record code only parses it, so 2^(bits-1) + 1 serves as well as a real
 * one and costs no prime search.
 */
static void
fake_rsa_spki(unsigned int bits, struct am_buf *out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *n = BN_new(), *e = BN_new();
	OSSL_PARAM *params;
	EVP_PKEY *pkey = NULL;
	unsigned char *der = NULL;
	int len;

	assert_non_null(bld);
	assert_non_null(ctx);
	assert_int_equal(BN_set_bit(n, (int)bits - 1), 1);
	assert_int_equal(BN_set_bit(n, 0), 1);
	assert_int_equal(BN_set_word(e, 65537), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n),
	    1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e),
	    1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	len = i2d_PUBKEY(pkey, &der);
	assert_true(len > 0);
	assert_int_equal(am_buf_add(out, der, (size_t)len), 0);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
}

static void
record_of(const struct am_dkim_key *key, struct am_dkim_record *rec)
{
	struct am_buf pub = AM_BUF_INIT;
	struct am_error err;

	assert_int_equal(am_dkim_key_public(key, &pub, &err), 0);
	assert_int_equal(am_dkim_record_build(rec, key->type, key->bits,
	    pub.data, pub.len, &err), 0);
	am_buf_free(&pub);
}

static void
expect_lengths(const struct am_dkim_record *rec, const size_t *lens,
    size_t n)
{
	size_t i, total = 0;
	char *joined;

	assert_int_equal(rec->nstrings, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(strlen(rec->strings[i]), lens[i]);
		assert_true(strlen(rec->strings[i]) <= 255);
		total += lens[i];
	}
	joined = calloc(1, total + 1);
	for (i = 0; i < n; i++)
		strcat(joined, rec->strings[i]);
	assert_string_equal(joined, rec->value);
	free(joined);
}

static void
test_build_lengths(void **state)
{
	static const size_t l1024[] = { 16, 218 }, l2048[] = { 16, 255, 139 },
	    l4096[] = { 16, 255, 255, 228 }, led[] = { 20, 46 };
	struct am_dkim_record rec;
	struct am_buf spki = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	fake_rsa_spki(1024, &spki);
	assert_int_equal(spki.len, 162);
	assert_int_equal(am_dkim_record_build(&rec, AM_DKIM_RSA, 1024,
	    spki.data, spki.len, &err), 0);
	expect_lengths(&rec, l1024, 2);
	assert_string_equal(rec.strings[0], "v=DKIM1; k=rsa; ");
	assert_memory_equal(rec.strings[1], "p=MIGfMA0G", 10);
	am_dkim_record_free(&rec);

	record_of(&rsa, &rec);	/* a real 2048-bit key */
	expect_lengths(&rec, l2048, 3);
	assert_int_equal(rec.bits, 2048);
	assert_memory_equal(rec.value, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0B",
	    38);
	am_dkim_record_free(&rec);

	am_buf_reset(&spki);
	fake_rsa_spki(4096, &spki);
	assert_int_equal(spki.len, 550);
	assert_int_equal(am_dkim_record_build(&rec, AM_DKIM_RSA, 4096,
	    spki.data, spki.len, &err), 0);
	expect_lengths(&rec, l4096, 4);
	assert_int_equal(strlen(rec.value), 754);
	am_dkim_record_free(&rec);

	assert_int_equal(am_dkim_record_build(&rec, AM_DKIM_ED25519, 256,
	    ed_pub, 32, &err), 0);
	expect_lengths(&rec, led, 2);
	assert_string_equal(rec.value, "v=DKIM1; k=ed25519; p=" ED_PUB);
	assert_string_equal(rec.public_b64, ED_PUB);
	/* sha256 of the 32 raw bytes */
	assert_string_equal(rec.fingerprint, "sha256:"
	    "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
	am_dkim_record_free(&rec);
	am_buf_free(&spki);
}

static void
test_split(void **state)
{
	char value[1200], **s;
	size_t n, i, total;

	(void)state;
	/* No p= tag: plain 255-octet pieces. */
	memset(value, 'x', 600);
	value[600] = '\0';
	assert_int_equal(am_dkim_split(value, 255, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(strlen(s[0]), 255);
	assert_int_equal(strlen(s[2]), 90);
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);

	/* Tags before p= longer than a string: no special first string. */
	memset(value, 'n', 300);
	memcpy(value, "n=", 2);
	strcpy(value + 300, "; p=abc");
	assert_int_equal(am_dkim_split(value, 255, &s, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0, total = 0; i < n; i++) {
		assert_true(strlen(s[i]) <= 255);
		total += strlen(s[i]);
		free(s[i]);
	}
	free(s);
	assert_int_equal(total, 307);

	/* A smaller limit, and FWS before p=. */
	assert_int_equal(am_dkim_split("v=DKIM1;  p=0123456789", 12, &s, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0], "v=DKIM1;  ");
	assert_string_equal(s[1], "p=0123456789");
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);

	assert_int_equal(am_dkim_split("", 255, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0], "");
	free(s[0]);
	free(s);
}

static void
render(const struct am_dkim_record *rec, enum am_dkim_output f,
    const char *domain, long ttl, bool fqdn, const char *expect)
{
	struct am_dkim_render_opts o = { "dkim-ed25519", domain, ttl, fqdn };
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	assert_int_equal(am_dkim_record_render(rec, f, &o, &out, &err), 0);
	assert_string_equal(out.data, expect);
	am_buf_free(&out);
}

static void
test_render(void **state)
{
	struct am_dkim_record rec;
	struct am_error err;

	(void)state;
	assert_int_equal(am_dkim_record_build(&rec, AM_DKIM_ED25519, 256,
	    ed_pub, 32, &err), 0);
	render(&rec, AM_DKIM_OUT_ZONE, NULL, -1, false,
	    "dkim-ed25519._domainkey IN TXT ( \"v=DKIM1; k=ed25519; \"\n"
	    "\t\"p=" ED_PUB "\" ) ;\n");
	render(&rec, AM_DKIM_OUT_ZONE, "archlinux.org", 3600, true,
	    "dkim-ed25519._domainkey.archlinux.org. 3600 IN TXT ( "
	    "\"v=DKIM1; k=ed25519; \"\n\t\"p=" ED_PUB "\" ) ;\n");
	/* A final dot of the domain is not doubled. */
	render(&rec, AM_DKIM_OUT_ZONE, "archlinux.org.", -1, true,
	    "dkim-ed25519._domainkey.archlinux.org. IN TXT ( "
	    "\"v=DKIM1; k=ed25519; \"\n\t\"p=" ED_PUB "\" ) ;\n");
	/* Without --fqdn the domain does not change the zone owner. */
	render(&rec, AM_DKIM_OUT_ZONE, "archlinux.org", 0, false,
	    "dkim-ed25519._domainkey 0 IN TXT ( "
	    "\"v=DKIM1; k=ed25519; \"\n\t\"p=" ED_PUB "\" ) ;\n");
	render(&rec, AM_DKIM_OUT_DNSKEY, NULL, -1, false,
	    "v=DKIM1; k=ed25519; p=" ED_PUB "\n");
	render(&rec, AM_DKIM_OUT_TXT, "archlinux.org", 60, true,
	    "v=DKIM1; k=ed25519; p=" ED_PUB "\n");
	render(&rec, AM_DKIM_OUT_PLAIN, NULL, -1, false, ED_PUB "\n");
	render(&rec, AM_DKIM_OUT_STRINGS, NULL, -1, false,
	    "\"v=DKIM1; k=ed25519; \" \"p=" ED_PUB "\"\n");
	render(&rec, AM_DKIM_OUT_TERRAFORM, "archlinux.org", -1, false,
	    "\"dkim-ed25519._domainkey\" = { value = "
	    "\"v=DKIM1; k=ed25519; p=" ED_PUB "\" }\n");
	render(&rec, AM_DKIM_OUT_TERRAFORM, NULL, 300, false,
	    "\"dkim-ed25519._domainkey\" = { value = "
	    "\"v=DKIM1; k=ed25519; p=" ED_PUB "\", ttl = 300 }\n");
	render(&rec, AM_DKIM_OUT_JSON, "archlinux.org", -1, false,
	    "{\"selector\":\"dkim-ed25519\",\"domain\":\"archlinux.org\","
	    "\"name\":\"dkim-ed25519._domainkey.archlinux.org\","
	    "\"type\":\"ed25519\",\"bits\":256,\"public_key\":\"" ED_PUB "\","
	    "\"value\":\"v=DKIM1; k=ed25519; p=" ED_PUB "\","
	    "\"strings\":[\"v=DKIM1; k=ed25519; \",\"p=" ED_PUB "\"],"
	    "\"fingerprint\":\"sha256:21fe31dfa154a261626bf854046fd2271b7bed4b"
	    "6abe45aa58877ef47f9721b9\"}\n");
	render(&rec, AM_DKIM_OUT_JSON, NULL, 60, false,
	    "{\"selector\":\"dkim-ed25519\",\"domain\":null,"
	    "\"name\":\"dkim-ed25519._domainkey\","
	    "\"type\":\"ed25519\",\"bits\":256,\"public_key\":\"" ED_PUB "\","
	    "\"value\":\"v=DKIM1; k=ed25519; p=" ED_PUB "\","
	    "\"strings\":[\"v=DKIM1; k=ed25519; \",\"p=" ED_PUB "\"],"
	    "\"fingerprint\":\"sha256:21fe31dfa154a261626bf854046fd2271b7bed4b"
	    "6abe45aa58877ef47f9721b9\",\"ttl\":60}\n");
	am_dkim_record_free(&rec);

	assert_int_equal(am_dkim_output_from_name("zone"), AM_DKIM_OUT_ZONE);
	assert_int_equal(am_dkim_output_from_name("terraform"),
	    AM_DKIM_OUT_TERRAFORM);
	/* rspamadm 3.6 and later call the zone format "dns". */
	assert_int_equal(am_dkim_output_from_name("dns"), AM_DKIM_OUT_ZONE);
	assert_int_equal(am_dkim_output_from_name("dnsx"), AM_DKIM_OUT_NONE);
}

static void
test_render_long_zone(void **state)
{
	struct am_dkim_render_opts o = { "dkim-rsa", NULL, -1, false };
	struct am_dkim_record rec;
	struct am_buf out = AM_BUF_INIT, expect = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	record_of(&rsa, &rec);
	assert_int_equal(am_dkim_record_render(&rec, AM_DKIM_OUT_ZONE, &o,
	    &out, &err), 0);
	/* rspamd's long layout: one string per line, ")" on its own. */
	am_buf_printf(&expect, "dkim-rsa._domainkey IN TXT ( \"%s\"\n"
	    "\t\"%s\"\n\t\"%s\"\n) ;\n", rec.strings[0], rec.strings[1],
	    rec.strings[2]);
	assert_string_equal(out.data, expect.data);
	am_buf_free(&out);
	am_buf_free(&expect);
	am_dkim_record_free(&rec);
}

/* Severity of the issue with this code, 0 if there is none. */
static int
issue(const struct am_dkim_published *p, const char *code)
{
	size_t i;

	for (i = 0; i < p->nissues; i++)
		if (strcmp(p->issues[i].code, code) == 0)
			return (int)p->issues[i].severity;
	return 0;
}

static void
parse(struct am_dkim_published *p, const char *text)
{
	struct am_error err;

	assert_int_equal(am_dkim_published_parse(p, text, strlen(text), &err),
	    0);
}

/* text has exactly one issue, code, of severity sev. */
static void
only_issue(const char *text, const char *code, int sev)
{
	struct am_dkim_published p;
	size_t i;

	parse(&p, text);
	if (p.nissues != 1 || strcmp(p.issues[0].code, code) != 0) {
		for (i = 0; i < p.nissues; i++)
			print_error("  %s: %s\n", p.issues[i].code,
			    p.issues[i].message);
		fail_msg("\"%.60s\": expected only %s", text, code);
	}
	assert_int_equal(p.issues[0].severity, sev);
	am_dkim_published_free(&p);
}

static void
no_issue(const char *text)
{
	struct am_dkim_published p;

	parse(&p, text);
	if (p.nissues != 0)
		fail_msg("\"%.60s\": %s: %s", text, p.issues[0].code,
		    p.issues[0].message);
	am_dkim_published_free(&p);
}

static void
test_parse_layouts(void **state)
{
	struct am_dkim_published p;
	struct am_dkim_record rec;
	struct am_buf text = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	/* rspamd 3.4 */
	parse(&p, "dkim-ed25519._domainkey IN TXT ( \"v=DKIM1; k=ed25519; \"\n"
	    "\t\"p=" ED_PUB "\" ) ;\n");
	assert_int_equal(p.nissues, 0);
	assert_string_equal(p.owner, "dkim-ed25519._domainkey");
	assert_string_equal(p.value, "v=DKIM1; k=ed25519; p=" ED_PUB);
	assert_int_equal(p.nstrings, 2);
	assert_int_equal(p.string_len[0], 20);
	assert_int_equal(p.string_len[1], 46);
	assert_int_equal(p.type, AM_DKIM_ED25519);
	assert_int_equal(p.bits, 256);
	assert_non_null(p.pkey);
	assert_false(p.revoked);
	assert_string_equal(am_dkim_published_tag(&p, "k"), "ed25519");
	am_dkim_published_free(&p);

	/* rspamd 4.x: no blank between ";" and "p=" */
	parse(&p, "dkim-ed25519._domainkey IN TXT ( \"v=DKIM1; k=ed25519;\" \n"
	    "\t\"p=" ED_PUB "\" ) ;");
	assert_int_equal(p.nissues, 0);
	assert_string_equal(p.value, "v=DKIM1; k=ed25519;p=" ED_PUB);
	am_dkim_published_free(&p);

	/* opendkim-genkey, with h=, TABs and a trailing comment; and the
	 * record of our own 2048-bit key in zone layout. */
	record_of(&rsa, &rec);
	am_buf_printf(&text, "od._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; "
	    "k=rsa; \"\n\t  \"%s\"\n\t  \"%s\" )  ; ----- DKIM key od for "
	    "archlinux.org\n", rec.strings[1], rec.strings[2]);
	parse(&p, text.data);
	assert_int_equal(p.nissues, 0);
	assert_int_equal(p.bits, 2048);
	assert_int_equal(p.type, AM_DKIM_RSA);
	assert_true(am_dkim_published_matches(&p, &rsa));
	assert_false(am_dkim_published_matches(&p, &ed));
	am_dkim_published_free(&p);

	/* dig output, absolute owner, TTL */
	am_buf_reset(&text);
	am_buf_printf(&text, ";; ANSWER SECTION:\ndkim-rsa._domainkey."
	    "archlinux.org. 3600 IN TXT \"%s\" \"%s\" \"%s\"\n",
	    rec.strings[0], rec.strings[1], rec.strings[2]);
	parse(&p, text.data);
	assert_int_equal(p.nissues, 0);
	assert_string_equal(p.owner, "dkim-rsa._domainkey.archlinux.org.");
	assert_string_equal(p.value, rec.value);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);

	/* The strings form and the bare value, also over several lines */
	am_buf_reset(&text);
	am_buf_printf(&text, "\"%s\" \"%s\" \"%s\"", rec.strings[0],
	    rec.strings[1], rec.strings[2]);
	parse(&p, text.data);
	assert_int_equal(p.nissues, 0);
	assert_null(p.owner);
	assert_int_equal(p.nstrings, 3);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);
	parse(&p, rec.value);
	assert_int_equal(p.nissues, 0);
	assert_int_equal(p.nstrings, 0);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);
	am_buf_reset(&text);
	am_buf_printf(&text, "  %s\n%s%s\n", rec.strings[0], rec.strings[1],
	    rec.strings[2]);
	parse(&p, text.data);
	assert_int_equal(p.nissues, 0);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);

	/* The terraform line */
	am_buf_reset(&text);
	am_buf_printf(&text, "    \"dkim-rsa._domainkey.lists\" = { value = "
	    "\"%s\" }\n", rec.value);
	parse(&p, text.data);
	assert_int_equal(p.nissues, 0);
	assert_string_equal(p.owner, "dkim-rsa._domainkey.lists");
	assert_string_equal(p.value, rec.value);
	assert_int_equal(am_dkim_published_check_owner(&p, "dkim-rsa",
	    "lists.archlinux.org", &err), 0);
	assert_int_equal(p.nissues, 0);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);

	/* Escapes in zone strings: \" \\ \DDD */
	parse(&p, "x IN TXT \"v=DKIM1; n=a\\\"b\\092c\\059; p=" ED_PUB
	    "\"");
	assert_string_equal(am_dkim_published_tag(&p, "n"), "a\"b\\c");
	am_dkim_published_free(&p);

	am_dkim_record_free(&rec);
	am_buf_free(&text);
}

static void
test_lint_tags(void **state)
{
	(void)state;
	no_issue("v=DKIM1; k=ed25519; p=" ED_PUB);
	no_issue("k=ed25519; p=" ED_PUB);	/* v= is optional */
	no_issue("v=DKIM1;k=ed25519;p=" ED_PUB ";");
	no_issue(" v = DKIM1 ; k = ed25519 ; p = " ED_PUB " ; x_other=1");
	no_issue("v=DKIM1; k=ed25519; h=sha1:sha256; s=*; t=s; n=note; p="
	    ED_PUB);
	no_issue("v=DKIM1; k=ed25519; s=email; p=11qYAYKxCrfVS/7TyWQHOg7hcvPa "
	    "piMlrwIaaPcHURo=");	/* FWS inside p= */
	only_issue("k=ed25519; v=DKIM1; p=" ED_PUB, "V_NOT_FIRST",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM2; k=ed25519; p=" ED_PUB, "V_BAD", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ec; p=" ED_PUB, "K_UNKNOWN", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; h=sha1; p=" ED_PUB, "H_NO_SHA256",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; s=tlsrpt; p=" ED_PUB, "S_NO_EMAIL",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; t=y; p=" ED_PUB, "T_TESTING",
	    AM_DKIM_WARNING);
	only_issue("v=DKIM1; k=ed25519; t=y:s; p=" ED_PUB, "T_TESTING",
	    AM_DKIM_WARNING);
	only_issue("v=DKIM1; k=ed25519", "P_MISSING", AM_DKIM_ERROR);
	only_issue("", "P_MISSING", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; p=", "P_REVOKED", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=rsa; p= ", "P_REVOKED", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; p=11qYAYKx!", "P_BAD_BASE64",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; p=" ED_PUB "; k=rsa",
	    "TAG_DUPLICATE", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; junk; p=" ED_PUB, "TAG_SYNTAX",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; 9x=1; p=" ED_PUB, "TAG_SYNTAX",
	    AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; n=caf\xc3\xa9; p=" ED_PUB,
	    "TAG_SYNTAX", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519;; p=" ED_PUB, "TAG_EMPTY",
	    AM_DKIM_WARNING);
}

static void
test_lint_keys(void **state)
{
	struct am_buf spki = AM_BUF_INIT, b64 = AM_BUF_INIT, t = AM_BUF_INIT;
	struct am_dkim_published p;
	unsigned char *der = NULL;
	OSSL_ENCODER_CTX *ctx;
	size_t len = 0;
	int n;

	(void)state;
	/* Ed25519 published as SubjectPublicKeyInfo (44 bytes) */
	n = i2d_PUBKEY(ed.pkey, &der);
	assert_int_equal(n, 44);
	am_base64_encode(&b64, der, (size_t)n);
	OPENSSL_free(der);
	der = NULL;
	am_buf_printf(&t, "v=DKIM1; k=ed25519; p=%s", b64.data);
	only_issue(t.data, "ED25519_SPKI", AM_DKIM_ERROR);
	/* ...which still names the key, so the verdict can say so. */
	parse(&p, t.data);
	assert_true(am_dkim_published_matches(&p, &ed));
	am_dkim_published_free(&p);

	/* Ed25519 key base64-encoded twice (rspamd 3.6, 3.7.0) */
	am_buf_reset(&b64);
	am_base64_encode(&b64, ED_PUB, strlen(ED_PUB));
	am_buf_reset(&t);
	am_buf_printf(&t, "v=DKIM1; k=ed25519; p=%s", b64.data);
	only_issue(t.data, "ED25519_DOUBLE_BASE64", AM_DKIM_ERROR);
	only_issue("v=DKIM1; k=ed25519; p=AAAA", "ED25519_SIZE",
	    AM_DKIM_ERROR);

	/* RSA sizes */
	fake_rsa_spki(512, &spki);
	am_buf_reset(&b64);
	am_base64_encode(&b64, spki.data, spki.len);
	am_buf_reset(&t);
	am_buf_printf(&t, "v=DKIM1; k=rsa; p=%s", b64.data);
	only_issue(t.data, "RSA_TOO_SMALL", AM_DKIM_ERROR);
	am_buf_reset(&spki);
	fake_rsa_spki(4104, &spki);
	am_buf_reset(&b64);
	am_base64_encode(&b64, spki.data, spki.len);
	am_buf_reset(&t);
	am_buf_printf(&t, "v=DKIM1; p=%s", b64.data);	/* k=rsa default */
	only_issue(t.data, "RSA_LARGE", AM_DKIM_WARNING);
	parse(&p, t.data);
	assert_int_equal(p.bits, 4104);
	am_dkim_published_free(&p);

	/* RSA: not a key; an Ed25519 key; an Ed25519 SPKI */
	only_issue("v=DKIM1; k=rsa; p=AAAA", "RSA_BAD_KEY", AM_DKIM_ERROR);
	only_issue("v=DKIM1; p=" ED_PUB, "RSA_BAD_KEY", AM_DKIM_ERROR);
	n = i2d_PUBKEY(ed.pkey, &der);
	am_buf_reset(&b64);
	am_base64_encode(&b64, der, (size_t)n);
	OPENSSL_free(der);
	der = NULL;
	am_buf_reset(&t);
	am_buf_printf(&t, "v=DKIM1; k=rsa; p=%s", b64.data);
	only_issue(t.data, "RSA_BAD_KEY", AM_DKIM_ERROR);

	/* A bare RSAPublicKey (PKCS#1): usable, but a warning */
	ctx = OSSL_ENCODER_CTX_new_for_pkey(rsa.pkey, EVP_PKEY_PUBLIC_KEY,
	    "DER", "type-specific", NULL);
	assert_int_equal(OSSL_ENCODER_to_data(ctx, &der, &len), 1);
	OSSL_ENCODER_CTX_free(ctx);
	am_buf_reset(&b64);
	am_base64_encode(&b64, der, len);
	OPENSSL_free(der);
	am_buf_reset(&t);
	am_buf_printf(&t, "v=DKIM1; k=rsa; p=%s", b64.data);
	only_issue(t.data, "RSA_PKCS1", AM_DKIM_WARNING);
	parse(&p, t.data);
	assert_true(am_dkim_published_matches(&p, &rsa));
	am_dkim_published_free(&p);

	am_buf_free(&spki);
	am_buf_free(&b64);
	am_buf_free(&t);
}

static void
test_lint_zone(void **state)
{
	struct am_buf t = AM_BUF_INIT;
	char s256[257];

	(void)state;
	/* A character-string over 255 octets */
	memset(s256, 'A', 256);
	s256[256] = '\0';
	s256[0] = 'n';
	s256[1] = '=';
	am_buf_printf(&t, "x IN TXT ( \"%s\" \"; k=ed25519; p=" ED_PUB "\" )",
	    s256);
	only_issue(t.data, "STRING_TOO_LONG", AM_DKIM_ERROR);
	/* ...but a long bare value is fine: it is split when published */
	am_buf_reset(&t);
	am_buf_printf(&t, "%s; k=ed25519; p=" ED_PUB, s256);
	no_issue(t.data);

	only_issue("x IN TXT ( \"v=DKIM1; k=ed25519; p=" ED_PUB "\"", "PARSE",
	    AM_DKIM_ERROR);
	only_issue("x IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB "\" )", "PARSE",
	    AM_DKIM_ERROR);
	only_issue("x IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB, "PARSE",
	    AM_DKIM_ERROR);
	only_issue("x IN CNAME \"v=DKIM1; k=ed25519; p=" ED_PUB "\"", "PARSE",
	    AM_DKIM_ERROR);
	/* Two records for one name; the DKIM one is linted */
	only_issue("x IN TXT \"v=spf1 -all\"\nx IN TXT \"v=DKIM1; k=ed25519; "
	    "p=" ED_PUB "\"\n", "MULTIPLE_RECORDS", AM_DKIM_ERROR);
	/* A zone file line whose owner is inherited (leading blank) */
	no_issue("   3600 IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB "\"");
	/* NUL bytes */
	{
		struct am_dkim_published p;
		struct am_error err;
		static const char nul[] = "v=DKIM1; k=ed25519; p=" ED_PUB
		    "\0; x=y";

		assert_int_equal(am_dkim_published_parse(&p, nul, sizeof(nul)
		    - 1, &err), 0);
		assert_int_equal(issue(&p, "TAG_SYNTAX"), AM_DKIM_ERROR);
		am_dkim_published_free(&p);
	}
	am_buf_free(&t);
}

static void
owner(const char *text, const char *sel, const char *dom, bool ok)
{
	struct am_dkim_published p;
	struct am_error err;

	parse(&p, text);
	assert_int_equal(am_dkim_published_check_owner(&p, sel, dom, &err), 0);
	if ((issue(&p, "OWNER_MISMATCH") == 0) != ok)
		fail_msg("owner of \"%s\" for %s, %s: expected %s", text, sel,
		    dom, ok ? "a match" : "a mismatch");
	am_dkim_published_free(&p);
}

/* An empty terraform value: found by tests/fuzz (wrote to a literal). */
static void
test_terraform_empty_value(void **state)
{
	struct am_dkim_published p;

	(void)state;
	parse(&p, "\"s._domainkey\" = { value = \"\" }\n");
	assert_string_equal(p.value, "");
	assert_true(p.nissues > 0);
	am_dkim_published_free(&p);
}

static void
test_owner(void **state)
{
	const char *rec = " IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB "\"";
	char text[200];

	(void)state;
#define OWNER(o, s, d, ok) \
	snprintf(text, sizeof(text), "%s%s", o, rec); owner(text, s, d, ok)
	OWNER("dkim._domainkey", "dkim", "archlinux.org", true);
	OWNER("DKIM._domainkey", "dkim", "archlinux.org", true);
	OWNER("dkim._domainkey.archlinux.org.", "dkim", "archlinux.org",
	    true);
	OWNER("dkim._domainkey.archlinux.org", "dkim", "archlinux.org.",
	    true);
	OWNER("dkim._domainkey.lists", "dkim", "lists.archlinux.org", true);
	OWNER("dkim._domainkey.lists", "dkim", "archlinux.org", false);
	OWNER("dkim._domainkey.lists.", "dkim", "lists.archlinux.org", false);
	OWNER("other._domainkey", "dkim", "archlinux.org", false);
	OWNER("dkim._domainkey.example.org.", "dkim", "archlinux.org", false);
	OWNER("dkim", "dkim", "archlinux.org", false);
#undef OWNER
	/* No owner in the text: nothing to check */
	owner("\"v=DKIM1; k=ed25519; p=" ED_PUB "\"", "x", "y.org", true);
}

static void
test_matches(void **state)
{
	struct am_dkim_key other = AM_DKIM_KEY_INIT;
	struct am_dkim_published p;
	struct am_dkim_record rec;
	struct am_error err;

	(void)state;
	record_of(&ed, &rec);
	parse(&p, rec.value);
	assert_true(am_dkim_published_matches(&p, &ed));
	assert_false(am_dkim_published_matches(&p, &rsa));
	assert_int_equal(am_dkim_key_generate(&other, AM_DKIM_ED25519, 0,
	    &err), 0);
	assert_false(am_dkim_published_matches(&p, &other));
	am_dkim_published_free(&p);
	/* A revoked record matches nothing */
	parse(&p, "v=DKIM1; k=ed25519; p=");
	assert_true(p.revoked);
	assert_null(p.pkey);
	assert_false(am_dkim_published_matches(&p, &ed));
	assert_int_equal(am_dkim_published_errors(&p), 1);
	am_dkim_published_free(&p);
	am_dkim_key_free(&other);
	am_dkim_record_free(&rec);
}

/* dig's answer for a name that is a CNAME: the chain, then the TXT. */
static void
test_cname(void **state)
{
	struct am_dkim_published p;
	struct am_error err;

	(void)state;
	parse(&p, "; <<>> DiG <<>> TXT dkim._domainkey.archlinux.org\n"
	    "dkim._domainkey.archlinux.org. 3600 IN CNAME a.example.net.\n"
	    "a.example.net. 60 IN CNAME b.example.net.\n"
	    "b.example.net. 300 IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB
	    "\"\n");
	assert_int_equal(p.nissues, 0);
	assert_int_equal(p.nrecords, 1);
	assert_string_equal(p.owner, "dkim._domainkey.archlinux.org.");
	assert_string_equal(p.cname, "b.example.net.");
	assert_int_equal(p.type, AM_DKIM_ED25519);
	assert_int_equal(am_dkim_published_check_owner(&p, "dkim",
	    "archlinux.org", &err), 0);
	assert_int_equal(p.nissues, 0);
	am_dkim_published_free(&p);
	/* A chain that does not reach the TXT record's name. */
	parse(&p, "dkim._domainkey.archlinux.org. IN CNAME c.example.net.\n"
	    "b.example.net. IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB "\"\n");
	assert_null(p.cname);
	assert_string_equal(p.owner, "b.example.net.");
	assert_int_equal(am_dkim_published_check_owner(&p, "dkim",
	    "archlinux.org", &err), 0);
	assert_int_equal(am_dkim_published_errors(&p), 1);
	assert_string_equal(p.issues[0].code, "OWNER_MISMATCH");
	am_dkim_published_free(&p);
	/* A CNAME loop ends. */
	parse(&p, "a.example.net. IN CNAME b.example.net.\n"
	    "b.example.net. IN CNAME a.example.net.\n"
	    "a.example.net. IN TXT \"v=DKIM1; k=ed25519; p=" ED_PUB "\"\n");
	assert_non_null(p.owner);
	am_dkim_published_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_lengths),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_long_zone),
		cmocka_unit_test(test_parse_layouts),
		cmocka_unit_test(test_lint_tags),
		cmocka_unit_test(test_lint_keys),
		cmocka_unit_test(test_lint_zone),
		cmocka_unit_test(test_terraform_empty_value),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_cname),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
