/*
 * fuzz_import_bank.c - libFuzzer target for the bank statement importers
 * (src/import/ofx.c, src/import/camt053.c and their tokenizer xmlscan.c).
 *
 * The input is a file: it is fmemopen'ed and given to the run() of both
 * formats, each time inside a transaction of a real person's store (created
 * once, in a temporary directory) that is then rolled back, so records are
 * validated and inserted exactly as in an import and the store stays empty.
 *
 * Besides ASan/UBSan, the target checks what callers rely on: the result is
 * OK or INVALID (or NOMEM), an INVALID result carries a message that is
 * NUL-terminated well-formed UTF-8 (the API puts it into JSON) and names a
 * line or a JSON pointer, and no more records are written than there are
 * bytes in the input. FUZZ_SKIP_CHECKS lists invariants not to check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "crypto/crypt.h"
#include "fixture.h"
#include "import/import.h"
#include "record/doctype.h"
#include "store/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fixture fx;            /* a person's store, made once */
static const char *skip_checks;

#define CHECK(cond, what)                                                                   \
	do {                                                                                \
		if (!(cond) && !skipped(what)) {                                            \
			fprintf(stderr, "fuzz_import_bank: invariant failed: %s (%s:%d)\n", \
				what, __FILE__, __LINE__);                                  \
			abort();                                                            \
		}                                                                           \
	} while (0)

static int skipped(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = skip_checks; p && (p = strstr(p, what)); p += n)
		if ((p == skip_checks || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static void cleanup(void)
{
	fixture_close(&fx);
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_import_bank: %s\n", what);
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	skip_checks = getenv("FUZZ_SKIP_CHECKS");
	if (fixture_open(&fx, "alice") != 0)
		die("cannot open a person's store");
	atexit(cleanup);
	return 0;
}

static void run_format(const struct import_format *fmt, const uint8_t *data, size_t size)
{
	struct import_job *job = calloc(1, sizeof(*job));
	struct import_input in = {0};
	enum cmn_rc rc;

	if (!job)
		return;
	in.f = fmemopen((void *)data, size, "rb");
	if (!in.f) {
		free(job);
		return;
	}
	job->ps = fx.ps;
	job->reg = &fx.reg;
	job->actor = "fuzz";
	job->format = fmt;
	crypt_id_new(job->id);
	snprintf(job->source, sizeof(job->source), "import:%s", fmt->name);
	if (pstore_tx_begin(fx.ps) != CMN_OK)
		die("pstore_tx_begin");
	rc = fmt->run(job, &in);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* every run is rolled back */
	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "result is OK or INVALID");
	if (rc == CMN_ERR_INVALID) {
		CHECK(memchr(job->err.message, '\0', sizeof(job->err.message)) != NULL,
		      "message is NUL-terminated");
		CHECK(job->err.message[0] != '\0', "message is not empty");
		CHECK(str_utf8_valid(job->err.message, strlen(job->err.message)),
		      "message is well-formed UTF-8");
		CHECK(job->err.line > 0 || job->err.pointer[0] == '/', "error has a line or pointer");
	}
	CHECK(job->stats.records_created + job->stats.records_duplicate <= size,
	      "records are bounded by the input");
	fclose(in.f);
	import_job_release(job);
	free(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"ofx", "camt053"};
	char head[4096], why[160];

	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct import_format *fmt = import_format_named(names[i]);

		if (!fmt)
			die("format missing");
		memcpy(head, data, size < sizeof(head) ? size : sizeof(head));
		why[0] = '\0';
		(void)fmt->detect(head, size < sizeof(head) ? size : sizeof(head), "x", why,
				  sizeof(why));
		run_format(fmt, data, size);
	}
	return 0;
}
