/*
 * seen.h - how many times a line's content was seen before in one file:
 * importers number identical lines (two identical coffees on one day are
 * two transactions) so that each gets its own dedupe key, stable when the
 * file is imported again.
 *
 * The memory is bounded whatever the file: the first SEEN_MEMORY_MAX
 * distinct contents are counted in memory, the others in a temporary
 * SQLite database on disk (private, deleted when the set is released).
 */
#ifndef COMMUNE_IMPORT_SEEN_H
#define COMMUNE_IMPORT_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define SEEN_MEMORY_MAX (1 << 17)         /* contents counted in memory: 3 MiB of slots */
#define SEEN_DISK_CACHE_KIB 2048          /* page cache of the contents on disk */

struct seen_disk;

/*
 * An open-addressed set of 64-bit hashes of content, with their counts; a
 * zeroed struct is an empty set. A hash lives in one place: in memory when
 * it was first seen while there was room, else on disk.
 */
struct seen {
	uint64_t *hash;                   /* 0 = empty slot */
	uint32_t *count;
	size_t used, cap;                 /* hashes in memory, slots (a power of two) */
	size_t n;                         /* distinct hashes, in memory and on disk */
	size_t memory_max;                /* hashes kept in memory (0: SEEN_MEMORY_MAX;
					   * tests lower it) */
	struct seen_disk *disk;           /* the hashes beyond memory_max, or NULL */
};

/* seen_next - *before receives how many times key was seen before; the
 * count of key is then one more. CMN_ERR_IO (disk full, no temporary
 * directory), CMN_ERR_NOMEM or CMN_ERR_STORE when the part on disk fails;
 * the set then keeps failing with the same result. */
enum cmn_rc seen_next(struct seen *t, const char *key, uint32_t *before);

/* seen_release - frees the set and deletes its temporary database. */
void seen_release(struct seen *t);

#endif
