/*
 * store_int.h - what the two backends of store.h share: struct store and
 * the table of the functions a backend provides. Only src/store/ includes
 * this file; services use src/store/store.h.
 *
 * store.c implements the functions of store.h that are the same for every
 * backend (the check of the platform key at open, the session cache, the
 * auth epoch, the index list, the keyed hash of a failure counter's key)
 * and calls the backend through s->ops for the rest. The SQLite backend
 * (src/store/sqlite/) provides every function; the PostgreSQL backend
 * (src/store/postgres/) provides those of struct store_ops so far, and the
 * functions it does not provide yet refuse a PostgreSQL store
 * (store_platform_conn and pstore_open_int return nothing for it).
 * docs/postgres.md tells what is ported.
 */
#ifndef COMMUNE_STORE_STORE_INT_H
#define COMMUNE_STORE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

#define STORE_LIMIT_KEY_BYTES 16 /* a failure counter's key, hashed */

/* The functions of a backend. Each has the meaning of the store.h
 * function of the same name (store_ prefix dropped), except where said. */
struct store_ops {
	const char *name; /* "sqlite", "postgres" */
	/* open - fills the backend's part of s (made by store_open with keys
	 * set, or by store_key_bound without) and connects to the store
	 * where names, the data directory or the PostgreSQL URL; changes no
	 * schema. With create, a data directory gets its platform.db when it
	 * has none (a PostgreSQL database must exist either way); without,
	 * a store not made yet is CMN_ERR_NOT_FOUND. */
	enum cmn_rc (*open)(struct store *s, const char *where, bool create);
	/* migrate - brings the schema up to this program's */
	enum cmn_rc (*migrate)(struct store *s);
	/* close - frees the backend's part of s (and this thread's connections) */
	void (*close)(struct store *s);
	/* thread_done - closes the calling thread's connections to any store */
	void (*thread_done)(void);

	enum cmn_rc (*tx_begin)(struct store *s);
	enum cmn_rc (*tx_end)(struct store *s, enum cmn_rc rc);
	enum cmn_rc (*read_begin)(struct store *s);
	void (*read_end)(struct store *s);

	enum cmn_rc (*person_add)(struct store *s, const char *handle, const char *role,
				  const char *org, const char *pwhash, struct person *out);
	enum cmn_rc (*person_by_handle)(struct store *s, const char *handle, struct person *out,
					char *pwhash);
	enum cmn_rc (*person_by_id)(struct store *s, const char *id, struct person *out,
				    char *pwhash);
	enum cmn_rc (*person_each)(struct store *s,
				   enum cmn_rc (*fn)(const struct person *p, void *ctx), void *ctx);
	enum cmn_rc (*person_set_disabled)(struct store *s, const char *id, bool disabled);
	enum cmn_rc (*person_set_role)(struct store *s, const char *id, const char *role);
	enum cmn_rc (*person_set_password)(struct store *s, const char *id, const char *pwhash,
					   const char *keep_session_hash);
	enum cmn_rc (*person_delete)(struct store *s, const char *id);
	enum cmn_rc (*person_count)(struct store *s, int64_t *out);

	enum cmn_rc (*org_add)(struct store *s, const char *name, const char *kind,
			       struct org *out);
	enum cmn_rc (*org_each)(struct store *s, enum cmn_rc (*fn)(const struct org *o, void *ctx),
				void *ctx);
	enum cmn_rc (*org_get)(struct store *s, const char *id, struct org *out);

	enum cmn_rc (*session_add)(struct store *s, const char *token_hash, const char *person_id,
				   const char *csrf, int64_t now, int64_t expires);
	/* session_get - the database's answer, no cache (store.c keeps it):
	 * the session with its person, CMN_ERR_NOT_FOUND when it is expired
	 * or idle; refreshes last_seen when over a minute old */
	enum cmn_rc (*session_get)(struct store *s, const char *token_hash, int64_t now,
				   struct session *out);
	enum cmn_rc (*session_delete)(struct store *s, const char *token_hash);

	enum cmn_rc (*token_add)(struct store *s, const char *person_id, const char *name,
				 const char *token_hash, struct api_token *out);
	enum cmn_rc (*token_get)(struct store *s, const char *token_hash, struct person *out,
				 struct api_token *tok);
	enum cmn_rc (*token_each)(struct store *s, const char *person_id,
				  enum cmn_rc (*fn)(const struct api_token *t, void *ctx),
				  void *ctx);
	enum cmn_rc (*token_delete)(struct store *s, const char *person_id, const char *token_id);

	enum cmn_rc (*doctype_put)(struct store *s, const char *name, int version,
				   const char *definition);
	enum cmn_rc (*doctype_each)(struct store *s,
				    enum cmn_rc (*fn)(const char *name, int version,
						      const char *definition, void *ctx),
				    void *ctx);

	/* meta_get - store_meta_get; CMN_ERR_NOT_FOUND too when the store
	 * has no platform_meta yet (made before it, not migrated yet) */
	enum cmn_rc (*meta_get)(struct store *s, const char *name, char *out, size_t n);
	/* meta_put - records name = value; with replace false, only when
	 * name has no value yet (else nothing changes: CMN_OK) */
	enum cmn_rc (*meta_put)(struct store *s, const char *name, const char *value,
				bool replace);
	/* has_persons - whether the store holds a person; false when it has
	 * no tables yet */
	enum cmn_rc (*has_persons)(struct store *s, bool *out);

	/* the limit functions take the key's keyed hash (store.c makes it) */
	enum cmn_rc (*limit_get)(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES],
				 int64_t now, unsigned *count, int64_t *until);
	enum cmn_rc (*limit_fail)(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES],
				  int64_t window_ms, int64_t now);
	enum cmn_rc (*limit_clear)(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES]);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

struct pg_store;

struct store {
	const struct store_ops *ops;
	const struct keyring *keys;
	struct store_index *indexes; /* copied from store_set_indexes */
	char **index_strings;        /* owned strings of indexes */
	size_t nindexes;
	char index_sig[CRYPT_HASH_HEX_LEN]; /* hash of the index list */
	atomic_uint_fast64_t epoch;         /* bumped when a person is erased */
	atomic_uint_fast64_t auth_epoch;    /* bumped when a session or a person changes */
	pthread_mutex_t lock;               /* guards indexes, blank */
	/* SQLite */
	char *dir;           /* data directory */
	char *platform_path; /* dir/platform.db */
	unsigned char *blank; /* an empty person's store, migrated: the bytes */
	size_t blank_len;     /* every later one starts from (pstore_create) */
	/* PostgreSQL */
	struct pg_store *pg;
};

/* store_is_sqlite - whether s is kept by the SQLite backend */
static inline bool store_is_sqlite(const struct store *s)
{
	return s->ops == &store_sqlite_ops;
}

/* store_set_last_error - what store_last_error() tells on this thread */
void store_set_last_error(const char *msg);


#endif
