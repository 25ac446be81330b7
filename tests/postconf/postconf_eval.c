/*
 * Test helper for tests/lib/postconf_differential.py: prints how
 * archmail's library reads main.cf, for comparison with real postmap and
 * postconf -x -h.
 *
 *	postconf_eval DIR PARAM...
 *
 * First line: "accepted", or "refused: MESSAGE" when archmail refuses the
 * main.cf as am_postfix_settings_load() would (the load, then
 * smtputf8_enable as a boolean and the other parameters it reads).  Then
 * one line per PARAM: "PARAM=value" ("PARAM=" for one neither set nor
 * built in) or "PARAM error" (a malformed expression).  Exit 0 unless the
 * usage is wrong.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "am_conf.h"
#include "am_error.h"

static const char *read_params[] = {
	"default_database_type", "myhostname",
};

static void
refused(const struct am_error *err)
{
	char msg[2200];

	printf("refused: %s\n", am_error_format(err, msg, sizeof(msg)));
}

int
main(int argc, char **argv)
{
	struct am_postconf pc;
	struct am_error err;
	char host[256] = "localhost";
	char *v;
	bool b;
	size_t k;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: postconf_eval DIR PARAM...\n");
		return 2;
	}
	(void)gethostname(host, sizeof(host) - 1);
	am_error_clear(&err);
	if (am_postconf_load(&pc, argv[1], host, &err) < 0) {
		refused(&err);
		return 0;
	}
	if (am_postconf_bool(&pc, "smtputf8_enable", &b, &err) < 0) {
		refused(&err);
		goto out;
	}
	for (k = 0; k < sizeof(read_params) / sizeof(read_params[0]); k++) {
		if (am_postconf_eval_read(&pc, read_params[k], &v,
		    &err) < 0) {
			refused(&err);
			goto out;
		}
		free(v);
	}
	/* newaliases's, read after all the others (am_host.c) */
	if (am_postconf_eval(&pc, "alias_database", &v, &err) < 0) {
		refused(&err);
		goto out;
	}
	free(v);
	printf("accepted\n");
	for (i = 2; i < argc; i++) {
		am_error_clear(&err);
		if (am_postconf_eval(&pc, argv[i], &v, &err) < 0)
			printf("%s error\n", argv[i]);
		else
			printf("%s=%s\n", argv[i], v != NULL ? v : "");
		free(v);
	}
out:
	am_postconf_free(&pc);
	return 0;
}
