/*
 * archmail.conf (am_conf_load; main.cf is not fuzzed here).  Each input is
 * written to a private temporary file.  Oracle: no sanitizer report; after
 * a successful load every key has a value, and a second load of the same
 * file gives the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_conf.h"
#include "am_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_conf a, b;
	struct am_error err;
	FILE *fp;
	int k;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_conf.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/archmail.conf", dir);
		atexit(cleanup);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	am_error_clear(&err);
	if (am_conf_init(&a, &err) < 0)
		return 0;
	if (am_conf_load(&a, path, false, &err) == 0) {
		if (am_conf_init(&b, &err) < 0 ||
		    am_conf_load(&b, path, false, &err) < 0)
			abort();
		for (k = 0; k < AM_CONF_COUNT; k++) {
			const char *va = am_conf_get(&a, (enum am_conf_key)k);
			const char *vb = am_conf_get(&b, (enum am_conf_key)k);

			if (va == NULL || vb == NULL || strcmp(va, vb) != 0)
				abort();
		}
		am_conf_free(&b);
	}
	am_conf_free(&a);
	return 0;
}
