/*
 * opendata_int.h - what the parsers of src/opendata/ share; not for use
 * outside this folder: the fault message, a strict number reader, and a
 * CSV record reader (RFC 4180, a UTF-8 BOM tolerated) that says where a
 * fault is as FILE:LINE:COLUMN.
 */
#ifndef COMMUNE_OPENDATA_OPENDATA_INT_H
#define COMMUNE_OPENDATA_OPENDATA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "import/csvsplit.h"
#include "opendata/opendata.h"

#define OPENDATA_RECORD_MAX (64 * 1024)  /* bytes of one CSV record */

/* od_fault - err gets "WHERE: why" ("/" for an empty pointer);
 * CMN_ERR_INVALID. */
enum cmn_rc od_fault(char *err, size_t errn, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* od_ptr - a JSON pointer (or any short text) written into out (n bytes),
 * cut when too long */
void od_ptr(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* od_json - parses n bytes of JSON (duplicated keys refused, depth
 * checked) into *root; on failure err names the line and column. */
enum cmn_rc od_json(const char *json, size_t n, json_t **root, char *err, size_t errn);

/* od_number - all of s is a decimal number ("-3.5", "1e3", no spaces,
 * no hex, finite) */
bool od_number(const char *s, double *out);

/* od_round - v rounded to `decimals` decimal places */
double od_round(double v, int decimals);

/* the state of a CSV file being read */
struct od_csv {
	const char *file;                /* its name, for messages */
	const char *p, *end;             /* what is left to read */
	size_t line;                     /* the line where the last record began */
	size_t next_line;                /* the line where the next begins */
	char sep;                        /* ',' or ';' */
	char *rec;                       /* the last record, split in place (malloc'd) */
	struct csv_fields f;             /* its fields */
	char *err;
	size_t errn;
};

/* od_csv_open - starts reading data (a UTF-8 BOM skipped) split at sep. */
void od_csv_open(struct od_csv *c, const char *file, const char *data, size_t len, char sep,
		 char *err, size_t errn);

/* od_csv_next - the next record into c->f: 1, or 0 at the end (blank lines
 * are skipped), or -1 with c->err set ("FILE:LINE:COLUMN: why"). */
int od_csv_next(struct od_csv *c);

/* od_csv_fault - err gets "FILE:LINE:COLUMN: why" for field i of the last
 * record (its first column when i is out of range); CMN_ERR_INVALID. */
enum cmn_rc od_csv_fault(struct od_csv *c, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* od_csv_close - frees what the reader holds. */
void od_csv_close(struct od_csv *c);

#endif
