/*
 * store_apps_int.h - the functions of store_apps.h a backend provides
 * (docs/postgres.md, "Porting a module"). Only src/store/ includes this
 * file.
 */
#ifndef COMMUNE_STORE_STORE_APPS_INT_H
#define COMMUNE_STORE_STORE_APPS_INT_H

#include "store/store_apps.h"
#include "store/store_person_int.h"

/* each member has the meaning of pstore_<name> (store_<name> for those
 * taking the platform store) */
struct store_apps_ops {
	enum cmn_rc (*app_put)(struct pstore *ps, const struct app_row *row, const char *bytes,
			       size_t n, const char *actor);
	enum cmn_rc (*app_get)(struct pstore *ps, const char *id, struct app_row *row, char **bytes,
			       size_t *n);
	enum cmn_rc (*app_each)(struct pstore *ps,
				enum cmn_rc (*fn)(const struct app_row *r, void *ctx), void *ctx);
	enum cmn_rc (*app_remove)(struct pstore *ps, const char *id, const char *actor);
	enum cmn_rc (*app_run_add)(struct pstore *ps, const struct app_run_row *r);
	enum cmn_rc (*app_runs)(struct pstore *ps, const char *id, size_t limit,
				enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx),
				void *ctx);
	enum cmn_rc (*setting_get)(struct pstore *ps, const char *key, char *out, size_t n);
	enum cmn_rc (*setting_put)(struct pstore *ps, const char *key, const char *value);
	enum cmn_rc (*app_cert_put)(struct store *s, const char *sha256, const char *app_id,
				    const char *version, const char *jws);
	enum cmn_rc (*app_cert_get)(struct store *s, const char *sha256, char **jws, bool *revoked);
	enum cmn_rc (*app_cert_revoke)(struct store *s, const char *app_id, const char *version,
				       int64_t *n);
	enum cmn_rc (*app_cert_each)(struct store *s,
				     enum cmn_rc (*fn)(const struct app_cert *c, void *ctx),
				     void *ctx);
	enum cmn_rc (*app_schedule_put)(struct store *s, const struct app_schedule *sch);
	enum cmn_rc (*app_schedule_move)(struct store *s, const char *person_id, const char *app_id,
					 int64_t from, int64_t to);
	enum cmn_rc (*app_schedule_clear)(struct store *s, const char *person_id,
					  const char *app_id);
	enum cmn_rc (*app_schedule_due)(struct store *s, int64_t now, size_t limit,
					enum cmn_rc (*fn)(const struct app_schedule *sch,
							  void *ctx),
					void *ctx);
};

extern const struct store_apps_ops store_sqlite_apps_ops;
extern const struct store_apps_ops store_pg_apps_ops;

#define APP_OBJECT_LEN 80  /* "app/ID" and its NUL */
#define APP_DETAIL_LEN 160 /* {"version":...,"sha256":...} and its NUL */

/* app_object - the audit object of an app: "app/ID" */
void app_object(char out[APP_OBJECT_LEN], const char *id);

/* app_install_detail - the audit detail of an installation: its version
 * and its package's digest */
void app_install_detail(char out[APP_DETAIL_LEN], const struct app_row *row);

#endif
