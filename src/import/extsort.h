/*
 * extsort.h - sorting more fixed-size items than memory should hold, for
 * the importers that must see a whole file before they write anything (the
 * best reading of a gas day may come last).
 *
 * Items gather in a buffer of at most EXTSORT_BUFFER_BYTES; a full buffer
 * is sorted and written as a run to a temporary file, and reading merges
 * the runs, a block of each at a time (the blocks take the buffer's place:
 * at most as much memory). Items that fit in one buffer never touch the
 * disk.
 *
 *   struct extsort s = {.size = sizeof(struct reading), .cmp = by_day};
 *   extsort_add(&s, &r) ... extsort_sort(&s);
 *   while ((rc = extsort_next(&s, &item)) == CMN_OK && item) ...
 *   extsort_release(&s);
 */
#ifndef COMMUNE_IMPORT_EXTSORT_H
#define COMMUNE_IMPORT_EXTSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/result.h"

#define EXTSORT_BUFFER_BYTES (2 << 20)   /* items kept in memory, then a run on disk */
#define EXTSORT_BLOCK_BYTES (64 << 10)   /* read at once from a run while merging */

struct extsort_run;

struct extsort {
	size_t size;                         /* bytes of an item */
	int (*cmp)(const void *, const void *); /* the order, total: equal items come
						 * in no given order */
	size_t buffer_bytes;                 /* 0: EXTSORT_BUFFER_BYTES; tests lower it */
	/* private */
	char *buf;                           /* items not written yet; the runs' blocks
					      * while merging */
	size_t n, cap;                       /* items in buf, room for */
	size_t at;                           /* reading one buffer: the next item */
	FILE *tmp;                           /* the runs (an unlinked file), or NULL */
	struct extsort_run *runs;
	size_t nruns, runs_cap;
	size_t *heap;                        /* runs not ended, the smallest first */
	size_t nheap;
	bool sorted;                         /* extsort_sort was called */
	bool taken;                          /* the heap's top item was handed out */
};

/* extsort_add - one item (copied). CMN_ERR_IO when a run cannot be
 * written. */
enum cmn_rc extsort_add(struct extsort *s, const void *item);

/* extsort_sort - no more items: sorts them, ready for extsort_next. */
enum cmn_rc extsort_sort(struct extsort *s);

/* extsort_next - *item receives the next item in order, or NULL after the
 * last; it stays valid until the next call. CMN_ERR_IO on a read error. */
enum cmn_rc extsort_next(struct extsort *s, const void **item);

/* extsort_release - frees the items and closes the temporary file (which
 * was unlinked when it was made). */
void extsort_release(struct extsort *s);

#endif
