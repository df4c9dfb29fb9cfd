/*
 * access.h - the log of services' reads: each read under a consent is
 * appended to the person's audit chain and counted on the consent.
 *
 * Writing both at once would cost two database writes per read; the log
 * queues them (bounded: a request waits when it is full, nothing is ever
 * dropped) and one thread writes them in batches every ACCESS_FLUSH_MS:
 * one transaction per person, one audit entry per grant listing each read
 * (when, what, from where), one count per grant. Whoever reads a person's chain or
 * consents first calls access_log_sync, so a person always sees every
 * read served before their request. What a crash of the process loses is
 * the reads of the last ACCESS_FLUSH_MS (docs/consent.md).
 */
#ifndef COMMUNE_CONSENT_ACCESS_H
#define COMMUNE_CONSENT_ACCESS_H

#include <stdint.h>

#include "core/result.h"
#include "store/store.h"

#define ACCESS_FLUSH_MS 20                /* at most this long in the queue */
#define ACCESS_QUEUE_MAX 65536            /* reads waiting to be written */
#define ACCESS_READS_PER_ENTRY 1000       /* reads in one audit entry at most */

struct access_log;

/* access_log_start - starts the writer thread of the log of store s. */
enum cmn_rc access_log_start(struct access_log **out, struct store *s);

/* access_log_add - queues a read of person_id's data under grant_id by
 * its grantee ("service:CLIENT" or "person:ID"; the actor is
 * "GRANTEE/grant:GRANT"), for the grant's DPV purpose: read is the JSON
 * object text of what was read ({"at", "object", "address", ...};
 * copied). Waits while the queue is full. */
enum cmn_rc access_log_add(struct access_log *l, const char *person_id, const char *grant_id,
			   const char *actor, const char *grantee, const char *purpose,
			   const char *read);

/* access_detail - the detail of one audit entry "data.read": the grant, its
 * grantee, the purpose and the n reads (JSON object texts) in order, as
 * JSON text (caller frees), or NULL when out of memory. The log writes one
 * such entry per grant and batch; a read written at once is one of n = 1. */
char *access_detail(const char *grant_id, const char *grantee, const char *purpose,
		    const char *const *reads, size_t n);

/* access_log_sync - returns once every read queued before the call is
 * written (or its write failed, which was logged). */
void access_log_sync(struct access_log *l);

/* access_log_stop - writes what is queued, stops the thread, frees *l and
 * sets it to NULL. */
void access_log_stop(struct access_log **l);

#endif
