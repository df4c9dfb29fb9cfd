/*
 * store_import.c - the imports of a person's store (store.h) on either
 * backend: the JSON of an import, which both give alike, and the calls to
 * the backend's functions.
 */
#include "store/store_import_int.h"

#include <jansson.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/timeutil.h"

static const struct store_import_ops *ops(const struct pstore *ps)
{
	return pstore_is_sqlite(ps) ? &store_sqlite_import_ops : &store_pg_import_ops;
}

char *import_json(const struct import_cols *c)
{
	char when[TIME_RFC3339_LEN];
	json_t *stats = json_parse_str(c->stats);
	json_t *o;
	char *text;

	if (!stats)
		return NULL;
	time_format(when, c->created);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id", c->id, "format", c->format,
		      "name", c->name, "sha256", c->sha256, "status", c->status, "stats", stats,
		      "created", when, "by", c->actor);
	text = o ? json_text_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

enum cmn_rc pstore_import_put(struct pstore *ps, const char *id, const char *format,
			      const char *name, const char *sha256, const char *status,
			      const char *stats, const char *actor)
{
	return ops(ps)->put(ps, id, format, name, sha256, status, stats, actor);
}

enum cmn_rc pstore_import_get(struct pstore *ps, const char *id, const char *actor, char **json)
{
	return ops(ps)->get(ps, id, actor, json);
}

enum cmn_rc pstore_import_each(struct pstore *ps, const char *actor,
			       enum cmn_rc (*fn)(const char *json, void *ctx), void *ctx)
{
	return ops(ps)->each(ps, actor, fn, ctx);
}
