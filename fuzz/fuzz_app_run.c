/*
 * fuzz_app_run.c - libFuzzer target for the app sandbox
 * (src/apps/sandbox.c): any input is the Lua source of an app that may
 * read mobility.trip (three records), an electricity series (a day of
 * points), a tax notice and its own allowances (what commune.eligibility
 * reads) and the ademe.transport dataset, and write social.allowance,
 * run with small limits on a real person's store (tests/support/fixture.c).
 * Besides ASan/UBSan (the host API gathers in C and builds Lua values in
 * protected calls: no Lua error may cross store code), it checks:
 *   - app_run answers CMN_OK whatever the source, with a known outcome;
 *   - a run that did not end well left no record of its own, and one that
 *     did replaced the previous run's (the records the app wrote are those
 *     the report counts);
 *   - the audit chain still verifies, and its last entry is the run's;
 *   - memory is back to what it was (the Lua state is closed every time):
 *     checked by LeakSanitizer at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "series/series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_app_run: %s\n", what);                         \
			abort();                                                             \
		}                                                                            \
	} while (0)

static struct fixture f;

static void add(const char *doctype, const char *data, const char *when)
{
	struct record_meta m = {0};

	snprintf(m.doctype, sizeof(m.doctype), "%s", doctype);
	crypt_uuid7_new(m.id);
	snprintf(m.source, sizeof(m.source), "fuzz");
	CHECK(time_parse(when, true, &m.t) == CMN_OK, "a time");
	CHECK(pstore_record_insert(f.ps, &m, data, "fuzz") == CMN_OK, "a record");
}

static void world(void)
{
	struct series_def def = {0};
	struct series_point pts[48];
	struct series_write res;
	const char *why = NULL;
	int64_t t0;

	CHECK(fixture_open(&f, "alice") == 0, "the fixture opens");
	add("mobility.trip", "{\"start\":\"2024-03-01T08:00:00Z\",\"end\":\"2024-03-01T09:00:00Z\","
			     "\"mode\":\"car\",\"distance_m\":12000}", "2024-03-01T08:00:00Z");
	add("mobility.trip", "{\"start\":\"2024-03-02T08:00:00Z\",\"end\":\"2024-03-02T09:00:00Z\","
			     "\"mode\":\"bike\",\"distance_m\":3000}", "2024-03-02T08:00:00Z");
	add("mobility.trip", "{\"start\":\"2024-04-02T08:00:00Z\",\"end\":\"2024-04-02T09:00:00Z\","
			     "\"mode\":\"bus\"}", "2024-04-02T08:00:00Z");
	/* a tax notice, for commune.eligibility (the rules engine reads it) */
	add("tax.household", "{\"income_year\":2022,\"issued\":\"2023-08-01\",\"tax_shares\":1.5,"
			     "\"reference_income\":9000,\"commune_insee\":\"33063\"}", "2023-08-01");
	snprintf(def.doctype, sizeof(def.doctype), "energy.electricity.load_curve");
	snprintf(def.source, sizeof(def.source), "fuzz");
	snprintf(def.key, sizeof(def.key), "meter");
	snprintf(def.unit, sizeof(def.unit), "W");
	snprintf(def.tz, sizeof(def.tz), "Europe/Paris");
	def.step = 1800000;
	CHECK(series_create(f.ps, &f.reg, &def, "fuzz", &why) == CMN_OK, "a series");
	CHECK(time_parse("2024-03-01T00:00:00Z", true, &t0) == CMN_OK, "a time");
	for (int i = 0; i < 48; i++) {
		pts[i].t = t0 + (int64_t)i * 1800000;
		pts[i].v = 200 + i;
	}
	CHECK(series_append(f.ps, &def, pts, 48, "fuzz", &res, &why) == CMN_OK, "points");
	series_def_release(&def);
}

static enum cmn_rc counted(const struct record_meta *m, const char *d,
			   const struct query_value *k, void *n)
{
	(void)d;
	(void)k;
	if (strcmp(m->source, "app:fuzz") == 0)
		(*(int64_t *)n)++;
	return CMN_OK;
}

static int64_t app_records(void)
{
	struct store_query q = {0};
	int64_t n = 0;

	q.doctype = "social.allowance";
	q.sort = QSORT_ID;
	q.limit = 1000000;
	CHECK(pstore_record_query(f.ps, &q, counted, &n) == CMN_OK, "a query");
	return n;
}

static enum cmn_rc last_action(const struct audit_entry *e, void *out)
{
	snprintf(out, 32, "%s", e->action);
	return CMN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static const char manifest[] =
		"{\"id\":\"fuzz\",\"version\":\"1.0.0\",\"publisher\":{\"name\":\"F\"},"
		"\"name\":{\"fr\":\"f\",\"en\":\"f\"},\"description\":{\"fr\":\"f\",\"en\":\"f\"},"
		"\"entry\":\"main.lua\",\"permissions\":{\"read\":[{\"doctype\":\"mobility.trip\"},"
		"{\"doctype\":\"energy.electricity.load_curve\"},{\"doctype\":\"tax.household\"},"
		"{\"doctype\":\"social.allowance\"}],\"write\":[\"social.allowance\"],"
		"\"datasets\":[\"ademe.transport\"]},\"triggers\":[{\"on\":\"demand\"}],"
		"\"limits\":{\"memory_mb\":4,\"instructions\":200000,\"seconds\":1}}";
	struct app_package p;
	struct app_run r;
	json_t *doc, *src;
	char err[300], *text, action[32] = "";
	int64_t before, after, count = 0, bad = 0;

	if (!ready) {
		world();
		ready = 1;
	}
	/* the source as JSON text: bytes that are not UTF-8, or a NUL (which
	 * packages refuse), make no package */
	if (memchr(data, 0, size))
		return 0;
	src = json_stringn((const char *)data, size);
	if (!src)
		return 0;
	doc = json_pack("{s:s, s:o, s:{s:o}}", "format", "commune-app/1", "manifest",
			json_loads(manifest, 0, NULL), "files", "main.lua", src);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	CHECK(text, "a package");
	CHECK(app_package_parse(text, strlen(text), &f.reg, &p, err, sizeof(err)) == CMN_OK,
	      "the package parses");
	free(text);
	before = app_records();
	{
		struct app_host h = {f.ps, &f.reg, "app:fuzz@1.0.0", "demand", NULL, time_now_ms(), false};

		CHECK(app_run(&p, &h, &r) == CMN_OK, "a run is made whatever the source");
	}
	CHECK(r.outcome >= APP_OK && r.outcome <= APP_ERR_STORE, "a known outcome");
	CHECK(r.outcome != APP_ERR_STORE, "the store never fails");
	after = app_records();
	if (r.outcome == APP_OK)
		CHECK(after == r.records_written, "a good run's records are those it wrote");
	else
		CHECK(after == before, "a failed run keeps nothing");
	CHECK(pstore_audit_verify(f.ps, &count, &bad) == CMN_OK, "the chain verifies");
	CHECK(pstore_audit_each(f.ps, NULL, count - 1, 1, last_action, action) == CMN_OK &&
		      strcmp(action, "app.run") == 0,
	      "the last entry is the run's");
	app_run_release(&r);
	app_package_release(&p);
	return 0;
}
