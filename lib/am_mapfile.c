#include "am_mapfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_mapsrc.h"
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
