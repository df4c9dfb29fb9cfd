/*
 * api_attest.c - proving a right without revealing one's situation
 * (issue 9, docs/attestations.md): the eligibility simulation on the
 * person's own records, attestations issued as SD-JWT VCs for the rights
 * found, presentations that disclose only what the person chooses, bound
 * to the verifier's nonce, and the public side: verification, the issuer's
 * metadata and its status list.
 *
 * The person's holder key lives in their store (a secret); the platform
 * presents for them with it, as a wallet would. A person may instead bind
 * an attestation to their own wallet's key (holder_jwk): they then present
 * it themselves.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api_oauth_int.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "rules/rules.h"
#include "sdjwt/sdjwt.h"
#include "store/store_attest.h"

#define HOLDER_SECRET "holder.es256"        /* the person's holder key, a private JWK */
#define ATTEST_MAX_DAYS 366                 /* an attestation lasts a year at most */
#define STATUS_LIST_PATH "/api/v1/status-lists/1"
#define STATUS_LIST_TTL_S 300               /* verifiers may cache the list this long */
#define STATUS_LIST_MIN 1024                /* entries published at least (hides the count) */
#define VCT_PREFIX "urn:commune:attestation:"

/* ---- keys ---------------------------------------------------------------------------- */

/* holder_key - the person's holder key, made the first time. */
static enum cmn_rc holder_key(struct pstore *ps, struct es256_key **out)
{
	struct buf b;
	json_t *jwk = NULL;
	enum cmn_rc rc;

	buf_init(&b, 4096);
	rc = pstore_secret_get(ps, HOLDER_SECRET, &b);
	if (rc == CMN_OK) {
		jwk = json_parse(b.data, b.len, 0, NULL);
		rc = jwk ? es256_from_jwk(jwk, out) : CMN_ERR_STORE;
	} else if (rc == CMN_ERR_NOT_FOUND) {
		char *text;

		rc = es256_generate(out);
		jwk = rc == CMN_OK ? es256_private_jwk(*out) : NULL;
		text = jwk ? json_text_dumps(jwk, JSON_COMPACT) : NULL;
		rc = text ? pstore_secret_put(ps, HOLDER_SECRET, text, strlen(text)) : CMN_ERR_NOMEM;
		if (text) {
			sodium_memzero(text, strlen(text));
			free(text);
		}
		if (rc != CMN_OK)
			es256_free(out);
	}
	if (jwk && json_is_string(json_object_get(jwk, "d")))
		sodium_memzero((void *)json_string_value(json_object_get(jwk, "d")),
			       json_string_length(json_object_get(jwk, "d")));
	json_decref(jwk);
	buf_release_secure(&b);
	return rc;
}

/* resolve - the issuer keys: the active one and those kept for tokens
 * issued before a rotation, by kid. */
static enum cmn_rc resolve(void *ctx, const char *iss, const char *kid, struct es256_key **out)
{
	const struct app *app = ctx;

	(void)iss;
	return es256_pick(app->issuers, app->nissuers, kid, out);
}

static const struct es256_key *issuer_of(const struct api_ctx *ctx)
{
	return ctx->app->nissuers ? ctx->app->issuers[0] : NULL;
}

/* ---- the status list ------------------------------------------------------------------- */

/* status_token - the current status list token, signed by the active key. */
static enum cmn_rc status_token(struct api_ctx *ctx, const char *uri, struct buf *out)
{
	unsigned char *bits = NULL;
	size_t n = 0;
	int64_t now = time_now_ms() / 1000;
	enum cmn_rc rc = store_status_bits(ctx->app->store, STATUS_LIST_MIN, &bits, &n);

	if (rc == CMN_OK)
		rc = sdjwt_status_list_revoked(issuer_of(ctx), bits, n, uri, now, now + 86400,
					       STATUS_LIST_TTL_S, out);
	free(bits);
	return rc;
}

struct status_src {
	struct api_ctx *ctx;
	char uri[400];
};

/* status_of - the status list a token names: ours only, never fetched */
static enum cmn_rc status_of(void *sv, const char *uri, struct buf *out)
{
	struct status_src *s = sv;

	if (strcmp(uri, s->uri) != 0)
		return CMN_ERR_NOT_FOUND;
	return status_token(s->ctx, uri, out);
}

/* GET /api/v1/status-lists/1 - public: which attestations are revoked. */
static enum cmn_rc status_list(struct api_ctx *ctx)
{
	char iss[300], uri[400];
	struct buf b;
	enum cmn_rc rc;

	if (!issuer_of(ctx))
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "this server issues no attestations", NULL);
	oauth_issuer(ctx, iss, sizeof(iss));
	snprintf(uri, sizeof(uri), "%s%s", iss, STATUS_LIST_PATH);
	buf_init(&b, 4 * 1024 * 1024);
	rc = status_token(ctx, uri, &b);
	if (rc == CMN_OK) {
		char *text = buf_steal(&b);

		if (!text)
			rc = CMN_ERR_NOMEM;
		else
			http_set_body(ctx->res, 200, "application/statuslist+jwt", text, strlen(text));
	}
	buf_release(&b);
	return rc;
}

/* GET /.well-known/jwt-vc-issuer - public: the SD-JWT VC issuer metadata,
 * with the issuer's keys as a JWK Set (the active one first, then those
 * kept after a rotation). /.well-known/jwks.json stays the receipts' key. */
static enum cmn_rc vc_issuer(struct api_ctx *ctx)
{
	json_t *keys = json_array();
	char iss[300];

	oauth_issuer(ctx, iss, sizeof(iss));
	for (size_t i = 0; keys && i < ctx->app->nissuers; i++)
		json_push(&keys, es256_public_jwk(ctx->app->issuers[i], true));
	return api_json(ctx, 200, json_pack("{s:s, s:{s:o}}", "issuer", iss, "jwks", "keys", keys));
}

/* ---- simulation ------------------------------------------------------------------------ */

/* at_of - the date of a simulation: the body's "at", else now. */
static enum cmn_rc at_of(struct api_ctx *ctx, int64_t *at)
{
	const char *s = json_string_value(json_object_get(ctx->body, "at"));

	*at = time_now_ms();
	if (s && time_parse(s, true, at) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "/at: an RFC 3339 date", NULL);
	return CMN_OK;
}

/* POST /api/v1/eligibility/simulate - what the person's records entitle
 * them to, and why; computed in their store, sent nowhere. */
static enum cmn_rc simulate(struct api_ctx *ctx)
{
	json_t *facts = NULL, *results = NULL;
	struct pstore *ps;
	int64_t at;
	enum cmn_rc rc = at_of(ctx, &at);

	if (rc == CMN_OK)
		rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = rule_facts_gather(ps, at, &facts);
	if (rc == CMN_OK)
		rc = rule_set_evaluate(ctx->app->rules, facts, at, &results);
	if (rc != CMN_OK) {
		json_decref(facts);
		return rc;
	}
	{
		char when[TIME_RFC3339_LEN];

		time_format(when, at);
		return api_json(ctx, 200, json_pack("{s:s, s:o, s:o}", "at", when, "items", results,
						    "facts", facts));
	}
}

/* ---- issuing ---------------------------------------------------------------------------- */

/* disclosable - the claims a person may disclose one by one: the rule and
 * what it grants, and each fact it was decided on. */
static json_t *disclosable(const json_t *result, const json_t *facts)
{
	json_t *o = json_pack("{s:O, s:O, s:b, s:O}", "rule", json_object_get(result, "id"),
			      "title", json_object_get(result, "title"), "eligible", 1, "grant",
			      json_object_get(result, "grants"));
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(result, "why"), "facts"), i, f) {
		const char *name = json_string_value(json_object_get(f, "fact"));
		const json_t *v = json_object_get(json_object_get(facts, name ? name : ""), "value");

		if (o && name && v && !json_object_get(o, name))
			json_put(&o, name, json_incref((json_t *)v));
	}
	return o;
}

/* POST /api/v1/attestations {"rule", "holder_jwk"?} - an attestation of
 * the right the rule gives today, if the person's records give it. */
static enum cmn_rc issue(struct api_ctx *ctx)
{
	const char *rule_id = json_string_value(json_object_get(ctx->body, "rule"));
	const json_t *rule = rule_set_find(ctx->app->rules, rule_id);
	const json_t *holder_jwk = json_object_get(ctx->body, "holder_jwk");
	struct attestation_row row = {0};
	struct es256_key *holder = NULL;
	json_t *facts = NULL, *result = NULL, *visible = NULL, *sd = NULL;
	char iss[300], why[SDJWT_WHY_MAX] = "";
	struct pstore *ps;
	struct buf token;
	int64_t now = time_now_ms(), until;
	enum cmn_rc rc;

	if (!issuer_of(ctx))
		return api_problem(ctx, CMN_ERR_CONFLICT, "this server issues no attestations", NULL);
	if (!rule)
		return api_problem(ctx, CMN_ERR_INVALID, "/rule: no such rule", NULL);
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = rule_facts_gather(ps, now, &facts);
	if (rc == CMN_OK)
		rc = rule_evaluate(rule, facts, now, &result);
	if (rc == CMN_OK && (!result || !json_is_true(json_object_get(result, "eligible")))) {
		json_t *extra = json_pack("{s:O?}", "simulation", result);

		json_decref(facts);
		json_decref(result);
		return api_problem(ctx, CMN_ERR_CONFLICT,
				   "your records do not give this right today: nothing to attest",
				   extra);
	}
	if (rc == CMN_OK)
		rc = holder_jwk ? es256_from_jwk(holder_jwk, &holder) : holder_key(ps, &holder);
	if (rc == CMN_ERR_INVALID) {
		json_decref(facts);
		json_decref(result);
		return api_problem(ctx, rc, "/holder_jwk: an EC P-256 public JWK", NULL);
	}
	crypt_id_new(row.id);
	if (rc == CMN_OK)
		rc = store_status_alloc(ctx->app->store, ctx->person.id, row.id, &row.status_idx);
	/* a year at most, and no longer than the rule's version */
	until = now + (int64_t)ATTEST_MAX_DAYS * 86400000;
	{
		int64_t vend;
		const char *vu = json_string_value(json_object_get(result, "valid_until"));

		if (vu && time_parse(vu, true, &vend) == CMN_OK && vend < until)
			until = vend;
	}
	oauth_issuer(ctx, iss, sizeof(iss));
	if (rc == CMN_OK) {
		char uri[400], vct[160];

		snprintf(uri, sizeof(uri), "%s%s", iss, STATUS_LIST_PATH);
		snprintf(vct, sizeof(vct), "%s%s", VCT_PREFIX, rule_id);
		visible = json_pack("{s:s, s:s, s:I, s:I, s:{s:{s:I, s:s}}}", "iss", iss, "vct", vct,
				    "iat", (json_int_t)(now / 1000), "exp",
				    (json_int_t)(until / 1000), "status", "status_list", "idx",
				    (json_int_t)row.status_idx, "uri", uri);
		sd = disclosable(result, facts);
		rc = visible && sd ? CMN_OK : CMN_ERR_NOMEM;
	}
	buf_init(&token, SDJWT_MAX_BYTES);
	if (rc == CMN_OK) {
		struct sdjwt_issue in = {issuer_of(ctx), visible, sd, holder, 4, NULL};

		rc = sdjwt_issue(&in, &token, why);
	}
	if (rc == CMN_OK) {
		str_copy(row.rule, sizeof(row.rule), rule_id);
		str_copy(row.version, sizeof(row.version),
			 json_is_string(json_object_get(result, "version"))
				 ? json_string_value(json_object_get(result, "version"))
				 : "1");
		row.issued = now;
		row.expires = until;
		row.token = token.data;
		rc = pstore_attestation_put(ps, &row, ctx->actor);
	}
	if (rc == CMN_OK) {
		char loc[96];
		json_t *names = json_array();
		const char *key;
		json_t *v;

		json_object_foreach(sd, key, v)
			json_push(&names, json_string(key));
		snprintf(loc, sizeof(loc), "/api/v1/attestations/%s", row.id);
		http_set_header(ctx->res, "Location", loc);
		/* issued and kept: when its view cannot be made, what is known of
		 * it (a rule's id is [a-z0-9_.]: rules_check.c) */
		rc = api_done(
		    ctx,
		    api_json(ctx, 201,
			     json_pack("{s:s, s:s, s:o, s:o, s:I, s:s, s:o, s:b}", "id", row.id,
				       "rule", row.rule, "issued", api_time(now), "expires",
				       api_time(until), "status_idx", (json_int_t)row.status_idx,
				       "sd_jwt", token.data, "disclosable", names, "wallet",
				       holder_jwk != NULL)),
		    201, "{\"id\":\"%s\",\"rule\":\"%s\"}", row.id, row.rule);
	} else if (rc == CMN_ERR_INVALID) {
		api_problem(ctx, CMN_ERR_INTERNAL, why, NULL);
		rc = CMN_ERR_INTERNAL;
	}
	buf_release(&token);
	es256_free(&holder);
	json_decref(visible);
	json_decref(sd);
	json_decref(facts);
	json_decref(result);
	return rc;
}

static json_t *row_json(const struct attestation_row *a)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:s}", "id", a->id, "rule", a->rule,
			 "version", a->version, "issued", api_time(a->issued), "expires",
			 api_time(a->expires), "status_idx", (json_int_t)a->status_idx, "status",
			 a->revoked		      ? "revoked"
			 : a->expires <= time_now_ms() ? "expired"
							 : "valid");
}

static enum cmn_rc add_row(const struct attestation_row *a, void *items)
{
	return json_array_append_new(items, row_json(a)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/attestations */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	struct pstore *ps;
	enum cmn_rc rc = items ? store_person_store(ctx->app->store, ctx->person.id, &ps)
			       : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = pstore_attestation_each(ps, add_row, items);
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* the attestation {id} of the caller, with its token */
static enum cmn_rc the_attestation(struct api_ctx *ctx, struct pstore **ps,
				   struct attestation_row *a, char **token)
{
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, ps);

	if (rc == CMN_OK)
		rc = pstore_attestation_get(*ps, ctx->params[0], a, token);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such attestation of yours", NULL);
	return rc;
}

/* GET /api/v1/attestations/{id} */
static enum cmn_rc show(struct api_ctx *ctx)
{
	struct attestation_row a = {0};
	struct pstore *ps;
	char *token = NULL;
	json_t *v;
	enum cmn_rc rc = the_attestation(ctx, &ps, &a, &token);

	if (rc != CMN_OK)
		return rc;
	v = row_json(&a);
	json_put(&v, "sd_jwt", json_string(token));
	free(token);
	return api_json(ctx, 200, v);
}

/* DELETE /api/v1/attestations/{id} - revoked in the status list at once. */
static enum cmn_rc revoke(struct api_ctx *ctx)
{
	struct attestation_row a = {0};
	struct pstore *ps;
	enum cmn_rc rc = the_attestation(ctx, &ps, &a, NULL);

	if (rc != CMN_OK)
		return rc;
	rc = store_status_revoke(ctx->app->store, a.status_idx);
	if (rc == CMN_OK)
		rc = pstore_attestation_revoke(ps, a.id, ctx->actor);
	if (rc == CMN_ERR_CONFLICT)
		return api_problem(ctx, rc, "this attestation was revoked already", NULL);
	if (rc == CMN_OK)
		api_empty(ctx, 204);
	return rc;
}

/* POST /api/v1/attestations/{id}/present {"disclose": [...], "aud",
 * "nonce"} - the presentation of the chosen claims only, bound to the
 * verifier's nonce with the person's holder key. */
static enum cmn_rc present(struct api_ctx *ctx)
{
	const json_t *disclose = json_object_get(ctx->body, "disclose");
	const char *names[64];
	size_t n = 0, i;
	struct attestation_row a = {0};
	struct es256_key *holder = NULL;
	struct pstore *ps;
	char *token = NULL, why[SDJWT_WHY_MAX] = "";
	struct buf out;
	json_t *v;
	enum cmn_rc rc;

	json_array_foreach(disclose, i, v) {
		if (n < sizeof(names) / sizeof(*names))
			names[n++] = json_string_value(v);
	}
	rc = the_attestation(ctx, &ps, &a, &token);
	if (rc != CMN_OK)
		return rc;
	if (a.revoked) {
		free(token);
		return api_problem(ctx, CMN_ERR_GONE, "this attestation was revoked", NULL);
	}
	rc = holder_key(ps, &holder);
	buf_init(&out, SDJWT_MAX_BYTES);
	if (rc == CMN_OK) {
		struct sdjwt_present p = {names,
					  n,
					  holder,
					  json_string_value(json_object_get(ctx->body, "aud")),
					  json_string_value(json_object_get(ctx->body, "nonce")),
					  time_now_ms() / 1000};

		rc = sdjwt_present(token, strlen(token), &p, &out, why);
	}
	free(token);
	es256_free(&holder);
	if (rc == CMN_ERR_INVALID) {
		buf_release(&out);
		return api_problem(ctx, rc, why, NULL);
	}
	if (rc == CMN_OK)
		rc = api_json(ctx, 200, json_pack("{s:s}", "presentation", out.data));
	buf_release(&out);
	return rc;
}

/* POST /api/v1/attestations/verify {"presentation", "aud"?, "nonce"?} -
 * public: anyone checks a presentation of an attestation of ours. The
 * answer is 200 whether it holds or not ("valid"), with why. */
static enum cmn_rc verify(struct api_ctx *ctx)
{
	const char *token = json_string_value(json_object_get(ctx->body, "presentation"));
	const char *nonce = json_string_value(json_object_get(ctx->body, "nonce"));
	const char *aud = json_string_value(json_object_get(ctx->body, "aud"));
	struct sdjwt_verify_opts o = {0};
	struct sdjwt_result r = {0};
	struct status_src src = {ctx, ""};
	char iss[300];
	enum cmn_rc rc;

	oauth_issuer(ctx, iss, sizeof(iss));
	snprintf(src.uri, sizeof(src.uri), "%s%s", iss, STATUS_LIST_PATH);
	o.resolve = resolve;
	o.resolve_ctx = ctx->app;
	o.skew = SDJWT_SKEW_S;
	o.require_kb = nonce || aud;
	o.nonce = nonce;
	o.aud = aud;
	o.status = status_of;
	o.status_ctx = &src;
	rc = sdjwt_verify(token, strlen(token), &o, &r);
	if (rc == CMN_ERR_NOMEM || rc == CMN_ERR_STORE || rc == CMN_ERR_INTERNAL) {
		sdjwt_result_release(&r);
		return rc;
	}
	if (rc != CMN_OK) {
		json_t *v = json_pack("{s:b, s:s}", "valid", 0, "why", r.why[0] ? r.why : cmn_strerror(rc));

		sdjwt_result_release(&r);
		return api_json(ctx, 200, v);
	}
	{
		json_t *v = json_pack("{s:b, s:O, s:O, s:b}", "valid", 1, "claims", r.claims,
				      "disclosed", r.disclosed, "key_bound", r.key_bound);

		sdjwt_result_release(&r);
		return api_json(ctx, 200, v);
	}
}

#define SIMULATE_SCHEMA                                                                       \
	"{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {"            \
	" \"at\": {\"type\": \"string\"}}}"
#define ISSUE_SCHEMA                                                                          \
	"{\"type\": \"object\", \"required\": [\"rule\"], \"additionalProperties\": false,"     \
	" \"properties\": {\"rule\": {\"type\": \"string\", \"maxLength\": 64},"               \
	" \"holder_jwk\": {\"type\": \"object\"}}}"
#define PRESENT_SCHEMA                                                                        \
	"{\"type\": \"object\", \"required\": [\"disclose\", \"aud\", \"nonce\"],"             \
	" \"additionalProperties\": false, \"properties\": {"                                  \
	" \"disclose\": {\"type\": \"array\", \"maxItems\": 64, \"items\": {\"type\":"          \
	" \"string\", \"maxLength\": 128}},"                                                   \
	" \"aud\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 300},"               \
	" \"nonce\": {\"type\": \"string\", \"minLength\": 8, \"maxLength\": 300}}}"
#define VERIFY_SCHEMA                                                                         \
	"{\"type\": \"object\", \"required\": [\"presentation\"], \"additionalProperties\":"   \
	" false, \"properties\": {\"presentation\": {\"type\": \"string\", \"maxLength\":"     \
	" 262144}, \"aud\": {\"type\": \"string\", \"maxLength\": 300},"                        \
	" \"nonce\": {\"type\": \"string\", \"maxLength\": 300}}}"

const struct route api_attest_routes[] = {
	{"POST", "/api/v1/eligibility/simulate", simulate, AUTH_PERSON, SIMULATE_SCHEMA,
	 "What my records entitle me to, and why", GRANT_ROUTE_ATTEST},
	{"POST", "/api/v1/attestations", issue, AUTH_PERSON, ISSUE_SCHEMA,
	 "An attestation of a right my records give", GRANT_ROUTE_ATTEST},
	{"GET", "/api/v1/attestations", list, AUTH_PERSON, NULL, "My attestations",
	 GRANT_ROUTE_ATTEST},
	{"GET", "/api/v1/attestations/{id}", show, AUTH_PERSON, NULL,
	 "One of my attestations, with its SD-JWT", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/attestations/{id}", revoke, AUTH_PERSON, NULL,
	 "Revoke one of my attestations", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/attestations/{id}/present", present, AUTH_PERSON, PRESENT_SCHEMA,
	 "Present chosen claims of an attestation to a verifier", GRANT_ROUTE_ATTEST},
	{"POST", "/api/v1/attestations/verify", verify, AUTH_NONE, VERIFY_SCHEMA,
	 "Verify a presentation of an attestation (public)", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/status-lists/1", status_list, AUTH_NONE, NULL,
	 "The status list of attestations (public)", GRANT_ROUTE_NONE},
	{"GET", "/.well-known/jwt-vc-issuer", vc_issuer, AUTH_NONE, NULL,
	 "The attestations' issuer metadata and keys (public)", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
