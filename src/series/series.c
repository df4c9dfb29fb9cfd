/*
 * series.c - the time-series service of series.h, over the chunk codec and
 * the chunk rows of the person's store.
 */
#include "series/series.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/schema.h"
#include "series/codec.h"

/* ---- zones ---------------------------------------------------------------- */

#define ZONE_CACHE 32

static struct {
	pthread_mutex_t lock;
	struct tz *zones[ZONE_CACHE];
	int n;
} zone_cache = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};

const struct tz *series_zone(const char *name)
{
	const struct tz *found = NULL;
	struct tz *z = NULL;

	if (strcmp(name, "UTC") == 0)
		return tz_utc();
	pthread_mutex_lock(&zone_cache.lock);
	for (int i = 0; i < zone_cache.n && !found; i++)
		if (strcmp(tz_name(zone_cache.zones[i]), name) == 0)
			found = zone_cache.zones[i];
	if (!found && zone_cache.n < ZONE_CACHE && tz_load(name, &z) == CMN_OK) {
		zone_cache.zones[zone_cache.n++] = z;
		found = z;
	}
	pthread_mutex_unlock(&zone_cache.lock);
	return found;
}

void series_zone_release(void)
{
	pthread_mutex_lock(&zone_cache.lock);
	for (int i = 0; i < zone_cache.n; i++)
		tz_free(&zone_cache.zones[i]);
	zone_cache.n = 0;
	pthread_mutex_unlock(&zone_cache.lock);
}

/* ---- creation ------------------------------------------------------------- */

static bool in_int_list(const json_t *list, int64_t v)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (json_is_integer(e) && json_integer_value(e) == v)
			return true;
	return false;
}

static bool in_str_list(const json_t *list, const char *v)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), v) == 0)
			return true;
	return false;
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && str_utf8_valid(s, n);
}

enum cmn_rc series_create(struct pstore *ps, const struct registry *reg, struct series_def *def,
			  const char *actor, const char **why)
{
	const struct doctype *d = registry_find(reg, def->doctype);
	const json_t *spec = d ? json_object_get(d->def, "series") : NULL;

	if (!d || strcmp(d->kind, "timeseries") != 0 || !spec) {
		*why = "the doctype must be a time-series doctype of the registry";
		return CMN_ERR_INVALID;
	}
	if (!in_str_list(json_object_get(spec, "units"), def->unit)) {
		*why = "this unit is not one of the doctype's";
		return CMN_ERR_INVALID;
	}
	if (def->step < 0 || def->step % 1000 != 0 ||
	    !in_int_list(json_object_get(spec, "steps_s"), def->step / 1000)) {
		*why = "this step is not one of the doctype's (steps_s; 0 is irregular)";
		return CMN_ERR_INVALID;
	}
	if (def->step && (def->phase < 0 || def->phase >= def->step || def->phase % 1000 != 0)) {
		*why = "the phase must be whole seconds from 0 to the step";
		return CMN_ERR_INVALID;
	}
	if (!def->step)
		def->phase = 0;
	if (!text_ok(def->key, SERIES_KEY_MAX) || !text_ok(def->source, SOURCE_MAX)) {
		*why = "source and key are 1 to 128 bytes of UTF-8";
		return CMN_ERR_INVALID;
	}
	if (!series_zone(def->tz)) {
		*why = "unknown time zone (an IANA name such as Europe/Paris)";
		return CMN_ERR_INVALID;
	}
	if (def->meta) {
		json_t *m = json_parse_str(def->meta);
		struct schema_errors *errs = malloc(sizeof(*errs));
		enum cmn_rc rc = CMN_ERR_NOMEM;

		if (errs && m)
			rc = schema_validate(d->schema, m, errs);
		json_decref(m);
		free(errs);
		if (rc != CMN_OK) {
			*why = "meta does not match the doctype's schema";
			return rc == CMN_ERR_NOMEM ? rc : CMN_ERR_INVALID;
		}
	}
	def->span = def->step ? def->step * SERIES_REGULAR_SLOTS : SERIES_IRREGULAR_SPAN;
	return pstore_series_add(ps, def, actor);
}

/* ---- chunks --------------------------------------------------------------- */

static int64_t chunk_start_of(const struct series_def *def, int64_t t)
{
	return def->phase + time_floor_div(t - def->phase, def->span) * def->span;
}

/* A decoded chunk: the present points only. */
struct run {
	int64_t *t, *v;
	size_t n, cap;
};

static void run_free(struct run *r)
{
	free(r->t);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static enum cmn_rc run_reserve(struct run *r, size_t cap)
{
	int64_t *t, *v;

	if (cap <= r->cap)
		return CMN_OK;
	t = realloc(r->t, cap * sizeof(*t));
	if (t)
		r->t = t;
	v = t ? realloc(r->v, cap * sizeof(*v)) : NULL;
	if (v)
		r->v = v;
	if (!t || !v)
		return CMN_ERR_NOMEM;
	r->cap = cap;
	return CMN_OK;
}

/* load_run - the present points of the chunk at start (none if absent). */
static enum cmn_rc load_run(struct pstore *ps, const struct series_def *def, int64_t start,
			    struct run *r)
{
	uint8_t *data = NULL;
	size_t len = 0, n = 0, k = 0;
	enum cmn_rc rc;

	r->n = 0;
	rc = pstore_chunk_get(ps, def->id, start, &data, &len);
	if (rc == CMN_ERR_NOT_FOUND)
		return CMN_OK;
	if (rc == CMN_OK)
		rc = run_reserve(r, CHUNK_MAX_POINTS);
	if (rc == CMN_OK)
		rc = chunk_decode(data, len, r->t, r->v, r->cap, &n);
	free(data);
	if (rc != CMN_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (r->v[i] == SERIES_GAP)
			continue;
		r->t[k] = r->t[i];
		r->v[k] = r->v[i];
		k++;
	}
	r->n = k;
	return CMN_OK;
}

struct pending {
	struct chunk_ref *refs;
	struct buf *bufs;
	size_t n, cap;
};

static void pending_free(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++)
		buf_release(&p->bufs[i]);
	free(p->refs);
	free(p->bufs);
	memset(p, 0, sizeof(*p));
}

/* pending_add - encodes r as the new content of the chunk at start (or its
 * deletion when r is empty). */
static enum cmn_rc pending_add(struct pending *p, const struct series_def *def, int64_t start,
			       const struct run *r)
{
	struct chunk_ref *ref;
	enum cmn_rc rc = CMN_OK;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct chunk_ref *refs = realloc(p->refs, cap * sizeof(*refs));
		struct buf *bufs = refs ? realloc(p->bufs, cap * sizeof(*bufs)) : NULL;

		if (refs)
			p->refs = refs;
		if (bufs)
			p->bufs = bufs;
		if (!refs || !bufs)
			return CMN_ERR_NOMEM;
		p->cap = cap;
	}
	ref = &p->refs[p->n];
	memset(ref, 0, sizeof(*ref));
	buf_init(&p->bufs[p->n], (size_t)CHUNK_MAX_POINTS * 20 + 4096);
	ref->start = start;
	if (r->n) {
		rc = chunk_encode(r->t, r->v, r->n, def->step, &p->bufs[p->n]);
		ref->data = (const uint8_t *)p->bufs[p->n].data;
		ref->len = p->bufs[p->n].len;
		ref->present = (uint32_t)r->n;
		ref->t_first = r->t[0];
		ref->t_last = r->t[r->n - 1];
	}
	p->n++;
	return rc;
}

/* sort_points - a stable sort by time (a file's first value for a time must
 * stay first); input that is already in order, the usual case, costs one
 * pass. */
static enum cmn_rc sort_points(struct series_point *pts, size_t n)
{
	struct series_point *tmp, *src = pts, *dst;
	size_t i;

	for (i = 1; i < n && pts[i - 1].t <= pts[i].t; i++)
		;
	if (i >= n)
		return CMN_OK;
	if (!(tmp = malloc(n * sizeof(*tmp))))
		return CMN_ERR_NOMEM;
	dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, k = lo;

			while (a < mid && b < hi)
				dst[k++] = src[b].t < src[a].t ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
		}
		struct series_point *swap = src;

		src = dst;
		dst = swap;
	}
	if (src != pts)
		memcpy(pts, src, n * sizeof(*pts));
	free(tmp);
	return CMN_OK;
}

/* merge - the stored run a with the new points b (sorted, unique) into out;
 * new values win, or with keep, stored ones. */
static enum cmn_rc merge(const struct run *a, const struct series_point *b, size_t nb,
			 struct run *out, struct series_write *res, bool keep)
{
	size_t i = 0, j = 0;
	enum cmn_rc rc = run_reserve(out, a->n + nb + 1);

	if (rc != CMN_OK || !out->t || !out->v || (a->n && (!a->t || !a->v)))
		return rc != CMN_OK ? rc : CMN_ERR_INTERNAL;
	out->n = 0;
	while (i < a->n || j < nb) {
		if (j == nb || (i < a->n && a->t[i] < b[j].t)) {
			out->t[out->n] = a->t[i];
			out->v[out->n++] = a->v[i++];
			continue;
		}
		if (i < a->n && a->t[i] == b[j].t) {
			if (a->v[i] == b[j].v) {
				res->unchanged++;
			} else if (keep) {
				res->kept++;
				out->t[out->n] = a->t[i];
				out->v[out->n++] = a->v[i++];
				j++;
				continue;
			} else {
				res->replaced++;
			}
			i++;
		} else {
			res->added++;
		}
		out->t[out->n] = b[j].t;
		out->v[out->n++] = b[j].v;
		j++;
	}
	return CMN_OK;
}

static char *write_detail(const struct series_write *w, int64_t from, int64_t to)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN], *out = malloc(256);

	if (!out)
		return NULL;
	time_format(a, from);
	time_format(b, to);
	snprintf(out, 256,
		 "{\"added\":%llu,\"replaced\":%llu,\"removed\":%llu,\"from\":\"%s\",\"to\":\"%s\"}",
		 (unsigned long long)w->added, (unsigned long long)w->replaced,
		 (unsigned long long)w->removed, a, b);
	return out;
}

static enum cmn_rc append(struct pstore *ps, const struct series_def *def,
			  struct series_point *pts, size_t n, const char *actor,
			  struct series_write *res, const char **why, bool keep)
{
	struct run old = {0}, merged = {0};
	struct pending pend = {0};
	size_t i = 0, u = 0;
	enum cmn_rc rc = CMN_OK;
	char *detail;

	memset(res, 0, sizeof(*res));
	if (n == 0)
		return CMN_OK;
	if (n > SERIES_MAX_APPEND) {
		*why = "too many points in one request";
		return CMN_ERR_TOO_LARGE;
	}
	if ((rc = sort_points(pts, n)) != CMN_OK)
		return rc;
	/* one value per time; values on the grid; the gap marker is reserved */
	for (i = 0; i < n; i++) {
		if (pts[i].v == SERIES_GAP) {
			*why = "a value is out of range";
			return CMN_ERR_INVALID;
		}
		if (def->step && time_floor_div(pts[i].t - def->phase, def->step) * def->step !=
					 pts[i].t - def->phase) {
			*why = "a time is not on the series' step";
			return CMN_ERR_INVALID;
		}
		if (u && pts[u - 1].t == pts[i].t) {
			if (pts[u - 1].v == pts[i].v) {
				res->unchanged++; /* a repeat within the request */
			} else if (keep) {
				res->kept++; /* the first one given stays */
			} else {
				*why = "the same time is given twice with different values";
				return CMN_ERR_INVALID;
			}
			continue;
		}
		pts[u++] = pts[i];
	}
	n = u;
	for (i = 0; i < n && rc == CMN_OK;) {
		int64_t start = chunk_start_of(def, pts[i].t);
		size_t j = i;

		while (j < n && chunk_start_of(def, pts[j].t) == start)
			j++;
		uint64_t replaced_before = res->replaced;

		rc = load_run(ps, def, start, &old);
		if (rc == CMN_OK)
			rc = merge(&old, pts + i, j - i, &merged, res, keep);
		if (rc == CMN_OK && merged.n > CHUNK_MAX_POINTS) {
			*why = "too many points in 6 hours for an irregular series";
			rc = CMN_ERR_INVALID;
		}
		/* a chunk with no new point and no replaced value is left as it is */
		if (rc == CMN_OK && (old.n != merged.n || res->replaced != replaced_before))
			rc = pending_add(&pend, def, start, &merged);
		i = j;
	}
	if (rc == CMN_OK && pend.n) {
		detail = write_detail(res, pts[0].t, pts[n - 1].t + 1);
		rc = detail ? pstore_chunks_write(ps, def->id, pend.refs, pend.n, actor,
						  res->replaced ? "series.overwrite" : "series.append",
						  detail)
			    : CMN_ERR_NOMEM;
		free(detail);
	}
	run_free(&old);
	run_free(&merged);
	pending_free(&pend);
	return rc;
}

enum cmn_rc series_append(struct pstore *ps, const struct series_def *def,
			  struct series_point *pts, size_t n, const char *actor,
			  struct series_write *res, const char **why)
{
	return append(ps, def, pts, n, actor, res, why, false);
}

enum cmn_rc series_append_keep(struct pstore *ps, const struct series_def *def,
			       struct series_point *pts, size_t n, const char *actor,
			       struct series_write *res, const char **why)
{
	return append(ps, def, pts, n, actor, res, why, true);
}

struct range_ctx {
	const struct series_def *def;
	int64_t *starts;
	size_t n, cap;
};

static enum cmn_rc collect_start(const struct chunk_ref *c, void *pv)
{
	struct range_ctx *r = pv;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		int64_t *s = realloc(r->starts, cap * sizeof(*s));

		if (!s)
			return CMN_ERR_NOMEM;
		r->starts = s;
		r->cap = cap;
	}
	r->starts[r->n++] = c->start;
	return CMN_OK;
}

enum cmn_rc series_delete_range(struct pstore *ps, const struct series_def *def, int64_t from,
				int64_t to, const char *actor, struct series_write *res)
{
	struct range_ctx rc_ = {def, NULL, 0, 0};
	struct run r = {0};
	struct pending pend = {0};
	enum cmn_rc rc;
	char *detail;

	memset(res, 0, sizeof(*res));
	if (from >= to)
		return CMN_OK;
	rc = pstore_chunks_each(ps, def, from, to, collect_start, &rc_);
	for (size_t i = 0; i < rc_.n && rc == CMN_OK; i++) {
		size_t k = 0;

		rc = load_run(ps, def, rc_.starts[i], &r);
		for (size_t j = 0; j < r.n && rc == CMN_OK; j++) {
			if (r.t[j] >= from && r.t[j] < to) {
				res->removed++;
				continue;
			}
			r.t[k] = r.t[j];
			r.v[k++] = r.v[j];
		}
		if (rc == CMN_OK && k != r.n) {
			r.n = k;
			rc = pending_add(&pend, def, rc_.starts[i], &r);
		}
	}
	if (rc == CMN_OK && pend.n) {
		detail = write_detail(res, from, to);
		rc = detail ? pstore_chunks_write(ps, def->id, pend.refs, pend.n, actor,
						  "series.delete_range", detail)
			    : CMN_ERR_NOMEM;
		free(detail);
	}
	free(rc_.starts);
	run_free(&r);
	pending_free(&pend);
	return rc;
}

/* ---- reading -------------------------------------------------------------- */

/*
 * Reading decodes one chunk at a time into a buffer of CHUNK_MAX_POINTS
 * slots (1 MiB), then walks it: memory stays bounded whatever the range, and
 * the decoder runs its fast block loop instead of one call per point.
 */
struct scan_buf {
	int64_t *t, *v;
};

static enum cmn_rc scan_buf_init(struct scan_buf *b)
{
	b->t = malloc(CHUNK_MAX_POINTS * sizeof(*b->t));
	b->v = malloc(CHUNK_MAX_POINTS * sizeof(*b->v));
	if (b->t && b->v)
		return CMN_OK;
	free(b->t);
	free(b->v);
	return CMN_ERR_NOMEM;
}

static void scan_buf_free(struct scan_buf *b)
{
	free(b->t);
	free(b->v);
}

struct scan_ctx {
	struct scan_buf buf;
	int64_t from, to;
	enum cmn_rc (*fn)(int64_t t, int64_t v, void *ctx);
	void *ctx;
};

static enum cmn_rc scan_chunk(const struct chunk_ref *c, void *pv)
{
	struct scan_ctx *s = pv;
	size_t n = 0;
	enum cmn_rc rc = chunk_decode(c->data, c->len, s->buf.t, s->buf.v, CHUNK_MAX_POINTS, &n);

	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		if (s->buf.t[i] >= s->to)
			break;
		if (s->buf.v[i] != SERIES_GAP && s->buf.t[i] >= s->from)
			rc = s->fn(s->buf.t[i], s->buf.v[i], s->ctx);
	}
	return rc;
}

enum cmn_rc series_scan(struct pstore *ps, const struct series_def *def, int64_t from, int64_t to,
			enum cmn_rc (*fn)(int64_t t, int64_t v, void *ctx), void *ctx)
{
	struct scan_ctx s = {{NULL, NULL}, from, to, fn, ctx};
	enum cmn_rc rc;

	if (from >= to)
		return CMN_OK;
	if ((rc = scan_buf_init(&s.buf)) != CMN_OK)
		return rc;
	rc = pstore_chunks_each(ps, def, from, to, scan_chunk, &s);
	scan_buf_free(&s.buf);
	return rc;
}

struct block_ctx {
	struct scan_buf buf;              /* a scratch's, or the scan's own */
	int64_t from, to;
	enum cmn_rc (*fn)(const int64_t *t, const int64_t *v, size_t n, void *ctx);
	void *ctx;
};

static enum cmn_rc block_chunk(const struct chunk_ref *c, void *pv)
{
	struct block_ctx *s = pv;
	size_t n = 0, k = 0;
	enum cmn_rc rc = chunk_decode(c->data, c->len, s->buf.t, s->buf.v, CHUNK_MAX_POINTS, &n);

	if (rc != CMN_OK)
		return rc;
	/* keep the present points in range, in place */
	for (size_t i = 0; i < n && s->buf.t[i] < s->to; i++)
		if (s->buf.v[i] != SERIES_GAP && s->buf.t[i] >= s->from) {
			s->buf.t[k] = s->buf.t[i];
			s->buf.v[k++] = s->buf.v[i];
		}
	return k ? s->fn(s->buf.t, s->buf.v, k, s->ctx) : CMN_OK;
}

void series_scratch_release(struct series_scratch *s)
{
	free(s->t);
	free(s->v);
	s->t = s->v = NULL;
}

enum cmn_rc series_scan_blocks(struct pstore *ps, const struct series_def *def, int64_t from,
			       int64_t to, struct series_scratch *scratch,
			       enum cmn_rc (*fn)(const int64_t *t, const int64_t *v, size_t n,
						 void *ctx),
			       void *ctx)
{
	struct block_ctx s = {{NULL, NULL}, from, to, fn, ctx};
	enum cmn_rc rc;

	if (from >= to)
		return CMN_OK;
	/* a scratch kept from scan to scan spares a 2 MiB allocation each
	 * time, which the allocator would give back to the system (madvise)
	 * and fault in again on the next one */
	if (scratch && scratch->t) {
		s.buf = (struct scan_buf){scratch->t, scratch->v};
	} else {
		if ((rc = scan_buf_init(&s.buf)) != CMN_OK)
			return rc;
		if (scratch) {
			scratch->t = s.buf.t;
			scratch->v = s.buf.v;
		}
	}
	rc = pstore_chunks_each(ps, def, from, to, block_chunk, &s);
	if (!scratch)
		scan_buf_free(&s.buf);
	return rc;
}

enum cmn_rc bucket_parse(const char *s, struct bucket_spec *out)
{
	int64_t n;
	size_t len = strlen(s);
	char num[16];

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "day") == 0) {
		out->unit = BUCKET_DAY;
		return CMN_OK;
	}
	if (strcmp(s, "week") == 0) {
		out->unit = BUCKET_WEEK;
		return CMN_OK;
	}
	if (strcmp(s, "month") == 0) {
		out->unit = BUCKET_MONTH;
		return CMN_OK;
	}
	if (strcmp(s, "year") == 0) {
		out->unit = BUCKET_YEAR;
		return CMN_OK;
	}
	out->unit = BUCKET_FIXED;
	if (strcmp(s, "hour") == 0) {
		out->size = 3600000;
		return CMN_OK;
	}
	if (len > 3 && len < 8 && strcmp(s + len - 3, "min") == 0) {
		memcpy(num, s, len - 3);
		num[len - 3] = '\0';
		if (str_to_i64(num, 1, 1440, &n) != CMN_OK)
			return CMN_ERR_INVALID;
		out->size = n * 60000;
		return CMN_OK;
	}
	if (len > 1 && len < 5 && s[len - 1] == 'h') {
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (str_to_i64(num, 1, 24, &n) != CMN_OK)
			return CMN_ERR_INVALID;
		out->size = n * 3600000;
		return CMN_OK;
	}
	return CMN_ERR_INVALID;
}

/* bucket_of - the bucket [start, end) holding t. */
static void bucket_of(const struct bucket_spec *spec, const struct tz *z, int64_t t,
		      int64_t *start, int64_t *end)
{
	int64_t day, y, d0, d1;
	int m, d;

	if (spec->unit == BUCKET_FIXED) {
		*start = time_floor_div(t, spec->size) * spec->size;
		*end = *start + spec->size;
		return;
	}
	day = tz_local_day(z, t, NULL);
	switch (spec->unit) {
	case BUCKET_WEEK:
		/* 1970-01-01 was a Thursday: Monday is day 4 of that week */
		d0 = day - (day + 3 - time_floor_div(day + 3, 7) * 7);
		d1 = d0 + 7;
		break;
	case BUCKET_MONTH:
		time_civil_from_days(day, &y, &m, &d);
		d0 = time_days_from_civil(y, m, 1);
		d1 = m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1);
		break;
	case BUCKET_YEAR:
		time_civil_from_days(day, &y, &m, &d);
		d0 = time_days_from_civil(y, 1, 1);
		d1 = time_days_from_civil(y + 1, 1, 1);
		break;
	default:
		d0 = day;
		d1 = day + 1;
		break;
	}
	*start = tz_from_local(z, d0, 0);
	*end = tz_from_local(z, d1, 0);
}

struct agg_ctx {
	struct scan_buf buf;
	const struct bucket_spec *spec;
	const struct tz *z;
	int64_t from, to;
	struct bucket cur;
	__int128 sum;                     /* exact; clamped when the bucket is given */
	bool open;
	enum cmn_rc (*fn)(const struct bucket *b, void *ctx);
	void *ctx;
};

static enum cmn_rc agg_close(struct agg_ctx *a)
{
	a->cur.sum = a->sum > INT64_MAX ? INT64_MAX : a->sum < INT64_MIN ? INT64_MIN
									 : (int64_t)a->sum;
	a->open = false;
	return a->fn(&a->cur, a->ctx);
}

static enum cmn_rc agg_chunk(const struct chunk_ref *c, void *pv)
{
	struct agg_ctx *a = pv;
	size_t n = 0, i = 0;
	enum cmn_rc rc = chunk_decode(c->data, c->len, a->buf.t, a->buf.v, CHUNK_MAX_POINTS, &n);
	const int64_t *t = a->buf.t, *v = a->buf.v;

	while (rc == CMN_OK && i < n) {
		int64_t end;

		if (t[i] >= a->to)
			break;
		if (v[i] == SERIES_GAP || t[i] < a->from) {
			i++;
			continue;
		}
		if (!a->open || t[i] >= a->cur.end || t[i] < a->cur.start) {
			if (a->open && (rc = agg_close(a)) != CMN_OK)
				break;
			memset(&a->cur, 0, sizeof(a->cur));
			bucket_of(a->spec, a->z, t[i], &a->cur.start, &a->cur.end);
			a->cur.min = INT64_MAX;
			a->cur.max = INT64_MIN;
			a->sum = 0;
			a->open = true;
		}
		/* the points of this chunk inside the current bucket, in one loop */
		end = a->cur.end < a->to ? a->cur.end : a->to;
		for (; i < n && t[i] < end; i++) {
			if (v[i] == SERIES_GAP)
				continue;
			a->sum += v[i];
			a->cur.count++;
			if (v[i] < a->cur.min)
				a->cur.min = v[i];
			if (v[i] > a->cur.max)
				a->cur.max = v[i];
		}
	}
	return rc;
}

enum cmn_rc series_aggregate(struct pstore *ps, const struct series_def *def, int64_t from,
			     int64_t to, const struct bucket_spec *spec,
			     enum cmn_rc (*fn)(const struct bucket *b, void *ctx), void *ctx)
{
	struct agg_ctx a = {{NULL, NULL}, spec, series_zone(def->tz), from, to, {0}, 0, false, fn, ctx};
	enum cmn_rc rc;

	if (!a.z)
		return CMN_ERR_INVALID;
	if (from >= to)
		return CMN_OK;
	if ((rc = scan_buf_init(&a.buf)) != CMN_OK)
		return rc;
	rc = pstore_chunks_each(ps, def, from, to, agg_chunk, &a);
	if (rc == CMN_OK && a.open)
		rc = agg_close(&a);
	scan_buf_free(&a.buf);
	return rc;
}
