/*
 * scope.h - the scope language of commune's OAuth server: what a service
 * asks for, in the words of RFC 6749 §3.3 (space-separated tokens), and
 * the "scope" of the grant it becomes (consent/grant.h).
 *
 *   doctype:NAME       a kind of data (one or more; e.g. doctype:bank.transaction)
 *   field:NAME         only these fields of the records (none: every field)
 *   period:FROM/TO     only data of [FROM, TO) (RFC 3339 dates or date-times;
 *                      one side may be left open, e.g. period:2024-01-01/)
 *   op:OPERATION       read (the default), aggregate-only, compute-only
 *
 * Tokens may come in any order; each is given once. docs/oauth.md.
 */
#ifndef COMMUNE_OAUTH_SCOPE_H
#define COMMUNE_OAUTH_SCOPE_H

#include <stddef.h>

#include <jansson.h>

#include "consent/grant.h"
#include "core/result.h"

#define OAUTH_SCOPE_TIME_MAX 40 /* bytes of an RFC 3339 time in a period */

struct oauth_scope {
	size_t ndoctypes;
	size_t nfields; /* 0: every field */
	char doctypes[GRANT_MAX_DOCTYPES][CMN_DOCTYPE_NAME_MAX + 1];
	char fields[GRANT_MAX_FIELDS][GRANT_FIELD_MAX + 1];
	char from[OAUTH_SCOPE_TIME_MAX + 1]; /* as written; "" when open */
	char to[OAUTH_SCOPE_TIME_MAX + 1];
	unsigned ops; /* enum grant_op bits, never 0 */
};

/* oauth_scope_parse - reads a scope (at most CMN_OAUTH_SCOPE_MAX bytes).
 * CMN_ERR_INVALID with the reason in err for an unknown or malformed
 * token, a token given twice, no doctype, too many doctypes or fields, a
 * period that ends before it starts. Doctypes are not looked up here. */
enum cmn_rc oauth_scope_parse(const char *text, struct oauth_scope *out, char *err, size_t n);

/* oauth_scope_json - the "scope" member of a grant's terms (new
 * reference, NULL when out of memory). */
json_t *oauth_scope_json(const struct oauth_scope *sc);

/* oauth_scope_from_json - the scope of a stored grant (its "scope"
 * member), however the grant was made. CMN_ERR_INVALID when it is not one
 * this language can say. */
enum cmn_rc oauth_scope_from_json(const json_t *scope, struct oauth_scope *out);

/* oauth_scope_text - the canonical text of a scope: doctypes, fields,
 * period, operations, in this order (malloc'd; NULL when out of memory). */
char *oauth_scope_text(const struct oauth_scope *sc);

#endif
