/*
 * archmail postmap / postalias / newaliases: Postfix's options, then
 * build, query, dump or delete.  newaliases is postalias of every table in
 * main.cf's alias_database, as in OpenBSD's makemap.  Builds are here;
 * the rest is in postmap_query.c.
 */
#include "postmap.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "am_mapfile.h"
#include "am_table.h"

int
postmap_load_postconf(struct am_cli *cli, struct postmap_opts *o)
{
	struct am_postfix_settings ps;
	struct am_error err;

	am_error_clear(&err);
	if (am_postfix_settings_load(&ps, &cli->host, o->config_dir,
	    &err) < 0)
		return cli_fail(cli, &err);
	o->utf8 = ps.utf8;
	/* Postfix's messages follow smtputf8_enable too. */
	cli->ascii_messages = !ps.utf8;
	o->default_type = ps.default_type;
	o->myhostname = ps.myhostname;
	o->alias_database = ps.alias_database;
	return 0;
}

void
postmap_opts_free(struct postmap_opts *o)
{
	free(o->default_type);
	free(o->myhostname);
	free(o->alias_database);
	am_fold_free(&o->folder);
}

static void
temp_created(const char *path, void *arg)
{
	cli_set_cleanup(arg, path);
}

static void
compile_opts(struct am_cli *cli, const struct postmap_opts *o,
    struct am_compile_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = o->alias ? AM_MAP_ALIASES : AM_MAP_POSTMAP;
	c->fold = o->fold;
	c->utf8 = o->utf8 && !o->no_utf8;
	c->nul = o->nul != 'n';
	c->dup = o->dup;
	c->strict = o->strict;
	c->rhs_is_file = o->rhs_is_file;
	c->alias_extras = o->alias;
	c->myhostname = o->myhostname;
	c->now = time(NULL);
	c->warn = cli_warn_cb;
	c->warn_ctx = cli;
}

/* What a build run wrote, for --json (also after a failure). */
struct written {
	char *path;
	size_t records;
	bool changed;
};

struct written_list {
	struct written *w;
	size_t n;
};

static void
add_written(struct written_list *l, const char *path, size_t records,
    bool changed)
{
	struct written *w;

	if ((w = reallocarray(l->w, l->n + 1, sizeof(*w))) == NULL)
		return;
	l->w = w;
	if ((w[l->n].path = strdup(path)) == NULL)
		return;
	w[l->n].records = records;
	w[l->n].changed = changed;
	l->n++;
}

static void
json_written(struct am_json *j, void *arg)
{
	struct written_list *l = arg;
	bool changed = false;
	size_t i;

	am_json_array_begin(j, "files");
	for (i = 0; i < l->n; i++) {
		am_json_object_begin(j, NULL);
		am_json_string(j, "path", l->w[i].path);
		am_json_bool(j, "changed", l->w[i].changed);
		am_json_int(j, "records", (long long)l->w[i].records);
		am_json_object_end(j);
		changed |= l->w[i].changed;
	}
	am_json_array_end(j);
	am_json_bool(j, "changed", changed);
}

static void
free_written(struct written_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->w[i].path);
	free(l->w);
}

/*
 * postmap -F reads the files its source names.  As root, Postfix reads
 * them with the source owner's rights; so do we, or a user could put
 * /etc/shadow into a table.  Root comes back before the table is written
 * (restore_root), so the table is written and owned as for any build.
 * Returns 1 when privileges were dropped.
 */
static int
drop_to_source_owner(const struct postmap_opts *o,
    const struct am_map_spec *spec, struct am_error *err)
{
	struct stat st;

	if (!o->rhs_is_file || o->keep_owner || geteuid() != 0 ||
	    stat(spec->path, &st) < 0 || st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setegid(st.st_gid) < 0 ||
	    seteuid(st.st_uid) < 0)
		return am_error_set_errno(err, AM_E_PERM, errno,
		    "switch to the owner of %s", spec->path);
	return 1;
}

struct saved_groups {
	gid_t list[256];
	int n;
	bool dropped;
};

static int
restore_root(void *arg, struct am_error *err)
{
	struct saved_groups *g = arg;

	if (!g->dropped)
		return 0;
	g->dropped = false;
	if (seteuid(0) < 0 || setegid(0) < 0 ||
	    setgroups((size_t)(g->n < 0 ? 0 : g->n), g->list) < 0)
		return am_error_set_errno(err, AM_E_PERM, errno,
		    "restore root privileges");
	return 0;
}

int
postmap_build(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[])
{
	struct am_map_build_opts bo;
	struct am_map_spec spec;
	struct am_source input;
	struct am_error err;
	struct am_json j;
	struct written_list written = { NULL, 0 };
	struct saved_groups groups;
	size_t count = 0;
	int i, dropped, status = 0;

	am_error_clear(&err);
	memset(&input, 0, sizeof(input));
	memset(&spec, 0, sizeof(spec));
	memset(&bo, 0, sizeof(bo));
	compile_opts(cli, o, &bo.compile);
	bo.mode_0644 = o->mode_0644;
	bo.as_source_owner = !o->keep_owner;
	bo.lock_timeout_ms = cli->lock_timeout_ms;
	bo.temp_created = temp_created;
	bo.temp_arg = cli;
	bo.before_write = restore_root;
	bo.before_write_arg = &groups;
	groups.n = getgroups(256, groups.list);
	groups.dropped = false;
	if (o->incremental &&
	    am_source_read_fd(&input, STDIN_FILENO, "stdin", &err) < 0)
		goto fail;
	for (i = 0; i < nfiles; i++) {
		count = 0;
		if (am_map_spec_parse(&spec, files[i], o->default_type,
		    &err) < 0)
			goto fail;
		if ((dropped = drop_to_source_owner(o, &spec, &err)) < 0)
			goto fail;
		groups.dropped = dropped > 0;
		cli_guard_signals(cli);
		if (o->incremental)
			status = am_map_apply(&spec, &bo, &input, o->nul,
			    &count, &err);
		else
			status = am_map_build(&spec, &bo, &count, &err);
		cli_clear_cleanup(cli);
		/* Back to root even when the build failed before writing. */
		if (restore_root(&groups, status < 0 ? NULL : &err) < 0 &&
		    status == 0)
			status = -1;
		if (status < 0)
			goto fail;
		cli_info(cli, "database %s: %zu records %s", spec.name, count,
		    o->incremental ? "added or replaced" : "written");
		/* A build always writes a new table; -i may change nothing. */
		add_written(&written, spec.db_path, count,
		    !o->incremental || count > 0);
		am_map_spec_free(&spec);
	}
	am_source_close(&input);
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		json_written(&j, &written);
		free_written(&written);
		return cli_json_end(cli, &j) < 0 ? 1 : 0;
	}
	free_written(&written);
	return 0;
fail:
	am_map_spec_free(&spec);
	am_source_close(&input);
	status = cli_fail_with(cli, &err, json_written, &written);
	free_written(&written);
	return status;
}

/*
 * newaliases: every table in alias_database, under --root with ROOT in
 * front of each path, as "type:path" arguments of a postalias build.
 */
static int
alias_database_files(struct am_cli *cli, const struct postmap_opts *o,
    int *nfiles, char ***files)
{
	struct am_map_spec spec;
	struct am_error err;
	char **v = NULL, **nv, *list, *tok, *save, *rooted, *arg;
	int c, n = 0, status = 0;

	am_error_clear(&err);
	if ((list = strdup(o->alias_database)) == NULL)
		goto nomem;
	for (tok = strtok_r(list, ", \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t\r\n", &save)) {
		if (am_map_spec_parse(&spec, tok, o->default_type, &err) < 0) {
			status = cli_fail(cli, &err);
			goto out;
		}
		rooted = cli_root_path(cli, spec.path);
		c = asprintf(&arg, "%s:%s", spec.type, rooted ? rooted : "");
		free(rooted);
		am_map_spec_free(&spec);
		if (c < 0)
			goto nomem;
		if ((nv = reallocarray(v, (size_t)n + 1, sizeof(*v))) == NULL) {
			free(arg);
			goto nomem;
		}
		v = nv;
		v[n++] = arg;
	}
	goto out;
nomem:
	am_error_set(&err, AM_E_NOMEM, "out of memory");
	status = cli_fail(cli, &err);
out:
	free(list);
	if (status != 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		v = NULL;
	}
	*nfiles = n;
	*files = v;
	return status;
}

enum postmap_cmd { POSTMAP, POSTALIAS, NEWALIASES };

/*
 * A usage error.  Run as postmap, postalias or newaliases, it reads as
 * Postfix's: "NAME: fatal: MESSAGE", or after an option getopt refused
 * "NAME: MESSAGE" and then the synopsis on one "NAME: fatal: usage:" line
 * (the options archmail has).  As "archmail postmap" it is archmail's.
 */
static int
usage_error(struct am_cli *cli, enum postmap_cmd cmd, bool synopsis,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
usage_error(struct am_cli *cli, enum postmap_cmd cmd, bool synopsis,
    const char *fmt, ...)
{
	static const char *const usage[] = {
		[POSTMAP] = "postmap [-fFinNoprsuvw] [-c config_dir] "
		    "[-d key] [-q key] [map_type:]file...",
		[POSTALIAS] = "postalias [-Nfinoprsuvw] [-c config_dir] "
		    "[-d key] [-q key] [map_type:]file...",
		[NEWALIASES] = "newaliases [-c config_dir]",
	};
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(cli->progname, "postmap") != 0 &&
	    strcmp(cli->progname, "postalias") != 0 &&
	    strcmp(cli->progname, "newaliases") != 0)
		return cli_usage_error(cli, "%s", msg);
	if (!synopsis) {
		fprintf(stderr, "%s: fatal: %s\n", cli->progname, msg);
		return 1;
	}
	fprintf(stderr, "%s: %s\n", cli->progname, msg);
	fprintf(stderr, "%s: fatal: usage: %s\n", cli->progname, usage[cmd]);
	return 1;
}

static int
run(struct am_cli *cli, int argc, char *argv[], enum postmap_cmd cmd)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	/*
	 * "+": options end at the first operand, as in Postfix (POSIX
	 * getopt), so "postmap lmdb:src -n" names a second table "-n".
	 */
	static const char *const optstrings[] = {
		/* -m goes with -b and -h, which archmail does not have. */
		[POSTMAP] = "+:FNc:d:finopq:rsuvw",
		[POSTALIAS] = "+:Nc:d:finopq:rsuvw",
		[NEWALIASES] = "+:c:",
	};
	struct postmap_opts o;
	char **files = NULL;
	int c, status, nfiles = 0;

	memset(&o, 0, sizeof(o));
	o.alias = cmd != POSTMAP;
	o.fold = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstrings[cmd], longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'F': o.rhs_is_file = true; break;
		case 'N': case 'n': o.nul = c; break;
		case 'c': o.config_dir = optarg; break;
		case 'd': case 'q': case 's':
			if (o.mode != 0)
				return usage_error(cli, cmd, false,
				    "specify only one of -s -q or -d");
			o.mode = c;
			o.key = c == 's' ? NULL : optarg;
			break;
		case 'f': o.fold = false; break;
		case 'i': o.incremental = true; break;
		case 'o': o.keep_owner = true; break;
		case 'p': o.mode_0644 = true; break;
		case 'r': o.dup = AM_DUP_REPLACE; break;
		case 'u': o.no_utf8 = true; break;
		case 'v': cli->verbose++; break;
		case 'w': o.dup = AM_DUP_IGNORE; break;
		case 'S': o.strict = true; break;
		case 'H': return cli_help(cli);
		case ':':
			return usage_error(cli, cmd, true,
			    "option requires an argument -- '%c'", optopt);
		default:
			if (optopt != 0)
				return usage_error(cli, cmd, true,
				    "invalid option -- '%c'", optopt);
			return usage_error(cli, cmd, true,
			    "invalid option \"%s\"", argv[optind - 1]);
		}
	}
	if (cmd == NEWALIASES && optind < argc)
		return usage_error(cli, cmd, true, "unexpected argument "
		    "\"%s\"", argv[optind]);
	if (cmd != NEWALIASES && optind >= argc)
		return usage_error(cli, cmd, true,
		    "missing [type:]file argument");
	/*
	 * Postfix's newaliases runs postalias: past its own options, the
	 * messages say postalias.
	 */
	if (cmd == NEWALIASES && strcmp(cli->progname, "newaliases") == 0)
		cli->progname = "postalias";
	if ((status = postmap_load_postconf(cli, &o)) != 0)
		goto out;
	if (cmd == NEWALIASES) {
		if ((status = alias_database_files(cli, &o, &nfiles,
		    &files)) != 0)
			goto out;
	} else {
		nfiles = argc - optind;
		files = argv + optind;
	}
	switch (o.mode) {
	case 'q':
		status = postmap_query(cli, &o, nfiles, files);
		break;
	case 's':
		status = postmap_dump(cli, &o, nfiles, files);
		break;
	case 'd':
		status = postmap_delete(cli, &o, nfiles, files);
		break;
	default:
		status = postmap_build(cli, &o, nfiles, files);
		break;
	}
	if (cmd == NEWALIASES) {
		while (nfiles > 0)
			free(files[--nfiles]);
		free(files);
	}
out:
	postmap_opts_free(&o);
	return status;
}

int
cmd_postmap(struct am_cli *cli, int argc, char *argv[])
{
	return run(cli, argc, argv, POSTMAP);
}

int
cmd_postalias(struct am_cli *cli, int argc, char *argv[])
{
	return run(cli, argc, argv, POSTALIAS);
}

int
cmd_newaliases(struct am_cli *cli, int argc, char *argv[])
{
	return run(cli, argc, argv, NEWALIASES);
}
