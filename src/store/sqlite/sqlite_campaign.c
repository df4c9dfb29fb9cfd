/*
 * sqlite_campaign.c - campaigns in the platform store (store_campaign.h):
 * the districts of the territory, campaigns and their states, who joined,
 * the releases kept for the register and the persons' budgets, gathered
 * in store_sqlite_campaign_ops (store_campaign.c calls them).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_campaign_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* ---- districts ---------------------------------------------------------------- */

static enum cmn_rc sq_store_districts_replace(struct store *s, const struct store_district *d,
					      size_t n)
{
	static const char q_add[] = "INSERT INTO districts(code, name) VALUES (?, ?)";
	struct conn *c = store_platform_conn(s);
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	rc = conn_exec(c, "DELETE FROM districts");
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		sqlite3_stmt *st = conn_stmt(c, q_add);

		if (!st) {
			rc = CMN_ERR_STORE;
			break;
		}
		sqlite3_bind_text(st, 1, d[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d[i].name, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
		if (rc == CMN_ERR_EXISTS)
			rc = CMN_ERR_INVALID; /* a code twice */
	}
	return conn_tx_end(c, rc);
}

static void read_district(sqlite3_stmt *st, void *elem)
{
	struct store_district *d = elem;

	conn_text_col(st, 0, d->code, sizeof(d->code));
	conn_text_col(st, 1, d->name, sizeof(d->name));
}

static enum cmn_rc sq_store_districts_list(struct store *s, struct store_district **out, size_t *n)
{
	static const char q[] = "SELECT code, name FROM districts ORDER BY code";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	*out = NULL;
	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	return conn_collect(c, st, sizeof(**out), read_district, (void **)out, n);
}

/* ---- campaigns ---------------------------------------------------------------- */

static enum cmn_rc dup_col(sqlite3_stmt *st, int col, char **out)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	*out = NULL;
	if (!t)
		return CMN_OK;
	return (*out = strdup(t)) ? CMN_OK : CMN_ERR_NOMEM;
}

#define ROW_COLS                                                                                   \
	"c.id, c.org_id, c.state, c.created, c.decided, c.decided_by, c.computed,"                 \
	" c.published, (SELECT count(*) FROM campaign_parts p WHERE p.campaign_id = c.id"          \
	" AND p.withdrawn = 0), c.spec"

/* read_row - the columns of ROW_COLS (then results and csv when full) */
static enum cmn_rc read_row(sqlite3_stmt *st, bool full, struct campaign_row *r)
{
	enum cmn_rc rc;

	memset(r, 0, sizeof(*r));
	conn_text_col(st, 0, r->id, sizeof(r->id));
	conn_text_col(st, 1, r->org_id, sizeof(r->org_id));
	r->state = (enum campaign_state)sqlite3_column_int(st, 2);
	r->created = sqlite3_column_int64(st, 3);
	r->decided = sqlite3_column_int64(st, 4);
	conn_text_col(st, 5, r->decided_by, sizeof(r->decided_by));
	r->computed = sqlite3_column_int64(st, 6);
	r->published = sqlite3_column_int64(st, 7);
	r->participants = sqlite3_column_int64(st, 8);
	rc = dup_col(st, 9, &r->spec);
	if (rc == CMN_OK && full)
		rc = dup_col(st, 10, &r->results);
	if (rc == CMN_OK && full)
		rc = dup_col(st, 11, &r->csv);
	if (rc != CMN_OK)
		campaign_row_release(r);
	return rc;
}

static enum cmn_rc sq_store_campaign_add(struct store *s, const char *org_id, const char *spec,
					 int64_t now, struct campaign_row *r)
{
	static const char q[] = "INSERT INTO campaigns(id, org_id, state, spec, created)"
				" VALUES (?, ?, 0, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	memset(r, 0, sizeof(*r));
	crypt_id_new(r->id);
	str_copy(r->org_id, sizeof(r->org_id), org_id);
	r->state = CAMPAIGN_STATE_DRAFT;
	r->created = now;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = conn_step_done(c, st);
	/* the organisation does not exist */
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc sq_store_campaign_get(struct store *s, const char *id, bool full,
					 struct campaign_row *r)
{
	static const char q[] = "SELECT " ROW_COLS ", c.results, c.csv FROM campaigns c"
				" WHERE c.id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		rc = read_row(st, full, r);
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc
sq_store_campaign_each(struct store *s, const char *org_id,
		       enum cmn_rc (*fn)(const struct campaign_row *r, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " ROW_COLS " FROM campaigns c"
				" WHERE ?1 IS NULL OR c.org_id = ?1 ORDER BY c.created DESC, c.id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	if (org_id)
		sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct campaign_row r;

		if ((rc = read_row(st, false, &r)) != CMN_OK)
			break;
		rc = fn(&r, ctx);
		campaign_row_release(&r);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* set_state - runs the UPDATE q (?1 the id, then binds of the caller) and
 * turns "no row changed" into CMN_ERR_CONFLICT or CMN_ERR_NOT_FOUND */
static enum cmn_rc state_changed(struct conn *c, const char *id)
{
	static const char q[] = "SELECT 1 FROM campaigns WHERE id = ?";
	sqlite3_stmt *st;
	int sr;

	if (sqlite3_changes(c->db) > 0)
		return CMN_OK;
	if (!(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	return sr == SQLITE_ROW ? CMN_ERR_CONFLICT : CMN_ERR_NOT_FOUND;
}

static enum cmn_rc sq_store_campaign_decide(struct store *s, const char *id, bool approve,
					    const char *by, int64_t now)
{
	static const char q[] = "UPDATE campaigns SET state = ?2, decided = ?3, decided_by = ?4"
				" WHERE id = ?1 AND state = 0";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, approve ? CAMPAIGN_STATE_APPROVED : CAMPAIGN_STATE_REJECTED);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	rc = conn_step_done(c, st);
	return rc == CMN_OK ? state_changed(c, id) : rc;
}

static enum cmn_rc sq_store_campaign_publish(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE campaigns SET state = 3, published = ?2"
				" WHERE id = ?1 AND state = 2";
	static const char q_tell[] = "UPDATE campaign_parts SET told = 0"
				     " WHERE campaign_id = ? AND counted = 1";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(c, q)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		rc = conn_step_done(c, st);
	}
	if (rc == CMN_OK)
		rc = state_changed(c, id);
	if (rc == CMN_OK && !(st = conn_stmt(c, q_tell)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	return conn_tx_end(c, rc);
}

/* ---- participations --------------------------------------------------------------- */

static int campaign_state_of(struct conn *c, const char *id)
{
	static const char q[] = "SELECT state FROM campaigns WHERE id = ?";
	sqlite3_stmt *st = conn_stmt(c, q);
	int state = -1;

	if (!st)
		return -2;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (conn_step_row(c, st)) {
	case CMN_OK:
		state = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		break;
	case CMN_ERR_NOT_FOUND: break;
	default: state = -2;
	}
	return state;
}

static enum cmn_rc sq_store_campaign_join(struct store *s, const char *campaign_id,
					  const char *person_id, const char *grant_id, int64_t now)
{
	static const char q[] =
	    "INSERT INTO campaign_parts(campaign_id, person_id, grant_id, joined) VALUES (?1, ?2, "
	    "?3, ?4)"
	    " ON CONFLICT (campaign_id, person_id) DO UPDATE SET grant_id = ?3, joined = ?4,"
	    " withdrawn = 0 WHERE withdrawn <> 0";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int state;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	state = campaign_state_of(c, campaign_id);
	if (state == -2)
		rc = CMN_ERR_STORE;
	else if (state < 0)
		rc = CMN_ERR_NOT_FOUND;
	else if (state != CAMPAIGN_STATE_APPROVED)
		rc = CMN_ERR_CONFLICT;
	else if (!(st = conn_stmt(c, q)))
		rc = CMN_ERR_STORE;
	else {
		sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, grant_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = conn_step_done(c, st);
		if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
			rc = CMN_ERR_CONFLICT; /* already in */
	}
	return conn_tx_end(c, rc);
}

static enum cmn_rc sq_store_campaign_withdraw(struct store *s, const char *campaign_id,
					      const char *person_id, int64_t now,
					      char grant_id[CRYPT_ID_LEN])
{
	static const char q_get[] = "SELECT grant_id FROM campaign_parts"
				    " WHERE campaign_id = ? AND person_id = ? AND withdrawn = 0";
	static const char q_set[] = "UPDATE campaign_parts SET withdrawn = ?3"
				    " WHERE campaign_id = ?1 AND person_id = ?2";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	char gid[CRYPT_ID_LEN] = "";
	enum cmn_rc rc;
	int state, sr;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	state = campaign_state_of(c, campaign_id);
	if (state == -2)
		rc = CMN_ERR_STORE;
	else if (state < 0)
		rc = CMN_ERR_NOT_FOUND;
	else if (!(st = conn_stmt(c, q_get)))
		rc = CMN_ERR_STORE;
	else {
		sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
		if (sr == SQLITE_ROW)
			conn_text_col(st, 0, gid, sizeof(gid));
		else
			rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
		sqlite3_reset(st);
		/* the computation has run: the contribution is in the release */
		if (rc == CMN_OK && state != CAMPAIGN_STATE_APPROVED &&
		    state != CAMPAIGN_STATE_DRAFT)
			rc = CMN_ERR_CONFLICT;
	}
	if (rc == CMN_OK) {
		if (!(st = conn_stmt(c, q_set)))
			rc = CMN_ERR_STORE;
		else {
			sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			rc = conn_step_done(c, st);
		}
	}
	rc = conn_tx_end(c, rc);
	if (rc == CMN_OK && grant_id)
		memcpy(grant_id, gid, CRYPT_ID_LEN);
	return rc;
}

static void read_part(sqlite3_stmt *st, void *elem)
{
	struct campaign_part *p = elem;

	conn_text_col(st, 0, p->campaign_id, sizeof(p->campaign_id));
	conn_text_col(st, 1, p->person_id, sizeof(p->person_id));
	conn_text_col(st, 2, p->grant_id, sizeof(p->grant_id));
	p->joined = sqlite3_column_int64(st, 3);
	p->withdrawn = sqlite3_column_int64(st, 4);
	p->counted = sqlite3_column_int(st, 5) != 0;
}

#define PART_COLS "campaign_id, person_id, grant_id, joined, withdrawn, counted"

static enum cmn_rc sq_store_campaign_part_get(struct store *s, const char *campaign_id,
					      const char *person_id, struct campaign_part *p)
{
	static const char q[] = "SELECT " PART_COLS " FROM campaign_parts"
				" WHERE campaign_id = ? AND person_id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		read_part(st, p);
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_campaign_parts(struct store *s, const char *campaign_id,
					   const char *after, struct campaign_part *out,
					   size_t max, size_t *n)
{
	static const char q[] = "SELECT " PART_COLS " FROM campaign_parts"
				" WHERE campaign_id = ? AND person_id > ? AND withdrawn = 0"
				" ORDER BY person_id LIMIT ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while (*n < max && (sr = sqlite3_step(st)) == SQLITE_ROW)
		read_part(st, &out[(*n)++]);
	if (*n < max && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_campaign_untold(struct store *s, const char *campaign_id,
					    struct campaign_part **out, size_t *n)
{
	static const char q_one[] = "SELECT " PART_COLS " FROM campaign_parts"
				    " WHERE told = 0 AND campaign_id = ? ORDER BY person_id";
	static const char q_all[] = "SELECT " PART_COLS " FROM campaign_parts"
				    " WHERE told = 0 ORDER BY campaign_id, person_id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, campaign_id ? q_one : q_all) : NULL;

	*out = NULL;
	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	if (campaign_id)
		sqlite3_bind_text(st, 1, campaign_id, -1, SQLITE_STATIC);
	return conn_collect(c, st, sizeof(**out), read_part, (void **)out, n);
}

static enum cmn_rc sq_store_campaign_told(struct store *s, const char *campaign_id,
					  const char *person_id)
{
	static const char q[] = "UPDATE campaign_parts SET told = 1"
				" WHERE campaign_id = ? AND person_id = ?";

	return conn_run(store_platform_conn(s), q, campaign_id, person_id, false);
}

static enum cmn_rc
sq_store_campaign_parts_of(struct store *s, const char *person_id,
			   enum cmn_rc (*fn)(const struct campaign_part *p, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " PART_COLS " FROM campaign_parts"
				" WHERE person_id = ? ORDER BY joined DESC";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct campaign_part p;

		read_part(st, &p);
		rc = fn(&p, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* ---- budgets and releases --------------------------------------------------------- */

static enum cmn_rc sq_store_budget_get(struct store *s, const char *person_id,
				       struct dp_cost *spent)
{
	static const char q[] = "SELECT eps_micro, delta_pico FROM budgets WHERE person_id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	memset(spent, 0, sizeof(*spent));
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		spent->eps_micro = (uint64_t)sqlite3_column_int64(st, 0);
		spent->delta_pico = (uint64_t)sqlite3_column_int64(st, 1);
	} else if (sr != SQLITE_DONE) {
		rc = conn_err(c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_releases_each(
    struct store *s, enum cmn_rc (*fn)(const struct campaign_release_row *r, void *ctx), void *ctx)
{
	static const char q[] = "SELECT campaign_id, count, digest, ids, cells, k FROM releases"
				" ORDER BY at, campaign_id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct campaign_release_row r = {0};
		size_t nd = (size_t)sqlite3_column_bytes(st, 2);
		size_t ni = (size_t)sqlite3_column_bytes(st, 3);
		size_t nc = (size_t)sqlite3_column_bytes(st, 4);
		const uint8_t *cb = sqlite3_column_blob(st, 4);
		uint64_t *cells;

		conn_text_col(st, 0, r.campaign_id, sizeof(r.campaign_id));
		r.count = (uint64_t)sqlite3_column_int64(st, 1);
		r.k = (uint64_t)sqlite3_column_int64(st, 5);
		if (nd != DP_ID_LEN || ni % DP_ID_LEN || nc % 8) {
			rc = CMN_ERR_CORRUPT;
			break;
		}
		memcpy(r.digest, sqlite3_column_blob(st, 2), DP_ID_LEN);
		r.ids = ni ? (const uint8_t(*)[DP_ID_LEN])sqlite3_column_blob(st, 3) : NULL;
		if (ni && ni / DP_ID_LEN != r.count) {
			rc = CMN_ERR_CORRUPT;
			break;
		}
		if ((rc = campaign_cells_read(cb, nc, &cells)) != CMN_OK)
			break;
		r.cells = cells;
		r.ncells = nc / 8;
		rc = fn(&r, ctx);
		free(cells);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_store_campaign_computed(struct store *s,
					      const struct campaign_release_row *rel,
					      const char *results, const char *csv,
					      const char (*persons)[CRYPT_ID_LEN], size_t n,
					      const struct dp_cost *cost, int64_t now)
{
	static const char q_state[] = "UPDATE campaigns SET state = 2, computed = ?2, results = ?3,"
				      " csv = ?4 WHERE id = ?1 AND state = 1";
	static const char q_rel[] =
	    "INSERT INTO releases(campaign_id, at, count, digest, ids, cells,"
	    " k) VALUES (?, ?, ?, ?, ?, ?, ?)";
	static const char q_part[] = "UPDATE campaign_parts SET counted = 1"
				     " WHERE campaign_id = ? AND person_id = ? AND withdrawn = 0";
	static const char q_budget[] =
	    "INSERT INTO budgets(person_id, eps_micro, delta_pico) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (person_id) DO UPDATE SET eps_micro = eps_micro + ?2,"
	    " delta_pico = delta_pico + ?3";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	uint8_t *cb;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if (cost->eps_micro > INT64_MAX || cost->delta_pico > INT64_MAX)
		return CMN_ERR_INVALID;
	if (!(cb = campaign_cells_bytes(rel->cells, rel->ncells)))
		return CMN_ERR_NOMEM;
	if ((rc = conn_tx_begin(c)) != CMN_OK) {
		free(cb);
		return rc;
	}
	if (!(st = conn_stmt(c, q_state))) {
		rc = CMN_ERR_STORE;
	} else {
		sqlite3_bind_text(st, 1, rel->campaign_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, results, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, csv, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
		if (rc == CMN_OK)
			rc = state_changed(c, rel->campaign_id);
	}
	if (rc == CMN_OK) {
		if (!(st = conn_stmt(c, q_rel))) {
			rc = CMN_ERR_STORE;
		} else {
			sqlite3_bind_text(st, 1, rel->campaign_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_int64(st, 3, (int64_t)rel->count);
			sqlite3_bind_blob(st, 4, rel->digest, DP_ID_LEN, SQLITE_STATIC);
			sqlite3_bind_blob64(st, 5, rel->ids ? (const void *)rel->ids : "",
					    rel->ids ? rel->count * DP_ID_LEN : 0, SQLITE_STATIC);
			sqlite3_bind_blob64(st, 6, cb, rel->ncells * 8, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, (int64_t)rel->k);
			rc = conn_step_done(c, st);
		}
	}
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		if (!(st = conn_stmt(c, q_part))) {
			rc = CMN_ERR_STORE;
			break;
		}
		sqlite3_bind_text(st, 1, rel->campaign_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, persons[i], -1, SQLITE_STATIC);
		if ((rc = conn_step_done(c, st)) != CMN_OK)
			break;
		/* withdrawn while the contributions were read: nothing is kept */
		if (sqlite3_changes(c->db) == 0) {
			rc = CMN_ERR_CONFLICT;
			break;
		}
		if (!(st = conn_stmt(c, q_budget))) {
			rc = CMN_ERR_STORE;
			break;
		}
		sqlite3_bind_text(st, 1, persons[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)cost->eps_micro);
		sqlite3_bind_int64(st, 3, (int64_t)cost->delta_pico);
		rc = conn_step_done(c, st);
	}
	rc = conn_tx_end(c, rc);
	free(cb);
	return rc;
}

const struct store_campaign_ops store_sqlite_campaign_ops = {
    .districts_replace = sq_store_districts_replace,
    .districts_list = sq_store_districts_list,
    .add = sq_store_campaign_add,
    .get = sq_store_campaign_get,
    .each = sq_store_campaign_each,
    .decide = sq_store_campaign_decide,
    .publish = sq_store_campaign_publish,
    .join = sq_store_campaign_join,
    .withdraw = sq_store_campaign_withdraw,
    .part_get = sq_store_campaign_part_get,
    .parts = sq_store_campaign_parts,
    .untold = sq_store_campaign_untold,
    .told = sq_store_campaign_told,
    .parts_of = sq_store_campaign_parts_of,
    .budget_get = sq_store_budget_get,
    .releases_each = sq_store_releases_each,
    .computed = sq_store_campaign_computed,
};
