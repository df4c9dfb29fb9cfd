/*
 * store_later.c - the entries of persons' audit chains that a change of
 * the platform store tells (store.h), on either backend: the calls to the
 * backend's functions. SQLite keeps them in the platform file until they
 * are written in the person's (sqlite_later.c); PostgreSQL writes them in
 * the chain with the change, in one transaction (pg_later.c).
 */
#include "store/store_later_int.h"

static const struct store_later_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_later_ops : &store_pg_later_ops;
}

enum cmn_rc store_audit_later(struct store *s, const char *person_id, const char *actor,
			      const char *action, const char *object, const char *detail)
{
	return ops(s)->audit_later(s, person_id, actor, action, object, detail);
}

enum cmn_rc store_audit_deliver(struct store *s, const char *person_id, size_t *written)
{
	return ops(s)->audit_deliver(s, person_id, written);
}

enum cmn_rc store_tx_end_told(struct store *s, enum cmn_rc rc, const char *person_id,
			      const char *actor, const char *action, const char *object,
			      const char *detail)
{
	return ops(s)->tx_end_told(s, rc, person_id, actor, action, object, detail);
}
