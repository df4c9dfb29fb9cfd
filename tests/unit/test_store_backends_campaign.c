#define _GNU_SOURCE
/*
 * test_store_backends_campaign.c - the campaigns' functions of the store
 * (store_campaign.h: districts, campaigns and their states, participations,
 * releases and budgets), each case run on SQLite and on PostgreSQL (a
 * database of its own in the test run's cluster: tests/support/pgtest.h),
 * with the same assertions.
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
#include <semaphore.h>
#include <unistd.h>

#include "backends.h"

#include "crypto/crypt.h"
#include "store/store.h"
#include "store/store_campaign.h"

/* ---- helpers ------------------------------------------------------------------------ */

static void add_person(struct store *s, const char *handle, struct person *p)
{
	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
}

static void add_org(struct store *s, const char *name, struct org *o)
{
	assert_int_equal(store_org_add(s, name, "city", o), CMN_OK);
}

/* approved - a new campaign of org created at `at`, approved by `by` */
static void approved(struct store *s, const char *org_id, int64_t at, const char *by,
		     struct campaign_row *r)
{
	assert_int_equal(store_campaign_add(s, org_id, "{\"spec\":1}", at, r), CMN_OK);
	assert_int_equal(store_campaign_decide(s, r->id, true, by, at + 1), CMN_OK);
}

/* two ids in the order the backends sort text: byte by byte */
static void by_bytes(const char **a, const char **b)
{
	if (strcmp(*a, *b) > 0) {
		const char *t = *a;

		*a = *b;
		*b = t;
	}
}

/* release - a release of campaign_id without ids or cells */
static struct campaign_release_row release(const char *campaign_id)
{
	struct campaign_release_row r = {0};

	snprintf(r.campaign_id, sizeof(r.campaign_id), "%s", campaign_id);
	r.k = 11;
	memset(r.digest, 0x5a, sizeof(r.digest));
	return r;
}

static const struct dp_cost cost1 = {.eps_micro = 250000, .delta_pico = 1000};
static const struct dp_cost cost2 = {.eps_micro = 100000, .delta_pico = 30};

/* ---- districts ---------------------------------------------------------------------- */

static void list_districts(struct store *s, char *out)
{
	struct store_district *d;
	size_t n;

	out[0] = '\0';
	assert_int_equal(store_districts_list(s, &d, &n), CMN_OK);
	for (size_t i = 0; i < n; i++) {
		char item[100];

		snprintf(item, sizeof(item), "%s=%s", d[i].code, d[i].name);
		bk_list_add(out, item);
	}
	if (n == 0)
		assert_null(d);
	free(d);
}

static void districts(void **state)
{
	struct bk *b = *state;
	const struct store_district first[] = {{"d2", "Gare"}, {"D1", "Centre"}, {"a-1", "Port"}};
	const struct store_district second[] = {{"Z_9", "Nord"}};
	const struct store_district twice[] = {{"x1", "X"}, {"x1", "X again"}};
	const struct store_district bad[] = {{"ok", "Ok"}, {"no way", "Space"}};
	struct store_district *many;
	char list[BK_LIST_MAX];

	list_districts(b->s, list);
	assert_string_equal(list, "");
	assert_int_equal(store_districts_replace(b->s, first, 3), CMN_OK);
	/* by bytes: capitals first */
	list_districts(b->s, list);
	assert_string_equal(list, "D1=Centre,a-1=Port,d2=Gare,");

	/* refused lists leave the districts as they were */
	assert_int_equal(store_districts_replace(b->s, twice, 2), CMN_ERR_INVALID);
	assert_int_equal(store_districts_replace(b->s, bad, 2), CMN_ERR_INVALID);
	many = calloc(STORE_DISTRICTS_MAX + 1, sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i <= STORE_DISTRICTS_MAX; i++)
		snprintf(many[i].code, sizeof(many[i].code), "c%zu", i);
	assert_int_equal(store_districts_replace(b->s, many, STORE_DISTRICTS_MAX + 1),
			 CMN_ERR_TOO_LARGE);
	list_districts(b->s, list);
	assert_string_equal(list, "D1=Centre,a-1=Port,d2=Gare,");

	/* a new list replaces the whole; the largest one is taken */
	assert_int_equal(store_districts_replace(b->s, second, 1), CMN_OK);
	list_districts(b->s, list);
	assert_string_equal(list, "Z_9=Nord,");
	assert_int_equal(store_districts_replace(b->s, many, STORE_DISTRICTS_MAX), CMN_OK);
	{
		struct store_district *d;
		size_t n;

		assert_int_equal(store_districts_list(b->s, &d, &n), CMN_OK);
		assert_int_equal(n, STORE_DISTRICTS_MAX);
		assert_string_equal(d[0].code, "c0");
		assert_string_equal(d[1].code, "c1");
		assert_string_equal(d[2].code, "c10");
		free(d);
	}
	free(many);
	assert_int_equal(store_districts_replace(b->s, NULL, 0), CMN_OK);
	list_districts(b->s, list);
	assert_string_equal(list, "");
}

/* ---- campaigns ---------------------------------------------------------------------- */

static enum cmn_rc list_campaign(const struct campaign_row *r, void *ctx)
{
	char item[200];

	assert_null(r->results);
	assert_null(r->csv);
	snprintf(item, sizeof(item), "%s:%s:%lld:%lld", r->id, campaign_state_name(r->state),
		 (long long)r->created, (long long)r->participants);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static enum cmn_rc stop_campaign(const struct campaign_row *r, void *ctx)
{
	(void)r;
	(*(int *)ctx)++;
	return CMN_ERR_TIMEOUT;
}

static void campaigns(void **state)
{
	struct bk *b = *state;
	struct org city, coop;
	struct person admin;
	struct campaign_row x, y, z, w, r;
	char list[BK_LIST_MAX], want[BK_LIST_MAX] = "", item[200];
	const char *first, *second;
	int calls = 0;

	add_org(b->s, "City", &city);
	add_org(b->s, "Coop", &coop);
	add_person(b->s, "admin", &admin);
	assert_string_equal(campaign_state_name(CAMPAIGN_STATE_PUBLISHED), "published");
	assert_string_equal(campaign_state_name(CAMPAIGN_STATE_COUNT), "?");

	/* an organisation that is not there */
	assert_int_equal(store_campaign_add(b->s, "no-org", "{}", 50, &r), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_add(b->s, city.id, "{\"x\":1}", 100, &x), CMN_OK);
	assert_int_equal(store_campaign_add(b->s, city.id, "{\"y\":1}", 200, &y), CMN_OK);
	assert_int_equal(store_campaign_add(b->s, coop.id, "{\"z\":1}", 200, &z), CMN_OK);
	assert_int_equal(x.state, CAMPAIGN_STATE_DRAFT);
	assert_string_equal(x.org_id, city.id);
	assert_int_equal(x.created, 100);

	/* newest first, the ids ordering those made in the same millisecond */
	first = y.id;
	second = z.id;
	by_bytes(&first, &second);
	snprintf(item, sizeof(item), "%s:draft:200:0", first);
	bk_list_add(want, item);
	snprintf(item, sizeof(item), "%s:draft:200:0", second);
	bk_list_add(want, item);
	snprintf(item, sizeof(item), "%s:draft:100:0", x.id);
	bk_list_add(want, item);
	list[0] = '\0';
	assert_int_equal(store_campaign_each(b->s, NULL, list_campaign, list), CMN_OK);
	assert_string_equal(list, want);
	/* those of one organisation */
	list[0] = '\0';
	assert_int_equal(store_campaign_each(b->s, coop.id, list_campaign, list), CMN_OK);
	snprintf(want, sizeof(want), "%s:draft:200:0,", z.id);
	assert_string_equal(list, want);
	list[0] = '\0';
	assert_int_equal(store_campaign_each(b->s, "no-org", list_campaign, list), CMN_OK);
	assert_string_equal(list, "");
	/* the callback's code ends the walk */
	assert_int_equal(store_campaign_each(b->s, NULL, stop_campaign, &calls), CMN_ERR_TIMEOUT);
	assert_int_equal(calls, 1);

	/* get, with or without the texts */
	assert_int_equal(store_campaign_get(b->s, x.id, true, &r), CMN_OK);
	assert_string_equal(r.id, x.id);
	assert_string_equal(r.org_id, city.id);
	assert_int_equal(r.state, CAMPAIGN_STATE_DRAFT);
	assert_string_equal(r.spec, "{\"x\":1}");
	assert_null(r.results);
	assert_null(r.csv);
	assert_int_equal(r.decided, 0);
	assert_string_equal(r.decided_by, "");
	campaign_row_release(&r);
	assert_int_equal(store_campaign_get(b->s, "nope", false, &r), CMN_ERR_NOT_FOUND);

	/* decisions: a draft only */
	assert_int_equal(store_campaign_decide(b->s, "nope", true, admin.id, 300),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_decide(b->s, x.id, true, admin.id, 300), CMN_OK);
	assert_int_equal(store_campaign_decide(b->s, x.id, false, admin.id, 301), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_decide(b->s, y.id, false, admin.id, 302), CMN_OK);
	assert_int_equal(store_campaign_decide(b->s, y.id, true, admin.id, 303), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_get(b->s, x.id, false, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_APPROVED);
	assert_int_equal(r.decided, 300);
	assert_string_equal(r.decided_by, admin.id);
	assert_string_equal(r.spec, "{\"x\":1}");
	assert_null(r.results);
	campaign_row_release(&r);
	assert_int_equal(store_campaign_get(b->s, y.id, false, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_REJECTED);
	assert_int_equal(r.decided, 302);
	campaign_row_release(&r);

	/* publication: a computed campaign only */
	assert_int_equal(store_campaign_publish(b->s, "nope", 400), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_publish(b->s, x.id, 400), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_publish(b->s, z.id, 400), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_get(b->s, x.id, false, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_APPROVED);
	assert_int_equal(r.published, 0);
	campaign_row_release(&r);

	/* refusals inside a caller's transaction leave it whole */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_campaign_add(b->s, "no-org", "{}", 500, &r), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_decide(b->s, x.id, true, admin.id, 500), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_decide(b->s, "nope", true, admin.id, 500),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_add(b->s, coop.id, "{\"w\":1}", 500, &w), CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	assert_int_equal(store_campaign_get(b->s, w.id, true, &r), CMN_OK);
	assert_string_equal(r.spec, "{\"w\":1}");
	campaign_row_release(&r);
}

/* ---- participations ----------------------------------------------------------------- */

static enum cmn_rc list_part(const struct campaign_part *p, void *ctx)
{
	char item[200];

	snprintf(item, sizeof(item), "%s:%s:%lld:%lld", p->campaign_id, p->grant_id,
		 (long long)p->joined, (long long)p->withdrawn);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void participations(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, bob, admin;
	struct campaign_row c, d, draft, rejected, r;
	struct campaign_part p, page[4];
	char grant[CRYPT_ID_LEN], list[BK_LIST_MAX], want[BK_LIST_MAX];
	const char *first, *second;
	size_t n;

	add_org(b->s, "City", &city);
	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "admin", &admin);
	approved(b->s, city.id, 100, admin.id, &c);
	approved(b->s, city.id, 110, admin.id, &d);
	assert_int_equal(store_campaign_add(b->s, city.id, "{}", 120, &draft), CMN_OK);
	assert_int_equal(store_campaign_add(b->s, city.id, "{}", 130, &rejected), CMN_OK);
	assert_int_equal(store_campaign_decide(b->s, rejected.id, false, admin.id, 131), CMN_OK);

	/* an approved campaign only, once */
	assert_int_equal(store_campaign_join(b->s, "nope", ann.id, "g0", 200), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_join(b->s, draft.id, ann.id, "g0", 200), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_join(b->s, rejected.id, ann.id, "g0", 200),
			 CMN_ERR_CONFLICT);
	/* a person who is not there: SQLite's foreign key */
	assert_int_equal(store_campaign_join(b->s, c.id, "nobody", "g0", 200), CMN_ERR_EXISTS);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "g1", 200), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "g2", 201), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_join(b->s, c.id, bob.id, "g3", 202), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, d.id, ann.id, "g4", 300), CMN_OK);

	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_string_equal(p.campaign_id, c.id);
	assert_string_equal(p.person_id, ann.id);
	assert_string_equal(p.grant_id, "g1");
	assert_int_equal(p.joined, 200);
	assert_int_equal(p.withdrawn, 0);
	assert_false(p.counted);
	assert_int_equal(store_campaign_part_get(b->s, c.id, admin.id, &p), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_part_get(b->s, "nope", ann.id, &p), CMN_ERR_NOT_FOUND);

	/* by person id, bytes */
	first = ann.id;
	second = bob.id;
	by_bytes(&first, &second);
	assert_int_equal(store_campaign_parts(b->s, c.id, "", page, 4, &n), CMN_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].person_id, first);
	assert_string_equal(page[1].person_id, second);
	assert_string_equal(page[0].grant_id, first == ann.id ? "g1" : "g3");
	/* a page at a time: after the last one seen, at most max */
	assert_int_equal(store_campaign_parts(b->s, c.id, NULL, page, 1, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].person_id, first);
	assert_int_equal(store_campaign_parts(b->s, c.id, first, page, 1, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].person_id, second);
	assert_int_equal(store_campaign_parts(b->s, c.id, second, page, 1, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_campaign_parts(b->s, c.id, "", page, 0, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_campaign_parts(b->s, draft.id, "", page, 4, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_campaign_get(b->s, c.id, false, &r), CMN_OK);
	assert_int_equal(r.participants, 2);
	campaign_row_release(&r);

	/* withdrawals */
	assert_int_equal(store_campaign_withdraw(b->s, "nope", ann.id, 400, grant),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_withdraw(b->s, c.id, admin.id, 400, grant),
			 CMN_ERR_NOT_FOUND);
	memset(grant, 0, sizeof(grant));
	assert_int_equal(store_campaign_withdraw(b->s, c.id, ann.id, 400, grant), CMN_OK);
	assert_string_equal(grant, "g1");
	assert_int_equal(store_campaign_withdraw(b->s, c.id, ann.id, 401, grant),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_int_equal(p.withdrawn, 400);
	assert_int_equal(store_campaign_parts(b->s, c.id, "", page, 4, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].person_id, bob.id);
	assert_int_equal(store_campaign_get(b->s, c.id, false, &r), CMN_OK);
	assert_int_equal(r.participants, 1);
	campaign_row_release(&r);

	/* joining again after withdrawing, under a new grant */
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "g5", 500), CMN_OK);
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_string_equal(p.grant_id, "g5");
	assert_int_equal(p.joined, 500);
	assert_int_equal(p.withdrawn, 0);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "g6", 501), CMN_ERR_CONFLICT);
	/* no grant asked for */
	assert_int_equal(store_campaign_withdraw(b->s, d.id, ann.id, 600, NULL), CMN_OK);

	/* the campaigns a person joined, newest first, withdrawn included */
	list[0] = '\0';
	assert_int_equal(store_campaign_parts_of(b->s, ann.id, list_part, list), CMN_OK);
	snprintf(want, sizeof(want), "%s:g5:500:0,%s:g4:300:600,", c.id, d.id);
	assert_string_equal(list, want);
	list[0] = '\0';
	assert_int_equal(store_campaign_parts_of(b->s, admin.id, list_part, list), CMN_OK);
	assert_string_equal(list, "");
}

/* ---- computations, releases, publications ------------------------------------------- */

struct releases {
	int n;
	char out[BK_LIST_MAX];
	struct campaign_release_row rows[4];
	uint8_t ids[4][3][DP_ID_LEN];
	uint64_t cells[4][4];
};

static enum cmn_rc keep_release(const struct campaign_release_row *r, void *ctx)
{
	struct releases *rs = ctx;

	assert_true(rs->n < 4);
	assert_true(r->count <= 3 && r->ncells <= 4);
	rs->rows[rs->n] = *r;
	if (r->ids)
		memcpy(rs->ids[rs->n], r->ids, r->count * DP_ID_LEN);
	memcpy(rs->cells[rs->n], r->cells, r->ncells * sizeof(uint64_t));
	rs->rows[rs->n].ids = r->ids ? (const uint8_t(*)[DP_ID_LEN])rs->ids[rs->n] : NULL;
	rs->rows[rs->n].cells = rs->cells[rs->n];
	bk_list_add(rs->out, r->campaign_id);
	rs->n++;
	return CMN_OK;
}

static void part_ids(struct campaign_part *parts, size_t n, char *out)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char item[2 * CRYPT_ID_LEN + 2];

		snprintf(item, sizeof(item), "%s/%s", parts[i].campaign_id, parts[i].person_id);
		bk_list_add(out, item);
	}
	free(parts);
}

static void computed(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, bob, cat, admin;
	struct campaign_row c, e, r;
	struct campaign_part p, *parts;
	struct dp_cost spent;
	struct releases rs;
	char persons[2][CRYPT_ID_LEN], list[BK_LIST_MAX], want[BK_LIST_MAX], item[200];
	const char *first, *second;
	uint8_t ids[2][DP_ID_LEN];
	const uint64_t cells[] = {0, 1, 0x0102030405060708ULL, UINT64_MAX};
	struct campaign_release_row rel;
	size_t n;

	add_org(b->s, "City", &city);
	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "cat", &cat);
	add_person(b->s, "admin", &admin);
	approved(b->s, city.id, 100, admin.id, &c);
	approved(b->s, city.id, 110, admin.id, &e);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "ga", 200), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, bob.id, "gb", 201), CMN_OK);
	/* cat joins but is not counted (joined after the contributions were read) */
	assert_int_equal(store_campaign_join(b->s, c.id, cat.id, "gc", 202), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, e.id, ann.id, "ge", 203), CMN_OK);
	first = ann.id;
	second = bob.id;
	by_bytes(&first, &second);
	snprintf(persons[0], CRYPT_ID_LEN, "%s", first);
	snprintf(persons[1], CRYPT_ID_LEN, "%s", second);

	/* every byte value in the ids, a zero, a one and the largest cell */
	for (int i = 0; i < DP_ID_LEN; i++) {
		ids[0][i] = (uint8_t)i;
		ids[1][i] = (uint8_t)(0xff - i);
	}
	ids[1][5] = 0; /* a zero byte inside */
	rel = release(c.id);
	rel.k = 7;
	rel.count = 2;
	for (int i = 0; i < DP_ID_LEN; i++)
		rel.digest[i] = (uint8_t)(0x80 + i);
	rel.ids = (const uint8_t(*)[DP_ID_LEN])ids;
	rel.cells = cells;
	rel.ncells = 4;

	/* not approved, not there */
	{
		struct campaign_release_row none = release("nope");

		assert_int_equal(
		    store_campaign_computed(b->s, &none, "{}", "", NULL, 0, &cost1, 900),
		    CMN_ERR_NOT_FOUND);
	}
	{
		const struct dp_cost huge = {.eps_micro = (uint64_t)INT64_MAX + 1};

		assert_int_equal(
		    store_campaign_computed(b->s, &rel, "{}", "", persons, 2, &huge, 900),
		    CMN_ERR_INVALID);
	}
	assert_int_equal(store_campaign_computed(b->s, &rel, "{\"cells\":4}", "a,b\n1,2\n", persons,
						 2, &cost1, 1000),
			 CMN_OK);
	assert_int_equal(store_campaign_get(b->s, c.id, true, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_COMPUTED);
	assert_int_equal(r.computed, 1000);
	assert_string_equal(r.results, "{\"cells\":4}");
	assert_string_equal(r.csv, "a,b\n1,2\n");
	assert_int_equal(r.participants, 3);
	campaign_row_release(&r);
	/* once */
	assert_int_equal(store_campaign_computed(b->s, &rel, "{}", "", persons, 2, &cost1, 1001),
			 CMN_ERR_CONFLICT);

	/* counted, charged */
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_true(p.counted);
	assert_int_equal(store_campaign_part_get(b->s, c.id, cat.id, &p), CMN_OK);
	assert_false(p.counted);
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro);
	assert_int_equal(spent.delta_pico, cost1.delta_pico);
	assert_int_equal(store_budget_get(b->s, cat.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, 0);
	assert_int_equal(spent.delta_pico, 0);
	assert_int_equal(store_budget_get(b->s, "nobody", &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, 0);

	/* the run is done: no one leaves or comes in */
	assert_int_equal(store_campaign_withdraw(b->s, c.id, ann.id, 1100, NULL), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_withdraw(b->s, c.id, cat.id, 1100, NULL), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_withdraw(b->s, c.id, admin.id, 1100, NULL),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_campaign_join(b->s, c.id, admin.id, "gx", 1100), CMN_ERR_CONFLICT);

	/* nothing to tell before the publication */
	assert_int_equal(store_campaign_untold(b->s, NULL, &parts, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_null(parts);

	/* the second campaign: no ids, no cells, a later release */
	{
		struct campaign_release_row bare = release(e.id);
		char who[1][CRYPT_ID_LEN];

		snprintf(who[0], CRYPT_ID_LEN, "%s", ann.id);
		bare.count = 1;
		assert_int_equal(store_campaign_computed(b->s, &bare, "{}", "",
							 (const char(*)[CRYPT_ID_LEN])who, 1,
							 &cost2, 2000),
				 CMN_OK);
	}
	/* budgets add up */
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro + cost2.eps_micro);
	assert_int_equal(spent.delta_pico, cost1.delta_pico + cost2.delta_pico);
	assert_int_equal(store_budget_get(b->s, bob.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro);
	assert_int_equal(spent.delta_pico, cost1.delta_pico);

	/* the releases, oldest first, byte for byte */
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_releases_each(b->s, keep_release, &rs), CMN_OK);
	assert_int_equal(rs.n, 2);
	snprintf(want, sizeof(want), "%s,%s,", c.id, e.id);
	assert_string_equal(rs.out, want);
	assert_int_equal(rs.rows[0].k, 7);
	assert_int_equal(rs.rows[0].count, 2);
	assert_memory_equal(rs.rows[0].digest, rel.digest, DP_ID_LEN);
	assert_non_null(rs.rows[0].ids);
	assert_memory_equal(rs.rows[0].ids, ids, sizeof(ids));
	assert_int_equal(rs.rows[0].ncells, 4);
	for (size_t i = 0; i < 4; i++)
		assert_true(rs.rows[0].cells[i] == cells[i]);
	assert_int_equal(rs.rows[1].k, 11);
	assert_int_equal(rs.rows[1].count, 1);
	assert_null(rs.rows[1].ids);
	assert_int_equal(rs.rows[1].ncells, 0);
	{
		uint8_t digest[DP_ID_LEN];

		memset(digest, 0x5a, sizeof(digest));
		assert_memory_equal(rs.rows[1].digest, digest, DP_ID_LEN);
	}

	/* publication: those counted are to be told, the others not */
	assert_int_equal(store_campaign_publish(b->s, c.id, 3000), CMN_OK);
	assert_int_equal(store_campaign_publish(b->s, c.id, 3001), CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_get(b->s, c.id, false, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_PUBLISHED);
	assert_int_equal(r.published, 3000);
	campaign_row_release(&r);
	assert_int_equal(store_campaign_untold(b->s, c.id, &parts, &n), CMN_OK);
	assert_int_equal(n, 2);
	part_ids(parts, n, list);
	want[0] = '\0';
	snprintf(item, sizeof(item), "%s/%s", c.id, first);
	bk_list_add(want, item);
	snprintf(item, sizeof(item), "%s/%s", c.id, second);
	bk_list_add(want, item);
	assert_string_equal(list, want);
	assert_int_equal(store_campaign_publish(b->s, e.id, 3100), CMN_OK);
	/* every campaign's, by campaign then person */
	assert_int_equal(store_campaign_untold(b->s, NULL, &parts, &n), CMN_OK);
	assert_int_equal(n, 3);
	part_ids(parts, n, list);
	{
		char cc[BK_LIST_MAX] = "", ee[BK_LIST_MAX] = "";

		snprintf(cc, sizeof(cc), "%s", want);
		snprintf(ee, sizeof(ee), "%s/%s,", e.id, ann.id);
		int w;

		if (strcmp(c.id, e.id) < 0)
			w = snprintf(want, sizeof(want), "%s%s", cc, ee);
		else
			w = snprintf(want, sizeof(want), "%s%s", ee, cc);
		assert_true(w > 0 && (size_t)w < sizeof(want));
	}
	assert_string_equal(list, want);
	/* told one by one */
	assert_int_equal(store_campaign_told(b->s, c.id, first), CMN_OK);
	assert_int_equal(store_campaign_told(b->s, c.id, "nobody"), CMN_OK);
	assert_int_equal(store_campaign_untold(b->s, c.id, &parts, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0].person_id, second);
	free(parts);
	assert_int_equal(store_campaign_told(b->s, c.id, second), CMN_OK);
	assert_int_equal(store_campaign_told(b->s, e.id, ann.id), CMN_OK);
	assert_int_equal(store_campaign_untold(b->s, NULL, &parts, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_null(parts);
}

/* computed is all or nothing: one person withdrawn meanwhile, nothing kept */
static void computed_all_or_nothing(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, bob, admin;
	struct campaign_row c, draft, r;
	struct campaign_part p;
	struct dp_cost spent;
	struct releases rs;
	char persons[2][CRYPT_ID_LEN];
	struct campaign_release_row rel;

	add_org(b->s, "City", &city);
	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "admin", &admin);
	approved(b->s, city.id, 100, admin.id, &c);
	assert_int_equal(store_campaign_add(b->s, city.id, "{}", 100, &draft), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "ga", 200), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, bob.id, "gb", 201), CMN_OK);
	/* ann first: her row is changed before bob's is found withdrawn */
	snprintf(persons[0], CRYPT_ID_LEN, "%s", ann.id);
	snprintf(persons[1], CRYPT_ID_LEN, "%s", bob.id);
	assert_int_equal(store_campaign_withdraw(b->s, c.id, bob.id, 300, NULL), CMN_OK);

	rel = release(c.id);
	rel.count = 2;
	assert_int_equal(store_campaign_computed(b->s, &rel, "{}", "x", persons, 2, &cost1, 400),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_get(b->s, c.id, true, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_APPROVED);
	assert_int_equal(r.computed, 0);
	assert_null(r.results);
	assert_null(r.csv);
	campaign_row_release(&r);
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_false(p.counted);
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, 0);
	assert_int_equal(spent.delta_pico, 0);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_releases_each(b->s, keep_release, &rs), CMN_OK);
	assert_int_equal(rs.n, 0);

	/* a draft is not run */
	{
		struct campaign_release_row d = release(draft.id);

		assert_int_equal(store_campaign_computed(b->s, &d, "{}", "", NULL, 0, &cost1, 400),
				 CMN_ERR_CONFLICT);
	}

	/* without bob, it runs */
	rel.count = 1;
	assert_int_equal(store_campaign_computed(b->s, &rel, "{}", "x", persons, 1, &cost1, 500),
			 CMN_OK);
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_OK);
	assert_true(p.counted);
	assert_int_equal(store_campaign_part_get(b->s, c.id, bob.id, &p), CMN_OK);
	assert_false(p.counted);
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro);
	assert_int_equal(store_budget_get(b->s, bob.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, 0);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_releases_each(b->s, keep_release, &rs), CMN_OK);
	assert_int_equal(rs.n, 1);
}

/* a person erased takes their participations and their budget with them */
static void person_deleted(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, bob, admin;
	struct campaign_row c, r;
	struct campaign_part p, *parts, page[4];
	struct dp_cost spent;
	char persons[1][CRYPT_ID_LEN], list[BK_LIST_MAX];
	struct campaign_release_row rel;
	size_t n;

	add_org(b->s, "City", &city);
	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "admin", &admin);
	approved(b->s, city.id, 100, admin.id, &c);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "ga", 200), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, bob.id, "gb", 201), CMN_OK);
	snprintf(persons[0], CRYPT_ID_LEN, "%s", ann.id);
	rel = release(c.id);
	rel.count = 1;
	assert_int_equal(store_campaign_computed(b->s, &rel, "{}", "", persons, 1, &cost1, 300),
			 CMN_OK);
	assert_int_equal(store_campaign_publish(b->s, c.id, 400), CMN_OK);

	assert_int_equal(store_person_delete(b->s, ann.id), CMN_OK);
	assert_int_equal(store_campaign_part_get(b->s, c.id, ann.id, &p), CMN_ERR_NOT_FOUND);
	list[0] = '\0';
	assert_int_equal(store_campaign_parts_of(b->s, ann.id, list_part, list), CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, 0);
	assert_int_equal(spent.delta_pico, 0);
	assert_int_equal(store_campaign_untold(b->s, NULL, &parts, &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_null(parts);
	assert_int_equal(store_campaign_parts(b->s, c.id, "", page, 4, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].person_id, bob.id);
	assert_int_equal(store_campaign_get(b->s, c.id, false, &r), CMN_OK);
	assert_int_equal(r.participants, 1);
	campaign_row_release(&r);
	/* bob is still there */
	assert_int_equal(store_campaign_part_get(b->s, c.id, bob.id, &p), CMN_OK);
}

/* ---- at once ------------------------------------------------------------------------ */

/* a transaction of another thread, held open a while after its change:
 * the computation of rel, or else person_id's withdrawal from campaign_id */
struct holder {
	struct store *s;
	const struct campaign_release_row *rel;
	const char (*persons)[CRYPT_ID_LEN];
	size_t n;
	const char *campaign_id, *person_id;
	sem_t changed;
	enum cmn_rc rc;
};

static void *hold(void *arg)
{
	struct holder *h = arg;
	enum cmn_rc rc = store_tx_begin(h->s);

	if (rc == CMN_OK) {
		if (h->rel)
			rc = store_campaign_computed(h->s, h->rel, "{}", "", h->persons, h->n,
						     &cost1, 500);
		else
			rc = store_campaign_withdraw(h->s, h->campaign_id, h->person_id, 400, NULL);
		sem_post(&h->changed);
		usleep(300 * 1000);
		rc = store_tx_end(h->s, rc);
	} else {
		sem_post(&h->changed);
	}
	h->rc = rc;
	store_thread_done();
	return NULL;
}

/* run_holder - h's change in a thread; *rc is what fn(ctx) gave, called
 * once the thread's change is made and its transaction still open */
static void run_holder(struct holder *h, enum cmn_rc (*fn)(void *ctx), void *ctx, enum cmn_rc *rc)
{
	pthread_t th;

	assert_int_equal(sem_init(&h->changed, 0, 0), 0);
	assert_int_equal(pthread_create(&th, NULL, hold, h), 0);
	sem_wait(&h->changed);
	*rc = fn(ctx);
	assert_int_equal(pthread_join(th, NULL), 0);
	sem_destroy(&h->changed);
}

struct call {
	struct store *s;
	const char *campaign_id, *person_id;
	const struct campaign_release_row *rel;
	const char (*persons)[CRYPT_ID_LEN];
	size_t n;
};

static enum cmn_rc call_withdraw(void *ctx)
{
	struct call *c = ctx;

	return store_campaign_withdraw(c->s, c->campaign_id, c->person_id, 450, NULL);
}

static enum cmn_rc call_computed(void *ctx)
{
	struct call *c = ctx;

	return store_campaign_computed(c->s, c->rel, "{}", "", c->persons, c->n, &cost1, 600);
}

/* a withdrawal while the computation's transaction is open waits for it,
 * then finds the run done; a computation while a withdrawal's is open
 * waits, then finds the person out and keeps nothing */
static void withdraw_during_computation(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person ann, bob, admin;
	struct campaign_row c, d, r;
	struct campaign_part p;
	struct dp_cost spent;
	char persons[2][CRYPT_ID_LEN];
	struct campaign_release_row rel;
	struct holder h;
	struct call call;
	enum cmn_rc rc;

	add_org(b->s, "City", &city);
	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "admin", &admin);
	approved(b->s, city.id, 100, admin.id, &c);
	assert_int_equal(store_campaign_join(b->s, c.id, ann.id, "ga", 200), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, c.id, bob.id, "gb", 201), CMN_OK);
	snprintf(persons[0], CRYPT_ID_LEN, "%s", ann.id);
	snprintf(persons[1], CRYPT_ID_LEN, "%s", bob.id);
	rel = release(c.id);
	rel.count = 2;

	/* the withdrawal waits for the computation, then finds it done */
	h = (struct holder){
	    .s = b->s, .rel = &rel, .persons = (const char(*)[CRYPT_ID_LEN])persons, .n = 2};
	call = (struct call){.s = b->s, .campaign_id = c.id, .person_id = bob.id};
	run_holder(&h, call_withdraw, &call, &rc);
	assert_int_equal(h.rc, CMN_OK);
	assert_int_equal(rc, CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_part_get(b->s, c.id, bob.id, &p), CMN_OK);
	assert_int_equal(p.withdrawn, 0);
	assert_true(p.counted);
	assert_int_equal(store_budget_get(b->s, bob.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro);

	/* the computation waits for the withdrawal, then keeps nothing */
	approved(b->s, city.id, 700, admin.id, &d);
	assert_int_equal(store_campaign_join(b->s, d.id, ann.id, "ga", 800), CMN_OK);
	assert_int_equal(store_campaign_join(b->s, d.id, bob.id, "gb", 801), CMN_OK);
	rel = release(d.id);
	rel.count = 2;
	h = (struct holder){.s = b->s, .campaign_id = d.id, .person_id = bob.id};
	call = (struct call){
	    .s = b->s, .rel = &rel, .persons = (const char(*)[CRYPT_ID_LEN])persons, .n = 2};
	run_holder(&h, call_computed, &call, &rc);
	assert_int_equal(h.rc, CMN_OK);
	assert_int_equal(rc, CMN_ERR_CONFLICT);
	assert_int_equal(store_campaign_get(b->s, d.id, false, &r), CMN_OK);
	assert_int_equal(r.state, CAMPAIGN_STATE_APPROVED);
	campaign_row_release(&r);
	assert_int_equal(store_budget_get(b->s, ann.id, &spent), CMN_OK);
	assert_int_equal(spent.eps_micro, cost1.eps_micro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(districts),
	    BOTH(campaigns),
	    BOTH(participations),
	    BOTH(computed),
	    BOTH(computed_all_or_nothing),
	    BOTH(person_deleted),
	    BOTH(withdraw_during_computation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
