/*
 * fuzz_import_mobility.c - the GPX and Google Takeout Records.json importers
 * (and format detection) on arbitrary bytes, against a real person's store
 * created once. Every run is wrapped in a transaction that is rolled back,
 * so the store stays empty and each input starts from the same state.
 * Checks: a refused input sets an error message (and a JSON pointer is ""
 * or starts with '/'); an accepted one added points and records only
 * within what its bytes can hold.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = {"gpx", "takeout-records", NULL, NULL};
	struct import_job job;
	enum cmn_rc rc;

	if (pstore_tx_begin(fx.ps) != CMN_OK)
		abort();
	/* the last byte picks GPX, Takeout or detection, so that the start of
	 * the file stays free for the format's own markers */
	rc = import_buffer(fx.ps, &fx.reg, "fuzz", data, size, "fuzz.dat",
			   size ? formats[data[size - 1] & 3] : NULL, &job);
	if (rc == CMN_ERR_INVALID && !job.err.message[0])
		abort(); /* every refusal says why */
	if (rc == CMN_ERR_INVALID && job.err.pointer[0] && job.err.pointer[0] != '/')
		abort();
	if (rc == CMN_OK && job.stats.points_added + job.stats.points_unchanged > size)
		abort(); /* a point needs at least a byte of input */
	if (rc == CMN_OK && job.stats.records_created + job.stats.records_duplicate > size)
		abort();
	if (rc != CMN_OK && rc != CMN_ERR_INVALID && rc != CMN_ERR_NOMEM)
		abort(); /* hostile input is refused, never an internal error */
	import_job_release(&job);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	return 0;
}
