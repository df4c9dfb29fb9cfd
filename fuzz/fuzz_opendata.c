/*
 * fuzz_opendata.c - libFuzzer target for the open-data parsers
 * (src/opendata/): the first byte picks the kind (its value modulo 5:
 * emission_factors, districts, gtfs, tariffs, weather), the rest is the
 * file; for gtfs the rest is cut at NUL bytes into agency.txt, stops.txt,
 * routes.txt and trips.txt. Besides ASan/UBSan it checks what callers
 * rely on:
 *   - a refusal is CMN_ERR_INVALID (or NOMEM) with a terminated message
 *     that says where (a JSON pointer "/...", LINE:COLUMN, or a GTFS file's
 *     name), and gives no content;
 *   - accepted districts and tariffs are their own canonical form: the
 *     canonical text is accepted again and reads back to itself; districts
 *     index, and a point is in one feature or none;
 *   - accepted weather has its count of days, none with negative
 *     degree-days; accepted emission factors each have a unit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opendata/opendata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz_opendata: invariant failed: %s\n", what);    \
			abort();                                                          \
		}                                                                         \
	} while (0)

static const char *const gtfs_names[] = {"agency.txt", "stops.txt", "routes.txt", "trips.txt"};

/* split - the bytes cut at NUL into at most 4 GTFS files */
static size_t split(const char *p, size_t n, struct opendata_file *files)
{
	size_t k = 0;

	while (k < 4) {
		const char *nul = memchr(p, '\0', n);
		size_t len = nul ? (size_t)(nul - p) : n;

		files[k] = (struct opendata_file){gtfs_names[k], p, len};
		k++;
		if (!nul)
			break;
		p += len + 1;
		n -= len + 1;
	}
	return k;
}

static void says_where(enum opendata_kind kind, const char *err)
{
	bool ok = err[0] == '/';

	if (kind == OPENDATA_WEATHER)
		ok = err[0] >= '1' && err[0] <= '9';
	else if (kind == OPENDATA_GTFS)
		for (size_t i = 0; i < 4 && !ok; i++)
			ok = strncmp(err, gtfs_names[i], strlen(gtfs_names[i])) == 0;
	if (!ok)
		fprintf(stderr, "fuzz_opendata: %s: \"%s\"\n", opendata_kind_name(kind), err);
	CHECK(ok, "a refusal says where");
}

/* round_trip - the canonical text of canon is accepted by kind again and
 * gives the same text */
static void round_trip(enum opendata_kind kind, const json_t *canon)
{
	char err[OPENDATA_ERR_MAX] = "";
	char *once = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	char *twice;
	struct opendata_file file;
	json_t *again = NULL;
	enum cmn_rc rc;

	CHECK(once != NULL, "the canonical form is written");
	file = (struct opendata_file){"canonical", once, strlen(once)};
	rc = opendata_parse(kind, &file, 1, &again, err, sizeof(err));
	if (rc != CMN_OK)
		fprintf(stderr, "fuzz_opendata: canonical form refused: %s\n%s\n", err, once);
	CHECK(rc == CMN_OK, "the canonical form is accepted");
	twice = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	CHECK(twice && strcmp(once, twice) == 0, "the canonical form reads back to itself");
	free(once);
	free(twice);
	json_decref(again);
}

static void districts(const json_t *canon)
{
	struct opendata_index *ix = opendata_index_build(canon);
	const json_t *features = json_object_get(canon, "features"), *f;
	size_t i;

	CHECK(ix != NULL, "accepted districts index");
	json_array_foreach(features, i, f) {
		const json_t *bbox = json_object_get(f, "bbox");
		double w = json_number_value(json_array_get(bbox, 0));
		double s = json_number_value(json_array_get(bbox, 1));
		double e = json_number_value(json_array_get(bbox, 2));
		double n = json_number_value(json_array_get(bbox, 3));
		double pts[3][2] = {{w, s}, {(w + e) / 2, (s + n) / 2}, {e, n}};

		CHECK(w <= e && s <= n, "a bbox is west to east, south to north");
		for (int k = 0; k < 3; k++) {
			long at = opendata_index_at(ix, pts[k][0], pts[k][1]);

			CHECK(at >= -1 && at < (long)json_array_size(features), "one feature or none");
			CHECK(at < 0 || opendata_index_district(ix, at), "a feature has a district");
		}
	}
	CHECK(opendata_index_at(ix, 1000, 1000) == -1, "nothing beyond the world");
	opendata_index_free(&ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opendata_file files[4];
	enum opendata_kind kind;
	char err[OPENDATA_ERR_MAX];
	size_t n;
	json_t *canon = NULL, *v;
	enum cmn_rc rc;

	if (size == 0)
		return 0;
	kind = (enum opendata_kind)(data[0] % OPENDATA_KIND_COUNT);
	if (kind == OPENDATA_GTFS) {
		n = split((const char *)data + 1, size - 1, files);
	} else {
		files[0] = (struct opendata_file){"file", (const char *)data + 1, size - 1};
		n = 1;
	}
	memset(err, 0x55, sizeof(err));
	err[0] = '\0';
	rc = opendata_parse(kind, files, n, &canon, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "a refusal is invalid or out of"
								    " memory");
		CHECK(memchr(err, '\0', sizeof(err)) != NULL, "the message is terminated");
		CHECK(canon == NULL, "no content on a refusal");
		if (rc == CMN_ERR_INVALID)
			says_where(kind, err);
		return 0;
	}
	CHECK(canon != NULL, "an accepted file has content");
	switch (kind) {
	case OPENDATA_DISTRICTS:
		round_trip(kind, canon);
		districts(canon);
		break;
	case OPENDATA_TARIFFS:
		round_trip(kind, canon);
		break;
	case OPENDATA_WEATHER: {
		const json_t *days = json_object_get(canon, "days");

		CHECK(json_integer_value(json_object_get(canon, "count")) ==
			      (json_int_t)json_array_size(days),
		      "the count of days");
		json_array_foreach(days, n, v)
			CHECK(json_number_value(json_object_get(v, "hdd")) >= 0, "no negative hdd");
		break;
	}
	case OPENDATA_EMISSION_FACTORS:
		json_array_foreach(json_object_get(canon, "factors"), n, v)
			CHECK(json_is_string(json_object_get(v, "unit")), "a factor has a unit");
		break;
	case OPENDATA_GTFS:
		CHECK(json_array_size(json_object_get(canon, "routes")) > 0, "a feed has routes");
		break;
	case OPENDATA_KIND_COUNT:
		break;
	}
	json_decref(canon);
	return 0;
}
