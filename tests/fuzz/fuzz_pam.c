/*
 * The PAM stack reader.  am_pam_check() reads files under a root, so each
 * input is written to a private temporary root: up to the first NUL byte
 * as etc/pam.d/dovecot, the rest as etc/pam.d/common-auth (for
 * "@include common-auth" and "include"/"substack" lines).  Oracle: no
 * sanitizer report, no hang; an accepting verdict names its line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_error.h"
#include "am_pam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

static void
write_file(const char *name, const uint8_t *data, size_t len)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/etc/pam.d/%s", root, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		abort();
	if (fclose(fp) != 0)
		abort();
}

static void
make_root(void)
{
	char path[256];
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/fuzz_pam.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/etc", root);
	if (mkdir(path, 0755) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/etc/pam.d", root);
	if (mkdir(path, 0755) < 0)
		abort();
}

static void
remove_root(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/etc/pam.d/dovecot", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc/pam.d/common-auth", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc/pam.d", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/etc", root);
	rmdir(path);
	rmdir(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_pam_verdict v;
	struct am_error err;
	const uint8_t *nul;
	size_t first;

	if (root[0] == '\0') {
		make_root();
		atexit(remove_root);
	}
	nul = memchr(data, '\0', size);
	first = nul != NULL ? (size_t)(nul - data) : size;
	write_file("dovecot", data, first);
	write_file("common-auth", nul != NULL ? nul + 1 : data,
	    nul != NULL ? size - first - 1 : 0);
	am_error_clear(&err);
	memset(&v, 0, sizeof(v));
	if (am_pam_check(root, "dovecot", &v, &err) == 0 && v.accept &&
	    v.file[0] == '\0')
		abort();
	memset(&v, 0, sizeof(v));
	(void)am_pam_check_expired(root, "dovecot", size % 2 == 0, &v, &err);
	return 0;
}
