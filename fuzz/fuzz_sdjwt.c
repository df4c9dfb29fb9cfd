/*
 * fuzz_sdjwt.c - libFuzzer target for the SD-JWT verifier (src/sdjwt/).
 *
 * Any bytes as an SD-JWT or SD-JWT+KB, verified with a fixed issuer key
 * (the example key of RFC 9901 A.5, so that the seeds, its examples,
 * verify), once without and once with key binding required. A refusal
 * says why in well-formed UTF-8 and leaves no claims; an acceptance has
 * claims with no "_sd", no "_sd_alg" at the top, no array element left as
 * {"...": digest}, and one JSON Pointer per disclosure it used. The holder's
 * side (sdjwt_present) on the same bytes never crashes either.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "sdjwt/sdjwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_sdjwt: invariant failed: %s (%s:%d)\n", what,       \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define ISSUER_JWK                                                                                 \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ\","  \
	"\"y\":\"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8\"}"

static struct es256_key *issuer;

/* clean - no digest is left anywhere in the processed claims */
static bool clean(const json_t *v, int depth)
{
	const char *name;
	json_t *m;
	size_t i;

	if (depth > SDJWT_MAX_DEPTH + 2)
		return false;
	if (json_is_object(v)) {
		if (json_object_get(v, "_sd"))
			return false;
		json_object_foreach((json_t *)v, name, m) {
			if (!clean(m, depth + 1))
				return false;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			if ((json_is_object(m) && json_object_size(m) == 1 &&
			     json_object_get(m, "...")) ||
			    !clean(m, depth + 1))
				return false;
		}
	}
	return true;
}

static void verify_once(const char *s, size_t n, bool require_kb)
{
	struct sdjwt_verify_opts o = {
		.issuer_key = issuer, .typ = "", .now = 1737118600, .skew = 60,
		.require_kb = require_kb, .aud = "https://verifier.example.org",
		.nonce = "1234567890", .kb_max_age = 3600,
	};
	struct sdjwt_result r;
	enum cmn_rc rc = sdjwt_verify(s, n, &o, &r);

	CHECK(str_utf8_valid(r.why, strlen(r.why)), "the reason is well-formed UTF-8");
	if (rc != CMN_OK) {
		CHECK(r.why[0] != '\0', "a refusal says why");
		CHECK(r.claims == NULL && r.disclosed == NULL, "a refusal leaves no claims");
		CHECK(!r.key_bound, "a refusal is not key bound");
		return;
	}
	CHECK(json_is_object(r.claims), "the claims are an object");
	CHECK(clean(r.claims, 0), "no digest is left in the claims");
	CHECK(!json_object_get(r.claims, "_sd_alg"), "no _sd_alg at the top");
	CHECK(json_array_size(r.disclosed) <= (size_t)SDJWT_MAX_DISCLOSURES, "disclosed count");
	CHECK(!require_kb || r.key_bound, "key binding was required");
	sdjwt_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "given_name", "nationalities", "18", "address" };
	struct sdjwt_present p = { names, 4, NULL, NULL, NULL, 0 };
	char why[SDJWT_WHY_MAX];
	struct buf out;

	if (!issuer) {
		json_t *jwk = json_loads(ISSUER_JWK, 0, NULL);

		CHECK(jwk && es256_from_jwk(jwk, &issuer) == CMN_OK, "the issuer key loads");
		json_decref(jwk);
	}
	verify_once((const char *)data, size, false);
	verify_once((const char *)data, size, true);

	buf_init(&out, SDJWT_MAX_BYTES);
	if (sdjwt_present((const char *)data, size, &p, &out, why) != CMN_OK)
		CHECK(why[0] != '\0', "a refused presentation says why");
	else
		CHECK(out.len <= size + 1, "a presentation only removes");
	buf_release(&out);
	return 0;
}
