/*
 * fuzz_import_trips.c - the takeout-semantic and emission-trips importers
 * (and format detection) on arbitrary bytes, against a real person's store
 * created once. The first byte picks the format (modulo 3: semantic,
 * e-mission, detection). Every run is wrapped in a transaction that is
 * rolled back, so the store stays empty and each input starts from the
 * same state. Checks: a refused input sets an error message; an accepted
 * one wrote no more trips than it has bytes.
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

static const char *format_of(const uint8_t *data, size_t size)
{
	static const char *const formats[] = {"takeout-semantic", "emission-trips", NULL};

	return size ? formats[data[0] % 3] : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_job job;
	enum cmn_rc rc;

	if (pstore_tx_begin(fx.ps) != CMN_OK)
		abort();
	/* the first byte picks a format, or detection */
	rc = import_buffer(fx.ps, &fx.reg, "fuzz", data, size, "fuzz.json", format_of(data, size), &job);
	if (rc == CMN_ERR_INVALID && !job.err.message[0])
		abort(); /* every refusal says why */
	if (rc == CMN_OK && job.stats.records_created + job.stats.records_duplicate > size)
		abort(); /* a trip needs at least a byte of input */
	import_job_release(&job);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	return 0;
}
