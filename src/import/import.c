/*
 * import.c - the import job of import.h: format detection, the one
 * transaction around a file, records with dedupe keys, buffered series
 * points, and the line reader formats share.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "import/import.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "record/schema.h"

/* the list of formats is in formats.c */
extern const struct import_format *const import_format_list[];
#define formats import_format_list

const struct import_format *const *import_formats(void)
{
	return formats;
}

const struct import_format *import_format_named(const char *name)
{
	for (size_t i = 0; formats[i]; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const struct import_format *import_detect(const char *head, size_t n, const char *filename,
					  char *explain, size_t explen)
{
	const struct import_format *best = NULL;
	int best_score = 0;
	size_t used = 0;

	if (explain && explen)
		explain[0] = '\0';
	for (size_t i = 0; formats[i]; i++) {
		char why[160] = "";
		int score = formats[i]->detect(head, n, filename, why, sizeof(why));

		if (explain && used < explen) {
			int w = snprintf(explain + used, explen - used, "%-16s %3d  %s\n",
					 formats[i]->name, score, why);

			used += w > 0 ? (size_t)w : 0;
		}
		if (score > best_score) {
			best_score = score;
			best = formats[i];
		}
	}
	return best_score >= 50 ? best : NULL;
}

enum cmn_rc import_fail(struct import_job *j, size_t line, size_t column, const char *fmt, ...)
{
	va_list ap;

	j->err.line = line;
	j->err.column = column;
	j->err.pointer[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(j->err.message, sizeof(j->err.message), fmt, ap);
	va_end(ap);
	str_utf8_repair(j->err.message); /* quotes of the input may be cut anywhere */
	return CMN_ERR_INVALID;
}

enum cmn_rc import_fail_at(struct import_job *j, const char *pointer, const char *fmt, ...)
{
	va_list ap;

	j->err.line = j->err.column = 0;
	str_copy(j->err.pointer, sizeof(j->err.pointer), pointer);
	str_utf8_repair(j->err.pointer);
	va_start(ap, fmt);
	vsnprintf(j->err.message, sizeof(j->err.message), fmt, ap);
	va_end(ap);
	str_utf8_repair(j->err.message);
	return CMN_ERR_INVALID;
}

void import_warn(struct import_job *j, const char *fmt, ...)
{
	va_list ap;

	j->stats.warnings++;
	if (j->nwarnings >= IMPORT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(j->warnings[j->nwarnings], sizeof(j->warnings[0]), fmt, ap);
	va_end(ap);
	str_utf8_repair(j->warnings[j->nwarnings++]);
}

/* latin1_to_utf8 - converts n bytes in place into out (2n + 1 bytes). */
static size_t latin1_to_utf8(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

#define RAW_LEN (IMPORT_LINE_MAX + 2) /* a line, its end of line, its NUL */

int import_read_line(struct import_job *j, struct import_input *in)
{
	char *raw = in->lines, *conv = raw + RAW_LEN;
	size_t n;

	if (!fgets(raw, RAW_LEN, in->f))
		return ferror(in->f) ? (import_fail(j, in->line + 1, 0, "read error"), -1) : 0;
	in->line++;
	n = strlen(raw);
	if (n == RAW_LEN - 1 && raw[n - 1] != '\n') {
		import_fail(j, in->line, IMPORT_LINE_MAX, "a line is longer than %d bytes",
			    IMPORT_LINE_MAX);
		return -1;
	}
	/* fgets stops at NUL bytes silently: catch them through the length */
	if (n && raw[n - 1] != '\n' && !feof(in->f)) {
		import_fail(j, in->line, n + 1, "a NUL byte in a text file");
		return -1;
	}
	while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
		raw[--n] = '\0';
	in->buf = raw;
	if (in->line == 1 && n >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
		in->bom = true;
		in->buf += 3;
		n -= 3;
	}
	if (memchr(in->buf, '\0', n)) {
		import_fail(j, in->line, (size_t)((char *)memchr(in->buf, '\0', n) - in->buf) + 1,
			    "a NUL byte in a text file");
		return -1;
	}
	if (!in->latin1 && !str_utf8_valid(in->buf, n)) {
		if (in->bom) {
			import_fail(j, in->line, 0, "invalid UTF-8 in a file marked as UTF-8");
			return -1;
		}
		in->latin1 = true; /* no BOM and not UTF-8: the holders' other encoding */
	}
	if (in->latin1) {
		n = latin1_to_utf8(in->buf, n, conv);
		in->buf = conv;
	}
	in->len = n;
	return 1;
}

enum cmn_rc import_read_all(struct import_job *j, struct import_input *in, size_t max, char **out,
			    size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t got;

	buf_init(&b, max);
	while ((got = fread(chunk, 1, sizeof(chunk), in->f)) > 0) {
		if (buf_append(&b, chunk, got) != CMN_OK) {
			buf_release(&b);
			return import_fail(j, 0, 0, "the file is larger than %zu bytes", max);
		}
	}
	if (ferror(in->f)) {
		buf_release(&b);
		return import_fail(j, 0, 0, "read error");
	}
	*len = b.len;
	*out = buf_steal(&b);
	return *out ? CMN_OK : CMN_ERR_NOMEM;
}

/* tick - one more record or point: tells the progress callback now and then */
static void tick(struct import_job *j)
{
	off_t at;

	if (!j->progress || !j->in || (++j->ticks % IMPORT_PROGRESS_EVERY) != 0)
		return;
	at = ftello(j->in->f);
	if (at >= 0)
		j->progress(j->progress_arg, j, (uint64_t)at, j->total);
}

/* ---- records -------------------------------------------------------------- */

static void dedupe_key(const char *doctype, const char *key, const json_t *data, char *out,
		       size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *text = NULL;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)doctype, strlen(doctype) + 1);
	if (key) {
		crypto_hash_sha256_update(&st, (const unsigned char *)"k", 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)key, strlen(key));
	} else {
		text = json_text_dumps(data, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
		crypto_hash_sha256_update(&st, (const unsigned char *)"c", 1);
		if (text)
			crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
		free(text);
	}
	crypto_hash_sha256_final(&st, h);
	if (n >= 2 * sizeof(h) + 1)
		str_hex(out, h, sizeof(h));
}

enum cmn_rc import_record(struct import_job *j, const char *doctype, json_t *data,
			  const char *dedupe)
{
	const struct doctype *d = registry_find(j->reg, doctype);
	struct schema_errors *errs;
	struct record_meta m = {0};
	char *text = NULL;
	enum cmn_rc rc;

	if (!d || strcmp(d->kind, "document") != 0) {
		json_decref(data);
		return CMN_ERR_INTERNAL;
	}
	errs = malloc(sizeof(*errs));
	if (!errs) {
		json_decref(data);
		return CMN_ERR_NOMEM;
	}
	rc = schema_validate(d->schema, data, errs);
	if (rc != CMN_OK)
		import_fail_at(j, errs->e[0].pointer, "%s: %s", doctype, errs->e[0].message);
	free(errs);
	m.t = INT64_MIN;
	if (rc == CMN_OK && d->time_field &&
	    time_parse(json_string_value(json_object_get(data, d->time_field)), true, &m.t) != CMN_OK)
		rc = CMN_ERR_INTERNAL;
	if (rc == CMN_OK) {
		/* one buffer for every record, and one allocation of the right
		 * size for the writer: json_dumps would make several per record */
		if (!j->text.cap)
			buf_init(&j->text, IMPORT_RECORD_TEXT_MAX);
		buf_reset(&j->text);
		rc = json_text_compact(&j->text, data, 15);
		if (rc == CMN_OK && !(text = malloc(j->text.len + 1)))
			rc = CMN_ERR_NOMEM;
		if (rc == CMN_OK)
			memcpy(text, j->text.data, j->text.len + 1);
	}
	if (rc == CMN_OK) {
		crypt_uuid7_new(m.id);
		str_copy(m.doctype, sizeof(m.doctype), doctype);
		str_copy(m.source, sizeof(m.source), j->source);
		str_copy(m.import_id, sizeof(m.import_id), j->id);
		dedupe_key(doctype, dedupe, data, m.dedupe, sizeof(m.dedupe));
		rc = import_writer_put(j, &m, text); /* which frees text */
		text = NULL;
	}
	free(text);
	json_decref(data);
	tick(j);
	return rc;
}

enum cmn_rc import_record_nth(struct import_job *j, const char *doctype, json_t *data)
{
	char *text = json_text_dumps(data, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	struct buf key;
	uint32_t before = 0;
	enum cmn_rc rc = text ? seen_next(&j->occurrences, text, &before) : CMN_ERR_NOMEM;

	buf_init(&key, 1 << 20);
	if (rc == CMN_OK)
		rc = buf_printf(&key, "%s#%u", text, before);
	free(text);
	if (rc != CMN_OK) {
		json_decref(data);
		buf_release(&key);
		return rc;
	}
	rc = import_record(j, doctype, data, key.data);
	buf_release(&key);
	return rc;
}

/* ---- series --------------------------------------------------------------- */

/* by_time - an order of a batch's points by time, then by arrival (qsort
 * has no context argument: the points are this thread's) */
static _Thread_local const struct series_point *sort_pts;

static int by_time(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (sort_pts[x].t != sort_pts[y].t)
		return sort_pts[x].t < sort_pts[y].t ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* check_batch - what series_append would refuse, found here with the line
 * of the point at fault: a time off the series' step, and (unless the
 * series keeps first values) a time given twice with two values */
static enum cmn_rc check_batch(struct import_job *j, size_t i)
{
	const struct series_def *d = &j->series[i].def;
	const struct series_point *p = j->series[i].pts;
	const uint32_t *lines = j->series[i].lines;
	size_t n = j->series[i].n;
	uint32_t *order;

	for (size_t k = 0; k < n && d->step; k++)
		if (time_floor_div(p[k].t - d->phase, d->step) * d->step != p[k].t - d->phase)
			return import_fail(j, lines[k], 0,
					   "a time is not on the %lld s step of the series %s",
					   (long long)(d->step / 1000), d->key);
	if (j->series[i].keep_first || n < 2)
		return CMN_OK;
	{
		/* the usual batch is in time order: then no time comes twice */
		size_t k = 1;

		while (k < n && p[k - 1].t < p[k].t)
			k++;
		if (k == n)
			return CMN_OK;
	}
	if (!(order = malloc(n * sizeof(*order))))
		return CMN_ERR_NOMEM;
	for (size_t k = 0; k < n; k++)
		order[k] = (uint32_t)k;
	sort_pts = p;
	qsort(order, n, sizeof(*order), by_time);
	for (size_t k = 1; k < n; k++) {
		const struct series_point *a = &p[order[k - 1]], *b = &p[order[k]];

		if (a->t == b->t && a->v != b->v) {
			uint32_t line = lines[order[k]];
			char when[TIME_RFC3339_LEN];

			free(order);
			time_format(when, b->t);
			return import_fail(j, line, 0,
					   "%s is given twice with two values (%lld, then %lld)",
					   when, (long long)a->v, (long long)b->v);
		}
	}
	free(order);
	return CMN_OK;
}

static enum cmn_rc flush_series(struct import_job *j, size_t i)
{
	struct series_write w;
	const char *why = NULL;
	enum cmn_rc rc;

	if (!j->series[i].n)
		return CMN_OK;
	if ((rc = import_writer_drain(j)) != CMN_OK || (rc = check_batch(j, i)) != CMN_OK)
		return rc;
	rc = (j->series[i].keep_first ? series_append_keep : series_append)(
	    j->ps, &j->series[i].def, j->series[i].pts, j->series[i].n, NULL, &w, &why);
	j->series[i].n = 0;
	if (rc == CMN_ERR_INVALID)
		return import_fail(j, j->in ? j->in->line : 0, 0, "%s",
				   why ? why : "points not accepted");
	if (rc != CMN_OK)
		return rc;
	if (w.added || w.replaced)
		import_wrote(j, j->series[i].def.doctype);
	j->stats.points_added += w.added;
	j->stats.points_replaced += w.replaced;
	j->stats.points_unchanged += w.unchanged;
	j->stats.points_kept += w.kept;
	return CMN_OK;
}

/* series_slot - the job's slot for s, found or created in the store. */
static enum cmn_rc series_slot(struct import_job *j, const struct import_series *s, size_t *out)
{
	struct series_def *def;
	const char *why = NULL;
	enum cmn_rc rc;

	for (size_t i = 0; i < j->nseries; i++) {
		def = &j->series[i].def;
		/* the key first: a file's series mostly share their doctype and source */
		if (strcmp(def->key, s->key) == 0 && strcmp(def->source, s->source) == 0 &&
		    strcmp(def->doctype, s->doctype) == 0) {
			*out = i;
			return CMN_OK;
		}
	}
	if (strlen(s->source) > SOURCE_MAX || strlen(s->key) > SERIES_KEY_MAX ||
	    strlen(s->doctype) >= sizeof(def->doctype) || strlen(s->unit) >= sizeof(def->unit))
		return import_fail(j, j->in ? j->in->line : 0, 0,
				   "a series' source and key are at most %d bytes", SOURCE_MAX);
	if (j->nseries == IMPORT_MAX_SERIES)
		return import_fail(j, j->in ? j->in->line : 0, 0, "a file may feed at most %d series", IMPORT_MAX_SERIES);
	def = &j->series[j->nseries].def;
	if ((rc = import_writer_drain(j)) != CMN_OK)
		return rc;
	rc = pstore_series_find(j->ps, s->doctype, s->source, s->key, def);
	if (rc == CMN_OK) {
		if (strcmp(def->unit, s->unit) != 0 || def->step != s->step) {
			series_def_release(def);
			return import_fail(j, j->in ? j->in->line : 0, 0, "the series %s of %s exists with another unit or step",
					   s->key, s->doctype);
		}
	} else if (rc == CMN_ERR_NOT_FOUND) {
		memset(def, 0, sizeof(*def));
		str_copy(def->doctype, sizeof(def->doctype), s->doctype);
		str_copy(def->source, sizeof(def->source), s->source);
		str_copy(def->key, sizeof(def->key), s->key);
		str_copy(def->unit, sizeof(def->unit), s->unit);
		str_copy(def->tz, sizeof(def->tz), s->tz ? s->tz : "Europe/Paris");
		def->step = s->step;
		def->meta = s->meta ? strdup(s->meta) : NULL;
		rc = series_create(j->ps, j->reg, def, NULL, &why);
		if (rc == CMN_ERR_INVALID) {
			series_def_release(def);
			return import_fail(j, j->in ? j->in->line : 0, 0, "series %s: %s", s->key, why);
		}
		if (rc != CMN_OK) {
			series_def_release(def);
			return rc;
		}
		j->stats.series_created++;
	} else {
		return rc;
	}
	j->series[j->nseries].pts = malloc(IMPORT_BATCH * sizeof(struct series_point));
	j->series[j->nseries].lines = malloc(IMPORT_BATCH * sizeof(uint32_t));
	if (!j->series[j->nseries].pts || !j->series[j->nseries].lines) {
		free(j->series[j->nseries].pts);
		free(j->series[j->nseries].lines);
		series_def_release(def);
		return CMN_ERR_NOMEM;
	}
	j->series[j->nseries].n = 0;
	j->series[j->nseries].keep_first = s->keep_first;
	*out = j->nseries++;
	return CMN_OK;
}

enum cmn_rc import_points(struct import_job *j, const struct import_series *s,
			  const struct series_point *pts, size_t n)
{
	size_t slot = 0;
	enum cmn_rc rc = series_slot(j, s, &slot);

	for (size_t k = 0; k < n && rc == CMN_OK; k++) {
		if (j->series[slot].n == IMPORT_BATCH)
			rc = flush_series(j, slot);
		if (rc == CMN_OK) {
			size_t at = j->series[slot].n++;

			j->series[slot].pts[at] = pts[k];
			j->series[slot].lines[at] =
			    j->in && j->in->line <= UINT32_MAX ? (uint32_t)j->in->line : 0;
			tick(j);
		}
	}
	return rc;
}

/* ---- a file ---------------------------------------------------------------- */

void import_wrote(struct import_job *j, const char *doctype)
{
	for (size_t i = 0; i < j->nwritten; i++)
		if (strcmp(j->written[i], doctype) == 0)
			return;
	if (j->nwritten < IMPORT_WRITTEN_MAX)
		str_copy(j->written[j->nwritten++], sizeof(j->written[0]), doctype);
}

json_t *import_stats_json(const struct import_job *job)
{
	const struct import_stats *s = &job->stats;
	json_t *w = json_array();

	for (size_t i = 0; w && i < job->nwarnings; i++)
		if (json_array_append_new(w, json_string(job->warnings[i])) != 0) {
			json_decref(w); /* never the counts without their warnings */
			return NULL;
		}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "records_created",
			 (json_int_t)s->records_created, "records_duplicate",
			 (json_int_t)s->records_duplicate, "series_created",
			 (json_int_t)s->series_created, "points_added", (json_int_t)s->points_added,
			 "points_replaced", (json_int_t)s->points_replaced, "points_unchanged",
			 (json_int_t)s->points_unchanged, "points_kept", (json_int_t)s->points_kept,
			 "warnings", (json_int_t)s->warnings,
			 "warning_texts", w);
}

void import_job_release(struct import_job *job)
{
	import_writer_stop(job); /* when a job was fed outside import_stream */
	seen_release(&job->occurrences);
	buf_release(&job->text);
	for (size_t i = 0; i < job->nseries; i++) {
		free(job->series[i].pts);
		free(job->series[i].lines);
		series_def_release(&job->series[i].def);
	}
	job->nseries = 0;
}

/* ---- the file's hash, beside the import -------------------------------------- */

struct file_hash {
	int fd;
	bool running;                        /* on its thread, not joined yet */
	pthread_t thread;
	enum cmn_rc rc;
	char hex[CRYPT_HASH_HEX_LEN];
};

/* hash_main - the SHA-256 of the file, read with pread: the format's reads
 * of the same descriptor keep their offset. On a thread of its own, it
 * takes a pass over the file off the import's way (a twelfth of the time
 * of a large OFX file's). */
static void *hash_main(void *arg)
{
	struct file_hash *h = arg;
	struct crypt_sha256 *sum = crypt_sha256_begin();
	unsigned char chunk[65536];
	off_t at = 0;
	ssize_t got = 0;

	h->rc = sum ? CMN_OK : CMN_ERR_NOMEM;
	while (sum && (got = pread(h->fd, chunk, sizeof(chunk), at)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		crypt_sha256_add(sum, chunk, (size_t)got);
		at += got;
	}
	if (sum)
		h->rc = crypt_sha256_end(sum, h->hex);
	if (got < 0)
		h->rc = CMN_ERR_IO;
	return NULL;
}

/* hash_stream - the same through f itself, at once, for a stream that is
 * no file (a buffer's: import_buffer) */
static enum cmn_rc hash_stream(struct file_hash *h, FILE *f, uint64_t *size)
{
	h->rc = crypt_sha256_file(f, h->hex, size);
	rewind(f);
	return h->rc;
}

/* hash_start - hashes f's file from its start, on a thread when one can be
 * made (else at once); its size in *size */
static enum cmn_rc hash_start(struct file_hash *h, FILE *f, uint64_t *size)
{
	struct stat sb;

	rewind(f); /* and written out, when the caller wrote it */
	h->fd = fileno(f);
	h->rc = CMN_ERR_IO;
	h->running = false;
	if (h->fd < 0 || fstat(h->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return hash_stream(h, f, size);
	*size = (uint64_t)sb.st_size;
	h->running = pthread_create(&h->thread, NULL, hash_main, h) == 0;
	if (h->running)
		pthread_setname_np(h->thread, "import-hash"); /* in top, perf, gdb */
	else
		hash_main(h);
	return CMN_OK;
}

/* hash_wait - the hash, once the thread is done */
static enum cmn_rc hash_wait(struct file_hash *h)
{
	if (h->running) {
		pthread_join(h->thread, NULL);
		h->running = false;
	}
	return h->rc;
}

/* import_stream - imports what f holds (seekable), named name. */
static enum cmn_rc import_stream(struct pstore *ps, const struct registry *reg, const char *actor,
				 FILE *f, const char *name, const char *format,
				 struct import_job *job)
{
	struct import_input in = {0};
	struct file_hash hash;
	char head[4096], object[64];
	size_t n;
	enum cmn_rc rc;
	json_t *stats;
	char *stats_text = NULL;

	job->ps = ps;
	job->reg = reg;
	job->actor = actor;
	job->in = &in;
	crypt_id_new(job->id);
	in.f = f;
	rc = hash_start(&hash, in.f, &job->total);
	/* per input, not per thread: mapped, its pages are touched only by
	 * the lines read */
	if (rc == CMN_OK && !(in.lines = malloc(IMPORT_LINES_LEN)))
		rc = CMN_ERR_NOMEM;
	n = rc == CMN_OK ? fread(head, 1, sizeof(head), in.f) : 0;
	rewind(in.f);
	if (rc == CMN_OK) {
		job->format = format ? import_format_named(format)
				     : import_detect(head, n, name, NULL, 0);
		if (!job->format)
			rc = import_fail(job, 0, 0, format ? "unknown format %s"
							   : "the format was not recognised%s",
					 format ? format : " (use --format)");
	}
	if (rc == CMN_OK) {
		snprintf(job->source, sizeof(job->source), "import:%s", job->format->name);
		pstore_bulk(ps, true);
		rc = pstore_tx_begin(ps);
		if (rc == CMN_OK) {
			rc = job->format->run(job, &in);
			/* the records it queued are written (or the first failure is known) */
			{
				enum cmn_rc wrc = import_writer_stop(job);

				if (rc == CMN_OK)
					rc = wrc;
			}
			for (size_t i = 0; i < job->nseries && rc == CMN_OK; i++)
				rc = flush_series(job, i);
			if (rc == CMN_OK && job->stats.points_kept)
				import_warn(job,
					    "%llu values repeat the time of an earlier one with "
					    "another value: the first one stays",
					    (unsigned long long)job->stats.points_kept);
			stats = rc == CMN_OK ? import_stats_json(job) : NULL;
			stats_text = stats ? json_text_dumps(stats, JSON_COMPACT) : NULL;
			json_decref(stats);
			if (rc == CMN_OK && !stats_text)
				rc = CMN_ERR_NOMEM;
			if (rc == CMN_OK)
				rc = hash_wait(&hash);
			if (rc == CMN_OK)
				rc = pstore_import_put(ps, job->id, job->format->name, name, hash.hex,
						       "done", stats_text, actor);
			snprintf(object, sizeof(object), "import/%s", job->id);
			if (rc == CMN_OK)
				rc = pstore_audit_append(ps, actor, "import.file", object, stats_text);
			rc = pstore_tx_end(ps, rc);
		}
		pstore_bulk(ps, false);
	}
	if (rc == CMN_OK && job->progress)
		job->progress(job->progress_arg, job, job->total, job->total);
	job->in = NULL; /* it lives on this stack */
	free(in.lines);
	if (hash_wait(&hash) != CMN_OK)
		hash.hex[0] = '\0'; /* the file could not be read */
	if (rc != CMN_OK && job->format) {
		/* the attempt is kept (outside the rolled-back transaction) */
		json_t *e = json_pack("{s:I, s:I, s:s, s:s}", "line", (json_int_t)job->err.line,
				      "column", (json_int_t)job->err.column, "pointer",
				      job->err.pointer, "message",
				      job->err.message[0] ? job->err.message : cmn_strerror(rc));
		char *etext = e ? json_text_dumps(e, JSON_COMPACT) : NULL;

		if (etext)
			pstore_import_put(ps, job->id, job->format->name, name, hash.hex, "failed",
					  etext, actor);
		free(etext);
		json_decref(e);
	}
	free(stats_text);
	return rc;
}

enum cmn_rc import_file(struct pstore *ps, const struct registry *reg, const char *actor,
			const char *path, const char *name, const char *format,
			struct import_job *job)
{
	return import_file_progress(ps, reg, actor, path, name, format, NULL, NULL, job);
}

enum cmn_rc import_file_progress(struct pstore *ps, const struct registry *reg, const char *actor,
				 const char *path, const char *name, const char *format,
				 import_progress_fn progress, void *arg, struct import_job *job)
{
	FILE *f;
	enum cmn_rc rc;

	memset(job, 0, sizeof(*job));
	job->progress = progress;
	job->progress_arg = arg;
	f = fopen(path, "rb");
	if (!f)
		return import_fail(job, 0, 0, "cannot open the file: %s", strerror(errno));
	rc = import_stream(ps, reg, actor, f, name, format, job);
	fclose(f);
	return rc;
}

enum cmn_rc import_buffer(struct pstore *ps, const struct registry *reg, const char *actor,
			  const void *data, size_t len, const char *name, const char *format,
			  struct import_job *job)
{
	FILE *f;
	enum cmn_rc rc;

	memset(job, 0, sizeof(*job));
	if (len == 0)
		return import_fail(job, 1, 1, "the file is empty");
	f = fmemopen((void *)data, len, "rb");
	if (!f)
		return CMN_ERR_NOMEM;
	rc = import_stream(ps, reg, actor, f, name, format, job);
	fclose(f);
	return rc;
}
