/*
 * Home directories of relay accounts (relay_home.c).
 */
#ifndef RELAY_HOME_H
#define RELAY_HOME_H

#include <stdbool.h>
#include <sys/types.h>

#include "am_error.h"

/* mkdir -p the parents, the home itself 0700 uid:gid; kept if present. */
int relay_home_create(const char *path, uid_t uid, gid_t gid, bool *created,
    struct am_error *err);
/* rm -r, only if it is a directory owned by uid; absent is fine. */
int relay_home_delete(const char *path, uid_t uid, bool *deleted,
    struct am_error *err);

#endif
