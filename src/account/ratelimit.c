/*
 * ratelimit.c - the failure counters of ratelimit.h: an open-addressed
 * table guarded by one mutex. When it is full, the entry whose window
 * ends first is replaced.
 */
#include "account/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/str.h"

#define KEY_MAX 96

struct entry {
	char key[KEY_MAX];
	unsigned count;
	int64_t window_start;             /* ms; 0 = free slot */
};

struct ratelimit {
	pthread_mutex_t lock;
	struct entry e[CMN_RATE_TABLE_SIZE];
};

struct ratelimit *ratelimit_new(void)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl)
		pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit **rl)
{
	if (!*rl)
		return;
	pthread_mutex_destroy(&(*rl)->lock);
	free(*rl);
	*rl = NULL;
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* find - the slot of key, or NULL; with create, a slot for it. */
static struct entry *find(struct ratelimit *rl, const char *key, bool create, int64_t now,
			  unsigned window_s)
{
	uint32_t h = hash(key) % CMN_RATE_TABLE_SIZE;
	struct entry *victim = NULL;

	(void)window_s;
	/* probe 16 slots; replace a free one, else the oldest window */
	for (unsigned i = 0; i < 16; i++) {
		struct entry *e = &rl->e[(h + i) % CMN_RATE_TABLE_SIZE];

		if (e->window_start && strcmp(e->key, key) == 0)
			return e;
		if (!e->window_start) {
			if (!victim || victim->window_start)
				victim = e;
		} else if (!victim || (victim->window_start && e->window_start < victim->window_start)) {
			victim = e;
		}
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	str_copy(victim->key, sizeof(victim->key), key);
	victim->window_start = now;
	return victim;
}

enum cmn_rc ratelimit_check(struct ratelimit *rl, const char *key, unsigned max,
			    unsigned window_s, int64_t now_ms, unsigned *retry_after)
{
	enum cmn_rc rc = CMN_OK;
	struct entry *e;

	pthread_mutex_lock(&rl->lock);
	e = find(rl, key, false, now_ms, window_s);
	if (e && now_ms - e->window_start >= (int64_t)window_s * 1000) {
		e->window_start = 0; /* the window is over */
		e = NULL;
	}
	if (e && e->count >= max) {
		int64_t left = e->window_start + (int64_t)window_s * 1000 - now_ms;

		*retry_after = (unsigned)((left + 999) / 1000);
		rc = CMN_ERR_RATE_LIMITED;
	}
	pthread_mutex_unlock(&rl->lock);
	return rc;
}

void ratelimit_fail(struct ratelimit *rl, const char *key, unsigned window_s, int64_t now_ms)
{
	struct entry *e;

	pthread_mutex_lock(&rl->lock);
	e = find(rl, key, true, now_ms, window_s);
	if (now_ms - e->window_start >= (int64_t)window_s * 1000) {
		e->window_start = now_ms;
		e->count = 0;
	}
	e->count++;
	pthread_mutex_unlock(&rl->lock);
}

void ratelimit_clear(struct ratelimit *rl, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&rl->lock);
	e = find(rl, key, false, 0, 0);
	if (e)
		e->window_start = 0;
	pthread_mutex_unlock(&rl->lock);
}
