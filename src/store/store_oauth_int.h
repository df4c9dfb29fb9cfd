/*
 * store_oauth_int.h - the table of the functions of store_oauth.h that a
 * backend provides (OAuth codes and tokens), and the two backends'
 * tables. Only src/store/ includes this file; services use
 * src/store/store_oauth.h, which store_oauth.c implements by calling the
 * store's backend through these tables.
 */
#ifndef COMMUNE_STORE_STORE_OAUTH_INT_H
#define COMMUNE_STORE_STORE_OAUTH_INT_H

#include "store/store_oauth.h"

/* The OAuth functions of a backend. Each has the meaning of the
 * store_oauth.h function of the same name (store_oauth_ prefix dropped). */
struct store_oauth_ops {
	enum cmn_rc (*code_add)(struct store *s, const char *code_hash, const struct oauth_code *c);
	enum cmn_rc (*code_take)(struct store *s, const char *code_hash, int64_t now,
				 struct oauth_code *out);
	enum cmn_rc (*code_family)(struct store *s, const char *code_hash, const char *family);
	enum cmn_rc (*token_add)(struct store *s, const char *hash, struct oauth_token *t);
	enum cmn_rc (*token_get)(struct store *s, const char *hash, struct oauth_token *out);
	enum cmn_rc (*refresh_rotate)(struct store *s, const char *old_hash,
				      const char *refresh_hash, struct oauth_token *refresh,
				      const char *access_hash, struct oauth_token *access);
	enum cmn_rc (*token_revoke)(struct store *s, const char *hash, bool family);
	enum cmn_rc (*grant_revoke)(struct store *s, const char *grant_id);
};

/* the SQLite backend's (sqlite_oauth.c) and PostgreSQL's (pg_oauth.c) */
extern const struct store_oauth_ops store_sqlite_oauth_ops;
extern const struct store_oauth_ops store_pg_oauth_ops;

#endif
