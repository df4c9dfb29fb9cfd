/*
 * test_core.c - core helpers: strings, numbers, UTF-8, encodings, times,
 * the capped buffer, JSON text read and written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"

static void numbers(void **state)
{
	int64_t v;
	double d;

	(void)state;
	assert_int_equal(str_to_i64("42", 0, 100, &v), CMN_OK);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_i64("-7", -10, 10, &v), CMN_OK);
	assert_int_equal(v, -7);
	assert_int_equal(str_to_i64("101", 0, 100, &v), CMN_ERR_INVALID);
	assert_int_equal(str_to_i64("12abc", 0, 100, &v), CMN_ERR_INVALID);
	assert_int_equal(str_to_i64(" 1", 0, 100, &v), CMN_ERR_INVALID);
	assert_int_equal(str_to_i64("", 0, 100, &v), CMN_ERR_INVALID);
	assert_int_equal(str_to_i64("99999999999999999999", INT64_MIN, INT64_MAX, &v),
			 CMN_ERR_INVALID);
	assert_int_equal(str_to_double("-12.5", &d), CMN_OK);
	assert_true(d == -12.5);
	assert_int_equal(str_to_double("nan", &d), CMN_ERR_INVALID);
	assert_int_equal(str_to_double("1e999", &d), CMN_ERR_INVALID);
	assert_int_equal(str_to_double("1.5x", &d), CMN_ERR_INVALID);
}

static void utf8(void **state)
{
	(void)state;
	assert_true(str_utf8_valid("caf\xc3\xa9", 5));
	assert_true(str_utf8_valid("\xe2\x82\xac", 3));            /* euro sign */
	assert_true(str_utf8_valid("\xf0\x9f\x98\x80", 4));        /* emoji */
	assert_false(str_utf8_valid("\xff", 1));
	assert_false(str_utf8_valid("\xc3", 1));                   /* truncated */
	assert_false(str_utf8_valid("\xc0\xaf", 2));               /* overlong '/' */
	assert_false(str_utf8_valid("\xed\xa0\x80", 3));           /* surrogate */
	assert_false(str_utf8_valid("\xf4\x90\x80\x80", 4));       /* > U+10FFFF */
	assert_false(str_utf8_valid("a\0b", 3));                   /* NUL */
}

static void utf8_repair(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"caf\xc3\xa9", "caf\xc3\xa9"},           /* valid: unchanged */
	    {"caf\xc3", "caf"},                        /* cut at the end: dropped */
	    {"\xe2\x82", ""},                          /* the euro sign, cut */
	    {"a\xff" "b", "a?b"},                        /* an invalid byte */
	    {"\xc0\xafx", "??x"},                       /* an overlong form */
	    {"\xed\xa0\x80", "???"},                    /* a surrogate */
	    {"\xc3(\xc3\xa9", "?(\xc3\xa9"},            /* a lead byte without its end */
	    {"\x80\xe2\x82\xac", "?\xe2\x82\xac"},       /* a stray continuation byte */
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		str_utf8_repair(buf);
		assert_string_equal(buf, cases[i].out);
		assert_true(str_utf8_valid(buf, strlen(buf)));
	}
}

static void names_and_copies(void **state)
{
	char small[4];

	(void)state;
	assert_true(str_is_name("bank.transaction", 64, true));
	assert_true(str_is_name("energy.electricity.load_curve", 64, true));
	assert_false(str_is_name("bank..transaction", 64, true));
	assert_false(str_is_name(".bank", 64, true));
	assert_false(str_is_name("bank.", 64, true));
	assert_false(str_is_name("Bank", 64, true));
	assert_false(str_is_name("a.b", 64, false));
	assert_false(str_is_name("x'; DROP", 64, false));
	assert_false(str_is_name("", 64, false));
	assert_int_equal(str_copy(small, sizeof(small), "abc"), CMN_OK);
	assert_int_equal(str_copy(small, sizeof(small), "abcdef"), CMN_ERR_TOO_LARGE);
	assert_string_equal(small, "abc");
}

static void percent_and_base64(void **state)
{
	char out[64];
	size_t n;
	unsigned char *raw;
	char *enc;

	(void)state;
	assert_int_equal(str_pct_decode("a%2Fb+c", 7, out, &n), CMN_OK);
	assert_string_equal(out, "a/b c");
	assert_int_equal(str_pct_decode("%zz", 3, out, &n), CMN_ERR_INVALID);
	assert_int_equal(str_pct_decode("%4", 2, out, &n), CMN_ERR_INVALID);
	assert_int_equal(str_pct_decode("a%00b", 5, out, &n), CMN_ERR_INVALID);
	enc = str_b64url_encode((const unsigned char *)"\xfb\xff hello", 8);
	assert_non_null(enc);
	assert_null(strchr(enc, '+'));
	assert_null(strchr(enc, '='));
	assert_int_equal(str_b64url_decode(enc, &raw, &n), CMN_OK);
	assert_int_equal(n, 8);
	assert_memory_equal(raw, "\xfb\xff hello", 8);
	free(raw);
	free(enc);
	assert_int_equal(str_b64url_decode("not base64!", &raw, &n), CMN_ERR_INVALID);
}

static void times(void **state)
{
	char buf[TIME_RFC3339_LEN];
	int64_t t;

	(void)state;
	assert_int_equal(time_parse("1970-01-01T00:00:00Z", false, &t), CMN_OK);
	assert_int_equal(t, 0);
	assert_int_equal(time_parse("2024-03-01T10:00:00+01:00", false, &t), CMN_OK);
	assert_int_equal(t, 1709283600000);
	assert_int_equal(time_parse("2024-03-01T09:00:00.250Z", false, &t), CMN_OK);
	assert_int_equal(t, 1709283600250);
	assert_int_equal(time_parse("2024-03-01", true, &t), CMN_OK);
	assert_int_equal(t, 1709251200000);
	assert_int_equal(time_parse("2024-03-01", false, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2024-02-30", true, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2023-02-29", true, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2024-02-29", true, &t), CMN_OK);
	assert_int_equal(time_parse("2024-03-01T25:00:00Z", false, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2024-03-01T10:00:00", false, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2024-03-01T10:00:00+0100", false, &t), CMN_ERR_INVALID);
	assert_int_equal(time_parse("2024-03-01 10:00:00Z", false, &t), CMN_ERR_INVALID);
	/* the DST change in France: 02:30 local does not exist, offsets say which */
	assert_int_equal(time_parse("2024-03-31T01:59:00+01:00", false, &t), CMN_OK);
	{
		int64_t t2;

		assert_int_equal(time_parse("2024-03-31T03:00:00+02:00", false, &t2), CMN_OK);
		assert_int_equal(t2 - t, 60 * 1000);
	}
	time_format(buf, 1709283600250);
	assert_string_equal(buf, "2024-03-01T09:00:00.250Z");
	assert_true(time_is_date("2024-12-31"));
	assert_false(time_is_date("2024-12-31T00:00:00Z"));
}

/* time_format against gmtime_r and snprintf, what it was written with,
 * from 1900 to 9999 and around the epoch, milliseconds and leap days */
static void times_formatted(void **state)
{
	const int64_t lo = -2208988800000LL, hi = 253402300799999LL;
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		char got[TIME_RFC3339_LEN], want[80];
		int64_t t;
		time_t secs;
		struct tm tm;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t = i < 4000 ? (int64_t)(i - 2000) * 999 : lo + (int64_t)(x % (uint64_t)(hi - lo));
		secs = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
		assert_non_null(gmtime_r(&secs, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)(t - (int64_t)secs * 1000));
		time_format(got, t);
		assert_string_equal(got, want);
	}
	{
		char b[TIME_RFC3339_LEN];

		time_format(b, 951782400000); /* 2000-02-29 */
		assert_string_equal(b, "2000-02-29T00:00:00.000Z");
		time_format(b, -1);
		assert_string_equal(b, "1969-12-31T23:59:59.999Z");
		time_format(b, INT64_MIN); /* defined, whatever the year */
		assert_int_equal(strlen(b), TIME_RFC3339_LEN - 1);
		time_format(b, INT64_MAX);
		assert_int_equal(strlen(b), TIME_RFC3339_LEN - 1);
	}
}

/* str_put_u64 and str_put_i64 write what snprintf does */
static void integers_written(void **state)
{
	static const int64_t edge[] = {0, 1, -1, 9, 10, -10, 99, 100, 1234567890123LL,
				       INT64_MAX, INT64_MIN, INT64_MIN + 1};
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char got[32], want[32];

	(void)state;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 100000; i++) {
		int64_t v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v = i < sizeof(edge) / sizeof(edge[0]) ? edge[i] : (int64_t)(x >> (x % 64));
		*str_put_i64(got, v) = '\0';
		snprintf(want, sizeof(want), "%lld", (long long)v);
		assert_string_equal(got, want);
		*str_put_u64(got, (uint64_t)v, (int)(i % 22)) = '\0';
		snprintf(want, sizeof(want), "%0*llu", (int)(i % 22), (unsigned long long)v);
		assert_string_equal(got, want);
	}
}

static void capped_buffer(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "hello"), CMN_OK);
	assert_int_equal(buf_printf(&b, "%d", 12345), CMN_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_puts(&b, "!"), CMN_ERR_TOO_LARGE);
	assert_string_equal(b.data, "hello12345"); /* unchanged by the refusal */
	assert_int_equal(buf_printf(&b, "%s", "x"), CMN_ERR_TOO_LARGE);
	s = buf_steal(&b);
	assert_string_equal(s, "hello12345");
	assert_int_equal(b.len, 0);
	free(s);
	buf_release(&b);
}

static void json_text(void **state)
{
	const char *const keys[] = {"date", "amount"};
	const char *const none[] = {"nothing"};
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(json_text_project("{\"date\":\"2024-03-01\",\"label\":\"x,\\\"}y\","
					   "\"amount\":-1.5e2,\"n\":{\"date\":[1,{}]}}",
					   keys, 2, &b),
			 CMN_OK);
	assert_string_equal(b.data, "{\"date\":\"2024-03-01\",\"amount\":-1.5e2}");
	b.len = 0;
	assert_int_equal(json_text_project(" { } ", keys, 2, &b), CMN_OK);
	assert_string_equal(b.data, "{}");
	b.len = 0;
	assert_int_equal(json_text_project("{\"a\":1}", none, 1, &b), CMN_OK);
	assert_string_equal(b.data, "{}");
	for (const char *const *bad = (const char *const[]){"[1]", "{\"a\":1", "{\"a\" 1}",
							   "{\"a\":1}x", "{\"a\":\"x}", "", NULL};
	     *bad; bad++) {
		b.len = 0;
		if (b.data)
			b.data[0] = '\0';
		assert_int_equal(json_text_project(*bad, keys, 2, &b), CMN_ERR_INVALID);
		assert_int_equal(b.len, 0);
	}
	b.len = 0;
	assert_int_equal(json_text_string(&b, "a\"b\\c\n\x01é"), CMN_OK);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001é\"");
	buf_release(&b);
}

/* ---- json_text_compact against json_dumps ---- */

static uint64_t rng = 20261127;

static uint64_t next_rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a_real - doubles of every kind json_dumps may meet: cents, integers held
 * as reals, tiny and huge magnitudes, negative zero, any bit pattern */
static double a_real(void)
{
	static const double odd[] = {0.0, -0.0, 1.0, -3.0, 0.1, 1e15, 1e16, 1e17, 1e20, 1e-5,
				     1e-4, 123456789012345678.0, 1.5e300, -2.5e-300, 4.9e-324};
	uint64_t r = next_rnd();

	switch (r % 5) {
	case 0: return (double)((int64_t)(next_rnd() % 2000000001) - 1000000000) / 100.0;
	case 1: return (double)(int64_t)(next_rnd() >> 11) * ((r & 32) ? -1 : 1);
	case 2: return odd[(r >> 8) % (sizeof(odd) / sizeof(odd[0]))];
	case 3: {
		double d;
		uint64_t bits = next_rnd();

		memcpy(&d, &bits, sizeof(d));
		return d == d && d - d == 0 ? d : 1.25; /* no NaN, no infinity */
	}
	default: return (double)(next_rnd() % 1000000) * 1e-9 * ((r & 64) ? 1e12 : 1);
	}
}

static void a_string(char *s, size_t n)
{
	static const char *const bits[] = {"a", "Z", "9", " ", "\"", "\\", "/", "\b", "\f",
					   "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "é", "€",
					   "\xf0\x9f\x98\x80", "<", "&"};
	size_t len = 0, count = next_rnd() % 12;

	s[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		const char *b = bits[next_rnd() % (sizeof(bits) / sizeof(bits[0]))];

		if (len + strlen(b) + 1 > n)
			break;
		memcpy(s + len, b, strlen(b) + 1);
		len += strlen(b);
	}
}

static json_t *a_value(int depth)
{
	char text[64];
	uint64_t r = next_rnd() % (depth < 4 ? 9 : 7);

	switch (r) {
	case 0: return json_null();
	case 1: return json_boolean(next_rnd() & 1);
	case 2: {
		static const json_int_t odd[] = {0, -1, INT64_MAX, INT64_MIN, 1000000000000};

		return json_integer(next_rnd() & 1 ? (json_int_t)next_rnd() : odd[next_rnd() % 5]);
	}
	case 3:
	case 4: return json_real(a_real());
	case 5:
	case 6: a_string(text, sizeof(text)); return json_string(text);
	case 7: {
		json_t *a = json_array();

		for (uint64_t i = next_rnd() % 5; i > 0; i--)
			json_array_append_new(a, a_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();

		for (uint64_t i = next_rnd() % 6; i > 0; i--) {
			a_string(text, sizeof(text));
			json_object_set_new(o, text, a_value(depth + 1));
		}
		return o;
	}
	}
}

/* json_text_compact writes what json_dumps writes, byte for byte, over
 * 20,000 random trees at two precisions */
/* reals as json_dumps writes them, at every precision: decimals of a few
 * digits (what the fast path writes without printf), their neighbours a
 * bit away, and doubles of any bits */
static void json_reals(void **state)
{
	static const double edge[] = {1e-4, 9.99999e-5, 0.1, 0.3, 1.0, 10.0, 100.5, 999999999999999.0,
				      1e15, 999999999999999.9, 123456789012345.6, 0.000123456789,
				      4.35, 2.675, 1.005, 1e-5, 5e-324, 1.7976931348623157e308};
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 16);
	for (int i = 0; i < 600000; i++) {
		double d;
		json_t *v;
		char *want;
		int precision = 1 + i % 17;

		if (i < (int)(sizeof(edge) / sizeof(edge[0])) * 17) {
			d = edge[i / 17];
		} else if (i % 3 == 0) {
			uint64_t bits = next_rnd();

			memcpy(&d, &bits, sizeof(d));
			if (d != d || d - d != 0) /* NaN, infinities: not JSON */
				continue;
		} else {
			/* a decimal: up to 16 digits, 0 to 18 of them after the point */
			uint64_t r = next_rnd() % 10000000000000000ULL >> next_rnd() % 50;
			int k = (int)(next_rnd() % 19);

			d = (double)r;
			for (int e = 0; e < k; e++)
				d /= 10;
			if (i % 3 == 2)
				d = nextafter(d, next_rnd() & 1 ? 1e300 : -1e300);
		}
		if (next_rnd() & 1)
			d = -d;
		v = json_real(d);
		want = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(precision));
		assert_non_null(want);
		b.len = 0;
		assert_int_equal(json_text_compact(&b, v, precision), CMN_OK);
		if (strcmp(b.data, want) != 0)
			fail_msg("%.17g at precision %d:\n json_dumps: %s\n compact:    %s", d, precision,
				 want, b.data);
		free(want);
		json_decref(v);
	}
	buf_release(&b);
}

static void json_compact(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 20000; i++) {
		json_t *o = json_object();
		int precision = i & 1 ? 15 : 17;
		char *want;

		for (uint64_t k = next_rnd() % 8; k > 0; k--) {
			char key[16];

			snprintf(key, sizeof(key), "k%llu", (unsigned long long)(next_rnd() % 100));
			json_object_set_new(o, key, a_value(0));
		}
		want = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(precision));
		assert_non_null(want);
		b.len = 0;
		assert_int_equal(json_text_compact(&b, o, precision), CMN_OK);
		if (strcmp(b.data, want) != 0)
			fail_msg("tree %d:\n json_dumps: %s\n compact:    %s", i, want, b.data);
		free(want);
		json_decref(o);
	}
	{
		/* deeper than a record may be: refused, the buffer as it was */
		json_t *deep = json_array(), *in = deep;

		for (int d = 0; d < 40; d++) {
			json_t *next = json_array();

			json_array_append_new(in, next);
			in = next;
		}
		buf_reset(&b);
		assert_int_equal(json_text_string(&b, "x"), CMN_OK);
		assert_int_equal(json_text_compact(&b, deep, 15), CMN_ERR_INVALID);
		assert_string_equal(b.data, "\"x\"");
		json_decref(deep);
	}
	buf_release(&b);
}

/* a whole file into a capped buffer: all of it, or nothing of it */
static void file_into_buffer(void **state)
{
	char path[] = "/tmp/commune-test-core-XXXXXX";
	int fd = mkstemp(path);
	struct buf b;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	buf_init(&b, 14);
	assert_int_equal(buf_puts(&b, "ab"), CMN_OK);
	assert_int_equal(buf_read_file(&b, path), CMN_OK);
	assert_string_equal(b.data, "ab0123456789");
	assert_int_equal(buf_read_file(&b, path), CMN_ERR_TOO_LARGE);
	assert_string_equal(b.data, "ab0123456789"); /* as it was */
	assert_int_equal(b.len, 12);
	buf_release(&b);
	assert_int_equal(truncate(path, 0), 0);
	buf_init(&b, 14);
	assert_int_equal(buf_read_file(&b, path), CMN_OK); /* empty: text all the same */
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	unlink(path);
	assert_int_equal(buf_read_file(&b, path), CMN_ERR_NOT_FOUND);
	buf_release(&b);
}

/* ---- json_parse ---- */

/* parses text (a C string) with flags; asserts it is refused as rc with a
 * text containing why, at line and column */
static void refused(const char *text, unsigned flags, int line, int column, const char *why)
{
	struct json_parse_error e;
	json_t *v = json_parse(text, strlen(text), flags, &e);

	if (v || e.rc != CMN_ERR_INVALID || e.line != line || e.column != column ||
	    !strstr(e.text, why))
		fail_msg("%s: rc %d at %d:%d \"%s\", expected %d:%d \"%s\"", text, e.rc, e.line,
			 e.column, e.text, line, column, why);
}

/* parses text and asserts it equals what jansson reads from same */
static void same(const char *text, unsigned flags, const char *jansson_text)
{
	struct json_parse_error e;
	json_t *got = json_parse(text, strlen(text), flags, &e);
	json_t *want = json_loads(jansson_text, JSON_DECODE_ANY, NULL);

	assert_non_null(want);
	if (!got)
		fail_msg("%s: refused at %d:%d: %s", text, e.line, e.column, e.text);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
}

static void json_parse_values(void **state)
{
	json_t *v;

	(void)state;
	same(" {\"a\" : [1, -0, 2.5, -1e3, true, false, null, \"\"]}\r\n", 0,
	     "{\"a\":[1,0,2.5,-1000.0,true,false,null,\"\"]}");
	same("9223372036854775807", JSON_PARSE_ANY, "9223372036854775807");
	same("-9223372036854775808", JSON_PARSE_ANY, "-9223372036854775808");
	same("1e-400", JSON_PARSE_ANY, "0.0");
	/* escapes, surrogate pairs, raw UTF-8 */
	same("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 é\"]", 0,
	     "[\"\\\"\\\\/\\b\\f\\n\\r\\t\xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9\"]");
	/* a later key replaces an earlier one, unless refused */
	same("{\"k\":1,\"k\":2}", 0, "{\"k\":2}");
	refused("{\"k\":1,\n \"k\":2}", JSON_PARSE_REJECT_DUPLICATES, 2, 2, "duplicate object key");
	/* nesting: as deep as jansson reads, not deeper */
	for (int depth = JSON_PARSE_MAX_DEPTH; depth <= JSON_PARSE_MAX_DEPTH + 1; depth++) {
		char *deep = malloc((size_t)depth * 2 + 1);

		assert_non_null(deep);
		memset(deep, '[', (size_t)depth);
		memset(deep + depth, ']', (size_t)depth);
		deep[depth * 2] = '\0';
		v = json_parse(deep, strlen(deep), 0, NULL);
		assert_true(depth <= JSON_PARSE_MAX_DEPTH ? v != NULL : v == NULL);
		json_decref(v);
		free(deep);
	}
}

static void json_parse_refusals(void **state)
{
	struct json_parse_error e;

	(void)state;
	refused("", 0, 1, 1, "'[' or '{' expected, found the end of the text");
	refused("\"top\"", 0, 1, 1, "'[' or '{' expected");
	refused("{\"date\":\"2024-03-01\",\"amount\":}", 0, 1, 31, "a value expected, found '}'");
	refused("{\n\"a\": 1,\n\"b\": ,\n\"c\":2}", 0, 3, 6, "a value expected");
	refused("{\"é\": x}", 0, 1, 7, "found 'x'"); /* columns count characters */
	refused("[1,]", 0, 1, 4, "a value expected, found ']'");
	refused("[1 2]", 0, 1, 4, "',' or ']' expected");
	refused("{\"a\" 1}", 0, 1, 6, "':' expected");
	refused("{1:2}", 0, 1, 2, "a string key expected");
	refused("{} x", 0, 1, 4, "nothing after the value expected");
	refused("[01]", 0, 1, 3, "',' or ']' expected");
	refused("[1.]", 0, 1, 4, "a digit after '.'");
	refused("[1e+]", 0, 1, 5, "a digit in the exponent");
	refused("[-]", 0, 1, 3, "a digit");
	refused("[9223372036854775808]", 0, 1, 2, "beyond 64 bits");
	refused("[1e400]", 0, 1, 2, "beyond a double");
	refused("[tru]", 0, 1, 2, "a value expected");
	refused("[\"a\tb\"]", 0, 1, 4, "control character 0x09");
	refused("[\"a\\x\"]", 0, 1, 4, "invalid escape");
	refused("[\"\\u12g4\"]", 0, 1, 3, "four hexadecimal digits");
	refused("[\"\\u0000\"]", 0, 1, 3, "\\u0000 is not allowed");
	refused("[\"\\udc00\"]", 0, 1, 3, "low surrogate");
	refused("[\"\\ud800x\"]", 0, 1, 3, "high surrogate");
	refused("[\"\xc3\x28\"]", 0, 1, 2, "not valid UTF-8");
	refused("[\"open", 0, 1, 2, "unterminated string");
	refused("[1", 0, 1, 3, "',' or ']' expected, found the end of the text");
	/* a NUL byte is never JSON (jansson reads "0\0" as 0) */
	assert_null(json_parse("0\0", 2, JSON_PARSE_ANY, &e));
	assert_int_equal(e.rc, CMN_ERR_INVALID);
	assert_null(json_parse_str(NULL));
	assert_null(json_parse_str("not json"));
}

/* jansson's allocations fail from the fail_at-th on */
static size_t allocs, fail_at;

static int compare_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* record ids: UUIDv7 (RFC 9562) with the time in front, version 7, variant
 * 10, and 74 random bits that never repeat across many pool refills */
static void record_ids(void **state)
{
	enum { N = 20000 };
	char(*ids)[CRYPT_UUID_LEN] = malloc(N * sizeof(*ids));
	int64_t before = time_now_ms(), after;
	unsigned ones = 0;

	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++)
		crypt_uuid7_new(ids[i]);
	after = time_now_ms();
	for (int i = 0; i < N; i++) {
		char hex[13] = {0};
		int64_t ms;

		assert_int_equal(strlen(ids[i]), 36);
		assert_int_equal(ids[i][14], '7');
		assert_non_null(strchr("89ab", ids[i][19]));
		memcpy(hex, ids[i], 8);
		memcpy(hex + 8, ids[i] + 9, 4);
		ms = (int64_t)strtoll(hex, NULL, 16);
		assert_true(ms >= before && ms <= after);
		for (const char *c = ids[i] + 24; *c; c++) /* the last 48 random bits */
			ones += (unsigned)__builtin_popcount((unsigned)(*c <= '9' ? *c - '0' : *c - 'a' + 10));
	}
	/* about half the random bits are ones (mean 480,000, sd about 490) */
	assert_true(ones > 470000 && ones < 490000);
	qsort(ids, N, sizeof(*ids), compare_ids);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
}

/* SHA-256: the FIPS 180-2 examples, a million 'a' given in uneven pieces,
 * and a file's through crypt_sha256_file, with its size */
static void sha256(void **state)
{
	static const char *const vectors[][2] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[CRYPT_HASH_HEX_LEN];
	char *million = malloc(1000000);
	struct crypt_sha256 *h;
	uint64_t size = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		h = crypt_sha256_begin();
		assert_non_null(h);
		crypt_sha256_add(h, vectors[i][0], strlen(vectors[i][0]));
		assert_int_equal(crypt_sha256_end(h, hex), CMN_OK);
		assert_string_equal(hex, vectors[i][1]);
	}
	assert_non_null(million);
	memset(million, 'a', 1000000);
	h = crypt_sha256_begin();
	assert_non_null(h);
	for (size_t at = 0, n = 1; at < 1000000; at += n, n = n * 3 + 1)
		crypt_sha256_add(h, million + at, at + n > 1000000 ? 1000000 - at : n);
	assert_int_equal(crypt_sha256_end(h, hex), CMN_OK);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(million, 1, 1000000, f), 1000000);
	rewind(f);
	assert_int_equal(crypt_sha256_file(f, hex, &size), CMN_OK);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	assert_int_equal(size, 1000000);
	fclose(f);
	free(million);
}

static void *failing_malloc(size_t n)
{
	return ++allocs >= fail_at ? NULL : malloc(n);
}

/* every failed allocation is told as such, never as a malformed text, and
 * leaks nothing (the ASan build checks) */
static void json_parse_out_of_memory(void **state)
{
	static const char text[] = "{\"a\":[1,2.5,\"x\\u00e9\",{\"b\":null,\"c\":[[],{}]}],"
				   "\"long key that is long\":\"a value that is longer still\"}";
	json_t *want = json_loads(text, 0, NULL);
	int failed = 0;

	(void)state;
	assert_non_null(want);
	for (fail_at = 1;; fail_at++) {
		struct json_parse_error e;
		json_t *v;

		allocs = 0;
		json_set_alloc_funcs(failing_malloc, free);
		v = json_parse(text, sizeof(text) - 1, JSON_PARSE_REJECT_DUPLICATES, &e);
		json_set_alloc_funcs(malloc, free);
		if (v) {
			assert_true(json_equal(v, want));
			json_decref(v);
			break;
		}
		assert_int_equal(e.rc, CMN_ERR_NOMEM);
		failed++;
	}
	assert_true(failed >= 15); /* each value and container of the text */
	json_decref(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),          cmocka_unit_test(utf8),
		cmocka_unit_test(utf8_repair),      cmocka_unit_test(json_text),
		cmocka_unit_test(names_and_copies), cmocka_unit_test(percent_and_base64),
		cmocka_unit_test(times),            cmocka_unit_test(capped_buffer),
		cmocka_unit_test(times_formatted),  cmocka_unit_test(integers_written),
		cmocka_unit_test(json_compact),     cmocka_unit_test(json_reals),
		cmocka_unit_test(json_parse_values),
		cmocka_unit_test(json_parse_refusals), cmocka_unit_test(json_parse_out_of_memory),
		cmocka_unit_test(file_into_buffer),     cmocka_unit_test(record_ids),
		cmocka_unit_test(sha256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
