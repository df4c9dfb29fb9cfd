/*
 * writer.c - the record writer of an import: a second thread that puts the
 * records a format makes into the person's store while the format goes on
 * reading. Reading, checking and serialising a record and writing it (a
 * row and its index entries) take about as long as each other, so on two
 * cores a file of records imports in about half the time.
 *
 * The format's thread (the reader) queues records; the writer takes them
 * in order, in batches, and is the only thread that touches the store
 * while any is queued or being written. Whatever else uses the store
 * during the import (series points, the import's own row) first drains
 * the queue (import_writer_drain), so the store is never used by two
 * threads at once. The first failure of a write stops the writer: later
 * records are dropped and the reader learns of it at its next put or
 * drain, and the whole import's transaction is rolled back as before.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "import/import.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WRITER_QUEUE 1024 /* records between the two threads: bounded memory */
#define WRITER_TAKE 128   /* records the writer takes at a time, at most */
#define WRITER_MIN 64     /* and at least, unless told to empty the queue */
#define WRITER_BYTES (8u << 20) /* of record text queued, at most (and one record) */

struct import_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* to the writer: records queued, or stop */
	pthread_cond_t room;  /* to the reader: slots freed, or idle */
	struct record_meta meta[WRITER_QUEUE];
	char *text[WRITER_QUEUE];
	size_t head, count;   /* queued records: meta[head], then count - 1 after it */
	size_t bytes;         /* of their texts */
	bool stop;            /* the reader is done: write the rest and end */
	bool flush;           /* the reader waits for the queue to empty */
	enum cmn_rc rc;       /* the first failure of a write */
};

/* write_run - n queued records of one doctype into the store, counted in
 * the job's stats (only the writer thread counts records while it runs) */
static enum cmn_rc write_run(struct import_job *j, struct record_meta *m, char *const *text,
			     size_t n)
{
	size_t added = 0;
	enum cmn_rc rc = pstore_record_insert_many(j->ps, m->doctype, m,
						   (const char *const *)text, n, &added);

	if (rc == CMN_OK) {
		j->stats.records_created += added;
		j->stats.records_duplicate += n - added;
		if (added)
			import_wrote(j, m->doctype);
	}
	return rc;
}

static void *writer_main(void *arg)
{
	struct import_job *j = arg;
	struct import_writer *w = j->writer;

	pthread_setname_np(pthread_self(), "import-writer"); /* in top, perf, gdb */
	pthread_mutex_lock(&w->lock);
	for (;;) {
		size_t from, n, done = 0;
		enum cmn_rc rc;

		/* full statements: it waits for WRITER_MIN records, unless the
		 * reader waits for the queue to empty */
		while (!w->stop && (!w->count || (w->count < WRITER_MIN && !w->flush)))
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->count)
			break; /* stopped, and nothing left */
		/* the queued records up to the end of the ring, at most
		 * WRITER_TAKE: the reader fills the rest of the ring meanwhile */
		from = w->head;
		n = w->count < WRITER_QUEUE - from ? w->count : WRITER_QUEUE - from;
		if (n > WRITER_TAKE)
			n = WRITER_TAKE;
		rc = w->rc;
		pthread_mutex_unlock(&w->lock);
		/* in runs of one doctype */
		for (size_t i = from, run; i < from + n; i += run) {
			run = 1;
			while (i + run < from + n &&
			       strcmp(w->meta[i + run].doctype, w->meta[i].doctype) == 0)
				run++;
			if (rc == CMN_OK)
				rc = write_run(j, &w->meta[i], &w->text[i], run);
		}
		for (size_t i = from; i < from + n; i++) {
			done += strlen(w->text[i]);
			free(w->text[i]);
			w->text[i] = NULL;
		}
		pthread_mutex_lock(&w->lock);
		w->bytes -= done;
		if (w->rc == CMN_OK)
			w->rc = rc;
		w->head = (from + n) % WRITER_QUEUE;
		w->count -= n;
		pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* start - the job's writer, made and started on its first record */
static enum cmn_rc start(struct import_job *j)
{
	/* the ring (390 KB) is read only where written: clearing it was 7 % of
	 * the instructions of a week of a household imported */
	struct import_writer *w = malloc(sizeof(*w));

	if (!w)
		return CMN_ERR_NOMEM;
	w->head = w->count = w->bytes = 0;
	w->stop = w->flush = false;
	w->rc = CMN_OK;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->room, NULL);
	j->writer = w;
	if (pthread_create(&w->thread, NULL, writer_main, j) != 0) {
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		j->writer = NULL;
		return CMN_ERR_NOMEM;
	}
	return CMN_OK;
}

enum cmn_rc import_writer_put(struct import_job *j, const struct record_meta *m, char *text)
{
	struct import_writer *w;
	enum cmn_rc rc;
	size_t len;

	if (!j->writer && start(j) != CMN_OK) {
		/* no second thread: the record is written here */
		struct record_meta one = *m;

		rc = write_run(j, &one, &text, 1);
		free(text);
		return rc;
	}
	w = j->writer;
	len = strlen(text);
	pthread_mutex_lock(&w->lock);
	while ((w->count == WRITER_QUEUE || (w->count && w->bytes + len > WRITER_BYTES)) &&
	       w->rc == CMN_OK) {
		/* the writer may wait for WRITER_MIN records: not when the
		 * bytes fill up first */
		w->flush = true;
		pthread_cond_signal(&w->wake);
		pthread_cond_wait(&w->room, &w->lock);
	}
	w->flush = false;
	rc = w->rc;
	if (rc == CMN_OK) {
		size_t at = (w->head + w->count) % WRITER_QUEUE;

		w->meta[at] = *m;
		w->text[at] = text;
		w->bytes += len;
		text = NULL;
		if (++w->count == WRITER_MIN)
			pthread_cond_signal(&w->wake); /* it waits for fewer only */
	}
	pthread_mutex_unlock(&w->lock);
	free(text);
	return rc;
}

enum cmn_rc import_writer_drain(struct import_job *j)
{
	struct import_writer *w = j->writer;
	enum cmn_rc rc;

	if (!w)
		return CMN_OK;
	pthread_mutex_lock(&w->lock);
	w->flush = true;
	pthread_cond_signal(&w->wake);
	while (w->count)
		pthread_cond_wait(&w->room, &w->lock);
	w->flush = false;
	rc = w->rc;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

enum cmn_rc import_writer_stop(struct import_job *j)
{
	struct import_writer *w = j->writer;
	enum cmn_rc rc;

	if (!w)
		return CMN_OK;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	rc = w->rc;
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	j->writer = NULL;
	return rc;
}
