/*
 * am_crypto - when libarchmail loads OpenSSL's libcrypto.
 *
 * The library opens libcrypto with dlopen() the first time a function
 * needs it (DKIM keys, password hashes), so that programs that never
 * touch a key do not pay for loading it.  A program may load it up
 * front instead, to report a missing or unusable libcrypto before it
 * starts work, or name another soname before the first load.
 *
 * (The library's own table of OpenSSL functions, am_ossl.h, is not
 * installed: these two are the public part of it.)
 */
#ifndef AM_CRYPTO_H
#define AM_CRYPTO_H

#include "am_error.h"

/* Load libcrypto now; 0, or -1 with err (AM_E_CONFIG) saying why. */
int am_ossl_load(struct am_error *err);

/* Load SONAME instead of libcrypto.so.3; ignored after the first load. */
void am_ossl_set_library(const char *soname);

#endif
