/*
 * test_access.c - the log of services' reads (src/consent/access.c): what
 * is queued is in the person's audit chain after a sync, and after a stop
 * without one; reads queued by several threads at once all arrive, in a
 * chain that verifies; and they are counted on their consent.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "checks.h"
#include "consent/access.h"
#include "consent/consent.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "jsonfail.h"

/* count_reads - the reads listed by the "data.read" entries (one entry a
 * grant and batch, each read in its detail). */
static enum cmn_rc count_reads(const struct audit_entry *e, void *n)
{
	json_t *d;

	if (strcmp(e->action, "data.read") != 0)
		return CMN_OK;
	d = json_loads(e->detail, 0, NULL);
	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "purpose")), "ServiceProvision");
	*(int64_t *)n += (int64_t)json_array_size(json_object_get(d, "reads"));
	json_decref(d);
	return CMN_OK;
}

static int64_t reads_in_chain(struct fixture *f)
{
	int64_t n = 0, count, bad;

	assert_int_equal(pstore_audit_each(f->ps, NULL, 0, 1000000, count_reads, &n), CMN_OK);
	assert_int_equal(pstore_audit_verify(f->ps, &count, &bad), CMN_OK);
	return n;
}

/* a grant of alice to bob, to count the reads on */
static void a_grant(struct fixture *f, char id[CRYPT_ID_LEN])
{
	struct person bob;
	struct grant_row row;
	char hash[CRYPT_PWHASH_LEN], err[200];
	json_t *terms = json_loads(
		"{\"grantee\":{\"kind\":\"person\",\"handle\":\"bob\"},\"purpose\":{\"dpv\":"
		"\"ServiceProvision\",\"text\":{\"fr\":\"x\",\"en\":\"x\"}},\"legal_basis\":"
		"\"consent\",\"scope\":{\"doctypes\":[\"bank.transaction\"],\"operations\":[\"read\"]}}",
		0, NULL);

	assert_int_equal(crypt_password_hash("pw-bob-correct-horse", hash), CMN_OK);
	assert_int_equal(store_person_add(f->s, "bob", "resident", NULL, hash, &bob), CMN_OK);
	if (consent_grant_new(f->s, &f->reg, &f->alice, terms, "given", "person:x", err, sizeof(err),
			      &row) != CMN_OK)
		fail_msg("%s", err);
	snprintf(id, CRYPT_ID_LEN, "%s", row.id);
	grant_row_release(&row);
	json_decref(terms);
}

static void add_reads(struct access_log *l, struct fixture *f, const char *grant, int n)
{
	for (int i = 0; i < n; i++) {
		char object[64];

		snprintf(object, sizeof(object), "{\"object\":\"bank.transaction/%d\"}", i);
		assert_int_equal(access_log_add(l, f->alice.id, grant, "service:s/grant:g", "s",
						"ServiceProvision", object),
				 CMN_OK);
	}
}

static void synced_then_stopped(void **state)
{
	struct fixture *f = *state;
	struct access_log *l;
	struct grant_row row;
	char grant[CRYPT_ID_LEN];

	a_grant(f, grant);
	assert_int_equal(access_log_start(&l, f->s), CMN_OK);
	add_reads(l, f, grant, 1000);
	access_log_sync(l);
	assert_int_equal(reads_in_chain(f), 1000);
	{
		int64_t entries = 0, bad;

		/* a few entries, each listing many reads */
		assert_int_equal(pstore_audit_verify(f->ps, &entries, &bad), CMN_OK);
		assert_true(entries < 100);
	}
	add_reads(l, f, grant, 500);
	access_log_stop(&l); /* no sync: the stop writes what is queued */
	assert_null(l);
	assert_int_equal(reads_in_chain(f), 1500);
	assert_int_equal(store_grant_get(f->s, grant, &row), CMN_OK);
	assert_int_equal(row.uses, 1500);
	assert_true(row.last_used > 0);
	grant_row_release(&row);
}

struct adder {
	struct access_log *l;
	struct fixture *f;
	const char *grant;
};

static void *adder_thread(void *arg)
{
	struct adder *a = arg;

	add_reads(a->l, a->f, a->grant, 2000);
	return NULL;
}

static void many_threads(void **state)
{
	struct fixture *f = *state;
	struct access_log *l;
	struct adder a;
	pthread_t t[4];
	char grant[CRYPT_ID_LEN];

	a_grant(f, grant);
	assert_int_equal(access_log_start(&l, f->s), CMN_OK);
	a = (struct adder){l, f, grant};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, adder_thread, &a), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	access_log_sync(l);
	assert_int_equal(reads_in_chain(f), 8000);
	access_log_stop(&l);
}

/* The view of a consent with reads counted on it: whole or NULL (a view
 * without its status or its history would tell the person another consent
 * than the one given). */
struct view {
	struct fixture *f;
	const struct grant_row *row;
	int64_t now;
};

static json_t *build_view(void *v)
{
	const struct view *w = v;

	return consent_grant_view(w->f->s, w->row, w->now);
}

static void grant_view_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct access_log *l = NULL;
	struct grant_row row;
	char id[CRYPT_ID_LEN];
	struct view w = {f, &row, time_now_ms()};
	json_t *v;

	a_grant(f, id);
	assert_int_equal(access_log_start(&l, f->s), CMN_OK);
	add_reads(l, f, id, 3);
	access_log_stop(&l); /* writes what is queued */
	assert_int_equal(store_grant_get(f->s, id, &row), CMN_OK);
	v = build_view(&w);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "uses")), 3);
	json_decref(v);
	assert_true(jsonfail_sweep(build_view, &w) >= 20);
	grant_row_release(&row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(synced_then_stopped, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(many_threads, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(grant_view_whole_or_nothing, check_setup,
						check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
