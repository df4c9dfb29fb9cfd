/*
 * store_govern.c - store_govern.h on either backend: the functions that
 * touch no table (the names of the states, the *_release helpers, the
 * register's hash) are here, the others call the store's backend
 * (src/store/sqlite/sqlite_govern.c or src/store/postgres/pg_govern.c).
 */
#include "store/store_govern_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* ops - the governance functions of s's backend */
static const struct store_govern_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_govern_ops : &store_pg_govern_ops;
}

/* ---- bodies --------------------------------------------------------------------- */

void gov_body_release(struct gov_body *b)
{
	free(b->statutes);
	b->statutes = NULL;
}

enum cmn_rc store_gov_body_add(struct store *s, struct gov_body *b)
{
	return ops(s)->body_add(s, b);
}

enum cmn_rc store_gov_body_get(struct store *s, const char *id, struct gov_body *b)
{
	return ops(s)->body_get(s, id, b);
}

enum cmn_rc store_gov_body_set_statutes(struct store *s, const char *id, const char *statutes)
{
	return ops(s)->body_set_statutes(s, id, statutes);
}

enum cmn_rc store_gov_body_each(struct store *s,
				enum cmn_rc (*fn)(const struct gov_body *b, void *ctx), void *ctx)
{
	return ops(s)->body_each(s, fn, ctx);
}

/* ---- members ---------------------------------------------------------------------- */

enum cmn_rc store_gov_join(struct store *s, const char *body_id, const char *person_id,
			   const char *college, int64_t now)
{
	return ops(s)->join(s, body_id, person_id, college, now);
}

enum cmn_rc store_gov_leave(struct store *s, const char *body_id, const char *person_id,
			    int64_t now)
{
	return ops(s)->leave(s, body_id, person_id, now);
}

enum cmn_rc store_gov_member_get(struct store *s, const char *body_id, const char *person_id,
				 struct gov_member *m)
{
	return ops(s)->member_get(s, body_id, person_id, m);
}

enum cmn_rc store_gov_members(struct store *s, const char *body_id, struct gov_member **out,
			      size_t *n)
{
	return ops(s)->members(s, body_id, out, n);
}

/* ---- proposals and votes ---------------------------------------------------------- */

static const char *const gov_states[GOV_STATE_COUNT] = {"open", "approved", "rejected",
							"no_quorum"};

const char *gov_state_name(enum gov_state s)
{
	return (unsigned)s < GOV_STATE_COUNT ? gov_states[s] : "?";
}

void gov_proposal_release(struct gov_proposal *p)
{
	free(p->text);
	free(p->tally);
	free(p->statutes);
	free(p->change);
	p->text = p->tally = p->statutes = p->change = NULL;
}

enum cmn_rc store_gov_proposal_add(struct store *s, struct gov_proposal *p)
{
	return ops(s)->proposal_add(s, p);
}

enum cmn_rc store_gov_proposal_get(struct store *s, const char *id, struct gov_proposal *p)
{
	return ops(s)->proposal_get(s, id, p);
}

enum cmn_rc store_gov_proposal_each(struct store *s, const char *body_id,
				    enum cmn_rc (*fn)(const struct gov_proposal *p, void *ctx),
				    void *ctx)
{
	return ops(s)->proposal_each(s, body_id, fn, ctx);
}

enum cmn_rc store_gov_proposal_for(struct store *s, const char *subject_kind,
				   const char *subject_id, struct gov_proposal *p)
{
	return ops(s)->proposal_for(s, subject_kind, subject_id, p);
}

enum cmn_rc store_gov_vote(struct store *s, const char *proposal_id, const char *person_id,
			   const char *choice, int64_t now)
{
	return ops(s)->vote(s, proposal_id, person_id, choice, now);
}

enum cmn_rc store_gov_votes(struct store *s, const char *proposal_id,
			    enum cmn_rc (*fn)(const char *person_id, const char *choice, int64_t at,
					      void *ctx),
			    void *ctx)
{
	return ops(s)->votes(s, proposal_id, fn, ctx);
}

enum cmn_rc store_gov_decide(struct store *s, const char *proposal_id, enum gov_state state,
			     const char *tally, int64_t now)
{
	return ops(s)->decide(s, proposal_id, state, tally, now);
}

/* ---- data-sharing agreements -------------------------------------------------------- */

static const char *const agreement_states[GOV_AGREEMENT_STATE_COUNT] = {"draft", "approved",
									"rejected", "ended"};

const char *gov_agreement_state_name(enum gov_agreement_state s)
{
	return (unsigned)s < GOV_AGREEMENT_STATE_COUNT ? agreement_states[s] : "?";
}

void gov_agreement_release(struct gov_agreement *a)
{
	free(a->spec);
	a->spec = NULL;
}

enum cmn_rc store_gov_agreement_add(struct store *s, struct gov_agreement *a)
{
	return ops(s)->agreement_add(s, a);
}

enum cmn_rc store_gov_agreement_get(struct store *s, const char *id, struct gov_agreement *a)
{
	return ops(s)->agreement_get(s, id, a);
}

enum cmn_rc store_gov_agreement_each(struct store *s, const char *body_id, const char *org_id,
				     enum cmn_rc (*fn)(const struct gov_agreement *a, void *ctx),
				     void *ctx)
{
	return ops(s)->agreement_each(s, body_id, org_id, fn, ctx);
}

enum cmn_rc store_gov_agreement_decide(struct store *s, const char *id, bool approve,
				       const char *by, int64_t now)
{
	return ops(s)->agreement_decide(s, id, approve, by, now);
}

enum cmn_rc store_gov_agreement_end(struct store *s, const char *id, int64_t now)
{
	return ops(s)->agreement_end(s, id, now);
}

/* ---- the debate ------------------------------------------------------------------ */

enum cmn_rc store_gov_comment_add(struct store *s, struct gov_comment *c, const char *text)
{
	return ops(s)->comment_add(s, c, text);
}

enum cmn_rc store_gov_comment_get(struct store *s, const char *id, struct gov_comment *c,
				  char **text)
{
	return ops(s)->comment_get(s, id, c, text);
}

enum cmn_rc store_gov_comments(struct store *s, const char *proposal_id,
			       enum cmn_rc (*fn)(const struct gov_comment *c, void *ctx), void *ctx)
{
	return ops(s)->comments(s, proposal_id, fn, ctx);
}

enum cmn_rc store_gov_comment_hide(struct store *s, const char *id, const char *by,
				   const char *reason, int64_t now)
{
	return ops(s)->comment_hide(s, id, by, reason, now);
}

/* ---- the decision register ---------------------------------------------------------- */

static void hash_part(crypto_generichash_state *h, const void *p, uint64_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_generichash_update(h, len, sizeof(len));
	crypto_generichash_update(h, p, n);
}

void gov_entry_hash(const char *prev, int64_t seq, int64_t at, const char *kind,
		    const char *payload, char out[CRYPT_HASH_HEX_LEN])
{
	static const char tag[] = "commune.govern.register.v1";
	crypto_generichash_state h;
	unsigned char d[32], num[16];

	for (int i = 0; i < 8; i++) {
		num[i] = (unsigned char)((uint64_t)seq >> (8 * i));
		num[8 + i] = (unsigned char)((uint64_t)at >> (8 * i));
	}
	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	hash_part(&h, tag, sizeof(tag) - 1);
	hash_part(&h, prev, strlen(prev));
	hash_part(&h, num, sizeof(num));
	hash_part(&h, kind, strlen(kind));
	hash_part(&h, payload, strlen(payload));
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out, CRYPT_HASH_HEX_LEN, d, sizeof(d));
}

enum cmn_rc store_gov_append(struct store *s, const struct keyring *keys, const char *body_id,
			     const char *kind, const char *payload, int64_t at)
{
	return ops(s)->append(s, keys, body_id, kind, payload, at);
}

enum cmn_rc store_gov_register_each(struct store *s, const char *body_id,
				    enum cmn_rc (*fn)(const struct gov_entry *e, void *ctx),
				    void *ctx)
{
	return ops(s)->register_each(s, body_id, fn, ctx);
}
