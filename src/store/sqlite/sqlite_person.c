/*
 * sqlite_person.c - one person's store in SQLite: records, their indexes,
 * the audit hash chain and encrypted secrets (dir/persons/XX/ID.db).
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_record_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/jsonparse.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

static const char *const person_migrations[] = {
	/* 1: records, audit chain, secrets */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE records ("
	"  id TEXT NOT NULL UNIQUE, doctype TEXT NOT NULL, rev INTEGER NOT NULL,"
	"  t INTEGER, data TEXT NOT NULL, source TEXT NOT NULL,"
	"  import_id TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE INDEX records_by_id ON records(doctype, id);"
	"CREATE INDEX records_by_t ON records(doctype, t, id);"
	"CREATE INDEX records_by_created ON records(doctype, created, id);"
	"CREATE INDEX records_by_updated ON records(doctype, updated, id);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	"  action TEXT NOT NULL, object TEXT NOT NULL, detail TEXT NOT NULL,"
	"  hash TEXT NOT NULL);"
	"CREATE TABLE secrets (name TEXT PRIMARY KEY, box BLOB NOT NULL,"
	"  updated INTEGER NOT NULL);",
	/* 2: encrypted blobs, content-addressed, reference-counted */
	"CREATE TABLE blobs (id TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	"  refs INTEGER NOT NULL, created INTEGER NOT NULL);",
	/* 3: time series and their chunks */
	"CREATE TABLE series ("
	"  id TEXT PRIMARY KEY, doctype TEXT NOT NULL, source TEXT NOT NULL,"
	"  key TEXT NOT NULL, unit TEXT NOT NULL, step INTEGER NOT NULL,"
	"  phase INTEGER NOT NULL, span INTEGER NOT NULL, tz TEXT NOT NULL, meta TEXT,"
	"  points INTEGER NOT NULL DEFAULT 0, t_first INTEGER, t_last INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  UNIQUE (doctype, source, key));"
	"CREATE TABLE chunks ("
	"  series_id TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,"
	"  start INTEGER NOT NULL, t_first INTEGER NOT NULL, t_last INTEGER NOT NULL,"
	"  present INTEGER NOT NULL, data BLOB NOT NULL,"
	"  PRIMARY KEY (series_id, start)) WITHOUT ROWID;",
	/* 4: import provenance: a dedupe key per record, the imports themselves */
	"ALTER TABLE records ADD COLUMN dedupe TEXT;"
	"CREATE UNIQUE INDEX records_dedupe ON records(doctype, dedupe) WHERE dedupe IS NOT NULL;"
	"CREATE TABLE imports ("
	"  id TEXT PRIMARY KEY, format TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  status TEXT NOT NULL, stats TEXT NOT NULL, created INTEGER NOT NULL);",
	/* 5: lean records: every index entry began with the doctype's name
	 * and ended with the 36 characters of an id, two thirds of a store
	 * and of an import's time; now a doctype is a number (kinds), an id
	 * its 16 bytes, a dedupe key the first 16 bytes of its hash (with
	 * uuid_blob and key_blob, functions of this file) */
	"CREATE TABLE kinds (n INTEGER PRIMARY KEY, doctype TEXT NOT NULL UNIQUE);"
	"INSERT INTO kinds(doctype) SELECT DISTINCT doctype FROM records ORDER BY doctype;"
	"CREATE TABLE records_5 ("
	"  id BLOB NOT NULL, dt INTEGER NOT NULL, rev INTEGER NOT NULL, t INTEGER,"
	"  data TEXT NOT NULL, source TEXT NOT NULL, import_id TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL, dedupe BLOB);"
	"INSERT INTO records_5(id, dt, rev, t, data, source, import_id, created, updated, dedupe)"
	"  SELECT uuid_blob(r.id), k.n, r.rev, r.t, r.data, r.source, r.import_id, r.created,"
	"  r.updated, key_blob(r.dedupe) FROM records r JOIN kinds k ON k.doctype = r.doctype"
	"  ORDER BY r.rowid;"
	"DROP TABLE records;"
	"ALTER TABLE records_5 RENAME TO records;"
	"CREATE UNIQUE INDEX records_by_id ON records(dt, id);"
	"CREATE INDEX records_by_t ON records(dt, t, id);"
	"CREATE INDEX records_by_created ON records(dt, created, id);"
	"CREATE INDEX records_by_updated ON records(dt, updated, id);"
	"CREATE UNIQUE INDEX records_dedupe ON records(dt, dedupe) WHERE dedupe IS NOT NULL;"
	/* the field indexes went with the old table: made again on open */
	"DELETE FROM meta WHERE key = 'index_sig';",
	/* 6: signed heads of the audit chain (audit_sign_head) */
	"CREATE TABLE audit_heads (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL,"
	"  at INTEGER NOT NULL, jws TEXT NOT NULL);",
	/* 7: notes on the person's shares (sqlite_notes.c) */
	"CREATE TABLE notes (id TEXT PRIMARY KEY, grant_id TEXT NOT NULL, author TEXT NOT NULL,"
	"  author_name TEXT NOT NULL, at INTEGER NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX notes_by_grant ON notes(grant_id, at);",
	/* 8: installed apps and their runs (sqlite_apps.c), who made an import */
	"CREATE TABLE apps (id TEXT PRIMARY KEY, version TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  package BLOB NOT NULL, installed INTEGER NOT NULL, last_run INTEGER);"
	"CREATE TABLE app_runs (seq INTEGER PRIMARY KEY, app_id TEXT NOT NULL,"
	"  version TEXT NOT NULL, at INTEGER NOT NULL, trigger TEXT NOT NULL,"
	"  outcome TEXT NOT NULL, error TEXT NOT NULL, elapsed_us INTEGER NOT NULL,"
	"  instructions INTEGER NOT NULL, written INTEGER NOT NULL, result TEXT);"
	"CREATE INDEX app_runs_by_app ON app_runs(app_id, seq);"
	/* who made each import (a mediator under a mandate sees only theirs) */
	"ALTER TABLE imports ADD COLUMN actor TEXT NOT NULL DEFAULT '';",
	/* 9: the attestations issued to the person (sqlite_attest.c) */
	"CREATE TABLE attestations (id TEXT PRIMARY KEY, rule TEXT NOT NULL, version TEXT NOT NULL,"
	"  issued INTEGER NOT NULL, expires INTEGER NOT NULL, status_idx INTEGER NOT NULL,"
	"  token TEXT NOT NULL, revoked INTEGER);",
};

#define PERSON_SCHEMA_VERSION ((int)(sizeof(person_migrations) / sizeof(*person_migrations)))
#define DEDUPE_BYTES 16 /* of a dedupe key's hash: 128 bits, as a UUID */

/* uuid_blob(text) - the 16 bytes of a UUID's text; NULL when not one. */
static void sql_uuid_blob(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *text = sqlite3_value_text(argv[0]);
	unsigned char b[16];

	(void)argc;
	if (text && crypt_uuid_parse((const char *)text, b))
		sqlite3_result_blob(cx, b, sizeof(b), SQLITE_TRANSIENT);
	else
		sqlite3_result_null(cx);
}

/* key_blob(hex) - the first DEDUPE_BYTES of a hex dedupe key; NULL when
 * not one. */
static void sql_key_blob(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *text = sqlite3_value_text(argv[0]);
	unsigned char b[DEDUPE_BYTES];

	(void)argc;
	if (text && str_unhex(b, (const char *)text, sizeof(b)))
		sqlite3_result_blob(cx, b, sizeof(b), SQLITE_TRANSIENT);
	else
		sqlite3_result_null(cx);
}

/* migrate - brings a person's store to PERSON_SCHEMA_VERSION, with the
 * functions its migrations call. */
static enum cmn_rc migrate(struct conn *c)
{
	static const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;

	if (sqlite3_create_function(c->db, "uuid_blob", 1, flags, NULL, sql_uuid_blob, NULL,
				    NULL) != SQLITE_OK ||
	    sqlite3_create_function(c->db, "key_blob", 1, flags, NULL, sql_key_blob, NULL,
				    NULL) != SQLITE_OK)
		return conn_err(c, sqlite3_errcode(c->db));
	return conn_migrate(c, person_migrations, PERSON_SCHEMA_VERSION);
}

/* index_sql - appends the CREATE INDEX of doctype's field (kind n) */
static enum cmn_rc index_sql(struct buf *sql, const char *doctype, const char *field, int64_t n)
{
	/* names were checked by the registry: [a-z0-9_.] only */
	return buf_printf(sql,
			  "CREATE INDEX IF NOT EXISTS \"f:%s:%s\" ON records(dt,"
			  " json_extract(data, '$.%s'), id) WHERE dt = %lld;",
			  doctype, field, field, (long long)n);
}

/* stale_indexes - appends to sql the DROP of every field index the store
 * has that list ("doctype field\n" lines) no longer names: an index the
 * registry dropped (the time field of a date, which records_by_t serves)
 * would cost every write for nothing */
static enum cmn_rc stale_indexes(struct pstore *ps, const char *list, struct buf *sql)
{
	static const char q[] = "SELECT name FROM sqlite_master WHERE type = 'index'"
				" AND name LIKE 'f:%:%'";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *colon = name ? strrchr(name, ':') : NULL;
		char line[256];
		bool listed = false;

		if (!colon || colon < name + 2)
			continue;
		/* "f:doctype:field" is listed as the line "doctype field" */
		snprintf(line, sizeof(line), "%.*s %s\n", (int)(colon - name - 2), name + 2,
			 colon + 1);
		for (const char *p = strstr(list, line); p && !listed; p = strstr(p + 1, line))
			listed = p == list || p[-1] == '\n';
		if (!listed)
			rc = buf_printf(sql, "DROP INDEX \"%s\";", name);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

/* field_indexes - creates the registry's field indexes of doctype, whose
 * number in this store is n (inside the caller's transaction) */
static enum cmn_rc field_indexes(struct pstore *ps, const char *doctype, int64_t n)
{
	struct store *s = ps->s;
	enum cmn_rc rc = CMN_OK;
	struct buf sql;

	buf_init(&sql, 1 << 20);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nindexes && rc == CMN_OK; i++)
		if (strcmp(s->indexes[i].doctype, doctype) == 0)
			rc = index_sql(&sql, doctype, s->indexes[i].field, n);
	pthread_mutex_unlock(&s->lock);
	if (rc == CMN_OK && sql.len)
		rc = conn_exec(&ps->c, sql.data);
	buf_release(&sql);
	return rc;
}

/* kind_of - the number that stands for doctype in the records of this
 * store (the table kinds). With create, a doctype seen for the first time
 * gets one, inside the caller's transaction; without, CMN_ERR_NOT_FOUND. */
static enum cmn_rc kind_of(struct pstore *ps, const char *doctype, bool create, int64_t *n)
{
	static const char q_get[] = "SELECT n FROM kinds WHERE doctype = ?";
	static const char q_add[] = "INSERT INTO kinds(doctype) VALUES (?)";
	sqlite3_stmt *st;
	int sr;

	for (int i = 0; i < ps->nkinds; i++)
		if (strcmp(ps->kinds[i].doctype, doctype) == 0) {
			*n = ps->kinds[i].n;
			return CMN_OK;
		}
	if (strlen(doctype) > CMN_DOCTYPE_NAME_MAX)
		return CMN_ERR_NOT_FOUND;
	if (!(st = conn_stmt(&ps->c, q_get)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, doctype, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (sr == SQLITE_DONE && create) {
		enum cmn_rc rc;

		if (!(st = conn_stmt(&ps->c, q_add)))
			return CMN_ERR_STORE;
		sqlite3_bind_text(st, 1, doctype, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE)
			return conn_err(&ps->c, sr);
		*n = sqlite3_last_insert_rowid(ps->c.db);
		/* a doctype's field indexes come with its first record: a store
		 * holds the indexes of what it holds, and opens faster for it */
		if ((rc = field_indexes(ps, doctype, *n)) != CMN_OK)
			return rc;
		sr = SQLITE_ROW;
	}
	if (sr != SQLITE_ROW)
		return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	/* a number made in a transaction that is rolled back is forgotten
	 * with it (pstore_tx_end, ensure_indexes) */
	if (ps->nkinds < PSTORE_KINDS_MAX) {
		str_copy(ps->kinds[ps->nkinds].doctype, sizeof(ps->kinds[0].doctype), doctype);
		ps->kinds[ps->nkinds++].n = *n;
	}
	return CMN_OK;
}

/* ensure_indexes - creates the field indexes of the registry when the
 * store was last indexed for another list. Each is partial, on the rows
 * of its doctype only, and ends with the id for a stable order; it begins
 * with the doctype's number all the same (one byte), without which the
 * planner does not see that it gives the order of a query. */
static enum cmn_rc ensure_indexes(struct pstore *ps)
{
	static const char q_get[] = "SELECT value FROM meta WHERE key = 'index_sig'";
	static const char q_put[] = "INSERT OR REPLACE INTO meta(key, value) VALUES ('index_sig', ?)";
	struct store *s = ps->s;
	sqlite3_stmt *st;
	char sig[CRYPT_HASH_HEX_LEN] = "";
	enum cmn_rc rc;
	struct buf sql, list;

	if (!(st = conn_stmt(&ps->c, q_get)))
		return CMN_ERR_STORE;
	rc = conn_step_row(&ps->c, st);
	if (rc == CMN_OK) {
		conn_text_col(st, 0, sig, sizeof(sig));
		sqlite3_reset(st);
	} else if (rc != CMN_ERR_NOT_FOUND) {
		return rc;
	}
	/* the list is copied out of the lock: the SQL below may wait for
	 * another writer of this store */
	buf_init(&list, 1 << 20);
	pthread_mutex_lock(&s->lock);
	if (strcmp(sig, s->index_sig) == 0 || s->nindexes == 0) {
		pthread_mutex_unlock(&s->lock);
		buf_release(&list);
		return CMN_OK;
	}
	str_copy(sig, sizeof(sig), s->index_sig);
	rc = CMN_OK;
	for (size_t i = 0; i < s->nindexes && rc == CMN_OK; i++)
		rc = buf_printf(&list, "%s %s\n", s->indexes[i].doctype, s->indexes[i].field);
	pthread_mutex_unlock(&s->lock);
	buf_init(&sql, 1 << 20);
	if (rc == CMN_OK)
		rc = conn_tx_begin(&ps->c);
	if (rc == CMN_OK)
		rc = stale_indexes(ps, list.data, &sql);
	for (char *p = list.data, *nl; rc == CMN_OK && p && (nl = strchr(p, '\n')); p = nl + 1) {
		char *field = memchr(p, ' ', (size_t)(nl - p));
		int64_t kind;

		*field++ = '\0';
		*nl = '\0';
		/* only for the doctypes the store holds; the others get theirs
		 * with their first record (kind_of) */
		rc = kind_of(ps, p, false, &kind);
		if (rc == CMN_ERR_NOT_FOUND) {
			rc = CMN_OK;
			continue;
		}
		if (rc == CMN_OK)
			rc = index_sql(&sql, p, field, kind);
	}
	buf_release(&list);
	if (rc == CMN_OK && sql.len)
		rc = conn_exec(&ps->c, sql.data);
	buf_release(&sql);
	if (rc == CMN_OK && (st = conn_stmt(&ps->c, q_put))) {
		sqlite3_bind_text(st, 1, sig, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = conn_err(&ps->c, sqlite3_errcode(ps->c.db));
		sqlite3_reset(st);
	}
	if ((rc = conn_tx_end(&ps->c, rc)) != CMN_OK)
		ps->nkinds = 0;
	return rc;
}

/* build - a new person's store built in tmp (open as fd) by the
 * migrations, without journal or syncs (conn_build_open); its bytes are
 * kept in s->blank for the next ones */
static enum cmn_rc build(struct store *s, int fd, const char *tmp)
{
	static const char *const leftovers[] = {"-wal", "-shm", "-journal"};
	unsigned char *bytes;
	struct conn c;
	size_t n;
	enum cmn_rc rc = conn_build_open(&c, tmp);

	if (rc == CMN_OK) {
		rc = migrate(&c);
		if (rc == CMN_OK)
			rc = conn_build_close(&c);
		else
			conn_close(&c);
	}
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(*leftovers); i++) {
		char p[4300];

		snprintf(p, sizeof(p), "%s%s", tmp, leftovers[i]);
		(void)unlink(p);
	}
	if (rc == CMN_OK && fs_read_file(fd, &bytes, &n) == CMN_OK) {
		pthread_mutex_lock(&s->lock);
		if (!s->blank) {
			s->blank = bytes;
			s->blank_len = n;
			bytes = NULL;
		}
		pthread_mutex_unlock(&s->lock);
		free(bytes);
	}
	return rc;
}

/* pstore_create - the first new store of a process is built by the
 * migrations (build), and the next ones are copies of its bytes: SQLite
 * parsing the nine migrations again was a quarter of what a week of a
 * household costs `synth --into-store`. Either is made under a temporary
 * name and linked to its own (fs_publish): a crash leaves no half-made
 * store where a person's is looked for, and a sync of the file and one of
 * its directory (two for a new directory) replace the eight that WAL mode
 * and the migrations took on the file. */
enum cmn_rc pstore_create(struct store *s, const char *person_id)
{
	char path[4096], tmp[4200], dir[4096], *slash;
	const unsigned char *blank;
	size_t blank_len;
	bool new_dir;
	enum cmn_rc rc;
	int fd;

	rc = store_person_path(s, person_id, path, sizeof(path));
	if (rc != CMN_OK)
		return rc;
	str_copy(dir, sizeof(dir), path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	new_dir = mkdir(dir, 0700) == 0;
	if (!new_dir && errno != EEXIST)
		return CMN_ERR_IO;
	/* set once, freed with the store */
	pthread_mutex_lock(&s->lock);
	blank = s->blank;
	blank_len = s->blank_len;
	pthread_mutex_unlock(&s->lock);
	if ((fd = fs_temp_beside(path, tmp, sizeof(tmp))) < 0)
		return CMN_ERR_IO;
	rc = blank ? fs_write_all(fd, blank, blank_len) : build(s, fd, tmp);
	if (rc != CMN_OK) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = fs_publish(fd, tmp, path);
	if (rc == CMN_OK && new_dir)
		rc = fs_sync_dir_of(dir);
	return rc;
}

enum cmn_rc pstore_open_int(struct store *s, const char *person_id, struct pstore *ps)
{
	char path[4096];
	enum cmn_rc rc;

	rc = store_person_path(s, person_id, path, sizeof(path));
	if (rc != CMN_OK)
		return CMN_ERR_NOT_FOUND;
	rc = conn_open(&ps->c, path, false);
	if (rc != CMN_OK)
		return rc;
	ps->s = s;
	str_copy(ps->person_id, sizeof(ps->person_id), person_id);
	rc = migrate(&ps->c);
	if (rc == CMN_OK)
		rc = ensure_indexes(ps);
	if (rc != CMN_OK)
		conn_close(&ps->c);
	return rc;
}

static enum cmn_rc sq_person_peek(struct store *s, const char *person_id, struct pstore **out)
{
	char path[4096];
	struct pstore *ps;
	sqlite3_stmt *st;
	int version = -1, rc;

	*out = NULL;
	if (store_person_path(s, person_id, path, sizeof(path)) != CMN_OK)
		return CMN_ERR_NOT_FOUND;
	if (!(ps = calloc(1, sizeof(*ps))))
		return CMN_ERR_NOMEM;
	/* read-write for the file lock that exclusive mode takes, but no
	 * statement writes (query_only) */
	rc = sqlite3_open_v2(path, &ps->c.db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		enum cmn_rc r = rc == SQLITE_CANTOPEN ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, rc);

		sqlite3_close(ps->c.db);
		free(ps);
		return r;
	}
	sqlite3_extended_result_codes(ps->c.db, 1);
	{
		/* keep -wal when closing, as conn_open does: creating and
		 * deleting it on every pass costs more than the rest */
		int persist = 1;

		sqlite3_file_control(ps->c.db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}
	ps->s = s;
	str_copy(ps->person_id, sizeof(ps->person_id), person_id);
	/* exclusive locking mode, set before the first read, keeps the WAL's
	 * index in heap memory: no -shm file to truncate, grow and map for a
	 * store read once. It needs the store to itself: another connection
	 * (a server thread's) makes it busy at once, and the caller then goes
	 * the usual, shared way. */
	/* one read transaction for the whole pass, from the version on: each
	 * statement in autocommit mode would begin and end its own, with a
	 * look at the file's size and the WAL each time */
	if (conn_exec(&ps->c, "PRAGMA locking_mode=EXCLUSIVE") != CMN_OK ||
	    conn_exec(&ps->c, "PRAGMA query_only=1") != CMN_OK ||
	    conn_exec(&ps->c, "BEGIN") != CMN_OK) {
		pstore_peek_close(&ps);
		return CMN_ERR_STORE;
	}
	if ((st = conn_stmt(&ps->c, "PRAGMA user_version")) && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	if (st)
		sqlite3_reset(st);
	if (version != PERSON_SCHEMA_VERSION) {
		pstore_peek_close(&ps);
		return version < 0 ? CMN_ERR_STORE : CMN_ERR_CONFLICT;
	}
	*out = ps;
	return CMN_OK;
}

static void sq_peek_close(struct pstore **ps)
{
	if (!*ps)
		return;
	if ((*ps)->c.db && !sqlite3_get_autocommit((*ps)->c.db))
		sqlite3_exec((*ps)->c.db, "COMMIT", NULL, NULL, NULL);
	conn_close(&(*ps)->c);
	free(*ps);
	*ps = NULL;
}

/* ---- audit chain -------------------------------------------------------- */

/* audit_sign_head - signs the entry (seq, hash) as the head when it is
 * time to, inside the caller's transaction. */
static enum cmn_rc audit_sign_head(struct pstore *ps, int64_t seq, const char *hash, int64_t at)
{
	static const char q_last[] = "SELECT at FROM audit_heads ORDER BY seq DESC LIMIT 1";
	static const char q_ins[] = "INSERT INTO audit_heads(seq, hash, at, jws) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;
	int64_t last = 0;
	struct buf jws;
	enum cmn_rc rc;
	int sr;

	if (!ps->s->keys)
		return CMN_OK;
	if (seq % AUDIT_SIGN_EVERY != 0) {
		if (!(st = conn_stmt(&ps->c, q_last)))
			return CMN_ERR_STORE;
		rc = conn_step_row(&ps->c, st);
		if (rc == CMN_OK) {
			last = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		} else if (rc != CMN_ERR_NOT_FOUND) {
			return rc;
		}
	}
	if (!audit_head_due(seq, at, last))
		return CMN_OK;
	buf_init(&jws, 4096);
	rc = audit_head_sign(ps->s->keys, ps->person_id, seq, hash, at, &jws);
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_ins)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, at);
		sqlite3_bind_text(st, 4, jws.data, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		rc = sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
	}
	buf_release(&jws);
	return rc;
}

/* audit_append - appends inside the caller's transaction. */
static enum cmn_rc audit_append_at(struct pstore *ps, int64_t at, const char *actor,
				   const char *action, const char *object, const char *detail)
{
	static const char q_last[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
	static const char q_ins[] = "INSERT INTO audit(seq, at, actor, action, object, detail, hash)"
				    " VALUES (?, ?, ?, ?, ?, ?, ?)";
	char prev[CRYPT_HASH_HEX_LEN] = "", hash[CRYPT_HASH_HEX_LEN];
	int64_t seq = 1;
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if (!actor)
		return CMN_OK; /* part of a larger write that is audited as a whole */
	if (!(st = conn_stmt(&ps->c, q_last)))
		return CMN_ERR_STORE;
	rc = conn_step_row(&ps->c, st);
	if (rc == CMN_OK) {
		seq = sqlite3_column_int64(st, 0) + 1;
		conn_text_col(st, 1, prev, sizeof(prev));
		sqlite3_reset(st);
	} else if (rc != CMN_ERR_NOT_FOUND) {
		return rc;
	}
	detail = detail ? detail : "";
	audit_hash(prev, seq, at, actor, action, object, detail, hash);
	if (!(st = conn_stmt(&ps->c, q_ins)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	if (sr != SQLITE_DONE)
		return conn_err(&ps->c, sr);
	return audit_sign_head(ps, seq, hash, at);
}

static enum cmn_rc audit_append(struct pstore *ps, const char *actor, const char *action,
				const char *object, const char *detail)
{
	return audit_append_at(ps, time_now_ms(), actor, action, object, detail);
}

/* in_chain - whether the chain ends with this entry (made at `at`) among
 * those made since: the entries are read from the last back to the first
 * made before `at` */
static enum cmn_rc in_chain(struct pstore *ps, int64_t at, const char *actor, const char *action,
			    const char *object, bool *found)
{
	static const char q[] = "SELECT at, actor, action, object FROM audit ORDER BY seq DESC";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	int sr;

	*found = false;
	if (!st)
		return CMN_ERR_STORE;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= at) {
		if (sqlite3_column_int64(st, 0) == at &&
		    strcmp((const char *)sqlite3_column_text(st, 1), actor) == 0 &&
		    strcmp((const char *)sqlite3_column_text(st, 2), action) == 0 &&
		    strcmp((const char *)sqlite3_column_text(st, 3), object) == 0) {
			*found = true;
			break;
		}
	}
	sqlite3_reset(st);
	return sr == SQLITE_ROW || sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
}

enum cmn_rc pstore_audit_once(struct pstore *ps, int64_t at, const char *actor,
			      const char *action, const char *object, const char *detail)
{
	enum cmn_rc rc = pstore_tx_begin(ps);
	bool found = false;

	if (rc != CMN_OK)
		return rc;
	rc = in_chain(ps, at, actor, action, object, &found);
	if (rc == CMN_OK && !found)
		rc = audit_append_at(ps, at, actor, action, object, detail);
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_ptx_begin(struct pstore *ps)
{
	return conn_tx_begin(&ps->c);
}

static enum cmn_rc sq_ptx_end(struct pstore *ps, enum cmn_rc rc)
{
	bool outermost = ps->c.tx_depth == 1;

	if ((rc = conn_tx_end(&ps->c, rc)) != CMN_OK && outermost)
		ps->nkinds = 0; /* numbers given in it are given back */
	return rc;
}

static void sq_bulk(struct pstore *ps, bool on)
{
	char q[64];

	/* SQLite's default page cache (2 MiB) spills an import's index pages
	 * to the WAL and reads them back: a third of an OFX import's time */
	snprintf(q, sizeof(q), "PRAGMA cache_size=%d", on ? -STORE_BULK_CACHE_KIB : -2000);
	conn_exec(&ps->c, q);
	if (!on)
		sqlite3_db_release_memory(ps->c.db);
}

enum cmn_rc pstore_audit_in_tx(struct pstore *ps, const char *actor, const char *action,
			       const char *object, const char *detail)
{
	return audit_append(ps, actor, action, object, detail);
}

static enum cmn_rc sq_audit_append(struct pstore *ps, const char *actor, const char *action,
				const char *object, const char *detail)
{
	enum cmn_rc rc = pstore_tx_begin(ps);

	if (rc != CMN_OK)
		return rc;
	return pstore_tx_end(ps, audit_append(ps, actor, action, object, detail));
}

static void audit_row(sqlite3_stmt *st, struct audit_entry *e)
{
	e->seq = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	e->actor = (const char *)sqlite3_column_text(st, 2);
	e->action = (const char *)sqlite3_column_text(st, 3);
	e->object = (const char *)sqlite3_column_text(st, 4);
	e->detail = (const char *)sqlite3_column_text(st, 5);
	str_copy(e->hash, sizeof(e->hash), (const char *)sqlite3_column_text(st, 6));
}

static void bind_or_null(sqlite3_stmt *st, int at, const char *text)
{
	if (text)
		sqlite3_bind_text(st, at, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, at);
}

static enum cmn_rc sq_audit_each(struct pstore *ps, const struct audit_filter *f, int64_t after,
			      size_t limit,
			      enum cmn_rc (*fn)(const struct audit_entry *e, void *ctx), void *ctx)
{
	static const char q[] = "SELECT seq, at, actor, action, object, detail, hash FROM audit"
				" WHERE seq > ?1 AND (?2 IS NULL OR action = ?2)"
				" AND (?3 IS NULL OR substr(actor, 1, length(?3)) = ?3)"
				" AND (?4 IS NULL OR actor LIKE '%/grant:' || ?4)"
				" AND at >= ?5 AND at < ?6 ORDER BY seq LIMIT ?7";
	static const struct audit_filter all = {NULL, NULL, NULL, 0, INT64_MAX};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!st)
		return CMN_ERR_STORE;
	if (!f)
		f = &all;
	sqlite3_bind_int64(st, 1, after);
	bind_or_null(st, 2, f->action);
	bind_or_null(st, 3, f->actor);
	bind_or_null(st, 4, f->consent);
	sqlite3_bind_int64(st, 5, f->from);
	sqlite3_bind_int64(st, 6, f->to);
	sqlite3_bind_int64(st, 7, (int64_t)limit);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry e;

		audit_row(st, &e);
		rc = fn(&e, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

/* verify_heads - after an intact chain of count entries: every signed head
 * verifies and names an entry of the chain with its hash. A head beyond the
 * chain means its latest entries were removed: *bad is the first missing. */
static enum cmn_rc verify_heads(struct pstore *ps, int64_t count, int64_t *bad)
{
	static const char q[] = "SELECT h.seq, h.hash, h.jws, a.hash FROM audit_heads h"
				" LEFT JOIN audit a ON a.seq = h.seq ORDER BY h.seq";
	sqlite3_stmt *st;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_DONE;

	if (!ps->s->keys)
		return CMN_OK;
	if (!(st = conn_stmt(&ps->c, q)))
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const char *hash = (const char *)sqlite3_column_text(st, 1);
		const char *jws = (const char *)sqlite3_column_text(st, 2);
		const char *entry = (const char *)sqlite3_column_text(st, 3);

		if (seq > count) {
			*bad = count + 1;
			rc = CMN_ERR_CONFLICT;
		} else if (!hash || !jws || !entry || strcmp(hash, entry) != 0 ||
			   !audit_head_matches(ps->s->keys, jws, ps->person_id, seq, hash)) {
			*bad = seq;
			rc = CMN_ERR_CONFLICT;
		}
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_audit_verify(struct pstore *ps, int64_t *count, int64_t *bad)
{
	static const char q[] = "SELECT seq, at, actor, action, object, detail, hash FROM audit"
				" ORDER BY seq";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	char prev[CRYPT_HASH_HEX_LEN] = "", want[CRYPT_HASH_HEX_LEN];
	int64_t expect = 1;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*count = 0;
	*bad = 0;
	if (!st)
		return CMN_ERR_STORE;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry e;

		audit_row(st, &e);
		audit_hash(prev, e.seq, e.at, e.actor ? e.actor : "", e.action ? e.action : "",
			   e.object ? e.object : "", e.detail ? e.detail : "", want);
		if (e.seq != expect || strcmp(want, e.hash) != 0) {
			*bad = expect;
			rc = CMN_ERR_CONFLICT;
			break;
		}
		str_copy(prev, sizeof(prev), e.hash);
		expect++;
		(*count)++;
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_reset(st);
	if (rc == CMN_OK)
		rc = verify_heads(ps, *count, bad);
	return rc;
}

/* ---- records ------------------------------------------------------------ */

/*
 * A record's row holds its id as the 16 bytes of its UUID, its doctype as
 * a number (kind_of) and its dedupe key as DEDUPE_BYTES bytes: the indexes
 * begin with these, so that an entry takes about 30 bytes instead of 90.
 * The bytes of a UUID order as its lowercase text, so id order is kept.
 */
#define META_COLS "id, rev, t, source, import_id, created, updated, dedupe"
#define DATA_COL  8 /* data, after META_COLS */
#define SORT_COL  9 /* a query's sort key, after data */

static void meta_row(sqlite3_stmt *st, const char *doctype, struct record_meta *m)
{
	const char *t;

	m->id[0] = m->dedupe[0] = '\0';
	if (sqlite3_column_bytes(st, 0) == 16)
		crypt_uuid_format(sqlite3_column_blob(st, 0), m->id);
	str_copy(m->doctype, sizeof(m->doctype), doctype);
	m->rev = sqlite3_column_int64(st, 1);
	m->t = sqlite3_column_type(st, 2) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(st, 2);
	t = (const char *)sqlite3_column_text(st, 3);
	str_copy(m->source, sizeof(m->source), t ? t : "");
	t = (const char *)sqlite3_column_text(st, 4);
	str_copy(m->import_id, sizeof(m->import_id), t ? t : "");
	m->created = sqlite3_column_int64(st, 5);
	m->updated = sqlite3_column_int64(st, 6);
	if (sqlite3_column_bytes(st, 7) == DEDUPE_BYTES)
		str_hex(m->dedupe, sqlite3_column_blob(st, 7), DEDUPE_BYTES);
}

static void bind_t(sqlite3_stmt *st, int at, int64_t t)
{
	if (t == INT64_MIN)
		sqlite3_bind_null(st, at);
	else
		sqlite3_bind_int64(st, at, t);
}

static void object_name(char *out, size_t n, const struct record_meta *m)
{
	snprintf(out, n, "%s/%s", m->doctype, m->id);
}

/* record_key - binds the doctype's number and the id's bytes of a record
 * at ?1 and ?2; CMN_ERR_NOT_FOUND when the store has no such record. */
static enum cmn_rc record_key(struct pstore *ps, sqlite3_stmt *st, const char *doctype,
			      const char *id, unsigned char b[16])
{
	int64_t kind;
	enum cmn_rc rc;

	if (!crypt_uuid_parse(id, b))
		return CMN_ERR_NOT_FOUND;
	if ((rc = kind_of(ps, doctype, false, &kind)) != CMN_OK)
		return rc;
	sqlite3_bind_int64(st, 1, kind);
	sqlite3_bind_blob(st, 2, b, 16, SQLITE_STATIC);
	return CMN_OK;
}

/* insert_row - the row of a new record of kind (inside the caller's
 * transaction); *added false when its dedupe key is already used for the
 * doctype (nothing written). Fills rev and the times with now. */
static enum cmn_rc insert_row(struct pstore *ps, int64_t kind, struct record_meta *meta,
			      const char *data, int64_t now, bool *added)
{
	static const char q[] = "INSERT INTO records(dt, id, rev, t, data, source, import_id,"
				" created, updated, dedupe) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)"
				/* a duplicate is an answer, not a failure that would
				 * roll back an import around this insert; one statement,
				 * and no bound doctype compared with the partial field
				 * indexes (that would re-prepare it at every bind) */
				" ON CONFLICT(dt, dedupe) WHERE dedupe IS NOT NULL DO NOTHING";
	unsigned char id[16], dedupe[DEDUPE_BYTES];
	sqlite3_stmt *st;
	int sr;

	if (!crypt_uuid_parse(meta->id, id) ||
	    (meta->dedupe[0] && !str_unhex(dedupe, meta->dedupe, sizeof(dedupe))))
		return CMN_ERR_INVALID;
	if (!(st = conn_stmt(&ps->c, q)))
		return CMN_ERR_STORE;
	meta->rev = 1;
	meta->created = meta->updated = now;
	sqlite3_bind_int64(st, 1, kind);
	sqlite3_bind_blob(st, 2, id, sizeof(id), SQLITE_STATIC);
	bind_t(st, 3, meta->t);
	sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, meta->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, meta->import_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	if (meta->dedupe[0])
		sqlite3_bind_blob(st, 9, dedupe, sizeof(dedupe), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	if (sr != SQLITE_DONE)
		return conn_err(&ps->c, sr);
	*added = sqlite3_changes(ps->c.db) > 0;
	return CMN_OK;
}

static enum cmn_rc sq_record_insert(struct pstore *ps, struct record_meta *meta, const char *data,
				    const char *actor)
{
	char object[160];
	int64_t kind;
	bool added = false;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if ((rc = kind_of(ps, meta->doctype, true, &kind)) == CMN_OK)
		rc = insert_row(ps, kind, meta, data, time_now_ms(), &added);
	if (rc == CMN_OK && !added) {
		/* same dedupe key: nothing written, and the transaction
		 * around goes on */
		rc = pstore_tx_end(ps, CMN_OK);
		return rc == CMN_OK ? CMN_ERR_EXISTS : rc;
	}
	object_name(object, sizeof(object), meta);
	if (rc == CMN_OK)
		rc = audit_append(ps, actor, "record.create", object, "");
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_record_insert_many(struct pstore *ps, const char *doctype,
					 struct record_meta *m, const char *const *data, size_t n,
					 size_t *added)
{
	int64_t kind, now = time_now_ms();
	enum cmn_rc rc;

	*added = 0;
	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	rc = kind_of(ps, doctype, true, &kind);
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		bool one = false;

		rc = strcmp(m[i].doctype, doctype) == 0
			     ? insert_row(ps, kind, &m[i], data[i], now, &one)
			     : CMN_ERR_INVALID;
		*added += one;
	}
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_record_get(struct pstore *ps, const char *doctype, const char *id,
				 struct record_meta *meta, char **data)
{
	static const char q[] = "SELECT " META_COLS ", data FROM records WHERE dt = ?1 AND id = ?2";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	unsigned char b[16];
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	if ((rc = record_key(ps, st, doctype, id, b)) != CMN_OK)
		return rc;
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		meta_row(st, doctype, meta);
		if (data) {
			*data = strdup((const char *)sqlite3_column_text(st, DATA_COL));
			if (!*data)
				rc = CMN_ERR_NOMEM;
		}
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

/* current_rev - the revision of a record inside a transaction; with data
 * (may be NULL), *same says whether the record holds these very bytes. */
static enum cmn_rc current_rev(struct pstore *ps, const char *doctype, const char *id,
			       int64_t *rev, int64_t *created, char *import_id, char *source,
			       int64_t *t, const char *data, bool *same)
{
	static const char q[] = "SELECT rev, created, import_id, source, t FROM records"
				" WHERE dt = ?1 AND id = ?2";
	static const char q_same[] = "SELECT rev, created, import_id, source, t, data = ?3"
				     " FROM records WHERE dt = ?1 AND id = ?2";
	sqlite3_stmt *st = conn_stmt(&ps->c, data ? q_same : q);
	unsigned char b[16];
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	if ((rc = record_key(ps, st, doctype, id, b)) != CMN_OK)
		return rc;
	if (data)
		sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		*rev = sqlite3_column_int64(st, 0);
		*created = sqlite3_column_int64(st, 1);
		str_copy(import_id, CRYPT_ID_LEN, (const char *)sqlite3_column_text(st, 2));
		if (source)
			str_copy(source, SOURCE_MAX + 1, (const char *)sqlite3_column_text(st, 3));
		if (t)
			*t = sqlite3_column_type(st, 4) == SQLITE_NULL ? INT64_MIN
								      : sqlite3_column_int64(st, 4);
		if (data)
			*same = sqlite3_column_int(st, 5) == 1;
	}
	sqlite3_reset(st);
	if (sr == SQLITE_ROW)
		return CMN_OK;
	return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
}

static enum cmn_rc sq_record_replace(struct pstore *ps, struct record_meta *meta,
				     int64_t expect_rev, const char *data, const char *actor)
{
	static const char q[] = "UPDATE records SET rev = rev + 1, t = ?3, data = ?4,"
				" updated = ?5 WHERE dt = ?1 AND id = ?2 AND rev = ?6";
	/* the same time: t is left alone, and so is its index entry (SQLite
	 * rewrites the entries of every column an UPDATE sets) */
	static const char q_same_t[] = "UPDATE records SET rev = rev + 1, data = ?4,"
				       " updated = ?5 WHERE dt = ?1 AND id = ?2 AND rev = ?6";
	/* the same bytes: data is left alone, and so are the entries of every
	 * field index (computed from data) and of t; a new revision still */
	static const char q_same_data[] = "UPDATE records SET rev = rev + 1, updated = ?5"
					  " WHERE dt = ?1 AND id = ?2 AND rev = ?6";
	unsigned char b[16];
	char object[160];
	sqlite3_stmt *st;
	int64_t rev = 0, created = 0, t = INT64_MIN;
	bool same = false;
	enum cmn_rc rc;
	int sr;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	rc = current_rev(ps, meta->doctype, meta->id, &rev, &created, meta->import_id,
			 meta->source, &t, data, &same);
	if (rc == CMN_OK && expect_rev >= 0 && rev != expect_rev)
		rc = CMN_ERR_PRECONDITION;
	if (rc != CMN_OK)
		return pstore_tx_end(ps, rc);
	if (!(st = conn_stmt(&ps->c, same ? q_same_data : t == meta->t ? q_same_t : q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	if ((rc = record_key(ps, st, meta->doctype, meta->id, b)) != CMN_OK)
		return pstore_tx_end(ps, rc);
	meta->updated = time_now_ms();
	meta->created = created;
	meta->rev = rev + 1;
	if (!same) {
		bind_t(st, 3, meta->t);
		sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 5, meta->updated);
	sqlite3_bind_int64(st, 6, rev);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	rc = sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
	object_name(object, sizeof(object), meta);
	if (rc == CMN_OK)
		rc = audit_append(ps, actor, "record.update", object, "");
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_record_delete(struct pstore *ps, const char *doctype, const char *id,
				    int64_t expect_rev, const char *actor)
{
	static const char q[] = "DELETE FROM records WHERE dt = ?1 AND id = ?2";
	char object[160], import_id[CRYPT_ID_LEN];
	unsigned char b[16];
	sqlite3_stmt *st;
	int64_t rev = 0, created = 0;
	enum cmn_rc rc;
	int sr;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	rc = current_rev(ps, doctype, id, &rev, &created, import_id, NULL, NULL, NULL, NULL);
	if (rc == CMN_OK && expect_rev >= 0 && rev != expect_rev)
		rc = CMN_ERR_PRECONDITION;
	if (rc != CMN_OK)
		return pstore_tx_end(ps, rc);
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	if ((rc = record_key(ps, st, doctype, id, b)) != CMN_OK)
		return pstore_tx_end(ps, rc);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	rc = sr == SQLITE_DONE ? CMN_OK : conn_err(&ps->c, sr);
	snprintf(object, sizeof(object), "%s/%s", doctype, id);
	if (rc == CMN_OK)
		rc = audit_append(ps, actor, "record.delete", object, "");
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_record_delete_source(struct pstore *ps, const char *doctype,
					   const char *source, int64_t *n)
{
	static const char q[] = "DELETE FROM records WHERE dt = ?1 AND source = ?2";
	sqlite3_stmt *st;
	int64_t kind = 0;
	enum cmn_rc rc = kind_of(ps, doctype, false, &kind);

	*n = 0;
	if (rc == CMN_ERR_NOT_FOUND)
		return CMN_OK; /* a doctype never written here */
	if (rc != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, kind);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	rc = conn_step_done(&ps->c, st);
	if (rc == CMN_OK)
		*n = sqlite3_changes(ps->c.db);
	return rc;
}

/* ---- queries ------------------------------------------------------------ */

static const char *op_sql(enum query_op op)
{
	switch (op) {
	case QOP_EQ: return "=";
	case QOP_NE: return "<>";
	case QOP_LT: return "<";
	case QOP_LTE: return "<=";
	case QOP_GT: return ">";
	case QOP_GTE: return ">=";
	case QOP_IN: return "IN";
	}
	return "=";
}

static void bind_value(sqlite3_stmt *st, int at, const struct query_value *v)
{
	switch (v->type) {
	case QV_TEXT: sqlite3_bind_text(st, at, v->text, -1, SQLITE_STATIC); break;
	case QV_INT: sqlite3_bind_int64(st, at, v->i); break;
	case QV_REAL: sqlite3_bind_double(st, at, v->r); break;
	case QV_BOOL: sqlite3_bind_int(st, at, v->i != 0); break;
	}
}

/* field_expr - the SQL of an indexed field; names are [a-z0-9_] (checked
 * by the caller) so they may be written into SQL. */
static enum cmn_rc field_expr(struct buf *b, const char *field)
{
	if (!str_is_name(field, 64, false))
		return CMN_ERR_INVALID;
	return buf_printf(b, "json_extract(data, '$.%s')", field);
}

static enum cmn_rc sort_expr(struct buf *b, const struct store_query *q)
{
	switch (q->sort) {
	case QSORT_ID: return buf_puts(b, "id");
	case QSORT_CREATED: return buf_puts(b, "created");
	case QSORT_UPDATED: return buf_puts(b, "updated");
	case QSORT_TIME: return buf_puts(b, "t");
	case QSORT_FIELD: return field_expr(b, q->sort_field);
	}
	return CMN_ERR_INVALID;
}

/* build_query - the SQL of q over the records of kind (a literal, so that
 * the planner may use the partial field indexes of that doctype). */
static enum cmn_rc build_query(struct buf *sql, const struct store_query *q, int64_t kind)
{
	enum cmn_rc rc;

	buf_puts(sql, "SELECT " META_COLS ", data, ");
	sort_expr(sql, q);
	rc = buf_printf(sql, " FROM records WHERE dt = %lld", (long long)kind);
	for (size_t i = 0; i < q->nfilters && rc == CMN_OK; i++) {
		const struct query_filter *f = &q->filters[i];

		buf_puts(sql, " AND ");
		rc = f->on_t ? buf_puts(sql, "t") : field_expr(sql, f->field);
		if (rc != CMN_OK)
			break;
		buf_printf(sql, " %s ", op_sql(f->op));
		if (f->op == QOP_IN) {
			buf_puts(sql, "(");
			for (size_t j = 0; j < f->nv; j++)
				buf_puts(sql, j ? ", ?" : "?");
			rc = buf_puts(sql, ")");
		} else {
			rc = buf_puts(sql, "?");
		}
	}
	if (rc == CMN_OK && q->by_ids) {
		buf_puts(sql, " AND id IN (");
		for (size_t j = 0; j < q->nids; j++)
			buf_puts(sql, j ? ", ?" : "?");
		rc = buf_puts(sql, ")");
	}
	if (rc == CMN_OK && q->has_from)
		rc = buf_puts(sql, " AND t >= ?");
	if (rc == CMN_OK && q->has_to)
		rc = buf_puts(sql, " AND t < ?");
	if (rc == CMN_OK && q->has_after) {
		if (q->sort == QSORT_ID) {
			rc = buf_printf(sql, " AND id %s ?", q->desc ? "<" : ">");
		} else {
			buf_puts(sql, " AND (");
			sort_expr(sql, q);
			rc = buf_printf(sql, ", id) %s (?, ?)", q->desc ? "<" : ">");
		}
	}
	if (rc == CMN_OK) {
		buf_puts(sql, " ORDER BY ");
		sort_expr(sql, q);
		if (q->sort == QSORT_ID)
			rc = buf_printf(sql, "%s LIMIT ?", q->desc ? " DESC" : "");
		else
			rc = buf_printf(sql, "%s, id%s LIMIT ?", q->desc ? " DESC" : "",
					q->desc ? " DESC" : "");
	}
	return rc;
}

static enum cmn_rc sq_record_query(struct pstore *ps, const struct store_query *q,
				   enum cmn_rc (*fn)(const struct record_meta *m, const char *data,
						     const struct query_value *sort_key, void *ctx),
				   void *ctx)
{
	struct buf sql;
	sqlite3_stmt *st = NULL;
	unsigned char after[16];
	int64_t kind = 0; /* no kind is 0: a doctype never written has no rows */
	enum cmn_rc rc;
	int at = 1, sr = SQLITE_DONE;

	if (!str_is_name(q->doctype, CMN_DOCTYPE_NAME_MAX, true))
		return CMN_ERR_INVALID;
	if (q->has_after && !crypt_uuid_parse(q->after_id, after))
		return CMN_ERR_INVALID;
	rc = kind_of(ps, q->doctype, false, &kind);
	if (rc != CMN_OK && rc != CMN_ERR_NOT_FOUND)
		return rc;
	buf_init(&sql, 16384);
	rc = build_query(&sql, q, kind);
	if (rc == CMN_OK && sqlite3_prepare_v2(ps->c.db, sql.data, -1, &st, NULL) != SQLITE_OK)
		rc = conn_err(&ps->c, sqlite3_errcode(ps->c.db));
	buf_release(&sql);
	if (rc != CMN_OK)
		return rc;
	for (size_t i = 0; i < q->nfilters; i++)
		for (size_t j = 0; j < q->filters[i].nv; j++)
			bind_value(st, at++, &q->filters[i].v[j]);
	for (size_t j = 0; q->by_ids && j < q->nids; j++) {
		unsigned char b[16] = {0}; /* an id that is no UUID matches no row */

		crypt_uuid_parse(q->ids[j], b);
		sqlite3_bind_blob(st, at++, b, sizeof(b), SQLITE_TRANSIENT);
	}
	if (q->has_from)
		sqlite3_bind_int64(st, at++, q->from);
	if (q->has_to)
		sqlite3_bind_int64(st, at++, q->to);
	if (q->has_after) {
		if (q->sort != QSORT_ID)
			bind_value(st, at++, &q->after_key);
		sqlite3_bind_blob(st, at++, after, sizeof(after), SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, at, (int64_t)q->limit);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct record_meta m;
		struct query_value key = {.type = QV_TEXT, .text = ""};

		meta_row(st, q->doctype, &m);
		switch (sqlite3_column_type(st, SORT_COL)) {
		case SQLITE_INTEGER:
			key.type = QV_INT;
			key.i = sqlite3_column_int64(st, SORT_COL);
			break;
		case SQLITE_FLOAT:
			key.type = QV_REAL;
			key.r = sqlite3_column_double(st, SORT_COL);
			break;
		case SQLITE_NULL:
			break;
		case SQLITE_BLOB: /* the id: its text, as given to the cursor */
			key.text = m.id;
			break;
		default:
			key.text = (const char *)sqlite3_column_text(st, SORT_COL);
			break;
		}
		rc = fn(&m, (const char *)sqlite3_column_text(st, DATA_COL), &key, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(&ps->c, sr);
	sqlite3_finalize(st);
	return rc;
}

const struct store_record_ops store_sqlite_record_ops = {
    .insert = sq_record_insert,
    .insert_many = sq_record_insert_many,
    .get = sq_record_get,
    .replace = sq_record_replace,
    .delete = sq_record_delete,
    .delete_source = sq_record_delete_source,
    .query = sq_record_query,
};

/* ---- secrets ------------------------------------------------------------ */

static enum cmn_rc sq_secret_put(struct pstore *ps, const char *name, const void *value, size_t n)
{
	static const char q[] = "INSERT OR REPLACE INTO secrets(name, box, updated) VALUES (?, ?, ?)";
	struct buf box;
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	buf_init(&box, n + 256);
	rc = secret_seal(ps->s->keys, ps->person_id, name, value, n, &box);
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, box.data, (int)box.len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, time_now_ms());
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE)
			rc = conn_err(&ps->c, sr);
	}
	buf_release(&box);
	return rc;
}

static enum cmn_rc sq_secret_get(struct pstore *ps, const char *name, struct buf *out)
{
	static const char q[] = "SELECT box FROM secrets WHERE name = ?";
	sqlite3_stmt *st = conn_stmt(&ps->c, q);
	enum cmn_rc rc;
	int sr;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr != SQLITE_ROW) {
		sqlite3_reset(st);
		return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(&ps->c, sr);
	}
	rc = secret_open(ps->s->keys, ps->person_id, name, sqlite3_column_blob(st, 0),
			 (size_t)sqlite3_column_bytes(st, 0), out);
	sqlite3_reset(st);
	return rc;
}

const struct store_person_ops store_sqlite_person_ops = {
    .person_store = sq_person_store,
    .person_peek = sq_person_peek,
    .peek_close = sq_peek_close,
    .tx_begin = sq_ptx_begin,
    .tx_end = sq_ptx_end,
    .bulk = sq_bulk,
    .audit_append = sq_audit_append,
    .audit_each = sq_audit_each,
    .audit_verify = sq_audit_verify,
    .secret_put = sq_secret_put,
    .secret_get = sq_secret_get,
};
