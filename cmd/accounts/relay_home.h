/*
 * Home directories of relay accounts (relay_home.c): checked while
 * planning, so that a home relay cannot use refuses the command before
 * any file is written; made and removed as journal steps
 * (am_journal.h: am_home_create(), am_home_remove()).
 */
#ifndef RELAY_HOME_H
#define RELAY_HOME_H

#include <stdbool.h>
#include <sys/types.h>

#include "am_error.h"

/*
 * relay add: a directory owned by uid is kept; a missing one can be made
 * when its nearest existing ancestor is a directory (*missing true).
 * Anything else (a symbolic link, a file, a directory of another user)
 * is AM_E_CANTCREAT.
 */
int relay_home_check_create(const char *path, uid_t uid, bool *missing,
    struct am_error *err);
/*
 * relay remove --delete: missing (*missing true) or a directory owned by
 * uid; anything else is AM_E_INVALID.
 */
int relay_home_check_delete(const char *path, uid_t uid, bool *missing,
    struct am_error *err);

#endif
