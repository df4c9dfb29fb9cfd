/*
 * pg_record.c - a person's records on PostgreSQL (store.h: pstore_record_*):
 * one table partitioned by person_id, the registry's field indexes made
 * once per database, and queries that answer as SQLite's json_extract
 * comparisons do (sqlite_person.c, "records").
 */
#include "store/postgres/pg_int.h"
#include "store/store_record_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"

/*
 * Why data is text and fields are compared through commune_field():
 *
 * - data is text, not jsonb: a record reads back byte for byte as it was
 *   written (jsonb would reorder keys, drop duplicates and respace), and
 *   a replace of the same bytes is seen as such.
 * - SQLite compares json_extract(data, '$.f') by its storage class: NULL
 *   (the field missing or JSON null) matches no comparison and sorts
 *   first, then numbers (integers, reals and booleans as 0/1, compared by
 *   value), then text compared byte by byte. jsonb orders its types
 *   otherwise (strings before numbers, booleans apart from numbers), so
 *   commune_field(data, 'f') gives a bytea that sorts as SQLite does: 0x01
 *   and the 8 bytes of the number as a double made to sort as unsigned
 *   bytes, or 0x02 and the text's UTF-8 bytes; NULL for a missing field or
 *   JSON null. A query's values are encoded alike (key_bytes), so every
 *   comparison, IN list, sort and cursor is one bytea comparison, and the
 *   field indexes are on that very expression.
 *
 * Where the backends differ (no service does these):
 * - numbers are compared as doubles: two integers beyond 2^53 that round
 *   to the same double are equal here, not in SQLite; a literal beyond the
 *   double's range sorts as an infinity, one below its smallest normal
 *   number as 0;
 * - an object or array field compares as its JSON text as written, where
 *   SQLite minifies it first; a duplicate key's last value counts here,
 *   its first in SQLite;
 * - a record whose data is not JSON fails a query on both, but on
 *   PostgreSQL its insert fails already when its doctype has a field
 *   index (the index computes the field).
 */
static const char *const record_migrations[] = {
    /* 1: records, their sort indexes, the field key function, the field
     * indexes made and the index list they were made for */
    "CREATE TABLE records (" PG_PERSON_ID_COL ", doctype text COLLATE \"C\" NOT NULL,"
    "  id uuid NOT NULL, rev bigint NOT NULL, t bigint, data text NOT NULL,"
    "  source text NOT NULL, import_id text NOT NULL DEFAULT '', created bigint NOT NULL,"
    "  updated bigint NOT NULL, dedupe text COLLATE \"C\","
    "  PRIMARY KEY (person_id, doctype, id)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('records');"
    "CREATE UNIQUE INDEX records_dedupe ON records (person_id, doctype, dedupe)"
    "  WHERE dedupe IS NOT NULL;"
    /* SQLite sorts NULL first: a missing t too */
    "CREATE INDEX records_by_t ON records (person_id, doctype, t NULLS FIRST, id);"
    "CREATE INDEX records_by_created ON records (person_id, doctype, created, id);"
    "CREATE INDEX records_by_updated ON records (person_id, doctype, updated, id);"
    "CREATE TABLE record_field_indexes (name text PRIMARY KEY, doctype text NOT NULL,"
    "  field text NOT NULL);"
    "CREATE TABLE record_index_sig (one boolean PRIMARY KEY CHECK (one), sig text NOT NULL);"
    /* a double's 8 bytes made to sort as unsigned bytes: the sign bit set
     * for a positive number, every bit flipped for a negative one; -0 is 0 */
    "CREATE FUNCTION commune_num_key(x float8) RETURNS bytea"
    "  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$"
    "  SELECT '\\x01'::bytea || decode(lpad(to_hex(CASE WHEN b >= 0"
    "   THEN b | (-9223372036854775807 - 1) ELSE ~b END), 16, '0'), 'hex')"
    "  FROM (SELECT ('x' || encode(float8send(x + 0.0::float8), 'hex'))::bit(64)::bigint"
    "   AS b) v $f$;"
    "CREATE FUNCTION commune_field(data text, field text) RETURNS bytea"
    "  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$"
    "  DECLARE v json := data::json -> field; n numeric;"
    "  BEGIN"
    "   CASE json_typeof(v)"
    "   WHEN 'string' THEN RETURN '\\x02'::bytea || convert_to(v #>> '{}', 'UTF8');"
    "   WHEN 'boolean' THEN RETURN commune_num_key(CASE WHEN v::text = 'true' THEN 1 ELSE 0 END);"
    "   WHEN 'number' THEN"
    "    n := v::text::numeric;"
    "    RETURN commune_num_key(CASE WHEN n > 1.7976931348623157e308 THEN 'Infinity'::float8"
    "     WHEN n < -1.7976931348623157e308 THEN '-Infinity'::float8"
    "     WHEN abs(n) < 2.2250738585072014e-308 THEN 0::float8 ELSE n::float8 END);"
    "   WHEN 'object', 'array' THEN RETURN '\\x02'::bytea || convert_to(v::text, 'UTF8');"
    "   ELSE RETURN NULL;"
    "   END CASE;"
    "  END $f$;",
};

const struct pg_schema pg_record_schema = {
    "record", record_migrations, (int)(sizeof(record_migrations) / sizeof(*record_migrations))};

#define DEDUPE_BYTES 16   /* of a dedupe key, as SQLite keeps it */
#define BATCH_ROWS   1000 /* rows of one INSERT of insert_many */
#define BATCH_BYTES  (8 << 20)
#define PARAMS_MAX   (2 + CMN_MAX_FILTERS * CMN_MAX_IN_VALUES + 8)

/* uuid_norm - a UUID's text as PostgreSQL writes it (lowercase); false
 * when id is not one */
static bool uuid_norm(const char *id, char out[CRYPT_UUID_LEN])
{
	unsigned char b[16];

	if (!crypt_uuid_parse(id, b))
		return false;
	crypt_uuid_format(b, out);
	return true;
}

/* dedupe_norm - a dedupe key as SQLite keeps it: its first DEDUPE_BYTES
 * in lowercase hex ("" for none); false when it is no hex */
static bool dedupe_norm(const char *key, char out[2 * DEDUPE_BYTES + 1])
{
	unsigned char b[DEDUPE_BYTES];

	out[0] = '\0';
	if (!key[0])
		return true;
	if (!str_unhex(b, key, sizeof(b)))
		return false;
	str_hex(out, b, sizeof(b));
	return true;
}

static void object_name(char *out, size_t n, const char *doctype, const char *id)
{
	snprintf(out, n, "%s/%s", doctype, id);
}

/* ---- field indexes ------------------------------------------------------------ */

/* field_expr - the SQL of a field's key, the same text in the indexes and
 * the queries (the planner matches them by it); field is a name */
static enum cmn_rc field_expr(struct buf *b, const char *field)
{
	if (!str_is_name(field, 64, false))
		return CMN_ERR_INVALID;
	return buf_printf(b, "commune_field(data, '%s')", field);
}

/* index_name - the name of the field index of (doctype, field): a hash,
 * for a doctype and a field together may be longer than PostgreSQL's 63
 * bytes of a name */
static void index_name(const char *doctype, const char *field, char out[20])
{
	unsigned char h[8];
	crypto_generichash_state hs;

	crypto_generichash_init(&hs, NULL, 0, sizeof(h));
	crypto_generichash_update(&hs, (const unsigned char *)doctype, strlen(doctype) + 1);
	crypto_generichash_update(&hs, (const unsigned char *)field, strlen(field));
	crypto_generichash_final(&hs, h, sizeof(h));
	out[0] = 'r';
	out[1] = 'f';
	out[2] = '_';
	str_hex(out + 3, h, sizeof(h)); /* 16 digits and the NUL */
}

/* index_list - the registry's list as "doctype field\n" lines and its
 * signature, unless this process knows the database has it already */
static bool index_list(struct store *s, struct buf *list, char sig[CRYPT_HASH_HEX_LEN])
{
	bool due;

	pthread_mutex_lock(&s->lock);
	due = s->nindexes > 0 && strcmp(s->pg->index_sig, s->index_sig) != 0;
	for (size_t i = 0; due && i < s->nindexes; i++)
		/* names were checked by the registry; one that is not a name
		 * gets no index (its queries scan) */
		if (str_is_name(s->indexes[i].doctype, CMN_DOCTYPE_NAME_MAX, true) &&
		    str_is_name(s->indexes[i].field, 64, false))
			buf_printf(list, "%s %s\n", s->indexes[i].doctype, s->indexes[i].field);
	str_copy(sig, CRYPT_HASH_HEX_LEN, s->index_sig);
	pthread_mutex_unlock(&s->lock);
	return due;
}

static bool listed(const char *list, const char *doctype, const char *field)
{
	char line[160];

	snprintf(line, sizeof(line), "%s %s\n", doctype, field);
	for (const char *p = strstr(list, line); p; p = strstr(p + 1, line))
		if (p == list || p[-1] == '\n')
			return true;
	return false;
}

/* stale_indexes - the DROP of every field index made for a list that no
 * longer names it (it would cost every write for nothing), into sql */
static enum cmn_rc stale_indexes(struct pg_conn *c, const char *list, struct buf *sql)
{
	static const char q[] = "SELECT name, doctype, field FROM record_field_indexes";
	static const char q_forget[] = "DELETE FROM record_field_indexes WHERE name = $1";
	PGresult *r;
	enum cmn_rc rc = pg_run(c, q, 0, NULL, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct pg_param p[] = {PG_TEXT(PQgetvalue(r, i, 0))};

		if (listed(list, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)))
			continue;
		rc = buf_printf(sql, "DROP INDEX IF EXISTS %s;", PQgetvalue(r, i, 0));
		if (rc == CMN_OK)
			rc = pg_run(c, q_forget, 1, p, NULL);
	}
	PQclear(r);
	return rc;
}

/* make_indexes - the field indexes of list (inside the caller's
 * transaction): partial, on the rows of their doctype, and ending with
 * the id for the order of a query */
static enum cmn_rc make_indexes(struct pg_conn *c, char *list, struct buf *sql)
{
	static const char q_add[] = "INSERT INTO record_field_indexes(name, doctype, field)"
				    " VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
	enum cmn_rc rc = CMN_OK;

	for (char *p = list, *nl; rc == CMN_OK && p && (nl = strchr(p, '\n')); p = nl + 1) {
		char *field = memchr(p, ' ', (size_t)(nl - p)), name[20];

		*field++ = '\0';
		*nl = '\0';
		index_name(p, field, name);
		rc = buf_printf(sql, "CREATE INDEX IF NOT EXISTS %s ON records (person_id, ", name);
		if (rc == CMN_OK)
			rc = field_expr(sql, field);
		if (rc == CMN_OK)
			rc = buf_printf(sql, " NULLS FIRST, id) WHERE doctype = '%s';", p);
		if (rc == CMN_OK) {
			struct pg_param prm[] = {PG_TEXT(name), PG_TEXT(p), PG_TEXT(field)};

			rc = pg_run(c, q_add, 3, prm, NULL);
		}
	}
	return rc;
}

/*
 * ensure_indexes - makes the registry's field indexes when the database
 * was last indexed for another list. They are on the parent table, for
 * every person at once: made once per database (under an advisory lock,
 * the list's signature kept in record_index_sig), not per person store
 * as SQLite does. Only outside a transaction: the caller's would hold
 * the DDL's locks until its end. A query works without its index.
 */
static enum cmn_rc ensure_indexes(struct store *s, struct pg_conn *c)
{
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270527, 0)";
	static const char q_sig[] = "SELECT sig FROM record_index_sig";
	static const char q_put[] = "INSERT INTO record_index_sig(one, sig) VALUES (true, $1)"
				    " ON CONFLICT (one) DO UPDATE SET sig = EXCLUDED.sig";
	char sig[CRYPT_HASH_HEX_LEN];
	struct buf list, sql;
	PGresult *r = NULL;
	enum cmn_rc rc = CMN_OK;

	if (c->tx_depth > 0 || c->reading)
		return CMN_OK;
	buf_init(&list, 1 << 20);
	buf_init(&sql, 1 << 22);
	if (!index_list(s, &list, sig))
		goto out;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		goto out;
	rc = pg_run(c, q_lock, 0, NULL, NULL);
	if (rc == CMN_OK)
		rc = pg_run(c, q_sig, 0, NULL, &r);
	if (rc == CMN_OK && !(PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), sig) == 0)) {
		struct pg_param p[] = {PG_TEXT(sig)};

		rc = stale_indexes(c, list.data ? list.data : "", &sql);
		if (rc == CMN_OK && list.data)
			rc = make_indexes(c, list.data, &sql);
		if (rc == CMN_OK && sql.len)
			rc = pg_exec(c, sql.data);
		if (rc == CMN_OK)
			rc = pg_run(c, q_put, 1, p, NULL);
	}
	PQclear(r);
	if ((rc = pg_tx_end(c, rc)) == CMN_OK) {
		pthread_mutex_lock(&s->lock);
		str_copy(s->pg->index_sig, sizeof(s->pg->index_sig), sig);
		pthread_mutex_unlock(&s->lock);
	}
out:
	buf_release(&list);
	buf_release(&sql);
	return rc;
}

/* conn_of - the thread's connection for ps's records, the field indexes
 * made first when due; NULL when there is none */
static struct pg_conn *conn_of(struct pg_pstore *ps)
{
	struct pg_conn *c = pg_pconn(ps);

	if (c && ensure_indexes(ps->s, c) != CMN_OK)
		return NULL;
	return c;
}

/* ---- writes ------------------------------------------------------------------- */

/* A batch of new rows, as the arrays of one INSERT: any number of rows in
 * one statement and one round trip. */
struct batch {
	struct buf ids, ts, data, sources, imports, dedupes;
	size_t n;
};

static void batch_init(struct batch *b)
{
	buf_init(&b->ids, (size_t)1 << 30);
	buf_init(&b->ts, (size_t)1 << 30);
	buf_init(&b->data, (size_t)1 << 30);
	buf_init(&b->sources, (size_t)1 << 30);
	buf_init(&b->imports, (size_t)1 << 30);
	buf_init(&b->dedupes, (size_t)1 << 30);
	b->n = 0;
}

static void batch_release(struct batch *b)
{
	buf_release(&b->ids);
	buf_release(&b->ts);
	buf_release(&b->data);
	buf_release(&b->sources);
	buf_release(&b->imports);
	buf_release(&b->dedupes);
}

static void batch_reset(struct batch *b)
{
	buf_reset(&b->ids);
	buf_reset(&b->ts);
	buf_reset(&b->data);
	buf_reset(&b->sources);
	buf_reset(&b->imports);
	buf_reset(&b->dedupes);
	b->n = 0;
}

/* batch_add - a new record's row; CMN_ERR_INVALID when its id or dedupe
 * key is none. Fills rev and the times with now. */
static enum cmn_rc batch_add(struct batch *b, struct record_meta *m, const char *data, int64_t now)
{
	char id[CRYPT_UUID_LEN], dedupe[2 * DEDUPE_BYTES + 1], t[24];
	bool first = b->n == 0;
	enum cmn_rc rc;

	if (!uuid_norm(m->id, id) || !dedupe_norm(m->dedupe, dedupe))
		return CMN_ERR_INVALID;
	m->rev = 1;
	m->created = m->updated = now;
	rc = pg_array_text(&b->ids, first, id);
	if (rc == CMN_OK)
		rc = pg_array_text(&b->ts, first, m->t == INT64_MIN ? NULL : pg_num(t, m->t));
	if (rc == CMN_OK)
		rc = pg_array_text(&b->data, first, data);
	if (rc == CMN_OK)
		rc = pg_array_text(&b->sources, first, m->source);
	if (rc == CMN_OK)
		rc = pg_array_text(&b->imports, first, m->import_id);
	if (rc == CMN_OK)
		rc = pg_array_text(&b->dedupes, first, dedupe[0] ? dedupe : NULL);
	b->n++;
	return rc;
}

/* batch_flush - inserts the batch's rows in their order (inside the
 * caller's transaction); a row whose dedupe key the doctype uses already,
 * in the store or earlier in the batch, is skipped. *added += the rows
 * stored. */
static enum cmn_rc batch_flush(struct pg_pstore *ps, struct pg_conn *c, const char *doctype,
			       int64_t now, struct batch *b, size_t *added)
{
	static const char q[] =
	    "INSERT INTO records(person_id, doctype, id, rev, t, data, source, import_id,"
	    " created, updated, dedupe)"
	    " SELECT $1, $2, u.id, 1, u.t, u.data, u.source, u.import_id, $3, $3, u.dedupe"
	    " FROM unnest($4::uuid[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[])"
	    "  WITH ORDINALITY AS u(id, t, data, source, import_id, dedupe, n) ORDER BY u.n"
	    /* a duplicate is an answer, not a failure that would abort the
	     * import's transaction around it */
	    " ON CONFLICT (person_id, doctype, dedupe) WHERE dedupe IS NOT NULL DO NOTHING";
	enum cmn_rc rc = CMN_OK;
	char nnow[24];
	PGresult *r;

	if (b->n == 0)
		return CMN_OK;
	if ((rc = buf_puts(&b->ids, "}")) == CMN_OK && (rc = buf_puts(&b->ts, "}")) == CMN_OK &&
	    (rc = buf_puts(&b->data, "}")) == CMN_OK &&
	    (rc = buf_puts(&b->sources, "}")) == CMN_OK &&
	    (rc = buf_puts(&b->imports, "}")) == CMN_OK)
		rc = buf_puts(&b->dedupes, "}");
	if (rc == CMN_OK) {
		struct pg_param p[] = {
		    PG_TEXT(ps->person_id),   PG_TEXT(doctype),         PG_TEXT(pg_num(nnow, now)),
		    PG_TEXT(b->ids.data),     PG_TEXT(b->ts.data),      PG_TEXT(b->data.data),
		    PG_TEXT(b->sources.data), PG_TEXT(b->imports.data), PG_TEXT(b->dedupes.data)};

		rc = pg_run(c, q, 9, p, &r);
		if (rc == CMN_OK) {
			*added += (size_t)strtoull(PQcmdTuples(r), NULL, 10);
			PQclear(r);
		}
	}
	batch_reset(b);
	return rc;
}

static enum cmn_rc pg_record_insert(struct pstore *p, struct record_meta *meta, const char *data,
				    const char *actor)
{
	struct pg_pstore *ps = pg_ps(p);
	char object[160];
	struct pg_conn *c = conn_of(ps);
	struct batch b;
	size_t added = 0;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	/* SQLite gives no number to a doctype longer than a name */
	if (strlen(meta->doctype) > CMN_DOCTYPE_NAME_MAX)
		return pg_ptx_end(ps, CMN_ERR_NOT_FOUND);
	batch_init(&b);
	rc = batch_add(&b, meta, data, time_now_ms());
	if (rc == CMN_OK)
		rc = batch_flush(ps, c, meta->doctype, meta->created, &b, &added);
	batch_release(&b);
	if (rc == CMN_OK && !added) {
		/* same dedupe key: nothing written, and the transaction
		 * around goes on */
		rc = pg_ptx_end(ps, CMN_OK);
		return rc == CMN_OK ? CMN_ERR_EXISTS : rc;
	}
	object_name(object, sizeof(object), meta->doctype, meta->id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "record.create", object, "");
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_record_insert_many(struct pstore *p, const char *doctype,
					 struct record_meta *m, const char *const *data, size_t n,
					 size_t *added)
{
	struct pg_pstore *ps = pg_ps(p);
	struct pg_conn *c = conn_of(ps);
	int64_t now = time_now_ms();
	struct batch b;
	enum cmn_rc rc, flushed;
	size_t i;

	*added = 0;
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	if (strlen(doctype) > CMN_DOCTYPE_NAME_MAX)
		return pg_ptx_end(ps, CMN_ERR_NOT_FOUND);
	batch_init(&b);
	for (i = 0; i < n && rc == CMN_OK; i++) {
		rc = strcmp(m[i].doctype, doctype) == 0 ? batch_add(&b, &m[i], data[i], now)
							: CMN_ERR_INVALID;
		if (rc == CMN_OK && (b.n == BATCH_ROWS || b.data.len >= BATCH_BYTES))
			rc = batch_flush(ps, c, doctype, now, &b, added);
	}
	/* the rows before a refused one are stored (and counted) before the
	 * whole is rolled back, as SQLite counts them */
	flushed = batch_flush(ps, c, doctype, now, &b, added);
	if (rc == CMN_OK || rc == CMN_ERR_INVALID)
		rc = flushed != CMN_OK ? flushed : rc;
	batch_release(&b);
	return pg_ptx_end(ps, rc);
}

#define META_COLS "id, rev, t, source, import_id, created, updated, dedupe, data"
#define DATA_COL  8

static void meta_row(const PGresult *r, int i, const char *doctype, struct record_meta *m)
{
	pg_text(r, i, 0, m->id, sizeof(m->id));
	str_copy(m->doctype, sizeof(m->doctype), doctype);
	m->rev = pg_i64(r, i, 1);
	m->t = PQgetisnull(r, i, 2) ? INT64_MIN : pg_i64(r, i, 2);
	pg_text(r, i, 3, m->source, sizeof(m->source));
	pg_text(r, i, 4, m->import_id, sizeof(m->import_id));
	m->created = pg_i64(r, i, 5);
	m->updated = pg_i64(r, i, 6);
	pg_text(r, i, 7, m->dedupe, sizeof(m->dedupe));
}

static enum cmn_rc pg_record_get(struct pstore *p, const char *doctype, const char *id,
				 struct record_meta *meta, char **data)
{
	static const char q[] = "SELECT " META_COLS " FROM records"
				" WHERE person_id = $1 AND doctype = $2 AND id = $3";
	struct pg_pstore *ps = pg_ps(p);
	char uuid[CRYPT_UUID_LEN];
	struct pg_conn *c = conn_of(ps);
	PGresult *r;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if (!uuid_norm(id, uuid))
		return CMN_ERR_NOT_FOUND;
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(doctype), PG_TEXT(uuid)};

		if ((rc = pg_one(c, q, 3, prm, &r)) != CMN_OK)
			return rc;
	}
	meta_row(r, 0, doctype, meta);
	if (data && !(*data = strdup(PQgetvalue(r, 0, DATA_COL))))
		rc = CMN_ERR_NOMEM;
	PQclear(r);
	return rc;
}

/* current - the revision, creation time, import and source of a record
 * inside the caller's transaction, its id normalised into uuid */
static enum cmn_rc current(struct pg_pstore *ps, struct pg_conn *c, const char *doctype,
			   const char *id, char uuid[CRYPT_UUID_LEN], int64_t *rev,
			   int64_t *created, char *import_id, char *source)
{
	static const char q[] = "SELECT rev, created, import_id, source FROM records"
				" WHERE person_id = $1 AND doctype = $2 AND id = $3";
	PGresult *r;
	enum cmn_rc rc;

	if (!uuid_norm(id, uuid))
		return CMN_ERR_NOT_FOUND;
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(doctype), PG_TEXT(uuid)};

		if ((rc = pg_one(c, q, 3, prm, &r)) != CMN_OK)
			return rc;
	}
	*rev = pg_i64(r, 0, 0);
	*created = pg_i64(r, 0, 1);
	pg_text(r, 0, 2, import_id, CRYPT_ID_LEN);
	if (source)
		pg_text(r, 0, 3, source, SOURCE_MAX + 1);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_record_replace(struct pstore *p, struct record_meta *meta, int64_t expect_rev,
				     const char *data, const char *actor)
{
	static const char q[] = "UPDATE records SET rev = rev + 1, t = $4, data = $5, updated = $6"
				" WHERE person_id = $1 AND doctype = $2 AND id = $3 AND rev = $7";
	struct pg_pstore *ps = pg_ps(p);
	char uuid[CRYPT_UUID_LEN], object[160], nt[24], nup[24], nrev[24];
	struct pg_conn *c = conn_of(ps);
	int64_t rev = 0, created = 0;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	/* under the person's lock: a concurrent replace waits, then sees the
	 * revision it made */
	rc = current(ps, c, meta->doctype, meta->id, uuid, &rev, &created, meta->import_id,
		     meta->source);
	if (rc == CMN_OK && expect_rev >= 0 && rev != expect_rev)
		rc = CMN_ERR_PRECONDITION;
	if (rc != CMN_OK)
		return pg_ptx_end(ps, rc);
	meta->updated = time_now_ms();
	meta->created = created;
	meta->rev = rev + 1;
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id),
					 PG_TEXT(meta->doctype),
					 PG_TEXT(uuid),
					 PG_TEXT(meta->t == INT64_MIN ? NULL : pg_num(nt, meta->t)),
					 PG_TEXT(data),
					 PG_TEXT(pg_num(nup, meta->updated)),
					 PG_TEXT(pg_num(nrev, rev))};

		rc = pg_change(c, q, 7, prm, false);
	}
	object_name(object, sizeof(object), meta->doctype, meta->id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "record.update", object, "");
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_record_delete(struct pstore *p, const char *doctype, const char *id,
				    int64_t expect_rev, const char *actor)
{
	static const char q[] =
	    "DELETE FROM records WHERE person_id = $1 AND doctype = $2 AND id = $3";
	struct pg_pstore *ps = pg_ps(p);
	char uuid[CRYPT_UUID_LEN], object[160], import_id[CRYPT_ID_LEN];
	struct pg_conn *c = conn_of(ps);
	int64_t rev = 0, created = 0;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = current(ps, c, doctype, id, uuid, &rev, &created, import_id, NULL);
	if (rc == CMN_OK && expect_rev >= 0 && rev != expect_rev)
		rc = CMN_ERR_PRECONDITION;
	if (rc != CMN_OK)
		return pg_ptx_end(ps, rc);
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(doctype), PG_TEXT(uuid)};

		rc = pg_change(c, q, 3, prm, false);
	}
	object_name(object, sizeof(object), doctype, id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "record.delete", object, "");
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_record_delete_source(struct pstore *p, const char *doctype,
					   const char *source, int64_t *n)
{
	static const char q[] = "DELETE FROM records WHERE person_id = $1 AND doctype = $2"
				" AND source = $3";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(doctype), PG_TEXT(source)};
	struct pg_conn *c = conn_of(ps);
	PGresult *r;
	enum cmn_rc rc;

	*n = 0;
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_run(c, q, 3, prm, &r)) != CMN_OK)
		return rc;
	*n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return CMN_OK;
}

/* ---- queries -------------------------------------------------------------------- */

/* A query being built: its SQL and its parameters, whose values it owns. */
struct qb {
	struct buf sql;
	struct pg_param p[PARAMS_MAX];
	char *own[PARAMS_MAX];
	int n;
};

/* qb_param - appends "$n" + cast for a new parameter (taking own, which
 * may be NULL for SQL NULL) */
static enum cmn_rc qb_param(struct qb *b, char *own, size_t len, bool bytes, const char *cast)
{
	if (b->n >= PARAMS_MAX) {
		free(own);
		return CMN_ERR_INVALID;
	}
	b->own[b->n] = own;
	b->p[b->n] = bytes && own ? PG_BYTES(own, len) : PG_TEXT(own);
	b->n++;
	return buf_printf(&b->sql, "$%d%s", b->n, cast);
}

static enum cmn_rc qb_text(struct qb *b, const char *text, const char *cast)
{
	char *own = text ? strdup(text) : NULL;

	if (text && !own)
		return CMN_ERR_NOMEM;
	return qb_param(b, own, 0, false, cast);
}

/* key_bytes - a query's value as commune_field() encodes a field's: NULL
 * (*n 0) for what SQLite binds as NULL (a NaN, a NULL text) */
static enum cmn_rc key_bytes(const struct query_value *v, char **out, size_t *n)
{
	double d;
	uint64_t u;

	*out = NULL;
	*n = 0;
	if (v->type == QV_TEXT) {
		size_t len;

		if (!v->text)
			return CMN_OK;
		len = strlen(v->text);
		if (!(*out = malloc(len + 1)))
			return CMN_ERR_NOMEM;
		(*out)[0] = 0x02;
		memcpy(*out + 1, v->text, len);
		*n = len + 1;
		return CMN_OK;
	}
	d = v->type == QV_REAL ? v->r : v->type == QV_BOOL ? (v->i != 0) : (double)v->i;
	if (isnan(d))
		return CMN_OK;
	d += 0.0; /* -0 is 0 */
	memcpy(&u, &d, sizeof(u));
	u = u >> 63 ? ~u : u | (UINT64_C(1) << 63);
	if (!(*out = malloc(9)))
		return CMN_ERR_NOMEM;
	(*out)[0] = 0x01;
	for (int i = 0; i < 8; i++)
		(*out)[1 + i] = (char)(u >> (56 - 8 * i));
	*n = 9;
	return CMN_OK;
}

static enum cmn_rc qb_key(struct qb *b, const struct query_value *v)
{
	char *own;
	size_t n;
	enum cmn_rc rc = key_bytes(v, &own, &n);

	return rc == CMN_OK ? qb_param(b, own, n, true, "::bytea") : rc;
}

static const char *op_sql(enum query_op op)
{
	switch (op) {
	case QOP_EQ: return "=";
	case QOP_NE: return "<>";
	case QOP_LT: return "<";
	case QOP_LTE: return "<=";
	case QOP_GT: return ">";
	case QOP_GTE: return ">=";
	case QOP_IN: return "IN";
	}
	return "=";
}

/*
 * int_cmp - "col op v" for an integer column (t, created, updated) as
 * SQLite compares it: the column's INTEGER affinity turns a text that is
 * a number into that number; another text is greater than every number;
 * a NaN is bound as NULL, which matches nothing.
 */
static enum cmn_rc int_cmp(struct qb *b, const char *col, enum query_op op,
			   const struct query_value *v)
{
	char num[40];
	int64_t i = 0;
	double r = 0;
	bool real = false;

	switch (v->type) {
	case QV_INT: i = v->i; break;
	case QV_BOOL: i = v->i != 0; break;
	case QV_REAL:
		if (isnan(v->r))
			return buf_puts(&b->sql, "NULL");
		real = true;
		r = v->r;
		break;
	case QV_TEXT:
		if (!v->text)
			return buf_puts(&b->sql, "NULL");
		if (str_to_i64(v->text, INT64_MIN, INT64_MAX, &i) == CMN_OK)
			break;
		if (v->text[0] && !v->text[strspn(v->text, "0123456789+-.eE")] &&
		    str_to_double(v->text, &r) == CMN_OK) {
			real = true;
			break;
		}
		/* a text, above every number; NULL below all */
		if (op == QOP_NE || op == QOP_LT || op == QOP_LTE)
			return buf_printf(&b->sql, "%s IS NOT NULL", col);
		return buf_puts(&b->sql, "false");
	}
	buf_printf(&b->sql, "%s %s ", col, op_sql(op));
	if (real) {
		snprintf(num, sizeof(num), "%.17g", r);
		return qb_text(b, num, "::float8");
	}
	return qb_text(b, pg_num(num, i), "::bigint");
}

/* filter_sql - one filter of a query */
static enum cmn_rc filter_sql(struct qb *b, const struct query_filter *f)
{
	enum cmn_rc rc = CMN_OK;

	if (f->op == QOP_IN && f->nv == 0)
		return buf_puts(&b->sql, "false");
	if (f->on_t && f->op == QOP_IN) {
		buf_puts(&b->sql, "(");
		for (size_t j = 0; j < f->nv && rc == CMN_OK; j++) {
			buf_puts(&b->sql, j ? " OR " : "");
			rc = int_cmp(b, "t", QOP_EQ, &f->v[j]);
		}
		return rc == CMN_OK ? buf_puts(&b->sql, ")") : rc;
	}
	if (f->on_t)
		return int_cmp(b, "t", f->op, &f->v[0]);
	if ((rc = field_expr(&b->sql, f->field)) != CMN_OK)
		return rc;
	buf_printf(&b->sql, " %s ", op_sql(f->op));
	if (f->op != QOP_IN)
		return qb_key(b, &f->v[0]);
	buf_puts(&b->sql, "(");
	for (size_t j = 0; j < f->nv && rc == CMN_OK; j++) {
		buf_puts(&b->sql, j ? ", " : "");
		rc = qb_key(b, &f->v[j]);
	}
	return rc == CMN_OK ? buf_puts(&b->sql, ")") : rc;
}

static const char *sort_col(const struct store_query *q)
{
	switch (q->sort) {
	case QSORT_CREATED: return "created";
	case QSORT_UPDATED: return "updated";
	case QSORT_TIME: return "t";
	default: return "id";
	}
}

/* after_sql - the cursor: the rows after (after_key, after_id) in the
 * query's order, as SQLite's row value comparison gives them (a row whose
 * key is NULL is after no cursor) */
static enum cmn_rc after_sql(struct qb *b, const struct store_query *q, const char *after_id)
{
	const char *cmp = q->desc ? "<" : ">";
	enum query_op op = q->desc ? QOP_LT : QOP_GT;
	enum cmn_rc rc;

	buf_puts(&b->sql, " AND ");
	if (q->sort == QSORT_ID) {
		buf_printf(&b->sql, "id %s ", cmp);
		return qb_text(b, after_id, "::uuid");
	}
	if (q->sort == QSORT_FIELD) {
		buf_puts(&b->sql, "(");
		field_expr(&b->sql, q->sort_field);
		buf_puts(&b->sql, ", id) ");
		buf_printf(&b->sql, "%s (", cmp);
		rc = qb_key(b, &q->after_key);
		if (rc == CMN_OK)
			buf_puts(&b->sql, ", ");
		if (rc == CMN_OK)
			rc = qb_text(b, after_id, "::uuid");
		return rc == CMN_OK ? buf_puts(&b->sql, ")") : rc;
	}
	/* (col > k OR (col = k AND id > after_id)), k as int_cmp compares it */
	buf_puts(&b->sql, "(");
	rc = int_cmp(b, sort_col(q), op, &q->after_key);
	if (rc == CMN_OK)
		buf_puts(&b->sql, " OR (");
	if (rc == CMN_OK)
		rc = int_cmp(b, sort_col(q), QOP_EQ, &q->after_key);
	if (rc == CMN_OK)
		buf_printf(&b->sql, " AND id %s ", cmp);
	if (rc == CMN_OK)
		rc = qb_text(b, after_id, "::uuid");
	return rc == CMN_OK ? buf_puts(&b->sql, "))") : rc;
}

/* ids_sql - the ids of by_ids as one uuid[] parameter; an id that is no
 * UUID matches no row (the nil UUID, as SQLite's zero bytes) */
static enum cmn_rc ids_sql(struct qb *b, const struct store_query *q)
{
	struct buf arr;
	enum cmn_rc rc;

	buf_init(&arr, (size_t)1 << 26);
	rc = buf_puts(&arr, "{");
	for (size_t j = 0; j < q->nids && rc == CMN_OK; j++) {
		char id[CRYPT_UUID_LEN];

		if (!uuid_norm(q->ids[j], id))
			str_copy(id, sizeof(id), "00000000-0000-0000-0000-000000000000");
		rc = buf_printf(&arr, "%s%s", j ? "," : "", id);
	}
	if (rc == CMN_OK)
		rc = buf_puts(&arr, "}");
	if (rc == CMN_OK) {
		buf_puts(&b->sql, " AND id = ANY(");
		rc = qb_param(b, buf_steal(&arr), 0, false, "::uuid[])");
	}
	buf_release(&arr);
	return rc;
}

/* order_sql - ORDER BY the sort key then the id, NULL first as SQLite
 * sorts it (the t and field indexes are made NULLS FIRST for it) */
static enum cmn_rc order_sql(struct qb *b, const struct store_query *q)
{
	const char *dir = q->desc ? " DESC" : "";

	buf_puts(&b->sql, " ORDER BY ");
	if (q->sort == QSORT_ID)
		return buf_printf(&b->sql, "id%s", dir);
	if (q->sort == QSORT_FIELD)
		field_expr(&b->sql, q->sort_field);
	else
		buf_puts(&b->sql, sort_col(q));
	if (q->sort == QSORT_FIELD || q->sort == QSORT_TIME)
		buf_puts(&b->sql, q->desc ? " DESC NULLS LAST" : " NULLS FIRST");
	else
		buf_puts(&b->sql, dir);
	return buf_printf(&b->sql, ", id%s", dir);
}

/* build_query - the SQL of q; the doctype is written as a literal (a name,
 * checked) so that the planner may use its partial field indexes */
static enum cmn_rc build_query(struct qb *b, const struct store_query *q, const char *person_id,
			       const char *after_id)
{
	char lim[24];
	enum cmn_rc rc;

	buf_puts(&b->sql, "SELECT " META_COLS);
	if (q->sort == QSORT_FIELD) {
		if (!str_is_name(q->sort_field, 64, false)) {
			/* SQLite's statement does not compile either */
			store_set_last_error("not a field to sort on");
			return CMN_ERR_STORE;
		}
		buf_printf(&b->sql, ", json_typeof(data::json -> '%s'), data::json ->> '%s'",
			   q->sort_field, q->sort_field);
	} else if (q->sort != QSORT_ID) {
		buf_printf(&b->sql, ", %s", sort_col(q));
	}
	buf_puts(&b->sql, " FROM records WHERE person_id = ");
	rc = qb_text(b, person_id, "");
	if (rc == CMN_OK)
		rc = buf_printf(&b->sql, " AND doctype = '%s'", q->doctype);
	for (size_t i = 0; i < q->nfilters && rc == CMN_OK; i++) {
		buf_puts(&b->sql, " AND ");
		rc = filter_sql(b, &q->filters[i]);
	}
	if (rc == CMN_OK && q->by_ids)
		rc = ids_sql(b, q);
	if (rc == CMN_OK && q->has_from) {
		buf_puts(&b->sql, " AND t >= ");
		rc = qb_text(b, pg_num(lim, q->from), "::bigint");
	}
	if (rc == CMN_OK && q->has_to) {
		buf_puts(&b->sql, " AND t < ");
		rc = qb_text(b, pg_num(lim, q->to), "::bigint");
	}
	if (rc == CMN_OK && q->has_after)
		rc = after_sql(b, q, after_id);
	if (rc == CMN_OK)
		rc = order_sql(b, q);
	if (rc == CMN_OK) {
		/* SQLite takes a negative limit for none: LIMIT NULL is all */
		buf_puts(&b->sql, " LIMIT ");
		rc = qb_text(b, (int64_t)q->limit < 0 ? NULL : pg_num(lim, (int64_t)q->limit),
			     "::bigint");
	}
	return rc;
}

/* sort_key - a row's sort key, as SQLite's column types give it */
static void sort_key(const PGresult *r, int i, const struct store_query *q,
		     const struct record_meta *m, struct query_value *key)
{
	const char *v, *type;

	key->type = QV_TEXT;
	key->text = "";
	switch (q->sort) {
	case QSORT_ID: key->text = m->id; return;
	case QSORT_CREATED:
	case QSORT_UPDATED:
	case QSORT_TIME:
		if (!PQgetisnull(r, i, DATA_COL + 1)) {
			key->type = QV_INT;
			key->i = pg_i64(r, i, DATA_COL + 1);
		}
		return;
	case QSORT_FIELD: break;
	}
	if (PQgetisnull(r, i, DATA_COL + 1) || PQgetisnull(r, i, DATA_COL + 2))
		return; /* missing, or JSON null */
	type = PQgetvalue(r, i, DATA_COL + 1);
	v = PQgetvalue(r, i, DATA_COL + 2);
	if (strcmp(type, "boolean") == 0) {
		key->type = QV_INT;
		key->i = strcmp(v, "true") == 0;
	} else if (strcmp(type, "number") == 0) {
		/* an integer literal within 64 bits is an integer, as
		 * json_extract gives it; any other number a real */
		if (!strpbrk(v, ".eE") && str_to_i64(v, INT64_MIN, INT64_MAX, &key->i) == CMN_OK) {
			key->type = QV_INT;
		} else {
			key->type = QV_REAL;
			key->r = strtod(v, NULL);
		}
	} else {
		key->text = v;
	}
}

static enum cmn_rc pg_record_query(struct pstore *p, const struct store_query *q,
				   enum cmn_rc (*fn)(const struct record_meta *m, const char *data,
						     const struct query_value *sort_key, void *ctx),
				   void *ctx)
{
	struct pg_pstore *ps = pg_ps(p);
	char after[CRYPT_UUID_LEN] = "";
	struct pg_conn *c;
	struct qb *b;
	PGresult *r = NULL;
	enum cmn_rc rc;

	if (!str_is_name(q->doctype, CMN_DOCTYPE_NAME_MAX, true))
		return CMN_ERR_INVALID;
	if (q->has_after && !uuid_norm(q->after_id, after))
		return CMN_ERR_INVALID;
	if (!(c = conn_of(ps)))
		return CMN_ERR_STORE;
	if (!(b = calloc(1, sizeof(*b))))
		return CMN_ERR_NOMEM;
	buf_init(&b->sql, 1 << 20);
	rc = build_query(b, q, ps->person_id, after);
	if (rc == CMN_OK)
		rc = pg_run_once(c, b->sql.data, b->n, b->p, &r);
	for (int i = 0; r && rc == CMN_OK && i < PQntuples(r); i++) {
		struct record_meta m;
		struct query_value key;

		meta_row(r, i, q->doctype, &m);
		sort_key(r, i, q, &m, &key);
		rc = fn(&m, PQgetvalue(r, i, DATA_COL), &key, ctx);
	}
	PQclear(r);
	for (int i = 0; i < b->n; i++)
		free(b->own[i]);
	buf_release(&b->sql);
	free(b);
	return rc;
}

const struct store_record_ops store_pg_record_ops = {
    .insert = pg_record_insert,
    .insert_many = pg_record_insert_many,
    .get = pg_record_get,
    .replace = pg_record_replace,
    .delete = pg_record_delete,
    .delete_source = pg_record_delete_source,
    .query = pg_record_query,
};
