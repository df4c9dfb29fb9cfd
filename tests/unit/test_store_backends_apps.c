#define _GNU_SOURCE
/*
 * test_store_backends_apps.c - apps and attestations in the store
 * (store_apps.h: installed apps and their runs, settings, the operator's
 * certificates, schedules; store_attest.h: attestations and the status
 * list), each case run on SQLite and on PostgreSQL (a database of its own
 * in the test run's cluster: tests/support/pgtest.h), with the same
 * assertions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>

#include "backends.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_attest.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* person - a new person and their store */
static void person(struct store *s, const char *handle, struct person *p, struct pstore **ps)
{
	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
	assert_int_equal(store_person_store(s, p->id, ps), CMN_OK);
}

static struct app_row app(const char *id, const char *version, int64_t installed)
{
	struct app_row r = {0};

	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.version, sizeof(r.version), "%s", version);
	memset(r.sha256, 'a' + (int)(strlen(version) % 6), 64);
	r.installed = installed;
	return r;
}

static struct app_run_row run(const char *app_id, int64_t at, const char *result)
{
	struct app_run_row r = {0};

	snprintf(r.app_id, sizeof(r.app_id), "%s", app_id);
	snprintf(r.version, sizeof(r.version), "1.0");
	r.at = at;
	snprintf(r.trigger, sizeof(r.trigger), "manual");
	snprintf(r.outcome, sizeof(r.outcome), "ok");
	snprintf(r.error, sizeof(r.error), "%s", result ? "" : "no result");
	r.elapsed_us = at * 2;
	r.instructions = at * 3;
	r.written = at % 7;
	r.result = result;
	return r;
}

#define AUDIT_MAX 2048 /* the chains the cases read */

/* the audit entries after seq `after`, as "action object detail;" */
static enum cmn_rc audit_line(const struct audit_entry *e, void *ctx)
{
	char *out = ctx;
	size_t len = strlen(out);

	snprintf(out + len, AUDIT_MAX - len, "%s %s %s;", e->action, e->object, e->detail);
	return CMN_OK;
}

static void audit_after(struct pstore *ps, int64_t after, char *out)
{
	out[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, NULL, after, 1000, audit_line, out), CMN_OK);
}

static int64_t audit_count(struct pstore *ps)
{
	int64_t count, bad;

	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	return count;
}

/* ---- installed apps ------------------------------------------------------------------ */

static enum cmn_rc app_ids(const struct app_row *r, void *ctx)
{
	bk_list_add(ctx, r->id);
	return CMN_OK;
}

static void apps_installed(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps, *other;
	struct app_row r, got;
	char pkg[4096], pkg2[3000], *bytes, list[BK_LIST_MAX], audit[AUDIT_MAX];
	char want[AUDIT_MAX];
	size_t n;
	int64_t before;

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &other);
	randombytes_buf(pkg, sizeof(pkg));
	randombytes_buf(pkg2, sizeof(pkg2));
	pkg[100] = '\0'; /* bytes, not text */

	r = app("notes", "1.0", 1000);
	assert_int_equal(pstore_app_put(ps, &r, pkg, sizeof(pkg), "person:ann"), CMN_OK);
	assert_int_equal(pstore_app_get(ps, "notes", &got, &bytes, &n), CMN_OK);
	assert_int_equal(n, sizeof(pkg));
	assert_memory_equal(bytes, pkg, sizeof(pkg));
	assert_int_equal(bytes[n], '\0');
	free(bytes);
	assert_string_equal(got.id, "notes");
	assert_string_equal(got.version, "1.0");
	assert_string_equal(got.sha256, r.sha256);
	assert_int_equal(got.installed, 1000);
	assert_int_equal(got.last_run, 0);
	/* without the package */
	memset(&got, 0, sizeof(got));
	assert_int_equal(pstore_app_get(ps, "notes", &got, NULL, NULL), CMN_OK);
	assert_string_equal(got.version, "1.0");
	/* another person's store holds none of it */
	assert_int_equal(pstore_app_get(other, "notes", &got, NULL, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_app_get(ps, "nope", &got, NULL, NULL), CMN_ERR_NOT_FOUND);

	/* a reinstall replaces the package and forgets the last run */
	{
		struct app_run_row x = run("notes", 5000, NULL);

		assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	}
	assert_int_equal(pstore_app_get(ps, "notes", &got, NULL, NULL), CMN_OK);
	assert_int_equal(got.last_run, 5000);
	r = app("notes", "2.0.0", 0);
	before = time_now_ms();
	assert_int_equal(pstore_app_put(ps, &r, pkg2, sizeof(pkg2), "person:ann"), CMN_OK);
	assert_int_equal(pstore_app_get(ps, "notes", &got, &bytes, &n), CMN_OK);
	assert_int_equal(n, sizeof(pkg2));
	assert_memory_equal(bytes, pkg2, sizeof(pkg2));
	free(bytes);
	assert_string_equal(got.version, "2.0.0");
	assert_int_equal(got.last_run, 0);
	assert_true(got.installed >= before && got.installed <= time_now_ms());

	/* an empty package */
	r = app("empty", "0.1", 7);
	assert_int_equal(pstore_app_put(ps, &r, "", 0, NULL), CMN_OK);
	assert_int_equal(pstore_app_get(ps, "empty", &got, &bytes, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_string_equal(bytes, "");
	free(bytes);

	/* listed by id, byte by byte */
	r = app("b-app", "1", 1);
	assert_int_equal(pstore_app_put(ps, &r, pkg, 10, "person:ann"), CMN_OK);
	r = app("Z-app", "1", 1);
	assert_int_equal(pstore_app_put(ps, &r, pkg, 10, "person:ann"), CMN_OK);
	r = app("a-app", "1", 1);
	assert_int_equal(pstore_app_put(ps, &r, pkg, 10, "person:ann"), CMN_OK);
	list[0] = '\0';
	assert_int_equal(pstore_app_each(ps, app_ids, list), CMN_OK);
	assert_string_equal(list, "Z-app,a-app,b-app,empty,notes,");
	list[0] = '\0';
	assert_int_equal(pstore_app_each(other, app_ids, list), CMN_OK);
	assert_string_equal(list, "");

	/* removal */
	assert_int_equal(pstore_app_remove(ps, "a-app", "person:ann"), CMN_OK);
	assert_int_equal(pstore_app_remove(ps, "a-app", "person:ann"), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_app_remove(other, "notes", "person:bob"), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_app_get(ps, "a-app", &got, NULL, NULL), CMN_ERR_NOT_FOUND);
	list[0] = '\0';
	assert_int_equal(pstore_app_each(ps, app_ids, list), CMN_OK);
	assert_string_equal(list, "Z-app,b-app,empty,notes,");

	/* the chain: one entry per change, none for the refusals (the
	 * empty app was installed without an actor) */
	audit_after(ps, 0, audit);
	snprintf(want, sizeof(want),
		 "app.install app/notes {\"version\":\"1.0\",\"sha256\":\"%s\"};"
		 "app.install app/notes {\"version\":\"2.0.0\",\"sha256\":\"%s\"};",
		 app("x", "1.0", 0).sha256, app("x", "2.0.0", 0).sha256);
	assert_int_equal(strncmp(audit, want, strlen(want)), 0);
	assert_non_null(strstr(audit, "app.install app/Z-app"));
	assert_non_null(strstr(audit + strlen(audit) - strlen("app.remove app/a-app ;"),
			       "app.remove app/a-app ;"));
	assert_null(strstr(audit, "app/empty"));
	assert_int_equal(audit_count(ps), 6);
	assert_int_equal(audit_count(other), 0);
}

/* ---- runs ------------------------------------------------------------------------------ */

struct runs_seen {
	char list[BK_LIST_MAX];
	int count;
	int64_t first, last; /* seqs */
	struct app_run_row one;
	char result[64];
	bool null_result;
};

static enum cmn_rc run_seen(const struct app_run_row *r, void *ctx)
{
	struct runs_seen *s = ctx;
	char item[80];

	if (s->count == 0) {
		s->first = r->seq;
		s->one = *r;
		s->null_result = r->result == NULL;
		snprintf(s->result, sizeof(s->result), "%s", r->result ? r->result : "");
		s->one.result = NULL;
	}
	s->last = r->seq;
	s->count++;
	snprintf(item, sizeof(item), "%s:%lld", r->app_id, (long long)r->seq);
	if (s->count <= 20)
		bk_list_add(s->list, item);
	return CMN_OK;
}

static void runs_of(struct pstore *ps, const char *id, size_t limit, struct runs_seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(pstore_app_runs(ps, id, limit, run_seen, s), CMN_OK);
}

static void app_runs(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps, *other;
	struct app_row r = app("x", "1.0", 1), got;
	struct app_run_row x;
	struct runs_seen seen;
	int64_t chain;

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &other);
	assert_int_equal(pstore_app_put(ps, &r, "pkg", 3, "person:ann"), CMN_OK);
	chain = audit_count(ps);

	/* seqs are the person's, across apps */
	x = run("x", 100, "{\"n\":1}");
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	x = run("y", 150, NULL);
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	x = run("x", 200, NULL);
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	x = run("x", 300, "{\"n\":3}");
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	x = run("x", 50, NULL);
	assert_int_equal(pstore_app_run_add(other, &x), CMN_OK);

	runs_of(ps, "x", 10, &seen);
	assert_string_equal(seen.list, "x:4,x:3,x:1,");
	assert_int_equal(seen.one.at, 300);
	assert_string_equal(seen.one.version, "1.0");
	assert_string_equal(seen.one.trigger, "manual");
	assert_string_equal(seen.one.outcome, "ok");
	assert_string_equal(seen.one.error, "");
	assert_int_equal(seen.one.elapsed_us, 600);
	assert_int_equal(seen.one.instructions, 900);
	assert_int_equal(seen.one.written, 300 % 7);
	assert_false(seen.null_result);
	assert_string_equal(seen.result, "{\"n\":3}");
	runs_of(ps, "x", 2, &seen);
	assert_string_equal(seen.list, "x:4,x:3,");
	runs_of(ps, "x", 0, &seen);
	assert_int_equal(seen.count, 0);
	runs_of(ps, "x", SIZE_MAX, &seen);
	assert_string_equal(seen.list, "x:4,x:3,x:1,");
	runs_of(ps, "y", 10, &seen);
	assert_string_equal(seen.list, "y:2,");
	assert_true(seen.null_result);
	assert_string_equal(seen.one.error, "no result");
	runs_of(other, "x", 10, &seen);
	assert_string_equal(seen.list, "x:1,");
	runs_of(ps, "none", 10, &seen);
	assert_int_equal(seen.count, 0);

	/* the app's last run; runs are not audited */
	assert_int_equal(pstore_app_get(ps, "x", &got, NULL, NULL), CMN_OK);
	assert_int_equal(got.last_run, 300);
	assert_int_equal(audit_count(ps), chain);

	/* the STORE_APP_RUNS_KEPT latest are kept, per app */
	for (int i = 0; i < STORE_APP_RUNS_KEPT + 5; i++) {
		x = run("x", 1000 + i, NULL);
		assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	}
	runs_of(ps, "x", 1000, &seen);
	assert_int_equal(seen.count, STORE_APP_RUNS_KEPT);
	assert_int_equal(seen.first, 4 + STORE_APP_RUNS_KEPT + 5);
	assert_int_equal(seen.last, 4 + 6);
	runs_of(ps, "y", 10, &seen);
	assert_string_equal(seen.list, "y:2,");

	/* removal forgets the runs; the next seq follows the highest kept */
	assert_int_equal(pstore_app_remove(ps, "x", "person:ann"), CMN_OK);
	runs_of(ps, "x", 1000, &seen);
	assert_int_equal(seen.count, 0);
	x = run("y", 5000, NULL);
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	runs_of(ps, "y", 10, &seen);
	assert_string_equal(seen.list, "y:3,y:2,");
}

/* ---- settings ------------------------------------------------------------------------ */

static void settings(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps, *other;
	char v[64], small[4];

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &other);
	snprintf(v, sizeof(v), "stale");
	assert_int_equal(pstore_setting_get(ps, "apps.certified_only", v, sizeof(v)), CMN_OK);
	assert_string_equal(v, "");
	assert_int_equal(pstore_setting_put(ps, "apps.certified_only", "1"), CMN_OK);
	assert_int_equal(pstore_setting_get(ps, "apps.certified_only", v, sizeof(v)), CMN_OK);
	assert_string_equal(v, "1");
	assert_int_equal(pstore_setting_put(ps, "apps.certified_only", "0"), CMN_OK);
	assert_int_equal(pstore_setting_get(ps, "apps.certified_only", v, sizeof(v)), CMN_OK);
	assert_string_equal(v, "0");
	assert_int_equal(pstore_setting_get(other, "apps.certified_only", v, sizeof(v)), CMN_OK);
	assert_string_equal(v, "");
	assert_int_equal(pstore_setting_put(ps, "long", "abcdefgh"), CMN_OK);
	assert_int_equal(pstore_setting_get(ps, "long", small, sizeof(small)), CMN_OK);
	assert_string_equal(small, "abc");
}

/* ---- certificates -------------------------------------------------------------------- */

struct certs_seen {
	char list[BK_LIST_MAX];
	int64_t signed_min;
};

static enum cmn_rc cert_seen(const struct app_cert *c, void *ctx)
{
	struct certs_seen *s = ctx;
	char item[160];

	snprintf(item, sizeof(item), "%s/%s/%.4s/%s", c->app_id, c->version, c->sha256,
		 c->revoked_at ? "revoked" : "valid");
	bk_list_add(s->list, item);
	if (!s->signed_min || c->signed_at < s->signed_min)
		s->signed_min = c->signed_at;
	return CMN_OK;
}

static void app_certs(void **state)
{
	struct bk *b = *state;
	struct certs_seen seen = {0};
	char *jws;
	bool revoked;
	int64_t n, before = time_now_ms();

	assert_int_equal(store_app_cert_put(b->s, "1111", "b", "1", "jws-b1"), CMN_OK);
	assert_int_equal(store_app_cert_put(b->s, "2222", "a", "2", "jws-a2"), CMN_OK);
	assert_int_equal(store_app_cert_put(b->s, "3333", "a", "1", "jws-a1"), CMN_OK);
	assert_int_equal(store_app_cert_put(b->s, "4444", "B", "1", "jws-B1"), CMN_OK);
	assert_int_equal(store_app_cert_get(b->s, "2222", &jws, &revoked), CMN_OK);
	assert_string_equal(jws, "jws-a2");
	assert_false(revoked);
	free(jws);
	assert_int_equal(store_app_cert_get(b->s, "9999", &jws, &revoked), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_app_cert_each(b->s, cert_seen, &seen), CMN_OK);
	assert_string_equal(seen.list,
			    "B/1/4444/valid,a/1/3333/valid,a/2/2222/valid,b/1/1111/valid,");
	assert_true(seen.signed_min >= before && seen.signed_min <= time_now_ms());

	/* one version, then every one */
	assert_int_equal(store_app_cert_revoke(b->s, "a", "1", &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_app_cert_revoke(b->s, "a", "1", &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_app_cert_get(b->s, "3333", &jws, &revoked), CMN_OK);
	assert_true(revoked);
	free(jws);
	assert_int_equal(store_app_cert_revoke(b->s, "a", NULL, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_app_cert_revoke(b->s, "nope", NULL, &n), CMN_OK);
	assert_int_equal(n, 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_cert_each(b->s, cert_seen, &seen), CMN_OK);
	assert_string_equal(seen.list,
			    "B/1/4444/valid,a/1/3333/revoked,a/2/2222/revoked,b/1/1111/valid,");

	/* certified again: in force again, with its new token */
	assert_int_equal(store_app_cert_put(b->s, "3333", "a", "1", "jws-a1-again"), CMN_OK);
	assert_int_equal(store_app_cert_get(b->s, "3333", &jws, &revoked), CMN_OK);
	assert_string_equal(jws, "jws-a1-again");
	assert_false(revoked);
	free(jws);
}

/* ---- schedules ----------------------------------------------------------------------- */

struct due_seen {
	struct store *s;
	char list[BK_LIST_MAX];
	bool move; /* each one moved on from inside the callback */
	enum cmn_rc move_rc;
};

static enum cmn_rc due_seen(const struct app_schedule *sch, void *ctx)
{
	struct due_seen *d = ctx;
	char item[96];

	snprintf(item, sizeof(item), "%s/%s/%s@%lld", sch->person_id, sch->app_id, sch->every,
		 (long long)sch->next_at);
	bk_list_add(d->list, item);
	if (d->move && d->move_rc == CMN_OK)
		d->move_rc = store_app_schedule_move(d->s, sch->person_id, sch->app_id,
						     sch->next_at, sch->next_at + 100000);
	return CMN_OK;
}

static struct app_schedule schedule(const char *person_id, const char *app_id, const char *every,
				    int64_t next_at)
{
	struct app_schedule s = {0};

	snprintf(s.person_id, sizeof(s.person_id), "%s", person_id);
	snprintf(s.app_id, sizeof(s.app_id), "%s", app_id);
	snprintf(s.every, sizeof(s.every), "%s", every);
	s.next_at = next_at;
	return s;
}

static void due(struct store *s, int64_t now, size_t limit, struct due_seen *d, bool move)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->move = move;
	assert_int_equal(store_app_schedule_due(s, now, limit, due_seen, d), CMN_OK);
	assert_int_equal(d->move_rc, CMN_OK);
}

static int commas(const char *list)
{
	int n = 0;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

static void app_schedules(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, first, second;
	struct pstore *ps;
	struct app_schedule sch;
	struct due_seen d;
	char want[BK_LIST_MAX];

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &ps);
	first = strcmp(ann.id, bob.id) < 0 ? ann : bob;
	second = strcmp(ann.id, bob.id) < 0 ? bob : ann;
	sch = schedule(ann.id, "app1", "day", 1000);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);
	sch = schedule(ann.id, "app1", "week", 1200);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);
	sch = schedule(ann.id, "app2", "week", 500);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);
	sch = schedule(bob.id, "app1", "day", 1000);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);
	sch = schedule(bob.id, "app1", "month", 2000);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);

	/* soonest first; ties by person, app and period */
	due(b->s, 1500, 10, &d, false);
	snprintf(want, sizeof(want),
		 "%s/app2/week@500,%s/app1/day@1000,%s/app1/day@1000,"
		 "%s/app1/week@1200,",
		 ann.id, first.id, second.id, ann.id);
	assert_string_equal(d.list, want);
	due(b->s, 1500, 1, &d, false);
	snprintf(want, sizeof(want), "%s/app2/week@500,", ann.id);
	assert_string_equal(d.list, want);
	due(b->s, 499, 10, &d, false);
	assert_string_equal(d.list, "");

	/* a move happens only from where it was */
	assert_int_equal(store_app_schedule_move(b->s, ann.id, "app2", 500, 3000), CMN_OK);
	assert_int_equal(store_app_schedule_move(b->s, ann.id, "app2", 500, 4000),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_app_schedule_move(b->s, ann.id, "none", 500, 4000),
			 CMN_ERR_CONFLICT);
	due(b->s, 3000, 10, &d, false);
	assert_non_null(strstr(d.list, "/app2/week@3000,"));
	/* put moves it too */
	sch = schedule(ann.id, "app2", "week", 100);
	assert_int_equal(store_app_schedule_put(b->s, &sch), CMN_OK);
	due(b->s, 100, 10, &d, false);
	snprintf(want, sizeof(want), "%s/app2/week@100,", ann.id);
	assert_string_equal(d.list, want);

	/* the callback may use the store: each due one moved on from it */
	due(b->s, 2000, 10, &d, true);
	assert_int_equal(commas(d.list), 5);
	due(b->s, 2000, 10, &d, false);
	assert_string_equal(d.list, "");

	/* cleared: every period of the app, of that person only */
	assert_int_equal(store_app_schedule_clear(b->s, ann.id, "app1"), CMN_OK);
	assert_int_equal(store_app_schedule_clear(b->s, ann.id, "app1"), CMN_OK);
	assert_int_equal(store_app_schedule_move(b->s, ann.id, "app1", 101000, 5),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_app_schedule_move(b->s, bob.id, "app1", 101000, 5), CMN_OK);
	due(b->s, 10, 10, &d, false);
	snprintf(want, sizeof(want), "%s/app1/day@5,", bob.id);
	assert_string_equal(d.list, want);
}

/* ---- attestations -------------------------------------------------------------------- */

static struct attestation_row attestation(const char *id, int64_t issued, int64_t idx,
					  const char *token)
{
	struct attestation_row a = {0};

	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.rule, sizeof(a.rule), "resident-%s", id);
	snprintf(a.version, sizeof(a.version), "v%lld", (long long)idx);
	a.issued = issued;
	a.expires = issued + 86400000;
	a.status_idx = idx;
	a.token = token;
	return a;
}

static enum cmn_rc attestation_seen(const struct attestation_row *a, void *ctx)
{
	char item[160];

	snprintf(item, sizeof(item), "%s@%lld#%lld:%s%s", a->id, (long long)a->issued,
		 (long long)a->status_idx, a->token, a->revoked ? "/revoked" : "");
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void attestations(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps, *other;
	struct attestation_row a, got;
	char *token, list[BK_LIST_MAX], audit[AUDIT_MAX];
	int64_t before;

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &other);
	a = attestation("a1", 100, 1, "tok-1~d1~");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_OK);
	a = attestation("a3", 200, 3, "tok-3");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_OK);
	a = attestation("a2", 200, 2, "tok-2");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_OK);

	assert_int_equal(pstore_attestation_get(ps, "a1", &got, &token), CMN_OK);
	assert_string_equal(token, "tok-1~d1~");
	free(token);
	assert_null(got.token);
	assert_string_equal(got.id, "a1");
	assert_string_equal(got.rule, "resident-a1");
	assert_string_equal(got.version, "v1");
	assert_int_equal(got.issued, 100);
	assert_int_equal(got.expires, 100 + 86400000);
	assert_int_equal(got.status_idx, 1);
	assert_int_equal(got.revoked, 0);
	assert_int_equal(pstore_attestation_get(ps, "a2", &got, NULL), CMN_OK);
	assert_int_equal(got.status_idx, 2);
	assert_int_equal(pstore_attestation_get(ps, "nope", &got, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_attestation_get(other, "a1", &got, NULL), CMN_ERR_NOT_FOUND);

	/* newest first, then by id */
	list[0] = '\0';
	assert_int_equal(pstore_attestation_each(ps, attestation_seen, list), CMN_OK);
	assert_string_equal(list, "a2@200#2:tok-2,a3@200#3:tok-3,a1@100#1:tok-1~d1~,");
	list[0] = '\0';
	assert_int_equal(pstore_attestation_each(other, attestation_seen, list), CMN_OK);
	assert_string_equal(list, "");

	/* the same id twice: refused, nothing audited */
	a = attestation("a1", 300, 9, "other");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_ERR_EXISTS);
	assert_int_equal(pstore_attestation_get(ps, "a1", &got, NULL), CMN_OK);
	assert_int_equal(got.status_idx, 1);
	/* the same id for another person is theirs */
	assert_int_equal(pstore_attestation_put(other, &a, "person:bob"), CMN_OK);

	/* revoked once */
	before = time_now_ms();
	assert_int_equal(pstore_attestation_revoke(ps, "a3", "person:ann"), CMN_OK);
	assert_int_equal(pstore_attestation_revoke(ps, "a3", "person:ann"), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_attestation_revoke(ps, "nope", "person:ann"), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_attestation_get(ps, "a3", &got, NULL), CMN_OK);
	assert_true(got.revoked >= before && got.revoked <= time_now_ms());
	assert_int_equal(pstore_attestation_get(other, "a1", &got, NULL), CMN_OK);
	assert_int_equal(got.revoked, 0);
	list[0] = '\0';
	assert_int_equal(pstore_attestation_each(ps, attestation_seen, list), CMN_OK);
	assert_string_equal(list, "a2@200#2:tok-2,a3@200#3:tok-3/revoked,a1@100#1:tok-1~d1~,");

	audit_after(ps, 0, audit);
	assert_string_equal(
	    audit, "attestation.issue attestation/a1 {\"rule\":\"resident-a1\",\"version\":\"v1\"};"
		   "attestation.issue attestation/a3 {\"rule\":\"resident-a3\",\"version\":\"v3\"};"
		   "attestation.issue attestation/a2 {\"rule\":\"resident-a2\",\"version\":\"v2\"};"
		   "attestation.revoke attestation/a3 ;");
}

/* ---- the status list ----------------------------------------------------------------- */

static void bits_of(struct store *s, size_t min, char *out)
{
	unsigned char *bits;
	size_t n;

	assert_int_equal(store_status_bits(s, min, &bits, &n), CMN_OK);
	for (size_t i = 0; i < n && i < 60; i++)
		out[i] = (char)('0' + bits[i]);
	out[n < 60 ? n : 60] = '\0';
	free(bits);
}

static void status_list(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps;
	int64_t idx;
	char bits[64];

	person(b->s, "ann", &ann, &ps);
	person(b->s, "bob", &bob, &ps);
	bits_of(b->s, 0, bits);
	assert_string_equal(bits, "0");
	bits_of(b->s, 8, bits);
	assert_string_equal(bits, "00000000");

	assert_int_equal(store_status_alloc(b->s, ann.id, "a1", &idx), CMN_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(store_status_alloc(b->s, bob.id, "b1", &idx), CMN_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(store_status_alloc(b->s, ann.id, "a2", &idx), CMN_OK);
	assert_int_equal(idx, 3);
	/* an attestation has one index; the refusal leaves no hole */
	idx = -1;
	assert_int_equal(store_status_alloc(b->s, bob.id, "a1", &idx), CMN_ERR_EXISTS);
	assert_int_equal(idx, -1);
	assert_int_equal(store_status_alloc(b->s, bob.id, "b2", &idx), CMN_OK);
	assert_int_equal(idx, 4);

	bits_of(b->s, 0, bits);
	assert_string_equal(bits, "00000");
	assert_int_equal(store_status_revoke(b->s, 2), CMN_OK);
	assert_int_equal(store_status_revoke(b->s, 2), CMN_OK);
	assert_int_equal(store_status_revoke(b->s, 99), CMN_OK);
	bits_of(b->s, 0, bits);
	assert_string_equal(bits, "00100");
	assert_int_equal(store_status_revoke_person(b->s, ann.id), CMN_OK);
	bits_of(b->s, 8, bits);
	assert_string_equal(bits, "01110000");
	/* kept when the person goes: their attestations stay revoked */
	assert_int_equal(store_person_delete(b->s, ann.id), CMN_OK);
	bits_of(b->s, 0, bits);
	assert_string_equal(bits, "01110");
	assert_int_equal(store_status_alloc(b->s, bob.id, "b3", &idx), CMN_OK);
	assert_int_equal(idx, 5);
}

/* ---- transactions ---------------------------------------------------------------------- */

static void rollbacks(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	struct app_row r = app("kept", "1", 1), got;
	struct attestation_row a = attestation("t1", 10, 1, "tok"), ga;
	struct app_run_row x = run("kept", 10, NULL);
	struct runs_seen seen;
	int64_t chain;
	char v[8];

	person(b->s, "ann", &ann, &ps);
	assert_int_equal(pstore_app_put(ps, &r, "p", 1, "person:ann"), CMN_OK);
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_OK);
	chain = audit_count(ps);

	/* the caller's failure: nothing of the transaction stays */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	r = app("new", "1", 1);
	assert_int_equal(pstore_app_put(ps, &r, "q", 1, "person:ann"), CMN_OK);
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	assert_int_equal(pstore_app_remove(ps, "kept", "person:ann"), CMN_OK);
	a = attestation("t2", 20, 2, "tok2");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_OK);
	assert_int_equal(pstore_attestation_revoke(ps, "t1", "person:ann"), CMN_OK);
	assert_int_equal(pstore_setting_put(ps, "k", "v"), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_INVALID), CMN_ERR_INVALID);
	assert_int_equal(pstore_app_get(ps, "new", &got, NULL, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_app_get(ps, "kept", &got, NULL, NULL), CMN_OK);
	assert_int_equal(got.last_run, 0);
	runs_of(ps, "kept", 10, &seen);
	assert_int_equal(seen.count, 0);
	assert_int_equal(pstore_attestation_get(ps, "t2", &ga, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_attestation_get(ps, "t1", &ga, NULL), CMN_OK);
	assert_int_equal(ga.revoked, 0);
	assert_int_equal(pstore_setting_get(ps, "k", v, sizeof(v)), CMN_OK);
	assert_string_equal(v, "");
	assert_int_equal(audit_count(ps), chain);

	/* a refusal inside: the whole is rolled back */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	r = app("new", "1", 1);
	assert_int_equal(pstore_app_put(ps, &r, "q", 1, "person:ann"), CMN_OK);
	a = attestation("t1", 30, 3, "dup");
	assert_int_equal(pstore_attestation_put(ps, &a, "person:ann"), CMN_ERR_EXISTS);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_app_get(ps, "new", &got, NULL, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(audit_count(ps), chain);

	/* and after it, the store works on */
	assert_int_equal(pstore_app_put(ps, &r, "q", 1, "person:ann"), CMN_OK);
	assert_int_equal(pstore_app_run_add(ps, &x), CMN_OK);
	runs_of(ps, "kept", 10, &seen);
	assert_string_equal(seen.list, "kept:1,");
	assert_int_equal(audit_count(ps), chain + 1);
}

/* ---- races --------------------------------------------------------------------------- */

#define RACERS    4
#define RACE_RUNS 12

struct racer {
	struct store *s;
	const char *person_id;
	int i;
	enum cmn_rc rc;
	int64_t idx[RACE_RUNS];
};

static void *add_runs(void *arg)
{
	struct racer *r = arg;
	struct pstore *ps;

	r->rc = store_person_store(r->s, r->person_id, &ps);
	for (int k = 0; r->rc == CMN_OK && k < RACE_RUNS; k++) {
		struct app_run_row x = run("race", 100 * r->i + k, NULL);

		r->rc = pstore_app_run_add(ps, &x);
	}
	store_thread_done();
	return NULL;
}

/* runs recorded at once by several threads: each its own seq, none lost */
static void runs_at_once(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	struct racer r[RACERS];
	pthread_t th[RACERS];
	struct runs_seen seen;

	person(b->s, "ann", &ann, &ps);
	for (int i = 0; i < RACERS; i++) {
		r[i] =
		    (struct racer){.s = b->s, .person_id = ann.id, .i = i, .rc = CMN_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, add_runs, &r[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(r[i].rc, CMN_OK);
	assert_int_equal(store_person_store(b->s, ann.id, &ps), CMN_OK);
	runs_of(ps, "race", 1000, &seen);
	assert_int_equal(seen.count, RACERS * RACE_RUNS);
	assert_int_equal(seen.first, RACERS * RACE_RUNS);
	assert_int_equal(seen.last, 1);
}

static void *alloc_indexes(void *arg)
{
	struct racer *r = arg;

	r->rc = CMN_OK;
	for (int k = 0; r->rc == CMN_OK && k < RACE_RUNS; k++) {
		char id[32];

		snprintf(id, sizeof(id), "att-%d-%d", r->i, k);
		r->rc = store_status_alloc(r->s, r->person_id, id, &r->idx[k]);
	}
	store_thread_done();
	return NULL;
}

/* indexes allocated at once: all different, 1 to n without a hole */
static void status_at_once(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	struct racer r[RACERS];
	pthread_t th[RACERS];
	bool seen[RACERS * RACE_RUNS + 1] = {false};
	char bits[64];

	person(b->s, "ann", &ann, &ps);
	for (int i = 0; i < RACERS; i++) {
		r[i] =
		    (struct racer){.s = b->s, .person_id = ann.id, .i = i, .rc = CMN_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, alloc_indexes, &r[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(r[i].rc, CMN_OK);
		for (int k = 0; k < RACE_RUNS; k++) {
			assert_in_range(r[i].idx[k], 1, RACERS * RACE_RUNS);
			assert_false(seen[r[i].idx[k]]);
			seen[r[i].idx[k]] = true;
			if (k > 0)
				assert_true(r[i].idx[k] > r[i].idx[k - 1]);
		}
	}
	bits_of(b->s, 0, bits);
	assert_int_equal(strlen(bits), RACERS * RACE_RUNS + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(apps_installed), BOTH(app_runs),       BOTH(settings),    BOTH(app_certs),
	    BOTH(app_schedules),  BOTH(attestations),   BOTH(status_list), BOTH(rollbacks),
	    BOTH(runs_at_once),   BOTH(status_at_once),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
