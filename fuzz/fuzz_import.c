/*
 * fuzz_import.c - libFuzzer target for one import format, or for format
 * detection. fuzz/CMakeLists.txt compiles it once per format of
 * src/import/formats.c with -DFUZZ_FORMAT="NAME" (target
 * fuzz_import_NAME, '-' written '_'), and once without FUZZ_FORMAT
 * (fuzz_import_detect: the format is detected from the bytes and the file
 * name, as for an upload without a format).
 *
 * The input is a file. The format's detect() is asked about its first
 * bytes (a buffer of exactly that size, so that reading past it is an ASan
 * report), then import_buffer() runs the whole import (run(), the series
 * flush, the import record and its audit entry) inside a transaction of a
 * real person's store, opened once through tests/support/fixture.c, which
 * is then rolled back: the store stays empty and every input starts from
 * the same state.
 *
 * Besides ASan/UBSan, the target checks what callers rely on:
 *   - the result is OK or INVALID (or NOMEM): hostile input is refused,
 *     never an internal or a store error;
 *   - a refusal carries a message that is NUL-terminated, not empty and
 *     well-formed UTF-8 (the API puts it into JSON), and so is its pointer,
 *     "" or starting with '/'; a format read by lines names a line or a
 *     pointer; warnings are well-formed UTF-8 too;
 *   - an accepted file wrote no more points and records than it has bytes
 *     (ical: an event needs "BEGIN:VEVENT", 12 bytes, and its recurrence
 *     yields at most 10,000 records);
 *   - detect() scores 0 to 100 and accepts a NULL reason (import.h);
 *   - fuzz_import_detect: the import ran the format import_detect() picks;
 *   - the store holds no audit entry after the rollback.
 * What differs between formats (file name, bounds, known findings) is a
 * table below. FUZZ_SKIP_CHECKS lists, comma-separated, invariants not to
 * check (by their text), to fuzz past a finding; FUZZ_CHECK_KNOWN checks
 * the known findings of the table; FUZZ_VERBOSE prints each
 * result (to read a finding: fuzz_import_X -runs=1 FILE).
 *
 * mapping: a file whose first line is "#fuzz-mapping-file JSON" is
 * imported without that line, with COMMUNE_IMPORT_MAPPING naming a file
 * that holds JSON (the mapping file of `commune import --format mapping`);
 * any other input goes in as it is (its own #commune-mapping line or none).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "fixture.h"
#include "import/import.h"
#include "store/store.h"

#ifdef FUZZ_FORMAT
static const char *const format_name = FUZZ_FORMAT;
#else
static const char *const format_name = NULL; /* detection */
#endif

#define FUZZ_HEAD_MAX        4096 /* bytes detection sees, as import.c */
#define FUZZ_MAPPING_PREFIX  "#fuzz-mapping-file "
#define ICAL_EVENT_BYTES     12    /* "BEGIN:VEVENT" */
#define ICAL_OCCURRENCES_MAX 10000 /* records one event may yield */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What differs between formats, as data: the file name given to the
 * import (detect() may read its extension), what the input may hold and
 * what its errors name. A format not read by lines (whole-document JSON)
 * names a JSON pointer, "" (the root) included. */
enum fuzz_flags {
	FUZZ_LINES = 1 << 0,       /* a text read by lines: errors name a line */
	FUZZ_RECURRENCES = 1 << 1, /* records bounded per event, not per byte */
	FUZZ_ENV_MAPPING = 1 << 2, /* "#fuzz-mapping-file" first lines */
};

/*
 * One line per format of src/import/formats.c. known lists, comma-separated
 * as FUZZ_SKIP_CHECKS, the invariants a format is known not to keep yet
 * (found, reported, not fixed here): they are not checked, and the target
 * says so when it starts (FUZZ_CHECK_KNOWN=1 checks them: to try a fix on
 * the reproducers fuzz/corpus/import_FORMAT/known_*). Remove them with the fix.
 * None today: the two findings of the first runs (messages and pointers not
 * always UTF-8; series errors without a line) are fixed in import.c, and
 * their reproducers stay in the corpora as seeds.
 */

static const struct fuzz_setup {
	const char *format;
	const char *filename;
	unsigned flags;
	const char *known;
} setups[] = {
    {"enedis-csv", "fuzz.csv", FUZZ_LINES, NULL},
    {"ical", "fuzz.ics", FUZZ_LINES | FUZZ_RECURRENCES, NULL},
    {"bank-csv", "fuzz.csv", FUZZ_LINES, NULL},
    {"water-csv", "fuzz.csv", FUZZ_LINES, NULL},
    {"mapping", "fuzz.csv", FUZZ_LINES | FUZZ_ENV_MAPPING, NULL},
    {"ofx", "fuzz.ofx", FUZZ_LINES, NULL},
    {"camt053", "fuzz.xml", FUZZ_LINES, NULL},
    {"gpx", "fuzz.gpx", FUZZ_LINES, NULL},
    {"takeout-records", "fuzz.json", 0, NULL},
    {"grdf-json", "fuzz.json", 0, NULL},
    {"enedis-dataconnect", "fuzz.json", 0, NULL},
    {"enedis-index", "fuzz.csv", FUZZ_LINES, NULL},
    {"takeout-semantic", "fuzz.json", 0, NULL},
    {"emission-trips", "fuzz.json", 0, NULL},
    {"enedis-synchrone", "fuzz.json", 0, NULL},
    {"grdf-adict", "fuzz.ndjson", FUZZ_LINES, NULL},
    {"geojson", "fuzz.geojson", 0, NULL},
};

/* the names fuzz_import_detect gives its inputs, picked by size */
static const char *const detect_names[] = {"fuzz.dat", "fuzz.gpx",     "fuzz.ofx",
					   "fuzz.QFX", "fuzz.geojson", "fuzz"};

static struct fixture fx;                  /* a person's store, made once */
static const struct import_format *format; /* NULL: detection */
static const struct fuzz_setup *setup;     /* format's, NULL: detection */
static char mapping_path[sizeof(fx.dir) + 32];
static const char *skip_checks;
static bool verbose; /* FUZZ_VERBOSE: print each result */

/* CHECK - aborts (a crash for libFuzzer) when an invariant does not hold,
 * unless its text is listed in FUZZ_SKIP_CHECKS. */
#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond) && !skipped(what)) {                                                   \
			fprintf(stderr, "fuzz_import(%s): invariant failed: %s (%s:%d)\n",         \
				format_name ? format_name : "detect", what, __FILE__, __LINE__);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* listed - whether what is an item of the comma-separated list (may be NULL). */
static int listed(const char *list, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = list; p && (p = strstr(p, what)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static const struct fuzz_setup *ran; /* the setup of the format that ran, or NULL */

static bool check_known; /* FUZZ_CHECK_KNOWN: check the known findings too */

static int skipped(const char *what)
{
	return listed(skip_checks, what) || (!check_known && ran && listed(ran->known, what));
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_import(%s): %s\n", format_name ? format_name : "detect", what);
	exit(1);
}

static void cleanup(void)
{
	fixture_close(&fx);
}

/* setup_of - the setup of a format by name; NULL for detection (or a
 * format missing from the table: LLVMFuzzerInitialize refuses it). */
static const struct fuzz_setup *setup_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof(setups) / sizeof(setups[0]); i++)
		if (strcmp(setups[i].format, name) == 0)
			return &setups[i];
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	check_known = getenv("FUZZ_CHECK_KNOWN") != NULL;
	if (format_name && !(format = import_format_named(format_name)))
		die("no such format in src/import/formats.c");
	for (const struct import_format *const *f = import_formats(); *f; f++)
		if (!setup_of((*f)->name))
			die("a format has no line in the setups of fuzz/fuzz_import.c");
	setup = setup_of(format_name);
	unsetenv("COMMUNE_IMPORT_MAPPING"); /* only the inputs say when it is set */
	if (fixture_open(&fx, "fuzz") != 0)
		die("cannot open a person's store");
	atexit(cleanup);
	for (size_t i = 0; !check_known && i < sizeof(setups) / sizeof(setups[0]); i++)
		if (setups[i].known && (!format_name || strcmp(format_name, setups[i].format) == 0))
			fprintf(stderr, "fuzz_import(%s): known findings of %s, not checked: %s\n",
				format_name ? format_name : "detect", setups[i].format,
				setups[i].known);
	snprintf(mapping_path, sizeof(mapping_path), "%s/mapping.json", fx.dir);
	return 0;
}

/* check_detect - a format's detect() on the first bytes, given exactly. */
static void check_detect(const struct import_format *fmt, const uint8_t *data, size_t size,
			 const char *filename)
{
	size_t n = size < FUZZ_HEAD_MAX ? size : FUZZ_HEAD_MAX;
	char *head = malloc(n ? n : 1), why[160];
	int score;

	if (!head)
		return;
	memcpy(head, data, n);
	memset(why, 0x55, sizeof(why));
	score = fmt->detect(head, n, filename, why, sizeof(why));
	CHECK(score >= 0 && score <= 100, "detect scores 0 to 100");
	CHECK(memchr(why, '\0', sizeof(why)) != NULL, "detect reason is NUL-terminated");
	score = fmt->detect(head, n, filename, NULL, 0);
	CHECK(score >= 0 && score <= 100, "detect scores 0 to 100");
	free(head);
}

/* detected - what import_detect picks for these bytes and this name. */
static const struct import_format *detected(const uint8_t *data, size_t size, const char *filename)
{
	size_t n = size < FUZZ_HEAD_MAX ? size : FUZZ_HEAD_MAX;
	char *head = malloc(n ? n : 1), explain[2048];
	const struct import_format *fmt;

	if (!head)
		die("out of memory");
	memcpy(head, data, n);
	fmt = import_detect(head, n, filename, explain, sizeof(explain));
	CHECK(memchr(explain, '\0', sizeof(explain)) != NULL, "detect reason is NUL-terminated");
	free(head);
	return fmt;
}

/* env_mapping - for "#fuzz-mapping-file JSON" inputs: writes JSON into the
 * mapping file, points COMMUNE_IMPORT_MAPPING at it and skips the line. */
static void env_mapping(const uint8_t **data, size_t *size)
{
	size_t plen = strlen(FUZZ_MAPPING_PREFIX), n;
	const uint8_t *eol;
	FILE *f;

	unsetenv("COMMUNE_IMPORT_MAPPING");
	if (*size < plen || memcmp(*data, FUZZ_MAPPING_PREFIX, plen) != 0)
		return;
	eol = memchr(*data, '\n', *size);
	n = (eol ? (size_t)(eol - *data) : *size) - plen;
	f = fopen(mapping_path, "wb");
	if (!f || fwrite(*data + plen, 1, n, f) != n || fclose(f) != 0)
		die("cannot write the mapping file");
	setenv("COMMUNE_IMPORT_MAPPING", mapping_path, 1);
	*size -= eol ? (size_t)(eol + 1 - *data) : *size;
	*data = eol ? eol + 1 : *data + plen + n;
}

/* print_result - what the import said (FUZZ_VERBOSE), to read a finding. */
static void print_result(enum cmn_rc rc, const struct import_job *job)
{
	const struct import_stats *st = &job->stats;

	fprintf(stderr, "fuzz_import: %s: %s", job->format ? job->format->name : "(none)",
		cmn_strerror(rc));
	if (rc != CMN_OK) {
		fprintf(stderr, " line %zu column %zu pointer \"%.*s\" message \"", job->err.line,
			job->err.column, (int)sizeof(job->err.pointer), job->err.pointer);
		for (size_t i = 0; i < sizeof(job->err.message) && job->err.message[i]; i++) {
			unsigned char c = (unsigned char)job->err.message[i];

			fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
		}
		fprintf(stderr, "\"");
	}
	fprintf(stderr, " records %llu+%llu points %llu+%llu+%llu\n",
		(unsigned long long)st->records_created, (unsigned long long)st->records_duplicate,
		(unsigned long long)st->points_added, (unsigned long long)st->points_replaced,
		(unsigned long long)st->points_unchanged);
}

/* check_counts - an accepted file wrote no more than its bytes can hold. */
static void check_counts(const struct import_job *job, size_t size)
{
	const struct import_stats *st = &job->stats;
	uint64_t points = st->points_added + st->points_replaced + st->points_unchanged;
	uint64_t records = st->records_created + st->records_duplicate;

	if (ran && (ran->flags & FUZZ_RECURRENCES)) {
		CHECK(points == 0, "points and records are bounded by the input");
		CHECK(records <= (size / ICAL_EVENT_BYTES + 1) * ICAL_OCCURRENCES_MAX,
		      "points and records are bounded by the input");
	} else {
		CHECK(points + records <= size, "points and records are bounded by the input");
	}
}

/* check_refusal - what a refused file tells its uploader. */
static void check_refusal(const struct import_job *job)
{
	const struct import_error *e = &job->err;

	CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL, "message is NUL-terminated");
	CHECK(e->message[0] != '\0', "message is not empty");
	CHECK(str_utf8_valid(e->message, strnlen(e->message, sizeof(e->message))),
	      "message is well-formed UTF-8");
	CHECK(memchr(e->pointer, '\0', sizeof(e->pointer)) != NULL, "pointer is NUL-terminated");
	CHECK(str_utf8_valid(e->pointer, strnlen(e->pointer, sizeof(e->pointer))),
	      "pointer is well-formed UTF-8");
	CHECK(e->pointer[0] == '\0' || e->pointer[0] == '/', "pointer is empty or absolute");
	if (ran && (ran->flags & FUZZ_LINES))
		CHECK(e->line > 0 || e->pointer[0] == '/', "error has a line or pointer");
}

/* check_warnings - what an import tells besides its result, in JSON too. */
static void check_warnings(const struct import_job *job)
{
	CHECK(job->nwarnings <= IMPORT_MAX_WARNINGS, "warnings stay within IMPORT_MAX_WARNINGS");
	CHECK(job->stats.warnings >= job->nwarnings, "warnings are counted");
	for (size_t i = 0; i < job->nwarnings && i < IMPORT_MAX_WARNINGS; i++) {
		const char *w = job->warnings[i];
		const char *end = memchr(w, '\0', sizeof(job->warnings[i]));

		CHECK(end != NULL, "a warning is NUL-terminated");
		CHECK(end && str_utf8_valid(w, (size_t)(end - w)),
		      "a warning is well-formed UTF-8");
	}
}

static void check_store_empty(void)
{
	int64_t count = -1, bad = -1;

	if (pstore_audit_verify(fx.ps, &count, &bad) != CMN_OK)
		die("pstore_audit_verify");
	CHECK(count == 0, "the store stays empty");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *filename = setup ? setup->filename : NULL;
	const struct import_format *expected = format;
	struct import_job job;
	enum cmn_rc rc;

	if (setup && (setup->flags & FUZZ_ENV_MAPPING))
		env_mapping(&data, &size);
	if (format) {
		check_detect(format, data, size, filename);
	} else {
		/* the length picks the name: mutations that grow or shrink an
		 * input try it under every name */
		filename = detect_names[size % (sizeof(detect_names) / sizeof(detect_names[0]))];
		expected = detected(data, size, filename);
	}
	if (pstore_tx_begin(fx.ps) != CMN_OK)
		die("pstore_tx_begin");
	rc = import_buffer(fx.ps, &fx.reg, "fuzz", data, size, filename, format_name, &job);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* every run is rolled back */
	if (verbose)
		print_result(rc, &job);
	ran = job.format ? setup_of(job.format->name) : NULL;

	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM,
	      "result is OK or INVALID");
	if (size)
		CHECK(job.format == expected, "the import ran the detected format");
	if (rc == CMN_OK)
		check_counts(&job, size);
	else if (rc == CMN_ERR_INVALID)
		check_refusal(&job);
	check_warnings(&job);
	import_job_release(&job);
	ran = NULL;
	check_store_empty();
	return 0;
}
