/*
 * schema.h - validation of JSON documents against the JSON Schema subset
 * that doctypes use.
 *
 * Keywords: type (a name or a list), properties, required,
 * additionalProperties (boolean), items, minItems, maxItems, enum, const,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
 * maxLength (in characters), format (date-time, date, uri, email),
 * title, description. A schema using any other keyword is refused when
 * the registry loads, so nothing is silently ignored.
 */
#ifndef COMMUNE_RECORD_SCHEMA_H
#define COMMUNE_RECORD_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#include "core/limits.h"
#include "core/result.h"

#define SCHEMA_POINTER_MAX 256
#define SCHEMA_MESSAGE_MAX 160

struct schema_error {
	char pointer[SCHEMA_POINTER_MAX];  /* RFC 6901 JSON pointer into the document */
	char message[SCHEMA_MESSAGE_MAX];  /* English, one sentence */
};

struct schema_errors {
	struct schema_error e[CMN_MAX_VALIDATION_ERRORS];
	size_t n;                          /* errors kept */
	size_t total;                      /* errors found (may exceed n) */
};

/* schema_check - CMN_OK when schema uses only supported keywords with
 * values of the right type; else CMN_ERR_INVALID and a message in err. */
enum cmn_rc schema_check(const json_t *schema, char *err, size_t errlen);

/* schema_validate - validates doc; CMN_ERR_INVALID with errs filled when
 * it does not conform. */
enum cmn_rc schema_validate(const json_t *schema, const json_t *doc, struct schema_errors *errs);

/* json_depth - the nesting depth of a JSON value (a scalar is 0). */
size_t json_depth(const json_t *v);

/* json_member_outside - the first member of object o whose key is not
 * one of names (NULL-terminated), or NULL: what a closed shape refuses. */
const char *json_member_outside(const json_t *o, const char *const *names);

/* schema_fault - writes a fault (a JSON pointer, then why) into err and
 * returns CMN_ERR_INVALID: the checks of hand-written shapes (consent
 * terms, app manifests) report as schema_validate does. */
enum cmn_rc schema_fault(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
