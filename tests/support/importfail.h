/*
 * importfail.h - an import under jansson's allocations failing one at a
 * time (jsonfail.h): imports are all or nothing, and a record kept without
 * a member a failed set left out would be a false record of the person's.
 */
#ifndef COMMUNE_TESTS_IMPORTFAIL_H
#define COMMUNE_TESTS_IMPORTFAIL_H

#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

/* import_whole_or_nothing - imports the file at path (format) into f's
 * person store once, then again under each of jansson's allocations
 * failing in turn: each import must end with CMN_ERR_NOMEM and no record
 * of doctype stored, or with the very records of the import without a
 * failure (their JSON texts). records is how many the file makes (at most
 * 64); the records are deleted after each import. Returns how many
 * imports failed. */
size_t import_whole_or_nothing(struct fixture *f, const char *path, const char *format,
			       const char *doctype, int64_t records);

#endif
