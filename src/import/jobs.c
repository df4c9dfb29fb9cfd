/*
 * jobs.c - the import job pool of jobs.h.
 *
 * One mutex guards everything: the list of jobs (newest first), their
 * files' states, the queue count and the spool's byte count. Workers hold
 * it only to take a job and to publish a file's progress or result; the
 * import itself runs unlocked, on the worker's own store connections. A
 * job is freed only when finished (pruning) or when the pool is stopped
 * after its workers have ended, so a worker's job never goes away under it.
 */
#include "import/jobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonput.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/import.h"

#define IMPORT_JOBS_WORKERS_MAX 64

enum job_status { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

static const char *const status_names[] = {"queued", "running", "done", "failed"};

struct job_file {
	char name[IMPORT_JOB_NAME_MAX];
	char *path;                       /* the spool file; NULL once removed */
	char format[32];                  /* given, detected or used; "" unknown */
	enum job_status status;
	uint64_t bytes_total;
	uint64_t bytes_done;              /* read so far by the importer */
	char import_id[CRYPT_ID_LEN];     /* its row in the imports table, or "" */
	json_t *counts;                   /* import_stats_json once done */
	struct import_error err;          /* why it failed */
};

struct job {
	char id[CRYPT_ID_LEN];
	char person[CRYPT_ID_LEN];
	char actor[128];                 /* "mediator:ID/mandate:ID" is 82 bytes */
	char format[32];                  /* asked for every file, or "" */
	enum job_status status;
	int64_t created, updated;         /* ms since epoch */
	struct job_file *files;
	size_t nfiles;
	struct job *next;                 /* older */
};

struct import_jobs {
	struct import_jobs_config cfg;
	char top[IMPORT_SPOOL_PATH_MAX];   /* DATA/uploads */
	char spool[IMPORT_SPOOL_PATH_MAX]; /* DATA/uploads/ID: this process's */
	char lock[IMPORT_SPOOL_PATH_MAX];  /* DATA/uploads/ID.lock, held while it runs */
	int lock_fd;
	pthread_mutex_t mu;
	pthread_cond_t work;              /* a job was queued, or the pool stops */
	pthread_cond_t changed;           /* a job finished, or the pool drains */
	pthread_t threads[IMPORT_JOBS_WORKERS_MAX];
	unsigned nthreads;
	struct job *jobs;                 /* newest first */
	size_t njobs;
	unsigned nqueued;
	unsigned nwaiters;
	uint64_t spooled;                 /* bytes in spool files */
	bool draining;                    /* no new job; waiters let go */
	bool stopping;                    /* workers end after their file */
};

/* ---- the spool ------------------------------------------------------------ */

/*
 * Several server processes may share a data directory: each spools into a
 * directory of its own, DATA/uploads/ID, and holds an flock on
 * DATA/uploads/ID.lock while it runs. A process starting removes what the
 * gone ones left: a lock it can take has no owner (the kernel let go of it
 * when its process died, however it died). The lock is taken under a
 * temporary name and renamed into place, so a lock file seen is already
 * held; what a crash leaves between the steps (a temporary lock, a
 * directory without its lock) goes once older than SPOOL_ORPHAN_S.
 */
#define SPOOL_ORPHAN_S 60

/* spool_sweep - removes every spool file left in the directory. */
static unsigned spool_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[IMPORT_SPOOL_PATH_MAX];

		if (len < 6 || strcmp(e->d_name + len - 5, ".part") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path) &&
		    unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* old - whether path was last changed SPOOL_ORPHAN_S ago or more */
static bool old(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && time(NULL) - st.st_mtime >= SPOOL_ORPHAN_S;
}

/* spool_reap - in top (DATA/uploads): the spools of processes gone, the
 * leftovers of a crash while one was made, and the files of a version that
 * spooled into top itself; removed */
static void spool_reap(const char *top)
{
	DIR *d = opendir(top);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		size_t len = strlen(name);
		char path[IMPORT_SPOOL_PATH_MAX], dir[IMPORT_SPOOL_PATH_MAX];
		struct stat st;
		int fd;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    snprintf(path, sizeof(path), "%s/%s", top, name) >= (int)sizeof(path))
			continue;
		if (len > 5 && strcmp(name + len - 5, ".part") == 0) {
			n += unlink(path) == 0;
		} else if (len > 5 && strcmp(name + len - 5, ".lock") == 0) {
			if (snprintf(dir, sizeof(dir), "%s/%.*s", top, (int)(len - 5), name) >=
				(int)sizeof(dir) ||
			    (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0) { /* its process is gone */
				n += spool_sweep(dir);
				rmdir(dir);
				unlink(path);
			}
			close(fd);
		} else if (strncmp(name, ".tmp-", 5) == 0 && old(path)) {
			unlink(path);
		} else if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && old(path)) {
			/* a spool without its lock: the lock is renamed in place
			 * right after the directory is made, so it is a crash's */
			if (snprintf(dir, sizeof(dir), "%s.lock", path) < (int)sizeof(dir) &&
			    access(dir, F_OK) != 0) {
				n += spool_sweep(path);
				rmdir(path);
			}
		}
	}
	closedir(d);
	if (n)
		log_info("import spool: removed %u file(s) left by an earlier run", n);
}

/* spool_own - makes this process's spool directory and holds its lock */
static enum cmn_rc spool_own(struct import_jobs *jobs)
{
	char id[CRYPT_ID_LEN], tmp[IMPORT_SPOOL_PATH_MAX];

	crypt_id_new(id);
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", jobs->top, id) >= (int)sizeof(tmp) ||
	    snprintf(jobs->spool, sizeof(jobs->spool), "%s/%s", jobs->top, id) >=
		(int)sizeof(jobs->spool) ||
	    snprintf(jobs->lock, sizeof(jobs->lock), "%s.lock", jobs->spool) >=
		(int)sizeof(jobs->lock))
		return CMN_ERR_IO;
	jobs->lock_fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (jobs->lock_fd < 0 || flock(jobs->lock_fd, LOCK_EX | LOCK_NB) != 0 ||
	    mkdir(jobs->spool, 0700) != 0 || rename(tmp, jobs->lock) != 0) {
		log_error("import spool: cannot make %s: %s", jobs->spool, strerror(errno));
		rmdir(jobs->spool);
		unlink(tmp);
		if (jobs->lock_fd >= 0)
			close(jobs->lock_fd);
		jobs->lock_fd = -1;
		return CMN_ERR_IO;
	}
	return CMN_OK;
}

/* spool_release - empties and removes this process's spool, then its lock */
static void spool_release(struct import_jobs *jobs)
{
	if (jobs->lock_fd < 0)
		return;
	spool_sweep(jobs->spool);
	if (rmdir(jobs->spool) != 0 && errno != ENOENT)
		log_error("import spool: cannot remove %s: %s", jobs->spool, strerror(errno));
	unlink(jobs->lock);
	close(jobs->lock_fd);
	jobs->lock_fd = -1;
}

enum cmn_rc import_jobs_spool_create(struct import_jobs *jobs, char path[IMPORT_SPOOL_PATH_MAX],
				     int *fd)
{
	char id[CRYPT_ID_LEN];

	crypt_id_new(id);
	if (snprintf(path, IMPORT_SPOOL_PATH_MAX, "%s/%s.part", jobs->spool, id) >=
	    IMPORT_SPOOL_PATH_MAX)
		return CMN_ERR_IO;
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0) {
		log_error("import spool: cannot create %s: %s", path, strerror(errno));
		return CMN_ERR_IO;
	}
	return CMN_OK;
}

enum cmn_rc import_jobs_spool_grow(struct import_jobs *jobs, uint64_t n)
{
	enum cmn_rc rc = CMN_OK;

	pthread_mutex_lock(&jobs->mu);
	if (jobs->cfg.max_spool && jobs->spooled + n > jobs->cfg.max_spool)
		rc = CMN_ERR_BUSY;
	else
		jobs->spooled += n;
	pthread_mutex_unlock(&jobs->mu);
	return rc;
}

/* spool_forget - un-accounts bytes (mutex held). */
static void spool_forget(struct import_jobs *jobs, uint64_t bytes)
{
	jobs->spooled -= bytes < jobs->spooled ? bytes : jobs->spooled;
}

void import_jobs_spool_remove(struct import_jobs *jobs, const char *path, uint64_t bytes)
{
	if (path[0] && unlink(path) != 0 && errno != ENOENT)
		log_error("import spool: cannot remove %s: %s", path, strerror(errno));
	pthread_mutex_lock(&jobs->mu);
	spool_forget(jobs, bytes);
	pthread_mutex_unlock(&jobs->mu);
}

/* file_unspool - removes a job file's spool file (mutex held). */
static void file_unspool(struct import_jobs *jobs, struct job_file *f)
{
	if (!f->path)
		return;
	if (unlink(f->path) != 0 && errno != ENOENT)
		log_error("import spool: cannot remove %s: %s", f->path, strerror(errno));
	free(f->path);
	f->path = NULL;
	spool_forget(jobs, f->bytes_total);
}

/* ---- jobs ----------------------------------------------------------------- */

static void job_free(struct import_jobs *jobs, struct job *job)
{
	for (size_t i = 0; i < job->nfiles; i++) {
		file_unspool(jobs, &job->files[i]);
		json_decref(job->files[i].counts);
	}
	free(job->files);
	free(job);
}

static bool finished(const struct job *job)
{
	return job->status == JOB_DONE || job->status == JOB_FAILED;
}

/* prune - forgets finished jobs past their time, and the oldest finished
 * ones while there are too many (mutex held). */
static void prune(struct import_jobs *jobs)
{
	int64_t old = time_now_ms() - (int64_t)IMPORT_JOB_KEEP_S * 1000;
	struct job **pp = &jobs->jobs, **oldest = NULL;

	while (*pp) {
		struct job *j = *pp;

		if (finished(j) && j->updated < old) {
			*pp = j->next;
			job_free(jobs, j);
			jobs->njobs--;
			continue;
		}
		if (finished(j))
			oldest = pp;
		pp = &j->next;
	}
	if (jobs->njobs >= IMPORT_JOBS_KEPT && oldest) {
		struct job *j = *oldest;

		*oldest = j->next;
		job_free(jobs, j);
		jobs->njobs--;
	}
}

static struct job *find(struct import_jobs *jobs, const char *id)
{
	for (struct job *j = jobs->jobs; j; j = j->next)
		if (strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

/* file_fail - a file is refused with a message (mutex held). */
static void file_fail(struct import_jobs *jobs, struct job_file *f, const char *message)
{
	f->status = JOB_FAILED;
	memset(&f->err, 0, sizeof(f->err));
	str_copy(f->err.message, sizeof(f->err.message), message);
	file_unspool(jobs, f);
}

/* job_end - a job's status from its files' (mutex held). */
static void job_end(struct import_jobs *jobs, struct job *job)
{
	job->status = JOB_DONE;
	for (size_t i = 0; i < job->nfiles; i++)
		if (job->files[i].status != JOB_DONE)
			job->status = JOB_FAILED;
	job->updated = time_now_ms();
	pthread_cond_broadcast(&jobs->changed);
}

/* detect - the format a file will be read as: the one asked, else what
 * its first bytes look like; "" when none. */
static void detect(const char *format, const struct import_upload_file *in, char *out, size_t n)
{
	char head[4096];
	size_t got = 0;
	FILE *f;
	const struct import_format *fmt;

	out[0] = '\0';
	if (format) {
		str_copy(out, n, format);
		return;
	}
	f = fopen(in->path, "rb");
	if (!f)
		return;
	got = fread(head, 1, sizeof(head), f);
	fclose(f);
	fmt = import_detect(head, got, in->name, NULL, 0);
	if (fmt)
		str_copy(out, n, fmt->name);
}

enum cmn_rc import_jobs_submit(struct import_jobs *jobs, const char *person_id, const char *actor,
			       const char *format, const struct import_upload_file *files, size_t n,
			       char id[CRYPT_ID_LEN])
{
	struct job *job;
	enum cmn_rc rc = CMN_OK;

	if (n == 0 || n > IMPORT_JOB_FILES_MAX)
		return CMN_ERR_INVALID;
	job = calloc(1, sizeof(*job));
	if (!job)
		return CMN_ERR_NOMEM;
	job->files = calloc(n, sizeof(*job->files));
	if (!job->files) {
		free(job);
		return CMN_ERR_NOMEM;
	}
	crypt_id_new(job->id);
	str_copy(job->person, sizeof(job->person), person_id);
	str_copy(job->actor, sizeof(job->actor), actor);
	str_copy(job->format, sizeof(job->format), format ? format : "");
	job->created = job->updated = time_now_ms();
	job->nfiles = n;
	for (size_t i = 0; i < n; i++) {
		struct job_file *f = &job->files[i];

		str_copy(f->name, sizeof(f->name), files[i].name);
		detect(format, &files[i], f->format, sizeof(f->format));
		f->bytes_total = files[i].bytes;
	}
	pthread_mutex_lock(&jobs->mu);
	if (jobs->draining || jobs->nqueued >= jobs->cfg.queue) {
		rc = CMN_ERR_BUSY;
	} else {
		prune(jobs);
		if (jobs->njobs >= IMPORT_JOBS_KEPT)
			rc = CMN_ERR_BUSY;
	}
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		job->files[i].path = strdup(files[i].path);
		if (!job->files[i].path)
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK) {
		job->next = jobs->jobs;
		jobs->jobs = job;
		jobs->njobs++;
		jobs->nqueued++;
		str_copy(id, CRYPT_ID_LEN, job->id);
		pthread_cond_signal(&jobs->work);
	} else {
		for (size_t i = 0; i < n; i++) {
			free(job->files[i].path); /* the files stay the caller's */
			job->files[i].path = NULL;
		}
	}
	pthread_mutex_unlock(&jobs->mu);
	if (rc != CMN_OK) {
		free(job->files);
		free(job);
	}
	return rc;
}

/* ---- running a job -------------------------------------------------------- */

struct progress {
	struct import_jobs *jobs;
	struct job *job;
	struct job_file *file;
};

/* on_progress - from the importing thread: how far the file has been read. */
static void on_progress(void *arg, const struct import_job *ij, uint64_t done, uint64_t total)
{
	struct progress *p = arg;

	(void)ij;
	pthread_mutex_lock(&p->jobs->mu);
	if (total == p->file->bytes_total && done > p->file->bytes_done && done <= total)
		p->file->bytes_done = done;
	p->job->updated = time_now_ms();
	pthread_mutex_unlock(&p->jobs->mu);
}

/* precheck - why a file cannot be imported before trying, or NULL. */
static const char *precheck(struct import_jobs *jobs, const struct job *job,
			    const struct job_file *f)
{
	struct person p;
	enum cmn_rc rc = store_person_by_id(jobs->cfg.store, job->person, &p, NULL);

	if (rc == CMN_ERR_NOT_FOUND)
		return "the account no longer exists";
	if (rc != CMN_OK)
		return cmn_strerror(rc);
	if (p.disabled)
		return "the account is disabled";
	if (f->bytes_total == 0)
		return "the file is empty";
	if (!f->format[0])
		return "the format was not recognised: name it in the form's format field";
	return NULL;
}

/* import_one - imports one file of a job (its status is running). */
static void import_one(struct import_jobs *jobs, struct job *job, struct job_file *f)
{
	struct progress p = {jobs, job, f};
	struct import_job ij;
	struct pstore *ps;
	json_t *counts = NULL;
	const char *why = precheck(jobs, job, f);
	enum cmn_rc rc;

	memset(&ij, 0, sizeof(ij));
	if (why) {
		pthread_mutex_lock(&jobs->mu);
		file_fail(jobs, f, why);
		if (f->bytes_total == 0)
			f->err.line = f->err.column = 1;
		pthread_mutex_unlock(&jobs->mu);
		return;
	}
	rc = store_person_store(jobs->cfg.store, job->person, &ps);
	if (rc == CMN_OK)
		rc = import_file_progress(ps, jobs->cfg.reg, job->actor, f->path, f->name,
					  job->format[0] ? job->format : NULL, on_progress, &p, &ij);
	/* committed: the file is imported, whatever follows. Without memory
	 * for its counts the job shows none (the import's own row, which the
	 * job names, has them): a file told failed would be uploaded again */
	if (rc == CMN_OK)
		counts = import_stats_json(&ij);
	if (rc == CMN_OK && jobs->cfg.imported)
		jobs->cfg.imported(jobs->cfg.imported_arg, ps, job->person, &ij);
	pthread_mutex_lock(&jobs->mu);
	if (ij.format) {
		/* import.c recorded the attempt under this id, done or failed */
		str_copy(f->import_id, sizeof(f->import_id), ij.id);
		str_copy(f->format, sizeof(f->format), ij.format->name);
	}
	if (rc == CMN_OK) {
		f->status = JOB_DONE;
		f->bytes_done = f->bytes_total;
		f->counts = counts;
		file_unspool(jobs, f);
	} else {
		file_fail(jobs, f, cmn_strerror(rc));
		if (rc == CMN_ERR_INVALID)
			f->err = ij.err;
		if (!f->err.message[0])
			str_copy(f->err.message, sizeof(f->err.message), cmn_strerror(rc));
	}
	pthread_mutex_unlock(&jobs->mu);
	import_job_release(&ij);
}

static void run_job(struct import_jobs *jobs, struct job *job)
{
	for (size_t i = 0; i < job->nfiles; i++) {
		struct job_file *f = &job->files[i];
		bool stopping;

		pthread_mutex_lock(&jobs->mu);
		stopping = jobs->stopping;
		if (stopping) {
			file_fail(jobs, f, "the server stopped before this file was imported");
		} else {
			f->status = JOB_RUNNING;
			job->updated = time_now_ms();
		}
		pthread_mutex_unlock(&jobs->mu);
		if (!stopping)
			import_one(jobs, job, f);
	}
	pthread_mutex_lock(&jobs->mu);
	job_end(jobs, job);
	pthread_mutex_unlock(&jobs->mu);
}

/* oldest_queued - the job to run next (mutex held), or NULL. */
static struct job *oldest_queued(struct import_jobs *jobs)
{
	struct job *found = NULL;

	for (struct job *j = jobs->jobs; j; j = j->next)
		if (j->status == JOB_QUEUED)
			found = j;
	return found;
}

static void *worker(void *arg)
{
	struct import_jobs *jobs = arg;

	pthread_mutex_lock(&jobs->mu);
	while (!jobs->stopping) {
		struct job *job = oldest_queued(jobs);

		if (!job) {
			pthread_cond_wait(&jobs->work, &jobs->mu);
			continue;
		}
		job->status = JOB_RUNNING;
		job->updated = time_now_ms();
		jobs->nqueued--;
		pthread_mutex_unlock(&jobs->mu);
		run_job(jobs, job);
		pthread_mutex_lock(&jobs->mu);
	}
	pthread_mutex_unlock(&jobs->mu);
	store_thread_done();
	return NULL;
}

/* ---- the pool ------------------------------------------------------------- */

enum cmn_rc import_jobs_start(struct import_jobs **out, const struct import_jobs_config *cfg)
{
	struct import_jobs *jobs = calloc(1, sizeof(*jobs));
	unsigned want;

	if (!jobs)
		return CMN_ERR_NOMEM;
	jobs->cfg = *cfg;
	if (!jobs->cfg.workers)
		jobs->cfg.workers = IMPORT_JOBS_WORKERS;
	if (jobs->cfg.workers > IMPORT_JOBS_WORKERS_MAX)
		jobs->cfg.workers = IMPORT_JOBS_WORKERS_MAX;
	if (!jobs->cfg.queue)
		jobs->cfg.queue = IMPORT_JOBS_QUEUE;
	jobs->lock_fd = -1;
	if (snprintf(jobs->top, sizeof(jobs->top), "%s/%s", cfg->data_dir, IMPORT_SPOOL_DIR) >=
		    (int)sizeof(jobs->top) ||
	    ((mkdir(jobs->top, 0700) != 0 && errno != EEXIST) || chmod(jobs->top, 0700) != 0)) {
		log_error("import spool: cannot create %s: %s", jobs->top, strerror(errno));
		free(jobs);
		return CMN_ERR_IO;
	}
	spool_reap(jobs->top);
	if (spool_own(jobs) != CMN_OK) {
		free(jobs);
		return CMN_ERR_IO;
	}
	pthread_mutex_init(&jobs->mu, NULL);
	pthread_cond_init(&jobs->work, NULL);
	pthread_cond_init(&jobs->changed, NULL);
	want = jobs->cfg.workers;
	for (jobs->nthreads = 0; jobs->nthreads < want; jobs->nthreads++)
		if (pthread_create(&jobs->threads[jobs->nthreads], NULL, worker, jobs) != 0)
			break;
	if (jobs->nthreads == 0) {
		import_jobs_stop(&jobs);
		return CMN_ERR_NOMEM;
	}
	*out = jobs;
	return CMN_OK;
}

void import_jobs_drain(struct import_jobs *jobs)
{
	if (!jobs)
		return;
	pthread_mutex_lock(&jobs->mu);
	jobs->draining = true;
	pthread_cond_broadcast(&jobs->changed);
	pthread_mutex_unlock(&jobs->mu);
}

void import_jobs_stop(struct import_jobs **jp)
{
	struct import_jobs *jobs = *jp;
	unsigned waiting = 0;

	if (!jobs)
		return;
	pthread_mutex_lock(&jobs->mu);
	jobs->draining = jobs->stopping = true;
	for (struct job *j = jobs->jobs; j; j = j->next) {
		if (j->status != JOB_QUEUED)
			continue;
		for (size_t i = 0; i < j->nfiles; i++)
			file_fail(jobs, &j->files[i], "the server stopped before this job ran");
		job_end(jobs, j);
		waiting++;
	}
	jobs->nqueued = 0;
	pthread_cond_broadcast(&jobs->work);
	pthread_cond_broadcast(&jobs->changed);
	pthread_mutex_unlock(&jobs->mu);
	if (waiting)
		log_info("import jobs: %u waiting job(s) failed by the stop", waiting);
	for (unsigned i = 0; i < jobs->nthreads; i++)
		pthread_join(jobs->threads[i], NULL);
	while (jobs->jobs) {
		struct job *j = jobs->jobs;

		jobs->jobs = j->next;
		job_free(jobs, j);
	}
	spool_release(jobs);
	pthread_cond_destroy(&jobs->changed);
	pthread_cond_destroy(&jobs->work);
	pthread_mutex_destroy(&jobs->mu);
	free(jobs);
	*jp = NULL;
}

bool import_jobs_full(struct import_jobs *jobs)
{
	bool full;

	pthread_mutex_lock(&jobs->mu);
	full = jobs->draining || jobs->nqueued >= jobs->cfg.queue;
	pthread_mutex_unlock(&jobs->mu);
	return full;
}

/* ---- reading jobs --------------------------------------------------------- */

static json_t *time_json(int64_t ms)
{
	char t[TIME_RFC3339_LEN];

	time_format(t, ms);
	return json_string(t);
}

static json_t *error_json(const struct job_file *f)
{
	const struct import_error *e = &f->err;

	if (f->status != JOB_FAILED)
		return NULL;
	return json_pack("{s:o, s:o, s:s?, s:s}", "line",
			 e->line ? json_integer((json_int_t)e->line) : json_null(), "column",
			 e->column ? json_integer((json_int_t)e->column) : json_null(), "pointer",
			 e->pointer[0] ? e->pointer : NULL, "message", e->message);
}

/* job_json - the public view of a job (mutex held). */
static json_t *job_json(const struct job *job)
{
	json_t *files = json_array();

	for (size_t i = 0; i < job->nfiles; i++) {
		const struct job_file *f = &job->files[i];

		/* a job shown without one of its files would hide it: whole or
		 * NULL (json_push) */
		json_push(&files, json_pack("{s:s, s:s?, s:s, s:I, s:I, s:s?, s:O?, s:o?}", "name",
					    f->name, "format", f->format[0] ? f->format : NULL,
					    "status", status_names[f->status], "bytes_total",
					    (json_int_t)f->bytes_total, "bytes_done",
					    (json_int_t)f->bytes_done, "import",
					    f->import_id[0] ? f->import_id : NULL, "counts",
					    f->counts, "error", error_json(f)));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", job->id, "status",
			 status_names[job->status], "files", files, "created",
			 time_json(job->created), "updated", time_json(job->updated));
}

/* mine - a job of person_id, made by actor when actor is not NULL. */
static bool mine(const struct job *j, const char *person_id, const char *actor)
{
	return strcmp(j->person, person_id) == 0 && (!actor || strcmp(j->actor, actor) == 0);
}

enum cmn_rc import_jobs_get(struct import_jobs *jobs, const char *person_id, const char *actor,
			    const char *id, json_t **out)
{
	enum cmn_rc rc = CMN_ERR_NOT_FOUND;
	struct job *j;

	*out = NULL;
	pthread_mutex_lock(&jobs->mu);
	j = find(jobs, id);
	if (j && mine(j, person_id, actor))
		rc = (*out = job_json(j)) ? CMN_OK : CMN_ERR_NOMEM;
	pthread_mutex_unlock(&jobs->mu);
	return rc;
}

json_t *import_jobs_list(struct import_jobs *jobs, const char *person_id, const char *actor)
{
	json_t *list = json_array();

	pthread_mutex_lock(&jobs->mu);
	prune(jobs);
	for (struct job *j = jobs->jobs; j && list; j = j->next)
		if (mine(j, person_id, actor))
			json_push(&list, job_json(j));
	pthread_mutex_unlock(&jobs->mu);
	return list;
}

bool import_jobs_wait(struct import_jobs *jobs, const char *id, unsigned ms)
{
	struct timespec until;
	bool done = false, timed_out = false;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&jobs->mu);
	if (jobs->nwaiters < IMPORT_JOB_WAITERS_MAX) {
		jobs->nwaiters++;
		for (;;) {
			struct job *j = find(jobs, id);

			done = !j || finished(j);
			if (done || jobs->draining || timed_out)
				break;
			timed_out = pthread_cond_timedwait(&jobs->changed, &jobs->mu, &until) != 0;
		}
		jobs->nwaiters--;
	}
	pthread_mutex_unlock(&jobs->mu);
	return done;
}
