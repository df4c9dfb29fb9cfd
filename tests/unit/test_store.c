#define _GNU_SOURCE
/*
 * test_store.c - the SQLite store: persons and their files, sessions,
 * records with revisions, the audit chain and its tamper detection,
 * encrypted secrets, real erasure, the key file's checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"
#include <sodium.h>
#include <sqlite3.h>

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "record/query.h"
#include "store/store.h"


static void person_path(struct fixture *f, const char *id, char *out, size_t n)
{
	snprintf(out, n, "%s/persons/%.2s/%s.db", f->dir, id, id);
}

static void persons_and_sessions(void **state)
{
	struct fixture *f = *state;
	struct person p;
	struct session sess;
	char hash[CRYPT_PWHASH_LEN], path[300];
	struct stat st;
	int64_t now = time_now_ms();

	assert_int_equal(store_person_by_handle(f->s, "alice", &p, hash), CMN_OK);
	assert_string_equal(p.id, f->alice.id);
	assert_int_equal(crypt_password_verify(hash, "pw-alice-correct-horse"), CMN_OK);
	assert_int_equal(crypt_password_verify(hash, "wrong"), CMN_ERR_UNAUTHENTICATED);
	assert_int_equal(store_person_add(f->s, "alice", "resident", NULL, hash, &p), CMN_ERR_EXISTS);
	assert_int_equal(store_person_add(f->s, "zoe", "resident", "no such org", hash, &p),
			 CMN_ERR_NOT_FOUND);
	person_path(f, f->alice.id, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(store_session_add(f->s, "h1", f->alice.id, "csrf1", now, now + 1000), CMN_OK);
	assert_int_equal(store_session_get(f->s, "h1", now + 10, &sess), CMN_OK);
	assert_string_equal(sess.csrf, "csrf1");
	assert_int_equal(store_session_get(f->s, "h1", now + 1000, &sess), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_session_add(f->s, "h2", f->alice.id, "c2", now, now + 3600000), CMN_OK);
	assert_int_equal(store_person_set_disabled(f->s, f->alice.id, true), CMN_OK);
	assert_int_equal(store_session_get(f->s, "h2", now, &sess), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_set_disabled(f->s, f->alice.id, false), CMN_OK);
}

static enum cmn_rc count_row(const struct record_meta *m, const char *data,
			     const struct query_value *k, void *n)
{
	(void)m;
	(void)data;
	(void)k;
	(*(int *)n)++;
	return CMN_OK;
}

static void records_and_audit(void **state)
{
	struct fixture *f = *state;
	struct pstore *ps;
	struct record_meta m = {0};
	struct store_query q = {0};
	char *data = NULL, path[300];
	int64_t count, bad;
	int n = 0;
	sqlite3 *db;

	assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "bank.transaction");
	snprintf(m.source, sizeof(m.source), "api");
	m.t = 1000;
	assert_int_equal(pstore_record_insert(ps, &m, "{\"amount\":1}", "person:x"), CMN_OK);
	assert_int_equal(m.rev, 1);
	assert_int_equal(pstore_record_replace(ps, &m, 1, "{\"amount\":2}", "person:x"), CMN_OK);
	assert_int_equal(m.rev, 2);
	assert_int_equal(pstore_record_replace(ps, &m, 1, "{\"amount\":3}", "person:x"),
			 CMN_ERR_PRECONDITION);
	assert_int_equal(pstore_record_get(ps, "bank.transaction", m.id, &m, &data), CMN_OK);
	assert_string_equal(data, "{\"amount\":2}");
	free(data);
	assert_int_equal(pstore_record_get(ps, "mobility.trip", m.id, &m, &data), CMN_ERR_NOT_FOUND);
	q.doctype = "bank.transaction";
	q.limit = 10;
	q.nfilters = 1;
	q.filters[0].field = "amount";
	q.filters[0].op = QOP_GTE;
	q.filters[0].nv = 1;
	q.filters[0].v[0].type = QV_INT;
	q.filters[0].v[0].i = 2;
	assert_int_equal(pstore_record_query(ps, &q, count_row, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 2);

	/* tampering with a past entry is detected, at that entry */
	person_path(f, f->alice.id, path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'someone-else' WHERE seq = 1",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 1);
	/* and so is removing the latest one... after restoring the first */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'person:x' WHERE seq = 1;"
				      "DELETE FROM audit WHERE seq = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 1);
}

static void secrets_are_encrypted(void **state)
{
	struct fixture *f = *state;
	struct pstore *ps;
	struct buf out;
	char path[300];
	FILE *fp;
	static char raw[1 << 20];
	size_t n;

	assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
	assert_int_equal(pstore_secret_put(ps, "enedis.token", "very-secret-token-123", 21), CMN_OK);
	buf_init(&out, 1024);
	assert_int_equal(pstore_secret_get(ps, "enedis.token", &out), CMN_OK);
	assert_int_equal(out.len, 21);
	assert_memory_equal(out.data, "very-secret-token-123", 21);
	buf_release_secure(&out);
	assert_int_equal(pstore_secret_get(ps, "missing", &out), CMN_ERR_NOT_FOUND);
	/* the file on disk never holds the plaintext */
	person_path(f, f->alice.id, path, sizeof(path));
	store_thread_done(); /* checkpoint by closing */
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(raw, 1, sizeof(raw), fp);
	fclose(fp);
	assert_true(n > 0);
	assert_null(memmem(raw, n, "very-secret", 11));
}

static void blobs_are_encrypted_and_counted(void **state)
{
	struct fixture *f = *state;
	struct pstore *ps;
	char id[BLOB_ID_LEN], id2[BLOB_ID_LEN], dir[300], path[400];
	static const char content[] = "Bulletin de paie - secret salary 2345.67";
	static char raw[4096];
	struct buf out;
	FILE *fp;
	size_t n;

	assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
	assert_int_equal(pstore_blob_put(ps, content, sizeof(content) - 1, id), CMN_OK);
	assert_int_equal(pstore_blob_put(ps, content, sizeof(content) - 1, id2), CMN_OK);
	assert_string_equal(id, id2); /* content-addressed */
	snprintf(dir, sizeof(dir), "%s/persons/%.2s/%s.blobs", f->dir, f->alice.id, f->alice.id);
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(raw, 1, sizeof(raw), fp);
	fclose(fp);
	assert_int_equal(n, 24 + sizeof(content) - 1 + 16);
	assert_null(memmem(raw, n, "secret salary", 13));
	buf_init(&out, 1 << 20);
	assert_int_equal(pstore_blob_get(ps, id, &out), CMN_OK);
	assert_int_equal(out.len, sizeof(content) - 1);
	assert_memory_equal(out.data, content, out.len);
	buf_release(&out);
	/* a flipped bit is detected */
	raw[30] ^= 1;
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(raw, 1, n, fp), n);
	fclose(fp);
	buf_init(&out, 1 << 20);
	assert_int_equal(pstore_blob_get(ps, id, &out), CMN_ERR_CRYPTO);
	buf_release(&out);
	/* two references: the first release keeps the file, the second removes it */
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(pstore_blob_release(ps, id), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_blob_get(ps, "../../platform.db", &out), CMN_ERR_NOT_FOUND);
	/* erasing the person removes the blob directory */
	assert_int_equal(pstore_blob_put(ps, "x", 1, id), CMN_OK);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(store_person_delete(f->s, f->alice.id), CMN_OK);
	assert_int_not_equal(access(dir, F_OK), 0);
}

static void erasure_removes_the_store(void **state)
{
	struct fixture *f = *state;
	struct pstore *ps;
	struct person p;
	char path[300], hash[CRYPT_PWHASH_LEN];

	assert_int_equal(crypt_password_hash("pw-bob-correct-horse", hash), CMN_OK);
	assert_int_equal(store_person_add(f->s, "bob", "resident", NULL, hash, &p), CMN_OK);
	assert_int_equal(store_person_store(f->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_append(ps, "person:bob", "test", "x", ""), CMN_OK);
	person_path(f, p.id, path, sizeof(path));
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(store_person_delete(f->s, p.id), CMN_OK);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "-wal");
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(store_person_by_id(f->s, p.id, &p, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_store(f->s, p.id, &ps), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_person_delete(f->s, "../../etc/passwd"), CMN_ERR_NOT_FOUND);
}

static void key_file_checks(void **state)
{
	struct fixture *f = *state;
	struct keyring k;
	unsigned char a[CRYPT_KEY_BYTES], b[CRYPT_KEY_BYTES];
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/master.key", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, CRYPT_KEY_BYTES);
	/* the same file gives the same keys; persons get different keys */
	assert_int_equal(keyring_open(&k, path, 0), CMN_OK);
	keyring_person_key(&k, "aa", a);
	keyring_person_key(&f->keys, "aa", b);
	assert_memory_equal(a, b, sizeof(a));
	keyring_person_key(&k, "ab", b);
	assert_memory_not_equal(a, b, sizeof(a));
	keyring_release(&k);
	/* a key file others can read is refused, even when it may be made */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(keyring_open(&k, path, KEYRING_CREATE), CMN_ERR_CRYPTO);
	assert_null(k.master);
	assert_int_equal(chmod(path, 0600), 0);
	sodium_memzero(a, sizeof(a));
}

/* a missing key file is made only when asked: whole, 0600, and nothing
 * left beside it; the fingerprint names the key without being it */
static void key_file_made_when_asked(void **state)
{
	struct fixture *f = *state;
	struct keyring k, again;
	char path[300], fp[CRYPT_HASH_HEX_LEN], fp2[CRYPT_HASH_HEX_LEN];
	char hex[2 * CRYPT_KEY_BYTES + 1];
	unsigned char raw[CRYPT_KEY_BYTES];
	struct stat st;
	FILE *in;

	snprintf(path, sizeof(path), "%s/other.key", f->dir);
	assert_int_equal(keyring_open(&k, path, 0), CMN_ERR_NOT_FOUND);
	assert_null(k.master);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(keyring_open(&k, path, KEYRING_CREATE), CMN_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, CRYPT_KEY_BYTES);
	/* opened again, made or not: the same key */
	assert_int_equal(keyring_open(&again, path, KEYRING_CREATE), CMN_OK);
	keyring_fingerprint(&k, fp);
	keyring_fingerprint(&again, fp2);
	assert_string_equal(fp, fp2);
	assert_int_equal(strlen(fp), 64);
	keyring_release(&again);
	/* another key, another fingerprint; and neither is the key itself */
	keyring_fingerprint(&f->keys, fp2);
	assert_string_not_equal(fp, fp2);
	in = fopen(path, "rb");
	assert_non_null(in);
	assert_int_equal(fread(raw, 1, sizeof(raw), in), sizeof(raw));
	fclose(in);
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	assert_string_not_equal(fp, hex);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	keyring_release(&k);
	assert_null(k.master);
	/* the temporary file it was written to is gone */
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "test -z \"$(ls '%s' | grep 'other.key.new')\"", f->dir);
		assert_int_equal(system(cmd), 0);
	}
	unlink(path);
}

static void sealing(void **state)
{
	unsigned char key[CRYPT_KEY_BYTES], other[CRYPT_KEY_BYTES];
	struct buf sealed, open;

	(void)state;
	crypt_random(key, sizeof(key));
	crypt_random(other, sizeof(other));
	buf_init(&sealed, 4096);
	buf_init(&open, 4096);
	assert_int_equal(crypt_seal(key, "hello", 5, "ad", &sealed), CMN_OK);
	assert_int_equal(sealed.len, 24 + 5 + 16);
	assert_int_equal(crypt_open(key, sealed.data, sealed.len, "ad", &open), CMN_OK);
	assert_memory_equal(open.data, "hello", 5);
	buf_reset(&open);
	assert_int_equal(crypt_open(other, sealed.data, sealed.len, "ad", &open), CMN_ERR_CRYPTO);
	assert_int_equal(crypt_open(key, sealed.data, sealed.len, "other", &open), CMN_ERR_CRYPTO);
	sealed.data[30] ^= 1;
	assert_int_equal(crypt_open(key, sealed.data, sealed.len, "ad", &open), CMN_ERR_CRYPTO);
	buf_release(&sealed);
	buf_release(&open);
}

/* the schema of a person's store before the lean records (version 4),
 * as the migrations of that time left it */
static const char v4_schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE records (id TEXT NOT NULL UNIQUE, doctype TEXT NOT NULL,"
	"  rev INTEGER NOT NULL, t INTEGER, data TEXT NOT NULL, source TEXT NOT NULL,"
	"  import_id TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL, dedupe TEXT);"
	"CREATE INDEX records_by_id ON records(doctype, id);"
	"CREATE INDEX records_by_t ON records(doctype, t, id);"
	"CREATE INDEX records_by_created ON records(doctype, created, id);"
	"CREATE INDEX records_by_updated ON records(doctype, updated, id);"
	"CREATE UNIQUE INDEX records_dedupe ON records(doctype, dedupe)"
	"  WHERE dedupe IS NOT NULL;"
	"CREATE INDEX \"f:bank.transaction:category\" ON records(doctype,"
	"  json_extract(data, '$.category'), id) WHERE doctype = 'bank.transaction';"
	"INSERT INTO meta VALUES ('index_sig', 'an old list');"
	"CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
	"  detail TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE TABLE secrets (name TEXT PRIMARY KEY, box BLOB NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE blobs (id TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	"  refs INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE series (id TEXT PRIMARY KEY, doctype TEXT NOT NULL,"
	"  source TEXT NOT NULL, key TEXT NOT NULL, unit TEXT NOT NULL, step INTEGER NOT NULL,"
	"  phase INTEGER NOT NULL, span INTEGER NOT NULL, tz TEXT NOT NULL, meta TEXT,"
	"  points INTEGER NOT NULL DEFAULT 0, t_first INTEGER, t_last INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL, UNIQUE (doctype, source, key));"
	"CREATE TABLE chunks (series_id TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,"
	"  start INTEGER NOT NULL, t_first INTEGER NOT NULL, t_last INTEGER NOT NULL,"
	"  present INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (series_id, start))"
	"  WITHOUT ROWID;"
	"CREATE TABLE imports (id TEXT PRIMARY KEY, format TEXT NOT NULL, name TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL, status TEXT NOT NULL, stats TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"INSERT INTO records VALUES ('0190aaaa-0000-7000-8000-000000000002', 'bank.transaction',"
	"  2, 1000, '{\"category\":\"food\",\"amount\":-3}', 'import:ofx', 'imp1', 10, 20,"
	"  '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');"
	"INSERT INTO records VALUES ('0190aaaa-0000-7000-8000-000000000001', 'bank.transaction',"
	"  1, 2000, '{\"category\":\"rent\",\"amount\":-700}', 'api', '', 30, 30, NULL);"
	"INSERT INTO records VALUES ('0190aaaa-0000-7000-8000-000000000003', 'mobility.trip',"
	"  1, 3000, '{\"mode\":\"bike\"}', 'api', '', 40, 40, NULL);"
	"PRAGMA user_version=4;";

static enum cmn_rc collect_ids(const struct record_meta *m, const char *data,
			       const struct query_value *k, void *out)
{
	(void)data;
	(void)k;
	size_t n = strlen(out);

	snprintf((char *)out + n, 64 - n, "%s ", m->id + 34); /* the last two digits */
	return CMN_OK;
}

/* an existing store of version 4 is moved to the lean records, whole */
static void records_migrate_to_lean_layout(void **state)
{
	struct fixture *f = *state;
	struct person p;
	struct pstore *ps;
	struct record_meta m = {0};
	struct store_query q = {0};
	char hash[CRYPT_PWHASH_LEN], path[300], seen[64] = "", *data = NULL;
	const char *const suffix[] = {"", "-wal", "-shm"};
	sqlite3 *db;

	assert_int_equal(crypt_password_hash("pw-olga-correct-horse", hash), CMN_OK);
	assert_int_equal(store_person_add(f->s, "olga", "resident", NULL, hash, &p), CMN_OK);
	person_path(f, p.id, path, sizeof(path));
	for (size_t i = 0; i < 3; i++) {
		char name[320];

		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v4_schema, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_person_store(f->s, p.id, &ps), CMN_OK);
	assert_int_equal(pstore_record_get(ps, "bank.transaction",
					   "0190aaaa-0000-7000-8000-000000000002", &m, &data), CMN_OK);
	assert_string_equal(data, "{\"category\":\"food\",\"amount\":-3}");
	free(data);
	assert_string_equal(m.id, "0190aaaa-0000-7000-8000-000000000002");
	assert_string_equal(m.doctype, "bank.transaction");
	assert_int_equal(m.rev, 2);
	assert_int_equal(m.t, 1000);
	assert_string_equal(m.source, "import:ofx");
	assert_string_equal(m.import_id, "imp1");
	assert_int_equal(m.created, 10);
	assert_int_equal(m.updated, 20);
	assert_string_equal(m.dedupe, "00112233445566778899aabbccddeeff");
	assert_int_equal(pstore_record_get(ps, "mobility.trip",
					   "0190aaaa-0000-7000-8000-000000000002", &m, &data),
			 CMN_ERR_NOT_FOUND);

	/* queries: by id, by a field (its index made again), by time */
	q.doctype = "bank.transaction";
	q.limit = 10;
	assert_int_equal(pstore_record_query(ps, &q, collect_ids, seen), CMN_OK);
	assert_string_equal(seen, "01 02 ");
	seen[0] = '\0';
	q.nfilters = 1;
	q.filters[0].field = "category";
	q.filters[0].op = QOP_EQ;
	q.filters[0].nv = 1;
	q.filters[0].v[0].type = QV_TEXT;
	q.filters[0].v[0].text = "food";
	assert_int_equal(pstore_record_query(ps, &q, collect_ids, seen), CMN_OK);
	assert_string_equal(seen, "02 ");
	seen[0] = '\0';
	q.nfilters = 0;
	q.doctype = "mobility.trip";
	q.sort = QSORT_TIME;
	assert_int_equal(pstore_record_query(ps, &q, collect_ids, seen), CMN_OK);
	assert_string_equal(seen, "03 ");

	/* the dedupe key still holds: the same key is refused, a new one not */
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "bank.transaction");
	snprintf(m.dedupe, sizeof(m.dedupe), "%s",
		 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	assert_int_equal(pstore_record_insert(ps, &m, "{}", NULL), CMN_ERR_EXISTS);
	m.dedupe[0] = 'f';
	assert_int_equal(pstore_record_insert(ps, &m, "{}", NULL), CMN_OK);
	/* ids that are not UUIDs name nothing, and are refused on insert */
	assert_int_equal(pstore_record_get(ps, "bank.transaction", "' OR 1=1--", &m, NULL),
			 CMN_ERR_NOT_FOUND);
	snprintf(m.id, sizeof(m.id), "not-a-uuid");
	assert_int_equal(pstore_record_insert(ps, &m, "{}", NULL), CMN_ERR_INVALID);
}

/* sql - runs SQL on a person's store file behind the store's back. */
static void sql(struct fixture *f, const char *q)
{
	char path[300];
	sqlite3 *db;

	person_path(f, f->alice.id, path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static enum cmn_rc count_rows(const struct record_meta *m, const char *data,
			      const struct query_value *sort_key, void *ctx)
{
	(void)m;
	(void)data;
	(void)sort_key;
	(*(int *)ctx)++;
	return CMN_OK;
}

/* index_exists - whether the person's store has an index of this name */
static bool index_exists(struct fixture *f, const char *name)
{
	char path[300];
	sqlite3 *db;
	sqlite3_stmt *st;
	bool found;

	person_path(f, f->alice.id, path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'index'"
						" AND name = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/* text_holds - the filter as text comparison of dates would say it */
static bool text_holds(const char *date, const char *op, const char *v)
{
	int c = strcmp(date, v);

	if (strcmp(op, "eq") == 0)
		return c == 0;
	if (strcmp(op, "ne") == 0)
		return c != 0;
	if (strcmp(op, "lt") == 0)
		return c < 0;
	if (strcmp(op, "lte") == 0)
		return c <= 0;
	if (strcmp(op, "gt") == 0)
		return c > 0;
	if (strcmp(op, "gte") == 0)
		return c >= 0;
	/* in: v is "a,b" */
	return strncmp(v, date, 10) == 0 || strcmp(v + 11, date) == 0;
}

/* a date time field is not indexed a second time (records_by_t serves
 * it): its filters compare t, and find what comparing the dates as text
 * finds; a store that still has the old index loses it */
static void date_time_field_uses_t(void **state)
{
	struct fixture *f = *state;
	const struct doctype *bank = registry_find(&f->reg, "bank.transaction");
	static const char *const dates[] = {"2023-12-31", "2024-02-28", "2024-02-29", "2024-03-01",
					    "2024-03-01", "2024-03-02", "2024-12-31", "2025-01-01"};
	static const char *const ops[] = {"eq", "ne", "lt", "lte", "gt", "gte", "in"};
	static const char *const values[] = {"2024-03-01", "2023-12-31", "2025-01-01", "2024-02-30",
					     "1999-01-01"};
	struct store *s2;

	assert_false(doctype_time_is_date(bank, "amount"));
	assert_true(doctype_time_is_date(bank, "date"));
	assert_false(doctype_time_is_date(registry_find(&f->reg, "mobility.trip"), "start"));
	for (size_t i = 0; i < sizeof(dates) / sizeof(*dates); i++) {
		struct record_meta m = {0};
		char data[160];

		crypt_uuid7_new(m.id);
		snprintf(m.doctype, sizeof(m.doctype), "bank.transaction");
		snprintf(m.source, sizeof(m.source), "api");
		assert_int_equal(time_parse(dates[i], true, &m.t), CMN_OK);
		snprintf(data, sizeof(data),
			 "{\"date\":\"%s\",\"amount\":-%zu.5,\"currency\":\"EUR\","
			 "\"label\":\"x\"}",
			 dates[i], i + 1);
		assert_int_equal(pstore_record_insert(f->ps, &m, data, NULL), CMN_OK);
	}
	assert_false(index_exists(f, "f:bank.transaction:date"));
	assert_true(index_exists(f, "f:bank.transaction:account"));
	/* filtered without an index ("filters"): no write pays for it */
	assert_false(index_exists(f, "f:bank.transaction:amount"));

	for (size_t o = 0; o < sizeof(ops) / sizeof(*ops); o++)
		for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++) {
			struct record_query q;
			char qs[128], value[32];
			int got = 0, want = 0;
			enum cmn_rc rc;

			if (strcmp(ops[o], "in") == 0)
				snprintf(value, sizeof(value), "%s,2024-02-29", values[v]);
			else
				snprintf(value, sizeof(value), "%s", values[v]);
			snprintf(qs, sizeof(qs), "filter.date.%s=%s&limit=100", ops[o], value);
			rc = query_parse(&q, bank, qs);
			if (strcmp(values[v], "2024-02-30") == 0) {
				/* not a date: refused, not compared as text */
				assert_int_equal(rc, CMN_ERR_INVALID);
				assert_int_equal(strncmp(q.param, "filter.date.", 12), 0);
				query_release(&q);
				continue;
			}
			assert_int_equal(rc, CMN_OK);
			assert_true(q.q.filters[0].on_t);
			assert_int_equal(pstore_record_query(f->ps, &q.q, count_rows, &got), CMN_OK);
			query_release(&q);
			for (size_t i = 0; i < sizeof(dates) / sizeof(*dates); i++)
				want += text_holds(dates[i], ops[o], value);
			if (got != want)
				fail_msg("%s: %d records, the text comparison finds %d", qs, got, want);
		}

	/* a store made before: the date index there, and another signature */
	sql(f, "CREATE INDEX \"f:bank.transaction:date\" ON records(dt,"
	       " json_extract(data, '$.date'), id) WHERE dt = 1;"
	       "UPDATE meta SET value = 'before' WHERE key = 'index_sig'");
	assert_true(index_exists(f, "f:bank.transaction:date"));
	/* opened afresh (another store object: this thread's handles go) */
	assert_int_equal(store_open(&s2, f->dir, &f->keys), CMN_OK);
	assert_int_equal(registry_sync(&f->reg, s2), CMN_OK);
	{
		struct pstore *ps;
		int n = 0;
		struct store_query q = {.doctype = "bank.transaction", .limit = 100};

		assert_int_equal(store_person_store(s2, f->alice.id, &ps), CMN_OK);
		assert_int_equal(pstore_record_query(ps, &q, count_rows, &n), CMN_OK);
		assert_int_equal(n, (int)(sizeof(dates) / sizeof(*dates)));
	}
	store_close(&s2); /* f->ps went with this thread's handles: not used again */
	f->ps = NULL;
	assert_false(index_exists(f, "f:bank.transaction:date"));
	assert_true(index_exists(f, "f:bank.transaction:account"));
}

/* dated - the transaction of the date and amount, m.t that date; inserted
 * when rev is 0, else replacing revision rev */
static enum cmn_rc dated(struct fixture *f, struct record_meta *m, int64_t rev, const char *date,
			 int amount)
{
	char data[128];

	snprintf(data, sizeof(data),
		 "{\"date\":\"%s\",\"amount\":%d,\"currency\":\"EUR\",\"label\":\"a\"}",
		 date, amount);
	assert_int_equal(time_parse(date, true, &m->t), CMN_OK);
	return rev ? pstore_record_replace(f->ps, m, rev, data, NULL)
		   : pstore_record_insert(f->ps, m, data, NULL);
}

/* a replace that keeps the time leaves t as it was (its index entry
 * untouched), one that moves it moves t: time queries follow either way */
static void replace_keeps_or_moves_t(void **state)
{
	struct fixture *f = *state;
	struct record_meta m = {0};
	struct store_query in_march = {.doctype = "bank.transaction", .limit = 10,
				       .has_from = true, .has_to = true};
	struct store_query in_may = in_march;
	int n;

	assert_int_equal(time_parse("2024-03-01", true, &in_march.from), CMN_OK);
	assert_int_equal(time_parse("2024-04-01", true, &in_march.to), CMN_OK);
	assert_int_equal(time_parse("2024-05-01", true, &in_may.from), CMN_OK);
	assert_int_equal(time_parse("2024-06-01", true, &in_may.to), CMN_OK);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "bank.transaction");
	snprintf(m.source, sizeof(m.source), "api");
	assert_int_equal(dated(f, &m, 0, "2024-03-05", -1), CMN_OK);
	/* the same date, another amount */
	assert_int_equal(dated(f, &m, 1, "2024-03-05", -2), CMN_OK);
	assert_int_equal(m.rev, 2);
	n = 0;
	assert_int_equal(pstore_record_query(f->ps, &in_march, count_rows, &n), CMN_OK);
	assert_int_equal(n, 1);
	/* another date */
	assert_int_equal(dated(f, &m, 2, "2024-05-07", -2), CMN_OK);
	assert_int_equal(m.rev, 3);
	n = 0;
	assert_int_equal(pstore_record_query(f->ps, &in_march, count_rows, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pstore_record_query(f->ps, &in_may, count_rows, &n), CMN_OK);
	assert_int_equal(n, 1);
	{
		struct record_meta got;
		char *data = NULL;

		assert_int_equal(pstore_record_get(f->ps, "bank.transaction", m.id, &got, &data),
				 CMN_OK);
		assert_int_equal(got.t, m.t);
		assert_int_equal(got.rev, 3);
		assert_non_null(strstr(data, "2024-05-07"));
		free(data);
	}
	{
		/* the same bytes again (data and t left alone): a new revision,
		 * a later update, an entry, and the field and time indexes
		 * still find it */
		struct store_query by_amount = in_may;
		struct record_meta got;
		int64_t entries, after, bad, before = m.updated;
		char *data = NULL;

		assert_int_equal(pstore_audit_verify(f->ps, &entries, &bad), CMN_OK);
		usleep(2000);
		assert_int_equal(pstore_record_replace(f->ps, &m, 3,
						       "{\"date\":\"2024-05-07\",\"amount\":-2,"
						       "\"currency\":\"EUR\",\"label\":\"a\"}",
						       "person:x"),
				 CMN_OK);
		assert_int_equal(pstore_record_get(f->ps, "bank.transaction", m.id, &got, &data),
				 CMN_OK);
		assert_int_equal(got.rev, 4);
		assert_true(got.updated > before);
		assert_int_equal(got.t, m.t);
		free(data);
		by_amount.nfilters = 1;
		by_amount.filters[0].field = "amount";
		by_amount.filters[0].op = QOP_EQ;
		by_amount.filters[0].nv = 1;
		by_amount.filters[0].v[0].type = QV_INT;
		by_amount.filters[0].v[0].i = -2;
		n = 0;
		assert_int_equal(pstore_record_query(f->ps, &by_amount, count_rows, &n), CMN_OK);
		assert_int_equal(n, 1);
		assert_int_equal(pstore_audit_verify(f->ps, &after, &bad), CMN_OK);
		assert_int_equal(after, entries + 1);
	}
}

/* the chain's head is signed: cutting its latest entries shows, and so
 * does a forged head; swapping two entries breaks the chain at the first */
static void audit_heads_are_signed(void **state)
{
	struct fixture *f = *state;
	int64_t count, bad;
	char object[32];

	for (int i = 1; i <= 130; i++) {
		snprintf(object, sizeof(object), "thing/%d", i);
		assert_int_equal(pstore_audit_append(f->ps, "person:x", "test.touch", object, ""),
				 CMN_OK);
	}
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 130);
	/* heads at 1 (the first), 64 and 128 */
	/* the last ten entries removed: the head of 128 names a missing entry */
	sql(f, "CREATE TABLE cut AS SELECT * FROM audit WHERE seq > 120;"
	       "DELETE FROM audit WHERE seq > 120");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 121);
	sql(f, "INSERT INTO audit SELECT * FROM cut; DROP TABLE cut");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_OK);
	/* a head whose signature is not the platform's */
	sql(f, "UPDATE audit_heads SET jws = substr(jws, 1, length(jws) - 4) || 'AAAA'"
	       " WHERE seq = 64");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 64);
	/* a head moved onto another entry: its signature names another seq */
	sql(f, "UPDATE audit_heads SET jws = (SELECT jws FROM audit_heads WHERE seq = 128)"
	       " WHERE seq = 64");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 64);
	/* (removing a head loses its protection, not the chain's) */
	sql(f, "DELETE FROM audit_heads WHERE seq = 64");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_OK);
	/* two entries swapped: broken at the first of them */
	sql(f, "UPDATE audit SET seq = -1 WHERE seq = 40; UPDATE audit SET seq = 40 WHERE seq = 41;"
	       "UPDATE audit SET seq = 41 WHERE seq = -1");
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_ERR_CONFLICT);
	assert_int_equal(bad, 40);
}

/* collect - "action object at|" of each entry */
static enum cmn_rc collect(const struct audit_entry *e, void *ctx)
{
	char *out = ctx;
	size_t len = strlen(out);

	snprintf(out + len, 1024 - len, "%s %s %lld|", e->action, e->object, (long long)e->at);
	return CMN_OK;
}

/* entries kept for later in the platform store: none without the change
 * they tell; each in its chain once, in order, dated when kept, even when
 * a delivery wrote it but could not mark it as written */
static void audit_kept_for_later(void **state)
{
	struct fixture *f = *state;
	char got[1024] = "", want[1024], platform[300], q[512];
	size_t written = 9;
	int64_t count, bad, kept_at, touched_at;
	sqlite3 *db;

	/* a change that failed: nothing kept */
	assert_int_equal(store_tx_begin(f->s), CMN_OK);
	assert_int_equal(store_audit_later(f->s, f->alice.id, "person:a", "token.revoke", "token/1",
					   ""),
			 CMN_OK);
	assert_int_equal(store_tx_end(f->s, CMN_ERR_STORE), CMN_ERR_STORE);
	assert_int_equal(store_audit_deliver(f->s, NULL, &written), CMN_OK);
	assert_int_equal(written, 0);
	/* two changes that stood, in a transaction nested in another */
	assert_int_equal(store_tx_begin(f->s), CMN_OK);
	assert_int_equal(store_tx_begin(f->s), CMN_OK);
	assert_int_equal(store_audit_later(f->s, f->alice.id, "person:a", "token.revoke", "token/2",
					   ""),
			 CMN_OK);
	assert_int_equal(store_tx_end(f->s, CMN_OK), CMN_OK);
	assert_int_equal(store_audit_later(f->s, f->alice.id, "person:a", "share.revoke", "share/3",
					   ""),
			 CMN_OK);
	assert_int_equal(store_tx_end(f->s, CMN_OK), CMN_OK);
	/* an entry written at once meanwhile comes first; the kept ones keep
	 * the time of their change */
	assert_int_equal(pstore_audit_append(f->ps, "person:a", "test.touch", "thing/0", ""), CMN_OK);
	assert_int_equal(store_audit_deliver(f->s, NULL, &written), CMN_OK);
	assert_int_equal(written, 2);
	assert_int_equal(pstore_audit_each(f->ps, NULL, 0, 100, collect, got), CMN_OK);
	assert_int_equal(sscanf(got, "test.touch thing/0 %lld|token.revoke token/2 %lld|",
				(long long *)&touched_at, (long long *)&kept_at),
			 2);
	assert_true(kept_at <= touched_at);
	snprintf(want, sizeof(want), "%s", got);
	/* the last written again in audit_later, as if the process had died
	 * before removing it: delivered without a second entry */
	snprintf(platform, sizeof(platform), "%s/platform.db", f->dir);
	assert_int_equal(sqlite3_open(platform, &db), SQLITE_OK);
	assert_non_null(strstr(got, "share.revoke share/3 "));
	snprintf(q, sizeof(q),
		 "INSERT INTO audit_later(person_id, at, actor, action, object, detail)"
		 " VALUES ('%s', %lld, 'person:a', 'share.revoke', 'share/3', '')",
		 f->alice.id, strtoll(strstr(got, "share.revoke share/3 ") + 21, NULL, 10));
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_audit_deliver(f->s, f->alice.id, &written), CMN_OK);
	assert_int_equal(written, 1);
	got[0] = '\0';
	assert_int_equal(pstore_audit_each(f->ps, NULL, 0, 100, collect, got), CMN_OK);
	assert_string_equal(got, want);
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(persons_and_sessions, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(records_and_audit, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(records_migrate_to_lean_layout, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(audit_heads_are_signed, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(audit_kept_for_later, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(date_time_field_uses_t, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(replace_keeps_or_moves_t, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(secrets_are_encrypted, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(erasure_removes_the_store, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(blobs_are_encrypted_and_counted, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(key_file_checks, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(key_file_made_when_asked, check_setup, check_teardown),
		cmocka_unit_test(sealing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
