/*
 * run.c - the release of a campaign: who takes part (their grant still
 * allows it, their budget is not spent), their contributions read from their
 * stores on a few threads, each bounded (clipped, at most max_cells cells)
 * and added to the table; then cells under k suppressed, the register of
 * releases consulted, noise drawn for every published figure, the table
 * written as JSON and CSV and kept with the budgets charged, in one
 * transaction.
 */
#include "campaign/campaign.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "consent/consent.h"
#include "consent/grant.h"
#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"

/* ---- the noise plan ------------------------------------------------------------ */

static uint64_t max_abs(int64_t lo, int64_t hi)
{
	uint64_t a = lo < 0 ? (uint64_t)0 - (uint64_t)lo : (uint64_t)lo;
	uint64_t b = hi < 0 ? (uint64_t)0 - (uint64_t)hi : (uint64_t)hi;

	return a > b ? a : b;
}

enum cmn_rc campaign_plan_make(const struct campaign_spec *spec, struct campaign_plan *p,
			       char *err, size_t errn)
{
	const struct campaign_privacy *pv = &spec->privacy;
	bool gaussian = pv->mechanism == CAMPAIGN_MECH_GAUSSIAN;
	bool count = false;
	enum cmn_rc rc;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < spec->nmeasures; i++)
		if (spec->measures[i].kind == CAMPAIGN_MEASURE_COUNT ||
		    spec->measures[i].kind == CAMPAIGN_MEASURE_MEAN)
			count = true;
	if (count) {
		size_t m = 0;

		while (spec->measures[m].kind != CAMPAIGN_MEASURE_COUNT &&
		       spec->measures[m].kind != CAMPAIGN_MEASURE_MEAN)
			m++;
		p->q[p->nqueries++] = (struct campaign_query){.kind = CAMPAIGN_Q_COUNT, .measure = m,
							      .l1 = pv->max_cells,
							      .l2_sq = pv->max_cells};
	}
	for (size_t i = 0; i < spec->nmeasures; i++) {
		const struct campaign_measure *m = &spec->measures[i];
		struct campaign_query q = {.measure = i};

		if (m->kind == CAMPAIGN_MEASURE_SUM || m->kind == CAMPAIGN_MEASURE_MEAN) {
			q.kind = CAMPAIGN_Q_SUM;
			if (max_abs(m->lo, m->hi) == 0) {
				snprintf(err, errn, "/measures/%zu/clip: a clip of [0, 0] sums nothing",
					 i);
				return CMN_ERR_INVALID;
			}
			rc = dp_sensitivity_l1(pv->max_cells, m->lo, m->hi, &q.l1);
			if (rc == CMN_OK)
				rc = dp_sensitivity_l2_sq(pv->max_cells, m->lo, m->hi, &q.l2_sq);
		} else if (m->kind == CAMPAIGN_MEASURE_HISTOGRAM) {
			q.kind = CAMPAIGN_Q_HISTOGRAM;
			q.l1 = q.l2_sq = pv->max_cells;
			rc = CMN_OK;
		} else {
			continue;
		}
		if (rc != CMN_OK) {
			snprintf(err, errn, "/measures/%zu: its sensitivity overflows", i);
			return CMN_ERR_INVALID;
		}
		p->q[p->nqueries++] = q;
	}
	/* the release's epsilon and delta, split evenly (basic composition) */
	for (size_t i = 0; i < p->nqueries; i++) {
		struct campaign_query *q = &p->q[i];

		q->eps = dp_ratio_reduce((struct dp_ratio){pv->epsilon.num,
							   pv->epsilon.den * p->nqueries});
		q->delta = gaussian ? dp_ratio_reduce((struct dp_ratio){
					  pv->delta.num, pv->delta.den * p->nqueries})
				    : (struct dp_ratio){0, 1};
		if (gaussian) {
			rc = dp_gaussian_sigma2(q->l2_sq, q->eps, q->delta, &q->s2);
			q->sd = sqrt((double)q->s2.num / (double)q->s2.den);
		} else {
			/* a draw checks the scale's range */
			struct dp_rng r;
			uint8_t seed[32] = {0};
			int64_t v = 0;

			dp_rng_chacha20(&r, seed);
			rc = dp_laplace_add(&r, q->l1, q->eps, &v);
			dp_rng_release(&r);
			q->sd = sqrt(2.0) * (double)q->l1 * (double)q->eps.den / (double)q->eps.num;
		}
		if (rc != CMN_OK) {
			snprintf(err, errn,
				 "/privacy: the noise of measure %zu is beyond what commune can draw;"
				 " raise epsilon, narrow the clip or lower max_cells_per_person",
				 q->measure);
			return CMN_ERR_INVALID;
		}
	}
	return dp_cost_of(pv->epsilon, gaussian ? pv->delta : (struct dp_ratio){0, 1}, &p->cost);
}

/* ---- the table ------------------------------------------------------------------- */

struct table {
	size_t ncells;
	uint64_t *contributors;             /* per cell */
	int64_t *sum[CAMPAIGN_MEASURES_MAX]; /* per measure with a sum, per cell */
	uint64_t *hist[CAMPAIGN_MEASURES_MAX]; /* per histogram measure, cell * bins */
};

static void table_release(struct table *t)
{
	free(t->contributors);
	for (size_t i = 0; i < CAMPAIGN_MEASURES_MAX; i++) {
		free(t->sum[i]);
		free(t->hist[i]);
	}
	memset(t, 0, sizeof(*t));
}

static enum cmn_rc table_init(struct table *t, const struct campaign_spec *spec, size_t ncells)
{
	memset(t, 0, sizeof(*t));
	t->ncells = ncells;
	if (!(t->contributors = calloc(ncells, sizeof(uint64_t))))
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < spec->nmeasures; i++) {
		const struct campaign_measure *m = &spec->measures[i];

		if ((m->kind == CAMPAIGN_MEASURE_SUM || m->kind == CAMPAIGN_MEASURE_MEAN) &&
		    !(t->sum[i] = calloc(ncells, sizeof(int64_t))))
			return CMN_ERR_NOMEM;
		if (m->kind == CAMPAIGN_MEASURE_HISTOGRAM &&
		    !(t->hist[i] = calloc(ncells * (m->nbins - 1), sizeof(uint64_t))))
			return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

/* bin_of - the bin of v: values below the first edge count in the first
 * bin, values at or above the last in the last one (they are clipped) */
static size_t bin_of(const struct campaign_measure *m, int64_t v)
{
	size_t lo = 0, hi = m->nbins - 1; /* bins [0, nbins - 1) */

	if (v < m->bins[0])
		return 0;
	if (v >= m->bins[m->nbins - 1])
		return m->nbins - 2;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (v >= m->bins[mid])
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void table_add(struct table *t, const struct campaign_spec *spec,
		      const struct campaign_cell *cells, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t c = cells[k].cell;

		t->contributors[c]++;
		for (size_t i = 0; i < spec->nmeasures; i++) {
			const struct campaign_measure *m = &spec->measures[i];

			if (t->sum[i])
				t->sum[i][c] += dp_clip(cells[k].mean, m->lo, m->hi);
			if (t->hist[i])
				t->hist[i][c * (m->nbins - 1) + bin_of(m, cells[k].mean)]++;
		}
	}
}

static void table_merge(struct table *into, const struct table *t,
			const struct campaign_spec *spec)
{
	for (size_t c = 0; c < t->ncells; c++)
		into->contributors[c] += t->contributors[c];
	for (size_t i = 0; i < spec->nmeasures; i++) {
		if (t->sum[i])
			for (size_t c = 0; c < t->ncells; c++)
				into->sum[i][c] += t->sum[i][c];
		if (t->hist[i])
			for (size_t c = 0; c < t->ncells * (spec->measures[i].nbins - 1); c++)
				into->hist[i][c] += t->hist[i][c];
	}
}

/* ---- reading the participants' stores ------------------------------------------ */

struct reader {
	uint8_t key[32];                    /* the run's key: each person's cap draws from
					     * ChaCha20 keyed by BLAKE2b(key, person) */
	struct store *s;
	const struct campaign_spec *spec;
	const struct campaign_domain *d;
	const struct campaign_part *page;   /* the page of participants being read */
	const bool *admitted;               /* per participant of the page */
	size_t n;                           /* participants in the page */
	size_t next;                        /* the next one to read */
	size_t decided;                     /* those whose admission is known */
	bool last;                          /* the page is the last one */
	pthread_mutex_t lock;
	pthread_cond_t more;                /* decided grew, a page came, or rc is set */
	pthread_cond_t taken;               /* the page is all taken (next == n) */
	enum cmn_rc rc;
	char err[160];
};

/* what a reader made of those it read */
struct worker {
	struct reader *r;
	pthread_t th;
	struct table t;
	size_t counted, no_profile, no_data;
	char (*persons)[CRYPT_ID_LEN];      /* the counted ones (malloc'd) */
	size_t cap;
};

/* keep_cells - at most max of the n cells, chosen uniformly (partial
 * Fisher-Yates), then back in cell order */
static enum cmn_rc keep_cells(struct dp_rng *rng, struct campaign_cell *cells, size_t n, size_t max,
			      size_t *kept)
{
	*kept = n;
	if (n <= max)
		return CMN_OK;
	for (size_t i = 0; i < max; i++) {
		uint64_t j;
		struct campaign_cell tmp;
		enum cmn_rc rc = dp_uniform(rng, n - i, &j);

		if (rc != CMN_OK)
			return rc;
		tmp = cells[i];
		cells[i] = cells[i + j];
		cells[i + j] = tmp;
	}
	*kept = max;
	return CMN_OK;
}

/* reader_fail - the run stops on rc (the first failure is kept) */
static void reader_fail(struct reader *r, enum cmn_rc rc, const char *what)
{
	pthread_mutex_lock(&r->lock);
	if (r->rc == CMN_OK) {
		r->rc = rc;
		snprintf(r->err, sizeof(r->err), "%s: %s", what, cmn_strerror(rc));
	}
	pthread_cond_broadcast(&r->more);
	pthread_cond_broadcast(&r->taken);
	pthread_mutex_unlock(&r->lock);
}

/* worker_count - person_id is counted by w */
static enum cmn_rc worker_count(struct worker *w, const char *person_id)
{
	if (w->counted == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		char(*np)[CRYPT_ID_LEN] = realloc(w->persons, ncap * CRYPT_ID_LEN);

		if (!np)
			return CMN_ERR_NOMEM;
		w->persons = np;
		w->cap = ncap;
	}
	str_copy(w->persons[w->counted++], CRYPT_ID_LEN, person_id);
	return CMN_OK;
}

static void *read_stores(void *arg)
{
	struct worker *w = arg;
	struct reader *r = w->r;
	struct campaign_contrib c = {0};
	struct dp_rng rng;

	memset(&rng, 0, sizeof(rng));
	for (;;) {
		char person_id[CRYPT_ID_LEN];
		bool admitted;
		size_t kept;
		enum cmn_rc rc;

		/* the participant is copied out: the page may be replaced as
		 * soon as all of it is taken */
		pthread_mutex_lock(&r->lock);
		while (r->rc == CMN_OK && r->next >= r->decided && !(r->last && r->next >= r->n))
			pthread_cond_wait(&r->more, &r->lock);
		if (r->rc != CMN_OK || r->next >= r->n) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		admitted = r->admitted[r->next];
		str_copy(person_id, sizeof(person_id), r->page[r->next].person_id);
		if (++r->next == r->n)
			pthread_cond_broadcast(&r->taken);
		pthread_mutex_unlock(&r->lock);
		if (!admitted)
			continue;
		rc = campaign_contribution(r->s, r->spec, r->d, person_id, &c);
		if (rc == CMN_OK && c.skip == CAMPAIGN_SKIP_NONE &&
		    c.ncells > r->spec->privacy.max_cells) {
			uint8_t seed[32];

			crypto_generichash(seed, sizeof(seed), (const unsigned char *)person_id,
					   strlen(person_id), r->key, sizeof(r->key));
			dp_rng_chacha20(&rng, seed);
			sodium_memzero(seed, sizeof(seed));
			rc = keep_cells(&rng, c.cells, c.ncells, r->spec->privacy.max_cells, &kept);
		} else {
			kept = c.ncells;
		}
		if (rc == CMN_OK && c.skip == CAMPAIGN_SKIP_NONE)
			rc = worker_count(w, person_id);
		if (rc != CMN_OK) {
			reader_fail(r, rc, "reading the store of a participant");
			break;
		}
		if (c.skip != CAMPAIGN_SKIP_NONE) {
			w->no_profile += c.skip == CAMPAIGN_SKIP_NO_PROFILE;
			w->no_data += c.skip != CAMPAIGN_SKIP_NO_PROFILE;
			continue;
		}
		table_add(&w->t, r->spec, c.cells, kept);
	}
	campaign_contrib_release(&c);
	dp_rng_release(&rng);
	store_thread_done();
	return NULL;
}

/* ---- the register ---------------------------------------------------------------- */

static void person_hash(const char *person_id, uint8_t out[DP_ID_LEN])
{
	static const char tag[] = "commune.campaign.person.v1";
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, DP_ID_LEN);
	crypto_generichash_update(&h, (const unsigned char *)tag, sizeof(tag));
	crypto_generichash_update(&h, (const unsigned char *)person_id, strlen(person_id));
	crypto_generichash_final(&h, out, DP_ID_LEN);
}

static int person_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DP_ID_LEN);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* base_cells - the keys of the base cells a release covers: the source,
 * each month its period meets, and each district (every district and "no
 * district" when the table is not by district). Two releases that share a
 * key may be subtracted from each other; the finer dimensions (hour,
 * weekday, mode, size band, heating) are left out of the key, which makes
 * the register refuse more, never less. */
static enum cmn_rc base_cells(const struct campaign_spec *spec, const struct campaign_domain *d,
			      uint64_t **out, size_t *n)
{
	bool by_district = false;
	size_t ndist, nmonths = 0, len = 0;
	int64_t y0, y1;
	int m0, m1, dd;
	uint64_t *v;

	for (size_t i = 0; i < d->ndims; i++)
		if (d->dims[i] == CAMPAIGN_DIM_DISTRICT)
			by_district = true;
	ndist = d->ndistricts + (by_district ? 0 : 1);
	time_civil_from_days(time_floor_div(spec->from, 86400000), &y0, &m0, &dd);
	time_civil_from_days(time_floor_div(spec->to - 1, 86400000), &y1, &m1, &dd);
	nmonths = (size_t)((y1 - y0) * 12 + (m1 - m0) + 1);
	if (!(v = malloc(nmonths * ndist * sizeof(*v))))
		return CMN_ERR_NOMEM;
	for (size_t k = 0; k < nmonths; k++) {
		int64_t y = y0 + (int64_t)((size_t)(m0 - 1) + k) / 12;
		int m = (int)(((size_t)(m0 - 1) + k) % 12) + 1;

		for (size_t j = 0; j < ndist; j++) {
			char text[256];
			uint8_t h[8];
			uint64_t key = 0;

			snprintf(text, sizeof(text), "%s|%s|%s|%04" PRId64 "-%02d|%s",
				 spec->source == CAMPAIGN_SOURCE_SERIES ? "series" : "records",
				 spec->doctype, spec->value, y, m,
				 j < d->ndistricts ? d->districts[j].code : "");
			crypto_generichash(h, sizeof(h), (const unsigned char *)text, strlen(text),
					   NULL, 0);
			for (int b = 0; b < 8; b++)
				key |= (uint64_t)h[b] << (8 * b);
			v[len++] = key;
		}
	}
	qsort(v, len, sizeof(*v), u64_cmp);
	/* keys are distinct unless two hashes collide, which only widens the
	 * overlap; a strictly ascending list is what the register wants */
	{
		size_t w = 0;

		for (size_t i = 0; i < len; i++)
			if (w == 0 || v[w - 1] != v[i])
				v[w++] = v[i];
		len = w;
	}
	*out = v;
	*n = len;
	return CMN_OK;
}

/* the earlier releases, copied out of the store for dp_register_check */
struct earlier {
	struct dp_release *v;
	uint64_t *k;                        /* the k of each */
	char (*ids)[CRYPT_ID_LEN];
	size_t n, cap;
};

static enum cmn_rc earlier_add(const struct campaign_release_row *r, void *ctx)
{
	struct earlier *e = ctx;
	struct dp_release *rel;
	uint8_t(*ids)[DP_ID_LEN] = NULL;
	uint64_t *cells;

	if (e->n == e->cap) {
		size_t ncap = e->cap ? 2 * e->cap : 16;
		struct dp_release *nv = realloc(e->v, ncap * sizeof(*nv));
		char(*ni)[CRYPT_ID_LEN];
		uint64_t *nk;

		if (!nv)
			return CMN_ERR_NOMEM;
		e->v = nv;
		ni = realloc(e->ids, ncap * sizeof(*ni));
		if (!ni)
			return CMN_ERR_NOMEM;
		e->ids = ni;
		nk = realloc(e->k, ncap * sizeof(*nk));
		if (!nk)
			return CMN_ERR_NOMEM;
		e->k = nk;
		e->cap = ncap;
	}
	cells = malloc(r->ncells ? r->ncells * sizeof(*cells) : 1);
	if (!cells)
		return CMN_ERR_NOMEM;
	memcpy(cells, r->cells, r->ncells * sizeof(*cells));
	if (r->ids) {
		if (!(ids = malloc(r->count ? r->count * DP_ID_LEN : 1))) {
			free(cells);
			return CMN_ERR_NOMEM;
		}
		memcpy(ids, r->ids, r->count * DP_ID_LEN);
	}
	rel = &e->v[e->n];
	memset(rel, 0, sizeof(*rel));
	rel->pop.count = r->count;
	rel->pop.ids = (const uint8_t(*)[DP_ID_LEN])ids;
	memcpy(rel->pop.digest, r->digest, DP_ID_LEN);
	rel->cells = cells;
	rel->ncells = r->ncells;
	str_copy(e->ids[e->n], CRYPT_ID_LEN, r->campaign_id);
	e->k[e->n] = r->k;
	e->n++;
	return CMN_OK;
}

static void earlier_release(struct earlier *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free((void *)e->v[i].pop.ids);
		free((void *)e->v[i].cells);
	}
	free(e->v);
	free(e->k);
	free(e->ids);
	memset(e, 0, sizeof(*e));
}

/* ---- noise and output ------------------------------------------------------------ */

static enum cmn_rc noisy(struct dp_rng *rng, const struct campaign_spec *spec,
			 const struct campaign_query *q, int64_t *v)
{
	if (spec->privacy.mechanism == CAMPAIGN_MECH_GAUSSIAN)
		return dp_gaussian_add(rng, q->s2, v);
	return dp_laplace_add(rng, q->l1, q->eps, v);
}

/* the published figures of a cell */
struct figures {
	int64_t count;                      /* noisy contributors (count query) */
	int64_t sum[CAMPAIGN_MEASURES_MAX];
	int64_t *hist[CAMPAIGN_MEASURES_MAX];
};

/* mean_json - noisy sum / noisy count with two decimals, brought into the
 * clip [lo, hi] (no true mean is outside it), or null when the noisy count
 * is not positive */
static json_t *mean_json(int64_t sum, int64_t count, int64_t lo, int64_t hi, char *buf, size_t n)
{
	__int128 q, r, s = sum;
	bool neg;

	if (count <= 0)
		return json_null();
	if (s < (__int128)lo * count)
		s = (__int128)lo * count;
	if (s > (__int128)hi * count)
		s = (__int128)hi * count;
	neg = s < 0;
	q = ((neg ? -s : s) * 100 + count / 2) / count;
	r = q % 100;
	q /= 100;
	snprintf(buf, n, "%s%" PRId64 ".%02d", neg && (q || r) ? "-" : "", (int64_t)q, (int)r);
	return json_string(buf);
}

static const char *rational(struct dp_ratio r, char *buf, size_t n)
{
	if (dp_ratio_format(r, buf, n) != CMN_OK)
		str_copy(buf, n, "?");
	return buf;
}

/*
 * The release is what the store keeps and the campaign publishes, as JSON
 * and CSV: a figure, a cell, a privacy term or a column left out (out of
 * memory, or the CSV's cap) would be a table that looks whole and says
 * something else, the CSV's columns shifted after the hole. The builders
 * below fail whole instead: the JSON ones return NULL (json_put and
 * json_push; json_pack fails on a NULL "o"), the CSV ones keep the first
 * failure, and the run then keeps nothing.
 */

static json_t *methodology(const struct campaign_spec *spec, const struct campaign_plan *p,
			   const struct campaign_run_stats *st, int64_t now)
{
	json_t *m = json_object(), *queries = json_array();
	char a[DP_RATIO_TEXT_MAX], b[DP_RATIO_TEXT_MAX], when[TIME_RFC3339_LEN];
	/* the number of participants is rounded to 10 (down under 10 is 0) */
	uint64_t rounded = (st->counted + 5) / 10 * 10;

	time_format(when, now);
	json_put(&m, "k", json_integer((json_int_t)spec->privacy.k));
	json_put(&m, "mechanism", json_string(campaign_mechanism_name(spec->privacy.mechanism)));
	json_put(&m, "epsilon", json_string(rational(spec->privacy.epsilon, a, sizeof(a))));
	if (spec->privacy.mechanism == CAMPAIGN_MECH_GAUSSIAN)
		json_put(&m, "delta", json_string(rational(spec->privacy.delta, b, sizeof(b))));
	json_put(&m, "max_cells_per_person", json_integer((json_int_t)spec->privacy.max_cells));
	json_put(&m, "participants_rounded", json_integer((json_int_t)rounded));
	json_put(&m, "computed", json_string(when));
	json_put(&m, "cells", json_integer((json_int_t)st->cells));
	json_put(&m, "cells_suppressed",
		 json_integer((json_int_t)st->primary + (json_int_t)st->secondary));
	for (size_t i = 0; queries && i < p->nqueries; i++) {
		const struct campaign_query *q = &p->q[i];
		static const char *const kinds[] = {"count", "sum", "histogram"};
		json_t *o = json_object();
		char sd[32];

		json_put(&o, "of", json_string(kinds[q->kind]));
		if (q->kind != CAMPAIGN_Q_COUNT)
			json_put(&o, "measure", json_integer((json_int_t)q->measure));
		json_put(&o, "epsilon", json_string(rational(q->eps, a, sizeof(a))));
		if (spec->privacy.mechanism == CAMPAIGN_MECH_GAUSSIAN) {
			json_put(&o, "delta", json_string(rational(q->delta, a, sizeof(a))));
			json_put(&o, "sigma2", json_string(rational(q->s2, a, sizeof(a))));
		} else {
			struct dp_ratio scale = dp_ratio_reduce(
			    (struct dp_ratio){q->l1 * q->eps.den, q->eps.num});

			json_put(&o, "scale", json_string(rational(scale, a, sizeof(a))));
		}
		json_put(&o, "l1_sensitivity", json_integer((json_int_t)q->l1));
		snprintf(sd, sizeof(sd), "%.1f", q->sd);
		json_put(&o, "noise_sd", json_string(sd));
		json_push(&queries, o);
	}
	json_put(&m, "noise", queries);
	json_put(&m, "unit_of_privacy", json_string("person"));
	json_put(&m, "composition",
		 json_string("basic: epsilon and delta split evenly over the noisy queries"));
	return m;
}

/* release_json - the release around its cells (taken): the campaign, the
 * terms its participants agreed to (members of spec_text, its stored
 * definition, as kept), how it was computed and its dimensions. NULL when
 * out of memory: spec_text was parsed once already, and its canonical
 * form has every member copied. */
static json_t *release_json(const char *campaign_id, const char *spec_text,
			    const struct campaign_spec *spec, const struct campaign_plan *plan,
			    const struct campaign_run_stats *st, const struct campaign_domain *d,
			    int64_t now, json_t *cells)
{
	static const char *const agreed[] = {"title", "organisation", "source", "period",
					     "licence"};
	json_t *def = json_parse_str(spec_text), *dims = json_array(), *out = json_object();

	json_put(&out, "campaign", json_string(campaign_id));
	for (size_t i = 0; i < sizeof(agreed) / sizeof(*agreed); i++)
		json_put(&out, agreed[i], json_incref(json_object_get(def, agreed[i])));
	json_put(&out, "methodology", methodology(spec, plan, st, now));
	for (size_t i = 0; dims && i < d->ndims; i++) {
		json_t *vals = json_array();

		for (uint32_t k = 0; vals && k < d->size[i]; k++)
			json_push(&vals, json_string(campaign_dim_value(d, i, k)));
		json_push(&dims, json_pack("{s:s, s:o}", "name", campaign_dim_name(d->dims[i]),
					   "values", vals));
	}
	json_put(&out, "dimensions", dims);
	json_put(&out, "measures", json_incref(json_object_get(def, "measures")));
	json_put(&out, "cells", cells);
	json_decref(def);
	return out;
}

/* csv_printf - formatted text into the CSV, unless *rc tells an earlier
 * failure; the first failure is kept in *rc */
static void csv_printf(struct buf *b, enum cmn_rc *rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void csv_printf(struct buf *b, enum cmn_rc *rc, const char *fmt, ...)
{
	va_list ap;

	if (*rc != CMN_OK)
		return;
	va_start(ap, fmt);
	*rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* csv_text - a cell of CSV: quoted when it holds a separator or a quote;
 * failures as csv_printf */
static void csv_text(struct buf *b, enum cmn_rc *rc, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		if (*rc == CMN_OK)
			*rc = buf_append(b, s, strlen(s));
		return;
	}
	if (*rc == CMN_OK)
		*rc = buf_append(b, "\"", 1);
	for (const char *p = s; *rc == CMN_OK && *p; p++)
		*rc = *p == '"' ? buf_append(b, "\"\"", 2) : buf_append(b, p, 1);
	if (*rc == CMN_OK)
		*rc = buf_append(b, "\"", 1);
}

/* ---- the run --------------------------------------------------------------------- */

/* participants whose admission is published to the readers at once */
#define ADMIT_BATCH 64
/* participants read from the store at once: a run holds two pages */
#define RUN_PAGE 2048

/* admit - whether participant p takes part: a grant that still allows it
 * (else st->no_grant) and a budget that the plan does not overspend (else
 * st->no_budget) */
static enum cmn_rc admit(struct store *s, const struct campaign_spec *spec,
			 const struct campaign_plan *plan, const struct campaign_run_opts *o,
			 const struct campaign_part *p, struct campaign_run_stats *st, bool *ok)
{
	struct grant g;
	struct dp_budget b = {
	    .eps_cap_micro = o->person_eps_cap ? o->person_eps_cap : CAMPAIGN_PERSON_EPS_CAP,
	    .delta_cap_pico = o->person_delta_cap ? o->person_delta_cap : CAMPAIGN_PERSON_DELTA_CAP};
	struct dp_cost spent;
	enum cmn_rc rc;

	*ok = false;
	rc = consent_load(s, p->grant_id, &g);
	if (rc == CMN_ERR_NOT_FOUND ||
	    (rc == CMN_OK &&
	     (grant_check(&g, o->now, spec->doctype, GRANT_OP_AGGREGATE) != GRANT_ALLOWED ||
	      strcmp(g.person_id, p->person_id) != 0))) {
		st->no_grant++;
		return CMN_OK;
	}
	if (rc != CMN_OK || (rc = store_budget_get(s, p->person_id, &spent)) != CMN_OK)
		return rc;
	b.eps_spent_micro = spent.eps_micro;
	b.delta_spent_pico = spent.delta_pico;
	if (!dp_budget_allows(&b, &plan->cost)) {
		st->no_budget++;
		return CMN_OK;
	}
	*ok = true;
	return CMN_OK;
}

static const char *skip_name(uint8_t status)
{
	return status == 1 ? "counted" : status == 2 ? "no_profile" : status == 3 ? "no_data" : "";
}

enum cmn_rc campaign_run(struct store *s, const struct registry *reg, const char *campaign_id,
			 const struct campaign_run_opts *o, struct campaign_run_stats *st,
			 char *err, size_t errn)
{
	int64_t t0 = time_mono_ms();
	struct campaign_row row = {0};
	struct campaign_spec spec = {0};
	struct campaign_domain d = {0};
	struct campaign_plan plan;
	struct campaign_part *pages = NULL;  /* two pages, read in turn */
	bool *admitted = NULL;               /* per participant of each page */
	size_t page = o->page ? o->page : RUN_PAGE;
	struct reader rd = {0};
	struct worker w[8];
	unsigned nthreads = o->threads ? o->threads : 2;
	struct table t = {0};
	uint8_t *state = NULL;
	uint8_t(*ids)[DP_ID_LEN] = NULL;
	char(*persons)[CRYPT_ID_LEN] = NULL;
	uint64_t *cells = NULL;
	size_t ncells = 0, nstarted = 0;
	struct earlier earlier = {0};
	struct dp_rng sysrng, *rng = o->rng;
	json_t *out = NULL, *jcells = NULL;
	struct buf csv;
	char *results = NULL;
	enum cmn_rc rc, wrc = CMN_OK; /* wrc: writing the release */

	memset(st, 0, sizeof(*st));
	memset(w, 0, sizeof(w));
	buf_init(&csv, 64 << 20);
	if (nthreads > sizeof(w) / sizeof(*w))
		nthreads = sizeof(w) / sizeof(*w);
	if (!rng) {
		dp_rng_system(&sysrng);
		rng = &sysrng;
	}
	rc = store_campaign_get(s, campaign_id, false, &row);
	if (rc != CMN_OK) {
		snprintf(err, errn, "no campaign %s", campaign_id);
		goto out;
	}
	if (row.state != CAMPAIGN_STATE_APPROVED) {
		snprintf(err, errn, "the campaign is %s: only an approved campaign runs",
			 campaign_state_name(row.state));
		rc = CMN_ERR_CONFLICT;
		goto out;
	}
	rc = campaign_spec_parse(row.spec, strlen(row.spec), reg, &spec, err, errn);
	if (rc != CMN_OK)
		goto out;
	if (o->now < spec.to) {
		char when[TIME_RFC3339_LEN];

		time_format(when, spec.to);
		snprintf(err, errn, "the period of the data ends at %s: the campaign runs after", when);
		rc = CMN_ERR_CONFLICT;
		goto out;
	}
	if ((rc = campaign_domain_init(&d, s, &spec, err, errn)) != CMN_OK)
		goto out;
	if ((rc = campaign_plan_make(&spec, &plan, err, errn)) != CMN_OK)
		goto out;

	pages = calloc(2 * page, sizeof(*pages));
	admitted = calloc(2 * page, sizeof(*admitted));
	if (!pages || !admitted) {
		rc = CMN_ERR_NOMEM;
		goto out;
	}

	/* the contributions, read on nthreads threads while this one pages
	 * through the participants and decides who takes part (admit), a
	 * batch at a time: the readers follow the decisions instead of
	 * waiting for all of them, and a campaign of any size needs two pages
	 * of participants in memory, not all of them */
	int64_t tr = time_mono_ms();

	rd = (struct reader){.s = s, .spec = &spec, .d = &d, .page = pages, .admitted = admitted};
	/* the cap's draws come from the run's rng too (a fixed seed repeats a
	 * run), whichever thread reads whom */
	dp_rng_bytes(rng, rd.key, sizeof(rd.key));
	pthread_mutex_init(&rd.lock, NULL);
	pthread_cond_init(&rd.more, NULL);
	pthread_cond_init(&rd.taken, NULL);
	for (unsigned i = 0; i < nthreads; i++) {
		w[i].r = &rd;
		if ((rc = table_init(&w[i].t, &spec, d.ncells)) != CMN_OK)
			break;
		if (pthread_create(&w[i].th, NULL, read_stores, &w[i]) != 0) {
			rc = CMN_ERR_INTERNAL;
			break;
		}
		nstarted++;
	}
	/* the participants, their grants and budgets as one snapshot, read
	 * in one transaction */
	if (rc == CMN_OK)
		rc = store_read_begin(s);
	char after[CRYPT_ID_LEN] = "";

	for (unsigned half = 0; rc == CMN_OK; half ^= 1) {
		/* the page after the one the readers are on, in the other half */
		struct campaign_part *p = pages + half * page;
		bool *adm = admitted + half * page;
		size_t m = 0;

		if ((rc = store_campaign_parts(s, campaign_id, after, p, page, &m)) != CMN_OK)
			break;
		st->joined += m;
		memset(adm, 0, page * sizeof(*adm));
		pthread_mutex_lock(&rd.lock);
		while (rd.rc == CMN_OK && rd.next < rd.n)
			pthread_cond_wait(&rd.taken, &rd.lock);
		if (rd.rc != CMN_OK) {
			/* a reader failed: the run fails, the pages left are not read */
			pthread_mutex_unlock(&rd.lock);
			break;
		}
		rd.page = p;
		rd.admitted = adm;
		rd.n = m;
		rd.next = rd.decided = 0;
		rd.last = m < page;
		pthread_cond_broadcast(&rd.more);
		pthread_mutex_unlock(&rd.lock);
		for (size_t i = 0; rc == CMN_OK && i < m; i++) {
			rc = admit(s, &spec, &plan, o, &p[i], st, &adm[i]);
			if (rc == CMN_OK && ((i + 1) % ADMIT_BATCH == 0 || i + 1 == m)) {
				pthread_mutex_lock(&rd.lock);
				rd.decided = i + 1;
				pthread_cond_broadcast(&rd.more);
				pthread_mutex_unlock(&rd.lock);
			}
		}
		if (m < page)
			break;
		str_copy(after, sizeof(after), p[m - 1].person_id);
	}
	store_read_end(s);
	if (rc != CMN_OK)
		reader_fail(&rd, rc, "admitting the participants");
	for (size_t i = 0; i < nstarted; i++)
		pthread_join(w[i].th, NULL);
	pthread_cond_destroy(&rd.taken);
	pthread_cond_destroy(&rd.more);
	pthread_mutex_destroy(&rd.lock);
	sodium_memzero(rd.key, sizeof(rd.key));
	st->read_ms = time_mono_ms() - tr;
	if (rc == CMN_OK && rd.rc != CMN_OK) {
		rc = rd.rc;
		snprintf(err, errn, "%s", rd.err);
	}
	if (rc == CMN_OK)
		rc = table_init(&t, &spec, d.ncells);
	for (unsigned i = 0; i < nthreads; i++) {
		if (rc == CMN_OK && w[i].t.contributors)
			table_merge(&t, &w[i].t, &spec);
		table_release(&w[i].t);
		st->counted += w[i].counted;
		st->no_profile += w[i].no_profile;
		st->no_data += w[i].no_data;
	}
	if (rc != CMN_OK)
		goto out;
	if (st->counted == 0) {
		snprintf(err, errn, "nobody can take part: %zu joined, %zu without a grant that allows"
				    " it, %zu with their budget spent, %zu without a household profile,"
				    " %zu without data in the period",
			 st->joined, st->no_grant, st->no_budget, st->no_profile, st->no_data);
		rc = CMN_ERR_FORBIDDEN;
		goto out;
	}

	/* the register: the population and the base cells of this release */
	ids = malloc(st->counted * DP_ID_LEN);
	persons = malloc(st->counted * CRYPT_ID_LEN);
	if (!ids || !persons) {
		rc = CMN_ERR_NOMEM;
		goto out;
	}
	{
		size_t k = 0;

		for (unsigned i = 0; i < nthreads; i++) {
			if (w[i].counted)
				memcpy(persons[k], w[i].persons, w[i].counted * CRYPT_ID_LEN);
			k += w[i].counted;
		}
	}
	/* by person id, as the store marks them */
	qsort(persons, st->counted, CRYPT_ID_LEN, person_cmp);
	for (size_t k = 0; k < st->counted; k++)
		person_hash(persons[k], ids[k]);
	qsort(ids, st->counted, DP_ID_LEN, id_cmp);
	struct campaign_release_row rel = {.k = spec.privacy.k, .count = st->counted,
					   .ids = (const uint8_t(*)[DP_ID_LEN])ids};

	str_copy(rel.campaign_id, sizeof(rel.campaign_id), campaign_id);
	if ((rc = dp_population_digest(rel.ids, rel.count, rel.digest)) != CMN_OK)
		goto out;
	if ((rc = base_cells(&spec, &d, &cells, &ncells)) != CMN_OK)
		goto out;
	rel.cells = cells;
	rel.ncells = ncells;
	if ((rc = store_releases_each(s, earlier_add, &earlier)) != CMN_OK)
		goto out;
	{
		struct dp_release next = {.pop = {.count = rel.count, .ids = rel.ids},
					  .cells = cells, .ncells = ncells};
		size_t conflict = 0;

		memcpy(next.pop.digest, rel.digest, DP_ID_LEN);
		/* each pair under the larger of its two k: an earlier release's
		 * promise holds against a later campaign with a smaller k */
		for (size_t i = 0; rc == CMN_OK && i < earlier.n; i++) {
			uint64_t k = earlier.k[i] > spec.privacy.k ? earlier.k[i] : spec.privacy.k;

			rc = dp_register_check(&earlier.v[i], 1, &next, k, NULL);
			if (rc == CMN_ERR_CONFLICT) {
				conflict = i;
				snprintf(err, errn,
					 "refused: this release covers the same data as campaign %s"
					 " with a population that differs by fewer than %" PRIu64
					 " persons; publishing both would let one subtract one from"
					 " the other",
					 earlier.ids[conflict], k);
			}
		}
		if (rc != CMN_OK)
			goto out;
	}

	/* suppression: under k contributors, then against the grand total */
	state = calloc(d.ncells, 1);
	if (!state) {
		rc = CMN_ERR_NOMEM;
		goto out;
	}
	{
		struct dp_table dt = {.ndims = d.ndims ? (unsigned)d.ndims : 1,
				      .count = t.contributors, .state = state};
		unsigned grand = (1u << dt.ndims) - 1;

		for (size_t i = 0; i < dt.ndims; i++)
			dt.size[i] = d.ndims ? d.size[i] : 1;
		rc = dp_suppress(&dt, spec.privacy.k, &grand, d.ncells > 1 ? 1 : 0, &st->secondary);
		if (rc != CMN_OK)
			goto out;
	}
	st->cells = d.ncells;
	for (size_t c = 0; c < d.ncells; c++) {
		st->published += state[c] == DP_CELL_PUBLISHED;
		st->primary += state[c] == DP_CELL_PRIMARY;
	}

	/* the table, noised, written whole or not at all (wrc) */
	jcells = json_array();
	for (size_t i = 0; i < d.ndims; i++) {
		csv_text(&csv, &wrc, campaign_dim_name(d.dims[i]));
		csv_printf(&csv, &wrc, ",");
	}
	for (size_t i = 0; i < spec.nmeasures; i++) {
		const struct campaign_measure *m = &spec.measures[i];

		if (m->kind == CAMPAIGN_MEASURE_HISTOGRAM)
			for (size_t b = 0; b + 1 < m->nbins; b++)
				csv_printf(&csv, &wrc, "histogram_%zu_%" PRId64 "_%" PRId64 ",", i,
					   m->bins[b], m->bins[b + 1]);
		else
			csv_printf(&csv, &wrc, "%s_%zu,", campaign_measure_name(m->kind), i);
	}
	csv_printf(&csv, &wrc, "status\r\n");
	for (size_t c = 0; c < d.ncells && rc == CMN_OK && wrc == CMN_OK && jcells; c++) {
		json_t *cell = json_object(), *vals;
		size_t rest = c;
		uint32_t coord[CAMPAIGN_GROUP_MAX];
		int64_t count = (int64_t)t.contributors[c];
		int64_t sums[CAMPAIGN_MEASURES_MAX] = {0};

		for (size_t i = d.ndims; i-- > 0;) {
			coord[i] = (uint32_t)(rest % d.size[i]);
			rest /= d.size[i];
		}
		for (size_t i = 0; i < d.ndims; i++) {
			const char *v = campaign_dim_value(&d, i, coord[i]);

			json_put(&cell, campaign_dim_name(d.dims[i]), json_string(v));
			csv_text(&csv, &wrc, v);
			csv_printf(&csv, &wrc, ",");
		}
		if (state[c] != DP_CELL_PUBLISHED) {
			json_put(&cell, "suppressed",
				 json_string(state[c] == DP_CELL_PRIMARY ? "fewer than k"
									 : "secondary"));
			for (size_t i = 0; i < spec.nmeasures; i++) {
				size_t cols = spec.measures[i].kind == CAMPAIGN_MEASURE_HISTOGRAM
						  ? spec.measures[i].nbins - 1
						  : 1;

				for (size_t b = 0; b < cols; b++)
					csv_printf(&csv, &wrc, ",");
			}
			csv_printf(&csv, &wrc, "%s\r\n",
				   state[c] == DP_CELL_PRIMARY ? "suppressed"
							       : "suppressed_secondary");
			json_push(&jcells, cell);
			continue;
		}
		vals = json_array();
		/* one noisy figure per query; then post-processing, which costs no
		 * privacy: a count is at least 0 */
		for (size_t qi = 0; qi < plan.nqueries && rc == CMN_OK; qi++) {
			const struct campaign_query *q = &plan.q[qi];

			if (q->kind == CAMPAIGN_Q_COUNT)
				rc = noisy(rng, &spec, q, &count);
			else if (q->kind == CAMPAIGN_Q_SUM) {
				sums[q->measure] = t.sum[q->measure][c];
				rc = noisy(rng, &spec, q, &sums[q->measure]);
			}
		}
		if (count < 0)
			count = 0;
		for (size_t i = 0; i < spec.nmeasures && rc == CMN_OK; i++) {
			const struct campaign_measure *m = &spec.measures[i];
			char num[48];

			switch (m->kind) {
			case CAMPAIGN_MEASURE_COUNT:
				json_push(&vals, json_integer(count));
				csv_printf(&csv, &wrc, "%" PRId64 ",", count);
				break;
			case CAMPAIGN_MEASURE_SUM:
				json_push(&vals, json_integer(sums[i]));
				csv_printf(&csv, &wrc, "%" PRId64 ",", sums[i]);
				break;
			case CAMPAIGN_MEASURE_MEAN: {
				json_t *mj = mean_json(sums[i], count, m->lo, m->hi, num, sizeof(num));

				/* mj NULL (memory) fails the cell below, and the run */
				csv_printf(&csv, &wrc, "%s,",
					   json_is_string(mj) ? json_string_value(mj) : "");
				json_push(&vals, mj);
				break;
			}
			case CAMPAIGN_MEASURE_HISTOGRAM: {
				json_t *h = json_array();
				const struct campaign_query *q = NULL;

				for (size_t qi = 0; qi < plan.nqueries; qi++)
					if (plan.q[qi].kind == CAMPAIGN_Q_HISTOGRAM &&
					    plan.q[qi].measure == i)
						q = &plan.q[qi];
				for (size_t b = 0; b + 1 < m->nbins && rc == CMN_OK; b++) {
					int64_t v = (int64_t)t.hist[i][c * (m->nbins - 1) + b];

					rc = noisy(rng, &spec, q, &v);
					if (v < 0)
						v = 0;
					json_push(&h, json_integer(v));
					csv_printf(&csv, &wrc, "%" PRId64 ",", v);
				}
				json_push(&vals, h);
				break;
			}
			default:
				break;
			}
		}
		csv_printf(&csv, &wrc, "published\r\n");
		json_put(&cell, "values", vals);
		json_push(&jcells, cell);
	}
	if (rc != CMN_OK) {
		snprintf(err, errn, "drawing the noise: %s", cmn_strerror(rc));
		goto out;
	}
	out = release_json(campaign_id, row.spec, &spec, &plan, st, &d, o->now, jcells);
	jcells = NULL;
	if (wrc == CMN_OK && !out)
		wrc = CMN_ERR_NOMEM;
	if (wrc == CMN_OK && !(results = json_text_dumps(out, JSON_COMPACT)))
		wrc = CMN_ERR_NOMEM;
	if (wrc == CMN_OK)
		wrc = buf_append(&csv, "", 1);
	if (wrc != CMN_OK) {
		rc = wrc;
		snprintf(err, errn, "writing the release: %s", cmn_strerror(rc));
		goto out;
	}
	/* the release and the entry that tells it in the runner's chain */
	if ((rc = store_tx_begin(s)) == CMN_OK) {
		rc = store_campaign_computed(s, &rel, results, csv.data,
					     (const char(*)[CRYPT_ID_LEN])persons, st->counted,
					     &plan.cost, o->now);
		rc = o->by ? store_tx_end_told(s, rc, o->by, o->actor, "campaign.run", campaign_id,
					       NULL)
			   : store_tx_end(s, rc);
	}
	if (rc == CMN_ERR_CONFLICT)
		snprintf(err, errn, "the campaign changed state, or a participant withdrew, while it ran;"
			 " nothing was kept: run it again");
out:
	(void)skip_name;
	st->total_ms = time_mono_ms() - t0;
	free(results);
	json_decref(out);
	json_decref(jcells);
	buf_release(&csv);
	earlier_release(&earlier);
	free(cells);
	free(state);
	free(ids);
	free(persons);
	for (unsigned i = 0; i < sizeof(w) / sizeof(*w); i++)
		free(w[i].persons);
	free(admitted);
	free(pages);
	table_release(&t);
	campaign_domain_release(&d);
	campaign_spec_release(&spec);
	campaign_row_release(&row);
	if (rng == &sysrng)
		dp_rng_release(&sysrng);
	return rc;
}
