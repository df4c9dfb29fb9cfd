/*
 * fuzz_tz.c - libFuzzer target for the time-zone code (src/core/tz.c): the
 * TZif parser and the POSIX TZ rule parser, and the arithmetic on whatever
 * zone they accept.
 *
 * The input goes to tz_parse as the bytes of a TZif file and, as a string,
 * to tz_from_posix. For a zone either accepts, the target checks at fixed
 * instants, at instants taken from the input and around the zone's changes:
 *   - offsets stay within +-TZ_OFF_MAX;
 *   - the offset holds from t up to tz_next_change(t), which is after t;
 *   - tz_local_day splits t + offset into a day and 0 <= ms < one day;
 *   - tz_from_local of t's wall time is the earliest instant showing it:
 *     at or before t, with the same wall time;
 *   - tz_from_local of any wall time either shows it or is the change that
 *     jumps over it (the wall time falls between its two sides).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "core/tz_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS_PER_DAY INT64_C(86400000)
/* Instants checked stay within +-2^50 ms (35,000 years): far from the
 * clamping of tz.c, where answers are defined but not exact. */
#define SPAN (INT64_C(1) << 50)

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold,
 * unless its text is listed, comma-separated, in FUZZ_SKIP_CHECKS (to keep
 * fuzzing past a known, reported finding). */
#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond) && !skipped(what)) {                               \
			fprintf(stderr, "fuzz_tz: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                     \
			abort();                                               \
		}                                                              \
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
	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	return 0;
}

/* local_ms - the wall time of t as ms since 1970-01-01 00:00 local. */
static int64_t local_ms(const struct tz *z, int64_t t)
{
	int64_t ms, day = tz_local_day(z, t, &ms);

	return day * MS_PER_DAY + ms;
}

static void check_instant(const struct tz *z, int64_t t)
{
	int32_t off = tz_offset(z, t);
	int64_t next = tz_next_change(z, t), ms, day, s, ms2;

	CHECK(off >= -TZ_OFF_MAX && off <= TZ_OFF_MAX, "offset range");
	CHECK(next > t, "next change after t");
	if (next != INT64_MAX)
		CHECK(tz_offset(z, next - 1) == off, "offset holds until the next change");
	day = tz_local_day(z, t, &ms);
	CHECK(ms >= 0 && ms < MS_PER_DAY, "ms of day range");
	CHECK(day * MS_PER_DAY + ms == t + (int64_t)off * 1000, "local day is t + offset");
	s = tz_from_local(z, day, ms);
	CHECK(s <= t, "from_local is the earliest instant");
	CHECK(tz_local_day(z, s, &ms2) == day && ms2 == ms, "from_local shows the wall time");
	(void)tz_day_start(z, t);
}

/* check_wall - any wall time l (ms since local 1970-01-01) maps to an
 * instant showing it, or to the change that jumps over it. */
static void check_wall(const struct tz *z, int64_t l)
{
	int64_t day = l / MS_PER_DAY, ms = l % MS_PER_DAY, r;

	if (ms < 0) {
		ms += MS_PER_DAY;
		day--;
	}
	r = tz_from_local(z, day, ms);
	if (local_ms(z, r) == l)
		return;
	CHECK(local_ms(z, r - 1) < l && l < local_ms(z, r), "a missing wall time gives its gap");
}

static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

static void check_zone(const struct tz *z, const uint8_t *data, size_t size)
{
	static const int64_t fixed[] = {
		0, -1, 1, INT64_C(1711846800000) /* 2024-03-31 01:00Z */,
		INT64_C(1729990800000) /* 2024-10-27 01:00Z */, INT64_C(4102444800000) /* 2100 */,
		-INT64_C(2208988800000) /* 1900 */, SPAN, -SPAN,
	};
	uint64_t h = 0x9e3779b97f4a7c15u;
	int64_t t;
	int steps;

	CHECK(tz_name(z) && tz_name(z)[0], "a name");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
		check_instant(z, fixed[i]);
		check_wall(z, fixed[i]);
	}
	/* instants drawn from the input */
	for (size_t i = 0; i < size; i++)
		h = mix(h ^ data[i]);
	for (int i = 0; i < 16; i++) {
		h = mix(h + (uint64_t)i);
		t = (int64_t)(h % (uint64_t)(2 * SPAN)) - SPAN;
		check_instant(z, t);
		check_wall(z, t);
		/* and near the present, where the changes are */
		t = (int64_t)(h % (uint64_t)(INT64_C(300) * 365 * MS_PER_DAY));
		check_instant(z, t - INT64_C(100) * 365 * MS_PER_DAY);
		check_wall(z, t - INT64_C(100) * 365 * MS_PER_DAY);
	}
	/* around the first changes after 1900 */
	t = -INT64_C(2208988800000);
	for (steps = 0; steps < 64; steps++) {
		t = tz_next_change(z, t);
		if (t == INT64_MAX || t > SPAN)
			break;
		check_instant(z, t - 1);
		check_instant(z, t);
		check_wall(z, local_ms(z, t - 1));
		check_wall(z, local_ms(z, t));
		check_wall(z, local_ms(z, t) - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *z = NULL;
	char *s;

	if (tz_parse("Fuzz/Zone", data, size, &z) == CMN_OK) {
		CHECK(z != NULL, "tz_parse gives a zone");
		check_zone(z, data, size);
		tz_free(&z);
	}
	CHECK(z == NULL, "no zone after a refusal or tz_free");
	if (size > TZ_MAX_FOOTER + 1)
		return 0;
	s = malloc(size + 1); /* exact size, so ASan sees any over-read */
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tz_from_posix("Fuzz/Posix", s, &z) == CMN_OK) {
		check_zone(z, data, size);
		tz_free(&z);
	}
	free(s);
	return 0;
}
