/*
 * import.h - bringing a holder's export file into a person's store.
 *
 * A format (one file per format in this folder) reads its input as a
 * stream and hands what it finds to the job: records of documented
 * doctypes (import_record) and points of time series (import_points). The
 * job writes them into the person's store inside one transaction: a file
 * with an error imports nothing, and the error names the line and column
 * (or the JSON pointer) and what was expected. Re-importing a file changes
 * nothing: records carry a dedupe key (the holder's id or a hash of their
 * content) and series appends are idempotent. The import is audited once,
 * with its provenance (format, file name, SHA-256, counts).
 */
#ifndef COMMUNE_IMPORT_IMPORT_H
#define COMMUNE_IMPORT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/result.h"
#include "import/seen.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define IMPORT_LINE_MAX (64 * 1024)      /* bytes in one line of a text format */
/* import_read_line's buffer: a line with its end and NUL, then the same
 * converted from Latin-1 (two bytes a character at most) */
#define IMPORT_LINES_LEN (3 * IMPORT_LINE_MAX + 4)
#define IMPORT_BATCH 65536               /* points buffered per series before a flush */
#define IMPORT_MAX_SERIES 16             /* series one file may feed */
#define IMPORT_MAX_WARNINGS 16
#define IMPORT_RECORD_TEXT_MAX (16 * 1024 * 1024) /* bytes of one record's JSON text */

#define IMPORT_WRITTEN_MAX 16

struct import_stats {
	uint64_t records_created;
	uint64_t records_duplicate;          /* already there (same dedupe key) */
	uint64_t series_created;
	uint64_t points_added;
	uint64_t points_replaced;
	uint64_t points_unchanged;
	uint64_t points_kept;                /* a keep_first series' time given again
					      * with another value: the first stays */
	uint64_t warnings;
};

struct import_error {
	size_t line, column;                 /* 1-based; 0 when not known */
	char pointer[128];                   /* JSON pointer, or "" */
	char message[240];                   /* what was expected, in English */
};

/* A series a format feeds: found by (doctype, source, key) or created. */
struct import_series {
	const char *doctype;
	const char *source;
	const char *key;
	const char *unit;
	int64_t step;                        /* ms; 0 irregular */
	const char *tz;                      /* NULL: Europe/Paris */
	const char *meta;                    /* JSON text checked against the doctype, or NULL */
	bool keep_first;                     /* a time keeps the first value given
					      * (positions), instead of the newest */
};

/* The reader of the input: a buffered stream with a line counter. */
struct import_input {
	FILE *f;
	size_t line;                         /* lines read so far */
	char *buf;                           /* the current line (NUL-terminated, no EOL) */
	size_t len;
	bool bom;                            /* the file began with a UTF-8 BOM */
	bool latin1;                         /* lines are converted from Latin-1 */
	char *lines;                         /* a line as read, then converted
					      * (IMPORT_LINES_LEN, import_read_line) */
};

struct import_job;

/* import_progress_fn - told, from the importing thread, how far the import
 * has read (bytes of the file, of total) every IMPORT_PROGRESS_EVERY
 * records or points, and once at the end. */
typedef void (*import_progress_fn)(void *arg, const struct import_job *j, uint64_t done,
				   uint64_t total);
#define IMPORT_PROGRESS_EVERY 4096

struct import_format {
	const char *name;                    /* "enedis-csv" */
	const char *title;                   /* one line for humans */
	/* detect - 0 (not this format) to 100 (certainly), from the first bytes
	 * of the file and its name; why (may be NULL) receives the reason */
	int (*detect)(const char *head, size_t n, const char *filename, char *why, size_t whylen);
	/* run - reads the whole input and feeds the job */
	enum cmn_rc (*run)(struct import_job *j, struct import_input *in);
};

struct import_job {
	struct pstore *ps;
	const struct registry *reg;
	const char *actor;
	const struct import_format *format;
	char id[CRYPT_ID_LEN];               /* the import's id: provenance of what it writes */
	char source[SOURCE_MAX + 1];         /* "import:FORMAT" */
	struct import_stats stats;
	/* the doctypes it wrote records or points of (for the apps they wake) */
	char written[IMPORT_WRITTEN_MAX][CMN_DOCTYPE_NAME_MAX + 1];
	size_t nwritten;
	struct import_error err;
	char warnings[IMPORT_MAX_WARNINGS][200];
	size_t nwarnings;
	/* series being fed, with their buffered points */
	struct {
		struct series_def def;
		struct series_point *pts;
		uint32_t *lines;             /* the input line of each point (0: not known) */
		size_t n;
		bool keep_first;
	} series[IMPORT_MAX_SERIES];
	size_t nseries;
	struct seen occurrences;             /* of record contents (import_record_nth) */
	/* progress (optional) */
	import_progress_fn progress;
	void *progress_arg;
	struct import_input *in;             /* the file being read */
	uint64_t total;                      /* its size in bytes */
	uint64_t ticks;                      /* records and points since the start */
	struct import_writer *writer;        /* the thread writing its records (writer.c) */
	struct buf text;                     /* a record's text, written (import_record) */
};

/* import_writer_put - queues a record for the job's writer thread (started
 * on the first one), which stores it and counts it; takes text (malloc'd).
 * Returns the first failure of an earlier write, if any. */
enum cmn_rc import_writer_put(struct import_job *j, const struct record_meta *m, char *text);

/* import_writer_drain - waits until every queued record is written: after
 * it, the caller may use the store (the writer waits for the next put). */
enum cmn_rc import_writer_drain(struct import_job *j);

/* import_writer_stop - drains and ends the writer thread. */
enum cmn_rc import_writer_stop(struct import_job *j);

/* import_wrote - notes that j wrote records or points of doctype. */
void import_wrote(struct import_job *j, const char *doctype);

/* import_formats - every format, a NULL-terminated list. */
const struct import_format *const *import_formats(void);

/* import_format_named - a format by name, or NULL. */
const struct import_format *import_format_named(const char *name);

/* import_detect - the most likely format of a file's first bytes, or NULL;
 * explain (may be NULL) receives each format's score and reason. */
const struct import_format *import_detect(const char *head, size_t n, const char *filename,
					  char *explain, size_t explen);

/*
 * import_file - imports one file into a person's store: detects the format
 * when format is NULL, runs it in one transaction, records the import and
 * one audit entry. On CMN_ERR_INVALID, job->err says where and why.
 */
enum cmn_rc import_file(struct pstore *ps, const struct registry *reg, const char *actor,
			const char *path, const char *name, const char *format,
			struct import_job *job);

/* import_file_progress - import_file, telling progress (may be NULL) how
 * far it has read. */
enum cmn_rc import_file_progress(struct pstore *ps, const struct registry *reg, const char *actor,
				 const char *path, const char *name, const char *format,
				 import_progress_fn progress, void *arg, struct import_job *job);

/* import_buffer - the same for a file held in memory (an upload). */
enum cmn_rc import_buffer(struct pstore *ps, const struct registry *reg, const char *actor,
			  const void *data, size_t len, const char *name, const char *format,
			  struct import_job *job);

/* import_job_release - frees what a job holds. */
void import_job_release(struct import_job *job);

/* import_stats_json - the counts as a JSON object (new reference). */
json_t *import_stats_json(const struct import_job *job);

/* ---- for formats ---------------------------------------------------------- */

/* import_record - adds a record (data is stolen) checked against its
 * doctype; dedupe (may be NULL) is the holder's stable id of it, else a hash
 * of the content is used. */
enum cmn_rc import_record(struct import_job *j, const char *doctype, json_t *data,
			  const char *dedupe);

/* import_record_nth - import_record for a record without a holder's id:
 * its dedupe key is its content and how many identical records came before
 * it in this file. Two identical coffees on one day are two transactions,
 * and reading the file again finds each of them. */
enum cmn_rc import_record_nth(struct import_job *j, const char *doctype, json_t *data);

/* import_points - adds points to a series (found or created). */
enum cmn_rc import_points(struct import_job *j, const struct import_series *s,
			  const struct series_point *pts, size_t n);

/* import_fail - records where and why the input is wrong; returns
 * CMN_ERR_INVALID. */
enum cmn_rc import_fail(struct import_job *j, size_t line, size_t column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* import_fail_at - the same with a JSON pointer. */
enum cmn_rc import_fail_at(struct import_job *j, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* import_warn - a warning kept with the result (the import goes on). */
void import_warn(struct import_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* import_read_line - the next line in in->buf (without its end of line;
 * Latin-1 converted to UTF-8 when in->latin1): 1, 0 at the end, or -1 with
 * the job's error set (a line too long, a NUL byte, invalid UTF-8). */
int import_read_line(struct import_job *j, struct import_input *in);

/* import_read_all - the rest of the input in a buffer (malloc'd,
 * NUL-terminated), at most max bytes: for formats that parse a whole
 * document (JSON). */
enum cmn_rc import_read_all(struct import_job *j, struct import_input *in, size_t max, char **out,
			    size_t *len);

#endif
