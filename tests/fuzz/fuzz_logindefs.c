/*
 * login.defs, as am_acct_login_defs() (numbers: UID_MIN, UMASK, ...) and
 * am_useradd_private_groups() (USERGROUPS_ENAB) read it, on a private
 * temporary root.
 *
 * Oracles (metamorphic: login.defs has no second reader to compare with),
 * besides no sanitizer report, for each name asked:
 *  - another default changes the result only when it was the default;
 *  - a line "NAME 4242" appended wins (the last setting wins);
 *  - a line "NAME 777" put in front changes nothing when the file sets
 *    NAME, and gives 777 when it does not;
 *  - USERGROUPS_ENAB appended as "yes" gives yes, as "no" gives no.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_acct.h"
#include "am_error.h"
#include "am_host.h"
#include "am_useradd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64], etc[96], path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(etc);
	rmdir(root);
}

static void
put(const char *pre, const uint8_t *data, size_t size, const char *post)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (fputs(pre, fp) == EOF ||
	    (size > 0 && fwrite(data, 1, size, fp) != size) ||
	    fputs(post, fp) == EOF || fclose(fp) != 0)
		abort();
}

static unsigned long
get(const char *name, unsigned long dflt)
{
	struct am_error err;
	unsigned long v;

	am_error_clear(&err);
	if (am_acct_login_defs(root, name, dflt, &v, &err) < 0)
		abort();
	return v;
}

static const char *const names[] = {
	"UID_MIN", "UID_MAX", "SYS_UID_MIN", "HOME_MODE", "UMASK",
	"PASS_MAX_DAYS",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_host h = AM_HOST_INIT;
	struct am_error err;
	char line[64];
	unsigned long r0, r1, r2;
	size_t i, k;
	bool yes, set;

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "/tmp/fuzz_logindefs.XXXXXX");
		if (mkdtemp(root) == NULL)
			abort();
		snprintf(etc, sizeof(etc), "%s/etc", root);
		snprintf(path, sizeof(path), "%s/login.defs", etc);
		if (mkdir(etc, 0755) < 0)
			abort();
		atexit(cleanup);
	}
	h.root = root;
	/* The name asked for: one of the list, picked by the input. */
	i = size > 0 ? data[size - 1] % (sizeof(names) / sizeof(names[0])) :
	    0;
	put("", data, size, "");
	r0 = get(names[i], 1000);
	r1 = get(names[i], 1001);
	/* Set in the file: the default does not show through. */
	set = !(r0 == 1000 && r1 == 1001);
	if (set && r0 != r1)
		abort();
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		(void)get(names[k], 0);
	am_error_clear(&err);
	if (am_useradd_private_groups(&h, &yes, &err) < 0)
		abort();

	snprintf(line, sizeof(line), "\n%s 4242\n", names[i]);
	put("", data, size, line);
	if ((r2 = get(names[i], 1000)) != 4242)
		abort();

	snprintf(line, sizeof(line), "%s 777\n", names[i]);
	put(line, data, size, "");
	r2 = get(names[i], 1000);
	if (set ? r2 != r0 : r2 != 777)
		abort();

	put("", data, size, "\nUSERGROUPS_ENAB yes\n");
	if (am_useradd_private_groups(&h, &yes, &err) < 0 || !yes)
		abort();
	put("", data, size, "\nUSERGROUPS_ENAB no\n");
	if (am_useradd_private_groups(&h, &yes, &err) < 0 || yes)
		abort();
	return 0;
}
