/*
 * sqlite_notes.c - notes on a person's shares, in the person's store.
 * See store.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store_notes_int.h"

static enum cmn_rc count_of(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return CMN_OK;
}

static enum cmn_rc sq_note_add(struct pstore *ps, struct note *n, const char *actor)
{
	static const char q_count[] = "SELECT count(*) FROM notes WHERE grant_id = ?";
	static const char q_add[] = "INSERT INTO notes(id, grant_id, author, author_name, at, text)"
				    " VALUES (?, ?, ?, ?, ?, ?)";
	char object[NOTE_OBJECT_LEN], detail[NOTE_DETAIL_LEN];
	sqlite3_stmt *st;
	int64_t count = 0;
	enum cmn_rc rc;

	if (strlen(n->text) > NOTE_TEXT_MAX)
		return CMN_ERR_INVALID;
	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q_count)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, n->grant_id, -1, SQLITE_STATIC);
	rc = conn_each(&ps->c, st, count_of, &count);
	if (rc == CMN_OK && count >= NOTES_MAX)
		rc = CMN_ERR_CONFLICT;
	if (rc == CMN_OK && !(st = conn_stmt(&ps->c, q_add)))
		rc = CMN_ERR_STORE;
	if (rc != CMN_OK)
		return pstore_tx_end(ps, rc);
	crypt_uuid7_new(n->id);
	n->at = time_now_ms();
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->author_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, n->at);
	sqlite3_bind_text(st, 6, n->text, -1, SQLITE_STATIC);
	rc = conn_step_done(&ps->c, st);
	note_object(object, n->grant_id, n->id);
	note_detail(detail, n->text);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "note.create", object, detail);
	return pstore_tx_end(ps, rc);
}

static enum cmn_rc sq_note_delete(struct pstore *ps, const char *grant_id, const char *note_id,
				  const char *author, const char *actor)
{
	static const char q[] = "DELETE FROM notes WHERE id = ?1 AND grant_id = ?2 AND author = ?3";
	char object[NOTE_OBJECT_LEN];
	sqlite3_stmt *st;
	enum cmn_rc rc;

	if ((rc = pstore_tx_begin(ps)) != CMN_OK)
		return rc;
	if (!(st = conn_stmt(&ps->c, q)))
		return pstore_tx_end(ps, CMN_ERR_STORE);
	sqlite3_bind_text(st, 1, note_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, grant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, author, -1, SQLITE_STATIC);
	rc = conn_step_done(&ps->c, st);
	if (rc == CMN_OK && sqlite3_changes(ps->c.db) == 0)
		rc = CMN_ERR_NOT_FOUND;
	note_object(object, grant_id, note_id);
	if (rc == CMN_OK)
		rc = pstore_audit_in_tx(ps, actor, "note.delete", object, "");
	return pstore_tx_end(ps, rc);
}

struct each {
	enum cmn_rc (*fn)(const struct note *n, void *ctx);
	void *ctx;
};

static enum cmn_rc note_row(sqlite3_stmt *st, void *ctx)
{
	struct each *e = ctx;
	struct note n;

	conn_text_col(st, 0, n.id, sizeof(n.id));
	conn_text_col(st, 1, n.grant_id, sizeof(n.grant_id));
	conn_text_col(st, 2, n.author, sizeof(n.author));
	conn_text_col(st, 3, n.author_name, sizeof(n.author_name));
	n.at = sqlite3_column_int64(st, 4);
	n.text = (const char *)sqlite3_column_text(st, 5);
	if (!n.text)
		n.text = "";
	return e->fn(&n, e->ctx);
}

static enum cmn_rc sq_notes_each(struct pstore *ps, const char *grant_id,
				 enum cmn_rc (*fn)(const struct note *n, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, grant_id, author, author_name, at, text FROM notes"
				" WHERE grant_id = ? ORDER BY at, rowid";
	struct each e = {fn, ctx};
	sqlite3_stmt *st = conn_stmt(&ps->c, q);

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, grant_id, -1, SQLITE_STATIC);
	return conn_each(&ps->c, st, note_row, &e);
}

const struct store_notes_ops store_sqlite_notes_ops = {
    .note_add = sq_note_add,
    .note_delete = sq_note_delete,
    .notes_each = sq_notes_each,
};
