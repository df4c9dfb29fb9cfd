/*
 * store_series_int.h - the time-series functions of store.h a backend
 * provides (docs/postgres.md, "Porting a module"): series and their
 * chunks, which the store keeps as opaque bytes. Only src/store/ includes
 * this file.
 */
#ifndef COMMUNE_STORE_STORE_SERIES_INT_H
#define COMMUNE_STORE_STORE_SERIES_INT_H

#include "store/store_person_int.h"

/* each member has the meaning of pstore_<name> (store.h) */
struct store_series_ops {
	enum cmn_rc (*series_add)(struct pstore *ps, struct series_def *def, const char *actor);
	enum cmn_rc (*series_get)(struct pstore *ps, const char *id, struct series_def *def);
	enum cmn_rc (*series_find)(struct pstore *ps, const char *doctype, const char *source,
				   const char *key, struct series_def *def);
	enum cmn_rc (*series_each)(struct pstore *ps,
				   enum cmn_rc (*fn)(const struct series_def *d, void *ctx),
				   void *ctx);
	enum cmn_rc (*series_delete)(struct pstore *ps, const char *id, const char *actor);
	enum cmn_rc (*chunks_each)(struct pstore *ps, const struct series_def *def, int64_t from,
				   int64_t to,
				   enum cmn_rc (*fn)(const struct chunk_ref *c, void *ctx),
				   void *ctx);
	enum cmn_rc (*chunk_get)(struct pstore *ps, const char *series_id, int64_t start,
				 uint8_t **data, size_t *len);
	enum cmn_rc (*chunks_write)(struct pstore *ps, const char *series_id,
				    const struct chunk_ref *chunks, size_t n, const char *actor,
				    const char *action, const char *detail);
};

extern const struct store_series_ops store_sqlite_series_ops;
extern const struct store_series_ops store_pg_series_ops;

/* chunks_from - the lowest start of a chunk that may hold points at or
 * after `from`: a chunk starting at s covers [s, s + span), so it meets
 * [from, to) when s < to and s + span > from (both backends select the
 * chunks with start > chunks_from and start < to) */
static inline int64_t chunks_from(int64_t from, int64_t span)
{
	return from > INT64_MIN + span ? from - span : INT64_MIN;
}

#endif
