#define _GNU_SOURCE
/*
 * test_store_backends_misc.c - the imports and the notes of a person's
 * store, and the entries of persons' audit chains that a change of the
 * platform store tells (store_audit_later, store_audit_deliver,
 * store_tx_end_told), each case run on SQLite and on PostgreSQL (a
 * database of its own in the test run's cluster: tests/support/pgtest.h),
 * with the same assertions.
 *
 * The told entries reach the chain by different ways (SQLite keeps them
 * in the platform file and writes them after the commit; PostgreSQL writes
 * them in the chain inside the change's transaction: pg_later.c), so the
 * cases assert what both give: after the commit, and a delivery, the entry
 * is in the chain once; after a rollback it is not; no other connection
 * sees it before the commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include "backends.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "store/store.h"

/* ---- helpers ------------------------------------------------------------------------ */

static void add_person(struct store *s, const char *handle, struct person *p)
{
	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash", p), CMN_OK);
}

static struct pstore *store_of(struct store *s, const char *person_id)
{
	struct pstore *ps = NULL;

	assert_int_equal(store_person_store(s, person_id, &ps), CMN_OK);
	return ps;
}

/* the entries of a chain that one case looks at */
struct tally {
	const char *object; /* NULL: any */
	int n;
	int64_t at; /* of the last one counted */
	char actions[BK_LIST_MAX];
	char detail[64]; /* of the last one counted */
};

static enum cmn_rc tally_entry(const struct audit_entry *e, void *ctx)
{
	struct tally *t = ctx;

	if (t->object && strcmp(e->object, t->object) != 0)
		return CMN_OK;
	t->n++;
	t->at = e->at;
	bk_list_add(t->actions, e->action);
	snprintf(t->detail, sizeof(t->detail), "%s", e->detail);
	return CMN_OK;
}

/* chain - person_id's entries with action (NULL: any) on object (NULL:
 * any), counted into *t, read on this thread's connection */
static void chain(struct store *s, const char *person_id, const char *action, const char *object,
		  struct tally *t)
{
	struct audit_filter f = {action, NULL, NULL, 0, INT64_MAX};

	memset(t, 0, sizeof(*t));
	t->object = object;
	assert_int_equal(pstore_audit_each(store_of(s, person_id), &f, 0, 100000, tally_entry, t),
			 CMN_OK);
}

/* entries - how many entries person_id's chain has with action */
static int entries(struct store *s, const char *person_id, const char *action)
{
	struct tally t;

	chain(s, person_id, action, NULL, &t);
	return t.n;
}

/* chain_intact - the chain recomputes, with count entries */
static void chain_intact(struct store *s, const char *person_id, int64_t count)
{
	int64_t n, bad;

	assert_int_equal(pstore_audit_verify(store_of(s, person_id), &n, &bad), CMN_OK);
	assert_int_equal(n, count);
	assert_int_equal(bad, 0);
}

/* ---- imports ------------------------------------------------------------------------ */

static enum cmn_rc list_import(const char *json, void *ctx)
{
	json_t *o = json_loads(json, 0, NULL);

	assert_non_null(o);
	bk_list_add(ctx, json_string_value(json_object_get(o, "id")));
	json_decref(o);
	return CMN_OK;
}

static void list_imports(struct pstore *ps, const char *actor, char *out)
{
	out[0] = '\0';
	assert_int_equal(pstore_import_each(ps, actor, list_import, out), CMN_OK);
}

static enum cmn_rc stop_at_first(const char *json, void *ctx)
{
	(void)json;
	++*(int *)ctx;
	return CMN_ERR_GONE;
}

static void imports(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct pstore *ps;
	char list[BK_LIST_MAX], *json = NULL;
	json_t *o;
	int64_t before = time_now_ms(), created;
	int calls = 0;

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	ps = store_of(b->s, ann.id);
	assert_int_equal(pstore_import_put(ps, "imp-a", "enedis_csv", "conso.csv", "aa11",
					   "running", "{}", "person:ann"),
			 CMN_OK);
	assert_int_equal(pstore_import_put(ps, "imp-b", "ofx", "bank.ofx", "bb22", "done",
					   "{\"records\":3}", "mediator:m1"),
			 CMN_OK);
	assert_int_equal(
	    pstore_import_put(ps, "imp-c", "ofx", "old.ofx", "cc33", "done", "{}", NULL), CMN_OK);
	/* an update changes the status and the counts only: not its place
	 * among the others, nor who made it */
	assert_int_equal(pstore_import_put(ps, "imp-a", "other", "other.csv", "ff", "done",
					   "{\"records\":12,\"skipped\":1}", "mediator:m1"),
			 CMN_OK);

	assert_int_equal(pstore_import_get(ps, "imp-a", NULL, &json), CMN_OK);
	o = json_loads(json, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "imp-a");
	assert_string_equal(json_string_value(json_object_get(o, "format")), "enedis_csv");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "conso.csv");
	assert_string_equal(json_string_value(json_object_get(o, "sha256")), "aa11");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(o, "by")), "person:ann");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "stats"), "records")), 12);
	assert_int_equal(
	    time_parse(json_string_value(json_object_get(o, "created")), false, &created), CMN_OK);
	assert_true(created >= before && created <= time_now_ms());
	json_decref(o);
	free(json);
	json = NULL;

	/* newest first; of the same millisecond, the last made first */
	list_imports(ps, NULL, list);
	assert_string_equal(list, "imp-c,imp-b,imp-a,");
	list_imports(ps, "mediator:m1", list);
	assert_string_equal(list, "imp-b,");
	list_imports(ps, "", list);
	assert_string_equal(list, "imp-c,");
	list_imports(ps, "mediator:m2", list);
	assert_string_equal(list, "");
	/* fn's result stops the walk and is returned */
	assert_int_equal(pstore_import_each(ps, NULL, stop_at_first, &calls), CMN_ERR_GONE);
	assert_int_equal(calls, 1);

	/* another actor's import is not found, as one that does not exist */
	assert_int_equal(pstore_import_get(ps, "imp-a", "mediator:m1", &json), CMN_ERR_NOT_FOUND);
	assert_null(json);
	assert_int_equal(pstore_import_get(ps, "imp-b", "mediator:m1", &json), CMN_OK);
	assert_non_null(strstr(json, "\"by\":\"mediator:m1\""));
	free(json);
	json = NULL;
	assert_int_equal(pstore_import_get(ps, "imp-z", NULL, &json), CMN_ERR_NOT_FOUND);

	/* never an import shown without its counts */
	assert_int_equal(
	    pstore_import_put(ps, "imp-d", "ofx", "x.ofx", "dd", "failed", "not json", NULL),
	    CMN_OK);
	assert_int_equal(pstore_import_get(ps, "imp-d", NULL, &json), CMN_ERR_NOMEM);

	/* bob's store has none of ann's */
	ps = store_of(b->s, bob.id);
	list_imports(ps, NULL, list);
	assert_string_equal(list, "");
	assert_int_equal(pstore_import_get(ps, "imp-b", NULL, &json), CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_import_put(ps, "imp-b", "ofx", "bob.ofx", "ee", "done", "{}", NULL),
			 CMN_OK);
	assert_int_equal(pstore_import_get(ps, "imp-b", NULL, &json), CMN_OK);
	assert_non_null(strstr(json, "\"name\":\"bob.ofx\""));
	free(json);
	json = NULL;
	assert_int_equal(pstore_import_get(store_of(b->s, ann.id), "imp-b", NULL, &json), CMN_OK);
	assert_non_null(strstr(json, "\"name\":\"bank.ofx\""));
	free(json);
}

/* the imports newest first: their ids are i<N-1>, ..., i1, i0 */
static enum cmn_rc newest_first(const char *json, void *ctx)
{
	int *next = ctx;
	json_t *o = json_loads(json, 0, NULL);
	char want[16];

	assert_non_null(o);
	snprintf(want, sizeof(want), "i%d", --*next);
	assert_string_equal(json_string_value(json_object_get(o, "id")), want);
	json_decref(o);
	return CMN_OK;
}

/* imports made in the same millisecond come the last made first */
static void imports_order(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	int64_t prev = 0;
	int n = 0, ties = 0;

	add_person(b->s, "ann", &ann);
	ps = store_of(b->s, ann.id);
	/* until several pairs were surely made in one millisecond: each
	 * made within the millisecond the previous one ended in */
	while (n < 500 && ties < 8) {
		char id[16];
		int64_t t0 = time_now_ms(), t1;

		snprintf(id, sizeof(id), "i%d", n++);
		assert_int_equal(
		    pstore_import_put(ps, id, "ofx", "f.ofx", "aa", "done", "{}", NULL), CMN_OK);
		t1 = time_now_ms();
		ties += t0 == prev && t1 == t0;
		prev = t1;
	}
	assert_int_equal(ties, 8);
	assert_int_equal(pstore_import_each(ps, NULL, newest_first, &n), CMN_OK);
	assert_int_equal(n, 0);
}

/* ---- notes -------------------------------------------------------------------------- */

#define GRANT1 "11111111111111111111111111111111"
#define GRANT2 "22222222222222222222222222222222"

static struct note note_of(const char *grant_id, const char *author, const char *name,
			   const char *text)
{
	struct note n = {0};

	snprintf(n.grant_id, sizeof(n.grant_id), "%s", grant_id);
	snprintf(n.author, sizeof(n.author), "%s", author);
	snprintf(n.author_name, sizeof(n.author_name), "%s", name);
	n.text = text;
	return n;
}

/* the notes of a share as "author_name:text," and their ids */
struct seen {
	char list[BK_LIST_MAX];
	char ids[8][CRYPT_UUID_LEN];
	int64_t at[8];
	int n;
};

static enum cmn_rc see_note(const struct note *n, void *ctx)
{
	struct seen *v = ctx;
	char item[128];

	snprintf(item, sizeof(item), "%.60s:%.60s", n->author_name, n->text);
	bk_list_add(v->list, item);
	if (v->n < 8) {
		snprintf(v->ids[v->n], CRYPT_UUID_LEN, "%s", n->id);
		v->at[v->n] = n->at;
	}
	v->n++;
	return CMN_OK;
}

static void see_notes(struct pstore *ps, const char *grant_id, struct seen *v)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(pstore_notes_each(ps, grant_id, see_note, v), CMN_OK);
}

static enum cmn_rc count_note(const struct note *n, void *ctx)
{
	(void)n;
	++*(int *)ctx;
	return CMN_OK;
}

static int notes_on(struct pstore *ps, const char *grant_id)
{
	int n = 0;

	assert_int_equal(pstore_notes_each(ps, grant_id, count_note, &n), CMN_OK);
	return n;
}

static void notes(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, worker;
	struct pstore *ps;
	struct note n1, n2, n3, n4, quiet, big;
	struct seen v;
	struct tally t;
	char object[96], *long_text;
	int64_t before = time_now_ms();

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "worker", &worker);
	ps = store_of(b->s, ann.id);
	n1 = note_of(GRANT1, worker.id, "worker (City)", "first");
	n2 = note_of(GRANT1, ann.id, "ann", "second, a reply");
	n3 = note_of(GRANT2, worker.id, "worker (City)", "elsewhere");
	n4 = note_of(GRANT1, worker.id, "worker (City)", "third");
	assert_int_equal(pstore_note_add(ps, &n1, "person:worker"), CMN_OK);
	assert_int_equal(pstore_note_add(ps, &n2, "person:ann"), CMN_OK);
	assert_int_equal(pstore_note_add(ps, &n3, "person:worker"), CMN_OK);
	assert_int_equal(pstore_note_add(ps, &n4, "person:worker"), CMN_OK);
	assert_int_equal(strlen(n1.id), 36);
	assert_string_not_equal(n1.id, n2.id);
	assert_true(n1.at >= before && n4.at >= n1.at && n4.at <= time_now_ms());

	/* oldest first, of the same millisecond in the order written */
	see_notes(ps, GRANT1, &v);
	assert_string_equal(v.list, "worker (City):first,ann:second, a reply,worker (City):third,");
	assert_string_equal(v.ids[0], n1.id);
	assert_string_equal(v.ids[1], n2.id);
	assert_string_equal(v.ids[2], n4.id);
	assert_int_equal(v.at[0], n1.at);
	see_notes(ps, GRANT2, &v);
	assert_string_equal(v.list, "worker (City):elsewhere,");
	see_notes(ps, "33333333333333333333333333333333", &v);
	assert_string_equal(v.list, "");
	/* another person's store has none of them */
	see_notes(store_of(b->s, bob.id), GRANT1, &v);
	assert_string_equal(v.list, "");
	ps = store_of(b->s, ann.id);

	/* the chain says who wrote on which share, and how much: not what */
	snprintf(object, sizeof(object), "share/%s/note/%s", GRANT1, n2.id);
	chain(b->s, ann.id, "note.create", object, &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.detail, "{\"bytes\":15}");
	assert_int_equal(entries(b->s, ann.id, "note.create"), 4);

	/* no actor: the note, without an entry */
	quiet = note_of(GRANT2, worker.id, "worker (City)", "unaudited");
	assert_int_equal(pstore_note_add(ps, &quiet, NULL), CMN_OK);
	assert_int_equal(notes_on(ps, GRANT2), 2);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 4);
	ps = store_of(b->s, ann.id);

	/* too long: refused, nothing written */
	long_text = malloc(NOTE_TEXT_MAX + 2);
	assert_non_null(long_text);
	memset(long_text, 'x', NOTE_TEXT_MAX + 1);
	long_text[NOTE_TEXT_MAX + 1] = '\0';
	big = note_of(GRANT1, worker.id, "worker (City)", long_text);
	assert_int_equal(pstore_note_add(ps, &big, "person:worker"), CMN_ERR_INVALID);
	long_text[NOTE_TEXT_MAX] = '\0'; /* the longest there may be */
	assert_int_equal(pstore_note_add(ps, &big, "person:worker"), CMN_OK);
	free(long_text);
	assert_int_equal(notes_on(ps, GRANT1), 4);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 5);
	ps = store_of(b->s, ann.id);

	/* only its author deletes a note, on its share */
	assert_int_equal(pstore_note_delete(ps, GRANT1, n1.id, ann.id, "person:ann"),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_note_delete(ps, GRANT2, n1.id, worker.id, "person:worker"),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(pstore_note_delete(ps, GRANT1, "no-such-note", worker.id, "person:worker"),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(entries(b->s, ann.id, "note.delete"), 0);
	ps = store_of(b->s, ann.id);
	assert_int_equal(pstore_note_delete(ps, GRANT1, n1.id, worker.id, "person:worker"), CMN_OK);
	assert_int_equal(pstore_note_delete(ps, GRANT1, n1.id, worker.id, "person:worker"),
			 CMN_ERR_NOT_FOUND);
	see_notes(ps, GRANT1, &v);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.ids[0], n2.id);
	snprintf(object, sizeof(object), "share/%s/note/%s", GRANT1, n1.id);
	chain(b->s, ann.id, "note.delete", object, &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.detail, "");
	assert_int_equal(entries(b->s, ann.id, "note.delete"), 1);

	/* a deletion without an actor leaves no entry */
	assert_int_equal(
	    pstore_note_delete(store_of(b->s, ann.id), GRANT2, quiet.id, worker.id, NULL), CMN_OK);
	assert_int_equal(entries(b->s, ann.id, "note.delete"), 1);
	chain_intact(b->s, ann.id, 6);
}

/* the notes of a share in the order written: their texts are 0, 1, 2... */
static enum cmn_rc in_order(const struct note *n, void *ctx)
{
	int *next = ctx;
	char want[16];

	snprintf(want, sizeof(want), "%d", *next);
	assert_string_equal(n->text, want);
	++*next;
	return CMN_OK;
}

/* notes written in the same millisecond come in the order written (not
 * by id, whose random part does not follow it) */
static void notes_order(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	char texts[NOTES_MAX][16];
	int64_t prev = 0;
	int n = 0, ties = 0, next = 0;

	add_person(b->s, "ann", &ann);
	ps = store_of(b->s, ann.id);
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	/* until several notes share a millisecond */
	while (n < NOTES_MAX && ties < 8) {
		struct note x;

		snprintf(texts[n], sizeof(texts[n]), "%d", n);
		x = note_of(GRANT1, "author", "author", texts[n]);
		assert_int_equal(pstore_note_add(ps, &x, NULL), CMN_OK);
		ties += x.at == prev;
		prev = x.at;
		n++;
	}
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
	assert_int_equal(ties, 8);
	assert_int_equal(pstore_notes_each(ps, GRANT1, in_order, &next), CMN_OK);
	assert_int_equal(next, n);
}

/* fill - adds n notes to grant_id of ps, in one transaction */
static void fill(struct pstore *ps, const char *grant_id, int n)
{
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	for (int i = 0; i < n; i++) {
		struct note x = note_of(grant_id, "author", "author", "filler");

		assert_int_equal(pstore_note_add(ps, &x, NULL), CMN_OK);
	}
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_OK);
}

static void notes_max(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct pstore *ps;
	struct note last, over, other;
	struct seen v;

	add_person(b->s, "ann", &ann);
	ps = store_of(b->s, ann.id);
	fill(ps, GRANT1, NOTES_MAX - 1);
	last = note_of(GRANT1, "author", "author", "the last one");
	assert_int_equal(pstore_note_add(ps, &last, "person:author"), CMN_OK);
	assert_int_equal(notes_on(ps, GRANT1), NOTES_MAX);

	/* full: refused, nothing written, not even in the chain */
	over = note_of(GRANT1, "author", "author", "one too many");
	assert_int_equal(pstore_note_add(ps, &over, "person:author"), CMN_ERR_CONFLICT);
	assert_int_equal(notes_on(ps, GRANT1), NOTES_MAX);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 1);
	ps = store_of(b->s, ann.id);

	/* inside a transaction of the caller's, the refusal fails it all:
	 * the note on another share made before it is gone too */
	assert_int_equal(pstore_tx_begin(ps), CMN_OK);
	other = note_of(GRANT2, "author", "author", "another share");
	assert_int_equal(pstore_note_add(ps, &other, "person:author"), CMN_OK);
	assert_int_equal(pstore_note_add(ps, &over, "person:author"), CMN_ERR_CONFLICT);
	assert_int_equal(pstore_tx_end(ps, CMN_OK), CMN_ERR_CONFLICT);
	assert_int_equal(notes_on(ps, GRANT2), 0);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 1);
	ps = store_of(b->s, ann.id);

	/* another share has room; and one deleted makes room for one */
	assert_int_equal(pstore_note_add(ps, &other, "person:author"), CMN_OK);
	assert_int_equal(pstore_note_delete(ps, GRANT1, last.id, "author", "person:author"),
			 CMN_OK);
	assert_int_equal(pstore_note_add(ps, &over, "person:author"), CMN_OK);
	assert_int_equal(pstore_note_add(ps, &last, "person:author"), CMN_ERR_CONFLICT);
	see_notes(ps, GRANT2, &v);
	assert_string_equal(v.list, "author:another share,");
	assert_int_equal(notes_on(ps, GRANT1), NOTES_MAX);
	chain_intact(b->s, ann.id, 4);
}

/* ---- notes at once ------------------------------------------------------------------ */

/* a writer of a note on another thread: with hold_ms, it keeps its
 * transaction open that long after the note, before committing */
struct writer {
	struct store *s;
	const char *person_id;
	int hold_ms;
	pthread_barrier_t *start; /* or NULL */
	sem_t written;            /* posted once the note is written, uncommitted */
	enum cmn_rc rc;
};

static void *write_note(void *arg)
{
	struct writer *w = arg;
	struct pstore *ps;
	struct note n = note_of(GRANT1, "author", "author", "at once");
	enum cmn_rc rc = store_person_store(w->s, w->person_id, &ps);

	if (w->start)
		pthread_barrier_wait(w->start);
	if (rc == CMN_OK && w->hold_ms > 0) {
		rc = pstore_tx_begin(ps);
		if (rc == CMN_OK) {
			rc = pstore_note_add(ps, &n, "person:author");
			sem_post(&w->written);
			usleep((useconds_t)w->hold_ms * 1000);
			rc = pstore_tx_end(ps, rc);
		} else {
			sem_post(&w->written);
		}
	} else if (rc == CMN_OK) {
		rc = pstore_note_add(ps, &n, "person:author");
	}
	w->rc = rc;
	store_thread_done();
	return NULL;
}

/* the last place of a share, wanted by two writers at once: one gets it,
 * the other is refused. First a writer holds its transaction open after
 * its note (the other must wait for it, then find the share full: had it
 * counted before the first committed, both would have got it); then both
 * start together. */
static void notes_race(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct writer w1, w2;
	pthread_t t1, t2;
	pthread_barrier_t start;
	struct note mine;
	struct seen v;
	enum cmn_rc rc;

	add_person(b->s, "ann", &ann);
	fill(store_of(b->s, ann.id), GRANT1, NOTES_MAX - 1);

	w1 = (struct writer){.s = b->s, .person_id = ann.id, .hold_ms = 300};
	assert_int_equal(sem_init(&w1.written, 0, 0), 0);
	assert_int_equal(pthread_create(&t1, NULL, write_note, &w1), 0);
	sem_wait(&w1.written);
	mine = note_of(GRANT1, "author", "author", "mine");
	rc = pstore_note_add(store_of(b->s, ann.id), &mine, "person:author");
	assert_int_equal(pthread_join(t1, NULL), 0);
	sem_destroy(&w1.written);
	assert_int_equal(w1.rc, CMN_OK);
	assert_int_equal(rc, CMN_ERR_CONFLICT);
	assert_int_equal(notes_on(store_of(b->s, ann.id), GRANT1), NOTES_MAX);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 1);

	/* room for one again; two writers started together */
	see_notes(store_of(b->s, ann.id), GRANT1, &v);
	assert_int_equal(
	    pstore_note_delete(store_of(b->s, ann.id), GRANT1, v.ids[0], "author", NULL), CMN_OK);
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	w1 = (struct writer){.s = b->s, .person_id = ann.id, .start = &start};
	w2 = (struct writer){.s = b->s, .person_id = ann.id, .start = &start};
	assert_int_equal(pthread_create(&t1, NULL, write_note, &w1), 0);
	assert_int_equal(pthread_create(&t2, NULL, write_note, &w2), 0);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	pthread_barrier_destroy(&start);
	assert_true((w1.rc == CMN_OK && w2.rc == CMN_ERR_CONFLICT) ||
		    (w1.rc == CMN_ERR_CONFLICT && w2.rc == CMN_OK));
	assert_int_equal(notes_on(store_of(b->s, ann.id), GRANT1), NOTES_MAX);
	assert_int_equal(entries(b->s, ann.id, "note.create"), 2);
	chain_intact(b->s, ann.id, 2);
}

/* ---- entries told by changes of the platform store ---------------------------------- */

/* delivered - store_audit_deliver of person_id (NULL: everyone's), which
 * writes what was not in the chains yet: on SQLite every entry kept, on
 * PostgreSQL none (each is there since its commit). Either way, *written
 * is how many of the wanted entries were missing before. */
static void delivered(struct store *s, const char *person_id, size_t *written)
{
	size_t n = 99;

	assert_int_equal(store_audit_deliver(s, person_id, &n), CMN_OK);
	if (written)
		*written = n;
}

static void later_commit(void **state)
{
	struct bk *b = *state;
	struct person ann;
	struct tally t;
	size_t written;
	int64_t t0, t1;
	int before;

	add_person(b->s, "ann", &ann);

	/* kept in the transaction of a change, dated when it was told */
	t0 = time_now_ms();
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, ann.id, "professional"), CMN_OK);
	assert_int_equal(store_audit_later(b->s, ann.id, "admin:root", "account.role", "person/ann",
					   "{\"role\":\"professional\"}"),
			 CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	t1 = time_now_ms();
	usleep(20 * 1000);
	before = entries(b->s, ann.id, "account.role");
	assert_true(before == 0 || before == 1);
	delivered(b->s, ann.id, &written);
	assert_int_equal(written, (size_t)(1 - before));
	chain(b->s, ann.id, "account.role", NULL, &t);
	assert_int_equal(t.n, 1);
	assert_true(t.at >= t0 && t.at <= t1);
	assert_string_equal(t.detail, "{\"role\":\"professional\"}");
	/* once: a second delivery has nothing */
	delivered(b->s, ann.id, &written);
	assert_int_equal(written, 0);
	assert_int_equal(entries(b->s, ann.id, "account.role"), 1);

	/* told at the end of the change's transaction: in the chain after
	 * its commit, with no delivery asked */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, ann.id, "resident"), CMN_OK);
	assert_int_equal(store_tx_end_told(b->s, CMN_OK, ann.id, "admin:root", "account.role",
					   "person/ann", NULL),
			 CMN_OK);
	chain(b->s, ann.id, NULL, "person/ann", &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.actions, "account.role,account.role,");
	assert_string_equal(t.detail, "");
	delivered(b->s, NULL, &written);
	assert_int_equal(written, 0);
	assert_int_equal(entries(b->s, ann.id, "account.role"), 2);
	chain_intact(b->s, ann.id, 2);
}

static void later_rollback(void **state)
{
	struct bk *b = *state;
	struct person ann, p;

	add_person(b->s, "ann", &ann);

	/* kept, then the change rolled back: the entry goes with it */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, ann.id, "professional"), CMN_OK);
	assert_int_equal(
	    store_audit_later(b->s, ann.id, "admin:root", "account.role", "person/ann", ""),
	    CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	delivered(b->s, ann.id, NULL);
	delivered(b->s, NULL, NULL);
	assert_int_equal(entries(b->s, ann.id, "account.role"), 0);
	assert_int_equal(store_person_by_id(b->s, ann.id, &p, NULL), CMN_OK);
	assert_string_equal(p.role, "resident");

	/* a change that failed is not told */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, ann.id, "professional"), CMN_OK);
	assert_int_equal(store_tx_end_told(b->s, CMN_ERR_INVALID, ann.id, "admin:root",
					   "account.role", "person/ann", ""),
			 CMN_ERR_INVALID);
	delivered(b->s, NULL, NULL);
	assert_int_equal(entries(b->s, ann.id, "account.role"), 0);
	assert_int_equal(store_person_by_id(b->s, ann.id, &p, NULL), CMN_OK);
	assert_string_equal(p.role, "resident");
	chain_intact(b->s, ann.id, 0);
}

/* a reader of a chain on another thread (another connection) */
struct reader {
	struct store *s;
	const char *person_id, *action;
	int n;
};

static void *read_chain(void *arg)
{
	struct reader *r = arg;

	r->n = entries(r->s, r->person_id, r->action);
	store_thread_done();
	return NULL;
}

/* others - how many entries with action another connection sees in
 * person_id's chain */
static int others(struct store *s, const char *person_id, const char *action)
{
	struct reader r = {s, person_id, action, -1};
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, read_chain, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	return r.n;
}

static void later_nested(void **state)
{
	struct bk *b = *state;
	struct person ann, bob;
	struct tally t;
	size_t written;
	int before;

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);

	/* told inside another transaction: nobody else sees it before the
	 * outermost commits; then it is in the chain once, before the
	 * outermost's own */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_person_set_role(b->s, ann.id, "professional"), CMN_OK);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, ann.id, "admin:root", "inner.told", "person/ann", ""),
	    CMN_OK);
	assert_int_equal(others(b->s, ann.id, "inner.told"), 0);
	assert_int_equal(store_person_set_disabled(b->s, ann.id, true), CMN_OK);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, ann.id, "admin:root", "outer.told", "person/ann", ""),
	    CMN_OK);
	chain(b->s, ann.id, NULL, "person/ann", &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.actions, "inner.told,outer.told,");
	assert_int_equal(others(b->s, ann.id, "inner.told"), 1);
	delivered(b->s, NULL, &written);
	assert_int_equal(written, 0);
	assert_int_equal(entries(b->s, ann.id, "inner.told"), 1);

	/* another person's entry told inside: after the outermost's commit
	 * it is in their chain once the next delivery is made */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, bob.id, "admin:root", "inner.told", "person/bob", ""),
	    CMN_OK);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, ann.id, "admin:root", "outer.told", "person/ann", ""),
	    CMN_OK);
	assert_int_equal(entries(b->s, ann.id, "outer.told"), 2);
	before = entries(b->s, bob.id, "inner.told");
	assert_true(before == 0 || before == 1);
	delivered(b->s, bob.id, &written);
	assert_int_equal(written, (size_t)(1 - before));
	assert_int_equal(entries(b->s, bob.id, "inner.told"), 1);

	/* told inside, then the outermost rolled back: in no chain */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, bob.id, "admin:root", "undone.told", "person/bob", ""),
	    CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_ERR_INVALID), CMN_ERR_INVALID);
	delivered(b->s, NULL, NULL);
	assert_int_equal(entries(b->s, bob.id, "undone.told"), 0);

	/* an inner part failed: the outermost's own is not told either */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(store_tx_end_told(b->s, CMN_ERR_INVALID, bob.id, "admin:root",
					   "undone.told", "person/bob", ""),
			 CMN_ERR_INVALID);
	assert_int_equal(
	    store_tx_end_told(b->s, CMN_OK, bob.id, "admin:root", "undone.told", "person/bob", ""),
	    CMN_ERR_CONFLICT);
	delivered(b->s, NULL, NULL);
	assert_int_equal(entries(b->s, bob.id, "undone.told"), 0);
	chain_intact(b->s, ann.id, 3);
	chain_intact(b->s, bob.id, 1);
}

/* the entries of several persons, delivered for everyone at once */
static void later_everyone(void **state)
{
	struct bk *b = *state;
	struct person ann, bob, cat;
	size_t written;
	int before;

	add_person(b->s, "ann", &ann);
	add_person(b->s, "bob", &bob);
	add_person(b->s, "cat", &cat);
	/* each entry tells another object: SQLite's delivery writes one of
	 * two entries with the same actor, action and object kept in the
	 * same millisecond (pstore_audit_once compares no detail) */
	assert_int_equal(store_tx_begin(b->s), CMN_OK);
	assert_int_equal(
	    store_audit_later(b->s, ann.id, "admin:root", "bulk.told", "person/ann/1", "1"),
	    CMN_OK);
	assert_int_equal(
	    store_audit_later(b->s, bob.id, "admin:root", "bulk.told", "person/bob/1", "1"),
	    CMN_OK);
	assert_int_equal(
	    store_audit_later(b->s, ann.id, "admin:root", "bulk.told", "person/ann/2", "2"),
	    CMN_OK);
	assert_int_equal(store_tx_end(b->s, CMN_OK), CMN_OK);
	/* kept outside a transaction: stands on its own */
	assert_int_equal(
	    store_audit_later(b->s, bob.id, "admin:root", "bulk.told", "person/bob/2", "2"),
	    CMN_OK);

	before = entries(b->s, ann.id, "bulk.told") + entries(b->s, bob.id, "bulk.told");
	assert_true(before == 0 || before == 4);
	delivered(b->s, NULL, &written);
	assert_int_equal(written, (size_t)(4 - before));
	assert_int_equal(entries(b->s, ann.id, "bulk.told"), 2);
	assert_int_equal(entries(b->s, bob.id, "bulk.told"), 2);
	assert_int_equal(entries(b->s, cat.id, "bulk.told"), 0);
	delivered(b->s, NULL, &written);
	assert_int_equal(written, 0);
	delivered(b->s, ann.id, &written);
	assert_int_equal(written, 0);
	assert_int_equal(entries(b->s, ann.id, "bulk.told"), 2);
	assert_int_equal(entries(b->s, bob.id, "bulk.told"), 2);
	chain_intact(b->s, ann.id, 2);
	chain_intact(b->s, bob.id, 2);
	chain_intact(b->s, cat.id, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(imports),      BOTH(imports_order),  BOTH(notes),        BOTH(notes_order),
	    BOTH(notes_max),    BOTH(notes_race),     BOTH(later_commit), BOTH(later_rollback),
	    BOTH(later_nested), BOTH(later_everyone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
