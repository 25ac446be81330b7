/*
 * Shared by archmail users and archmail alias: running an edit through
 * the library (lib/editing/am_edit.h) and reporting it (text or --json).
 */
#ifndef ARCHMAIL_USERS_EDIT_H
#define ARCHMAIL_USERS_EDIT_H

#include <stdbool.h>

#include "am_edit.h"
#include "archmail.h"

/*
 * Plan req on the source of kind, show it (--dry-run, --check) or commit
 * it, report; the exit status.
 */
int edit_run(struct am_cli *cli, enum am_map_kind kind,
    const struct am_edit_req *req);

/*
 * One entry as a JSON object ("entry" when key is set; category NULL is
 * null), users_edit.c.
 */
void edit_json_entry(struct am_json *j, const struct am_mapedit *ed,
    const char *key, const char *value, const char *category, long line,
    bool comments, const struct am_mapedit_entry *e);

/* users_list.c: "list" of entries (of category cat, or all). */
int edit_list(struct am_cli *cli, enum am_map_kind kind, const char *cat);
int users_list(struct am_cli *cli, int argc, char *argv[]);
int users_categories(struct am_cli *cli);

/* Common options of the modifying subcommands. */
#define EDIT_OPT_DRY_RUN 1001
#define EDIT_OPT_CHECK 1002
#define EDIT_OPT_NO_COMPILE 1003
#define EDIT_OPT_REPLACE 1004

/* archmail users apply, alias apply (users_apply.c). */
int edit_apply(struct am_cli *cli, enum am_map_kind kind, int argc,
    char *argv[]);

/* archmail users forward (users_forward.c). */
int users_forward(struct am_cli *cli, int argc, char *argv[]);
/* archmail users onboard, offboard (users_staff.c). */
int users_onboard(struct am_cli *cli, int argc, char *argv[]);
int users_offboard(struct am_cli *cli, int argc, char *argv[]);

#endif
