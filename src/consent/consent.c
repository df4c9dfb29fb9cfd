/*
 * consent.c - grants over their whole life. See consent.h.
 */
#include "consent/consent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store_oauth.h"

/* ---- the grantee ---------------------------------------------------------- */

struct org_find {
	const char *id;
	struct org found;
	bool ok;
};

static enum cmn_rc org_match(const struct org *o, void *ctx)
{
	struct org_find *f = ctx;

	if (strcmp(o->id, f->id) == 0) {
		f->found = *o;
		f->ok = true;
	}
	return CMN_OK;
}

/* packed - v, or NULL with *rc CMN_ERR_NOMEM: a grantee that could not
 * be made is a failure, never a grant without one */
static json_t *packed(json_t *v, enum cmn_rc *rc)
{
	if (!v)
		*rc = CMN_ERR_NOMEM;
	return v;
}

/* resolve_grantee - the grantee of the terms, as {kind, id, name}; NULL
 * with *rc: CMN_ERR_INVALID and err when there is no such grantee, or the
 * store's error when it could not be looked up (not the caller's fault). */
static json_t *resolve_grantee(struct store *s, const json_t *g, const struct person *p, char *err,
			       size_t n, enum cmn_rc *rc)
{
	const char *kind = json_string_value(json_object_get(g, "kind"));
	const char *id = json_string_value(json_object_get(g, "id"));
	const char *handle = json_string_value(json_object_get(g, "handle"));
	enum cmn_rc fail = CMN_ERR_INVALID;

	if (strcmp(kind, "person") == 0) {
		struct person who;
		enum cmn_rc r = id ? store_person_by_id(s, id, &who, NULL)
				   : store_person_by_handle(s, handle, &who, NULL);

		if (r == CMN_OK && strcmp(who.id, p->id) == 0) {
			snprintf(err, n, "/grantee: a consent is given to someone else");
			*rc = CMN_ERR_INVALID;
			return NULL;
		}
		if (r == CMN_OK)
			return packed(json_pack("{s:s, s:s, s:s}", "kind", kind, "id", who.id, "name",
					 who.handle), rc);
		if (r != CMN_ERR_NOT_FOUND)
			fail = r;
	} else if (strcmp(kind, "org") == 0 && id) {
		struct org_find f = {.id = id};
		enum cmn_rc r = store_org_each(s, org_match, &f);

		if (r == CMN_OK && f.ok)
			return packed(json_pack("{s:s, s:s, s:s}", "kind", kind, "id", f.found.id, "name",
					 f.found.name), rc);
		if (r != CMN_OK)
			fail = r;
	} else if (strcmp(kind, "link") == 0) {
		/* whoever holds the link: it has no id of its own */
		return packed(json_pack("{s:s, s:s, s:s}", "kind", kind, "id", "", "name", "link"), rc);
	} else if (strcmp(kind, "service") == 0 && id) {
		struct client c;
		enum cmn_rc r = store_client_get(s, id, &c, NULL, NULL);

		if (r == CMN_OK)
			return packed(json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", kind, "id", c.id, "name",
					 c.name, "org", c.org_name, "org_id", c.org_id), rc);
		if (r != CMN_ERR_NOT_FOUND)
			fail = r;
	}
	if (fail == CMN_ERR_INVALID)
		snprintf(err, n, "/grantee: no such %s", kind);
	*rc = fail;
	return NULL;
}

/* ---- new grants ----------------------------------------------------------- */

/* add_doctype - appends name to the array a unless it is there. */
static enum cmn_rc add_doctype(json_t *a, const char *name, char *err, size_t n)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), name) == 0)
			return CMN_OK;
	}
	if (json_array_size(a) == GRANT_MAX_DOCTYPES) {
		snprintf(err, n, "/scope: the chosen data spans more than %d doctypes",
			 GRANT_MAX_DOCTYPES);
		return CMN_ERR_INVALID;
	}
	return json_array_append_new(a, json_string(name)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* chosen_doctypes - for a scope that names records and series: checks
 * that each is in p's store, and sets the scope's doctypes to theirs. */
static enum cmn_rc chosen_doctypes(struct store *s, const struct registry *reg,
				   const struct person *p, json_t *scope, char *err, size_t n)
{
	json_t *doctypes = json_array(), *v;
	struct pstore *ps;
	enum cmn_rc rc = doctypes ? store_person_store(s, p->id, &ps) : CMN_ERR_NOMEM;
	size_t i;

	json_array_foreach(json_object_get(scope, "records"), i, v) {
		const char *ref = json_string_value(v), *slash = strrchr(ref, '/');
		char dt[CMN_DOCTYPE_NAME_MAX + 1];
		struct record_meta m;

		if (rc != CMN_OK)
			break;
		snprintf(dt, sizeof(dt), "%.*s", (int)(slash - ref), ref);
		rc = registry_find(reg, dt) ? pstore_record_get(ps, dt, slash + 1, &m, NULL)
					    : CMN_ERR_NOT_FOUND;
		if (rc == CMN_ERR_NOT_FOUND) {
			snprintf(err, n, "/scope/records/%zu: no such record of yours", i);
			rc = CMN_ERR_INVALID;
		}
		if (rc == CMN_OK)
			rc = add_doctype(doctypes, dt, err, n);
	}
	json_array_foreach(json_object_get(scope, "series"), i, v) {
		struct series_def def;

		if (rc != CMN_OK)
			break;
		rc = pstore_series_get(ps, json_string_value(v), &def);
		if (rc == CMN_ERR_NOT_FOUND) {
			snprintf(err, n, "/scope/series/%zu: no such series of yours", i);
			rc = CMN_ERR_INVALID;
		}
		if (rc == CMN_OK) {
			rc = add_doctype(doctypes, def.doctype, err, n);
			series_def_release(&def);
		}
	}
	/* the doctypes are what the grant opens: never stored without them */
	if (rc == CMN_OK && json_object_set(scope, "doctypes", doctypes) != 0)
		rc = CMN_ERR_NOMEM;
	json_decref(doctypes);
	return rc;
}

/* grant_new - consent_grant_new, with extra members (an object, or NULL)
 * kept in the stored grant: "share" or "mandate". */
static enum cmn_rc grant_new(struct store *s, const struct registry *reg, const struct person *p,
			     const json_t *terms, const json_t *extra, const char *status,
			     const char *actor, char *err, size_t n, struct grant_row *out)
{
	const json_t *doctypes = json_object_get(json_object_get(terms, "scope"), "doctypes");
	json_t *body, *grantee, *v;
	enum cmn_rc rc;
	int64_t from = time_now_ms(), until = INT64_MAX;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((rc = grant_terms_check(terms, err, n)) != CMN_OK)
		return rc;
	json_array_foreach(doctypes, i, v) {
		if (!registry_find(reg, json_string_value(v))) {
			snprintf(err, n, "/scope/doctypes/%zu: no such doctype", i);
			return CMN_ERR_INVALID;
		}
	}
	if (!(grantee = resolve_grantee(s, json_object_get(terms, "grantee"), p, err, n, &rc)))
		return rc;
	if (!(body = json_deep_copy(terms))) {
		json_decref(grantee);
		return CMN_ERR_NOMEM;
	}
	/* each member counts (a share's passcode, a campaign's id): a
	 * failed set is a failed grant, never a grant without it */
	if (json_object_set_new(body, "grantee", grantee) != 0) {
		json_decref(body);
		return CMN_ERR_NOMEM;
	}
	{
		json_t *scope = json_object_get(body, "scope");

		if (json_object_get(scope, "records") || json_object_get(scope, "series"))
			rc = chosen_doctypes(s, reg, p, scope, err, n);
		if (rc != CMN_OK) {
			json_decref(body);
			return rc;
		}
	}
	if (extra && json_object_update(body, (json_t *)extra) != 0) {
		json_decref(body);
		return CMN_ERR_NOMEM;
	}
	/* times are kept as given; the row keeps them in ms for the store */
	if (json_is_string(json_object_get(terms, "valid_from"))) {
		time_parse(json_string_value(json_object_get(terms, "valid_from")), true, &from);
	} else {
		char when[TIME_RFC3339_LEN];

		time_format(when, from);
		if (json_object_set_new(body, "valid_from", json_string(when)) != 0) {
			json_decref(body);
			return CMN_ERR_NOMEM;
		}
	}
	if (json_is_string(json_object_get(terms, "valid_until")))
		time_parse(json_string_value(json_object_get(terms, "valid_until")), true, &until);
	str_copy(out->person_id, sizeof(out->person_id), p->id);
	str_copy(out->grantee_kind, sizeof(out->grantee_kind),
		 json_string_value(json_object_get(grantee, "kind")));
	str_copy(out->grantee_id, sizeof(out->grantee_id),
		 json_string_value(json_object_get(grantee, "id")));
	str_copy(out->status, sizeof(out->status), status);
	out->valid_from = from;
	out->valid_until = until;
	out->body = json_text_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (!out->body)
		return CMN_ERR_NOMEM;
	rc = store_grant_add(s, out, actor);
	if (rc != CMN_OK)
		grant_row_release(out);
	return rc;
}

enum cmn_rc consent_grant_new(struct store *s, const struct registry *reg, const struct person *p,
			      const json_t *terms, const char *status, const char *actor,
			      char *err, size_t n, struct grant_row *out)
{
	return grant_new(s, reg, p, terms, NULL, status, actor, err, n, out);
}

enum cmn_rc consent_campaign_new(struct store *s, const struct registry *reg,
				 const struct person *p, const json_t *terms,
				 const char *campaign_id, const char *actor, char *err, size_t n,
				 struct grant_row *out)
{
	json_t *extra = json_pack("{s:{s:s}}", "campaign", "id", campaign_id);
	enum cmn_rc rc = extra ? grant_new(s, reg, p, terms, extra, "given", actor, err, n, out)
			       : CMN_ERR_NOMEM;

	json_decref(extra);
	return rc;
}

enum cmn_rc consent_share_new(struct store *s, const struct registry *reg, const struct person *p,
			      const json_t *terms, const char *passcode, int64_t views,
			      const char *actor, char *err, size_t n, struct grant_row *out)
{
	char hash[CRYPT_PWHASH_LEN];
	json_t *share = json_object();
	enum cmn_rc rc = share ? CMN_OK : CMN_ERR_NOMEM;

	if (rc == CMN_OK && views > 0 &&
	    json_object_set_new(share, "views", json_integer(views)) != 0)
		rc = CMN_ERR_NOMEM; /* never a share without its limit */
	if (rc == CMN_OK && passcode) {
		rc = crypt_password_hash(passcode, hash);
		if (rc == CMN_OK && json_object_set_new(share, "passcode", json_string(hash)) != 0)
			rc = CMN_ERR_NOMEM; /* never a share without its passcode */
		sodium_memzero(hash, sizeof(hash));
	}
	if (rc == CMN_OK) {
		json_t *extra = json_pack("{s:O}", "share", share);

		rc = extra ? grant_new(s, reg, p, terms, extra, "given", actor, err, n, out)
			   : CMN_ERR_NOMEM;
		json_decref(extra);
	}
	json_decref(share);
	return rc;
}

enum cmn_rc consent_mandate_new(struct store *s, const struct registry *reg, const struct person *p,
				const struct person *mediator, const json_t *procedures,
				const char *until, const char *actor, char *err, size_t n,
				struct grant_row *out)
{
	json_t *doctypes = json_array(), *terms, *mandate;
	enum grant_procedure proc;
	enum cmn_rc rc;
	size_t i;
	json_t *v;

	if (!json_is_array(procedures) || !json_array_size(procedures)) {
		json_decref(doctypes);
		snprintf(err, n, "/procedures: a non-empty array of procedures (import, attest) is required");
		return CMN_ERR_INVALID;
	}
	json_array_foreach(procedures, i, v) {
		if (!grant_procedure_parse(json_string_value(v), &proc)) {
			json_decref(doctypes);
			snprintf(err, n, "/procedures/%zu: not a procedure (import, attest)", i);
			return CMN_ERR_INVALID;
		}
	}
	/* the scope names what the procedures write: every doctype an import
	 * may write; the procedures, not the scope, say what may be done */
	for (size_t k = 0; k < reg->n && json_array_size(doctypes) < GRANT_MAX_DOCTYPES; k++)
		if (json_array_append_new(doctypes, json_string(reg->v[k].name)) != 0) {
			json_decref(doctypes);
			return CMN_ERR_NOMEM;
		}
	terms = json_pack("{s:{s:s, s:s}, s:{s:s, s:{s:s, s:s}}, s:s, s:{s:o, s:[s]}, s:s}",
			  "grantee", "kind", "person", "id", mediator->id, "purpose", "dpv",
			  "ServiceProvision", "text", "fr",
			  "Mandat d'aide : des démarches faites pour moi par une personne aidante",
			  "en", "Mandate: procedures done for me by a mediator", "legal_basis",
			  "consent", "scope", "doctypes", doctypes, "operations", "compute-only",
			  "valid_until", until);
	mandate = json_pack("{s:{s:O}}", "mandate", "procedures", procedures);
	rc = terms && mandate ? grant_new(s, reg, p, terms, mandate, "requested", actor, err, n, out)
			      : CMN_ERR_NOMEM;
	json_decref(terms);
	json_decref(mandate);
	return rc;
}

enum cmn_rc consent_mandate_end(struct store *s, const char *caller_id, const char *grant_id,
				const char *actor)
{
	struct grant_row row;
	enum cmn_rc rc = store_grant_get(s, grant_id, &row);
	bool party = rc == CMN_OK && strstr(row.body, "\"mandate\":") &&
		     (strcmp(row.person_id, caller_id) == 0 ||
		      (strcmp(row.grantee_kind, "person") == 0 &&
		       strcmp(row.grantee_id, caller_id) == 0));
	char status[GRANT_STATUS_MAX];

	if (rc == CMN_OK)
		str_copy(status, sizeof(status), row.status);
	grant_row_release(&row);
	if (rc == CMN_OK && !party)
		rc = CMN_ERR_NOT_FOUND;
	if (rc != CMN_OK)
		return rc;
	if (strcmp(status, "given") != 0 && strcmp(status, "requested") != 0)
		return CMN_ERR_CONFLICT;
	return store_grant_set_status(s, grant_id, status, "withdrawn", actor);
}

enum cmn_rc consent_share_open(struct store *s, const char *grant_id, const char *passcode)
{
	struct grant_row row;
	enum cmn_rc rc = store_grant_get(s, grant_id, &row);
	json_t *o = rc == CMN_OK ? json_parse_str(row.body) : NULL;
	const char *hash = json_string_value(
		json_object_get(json_object_get(o, "share"), "passcode"));

	if (rc == CMN_OK)
		rc = hash ? crypt_password_verify(hash, passcode) : CMN_ERR_INVALID;
	json_decref(o);
	grant_row_release(&row);
	return rc;
}

/* ---- views ----------------------------------------------------------------- */

static enum cmn_rc history_item(int64_t at, const char *status, const char *actor, void *ctx)
{
	char when[TIME_RFC3339_LEN];

	time_format(when, at);
	return json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "status", status, "at", when,
						    "by", actor)) == 0
		       ? CMN_OK
		       : CMN_ERR_NOMEM;
}

static enum cmn_rc block_item(const char *by, const char *reason, int64_t at, void *ctx)
{
	char when[TIME_RFC3339_LEN];

	time_format(when, at);
	return json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "by", by, "reason", reason,
						    "at", when)) == 0
		       ? CMN_OK
		       : CMN_ERR_NOMEM;
}

/* stored - the grant of a row as grant_read reads it, into *out:
 * CMN_ERR_NOMEM when memory ran out, CMN_ERR_STORE when the row's body is
 * not a JSON object (it was checked when written). A member left out
 * would read as another grant (no status is not a given one, but neither
 * is it a store error), so any failure is the whole grant's. */
static enum cmn_rc stored(const struct grant_row *row, json_t **out)
{
	struct json_parse_error e;
	json_t *o = json_parse(row->body, strlen(row->body), 0, &e);

	*out = NULL;
	if (!o)
		return e.rc == CMN_ERR_NOMEM ? CMN_ERR_NOMEM : CMN_ERR_STORE;
	if (!json_is_object(o)) {
		json_decref(o);
		return CMN_ERR_STORE;
	}
	json_put(&o, "id", json_string(row->id));
	json_put(&o, "person", json_string(row->person_id));
	json_put(&o, "status", json_string(row->status));
	*out = o;
	return o ? CMN_OK : CMN_ERR_NOMEM;
}

json_t *consent_grant_view(struct store *s, const struct grant_row *row, int64_t now)
{
	json_t *o = NULL, *history = json_array(), *share;
	char when[TIME_RFC3339_LEN];
	struct grant g;

	if (stored(row, &o) != CMN_OK || !history || grant_read(o, &g) != CMN_OK ||
	    store_grant_history(s, row->id, history_item, history) != CMN_OK)
		goto fail;
	/* whole or NULL: a view without its status or history would tell the
	 * person another consent than the one given (json_put) */
	json_put(&o, "status", json_string(grant_status_name(grant_effective_status(&g, now))));
	share = json_object_get(o, "share");
	/* the passcode's hash stays in the store: only whether there is one */
	if (json_is_object(share) &&
	    json_object_set_new(share, "passcode", json_boolean(g.passcode)) != 0)
		goto fail;
	json_put(&o, "history", history);
	history = NULL;
	json_put(&o, "uses", json_integer(row->uses));
	if (row->last_used) {
		time_format(when, row->last_used);
		json_put(&o, "last_used", json_string(when));
	}
	time_format(when, row->created);
	json_put(&o, "created", json_string(when));
	if (o && strcmp(row->grantee_kind, "service") == 0) {
		json_t *blocks = json_array();
		json_t *grantee = json_object_get(o, "grantee");
		bool blocked;

		if (!blocks || !grantee ||
		    store_client_blocks(s, row->grantee_id, block_item, blocks) != CMN_OK) {
			json_decref(blocks);
			goto fail;
		}
		blocked = json_array_size(blocks) > 0;
		if (json_object_set_new(grantee, "blocks", blocks) != 0 ||
		    json_object_set_new(grantee, "blocked", json_boolean(blocked)) != 0)
			goto fail;
	}
	return o;
fail:
	json_decref(history);
	json_decref(o);
	return NULL;
}

struct listing {
	struct store *s;
	const char *mark;
	int64_t now;
	json_t *items;
	bool received;                    /* the grantee's side */
};

static enum cmn_rc add_view(const struct grant_row *row, void *lv)
{
	struct listing *l = lv;
	char member[32];
	json_t *v;

	/* who joined a campaign is not the organisation's to know: it sees
	 * the number of participants and the published table only */
	if (l->received) {
		json_t *body = json_parse_str(row->body);
		bool campaign = json_is_object(json_object_get(body, "campaign"));

		json_decref(body);
		if (campaign)
			return CMN_OK;
	}
	if (l->mark) {
		snprintf(member, sizeof(member), "\"%s\":", l->mark);
		if (!strstr(row->body, member))
			return CMN_OK;
	}
	v = consent_grant_view(l->s, row, l->now);
	if (v && l->mark && !json_object_get(v, l->mark)) { /* the text was in a value */
		json_decref(v);
		return CMN_OK;
	}
	return v && json_array_append_new(l->items, v) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

enum cmn_rc consent_list(struct store *s, const char *person_id, unsigned sides, const char *mark,
			 int64_t now, json_t *items)
{
	struct listing l = {s, mark, now, items, false};
	char org_id[CRYPT_ID_LEN] = "";
	enum cmn_rc rc = CMN_OK;

	if (sides & CONSENT_GIVEN)
		rc = store_grant_each(s, person_id, NULL, NULL, add_view, &l);
	l.received = true;
	if (rc == CMN_OK && (sides & CONSENT_RECEIVED))
		rc = store_grant_each(s, NULL, "person", person_id, add_view, &l);
	/* grants name an organisation by id; the person row knows it */
	if (rc == CMN_OK && (sides & CONSENT_RECEIVED))
		rc = store_person_org_id(s, person_id, org_id);
	if (rc == CMN_OK && org_id[0])
		rc = store_grant_each(s, NULL, "org", org_id, add_view, &l);
	return rc;
}

/* ---- answers and withdrawal -------------------------------------------------- */

/* owned - the row of a grant of person_id (NOT_FOUND for another's). */
static enum cmn_rc owned(struct store *s, const char *person_id, const char *grant_id,
			 struct grant_row *row)
{
	enum cmn_rc rc = store_grant_get(s, grant_id, row);

	if (rc == CMN_OK && strcmp(row->person_id, person_id) != 0) {
		grant_row_release(row);
		rc = CMN_ERR_NOT_FOUND;
	}
	return rc;
}

enum cmn_rc consent_answer(struct store *s, const char *person_id, const char *grant_id, bool give,
			   const char *actor)
{
	struct grant_row row;
	enum cmn_rc rc = owned(s, person_id, grant_id, &row);

	if (rc != CMN_OK)
		return rc;
	grant_row_release(&row);
	return store_grant_set_status(s, grant_id, "requested", give ? "given" : "refused", actor);
}

enum cmn_rc consent_withdraw(struct store *s, const char *person_id, const char *grant_id,
			     const char *actor)
{
	struct grant_row row;
	enum cmn_rc rc = owned(s, person_id, grant_id, &row);

	if (rc != CMN_OK)
		return rc;
	grant_row_release(&row);
	rc = store_grant_set_status(s, grant_id, "given", "withdrawn", actor);
	/* the tokens die too; the status alone would stop them (consent_load
	 * is read on every request), this makes introspection say so */
	if (rc == CMN_OK)
		rc = store_oauth_grant_revoke(s, grant_id);
	return rc;
}

enum cmn_rc consent_load_received(struct store *s, const char *grant_id, const char *person_id,
				  struct grant *g)
{
	char org_id[CRYPT_ID_LEN] = "";
	enum cmn_rc rc = consent_load(s, grant_id, g);

	if (rc == CMN_OK && strcmp(g->grantee_kind, "org") == 0)
		rc = store_person_org_id(s, person_id, org_id);
	if (rc == CMN_OK &&
	    !((strcmp(g->grantee_kind, "person") == 0 && strcmp(g->grantee_id, person_id) == 0) ||
	      (strcmp(g->grantee_kind, "org") == 0 && org_id[0] &&
	       strcmp(g->grantee_id, org_id) == 0)))
		rc = CMN_ERR_NOT_FOUND;
	return rc;
}

enum cmn_rc consent_load(struct store *s, const char *grant_id, struct grant *g)
{
	struct grant_row row;
	enum cmn_rc rc = store_grant_get(s, grant_id, &row);
	json_t *o;

	if (rc != CMN_OK)
		return rc;
	rc = stored(&row, &o);
	if (rc == CMN_OK)
		rc = grant_read(o, g);
	json_decref(o);
	grant_row_release(&row);
	return rc;
}
