/*
 * archmail newaliases: postalias for every table in main.cf's
 * alias_database (under --root, with ROOT in front of each path).
 */
#include "postmap.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "am_mapfile.h"

int
cmd_newaliases(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct postmap_opts o;
	struct am_map_spec spec;
	struct am_error err;
	char **files = NULL, *list = NULL, *tok, *save, *rooted;
	int c, n = 0, status = 1;

	memset(&o, 0, sizeof(o));
	o.alias = true;
	o.fold = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config_dir = optarg; break;
		case 'S': o.strict = true; break;
		case 'H': return cli_help(cli);
		case ':':
			return cli_usage_error(cli,
			    "option requires an argument -- '%c'", optopt);
		default:
			if (optopt != 0)
				return cli_usage_error(cli,
				    "invalid option -- '%c'", optopt);
			return cli_usage_error(cli, "invalid option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, "unexpected argument \"%s\"",
		    argv[optind]);
	if ((status = postmap_load_postconf(cli, &o)) != 0)
		return status;
	am_error_clear(&err);
	if ((list = strdup(o.alias_database)) == NULL)
		goto nomem;
	for (tok = strtok_r(list, ", \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t\r\n", &save)) {
		if (am_map_spec_parse(&spec, tok, o.default_type, &err) < 0) {
			status = cli_fail(cli, &err);
			goto out;
		}
		rooted = cli_root_path(cli, spec.path);
		c = asprintf(&tok, "%s:%s", spec.type, rooted ? rooted : "");
		free(rooted);
		am_map_spec_free(&spec);
		if (c < 0 || (files = reallocarray(files, (size_t)n + 1,
		    sizeof(*files))) == NULL)
			goto nomem;
		files[n++] = tok;
	}
	status = postmap_build(cli, &o, n, files);
	goto out;
nomem:
	am_error_set(&err, AM_E_NOMEM, "out of memory");
	status = cli_fail(cli, &err);
out:
	while (n > 0)
		free(files[--n]);
	free(files);
	free(list);
	postmap_opts_free(&o);
	return status;
}
