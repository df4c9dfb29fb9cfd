/*
 * extsort.c - the external sort of extsort.h: sorted runs of one buffer
 * each, written one after the other to an unlinked temporary file, then a
 * k-way merge through a binary heap of the runs, each read in blocks that
 * share the buffer (so merging takes no more memory than gathering did).
 */
#include "import/extsort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* A run on disk and, while merging, its block in the buffer. */
struct extsort_run {
	off_t start;                         /* byte offset of its first item */
	size_t n;                            /* items */
	size_t read;                         /* items read into blocks so far */
	char *block;                         /* its part of the buffer */
	size_t block_cap, block_n, block_at; /* items the block holds, has, next */
};

/* item_max - items the buffer may hold. */
static size_t item_max(const struct extsort *s)
{
	size_t bytes = s->buffer_bytes ? s->buffer_bytes : EXTSORT_BUFFER_BYTES;

	return bytes / s->size ? bytes / s->size : 1;
}

/* temp_open - an unlinked file in $TMPDIR (or /tmp), open for update. */
static FILE *temp_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd;

	if (!dir || !dir[0])
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/commune-sort-XXXXXX", dir) >= sizeof(path))
		return NULL;
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	f = fdopen(fd, "w+b");
	if (!f)
		close(fd);
	return f;
}

/* write_run - sorts the buffer and appends it to the file as a run. */
static enum cmn_rc write_run(struct extsort *s)
{
	struct extsort_run *r;

	if (!s->tmp && !(s->tmp = temp_open()))
		return CMN_ERR_IO;
	if (s->nruns == s->runs_cap) {
		size_t cap = s->runs_cap ? 2 * s->runs_cap : 16;

		r = realloc(s->runs, cap * sizeof(*r));
		if (!r)
			return CMN_ERR_NOMEM;
		s->runs = r;
		s->runs_cap = cap;
	}
	r = &s->runs[s->nruns];
	memset(r, 0, sizeof(*r));
	r->start = s->nruns ? s->runs[s->nruns - 1].start +
				  (off_t)(s->runs[s->nruns - 1].n * s->size)
			    : 0;
	r->n = s->n;
	qsort(s->buf, s->n, s->size, s->cmp);
	if (fwrite(s->buf, s->size, s->n, s->tmp) != s->n)
		return CMN_ERR_IO;
	s->nruns++;
	s->n = 0;
	return CMN_OK;
}

enum cmn_rc extsort_add(struct extsort *s, const void *item)
{
	enum cmn_rc rc;

	if (!s->buf) {
		/* the whole buffer at once: its pages cost only once written
		 * to, and it never moves (growing it would copy it) */
		if (!(s->buf = malloc(item_max(s) * s->size)))
			return CMN_ERR_NOMEM;
		s->cap = item_max(s);
	}
	if (s->n == s->cap && (rc = write_run(s)) != CMN_OK)
		return rc;
	memcpy(s->buf + s->n * s->size, item, s->size);
	s->n++;
	return CMN_OK;
}

/* ---- merging -------------------------------------------------------------- */

static const void *head(const struct extsort *s, size_t run)
{
	const struct extsort_run *r = &s->runs[run];

	return r->block + r->block_at * s->size;
}

/* before - run a's item comes before run b's (the earlier run on a tie). */
static bool before(const struct extsort *s, size_t a, size_t b)
{
	int c = s->cmp(head(s, a), head(s, b));

	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct extsort *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;

		if (l < s->nheap && before(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->nheap && before(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* refill - the run's next block from the file (block_n 0 at its end). */
static enum cmn_rc refill(struct extsort *s, struct extsort_run *r)
{
	size_t want = r->n - r->read < r->block_cap ? r->n - r->read : r->block_cap;

	r->block_n = r->block_at = 0;
	if (!want)
		return CMN_OK;
	if (fseeko(s->tmp, r->start + (off_t)(r->read * s->size), SEEK_SET) != 0 ||
	    fread(r->block, s->size, want, s->tmp) != want)
		return CMN_ERR_IO;
	r->block_n = want;
	r->read += want;
	return CMN_OK;
}

/* merge_start - the last buffer as a run; the buffer cut down to one
 * block a run (EXTSORT_BLOCK_BYTES each, less when they would not fit in
 * the buffer, at least an item), each block filled; the heap built. */
static enum cmn_rc merge_start(struct extsort *s)
{
	size_t block = EXTSORT_BLOCK_BYTES / s->size ? EXTSORT_BLOCK_BYTES / s->size : 1;
	size_t per, total;
	enum cmn_rc rc = s->n ? write_run(s) : CMN_OK;

	if (rc == CMN_OK && fflush(s->tmp) != 0)
		rc = CMN_ERR_IO;
	if (rc != CMN_OK)
		return rc;
	per = s->cap / s->nruns;
	if (per > block)
		per = block;
	if (per == 0)
		per = 1;
	total = per * s->nruns;
	if (total != s->cap) {
		/* smaller (the memory goes back) or, with more runs than
		 * items in a buffer, larger */
		char *b = realloc(s->buf, total * s->size);

		if (!b)
			return CMN_ERR_NOMEM;
		s->buf = b;
		s->cap = total;
	}
	if (!(s->heap = malloc(s->nruns * sizeof(*s->heap))))
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < s->nruns && rc == CMN_OK; i++) {
		s->runs[i].block = s->buf + i * per * s->size;
		s->runs[i].block_cap = per;
		rc = refill(s, &s->runs[i]);
		if (rc == CMN_OK && s->runs[i].block_n)
			s->heap[s->nheap++] = i;
	}
	for (size_t i = s->nheap / 2; rc == CMN_OK && i-- > 0;)
		sift_down(s, i);
	return rc;
}

enum cmn_rc extsort_sort(struct extsort *s)
{
	s->sorted = true;
	if (!s->nruns) {
		if (s->n)
			qsort(s->buf, s->n, s->size, s->cmp);
		return CMN_OK;
	}
	return merge_start(s);
}

enum cmn_rc extsort_next(struct extsort *s, const void **item)
{
	*item = NULL;
	if (!s->sorted)
		return CMN_ERR_INTERNAL;
	if (!s->nruns) {
		if (s->at < s->n)
			*item = s->buf + s->at++ * s->size;
		return CMN_OK;
	}
	if (s->taken) {
		/* the item handed out last is done with: its run moves on */
		struct extsort_run *r = &s->runs[s->heap[0]];

		s->taken = false;
		if (++r->block_at == r->block_n) {
			enum cmn_rc rc = refill(s, r);

			if (rc != CMN_OK)
				return rc;
			if (!r->block_n)
				s->heap[0] = s->heap[--s->nheap];
		}
		if (s->nheap)
			sift_down(s, 0);
	}
	if (!s->nheap)
		return CMN_OK;
	*item = head(s, s->heap[0]);
	s->taken = true;
	return CMN_OK;
}

void extsort_release(struct extsort *s)
{
	if (s->tmp)
		fclose(s->tmp);
	free(s->buf);
	free(s->runs);
	free(s->heap);
	s->tmp = NULL;
	s->buf = NULL;
	s->runs = NULL;
	s->heap = NULL;
	s->n = s->cap = s->at = s->nruns = s->runs_cap = s->nheap = 0;
	s->sorted = s->taken = false;
}
