/*
 * store_record.c - a person's records (store.h: pstore_record_*) on either
 * backend: each function calls its backend's.
 */
#include "store/store_person_int.h"
#include "store/store_record_int.h"

static const struct store_record_ops *ops(const struct pstore *ps)
{
	return pstore_is_sqlite(ps) ? &store_sqlite_record_ops : &store_pg_record_ops;
}

enum cmn_rc pstore_record_insert(struct pstore *ps, struct record_meta *meta, const char *data,
				 const char *actor)
{
	return ops(ps)->insert(ps, meta, data, actor);
}

enum cmn_rc pstore_record_insert_many(struct pstore *ps, const char *doctype, struct record_meta *m,
				      const char *const *data, size_t n, size_t *added)
{
	return ops(ps)->insert_many(ps, doctype, m, data, n, added);
}

enum cmn_rc pstore_record_get(struct pstore *ps, const char *doctype, const char *id,
			      struct record_meta *meta, char **data)
{
	return ops(ps)->get(ps, doctype, id, meta, data);
}

enum cmn_rc pstore_record_replace(struct pstore *ps, struct record_meta *meta, int64_t expect_rev,
				  const char *data, const char *actor)
{
	return ops(ps)->replace(ps, meta, expect_rev, data, actor);
}

enum cmn_rc pstore_record_delete(struct pstore *ps, const char *doctype, const char *id,
				 int64_t expect_rev, const char *actor)
{
	return ops(ps)->delete (ps, doctype, id, expect_rev, actor);
}

enum cmn_rc pstore_record_delete_source(struct pstore *ps, const char *doctype, const char *source,
					int64_t *n)
{
	return ops(ps)->delete_source(ps, doctype, source, n);
}

enum cmn_rc pstore_record_query(struct pstore *ps, const struct store_query *q,
				enum cmn_rc (*fn)(const struct record_meta *m, const char *data,
						  const struct query_value *sort_key, void *ctx),
				void *ctx)
{
	return ops(ps)->query(ps, q, fn, ctx);
}
