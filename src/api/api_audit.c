/*
 * api_audit.c - a person's audit chain: what was done to their data, by
 * whom and when, and whether the chain is intact.
 */
#include "api/api.h"

#include <string.h>

#include "core/str.h"

struct audit_page {
	json_t *items;
	int64_t last;
};

static enum cmn_rc add_entry(const struct audit_entry *e, void *pv)
{
	struct audit_page *p = pv;
	json_t *detail = e->detail && *e->detail ? json_loads(e->detail, 0, NULL) : NULL;

	p->last = e->seq;
	return json_array_append_new(
		       p->items, json_pack("{s:I, s:o, s:s, s:s, s:s, s:o?, s:s}", "seq",
					   (json_int_t)e->seq, "at", api_time(e->at), "actor",
					   e->actor, "action", e->action, "object", e->object,
					   "detail", detail, "hash", e->hash))
		       ? CMN_ERR_NOMEM
		       : CMN_OK;
}

/* parse_params - after=N&limit=N, nothing else. */
static enum cmn_rc parse_params(struct api_ctx *ctx, int64_t *after, int64_t *limit)
{
	char q[256], *cur = q, *name, val[32];
	int r;

	*after = 0;
	*limit = 100;
	if (!ctx->req->query)
		return CMN_OK;
	if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &name, val, sizeof(val))) != 0) {
		if (r < 0 || (strcmp(name, "after") == 0
				  ? str_to_i64(val, 0, INT64_MAX, after) != CMN_OK
			      : strcmp(name, "limit") == 0 ? str_to_i64(val, 1, 1000, limit) != CMN_OK
							   : true))
			return api_problem(ctx, CMN_ERR_INVALID,
					   "use after=SEQ and limit=1..1000 only", NULL);
	}
	return CMN_OK;
}

/* GET /api/v1/audit?after=SEQ&limit=N */
static enum cmn_rc list(struct api_ctx *ctx)
{
	struct audit_page p = {json_array(), 0};
	struct pstore *ps;
	int64_t after, limit;
	enum cmn_rc rc = parse_params(ctx, &after, &limit);

	if (rc == CMN_OK)
		rc = store_person_store(ctx->app->store, ctx->person.id, &ps);
	if (rc == CMN_OK)
		rc = pstore_audit_each(ps, after, (size_t)limit, add_entry, &p);
	if (rc != CMN_OK) {
		json_decref(p.items);
		return rc;
	}
	return api_json(ctx, 200,
			json_pack("{s:o, s:o?}", "items", p.items, "next_after",
				  json_array_size(p.items) == (size_t)limit ? json_integer(p.last)
									    : NULL));
}

/* GET /api/v1/audit/verify */
static enum cmn_rc verify(struct api_ctx *ctx)
{
	struct pstore *ps;
	int64_t count = 0, bad = 0;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

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
