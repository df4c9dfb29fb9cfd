/*
 * store_blob_int.h - the blob functions of store.h a backend provides
 * (docs/postgres.md, "Porting a module"), and what both compute alike: a
 * blob's id and its sealed bytes. Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_BLOB_INT_H
#define COMMUNE_STORE_STORE_BLOB_INT_H

#include "core/buf.h"
#include "store/store_person_int.h"

/* each member has the meaning of pstore_blob_<name> (store.h) */
struct store_blob_ops {
	enum cmn_rc (*put)(struct pstore *ps, const void *data, size_t n, char id[BLOB_ID_LEN]);
	enum cmn_rc (*get)(struct pstore *ps, const char *id, struct buf *out);
	enum cmn_rc (*release)(struct pstore *ps, const char *id);
	enum cmn_rc (*sweep)(struct pstore *ps, const char *id);
};

extern const struct store_blob_ops store_sqlite_blob_ops;
extern const struct store_blob_ops store_pg_blob_ops;

/* blob_id_valid - whether id is a blob's id: 64 lowercase hex digits
 * (an id never names a path of its own) */
bool blob_id_valid(const char *id);

/* blob_seal, blob_open - a blob's sealed bytes: the content encrypted with
 * the person's key, bound to the person and the blob's id (SQLite keeps
 * them in a file, PostgreSQL in a bytea column) */
enum cmn_rc blob_seal(const struct keyring *keys, const char *person_id, const char *id,
		      const void *data, size_t n, struct buf *sealed);
enum cmn_rc blob_open(const struct keyring *keys, const char *person_id, const char *id,
		      const void *sealed, size_t n, struct buf *out);

#endif
