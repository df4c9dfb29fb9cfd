/*
 * pg_oauth.c - OAuth codes and tokens in PostgreSQL, kept by hash: the
 * functions of store/store_oauth.h on libpq, with the results of
 * sqlite_oauth.c's. store_oauth.c calls them through store_pg_oauth_ops.
 *
 * SQLite's BEGIN IMMEDIATE makes a code's use and a refresh token's
 * rotation one at a time; here SELECT ... FOR UPDATE does, on the row of
 * the code or the token: a second use waits for the first to commit, then
 * finds it used (or revoked) and revokes the family as SQLite's would.
 */
#include "store/postgres/pg_int.h"
#include "store/store_oauth_int.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const oauth_migrations[] = {
    /* 1: the codes and tokens of SQLite's platform migration 2, bound to a
     * service and a grant (and gone with them) */
    "CREATE TABLE oauth_codes ("
    "  hash text PRIMARY KEY,"
    "  client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
    "  grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
    "  redirect_uri text NOT NULL, challenge text NOT NULL, expires bigint NOT NULL,"
    "  used boolean NOT NULL DEFAULT false, family text);"
    "CREATE INDEX oauth_codes_grant ON oauth_codes(grant_id);"
    "CREATE TABLE oauth_tokens ("
    "  hash text PRIMARY KEY, kind text NOT NULL,"
    "  client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
    "  grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
    "  family text NOT NULL, expires bigint NOT NULL,"
    "  revoked boolean NOT NULL DEFAULT false, created bigint NOT NULL);"
    "CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);"
    "CREATE INDEX oauth_tokens_family ON oauth_tokens(family);",
};

/* pg_oauth_schema - the OAuth tables, after the consent ones (they refer
 * to clients and grants): listed in schemas[] of pg_platform.c */
const struct pg_schema pg_oauth_schema = {
    "oauth", oauth_migrations, (int)(sizeof(oauth_migrations) / sizeof(*oauth_migrations))};

/* as_sqlite - the result of an insert as SQLite tells it: SQLite has one
 * code for every constraint (CMN_ERR_EXISTS), where PostgreSQL tells a
 * foreign key's (CMN_ERR_NOT_FOUND: no such service or grant) apart */
static enum cmn_rc as_sqlite(enum cmn_rc rc)
{
	return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_EXISTS : rc;
}

static bool pg_bool(const PGresult *r, int row, int col)
{
	return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

static enum cmn_rc pg_code_add(struct store *s, const char *code_hash, const struct oauth_code *oc)
{
	static const char q[] = "INSERT INTO oauth_codes(hash, client_id, grant_id, redirect_uri,"
				" challenge, expires) VALUES ($1, $2, $3, $4, $5, $6)";
	char expires[24];
	struct pg_param p[] = {PG_TEXT(code_hash),     PG_TEXT(oc->client_id),
			       PG_TEXT(oc->grant_id),  PG_TEXT(oc->redirect_uri),
			       PG_TEXT(oc->challenge), PG_TEXT(pg_num(expires, oc->expires))};

	return as_sqlite(pg_do(s, q, 6, p, false));
}

/* revoke_family - revokes every token of a family, in the caller's transaction. */
static enum cmn_rc revoke_family(struct pg_conn *c, const char *family)
{
	static const char q[] = "UPDATE oauth_tokens SET revoked = true WHERE family = $1";
	struct pg_param p[] = {PG_TEXT(family)};

	return pg_change(c, q, 1, p, false);
}

static enum cmn_rc pg_code_take(struct store *s, const char *code_hash, int64_t now,
				struct oauth_code *out)
{
	static const char q_get[] = "SELECT client_id, grant_id, redirect_uri, challenge, expires,"
				    " used, coalesce(family, '') FROM oauth_codes WHERE hash = $1"
				    " FOR UPDATE";
	static const char q_use[] = "UPDATE oauth_codes SET used = true WHERE hash = $1";
	struct pg_conn *c = pg_conn_of(s);
	struct pg_param p[] = {PG_TEXT(code_hash)};
	char family[CRYPT_ID_LEN] = "";
	enum cmn_rc rc;
	PGresult *r;
	bool used = false;

	memset(out, 0, sizeof(*out));
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_one(c, q_get, 1, p, &r);
	if (rc == CMN_OK) {
		pg_text(r, 0, 0, out->client_id, sizeof(out->client_id));
		pg_text(r, 0, 1, out->grant_id, sizeof(out->grant_id));
		pg_text(r, 0, 2, out->redirect_uri, sizeof(out->redirect_uri));
		pg_text(r, 0, 3, out->challenge, sizeof(out->challenge));
		out->expires = pg_i64(r, 0, 4);
		used = pg_bool(r, 0, 5);
		pg_text(r, 0, 6, family, sizeof(family));
		PQclear(r);
		if (used)
			rc = family[0] ? revoke_family(c, family) : CMN_OK;
		else if (now >= out->expires)
			rc = CMN_ERR_NOT_FOUND;
		else
			rc = pg_change(c, q_use, 1, p, false);
	}
	rc = pg_tx_end(c, rc);
	if (used)
		store_auth_changed(s);
	if (rc == CMN_OK && used)
		rc = CMN_ERR_CONFLICT;
	if (rc != CMN_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static enum cmn_rc pg_code_family(struct store *s, const char *code_hash, const char *family)
{
	static const char q[] = "UPDATE oauth_codes SET family = $1 WHERE hash = $2";
	struct pg_param p[] = {PG_TEXT(family), PG_TEXT(code_hash)};

	return pg_do(s, q, 2, p, false);
}

/* insert_token - records a token, in or out of a transaction. */
static enum cmn_rc insert_token(struct pg_conn *c, const char *hash, struct oauth_token *t)
{
	static const char q[] = "INSERT INTO oauth_tokens(hash, kind, client_id, grant_id, family,"
				" expires, created) VALUES ($1, $2, $3, $4, $5, $6, $7)";
	char expires[24], created[24];

	t->created = time_now_ms();
	t->revoked = false;
	{
		struct pg_param p[] = {PG_TEXT(hash),
				       PG_TEXT(t->kind),
				       PG_TEXT(t->client_id),
				       PG_TEXT(t->grant_id),
				       PG_TEXT(t->family),
				       PG_TEXT(pg_num(expires, t->expires)),
				       PG_TEXT(pg_num(created, t->created))};

		return as_sqlite(pg_change(c, q, 7, p, false));
	}
}

static enum cmn_rc pg_token_add(struct store *s, const char *hash, struct oauth_token *t)
{
	struct pg_conn *c = pg_conn_of(s);

	return c ? insert_token(c, hash, t) : CMN_ERR_STORE;
}

static enum cmn_rc pg_token_get(struct store *s, const char *hash, struct oauth_token *out)
{
	static const char q[] =
	    "SELECT kind, client_id, grant_id, family, expires, created, revoked"
	    " FROM oauth_tokens WHERE hash = $1";
	struct pg_param p[] = {PG_TEXT(hash)};
	enum cmn_rc rc;
	PGresult *r;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	pg_text(r, 0, 0, out->kind, sizeof(out->kind));
	pg_text(r, 0, 1, out->client_id, sizeof(out->client_id));
	pg_text(r, 0, 2, out->grant_id, sizeof(out->grant_id));
	pg_text(r, 0, 3, out->family, sizeof(out->family));
	out->expires = pg_i64(r, 0, 4);
	out->created = pg_i64(r, 0, 5);
	out->revoked = pg_bool(r, 0, 6);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_refresh_rotate(struct store *s, const char *old_hash,
				     const char *refresh_hash, struct oauth_token *refresh,
				     const char *access_hash, struct oauth_token *access)
{
	static const char q_get[] = "SELECT family, revoked FROM oauth_tokens"
				    " WHERE hash = $1 AND kind = 'refresh' FOR UPDATE";
	static const char q_revoke[] = "UPDATE oauth_tokens SET revoked = true WHERE hash = $1";
	struct pg_conn *c = pg_conn_of(s);
	struct pg_param p[] = {PG_TEXT(old_hash)};
	char family[CRYPT_ID_LEN] = "";
	bool revoked = false;
	enum cmn_rc rc;
	PGresult *r;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_one(c, q_get, 1, p, &r);
	if (rc == CMN_OK) {
		pg_text(r, 0, 0, family, sizeof(family));
		revoked = pg_bool(r, 0, 1);
		PQclear(r);
		if (revoked) {
			/* a rotated token used again: whoever holds the family loses it */
			rc = pg_tx_end(c, revoke_family(c, family));
			store_auth_changed(s);
			return rc == CMN_OK ? CMN_ERR_CONFLICT : rc;
		}
		rc = pg_change(c, q_revoke, 1, p, false);
	}
	if (rc == CMN_OK) {
		str_copy(refresh->family, sizeof(refresh->family), family);
		str_copy(access->family, sizeof(access->family), family);
		rc = insert_token(c, refresh_hash, refresh);
	}
	if (rc == CMN_OK)
		rc = insert_token(c, access_hash, access);
	rc = pg_tx_end(c, rc);
	store_auth_changed(s);
	return rc;
}

static enum cmn_rc pg_token_revoke(struct store *s, const char *hash, bool family)
{
	static const char q_one[] = "UPDATE oauth_tokens SET revoked = true WHERE hash = $1";
	static const char q_family[] = "UPDATE oauth_tokens SET revoked = true WHERE family ="
				       " (SELECT family FROM oauth_tokens WHERE hash = $1)";
	struct pg_param p[] = {PG_TEXT(hash)};

	return pg_auth_change(s, family ? q_family : q_one, 1, p, true);
}

static enum cmn_rc pg_grant_revoke(struct store *s, const char *grant_id)
{
	static const char q[] = "UPDATE oauth_tokens SET revoked = true WHERE grant_id = $1";
	struct pg_param p[] = {PG_TEXT(grant_id)};

	return pg_auth_change(s, q, 1, p, false);
}

/* store_pg_oauth_ops - the OAuth functions of a PostgreSQL store */
const struct store_oauth_ops store_pg_oauth_ops = {
    .code_add = pg_code_add,
    .code_take = pg_code_take,
    .code_family = pg_code_family,
    .token_add = pg_token_add,
    .token_get = pg_token_get,
    .refresh_rotate = pg_refresh_rotate,
    .token_revoke = pg_token_revoke,
    .grant_revoke = pg_grant_revoke,
};
