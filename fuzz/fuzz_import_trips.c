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
	static char dir[] = "/tmp/commune-fuzz-trips-XXXXXX";
	char path[128], err[256], hash[CRYPT_PWHASH_LEN];
	struct person p;

	(void)argc;
	(void)argv;
	setenv("COMMUNE_PWHASH_COST", "min", 1);
	if (crypt_init() != CMN_OK || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (keyring_open(&keys, path) != CMN_OK || store_open(&store, dir, &keys) != CMN_OK ||
	    registry_load(&reg, err, sizeof(err)) != CMN_OK ||
	    registry_sync(&reg, store) != CMN_OK ||
	    crypt_password_hash("fuzz-password-123", hash) != CMN_OK ||
	    store_person_add(store, "fuzz", "resident", NULL, hash, &p) != CMN_OK ||
	    store_person_store(store, p.id, &ps) != CMN_OK)
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

	if (pstore_tx_begin(ps) != CMN_OK)
		abort();
	/* the first byte picks a format, or detection */
	rc = import_buffer(ps, &reg, "fuzz", data, size, "fuzz.json", format_of(data, size), &job);
	if (rc == CMN_ERR_INVALID && !job.err.message[0])
		abort(); /* every refusal says why */
	if (rc == CMN_OK && job.stats.records_created + job.stats.records_duplicate > size)
		abort(); /* a trip needs at least a byte of input */
	import_job_release(&job);
	pstore_tx_end(ps, CMN_ERR_INVALID); /* roll back: the store stays empty */
	return 0;
}
