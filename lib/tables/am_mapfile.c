#include "am_mapfile.h"

#include "am_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "am_source.h"
#include "am_table.h"

int
am_map_spec_parse(struct am_map_spec *spec, const char *arg,
    const char *default_type, struct am_error *err)
{
	const char *colon = strchr(arg, ':');
	const char *path = arg;

	memset(spec, 0, sizeof(*spec));
	/* "type:" only when what precedes ':' looks like a type name */
	if (colon != NULL && colon > arg &&
	    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
	    (size_t)(colon - arg)) {
		spec->type = strndup(arg, (size_t)(colon - arg));
		path = colon + 1;
	} else {
		spec->type = strdup(default_type ? default_type : "lmdb");
	}
	if (spec->type == NULL)
		goto nomem;
	if (strcmp(spec->type, "lmdb") != 0) {
		/* proxy:lmdb:file is lmdb:file read through proxymap. */
		if (strcmp(spec->type, "proxy") == 0 &&
		    strncmp(path, "lmdb:", 5) == 0)
			path += 5;
		am_error_set(err, AM_E_UNSUPPORTED_TYPE,
		    "unsupported dictionary type: %s: archmail reads and "
		    "writes lmdb tables only; name the map as lmdb:%s, or set "
		    "\"default_database_type = lmdb\" in main.cf and use "
		    "lmdb:%s in its lookup tables", spec->type, path, path);
		am_map_spec_free(spec);
		return -1;
	}
	if (*path == '\0') {
		am_error_set(err, AM_E_USAGE, "missing file name in \"%s\"",
		    arg);
		am_map_spec_free(spec);
		return -1;
	}
	if ((spec->path = strdup(path)) == NULL ||
	    asprintf(&spec->db_path, "%s.lmdb", path) < 0 ||
	    asprintf(&spec->name, "%s:%s", spec->type, path) < 0) {
		spec->db_path = spec->name = NULL;
		goto nomem;
	}
	return 0;
nomem:
	am_map_spec_free(spec);
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

void
am_map_spec_free(struct am_map_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->type);
	free(spec->path);
	free(spec->db_path);
	free(spec->name);
	memset(spec, 0, sizeof(*spec));
}

unsigned int
am_map_new_table_mode(unsigned int source_mode)
{
	return 0644 & ~(022 | (~source_mode & 077));
}

int
am_map_build(const struct am_map_spec *spec,
    const struct am_map_build_opts *opts, size_t *records,
    struct am_error *err)
{
	struct am_table_write_opts wo;
	struct am_records rs;
	struct am_source src;
	int rc = -1;

	am_records_init(&rs);
	if (am_source_open(&src, spec->path, err) < 0)
		return -1;
	if (am_compile_source(&rs, &src, &opts->compile, err) < 0)
		goto out;
	if (opts->before_write != NULL &&
	    opts->before_write(opts->before_write_arg, err) < 0)
		goto out;
	memset(&wo, 0, sizeof(wo));
	wo.mode = opts->mode_0644 ? 0644 : am_map_new_table_mode(src.mode);
	if (opts->as_source_owner && geteuid() == 0) {
		wo.set_owner = true;
		wo.uid = src.uid;
		wo.gid = src.gid;
	}
	wo.lock_timeout_ms = opts->lock_timeout_ms;
	wo.temp_created = opts->temp_created;
	wo.temp_arg = opts->temp_arg;
	wo.warn = opts->compile.warn;
	wo.warn_ctx = opts->compile.warn_ctx;
	if (am_table_write(spec->db_path, rs.rec, rs.count, &wo, err) < 0)
		goto out;
	if (records != NULL)
		*records = rs.count;
	rc = 0;
out:
	am_records_free(&rs);
	am_source_close(&src);
	return rc;
}

/* The table is created by the ordinary build when it does not exist. */
static int
apply_to_new_table(const struct am_map_spec *spec,
    const struct am_map_build_opts *opts, const struct am_records *rs,
    size_t *stored, struct am_error *err)
{
	struct am_table_write_opts wo;

	memset(&wo, 0, sizeof(wo));
	wo.mode = 0644;
	wo.lock_timeout_ms = opts->lock_timeout_ms;
	wo.temp_created = opts->temp_created;
	wo.temp_arg = opts->temp_arg;
	if (am_table_write(spec->db_path, rs->rec, rs->count, &wo, err) < 0)
		return -1;
	*stored = rs->count;
	return 0;
}

int
am_map_apply(const struct am_map_spec *spec,
    const struct am_map_build_opts *opts, const struct am_source *input,
    int nul_option, size_t *stored, struct am_error *err)
{
	struct am_compile_opts co = opts->compile;
	struct am_records rs;
	struct am_source src;
	struct am_table *t = NULL;
	struct am_error w;
	bool nul, empty;
	size_t i, dups = 0;
	int put, rc = -1;

	*stored = 0;
	co.extras_win = co.alias_extras;
	memset(&src, 0, sizeof(src));
	am_records_init(&rs);
	if (access(spec->db_path, F_OK) == 0) {
		if (am_table_open(&t, spec->db_path, AM_TABLE_RDWR,
		    opts->lock_timeout_ms, err) < 0)
			goto out;
		if (nul_option == 0) {
			if (am_table_detect_nul(t, &nul, &empty, err) < 0)
				goto out;
			co.nul = empty ? true : nul;
		}
	}
	if (am_source_from_text(&src, input->path, input->data, input->len,
	    err) < 0 || am_compile_source(&rs, &src, &co, err) < 0)
		goto out;
	if (t == NULL) {
		rc = apply_to_new_table(spec, opts, &rs, stored, err);
		goto out;
	}
	if (am_table_update_begin(t, err) < 0)
		goto out;
	for (i = 0; i < rs.count; i++) {
		/* postalias's own records are always brought up to date. */
		put = am_table_update_put(t, &rs.rec[i],
		    co.dup == AM_DUP_REPLACE ||
		    rs.rec[i].line >= AM_RECORD_EXTRA_LINE, err);
		if (put < 0) {
			am_table_update_abort(t);
			goto out;
		}
		if (put == 0 && co.dup == AM_DUP_WARN) {
			dups++;
			am_error_clear(&w);
			am_error_set_at(&w, AM_E_PARSE, src.path, rs.rec[i].line,
			    "duplicate entry: \"%s\" is already in %s",
			    rs.rec[i].key, spec->name);
			if (co.warn != NULL)
				co.warn(co.warn_ctx, &w);
		}
		*stored += (size_t)put;
	}
	if (co.strict && dups > 0) {
		am_table_update_abort(t);
		*stored = 0;
		am_error_set(err, AM_E_PARSE, "warnings with --strict: %s "
		    "not changed", spec->name);
		goto out;
	}
	rc = am_table_update_commit(t, err);
out:
	am_table_close(t);
	am_records_free(&rs);
	am_source_close(&src);
	return rc;
}

static void
rebuild_warn(void *ctx, const struct am_error *warning)
{
	am_host_warn(ctx, warning);
}

static void
rebuild_temp_created(const char *path, void *arg)
{
	am_host_temp_created(arg, path);
}

int
am_map_rebuild(const struct am_host *h, const char *path,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    size_t *records, struct am_error *err)
{
	struct am_map_build_opts bo;
	struct am_map_spec spec;
	size_t count = 0;
	int rc;

	memset(&bo, 0, sizeof(bo));
	bo.compile.kind = kind;
	bo.compile.fold = true;
	bo.compile.utf8 = ps->utf8;
	bo.compile.nul = true;
	bo.compile.dup = AM_DUP_WARN;
	bo.compile.alias_extras = kind == AM_MAP_ALIASES;
	bo.compile.myhostname = ps->myhostname;
	bo.compile.now = time(NULL);
	bo.compile.warn = rebuild_warn;
	bo.compile.warn_ctx = (void *)h;
	bo.as_source_owner = true;
	bo.lock_timeout_ms = h->lock_timeout_ms;
	bo.temp_created = rebuild_temp_created;
	bo.temp_arg = (void *)h;
	if (am_map_spec_parse(&spec, path, "lmdb", err) < 0)
		return -1;
	am_host_temp_guard(h);
	rc = am_map_build(&spec, &bo, &count, err);
	am_host_temp_gone(h);
	am_map_spec_free(&spec);
	if (records != NULL)
		*records = count;
	return rc;
}
