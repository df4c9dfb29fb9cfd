/*
 * store_person.c - the core functions of a person's store (the handle,
 * transactions, the audit chain, secrets), each calling its backend's,
 * and what both backends compute alike: the chain's hashes, its signed
 * heads and a secret's box.
 */
#include "store/store_person_int.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "core/jsonparse.h"
#include "core/str.h"

#define AUDIT_HEAD_TYP "commune-audit-head"

static const struct store_person_ops *ops_of(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_person_ops : &store_pg_person_ops;
}

static const struct store_person_ops *pops(const struct pstore *ps)
{
	return ops_of(pstore_head(ps)->s);
}

enum cmn_rc store_person_store(struct store *s, const char *person_id, struct pstore **out)
{
	return ops_of(s)->person_store(s, person_id, out);
}

enum cmn_rc store_person_peek(struct store *s, const char *person_id, struct pstore **out)
{
	return ops_of(s)->person_peek(s, person_id, out);
}

void pstore_peek_close(struct pstore **ps)
{
	if (*ps)
		pops(*ps)->peek_close(ps);
}

enum cmn_rc pstore_tx_begin(struct pstore *ps)
{
	return pops(ps)->tx_begin(ps);
}

enum cmn_rc pstore_tx_end(struct pstore *ps, enum cmn_rc rc)
{
	return pops(ps)->tx_end(ps, rc);
}

void pstore_bulk(struct pstore *ps, bool on)
{
	pops(ps)->bulk(ps, on);
}

enum cmn_rc pstore_audit_append(struct pstore *ps, const char *actor, const char *action,
				const char *object, const char *detail)
{
	return pops(ps)->audit_append(ps, actor, action, object, detail);
}

enum cmn_rc pstore_audit_each(struct pstore *ps, const struct audit_filter *f, int64_t after,
			      size_t limit,
			      enum cmn_rc (*fn)(const struct audit_entry *e, void *ctx), void *ctx)
{
	return pops(ps)->audit_each(ps, f, after, limit, fn, ctx);
}

enum cmn_rc pstore_audit_verify(struct pstore *ps, int64_t *count, int64_t *bad)
{
	return pops(ps)->audit_verify(ps, count, bad);
}

enum cmn_rc pstore_secret_put(struct pstore *ps, const char *name, const void *value, size_t n)
{
	return pops(ps)->secret_put(ps, name, value, n);
}

enum cmn_rc pstore_secret_get(struct pstore *ps, const char *name, struct buf *out)
{
	return pops(ps)->secret_get(ps, name, out);
}

/* ---- what both backends compute ------------------------------------------ */

static void hash_field(crypto_generichash_state *hs, const char *s)
{
	uint64_t n = strlen(s);
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_generichash_update(hs, len, sizeof(len));
	crypto_generichash_update(hs, (const unsigned char *)s, n);
}

void audit_hash(const char *prev, int64_t seq, int64_t at, const char *actor, const char *action,
		const char *object, const char *detail, char out[CRYPT_HASH_HEX_LEN])
{
	crypto_generichash_state hs;
	unsigned char h[32];
	char num[48];

	crypto_generichash_init(&hs, NULL, 0, sizeof(h));
	hash_field(&hs, prev);
	snprintf(num, sizeof(num), "%lld/%lld", (long long)seq, (long long)at);
	hash_field(&hs, num);
	hash_field(&hs, actor);
	hash_field(&hs, action);
	hash_field(&hs, object);
	hash_field(&hs, detail);
	crypto_generichash_final(&hs, h, sizeof(h));
	str_hex(out, h, sizeof(h));
}

bool audit_head_due(int64_t seq, int64_t at, int64_t last_at)
{
	return seq % AUDIT_SIGN_EVERY == 0 || at - last_at >= AUDIT_SIGN_AGE_MS;
}

enum cmn_rc audit_head_sign(const struct keyring *keys, const char *person_id, int64_t seq,
			    const char *hash, int64_t at, struct buf *jws)
{
	char payload[256];

	snprintf(payload, sizeof(payload),
		 "{\"person\":\"%s\",\"seq\":%lld,\"hash\":\"%s\",\"at\":%lld}", person_id,
		 (long long)seq, hash, (long long)at);
	return keyring_jws_sign(keys, AUDIT_HEAD_TYP, payload, strlen(payload), jws);
}

bool audit_head_matches(const struct keyring *keys, const char *jws, const char *person_id,
			int64_t seq, const char *hash)
{
	struct buf payload;
	json_t *o = NULL;
	bool ok = false;

	buf_init(&payload, 4096);
	if (keyring_jws_verify(keys, jws, &payload) == CMN_OK && payload.data)
		o = json_parse(payload.data, payload.len, 0, NULL);
	if (o)
		ok = json_integer_value(json_object_get(o, "seq")) == seq &&
		     json_is_string(json_object_get(o, "hash")) &&
		     strcmp(json_string_value(json_object_get(o, "hash")), hash) == 0 &&
		     json_is_string(json_object_get(o, "person")) &&
		     strcmp(json_string_value(json_object_get(o, "person")), person_id) == 0;
	json_decref(o);
	buf_release(&payload);
	return ok;
}

enum cmn_rc secret_seal(const struct keyring *keys, const char *person_id, const char *name,
			const void *value, size_t n, struct buf *box)
{
	unsigned char key[CRYPT_KEY_BYTES];
	char ad[160];
	enum cmn_rc rc;

	keyring_person_key(keys, person_id, key);
	snprintf(ad, sizeof(ad), "%s/%s", person_id, name);
	rc = crypt_seal(key, value, n, ad, box);
	sodium_memzero(key, sizeof(key));
	return rc;
}

enum cmn_rc secret_open(const struct keyring *keys, const char *person_id, const char *name,
			const void *box, size_t n, struct buf *out)
{
	unsigned char key[CRYPT_KEY_BYTES];
	char ad[160];
	enum cmn_rc rc;

	keyring_person_key(keys, person_id, key);
	snprintf(ad, sizeof(ad), "%s/%s", person_id, name);
	rc = crypt_open(key, box, n, ad, out);
	sodium_memzero(key, sizeof(key));
	return rc;
}
