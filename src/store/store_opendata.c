/*
 * store_opendata.c - store_opendata.h on either backend: what does not
 * touch the database, and the calls to the backend's functions.
 */
#include "store/store_opendata_int.h"

#include <stdlib.h>

static const struct store_opendata_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_opendata_ops : &store_pg_opendata_ops;
}

void opendata_version_release(struct opendata_version *v)
{
	free(v->content);
	v->content = NULL;
}

enum cmn_rc store_opendata_add(struct store *s, struct opendata_version *v,
			       const struct store_district *districts, size_t n)
{
	return ops(s)->add(s, v, districts, n);
}

enum cmn_rc store_opendata_get(struct store *s, const char *name, int64_t version,
			       struct opendata_version *out)
{
	return ops(s)->get(s, name, version, out);
}

enum cmn_rc store_opendata_latest_kind(struct store *s, const char *kind, bool content,
				       struct opendata_version *out)
{
	return ops(s)->latest_kind(s, kind, content, out);
}

enum cmn_rc store_opendata_each(struct store *s,
				enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				void *ctx)
{
	return ops(s)->each(s, fn, ctx);
}

enum cmn_rc store_opendata_versions(struct store *s, const char *name,
				    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				    void *ctx)
{
	return ops(s)->versions(s, name, fn, ctx);
}
