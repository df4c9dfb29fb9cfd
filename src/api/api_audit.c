/*
 * api_audit.c - a person's audit chain: what was done to their data, by
 * whom and when, and whether the chain is intact.
 */
#include "api/api.h"

#include <string.h>

#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"

struct audit_page {
	json_t *items;
	int64_t last;
};

static enum cmn_rc add_entry(const struct audit_entry *e, void *pv)
{
	struct audit_page *p = pv;
	json_t *detail = e->detail && *e->detail ? json_parse_str(e->detail) : NULL;

	p->last = e->seq;
	return json_array_append_new(
		       p->items, json_pack("{s:I, s:o, s:s, s:s, s:s, s:o?, s:s}", "seq",
					   (json_int_t)e->seq, "at", api_time(e->at), "actor",
					   e->actor, "action", e->action, "object", e->object,
					   "detail", detail, "hash", e->hash))
		       ? CMN_ERR_NOMEM
		       : CMN_OK;
}

/* The query of a listing: its values live in the struct. */
struct audit_query {
	int64_t after, limit;
	struct audit_filter f;
	char action[64], actor[128], consent[CRYPT_ID_LEN];
};

/* parse_params - after=SEQ, limit=N, action=, actor= (a prefix), consent=,
 * from= and to= (RFC 3339 or a date), nothing else. */
static enum cmn_rc parse_params(struct api_ctx *ctx, struct audit_query *aq)
{
	char q[1024], *cur = q, *name, val[160];
	int r;

	memset(aq, 0, sizeof(*aq));
	aq->limit = 100;
	aq->f.to = INT64_MAX;
	if (!ctx->req->query)
		return CMN_OK;
	if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &name, val, sizeof(val))) != 0) {
		bool ok = r > 0;

		if (!ok)
			;
		else if (strcmp(name, "after") == 0)
			ok = str_to_i64(val, 0, INT64_MAX, &aq->after) == CMN_OK;
		else if (strcmp(name, "limit") == 0)
			ok = str_to_i64(val, 1, 1000, &aq->limit) == CMN_OK;
		else if (strcmp(name, "action") == 0)
			ok = str_copy(aq->action, sizeof(aq->action), val) == CMN_OK &&
			     (aq->f.action = aq->action);
		else if (strcmp(name, "actor") == 0)
			ok = str_copy(aq->actor, sizeof(aq->actor), val) == CMN_OK &&
			     (aq->f.actor = aq->actor);
		else if (strcmp(name, "consent") == 0)
			ok = str_copy(aq->consent, sizeof(aq->consent), val) == CMN_OK &&
			     (aq->f.consent = aq->consent);
		else if (strcmp(name, "from") == 0)
			ok = time_parse(val, true, &aq->f.from) == CMN_OK;
		else if (strcmp(name, "to") == 0)
			ok = time_parse(val, true, &aq->f.to) == CMN_OK;
		else
			ok = false;
		if (!ok)
			return api_problem(ctx, CMN_ERR_INVALID,
					   "use after=SEQ, limit=1..1000, action=, actor=, consent=,"
					   " from= and to= only",
					   json_pack("{s:s}", "parameter", name ? name : ""));
	}
	return CMN_OK;
}

/* GET /api/v1/audit?after=SEQ&limit=N&action=&actor=&consent=&from=&to= */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct audit_page p = {json_array(), 0};
	struct audit_query aq;
	struct pstore *ps;
	enum cmn_rc rc = parse_params(ctx, &aq);

	api_access_sync(ctx);
	if (rc == CMN_OK)
		rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = pstore_audit_each(ps, &aq.f, aq.after, (size_t)aq.limit, add_entry, &p);
	if (rc != CMN_OK) {
		json_decref(p.items);
		return rc;
	}
	return api_json(ctx, 200,
			json_pack("{s:o, s:o?}", "items", p.items, "next_after",
				  json_array_size(p.items) == (size_t)aq.limit ? json_integer(p.last)
										: NULL));
}

/* GET /api/v1/audit/verify */
static enum cmn_rc verify(struct api_ctx *ctx)
{
	struct pstore *ps;
	int64_t count = 0, bad = 0;
	enum cmn_rc rc;

	api_access_sync(ctx);
	rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = pstore_audit_verify(ps, &count, &bad);
	if (rc != CMN_OK && rc != CMN_ERR_CONFLICT)
		return rc;
	return api_json(ctx, 200, json_pack("{s:b, s:I, s:o?}", "intact", rc == CMN_OK, "entries",
					    (json_int_t)count, "first_bad_seq",
					    bad ? json_integer(bad) : NULL));
}

const struct route api_audit_routes[] = {
	{"GET", "/api/v1/audit", list, AUTH_PERSON, NULL, "My audit chain", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/audit/verify", verify, AUTH_PERSON, NULL, "Check my audit chain", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
