/*
 * store_import_int.h - the imports' functions of store.h a backend
 * provides (docs/postgres.md, "Porting a module"), and the JSON both
 * backends give of an import. Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_IMPORT_INT_H
#define COMMUNE_STORE_STORE_IMPORT_INT_H

#include "store/store_person_int.h"

/* each member has the meaning of pstore_import_<name> */
struct store_import_ops {
	enum cmn_rc (*put)(struct pstore *ps, const char *id, const char *format, const char *name,
			   const char *sha256, const char *status, const char *stats,
			   const char *actor);
	enum cmn_rc (*get)(struct pstore *ps, const char *id, const char *actor, char **json);
	enum cmn_rc (*each)(struct pstore *ps, const char *actor,
			    enum cmn_rc (*fn)(const char *json, void *ctx), void *ctx);
};

extern const struct store_import_ops store_sqlite_import_ops;
extern const struct store_import_ops store_pg_import_ops;

/* One import as a backend reads it: its columns as text, but created. */
struct import_cols {
	const char *id, *format, *name, *sha256, *status;
	const char *stats; /* the counts, JSON text */
	int64_t created;   /* ms since epoch */
	const char *actor; /* who made it, "" when unknown */
};

/* import_json - the JSON text of pstore_import_get (malloc'd); NULL when
 * stats is not JSON (never an import shown without its counts) or out of
 * memory */
char *import_json(const struct import_cols *c);

#endif
