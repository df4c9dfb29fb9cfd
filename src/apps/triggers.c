/*
 * triggers.c - what runs an app besides a person's demand: new data of a
 * doctype it reads (after an import), and its schedule (every day, week
 * or month, at 03:00 in Paris), kept in the platform store so that a tick
 * finds the runs due without opening every person's store. See app.h.
 */
#include "apps/app.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "series/series.h"
#include "store/store_apps.h"

#define SCHEDULE_ZONE "Europe/Paris"
#define SCHEDULE_HOUR_MS (3 * 3600000LL)  /* runs at 03:00, when nobody waits */
#define TICK_BATCH 100                    /* runs due handled per tick */
#define SCHEDULE_LEASE_MS (10 * 60000LL) /* a claimed run, made again after it if cut short */
#define INSTALLED_MAX 64                  /* apps of one person woken by an import */

int64_t app_schedule_next(const char *every, int64_t now)
{
	const struct tz *z = series_zone(SCHEDULE_ZONE);
	int64_t day, y, next;
	int m, d;

	if (!z)
		z = tz_utc();
	day = tz_local_day(z, now, NULL);
	if (strcmp(every, "week") == 0) {
		int64_t wday = ((day + 3) % 7 + 7) % 7; /* 0 = Monday */

		next = day + 7 - wday;
	} else if (strcmp(every, "month") == 0) {
		time_civil_from_days(day, &y, &m, &d);
		next = m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1);
	} else {
		next = day + 1;
	}
	return tz_from_local(z, next, SCHEDULE_HOUR_MS);
}

enum cmn_rc app_schedule_install(const struct app_env *env, const char *person_id,
				 const struct app_package *p, int64_t now)
{
	enum cmn_rc rc = store_tx_begin(env->store);

	if (rc != CMN_OK)
		return rc;
	/* the old schedules and the new, in one transaction */
	rc = store_app_schedule_clear(env->store, person_id, p->m.id);
	for (size_t i = 0; rc == CMN_OK && i < p->m.ntriggers; i++) {
		struct app_schedule sch = {0};

		if (p->m.triggers[i].kind != APP_ON_SCHEDULE)
			continue;
		str_copy(sch.person_id, sizeof(sch.person_id), person_id);
		str_copy(sch.app_id, sizeof(sch.app_id), p->m.id);
		str_copy(sch.every, sizeof(sch.every), p->m.triggers[i].every);
		sch.next_at = app_schedule_next(sch.every, now);
		rc = store_app_schedule_put(env->store, &sch);
	}
	return store_tx_end(env->store, rc);
}

struct ids {
	char v[INSTALLED_MAX][APP_ID_MAX + 1];
	size_t n;
};

static enum cmn_rc gather_id(const struct app_row *r, void *pv)
{
	struct ids *ids = pv;

	if (ids->n < INSTALLED_MAX)
		str_copy(ids->v[ids->n++], sizeof(ids->v[0]), r->id);
	return CMN_OK;
}

/* wakes - whether p has a data trigger on one of the doctypes written. */
static bool wakes(const struct app_package *p, const char (*written)[CMN_DOCTYPE_NAME_MAX + 1],
		  size_t n)
{
	for (size_t i = 0; i < p->m.ntriggers; i++) {
		if (p->m.triggers[i].kind != APP_ON_DATA)
			continue;
		for (size_t k = 0; k < n; k++)
			if (strcmp(p->m.triggers[i].doctype, written[k]) == 0)
				return true;
	}
	return false;
}

size_t app_after_import(const struct app_env *env, struct pstore *ps,
			const char (*written)[CMN_DOCTYPE_NAME_MAX + 1], size_t n)
{
	struct ids *ids = calloc(1, sizeof(*ids));
	size_t ran = 0;

	if (!ids || !n || pstore_app_each(ps, gather_id, ids) != CMN_OK) {
		free(ids);
		return 0;
	}
	/* the list first: a run writes to the store the listing reads */
	for (size_t i = 0; i < ids->n; i++) {
		struct app_package p;
		struct app_run r;
		char err[300] = "";
		bool go;

		if (app_load_installed(env, ps, ids->v[i], &p, err, sizeof(err)) != CMN_OK)
			continue;
		go = wakes(&p, written, n);
		app_package_release(&p);
		if (!go)
			continue;
		/* a failing app fails its run, never the import that woke it */
		if (app_run_installed(env, ps, ids->v[i], "data", NULL, &r, err, sizeof(err)) ==
		    CMN_OK) {
			ran++;
			app_run_release(&r);
		} else {
			log_warn("app %s after an import: %s", ids->v[i], err);
		}
	}
	free(ids);
	return ran;
}

struct tick {
	const struct app_env *env;
	int64_t now;
	size_t ran;
};

static enum cmn_rc run_due(const struct app_schedule *sch, void *tv)
{
	struct tick *t = tv;
	struct pstore *ps;
	struct app_run r;
	char err[300] = "";
	int64_t lease = t->now + SCHEDULE_LEASE_MS;
	enum cmn_rc rc;

	/* claimed before it runs: of the server processes (and threads) on
	 * this store, the one that moves it runs it; a run cut short by a
	 * crash is made again once the lease is over */
	rc = store_app_schedule_move(t->env->store, sch->person_id, sch->app_id, sch->next_at,
				     lease);
	if (rc == CMN_ERR_CONFLICT)
		return CMN_OK;
	if (rc == CMN_OK)
		rc = store_person_store(t->env->store, sch->person_id, &ps);
	if (rc == CMN_OK)
		rc = app_run_installed(t->env, ps, sch->app_id, "schedule", NULL, &r, err,
				       sizeof(err));
	if (rc == CMN_OK) {
		t->ran++;
		app_run_release(&r);
	}
	if (rc == CMN_ERR_NOT_FOUND) /* the app, or the person, is gone */
		return store_app_schedule_clear(t->env->store, sch->person_id, sch->app_id);
	if (rc != CMN_OK)
		log_warn("app %s on schedule: %s", sch->app_id, err[0] ? err : cmn_strerror(rc));
	/* the next time comes from now: runs missed while the server was down
	 * are made once, not once each. Moved from the lease only: a schedule
	 * removed or set again meanwhile (the app uninstalled, reinstalled)
	 * stays as that left it. */
	rc = store_app_schedule_move(t->env->store, sch->person_id, sch->app_id, lease,
				     app_schedule_next(sch->every, t->now));
	return rc == CMN_ERR_CONFLICT ? CMN_OK : rc;
}

enum cmn_rc app_schedule_tick(const struct app_env *env, int64_t now, size_t *ran)
{
	struct tick t = {env, now, 0};
	enum cmn_rc rc = store_app_schedule_due(env->store, now, TICK_BATCH, run_due, &t);

	if (ran)
		*ran = t.ran;
	return rc;
}

/* ---- the scheduler thread ----------------------------------------------------------- */

struct app_scheduler {
	struct app_env env;
	unsigned period_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *scheduler_main(void *arg)
{
	struct app_scheduler *s = arg;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(s->period_ms / 1000);
		until.tv_nsec += (long)(s->period_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		if (app_schedule_tick(&s->env, time_now_ms(), NULL) != CMN_OK)
			log_warn("app schedules: %s", store_last_error());
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

enum cmn_rc app_scheduler_start(const struct app_env *env, unsigned period_ms,
				struct app_scheduler **out)
{
	struct app_scheduler *s = calloc(1, sizeof(*s));

	if (!s)
		return CMN_ERR_NOMEM;
	s->env = *env;
	s->period_ms = period_ms ? period_ms : 30000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return CMN_ERR_INTERNAL;
	}
	*out = s;
	return CMN_OK;
}

void app_scheduler_stop(struct app_scheduler **sp)
{
	struct app_scheduler *s = *sp;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	*sp = NULL;
}
