/*
 * seen.c - the occurrence counter of seen.h: FNV-1a hashes of the content
 * in a table with linear probing, doubled at half full, up to memory_max
 * hashes; the hashes first seen after that go to a temporary SQLite
 * database, so that a file of millions of distinct lines costs a few MiB.
 */
#include "import/seen.h"

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "core/log.h"

/* The hashes on disk: one table, in one transaction that is never
 * committed (nothing needs to survive the import). */
struct seen_disk {
	sqlite3 *db;                      /* a private temporary database */
	sqlite3_stmt *upsert;             /* counts one hash, returns its new count */
	enum cmn_rc failed;               /* CMN_OK, or what the set keeps answering */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* disk_fail - the result of a failed SQLite call, said once in the log. */
static enum cmn_rc disk_fail(struct seen_disk *d, int src)
{
	enum cmn_rc rc;

	switch (src & 0xff) {
	case SQLITE_NOMEM: rc = CMN_ERR_NOMEM; break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN: rc = CMN_ERR_IO; break;
	default: rc = CMN_ERR_STORE; break;
	}
	log_warn("import: the occurrence counts on disk failed: %s",
		 d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(src));
	d->failed = rc;
	return rc;
}

/*
 * disk_open - the temporary database. An empty file name gives a private
 * file in SQLite's temporary directory (SQLITE_TMPDIR, TMPDIR, /var/tmp,
 * /tmp), created exclusively and unlinked at once, so it disappears with
 * the connection or the process. A small page cache and no journal: the
 * pages go to the file as the cache fills, and nothing is rolled back.
 */
static enum cmn_rc disk_open(struct seen *t)
{
	static const char setup[] =
	    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "CREATE TABLE seen(hash INTEGER PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;"
	    "BEGIN";
	static const char upsert[] =
	    "INSERT INTO seen(hash, count) VALUES (?1, 1)"
	    " ON CONFLICT(hash) DO UPDATE SET count = count + 1 RETURNING count";
	struct seen_disk *d = calloc(1, sizeof(*d));
	char pragma[64];
	int src;

	if (!d)
		return CMN_ERR_NOMEM;
	t->disk = d;
	src = sqlite3_open_v2("", &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				  SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size=-%d", SEEN_DISK_CACHE_KIB);
	if (src == SQLITE_OK)
		src = sqlite3_exec(d->db, pragma, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(d->db, setup, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(d->db, upsert, -1, &d->upsert, NULL);
	return src == SQLITE_OK ? CMN_OK : disk_fail(d, src);
}

/* disk_next - counts h on disk; *before as in seen_next. */
static enum cmn_rc disk_next(struct seen *t, uint64_t h, uint32_t *before)
{
	struct seen_disk *d = t->disk;
	sqlite3_int64 count;
	int src;

	if (!d) {
		enum cmn_rc rc = disk_open(t);

		if (rc != CMN_OK)
			return rc;
		d = t->disk;
	}
	sqlite3_bind_int64(d->upsert, 1, (sqlite3_int64)h);
	src = sqlite3_step(d->upsert);
	if (src != SQLITE_ROW) {
		sqlite3_reset(d->upsert);
		return disk_fail(d, src);
	}
	count = sqlite3_column_int64(d->upsert, 0);
	src = sqlite3_reset(d->upsert);
	if (src != SQLITE_OK)
		return disk_fail(d, src);
	if (count == 1)
		t->n++;
	*before = (uint32_t)(count - 1); /* as the memory's uint32_t counter would */
	return CMN_OK;
}

/* grow - doubles the table (1024 slots at first). */
static enum cmn_rc grow(struct seen *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024, i;
	uint64_t *nh = calloc(cap, sizeof(*nh));
	uint32_t *nc = calloc(cap, sizeof(*nc));

	if (!nh || !nc) {
		free(nh);
		free(nc);
		return CMN_ERR_NOMEM;
	}
	for (size_t k = 0; k < t->cap; k++) {
		if (!t->hash[k])
			continue;
		for (i = t->hash[k] & (cap - 1); nh[i]; i = (i + 1) & (cap - 1))
			;
		nh[i] = t->hash[k];
		nc[i] = t->count[k];
	}
	free(t->hash);
	free(t->count);
	t->hash = nh;
	t->count = nc;
	t->cap = cap;
	return CMN_OK;
}

/* slot - where h is in the table, or the empty slot where it would go. */
static size_t slot(const struct seen *t, uint64_t h)
{
	size_t i;

	for (i = h & (t->cap - 1); t->hash[i] && t->hash[i] != h; i = (i + 1) & (t->cap - 1))
		;
	return i;
}

enum cmn_rc seen_next(struct seen *t, const char *key, uint32_t *before)
{
	uint64_t h = fnv1a(key);
	size_t max = t->memory_max ? t->memory_max : SEEN_MEMORY_MAX;
	size_t i;
	enum cmn_rc rc;

	if (t->disk && t->disk->failed)
		return t->disk->failed; /* the counts are no longer known */
	if (t->cap && t->hash[i = slot(t, h)]) {
		*before = t->count[i]++;
		return CMN_OK;
	}
	if (t->used >= max)
		return disk_next(t, h, before);
	if (t->used * 2 >= t->cap && (rc = grow(t)) != CMN_OK)
		return rc;
	i = slot(t, h);
	t->hash[i] = h;
	t->used++;
	t->n++;
	*before = t->count[i]++;
	return CMN_OK;
}

void seen_release(struct seen *t)
{
	if (t->disk) {
		sqlite3_finalize(t->disk->upsert);
		sqlite3_close(t->disk->db); /* the file goes with it */
		free(t->disk);
	}
	free(t->hash);
	free(t->count);
	t->hash = NULL;
	t->count = NULL;
	t->disk = NULL;
	t->used = t->cap = t->n = 0;
}
