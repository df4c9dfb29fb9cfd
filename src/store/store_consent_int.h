/*
 * store_consent_int.h - the table of the functions of store_consent.h that
 * a backend provides (services, blocks, grants, shares), and the two
 * backends' tables. Only src/store/ includes this file; services use
 * src/store/store_consent.h, which store_consent.c implements by calling
 * the store's backend through these tables.
 */
#ifndef COMMUNE_STORE_STORE_CONSENT_INT_H
#define COMMUNE_STORE_STORE_CONSENT_INT_H

#include "store/store_consent.h"

/* The consent functions of a backend. Each has the meaning of the
 * store_consent.h function of the same name (store_ prefix dropped). */
struct store_consent_ops {
	enum cmn_rc (*client_add)(struct store *s, const char *org_id, const char *name,
				  const char *secret_hash, const char *metadata,
				  struct client *out);
	enum cmn_rc (*client_get)(struct store *s, const char *id, struct client *out,
				  char **metadata, char *secret_hash);
	enum cmn_rc (*client_each)(struct store *s, const char *org_id,
				   enum cmn_rc (*fn)(const struct client *c, void *ctx), void *ctx);
	enum cmn_rc (*client_block)(struct store *s, const char *client_id, const char *by,
				    const char *reason);
	enum cmn_rc (*client_unblock)(struct store *s, const char *client_id, const char *by);
	enum cmn_rc (*client_blocks)(struct store *s, const char *client_id,
				     enum cmn_rc (*fn)(const char *by, const char *reason,
						       int64_t at, void *ctx),
				     void *ctx);
	enum cmn_rc (*person_org_id)(struct store *s, const char *person_id, char *out);

	enum cmn_rc (*grant_add)(struct store *s, struct grant_row *row, const char *actor);
	enum cmn_rc (*grant_get)(struct store *s, const char *id, struct grant_row *out);
	enum cmn_rc (*grant_set_status)(struct store *s, const char *id, const char *from,
					const char *to, const char *actor);
	enum cmn_rc (*grant_history)(struct store *s, const char *id,
				     enum cmn_rc (*fn)(int64_t at, const char *status,
						       const char *actor, void *ctx),
				     void *ctx);
	enum cmn_rc (*grant_each)(struct store *s, const char *person_id, const char *grantee_kind,
				  const char *grantee_id,
				  enum cmn_rc (*fn)(const struct grant_row *row, void *ctx),
				  void *ctx);

	enum cmn_rc (*share_unlock)(struct store *s, const char *grant_id, const char *session_hash,
				    int64_t until);
	enum cmn_rc (*share_link_add)(struct store *s, const char *hash, const char *grant_id);
	enum cmn_rc (*share_link_get)(struct store *s, const char *hash, char *grant_id);
	enum cmn_rc (*share_view)(struct store *s, const char *grant_id, int64_t max);
	bool (*share_unlocked)(struct store *s, const char *grant_id, const char *session_hash,
			       int64_t now);

	enum cmn_rc (*grant_counts)(struct store *s, int64_t now, struct grant_counts *out);
	enum cmn_rc (*grant_used)(struct store *s, const char *id, int64_t n, int64_t last);
};

/* the SQLite backend's (sqlite_consent.c) and PostgreSQL's (pg_consent.c) */
extern const struct store_consent_ops store_sqlite_consent_ops;
extern const struct store_consent_ops store_pg_consent_ops;

#endif
