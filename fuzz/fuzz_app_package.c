/*
 * fuzz_app_package.c - libFuzzer target for app packages
 * (src/apps/package.c): app_package_parse on any bytes, against the real
 * doctype registry. Besides ASan/UBSan it checks what callers rely on:
 *   - a refusal is CMN_ERR_INVALID with a message that is not empty,
 *     NUL-terminated and starts with a JSON pointer (or ":" for the whole);
 *   - an accepted package has a valid id and version, an entry file that
 *     is in the package, permissions within their bounds, limits within
 *     the platform's, and a digest of 64 hexadecimal digits that the same
 *     bytes give again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_app_package: %s\n", what);                    \
			abort();                                                             \
		}                                                                            \
	} while (0)

static struct registry reg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int loaded;
	struct app_package p, q;
	char err[300];
	enum cmn_rc rc;

	if (!loaded) {
		char why[256];

		CHECK(registry_load(&reg, why, sizeof(why)) == CMN_OK, "the registry loads");
		loaded = 1;
	}
	err[0] = '\0';
	rc = app_package_parse((const char *)data, size, &reg, &p, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "a refusal is INVALID");
		CHECK(rc == CMN_ERR_NOMEM || (err[0] == '/' || err[0] == ':'),
		      "a refusal starts with a pointer");
		CHECK(strlen(err) < sizeof(err), "the message is terminated");
		return 0;
	}
	CHECK(p.m.id[0] >= 'a' && p.m.id[0] <= 'z', "the id starts with a letter");
	CHECK(strchr(p.m.version, '.') != NULL, "the version has parts");
	CHECK(app_package_file(&p, p.m.entry) != NULL, "the entry is in the package");
	CHECK(p.m.nread <= APP_MAX_READ && p.m.nwrite <= APP_MAX_WRITE &&
		      p.m.ndatasets <= APP_MAX_DATASETS && p.m.ntriggers >= 1 &&
		      p.m.ntriggers <= APP_MAX_TRIGGERS,
	      "permissions within bounds");
	CHECK(p.m.mem_bytes >= 1 && p.m.mem_bytes <= APP_MEM_MAX &&
		      p.m.instructions <= APP_INSTR_MAX && p.m.wall_ms >= 1 &&
		      p.m.wall_ms <= APP_WALL_MAX_MS,
	      "limits within the platform's");
	CHECK(strlen(p.sha256) == 64 && strspn(p.sha256, "0123456789abcdef") == 64,
	      "the digest is 64 hex digits");
	CHECK(app_package_parse((const char *)data, size, &reg, &q, err, sizeof(err)) == CMN_OK &&
		      strcmp(p.sha256, q.sha256) == 0,
	      "the same bytes, the same digest");
	app_package_release(&q);
	app_package_release(&p);
	return 0;
}
