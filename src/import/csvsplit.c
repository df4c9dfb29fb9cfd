/*
 * csvsplit.c - splitting the lines of holders' CSV files and reading the
 * numbers and dates in their cells, exactly (no floating point on the way:
 * "-12,50" is -1250 cents, never -12.4999...).
 */
#include "import/csvsplit.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

bool csv_split(char *line, char sep, struct csv_fields *out)
{
	char *p = line;

	out->n = 0;
	out->bad_col = 0;
	out->why = NULL;
	for (;;) {
		char *q = p;

		if (out->n == CSV_MAX_FIELDS) {
			out->bad_col = (size_t)(p - line) + 1;
			out->why = "too many fields";
			return false;
		}
		while (*q == ' ')
			q++;
		if (*q == '"') {
			char *w = q, *r = q + 1;

			out->f[out->n] = w;
			out->col[out->n] = (size_t)(q - line) + 1;
			for (;;) {
				if (*r == '\0') {
					out->bad_col = out->col[out->n];
					out->why = "a quoted field is not closed";
					return false;
				}
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			while (*r == ' ')
				r++;
			if (*r != sep && *r != '\0') {
				out->bad_col = (size_t)(r - line) + 1;
				out->why = "text after a closing quote";
				return false;
			}
			out->n++;
			if (*r == '\0') {
				*w = '\0';
				return true;
			}
			*w = '\0';
			p = r + 1;
		} else {
			char *end = strchr(p, sep);

			out->f[out->n] = p;
			out->col[out->n] = (size_t)(p - line) + 1;
			out->n++;
			if (!end)
				return true;
			*end = '\0';
			p = end + 1;
		}
	}
}

/* same_name - a and b equal ignoring ASCII case and spaces around a. */
static bool same_name(const char *a, const char *b)
{
	size_t n = strlen(a);

	while (*a == ' ')
		a++, n--;
	while (n && a[n - 1] == ' ')
		n--;
	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

int csv_field_index(const struct csv_fields *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (same_name(h->f[i], name))
			return (int)i;
	return -1;
}

/* group_sep - the length of a group separator at s (0 if none). */
static size_t group_sep(const char *s, char other)
{
	if (*s == ' ' || *s == '\'' || (other && *s == other))
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2; /* U+00A0 */
	if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0xaf)
		return 3; /* U+202F */
	return 0;
}

/* trim_spaces - [*b, *e) without surrounding ASCII spaces, tabs and U+00A0. */
static void trim_spaces(const char **b, const char **e)
{
	for (;;) {
		if (*b < *e && (**b == ' ' || **b == '\t'))
			(*b)++;
		else if (*e - *b >= 2 && (unsigned char)(*b)[0] == 0xc2 &&
			 (unsigned char)(*b)[1] == 0xa0)
			*b += 2;
		else
			break;
	}
	for (;;) {
		if (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
			(*e)--;
		else if (*e - *b >= 2 && (unsigned char)(*e)[-2] == 0xc2 &&
			 (unsigned char)(*e)[-1] == 0xa0)
			*e -= 2;
		else
			break;
	}
}

/* add_digit - v = v * 10 + d, counting significant digits. */
static bool add_digit(int64_t *v, int *sig, char c)
{
	if (*v == 0 && c == '0')
		return true;
	if (++*sig > CSV_MAX_DIGITS)
		return false;
	*v = *v * 10 + (c - '0');
	return true;
}

/*
 * The integer part is checked as groups: the first of 1 to 3 digits when
 * separators are used, every later one exactly 3, so "1 23" or "12.34.5"
 * are refused rather than guessed at.
 */
bool csv_decimal(const char *s, char dec, int scale, int64_t *out)
{
	const char *b = s, *e = s + strlen(s), *mark = NULL;
	char other;
	bool neg = false, grouped = false;
	int64_t v = 0;
	int sig = 0, group = 0, ndigits = 0, frac = 0;

	if (scale < 0 || scale > 6)
		return false;
	trim_spaces(&b, &e);
	if (b < e && (*b == '-' || *b == '+')) {
		neg = *b == '-';
		b++;
	}
	if (dec == 0)
		for (const char *p = b; p < e; p++)
			if (*p == ',' || *p == '.')
				mark = p;
	if (dec == 0)
		dec = mark ? *mark : ',';
	other = dec == ',' ? '.' : ',';
	if (!mark)
		mark = memchr(b, dec, (size_t)(e - b));
	if (mark && memchr(mark + 1, dec, (size_t)(e - mark - 1)))
		return false; /* two decimal marks */
	for (const char *p = b; p < (mark ? mark : e);) {
		size_t g = group_sep(p, other);

		if (*p >= '0' && *p <= '9') {
			if (!add_digit(&v, &sig, *p))
				return false;
			group++;
			ndigits++;
			p++;
		} else if (g && ndigits) {
			if ((grouped ? group != 3 : group > 3))
				return false;
			grouped = true;
			group = 0;
			p += g;
		} else {
			return false;
		}
	}
	if ((grouped && group != 3) || (!ndigits && !mark))
		return false;
	if (mark) {
		const char *p = mark + 1;

		if (p == e && !ndigits)
			return false;
		for (; p < e; p++) {
			if (*p < '0' || *p > '9')
				return false;
			if (frac < scale) {
				if (!add_digit(&v, &sig, *p))
					return false;
				frac++;
			} else if (*p != '0') {
				return false; /* more decimals than the unit has */
			}
		}
	}
	for (; frac < scale; frac++) {
		if (v && ++sig > CSV_MAX_DIGITS)
			return false;
		v *= 10;
	}
	*out = neg ? -v : v;
	return true;
}

/* num - n to max digits (at least min) at *s into *out. */
static bool num(const char **s, int min, int max, int *out)
{
	int v = 0, k = 0;

	while (k < max && (*s)[k] >= '0' && (*s)[k] <= '9')
		v = v * 10 + ((*s)[k++] - '0');
	if (k < min)
		return false;
	*s += k;
	*out = v;
	return true;
}

static bool read_offset(const char **s, struct csv_tm *tm)
{
	int h, m;
	int sign;

	if (**s == 'Z') {
		(*s)++;
		tm->has_offset = true;
		tm->offset_s = 0;
		return true;
	}
	if (**s != '+' && **s != '-')
		return false;
	sign = **s == '-' ? -1 : 1;
	(*s)++;
	if (!num(s, 2, 2, &h))
		return false;
	if (**s == ':')
		(*s)++;
	if (!num(s, 2, 2, &m) || h > 18 || m > 59)
		return false;
	tm->has_offset = true;
	tm->offset_s = sign * (h * 3600 + m * 60);
	return true;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

bool csv_time_parse(const char *s, const char *fmt, struct csv_tm *out)
{
	struct csv_tm tm = {.year = -1, .month = -1, .day = -1};
	const char *f = fmt;

	while (*s == ' ')
		s++;
	for (; *f; f++) {
		bool ok = true;

		if (*f != '%') {
			if (*s++ != *f)
				return false;
			continue;
		}
		switch (*++f) {
		case 'd': ok = num(&s, 1, 2, &tm.day); break;
		case 'm': ok = num(&s, 1, 2, &tm.month); break;
		case 'Y': ok = num(&s, 4, 4, &tm.year); break;
		case 'H': ok = num(&s, 2, 2, &tm.hour) && tm.hour < 24; break;
		case 'M': ok = num(&s, 2, 2, &tm.minute) && tm.minute < 60; break;
		case 'S': ok = num(&s, 2, 2, &tm.second) && tm.second < 60; break;
		case 'z': ok = read_offset(&s, &tm); break;
		case '%': ok = *s++ == '%'; break;
		default: return false;
		}
		if (!ok)
			return false;
	}
	while (*s == ' ')
		s++;
	if (*s || tm.year < 1 || tm.month < 1 || tm.month > 12 || tm.day < 1 ||
	    tm.day > month_days(tm.year, tm.month))
		return false;
	*out = tm;
	return true;
}

bool csv_time_format_ok(const char *fmt)
{
	bool d = false, m = false, y = false;

	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		if (!*f || !strchr("dmYHMSz%", *f))
			return false;
		d |= *f == 'd';
		m |= *f == 'm';
		y |= *f == 'Y';
	}
	return d && m && y;
}

void csv_tm_date(const struct csv_tm *tm, char out[11])
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm->year, tm->month, tm->day);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

int64_t csv_tm_instant(const struct csv_tm *tm, const struct tz *z)
{
	int64_t day = time_days_from_civil(tm->year, tm->month, tm->day);
	int64_t ms = ((int64_t)tm->hour * 3600 + tm->minute * 60 + tm->second) * 1000;

	if (tm->has_offset)
		return day * 86400000 + ms - (int64_t)tm->offset_s * 1000;
	return tz_from_local(z, day, ms);
}
