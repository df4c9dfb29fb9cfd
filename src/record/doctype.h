/*
 * doctype.h - the doctype registry: named, versioned schemas of records.
 *
 * The registry is data: one JSON file per doctype under doctypes/ in the
 * source tree, compiled into the binary and recorded in the platform store
 * at start. Each definition gives a name, version, kind (document,
 * timeseries, file), sensitivity class, retention, the time field (if any),
 * the indexed fields (filters and sorts) and the JSON Schema of records.
 * docs/doctypes/ has a page per doctype.
 */
#ifndef COMMUNE_RECORD_DOCTYPE_H
#define COMMUNE_RECORD_DOCTYPE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/limits.h"
#include "core/result.h"
#include "store/store.h"

#define DOCTYPE_MAX_INDEXES 16

struct doctype {
	const char *name;           /* e.g. "bank.transaction" */
	int version;
	const char *kind;           /* "document", "timeseries" or "file" */
	const char *sensitivity;    /* "low", "personal", "sensitive" or "special" */
	const char *retention;      /* ISO 8601 duration, or "" (kept until deleted) */
	const char *time_field;     /* a required date/date-time property, or NULL */
	const char *indexes[DOCTYPE_MAX_INDEXES];
	size_t nindexes;
	/* fields filtered by reading the person's records of the doctype,
	 * without an index that every write would pay for */
	const char *filters[DOCTYPE_MAX_INDEXES];
	size_t nfilters;
	const json_t *schema;
	json_t *def;                /* the whole definition (owns the strings above) */
};

struct registry {
	struct doctype *v;
	size_t n;
};

/* doctype_time_is_date - field is the doctype's time field and a plain
 * date ("format": "date"): the record's t (midnight UTC of that date)
 * then holds it exactly and in the same order, so filters on it compare t
 * and the store indexes t alone, not the field once more. */
bool doctype_time_is_date(const struct doctype *dt, const char *field);

/* registry_load - parses and checks every embedded doctype definition.
 * On error, err names the file and the problem. */
enum cmn_rc registry_load(struct registry *r, char *err, size_t errlen);

/* registry_add_json - checks and adds one definition (takes a reference). */
enum cmn_rc registry_add_json(struct registry *r, json_t *def, char *err, size_t errlen);

/* registry_release - frees the registry. */
void registry_release(struct registry *r);

/* registry_find - the doctype of that name, or NULL. */
const struct doctype *registry_find(const struct registry *r, const char *name);

/* registry_sync - records the definitions in the platform store and tells
 * it which fields to index. */
enum cmn_rc registry_sync(const struct registry *r, struct store *s);

/* doctype_is_indexed - true when field is one of dt's indexed fields. */
bool doctype_is_indexed(const struct doctype *dt, const char *field);

/* doctype_is_filterable - true when queries may filter on field: one of
 * dt's indexed fields or of its "filters". */
bool doctype_is_filterable(const struct doctype *dt, const char *field);

/* doctype_is_required - true when field is required by dt's schema. */
bool doctype_is_required(const struct doctype *dt, const char *field);

/* doctype_field_type - the JSON Schema type of a top-level property
 * ("string", "number", ...), or NULL when unknown or not a single type. */
const char *doctype_field_type(const struct doctype *dt, const char *field);

#endif
