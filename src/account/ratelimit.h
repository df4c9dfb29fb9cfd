/*
 * ratelimit.h - counting failures per key (an account, an address, a
 * share's passcode) over a window, to refuse guessing.
 *
 * The counters are in the platform store (store_limit_*), so that several
 * server processes on one store count the same failures, and a flood of
 * keys evicts nobody's counter. A window opens at a key's first failure
 * and lasts window_s; max failures within it refuse the key until it ends.
 */
#ifndef COMMUNE_ACCOUNT_RATELIMIT_H
#define COMMUNE_ACCOUNT_RATELIMIT_H

#include <stdint.h>

#include "core/result.h"

struct ratelimit;
struct store;

/* ratelimit_new - the counters of s (which must outlive them); NULL when
 * out of memory. */
struct ratelimit *ratelimit_new(struct store *s);

/* ratelimit_free - *rl is set to NULL. */
void ratelimit_free(struct ratelimit **rl);

/* ratelimit_check - CMN_ERR_RATE_LIMITED (and the seconds to wait in
 * *retry_after) when key has max or more failures in its window; the
 * store's error when it cannot tell (refuse then: unknown is not allowed). */
enum cmn_rc ratelimit_check(struct ratelimit *rl, const char *key, unsigned max, int64_t now_ms,
			    unsigned *retry_after);

/* ratelimit_fail - counts one failure for key. */
enum cmn_rc ratelimit_fail(struct ratelimit *rl, const char *key, unsigned window_s,
			   int64_t now_ms);

/* ratelimit_clear - forgets key (after a success). */
enum cmn_rc ratelimit_clear(struct ratelimit *rl, const char *key);

#endif
