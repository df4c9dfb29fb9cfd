/*
 * sqlite_blob.c - encrypted blobs of a person's store: the content is a
 * file dir/persons/XX/ID.blobs/SHA256 sealed with the person's key (the
 * person id and the hash as associated data), the reference count a row
 * of the person's database.
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_blob_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "core/timeutil.h"

static enum cmn_rc blob_path(struct pstore *ps, const char *id, char *out, size_t n)
{
	enum cmn_rc rc = store_blob_dir(ps->s, ps->person_id, out, n);
	size_t len;

	if (rc != CMN_OK)
		return rc;
	len = strlen(out);
	if ((size_t)snprintf(out + len, n - len, "/%s", id) >= n - len)
		return CMN_ERR_TOO_LARGE;
	return CMN_OK;
}

static enum cmn_rc write_file(const char *path, const void *data, size_t n)
{
	char tmp[4300];
	enum cmn_rc rc;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%.4200s.tmp", path) >= sizeof(tmp))
		return CMN_ERR_TOO_LARGE;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return CMN_ERR_IO;
	rc = fs_write_all(fd, data, n);
	if (rc == CMN_OK && fsync(fd) != 0)
		rc = CMN_ERR_IO;
	if (close(fd) != 0)
		rc = CMN_ERR_IO;
	if (rc == CMN_OK && rename(tmp, path) != 0)
		rc = CMN_ERR_IO;
	if (rc != CMN_OK)
		unlink(tmp);
	/* the row that names it commits next: the name must outlast a crash */
	return rc == CMN_OK ? fs_sync_dir_of(path) : rc;
}

static enum cmn_rc read_file(const char *path, struct buf *out)
{
	struct stat st;
	enum cmn_rc rc = CMN_OK;
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? CMN_ERR_NOT_FOUND : CMN_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = CMN_ERR_IO;
	while (rc == CMN_OK) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = CMN_ERR_IO;
		if (r <= 0)
			break;
		rc = buf_append(out, chunk, (size_t)r);
	}
	close(fd);
	return rc;
}

static enum cmn_rc sq_blob_put(struct pstore *ps, const void *data, size_t n, char id[BLOB_ID_LEN])
{
	static const char q_ref[] = "UPDATE blobs SET refs = refs + 1 WHERE id = ?";
	static const char q_new[] = "INSERT INTO blobs(id, size, refs, created) VALUES (?, ?, 1, ?)";
	char path[4200];
	struct buf sealed;
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if ((rc = crypt_sha256_hex(data, n, id)) != CMN_OK ||
	    (rc = conn_tx_begin(&ps->c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q_ref))) {
		rc = CMN_ERR_STORE;
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	sqlite3_reset(st);
	if (sr != SQLITE_DONE) {
		rc = conn_err(&ps->c, sr);
		goto done;
	}
	if (sqlite3_changes(ps->c.db) == 1)
		goto done; /* the same content is there already */
	rc = store_blob_dir(ps->s, ps->person_id, path, sizeof(path));
	if (rc == CMN_OK && mkdir(path, 0700) != 0 && errno != EEXIST)
		rc = CMN_ERR_IO;
	if (rc == CMN_OK)
		rc = blob_path(ps, id, path, sizeof(path));
	if (rc != CMN_OK)
		goto done;
	buf_init(&sealed, n + 64);
	rc = blob_seal(ps->s->keys, ps->person_id, id, data, n, &sealed);
	if (rc == CMN_OK)
		rc = write_file(path, sealed.data, sealed.len);
	buf_release(&sealed);
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_new)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)n);
		sqlite3_bind_int64(st, 3, time_now_ms());
		sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE) {
			rc = conn_err(&ps->c, sr);
			unlink(path);
		}
	}
done:
	return conn_tx_end(&ps->c, rc);
}

static enum cmn_rc sq_blob_get(struct pstore *ps, const char *id, struct buf *out)
{
	char path[4200];
	struct buf sealed;
	enum cmn_rc rc;

	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	rc = blob_path(ps, id, path, sizeof(path));
	if (rc != CMN_OK)
		return rc;
	buf_init(&sealed, (size_t)1 << 30);
	rc = read_file(path, &sealed);
	if (rc == CMN_OK)
		rc = blob_open(ps->s->keys, ps->person_id, id, sealed.data, sealed.len, out);
	buf_release(&sealed);
	return rc;
}

static enum cmn_rc sq_blob_release(struct pstore *ps, const char *id)
{
	static const char q_dec[] = "UPDATE blobs SET refs = refs - 1 WHERE id = ?";
	static const char q_get[] = "SELECT refs FROM blobs WHERE id = ?";
	static const char q_del[] = "DELETE FROM blobs WHERE id = ?";
	char path[4200];
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int64_t refs = -1;
	bool outer; /* a transaction of the caller's around */

	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	outer = ps->c.tx_depth > 0;
	if ((rc = conn_tx_begin(&ps->c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q_dec)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = conn_step_done(&ps->c, st);
	}
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_get)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if ((rc = conn_step_row(&ps->c, st)) == CMN_OK) {
			refs = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
	}
	if (rc == CMN_OK && refs == 0 && !(st = conn_stmt(&ps->c, q_del)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK && refs == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = conn_step_done(&ps->c, st);
	}
	if ((rc = conn_tx_end(&ps->c, rc)) != CMN_OK)
		return rc;
	/* the row is gone for good, unless a transaction around may still
	 * roll it back (its caller removes the file: pstore_blob_sweep) */
	if (refs == 0 && !outer && blob_path(ps, id, path, sizeof(path)) == CMN_OK &&
	    unlink(path) != 0)
		log_warn("could not remove blob %s", id);
	return CMN_OK;
}

static enum cmn_rc sq_blob_sweep(struct pstore *ps, const char *id)
{
	static const char q[] = "SELECT 1 FROM blobs WHERE id = ?";
	char path[4200];
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if (!blob_id_valid(id))
		return CMN_ERR_NOT_FOUND;
	/* in a write transaction: no upload of the same bytes in between */
	if ((rc = conn_tx_begin(&ps->c)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		rc = CMN_ERR_STORE;
	if (rc == CMN_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if ((rc = conn_step_row(&ps->c, st)) == CMN_OK)
			sqlite3_reset(st); /* named still */
	}
	if (rc == CMN_ERR_NOT_FOUND) {
		rc = CMN_OK;
		if (blob_path(ps, id, path, sizeof(path)) == CMN_OK && unlink(path) != 0 &&
		    errno != ENOENT)
			log_warn("could not remove blob %s", id);
	}
	return conn_tx_end(&ps->c, rc);
}

const struct store_blob_ops store_sqlite_blob_ops = {
    .put = sq_blob_put,
    .get = sq_blob_get,
    .release = sq_blob_release,
    .sweep = sq_blob_sweep,
};
