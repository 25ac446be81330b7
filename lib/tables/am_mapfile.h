/*
 * am_mapfile - a Postfix map named on a command line ("lmdb:/etc/aliases")
 * and the complete build of its table from its source file.
 *
 * am_map_spec_parse() applies the default type and refuses every type but
 * lmdb, with a message that says how to switch.  am_map_build() is the
 * whole "postmap FILE": read the source, compile it, decide mode and
 * owner of a new table the way Postfix does, and write FILE.lmdb
 * atomically.  The users and alias commands call it after editing.
 */
#ifndef AM_MAPFILE_H
#define AM_MAPFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "am_compile.h"
#include "am_error.h"

struct am_map_spec {
	char *type;		/* "lmdb" */
	char *path;		/* source file, as given */
	char *db_path;		/* path + ".lmdb" */
	char *name;		/* "type:path", for messages */
};

int am_map_spec_parse(struct am_map_spec *spec, const char *arg,
    const char *default_type, struct am_error *err);
void am_map_spec_free(struct am_map_spec *spec);

struct am_map_build_opts {
	struct am_compile_opts compile;
	bool mode_0644;		/* postmap -p */
	bool as_source_owner;	/* as root: new table owned like the source */
	int lock_timeout_ms;
	void (*temp_created)(const char *path, void *arg);
	void *temp_arg;
	/* Called between reading the source and writing the table (postmap
	 * reads -F files with the source owner's rights, writes as root). */
	int (*before_write)(void *arg, struct am_error *err);
	void *before_write_arg;
};

/* Build spec's table from its source; *records gets the record count. */
int am_map_build(const struct am_map_spec *spec,
    const struct am_map_build_opts *opts, size_t *records,
    struct am_error *err);

/*
 * postmap -i: compile input (entries read from stdin, named "stdin") and
 * store its records in spec's live table in one transaction under
 * Postfix's lock protocol, in the NUL form the table already uses unless
 * nul_option ('n' or 'N') says otherwise; Postfix would mix forms and make
 * records unreachable.  An existing key is kept and warned about (the
 * duplicate rule; replaced with AM_DUP_REPLACE).  A missing table is
 * created (mode 0644).  *stored gets the number of records stored.
 */
int am_map_apply(const struct am_map_spec *spec,
    const struct am_map_build_opts *opts, const struct am_source *input,
    int nul_option, size_t *stored, struct am_error *err);

/*
 * Rebuild the LMDB table of the source file path the way "postmap
 * lmdb:PATH" (kind AM_MAP_POSTMAP) or "postalias" (AM_MAP_ALIASES) with
 * Postfix's default options would, under the settings ps of main.cf: the
 * one build the editing and account workflows share.  Warnings, the lock
 * timeout and temporary-file events go through h.  *records (if not NULL)
 * gets the record count.
 */
struct am_host;
struct am_postfix_settings;
int am_map_rebuild(const struct am_host *h, const char *path,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    size_t *records, struct am_error *err);

/* Postfix's mode for a new table: only the source's read bits survive. */
unsigned int am_map_new_table_mode(unsigned int source_mode);

#endif
