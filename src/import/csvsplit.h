/*
 * csvsplit.h - the cells of the CSV files holders export: a line split
 * into fields at ';' or ',' with RFC 4180 quotes, and the values found in
 * them (decimal numbers read exactly, dates in a small strftime subset).
 * Knows nothing of jobs or stores. Shared by bank_csv.c, water_csv.c and
 * mapping.c.
 */
#ifndef COMMUNE_IMPORT_CSVSPLIT_H
#define COMMUNE_IMPORT_CSVSPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tz.h"

#define CSV_MAX_FIELDS 64                /* fields kept of one line */
#define CSV_MAX_DIGITS 15                /* significant digits of a number (exact in a double) */

struct csv_fields {
	char *f[CSV_MAX_FIELDS];             /* the fields, unquoted, in the split line */
	size_t col[CSV_MAX_FIELDS];          /* 1-based byte column where each begins */
	size_t n;                            /* fields found */
	size_t bad_col;                      /* on failure: where the line is wrong */
	const char *why;                     /* on failure: what is wrong */
};

/* csv_split - splits line at sep in place into out. A field may be quoted
 * with '"' (a quote inside doubled, no line breaks inside); spaces around a
 * quoted field are dropped. False (with out->bad_col and out->why) on an
 * unclosed quote, text after a closing quote or more than CSV_MAX_FIELDS
 * fields. */
bool csv_split(char *line, char sep, struct csv_fields *out);

/* csv_field_index - the index of the field named name (ASCII case and
 * surrounding spaces ignored), or -1. */
int csv_field_index(const struct csv_fields *h, const char *name);

/* csv_decimal - reads all of s as a decimal number into an integer of
 * 10^-scale units (scale 0..6): "-1 234,56" at scale 2 is -123456. dec is
 * the decimal mark, ',' or '.', or 0 for "the last ',' or '.'". Groups of
 * three digits may be separated by spaces, U+00A0, U+202F, '\'' or the
 * mark that is not the decimal one. Digits after the scale must be zeros.
 * Refuses more than CSV_MAX_DIGITS significant digits. */
bool csv_decimal(const char *s, char dec, int scale, int64_t *out);

/* A date and time read by csv_time_parse. */
struct csv_tm {
	int year, month, day;
	int hour, minute, second;
	bool has_offset;                     /* %z was read */
	int32_t offset_s;                    /* east of UTC */
};

/* csv_time_parse - reads all of s (surrounding spaces ignored) with fmt:
 * %d %m %Y %H %M %S %z ("Z", +HH:MM or +HHMM), %% and literal bytes.
 * Checks the calendar (no 31/02). */
bool csv_time_parse(const char *s, const char *fmt, struct csv_tm *out);

/* csv_time_format_ok - true when fmt uses only what csv_time_parse
 * knows and has %d, %m and %Y. */
bool csv_time_format_ok(const char *fmt);

/* csv_tm_date - tm's date as YYYY-MM-DD (11 bytes with the NUL). */
void csv_tm_date(const struct csv_tm *tm, char out[11]);

/* csv_tm_instant - ms since the epoch: with tm's own offset when it has
 * one, else as a wall time in z. */
int64_t csv_tm_instant(const struct csv_tm *tm, const struct tz *z);

#endif
