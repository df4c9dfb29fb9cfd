#define _GNU_SOURCE
/*
 * test_store_backends_record.c - a person's records (store.h:
 * pstore_record_*), each case run on SQLite and on PostgreSQL (a database
 * of its own in the test run's cluster: tests/support/pgtest.h), with the
 * same assertions: writes with their revisions and audit entries, dedupe
 * keys, imports, and queries (filters, sorts, cursors) answering alike.
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
#include <unistd.h>

#include "backends.h"

#include "crypto/crypt.h"
#include "store/store.h"

/* ---- helpers ------------------------------------------------------------------------ */

#define DT "test.q"

/* person_store - a new person's store on b's backend */
static struct pstore *person_store(struct bk *b, const char *handle, struct person *p)
{
	struct pstore *ps = NULL;

	assert_int_equal(store_person_add(b->s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
	assert_int_equal(store_person_store(b->s, p->id, &ps), CMN_OK);
	return ps;
}

/* the id of record number n: ids sort as their numbers */
static const char *rid(int n)
{
	static char ids[64][CRYPT_UUID_LEN];

	snprintf(ids[n], sizeof(ids[n]), "00000000-0000-4000-8000-%012d", n);
	return ids[n];
}

static struct record_meta meta_of(const char *doctype, int n, int64_t t)
{
	struct record_meta m;

	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s", rid(n));
	snprintf(m.doctype, sizeof(m.doctype), "%s", doctype);
	snprintf(m.source, sizeof(m.source), "api");
	m.t = t;
	return m;
}

static enum cmn_rc audit_line(const struct audit_entry *e, void *ctx)
{
	char line[160];

	snprintf(line, sizeof(line), "%s %s", e->action, e->object);
	bk_list_add(ctx, line);
	return CMN_OK;
}

/* audit_list - the person's chain as "action object," */
static void audit_list(struct pstore *ps, char *out)
{
	out[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 100, audit_line, out), CMN_OK);
}

/* ---- writes ------------------------------------------------------------------------- */

static void crud(void **state)
{
	struct bk *b = *state;
	struct person p;
	struct pstore *ps = person_store(b, "ana", &p);
	struct record_meta m = meta_of(DT, 1, 1000), got;
	char *data = NULL, want[BK_LIST_MAX], list[BK_LIST_MAX];
	int64_t count = 0, bad = 0;

	snprintf(m.import_id, sizeof(m.import_id), "imp1");
	assert_int_equal(pstore_record_insert(ps, &m, "{\"a\":1}", "person:ana"), CMN_OK);
	assert_int_equal(m.rev, 1);
	assert_true(m.created > 0 && m.updated == m.created);

	assert_int_equal(pstore_record_get(ps, DT, rid(1), &got, &data), CMN_OK);
	assert_string_equal(data, "{\"a\":1}");
	free(data);
	assert_string_equal(got.id, rid(1));
	assert_string_equal(got.doctype, DT);
	assert_string_equal(got.source, "api");
	assert_string_equal(got.import_id, "imp1");
	assert_string_equal(got.dedupe, "");
	assert_int_equal(got.rev, 1);
	assert_int_equal(got.t, 1000);
	assert_int_equal(got.created, m.created);
	/* an id in capitals is the same UUID */
	assert_int_equal(
	    pstore_record_get(ps, DT, "00000000-0000-4000-8000-000000000001", &got, NULL), CMN_OK);

	/* not found: another doctype, an unknown id, no UUID at all */
	assert_int_equal(pstore_record_get(ps, "test.other", rid(1), &got, NULL),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_record_get(ps, DT, rid(2), &got, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_record_get(ps, DT, "nope", &got, NULL), CMN_ERR_NOT_FOUND);

	/* replace: the source and import stay those of its origin */
	m = meta_of(DT, 1, INT64_MIN);
	snprintf(m.source, sizeof(m.source), "elsewhere");
	assert_int_equal(pstore_record_replace(ps, &m, 1, "{\"a\":2}", "person:ana"), CMN_OK);
	assert_int_equal(m.rev, 2);
	assert_string_equal(m.source, "api");
	assert_string_equal(m.import_id, "imp1");
	assert_int_equal(pstore_record_get(ps, DT, rid(1), &got, &data), CMN_OK);
	assert_string_equal(data, "{\"a\":2}");
	free(data);
	assert_int_equal(got.rev, 2);
	assert_int_equal(got.t, INT64_MIN);
	assert_true(got.updated >= got.created);
	/* a stale revision, then any revision */
	assert_int_equal(pstore_record_replace(ps, &m, 1, "{\"a\":3}", "person:ana"),
			 CMN_ERR_PRECONDITION);
	assert_int_equal(pstore_record_replace(ps, &m, -1, "{\"a\":3}", NULL), CMN_OK);
	assert_int_equal(m.rev, 3);
	m = meta_of(DT, 9, 0);
	assert_int_equal(pstore_record_replace(ps, &m, -1, "{}", "person:ana"), CMN_ERR_NOT_FOUND);

	/* delete */
	assert_int_equal(pstore_record_delete(ps, DT, rid(1), 2, "person:ana"),
			 CMN_ERR_PRECONDITION);
	assert_int_equal(pstore_record_delete(ps, DT, rid(9), -1, "person:ana"), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_record_delete(ps, DT, "nope", -1, "person:ana"), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_record_delete(ps, DT, rid(1), 3, "person:ana"), CMN_OK);
	assert_int_equal(pstore_record_get(ps, DT, rid(1), &got, NULL), CMN_ERR_NOT_FOUND);
	/* an id that is no UUID cannot be stored */
	m = meta_of(DT, 2, 0);
	snprintf(m.id, sizeof(m.id), "not-a-uuid");
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_INVALID);

	/* the chain: what was audited, as SQLite writes it */
	want[0] = '\0';
	snprintf(list, sizeof(list), "record.create %s/%s", DT, rid(1));
	bk_list_add(want, list);
	snprintf(list, sizeof(list), "record.update %s/%s", DT, rid(1));
	bk_list_add(want, list);
	snprintf(list, sizeof(list), "record.delete %s/%s", DT, rid(1));
	bk_list_add(want, list);
	audit_list(ps, list);
	assert_string_equal(list, want);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 3);
}

static void dedupe(void **state)
{
	struct bk *b = *state;
	struct person p;
	struct pstore *ps = person_store(b, "ana", &p);
	struct record_meta m = meta_of(DT, 1, 0), got;
	char list[BK_LIST_MAX];
	/* a key of 64 hex digits: the first 32 count, in any case */
	const char *key = "ABCDEF0123456789abcdef0123456789ffffffffffffffffffffffffffffffff";

	snprintf(m.dedupe, sizeof(m.dedupe), "%s", key);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	assert_int_equal(pstore_record_get(ps, DT, rid(1), &got, NULL), CMN_OK);
	assert_string_equal(got.dedupe, "abcdef0123456789abcdef0123456789");

	/* the same key (its first 32 digits): nothing written, not audited */
	m = meta_of(DT, 2, 0);
	snprintf(m.dedupe, sizeof(m.dedupe), "abcdef0123456789abcdef01234567890000");
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_EXISTS);
	assert_int_equal(pstore_record_get(ps, DT, rid(2), &got, NULL), CMN_ERR_NOT_FOUND);
	/* inside a transaction, which goes on */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_EXISTS);
	m = meta_of(DT, 3, 0);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_record_get(ps, DT, rid(3), &got, NULL), CMN_OK);

	/* another doctype may use the key */
	m = meta_of("test.other", 2, 0);
	snprintf(m.dedupe, sizeof(m.dedupe), "%s", key);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	/* a key that is no hex */
	m = meta_of(DT, 4, 0);
	snprintf(m.dedupe, sizeof(m.dedupe), "zz");
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_INVALID);
	/* an id stored already: refused, and the transaction around fails */
	m = meta_of(DT, 1, 0);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_EXISTS);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	m = meta_of(DT, 5, 0);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	m = meta_of(DT, 1, 0);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_ERR_EXISTS);
	assert_int_not_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_record_get(ps, DT, rid(5), &got, NULL), CMN_ERR_NOT_FOUND);

	audit_list(ps, list);
	assert_int_equal(strlen(list), strlen("record.create test.q/,") * 3 + 36 * 3 + 4);
}

static void rollback(void **state)
{
	struct bk *b = *state;
	struct person p;
	struct pstore *ps = person_store(b, "ana", &p);
	struct record_meta m = meta_of(DT, 1, 0), got;
	char list[BK_LIST_MAX];
	size_t added = 0;
	int64_t n = 0;

	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	m = meta_of(DT, 2, 0);
	assert_int_equal(
	    pstore_record_insert_many(ps, DT, &m, (const char *const[]){"{}"}, 1, &added), CMN_OK);
	assert_int_equal(added, 1);
	assert_int_equal(pstore_record_delete_source(ps, DT, "api", &n), CMN_OK);
	assert_int_equal(n, 2);
	m = meta_of(DT, 3, 0);
	assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_INVALID), CMN_ERR_INVALID);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(pstore_record_get(ps, DT, rid(i), &got, NULL), CMN_ERR_NOT_FOUND);
	audit_list(ps, list);
	assert_string_equal(list, "");
}

/* an import of 2,500 rows (three batches), every tenth a duplicate of the
 * one before, and the first five known to the store already */
static void insert_many(void **state)
{
	struct bk *b = *state;
	struct person p;
	struct pstore *ps = person_store(b, "ana", &p);
	enum { N = 2500 };
	struct record_meta *m = calloc(N, sizeof(*m)), one = meta_of(DT, 0, 0), got;
	const char **data = calloc(N, sizeof(*data));
	char *text = calloc(N, 48), list[BK_LIST_MAX];
	size_t added = 0;
	int64_t n = 0;

	assert_non_null(m);
	assert_non_null(data);
	assert_non_null(text);
	for (int i = 0; i < 5; i++) {
		one = meta_of(DT, 0, 0);
		snprintf(one.id, sizeof(one.id), "10000000-0000-4000-8000-%012d", i);
		snprintf(one.dedupe, sizeof(one.dedupe), "%032x", i);
		assert_int_equal(pstore_record_insert(ps, &one, "{}", NULL), CMN_OK);
	}
	for (int i = 0; i < N; i++) {
		m[i] = meta_of(DT, 0, i);
		snprintf(m[i].id, sizeof(m[i].id), "20000000-0000-4000-8000-%012d", i);
		snprintf(m[i].dedupe, sizeof(m[i].dedupe), "%032x", i % 10 == 9 ? i - 1 : i);
		snprintf(m[i].source, sizeof(m[i].source), "import:x");
		snprintf(text + 48 * i, 48, "{\"i\":%d,\"q\":\"a\\\"b\\\\c\"}", i);
		data[i] = text + 48 * i;
	}
	assert_int_equal(pstore_record_insert_many(ps, DT, m, data, N, &added), CMN_OK);
	assert_int_equal(added, N - N / 10 - 5);
	assert_int_equal(m[N - 1].rev, 1);
	assert_true(m[N - 1].created > 0);
	/* the first of two duplicates is kept, with its data as given */
	assert_int_equal(pstore_record_get(ps, DT, m[18].id, &got, NULL), CMN_OK);
	assert_int_equal(pstore_record_get(ps, DT, m[19].id, &got, NULL), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_record_get(ps, DT, m[3].id, &got, NULL), CMN_ERR_NOT_FOUND);
	{
		char *d = NULL;

		assert_int_equal(pstore_record_get(ps, DT, m[2400].id, &got, &d), CMN_OK);
		assert_string_equal(d, "{\"i\":2400,\"q\":\"a\\\"b\\\\c\"}");
		assert_int_equal(got.t, 2400);
		assert_string_equal(got.source, "import:x");
		free(d);
	}
	/* a row of another doctype: nothing of the import is kept */
	for (int i = 0; i < N; i++) {
		snprintf(m[i].id, sizeof(m[i].id), "30000000-0000-4000-8000-%012d", i);
		snprintf(m[i].dedupe, sizeof(m[i].dedupe), "%032x", N + i);
	}
	snprintf(m[1500].doctype, sizeof(m[1500].doctype), "test.other");
	assert_int_equal(pstore_record_insert_many(ps, DT, m, data, N, &added), CMN_ERR_INVALID);
	assert_int_equal(added, 1500);
	assert_int_equal(pstore_record_get(ps, DT, m[0].id, &got, NULL), CMN_ERR_NOT_FOUND);
	/* the same id twice: refused as SQLite refuses it, nothing kept */
	snprintf(m[1500].doctype, sizeof(m[1500].doctype), DT);
	memcpy(m[7].id, m[6].id, sizeof(m[7].id));
	assert_int_equal(pstore_record_insert_many(ps, DT, m, data, N, &added), CMN_ERR_EXISTS);
	assert_int_equal(pstore_record_get(ps, DT, m[0].id, &got, NULL), CMN_ERR_NOT_FOUND);

	/* delete_source: the import's rows, not the others */
	assert_int_equal(pstore_record_delete_source(ps, DT, "import:x", &n), CMN_OK);
	assert_int_equal(n, N - N / 10 - 5);
	assert_int_equal(pstore_record_delete_source(ps, DT, "import:x", &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pstore_record_delete_source(ps, "test.never", "api", &n), CMN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pstore_record_delete_source(ps, DT, "api", &n), CMN_OK);
	assert_int_equal(n, 5);
	audit_list(ps, list);
	assert_string_equal(list, "");
	free(m);
	free(data);
	free(text);
}

/* ---- queries ------------------------------------------------------------------------ */

/*
 * The records of the query cases: numbers, a text where numbers are
 * (r4), a missing field (r5), a JSON null (r7), booleans and a 1, a
 * missing time (r3). r2 is replaced last (the latest update).
 */
static const struct {
	const char *data;
	int64_t t;
} rows[] = {
    {"{\"n\":\"r1\",\"amount\":10,\"label\":\"b\",\"flag\":true}", 1000},
    {"{\"n\":\"r2\",\"amount\":2.5,\"label\":\"a\",\"flag\":false}", 2000},
    {"{\"n\":\"r3\",\"amount\":-3,\"label\":\"c\"}", INT64_MIN},
    {"{\"n\":\"r4\",\"amount\":\"x\",\"label\":\"B\",\"flag\":true}", 3000},
    {"{\"n\":\"r5\",\"label\":\"ab\"}", 4000},
    {"{\"n\":\"r6\",\"amount\":10.0,\"label\":\"b\",\"flag\":1}", 5000},
    {"{\"n\":\"r7\",\"amount\":null,\"label\":\"\xc3\xa9\"}", 6000},
};

static struct pstore *query_store(struct bk *b, bool indexed)
{
	static const struct store_index idx[] = {{DT, "amount"}, {DT, "label"}, {DT, "flag"}};
	struct person p;
	struct pstore *ps;
	struct record_meta m;

	if (indexed)
		assert_int_equal(store_set_indexes(b->s, idx, 3), CMN_OK);
	ps = person_store(b, "ana", &p);
	for (int i = 0; i < 7; i++) {
		m = meta_of(DT, i + 1, rows[i].t);
		assert_int_equal(pstore_record_insert(ps, &m, rows[i].data, NULL), CMN_OK);
	}
	/* another doctype's rows are never in a query of DT */
	m = meta_of("test.other", 8, 1000);
	assert_int_equal(pstore_record_insert(ps, &m, rows[0].data, NULL), CMN_OK);
	usleep(3000);
	m = meta_of(DT, 2, rows[1].t);
	assert_int_equal(pstore_record_replace(ps, &m, 1, rows[1].data, NULL), CMN_OK);
	return ps;
}

struct page {
	char list[BK_LIST_MAX];
	size_t n;
	struct query_value key;
	char key_text[64];
	char id[RECORD_ID_LEN];
};

static enum cmn_rc collect(const struct record_meta *m, const char *data,
			   const struct query_value *key, void *ctx)
{
	struct page *pg = ctx;
	const char *n = strstr(data, "\"n\":\"");
	char name[8];

	assert_non_null(n);
	snprintf(name, sizeof(name), "%.2s", n + 5);
	bk_list_add(pg->list, name);
	pg->n++;
	pg->key = *key;
	if (key->type == QV_TEXT) {
		snprintf(pg->key_text, sizeof(pg->key_text), "%s", key->text);
		pg->key.text = pg->key_text;
	}
	snprintf(pg->id, sizeof(pg->id), "%s", m->id);
	return CMN_OK;
}

/* run - the names q gives, "r1,r2," */
static const char *run(struct pstore *ps, struct store_query *q)
{
	static struct page pg;

	memset(&pg, 0, sizeof(pg));
	if (!q->limit)
		q->limit = 100;
	assert_int_equal(pstore_record_query(ps, q, collect, &pg), CMN_OK);
	return pg.list;
}

/* paged - the names q gives by pages of limit rows, each page after the
 * cursor of the one before */
static const char *paged(struct pstore *ps, struct store_query q, size_t limit)
{
	static char all[BK_LIST_MAX];
	char key[64];
	struct page pg;

	all[0] = '\0';
	q.limit = limit;
	for (int pages = 0; pages < 20; pages++) {
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		strncat(all, pg.list, sizeof(all) - strlen(all) - 1);
		if (pg.n < limit)
			break;
		q.has_after = true;
		q.after_key = pg.key;
		snprintf(key, sizeof(key), "%s", pg.key_text);
		q.after_key.text = key;
		snprintf(q.after_id, sizeof(q.after_id), "%s", pg.id);
	}
	return all;
}

static struct query_value vi(int64_t i)
{
	return (struct query_value){.type = QV_INT, .i = i};
}

static struct query_value vr(double r)
{
	return (struct query_value){.type = QV_REAL, .r = r};
}

static struct query_value vt(const char *t)
{
	return (struct query_value){.type = QV_TEXT, .text = t};
}

static struct query_value vb(bool b)
{
	return (struct query_value){.type = QV_BOOL, .i = b};
}

/* one filter on a field, sorted by id */
static const char *where(struct pstore *ps, const char *field, enum query_op op,
			 struct query_value v)
{
	struct store_query q = {.doctype = DT, .nfilters = 1};

	q.filters[0].field = field;
	q.filters[0].op = op;
	q.filters[0].v[0] = v;
	q.filters[0].nv = 1;
	return run(ps, &q);
}

/* filters - every operator on numbers, texts, booleans, as json_extract
 * compares them: NULL matches nothing, numbers are below texts */
static void filters_on(struct pstore *ps)
{
	struct store_query q = {.doctype = DT, .nfilters = 1};

	assert_string_equal(where(ps, "amount", QOP_EQ, vi(10)), "r1,r6,");
	assert_string_equal(where(ps, "amount", QOP_NE, vi(10)), "r2,r3,r4,");
	assert_string_equal(where(ps, "amount", QOP_LT, vi(10)), "r2,r3,");
	assert_string_equal(where(ps, "amount", QOP_LTE, vr(10)), "r1,r2,r3,r6,");
	assert_string_equal(where(ps, "amount", QOP_GT, vi(2)), "r1,r2,r4,r6,");
	assert_string_equal(where(ps, "amount", QOP_GTE, vr(2.5)), "r1,r2,r4,r6,");
	assert_string_equal(where(ps, "amount", QOP_LT, vt("a")), "r1,r2,r3,r6,");
	assert_string_equal(where(ps, "amount", QOP_EQ, vt("x")), "r4,");
	assert_string_equal(where(ps, "label", QOP_GT, vt("a")), "r1,r3,r5,r6,r7,");
	assert_string_equal(where(ps, "label", QOP_LT, vt("b")), "r2,r4,r5,");
	assert_string_equal(where(ps, "label", QOP_EQ, vt("\xc3\xa9")), "r7,");
	assert_string_equal(where(ps, "label", QOP_GTE, vi(0)), "r1,r2,r3,r4,r5,r6,r7,");
	assert_string_equal(where(ps, "flag", QOP_EQ, vb(true)), "r1,r4,r6,");
	assert_string_equal(where(ps, "flag", QOP_EQ, vb(false)), "r2,");
	assert_string_equal(where(ps, "flag", QOP_NE, vb(true)), "r2,");
	assert_string_equal(where(ps, "nothere", QOP_NE, vi(1)), "");

	/* IN, of mixed types, and empty */
	q.filters[0] = (struct query_filter){.field = "amount", .op = QOP_IN, .nv = 3};
	q.filters[0].v[0] = vi(-3);
	q.filters[0].v[1] = vt("x");
	q.filters[0].v[2] = vt("10");
	assert_string_equal(run(ps, &q), "r3,r4,");
	q.filters[0].nv = 0;
	q.limit = 0;
	assert_string_equal(run(ps, &q), "");

	/* on t */
	q.limit = 0;
	q.filters[0] = (struct query_filter){.on_t = true, .op = QOP_GTE, .nv = 1};
	q.filters[0].v[0] = vi(3000);
	assert_string_equal(run(ps, &q), "r4,r5,r6,r7,");
	q.filters[0].op = QOP_NE;
	q.filters[0].v[0] = vi(1000);
	q.limit = 0;
	assert_string_equal(run(ps, &q), "r2,r4,r5,r6,r7,");
	q.filters[0].op = QOP_IN;
	q.filters[0].nv = 2;
	q.filters[0].v[1] = vi(5000);
	q.limit = 0;
	assert_string_equal(run(ps, &q), "r1,r6,");

	/* two filters, a time range */
	q = (struct store_query){.doctype = DT,
				 .nfilters = 2,
				 .has_from = true,
				 .from = 1000,
				 .has_to = true,
				 .to = 5000};
	q.filters[0] = (struct query_filter){.field = "label", .op = QOP_IN, .nv = 2};
	q.filters[0].v[0] = vt("b");
	q.filters[0].v[1] = vt("a");
	q.filters[1] = (struct query_filter){.field = "amount", .op = QOP_GT, .nv = 1};
	q.filters[1].v[0] = vi(0);
	assert_string_equal(run(ps, &q), "r1,r2,");
	q = (struct store_query){
	    .doctype = DT, .has_from = true, .from = 2000, .has_to = true, .to = 5000};
	assert_string_equal(run(ps, &q), "r2,r4,r5,");

	/* by ids: unknown ones and one that is no UUID match nothing */
	{
		const char *ids[] = {rid(5), "nope", rid(2), rid(8), rid(30)};

		q = (struct store_query){.doctype = DT, .by_ids = true, .ids = ids, .nids = 5};
		assert_string_equal(run(ps, &q), "r2,r5,");
		q.nids = 0;
		q.limit = 0;
		assert_string_equal(run(ps, &q), "");
	}

	/* refusals */
	q = (struct store_query){.doctype = "Not a doctype", .limit = 1};
	assert_int_equal(pstore_record_query(ps, &q, collect, NULL), CMN_ERR_INVALID);
	q = (struct store_query){.doctype = DT, .limit = 1, .has_after = true};
	snprintf(q.after_id, sizeof(q.after_id), "nope");
	assert_int_equal(pstore_record_query(ps, &q, collect, NULL), CMN_ERR_INVALID);
	q = (struct store_query){.doctype = DT, .limit = 1, .nfilters = 1};
	q.filters[0] = (struct query_filter){.field = "Bad-Field", .op = QOP_EQ, .nv = 1};
	assert_int_equal(pstore_record_query(ps, &q, collect, NULL), CMN_ERR_INVALID);
	q = (struct store_query){.doctype = "test.never", .limit = 10};
	assert_string_equal(run(ps, &q), "");
}

static const char *sorted(struct pstore *ps, enum query_sort_key key, const char *field, bool desc,
			  size_t limit)
{
	struct store_query q = {.doctype = DT, .sort = key, .sort_field = field, .desc = desc};

	return paged(ps, q, limit);
}

/* sorts - each key both ways, whole and by pages of 2 and 1 (a page that
 * ends on a NULL key: SQLite's cursor then goes on with the texts only) */
static void sorts_on(struct pstore *ps)
{
	for (size_t limit = 100; limit > 0; limit = limit == 100 ? 2 : limit - 1) {
		assert_string_equal(sorted(ps, QSORT_ID, NULL, false, limit),
				    "r1,r2,r3,r4,r5,r6,r7,");
		assert_string_equal(sorted(ps, QSORT_ID, NULL, true, limit),
				    "r7,r6,r5,r4,r3,r2,r1,");
		assert_string_equal(sorted(ps, QSORT_CREATED, NULL, false, limit),
				    "r1,r2,r3,r4,r5,r6,r7,");
		assert_string_equal(sorted(ps, QSORT_CREATED, NULL, true, limit),
				    "r7,r6,r5,r4,r3,r2,r1,");
		assert_string_equal(sorted(ps, QSORT_UPDATED, NULL, false, limit),
				    "r1,r3,r4,r5,r6,r7,r2,");
		assert_string_equal(sorted(ps, QSORT_UPDATED, NULL, true, limit),
				    "r2,r7,r6,r5,r4,r3,r1,");
		assert_string_equal(sorted(ps, QSORT_FIELD, "label", false, limit),
				    "r4,r2,r5,r1,r6,r3,r7,");
		assert_string_equal(sorted(ps, QSORT_FIELD, "label", true, limit),
				    "r7,r3,r6,r1,r5,r2,r4,");
	}
	/* NULL last: whole, then by pages, whose cursor is after no NULL key */
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, true, 100), "r7,r6,r5,r4,r2,r1,r3,");
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, true, 2), "r7,r6,r5,r4,r2,r1,");
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, true, 1), "r7,r6,r5,r4,r2,r1,");
	assert_string_equal(sorted(ps, QSORT_FIELD, "amount", true, 100), "r4,r6,r1,r2,r3,r7,r5,");
	assert_string_equal(sorted(ps, QSORT_FIELD, "amount", true, 2), "r4,r6,r1,r2,r3,");
	/* NULL first: whole, then a page ending on a NULL key */
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, false, 100), "r3,r1,r2,r4,r5,r6,r7,");
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, false, 2), "r3,r1,r2,r4,r5,r6,r7,");
	assert_string_equal(sorted(ps, QSORT_TIME, NULL, false, 1), "r3,");
	assert_string_equal(sorted(ps, QSORT_FIELD, "amount", false, 100), "r5,r7,r3,r2,r1,r6,r4,");
	assert_string_equal(sorted(ps, QSORT_FIELD, "amount", false, 2), "r5,r7,r4,");
	assert_string_equal(sorted(ps, QSORT_FIELD, "amount", false, 3), "r5,r7,r3,r2,r1,r6,r4,");

	/* the sort keys given for the cursor, typed as SQLite gives them */
	{
		struct store_query q = {.doctype = DT,
					.sort = QSORT_FIELD,
					.sort_field = "amount",
					.limit = 1,
					.nfilters = 1};
		struct page pg;

		q.filters[0] = (struct query_filter){.field = "amount", .op = QOP_EQ, .nv = 1};
		q.filters[0].v[0] = vi(10);
		q.desc = true;
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_string_equal(pg.list, "r6,");
		assert_int_equal(pg.key.type, QV_REAL);
		assert_true(pg.key.r == 10.0);
		q.desc = false;
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_int_equal(pg.key.type, QV_INT);
		assert_int_equal(pg.key.i, 10);
		q.filters[0].v[0] = vt("x");
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_int_equal(pg.key.type, QV_TEXT);
		assert_string_equal(pg.key_text, "x");
		q.sort_field = "flag";
		q.filters[0] = (struct query_filter){.field = "flag", .op = QOP_EQ, .nv = 1};
		q.filters[0].v[0] = vb(true);
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_int_equal(pg.key.type, QV_INT);
		assert_int_equal(pg.key.i, 1);
		q.sort = QSORT_TIME;
		q.nfilters = 0;
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_string_equal(pg.list, "r3,");
		assert_int_equal(pg.key.type, QV_TEXT);
		assert_string_equal(pg.key_text, "");
		q.sort = QSORT_ID;
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(pstore_record_query(ps, &q, collect, &pg), CMN_OK);
		assert_string_equal(pg.key_text, rid(1));
	}
	/* a cursor of another type than the column's: a number in a text */
	{
		struct store_query q = {.doctype = DT,
					.sort = QSORT_TIME,
					.has_after = true,
					.after_key = vt("3000"),
					.limit = 10};

		snprintf(q.after_id, sizeof(q.after_id), "%s", rid(4));
		assert_string_equal(run(ps, &q), "r5,r6,r7,");
		q.after_key = vr(2999.5);
		assert_string_equal(run(ps, &q), "r4,r5,r6,r7,");
		q.desc = true;
		q.after_key = vt("later");
		assert_string_equal(run(ps, &q), "r7,r6,r5,r4,r2,r1,");
	}
}

static void queries(void **state)
{
	struct pstore *ps = query_store(*state, false);

	filters_on(ps);
	sorts_on(ps);
}

/* the same with the fields indexed (set before the person's store is
 * opened, as the server does) */
static void queries_indexed(void **state)
{
	struct pstore *ps = query_store(*state, true);

	filters_on(ps);
	sorts_on(ps);
}

/* ---- a race ------------------------------------------------------------------------- */

struct racer {
	struct store *s;
	const char *person_id;
	int n;
	pthread_barrier_t *go;
	enum cmn_rc rc;
};

static void *replace_rev1(void *arg)
{
	struct racer *r = arg;
	struct pstore *ps = NULL;
	struct record_meta m = meta_of(DT, r->n, 0);

	r->rc = store_person_store(r->s, r->person_id, &ps);
	pthread_barrier_wait(r->go);
	if (r->rc == CMN_OK)
		r->rc = pstore_record_replace(ps, &m, 1, "{\"won\":1}", "person:ana");
	store_thread_done();
	return NULL;
}

/* two writers replace a record at the same revision: exactly one wins */
static void replace_race(void **state)
{
	struct bk *b = *state;
	struct person p;
	struct pstore *ps = person_store(b, "ana", &p);

	for (int round = 1; round <= 10; round++) {
		struct record_meta m = meta_of(DT, round, 0), got;
		struct racer r[2];
		pthread_t th[2];
		pthread_barrier_t go;

		assert_int_equal(pstore_record_insert(ps, &m, "{}", "person:ana"), CMN_OK);
		assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct racer){b->s, p.id, round, &go, CMN_ERR_INTERNAL};
			assert_int_equal(pthread_create(&th[i], NULL, replace_rev1, &r[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		pthread_barrier_destroy(&go);
		assert_true((r[0].rc == CMN_OK && r[1].rc == CMN_ERR_PRECONDITION) ||
			    (r[1].rc == CMN_OK && r[0].rc == CMN_ERR_PRECONDITION));
		assert_int_equal(pstore_record_get(ps, DT, rid(round), &got, NULL), CMN_OK);
		assert_int_equal(got.rev, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(crud),    BOTH(dedupe),          BOTH(rollback),     BOTH(insert_many),
	    BOTH(queries), BOTH(queries_indexed), BOTH(replace_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
