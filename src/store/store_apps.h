/*
 * store_apps.h - what the store keeps of apps (src/apps/): the packages a
 * person installed and the runs they made, in the person's store; the
 * operator's certificates of packages, in the platform store.
 */
#ifndef COMMUNE_STORE_STORE_APPS_H
#define COMMUNE_STORE_STORE_APPS_H

#include "store/store.h"

#define STORE_APP_ID_MAX 48
#define STORE_APP_RUNS_KEPT 100           /* runs kept per app */

struct app_row {
	char id[STORE_APP_ID_MAX + 1];
	char version[33];
	char sha256[65];
	int64_t installed;                /* ms */
	int64_t last_run;                 /* ms, 0 when never run */
};

/* pstore_app_put - installs (or replaces) an app's package, audited as
 * "app.install" by actor. */
enum cmn_rc pstore_app_put(struct pstore *ps, const struct app_row *row, const char *bytes,
			   size_t n, const char *actor);

/* pstore_app_get - an installed app; its package into *bytes (malloc'd,
 * NUL-terminated) when bytes is not NULL. */
enum cmn_rc pstore_app_get(struct pstore *ps, const char *id, struct app_row *row, char **bytes,
			   size_t *n);

/* pstore_app_each - the installed apps, by id. */
enum cmn_rc pstore_app_each(struct pstore *ps, enum cmn_rc (*fn)(const struct app_row *r, void *ctx),
			    void *ctx);

/* pstore_app_remove - uninstalls an app and forgets its runs ("app.remove");
 * the records it wrote stay the person's. */
enum cmn_rc pstore_app_remove(struct pstore *ps, const char *id, const char *actor);

struct app_run_row {
	int64_t seq;
	char app_id[STORE_APP_ID_MAX + 1];
	char version[33];
	int64_t at;                       /* ms */
	char trigger[16];
	char outcome[24];
	char error[300];
	int64_t elapsed_us, instructions, written;
	const char *result;               /* JSON text or NULL (valid during the call) */
};

/* pstore_app_run_add - keeps a run (the STORE_APP_RUNS_KEPT latest per app). */
enum cmn_rc pstore_app_run_add(struct pstore *ps, const struct app_run_row *r);

/* pstore_app_runs - an app's latest runs, newest first, at most limit. */
enum cmn_rc pstore_app_runs(struct pstore *ps, const char *id, size_t limit,
			    enum cmn_rc (*fn)(const struct app_run_row *r, void *ctx), void *ctx);

/* pstore_setting_get, pstore_setting_put - a setting of the person's
 * (e.g. "apps.certified_only" = "1"); get gives "" when unset. */
enum cmn_rc pstore_setting_get(struct pstore *ps, const char *key, char *out, size_t n);
enum cmn_rc pstore_setting_put(struct pstore *ps, const char *key, const char *value);

/* store_app_cert_put - the operator's certificate (a JWS) of the package of
 * digest sha256. */
enum cmn_rc store_app_cert_put(struct store *s, const char *sha256, const char *app_id,
			       const char *version, const char *jws);

/* store_app_cert_get - the certificate of a package by its digest into
 * *jws (malloc'd) and whether it was revoked; CMN_ERR_NOT_FOUND if none. */
enum cmn_rc store_app_cert_get(struct store *s, const char *sha256, char **jws, bool *revoked);

/* store_app_cert_revoke - revokes the certificates of app_id (of version
 * only, when not NULL); how many into *n. */
enum cmn_rc store_app_cert_revoke(struct store *s, const char *app_id, const char *version,
				  int64_t *n);

struct app_cert {
	char sha256[65];
	char app_id[STORE_APP_ID_MAX + 1];
	char version[33];
	int64_t signed_at, revoked_at;    /* ms; revoked_at 0 when in force */
};

/* store_app_cert_each - every certificate, by app and version. */
enum cmn_rc store_app_cert_each(struct store *s, enum cmn_rc (*fn)(const struct app_cert *c, void *ctx),
				void *ctx);

/* Schedules: when an app with a schedule trigger runs next, per person. */
struct app_schedule {
	char person_id[CRYPT_ID_LEN];
	char app_id[STORE_APP_ID_MAX + 1];
	char every[8];                    /* "day", "week", "month" */
	int64_t next_at;                  /* ms */
};

/* store_app_schedule_put - sets (or moves) a schedule. */
enum cmn_rc store_app_schedule_put(struct store *s, const struct app_schedule *sch);

/* store_app_schedule_move - moves a schedule's next time from `from` to
 * `to`, only if it is still at `from`: CMN_ERR_CONFLICT when it is not (or
 * is gone), for another process, thread or request moved or removed it. */
enum cmn_rc store_app_schedule_move(struct store *s, const char *person_id, const char *app_id,
				    int64_t from, int64_t to);

/* store_app_schedule_clear - forgets every schedule of an app of a person. */
enum cmn_rc store_app_schedule_clear(struct store *s, const char *person_id, const char *app_id);

/* store_app_schedule_due - the schedules due at now, soonest first, at
 * most limit. */
enum cmn_rc store_app_schedule_due(struct store *s, int64_t now, size_t limit,
				   enum cmn_rc (*fn)(const struct app_schedule *sch, void *ctx),
				   void *ctx);

#endif
