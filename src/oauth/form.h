/*
 * form.h - application/x-www-form-urlencoded text: the body of the OAuth
 * token, introspection and revocation requests, the consent screen's
 * form, and the query string of an authorization request.
 *
 * Parsed by RFC 6749's rules (§3.1): a parameter given twice is refused,
 * and one given without a value is as if it were absent.
 */
#ifndef COMMUNE_OAUTH_FORM_H
#define COMMUNE_OAUTH_FORM_H

#include <stddef.h>

#include "core/limits.h"
#include "core/result.h"

struct oauth_form {
	size_t n;                                 /* pairs with a value */
	const char *names[CMN_OAUTH_FORM_PAIRS];  /* decoded, NUL-terminated */
	const char *values[CMN_OAUTH_FORM_PAIRS]; /* decoded, never empty */
	char *mem;                                /* holds them all (owned) */
};

/* oauth_form_parse - parses the n bytes at s (may be NULL when n is 0):
 * pairs name=value separated by '&', '+' as a space, %XX escapes; names
 * and values must decode to well-formed UTF-8 without NUL. Empty pieces
 * ("a=1&&b=2") are skipped. Refused with CMN_ERR_INVALID and a reason in
 * err: a malformed escape, bad UTF-8, an empty name, a name given twice,
 * more than CMN_OAUTH_FORM_PAIRS pairs. Release f in every case. */
enum cmn_rc oauth_form_parse(struct oauth_form *f, const char *s, size_t n, char *err,
			     size_t errlen);

/* oauth_form_get - the value of name, or NULL when absent (or empty). */
const char *oauth_form_get(const struct oauth_form *f, const char *name);

/* oauth_form_release - frees what the parse kept; f is empty afterwards. */
void oauth_form_release(struct oauth_form *f);

#endif
