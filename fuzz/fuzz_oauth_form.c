/*
 * fuzz_oauth_form.c - libFuzzer target for the form parser of the OAuth
 * endpoints (src/oauth/form.c): application/x-www-form-urlencoded bodies
 * and authorization query strings.
 *
 * Whatever the bytes: a refusal says why; an accepted form has at most
 * CMN_OAUTH_FORM_PAIRS pairs, distinct non-empty names, non-empty
 * well-formed values that match a reference decoder of the same pieces,
 * and it encodes back (every byte as %XX) to text that parses to the same
 * pairs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "oauth/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_oauth_form: invariant failed: %s (%s:%d)\n", what,   \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ref_value - the decoded value of name in the n bytes at s, by a second,
 * simpler reading (the last piece "name=..." with a non-empty value). */
static char *ref_value(const char *s, size_t n, const char *name)
{
	char *found = NULL;
	size_t at = 0;

	while (at <= n) {
		const char *amp = memchr(s + at, '&', n - at);
		size_t plen = amp ? (size_t)(amp - (s + at)) : n - at;
		const char *eq = memchr(s + at, '=', plen);

		if (eq) {
			size_t nlen = (size_t)(eq - (s + at)), k;
			char *nm = malloc(nlen + 1), *v = malloc(plen - nlen);

			if (!nm || !v)
				abort();
			if (str_pct_decode(s + at, nlen, nm, &k) == CMN_OK &&
			    strcmp(nm, name) == 0 &&
			    str_pct_decode(eq + 1, plen - nlen - 1, v, &k) == CMN_OK && k > 0) {
				free(found);
				found = v;
				v = NULL;
			}
			free(nm);
			free(v);
		}
		if (!amp)
			break;
		at += plen + 1;
	}
	return found;
}

static void encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		*out++ = '%';
		*out++ = hex[(unsigned char)*s >> 4];
		*out++ = hex[(unsigned char)*s & 15];
	}
	*out = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[200];
	struct oauth_form f, g;
	enum cmn_rc rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = oauth_form_parse(&f, size ? s : NULL, size, err, sizeof(err));
	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "parse rc");
	CHECK(rc != CMN_ERR_INVALID || err[0], "a refusal says why");
	CHECK(str_utf8_valid(err, strlen(err)), "the reason is well-formed");
	if (rc == CMN_OK) {
		char *again = malloc(6 * size + 2), *p = again;

		if (!again)
			abort();
		CHECK(f.n <= CMN_OAUTH_FORM_PAIRS, "pairs bounded");
		for (size_t i = 0; i < f.n; i++) {
			char *ref = ref_value(s, size, f.names[i]);

			CHECK(f.names[i][0] && f.values[i][0], "names and values are not empty");
			CHECK(str_utf8_valid(f.names[i], strlen(f.names[i])) &&
				  str_utf8_valid(f.values[i], strlen(f.values[i])),
			      "well-formed UTF-8");
			for (size_t j = 0; j < i; j++)
				CHECK(strcmp(f.names[i], f.names[j]) != 0, "names are distinct");
			CHECK(ref && strcmp(ref, f.values[i]) == 0, "the value is the reference's");
			CHECK(oauth_form_get(&f, f.names[i]) == f.values[i], "get finds the pair");
			free(ref);
			if (i)
				*p++ = '&';
			encode(p, f.names[i]);
			p += strlen(p);
			*p++ = '=';
			encode(p, f.values[i]);
			p += strlen(p);
		}
		*p = '\0';
		rc = oauth_form_parse(&g, again, strlen(again), err, sizeof(err));
		CHECK(rc == CMN_OK && g.n == f.n, "the encoded form parses back");
		for (size_t i = 0; i < f.n; i++)
			CHECK(strcmp(g.names[i], f.names[i]) == 0 &&
				  strcmp(g.values[i], f.values[i]) == 0,
			      "the same pairs, in order");
		oauth_form_release(&g);
		free(again);
	}
	oauth_form_release(&f);
	free(s);
	return 0;
}
