/*
 * am_dkim_key - DKIM signing keys: generate, encode, decode, public key.
 *
 * Keys are RSA or Ed25519, held as an OpenSSL 3 EVP_PKEY (EVP calls only).
 * Encoded forms:
 *
 *	pem	PKCS#8 PEM, "BEGIN PRIVATE KEY" (current rspamd, opendkim)
 *	pkcs1	PKCS#1 PEM, "BEGIN RSA PRIVATE KEY" (RSA only)
 *	der	PKCS#8 DER, binary (rspamd; opendkim cannot read it)
 *	rspamd	base64 of seed || public key, one line (Ed25519 only;
 *		rspamd before 3.13.2 loads nothing else for Ed25519)
 *
 * Decoding reads all of these, and also PKCS#1 DER, base64 of DER without
 * PEM armour, and rspamd's 32-byte seed form; the form found is reported.
 * Encrypted keys are refused (neither signer can use them); a key in an
 * Ansible Vault is read with its vault password (am_dkim_key_load_vault).
 *
 * The public key is what a DKIM record publishes: for RSA the DER
 * SubjectPublicKeyInfo, for Ed25519 the raw 32 bytes (RFC 8463).
 *
 *	struct am_dkim_key key = AM_DKIM_KEY_INIT;
 *	struct am_buf pem = AM_BUF_INIT, pub = AM_BUF_INIT;
 *	am_dkim_key_generate(&key, AM_DKIM_RSA, 2048, &err);
 *	am_dkim_key_encode(&key, AM_DKIM_KEY_PEM, &pem, &err);
 *	am_dkim_key_public(&key, &pub, &err);
 *	...
 *	am_buf_wipe(&pem);	(encoded private keys are secrets)
 *	am_dkim_key_free(&key);
 *
 * Messages never contain key material.
 */
#ifndef AM_DKIM_KEY_H
#define AM_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/types.h>

#include "am_buf.h"
#include "am_error.h"

enum am_dkim_key_type {
	AM_DKIM_NONE = 0,
	AM_DKIM_RSA,
	AM_DKIM_ED25519,
};

enum am_dkim_key_format {
	AM_DKIM_KEY_UNKNOWN = 0,
	AM_DKIM_KEY_PEM,	/* PKCS#8 PEM */
	AM_DKIM_KEY_PKCS1,	/* PKCS#1 PEM */
	AM_DKIM_KEY_DER,	/* PKCS#8 DER */
	AM_DKIM_KEY_RSPAMD,	/* base64(seed || public) */
	/* Read only: */
	AM_DKIM_KEY_PKCS1_DER,
	AM_DKIM_KEY_DER_BASE64,	/* base64 of PKCS#8 or PKCS#1 DER */
	AM_DKIM_KEY_RSPAMD_SEED,	/* base64(seed) */
};

#define AM_DKIM_RSA_MIN_BITS 1024
#define AM_DKIM_RSA_MAX_BITS 8192
#define AM_DKIM_RSA_WARN_BITS 4096	/* verifiers need not go beyond */
#define AM_DKIM_ED25519_LEN 32		/* seed and public key */
#define AM_DKIM_KEY_MAX_FILE (64 * 1024)

struct am_dkim_key {
	EVP_PKEY *pkey;
	enum am_dkim_key_type type;
	unsigned int bits;		/* RSA modulus; 256 for Ed25519 */
	enum am_dkim_key_format format;	/* as decoded; 0 if generated */
};

#define AM_DKIM_KEY_INIT { NULL, AM_DKIM_NONE, 0, AM_DKIM_KEY_UNKNOWN }

/*
 * RSA bits must be a multiple of 8 in [1024, 8192] (AM_E_INVALID
 * otherwise); bits is ignored for Ed25519.
 */
int am_dkim_key_check_bits(enum am_dkim_key_type type, long bits,
    struct am_error *err);
int am_dkim_key_generate(struct am_dkim_key *key, enum am_dkim_key_type type,
    unsigned int bits, struct am_error *err);

/* Append the encoded private key to out (wipe it afterwards). */
int am_dkim_key_encode(const struct am_dkim_key *key,
    enum am_dkim_key_format format, struct am_buf *out, struct am_error *err);
/* Decode any supported form; key->format says which one it was. */
int am_dkim_key_decode(struct am_dkim_key *key, const void *data, size_t len,
    struct am_error *err);
/*
 * Read and decode a key file (fd: an open descriptor, e.g. stdin, named
 * name in messages).  A missing file is AM_E_NOINPUT, an unreadable one
 * AM_E_PERM, an unusable one AM_E_INVALID with the path in err->file.
 */
int am_dkim_key_load(struct am_dkim_key *key, const char *path,
    struct am_error *err);
int am_dkim_key_load_fd(struct am_dkim_key *key, int fd, const char *name,
    struct am_error *err);
/*
 * The same for a key that may be in an Ansible Vault (am_vault.h): it is
 * decrypted in memory with password (NULL: a vault is refused,
 * AM_E_INVALID); *vault (may be NULL) says whether it was one.  A wrong
 * password is AM_E_INVALID "wrong vault password ...".
 */
int am_dkim_key_load_vault(struct am_dkim_key *key, const char *path,
    const struct am_buf *password, bool *vault, struct am_error *err);
int am_dkim_key_load_fd_vault(struct am_dkim_key *key, int fd,
    const char *name, const struct am_buf *password, bool *vault,
    struct am_error *err);

/*
 * Writing a key file: through am_atomic (temporary file, fsync, rename),
 * never through a symbolic link, never to a name ending in "/", never
 * over anything but a regular file,
 * and over a regular file only with force, unless it already holds exactly
 * data with this mode (then nothing is written and *changed is false).
 */
struct am_dkim_key_file {
	mode_t mode;		/* e.g. 0600 */
	bool set_group;
	gid_t gid;
	bool force;
	/*
	 * Replacing a regular file (force): keep its owner, and its group
	 * and mode unless set_group or mode_given.  A signer that reads the
	 * key as its group must still be able to after a rewrite.
	 */
	bool keep_existing;
	bool mode_given;
	/* Called with the temporary file's path once it exists. */
	void (*temp_created)(const char *tmp_path, void *arg);
	void *temp_arg;
};

int am_dkim_key_save(const char *path, const void *data, size_t len,
    const struct am_dkim_key_file *o, bool *changed, struct am_error *err);
/*
 * The group a key file is given (--group): a GID, or a group name looked
 * up in ROOT/etc/group (root NULL or "/": the machine's), as the account
 * files are read, so that --root names the groups of that root.
 * AM_E_NOUSER "unknown group \"NAME\" in PATH" if it is not there.
 */
int am_dkim_key_group(const char *root, const char *name, gid_t *gid,
    struct am_error *err);
/* The checks of am_dkim_key_save() on what is at path, before a new key. */
int am_dkim_key_check_target(const char *path, bool force,
    struct am_error *err);

/*
 * What am_dkim_key_save() would do, writing nothing: the same refusals of
 * what is at path, and its directory must exist and let this process
 * create files in it.  *same: path already holds exactly data with o's
 * mode and group (nothing would be written); *exists: a file is at path
 * now (it would be replaced).  data NULL: a key not made yet, which no
 * file holds.
 */
int am_dkim_key_save_check(const char *path, const void *data, size_t len,
    const struct am_dkim_key_file *o, bool *same, bool *exists,
    struct am_error *err);

/* Append the public key as DKIM publishes it. */
int am_dkim_key_public(const struct am_dkim_key *key, struct am_buf *out,
    struct am_error *err);

void am_dkim_key_free(struct am_dkim_key *key);

/* "rsa", "ed25519" (any case) or AM_DKIM_NONE. */
enum am_dkim_key_type am_dkim_key_type_from_name(const char *name);
const char *am_dkim_key_type_name(enum am_dkim_key_type type);
/* "pem" (or "pkcs8"), "pkcs1", "der", "rspamd"; or AM_DKIM_KEY_UNKNOWN. */
enum am_dkim_key_format am_dkim_key_format_from_name(const char *name);
const char *am_dkim_key_format_name(enum am_dkim_key_format format);
/* Whether format can hold a key of type (pkcs1: RSA; rspamd: Ed25519). */
int am_dkim_key_format_check(enum am_dkim_key_type type,
    enum am_dkim_key_format format, struct am_error *err);

#endif
