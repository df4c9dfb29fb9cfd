/*
 * service_support.h - what the scenario tests of the seed services
 * (test_service_*.c) share: packing an app from its sources as compiled
 * into the binary, running it on demand in the fixture's store, reading
 * back the records it wrote, and comparing written figures with the ones
 * a test recomputed. Included by one test file each: every function is
 * static inline.
 */
#ifndef COMMUNE_TESTS_SERVICE_SUPPORT_H
#define COMMUNE_TESTS_SERVICE_SUPPORT_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "apps/app.h"
#include "checks.h"
#include "core/embedded.h"
#include "core/timeutil.h"
#include "fixture.h"

#define SVC_OUT_MAX 2000 /* records an app may write in these tests */

/* svc_pack - the package of the app id, made from its sources as embedded
 * in the binary (written to a directory of the fixture, then app_pack). */
static inline void svc_pack(struct fixture *f, const char *id, struct app_package *p)
{
	char dir[300], path[400], prefix[64], err[300];
	char *bytes = NULL;
	size_t n = 0, files = 0;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, id);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(prefix, sizeof(prefix), "apps/%s/", id);
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *e = &embedded_files[i];

		if (strncmp(e->name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->name + strlen(prefix));
		check_write_file(path, (const char *)e->data, e->len);
		files++;
	}
	assert_true(files >= 2); /* its manifest and its entry */
	if (app_pack(dir, &f->reg, &bytes, &n, err, sizeof(err)) != CMN_OK)
		fail_msg("app_pack %s: %s", id, err);
	if (app_package_parse(bytes, n, &f->reg, p, err, sizeof(err)) != CMN_OK)
		fail_msg("app_package_parse %s: %s", id, err);
	free(bytes);
	assert_string_equal(p->m.id, id);
}

/* svc_run_on - runs p on demand in the fixture's store with the parameters
 * params (or NULL), the datasets of platform (NULL: the bundled ones, as
 * app_run); it must end well. */
static inline void svc_run_on(struct fixture *f, const struct app_package *p, const json_t *params,
			      struct store *platform, struct app_run *r)
{
	char actor[APP_ID_MAX + APP_VERSION_MAX + 8];
	struct app_host h = {0};

	snprintf(actor, sizeof(actor), "app:%s@%s", p->m.id, p->m.version);
	h.ps = f->ps;
	h.reg = &f->reg;
	h.actor = actor;
	h.trigger = "demand";
	h.now = time_now_ms();
	h.params = params;
	assert_int_equal(app_run_on(p, &h, platform, r), CMN_OK);
	if (r->outcome != APP_OK)
		fail_msg("%s: %s: %s", p->m.id, app_outcome_name(r->outcome), r->error);
}

/* svc_run - svc_run_on with the parameters as JSON text (or NULL), the
 * bundled datasets. */
static inline void svc_run(struct fixture *f, const struct app_package *p, const char *params,
			   struct app_run *r)
{
	json_t *pj = params ? json_loads(params, 0, NULL) : NULL;

	assert_true(!params || pj);
	svc_run_on(f, p, pj, NULL, r);
	json_decref(pj);
}

/* The records of a doctype, as read back from the store. */
struct svc_out {
	char source[SOURCE_MAX + 1];
	json_t *data;
	bool seen; /* matched with an expected record */
};

struct svc_outs {
	struct svc_out v[SVC_OUT_MAX];
	size_t n;
};

static inline enum cmn_rc svc_keep_out(const struct record_meta *m, const char *data,
				       const struct query_value *key, void *pv)
{
	struct svc_outs *o = pv;
	struct svc_out *x;

	(void)key;
	assert_true(o->n < SVC_OUT_MAX);
	x = &o->v[o->n++];
	snprintf(x->source, sizeof(x->source), "%s", m->source);
	x->data = json_loads(data, 0, NULL);
	x->seen = false;
	assert_non_null(x->data);
	return CMN_OK;
}

/* svc_outs_load - the records of doctype, in o (allocated by the caller) */
static inline void svc_outs_load(struct fixture *f, const char *doctype, struct svc_outs *o)
{
	struct store_query q = {0};

	o->n = 0;
	q.doctype = doctype;
	q.sort = QSORT_ID;
	q.limit = SVC_OUT_MAX;
	assert_int_equal(pstore_record_query(f->ps, &q, svc_keep_out, o), CMN_OK);
}

static inline void svc_outs_release(struct svc_outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		json_decref(o->v[i].data);
	o->n = 0;
}

/* svc_find - the record of o whose text member k1 is v1 and k2 is v2 (k2
 * NULL: k1 alone); it must be there once only */
static inline const json_t *svc_find(struct svc_outs *o, const char *k1, const char *v1,
				     const char *k2, const char *v2)
{
	struct svc_out *found = NULL;

	for (size_t i = 0; i < o->n; i++) {
		const json_t *d = o->v[i].data;
		const char *a = json_string_value(json_object_get(d, k1));
		const char *b = k2 ? json_string_value(json_object_get(d, k2)) : NULL;

		if (!a || strcmp(a, v1) != 0 || (k2 && (!b || strcmp(b, v2) != 0)))
			continue;
		if (found)
			fail_msg("%s %s written twice", v1, v2 ? v2 : "");
		found = &o->v[i];
	}
	if (!found)
		fail_msg("no record for %s %s", v1, v2 ? v2 : "");
	found->seen = true;
	return found->data;
}

/* svc_all_seen - every record of o was expected, and written by app:id */
static inline void svc_all_seen(const struct svc_outs *o, const char *id)
{
	char source[80];

	snprintf(source, sizeof(source), "app:%s", id);
	for (size_t i = 0; i < o->n; i++) {
		char *text;

		assert_string_equal(o->v[i].source, source);
		if (o->v[i].seen)
			continue;
		text = json_dumps(o->v[i].data, JSON_COMPACT);
		fail_msg("an unexpected record: %s", text ? text : "?");
	}
}

/* ---- comparing ------------------------------------------------------------------ */

static inline void svc_near(double got, double want, const char *what, const char *where)
{
	double tol = 1e-6 * fabs(want) + 1e-9;

	if (!(fabs(got - want) <= tol))
		fail_msg("%s %s: %.12g written, %.12g recomputed", where, what, got, want);
}

static inline double svc_number(const json_t *d, const char *key, const char *where)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_number(v))
		fail_msg("%s: %s missing or not a number", where, key);
	return json_number_value(v);
}

static inline void svc_same_int(const json_t *d, const char *key, long long want, const char *where)
{
	const json_t *v = json_object_get(d, key);

	if (!json_is_integer(v))
		fail_msg("%s: %s missing or not an integer", where, key);
	if (json_integer_value(v) != want)
		fail_msg("%s %s: %lld written, %lld recomputed", where, key,
			 (long long)json_integer_value(v), want);
}

static inline void svc_same_number(const json_t *d, const char *key, double want, const char *where)
{
	svc_near(svc_number(d, key, where), want, key, where);
}

static inline void svc_same_text(const json_t *d, const char *key, const char *want,
				 const char *where)
{
	const char *got = json_string_value(json_object_get(d, key));

	if (!got || strcmp(got, want) != 0)
		fail_msg("%s %s: \"%s\" written, \"%s\" expected", where, key, got ? got : "(none)",
			 want);
}

static inline void svc_absent(const json_t *d, const char *key, const char *where)
{
	if (json_object_get(d, key))
		fail_msg("%s: %s written, none expected", where, key);
}

/* svc_dataset - a bundled dataset, parsed (the caller decrefs) */
static inline json_t *svc_dataset(const char *name)
{
	size_t len = 0;
	const char *text = app_dataset(name, &len);
	json_t *ds;

	if (!text)
		fail_msg("no bundled dataset %s", name);
	ds = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!ds)
		fail_msg("the dataset %s is not JSON", name);
	return ds;
}

#endif
