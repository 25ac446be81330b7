#include "am_sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BUCKET 64

/* Bucket of a key at a depth: 0 when the key has ended (shorter first). */
static inline unsigned int
bucket(const struct am_record *r, size_t depth)
{
	if (depth >= r->key_len)
		return 0;
	if (depth < 16)
		return (unsigned int)((r->prefix[depth / 8] >>
		    (56 - 8 * (depth % 8))) & 0xff) + 1;
	return (unsigned int)(unsigned char)r->key[depth] + 1;
}

/* Order of two records whose keys agree before depth. */
static int
compare_from(const struct am_record *a, const struct am_record *b,
    size_t depth)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	const unsigned char *pa = (const unsigned char *)a->key;
	const unsigned char *pb = (const unsigned char *)b->key;

	/* The cached prefix decides most comparisons without the key; the
	 * bytes before depth are equal, so whole words compare correctly. */
	if (depth < 8 && a->prefix[0] != b->prefix[0])
		return a->prefix[0] < b->prefix[0] ? -1 : 1;
	if (depth < 16 && a->prefix[1] != b->prefix[1])
		return a->prefix[1] < b->prefix[1] ? -1 : 1;
	if (depth < 16)
		depth = 16;

	/* Keys in a small bucket usually differ at once: no memcmp call. */
	for (; depth < n; depth++)
		if (pa[depth] != pb[depth])
			return pa[depth] < pb[depth] ? -1 : 1;
	if (a->key_len != b->key_len)
		return a->key_len < b->key_len ? -1 : 1;
	return 0;
}

/* Stable: equal keys keep the order of their indexes. */
static void
insertion_sort(const struct am_record *rec, uint32_t *a, size_t n,
    size_t depth)
{
	size_t i, j;
	uint32_t v;

	for (i = 1; i < n; i++) {
		v = a[i];
		for (j = i; j > 0 && compare_from(&rec[a[j - 1]], &rec[v],
		    depth) > 0; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static void
radix_sort(const struct am_record *rec, uint32_t *a, uint32_t *tmp, size_t n,
    size_t depth)
{
	size_t count[257], pos[257];
	size_t i, b, start;
	unsigned int lo, hi, k;

	while (n > SMALL_BUCKET) {
		memset(count, 0, sizeof(count));
		lo = 256;
		hi = 0;
		for (i = 0; i < n; i++) {
			k = bucket(&rec[a[i]], depth);
			count[k]++;
			if (k < lo)
				lo = k;
			if (k > hi)
				hi = k;
		}
		/* All in one bucket: go one byte deeper without moving. */
		if (lo == hi) {
			if (lo == 0)
				return;	/* all keys ended: equal */
			depth++;
			continue;
		}
		/* Only the buckets in use: keys often share few bytes. */
		for (b = lo, start = 0; b <= hi; b++) {
			pos[b] = start;
			start += count[b];
		}
		for (i = 0; i < n; i++)
			tmp[pos[bucket(&rec[a[i]], depth)]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
		/* Bucket 0 holds equal keys, already in order. */
		for (b = lo, start = 0; b <= hi; b++) {
			if (b > 0 && count[b] > 1)
				radix_sort(rec, a + start, tmp + start,
				    count[b], depth + 1);
			start += count[b];
		}
		return;
	}
	insertion_sort(rec, a, n, depth);
}

int
am_sort_records(struct am_record *rec, size_t n)
{
	struct am_record hold;
	uint32_t *idx, *tmp;
	size_t i, j, k;

	if (n < 2)
		return 0;
	if (n > UINT32_MAX)
		return -1;
	idx = malloc(n * sizeof(*idx));
	tmp = malloc(n * sizeof(*tmp));
	if (idx == NULL || tmp == NULL) {
		free(idx);
		free(tmp);
		return -1;
	}
	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	radix_sort(rec, idx, tmp, n, 0);
	free(tmp);
	/* Apply the permutation in place, cycle by cycle. */
	for (i = 0; i < n; i++) {
		if (idx[i] == i)
			continue;
		hold = rec[i];
		j = i;
		for (;;) {
			k = idx[j];
			idx[j] = (uint32_t)j;
			if (k == i) {
				rec[j] = hold;
				break;
			}
			rec[j] = rec[k];
			j = k;
		}
	}
	free(idx);
	return 0;
}
