/*
 * fixture.c - the person's store fixture of fixture.h.
 */
#include "fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgtest.h"
#include "series/series.h"

/* fixture_on_postgres - COMMUNE_TEST_STORE=postgres: the store is a
 * database of its own in the test cluster (pgtest.h), the key and the rest
 * stay in the directory */
static bool fixture_on_postgres(void)
{
	const char *w = getenv("COMMUNE_TEST_STORE");

	return w && strcmp(w, "postgres") == 0;
}

int fixture_open(struct fixture *f, const char *handle)
{
	char path[256], err[256], hash[CRYPT_PWHASH_LEN], password[128];
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(password, sizeof(password), "pw-%s-correct-horse", handle);
	setenv("COMMUNE_PWHASH_COST", "min", 1);
	snprintf(f->dir, sizeof(f->dir), "%s/commune-fixture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (crypt_init() != CMN_OK || !mkdtemp(f->dir)) {
		fprintf(stderr, "fixture: cannot create %s\n", f->dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/master.key", f->dir);
	if (fixture_on_postgres() && pgtest_db_new(f->url, sizeof(f->url)) != 0)
		return -1;
	if (keyring_open(&f->keys, path, KEYRING_CREATE) != CMN_OK ||
	    store_open(&f->s, f->url[0] ? f->url : f->dir, &f->keys) != CMN_OK ||
	    registry_load(&f->reg, err, sizeof(err)) != CMN_OK ||
	    registry_sync(&f->reg, f->s) != CMN_OK ||
	    crypt_password_hash(password, hash) != CMN_OK ||
	    store_person_add(f->s, handle, "resident", NULL, hash, &f->alice) != CMN_OK ||
	    store_person_store(f->s, f->alice.id, &f->ps) != CMN_OK) {
		fprintf(stderr, "fixture: cannot open a store in %s\n",
			f->url[0] ? "the test cluster" : f->dir);
		return -1;
	}
	return 0;
}

void fixture_close(struct fixture *f)
{
	char cmd[200];

	store_close(&f->s);
	if (f->url[0])
		pgtest_db_drop(f->url);
	registry_release(&f->reg);
	keyring_release(&f->keys);
	series_zone_release();
	if (f->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fixture: could not remove %s\n", f->dir);
	}
}
