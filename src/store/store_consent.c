/*
 * store_consent.c - the functions of store_consent.h: each calls the
 * store's backend (store_sqlite_consent_ops or store_pg_consent_ops, of
 * store_consent_int.h); what needs no database (grant_row_release) is
 * here, the same for both. The contracts are store_consent.h's.
 */
#include "store/store_consent_int.h"

#include <stdlib.h>

#include "store/store_int.h"

/* ops - the consent functions of s's backend */
static const struct store_consent_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_consent_ops : &store_pg_consent_ops;
}

/* ---- services ----------------------------------------------------------- */

enum cmn_rc store_client_add(struct store *s, const char *org_id, const char *name,
			     const char *secret_hash, const char *metadata, struct client *out)
{
	return ops(s)->client_add(s, org_id, name, secret_hash, metadata, out);
}

enum cmn_rc store_client_get(struct store *s, const char *id, struct client *out, char **metadata,
			     char *secret_hash)
{
	return ops(s)->client_get(s, id, out, metadata, secret_hash);
}

enum cmn_rc store_client_each(struct store *s, const char *org_id,
			      enum cmn_rc (*fn)(const struct client *c, void *ctx), void *ctx)
{
	return ops(s)->client_each(s, org_id, fn, ctx);
}

enum cmn_rc store_client_block(struct store *s, const char *client_id, const char *by,
			       const char *reason)
{
	return ops(s)->client_block(s, client_id, by, reason);
}

enum cmn_rc store_client_unblock(struct store *s, const char *client_id, const char *by)
{
	return ops(s)->client_unblock(s, client_id, by);
}

enum cmn_rc store_client_blocks(struct store *s, const char *client_id,
				enum cmn_rc (*fn)(const char *by, const char *reason, int64_t at,
						  void *ctx),
				void *ctx)
{
	return ops(s)->client_blocks(s, client_id, fn, ctx);
}

enum cmn_rc store_person_org_id(struct store *s, const char *person_id, char *out)
{
	return ops(s)->person_org_id(s, person_id, out);
}

/* ---- grants ------------------------------------------------------------- */

void grant_row_release(struct grant_row *row)
{
	free(row->body);
	row->body = NULL;
}

enum cmn_rc store_grant_add(struct store *s, struct grant_row *row, const char *actor)
{
	return ops(s)->grant_add(s, row, actor);
}

enum cmn_rc store_grant_get(struct store *s, const char *id, struct grant_row *out)
{
	return ops(s)->grant_get(s, id, out);
}

enum cmn_rc store_grant_set_status(struct store *s, const char *id, const char *from,
				   const char *to, const char *actor)
{
	return ops(s)->grant_set_status(s, id, from, to, actor);
}

enum cmn_rc store_grant_history(struct store *s, const char *id,
				enum cmn_rc (*fn)(int64_t at, const char *status, const char *actor,
						  void *ctx),
				void *ctx)
{
	return ops(s)->grant_history(s, id, fn, ctx);
}

enum cmn_rc store_grant_each(struct store *s, const char *person_id, const char *grantee_kind,
			     const char *grantee_id,
			     enum cmn_rc (*fn)(const struct grant_row *row, void *ctx), void *ctx)
{
	return ops(s)->grant_each(s, person_id, grantee_kind, grantee_id, fn, ctx);
}

/* ---- shares ------------------------------------------------------------- */

enum cmn_rc store_share_unlock(struct store *s, const char *grant_id, const char *session_hash,
			       int64_t until)
{
	return ops(s)->share_unlock(s, grant_id, session_hash, until);
}

enum cmn_rc store_share_link_add(struct store *s, const char *hash, const char *grant_id)
{
	return ops(s)->share_link_add(s, hash, grant_id);
}

enum cmn_rc store_share_link_get(struct store *s, const char *hash, char *grant_id)
{
	return ops(s)->share_link_get(s, hash, grant_id);
}

enum cmn_rc store_share_view(struct store *s, const char *grant_id, int64_t max)
{
	return ops(s)->share_view(s, grant_id, max);
}

bool store_share_unlocked(struct store *s, const char *grant_id, const char *session_hash,
			  int64_t now)
{
	return ops(s)->share_unlocked(s, grant_id, session_hash, now);
}

/* ---- counts ------------------------------------------------------------- */

enum cmn_rc store_grant_counts(struct store *s, int64_t now, struct grant_counts *out)
{
	return ops(s)->grant_counts(s, now, out);
}

enum cmn_rc store_grant_used(struct store *s, const char *id, int64_t n, int64_t last)
{
	return ops(s)->grant_used(s, id, n, last);
}
