/* Placeholder until the area is written: it finds nothing. */
#include "am_check.h"

int
am_check_tables(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	(void)h;
	(void)opt;
	(void)report;
	(void)err;
	return 0;
}

int
am_check_postfix(const struct am_host *h, const struct am_check_options *opt,
    struct am_check_report *report, struct am_error *err)
{
	(void)h;
	(void)opt;
	(void)report;
	(void)err;
	return 0;
}
