/*
 * archmail check [AREA...]: the host's consistency, read-only.  The
 * areas (lib/check) collect findings; this file prints them, grouped by
 * area, or as the "findings" member of the JSON result.
 *
 * Exit status: 0 no finding, 1 at least one finding (an error or a
 * warning: a warning is a problem too, and scripts that want to ignore
 * warnings read --json), 64 usage (an unknown area), and the usual codes
 * when an area cannot look at the host at all (unreadable file: 77,
 * malformed main.cf or archmail.conf: 78, ...).  Nothing is written and
 * no lock is taken for writing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_check.h"
#include "archmail.h"

static void
json_findings(struct am_json *j, void *arg)
{
	const struct am_check_report *report = arg;
	const struct am_check_finding *f;
	size_t i, errors = 0;

	am_json_array_begin(j, "findings");
	for (i = 0; i < report->count; i++) {
		f = &report->finding[i];
		if (f->severity == AM_CHECK_ERROR)
			errors++;
		am_json_object_begin(j, NULL);
		am_json_string(j, "area", f->area);
		am_json_string(j, "code", f->code);
		am_json_string(j, "severity",
		    am_check_severity_name(f->severity));
		if (f->file != NULL)
			am_json_string(j, "file", f->file);
		else
			am_json_null(j, "file");
		if (f->line > 0)
			am_json_int(j, "line", f->line);
		else
			am_json_null(j, "line");
		am_json_string(j, "message", f->message);
		if (f->fix != NULL)
			am_json_string(j, "fix", f->fix);
		else
			am_json_null(j, "fix");
		am_json_object_end(j);
	}
	am_json_array_end(j);
	am_json_object_begin(j, "summary");
	am_json_int(j, "errors", (long long)errors);
	am_json_int(j, "warnings", (long long)(report->count - errors));
	am_json_object_end(j);
}

static void
print_finding(const struct am_check_finding *f)
{
	printf("%s: ", am_check_severity_name(f->severity));
	if (f->file != NULL && f->line > 0)
		printf("%s, line %ld: ", f->file, f->line);
	else if (f->file != NULL)
		printf("%s: ", f->file);
	printf("%s [%s]\n", f->message, f->code);
	if (f->fix != NULL)
		printf("  fix: %s\n", f->fix);
}

static void
print_report(const struct am_check_report *report,
    const struct am_check_area *const *areas, size_t nareas)
{
	size_t a, i, errors = 0, shown;

	for (a = 0; a < nareas; a++) {
		shown = 0;
		for (i = 0; i < report->count; i++) {
			const struct am_check_finding *f = &report->finding[i];

			if (strcmp(f->area, areas[a]->name) != 0)
				continue;
			if (shown++ == 0)
				printf("%s:\n", areas[a]->name);
			print_finding(f);
		}
	}
	for (i = 0; i < report->count; i++)
		if (report->finding[i].severity == AM_CHECK_ERROR)
			errors++;
	if (report->count == 0)
		printf("archmail check: no problems found (%zu area%s)\n",
		    nareas, nareas == 1 ? "" : "s");
	else
		printf("archmail check: %zu error%s, %zu warning%s\n", errors,
		    errors == 1 ? "" : "s", report->count - errors,
		    report->count - errors == 1 ? "" : "s");
}

static int
unknown_area(struct am_cli *cli, const char *name)
{
	const char *names[32];
	const char *near;
	size_t n;
	char list[512] = "";

	for (n = 0; am_check_areas[n].name != NULL && n < 32; n++) {
		names[n] = am_check_areas[n].name;
		if (n > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, names[n], sizeof(list) - strlen(list) - 1);
	}
	if ((near = cli_nearest(name, names, n)) != NULL)
		return cli_usage_error(cli, "unknown area \"%s\"; did you "
		    "mean \"%s\"?", name, near);
	return cli_usage_error(cli, "unknown area \"%s\"; areas: %s", name,
	    list);
}

/* argv: check [--dkim-dir DIR] [--record-file FILE] [--zone FILE] -- AREA... */
int
cmd_check(struct am_cli *cli, int argc, char *argv[])
{
	const struct am_check_area *areas[32];
	const struct am_check_area *a;
	struct am_check_options opt = { NULL, NULL, NULL };
	struct am_check_report report = { NULL, 0, 0 };
	struct am_error err;
	struct am_json j;
	size_t nareas = 0, k;
	bool want[32] = { false };
	int i, status;

	am_error_clear(&err);
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--dkim-dir") == 0)
			opt.dkim_dir = argv[++i];
		else if (strcmp(argv[i], "--record-file") == 0)
			opt.record_file = argv[++i];
		else if (strcmp(argv[i], "--zone") == 0)
			opt.zone_file = argv[++i];
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	for (; i < argc; i++) {
		if ((a = am_check_area_find(argv[i])) == NULL)
			return unknown_area(cli, argv[i]);
		want[a - am_check_areas] = true;
	}
	/* The areas run (and print) in the table's order, each once. */
	for (k = 0; am_check_areas[k].name != NULL && k < 32; k++)
		if (want[k])
			areas[nareas++] = &am_check_areas[k];
	/* None named: all of them. */
	if (nareas == 0)
		for (k = 0; am_check_areas[k].name != NULL && k < 32; k++)
			areas[nareas++] = &am_check_areas[k];
	for (k = 0; k < nareas; k++) {
		cli_info(cli, "checking %s", areas[k]->name);
		if (areas[k]->run(&cli->host, &opt, &report, &err) < 0) {
			/* What was found so far is reported with the failure. */
			status = cli_fail_with(cli, &err, json_findings,
			    &report);
			am_check_report_free(&report);
			return status;
		}
	}
	if (cli->json) {
		cli_json_begin(cli, &j, true);
		am_json_array_begin(&j, "areas");
		for (k = 0; k < nareas; k++)
			am_json_string(&j, NULL, areas[k]->name);
		am_json_array_end(&j);
		json_findings(&j, &report);
		status = cli_json_end(cli, &j) < 0 ? 74 : 0;
	} else {
		if (cli->verbose >= 0)
			print_report(&report, areas, nareas);
		status = 0;
	}
	if (status == 0 && report.count > 0)
		status = 1;
	am_check_report_free(&report);
	return status;
}
