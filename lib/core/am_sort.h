/*
 * am_sort - sort table records into LMDB key order, fast.
 *
 * A build spends most of its time sorting when it uses a comparison sort
 * (a million keys: about 20 million memcmp calls).  This is a stable
 * most-significant-byte radix sort over the stored key bytes, using the
 * records' cached 16-byte prefix for the first levels, with an insertion
 * sort for small buckets.  Records with equal keys keep their order
 * (source order), which the duplicate rule relies on.  It sorts an index
 * array and then permutes the records in place, so the extra memory is
 * two 32-bit indexes per record.
 */
#ifndef AM_SORT_H
#define AM_SORT_H

#include <stddef.h>

#include "am_table.h"

/* 0, or -1 when memory for the indexes cannot be had (nothing changed). */
int am_sort_records(struct am_record *rec, size_t n);

#endif
