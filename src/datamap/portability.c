/*
 * portability.c - the life of a portability request (datamap.h): drafted
 * from the catalogue with its letter, sent by the person (the deadline is
 * one calendar month later in Europe/Paris), reminded once when the
 * deadline passes unanswered, answered by an import of the importers. Each
 * step is appended to the person's audit chain, where their timeline shows
 * it. Times are given by the caller, so that tests control the clock; the
 * reminder thread of `commune serve` is at the end.
 */
#include "datamap/datamap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "import/import.h"

#define REMIND_ACTOR "system:portability"

/* time_json - an RFC 3339 string of ms (new reference) */
static json_t *time_json(int64_t ms)
{
	char t[TIME_RFC3339_LEN];

	time_format(t, ms);
	return json_string(t);
}

/* detail_text - the text of an audit entry's detail (malloc'd), taking
 * detail (NULL: its json_pack failed); NULL when out of memory. Each step
 * makes it before it changes the request: a detail that cannot be made
 * fails the step, never leaves an entry without it in the person's chain
 * (or a changed request without its entry). */
static char *detail_text(json_t *detail)
{
	char *text = detail ? json_text_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(detail);
	return text;
}

/* told - the end of a step's transaction (store_tx_begin before the step
 * changes its request): the change, and the entry that tells it in the
 * person's chain about request id with the text of detail_text, kept
 * together (store_tx_end_told): the chain is another file, and a request
 * changed without its entry would hide the step from the person */
static enum cmn_rc told(struct store *s, enum cmn_rc rc, const char *person_id, const char *actor,
			const char *action, const char *id, const char *detail)
{
	char object[64];

	snprintf(object, sizeof(object), "portability/%s", id);
	return store_tx_end_told(s, rc, person_id, actor, action, object, detail);
}

/* held - whether the holder's "data" lists doctype */
static bool held(const json_t *holder, const char *doctype)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(holder, "data"), i, d)
		if (strcmp(json_string_value(json_object_get(d, "doctype")), doctype) == 0)
			return true;
	return false;
}

/* asked - the doctypes asked, checked against the holder's (a new array):
 * what the letter asks and the request keeps, so a doctype that could not
 * be added fails it (CMN_ERR_NOMEM) rather than narrow it */
static enum cmn_rc asked(const json_t *holder, const json_t *doctypes, json_t **out, char *err,
			 size_t errn)
{
	const json_t *d;
	size_t i;
	json_t *v = json_array();

	*out = NULL;
	if (!v)
		return CMN_ERR_NOMEM;
	if (!doctypes || json_array_size(doctypes) == 0) {
		json_array_foreach(json_object_get(holder, "data"), i, d)
			json_push(&v, json_incref(json_object_get(d, "doctype")));
	} else if (!json_is_array(doctypes) || json_array_size(doctypes) > DATAMAP_LIST_MAX) {
		json_decref(v);
		snprintf(err, errn, "/doctypes: an array of at most %d doctypes", DATAMAP_LIST_MAX);
		return CMN_ERR_INVALID;
	} else {
		json_array_foreach(doctypes, i, d) {
			const char *dt = json_string_value(d);
			bool twice = false;

			for (size_t j = 0; dt && j < i; j++)
				twice = twice || json_equal(d, json_array_get(doctypes, j));
			if (!dt || !held(holder, dt) || twice) {
				snprintf(err, errn, "/doctypes/%zu: %s", i,
					 twice ? "given twice"
					       : "not a doctype this holder holds (see its \"data\")");
				json_decref(v);
				return CMN_ERR_INVALID;
			}
			json_push(&v, json_incref((json_t *)d));
		}
	}
	*out = v;
	return v ? CMN_OK : CMN_ERR_NOMEM;
}

enum cmn_rc portability_create(struct store *s, const struct registry *reg,
			       const struct person *person, const char *actor,
			       const char *holder_id, const char *kind, const json_t *doctypes,
			       int64_t now, struct port_request *out, char *err, size_t errn)
{
	struct portability_letter l = {kind, person->handle, NULL, NULL, now};
	char *body = NULL, *detail = NULL;
	json_t *holder = NULL, *dts = NULL;
	struct json_parse_error je;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (!kind || (strcmp(kind, "access") != 0 && strcmp(kind, "portability") != 0)) {
		snprintf(err, errn, "/kind: access or portability");
		return CMN_ERR_INVALID;
	}
	if (!holder_id || strlen(holder_id) > DATAMAP_HOLDER_ID_MAX) {
		snprintf(err, errn, "/holder: the id of a holder of the data map");
		return CMN_ERR_INVALID;
	}
	rc = store_datamap_get(s, holder_id, &body);
	if (rc == CMN_ERR_NOT_FOUND)
		snprintf(err, errn, "/holder: no holder \"%s\" in the data map", holder_id);
	/* memory that ran out is not a corrupt catalogue */
	if (rc == CMN_OK && !(holder = json_parse(body, strlen(body), 0, &je)))
		rc = je.rc == CMN_ERR_NOMEM ? CMN_ERR_NOMEM : CMN_ERR_CORRUPT;
	free(body);
	if (rc == CMN_OK)
		rc = asked(holder, doctypes, &dts, err, errn);
	l.holder = holder;
	l.doctypes = dts;
	if (rc == CMN_OK)
		rc = portability_letter_text(reg, &l, &out->letter);
	if (rc == CMN_OK && !(out->doctypes = json_text_dumps(dts, JSON_COMPACT)))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK && !(detail = detail_text(json_pack("{s:s, s:s, s:O}", "holder", holder_id,
							     "kind", kind, "doctypes", dts))))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK) {
		str_copy(out->person_id, sizeof(out->person_id), person->id);
		str_copy(out->holder_id, sizeof(out->holder_id), holder_id);
		str_copy(out->kind, sizeof(out->kind), kind);
		out->created = now;
		if ((rc = store_tx_begin(s)) == CMN_OK)
			rc = told(s, store_port_add(s, out), person->id, actor,
				  "portability.create", out->id, detail);
	}
	free(detail);
	json_decref(holder);
	json_decref(dts);
	if (rc != CMN_OK)
		port_request_release(out);
	return rc;
}

int64_t portability_deadline(int64_t sent)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tz *z = NULL;
	int64_t day, ms, y, deadline;
	int m, d, last;

	if (tz_load(PORTABILITY_ZONE, &z) != CMN_OK)
		z = NULL;
	day = z ? tz_local_day(z, sent, &ms) : time_floor_div(sent, 86400000LL);
	if (!z)
		ms = sent - day * 86400000LL;
	time_civil_from_days(day, &y, &m, &d);
	if (++m > 12) {
		m = 1;
		y++;
	}
	last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > last)
		d = last;
	day = time_days_from_civil(y, m, d);
	deadline = z ? tz_from_local(z, day, ms) : day * 86400000LL + ms;
	tz_free(&z);
	return deadline;
}

/* mine - the request id of person_id (NOT_FOUND for another's) */
static enum cmn_rc mine(struct store *s, const char *person_id, const char *id,
			struct port_request *r)
{
	enum cmn_rc rc = store_port_get(s, id, r);

	if (rc == CMN_OK && strcmp(r->person_id, person_id) != 0) {
		port_request_release(r);
		rc = CMN_ERR_NOT_FOUND;
	}
	return rc;
}

/* read_back - out, the request id after a step that was committed: zeroed
 * when it cannot be read (the step stands: the caller answers what it
 * knows) */
static enum cmn_rc read_back(struct store *s, const char *id, struct port_request *out)
{
	if (store_port_get(s, id, out) != CMN_OK)
		memset(out, 0, sizeof(*out));
	return CMN_OK;
}

enum cmn_rc portability_sent(struct store *s, const char *person_id, const char *actor,
			     const char *id, int64_t at, struct port_request *out)
{
	char when[TIME_RFC3339_LEN], *detail;
	int64_t deadline = portability_deadline(at);
	enum cmn_rc rc = mine(s, person_id, id, out);

	if (rc != CMN_OK)
		return rc;
	port_request_release(out);
	time_format(when, deadline);
	if (!(detail = detail_text(json_pack("{s:s}", "deadline", when))))
		return CMN_ERR_NOMEM;
	if ((rc = store_tx_begin(s)) == CMN_OK)
		rc = told(s, store_port_sent(s, id, person_id, at, deadline), person_id, actor,
			  "portability.sent", id, detail);
	free(detail);
	return rc == CMN_OK ? read_back(s, id, out) : rc;
}

/* remind_one - marks the request reminded and tells its person, together */
static enum cmn_rc remind_one(struct store *s, const char *id, int64_t now)
{
	struct port_request r;
	char when[TIME_RFC3339_LEN], *detail = NULL;
	enum cmn_rc rc = store_port_get(s, id, &r);

	if (rc != CMN_OK)
		return rc;
	time_format(when, r.deadline);
	if (!(detail = detail_text(json_pack("{s:s, s:s, s:s}", "holder", r.holder_id, "kind",
					     r.kind, "deadline", when))))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK && (rc = store_tx_begin(s)) == CMN_OK)
		rc = told(s, store_port_mark_reminded(s, id, now), r.person_id, REMIND_ACTOR,
			  "portability.reminder", id, detail);
	free(detail);
	port_request_release(&r);
	return rc;
}

enum cmn_rc portability_remind(struct store *s, int64_t now, size_t *fired)
{
	char(*ids)[CRYPT_ID_LEN] = malloc(PORTABILITY_REMIND_BATCH * sizeof(*ids));
	size_t n = 0, done = 0;
	enum cmn_rc rc = ids ? store_port_late(s, now, ids, PORTABILITY_REMIND_BATCH, &n)
			     : CMN_ERR_NOMEM;

	for (size_t i = 0; rc == CMN_OK && i < n; i++) {
		enum cmn_rc one = remind_one(s, ids[i], now);

		/* another reminder came first (two servers), or the person is gone */
		if (one == CMN_ERR_CONFLICT || one == CMN_ERR_NOT_FOUND)
			continue;
		if (one == CMN_OK)
			done++;
		else
			rc = one;
	}
	free(ids);
	if (fired)
		*fired = done;
	return rc;
}

/* import_done - whether an import (pstore_import_get's JSON) succeeded */
static bool import_done(const json_t *imp)
{
	const char *status = json_string_value(json_object_get(imp, "status"));

	return status && strcmp(status, "done") == 0;
}

enum cmn_rc portability_answer_import(struct store *s, const char *person_id,
				      const char *actor, const char *id, const char *import_id,
				      int64_t now, struct port_request *out)
{
	struct pstore *ps;
	char *text = NULL, *counts = NULL, *detail = NULL;
	json_t *imp = NULL, *answer = NULL;
	enum cmn_rc rc = mine(s, person_id, id, out);

	if (rc != CMN_OK)
		return rc;
	if (out->state != PORT_SENT)
		rc = CMN_ERR_CONFLICT;
	port_request_release(out);
	if (rc == CMN_OK && (!import_id || strlen(import_id) != CRYPT_ID_LEN - 1))
		rc = CMN_ERR_NOT_FOUND;
	if (rc == CMN_OK)
		rc = store_person_store(s, person_id, &ps);
	if (rc == CMN_OK)
		rc = pstore_import_get(ps, import_id, NULL, &text);
	if (rc == CMN_OK && !(imp = json_parse_str(text)))
		rc = CMN_ERR_CORRUPT;
	if (rc == CMN_OK && !import_done(imp))
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK)
		answer = json_pack("{s:O?, s:O?, s:O?}", "format", json_object_get(imp, "format"),
				   "name", json_object_get(imp, "name"), "stats",
				   json_object_get(imp, "stats"));
	if (rc == CMN_OK && !(counts = answer ? json_text_dumps(answer, JSON_COMPACT) : NULL))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK &&
	    !(detail = detail_text(json_pack("{s:s, s:O}", "import", import_id, "answer", answer))))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK && (rc = store_tx_begin(s)) == CMN_OK)
		rc = told(s, store_port_answered(s, id, person_id, import_id, counts, now),
			  person_id, actor, "portability.answer", id, detail);
	json_decref(answer);
	json_decref(imp);
	free(text);
	free(counts);
	free(detail);
	return rc == CMN_OK ? read_back(s, id, out) : rc;
}

enum cmn_rc portability_answer_file(struct store *s, const struct registry *reg,
				    const char *person_id, const char *actor, const char *id,
				    const char *path, const char *name, const char *format,
				    int64_t now, struct import_job *job, struct port_request *out)
{
	struct pstore *ps;
	enum cmn_rc rc = mine(s, person_id, id, out);

	memset(job, 0, sizeof(*job));
	if (rc != CMN_OK)
		return rc;
	if (out->state != PORT_SENT)
		rc = CMN_ERR_CONFLICT;
	port_request_release(out);
	if (rc == CMN_OK)
		rc = store_person_store(s, person_id, &ps);
	if (rc == CMN_OK)
		rc = import_file(ps, reg, actor, path, name, format, job);
	if (rc == CMN_OK)
		rc = portability_answer_import(s, person_id, actor, id, job->id, now, out);
	return rc;
}

/* ---- views ------------------------------------------------------------------------ */

json_t *portability_request_json(const struct port_request *r)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", r->id, "holder",
			      r->holder_id, "kind", r->kind, "state", port_state_name(r->state),
			      "doctypes", json_parse_str(r->doctypes), "created",
			      time_json(r->created), "letter", r->letter);

	/* a view without its deadline would tell the person there is none:
	 * whole or NULL (json_put) */
	if (r->sent) {
		json_put(&v, "sent", time_json(r->sent));
		json_put(&v, "deadline", time_json(r->deadline));
	}
	if (r->reminded)
		json_put(&v, "reminded", time_json(r->reminded));
	if (r->answered) {
		json_put(&v, "answered", time_json(r->answered));
		json_put(&v, "import", json_string(r->import_id));
		json_put(&v, "answer", r->answer ? json_parse_str(r->answer) : json_null());
	}
	return v;
}

struct stats {
	json_t *items;
	json_t *seen;                   /* holder id -> its item */
};

static json_t *counts_item(const char *holder_id, const char *name)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "holder", holder_id, "name", name,
			 "requests", 0, "drafted", 0, "sent", 0, "answered", 0, "late", 0);
}

static enum cmn_rc stats_holder(const struct datamap_holder *h, void *ctx)
{
	struct stats *st = ctx;
	json_t *item = counts_item(h->id, h->name);

	if (!item || json_array_append(st->items, item) != 0 ||
	    json_object_set_new(st->seen, h->id, item) != 0)
		return CMN_ERR_NOMEM;
	return CMN_OK;
}

static enum cmn_rc stats_counts(const struct port_counts *c, void *ctx)
{
	struct stats *st = ctx;
	json_t *item = json_object_get(st->seen, c->holder_id);

	if (!item) { /* a holder gone from the catalogue since */
		if (!(item = counts_item(c->holder_id, c->holder_id)) ||
		    json_array_append_new(st->items, item) != 0)
			return CMN_ERR_NOMEM;
	}
	/* a count that cannot be set would be shown as 0 */
	if (json_object_set_new(item, "requests", json_integer(c->requests)) != 0 ||
	    json_object_set_new(item, "drafted", json_integer(c->drafted)) != 0 ||
	    json_object_set_new(item, "sent", json_integer(c->sent)) != 0 ||
	    json_object_set_new(item, "answered", json_integer(c->answered)) != 0 ||
	    json_object_set_new(item, "late", json_integer(c->late)) != 0)
		return CMN_ERR_NOMEM;
	return CMN_OK;
}

json_t *portability_stats_json(struct store *s, int64_t now)
{
	struct stats st = {json_array(), json_object()};
	enum cmn_rc rc = st.items && st.seen ? store_datamap_each(s, stats_holder, &st)
					     : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = store_port_stats(s, now, stats_counts, &st);
	json_decref(st.seen);
	if (rc != CMN_OK) {
		json_decref(st.items);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "at", time_json(now), "holders", st.items);
}

/* ---- the reminder thread of `commune serve` ------------------------------------------ */

struct portability_reminder {
	struct store *s;
	unsigned period_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *reminder_main(void *arg)
{
	struct portability_reminder *r = arg;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec until;
		size_t fired = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(r->period_ms / 1000);
		until.tv_nsec += (long)(r->period_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &until);
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->mu);
		if (portability_remind(r->s, time_now_ms(), &fired) != CMN_OK)
			log_warn("portability reminders: %s", store_last_error());
		else if (fired)
			log_info("portability reminders: %zu late requests", fired);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	store_thread_done();
	return NULL;
}

enum cmn_rc portability_reminder_start(struct store *s, unsigned period_ms,
				       struct portability_reminder **out)
{
	struct portability_reminder *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return CMN_ERR_NOMEM;
	r->s = s;
	r->period_ms = period_ms ? period_ms : 60000;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, reminder_main, r) != 0) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return CMN_ERR_INTERNAL;
	}
	*out = r;
	return CMN_OK;
}

void portability_reminder_stop(struct portability_reminder **rp)
{
	struct portability_reminder *r = *rp;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
	*rp = NULL;
}
