/*
 * pg_govern.c - governance bodies in PostgreSQL (store_govern.h): bodies,
 * members, proposals, votes, data-sharing agreements, the debate and the
 * signed decision registers, with the meaning and the result codes of
 * sqlite_govern.c, gathered in store_pg_govern_ops (store_govern.c calls
 * them). Its tables are the "govern" schema, after the accounts' ones
 * they refer to (pg_platform.c lists it).
 *
 * Where SQLite refuses a row by an error inside its statement (a unique
 * name, one open proposal per subject), the SQL here refuses it with
 * ON CONFLICT DO NOTHING or a WHERE clause and tells it by the rows it
 * changed: PostgreSQL would abort the caller's whole transaction at a
 * failed statement, SQLite does not.
 */
#include "store/postgres/pg_int.h"
#include "store/store_govern_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

static const char *const govern_migrations[] = {
    /* 1: the tables of SQLite's platform migrations 10, 13 and 14 with
     * their final columns; gov_comments.pos is SQLite's rowid (the order
     * of comments made in the same millisecond), and person_id has an
     * index wherever persons' erasure cascades */
    "CREATE TABLE gov_bodies ("
    "  id text PRIMARY KEY, kind text NOT NULL, name text NOT NULL UNIQUE,"
    "  statutes text NOT NULL, created bigint NOT NULL);"
    "CREATE TABLE gov_members ("
    "  body_id text NOT NULL REFERENCES gov_bodies(id),"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  college text NOT NULL, joined bigint NOT NULL, left_at bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (body_id, person_id));"
    "CREATE INDEX gov_members_by_person ON gov_members(person_id);"
    "CREATE TABLE gov_proposals ("
    "  id text PRIMARY KEY, body_id text NOT NULL REFERENCES gov_bodies(id),"
    "  by_person text NOT NULL, subject_kind text NOT NULL, subject_id text NOT NULL,"
    "  secret int NOT NULL, state int NOT NULL, created bigint NOT NULL,"
    "  closes bigint NOT NULL, decided bigint NOT NULL DEFAULT 0, text text NOT NULL,"
    "  tally text, statutes text, new_statutes text);"
    "CREATE INDEX gov_proposals_by_body ON gov_proposals(body_id, created);"
    "CREATE INDEX gov_proposals_by_subject ON gov_proposals(subject_kind, subject_id, created);"
    /* one open proposal per subject, even for two submissions at once */
    "CREATE UNIQUE INDEX gov_proposals_one_open ON gov_proposals(subject_kind, subject_id)"
    "  WHERE state = 0;"
    "CREATE TABLE gov_votes ("
    "  proposal_id text NOT NULL REFERENCES gov_proposals(id),"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  choice text NOT NULL, at bigint NOT NULL, PRIMARY KEY (proposal_id, person_id));"
    "CREATE INDEX gov_votes_by_person ON gov_votes(person_id);"
    "CREATE TABLE gov_register ("
    "  body_id text NOT NULL, seq bigint NOT NULL, at bigint NOT NULL, kind text NOT NULL,"
    "  payload text NOT NULL, prev text NOT NULL, hash text NOT NULL, sig text NOT NULL,"
    "  PRIMARY KEY (body_id, seq));"
    "CREATE TABLE gov_comments ("
    "  id text PRIMARY KEY, pos bigint GENERATED ALWAYS AS IDENTITY,"
    "  proposal_id text NOT NULL REFERENCES gov_proposals(id), parent_id text NOT NULL,"
    "  person_id text NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
    "  text text NOT NULL, at bigint NOT NULL, hidden_at bigint NOT NULL DEFAULT 0,"
    "  hidden_by text NOT NULL DEFAULT '', hidden_reason text NOT NULL DEFAULT '');"
    "CREATE INDEX gov_comments_by_proposal ON gov_comments(proposal_id, at, pos);"
    "CREATE INDEX gov_comments_by_person ON gov_comments(person_id);"
    "CREATE TABLE gov_agreements ("
    "  id text PRIMARY KEY, body_id text NOT NULL REFERENCES gov_bodies(id),"
    "  org_id text NOT NULL REFERENCES orgs(id), state int NOT NULL,"
    "  created bigint NOT NULL, starts bigint NOT NULL, ends bigint NOT NULL,"
    "  decided bigint NOT NULL DEFAULT 0, decided_by text NOT NULL DEFAULT '',"
    "  ended bigint NOT NULL DEFAULT 0, spec text NOT NULL);"
    "CREATE INDEX gov_agreements_by_body ON gov_agreements(body_id, created);"
    "CREATE INDEX gov_agreements_by_org ON gov_agreements(org_id, created);",
};

/* pg_govern_schema - the governance tables, after the accounts' (persons
 * and orgs are referred to): pg_platform.c migrates them at store_open */
const struct pg_schema pg_govern_schema = {
    "govern", govern_migrations, (int)(sizeof(govern_migrations) / sizeof(*govern_migrations))};

/* gov_change - runs a change on s's connection; *none tells whether it
 * changed no row. A foreign key's violation is CMN_ERR_EXISTS, as SQLite
 * tells every constraint's (conn_err): the same answer on both backends. */
static enum cmn_rc gov_change(struct store *s, const char *sql, int n, const struct pg_param *p,
			      bool *none)
{
	PGresult *r;
	enum cmn_rc rc = pg_query(s, sql, n, p, &r);

	*none = true;
	if (rc != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_EXISTS : rc;
	*none = strcmp(PQcmdTuples(r), "0") == 0;
	PQclear(r);
	return CMN_OK;
}

/* dup_col - a copy of a column's text (malloc'd), NULL for SQL NULL */
static char *dup_col(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

/* ---- bodies --------------------------------------------------------------------- */

static enum cmn_rc pg_gov_body_add(struct store *s, struct gov_body *b)
{
	/* a name taken: no row, CMN_ERR_EXISTS, the caller's transaction intact */
	static const char q[] = "INSERT INTO gov_bodies(id, kind, name, statutes, created)"
				" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
	char created[24];
	bool none;
	enum cmn_rc rc;

	crypt_id_new(b->id);
	{
		struct pg_param p[] = {PG_TEXT(b->id), PG_TEXT(b->kind), PG_TEXT(b->name),
				       PG_TEXT(b->statutes), PG_TEXT(pg_num(created, b->created))};

		rc = gov_change(s, q, 5, p, &none);
	}
	return rc == CMN_OK && none ? CMN_ERR_EXISTS : rc;
}

#define BODY_COLS "id, kind, name, statutes, created"

static enum cmn_rc body_row(const PGresult *r, int row, struct gov_body *b)
{
	memset(b, 0, sizeof(*b));
	pg_text(r, row, 0, b->id, sizeof(b->id));
	pg_text(r, row, 1, b->kind, sizeof(b->kind));
	pg_text(r, row, 2, b->name, sizeof(b->name));
	b->created = pg_i64(r, row, 4);
	return (b->statutes = dup_col(r, row, 3)) ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc pg_gov_body_get(struct store *s, const char *id, struct gov_body *b)
{
	static const char q[] = "SELECT " BODY_COLS " FROM gov_bodies WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	rc = body_row(r, 0, b);
	PQclear(r);
	return rc;
}

static enum cmn_rc
pg_gov_body_each(struct store *s, enum cmn_rc (*fn)(const struct gov_body *b, void *ctx), void *ctx)
{
	/* COLLATE "C": by bytes, as SQLite orders text */
	static const char q[] = "SELECT " BODY_COLS " FROM gov_bodies ORDER BY name COLLATE \"C\"";
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 0, NULL, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct gov_body b;

		if ((rc = body_row(r, i, &b)) == CMN_OK)
			rc = fn(&b, ctx);
		gov_body_release(&b);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_body_set_statutes(struct store *s, const char *id, const char *statutes)
{
	static const char q[] = "UPDATE gov_bodies SET statutes = $2 WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(statutes)};

	return pg_do(s, q, 2, p, true);
}

/* ---- members ---------------------------------------------------------------------- */

static enum cmn_rc pg_gov_join(struct store *s, const char *body_id, const char *person_id,
			       const char *college, int64_t now)
{
	/* a member already: nothing changed, CMN_ERR_CONFLICT */
	static const char q[] =
	    "INSERT INTO gov_members(body_id, person_id, college, joined) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (body_id, person_id) DO UPDATE SET college = EXCLUDED.college,"
	    " joined = EXCLUDED.joined, left_at = 0 WHERE gov_members.left_at <> 0";
	char at[24];
	struct pg_param p[] = {PG_TEXT(body_id), PG_TEXT(person_id), PG_TEXT(college),
			       PG_TEXT(pg_num(at, now))};
	bool none;
	enum cmn_rc rc = gov_change(s, q, 4, p, &none);

	return rc == CMN_OK && none ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_gov_leave(struct store *s, const char *body_id, const char *person_id,
				int64_t now)
{
	static const char q[] = "UPDATE gov_members SET left_at = $3"
				" WHERE body_id = $1 AND person_id = $2 AND left_at = 0";
	/* a leaver's votes on open proposals go with them: rejoining before
	 * the close does not bring them back */
	static const char q_votes[] =
	    "DELETE FROM gov_votes WHERE person_id = $2 AND proposal_id IN"
	    " (SELECT id FROM gov_proposals WHERE body_id = $1 AND state = 0)";
	struct pg_conn *c = pg_conn_of(s);
	char at[24];
	struct pg_param p[] = {PG_TEXT(body_id), PG_TEXT(person_id), PG_TEXT(pg_num(at, now))};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q, 3, p, true);
	if (rc == CMN_OK)
		rc = pg_change(c, q_votes, 2, p, false);
	return pg_tx_end(c, rc);
}

#define MEMBER_COLS "body_id, person_id, college, joined, left_at"

static void member_row(const PGresult *r, int row, struct gov_member *m)
{
	memset(m, 0, sizeof(*m));
	pg_text(r, row, 0, m->body_id, sizeof(m->body_id));
	pg_text(r, row, 1, m->person_id, sizeof(m->person_id));
	pg_text(r, row, 2, m->college, sizeof(m->college));
	m->joined = pg_i64(r, row, 3);
	m->left = pg_i64(r, row, 4);
}

static enum cmn_rc pg_gov_member_get(struct store *s, const char *body_id, const char *person_id,
				     struct gov_member *m)
{
	static const char q[] = "SELECT " MEMBER_COLS " FROM gov_members"
				" WHERE body_id = $1 AND person_id = $2";
	struct pg_param p[] = {PG_TEXT(body_id), PG_TEXT(person_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 2, p, &r)) != CMN_OK)
		return rc;
	member_row(r, 0, m);
	PQclear(r);
	return CMN_OK;
}

static enum cmn_rc pg_gov_members(struct store *s, const char *body_id, struct gov_member **out,
				  size_t *n)
{
	static const char q[] =
	    "SELECT " MEMBER_COLS " FROM gov_members"
	    " WHERE body_id = $1 AND left_at = 0 ORDER BY person_id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(body_id)};
	PGresult *r;
	enum cmn_rc rc;
	int rows;

	*out = NULL;
	*n = 0;
	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	/* none: *out stays NULL, as SQLite's conn_collect leaves it */
	if ((rows = PQntuples(r)) > 0) {
		if (!(*out = calloc((size_t)rows, sizeof(**out)))) {
			PQclear(r);
			return CMN_ERR_NOMEM;
		}
		for (int i = 0; i < rows; i++)
			member_row(r, i, &(*out)[i]);
		*n = (size_t)rows;
	}
	PQclear(r);
	return CMN_OK;
}

/* ---- proposals and votes ---------------------------------------------------------- */

#define PROPOSAL_COLS                                                                              \
	"id, body_id, by_person, subject_kind, subject_id, secret, state, created, closes,"        \
	" decided, text, tally, statutes, new_statutes"

static enum cmn_rc proposal_row(const PGresult *r, int row, struct gov_proposal *p)
{
	memset(p, 0, sizeof(*p));
	pg_text(r, row, 0, p->id, sizeof(p->id));
	pg_text(r, row, 1, p->body_id, sizeof(p->body_id));
	pg_text(r, row, 2, p->by, sizeof(p->by));
	pg_text(r, row, 3, p->subject_kind, sizeof(p->subject_kind));
	pg_text(r, row, 4, p->subject_id, sizeof(p->subject_id));
	p->secret = pg_i64(r, row, 5) != 0;
	p->state = (enum gov_state)pg_i64(r, row, 6);
	p->created = pg_i64(r, row, 7);
	p->closes = pg_i64(r, row, 8);
	p->decided = pg_i64(r, row, 9);
	p->text = dup_col(r, row, 10);
	p->tally = dup_col(r, row, 11);
	p->statutes = dup_col(r, row, 12);
	p->change = dup_col(r, row, 13);
	if (!p->text || (!PQgetisnull(r, row, 11) && !p->tally) ||
	    (!PQgetisnull(r, row, 12) && !p->statutes) ||
	    (!PQgetisnull(r, row, 13) && !p->change)) {
		gov_proposal_release(p);
		return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

static enum cmn_rc pg_gov_proposal_add(struct store *s, struct gov_proposal *p)
{
	/* another open proposal about the subject (the partial unique index):
	 * no row, CMN_ERR_EXISTS, the caller's transaction intact */
	static const char q[] =
	    "INSERT INTO gov_proposals(id, body_id, by_person, subject_kind,"
	    " subject_id, secret, state, created, closes, text, statutes,"
	    " new_statutes) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11)"
	    " ON CONFLICT (subject_kind, subject_id) WHERE state = 0 DO NOTHING";
	char created[24], closes[24];
	bool none;
	enum cmn_rc rc;

	crypt_id_new(p->id);
	p->state = GOV_OPEN;
	{
		struct pg_param v[] = {PG_TEXT(p->id),
				       PG_TEXT(p->body_id),
				       PG_TEXT(p->by),
				       PG_TEXT(p->subject_kind),
				       PG_TEXT(p->subject_id),
				       PG_TEXT(p->secret ? "1" : "0"),
				       PG_TEXT(pg_num(created, p->created)),
				       PG_TEXT(pg_num(closes, p->closes)),
				       PG_TEXT(p->text),
				       PG_TEXT(p->statutes),
				       PG_TEXT(p->change)};

		rc = gov_change(s, q, 11, v, &none);
	}
	return rc == CMN_OK && none ? CMN_ERR_EXISTS : rc;
}

/* proposal_one - the first proposal of q (a with $1, b with $2 unless NULL) */
static enum cmn_rc proposal_one(struct store *s, const char *q, const char *a, const char *b,
				struct gov_proposal *p)
{
	struct pg_param v[] = {PG_TEXT(a), PG_TEXT(b)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, b ? 2 : 1, v, &r)) != CMN_OK)
		return rc;
	rc = proposal_row(r, 0, p);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_proposal_get(struct store *s, const char *id, struct gov_proposal *p)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals WHERE id = $1";

	return proposal_one(s, q, id, NULL, p);
}

static enum cmn_rc pg_gov_proposal_for(struct store *s, const char *subject_kind,
				       const char *subject_id, struct gov_proposal *p)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals"
				" WHERE subject_kind = $1 AND subject_id = $2"
				" ORDER BY created DESC, id COLLATE \"C\" LIMIT 1";

	return proposal_one(s, q, subject_kind, subject_id, p);
}

static enum cmn_rc pg_gov_proposal_each(struct store *s, const char *body_id,
					enum cmn_rc (*fn)(const struct gov_proposal *p, void *ctx),
					void *ctx)
{
	static const char q[] = "SELECT " PROPOSAL_COLS " FROM gov_proposals WHERE body_id = $1"
				" ORDER BY created DESC, id COLLATE \"C\"";
	struct pg_param v[] = {PG_TEXT(body_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 1, v, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct gov_proposal p;

		if ((rc = proposal_row(r, i, &p)) == CMN_OK)
			rc = fn(&p, ctx);
		gov_proposal_release(&p);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_vote(struct store *s, const char *proposal_id, const char *person_id,
			       const char *choice, int64_t now)
{
	/* the proposal's row is locked (FOR SHARE) while the vote goes in: a
	 * vote racing the decision waits for it, then sees it closed, as
	 * SQLite's one writer at a time would */
	static const char q[] =
	    "INSERT INTO gov_votes(proposal_id, person_id, choice, at)"
	    " SELECT $1::text, $2::text, $3::text, $4::bigint WHERE EXISTS (SELECT 1"
	    " FROM gov_proposals WHERE id = $1::text AND state = 0 AND closes > $4::bigint"
	    " FOR SHARE) ON CONFLICT (proposal_id, person_id) DO UPDATE SET"
	    " choice = EXCLUDED.choice, at = EXCLUDED.at";
	char at[24];
	struct pg_param p[] = {PG_TEXT(proposal_id), PG_TEXT(person_id), PG_TEXT(choice),
			       PG_TEXT(pg_num(at, now))};
	bool none;
	enum cmn_rc rc = gov_change(s, q, 4, p, &none);

	return rc == CMN_OK && none ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_gov_votes(struct store *s, const char *proposal_id,
				enum cmn_rc (*fn)(const char *person_id, const char *choice,
						  int64_t at, void *ctx),
				void *ctx)
{
	static const char q[] = "SELECT person_id, choice, at FROM gov_votes WHERE proposal_id = $1"
				" ORDER BY person_id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(proposal_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++)
		rc = fn(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), pg_i64(r, i, 2), ctx);
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_decide(struct store *s, const char *proposal_id, enum gov_state state,
				 const char *tally, int64_t now)
{
	static const char q[] = "UPDATE gov_proposals SET state = $2, tally = $3, decided = $4"
				" WHERE id = $1 AND state = 0";
	/* the votes kept are the ballots the decision counted: those of the
	 * members present at the close */
	static const char q_votes[] =
	    "DELETE FROM gov_votes WHERE proposal_id = $1 AND person_id NOT IN"
	    " (SELECT m.person_id FROM gov_members m JOIN gov_proposals p ON p.body_id = m.body_id"
	    " WHERE p.id = $1 AND m.left_at = 0)";
	struct pg_conn *c = pg_conn_of(s);
	char st[24], at[24];
	struct pg_param p[] = {PG_TEXT(proposal_id), PG_TEXT(pg_num(st, (int64_t)state)),
			       PG_TEXT(tally), PG_TEXT(pg_num(at, now))};
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q, 4, p, true);
	if (rc == CMN_ERR_NOT_FOUND)
		rc = CMN_ERR_CONFLICT; /* not open any more (or no such proposal) */
	if (rc == CMN_OK)
		rc = pg_change(c, q_votes, 1, p, false);
	return pg_tx_end(c, rc);
}

/* ---- data-sharing agreements -------------------------------------------------------- */

#define AGREEMENT_COLS                                                                             \
	"id, body_id, org_id, state, created, starts, ends, decided, decided_by, ended, spec"

static enum cmn_rc agreement_row(const PGresult *r, int row, struct gov_agreement *a)
{
	memset(a, 0, sizeof(*a));
	pg_text(r, row, 0, a->id, sizeof(a->id));
	pg_text(r, row, 1, a->body_id, sizeof(a->body_id));
	pg_text(r, row, 2, a->org_id, sizeof(a->org_id));
	a->state = (enum gov_agreement_state)pg_i64(r, row, 3);
	a->created = pg_i64(r, row, 4);
	a->starts = pg_i64(r, row, 5);
	a->ends = pg_i64(r, row, 6);
	a->decided = pg_i64(r, row, 7);
	pg_text(r, row, 8, a->decided_by, sizeof(a->decided_by));
	a->ended = pg_i64(r, row, 9);
	return (a->spec = dup_col(r, row, 10)) ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc pg_gov_agreement_add(struct store *s, struct gov_agreement *a)
{
	static const char q[] = "INSERT INTO gov_agreements(id, body_id, org_id, state, created,"
				" starts, ends, spec) VALUES ($1, $2, $3, 0, $4, $5, $6, $7)";
	char created[24], starts[24], ends[24];
	bool none;

	crypt_id_new(a->id);
	a->state = GOV_AGREEMENT_DRAFT;
	{
		struct pg_param p[] = {PG_TEXT(a->id),
				       PG_TEXT(a->body_id),
				       PG_TEXT(a->org_id),
				       PG_TEXT(pg_num(created, a->created)),
				       PG_TEXT(pg_num(starts, a->starts)),
				       PG_TEXT(pg_num(ends, a->ends)),
				       PG_TEXT(a->spec)};

		return gov_change(s, q, 7, p, &none);
	}
}

static enum cmn_rc pg_gov_agreement_get(struct store *s, const char *id, struct gov_agreement *a)
{
	static const char q[] = "SELECT " AGREEMENT_COLS " FROM gov_agreements WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	rc = agreement_row(r, 0, a);
	PQclear(r);
	return rc;
}

static enum cmn_rc
pg_gov_agreement_each(struct store *s, const char *body_id, const char *org_id,
		      enum cmn_rc (*fn)(const struct gov_agreement *a, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " AGREEMENT_COLS " FROM gov_agreements"
				" WHERE ($1::text IS NULL OR body_id = $1::text)"
				" AND ($2::text IS NULL OR org_id = $2::text)"
				" ORDER BY created DESC, id COLLATE \"C\"";
	struct pg_param p[] = {PG_TEXT(body_id), PG_TEXT(org_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 2, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct gov_agreement a;

		if ((rc = agreement_row(r, i, &a)) == CMN_OK)
			rc = fn(&a, ctx);
		gov_agreement_release(&a);
	}
	PQclear(r);
	return rc;
}

/* agreement_move - one state change guarded by the states it may come
 * from ($1 id, $2 state, $3 now, $4 by when by is not NULL) */
static enum cmn_rc agreement_move(struct store *s, const char *q, const char *id, int state,
				  const char *by, int64_t now)
{
	char st[24], at[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(pg_num(st, state)), PG_TEXT(pg_num(at, now)),
			       PG_TEXT(by)};
	bool none;
	enum cmn_rc rc = gov_change(s, q, by ? 4 : 3, p, &none);

	return rc == CMN_OK && none ? CMN_ERR_CONFLICT : rc;
}

static enum cmn_rc pg_gov_agreement_decide(struct store *s, const char *id, bool approve,
					   const char *by, int64_t now)
{
	static const char q[] = "UPDATE gov_agreements SET state = $2, decided = $3,"
				" decided_by = $4 WHERE id = $1 AND state = 0";

	return agreement_move(s, q, id, approve ? GOV_AGREEMENT_APPROVED : GOV_AGREEMENT_REJECTED,
			      by, now);
}

static enum cmn_rc pg_gov_agreement_end(struct store *s, const char *id, int64_t now)
{
	static const char q[] = "UPDATE gov_agreements SET state = $2, ended = $3"
				" WHERE id = $1 AND state IN (0, 1)";

	return agreement_move(s, q, id, GOV_AGREEMENT_ENDED, NULL, now);
}

/* ---- the debate ------------------------------------------------------------------ */

#define COMMENT_COLS                                                                               \
	"id, proposal_id, parent_id, person_id, at, hidden_at, hidden_by, hidden_reason, text"

static void comment_row(const PGresult *r, int row, struct gov_comment *c)
{
	memset(c, 0, sizeof(*c));
	pg_text(r, row, 0, c->id, sizeof(c->id));
	pg_text(r, row, 1, c->proposal_id, sizeof(c->proposal_id));
	pg_text(r, row, 2, c->parent_id, sizeof(c->parent_id));
	pg_text(r, row, 3, c->person_id, sizeof(c->person_id));
	c->at = pg_i64(r, row, 4);
	c->hidden_at = pg_i64(r, row, 5);
	pg_text(r, row, 6, c->hidden_by, sizeof(c->hidden_by));
	pg_text(r, row, 7, c->hidden_reason, sizeof(c->hidden_reason));
	c->text = PQgetvalue(r, row, 8);
}

static enum cmn_rc pg_gov_comment_add(struct store *s, struct gov_comment *c, const char *text)
{
	/* a parent that is not a comment of the proposal: no row, CMN_ERR_NOT_FOUND */
	static const char q[] =
	    "INSERT INTO gov_comments(id, proposal_id, parent_id, person_id, text, at)"
	    " SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::bigint"
	    " WHERE $3::text = '' OR EXISTS (SELECT 1 FROM gov_comments"
	    " WHERE id = $3::text AND proposal_id = $2::text)";
	char at[24];
	bool none;
	enum cmn_rc rc;

	crypt_id_new(c->id);
	{
		struct pg_param p[] = {PG_TEXT(c->id),        PG_TEXT(c->proposal_id),
				       PG_TEXT(c->parent_id), PG_TEXT(c->person_id),
				       PG_TEXT(text),         PG_TEXT(pg_num(at, c->at))};

		rc = gov_change(s, q, 6, p, &none);
	}
	return rc == CMN_OK && none ? CMN_ERR_NOT_FOUND : rc;
}

static enum cmn_rc pg_gov_comment_get(struct store *s, const char *id, struct gov_comment *c,
				      char **text)
{
	static const char q[] = "SELECT " COMMENT_COLS " FROM gov_comments WHERE id = $1";
	struct pg_param p[] = {PG_TEXT(id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query_one(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	comment_row(r, 0, c);
	if (text && !(*text = strdup(c->text)))
		rc = CMN_ERR_NOMEM;
	c->text = NULL;
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_comments(struct store *s, const char *proposal_id,
				   enum cmn_rc (*fn)(const struct gov_comment *c, void *ctx),
				   void *ctx)
{
	static const char q[] = "SELECT " COMMENT_COLS " FROM gov_comments WHERE proposal_id = $1"
				" ORDER BY at, pos";
	struct pg_param p[] = {PG_TEXT(proposal_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct gov_comment c;

		comment_row(r, i, &c);
		rc = fn(&c, ctx);
	}
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_gov_comment_hide(struct store *s, const char *id, const char *by,
				       const char *reason, int64_t now)
{
	static const char q[] = "UPDATE gov_comments SET hidden_at = $2, hidden_by = $3,"
				" hidden_reason = $4 WHERE id = $1 AND hidden_at = 0";
	char at[24];
	struct pg_param p[] = {PG_TEXT(id), PG_TEXT(pg_num(at, now)), PG_TEXT(by), PG_TEXT(reason)};
	bool none;
	enum cmn_rc rc = gov_change(s, q, 4, p, &none);

	return rc == CMN_OK && none ? CMN_ERR_CONFLICT : rc;
}

/* ---- the decision register ---------------------------------------------------------- */

static enum cmn_rc pg_gov_append(struct store *s, const struct keyring *keys, const char *body_id,
				 const char *kind, const char *payload, int64_t at)
{
	/* one appender a body at a time, until its commit: the next one reads
	 * the entry it added (SQLite's BEGIN IMMEDIATE). The key is the
	 * body's id hashed, in the two-key space of advisory locks, apart from
	 * pg_migrate's one-key lock. */
	static const char q_lock[] = "SELECT pg_advisory_xact_lock(7270524, hashtext($1))";
	static const char q_last[] = "SELECT seq, hash FROM gov_register WHERE body_id = $1"
				     " ORDER BY seq DESC LIMIT 1";
	static const char q_add[] = "INSERT INTO gov_register(body_id, seq, at, kind, payload,"
				    " prev, hash, sig) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
	struct pg_conn *c = pg_conn_of(s);
	char prev[CRYPT_HASH_HEX_LEN] = "", hash[CRYPT_HASH_HEX_LEN], nseq[24], nat[24];
	struct pg_param who[] = {PG_TEXT(body_id)};
	int64_t seq = 1;
	PGresult *r;
	struct buf sig;
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if (strlen(kind) > GOV_KIND_MAX)
		return CMN_ERR_INVALID;
	if ((rc = pg_tx_begin(c)) != CMN_OK)
		return rc;
	buf_init(&sig, 4096);
	rc = pg_run(c, q_lock, 1, who, NULL);
	if (rc == CMN_OK) {
		rc = pg_one(c, q_last, 1, who, &r);
		if (rc == CMN_OK) {
			seq = pg_i64(r, 0, 0) + 1;
			pg_text(r, 0, 1, prev, sizeof(prev));
			PQclear(r);
		} else if (rc == CMN_ERR_NOT_FOUND) {
			rc = CMN_OK; /* the first entry */
		}
	}
	if (rc == CMN_OK) {
		gov_entry_hash(prev, seq, at, kind, payload, hash);
		rc = keyring_jws_sign(keys, "commune-register", hash, strlen(hash), &sig);
	}
	if (rc == CMN_OK) {
		struct pg_param p[] = {
		    PG_TEXT(body_id), PG_TEXT(pg_num(nseq, seq)), PG_TEXT(pg_num(nat, at)),
		    PG_TEXT(kind),    PG_TEXT(payload),           PG_TEXT(prev),
		    PG_TEXT(hash),    PG_TEXT(sig.data)};

		rc = pg_change(c, q_add, 8, p, false);
	}
	rc = pg_tx_end(c, rc);
	buf_release(&sig);
	return rc;
}

static enum cmn_rc pg_gov_register_each(struct store *s, const char *body_id,
					enum cmn_rc (*fn)(const struct gov_entry *e, void *ctx),
					void *ctx)
{
	static const char q[] = "SELECT seq, at, kind, payload, prev, hash, sig FROM gov_register"
				" WHERE body_id = $1 ORDER BY seq";
	struct pg_param p[] = {PG_TEXT(body_id)};
	PGresult *r;
	enum cmn_rc rc;

	if ((rc = pg_query(s, q, 1, p, &r)) != CMN_OK)
		return rc;
	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct gov_entry e = {0};

		if (PQgetisnull(r, i, 3) || PQgetisnull(r, i, 6)) {
			rc = CMN_ERR_CORRUPT;
			break;
		}
		str_copy(e.body_id, sizeof(e.body_id), body_id);
		e.seq = pg_i64(r, i, 0);
		e.at = pg_i64(r, i, 1);
		pg_text(r, i, 2, e.kind, sizeof(e.kind));
		e.payload = PQgetvalue(r, i, 3);
		pg_text(r, i, 4, e.prev, sizeof(e.prev));
		pg_text(r, i, 5, e.hash, sizeof(e.hash));
		e.sig = PQgetvalue(r, i, 6);
		rc = fn(&e, ctx);
	}
	PQclear(r);
	return rc;
}

const struct store_govern_ops store_pg_govern_ops = {
    .body_add = pg_gov_body_add,
    .body_get = pg_gov_body_get,
    .body_each = pg_gov_body_each,
    .body_set_statutes = pg_gov_body_set_statutes,
    .join = pg_gov_join,
    .leave = pg_gov_leave,
    .member_get = pg_gov_member_get,
    .members = pg_gov_members,
    .proposal_add = pg_gov_proposal_add,
    .proposal_get = pg_gov_proposal_get,
    .proposal_for = pg_gov_proposal_for,
    .proposal_each = pg_gov_proposal_each,
    .vote = pg_gov_vote,
    .votes = pg_gov_votes,
    .decide = pg_gov_decide,
    .agreement_add = pg_gov_agreement_add,
    .agreement_get = pg_gov_agreement_get,
    .agreement_each = pg_gov_agreement_each,
    .agreement_decide = pg_gov_agreement_decide,
    .agreement_end = pg_gov_agreement_end,
    .comment_add = pg_gov_comment_add,
    .comment_get = pg_gov_comment_get,
    .comments = pg_gov_comments,
    .comment_hide = pg_gov_comment_hide,
    .append = pg_gov_append,
    .register_each = pg_gov_register_each,
};
