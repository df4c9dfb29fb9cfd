/*
 * api_devspace.c - the developer space: fictional data for those who build
 * services on commune, never anyone's real data (docs/synth.md).
 *
 *   GET  /api/v1/devspace/datasets         the synthetic datasets and the
 *        territory's open datasets (public)
 *   GET  /api/v1/devspace/datasets/{name}  one, generated on the fly in its
 *        holder's format: ?household=N&seed=S&start=YYYY-MM-DD&days=D&member=M
 *   POST /api/v1/devspace/persons          a fictional person in the sandbox
 *        organisation, filled with a synthetic household's data, and a
 *        password shown once (admins and members of a reuser organisation)
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account/account.h"
#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "opendata/opendata.h"
#include "synth/run.h"

#define DEVSPACE_SEED       2026
#define DEVSPACE_HOUSEHOLDS 1000000 /* indexes offered */
#define DEVSPACE_MAX_DAYS   366
#define DEVSPACE_PERSON_DAYS 92     /* a sandbox person's data: a season */
#define DEVSPACE_ORG        "Bac à sable (données fictives)"

struct params {
	uint64_t household, seed;
	int64_t start_day;
	int days, member;
};

/* parse_day - days since 1970-01-01 of a date YYYY-MM-DD from 1970 on */
static bool parse_day(const char *s, int64_t *day)
{
	int64_t ms;

	if (!time_is_date(s) || time_parse(s, true, &ms) != CMN_OK || ms < 0)
		return false;
	*day = ms / 86400000;
	return true;
}

static enum cmn_rc parse_params(struct api_ctx *ctx, struct params *p)
{
	char q[512], *cur = q, *name, val[64];
	int r;

	*p = (struct params){0, DEVSPACE_SEED, time_days_from_civil(2025, 1, 1), 31, 0};
	if (!ctx->req->query)
		return CMN_OK;
	if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &name, val, sizeof(val))) != 0) {
		int64_t v = 0;
		bool ok;

		if (r < 0)
			return api_problem(ctx, CMN_ERR_INVALID, "malformed query string", NULL);
		if (strcmp(name, "household") == 0)
			ok = str_to_i64(val, 0, DEVSPACE_HOUSEHOLDS - 1, &v) == CMN_OK &&
			     (p->household = (uint64_t)v, true);
		else if (strcmp(name, "seed") == 0)
			ok = str_to_i64(val, 0, INT64_MAX, &v) == CMN_OK && (p->seed = (uint64_t)v, true);
		else if (strcmp(name, "start") == 0)
			ok = parse_day(val, &p->start_day);
		else if (strcmp(name, "days") == 0)
			ok = str_to_i64(val, 1, DEVSPACE_MAX_DAYS, &v) == CMN_OK && (p->days = (int)v, true);
		else if (strcmp(name, "member") == 0)
			ok = str_to_i64(val, 0, SYNTH_MAX_MEMBERS - 1, &v) == CMN_OK &&
			     (p->member = (int)v, true);
		else
			return api_problem(ctx, CMN_ERR_INVALID, "unknown parameter",
					   json_pack("{s:s}", "parameter", name));
		if (!ok)
			return api_problem(ctx, CMN_ERR_INVALID,
					   "household 0-999999, seed >= 0, start YYYY-MM-DD, days "
					   "1-366, member 0-6",
					   json_pack("{s:s}", "parameter", name));
	}
	return CMN_OK;
}

/* open_one - an open dataset of the territory, for developers: what it
 * is and where to download its latest version */
static enum cmn_rc open_one(const struct opendata_version *v, void *p)
{
	json_t *list = p, *j = opendata_version_json(v);

	json_put(&j, "download", json_sprintf("/api/v1/opendata/%s", v->name));
	return j && json_array_append_new(list, j) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

/* GET /api/v1/devspace/datasets - the synthetic datasets, and the
 * territory's open datasets (real public data, docs/opendata.md) */
static enum cmn_rc datasets(struct api_ctx *ctx)
{
	json_t *items = json_array(), *open = json_array();
	size_t n;
	const struct synth_file *f = synth_files(&n);
	enum cmn_rc rc = open ? store_opendata_each(ctx->app->store, open_one, open) : CMN_ERR_NOMEM;

	if (rc != CMN_OK) {
		json_decref(items);
		json_decref(open);
		return rc;
	}

	for (size_t i = 0; i < n; i++) {
		char dl[128], schema[128];

		snprintf(dl, sizeof(dl), "/api/v1/devspace/datasets/%s", f[i].name);
		snprintf(schema, sizeof(schema), "/api/v1/doctypes/%s", f[i].doctype);
		json_push(&items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name",
					    f[i].name, "title", f[i].title, "format", f[i].format,
					    "doctype", f[i].doctype, "schema", schema,
					    "content_type", f[i].content_type, "download", dl));
	}
	return api_json(ctx, 200,
			json_pack("{s:o, s:o, s:{s:I, s:s, s:i, s:s, s:I}}", "items", items,
				  "opendata", open, "parameters",
				  "seed", (json_int_t)DEVSPACE_SEED, "start", "2025-01-01", "days", 31,
				  "households", "0 to 999999", "max_days",
				  (json_int_t)DEVSPACE_MAX_DAYS));
}

/* GET /api/v1/devspace/datasets/{name} */
static enum cmn_rc dataset(struct api_ctx *ctx)
{
	const struct synth_file *f = NULL, *all;
	struct synth_territory *t;
	struct synth_household h;
	struct params p;
	char *data = NULL, disp[160];
	size_t n, len = 0;
	enum cmn_rc rc = parse_params(ctx, &p);

	if (rc != CMN_OK)
		return rc;
	all = synth_files(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, ctx->params[0]) == 0)
			f = &all[i];
	if (!f)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such dataset (see "
							   "/api/v1/devspace/datasets)",
				   NULL);
	if (!(t = malloc(sizeof(*t))))
		return CMN_ERR_NOMEM;
	rc = synth_territory_init(t, p.seed, p.start_day, p.days);
	if (rc == CMN_OK) {
		synth_household(t, p.household, &h);
		rc = synth_produce(t, &h, f, p.member, &data, &len);
	}
	free(t);
	if (rc == CMN_ERR_NOT_FOUND) {
		free(data);
		return api_problem(ctx, rc, "this household has no such file (no gas, or no such "
					    "member, or nobody travels...): try another household",
				   NULL);
	}
	if (rc != CMN_OK) {
		free(data);
		return rc;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s-h%06llu-%s\"", "villebrune",
		 (unsigned long long)p.household, f->name);
	http_set_header(ctx->res, "Content-Disposition", disp);
	http_set_body(ctx->res, 200, f->content_type, data, len);
	return CMN_OK;
}

/* allowed - admins, and members of a reuser organisation (those who build
 * services) */
struct find_org {
	const char *name;
	bool reuser;
};

static enum cmn_rc is_reuser(const struct org *o, void *pv)
{
	struct find_org *f = pv;

	if (strcmp(o->name, f->name) == 0)
		f->reuser = strcmp(o->kind, "reuser") == 0;
	return CMN_OK;
}

static bool allowed(struct api_ctx *ctx)
{
	struct find_org f = {ctx->person.org, false};

	if (strcmp(ctx->person.role, "admin") == 0)
		return true;
	if (strcmp(ctx->person.org, DEVSPACE_ORG) == 0)
		return false; /* fictional persons make no more of them */
	return ctx->person.org[0] && store_org_each(ctx->app->store, is_reuser, &f) == CMN_OK &&
	       f.reuser;
}

/* POST /api/v1/devspace/persons {"household": N} */
static enum cmn_rc new_person(struct api_ctx *ctx)
{
	const json_t *hv = ctx->body ? json_object_get(ctx->body, "household") : NULL;
	struct synth_territory *t = NULL;
	struct synth_household h;
	struct synth_stats st = {0};
	struct person p;
	struct pstore *ps;
	struct org o;
	char handle[32], password[CRYPT_TOKEN_LEN], hash[CRYPT_PWHASH_LEN], err[300] = "", tag[9];
	unsigned char rnd[4];
	uint64_t index;
	enum cmn_rc rc;

	if (!allowed(ctx))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "the developer space is for admins and members of a reuser "
				   "organisation",
				   NULL);
	randombytes_buf(rnd, sizeof(rnd));
	index = hv ? (uint64_t)json_integer_value(hv) : (uint64_t)(rnd[0] | rnd[1] << 8) % 1000;
	str_hex(tag, rnd, sizeof(rnd));
	snprintf(handle, sizeof(handle), "sandbox-%s", tag);
	rc = store_org_add(ctx->app->store, DEVSPACE_ORG, "reuser", &o);
	if (rc != CMN_OK && rc != CMN_ERR_EXISTS)
		return rc;
	crypt_token_new(password);
	rc = crypt_password_hash(password, hash);
	if (rc == CMN_OK)
		rc = store_person_add(ctx->app->store, handle, "resident", DEVSPACE_ORG, hash, &p);
	sodium_memzero(hash, sizeof(hash));
	if (rc == CMN_OK)
		rc = store_person_store(ctx->app->store, p.id, &ps);
	if (rc == CMN_OK && !(t = malloc(sizeof(*t))))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		rc = synth_territory_init(t, DEVSPACE_SEED, time_days_from_civil(2025, 1, 1),
					  DEVSPACE_PERSON_DAYS);
	if (rc == CMN_OK) {
		synth_household(t, index, &h);
		rc = synth_household_files(t, &h, NULL, ps, ctx->app->registry, ctx->actor, &st, err,
					   sizeof(err));
	}
	free(t);
	if (rc != CMN_OK) {
		sodium_memzero(password, sizeof(password));
		return err[0] ? api_problem(ctx, CMN_ERR_INTERNAL, err, NULL) : rc;
	}
	rc = api_json(ctx, 201,
		      json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", p.id, "handle",
				p.handle, "password", password, "org", DEVSPACE_ORG, "household",
				(json_int_t)index, "records", (json_int_t)st.records, "points",
				(json_int_t)st.points, "note",
				"a fictional person; the password is shown once"));
	sodium_memzero(password, sizeof(password));
	return rc;
}

static const char person_schema[] =
    "{\"type\":\"object\",\"properties\":{\"household\":{\"type\":\"integer\",\"minimum\":0,"
    "\"maximum\":999999}},\"additionalProperties\":false}";

const struct route api_devspace_routes[] = {
    {"GET", "/api/v1/devspace/datasets", datasets, AUTH_NONE, NULL,
     "Synthetic datasets for developers", GRANT_ROUTE_NONE},
    {"GET", "/api/v1/devspace/datasets/{name}", dataset, AUTH_NONE, NULL,
     "One synthetic dataset, in its holder's format", GRANT_ROUTE_NONE},
    {"POST", "/api/v1/devspace/persons", new_person, AUTH_PERSON, person_schema,
     "A fictional person in the sandbox organisation", GRANT_ROUTE_NONE},
    {NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
