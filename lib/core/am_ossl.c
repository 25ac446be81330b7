#define AM_OSSL_IMPLEMENTATION
#include "am_ossl.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define AM_STR2(x) #x
#define AM_STR(x) AM_STR2(x)
#define CRYPTO_LIBRARY "libcrypto.so." AM_STR(OPENSSL_VERSION_MAJOR)

/*
 * Written once, by the first successful load, and only read afterwards:
 * the one piece of global state in the library, because the OpenSSL
 * calls it replaces are global functions too.
 */
static struct am_ossl_api api;
static bool loaded;
static const char *library = CRYPTO_LIBRARY;

static const char *const names[] = {
#define AM_OSSL_NAME(name) #name,
	AM_OSSL_FUNCTIONS(AM_OSSL_NAME)
#undef AM_OSSL_NAME
};

static int
load(char *why, size_t size)
{
	void *syms[sizeof(names) / sizeof(names[0])];
	void *handle;
	size_t i;

	if (loaded)
		return 0;
	if ((handle = dlopen(library, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, size, "cannot load OpenSSL's %s: %s", library,
		    dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((syms[i] = dlsym(handle, names[i])) == NULL) {
			snprintf(why, size, "%s has no %s", library,
			    names[i]);
			dlclose(handle);
			return -1;
		}
	}
	/* Same order as names[]: each symbol into its typed member. */
	i = 0;
#define AM_OSSL_SET(name) memcpy(&api.name, &syms[i++], sizeof(void *));
	AM_OSSL_FUNCTIONS(AM_OSSL_SET)
#undef AM_OSSL_SET
	loaded = true;
	return 0;
}

int
am_ossl_load(struct am_error *err)
{
	char why[512];

	if (load(why, sizeof(why)) < 0)
		return am_error_set(err, AM_E_CONFIG, "%s", why);
	return 0;
}

const struct am_ossl_api *
am_ossl_api(void)
{
	char why[512];

	return load(why, sizeof(why)) == 0 ? &api : NULL;
}

void
am_ossl_set_library(const char *soname)
{
	if (!loaded)
		library = soname;
}
