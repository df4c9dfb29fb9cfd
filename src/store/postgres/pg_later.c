/*
 * pg_later.c - the entries of persons' audit chains that a change of the
 * platform store tells (store_audit_later, store_audit_deliver,
 * store_tx_end_told of store.h) in PostgreSQL, gathered in
 * store_pg_later_ops (store_later.c calls them).
 *
 * How this differs from SQLite, and why. On SQLite a person's chain is
 * another file than the platform's, and each file commits on its own: the
 * entry is kept in the platform store within the change's transaction,
 * then written in the chain after the commit (sqlite_later.c). Here the
 * chain is a table of the same database, and the person's store is the
 * same connection: store_audit_later appends the entry to the person's
 * chain at once (under the person's lock), inside the caller's
 * transaction, so that it commits with the change or rolls back with it.
 * Nothing is ever kept for later: store_audit_deliver has nothing to write
 * (written 0, CMN_OK), and store_tx_end_told appends the entry, then ends
 * the transaction. What both give alike: after the commit the entry is in
 * the chain once, dated when it was told; after a rollback it is not.
 * What differs:
 * - the entry is in the chain before the commit, seen by the transaction
 *   itself (never by others: they see it with the change);
 * - a chain that cannot be written (the person erased meanwhile, a failed
 *   statement) fails the change with it, where SQLite lets the change
 *   stand and leaves the entry for a later delivery; an unknown person is
 *   CMN_ERR_NOT_FOUND at once;
 * - the person's lock is held from the entry to the end of the caller's
 *   transaction, as any write in a person's store inside it holds it.
 */
#include "store/postgres/pg_int.h"
#include "store/store_later_int.h"

#include <string.h>

#include "core/str.h"

static enum cmn_rc pg_audit_later(struct store *s, const char *person_id, const char *actor,
				  const char *action, const char *object, const char *detail)
{
	static const char q[] = "SELECT 1 FROM persons WHERE id = $1";
	/* a handle of its own: the thread's cached ones (store_person_store)
	 * stay as the caller may hold them */
	struct pg_pstore ps = {.s = s};
	struct pg_param p[] = {PG_TEXT(person_id)};
	struct pg_conn *c;
	PGresult *r;
	enum cmn_rc rc;

	if (strlen(person_id) >= sizeof(ps.person_id))
		return CMN_ERR_NOT_FOUND;
	str_copy(ps.person_id, sizeof(ps.person_id), person_id);
	if ((rc = pg_ptx_begin(&ps, &c)) != CMN_OK)
		return rc;
	rc = pg_one(c, q, 1, p, &r);
	PQclear(r);
	if (rc == CMN_OK)
		rc = pg_audit_in_tx(&ps, actor, action, object, detail ? detail : "");
	return pg_ptx_end(&ps, rc);
}

/* every entry is in its chain already: nothing waits */
static enum cmn_rc pg_audit_deliver(struct store *s, const char *person_id, size_t *written)
{
	(void)s;
	(void)person_id;
	if (written)
		*written = 0;
	return CMN_OK;
}

static enum cmn_rc pg_tx_end_told(struct store *s, enum cmn_rc rc, const char *person_id,
				  const char *actor, const char *action, const char *object,
				  const char *detail)
{
	if (rc == CMN_OK)
		rc = pg_audit_later(s, person_id, actor, action, object, detail);
	return store_tx_end(s, rc);
}

const struct store_later_ops store_pg_later_ops = {
    .audit_later = pg_audit_later,
    .audit_deliver = pg_audit_deliver,
    .tx_end_told = pg_tx_end_told,
};
