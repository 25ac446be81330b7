/*
 * The input of the apply subcommands (users, alias, relay): JSON Lines,
 * one object per line, read with jansson.  Blank lines are skipped; any
 * other line that is not one JSON object, or whose object the command
 * refuses, stops the reading with an error that names the input and the
 * line (exit 65).
 */
#ifndef ARCHMAIL_APPLY_INPUT_H
#define ARCHMAIL_APPLY_INPUT_H

#include <stdbool.h>

#include <jansson.h>

#include "am_error.h"

/* Called for each object: 0 to go on, -1 with err set to stop. */
typedef int apply_item_fn(void *arg, json_t *o, long line,
    struct am_error *err);

/*
 * Read path ("-": stdin) line by line and give each object to fn; *name
 * gets the name errors use ("stdin" or path).
 */
int apply_read(const char *path, apply_item_fn *fn, void *arg,
    const char **name, struct am_error *err);

/* A string member (null or absent: *out NULL; an error if required). */
int apply_string(json_t *o, const char *name, bool required,
    const char **out, struct am_error *err);
/* A boolean member (null or absent: *out untouched). */
int apply_bool(json_t *o, const char *name, bool *out, struct am_error *err);
/* Every member of o is one of names (NULL-terminated). */
int apply_fields(json_t *o, const char *const *names, struct am_error *err);

#endif
