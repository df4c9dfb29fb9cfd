/*
 * api_records.c - a person's records of one doctype: create, read, list
 * with filters and cursor pagination, replace, merge-patch, delete.
 *
 * Every record carries its revision as a strong ETag ("r3"); PUT, PATCH and
 * DELETE honour If-Match, so two writers cannot overwrite each other
 * unknowingly. Writes append to the person's audit chain (in the store,
 * in the same transaction).
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/query.h"
#include "record/schema.h"

#define RECORD_CAP (2 * CMN_MAX_BODY_BYTES)

/* doctype_of - the route's doctype; NULL after answering with a problem.
 * Documents are read and written here; file descriptions are read here
 * and written through /api/v1/files; time series have their own API. */
static const struct doctype *doctype_of(struct api_ctx *ctx)
{
	const struct doctype *d = registry_find(ctx->app->registry, ctx->params[0]);
	bool read = strcmp(ctx->req->method, "GET") == 0 || strcmp(ctx->req->method, "HEAD") == 0;

	if (!d) {
		api_problem(ctx, CMN_ERR_NOT_FOUND, "unknown doctype", NULL);
		return NULL;
	}
	if (strcmp(d->kind, "file") == 0 && !read) {
		api_problem(ctx, CMN_ERR_UNSUPPORTED, "files are written through /api/v1/files", NULL);
		return NULL;
	}
	if (strcmp(d->kind, "timeseries") == 0) {
		api_problem(ctx, CMN_ERR_UNSUPPORTED,
			    "records of this doctype are not documents: use its own API", NULL);
		return NULL;
	}
	return d;
}

/* id_valid - a record id is a lowercase UUID; anything else (dots,
 * slashes, quotes) never reaches the store. */
static bool id_valid(const char *id)
{
	if (strlen(id) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		bool hex = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');

		if (dash ? id[i] != '-' : !hex)
			return false;
	}
	return true;
}

static enum cmn_rc source_of(struct api_ctx *ctx, struct record_meta *m)
{
	if (ctx->via_token)
		snprintf(m->source, sizeof(m->source), "token:%s", ctx->token_name);
	else
		str_copy(m->source, sizeof(m->source), "api");
	return CMN_OK;
}

/* project - data restricted to the requested top-level fields (the
 * stored text cut, not parsed into a tree: a service's every read does
 * this for the fields of its consent). */
static char *project(const char *data, const struct record_query *rq)
{
	struct buf b;

	buf_init(&b, RECORD_CAP);
	if (json_text_project(data, rq->fields, rq->nfields, &b) != CMN_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* record_write - appends the JSON of one record to b. */
static enum cmn_rc record_write(struct buf *b, const struct record_meta *m, const char *data,
				const struct record_query *rq)
{
	json_t *meta = json_pack("{s:s, s:s?, s:o, s:o}", "source", m->source, "import_id",
				 m->import_id[0] ? m->import_id : NULL, "created",
				 api_time(m->created), "updated", api_time(m->updated));
	char *meta_text = json_text_dumps(meta, API_JSON_FLAGS);
	char *projected = rq && rq->nfields ? project(data, rq) : NULL;
	enum cmn_rc rc = CMN_ERR_NOMEM;

	json_decref(meta);
	/* each step's failure is the record's: a part left out would make
	 * another document */
	if (meta_text && (!(rq && rq->nfields) || projected)) {
		rc = buf_printf(b, "{\"id\":\"%s\",\"doctype\":\"%s\",\"rev\":%lld,\"data\":", m->id,
				m->doctype, (long long)m->rev);
		if (rc == CMN_OK)
			rc = buf_puts(b, projected ? projected : data);
		if (rc == CMN_OK)
			rc = buf_puts(b, ",\"meta\":");
		if (rc == CMN_OK)
			rc = buf_puts(b, meta_text);
		if (rc == CMN_OK)
			rc = buf_puts(b, "}");
	}
	free(meta_text);
	free(projected);
	return rc;
}

static void set_etag(struct api_ctx *ctx, int64_t rev)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"r%lld\"", (long long)rev);
	http_set_header(ctx->res, "ETag", etag);
}

/* answer_record - the record as the response. */
static enum cmn_rc answer_record(struct api_ctx *ctx, int status, const struct record_meta *m,
				 const char *data, const struct record_query *rq)
{
	struct buf b;
	enum cmn_rc rc;

	buf_init(&b, RECORD_CAP);
	rc = record_write(&b, m, data, rq);
	if (rc != CMN_OK) {
		buf_release(&b);
		return rc;
	}
	set_etag(ctx, m->rev);
	api_json_text(ctx, status, b.data, b.len);
	b.data = NULL;
	return CMN_OK;
}

/* answer_written - a record just written as the response; when its view
 * cannot be made (no memory for it), what is known of it: the write is
 * done, and a client told of a failure would make it again */
static enum cmn_rc answer_written(struct api_ctx *ctx, int status, const struct record_meta *m,
				  const char *data)
{
	enum cmn_rc rc = answer_record(ctx, status, m, data, NULL);

	if (rc != CMN_OK)
		set_etag(ctx, m->rev);
	return api_done(ctx, rc, status, "{\"id\":\"%s\",\"doctype\":\"%s\",\"rev\":%lld}",
			m->id, m->doctype, (long long)m->rev);
}

/* expected_rev - the revision named by If-Match: -1 when absent or "*". */
static enum cmn_rc expected_rev(struct api_ctx *ctx, int64_t *rev)
{
	const char *im = http_header(ctx->req, "If-Match");
	char digits[24];
	size_t n;

	*rev = -1;
	if (!im || strcmp(im, "*") == 0)
		return CMN_OK;
	if (im[0] != '"' || im[1] != 'r')
		return CMN_ERR_PRECONDITION;
	n = strspn(im + 2, "0123456789");
	if (n == 0 || n >= sizeof(digits) || im[2 + n] != '"' || im[3 + n] != '\0')
		return CMN_ERR_PRECONDITION;
	memcpy(digits, im + 2, n);
	digits[n] = '\0';
	return str_to_i64(digits, 1, INT64_MAX, rev) == CMN_OK ? CMN_OK : CMN_ERR_PRECONDITION;
}

/* check_data - validates a record body against its doctype and finds its
 * time; a problem lists every error with its JSON pointer. */
static enum cmn_rc check_data(struct api_ctx *ctx, const struct doctype *d, const json_t *data,
			      int64_t *t)
{
	struct schema_errors *errs = malloc(sizeof(*errs));
	enum cmn_rc rc;

	if (!errs)
		return CMN_ERR_NOMEM;
	rc = schema_validate(d->schema, data, errs);
	if (rc != CMN_OK)
		rc = api_schema_problem(ctx, "the record does not match its doctype's schema",
					errs);
	free(errs);
	*t = INT64_MIN;
	if (rc == CMN_OK && d->time_field)
		rc = time_parse(json_string_value(json_object_get(data, d->time_field)), true, t);
	return rc;
}

static enum cmn_rc person_store(struct api_ctx *ctx, struct pstore **ps)
{
	return store_person_store(ctx->app->store, ctx->person.id, ps);
}

/* POST /api/v1/records/{doctype} */
static enum cmn_rc create(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	struct record_meta m = {0};
	struct pstore *ps;
	char *text, loc[160];
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	if (!json_is_object(ctx->body))
		return api_problem(ctx, CMN_ERR_INVALID, "a record is a JSON object", NULL);
	if ((rc = check_data(ctx, d, ctx->body, &m.t)) != CMN_OK)
		return rc;
	if ((rc = person_store(ctx, &ps)) != CMN_OK)
		return rc;
	crypt_uuid7_new(m.id);
	str_copy(m.doctype, sizeof(m.doctype), d->name);
	source_of(ctx, &m);
	text = json_text_dumps(ctx->body, API_JSON_FLAGS);
	if (!text)
		return CMN_ERR_NOMEM;
	rc = pstore_record_insert(ps, &m, text, ctx->actor);
	if (rc == CMN_OK) {
		snprintf(loc, sizeof(loc), "/api/v1/records/%s/%s", m.doctype, m.id);
		http_set_header(ctx->res, "Location", loc);
		rc = answer_written(ctx, 201, &m, text);
	}
	free(text);
	return rc;
}

/* fields_text - the member "fields": [...] of a projection (nothing
 * without one), appended to b for the audit of a service's read. */
static void fields_text(struct buf *b, const struct record_query *rq)
{
	if (!rq->nfields)
		return;
	buf_puts(b, "\"fields\":[");
	for (size_t i = 0; i < rq->nfields; i++) {
		if (i)
			buf_puts(b, ",");
		json_text_string(b, rq->fields[i]);
	}
	buf_puts(b, "]");
}

/* grant_narrow - a service's query kept within its grant: filters, sort
 * and fields= only on fields of the grant (a filter on another would tell
 * its values), fields= set to the grant's fields when not given, the
 * period of the data cut to the grant's and, when the grant names chosen
 * records, the query to those of them (ids, which rq then points into).
 * CMN_ERR_FORBIDDEN with the problem written otherwise. */
static enum cmn_rc grant_narrow(struct api_ctx *ctx, struct record_query *rq,
				const char *ids[GRANT_MAX_RECORDS])
{
	const struct grant *g = &ctx->grant;
	const char *bad = NULL;

	if (!ctx->via_grant)
		return CMN_OK;
	for (size_t i = 0; i < rq->q.nfilters && !bad; i++)
		if (!grant_field_allowed(g, rq->q.filters[i].field))
			bad = rq->q.filters[i].field;
	if (!bad && rq->q.sort == QSORT_FIELD && !grant_field_allowed(g, rq->q.sort_field))
		bad = rq->q.sort_field;
	for (size_t i = 0; i < rq->nfields && !bad; i++)
		if (!grant_field_allowed(g, rq->fields[i]))
			bad = rq->fields[i];
	if (bad)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, grant_deny_text(GRANT_DENY_FIELD),
				   json_pack("{s:s, s:s}", "consent", g->id, "field", bad));
	if (!rq->nfields)
		for (size_t i = 0; i < g->nfields && i < CMN_MAX_FIELDS; i++)
			rq->fields[rq->nfields++] = g->fields[i];
	if (g->data_from != INT64_MIN && (!rq->q.has_from || rq->q.from < g->data_from)) {
		rq->q.has_from = true;
		rq->q.from = g->data_from;
	}
	if (g->data_to != INT64_MAX && (!rq->q.has_to || rq->q.to > g->data_to)) {
		rq->q.has_to = true;
		rq->q.to = g->data_to;
	}
	if (g->chosen && ids) {
		rq->q.by_ids = true;
		rq->q.ids = ids;
		for (size_t i = 0; i < g->nrecords; i++)
			if (strcmp(g->doctypes[g->records[i].doctype], rq->q.doctype) == 0)
				ids[rq->q.nids++] = g->records[i].id;
	}
	return CMN_OK;
}

/* GET /api/v1/records/{doctype}/{id} */
static enum cmn_rc get(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	struct record_query rq;
	struct record_meta m;
	struct pstore *ps;
	char *data = NULL;
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	if (!id_valid(ctx->params[1]))
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such record", NULL);
	rc = query_parse(&rq, d, ctx->req->query);
	if (rc == CMN_OK && rq.other[0]) {
		str_copy(rq.param, sizeof(rq.param), rq.other);
		str_copy(rq.error, sizeof(rq.error), "only fields= applies to one record");
		rc = CMN_ERR_INVALID;
	}
	if (rc == CMN_ERR_INVALID)
		api_problem(ctx, rc, rq.error, json_pack("{s:s}", "parameter", rq.param));
	if (rc == CMN_OK)
		rc = grant_narrow(ctx, &rq, NULL);
	/* a record the grant does not name, or outside its period, does not
	 * exist for the grantee */
	if (rc == CMN_OK && ctx->via_grant &&
	    !grant_record_allowed(&ctx->grant, d->name, ctx->params[1]))
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK)
		rc = person_store(ctx, &ps);
	if (rc == CMN_OK)
		rc = pstore_record_get(ps, d->name, ctx->params[1], &m, &data);
	if (rc == CMN_OK && ctx->via_grant && !grant_time_allowed(&ctx->grant, m.t))
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_ERR_NOT_FOUND)
		api_problem(ctx, rc, "no such record", NULL);
	if (rc == CMN_OK) {
		char object[160];

		/* recorded before it is served: no read without its trace */
		snprintf(object, sizeof(object), "%s/%s", d->name, m.id);
		if (ctx->via_grant) {
			struct buf more;

			buf_init(&more, 1 << 20);
			fields_text(&more, &rq);
			rc = api_access(ctx, object, more.data);
			buf_release(&more);
		}
	}
	if (rc == CMN_OK)
		rc = answer_record(ctx, 200, &m, data, &rq);
	free(data);
	query_release(&rq);
	return rc;
}

struct page {
	struct buf b;
	const struct record_query *rq;
	size_t n;
	char last_id[RECORD_ID_LEN];
	struct query_value last_key;
	char *last_text;                  /* owned copy of a text key */
	bool more;
};

static enum cmn_rc add_row(const struct record_meta *m, const char *data,
			   const struct query_value *key, void *pv)
{
	struct page *p = pv;

	if (p->n == p->rq->q.limit) {
		p->more = true;
		return CMN_OK;
	}
	if (p->n)
		buf_puts(&p->b, ",");
	p->n++;
	str_copy(p->last_id, sizeof(p->last_id), m->id);
	p->last_key = *key;
	if (key->type == QV_TEXT) {
		free(p->last_text);
		p->last_text = strdup(key->text ? key->text : "");
		if (!p->last_text)
			return CMN_ERR_NOMEM;
		p->last_key.text = p->last_text;
	}
	return record_write(&p->b, m, data, p->rq);
}

/* GET /api/v1/records/{doctype}?filter...&sort=&limit=&cursor=&fields= */
static enum cmn_rc list(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	const char *ids[GRANT_MAX_RECORDS];
	struct record_query rq;
	struct page p = {0};
	struct pstore *ps;
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	rc = query_parse(&rq, d, ctx->req->query);
	if (rc == CMN_ERR_INVALID) {
		api_problem(ctx, rc, rq.error, json_pack("{s:s}", "parameter", rq.param));
		query_release(&rq);
		return rc;
	}
	p.rq = &rq;
	buf_init(&p.b, 64 * 1024 * 1024);
	buf_puts(&p.b, "{\"items\":[");
	if (rc == CMN_OK)
		rc = grant_narrow(ctx, &rq, ids);
	if (rc == CMN_OK)
		rc = person_store(ctx, &ps);
	if (rc == CMN_OK) {
		struct store_query q = rq.q;

		q.limit = rq.q.limit + 1; /* one more row tells if a next page exists */
		rc = pstore_record_query(ps, &q, add_row, &p);
	}
	if (rc == CMN_OK) {
		char *cursor = p.more ? query_cursor(&rq, &p.last_key, p.last_id) : NULL;

		if (p.more && !cursor)
			rc = CMN_ERR_NOMEM;
		buf_puts(&p.b, "],\"next_cursor\":");
		if (cursor)
			buf_printf(&p.b, "\"%s\"", cursor);
		else
			buf_puts(&p.b, "null");
		rc = rc == CMN_OK ? buf_puts(&p.b, "}") : rc;
		free(cursor);
	}
	if (rc == CMN_OK && ctx->via_grant) {
		struct buf more;

		buf_init(&more, 1 << 20);
		buf_printf(&more, "\"records\":%zu", p.n);
		if (ctx->req->query && *ctx->req->query) {
			buf_puts(&more, ",\"query\":");
			json_text_string(&more, ctx->req->query);
		}
		if (rq.nfields)
			buf_puts(&more, ",");
		fields_text(&more, &rq);
		rc = api_access(ctx, d->name, more.data);
		buf_release(&more);
	}
	if (rc == CMN_OK) {
		api_json_text(ctx, 200, p.b.data, p.b.len);
		p.b.data = NULL;
	}
	buf_release(&p.b);
	free(p.last_text);
	query_release(&rq);
	return rc;
}

/* store_data - validates and writes new data for an existing record. */
static enum cmn_rc store_data(struct api_ctx *ctx, const struct doctype *d, struct pstore *ps,
			      const json_t *data, int64_t expect)
{
	struct record_meta m = {0};
	char *text;
	enum cmn_rc rc;

	if ((rc = check_data(ctx, d, data, &m.t)) != CMN_OK)
		return rc;
	str_copy(m.id, sizeof(m.id), ctx->params[1]);
	str_copy(m.doctype, sizeof(m.doctype), d->name);
	text = json_text_dumps(data, API_JSON_FLAGS);
	if (!text)
		return CMN_ERR_NOMEM;
	rc = pstore_record_replace(ps, &m, expect, text, ctx->actor);
	if (rc == CMN_OK)
		rc = answer_written(ctx, 200, &m, text);
	free(text);
	return rc;
}

static enum cmn_rc write_problem(struct api_ctx *ctx, enum cmn_rc rc)
{
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such record", NULL);
	if (rc == CMN_ERR_PRECONDITION)
		return api_problem(ctx, rc, "the record has changed since the ETag you sent", NULL);
	return rc;
}

/* PUT /api/v1/records/{doctype}/{id} */
static enum cmn_rc replace(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	struct pstore *ps;
	int64_t expect;
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	if (!id_valid(ctx->params[1]))
		return write_problem(ctx, CMN_ERR_NOT_FOUND);
	if ((rc = expected_rev(ctx, &expect)) != CMN_OK)
		return write_problem(ctx, rc);
	if ((rc = person_store(ctx, &ps)) != CMN_OK)
		return rc;
	return write_problem(ctx, store_data(ctx, d, ps, ctx->body, expect));
}

/* merge_patch - RFC 7396 applied to target in place; CMN_ERR_NOMEM when a
 * member could not be set (target is then half patched: the caller drops
 * it, a field silently left out would be written as the person's data). */
static enum cmn_rc merge_patch(json_t *target, const json_t *patch)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)patch, k, v) {
		json_t *cur = json_object_get(target, k);
		enum cmn_rc rc = CMN_OK;

		if (json_is_null(v))
			json_object_del(target, k);
		else if (json_is_object(v) && json_is_object(cur))
			rc = merge_patch(cur, v);
		else if (json_is_object(v)) {
			json_t *fresh = json_object();

			rc = fresh ? merge_patch(fresh, v) : CMN_ERR_NOMEM;
			if (rc == CMN_OK && json_object_set_new(target, k, fresh) != 0)
				rc = CMN_ERR_NOMEM;
			else if (rc != CMN_OK)
				json_decref(fresh);
		} else if (json_object_set(target, k, v) != 0) {
			rc = CMN_ERR_NOMEM;
		}
		if (rc != CMN_OK)
			return rc;
	}
	return CMN_OK;
}

/* PATCH /api/v1/records/{doctype}/{id} - JSON Merge Patch. */
static enum cmn_rc patch(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	struct record_meta m;
	struct json_parse_error jerr;
	struct pstore *ps;
	char *data = NULL;
	json_t *doc;
	int64_t expect;
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	if (!id_valid(ctx->params[1]))
		return write_problem(ctx, CMN_ERR_NOT_FOUND);
	if (!json_is_object(ctx->body))
		return api_problem(ctx, CMN_ERR_INVALID, "a merge patch is a JSON object", NULL);
	if ((rc = expected_rev(ctx, &expect)) != CMN_OK)
		return write_problem(ctx, rc);
	if ((rc = person_store(ctx, &ps)) != CMN_OK)
		return rc;
	rc = pstore_record_get(ps, d->name, ctx->params[1], &m, &data);
	if (rc != CMN_OK)
		return write_problem(ctx, rc);
	if (expect >= 0 && expect != m.rev) {
		free(data);
		return write_problem(ctx, CMN_ERR_PRECONDITION);
	}
	doc = json_parse(data, strlen(data), 0, &jerr);
	free(data);
	if (!doc) /* what the store holds was checked when written */
		return jerr.rc == CMN_ERR_NOMEM ? CMN_ERR_NOMEM : CMN_ERR_INTERNAL;
	rc = merge_patch(doc, ctx->body);
	/* the revision read is the one patched: a concurrent change is a 412 */
	if (rc == CMN_OK)
		rc = store_data(ctx, d, ps, doc, m.rev);
	json_decref(doc);
	return write_problem(ctx, rc);
}

/* DELETE /api/v1/records/{doctype}/{id} */
static enum cmn_rc erase(struct api_ctx *ctx)
{
	const struct doctype *d = NULL;
	struct pstore *ps;
	int64_t expect;
	enum cmn_rc rc;

	if (!(d = doctype_of(ctx)))
		return CMN_ERR_NOT_FOUND;
	if (!id_valid(ctx->params[1]))
		return write_problem(ctx, CMN_ERR_NOT_FOUND);
	if ((rc = expected_rev(ctx, &expect)) != CMN_OK)
		return write_problem(ctx, rc);
	if ((rc = person_store(ctx, &ps)) != CMN_OK)
		return rc;
	rc = pstore_record_delete(ps, d->name, ctx->params[1], expect, ctx->actor);
	if (rc != CMN_OK)
		return write_problem(ctx, rc);
	api_empty(ctx, 204);
	return CMN_OK;
}

/* Record bodies are checked against the doctype's schema by the handlers;
 * the route only requires a JSON object. */
#define OBJECT_SCHEMA "{\"type\":\"object\"}"

const struct route api_records_routes[] = {
	{"GET", "/api/v1/records/{doctype}", list, AUTH_PERSON, NULL, "List my records of a doctype", GRANT_ROUTE_RECORDS},
	{"POST", "/api/v1/records/{doctype}", create, AUTH_PERSON, OBJECT_SCHEMA, "Create a record", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/records/{doctype}/{id}", get, AUTH_PERSON, NULL, "Read a record", GRANT_ROUTE_RECORDS},
	{"PUT", "/api/v1/records/{doctype}/{id}", replace, AUTH_PERSON, OBJECT_SCHEMA, "Replace a record", GRANT_ROUTE_NONE},
	{"PATCH", "/api/v1/records/{doctype}/{id}", patch, AUTH_PERSON, OBJECT_SCHEMA, "Merge-patch a record (RFC 7396)", GRANT_ROUTE_NONE},
	{"DELETE", "/api/v1/records/{doctype}/{id}", erase, AUTH_PERSON, NULL, "Delete a record", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
