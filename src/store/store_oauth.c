/*
 * store_oauth.c - the functions of store_oauth.h: each calls the store's
 * backend (store_sqlite_oauth_ops or store_pg_oauth_ops, of
 * store_oauth_int.h). The contracts are store_oauth.h's.
 */
#include "store/store_oauth_int.h"

#include "store/store_int.h"

/* ops - the OAuth functions of s's backend */
static const struct store_oauth_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_oauth_ops : &store_pg_oauth_ops;
}

enum cmn_rc store_oauth_code_add(struct store *s, const char *code_hash, const struct oauth_code *c)
{
	return ops(s)->code_add(s, code_hash, c);
}

enum cmn_rc store_oauth_code_take(struct store *s, const char *code_hash, int64_t now,
				  struct oauth_code *out)
{
	return ops(s)->code_take(s, code_hash, now, out);
}

enum cmn_rc store_oauth_code_family(struct store *s, const char *code_hash, const char *family)
{
	return ops(s)->code_family(s, code_hash, family);
}

enum cmn_rc store_oauth_token_add(struct store *s, const char *hash, struct oauth_token *t)
{
	return ops(s)->token_add(s, hash, t);
}

enum cmn_rc store_oauth_token_get(struct store *s, const char *hash, struct oauth_token *out)
{
	return ops(s)->token_get(s, hash, out);
}

enum cmn_rc store_oauth_refresh_rotate(struct store *s, const char *old_hash,
				       const char *refresh_hash, struct oauth_token *refresh,
				       const char *access_hash, struct oauth_token *access)
{
	return ops(s)->refresh_rotate(s, old_hash, refresh_hash, refresh, access_hash, access);
}

enum cmn_rc store_oauth_token_revoke(struct store *s, const char *hash, bool family)
{
	return ops(s)->token_revoke(s, hash, family);
}

enum cmn_rc store_oauth_grant_revoke(struct store *s, const char *grant_id)
{
	return ops(s)->grant_revoke(s, grant_id);
}
