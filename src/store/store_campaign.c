/*
 * store_campaign.c - store_campaign.h on either backend: what does not
 * touch the database (the states' names, the checks of the districts, the
 * layout of a release's cells), and the calls to the backend's functions.
 */
#include "store/store_campaign_int.h"

#include <stdlib.h>
#include <string.h>

static const struct store_campaign_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_campaign_ops : &store_pg_campaign_ops;
}

static const char *const state_names[CAMPAIGN_STATE_COUNT] = {
    "draft", "approved", "computed", "published", "rejected",
};

const char *campaign_state_name(enum campaign_state s)
{
	return (unsigned)s < CAMPAIGN_STATE_COUNT ? state_names[s] : "?";
}

void campaign_row_release(struct campaign_row *r)
{
	free(r->spec);
	free(r->results);
	free(r->csv);
	r->spec = r->results = r->csv = NULL;
}

uint8_t *campaign_cells_bytes(const uint64_t *cells, size_t n)
{
	uint8_t *b = malloc(n ? n * 8 : 1);

	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			b[8 * i + (size_t)k] = (uint8_t)(cells[i] >> (8 * k));
	return b;
}

enum cmn_rc campaign_cells_read(const uint8_t *b, size_t nb, uint64_t **out)
{
	uint64_t *cells;

	*out = NULL;
	if (nb % 8)
		return CMN_ERR_CORRUPT;
	if (!(cells = malloc(nb ? nb : 1)))
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < nb / 8; i++) {
		uint64_t v = 0;

		for (int k = 0; k < 8; k++)
			v |= (uint64_t)b[8 * i + (size_t)k] << (8 * k);
		cells[i] = v;
	}
	*out = cells;
	return CMN_OK;
}

/* ---- districts ---------------------------------------------------------------- */

static bool code_ok(const char *code)
{
	size_t n = strlen(code);

	if (n == 0 || n > STORE_DISTRICT_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)code[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

enum cmn_rc store_districts_replace(struct store *s, const struct store_district *d, size_t n)
{
	if (n > STORE_DISTRICTS_MAX)
		return CMN_ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++)
		if (!code_ok(d[i].code))
			return CMN_ERR_INVALID;
	return ops(s)->districts_replace(s, d, n);
}

enum cmn_rc store_districts_list(struct store *s, struct store_district **out, size_t *n)
{
	return ops(s)->districts_list(s, out, n);
}

/* ---- campaigns ---------------------------------------------------------------- */

enum cmn_rc store_campaign_add(struct store *s, const char *org_id, const char *spec, int64_t now,
			       struct campaign_row *r)
{
	return ops(s)->add(s, org_id, spec, now, r);
}

enum cmn_rc store_campaign_get(struct store *s, const char *id, bool full, struct campaign_row *r)
{
	return ops(s)->get(s, id, full, r);
}

enum cmn_rc store_campaign_each(struct store *s, const char *org_id,
				enum cmn_rc (*fn)(const struct campaign_row *r, void *ctx),
				void *ctx)
{
	return ops(s)->each(s, org_id, fn, ctx);
}

enum cmn_rc store_campaign_decide(struct store *s, const char *id, bool approve, const char *by,
				  int64_t now)
{
	return ops(s)->decide(s, id, approve, by, now);
}

enum cmn_rc store_campaign_publish(struct store *s, const char *id, int64_t now)
{
	return ops(s)->publish(s, id, now);
}

/* ---- participations --------------------------------------------------------------- */

enum cmn_rc store_campaign_join(struct store *s, const char *campaign_id, const char *person_id,
				const char *grant_id, int64_t now)
{
	return ops(s)->join(s, campaign_id, person_id, grant_id, now);
}

enum cmn_rc store_campaign_withdraw(struct store *s, const char *campaign_id, const char *person_id,
				    int64_t now, char grant_id[CRYPT_ID_LEN])
{
	return ops(s)->withdraw(s, campaign_id, person_id, now, grant_id);
}

enum cmn_rc store_campaign_part_get(struct store *s, const char *campaign_id, const char *person_id,
				    struct campaign_part *p)
{
	return ops(s)->part_get(s, campaign_id, person_id, p);
}

enum cmn_rc store_campaign_parts(struct store *s, const char *campaign_id, const char *after,
				 struct campaign_part *out, size_t max, size_t *n)
{
	*n = 0;
	if (max == 0)
		return CMN_OK;
	return ops(s)->parts(s, campaign_id, after ? after : "", out, max, n);
}

enum cmn_rc store_campaign_untold(struct store *s, const char *campaign_id,
				  struct campaign_part **out, size_t *n)
{
	return ops(s)->untold(s, campaign_id, out, n);
}

enum cmn_rc store_campaign_told(struct store *s, const char *campaign_id, const char *person_id)
{
	return ops(s)->told(s, campaign_id, person_id);
}

enum cmn_rc store_campaign_parts_of(struct store *s, const char *person_id,
				    enum cmn_rc (*fn)(const struct campaign_part *p, void *ctx),
				    void *ctx)
{
	return ops(s)->parts_of(s, person_id, fn, ctx);
}

/* ---- budgets and releases --------------------------------------------------------- */

enum cmn_rc store_budget_get(struct store *s, const char *person_id, struct dp_cost *spent)
{
	return ops(s)->budget_get(s, person_id, spent);
}

enum cmn_rc store_releases_each(struct store *s,
				enum cmn_rc (*fn)(const struct campaign_release_row *r, void *ctx),
				void *ctx)
{
	return ops(s)->releases_each(s, fn, ctx);
}

enum cmn_rc store_campaign_computed(struct store *s, const struct campaign_release_row *rel,
				    const char *results, const char *csv,
				    const char (*persons)[CRYPT_ID_LEN], size_t n,
				    const struct dp_cost *cost, int64_t now)
{
	return ops(s)->computed(s, rel, results, csv, persons, n, cost, now);
}
