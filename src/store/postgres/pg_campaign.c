/*
 * pg_campaign.c - campaigns in PostgreSQL (store_campaign.h): the
 * districts of the territory, campaigns and their states, who joined, the
 * releases kept for the register of differencing and the persons'
 * budgets, with the meaning, orders and result codes of sqlite_campaign.c,
 * gathered in store_pg_campaign_ops (store_campaign.c calls them). Its
 * tables are the "campaign" schema, after the accounts' (persons, orgs)
 * and the open data's (districts) ones (pg_platform.c lists it).
 *
 * Where SQLite's BEGIN IMMEDIATE lets one writer at a time, the campaign's
 * row is locked here: FOR SHARE by a join or a withdrawal, by the UPDATE
 * of its state for a computation or a publication, so that a person who
 * withdraws either does so before the computation (which then fails with
 * CMN_ERR_CONFLICT) or is refused after it. Nothing chooses by a failed
 * statement: PostgreSQL would abort the whole transaction.
 */
#include "store/postgres/pg_int.h"
#include "store/store_campaign_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

static const char *const campaign_migrations[] = {
    /* 1: the tables of SQLite's platform migrations 9, 11 and 16 with
     * their final columns (districts is the open data's); person_id has an
     * index wherever persons' erasure cascades */
    "CREATE TABLE campaigns ("
    "  id text PRIMARY KEY, org_id text NOT NULL REFERENCES orgs(id),"
    "  state int NOT NULL, spec text NOT NULL, created bigint NOT NULL,"
    "  decided bigint NOT NULL DEFAULT 0, decided_by text NOT NULL DEFAULT '',"
    "  computed bigint NOT NULL DEFAULT 0, published bigint NOT NULL DEFAULT 0,"
    "  results text, csv text);"
    "CREATE INDEX campaigns_by_org ON campaigns(org_id, created);"
    "CREATE INDEX campaigns_by_created ON campaigns(created);"
    "CREATE TABLE campaign_parts ("
    "  campaign_id text COLLATE \"C\" NOT NULL REFERENCES campaigns(id),"
    "  person_id text COLLATE \"C\" NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  grant_id text NOT NULL, joined bigint NOT NULL, withdrawn bigint NOT NULL DEFAULT 0,"
    "  counted int NOT NULL DEFAULT 0, told int NOT NULL DEFAULT 1,"
    "  PRIMARY KEY (campaign_id, person_id));"
    "CREATE INDEX campaign_parts_by_person ON campaign_parts(person_id);"
    "CREATE INDEX campaign_parts_untold ON campaign_parts(campaign_id) WHERE told = 0;"
    "CREATE TABLE releases ("
    "  campaign_id text PRIMARY KEY REFERENCES campaigns(id),"
    "  at bigint NOT NULL, count bigint NOT NULL, digest bytea NOT NULL,"
    "  ids bytea NOT NULL, cells bytea NOT NULL, k bigint NOT NULL DEFAULT 11);"
    "CREATE TABLE budgets ("
    "  person_id text PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,"
    "  eps_micro bigint NOT NULL, delta_pico bigint NOT NULL);",
};

/* pg_campaign_schema - the campaigns' tables, after the accounts' and the
 * open data's: pg_platform.c migrates them at store_open */
const struct pg_schema pg_campaign_schema = {
    "campaign", campaign_migrations,
    (int)(sizeof(campaign_migrations) / sizeof(*campaign_migrations))};

/* none_changed - runs a change on c; *none tells whether it changed no row */
static enum cmn_rc none_changed(struct pg_conn *c, const char *sql, int n, const struct pg_param *p,
				bool *none)
{
	PGresult *r;
	enum cmn_rc rc = pg_run(c, sql, n, p, &r);

	*none = true;
	if (rc != CMN_OK)
		return rc;
	*none = strcmp(PQcmdTuples(r), "0") == 0;
	PQclear(r);
	return CMN_OK;
}

/* ---- districts ---------------------------------------------------------------- */

static enum cmn_rc pg_districts_replace(struct store *s, const struct store_district *d, size_t n)
{
	/* one replacement at a time, readers let through: the second one
	 * deletes what the first one wrote */
	static const char q_lock[] = "LOCK TABLE districts IN SHARE ROW EXCLUSIVE MODE";
	static const char q_none[] = "DELETE FROM districts";
	static const char q_add[] = "INSERT INTO districts(code, name) VALUES ($1, $2)"
				    " ON CONFLICT (code) DO NOTHING";
	struct pg_conn *c = pg_conn_of(s);
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_run(c, q_lock, 0, NULL, NULL);
	if (rc == CMN_OK)
		rc = pg_change(c, q_none, 0, NULL, false);
	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		struct pg_param p[] = {PG_TEXT(d[i].code), PG_TEXT(d[i].name)};
		bool none;

		rc = none_changed(c, q_add, 2, p, &none);
		if (rc == CMN_OK && none)
			rc = CMN_ERR_INVALID; /* a code twice */
	}
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_districts_list(struct store *s, struct store_district **out, size_t *n)
{
	static const char q[] = "SELECT code, name FROM districts ORDER BY code COLLATE \"C\"";
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 0, NULL, &r);
	int rows;

	*out = NULL;
	*n = 0;
	if (rc != CMN_OK)
		return rc;
	if ((rows = PQntuples(r)) > 0) {
		if (!(*out = calloc((size_t)rows, sizeof(**out)))) {
			PQclear(r);
			return CMN_ERR_NOMEM;
		}
		for (int i = 0; i < rows; i++) {
			pg_text(r, i, 0, (*out)[i].code, sizeof((*out)[i].code));
			pg_text(r, i, 1, (*out)[i].name, sizeof((*out)[i].name));
		}
		*n = (size_t)rows;
	}
	PQclear(r);
	return CMN_OK;
}

/* ---- campaigns ---------------------------------------------------------------- */

/* dup_col - a copy of a column's text into *out (NULL for SQL NULL) */
static enum cmn_rc dup_col(const PGresult *r, int row, int col, char **out)
{
	*out = NULL;
	if (PQgetisnull(r, row, col))
		return CMN_OK;
	return (*out = strdup(PQgetvalue(r, row, col))) ? CMN_OK : CMN_ERR_NOMEM;
}

#define ROW_COLS                                                                                   \
	"c.id, c.org_id, c.state, c.created, c.decided, c.decided_by, c.computed,"                 \
	" c.published, (SELECT count(*) FROM campaign_parts p WHERE p.campaign_id = c.id"          \
	" AND p.withdrawn = 0), c.spec"

/* read_row - the columns of ROW_COLS (then results and csv when full) */
static enum cmn_rc read_row(const PGresult *res, int row, bool full, struct campaign_row *r)
{
	enum cmn_rc rc;

	memset(r, 0, sizeof(*r));
	pg_text(res, row, 0, r->id, sizeof(r->id));
	pg_text(res, row, 1, r->org_id, sizeof(r->org_id));
	r->state = (enum campaign_state)pg_i64(res, row, 2);
	r->created = pg_i64(res, row, 3);
	r->decided = pg_i64(res, row, 4);
	pg_text(res, row, 5, r->decided_by, sizeof(r->decided_by));
	r->computed = pg_i64(res, row, 6);
	r->published = pg_i64(res, row, 7);
	r->participants = pg_i64(res, row, 8);
	rc = dup_col(res, row, 9, &r->spec);
	if (rc == CMN_OK && full)
		rc = dup_col(res, row, 10, &r->results);
	if (rc == CMN_OK && full)
		rc = dup_col(res, row, 11, &r->csv);
	if (rc != CMN_OK)
		campaign_row_release(r);
	return rc;
}

static enum cmn_rc pg_campaign_add(struct store *s, const char *org_id, const char *spec,
				   int64_t now, struct campaign_row *r)
{
	/* an organisation that is not there: no row, CMN_ERR_NOT_FOUND, the
	 * caller's transaction intact */
	static const char q[] = "INSERT INTO campaigns(id, org_id, state, spec, created)"
				" SELECT $1::text, $2::text, 0, $3::text, $4::bigint"
				" WHERE EXISTS (SELECT 1 FROM orgs WHERE id = $2::text)";
	struct pg_conn *c = pg_conn_of(s);
	char at[24];
	bool none;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	memset(r, 0, sizeof(*r));
	crypt_id_new(r->id);
	str_copy(r->org_id, sizeof(r->org_id), org_id);
	r->state = CAMPAIGN_STATE_DRAFT;
	r->created = now;
	{
		struct pg_param p[] = {PG_TEXT(r->id), PG_TEXT(org_id), PG_TEXT(spec),
				       PG_TEXT(pg_num(at, now))};

		rc = none_changed(c, q, 4, p, &none);
	}
	if (rc == CMN_OK && none)
		return CMN_ERR_NOT_FOUND;
	/* as SQLite, whose constraints all say EXISTS, turned into NOT_FOUND */
	return rc == CMN_ERR_EXISTS ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc pg_campaign_get(struct store *s, const char *id, bool full,
				   struct campaign_row *r)
{
	static const char q[] = "SELECT " ROW_COLS ", c.results, c.csv FROM campaigns c"
				" WHERE c.id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *res;
	enum cmn_rc rc = pg_query_one(s, q, 1, p, &res);

	if (rc != CMN_OK)
		return rc;
	rc = read_row(res, 0, full, r);
	PQclear(res);
	return rc;
}

static enum cmn_rc pg_campaign_each(struct store *s, const char *org_id,
				    enum cmn_rc (*fn)(const struct campaign_row *r, void *ctx),
				    void *ctx)
{
	static const char q[] = "SELECT " ROW_COLS " FROM campaigns c"
				" WHERE $1::text IS NULL OR c.org_id = $1::text"
				" ORDER BY c.created DESC, c.id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(org_id)};
	PGresult *res;
	enum cmn_rc rc = pg_query(s, q, 1, p, &res);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(res); i++) {
		struct campaign_row r;

		if ((rc = read_row(res, i, false, &r)) != CMN_OK)
			break;
		rc = fn(&r, ctx);
		campaign_row_release(&r);
	}
	PQclear(res);
	return rc;
}

/* state_changed - what an UPDATE of a campaign's state that gave rc
 * (pg_change's, CMN_ERR_NOT_FOUND when no row changed) means: the
 * campaign is in another state (CMN_ERR_CONFLICT) or not there */
static enum cmn_rc state_changed(struct pg_conn *c, const char *id, enum cmn_rc rc)
{
	static const char q[] = "SELECT 1 FROM campaigns WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;

	if (rc != CMN_ERR_NOT_FOUND)
		return rc;
	rc = pg_one(c, q, 1, p, &r);
	PQclear(r);
	return rc == CMN_OK ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_campaign_decide(struct store *s, const char *id, bool approve, const char *by,
				      int64_t now)
{
	static const char q[] = "UPDATE campaigns SET state = $2, decided = $3, decided_by = $4"
				" WHERE id = $1 AND state = 0";
	struct pg_conn *c = pg_conn_of(s);
	char state[24], at[24];
	struct pg_param p[] = {
	    PG_TEXT(id),
	    PG_TEXT(pg_num(state, approve ? CAMPAIGN_STATE_APPROVED : CAMPAIGN_STATE_REJECTED)),
	    PG_TEXT(pg_num(at, now)), PG_TEXT(by)};

	if (!c)
		return CMN_ERR_STORE;
	return state_changed(c, id, pg_change(c, q, 4, p, true));
}

static enum cmn_rc pg_campaign_publish(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE campaigns SET state = 3, published = $2"
				" WHERE id = $1 AND state = 2";
	static const char q_tell[] = "UPDATE campaign_parts SET told = 0"
				     " WHERE campaign_id = $1 AND counted = 1";
	struct pg_conn *c = pg_conn_of(s);
	char at[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(pg_num(at, now))};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = state_changed(c, id, pg_change(c, q, 2, p, true));
	if (rc == CMN_OK)
		rc = pg_change(c, q_tell, 1, p, false);
	return pg_tx_end(c, rc);
}

/* ---- participations --------------------------------------------------------------- */

/* campaign_state_of - the campaign's state, its row locked FOR SHARE until
 * the transaction ends (a computation waits for it); CMN_ERR_NOT_FOUND */
static enum cmn_rc campaign_state_of(struct pg_conn *c, const char *id, int *state)
{
	static const char q[] = "SELECT state FROM campaigns WHERE id = $1 FOR SHARE";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc = pg_one(c, q, 1, p, &r);

	*state = -1;
	if (rc != CMN_OK)
		return rc;
	*state = (int)pg_i64(r, 0, 0);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_campaign_join(struct store *s, const char *campaign_id, const char *person_id,
				    const char *grant_id, int64_t now)
{
	/* SQLite's foreign key says EXISTS for a person who is not there */
	static const char q_person[] = "SELECT 1 FROM persons WHERE id = $1 FOR KEY SHARE";
	/* in already: nothing changed, CMN_ERR_CONFLICT */
	static const char q[] =
	    "INSERT INTO campaign_parts(campaign_id, person_id, grant_id, joined)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id, person_id) DO UPDATE SET"
	    " grant_id = EXCLUDED.grant_id, joined = EXCLUDED.joined, withdrawn = 0"
	    " WHERE campaign_parts.withdrawn <> 0";
	struct pg_conn *c = pg_conn_of(s);
	char at[24];
	struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(person_id), PG_TEXT(grant_id),
			       PG_TEXT(pg_num(at, now))};
	PGresult *r = NULL;
	bool none = false;
	enum cmn_rc rc;
	int state;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = campaign_state_of(c, campaign_id, &state);
	if (rc == CMN_OK && state != CAMPAIGN_STATE_APPROVED)
		rc = CMN_ERR_CONFLICT;
	if (rc == CMN_OK) {
		rc = pg_one(c, q_person, 1, &p[1], &r);
		PQclear(r);
		if (rc == CMN_ERR_NOT_FOUND)
			rc = CMN_ERR_EXISTS;
	}
	if (rc == CMN_OK)
		rc = none_changed(c, q, 4, p, &none);
	if (rc == CMN_OK && none)
		rc = CMN_ERR_CONFLICT;
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_campaign_withdraw(struct store *s, const char *campaign_id,
					const char *person_id, int64_t now,
					char grant_id[CRYPT_ID_LEN])
{
	/* locked: two withdrawals at once, the second finds the person out */
	static const char q_get[] = "SELECT grant_id FROM campaign_parts"
				    " WHERE campaign_id = $1 AND person_id = $2 AND withdrawn = 0"
				    " FOR UPDATE";
	static const char q_set[] = "UPDATE campaign_parts SET withdrawn = $3"
				    " WHERE campaign_id = $1 AND person_id = $2";
	struct pg_conn *c = pg_conn_of(s);
	char at[24], gid[CRYPT_ID_LEN] = "";
	struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(person_id), PG_TEXT(pg_num(at, now))};
	PGresult *r;
	enum cmn_rc rc;
	int state;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = campaign_state_of(c, campaign_id, &state);
	if (rc == CMN_OK && (rc = pg_one(c, q_get, 2, p, &r)) == CMN_OK) {
		pg_text(r, 0, 0, gid, sizeof(gid));
		PQclear(r);
	}
	/* the computation has run: the contribution is in the release */
	if (rc == CMN_OK && state != CAMPAIGN_STATE_APPROVED && state != CAMPAIGN_STATE_DRAFT)
		rc = CMN_ERR_CONFLICT;
	if (rc == CMN_OK)
		rc = pg_change(c, q_set, 3, p, false);
	rc = pg_tx_end(c, rc);
	if (rc == CMN_OK && grant_id)
		memcpy(grant_id, gid, CRYPT_ID_LEN);
	return rc;
}

#define PART_COLS "campaign_id, person_id, grant_id, joined, withdrawn, counted"

static void read_part(const PGresult *r, int row, struct campaign_part *p)
{
	memset(p, 0, sizeof(*p));
	pg_text(r, row, 0, p->campaign_id, sizeof(p->campaign_id));
	pg_text(r, row, 1, p->person_id, sizeof(p->person_id));
	pg_text(r, row, 2, p->grant_id, sizeof(p->grant_id));
	p->joined = pg_i64(r, row, 3);
	p->withdrawn = pg_i64(r, row, 4);
	p->counted = pg_i64(r, row, 5) != 0;
}

/* collect_parts - the rows of the query q (parameters p) into *out
 * (malloc'd, NULL when none) and *n */
static enum cmn_rc collect_parts(struct store *s, const char *q, int np, const struct pg_param *p,
				 struct campaign_part **out, size_t *n)
{
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, np, p, &r);
	int rows;

	*out = NULL;
	*n = 0;
	if (rc != CMN_OK)
		return rc;
	if ((rows = PQntuples(r)) > 0) {
		if (!(*out = calloc((size_t)rows, sizeof(**out)))) {
			PQclear(r);
			return CMN_ERR_NOMEM;
		}
		for (int i = 0; i < rows; i++)
			read_part(r, i, &(*out)[i]);
		*n = (size_t)rows;
	}
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_campaign_part_get(struct store *s, const char *campaign_id,
					const char *person_id, struct campaign_part *part)
{
	static const char q[] = "SELECT " PART_COLS " FROM campaign_parts"
				" WHERE campaign_id = $1 AND person_id = $2";
	struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc = pg_query_one(s, q, 2, p, &r);

	if (rc != CMN_OK)
		return rc;
	read_part(r, 0, part);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_campaign_parts(struct store *s, const char *campaign_id, const char *after,
				     struct campaign_part *out, size_t max, size_t *n)
{
	/* a page from the primary key's index: its columns sort as "C" */
	static const char q[] = "SELECT " PART_COLS " FROM campaign_parts"
				" WHERE campaign_id = $1 AND person_id > $2 AND withdrawn = 0"
				" ORDER BY person_id LIMIT $3";
	char nb[24];
	struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(after),
			       PG_TEXT(pg_num(nb, max < INT32_MAX ? (int64_t)max : INT32_MAX))};
	PGresult *r;
	enum cmn_rc rc;
	int rows;

	if ((rc = pg_query(s, q, 3, p, &r)) != CMN_OK)
		return rc;
	rows = PQntuples(r);
	for (int i = 0; i < rows && *n < max; i++)
		read_part(r, i, &out[(*n)++]);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_campaign_untold(struct store *s, const char *campaign_id,
				      struct campaign_part **out, size_t *n)
{
	static const char q_one[] = "SELECT " PART_COLS " FROM campaign_parts"
				    " WHERE told = 0 AND campaign_id = $1"
				    " ORDER BY person_id COLLATE \"C\"";
	static const char q_all[] = "SELECT " PART_COLS " FROM campaign_parts WHERE told = 0"
				    " ORDER BY campaign_id COLLATE \"C\", person_id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(campaign_id)};

	return campaign_id ? collect_parts(s, q_one, 1, p, out, n)
			   : collect_parts(s, q_all, 0, NULL, out, n);
}

static enum cmn_rc pg_campaign_told(struct store *s, const char *campaign_id, const char *person_id)
{
	static const char q[] = "UPDATE campaign_parts SET told = 1"
				" WHERE campaign_id = $1 AND person_id = $2";
	struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(person_id)};

	return pg_do(s, q, 2, p, false);
}

static enum cmn_rc pg_campaign_parts_of(struct store *s, const char *person_id,
					enum cmn_rc (*fn)(const struct campaign_part *p, void *ctx),
					void *ctx)
{
	/* the campaign's id orders those joined in the same millisecond */
	static const char q[] =
	    "SELECT " PART_COLS " FROM campaign_parts"
	    " WHERE person_id = $1 ORDER BY joined DESC, campaign_id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc = pg_query(s, q, 1, p, &r);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct campaign_part part;

		read_part(r, i, &part);
		rc = fn(&part, ctx);
	}
	PQclear(r);
	return rc;
}

/* ---- budgets and releases --------------------------------------------------------- */

static enum cmn_rc pg_budget_get(struct store *s, const char *person_id, struct dp_cost *spent)
{
	static const char q[] = "SELECT eps_micro, delta_pico FROM budgets WHERE person_id = $1";
	struct pg_param p[] = {PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc;

	memset(spent, 0, sizeof(*spent));
	rc = pg_query_one(s, q, 1, p, &r);
	if (rc == CMN_ERR_NOT_FOUND)
		return CMN_OK; /* never took part */
	if (rc != CMN_OK)
		return rc;
	spent->eps_micro = (uint64_t)pg_i64(r, 0, 0);
	spent->delta_pico = (uint64_t)pg_i64(r, 0, 1);
	PQclear(r);
	return CMN_OK;
}

/* release_row - the release of row i (columns of store_releases_each's
 * query) given to fn; bytea columns come as text and are decoded here */
static enum cmn_rc release_row(const PGresult *res, int i,
			       enum cmn_rc (*fn)(const struct campaign_release_row *r, void *ctx),
			       void *ctx)
{
	struct campaign_release_row r = {0};
	unsigned char *digest = NULL, *ids = NULL, *cb = NULL;
	size_t nd = 0, ni = 0, nc = 0;
	uint64_t *cells = NULL;
	enum cmn_rc rc = CMN_OK;

	pg_text(res, i, 0, r.campaign_id, sizeof(r.campaign_id));
	r.count = (uint64_t)pg_i64(res, i, 1);
	r.k = (uint64_t)pg_i64(res, i, 5);
	digest = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 2), &nd);
	ids = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 3), &ni);
	cb = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 4), &nc);
	if (!digest || !ids || !cb)
		rc = CMN_ERR_NOMEM;
	else if (nd != DP_ID_LEN || ni % DP_ID_LEN || nc % 8)
		rc = CMN_ERR_CORRUPT;
	else if (ni && ni / DP_ID_LEN != r.count)
		rc = CMN_ERR_CORRUPT;
	if (rc == CMN_OK)
		rc = campaign_cells_read(cb, nc, &cells);
	if (rc == CMN_OK) {
		memcpy(r.digest, digest, DP_ID_LEN);
		r.ids = ni ? (const uint8_t(*)[DP_ID_LEN])ids : NULL;
		r.cells = cells;
		r.ncells = nc / 8;
		rc = fn(&r, ctx);
	}
	free(cells);
	if (digest)
		PQfreemem(digest);
	if (ids)
		PQfreemem(ids);
	if (cb)
		PQfreemem(cb);
	return rc;
}

static enum cmn_rc
pg_releases_each(struct store *s,
		 enum cmn_rc (*fn)(const struct campaign_release_row *r, void *ctx), void *ctx)
{
	static const char q[] = "SELECT campaign_id, count, digest, ids, cells, k FROM releases"
				" ORDER BY at, campaign_id COLLATE \"C\"";
	PGresult *res;
	enum cmn_rc rc = pg_query(s, q, 0, NULL, &res);

	if (rc != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(res); i++)
		rc = release_row(res, i, fn, ctx);
	PQclear(res);
	return rc;
}

/* keep_release - the release of the computation in progress on c */
static enum cmn_rc keep_release(struct pg_conn *c, const struct campaign_release_row *rel,
				const uint8_t *cb, int64_t now)
{
	/* only an APPROVED campaign gets here: a release of it cannot exist */
	static const char q_rel[] = "INSERT INTO releases(campaign_id, at, count, digest, ids,"
				    " cells, k) VALUES ($1, $2, $3, $4, $5, $6, $7)"
				    " ON CONFLICT (campaign_id) DO NOTHING";
	char at[24], count[24], k[24];
	struct pg_param p[] = {
	    PG_TEXT(rel->campaign_id),
	    PG_TEXT(pg_num(at, now)),
	    PG_TEXT(pg_num(count, (int64_t)rel->count)),
	    PG_BYTES(rel->digest, DP_ID_LEN),
	    PG_BYTES(rel->ids ? (const void *)rel->ids : "", rel->ids ? rel->count * DP_ID_LEN : 0),
	    PG_BYTES(cb, rel->ncells * 8),
	    PG_TEXT(pg_num(k, (int64_t)rel->k))};
	bool none;
	enum cmn_rc rc = none_changed(c, q_rel, 7, p, &none);

	return rc == CMN_OK && none ? CMN_ERR_EXISTS : rc;
}

/* persons marked counted and charged at once */
#define COUNT_BATCH 1000

/* count_persons - the n persons marked counted in the campaign and charged
 * cost, in one statement; CMN_ERR_CONFLICT when one of them withdrew
 * meanwhile (the caller's transaction keeps nothing) */
static enum cmn_rc count_persons(struct pg_conn *c, const char *campaign_id,
				 const char (*persons)[CRYPT_ID_LEN], size_t n, const char *eps,
				 const char *delta)
{
	static const char q[] =
	    "WITH counted AS (UPDATE campaign_parts SET counted = 1"
	    "  WHERE campaign_id = $1 AND person_id = ANY($2::text[]) AND withdrawn = 0"
	    "  RETURNING person_id)"
	    " INSERT INTO budgets(person_id, eps_micro, delta_pico)"
	    " SELECT person_id, $3, $4 FROM counted"
	    " ON CONFLICT (person_id) DO UPDATE SET"
	    " eps_micro = budgets.eps_micro + EXCLUDED.eps_micro,"
	    " delta_pico = budgets.delta_pico + EXCLUDED.delta_pico";
	struct buf ids;
	PGresult *r;
	enum cmn_rc rc = CMN_OK;

	buf_init(&ids, (size_t)64 << 20);
	for (size_t i = 0; rc == CMN_OK && i < n; i++)
		rc = pg_array_text(&ids, i == 0, persons[i]);
	if (rc == CMN_OK)
		rc = buf_puts(&ids, "}");
	if (rc == CMN_OK) {
		struct pg_param p[] = {PG_TEXT(campaign_id), PG_TEXT(ids.data), PG_TEXT(eps),
				       PG_TEXT(delta)};

		rc = pg_run(c, q, 4, p, &r);
		if (rc == CMN_OK) {
			/* each person once in a batch: the rows are the persons
			 * still in the campaign */
			if (strtoull(PQcmdTuples(r), NULL, 10) != n)
				rc = CMN_ERR_CONFLICT;
			PQclear(r);
		}
	}
	buf_release(&ids);
	return rc;
}

static enum cmn_rc pg_campaign_computed(struct store *s, const struct campaign_release_row *rel,
					const char *results, const char *csv,
					const char (*persons)[CRYPT_ID_LEN], size_t n,
					const struct dp_cost *cost, int64_t now)
{
	/* the campaign's row locked until the end: joins and withdrawals wait */
	static const char q_state[] = "UPDATE campaigns SET state = 2, computed = $2, results = $3,"
				      " csv = $4 WHERE id = $1 AND state = 1";
	struct pg_conn *c = pg_conn_of(s);
	char at[24], eps[24], delta[24];
	struct pg_param p[] = {PG_TEXT(rel->campaign_id), PG_TEXT(pg_num(at, now)),
			       PG_TEXT(results), PG_TEXT(csv)};
	uint8_t *cb;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if (cost->eps_micro > INT64_MAX || cost->delta_pico > INT64_MAX)
		return CMN_ERR_INVALID;
	/* a bytea parameter's length is an int */
	if ((rel->ids && rel->count > (uint64_t)INT_MAX / DP_ID_LEN) ||
	    rel->ncells > (size_t)INT_MAX / 8)
		return CMN_ERR_TOO_LARGE;
	pg_num(eps, (int64_t)cost->eps_micro);
	pg_num(delta, (int64_t)cost->delta_pico);
	if (!(cb = campaign_cells_bytes(rel->cells, rel->ncells)))
		return CMN_ERR_NOMEM;
	if ((rc = pg_tx_begin(c)) != CMN_OK) {
		free(cb);
		return rc;
	}
	rc = state_changed(c, rel->campaign_id, pg_change(c, q_state, 4, p, true));
	if (rc == CMN_OK)
		rc = keep_release(c, rel, cb, now);
	for (size_t i = 0; rc == CMN_OK && i < n; i += COUNT_BATCH)
		rc = count_persons(c, rel->campaign_id, persons + i,
				   n - i < COUNT_BATCH ? n - i : COUNT_BATCH, eps, delta);
	rc = pg_tx_end(c, rc);
	free(cb);
	return rc;
}

const struct store_campaign_ops store_pg_campaign_ops = {
    .districts_replace = pg_districts_replace,
    .districts_list = pg_districts_list,
    .add = pg_campaign_add,
    .get = pg_campaign_get,
    .each = pg_campaign_each,
    .decide = pg_campaign_decide,
    .publish = pg_campaign_publish,
    .join = pg_campaign_join,
    .withdraw = pg_campaign_withdraw,
    .part_get = pg_campaign_part_get,
    .parts = pg_campaign_parts,
    .untold = pg_campaign_untold,
    .told = pg_campaign_told,
    .parts_of = pg_campaign_parts_of,
    .budget_get = pg_budget_get,
    .releases_each = pg_releases_each,
    .computed = pg_campaign_computed,
};
