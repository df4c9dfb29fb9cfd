/*
 * store.c - the functions of store.h that every backend shares, and the
 * choice of the backend: store_open takes a data directory (SQLite) or a
 * postgres:// URL (PostgreSQL), checks that the store is the platform
 * key's, and the platform functions below call the backend's through
 * s->ops.
 */
#include "store/store_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/str.h"
#include "core/timeutil.h"

static _Thread_local char last_error[256];

void store_set_last_error(const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s", msg ? msg : "");
}

const char *store_last_error(void)
{
	return last_error;
}

bool store_is_pg_url(const char *where)
{
	return strncmp(where, "postgres://", 11) == 0 || strncmp(where, "postgresql://", 13) == 0;
}

/*
 * The platform key of a store. Everything a store seals or signs is under
 * keys derived from the master key, which is not in the store: a process
 * given another key (an empty data directory before a shared PostgreSQL
 * database, a key file restored from the wrong backup) would read nothing
 * sealed, verify no signature and seal new data under a key nobody kept.
 * So the store records the key's fingerprint under KEY_FINGERPRINT the
 * first time it is opened, and every later open compares: before
 * migrating (a wrong key changes nothing), and again once the fingerprint
 * is recorded, since two processes opening a new store at once may each
 * bring a key and only one is kept.
 */
#define KEY_FINGERPRINT "key_fingerprint"

/* key_compare - CMN_OK when the store records the fingerprint of s's key,
 * CMN_ERR_WRONG_KEY when it records another; when it records none,
 * CMN_OK unless recorded says one must be there */
static enum cmn_rc key_compare(struct store *s, bool recorded)
{
	char mine[CRYPT_HASH_HEX_LEN], theirs[STORE_META_VALUE_MAX];
	enum cmn_rc rc;

	keyring_fingerprint(s->keys, mine);
	rc = s->ops->meta_get(s, KEY_FINGERPRINT, theirs, sizeof(theirs));
	if (rc == CMN_ERR_NOT_FOUND && !recorded)
		return CMN_OK;
	if (rc == CMN_ERR_NOT_FOUND)
		return CMN_ERR_INTERNAL;
	if (rc != CMN_OK)
		return rc;
	if (!crypt_equal(mine, theirs)) {
		store_set_last_error("the platform key is not the one this store was made with");
		return CMN_ERR_WRONG_KEY;
	}
	return CMN_OK;
}

/* store_new - a struct store for the backend of where, not connected */
static struct store *store_new(const char *where, const struct keyring *keys)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = store_is_pg_url(where) ? &store_pg_ops : &store_sqlite_ops;
	s->keys = keys;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

enum cmn_rc store_open(struct store **out, const char *where, const struct keyring *keys)
{
	struct store *s = store_new(where, keys);
	enum cmn_rc rc;

	*out = NULL;
	if (!s)
		return CMN_ERR_NOMEM;
	rc = s->ops->open(s, where, true);
	if (rc == CMN_OK)
		rc = key_compare(s, false);
	if (rc == CMN_OK)
		rc = s->ops->migrate(s);
	if (rc == CMN_OK) {
		char fingerprint[CRYPT_HASH_HEX_LEN];

		keyring_fingerprint(keys, fingerprint);
		rc = s->ops->meta_put(s, KEY_FINGERPRINT, fingerprint, false);
	}
	if (rc == CMN_OK)
		rc = key_compare(s, true);
	if (rc != CMN_OK) {
		store_close(&s);
		return rc;
	}
	*out = s;
	return CMN_OK;
}

enum cmn_rc store_key_bound(const char *where, bool *bound)
{
	struct store *s = store_new(where, NULL);
	char fingerprint[STORE_META_VALUE_MAX];
	enum cmn_rc rc;

	*bound = false;
	if (!s)
		return CMN_ERR_NOMEM;
	rc = s->ops->open(s, where, false);
	if (rc == CMN_ERR_NOT_FOUND) {
		rc = CMN_OK; /* not made yet */
	} else if (rc == CMN_OK) {
		rc = s->ops->meta_get(s, KEY_FINGERPRINT, fingerprint, sizeof(fingerprint));
		if (rc == CMN_OK)
			*bound = true;
		else if (rc == CMN_ERR_NOT_FOUND)
			rc = s->ops->has_persons(s, bound);
	}
	store_close(&s);
	return rc;
}

enum cmn_rc store_meta_get(struct store *s, const char *name, char *out, size_t n)
{
	return s->ops->meta_get(s, name, out, n);
}

enum cmn_rc store_meta_claim(struct store *s, const char *name, const char *value, char *out,
			     size_t n)
{
	enum cmn_rc rc;

	if (strcmp(name, KEY_FINGERPRINT) == 0)
		return CMN_ERR_FORBIDDEN;
	if (strlen(value) >= STORE_META_VALUE_MAX)
		return CMN_ERR_TOO_LARGE;
	rc = s->ops->meta_put(s, name, value, false);
	return rc == CMN_OK ? s->ops->meta_get(s, name, out, n) : rc;
}

enum cmn_rc store_meta_set(struct store *s, const char *name, const char *value)
{
	if (strcmp(name, KEY_FINGERPRINT) == 0)
		return CMN_ERR_FORBIDDEN;
	if (strlen(value) >= STORE_META_VALUE_MAX)
		return CMN_ERR_TOO_LARGE;
	return s->ops->meta_put(s, name, value, true);
}

void store_close(struct store **sp)
{
	struct store *s = *sp;

	if (!s)
		return;
	store_thread_done();
	s->ops->close(s);
	for (size_t i = 0; i < s->nindexes * 2; i++)
		free(s->index_strings ? s->index_strings[i] : NULL);
	free(s->index_strings);
	free(s->indexes);
	pthread_mutex_destroy(&s->lock);
	free(s);
	*sp = NULL;
}

void store_thread_done(void)
{
	store_sqlite_ops.thread_done();
	store_pg_ops.thread_done();
}

enum cmn_rc store_tx_begin(struct store *s)
{
	return s->ops->tx_begin(s);
}

enum cmn_rc store_tx_end(struct store *s, enum cmn_rc rc)
{
	return s->ops->tx_end(s, rc);
}

enum cmn_rc store_read_begin(struct store *s)
{
	return s->ops->read_begin(s);
}

void store_read_end(struct store *s)
{
	s->ops->read_end(s);
}

/* ---- persons, organisations ---------------------------------------------- */

enum cmn_rc store_person_add(struct store *s, const char *handle, const char *role, const char *org,
			     const char *pwhash, struct person *out)
{
	return s->ops->person_add(s, handle, role, org, pwhash, out);
}

enum cmn_rc store_person_by_handle(struct store *s, const char *handle, struct person *out,
				   char pwhash[CRYPT_PWHASH_LEN])
{
	return s->ops->person_by_handle(s, handle, out, pwhash);
}

enum cmn_rc store_person_by_id(struct store *s, const char *id, struct person *out,
			       char pwhash[CRYPT_PWHASH_LEN])
{
	return s->ops->person_by_id(s, id, out, pwhash);
}

enum cmn_rc store_person_each(struct store *s, enum cmn_rc (*fn)(const struct person *p, void *ctx),
			      void *ctx)
{
	return s->ops->person_each(s, fn, ctx);
}

enum cmn_rc store_person_set_disabled(struct store *s, const char *id, bool disabled)
{
	return s->ops->person_set_disabled(s, id, disabled);
}

enum cmn_rc store_person_set_role(struct store *s, const char *id, const char *role)
{
	return s->ops->person_set_role(s, id, role);
}

enum cmn_rc store_person_set_password(struct store *s, const char *id, const char *pwhash,
				      const char *keep_session_hash)
{
	return s->ops->person_set_password(s, id, pwhash, keep_session_hash);
}

enum cmn_rc store_person_delete(struct store *s, const char *id)
{
	return s->ops->person_delete(s, id);
}

enum cmn_rc store_person_count(struct store *s, int64_t *out)
{
	return s->ops->person_count(s, out);
}

enum cmn_rc store_org_add(struct store *s, const char *name, const char *kind, struct org *out)
{
	return s->ops->org_add(s, name, kind, out);
}

enum cmn_rc store_org_each(struct store *s, enum cmn_rc (*fn)(const struct org *o, void *ctx),
			   void *ctx)
{
	return s->ops->org_each(s, fn, ctx);
}

enum cmn_rc store_org_get(struct store *s, const char *id, struct org *out)
{
	return s->ops->org_get(s, id, out);
}

/* ---- sessions and tokens ---------------------------------------------------- */

uint64_t store_auth_epoch(struct store *s)
{
	return atomic_load(&s->auth_epoch);
}

void store_auth_changed(struct store *s)
{
	atomic_fetch_add(&s->auth_epoch, 1);
}

enum cmn_rc store_session_add(struct store *s, const char *token_hash, const char *person_id,
			      const char *csrf, int64_t now, int64_t expires)
{
	return s->ops->session_add(s, token_hash, person_id, csrf, now, expires);
}

/*
 * Small per-thread caches of sessions and of personal API tokens, so that
 * a request does not cost a query on the platform store. An entry is used
 * only while the store's auth epoch is unchanged (any change to a person,
 * a session or a token made by this process moves it on), for
 * AUTH_CACHE_MS at most (a change made by another process, `commune user
 * disable` or a second server, shows within that time), and within a
 * minute of its last use (after which the database path records the use
 * again: a session's last_seen, a token's last_used).
 */
#define AUTH_CACHE    64
#define AUTH_CACHE_MS 1000

struct auth_slot {
	const struct store *s;
	uint64_t epoch;
	int64_t at; /* when it was read (ms) */
	char hash[CRYPT_HASH_HEX_LEN];
};

static unsigned auth_slot_index(const char *token_hash)
{
	unsigned h = 0;

	for (int i = 0; i < 8 && token_hash[i]; i++)
		h = h * 31 + (unsigned char)token_hash[i];
	return h % AUTH_CACHE;
}

/* auth_slot_fresh - a can serve token_hash on s at now, its use last
 * recorded at used */
static bool auth_slot_fresh(const struct auth_slot *a, const struct store *s, uint64_t epoch,
			    const char *token_hash, int64_t now, int64_t used)
{
	return a->s == s && a->epoch == epoch && strcmp(a->hash, token_hash) == 0 &&
	       now - a->at < AUTH_CACHE_MS && now - used <= 60 * 1000;
}

static void auth_slot_fill(struct auth_slot *a, const struct store *s, uint64_t epoch,
			   const char *token_hash, int64_t now)
{
	a->s = s;
	a->epoch = epoch;
	a->at = now;
	str_copy(a->hash, sizeof(a->hash), token_hash);
}

static _Thread_local struct session_slot {
	struct auth_slot a;
	struct session sess;
} session_cache[AUTH_CACHE];

static _Thread_local struct token_slot {
	struct auth_slot a;
	struct person person;
	struct api_token tok;
} token_cache[AUTH_CACHE];

enum cmn_rc store_session_get(struct store *s, const char *token_hash, int64_t now,
			      struct session *out)
{
	struct session_slot *slot = &session_cache[auth_slot_index(token_hash)];
	uint64_t epoch = atomic_load(&s->auth_epoch);
	enum cmn_rc rc;

	if (auth_slot_fresh(&slot->a, s, epoch, token_hash, now, slot->sess.last_seen) &&
	    slot->sess.expires > now) {
		*out = slot->sess;
		return CMN_OK;
	}
	rc = s->ops->session_get(s, token_hash, now, out);
	if (rc == CMN_OK) {
		auth_slot_fill(&slot->a, s, epoch, token_hash, now);
		slot->sess = *out;
		if (now - slot->sess.last_seen > 60 * 1000)
			slot->sess.last_seen = now; /* the query refreshed it */
	} else {
		slot->a.s = NULL;
	}
	return rc;
}

enum cmn_rc store_session_delete(struct store *s, const char *token_hash)
{
	return s->ops->session_delete(s, token_hash);
}

enum cmn_rc store_token_add(struct store *s, const char *person_id, const char *name,
			    const char *token_hash, struct api_token *out)
{
	return s->ops->token_add(s, person_id, name, token_hash, out);
}

enum cmn_rc store_token_get(struct store *s, const char *token_hash, struct person *out,
			    struct api_token *tok)
{
	struct token_slot *slot = &token_cache[auth_slot_index(token_hash)];
	uint64_t epoch = atomic_load(&s->auth_epoch);
	int64_t now = time_now_ms();
	enum cmn_rc rc;

	if (auth_slot_fresh(&slot->a, s, epoch, token_hash, now, slot->tok.last_used)) {
		*out = slot->person;
		*tok = slot->tok;
		return CMN_OK;
	}
	rc = s->ops->token_get(s, token_hash, out, tok);
	if (rc == CMN_OK) {
		auth_slot_fill(&slot->a, s, epoch, token_hash, now);
		slot->person = *out;
		slot->tok = *tok;
		if (now - slot->tok.last_used > 60 * 1000)
			slot->tok.last_used = now; /* the query recorded the use */
	} else {
		slot->a.s = NULL;
	}
	return rc;
}

enum cmn_rc store_token_each(struct store *s, const char *person_id,
			     enum cmn_rc (*fn)(const struct api_token *t, void *ctx), void *ctx)
{
	return s->ops->token_each(s, person_id, fn, ctx);
}

enum cmn_rc store_token_delete(struct store *s, const char *person_id, const char *token_id)
{
	return s->ops->token_delete(s, person_id, token_id);
}

/* ---- the doctype registry and the indexed fields --------------------------- */

enum cmn_rc store_doctype_put(struct store *s, const char *name, int version,
			      const char *definition)
{
	return s->ops->doctype_put(s, name, version, definition);
}

enum cmn_rc store_doctype_each(struct store *s,
			       enum cmn_rc (*fn)(const char *name, int version,
						 const char *definition, void *ctx),
			       void *ctx)
{
	return s->ops->doctype_each(s, fn, ctx);
}

enum cmn_rc store_set_indexes(struct store *s, const struct store_index *idx, size_t n)
{
	struct store_index *copy = calloc(n ? n : 1, sizeof(*copy));
	char **strings = calloc(n ? 2 * n : 1, sizeof(*strings));
	crypto_generichash_state hs;
	unsigned char h[32];

	if (!copy || !strings) {
		free(copy);
		free(strings);
		return CMN_ERR_NOMEM;
	}
	crypto_generichash_init(&hs, NULL, 0, sizeof(h));
	for (size_t i = 0; i < n; i++) {
		strings[2 * i] = strdup(idx[i].doctype);
		strings[2 * i + 1] = strdup(idx[i].field);
		if (!strings[2 * i] || !strings[2 * i + 1]) {
			for (size_t j = 0; j <= 2 * i + 1; j++)
				free(strings[j]);
			free(strings);
			free(copy);
			return CMN_ERR_NOMEM;
		}
		copy[i].doctype = strings[2 * i];
		copy[i].field = strings[2 * i + 1];
		crypto_generichash_update(&hs, (const unsigned char *)idx[i].doctype,
					  strlen(idx[i].doctype) + 1);
		crypto_generichash_update(&hs, (const unsigned char *)idx[i].field,
					  strlen(idx[i].field) + 1);
	}
	crypto_generichash_final(&hs, h, sizeof(h));
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nindexes * 2; i++)
		free(s->index_strings[i]);
	free(s->index_strings);
	free(s->indexes);
	s->indexes = copy;
	s->index_strings = strings;
	s->nindexes = n;
	str_hex(s->index_sig, h, sizeof(h));
	pthread_mutex_unlock(&s->lock);
	return CMN_OK;
}

/* ---- failure counters ------------------------------------------------------ */

/* limit_key - key's keyed hash: neither an address nor a handle is kept */
static void limit_key(const struct store *s, const char *key,
		      unsigned char out[STORE_LIMIT_KEY_BYTES])
{
	unsigned char k[CRYPT_KEY_BYTES];

	keyring_subkey(s->keys, "limits", "", k);
	crypto_generichash(out, STORE_LIMIT_KEY_BYTES, (const unsigned char *)key, strlen(key), k,
			   sizeof(k));
	sodium_memzero(k, sizeof(k));
}

enum cmn_rc store_limit_get(struct store *s, const char *key, int64_t now, unsigned *count,
			    int64_t *until)
{
	unsigned char h[STORE_LIMIT_KEY_BYTES];

	limit_key(s, key, h);
	return s->ops->limit_get(s, h, now, count, until);
}

enum cmn_rc store_limit_fail(struct store *s, const char *key, int64_t window_ms, int64_t now)
{
	unsigned char h[STORE_LIMIT_KEY_BYTES];

	limit_key(s, key, h);
	return s->ops->limit_fail(s, h, window_ms, now);
}

enum cmn_rc store_limit_clear(struct store *s, const char *key)
{
	unsigned char h[STORE_LIMIT_KEY_BYTES];

	limit_key(s, key, h);
	return s->ops->limit_clear(s, h);
}
