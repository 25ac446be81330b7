/*
 * Shared by cmd_postmap.c (options, builds) and postmap_query.c (queries,
 * dumps, deletions): one implementation behind postmap, postalias and
 * newaliases, as in OpenBSD's makemap.
 */
#ifndef ARCHMAIL_POSTMAP_H
#define ARCHMAIL_POSTMAP_H

#include <stdbool.h>

#include "am_compile.h"
#include "archmail.h"

struct postmap_opts {
	bool alias;		/* postalias / newaliases */
	int mode;		/* 0 build, 'q' query, 's' dump, 'd' delete */
	const char *key;	/* argument of -q or -d ("-": stdin) */
	bool incremental;	/* -i */
	bool fold;		/* not -f */
	bool no_utf8;		/* -u */
	bool rhs_is_file;	/* -F */
	bool mode_0644;		/* -p */
	bool keep_owner;	/* -o: do not take the source's owner */
	bool strict;
	int nul;		/* 0 Postfix's default, 'n' or 'N' */
	enum am_dup_rule dup;
	const char *config_dir;	/* -c */
	/* from main.cf */
	bool utf8;
	char *default_type;
	char *myhostname;
	char *alias_database;
	struct am_folder folder;	/* for non-ASCII query keys */
};

/* Read main.cf from -c / MAIL_CONFIG / ROOT/etc/postfix into opts. */
int postmap_load_postconf(struct am_cli *cli, struct postmap_opts *o);
void postmap_opts_free(struct postmap_opts *o);

/* Build every map in files[]; the exit status. */
int postmap_build(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[]);

int postmap_query(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[]);
int postmap_dump(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[]);
int postmap_delete(struct am_cli *cli, struct postmap_opts *o, int nfiles,
    char *files[]);

#endif
