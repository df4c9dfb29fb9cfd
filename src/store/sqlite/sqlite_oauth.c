/*
 * sqlite_oauth.c - OAuth codes and tokens in the platform store, kept by
 * hash. See store/store_oauth.h: store_oauth.c calls these functions
 * through store_sqlite_oauth_ops.
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_oauth_int.h"

#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static enum cmn_rc sq_code_add(struct store *s, const char *code_hash, const struct oauth_code *oc)
{
	static const char q[] = "INSERT INTO oauth_codes(hash, client_id, grant_id, redirect_uri,"
				" challenge, expires) VALUES (?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, oc->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, oc->grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, oc->redirect_uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, oc->challenge, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, oc->expires);
	return conn_step_done(c, st);
}

/* revoke_family - revokes every token of a family, in the caller's transaction. */
static enum cmn_rc revoke_family(struct conn *c, const char *family)
{
	static const char q[] = "UPDATE oauth_tokens SET revoked = 1 WHERE family = ?";
	sqlite3_stmt *st = conn_stmt(c, q);

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, family, -1, SQLITE_STATIC);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_code_take(struct store *s, const char *code_hash, int64_t now,
				struct oauth_code *out)
{
	static const char q_get[] = "SELECT client_id, grant_id, redirect_uri, challenge, expires,"
				    " used, coalesce(family, '') FROM oauth_codes WHERE hash = ?";
	static const char q_use[] = "UPDATE oauth_codes SET used = 1 WHERE hash = ?";
	struct conn *c = store_platform_conn(s);
	char family[CRYPT_ID_LEN] = "";
	enum cmn_rc rc;
	sqlite3_stmt *st;
	bool used = false;
	int sr;

	memset(out, 0, sizeof(*out));
	if (!c || !(st = conn_stmt(c, q_get)))
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		conn_text_col(st, 0, out->client_id, sizeof(out->client_id));
		conn_text_col(st, 1, out->grant_id, sizeof(out->grant_id));
		conn_text_col(st, 2, out->redirect_uri, sizeof(out->redirect_uri));
		conn_text_col(st, 3, out->challenge, sizeof(out->challenge));
		out->expires = sqlite3_column_int64(st, 4);
		used = sqlite3_column_int(st, 5) != 0;
		conn_text_col(st, 6, family, sizeof(family));
	}
	sqlite3_reset(st);
	if (sr != SQLITE_ROW)
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	else if (used)
		rc = family[0] ? revoke_family(c, family) : CMN_OK;
	else if (now >= out->expires)
		rc = CMN_ERR_NOT_FOUND;
	else if (!(st = conn_stmt(c, q_use)))
		rc = CMN_ERR_STORE;
	else {
		sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	rc = conn_tx_end(c, rc);
	if (used)
		store_auth_changed(s);
	if (rc == CMN_OK && used)
		rc = CMN_ERR_CONFLICT;
	if (rc != CMN_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static enum cmn_rc sq_code_family(struct store *s, const char *code_hash, const char *family)
{
	static const char q[] = "UPDATE oauth_codes SET family = ? WHERE hash = ?";

	return conn_run(store_platform_conn(s), q, family, code_hash, false);
}

/* insert_token - records a token, in or out of a transaction. */
static enum cmn_rc insert_token(struct conn *c, const char *hash, struct oauth_token *t)
{
	static const char q[] = "INSERT INTO oauth_tokens(hash, kind, client_id, grant_id, family,"
				" expires, created) VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = conn_stmt(c, q);

	if (!st)
		return CMN_ERR_STORE;
	t->created = time_now_ms();
	t->revoked = false;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, t->expires);
	sqlite3_bind_int64(st, 7, t->created);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_token_add(struct store *s, const char *hash, struct oauth_token *t)
{
	struct conn *c = store_platform_conn(s);

	return c ? insert_token(c, hash, t) : CMN_ERR_STORE;
}

static enum cmn_rc sq_token_get(struct store *s, const char *hash, struct oauth_token *out)
{
	static const char q[] =
	    "SELECT kind, client_id, grant_id, family, expires, created, revoked"
	    " FROM oauth_tokens WHERE hash = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	memset(out, 0, sizeof(*out));
	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		conn_text_col(st, 0, out->kind, sizeof(out->kind));
		conn_text_col(st, 1, out->client_id, sizeof(out->client_id));
		conn_text_col(st, 2, out->grant_id, sizeof(out->grant_id));
		conn_text_col(st, 3, out->family, sizeof(out->family));
		out->expires = sqlite3_column_int64(st, 4);
		out->created = sqlite3_column_int64(st, 5);
		out->revoked = sqlite3_column_int(st, 6) != 0;
	}
	sqlite3_reset(st);
	if (sr == SQLITE_ROW)
		return CMN_OK;
	return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
}

static enum cmn_rc sq_refresh_rotate(struct store *s, const char *old_hash,
				     const char *refresh_hash, struct oauth_token *refresh,
				     const char *access_hash, struct oauth_token *access)
{
	static const char q_get[] = "SELECT family, revoked FROM oauth_tokens"
				    " WHERE hash = ? AND kind = 'refresh'";
	static const char q_revoke[] = "UPDATE oauth_tokens SET revoked = 1 WHERE hash = ?";
	struct conn *c = store_platform_conn(s);
	char family[CRYPT_ID_LEN] = "";
	bool revoked = false;
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if (!c || !(st = conn_stmt(c, q_get)))
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	sqlite3_bind_text(st, 1, old_hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		conn_text_col(st, 0, family, sizeof(family));
		revoked = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_reset(st);
	if (sr != SQLITE_ROW) {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	} else if (revoked) {
		/* a rotated token used again: whoever holds the family loses it */
		rc = conn_tx_end(c, revoke_family(c, family));
		store_auth_changed(s);
		return rc == CMN_OK ? CMN_ERR_CONFLICT : rc;
	} else if (!(st = conn_stmt(c, q_revoke))) {
		rc = CMN_ERR_STORE;
	} else {
		sqlite3_bind_text(st, 1, old_hash, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	if (rc == CMN_OK) {
		str_copy(refresh->family, sizeof(refresh->family), family);
		str_copy(access->family, sizeof(access->family), family);
		rc = insert_token(c, refresh_hash, refresh);
	}
	if (rc == CMN_OK)
		rc = insert_token(c, access_hash, access);
	rc = conn_tx_end(c, rc);
	store_auth_changed(s);
	return rc;
}

static enum cmn_rc sq_token_revoke(struct store *s, const char *hash, bool family)
{
	static const char q_one[] = "UPDATE oauth_tokens SET revoked = 1 WHERE hash = ?";
	static const char q_family[] = "UPDATE oauth_tokens SET revoked = 1 WHERE family ="
				       " (SELECT family FROM oauth_tokens WHERE hash = ?)";

	return store_auth_change(s, family ? q_family : q_one, hash, NULL, true);
}

static enum cmn_rc sq_grant_revoke(struct store *s, const char *grant_id)
{
	static const char q[] = "UPDATE oauth_tokens SET revoked = 1 WHERE grant_id = ?";

	return store_auth_change(s, q, grant_id, NULL, false);
}

/* store_sqlite_oauth_ops - the OAuth functions of a SQLite store */
const struct store_oauth_ops store_sqlite_oauth_ops = {
    .code_add = sq_code_add,
    .code_take = sq_code_take,
    .code_family = sq_code_family,
    .token_add = sq_token_add,
    .token_get = sq_token_get,
    .refresh_rotate = sq_refresh_rotate,
    .token_revoke = sq_token_revoke,
    .grant_revoke = sq_grant_revoke,
};
