#include "am_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct am_check_area am_check_areas[] = {
	{ "tables", am_check_tables },
	{ "users", am_check_users },
	{ "aliases", am_check_aliases },
	{ "forwards", am_check_forwards },
	{ "relay", am_check_relay },
	{ "postfwd", am_check_postfwd },
	{ "passwd", am_check_passwd },
	{ "dkim", am_check_dkim },
	{ "postfix", am_check_postfix },
	{ NULL, NULL },
};

const struct am_check_area *
am_check_area_find(const char *name)
{
	const struct am_check_area *a;

	for (a = am_check_areas; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

const char *
am_check_severity_name(enum am_check_severity severity)
{
	return severity == AM_CHECK_ERROR ? "error" : "warning";
}

static void
finding_free(struct am_check_finding *f)
{
	free(f->code);
	free(f->file);
	free(f->message);
	free(f->fix);
}

int
am_check_add(struct am_check_report *report, const char *area,
    const char *code, enum am_check_severity severity, const char *file,
    long line, const char *fix, struct am_error *err, const char *fmt, ...)
{
	struct am_check_finding f = { 0 }, *grown;
	va_list ap;
	int n;

	if (report->count == report->cap) {
		size_t cap = report->cap ? report->cap * 2 : 16;

		grown = realloc(report->finding, cap * sizeof(*grown));
		if (grown == NULL)
			goto nomem;
		report->finding = grown;
		report->cap = cap;
	}
	f.area = area;
	f.severity = severity;
	f.line = line;
	va_start(ap, fmt);
	n = vasprintf(&f.message, fmt, ap);
	va_end(ap);
	if (n < 0) {
		f.message = NULL;
		goto nomem;
	}
	if ((f.code = strdup(code)) == NULL ||
	    (file != NULL && (f.file = strdup(file)) == NULL) ||
	    (fix != NULL && (f.fix = strdup(fix)) == NULL))
		goto nomem;
	report->finding[report->count++] = f;
	return 0;
nomem:
	finding_free(&f);
	return am_error_set(err, AM_E_NOMEM, "out of memory");
}

void
am_check_report_free(struct am_check_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->count; i++)
		finding_free(&report->finding[i]);
	free(report->finding);
	memset(report, 0, sizeof(*report));
}
