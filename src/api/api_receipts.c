/*
 * api_receipts.c - what a person can keep and show of a consent: its
 * Kantara Consent Receipt v1.1 with the JWS that proves the platform issued
 * it, the grant as a W3C DPV consent record (JSON-LD), and the platform's
 * public signing key (JWKS) that anyone can verify receipts with.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "consent/receipt.h"
#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/timeutil.h"

/* lang_param - the ?lang= of the request ("fr" when absent). Anything else
 * in the query answers 400 and returns false (*rc set). */
static bool lang_param(struct api_ctx *ctx, char lang[8], enum cmn_rc *rc)
{
	char *copy = ctx->req->query ? strdup(ctx->req->query) : NULL, *cursor = copy, *name;
	char value[8];
	int got;

	snprintf(lang, 8, "fr");
	if (ctx->req->query && !copy) {
		*rc = CMN_ERR_NOMEM;
		return false;
	}
	while ((got = api_query_next(&cursor, &name, value, sizeof(value))) != 0) {
		if (got < 0 || strcmp(name, "lang") != 0 || !receipt_lang_ok(value)) {
			free(copy);
			*rc = api_problem(ctx, CMN_ERR_INVALID,
					  "the only parameter is lang: fr or en", NULL);
			return false;
		}
		snprintf(lang, 8, "%s", value);
	}
	free(copy);
	return true;
}

/* struct input - a grant of the caller's, read for a receipt. */
struct input {
	struct receipt_in in;
	json_t *view;
	json_t *client; /* a service's registration, or NULL */
	char lang[8];
};

static void input_release(struct input *x)
{
	json_decref(x->view);
	json_decref(x->client);
	x->view = x->client = NULL;
}

/* load - the grant {id} as the caller's receipt input; a grant of someone
 * else is not found, as if it did not exist. Answers the problem itself
 * (and returns its code) when something is wrong. */
static enum cmn_rc load(struct api_ctx *ctx, struct input *x)
{
	struct store *s = ctx->app->store;
	struct grant_row row;
	enum cmn_rc rc = CMN_OK;

	memset(x, 0, sizeof(*x));
	if (!lang_param(ctx, x->lang, &rc))
		return rc;
	rc = store_grant_get(s, ctx->params[0], &row);
	if (rc == CMN_OK && strcmp(row.person_id, ctx->person.id) != 0) {
		grant_row_release(&row);
		rc = CMN_ERR_NOT_FOUND;
	}
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such consent of yours", NULL);
	if (rc != CMN_OK)
		return rc;
	x->view = consent_grant_view(s, &row, time_now_ms());
	if (x->view && strcmp(row.grantee_kind, "service") == 0) {
		struct client c;
		char *meta = NULL;

		/* the registration may be gone with its service: the receipt
		 * then names no contact or policy of it */
		if (store_client_get(s, row.grantee_id, &c, &meta, NULL) == CMN_OK && meta)
			x->client = json_parse_str(meta);
		free(meta);
	}
	grant_row_release(&row);
	if (!x->view)
		return CMN_ERR_NOMEM;
	x->in = (struct receipt_in){
	    .view = x->view,
	    .person_id = ctx->person.id,
	    .person_handle = ctx->person.handle,
	    .platform = RECEIPT_PLATFORM,
	    .lang = x->lang,
	    .client = x->client,
	    .reg = ctx->app->registry,
	};
	return CMN_OK;
}

/* GET /api/v1/consents/{id}/receipt - {receipt, jws}: the Kantara receipt
 * and the same receipt signed with the platform key. */
static enum cmn_rc receipt(struct api_ctx *ctx)
{
	struct input x;
	enum cmn_rc rc = load(ctx, &x);
	json_t *r = NULL;
	char *jws = NULL;

	if (rc != CMN_OK || !x.view)
		return rc;
	rc = receipt_kantara(&x.in, &r);
	if (rc == CMN_ERR_CONFLICT) {
		input_release(&x);
		return api_problem(ctx, rc,
				   "this consent was never given (only asked for or refused): "
				   "there is no receipt of it",
				   NULL);
	}
	if (rc == CMN_OK)
		rc = receipt_sign(ctx->app->keys, r, &jws);
	if (rc == CMN_OK) {
		rc = api_json(ctx, 200, json_pack("{s:O, s:s}", "receipt", r, "jws", jws));
	}
	free(jws);
	json_decref(r);
	input_release(&x);
	return rc;
}

/* GET /api/v1/consents/{id}/dpv - the grant as a DPV consent record. */
static enum cmn_rc dpv(struct api_ctx *ctx)
{
	struct input x;
	enum cmn_rc rc = load(ctx, &x);
	json_t *d;
	char *text;

	if (rc != CMN_OK || !x.view)
		return rc;
	d = receipt_dpv(&x.in);
	input_release(&x);
	text = d ? json_text_dumps(d, API_JSON_FLAGS) : NULL;
	json_decref(d);
	if (!text)
		return CMN_ERR_NOMEM;
	http_set_body(ctx->res, 200, "application/ld+json", text, strlen(text));
	return CMN_OK;
}

/* GET /.well-known/jwks.json - the platform's public signing key. */
static enum cmn_rc jwks(struct api_ctx *ctx)
{
	struct buf b;
	enum cmn_rc rc;
	char *text;

	buf_init(&b, 4096);
	rc = keyring_jwks(ctx->app->keys, &b);
	if (rc != CMN_OK) {
		buf_release(&b);
		return rc;
	}
	text = buf_steal(&b);
	buf_release(&b);
	if (!text)
		return CMN_ERR_NOMEM;
	http_set_body(ctx->res, 200, "application/jwk-set+json", text, strlen(text));
	return CMN_OK;
}

const struct route api_receipts_routes[] = {
    {"GET", "/api/v1/consents/{id}/receipt", receipt, AUTH_PERSON, NULL,
     "The Kantara consent receipt of one of my consents, and its JWS", GRANT_ROUTE_NONE},
    {"GET", "/api/v1/consents/{id}/dpv", dpv, AUTH_PERSON, NULL,
     "One of my consents as a W3C DPV consent record (JSON-LD)", GRANT_ROUTE_NONE},
    {"GET", "/.well-known/jwks.json", jwks, AUTH_NONE, NULL,
     "The platform's public keys, to verify consent receipts", GRANT_ROUTE_NONE},
    {NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
