/*
 * test_attest.c - issue 9's scenario on a real server: alice records her
 * tax notice, simulates what she is entitled to, gets an attestation of
 * the Bordeaux Métropole solidarity fare, and presents only "reduction
 * 50 %" to a ticket office; the verification succeeds and the presented
 * token, decoded, holds nothing else of her situation. Then the refusals:
 * another nonce or audience, a tampered token, a revoked attestation, a
 * person not eligible; the public endpoints; and the offline verifier of
 * the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api/api.h"
#include "checks.h"
#include "client.h"
#include "core/str.h"
#include "server.h"

#define RULE "bordeaux_metropole.tbm_solidaire"
#define AUD "https://guichet.tbm.example"
#define NONCE "n-4f1c9a7e2b"

static const char *bin;
static struct test_server srv;
static char alice[300], alice_csrf[200], bob[300], bob_csrf[200], medi[300], medi_csrf[200];
static char attestation[64], presentation[16384];

static long call(const char *method, const char *path, const char *cookie, const char *csrf,
		 const char *body, struct resp *r)
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
	assert_int_equal(client_request(srv.base, method, path, headers, body,
					body ? strlen(body) : 0, r),
			 0);
	return r->status;
}

static void tax_notice(const char *cookie, const char *csrf, int income, double shares)
{
	char body[300];
	struct resp r;

	snprintf(body, sizeof(body),
		 "{\"income_year\":2024,\"issued\":\"2025-08-01\",\"tax_shares\":%g,"
		 "\"reference_income\":%d,\"commune_insee\":\"33063\"}",
		 shares, income);
	if (call("POST", "/api/v1/records/tax.household", cookie, csrf, body, &r) != 201)
		fail_msg("tax notice: %ld %s", r.status, r.body);
	client_free(&r);
}

static int up(void **state)
{
	(void)state;
	if (!test_data_dir(&srv, bin) ||
	    !test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse") ||
	    !test_add_user(&srv, "bob", "resident", "pw-bob-correct-horse") ||
	    !test_server_start(&srv, NULL) ||
	    client_login(srv.base, "alice", "pw-alice-correct-horse", alice, sizeof(alice),
			 alice_csrf, sizeof(alice_csrf)) != 0 ||
	    client_login(srv.base, "bob", "pw-bob-correct-horse", bob, sizeof(bob), bob_csrf,
			 sizeof(bob_csrf)) != 0 ||
	    !test_add_user(&srv, "medi", "mediator", "pw-medi-correct-horse") ||
	    client_login(srv.base, "medi", "pw-medi-correct-horse", medi, sizeof(medi), medi_csrf,
			 sizeof(medi_csrf)) != 0)
		return -1;
	/* 14,000 € for 2 shares: a family quotient of 583.33, the 50 % band */
	tax_notice(alice, alice_csrf, 14000, 2);
	/* 30,000 € for 1 share: 2,500, no reduction */
	tax_notice(bob, bob_csrf, 30000, 1);
	return 0;
}

static int down(void **state)
{
	(void)state;
	return test_server_stop(&srv, true) == 0 ? 0 : -1;
}

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

/* what the person is entitled to, and why, computed in her store */
static void simulation(void **state)
{
	struct resp r;
	size_t i;
	json_t *v;
	bool found = false;

	(void)state;
	assert_int_equal(call("POST", "/api/v1/eligibility/simulate", alice, alice_csrf, "{}", &r),
			 200);
	json_array_foreach(json_object_get(r.json, "items"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "id")), RULE) != 0)
			continue;
		found = true;
		assert_true(json_is_true(json_object_get(v, "eligible")));
		assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "grants"),
								    "reduction_percent")),
				 50);
	}
	assert_true(found);
	/* the facts name the record they come from */
	assert_non_null(strstr(r.body, "tax.household"));
	client_free(&r);
	/* nobody else's business: a session is required */
	assert_int_equal(call("POST", "/api/v1/eligibility/simulate", NULL, NULL, "{}", &r), 401);
	client_free(&r);
}

/* issued, presented with one claim, verified: the verifier learns that only */
static void present_only_the_reduction(void **state)
{
	char body[20000];
	struct resp r;
	const char *p, *tilde;
	int ndisclosures = 0;

	(void)state;
	assert_int_equal(call("POST", "/api/v1/attestations", alice, alice_csrf,
			      "{\"rule\":\"" RULE "\"}", &r),
			 201);
	snprintf(attestation, sizeof(attestation), "%s",
		 json_string_value(json_object_get(r.json, "id")));
	assert_non_null(strstr(r.body, "\"grant\""));
	client_free(&r);
	snprintf(body, sizeof(body), "/api/v1/attestations/%s/present", attestation);
	if (call("POST", body, alice, alice_csrf,
		 "{\"disclose\":[\"grant\"],\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}", &r) != 200)
		fail_msg("present: %ld %s", r.status, r.body);
	snprintf(presentation, sizeof(presentation), "%s",
		 json_string_value(json_object_get(r.json, "presentation")));
	client_free(&r);
	/* the presented token, decoded part by part: the issuer JWT's payload,
	 * each disclosure, the KB-JWT; nothing of the income, the shares, the
	 * commune or the quotient, in clear or as a disclosure */
	p = presentation;
	for (int part = 0; (tilde = strchr(p, '~')); part++) {
		char *text;

		if (part == 0) {
			const char *dot1 = strchr(p, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

			assert_non_null(dot2);
			text = decoded(dot1 + 1, (size_t)(dot2 - dot1 - 1));
		} else {
			text = decoded(p, (size_t)(tilde - p));
			ndisclosures++;
			assert_non_null(strstr(text, "\"grant\""));
		}
		for (const char *const *secret = (const char *const[]){"14000", "583", "33063",
								       "tax.", "residence",
								       "quotient", NULL};
		     *secret; secret++)
			if (check_shows(text, *secret))
				fail_msg("the presentation shows \"%s\": %s", *secret, text);
		free(text);
		p = tilde + 1;
	}
	assert_int_equal(ndisclosures, 1);
	assert_true(strlen(p) > 0); /* the KB-JWT */
	/* the ticket office verifies, knowing only the public endpoint */
	snprintf(body, sizeof(body),
		 "{\"presentation\":\"%s\",\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}",
		 presentation);
	assert_int_equal(call("POST", "/api/v1/attestations/verify", NULL, NULL, body, &r), 200);
	if (!json_is_true(json_object_get(r.json, "valid")))
		fail_msg("not valid: %s", r.body);
	assert_true(json_is_true(json_object_get(r.json, "key_bound")));
	{
		json_t *claims = json_object_get(r.json, "claims");
		const char *key;
		json_t *v;

		assert_int_equal(json_integer_value(json_object_get(json_object_get(claims, "grant"),
								    "reduction_percent")),
				 50);
		/* what the verifier learnt: the grant, and the token's own claims */
		json_object_foreach(claims, key, v) {
			static const char *const allowed[] = {"grant", "iss", "vct", "iat", "exp",
							      "status", "cnf", NULL};
			size_t i = 0;

			(void)v;
			while (allowed[i] && strcmp(allowed[i], key) != 0)
				i++;
			if (!allowed[i])
				fail_msg("the verifier learnt \"%s\": %s", key, r.body);
		}
	}
	client_free(&r);
}

static void verify_fails(const char *token, const char *aud, const char *nonce, const char *why)
{
	char body[20000];
	struct resp r;

	snprintf(body, sizeof(body), "{\"presentation\":\"%s\",\"aud\":\"%s\",\"nonce\":\"%s\"}",
		 token, aud, nonce);
	assert_int_equal(call("POST", "/api/v1/attestations/verify", NULL, NULL, body, &r), 200);
	if (!json_is_false(json_object_get(r.json, "valid")))
		fail_msg("%s: accepted: %s", why, r.body);
	client_free(&r);
}

static void refusals(void **state)
{
	char tampered[16384], path[128];
	char *last;
	struct resp r;

	(void)state;
	verify_fails(presentation, AUD, "n-another-nonce", "another nonce");
	verify_fails(presentation, "https://elsewhere.example", NONCE, "another audience");
	/* a character of the issuer's signature changed */
	snprintf(tampered, sizeof(tampered), "%s", presentation);
	last = strchr(tampered, '~') - 2;
	*last = *last == 'A' ? 'B' : 'A';
	verify_fails(tampered, AUD, NONCE, "a tampered signature");
	/* bob's records give him no reduction: nothing to attest */
	assert_int_equal(call("POST", "/api/v1/attestations", bob, bob_csrf,
			      "{\"rule\":\"" RULE "\"}", &r),
			 409);
	client_free(&r);
	/* and he cannot present alice's */
	snprintf(path, sizeof(path), "/api/v1/attestations/%s/present", attestation);
	assert_int_equal(call("POST", path, bob, bob_csrf,
			      "{\"disclose\":[\"grant\"],\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}",
			      &r),
			 404);
	client_free(&r);
}

/* the public side: issuer metadata and keys, the status list, the CLI */
static void public_side_and_cli(void **state)
{
	char out[8192], path[128];
	struct resp r;

	(void)state;
	assert_int_equal(call("GET", "/.well-known/jwt-vc-issuer", NULL, NULL, NULL, &r), 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(json_object_get(r.json, "jwks"), "keys"), 0),
							      "alg")),
			    "ES256");
	assert_null(strstr(r.body, "\"d\""));
	client_free(&r);
	assert_int_equal(call("GET", "/api/v1/status-lists/1", NULL, NULL, NULL, &r), 200);
	client_free(&r);
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "attest", "verify", presentation,
				  "--nonce", NONCE, "--aud", AUD, NULL),
			 0);
	assert_non_null(strstr(out, "reduction_percent"));
	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "attest", "verify", presentation,
				  "--nonce", "n-other-nonce", "--aud", AUD, NULL),
			 1);
	/* revoked by alice: the status list says so at once */
	snprintf(path, sizeof(path), "/api/v1/attestations/%s", attestation);
	assert_int_equal(call("DELETE", path, alice, alice_csrf, NULL, &r), 204);
	client_free(&r);
	verify_fails(presentation, AUD, NONCE, "a revoked attestation");
	assert_int_equal(call("GET", "/api/v1/attestations", alice, NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"revoked\""));
	client_free(&r);
}

/* a mediator under a mandate to "attest" applies for the reduced fare for
 * alice: simulates, gets and presents her attestation, reads nothing else */
static void mediator_applies_for_the_fare(void **state)
{
	char hdr[120], path[200], id[64];
	struct resp r;
	const char *headers[5] = {0};

	(void)state;
	{
		char body[200], until[32];
		time_t t = time(NULL) + 30 * 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(until, sizeof(until), "%Y-%m-%d", &tm);
		snprintf(body, sizeof(body),
			 "{\"person\":\"alice\",\"procedures\":[\"attest\"],\"until\":\"%s\"}",
			 until);
		if (call("POST", "/api/v1/mandates", medi, medi_csrf, body, &r) != 201)
			fail_msg("mandate: %ld %s", r.status, r.body);
	}
	snprintf(hdr, sizeof(hdr), "Commune-Consent: %s",
		 json_string_value(json_object_get(r.json, "id")));
	snprintf(path, sizeof(path), "/api/v1/mandates/%s/confirm",
		 json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	assert_int_equal(call("POST", path, alice, alice_csrf, NULL, &r), 200);
	client_free(&r);
	headers[0] = medi;
	headers[1] = medi_csrf;
	headers[2] = hdr;
	headers[3] = "Content-Type: application/json";
	/* get the attestation, for alice, as the mediator */
	memset(&r, 0, sizeof(r));
	assert_int_equal(client_request(srv.base, "POST", "/api/v1/attestations", headers,
					"{\"rule\":\"" RULE "\"}", strlen("{\"rule\":\"" RULE "\"}"),
					&r),
			 0);
	if (r.status != 201)
		fail_msg("attestation under mandate: %ld %s", r.status, r.body);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.json, "id")));
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/attestations/%s/present", id);
	memset(&r, 0, sizeof(r));
	{
		const char *body =
			"{\"disclose\":[\"grant\"],\"aud\":\"" AUD "\",\"nonce\":\"" NONCE "\"}";

		assert_int_equal(client_request(srv.base, "POST", path, headers, body, strlen(body),
						&r),
				 0);
	}
	assert_int_equal(r.status, 200);
	client_free(&r);
	/* nothing else of alice's: her records, her import history */
	headers[3] = NULL;
	memset(&r, 0, sizeof(r));
	assert_int_equal(client_request(srv.base, "GET", "/api/v1/records/tax.household", headers,
					NULL, 0, &r),
			 0);
	assert_int_equal(r.status, 403);
	client_free(&r);
	memset(&r, 0, sizeof(r));
	assert_int_equal(client_request(srv.base, "GET", path, headers, NULL, 0, &r), 0);
	assert_true(r.status == 403 || r.status == 404 || r.status == 405);
	client_free(&r);
	/* alice's chain: issued by the mediator, under the mandate */
	assert_int_equal(call("GET", "/api/v1/audit?action=attestation.issue&actor=mediator:", alice,
			      NULL, NULL, &r),
			 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	client_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simulation),
		cmocka_unit_test(present_only_the_reduction),
		cmocka_unit_test(refusals),
		cmocka_unit_test(public_side_and_cli),
		cmocka_unit_test(mediator_applies_for_the_fare),
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
