/*
 * fuzz_oauth_scope.c - libFuzzer target for the scope language of the
 * OAuth server (src/oauth/scope.c).
 *
 * Whatever the text: a refusal says why. An accepted scope has 1..16
 * doctypes, at most 32 fields, some operation; its grant terms (with the
 * scope as oauth_scope_json writes it) pass grant_terms_check, the check
 * every grant passes; its canonical text parses back to the same scope,
 * is a fixed point, and the scope read back from its JSON (as from a
 * stored grant) is the same again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/grant.h"
#include "core/str.h"
#include "oauth/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_oauth_scope: invariant failed: %s (%s:%d)\n", what,  \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static struct oauth_scope a, b, c; /* large: kept off the stack */

static void same(const struct oauth_scope *x, const struct oauth_scope *y, const char *what)
{
	CHECK(x->ndoctypes == y->ndoctypes && x->nfields == y->nfields && x->ops == y->ops &&
		  strcmp(x->from, y->from) == 0 && strcmp(x->to, y->to) == 0,
	      what);
	for (size_t i = 0; i < x->ndoctypes; i++)
		CHECK(strcmp(x->doctypes[i], y->doctypes[i]) == 0, what);
	for (size_t i = 0; i < x->nfields; i++)
		CHECK(strcmp(x->fields[i], y->fields[i]) == 0, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[300];
	enum cmn_rc rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = oauth_scope_parse(s, &a, err, sizeof(err));
	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID, "parse rc");
	CHECK(rc == CMN_OK || err[0], "a refusal says why");
	CHECK(str_utf8_valid(err, strlen(err)), "the reason is well-formed UTF-8");
	if (rc == CMN_OK) {
		json_t *scope = oauth_scope_json(&a), *terms;
		char *text = oauth_scope_text(&a), *text2;

		CHECK(a.ndoctypes >= 1 && a.ndoctypes <= GRANT_MAX_DOCTYPES, "doctypes bounded");
		CHECK(a.nfields <= GRANT_MAX_FIELDS, "fields bounded");
		CHECK(a.ops != 0 && (a.ops & ~7u) == 0, "operations");
		CHECK(scope && text, "scope json and text");
		terms = json_pack("{s:{s:s, s:s}, s:{s:s, s:{s:s, s:s}}, s:s, s:O}", "grantee",
				  "kind", "service", "id", "0123456789abcdef0123456789abcdef",
				  "purpose", "dpv", "ServiceProvision", "text", "fr", "x", "en",
				  "x", "legal_basis", "consent", "scope", scope);
		CHECK(terms && grant_terms_check(terms, err, sizeof(err)) == CMN_OK,
		      "the terms of an accepted scope pass grant_terms_check");
		CHECK(oauth_scope_parse(text, &b, err, sizeof(err)) == CMN_OK,
		      "the canonical text parses back");
		same(&a, &b, "the canonical text says the same scope");
		text2 = oauth_scope_text(&b);
		CHECK(text2 && strcmp(text, text2) == 0, "the canonical text is a fixed point");
		CHECK(oauth_scope_from_json(scope, &c) == CMN_OK, "the JSON reads back");
		same(&b, &c, "the JSON says the same scope");
		free(text2);
		free(text);
		json_decref(terms);
		json_decref(scope);
	}
	free(s);
	return 0;
}
