/*
 * api_series.c - a person's time series: list and create series, read raw
 * points or calendar buckets, append points (JSON or CSV), delete a range.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "series/series.h"

static json_t *time_or_null(int64_t t)
{
	return t == INT64_MIN ? json_null() : api_time(t);
}

static json_t *series_json(const struct series_def *d)
{
	json_t *meta = d->meta ? json_parse_str(d->meta) : NULL;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o?, s:I, s:o, s:o, s:o, s:o}",
			 "id", d->id, "doctype", d->doctype, "source", d->source, "key", d->key,
			 "unit", d->unit, "step_s", (json_int_t)(d->step / 1000), "phase_s",
			 (json_int_t)(d->phase / 1000), "tz", d->tz, "meta", meta, "points",
			 (json_int_t)d->points, "first", time_or_null(d->t_first), "last",
			 time_or_null(d->t_last), "created", api_time(d->created), "updated",
			 api_time(d->updated));
}

/* series_json_for - what the caller may see of a series: a service sees
 * neither its identifiers (the meter's key, its source, its meta) nor,
 * when its grant is bounded in time, where its points begin and end. */
static json_t *series_json_for(const struct api_ctx *ctx, const struct series_def *d)
{
	json_t *o = series_json(d);

	if (o && ctx->via_grant) {
		json_object_del(o, "key");
		json_object_del(o, "source");
		json_object_del(o, "meta");
		if (ctx->grant.data_from != INT64_MIN || ctx->grant.data_to != INT64_MAX) {
			json_object_del(o, "points");
			json_object_del(o, "first");
			json_object_del(o, "last");
		}
	}
	return o;
}

static enum cmn_rc person_store(struct api_ctx *ctx, struct pstore **ps)
{
	return store_person_store(ctx->app->store, ctx->person.id, ps);
}

/* in_grant - whether a service's grant lets it see a series, in full or
 * as aggregates (both ways for a person's own requests). */
static bool in_grant(const struct api_ctx *ctx, const struct series_def *d)
{
	int64_t now = time_now_ms();

	return !ctx->via_grant ||
	       (grant_series_allowed(&ctx->grant, d->id) &&
		(grant_check(&ctx->grant, now, d->doctype, GRANT_OP_READ) == GRANT_ALLOWED ||
		 grant_check(&ctx->grant, now, d->doctype, GRANT_OP_AGGREGATE) == GRANT_ALLOWED));
}

struct listing {
	const struct api_ctx *ctx;
	json_t *items;
};

static enum cmn_rc add_visible(const struct series_def *d, void *lv)
{
	struct listing *l = lv;

	if (!in_grant(l->ctx, d))
		return CMN_OK;
	return json_array_append_new(l->items, series_json_for(l->ctx, d)) ? CMN_ERR_NOMEM : CMN_OK;
}

/* GET /api/v1/series - for a service, those its grant covers. */
static enum cmn_rc list(struct api_ctx *ctx)
{
	json_t *items = json_array();
	struct listing l = {ctx, items};
	struct pstore *ps;
	enum cmn_rc rc = person_store(ctx, &ps);

	if (rc == CMN_OK)
		rc = pstore_series_each(ps, add_visible, &l);
	if (rc == CMN_OK) {
		char more[48];

		snprintf(more, sizeof(more), "\"series\":%zu", json_array_size(items));
		rc = api_access(ctx, "series", more);
	}
	if (rc != CMN_OK) {
		json_decref(items);
		return rc;
	}
	return api_json(ctx, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/series {"doctype", "source", "key", "unit", "step_s", "phase_s"?,
 * "tz"?, "meta"?} */
static enum cmn_rc create(struct api_ctx *ctx)
{
	struct series_def def = {0};
	const json_t *b = ctx->body, *meta = json_object_get(b, "meta");
	const char *why = NULL, *tz = json_string_value(json_object_get(b, "tz"));
	struct pstore *ps;
	enum cmn_rc rc;

	str_copy(def.doctype, sizeof(def.doctype), json_string_value(json_object_get(b, "doctype")));
	str_copy(def.source, sizeof(def.source), json_string_value(json_object_get(b, "source")));
	str_copy(def.key, sizeof(def.key), json_string_value(json_object_get(b, "key")));
	str_copy(def.unit, sizeof(def.unit), json_string_value(json_object_get(b, "unit")));
	str_copy(def.tz, sizeof(def.tz), tz ? tz : "Europe/Paris");
	def.step = json_integer_value(json_object_get(b, "step_s")) * 1000;
	def.phase = json_integer_value(json_object_get(b, "phase_s")) * 1000;
	if (meta && !(def.meta = json_text_dumps(meta, API_JSON_FLAGS)))
		return CMN_ERR_NOMEM;
	rc = person_store(ctx, &ps);
	if (rc == CMN_OK)
		rc = series_create(ps, ctx->app->registry, &def, ctx->actor, &why);
	if (rc == CMN_ERR_EXISTS) {
		struct series_def old;

		if (pstore_series_find(ps, def.doctype, def.source, def.key, &old) == CMN_OK) {
			api_problem(ctx, rc, "this person has a series of this doctype, source and key",
				    json_pack("{s:s}", "id", old.id));
			series_def_release(&old);
		}
	} else if (rc == CMN_OK) {
		char loc[80];

		snprintf(loc, sizeof(loc), "/api/v1/series/%s", def.id);
		http_set_header(ctx->res, "Location", loc);
		/* made: when its view cannot be made, what is known of it */
		rc = api_done(ctx, api_json(ctx, 201, series_json(&def)), 201, "{\"id\":\"%s\"}",
			      def.id);
	} else if (rc == CMN_ERR_INVALID) {
		api_problem(ctx, rc, why, NULL);
	}
	series_def_release(&def);
	return rc;
}

/* the_series - the series of the path, or a 404. */
static enum cmn_rc the_series(struct api_ctx *ctx, struct pstore **ps, struct series_def *def)
{
	enum cmn_rc rc;

	memset(def, 0, sizeof(*def));
	def->t_first = def->t_last = INT64_MIN;
	rc = person_store(ctx, ps);

	if (rc == CMN_OK)
		rc = pstore_series_get(*ps, ctx->params[0], def);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such series", NULL);
	return rc;
}

/* parse_time - RFC 3339, a date (midnight in the series' zone) or ms. */
static enum cmn_rc parse_time(const char *s, const struct series_def *def, int64_t *out)
{
	if (time_is_date(s)) {
		int64_t utc_midnight;
		const struct tz *z = series_zone(def->tz);

		if (time_parse(s, true, &utc_midnight) != CMN_OK || !z)
			return CMN_ERR_INVALID;
		*out = tz_from_local(z, utc_midnight / 86400000, 0);
		return CMN_OK;
	}
	if (strchr(s, 'T') || strchr(s, 't'))
		return time_parse(s, false, out);
	return str_to_i64(s, -(INT64_C(1) << 53), INT64_C(1) << 53, out);
}

struct read_params {
	int64_t from, to;
	bool bucketed;
	struct bucket_spec bucket;
	char bucket_name[16];
	unsigned aggs;                    /* AGG_* bits */
};

enum { AGG_SUM = 1, AGG_MEAN = 2, AGG_MIN = 4, AGG_MAX = 8, AGG_COUNT = 16 };

static enum cmn_rc parse_aggs(char *v, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"sum", AGG_SUM}, {"mean", AGG_MEAN}, {"min", AGG_MIN}, {"max", AGG_MAX},
		     {"count", AGG_COUNT}};
	char *p = v;

	*out = 0;
	while (p) {
		char *comma = strchr(p, ',');
		size_t i;

		if (comma)
			*comma = '\0';
		for (i = 0; i < sizeof(names) / sizeof(*names); i++)
			if (strcmp(p, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(*names))
			return CMN_ERR_INVALID;
		*out |= names[i].bit;
		p = comma ? comma + 1 : NULL;
	}
	return CMN_OK;
}

/* parse_read - from=, to=, bucket=, agg= (from and to: RFC 3339, a date in
 * the series' zone, or ms). */
static enum cmn_rc parse_read(struct api_ctx *ctx, const struct series_def *def,
			      struct read_params *rp, bool range_only)
{
	char q[1024], *cur = q, *p, val[256];
	bool has_agg = false;
	int r;

	memset(rp, 0, sizeof(*rp));
	rp->from = def->t_first == INT64_MIN ? 0 : def->t_first;
	rp->to = def->t_last == INT64_MIN ? 0 : def->t_last + 1;
	rp->aggs = AGG_SUM | AGG_MEAN | AGG_MIN | AGG_MAX | AGG_COUNT;
	if (!ctx->req->query)
		return CMN_OK;
	if (str_copy(q, sizeof(q), ctx->req->query) != CMN_OK)
		return api_problem(ctx, CMN_ERR_INVALID, "query string too long", NULL);
	while ((r = api_query_next(&cur, &p, val, sizeof(val))) != 0) {
		enum cmn_rc rc = CMN_OK;

		if (r < 0)
			return api_problem(ctx, CMN_ERR_INVALID, "malformed query string", NULL);
		if (strcmp(p, "from") == 0)
			rc = parse_time(val, def, &rp->from);
		else if (strcmp(p, "to") == 0)
			rc = parse_time(val, def, &rp->to);
		else if (strcmp(p, "bucket") == 0 && !range_only) {
			rc = bucket_parse(val, &rp->bucket);
			rp->bucketed = rc == CMN_OK;
			str_copy(rp->bucket_name, sizeof(rp->bucket_name), val);
		} else if (strcmp(p, "agg") == 0 && !range_only) {
			rc = parse_aggs(val, &rp->aggs);
			has_agg = true;
		} else {
			return api_problem(ctx, CMN_ERR_INVALID, "unknown parameter",
					   json_pack("{s:s}", "parameter", p));
		}
		if (rc != CMN_OK)
			return api_problem(ctx, CMN_ERR_INVALID,
					   "from/to: RFC 3339, a date or ms; bucket: Nmin, hour, Nh, "
					   "day, week, month, year; agg: sum, mean, min, max, count",
					   json_pack("{s:s}", "parameter", p));
	}
	if (has_agg && !rp->bucketed)
		return api_problem(ctx, CMN_ERR_INVALID, "agg= goes with bucket=",
				   json_pack("{s:s}", "parameter", "agg"));
	if (rp->from > rp->to)
		return api_problem(ctx, CMN_ERR_INVALID, "from must not be after to", NULL);
	return CMN_OK;
}

struct raw_page {
	struct buf b;
	size_t n;
	int64_t next;                     /* first time left out, or INT64_MIN */
};

static enum cmn_rc add_point(int64_t t, int64_t v, void *pv)
{
	struct raw_page *p = pv;

	if (p->n == SERIES_MAX_RAW) {
		p->next = t;
		return CMN_ERR_TOO_LARGE; /* stops the scan: the page is full */
	}
	p->n++;
	return buf_printf(&p->b, "%s[%lld,%lld]", p->n > 1 ? "," : "", (long long)t, (long long)v);
}

struct bucket_page {
	json_t *items;
	unsigned aggs;
};

static enum cmn_rc add_bucket(const struct bucket *bk, void *pv)
{
	struct bucket_page *p = pv;
	json_t *o;

	if (json_array_size(p->items) >= SERIES_MAX_BUCKETS)
		return CMN_ERR_TOO_LARGE;
	o = json_pack("{s:o, s:o}", "start", api_time(bk->start), "end", api_time(bk->end));
	if (!o)
		return CMN_ERR_NOMEM;
	if (p->aggs & AGG_SUM)
		json_put(&o, "sum", json_integer(bk->sum));
	if (p->aggs & AGG_MEAN)
		json_put(&o, "mean", json_real((double)bk->sum / (double)bk->count));
	if (p->aggs & AGG_MIN)
		json_put(&o, "min", json_integer(bk->min));
	if (p->aggs & AGG_MAX)
		json_put(&o, "max", json_integer(bk->max));
	if (p->aggs & AGG_COUNT)
		json_put(&o, "count", json_integer((json_int_t)bk->count));
	return json_array_append_new(p->items, o) ? CMN_ERR_NOMEM : CMN_OK;
}

/* aggregate_enough - whether buckets of b over def are aggregates: a day
 * or longer, and at least two of the series' steps (a regular series; an
 * irregular one, such as positions, by the day already) */
static bool aggregate_enough(const struct series_def *def, const struct bucket_spec *b)
{
	static const int64_t day = 86400000;
	int64_t len;

	switch (b->unit) {
	case BUCKET_FIXED: len = b->size; break;
	case BUCKET_DAY: len = day - 3600000; break; /* 23 h on the spring DST day */
	case BUCKET_WEEK: len = 7 * day - 3600000; break;
	case BUCKET_MONTH: len = 28 * day - 3600000; break;
	default: len = 365 * day - 3600000; break;
	}
	if (b->unit == BUCKET_FIXED && len < day)
		return false;
	return def->step <= 0 || len >= 2 * def->step;
}

/* grant_read_range - a service's read of a series kept within its grant:
 * raw points need "read", buckets "read" or "aggregate-only"; the range is
 * cut to the grant's period; a series of a doctype outside the grant does
 * not exist for the service. The read is recorded before it is served. */
static enum cmn_rc grant_read_range(struct api_ctx *ctx, const struct series_def *def,
				    struct read_params *rp)
{
	const struct grant *g = &ctx->grant;
	int64_t now = time_now_ms();
	enum grant_deny d = grant_check(g, now, def->doctype, GRANT_OP_READ);
	char object[80];

	if (d == GRANT_DENY_OPERATION && rp->bucketed) {
		d = grant_check(g, now, def->doctype, GRANT_OP_AGGREGATE);
		/* an aggregate of one person's series must not be the series
		 * again: buckets of a day or more, each over two steps at least */
		if (d == GRANT_ALLOWED && !aggregate_enough(def, &rp->bucket))
			return api_problem(ctx, CMN_ERR_FORBIDDEN,
					   "this consent gives aggregates only: buckets of a day"
					   " or more, each spanning at least two of the series'"
					   " steps (week, month or year on a daily series)",
					   json_pack("{s:s}", "consent", g->id));
	}
	if (d == GRANT_ALLOWED && !grant_series_allowed(g, def->id))
		d = GRANT_DENY_ITEM;
	if (d == GRANT_DENY_DOCTYPE || d == GRANT_DENY_ITEM)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such series", NULL);
	if (d != GRANT_ALLOWED)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, grant_deny_text(d),
				   json_pack("{s:s}", "consent", g->id));
	if (rp->from < g->data_from)
		rp->from = g->data_from;
	if (rp->to > g->data_to)
		rp->to = g->data_to;
	if (rp->to < rp->from)
		rp->to = rp->from;
	snprintf(object, sizeof(object), "series/%.60s", def->id);
	{
		char from[TIME_RFC3339_LEN], to[TIME_RFC3339_LEN], more[256];

		time_format(from, rp->from);
		time_format(to, rp->to);
		/* doctype and bucket names are [a-z0-9._]: no escaping needed */
		snprintf(more, sizeof(more), "\"doctype\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"%s%s%s",
			 def->doctype, from, to, rp->bucketed ? ",\"bucket\":\"" : "",
			 rp->bucketed ? rp->bucket_name : "", rp->bucketed ? "\"" : "");
		return api_access(ctx, object, more);
	}
}

/* GET /api/v1/series/{id}?from=&to=[&bucket=&agg=] */
static enum cmn_rc read(struct api_ctx *ctx)
{
	struct series_def def;
	struct read_params rp;
	struct pstore *ps;
	enum cmn_rc rc = the_series(ctx, &ps, &def);

	if (rc != CMN_OK)
		return rc;
	rc = parse_read(ctx, &def, &rp, false);
	if (rc == CMN_OK && ctx->via_grant)
		rc = grant_read_range(ctx, &def, &rp);
	if (rc == CMN_OK && rp.bucketed) {
		struct bucket_page p = {json_array(), rp.aggs};

		rc = series_aggregate(ps, &def, rp.from, rp.to, &rp.bucket, add_bucket, &p);
		if (rc == CMN_ERR_TOO_LARGE)
			api_problem(ctx, CMN_ERR_INVALID, "too many buckets: take a larger bucket or "
							  "a shorter range", NULL);
		if (rc == CMN_OK)
			rc = api_json(ctx, 200,
				      json_pack("{s:o, s:o, s:o, s:s, s:o}", "series",
						series_json_for(ctx, &def), "from", api_time(rp.from), "to",
						api_time(rp.to), "bucket", rp.bucket_name, "buckets",
						p.items));
		else
			json_decref(p.items);
	} else if (rc == CMN_OK) {
		struct raw_page p = {.next = INT64_MIN};
		json_t *head;
		char *head_text;

		buf_init(&p.b, 64 * 1024 * 1024);
		rc = series_scan(ps, &def, rp.from, rp.to, add_point, &p);
		if (rc == CMN_ERR_TOO_LARGE && p.next != INT64_MIN)
			rc = CMN_OK;
		head = json_pack("{s:o, s:o, s:o, s:o}", "series", series_json_for(ctx, &def), "from",
				 api_time(rp.from), "to", api_time(rp.to), "next_from",
				 p.next == INT64_MIN ? json_null() : api_time(p.next));
		head_text = head ? json_text_dumps(head, API_JSON_FLAGS) : NULL;
		json_decref(head);
		if (rc == CMN_OK && head_text) {
			struct buf out;

			/* {...head..., "points": [...]} without building a tree of points */
			buf_init(&out, 128 * 1024 * 1024);
			buf_append(&out, head_text, strlen(head_text) - 1);
			buf_puts(&out, ",\"points\":[");
			buf_append(&out, p.b.data ? p.b.data : "", p.b.len);
			rc = buf_puts(&out, "]}");
			if (rc == CMN_OK)
				api_json_text(ctx, 200, buf_steal(&out), out.len);
			buf_release(&out);
		} else if (rc == CMN_OK) {
			rc = CMN_ERR_NOMEM;
		}
		free(head_text);
		buf_release(&p.b);
	}
	series_def_release(&def);
	return rc;
}

/* json_points - {"points": [[t, v], ...]} with t as RFC 3339 or ms and v an
 * integer; *bad receives the JSON pointer of the first wrong item. */
static enum cmn_rc json_points(const json_t *body, const struct series_def *def,
			       struct series_point **out, size_t *n, char *bad, size_t badlen)
{
	const json_t *list = json_object_get(body, "points");
	size_t i;
	json_t *p;

	if (!json_is_object(body) || !json_is_array(list) || json_object_size(body) != 1) {
		str_copy(bad, badlen, "/points");
		return CMN_ERR_INVALID;
	}
	if (json_array_size(list) > SERIES_MAX_APPEND)
		return CMN_ERR_TOO_LARGE;
	*n = json_array_size(list);
	*out = malloc((*n ? *n : 1) * sizeof(**out));
	if (!*out)
		return CMN_ERR_NOMEM;
	json_array_foreach(list, i, p) {
		const json_t *t = json_array_get(p, 0), *v = json_array_get(p, 1);
		enum cmn_rc rc = CMN_ERR_INVALID;

		if (json_is_array(p) && json_array_size(p) == 2 && json_is_integer(v)) {
			(*out)[i].v = json_integer_value(v);
			if (json_is_integer(t)) {
				(*out)[i].t = json_integer_value(t);
				rc = CMN_OK;
			} else if (json_is_string(t)) {
				rc = parse_time(json_string_value(t), def, &(*out)[i].t);
			}
		}
		if (rc != CMN_OK) {
			snprintf(bad, badlen, "/points/%zu", i);
			return CMN_ERR_INVALID;
		}
	}
	return CMN_OK;
}

/* csv_points - "time,value" lines (',' or ';'; an optional header line);
 * *line and *col locate the first error. */
static enum cmn_rc csv_points(const char *body, size_t len, const struct series_def *def,
			      struct series_point **out, size_t *n, size_t *line, size_t *col)
{
	size_t cap = 1024, at = 0, ln = 0;
	const char *p = body, *end = body + len;

	*n = 0;
	*out = malloc(cap * sizeof(**out));
	if (!*out)
		return CMN_ERR_NOMEM;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* a UTF-8 byte-order mark */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(end - p);
		char text[128], *sep;
		int64_t v;

		ln++;
		if (l && p[l - 1] == '\r')
			l--;
		if (l == 0)
			goto next;
		*line = ln;
		*col = 1;
		if (l >= sizeof(text))
			return CMN_ERR_INVALID;
		memcpy(text, p, l);
		text[l] = '\0';
		sep = strpbrk(text, ",;");
		if (!sep) {
			*col = l + 1;
			return CMN_ERR_INVALID;
		}
		*sep = '\0';
		if (*n == cap) {
			struct series_point *grown;

			if (cap >= SERIES_MAX_APPEND)
				return CMN_ERR_TOO_LARGE;
			cap *= 2;
			grown = realloc(*out, cap * sizeof(**out));
			if (!grown)
				return CMN_ERR_NOMEM;
			*out = grown;
		}
		if (parse_time(text, def, &(*out)[*n].t) != CMN_OK) {
			if (ln == 1 && at == 0)
				goto next; /* a header line */
			return CMN_ERR_INVALID;
		}
		*col = (size_t)(sep - text) + 2;
		if (str_to_i64(sep + 1, INT64_MIN + 1, INT64_MAX, &v) != CMN_OK)
			return CMN_ERR_INVALID;
		(*out)[(*n)++].v = v;
		at++;
	next:
		p = eol ? eol + 1 : end;
	}
	return CMN_OK;
}

static bool is_csv(const char *ct)
{
	return ct && (strncasecmp(ct, "text/csv", 8) == 0 || strncasecmp(ct, "text/plain", 10) == 0);
}

/* answer_write - the counts of a committed write of points; printed
 * without jansson when its tree cannot be made */
static enum cmn_rc answer_write(struct api_ctx *ctx, const struct series_write *w)
{
	return api_done(ctx,
			api_json(ctx, 200,
				 json_pack("{s:I, s:I, s:I, s:I}", "added", (json_int_t)w->added,
					   "replaced", (json_int_t)w->replaced, "unchanged",
					   (json_int_t)w->unchanged, "removed",
					   (json_int_t)w->removed)),
			200, "{\"added\":%llu,\"replaced\":%llu,\"unchanged\":%llu,\"removed\":%llu}",
			(unsigned long long)w->added, (unsigned long long)w->replaced,
			(unsigned long long)w->unchanged, (unsigned long long)w->removed);
}

/* POST /api/v1/series/{id}/points - JSON {"points": [[t, v]...]} or CSV. */
static enum cmn_rc append(struct api_ctx *ctx)
{
	const char *ct = http_header(ctx->req, "Content-Type"), *why = NULL;
	struct series_point *pts = NULL;
	struct series_def def;
	struct series_write w;
	struct pstore *ps;
	size_t n = 0, line = 0, col = 0;
	char bad[64] = "";
	enum cmn_rc rc = the_series(ctx, &ps, &def);

	if (rc != CMN_OK)
		return rc;
	if (!ctx->req->body_len) {
		rc = api_problem(ctx, CMN_ERR_INVALID, "send points as JSON or CSV", NULL);
	} else if (!str_utf8_valid(ctx->req->body, ctx->req->body_len)) {
		rc = api_problem(ctx, CMN_ERR_INVALID, "the body is not valid UTF-8", NULL);
	} else if (is_csv(ct)) {
		rc = csv_points(ctx->req->body, ctx->req->body_len, &def, &pts, &n, &line, &col);
		if (rc == CMN_ERR_INVALID) {
			char detail[160];

			snprintf(detail, sizeof(detail), "line %zu, column %zu: expected TIME,VALUE "
				 "(RFC 3339 or ms, then an integer)", line, col);
			api_problem(ctx, rc, detail,
				    json_pack("{s:I, s:I}", "line", (json_int_t)line, "column",
					      (json_int_t)col));
		}
	} else if (ct && strncasecmp(ct, "application/json", 16) == 0) {
		struct json_parse_error je;
		json_t *body = api_body_json(ctx, &je);

		if (!body && je.rc == CMN_ERR_NOMEM) {
			rc = CMN_ERR_NOMEM;
		} else if (!body) {
			rc = api_problem(ctx, CMN_ERR_INVALID, "malformed JSON",
					 json_pack("{s:i, s:i}", "line", je.line, "column", je.column));
		} else {
			rc = json_points(body, &def, &pts, &n, bad, sizeof(bad));
			if (rc == CMN_ERR_INVALID)
				api_problem(ctx, rc, "points are [time, integer value] pairs",
					    json_pack("{s:[{s:s, s:s}]}", "errors", "pointer", bad,
						      "detail", "must be [RFC 3339 or ms, integer]"));
		}
		json_decref(body);
	} else {
		rc = api_problem(ctx, CMN_ERR_MEDIA_TYPE, "send application/json or text/csv", NULL);
	}
	if (rc == CMN_OK)
		rc = series_append(ps, &def, pts, n, ctx->actor, &w, &why);
	if (rc == CMN_ERR_INVALID && !ctx->res->body)
		api_problem(ctx, rc, why, NULL);
	if (rc == CMN_OK)
		rc = answer_write(ctx, &w);
	free(pts);
	series_def_release(&def);
	return rc;
}

/* DELETE /api/v1/series/{id}[?from=&to=] - a range of points, or (without
 * a range) the whole series. */
static enum cmn_rc erase(struct api_ctx *ctx)
{
	struct series_def def;
	struct read_params rp;
	struct series_write w;
	struct pstore *ps;
	enum cmn_rc rc = the_series(ctx, &ps, &def);

	if (rc != CMN_OK)
		return rc;
	if (!ctx->req->query || !*ctx->req->query) {
		rc = pstore_series_delete(ps, def.id, ctx->actor);
		if (rc == CMN_OK)
			api_empty(ctx, 204);
	} else {
		rc = parse_read(ctx, &def, &rp, true);
		if (rc == CMN_OK)
			rc = series_delete_range(ps, &def, rp.from, rp.to, ctx->actor, &w);
		if (rc == CMN_OK)
			rc = answer_write(ctx, &w);
	}
	series_def_release(&def);
	return rc;
}

#define SERIES_SCHEMA                                                                        \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"doctype\","     \
	"\"source\",\"key\",\"unit\",\"step_s\"],\"properties\":{\"doctype\":{\"type\":"     \
	"\"string\"},\"source\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":128},"    \
	"\"key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":128},\"unit\":{\"type\":" \
	"\"string\"},\"step_s\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":86400},"     \
	"\"phase_s\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":86399},\"tz\":{\"type\":" \
	"\"string\",\"maxLength\":64},\"meta\":{\"type\":\"object\"}}}"

const struct route api_series_routes[] = {
	{"GET", "/api/v1/series", list, AUTH_PERSON, NULL, "My time series", GRANT_ROUTE_SERIES},
	{"POST", "/api/v1/series", create, AUTH_PERSON, SERIES_SCHEMA, "Create a time series", GRANT_ROUTE_NONE},
	{"GET", "/api/v1/series/{id}", read, AUTH_PERSON, NULL, "Points or buckets of a series", GRANT_ROUTE_SERIES},
	{"DELETE", "/api/v1/series/{id}", erase, AUTH_PERSON, NULL, "Delete a range of points, or the series", GRANT_ROUTE_NONE},
	{"POST", "/api/v1/series/{id}/points", append, AUTH_PERSON, NULL, "Append points (JSON or CSV)", GRANT_ROUTE_NONE},
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};
