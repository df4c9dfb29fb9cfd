/*
 * pg_notes.c - notes on a person's shares in PostgreSQL (store.h), with
 * the meaning, order, result codes and audit entries of sqlite_notes.c,
 * gathered in store_pg_notes_ops (store_notes.c calls them). Its table is
 * the "notes" schema, partitioned by person_id as every table of person
 * data (pg_person.c), listed after it in pg_platform.c.
 *
 * A share holds NOTES_MAX notes at most: the count and the insertion run
 * under the person's lock (pg_ptx_begin), which SQLite's lock of the
 * person's file gives there, so that two notes written at once cannot
 * both see room for one.
 */
#include "store/postgres/pg_int.h"
#include "store/store_notes_int.h"

#include <string.h>

#include "core/timeutil.h"

static const char *const notes_migrations[] = {
    /* 1: SQLite's person migration 7; n is the order of insertion, which
     * SQLite's rowid gives (between notes of the same millisecond) */
    "CREATE TABLE notes (" PG_PERSON_ID_COL ", id text COLLATE \"C\" NOT NULL,"
    "  grant_id text COLLATE \"C\" NOT NULL, author text NOT NULL, author_name text NOT NULL,"
    "  at bigint NOT NULL, text text NOT NULL, n bigserial NOT NULL,"
    "  PRIMARY KEY (person_id, id)) PARTITION BY RANGE (person_id);"
    "SELECT commune_partition('notes');"
    "CREATE INDEX notes_by_grant ON notes(person_id, grant_id, at, n);",
};

/* pg_notes_schema - the notes' table, after the person's: pg_platform.c
 * migrates it at store_open */
const struct pg_schema pg_notes_schema = {
    "notes", notes_migrations, (int)(sizeof(notes_migrations) / sizeof(*notes_migrations))};

/* room_for_one - CMN_OK when grant_id has fewer than NOTES_MAX notes,
 * CMN_ERR_CONFLICT otherwise; under the person's lock */
static enum cmn_rc room_for_one(struct pg_pstore *ps, struct pg_conn *c, const char *grant_id)
{
	static const char q[] = "SELECT count(*) FROM notes WHERE person_id = $1 AND grant_id = $2";
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(grant_id)};
	PGresult *r;
	enum cmn_rc rc = pg_one(c, q, 2, prm, &r);

	if (rc != CMN_OK)
		return rc;
	if (pg_i64(r, 0, 0) >= NOTES_MAX)
		rc = CMN_ERR_CONFLICT;
	PQclear(r);
	return rc;
}

static enum cmn_rc pg_note_add(struct pstore *p, struct note *n, const char *actor)
{
	static const char q[] =
	    "INSERT INTO notes(person_id, id, grant_id, author, author_name, at, text)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
	struct pg_pstore *ps = pg_ps(p);
	char object[NOTE_OBJECT_LEN], detail[NOTE_DETAIL_LEN], at[24];
	struct pg_conn *c;
	enum cmn_rc rc;

	if (strlen(n->text) > NOTE_TEXT_MAX)
		return CMN_ERR_INVALID;
	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	if ((rc = room_for_one(ps, c, n->grant_id)) != CMN_OK)
		return pg_ptx_end(ps, rc);
	crypt_uuid7_new(n->id);
	n->at = time_now_ms();
	{
		struct pg_param prm[] = {PG_TEXT(ps->person_id),  PG_TEXT(n->id),
					 PG_TEXT(n->grant_id),    PG_TEXT(n->author),
					 PG_TEXT(n->author_name), PG_TEXT(pg_num(at, n->at)),
					 PG_TEXT(n->text)};

		rc = pg_run(c, q, 7, prm, NULL);
	}
	note_object(object, n->grant_id, n->id);
	note_detail(detail, n->text);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "note.create", object, detail);
	return pg_ptx_end(ps, rc);
}

static enum cmn_rc pg_note_delete(struct pstore *p, const char *grant_id, const char *note_id,
				  const char *author, const char *actor)
{
	static const char q[] = "DELETE FROM notes WHERE person_id = $1 AND id = $2"
				" AND grant_id = $3 AND author = $4";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(note_id), PG_TEXT(grant_id),
				 PG_TEXT(author)};
	char object[NOTE_OBJECT_LEN];
	struct pg_conn *c;
	enum cmn_rc rc;

	if ((rc = pg_ptx_begin(ps, &c)) != CMN_OK)
		return rc;
	rc = pg_change(c, q, 4, prm, true);
	note_object(object, grant_id, note_id);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(ps, actor, "note.delete", object, "");
	return pg_ptx_end(ps, rc);
}

static void note_row(const PGresult *r, int i, struct note *n)
{
	pg_text(r, i, 0, n->id, sizeof(n->id));
	pg_text(r, i, 1, n->grant_id, sizeof(n->grant_id));
	pg_text(r, i, 2, n->author, sizeof(n->author));
	pg_text(r, i, 3, n->author_name, sizeof(n->author_name));
	n->at = pg_i64(r, i, 4);
	n->text = PQgetvalue(r, i, 5);
}

static enum cmn_rc pg_notes_each(struct pstore *p, const char *grant_id,
				 enum cmn_rc (*fn)(const struct note *n, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, grant_id, author, author_name, at, text FROM notes"
				" WHERE person_id = $1 AND grant_id = $2 ORDER BY at, n";
	struct pg_pstore *ps = pg_ps(p);
	struct pg_param prm[] = {PG_TEXT(ps->person_id), PG_TEXT(grant_id)};
	PGresult *r;
	enum cmn_rc rc = pg_query(ps->s, q, 2, prm, &r);

	for (int i = 0; rc == CMN_OK && i < PQntuples(r); i++) {
		struct note n;

		note_row(r, i, &n);
		rc = fn(&n, ctx);
	}
	PQclear(r);
	return rc;
}

const struct store_notes_ops store_pg_notes_ops = {
    .note_add = pg_note_add,
    .note_delete = pg_note_delete,
    .notes_each = pg_notes_each,
};
