/*
 * am_vault - Ansible Vault files (format 1.1, and 1.2 with a vault ID
 * label; cipher AES256), so that a private key goes straight into the
 * vault that deploys it and its plaintext never touches a disk.
 *
 * The format, as ansible-core writes and reads it:
 *
 *	$ANSIBLE_VAULT;1.1;AES256		(or ;1.2;AES256;LABEL)
 *	hex(hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)), 80 per line
 *
 * with 80 bytes of PBKDF2-HMAC-SHA256 (10000 iterations) of the password
 * and a random 32-byte salt split into the AES-256 key, the HMAC-SHA256
 * key and the CTR counter block; the plaintext padded as PKCS#7 to 16
 * bytes, encrypted with AES-256-CTR; the HMAC taken over the ciphertext.
 *
 *	struct am_buf pw = AM_BUF_INIT, vault = AM_BUF_INIT;
 *	am_vault_password_read("pw.txt", NULL, &pw, &err);
 *	am_vault_encrypt(pem, pemlen, pw.data, pw.len, NULL, NULL, &vault,
 *	    &err);
 *	...
 *	am_buf_wipe(&pw);
 *
 * Passwords and plaintexts are secrets: every buffer that held one is
 * wiped, and callers wipe theirs (am_buf_wipe()).
 */
#ifndef AM_VAULT_H
#define AM_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"

#define AM_VAULT_SALT_LEN 32
#define AM_VAULT_ITERATIONS 10000
#define AM_VAULT_DEFAULT_ID "default"
#define AM_VAULT_PASSWORD_MAX (64 * 1024)

/* data starts with "$ANSIBLE_VAULT;", as Ansible's is_encrypted(). */
bool am_vault_is_vault(const void *data, size_t len);

/*
 * A vault ID label goes into the header: not empty, no ';', no blanks or
 * control characters (AM_E_INVALID otherwise).
 */
int am_vault_check_label(const char *label, struct am_error *err);

/*
 * Append the vault text of plain to out.  label NULL or "default": a 1.1
 * header, as ansible-vault writes for the default vault ID; otherwise
 * 1.2 with the label.  salt NULL: 32 random bytes (tests give one).
 */
int am_vault_encrypt(const void *plain, size_t len, const void *password,
    size_t pwlen, const char *label, const unsigned char *salt,
    struct am_buf *out, struct am_error *err);

/*
 * Decrypt vault text into plain (reset first, wiped on failure).  A
 * password that does not fit (the HMAC differs) is AM_E_INVALID "wrong
 * vault password ..."; text that is not a vault is AM_E_INVALID too.
 * label (size bytes, may be NULL) receives the header's label, "" if
 * none.
 */
int am_vault_decrypt(const void *data, size_t len, const void *password,
    size_t pwlen, struct am_buf *plain, char *label, size_t size,
    struct am_error *err);

/*
 * Read a vault password as Ansible reads --vault-password-file FILE and
 * --vault-id LABEL@FILE: a file with any execute bit is run (without a
 * shell; a name ending in "-client", before any extension, is a client
 * script and is given "--vault-id ID", ID being vault_id or "default")
 * and its output is the password, less leading and trailing CR and LF;
 * any other file is read whole, less leading and trailing whitespace.
 * An empty password, a script that fails, a vault-encrypted password
 * file: AM_E_INVALID.  A missing file: AM_E_NOINPUT.
 */
int am_vault_password_read(const char *path, const char *vault_id,
    struct am_buf *pw, struct am_error *err);

#endif
