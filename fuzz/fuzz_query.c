/*
 * fuzz_query.c - libFuzzer target for the query-string parser and the
 * string and time helpers it is built on.
 *
 * The input, NUL-terminated, is parsed with query_parse for three doctypes
 * (bank.transaction, mobility.trip, calendar.event). When it is accepted,
 * the target makes a cursor with query_cursor and checks that the cursor
 * parses back to the same position. The same bytes go through time_parse,
 * str_pct_decode, str_utf8_valid and str_b64url_decode, which are checked
 * against small reference implementations or round trips.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "record/doctype.h"
#include "record/query.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct registry reg;
static const char *const names[] = {"bank.transaction", "mobility.trip", "calendar.event"};
static const struct doctype *dts[sizeof(names) / sizeof(*names)];
static struct record_query rq, rq2; /* large: kept off the stack */

#define SAMPLE_ID "0190a3f2-7c1e-7b3a-9f00-0123456789ab"

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold,
 * unless its text is listed, comma-separated, in FUZZ_SKIP_CHECKS (to keep
 * fuzzing past a known, reported finding). */
#define CHECK(cond, what)                                                         \
	do {                                                                      \
		if (!(cond) && !skipped(what)) {                                  \
			fprintf(stderr, "fuzz_query: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                        \
			abort();                                                  \
		}                                                                 \
	} while (0)

static const char *skip_checks;

static bool skipped(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = skip_checks; p && (p = strstr(p, what)); p += n)
		if ((p == skip_checks || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[300];

	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	if (registry_load(&reg, err, sizeof(err)) != CMN_OK) {
		fprintf(stderr, "fuzz_query: registry_load: %s\n", err);
		abort();
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		dts[i] = registry_find(&reg, names[i]);
		if (!dts[i]) {
			fprintf(stderr, "fuzz_query: no doctype %s\n", names[i]);
			abort();
		}
	}
	return 0;
}

/* ref_utf8_valid - well-formed UTF-8 per Unicode table 3-7, no NUL. */
static bool ref_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t k;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c == 0xe0)
			k = 2, lo = 0xa0;
		else if (c == 0xed)
			k = 2, hi = 0x9f;
		else if (c >= 0xe1 && c <= 0xef)
			k = 2;
		else if (c == 0xf0)
			k = 3, lo = 0x90;
		else if (c == 0xf4)
			k = 3, hi = 0x8f;
		else if (c >= 0xf1 && c <= 0xf3)
			k = 3;
		else
			return false;
		if (n - i < k + 1)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return false;
		i += k + 1;
	}
	return true;
}

static int ref_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ref_pct_decode - what str_pct_decode promises; -1 when it must fail. */
static long ref_pct_decode(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '%') {
			if (i + 2 >= n || ref_hex(s[i + 1]) < 0 || ref_hex(s[i + 2]) < 0)
				return -1;
			c = (unsigned char)(ref_hex(s[i + 1]) << 4 | ref_hex(s[i + 2]));
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == 0)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

static void fuzz_strings(const uint8_t *data, size_t size, const char *s)
{
	char *out = malloc(size + 1);
	unsigned char *ref = malloc(size + 1);
	unsigned char *bin = NULL;
	size_t olen = 0, blen = 0;
	long rlen;
	enum cmn_rc rc;

	if (!out || !ref)
		abort();

	/* str_pct_decode, on the raw bytes (they may hold NULs). */
	rc = str_pct_decode((const char *)data, size, out, &olen);
	rlen = ref_pct_decode(data, size, ref);
	CHECK((rc == CMN_OK) == (rlen >= 0), "str_pct_decode accepts what the reference does");
	if (rc == CMN_OK) {
		CHECK(olen == (size_t)rlen && memcmp(out, ref, olen) == 0,
		      "str_pct_decode decodes like the reference");
		CHECK(out[olen] == '\0', "str_pct_decode terminates its output");
	}

	/* str_utf8_valid, on the raw bytes. */
	CHECK(str_utf8_valid((const char *)data, size) == ref_utf8_valid(data, size),
	      "str_utf8_valid agrees with the reference");

	/* str_b64url_decode: what decodes must encode back to the same text
	 * (unpadded base64url has one spelling per byte string). */
	rc = str_b64url_decode(s, &bin, &blen);
	if (rc == CMN_OK) {
		char *again = str_b64url_encode(bin, blen);

		CHECK(blen <= strlen(s) * 3 / 4, "str_b64url_decode length");
		CHECK(bin[blen] == '\0', "str_b64url_decode terminates its output");
		CHECK(again && strcmp(again, s) == 0, "base64url round trip");
		free(again);
		free(bin);
	} else {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "str_b64url_decode rc");
	}
	free(out);
	free(ref);
}

static void fuzz_time(const char *s)
{
	int64_t t = 0, t2 = 0;
	bool dt_ok = time_parse(s, false, &t) == CMN_OK;
	bool d_ok = time_parse(s, true, &t2) == CMN_OK;

	CHECK(!dt_ok || (d_ok && t == t2), "a date-time is accepted whatever date_ok is");
	CHECK(time_is_date(s) == (d_ok && !dt_ok), "time_is_date is the date-only case");
	if (d_ok && t2 >= INT64_C(-62167219200000) && t2 < INT64_C(253402300800000)) {
		/* Years 0000..9999: the formatted time parses back. */
		char buf[TIME_RFC3339_LEN];
		int64_t t3 = 0;

		time_format(buf, t2);
		CHECK(time_parse(buf, false, &t3) == CMN_OK && t3 == t2,
		      "time_format output parses back to the same time");
	}
}

/* sample_key - a plausible sort key of a row for rq's sort order. */
static struct query_value sample_key(const struct doctype *dt, const struct record_query *q,
				     const char *s)
{
	struct query_value k = {.type = QV_TEXT, .text = "2024-03-01T10:00:00.000Z"};

	if (q->q.sort == QSORT_FIELD) {
		const char *type = doctype_field_type(dt, q->q.sort_field);

		if (type && strcmp(type, "integer") == 0) {
			k.type = QV_INT;
			k.i = -42;
		} else if (type && strcmp(type, "number") == 0) {
			k.type = QV_REAL;
			k.r = -12.5;
		} else if (str_utf8_valid(s, strlen(s))) {
			k.text = s; /* any well-formed text can be a stored value */
		} else {
			k.text = "food";
		}
	}
	return k;
}

static void fuzz_query(const struct doctype *dt, const char *s)
{
	enum cmn_rc rc = query_parse(&rq, dt, s);

	if (rc == CMN_OK) {
		struct query_value key = sample_key(dt, &rq, s);
		char *cursor;

		CHECK(rq.q.limit >= 1 && rq.q.limit <= CMN_PAGE_MAX, "limit within bounds");
		CHECK(rq.q.nfilters <= CMN_MAX_FILTERS, "filters bounded");
		CHECK(rq.nfields <= CMN_MAX_FIELDS, "fields bounded");
		for (size_t i = 0; i < rq.q.nfilters; i++) {
			CHECK(doctype_is_filterable(dt, rq.q.filters[i].field),
			      "filters are on filterable fields");
			CHECK(rq.q.filters[i].nv >= 1 && rq.q.filters[i].nv <= CMN_MAX_IN_VALUES,
			      "filter values bounded");
		}
		CHECK(rq.sort_spec[0] != '\0', "a sort order is always set");
		if (rq.q.has_after)
			CHECK(memchr(rq.q.after_id, '\0', sizeof(rq.q.after_id)) != NULL,
			      "after_id is terminated");

		cursor = query_cursor(&rq, &key, SAMPLE_ID);
		CHECK(cursor != NULL, "query_cursor makes a cursor");
		{
			/* The cursor continues the same sort order from the same row. */
			size_t n = strlen(rq.sort_spec) + strlen(cursor) + 32;
			char *qs = malloc(n);

			if (!qs)
				abort();
			snprintf(qs, n, "sort=%s&cursor=%s", rq.sort_spec, cursor);
			rc = query_parse(&rq2, dt, qs);
			CHECK(rc == CMN_OK, "a cursor of query_cursor is accepted back");
			CHECK(rq2.q.has_after && strcmp(rq2.q.after_id, SAMPLE_ID) == 0,
			      "the cursor keeps the row id");
			CHECK(rq2.q.sort == rq.q.sort && rq2.q.desc == rq.q.desc,
			      "the cursor keeps the sort order");
			if (rq.q.sort == QSORT_ID)
				CHECK(rq2.q.after_key.type == QV_TEXT &&
				      strcmp(rq2.q.after_key.text, SAMPLE_ID) == 0,
				      "an id cursor keys on the id");
			else if (key.type == QV_TEXT)
				CHECK(rq2.q.after_key.type == QV_TEXT &&
				      strcmp(rq2.q.after_key.text, key.text) == 0,
				      "the cursor keeps a text key");
			else if (key.type == QV_INT)
				CHECK(rq2.q.after_key.type == QV_INT && rq2.q.after_key.i == key.i,
				      "the cursor keeps an integer key");
			else if (key.type == QV_REAL)
				CHECK(rq2.q.after_key.type == QV_REAL && rq2.q.after_key.r == key.r,
				      "the cursor keeps a real key");
			query_release(&rq2);
			free(qs);
		}
		free(cursor);
	} else {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "query_parse rc");
		if (rc == CMN_ERR_INVALID)
			CHECK(rq.error[0] != '\0', "a refusal says why");
		CHECK(memchr(rq.param, '\0', sizeof(rq.param)) != NULL, "param is terminated");
		CHECK(memchr(rq.error, '\0', sizeof(rq.error)) != NULL, "error is terminated");
	}
	query_release(&rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1); /* exact size, so ASan sees any over-read */

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	for (size_t i = 0; i < sizeof(dts) / sizeof(*dts); i++)
		fuzz_query(dts[i], s);
	fuzz_time(s);
	fuzz_strings(data, size, s);
	free(s);
	return 0;
}
