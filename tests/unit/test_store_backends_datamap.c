#define _GNU_SOURCE
/*
 * test_store_backends_datamap.c - the data map's catalogue, the
 * portability requests (store_datamap.h) and the open datasets
 * (store_opendata.h), each case on SQLite and on PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends.h"

#include "store/store_campaign.h"
#include "store/store_datamap.h"
#include "store/store_opendata.h"

static enum cmn_rc list_holder(const struct datamap_holder *h, void *ctx)
{
	char item[300];

	snprintf(item, sizeof(item), "%s:%s:%s", h->id, h->name, h->body);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void catalogue(void **state)
{
	struct bk *b = *state;
	const struct datamap_holder first[] = {
	    {"enedis", "Enedis", "{\"a\":1}"},
	    {"bank", "La Banque", "{\"b\":2}"},
	    {"caf", "CAF", "{\"c\":3}"},
	};
	const struct datamap_holder second[] = {
	    {"grdf", "GRDF", "{\"g\":1}"},
	    {"enedis", "Enedis", "{\"a\":2}"},
	};
	const struct datamap_holder twice[] = {
	    {"x", "X", "{}"},
	    {"x", "X again", "{}"},
	};
	char list[BK_LIST_MAX] = "", *body;
	int64_t at;

	assert_int_equal(store_datamap_loaded(b->s, &at), CMN_OK);
	assert_int_equal(at, 0);
	assert_int_equal(store_datamap_replace(b->s, first, 3, 1000), CMN_OK);
	/* the catalogue's order, not the ids' */
	assert_int_equal(store_datamap_each(b->s, list_holder, list), CMN_OK);
	assert_string_equal(list,
			    "enedis:Enedis:{\"a\":1},bank:La Banque:{\"b\":2},caf:CAF:{\"c\":3},");
	assert_int_equal(store_datamap_get(b->s, "bank", &body), CMN_OK);
	assert_string_equal(body, "{\"b\":2}");
	free(body);
	assert_int_equal(store_datamap_get(b->s, "nope", &body), CMN_ERR_NOT_FOUND);
	assert_null(body);
	assert_int_equal(store_datamap_loaded(b->s, &at), CMN_OK);
	assert_int_equal(at, 1000);

	/* a new catalogue replaces the whole */
	assert_int_equal(store_datamap_replace(b->s, second, 2, 2000), CMN_OK);
	list[0] = '\0';
	assert_int_equal(store_datamap_each(b->s, list_holder, list), CMN_OK);
	assert_string_equal(list, "grdf:GRDF:{\"g\":1},enedis:Enedis:{\"a\":2},");
	assert_int_equal(store_datamap_get(b->s, "bank", &body), CMN_ERR_NOT_FOUND);

	/* a holder twice is refused, and the catalogue stays as it was */
	assert_int_equal(store_datamap_replace(b->s, twice, 2, 3000), CMN_ERR_CONFLICT);
	list[0] = '\0';
	assert_int_equal(store_datamap_each(b->s, list_holder, list), CMN_OK);
	assert_string_equal(list, "grdf:GRDF:{\"g\":1},enedis:Enedis:{\"a\":2},");
	assert_int_equal(store_datamap_loaded(b->s, &at), CMN_OK);
	assert_int_equal(at, 2000);
}

static void org_kind(void **state)
{
	struct bk *b = *state;
	struct org city;
	struct person agent, ann;
	char kind[ROLE_MAX];

	assert_int_equal(store_org_add(b->s, "Ville", "city", &city), CMN_OK);
	assert_int_equal(store_person_add(b->s, "agent", "agent", "Ville", "h", &agent), CMN_OK);
	assert_int_equal(store_person_add(b->s, "ann", "resident", NULL, "h", &ann), CMN_OK);
	assert_int_equal(store_person_org_kind(b->s, agent.id, kind), CMN_OK);
	assert_string_equal(kind, "city");
	assert_int_equal(store_person_org_kind(b->s, ann.id, kind), CMN_OK);
	assert_string_equal(kind, "");
	assert_int_equal(store_person_org_kind(b->s, "nobody", kind), CMN_OK);
	assert_string_equal(kind, "");
}

/* new_request - a draft of person for holder, made at created */
static void new_request(struct bk *b, const char *person, const char *holder, int64_t created,
			struct port_request *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->person_id, sizeof(r->person_id), "%s", person);
	snprintf(r->holder_id, sizeof(r->holder_id), "%s", holder);
	snprintf(r->kind, sizeof(r->kind), "portability");
	r->created = created;
	r->doctypes = "[\"energy.load\"]";
	r->letter = "Madame, Monsieur,";
	assert_int_equal(store_port_add(b->s, r), CMN_OK);
	r->doctypes = r->letter = NULL;
}

static enum cmn_rc list_request(const struct port_request *r, void *ctx)
{
	char item[200];

	snprintf(item, sizeof(item), "%s/%s", r->holder_id, port_state_name(r->state));
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void requests(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct port_request r1, r2, r3, got, bad;
	char list[BK_LIST_MAX] = "";
	char ids[4][CRYPT_ID_LEN];
	size_t n;

	assert_int_equal(store_person_add(b->s, "ann", "resident", NULL, "h", &ann), CMN_OK);
	assert_int_equal(store_person_add(b->s, "bob", "resident", NULL, "h", &bob), CMN_OK);
	new_request(b, ann.id, "enedis", 1000, &r1);
	new_request(b, ann.id, "bank", 2000, &r2);
	new_request(b, bob.id, "enedis", 3000, &r3);
	assert_int_equal(r1.state, PORT_DRAFT);

	assert_int_equal(store_port_get(b->s, r1.id, &got), CMN_OK);
	assert_string_equal(got.person_id, ann.id);
	assert_string_equal(got.holder_id, "enedis");
	assert_string_equal(got.kind, "portability");
	assert_int_equal(got.state, PORT_DRAFT);
	assert_int_equal(got.created, 1000);
	assert_int_equal(got.sent, 0);
	assert_string_equal(got.doctypes, "[\"energy.load\"]");
	assert_string_equal(got.letter, "Madame, Monsieur,");
	assert_null(got.answer);
	assert_string_equal(got.import_id, "");
	port_request_release(&got);
	assert_int_equal(store_port_get(b->s, "nope", &got), CMN_ERR_NOT_FOUND);

	/* newest first, a person's own only */
	assert_int_equal(store_port_each(b->s, ann.id, list_request, list), CMN_OK);
	assert_string_equal(list, "bank/draft,enedis/draft,");

	/* sent once, by its person only */
	assert_int_equal(store_port_sent(b->s, r1.id, bob.id, 5000, 9000), CMN_ERR_CONFLICT);
	assert_int_equal(store_port_sent(b->s, r1.id, ann.id, 5000, 9000), CMN_OK);
	assert_int_equal(store_port_sent(b->s, r1.id, ann.id, 5000, 9000), CMN_ERR_CONFLICT);
	assert_int_equal(store_port_sent(b->s, r3.id, bob.id, 5000, 8000), CMN_OK);
	assert_int_equal(store_port_get(b->s, r1.id, &got), CMN_OK);
	assert_int_equal(got.state, PORT_SENT);
	assert_int_equal(got.sent, 5000);
	assert_int_equal(got.deadline, 9000);
	port_request_release(&got);

	/* late: sent, unanswered, not reminded, deadline passed; oldest deadline first */
	assert_int_equal(store_port_late(b->s, 8500, ids, 4, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], r3.id);
	assert_int_equal(store_port_late(b->s, 10000, ids, 4, &n), CMN_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], r3.id);
	assert_string_equal(ids[1], r1.id);
	assert_int_equal(store_port_late(b->s, 10000, ids, 1, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_port_mark_reminded(b->s, r3.id, 10000), CMN_OK);
	assert_int_equal(store_port_mark_reminded(b->s, r3.id, 10001), CMN_ERR_CONFLICT);
	assert_int_equal(store_port_mark_reminded(b->s, r2.id, 10001), CMN_ERR_CONFLICT);
	assert_int_equal(store_port_late(b->s, 10000, ids, 4, &n), CMN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], r1.id);

	/* answered once, by its person, when sent */
	assert_int_equal(store_port_answered(b->s, r2.id, ann.id, "imp", "{}", 11000),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_port_answered(b->s, r1.id, bob.id, "imp", "{}", 11000),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_port_answered(b->s, r1.id, ann.id, "imp1", "{\"records\":3}", 11000),
			 CMN_OK);
	assert_int_equal(store_port_answered(b->s, r1.id, ann.id, "imp2", "{}", 12000),
			 CMN_ERR_CONFLICT);
	assert_int_equal(store_port_get(b->s, r1.id, &got), CMN_OK);
	assert_int_equal(got.state, PORT_ANSWERED);
	assert_int_equal(got.answered, 11000);
	assert_string_equal(got.import_id, "imp1");
	assert_string_equal(got.answer, "{\"records\":3}");
	port_request_release(&got);
	assert_int_equal(store_port_mark_reminded(b->s, r1.id, 13000), CMN_ERR_CONFLICT);

	/* a request for nobody is refused */
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.person_id, sizeof(bad.person_id), "nobody");
	snprintf(bad.holder_id, sizeof(bad.holder_id), "x");
	bad.doctypes = "[]";
	bad.letter = "l";
	assert_int_not_equal(store_port_add(b->s, &bad), CMN_OK);

	/* the person's erasure takes their requests */
	assert_int_equal(store_person_delete(b->s, bob.id), CMN_OK);
	assert_int_equal(store_port_get(b->s, r3.id, &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(store_port_get(b->s, r2.id, &got), CMN_OK);
	port_request_release(&got);
}

static enum cmn_rc list_counts(const struct port_counts *c, void *ctx)
{
	char item[200];

	snprintf(item, sizeof(item), "%s=%lld/%lld/%lld/%lld/%lld", c->holder_id,
		 (long long)c->requests, (long long)c->drafted, (long long)c->sent,
		 (long long)c->answered, (long long)c->late);
	bk_list_add(ctx, item);
	return CMN_OK;
}

static void stats(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct port_request r1, r2, r3, r4;
	char list[BK_LIST_MAX] = "";

	assert_int_equal(store_port_stats(b->s, 0, list_counts, list), CMN_OK);
	assert_string_equal(list, "");
	assert_int_equal(store_person_add(b->s, "ann", "resident", NULL, "h", &ann), CMN_OK);
	new_request(b, ann.id, "enedis", 1000, &r1);
	new_request(b, ann.id, "enedis", 1001, &r2);
	new_request(b, ann.id, "enedis", 1002, &r3);
	new_request(b, ann.id, "bank", 1003, &r4);
	assert_int_equal(store_port_sent(b->s, r1.id, ann.id, 2000, 5000), CMN_OK);
	assert_int_equal(store_port_sent(b->s, r2.id, ann.id, 2000, 9000), CMN_OK);
	assert_int_equal(store_port_answered(b->s, r2.id, ann.id, "i", "{}", 3000), CMN_OK);
	assert_int_equal(store_port_sent(b->s, r3.id, ann.id, 2000, 6000), CMN_OK);
	/* by holder id; late: sent, unanswered, deadline before now (r3's is now) */
	assert_int_equal(store_port_stats(b->s, 6000, list_counts, list), CMN_OK);
	assert_string_equal(list, "bank=1/1/0/0/0,enedis=3/0/3/1/1,");
}

static enum cmn_rc list_version(const struct opendata_version *v, void *ctx)
{
	char item[200];

	assert_null(v->content);
	snprintf(item, sizeof(item), "%s@%lld:%s", v->name, (long long)v->version, v->kind);
	bk_list_add(ctx, item);
	return CMN_OK;
}

/* add_dataset - a version of name of kind with content */
static enum cmn_rc add_dataset(struct bk *b, const char *name, const char *kind,
			       const char *content, struct opendata_version *v,
			       const struct store_district *d, size_t n)
{
	char copy[200];

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->kind, sizeof(v->kind), "%s", kind);
	snprintf(v->source, sizeof(v->source), "https://example.org/%s", name);
	snprintf(v->licence, sizeof(v->licence), "etalab-2.0");
	snprintf(v->sha256, sizeof(v->sha256), "%064d", 7);
	v->loaded = 5000;
	v->bytes = (int64_t)strlen(content);
	snprintf(copy, sizeof(copy), "%s", content);
	v->content = copy;
	{
		enum cmn_rc rc = store_opendata_add(b->s, v, d, n);

		v->content = NULL;
		return rc;
	}
}

static void opendata(void **state)
{
	struct bk *b = *state;
	struct opendata_version v1, v2, v3, got;
	char list[BK_LIST_MAX] = "";

	assert_int_equal(add_dataset(b, "weather", "weather", "[1]", &v1, NULL, 0), CMN_OK);
	assert_int_equal(v1.version, 1);
	assert_int_equal(add_dataset(b, "tariffs", "tariffs", "[2]", &v2, NULL, 0), CMN_OK);
	assert_int_equal(add_dataset(b, "weather", "weather", "[3]", &v3, NULL, 0), CMN_OK);
	assert_int_equal(v3.version, 2);
	assert_true(v3.id > v2.id && v2.id > v1.id);
	/* a name keeps its kind */
	assert_int_equal(add_dataset(b, "weather", "gtfs", "[4]", &got, NULL, 0), CMN_ERR_CONFLICT);

	assert_int_equal(store_opendata_get(b->s, "weather", 0, &got), CMN_OK);
	assert_int_equal(got.version, 2);
	assert_string_equal(got.content, "[3]");
	assert_string_equal(got.source, "https://example.org/weather");
	assert_string_equal(got.licence, "etalab-2.0");
	assert_int_equal(got.loaded, 5000);
	assert_int_equal(got.bytes, 3);
	opendata_version_release(&got);
	assert_int_equal(store_opendata_get(b->s, "weather", 1, &got), CMN_OK);
	assert_string_equal(got.content, "[1]");
	opendata_version_release(&got);
	assert_int_equal(store_opendata_get(b->s, "weather", 3, &got), CMN_ERR_NOT_FOUND);
	assert_null(got.content);
	assert_int_equal(store_opendata_get(b->s, "nope", 0, &got), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_opendata_latest_kind(b->s, "weather", true, &got), CMN_OK);
	assert_int_equal(got.id, v3.id);
	assert_string_equal(got.content, "[3]");
	opendata_version_release(&got);
	assert_int_equal(store_opendata_latest_kind(b->s, "tariffs", false, &got), CMN_OK);
	assert_int_equal(got.id, v2.id);
	assert_null(got.content);
	assert_int_equal(store_opendata_latest_kind(b->s, "gtfs", true, &got), CMN_ERR_NOT_FOUND);

	assert_int_equal(store_opendata_each(b->s, list_version, list), CMN_OK);
	assert_string_equal(list, "tariffs@1:tariffs,weather@2:weather,");
	list[0] = '\0';
	assert_int_equal(store_opendata_versions(b->s, "weather", list_version, list), CMN_OK);
	assert_string_equal(list, "weather@1:weather,weather@2:weather,");
	assert_int_equal(store_opendata_versions(b->s, "nope", list_version, list),
			 CMN_ERR_NOT_FOUND);
}

/* a districts dataset refused for its districts leaves no version behind */
static void opendata_districts(void **state)
{
	struct bk *b = *state;
	const struct store_district ok[] = {{"D1", "Gare"}, {"D2", "Centre"}};
	const struct store_district twice[] = {{"D1", "Gare"}, {"D1", "Port"}};
	struct opendata_version v, got;

	assert_int_equal(add_dataset(b, "districts", "districts", "{}", &v, ok, 2), CMN_OK);
	assert_int_equal(add_dataset(b, "districts", "districts", "{\"x\":1}", &v, twice, 2),
			 CMN_ERR_INVALID);
	assert_int_equal(store_opendata_get(b->s, "districts", 0, &got), CMN_OK);
	assert_int_equal(got.version, 1);
	opendata_version_release(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(catalogue), BOTH(org_kind), BOTH(requests),
	    BOTH(stats),     BOTH(opendata), BOTH(opendata_districts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
