/*
 * am_password - password hashes through libxcrypt, and the passwords
 * themselves.
 *
 * Hashes are made with crypt_gensalt_rn() + crypt_rn() on the caller's
 * buffers (never crypt()'s static one); a NULL result or a failure token
 * is an error.  Verification recomputes the hash with the stored hash as
 * setting and compares in constant time.  Stored hashes are judged with
 * crypt_checksalt() (am_pw_inspect()), which also tells whether a stored
 * hash meets the configured scheme and cost (am_pw_meets_policy()), so
 * that setting the same password again writes nothing.
 *
 * Passwords come from a file descriptor (am_pw_read_fd(): the whole input
 * minus one trailing newline) or from OpenSSL's CSPRNG (am_pw_generate()).
 * Every buffer that held a password is wiped (am_buf_wipe()).
 */
#ifndef AM_PW_H
#define AM_PW_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"

enum am_pw_scheme {
	AM_PW_YESCRYPT,
	AM_PW_SHA512,
	AM_PW_OTHER,		/* stored hashes only */
};

/* Big enough for any hash crypt_rn() returns (CRYPT_OUTPUT_SIZE). */
#define AM_PW_HASH_MAX 384
/* Length of generated passwords. */
#define AM_PW_GENERATED_LEN 32

int am_pw_scheme_parse(const char *name, enum am_pw_scheme *scheme,
    struct am_error *err);
const char *am_pw_scheme_name(enum am_pw_scheme scheme);
/* Default cost: yescrypt 5, sha512 5000 rounds. */
unsigned long am_pw_default_cost(enum am_pw_scheme scheme);
/* Cost in range: yescrypt 1..11, sha512 1000..999999999. */
int am_pw_cost_check(enum am_pw_scheme scheme, unsigned long cost,
    struct am_error *err);

/* Hash password with a fresh salt into out (AM_PW_HASH_MAX bytes). */
int am_pw_hash(const char *password, enum am_pw_scheme scheme,
    unsigned long cost, char *out, size_t outsize, struct am_error *err);
/*
 * *match is true when stored is a valid hash of password.  A stored value
 * that is no hash ("", "!", "*", "!$6$...") never matches.
 */
int am_pw_verify(const char *password, const char *stored, bool *match,
    struct am_error *err);

enum am_pw_state {
	AM_PW_STATE_USABLE,	/* passwd -S "P" */
	AM_PW_STATE_EMPTY,	/* "NP" */
	AM_PW_STATE_LOCKED,	/* "L" */
};

enum am_pw_judgement {
	AM_PW_OK,		/* crypt_checksalt: CRYPT_SALT_OK */
	AM_PW_LEGACY,		/* a weak method libxcrypt still verifies */
	AM_PW_TOO_CHEAP,
	AM_PW_DISABLED,		/* method not enabled in this libxcrypt */
	AM_PW_INVALID,		/* not a hash */
};

struct am_pw_info {
	enum am_pw_state state;
	enum am_pw_scheme scheme;
	char method[16];	/* "yescrypt", "sha512", "md5", ... or "" */
	unsigned long cost;	/* yescrypt cost, sha512 rounds; 0 unknown */
	enum am_pw_judgement judgement;
};

/* Describe a stored password field (locked: judged without its '!'). */
void am_pw_inspect(const char *stored, struct am_pw_info *info);
const char *am_pw_state_name(enum am_pw_state state);
const char *am_pw_judgement_name(enum am_pw_judgement j);
/* Same scheme, cost not below cost, judged OK. */
bool am_pw_meets_policy(const char *stored, enum am_pw_scheme scheme,
    unsigned long cost);

/*
 * Read a password from fd: everything up to EOF, minus one trailing "\n".
 * Refused (AM_E_INVALID): empty, longer than libxcrypt takes, any control
 * character (a NUL, CR or newline would break the client line; the others
 * cannot be typed reliably), a blank at either end (the relay host's
 * Postfix strips it from the client line).
 */
int am_pw_read_fd(int fd, struct am_buf *pw, struct am_error *err);
/* len characters from OpenSSL's RAND_bytes, no look-alike characters. */
int am_pw_generate(struct am_buf *pw, size_t len, struct am_error *err);
/* The alphabet of am_pw_generate(). */
extern const char am_pw_alphabet[];

/* Where a command's new password comes from (--password-stdin, ...). */
enum am_pw_source {
	AM_PW_SRC_NONE,
	AM_PW_SRC_STDIN,
	AM_PW_SRC_FD,
	AM_PW_SRC_GENERATE,
};

/* The password options of a command, as given (NULL: not given). */
struct am_pw_opts {
	enum am_pw_source source;
	int fd;			/* AM_PW_SRC_STDIN: 0 */
	const char *scheme;	/* NULL: archmail.conf password_scheme */
	const char *cost;	/* yescrypt cost */
	const char *rounds;	/* sha512 rounds */
};

struct am_conf;
/*
 * The scheme and cost a new hash gets: archmail.conf's password_scheme
 * and password_cost, overridden by the options (--cost only with
 * yescrypt, --rounds only with sha512; another scheme than the
 * configured one starts from its own default cost).  A bad option is
 * AM_E_USAGE, a bad setting AM_E_CONFIG.
 */
int am_pw_policy(const struct am_conf *conf, const struct am_pw_opts *o,
    enum am_pw_scheme *scheme, unsigned long *cost, struct am_error *err);
/*
 * The new password: generated, or read from the descriptor (never a
 * terminal: AM_E_USAGE).
 */
int am_pw_read(const struct am_pw_opts *o, struct am_buf *pw,
    struct am_error *err);

#endif
