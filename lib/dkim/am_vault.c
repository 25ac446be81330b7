#include "am_vault.h"

#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "am_dkim_run.h"
#include "am_file.h"
#include "am_ossl.h"	/* last: it renames OpenSSL calls */

#define VAULT_HEADER "$ANSIBLE_VAULT"
#define KEY_LEN 32
#define IV_LEN 16
#define MAC_LEN 32
#define DERIVED_LEN (2 * KEY_LEN + IV_LEN)
#define LINE_LEN 80
/* A DKIM key is a few KiB; this leaves room for any key file. */
#define VAULT_MAX (4 * 1024 * 1024)

static const char hexdigits[] = "0123456789abcdef";

bool
am_vault_is_vault(const void *data, size_t len)
{
	static const char prefix[] = VAULT_HEADER ";";

	return len >= sizeof(prefix) - 1 &&
	    memcmp(data, prefix, sizeof(prefix) - 1) == 0;
}

int
am_vault_check_label(const char *label, struct am_error *err)
{
	const unsigned char *p;

	if (*label == '\0')
		return am_error_set(err, AM_E_INVALID, "empty vault ID label");
	for (p = (const unsigned char *)label; *p != '\0'; p++)
		if (*p == ';' || *p == '@' || *p <= ' ' || *p == 0x7f)
			return am_error_set(err, AM_E_INVALID, "vault ID label "
			    "\"%s\": no ';', '@', blanks or control characters",
			    label);
	return 0;
}

static void
hex_encode(char *out, const unsigned char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 0xf];
	}
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode len hex digits (even) into out (len / 2 bytes); false if bad. */
static bool
hex_decode(unsigned char *out, const char *in, size_t len)
{
	size_t i;
	int hi, lo;

	if (len % 2 != 0)
		return false;
	for (i = 0; i < len / 2; i++) {
		if ((hi = hex_value((unsigned char)in[2 * i])) < 0 ||
		    (lo = hex_value((unsigned char)in[2 * i + 1])) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* 80 bytes of PBKDF2-HMAC-SHA256: AES key, HMAC key, counter block. */
static int
derive(const void *password, size_t pwlen, const unsigned char *salt,
    size_t saltlen, unsigned char dk[DERIVED_LEN], struct am_error *err)
{
	if (pwlen > INT32_MAX || saltlen > INT32_MAX ||
	    PKCS5_PBKDF2_HMAC(password, (int)pwlen, salt, (int)saltlen,
	    AM_VAULT_ITERATIONS, EVP_sha256(), DERIVED_LEN, dk) != 1) {
		ERR_clear_error();
		return am_error_set(err, AM_E_INTERNAL, "PBKDF2 failed");
	}
	return 0;
}

/* AES-256-CTR of len bytes (the same both ways). */
static int
aes_ctr(const unsigned char dk[DERIVED_LEN], const unsigned char *in,
    size_t len, unsigned char *out, struct am_error *err)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, m = 0, ok;

	if (len > INT32_MAX)
		return am_error_set(err, AM_E_INVALID, "too large");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_ctr(), NULL, dk,
	    dk + 2 * KEY_LEN, 1) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n, &m) == 1 &&
	    (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx);	/* wipes the key schedule */
	if (!ok) {
		ERR_clear_error();
		return am_error_set(err, AM_E_INTERNAL, "AES-256-CTR failed");
	}
	return 0;
}

static int
hmac(const unsigned char dk[DERIVED_LEN], const unsigned char *data,
    size_t len, unsigned char mac[MAC_LEN], struct am_error *err)
{
	size_t maclen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, dk + KEY_LEN,
	    KEY_LEN, data, len, mac, MAC_LEN, &maclen) == NULL ||
	    maclen != MAC_LEN) {
		ERR_clear_error();
		return am_error_set(err, AM_E_INTERNAL, "HMAC-SHA256 failed");
	}
	return 0;
}

int
am_vault_encrypt(const void *plain, size_t len, const void *password,
    size_t pwlen, const char *label, const unsigned char *salt,
    struct am_buf *out, struct am_error *err)
{
	unsigned char dk[DERIVED_LEN], mac[MAC_LEN], s[AM_VAULT_SALT_LEN];
	unsigned char *padded = NULL, *ct = NULL;
	char *inner = NULL, *outer = NULL;
	size_t padlen, ctlen, innerlen, outerlen, i;
	bool v12;
	int rc = -1;

	if (am_ossl_load(err) < 0)
		return -1;
	v12 = label != NULL && strcmp(label, AM_VAULT_DEFAULT_ID) != 0;
	if (v12 && am_vault_check_label(label, err) < 0)
		return -1;
	if (pwlen == 0)
		return am_error_set(err, AM_E_INVALID, "empty vault password");
	if (len > VAULT_MAX)
		return am_error_set(err, AM_E_INVALID, "too large for a vault");
	if (salt != NULL)
		memcpy(s, salt, sizeof(s));
	else if (RAND_bytes(s, (int)sizeof(s)) != 1) {
		ERR_clear_error();
		return am_error_set(err, AM_E_INTERNAL, "no random salt");
	}
	/* PKCS#7 to the AES block: always 1 to 16 bytes of padding. */
	padlen = 16 - len % 16;
	ctlen = len + padlen;
	if ((padded = malloc(ctlen)) == NULL || (ct = malloc(ctlen)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(padded, plain, len);
	memset(padded + len, (int)padlen, padlen);
	if (derive(password, pwlen, s, sizeof(s), dk, err) < 0 ||
	    aes_ctr(dk, padded, ctlen, ct, err) < 0 ||
	    hmac(dk, ct, ctlen, mac, err) < 0)
		goto out;
	/* hex(salt) \n hex(hmac) \n hex(ciphertext), hexed once more. */
	innerlen = 2 * sizeof(s) + 1 + 2 * MAC_LEN + 1 + 2 * ctlen;
	outerlen = 2 * innerlen;
	if ((inner = malloc(innerlen)) == NULL ||
	    (outer = malloc(outerlen)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	hex_encode(inner, s, sizeof(s));
	inner[2 * sizeof(s)] = '\n';
	hex_encode(inner + 2 * sizeof(s) + 1, mac, MAC_LEN);
	inner[2 * sizeof(s) + 1 + 2 * MAC_LEN] = '\n';
	hex_encode(inner + 2 * sizeof(s) + 2 + 2 * MAC_LEN, ct, ctlen);
	hex_encode(outer, (unsigned char *)inner, innerlen);
	if ((v12 ? am_buf_printf(out, "%s;1.2;AES256;%s\n", VAULT_HEADER,
	    label) : am_buf_printf(out, "%s;1.1;AES256\n", VAULT_HEADER)) < 0)
		goto nomem;
	for (i = 0; i < outerlen; i += LINE_LEN)
		if (am_buf_add(out, outer + i, outerlen - i < LINE_LEN ?
		    outerlen - i : LINE_LEN) < 0 || am_buf_addc(out, '\n') < 0)
			goto nomem;
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	if (padded != NULL) {
		OPENSSL_cleanse(padded, ctlen);
		free(padded);
	}
	free(ct);
	free(inner);
	free(outer);
	return rc;
}

/* The header's fields, blanks around each removed: "1.1", "AES256". */
static int
parse_header(const char *line, size_t len, char *label, size_t size,
    struct am_error *err)
{
	char *copy, *field, *save = NULL, *f[5];
	size_t n = 0, i;
	int rc = -1;

	if ((copy = strndup(line, len)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (field = strtok_r(copy, ";", &save); field != NULL && n < 5;
	    field = strtok_r(NULL, ";", &save)) {
		while (*field == ' ' || *field == '\t')
			field++;
		for (i = strlen(field); i > 0 && (field[i - 1] == ' ' ||
		    field[i - 1] == '\t' || field[i - 1] == '\r'); i--)
			field[i - 1] = '\0';
		f[n++] = field;
	}
	if (n < 3 || strcmp(f[0], VAULT_HEADER) != 0) {
		am_error_set(err, AM_E_INVALID, "not an Ansible Vault: bad "
		    "header");
		goto out;
	}
	if (strcmp(f[1], "1.1") != 0 && strcmp(f[1], "1.2") != 0) {
		am_error_set(err, AM_E_INVALID, "Ansible Vault format %.20s is "
		    "not supported (1.1 and 1.2 are)", f[1]);
		goto out;
	}
	if (strcmp(f[2], "AES256") != 0) {
		am_error_set(err, AM_E_INVALID, "Ansible Vault cipher %.20s is "
		    "not supported (AES256 is)", f[2]);
		goto out;
	}
	if (label != NULL && size > 0)
		snprintf(label, size, "%s", n > 3 ? f[3] : "");
	rc = 0;
out:
	free(copy);
	return rc;
}

int
am_vault_decrypt(const void *data, size_t len, const void *password,
    size_t pwlen, struct am_buf *plain, char *label, size_t size,
    struct am_error *err)
{
	const char *text = data, *nl, *p, *end = text + len;
	const char *nl1, *nl2;
	unsigned char dk[DERIVED_LEN], mac[MAC_LEN], given[MAC_LEN];
	unsigned char *inner = NULL, *salt = NULL, *ct = NULL, *pt = NULL;
	char *hex = NULL;
	size_t hexlen = 0, innerlen, saltlen, ctlen = 0, pad, i;
	bool macok, padok;
	int rc = -1;

	if (am_ossl_load(err) < 0)
		return -1;
	am_buf_wipe(plain);
	if (label != NULL && size > 0)
		label[0] = '\0';
	if (!am_vault_is_vault(data, len))
		return am_error_set(err, AM_E_INVALID, "not an Ansible Vault "
		    "(no \"$ANSIBLE_VAULT;\" header)");
	if (len > 2 * VAULT_MAX)
		return am_error_set(err, AM_E_INVALID, "too large for a vault");
	if ((nl = memchr(text, '\n', len)) == NULL)
		nl = end;
	if (parse_header(text, (size_t)(nl - text), label, size, err) < 0)
		return -1;
	/* The lines after the header, joined: hex digits only. */
	if ((hex = malloc(len)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	for (p = nl; p < end; p++) {
		if (*p == '\n' || *p == '\r')
			continue;
		if (hex_value((unsigned char)*p) < 0) {
			am_error_set(err, AM_E_INVALID, "not an Ansible Vault: "
			    "a character that is not a hex digit");
			goto out;
		}
		hex[hexlen++] = *p;
	}
	innerlen = hexlen / 2;
	if ((inner = malloc(innerlen + 1)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (hexlen == 0 || !hex_decode(inner, hex, hexlen) ||
	    (nl1 = memchr(inner, '\n', innerlen)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', innerlen - (size_t)(nl1 + 1 -
	    (char *)inner))) == NULL) {
		am_error_set(err, AM_E_INVALID, "not an Ansible Vault: no "
		    "salt, HMAC and ciphertext");
		goto out;
	}
	saltlen = (size_t)(nl1 - (char *)inner) / 2;
	ctlen = (innerlen - (size_t)(nl2 + 1 - (char *)inner)) / 2;
	if ((salt = malloc(saltlen + 1)) == NULL ||
	    (ct = malloc(ctlen + 1)) == NULL ||
	    (pt = malloc(ctlen + 1)) == NULL) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	if (saltlen == 0 || !hex_decode(salt, (char *)inner,
	    (size_t)(nl1 - (char *)inner)) ||
	    (size_t)(nl2 - nl1 - 1) != 2 * MAC_LEN ||
	    !hex_decode(given, nl1 + 1, 2 * MAC_LEN) ||
	    !hex_decode(ct, nl2 + 1, innerlen - (size_t)(nl2 + 1 -
	    (char *)inner)) || ctlen == 0 || ctlen % 16 != 0) {
		am_error_set(err, AM_E_INVALID, "not an Ansible Vault: bad "
		    "salt, HMAC or ciphertext");
		goto out;
	}
	if (derive(password, pwlen, salt, saltlen, dk, err) < 0 ||
	    hmac(dk, ct, ctlen, mac, err) < 0)
		goto out;
	macok = CRYPTO_memcmp(mac, given, MAC_LEN) == 0;
	if (!macok) {
		am_error_set(err, AM_E_INVALID, "wrong vault password (the "
		    "HMAC does not match; or the vault was altered)");
		goto out;
	}
	if (aes_ctr(dk, ct, ctlen, pt, err) < 0)
		goto out;
	pad = pt[ctlen - 1];
	padok = pad >= 1 && pad <= 16;
	for (i = 0; padok && i < pad; i++)
		padok = pt[ctlen - 1 - i] == pad;
	if (!padok) {
		am_error_set(err, AM_E_INVALID, "corrupt Ansible Vault: bad "
		    "padding");
		goto out;
	}
	/* Exactly the room needed: the secret never moves. */
	if (am_buf_reserve(plain, ctlen - pad) < 0 ||
	    am_buf_add(plain, pt, ctlen - pad) < 0) {
		am_error_set(err, AM_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ctlen);
		free(pt);
	}
	free(hex);
	free(inner);
	free(salt);
	free(ct);
	if (rc < 0)
		am_buf_wipe(plain);
	return rc;
}

/* Python's bytes.strip(): ASCII whitespace. */
static bool
is_py_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static bool
is_crlf(int c)
{
	return c == '\r' || c == '\n';
}

/* Keep data[start, end) of pw where the ends are not in strip. */
static void
strip(struct am_buf *pw, bool (*in_set)(int))
{
	size_t start = 0, end = pw->len;

	if (pw->data == NULL)
		return;
	while (start < end && in_set((unsigned char)pw->data[start]))
		start++;
	while (end > start && in_set((unsigned char)pw->data[end - 1]))
		end--;
	if (start > 0)
		memmove(pw->data, pw->data + start, end - start);
	/* Wipe what is no longer part of the password. */
	memset(pw->data + (end - start), 0, pw->len - (end - start));
	pw->len = end - start;
}

/* os.path.splitext(name)[0] ends with "-client". */
static bool
is_client_script(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t n;

	base = base != NULL ? base + 1 : path;
	/* splitext: the last dot, not counting leading dots. */
	for (dot = base; *dot == '.'; dot++)
		;
	dot = strrchr(dot, '.');
	n = dot != NULL ? (size_t)(dot - base) : strlen(base);
	return n >= 7 && memcmp(base + n - 7, "-client", 7) == 0;
}

static int
run_script(const char *path, const char *vault_id, struct am_buf *pw,
    struct am_error *err)
{
	char *argv[4];
	int status;

	argv[0] = (char *)path;
	argv[1] = NULL;
	if (is_client_script(path)) {
		argv[1] = "--vault-id";
		argv[2] = (char *)(vault_id != NULL ? vault_id :
		    AM_VAULT_DEFAULT_ID);
		argv[3] = NULL;
	}
	if (am_dkim_run(argv, AM_DKIM_RUN_SECRET, AM_VAULT_PASSWORD_MAX,
	    60000, pw, &status, err) < 0)
		return -1;
	if (status != 0) {
		am_buf_wipe(pw);
		if (status == 2 && argv[1] != NULL)
			return am_error_set(err, AM_E_INVALID, "vault password "
			    "client script %s has no secret for vault ID %s",
			    path, argv[2]);
		if (status < 0)
			return am_error_set(err, AM_E_INVALID, "vault password "
			    "script %s was killed or took too long", path);
		return am_error_set(err, AM_E_INVALID, "vault password script "
		    "%s exited with status %d", path, status);
	}
	strip(pw, is_crlf);
	return 0;
}

int
am_vault_password_read(const char *path, const char *vault_id,
    struct am_buf *pw, struct am_error *err)
{
	struct stat st;

	am_buf_wipe(pw);
	if (stat(path, &st) < 0)
		return am_error_set_errno(err, errno == ENOENT ||
		    errno == ENOTDIR ? AM_E_NOINPUT : errno == EACCES ?
		    AM_E_PERM : AM_E_IO, errno, "vault password file %s",
		    path);
	if (S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) {
		if (run_script(path, vault_id, pw, err) < 0)
			return -1;
	} else {
		if (am_file_read(path, AM_FILE_FOLLOW | AM_FILE_WIPE,
		    AM_VAULT_PASSWORD_MAX, pw, NULL, err) < 0) {
			if (err->code == AM_E_INVALID)
				am_error_set(err, AM_E_INVALID, "vault password "
				    "file %s: larger than %d bytes", path,
				    AM_VAULT_PASSWORD_MAX);
			return -1;
		}
		strip(pw, is_py_space);
		if (am_vault_is_vault(pw->data, pw->len)) {
			am_buf_wipe(pw);
			return am_error_set(err, AM_E_INVALID, "vault password "
			    "file %s is itself a vault; give its plain "
			    "password", path);
		}
	}
	if (pw->len == 0) {
		am_buf_wipe(pw);
		return am_error_set(err, AM_E_INVALID, "empty vault password "
		    "from %s", path);
	}
	return 0;
}
