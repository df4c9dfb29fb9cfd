/*
 * tz.h - time zones from the system's tz database (TZif files under
 * /usr/share/zoneinfo), for calendar-aware buckets: a day in Europe/Paris
 * is 23 hours on the last Sunday of March and 25 on the last of October.
 *
 * A struct tz is immutable once loaded and may be shared by threads.
 */
#ifndef COMMUNE_CORE_TZ_H
#define COMMUNE_CORE_TZ_H

#include <stdint.h>

#include "core/result.h"

#define TZ_NAME_MAX 64

struct tz;

/* tz_load - loads a zone by IANA name ("Europe/Paris", "UTC"). Names are
 * checked ([A-Za-z0-9_+-] parts separated by '/', no "..") before any file
 * is opened. CMN_ERR_NOT_FOUND for an unknown zone (or a link leading out
 * of the database), CMN_ERR_INVALID for a bad name or a malformed file,
 * CMN_ERR_UNSUPPORTED for leap-second ("right/") files, CMN_ERR_IO or
 * CMN_ERR_NOMEM. */
enum cmn_rc tz_load(const char *name, struct tz **out);

/* tz_utc - the UTC zone (never fails, never freed). */
const struct tz *tz_utc(void);

/* tz_free - frees a zone; *z is set to NULL. */
void tz_free(struct tz **z);

/* tz_name - the zone's name. */
const char *tz_name(const struct tz *z);

/* tz_offset - the offset from UTC in seconds at the instant t (ms since
 * the epoch): +3600 for Paris in winter, +7200 in summer. Instants beyond
 * the file's table follow its POSIX TZ rule (the footer of TZif v2+). */
int32_t tz_offset(const struct tz *z, int64_t t);

/* tz_next_change - the first instant after t (ms) at which the offset of z
 * may change, INT64_MAX if it never does again. The offset is the same at
 * every instant of [t, tz_next_change(z, t)). */
int64_t tz_next_change(const struct tz *z, int64_t t);

/* tz_day_start - the instant (ms) at which the local day containing t
 * begins (00:00 local, or the first instant of that day if 00:00 does not
 * exist that day). */
int64_t tz_day_start(const struct tz *z, int64_t t);

/* tz_from_local - the instant of a local wall-clock time given as days since
 * 1970-01-01 (local) and milliseconds into that day. For a wall time that
 * does not exist (spring forward) it gives the instant after the gap; for
 * one that exists twice (fall back) the earlier instant. */
int64_t tz_from_local(const struct tz *z, int64_t local_day, int64_t ms_of_day);

/* tz_local_day - the local date of instant t as days since 1970-01-01, and
 * the milliseconds since local midnight in *ms_of_day (may be NULL). */
int64_t tz_local_day(const struct tz *z, int64_t t, int64_t *ms_of_day);

#endif
