/*
 * store_opendata_int.h - the functions of store_opendata.h a backend
 * provides (docs/postgres.md, "Porting a module"). Only src/store/
 * includes this file.
 */
#ifndef COMMUNE_STORE_STORE_OPENDATA_INT_H
#define COMMUNE_STORE_STORE_OPENDATA_INT_H

#include "store/store_int.h"
#include "store/store_opendata.h"

/* each member has the meaning of store_opendata_<name> */
struct store_opendata_ops {
	enum cmn_rc (*add)(struct store *s, struct opendata_version *v,
			   const struct store_district *districts, size_t n);
	enum cmn_rc (*get)(struct store *s, const char *name, int64_t version,
			   struct opendata_version *out);
	enum cmn_rc (*latest_kind)(struct store *s, const char *kind, bool content,
				   struct opendata_version *out);
	enum cmn_rc (*each)(struct store *s,
			    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
			    void *ctx);
	enum cmn_rc (*versions)(struct store *s, const char *name,
				enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				void *ctx);
};

extern const struct store_opendata_ops store_sqlite_opendata_ops;
extern const struct store_opendata_ops store_pg_opendata_ops;

#endif
