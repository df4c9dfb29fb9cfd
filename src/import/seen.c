/*
 * seen.c - the occurrence counter of seen.h (FNV-1a hashes of the content,
 * linear probing, doubled at half full).
 */
#include "import/seen.h"

#include <stdlib.h>

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

enum cmn_rc seen_next(struct seen *t, const char *key, uint32_t *before)
{
	uint64_t h = fnv1a(key);
	size_t i;

	if (t->n * 2 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint64_t *nh = calloc(cap, sizeof(*nh));
		uint32_t *nc = calloc(cap, sizeof(*nc));

		if (!nh || !nc) {
			free(nh);
			free(nc);
			return CMN_ERR_NOMEM;
		}
		for (size_t k = 0; k < t->cap; k++) {
			if (!t->hash[k])
				continue;
			for (i = t->hash[k] & (cap - 1); nh[i]; i = (i + 1) & (cap - 1))
				;
			nh[i] = t->hash[k];
			nc[i] = t->count[k];
		}
		free(t->hash);
		free(t->count);
		t->hash = nh;
		t->count = nc;
		t->cap = cap;
	}
	for (i = h & (t->cap - 1); t->hash[i] && t->hash[i] != h; i = (i + 1) & (t->cap - 1))
		;
	if (!t->hash[i]) {
		t->hash[i] = h;
		t->n++;
	}
	*before = t->count[i]++;
	return CMN_OK;
}

void seen_release(struct seen *t)
{
	free(t->hash);
	free(t->count);
	t->hash = NULL;
	t->count = NULL;
	t->n = t->cap = 0;
}
