/*
 * ratelimit.c - the failure counters of ratelimit.h, kept by the platform
 * store.
 */
#include "account/ratelimit.h"

#include <stdlib.h>

#include "store/store.h"

struct ratelimit {
	struct store *s;
};

struct ratelimit *ratelimit_new(struct store *s)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl)
		rl->s = s;
	return rl;
}

void ratelimit_free(struct ratelimit **rl)
{
	free(*rl);
	*rl = NULL;
}

enum cmn_rc ratelimit_check(struct ratelimit *rl, const char *key, unsigned max, int64_t now_ms,
			    unsigned *retry_after)
{
	unsigned count;
	int64_t until;
	enum cmn_rc rc = store_limit_get(rl->s, key, now_ms, &count, &until);

	if (rc != CMN_OK)
		return rc;
	if (count < max)
		return CMN_OK;
	*retry_after = (unsigned)((until - now_ms + 999) / 1000);
	return CMN_ERR_RATE_LIMITED;
}

enum cmn_rc ratelimit_fail(struct ratelimit *rl, const char *key, unsigned window_s,
			   int64_t now_ms)
{
	return store_limit_fail(rl->s, key, (int64_t)window_s * 1000, now_ms);
}

enum cmn_rc ratelimit_clear(struct ratelimit *rl, const char *key)
{
	return store_limit_clear(rl->s, key);
}
