/*
 * util.c - what the open-data parsers share (opendata_int.h): faults, JSON
 * with its position on error, strict numbers and a CSV record reader.
 */
#include "opendata/opendata_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/limits.h"
#include "core/str.h"
#include "record/schema.h"

enum cmn_rc od_fault(char *err, size_t errn, const char *where, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!errn)
		return CMN_ERR_INVALID;
	used = (size_t)snprintf(err, errn, "%s: ", where && where[0] ? where : "/");
	if (used < errn) {
		va_start(ap, fmt);
		vsnprintf(err + used, errn - used, fmt, ap);
		va_end(ap);
	}
	return CMN_ERR_INVALID;
}

void od_ptr(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

enum cmn_rc od_json(const char *json, size_t n, json_t **root, char *err, size_t errn)
{
	struct json_parse_error je;

	*root = NULL;
	if (n > OPENDATA_FILE_MAX)
		return od_fault(err, errn, "/", "over %d bytes", OPENDATA_FILE_MAX);
	if (!(*root = json_parse(json, n, JSON_PARSE_REJECT_DUPLICATES, &je))) {
		if (je.rc == CMN_ERR_NOMEM)
			return CMN_ERR_NOMEM;
		snprintf(err, errn, "/: not JSON (line %d, column %d: %s)", je.line, je.column,
			 je.text);
		return CMN_ERR_INVALID;
	}
	if (json_depth(*root) > CMN_JSON_MAX_DEPTH) {
		json_decref(*root);
		*root = NULL;
		return od_fault(err, errn, "/", "nested deeper than %d", CMN_JSON_MAX_DEPTH);
	}
	return CMN_OK;
}

bool od_number(const char *s, double *out)
{
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (!(*p >= '0' && *p <= '9') && !(*p == '.' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
		      *p == '-' || *p == '+'))
			return false;
	return str_to_double(s, out) == CMN_OK && isfinite(*out);
}

double od_round(double v, int decimals)
{
	double m = 1;

	for (int i = 0; i < decimals; i++)
		m *= 10;
	return round(v * m) / m;
}

/* ---- CSV --------------------------------------------------------------------------- */

void od_csv_open(struct od_csv *c, const char *file, const char *data, size_t len, char sep,
		 char *err, size_t errn)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
	c->p = data;
	c->end = data + len;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
	c->next_line = 1;
	c->sep = sep;
	c->err = err;
	c->errn = errn;
}

static int csv_fail(struct od_csv *c, size_t line, size_t col, const char *why)
{
	snprintf(c->err, c->errn, "%s:%zu:%zu: %s", c->file, line, col, why);
	return -1;
}

int od_csv_next(struct od_csv *c)
{
	for (;;) {
		const char *start = c->p, *q = c->p;
		size_t n, lines = 1;
		bool quoted = false;

		if (c->p >= c->end)
			return 0;
		/* the record ends at a line feed outside quotes */
		while (q < c->end && (quoted || *q != '\n')) {
			if (*q == '"')
				quoted = !quoted;
			else if (*q == '\n')
				lines++;
			else if (*q == '\0')
				return csv_fail(c, c->next_line + lines - 1, 1, "a NUL byte");
			q++;
		}
		if (quoted)
			return csv_fail(c, c->next_line, 1, "a quoted field is not closed");
		c->line = c->next_line;
		c->next_line += lines;
		c->p = q < c->end ? q + 1 : q;
		n = (size_t)(q - start);
		if (n && start[n - 1] == '\r')
			n--;
		if (n > OPENDATA_RECORD_MAX)
			return csv_fail(c, c->line, 1, "a record over 65536 bytes");
		if (!str_utf8_valid(start, n))
			return csv_fail(c, c->line, 1, "not UTF-8");
		if (n == 0)
			continue; /* a blank line */
		free(c->rec);
		if (!(c->rec = malloc(n + 1)))
			return csv_fail(c, c->line, 1, "out of memory");
		memcpy(c->rec, start, n);
		c->rec[n] = '\0';
		if (!csv_split(c->rec, c->sep, &c->f))
			return csv_fail(c, c->line, c->f.bad_col, c->f.why);
		return 1;
	}
}

enum cmn_rc od_csv_fault(struct od_csv *c, size_t i, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	used = (size_t)snprintf(c->err, c->errn, "%s:%zu:%zu: ", c->file, c->line,
				i < c->f.n ? c->f.col[i] : 1);
	if (used < c->errn) {
		va_start(ap, fmt);
		vsnprintf(c->err + used, c->errn - used, fmt, ap);
		va_end(ap);
	}
	return CMN_ERR_INVALID;
}

void od_csv_close(struct od_csv *c)
{
	free(c->rec);
	c->rec = NULL;
}
