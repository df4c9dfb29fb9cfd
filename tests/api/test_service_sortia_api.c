/*
 * test_service_sortia_api.c - the Sortia service (apps/sortia) on a real
 * server, end to end:
 *
 *  - alice's household (5 members aged 41, 39, 14, 12 and 4, in D44)
 *    and bob's (2 members of unknown age, in D55) declare their profiles;
 *    each installs the package packed from the sources compiled into the
 *    binary and runs it; every offer written, and its prices, is checked
 *    against a table worked out here by hand from the prices published in
 *    opendata/villebrune.leisure.json (each figure written as the sum of
 *    the members' prices, in cents), and no other offer may be written;
 *  - "no situation disclosed": alice (a family quotient of 694.44 in
 *    Villebrune, family and housing allowances) obtains an attestation of
 *    the rule a reduced offer names, presents only its grant to the
 *    museum, which verifies it with its own nonce and audience and learns
 *    the right (the level of the reduced fare, the rule's vct) and nothing
 *    else: the verifier's claims, and the presented token decoded part by
 *    part, hold no income, shares, commune, quotient nor allowance;
 *  - bob, whose quotient is above the rule's ceiling, gets no attestation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api/api.h"
#include "client.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "server.h"

#define RULE  "villebrune.loisirs_solidaire"
#define AUD   "https://musee-filature.villebrune.example"
#define NONCE "n-sortia-7c21e0"

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], bob[300], bob_csrf[200];
static char pkg_path[300];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *body, size_t len, struct resp *r)
{
	const char *headers[4] = {0};
	size_t n = 0;

	if (cookie)
		headers[n++] = cookie;
	if (csrf)
		headers[n++] = csrf;
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, method, path, headers, body, body ? len : 0, r),
			 0);
	return r->status;
}

static void post_record(const char *cookie, const char *csrf, const char *doctype, const char *body)
{
	char path[128];
	struct resp r;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("POST", path, cookie, csrf, body, strlen(body), &r) != 201)
		fail_msg("%s: %ld %s", doctype, r.status, r.body);
	client_free(&r);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	b[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return b;
}

/* today - the local day in Paris, YYYY-MM-DD, and its year */
static int64_t today(char out[16])
{
	struct tz *paris = NULL;
	int64_t y;
	int m, d;

	assert_int_equal(tz_load("Europe/Paris", &paris), CMN_OK);
	time_civil_from_days(tz_local_day(paris, time_now_ms(), NULL), &y, &m, &d);
	tz_free(&paris);
	snprintf(out, 16, "%04lld-%02d-%02d", (long long)y, m, d);
	return y;
}

static int up(void **state)
{
	char out[512];

	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    !test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_add_user(&srv, "bob", "resident", "pw-bob-correct-horse") ||
	    !test_server_start(&srv, NULL) ||
	    client_login(srv.base, "alice", "pw-alice-correct-horse", alice, sizeof(alice),
			 alice_csrf, sizeof(alice_csrf)) != 0 ||
	    client_login(srv.base, "bob", "pw-bob-correct-horse", bob, sizeof(bob), bob_csrf,
			 sizeof(bob_csrf)) != 0)
		return -1;
	snprintf(pkg_path, sizeof(pkg_path), "%s/sortia.cpkg", srv.dir);
	if (test_cli(&srv, NULL, out, sizeof(out), "app", "pack", "builtin:sortia", "--out",
		     pkg_path, NULL) != 0)
		return -1;
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* ---- the offers ---------------------------------------------------------------- */

/* One offer as a household should see it, worked out by hand. */
struct want {
	const char *offer;
	int members;
	long full, reduced; /* cents; reduced -1: the offer has no reduced price */
	bool seen;
};

/*
 * alice: ages 41, 39, 14, 12 and 4 (adults A, children C14, C12, C4; the
 * children on the age bounds of the prices), in D44. Each line: the
 * members who may take the offer, each one's price at full and at the
 * reduced price (the reduced one, or the member's own when lower).
 * gym-douce-centre (60 and over) is for nobody.
 */
static struct want alice_wants[] = {
    /* under 18 free, 7.00, reduced 3.50 */
    {"musee-filature", 5, 700 + 700 + 0 + 0 + 0, 350 + 350 + 0 + 0 + 0, false},
    /* under 4 free (C4 is not), under 18 2.60, 4.20, reduced 1.50 */
    {"piscine-rives", 5, 420 + 420 + 260 + 260 + 260, 150 * 5, false},
    /* under 14 4.50 (not C14), 9.50, reduced 5.00: the younger keep 4.50 */
    {"cinema-palace", 5, 950 + 950 + 950 + 450 + 450, 500 + 500 + 500 + 450 + 450, false},
    /* from 6 (not C4); under 26 8.00, 18.00, reduced 6.00 */
    {"concerts-citadelle", 4, 1800 + 1800 + 800 + 800, 600 * 4, false},
    /* from 8 (not C4); under 18 8.00, 16.00, reduced 8.00 */
    {"theatre-marais", 4, 1600 + 1600 + 800 + 800, 800 * 4, false},
    /* under 26 free, 15.00, reduced 0 */
    {"mediatheque-centre", 5, 1500 + 1500, 0, false},
    /* 6 to 17: C14 and C12, both 12 and over: 120.00; reduced 40.00 */
    {"foot-forges", 2, 12000 + 12000, 4000 * 2, false},
    /* 5 to 15: C14 and C12, 140.00, reduced 45.00 */
    {"judo-prieure", 2, 14000 * 2, 4500 * 2, false},
    /* from 8: A, A, C14, C12; under 18 150.00, 180.00, reduced 60.00 */
    {"natation-rives", 4, 18000 + 18000 + 15000 + 15000, 6000 * 4, false},
    /* up to 12 (included): C12 and C4, 5.00, no reduced price */
    {"ludotheque-garenne", 2, 500 * 2, -1, false},
    /* 11 to 17, open to D44, D45, D54, D55: C14 and C12, 12.00, reduced 2.00 */
    {"maison-sablons", 2, 1200 * 2, 200 * 2, false},
};

/* bob: 2 members, no years of birth: the offers without age limits, at
 * the price of everyone else (the last entry) */
static struct want bob_wants[] = {
    {"musee-filature", 2, 700 * 2, 350 * 2, false},
    {"piscine-rives", 2, 420 * 2, 150 * 2, false},
    {"cinema-palace", 2, 950 * 2, 500 * 2, false},
    {"mediatheque-centre", 2, 1500 * 2, 0, false},
};

static long cents_of(const json_t *d, const char *key, const char *offer)
{
	const json_t *v = json_object_get(d, key);
	double x;

	if (!json_is_number(v))
		fail_msg("%s: %s missing or not a number", offer, key);
	x = json_number_value(v) * 100;
	return (long)(x < 0 ? x - 0.5 : x + 0.5);
}

static bool flag(const json_t *d, const char *key, const char *offer)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_boolean(v))
		fail_msg("%s: %s missing or not a boolean", offer, key);
	return json_is_true(v);
}

/* check_offers - the person's leisure.offer.match records against want
 * (n lines): each once, its members, prices, rule, flags; nothing else.
 * ages are the members' ages the record should list, in order. */
static void check_offers(const char *cookie, struct want *want, size_t n, const char *district,
			 const char *day, const int *ages, size_t nages)
{
	struct resp r;
	size_t i;
	json_t *rec;

	assert_int_equal(
	    call("GET", "/api/v1/records/leisure.offer.match?limit=100", cookie, NULL, NULL, 0, &r),
	    200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), n);
	json_array_foreach(json_object_get(r.json, "items"), i, rec)
	{
		const json_t *d = json_object_get(rec, "data");
		const char *offer = json_string_value(json_object_get(d, "offer"));
		struct want *w = NULL;
		const json_t *a = json_object_get(d, "ages");

		assert_non_null(offer);
		for (size_t k = 0; k < n; k++)
			if (strcmp(want[k].offer, offer) == 0)
				w = &want[k];
		if (!w)
			fail_msg("an offer the household cannot take: %s", offer);
		if (w->seen)
			fail_msg("%s written twice", offer);
		w->seen = true;
		assert_string_equal(json_string_value(json_object_get(d, "computed")), day);
		assert_int_equal(json_integer_value(json_object_get(d, "members")), w->members);
		if (cents_of(d, "price_eur", offer) != w->full)
			fail_msg("%s: %ld cents at full price, %ld expected", offer,
				 cents_of(d, "price_eur", offer), w->full);
		/* the same district only for the offers in the household's */
		assert_true(
		    flag(d, "same_district", offer) ==
		    (strcmp(json_string_value(json_object_get(d, "district")), district) == 0));
		if (w->reduced < 0) {
			assert_null(json_object_get(d, "reduced_price_eur"));
			assert_null(json_object_get(d, "rule"));
			assert_false(flag(d, "needs_attestation", offer));
		} else {
			if (cents_of(d, "reduced_price_eur", offer) != w->reduced)
				fail_msg("%s: %ld cents at the reduced price, %ld expected", offer,
					 cents_of(d, "reduced_price_eur", offer), w->reduced);
			assert_int_equal(cents_of(d, "saving_eur", offer), w->full - w->reduced);
			assert_string_equal(json_string_value(json_object_get(d, "rule")), RULE);
			assert_true(flag(d, "needs_attestation", offer) == (w->reduced < w->full));
		}
		/* the ages listed are those of the members who may take it */
		if (nages == 0) {
			assert_null(a);
		} else {
			size_t listed = 0;

			assert_true(json_is_array(a));
			assert_int_equal(json_array_size(a), w->members);
			for (size_t k = 0; k < nages && listed < json_array_size(a); k++)
				if (json_integer_value(json_array_get(a, listed)) == ages[k])
					listed++;
			assert_int_equal(listed, w->members);
		}
	}
	for (size_t k = 0; k < n; k++)
		if (!want[k].seen)
			fail_msg("%s not written", want[k].offer);
	client_free(&r);
}

static void install_and_run(const char *cookie, const char *csrf, int64_t matches)
{
	size_t n;
	char *bytes = slurp(pkg_path, &n);
	struct resp r;

	if (call("POST", "/api/v1/apps", cookie, csrf, bytes, n, &r) != 201)
		fail_msg("install: %ld %s", r.status, r.body);
	client_free(&r);
	free(bytes);
	if (call("POST", "/api/v1/apps/sortia/run", cookie, csrf, NULL, 0, &r) != 200)
		fail_msg("run: %ld %s", r.status, r.body);
	if (strcmp(json_string_value(json_object_get(r.json, "outcome")), "ok") != 0)
		fail_msg("run: %s", r.body);
	assert_int_equal(json_integer_value(json_object_get(r.json, "records_written")), matches);
	client_free(&r);
}

/* alice's household, with the ages it should have whatever the year */
static void offers_by_age(void **state)
{
	static const int ages[] = {41, 39, 14, 12, 4};
	char body[512], day[16], after[16];
	int64_t year = today(day);

	(void)state;
	snprintf(body, sizeof(body),
		 "{\"declared\":\"2025-01-01\",\"district\":\"D44\",\"members\":5,"
		 "\"heating\":\"gas\",\"birth_years\":[%lld,%lld,%lld,%lld,%lld]}",
		 (long long)(year - ages[0]), (long long)(year - ages[1]),
		 (long long)(year - ages[2]), (long long)(year - ages[3]),
		 (long long)(year - ages[4]));
	post_record(alice, alice_csrf, "household.profile", body);
	install_and_run(alice, alice_csrf, (int64_t)(sizeof(alice_wants) / sizeof(*alice_wants)));
	if (today(after) != year || strcmp(day, after) != 0)
		skip(); /* midnight passed during the run */
	check_offers(alice, alice_wants, sizeof(alice_wants) / sizeof(*alice_wants), "D44", day,
		     ages, 5);

	/* bob: no years of birth, and a profile declared later replaces an
	 * earlier one (D11, 5 members) */
	post_record(bob, bob_csrf, "household.profile",
		    "{\"declared\":\"2024-01-01\",\"district\":\"D11\",\"members\":5,"
		    "\"heating\":\"electric\"}");
	post_record(bob, bob_csrf, "household.profile",
		    "{\"declared\":\"2025-06-01\",\"district\":\"D55\",\"members\":2,"
		    "\"heating\":\"electric\"}");
	install_and_run(bob, bob_csrf, (int64_t)(sizeof(bob_wants) / sizeof(*bob_wants)));
	check_offers(bob, bob_wants, sizeof(bob_wants) / sizeof(*bob_wants), "D55", day, NULL, 0);
}

/* ---- the attestation ------------------------------------------------------------- */

/* decoded - the base64url text s (n bytes) decoded, as a string (malloc'd). */
static char *decoded(const char *s, size_t n)
{
	char *in = strndup(s, n), *text;
	unsigned char *out = NULL;
	size_t len = 0;

	assert_non_null(in);
	if (str_b64url_decode(in, &out, &len) != CMN_OK)
		fail_msg("not base64url: %s", in);
	free(in);
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, out, len);
	text[len] = '\0';
	free(out);
	return text;
}

/* what alice's situation is made of: none of it may reach the museum
 * (quoted or long enough not to turn up by chance in a digest or a time) */
static const char *const secrets[] = {
    "25000",  "694.4",   "\"00042\"",  "tax.",    "residence",   "quotient", "allowance",
    "\"af\"", "\"apl\"", "tax_shares", "\"D44\"", "birth_years", NULL};

static void no_secret_in(const char *text, const char *where)
{
	for (const char *const *s = secrets; *s; s++)
		if (strstr(text, *s))
			fail_msg("%s shows \"%s\": %s", where, *s, text);
}

/* the rule a reduced offer of alice's names, read from her records */
static void rule_of_museum(char rule[80])
{
	struct resp r;
	size_t i;
	json_t *rec;

	rule[0] = '\0';
	assert_int_equal(
	    call("GET", "/api/v1/records/leisure.offer.match?limit=100", alice, NULL, NULL, 0, &r),
	    200);
	json_array_foreach(json_object_get(r.json, "items"), i, rec)
	{
		const json_t *d = json_object_get(rec, "data");

		if (strcmp(json_string_value(json_object_get(d, "offer")), "musee-filature") == 0) {
			assert_true(json_is_true(json_object_get(d, "needs_attestation")));
			snprintf(rule, 80, "%s", json_string_value(json_object_get(d, "rule")));
		}
	}
	client_free(&r);
	assert_string_equal(rule, RULE);
}

static void reduced_fare_without_the_situation(void **state)
{
	char rule[80], body[20000], path[128], day[16], month[16];
	static char presentation[16384];
	struct resp r;
	const char *p, *tilde;
	int ndisclosures = 0;
	const char *key;
	json_t *v;

	(void)state;
	today(day);
	snprintf(month, sizeof(month), "%.8s01", day);
	/* 25,000 EUR for 3 shares: a quotient of 694.44, under the 800 ceiling */
	post_record(alice, alice_csrf, "tax.household",
		    "{\"income_year\":2024,\"issued\":\"2025-08-01\",\"tax_shares\":3,"
		    "\"reference_income\":25000,\"commune_insee\":\"00042\"}");
	snprintf(body, sizeof(body),
		 "{\"period_start\":\"%s\",\"kind\":\"af\",\"amount\":148.52,\"payer\":\"caf\"}",
		 month);
	post_record(alice, alice_csrf, "social.allowance", body);
	snprintf(body, sizeof(body),
		 "{\"period_start\":\"%s\",\"kind\":\"apl\",\"amount\":212.0,\"payer\":\"caf\"}",
		 month);
	post_record(alice, alice_csrf, "social.allowance", body);
	/* 40,000 EUR for 1 share: 3,333.33, above it */
	post_record(bob, bob_csrf, "tax.household",
		    "{\"income_year\":2024,\"issued\":\"2025-08-01\",\"tax_shares\":1,"
		    "\"reference_income\":40000,\"commune_insee\":\"00042\"}");

	rule_of_museum(rule);
	snprintf(body, sizeof(body), "{\"rule\":\"%s\"}", rule);
	if (call("POST", "/api/v1/attestations", alice, alice_csrf, body, strlen(body), &r) != 201)
		fail_msg("attestation: %ld %s", r.status, r.body);
	snprintf(path, sizeof(path), "/api/v1/attestations/%s/present",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(body, sizeof(body),
		 "{\"disclose\":[\"grant\"],\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}");
	if (call("POST", path, alice, alice_csrf, body, strlen(body), &r) != 200)
		fail_msg("present: %ld %s", r.status, r.body);
	snprintf(presentation, sizeof(presentation), "%s",
		 json_string_value(json_object_get(r.json, "presentation")));
	client_free(&r);

	/* the token as the museum receives it, part by part */
	p = presentation;
	for (int part = 0; (tilde = strchr(p, '~')); part++) {
		char *text;

		if (part == 0) {
			const char *dot1 = strchr(p, '.'),
				   *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

			assert_non_null(dot2);
			text = decoded(dot1 + 1, (size_t)(dot2 - dot1 - 1));
		} else {
			text = decoded(p, (size_t)(tilde - p));
			ndisclosures++;
			assert_non_null(strstr(text, "\"grant\""));
		}
		no_secret_in(text, "the presented token");
		free(text);
		p = tilde + 1;
	}
	assert_int_equal(ndisclosures, 1);
	assert_true(strlen(p) > 0); /* the key binding JWT */

	/* the museum verifies with the public endpoint, its nonce, its name */
	snprintf(body, sizeof(body),
		 "{\"presentation\":\"%s\",\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}",
		 presentation);
	assert_int_equal(
	    call("POST", "/api/v1/attestations/verify", NULL, NULL, body, strlen(body), &r), 200);
	if (!json_is_true(json_object_get(r.json, "valid")))
		fail_msg("not valid: %s", r.body);
	assert_true(json_is_true(json_object_get(r.json, "key_bound")));
	/* it learns the right: the reduced leisure fare of Villebrune's rule */
	assert_string_equal(json_string_value(json_pointer(r.json, "/claims/grant/level")),
			    "loisirs_reduit");
	assert_string_equal(json_string_value(json_pointer(r.json, "/claims/vct")),
			    "urn:commune:attestation:" RULE);
	json_object_foreach(json_object_get(r.json, "claims"), key, v)
	{
		static const char *const allowed[] = {"grant", "iss",    "vct", "iat",
						      "exp",   "status", "cnf", NULL};
		size_t i = 0;
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i])
			fail_msg("the museum learnt \"%s\": %s", key, r.body);
		assert_non_null(text);
		no_secret_in(text, key);
		free(text);
	}
	client_free(&r);
	/* and for another nonce, nothing */
	snprintf(body, sizeof(body),
		 "{\"presentation\":\"%s\",\"aud\":\"" AUD "\",\"nonce\":\"n-replayed\"}",
		 presentation);
	assert_int_equal(
	    call("POST", "/api/v1/attestations/verify", NULL, NULL, body, strlen(body), &r), 200);
	assert_true(json_is_false(json_object_get(r.json, "valid")));
	client_free(&r);

	/* bob's quotient is above the ceiling: no attestation of the right */
	snprintf(body, sizeof(body), "{\"rule\":\"%s\"}", rule);
	assert_int_equal(
	    call("POST", "/api/v1/attestations", bob, bob_csrf, body, strlen(body), &r), 409);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(offers_by_age),
	    cmocka_unit_test(reduced_fare_without_the_situation),
	};
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	if (api_init() != CMN_OK)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, up, down);
	curl_global_cleanup();
	api_release();
	return failed;
}
