/*
 * sqlite_backup.c - store_backup.h for the SQLite backend.
 *
 * Each SQLite file is copied with SQLite's online backup API in one read
 * transaction: the copy is the store as it was at one instant, and a
 * server goes on writing meanwhile (WAL). A person's blobs are the files
 * their copied store names, copied after it; one deleted in between (its
 * last reference gone) makes the person's copy start again. The copies
 * are in rollback-journal mode, one self-contained file each.
 *
 * A restore reads backup.json, checks that every path is one a data
 * directory has (no "..", nothing absolute), and every file's size and
 * SHA-256, before it writes anything.
 */
#include "store/store_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/sqlite/sqlite_int.h"

#define BACKUP_FORMAT "commune-backup"
#define BACKUP_VERSION 1
#define BLOB_TRIES 3 /* copies of a person whose blob went during the copy */

static enum cmn_rc fail(char *why, size_t n, enum cmn_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum cmn_rc fail(char *why, size_t n, enum cmn_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (why && n && !why[0]) { /* the first reason stays */
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- files ----------------------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0' || s[n] == '.' || s[n] == '/';
}

/* person_part - when rel is "persons/XX/ID.db" (kind 'd') or
 * "persons/XX/ID.blobs/BLOB" (kind 'b'), its ID into id; else 0. */
static char person_part(const char *rel, char id[CRYPT_ID_LEN])
{
	const size_t idlen = CRYPT_ID_LEN - 1;
	const char *p;

	if (strncmp(rel, "persons/", 8) != 0 || !is_hex(rel + 8, 2) || rel[10] != '/')
		return 0;
	p = rel + 11;
	if (strlen(p) < idlen || !is_hex(p, idlen) || strncmp(p, rel + 8, 2) != 0)
		return 0;
	memcpy(id, p, idlen);
	id[idlen] = '\0';
	p += idlen;
	if (strcmp(p, ".db") == 0)
		return 'd';
	if (strncmp(p, ".blobs/", 7) == 0 && strlen(p + 7) == CRYPT_HASH_HEX_LEN - 1 &&
	    is_hex(p + 7, CRYPT_HASH_HEX_LEN - 1))
		return 'b';
	return 0;
}

/* key_file - rel is one of the territory's key files: master.key,
 * issuer.key (attestations), issuer-keys/KID.pem (earlier issuer keys) */
static bool key_file(const char *rel)
{
	size_t len;

	if (strcmp(rel, "master.key") == 0 || strcmp(rel, "issuer.key") == 0)
		return true;
	if (strncmp(rel, "issuer-keys/", 12) != 0)
		return false;
	rel += 12;
	len = strlen(rel);
	if (len < 5 || len > 200 || strcmp(rel + len - 4, ".pem") != 0 || rel[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((rel[i] >= 'a' && rel[i] <= 'z') || (rel[i] >= 'A' && rel[i] <= 'Z') ||
		      (rel[i] >= '0' && rel[i] <= '9') || rel[i] == '-' || rel[i] == '_' ||
		      rel[i] == '.'))
			return false;
	return true;
}

static enum cmn_rc file_sha256(const char *path, char hex[CRYPT_HASH_HEX_LEN], uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	enum cmn_rc rc;

	if (!f)
		return errno == ENOENT ? CMN_ERR_NOT_FOUND : CMN_ERR_IO;
	rc = crypt_sha256_file(f, hex, size);
	fclose(f);
	return rc;
}

/* copy_file - from's bytes into the new file to (mode 0600), synced. */
static enum cmn_rc copy_file(const char *from, const char *to)
{
	char chunk[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int out;
	ssize_t got = 0;
	enum cmn_rc rc = CMN_OK;

	if (in < 0)
		return errno == ENOENT ? CMN_ERR_NOT_FOUND : CMN_ERR_IO;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return CMN_ERR_IO;
	}
	while (rc == CMN_OK && (got = read(in, chunk, sizeof(chunk))) > 0)
		for (ssize_t done = 0, w; rc == CMN_OK && done < got; done += w)
			if ((w = write(out, chunk + done, (size_t)(got - done))) <= 0)
				rc = CMN_ERR_IO;
	if (got < 0 || fsync(out) != 0)
		rc = CMN_ERR_IO;
	close(in);
	if (close(out) != 0)
		rc = CMN_ERR_IO;
	return rc;
}

/* mkdirs - the directories of rel's parents under root (mode 0700). */
static enum cmn_rc mkdirs(const char *root, const char *rel)
{
	char path[4400];
	size_t base = strlen(root) + 1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return CMN_ERR_TOO_LARGE;
	for (char *p = path + base; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return CMN_ERR_IO;
		*p = '/';
	}
	return CMN_OK;
}

/* remove_tree - removes what a backup or a restore made (three levels at
 * most: persons/XX/ID.blobs/BLOB). */
static void remove_tree(const char *path, int depth)
{
	DIR *d = depth > 0 ? opendir(path) : NULL;
	struct dirent *e;
	char p[4400];

	if (!d) {
		if (unlink(path) != 0)
			rmdir(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(p, depth - 1);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* ---- SQLite files ------------------------------------------------------------ */

/* copy_pages - every page of src into dst with SQLite's backup API, in one
 * step (one read transaction on src, one write transaction on dst), tried
 * again for about five seconds while a lock is in the way; SQLITE_DONE or
 * the error */
static int copy_pages(sqlite3 *dst, sqlite3 *src)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int sr;

	if (!b)
		return sqlite3_errcode(dst);
	for (int tries = 0; (sr = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
			    sr == SQLITE_LOCKED; tries++) {
		if (tries == 100)
			break;
		sqlite3_sleep(50);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK && sr == SQLITE_DONE)
		sr = sqlite3_errcode(dst);
	return sr;
}

/* db_copy - the store at from, as it is at one instant, into the new file
 * to (journal mode DELETE: one file). */
static enum cmn_rc db_copy(const char *from, const char *to, char *why, size_t n)
{
	sqlite3 *src = NULL, *dst = NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	sr = sqlite3_open_v2(from, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (sr != SQLITE_OK) {
		sqlite3_close(src);
		return fail(why, n, sr == SQLITE_CANTOPEN ? CMN_ERR_NOT_FOUND : CMN_ERR_STORE,
			    "cannot open %s", from);
	}
	sqlite3_busy_timeout(src, CMN_BUSY_TIMEOUT_MS);
	sr = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOFOLLOW, NULL);
	if (sr == SQLITE_OK)
		sr = copy_pages(dst, src);
	if (sr != SQLITE_DONE)
		rc = fail(why, n, CMN_ERR_STORE, "cannot copy %s: %s", from,
			  dst ? sqlite3_errmsg(dst) : "out of memory");
	if (rc == CMN_OK && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
				    SQLITE_OK)
		rc = fail(why, n, CMN_ERR_STORE, "cannot finish %s: %s", to, sqlite3_errmsg(dst));
	sqlite3_close(dst);
	sqlite3_close(src);
	if (rc == CMN_OK && chmod(to, 0600) != 0) /* SQLite made it after the umask */
		rc = fail(why, n, CMN_ERR_IO, "cannot restrict %s to its owner", to);
	return rc;
}

/* db_check - PRAGMA integrity_check of the SQLite file at path. */
static enum cmn_rc db_check(const char *path, const char *rel, char *why, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	enum cmn_rc rc = CMN_OK;
	const char *res = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    !(res = (const char *)sqlite3_column_text(st, 0)) || strcmp(res, "ok") != 0)
		rc = fail(why, n, CMN_ERR_CONFLICT, "%s is not a sound store: %s", rel,
			  res ? res : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* texts_of - appends to out the text of the first column of each row of
 * sql on the store at path, opened read-only */
static enum cmn_rc texts_of(const char *path, const char *sql, json_t *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	enum cmn_rc rc = CMN_OK;
	int sr = SQLITE_ERROR;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (v && json_array_append_new(out, json_string(v)) != 0)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = CMN_ERR_STORE;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* blob_id - v (an element of a blobs list) when it may name a file, else NULL */
static const char *blob_id(const json_t *v)
{
	const char *id = json_string_value(v);

	return id && strlen(id) == CRYPT_HASH_HEX_LEN - 1 && is_hex(id, CRYPT_HASH_HEX_LEN - 1)
		       ? id
		       : NULL;
}

#define BLOBS_SQL "SELECT id FROM blobs ORDER BY id"

/* ---- backup ------------------------------------------------------------------ */

struct out {
	const char *root;                 /* the backup directory */
	json_t *files;                    /* the manifest's list */
	struct backup_stats *st;
	char *why;
	size_t whylen;
};

/* note - adds root/rel to the manifest */
static enum cmn_rc note(struct out *o, const char *rel, bool store, bool blob)
{
	char path[4400], hex[CRYPT_HASH_HEX_LEN];
	uint64_t size;
	enum cmn_rc rc;

	snprintf(path, sizeof(path), "%s/%s", o->root, rel);
	if ((rc = file_sha256(path, hex, &size)) != CMN_OK)
		return fail(o->why, o->whylen, rc, "cannot read back %s", rel);
	if (json_array_append_new(o->files, json_pack("{s:s, s:I, s:s}", "path", rel, "size",
						      (json_int_t)size, "sha256", hex)) != 0)
		return CMN_ERR_NOMEM;
	o->st->stores += store;
	o->st->blobs += blob;
	o->st->bytes += size;
	return CMN_OK;
}

/* backup_person - the person's store and blobs into the backup, noted */
static enum cmn_rc backup_person(struct store *s, struct out *o, const char *pid)
{
	char rel[256], from[4400], to[4400], blobdir[4200];
	json_t *ids = NULL;
	size_t nfiles = json_array_size(o->files);
	enum cmn_rc rc = CMN_ERR_CONFLICT;

	if (store_person_path(s, pid, from, sizeof(from)) != CMN_OK ||
	    store_blob_dir(s, pid, blobdir, sizeof(blobdir)) != CMN_OK)
		return CMN_ERR_TOO_LARGE;
	for (int tries = 0; tries < BLOB_TRIES && rc == CMN_ERR_CONFLICT; tries++) {
		struct backup_stats before = *o->st;

		snprintf(rel, sizeof(rel), "persons/%.2s/%s.db", pid, pid);
		snprintf(to, sizeof(to), "%s/%s", o->root, rel);
		if ((rc = mkdirs(o->root, rel)) != CMN_OK ||
		    (rc = db_copy(from, to, o->why, o->whylen)) != CMN_OK ||
		    (rc = note(o, rel, true, false)) != CMN_OK ||
		    (rc = (ids = json_array()) ? texts_of(to, BLOBS_SQL, ids) : CMN_ERR_NOMEM) !=
			    CMN_OK)
			break;
		for (size_t i = 0; i < json_array_size(ids) && rc == CMN_OK; i++) {
			const char *id = blob_id(json_array_get(ids, i));
			char src[4400];

			if (!id)
				continue;

			snprintf(rel, sizeof(rel), "persons/%.2s/%s.blobs/%s", pid, pid, id);
			snprintf(src, sizeof(src), "%s/%s", blobdir, id);
			snprintf(to, sizeof(to), "%s/%s", o->root, rel);
			rc = mkdirs(o->root, rel);
			if (rc == CMN_OK)
				rc = copy_file(src, to);
			if (rc == CMN_ERR_NOT_FOUND)
				rc = CMN_ERR_CONFLICT; /* gone since the copy: again */
			else if (rc == CMN_OK)
				rc = note(o, rel, false, true);
		}
		json_decref(ids);
		ids = NULL;
		if (rc == CMN_ERR_CONFLICT) {
			/* forget this try: its files and its lines */
			snprintf(to, sizeof(to), "%s/persons/%.2s/%s.blobs", o->root, pid, pid);
			remove_tree(to, 1);
			snprintf(to, sizeof(to), "%s/persons/%.2s/%s.db", o->root, pid, pid);
			unlink(to);
			while (json_array_size(o->files) > nfiles)
				json_array_remove(o->files, json_array_size(o->files) - 1);
			*o->st = before;
		}
	}
	if (rc == CMN_ERR_CONFLICT)
		fail(o->why, o->whylen, rc, "the blobs of %s kept changing during the copy", pid);
	return rc;
}

/* backup_issuer_keys - the attestation issuer's keys, when there are */
static enum cmn_rc backup_issuer_keys(struct store *s, struct out *o)
{
	char from[4400], to[4400], rel[300];
	enum cmn_rc rc;
	struct dirent *e;
	DIR *d;

	snprintf(from, sizeof(from), "%s/issuer.key", s->dir);
	snprintf(to, sizeof(to), "%s/issuer.key", o->root);
	rc = copy_file(from, to);
	if (rc == CMN_OK)
		rc = note(o, "issuer.key", false, false);
	else if (rc == CMN_ERR_NOT_FOUND)
		rc = CMN_OK;
	snprintf(from, sizeof(from), "%s/issuer-keys", s->dir);
	if (rc != CMN_OK || !(d = opendir(from)))
		return rc == CMN_OK ? CMN_OK : fail(o->why, o->whylen, rc, "cannot copy the issuer key");
	while (rc == CMN_OK && (e = readdir(d)) != NULL) {
		if ((size_t)snprintf(rel, sizeof(rel), "issuer-keys/%s", e->d_name) >= sizeof(rel) ||
		    !key_file(rel))
			continue;
		snprintf(from, sizeof(from), "%s/%s", s->dir, rel);
		snprintf(to, sizeof(to), "%s/%s", o->root, rel);
		rc = mkdirs(o->root, rel);
		if (rc == CMN_OK)
			rc = copy_file(from, to);
		if (rc == CMN_OK)
			rc = note(o, rel, false, false);
		else
			fail(o->why, o->whylen, rc, "cannot copy %s", from);
	}
	closedir(d);
	return rc;
}

static enum cmn_rc write_manifest(struct out *o, const char *scope, const char *person_id)
{
	char path[4400], now[TIME_RFC3339_LEN], *text;
	json_t *m;
	FILE *f;
	int r = -1;

	time_format(now, time_now_ms());
	m = json_pack("{s:s, s:i, s:s, s:s?, s:s, s:O}", "format", BACKUP_FORMAT, "version",
		      BACKUP_VERSION, "scope", scope, "person", person_id, "created", now, "files",
		      o->files);
	if (!m)
		return CMN_ERR_NOMEM;
	snprintf(path, sizeof(path), "%s/%s", o->root, BACKUP_MANIFEST);
	text = json_text_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(m);
	if (!text)
		return CMN_ERR_NOMEM;
	if ((f = fopen(path, "w"))) {
		r = fputs(text, f) < 0 ? -1 : 0;
		r = fclose(f) != 0 ? -1 : r;
	}
	free(text);
	if (r == 0)
		r = chmod(path, 0600);
	return r == 0 ? CMN_OK : fail(o->why, o->whylen, CMN_ERR_IO, "cannot write %s", path);
}

enum cmn_rc store_backup(struct store *s, const char *person_id, const char *dir,
			 struct backup_stats *st, char *why, size_t whylen)
{
	struct out o = {dir, json_array(), st, why, whylen};
	json_t *ids = json_array();
	char from[4400], to[4400];
	enum cmn_rc rc = CMN_OK;
	size_t i;
	json_t *v;

	memset(st, 0, sizeof(*st));
	if (why && whylen)
		why[0] = '\0';
	if (!store_is_sqlite(s)) {
		json_decref(o.files);
		json_decref(ids);
		return fail(why, whylen, CMN_ERR_UNSUPPORTED,
			    "a PostgreSQL store is backed up with PostgreSQL's tools (docs/postgres.md)");
	}
	if (!o.files || !ids) {
		json_decref(o.files);
		json_decref(ids);
		return CMN_ERR_NOMEM;
	}
	if (mkdir(dir, 0700) != 0) {
		json_decref(o.files);
		json_decref(ids);
		return fail(why, whylen, errno == EEXIST ? CMN_ERR_EXISTS : CMN_ERR_IO,
			    errno == EEXIST ? "%s exists: a backup goes into a new directory"
					    : "cannot create %s", dir);
	}
	if (person_id) {
		str_copy(st->person_id, sizeof(st->person_id), person_id);
		rc = backup_person(s, &o, person_id);
	} else {
		/* the key, then the platform, then the persons it lists */
		snprintf(from, sizeof(from), "%s/master.key", s->dir);
		snprintf(to, sizeof(to), "%s/master.key", dir);
		rc = copy_file(from, to);
		if (rc != CMN_OK)
			fail(why, whylen, rc, "cannot copy %s", from);
		if (rc == CMN_OK)
			rc = note(&o, "master.key", false, false);
		if (rc == CMN_OK)
			rc = backup_issuer_keys(s, &o);
		snprintf(to, sizeof(to), "%s/platform.db", dir);
		if (rc == CMN_OK)
			rc = db_copy(s->platform_path, to, why, whylen);
		if (rc == CMN_OK)
			rc = note(&o, "platform.db", true, false);
		/* the persons of the copy: the live list may have moved since */
		if (rc == CMN_OK)
			rc = texts_of(to, "SELECT id FROM persons ORDER BY id", ids);
		json_array_foreach(ids, i, v) {
			if (rc != CMN_OK)
				break;
			rc = backup_person(s, &o, json_string_value(v));
			if (rc == CMN_ERR_NOT_FOUND)
				fail(why, whylen, rc, "a person was erased during the backup: "
						      "run it again");
		}
	}
	if (rc == CMN_OK)
		rc = write_manifest(&o, person_id ? "person" : "territory", person_id);
	json_decref(o.files);
	json_decref(ids);
	if (rc != CMN_OK) {
		if (why && whylen && !why[0])
			fail(why, whylen, rc, "%s", cmn_strerror(rc));
		remove_tree(dir, 4);
	}
	return rc;
}

/* ---- restore ------------------------------------------------------------------ */

struct manifest {
	json_t *root;
	const char *scope;
	char person_id[CRYPT_ID_LEN];
	json_t *files;
};

/* load_manifest - reads and checks dir's manifest, whose scope must be
 * scope, and every file it lists */
static enum cmn_rc load_manifest(const char *dir, const char *scope, struct manifest *m,
				 struct backup_stats *st, char *why, size_t n)
{
	char path[4400];
	struct json_parse_error err;
	const char *pid;
	bool has_key = false, has_platform = false;
	size_t i;
	json_t *f;

	memset(m, 0, sizeof(*m));
	memset(st, 0, sizeof(*st));
	if (why && n)
		why[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	m->root = json_parse_file(path, JSON_PARSE_REJECT_DUPLICATES, &err);
	if (!m->root)
		return fail(why, n, CMN_ERR_INVALID, "%s: %s (line %d)", path, err.text, err.line);
	m->scope = json_string_value(json_object_get(m->root, "scope"));
	m->files = json_object_get(m->root, "files");
	pid = json_string_value(json_object_get(m->root, "person"));
	if (!json_is_string(json_object_get(m->root, "format")) ||
	    strcmp(json_string_value(json_object_get(m->root, "format")), BACKUP_FORMAT) != 0 ||
	    json_integer_value(json_object_get(m->root, "version")) != BACKUP_VERSION ||
	    !m->scope || (strcmp(m->scope, "territory") != 0 && strcmp(m->scope, "person") != 0) ||
	    !json_is_array(m->files))
		return fail(why, n, CMN_ERR_INVALID, "%s is not a commune backup of version %d", path,
			    BACKUP_VERSION);
	if (strcmp(m->scope, scope) != 0)
		return fail(why, n, CMN_ERR_INVALID, strcmp(scope, "person") == 0
			    ? "%s is the backup of a territory, not of one person"
			    : "%s is the backup of one person: restore it with --person", dir);
	if (strcmp(m->scope, "person") == 0) {
		if (!pid || strlen(pid) != CRYPT_ID_LEN - 1 || !is_hex(pid, CRYPT_ID_LEN - 1))
			return fail(why, n, CMN_ERR_INVALID, "%s names no person", path);
		str_copy(m->person_id, sizeof(m->person_id), pid);
		str_copy(st->person_id, sizeof(st->person_id), pid);
	}
	json_array_foreach(m->files, i, f) {
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *sum = json_string_value(json_object_get(f, "sha256"));
		json_int_t size = json_integer_value(json_object_get(f, "size"));
		char id[CRYPT_ID_LEN], hex[CRYPT_HASH_HEX_LEN], kind;
		uint64_t got;
		enum cmn_rc rc;

		if (!rel || !sum)
			return fail(why, n, CMN_ERR_INVALID, "file %zu of the manifest has no path "
							     "or sha256", i + 1);
		kind = person_part(rel, id);
		if (strcmp(m->scope, "territory") == 0 ? !kind && !key_file(rel) &&
								 strcmp(rel, "platform.db") != 0
						       : !kind || strcmp(id, m->person_id) != 0)
			return fail(why, n, CMN_ERR_INVALID, "the manifest lists \"%s\", which is not "
							     "a file of this backup's scope",
				    rel);
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		rc = file_sha256(path, hex, &got);
		if (rc != CMN_OK)
			return fail(why, n, CMN_ERR_INVALID, "%s is missing from the backup", rel);
		if ((json_int_t)got != size || strcmp(hex, sum) != 0)
			return fail(why, n, CMN_ERR_INVALID, "%s is not the file backed up (its size "
							     "or SHA-256 differs)", rel);
		has_key |= strcmp(rel, "master.key") == 0;
		has_platform |= strcmp(rel, "platform.db") == 0;
		st->stores += kind == 'd' || strcmp(rel, "platform.db") == 0;
		st->blobs += kind == 'b';
		st->bytes += got;
	}
	if (strcmp(m->scope, "person") == 0 && st->stores != 1)
		return fail(why, n, CMN_ERR_INVALID, "the backup of a person holds one store");
	if (strcmp(m->scope, "territory") == 0 && (!has_key || !has_platform))
		return fail(why, n, CMN_ERR_INVALID, "the backup of a territory holds its master.key "
						     "and platform.db");
	return CMN_OK;
}

/* check_stores - integrity_check of every store the manifest lists, in root */
static enum cmn_rc check_stores(const struct manifest *m, const char *root, char *why, size_t n)
{
	enum cmn_rc rc = CMN_OK;
	size_t i;
	json_t *f;

	json_array_foreach(m->files, i, f) {
		const char *rel = json_string_value(json_object_get(f, "path"));
		size_t len = strlen(rel);
		char path[4400];

		if (rc != CMN_OK || len < 3 || strcmp(rel + len - 3, ".db") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, rel);
		rc = db_check(path, rel, why, n);
	}
	return rc;
}

enum cmn_rc backup_restore_territory(const char *dir, const char *data_dir,
				     struct backup_stats *st, char *why, size_t whylen)
{
	struct manifest m;
	char tmp[4200], from[4400], to[4400];
	enum cmn_rc rc;
	bool exists = false;
	size_t i;
	json_t *f;

	rc = load_manifest(dir, "territory", &m, st, why, whylen);
	if (rc == CMN_OK) {
		DIR *d = opendir(data_dir);
		struct dirent *e;

		if (d) {
			exists = true;
			while ((e = readdir(d)) != NULL && rc == CMN_OK)
				if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
					rc = fail(why, whylen, CMN_ERR_EXISTS,
						  "%s is not empty: a territory is restored into a "
						  "new directory", data_dir);
			closedir(d);
		} else if (errno != ENOENT) {
			rc = fail(why, whylen, CMN_ERR_IO, "cannot read %s", data_dir);
		}
	}
	if (rc != CMN_OK) {
		json_decref(m.root);
		return rc;
	}
	/* beside data_dir, so that the rename at the end is one step */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.restore-XXXXXX", data_dir) >= sizeof(tmp) ||
	    !mkdtemp(tmp)) {
		json_decref(m.root);
		return fail(why, whylen, CMN_ERR_IO, "cannot create a directory beside %s", data_dir);
	}
	json_array_foreach(m.files, i, f) {
		const char *rel = json_string_value(json_object_get(f, "path"));

		if (rc != CMN_OK)
			break;
		snprintf(from, sizeof(from), "%s/%s", dir, rel);
		snprintf(to, sizeof(to), "%s/%s", tmp, rel);
		rc = mkdirs(tmp, rel);
		if (rc == CMN_OK)
			rc = copy_file(from, to);
		if (rc != CMN_OK)
			fail(why, whylen, rc, "cannot copy %s", rel);
	}
	if (rc == CMN_OK)
		rc = check_stores(&m, tmp, why, whylen);
	if (rc == CMN_OK && exists && rmdir(data_dir) != 0)
		rc = fail(why, whylen, CMN_ERR_IO, "cannot replace the empty %s", data_dir);
	if (rc == CMN_OK && rename(tmp, data_dir) != 0)
		rc = fail(why, whylen, CMN_ERR_IO, "cannot rename %s to %s", tmp, data_dir);
	if (rc != CMN_OK)
		remove_tree(tmp, 4);
	json_decref(m.root);
	return rc;
}

/* bring_blobs - the backup's blob files of the person into their blob
 * directory, the ones missing there (a blob's name is its content's hash) */
static enum cmn_rc bring_blobs(struct store *s, const struct manifest *m, const char *dir,
			       char *why, size_t n)
{
	char blobdir[4200], from[4400], to[4400], tmp[4500];
	enum cmn_rc rc = CMN_OK;
	size_t i;
	json_t *f;

	if (store_blob_dir(s, m->person_id, blobdir, sizeof(blobdir)) != CMN_OK)
		return CMN_ERR_TOO_LARGE;
	json_array_foreach(m->files, i, f) {
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *slash = strrchr(rel, '/');
		char id[CRYPT_ID_LEN];

		if (rc != CMN_OK || person_part(rel, id) != 'b')
			continue;
		if (mkdir(blobdir, 0700) != 0 && errno != EEXIST)
			return fail(why, n, CMN_ERR_IO, "cannot create %s", blobdir);
		snprintf(from, sizeof(from), "%s/%s", dir, rel);
		snprintf(to, sizeof(to), "%s/%s", blobdir, slash + 1);
		if (access(to, F_OK) == 0)
			continue;
		snprintf(tmp, sizeof(tmp), "%s.restore", to);
		unlink(tmp);
		rc = copy_file(from, tmp);
		if (rc == CMN_OK && rename(tmp, to) != 0)
			rc = CMN_ERR_IO;
		if (rc != CMN_OK) {
			unlink(tmp);
			fail(why, n, rc, "cannot copy %s into %s", rel, blobdir);
		}
	}
	return rc;
}

/* drop_orphans - removes the blob files the person's store does not name */
static void drop_orphans(struct store *s, const char *pid)
{
	char path[4500], blobdir[4200];
	json_t *ids = json_array();
	struct dirent *e;
	DIR *d;

	if (store_person_path(s, pid, path, sizeof(path)) != CMN_OK ||
	    store_blob_dir(s, pid, blobdir, sizeof(blobdir)) != CMN_OK ||
	    !ids || texts_of(path, BLOBS_SQL, ids) != CMN_OK || !(d = opendir(blobdir))) {
		json_decref(ids);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		bool named = false;

		if (strlen(e->d_name) != CRYPT_HASH_HEX_LEN - 1 ||
		    !is_hex(e->d_name, CRYPT_HASH_HEX_LEN - 1))
			continue; /* not a blob (a file being written ends in .tmp) */
		for (size_t i = 0; i < json_array_size(ids) && !named; i++)
			named = strcmp(json_string_value(json_array_get(ids, i)), e->d_name) == 0;
		if (!named) {
			snprintf(path, sizeof(path), "%s/%s", blobdir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	json_decref(ids);
}

enum cmn_rc store_restore_person(struct store *s, const char *dir, const char *actor,
				 struct backup_stats *st, char *why, size_t whylen)
{
	struct manifest m;
	struct person p;
	struct pstore *ps;
	struct conn c;
	sqlite3 *src = NULL;
	char from[4400], live[4400], object[64];
	enum cmn_rc rc;
	int sr = SQLITE_ERROR;

	if (!store_is_sqlite(s))
		return fail(why, whylen, CMN_ERR_UNSUPPORTED,
			    "a PostgreSQL store is restored with PostgreSQL's tools (docs/postgres.md)");
	rc = load_manifest(dir, "person", &m, st, why, whylen);
	if (rc == CMN_OK && store_person_by_id(s, m.person_id, &p, NULL) != CMN_OK)
		rc = fail(why, whylen, CMN_ERR_NOT_FOUND, "no person %s in this territory: their "
							  "account must exist", m.person_id);
	snprintf(from, sizeof(from), "%s/persons/%.2s/%s.db", dir, m.person_id, m.person_id);
	if (rc == CMN_OK)
		rc = db_check(from, "the person's store", why, whylen);
	if (rc == CMN_OK)
		rc = bring_blobs(s, &m, dir, why, whylen);
	if (rc == CMN_OK && store_person_path(s, m.person_id, live, sizeof(live)) != CMN_OK)
		rc = CMN_ERR_TOO_LARGE;
	if (rc == CMN_OK) {
		/* the backup's pages replace the live ones in one write
		 * transaction on the live store (WAL: readers see one or the
		 * other) */
		store_forget_person(s, m.person_id);
		rc = conn_open(&c, live, false);
		if (rc == CMN_OK) {
			if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW,
					    NULL) == SQLITE_OK)
				sr = copy_pages(c.db, src);
			if (sr != SQLITE_DONE)
				rc = fail(why, whylen, CMN_ERR_STORE, "cannot write the store back: %s",
					  sqlite3_errmsg(c.db));
			sqlite3_close(src);
			conn_close(&c);
		}
	}
	if (rc == CMN_OK) {
		/* opened again: migrated if the backup is older, and the
		 * restore is the next link of the restored chain */
		const char *created = json_string_value(json_object_get(m.root, "created"));
		json_t *d = json_pack("{s:s}", "backup_created", created ? created : "");
		char *detail = d ? json_text_dumps(d, JSON_COMPACT) : NULL;

		json_decref(d);
		snprintf(object, sizeof(object), "store/%s", m.person_id);
		rc = detail ? store_person_store(s, m.person_id, &ps) : CMN_ERR_NOMEM;
		if (rc == CMN_OK)
			rc = pstore_audit_append(ps, actor, "store.restore", object, detail);
		free(detail);
		if (rc == CMN_OK)
			drop_orphans(s, m.person_id);
	}
	json_decref(m.root);
	return rc;
}
