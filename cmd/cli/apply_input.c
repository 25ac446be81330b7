/*
 * JSON Lines input of the apply subcommands (apply_input.h).  jansson
 * parses every line: no JSON is parsed by hand here.
 */
#include "apply_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return false;
	return true;
}

int
apply_read(const char *path, apply_item_fn *fn, void *arg,
    const char **name, struct am_error *err)
{
	json_error_t jerr;
	json_t *o;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = -1;

	*name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "re")) == NULL)
		return am_error_set_errno(err, errno == ENOENT ?
		    AM_E_NOINPUT : am_error_code_from_errno(errno), errno,
		    "%s", path);
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (blank(line, (size_t)len))
			continue;
		o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES,
		    &jerr);
		if (o == NULL) {
			am_error_set_at(err, AM_E_PARSE, *name, lineno,
			    "not JSON: %s", jerr.text);
			goto out;
		}
		if (!json_is_object(o)) {
			json_decref(o);
			am_error_set_at(err, AM_E_PARSE, *name, lineno,
			    "expected one JSON object per line");
			goto out;
		}
		if (fn(arg, o, lineno, err) < 0) {
			json_decref(o);
			if (err->code == AM_E_USAGE)
				err->code = AM_E_INVALID;
			snprintf(err->file, sizeof(err->file), "%s", *name);
			err->line = lineno;
			goto out;
		}
		json_decref(o);
	}
	if (ferror(fp)) {
		am_error_set_errno(err, AM_E_IO, errno, "read %s", *name);
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

int
apply_string(json_t *o, const char *name, bool required, const char **out,
    struct am_error *err)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return am_error_set(err, AM_E_INVALID, "missing "
			    "\"%s\"", name);
		return 0;
	}
	if (!json_is_string(v))
		return am_error_set(err, AM_E_INVALID, "\"%s\": expected a "
		    "string", name);
	*out = json_string_value(v);
	return 0;
}

int
apply_bool(json_t *o, const char *name, bool *out, struct am_error *err)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return am_error_set(err, AM_E_INVALID, "\"%s\": expected true "
		    "or false", name);
	*out = json_is_true(v);
	return 0;
}

int
apply_fields(json_t *o, const char *const *names, struct am_error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return am_error_set(err, AM_E_INVALID, "unknown field "
			    "\"%s\"", key);
	}
	return 0;
}
