/*
 * access.c - the log of services' reads, written in batches. See access.h.
 */
#include "consent/access.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "store/store_consent.h"

struct access_entry {
	char person_id[CRYPT_ID_LEN];
	char grant_id[CRYPT_ID_LEN];
	char grantee[48];                 /* "service:CLIENT" or "person:ID" */
	char purpose[48];
	char *actor, *read;               /* owned */
	size_t order;                     /* arrival, kept within a person and grant */
};

struct access_log {
	struct store *s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;              /* the writer: something to write, or hurry */
	pthread_cond_t room;              /* writers of the queue: room again */
	pthread_cond_t done;              /* sync: a batch is written */
	struct access_entry *q;
	size_t n;
	uint64_t queued, written;         /* reads ever queued, ever written */
	unsigned hurry;                   /* syncs waiting: write without delay */
	bool stop;
};

static void entry_free(struct access_entry *e)
{
	free(e->actor);
	free(e->read);
}

char *access_detail(const char *grant_id, const char *grantee, const char *purpose,
		    const char *const *reads, size_t n)
{
	struct buf b;

	/* the reads are JSON objects already: joined, not parsed again; the
	 * ids and the purpose are [0-9a-zA-Z:] (grant.c, crypt_id_new) */
	buf_init(&b, (size_t)1 << 30);
	buf_printf(&b, "{\"consent\":\"%s\",\"grantee\":\"%s\",\"purpose\":\"%s\",\"reads\":[",
		   grant_id, grantee, purpose);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, ",");
		buf_puts(&b, reads[i]);
	}
	if (buf_puts(&b, "]}") != CMN_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int by_person_grant(const void *a, const void *b)
{
	const struct access_entry *x = a, *y = b;
	int c = strcmp(x->person_id, y->person_id);

	if (!c)
		c = strcmp(x->grant_id, y->grant_id);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* append_reads - one audit entry for n reads under one grant. */
static enum cmn_rc append_reads(struct pstore *ps, const struct access_entry *e, size_t n)
{
	const char *reads[ACCESS_READS_PER_ENTRY];
	char object[64], *detail;
	enum cmn_rc rc;

	for (size_t i = 0; i < n; i++)
		reads[i] = e[i].read;
	detail = access_detail(e->grant_id, e->grantee, e->purpose, reads, n);
	if (!detail)
		return CMN_ERR_NOMEM;
	snprintf(object, sizeof(object), "consent/%s", e->grant_id);
	rc = pstore_audit_append(ps, e->actor, "data.read", object, detail);
	free(detail);
	return rc;
}

/* write_person - the reads of one person, in one transaction: an entry
 * per grant (and per ACCESS_READS_PER_ENTRY reads). */
static void write_person(struct store *s, const struct access_entry *e, size_t n)
{
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(s, e->person_id, &ps);

	if (rc == CMN_OK)
		rc = pstore_tx_begin(ps);
	if (rc == CMN_OK) {
		size_t i = 0;

		while (i < n && rc == CMN_OK) {
			size_t j = i + 1;

			while (j < n && j - i < ACCESS_READS_PER_ENTRY &&
			       strcmp(e[j].grant_id, e[i].grant_id) == 0)
				j++;
			rc = append_reads(ps, e + i, j - i);
			i = j;
		}
		rc = pstore_tx_end(ps, rc);
	}
	if (rc != CMN_OK)
		log_error("the audit of %zu reads of person %s failed: %s", n, e->person_id,
			  cmn_strerror(rc));
}

/* count_grants - the uses of each grant of a batch sorted by grant within
 * each person: one update per grant and person. */
static void count_grants(struct store *s, const struct access_entry *e, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1;
		enum cmn_rc rc;

		while (j < n && strcmp(e[j].person_id, e[i].person_id) == 0 &&
		       strcmp(e[j].grant_id, e[i].grant_id) == 0)
			j++;
		rc = store_grant_used(s, e[i].grant_id, (int64_t)(j - i), time_now_ms());
		if (rc != CMN_OK && rc != CMN_ERR_NOT_FOUND)
			log_error("counting %zu uses of consent %s failed: %s", j - i, e[i].grant_id,
				  cmn_strerror(rc));
		i = j;
	}
}

static void write_batch(struct store *s, struct access_entry *b, size_t n)
{
	size_t i = 0;

	for (size_t k = 0; k < n; k++)
		b[k].order = k;
	qsort(b, n, sizeof(*b), by_person_grant);
	while (i < n) {
		size_t j = i + 1;

		while (j < n && strcmp(b[j].person_id, b[i].person_id) == 0)
			j++;
		write_person(s, b + i, j - i);
		i = j;
	}
	count_grants(s, b, n);
	for (size_t k = 0; k < n; k++)
		entry_free(&b[k]);
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static void *writer(void *arg)
{
	struct access_log *l = arg;
	struct access_entry *batch = malloc(ACCESS_QUEUE_MAX * sizeof(*batch));

	if (!batch) {
		log_error("the access log cannot start: out of memory");
		return NULL;
	}
	pthread_mutex_lock(&l->lock);
	for (;;) {
		struct timespec until;
		size_t n;

		while (!l->stop && l->n == 0)
			pthread_cond_wait(&l->more, &l->lock);
		if (l->n == 0 && l->stop)
			break;
		/* gather a batch: wait a little unless asked to hurry */
		deadline_in(&until, ACCESS_FLUSH_MS);
		while (!l->stop && !l->hurry && l->n < ACCESS_QUEUE_MAX / 2 &&
		       pthread_cond_timedwait(&l->more, &l->lock, &until) != ETIMEDOUT)
			;
		n = l->n;
		memcpy(batch, l->q, n * sizeof(*batch));
		l->n = 0;
		pthread_cond_broadcast(&l->room);
		pthread_mutex_unlock(&l->lock);
		write_batch(l->s, batch, n);
		pthread_mutex_lock(&l->lock);
		l->written += n;
		pthread_cond_broadcast(&l->done);
	}
	pthread_mutex_unlock(&l->lock);
	free(batch);
	return NULL;
}

enum cmn_rc access_log_start(struct access_log **out, struct store *s)
{
	struct access_log *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l || !(l->q = malloc(ACCESS_QUEUE_MAX * sizeof(*l->q)))) {
		free(l);
		return CMN_ERR_NOMEM;
	}
	l->s = s;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->more, NULL);
	pthread_cond_init(&l->room, NULL);
	pthread_cond_init(&l->done, NULL);
	if (pthread_create(&l->thread, NULL, writer, l) != 0) {
		free(l->q);
		free(l);
		return CMN_ERR_INTERNAL;
	}
	*out = l;
	return CMN_OK;
}

enum cmn_rc access_log_add(struct access_log *l, const char *person_id, const char *grant_id,
			   const char *actor, const char *grantee, const char *purpose,
			   const char *read)
{
	struct access_entry e = {0};

	str_copy(e.person_id, sizeof(e.person_id), person_id);
	str_copy(e.grant_id, sizeof(e.grant_id), grant_id);
	str_copy(e.grantee, sizeof(e.grantee), grantee);
	str_copy(e.purpose, sizeof(e.purpose), purpose);
	e.actor = strdup(actor);
	e.read = strdup(read);
	if (!e.actor || !e.read) {
		entry_free(&e);
		return CMN_ERR_NOMEM;
	}
	pthread_mutex_lock(&l->lock);
	while (l->n == ACCESS_QUEUE_MAX && !l->stop)
		pthread_cond_wait(&l->room, &l->lock);
	if (l->stop) {
		pthread_mutex_unlock(&l->lock);
		entry_free(&e);
		return CMN_ERR_BUSY; /* stopping: the server answers no more */
	}
	l->q[l->n++] = e;
	l->queued++;
	if (l->n == 1)
		pthread_cond_signal(&l->more);
	pthread_mutex_unlock(&l->lock);
	return CMN_OK;
}

void access_log_sync(struct access_log *l)
{
	uint64_t target;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	target = l->queued;
	l->hurry++;
	pthread_cond_signal(&l->more);
	while (l->written < target)
		pthread_cond_wait(&l->done, &l->lock);
	l->hurry--;
	pthread_mutex_unlock(&l->lock);
}

void access_log_stop(struct access_log **lp)
{
	struct access_log *l = *lp;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_broadcast(&l->more);
	pthread_cond_broadcast(&l->room);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	for (size_t i = 0; i < l->n; i++)
		entry_free(&l->q[i]);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->more);
	pthread_cond_destroy(&l->room);
	pthread_cond_destroy(&l->done);
	free(l->q);
	free(l);
	*lp = NULL;
}
