/*
 * fuzz_agreement.c - libFuzzer target for the terms of data-sharing
 * agreements (src/govern/agreement.c): agreement_terms_parse on any bytes,
 * against the embedded doctype registry. Besides ASan/UBSan it checks what
 * callers rely on:
 *   - a refusal is CMN_ERR_INVALID with a terminated, valid UTF-8 message
 *     that starts with a JSON pointer (or ":" for the whole text), and
 *     leaves the terms empty;
 *   - accepted terms are within their bounds (doctypes, fields, periods),
 *     every field is one of its doctype's, and their canonical text (what
 *     is stored) is accepted again and reads back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "govern/agreement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_agreement: invariant failed: %s\n", what);   \
			abort();                                                           \
		}                                                                          \
	} while (0)

static void check_bounds(const struct registry *reg, const struct agreement_terms *t)
{
	CHECK(t->ndt >= 1 && t->ndt <= AGREEMENT_DOCTYPES_MAX, "doctypes bounded");
	for (size_t i = 0; i < t->ndt; i++) {
		const struct doctype *d = registry_find(reg, t->dt[i].doctype);

		CHECK(d && d->time_field, "a known dated doctype");
		CHECK(t->dt[i].nfields >= 1 && t->dt[i].nfields <= AGREEMENT_FIELDS_MAX,
		      "fields bounded");
		for (size_t j = 0; j < t->dt[i].nfields; j++)
			CHECK(doctype_field_type(d, t->dt[i].fields[j]) != NULL,
			      "a field of the doctype");
	}
	CHECK(t->from < t->to && t->to - t->from <= AGREEMENT_PERIOD_MAX, "period ordered");
	CHECK(!t->starts || t->starts < t->ends, "starts before ends");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct registry reg;
	static int loaded;
	struct agreement_terms t, again;
	char err[300], *once, *twice;
	enum cmn_rc rc;

	if (!loaded) {
		CHECK(registry_load(&reg, err, sizeof(err)) == CMN_OK, "the registry loads");
		loaded = 1;
	}
	err[0] = '\0';
	rc = agreement_terms_parse(&reg, (const char *)data, size, &t, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID, "a refusal is INVALID");
		CHECK(t.root == NULL && t.ndt == 0, "a refusal leaves the terms empty");
		CHECK(strlen(err) < sizeof(err), "the message is terminated");
		CHECK(err[0] == '/' || err[0] == ':', "a refusal starts with a pointer");
		CHECK(str_utf8_valid(err, strlen(err)), "the message is UTF-8");
		return 0;
	}
	check_bounds(&reg, &t);
	once = json_dumps(t.root, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(once != NULL, "the terms write");
	rc = agreement_terms_parse(&reg, once, strlen(once), &again, err, sizeof(err));
	if (rc != CMN_OK)
		fprintf(stderr, "canonical text refused: %s\n%s\n", err, once);
	CHECK(rc == CMN_OK, "the canonical text parses");
	twice = json_dumps(again.root, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(twice && strcmp(once, twice) == 0, "the canonical text reads back to itself");
	free(once);
	free(twice);
	agreement_terms_release(&again);
	agreement_terms_release(&t);
	return 0;
}
