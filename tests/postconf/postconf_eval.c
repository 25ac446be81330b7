/*
 * Test helper for tests/interop/postconf_differential.sh: prints how
 * archmail's library evaluates main.cf parameters, for comparison with
 * real postconf -x -h.
 *
 *	postconf_eval DIR PARAM...
 *
 * One line per PARAM: "PARAM=value", "PARAM unset", or "PARAM error"
 * (a malformed expression).  Then "bool=yes", "bool=no" or "bool=bad" for
 * smtputf8_enable as am_postconf_bool() reads it.  Exit 0 unless main.cf
 * cannot be read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "am_conf.h"
#include "am_error.h"

int
main(int argc, char **argv)
{
	struct am_postconf pc;
	struct am_error err;
	char host[256] = "localhost";
	char *v;
	bool b;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: postconf_eval DIR PARAM...\n");
		return 2;
	}
	(void)gethostname(host, sizeof(host) - 1);
	am_error_clear(&err);
	if (am_postconf_load(&pc, argv[1], host, &err) < 0) {
		fprintf(stderr, "postconf_eval: %s\n", err.message);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		am_error_clear(&err);
		if (am_postconf_eval(&pc, argv[i], &v, &err) < 0)
			printf("%s error\n", argv[i]);
		else if (v == NULL)
			printf("%s unset\n", argv[i]);
		else
			printf("%s=%s\n", argv[i], v);
		free(v);
	}
	am_error_clear(&err);
	if (am_postconf_bool(&pc, "smtputf8_enable", &b, &err) < 0)
		printf("bool=bad\n");
	else
		printf("bool=%s\n", b ? "yes" : "no");
	am_postconf_free(&pc);
	return 0;
}
