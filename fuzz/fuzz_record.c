/*
 * fuzz_record.c - libFuzzer target for record validation.
 *
 * The input is a request body: it is parsed as JSON the way the API does
 * (json_loadb with JSON_REJECT_DUPLICATES), measured with json_depth and
 * validated against the schema of every doctype of the embedded registry.
 * When it is an object it is also taken as a schema (schema_check, then, if
 * accepted, used to validate itself) and as a doctype definition
 * (registry_add_json).
 *
 * Besides ASan/UBSan, the target checks what callers rely on: the error
 * list is bounded and consistent with the return code, every pointer and
 * message is NUL-terminated, well-formed UTF-8 (the API copies them into a
 * JSON problem document) and a pointer is "" or starts with '/'.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/str.h"
#include "record/doctype.h"
#include "record/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct registry reg;
static struct schema_errors errs;

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold.
 * An invariant whose text is listed, comma-separated, in the environment
 * variable FUZZ_SKIP_CHECKS is not checked: use it to keep fuzzing past a
 * known, reported finding, e.g. FUZZ_SKIP_CHECKS="pointer is well-formed UTF-8". */
#define CHECK(cond, what)                                                          \
	do {                                                                       \
		if (!(cond) && !skipped(what)) {                                   \
			fprintf(stderr, "fuzz_record: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                         \
			abort();                                                   \
		}                                                                  \
	} while (0)

static const char *skip_checks;

static int skipped(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = skip_checks; p && (p = strstr(p, what)); p += n)
		if ((p == skip_checks || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[300];

	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	if (registry_load(&reg, err, sizeof(err)) != CMN_OK) {
		fprintf(stderr, "fuzz_record: registry_load: %s\n", err);
		abort();
	}
	if (reg.n == 0) {
		fprintf(stderr, "fuzz_record: the registry is empty\n");
		abort();
	}
	return 0;
}

/* check_errors - what every caller of schema_validate may assume. */
static void check_errors(enum cmn_rc rc)
{
	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID, "schema_validate return code");
	CHECK((rc == CMN_OK) == (errs.total == 0), "return code agrees with the error count");
	CHECK(errs.n <= CMN_MAX_VALIDATION_ERRORS, "errors kept are bounded");
	CHECK(errs.n <= errs.total, "errors kept <= errors found");
	CHECK(errs.n == (errs.total < CMN_MAX_VALIDATION_ERRORS ? errs.total
								 : CMN_MAX_VALIDATION_ERRORS),
	      "errors are kept up to the limit");
	for (size_t i = 0; i < errs.n; i++) {
		const struct schema_error *e = &errs.e[i];
		size_t pl, ml;

		CHECK(memchr(e->pointer, '\0', sizeof(e->pointer)) != NULL, "pointer is terminated");
		CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL, "message is terminated");
		pl = strlen(e->pointer);
		ml = strlen(e->message);
		CHECK(pl == 0 || e->pointer[0] == '/', "pointer is empty or starts with '/'");
		CHECK(ml > 0, "message is not empty");
		CHECK(str_utf8_valid(e->pointer, pl), "pointer is well-formed UTF-8");
		CHECK(str_utf8_valid(e->message, ml), "message is well-formed UTF-8");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	size_t depth;

	if (!doc)
		return 0;
	depth = json_depth(doc);
	CHECK(json_is_object(doc) || json_is_array(doc) ? depth >= 1 : depth == 0,
	      "json_depth of containers and scalars");

	for (size_t i = 0; i < reg.n; i++) {
		enum cmn_rc rc = schema_validate(reg.v[i].schema, doc, &errs);

		check_errors(rc);
		if (depth > CMN_JSON_MAX_DEPTH)
			CHECK(rc == CMN_ERR_INVALID, "too deep a document is refused");
	}

	if (json_is_object(doc)) {
		char err[300];
		enum cmn_rc rc;
		struct registry scratch = {0};

		/* The input as a schema. */
		err[0] = '\0';
		rc = schema_check(doc, err, sizeof(err));
		CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID, "schema_check return code");
		CHECK(memchr(err, '\0', sizeof(err)) != NULL, "schema_check message is terminated");
		if (rc != CMN_OK)
			CHECK(err[0] != '\0', "schema_check explains a refusal");
		else
			check_errors(schema_validate(doc, doc, &errs));

		/* The input as a doctype definition (registry_add_json takes a
		 * reference, and drops it on error). */
		rc = registry_add_json(&scratch, json_incref(doc), err, sizeof(err));
		if (rc == CMN_OK) {
			const struct doctype *dt = &scratch.v[0];

			CHECK(scratch.n == 1, "one doctype added");
			CHECK(dt->nindexes <= DOCTYPE_MAX_INDEXES, "indexes are bounded");
			for (size_t i = 0; i < dt->nindexes; i++) {
				(void)doctype_is_required(dt, dt->indexes[i]);
				CHECK(doctype_field_type(dt, dt->indexes[i]) != NULL,
				      "indexed fields are typed");
			}
			CHECK(dt->nfilters <= DOCTYPE_MAX_INDEXES, "filters are bounded");
			for (size_t i = 0; i < dt->nfilters; i++) {
				CHECK(doctype_field_type(dt, dt->filters[i]) != NULL,
				      "filtered fields are typed");
				CHECK(!doctype_is_indexed(dt, dt->filters[i]),
				      "a field is indexed or filtered, not both");
			}
			check_errors(schema_validate(dt->schema, doc, &errs));
		} else {
			CHECK(err[0] != '\0', "registry_add_json explains a refusal");
		}
		registry_release(&scratch);
	}
	json_decref(doc);
	return 0;
}
