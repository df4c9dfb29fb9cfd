/*
 * govern.c - bodies, membership, proposals, votes and decisions, each
 * written to the body's signed register (govern.h).
 */
#include "govern/govern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "campaign/campaign.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "govern/agreement.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"

void govern_member_hash(const char *body_id, const char *person_id,
			char out[CRYPT_HASH_HEX_LEN])
{
	static const char tag[] = "commune.govern.member.v1";
	crypto_generichash_state h;
	unsigned char d[32];

	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	crypto_generichash_update(&h, (const unsigned char *)tag, sizeof(tag));
	crypto_generichash_update(&h, (const unsigned char *)body_id, strlen(body_id) + 1);
	crypto_generichash_update(&h, (const unsigned char *)person_id, strlen(person_id));
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out, CRYPT_HASH_HEX_LEN, d, sizeof(d));
}

enum cmn_rc govern_register_append(struct store *s, const struct keyring *k,
				   const char *body_id, const char *kind, json_t *v, int64_t now)
{
	char *text;
	enum cmn_rc rc;

	if (!v)
		return CMN_ERR_NOMEM;
	text = json_text_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(v);
	if (!text)
		return CMN_ERR_NOMEM;
	rc = store_gov_append(s, k, body_id, kind, text, now);
	free(text);
	return rc;
}

static enum cmn_rc statutes_of(const struct gov_body *b, struct govern_statutes *st)
{
	char err[200];

	return govern_statutes_parse(b->statutes, strlen(b->statutes), st, err, sizeof(err)) ==
		       CMN_OK
		   ? CMN_OK
		   : CMN_ERR_CORRUPT;
}

enum cmn_rc govern_body_create(struct store *s, const struct keyring *k, const char *name,
			       const char *json, size_t n, int64_t now, struct gov_body *out,
			       char *err, size_t errn)
{
	struct govern_statutes st;
	char *canon = NULL;
	json_t *sv;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (!name[0] || strlen(name) > GOV_NAME_MAX) {
		snprintf(err, errn, "/name: 1 to %d bytes", GOV_NAME_MAX);
		return CMN_ERR_INVALID;
	}
	rc = govern_statutes_parse(json, n, &st, err, errn);
	if (rc != CMN_OK)
		return rc;
	if ((rc = govern_statutes_json(&st, &canon, NULL)) != CMN_OK)
		return rc;
	str_copy(out->kind, sizeof(out->kind), govern_kind_name(st.kind));
	str_copy(out->name, sizeof(out->name), name);
	out->created = now;
	out->statutes = canon;
	/* the body and its register's first entry: both or neither */
	if ((rc = store_tx_begin(s)) != CMN_OK) {
		gov_body_release(out);
		return rc;
	}
	rc = store_gov_body_add(s, out);
	if (rc == CMN_ERR_EXISTS)
		snprintf(err, errn, "/name: a body of that name exists");
	if (rc == CMN_OK) {
		sv = json_parse_str(canon);
		rc = govern_register_append(s, k, out->id, "body.create",
			      sv ? json_pack("{s:s, s:s, s:o}", "name", name, "kind", out->kind,
					     "statutes", sv)
				 : NULL,
			      now);
	}
	if ((rc = store_tx_end(s, rc)) != CMN_OK)
		gov_body_release(out);
	return rc;
}

static bool college_known(const struct govern_statutes *st, const char *college)
{
	if (st->ncolleges == 0)
		return !college || !college[0];
	for (size_t i = 0; college && i < st->ncolleges; i++)
		if (strcmp(st->colleges[i].name, college) == 0)
			return true;
	return false;
}

enum cmn_rc govern_join(struct store *s, const struct keyring *k, const char *body_id,
			const char *person_id, const char *college, int64_t now, char *err,
			size_t errn)
{
	struct gov_body b;
	struct govern_statutes st;
	char mh[CRYPT_HASH_HEX_LEN];
	enum cmn_rc rc = store_gov_body_get(s, body_id, &b);

	if (rc != CMN_OK)
		return rc;
	rc = statutes_of(&b, &st);
	gov_body_release(&b);
	if (rc != CMN_OK)
		return rc;
	if (!college_known(&st, college)) {
		if (st.ncolleges == 0) {
			snprintf(err, errn, "/college: this body has no colleges");
		} else {
			size_t used = (size_t)snprintf(err, errn, "/college: one of");

			for (size_t i = 0; i < st.ncolleges && used < errn; i++)
				used += (size_t)snprintf(err + used, errn - used, "%s %s",
							 i ? "," : "", st.colleges[i].name);
		}
		return CMN_ERR_INVALID;
	}
	/* the membership and its register's entry: both or neither */
	if ((rc = store_tx_begin(s)) != CMN_OK)
		return rc;
	rc = store_gov_join(s, body_id, person_id, college ? college : "", now);
	if (rc == CMN_ERR_CONFLICT)
		snprintf(err, errn, "a member already");
	if (rc == CMN_OK) {
		govern_member_hash(body_id, person_id, mh);
		rc = govern_register_append(s, k, body_id, "member.join",
					    json_pack("{s:s, s:s}", "member", mh, "college",
						      college ? college : ""),
					    now);
	}
	return store_tx_end(s, rc);
}

/* the campaigns a leaving member withdraws from */
struct leaving {
	struct store *s;
	const char *body_id;
	char (*ids)[CRYPT_ID_LEN];
	size_t n, cap;
};

static enum cmn_rc collect_part(const struct campaign_part *p, void *ctx)
{
	struct leaving *l = ctx;
	struct campaign_row r;
	struct gov_proposal prop;
	bool ours = false;
	enum cmn_rc rc;

	if (p->withdrawn)
		return CMN_OK;
	/* a failure to read is the leave's: left unsaid, the campaign would
	 * keep a leaver's data */
	if ((rc = store_campaign_get(l->s, p->campaign_id, false, &r)) != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc;
	/* decided by a proposal of this body, and not run yet (the operator
	 * decides with no proposal) */
	if (r.state == CAMPAIGN_STATE_APPROVED) {
		rc = store_gov_proposal_get(l->s, r.decided_by, &prop);
		if (rc == CMN_OK) {
			ours = strcmp(prop.body_id, l->body_id) == 0;
			gov_proposal_release(&prop);
		} else if (rc == CMN_ERR_NOT_FOUND) {
			rc = CMN_OK;
		}
	}
	campaign_row_release(&r);
	if (rc != CMN_OK || !ours)
		return rc;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 8;
		char(*nv)[CRYPT_ID_LEN] = realloc(l->ids, ncap * sizeof(*nv));

		if (!nv)
			return CMN_ERR_NOMEM;
		l->ids = nv;
		l->cap = ncap;
	}
	memcpy(l->ids[l->n++], p->campaign_id, CRYPT_ID_LEN);
	return CMN_OK;
}

enum cmn_rc govern_leave(struct store *s, const struct keyring *k, const char *body_id,
			 const char *person_id, int64_t now, size_t *withdrawn)
{
	struct leaving l = {s, body_id, NULL, 0, 0};
	char mh[CRYPT_HASH_HEX_LEN];
	size_t done = 0;
	enum cmn_rc rc = store_tx_begin(s);

	if (rc != CMN_OK)
		return rc;
	/* one transaction: the campaigns collected are the ones withdrawn
	 * from, no other writer between */
	rc = store_gov_leave(s, body_id, person_id, now);
	if (rc == CMN_OK)
		rc = store_campaign_parts_of(s, person_id, collect_part, &l);
	for (size_t i = 0; rc == CMN_OK && i < l.n; i++) {
		rc = campaign_withdraw(s, person_id, l.ids[i], now, "govern:leave");
		done += rc == CMN_OK;
	}
	free(l.ids);
	if (rc == CMN_OK) {
		govern_member_hash(body_id, person_id, mh);
		rc = govern_register_append(s, k, body_id, "member.leave",
					    json_pack("{s:s, s:I}", "member", mh,
						      "campaigns_withdrawn", (json_int_t)done),
					    now);
	}
	if ((rc = store_tx_end(s, rc)) == CMN_OK && withdrawn)
		*withdrawn = done;
	return rc;
}

bool govern_text_ok(const json_t *text)
{
	const char *langs[] = {"fr", "en"};

	if (!json_is_object(text) || json_object_size(text) != 2)
		return false;
	for (size_t i = 0; i < 2; i++) {
		const char *t = json_string_value(json_object_get(text, langs[i]));

		if (!t || !t[0] || strlen(t) > GOVERN_TEXT_MAX)
			return false;
	}
	return true;
}

/* what a proposal is about, checked by submit's callers */
struct subject {
	const char *kind;               /* "campaign", "agreement", "statutes" */
	const char *id;                 /* the campaign's, the agreement's or the body's */
	const char *change;             /* a change of rules: the canonical new statutes */
	json_t *detail;                 /* more for the register's entry (stolen), or NULL */
};

/* duration_text - ms in the largest unit it is a whole number of:
 * "1 minute", "7 days", "90 seconds" */
static void duration_text(int64_t ms, char *out, size_t n)
{
	static const struct {
		int64_t ms;
		const char *name;
	} units[] = {{86400000, "day"}, {3600000, "hour"}, {60000, "minute"}, {1000, "second"},
		   {1, "millisecond"}};
	size_t i = 0;

	while (i + 1 < sizeof(units) / sizeof(*units) && ms % units[i].ms != 0)
		i++;
	snprintf(out, n, "%lld %s%s", (long long)(ms / units[i].ms), units[i].name,
		 ms / units[i].ms == 1 ? "" : "s");
}

/* submit - the checks every proposal passes, then the proposal and its
 * entry "proposal.submit": a vote from min_ms to GOVERN_VOTE_MAX_MS long,
 * by a present member unless by_org, one open proposal per subject,
 * decided under the body's statutes of now */
static enum cmn_rc submit(struct store *s, const struct keyring *k, const struct gov_body *b,
			  const char *by, bool by_org, struct subject *sub, const json_t *text,
			  int64_t closes, int64_t min_ms, bool secret, int64_t now,
			  struct gov_proposal *out, char *err, size_t errn)
{
	struct gov_member m;
	struct gov_proposal open;
	char when[TIME_RFC3339_LEN];
	json_t *entry;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (!govern_text_ok(text)) {
		snprintf(err, errn, "/text: {\"fr\": ..., \"en\": ...}, not blank, at most %d bytes"
				    " each", GOVERN_TEXT_MAX);
		rc = CMN_ERR_INVALID;
		goto fail;
	}
	if (closes < now + min_ms || closes > now + GOVERN_VOTE_MAX_MS) {
		char shortest[32], longest[32];

		duration_text(min_ms, shortest, sizeof(shortest));
		duration_text(GOVERN_VOTE_MAX_MS, longest, sizeof(longest));
		snprintf(err, errn, "/closes: from %s to %s from now", shortest, longest);
		rc = CMN_ERR_INVALID;
		goto fail;
	}
	rc = store_gov_member_get(s, b->id, by, &m);
	if (!by_org && (rc != CMN_OK || m.left)) {
		snprintf(err, errn, "only a member of the body, or an agent of the %s's"
				    " organisation, submits a proposal to it", sub->kind);
		rc = CMN_ERR_FORBIDDEN;
		goto fail;
	}
	/* one open proposal about a subject at a time */
	if (store_gov_proposal_for(s, sub->kind, sub->id, &open) == CMN_OK) {
		bool busy = open.state == GOV_OPEN;

		gov_proposal_release(&open);
		if (busy) {
			snprintf(err, errn, "/%s: a proposal about it is open already", sub->kind);
			rc = CMN_ERR_CONFLICT;
			goto fail;
		}
	}
	str_copy(out->body_id, sizeof(out->body_id), b->id);
	str_copy(out->by, sizeof(out->by), by);
	str_copy(out->subject_kind, sizeof(out->subject_kind), sub->kind);
	str_copy(out->subject_id, sizeof(out->subject_id), sub->id);
	out->secret = secret;
	out->created = now;
	out->closes = closes;
	out->text = json_text_dumps(text, JSON_COMPACT | JSON_SORT_KEYS);
	out->statutes = strdup(b->statutes);
	out->change = sub->change ? strdup(sub->change) : NULL;
	if (!out->text || !out->statutes || (sub->change && !out->change)) {
		gov_proposal_release(out);
		rc = CMN_ERR_NOMEM;
		goto fail;
	}
	if ((rc = store_gov_proposal_add(s, out)) != CMN_OK) {
		/* another submission about it came first (the index of one open
		 * proposal per subject) */
		if (rc == CMN_ERR_EXISTS) {
			snprintf(err, errn, "/%s: a proposal about it is open already", sub->kind);
			rc = CMN_ERR_CONFLICT;
		}
		gov_proposal_release(out);
		goto fail;
	}
	time_format(when, closes);
	entry = json_pack("{s:s, s:s, s:O, s:s, s:s}", "proposal", out->id, "subject", sub->kind,
			  "text", text, "closes", when, "ballot", secret ? "secret" : "open");
	/* the register's entry whole, or no proposal */
	if (entry && ((strcmp(sub->kind, "statutes") != 0 &&
		       json_object_set_new(entry, sub->kind, json_string(sub->id)) != 0) ||
		      (sub->detail && json_object_update(entry, sub->detail) != 0))) {
		json_decref(entry);
		entry = NULL;
	}
	json_decref(sub->detail);
	rc = govern_register_append(s, k, b->id, "proposal.submit", entry, now);
	if (rc != CMN_OK)
		gov_proposal_release(out);
	return rc;
fail:
	json_decref(sub->detail);
	sub->detail = NULL;
	return rc;
}

enum cmn_rc govern_propose(struct store *s, const struct keyring *k, const char *body_id,
			   const char *by, bool by_org, const char *campaign_id,
			   const json_t *text, int64_t closes, int64_t min_ms, bool secret,
			   int64_t now, struct gov_proposal *out, char *err, size_t errn)
{
	struct subject sub = {"campaign", campaign_id, NULL, NULL};
	struct gov_body b;
	struct campaign_row r;
	char body_kind[16];
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_gov_body_get(s, body_id, &b)) != CMN_OK)
		return rc;
	rc = store_campaign_get(s, campaign_id, false, &r);
	if (rc == CMN_ERR_NOT_FOUND) {
		snprintf(err, errn, "/campaign: no such campaign");
		rc = CMN_ERR_INVALID;
	}
	if (rc == CMN_OK) {
		/* a definition that cannot be read is no reason to refuse */
		rc = campaign_body_kind(r.spec, body_kind);
		if (rc == CMN_OK && r.state != CAMPAIGN_STATE_DRAFT) {
			snprintf(err, errn, "/campaign: it is %s, not a draft",
				 campaign_state_name(r.state));
			rc = CMN_ERR_CONFLICT;
		} else if (rc == CMN_OK && strcmp(body_kind, b.kind) != 0) {
			snprintf(err, errn, "/campaign: its governance is %s, this body is a %s",
				 body_kind, b.kind);
			rc = CMN_ERR_INVALID;
		}
		campaign_row_release(&r);
	}
	if (rc == CMN_OK)
		rc = submit(s, k, &b, by, by_org, &sub, text, closes, min_ms, secret, now, out,
			    err, errn);
	gov_body_release(&b);
	return rc;
}

enum cmn_rc govern_propose_agreement(struct store *s, const struct keyring *k,
				     const char *body_id, const char *by, bool by_org,
				     const char *agreement_id, const json_t *text, int64_t closes,
				     int64_t min_ms, bool secret, int64_t now,
				     struct gov_proposal *out, char *err, size_t errn)
{
	struct subject sub = {"agreement", agreement_id, NULL, NULL};
	struct gov_agreement a;
	struct gov_body b;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_gov_body_get(s, body_id, &b)) != CMN_OK)
		return rc;
	rc = store_gov_agreement_get(s, agreement_id, &a);
	if (rc == CMN_ERR_NOT_FOUND) {
		snprintf(err, errn, "/agreement: no such agreement");
		rc = CMN_ERR_INVALID;
	}
	if (rc == CMN_OK) {
		if (strcmp(a.body_id, body_id) != 0) {
			snprintf(err, errn, "/agreement: it is put to another body");
			rc = CMN_ERR_INVALID;
		} else if (a.state != GOV_AGREEMENT_DRAFT) {
			snprintf(err, errn, "/agreement: it is %s, not a draft",
				 gov_agreement_state_name(a.state));
			rc = CMN_ERR_CONFLICT;
		} else if (a.ends <= closes) {
			snprintf(err, errn, "/closes: the agreement would have expired by then");
			rc = CMN_ERR_INVALID;
		} else {
			/* the register keeps the terms the members voted on */
			sub.detail = json_pack("{s:o, s:s}", "terms", json_parse_str(a.spec),
					       "organisation", a.org_id);
			if (!sub.detail)
				rc = CMN_ERR_NOMEM;
		}
		gov_agreement_release(&a);
	}
	if (rc == CMN_OK)
		rc = submit(s, k, &b, by, by_org, &sub, text, closes, min_ms, secret, now, out,
			    err, errn);
	gov_body_release(&b);
	return rc;
}

/* same_colleges - whether two statutes seat members in the same colleges
 * (a change of rules keeps them: the members sit in them) */
static bool same_colleges(const struct govern_statutes *a, const struct govern_statutes *b)
{
	if (a->ncolleges != b->ncolleges)
		return false;
	for (size_t i = 0; i < a->ncolleges; i++) {
		bool found = false;

		for (size_t j = 0; j < b->ncolleges && !found; j++)
			found = strcmp(a->colleges[i].name, b->colleges[j].name) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* change_fits - whether new statutes may replace those of b; err says why
 * not */
static enum cmn_rc change_fits(const struct gov_body *b, const struct govern_statutes *next,
			       char *err, size_t errn)
{
	struct govern_statutes now;

	if (statutes_of(b, &now) != CMN_OK)
		return CMN_ERR_CORRUPT;
	if (next->kind != now.kind) {
		snprintf(err, errn, "/statutes/kind: a %s stays a %s", b->kind, b->kind);
		return CMN_ERR_INVALID;
	}
	if (!same_colleges(&now, next)) {
		snprintf(err, errn, "/statutes/colleges: a change of rules keeps the colleges the"
				    " members sit in (their names; weights may change)");
		return CMN_ERR_INVALID;
	}
	return CMN_OK;
}

enum cmn_rc govern_propose_statutes(struct store *s, const struct keyring *k,
				    const char *body_id, const char *by, const char *json,
				    size_t n, const json_t *text, int64_t closes, int64_t min_ms,
				    bool secret, int64_t now, struct gov_proposal *out, char *err,
				    size_t errn)
{
	struct subject sub = {"statutes", body_id, NULL, NULL};
	struct govern_statutes next;
	struct gov_body b;
	char *canon = NULL, inner[240];
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_gov_body_get(s, body_id, &b)) != CMN_OK)
		return rc;
	rc = govern_statutes_parse(json, n, &next, inner, sizeof(inner));
	if (rc == CMN_ERR_INVALID)
		snprintf(err, errn, "/statutes%s", inner);
	if (rc == CMN_OK)
		rc = change_fits(&b, &next, err, errn);
	if (rc == CMN_OK)
		rc = govern_statutes_json(&next, &canon, NULL);
	if (rc == CMN_OK && strcmp(canon, b.statutes) == 0) {
		snprintf(err, errn, "/statutes: these are the statutes in force");
		rc = CMN_ERR_INVALID;
	}
	if (rc == CMN_OK) {
		sub.change = canon;
		sub.detail = json_pack("{s:o}", "statutes", json_parse_str(canon));
		rc = sub.detail ? submit(s, k, &b, by, false, &sub, text, closes, min_ms, secret,
					 now, out, err, errn)
				: CMN_ERR_NOMEM;
	}
	free(canon);
	gov_body_release(&b);
	return rc;
}

enum cmn_rc govern_vote(struct store *s, const char *proposal_id, const char *person_id,
			const char *choice, int64_t now)
{
	struct gov_proposal p;
	struct gov_member m;
	enum cmn_rc rc;

	if (strcmp(choice, "yes") != 0 && strcmp(choice, "no") != 0 &&
	    strcmp(choice, "abstain") != 0)
		return CMN_ERR_INVALID;
	if ((rc = store_gov_proposal_get(s, proposal_id, &p)) != CMN_OK)
		return rc;
	rc = store_gov_member_get(s, p.body_id, person_id, &m);
	gov_proposal_release(&p);
	if (rc == CMN_ERR_NOT_FOUND || (rc == CMN_OK && m.left))
		return CMN_ERR_FORBIDDEN;
	if (rc != CMN_OK)
		return rc;
	return store_gov_vote(s, proposal_id, person_id, choice, now);
}

/* the ballots of a decision: every present member, with their vote */
struct ballots {
	struct gov_member *members;
	size_t n;
	enum govern_choice *choice;
};

static enum govern_choice choice_of(const char *c)
{
	return strcmp(c, "yes") == 0	  ? GOVERN_CHOICE_YES
	       : strcmp(c, "no") == 0	  ? GOVERN_CHOICE_NO
	       : strcmp(c, "abstain") == 0 ? GOVERN_CHOICE_ABSTAIN
					   : GOVERN_CHOICE_NONE;
}

static enum cmn_rc vote_row(const char *person_id, const char *choice, int64_t at, void *ctx)
{
	struct ballots *b = ctx;
	size_t lo = 0, hi = b->n;

	(void)at;
	/* members are by person id; a vote of someone who left is not counted */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->members[mid].person_id, person_id);

		if (c == 0) {
			b->choice[mid] = choice_of(choice);
			return CMN_OK;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CMN_OK;
}

/* carry_out - what a decision does to its subject: a campaign or an
 * agreement is approved or rejected; an approved change of rules becomes
 * the body's statutes ("body.statutes") */
static enum cmn_rc carry_out(struct store *s, const struct keyring *k, const struct gov_body *b,
			     const struct gov_proposal *p, bool approve, int64_t now, char *err,
			     size_t errn)
{
	struct govern_statutes next;
	char why[200];
	enum cmn_rc rc;

	if (strcmp(p->subject_kind, "campaign") == 0) {
		rc = campaign_decide(s, p->subject_id, approve, p->id, true, now, why, sizeof(why));
		if (rc != CMN_OK)
			snprintf(err, errn, "the campaign: %s", why);
		return rc;
	}
	if (strcmp(p->subject_kind, "agreement") == 0) {
		rc = store_gov_agreement_decide(s, p->subject_id, approve, p->id, now);
		/* its organisation ended it during the vote: the decision is
		 * recorded, and the agreement stays ended */
		if (rc == CMN_ERR_CONFLICT)
			rc = CMN_OK;
		return rc;
	}
	if (strcmp(p->subject_kind, "statutes") != 0 || !p->change)
		return CMN_ERR_CORRUPT;
	if (!approve)
		return CMN_OK;
	rc = govern_statutes_parse(p->change, strlen(p->change), &next, why, sizeof(why));
	if (rc == CMN_OK)
		rc = change_fits(b, &next, err, errn) == CMN_OK ? CMN_OK : CMN_ERR_CONFLICT;
	else
		rc = CMN_ERR_CORRUPT;
	if (rc == CMN_OK)
		rc = store_gov_body_set_statutes(s, b->id, p->change);
	if (rc == CMN_OK)
		rc = govern_register_append(s, k, b->id, "body.statutes",
					    json_pack("{s:s, s:o}", "proposal", p->id, "statutes",
						      json_parse_str(p->change)),
					    now);
	return rc;
}

enum cmn_rc govern_close(struct store *s, const struct keyring *k, const char *proposal_id,
			 int64_t now, struct gov_proposal *out, char *err, size_t errn)
{
	struct gov_proposal p;
	struct gov_body b = {0};
	struct govern_statutes st;
	struct govern_ballot *gb = NULL;
	struct ballots bl = {0};
	struct govern_tally t;
	enum gov_state state;
	char *tally = NULL;
	json_t *votes = NULL, *entry;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_gov_proposal_get(s, proposal_id, &p)) != CMN_OK)
		return rc;
	if (p.state != GOV_OPEN) {
		snprintf(err, errn, "this proposal was decided already (%s)", gov_state_name(p.state));
		gov_proposal_release(&p);
		return CMN_ERR_CONFLICT;
	}
	if (now < p.closes) {
		char when[TIME_RFC3339_LEN];

		time_format(when, p.closes);
		snprintf(err, errn, "the vote is open until %s", when);
		gov_proposal_release(&p);
		return CMN_ERR_CONFLICT;
	}
	/* the decision, the register's entries and what the decision does:
	 * all or nothing */
	if ((rc = store_tx_begin(s)) != CMN_OK) {
		gov_proposal_release(&p);
		return rc;
	}
	rc = store_gov_body_get(s, p.body_id, &b);
	/* decided under the statutes in force when it was submitted */
	if (rc == CMN_OK && p.statutes)
		rc = govern_statutes_parse(p.statutes, strlen(p.statutes), &st, err, errn) == CMN_OK
			 ? CMN_OK
			 : CMN_ERR_CORRUPT;
	else if (rc == CMN_OK)
		rc = statutes_of(&b, &st);
	if (rc == CMN_OK)
		rc = store_gov_members(s, p.body_id, &bl.members, &bl.n);
	if (rc == CMN_OK) {
		bl.choice = calloc(bl.n ? bl.n : 1, sizeof(*bl.choice));
		gb = calloc(bl.n ? bl.n : 1, sizeof(*gb));
		if (!bl.choice || !gb)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK)
		rc = store_gov_votes(s, proposal_id, vote_row, &bl);
	for (size_t i = 0; rc == CMN_OK && i < bl.n; i++)
		gb[i] = (struct govern_ballot){bl.members[i].person_id,
					       bl.members[i].college[0] ? bl.members[i].college
									: NULL,
					       bl.choice[i]};
	if (rc == CMN_OK)
		rc = govern_decide(&st, gb, bl.n, &t);
	if (rc == CMN_OK)
		rc = govern_tally_json(&t, &tally, NULL);
	if (rc != CMN_OK)
		goto out;
	state = t.outcome == GOVERN_APPROVED ? GOV_APPROVED
		: t.outcome == GOVERN_NO_QUORUM ? GOV_NO_QUORUM
						: GOV_REJECTED;
	if ((rc = store_gov_decide(s, proposal_id, state, tally, now)) != CMN_OK) {
		if (rc == CMN_ERR_CONFLICT)
			snprintf(err, errn, "this proposal was decided meanwhile");
		goto out;
	}
	/* an open ballot's votes are in the register, a secret one's counts only */
	if (!p.secret) {
		votes = json_array();
		for (size_t i = 0; votes && i < bl.n; i++) {
			char mh[CRYPT_HASH_HEX_LEN];

			govern_member_hash(p.body_id, bl.members[i].person_id, mh);
			if (json_array_append_new(votes,
						  json_pack("{s:s, s:s}", "member", mh, "vote",
							    govern_choice_name(bl.choice[i]))) != 0) {
				json_decref(votes); /* never a register without a vote */
				votes = NULL;
			}
		}
	}
	entry = p.secret || votes ? json_pack("{s:s, s:s, s:s, s:o}", "proposal", proposal_id,
					      "subject", p.subject_kind, "outcome",
					      gov_state_name(state), "tally", json_parse_str(tally))
				  : NULL;
	/* the register's entry whole, or no decision (govern_register_append
	 * refuses a NULL entry) */
	if (entry && ((strcmp(p.subject_kind, "statutes") != 0 &&
		       json_object_set_new(entry, p.subject_kind, json_string(p.subject_id)) != 0) ||
		      (votes && json_object_set_new(entry, "votes", json_incref(votes)) != 0))) {
		json_decref(entry);
		entry = NULL;
	}
	json_decref(votes);
	rc = govern_register_append(s, k, p.body_id, "proposal.decide", entry, now);
	/* the decision approves or rejects its subject; without a quorum
	 * nothing is decided and it stays a draft */
	if (rc == CMN_OK && state != GOV_NO_QUORUM)
		rc = carry_out(s, k, &b, &p, state == GOV_APPROVED, now, err, errn);
	if (rc == CMN_OK)
		rc = store_gov_proposal_get(s, proposal_id, out);
out:
	if ((rc = store_tx_end(s, rc)) != CMN_OK)
		gov_proposal_release(out);
	free(tally);
	free(gb);
	free(bl.choice);
	free(bl.members);
	gov_body_release(&b);
	gov_proposal_release(&p);
	return rc;
}

/* ---- the debate ------------------------------------------------------------------ */

static bool text_blank(const char *t)
{
	for (; t && *t; t++)
		if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
			return false;
	return true;
}

enum cmn_rc govern_comment(struct store *s, const char *proposal_id, const char *person_id,
			   const char *parent, const char *text, int64_t now,
			   struct gov_comment *out, char *err, size_t errn)
{
	struct gov_proposal p;
	struct gov_member m;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (!text || text_blank(text) || strlen(text) > GOV_COMMENT_MAX) {
		snprintf(err, errn, "/text: not blank, at most %d bytes", GOV_COMMENT_MAX);
		return CMN_ERR_INVALID;
	}
	if ((rc = store_gov_proposal_get(s, proposal_id, &p)) != CMN_OK)
		return rc;
	rc = store_gov_member_get(s, p.body_id, person_id, &m);
	if (rc == CMN_ERR_NOT_FOUND || (rc == CMN_OK && m.left)) {
		snprintf(err, errn, "only the members of the body take part in its debates");
		rc = CMN_ERR_FORBIDDEN;
	} else if (rc == CMN_OK && p.state != GOV_OPEN) {
		snprintf(err, errn, "the proposal is decided: its debate is closed");
		rc = CMN_ERR_CONFLICT;
	}
	gov_proposal_release(&p);
	if (rc != CMN_OK)
		return rc;
	str_copy(out->proposal_id, sizeof(out->proposal_id), proposal_id);
	str_copy(out->parent_id, sizeof(out->parent_id), parent ? parent : "");
	str_copy(out->person_id, sizeof(out->person_id), person_id);
	out->at = now;
	rc = store_gov_comment_add(s, out, text);
	if (rc == CMN_ERR_NOT_FOUND) {
		snprintf(err, errn, "/parent: not a comment of this proposal");
		rc = CMN_ERR_INVALID;
	}
	return rc;
}

enum cmn_rc govern_comment_hide(struct store *s, const char *comment_id, const char *by,
				bool moderator, const char *reason, int64_t now, char *err,
				size_t errn)
{
	struct gov_comment c;
	enum cmn_rc rc = store_gov_comment_get(s, comment_id, &c, NULL);

	if (rc != CMN_OK)
		return rc;
	if (!moderator && strcmp(c.person_id, by) != 0) {
		snprintf(err, errn, "only the operator moderates, and an author withdraws their own");
		return CMN_ERR_FORBIDDEN;
	}
	if (moderator && strcmp(c.person_id, by) != 0 &&
	    (!reason || text_blank(reason) || strlen(reason) > GOV_REASON_MAX)) {
		snprintf(err, errn, "/reason: a moderation says why, in at most %d bytes",
			 GOV_REASON_MAX);
		return CMN_ERR_INVALID;
	}
	if (reason && strlen(reason) > GOV_REASON_MAX) {
		snprintf(err, errn, "/reason: at most %d bytes", GOV_REASON_MAX);
		return CMN_ERR_INVALID;
	}
	rc = store_gov_comment_hide(s, comment_id, by, reason ? reason : "", now);
	if (rc == CMN_ERR_CONFLICT)
		snprintf(err, errn, "this comment is hidden already");
	return rc;
}

/* ---- verification ------------------------------------------------------------------ */

struct walk {
	const struct keyring *k;
	struct govern_check *c;
	char prev[CRYPT_HASH_HEX_LEN];
	int64_t seq;
};

static enum cmn_rc check_entry(const struct gov_entry *e, void *ctx)
{
	struct walk *w = ctx;
	char hash[CRYPT_HASH_HEX_LEN];
	struct buf payload;
	enum cmn_rc rc;

	w->c->entries++;
	if (e->seq != w->seq + 1) {
		snprintf(w->c->why, sizeof(w->c->why), "entry %lld follows %lld",
			 (long long)e->seq, (long long)w->seq);
		goto bad;
	}
	if (strcmp(e->prev, w->prev) != 0) {
		snprintf(w->c->why, sizeof(w->c->why), "its prev is not the hash of the entry before");
		goto bad;
	}
	gov_entry_hash(e->prev, e->seq, e->at, e->kind, e->payload, hash);
	if (strcmp(hash, e->hash) != 0) {
		snprintf(w->c->why, sizeof(w->c->why), "its content does not give its hash");
		goto bad;
	}
	buf_init(&payload, 256);
	rc = keyring_jws_verify(w->k, e->sig, &payload);
	if (rc == CMN_OK &&
	    (payload.len != strlen(hash) || memcmp(payload.data, hash, payload.len) != 0))
		rc = CMN_ERR_CRYPTO;
	buf_release(&payload);
	if (rc != CMN_OK) {
		snprintf(w->c->why, sizeof(w->c->why), "its signature does not verify");
		goto bad;
	}
	str_copy(w->prev, sizeof(w->prev), e->hash);
	w->seq = e->seq;
	return CMN_OK;
bad:
	w->c->bad_seq = e->seq;
	return CMN_ERR_CORRUPT;
}

enum cmn_rc govern_verify(struct store *s, const struct keyring *k, const char *body_id,
			  struct govern_check *c)
{
	struct walk w = {k, c, "", 0};
	struct gov_body b;
	enum cmn_rc rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_gov_body_get(s, body_id, &b)) != CMN_OK)
		return rc;
	gov_body_release(&b);
	rc = store_gov_register_each(s, body_id, check_entry, &w);
	if (rc == CMN_OK && c->entries == 0) {
		snprintf(c->why, sizeof(c->why), "the register is empty: its first entry is missing");
		rc = CMN_ERR_CORRUPT;
	}
	return rc;
}
