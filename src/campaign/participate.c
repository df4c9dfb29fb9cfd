/*
 * participate.c - joining and leaving a campaign. Joining gives the
 * campaign's organisation an aggregate-only grant, which the person sees
 * and may withdraw among their consents like any other; the participation
 * itself is kept in the platform store and both acts are in the person's
 * audit chain.
 */
#include "campaign/campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "core/jsonparse.h"
#include "core/timeutil.h"
#include "store/store_consent.h"
#include "store/store_govern.h"

/* told - a change of campaign_id's ends its transaction, the entry that
 * tells it kept for person_id's chain with it (store_tx_end_told) */
static enum cmn_rc told(struct store *s, enum cmn_rc rc, const char *person_id,
			const char *actor, const char *action, const char *campaign_id)
{
	char object[64];

	snprintf(object, sizeof(object), "campaign/%s", campaign_id);
	return store_tx_end_told(s, rc, person_id, actor, action, object, "");
}

enum cmn_rc campaign_join(struct store *s, const struct registry *reg, const struct person *p,
			  const char *campaign_id, int64_t now, const char *actor, char *err,
			  size_t errn)
{
	struct campaign_row row = {0};
	struct campaign_spec spec = {0};
	struct grant_row g = {0};
	char from[TIME_RFC3339_LEN], to[TIME_RFC3339_LEN];
	json_t *terms = NULL, *doctypes;
	json_t *def = NULL;
	enum cmn_rc rc = store_campaign_get(s, campaign_id, false, &row);

	if (rc == CMN_ERR_NOT_FOUND) {
		snprintf(err, errn, "no campaign %s", campaign_id);
		return rc;
	}
	if (rc != CMN_OK)
		return rc;
	if (row.state != CAMPAIGN_STATE_APPROVED) {
		snprintf(err, errn, "the campaign is %s: it cannot be joined",
			 campaign_state_name(row.state));
		rc = CMN_ERR_CONFLICT;
		goto out;
	}
	rc = campaign_spec_parse(row.spec, strlen(row.spec), reg, &spec, err, errn);
	if (rc != CMN_OK)
		goto out;
	if (spec.governance == CAMPAIGN_BODY_COOPERATIVE) {
		/* a cooperative pools its members' data: only they join */
		struct gov_proposal prop;
		struct gov_member m;
		bool member = false;

		if (store_gov_proposal_get(s, row.decided_by, &prop) == CMN_OK) {
			member = store_gov_member_get(s, prop.body_id, p->id, &m) == CMN_OK &&
				 m.left == 0;
			gov_proposal_release(&prop);
		}
		if (!member) {
			snprintf(err, errn, "only the members of the cooperative that approved this"
					    " campaign join it");
			rc = CMN_ERR_FORBIDDEN;
			goto out;
		}
	}
	if (now < spec.opens || now >= spec.closes) {
		snprintf(err, errn, "the campaign is %s for joining",
			 now < spec.opens ? "not yet open" : "closed");
		rc = CMN_ERR_CONFLICT;
		goto out;
	}
	def = json_parse_str(row.spec);
	doctypes = json_pack("[s]", spec.doctype);
	if (doctypes && registry_find(reg, CAMPAIGN_PROFILE_DOCTYPE) &&
	    json_array_append_new(doctypes, json_string(CAMPAIGN_PROFILE_DOCTYPE)) != 0) {
		json_decref(doctypes); /* never a grant narrower than the campaign asks */
		doctypes = NULL;
	}
	time_format(from, spec.from);
	time_format(to, spec.to);
	terms = def && doctypes
		    ? json_pack("{s:{s:s, s:s}, s:{s:s, s:O}, s:s, s:{s:O, s:s, s:s, s:[s]}}",
				"grantee", "kind", "org", "id", spec.organisation, "purpose", "dpv",
				"PublicBenefit", "text", json_object_get(def, "title"), "legal_basis",
				"consent", "scope", "doctypes", doctypes, "from", from, "to", to,
				"operations", "aggregate-only")
		    : NULL;
	json_decref(doctypes);
	if (!terms) {
		rc = CMN_ERR_NOMEM;
		goto out;
	}
	/* the grant, the participation and the entry: all or nothing */
	if ((rc = store_tx_begin(s)) != CMN_OK)
		goto out;
	rc = consent_campaign_new(s, reg, p, terms, campaign_id, actor, err, errn, &g);
	if (rc == CMN_OK) {
		rc = store_campaign_join(s, campaign_id, p->id, g.id, now);
		if (rc == CMN_ERR_CONFLICT)
			snprintf(err, errn, "you are in this campaign already");
	}
	rc = told(s, rc, p->id, actor, "campaign.join", campaign_id);
out:
	grant_row_release(&g);
	json_decref(terms);
	json_decref(def);
	campaign_spec_release(&spec);
	campaign_row_release(&row);
	return rc;
}

enum cmn_rc campaign_withdraw(struct store *s, const char *person_id, const char *campaign_id,
			      int64_t now, const char *actor)
{
	char grant_id[CRYPT_ID_LEN];
	struct grant_row g;
	enum cmn_rc rc = store_tx_begin(s);

	if (rc != CMN_OK)
		return rc;
	rc = store_campaign_withdraw(s, campaign_id, person_id, now, grant_id);
	/* the grant withdrawn already among the consents, or erased: nothing
	 * more to do there (asked first: a refusal inside the transaction
	 * would undo it all) */
	if (rc == CMN_OK) {
		rc = store_grant_get(s, grant_id, &g);
		if (rc == CMN_OK) {
			bool given = strcmp(g.status, "given") == 0;

			grant_row_release(&g);
			if (given)
				rc = consent_withdraw(s, person_id, grant_id, actor);
		} else if (rc == CMN_ERR_NOT_FOUND) {
			rc = CMN_OK;
		}
	}
	return told(s, rc, person_id, actor, "campaign.withdraw", campaign_id);
}

struct seek_told {
	const char *object;
	bool found;
};

static enum cmn_rc is_it(const struct audit_entry *e, void *ctx)
{
	struct seek_told *k = ctx;

	k->found = k->found || strcmp(e->object, k->object) == 0;
	return CMN_OK;
}

/* tell - writes campaign.published in the chain of each participant the
 * platform store says is still to be told (of campaign_id, or of every
 * campaign when NULL), then marks them told. Once only: when resuming, an
 * entry already in the chain (written before a crash took the mark) is
 * not written again; a publication just made has none to look for. A
 * chain that cannot be written is left for the next time; the
 * publication stands, and the person's campaign list shows it. */
static size_t tell(struct store *s, const char *campaign_id, const char *actor, bool resuming)
{
	static const struct audit_filter published = {"campaign.published", NULL, NULL, 0,
						       INT64_MAX};
	struct campaign_part *parts = NULL;
	size_t n = 0, told = 0;

	if (store_campaign_untold(s, campaign_id, &parts, &n) != CMN_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char object[64];
		struct seek_told k = {object, false};
		struct pstore *ps;
		enum cmn_rc rc = store_person_store(s, parts[i].person_id, &ps);

		snprintf(object, sizeof(object), "campaign/%s", parts[i].campaign_id);
		if (rc == CMN_OK && resuming)
			rc = pstore_audit_each(ps, &published, 0, (size_t)INT64_MAX, is_it, &k);
		if (rc == CMN_OK && !k.found)
			rc = pstore_audit_append(ps, actor, "campaign.published", object, "");
		if (rc == CMN_OK &&
		    store_campaign_told(s, parts[i].campaign_id, parts[i].person_id) == CMN_OK)
			told++;
	}
	free(parts);
	return told;
}

enum cmn_rc campaign_publish(struct store *s, const char *campaign_id, int64_t now,
			     const char *actor, const char *by, size_t *notified)
{
	enum cmn_rc rc = store_tx_begin(s);
	size_t told = 0;

	if (rc == CMN_OK) {
		rc = store_campaign_publish(s, campaign_id, now);
		rc = by ? store_tx_end_told(s, rc, by, actor, "campaign.publish", campaign_id, NULL)
			: store_tx_end(s, rc);
	}
	if (rc == CMN_OK)
		told = tell(s, campaign_id, actor, false);

	if (notified)
		*notified = told;
	return rc;
}

size_t campaign_tell_pending(struct store *s)
{
	return tell(s, NULL, CAMPAIGN_TELL_ACTOR, true);
}

enum cmn_rc campaign_body_kind(const char *spec_json, char out[16])
{
	struct json_parse_error e;
	json_t *def = json_parse(spec_json, strlen(spec_json), 0, &e);
	const char *body = json_string_value(json_object_get(json_object_get(def, "governance"),
							     "body"));

	out[0] = '\0';
	if (!def)
		return e.rc == CMN_ERR_NOMEM ? CMN_ERR_NOMEM : CMN_ERR_CORRUPT;
	snprintf(out, 16, "%s", body && strlen(body) < 16 ? body : "");
	json_decref(def);
	return CMN_OK;
}

enum cmn_rc campaign_decide(struct store *s, const char *campaign_id, bool approve,
			    const char *by, bool by_body, int64_t now, char *err, size_t errn)
{
	struct campaign_row row;
	char body[16];
	enum cmn_rc rc = store_campaign_get(s, campaign_id, false, &row);

	if (rc == CMN_ERR_NOT_FOUND)
		snprintf(err, errn, "no campaign %s", campaign_id);
	if (rc != CMN_OK)
		return rc;
	rc = campaign_body_kind(row.spec, body);
	campaign_row_release(&row);
	if (rc != CMN_OK)
		return rc;
	if (!by_body && strcmp(body, "operator") != 0) {
		snprintf(err, errn,
			 "this campaign is decided by the %s: submit it to one as a proposal",
			 strcmp(body, "trust") == 0 ? "civic data trust" : "data cooperative");
		return CMN_ERR_FORBIDDEN;
	}
	if (by_body && strcmp(body, "operator") == 0) {
		snprintf(err, errn, "this campaign is decided by the operator, not by a body");
		return CMN_ERR_FORBIDDEN;
	}
	rc = store_campaign_decide(s, campaign_id, approve, by, now);
	if (rc == CMN_ERR_CONFLICT)
		snprintf(err, errn, "this campaign is no longer a draft");
	return rc;
}
