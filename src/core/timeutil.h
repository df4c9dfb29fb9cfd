/*
 * timeutil.h - wall-clock time and RFC 3339 timestamps.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC. Formatted times are
 * always "YYYY-MM-DDTHH:MM:SS.mmmZ", so they sort as strings.
 */
#ifndef COMMUNE_CORE_TIMEUTIL_H
#define COMMUNE_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/result.h"

#define TIME_RFC3339_LEN 25 /* bytes of a formatted time with its NUL */

/* time_now_ms - the current wall-clock time. */
int64_t time_now_ms(void);

/* time_mono_ms - a monotonic clock for durations. */
int64_t time_mono_ms(void);

/* time_format - writes t as RFC 3339 UTC with milliseconds into out. */
void time_format(char out[TIME_RFC3339_LEN], int64_t t);

/* time_parse - parses an RFC 3339 date-time ("2024-03-01T10:00:00+01:00",
 * fractional seconds optional) or, when date_ok, a full date ("2024-03-01",
 * taken as midnight UTC). */
enum cmn_rc time_parse(const char *s, bool date_ok, int64_t *out);

/* time_days_from_civil - days since 1970-01-01 of a proleptic Gregorian
 * date (month 1..12; day 1..31). */
int64_t time_days_from_civil(int64_t y, int m, int d);

/* time_civil_from_days - the date of a day number (inverse of the above). */
void time_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* time_floor_div - floor(a / b) for b > 0, whatever the sign of a. */
int64_t time_floor_div(int64_t a, int64_t b);

/* time_is_date - true when s is a valid full-date ("YYYY-MM-DD"). */
bool time_is_date(const char *s);

#endif
