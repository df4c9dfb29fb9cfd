/*
 * store_datamap_int.h - the functions of store_datamap.h a backend
 * provides (docs/postgres.md, "Porting a module"). Only src/store/
 * includes this file.
 */
#ifndef COMMUNE_STORE_STORE_DATAMAP_INT_H
#define COMMUNE_STORE_STORE_DATAMAP_INT_H

#include "store/store_datamap.h"
#include "store/store_int.h"

/* each member has the meaning of store_datamap_<name>, store_<name> for
 * person_org_kind and the port_ ones */
struct store_datamap_ops {
	enum cmn_rc (*replace)(struct store *s, const struct datamap_holder *holders, size_t n,
			       int64_t now);
	enum cmn_rc (*each)(struct store *s,
			    enum cmn_rc (*fn)(const struct datamap_holder *h, void *ctx),
			    void *ctx);
	enum cmn_rc (*get)(struct store *s, const char *id, char **body);
	enum cmn_rc (*loaded)(struct store *s, int64_t *at);
	enum cmn_rc (*person_org_kind)(struct store *s, const char *person_id, char *out);
	enum cmn_rc (*port_add)(struct store *s, struct port_request *r);
	enum cmn_rc (*port_get)(struct store *s, const char *id, struct port_request *r);
	enum cmn_rc (*port_each)(struct store *s, const char *person_id,
				 enum cmn_rc (*fn)(const struct port_request *r, void *ctx),
				 void *ctx);
	enum cmn_rc (*port_sent)(struct store *s, const char *id, const char *person_id, int64_t at,
				 int64_t deadline);
	enum cmn_rc (*port_late)(struct store *s, int64_t now, char (*ids)[CRYPT_ID_LEN],
				 size_t max, size_t *n);
	enum cmn_rc (*port_mark_reminded)(struct store *s, const char *id, int64_t now);
	enum cmn_rc (*port_answered)(struct store *s, const char *id, const char *person_id,
				     const char *import_id, const char *counts, int64_t at);
	enum cmn_rc (*port_stats)(struct store *s, int64_t now,
				  enum cmn_rc (*fn)(const struct port_counts *c, void *ctx),
				  void *ctx);
};

extern const struct store_datamap_ops store_sqlite_datamap_ops;
extern const struct store_datamap_ops store_pg_datamap_ops;

#endif
