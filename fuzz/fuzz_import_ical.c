/*
 * fuzz_import_ical.c - the iCalendar importer (its run() directly, on an
 * fmemopen'ed input) on arbitrary bytes, against a real person's store
 * created once. Every run is wrapped in a transaction that is rolled back,
 * so the store stays empty and each input starts from the same state.
 * Checks: a refused input sets an error message; an accepted one created
 * no more records than the occurrence cap allows per event.
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
static const struct import_format *ical;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fixture_open(&fx, "fuzz") != 0 || !(ical = import_format_named("ical")))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_job job;
	struct import_input in = {0};
	enum cmn_rc rc;
	FILE *f;

	if (!size)
		return 0; /* fmemopen refuses an empty buffer */
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		abort();
	memset(&job, 0, sizeof(job));
	job.ps = fx.ps;
	job.reg = &fx.reg;
	job.actor = "fuzz";
	job.format = ical;
	snprintf(job.source, sizeof(job.source), "import:ical");
	in.f = f;
	if (pstore_tx_begin(fx.ps) != CMN_OK)
		abort();
	rc = ical->run(&job, &in);
	if (rc == CMN_ERR_INVALID && !job.err.message[0])
		abort(); /* every refusal says why */
	/* an event needs "BEGIN:VEVENT" (12 bytes) and yields <= 10,000 records */
	if (rc == CMN_OK &&
	    job.stats.records_created + job.stats.records_duplicate > (size / 12 + 1) * 10000)
		abort();
	import_job_release(&job);
	pstore_tx_end(fx.ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	fclose(f);
	return 0;
}
