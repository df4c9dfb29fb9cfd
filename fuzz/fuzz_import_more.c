/*
 * fuzz_import_more.c - the enedis-synchrone, grdf-adict and geojson
 * importers and format detection on arbitrary bytes, against a real
 * person's store created once. Every run is wrapped in a transaction that
 * is rolled back, so the store stays empty and each input starts from the
 * same state. Checks: a refused input sets an error message; an accepted
 * one added no more points, nor records, than it has bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypt.h"
#include "fixture.h"
#include "import/import.h"
#include "record/doctype.h"
#include "store/store.h"

static struct fixture fx;            /* a person's store, made once */

/* the formats fuzzed; the last entry (NULL) goes through detection */
static const char *const formats[] = {"enedis-synchrone", "grdf-adict", "geojson", NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fixture_open(&fx, "fuzz") != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nformats = sizeof(formats) / sizeof(formats[0]);
	const char *format = formats[size % nformats];
	struct import_job job;
	enum cmn_rc rc;

	if (pstore_tx_begin(fx.ps) != CMN_OK)
		abort();
	/* the length picks the format: mutations that grow or shrink an input
	 * try it with every format */
	rc = import_buffer(fx.ps, &fx.reg, "fuzz", data, size, "fuzz.json", format, &job);
	if (rc == CMN_ERR_INVALID && !job.err.message[0])
		abort(); /* every refusal says why */
	if (rc == CMN_OK && job.stats.points_added + job.stats.points_unchanged > size)
		abort(); /* a point needs at least a byte of input */
	if (rc == CMN_OK && job.stats.records_created + job.stats.records_duplicate > size)
		abort(); /* so does a record */
	import_job_release(&job);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	return 0;
}
