#include "am_pw.h"

#include "am_conf.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "am_ossl.h"	/* last: it renames OpenSSL calls */

/* No 0/O/o, 1/l/I: the password is read off screens and typed by hand. */
const char am_pw_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

int
am_pw_scheme_parse(const char *name, enum am_pw_scheme *scheme,
    struct am_error *err)
{
	if (strcmp(name, "yescrypt") == 0)
		*scheme = AM_PW_YESCRYPT;
	else if (strcmp(name, "sha512") == 0)
		*scheme = AM_PW_SHA512;
	else
		return am_error_set(err, AM_E_INVALID, "unknown password "
		    "scheme \"%s\" (use yescrypt or sha512)", name);
	return 0;
}

const char *
am_pw_scheme_name(enum am_pw_scheme scheme)
{
	switch (scheme) {
	case AM_PW_YESCRYPT:
		return "yescrypt";
	case AM_PW_SHA512:
		return "sha512";
	default:
		return "other";
	}
}

unsigned long
am_pw_default_cost(enum am_pw_scheme scheme)
{
	return scheme == AM_PW_SHA512 ? 5000 : 5;
}

int
am_pw_cost_check(enum am_pw_scheme scheme, unsigned long cost,
    struct am_error *err)
{
	if (scheme == AM_PW_YESCRYPT && (cost < 1 || cost > 11))
		return am_error_set(err, AM_E_INVALID, "yescrypt cost %lu is "
		    "out of range 1..11", cost);
	if (scheme == AM_PW_SHA512 && (cost < 1000 || cost > 999999999))
		return am_error_set(err, AM_E_INVALID, "sha512 rounds %lu "
		    "out of range 1000..999999999", cost);
	return 0;
}

static const char *
scheme_prefix(enum am_pw_scheme scheme)
{
	return scheme == AM_PW_SHA512 ? "$6$" : "$y$";
}

/* crypt_rn into out; the work area is wiped. */
static int
run_crypt(const char *password, const char *setting, char *out,
    size_t outsize, struct am_error *err)
{
	struct crypt_data *cd;
	const char *res;
	int rc = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	res = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	if (res == NULL || res[0] == '*') {
		am_error_set_errno(err, AM_E_INVALID, res == NULL ? errno : 0,
		    "libxcrypt cannot hash with this setting");
		goto out;
	}
	if (strlen(res) >= outsize) {
		am_error_set(err, AM_E_INTERNAL, "hash too long");
		goto out;
	}
	memcpy(out, res, strlen(res) + 1);
	rc = 0;
out:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
am_pw_hash(const char *password, enum am_pw_scheme scheme,
    unsigned long cost, char *out, size_t outsize, struct am_error *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	int rc;

	if (scheme != AM_PW_YESCRYPT && scheme != AM_PW_SHA512)
		return am_error_set(err, AM_E_INVALID, "cannot hash with "
		    "this scheme");
	if (am_pw_cost_check(scheme, cost, err) < 0)
		return -1;
	if (password[0] == '\0')
		return am_error_set(err, AM_E_INVALID, "empty password");
	/* NULL random bytes: libxcrypt takes a fresh salt from the OS. */
	if (crypt_gensalt_rn(scheme_prefix(scheme), cost, NULL, 0, setting,
	    (int)sizeof(setting)) == NULL || setting[0] == '*')
		return am_error_set_errno(err, AM_E_INTERNAL, errno,
		    "crypt_gensalt_rn for %s", am_pw_scheme_name(scheme));
	rc = run_crypt(password, setting, out, outsize, err);
	explicit_bzero(setting, sizeof(setting));
	return rc;
}

int
am_pw_verify(const char *password, const char *stored, bool *match,
    struct am_error *err)
{
	char out[AM_PW_HASH_MAX];
	struct am_error ignored;
	size_t len = strlen(stored);

	*match = false;
	if (am_ossl_load(err) < 0)
		return -1;
	if (crypt_checksalt(stored) == CRYPT_SALT_INVALID ||
	    crypt_checksalt(stored) == CRYPT_SALT_METHOD_DISABLED)
		return 0;
	am_error_clear(&ignored);
	if (run_crypt(password, stored, out, sizeof(out), &ignored) < 0)
		return 0;
	*match = strlen(out) == len && CRYPTO_memcmp(out, stored, len) == 0;
	explicit_bzero(out, sizeof(out));
	(void)err;
	return 0;
}

/* yescrypt's cost is encoded in its parameters: ask libxcrypt. */
static unsigned long
yescrypt_cost(const char *stored)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *params = stored + 3, *end;
	size_t plen;
	unsigned long cost;

	if ((end = strchr(params, '$')) == NULL)
		return 0;
	plen = (size_t)(end - params);
	for (cost = 1; cost <= 11; cost++) {
		if (crypt_gensalt_rn("$y$", cost, NULL, 0, setting,
		    (int)sizeof(setting)) == NULL)
			continue;
		if (strncmp(setting + 3, params, plen) == 0 &&
		    setting[3 + plen] == '$')
			return cost;
	}
	return 0;
}

static unsigned long
sha512_rounds(const char *stored)
{
	const char *p = stored + 3;
	char *end;
	unsigned long r;

	if (strncmp(p, "rounds=", 7) != 0)
		return 5000;
	r = strtoul(p + 7, &end, 10);
	return *end == '$' ? r : 0;
}

static const struct {
	const char *prefix;
	const char *name;
} methods[] = {
	{ "$y$", "yescrypt" }, { "$gy$", "gost-yescrypt" },
	{ "$7$", "scrypt" }, { "$2b$", "bcrypt" }, { "$2y$", "bcrypt" },
	{ "$2a$", "bcrypt" }, { "$6$", "sha512" }, { "$5$", "sha256" },
	{ "$1$", "md5" }, { "$sha1$", "sha1" }, { "$md5", "sunmd5" },
	{ "_", "bsdicrypt" },
};

void
am_pw_inspect(const char *stored, struct am_pw_info *info)
{
	const char *h = stored;
	size_t i;

	memset(info, 0, sizeof(*info));
	info->scheme = AM_PW_OTHER;
	if (h[0] == '\0') {
		info->state = AM_PW_STATE_EMPTY;
		info->judgement = AM_PW_INVALID;
		return;
	}
	if (h[0] == '!' || h[0] == '*') {
		info->state = AM_PW_STATE_LOCKED;
		while (*h == '!')
			h++;
	} else {
		info->state = AM_PW_STATE_USABLE;
	}
	switch (crypt_checksalt(h)) {
	case CRYPT_SALT_OK:
		info->judgement = AM_PW_OK;
		break;
	case CRYPT_SALT_METHOD_LEGACY:
		info->judgement = AM_PW_LEGACY;
		break;
	case CRYPT_SALT_TOO_CHEAP:
		info->judgement = AM_PW_TOO_CHEAP;
		break;
	case CRYPT_SALT_METHOD_DISABLED:
		info->judgement = AM_PW_DISABLED;
		break;
	default:
		info->judgement = AM_PW_INVALID;
		break;
	}
	if (info->judgement == AM_PW_INVALID)
		return;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strncmp(h, methods[i].prefix,
		    strlen(methods[i].prefix)) == 0)
			break;
	if (i < sizeof(methods) / sizeof(methods[0]))
		snprintf(info->method, sizeof(info->method), "%s",
		    methods[i].name);
	else if (strlen(h) == 13)
		snprintf(info->method, sizeof(info->method), "descrypt");
	if (strncmp(h, "$y$", 3) == 0) {
		info->scheme = AM_PW_YESCRYPT;
		info->cost = yescrypt_cost(h);
	} else if (strncmp(h, "$6$", 3) == 0) {
		info->scheme = AM_PW_SHA512;
		info->cost = sha512_rounds(h);
	}
}

const char *
am_pw_state_name(enum am_pw_state state)
{
	switch (state) {
	case AM_PW_STATE_EMPTY:
		return "NP";
	case AM_PW_STATE_LOCKED:
		return "L";
	default:
		return "P";
	}
}

const char *
am_pw_judgement_name(enum am_pw_judgement j)
{
	switch (j) {
	case AM_PW_OK:
		return "ok";
	case AM_PW_LEGACY:
		return "legacy";
	case AM_PW_TOO_CHEAP:
		return "too-cheap";
	case AM_PW_DISABLED:
		return "disabled";
	default:
		return "invalid";
	}
}

bool
am_pw_meets_policy(const char *stored, enum am_pw_scheme scheme,
    unsigned long cost)
{
	struct am_pw_info info;

	am_pw_inspect(stored, &info);
	return info.state == AM_PW_STATE_USABLE &&
	    info.judgement == AM_PW_OK && info.scheme == scheme &&
	    info.cost >= cost;
}

static bool
has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}

int
am_pw_read_fd(int fd, struct am_buf *pw, struct am_error *err)
{
	ssize_t n;

	am_buf_wipe(pw);
	for (;;) {
		/* Never reallocate: a moved buffer would leave a copy. */
		if (pw->data == NULL &&
		    am_buf_reserve(pw, CRYPT_MAX_PASSPHRASE_SIZE + 2) < 0)
			return am_error_set(err, AM_E_NOMEM, "out of memory");
		if (pw->len > CRYPT_MAX_PASSPHRASE_SIZE) {
			am_buf_wipe(pw);
			return am_error_set(err, AM_E_INVALID, "password "
			    "longer than %d bytes", CRYPT_MAX_PASSPHRASE_SIZE -
			    1);
		}
		n = read(fd, pw->data + pw->len, pw->cap - pw->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			am_buf_wipe(pw);
			return am_error_set_errno(err, AM_E_IO, errno,
			    "read password");
		}
		if (n == 0)
			break;
		pw->len += (size_t)n;
	}
	if (pw->data == NULL && am_buf_reserve(pw, 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (pw->len > 0 && pw->data[pw->len - 1] == '\n')
		pw->len--;
	pw->data[pw->len] = '\0';
	if (pw->len >= CRYPT_MAX_PASSPHRASE_SIZE) {
		am_buf_wipe(pw);
		return am_error_set(err, AM_E_INVALID, "password longer than "
		    "%d bytes", CRYPT_MAX_PASSPHRASE_SIZE - 1);
	}
	if (pw->len == 0) {
		am_buf_wipe(pw);
		return am_error_set(err, AM_E_INVALID, "empty password");
	}
	if (has_control(pw->data, pw->len)) {
		am_buf_wipe(pw);
		return am_error_set(err, AM_E_INVALID, "password contains a "
		    "control character (NUL, tab, line break, ESC, DEL, ...)");
	}
	/*
	 * The relay host's Postfix strips blanks around the password of its
	 * client line, so a hash made with them could never be matched.
	 */
	if (pw->data[0] == ' ' || pw->data[pw->len - 1] == ' ') {
		am_buf_wipe(pw);
		return am_error_set(err, AM_E_INVALID, "password begins or "
		    "ends with a blank");
	}
	return 0;
}

int
am_pw_generate(struct am_buf *pw, size_t len, struct am_error *err)
{
	unsigned char rnd[64];
	size_t nalpha = sizeof(am_pw_alphabet) - 1;
	/* Largest multiple of the alphabet size: no modulo bias. */
	unsigned int limit = 256 - 256 % (unsigned int)nalpha;
	size_t i;
	int rc = -1;

	if (am_ossl_load(err) < 0)
		return -1;

	am_buf_wipe(pw);
	if (len == 0 || am_buf_reserve(pw, len + 1) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	while (pw->len < len) {
		if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
			am_error_set(err, AM_E_INTERNAL, "OpenSSL RAND_bytes "
			    "failed");
			am_buf_wipe(pw);
			goto out;
		}
		for (i = 0; i < sizeof(rnd) && pw->len < len; i++)
			if (rnd[i] < limit)
				pw->data[pw->len++] = am_pw_alphabet[rnd[i] %
				    nalpha];
	}
	pw->data[pw->len] = '\0';
	rc = 0;
out:
	explicit_bzero(rnd, sizeof(rnd));
	return rc;
}

static int
parse_cost(const char *s, const char *what, unsigned long *v,
    struct am_error *err)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return am_error_set(err, AM_E_USAGE, "bad %s \"%s\"", what, s);
	return 0;
}

int
am_pw_policy(const struct am_conf *conf, const struct am_pw_opts *o,
    enum am_pw_scheme *scheme, unsigned long *cost, struct am_error *err)
{
	enum am_pw_scheme conf_scheme;
	const char *conf_cost = am_conf_get(conf, AM_CONF_PASSWORD_COST);

	if (am_pw_scheme_parse(am_conf_get(conf, AM_CONF_PASSWORD_SCHEME),
	    &conf_scheme, err) < 0) {
		err->code = AM_E_CONFIG;
		return -1;
	}
	*scheme = conf_scheme;
	if (o->scheme != NULL && am_pw_scheme_parse(o->scheme, scheme,
	    err) < 0) {
		err->code = AM_E_USAGE;
		return -1;
	}
	/* The configured cost belongs to the configured scheme. */
	if (*scheme == conf_scheme) {
		if (parse_cost(conf_cost, "password_cost", cost, err) < 0) {
			err->code = AM_E_CONFIG;
			return -1;
		}
	} else {
		*cost = am_pw_default_cost(*scheme);
	}
	if (o->cost != NULL && *scheme != AM_PW_YESCRYPT)
		return am_error_set(err, AM_E_USAGE, "--cost is for "
		    "yescrypt; use --rounds with sha512");
	if (o->rounds != NULL && *scheme != AM_PW_SHA512)
		return am_error_set(err, AM_E_USAGE, "--rounds is for "
		    "sha512; use --cost with yescrypt");
	if (o->cost != NULL && parse_cost(o->cost, "cost", cost, err) < 0)
		return -1;
	if (o->rounds != NULL && parse_cost(o->rounds, "rounds", cost,
	    err) < 0)
		return -1;
	if (am_pw_cost_check(*scheme, *cost, err) < 0) {
		err->code = o->cost != NULL || o->rounds != NULL ?
		    AM_E_USAGE : AM_E_CONFIG;
		return -1;
	}
	return 0;
}

int
am_pw_read(const struct am_pw_opts *o, struct am_buf *pw,
    struct am_error *err)
{
	if (o->source == AM_PW_SRC_GENERATE)
		return am_pw_generate(pw, AM_PW_GENERATED_LEN, err);
	if (o->source == AM_PW_SRC_NONE)
		return am_error_set(err, AM_E_USAGE, "no password given");
	if (isatty(o->fd))
		return am_error_set(err, AM_E_USAGE, "the password must come "
		    "from a pipe or a file, not a terminal");
	return am_pw_read_fd(o->fd, pw, err);
}
