/*
 * test_oauth.c - the parts of the OAuth server that know no HTTP
 * (src/oauth/): the form parser, the scope language, PKCE S256 and
 * redirect URIs. The endpoints are tested by tests/api/cases/oauth.t and
 * tests/node/oauth.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypt.h"
#include "oauth/form.h"
#include "oauth/pkce.h"
#include "oauth/redirect.h"
#include "oauth/scope.h"

static enum cmn_rc parse(struct oauth_form *f, const char *s)
{
	char err[160];
	enum cmn_rc rc = oauth_form_parse(f, s, strlen(s), err, sizeof(err));

	if (rc != CMN_OK)
		assert_true(err[0] != '\0');
	return rc;
}

static void form_pairs(void **state)
{
	struct oauth_form f;

	(void)state;
	assert_int_equal(parse(&f, "grant_type=authorization_code&code=cac_x%2By+z&&redirect_uri="
				   "http%3A%2F%2F127.0.0.1%2Fcb&state=&flag"),
			 CMN_OK);
	assert_int_equal(f.n, 3);
	assert_string_equal(oauth_form_get(&f, "grant_type"), "authorization_code");
	assert_string_equal(oauth_form_get(&f, "code"), "cac_x+y z");
	assert_string_equal(oauth_form_get(&f, "redirect_uri"), "http://127.0.0.1/cb");
	assert_null(oauth_form_get(&f, "state")); /* empty: as if absent */
	assert_null(oauth_form_get(&f, "flag"));
	oauth_form_release(&f);
	assert_int_equal(parse(&f, ""), CMN_OK);
	assert_int_equal(f.n, 0);
	oauth_form_release(&f);
	assert_int_equal(parse(&f, "%C3%A9t%C3%A9=%E2%82%AC"), CMN_OK);
	assert_string_equal(oauth_form_get(&f, "\xc3\xa9t\xc3\xa9"), "\xe2\x82\xac");
	oauth_form_release(&f);
}

static void form_refusals(void **state)
{
	static const char *const bad[] = {
	    "a=1&a=2",           /* twice (RFC 6749 §3.1) */
	    "=x",                /* no name */
	    "a=%ZZ",   "a=%4",   /* malformed escapes */
	    "a=%00",   "a%00=1", /* NUL */
	    "a=%FF",             /* not UTF-8 */
	};
	struct oauth_form f;
	char many[40 * 8] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(parse(&f, bad[i]), CMN_ERR_INVALID);
		oauth_form_release(&f);
	}
	for (int i = 0; i < CMN_OAUTH_FORM_PAIRS + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "p%d=1&", i);
	assert_int_equal(parse(&f, many), CMN_ERR_INVALID);
	oauth_form_release(&f);
	/* the same name twice, once empty: only one counts */
	assert_int_equal(parse(&f, "a=&a=1"), CMN_OK);
	assert_string_equal(oauth_form_get(&f, "a"), "1");
	oauth_form_release(&f);
}

static void scope_language(void **state)
{
	struct oauth_scope sc, again;
	char err[300], *text;
	json_t *j;

	(void)state;
	assert_int_equal(
	    oauth_scope_parse("op:aggregate-only  field:amount doctype:bank.transaction"
			      " period:2024-01-01/2025-01-01 doctype:mobility.trip",
			      &sc, err, sizeof(err)),
	    CMN_OK);
	assert_int_equal(sc.ndoctypes, 2);
	assert_int_equal(sc.nfields, 1);
	assert_int_equal(sc.ops, GRANT_OP_AGGREGATE);
	text = oauth_scope_text(&sc);
	assert_string_equal(text, "doctype:bank.transaction doctype:mobility.trip field:amount"
				  " period:2024-01-01/2025-01-01 op:aggregate-only");
	j = oauth_scope_json(&sc);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "from")), "2024-01-01");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "operations"), 0)),
			    "aggregate-only");
	assert_int_equal(oauth_scope_from_json(j, &again), CMN_OK);
	free(text);
	text = oauth_scope_text(&again);
	assert_string_equal(text, "doctype:bank.transaction doctype:mobility.trip field:amount"
				  " period:2024-01-01/2025-01-01 op:aggregate-only");
	free(text);
	json_decref(j);

	/* read by default; an open period */
	assert_int_equal(
	    oauth_scope_parse("doctype:x period:/2025-01-01T00:00:00Z", &sc, err, sizeof(err)),
	    CMN_OK);
	assert_int_equal(sc.ops, GRANT_OP_READ);
	assert_string_equal(sc.from, "");
	assert_string_equal(sc.to, "2025-01-01T00:00:00Z");
}

static void scope_refusals(void **state)
{
	static const char *const bad[] = {
	    "",                    /* no doctype */
	    "field:amount",        /* no doctype */
	    "openid",              /* unknown token */
	    "doctype:Bank",        /* not a name */
	    "doctype:a doctype:a", /* twice */
	    "doctype:a op:read op:read",
	    "doctype:a op:write",
	    "doctype:a period:2025-01-01/2024-01-01", /* backwards */
	    "doctype:a period:/",                     /* nothing */
	    "doctype:a period:2024-01-01",            /* no slash */
	    "doctype:a period:2024-01-01/2025-01-01 period:2024-01-01/2025-01-01",
	    "doctype:a field:a.b", /* fields have no dots */
	    "doctype:a\tfield:b",  /* only spaces separate */
	};
	struct oauth_scope sc;
	char err[300], big[CMN_OAUTH_SCOPE_MAX + 100];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		assert_int_equal(oauth_scope_parse(bad[i], &sc, err, sizeof(err)), CMN_ERR_INVALID);
		assert_true(err[0] != '\0');
	}
	big[0] = '\0';
	for (int i = 0; i < 17; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "doctype:d%d ", i);
	assert_int_equal(oauth_scope_parse(big, &sc, err, sizeof(err)), CMN_ERR_INVALID);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(oauth_scope_parse(big, &sc, err, sizeof(err)), CMN_ERR_INVALID);
}

static void pkce(void **state)
{
	/* computed by Python's hashlib, not by the code under test */
	const char *v = "oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
	const char *c = "nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0";

	(void)state;
	assert_true(oauth_pkce_verifier_valid(v));
	assert_true(oauth_pkce_challenge_valid(c));
	assert_true(oauth_pkce_matches(v, c));
	assert_false(
	    oauth_pkce_matches("oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyZ", c));
	assert_false(oauth_pkce_matches(c, c)); /* plain is not S256 */
	assert_false(oauth_pkce_verifier_valid("too-short"));
	assert_false(oauth_pkce_verifier_valid("0123456789012345678901234567890123456789 12"));
	assert_true(oauth_pkce_verifier_valid("0123456789012345678901234567890123456789.~_"));
	/* 43 characters whose last one carries bits beyond 32 bytes */
	assert_false(oauth_pkce_challenge_valid("nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj1"));
	assert_false(oauth_pkce_challenge_valid("nU6mluUHB5zcz+j1FLzB7vhdC4Wy1yO2IAnOqztBSj0"));
	assert_false(oauth_pkce_challenge_valid("nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj"));
}

static void redirects(void **state)
{
	static const char *const good[] = {
	    "https://app.example/cb",   "https://app.example:8443/cb?x=1",
	    "http://127.0.0.1/cb",      "http://127.0.0.1:4711/cb",
	    "http://[::1]:80/",         "http://localhost:3000",
	    "https://[2001:db8::1]/cb",
	};
	static const char *const bad[] = {
	    "http://app.example/cb",
	    "https://app.example/cb#frag",
	    "https://u@app.example/cb",
	    "ftp://app.example/",
	    "app.example/cb",
	    "https:///cb",
	    "https://app.example:0/",
	    "https://app.example:99999/",
	    "https://app.example:8x/",
	    "https://app example/",
	    "http://127.0.0.1.evil.example/",
	    "https://app.example/<script>",
	    "http://[::1/",
	};
	const char *why;
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(oauth_redirect_valid(good[i], &why));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why = NULL;
		assert_false(oauth_redirect_valid(bad[i], &why));
		assert_non_null(why);
	}
	assert_true(oauth_redirect_matches("https://app.example/cb", "https://app.example/cb"));
	assert_false(oauth_redirect_matches("https://app.example/cb", "https://app.example/cb/"));
	assert_false(
	    oauth_redirect_matches("https://app.example/cb", "https://app.example:444/cb"));
	assert_true(oauth_redirect_matches("http://127.0.0.1:4711/cb", "http://127.0.0.1:5000/cb"));
	assert_true(oauth_redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb"));
	assert_false(
	    oauth_redirect_matches("http://127.0.0.1:4711/cb", "http://127.0.0.1:5000/other"));
	assert_false(
	    oauth_redirect_matches("http://127.0.0.1:4711/cb", "http://localhost:4711/cb"));
	assert_false(oauth_redirect_matches("http://127.0.0.1:4711/cb", "http://127.0.0.1:x/cb"));

	buf_init(&b, 4096);
	buf_puts(&b, "https://app.example/cb");
	assert_int_equal(oauth_redirect_param(&b, "code", "cac_a-b_c"), CMN_OK);
	assert_int_equal(oauth_redirect_param(&b, "state", "a b&c=d/é"), CMN_OK);
	assert_string_equal(b.data,
			    "https://app.example/cb?code=cac_a-b_c&state=a%20b%26c%3Dd%2F%C3%A9");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(form_pairs),     cmocka_unit_test(form_refusals),
	    cmocka_unit_test(scope_language), cmocka_unit_test(scope_refusals),
	    cmocka_unit_test(pkce),           cmocka_unit_test(redirects),
	};

	if (crypt_init() != CMN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
