/*
 * sqlite_later.c - transactions of the platform store, and the entries of
 * persons' audit chains that a change there tells but that are written in
 * another file (the person's store). SQLite commits each file on its own:
 * an entry written after the platform's commit is lost when its write
 * fails or the process dies in between, and one written before tells a
 * change that may not happen. So the entry is first kept in the platform
 * store (audit_later), in the transaction of the change itself; then it
 * is written in the chain and removed from there. Whatever stops that
 * half way leaves it in audit_later, written at the next delivery, once
 * (pstore_audit_once looks for it first). See store.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store_later_int.h"

enum cmn_rc sq_tx_begin(struct store *s)
{
	struct conn *c = store_platform_conn(s);

	return c ? conn_tx_begin(c) : CMN_ERR_STORE;
}

enum cmn_rc sq_tx_end(struct store *s, enum cmn_rc rc)
{
	struct conn *c = store_platform_conn(s);

	if (!c)
		return CMN_ERR_STORE;
	rc = conn_tx_end(c, rc);
	/* a right taken away inside: what a cache took from before the
	 * commit is dropped */
	if (c->tx_depth == 0)
		store_auth_changed(s);
	return rc;
}

static enum cmn_rc sq_audit_later(struct store *s, const char *person_id, const char *actor,
				  const char *action, const char *object, const char *detail)
{
	static const char q[] = "INSERT INTO audit_later(person_id, at, actor, action, object,"
				" detail) VALUES (?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms());
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail ? detail : "", -1, SQLITE_STATIC);
	return conn_step_done(c, st);
}

/* one kept entry */
struct later {
	int64_t n, at;
	char person_id[CRYPT_ID_LEN];
	char *actor, *action, *object, *detail;
};

static void later_free(struct later *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].actor);
		free(l[i].action);
		free(l[i].object);
		free(l[i].detail);
	}
	free(l);
}

/* kept - the entries of person_id (NULL: everyone's, person by person),
 * oldest first, at most 256 */
static enum cmn_rc kept(struct conn *c, const char *person_id, struct later **out, size_t *n)
{
	static const char q_one[] = "SELECT n, person_id, at, actor, action, object, detail"
				    " FROM audit_later WHERE person_id = ? ORDER BY n LIMIT 256";
	static const char q_all[] = "SELECT n, person_id, at, actor, action, object, detail"
				    " FROM audit_later ORDER BY person_id, n LIMIT 256";
	sqlite3_stmt *st = conn_stmt(c, person_id ? q_one : q_all);
	struct later *l = NULL;
	enum cmn_rc rc = CMN_OK;
	int sr;

	*out = NULL;
	*n = 0;
	if (!st)
		return CMN_ERR_STORE;
	if (person_id)
		sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct later *e;

		/* memory only when there is something kept: it is looked for
		 * after every change and before every account entry */
		if (!l && !(l = calloc(256, sizeof(*l)))) {
			rc = CMN_ERR_NOMEM;
			break;
		}
		e = &l[*n];

		e->n = sqlite3_column_int64(st, 0);
		conn_text_col(st, 1, e->person_id, sizeof(e->person_id));
		e->at = sqlite3_column_int64(st, 2);
		e->actor = strdup((const char *)sqlite3_column_text(st, 3));
		e->action = strdup((const char *)sqlite3_column_text(st, 4));
		e->object = strdup((const char *)sqlite3_column_text(st, 5));
		e->detail = strdup((const char *)sqlite3_column_text(st, 6));
		++*n;
		if (!e->actor || !e->action || !e->object || !e->detail)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	if (rc != CMN_OK) {
		later_free(l, *n);
		*n = 0;
		return rc;
	}
	*out = l;
	return CMN_OK;
}

static enum cmn_rc sq_audit_deliver(struct store *s, const char *person_id, size_t *written)
{
	static const char q_done[] = "DELETE FROM audit_later WHERE n = ?";
	struct conn *c = store_platform_conn(s);
	struct later *l = NULL;
	size_t n = 0;
	enum cmn_rc rc, first = CMN_OK;
	const char *failed = ""; /* the person whose chain failed last */

	if (written)
		*written = 0;
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = kept(c, person_id, &l, &n)) != CMN_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct pstore *ps;
		sqlite3_stmt *st;

		/* a person whose chain failed keeps the rest of theirs, in order */
		if (strcmp(l[i].person_id, failed) == 0)
			continue;
		rc = store_person_store(s, l[i].person_id, &ps);
		if (rc == CMN_OK)
			rc = pstore_audit_once(ps, l[i].at, l[i].actor, l[i].action, l[i].object,
					       l[i].detail);
		if (rc == CMN_OK && (st = conn_stmt(c, q_done))) {
			sqlite3_bind_int64(st, 1, l[i].n);
			rc = conn_step_done(c, st);
		} else if (rc == CMN_OK) {
			rc = CMN_ERR_STORE;
		}
		if (rc == CMN_OK && written)
			++*written;
		if (rc != CMN_OK) {
			log_warn("audit entry %s %s for %s kept for later: %s", l[i].action,
				 l[i].object, l[i].person_id, cmn_strerror(rc));
			first = first == CMN_OK ? rc : first;
			failed = l[i].person_id;
		}
	}
	later_free(l, n);
	return first;
}

static enum cmn_rc sq_tx_end_told(struct store *s, enum cmn_rc rc, const char *person_id,
				  const char *actor, const char *action, const char *object,
				  const char *detail)
{
	struct conn *c = store_platform_conn(s);

	if (rc == CMN_OK)
		rc = sq_audit_later(s, person_id, actor, action, object, detail);
	/* inside another transaction, the entry waits for the outermost's
	 * commit: written now, it would tell a change that may not stand */
	if ((rc = store_tx_end(s, rc)) == CMN_OK && c && c->tx_depth == 0)
		(void)sq_audit_deliver(s, person_id, NULL); /* else at the next one */
	return rc;
}

const struct store_later_ops store_sqlite_later_ops = {
    .audit_later = sq_audit_later,
    .audit_deliver = sq_audit_deliver,
    .tx_end_told = sq_tx_end_told,
};
