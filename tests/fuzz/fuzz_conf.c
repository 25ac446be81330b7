/*
 * archmail.conf (am_conf_load) and main.cf (am_postconf_load, the
 * parameter evaluator and am_postconf_bool): both are "name = value"
 * files, so each input is written to a private temporary directory as
 * both, and each corpus seed serves both readers.
 *
 * Oracles, besides no sanitizer report:
 *  - archmail.conf: after a successful load every key has a value, and a
 *    second load of the same file gives the same values;
 *  - main.cf: two loads agree; names and values are trimmed and names
 *    not empty, lines increase; written back as "name = value" lines and
 *    loaded again, the same settings (parse, serialise, parse); every
 *    parameter set and every built-in one evaluates twice to the same
 *    result, a failure being a configuration error; a boolean that
 *    evaluates reads yes or no; am_postfix_settings_load() runs too.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_conf.h"
#include "am_error.h"
#include "am_host.h"
#include "am_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * main.cf's inet_interfaces may name hosts, which the check resolves as
 * Postfix does: the fuzzer must never wait on a DNS server, so here only
 * numeric addresses resolve (this definition takes the library's calls).
 */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	typedef int real_fn(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
	static real_fn *real;
	struct addrinfo numeric;

	if (real == NULL &&
	    (real = (real_fn *)dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		return EAI_FAIL;
	memset(&numeric, 0, sizeof(numeric));
	if (hints != NULL)
		numeric = *hints;
	numeric.ai_flags |= AI_NUMERICHOST;
	return real(node, service, &numeric, res);
}

static char dir[64], path[128], maincf[128], back[96], backcf[128];

static void
cleanup(void)
{
	unlink(path);
	unlink(maincf);
	unlink(backcf);
	rmdir(back);
	rmdir(dir);
}

/* Parameters evaluated besides those set: the built-in ones. */
static const char *const builtins[] = {
	"myhostname", "mydomain", "smtputf8_enable", "default_database_type",
	"alias_database", "alias_maps", "compatibility_level",
	"config_directory", "lmdb_map_size", "unknown_parameter",
};

static void
same_settings(const struct am_postconf *a, const struct am_postconf *b,
    bool lines)
{
	size_t i;

	if (a->count != b->count)
		abort();
	for (i = 0; i < a->count; i++)
		if (strcmp(a->param[i].name, b->param[i].name) != 0 ||
		    strcmp(a->param[i].value, b->param[i].value) != 0 ||
		    (lines && a->param[i].line != b->param[i].line))
			abort();
}

static void
eval_twice(const struct am_postconf *pc, const char *name)
{
	struct am_error err, err2;
	char *v = NULL, *w = NULL;
	int rc, rc2;
	bool b;

	am_error_clear(&err);
	am_error_clear(&err2);
	rc = am_postconf_eval(pc, name, &v, &err);
	if (rc < 0 && err.code != AM_E_CONFIG && err.code != AM_E_NOMEM)
		abort();
	/* A failure may have cost the whole work limit: not twice. */
	if (rc < 0)
		return;
	rc2 = am_postconf_eval(pc, name, &w, &err2);
	if (rc != rc2)
		abort();
	if (rc == 0 && ((v == NULL) != (w == NULL) ||
	    (v != NULL && strcmp(v, w) != 0)))
		abort();
	am_error_clear(&err);
	if (am_postconf_bool(pc, name, &b, &err) == 0 &&
	    (v == NULL || (strcasecmp(v, "yes") != 0 &&
	    strcasecmp(v, "no") != 0) || b != (strcasecmp(v, "yes") == 0)))
		abort();
	free(v);
	free(w);
}

static void
maincf_checks(void)
{
	struct am_postconf pc, pc2, pc3;
	struct am_postfix_settings ps;
	struct am_host h = AM_HOST_INIT;
	struct am_error err;
	FILE *fp;
	size_t i, n;
	long prev = 0;
	am_error_clear(&err);
	if (am_postconf_load(&pc, dir, "mx.example.org", &err) < 0)
		return;
	if (am_postconf_load(&pc2, dir, "mx.example.org", &err) < 0)
		abort();
	same_settings(&pc, &pc2, true);
	am_postconf_free(&pc2);
	if ((fp = fopen(backcf, "w")) == NULL)
		abort();
	for (i = 0; i < pc.count; i++) {
		const char *nm = pc.param[i].name, *val = pc.param[i].value;

		n = strlen(nm);
		if (n == 0 || am_source_isspace((unsigned char)nm[0]) ||
		    am_source_isspace((unsigned char)nm[n - 1]) ||
		    strchr(nm, '=') != NULL || nm[0] == '#' ||
		    (val[0] != '\0' && (am_source_isspace((unsigned char)val[0])
		    || am_source_isspace((unsigned char)val[strlen(val) - 1]))) ||
		    pc.param[i].line <= prev)
			abort();
		prev = pc.param[i].line;
		fprintf(fp, "%s = %s\n", nm, val);
	}
	if (fclose(fp) != 0)
		abort();
	if (am_postconf_load(&pc3, back, "mx.example.org", &err) < 0)
		abort();
	same_settings(&pc, &pc3, false);
	am_postconf_free(&pc3);
	/* Not all: an expansion bomb costs up to PC_MAX_WORK each. */
	for (i = 0; i < pc.count && i < 16; i++)
		eval_twice(&pc, pc.param[i].name);
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		eval_twice(&pc, builtins[i]);
	/* The settings archmail takes from main.cf, through the host. */
	if (am_postfix_settings_load(&ps, &h, dir, &err) == 0)
		am_postfix_settings_free(&ps);
	am_postconf_free(&pc);
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
		snprintf(maincf, sizeof(maincf), "%s/main.cf", dir);
		snprintf(back, sizeof(back), "%s/back", dir);
		snprintf(backcf, sizeof(backcf), "%s/main.cf", back);
		if (mkdir(back, 0700) < 0)
			abort();
		atexit(cleanup);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	/* main.cf: the same file. */
	(void)unlink(maincf);
	if (link(path, maincf) < 0)
		abort();
	maincf_checks();
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
