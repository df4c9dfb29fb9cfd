/*
 * store_series.c - the time series of a person's store (store.h) on
 * either backend: each function calls its backend's.
 */
#include "store/store_series_int.h"

#include <stdlib.h>

static const struct store_series_ops *ops(const struct pstore *ps)
{
	return pstore_is_sqlite(ps) ? &store_sqlite_series_ops : &store_pg_series_ops;
}

void series_def_release(struct series_def *def)
{
	free(def->meta);
	def->meta = NULL;
}

enum cmn_rc pstore_series_add(struct pstore *ps, struct series_def *def, const char *actor)
{
	return ops(ps)->series_add(ps, def, actor);
}

enum cmn_rc pstore_series_get(struct pstore *ps, const char *id, struct series_def *def)
{
	return ops(ps)->series_get(ps, id, def);
}

enum cmn_rc pstore_series_find(struct pstore *ps, const char *doctype, const char *source,
			       const char *key, struct series_def *def)
{
	return ops(ps)->series_find(ps, doctype, source, key, def);
}

enum cmn_rc pstore_series_each(struct pstore *ps,
			       enum cmn_rc (*fn)(const struct series_def *d, void *ctx), void *ctx)
{
	return ops(ps)->series_each(ps, fn, ctx);
}

enum cmn_rc pstore_series_delete(struct pstore *ps, const char *id, const char *actor)
{
	return ops(ps)->series_delete(ps, id, actor);
}

enum cmn_rc pstore_chunks_each(struct pstore *ps, const struct series_def *def, int64_t from,
			       int64_t to, enum cmn_rc (*fn)(const struct chunk_ref *c, void *ctx),
			       void *ctx)
{
	return ops(ps)->chunks_each(ps, def, from, to, fn, ctx);
}

enum cmn_rc pstore_chunk_get(struct pstore *ps, const char *series_id, int64_t start,
			     uint8_t **data, size_t *len)
{
	return ops(ps)->chunk_get(ps, series_id, start, data, len);
}

enum cmn_rc pstore_chunks_write(struct pstore *ps, const char *series_id,
				const struct chunk_ref *chunks, size_t n, const char *actor,
				const char *action, const char *detail)
{
	return ops(ps)->chunks_write(ps, series_id, chunks, n, actor, action, detail);
}
