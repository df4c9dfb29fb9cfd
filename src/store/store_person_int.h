/*
 * store_person_int.h - a person's own store as both backends keep it: the
 * handle's common head, the backend's table of the core functions (the
 * handle, transactions, the audit chain, secrets) and what the two share
 * to compute (the chain's hashes, its signed heads, a secret's box).
 * Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_PERSON_INT_H
#define COMMUNE_STORE_STORE_PERSON_INT_H

#include "core/buf.h"
#include "store/store_int.h"

/* Every backend's handle on a person's store (struct pstore of
 * sqlite_int.h, struct pg_pstore of pg_int.h) begins with these two
 * members, in this order: the functions of store.h read them to choose
 * the backend. */
struct pstore_head {
	struct store *s;
	char person_id[CRYPT_ID_LEN];
};

static inline const struct pstore_head *pstore_head(const struct pstore *ps)
{
	return (const struct pstore_head *)(const void *)ps;
}

/* pstore_is_sqlite - whether ps is a handle of the SQLite backend */
static inline bool pstore_is_sqlite(const struct pstore *ps)
{
	return store_is_sqlite(pstore_head(ps)->s);
}

struct store_person_ops {
	enum cmn_rc (*person_store)(struct store *s, const char *person_id, struct pstore **out);
	enum cmn_rc (*person_peek)(struct store *s, const char *person_id, struct pstore **out);
	void (*peek_close)(struct pstore **ps);
	enum cmn_rc (*tx_begin)(struct pstore *ps);
	enum cmn_rc (*tx_end)(struct pstore *ps, enum cmn_rc rc);
	void (*bulk)(struct pstore *ps, bool on);
	enum cmn_rc (*audit_append)(struct pstore *ps, const char *actor, const char *action,
				    const char *object, const char *detail);
	enum cmn_rc (*audit_each)(struct pstore *ps, const struct audit_filter *f, int64_t after,
				  size_t limit,
				  enum cmn_rc (*fn)(const struct audit_entry *e, void *ctx),
				  void *ctx);
	enum cmn_rc (*audit_verify)(struct pstore *ps, int64_t *count, int64_t *bad);
	enum cmn_rc (*secret_put)(struct pstore *ps, const char *name, const void *value, size_t n);
	enum cmn_rc (*secret_get)(struct pstore *ps, const char *name, struct buf *out);
};

extern const struct store_person_ops store_sqlite_person_ops;
extern const struct store_person_ops store_pg_person_ops;

/*
 * The audit chain. Each entry's hash is BLAKE2b over the previous hash and
 * the entry's fields. The head of the chain is signed with the platform
 * key every AUDIT_SIGN_EVERY entries and at the first entry after
 * AUDIT_SIGN_AGE_MS without a signature: a signed head (person, seq, hash,
 * at) is what makes the removal of the latest entries visible, which the
 * chain alone cannot show. Entries after the last signed head can still
 * be cut unseen; a verifier who kept a head from elsewhere (a receipt, an
 * export) sees more.
 */
#define AUDIT_SIGN_EVERY  64
#define AUDIT_SIGN_AGE_MS (10 * 60 * 1000)

/* audit_hash - the chained hash of one entry, after prev ("" for the first) */
void audit_hash(const char *prev, int64_t seq, int64_t at, const char *actor, const char *action,
		const char *object, const char *detail, char out[CRYPT_HASH_HEX_LEN]);

/* audit_head_due - whether the entry seq made at `at` is signed, the last
 * signed head having been made at last_at (0: none) */
bool audit_head_due(int64_t seq, int64_t at, int64_t last_at);

/* audit_head_sign - the signed head (a JWS, appended to jws) of person_id's
 * chain at the entry (seq, hash) made at `at` */
enum cmn_rc audit_head_sign(const struct keyring *keys, const char *person_id, int64_t seq,
			    const char *hash, int64_t at, struct buf *jws);

/* audit_head_matches - whether a signed head verifies with the platform
 * key and names person_id, seq and hash */
bool audit_head_matches(const struct keyring *keys, const char *jws, const char *person_id,
			int64_t seq, const char *hash);

/* secret_seal, secret_open - a secret's box: value encrypted with the
 * person's key, bound to the person and the secret's name */
enum cmn_rc secret_seal(const struct keyring *keys, const char *person_id, const char *name,
			const void *value, size_t n, struct buf *box);
enum cmn_rc secret_open(const struct keyring *keys, const char *person_id, const char *name,
			const void *box, size_t n, struct buf *out);

#endif
