/*
 * installed.c - apps as a person has them: installing a package into
 * their store, the certification rules, and running an installed app
 * (the runs kept for the person to see). See app.h.
 */
#include "apps/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "store/store_apps.h"

#define SETTING_CERTIFIED_ONLY "apps.certified_only"

enum app_cert_state app_cert_state(struct store *s, const struct keyring *k,
				   const struct app_package *p)
{
	char *jws = NULL;
	bool revoked = false;
	enum app_cert_state st = APP_CERT_NONE;

	if (store_app_cert_get(s, p->sha256, &jws, &revoked) == CMN_OK)
		st = revoked ? APP_CERT_REVOKED
		     : app_certificate_check(k, jws, p) ? APP_CERT_VALID
							 : APP_CERT_NONE;
	free(jws);
	return st;
}

bool app_certified_only(struct pstore *ps, bool platform)
{
	char v[8] = "";

	if (platform)
		return true;
	return pstore_setting_get(ps, SETTING_CERTIFIED_ONLY, v, sizeof(v)) == CMN_OK &&
	       strcmp(v, "1") == 0;
}

enum cmn_rc app_set_certified_only(struct pstore *ps, bool on)
{
	return pstore_setting_put(ps, SETTING_CERTIFIED_ONLY, on ? "1" : "0");
}

/* allowed - whether the rules let p run (or be installed) here; why. */
static enum cmn_rc allowed(const struct app_env *env, struct pstore *ps,
			   const struct app_package *p, char *err, size_t n)
{
	enum app_cert_state st = app_cert_state(env->store, env->keys, p);

	if (st == APP_CERT_REVOKED) {
		snprintf(err, n, "the certificate of %s %s was revoked by the operator", p->m.id,
			 p->m.version);
		return CMN_ERR_FORBIDDEN;
	}
	if (st != APP_CERT_VALID && app_certified_only(ps, env->certified_only)) {
		snprintf(err, n, "only apps certified by the operator run here, and %s %s is not",
			 p->m.id, p->m.version);
		return CMN_ERR_FORBIDDEN;
	}
	return CMN_OK;
}

/* reschedule - the schedule of app id of person_id made again from what the
 * person's store holds: the installed app's, or none. A schedule left
 * behind when this fails too is harmless: when it falls due, an app not
 * found clears it (triggers.c). */
static void reschedule(const struct app_env *env, struct pstore *ps, const char *person_id,
		       const char *id)
{
	struct app_package p;
	char err[200];
	enum cmn_rc rc = app_load_installed(env, ps, id, &p, err, sizeof(err));

	if (rc == CMN_OK) {
		rc = app_schedule_install(env, person_id, &p, time_now_ms());
		app_package_release(&p);
	} else if (rc == CMN_ERR_NOT_FOUND) {
		rc = store_app_schedule_clear(env->store, person_id, id);
	}
	if (rc != CMN_OK)
		log_warn("the schedule of app %s of %s could not be put back: %s", id, person_id,
			 cmn_strerror(rc));
}

enum cmn_rc app_install(const struct app_env *env, const char *person_id, struct pstore *ps,
			const char *bytes, size_t n, const char *actor, struct app_package *out,
			char *err, size_t errn)
{
	struct app_row row = {0};
	enum cmn_rc rc = app_package_parse(bytes, n, env->reg, out, err, errn);

	if (rc != CMN_OK)
		return rc;
	rc = allowed(env, ps, out, err, errn);
	str_copy(row.id, sizeof(row.id), out->m.id);
	str_copy(row.version, sizeof(row.version), out->m.version);
	str_copy(row.sha256, sizeof(row.sha256), out->sha256);
	row.installed = time_now_ms();
	/* the app in the person's store and its schedule in the platform's:
	 * the schedule is committed first, inside the person's transaction,
	 * and put back as it was when the app cannot be kept after all */
	if (rc == CMN_OK && (rc = pstore_tx_begin(ps)) == CMN_OK) {
		bool scheduled = false;

		rc = pstore_app_put(ps, &row, bytes, n, actor);
		if (rc == CMN_OK)
			scheduled = (rc = app_schedule_install(env, person_id, out, row.installed)) ==
				    CMN_OK;
		rc = pstore_tx_end(ps, rc);
		if (rc != CMN_OK && scheduled)
			reschedule(env, ps, person_id, out->m.id);
	}
	if (rc != CMN_OK)
		app_package_release(out);
	return rc;
}

enum cmn_rc app_remove(const struct app_env *env, const char *person_id, struct pstore *ps,
		       const char *id, const char *actor)
{
	enum cmn_rc rc = pstore_tx_begin(ps);
	bool cleared = false;

	/* as app_install: the schedule goes first, and comes back when the
	 * app cannot be removed after all */
	if (rc != CMN_OK)
		return rc;
	rc = pstore_app_remove(ps, id, actor);
	if (rc == CMN_OK)
		cleared = (rc = store_app_schedule_clear(env->store, person_id, id)) == CMN_OK;
	rc = pstore_tx_end(ps, rc);
	if (rc != CMN_OK && cleared)
		reschedule(env, ps, person_id, id);
	return rc;
}

enum cmn_rc app_load_installed(const struct app_env *env, struct pstore *ps, const char *id,
			       struct app_package *out, char *err, size_t errn)
{
	struct app_row row;
	char *bytes = NULL;
	size_t n = 0;
	enum cmn_rc rc = pstore_app_get(ps, id, &row, &bytes, &n);

	if (rc == CMN_OK)
		rc = app_package_parse(bytes, n, env->reg, out, err, errn);
	free(bytes);
	/* a package kept before the registry changed may no longer pass */
	if (rc == CMN_ERR_INVALID)
		rc = CMN_ERR_CONFLICT;
	return rc;
}

enum cmn_rc app_run_installed(const struct app_env *env, struct pstore *ps, const char *id,
			      const char *trigger, const json_t *params, struct app_run *out,
			      char *err, size_t errn)
{
	struct app_package p;
	char actor[APP_ID_MAX + APP_VERSION_MAX + 8];
	enum cmn_rc rc = app_load_installed(env, ps, id, &p, err, errn);

	memset(out, 0, sizeof(*out));
	if (rc != CMN_OK)
		return rc;
	/* the certificate is looked at on every run: a revocation stops it */
	if ((rc = allowed(env, ps, &p, err, errn)) != CMN_OK) {
		app_package_release(&p);
		return rc;
	}
	snprintf(actor, sizeof(actor), "app:%s@%s", p.m.id, p.m.version);
	{
		/* the run's row is kept with what it wrote, in its transaction */
		struct app_host h = {ps, env->reg, actor, trigger, params, time_now_ms(), true};

		rc = app_run_on(&p, &h, env->store, out);
	}
	app_package_release(&p);
	return rc;
}
