/*
 * jobs.h - import jobs: files uploaded through the API, imported in the
 * background by a small pool of worker threads, each file on its own and
 * all or nothing (import_file_progress), with its progress readable while
 * it runs.
 *
 * An upload is spooled to files of DATA/uploads/ID/, the pool's own
 * directory (mode 0600, the directories 0700), before a job takes them; the
 * job removes each file once it is imported or refused, and the pool
 * removes its directory when it stops. Several server processes may share
 * a data directory: each holds an flock on DATA/uploads/ID.lock while it
 * runs, and a pool starting removes the spools whose lock nobody holds
 * (their process died) and leaves the others'. The bytes spooled at once
 * are capped (max_spool), per process.
 *
 * Jobs live in the server's memory: a finished job is kept for
 * IMPORT_JOB_KEEP_S (and the IMPORT_JOBS_KEPT newest at most), and is gone
 * after a restart. What a file imported is in the person's store for good,
 * under the file's own import id (import.c, the imports table), which the
 * job names once the file is finished. A job is never "running" after a
 * restart: a file being imported when the process died was rolled back.
 */
#ifndef COMMUNE_IMPORT_JOBS_H
#define COMMUNE_IMPORT_JOBS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/result.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"

#define IMPORT_JOB_FILES_MAX 16           /* files in one job */
#define IMPORT_JOBS_WORKERS 2             /* worker threads, by default */
#define IMPORT_JOBS_QUEUE 16              /* jobs waiting for a worker, by default */
#define IMPORT_JOBS_KEPT 1024             /* jobs in memory; the oldest finished go */
#define IMPORT_JOB_KEEP_S (24 * 3600)     /* a finished job is forgotten after */
#define IMPORT_JOB_WAIT_MAX_S 10          /* a request may wait for its job */
#define IMPORT_JOB_WAITERS_MAX 4          /* requests waiting for jobs at once */
#define IMPORT_JOB_NAME_MAX 256           /* bytes of a file's name, with the NUL */
#define IMPORT_SPOOL_DIR "uploads"        /* under the data directory */
#define IMPORT_SPOOL_PATH_MAX PATH_MAX

struct import_jobs;

struct import_job;

struct import_jobs_config {
	const char *data_dir;             /* the spool is DATA/uploads */
	struct store *store;              /* must outlive the pool */
	const struct registry *reg;       /* must outlive the pool */
	unsigned workers;                 /* threads (0: IMPORT_JOBS_WORKERS) */
	unsigned queue;                   /* jobs waiting at most (0: IMPORT_JOBS_QUEUE) */
	uint64_t max_spool;               /* bytes in spool files at once (0: no cap) */
	/* after each file imported (committed): what the new data wakes, the
	 * apps of the person (set by serve; may be NULL) */
	void (*imported)(void *arg, struct pstore *ps, const char *person_id,
			 const struct import_job *job);
	void *imported_arg;
};

/* A spooled file handed to a job. */
struct import_upload_file {
	char name[IMPORT_JOB_NAME_MAX];   /* the file's name, for the import */
	char path[IMPORT_SPOOL_PATH_MAX]; /* its spool file */
	uint64_t bytes;                   /* its size (as accounted in the spool) */
};

/* import_jobs_start - creates (and empties) the spool directory and starts
 * the workers. */
enum cmn_rc import_jobs_start(struct import_jobs **out, const struct import_jobs_config *cfg);

/* import_jobs_drain - the first step of a stop: new jobs are refused and
 * requests waiting for a job are let go. */
void import_jobs_drain(struct import_jobs *jobs);

/* import_jobs_stop - stops the pool: jobs still waiting fail ("the server
 * stopped"), a running job finishes the file it is importing and fails the
 * rest; then the spool directory is emptied and everything freed. *jobs is
 * set to NULL. No request may use the pool any more. */
void import_jobs_stop(struct import_jobs **jobs);

/* import_jobs_spool_create - a new empty spool file, open for writing in
 * *fd (the caller closes it); path receives its name. */
enum cmn_rc import_jobs_spool_create(struct import_jobs *jobs, char path[IMPORT_SPOOL_PATH_MAX],
				     int *fd);

/* import_jobs_spool_grow - accounts n more spooled bytes; CMN_ERR_BUSY (and
 * nothing accounted) when that would pass max_spool. */
enum cmn_rc import_jobs_spool_grow(struct import_jobs *jobs, uint64_t n);

/* import_jobs_spool_remove - removes a spool file of `bytes` accounted
 * bytes. */
void import_jobs_spool_remove(struct import_jobs *jobs, const char *path, uint64_t bytes);

/* import_jobs_full - true when a job would be refused now (the queue is
 * full, or the pool is stopping). */
bool import_jobs_full(struct import_jobs *jobs);

/*
 * import_jobs_submit - queues a job of n spooled files (1 to
 * IMPORT_JOB_FILES_MAX) for a person; actor is written in the audit chain,
 * format (NULL: detected for each file) applies to every file. On CMN_OK
 * the spool files are the job's, and id receives its id; otherwise they are
 * still the caller's (CMN_ERR_BUSY: the queue is full or the pool stops).
 */
enum cmn_rc import_jobs_submit(struct import_jobs *jobs, const char *person_id, const char *actor,
			       const char *format, const struct import_upload_file *files, size_t n,
			       char id[CRYPT_ID_LEN]);

/* import_jobs_get - the job `id` of a person (made by actor, when actor is
 * not NULL) as JSON (new reference) in *out; CMN_ERR_NOT_FOUND when there
 * is no such job in memory, CMN_ERR_NOMEM when its view cannot be made. */
enum cmn_rc import_jobs_get(struct import_jobs *jobs, const char *person_id, const char *actor,
			    const char *id, json_t **out);

/* import_jobs_list - a person's jobs in memory (only actor's when actor is
 * not NULL), newest first (new reference to an array), or NULL when memory
 * runs out. */
json_t *import_jobs_list(struct import_jobs *jobs, const char *person_id, const char *actor);

/* import_jobs_wait - waits up to ms for the job to finish; true when it
 * has. Returns false at once when IMPORT_JOB_WAITERS_MAX requests already
 * wait, or when the pool drains. */
bool import_jobs_wait(struct import_jobs *jobs, const char *id, unsigned ms);

#endif
