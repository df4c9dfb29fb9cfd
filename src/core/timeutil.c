/*
 * timeutil.c - clocks and RFC 3339 of timeutil.h.
 */
#include "core/timeutil.h"

#include <string.h>
#include <time.h>

#include "core/str.h"

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t time_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

void time_format(char out[TIME_RFC3339_LEN], int64_t t)
{
	int64_t s = time_floor_div(t, 1000), day = time_floor_div(s, 86400);
	int64_t sod = s - day * 86400, y;
	int ms = (int)((t % 1000 + 1000) % 1000), m, d;
	char *p = out;

	/* by hand rather than with gmtime_r (which takes glibc's time zone
	 * lock) and snprintf; the year is kept to its last four digits, as
	 * before */
	time_civil_from_days(day, &y, &m, &d);
	p = str_put_u64(p, (uint32_t)y % 10000u, 4);
	*p++ = '-';
	p = str_put_u64(p, (uint64_t)m, 2);
	*p++ = '-';
	p = str_put_u64(p, (uint64_t)d, 2);
	*p++ = 'T';
	p = str_put_u64(p, (uint64_t)(sod / 3600), 2);
	*p++ = ':';
	p = str_put_u64(p, (uint64_t)(sod / 60 % 60), 2);
	*p++ = ':';
	p = str_put_u64(p, (uint64_t)(sod % 60), 2);
	*p++ = '.';
	p = str_put_u64(p, (uint64_t)ms, 3);
	*p++ = 'Z';
	*p = '\0';
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool parse_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return false;
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 0 || *m < 1 || *m > 12 || *d < 1)
		return false;
	return *d <= mdays[*m - 1] + (*m == 2 && leap(*y));
}

bool time_is_date(const char *s)
{
	int y, m, d;

	return strlen(s) == 10 && parse_date(s, &y, &m, &d);
}

enum cmn_rc time_parse(const char *s, bool date_ok, int64_t *out)
{
	int y, mo, d, h, mi, se, off = 0;
	int64_t ms = 0;
	const char *p;

	if (!parse_date(s, &y, &mo, &d))
		return CMN_ERR_INVALID;
	if (s[10] == '\0') {
		if (!date_ok)
			return CMN_ERR_INVALID;
		*out = time_days_from_civil(y, mo, d) * 86400000;
		return CMN_OK;
	}
	if ((s[10] != 'T' && s[10] != 't') || strlen(s) < 20 || s[13] != ':' || s[16] != ':')
		return CMN_ERR_INVALID;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return CMN_ERR_INVALID;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return CMN_ERR_INVALID;
		for (; n < 3; n++)
			ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2), om;

		/* digits() stops at the NUL, so p[3] is only read after two digits */
		if (oh < 0 || p[3] != ':')
			return CMN_ERR_INVALID;
		om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return CMN_ERR_INVALID;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return CMN_ERR_INVALID;
	}
	if (*p)
		return CMN_ERR_INVALID;
	if (se == 60)
		se = 59; /* a leap second is read as the second before it */
	*out = ((time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) -
		(int64_t)off * 60) * 1000 + ms;
	return CMN_OK;
}
