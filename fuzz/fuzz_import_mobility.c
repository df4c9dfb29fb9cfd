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
#include "import/import.h"
#include "record/doctype.h"
#include "store/store.h"

static struct keyring keys;
static struct store *store;
static struct registry reg;
static struct pstore *ps;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/commune-fuzz-mobility-XXXXXX";
	char path[128], err[256], hash[CRYPT_PWHASH_LEN];
	struct person p;

	(void)argc;
	(void)argv;
	setenv("COMMUNE_PWHASH_COST", "min", 1);
	if (crypt_init() != CMN_OK || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (keyring_open(&keys, path) != CMN_OK || store_open(&store, dir, &keys) != CMN_OK ||
	    registry_load(&reg, err, sizeof(err)) != CMN_OK || registry_sync(&reg, store) != CMN_OK ||
	    crypt_password_hash("fuzz-password-123", hash) != CMN_OK ||
	    store_person_add(store, "fuzz", "resident", NULL, hash, &p) != CMN_OK ||
	    store_person_store(store, p.id, &ps) != CMN_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = {"gpx", "takeout-records", NULL, NULL};
	struct import_job job;
	enum cmn_rc rc;

	if (pstore_tx_begin(ps) != CMN_OK)
		abort();
	/* the last byte picks GPX, Takeout or detection, so that the start of
	 * the file stays free for the format's own markers */
	rc = import_buffer(ps, &reg, "fuzz", data, size, "fuzz.dat",
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
	pstore_tx_end(ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	return 0;
}
