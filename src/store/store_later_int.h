/*
 * store_later_int.h - the functions of store.h a backend provides for the
 * entries of persons' audit chains that a change of the platform store
 * tells (docs/postgres.md, "Porting a module"). Only src/store/ includes
 * this file.
 */
#ifndef COMMUNE_STORE_STORE_LATER_INT_H
#define COMMUNE_STORE_STORE_LATER_INT_H

#include "store/store_int.h"

/* each member has the meaning of store_<name> */
struct store_later_ops {
	enum cmn_rc (*audit_later)(struct store *s, const char *person_id, const char *actor,
				   const char *action, const char *object, const char *detail);
	enum cmn_rc (*audit_deliver)(struct store *s, const char *person_id, size_t *written);
	enum cmn_rc (*tx_end_told)(struct store *s, enum cmn_rc rc, const char *person_id,
				   const char *actor, const char *action, const char *object,
				   const char *detail);
};

extern const struct store_later_ops store_sqlite_later_ops;
extern const struct store_later_ops store_pg_later_ops;

#endif
