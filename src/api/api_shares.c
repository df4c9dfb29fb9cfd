/*
 * api_shares.c - shares: a person shows a selection of their data (some
 * doctypes, fields, a period) to a named person (a social worker, say) or
 * to an organisation's agents, until a date, optionally behind a passcode.
 * A share is a consent (src/consent/) marked as a share: the grantee reads
 * it naming it in Commune-Consent (router.c), checked and traced as any
 * read under a consent; an ended share is 410 Gone to them; a passcode is
 * given once per session (unlock), rate-limited. The inbox lists the
 * shares addressed to the caller or to their organisation.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "consent/consent.h"
#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"

#define SHARE_MAX_DAYS 366                /* a share ends within a year */
#define SHARE_UNLOCK_MS (12 * 3600 * 1000) /* a passcode opens a share for a session */

/* chosen_records - the scope's records for a share's "records" (as
 * "doctype/id") and "files" (ids of document.file records). */
static json_t *chosen_records(const json_t *b)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(b, "records"), i, v)
		json_push(&out, json_incref(v));
	json_array_foreach(json_object_get(b, "files"), i, v) {
		char ref[160];

		snprintf(ref, sizeof(ref), "document.file/%.100s", json_string_value(v));
		json_push(&out, json_string(ref));
	}
	return out;
}

/* terms_of - the consent terms of a share's body. */
static json_t *terms_of(const json_t *b)
{
	json_t *scope = json_pack("{s:[s]}", "operations", "read");
	const char *keep[] = {"doctypes", "fields", "from", "to", "series"};
	json_t *purpose = json_object_get(b, "purpose");

	for (size_t i = 0; scope && i < sizeof(keep) / sizeof(*keep); i++)
		if (json_object_get(b, keep[i]))
			json_put(&scope, keep[i], json_incref(json_object_get(b, keep[i])));
	if (scope && (json_object_get(b, "records") || json_object_get(b, "files")))
		json_put(&scope, "records", chosen_records(b));
	return json_pack("{s:O, s:{s:s, s:O}, s:s, s:o, s:O}", "grantee", json_object_get(b, "with"),
			 "purpose", "dpv", "ServiceProvision", "text", purpose, "legal_basis",
			 "consent", "scope", scope, "valid_until", json_object_get(b, "until"));
}

/* POST /api/v1/shares */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const char *until = json_string_value(json_object_get(ctx->body, "until"));
	const char *passcode = json_string_value(json_object_get(ctx->body, "passcode"));
	struct grant_row row;
	int64_t end, now = time_now_ms();
	char err[300], object[64] = "", id[CRYPT_ID_LEN] = "";
	char secret[CRYPT_TOKEN_LEN + 4] = "", hash[CRYPT_HASH_HEX_LEN];
	json_t *terms, *v = NULL;
	enum cmn_rc rc;

	if (time_parse(until, true, &end) != CMN_OK || end <= now ||
	    end > now + (int64_t)SHARE_MAX_DAYS * 86400 * 1000)
		return api_problem(ctx, CMN_ERR_INVALID,
				   "/until: a date or date-time to come, within a year", NULL);
	if (!(terms = terms_of(ctx->body)))
		return CMN_ERR_NOMEM;
	/* the share, its link and its entry in one transaction: a share its
	 * owner's timeline does not show, or whose link was not given, never
	 * stands */
	if ((rc = store_tx_begin(ctx->app->store)) != CMN_OK) {
		json_decref(terms);
		return rc;
	}
	rc = consent_share_new(ctx->app->store, ctx->app->registry, &ctx->person, terms, passcode,
			       json_integer_value(json_object_get(ctx->body, "views")), ctx->actor, err,
			       sizeof(err), &row);
	json_decref(terms);
	if (rc == CMN_OK) {
		snprintf(object, sizeof(object), "share/%s", row.id);
		snprintf(id, sizeof(id), "%s", row.id);
		v = consent_grant_view(ctx->app->store, &row, now);
		if (strcmp(row.grantee_kind, "link") == 0) {
			/* the link's secret: in this answer only, its hash in the store */
			snprintf(secret, sizeof(secret), "csl_");
			crypt_token_new(secret + 4);
			crypt_hash_hex(secret, hash);
			rc = store_share_link_add(ctx->app->store, hash, row.id);
			if (rc == CMN_OK && v &&
			    json_object_set_new(json_object_get(v, "share"), "link",
						json_string(secret)) != 0) {
				json_decref(v); /* never a view without its link */
				v = NULL;
			}
		}
		grant_row_release(&row);
	}
	rc = api_audited(ctx, rc, "share.create", object, NULL);
	if (rc != CMN_OK) {
		sodium_memzero(secret, sizeof(secret));
		json_decref(v);
		return rc == CMN_ERR_INVALID ? api_problem(ctx, rc, err, NULL) : rc;
	}
	/* made: when its view cannot be made, what is known of it, the link
	 * with it (its only showing) */
	rc = api_done(ctx, api_json(ctx, 201, v), 201,
		      "{\"id\":\"%s\",\"status\":\"given\",\"share\":{%s%s%s}}", id,
		      secret[0] ? "\"link\":\"" : "", secret, secret[0] ? "\"" : "");
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

/* GET /api/v1/shares - the shares I made, newest first. */
static enum cmn_rc list(struct api_ctx *ctx)
{
	return api_consent_list(ctx, CONSENT_GIVEN, "share", NULL);
}

/* GET /api/v1/inbox - the shares addressed to me or to my organisation. */
static enum cmn_rc inbox(struct api_ctx *ctx)
{
	return api_consent_list(ctx, CONSENT_RECEIVED, "share", NULL);
}

/* DELETE /api/v1/shares/{id} - revoked at once: the next view is 410. */
static enum cmn_rc revoke(struct api_ctx *ctx)
{
	struct store *s = ctx->app->store;
	enum cmn_rc rc = store_tx_begin(s);
	char object[64];

	snprintf(object, sizeof(object), "share/%.40s", ctx->params[0]);
	if (rc == CMN_OK)
		rc = api_audited(ctx,
				 consent_withdraw(s, ctx->person.id, ctx->params[0], ctx->actor),
				 "share.revoke", object, NULL);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such share of yours", NULL);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this share has ended already", NULL);
	if (rc != CMN_OK)
		return rc;
	api_empty(ctx, 204);
	return CMN_OK;
}

/* POST /api/v1/shares/{id}/unlock {"passcode"} - by the grantee, with a
 * session: the share opens to this session. Wrong passcodes are counted
 * per share and person: SHARE_PASSCODE_TRIES, then 429 for a while. */
static enum cmn_rc unlock(struct api_ctx *ctx)
{
	const char *passcode = json_string_value(json_object_get(ctx->body, "passcode"));
	struct grant g;
	char key[128];
	int64_t now = time_now_ms();
	unsigned wait_s = 0;
	enum cmn_rc rc = consent_load_received(ctx->app->store, ctx->params[0], ctx->person.id, &g);

	if (rc == CMN_OK && !g.share)
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such share addressed to you", NULL);
	if (rc != CMN_OK)
		return rc;
	if (grant_effective_status(&g, now) != GRANT_GIVEN)
		return api_problem(ctx, CMN_ERR_GONE, "this share has ended", NULL);
	if (!g.passcode)
		return api_problem(ctx, CMN_ERR_CONFLICT, "this share has no passcode", NULL);
	snprintf(key, sizeof(key), "share:%s:%s", g.id, ctx->person.id);
	rc = ratelimit_check(ctx->app->limits, key, SHARE_PASSCODE_TRIES, now, &wait_s);
	if (rc != CMN_OK && rc != CMN_ERR_RATE_LIMITED)
		return rc;
	if (rc == CMN_ERR_RATE_LIMITED) {
		char retry[16];

		snprintf(retry, sizeof(retry), "%u", wait_s ? wait_s : 1);
		http_set_header(ctx->res, "Retry-After", retry);
		return api_problem(ctx, CMN_ERR_RATE_LIMITED, "too many wrong passcodes: wait", NULL);
	}
	rc = consent_share_open(ctx->app->store, g.id, passcode);
	if (rc == CMN_ERR_UNAUTHENTICATED) {
		/* uncounted, a wrong passcode is a failure of the store's */
		if ((rc = ratelimit_fail(ctx->app->limits, key, SHARE_PASSCODE_WINDOW_S, now)) !=
		    CMN_OK)
			return rc;
		return api_problem(ctx, CMN_ERR_FORBIDDEN, "wrong passcode", NULL);
	}
	if (rc == CMN_OK)
		rc = ratelimit_clear(ctx->app->limits, key);
	if (rc != CMN_OK)
		return rc;
	rc = store_share_unlock(ctx->app->store, g.id, ctx->session_hash,
				now + SHARE_UNLOCK_MS < g.valid_until ? now + SHARE_UNLOCK_MS
								      : g.valid_until);
	if (rc == CMN_OK)
		api_empty(ctx, 204);
	return rc;
}

/* ---- the shared dashboard: the share and its notes ------------------------ */

/* share_party - the share {id} as the caller stands to it: its owner, or
 * a grantee (the person it is addressed to, an agent of the organisation)
 * while it lasts and, with a passcode, once this session gave it. Any
 * other caller finds no such share; the problem is written. */
static enum cmn_rc share_party(struct api_ctx *ctx, struct grant *g, bool *owner)
{
	struct store *s = ctx->app->store;
	int64_t now = time_now_ms();
	enum grant_status st;
	enum cmn_rc rc = consent_load(s, ctx->params[0], g);

	if (rc == CMN_OK && !g->share)
		rc = CMN_ERR_NOT_FOUND;
	*owner = rc == CMN_OK && strcmp(g->person_id, ctx->person.id) == 0;
	if (rc == CMN_OK && !*owner)
		rc = consent_load_received(s, ctx->params[0], ctx->person.id, g);
	if (rc == CMN_ERR_NOT_FOUND || rc == CMN_ERR_INVALID)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such share of yours or for you",
				   NULL);
	if (rc != CMN_OK || *owner)
		return rc;
	st = grant_effective_status(g, now);
	if (st == GRANT_WITHDRAWN || st == GRANT_EXPIRED)
		return api_problem(ctx, CMN_ERR_GONE,
				   st == GRANT_EXPIRED ? "this share has expired" : "this share was revoked",
				   NULL);
	if (g->passcode &&
	    !(ctx->session_hash[0] && store_share_unlocked(s, g->id, ctx->session_hash, now)))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "this share opens with its passcode (POST /api/v1/shares/{id}/unlock)",
				   NULL);
	return CMN_OK;
}

static json_t *note_json(const struct note *n)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:s}", "id", n->id, "author", "id", n->author,
			 "name", n->author_name, "at", api_time(n->at), "text", n->text);
}

static enum cmn_rc add_note(const struct note *n, void *items)
{
	return json_array_append_new(items, note_json(n)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/shares/{id} - the share and its notes, for its owner and
 * its grantees: what the shared dashboard shows beside the data. */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct grant_row row;
	struct pstore *ps;
	struct grant g;
	bool owner;
	json_t *v = NULL, *notes = json_array();
	enum cmn_rc rc = notes ? share_party(ctx, &g, &owner) : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = store_person_store(ctx->app->store, g.person_id, &ps);
	if (rc == CMN_OK)
		rc = pstore_notes_each(ps, g.id, add_note, notes);
	if (rc == CMN_OK && owner)
		api_access_sync(ctx); /* the owner sees every view counted */
	if (rc == CMN_OK && (rc = store_grant_get(ctx->app->store, g.id, &row)) == CMN_OK) {
		v = consent_grant_view(ctx->app->store, &row, time_now_ms());
		grant_row_release(&row);
		rc = v ? CMN_OK : CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK) {
		json_put(&v, "notes", json_incref(notes));
		rc = api_json(ctx, 200, v);
	}
	json_decref(notes);
	return rc;
}

/* POST /api/v1/shares/{id}/notes {"text"} - by the owner or a grantee. */
static enum cmn_rc note_add(struct api_ctx *ctx)
{
	const char *text = json_string_value(json_object_get(ctx->body, "text"));
	struct note n = {0};
	struct pstore *ps;
	struct grant g;
	bool owner;
	char actor[sizeof(ctx->actor)];
	enum cmn_rc rc = share_party(ctx, &g, &owner);

	if (rc != CMN_OK)
		return rc;
	if (strlen(text) > NOTE_TEXT_MAX)
		return api_problem(ctx, CMN_ERR_INVALID, "/text: at most 4000 bytes", NULL);
	str_copy(n.grant_id, sizeof(n.grant_id), g.id);
	str_copy(n.author, sizeof(n.author), ctx->person.id);
	if (ctx->person.org[0])
		snprintf(n.author_name, sizeof(n.author_name), "%s (%s)", ctx->person.handle,
			 ctx->person.org);
	else
		str_copy(n.author_name, sizeof(n.author_name), ctx->person.handle);
	n.text = text;
	/* in the owner's chain, a grantee writes under the share */
	if (owner)
		str_copy(actor, sizeof(actor), ctx->actor);
	else
		snprintf(actor, sizeof(actor), "person:%s/grant:%s", ctx->person.id, g.id);
	rc = store_person_store(ctx->app->store, g.person_id, &ps);
	if (rc == CMN_OK)
		rc = pstore_note_add(ps, &n, actor);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this share has as many notes as it may keep", NULL);
	if (rc != CMN_OK)
		return rc;
	{
		json_t *v = note_json(&n);

		return api_json(ctx, 201, v);
	}
}

/* DELETE /api/v1/shares/{id}/notes/{note} - by its author. */
static enum cmn_rc note_delete(struct api_ctx *ctx)
{
	struct pstore *ps;
	struct grant g;
	bool owner;
	char actor[sizeof(ctx->actor)];
	enum cmn_rc rc = share_party(ctx, &g, &owner);

	if (rc != CMN_OK)
		return rc;
	if (owner)
		str_copy(actor, sizeof(actor), ctx->actor);
	else
		snprintf(actor, sizeof(actor), "person:%s/grant:%s", ctx->person.id, g.id);
	rc = store_person_store(ctx->app->store, g.person_id, &ps);
	if (rc == CMN_OK)
		rc = pstore_note_delete(ps, g.id, ctx->params[1], ctx->person.id, actor);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such note of yours on this share", NULL);
	if (rc == CMN_OK)
		api_empty(ctx, 204);
	return rc;
}

#define NOTE_SCHEMA                                                                           \
	"{\"type\": \"object\", \"required\": [\"text\"], \"additionalProperties\": false,"     \
	" \"properties\": {\"text\": {\"type\": \"string\", \"minLength\": 1,"                 \
	" \"maxLength\": 4000}}}"
#define SHARE_SCHEMA                                                                          \
	"{\"type\": \"object\", \"required\": [\"with\", \"until\", \"purpose\"],"                \
	" \"additionalProperties\": false, \"properties\": {"                                  \
	" \"with\": {\"type\": \"object\"},"                                                    \
	" \"doctypes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"              \
	" \"records\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"               \
	" \"series\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"                \
	" \"files\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"                 \
	" \"fields\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"                \
	" \"from\": {\"type\": \"string\"}, \"to\": {\"type\": \"string\"},"                    \
	" \"until\": {\"type\": \"string\"},"                                                   \
	" \"purpose\": {\"type\": \"object\"},"                                                 \
	" \"passcode\": {\"type\": \"string\", \"minLength\": 6, \"maxLength\": 128},"  \
	" \"views\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000}}}"
#define UNLOCK_SCHEMA                                                                         \
	"{\"type\": \"object\", \"required\": [\"passcode\"], \"additionalProperties\": false," \
	" \"properties\": {\"passcode\": {\"type\": \"string\", \"maxLength\": 128}}}"

const struct route api_shares_routes[] = {
	{"POST", "/api/v1/shares", create, AUTH_SESSION, SHARE_SCHEMA,
	 "Share a selection of my data with a person or an organisation", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/shares", list, AUTH_PERSON, NULL, "The shares I made", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/shares/{id}", revoke, AUTH_PERSON, NULL,
	 "Revoke a share: the next view is 410", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/shares/{id}/unlock", unlock, AUTH_SESSION, UNLOCK_SCHEMA,
	 "Open a share addressed to me with its passcode, for this session", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/shares/{id}", show, AUTH_PERSON, NULL,
	 "A share and its notes, for its owner and its grantees", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/shares/{id}/notes", note_add, AUTH_PERSON, NOTE_SCHEMA,
	 "Write a note on a share (its owner or a grantee)", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/shares/{id}/notes/{note}", note_delete, AUTH_PERSON, NULL,
	 "Delete a note one wrote on a share", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/inbox", inbox, AUTH_PERSON, NULL,
	 "The shares addressed to me or to my organisation", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
