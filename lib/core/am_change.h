/*
 * am_change - the change set of a command that modifies text files: every
 * file's new content is decided in memory first, shown as one unified
 * diff by --dry-run/--check (secrets redacted), and only then written,
 * all at once.
 *
 *	struct am_change cs;
 *	struct am_change_file *f;
 *
 *	am_change_init(&cs);
 *	am_change_add(&cs, path, false, &f, &err);	f->old: as read
 *	am_buf_adds(&f->new, "...");  am_change_file_decide(f);
 *	am_change_diff(&cs, &diff, &err);	dry run
 *	am_change_commit(h, &cs, &err);		or write
 *	for (i = 0; i < am_change_count(&cs); i++)
 *		report am_change_at(&cs, i)->path, ->changed
 *	am_change_free(&cs);
 *
 * One changed file is written with am_atomic (stale temporaries of
 * killed runs removed first); several go through one am_journal, so that
 * a crash leaves all or none of them.  A caller that has more to put in
 * the same journal (account files, home directories) stages the set
 * with am_change_stage() and commits the journal itself.
 *
 * A file whose bytes do not change is never written (its inode, owner,
 * mode and mtime stay): "changed" is a comparison of bytes.
 */
#ifndef AM_CHANGE_H
#define AM_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "am_buf.h"
#include "am_error.h"
#include "am_host.h"
#include "am_journal.h"

/*
 * Rewrite text (old or new content, is_new telling which) for a diff,
 * secrets replaced; appended to out.  -1 only for ENOMEM.
 */
typedef int (*am_change_redact_fn)(const char *text, size_t len,
    bool is_new, struct am_buf *out);

struct am_change_file {
	char *path;
	bool exists;		/* read by am_change_file_load() */
	struct stat st;		/* of the file as read */
	struct am_buf old;	/* as read ("" when missing) */
	struct am_buf new;	/* what it becomes */
	bool changed;		/* am_change_file_decide() */
	mode_t new_mode;	/* a file that does not exist yet; 0600 */
	/*
	 * Not NULL: the file holds a secret; its diff shows the text as
	 * redact() rewrites it, and it is always written mode 0600.
	 */
	am_change_redact_fn redact;
};

void am_change_file_init(struct am_change_file *f);
/* Frees and wipes (a file may hold a password); reusable after. */
void am_change_file_free(struct am_change_file *f);
/*
 * Read path into f->old.  A missing file is exists false (an error when
 * required).  The directory must take a new file (checked now, before
 * anything of the command is written); a symbolic link or a non-regular
 * file is refused.
 */
int am_change_file_load(struct am_change_file *f, const char *path,
    bool required, struct am_error *err);
/* The same for a reader (list, check): the directory may be read-only. */
int am_change_file_read(struct am_change_file *f, const char *path,
    bool required, struct am_error *err);
/*
 * Set f->changed: a missing file is created, an existing one written
 * when its bytes differ.  Call after f->new is complete.
 */
void am_change_file_decide(struct am_change_file *f);
/* Append f's unified diff (redacted) to out; nothing if unchanged. */
int am_change_file_diff(const struct am_change_file *f, struct am_buf *out,
    struct am_error *err);
/* Write f atomically if changed: owner and mode kept. */
int am_change_file_commit(const struct am_host *h, struct am_change_file *f,
    struct am_error *err);
/* Add f (if changed) to a journal as a rename of a staged temporary. */
int am_change_file_stage(struct am_change_file *f, struct am_journal *j,
    struct am_error *err);

struct am_change {
	struct am_change_file **file;
	size_t n, cap;
};

void am_change_init(struct am_change *cs);
void am_change_free(struct am_change *cs);
/*
 * A new file of the set, loaded from path (am_change_file_load()); *f
 * stays valid until am_change_free().  Files keep the order they were
 * added in (diffs, staging, reports).
 */
int am_change_add(struct am_change *cs, const char *path, bool required,
    struct am_change_file **f, struct am_error *err);
size_t am_change_count(const struct am_change *cs);
const struct am_change_file *am_change_at(const struct am_change *cs,
    size_t i);
/* Is any file of the set changed? */
bool am_change_any(const struct am_change *cs);
/* The diff of every changed file, in order, secrets redacted. */
int am_change_diff(const struct am_change *cs, struct am_buf *out,
    struct am_error *err);
/*
 * Write every changed file: one through am_atomic, several through one
 * journal of h->root (the caller holds the account locks, which every
 * journal user takes: there is one journal file per root).  Nothing
 * changed: nothing written.
 */
int am_change_commit(const struct am_host *h, struct am_change *cs,
    struct am_error *err);
/* Stage every changed file into j (the caller commits j). */
int am_change_stage(struct am_change *cs, struct am_journal *j,
    struct am_error *err);

#endif
