/*
 * store_blob.c - the encrypted blobs of a person's store (store.h) on
 * either backend: each function calls its backend's, and both seal a
 * blob alike (the same key, the same associated data), so that the bytes
 * of one backend open on the other.
 */
#include "store/store_blob_int.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const struct store_blob_ops *ops(const struct pstore *ps)
{
	return pstore_is_sqlite(ps) ? &store_sqlite_blob_ops : &store_pg_blob_ops;
}

enum cmn_rc pstore_blob_put(struct pstore *ps, const void *data, size_t n, char id[BLOB_ID_LEN])
{
	return ops(ps)->put(ps, data, n, id);
}

enum cmn_rc pstore_blob_get(struct pstore *ps, const char *id, struct buf *out)
{
	return ops(ps)->get(ps, id, out);
}

enum cmn_rc pstore_blob_release(struct pstore *ps, const char *id)
{
	return ops(ps)->release(ps, id);
}

enum cmn_rc pstore_blob_sweep(struct pstore *ps, const char *id)
{
	return ops(ps)->sweep(ps, id);
}

bool blob_id_valid(const char *id)
{
	return strlen(id) == BLOB_ID_LEN - 1 && strspn(id, "0123456789abcdef") == BLOB_ID_LEN - 1;
}

/* the associated data: the person and the blob, so that sealed bytes
 * moved to another person or under another id do not open */
static void blob_ad(const char *person_id, const char *id, char *ad, size_t n)
{
	snprintf(ad, n, "%s/blob/%s", person_id, id);
}

enum cmn_rc blob_seal(const struct keyring *keys, const char *person_id, const char *id,
		      const void *data, size_t n, struct buf *sealed)
{
	unsigned char key[CRYPT_KEY_BYTES];
	char ad[128];
	enum cmn_rc rc;

	keyring_person_key(keys, person_id, key);
	blob_ad(person_id, id, ad, sizeof(ad));
	rc = crypt_seal(key, data, n, ad, sealed);
	sodium_memzero(key, sizeof(key));
	return rc;
}

enum cmn_rc blob_open(const struct keyring *keys, const char *person_id, const char *id,
		      const void *sealed, size_t n, struct buf *out)
{
	unsigned char key[CRYPT_KEY_BYTES];
	char ad[128];
	enum cmn_rc rc;

	keyring_person_key(keys, person_id, key);
	blob_ad(person_id, id, ad, sizeof(ad));
	rc = crypt_open(key, sealed, n, ad, out);
	sodium_memzero(key, sizeof(key));
	return rc;
}
