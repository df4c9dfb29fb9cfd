/*
 * pg_platform.c - the platform store in PostgreSQL: persons,
 * organisations, sessions, API tokens, the doctype registry, the failure
 * counters and what the store records of itself (platform_meta), in the
 * database the postgres:// URL names, and the migrations of every
 * module's tables. Every server process on it shares them: a session or a
 * counter made by one is seen by the others. The schema is
 * docs/postgres.md's.
 */
#include "store/postgres/pg_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const platform_migrations[] = {
    /* 1: accounts, sessions, tokens, doctypes, failure counters */
    "CREATE TABLE orgs ("
    "  id text PRIMARY KEY, name text NOT NULL UNIQUE, kind text NOT NULL,"
    "  created bigint NOT NULL);"
    "CREATE TABLE persons ("
    "  id text PRIMARY KEY, handle text NOT NULL UNIQUE, role text NOT NULL,"
    "  org_id text REFERENCES orgs(id), pwhash text NOT NULL,"
    "  disabled boolean NOT NULL DEFAULT false, created bigint NOT NULL);"
    "CREATE TABLE sessions ("
    "  hash text PRIMARY KEY,"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  csrf text NOT NULL, created bigint NOT NULL, expires bigint NOT NULL,"
    "  last_seen bigint NOT NULL);"
    "CREATE INDEX sessions_person ON sessions(person_id);"
    "CREATE INDEX sessions_expires ON sessions(expires);"
    "CREATE TABLE tokens ("
    "  id text PRIMARY KEY,"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  name text NOT NULL, hash text NOT NULL UNIQUE, created bigint NOT NULL,"
    "  last_used bigint NOT NULL DEFAULT 0);"
    "CREATE INDEX tokens_person ON tokens(person_id);"
    "CREATE TABLE doctypes ("
    "  name text PRIMARY KEY, version int NOT NULL, definition text NOT NULL,"
    "  updated bigint NOT NULL);"
    "CREATE TABLE limits (key bytea PRIMARY KEY, count bigint NOT NULL,"
    "  until bigint NOT NULL);"
    "CREATE INDEX limits_by_until ON limits(until);",
    /* 2: what the store records of itself (store_meta_*): the fingerprint
     * of its platform key (store.c), the kid of the active attestation key */
    "CREATE TABLE platform_meta (name text PRIMARY KEY, value text NOT NULL);",
};

static const struct pg_schema accounts_schema = {
    "accounts", platform_migrations,
    (int)(sizeof(platform_migrations) / sizeof(*platform_migrations))};

/* the schemas of the other modules, each in its pg_<module>.c */
extern const struct pg_schema pg_person_schema, pg_consent_schema, pg_oauth_schema, pg_datamap_schema,
    pg_opendata_schema, pg_govern_schema, pg_campaign_schema;
extern const struct pg_schema pg_record_schema, pg_import_schema, pg_notes_schema,
    pg_series_schema, pg_blob_schema, pg_apps_schema, pg_attest_schema;

/* every module's tables, in the order their references need */
static const struct pg_schema *const schemas[] = {
    &accounts_schema,
    &pg_person_schema, /* before every module of person data */
    &pg_record_schema,
    &pg_import_schema,
    &pg_notes_schema,
    &pg_series_schema,
    &pg_blob_schema,
    &pg_apps_schema,
    &pg_attest_schema,
    &pg_consent_schema,
    &pg_oauth_schema,
    &pg_datamap_schema,
    &pg_opendata_schema,
    &pg_govern_schema,
    &pg_campaign_schema,
};
#define SCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

/* pg_open - connects; the database must exist (create changes nothing:
 * PostgreSQL databases are made by their administrator) */
static enum cmn_rc pg_open(struct store *s, const char *url, bool create)
{
	(void)create;
	s->pg = calloc(1, sizeof(*s->pg));
	if (!s->pg || !(s->pg->url = strdup(url)))
		return CMN_ERR_NOMEM;
	return pg_conn_of(s) ? CMN_OK : CMN_ERR_STORE;
}

static enum cmn_rc pg_store_migrate(struct store *s)
{
	struct pg_conn *c = pg_conn_of(s);
	enum cmn_rc rc = c ? CMN_OK : CMN_ERR_STORE;

	for (size_t i = 0; rc == CMN_OK && i < SCHEMAS; i++)
		rc = pg_migrate(c, schemas[i]);
	return rc;
}

static void pg_close(struct store *s)
{
	if (!s->pg)
		return;
	free(s->pg->url);
	free(s->pg);
	s->pg = NULL;
}

static enum cmn_rc pg_store_tx_begin(struct store *s)
{
	struct pg_conn *c = pg_conn_of(s);

	return c ? pg_tx_begin(c) : CMN_ERR_STORE;
}

static enum cmn_rc pg_store_tx_end(struct store *s, enum cmn_rc rc)
{
	struct pg_conn *c = pg_conn_of(s);

	if (!c)
		return CMN_ERR_STORE;
	rc = pg_tx_end(c, rc);
	/* a right taken away inside: what a cache took from before the
	 * commit is dropped */
	if (c->tx_depth == 0)
		atomic_fetch_add(&s->auth_epoch, 1);
	return rc;
}

/* pg_read_begin - one snapshot for the reads until pg_read_end, as a
 * deferred SQLite transaction gives */
static enum cmn_rc pg_read_begin(struct store *s)
{
	struct pg_conn *c = pg_conn_of(s);
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	rc = pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	c->reading = rc == CMN_OK;
	return rc;
}

static void pg_read_end(struct store *s)
{
	struct pg_conn *c = pg_conn_of(s);

	if (c && c->reading) {
		c->reading = false;
		if (pg_exec(c, "COMMIT") != CMN_OK)
			(void)pg_exec(c, "ROLLBACK");
	}
}

/* Person rows are always selected with these columns, in this order. */
#define PERSON_COLS                                                                                \
	"p.id, p.handle, p.role, coalesce(o.name, ''), p.disabled, p.created, p.pwhash,"           \
	" coalesce(p.org_id, '')"
#define PERSON_FROM " FROM persons p LEFT JOIN orgs o ON o.id = p.org_id "

static void person_row(const PGresult *r, int row, int at, struct person *p, char *pwhash)
{
	pg_text(r, row, at + 0, p->id, sizeof(p->id));
	pg_text(r, row, at + 1, p->handle, sizeof(p->handle));
	pg_text(r, row, at + 2, p->role, sizeof(p->role));
	pg_text(r, row, at + 3, p->org, sizeof(p->org));
	p->disabled = strcmp(PQgetvalue(r, row, at + 4), "t") == 0;
	p->created = pg_i64(r, row, at + 5);
	if (pwhash)
		pg_text(r, row, at + 6, pwhash, CRYPT_PWHASH_LEN);
	pg_text(r, row, at + 7, p->org_id, sizeof(p->org_id));
}

enum cmn_rc pg_auth_change(struct store *s, const char *sql, int n, const struct pg_param *p,
			   bool changes_needed)
{
	enum cmn_rc rc;

	atomic_fetch_add(&s->auth_epoch, 1);
	rc = pg_do(s, sql, n, p, changes_needed);
	/* and after: a cache filled while the change was being made is dropped */
	atomic_fetch_add(&s->auth_epoch, 1);
	return rc;
}

static enum cmn_rc pg_person_add(struct store *s, const char *handle, const char *role,
				 const char *org, const char *pwhash, struct person *out)
{
	static const char q_org[] = "SELECT id FROM orgs WHERE name = $1";
	static const char q_ins[] = "INSERT INTO persons(id, handle, role, org_id, pwhash, created)"
				    " VALUES ($1, $2, $3, $4, $5, $6)";
	char org_id[CRYPT_ID_LEN] = "", created[24];
	PGresult *r;
	enum cmn_rc rc;

	if (org && *org) {
		struct pg_param p[] = {PG_TEXT(org)};

		if ((rc = pg_query_one(s, q_org, 1, p, &r)) != CMN_OK)
			return rc;
		pg_text(r, 0, 0, org_id, sizeof(org_id));
		PQclear(r);
	}
	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->handle, sizeof(out->handle), handle);
	str_copy(out->role, sizeof(out->role), role);
	str_copy(out->org, sizeof(out->org), org ? org : "");
	str_copy(out->org_id, sizeof(out->org_id), org_id);
	out->created = time_now_ms();
	{
		struct pg_param p[] = {PG_TEXT(out->id), PG_TEXT(handle),
				       PG_TEXT(role),    PG_TEXT(*org_id ? org_id : NULL),
				       PG_TEXT(pwhash),  PG_TEXT(pg_num(created, out->created))};

		return pg_do(s, q_ins, 6, p, false);
	}
}

static enum cmn_rc person_lookup(struct store *s, const char *sql, const char *key,
				 struct person *out, char *pwhash)
{
	struct pg_param p[] = {PG_TEXT(key)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, sql, 1, p, &r)) != CMN_OK)
		return rc;
	person_row(r, 0, 0, out, pwhash);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_person_by_handle(struct store *s, const char *handle, struct person *out,
				       char *pwhash)
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "WHERE p.handle = $1";

	return person_lookup(s, q, handle, out, pwhash);
}

static enum cmn_rc pg_person_by_id(struct store *s, const char *id, struct person *out,
				   char *pwhash)
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "WHERE p.id = $1";

	return person_lookup(s, q, id, out, pwhash);
}

static enum cmn_rc pg_person_each(struct store *s,
				  enum cmn_rc (*fn)(const struct person *p, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "ORDER BY p.handle COLLATE \"C\"";
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 0, NULL, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct person p;

		person_row(r, i, 0, &p, NULL);
		rc = fn(&p, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_person_set_disabled(struct store *s, const char *id, bool disabled)
{
	static const char q_set[] = "UPDATE persons SET disabled = $2 WHERE id = $1";
	static const char q_end[] = "DELETE FROM sessions WHERE person_id = $1";
	struct pg_conn *c = pg_conn_of(s);
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(disabled ? "true" : "false")};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_auth_change(s, q_set, 2, p, true);
	if (rc == CMN_OK && disabled)
		rc = pg_auth_change(s, q_end, 1, p, false);
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_person_set_role(struct store *s, const char *id, const char *role)
{
	static const char q[] = "UPDATE persons SET role = $2 WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(role)};

	return pg_auth_change(s, q, 2, p, true);
}

static enum cmn_rc pg_person_set_password(struct store *s, const char *id, const char *pwhash,
					  const char *keep_session_hash)
{
	static const char q_pw[] = "UPDATE persons SET pwhash = $2 WHERE id = $1";
	static const char q_end[] = "DELETE FROM sessions WHERE person_id = $1 AND hash <> $2";
	struct pg_conn *c = pg_conn_of(s);
	struct pg_param p_pw[] = {PG_TEXT(id), PG_TEXT(pwhash)};
	struct pg_param p_end[] = {PG_TEXT(id),
				   PG_TEXT(keep_session_hash ? keep_session_hash : "")};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_auth_change(s, q_pw, 2, p_pw, true);
	if (rc == CMN_OK)
		rc = pg_auth_change(s, q_end, 2, p_end, false);
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_person_delete(struct store *s, const char *id)
{
	/* sessions and tokens go with the row (ON DELETE CASCADE) */
	static const char q[] = "DELETE FROM persons WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	enum cmn_rc rc = pg_auth_change(s, q, 1, p, true);

	if (rc == CMN_OK)
		atomic_fetch_add(&s->epoch, 1);
	return rc;
}

static enum cmn_rc pg_person_count(struct store *s, int64_t *out)
{
	static const char q[] = "SELECT count(*) FROM persons";
	PGresult *r;
	enum cmn_rc rc;

	*out = 0;
	if ((rc = pg_query_one(s, q, 0, NULL, &r)) != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_STORE : rc; /* a count has a row */
	*out = pg_i64(r, 0, 0);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_org_add(struct store *s, const char *name, const char *kind, struct org *out)
{
	static const char q[] = "INSERT INTO orgs(id, name, kind, created) VALUES ($1, $2, $3, $4)";
	char created[24];

	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->name, sizeof(out->name), name);
	str_copy(out->kind, sizeof(out->kind), kind);
	out->created = time_now_ms();
	{
		struct pg_param p[] = {PG_TEXT(out->id), PG_TEXT(name), PG_TEXT(kind),
				       PG_TEXT(pg_num(created, out->created))};

		return pg_do(s, q, 4, p, false);
	}
}

static void org_row(const PGresult *r, int row, struct org *o)
{
	pg_text(r, row, 0, o->id, sizeof(o->id));
	pg_text(r, row, 1, o->name, sizeof(o->name));
	pg_text(r, row, 2, o->kind, sizeof(o->kind));
	o->created = pg_i64(r, row, 3);
}

static enum cmn_rc pg_org_each(struct store *s, enum cmn_rc (*fn)(const struct org *o, void *ctx),
			       void *ctx)
{
	static const char q[] = "SELECT id, name, kind, created FROM orgs ORDER BY name COLLATE \"C\"";
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 0, NULL, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct org o;

		org_row(r, i, &o);
		rc = fn(&o, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_org_get(struct store *s, const char *id, struct org *out)
{
	static const char q[] = "SELECT id, name, kind, created FROM orgs WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	org_row(r, 0, out);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_session_add(struct store *s, const char *token_hash, const char *person_id,
				  const char *csrf, int64_t now, int64_t expires)
{
	static const char q[] = "INSERT INTO sessions(hash, person_id, csrf, created, expires,"
				" last_seen) VALUES ($1, $2, $3, $4, $5, $4)";
	static const char q_gc[] = "DELETE FROM sessions WHERE expires < $1";
	char at[24], until[24];
	struct pg_param p[] = {PG_TEXT(token_hash), PG_TEXT(person_id), PG_TEXT(csrf),
			       PG_TEXT(pg_num(at, now)), PG_TEXT(pg_num(until, expires))};

	/* the expired ones go first; failing that is no reason to refuse a login */
	(void)pg_do(s, q_gc, 1, &p[3], false);
	return pg_do(s, q, 5, p, false);
}

static enum cmn_rc pg_session_get(struct store *s, const char *token_hash, int64_t now,
				  struct session *out)
{
	static const char q[] = "SELECT " PERSON_COLS ", x.csrf, x.created, x.expires, x.last_seen"
				" FROM sessions x JOIN persons p ON p.id = x.person_id"
				" LEFT JOIN orgs o ON o.id = p.org_id WHERE x.hash = $1";
	static const char q_touch[] = "UPDATE sessions SET last_seen = $1 WHERE hash = $2";
	struct pg_param p[] = {PG_TEXT(token_hash)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	person_row(r, 0, 0, &out->person, NULL);
	pg_text(r, 0, 8, out->csrf, sizeof(out->csrf));
	out->created = pg_i64(r, 0, 9);
	out->expires = pg_i64(r, 0, 10);
	out->last_seen = pg_i64(r, 0, 11);
	PQclear(r);
	if (out->expires <= now || out->last_seen + (int64_t)CMN_SESSION_IDLE_S * 1000 <= now)
		return CMN_ERR_NOT_FOUND;
	if (now - out->last_seen > 60 * 1000) {
		char at[24];
		struct pg_param t[] = {PG_TEXT(pg_num(at, now)), PG_TEXT(token_hash)};

		/* a session seen but not touched stays usable: idle sooner */
		(void)pg_do(s, q_touch, 2, t, false);
	}
	return CMN_OK;
}

static enum cmn_rc pg_session_delete(struct store *s, const char *token_hash)
{
	static const char q[] = "DELETE FROM sessions WHERE hash = $1";
	struct pg_param p[] = {PG_TEXT(token_hash)};

	return pg_auth_change(s, q, 1, p, false);
}

static enum cmn_rc pg_token_add(struct store *s, const char *person_id, const char *name,
				const char *token_hash, struct api_token *out)
{
	/* the person's row locked: two tokens made at once are counted both */
	static const char q_lock[] = "SELECT 1 FROM persons WHERE id = $1 FOR UPDATE";
	static const char q_count[] = "SELECT count(*) FROM tokens WHERE person_id = $1";
	static const char q[] = "INSERT INTO tokens(id, person_id, name, hash, created)"
				" VALUES ($1, $2, $3, $4, $5)";
	struct pg_conn *c = pg_conn_of(s);
	struct pg_param who[] = {PG_TEXT(person_id)};
	char created[24];
	PGresult *r;
	enum cmn_rc rc;
	int64_t n;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_one(c, q_lock, 1, who, &r);
	PQclear(r);
	if (rc == CMN_OK && (rc = pg_one(c, q_count, 1, who, &r)) == CMN_OK) {
		n = pg_i64(r, 0, 0);
		PQclear(r);
		if (n >= CMN_TOKENS_PER_PERSON)
			rc = CMN_ERR_TOO_LARGE;
	}
	if (rc == CMN_OK) {
		memset(out, 0, sizeof(*out));
		crypt_id_new(out->id);
		str_copy(out->name, sizeof(out->name), name);
		out->created = time_now_ms();

		struct pg_param p[] = {PG_TEXT(out->id), PG_TEXT(person_id), PG_TEXT(name),
				       PG_TEXT(token_hash), PG_TEXT(pg_num(created, out->created))};

		rc = pg_change(c, q, 5, p, false);
	}
	return pg_tx_end(c, rc);
}

static enum cmn_rc pg_token_get(struct store *s, const char *token_hash, struct person *out,
				struct api_token *tok)
{
	static const char q[] = "SELECT " PERSON_COLS ", t.id, t.name, t.created, t.last_used"
				" FROM tokens t JOIN persons p ON p.id = t.person_id"
				" LEFT JOIN orgs o ON o.id = p.org_id WHERE t.hash = $1";
	static const char q_touch[] = "UPDATE tokens SET last_used = $1 WHERE id = $2";
	struct pg_param p[] = {PG_TEXT(token_hash)};
	int64_t now = time_now_ms();
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	person_row(r, 0, 0, out, NULL);
	pg_text(r, 0, 8, tok->id, sizeof(tok->id));
	pg_text(r, 0, 9, tok->name, sizeof(tok->name));
	tok->created = pg_i64(r, 0, 10);
	tok->last_used = pg_i64(r, 0, 11);
	PQclear(r);
	if (now - tok->last_used > 60 * 1000) {
		char at[24];
		struct pg_param t[] = {PG_TEXT(pg_num(at, now)), PG_TEXT(tok->id)};

		(void)pg_do(s, q_touch, 2, t, false);
	}
	return CMN_OK;
}

static enum cmn_rc pg_token_each(struct store *s, const char *person_id,
				 enum cmn_rc (*fn)(const struct api_token *t, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, name, created, last_used FROM tokens"
				" WHERE person_id = $1 ORDER BY created, id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct api_token t;

		pg_text(r, i, 0, t.id, sizeof(t.id));
		pg_text(r, i, 1, t.name, sizeof(t.name));
		t.created = pg_i64(r, i, 2);
		t.last_used = pg_i64(r, i, 3);
		rc = fn(&t, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_token_delete(struct store *s, const char *person_id, const char *token_id)
{
	static const char q[] = "DELETE FROM tokens WHERE person_id = $1 AND id = $2";
	struct pg_param p[] = {PG_TEXT(person_id), PG_TEXT(token_id)};

	return pg_auth_change(s, q, 2, p, true);
}

static enum cmn_rc pg_doctype_put(struct store *s, const char *name, int version,
				  const char *definition)
{
	static const char q[] = "INSERT INTO doctypes(name, version, definition, updated)"
				" VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET"
				" version = EXCLUDED.version, definition = EXCLUDED.definition,"
				" updated = EXCLUDED.updated"
				" WHERE doctypes.definition <> EXCLUDED.definition";
	char v[24], at[24];
	struct pg_param p[] = {PG_TEXT(name), PG_TEXT(pg_num(v, version)), PG_TEXT(definition),
			       PG_TEXT(pg_num(at, time_now_ms()))};

	return pg_do(s, q, 4, p, false);
}

static enum cmn_rc pg_doctype_each(struct store *s,
				   enum cmn_rc (*fn)(const char *name, int version,
						     const char *definition, void *ctx),
				   void *ctx)
{
	static const char q[] = "SELECT name, version, definition FROM doctypes ORDER BY name COLLATE \"C\"";
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 0, NULL, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++)
		rc = fn(PQgetvalue(r, i, 0), (int)pg_i64(r, i, 1), PQgetvalue(r, i, 2), ctx);
	PQclear(r);
	return rc;
}

/* ---- what the store records of itself ---------------------------------------- */

/* table_exists - whether the database has the table name (a store made
 * before it has not, until migrated); asked first, so that no statement
 * on a table that is not there is prepared */
static enum cmn_rc table_exists(struct store *s, const char *name, bool *out)
{
	static const char q[] = "SELECT to_regclass($1) IS NOT NULL";
	struct pg_param p[] = {PG_TEXT(name)};
	PGresult *r;
	enum cmn_rc rc;

	*out = false;
	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	*out = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_meta_get(struct store *s, const char *name, char *out, size_t n)
{
	static const char q[] = "SELECT value FROM platform_meta WHERE name = $1";
	struct pg_param p[] = {PG_TEXT(name)};
	PGresult *r;
	enum cmn_rc rc;
	bool there;

	if ((rc = table_exists(s, "platform_meta", &there)) != CMN_OK)
		return rc;
	if (!there)
		return CMN_ERR_NOT_FOUND;
	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	pg_text(r, 0, 0, out, n);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_meta_put(struct store *s, const char *name, const char *value,
			       bool replace)
{
	static const char q_add[] = "INSERT INTO platform_meta(name, value) VALUES ($1, $2)"
				    " ON CONFLICT (name) DO NOTHING";
	static const char q_set[] = "INSERT INTO platform_meta(name, value) VALUES ($1, $2)"
				    " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value";
	struct pg_param p[] = {PG_TEXT(name), PG_TEXT(value)};

	return pg_do(s, replace ? q_set : q_add, 2, p, false);
}

static enum cmn_rc pg_has_persons(struct store *s, bool *out)
{
	static const char q[] = "SELECT EXISTS (SELECT 1 FROM persons)";
	PGresult *r;
	enum cmn_rc rc;
	bool there;

	if ((rc = table_exists(s, "persons", &there)) != CMN_OK || !there)
		return rc;
	if ((rc = pg_query_one(s, q, 0, NULL, &r)) != CMN_OK)
		return rc;
	*out = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return CMN_OK;
}

/* ---- failure counters ------------------------------------------------------ */

static enum cmn_rc pg_limit_get(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES],
				int64_t now, unsigned *count, int64_t *until)
{
	static const char q[] = "SELECT count, until FROM limits WHERE key = $1 AND until > $2";
	char at[24];
	struct pg_param p[] = {PG_BYTES(key, STORE_LIMIT_KEY_BYTES), PG_TEXT(pg_num(at, now))};
	PGresult *r;
	enum cmn_rc rc;

	*count = 0;
	*until = 0;
	rc = pg_query_one(s, q, 2, p, &r);
	if (rc == CMN_OK) {
		int64_t n = pg_i64(r, 0, 0);

		*count = n < 0 ? 0 : n > UINT_MAX ? UINT_MAX : (unsigned)n;
		*until = pg_i64(r, 0, 1);
		PQclear(r);
	}
	return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc;
}

static enum cmn_rc pg_limit_fail(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES],
				 int64_t window_ms, int64_t now)
{
	/* one statement: two processes counting at once both count */
	static const char q[] =
	    "INSERT INTO limits(key, count, until) VALUES ($1, 1, $2::bigint + $3::bigint)"
	    " ON CONFLICT (key) DO UPDATE SET"
	    " count = CASE WHEN limits.until > $2::bigint THEN limits.count + 1 ELSE 1 END,"
	    " until = CASE WHEN limits.until > $2::bigint THEN limits.until"
	    " ELSE $2::bigint + $3::bigint END";
	static const char q_old[] = "DELETE FROM limits WHERE until <= $1";
	char at[24], window[24];
	struct pg_param p[] = {PG_BYTES(key, STORE_LIMIT_KEY_BYTES), PG_TEXT(pg_num(at, now)),
			       PG_TEXT(pg_num(window, window_ms))};
	enum cmn_rc rc;

	if ((rc = pg_do(s, q, 3, p, false)) != CMN_OK)
		return rc;
	/* the table holds open windows only: what a flood of addresses adds
	 * goes with its windows */
	return pg_do(s, q_old, 1, &p[1], false);
}

static enum cmn_rc pg_limit_clear(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES])
{
	static const char q[] = "DELETE FROM limits WHERE key = $1";
	struct pg_param p[] = {PG_BYTES(key, STORE_LIMIT_KEY_BYTES)};

	return pg_do(s, q, 1, p, false);
}

const struct store_ops store_pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .migrate = pg_store_migrate,
    .close = pg_close,
    .thread_done = pg_thread_done,
    .tx_begin = pg_store_tx_begin,
    .tx_end = pg_store_tx_end,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .person_add = pg_person_add,
    .person_by_handle = pg_person_by_handle,
    .person_by_id = pg_person_by_id,
    .person_each = pg_person_each,
    .person_set_disabled = pg_person_set_disabled,
    .person_set_role = pg_person_set_role,
    .person_set_password = pg_person_set_password,
    .person_delete = pg_person_delete,
    .person_count = pg_person_count,
    .org_add = pg_org_add,
    .org_each = pg_org_each,
    .org_get = pg_org_get,
    .session_add = pg_session_add,
    .session_get = pg_session_get,
    .session_delete = pg_session_delete,
    .token_add = pg_token_add,
    .token_get = pg_token_get,
    .token_each = pg_token_each,
    .token_delete = pg_token_delete,
    .doctype_put = pg_doctype_put,
    .doctype_each = pg_doctype_each,
    .meta_get = pg_meta_get,
    .meta_put = pg_meta_put,
    .has_persons = pg_has_persons,
    .limit_get = pg_limit_get,
    .limit_fail = pg_limit_fail,
    .limit_clear = pg_limit_clear,
};
