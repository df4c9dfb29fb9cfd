/*
 * doctype.c - the doctype registry of doctype.h.
 */
#include "record/doctype.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "record/schema.h"

static const char *const kinds[] = {"document", "timeseries", "file"};
static const char *const sensitivities[] = {"low", "personal", "sensitive", "special"};

static bool one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n && s; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const char *str_member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *doctype_field_type(const struct doctype *dt, const char *field)
{
	const json_t *p = json_object_get(json_object_get(dt->schema, "properties"), field);

	return json_string_value(json_object_get(p, "type"));
}

bool doctype_is_required(const struct doctype *dt, const char *field)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(dt->schema, "required"), i, r)
		if (strcmp(json_string_value(r), field) == 0)
			return true;
	return false;
}

bool doctype_time_is_date(const struct doctype *dt, const char *field)
{
	const json_t *p = json_object_get(json_object_get(dt->schema, "properties"), field);
	const char *format = json_string_value(json_object_get(p, "format"));

	return dt->time_field && strcmp(dt->time_field, field) == 0 && format &&
	       strcmp(format, "date") == 0;
}

bool doctype_is_indexed(const struct doctype *dt, const char *field)
{
	for (size_t i = 0; i < dt->nindexes; i++)
		if (strcmp(dt->indexes[i], field) == 0)
			return true;
	return false;
}

bool doctype_is_filterable(const struct doctype *dt, const char *field)
{
	for (size_t i = 0; i < dt->nfilters; i++)
		if (strcmp(dt->filters[i], field) == 0)
			return true;
	return doctype_is_indexed(dt, field);
}

/* field_list - a definition's list of fields (key "indexes" or "filters")
 * into out: top-level properties with a single type, each named once */
static bool field_list(const struct doctype *dt, const char *key, const char **out, size_t *n,
		       char *err, size_t errlen)
{
	const json_t *list = json_object_get(dt->def, key), *v;
	size_t i;

	*n = 0;
	if (list && (!json_is_array(list) || json_array_size(list) > DOCTYPE_MAX_INDEXES)) {
		snprintf(err, errlen, "%s: \"%s\" must be a list of at most %d fields", dt->name,
			 key, DOCTYPE_MAX_INDEXES);
		return false;
	}
	json_array_foreach(list, i, v) {
		const char *f = json_string_value(v);

		if (!f || !str_is_name(f, 64, false) || !doctype_field_type(dt, f)) {
			snprintf(err, errlen, "%s: \"%s\" names an unknown or untyped field",
				 dt->name, key);
			return false;
		}
		if (doctype_is_filterable(dt, f)) {
			snprintf(err, errlen, "%s: \"%s\" is listed twice (\"indexes\", \"filters\")",
				 dt->name, f);
			return false;
		}
		out[(*n)++] = f;
	}
	return true;
}

enum cmn_rc registry_add_json(struct registry *r, json_t *def, char *err, size_t errlen)
{
	struct doctype dt = {0}, *grown;

	dt.def = def;
	dt.name = str_member(def, "name");
	dt.kind = str_member(def, "kind");
	dt.sensitivity = str_member(def, "sensitivity");
	dt.retention = str_member(def, "retention");
	dt.time_field = str_member(def, "time_field");
	dt.version = (int)json_integer_value(json_object_get(def, "version"));
	dt.schema = json_object_get(def, "schema");
	if (!dt.name || !str_is_name(dt.name, CMN_DOCTYPE_NAME_MAX, true)) {
		snprintf(err, errlen, "missing or invalid \"name\"");
		goto bad;
	}
	if (registry_find(r, dt.name)) {
		snprintf(err, errlen, "%s: defined twice", dt.name);
		goto bad;
	}
	if (dt.version < 1 || !one_of(dt.kind, kinds, 3) || !one_of(dt.sensitivity, sensitivities, 4) ||
	    !dt.retention) {
		snprintf(err, errlen, "%s: version, kind, sensitivity or retention invalid", dt.name);
		goto bad;
	}
	if (schema_check(dt.schema, err, errlen) != CMN_OK)
		goto bad;
	if (!json_is_string(json_object_get(dt.schema, "type")) ||
	    strcmp(str_member(dt.schema, "type"), "object") != 0) {
		snprintf(err, errlen, "%s: the schema must describe an object", dt.name);
		goto bad;
	}
	if (strcmp(dt.kind, "timeseries") == 0) {
		const json_t *spec = json_object_get(def, "series");
		const json_t *units = json_object_get(spec, "units");
		const json_t *steps = json_object_get(spec, "steps_s");

		if (!json_is_array(units) || !json_array_size(units) || !json_is_array(steps) ||
		    !json_array_size(steps)) {
			snprintf(err, errlen, "%s: a time-series doctype needs series.units and "
					      "series.steps_s", dt.name);
			goto bad;
		}
	}
	if (!field_list(&dt, "indexes", dt.indexes, &dt.nindexes, err, errlen) ||
	    !field_list(&dt, "filters", dt.filters, &dt.nfilters, err, errlen))
		goto bad;
	if (dt.time_field) {
		const json_t *p = json_object_get(json_object_get(dt.schema, "properties"),
						  dt.time_field);
		const char *fmt = str_member(p, "format");

		if (!fmt || (strcmp(fmt, "date-time") != 0 && strcmp(fmt, "date") != 0) ||
		    !doctype_is_required(&dt, dt.time_field)) {
			snprintf(err, errlen, "%s: the time field must be a required date or date-time",
				 dt.name);
			goto bad;
		}
	}
	grown = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	if (!grown)
		return CMN_ERR_NOMEM;
	r->v = grown;
	r->v[r->n++] = dt;
	return CMN_OK;
bad:
	json_decref(def);
	return CMN_ERR_INVALID;
}

enum cmn_rc registry_load(struct registry *r, char *err, size_t errlen)
{
	r->v = NULL;
	r->n = 0;
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];
		struct json_parse_error je;
		json_t *def;
		enum cmn_rc rc;
		char why[200];

		if (strncmp(f->name, "doctypes/", 9) != 0)
			continue;
		def = json_parse((const char *)f->data, f->len, JSON_PARSE_REJECT_DUPLICATES, &je);
		if (!def) {
			snprintf(err, errlen, "%s:%d:%d: %s", f->name, je.line, je.column, je.text);
			registry_release(r);
			return CMN_ERR_INVALID;
		}
		rc = registry_add_json(r, def, why, sizeof(why));
		if (rc != CMN_OK) {
			snprintf(err, errlen, "%s: %s", f->name, why);
			registry_release(r);
			return rc;
		}
	}
	return CMN_OK;
}

void registry_release(struct registry *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->v[i].def);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

const struct doctype *registry_find(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}

enum cmn_rc registry_sync(const struct registry *r, struct store *s)
{
	struct store_index idx[256];
	size_t n = 0;
	enum cmn_rc rc = CMN_OK;

	for (size_t i = 0; i < r->n && rc == CMN_OK; i++) {
		char *text = json_text_dumps(r->v[i].def, JSON_COMPACT | JSON_SORT_KEYS);

		if (!text)
			return CMN_ERR_NOMEM;
		rc = store_doctype_put(s, r->v[i].name, r->v[i].version, text);
		free(text);
		for (size_t j = 0; j < r->v[i].nindexes && n < sizeof(idx) / sizeof(*idx); j++) {
			if (doctype_time_is_date(&r->v[i], r->v[i].indexes[j]))
				continue; /* records_by_t serves it */
			idx[n].doctype = r->v[i].name;
			idx[n].field = r->v[i].indexes[j];
			n++;
		}
	}
	if (rc == CMN_OK)
		rc = store_set_indexes(s, idx, n);
	return rc;
}
