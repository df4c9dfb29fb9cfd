/*
 * test_service_situation_api.c - Ma Situation Sociale on a real server
 * (issue 13): alice, a resident, imports a month of her bank account, an
 * allowance and her household's profile, installs the shipped app and runs
 * it; its dashboard says what the test recomputes from the lines it posted.
 * She shares the dashboard, and only it, with sophie, a social worker of
 * the CCAS, for a few seconds: sophie reads exactly alice's dashboard,
 * none of her bank lines or allowances, and once the share has ended she
 * is refused (410 Gone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api/api.h"
#include "client.h"
#include "server.h"

#define MARK "MARK-bank-line-" /* in what the share does not cover */

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], sophie[300], sophie_csrf[200];
static char pkg_path[300];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *extra, const char *body, size_t len, struct resp *r)
{
	const char *headers[5] = {0};
	size_t n = 0;

	headers[n++] = cookie;
	if (csrf)
		headers[n++] = csrf;
	if (extra)
		headers[n++] = extra;
	if (body)
		headers[n++] = "Content-Type: application/json";
	memset(r, 0, sizeof(*r));
	assert_int_equal(client_request(srv.base, method, path, headers, body, body ? len : 0, r),
			 0);
	return r->status;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	b[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void add(const char *doctype, const char *json)
{
	char path[128];
	struct resp r;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("POST", path, alice, alice_csrf, NULL, json, strlen(json), &r) != 201)
		fail_msg("%s: %ld %s", doctype, r.status, r.body);
	client_free(&r);
}

static int up(void **state)
{
	char out[512];

	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    !test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse") ||
	    test_cli(&srv, NULL, out, sizeof(out), "org", "add", "CCAS", "--kind", "city", NULL) !=
		0 ||
	    test_cli(&srv, "pw-sophie-correct-horse\n", out, sizeof(out), "user", "add", "sophie",
		     "--role", "professional", "--org", "CCAS", NULL) != 0 ||
	    !test_server_start(&srv, NULL) ||
	    client_login(srv.base, "alice", "pw-alice-correct-horse", alice, sizeof(alice),
			 alice_csrf, sizeof(alice_csrf)) != 0 ||
	    client_login(srv.base, "sophie", "pw-sophie-correct-horse", sophie, sizeof(sophie),
			 sophie_csrf, sizeof(sophie_csrf)) != 0)
		return -1;
	snprintf(pkg_path, sizeof(pkg_path), "%s/situation.cpkg", srv.dir);
	if (test_cli(&srv, NULL, out, sizeof(out), "app", "pack", "builtin:situation-sociale",
		     "--out", pkg_path, NULL) != 0)
		return -1;
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

/* one bank line of March 2025 */
static void line(const char *date, const char *amount, const char *label)
{
	char body[400];

	snprintf(body, sizeof(body),
		 "{\"date\":\"%s\",\"amount\":%s,\"currency\":\"EUR\",\"label\":\"%s\"}", date,
		 amount, label);
	add("bank.transaction", body);
}

/* the items of a GET of the records of a doctype by who (under hdr) */
static json_t *items(const char *doctype, const char *who, const char *hdr, long want)
{
	char path[128];
	struct resp r;
	json_t *v;

	snprintf(path, sizeof(path), "/api/v1/records/%s", doctype);
	if (call("GET", path, who, NULL, hdr, NULL, 0, &r) != want)
		fail_msg("GET %s: %ld, not %ld: %.300s", path, r.status, want, r.body);
	if (r.body && strstr(r.body, MARK))
		fail_msg("GET %s: a bank line leaked: %.300s", path, r.body);
	v = json_incref(json_object_get(r.json, "items"));
	client_free(&r);
	return v;
}

static double member(const json_t *d, const char *object, const char *key)
{
	const json_t *o = object ? json_object_get(d, object) : d;
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		fail_msg("%s.%s is not a number", object ? object : "", key);
	return json_number_value(v);
}

static void share_the_dashboard(void **state)
{
	char until[32], hdr[120], id[64], body[1024];
	size_t n;
	char *bytes = slurp(pkg_path, &n);
	struct resp r;
	json_t *mine, *hers;
	const json_t *d = NULL, *x;
	size_t i;
	time_t end;
	struct tm tm;
	/* the figures of March, from the lines below */
	const double salary = 1850.40, apl = 212.5, rent = 640, power = 78.35, water = 41.2,
		     box = 29.99, pass = 42, food = 96.3 + 23.5;
	const double income = salary + apl, charges = rent + power + water + box + pass;
	const double units = 1 + 0.5 + 0.5; /* three members: nobody said under 14 */

	(void)state;
	line("2025-03-28", "1850.40", "VIR SALAIRE MAIRIE - SALAIRE 03/2025");
	line("2025-03-05", "-640", "PRLV LOYER - LOYER 03/2025 HABITAT");
	line("2025-03-31", "-78.35", "PRLV ELECTRICITE - FACTURE 03/2025");
	line("2025-03-31", "-41.2", "PRLV REGIE DES EAUX - FACTURE TRIMESTRE");
	line("2025-03-08", "-29.99", "PRLV FIBRA TELECOM - BOX FIBRE 03/2025");
	line("2025-03-03", "-42", "PRLV TRANSPORTS - ABONNEMENTS 03/2025");
	line("2025-03-12", "-96.3", "CB " MARK "SUPERMARCHE");
	line("2025-03-19", "-23.5", "CB " MARK "MARCHE");
	line("2025-03-31", "-300", "VIR VERS LIVRET A - VIREMENT INTERNE EPARGNE");
	add("social.allowance", "{\"period_start\":\"2025-02-01\",\"period_end\":\"2025-02-28\","
				"\"kind\":\"apl\",\"amount\":212.5,\"payer\":\"caf\","
				"\"paid_on\":\"2025-03-05\",\"reference\":\"" MARK "ref\"}");
	add("household.profile", "{\"declared\":\"2025-01-01\",\"district\":\"D22\",\"members\":3,"
				 "\"heating\":\"electric\"}");

	/* alice installs the app and runs it */
	if (call("POST", "/api/v1/apps", alice, alice_csrf, NULL, bytes, n, &r) != 201)
		fail_msg("install: %ld %s", r.status, r.body);
	client_free(&r);
	free(bytes);
	if (call("POST", "/api/v1/apps/situation-sociale/run", alice, alice_csrf, NULL, NULL, 0,
		 &r) != 200)
		fail_msg("run: %ld %s", r.status, r.body);
	client_free(&r);
	mine = items("social.situation.monthly", alice, NULL, 200);
	assert_int_equal(json_array_size(mine), 1);
	d = json_object_get(json_array_get(mine, 0), "data");
	assert_string_equal(json_string_value(json_object_get(d, "month")), "2025-03");
	assert_float_equal(member(d, "income", "total"), income, 1e-9);
	assert_float_equal(member(d, "income", "allowances"), apl, 1e-9);
	assert_float_equal(member(d, "charges", "total"), charges, 1e-9);
	assert_float_equal(member(d, "charges", "transport_pass"), pass, 1e-9);
	assert_float_equal(member(d, NULL, "remaining"), income - charges, 1e-9);
	assert_float_equal(member(d, NULL, "remaining_per_unit"), (income - charges) / units, 1e-9);
	assert_float_equal(member(d, NULL, "variable_spending"), food, 1e-9);

	/* the dashboard alone, to sophie, for four seconds */
	end = time(NULL) + 4;
	gmtime_r(&end, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(body, sizeof(body),
		 "{\"with\":{\"kind\":\"person\",\"handle\":\"sophie\"},"
		 "\"doctypes\":[\"social.situation.monthly\"],\"until\":\"%s\","
		 "\"purpose\":{\"fr\":\"Préparer ma demande d'aide au CCAS\","
		 "\"en\":\"Prepare my application for aid at the CCAS\"}}",
		 until);
	if (call("POST", "/api/v1/shares", alice, alice_csrf, NULL, body, strlen(body), &r) != 201)
		fail_msg("share: %ld %s", r.status, r.body);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s", id);

	/* sophie reads exactly alice's dashboard */
	hers = items("social.situation.monthly", sophie, hdr, 200);
	assert_int_equal(json_array_size(hers), json_array_size(mine));
	json_array_foreach(hers, i, x)
	{
		const json_t *own = json_array_get(mine, i);

		assert_string_equal(json_string_value(json_object_get(x, "id")),
				    json_string_value(json_object_get(own, "id")));
		assert_true(json_equal(json_object_get(x, "data"), json_object_get(own, "data")));
	}
	json_decref(hers);
	/* and nothing it was made from */
	json_decref(items("bank.transaction", sophie, hdr, 403));
	json_decref(items("social.allowance", sophie, hdr, 403));
	json_decref(items("household.profile", sophie, hdr, 403));
	/* without the share, her own records: none */
	hers = items("social.situation.monthly", sophie, NULL, 200);
	assert_int_equal(json_array_size(hers), 0);
	json_decref(hers);

	/* the share ends by itself: then she is refused */
	while (time(NULL) <= end)
		sleep(1);
	json_decref(items("social.situation.monthly", sophie, hdr, 410));
	json_decref(mine);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(share_the_dashboard),
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
