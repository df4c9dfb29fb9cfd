/*
 * store_campaign_int.h - the functions of store_campaign.h a backend
 * provides (docs/postgres.md, "Porting a module"), and the layout of a
 * release's cells both backends keep. Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_CAMPAIGN_INT_H
#define COMMUNE_STORE_STORE_CAMPAIGN_INT_H

#include "store/store_campaign.h"
#include "store/store_int.h"

/* each member has the meaning of store_<name> (store_campaign_<name> for
 * the campaign ones); districts_replace is given districts already
 * checked by store_districts_replace (at most STORE_DISTRICTS_MAX, valid
 * codes) */
struct store_campaign_ops {
	enum cmn_rc (*districts_replace)(struct store *s, const struct store_district *d, size_t n);
	enum cmn_rc (*districts_list)(struct store *s, struct store_district **out, size_t *n);
	enum cmn_rc (*add)(struct store *s, const char *org_id, const char *spec, int64_t now,
			   struct campaign_row *r);
	enum cmn_rc (*get)(struct store *s, const char *id, bool full, struct campaign_row *r);
	enum cmn_rc (*each)(struct store *s, const char *org_id,
			    enum cmn_rc (*fn)(const struct campaign_row *r, void *ctx), void *ctx);
	enum cmn_rc (*decide)(struct store *s, const char *id, bool approve, const char *by,
			      int64_t now);
	enum cmn_rc (*publish)(struct store *s, const char *id, int64_t now);
	enum cmn_rc (*join)(struct store *s, const char *campaign_id, const char *person_id,
			    const char *grant_id, int64_t now);
	enum cmn_rc (*withdraw)(struct store *s, const char *campaign_id, const char *person_id,
				int64_t now, char grant_id[CRYPT_ID_LEN]);
	enum cmn_rc (*part_get)(struct store *s, const char *campaign_id, const char *person_id,
				struct campaign_part *p);
	enum cmn_rc (*parts)(struct store *s, const char *campaign_id, const char *after,
			     struct campaign_part *out, size_t max, size_t *n);
	enum cmn_rc (*untold)(struct store *s, const char *campaign_id, struct campaign_part **out,
			      size_t *n);
	enum cmn_rc (*told)(struct store *s, const char *campaign_id, const char *person_id);
	enum cmn_rc (*parts_of)(struct store *s, const char *person_id,
				enum cmn_rc (*fn)(const struct campaign_part *p, void *ctx),
				void *ctx);
	enum cmn_rc (*budget_get)(struct store *s, const char *person_id, struct dp_cost *spent);
	enum cmn_rc (*releases_each)(struct store *s,
				     enum cmn_rc (*fn)(const struct campaign_release_row *r,
						       void *ctx),
				     void *ctx);
	enum cmn_rc (*computed)(struct store *s, const struct campaign_release_row *rel,
				const char *results, const char *csv,
				const char (*persons)[CRYPT_ID_LEN], size_t n,
				const struct dp_cost *cost, int64_t now);
};

extern const struct store_campaign_ops store_sqlite_campaign_ops;
extern const struct store_campaign_ops store_pg_campaign_ops;

/* campaign_cells_bytes - the n cells as a release keeps them, 8
 * little-endian bytes each (malloc'd, n * 8 bytes, at least 1 allocated);
 * NULL when out of memory */
uint8_t *campaign_cells_bytes(const uint64_t *cells, size_t n);

/* campaign_cells_read - the cells of nb bytes b in that layout into *out
 * (malloc'd, nb / 8 of them, at least 1 allocated); CMN_ERR_CORRUPT when
 * nb is not a multiple of 8 */
enum cmn_rc campaign_cells_read(const uint8_t *b, size_t nb, uint64_t **out);

#endif
