/*
 * api_govern.c - governance bodies (issue 11, docs/governance.md):
 * /api/v1/bodies and /api/v1/proposals.
 *
 * Who does what:
 *   - the operator (admin) creates the bodies with their statutes;
 *   - any person reads the bodies and their statutes, joins (a session)
 *     and leaves;
 *   - members see the member register and the proposals, vote while a
 *     proposal is open, and close it once its time is over (so may the
 *     operator); an agent of a campaign's organisation submits the
 *     campaign to a body, as a member may;
 *   - anyone reads a body's decision register (what was decided, when, by
 *     which rule; members appear only as hashes) and checks its signatures
 *     with the platform's public key (/.well-known/jwks.json).
 * Services (OAuth tokens) have no access to any of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "campaign/campaign.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "govern/agreement.h"
#include "govern/govern.h"
#include "store/store_consent.h"

static bool is_admin(const struct api_ctx *ctx)
{
	return strcmp(ctx->person.role, "admin") == 0;
}

/* present_member - CMN_OK when the caller is a member of body_id now,
 * CMN_ERR_NOT_FOUND when not; a store that could not tell is its error,
 * never a "no" */
static enum cmn_rc present_member(struct api_ctx *ctx, const char *body_id)
{
	struct gov_member m;
	enum cmn_rc rc = store_gov_member_get(ctx->app->store, body_id, ctx->person.id, &m);

	return rc == CMN_OK && m.left ? CMN_ERR_NOT_FOUND : rc;
}

static json_t *body_json(struct api_ctx *ctx, const struct gov_body *b)
{
	struct gov_member m;
	json_t *v = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", b->id, "kind", b->kind, "name",
			      b->name, "created", api_time(b->created), "statutes",
			      json_parse_str(b->statutes));

	if (v && ctx->authed &&
	    store_gov_member_get(ctx->app->store, b->id, ctx->person.id, &m) == CMN_OK) {
		json_t *mj = json_pack("{s:s, s:o}", "college", m.college, "joined",
				       api_time(m.joined));

		if (m.left)
			json_put(&mj, "left", api_time(m.left));
		json_put(&v, "membership", mj);
	}
	return v;
}

static enum cmn_rc the_body(struct api_ctx *ctx, struct gov_body *b)
{
	enum cmn_rc rc = store_gov_body_get(ctx->app->store, ctx->params[0], b);

	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such body", NULL);
	return rc;
}

struct listing {
	struct api_ctx *ctx;
	json_t *items;
};

static enum cmn_rc list_body(const struct gov_body *b, void *p)
{
	struct listing *l = p;
	json_t *v = body_json(l->ctx, b);

	return v && json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/bodies */
static enum cmn_rc list_bodies(struct api_ctx *ctx)
{
	struct listing l = {ctx, json_array()};
	enum cmn_rc rc = l.items ? store_gov_body_each(ctx->app->store, list_body, &l)
				 : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", l.items));
}

/* POST /api/v1/bodies {"name", "statutes"} - the operator */
static enum cmn_rc create_body(struct api_ctx *ctx)
{
	const char *name = json_string_value(json_object_get(ctx->body, "name"));
	char *statutes = json_text_dumps(json_object_get(ctx->body, "statutes"), JSON_COMPACT);
	struct gov_body b;
	char err[300] = "", loc[80];
	json_t *v;
	enum cmn_rc rc;

	if (!statutes)
		return CMN_ERR_NOMEM;
	if ((rc = store_tx_begin(ctx->app->store)) == CMN_OK) {
		enum cmn_rc made = govern_body_create(ctx->app->store, ctx->app->keys, name,
						      statutes, strlen(statutes), time_now_ms(), &b,
						      err, sizeof(err));

		rc = api_audited(ctx, made, "body.create", b.id, NULL);
		if (made == CMN_OK && rc != CMN_OK) /* undone: the commit failed */
			gov_body_release(&b);
	}
	free(statutes);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_EXISTS) {
		/* the statutes' pointers are within /statutes */
		char detail[320];

		bool in_statutes = err[0] == '/' && strncmp(err, "/name", 5) != 0;

		snprintf(detail, sizeof(detail), "%s%s", in_statutes ? "/statutes" : "", err);
		return api_problem(ctx, rc == CMN_ERR_EXISTS ? CMN_ERR_CONFLICT : rc, detail, NULL);
	}
	if (rc != CMN_OK)
		return rc;
	v = body_json(ctx, &b);
	snprintf(loc, sizeof(loc), "/api/v1/bodies/%s", b.id);
	http_set_header(ctx->res, "Location", loc);
	/* made: when its view cannot be made, what is known of it */
	rc = api_done(ctx, api_json(ctx, 201, v), 201, "{\"id\":\"%s\"}",
		      b.id);
	gov_body_release(&b);
	return rc;
}

struct in_force {
	struct api_ctx *ctx;
	json_t *items;
	int64_t now;
};

static enum cmn_rc running(const struct gov_agreement *a, void *p)
{
	struct in_force *f = p;
	struct org o;
	char why[200];
	json_t *terms;

	if (agreement_may_run(a, f->now, why, sizeof(why)) != CMN_OK)
		return CMN_OK;
	terms = json_parse_str(a->spec);
	if (store_org_get(f->ctx->app->store, a->org_id, &o) != CMN_OK)
		o.name[0] = '\0';
	return json_array_append_new(f->items,
				     json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", a->id,
					       "organisation", a->org_id, "organisation_name",
					       o.name, "terms", terms ? terms : json_null(), "ends",
					       api_time(a->ends))) == 0
		       ? CMN_OK
		       : CMN_ERR_NOMEM;
}

/* GET /api/v1/bodies/{id} - with the agreements that run: what a member's
 * data is shared for, which whoever may join should know */
static enum cmn_rc show_body(struct api_ctx *ctx)
{
	struct gov_body b;
	struct in_force f = {ctx, json_array(), time_now_ms()};
	json_t *v;
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK) {
		json_decref(f.items);
		return rc;
	}
	v = body_json(ctx, &b);
	gov_body_release(&b);
	rc = v && f.items ? store_gov_agreement_each(ctx->app->store, ctx->params[0], NULL, running,
						     &f)
			  : CMN_ERR_NOMEM;
	if (rc != CMN_OK) {
		json_decref(v);
		json_decref(f.items);
		return rc;
	}
	json_put(&v, "agreements", f.items);
	return api_json(ctx, 200, v);
}

/* POST /api/v1/bodies/{id}/membership {"college"?} - the caller joins */
static enum cmn_rc join(struct api_ctx *ctx)
{
	struct gov_body b;
	char err[300] = "";
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = govern_join(ctx->app->store, ctx->app->keys, ctx->params[0], ctx->person.id,
			 json_string_value(json_object_get(ctx->body, "college")), time_now_ms(),
			 err, sizeof(err));
	rc = api_audited(ctx, rc, "body.join", ctx->params[0], NULL);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show_body(ctx), 200, "{\"id\":\"%s\"}", ctx->params[0]);
}

/* DELETE /api/v1/bodies/{id}/membership - the caller leaves */
static enum cmn_rc leave(struct api_ctx *ctx)
{
	struct gov_body b;
	size_t withdrawn = 0;
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	/* the membership, the campaigns it withdraws from and their entries:
	 * one transaction */
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = govern_leave(ctx->app->store, ctx->app->keys, ctx->params[0], ctx->person.id,
			  time_now_ms(), &withdrawn);
	rc = api_audited(ctx, rc, "body.leave", ctx->params[0], NULL);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "you are not a member of this body", NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx,
			api_json(ctx, 200,
				 json_pack("{s:I}", "campaigns_withdrawn", (json_int_t)withdrawn)),
			200, "{\"campaigns_withdrawn\":%zu}", withdrawn);
}

/* GET /api/v1/bodies/{id}/members - to members and the operator only */
static enum cmn_rc members(struct api_ctx *ctx)
{
	struct gov_body b;
	struct gov_member *m = NULL;
	size_t n = 0;
	json_t *items;
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	if (!is_admin(ctx) && (rc = present_member(ctx, ctx->params[0])) != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND
			       ? api_problem(ctx, CMN_ERR_FORBIDDEN,
					     "the member register is for members", NULL)
			       : rc;
	if ((rc = store_gov_members(ctx->app->store, ctx->params[0], &m, &n)) != CMN_OK)
		return rc;
	items = json_array();
	for (size_t i = 0; items && rc == CMN_OK && i < n; i++) {
		struct person p;

		/* a member erased since is no longer listed; a register read
		 * in part is an error, not a shorter register */
		rc = store_person_by_id(ctx->app->store, m[i].person_id, &p, NULL);
		if (rc == CMN_ERR_NOT_FOUND)
			rc = CMN_OK;
		else if (rc == CMN_OK)
			json_push(&items, json_pack("{s:s, s:s, s:o}", "handle", p.handle, "college",
						    m[i].college, "joined", api_time(m[i].joined)));
	}
	free(m);
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return items ? api_json(ctx, 200, json_pack("{s:o}", "items", items)) : CMN_ERR_NOMEM;
}

/* ---- proposals ------------------------------------------------------------------- */

static json_t *proposal_json(struct api_ctx *ctx, const struct gov_proposal *p)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", p->id, "body",
			      p->body_id, "subject", p->subject_kind, "state",
			      gov_state_name(p->state), "text", json_parse_str(p->text),
			      "created", api_time(p->created), "closes", api_time(p->closes));

	(void)ctx;
	if (!v)
		return NULL;
	if (p->change)
		json_put(&v, "statutes", json_parse_str(p->change));
	else
		json_put(&v, p->subject_kind, json_string(p->subject_id));
	json_put(&v, "ballot", json_string(p->secret ? "secret" : "open"));
	if (p->decided) {
		json_put(&v, "decided", api_time(p->decided));
		json_put(&v, "tally", p->tally ? json_parse_str(p->tally) : json_null());
	}
	return v;
}

/* the_proposal - the proposal of the path, visible to the members of its
 * body and to the operator (404 to others) */
static enum cmn_rc the_proposal(struct api_ctx *ctx, struct gov_proposal *p)
{
	enum cmn_rc rc = store_gov_proposal_get(ctx->app->store, ctx->params[0], p);

	if (rc == CMN_OK && !is_admin(ctx) && (rc = present_member(ctx, p->body_id)) != CMN_OK)
		gov_proposal_release(p);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such proposal, or not one of your bodies", NULL);
	return rc;
}

struct proposals {
	struct api_ctx *ctx;
	json_t *items;
};

static enum cmn_rc list_proposal(const struct gov_proposal *p, void *c)
{
	struct proposals *l = c;
	json_t *v = proposal_json(l->ctx, p);

	return v && json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/bodies/{id}/proposals - to members and the operator */
static enum cmn_rc list_proposals(struct api_ctx *ctx)
{
	struct gov_body b;
	struct proposals l = {ctx, NULL};
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	if (!is_admin(ctx) && (rc = present_member(ctx, ctx->params[0])) != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND
			       ? api_problem(ctx, CMN_ERR_FORBIDDEN, "the proposals are for members",
					     NULL)
			       : rc;
	if (!(l.items = json_array()))
		return CMN_ERR_NOMEM;
	rc = store_gov_proposal_each(ctx->app->store, ctx->params[0], list_proposal, &l);
	if (rc != CMN_OK) {
		json_decref(l.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", l.items));
}

/* by_org_of - *yes when the caller is an agent of the organisation that
 * owns the campaign or the agreement the proposal is about (none: no); a
 * store that could not tell is its error, never a no */
static enum cmn_rc by_org_of(struct api_ctx *ctx, const char *campaign, const char *agreement,
			     bool *yes)
{
	char owner[CRYPT_ID_LEN] = "";
	enum cmn_rc rc = CMN_OK;

	*yes = false;
	if (strcmp(ctx->person.role, "agent") != 0 && !is_admin(ctx))
		return CMN_OK;
	if (campaign) {
		struct campaign_row r;

		if ((rc = store_campaign_get(ctx->app->store, campaign, false, &r)) == CMN_OK) {
			str_copy(owner, sizeof(owner), r.org_id);
			campaign_row_release(&r);
		}
	} else if (agreement) {
		struct gov_agreement a;

		if ((rc = store_gov_agreement_get(ctx->app->store, agreement, &a)) == CMN_OK) {
			str_copy(owner, sizeof(owner), a.org_id);
			gov_agreement_release(&a);
		}
	}
	*yes = owner[0] && strcmp(ctx->person.org_id, owner) == 0;
	return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc; /* none: the proposal says so */
}

/* POST /api/v1/bodies/{id}/proposals {"campaign" | "agreement" |
 * "statutes", "text", "closes", "ballot"?} - a member; an agent of the
 * campaign's or the agreement's organisation too */
static enum cmn_rc propose(struct api_ctx *ctx)
{
	const char *campaign = json_string_value(json_object_get(ctx->body, "campaign"));
	const char *agreement = json_string_value(json_object_get(ctx->body, "agreement"));
	json_t *statutes = json_object_get(ctx->body, "statutes");
	const char *closes_text = json_string_value(json_object_get(ctx->body, "closes"));
	const char *ballot = json_string_value(json_object_get(ctx->body, "ballot"));
	const json_t *text = json_object_get(ctx->body, "text");
	bool secret = ballot && strcmp(ballot, "secret") == 0, org;
	struct gov_proposal p = {0};
	struct gov_body b;
	char err[300] = "", loc[80];
	int64_t closes, now = time_now_ms();
	int64_t min_ms = ctx->app->vote_min_ms ? ctx->app->vote_min_ms : GOVERN_VOTE_MIN_DEFAULT_MS;
	json_t *v;
	enum cmn_rc made, rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	if ((campaign != NULL) + (agreement != NULL) + (statutes != NULL) != 1)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "a proposal is about one campaign, one agreement or new statutes",
				   NULL);
	if (time_parse(closes_text, false, &closes) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "/closes: an RFC 3339 date-time", NULL);
	if ((rc = by_org_of(ctx, campaign, agreement, &org)) != CMN_OK ||
	    (rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	if (campaign) {
		rc = govern_propose(ctx->app->store, ctx->app->keys, ctx->params[0], ctx->person.id,
				    org, campaign, text, closes, min_ms, secret, now, &p, err,
				    sizeof(err));
	} else if (agreement) {
		rc = govern_propose_agreement(ctx->app->store, ctx->app->keys, ctx->params[0],
					      ctx->person.id, org, agreement, text, closes, min_ms,
					      secret, now, &p, err, sizeof(err));
	} else {
		char *json = json_text_dumps(statutes, JSON_COMPACT);

		rc = json ? govern_propose_statutes(ctx->app->store, ctx->app->keys, ctx->params[0],
						    ctx->person.id, json, strlen(json), text, closes,
						    min_ms, secret, now, &p, err, sizeof(err))
			  : CMN_ERR_NOMEM;
		free(json);
	}
	made = rc;
	rc = api_audited(ctx, made, "proposal.submit", p.id, NULL);
	if (made == CMN_OK && rc != CMN_OK) /* undone: the commit failed */
		gov_proposal_release(&p);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_CONFLICT || rc == CMN_ERR_FORBIDDEN)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	v = proposal_json(ctx, &p);
	snprintf(loc, sizeof(loc), "/api/v1/proposals/%s", p.id);
	http_set_header(ctx->res, "Location", loc);
	/* submitted: when its view cannot be made, what is known of it */
	rc = api_done(ctx, api_json(ctx, 201, v), 201, "{\"id\":\"%s\",\"state\":\"open\"}",
		      p.id);
	gov_proposal_release(&p);
	return rc;
}

struct votes {
	const char *me;
	json_t *mine;
	json_t *all;                     /* open ballots, once decided */
	struct api_ctx *ctx;
};

static enum cmn_rc vote_row(const char *person_id, const char *choice, int64_t at, void *c)
{
	struct votes *vs = c;

	/* my vote shown as none would tell me I did not vote */
	if (strcmp(person_id, vs->me) == 0 &&
	    !(vs->mine = json_pack("{s:s, s:o}", "vote", choice, "at", api_time(at))))
		return CMN_ERR_NOMEM;
	if (vs->all) {
		struct person p;
		enum cmn_rc rc = store_person_by_id(vs->ctx->app->store, person_id, &p, NULL);

		if (rc == CMN_ERR_NOT_FOUND) /* a voter erased since */
			return CMN_OK;
		if (rc != CMN_OK)
			return rc;
		json_push(&vs->all, json_pack("{s:s, s:s}", "handle", p.handle, "vote", choice));
		if (!vs->all) /* never the votes without one of them */
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* GET /api/v1/proposals/{id} - with my vote; under an open ballot, once
 * decided, every member's */
static enum cmn_rc show_proposal(struct api_ctx *ctx)
{
	struct gov_proposal p;
	struct votes vs = {ctx->person.id, NULL, NULL, ctx};
	json_t *v;
	enum cmn_rc rc = the_proposal(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	/* an open ballot, decided: every member's vote, or an error */
	if (!p.secret && p.state != GOV_OPEN && !(vs.all = json_array())) {
		gov_proposal_release(&p);
		return CMN_ERR_NOMEM;
	}
	rc = store_gov_votes(ctx->app->store, p.id, vote_row, &vs);
	v = rc == CMN_OK ? proposal_json(ctx, &p) : NULL;
	gov_proposal_release(&p);
	if (!v) {
		json_decref(vs.mine);
		json_decref(vs.all);
		return rc == CMN_OK ? CMN_ERR_NOMEM : rc;
	}
	json_put(&v, "my_vote", vs.mine ? vs.mine : json_null());
	if (vs.all)
		json_put(&v, "votes", vs.all);
	return api_json(ctx, 200, v);
}

/* PUT /api/v1/proposals/{id}/vote {"vote": "yes" | "no" | "abstain"} */
static enum cmn_rc vote(struct api_ctx *ctx)
{
	struct gov_proposal p;
	enum cmn_rc rc = the_proposal(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	gov_proposal_release(&p);
	rc = govern_vote(ctx->app->store, ctx->params[0], ctx->person.id,
			 json_string_value(json_object_get(ctx->body, "vote")), time_now_ms());
	if (rc == CMN_ERR_FORBIDDEN)
		return api_problem(ctx, rc, "only the members of the body vote", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "the vote is closed", NULL);
	if (rc == CMN_ERR_INVALID)
		return api_problem(ctx, rc, "/vote: yes, no or abstain", NULL);
	if (rc != CMN_OK)
		return rc;
	return api_done(ctx, show_proposal(ctx), 200, "{\"id\":\"%s\"}", ctx->params[0]);
}

/* POST /api/v1/proposals/{id}/close - once its time is over: decided */
static enum cmn_rc close_proposal(struct api_ctx *ctx)
{
	struct gov_proposal p, done;
	char err[300] = "";
	enum gov_state state;
	enum cmn_rc made, rc = the_proposal(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	gov_proposal_release(&p);
	/* the decision, the register's entries and what it does: all or nothing */
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	made = govern_close(ctx->app->store, ctx->app->keys, ctx->params[0], time_now_ms(), &done,
			    err, sizeof(err));
	rc = api_audited(ctx, made, "proposal.close", ctx->params[0], NULL);
	if (made == CMN_OK && rc != CMN_OK) /* undone: the commit failed */
		gov_proposal_release(&done);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	state = done.state;
	gov_proposal_release(&done);
	return api_done(ctx, show_proposal(ctx), 200, "{\"id\":\"%s\",\"state\":\"%s\"}",
			ctx->params[0], gov_state_name(state));
}

/* ---- the debate ------------------------------------------------------------------ */

struct thread_view {
	struct api_ctx *ctx;
	json_t *items;
};

static enum cmn_rc comment_row(const struct gov_comment *c, void *p)
{
	struct thread_view *tv = p;
	struct person author;
	enum cmn_rc rc = store_person_by_id(tv->ctx->app->store, c->person_id, &author, NULL);
	json_t *v;

	/* an author erased since is shown as none; one that cannot be read
	 * fails the thread */
	if (rc != CMN_OK && rc != CMN_ERR_NOT_FOUND)
		return rc;
	v = json_pack("{s:s, s:o, s:o, s:o}", "id", c->id, "parent",
		      c->parent_id[0] ? json_string(c->parent_id) : json_null(), "at",
		      api_time(c->at), "author",
		      rc == CMN_OK ? json_string(author.handle) : json_null());
	if (!v)
		return CMN_ERR_NOMEM;
	if (c->hidden_at) {
		bool by_author = strcmp(c->hidden_by, c->person_id) == 0;

		json_put(&v, "hidden",
			 json_pack("{s:o, s:s, s:s}", "at", api_time(c->hidden_at), "by",
				   by_author ? "author" : "moderation", "reason",
				   c->hidden_reason));
	} else {
		json_put(&v, "text", json_string(c->text ? c->text : ""));
	}
	return json_array_append_new(tv->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/proposals/{id}/comments - the debate, oldest first; each
 * comment names the one it answers */
static enum cmn_rc list_comments(struct api_ctx *ctx)
{
	struct gov_proposal p;
	struct thread_view tv = {ctx, NULL};
	enum cmn_rc rc = the_proposal(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	gov_proposal_release(&p);
	if (!(tv.items = json_array()))
		return CMN_ERR_NOMEM;
	rc = store_gov_comments(ctx->app->store, ctx->params[0], comment_row, &tv);
	if (rc != CMN_OK) {
		json_decref(tv.items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", tv.items));
}

/* POST /api/v1/proposals/{id}/comments {"text", "parent"?} */
static enum cmn_rc add_comment(struct api_ctx *ctx)
{
	struct gov_proposal p;
	struct gov_comment c;
	struct thread_view tv = {ctx, json_array()};
	char err[300] = "";
	json_t *v;
	enum cmn_rc rc = the_proposal(ctx, &p);

	if (rc != CMN_OK) {
		json_decref(tv.items);
		return rc;
	}
	gov_proposal_release(&p);
	rc = govern_comment(ctx->app->store, ctx->params[0], ctx->person.id,
			    json_string_value(json_object_get(ctx->body, "parent")),
			    json_string_value(json_object_get(ctx->body, "text")), time_now_ms(), &c,
			    err, sizeof(err));
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_FORBIDDEN || rc == CMN_ERR_CONFLICT) {
		json_decref(tv.items);
		return api_problem(ctx, rc, err, NULL);
	}
	if (rc != CMN_OK) {
		json_decref(tv.items);
		return rc;
	}
	c.text = json_string_value(json_object_get(ctx->body, "text"));
	v = tv.items && comment_row(&c, &tv) == CMN_OK ? json_incref(json_array_get(tv.items, 0))
						       : NULL;
	json_decref(tv.items);
	/* posted: when its view cannot be made, what is known of it */
	return api_done(ctx, api_json(ctx, 201, v), 201, "{\"id\":\"%s\"}", c.id);
}

/* POST /api/v1/comments/{id}/hide {"reason"} - the operator moderates; an
 * author withdraws their own */
static enum cmn_rc hide_comment(struct api_ctx *ctx)
{
	struct gov_comment c;
	struct gov_proposal p;
	char err[300] = "";
	enum cmn_rc rc = store_gov_comment_get(ctx->app->store, ctx->params[0], &c, NULL);

	/* a comment exists for those who may read its proposal */
	if (rc == CMN_OK && (rc = store_gov_proposal_get(ctx->app->store, c.proposal_id, &p)) ==
				CMN_OK) {
		if (!is_admin(ctx))
			rc = present_member(ctx, p.body_id);
		gov_proposal_release(&p);
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such comment", NULL);
	if (rc != CMN_OK)
		return rc;
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK)
		return rc;
	rc = govern_comment_hide(ctx->app->store, ctx->params[0], ctx->person.id, is_admin(ctx),
				 json_string_value(json_object_get(ctx->body, "reason")),
				 time_now_ms(), err, sizeof(err));
	rc = api_audited(ctx, rc, "comment.hide", ctx->params[0], NULL);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_FORBIDDEN || rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, err, NULL);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

/* ---- the public register ------------------------------------------------------------ */

static enum cmn_rc entry_row(const struct gov_entry *e, void *c)
{
	json_t *items = c;
	json_t *v = json_pack("{s:I, s:o, s:s, s:o, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
			      "at", api_time(e->at), "kind", e->kind, "payload",
			      json_parse_str(e->payload), "prev", e->prev, "hash", e->hash,
			      "sig", e->sig);

	return v && json_array_append_new(items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/bodies/{id}/register - public */
static enum cmn_rc register_list(struct api_ctx *ctx)
{
	struct gov_body b;
	json_t *items;
	enum cmn_rc rc = the_body(ctx, &b);

	if (rc != CMN_OK)
		return rc;
	gov_body_release(&b);
	if (!(items = json_array()))
		return CMN_ERR_NOMEM;
	rc = store_gov_register_each(ctx->app->store, ctx->params[0], entry_row, items);
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200,
			json_pack("{s:s, s:s, s:o}", "body", ctx->params[0], "hash",
				  "BLAKE2b-256 of the tag commune.govern.register.v1, prev, seq and"
				  " at (8 bytes little-endian each), kind and payload, each"
				  " preceded by its length (8 bytes little-endian); sig: a JWS"
				  " (EdDSA) of the hash by the key of /.well-known/jwks.json",
				  "entries", items));
}

#define BODY_SCHEMA                                                                           \
	"{\"type\": \"object\", \"required\": [\"name\", \"statutes\"], \"additionalProperties\":" \
	" false, \"properties\": {\"name\": {\"type\": \"string\", \"minLength\": 1,"            \
	" \"maxLength\": 120}, \"statutes\": {\"type\": \"object\"}}}"
#define JOIN_SCHEMA                                                                           \
	"{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"              \
	" \"college\": {\"type\": \"string\", \"maxLength\": 32}}}"
#define PROPOSAL_SCHEMA                                                                       \
	"{\"type\": \"object\", \"required\": [\"text\", \"closes\"],"                        \
	" \"additionalProperties\": false, \"properties\": {"                                  \
	" \"campaign\": {\"type\": \"string\", \"maxLength\": 32},"                            \
	" \"agreement\": {\"type\": \"string\", \"maxLength\": 32},"                           \
	" \"statutes\": {\"type\": \"object\"},"                                              \
	" \"text\": {\"type\": \"object\"}, \"closes\": {\"type\": \"string\", \"maxLength\": 40},"\
	" \"ballot\": {\"type\": \"string\", \"enum\": [\"open\", \"secret\"]}}}"
#define VOTE_SCHEMA                                                                           \
	"{\"type\": \"object\", \"required\": [\"vote\"], \"additionalProperties\": false,"     \
	" \"properties\": {\"vote\": {\"type\": \"string\", \"enum\": [\"yes\", \"no\","        \
	" \"abstain\"]}}}"

#define COMMENT_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"text\"], \"additionalProperties\": false,"     \
	" \"properties\": {\"text\": {\"type\": \"string\", \"maxLength\": 4000},"              \
	" \"parent\": {\"type\": \"string\", \"maxLength\": 32}}}"
#define HIDE_SCHEMA                                                                           \
	"{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"              \
	" \"reason\": {\"type\": \"string\", \"maxLength\": 200}}}"

const struct route api_govern_routes[] = {
	{"GET", "/api/v1/bodies", list_bodies, AUTH_PERSON, NULL,
	 "The governance bodies and their statutes", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/bodies", create_body, AUTH_ADMIN, BODY_SCHEMA,
	 "The operator creates a body with its statutes", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/bodies/{id}", show_body, AUTH_PERSON, NULL,
	 "A body, its statutes and my membership", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/bodies/{id}/membership", join, AUTH_SESSION, JOIN_SCHEMA,
	 "Join a body (in a college)", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/bodies/{id}/membership", leave, AUTH_SESSION, NULL,
	 "Leave a body: my data leaves its future uses", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/bodies/{id}/members", members, AUTH_PERSON, NULL,
	 "The member register (members only)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/bodies/{id}/proposals", list_proposals, AUTH_PERSON, NULL,
	 "The proposals put to a body (members only)", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/bodies/{id}/proposals", propose, AUTH_PERSON, PROPOSAL_SCHEMA,
	 "Submit a campaign, an agreement or new statutes to a body", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/proposals/{id}", show_proposal, AUTH_PERSON, NULL,
	 "A proposal, its tally and my vote (members only)", GRANT_ROUTE_NONE},
	{"PUT", "/api/v1/proposals/{id}/vote", vote, AUTH_SESSION, VOTE_SCHEMA,
	 "Vote on an open proposal, or change my vote", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/proposals/{id}/close", close_proposal, AUTH_PERSON, NULL,
	 "Decide a proposal whose vote is over", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/proposals/{id}/comments", list_comments, AUTH_PERSON, NULL,
	 "The debate of a proposal (members only)", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/proposals/{id}/comments", add_comment, AUTH_SESSION, COMMENT_SCHEMA,
	 "Comment on an open proposal, or answer a comment", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/comments/{id}/hide", hide_comment, AUTH_SESSION, HIDE_SCHEMA,
	 "Hide a comment: the operator's moderation, or its author's withdrawal",
	 GRANT_ROUTE_NONE},
	{"GET", "/api/v1/bodies/{id}/register", register_list, AUTH_NONE, NULL,
	 "A body's signed decision register (public)", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
