/*
 * Shared by archmail users and archmail alias: the read-modify-write of a
 * map source under its lock, --dry-run / --check, the table rebuild, and
 * the result on stdout (text or --json).
 */
#ifndef ARCHMAIL_USERS_EDIT_H
#define ARCHMAIL_USERS_EDIT_H

#include <stdbool.h>

#include "am_mapedit.h"
#include "archmail.h"

struct edit_ctx {
	struct am_cli *cli;
	enum am_map_kind kind;
	char *path;		/* ROOT-prefixed source file */
	bool utf8;		/* smtputf8_enable of main.cf */
	char *myhostname;
	bool dry_run, check, no_compile;
	const char *action;	/* "add", "remove" */
	const char *key;
	const char *value;	/* of an added entry, for the report */
};

/* The change to make, computed on the freshly read file under the lock. */
typedef int edit_fn(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_mapedit_change *ch, void *arg, struct am_error *err);

/*
 * Path of the source (users_map or aliases_map) and main.cf settings;
 * 0, or the exit status after reporting the failure.
 */
int edit_init(struct edit_ctx *ec, struct am_cli *cli, enum am_map_kind kind);
void edit_free(struct edit_ctx *ec);
/* Open the source without a lock (list, categories). */
int edit_open(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_error *err);
/* Lock, edit, show or write, rebuild; the exit status. */
int edit_run(struct edit_ctx *ec, edit_fn *fn, void *arg);
/* The edit_fn of "remove": the entry of ec->key, as users and alias share. */
int edit_remove(struct edit_ctx *ec, struct am_mapedit *ed,
    struct am_mapedit_change *ch, void *arg, struct am_error *err);

/*
 * One entry as a JSON object ("entry" when key is set; category NULL is
 * null), users_edit.c.
 */
void edit_json_entry(struct am_json *j, const struct am_mapedit *ed,
    const char *key, const char *value, const char *category, long line,
    bool comments,
    const struct am_mapedit_entry *e);

/* users_list.c: "list" of entries (of category cat, or all). */
int edit_list(struct edit_ctx *ec, const char *cat);
int users_list(struct am_cli *cli, int argc, char *argv[]);
int users_categories(struct am_cli *cli);

/* Common options of the modifying subcommands; 0 or -1 (usage). */
#define EDIT_OPT_DRY_RUN 1001
#define EDIT_OPT_CHECK 1002
#define EDIT_OPT_NO_COMPILE 1003
#define EDIT_OPT_REPLACE 1004

/* archmail users forward (users_forward.c). */
int users_forward(struct am_cli *cli, int argc, char *argv[]);

/* users_list.c: ROOT/etc/passwd: 1 and uid, gid, home when user exists, 0 if not. */
int passwd_lookup(struct am_cli *cli, const char *user, uid_t *uid,
    gid_t *gid, char **home, struct am_error *err);

#endif
