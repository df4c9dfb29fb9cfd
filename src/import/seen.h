/*
 * seen.h - how many times a line's content was seen before in one file:
 * importers number identical lines (two identical coffees on one day are
 * two transactions) so that each gets its own dedupe key, stable when the
 * file is imported again.
 */
#ifndef COMMUNE_IMPORT_SEEN_H
#define COMMUNE_IMPORT_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* An open-addressed set of 64-bit hashes of content, with their counts. */
struct seen {
	uint64_t *hash;                   /* 0 = empty slot */
	uint32_t *count;
	size_t n, cap;                    /* distinct keys, slots (a power of two) */
};

/* seen_next - *before receives how many times key was seen before; the
 * count of key is then one more. */
enum cmn_rc seen_next(struct seen *t, const char *key, uint32_t *before);

/* seen_release - frees the set. */
void seen_release(struct seen *t);

#endif
