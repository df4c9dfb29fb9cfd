/*
 * test_campaign_spec.c - a campaign's definition (src/campaign/spec.c):
 * valid definitions round-trip through the canonical JSON, defaults and
 * spellings are made canonical, and each fault is named by its JSON
 * pointer.
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

#include "jsonfail.h"
#include "campaign/spec.h"
#include "core/timeutil.h"
#include "record/doctype.h"

/* the worked example of docs/campaigns.md */
#define GOOD                                                                                 \
	"{\"title\":{\"fr\":\"Profil horaire d'électricité par quartier, janvier 2026\","        \
	"\"en\":\"Hourly electricity profile by district, January 2026\"},"                    \
	"\"purpose\":{\"fr\":\"Dimensionner le réseau.\",\"en\":\"Size the grid.\"},"            \
	"\"organisation\":\"0123456789abcdef0123456789abcdef\","                               \
	"\"source\":{\"series\":\"energy.electricity.load_curve\"},"                           \
	"\"period\":{\"from\":\"2026-01-01\",\"to\":\"2026-02-01\"},"                          \
	"\"group_by\":[\"district\",\"hour_of_day\"],"                                          \
	"\"measures\":[{\"kind\":\"count\"},{\"kind\":\"mean\",\"clip\":[0,12000]},"             \
	"{\"kind\":\"histogram\",\"bins\":[0,500,1000,3000,12000]}],"                          \
	"\"privacy\":{\"k\":11,\"mechanism\":\"gaussian\",\"epsilon\":\"0.5\","                  \
	"\"delta\":\"0.000000001\",\"max_cells_per_person\":24},"                              \
	"\"opens\":\"2026-02-02T08:00:00.000Z\",\"closes\":\"2026-03-02T08:00:00.000Z\","      \
	"\"governance\":{\"body\":\"trust\"},\"licence\":\"etalab-2.0\"}"

/* trips by mode, with the defaults left out and other spellings */
#define TRIPS                                                                                \
	"{\"licence\":\"ODbL-1.0\",\"title\":{\"en\":\"Trips\",\"fr\":\"Trajets\"},"             \
	"\"purpose\":{\"fr\":\"Mobilité\\npartagée\",\"en\":\"Shared mobility\"},"              \
	"\"organisation\":\"ffffffffffffffffffffffffffffffff\","                               \
	"\"source\":{\"value\":\"distance_m\",\"records\":\"mobility.trip\"},"                 \
	"\"period\":{\"from\":\"2025-09-01T00:00:00+02:00\",\"to\":\"2025-10-01T00:00:00Z\"},"  \
	"\"measures\":[{\"kind\":\"sum\",\"clip\":[-5,5]}],"                                    \
	"\"privacy\":{\"mechanism\":\"laplace\",\"epsilon\":0.1,\"max_cells_per_person\":1},"   \
	"\"opens\":\"2025-10-01T00:00:00+02:00\",\"closes\":\"2025-11-01T00:00:00Z\","         \
	"\"governance\":{\"body\":\"cooperative\"},\"group_by\":[\"mode\"]}"

static struct registry reg;

static int setup(void **state)
{
	char err[256];

	(void)state;
	return registry_load(&reg, err, sizeof(err)) == CMN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	registry_release(&reg);
	return 0;
}

/* canonical - the canonical text of a valid definition (caller frees). */
static char *canonical(const char *text)
{
	struct campaign_spec s;
	char err[300] = "", *out;

	if (campaign_spec_parse(text, strlen(text), &reg, &s, err, sizeof(err)) != CMN_OK)
		fail_msg("refused: %s", err);
	assert_int_equal(campaign_spec_json(&s, &out, NULL), CMN_OK);
	campaign_spec_release(&s);
	return out;
}

/* round_trip - text's canonical form reads back to itself. */
static char *round_trip(const char *text)
{
	char *once = canonical(text), *twice = canonical(once);

	assert_string_equal(once, twice);
	free(twice);
	return once;
}

static void valid_round_trips(void **state)
{
	struct campaign_spec s;
	char err[300] = "", *c;

	(void)state;
	assert_int_equal(campaign_spec_parse(GOOD, strlen(GOOD), &reg, &s, err, sizeof(err)), CMN_OK);
	assert_int_equal(s.source, CAMPAIGN_SOURCE_SERIES);
	assert_string_equal(s.doctype, "energy.electricity.load_curve");
	assert_int_equal(s.ngroup, 2);
	assert_int_equal(s.group_by[1], CAMPAIGN_DIM_HOUR_OF_DAY);
	assert_int_equal(s.nmeasures, 3);
	assert_int_equal(s.measures[1].hi, 12000);
	assert_int_equal(s.measures[2].nbins, 5);
	assert_int_equal(s.privacy.epsilon.num, 1);
	assert_int_equal(s.privacy.epsilon.den, 2);
	assert_int_equal(s.privacy.delta.den, 1000000000);
	assert_int_equal(s.to - s.from, 31 * 86400000LL);
	campaign_spec_release(&s);
	campaign_spec_release(&s);                   /* twice is harmless */
	c = round_trip(GOOD);
	assert_string_equal(c, GOOD);                /* GOOD is written canonically */
	free(c);
}

static size_t fail_at; /* the allocation that fails (jsonfail.h) */

/* The canonical text is what the store keeps and the participants agree
 * to: under every failed allocation it is whole or not at all, never a
 * text with a group, a measure, a bin or a privacy term left out. */
static void canonical_whole_or_nothing(void **state)
{
	struct campaign_spec s;
	char err[300] = "", *want, *out;
	int failed = 0;

	(void)state;
	assert_int_equal(campaign_spec_parse(GOOD, strlen(GOOD), &reg, &s, err, sizeof(err)), CMN_OK);
	assert_int_equal(campaign_spec_json(&s, &want, NULL), CMN_OK);
	for (fail_at = 1;; fail_at++) {
		enum cmn_rc rc;

		out = NULL;
		jsonfail_arm(fail_at);
		rc = campaign_spec_json(&s, &out, NULL);
		jsonfail_disarm();
		if (rc == CMN_OK) {
			assert_string_equal(out, want);
			free(out);
			if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
				break;
			continue;
		}
		assert_int_equal(rc, CMN_ERR_NOMEM);
		assert_null(out);
		failed++;
	}
	assert_true(failed >= 30); /* every member, element and string of GOOD */
	free(want);
	campaign_spec_release(&s);
}

static void defaults_and_spellings(void **state)
{
	char *c;

	(void)state;
	c = round_trip(TRIPS);
	assert_non_null(strstr(c, "\"privacy\":{\"k\":11,\"mechanism\":\"laplace\","
				  "\"epsilon\":\"0.1\",\"max_cells_per_person\":1}"));
	assert_non_null(strstr(c, "\"period\":{\"from\":\"2025-08-31T22:00:00.000Z\","
				  "\"to\":\"2025-10-01\"}"));
	assert_non_null(strstr(c, "\"opens\":\"2025-09-30T22:00:00.000Z\""));
	assert_non_null(strstr(c, "\"source\":{\"records\":\"mobility.trip\",\"value\":"
				  "\"distance_m\"}"));
	assert_non_null(strstr(c, "\"title\":{\"fr\":\"Trajets\",\"en\":\"Trips\"}"));
	assert_non_null(strstr(c, "Mobilité\\npartagée"));
	free(c);
}

/* with_member - GOOD with the member at pointer replaced by json (removed
 * when NULL); caller frees. */
static char *with_member(const char *pointer, const char *json)
{
	json_t *t = json_loads(GOOD, 0, NULL), *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	char path[128], *p, *last, *out;
	json_t *parent = t;

	assert_non_null(t);
	if (json && !v)
		fail_msg("bad test value %s", json);
	snprintf(path, sizeof(path), "%s", pointer + 1);
	last = path;
	while ((p = strchr(last, '/'))) {
		*p = '\0';
		parent = json_is_array(parent) ? json_array_get(parent, strtoul(last, NULL, 10)) :
						 json_object_get(parent, last);
		last = p + 1;
	}
	if (json_is_array(parent) && v)
		json_array_set_new(parent, strtoul(last, NULL, 10), v);
	else if (v)
		json_object_set_new(parent, last, v);
	else
		json_object_del(parent, last);
	out = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	return out;
}

/* fault_of - GOOD with one member changed is refused, the fault starting
 * with want (a pointer, maybe more). */
static void fault_of(const char *pointer, const char *json, const char *want)
{
	char *text = with_member(pointer, json), err[300] = "";
	struct campaign_spec s;

	if (campaign_spec_parse(text, strlen(text), &reg, &s, err, sizeof(err)) != CMN_ERR_INVALID)
		fail_msg("%s = %s: accepted", pointer, json ? json : "(absent)");
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("%s = %s: \"%s\", not \"%s...\"", pointer, json ? json : "(absent)", err, want);
	assert_null(s.title.fr);                     /* a refusal leaves nothing */
	free(text);
}

/* accepted - GOOD with one member changed is accepted. */
static void accepted(const char *pointer, const char *json)
{
	char *text = with_member(pointer, json), *c;

	c = round_trip(text);
	free(c);
	free(text);
}

static void faults_of_texts_and_source(void **state)
{
	char long_title[CAMPAIGN_TITLE_MAX + 8];

	(void)state;
	fault_of("/extra", "1", "/extra: not a member");
	fault_of("/title", NULL, "/title: an object");
	fault_of("/title/en", "\"\"", "/title/en: a text is required");
	fault_of("/title/en", "\"two\\nlines\"", "/title/en: a text is required (one line)");
	fault_of("/title/de", "\"Titel\"", "/title/de: only fr and en");
	snprintf(long_title, sizeof(long_title), "\"%0*d\"", CAMPAIGN_TITLE_MAX + 1, 0);
	fault_of("/title/fr", long_title, "/title/fr: at most 200 bytes");
	fault_of("/purpose/fr", "\"   \"", "/purpose/fr: a text is required");
	fault_of("/organisation", "\"0123456789ABCDEF0123456789ABCDEF\"", "/organisation:");
	fault_of("/organisation", "42", "/organisation:");
	fault_of("/source", "{}", "/source: {\"series\"");
	fault_of("/source/series", "\"energy.nuclear\"", "/source/series: not a doctype");
	fault_of("/source/series", "\"bank.transaction\"", "/source/series: bank.transaction is not a time series");
	fault_of("/source/value", "\"x\"", "/source/value: not a member of a series source");
	fault_of("/source", "{\"records\":\"energy.electricity.load_curve\",\"value\":\"v\"}",
		 "/source/records: energy.electricity.load_curve is not a document");
	fault_of("/source", "{\"records\":\"mobility.trip\"}", "/source/value: the name");
	fault_of("/source", "{\"records\":\"mobility.trip\",\"value\":\"mode\"}",
		 "/source/value: mode is not a numeric field");
	fault_of("/source", "{\"records\":\"mobility.trip\",\"value\":\"Bad-Name\"}",
		 "/source/value: the name");
}

static void faults_of_period_and_groups(void **state)
{
	(void)state;
	fault_of("/period", "[]", "/period: an object");
	fault_of("/period/until", "\"2026-03-01\"", "/period/until: only from and to");
	fault_of("/period/from", "\"January\"", "/period/from: an RFC 3339 date");
	fault_of("/period/from", "\"2026-02-30\"", "/period/from: an RFC 3339 date");
	fault_of("/period/to", "\"2026-01-01\"", "/period/to: must come after from");
	fault_of("/period/to", "\"2027-01-03\"", "/period/to: at most 366 days");
	fault_of("/period/from", "\"1999-12-31\"", "/period/from: must be in the years");
	fault_of("/group_by", "\"district\"", "/group_by: an array");
	fault_of("/group_by", "[\"district\",\"weekday\",\"month\",\"heating_type\"]",
		 "/group_by: an array of at most 3");
	fault_of("/group_by/1", "\"postcode\"", "/group_by/1: not one of the public");
	fault_of("/group_by/1", "\"district\"", "/group_by/1: given twice");
	fault_of("/group_by/0", "\"mode\"", "/group_by/0: mode cannot be computed from"
		 " energy.electricity.load_curve");
	accepted("/group_by", "[]");
	accepted("/group_by", NULL);
	accepted("/group_by", "[\"household_size_band\",\"heating_type\",\"weekday\"]");
}

static void faults_of_measures(void **state)
{
	(void)state;
	fault_of("/measures", "[]", "/measures: an array of 1 to 4");
	fault_of("/measures", "[{\"kind\":\"count\"},{\"kind\":\"sum\",\"clip\":[0,1]},"
		 "{\"kind\":\"sum\",\"clip\":[0,2]},{\"kind\":\"sum\",\"clip\":[0,3]},"
		 "{\"kind\":\"sum\",\"clip\":[0,4]}]", "/measures: an array of 1 to 4");
	fault_of("/measures/0/kind", "\"median\"", "/measures/0/kind: one of");
	fault_of("/measures/0", "\"count\"", "/measures/0/kind: one of");
	fault_of("/measures/0/clip", "[0,1]", "/measures/0/clip: not a member of a count");
	fault_of("/measures/1/clip", NULL, "/measures/1/clip: the bounds");
	fault_of("/measures/1/clip", "[0,1,2]", "/measures/1/clip: the bounds");
	fault_of("/measures/1/clip", "[5,4]", "/measures/1/clip/1: must not be below");
	fault_of("/measures/1/clip", "[0,1.5]", "/measures/1/clip/1: an integer");
	fault_of("/measures/1/clip", "[-1000001,0]", "/measures/1/clip/0: an integer from");
	fault_of("/measures/1/bins", "[0,1]", "/measures/1/bins: not a member of a mean");
	fault_of("/measures/2/bins", "[0]", "/measures/2/bins: an array of 2 to 32");
	fault_of("/measures/2/bins", "[0,10,10]", "/measures/2/bins/2: edges must be strictly");
	fault_of("/measures/2/bins", "[0,\"10\"]", "/measures/2/bins/1: an integer");
	fault_of("/measures/2", "{\"kind\":\"count\"}", "/measures/2: the same as /measures/0");
	accepted("/measures/1/clip", "[7,7]");
	accepted("/measures/2/bins", "[-1000000,1000000]");
}

static void faults_of_privacy(void **state)
{
	(void)state;
	fault_of("/privacy", "true", "/privacy: an object");
	fault_of("/privacy/rho", "1", "/privacy/rho: not a privacy parameter");
	fault_of("/privacy/k", "1", "/privacy/k: an integer from 2 to 1000");
	fault_of("/privacy/k", "1001", "/privacy/k: an integer from 2 to 1000");
	fault_of("/privacy/k", "\"11\"", "/privacy/k:");
	fault_of("/privacy/mechanism", "\"randomised response\"", "/privacy/mechanism:");
	fault_of("/privacy/epsilon", NULL, "/privacy/epsilon: a number or a rational");
	fault_of("/privacy/epsilon", "\"one half\"", "/privacy/epsilon: a number or a rational");
	fault_of("/privacy/epsilon", "\"-0.5\"", "/privacy/epsilon: a number or a rational");
	fault_of("/privacy/epsilon", "0", "/privacy/epsilon: must be above 0");
	fault_of("/privacy/epsilon", "\"21/2\"", "/privacy/epsilon: must be above 0 and at most 10");
	fault_of("/privacy/epsilon", "1e30", "/privacy/epsilon: a number or a rational");
	fault_of("/privacy/delta", NULL, "/privacy/delta: a rational as text");
	fault_of("/privacy/delta", "\"0.001\"", "/privacy/delta: must be above 0 and below 1/1000");
	fault_of("/privacy/delta", "\"0\"", "/privacy/delta: must be above 0");
	fault_of("/privacy/delta", "\"1e-9/2\"", "/privacy/delta: a rational as text");
	fault_of("/privacy/mechanism", "\"laplace\"", "/privacy/delta: only with the gaussian");
	fault_of("/privacy/max_cells_per_person", "0", "/privacy/max_cells_per_person:");
	fault_of("/privacy/max_cells_per_person", "10001", "/privacy/max_cells_per_person:");
	fault_of("/privacy/max_cells_per_person", NULL, "/privacy/max_cells_per_person:");
	accepted("/privacy/k", NULL);
	accepted("/privacy/epsilon", "10");
	accepted("/privacy/epsilon", "\"1/3\"");
	accepted("/privacy/delta", "\"1e-9\"");
	accepted("/privacy/delta", "\"9.99e-4\"");
	accepted("/privacy/delta", "1e-12");
}

static void faults_of_dates_and_rest(void **state)
{
	(void)state;
	fault_of("/opens", "\"2026-02-02\"", "/opens: an RFC 3339 date-time");
	fault_of("/closes", "\"2026-02-02T08:00:00Z\"", "/closes: must come after opens");
	fault_of("/closes", "\"2100-01-01T00:00:00Z\"", "/closes: must be in the years");
	accepted("/opens", "\"2026-01-10T00:00:00+01:00\"");
	fault_of("/closes", "\"2026-01-20T00:00:00Z\"", "/closes: must come after opens");
	fault_of("/governance", "\"trust\"", "/governance: an object");
	fault_of("/governance/body", "\"council\"", "/governance/body: one of trust");
	fault_of("/governance/quorum", "3", "/governance/quorum: only body");
	fault_of("/licence", "\"MIT\"", "/licence: one of etalab-2.0");
	fault_of("/licence", NULL, "/licence: one of");
}

/* the period's end after closes: the data would not exist at the run */
static void closes_before_the_data(void **state)
{
	char *text = with_member("/period/to", "\"2026-03-05\""), err[300] = "";
	struct campaign_spec s;

	(void)state;
	assert_int_equal(campaign_spec_parse(text, strlen(text), &reg, &s, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "/closes: must not come before the end of the period");
	free(text);
}

static void whole_text(void **state)
{
	static const char *const bad[] = {"", "[]", "{", "{\"title\":1,\"title\":2}", "\"x\"",
					  "{\"a\":\"\xff\"}"};
	struct campaign_spec s;
	char err[300], *big;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		assert_int_equal(campaign_spec_parse(bad[i], strlen(bad[i]), &reg, &s, err,
						     sizeof(err)), CMN_ERR_INVALID);
		assert_true(err[0] == ':');
	}
	big = calloc(1, CAMPAIGN_SPEC_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', CAMPAIGN_SPEC_MAX_BYTES + 1);
	assert_int_equal(campaign_spec_parse(big, CAMPAIGN_SPEC_MAX_BYTES + 1, &reg, &s, err,
					     sizeof(err)), CMN_ERR_INVALID);
	assert_string_equal(err, ": at most 65536 bytes");
	free(big);
}

/* a doctype without a time field gives no hour, weekday or month */
static void time_dimensions_need_a_time(void **state)
{
	json_t *def = json_loads("{\"name\":\"test.note\",\"version\":1,\"kind\":\"document\","
				 "\"title\":{\"en\":\"Note\",\"fr\":\"Note\"},"
				 "\"sensitivity\":\"personal\",\"retention\":\"\",\"indexes\":[],"
				 "\"schema\":{\"type\":\"object\",\"properties\":"
				 "{\"n\":{\"type\":\"integer\"}}}}", 0, NULL);
	char err[300] = "", *text;
	struct campaign_spec s;

	(void)state;
	if (registry_add_json(&reg, def, err, sizeof(err)) != CMN_OK)  /* takes def */
		fail_msg("test doctype: %s", err);
	text = with_member("/source", "{\"records\":\"test.note\",\"value\":\"n\"}");
	assert_int_equal(campaign_spec_parse(text, strlen(text), &reg, &s, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_string_equal(err, "/group_by/1: hour_of_day cannot be computed from test.note");
	free(text);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(campaign_dim_name(CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND), "household_size_band");
	assert_string_equal(campaign_measure_name(CAMPAIGN_MEASURE_HISTOGRAM), "histogram");
	assert_string_equal(campaign_mechanism_name(CAMPAIGN_MECH_COUNT), "?");
	assert_string_equal(campaign_body_name(CAMPAIGN_BODY_OPERATOR), "operator");
	assert_string_equal(campaign_licence_name(CAMPAIGN_LICENCE_CC0_1_0), "CC0-1.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_round_trips),
		cmocka_unit_test(canonical_whole_or_nothing),
		cmocka_unit_test(defaults_and_spellings),
		cmocka_unit_test(faults_of_texts_and_source),
		cmocka_unit_test(faults_of_period_and_groups),
		cmocka_unit_test(faults_of_measures),
		cmocka_unit_test(faults_of_privacy),
		cmocka_unit_test(faults_of_dates_and_rest),
		cmocka_unit_test(closes_before_the_data),
		cmocka_unit_test(whole_text),
		cmocka_unit_test(time_dimensions_need_a_time),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
