/*
 * pg_attest.c - attestations in PostgreSQL (store_attest.h), with the
 * meaning, order, result codes and audit entries of sqlite_attest.c,
 * gathered in store_pg_attest_ops (store_attest.c calls them). Its tables
 * are the "attest" schema, listed after the person's in pg_platform.c:
 * the attestations issued to a person, partitioned by person_id as every
 * table of person data (pg_person.c), and the platform's status list.
 *
 * A status index is the highest + 1, as the INTEGER PRIMARY KEY of
 * SQLite's platform file gives it: taken under a lock of the list
 * (advisory, space 7270528), so that two persons issued an attestation at
 * once get two indexes and the list has no holes a sequence would leave
 * at a rollback.
 */
#include "store/postgres/pg_int.h"
#include "store/store_attest_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

static const char *const attest_migrations[] = {
    /* 1: SQLite's person migration 9 (attestations) and its platform
     * migration 8 (status_entries: no reference to persons, kept when a
     * person goes, their attestations then revoked) */
    "CREATE TABLE attestations (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  rule text NOT NULL, version text NOT NULL, issued bigint NOT NULL,"
    "  expires bigint NOT NULL, status_idx bigint NOT NULL, token text NOT NULL,"
    "  revoked bigint, PRIMARY KEY (person_id, id)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('attestations');"
    "CREATE INDEX attestations_by_issued ON attestations(person_id, issued, id);"
    "CREATE TABLE status_entries (idx bigint PRIMARY KEY, person_id text COLLATE \"C\" NOT NULL,"
    "  attestation_id text NOT NULL UNIQUE, created bigint NOT NULL, revoked_at bigint);"
    "CREATE INDEX status_entries_by_person ON status_entries(person_id);",
};

/* pg_attest_schema - the attestations' tables, after the person's:
 * pg_platform.c migrates them at store_open */
const struct pg_schema pg_attest_schema = {
    "attest", attest_migrations, (int)(sizeof(attest_migrations) / sizeof(*attest_migrations))};

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

/* ---- the person's attestations ---------------------------------------------------- */

static enum cmn_rc pg_attestation_put(struct pstore *p, const struct attestation_row *a,
				      const char *actor)
{
	/* a second one of the same id is refused without failing the
	 * statement, which would abort a caller's transaction */
	static const char q[] =
	    "INSERT INTO attestations(person_id, id, rule, version, issued,"
	    " expires, status_idx, token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (person_id, id) DO NOTHING";
	struct pg_pstore *ps = pg_ps(p);
	char object[ATTEST_OBJECT_LEN], detail[ATTEST_DETAIL_LEN], issued[24], expires[24], idx[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id),
				 PG_TEXT(a->id),
				 PG_TEXT(a->rule),
				 PG_TEXT(a->version),
				 PG_TEXT(pg_num(issued, a->issued)),
				 PG_TEXT(pg_num(expires, a->expires)),
				 PG_TEXT(pg_num(idx, a->status_idx)),
				 PG_TEXT(a->token)};
	struct pg_conn *c;
	bool none;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = none_changed(c, q, 8, prm, &none);
	if (rc == CMN_OK && none)
		rc = CMN_ERR_EXISTS;
	attest_object(object, a->id);
	attest_issue_detail(detail, a);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "attestation.issue", object, detail);
	return pg_ptx_end(ps, rc);
}

#define ATTEST_COLS "id, rule, version, issued, expires, status_idx, revoked, token"

static void row_of(const PGresult *r, int i, struct attestation_row *a)
{
	pg_text(r, i, 0, a->id, sizeof(a->id));
	pg_text(r, i, 1, a->rule, sizeof(a->rule));
	pg_text(r, i, 2, a->version, sizeof(a->version));
	a->issued = pg_i64(r, i, 3);
	a->expires = pg_i64(r, i, 4);
	a->status_idx = pg_i64(r, i, 5);
	a->revoked = pg_i64(r, i, 6);
	a->token = PQgetvalue(r, i, 7);
}

static enum cmn_rc pg_attestation_get(struct pstore *p, const char *id, struct attestation_row *a,
				      char **token)
{
	static const char q[] = "SELECT " ATTEST_COLS " FROM attestations"
				" WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc = pg_pquery_one(ps, q, 2, prm, &r);

	if (rc != CMN_OK)
		return rc;
	row_of(r, 0, a);
	if (token && !(*token = strdup(a->token)))
		rc = CMN_ERR_NOMEM;
	a->token = NULL;
	PQclear(r);
	return rc;
}

static enum cmn_rc
pg_attestation_each(struct pstore *p, enum cmn_rc (*fn)(const struct attestation_row *a, void *ctx),
		    void *ctx)
{
	static const char q[] = "SELECT " ATTEST_COLS " FROM attestations WHERE person_id = $1"
				" ORDER BY issued DESC, id";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id)};
	PGresult *r;
	enum cmn_rc rc = pg_pquery(ps, q, 1, prm, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct attestation_row a;

		row_of(r, i, &a);
		rc = fn(&a, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_attestation_revoke(struct pstore *p, const char *id, const char *actor)
{
	static const char q[] = "UPDATE attestations SET revoked = $3 WHERE person_id = $1"
				" AND id = $2 AND revoked IS NULL";
	struct pg_pstore *ps = pg_ps(p);
	char object[ATTEST_OBJECT_LEN], now[24];
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id),
				 PG_TEXT(pg_num(now, time_now_ms()))};
	struct pg_conn *c;
	bool none;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = none_changed(c, q, 3, prm, &none);
	if (rc == CMN_OK && none)
		rc = CMN_ERR_CONFLICT;
	attest_object(object, id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "attestation.revoke", object, "");
	return pg_ptx_end(ps, rc);
}

/* ---- the status list -------------------------------------------------------------- */

static enum cmn_rc pg_status_alloc(struct store *s, const char *person_id,
				   const char *attestation_id, int64_t *idx)
{
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270528, 0)";
	/* an attestation already listed is refused without failing the
	 * statement (CMN_ERR_EXISTS, SQLite's unique constraint) */
	static const char q[] =
	    "INSERT INTO status_entries(idx, person_id, attestation_id, created)"
	    " SELECT coalesce(max(idx), 0) + 1, $1, $2, $3::bigint"
	    " FROM status_entries ON CONFLICT (attestation_id) DO NOTHING"
	    " RETURNING idx";
	char now[24];
	struct pg_param prm[] = {PG_TEXT(person_id), PG_TEXT(attestation_id),
				 PG_TEXT(pg_num(now, time_now_ms()))};
	struct pg_conn *c = pg_conn_of(s);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_run(c, q_lock, 0, NULL, NULL);
	if (rc == CMN_OK)
		rc = pg_one(c, q, 3, prm, &r);
	if (rc == CMN_OK) {
		*idx = pg_i64(r, 0, 0);
		PQclear(r);
	} else if (rc == CMN_ERR_NOT_FOUND) {
		rc = CMN_ERR_EXISTS;
	}
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_status_revoke(struct store *s, int64_t idx)
{
	static const char q[] = "UPDATE status_entries SET revoked_at = $1 WHERE idx = $2"
				" AND revoked_at IS NULL";
	char now[24], n[24];
	struct pg_param prm[] = {PG_TEXT(pg_num(now, time_now_ms())), PG_TEXT(pg_num(n, idx))};

	return pg_do(s, q, 2, prm, false);
}

static enum cmn_rc pg_status_revoke_person(struct store *s, const char *person_id)
{
	static const char q[] = "UPDATE status_entries SET revoked_at = $2"
				" WHERE person_id = $1 AND revoked_at IS NULL";
	char now[24];
	struct pg_param prm[] = {PG_TEXT(person_id), PG_TEXT(pg_num(now, time_now_ms()))};

	return pg_do(s, q, 2, prm, false);
}

static enum cmn_rc pg_status_bits(struct store *s, size_t min, unsigned char **out, size_t *n)
{
	static const char q_max[] = "SELECT coalesce(max(idx), 0) FROM status_entries";
	static const char q_rev[] = "SELECT idx FROM status_entries WHERE revoked_at IS NOT NULL";
	unsigned char *v;
	size_t len;
	int64_t max;
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q_max, 0, NULL, &r)) != CMN_OK)
		return rc;
	max = pg_i64(r, 0, 0);
	PQclear(r);
	len = (size_t)max + 1 > min ? (size_t)max + 1 : min;
	if (!(v = calloc(len, 1)))
		return CMN_ERR_NOMEM;
	if ((rc = pg_query(s, q_rev, 0, NULL, &r)) != CMN_OK) {
		free(v);
		return rc;
	}
	/* an index allocated since the maximum was read lies beyond: left out */
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t idx = pg_i64(r, i, 0);

		if (idx >= 0 && (size_t)idx < len)
			v[idx] = 1;
	}
	PQclear(r);
	*out = v;
	*n = len;
	return CMN_OK;
}

const struct store_attest_ops store_pg_attest_ops = {
    .attestation_put = pg_attestation_put,
    .attestation_get = pg_attestation_get,
    .attestation_each = pg_attestation_each,
    .attestation_revoke = pg_attestation_revoke,
    .status_alloc = pg_status_alloc,
    .status_revoke = pg_status_revoke,
    .status_revoke_person = pg_status_revoke_person,
    .status_bits = pg_status_bits,
};
