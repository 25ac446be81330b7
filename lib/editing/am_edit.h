/*
 * am_edit - the edit cycle of the users file (users_map) and the aliases
 * file (aliases_map): plan a change under the file's lock, show it, then
 * commit it (text and table together).  Nothing here prints: results come
 * back in structs, warnings and -v notes ("read", "locked") go
 * through the am_host callbacks (the files written are in the plan's
 * files[], for the caller to report).
 *
 *	struct am_edit e;
 *	struct am_edit_req req = { .op = AM_EDIT_ADD, .key = "a@example.org",
 *	    .dests = dests, .ndests = n, .category = "Developers" };
 *	struct am_edit_plan plan;
 *
 *	am_edit_open(&e, host, AM_MAP_POSTMAP, NULL, &err);
 *	am_edit_plan(&e, &req, &plan, &err);	lock, read, compute, diff
 *	if (!req.dry_run)
 *		am_edit_commit(&plan, &err);	write, rebuild the table
 *	... plan.result, plan.files[], plan.diff ...
 *	am_edit_plan_free(&plan);		unlock
 *	am_edit_free(&e);
 *
 * Before any lock file is made, the source is checked: missing, not a
 * regular file (a directory, a symbolic link) or not readable and
 * writable by the caller (with its directory, where the lock file and the
 * temporary go) is an error naming the file; AM_E_PERM says to run as
 * root.  Under the lock, temporaries of the source and of its table left
 * by killed runs (PATH.tmp.PID.*, PATH.lmdb.tmp.PID.* of dead PIDs) are
 * removed first.
 */
#ifndef AM_EDIT_H
#define AM_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_host.h"
#include "am_journal.h"
#include "am_mapedit.h"

struct am_edit {
	const struct am_host *host;
	enum am_map_kind kind;
	char *path;		/* the source, ROOT-prefixed */
	char *db;		/* its table, path + ".lmdb" */
	struct am_postfix_settings ps;
};

/* A list of checked destinations (am_edit_*_dests()); am_edit_list_free. */
struct am_edit_list {
	char **v;
	size_t n;
};

enum am_edit_op {
	AM_EDIT_ADD,
	AM_EDIT_REMOVE,
};

struct am_edit_req {
	enum am_edit_op op;
	const char *key;
	/* AM_EDIT_ADD: joined in the file's own style ("a, b" or "a,b") */
	const char *const *dests;
	size_t ndests;
	const char *category;		/* NULL: none named */
	const char *new_category;
	const char *note;		/* comment line above the entry */
	bool replace;
	bool dry_run;		/* no lock, no write, a diff */
	bool no_compile;	/* the text only; the table is left alone */
};

struct am_edit_file {
	char *path;
	bool changed;		/* its bytes are (dry run: would be) new */
};

struct am_edit_plan {
	struct am_edit *edit;
	enum am_edit_op op;
	bool dry_run, no_compile;
	char *key;
	char *value;		/* AM_EDIT_ADD: the value written */
	enum am_mapedit_result result;
	bool text_changed;	/* the new text differs from the old bytes */
	/*
	 * Why the table does not answer for the text although the text
	 * stays ("missing", "older than its source", ...), or NULL.
	 */
	const char *stale;
	bool rebuild;		/* commit writes the table */
	/*
	 * The text changes and the table is current (am_table_update.h):
	 * commit puts or deletes just the key's record in the live table.
	 */
	bool incremental;
	struct am_buf diff;	/* dry run: unified diff of the text */
	/* The entry: in the old file (remove, unchanged) or the new one. */
	const struct am_mapedit_entry *entry;	/* old entry, or NULL */
	long line;
	const char *category;	/* its category's name, or NULL */
	/* After am_edit_commit(). */
	bool committed;
	bool text_written, table_written;
	bool table_updated;	/* in place, not rebuilt */
	size_t records;
	/* Source and (unless no_compile) table, changed exactly. */
	struct am_edit_file files[2];
	size_t nfiles;
	/* The file as read and the change: for the caller's report. */
	struct am_mapedit med;
	struct am_mapedit_change ch;
	int lockfd;
};

/*
 * Resolve the source of kind (AM_MAP_POSTMAP: users_map, AM_MAP_ALIASES:
 * aliases_map) under h's root and read main.cf's settings (ps NULL) or
 * take ps.  h must outlive e.
 */
int am_edit_open(struct am_edit *e, const struct am_host *h,
    enum am_map_kind kind, const struct am_postfix_settings *ps,
    struct am_error *err);
void am_edit_free(struct am_edit *e);

/* Read the whole source without a lock (list, categories). */
int am_edit_read(const struct am_edit *e, struct am_mapedit *med,
    struct am_error *err);

/*
 * Compute req's change: unless req->dry_run, lock the source (held until
 * am_edit_plan_free) and remove stale temporaries; read it; compute the
 * new text, the diff (dry run) and whether the table is stale.  Nothing
 * is written.  plan is initialised even on failure (free it).
 */
int am_edit_plan(struct am_edit *e, const struct am_edit_req *req,
    struct am_edit_plan *plan, struct am_error *err);
/*
 * Write the text atomically (when it changes) and rebuild the table
 * (when the text changed or the table is stale, unless no_compile); fill
 * plan->files.  A dry-run plan is refused (AM_E_INTERNAL).
 */
int am_edit_commit(struct am_edit_plan *plan, struct am_error *err);
/*
 * The same commit in two halves, for a caller that changes other files
 * in the same transaction (users onboard): am_edit_stage() adds the new
 * text to the caller's journal; after am_journal_commit(),
 * am_edit_rebuild() writes the table and fills plan->files.
 */
int am_edit_stage(struct am_edit_plan *plan, struct am_journal *j,
    struct am_error *err);
int am_edit_rebuild(struct am_edit_plan *plan, struct am_error *err);
/* Unlock and free; safe on a failed or zeroed plan. */
void am_edit_plan_free(struct am_edit_plan *plan);

/*
 * users apply, alias apply: a batch of requests planned as one edit.
 * Each request is planned as the single command would plan it, in order,
 * on the text the requests before it left (a later line sees an earlier
 * one); then the text is written once and the table brought up to date
 * once (in place when it is current, else rebuilt).  A request that
 * fails fails the batch: err names its input line (err->line) and
 * nothing is written.
 *
 *	struct am_edit_batch b;
 *	am_edit_batch_plan(&e, items, n, dry_run, &b, &err);
 *	if (!dry_run) am_edit_batch_commit(&b, &err);
 *	... items[i].result, items[i].changed, b.files[], b.diff ...
 *	am_edit_batch_free(&b);
 */
struct am_edit_batch_item {
	struct am_edit_req req;	/* dry_run, no_compile: the batch's */
	long input_line;	/* for errors */
	/* Filled by am_edit_batch_plan(). */
	enum am_mapedit_result result;
	bool absent;		/* a remove of a key not in the file */
	bool changed;		/* the text changed for this request */
	char *value;		/* AM_EDIT_ADD: the value written */
	char *category;		/* its category, or NULL */
};

struct am_edit_batch {
	struct am_edit *edit;
	struct am_edit_batch_item *items;
	size_t n;
	bool dry_run, no_compile;
	struct am_mapedit med;	/* the file as read (mode, owner) */
	struct am_buf text;	/* the new text */
	bool text_changed;
	const char *stale;	/* as in am_edit_plan */
	bool rebuild, incremental;
	bool one_pass;		/* new keys only: planned in one pass */
	char **fkeys;		/* folded keys the batch touched */
	size_t nfkeys;
	struct am_buf diff;	/* dry run */
	bool committed, text_written, table_written, table_updated;
	size_t records;
	struct am_edit_file files[2];
	size_t nfiles;
	int lockfd;
};

int am_edit_batch_plan(struct am_edit *e, struct am_edit_batch_item *items,
    size_t n, bool dry_run, bool no_compile, struct am_edit_batch *b,
    struct am_error *err);
int am_edit_batch_commit(struct am_edit_batch *b, struct am_error *err);
void am_edit_batch_free(struct am_edit_batch *b);

/*
 * Split a comma list as typed ("a,b", "a, b"): blanks around each
 * element trimmed, empty elements dropped; AM_E_INVALID if none is left.
 */
int am_edit_split(const char *list, const char *what,
    struct am_edit_list *out, struct am_error *err);
void am_edit_list_free(struct am_edit_list *l);

/*
 * users add: ADDRESS is local@domain or @domain, its domain in
 * archmail.conf's domains unless any_domain.
 */
int am_edit_users_address(const struct am_host *h, const char *address,
    bool any_domain, struct am_error *err);
/*
 * users add: the DEST list split; each an address with a local part or a
 * login name (warned about when ROOT/etc/passwd has no such user).
 */
int am_edit_users_dests(const struct am_host *h, const char *list,
    struct am_edit_list *out, struct am_error *err);
/* alias add: each VALUE as aliases(5) takes it (file, command: warned). */
int am_edit_alias_values(const struct am_host *h, const char *list,
    struct am_edit_list *out, struct am_error *err);
/*
 * alias servicedesk: GitLab's Service Desk address of the project,
 * SERVICEDESK_LOCAL+GROUP-WITH-DASHES-PROJECT-ID-issue-@DOMAIN, as
 * one-element list.
 */
int am_edit_servicedesk(const struct am_host *h, const char *group,
    const char *project, const char *project_id, struct am_edit_list *out,
    struct am_error *err);

#endif
