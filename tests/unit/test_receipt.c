/*
 * test_receipt.c - the platform signing key and consent receipts
 * (src/crypto/crypt.c, src/consent/receipt.c): the key derived from a given
 * master key, the JWS structure, its signature checked with libsodium
 * directly (and refused after any changed byte), the JWKS, the Kantara
 * receipt and the DPV record of grant views, and the DPV status of each
 * grant status; under each failed allocation in turn, the receipt, its JWS
 * and the DPV record are whole or not made.
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
#include <sodium.h>

#include "jsonfail.h"
#include "consent/receipt.h"
#include "core/str.h"

/* a keyring over a master key of the test's choosing */
static unsigned char master_a[CRYPT_KEY_BYTES], master_b[CRYPT_KEY_BYTES];
static struct keyring key_a = {.master = master_a}, key_b = {.master = master_b};

static int setup(void **state)
{
	(void)state;
	if (crypt_init() != CMN_OK)
		return -1;
	for (int i = 0; i < CRYPT_KEY_BYTES; i++) {
		master_a[i] = (unsigned char)(i + 1);
		master_b[i] = (unsigned char)(0xa0 ^ i);
	}
	return 0;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *s = str_b64url_encode(p, n);

	assert_non_null(s);
	return s;
}

/* decode - the bytes of a base64url part of n characters. */
static unsigned char *decode(const char *part, size_t n, size_t *len)
{
	char *copy = strndup(part, n);
	unsigned char *out = NULL;

	assert_non_null(copy);
	assert_int_equal(str_b64url_decode(copy, &out, len), CMN_OK);
	free(copy);
	return out;
}

/* sign - the compact JWS of payload under k. */
static char *sign(const struct keyring *k, const char *payload)
{
	struct buf b;
	char *jws;

	buf_init(&b, 1 << 16);
	assert_int_equal(keyring_jws_sign(k, "JWT", payload, strlen(payload), &b), CMN_OK);
	jws = buf_steal(&b);
	buf_release(&b);
	return jws;
}

/* ---- the key ------------------------------------------------------------------ */

static void key_is_derived_from_the_master_key(void **state)
{
	unsigned char pk1[CRYPT_SIGN_PUBLIC_BYTES], pk2[CRYPT_SIGN_PUBLIC_BYTES];
	unsigned char pkb[CRYPT_SIGN_PUBLIC_BYTES], want[crypto_sign_PUBLICKEYBYTES];
	unsigned char seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char copy[CRYPT_KEY_BYTES];
	struct keyring again = {.master = copy};
	char kid[CRYPT_KID_LEN], kid2[CRYPT_KID_LEN], canon[128], *x, *h64;
	unsigned char h[crypto_hash_sha256_BYTES];

	(void)state;
	keyring_sign_public(&key_a, pk1);
	memcpy(copy, master_a, sizeof(copy));
	keyring_sign_public(&again, pk2);
	assert_memory_equal(pk1, pk2, sizeof(pk1));
	keyring_sign_public(&key_b, pkb);
	assert_memory_not_equal(pk1, pkb, sizeof(pk1));

	/* the scheme of crypt.h, computed here with libsodium alone */
	crypto_kdf_derive_from_key(seed, sizeof(seed), 1, "cmnsign1", master_a);
	crypto_sign_seed_keypair(want, sk, seed);
	assert_memory_equal(pk1, want, sizeof(want));

	/* the kid is the RFC 7638 thumbprint */
	x = b64(pk1, sizeof(pk1));
	snprintf(canon, sizeof(canon), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
	h64 = b64(h, sizeof(h));
	keyring_kid(&key_a, kid);
	assert_string_equal(kid, h64);
	keyring_kid(&key_b, kid2);
	assert_string_not_equal(kid, kid2);
	free(x);
	free(h64);
}

static void jws_has_three_parts_and_its_header(void **state)
{
	const char *payload = "{\"consentReceiptID\":\"x\",\"n\":1}";
	char *jws = sign(&key_a, payload), *dot1, *dot2, kid[CRYPT_KID_LEN];
	unsigned char *header, *body, *sig;
	size_t hlen, blen, slen;
	json_t *h;

	(void)state;
	dot1 = strchr(jws, '.');
	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	assert_null(strchr(jws, '='));

	header = decode(jws, (size_t)(dot1 - jws), &hlen);
	h = json_loadb((const char *)header, hlen, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(h);
	assert_int_equal(json_object_size(h), 3);
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
	assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
	keyring_kid(&key_a, kid);
	assert_string_equal(json_string_value(json_object_get(h, "kid")), kid);

	body = decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &blen);
	assert_int_equal(blen, strlen(payload));
	assert_memory_equal(body, payload, blen);
	sig = decode(dot2 + 1, strlen(dot2 + 1), &slen);
	assert_int_equal(slen, crypto_sign_BYTES);

	/* Ed25519 is deterministic: the same payload, the same JWS */
	{
		char *again = sign(&key_a, payload);

		assert_string_equal(jws, again);
		free(again);
	}
	json_decref(h);
	free(header);
	free(body);
	free(sig);
	free(jws);
}

static void signature_verifies_and_fails_after_any_changed_byte(void **state)
{
	char *jws = sign(&key_a, "{\"a\":\"b\"}"), *dot2 = strrchr(jws, '.');
	unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES], pkb[CRYPT_SIGN_PUBLIC_BYTES], *sig;
	size_t n = (size_t)(dot2 - jws), slen;
	unsigned char *input = (unsigned char *)jws;

	(void)state;
	keyring_sign_public(&key_a, pk);
	keyring_sign_public(&key_b, pkb);
	sig = decode(dot2 + 1, strlen(dot2 + 1), &slen);
	assert_int_equal(crypto_sign_verify_detached(sig, input, n, pk), 0);
	assert_int_not_equal(crypto_sign_verify_detached(sig, input, n, pkb), 0);
	for (size_t i = 0; i < n; i++) {
		input[i] ^= 0x01;
		assert_int_not_equal(crypto_sign_verify_detached(sig, input, n, pk), 0);
		input[i] ^= 0x01;
	}
	for (size_t i = 0; i < slen; i++) {
		sig[i] ^= 0x80;
		assert_int_not_equal(crypto_sign_verify_detached(sig, input, n, pk), 0);
		sig[i] ^= 0x80;
	}
	assert_int_equal(crypto_sign_verify_detached(sig, input, n, pk), 0);
	free(sig);
	free(jws);
}

static void bad_typ_is_refused_and_leaves_the_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_puts(&b, "kept"), CMN_OK);
	assert_int_equal(keyring_jws_sign(&key_a, "a\"b", "{}", 2, &b), CMN_ERR_INVALID);
	assert_int_equal(keyring_jws_sign(&key_a, "", "{}", 2, &b), CMN_ERR_INVALID);
	assert_string_equal(b.data, "kept");
	/* a cap too small: nothing half-written is left */
	b.cap = b.len + 20;
	assert_int_equal(keyring_jws_sign(&key_a, "JWT", "{}", 2, &b), CMN_ERR_TOO_LARGE);
	assert_string_equal(b.data, "kept");
	buf_release(&b);
}

static void jwks_names_the_key(void **state)
{
	unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES], *x;
	char kid[CRYPT_KID_LEN];
	struct buf b;
	json_t *set, *k;
	size_t n;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(keyring_jwks(&key_a, &b), CMN_OK);
	set = json_loads(b.data, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(set);
	assert_int_equal(json_array_size(json_object_get(set, "keys")), 1);
	k = json_array_get(json_object_get(set, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "kty")), "OKP");
	assert_string_equal(json_string_value(json_object_get(k, "crv")), "Ed25519");
	assert_string_equal(json_string_value(json_object_get(k, "alg")), "EdDSA");
	assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");
	assert_null(json_object_get(k, "d"));
	keyring_kid(&key_a, kid);
	assert_string_equal(json_string_value(json_object_get(k, "kid")), kid);
	x = decode(json_string_value(json_object_get(k, "x")),
		   strlen(json_string_value(json_object_get(k, "x"))), &n);
	keyring_sign_public(&key_a, pk);
	assert_int_equal(n, sizeof(pk));
	assert_memory_equal(x, pk, n);
	free(x);
	json_decref(set);
	buf_release(&b);
}

static void uuid_of_a_name(void **state)
{
	char a[CRYPT_UUID_LEN], b[CRYPT_UUID_LEN], c[CRYPT_UUID_LEN];
	unsigned char raw[16];

	(void)state;
	crypt_uuid_name("receipt:x", a);
	crypt_uuid_name("receipt:x", b);
	crypt_uuid_name("receipt:y", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_true(crypt_uuid_parse(a, raw));
	assert_int_equal(raw[6] >> 4, 8);
	assert_int_equal(raw[8] >> 6, 2);
}

/* ---- receipts of grant views ------------------------------------------------------ */

static json_t *view(const char *status, bool asked, const char *until)
{
	json_t *v = json_pack(
	    "{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:{s:s, s:s}}, s:s,"
	    " s:{s:[s, s], s:[s]}, s:s, s:s, s:[]}",
	    "id", "0123456789abcdef0123456789abcdef", "person", "p1", "status", status, "grantee",
	    "kind", "service", "id", "c1", "name", "Watt Coach", "org", "Énergie Coop", "org_id",
	    "o1", "purpose", "dpv", "ServiceProvision", "text", "fr",
	    "Conseils d'économie d'énergie", "en", "Energy saving advice", "legal_basis", "consent",
	    "scope", "doctypes", "energy.electricity.load_curve", "bank.transaction", "operations",
	    "read", "valid_from", "2026-01-01T00:00:00.000Z", "created", "2026-01-01T00:00:00.000Z",
	    "history");
	json_t *h = json_object_get(v, "history");

	if (asked)
		json_array_append_new(h, json_pack("{s:s, s:s, s:s}", "status", "requested", "at",
						   "2026-01-01T00:00:00.000Z", "by", "service:c1"));
	if (strcmp(status, "requested") != 0 && strcmp(status, "refused") != 0)
		json_array_append_new(h, json_pack("{s:s, s:s, s:s}", "status", "given", "at",
						   "2026-01-02T10:00:00.500Z", "by", "person:p1"));
	if (strcmp(status, "refused") == 0 || strcmp(status, "withdrawn") == 0)
		json_array_append_new(h, json_pack("{s:s, s:s, s:s}", "status", status, "at",
						   "2026-02-01T00:00:00.000Z", "by", "person:p1"));
	if (until)
		json_object_set_new(v, "valid_until", json_string(until));
	return v;
}

static struct receipt_in input(const json_t *v, const json_t *client)
{
	return (struct receipt_in){.view = v,
				   .person_id = "p1",
				   .person_handle = "alice",
				   .platform = RECEIPT_PLATFORM,
				   .lang = "en",
				   .client = client,
				   .reg = NULL};
}

static bool has(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static void kantara_receipt_of_a_given_grant(void **state)
{
	json_t *v = view("given", true, "2027-01-01T00:00:00.000Z");
	json_t *client =
	    json_pack("{s:[s], s:s, s:s}", "contacts", "dpo@coop.example", "policy_uri",
		      "https://coop.example/privacy", "client_uri", "https://coop.example");
	struct receipt_in in = input(v, client);
	json_t *r = NULL, *r2 = NULL, *c, *p;
	char *jws = NULL, *text;
	unsigned char *payload;
	size_t n;

	(void)state;
	assert_int_equal(receipt_kantara(&in, &r), CMN_OK);
	assert_string_equal(json_string_value(json_object_get(r, "version")), "KI-CR-v1.1.0");
	assert_int_equal(json_integer_value(json_object_get(r, "consentTimestamp")), 1767348000);
	assert_string_equal(json_string_value(json_object_get(r, "piiPrincipalId")), "alice");
	assert_string_equal(json_string_value(json_object_get(r, "policyUrl")),
			    "https://coop.example/privacy");
	c = json_array_get(json_object_get(r, "piiControllers"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "piiController")), "Énergie Coop");
	assert_string_equal(json_string_value(json_object_get(c, "email")), "dpo@coop.example");
	assert_string_equal(json_string_value(json_object_get(c, "phone")), "");
	assert_true(json_is_object(json_object_get(c, "address")));
	p = json_array_get(
	    json_object_get(json_array_get(json_object_get(r, "services"), 0), "purposes"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "purpose")),
			    "Energy saving advice");
	assert_string_equal(json_string_value(json_object_get(p, "consentType")), "EXPLICIT");
	assert_true(has(json_object_get(p, "purposeCategory"), "2 - Contracted Service"));
	assert_true(
	    has(json_object_get(p, "purposeCategory"), "https://w3id.org/dpv#ServiceProvision"));
	assert_true(has(json_object_get(p, "piiCategory"), "7 - Financial"));
	assert_true(has(json_object_get(p, "piiCategory"), "bank.transaction"));
	assert_true(json_is_false(json_object_get(p, "thirdPartyDisclosure")));
	assert_true(json_is_array(json_object_get(r, "spiCat")));

	/* the same grant, the same receipt */
	assert_int_equal(receipt_kantara(&in, &r2), CMN_OK);
	assert_true(json_equal(r, r2));

	/* the JWS carries exactly the receipt */
	assert_int_equal(receipt_sign(&key_a, r, &jws), CMN_OK);
	payload =
	    decode(strchr(jws, '.') + 1, (size_t)(strrchr(jws, '.') - strchr(jws, '.') - 1), &n);
	text = json_dumps(r, JSON_COMPACT);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(payload, text, n);
	free(text);
	free(payload);
	free(jws);
	json_decref(r);
	json_decref(r2);
	json_decref(client);
	json_decref(v);
}

static void no_receipt_of_a_consent_never_given(void **state)
{
	json_t *v = view("requested", true, NULL), *r = (json_t *)1;
	struct receipt_in in = input(v, NULL);

	(void)state;
	assert_int_equal(receipt_kantara(&in, &r), CMN_ERR_CONFLICT);
	assert_null(r);
	json_decref(v);
	v = view("refused", true, NULL);
	in = input(v, NULL);
	assert_int_equal(receipt_kantara(&in, &r), CMN_ERR_CONFLICT);
	json_decref(v);
	/* a withdrawn grant keeps the receipt of the consent once given */
	v = view("withdrawn", false, NULL);
	in = input(v, NULL);
	assert_int_equal(receipt_kantara(&in, &r), CMN_OK);
	json_decref(r);
	json_decref(v);
}

static void dpv_status_of_each_grant_status(void **state)
{
	static const struct {
		enum grant_status s;
		const char *name, *dpv;
	} want[] = {
	    {GRANT_REQUESTED, "requested", "dpv:ConsentRequested"},
	    {GRANT_GIVEN, "given", "dpv:ConsentGiven"},
	    {GRANT_REFUSED, "refused", "dpv:ConsentRefused"},
	    {GRANT_WITHDRAWN, "withdrawn", "dpv:ConsentWithdrawn"},
	    {GRANT_EXPIRED, "expired", "dpv:ConsentExpired"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		json_t *v = view(want[i].name, false, "2026-06-01T00:00:00.000Z"), *d;
		struct receipt_in in = input(v, NULL);

		assert_string_equal(receipt_dpv_status(want[i].s), want[i].dpv);
		d = receipt_dpv(&in);
		assert_non_null(d);
		assert_string_equal(json_string_value(json_object_get(
					json_object_get(d, "dpv:hasConsentStatus"), "@id")),
				    want[i].dpv);
		assert_string_equal(json_string_value(json_object_get(d, "@type")),
				    "dpv:ConsentRecord");
		json_decref(d);
		json_decref(v);
	}
}

static void dpv_record_of_a_grant(void **state)
{
	json_t *v = view("withdrawn", false, NULL), *d, *h, *ctx;
	struct receipt_in in = input(v, NULL);

	(void)state;
	d = receipt_dpv(&in);
	assert_non_null(d);
	ctx = json_object_get(d, "@context");
	assert_string_equal(json_string_value(json_object_get(ctx, "dpv")),
			    "https://w3id.org/dpv#");
	assert_non_null(json_object_get(ctx, "dpv-gdpr"));
	assert_string_equal(json_string_value(json_object_get(d, "@id")),
			    "urn:commune:consent:0123456789abcdef0123456789abcdef");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(d, "dpv:isIndicatedBy"), "@id")),
	    "urn:commune:person:p1");
	h = json_object_get(d, "dpv:hasPersonalDataHandling");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(h, "dpv:hasPurpose"), "@id")),
	    "dpv:ServiceProvision");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(h, "dpv:hasLegalBasis"), "@id")),
	    "dpv-gdpr:A6-1-a");
	assert_int_equal(json_array_size(json_object_get(h, "dpv:hasPersonalData")), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(h, "dpv:hasProcessing"), 0), "@id")),
			    "dpv:Access");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(h, "dpv:hasRecipient"), "@id")),
	    "urn:commune:service:c1");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(h, "dpv:hasDuration"), "@type")),
	    "dpv:UntilEventDuration");
	json_decref(d);
	json_decref(v);
}

/* ---- whole or nothing ---------------------------------------------------------------- */

static size_t fail_at; /* the allocation that fails (jsonfail.h) */

/* whole_input - a service's grant over a special, two sensitive doctypes
 * (spiCat, the DPV types), with the service's contact and policy: every
 * member and element a receipt may have */
static struct receipt_in whole_input(const char *status, const json_t *client, struct registry *reg)
{
	json_t *v = view(status, true, "2027-01-01T00:00:00.000Z");
	char err[300] = "";
	struct receipt_in in = input(v, client);

	assert_int_equal(
	    json_array_append_new(json_object_get(json_object_get(v, "scope"), "doctypes"),
				  json_string("social.allowance")),
	    0);
	if (registry_load(reg, err, sizeof(err)) != CMN_OK)
		fail_msg("registry: %s", err);
	in.reg = reg;
	return in;
}

/* A signed receipt without a purpose category, a data category or the
 * controller's contact is a signed false statement of what the person
 * agreed to: under every failed allocation, receipt_kantara gives
 * CMN_ERR_NOMEM and nothing, or the very receipt, signed to the same
 * JWS. */
static void receipt_whole_or_nothing(void **state)
{
	json_t *client =
	    json_pack("{s:[s], s:s, s:s}", "contacts", "dpo@coop.example", "policy_uri",
		      "https://coop.example/privacy", "client_uri", "https://coop.example");
	struct registry reg = {0};
	struct receipt_in in = whole_input("given", client, &reg);
	json_t *r = NULL, *p;
	char *want = NULL, *jws;
	int failed = 0;

	(void)state;
	assert_int_equal(receipt_kantara(&in, &r), CMN_OK);
	/* all there is to lose is there */
	assert_int_equal(json_array_size(json_object_get(r, "spiCat")), 3);
	p = json_array_get(
	    json_object_get(json_array_get(json_object_get(r, "services"), 0), "purposes"), 0);
	assert_int_equal(json_array_size(json_object_get(p, "purposeCategory")), 2);
	assert_int_equal(json_array_size(json_object_get(p, "piiCategory")), 6);
	assert_non_null(json_object_get(json_array_get(json_object_get(r, "piiControllers"), 0),
					"piiControllerUrl"));
	assert_int_equal(receipt_sign(&key_a, r, &want), CMN_OK);
	json_decref(r);
	for (fail_at = 1;; fail_at++) {
		enum cmn_rc rc;

		r = (json_t *)1;
		jsonfail_arm(fail_at);
		rc = receipt_kantara(&in, &r);
		jsonfail_disarm();
		if (rc == CMN_OK) {
			assert_int_equal(receipt_sign(&key_a, r, &jws), CMN_OK);
			assert_string_equal(jws, want);
			free(jws);
			json_decref(r);
			if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
				break;
			continue;
		}
		assert_int_equal(rc, CMN_ERR_NOMEM);
		assert_null(r);
		failed++;
	}
	assert_true(failed >= 100); /* every member, element and string of it */
	free(want);
	registry_release(&reg);
	json_decref((json_t *)in.view);
	json_decref(client);
}

/* The DPV record is what the person keeps of the consent too: whole or
 * NULL under every failed allocation. */
static json_t *build_dpv(void *in)
{
	return receipt_dpv(in);
}

static void dpv_whole_or_nothing(void **state)
{
	struct registry reg = {0};
	struct receipt_in in = whole_input("withdrawn", NULL, &reg);
	json_t *d = receipt_dpv(&in);

	(void)state;
	assert_non_null(d);
	assert_non_null(json_object_get(d, "dpv:isIndicatedBy"));
	json_decref(d);
	assert_true(jsonfail_sweep(build_dpv, &in) >= 180);
	registry_release(&reg);
	json_decref((json_t *)in.view);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(key_is_derived_from_the_master_key),
	    cmocka_unit_test(jws_has_three_parts_and_its_header),
	    cmocka_unit_test(signature_verifies_and_fails_after_any_changed_byte),
	    cmocka_unit_test(bad_typ_is_refused_and_leaves_the_buffer),
	    cmocka_unit_test(jwks_names_the_key),
	    cmocka_unit_test(uuid_of_a_name),
	    cmocka_unit_test(kantara_receipt_of_a_given_grant),
	    cmocka_unit_test(no_receipt_of_a_consent_never_given),
	    cmocka_unit_test(dpv_status_of_each_grant_status),
	    cmocka_unit_test(dpv_record_of_a_grant),
	    cmocka_unit_test(receipt_whole_or_nothing),
	    cmocka_unit_test(dpv_whole_or_nothing),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
