/*
 * am_ossl - OpenSSL's libcrypto, loaded when it is first needed.
 *
 * Only the DKIM and password modules use OpenSSL, but linking libcrypto
 * makes every process pay for loading it (about 1.2 ms of relocations),
 * which is a third of what "postmap -q KEY" may take.  So libcrypto is
 * opened with dlopen() on first use, as ICU is (am_utf8.h), and the
 * OpenSSL functions archmail calls go through a table filled then.
 *
 * A module that calls OpenSSL includes this header after its other
 * includes; the names below then stand for the table's entries and the
 * code reads like ordinary OpenSSL code.  The names are only safe once
 * libcrypto is loaded, so every public function of the library that
 * reaches OpenSSL starts with am_ossl_load(), which reports a missing or
 * unusable libcrypto as an error (AM_E_CONFIG, with dlerror()'s text)
 * instead of letting a call go through an empty table; free functions
 * call OpenSSL only for objects OpenSSL made.  After the first load the
 * table is never written again.  To use another OpenSSL function, add it
 * to AM_OSSL_FUNCTIONS and give it a #define below.
 */
#ifndef AM_OSSL_H
#define AM_OSSL_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "am_error.h"

#define AM_OSSL_FUNCTIONS(X)						\
	X(BN_clear_free)						\
	X(CRYPTO_clear_free)						\
	X(CRYPTO_free)							\
	X(CRYPTO_memcmp)						\
	X(ERR_clear_error)						\
	X(ERR_error_string_n)						\
	X(ERR_peek_last_error)						\
	X(EVP_CIPHER_CTX_free)						\
	X(EVP_CIPHER_CTX_new)						\
	X(EVP_CipherFinal_ex)						\
	X(EVP_CipherInit_ex)						\
	X(EVP_CipherUpdate)						\
	X(EVP_PKEY_Q_keygen)						\
	X(EVP_PKEY_eq)							\
	X(EVP_PKEY_free)						\
	X(EVP_PKEY_get0_type_name)					\
	X(EVP_PKEY_get_base_id)						\
	X(EVP_PKEY_get_bits)						\
	X(EVP_PKEY_get_bn_param)					\
	X(EVP_PKEY_get_raw_private_key)					\
	X(EVP_PKEY_get_raw_public_key)					\
	X(EVP_PKEY_new_raw_private_key_ex)				\
	X(EVP_PKEY_new_raw_public_key_ex)				\
	X(EVP_Q_digest)							\
	X(EVP_Q_mac)							\
	X(EVP_aes_256_ctr)						\
	X(EVP_sha256)							\
	X(OPENSSL_cleanse)						\
	X(OSSL_DECODER_CTX_free)					\
	X(OSSL_DECODER_CTX_get_num_decoders)				\
	X(OSSL_DECODER_CTX_new_for_pkey)				\
	X(OSSL_DECODER_CTX_set_passphrase_cb)				\
	X(OSSL_DECODER_from_data)					\
	X(OSSL_ENCODER_CTX_free)					\
	X(OSSL_ENCODER_CTX_get_num_encoders)				\
	X(OSSL_ENCODER_CTX_new_for_pkey)				\
	X(OSSL_ENCODER_to_data)						\
	X(PKCS5_PBKDF2_HMAC)						\
	X(RAND_bytes)							\
	X(d2i_PUBKEY)							\
	X(i2d_PUBKEY)

struct am_ossl_api {
#define AM_OSSL_MEMBER(name) __typeof__(&name) name;
	AM_OSSL_FUNCTIONS(AM_OSSL_MEMBER)
#undef AM_OSSL_MEMBER
};

/* Load libcrypto now; 0, or -1 with err saying why. */
int am_ossl_load(struct am_error *err);

/*
 * Load another soname instead of libcrypto.so.3 (before the first load;
 * ignored after it).  For tests of the failure path, and for packagers.
 */
void am_ossl_set_library(const char *soname);

/* The table, loading libcrypto if needed; NULL if it cannot be loaded. */
const struct am_ossl_api *am_ossl_api(void);

#ifndef AM_OSSL_IMPLEMENTATION
#define BN_clear_free (am_ossl_api()->BN_clear_free)
#define CRYPTO_clear_free (am_ossl_api()->CRYPTO_clear_free)
#define CRYPTO_free (am_ossl_api()->CRYPTO_free)
#define CRYPTO_memcmp (am_ossl_api()->CRYPTO_memcmp)
#define ERR_clear_error (am_ossl_api()->ERR_clear_error)
#define ERR_error_string_n (am_ossl_api()->ERR_error_string_n)
#define ERR_peek_last_error (am_ossl_api()->ERR_peek_last_error)
#define EVP_CIPHER_CTX_free (am_ossl_api()->EVP_CIPHER_CTX_free)
#define EVP_CIPHER_CTX_new (am_ossl_api()->EVP_CIPHER_CTX_new)
#define EVP_CipherFinal_ex (am_ossl_api()->EVP_CipherFinal_ex)
#define EVP_CipherInit_ex (am_ossl_api()->EVP_CipherInit_ex)
#define EVP_CipherUpdate (am_ossl_api()->EVP_CipherUpdate)
#define EVP_Q_mac (am_ossl_api()->EVP_Q_mac)
#define EVP_aes_256_ctr (am_ossl_api()->EVP_aes_256_ctr)
#define EVP_sha256 (am_ossl_api()->EVP_sha256)
#define PKCS5_PBKDF2_HMAC (am_ossl_api()->PKCS5_PBKDF2_HMAC)
#define EVP_PKEY_Q_keygen (am_ossl_api()->EVP_PKEY_Q_keygen)
#define EVP_PKEY_eq (am_ossl_api()->EVP_PKEY_eq)
#define EVP_PKEY_free (am_ossl_api()->EVP_PKEY_free)
#define EVP_PKEY_get0_type_name (am_ossl_api()->EVP_PKEY_get0_type_name)
#define EVP_PKEY_get_base_id (am_ossl_api()->EVP_PKEY_get_base_id)
#define EVP_PKEY_get_bits (am_ossl_api()->EVP_PKEY_get_bits)
#define EVP_PKEY_get_bn_param (am_ossl_api()->EVP_PKEY_get_bn_param)
#define EVP_PKEY_get_raw_private_key \
	(am_ossl_api()->EVP_PKEY_get_raw_private_key)
#define EVP_PKEY_get_raw_public_key \
	(am_ossl_api()->EVP_PKEY_get_raw_public_key)
#define EVP_PKEY_new_raw_private_key_ex \
	(am_ossl_api()->EVP_PKEY_new_raw_private_key_ex)
#define EVP_PKEY_new_raw_public_key_ex \
	(am_ossl_api()->EVP_PKEY_new_raw_public_key_ex)
#define EVP_Q_digest (am_ossl_api()->EVP_Q_digest)
#define OPENSSL_cleanse (am_ossl_api()->OPENSSL_cleanse)
#define OSSL_DECODER_CTX_free (am_ossl_api()->OSSL_DECODER_CTX_free)
#define OSSL_DECODER_CTX_get_num_decoders \
	(am_ossl_api()->OSSL_DECODER_CTX_get_num_decoders)
#define OSSL_DECODER_CTX_new_for_pkey \
	(am_ossl_api()->OSSL_DECODER_CTX_new_for_pkey)
#define OSSL_DECODER_CTX_set_passphrase_cb \
	(am_ossl_api()->OSSL_DECODER_CTX_set_passphrase_cb)
#define OSSL_DECODER_from_data (am_ossl_api()->OSSL_DECODER_from_data)
#define OSSL_ENCODER_CTX_free (am_ossl_api()->OSSL_ENCODER_CTX_free)
#define OSSL_ENCODER_CTX_get_num_encoders \
	(am_ossl_api()->OSSL_ENCODER_CTX_get_num_encoders)
#define OSSL_ENCODER_CTX_new_for_pkey \
	(am_ossl_api()->OSSL_ENCODER_CTX_new_for_pkey)
#define OSSL_ENCODER_to_data (am_ossl_api()->OSSL_ENCODER_to_data)
#define RAND_bytes (am_ossl_api()->RAND_bytes)
#define d2i_PUBKEY (am_ossl_api()->d2i_PUBKEY)
#define i2d_PUBKEY (am_ossl_api()->i2d_PUBKEY)
#endif

#endif
