/*
 * am_sort: the radix sort gives LMDB's key order (bytes, then shorter
 * first) and keeps records with equal keys in their original order, for
 * inputs that exercise every path: shared prefixes longer than the
 * 8-byte cache, keys that are prefixes of others, empty keys, large and
 * small buckets, many duplicates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "am_sort.h"

/* The reference: a comparison sort on the same order, stable by line. */
static int
reference_order(const void *pa, const void *pb)
{
	const struct am_record *a = pa, *b = pb;
	int c = am_record_compare(a, b);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

static void
check_against_reference(char **keys, size_t n)
{
	struct am_record *got = calloc(n, sizeof(*got));
	struct am_record *want = calloc(n, sizeof(*want));
	size_t i;

	assert_non_null(got);
	assert_non_null(want);
	for (i = 0; i < n; i++) {
		am_record_set_key(&got[i], keys[i], (uint32_t)strlen(keys[i]));
		got[i].value = "";
		got[i].line = (long)i + 1;
	}
	memcpy(want, got, n * sizeof(*got));
	qsort(want, n, sizeof(*want), reference_order);
	assert_int_equal(am_sort_records(got, n), 0);
	for (i = 0; i < n; i++) {
		assert_string_equal(got[i].key, want[i].key);
		assert_int_equal(got[i].line, want[i].line);
	}
	free(got);
	free(want);
}

static void
test_random_keys_with_duplicates(void **state)
{
	static const char *const stems[] = {
		"", "a", "ab", "abc", "user", "user@example.org",
		"averyveryverylongcommonprefix-", "\xff", "Z",
	};
	size_t n = 20000, i;
	char **keys = calloc(n, sizeof(*keys));
	char buf[128];

	(void)state;
	srand(42);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s%d",
		    stems[rand() % (int)(sizeof(stems) / sizeof(stems[0]))],
		    rand() % 3000);
		if (rand() % 7 == 0)
			buf[rand() % (strlen(buf) + 1)] = '\0';	/* prefixes */
		keys[i] = strdup(buf);
	}
	check_against_reference(keys, n);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

static void
test_small_and_trivial_inputs(void **state)
{
	char *one[] = { "k" };
	char *few[] = { "b", "a", "ab", "", "a", "b\x01", "b" };

	(void)state;
	assert_int_equal(am_sort_records(NULL, 0), 0);
	check_against_reference(one, 1);
	check_against_reference(few, sizeof(few) / sizeof(few[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_keys_with_duplicates),
		cmocka_unit_test(test_small_and_trivial_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
