/*
 * test_service_mobilites.c - Mobilités Partagées (issue 13, docs/services.md):
 * the civic data trust of a synthetic territory approves, by the vote of its
 * three colleges after a debate, a campaign of the city's transport
 * authority on the residents' trips of January 2026: origin-destination
 * flows by mode (who travels from which district to which, by what), and
 * the hourly profile of trips by mode in February. Residents join; the
 * campaigns run and are published; the hourly profile of January, over the
 * same trips and residents as the flows, is refused by the register.
 *
 * Each participant's contribution is checked against the same cells
 * recomputed here from their raw trip records, with the districts placed by
 * the synthetic grid's rectangles (south-west corner inside, north-east
 * edges outside) rather than by the campaign's polygon index, and the local
 * hour from a fixed offset (Paris is UTC+1 all January). The published
 * table is then checked cell by cell: suppressed exactly where fewer than k
 * residents contribute (or by secondary suppression), and every published
 * count within six noise standard deviations of the exact one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "campaign/campaign.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "govern/govern.h"
#include "opendata/opendata.h"
#include "synth/run.h"
#include "synth/synth.h"

#define SEED       13
#define HOUSEHOLDS 120
#define K          5
#define NMODES     13
#define HOUR_MS    3600000LL
#define TRUST                                                                                      \
	"{\"kind\":\"trust\",\"rule\":\"majority_in_every_college\",\"quorum\":\"1/2\","           \
	"\"colleges\":[{\"name\":\"public\"},{\"name\":\"private\"},"                              \
	"{\"name\":\"civil_society\"}]}"

static const char *const modes[NMODES] = {"walk",      "bike",  "ebike", "scooter", "bus",
					  "tram",      "metro", "train", "car",     "carpool",
					  "motorbike", "plane", "other"};

static struct fixture f;
static struct org org;
static struct synth_territory terr;
static int64_t t0;

static int64_t at(const char *rfc3339)
{
	int64_t t;

	if (time_parse(rfc3339, true, &t) != CMN_OK)
		fail_msg("not a time: %s", rfc3339);
	return t;
}

/* ---- the truth, from the raw records ------------------------------------------------ */

/* district_of - the synthetic district whose rectangle holds the point, -1 */
static int district_of(const json_t *pos)
{
	double lat, lon;

	if (!json_is_object(pos))
		return -1;
	lat = json_number_value(json_object_get(pos, "lat")) * 1e6;
	lon = json_number_value(json_object_get(pos, "lon")) * 1e6;
	for (int i = 0; i < SYNTH_DISTRICTS; i++) {
		const struct synth_district *d = &terr.districts[i];

		if (lon >= (double)d->sw.lon && lon < (double)d->ne.lon &&
		    lat >= (double)d->sw.lat && lat < (double)d->ne.lat)
			return i;
	}
	return -1;
}

static int mode_of(const char *m)
{
	for (int i = 0; m && i < NMODES; i++)
		if (strcmp(modes[i], m) == 0)
			return i;
	return -1;
}

/* a person's cells: the values falling in each, summed and counted */
struct cells {
	size_t n; /* cells in the table */
	int64_t *sum;
	uint32_t *cnt;
};

/* index of a district code in the store's (sorted) list of districts */
static int code_index(const struct campaign_domain *d, int synth_district)
{
	for (size_t i = 0; i < d->ndistricts; i++)
		if (strcmp(d->districts[i].code, terr.districts[synth_district].code) == 0)
			return (int)i;
	return -1;
}

struct truth_ctx {
	const struct campaign_domain *dom;
	bool flows; /* origin x destination x mode, or hour x mode */
	struct cells *c;
	int64_t from, to;
};

static enum cmn_rc truth_row(const struct record_meta *m, const char *data,
			     const struct query_value *k, void *ctx)
{
	struct truth_ctx *t = ctx;
	json_t *j = json_loads(data, 0, NULL);
	json_t *dist;
	int mode;
	int64_t cell = -1, v;

	(void)k;
	assert_non_null(j);
	dist = json_object_get(j, "distance_m");
	mode = mode_of(json_string_value(json_object_get(j, "mode")));
	if (m->t >= t->from && m->t < t->to && json_is_integer(dist) && mode >= 0) {
		v = json_integer_value(dist);
		if (t->flows) {
			int o = district_of(json_object_get(j, "from"));
			int d = district_of(json_object_get(j, "to"));

			o = o < 0 ? -1 : code_index(t->dom, o);
			d = d < 0 ? -1 : code_index(t->dom, d);
			if (o >= 0 && d >= 0)
				cell =
				    ((int64_t)o * (int64_t)t->dom->ndistricts + d) * NMODES + mode;
		} else {
			int64_t hour = ((m->t + HOUR_MS) / HOUR_MS) % 24; /* UTC+1 */

			cell = hour * NMODES + mode;
		}
	}
	if (cell >= 0) {
		t->c->sum[cell] += v;
		t->c->cnt[cell]++;
	}
	json_decref(j);
	return CMN_OK;
}

/* truth - p's exact cells; the number it touches */
static size_t truth(const struct person *p, struct truth_ctx *t)
{
	struct pstore *ps = NULL;
	struct store_query q = {.doctype = "mobility.trip", .limit = (size_t)INT64_MAX};
	size_t touched = 0;

	memset(t->c->sum, 0, t->c->n * sizeof(*t->c->sum));
	memset(t->c->cnt, 0, t->c->n * sizeof(*t->c->cnt));
	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_record_query(ps, &q, truth_row, t), CMN_OK);
	for (size_t i = 0; i < t->c->n; i++)
		touched += t->c->cnt[i] > 0;
	return touched;
}

static int64_t mean_half_away(int64_t sum, int64_t n)
{
	double m = (double)sum / (double)n;

	return (int64_t)(m < 0 ? m - 0.5 : m + 0.5);
}

/* ---- the trust, the campaign ------------------------------------------------------- */

static struct person person(const char *handle)
{
	struct person p;

	assert_int_equal(store_person_add(f.s, handle, "resident", NULL, "!", &p), CMN_OK);
	return p;
}

static void campaign(const char *title, const char *group_by, int max_cells, const char *from,
		     const char *to, char id[CRYPT_ID_LEN])
{
	struct campaign_spec spec = {0};
	struct campaign_row row;
	char text[2048], err[400] = "", *canon = NULL;

	snprintf(text, sizeof(text),
		 "{\"title\":{\"fr\":\"%s\",\"en\":\"%s\"},"
		 "\"purpose\":{\"fr\":\"Adapter l'offre de transport aux déplacements réels.\","
		 "\"en\":\"Fit the transport offer to the trips people really make.\"},"
		 "\"organisation\":\"%s\",\"source\":{\"records\":\"mobility.trip\","
		 "\"value\":\"distance_m\"},\"period\":{\"from\":\"%s\",\"to\":\"%s\"},"
		 "\"group_by\":%s,\"measures\":[{\"kind\":\"count\"},{\"kind\":\"mean\","
		 "\"clip\":[0,50000]}],\"privacy\":{\"k\":%d,\"mechanism\":\"laplace\","
		 "\"epsilon\":\"2\",\"max_cells_per_person\":%d},"
		 "\"opens\":\"2026-03-01T00:00:00Z\",\"closes\":\"2099-01-01T00:00:00Z\","
		 "\"governance\":{\"body\":\"trust\"},\"licence\":\"etalab-2.0\"}",
		 title, title, org.id, from, to, group_by, K, max_cells);
	if (campaign_spec_parse(text, strlen(text), &f.reg, &spec, err, sizeof(err)) != CMN_OK)
		fail_msg("definition: %s", err);
	assert_int_equal(campaign_spec_json(&spec, &canon, NULL), CMN_OK);
	assert_int_equal(store_campaign_add(f.s, org.id, canon, t0, &row), CMN_OK);
	memcpy(id, row.id, CRYPT_ID_LEN);
	campaign_row_release(&row);
	campaign_spec_release(&spec);
	free(canon);
}

/* approve - proposed to the trust by its first trustee, debated, voted
 * (two of three per college for), closed a minute later */
static void approve(const char *trust, struct person *trustees, const char *campaign_id)
{
	json_t *text =
	    json_pack("{s:s, s:s}", "fr", "Approuver l'enquête.", "en", "Approve the survey.");
	struct gov_proposal p;
	struct gov_comment c, reply;
	char err[300] = "", id[CRYPT_ID_LEN];

	assert_int_equal(govern_propose(f.s, &f.keys, trust, trustees[0].id, false, campaign_id,
					text, t0 + 61000, GOVERN_VOTE_MIN_DEFAULT_MS, false, t0,
					&p, err, sizeof(err)),
			 CMN_OK);
	json_decref(text);
	memcpy(id, p.id, CRYPT_ID_LEN);
	gov_proposal_release(&p);
	assert_int_equal(govern_comment(f.s, id, trustees[3].id, NULL,
					"Les flux par quartier ne risquent-ils pas d'identifier ?",
					t0 + 100, &c, err, sizeof(err)),
			 CMN_OK);
	assert_int_equal(govern_comment(f.s, id, trustees[0].id, c.id,
					"Une case de moins de 5 habitants n'est jamais publiée.",
					t0 + 200, &reply, err, sizeof(err)),
			 CMN_OK);
	for (int i = 0; i < 9; i++)
		assert_int_equal(
		    govern_vote(f.s, id, trustees[i].id, i % 3 == 2 ? "no" : "yes", t0 + 1000),
		    CMN_OK);
	assert_int_equal(govern_close(f.s, &f.keys, id, t0 + 61001, &p, err, sizeof(err)), CMN_OK);
	assert_int_equal(p.state, GOV_APPROVED);
	gov_proposal_release(&p);
}

static enum cmn_rc run(const char *campaign_id, struct campaign_run_stats *st)
{
	uint8_t key[32];
	struct dp_rng rng;
	struct campaign_run_opts o;
	char err[400] = "";
	enum cmn_rc rc;

	memset(key, 13, sizeof(key));
	dp_rng_chacha20(&rng, key);
	memset(&o, 0, sizeof(o));
	o.now = time_now_ms();
	o.rng = &rng;
	o.threads = 2;
	rc = campaign_run(f.s, &f.reg, campaign_id, &o, st, err, sizeof(err));
	if (rc != CMN_OK)
		print_error("run: %s\n", err);
	dp_rng_release(&rng);
	return rc;
}

struct residents {
	struct person p[HOUSEHOLDS];
	size_t n;
};

static enum cmn_rc resident(const struct person *p, void *ctx)
{
	struct residents *r = ctx;

	if (p->handle[0] == 'h') {
		assert_true(r->n < HOUSEHOLDS);
		r->p[r->n++] = *p;
	}
	return CMN_OK;
}

/* check_release - every cell of the published table against the exact
 * contributors per cell (contributors[cell]) */
static void check_release(const char *campaign_id, const struct campaign_domain *dom,
			  const uint32_t *contributors, double sd_c, bool flows)
{
	struct campaign_row row;
	json_t *res, *c;
	size_t i, published = 0, suppressed = 0;

	assert_int_equal(store_campaign_get(f.s, campaign_id, true, &row), CMN_OK);
	assert_int_equal(row.state, CAMPAIGN_STATE_PUBLISHED);
	res = json_loads(row.results, 0, NULL);
	assert_non_null(res);
	assert_int_equal(json_array_size(json_object_get(res, "cells")), dom->ncells);
	json_array_foreach(json_object_get(res, "cells"), i, c)
	{
		const char *why = json_string_value(json_object_get(c, "suppressed"));
		size_t cell;
		int mode = mode_of(json_string_value(json_object_get(c, "mode")));

		assert_true(mode >= 0);
		if (flows) {
			const char *o = json_string_value(json_object_get(c, "origin_district"));
			const char *d =
			    json_string_value(json_object_get(c, "destination_district"));
			size_t oi = dom->ndistricts, di = dom->ndistricts;

			for (size_t x = 0; x < dom->ndistricts; x++) {
				if (o && strcmp(dom->districts[x].code, o) == 0)
					oi = x;
				if (d && strcmp(dom->districts[x].code, d) == 0)
					di = x;
			}
			assert_true(oi < dom->ndistricts && di < dom->ndistricts);
			cell = (oi * dom->ndistricts + di) * NMODES + (size_t)mode;
		} else {
			const char *h = json_string_value(json_object_get(c, "hour_of_day"));

			assert_non_null(h);
			cell = (size_t)strtol(h, NULL, 10) * NMODES + (size_t)mode;
		}
		if (contributors[cell] < K && contributors[cell] > 0) {
			assert_non_null(why); /* fewer than k: never published */
			suppressed++;
			continue;
		}
		if (why && *why) {
			/* only secondary suppression may hide a cell of k or more */
			assert_true(contributors[cell] == 0 || strcmp(why, "secondary") == 0);
			suppressed++;
			continue;
		}
		published++;
		{
			json_int_t count =
			    json_integer_value(json_array_get(json_object_get(c, "values"), 0));

			if (fabs((double)count - (double)contributors[cell]) > 6 * sd_c)
				fail_msg("cell %zu: %lld published for %u contributors", cell,
					 (long long)count, contributors[cell]);
		}
	}
	print_message("%s: %zu cells published, %zu suppressed\n", flows ? "flows" : "hours",
		      published, suppressed);
	assert_true(published > 0);
	json_decref(res);
	campaign_row_release(&row);
}

static void scenario(void **state)
{
	struct synth_opts o;
	struct synth_stats sst;
	struct residents *r = calloc(1, sizeof(*r));
	struct person trustees[9];
	struct campaign_run_stats st;
	struct campaign_spec specs[2];
	struct campaign_domain dom[2];
	struct campaign_row row;
	struct opendata_file file;
	struct opendata_load l;
	char trust[CRYPT_ID_LEN], ids[2][CRYPT_ID_LEN], err[400] = "", *geo = NULL;
	size_t geolen = 0, notified = 0, contributing[2] = {0, 0};
	static const char *const colleges[3] = {"public", "private", "civil_society"};
	static const char *const groups[2] = {
	    "[\"origin_district\",\"destination_district\",\"mode\"]",
	    "[\"hour_of_day\",\"mode\"]"};
	static const int max_cells[2] = {100, 100};
	static const char *const from[2] = {"2026-01-01", "2026-02-01"};
	static const char *const to[2] = {"2026-02-01", "2026-03-01"};
	FILE *mem;

	(void)state;
	assert_non_null(r);
	memset(specs, 0, sizeof(specs));
	/* the territory, its trips, and its districts as open data */
	memset(&o, 0, sizeof(o));
	o.seed = SEED;
	o.households = HOUSEHOLDS;
	o.start_day = time_days_from_civil(2026, 1, 1);
	o.days = 59; /* January and February */
	o.jobs = 2;
	o.store = f.s;
	o.reg = &f.reg;
	if (synth_run(&o, &sst, err, sizeof(err)) != CMN_OK)
		fail_msg("synth: %s", err);
	assert_int_equal(synth_territory_init(&terr, SEED, o.start_day, o.days), CMN_OK);
	mem = open_memstream(&geo, &geolen);
	assert_non_null(mem);
	assert_int_equal(synth_write_districts(&terr, mem), CMN_OK);
	assert_int_equal(fclose(mem), 0);
	file = (struct opendata_file){"districts.geojson", geo, geolen};
	l = (struct opendata_load){.name = "villebrune.districts",
				   .kind = OPENDATA_DISTRICTS,
				   .source = "commune synth",
				   .licence = "etalab-2.0",
				   .files = &file,
				   .nfiles = 1,
				   .now = t0};
	if (opendata_load(f.s, &l, NULL, err, sizeof(err)) != CMN_OK)
		fail_msg("districts: %s", err);
	free(geo);

	/* the trust: three trustees per college; the two campaigns, approved */
	{
		struct gov_body b;

		assert_int_equal(govern_body_create(f.s, &f.keys, "Régie de données", TRUST,
						    strlen(TRUST), t0, &b, err, sizeof(err)),
				 CMN_OK);
		memcpy(trust, b.id, CRYPT_ID_LEN);
		gov_body_release(&b);
	}
	for (int i = 0; i < 9; i++) {
		char handle[16];

		snprintf(handle, sizeof(handle), "trustee%d", i);
		trustees[i] = person(handle);
		assert_int_equal(govern_join(f.s, &f.keys, trust, trustees[i].id, colleges[i / 3],
					     t0, err, sizeof(err)),
				 CMN_OK);
	}
	for (int c = 0; c < 2; c++) {
		campaign(c == 0 ? "Flux de janvier" : "Profil horaire de février", groups[c],
			 max_cells[c], from[c], to[c], ids[c]);
		approve(trust, trustees, ids[c]);
		assert_int_equal(store_campaign_get(f.s, ids[c], false, &row), CMN_OK);
		assert_int_equal(row.state, CAMPAIGN_STATE_APPROVED);
		campaign_row_release(&row);
	}

	/* every resident joins both */
	assert_int_equal(store_person_each(f.s, resident, r), CMN_OK);
	assert_int_equal(r->n, HOUSEHOLDS);
	for (size_t i = 0; i < r->n; i++)
		for (int c = 0; c < 2; c++)
			assert_int_equal(campaign_join(f.s, &f.reg, &r->p[i], ids[c], time_now_ms(),
						       "test", err, sizeof(err)),
					 CMN_OK);

	/* each contribution against the truth, and the contributors per cell */
	for (int c = 0; c < 2; c++) {
		struct campaign_row cr;
		struct campaign_contrib con = {0};
		struct cells cells;
		struct truth_ctx t = {.flows = c == 0}; /* periods are UTC */
		char day[32];
		uint32_t *contributors;

		assert_int_equal(store_campaign_get(f.s, ids[c], false, &cr), CMN_OK);
		assert_int_equal(campaign_spec_parse(cr.spec, strlen(cr.spec), &f.reg, &specs[c],
						     err, sizeof(err)),
				 CMN_OK);
		campaign_row_release(&cr);
		assert_int_equal(campaign_domain_init(&dom[c], f.s, &specs[c], err, sizeof(err)),
				 CMN_OK);
		assert_int_equal(dom[c].ndistricts, SYNTH_DISTRICTS);
		cells.n = dom[c].ncells;
		cells.sum = calloc(cells.n, sizeof(*cells.sum));
		cells.cnt = calloc(cells.n, sizeof(*cells.cnt));
		contributors = calloc(cells.n, sizeof(*contributors));
		assert_true(cells.sum && cells.cnt && contributors);
		t.dom = &dom[c];
		snprintf(day, sizeof(day), "%sT00:00:00Z", from[c]);
		t.from = at(day);
		snprintf(day, sizeof(day), "%sT00:00:00Z", to[c]);
		t.to = at(day);
		t.c = &cells;
		for (size_t i = 0; i < r->n; i++) {
			size_t touched = truth(&r->p[i], &t), k = 0;

			assert_int_equal(
			    campaign_contribution(f.s, &specs[c], &dom[c], r->p[i].id, &con),
			    CMN_OK);
			if (touched == 0) {
				assert_int_equal(con.ncells, 0);
				continue;
			}
			/* a person feeding more cells than allowed would have some
			 * dropped at random at the run: the bound is set above what
			 * anyone feeds, so the check is exact */
			assert_true(touched <= (size_t)max_cells[c]);
			assert_int_equal(con.ncells, touched);
			for (size_t x = 0; x < cells.n; x++) {
				if (!cells.cnt[x])
					continue;
				assert_int_equal(con.cells[k].cell, x);
				assert_int_equal(con.cells[k].n, cells.cnt[x]);
				assert_int_equal(con.cells[k].mean,
						 mean_half_away(cells.sum[x], cells.cnt[x]));
				if (touched <= (size_t)max_cells[c])
					contributors[x]++;
				k++;
			}
			contributing[c] += touched <= (size_t)max_cells[c];
		}
		campaign_contrib_release(&con);
		print_message("%s: %zu of %zu residents within %d cells\n", groups[c],
			      contributing[c], r->n, max_cells[c]);
		/* the run, the publication */
		assert_int_equal(run(ids[c], &st), CMN_OK);
		assert_int_equal(st.joined, HOUSEHOLDS);
		assert_int_equal(campaign_publish(f.s, ids[c], time_now_ms(), "test", NULL, &notified),
				 CMN_OK);
		/* two queries (count, sum) of epsilon 1 each: the count's noise
		 * is a discrete Laplace of scale max_cells / 1 */
		if (contributing[c] == st.counted)
			check_release(ids[c], &dom[c], contributors, sqrt(2.0) * max_cells[c],
				      c == 0);
		else
			fail_msg("%zu residents within the bound, %zu counted", contributing[c],
				 (size_t)st.counted);
		free(cells.sum);
		free(cells.cnt);
		free(contributors);
		campaign_domain_release(&dom[c]);
		campaign_spec_release(&specs[c]);
	}

	/* the hourly profile of January too would cover the trips the flows
	 * covered, with the same residents: the register refuses it, since
	 * one table could be subtracted from the other (docs/campaigns.md) */
	{
		char again[CRYPT_ID_LEN];
		struct campaign_run_stats rst;

		campaign("Profil horaire de janvier", groups[1], max_cells[1], from[0], to[0],
			 again);
		approve(trust, trustees, again);
		for (size_t i = 0; i < r->n; i++)
			assert_int_equal(campaign_join(f.s, &f.reg, &r->p[i], again, time_now_ms(),
						       "test", err, sizeof(err)),
					 CMN_OK);
		assert_int_equal(run(again, &rst), CMN_ERR_CONFLICT);
	}
	free(r);
}

static int setup(void **state)
{
	(void)state;
	t0 = time_now_ms();
	if (fixture_open(&f, "outsider") != 0 ||
	    store_org_add(f.s, "Autorité organisatrice des mobilités", "city", &org) != CMN_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(scenario, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
