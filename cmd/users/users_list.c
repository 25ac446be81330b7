/*
 * archmail users list and categories (and alias list through edit_list):
 * the source read by the library (am_edit_read()), printed here.
 */
#include "users_edit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
edit_list(struct am_cli *cli, enum am_map_kind kind, const char *cat)
{
	struct am_edit ec;
	struct am_mapedit ed;
	struct am_error err;
	struct am_json j;
	const struct am_mapedit_entry *e;
	int want = -1;

	am_error_clear(&err);
	if (am_edit_open(&ec, &cli->host, kind, NULL, &err) < 0)
		return cli_fail(cli, &err);
	if (am_edit_read(&ec, &ed, &err) < 0) {
		am_edit_free(&ec);
		return cli_fail(cli, &err);
	}
	if (cat != NULL && (want = am_mapedit_find_category(&ed, cat)) < 0) {
		struct am_buf list = AM_BUF_INIT;

		(void)am_mapedit_category_list(&ed, &list);
		am_error_set(&err, AM_E_USAGE, "%s: no category \"%s\"; "
		    "categories: %s", ec.path, cat,
		    list.data ? list.data : "(none)");
		am_buf_free(&list);
		am_mapedit_free(&ed);
		am_edit_free(&ec);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_string(&j, "path", ec.path);
		am_json_array_begin(&j, "entries");
	}
	for (e = ed.entries; e < ed.entries + ed.nentries; e++) {
		if (cat != NULL && e->category != want)
			continue;
		if (cli->json)
			edit_json_entry(&j, &ed, NULL, NULL, e->category < 0 ?
			    NULL : ed.categories[e->category].name, e->line,
			    true, e);
		else
			printf("%s\t%s\n", e->key, e->value);
	}
	am_mapedit_free(&ed);
	am_edit_free(&ec);
	if (cli->json) {
		am_json_array_end(&j);
		return cli_json_end(cli, &j) < 0 ? 74 : 0;
	}
	return 0;
}

int
users_categories(struct am_cli *cli)
{
	struct am_edit ec;
	struct am_mapedit ed;
	struct am_error err;
	struct am_json j;
	size_t i;

	am_error_clear(&err);
	if (am_edit_open(&ec, &cli->host, AM_MAP_POSTMAP, NULL, &err) < 0)
		return cli_fail(cli, &err);
	if (am_edit_read(&ec, &ed, &err) < 0) {
		am_edit_free(&ec);
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
	am_edit_free(&ec);
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
	const char *cat = NULL;
	int c;

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
	return edit_list(cli, AM_MAP_POSTMAP, cat);
}
