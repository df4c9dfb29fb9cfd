/*
 * store_apps.c - store_apps.h on either backend: the calls to the
 * backend's functions, and the audit entries both write alike.
 */
#include "store/store_apps_int.h"

#include <stdio.h>

static const struct store_apps_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_apps_ops : &store_pg_apps_ops;
}

static const struct store_apps_ops *pops(const struct pstore *ps)
{
	return ops(pstore_head(ps)->s);
}

void app_object(char out[APP_OBJECT_LEN], const char *id)
{
	snprintf(out, APP_OBJECT_LEN, "app/%s", id);
}

void app_install_detail(char out[APP_DETAIL_LEN], const struct app_row *row)
{
	snprintf(out, APP_DETAIL_LEN, "{\"version\":\"%s\",\"sha256\":\"%s\"}", row->version,
		 row->sha256);
}

enum cmn_rc pstore_app_put(struct pstore *ps, const struct app_row *row, const char *bytes,
			   size_t n, const char *actor)
{
	return pops(ps)->app_put(ps, row, bytes, n, actor);
}

enum cmn_rc pstore_app_get(struct pstore *ps, const char *id, struct app_row *row, char **bytes,
			   size_t *n)
{
	return pops(ps)->app_get(ps, id, row, bytes, n);
}

enum cmn_rc pstore_app_each(struct pstore *ps,
			    enum cmn_rc (*fn)(const struct app_row *r, void *ctx), void *ctx)
{
	return pops(ps)->app_each(ps, fn, ctx);
}

enum cmn_rc pstore_app_remove(struct pstore *ps, const char *id, const char *actor)
{
	return pops(ps)->app_remove(ps, id, actor);
}

enum cmn_rc pstore_app_run_add(struct pstore *ps, const struct app_run_row *r)
{
	return pops(ps)->app_run_add(ps, r);
}

enum cmn_rc pstore_app_runs(struct pstore *ps, const char *id, size_t limit,
			    enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx), void *ctx)
{
	return pops(ps)->app_runs(ps, id, limit, fn, ctx);
}

enum cmn_rc pstore_setting_get(struct pstore *ps, const char *key, char *out, size_t n)
{
	return pops(ps)->setting_get(ps, key, out, n);
}

enum cmn_rc pstore_setting_put(struct pstore *ps, const char *key, const char *value)
{
	return pops(ps)->setting_put(ps, key, value);
}

enum cmn_rc store_app_cert_put(struct store *s, const char *sha256, const char *app_id,
			       const char *version, const char *jws)
{
	return ops(s)->app_cert_put(s, sha256, app_id, version, jws);
}

enum cmn_rc store_app_cert_get(struct store *s, const char *sha256, char **jws, bool *revoked)
{
	return ops(s)->app_cert_get(s, sha256, jws, revoked);
}

enum cmn_rc store_app_cert_revoke(struct store *s, const char *app_id, const char *version,
				  int64_t *n)
{
	return ops(s)->app_cert_revoke(s, app_id, version, n);
}

enum cmn_rc store_app_cert_each(struct store *s,
				enum cmn_rc (*fn)(const struct app_cert *c, void *ctx), void *ctx)
{
	return ops(s)->app_cert_each(s, fn, ctx);
}

enum cmn_rc store_app_schedule_put(struct store *s, const struct app_schedule *sch)
{
	return ops(s)->app_schedule_put(s, sch);
}

enum cmn_rc store_app_schedule_move(struct store *s, const char *person_id, const char *app_id,
				    int64_t from, int64_t to)
{
	return ops(s)->app_schedule_move(s, person_id, app_id, from, to);
}

enum cmn_rc store_app_schedule_clear(struct store *s, const char *person_id, const char *app_id)
{
	return ops(s)->app_schedule_clear(s, person_id, app_id);
}

enum cmn_rc store_app_schedule_due(struct store *s, int64_t now, size_t limit,
				   enum cmn_rc (*fn)(const struct app_schedule *sch, void *ctx),
				   void *ctx)
{
	return ops(s)->app_schedule_due(s, now, limit, fn, ctx);
}
