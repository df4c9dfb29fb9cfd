/*
 * sqlite_govern.c - governance bodies in the platform store
 * (store_govern.h) on SQLite: bodies, members, proposals, votes,
 * agreements, the debate and the signed decision registers, gathered in
 * store_sqlite_govern_ops (store_govern.c calls them).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_govern_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

static char *dup_text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? strdup(t) : NULL;
}

/* ---- bodies --------------------------------------------------------------------- */

static enum cmn_rc sq_gov_body_add(struct store *s, struct gov_body *b)
{
	static const char q[] = "INSERT INTO gov_bodies(id, kind, name, statutes, created)"
				" VALUES (?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	crypt_id_new(b->id);
	sqlite3_bind_text(st, 1, b->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b->statutes, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, b->created);
	return conn_step_done(c, st);
}

static enum cmn_rc read_body(sqlite3_stmt *st, struct gov_body *b)
{
	memset(b, 0, sizeof(*b));
	conn_text_col(st, 0, b->id, sizeof(b->id));
	conn_text_col(st, 1, b->kind, sizeof(b->kind));
	conn_text_col(st, 2, b->name, sizeof(b->name));
	b->created = sqlite3_column_int64(st, 4);
	return (b->statutes = dup_text(st, 3)) ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc sq_gov_body_get(struct store *s, const char *id, struct gov_body *b)
{
	static const char q[] = "SELECT id, kind, name, statutes, created FROM gov_bodies"
				" WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	rc = sr == SQLITE_ROW    ? read_body(st, b)
	     : sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND
				 : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc
sq_gov_body_each(struct store *s, enum cmn_rc (*fn)(const struct gov_body *b, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, kind, name, statutes, created FROM gov_bodies"
				" ORDER BY name";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct gov_body b;

		if ((rc = read_body(st, &b)) == CMN_OK)
			rc = fn(&b, ctx);
		gov_body_release(&b);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_body_set_statutes(struct store *s, const char *id, const char *statutes)
{
	static const char q[] = "UPDATE gov_bodies SET statutes = ? WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, statutes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = conn_step_done(c, st);
	return rc == CMN_OK && sqlite3_changes(c->db) == 0 ? CMN_ERR_NOT_FOUND : rc;
}

/* ---- members ---------------------------------------------------------------------- */

static enum cmn_rc sq_gov_join(struct store *s, const char *body_id, const char *person_id,
			       const char *college, int64_t now)
{
	static const char q[] =
	    "INSERT INTO gov_members(body_id, person_id, college, joined) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (body_id, person_id) DO UPDATE SET college = ?3, joined = ?4, left_at = 0"
	    " WHERE left_at <> 0";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, college, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

static enum cmn_rc sq_gov_leave(struct store *s, const char *body_id, const char *person_id,
				int64_t now)
{
	static const char q[] = "UPDATE gov_members SET left_at = ?3"
				" WHERE body_id = ?1 AND person_id = ?2 AND left_at = 0";
	/* a leaver's votes on open proposals go with them: rejoining before
	 * the close does not bring them back */
	static const char q_votes[] =
	    "DELETE FROM gov_votes WHERE person_id = ?2 AND proposal_id IN"
	    " (SELECT id FROM gov_proposals WHERE body_id = ?1 AND state = 0)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(c, q))) {
		rc = CMN_ERR_STORE;
	} else {
		sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		rc = conn_step_done(c, st);
		if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
			rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_OK && !(st = conn_stmt(c, q_votes)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	return conn_tx_end(c, rc);
}

static void read_member(sqlite3_stmt *st, void *elem)
{
	struct gov_member *m = elem;

	conn_text_col(st, 0, m->body_id, sizeof(m->body_id));
	conn_text_col(st, 1, m->person_id, sizeof(m->person_id));
	conn_text_col(st, 2, m->college, sizeof(m->college));
	m->joined = sqlite3_column_int64(st, 3);
	m->left = sqlite3_column_int64(st, 4);
}

static enum cmn_rc sq_gov_member_get(struct store *s, const char *body_id, const char *person_id,
				     struct gov_member *m)
{
	static const char q[] = "SELECT body_id, person_id, college, joined, left_at"
				" FROM gov_members WHERE body_id = ? AND person_id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		read_member(st, m);
	else
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_members(struct store *s, const char *body_id, struct gov_member **out,
				  size_t *n)
{
	static const char q[] = "SELECT body_id, person_id, college, joined, left_at"
				" FROM gov_members WHERE body_id = ? AND left_at = 0"
				" ORDER BY person_id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	*out = NULL;
	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	return conn_collect(c, st, sizeof(**out), read_member, (void **)out, n);
}

/* ---- proposals and votes ---------------------------------------------------------- */

#define PROPOSAL_COLS                                                                              \
	"id, body_id, by_person, subject_kind, subject_id, secret, state, created, closes,"        \
	" decided, text, tally, statutes, new_statutes"

static enum cmn_rc read_proposal(sqlite3_stmt *st, struct gov_proposal *p)
{
	memset(p, 0, sizeof(*p));
	conn_text_col(st, 0, p->id, sizeof(p->id));
	conn_text_col(st, 1, p->body_id, sizeof(p->body_id));
	conn_text_col(st, 2, p->by, sizeof(p->by));
	conn_text_col(st, 3, p->subject_kind, sizeof(p->subject_kind));
	conn_text_col(st, 4, p->subject_id, sizeof(p->subject_id));
	p->secret = sqlite3_column_int(st, 5) != 0;
	p->state = (enum gov_state)sqlite3_column_int(st, 6);
	p->created = sqlite3_column_int64(st, 7);
	p->closes = sqlite3_column_int64(st, 8);
	p->decided = sqlite3_column_int64(st, 9);
	p->text = dup_text(st, 10);
	p->tally = dup_text(st, 11);
	p->statutes = dup_text(st, 12);
	p->change = dup_text(st, 13);
	if (!p->text || (sqlite3_column_type(st, 11) != SQLITE_NULL && !p->tally) ||
	    (sqlite3_column_type(st, 12) != SQLITE_NULL && !p->statutes) ||
	    (sqlite3_column_type(st, 13) != SQLITE_NULL && !p->change)) {
		gov_proposal_release(p);
		return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

static enum cmn_rc sq_gov_proposal_add(struct store *s, struct gov_proposal *p)
{
	static const char q[] = "INSERT INTO gov_proposals(id, body_id, by_person, subject_kind,"
				" subject_id, secret, state, created, closes, text, statutes,"
				" new_statutes) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	crypt_id_new(p->id);
	p->state = GOV_OPEN;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->subject_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->subject_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, p->secret);
	sqlite3_bind_int64(st, 7, p->created);
	sqlite3_bind_int64(st, 8, p->closes);
	sqlite3_bind_text(st, 9, p->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, p->statutes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, p->change, -1, SQLITE_STATIC);
	return conn_step_done(c, st);
}

static enum cmn_rc proposal_one(struct store *s, const char *q, const char *a, const char *b,
				struct gov_proposal *p)
{
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	rc = sr == SQLITE_ROW    ? read_proposal(st, p)
	     : sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND
				 : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_proposal_get(struct store *s, const char *id, struct gov_proposal *p)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals WHERE id = ?";

	return proposal_one(s, q, id, NULL, p);
}

static enum cmn_rc sq_gov_proposal_for(struct store *s, const char *subject_kind,
				       const char *subject_id, struct gov_proposal *p)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals"
				" WHERE subject_kind = ? AND subject_id = ?"
				" ORDER BY created DESC, id LIMIT 1";

	return proposal_one(s, q, subject_kind, subject_id, p);
}

static enum cmn_rc sq_gov_proposal_each(struct store *s, const char *body_id,
					enum cmn_rc (*fn)(const struct gov_proposal *p, void *ctx),
					void *ctx)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals WHERE body_id = ?"
				" ORDER BY created DESC, id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct gov_proposal p;

		if ((rc = read_proposal(st, &p)) == CMN_OK)
			rc = fn(&p, ctx);
		gov_proposal_release(&p);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_vote(struct store *s, const char *proposal_id, const char *person_id,
			       const char *choice, int64_t now)
{
	static const char q[] =
	    "INSERT INTO gov_votes(proposal_id, person_id, choice, at)"
	    " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM gov_proposals"
	    " WHERE id = ?1 AND state = 0 AND closes > ?4)"
	    " ON CONFLICT (proposal_id, person_id) DO UPDATE SET choice = ?3, at = ?4";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, proposal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, choice, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = conn_step_done(c, st);
	if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

static enum cmn_rc sq_gov_votes(struct store *s, const char *proposal_id,
				enum cmn_rc (*fn)(const char *person_id, const char *choice,
						  int64_t at, void *ctx),
				void *ctx)
{
	static const char q[] = "SELECT person_id, choice, at FROM gov_votes WHERE proposal_id = ?"
				" ORDER BY person_id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, proposal_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn((const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2), ctx);
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_decide(struct store *s, const char *proposal_id, enum gov_state state,
				 const char *tally, int64_t now)
{
	static const char q[] = "UPDATE gov_proposals SET state = ?2, tally = ?3, decided = ?4"
				" WHERE id = ?1 AND state = 0";
	/* the votes kept are the ballots the decision counted: those of the
	 * members present at the close */
	static const char q_votes[] =
	    "DELETE FROM gov_votes WHERE proposal_id = ?1 AND person_id NOT IN"
	    " (SELECT m.person_id FROM gov_members m JOIN gov_proposals p ON p.body_id = m.body_id"
	    " WHERE p.id = ?1 AND m.left_at = 0)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(c, q))) {
		rc = CMN_ERR_STORE;
	} else {
		sqlite3_bind_text(st, 1, proposal_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)state);
		sqlite3_bind_text(st, 3, tally, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = conn_step_done(c, st);
		if (rc == CMN_OK && sqlite3_changes(c->db) == 0)
			rc = CMN_ERR_CONFLICT;
	}
	if (rc == CMN_OK && !(st = conn_stmt(c, q_votes)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, proposal_id, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	return conn_tx_end(c, rc);
}

/* ---- data-sharing agreements -------------------------------------------------------- */

#define AGREEMENT_COLS                                                                             \
	"id, body_id, org_id, state, created, starts, ends, decided, decided_by, ended, spec"

static enum cmn_rc read_agreement(sqlite3_stmt *st, struct gov_agreement *a)
{
	memset(a, 0, sizeof(*a));
	conn_text_col(st, 0, a->id, sizeof(a->id));
	conn_text_col(st, 1, a->body_id, sizeof(a->body_id));
	conn_text_col(st, 2, a->org_id, sizeof(a->org_id));
	a->state = (enum gov_agreement_state)sqlite3_column_int(st, 3);
	a->created = sqlite3_column_int64(st, 4);
	a->starts = sqlite3_column_int64(st, 5);
	a->ends = sqlite3_column_int64(st, 6);
	a->decided = sqlite3_column_int64(st, 7);
	conn_text_col(st, 8, a->decided_by, sizeof(a->decided_by));
	a->ended = sqlite3_column_int64(st, 9);
	return (a->spec = dup_text(st, 10)) ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc sq_gov_agreement_add(struct store *s, struct gov_agreement *a)
{
	static const char q[] = "INSERT INTO gov_agreements(id, body_id, org_id, state, created,"
				" starts, ends, spec) VALUES (?, ?, ?, 0, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;

	if (!st)
		return CMN_ERR_STORE;
	crypt_id_new(a->id);
	a->state = GOV_AGREEMENT_DRAFT;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->created);
	sqlite3_bind_int64(st, 5, a->starts);
	sqlite3_bind_int64(st, 6, a->ends);
	sqlite3_bind_text(st, 7, a->spec, -1, SQLITE_STATIC);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_gov_agreement_get(struct store *s, const char *id, struct gov_agreement *a)
{
	static const char q[] = "SELECT " AGREEMENT_COLS " FROM gov_agreements WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	rc = sr == SQLITE_ROW    ? read_agreement(st, a)
	     : sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND
				 : conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc
sq_gov_agreement_each(struct store *s, const char *body_id, const char *org_id,
		      enum cmn_rc (*fn)(const struct gov_agreement *a, void *ctx), void *ctx)
{
	static const char q[] =
	    "SELECT " AGREEMENT_COLS " FROM gov_agreements"
	    " WHERE (?1 IS NULL OR body_id = ?1) AND (?2 IS NULL OR org_id = ?2)"
	    " ORDER BY created DESC, id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct gov_agreement a;

		if ((rc = read_agreement(st, &a)) == CMN_OK)
			rc = fn(&a, ctx);
		gov_agreement_release(&a);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* agreement_move - one state change guarded by the states it may come from */
static enum cmn_rc agreement_move(struct store *s, const char *q, const char *id, int state,
				  const char *by, int64_t now)
{
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_int64(st, 3, now);
	if (by)
		sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	rc = conn_step_done(c, st);
	return rc == CMN_OK && sqlite3_changes(c->db) == 0 ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc sq_gov_agreement_decide(struct store *s, const char *id, bool approve,
					   const char *by, int64_t now)
{
	static const char q[] = "UPDATE gov_agreements SET state = ?2, decided = ?3,"
				" decided_by = ?4 WHERE id = ?1 AND state = 0";

	return agreement_move(s, q, id, approve ? GOV_AGREEMENT_APPROVED : GOV_AGREEMENT_REJECTED,
			      by, now);
}

static enum cmn_rc sq_gov_agreement_end(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE gov_agreements SET state = ?2, ended = ?3"
				" WHERE id = ?1 AND state IN (0, 1)";

	return agreement_move(s, q, id, GOV_AGREEMENT_ENDED, NULL, now);
}

/* ---- the debate ------------------------------------------------------------------ */

#define COMMENT_COLS                                                                               \
	"id, proposal_id, parent_id, person_id, at, hidden_at, hidden_by, hidden_reason, text"

static void read_comment(sqlite3_stmt *st, struct gov_comment *c)
{
	memset(c, 0, sizeof(*c));
	conn_text_col(st, 0, c->id, sizeof(c->id));
	conn_text_col(st, 1, c->proposal_id, sizeof(c->proposal_id));
	conn_text_col(st, 2, c->parent_id, sizeof(c->parent_id));
	conn_text_col(st, 3, c->person_id, sizeof(c->person_id));
	c->at = sqlite3_column_int64(st, 4);
	c->hidden_at = sqlite3_column_int64(st, 5);
	conn_text_col(st, 6, c->hidden_by, sizeof(c->hidden_by));
	conn_text_col(st, 7, c->hidden_reason, sizeof(c->hidden_reason));
	c->text = (const char *)sqlite3_column_text(st, 8);
}

static enum cmn_rc sq_gov_comment_add(struct store *s, struct gov_comment *c, const char *text)
{
	static const char q[] =
	    "INSERT INTO gov_comments(id, proposal_id, parent_id, person_id, text, at)"
	    " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE ?3 = '' OR EXISTS (SELECT 1 FROM gov_comments"
	    " WHERE id = ?3 AND proposal_id = ?2)";
	struct conn *c0 = store_platform_conn(s);
	sqlite3_stmt *st = c0 ? conn_stmt(c0, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	crypt_id_new(c->id);
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->proposal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->parent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->at);
	rc = conn_step_done(c0, st);
	if (rc == CMN_OK && sqlite3_changes(c0->db) == 0)
		rc = CMN_ERR_NOT_FOUND;
	return rc;
}

static enum cmn_rc sq_gov_comment_get(struct store *s, const char *id, struct gov_comment *c,
				      char **text)
{
	static const char q[] = "SELECT " COMMENT_COLS " FROM gov_comments WHERE id = ?";
	struct conn *c0 = store_platform_conn(s);
	sqlite3_stmt *st = c0 ? conn_stmt(c0, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		read_comment(st, c);
		if (text && !(*text = strdup(c->text ? c->text : "")))
			rc = CMN_ERR_NOMEM;
		c->text = NULL;
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c0, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_comments(struct store *s, const char *proposal_id,
				   enum cmn_rc (*fn)(const struct gov_comment *c, void *ctx),
				   void *ctx)
{
	static const char q[] = "SELECT " COMMENT_COLS " FROM gov_comments WHERE proposal_id = ?"
				" ORDER BY at, rowid";
	struct conn *c0 = store_platform_conn(s);
	sqlite3_stmt *st = c0 ? conn_stmt(c0, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, proposal_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct gov_comment c;

		read_comment(st, &c);
		rc = fn(&c, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c0, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_gov_comment_hide(struct store *s, const char *id, const char *by,
				       const char *reason, int64_t now)
{
	static const char q[] = "UPDATE gov_comments SET hidden_at = ?2, hidden_by = ?3,"
				" hidden_reason = ?4 WHERE id = ?1 AND hidden_at = 0";
	struct conn *c0 = store_platform_conn(s);
	sqlite3_stmt *st = c0 ? conn_stmt(c0, q) : NULL;
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	rc = conn_step_done(c0, st);
	if (rc == CMN_OK && sqlite3_changes(c0->db) == 0)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

/* ---- the decision register ---------------------------------------------------------- */

static enum cmn_rc sq_gov_append(struct store *s, const struct keyring *keys, const char *body_id,
				 const char *kind, const char *payload, int64_t at)
{
	static const char q_last[] = "SELECT seq, hash FROM gov_register WHERE body_id = ?"
				     " ORDER BY seq DESC LIMIT 1";
	static const char q_add[] = "INSERT INTO gov_register(body_id, seq, at, kind, payload,"
				    " prev, hash, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	char prev[CRYPT_HASH_HEX_LEN] = "", hash[CRYPT_HASH_HEX_LEN];
	int64_t seq = 1;
	sqlite3_stmt *st;
	struct buf sig;
	enum cmn_rc rc;
	int sr;

	if (!c)
		return CMN_ERR_STORE;
	if (strlen(kind) > GOV_KIND_MAX)
		return CMN_ERR_INVALID;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	buf_init(&sig, 4096);
	if (!(st = conn_stmt(c, q_last))) {
		rc = CMN_ERR_STORE;
	} else {
		sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
		if (sr == SQLITE_ROW) {
			seq = sqlite3_column_int64(st, 0) + 1;
			conn_text_col(st, 1, prev, sizeof(prev));
		} else if (sr != SQLITE_DONE) {
			rc = conn_err(c, sr);
		}
		sqlite3_reset(st);
	}
	if (rc == CMN_OK) {
		gov_entry_hash(prev, seq, at, kind, payload, hash);
		rc = keyring_jws_sign(keys, "commune-register", hash, strlen(hash), &sig);
	}
	if (rc == CMN_OK && !(st = conn_stmt(c, q_add)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_int64(st, 3, at);
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, payload, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, sig.data, -1, SQLITE_STATIC);
		rc = conn_step_done(c, st);
	}
	rc = conn_tx_end(c, rc);
	buf_release(&sig);
	return rc;
}

static enum cmn_rc sq_gov_register_each(struct store *s, const char *body_id,
					enum cmn_rc (*fn)(const struct gov_entry *e, void *ctx),
					void *ctx)
{
	static const char q[] = "SELECT seq, at, kind, payload, prev, hash, sig FROM gov_register"
				" WHERE body_id = ? ORDER BY seq";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st = c ? conn_stmt(c, q) : NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, body_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct gov_entry e = {0};

		str_copy(e.body_id, sizeof(e.body_id), body_id);
		e.seq = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		conn_text_col(st, 2, e.kind, sizeof(e.kind));
		e.payload = (const char *)sqlite3_column_text(st, 3);
		conn_text_col(st, 4, e.prev, sizeof(e.prev));
		conn_text_col(st, 5, e.hash, sizeof(e.hash));
		e.sig = (const char *)sqlite3_column_text(st, 6);
		if (!e.payload || !e.sig) {
			rc = CMN_ERR_CORRUPT;
			break;
		}
		rc = fn(&e, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

const struct store_govern_ops store_sqlite_govern_ops = {
    .body_add = sq_gov_body_add,
    .body_get = sq_gov_body_get,
    .body_each = sq_gov_body_each,
    .body_set_statutes = sq_gov_body_set_statutes,
    .join = sq_gov_join,
    .leave = sq_gov_leave,
    .member_get = sq_gov_member_get,
    .members = sq_gov_members,
    .proposal_add = sq_gov_proposal_add,
    .proposal_get = sq_gov_proposal_get,
    .proposal_for = sq_gov_proposal_for,
    .proposal_each = sq_gov_proposal_each,
    .vote = sq_gov_vote,
    .votes = sq_gov_votes,
    .decide = sq_gov_decide,
    .agreement_add = sq_gov_agreement_add,
    .agreement_get = sq_gov_agreement_get,
    .agreement_each = sq_gov_agreement_each,
    .agreement_decide = sq_gov_agreement_decide,
    .agreement_end = sq_gov_agreement_end,
    .comment_add = sq_gov_comment_add,
    .comment_get = sq_gov_comment_get,
    .comments = sq_gov_comments,
    .comment_hide = sq_gov_comment_hide,
    .append = sq_gov_append,
    .register_each = sq_gov_register_each,
};
