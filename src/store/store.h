/*
 * store.h - the storage interface of commune.
 *
 * Services reach data only through this header. Two kinds of store:
 *  - struct store, the platform store: persons, organisations, sessions,
 *    API tokens and the doctype registry;
 *  - struct pstore, one person's own store: records, the audit chain and
 *    encrypted secrets (time series and blobs join it in later modules).
 *
 * The embedded backend (src/store/sqlite/) keeps one SQLite file for the
 * platform and one per person; the PostgreSQL backend (src/store/postgres/,
 * docs/postgres.md) implements the same functions, part of them so far.
 * Nothing here names either.
 *
 * Thread safety: one struct store serves every thread. Each thread gets its
 * own connections behind the scenes. A struct pstore returned by
 * store_person_store() is borrowed: valid on the calling thread until the
 * next call that opens another person's store on that thread or the end of
 * the request, whichever comes first. Never keep it.
 */
#ifndef COMMUNE_STORE_STORE_H
#define COMMUNE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/result.h"
#include "crypto/crypt.h"

struct store;
struct pstore;

/* ---- platform store ---------------------------------------------------- */

/* store_open - opens (creating and migrating as needed) the platform store
 * under the data directory where, or in the PostgreSQL database of where
 * when it is a postgres:// or postgresql:// URL. keys must outlive the
 * store.
 *
 * A store is bound to one platform key: its first open records the key's
 * fingerprint (keyring_fingerprint; a store made before fingerprints gets
 * it at its next open), and an open with another key is refused with
 * CMN_ERR_WRONG_KEY before anything is migrated or written. */
enum cmn_rc store_open(struct store **out, const char *where, const struct keyring *keys);

/* store_key_bound - whether the store at where (as store_open takes it) is
 * bound to a platform key already: it records a key's fingerprint or,
 * made before fingerprints were recorded, it holds a person. A store not
 * made yet is not bound. Creates and changes nothing: this is what tells
 * whether a missing key file may be made anew (cli.c). */
enum cmn_rc store_key_bound(const char *where, bool *bound);

/* store_is_pg_url - whether where names a PostgreSQL database
 * (postgres:// or postgresql://) rather than a data directory */
bool store_is_pg_url(const char *where);

/* store_close - closes the store and the calling thread's connections;
 * *s is set to NULL. Other threads must have ended. */
void store_close(struct store **s);

/* store_thread_done - closes the calling thread's connections now. */
void store_thread_done(void);

/* store_last_error - the last database error message seen on this thread. */
const char *store_last_error(void);

/* ---- what the store records of itself ------------------------------------ */

/* The platform store keeps a few named values of its own (the table
 * platform_meta): the fingerprint of its platform key (store.c, under a
 * name of its own) and these. */
#define STORE_META_VALUE_MAX 128
#define STORE_META_ISSUER_KID "issuer_kid" /* the active attestation key's kid (cmd_attest.c) */

/* store_meta_get - the value recorded under name, into out (n bytes);
 * CMN_ERR_NOT_FOUND when there is none. */
enum cmn_rc store_meta_get(struct store *s, const char *name, char *out, size_t n);

/* store_meta_claim - records value under name unless a value is recorded
 * there already, and puts into out (n bytes) the one recorded after:
 * value, or the one another process recorded first. */
enum cmn_rc store_meta_claim(struct store *s, const char *name, const char *value, char *out,
			     size_t n);

/* store_meta_set - records value under name, in place of the one before.
 * The key's fingerprint cannot be set (CMN_ERR_FORBIDDEN): store_open
 * records it, once. */
enum cmn_rc store_meta_set(struct store *s, const char *name, const char *value);

#define ROLE_MAX 16
#define ORG_NAME_MAX 128

struct person {
	char id[CRYPT_ID_LEN];            /* random, hex; names the store file */
	char handle[CMN_HANDLE_MAX + 1];  /* login name, lowercase */
	char role[ROLE_MAX];              /* resident, professional, mediator, agent, admin */
	char org[ORG_NAME_MAX + 1];       /* organisation name, or "" */
	char org_id[CRYPT_ID_LEN];        /* and its id, or "" */
	bool disabled;                    /* may not log in or use tokens */
	int64_t created;                  /* ms since epoch */
};

struct org {
	char id[CRYPT_ID_LEN];
	char name[ORG_NAME_MAX + 1];
	char kind[ROLE_MAX];              /* city, holder, reuser, trust, cooperative */
	int64_t created;
};

/* store_person_add - adds a person and creates their empty store.
 * org may be NULL or "". CMN_ERR_EXISTS when the handle is taken,
 * CMN_ERR_NOT_FOUND when org does not exist. */
enum cmn_rc store_person_add(struct store *s, const char *handle, const char *role,
			     const char *org, const char *pwhash, struct person *out);

/* store_person_by_handle - finds a person; pwhash (may be NULL) receives
 * the password hash. */
enum cmn_rc store_person_by_handle(struct store *s, const char *handle, struct person *out,
				   char pwhash[CRYPT_PWHASH_LEN]);

/* store_person_by_id - finds a person by id. */
enum cmn_rc store_person_by_id(struct store *s, const char *id, struct person *out,
			       char pwhash[CRYPT_PWHASH_LEN]);

/* store_person_each - calls fn for every person, by handle; stops at the
 * first non-OK result of fn and returns it. */
enum cmn_rc store_person_each(struct store *s,
			      enum cmn_rc (*fn)(const struct person *p, void *ctx), void *ctx);

/* store_person_set_disabled - disables (and logs out) or enables a person. */
enum cmn_rc store_person_set_disabled(struct store *s, const char *id, bool disabled);

/* store_person_set_role - changes a person's role. */
enum cmn_rc store_person_set_role(struct store *s, const char *id, const char *role);

/* store_person_set_password - replaces the hash and ends every session of
 * the person except keep_session_hash (may be NULL). */
enum cmn_rc store_person_set_password(struct store *s, const char *id, const char *pwhash,
				      const char *keep_session_hash);

/* store_person_delete - erases a person: the platform rows (sessions,
 * tokens) and their store files, removed from disk. */
enum cmn_rc store_person_delete(struct store *s, const char *id);

/* store_person_count - number of persons. */
enum cmn_rc store_person_count(struct store *s, int64_t *out);

/* store_org_add - adds an organisation; CMN_ERR_EXISTS if the name is taken. */
enum cmn_rc store_org_add(struct store *s, const char *name, const char *kind, struct org *out);

/* store_org_get - the organisation of that id; CMN_ERR_NOT_FOUND if none. */
enum cmn_rc store_org_get(struct store *s, const char *id, struct org *out);

/* store_org_each - calls fn for every organisation, by name. */
enum cmn_rc store_org_each(struct store *s, enum cmn_rc (*fn)(const struct org *o, void *ctx),
			   void *ctx);

struct session {
	struct person person;             /* whose session it is */
	char csrf[CRYPT_TOKEN_LEN];       /* sent back in X-CSRF-Token */
	int64_t created, expires, last_seen;
};

/* store_session_add - records a session under the hash of its token. */
enum cmn_rc store_session_add(struct store *s, const char *token_hash, const char *person_id,
			      const char *csrf, int64_t now, int64_t expires);

/* store_session_get - the live session of token_hash, with its person.
 * Expired sessions (absolute or idle) are CMN_ERR_NOT_FOUND. Refreshes
 * last_seen at most once a minute. */
enum cmn_rc store_session_get(struct store *s, const char *token_hash, int64_t now,
			      struct session *out);

/* store_session_delete - ends one session. */
enum cmn_rc store_session_delete(struct store *s, const char *token_hash);

struct api_token {
	char id[CRYPT_ID_LEN];
	char name[CMN_TOKEN_NAME_MAX + 1];
	int64_t created, last_used;
};

/* store_token_add - records a personal API token by its hash.
 * CMN_ERR_TOO_LARGE when the person has CMN_TOKENS_PER_PERSON already. */
enum cmn_rc store_token_add(struct store *s, const char *person_id, const char *name,
			    const char *token_hash, struct api_token *out);

/* store_token_get - the person owning the token of token_hash. */
enum cmn_rc store_token_get(struct store *s, const char *token_hash, struct person *out,
			    struct api_token *tok);

/* store_token_each - a person's tokens, oldest first. */
enum cmn_rc store_token_each(struct store *s, const char *person_id,
			     enum cmn_rc (*fn)(const struct api_token *t, void *ctx), void *ctx);

/* store_token_delete - revokes a person's token; CMN_ERR_NOT_FOUND if the
 * token is not theirs. */
enum cmn_rc store_token_delete(struct store *s, const char *person_id, const char *token_id);

/* store_doctype_put - records a doctype definition (JSON text). */
enum cmn_rc store_doctype_put(struct store *s, const char *name, int version,
			      const char *definition);

/* store_doctype_each - every registered doctype definition, by name. */
enum cmn_rc store_doctype_each(struct store *s,
			       enum cmn_rc (*fn)(const char *name, int version,
						 const char *definition, void *ctx),
			       void *ctx);

/* Failure counters (account/ratelimit.h), in the platform store so that
 * every server process on it counts the same failures. A key (an address,
 * a handle) is kept only as a keyed hash of it. */

/* store_limit_get - the failures counted for key in its window, and when
 * the window ends (ms); *count 0 when it has none open at now. */
enum cmn_rc store_limit_get(struct store *s, const char *key, int64_t now, unsigned *count,
			    int64_t *until);

/* store_limit_fail - counts a failure for key: in its open window, or in
 * a new one of window_ms from now. Windows over are forgotten. */
enum cmn_rc store_limit_fail(struct store *s, const char *key, int64_t window_ms, int64_t now);

/* store_limit_clear - forgets key's failures. */
enum cmn_rc store_limit_clear(struct store *s, const char *key);

/* ---- person store ------------------------------------------------------- */

/*
 * Indexed fields. Each doctype names the fields that filters and sorts may
 * use; the person store keeps an index on each. A record's time field is
 * kept apart as integer milliseconds (struct record_meta.t).
 */
struct store_index {
	const char *doctype;
	const char *field;
};

/* store_set_indexes - the indexed fields of every doctype (copied). */
enum cmn_rc store_set_indexes(struct store *s, const struct store_index *idx, size_t n);

/* store_auth_epoch - a number that moves on after every change that may
 * take a right away (a person, a session, a consent, a token, a block of a
 * service): what was authenticated under one value may be reused while it
 * stays the same. store_auth_changed moves it on (after the change). */
uint64_t store_auth_epoch(struct store *s);
void store_auth_changed(struct store *s);

/* store_tx_begin, store_tx_end - groups writes to the platform store in
 * one transaction, as pstore_tx_begin and pstore_tx_end do in a person's
 * (nested calls join the outermost one). The outermost end moves the auth
 * epoch on after its commit: a right taken away inside stops at once. */
enum cmn_rc store_tx_begin(struct store *s);
enum cmn_rc store_tx_end(struct store *s, enum cmn_rc rc);

/* store_audit_later - keeps an entry for person_id's audit chain in the
 * platform store, to write in the transaction (store_tx_begin) of the
 * change of the platform store it tells: the chain is another file, which
 * SQLite does not commit with it. store_audit_deliver then writes the kept
 * entries of person_id (NULL: everyone's, at most 256) in their chains,
 * oldest first, each once, dated when they were kept; a chain that cannot
 * be written keeps its entries for the next delivery (the first failure
 * is returned). written (may be NULL) receives how many were written. */
enum cmn_rc store_audit_later(struct store *s, const char *person_id, const char *actor,
			      const char *action, const char *object, const char *detail);
enum cmn_rc store_audit_deliver(struct store *s, const char *person_id, size_t *written);

/* store_tx_end_told - store_tx_end of the transaction of a change, which
 * keeps first, when rc is CMN_OK, the entry that tells the change for
 * person_id's chain (store_audit_later), and after the commit writes it
 * there (store_audit_deliver; when it cannot, the change stands and the
 * next delivery writes it). Inside another transaction it only keeps the
 * entry: the outermost's store_tx_end_told delivers it, with its own, when
 * that person's is the same (another person's waits for their next entry
 * or the next start). The transaction's result. */
enum cmn_rc store_tx_end_told(struct store *s, enum cmn_rc rc, const char *person_id,
			      const char *actor, const char *action, const char *object,
			      const char *detail);

/* store_read_begin, store_read_end - what this thread reads from the
 * platform store between the two is one snapshot, in one read transaction
 * instead of one per statement (a campaign's admission reads a grant and a
 * budget for each of thousands of participants). Nothing may be written in
 * between; store_read_end after a failed store_read_begin does nothing. */
enum cmn_rc store_read_begin(struct store *s);
void store_read_end(struct store *s);

/* store_person_store - the store of person_id, opened for this thread. */
enum cmn_rc store_person_store(struct store *s, const char *person_id, struct pstore **out);

/* store_person_peek - the store of person_id opened for one read-only
 * pass (a campaign reading thousands of stores once each): not cached, no
 * migration, no index upkeep, no statement that writes (query_only), and
 * in exclusive locking mode, which keeps the WAL index in heap memory
 * instead of the -shm file; everything read until the close is one read
 * transaction (one snapshot). CMN_ERR_CONFLICT when the store is not at the
 * current schema, CMN_ERR_STORE when another connection holds it (at once:
 * no waiting): read it through store_person_store then. Close it with
 * pstore_peek_close. */
enum cmn_rc store_person_peek(struct store *s, const char *person_id, struct pstore **out);

/* pstore_peek_close - closes and frees what store_person_peek opened. */
void pstore_peek_close(struct pstore **ps);

#define SOURCE_MAX 128
#define RECORD_ID_LEN CRYPT_UUID_LEN

struct record_meta {
	char id[RECORD_ID_LEN];
	char doctype[CMN_DOCTYPE_NAME_MAX + 1];
	int64_t rev;                      /* 1 on insert, +1 on each change */
	int64_t t;                        /* time field in ms, INT64_MIN if none */
	char source[SOURCE_MAX + 1];      /* who wrote it: "api", "token:NAME", "import:..." */
	char import_id[CRYPT_ID_LEN];     /* "" unless it came from an import */
	char dedupe[CRYPT_HASH_HEX_LEN + 8]; /* "" or a key unique per doctype (imports) */
	int64_t created, updated;         /* ms since epoch */
};

/* pstore_tx_begin, pstore_tx_end - groups writes to a person's store in
 * one transaction (nested calls join the outermost one; the writes below
 * use them too). tx_end commits when the outermost rc and every inner one
 * was CMN_OK, else rolls everything back, and returns the final result. */
enum cmn_rc pstore_tx_begin(struct pstore *ps);
enum cmn_rc pstore_tx_end(struct pstore *ps, enum cmn_rc rc);

/* pstore_bulk - a hint around a large write (an import): on, the store may
 * keep more of itself in memory (a bounded amount, STORE_BULK_CACHE_KIB);
 * off, it goes back to its usual footprint. */
#define STORE_BULK_CACHE_KIB (64 * 1024)
void pstore_bulk(struct pstore *ps, bool on);

/* pstore_record_insert - stores a new record (data is JSON text) and
 * appends "record.create" to the audit chain, in one transaction. meta
 * gives doctype, id, t, source, import_id and dedupe; rev and times are
 * filled. With a dedupe key already used for the doctype: CMN_ERR_EXISTS.
 * actor NULL: no audit entry (an import audits itself as a whole). */
enum cmn_rc pstore_record_insert(struct pstore *ps, struct record_meta *meta, const char *data,
				 const char *actor);

/* pstore_record_insert_many - stores n new records of doctype at once, as
 * an import does: no audit entry each, and a record whose dedupe key is
 * already used for the doctype (in the store or earlier in m) is skipped.
 * data[i] is m[i]'s JSON text; rev and times are filled; *added says how
 * many were stored. */
enum cmn_rc pstore_record_insert_many(struct pstore *ps, const char *doctype,
				      struct record_meta *m, const char *const *data, size_t n,
				      size_t *added);

/* pstore_record_get - reads a record; *data is malloc'd (caller frees). */
enum cmn_rc pstore_record_get(struct pstore *ps, const char *doctype, const char *id,
			      struct record_meta *meta, char **data);

/* pstore_record_replace - replaces the data of a record when its revision
 * is expect_rev (any revision when expect_rev < 0): CMN_ERR_PRECONDITION
 * otherwise. meta gives doctype, id and t; it is filled (the source and
 * import id stay those of the record's origin). */
enum cmn_rc pstore_record_replace(struct pstore *ps, struct record_meta *meta, int64_t expect_rev,
				  const char *data, const char *actor);

/* pstore_record_delete - deletes a record (see replace for expect_rev). */
enum cmn_rc pstore_record_delete(struct pstore *ps, const char *doctype, const char *id,
				 int64_t expect_rev, const char *actor);

/* pstore_record_delete_source - deletes every record of doctype written by
 * source (an app's previous results: "app:ID"), without audit entries
 * (the caller audits the whole); their number into *n. */
enum cmn_rc pstore_record_delete_source(struct pstore *ps, const char *doctype, const char *source,
					int64_t *n);

enum query_op { QOP_EQ, QOP_NE, QOP_LT, QOP_LTE, QOP_GT, QOP_GTE, QOP_IN };

enum query_vtype { QV_TEXT, QV_INT, QV_REAL, QV_BOOL };

struct query_value {
	enum query_vtype type;
	const char *text;
	int64_t i;
	double r;
};

struct query_filter {
	const char *field;                /* an indexed field of the doctype */
	bool on_t;                        /* compare t (QV_INT values): the field is a
					   * date time field (doctype_time_is_date) */
	enum query_op op;
	struct query_value v[CMN_MAX_IN_VALUES];
	size_t nv;                        /* 1, or more for QOP_IN */
};

enum query_sort_key { QSORT_ID, QSORT_CREATED, QSORT_UPDATED, QSORT_TIME, QSORT_FIELD };

/*
 * A record query. Results are ordered by the sort key then by id, and the
 * cursor (after_*) is the position of the last row of the previous page:
 * keyset pagination, so rows inserted meanwhile never shift a page.
 */
struct store_query {
	const char *doctype;
	struct query_filter filters[CMN_MAX_FILTERS];
	size_t nfilters;
	bool has_from, has_to;
	int64_t from, to;                 /* time field range [from, to) in ms */
	enum query_sort_key sort;
	const char *sort_field;           /* for QSORT_FIELD */
	bool desc;
	bool has_after;                   /* continue after this position */
	struct query_value after_key;     /* sort key of the last row seen */
	char after_id[RECORD_ID_LEN];
	size_t limit;                     /* rows wanted */
	bool by_ids;                      /* only the records of ids (none when nids is 0) */
	const char *const *ids;
	size_t nids;
};

/* pstore_record_query - calls fn for each record matching q, at most
 * q->limit times; data is valid during the call only. sort_key receives
 * the row's sort key (for the next cursor). */
enum cmn_rc pstore_record_query(struct pstore *ps, const struct store_query *q,
				enum cmn_rc (*fn)(const struct record_meta *m, const char *data,
						  const struct query_value *sort_key, void *ctx),
				void *ctx);

/*
 * Notes on a share: what its grantee (a social worker, an organisation's
 * agent) and the person write to each other beside the shared data, kept
 * in the person's store, each creation and deletion in the audit chain.
 */
#define NOTE_TEXT_MAX 4000                /* bytes of a note */
#define NOTE_AUTHOR_MAX (CMN_HANDLE_MAX + ORG_NAME_MAX + 3) /* "handle (organisation)" */
#define NOTES_MAX 500                     /* notes on one share */

struct note {
	char id[CRYPT_UUID_LEN];
	char grant_id[CRYPT_ID_LEN];      /* the share */
	char author[CRYPT_ID_LEN];        /* the person who wrote it */
	char author_name[NOTE_AUTHOR_MAX + 1];
	int64_t at;                       /* ms since epoch */
	const char *text;                 /* valid during a call of pstore_notes_each */
};

/* pstore_note_add - adds n (grant_id, author, author_name, text; id and at
 * are filled) and appends "note.create" to the audit chain as actor.
 * CMN_ERR_CONFLICT when the share has NOTES_MAX notes already. */
enum cmn_rc pstore_note_add(struct pstore *ps, struct note *n, const char *actor);

/* pstore_note_delete - deletes note_id of grant_id if author wrote it
 * ("note.delete" in the chain); CMN_ERR_NOT_FOUND otherwise. */
enum cmn_rc pstore_note_delete(struct pstore *ps, const char *grant_id, const char *note_id,
			       const char *author, const char *actor);

/* pstore_notes_each - the notes of grant_id, oldest first. */
enum cmn_rc pstore_notes_each(struct pstore *ps, const char *grant_id,
			      enum cmn_rc (*fn)(const struct note *n, void *ctx), void *ctx);

struct audit_entry {
	int64_t seq;                      /* 1, 2, 3, ... */
	int64_t at;                       /* ms since epoch */
	const char *actor;                /* "person:ID", "token:ID", "admin:ID", ... */
	const char *action;               /* "record.create", ... */
	const char *object;               /* what it touched, e.g. "bank.transaction/ID" */
	const char *detail;               /* JSON text or "" */
	char hash[CRYPT_HASH_HEX_LEN];    /* BLAKE2b of the previous hash and this entry */
};

/* pstore_audit_append - appends an entry to the person's audit chain. */
enum cmn_rc pstore_audit_append(struct pstore *ps, const char *actor, const char *action,
				const char *object, const char *detail);

/* Which entries of an audit chain to list; NULL members match all. */
struct audit_filter {
	const char *action;               /* exactly, e.g. "data.read" */
	const char *actor;                /* a prefix, e.g. "service:" */
	const char *consent;              /* the id of the grant a service read under */
	int64_t from, to;                 /* at in [from, to) ms; 0 and INT64_MAX: all */
};

/* pstore_audit_each - entries with seq > after that pass f (NULL: all),
 * oldest first, at most limit. */
enum cmn_rc pstore_audit_each(struct pstore *ps, const struct audit_filter *f, int64_t after,
			      size_t limit,
			      enum cmn_rc (*fn)(const struct audit_entry *e, void *ctx), void *ctx);

/* pstore_audit_verify - recomputes the chain. CMN_ERR_CONFLICT and the
 * first bad seq in *bad when an entry was changed, removed or reordered. */
enum cmn_rc pstore_audit_verify(struct pstore *ps, int64_t *count, int64_t *bad);

/*
 * Blobs: files (PDF bills, payslips) kept encrypted with the person's key,
 * addressed by the SHA-256 of their content, counted by reference. A blob
 * is written (to a temporary file, then renamed) before the record that
 * names it; see docs/ARCHITECTURE.md for what a crash can leave behind.
 */
#define BLOB_ID_LEN CRYPT_HASH_HEX_LEN  /* hex SHA-256 */

/* pstore_blob_put - stores n bytes (or adds a reference when the same
 * content is there already); id receives the hex SHA-256. */
enum cmn_rc pstore_blob_put(struct pstore *ps, const void *data, size_t n, char id[BLOB_ID_LEN]);

/* pstore_blob_get - decrypts a blob into out. */
enum cmn_rc pstore_blob_get(struct pstore *ps, const char *id, struct buf *out);

/* pstore_blob_release - drops one reference; the file goes with the last,
 * but for a release inside a transaction of the caller's (pstore_tx_begin),
 * which may still be rolled back: after its commit, the caller removes the
 * file with pstore_blob_sweep (which removes it unless a row names it). */
enum cmn_rc pstore_blob_release(struct pstore *ps, const char *id);
enum cmn_rc pstore_blob_sweep(struct pstore *ps, const char *id);

/*
 * Time series. A series belongs to a person's store and is identified by
 * (doctype, source, key) - e.g. (energy.electricity.load_curve, enedis,
 * PRM 12345678901234) - and by a random id. Its points live in chunks
 * (src/series/codec.h), each covering a fixed span of time; the store
 * keeps the chunks as opaque bytes, the series service decides their
 * content.
 */
#define SERIES_KEY_MAX 128
#define SERIES_UNIT_MAX 16
#define SERIES_TZ_MAX 64

struct series_def {
	char id[CRYPT_ID_LEN];
	char doctype[CMN_DOCTYPE_NAME_MAX + 1];
	char source[SOURCE_MAX + 1];      /* who measured: "enedis", "grdf", "gps", "api" */
	char key[SERIES_KEY_MAX + 1];     /* which meter or device: a PRM, a PCE, "phone" */
	char unit[SERIES_UNIT_MAX + 1];   /* "W", "Wh", "L", "m3", "udeg" */
	int64_t step;                     /* ms between points; 0 for an irregular series */
	int64_t phase;                    /* t mod step of every point (regular) */
	int64_t span;                     /* ms covered by one chunk */
	char tz[SERIES_TZ_MAX + 1];       /* IANA zone for calendar buckets */
	char *meta;                       /* JSON text (malloc'd; NULL when none) */
	int64_t points;                   /* present points, over all chunks */
	int64_t t_first, t_last;          /* INT64_MIN when empty */
	int64_t created, updated;
};

/* series_def_release - frees def->meta. */
void series_def_release(struct series_def *def);

/* pstore_series_add - records a new series (def->id is filled).
 * CMN_ERR_EXISTS when (doctype, source, key) is taken. */
enum cmn_rc pstore_series_add(struct pstore *ps, struct series_def *def, const char *actor);

/* pstore_series_get - a series by id (release def). */
enum cmn_rc pstore_series_get(struct pstore *ps, const char *id, struct series_def *def);

/* pstore_series_find - a series by (doctype, source, key) (release def). */
enum cmn_rc pstore_series_find(struct pstore *ps, const char *doctype, const char *source,
			       const char *key, struct series_def *def);

/* pstore_series_each - every series, by doctype then key. */
enum cmn_rc pstore_series_each(struct pstore *ps,
			       enum cmn_rc (*fn)(const struct series_def *d, void *ctx), void *ctx);

/* pstore_series_delete - a series and all its chunks, audited. */
enum cmn_rc pstore_series_delete(struct pstore *ps, const char *id, const char *actor);

struct chunk_ref {
	int64_t start;                    /* the chunk's span starts here (ms) */
	const uint8_t *data;              /* encoded points; NULL to delete */
	size_t len;
	uint32_t present;                 /* points with a value */
	int64_t t_first, t_last;          /* of the points in it */
};

/* pstore_chunks_each - the chunks of a series that may hold points in
 * [from, to), in time order. data is valid during the call only. */
enum cmn_rc pstore_chunks_each(struct pstore *ps, const struct series_def *def, int64_t from,
			       int64_t to,
			       enum cmn_rc (*fn)(const struct chunk_ref *c, void *ctx), void *ctx);

/* pstore_chunk_get - one chunk by its start; *data is malloc'd. */
enum cmn_rc pstore_chunk_get(struct pstore *ps, const char *series_id, int64_t start,
			     uint8_t **data, size_t *len);

/* pstore_chunks_write - replaces (or, with data NULL, deletes) n chunks of
 * a series, updates its totals and appends one audit entry (action,
 * detail JSON), all in one transaction: all or nothing. */
enum cmn_rc pstore_chunks_write(struct pstore *ps, const char *series_id,
				const struct chunk_ref *chunks, size_t n, const char *actor,
				const char *action, const char *detail);

/* pstore_import_put - records an import (id, format, file name, SHA-256,
 * status, stats JSON, who made it), or updates it. */
enum cmn_rc pstore_import_put(struct pstore *ps, const char *id, const char *format,
			      const char *name, const char *sha256, const char *status,
			      const char *stats, const char *actor);

/* pstore_import_get - an import as JSON text {id, format, name, sha256,
 * status, stats, created, by} (malloc'd); only one actor made when actor is
 * not NULL (CMN_ERR_NOT_FOUND for another's). */
enum cmn_rc pstore_import_get(struct pstore *ps, const char *id, const char *actor, char **json);

/* pstore_import_each - every import (only actor's when not NULL), newest
 * first, as JSON text. */
enum cmn_rc pstore_import_each(struct pstore *ps, const char *actor,
			       enum cmn_rc (*fn)(const char *json, void *ctx), void *ctx);

/* pstore_secret_put - stores a secret encrypted with the person's key. */
enum cmn_rc pstore_secret_put(struct pstore *ps, const char *name, const void *value, size_t n);

/* pstore_secret_get - decrypts a secret into out. */
enum cmn_rc pstore_secret_get(struct pstore *ps, const char *name, struct buf *out);

#endif
