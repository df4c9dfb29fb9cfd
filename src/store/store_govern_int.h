/*
 * store_govern_int.h - what the two backends of store_govern.h share: the
 * table of the governance functions a backend provides. Only src/store/
 * includes this file; services use src/store/store_govern.h.
 *
 * store_govern.c implements store_govern.h: the functions that touch no
 * table (the names of the states, the *_release helpers, the register's
 * hash) itself, the others by calling the store's backend through one of
 * the two tables below (docs/postgres.md, "Porting a module").
 */
#ifndef COMMUNE_STORE_STORE_GOVERN_INT_H
#define COMMUNE_STORE_STORE_GOVERN_INT_H

#include "store/store_govern.h"
#include "store/store_int.h"

/* The governance functions of a backend. Each has the meaning of the
 * store_govern.h function of the same name (store_gov_ prefix dropped). */
struct store_govern_ops {
	enum cmn_rc (*body_add)(struct store *s, struct gov_body *b);
	enum cmn_rc (*body_get)(struct store *s, const char *id, struct gov_body *b);
	enum cmn_rc (*body_set_statutes)(struct store *s, const char *id, const char *statutes);
	enum cmn_rc (*body_each)(struct store *s,
				 enum cmn_rc (*fn)(const struct gov_body *b, void *ctx), void *ctx);

	enum cmn_rc (*join)(struct store *s, const char *body_id, const char *person_id,
			    const char *college, int64_t now);
	enum cmn_rc (*leave)(struct store *s, const char *body_id, const char *person_id,
			     int64_t now);
	enum cmn_rc (*member_get)(struct store *s, const char *body_id, const char *person_id,
				  struct gov_member *m);
	enum cmn_rc (*members)(struct store *s, const char *body_id, struct gov_member **out,
			       size_t *n);

	enum cmn_rc (*proposal_add)(struct store *s, struct gov_proposal *p);
	enum cmn_rc (*proposal_get)(struct store *s, const char *id, struct gov_proposal *p);
	enum cmn_rc (*proposal_each)(struct store *s, const char *body_id,
				     enum cmn_rc (*fn)(const struct gov_proposal *p, void *ctx),
				     void *ctx);
	enum cmn_rc (*proposal_for)(struct store *s, const char *subject_kind,
				    const char *subject_id, struct gov_proposal *p);
	enum cmn_rc (*vote)(struct store *s, const char *proposal_id, const char *person_id,
			    const char *choice, int64_t now);
	enum cmn_rc (*votes)(struct store *s, const char *proposal_id,
			     enum cmn_rc (*fn)(const char *person_id, const char *choice,
					       int64_t at, void *ctx),
			     void *ctx);
	enum cmn_rc (*decide)(struct store *s, const char *proposal_id, enum gov_state state,
			      const char *tally, int64_t now);

	enum cmn_rc (*agreement_add)(struct store *s, struct gov_agreement *a);
	enum cmn_rc (*agreement_get)(struct store *s, const char *id, struct gov_agreement *a);
	enum cmn_rc (*agreement_each)(struct store *s, const char *body_id, const char *org_id,
				      enum cmn_rc (*fn)(const struct gov_agreement *a, void *ctx),
				      void *ctx);
	enum cmn_rc (*agreement_decide)(struct store *s, const char *id, bool approve,
					const char *by, int64_t now);
	enum cmn_rc (*agreement_end)(struct store *s, const char *id, int64_t now);

	enum cmn_rc (*comment_add)(struct store *s, struct gov_comment *c, const char *text);
	enum cmn_rc (*comment_get)(struct store *s, const char *id, struct gov_comment *c,
				   char **text);
	enum cmn_rc (*comments)(struct store *s, const char *proposal_id,
				enum cmn_rc (*fn)(const struct gov_comment *c, void *ctx),
				void *ctx);
	enum cmn_rc (*comment_hide)(struct store *s, const char *id, const char *by,
				    const char *reason, int64_t now);

	enum cmn_rc (*append)(struct store *s, const struct keyring *keys, const char *body_id,
			      const char *kind, const char *payload, int64_t at);
	enum cmn_rc (*register_each)(struct store *s, const char *body_id,
				     enum cmn_rc (*fn)(const struct gov_entry *e, void *ctx),
				     void *ctx);
};

/* the SQLite backend's (src/store/sqlite/sqlite_govern.c) */
extern const struct store_govern_ops store_sqlite_govern_ops;
/* the PostgreSQL backend's (src/store/postgres/pg_govern.c) */
extern const struct store_govern_ops store_pg_govern_ops;

#endif
