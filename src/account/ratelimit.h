/*
 * ratelimit.h - counting failures per key (an account, an address) over a
 * sliding window, to refuse guessing.
 *
 * In process memory for now; with several server processes the table
 * moves to the shared store (docs/ARCHITECTURE.md).
 */
#ifndef COMMUNE_ACCOUNT_RATELIMIT_H
#define COMMUNE_ACCOUNT_RATELIMIT_H

#include <stdint.h>

#include "core/result.h"

struct ratelimit;

/* ratelimit_new - a table of at most CMN_RATE_TABLE_SIZE keys. */
struct ratelimit *ratelimit_new(void);

/* ratelimit_free - frees the table; *rl is set to NULL. */
void ratelimit_free(struct ratelimit **rl);

/* ratelimit_check - CMN_ERR_RATE_LIMITED (and the seconds to wait in
 * *retry_after) when key has max or more failures within window_s. */
enum cmn_rc ratelimit_check(struct ratelimit *rl, const char *key, unsigned max,
			    unsigned window_s, int64_t now_ms, unsigned *retry_after);

/* ratelimit_fail - counts one failure for key. */
void ratelimit_fail(struct ratelimit *rl, const char *key, unsigned window_s, int64_t now_ms);

/* ratelimit_clear - forgets key (after a success). */
void ratelimit_clear(struct ratelimit *rl, const char *key);

#endif
