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

/* time_is_date - true when s is a valid full-date ("YYYY-MM-DD"). */
bool time_is_date(const char *s);

#endif
