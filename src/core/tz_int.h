/*
 * tz_int.h - the inside of src/core/tz.c, for its unit test and its fuzz
 * target only. The rest of commune includes core/tz.h and should not
 * include this file.
 *
 * The caps below bound what a TZif file may make us allocate or walk: the
 * largest file of tzdata 2025b is under 4 KiB with 236 transitions.
 */
#ifndef COMMUNE_CORE_TZ_INT_H
#define COMMUNE_CORE_TZ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "core/tz.h"

#define TZ_ZONEINFO_DIR "/usr/share/zoneinfo"
#define TZ_MAX_FILE_BYTES (256 * 1024) /* a TZif file */
#define TZ_MAX_TIMES 10000             /* transitions in a TZif data block */
#define TZ_MAX_TYPES 256               /* local time types (RFC 8536 limit) */
#define TZ_MAX_CHARS 1024              /* bytes of time zone designations */
#define TZ_MAX_FOOTER 255              /* bytes of the footer's POSIX TZ string */
#define TZ_OFF_MAX 93599               /* |UTC offset| in seconds: 25:59:59 */

/* tz_name_valid - true when name is a well-formed zone name: 1 to
 * TZ_NAME_MAX bytes of [A-Za-z0-9_+-] parts separated by single '/', with no
 * leading or trailing '/' (so never "." or ".."). */
bool tz_name_valid(const char *name);

/* tz_load_from - tz_load with another database directory than
 * TZ_ZONEINFO_DIR. The name is checked first; the file may be reached
 * through symlinks but must resolve to a regular file under dir
 * (CMN_ERR_NOT_FOUND otherwise). On success *out is the caller's, to be
 * released with tz_free. */
enum cmn_rc tz_load_from(const char *dir, const char *name, struct tz **out);

/* tz_parse - builds a zone named name from the len bytes of a TZif file at
 * data (not kept). CMN_ERR_INVALID for a malformed, truncated or
 * over-cap file or a bad name, CMN_ERR_UNSUPPORTED for a file with leap
 * seconds ("right/" zones), CMN_ERR_NOMEM. On success *out is the caller's. */
enum cmn_rc tz_parse(const char *name, const unsigned char *data, size_t len, struct tz **out);

/* tz_from_posix - builds a zone named name with no transition table from a
 * POSIX TZ string as found in a TZif footer ("CET-1CEST,M3.5.0,M10.5.0/3",
 * with the RFC 8536 extensions: hours -167 to 167 in rule times).
 * CMN_ERR_INVALID for a malformed string or a bad name. */
enum cmn_rc tz_from_posix(const char *name, const char *posix, struct tz **out);


#endif
