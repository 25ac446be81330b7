/*
 * Unit tests for am_dkim_key: generation, every format's round trip
 * (encode, decode, same key and the format detected), the read-only forms
 * (rspamd seed, PKCS#1 DER, base64 DER), public keys checked against
 * independent encodings, refusals (bits, wrong format for the type,
 * public or encrypted keys, junk), and the key file writer (mode, no
 * overwrite without force, symlinks, same content).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "am_base64.h"
#include "am_dkim_key.h"
#include "unit_helpers.h"

/* Generated once: RSA generation is slow. */
static struct am_dkim_key rsa1024 = AM_DKIM_KEY_INIT;
static struct am_dkim_key ed = AM_DKIM_KEY_INIT;

static int
setup_keys(void **state)
{
	struct am_error err;

	(void)state;
	if (am_dkim_key_generate(&rsa1024, AM_DKIM_RSA, 1024, &err) < 0 ||
	    am_dkim_key_generate(&ed, AM_DKIM_ED25519, 0, &err) < 0)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	(void)state;
	am_dkim_key_free(&rsa1024);
	am_dkim_key_free(&ed);
	return 0;
}

static void
test_generate(void **state)
{
	(void)state;
	assert_int_equal(rsa1024.type, AM_DKIM_RSA);
	assert_int_equal(rsa1024.bits, 1024);
	assert_int_equal(EVP_PKEY_get_base_id(rsa1024.pkey), EVP_PKEY_RSA);
	assert_int_equal(ed.type, AM_DKIM_ED25519);
	assert_int_equal(ed.bits, 256);
	assert_int_equal(EVP_PKEY_get_base_id(ed.pkey), EVP_PKEY_ED25519);
}

static void
test_bits(void **state)
{
	struct am_dkim_key k = AM_DKIM_KEY_INIT;
	struct am_error err;

	(void)state;
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 1024, &err), 0);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 2048, &err), 0);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 8192, &err), 0);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 3072, &err), 0);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 1016, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 512, &err), -1);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 0, &err), -1);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 2047, &err), -1);
	assert_non_null(strstr(err.message, "multiple of 8"));
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_RSA, 8200, &err), -1);
	/* rspamadm ignores the size of Ed25519 keys, so may we. */
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_ED25519, 0, &err), 0);
	assert_int_equal(am_dkim_key_check_bits(AM_DKIM_ED25519, -5, &err), 0);
	/* Generation checks too, and makes nothing. */
	assert_int_equal(am_dkim_key_generate(&k, AM_DKIM_RSA, 1000, &err), -1);
	assert_null(k.pkey);
	assert_int_equal(am_dkim_key_generate(&k, AM_DKIM_NONE, 0, &err), -1);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(am_dkim_key_type_from_name("rsa"), AM_DKIM_RSA);
	assert_int_equal(am_dkim_key_type_from_name("RSA"), AM_DKIM_RSA);
	assert_int_equal(am_dkim_key_type_from_name("ed25519"),
	    AM_DKIM_ED25519);
	assert_int_equal(am_dkim_key_type_from_name("ED25519"),
	    AM_DKIM_ED25519);
	assert_int_equal(am_dkim_key_type_from_name("dsa"), AM_DKIM_NONE);
	assert_int_equal(am_dkim_key_type_from_name("ed25519-seed"),
	    AM_DKIM_NONE);
	assert_int_equal(am_dkim_key_format_from_name("pem"), AM_DKIM_KEY_PEM);
	assert_int_equal(am_dkim_key_format_from_name("pkcs8"),
	    AM_DKIM_KEY_PEM);
	assert_int_equal(am_dkim_key_format_from_name("pkcs1"),
	    AM_DKIM_KEY_PKCS1);
	assert_int_equal(am_dkim_key_format_from_name("der"), AM_DKIM_KEY_DER);
	assert_int_equal(am_dkim_key_format_from_name("rspamd"),
	    AM_DKIM_KEY_RSPAMD);
	/* Read-only forms cannot be asked for. */
	assert_int_equal(am_dkim_key_format_from_name("rspamd-seed"),
	    AM_DKIM_KEY_UNKNOWN);
	assert_int_equal(am_dkim_key_format_from_name("jwk"),
	    AM_DKIM_KEY_UNKNOWN);
	assert_string_equal(am_dkim_key_format_name(AM_DKIM_KEY_PEM), "pem");
}

/* Encode key in format, decode it again: same key, format detected. */
static void
round_trip(const struct am_dkim_key *key, enum am_dkim_key_format format,
    const char *prefix)
{
	struct am_dkim_key back = AM_DKIM_KEY_INIT;
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;

	assert_int_equal(am_dkim_key_encode(key, format, &data, &err), 0);
	if (prefix != NULL)
		assert_memory_equal(data.data, prefix, strlen(prefix));
	assert_int_equal(am_dkim_key_decode(&back, data.data, data.len, &err),
	    0);
	assert_int_equal(back.format, format);
	assert_int_equal(back.type, key->type);
	assert_int_equal(back.bits, key->bits);
	assert_int_equal(EVP_PKEY_eq(back.pkey, key->pkey), 1);
	am_dkim_key_free(&back);
	am_buf_wipe(&data);
}

static void
test_round_trips(void **state)
{
	(void)state;
	round_trip(&rsa1024, AM_DKIM_KEY_PEM, "-----BEGIN PRIVATE KEY-----\n");
	round_trip(&rsa1024, AM_DKIM_KEY_PKCS1,
	    "-----BEGIN RSA PRIVATE KEY-----\n");
	round_trip(&rsa1024, AM_DKIM_KEY_DER, "\x30\x82");
	round_trip(&ed, AM_DKIM_KEY_PEM, "-----BEGIN PRIVATE KEY-----\n");
	round_trip(&ed, AM_DKIM_KEY_DER, "\x30\x2e");
	round_trip(&ed, AM_DKIM_KEY_RSPAMD, NULL);
}

/* Ed25519 PKCS#8 is built by hand: byte for byte OpenSSL's encoding. */
static void
test_ed25519_pkcs8_as_openssl(void **state)
{
	static const char *const types[] = { "PEM", "DER" };
	static const enum am_dkim_key_format formats[] = { AM_DKIM_KEY_PEM,
	    AM_DKIM_KEY_DER };
	struct am_buf data = AM_BUF_INIT;
	struct am_dkim_key k = AM_DKIM_KEY_INIT;
	struct am_error err;
	OSSL_ENCODER_CTX *ctx;
	unsigned char *ref = NULL;
	size_t len = 0, i, n;

	(void)state;
	for (n = 0; n < 20; n++) {
		assert_int_equal(am_dkim_key_generate(&k, AM_DKIM_ED25519, 0,
		    &err), 0);
		for (i = 0; i < 2; i++) {
			ctx = OSSL_ENCODER_CTX_new_for_pkey(k.pkey,
			    EVP_PKEY_KEYPAIR, types[i], "PrivateKeyInfo", NULL);
			assert_non_null(ctx);
			assert_int_equal(OSSL_ENCODER_to_data(ctx, &ref, &len),
			    1);
			OSSL_ENCODER_CTX_free(ctx);
			am_buf_reset(&data);
			assert_int_equal(am_dkim_key_encode(&k, formats[i],
			    &data, &err), 0);
			assert_int_equal(data.len, len);
			assert_memory_equal(data.data, ref, len);
			OPENSSL_clear_free(ref, len);
			ref = NULL;
		}
		am_dkim_key_free(&k);
	}
	am_buf_wipe(&data);
}

/* The encodings are the standard ones, as OpenSSL itself reads them. */
static void
test_encodings_are_standard(void **state)
{
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;
	const unsigned char *p;
	EVP_PKEY *pk;
	BIO *bio;

	(void)state;
	/* PKCS#8 DER: d2i_PrivateKey of the ed25519 OID structure. */
	assert_int_equal(am_dkim_key_encode(&ed, AM_DKIM_KEY_DER, &data,
	    &err), 0);
	assert_int_equal(data.len, 48);	/* RFC 8410 §7 */
	p = (const unsigned char *)data.data;
	pk = d2i_AutoPrivateKey(NULL, &p, (long)data.len);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_eq(pk, ed.pkey), 1);
	EVP_PKEY_free(pk);
	am_buf_wipe(&data);

	/* PKCS#1 PEM through PEM_read_bio_PrivateKey. */
	assert_int_equal(am_dkim_key_encode(&rsa1024, AM_DKIM_KEY_PKCS1,
	    &data, &err), 0);
	bio = BIO_new_mem_buf(data.data, (int)data.len);
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_eq(pk, rsa1024.pkey), 1);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	am_buf_wipe(&data);
}

static void
test_rspamd_format(void **state)
{
	struct am_buf data = AM_BUF_INIT, raw = AM_BUF_INIT, pub = AM_BUF_INIT;
	struct am_buf seed = AM_BUF_INIT;
	struct am_dkim_key back = AM_DKIM_KEY_INIT;
	struct am_error err;
	unsigned char s[32];
	size_t slen = sizeof(s);

	(void)state;
	assert_int_equal(am_dkim_key_encode(&ed, AM_DKIM_KEY_RSPAMD, &data,
	    &err), 0);
	/* 88 base64 characters and a newline, like rspamadm 3.4 */
	assert_int_equal(data.len, 89);
	assert_int_equal(data.data[88], '\n');
	assert_int_equal(am_base64_decode(&raw, data.data, 88), 0);
	assert_int_equal(raw.len, 64);
	/* seed || public key */
	assert_int_equal(EVP_PKEY_get_raw_private_key(ed.pkey, s, &slen), 1);
	assert_memory_equal(raw.data, s, 32);
	assert_int_equal(am_dkim_key_public(&ed, &pub, &err), 0);
	assert_memory_equal(raw.data + 32, pub.data, 32);

	/* rspamd 4.x writes no final newline; both load. */
	assert_int_equal(am_dkim_key_decode(&back, data.data, 88, &err), 0);
	assert_int_equal(back.format, AM_DKIM_KEY_RSPAMD);
	am_dkim_key_free(&back);

	/* The 32-byte seed form (rspamadm -t ed25519-seed). */
	assert_int_equal(am_base64_encode(&seed, s, 32), 0);
	assert_int_equal(am_dkim_key_decode(&back, seed.data, seed.len, &err),
	    0);
	assert_int_equal(back.format, AM_DKIM_KEY_RSPAMD_SEED);
	assert_int_equal(EVP_PKEY_eq(back.pkey, ed.pkey), 1);
	am_dkim_key_free(&back);

	/* A second half that is not the first half's public key. */
	raw.data[40] ^= 1;
	am_buf_reset(&seed);
	assert_int_equal(am_base64_encode(&seed, raw.data, 64), 0);
	assert_int_equal(am_dkim_key_decode(&back, seed.data, seed.len, &err),
	    -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "corrupt"));

	OPENSSL_cleanse(s, sizeof(s));
	am_buf_wipe(&data);
	am_buf_wipe(&raw);
	am_buf_wipe(&seed);
	am_buf_free(&pub);
}

static void
test_read_only_forms(void **state)
{
	struct am_buf der = AM_BUF_INIT, b64 = AM_BUF_INIT;
	struct am_dkim_key back = AM_DKIM_KEY_INIT;
	struct am_error err;
	unsigned char *p1 = NULL;
	OSSL_ENCODER_CTX *ctx;
	size_t len = 0, i;

	(void)state;
	/* PKCS#1 DER, written by OpenSSL's own encoder. */
	ctx = OSSL_ENCODER_CTX_new_for_pkey(rsa1024.pkey, EVP_PKEY_KEYPAIR,
	    "DER", "type-specific", NULL);
	assert_non_null(ctx);
	assert_int_equal(OSSL_ENCODER_to_data(ctx, &p1, &len), 1);
	OSSL_ENCODER_CTX_free(ctx);
	assert_int_equal(am_dkim_key_decode(&back, p1, len, &err), 0);
	assert_int_equal(back.format, AM_DKIM_KEY_PKCS1_DER);
	assert_int_equal(EVP_PKEY_eq(back.pkey, rsa1024.pkey), 1);
	am_dkim_key_free(&back);

	/* base64 of PKCS#8 DER without PEM armour, folded at 64. */
	assert_int_equal(am_dkim_key_encode(&rsa1024, AM_DKIM_KEY_DER, &der,
	    &err), 0);
	assert_int_equal(am_base64_encode(&b64, der.data, der.len), 0);
	for (i = 64; i < b64.len; i += 65) {
		assert_int_equal(am_buf_reserve(&b64, 1), 0);
		memmove(b64.data + i + 1, b64.data + i, b64.len - i + 1);
		b64.data[i] = '\n';
		b64.len++;
	}
	assert_int_equal(am_dkim_key_decode(&back, b64.data, b64.len, &err),
	    0);
	assert_int_equal(back.format, AM_DKIM_KEY_DER_BASE64);
	assert_int_equal(EVP_PKEY_eq(back.pkey, rsa1024.pkey), 1);
	am_dkim_key_free(&back);
	OPENSSL_clear_free(p1, len);
	am_buf_wipe(&der);
	am_buf_wipe(&b64);
}

static void
refused(const char *data, size_t len, const char *text)
{
	struct am_dkim_key k = AM_DKIM_KEY_INIT;
	struct am_error err;

	am_error_clear(&err);
	assert_int_equal(am_dkim_key_decode(&k, data, len, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_null(k.pkey);
	if (strstr(err.message, text) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, text);
}

static void
test_refusals(void **state)
{
	struct am_buf pub = AM_BUF_INIT;
	unsigned char *der = NULL;
	char *pem = NULL;
	EVP_PKEY *ec;
	BIO *bio;
	long n;
	int len;

	(void)state;
	refused("", 0, "empty");
	refused("\n \n", 3, "empty");
	refused("hello world, no key here", 24, "not a private key");
	refused("AAAA", 4, "not a private key");
	refused("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	    58, "PEM data without");
	refused("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n", 44,
	    "encrypted");
	refused("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n",
	    55, "encrypted");

	/* A public key in PEM. */
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(bio, ed.pkey), 1);
	n = BIO_get_mem_data(bio, &pem);
	refused(pem, (size_t)n, "public key");
	BIO_free(bio);
	/* ... and in DER. */
	len = i2d_PUBKEY(rsa1024.pkey, &der);
	assert_true(len > 0);
	refused((char *)der, (size_t)len, "not a private key");
	OPENSSL_free(der);
	der = NULL;

	/* A key type DKIM has no use for. */
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	len = i2d_PrivateKey(ec, &der);
	assert_true(len > 0);
	refused((char *)der, (size_t)len, "cannot be used for DKIM");
	OPENSSL_clear_free(der, (size_t)len);
	EVP_PKEY_free(ec);

	/* Truncated PEM. */
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, rsa1024.pkey, NULL,
	    NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	refused(pem, (size_t)n / 2, "cannot decode");
	BIO_free(bio);
	am_buf_free(&pub);
}

static void
test_format_check(void **state)
{
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	assert_int_equal(am_dkim_key_encode(&ed, AM_DKIM_KEY_PKCS1, &data,
	    &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_int_equal(am_dkim_key_encode(&rsa1024, AM_DKIM_KEY_RSPAMD,
	    &data, &err), -1);
	assert_int_equal(am_dkim_key_encode(&rsa1024,
	    AM_DKIM_KEY_RSPAMD_SEED, &data, &err), -1);
	assert_int_equal(data.len, 0);
	am_buf_free(&data);
}

/* Public keys against OpenSSL's own encodings. */
static void
test_public(void **state)
{
	struct am_buf pub = AM_BUF_INIT;
	struct am_error err;
	unsigned char *der = NULL, raw[32];
	size_t rlen = sizeof(raw);
	int len;

	(void)state;
	assert_int_equal(am_dkim_key_public(&rsa1024, &pub, &err), 0);
	len = i2d_PUBKEY(rsa1024.pkey, &der);
	assert_int_equal(pub.len, (size_t)len);
	assert_memory_equal(pub.data, der, pub.len);
	assert_int_equal(pub.len, 162);	/* SPKI of RSA-1024 */
	OPENSSL_free(der);
	der = NULL;
	am_buf_reset(&pub);

	/* Ed25519: the raw 32 bytes = the last 32 of the SPKI (RFC 8463) */
	assert_int_equal(am_dkim_key_public(&ed, &pub, &err), 0);
	assert_int_equal(pub.len, 32);
	len = i2d_PUBKEY(ed.pkey, &der);
	assert_int_equal(len, 44);
	assert_memory_equal(pub.data, der + 12, 32);
	assert_int_equal(EVP_PKEY_get_raw_public_key(ed.pkey, raw, &rlen), 1);
	assert_memory_equal(pub.data, raw, 32);
	OPENSSL_free(der);
	am_buf_free(&pub);
}

/* A known RFC 8032 test vector: seed -> public key. */
static void
test_rfc8032_vector(void **state)
{
	static const unsigned char seed[32] = {
		0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84,
		0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69,
		0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
		0x7f, 0x60 };
	static const unsigned char pubkey[32] = {
		0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b,
		0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3,
		0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07,
		0x51, 0x1a };
	struct am_buf b64 = AM_BUF_INIT, pub = AM_BUF_INIT;
	struct am_dkim_key k = AM_DKIM_KEY_INIT;
	struct am_error err;

	(void)state;
	assert_int_equal(am_base64_encode(&b64, seed, 32), 0);
	assert_int_equal(am_dkim_key_decode(&k, b64.data, b64.len, &err), 0);
	assert_int_equal(am_dkim_key_public(&k, &pub, &err), 0);
	assert_memory_equal(pub.data, pubkey, 32);
	am_dkim_key_free(&k);
	am_buf_free(&b64);
	am_buf_free(&pub);
}

struct dir {
	char path[128];
};

static int
setup_dir(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d == NULL || unit_tmpdir_create(d->path, sizeof(d->path),
	    "dkimkey") < 0) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct dir *d = *state;

	unit_tmpdir_remove(d->path);
	free(d);
	return 0;
}

static void
test_save(void **state)
{
	struct dir *d = *state;
	struct am_dkim_key_file o;
	struct am_dkim_key back = AM_DKIM_KEY_INIT;
	struct am_error err;
	struct stat st;
	char path[256], link[256], other[256], *text;
	bool changed;

	memset(&o, 0, sizeof(o));
	o.mode = 0600;
	unit_path(path, sizeof(path), d->path, "k.key");
	assert_int_equal(am_dkim_key_save(path, "first\n", 6, &o, &changed,
	    &err), 0);
	assert_true(changed);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Exists: refused without force, the file untouched. */
	assert_int_equal(am_dkim_key_save(path, "second\n", 7, &o, &changed,
	    &err), -1);
	assert_int_equal(err.code, AM_E_EXISTS);
	assert_false(changed);
	text = unit_read_file(path, NULL);
	assert_string_equal(text, "first\n");
	free(text);
	assert_int_equal(am_dkim_key_check_target(path, false, &err), -1);
	assert_int_equal(err.code, AM_E_EXISTS);
	assert_int_equal(am_dkim_key_check_target(path, true, &err), 0);

	/* The same content and mode: nothing to do, even without force. */
	assert_int_equal(am_dkim_key_save(path, "first\n", 6, &o, &changed,
	    &err), 0);
	assert_false(changed);

	/* With force, and another mode. */
	o.force = true;
	o.mode = 0640;
	assert_int_equal(am_dkim_key_save(path, "second\n", 7, &o, &changed,
	    &err), 0);
	assert_true(changed);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(unit_count_prefix(d->path, "k.key.tmp"), 0);

	/* A symlink is never written through, not even with force. */
	unit_path(other, sizeof(other), d->path, "target");
	assert_int_equal(unit_write_file(other, "victim\n", 7, 0644), 0);
	unit_path(link, sizeof(link), d->path, "link.key");
	assert_int_equal(symlink(other, link), 0);
	assert_int_equal(am_dkim_key_save(link, "x\n", 2, &o, &changed, &err),
	    -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);
	assert_non_null(strstr(err.message, "symbolic link"));
	text = unit_read_file(other, NULL);
	assert_string_equal(text, "victim\n");
	free(text);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(am_dkim_key_check_target(link, true, &err), -1);

	/* Nor over a directory; nor into a missing one. */
	assert_int_equal(am_dkim_key_save(d->path, "x\n", 2, &o, &changed,
	    &err), -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);
	unit_path(path, sizeof(path), d->path, "missing/k.key");
	assert_int_equal(am_dkim_key_save(path, "x\n", 2, &o, &changed, &err),
	    -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);

	/* Load errors: missing file, directory, path in the message. */
	assert_int_equal(am_dkim_key_load(&back, path, &err), -1);
	assert_int_equal(err.code, AM_E_NOINPUT);
	assert_int_equal(am_dkim_key_load(&back, d->path, &err), -1);
	assert_int_equal(err.code, AM_E_NOINPUT);
	unit_path(path, sizeof(path), d->path, "k.key");
	assert_int_equal(am_dkim_key_load(&back, path, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_string_equal(err.file, path);
}

static void
test_save_and_load(void **state)
{
	struct dir *d = *state;
	static const enum am_dkim_key_format formats[] = { AM_DKIM_KEY_PEM,
	    AM_DKIM_KEY_DER, AM_DKIM_KEY_RSPAMD };
	struct am_dkim_key_file o;
	struct am_dkim_key back = AM_DKIM_KEY_INIT;
	struct am_buf data = AM_BUF_INIT;
	struct am_error err;
	char path[256];
	bool changed;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.mode = 0600;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		snprintf(path, sizeof(path), "%s/ed.%zu", d->path, i);
		am_buf_reset(&data);
		assert_int_equal(am_dkim_key_encode(&ed, formats[i], &data,
		    &err), 0);
		assert_int_equal(am_dkim_key_save(path, data.data, data.len,
		    &o, &changed, &err), 0);
		assert_int_equal(am_dkim_key_load(&back, path, &err), 0);
		assert_int_equal(back.format, formats[i]);
		assert_int_equal(EVP_PKEY_eq(back.pkey, ed.pkey), 1);
		am_dkim_key_free(&back);
	}
	am_buf_wipe(&data);
}

/* --group: a GID as given, a name from ROOT/etc/group only. */
static void
test_group(void **state)
{
	struct dir *d = *state;
	struct am_error err;
	char path[300];
	gid_t gid = 0;

	snprintf(path, sizeof(path), "%s/etc", d->path);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/group", d->path);
	assert_int_equal(unit_write_file(path, "root:x:0:\n_rspamd:x:977:\n",
	    25, 0644), 0);
	am_error_clear(&err);
	assert_int_equal(am_dkim_key_group(d->path, "_rspamd", &gid, &err), 0);
	assert_int_equal(gid, 977);
	assert_int_equal(am_dkim_key_group(d->path, "4242", &gid, &err), 0);
	assert_int_equal(gid, 4242);
	/* a group of the machine is not one of the root's */
	assert_int_equal(am_dkim_key_group(d->path, "nogroup", &gid, &err),
	    -1);
	assert_int_equal(err.code, AM_E_NOUSER);
	assert_non_null(strstr(err.message, "unknown group \"nogroup\" in "));
	assert_non_null(strstr(err.message, "/etc/group"));
}

/*
 * keep_existing: a forced rewrite keeps the replaced file's owner, group
 * and mode unless the caller gives them; a name ending in "/" is never a
 * key file.
 */
static void
test_save_keeps(void **state)
{
	struct dir *d = *state;
	struct am_dkim_key_file o;
	struct am_error err;
	struct stat st, now;
	char path[256], slash[256];
	bool changed, same, exists;

	memset(&o, 0, sizeof(o));
	o.mode = 0600;
	o.force = true;
	o.keep_existing = true;
	unit_path(path, sizeof(path), d->path, "k.key");
	assert_int_equal(unit_write_file(path, "old\n", 4, 0640), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(path, 4343, 4242), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(am_dkim_key_save(path, "new\n", 4, &o, &changed,
	    &err), 0);
	assert_true(changed);
	assert_int_equal(stat(path, &now), 0);
	assert_int_equal(now.st_mode & 07777, 0640);
	assert_int_equal(now.st_uid, st.st_uid);
	assert_int_equal(now.st_gid, st.st_gid);
	/* The same bytes with the kept mode: nothing to write. */
	assert_int_equal(am_dkim_key_save(path, "new\n", 4, &o, &changed,
	    &err), 0);
	assert_false(changed);
	/* A mode given wins. */
	o.mode_given = true;
	assert_int_equal(am_dkim_key_save(path, "new\n", 4, &o, &changed,
	    &err), 0);
	assert_true(changed);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* "dir/": refused before anything is made. */
	snprintf(slash, sizeof(slash), "%s/name/", d->path);
	assert_int_equal(am_dkim_key_save(slash, "x", 1, &o, &changed, &err),
	    -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);
	assert_int_equal(am_dkim_key_save_check(slash, "x", 1, &o, &same,
	    &exists, &err), -1);
	assert_int_equal(err.code, AM_E_CANTCREAT);
	unit_path(slash, sizeof(slash), d->path, "name");
	assert_int_equal(access(slash, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_ed25519_pkcs8_as_openssl),
		cmocka_unit_test(test_encodings_are_standard),
		cmocka_unit_test(test_rspamd_format),
		cmocka_unit_test(test_read_only_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_format_check),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_rfc8032_vector),
		cmocka_unit_test_setup_teardown(test_save, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_save_and_load, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_group, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_save_keeps, setup_dir,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
