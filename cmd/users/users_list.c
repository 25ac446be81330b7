/*
 * archmail users list and categories (and alias list through edit_list),
 * and the ROOT/etc/passwd lookups of users add and users forward.
 */
#include "users_edit.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_file.h"

int
edit_list(struct edit_ctx *ec, const char *cat)
{
	struct am_mapedit ed;
	struct am_error err;
	struct am_json j;
	const struct am_mapedit_entry *e;
	int want = -1;

	am_error_clear(&err);
	if (edit_open(ec, &ed, &err) < 0)
		return cli_fail(ec->cli, &err);
	if (cat != NULL && (want = am_mapedit_find_category(&ed, cat)) < 0) {
		struct am_buf list = AM_BUF_INIT;

		(void)am_mapedit_category_list(&ed, &list);
		am_error_set(&err, AM_E_USAGE, "%s: no category \"%s\"; "
		    "categories: %s", ec->path, cat,
		    list.data ? list.data : "(none)");
		am_buf_free(&list);
		am_mapedit_free(&ed);
		return cli_fail(ec->cli, &err);
	}
	if (ec->cli->json) {
		cli_json_begin(ec->cli, &j, true);
		am_json_string(&j, "path", ec->path);
		am_json_array_begin(&j, "entries");
	}
	for (e = ed.entries; e < ed.entries + ed.nentries; e++) {
		if (cat != NULL && e->category != want)
			continue;
		if (ec->cli->json)
			edit_json_entry(&j, &ed, NULL, NULL, e->category < 0 ? NULL :
			    ed.categories[e->category].name, e->line,
			    true, e);
		else
			printf("%s\t%s\n", e->key, e->value);
	}
	am_mapedit_free(&ed);
	if (ec->cli->json) {
		am_json_array_end(&j);
		return cli_json_end(ec->cli, &j) < 0 ? 74 : 0;
	}
	return 0;
}

int
users_categories(struct am_cli *cli)
{
	struct edit_ctx ec;
	struct am_mapedit ed;
	struct am_error err;
	struct am_json j;
	size_t i;
	int status;

	am_error_clear(&err);
	if ((status = edit_init(&ec, cli, AM_MAP_POSTMAP)) != 0)
		return status;
	if (edit_open(&ec, &ed, &err) < 0) {
		edit_free(&ec);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_string(&j, "path", ec.path);
		am_json_array_begin(&j, "categories");
	}
	for (i = 0; i < ed.ncategories; i++) {
		const struct am_mapedit_category *c = &ed.categories[i];

		if (!cli->json) {
			printf("%s\n", c->name);
			continue;
		}
		am_json_object_begin(&j, NULL);
		am_json_string(&j, "name", c->name);
		am_json_int(&j, "line", c->line);
		am_json_int(&j, "entries", (long long)c->count);
		am_json_bool(&j, "sorted", c->sorted);
		am_json_object_end(&j);
	}
	am_mapedit_free(&ed);
	edit_free(&ec);
	if (cli->json) {
		am_json_array_end(&j);
		return cli_json_end(cli, &j) < 0 ? 74 : 0;
	}
	return 0;
}

int
users_list(struct am_cli *cli, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "category", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct edit_ctx ec;
	const char *cat = NULL;
	int c, status;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c != 'c')
			return cli_usage_error(cli, "bad option \"%s\"",
			    argv[optind - 1]);
		cat = optarg;
	}
	if (optind != argc)
		return cli_usage_error(cli, "users list takes no arguments");
	if ((status = edit_init(&ec, cli, AM_MAP_POSTMAP)) != 0)
		return status;
	status = edit_list(&ec, cat);
	edit_free(&ec);
	return status;
}

/*
 * A UID or GID field: decimal digits only, below (uid_t)-1 (the "no
 * user" value).  strtoul would take "" and "x" for 0, i.e. root.
 */
static int
parse_id(const char *s, unsigned int *id)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= 0xffffffffUL)
		return -1;
	*id = (unsigned int)v;
	return 0;
}

int
passwd_lookup(struct am_cli *cli, const char *user, uid_t *uid, gid_t *gid,
    char **home, struct am_error *err)
{
	char *path, *line = NULL, *f[7], *p;
	size_t cap = 0, ulen = strlen(user);
	FILE *fp;
	int i, found = 0;

	if ((path = cli_root_path(cli, "/etc/passwd")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((fp = am_file_fopen_read(path, 0, err)) == NULL) {
		found = err->sys_errno == ENOENT ? 0 : -1;
		if (found == 0)
			am_error_clear(err);
		free(path);
		return found;
	}
	while (found == 0 && getline(&line, &cap, fp) > 0) {
		if (strncmp(line, user, ulen) != 0 || line[ulen] != ':')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = line; i < 7; i++) {
			f[i] = p;
			if (p != NULL && (p = strchr(p, ':')) != NULL)
				*p++ = '\0';
		}
		if (f[6] == NULL)
			continue;
		if (parse_id(f[2], uid) < 0 || parse_id(f[3], gid) < 0) {
			found = am_error_set_at(err, AM_E_PARSE, path, 0,
			    "user \"%s\": UID or GID is not a number", user);
			break;
		}
		if (home != NULL && (*home = strdup(f[5])) == NULL)
			found = am_error_set(err, AM_E_NOMEM, "out of memory");
		else
			found = 1;
	}
	free(line);
	fclose(fp);
	free(path);
	return found;
}
