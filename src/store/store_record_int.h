/*
 * store_record_int.h - the functions of a person's records (store.h:
 * pstore_record_*) a backend provides (docs/postgres.md, "Porting a
 * module"). Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_RECORD_INT_H
#define COMMUNE_STORE_STORE_RECORD_INT_H

#include "store/store_int.h"

/* each member has the meaning of pstore_record_<name> */
struct store_record_ops {
	enum cmn_rc (*insert)(struct pstore *ps, struct record_meta *meta, const char *data,
			      const char *actor);
	enum cmn_rc (*insert_many)(struct pstore *ps, const char *doctype, struct record_meta *m,
				   const char *const *data, size_t n, size_t *added);
	enum cmn_rc (*get)(struct pstore *ps, const char *doctype, const char *id,
			   struct record_meta *meta, char **data);
	enum cmn_rc (*replace)(struct pstore *ps, struct record_meta *meta, int64_t expect_rev,
			       const char *data, const char *actor);
	enum cmn_rc (*delete)(struct pstore *ps, const char *doctype, const char *id,
			      int64_t expect_rev, const char *actor);
	enum cmn_rc (*delete_source)(struct pstore *ps, const char *doctype, const char *source,
				     int64_t *n);
	enum cmn_rc (*query)(struct pstore *ps, const struct store_query *q,
			     enum cmn_rc (*fn)(const struct record_meta *m, const char *data,
					       const struct query_value *sort_key, void *ctx),
			     void *ctx);
};

extern const struct store_record_ops store_sqlite_record_ops;
extern const struct store_record_ops store_pg_record_ops;

#endif
