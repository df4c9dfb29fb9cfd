/*
 * jsonparse.h - a strict JSON reader (RFC 8259) that builds jansson trees.
 *
 * jansson's own loader may go on after one of its allocations failed (its
 * issue #362: the lexer drops a character it could not save, then walks
 * past its buffer), and it tells some failed allocations as syntax errors.
 * This reader builds the same trees as json_loadb with the same flags, and
 * says apart a text that is not JSON (CMN_ERR_INVALID, with where and why)
 * from memory that ran out (CMN_ERR_NOMEM): a server answers the first 400
 * and the second 503. Every JSON text commune reads goes through it.
 */
#ifndef COMMUNE_CORE_JSONPARSE_H
#define COMMUNE_CORE_JSONPARSE_H

#include <stddef.h>

#include <jansson.h>

#include "core/result.h"

/* flags */
#define JSON_PARSE_REJECT_DUPLICATES 0x1 /* a key twice in an object is an error */
#define JSON_PARSE_ANY 0x2               /* any value at the top, not only [ or { */

/* nesting beyond which a text is refused, as jansson does */
#define JSON_PARSE_MAX_DEPTH 2048

struct json_parse_error {
	enum cmn_rc rc; /* CMN_OK, CMN_ERR_INVALID (the text) or CMN_ERR_NOMEM */
	int line;       /* of the offending character, from 1 */
	int column;     /* of the offending character, from 1, in characters */
	size_t position; /* of the offending character, in bytes from 0 */
	char text[160]; /* what was expected or found, in English */
};

/* json_parse - the JSON value of the n bytes at text; NULL on failure, with
 * e saying why (e may be NULL). Without JSON_PARSE_ANY the text must be an
 * object or an array. Integers that fit 64 bits are integers, other
 * numbers reals; strings must be UTF-8 and hold no U+0000; a later key
 * replaces an earlier one unless JSON_PARSE_REJECT_DUPLICATES. */
json_t *json_parse(const char *text, size_t n, unsigned flags, struct json_parse_error *e);

/* json_parse_file - json_parse of the file at path (at most
 * JSON_PARSE_FILE_MAX bytes); a file that cannot be read is e->rc
 * CMN_ERR_IO (or CMN_ERR_TOO_LARGE), with why in e->text. */
#define JSON_PARSE_FILE_MAX (256u << 20)
json_t *json_parse_file(const char *path, unsigned flags, struct json_parse_error *e);

/* json_parse_str - json_parse of the C string text with no flags, no error:
 * for text commune wrote itself (stored specs, payloads). */
json_t *json_parse_str(const char *text);

#endif
