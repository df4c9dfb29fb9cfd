/*
 * query.c - parsing and checking of record query strings (query.h).
 */
#include "record/query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"

static enum cmn_rc fail(struct record_query *rq, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cmn_rc fail(struct record_query *rq, const char *param, const char *fmt, ...)
{
	va_list ap;

	str_copy(rq->param, sizeof(rq->param), param);
	va_start(ap, fmt);
	vsnprintf(rq->error, sizeof(rq->error), fmt, ap);
	va_end(ap);
	return CMN_ERR_INVALID;
}

static const struct {
	const char *name;
	enum query_op op;
} ops[] = {
	{"eq", QOP_EQ}, {"ne", QOP_NE}, {"lt", QOP_LT}, {"lte", QOP_LTE},
	{"gt", QOP_GT}, {"gte", QOP_GTE}, {"in", QOP_IN},
};

/* typed_value - converts text to the JSON type of field. */
static enum cmn_rc typed_value(const struct doctype *dt, const char *field, const char *text,
			       struct query_value *v)
{
	const char *type = doctype_field_type(dt, field);

	v->text = text;
	if (type && strcmp(type, "integer") == 0) {
		v->type = QV_INT;
		return str_to_i64(text, INT64_MIN, INT64_MAX, &v->i);
	}
	if (type && strcmp(type, "number") == 0) {
		v->type = QV_REAL;
		return str_to_double(text, &v->r);
	}
	if (type && strcmp(type, "boolean") == 0) {
		v->type = QV_BOOL;
		if (strcmp(text, "true") == 0)
			v->i = 1;
		else if (strcmp(text, "false") == 0)
			v->i = 0;
		else
			return CMN_ERR_INVALID;
		return CMN_OK;
	}
	v->type = QV_TEXT;
	return CMN_OK;
}

static enum cmn_rc parse_filter(struct record_query *rq, const struct doctype *dt, char *key,
				char *val)
{
	char *field = key + strlen("filter."), *dot = strchr(field, '.');
	struct query_filter *f;
	enum query_op op = QOP_EQ;
	char full[80], *p;

	/* errors name the whole parameter, operator included */
	str_copy(full, sizeof(full), key);
	key = full;

	if (dot) {
		size_t i;

		*dot = '\0';
		for (i = 0; i < sizeof(ops) / sizeof(*ops); i++)
			if (strcmp(dot + 1, ops[i].name) == 0)
				break;
		if (i == sizeof(ops) / sizeof(*ops))
			return fail(rq, key, "unknown filter operator (use eq, ne, lt, lte, gt, gte or in)");
		op = ops[i].op;
	}
	if (!doctype_is_filterable(dt, field))
		return fail(rq, key, "field is not filterable: only the doctype's indexed fields and "
				     "its \"filters\" are");
	if (rq->q.nfilters >= CMN_MAX_FILTERS)
		return fail(rq, key, "too many filters (at most %d)", CMN_MAX_FILTERS);
	f = &rq->q.filters[rq->q.nfilters];
	f->field = field;
	f->on_t = doctype_time_is_date(dt, field);
	f->op = op;
	f->nv = 0;
	p = val;
	do {
		char *comma = op == QOP_IN ? strchr(p, ',') : NULL;

		if (comma)
			*comma = '\0';
		if (f->nv >= CMN_MAX_IN_VALUES)
			return fail(rq, key, "too many values (at most %d)", CMN_MAX_IN_VALUES);
		if (f->on_t) {
			/* compared as the record's t, which holds the date exactly */
			f->v[f->nv].type = QV_INT;
			f->v[f->nv].text = p;
			if (!time_is_date(p) || time_parse(p, true, &f->v[f->nv].i) != CMN_OK)
				return fail(rq, key, "must be a date (YYYY-MM-DD), as the field is");
		} else if (typed_value(dt, field, p, &f->v[f->nv]) != CMN_OK)
			return fail(rq, key, "value does not match the field's type (%s)",
				    doctype_field_type(dt, field));
		f->nv++;
		p = comma ? comma + 1 : NULL;
	} while (p);
	rq->q.nfilters++;
	return CMN_OK;
}

static enum cmn_rc parse_sort(struct record_query *rq, const struct doctype *dt, const char *v)
{
	const char *key = v;

	rq->q.desc = *key == '-';
	if (*key == '-')
		key++;
	if (strcmp(key, "id") == 0) {
		rq->q.sort = QSORT_ID;
	} else if (strcmp(key, "created") == 0) {
		rq->q.sort = QSORT_CREATED;
	} else if (strcmp(key, "updated") == 0) {
		rq->q.sort = QSORT_UPDATED;
	} else if (dt->time_field && strcmp(key, dt->time_field) == 0) {
		rq->q.sort = QSORT_TIME;
	} else if (doctype_is_filterable(dt, key) && doctype_is_required(dt, key)) {
		rq->q.sort = QSORT_FIELD;
		rq->q.sort_field = key;
	} else {
		return fail(rq, "sort", "cannot sort on \"%.60s\": use id, created, updated, the "
				       "time field or a required filterable field", key);
	}
	snprintf(rq->sort_spec, sizeof(rq->sort_spec), "%s%s", rq->q.desc ? "-" : "", key);
	return CMN_OK;
}

static enum cmn_rc parse_time(struct record_query *rq, const char *name, const char *v,
			      int64_t *out, bool *has)
{
	if (*has)
		return fail(rq, name, "given twice");
	if (time_parse(v, true, out) != CMN_OK)
		return fail(rq, name, "must be an RFC 3339 date-time or a date");
	*has = true;
	return CMN_OK;
}

static enum cmn_rc parse_fields(struct record_query *rq, char *v)
{
	char *p = v;

	if (rq->nfields)
		return fail(rq, "fields", "given twice");
	while (p) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (!str_is_name(p, 64, false))
			return fail(rq, "fields", "not a field name: \"%.60s\"", p);
		if (rq->nfields >= CMN_MAX_FIELDS)
			return fail(rq, "fields", "too many fields (at most %d)", CMN_MAX_FIELDS);
		rq->fields[rq->nfields++] = p;
		p = comma ? comma + 1 : NULL;
	}
	return CMN_OK;
}

/* decode_cursor - reads {"s": sort spec, "k": key, "i": id}. */
static enum cmn_rc decode_cursor(struct record_query *rq, const char *c)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	json_t *k, *i, *s;
	const char *id;
	unsigned char uuid[16];

	if (str_b64url_decode(c, &raw, &n) != CMN_OK)
		return fail(rq, "cursor", "is not a cursor given by this server");
	rq->cursor = json_parse((const char *)raw, n, JSON_PARSE_REJECT_DUPLICATES, NULL);
	free(raw);
	s = json_object_get(rq->cursor, "s");
	k = json_object_get(rq->cursor, "k");
	i = json_object_get(rq->cursor, "i");
	id = json_string_value(i);
	if (!json_is_object(rq->cursor) || !json_is_string(s) || !k || !id ||
	    !crypt_uuid_parse(id, uuid))
		return fail(rq, "cursor", "is not a cursor given by this server");
	if (strcmp(json_string_value(s), rq->sort_spec) != 0)
		return fail(rq, "cursor", "was made for another sort order");
	if (json_is_integer(k)) {
		rq->q.after_key.type = QV_INT;
		rq->q.after_key.i = json_integer_value(k);
	} else if (json_is_real(k)) {
		rq->q.after_key.type = QV_REAL;
		rq->q.after_key.r = json_real_value(k);
	} else if (json_is_string(k)) {
		rq->q.after_key.type = QV_TEXT;
		rq->q.after_key.text = json_string_value(k);
	} else {
		return fail(rq, "cursor", "is not a cursor given by this server");
	}
	str_copy(rq->q.after_id, sizeof(rq->q.after_id), id);
	rq->q.has_after = true;
	return CMN_OK;
}

enum cmn_rc query_parse(struct record_query *rq, const struct doctype *dt, const char *qs)
{
	const char *cursor = NULL;
	bool seen_limit = false, seen_sort = false;
	size_t nparams = 0;
	enum cmn_rc rc = CMN_OK;
	char *p;

	memset(rq, 0, sizeof(*rq));
	rq->q.doctype = dt->name;
	rq->q.sort = QSORT_ID;
	rq->q.limit = CMN_PAGE_DEFAULT;
	str_copy(rq->sort_spec, sizeof(rq->sort_spec), "id");
	if (!qs || !*qs)
		return CMN_OK;
	if (strlen(qs) > CMN_MAX_URI_BYTES)
		return fail(rq, "", "query string too long");
	rq->text = strdup(qs);
	if (!rq->text)
		return CMN_ERR_NOMEM;
	for (p = rq->text; p && rc == CMN_OK;) {
		char *amp = strchr(p, '&'), *eq, *key = p, *val;
		size_t klen, vlen;

		if (amp)
			*amp = '\0';
		p = amp ? amp + 1 : NULL;
		if (!*key)
			continue;
		if (++nparams > CMN_MAX_QUERY_PARAMS)
			return fail(rq, "", "too many parameters");
		eq = strchr(key, '=');
		val = eq ? eq + 1 : key + strlen(key);
		if (eq)
			*eq = '\0';
		if (str_pct_decode(key, strlen(key), key, &klen) != CMN_OK ||
		    str_pct_decode(val, strlen(val), val, &vlen) != CMN_OK ||
		    !str_utf8_valid(key, klen) || !str_utf8_valid(val, vlen))
			return fail(rq, "", "malformed percent-encoding or UTF-8");
		if (strcmp(key, "fields") != 0 && !rq->other[0])
			str_copy(rq->other, sizeof(rq->other), key);
		if (strncmp(key, "filter.", 7) == 0) {
			rc = parse_filter(rq, dt, key, val);
		} else if (strcmp(key, "limit") == 0) {
			int64_t n;

			if (seen_limit)
				return fail(rq, key, "given twice");
			seen_limit = true;
			if (str_to_i64(val, 1, CMN_PAGE_MAX, &n) != CMN_OK)
				return fail(rq, key, "must be an integer from 1 to %d", CMN_PAGE_MAX);
			rq->q.limit = (size_t)n;
		} else if (strcmp(key, "sort") == 0) {
			if (seen_sort)
				return fail(rq, key, "given twice");
			seen_sort = true;
			rc = parse_sort(rq, dt, val);
		} else if (strcmp(key, "cursor") == 0) {
			if (cursor)
				return fail(rq, key, "given twice");
			cursor = val;
		} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
			bool from = key[0] == 'f';

			if (!dt->time_field)
				return fail(rq, key, "this doctype has no time field");
			rc = parse_time(rq, key, val, from ? &rq->q.from : &rq->q.to,
					from ? &rq->q.has_from : &rq->q.has_to);
		} else if (strcmp(key, "fields") == 0) {
			rc = parse_fields(rq, val);
		} else {
			return fail(rq, key, "unknown parameter");
		}
	}
	if (rc == CMN_OK && cursor)
		rc = decode_cursor(rq, cursor);
	return rc;
}

void query_release(struct record_query *rq)
{
	free(rq->text);
	rq->text = NULL;
	json_decref(rq->cursor);
	rq->cursor = NULL;
}

char *query_cursor(const struct record_query *rq, const struct query_value *key, const char *id)
{
	json_t *c = json_object(), *k;
	char *text, *out = NULL;

	switch (key->type) {
	case QV_INT:
	case QV_BOOL: k = json_integer(key->i); break;
	case QV_REAL: k = json_real(key->r); break;
	default: k = json_string(key->text ? key->text : ""); break;
	}
	if (rq->q.sort == QSORT_ID) {
		json_decref(k);
		k = json_string(id);
	}
	/* a cursor without a member would be refused as not ours: the
	 * client's next page would fail for the server's want of memory */
	json_put(&c, "s", json_string(rq->sort_spec));
	json_put(&c, "k", k);
	json_put(&c, "i", json_string(id));
	text = c ? json_text_dumps(c, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	json_decref(c);
	if (text)
		out = str_b64url_encode((const unsigned char *)text, strlen(text));
	free(text);
	return out;
}
