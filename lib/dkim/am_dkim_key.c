#include "am_dkim_key.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "am_acct.h"
#include "am_atomic.h"
#include "am_base64.h"
#include "am_file.h"
#include "am_vault.h"
#include "am_ossl.h"	/* last: it renames OpenSSL calls */

static const struct {
	const char *name;
	enum am_dkim_key_format format;
} format_names[] = {
	{ "pem", AM_DKIM_KEY_PEM },
	{ "pkcs8", AM_DKIM_KEY_PEM },
	{ "pkcs1", AM_DKIM_KEY_PKCS1 },
	{ "der", AM_DKIM_KEY_DER },
	{ "rspamd", AM_DKIM_KEY_RSPAMD },
	{ "pkcs1-der", AM_DKIM_KEY_PKCS1_DER },
	{ "der-base64", AM_DKIM_KEY_DER_BASE64 },
	{ "rspamd-seed", AM_DKIM_KEY_RSPAMD_SEED },
};

/* Writable formats end here; the rest are only read. */
#define WRITABLE_FORMATS 5

/*
 * Record OpenSSL's reason for a failure after our own text, and empty its
 * error queue so that a later failure does not report an old reason.
 */
static int
ossl_fail(struct am_error *err, enum am_errcode code, const char *what)
{
	unsigned long e;
	char reason[256] = "";

	e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	if (reason[0] != '\0')
		return am_error_set(err, code, "%s (%s)", what, reason);
	return am_error_set(err, code, "%s", what);
}

enum am_dkim_key_type
am_dkim_key_type_from_name(const char *name)
{
	if (strcasecmp(name, "rsa") == 0)
		return AM_DKIM_RSA;
	if (strcasecmp(name, "ed25519") == 0)
		return AM_DKIM_ED25519;
	return AM_DKIM_NONE;
}

const char *
am_dkim_key_type_name(enum am_dkim_key_type type)
{
	switch (type) {
	case AM_DKIM_RSA:
		return "rsa";
	case AM_DKIM_ED25519:
		return "ed25519";
	default:
		return "unknown";
	}
}

enum am_dkim_key_format
am_dkim_key_format_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < WRITABLE_FORMATS; i++)
		if (strcasecmp(name, format_names[i].name) == 0)
			return format_names[i].format;
	return AM_DKIM_KEY_UNKNOWN;
}

const char *
am_dkim_key_format_name(enum am_dkim_key_format format)
{
	size_t i;

	/* pkcs8 is an alias of pem: the first name is the canonical one. */
	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (format_names[i].format == format)
			return format_names[i].name;
	return "unknown";
}

int
am_dkim_key_format_check(enum am_dkim_key_type type,
    enum am_dkim_key_format format, struct am_error *err)
{
	switch (format) {
	case AM_DKIM_KEY_PEM:
	case AM_DKIM_KEY_DER:
		return 0;
	case AM_DKIM_KEY_PKCS1:
		if (type == AM_DKIM_RSA)
			return 0;
		return am_error_set(err, AM_E_INVALID, "key format pkcs1 is "
		    "for RSA keys only; use pem for %s keys",
		    am_dkim_key_type_name(type));
	case AM_DKIM_KEY_RSPAMD:
		if (type == AM_DKIM_ED25519)
			return 0;
		return am_error_set(err, AM_E_INVALID, "key format rspamd is "
		    "for Ed25519 keys only; use pem for %s keys",
		    am_dkim_key_type_name(type));
	default:
		return am_error_set(err, AM_E_INVALID, "cannot write keys in "
		    "format %s", am_dkim_key_format_name(format));
	}
}

int
am_dkim_key_check_bits(enum am_dkim_key_type type, long bits,
    struct am_error *err)
{
	if (type != AM_DKIM_RSA)
		return 0;
	if (bits < AM_DKIM_RSA_MIN_BITS)
		return am_error_set(err, AM_E_INVALID, "RSA keys of %ld bits "
		    "are refused: RFC 8301 requires at least %d", bits,
		    AM_DKIM_RSA_MIN_BITS);
	if (bits > AM_DKIM_RSA_MAX_BITS)
		return am_error_set(err, AM_E_INVALID, "RSA keys of %ld bits "
		    "are refused: at most %d", bits, AM_DKIM_RSA_MAX_BITS);
	if (bits % 8 != 0)
		return am_error_set(err, AM_E_INVALID, "RSA key size %ld is "
		    "not a multiple of 8", bits);
	return 0;
}

void
am_dkim_key_free(struct am_dkim_key *key)
{
	if (key == NULL)
		return;
	/* A key that holds a pkey was made with libcrypto loaded. */
	if (key->pkey != NULL)
		EVP_PKEY_free(key->pkey);	/* clears the private parts */
	key->pkey = NULL;
	key->type = AM_DKIM_NONE;
	key->bits = 0;
	key->format = AM_DKIM_KEY_UNKNOWN;
}

/* Take ownership of pkey if it is a usable DKIM private key. */
static int
adopt(struct am_dkim_key *key, EVP_PKEY *pkey, struct am_error *err)
{
	size_t len = 0;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		BIGNUM *d = NULL;

		if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d)) {
			EVP_PKEY_free(pkey);
			return am_error_set(err, AM_E_INVALID,
			    "this is a public key, not a private key");
		}
		BN_clear_free(d);
		key->type = AM_DKIM_RSA;
		key->bits = (unsigned int)EVP_PKEY_get_bits(pkey);
	} else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		if (!EVP_PKEY_get_raw_private_key(pkey, NULL, &len)) {
			EVP_PKEY_free(pkey);
			ERR_clear_error();
			return am_error_set(err, AM_E_INVALID,
			    "this is a public key, not a private key");
		}
		key->type = AM_DKIM_ED25519;
		key->bits = 256;
	} else {
		const char *name = EVP_PKEY_get0_type_name(pkey);
		char copy[64];

		snprintf(copy, sizeof(copy), "%s", name ? name : "unknown");
		EVP_PKEY_free(pkey);
		return am_error_set(err, AM_E_INVALID, "%s keys cannot be used "
		    "for DKIM (RSA and Ed25519 only)", copy);
	}
	ERR_clear_error();
	key->pkey = pkey;
	return 0;
}

int
am_dkim_key_generate(struct am_dkim_key *key, enum am_dkim_key_type type,
    unsigned int bits, struct am_error *err)
{
	EVP_PKEY *pkey = NULL;

	if (am_ossl_load(err) < 0)
		return -1;

	am_dkim_key_free(key);
	if (type == AM_DKIM_RSA) {
		if (am_dkim_key_check_bits(type, (long)bits, err) < 0)
			return -1;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == AM_DKIM_ED25519) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		return am_error_set(err, AM_E_INVALID, "unknown key type");
	}
	if (pkey == NULL)
		return ossl_fail(err, AM_E_INTERNAL, "key generation failed");
	return adopt(key, pkey, err);
}

/* Refuse every passphrase request: DKIM signers cannot use such keys. */
static int
no_passphrase(char *pass, size_t size, size_t *len, const OSSL_PARAM params[],
    void *arg)
{
	(void)pass;
	(void)size;
	(void)params;
	(void)arg;
	*len = 0;
	return 0;
}

static int
encode_ossl(const struct am_dkim_key *key, const char *type,
    const char *structure, struct am_buf *out, struct am_error *err)
{
	OSSL_ENCODER_CTX *ctx;
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	ctx = OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR, type,
	    structure, NULL);
	if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0) {
		OSSL_ENCODER_CTX_free(ctx);
		return ossl_fail(err, AM_E_INTERNAL, "no encoder for the key");
	}
	if (!OSSL_ENCODER_to_data(ctx, &data, &len)) {
		OSSL_ENCODER_CTX_free(ctx);
		return ossl_fail(err, AM_E_INTERNAL, "cannot encode the key");
	}
	OSSL_ENCODER_CTX_free(ctx);
	rc = am_buf_add(out, data, len);
	OPENSSL_clear_free(data, len);
	if (rc < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

static int
encode_rspamd(const struct am_dkim_key *key, struct am_buf *out,
    struct am_error *err)
{
	unsigned char raw[2 * AM_DKIM_ED25519_LEN];
	size_t slen = AM_DKIM_ED25519_LEN, plen = AM_DKIM_ED25519_LEN;
	int rc = -1;

	if (!EVP_PKEY_get_raw_private_key(key->pkey, raw, &slen) ||
	    !EVP_PKEY_get_raw_public_key(key->pkey, raw + AM_DKIM_ED25519_LEN,
	    &plen) || slen != AM_DKIM_ED25519_LEN ||
	    plen != AM_DKIM_ED25519_LEN) {
		ossl_fail(err, AM_E_INTERNAL, "cannot get the raw Ed25519 key");
		goto out;
	}
	if (am_base64_encode(out, raw, sizeof(raw)) < 0 ||
	    am_buf_addc(out, '\n') < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/*
 * PKCS#8 of an Ed25519 key is a fixed 16-byte header and the 32-byte seed
 * (RFC 8410 §7), exactly what OpenSSL's encoder writes.  Building it here
 * spares a keygen the encoder lookup, which costs more than the key.
 */
static int
encode_ed25519_pkcs8(const struct am_dkim_key *key, bool pem,
    struct am_buf *out, struct am_error *err)
{
	static const unsigned char header[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00,
	    0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	unsigned char der[sizeof(header) + AM_DKIM_ED25519_LEN];
	size_t slen = AM_DKIM_ED25519_LEN;
	int rc = -1;

	memcpy(der, header, sizeof(header));
	if (!EVP_PKEY_get_raw_private_key(key->pkey, der + sizeof(header),
	    &slen) || slen != AM_DKIM_ED25519_LEN) {
		ossl_fail(err, AM_E_INTERNAL, "cannot get the raw Ed25519 key");
		goto out;
	}
	if (!pem)
		rc = am_buf_add(out, der, sizeof(der));
	else	/* 48 bytes are 64 base64 characters: one PEM line. */
		rc = am_buf_adds(out, "-----BEGIN PRIVATE KEY-----\n") < 0 ||
		    am_base64_encode(out, der, sizeof(der)) < 0 ||
		    am_buf_adds(out, "\n-----END PRIVATE KEY-----\n") < 0 ?
		    -1 : 0;
	if (rc < 0)
		am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	OPENSSL_cleanse(der, sizeof(der));
	return rc;
}

int
am_dkim_key_encode(const struct am_dkim_key *key,
    enum am_dkim_key_format format, struct am_buf *out, struct am_error *err)
{
	if (am_ossl_load(err) < 0)
		return -1;

	if (key->pkey == NULL)
		return am_error_set(err, AM_E_INTERNAL, "no key");
	if (am_dkim_key_format_check(key->type, format, err) < 0)
		return -1;
	if (key->type == AM_DKIM_ED25519 && (format == AM_DKIM_KEY_PEM ||
	    format == AM_DKIM_KEY_DER))
		return encode_ed25519_pkcs8(key, format == AM_DKIM_KEY_PEM, out,
		    err);
	switch (format) {
	case AM_DKIM_KEY_PEM:
		return encode_ossl(key, "PEM", "PrivateKeyInfo", out, err);
	case AM_DKIM_KEY_PKCS1:
		return encode_ossl(key, "PEM", "type-specific", out, err);
	case AM_DKIM_KEY_DER:
		return encode_ossl(key, "DER", "PrivateKeyInfo", out, err);
	default:
		return encode_rspamd(key, out, err);
	}
}

/* One OpenSSL decoder pass over data; 0 and *pkey, or -1 (quietly). */
static int
decode_ossl(const char *type, const char *structure, const unsigned char *data,
    size_t len, EVP_PKEY **pkey)
{
	OSSL_DECODER_CTX *ctx;
	const unsigned char *p = data;
	size_t left = len;
	int ok;

	*pkey = NULL;
	ctx = OSSL_DECODER_CTX_new_for_pkey(pkey, type, structure, NULL,
	    EVP_PKEY_KEYPAIR, NULL, NULL);
	if (ctx == NULL)
		return -1;
	OSSL_DECODER_CTX_set_passphrase_cb(ctx, no_passphrase, NULL);
	ok = OSSL_DECODER_CTX_get_num_decoders(ctx) > 0 &&
	    OSSL_DECODER_from_data(ctx, &p, &left) && *pkey != NULL;
	OSSL_DECODER_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(*pkey);
		*pkey = NULL;
		return -1;
	}
	return 0;
}

/*
 * An EncryptedPrivateKeyInfo names its PKCS#5 scheme (PBES2 or PBES1,
 * OID 1.2.840.113549.1.5.x) near the start.
 */
static bool
is_encrypted_der(const unsigned char *data, size_t len)
{
	static const unsigned char pkcs5[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x05 };
	size_t i;

	for (i = 0; i + sizeof(pkcs5) <= len && i < 16; i++)
		if (memcmp(data + i, pkcs5, sizeof(pkcs5)) == 0)
			return true;
	return false;
}

/*
 * Which structure a DER private key has: after the outer SEQUENCE and the
 * version INTEGER, PKCS#8 continues with the AlgorithmIdentifier
 * (SEQUENCE), PKCS#1 with the modulus (INTEGER).
 */
static bool
der_is_pkcs8(const unsigned char *d, size_t len)
{
	size_t i = 2;

	if (len < 8 || d[0] != 0x30)
		return false;
	if (d[1] & 0x80)
		i += d[1] & 0x7f;
	return i + 4 < len && d[i] == 0x02 && d[i + 1] == 0x01 &&
	    d[i + 3] == 0x30;
}

static int
decode_der(struct am_dkim_key *key, const unsigned char *data, size_t len,
    bool base64, struct am_error *err)
{
	EVP_PKEY *pkey = NULL;

	if (decode_ossl("DER", NULL, data, len, &pkey) < 0) {
		ERR_clear_error();
		if (is_encrypted_der(data, len))
			return am_error_set(err, AM_E_INVALID, "the key is "
			    "encrypted; DKIM signers need an unencrypted key");
		return am_error_set(err, AM_E_INVALID, "not a private key in "
		    "a supported format (PKCS#8 or PKCS#1 PEM or DER, rspamd "
		    "base64)");
	}
	if (base64)
		key->format = AM_DKIM_KEY_DER_BASE64;
	else
		key->format = der_is_pkcs8(data, len) ? AM_DKIM_KEY_DER :
		    AM_DKIM_KEY_PKCS1_DER;
	return adopt(key, pkey, err);
}

static const char *
find_line(const char *text, size_t len, const char *what)
{
	size_t wlen = strlen(what);
	const char *p;

	for (p = text; p + wlen <= text + len; p++)
		if ((p == text || p[-1] == '\n') &&
		    memcmp(p, what, wlen) == 0)
			return p;
	return NULL;
}

static int
decode_pem(struct am_dkim_key *key, const char *text, size_t len,
    struct am_error *err)
{
	EVP_PKEY *pkey = NULL;

	if (find_line(text, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	    find_line(text, len, "Proc-Type: 4,ENCRYPTED"))
		return am_error_set(err, AM_E_INVALID, "the key is encrypted; "
		    "DKIM signers need an unencrypted key");
	if (find_line(text, len, "-----BEGIN PRIVATE KEY-----"))
		key->format = AM_DKIM_KEY_PEM;
	else if (find_line(text, len, "-----BEGIN RSA PRIVATE KEY-----"))
		key->format = AM_DKIM_KEY_PKCS1;
	else if (find_line(text, len, "-----BEGIN PUBLIC KEY-----"))
		return am_error_set(err, AM_E_INVALID,
		    "this is a public key, not a private key");
	else
		return am_error_set(err, AM_E_INVALID, "PEM data without a "
		    "PKCS#8 or PKCS#1 private key");
	if (decode_ossl("PEM", NULL, (const unsigned char *)text, len,
	    &pkey) < 0) {
		key->format = AM_DKIM_KEY_UNKNOWN;
		return ossl_fail(err, AM_E_INVALID, "cannot decode the PEM "
		    "private key");
	}
	return adopt(key, pkey, err);
}

static int
decode_raw_ed25519(struct am_dkim_key *key, const unsigned char *raw,
    size_t len, struct am_error *err)
{
	unsigned char pub[AM_DKIM_ED25519_LEN];
	size_t plen = sizeof(pub);
	EVP_PKEY *pkey;

	pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, raw,
	    AM_DKIM_ED25519_LEN);
	if (pkey == NULL)
		return ossl_fail(err, AM_E_INVALID, "cannot make an Ed25519 "
		    "key of the seed");
	if (len == 2 * AM_DKIM_ED25519_LEN) {
		/* libsodium's secret key: seed, then its public key. */
		if (!EVP_PKEY_get_raw_public_key(pkey, pub, &plen) ||
		    memcmp(pub, raw + AM_DKIM_ED25519_LEN, sizeof(pub)) != 0) {
			EVP_PKEY_free(pkey);
			ERR_clear_error();
			return am_error_set(err, AM_E_INVALID, "corrupt rspamd "
			    "Ed25519 key: its second half is not the public "
			    "key of its first half");
		}
		key->format = AM_DKIM_KEY_RSPAMD;
	} else {
		key->format = AM_DKIM_KEY_RSPAMD_SEED;
	}
	return adopt(key, pkey, err);
}

static bool
is_base64_text(const char *text, size_t len)
{
	size_t i;
	char c;

	for (i = 0; i < len; i++) {
		c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == '=' || c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n'))
			return false;
	}
	return true;
}

static int
decode_base64(struct am_dkim_key *key, const char *text, size_t len,
    struct am_error *err)
{
	struct am_buf compact = AM_BUF_INIT, raw = AM_BUF_INIT;
	size_t i;
	int rc = -1;

	for (i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
		    text[i] != '\n' && am_buf_addc(&compact, text[i]) < 0) {
			am_error_set(err, AM_E_NOMEM, "out of memory");
			goto out;
		}
	if (compact.len == 0 || am_base64_decode(&raw, compact.data,
	    compact.len) < 0) {
		am_error_set(err, AM_E_INVALID, "not a private key in a "
		    "supported format (bad base64)");
		goto out;
	}
	if (raw.len == AM_DKIM_ED25519_LEN ||
	    raw.len == 2 * AM_DKIM_ED25519_LEN)
		rc = decode_raw_ed25519(key, (unsigned char *)raw.data,
		    raw.len, err);
	else
		rc = decode_der(key, (unsigned char *)raw.data, raw.len, true,
		    err);
out:
	am_buf_wipe(&compact);
	am_buf_wipe(&raw);
	return rc;
}

int
am_dkim_key_decode(struct am_dkim_key *key, const void *data, size_t len,
    struct am_error *err)
{
	const char *text = data;
	size_t start = 0, end = len;
	int rc;

	if (am_ossl_load(err) < 0)
		return -1;

	am_dkim_key_free(key);
	while (start < end && (text[start] == ' ' || text[start] == '\t' ||
	    text[start] == '\r' || text[start] == '\n'))
		start++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' ||
	    text[end - 1] == '\r' || text[end - 1] == '\n'))
		end--;
	if (start == end)
		return am_error_set(err, AM_E_INVALID, "empty key file");
	if (find_line(text, len, "-----BEGIN ") != NULL)
		rc = decode_pem(key, text, len, err);
	else if (is_base64_text(text + start, end - start))
		rc = decode_base64(key, text + start, end - start, err);
	else
		rc = decode_der(key, data, len, false, err);
	if (rc < 0)
		key->format = AM_DKIM_KEY_UNKNOWN;
	ERR_clear_error();
	return rc;
}

static enum am_errcode
read_errcode(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
	case EISDIR:
	case ELOOP:
		return AM_E_NOINPUT;
	case EACCES:
	case EPERM:
		return AM_E_PERM;
	default:
		return AM_E_IO;
	}
}

/*
 * Read fd and decode it; a vault is decrypted with password first (NULL:
 * refused, with what is needed).
 */
static int
load_fd(struct am_dkim_key *key, int fd, const char *name,
    const struct am_buf *password, bool *vault, struct am_error *err)
{
	struct am_buf data = AM_BUF_INIT, plain = AM_BUF_INIT;
	const struct am_buf *text = &data;
	struct stat st;
	size_t hint = 0;
	int rc = -1;

	if (am_ossl_load(err) < 0)
		return -1;

	am_dkim_key_free(key);
	if (vault != NULL)
		*vault = false;
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));	/* read() will say why */
	if (S_ISDIR(st.st_mode)) {
		am_error_set_at(err, AM_E_NOINPUT, name, 0, "is a directory");
		goto out;
	}
	if (S_ISREG(st.st_mode))
		hint = (size_t)st.st_size;
	/* A vault is a little more than twice its key, hex twice over. */
	if (am_file_read_fd(fd, name, AM_FILE_WIPE, 8 * AM_DKIM_KEY_MAX_FILE,
	    hint, &data, err) < 0) {
		if (err->code == AM_E_INVALID)
			am_error_set_at(err, AM_E_INVALID, name, 0, "too large "
			    "for a key file (more than %d bytes)",
			    AM_DKIM_KEY_MAX_FILE);
		else if (err->code == AM_E_IO)
			err->code = read_errcode(err->sys_errno);
		goto out;
	}
	if (am_vault_is_vault(data.data, data.len)) {
		if (vault != NULL)
			*vault = true;
		if (password == NULL) {
			am_error_set_at(err, AM_E_INVALID, name, 0, "the key is "
			    "in an Ansible Vault; its vault password is "
			    "needed");
			goto out;
		}
		if (am_vault_decrypt(data.data, data.len, password->data,
		    password->len, &plain, NULL, 0, err) < 0) {
			snprintf(err->file, sizeof(err->file), "%s", name);
			err->line = 0;
			goto out;
		}
		text = &plain;
	}
	if (text->len > AM_DKIM_KEY_MAX_FILE) {
		am_error_set_at(err, AM_E_INVALID, name, 0, "too large for a "
		    "key file (more than %d bytes)", AM_DKIM_KEY_MAX_FILE);
		goto out;
	}
	if (am_dkim_key_decode(key, text->data, text->len, err) < 0) {
		/* The message says what is wrong; the file says where. */
		snprintf(err->file, sizeof(err->file), "%s", name);
		err->line = 0;
		goto out;
	}
	rc = 0;
out:
	am_buf_wipe(&data);
	am_buf_wipe(&plain);
	return rc;
}

int
am_dkim_key_load_fd(struct am_dkim_key *key, int fd, const char *name,
    struct am_error *err)
{
	return load_fd(key, fd, name, NULL, NULL, err);
}

int
am_dkim_key_load_fd_vault(struct am_dkim_key *key, int fd, const char *name,
    const struct am_buf *password, bool *vault, struct am_error *err)
{
	return load_fd(key, fd, name, password, vault, err);
}

int
am_dkim_key_load_vault(struct am_dkim_key *key, const char *path,
    const struct am_buf *password, bool *vault, struct am_error *err)
{
	int fd, rc;

	if (am_ossl_load(err) < 0)
		return -1;

	am_dkim_key_free(key);
	if (vault != NULL)
		*vault = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return am_error_set_errno(err, read_errcode(errno), errno,
		    "cannot open key file %s", path);
	rc = load_fd(key, fd, path, password, vault, err);
	close(fd);
	return rc;
}

int
am_dkim_key_load(struct am_dkim_key *key, const char *path,
    struct am_error *err)
{
	return am_dkim_key_load_vault(key, path, NULL, NULL, err);
}

/*
 * The mode, group and owner a key file written at path gets: o's, or
 * with keep_existing those of the regular file st it replaces (its mode
 * unless mode_given, its group unless set_group, its owner always).
 */
static void
final_attrs(const struct am_dkim_key_file *o, const struct stat *st,
    mode_t *mode, bool *set_owner, uid_t *uid, gid_t *gid)
{
	*mode = o->mode;
	*set_owner = o->set_group;
	*uid = (uid_t)-1;	/* fchown: owner unchanged */
	*gid = o->set_group ? o->gid : (gid_t)-1;
	if (st == NULL || !o->keep_existing)
		return;
	if (!o->mode_given)
		*mode = st->st_mode & 07777;
	*set_owner = true;
	*uid = st->st_uid;
	if (!o->set_group)
		*gid = st->st_gid;
}

/* Whether the regular file at path holds exactly data, with o's mode. */
static bool
same_file(const char *path, const struct stat *st, const void *data,
    size_t len, const struct am_dkim_key_file *o)
{
	struct am_buf old = AM_BUF_INIT;
	struct am_error ignored;
	bool same = false, set_owner;
	mode_t mode;
	uid_t uid;
	gid_t gid;

	final_attrs(o, st, &mode, &set_owner, &uid, &gid);
	if (o->mode == (mode_t)-1 || (st->st_mode & 07777) != mode ||
	    (set_owner && gid != (gid_t)-1 && st->st_gid != gid) ||
	    (size_t)st->st_size != len || len > AM_DKIM_KEY_MAX_FILE)
		return false;
	/* One byte more than len: a file that grew is not the same. */
	if (am_file_read(path, AM_FILE_WIPE, len + 1, &old, NULL,
	    &ignored) == 0)
		same = old.len == len &&
		    CRYPTO_memcmp(old.data, data, len) == 0;
	am_buf_wipe(&old);
	return same;
}

/*
 * What is at path: nothing (fine), a regular file (fine with force or if
 * it holds the same), anything else (refused).  A name that ends in a
 * slash names a directory, never a key file.
 */
static int
check_target(const char *path, const void *data, size_t len,
    const struct am_dkim_key_file *o, bool *same, struct am_error *err)
{
	struct stat st;
	size_t plen = strlen(path);

	*same = false;
	if (plen > 0 && path[plen - 1] == '/')
		return am_error_set(err, AM_E_CANTCREAT, "%s ends with a "
		    "slash: give the name of the key file, not a directory",
		    path);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return am_error_set_errno(err, errno == EACCES ||
		    errno == EPERM ? AM_E_PERM : AM_E_CANTCREAT, errno,
		    "cannot write %s", path);
	}
	if (S_ISLNK(st.st_mode))
		return am_error_set(err, AM_E_CANTCREAT, "%s is a symbolic "
		    "link; a private key is never written through one", path);
	if (!S_ISREG(st.st_mode))
		return am_error_set(err, AM_E_CANTCREAT, "%s exists and is not "
		    "a regular file", path);
	if (same_file(path, &st, data, len, o)) {
		*same = true;
		return 0;
	}
	if (!o->force)
		return am_error_set(err, AM_E_EXISTS, "%s already exists",
		    path);
	return 0;
}

int
am_dkim_key_check_target(const char *path, bool force, struct am_error *err)
{
	struct am_dkim_key_file o;
	bool same;

	if (am_ossl_load(err) < 0)
		return -1;

	memset(&o, 0, sizeof(o));
	o.mode = (mode_t)-1;	/* matches no file: never "the same" */
	o.force = force;
	return check_target(path, NULL, 0, &o, &same, err);
}

/*
 * The directory am_atomic_begin() would create the temporary file in: it
 * must exist and let this process create files (the same errors).
 */
static int
check_directory(const char *path, struct am_error *err)
{
	char *copy1 = NULL, *copy2 = NULL;
	const char *dir, *base;
	int dirfd = -1, rc = -1;

	if ((copy1 = strdup(path)) == NULL || (copy2 = strdup(path)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	dir = dirname(copy1);
	base = basename(copy2);
	if (*base == '\0' || strcmp(base, "/") == 0 ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		am_error_set(err, AM_E_CANTCREAT, "bad file name \"%s\"",
		    path);
		goto out;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno) ==
		    AM_E_NOINPUT ? AM_E_CANTCREAT :
		    am_error_code_from_errno(errno), errno, "open directory %s",
		    dir);
		goto out;
	}
	/* AT_EACCESS: the effective IDs, as openat(O_CREAT) uses. */
	if (faccessat(dirfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		am_error_set_errno(err, am_error_code_from_errno(errno) ==
		    AM_E_PERM ? AM_E_PERM : AM_E_CANTCREAT, errno,
		    "create temporary file for %s", path);
		goto out;
	}
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	free(copy1);
	free(copy2);
	return rc;
}

int
am_dkim_key_save_check(const char *path, const void *data, size_t len,
    const struct am_dkim_key_file *o, bool *same, bool *exists,
    struct am_error *err)
{
	struct am_dkim_key_file c = *o;
	struct stat st;

	if (am_ossl_load(err) < 0)
		return -1;

	*same = false;
	*exists = false;
	/* No key yet: nothing at path can hold it. */
	if (data == NULL) {
		c.mode = (mode_t)-1;
		len = 0;
	}
	if (check_target(path, data, len, &c, same, err) < 0)
		return -1;
	*exists = lstat(path, &st) == 0;
	if (*same)
		return 0;
	return check_directory(path, err);
}

int
am_dkim_key_save(const char *path, const void *data, size_t len,
    const struct am_dkim_key_file *o, bool *changed, struct am_error *err)
{
	struct am_atomic af;
	struct stat st, old;
	bool same, have_old;

	if (am_ossl_load(err) < 0)
		return -1;

	*changed = false;
	if (check_target(path, data, len, o, &same, err) < 0)
		return -1;
	if (same)
		return 0;
	/* The file replaced, if any: its owner, group and mode stay. */
	have_old = lstat(path, &old) == 0 && S_ISREG(old.st_mode);
	if (am_atomic_begin(&af, path, err) < 0)
		return -1;
	if (o->temp_created != NULL)
		o->temp_created(af.tmp_path, o->temp_arg);
	final_attrs(o, have_old ? &old : NULL, &af.mode, &af.set_owner,
	    &af.uid, &af.gid);
	/* Without -f, the rename itself refuses an existing key. */
	af.no_replace = !o->force;
	if (am_atomic_write(&af, data, len, err) < 0)
		goto bad;
	/* Once more, just before the rename: something may have appeared. */
	if (fstatat(af.dirfd, af.target_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (!o->force || !S_ISREG(st.st_mode))) {
		am_error_set(err, S_ISREG(st.st_mode) ? AM_E_EXISTS :
		    AM_E_CANTCREAT, "%s appeared while the key was written; "
		    "not replacing it", path);
		goto bad;
	}
	if (am_atomic_commit(&af, err) < 0)
		return -1;
	*changed = true;
	return 0;
bad:
	am_atomic_abort(&af);
	return -1;
}

int
am_dkim_key_public(const struct am_dkim_key *key, struct am_buf *out,
    struct am_error *err)
{
	unsigned char raw[AM_DKIM_ED25519_LEN], *der = NULL;
	size_t rlen = sizeof(raw);
	int n, rc;

	if (am_ossl_load(err) < 0)
		return -1;

	if (key->pkey == NULL)
		return am_error_set(err, AM_E_INTERNAL, "no key");
	if (key->type == AM_DKIM_ED25519) {
		if (!EVP_PKEY_get_raw_public_key(key->pkey, raw, &rlen) ||
		    rlen != sizeof(raw))
			return ossl_fail(err, AM_E_INTERNAL,
			    "cannot get the Ed25519 public key");
		rc = am_buf_add(out, raw, rlen);
	} else {
		if ((n = i2d_PUBKEY(key->pkey, &der)) <= 0)
			return ossl_fail(err, AM_E_INTERNAL,
			    "cannot encode the public key");
		rc = am_buf_add(out, der, (size_t)n);
		OPENSSL_free(der);
	}
	if (rc < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

int
am_dkim_key_group(const char *root, const char *name, gid_t *gid,
    struct am_error *err)
{
	struct am_acct_file f;
	char *path;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((path = am_acct_path(root, AM_ACCT_GROUP)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = am_acct_file_load(&f, AM_ACCT_GROUP, path, err);
	if (rc == 0)
		rc = am_acct_group_gid(&f, name, gid, err);
	if (rc < 0 && err->code == AM_E_NOUSER)
		am_error_set(err, AM_E_NOUSER, "unknown group \"%s\" in %s",
		    name, path);
	am_acct_file_free(&f);
	free(path);
	return rc;
}
