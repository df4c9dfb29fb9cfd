/*
 * test_series.c - the time-series service over a real person's store:
 * creation checks, idempotent appends, the newer-value rule and its audit,
 * range deletes, raw scans, and calendar buckets across the DST changes of
 * Europe/Paris (a 23-hour day on 2024-03-31, a 25-hour one on 2024-10-27).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "series/codec.h"
#include "series/series.h"
#include "store/store.h"

static void load_curve(struct fixture *f, struct series_def *def)
{
	const char *why = NULL;

	memset(def, 0, sizeof(*def));
	snprintf(def->doctype, sizeof(def->doctype), "energy.electricity.load_curve");
	snprintf(def->source, sizeof(def->source), "enedis");
	snprintf(def->key, sizeof(def->key), "12345678901234");
	snprintf(def->unit, sizeof(def->unit), "W");
	snprintf(def->tz, sizeof(def->tz), "Europe/Paris");
	def->step = 1800000;
	def->meta = strdup("{\"prm\":\"12345678901234\"}");
	assert_int_equal(series_create(f->ps, &f->reg, def, "person:x", &why), CMN_OK);
}

static void creation_is_checked(void **state)
{
	struct fixture *f = *state;
	struct series_def d, again;
	const char *why = NULL;

	load_curve(f, &d);
	assert_int_equal(d.span, 1800000LL * SERIES_REGULAR_SLOTS);
	again = d;
	again.meta = NULL;
	assert_int_equal(series_create(f->ps, &f->reg, &again, "person:x", &why), CMN_ERR_EXISTS);
	again = d;
	again.meta = NULL;
	snprintf(again.key, sizeof(again.key), "other");
	snprintf(again.unit, sizeof(again.unit), "kW");
	assert_int_equal(series_create(f->ps, &f->reg, &again, "person:x", &why), CMN_ERR_INVALID);
	snprintf(again.unit, sizeof(again.unit), "W");
	again.step = 900000; /* 15 min: not a step of load curves */
	assert_int_equal(series_create(f->ps, &f->reg, &again, "person:x", &why), CMN_ERR_INVALID);
	again.step = 1800000;
	snprintf(again.tz, sizeof(again.tz), "Mars/Olympus");
	assert_int_equal(series_create(f->ps, &f->reg, &again, "person:x", &why), CMN_ERR_INVALID);
	snprintf(again.tz, sizeof(again.tz), "UTC");
	snprintf(again.doctype, sizeof(again.doctype), "bank.transaction");
	assert_int_equal(series_create(f->ps, &f->reg, &again, "person:x", &why), CMN_ERR_INVALID);
	series_def_release(&d);
}

static enum cmn_rc collect(int64_t t, int64_t v, void *pv)
{
	struct series_point **p = pv;

	(*p)->t = t;
	(*p)->v = v;
	(*p)++;
	return CMN_OK;
}

static void appends_are_idempotent_and_newer_wins(void **state)
{
	struct fixture *f = *state;
	struct series_def d;
	struct series_write w;
	struct series_point pts[200], got[400], *cursor = got;
	const char *why = NULL;
	int64_t t0 = check_time("2024-01-01T00:00:00Z");

	load_curve(f, &d);
	for (int i = 0; i < 200; i++) {
		pts[i].t = t0 + (int64_t)i * 1800000;
		pts[i].v = 500 + i;
	}
	assert_int_equal(series_append(f->ps, &d, pts, 200, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 200);
	/* the same again: nothing changes */
	for (int i = 0; i < 200; i++) {
		pts[i].t = t0 + (int64_t)i * 1800000;
		pts[i].v = 500 + i;
	}
	assert_int_equal(series_append(f->ps, &d, pts, 200, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 0);
	assert_int_equal(w.unchanged, 200);
	/* an overlap with 10 new points and 5 different values */
	for (int i = 0; i < 20; i++) {
		pts[i].t = t0 + (int64_t)(190 + i) * 1800000;
		pts[i].v = 500 + 190 + i + (i < 5 ? 1000 : 0);
	}
	assert_int_equal(series_append(f->ps, &d, pts, 20, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 10);
	assert_int_equal(w.replaced, 5);
	assert_int_equal(w.unchanged, 5);
	series_def_release(&d);
	assert_int_equal(pstore_series_find(f->ps, "energy.electricity.load_curve", "enedis",
					    "12345678901234", &d), CMN_OK);
	assert_int_equal(d.points, 210);
	assert_int_equal(d.t_first, t0);
	assert_int_equal(d.t_last, t0 + 209LL * 1800000);
	assert_int_equal(series_scan(f->ps, &d, INT64_MIN / 2, INT64_MAX / 2, collect, &cursor), CMN_OK);
	assert_int_equal(cursor - got, 210);
	assert_int_equal(got[190].v, 1690); /* the newer value */
	assert_int_equal(got[195].v, 695);
	/* off the grid, or one time with two values: refused, nothing written */
	pts[0].t = t0 + 60000;
	pts[0].v = 1;
	assert_int_equal(series_append(f->ps, &d, pts, 1, "person:x", &w, &why), CMN_ERR_INVALID);
	pts[0].t = pts[1].t = t0 + 1000LL * 1800000;
	pts[0].v = 1;
	pts[1].v = 2;
	assert_int_equal(series_append(f->ps, &d, pts, 2, "person:x", &w, &why), CMN_ERR_INVALID);
	series_def_release(&d);
	assert_int_equal(pstore_series_find(f->ps, "energy.electricity.load_curve", "enedis",
					    "12345678901234", &d), CMN_OK);
	assert_int_equal(d.points, 210);
	series_def_release(&d);
}

static enum cmn_rc audit_actions(const struct audit_entry *e, void *pv)
{
	char *s = pv;

	strncat(s, e->action, 1000 - strlen(s) - 2);
	strncat(s, " ", 1000 - strlen(s) - 2);
	return CMN_OK;
}

static void writes_are_audited(void **state)
{
	struct fixture *f = *state;
	struct series_def d;
	struct series_write w;
	struct series_point p = {check_time("2024-05-01T00:00:00Z"), 10};
	const char *why = NULL;
	char actions[1000] = "";

	load_curve(f, &d);
	assert_int_equal(series_append(f->ps, &d, &p, 1, "person:x", &w, &why), CMN_OK);
	p.v = 11;
	assert_int_equal(series_append(f->ps, &d, &p, 1, "person:x", &w, &why), CMN_OK);
	assert_int_equal(series_append(f->ps, &d, &p, 1, "person:x", &w, &why), CMN_OK);
	assert_int_equal(series_delete_range(f->ps, &d, p.t, p.t + 1, "person:x", &w), CMN_OK);
	assert_int_equal(w.removed, 1);
	assert_int_equal(pstore_audit_each(f->ps, NULL, 0, 100, audit_actions, actions), CMN_OK);
	/* the unchanged append leaves no entry */
	assert_string_equal(actions, "series.create series.append series.overwrite series.delete_range ");
	series_def_release(&d);
}

struct day_sums {
	struct bucket b[8];
	int n;
};

static enum cmn_rc keep_bucket(const struct bucket *b, void *pv)
{
	struct day_sums *s = pv;

	if (s->n < 8)
		s->b[s->n++] = *b;
	return CMN_OK;
}

static void day_buckets_follow_dst(void **state)
{
	struct fixture *f = *state;
	struct series_def d;
	struct series_write w;
	struct series_point *pts = malloc(5 * 48 * sizeof(*pts));
	struct bucket_spec day;
	struct day_sums sums = {0};
	const char *why = NULL;
	/* every half hour from 2024-03-30 00:00 Paris (23:00 UTC the day before)
	 * to 2024-04-02, each point worth 1 W */
	int64_t t0 = check_time("2024-03-29T23:00:00Z"), t1 = check_time("2024-04-01T22:00:00Z");
	size_t n = 0;

	load_curve(f, &d);
	for (int64_t t = t0; t < t1; t += 1800000, n++) {
		pts[n].t = t;
		pts[n].v = 1;
	}
	assert_int_equal(series_append(f->ps, &d, pts, n, "person:x", &w, &why), CMN_OK);
	assert_int_equal(bucket_parse("day", &day), CMN_OK);
	assert_int_equal(series_aggregate(f->ps, &d, t0, t1, &day, keep_bucket, &sums), CMN_OK);
	assert_int_equal(sums.n, 3);
	assert_int_equal(sums.b[0].count, 48);          /* 30 March */
	assert_int_equal(sums.b[1].count, 46);          /* 31 March: 23 hours */
	assert_int_equal(sums.b[1].sum, 46);
	assert_int_equal(sums.b[1].start, check_time("2024-03-30T23:00:00Z"));
	assert_int_equal(sums.b[1].end, check_time("2024-03-31T22:00:00Z"));
	assert_int_equal(sums.b[2].count, 48);          /* 1 April */
	series_def_release(&d);

	/* autumn: 27 October lasts 25 hours */
	memset(&sums, 0, sizeof(sums));
	t0 = check_time("2024-10-25T22:00:00Z");
	t1 = check_time("2024-10-28T23:00:00Z");
	n = 0;
	assert_int_equal(pstore_series_find(f->ps, "energy.electricity.load_curve", "enedis",
					    "12345678901234", &d), CMN_OK);
	for (int64_t t = t0; t < t1; t += 1800000, n++) {
		pts[n].t = t;
		pts[n].v = 2;
	}
	assert_int_equal(series_append(f->ps, &d, pts, n, "person:x", &w, &why), CMN_OK);
	assert_int_equal(series_aggregate(f->ps, &d, t0, t1, &day, keep_bucket, &sums), CMN_OK);
	assert_int_equal(sums.n, 3);
	assert_int_equal(sums.b[0].count, 48);          /* 26 October */
	assert_int_equal(sums.b[1].count, 50);          /* 27 October: 25 hours */
	assert_int_equal(sums.b[1].sum, 100);
	assert_int_equal(sums.b[1].start, check_time("2024-10-26T22:00:00Z"));
	assert_int_equal(sums.b[1].end, check_time("2024-10-27T23:00:00Z"));
	assert_int_equal(sums.b[2].count, 48);
	series_def_release(&d);
	free(pts);
}

static void month_and_week_buckets(void **state)
{
	struct fixture *f = *state;
	struct series_def d;
	struct series_write w;
	struct series_point *pts = malloc(100 * 48 * sizeof(*pts));
	struct bucket_spec month, week, hour;
	struct day_sums sums = {0};
	const char *why = NULL;
	int64_t t0 = check_time("2024-01-31T23:00:00Z"), t1 = check_time("2024-04-30T22:00:00Z");
	size_t n = 0;

	load_curve(f, &d);
	for (int64_t t = t0; t < t1; t += 1800000, n++) {
		pts[n].t = t;
		pts[n].v = 1;
	}
	assert_int_equal(series_append(f->ps, &d, pts, n, "person:x", &w, &why), CMN_OK);
	assert_int_equal(bucket_parse("month", &month), CMN_OK);
	assert_int_equal(series_aggregate(f->ps, &d, t0, t1, &month, keep_bucket, &sums), CMN_OK);
	assert_int_equal(sums.n, 3);
	assert_int_equal(sums.b[0].count, 29 * 48);     /* February 2024 */
	assert_int_equal(sums.b[1].count, 31 * 48 - 2); /* March, with its short day */
	assert_int_equal(sums.b[2].count, 30 * 48);     /* April */
	memset(&sums, 0, sizeof(sums));
	assert_int_equal(bucket_parse("week", &week), CMN_OK);
	assert_int_equal(series_aggregate(f->ps, &d, check_time("2024-02-05T00:00:00+01:00"),
					  check_time("2024-02-19T00:00:00+01:00"), &week, keep_bucket, &sums), CMN_OK);
	assert_int_equal(sums.n, 2);
	assert_int_equal(sums.b[0].start, check_time("2024-02-05T00:00:00+01:00")); /* a Monday */
	assert_int_equal(sums.b[0].count, 7 * 48);
	assert_int_equal(bucket_parse("hour", &hour), CMN_OK);
	assert_int_equal(hour.size, 3600000);
	assert_int_equal(bucket_parse("15min", &hour), CMN_OK);
	assert_int_equal(hour.size, 900000);
	assert_int_equal(bucket_parse("0min", &hour), CMN_ERR_INVALID);
	assert_int_equal(bucket_parse("fortnight", &hour), CMN_ERR_INVALID);
	series_def_release(&d);
	free(pts);
}

static void irregular_positions(void **state)
{
	struct fixture *f = *state;
	struct series_def d = {0};
	struct series_write w;
	struct series_point pts[3] = {{check_time("2024-06-01T08:00:00.250Z"), 45764043},
				      {check_time("2024-06-01T08:00:03.100Z"), 45764101},
				      {check_time("2024-06-01T20:00:00Z"), 45700000}};
	struct series_point got[3], *cursor = got;
	const char *why = NULL;

	snprintf(d.doctype, sizeof(d.doctype), "mobility.position");
	snprintf(d.source, sizeof(d.source), "gps");
	snprintf(d.key, sizeof(d.key), "phone/lat");
	snprintf(d.unit, sizeof(d.unit), "udeg");
	snprintf(d.tz, sizeof(d.tz), "Europe/Paris");
	assert_int_equal(series_create(f->ps, &f->reg, &d, "person:x", &why), CMN_OK);
	assert_int_equal(series_append(f->ps, &d, pts, 3, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 3);
	assert_int_equal(series_scan(f->ps, &d, 0, INT64_MAX / 2, collect, &cursor), CMN_OK);
	assert_int_equal(cursor - got, 3);
	assert_int_equal(got[0].t, pts[0].t);
	assert_int_equal(got[1].v, 45764101);
	series_def_release(&d);
}

/* keep mode: the first value given for a time stays, whether it was stored
 * before or given earlier in the same (unsorted) request */
static void first_value_kept(void **state)
{
	struct fixture *f = *state;
	struct series_def d = {0};
	struct series_write w;
	int64_t t0 = check_time("2024-06-01T08:00:00Z");
	struct series_point first[2] = {{t0 + 1000, 11}, {t0, 10}};
	/* out of order, t0 + 2000 twice (20 then 21), t0 again (another
	 * value), t0 + 1000 again (the same value) */
	struct series_point again[5] = {
	    {t0 + 2000, 20}, {t0, 99}, {t0 + 2000, 21}, {t0 + 1000, 11}, {t0 + 3000, 30}};
	struct series_point twice[2] = {{t0 + 5000, 1}, {t0 + 5000, 2}};
	struct series_point got[8], *cursor = got;
	const char *why = NULL;

	snprintf(d.doctype, sizeof(d.doctype), "mobility.position");
	snprintf(d.source, sizeof(d.source), "gps");
	snprintf(d.key, sizeof(d.key), "phone/lon");
	snprintf(d.unit, sizeof(d.unit), "udeg");
	snprintf(d.tz, sizeof(d.tz), "Europe/Paris");
	assert_int_equal(series_create(f->ps, &f->reg, &d, "person:x", &why), CMN_OK);
	assert_int_equal(series_append_keep(f->ps, &d, first, 2, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 2);
	assert_int_equal(series_append_keep(f->ps, &d, again, 5, "person:x", &w, &why), CMN_OK);
	assert_int_equal(w.added, 2);     /* t0 + 2000 (20, the first given), t0 + 3000 */
	assert_int_equal(w.kept, 2);      /* t0 + 2000 = 21, t0 = 99 */
	assert_int_equal(w.unchanged, 1); /* t0 + 1000 = 11 */
	assert_int_equal(w.replaced, 0);
	assert_int_equal(series_scan(f->ps, &d, 0, INT64_MAX / 2, collect, &cursor), CMN_OK);
	assert_int_equal(cursor - got, 4);
	assert_int_equal(got[0].v, 10);
	assert_int_equal(got[1].v, 11);
	assert_int_equal(got[2].v, 20);
	assert_int_equal(got[3].v, 30);
	/* the newer-wins append refuses two values for one time in a request */
	assert_int_equal(series_append(f->ps, &d, twice, 2, "person:x", &w, &why),
			 CMN_ERR_INVALID);
	series_def_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(creation_is_checked, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(appends_are_idempotent_and_newer_wins, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(writes_are_audited, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(day_buckets_follow_dst, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(month_and_week_buckets, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(irregular_positions, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(first_value_kept, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
