/*
 * query.h - the query string of record listings, parsed and checked.
 *
 *   filter.FIELD=V        equality on an indexed field
 *   filter.FIELD.OP=V     OP is eq, ne, lt, lte, gt, gte, or in (V1,V2,...)
 *   from=T, to=T          time field in [from, to) (RFC 3339 or a date)
 *   sort=[-]KEY           id (default), created, updated, the time field, or
 *                         an indexed field that the schema requires
 *   limit=N               1..CMN_PAGE_MAX (default CMN_PAGE_DEFAULT)
 *   cursor=C              the next_cursor of the previous page
 *   fields=A,B            top-level fields of data to return
 *
 * Anything else is an error naming the parameter: a typo never silently
 * widens a query. Values are typed from the doctype's schema.
 */
#ifndef COMMUNE_RECORD_QUERY_H
#define COMMUNE_RECORD_QUERY_H

#include <jansson.h>

#include "record/doctype.h"
#include "store/store.h"

struct record_query {
	struct store_query q;             /* what the store runs */
	const char *fields[CMN_MAX_FIELDS]; /* projection, or none */
	size_t nfields;
	char sort_spec[80];               /* canonical "[-]key", bound into cursors */
	char *text;                       /* decoded copy of the query string */
	json_t *cursor;                   /* decoded cursor (owns after_key text) */
	char other[64];                   /* the first parameter other than fields=, or "" */
	char param[64];                   /* on error: the offending parameter */
	char error[200];                  /* on error: why, in English */
};

/* query_parse - parses qs (without '?'; may be NULL) for doctype dt.
 * CMN_ERR_INVALID with param and error set when it is not acceptable.
 * Call query_release in every case. */
enum cmn_rc query_parse(struct record_query *rq, const struct doctype *dt, const char *qs);

/* query_release - frees what query_parse allocated. */
void query_release(struct record_query *rq);

/* query_cursor - the cursor that continues after a row with sort key
 * key and id; caller frees. */
char *query_cursor(const struct record_query *rq, const struct query_value *key, const char *id);

#endif
