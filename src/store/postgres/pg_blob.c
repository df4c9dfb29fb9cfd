/*
 * pg_blob.c - the encrypted blobs of a person's store on PostgreSQL
 * (store.h): where SQLite keeps the sealed bytes in a file and counts its
 * references in a row, here the row holds both (sealed as SQLite seals
 * them: blob_seal), so a transaction rolled back restores the bytes with
 * the count and pstore_blob_sweep has nothing left to remove. The meaning
 * and result codes are sqlite_blob.c's, gathered in store_pg_blob_ops
 * (store_blob.c calls them). Its table is the "blob" schema, after the
 * person's (pg_platform.c lists it), partitioned by person_id.
 */
#include "store/postgres/pg_int.h"
#include "store/store_blob_int.h"

#include "core/timeutil.h"

static const char *const blob_migrations[] = {
    /* 1: blobs (SQLite's person migration 2, the file's bytes in box);
     * sealed bytes do not compress: kept out of line as they are */
    "CREATE TABLE blobs (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  size bigint NOT NULL, refs bigint NOT NULL, created bigint NOT NULL,"
    "  box bytea NOT NULL, PRIMARY KEY (person_id, id)) PARTITION BY RANGE (person_id);"
    "ALTER TABLE blobs ALTER COLUMN box SET STORAGE EXTERNAL;"
    "SELECT commune_partition('blobs');",
};

const struct pg_schema pg_blob_schema = {"blob", blob_migrations,
					 (int)(sizeof(blob_migrations) / sizeof(*blob_migrations))};

/* blob_new - a blob of n bytes, sealed, with its first reference */
static enum cmn_rc blob_new(struct pg_pstore *ps, struct pg_conn *c, const char *id,
			    const void *data, size_t n)
{
	static const char q[] = "INSERT INTO blobs(person_id, id, size, refs, created, box)"
				" VALUES ($1, $2, $3, 1, $4, $5)";
	char nsize[24], now[24];
	struct buf sealed;
	enum cmn_rc rc;

	buf_init(&sealed, n + 64);
	rc = blob_seal(ps->s->keys, ps->person_id, id, data, n, &sealed);
	if (rc == CMN_OK && sealed.len > INT32_MAX)
		rc = CMN_ERR_TOO_LARGE; /* a bytea parameter's length is an int */
	if (rc == CMN_OK) {
		struct pg_param prm[] = {
		    PG_TEXT(ps->person_id), PG_TEXT(id), PG_TEXT(pg_num(nsize, (int64_t)n)),
		    PG_TEXT(pg_num(now, time_now_ms())), PG_BYTES(sealed.data, sealed.len)};

		rc = pg_change(c, q, 5, prm, false);
	}
	buf_release(&sealed);
	return rc;
}

static enum cmn_rc pg_blob_put(struct pstore *p, const void *data, size_t n, char id[BLOB_ID_LEN])
{
	static const char q_ref[] = "UPDATE blobs SET refs = refs + 1"
				    " WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	struct pg_conn *c;
	enum cmn_rc rc;

	/* under the person's lock: no other put of the same bytes between
	 * the count and the insert */
	if ((rc = crypt_sha256_hex(data, n, id)) != CMN_OK || (rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q_ref, 2, prm, true);
	if (rc == CMN_ERR_NOT_FOUND)
		rc = blob_new(ps, c, id, data, n);
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_blob_get(struct pstore *p, const char *id, struct buf *out)
{
	static const char q[] = "SELECT box FROM blobs WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	struct pg_conn *c;
	PGresult *r;
	enum cmn_rc rc;

	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	if (!(c = pg_pconn(ps)))
		return CMN_ERR_STORE;
	if ((rc = pg_run_binary(c, q, 2, prm, &r)) != CMN_OK)
		return rc;
	if (PQntuples(r) == 0)
		rc = CMN_ERR_NOT_FOUND;
	else
		rc = blob_open(ps->s->keys, ps->person_id, id, PQgetvalue(r, 0, 0),
			       (size_t)PQgetlength(r, 0, 0), out);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_blob_release(struct pstore *p, const char *id)
{
	static const char q_dec[] = "UPDATE blobs SET refs = refs - 1"
				    " WHERE person_id = $1 AND id = $2 RETURNING refs";
	static const char q_del[] = "DELETE FROM blobs WHERE person_id = $1 AND id = $2";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(id)};
	struct pg_conn *c;
	PGresult *r;
	enum cmn_rc rc;

	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	/* the bytes go with the last reference's row: inside a caller's
	 * transaction, its rollback brings both back */
	if ((rc = pg_one(c, q_dec, 2, prm, &r)) == CMN_OK) {
		if (pg_i64(r, 0, 0) <= 0)
			rc = pg_change(c, q_del, 2, prm, false);
		PQclear(r);
	}
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_blob_sweep(struct pstore *p, const char *id)
{
	/* the bytes are the row's: no row, no bytes left to remove */
	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	return pg_pconn(pg_ps(p)) ? CMN_OK : CMN_ERR_STORE;
}

const struct store_blob_ops store_pg_blob_ops = {
    .put = pg_blob_put,
    .get = pg_blob_get,
    .release = pg_blob_release,
    .sweep = pg_blob_sweep,
};
