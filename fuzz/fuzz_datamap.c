/*
 * fuzz_datamap.c - libFuzzer target for the data map's catalogue
 * (src/datamap/catalogue.c): datamap_check on any bytes, against the
 * embedded doctype registry (no store: services are not looked up).
 * Besides ASan/UBSan it checks what callers rely on:
 *   - a refusal is CMN_ERR_INVALID (or NOMEM) with a terminated message
 *     that starts with a JSON pointer (or ":" for the whole text), and
 *     gives no canonical form;
 *   - an accepted catalogue's canonical form is accepted again and gives
 *     the same canonical text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datamap/datamap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz_datamap: invariant failed: %s\n", what);     \
			abort();                                                          \
		}                                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct registry reg;
	static int loaded;
	json_t *canon = NULL, *again = NULL;
	char err[300], *once, *twice;
	enum cmn_rc rc;

	if (!loaded) {
		CHECK(registry_load(&reg, err, sizeof(err)) == CMN_OK, "the registry loads");
		loaded = 1;
	}
	err[0] = '\0';
	rc = datamap_check(NULL, &reg, (const char *)data, size, &canon, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM || rc == CMN_ERR_TOO_LARGE,
		      "a refusal is invalid, too large or out of memory");
		CHECK(memchr(err, '\0', sizeof(err)) != NULL, "the message is terminated");
		CHECK(rc != CMN_ERR_INVALID || err[0] == '/' || err[0] == ':',
		      "a refusal starts with a pointer");
		CHECK(canon == NULL, "no canonical form on a refusal");
		return 0;
	}
	CHECK(canon != NULL, "an accepted catalogue has a canonical form");
	once = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(once != NULL, "the canonical form is written");
	rc = datamap_check(NULL, &reg, once, strlen(once), &again, err, sizeof(err));
	if (rc != CMN_OK)
		fprintf(stderr, "fuzz_datamap: canonical form refused: %s\n%s\n", err, once);
	CHECK(rc == CMN_OK, "the canonical form is accepted");
	twice = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(twice && strcmp(once, twice) == 0, "the canonical form reads back to itself");
	free(once);
	free(twice);
	json_decref(canon);
	json_decref(again);
	return 0;
}
