/*
 * fuzz_multipart.c - libFuzzer target for the streaming multipart/form-data
 * parser (src/http/multipart.c).
 *
 * The input is a Content-Type value up to its first newline, then a body.
 * The Content-Type goes through multipart_boundary; when it gives a
 * boundary (else a fixed one is used), the body is parsed twice: in one
 * piece, and cut in pieces whose sizes come from a hash of the input (1 to
 * 97 bytes, often 1, so that delimiters straddle every cut). Both parses
 * must tell exactly the same story: the same parts with the same headers
 * and bytes, the same result and the same error (with its byte offset).
 * The content given out never exceeds the body, a part's name is never
 * empty, and a boundary given out is 1 to 70 valid characters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_multipart: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                             \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A transcript of what the parser said. */
struct story {
	struct buf text;
	size_t content;                   /* bytes of content given out */
	bool in_part;
};

static enum cmn_rc on_begin(void *ctx, const struct multipart_part *p)
{
	struct story *s = ctx;

	CHECK(!s->in_part, "a part begins inside a part");
	CHECK(p->name[0] != '\0', "a part without a name is given out");
	s->in_part = true;
	buf_printf(&s->text, "[begin name=%s file=%d filename=%s type=%s]", p->name, p->is_file,
		   p->filename, p->content_type);
	return CMN_OK;
}

static enum cmn_rc on_data(void *ctx, const char *d, size_t n)
{
	struct story *s = ctx;

	CHECK(s->in_part, "content outside a part");
	CHECK(n > 0, "empty content given out");
	s->content += n;
	buf_append(&s->text, d, n);
	return CMN_OK;
}

static enum cmn_rc on_end(void *ctx)
{
	struct story *s = ctx;

	CHECK(s->in_part, "a part ends outside a part");
	s->in_part = false;
	buf_puts(&s->text, "[end]");
	return CMN_OK;
}

static const struct multipart_callbacks cb = {on_begin, on_data, on_end};

/* parse - the whole body, in pieces of the sizes `cuts` says (NULL: one). */
static enum cmn_rc parse(const char *boundary, const char *body, size_t n, uint64_t cuts,
			 struct story *s, char *error, size_t elen)
{
	struct multipart *m = malloc(sizeof(*m));
	enum cmn_rc rc = CMN_OK;
	size_t at = 0;

	CHECK(m != NULL, "out of memory");
	buf_init(&s->text, 1 << 22);
	s->content = 0;
	s->in_part = false;
	multipart_init(m, boundary, &cb, s);
	while (at < n && rc == CMN_OK) {
		size_t piece = n - at;

		if (cuts) {
			cuts = cuts * 6364136223846793005ULL + 1442695040888963407ULL;
			piece = (cuts >> 60) < 8 ? 1 : (size_t)(cuts >> 33) % 97 + 1;
			if (piece > n - at)
				piece = n - at;
		}
		rc = multipart_feed(m, body + at, piece);
		at += piece;
	}
	if (rc == CMN_OK)
		rc = multipart_finish(m);
	else
		CHECK(multipart_feed(m, "x", 1) == rc, "a failed parse goes on");
	snprintf(error, elen, "%s", rc == CMN_OK ? "" : m->error);
	CHECK(s->content <= n, "more content than body");
	free(m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t ctlen = nl ? (size_t)(nl - (const char *)data) : 0;
	char ct[512], boundary[MULTIPART_BOUNDARY_MAX + 1] = "fuzzBOUNDARY";
	char err1[256], err2[256];
	const char *body = nl ? nl + 1 : (const char *)data;
	size_t n = nl ? size - ctlen - 1 : size;
	struct story a, b;
	enum cmn_rc r1, r2;
	uint64_t h = 1469598103934665603ULL;

	if (ctlen < sizeof(ct)) {
		char got[MULTIPART_BOUNDARY_MAX + 1];

		memcpy(ct, data, ctlen);
		ct[ctlen] = '\0';
		if (multipart_boundary(ct, got, sizeof(got)) == CMN_OK) {
			size_t len = strlen(got);

			CHECK(len >= 1 && len <= MULTIPART_BOUNDARY_MAX, "boundary length");
			CHECK(strchr(got, '\r') == NULL && strchr(got, '\n') == NULL,
			      "a line end in a boundary");
			CHECK(multipart_is_form(ct), "a boundary of another media type");
			memcpy(boundary, got, len + 1);
		}
	}
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	r1 = parse(boundary, body, n, 0, &a, err1, sizeof(err1));
	r2 = parse(boundary, body, n, h | 1, &b, err2, sizeof(err2));
	CHECK(r1 == r2, "the result depends on the cuts");
	CHECK(strcmp(err1, err2) == 0, "the error depends on the cuts");
	CHECK(a.text.len == b.text.len &&
		      (a.text.len == 0 || memcmp(a.text.data, b.text.data, a.text.len) == 0),
	      "the parts depend on the cuts");
	CHECK(r1 != CMN_OK || !a.in_part, "a well-formed body ends inside a part");
	buf_release(&a.text);
	buf_release(&b.text);
	return 0;
}
