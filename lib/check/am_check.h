/*
 * am_check - "archmail check": the whole host's consistency in one
 * read-only pass.  Each area (tables, users, ...) is a function that looks
 * at the host under h->root and adds findings to a report; nothing in this
 * module writes a file, takes a lock for writing or changes a table.
 *
 * A finding has a stable code (scripts match on it; never reword a code,
 * add a new one), a severity, the file and line it is about where there is
 * one, one sentence, and the command that fixes it where there is one.
 */
#ifndef AM_CHECK_H
#define AM_CHECK_H

#include <stddef.h>

#include "am_error.h"
#include "am_host.h"

enum am_check_severity {
	AM_CHECK_WARNING,
	AM_CHECK_ERROR,
};

struct am_check_finding {
	const char *area;	/* static: "tables", "users", ... */
	char *code;		/* stable code, e.g. "table-stale" */
	enum am_check_severity severity;
	char *file;		/* path under the root as given; NULL if none */
	long line;		/* line in file; 0 if none */
	char *message;		/* one sentence */
	char *fix;		/* the command that fixes it; NULL if none */
};

struct am_check_report {
	struct am_check_finding *finding;
	size_t count;
	size_t cap;
};

/* What the command line adds to the host; every field may be NULL. */
struct am_check_options {
	const char *dkim_dir;	/* keys to check; NULL: rspamd's path settings */
	const char *record_file;	/* a published record (dkim check's) */
	const char *zone_file;	/* a zone file or dig output */
};

/*
 * One area: 0 when the area was looked at (with or without findings), -1
 * when it could not be (a file unreadable for a reason other than absence,
 * out of memory); err says why.  A missing optional file (no postfwd.cf on
 * a host without postfwd) is no failure and usually no finding.
 */
typedef int am_check_area_fn(const struct am_host *h,
    const struct am_check_options *opt, struct am_check_report *report,
    struct am_error *err);

struct am_check_area {
	const char *name;
	am_check_area_fn *run;
};

/* The areas in the order they run and print; ends with a NULL name. */
extern const struct am_check_area am_check_areas[];
/* The area called name, or NULL. */
const struct am_check_area *am_check_area_find(const char *name);

am_check_area_fn am_check_tables;	/* am_check_tables.c */
am_check_area_fn am_check_postfix;	/* am_check_tables.c */
am_check_area_fn am_check_users;	/* am_check_users.c */
am_check_area_fn am_check_aliases;	/* am_check_users.c */
am_check_area_fn am_check_forwards;	/* am_check_users.c */
am_check_area_fn am_check_relay;	/* am_check_accounts.c */
am_check_area_fn am_check_postfwd;	/* am_check_accounts.c */
am_check_area_fn am_check_passwd;	/* am_check_accounts.c */
am_check_area_fn am_check_dkim;		/* am_check_dkim.c */

/*
 * Add a finding; file may be NULL (no file), fix may be NULL (no single
 * command fixes it).  -1 only when out of memory.
 */
int am_check_add(struct am_check_report *report, const char *area,
    const char *code, enum am_check_severity severity, const char *file,
    long line, const char *fix, struct am_error *err, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
void am_check_report_free(struct am_check_report *report);
const char *am_check_severity_name(enum am_check_severity severity);

#endif
