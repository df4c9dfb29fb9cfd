/*
 * test_tz.c - time zones (src/core/tz.c): names, TZif files of the system's
 * database, POSIX TZ rules, offsets, local days and wall times, malformed
 * files; and agreement with glibc's localtime_r over 1970-2100.
 *
 * Only this test sets TZ and calls localtime_r (as the reference); tz.c
 * never does.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/tz.h"
#include "core/tz_int.h"

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define ZONEINFO TZ_ZONEINFO_DIR

/*
 * Helpers.
 */

static int64_t days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* utc - the instant y-mo-d h:mi UTC in ms. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return days(y, mo, d) * DAY + h * HOUR + mi * MIN;
}

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* rnd - splitmix64, so that every run checks the same instants. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* rnd_instant - an instant in [1970-01-01, 2101-01-01). */
static int64_t rnd_instant(void)
{
	return (int64_t)(rnd() % (uint64_t)(days(2101, 1, 1) * DAY));
}

static struct tz *load(const char *name)
{
	struct tz *z = NULL;

	assert_int_equal(tz_load(name, &z), CMN_OK);
	assert_non_null(z);
	assert_string_equal(tz_name(z), name);
	return z;
}

static struct tz *posix(const char *rule)
{
	struct tz *z = NULL;

	assert_int_equal(tz_from_posix("Test/Posix", rule, &z), CMN_OK);
	assert_non_null(z);
	return z;
}

/* day_length - how long the local day y-mo-d lasts, in ms. */
static int64_t day_length(const struct tz *z, int y, int mo, int d)
{
	int64_t start = tz_from_local(z, days(y, mo, d), 0);

	return tz_from_local(z, days(y, mo, d) + 1, 0) - start;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(TZ_MAX_FILE_BYTES);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, TZ_MAX_FILE_BYTES, f);
	fclose(f);
	assert_true(n > 0 && n < TZ_MAX_FILE_BYTES);
	*len = n;
	return buf;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* parse - tz_parse's result for len bytes, freeing the zone if any. */
static enum cmn_rc parse(const unsigned char *data, size_t len)
{
	struct tz *z = NULL;
	enum cmn_rc rc = tz_parse("Test/Zone", data, len, &z);

	if (rc == CMN_OK)
		assert_non_null(z);
	else
		assert_null(z);
	tz_free(&z);
	assert_null(z);
	return rc;
}

/*
 * A small TZif writer, for files the database does not have.
 */

struct tzif_spec {
	unsigned char version;  /* 0, '2', '3', '4' */
	uint32_t timecnt;
	const int64_t *times;   /* seconds */
	const unsigned char *idx;
	uint32_t typecnt;
	const int32_t *offs;    /* utoff of each type */
	const char *footer;     /* without the newlines; NULL for version 1 */
};

static size_t put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t put_block(unsigned char *out, const struct tzif_spec *s, unsigned tsize)
{
	unsigned char *p = out;

	memcpy(p, "TZif", 4);
	p[4] = s->version;
	memset(p + 5, 0, 15);
	p += 20;
	p += put32(p, 0);          /* isutcnt */
	p += put32(p, 0);          /* isstdcnt */
	p += put32(p, 0);          /* leapcnt */
	p += put32(p, s->timecnt);
	p += put32(p, s->typecnt);
	p += put32(p, 4);          /* charcnt: "ABC" */
	for (uint32_t i = 0; i < s->timecnt; i++) {
		if (tsize == 8)
			p += put32(p, (uint32_t)((uint64_t)s->times[i] >> 32));
		p += put32(p, (uint32_t)s->times[i]);
	}
	for (uint32_t i = 0; i < s->timecnt; i++)
		*p++ = s->idx[i];
	for (uint32_t i = 0; i < s->typecnt; i++) {
		p += put32(p, (uint32_t)s->offs[i]);
		*p++ = 0; /* isdst */
		*p++ = 0; /* desigidx */
	}
	memcpy(p, "ABC", 4);
	p += 4;
	return (size_t)(p - out);
}

/* tzif_write - the file s describes into out (room for 4096 bytes). */
static size_t tzif_write(unsigned char *out, const struct tzif_spec *s)
{
	size_t n = put_block(out, s, 4);

	if (s->version == 0)
		return n;
	n += put_block(out + n, s, 8);
	out[n++] = '\n';
	memcpy(out + n, s->footer, strlen(s->footer));
	n += strlen(s->footer);
	out[n++] = '\n';
	return n;
}

/*
 * Names.
 */

static void names(void **state)
{
	char long_name[201];
	struct tz *z = (struct tz *)1;
	static const char *const good[] = {
		"Europe/Paris", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
		"Etc/GMT-14", "GMT-0", "America/Port-au-Prince",
	};
	static const char *const bad[] = {
		"", "/etc", "/etc/passwd", "../etc/passwd", "Europe/../../x", "..", ".",
		"Europe/", "Europe//Paris", "Europe/./Paris", "a.b", "Europe/Paris ",
		"Europe\\Paris", "Europe/Paris\n", "Europe/Pa ris", "~root", "Europe/Par%73",
		"Europe/Paris/", "/", "Europe/\xc3\xa9",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(tz_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_false(tz_name_valid(bad[i]));
		z = (struct tz *)1;
		assert_int_equal(tz_load(bad[i], &z), CMN_ERR_INVALID);
		assert_null(z);
	}
	assert_false(tz_name_valid(NULL));
	memset(long_name, 'A', 200);
	long_name[200] = '\0';
	assert_int_equal(tz_load(long_name, &z), CMN_ERR_INVALID);
	long_name[TZ_NAME_MAX + 1] = '\0';
	assert_false(tz_name_valid(long_name));
	long_name[TZ_NAME_MAX] = '\0';
	assert_true(tz_name_valid(long_name));
	assert_int_equal(tz_load(long_name, &z), CMN_ERR_NOT_FOUND);
}

static void unknown_zones(void **state)
{
	struct tz *z = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(tz_load("Europe/Nowhere", &z), CMN_ERR_NOT_FOUND);
	assert_null(z);
	assert_int_equal(tz_load("Nowhere/Paris", &z), CMN_ERR_NOT_FOUND);
	assert_int_equal(tz_load("Europe/Paris/x", &z), CMN_ERR_NOT_FOUND); /* ENOTDIR */
	assert_int_equal(tz_load("Europe", &z), CMN_ERR_NOT_FOUND);         /* a directory */
	/* Debian: zoneinfo/localtime -> /etc/localtime: followed, but the file
	 * it ends at must be in the database */
	if (lstat(ZONEINFO "/localtime", &st) == 0 && S_ISLNK(st.st_mode)) {
		char *real = realpath(ZONEINFO "/localtime", NULL);
		bool inside = real && strncmp(real, ZONEINFO "/", strlen(ZONEINFO "/")) == 0;

		assert_int_equal(tz_load("localtime", &z), inside ? CMN_OK : CMN_ERR_NOT_FOUND);
		tz_free(&z);
		free(real);
	}
	if (stat(ZONEINFO "/leapseconds", &st) == 0) /* text, not TZif */
		assert_int_equal(tz_load("leapseconds", &z), CMN_ERR_INVALID);
	if (stat(ZONEINFO "/right/Europe/Paris", &st) == 0)
		assert_int_equal(tz_load("right/Europe/Paris", &z), CMN_ERR_UNSUPPORTED);
	assert_null(z);
}

/*
 * Europe/Paris, the reference zone.
 */

static void paris_offsets(void **state)
{
	struct tz *z = load("Europe/Paris");

	(void)state;
	assert_int_equal(tz_offset(z, utc(2024, 1, 15, 12, 0)), 3600);
	assert_int_equal(tz_offset(z, utc(2024, 3, 31, 1, 0) - 1), 3600);
	assert_int_equal(tz_offset(z, utc(2024, 3, 31, 1, 0)), 7200);
	assert_int_equal(tz_offset(z, utc(2024, 7, 14, 12, 0)), 7200);
	assert_int_equal(tz_offset(z, utc(2024, 10, 27, 1, 0) - 1), 7200);
	assert_int_equal(tz_offset(z, utc(2024, 10, 27, 1, 0)), 3600);
	assert_int_equal(tz_next_change(z, utc(2024, 1, 1, 0, 0)), utc(2024, 3, 31, 1, 0));
	assert_int_equal(tz_next_change(z, utc(2024, 3, 31, 1, 0)), utc(2024, 10, 27, 1, 0));
	tz_free(&z);
	assert_null(z);
	tz_free(&z); /* harmless */
}

static void paris_days(void **state)
{
	struct tz *z = load("Europe/Paris");
	int64_t ms, a, b;

	(void)state;
	/* via tz_day_start of consecutive days */
	a = tz_day_start(z, utc(2024, 3, 31, 10, 0));
	b = tz_day_start(z, utc(2024, 4, 1, 10, 0));
	assert_int_equal(a, utc(2024, 3, 30, 23, 0));
	assert_int_equal(b - a, 23 * HOUR);
	a = tz_day_start(z, utc(2024, 10, 27, 10, 0));
	b = tz_day_start(z, utc(2024, 10, 28, 10, 0));
	assert_int_equal(a, utc(2024, 10, 26, 22, 0));
	assert_int_equal(b - a, 25 * HOUR);
	assert_int_equal(day_length(z, 2024, 7, 1), 24 * HOUR);
	assert_int_equal(day_length(z, 2024, 12, 31), 24 * HOUR);
	/* the day start is itself in the day, one ms before is not */
	assert_int_equal(tz_day_start(z, a), a);
	assert_int_equal(tz_day_start(z, b - 1), a);
	assert_int_equal(tz_local_day(z, a, &ms), days(2024, 10, 27));
	assert_int_equal(ms, 0);
	assert_int_equal(tz_local_day(z, a - 1, &ms), days(2024, 10, 26));
	assert_int_equal(ms, DAY - 1);
	/* local day and time of day */
	assert_int_equal(tz_local_day(z, utc(2024, 3, 31, 1, 0), &ms), days(2024, 3, 31));
	assert_int_equal(ms, 3 * HOUR);
	assert_int_equal(tz_local_day(z, utc(2024, 3, 31, 1, 0) - 1, &ms), days(2024, 3, 31));
	assert_int_equal(ms, 2 * HOUR - 1);
	assert_int_equal(tz_local_day(z, utc(2024, 12, 31, 23, 30), NULL), days(2025, 1, 1));
	tz_free(&z);
}

static void paris_wall_times(void **state)
{
	struct tz *z = load("Europe/Paris");
	int64_t d = days(2024, 3, 31), e = days(2024, 10, 27);

	(void)state;
	/* 02:30 does not exist on 2024-03-31: the instant after the gap, 03:00 CEST */
	assert_int_equal(tz_from_local(z, d, 2 * HOUR + 30 * MIN), utc(2024, 3, 31, 1, 0));
	assert_int_equal(tz_from_local(z, d, 2 * HOUR), utc(2024, 3, 31, 1, 0));
	assert_int_equal(tz_from_local(z, d, 3 * HOUR - 1), utc(2024, 3, 31, 1, 0));
	assert_int_equal(tz_from_local(z, d, 3 * HOUR), utc(2024, 3, 31, 1, 0));
	assert_int_equal(tz_from_local(z, d, 2 * HOUR - 1), utc(2024, 3, 31, 1, 0) - 1);
	assert_int_equal(tz_from_local(z, d, 4 * HOUR), utc(2024, 3, 31, 2, 0));
	/* 02:30 exists twice on 2024-10-27: the earlier, in CEST */
	assert_int_equal(tz_from_local(z, e, 2 * HOUR + 30 * MIN), utc(2024, 10, 27, 0, 30));
	assert_int_equal(tz_from_local(z, e, 2 * HOUR), utc(2024, 10, 27, 0, 0));
	assert_int_equal(tz_from_local(z, e, 3 * HOUR - 1), utc(2024, 10, 27, 1, 0) - 1);
	assert_int_equal(tz_from_local(z, e, 3 * HOUR), utc(2024, 10, 27, 2, 0));
	assert_int_equal(tz_from_local(z, e, 1 * HOUR + 59 * MIN), utc(2024, 10, 26, 23, 59));
	/* ordinary times; ms_of_day beyond one day rolls over */
	assert_int_equal(tz_from_local(z, days(2024, 7, 1), 12 * HOUR), utc(2024, 7, 1, 10, 0));
	assert_int_equal(tz_from_local(z, days(2024, 7, 1), DAY + 12 * HOUR),
			 utc(2024, 7, 2, 10, 0));
	assert_int_equal(tz_from_local(z, days(2024, 1, 1), 0), utc(2023, 12, 31, 23, 0));
	tz_free(&z);
}

static void paris_far(void **state)
{
	struct tz *z = load("Europe/Paris");

	(void)state;
	/* 2100: beyond the table, the footer's CET-1CEST,M3.5.0,M10.5.0/3 */
	assert_int_equal(tz_offset(z, utc(2100, 1, 15, 0, 0)), 3600);
	assert_int_equal(tz_offset(z, utc(2100, 7, 1, 0, 0)), 7200);
	assert_int_equal(tz_offset(z, utc(2100, 3, 28, 1, 0) - 1), 3600);
	assert_int_equal(tz_offset(z, utc(2100, 3, 28, 1, 0)), 7200);
	assert_int_equal(tz_offset(z, utc(2100, 10, 31, 1, 0) - 1), 7200);
	assert_int_equal(tz_offset(z, utc(2100, 10, 31, 1, 0)), 3600);
	assert_int_equal(day_length(z, 2100, 3, 28), 23 * HOUR);
	assert_int_equal(day_length(z, 2100, 10, 31), 25 * HOUR);
	assert_int_equal(tz_from_local(z, days(2100, 3, 28), 2 * HOUR + 30 * MIN),
			 utc(2100, 3, 28, 1, 0));
	assert_int_equal(tz_offset(z, utc(9999, 7, 1, 0, 0)), 7200);
	assert_int_equal(tz_offset(z, utc(9999, 12, 1, 0, 0)), 3600);
	/* 1900: Paris Mean Time, +0:09:21 */
	assert_int_equal(tz_offset(z, utc(1900, 6, 1, 0, 0)), 561);
	assert_int_equal(tz_day_start(z, utc(1900, 6, 1, 12, 0)),
			 utc(1900, 6, 1, 0, 0) - 561 * SEC);
	/* far away either side: the first type, the rule; no crash at the ends */
	assert_int_equal(tz_offset(z, INT64_MIN), 561);
	assert_int_equal(tz_offset(z, -(INT64_C(1) << 62)), 561);
	(void)tz_offset(z, INT64_MAX);
	(void)tz_day_start(z, INT64_MIN);
	(void)tz_day_start(z, INT64_MAX);
	(void)tz_local_day(z, INT64_MIN, NULL);
	(void)tz_local_day(z, INT64_MAX, NULL);
	(void)tz_from_local(z, INT64_MIN, INT64_MIN);
	(void)tz_from_local(z, INT64_MAX, INT64_MAX);
	(void)tz_from_local(z, 0, INT64_MAX);
	tz_free(&z);
}

/*
 * Other zones.
 */

static void new_york(void **state)
{
	struct tz *z = load("America/New_York");

	(void)state;
	assert_int_equal(tz_offset(z, utc(2024, 3, 10, 7, 0) - 1), -18000);
	assert_int_equal(tz_offset(z, utc(2024, 3, 10, 7, 0)), -14400);
	assert_int_equal(tz_offset(z, utc(2024, 11, 3, 6, 0) - 1), -14400);
	assert_int_equal(tz_offset(z, utc(2024, 11, 3, 6, 0)), -18000);
	assert_int_equal(day_length(z, 2024, 3, 10), 23 * HOUR);
	assert_int_equal(day_length(z, 2024, 11, 3), 25 * HOUR);
	assert_int_equal(tz_from_local(z, days(2024, 3, 10), 2 * HOUR + 30 * MIN),
			 utc(2024, 3, 10, 7, 0));
	assert_int_equal(tz_from_local(z, days(2024, 11, 3), 1 * HOUR + 30 * MIN),
			 utc(2024, 11, 3, 5, 30));
	assert_int_equal(tz_day_start(z, utc(2024, 7, 4, 3, 0)), utc(2024, 7, 3, 4, 0));
	assert_int_equal(tz_offset(z, utc(2099, 7, 4, 0, 0)), -14400);
	tz_free(&z);
}

static void lord_howe(void **state)
{
	struct tz *z = load("Australia/Lord_Howe");

	(void)state;
	/* +11 in summer, +10:30 in winter: 30-minute daylight saving */
	assert_int_equal(tz_offset(z, utc(2024, 4, 6, 15, 0) - 1), 39600);
	assert_int_equal(tz_offset(z, utc(2024, 4, 6, 15, 0)), 37800);
	assert_int_equal(tz_offset(z, utc(2024, 10, 5, 15, 30) - 1), 37800);
	assert_int_equal(tz_offset(z, utc(2024, 10, 5, 15, 30)), 39600);
	assert_int_equal(day_length(z, 2024, 4, 7), 24 * HOUR + 30 * MIN);
	assert_int_equal(day_length(z, 2024, 10, 6), 23 * HOUR + 30 * MIN);
	/* 02:15 on 2024-10-06 does not exist (02:00 -> 02:30) */
	assert_int_equal(tz_from_local(z, days(2024, 10, 6), 2 * HOUR + 15 * MIN),
			 utc(2024, 10, 5, 15, 30));
	/* 01:45 on 2024-04-07 exists twice (02:00 -> 01:30): the +11 one */
	assert_int_equal(tz_from_local(z, days(2024, 4, 7), 1 * HOUR + 45 * MIN),
			 utc(2024, 4, 6, 14, 45));
	assert_int_equal(tz_offset(z, utc(2090, 1, 1, 0, 0)), 39600);
	assert_int_equal(tz_offset(z, utc(2090, 7, 1, 0, 0)), 37800);
	tz_free(&z);
}

static void kolkata(void **state)
{
	struct tz *z = load("Asia/Kolkata");
	int64_t ms;

	(void)state;
	assert_int_equal(tz_offset(z, utc(2024, 6, 1, 0, 0)), 19800);
	assert_int_equal(tz_offset(z, utc(2100, 6, 1, 0, 0)), 19800);
	assert_int_equal(tz_day_start(z, utc(2024, 1, 1, 12, 0)), utc(2023, 12, 31, 18, 30));
	assert_int_equal(tz_local_day(z, utc(2023, 12, 31, 18, 30) - 1, &ms),
			 days(2023, 12, 31));
	assert_int_equal(ms, DAY - 1);
	assert_int_equal(day_length(z, 2024, 3, 31), 24 * HOUR);
	tz_free(&z);
}

static void utc_and_tokyo(void **state)
{
	const struct tz *u = tz_utc();
	struct tz *z = load("UTC");
	struct tz *tokyo = load("Asia/Tokyo");
	int64_t ms;

	(void)state;
	assert_string_equal(tz_name(u), "UTC");
	assert_ptr_equal(tz_utc(), u);
	for (int i = 0; i < 1000; i++) {
		int64_t t = rnd_instant() - days(2000, 1, 1) * DAY;

		assert_int_equal(tz_offset(u, t), 0);
		assert_int_equal(tz_offset(z, t), 0);
		assert_int_equal(tz_local_day(u, t, &ms), fdiv(t, DAY));
		assert_int_equal(ms, t - fdiv(t, DAY) * DAY);
		assert_int_equal(tz_day_start(z, t), fdiv(t, DAY) * DAY);
		assert_int_equal(tz_from_local(u, fdiv(t, DAY), ms), t);
	}
	assert_int_equal(tz_next_change(u, 0), INT64_MAX);
	/* before the epoch: floor division */
	assert_int_equal(tz_local_day(u, -1, &ms), -1);
	assert_int_equal(ms, DAY - 1);
	assert_int_equal(tz_day_start(u, -1), -DAY);
	assert_int_equal(tz_from_local(u, -1, 0), -DAY);
	assert_int_equal(tz_local_day(u, -DAY, &ms), -1);
	assert_int_equal(ms, 0);
	/* no daylight saving time in Tokyo since 1951 */
	assert_int_equal(tz_offset(tokyo, utc(2024, 1, 1, 0, 0)), 32400);
	assert_int_equal(tz_offset(tokyo, utc(2024, 7, 1, 0, 0)), 32400);
	assert_int_equal(tz_offset(tokyo, utc(2100, 7, 1, 0, 0)), 32400);
	assert_int_equal(tz_next_change(tokyo, utc(2024, 1, 1, 0, 0)), INT64_MAX);
	assert_int_equal(tz_day_start(tokyo, utc(2024, 7, 1, 12, 0)), utc(2024, 6, 30, 15, 0));
	tz_free(&z);
	tz_free(&tokyo);
}

/*
 * POSIX TZ strings: the forms a footer may take.
 */

static void posix_rules(void **state)
{
	struct tz *z;

	(void)state;
	/* Mm.w.d, default time 02:00 */
	z = posix("EST5EDT,M3.2.0,M11.1.0");
	assert_int_equal(tz_offset(z, utc(2024, 3, 10, 7, 0) - 1), -18000);
	assert_int_equal(tz_offset(z, utc(2024, 3, 10, 7, 0)), -14400);
	assert_int_equal(tz_offset(z, utc(2024, 11, 3, 6, 0)), -18000);
	tz_free(&z);
	/* daylight time without rules: the US rules; explicit offsets */
	z = posix("EST5EDT4");
	assert_int_equal(tz_offset(z, utc(2024, 3, 10, 7, 0)), -14400);
	tz_free(&z);
	/* Jn never counts February 29: J60 is March 1 */
	z = posix("<-03>3<-02>,J60/0,J300/0");
	assert_int_equal(tz_offset(z, utc(2024, 3, 1, 3, 0) - 1), -10800);
	assert_int_equal(tz_offset(z, utc(2024, 3, 1, 3, 0)), -7200);
	assert_int_equal(tz_offset(z, utc(2023, 3, 1, 3, 0)), -7200);
	assert_int_equal(tz_offset(z, utc(2024, 10, 27, 2, 0) - 1), -7200);
	assert_int_equal(tz_offset(z, utc(2024, 10, 27, 2, 0)), -10800);
	tz_free(&z);
	/* n counts it: 59 is February 29 in a leap year, March 1 otherwise */
	z = posix("<-03>3<-02>,59/0,299/0");
	assert_int_equal(tz_offset(z, utc(2024, 2, 29, 3, 0) - 1), -10800);
	assert_int_equal(tz_offset(z, utc(2024, 2, 29, 3, 0)), -7200);
	assert_int_equal(tz_offset(z, utc(2023, 3, 1, 3, 0) - 1), -10800);
	assert_int_equal(tz_offset(z, utc(2023, 3, 1, 3, 0)), -7200);
	assert_int_equal(tz_offset(z, utc(2024, 10, 26, 2, 0)), -10800);
	tz_free(&z);
	/* day 365 of a common year is January 1 of the next: daylight time
	 * would last a whole year, so (as in tzcode) common years have no
	 * changes and leap years have theirs */
	z = posix("<-03>3<-02>,0/5,365/22");
	assert_int_equal(tz_offset(z, utc(2023, 7, 1, 0, 0)), -10800);
	assert_int_equal(tz_offset(z, utc(2024, 1, 1, 8, 0) - 1), -10800);
	assert_int_equal(tz_offset(z, utc(2024, 1, 1, 8, 0)), -7200);
	assert_int_equal(tz_offset(z, utc(2025, 1, 1, 0, 0) - 1), -7200);
	assert_int_equal(tz_offset(z, utc(2025, 1, 1, 0, 0)), -10800);
	assert_int_equal(tz_next_change(z, utc(2021, 6, 1, 0, 0)), utc(2024, 1, 1, 8, 0));
	assert_int_equal(tz_next_change(z, utc(2024, 1, 1, 8, 0)), utc(2025, 1, 1, 0, 0));
	assert_int_equal(tz_next_change(z, utc(2025, 1, 1, 0, 0)), utc(2028, 1, 1, 8, 0));
	tz_free(&z);
	/* 2100 is not leap: eight years without a change */
	z = posix("<-03>3<-02>,0/5,365/22");
	assert_int_equal(tz_next_change(z, utc(2097, 1, 1, 0, 0)), utc(2104, 1, 1, 8, 0));
	assert_int_equal(tz_offset(z, utc(2103, 12, 31, 0, 0)), -10800);
	tz_free(&z);
	/* changes either side of a new year: the latest one counts, whichever
	 * year it belongs to (glibc pairs changes by UTC year and differs) */
	z = posix("AAA-14BBB-13,M1.1.0,M12.5.6/23:59:59");
	assert_int_equal(tz_offset(z, utc(1977, 1, 1, 12, 0) - 1), 50400);
	assert_int_equal(tz_offset(z, utc(1977, 1, 1, 12, 0)), 46800);
	assert_int_equal(tz_offset(z, utc(1977, 12, 31, 11, 0) - SEC - 1), 46800);
	assert_int_equal(tz_offset(z, utc(1977, 12, 31, 11, 0) - SEC), 50400);
	assert_int_equal(tz_offset(z, utc(1977, 12, 31, 12, 0) - 1), 50400);
	assert_int_equal(tz_offset(z, utc(1977, 12, 31, 12, 0)), 46800);
	tz_free(&z);
	/* negative rule times (America/Nuuk): Saturday 23:00 before the last Sunday */
	z = posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
	assert_int_equal(tz_offset(z, utc(2024, 3, 31, 1, 0) - 1), -7200);
	assert_int_equal(tz_offset(z, utc(2024, 3, 31, 1, 0)), -3600);
	assert_int_equal(tz_offset(z, utc(2024, 10, 27, 1, 0)), -7200);
	tz_free(&z);
	/* rule times past 24 h (Asia/Jerusalem): Friday 02:00 after the 4th Thursday */
	z = posix("IST-2IDT,M3.4.4/26,M10.5.0");
	assert_int_equal(tz_offset(z, utc(2024, 3, 29, 0, 0) - 1), 7200);
	assert_int_equal(tz_offset(z, utc(2024, 3, 29, 0, 0)), 10800);
	tz_free(&z);
	/* the RFC 8536 extremes: 167 h either way */
	z = posix("AAA0BBB,M3.1.0/167,M10.1.0/-167");
	assert_int_equal(tz_offset(z, utc(2024, 3, 9, 23, 0) - 1), 0);
	assert_int_equal(tz_offset(z, utc(2024, 3, 9, 23, 0)), 3600);
	assert_int_equal(tz_offset(z, utc(2024, 9, 29, 0, 0) - 1), 3600);
	assert_int_equal(tz_offset(z, utc(2024, 9, 29, 0, 0)), 0);
	tz_free(&z);
	/* daylight time all year (RFC 8536 section 3.3.1) */
	z = posix("EST5EDT,0/0,J365/25");
	for (int y = 1970; y <= 2100; y += 7) {
		assert_int_equal(tz_offset(z, utc(y, 1, 1, 0, 0)), -14400);
		assert_int_equal(tz_offset(z, utc(y, 1, 1, 5, 0) - 1), -14400);
		assert_int_equal(tz_offset(z, utc(y, 1, 1, 5, 0)), -14400);
		assert_int_equal(tz_offset(z, utc(y, 7, 1, 0, 0)), -14400);
		assert_int_equal(day_length(z, y, 1, 1), DAY);
	}
	assert_int_equal(tz_next_change(z, 0), INT64_MAX);
	tz_free(&z);
	/* southern hemisphere, 24:00 (America/Santiago) */
	z = posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
	assert_int_equal(tz_offset(z, utc(2024, 1, 1, 0, 0)), -10800);
	assert_int_equal(tz_offset(z, utc(2024, 7, 1, 0, 0)), -14400);
	assert_int_equal(tz_offset(z, utc(2024, 12, 31, 23, 59)), -10800);
	tz_free(&z);
	/* half hours, seconds, quoted names */
	z = posix("<+0330>-3:30");
	assert_int_equal(tz_offset(z, 0), 12600);
	tz_free(&z);
	z = posix("LMT-0:09:21");
	assert_int_equal(tz_offset(z, 0), 561);
	tz_free(&z);
	z = posix("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
	assert_int_equal(tz_offset(z, utc(2024, 1, 1, 0, 0)), 49500);
	assert_int_equal(tz_offset(z, utc(2024, 6, 1, 0, 0)), 45900);
	tz_free(&z);
}

static void posix_refused(void **state)
{
	static const char *const bad[] = {
		"", "CET", "CE-1", "C1T-1", "CET-", "CET25", "CET-1:60", "CET-1:00:60",
		"CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,", "CET-1CEST,M13.5.0,M10.5.0",
		"CET-1CEST,M0.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365", "CET-1CEST,J366,J1",
		"CET-1CEST,366,1", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0/-168,M10.5.0",
		"CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1CEST,M3.5.0,M10.5.0,", "<AB>1", "<ABC1",
		"<A C>1", "CET-1CEST,M3.5,M10.5.0", "CET-1CE", "CET 1", "CET-1CEST-2,M3.5.0",
		"CET-1CEST25,M3.5.0,M10.5.0", "CET-001", "CET-1,M3.5.0,M10.5.0",
	};
	struct tz *z = (struct tz *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (tz_from_posix("Test/Posix", bad[i], &z) != CMN_ERR_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(z);
	}
	assert_int_equal(tz_from_posix("Test/Posix", NULL, &z), CMN_ERR_INVALID);
	assert_int_equal(tz_from_posix("../x", "UTC0", &z), CMN_ERR_INVALID);
}

/*
 * glibc as the reference.
 */

struct ref_stats {
	long instants;  /* compared */
	long zones;
};

/* check_glibc - tz and glibc (TZ already set) agree at instant t (ms). */
static void check_glibc(const struct tz *z, const char *what, int64_t t)
{
	time_t tt = (time_t)fdiv(t, SEC);
	struct tm tm;
	int64_t ms, day;

	assert_non_null(localtime_r(&tt, &tm));
	if (tz_offset(z, t) != tm.tm_gmtoff)
		fail_msg("%s at %lld ms: offset %d, glibc %ld", what, (long long)t,
			 (int)tz_offset(z, t), (long)tm.tm_gmtoff);
	day = tz_local_day(z, t, &ms);
	assert_int_equal(day, days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
	assert_int_equal(ms, (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * SEC +
				     (t - fdiv(t, SEC) * SEC));
}

/* compare_glibc - random instants of 1970-2100 and every change of z in that
 * span, one second either side. */
static void compare_glibc(const struct tz *z, const char *tzenv, const char *what, int samples,
			  struct ref_stats *st)
{
	int64_t end = days(2101, 1, 1) * DAY;

	assert_int_equal(setenv("TZ", tzenv, 1), 0);
	tzset();
	for (int i = 0; i < samples; i++, st->instants++)
		check_glibc(z, what, rnd_instant());
	for (int64_t t = tz_next_change(z, 0); t < end; t = tz_next_change(z, t)) {
		check_glibc(z, what, t - SEC);
		check_glibc(z, what, t);
		check_glibc(z, what, t + SEC);
		st->instants += 3;
	}
	st->zones++;
}

static void glibc_zones(void **state)
{
	static const char *const zones[] = {
		"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
		"UTC", "Asia/Tokyo", "America/Nuuk", "Asia/Jerusalem", "Europe/Dublin",
		"America/Santiago", "Africa/Casablanca", "Pacific/Chatham", "America/Sao_Paulo",
		"Australia/Sydney", "Pacific/Apia", "Asia/Tehran", "America/St_Johns",
		"Europe/Jersey", "Pacific/Kiritimati", "America/Havana", "Antarctica/Troll",
	};
	struct ref_stats st = {0, 0};
	char env[TZ_NAME_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(*zones); i++) {
		struct tz *z = load(zones[i]);

		snprintf(env, sizeof(env), ":%s", zones[i]);
		compare_glibc(z, env, zones[i], 20000, &st);
		tz_free(&z);
	}
	unsetenv("TZ");
	print_message("    glibc agreed on %ld instants of %ld zones\n", st.instants, st.zones);
}

static void glibc_posix(void **state)
{
	static const char *const rules[] = {
		"CET-1CEST,M3.5.0,M10.5.0/3",
		"EST5EDT,M3.2.0,M11.1.0",
		"<-03>3<-02>,J60/0,J300/0",
		"<-03>3<-02>,59/0,299/0",
		"<-03>3<-02>,J1/1,J365/22",
		"<-03>3<-02>,0/5,300/22",
		"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
		"IST-2IDT,M3.4.4/26,M10.5.0",
		"<-04>4<-03>,M9.1.6/24,M4.1.6/24",
		"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
		"IST-1GMT0,M10.5.0,M3.5.0/1",
		"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
		"NST3:30NDT,M3.2.0/0:01,M11.1.0/0:01",
		"AAA-14BBB-13,M2.1.0,M11.5.6/23:59:59",
		"XXX11:59:59YYY,M2.5.3/12,M7.1.4/100",
	};
	struct ref_stats st = {0, 0};

	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		struct tz *z = posix(rules[i]);

		compare_glibc(z, rules[i], rules[i], 5000, &st);
		tz_free(&z);
	}
	unsetenv("TZ");
	print_message("    glibc agreed on %ld instants of %ld rules\n", st.instants, st.zones);
}

/*
 * Every zone of the database loads; wall times round-trip.
 */

struct walk {
	int zones;             /* loaded */
	int others;            /* refused: not TZif, or leap seconds */
	struct ref_stats ref;  /* compared with glibc */
};

/* check_round_trip - the earliest instant showing t's wall time is at or
 * before t and shows it; the day start is in t's day and at its beginning. */
static void check_round_trip(const struct tz *z, int64_t t)
{
	int64_t ms, ms2, day = tz_local_day(z, t, &ms), s, start;

	assert_true(ms >= 0 && ms < DAY);
	s = tz_from_local(z, day, ms);
	assert_true(s <= t);
	assert_int_equal(tz_local_day(z, s, &ms2), day);
	assert_int_equal(ms2, ms);
	start = tz_day_start(z, t);
	assert_true(start <= t);
	assert_int_equal(tz_local_day(z, start, &ms2), day);
	assert_true(tz_local_day(z, start - 1, NULL) < day);
	if (ms2 != 0) /* midnight did not exist: the day began with a change */
		assert_true(tz_offset(z, start - 1) < tz_offset(z, start));
}

static void walk_dir(const char *dir, const char *rel, struct walk *w)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024], name[1024];
		struct stat st;
		struct tz *z = NULL;
		enum cmn_rc rc;
		unsigned char magic[4] = {0};
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    snprintf(name, sizeof(name), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
			    (int)sizeof(name))
			fail_msg("path too long under %s", dir);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk_dir(path, name, w);
			continue;
		}
		if (!tz_name_valid(name))
			continue;
		rc = tz_load(name, &z);
		f = fopen(path, "rb");
		assert_non_null(f);
		if (fread(magic, 1, 4, f) != 4)
			memset(magic, 0, 4);
		fclose(f);
		if (memcmp(magic, "TZif", 4) != 0) {
			assert_int_equal(rc, CMN_ERR_INVALID);
			w->others++;
		} else if (strncmp(name, "right/", 6) == 0) {
			assert_int_equal(rc, CMN_ERR_UNSUPPORTED);
			w->others++;
		} else {
			if (rc != CMN_OK)
				fail_msg("%s: %s", name, cmn_strerror(rc));
			for (int i = 0; i < 200; i++)
				check_round_trip(z, rnd_instant() - days(2000, 1, 1) * DAY);
			if (strncmp(name, "posix/", 6) != 0) {
				char env[sizeof(name) + 1];

				snprintf(env, sizeof(env), ":%s", name);
				compare_glibc(z, env, name, 200, &w->ref);
			}
			tz_free(&z);
			w->zones++;
		}
	}
	closedir(d);
}

static void whole_database(void **state)
{
	struct walk w = {0, 0, {0, 0}};

	(void)state;
	walk_dir(ZONEINFO, "", &w);
	unsetenv("TZ");
	print_message("    %d zones loaded, %d other files refused; glibc agreed on %ld instants "
		      "of %ld zones\n", w.zones, w.others, w.ref.instants, w.ref.zones);
	assert_true(w.zones > 300);
}

static void round_trips(void **state)
{
	static const char *const zones[] = {
		"Europe/Paris", "Australia/Lord_Howe", "America/Nuuk", "Pacific/Apia",
		"America/Sao_Paulo", "Africa/Casablanca", "Antarctica/Troll", "Asia/Kolkata",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(*zones); i++) {
		struct tz *z = load(zones[i]);
		int64_t end = utc(2101, 1, 1, 0, 0);

		for (int k = 0; k < 20000; k++)
			check_round_trip(z, rnd_instant() - days(1900, 1, 1) * DAY);
		for (int64_t t = tz_next_change(z, utc(1900, 1, 1, 0, 0)); t < end;
		     t = tz_next_change(z, t)) {
			check_round_trip(z, t - 1);
			check_round_trip(z, t);
		}
		tz_free(&z);
	}
}

/*
 * Malformed files.
 */

static void truncated_and_garbage(void **state)
{
	size_t len;
	unsigned char *paris = slurp(ZONEINFO "/Europe/Paris", &len);
	unsigned char *buf = malloc(len + 64);
	size_t footer;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(parse(paris, len), CMN_OK);
	/* every proper prefix, including the empty one */
	for (size_t n = 0; n < len; n++)
		if (parse(paris, n) != CMN_ERR_INVALID)
			fail_msg("a prefix of %zu of %zu bytes was accepted", n, len);
	/* a byte more */
	memcpy(buf, paris, len);
	buf[len] = '\n';
	assert_int_equal(parse(buf, len + 1), CMN_ERR_INVALID);
	/* garbage */
	memset(buf, 0, len);
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)rnd();
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	memcpy(buf, "TZif2", 5);
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	/* a version "1" */
	memcpy(buf, paris, len);
	buf[4] = '1';
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	/* versions 3 and 4 read like 2; the two headers must agree */
	memcpy(buf, paris, len);
	for (size_t i = 0; i + 5 < len; i++)
		if (memcmp(buf + i, "TZif", 4) == 0)
			buf[i + 4] = '4';
	assert_int_equal(parse(buf, len), CMN_OK);
	buf[4] = '3';
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	/* a bad footer rule */
	memcpy(buf, paris, len);
	footer = len - 2;
	while (buf[footer] != '\n')
		footer--;
	assert_int_equal(memcmp(buf + footer, "\nCET-1CEST,M3.5.0,M10.5.0/3\n", len - footer), 0);
	buf[len - 2] = '9'; /* ".../9" is fine */
	assert_int_equal(parse(buf, len), CMN_OK);
	buf[len - 3] = 'x'; /* "...0x9" is not */
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	memcpy(buf, paris, len);
	buf[len - 5] = '\0'; /* a NUL in the footer */
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	memcpy(buf, paris, len);
	buf[footer] = ' '; /* no newline before the footer */
	assert_int_equal(parse(buf, len), CMN_ERR_INVALID);
	free(buf);
	free(paris);
}

/* the version 1 part of Europe/Paris alone: 32-bit times up to 2037 */
static void version1(void **state)
{
	size_t len, v1;
	unsigned char *paris = slurp(ZONEINFO "/Europe/Paris", &len);
	struct tz *z1 = NULL, *z2 = load("Europe/Paris");

	(void)state;
	for (v1 = 5; v1 + 4 < len && memcmp(paris + v1, "TZif", 4) != 0; v1++)
		;
	assert_true(v1 + 4 < len);
	paris[4] = 0;
	assert_int_equal(tz_parse("Europe/Paris", paris, v1, &z1), CMN_OK);
	for (int i = 0; i < 20000; i++) {
		int64_t t = rnd_instant() % (days(2037, 1, 1) * DAY);

		assert_int_equal(tz_offset(z1, t), tz_offset(z2, t));
		assert_int_equal(tz_offset(z1, -t), tz_offset(z2, -t));
	}
	/* past the table, the last type: no footer to go on with */
	assert_int_equal(tz_offset(z1, utc(2050, 7, 1, 0, 0)), 3600);
	tz_free(&z1);
	tz_free(&z2);
	/* a version 1 file has nothing after its block */
	assert_int_equal(parse(paris, v1 + 1), CMN_ERR_INVALID);
	free(paris);
}

static void synthetic_files(void **state)
{
	unsigned char buf[4096];
	int64_t times[] = {0, 86400, INT64_C(1) << 40};
	unsigned char idx[] = {1, 0, 1};
	int32_t offs[] = {3600, -7200};
	struct tzif_spec s = {'2', 3, times, idx, 2, offs, ""};
	struct tz *z = NULL;
	size_t n;

	(void)state;
	n = tzif_write(buf, &s);
	assert_int_equal(tz_parse("Test/Zone", buf, n, &z), CMN_OK);
	assert_int_equal(tz_offset(z, -1), 3600);
	assert_int_equal(tz_offset(z, 0), -7200);
	assert_int_equal(tz_offset(z, DAY), 3600);
	assert_int_equal(tz_offset(z, INT64_MAX), -7200); /* empty footer: the last type */
	/* back 3 h at the epoch: 22:00 to 01:00 twice; the earlier of two */
	assert_int_equal(tz_from_local(z, 0, 0), -HOUR);
	assert_int_equal(tz_from_local(z, -1, 23 * HOUR), -2 * HOUR);
	assert_int_equal(tz_from_local(z, 0, HOUR), 3 * HOUR);
	assert_int_equal(tz_from_local(z, 0, 5 * HOUR), 7 * HOUR);
	/* forward 3 h a day later: 22:00 to 01:00 skipped, the day lasts 21 h */
	assert_int_equal(tz_from_local(z, 0, 22 * HOUR), DAY);
	assert_int_equal(tz_from_local(z, 1, 0), DAY);
	assert_int_equal(tz_from_local(z, 1, HOUR), DAY);
	assert_int_equal(tz_day_start(z, DAY + HOUR), DAY);
	assert_int_equal(tz_day_start(z, DAY + 23 * HOUR) - tz_day_start(z, DAY), 23 * HOUR);
	tz_free(&z);
	/* a footer rule takes over after the last transition */
	s.footer = "<+01>-1";
	n = tzif_write(buf, &s);
	assert_int_equal(tz_parse("Test/Zone", buf, n, &z), CMN_OK);
	assert_int_equal(tz_offset(z, (INT64_C(1) << 40) * SEC), 3600);
	tz_free(&z);
	s.footer = "";
	/* no transitions: type 0, or the footer's rule */
	s.timecnt = 0;
	n = tzif_write(buf, &s);
	assert_int_equal(tz_parse("Test/Zone", buf, n, &z), CMN_OK);
	assert_int_equal(tz_offset(z, 0), 3600);
	tz_free(&z);
	s.footer = "EST5EDT,M3.2.0,M11.1.0";
	n = tzif_write(buf, &s);
	assert_int_equal(tz_parse("Test/Zone", buf, n, &z), CMN_OK);
	assert_int_equal(tz_offset(z, utc(2024, 7, 1, 0, 0)), -14400);
	tz_free(&z);
	s.footer = "";
	s.timecnt = 3;
	/* not ascending */
	times[1] = 0;
	n = tzif_write(buf, &s);
	assert_int_equal(parse(buf, n), CMN_ERR_INVALID);
	times[1] = 86400;
	/* a type index out of range */
	idx[2] = 2;
	n = tzif_write(buf, &s);
	assert_int_equal(parse(buf, n), CMN_ERR_INVALID);
	idx[2] = 1;
	/* offsets beyond 26 h */
	offs[1] = -TZ_OFF_MAX - 1;
	n = tzif_write(buf, &s);
	assert_int_equal(parse(buf, n), CMN_ERR_INVALID);
	offs[1] = INT32_MIN;
	n = tzif_write(buf, &s);
	assert_int_equal(parse(buf, n), CMN_ERR_INVALID);
	offs[1] = -7200;
	/* no types */
	s.typecnt = 0;
	s.timecnt = 0;
	n = tzif_write(buf, &s);
	assert_int_equal(parse(buf, n), CMN_ERR_INVALID);
	s.typecnt = 2;
	s.timecnt = 3;
	/* counts bigger than the data, or than the caps */
	n = tzif_write(buf, &s);
	for (int field = 0; field < 6; field++) {
		unsigned char copy[4096];
		size_t second = put_block(copy, &s, 4); /* offset of the second header */

		memcpy(copy, buf, n);
		put32(copy + second + 20 + 4 * field, 0xffffffffu);
		assert_int_equal(parse(copy, n), CMN_ERR_INVALID);
		memcpy(copy, buf, n);
		put32(copy + 20 + 4 * field, 0x7fffffffu);
		assert_int_equal(parse(copy, n), CMN_ERR_INVALID);
	}
	/* version 1: the 32-bit block only (2^40 does not fit) */
	s.version = 0;
	assert_int_equal(parse(buf, tzif_write(buf, &s)), CMN_ERR_INVALID);
	s.timecnt = 2;
	n = tzif_write(buf, &s);
	assert_int_equal(tz_parse("Test/Zone", buf, n, &z), CMN_OK);
	assert_int_equal(tz_offset(z, DAY), 3600);
	tz_free(&z);
}

static void database_directory(void **state)
{
	static const char *const made[] = {
		"Bad/Truncated", "Bad/Big", "Bad/Up", "Bad", "Good", "Link", "Escape", "Loop",
	};
	char dir[] = "/tmp/test_tz.XXXXXX", path[256];
	size_t len;
	unsigned char *paris = slurp(ZONEINFO "/Europe/Paris", &len);
	unsigned char *big = calloc(1, TZ_MAX_FILE_BYTES + 1);
	struct tz *z = NULL;

	(void)state;
	assert_non_null(big);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Bad", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/Bad/Truncated", dir);
	spit(path, paris, len / 2);
	snprintf(path, sizeof(path), "%s/Bad/Big", dir);
	spit(path, big, TZ_MAX_FILE_BYTES + 1);
	snprintf(path, sizeof(path), "%s/Good", dir);
	spit(path, paris, len);
	snprintf(path, sizeof(path), "%s/Link", dir);
	assert_int_equal(symlink("Good", path), 0);
	snprintf(path, sizeof(path), "%s/Bad/Up", dir);
	assert_int_equal(symlink("../Good", path), 0);
	snprintf(path, sizeof(path), "%s/Escape", dir);
	assert_int_equal(symlink(ZONEINFO "/Europe/Paris", path), 0);
	snprintf(path, sizeof(path), "%s/Loop", dir);
	assert_int_equal(symlink("Loop", path), 0);

	assert_int_equal(tz_load_from(dir, "Bad/Truncated", &z), CMN_ERR_INVALID);
	assert_int_equal(tz_load_from(dir, "Bad/Big", &z), CMN_ERR_INVALID);
	assert_int_equal(tz_load_from(dir, "Escape", &z), CMN_ERR_NOT_FOUND);
	assert_int_equal(tz_load_from(dir, "Loop", &z), CMN_ERR_NOT_FOUND);
	assert_int_equal(tz_load_from(dir, "Bad", &z), CMN_ERR_NOT_FOUND);
	assert_int_equal(tz_load_from(dir, "Missing", &z), CMN_ERR_NOT_FOUND);
	assert_int_equal(tz_load_from(dir, "../Good", &z), CMN_ERR_INVALID);
	assert_null(z);
	assert_int_equal(tz_load_from(dir, "Good", &z), CMN_OK);
	assert_int_equal(tz_offset(z, utc(2024, 7, 1, 0, 0)), 7200);
	tz_free(&z);
	assert_int_equal(tz_load_from(dir, "Link", &z), CMN_OK);
	assert_string_equal(tz_name(z), "Link");
	tz_free(&z);
	assert_int_equal(tz_load_from(dir, "Bad/Up", &z), CMN_OK);
	tz_free(&z);
	/* the database's own symlinks are followed (UTC -> Etc/UTC on Debian) */
	z = load("UTC");
	tz_free(&z);

	for (size_t i = 0; i < sizeof(made) / sizeof(*made); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
		assert_int_equal(remove(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	free(big);
	free(paris);
}

/*
 * Threads share one zone.
 */

struct shared {
	const struct tz *z;
	int64_t t[1000];
	int32_t off[1000];
	int64_t start[1000];
	int bad;
};

static void *reader_thread(void *arg)
{
	struct shared *s = arg;

	for (int round = 0; round < 20; round++)
		for (int i = 0; i < 1000; i++)
			if (tz_offset(s->z, s->t[i]) != s->off[i] ||
			    tz_day_start(s->z, s->t[i]) != s->start[i])
				__atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void threads(void **state)
{
	struct tz *z = load("Europe/Paris");
	struct shared *s = calloc(1, sizeof(*s));
	pthread_t th[4];

	(void)state;
	assert_non_null(s);
	s->z = z;
	for (int i = 0; i < 1000; i++) {
		s->t[i] = rnd_instant();
		s->off[i] = tz_offset(z, s->t[i]);
		s->start[i] = tz_day_start(z, s->t[i]);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader_thread, s), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(s->bad, 0);
	free(s);
	tz_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(unknown_zones),
		cmocka_unit_test(paris_offsets),
		cmocka_unit_test(paris_days),
		cmocka_unit_test(paris_wall_times),
		cmocka_unit_test(paris_far),
		cmocka_unit_test(new_york),
		cmocka_unit_test(lord_howe),
		cmocka_unit_test(kolkata),
		cmocka_unit_test(utc_and_tokyo),
		cmocka_unit_test(posix_rules),
		cmocka_unit_test(posix_refused),
		cmocka_unit_test(glibc_zones),
		cmocka_unit_test(glibc_posix),
		cmocka_unit_test(whole_database),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(truncated_and_garbage),
		cmocka_unit_test(version1),
		cmocka_unit_test(synthetic_files),
		cmocka_unit_test(database_directory),
		cmocka_unit_test(threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
