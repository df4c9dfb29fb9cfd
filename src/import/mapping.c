/*
 * mapping.c - any CSV file, described by a mapping so that a city can add
 * a holder without writing C (docs/import/mapping.md). The mapping is JSON,
 * on the data file's first line:
 *
 *   #commune-mapping {"separator":";","decimal":",","date_format":"%d/%m/%Y",
 *                     "doctype":"bank.transaction","columns":{"date":"Date",
 *                     "amount":"Montant","label":3},"constants":{"currency":"EUR"}}
 *
 * (so an upload is one file), or in the file named by the environment
 * variable COMMUNE_IMPORT_MAPPING when the first line is not a mapping.
 * Records: each row becomes one record of the doctype; each column is
 * typed by the doctype's schema (numbers read exactly with the decimal
 * mark, dates with date_format); the dedupe key is the record's content
 * plus its occurrence number in the file. Series: {"series":{doctype,
 * source, key, unit, step_s, meta}, "time":COL, "value":COL, "scale":N}
 * gives points value * scale in the series' unit (which must be whole).
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/csvsplit.h"

#define MAPPING_PREFIX "#commune-mapping "
#define MAPPING_FILE_MAX (64 * 1024)     /* bytes of a mapping file */
#define MAPPING_MAX_ROWS (1 << 22)       /* records in one file */
#define MAPPING_ITEM_MAX (1 << 20)       /* bytes of one item of a JSON input */
#define MAPPING_CELL_MAX 4096            /* bytes of one value taken from an item */

struct map_col {
	const char *field;                   /* the doctype's property */
	const char *name;                    /* column name, or NULL */
	int index;                           /* resolved column, -1 until the header */
	const char *type;                    /* the schema's "type" */
	const char *format;                  /* the schema's "format", or "" */
};

struct mapping {
	json_t *root;
	const char *date_format;
	const struct tz *zone;
	const char *doctype;
	json_t *constants;                   /* borrowed from root, or NULL */
	struct map_col cols[CSV_MAX_FIELDS];
	size_t ncols;
	struct import_series s;
	struct map_col time, value;
	int64_t scale;
	/* a JSON input: the array of items (an outer member, or "" for an
	 * outer array) and the JSON pointers the columns name, in an item */
	const char *items;
	const char *ptrs[CSV_MAX_FIELDS];
	size_t nptrs;
	int skip;                            /* lines before the header (or the data) */
	char sep, dec;
	bool header;
	bool dated;                          /* date_format has no %H: dates only */
	bool series;
	bool json;
	bool items_found;
	char meta[1024];
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	size_t skip = n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	(void)filename;
	if (n - skip >= strlen(MAPPING_PREFIX) &&
	    memcmp(head + skip, MAPPING_PREFIX, strlen(MAPPING_PREFIX)) == 0) {
		snprintf(why, whylen, "a #commune-mapping first line");
		return 99;
	}
	snprintf(why, whylen, "no #commune-mapping first line");
	return 0;
}


/* column - a column given as a name (string) or a 0-based index (integer). */
static bool column(const json_t *v, struct map_col *c)
{
	c->name = NULL;
	c->index = -1;
	if (json_is_string(v)) {
		c->name = json_string_value(v);
		return c->name[0] != '\0';
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < CSV_MAX_FIELDS) {
		c->index = (int)json_integer_value(v);
		return true;
	}
	return false;
}

/* one_char - a one-byte string member of o, or def when absent. */
static bool one_char(const json_t *o, const char *name, const char *allowed, char def, char *out)
{
	const json_t *v = json_object_get(o, name);

	*out = def;
	if (!v)
		return true;
	if (!json_is_string(v) || json_string_length(v) != 1 ||
	    !strchr(allowed, json_string_value(v)[0]))
		return false;
	*out = json_string_value(v)[0];
	return true;
}

static enum cmn_rc bad(struct import_job *j, const char *pointer, const char *what)
{
	return import_fail_at(j, pointer, "mapping: %s", what);
}

static enum cmn_rc setup_records(struct import_job *j, struct mapping *m)
{
	const struct doctype *d = registry_find(j->reg, m->doctype);
	const json_t *props, *cols = json_object_get(m->root, "columns");
	const char *field;
	json_t *v;

	if (!d || strcmp(d->kind, "document") != 0)
		return bad(j, "/doctype", "doctype: expected a document doctype of the registry");
	props = json_object_get(d->schema, "properties");
	if (!json_is_object(cols) || json_object_size(cols) == 0 ||
	    json_object_size(cols) > CSV_MAX_FIELDS)
		return bad(j, "/columns", "columns: expected an object {field: column name or "
			   "index}");
	m->constants = json_object_get(m->root, "constants");
	if (m->constants && !json_is_object(m->constants))
		return bad(j, "/constants", "constants: expected an object {field: value}");
	json_object_foreach((json_t *)cols, field, v) {
		struct map_col *c = &m->cols[m->ncols++];
		const json_t *p = json_object_get(props, field);

		if (!p)
			return import_fail_at(j, "/columns", "mapping: %s has no field %.60s",
					      m->doctype, field);
		c->field = field;
		c->type = json_string_value(json_object_get(p, "type"));
		c->format = json_string_value(json_object_get(p, "format"));
		if (!c->type)
			c->type = "string";
		if (!c->format)
			c->format = "";
		if (!column(v, c))
			return import_fail_at(j, "/columns", "mapping: the column of %.60s: expected "
					      "a name or an index from 0", field);
		if (c->name && !m->header && !m->json)
			return bad(j, "/columns", "columns by name need a header line");
	}
	return CMN_OK;
}

static enum cmn_rc setup_series(struct import_job *j, struct mapping *m, const json_t *s)
{
	const json_t *meta = json_object_get(s, "meta");
	const json_t *step = json_object_get(s, "step_s"), *scale = json_object_get(m->root,
										       "scale");
	char *text;

	m->s.doctype = json_string_value(json_object_get(s, "doctype"));
	m->s.source = json_string_value(json_object_get(s, "source"));
	m->s.key = json_string_value(json_object_get(s, "key"));
	m->s.unit = json_string_value(json_object_get(s, "unit"));
	if (!m->s.doctype || !m->s.source || !m->s.key || !m->s.unit || !json_is_integer(step) ||
	    json_integer_value(step) < 0 || json_integer_value(step) > 366 * 86400)
		return bad(j, "/series", "series: expected {doctype, source, key, unit, step_s} "
			   "(strings and a step in seconds, 0 for irregular)");
	m->s.step = json_integer_value(step) * 1000;
	m->s.tz = json_string_value(json_object_get(m->root, "tz"));
	if (meta) {
		text = json_text_dumps(meta, JSON_COMPACT);
		if (!text || str_copy(m->meta, sizeof(m->meta), text) != CMN_OK) {
			free(text);
			return bad(j, "/series/meta", "meta: at most 1 KiB of JSON");
		}
		free(text);
		m->s.meta = m->meta;
	}
	m->scale = 1;
	if (scale && (!json_is_integer(scale) || json_integer_value(scale) < 1 ||
		      json_integer_value(scale) > 1000000))
		return bad(j, "/scale", "scale: expected an integer from 1 to 1000000");
	if (scale)
		m->scale = json_integer_value(scale);
	if (!column(json_object_get(m->root, "time"), &m->time))
		return bad(j, "/time", "time: expected a column name or index");
	if (!column(json_object_get(m->root, "value"), &m->value))
		return bad(j, "/value", "value: expected a column name or index");
	if ((m->time.name || m->value.name) && !m->header && !m->json)
		return bad(j, "/header", "columns by name need a header line");
	return CMN_OK;
}

/* json_column - a column of a JSON input: a JSON pointer in an item
 * ("/amount", "/place/name"), given the next cell of the row. */
static enum cmn_rc json_column(struct import_job *j, struct mapping *m, struct map_col *c,
			       const char *where)
{
	if (!c->name || c->name[0] != '/')
		return bad(j, where, "the columns of a json input are JSON pointers in an item, "
			   "such as \"/amount\"");
	c->index = (int)m->nptrs;
	m->ptrs[m->nptrs++] = c->name;
	return CMN_OK;
}

/*
 * parse_mapping - checks the whole mapping before any row is read, so that
 * a mistake in it is reported with its JSON pointer rather than as an
 * error on the first data line.
 */
static enum cmn_rc parse_mapping(struct import_job *j, struct mapping *m, const char *text)
{
	struct json_parse_error e;
	const json_t *v, *s;
	const char *enc, *zone;
	enum cmn_rc rc;

	m->root = json_parse(text, strlen(text), JSON_PARSE_REJECT_DUPLICATES, &e);
	if (!m->root && e.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!json_is_object(m->root))
		return import_fail(j, 1, (size_t)e.column + strlen(MAPPING_PREFIX),
				   "mapping: expected a JSON object: %s", e.text);
	if (!one_char(m->root, "separator", ";,\t|", ';', &m->sep))
		return bad(j, "/separator", "separator: expected \";\", \",\", \"|\" or a tab");
	if (!one_char(m->root, "decimal", ",.", 0, &m->dec) || m->dec == m->sep)
		return bad(j, "/decimal", "decimal: expected \",\" or \".\" (not the separator)");
	v = json_object_get(m->root, "json");
	if (v) {
		const json_t *items = json_object_get(v, "items");

		if (!json_is_object(v) || (items && !json_is_string(items)))
			return bad(j, "/json", "json: expected {\"items\": the member holding the "
				   "array of items, or \"\" for an array}");
		m->json = true;
		m->items = items ? json_string_value(items) : "";
		if (json_object_get(m->root, "header") || json_object_get(m->root, "skip") ||
		    json_object_get(m->root, "separator") || json_object_get(m->root, "encoding"))
			return bad(j, "/json", "header, skip, separator and encoding are for CSV "
				   "files, not json");
	}
	v = json_object_get(m->root, "header");
	m->header = !m->json && (!v || json_is_true(v));
	if (v && !json_is_boolean(v))
		return bad(j, "/header", "header: expected true or false");
	v = json_object_get(m->root, "skip");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100))
		return bad(j, "/skip", "skip: expected 0 to 100 lines");
	m->skip = v ? (int)json_integer_value(v) : 0;
	enc = json_string_value(json_object_get(m->root, "encoding"));
	if (json_object_get(m->root, "encoding") &&
	    (!enc || (strcmp(enc, "utf-8") != 0 && strcmp(enc, "latin-1") != 0)))
		return bad(j, "/encoding", "encoding: expected \"utf-8\" or \"latin-1\"");
	m->date_format = json_string_value(json_object_get(m->root, "date_format"));
	if (!m->date_format)
		m->date_format = "%Y-%m-%d";
	if (!csv_time_format_ok(m->date_format))
		return bad(j, "/date_format", "date_format: expected %d, %m and %Y, and only "
			   "%H %M %S %z %% besides");
	m->dated = !strstr(m->date_format, "%H");
	zone = json_string_value(json_object_get(m->root, "tz"));
	m->zone = series_zone(zone ? zone : "Europe/Paris");
	if (!m->zone)
		return bad(j, "/tz", "tz: unknown time zone");
	s = json_object_get(m->root, "series");
	m->doctype = json_string_value(json_object_get(m->root, "doctype"));
	if (s && m->doctype)
		return bad(j, "/series", "either doctype (records) or series, not both");
	if (json_is_object(s)) {
		m->series = true;
		rc = setup_series(j, m, s);
	} else if (!m->doctype) {
		return bad(j, "/doctype", "expected doctype (with columns) or series (with time and "
			   "value)");
	} else {
		rc = setup_records(j, m);
	}
	if (rc != CMN_OK || !m->json)
		return rc;
	if (m->series)
		return json_column(j, m, &m->time, "/time") == CMN_OK
			   ? json_column(j, m, &m->value, "/value")
			   : CMN_ERR_INVALID;
	for (size_t i = 0; i < m->ncols && rc == CMN_OK; i++)
		rc = json_column(j, m, &m->cols[i], "/columns");
	return rc;
}

/* load_env_mapping - the mapping in the file COMMUNE_IMPORT_MAPPING names. */
static enum cmn_rc load_env_mapping(struct import_job *j, struct mapping *m, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = malloc(MAPPING_FILE_MAX + 1);
	size_t n;
	enum cmn_rc rc;

	if (!f || !text) {
		if (f)
			fclose(f);
		free(text);
		return import_fail(j, 0, 0, "mapping: cannot read COMMUNE_IMPORT_MAPPING");
	}
	n = fread(text, 1, MAPPING_FILE_MAX + 1, f);
	fclose(f);
	text[n > MAPPING_FILE_MAX ? MAPPING_FILE_MAX : n] = '\0';
	rc = n > MAPPING_FILE_MAX ? import_fail(j, 0, 0, "mapping: larger than %d bytes",
						MAPPING_FILE_MAX)
				  : parse_mapping(j, m, text);
	free(text);
	return rc;
}

/* resolve - the index of column c in header h. */
static enum cmn_rc resolve(struct import_job *j, size_t line, const struct csv_fields *h,
			   struct map_col *c)
{
	if (!c->name)
		return CMN_OK;
	c->index = csv_field_index(h, c->name);
	if (c->index < 0)
		return import_fail(j, line, 1, "the header has no column \"%.60s\"", c->name);
	return CMN_OK;
}

static enum cmn_rc header(struct import_job *j, size_t line, struct mapping *m, char *text)
{
	struct csv_fields h;
	enum cmn_rc rc = CMN_OK;

	if (!csv_split(text, m->sep, &h))
		return import_fail(j, line, h.bad_col, "%s", h.why);
	if (m->series)
		return resolve(j, line, &h, &m->time) == CMN_OK ? resolve(j, line, &h, &m->value)
								 : CMN_ERR_INVALID;
	for (size_t i = 0; i < m->ncols && rc == CMN_OK; i++)
		rc = resolve(j, line, &h, &m->cols[i]);
	return rc;
}

/* cell - the text of c in row r, or NULL (with the error) when missing. */
static const char *cell(struct import_job *j, size_t line, const struct csv_fields *r,
			const struct map_col *c)
{
	if ((size_t)c->index >= r->n) {
		import_fail(j, line, 1, "no column %d (the line has %zu fields)", c->index + 1, r->n);
		return NULL;
	}
	return r->f[c->index];
}

/* typed - the JSON value of text for column c into *out (new reference):
 * CMN_ERR_INVALID when the text is not one (*out NULL), CMN_ERR_NOMEM when
 * it could not be made. The two differ: a value that is fine in the file
 * must not be reported as wrong because memory ran out. */
static enum cmn_rc typed(const struct mapping *m, const struct map_col *c, const char *text,
			 json_t **out)
{
	struct csv_tm tm;
	int64_t v;

	*out = NULL;
	if (strcmp(c->type, "number") == 0) {
		if (!csv_decimal(text, m->dec, 6, &v))
			return CMN_ERR_INVALID;
		*out = json_real((double)v / 1e6);
	} else if (strcmp(c->type, "integer") == 0) {
		if (!csv_decimal(text, m->dec, 0, &v))
			return CMN_ERR_INVALID;
		*out = json_integer(v);
	} else if (strcmp(c->type, "boolean") == 0) {
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "oui") == 0)
			*out = json_true();
		else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 ||
			 strcmp(text, "non") == 0)
			*out = json_false();
		else
			return CMN_ERR_INVALID;
	} else if (strcmp(c->format, "date") == 0 || strcmp(c->format, "date-time") == 0) {
		char when[TIME_RFC3339_LEN];

		if (!csv_time_parse(text, m->date_format, &tm))
			return CMN_ERR_INVALID;
		if (c->format[4] == '\0')
			csv_tm_date(&tm, when);
		else
			time_format(when, csv_tm_instant(&tm, m->zone));
		*out = json_string(when);
	} else {
		/* text is UTF-8 (a checked line, or a JSON string): only memory fails */
		*out = json_string(text);
	}
	return *out ? CMN_OK : CMN_ERR_NOMEM;
}

static enum cmn_rc record_row(struct import_job *j, size_t line, struct mapping *m,
			      const struct csv_fields *r)
{
	json_t *rec = m->constants ? json_deep_copy(m->constants) : json_object();
	enum cmn_rc rc;

	if (!rec)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < m->ncols; i++) {
		const struct map_col *c = &m->cols[i];
		const char *s = cell(j, line, r, c);
		json_t *v;

		if (!s) {
			json_decref(rec);
			return CMN_ERR_INVALID;
		}
		if (s[0] == '\0')
			continue; /* an empty cell: the field is absent */
		rc = typed(m, c, s, &v);
		if (rc == CMN_ERR_INVALID) {
			json_decref(rec);
			return import_fail(j, line, r->col[c->index], "%s: expected a %s, not "
					   "\"%.40s\"", c->field, c->format[0] ? c->format : c->type, s);
		}
		/* v NULL (out of memory) or a failed set releases rec: a row
		 * stored without one of its cells would be a false record */
		json_put(&rec, c->field, v);
		if (!rec)
			return CMN_ERR_NOMEM;
	}
	/* the key: the content and its occurrence in the file */
	rc = import_record_nth(j, m->doctype, rec);
	if (rc == CMN_OK && j->occurrences.n > MAPPING_MAX_ROWS)
		rc = import_fail(j, line, 1, "more than %d records in one file", MAPPING_MAX_ROWS);
	if (rc == CMN_ERR_INVALID && j->err.line == 0)
		j->err.line = line;
	return rc;
}

static enum cmn_rc series_row(struct import_job *j, size_t line, struct mapping *m,
			      const struct csv_fields *r)
{
	const char *t = cell(j, line, r, &m->time), *v;
	struct series_point p;
	struct csv_tm tm;
	int64_t u;

	if (!t || !(v = cell(j, line, r, &m->value)))
		return CMN_ERR_INVALID;
	if (!csv_time_parse(t, m->date_format, &tm))
		return import_fail(j, line, r->col[m->time.index], "expected a time as %s, not "
				   "\"%.40s\"", m->date_format, t);
	if (v[0] == '\0')
		return CMN_OK; /* an empty value: a gap */
	/* the value in millionths, times the scale, must come out whole */
	if (!csv_decimal(v, m->dec, 6, &u) || u > INT64_MAX / m->scale ||
	    u < INT64_MIN / m->scale || (u * m->scale) % 1000000 != 0)
		return import_fail(j, line, r->col[m->value.index], "expected a number that gives "
				   "whole %s once multiplied by %lld, not \"%.40s\"", m->s.unit,
				   (long long)m->scale, v);
	/* a date alone is 00:00 UTC of that date: one grid for daily series */
	p.t = m->dated ? time_days_from_civil(tm.year, tm.month, tm.day) * 86400000
		       : csv_tm_instant(&tm, m->zone);
	p.v = u * m->scale / 1000000;
	return import_points(j, &m->s, &p, 1);
}

/* ---- a JSON input ----------------------------------------------------------- */

struct json_rows {
	struct import_job *j;
	struct mapping *m;
	char cells[CSV_MAX_FIELDS][MAPPING_CELL_MAX + 1];
};

/* at_pointer - the value at an RFC 6901 pointer in v, or NULL. */
static const json_t *at_pointer(const json_t *v, const char *ptr)
{
	char tok[256];

	while (v && *ptr == '/') {
		size_t n = 0;

		for (ptr++; *ptr && *ptr != '/'; ptr++) {
			char c = *ptr;

			if (c == '~') {
				if (ptr[1] != '0' && ptr[1] != '1')
					return NULL;
				c = *++ptr == '0' ? '~' : '/';
			}
			if (n + 1 >= sizeof(tok))
				return NULL;
			tok[n++] = c;
		}
		tok[n] = '\0';
		if (json_is_object(v)) {
			v = json_object_get(v, tok);
		} else if (json_is_array(v)) {
			int64_t i;

			if (str_to_i64(tok, 0, INT32_MAX, &i) != CMN_OK)
				return NULL;
			v = json_array_get(v, (size_t)i);
		} else {
			return NULL;
		}
	}
	return v;
}

/* cell_text - the text of a scalar as the CSV reader would have it: a
 * number with the mapping's decimal mark, "" for null or absent; false for
 * an object or an array. */
static bool cell_text(const struct mapping *m, const json_t *v, char *out, size_t n)
{
	out[0] = '\0';
	if (!v || json_is_null(v))
		return true;
	if (json_is_string(v))
		return str_copy(out, n, json_string_value(v)) == CMN_OK;
	if (json_is_integer(v)) {
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
		return true;
	}
	if (json_is_real(v)) {
		char *dot;

		snprintf(out, n, "%.15g", json_real_value(v));
		if (m->dec == ',' && (dot = strchr(out, '.')))
			*dot = ',';
		return true;
	}
	if (json_is_boolean(v)) {
		str_copy(out, n, json_is_true(v) ? "true" : "false");
		return true;
	}
	return false;
}

static enum cmn_rc json_item(void *ctx, const struct jstream_piece *p)
{
	struct json_rows *x = ctx;
	struct mapping *m = x->m;
	struct csv_fields r = {.n = m->nptrs};
	enum cmn_rc rc;

	for (size_t k = 0; k < m->nptrs; k++) {
		if (!cell_text(m, at_pointer(p->value, m->ptrs[k]), x->cells[k],
			       sizeof(x->cells[k]))) {
			char ptr[128];

			snprintf(ptr, sizeof(ptr), "%s%s/%zu%.60s", m->items[0] ? "/" : "", m->items,
				 p->index, m->ptrs[k]);
			import_fail(x->j, p->line, p->column, "expected text, a number, true or "
				    "false (at most %d bytes) at %s", MAPPING_CELL_MAX, m->ptrs[k]);
			str_copy(x->j->err.pointer, sizeof(x->j->err.pointer), ptr);
			str_utf8_repair(x->j->err.pointer);
			return CMN_ERR_INVALID;
		}
		r.f[k] = x->cells[k];
		r.col[k] = p->column;
	}
	rc = m->series ? series_row(x->j, p->line, m, &r) : record_row(x->j, p->line, m, &r);
	return rc;
}

static enum jstream_want json_want(void *ctx, const char *key)
{
	struct json_rows *x = ctx;

	if (strcmp(key, x->m->items) != 0 || x->m->items_found)
		return JSTREAM_SKIP;
	x->m->items_found = true;
	return JSTREAM_ELEMENTS;
}

/* json_input - the items of a JSON document that begins on line first. */
static enum cmn_rc json_input(struct import_job *j, struct mapping *m, FILE *f, size_t first)
{
	struct jstream_ops ops = {
	    .want = m->items[0] ? json_want : NULL,
	    .piece = json_item,
	    .piece_max = MAPPING_ITEM_MAX,
	    .depth_max = 64,
	    .outer_array = !m->items[0],
	    .shape = m->items[0] ? "a JSON object" : "a JSON array",
	};
	struct json_rows *x = malloc(sizeof(*x));
	enum cmn_rc rc;

	if (!x)
		return CMN_ERR_NOMEM;
	x->j = j;
	x->m = m;
	rc = jstream_run_from(j, f, first, &ops, x);
	free(x);
	if (rc == CMN_OK && m->items[0] && !m->items_found) {
		char ptr[80];

		snprintf(ptr, sizeof(ptr), "/%.60s", m->items);
		rc = import_fail_at(j, ptr, "no \"%.60s\" array (the mapping's json.items)",
				    m->items);
	}
	return rc;
}

/*
 * run - the mapping comes first (the first line, or the environment), then
 * `skip` lines, the header when there is one, and the rows. The first line
 * is already in the reader's buffer when the mapping comes from the
 * environment, so it is handled before the next one is read.
 */
static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct mapping m = {0};
	const char *env = getenv("COMMUNE_IMPORT_MAPPING");
	const char *enc;
	enum cmn_rc rc = CMN_OK;
	bool pending = false, have_header = false;
	int got = import_read_line(j, in), skip;

	if (got < 0)
		return CMN_ERR_INVALID;
	if (got == 0)
		return import_fail(j, 1, 1, "the file is empty");
	if (strncmp(in->buf, MAPPING_PREFIX, strlen(MAPPING_PREFIX)) == 0)
		rc = parse_mapping(j, &m, in->buf + strlen(MAPPING_PREFIX));
	else if (env && env[0])
		rc = (pending = true, load_env_mapping(j, &m, env));
	else
		rc = import_fail(j, 1, 1, "expected a first line #commune-mapping {...} (or "
				 "COMMUNE_IMPORT_MAPPING naming a mapping file)");
	if (rc == CMN_OK && m.json) {
		/* the document follows the mapping's line, or is the whole file */
		if (pending)
			rewind(in->f);
		rc = json_input(j, &m, in->f, pending ? 1 : 2);
		json_decref(m.root);
		return rc;
	}
	enc = json_string_value(json_object_get(m.root, "encoding"));
	if (rc == CMN_OK && enc && strcmp(enc, "latin-1") == 0 && !in->latin1) {
		if (pending && in->bom)
			rc = import_fail(j, 1, 1, "encoding latin-1, but the file has a UTF-8 BOM");
		in->latin1 = true; /* lines after this one */
	}
	skip = m.skip;
	while (rc == CMN_OK && (pending || (got = import_read_line(j, in)) == 1)) {
		struct csv_fields r;

		pending = false;
		if (skip > 0) {
			skip--;
		} else if (m.header && !have_header) {
			have_header = true;
			rc = header(j, in->line, &m, in->buf);
		} else if (in->len == 0) {
			continue;
		} else if (!csv_split(in->buf, m.sep, &r)) {
			rc = import_fail(j, in->line, r.bad_col, "%s", r.why);
		} else {
			rc = m.series ? series_row(j, in->line, &m, &r)
				      : record_row(j, in->line, &m, &r);
		}
	}
	if (rc == CMN_OK && got < 0)
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK && m.header && !have_header)
		rc = import_fail(j, in->line, 1, "no header line");
	json_decref(m.root);
	return rc;
}

const struct import_format import_mapping = {
	"mapping",
	"Any CSV described by a #commune-mapping first line (records or a series)",
	detect,
	run,
};
