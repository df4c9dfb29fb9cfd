/*
 * fuzz_xmlscan.c - libFuzzer target for the XML/SGML tokenizer the OFX and
 * camt.053 importers share (src/import/xmlscan.c) and its helpers
 * (xmlscan_cents, xmlscan_copy_text, xmlscan_excerpt, xmlscan_local).
 *
 * The first byte of the input sets the scanner up, the rest is the
 * document:
 *   bit 0     SGML (OFX 1.x: leaves' end tags may be left out)
 *   bit 1     Windows-1252 (else checked UTF-8) until an <?xml encoding?>
 *   bits 2-3  both set: the document is preceded by spaces so that it
 *             starts 1 + (bits 4-7) bytes before the end of the scanner's
 *             first read (XMLSCAN_READ_CHUNK), to cross the refill
 *
 * The document is scanned to its end or its error, and the events are
 * checked against a model of the element stack the target keeps itself:
 * an OPEN pushes its name (the scanner's stack top is that name, its
 * attributes are NUL-terminated inside attr_buf and found by xmlscan_attr),
 * a CLOSE pops the same name (and xmlscan_closed_had_text says whether a
 * TEXT came while it was on top), END comes with nothing open; TEXT is
 * non-empty, trimmed, NUL-terminated at text_len without an inner NUL, and
 * every text, name, attribute and error message is well-formed UTF-8 (the
 * importers copy them into JSON records and error messages). END and ERROR
 * stay; the scan ends within a number of events bounded by the input.
 * Every TEXT is also given to xmlscan_cents (a result within 10^13 that
 * prints and parses back to itself), xmlscan_copy_text (a prefix cut at a
 * character boundary) and xmlscan_excerpt. FUZZ_SKIP_CHECKS lists,
 * comma-separated, invariants not to check.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "import/xmlscan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CENTS_MAX 10000000000000LL /* xmlscan.h: at most 10^13 in magnitude */

static const char *skip_checks;

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold,
 * unless its text is listed in FUZZ_SKIP_CHECKS. */
#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond) && !skipped(what)) {                                                   \
			fprintf(stderr, "fuzz_xmlscan: invariant failed: %s (%s:%d)\n", what,      \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int skipped(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = skip_checks; p && (p = strstr(p, what)); p += n)
		if ((p == skip_checks || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	return 0;
}

/* the element stack as the events describe it */
struct model {
	char names[XMLSCAN_DEPTH_MAX][XMLSCAN_NAME_MAX + 1];
	bool text[XMLSCAN_DEPTH_MAX];
	size_t depth;
};

static bool utf8_string(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);

	return end && str_utf8_valid(s, (size_t)(end - s));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* check_cents - xmlscan_cents on s: in range, and it parses back. */
static void check_cents(const char *s)
{
	for (int comma = 0; comma < 2; comma++) {
		int64_t cents = 0, again = 0;
		char text[48];

		if (!xmlscan_cents(s, comma, &cents))
			continue;
		CHECK(cents >= -CENTS_MAX && cents <= CENTS_MAX, "cents are within 10^13");
		snprintf(text, sizeof(text), "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "",
			 (cents < 0 ? -cents : cents) / 100, (cents < 0 ? -cents : cents) % 100);
		CHECK(xmlscan_cents(text, false, &again) && again == cents,
		      "cents print and parse back");
	}
}

/* check_copy - xmlscan_copy_text into n bytes and xmlscan_excerpt. */
static void check_copy(const char *s, size_t len, size_t n)
{
	char dst[64];
	const char *ex;
	bool whole;
	size_t got;

	whole = xmlscan_copy_text(dst, n, s);
	got = strnlen(dst, n);
	CHECK(got < n, "a copy is NUL-terminated");
	CHECK(whole == (len < n), "a copy says whether it is whole");
	CHECK(memcmp(dst, s, got) == 0, "a copy is a prefix");
	CHECK(str_utf8_valid(dst, got), "text is well-formed UTF-8");
	ex = xmlscan_excerpt(s);
	got = strlen(ex);
	CHECK(got <= 40 && memcmp(ex, s, got) == 0, "an excerpt is a short prefix");
	CHECK(str_utf8_valid(ex, got), "text is well-formed UTF-8");
}

static void check_open(const struct xmlscan *xs, struct model *m)
{
	CHECK(m->depth < XMLSCAN_DEPTH_MAX, "depth stays within XMLSCAN_DEPTH_MAX");
	CHECK(xs->depth == m->depth + 1, "OPEN pushes one element");
	CHECK(utf8_string(xs->name, sizeof(xs->name)) && xs->name[0], "a name is a string");
	CHECK(strcmp(xs->stack[xs->depth - 1], xs->name) == 0, "OPEN is on top of the stack");
	CHECK(xmlscan_parent_is(xs, 0, xmlscan_local(xs->name)), "OPEN is on top of the stack");
	CHECK(xs->nattrs <= XMLSCAN_ATTRS_MAX, "attributes stay within XMLSCAN_ATTRS_MAX");
	for (size_t i = 0; i < xs->nattrs; i++) {
		const struct xmlscan_attr *a = &xs->attrs[i];

		CHECK(utf8_string(a->name, sizeof(a->name)) && a->name[0], "a name is a string");
		CHECK(a->value < sizeof(xs->attr_buf), "an attribute is inside attr_buf");
		CHECK(utf8_string(xs->attr_buf + a->value, sizeof(xs->attr_buf) - a->value),
		      "an attribute is well-formed UTF-8");
		CHECK(xmlscan_attr(xs, xmlscan_local(a->name)) != NULL, "xmlscan_attr finds it");
	}
	snprintf(m->names[m->depth], sizeof(m->names[0]), "%s", xs->name);
	m->text[m->depth++] = false;
}

static void check_close(const struct xmlscan *xs, struct model *m)
{
	CHECK(m->depth > 0 && xs->depth == m->depth - 1, "CLOSE pops one element");
	if (m->depth == 0)
		return;
	m->depth--;
	CHECK(strcmp(xs->name, m->names[m->depth]) == 0, "CLOSE names the open element");
	CHECK(xmlscan_closed_had_text(xs) == m->text[m->depth], "CLOSE knows about its text");
}

static void check_text(const struct xmlscan *xs, struct model *m, bool sgml)
{
	CHECK(xs->text_len > 0 && xs->text_len <= XMLSCAN_TEXT_MAX, "TEXT is not empty");
	CHECK(xs->text[xs->text_len] == '\0' && strlen(xs->text) == xs->text_len,
	      "TEXT is NUL-terminated at text_len");
	CHECK(!is_space(xs->text[xs->text_len - 1]), "TEXT is trimmed");
	CHECK(str_utf8_valid(xs->text, strnlen(xs->text, xs->text_len)),
	      "text is well-formed UTF-8");
	CHECK(xs->depth == m->depth, "TEXT keeps the stack");
	CHECK(sgml || xs->depth > 0, "TEXT outside the root is SGML's only");
	if (m->depth)
		m->text[m->depth - 1] = true;
	check_cents(xs->text);
	check_copy(xs->text, xs->text_len, 1 + xs->text_len % 48);
}

/* scan - every event of one document. */
static void scan(FILE *f, bool sgml, bool cp1252, size_t size)
{
	struct xmlscan *xs = xmlscan_new(f, sgml);
	struct model *m = calloc(1, sizeof(*m));
	enum xmlscan_event ev = XMLSCAN_ERROR;
	size_t events = 0;

	if (!xs || !m)
		goto out;
	if (cp1252)
		xs->charset = XMLSCAN_CP1252;
	for (; events <= size + 2; events++) {
		ev = xmlscan_next(xs);
		CHECK(ev >= XMLSCAN_END && ev <= XMLSCAN_ERROR, "an event is known");
		if (ev == XMLSCAN_END || ev == XMLSCAN_ERROR)
			break;
		CHECK(xs->line > 0 && xs->column > 0, "an event has a line and column");
		if (ev == XMLSCAN_OPEN)
			check_open(xs, m);
		else if (ev == XMLSCAN_CLOSE)
			check_close(xs, m);
		else if (ev == XMLSCAN_TEXT)
			check_text(xs, m, sgml);
		else if (ev == XMLSCAN_PI)
			CHECK(utf8_string(xs->name, sizeof(xs->name)) && xs->name[0],
			      "a name is a string");
	}
	CHECK(ev == XMLSCAN_END || ev == XMLSCAN_ERROR, "the scan ends");
	if (ev == XMLSCAN_END) {
		CHECK(xs->depth == 0 && m->depth == 0, "END leaves nothing open");
		CHECK(xmlscan_next(xs) == XMLSCAN_END, "END stays");
	} else if (ev == XMLSCAN_ERROR) {
		CHECK(utf8_string(xs->err, sizeof(xs->err)) && xs->err[0],
		      "an error says why in UTF-8");
		CHECK(xs->err_line > 0 && xs->err_column > 0, "an error has a line and column");
		CHECK(xmlscan_next(xs) == XMLSCAN_ERROR, "ERROR stays");
	}
out:
	free(m);
	xmlscan_free(&xs);
	CHECK(xs == NULL, "xmlscan_free sets NULL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned config;
	size_t pad = 0;
	uint8_t *doc;
	FILE *f;

	if (size < 2)
		return 0; /* a set-up byte and a document (fmemopen refuses none) */
	config = data[0];
	data++;
	size--;
	if ((config & 0x0c) == 0x0c)
		pad = XMLSCAN_READ_CHUNK - 1 - (config >> 4);
	doc = malloc(pad + size);
	if (!doc)
		return 0;
	memset(doc, ' ', pad);
	memcpy(doc + pad, data, size);
	f = fmemopen(doc, pad + size, "rb");
	if (f) {
		scan(f, config & 1, config & 2, pad + size);
		fclose(f);
	}
	free(doc);
	return 0;
}
