#define _GNU_SOURCE
/*
 * test_store_backends_series.c - the time series and blobs of a person's
 * store (store.h: series, their chunks, encrypted blobs), each case run on
 * SQLite and on PostgreSQL (a database of its own in the test run's
 * cluster: tests/support/pgtest.h), with the same assertions.
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

#include "core/buf.h"
#include "crypto/crypt.h"
#include "store/store.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* person - a new person's store */
static struct pstore *person(struct store *s, const char *handle, struct person *p)
{
	struct pstore *ps;

	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
	assert_int_equal(store_person_store(s, p->id, &ps), CMN_OK);
	return ps;
}

/* a series of 1-second chunks */
static struct series_def def_of(const char *doctype, const char *source, const char *key)
{
	struct series_def d = {0};

	snprintf(d.doctype, sizeof(d.doctype), "%s", doctype);
	snprintf(d.source, sizeof(d.source), "%s", source);
	snprintf(d.key, sizeof(d.key), "%s", key);
	snprintf(d.unit, sizeof(d.unit), "W");
	snprintf(d.tz, sizeof(d.tz), "Europe/Paris");
	d.step = 100;
	d.phase = 0;
	d.span = 1000;
	return d;
}

static void add_series(struct pstore *ps, const char *doctype, const char *source, const char *key,
		       struct series_def *d)
{
	*d = def_of(doctype, source, key);
	assert_int_equal(pstore_series_add(ps, d, "person:me"), CMN_OK);
}

/* chunk - a chunk at start of present points in [start + 10, start + 10 + present) */
static struct chunk_ref chunk(int64_t start, const char *data, uint32_t present)
{
	return (struct chunk_ref){.start = start,
				  .data = (const uint8_t *)data,
				  .len = data ? strlen(data) : 0,
				  .present = present,
				  .t_first = start + 10,
				  .t_last = start + 10 + present};
}

static enum cmn_rc add_action(const struct audit_entry *e, void *ctx)
{
	bk_list_add(ctx, e->action);
	return CMN_OK;
}

/* actions - the actions of the chain's entries after seq `after` */
static void actions(struct pstore *ps, int64_t after, char *out)
{
	out[0] = '\0';
	assert_int_equal(pstore_audit_each(ps, NULL, after, SIZE_MAX, add_action, out), CMN_OK);
}

static enum cmn_rc count_entry(const struct audit_entry *e, void *ctx)
{
	(void)e;
	(*(int64_t *)ctx)++;
	return CMN_OK;
}

static int64_t entries(struct pstore *ps)
{
	int64_t n = 0;

	assert_int_equal(pstore_audit_each(ps, NULL, 0, SIZE_MAX, count_entry, &n), CMN_OK);
	return n;
}

static enum cmn_rc add_series_name(const struct series_def *d, void *ctx)
{
	char name[400];

	snprintf(name, sizeof(name), "%s/%s/%s", d->doctype, d->source, d->key);
	bk_list_add(ctx, name);
	return CMN_OK;
}

struct seen {
	char list[BK_LIST_MAX]; /* the chunks' starts and their bytes */
	int64_t points, t_first, t_last;
};

static enum cmn_rc add_chunk(const struct chunk_ref *c, void *ctx)
{
	struct seen *s = ctx;
	char one[80];

	snprintf(one, sizeof(one), "%lld=%.*s", (long long)c->start, (int)c->len,
		 (const char *)c->data);
	bk_list_add(s->list, one);
	s->points += c->present;
	if (c->present && (s->t_first == INT64_MIN || c->t_first < s->t_first))
		s->t_first = c->t_first;
	if (c->present && (s->t_last == INT64_MIN || c->t_last > s->t_last))
		s->t_last = c->t_last;
	return CMN_OK;
}

/* chunks - the chunks of def that may hold points in [from, to) */
static void chunks(struct pstore *ps, const struct series_def *def, int64_t from, int64_t to,
		   struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->t_first = s->t_last = INT64_MIN;
	assert_int_equal(pstore_chunks_each(ps, def, from, to, add_chunk, s), CMN_OK);
}

/* totals - def's totals, as the store keeps them, match its chunks' */
static void assert_totals(struct pstore *ps, const char *id, int64_t points, int64_t t_first,
			  int64_t t_last)
{
	struct series_def d;

	assert_int_equal(pstore_series_get(ps, id, &d), CMN_OK);
	assert_int_equal(d.points, points);
	assert_int_equal(d.t_first, t_first);
	assert_int_equal(d.t_last, t_last);
	series_def_release(&d);
}

/* ---- series ------------------------------------------------------------------------- */

static void series(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	struct series_def a, c, d, e, got;
	char list[BK_LIST_MAX], meta[] = "{\"name\":\"meter\"}";

	/* text sorted byte by byte: "Energy" before "energy", "K" before "k" */
	add_series(ps, "energy.b", "s", "k2", &a);
	add_series(ps, "energy.b", "s", "K1", &c);
	add_series(ps, "Energy.a", "s", "k", &d);
	e = def_of("energy.b", "a", "k2");
	e.meta = meta;
	assert_int_equal(pstore_series_add(ps, &e, "person:me"), CMN_OK);
	assert_string_not_equal(a.id, c.id);
	assert_int_equal(a.points, 0);
	assert_true(a.t_first == INT64_MIN && a.t_last == INT64_MIN);

	/* the same (doctype, source, key) again */
	got = def_of("energy.b", "s", "k2");
	assert_int_equal(pstore_series_add(ps, &got, "person:me"), CMN_ERR_EXISTS);

	list[0] = '\0';
	assert_int_equal(pstore_series_each(ps, add_series_name, list), CMN_OK);
	assert_string_equal(list, "Energy.a/s/k,energy.b/s/K1,energy.b/a/k2,energy.b/s/k2,");

	assert_int_equal(pstore_series_get(ps, e.id, &got), CMN_OK);
	assert_string_equal(got.id, e.id);
	assert_string_equal(got.doctype, "energy.b");
	assert_string_equal(got.source, "a");
	assert_string_equal(got.key, "k2");
	assert_string_equal(got.unit, "W");
	assert_string_equal(got.tz, "Europe/Paris");
	assert_int_equal(got.step, 100);
	assert_int_equal(got.span, 1000);
	assert_string_equal(got.meta, "{\"name\":\"meter\"}");
	assert_int_equal(got.points, 0);
	assert_true(got.t_first == INT64_MIN && got.t_last == INT64_MIN);
	assert_int_equal(got.created, e.created);
	assert_int_equal(got.updated, e.updated);
	series_def_release(&got);

	assert_int_equal(pstore_series_find(ps, "energy.b", "s", "K1", &got), CMN_OK);
	assert_string_equal(got.id, c.id);
	assert_null(got.meta);
	series_def_release(&got);

	assert_int_equal(pstore_series_find(ps, "energy.b", "s", "k1", &got), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_series_get(ps, "no-such-id", &got), CMN_ERR_NOT_FOUND);

	/* another person sees none of them */
	{
		struct person bob;
		struct pstore *pb = person(b->s, "bob", &bob);

		assert_int_equal(pstore_series_get(pb, a.id, &got), CMN_ERR_NOT_FOUND);
		list[0] = '\0';
		assert_int_equal(pstore_series_each(pb, add_series_name, list), CMN_OK);
		assert_string_equal(list, "");
		/* and may have one of the same name */
		add_series(pb, "energy.b", "s", "k2", &got);
		assert_int_equal(store_person_store(b->s, ann.id, &ps), CMN_OK);
	}

	actions(ps, 0, list);
	assert_string_equal(list, "series.create,series.create,series.create,series.create,");
}

/* ---- chunks ------------------------------------------------------------------------- */

static void chunks_ranges(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	struct series_def d, other;
	struct chunk_ref w[4];
	struct seen s;
	uint8_t *data;
	size_t len;
	char list[BK_LIST_MAX];

	add_series(ps, "energy.load", "enedis", "PRM1", &d);
	add_series(ps, "energy.load", "enedis", "PRM2", &other);
	/* written out of order; the one of other's at the same start stays apart */
	w[0] = chunk(2000, "c2", 4);
	w[1] = chunk(0, "c0", 3);
	w[2] = chunk(3000, "c3", 1);
	w[3] = chunk(1000, "c1", 2);
	assert_int_equal(pstore_chunks_write(ps, d.id, w, 4, "person:me", "series.import", "{}"),
			 CMN_OK);
	w[0] = chunk(1000, "o1", 7);
	assert_int_equal(
	    pstore_chunks_write(ps, other.id, w, 1, "person:me", "series.import", NULL), CMN_OK);
	assert_totals(ps, d.id, 10, 10, 3011);
	assert_totals(ps, other.id, 7, 1010, 1017);

	/* before, at the edge, inside one, overlapping, the last, after */
	chunks(ps, &d, -5000, -1000, &s);
	assert_string_equal(s.list, "");
	chunks(ps, &d, -1000, 0, &s);
	assert_string_equal(s.list, "");
	chunks(ps, &d, -999, 1, &s);
	assert_string_equal(s.list, "0=c0,");
	chunks(ps, &d, 1500, 1600, &s);
	assert_string_equal(s.list, "1000=c1,");
	chunks(ps, &d, 1000, 2000, &s);
	assert_string_equal(s.list, "1000=c1,");
	chunks(ps, &d, 500, 2500, &s);
	assert_string_equal(s.list, "0=c0,1000=c1,2000=c2,");
	chunks(ps, &d, 3999, 5000, &s);
	assert_string_equal(s.list, "3000=c3,");
	chunks(ps, &d, 4000, 9000, &s);
	assert_string_equal(s.list, "");
	chunks(ps, &d, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "0=c0,1000=c1,2000=c2,3000=c3,");
	assert_int_equal(s.points, 10);
	assert_int_equal(s.t_first, 10);
	assert_int_equal(s.t_last, 3011);

	assert_int_equal(pstore_chunk_get(ps, d.id, 2000, &data, &len), CMN_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(data, "c2", 2);
	free(data);
	assert_int_equal(pstore_chunk_get(ps, d.id, 2500, &data, &len), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_chunk_get(ps, "no-such-id", 2000, &data, &len), CMN_ERR_NOT_FOUND);

	/* a chunk replaced, one deleted (no data), one emptied (no point) */
	w[0] = chunk(2000, "C2", 1);
	w[1] = chunk(0, NULL, 0);
	w[2] = chunk(3000, "c3", 0);
	assert_int_equal(pstore_chunks_write(ps, d.id, w, 3, "person:me", "series.edit", "{}"),
			 CMN_OK);
	chunks(ps, &d, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "1000=c1,2000=C2,");
	assert_int_equal(pstore_chunk_get(ps, d.id, 0, &data, &len), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_chunk_get(ps, d.id, 3000, &data, &len), CMN_ERR_NOT_FOUND);
	assert_totals(ps, d.id, 3, 1010, 2011);

	/* every chunk gone: the totals of an empty series */
	w[0] = chunk(1000, NULL, 0);
	w[1] = chunk(2000, NULL, 0);
	assert_int_equal(pstore_chunks_write(ps, d.id, w, 2, "person:me", "series.clear", "{}"),
			 CMN_OK);
	assert_totals(ps, d.id, 0, INT64_MIN, INT64_MIN);
	assert_totals(ps, other.id, 7, 1010, 1017);

	actions(ps, 0, list);
	assert_string_equal(list, "series.create,series.create,series.import,series.import,"
				  "series.edit,series.clear,");
}

/* all or nothing: a write that fails leaves no chunk, no total, no entry */
static void chunks_all_or_nothing(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	struct series_def d, gone = def_of("energy.load", "enedis", "none");
	struct chunk_ref w[2];
	struct seen s;
	uint8_t *data;
	size_t len;
	int64_t before;
	enum cmn_rc rc;

	add_series(ps, "energy.load", "enedis", "PRM1", &d);
	snprintf(gone.id, sizeof(gone.id), "%s", "no-such-series");
	before = entries(ps);

	/* a chunk of a missing series, after a deletion: the foreign key */
	w[0] = chunk(0, NULL, 0);
	w[1] = chunk(1000, "x", 1);
	assert_int_equal(pstore_chunks_write(ps, gone.id, w, 2, "person:me", "series.import", "{}"),
			 CMN_ERR_EXISTS);
	chunks(ps, &gone, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "");
	assert_int_equal(entries(ps), before);

	/* deletions only in a missing series meet no key: written, audited */
	assert_int_equal(pstore_chunks_write(ps, gone.id, w, 1, "person:me", "series.edit", "{}"),
			 CMN_OK);
	assert_int_equal(entries(ps), before + 1);
	before++;

	/* inside a caller's transaction, a write that succeeded goes with the
	 * one that failed */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	w[0] = chunk(0, "a", 1);
	rc = pstore_chunks_write(ps, d.id, w, 1, "person:me", "series.import", "{}");
	assert_int_equal(rc, CMN_OK);
	rc = pstore_chunks_write(ps, gone.id, w, 1, "person:me", "series.import", "{}");
	assert_int_equal(rc, CMN_ERR_EXISTS);
	assert_int_not_equal(pstore_tx_end(ps, rc), CMN_OK);
	assert_int_equal(pstore_chunk_get(ps, d.id, 0, &data, &len), CMN_ERR_NOT_FOUND);
	assert_totals(ps, d.id, 0, INT64_MIN, INT64_MIN);
	assert_int_equal(entries(ps), before);

	/* and a caller's rollback takes back a write of its own */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_chunks_write(ps, d.id, w, 1, "person:me", "series.import", "{}"),
			 CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_CONFLICT), CMN_ERR_CONFLICT);
	chunks(ps, &d, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "");
	assert_totals(ps, d.id, 0, INT64_MIN, INT64_MIN);
	assert_int_equal(entries(ps), before);
}

static void series_delete(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	struct series_def d, other, again;
	struct chunk_ref w[2];
	struct seen s;
	uint8_t *data;
	size_t len;
	char list[BK_LIST_MAX];

	add_series(ps, "energy.load", "enedis", "PRM1", &d);
	add_series(ps, "energy.load", "enedis", "PRM2", &other);
	w[0] = chunk(0, "d0", 1);
	w[1] = chunk(1000, "d1", 1);
	assert_int_equal(pstore_chunks_write(ps, d.id, w, 2, "person:me", "series.import", "{}"),
			 CMN_OK);
	assert_int_equal(
	    pstore_chunks_write(ps, other.id, w, 1, "person:me", "series.import", "{}"), CMN_OK);

	assert_int_equal(pstore_series_delete(ps, d.id, "person:me"), CMN_OK);
	assert_int_equal(pstore_series_get(ps, d.id, &again), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_chunk_get(ps, d.id, 0, &data, &len), CMN_ERR_NOT_FOUND);
	chunks(ps, &d, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "");
	chunks(ps, &other, INT64_MIN, INT64_MAX, &s);
	assert_string_equal(s.list, "0=d0,");
	assert_int_equal(pstore_series_delete(ps, d.id, "person:me"), CMN_ERR_NOT_FOUND);

	/* the name is free again, the new series empty */
	add_series(ps, "energy.load", "enedis", "PRM1", &again);
	assert_totals(ps, again.id, 0, INT64_MIN, INT64_MIN);

	/* a deletion rolled back keeps the series and its chunks */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_series_delete(ps, other.id, "person:me"), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_CONFLICT), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_chunk_get(ps, other.id, 0, &data, &len), CMN_OK);
	free(data);
	assert_totals(ps, other.id, 1, 10, 11);

	actions(ps, 0, list);
	assert_string_equal(list, "series.create,series.create,series.import,series.import,"
				  "series.delete,series.create,");
}

/* a chunk's bytes come back as they went, whatever they are */
static void big_chunk(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	size_t n = 200 * 1024, len;
	uint8_t *bytes = malloc(n), *data;
	struct series_def d;
	struct chunk_ref w;

	assert_non_null(bytes);
	randombytes_buf(bytes, n);
	bytes[0] = 0; /* a NUL and a backslash, which text would mangle */
	bytes[1] = '\\';
	add_series(ps, "energy.load", "enedis", "PRM1", &d);
	w = (struct chunk_ref){
	    .start = 86400000, .data = bytes, .len = n, .present = 48, .t_first = 1, .t_last = 2};
	assert_int_equal(pstore_chunks_write(ps, d.id, &w, 1, "person:me", "series.import", "{}"),
			 CMN_OK);
	assert_int_equal(pstore_chunk_get(ps, d.id, 86400000, &data, &len), CMN_OK);
	assert_int_equal(len, n);
	assert_memory_equal(data, bytes, n);
	free(data);
	free(bytes);
	assert_totals(ps, d.id, 48, 1, 2);
}

/* ---- two writers at once ------------------------------------------------------------ */

#define RACE_ROUNDS 25

struct writer {
	struct store *s;
	const char *person_id, *series_id;
	int64_t offset;            /* of its chunks' starts: each writes its own */
	pthread_barrier_t *rounds; /* both write at once, every round */
	enum cmn_rc rc;
	int checked, bad; /* rounds after which writer 0 compared the totals */
};

/* consistent - whether the totals of the series match its chunks' */
static bool consistent(struct pstore *ps, const char *series_id)
{
	struct series_def d;
	struct seen s;
	bool ok;

	if (pstore_series_get(ps, series_id, &d) != CMN_OK)
		return false;
	memset(&s, 0, sizeof(s));
	s.t_first = s.t_last = INT64_MIN;
	ok = pstore_chunks_each(ps, &d, INT64_MIN, INT64_MAX, add_chunk, &s) == CMN_OK &&
	     d.points == s.points && d.t_first == s.t_first && d.t_last == s.t_last;
	series_def_release(&d);
	return ok;
}

/* writes chunks and deletes one, RACE_ROUNDS times, on its own handle, at
 * once with the other writer; writer 0 then compares the totals */
static void *write_chunks(void *arg)
{
	struct writer *w = arg;
	struct pstore *ps;

	w->rc = store_person_store(w->s, w->person_id, &ps);
	for (int i = 0; i < RACE_ROUNDS; i++) {
		int64_t at = w->offset + (int64_t)(i % 5) * 2000;
		struct chunk_ref c[3] = {chunk(at, "xx", (uint32_t)i + 1),
					 chunk(at + 20000, "yy", 2),
					 chunk(w->offset + (int64_t)((i + 2) % 5) * 2000, NULL, 0)};

		pthread_barrier_wait(w->rounds);
		if (w->rc == CMN_OK)
			w->rc = pstore_chunks_write(ps, w->series_id, c, 3, "person:me",
						    "series.import", "{}");
		pthread_barrier_wait(w->rounds);
		if (w->offset == 0 && w->rc == CMN_OK) {
			w->checked++;
			w->bad += !consistent(ps, w->series_id);
		}
	}
	store_thread_done();
	return NULL;
}

/* two writers at once in one series: the person's lock serialises them,
 * and the totals always match the chunks */
static void chunks_write_race(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	pthread_barrier_t rounds;
	struct series_def d;
	struct writer w[2];
	pthread_t th[2];
	struct seen s;
	int64_t count, bad;

	add_series(ps, "energy.load", "enedis", "PRM1", &d);
	assert_int_equal(pthread_barrier_init(&rounds, NULL, 2), 0);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct writer){.s = b->s,
				       .person_id = ann.id,
				       .series_id = d.id,
				       .offset = i * 1000,
				       .rounds = &rounds};
		assert_int_equal(pthread_create(&th[i], NULL, write_chunks, &w[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].rc, CMN_OK);
	}
	pthread_barrier_destroy(&rounds);
	assert_int_equal(w[0].checked, RACE_ROUNDS);
	assert_int_equal(w[0].bad, 0);
	assert_int_equal(store_person_store(b->s, ann.id, &ps), CMN_OK);
	chunks(ps, &d, INT64_MIN, INT64_MAX, &s);
	assert_true(s.points > 0);
	assert_totals(ps, d.id, s.points, s.t_first, s.t_last);
	assert_int_equal(entries(ps), 1 + 2 * RACE_ROUNDS);
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_int_equal(count, 1 + 2 * RACE_ROUNDS);
}

/* ---- blobs -------------------------------------------------------------------------- */

static void assert_blob(struct pstore *ps, const char *id, const void *want, size_t n)
{
	struct buf out;

	buf_init(&out, (size_t)1 << 30);
	assert_int_equal(pstore_blob_get(ps, id, &out), CMN_OK);
	assert_int_equal(out.len, n);
	if (n)
		assert_memory_equal(out.data, want, n);
	buf_release(&out);
}

static void assert_no_blob(struct pstore *ps, const char *id)
{
	struct buf out;

	buf_init(&out, (size_t)1 << 30);
	assert_int_equal(pstore_blob_get(ps, id, &out), CMN_ERR_NOT_FOUND);
	buf_release(&out);
}

/* sha256_hex - the hex SHA-256 of n bytes, a blob's id */
static const char *sha256_hex(const void *data, size_t n, char out[BLOB_ID_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, n);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return out;
}

static void blobs(void **state)
{
	static const char bill[] = "%PDF-1.4 a bill";
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	char id[BLOB_ID_LEN], id2[BLOB_ID_LEN], empty[BLOB_ID_LEN], want[BLOB_ID_LEN];
	size_t n = 1024 * 1024;
	uint8_t *big = malloc(n);

	/* the same bytes twice: one blob, two references */
	assert_int_equal(pstore_blob_put(ps, bill, sizeof(bill) - 1, id), CMN_OK);
	assert_int_equal(pstore_blob_put(ps, bill, sizeof(bill) - 1, id2), CMN_OK);
	assert_string_equal(id, id2);
	assert_string_equal(id, sha256_hex(bill, sizeof(bill) - 1, want));
	assert_blob(ps, id, bill, sizeof(bill) - 1);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_blob(ps, id, bill, sizeof(bill) - 1);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_no_blob(ps, id);
	assert_int_equal(pstore_blob_release(ps, id), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_blob_sweep(ps, id), CMN_OK);

	/* ids that are not a blob's */
	assert_no_blob(ps, "../../etc/passwd");
	assert_int_equal(pstore_blob_release(ps, "ABC"), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_blob_sweep(ps, "x"), CMN_ERR_NOT_FOUND);

	/* empty, and a megabyte of random bytes */
	assert_int_equal(pstore_blob_put(ps, "", 0, empty), CMN_OK);
	assert_string_equal(empty,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_blob(ps, empty, "", 0);
	assert_non_null(big);
	randombytes_buf(big, n);
	assert_int_equal(pstore_blob_put(ps, big, n, id), CMN_OK);
	assert_blob(ps, id, big, n);
	free(big);
}

/* a release inside a caller's transaction: rolled back, the blob stays;
 * committed, it goes (SQLite's file with pstore_blob_sweep) */
static void blob_release_in_tx(void **state)
{
	static const char slip[] = "payslip";
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps = person(b->s, "ann", &ann);
	char id[BLOB_ID_LEN];

	assert_int_equal(pstore_blob_put(ps, slip, sizeof(slip) - 1, id), CMN_OK);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_CONFLICT), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_blob_sweep(ps, id), CMN_OK);
	assert_blob(ps, id, slip, sizeof(slip) - 1);

	/* still one reference: a second release inside a transaction */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_int_equal(pstore_blob_release(ps, id), CMN_ERR_NOT_FOUND);
	assert_int_not_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_blob(ps, id, slip, sizeof(slip) - 1);

	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_blob_release(ps, id), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(pstore_blob_sweep(ps, id), CMN_OK);
	assert_no_blob(ps, id);

	/* a put rolled back leaves nothing to read */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	assert_int_equal(pstore_blob_put(ps, slip, sizeof(slip) - 1, id), CMN_OK);
	assert_int_equal(pstore_tx_end(ps, CMN_ERR_CONFLICT), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_blob_sweep(ps, id), CMN_OK);
	assert_no_blob(ps, id);
}

/* a person's blobs are theirs: another's same bytes are another blob */
static void blob_of_another(void **state)
{
	static const char bill[] = "a bill";
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *pa = person(b->s, "ann", &ann), *pb;
	char id[BLOB_ID_LEN], id2[BLOB_ID_LEN];

	assert_int_equal(pstore_blob_put(pa, bill, sizeof(bill) - 1, id), CMN_OK);
	pb = person(b->s, "bob", &bob);
	assert_no_blob(pb, id);
	assert_int_equal(pstore_blob_release(pb, id), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_blob_put(pb, bill, sizeof(bill) - 1, id2), CMN_OK);
	assert_string_equal(id, id2);
	assert_int_equal(pstore_blob_sweep(pb, id), CMN_OK);

	/* ann's last reference goes; bob's blob stays */
	assert_int_equal(store_person_store(b->s, ann.id, &pa), CMN_OK);
	assert_int_equal(pstore_blob_release(pa, id), CMN_OK);
	assert_no_blob(pa, id);
	assert_int_equal(store_person_store(b->s, bob.id, &pb), CMN_OK);
	assert_blob(pb, id, bill, sizeof(bill) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(series),        BOTH(chunks_ranges),      BOTH(chunks_all_or_nothing),
	    BOTH(series_delete), BOTH(big_chunk),          BOTH(chunks_write_race),
	    BOTH(blobs),         BOTH(blob_release_in_tx), BOTH(blob_of_another),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
