/*
 * fixture.h - a fresh person's store for tests and fuzz targets: a
 * temporary data directory with its key, the platform store, the doctype
 * registry and one person whose store is open.
 */
#ifndef COMMUNE_TESTS_FIXTURE_H
#define COMMUNE_TESTS_FIXTURE_H

#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"

struct fixture {
	char dir[128];                    /* removed by fixture_close */
	char url[256];                    /* the store's database when on PostgreSQL
					   * (COMMUNE_TEST_STORE=postgres), dropped by
					   * fixture_close; "" on SQLite */
	struct keyring keys;
	struct store *s;
	struct registry reg;
	struct person alice;              /* the one person */
	struct pstore *ps;                /* alice's store */
};

/* fixture_open - creates it all (the store in PostgreSQL when
 * COMMUNE_TEST_STORE=postgres, as tests/support/server.c does), the person named handle with the
 * password "pw-HANDLE-correct-horse" (hashed at the minimum cost); 0, or -1
 * after printing why. */
int fixture_open(struct fixture *f, const char *handle);

/* fixture_close - closes everything and removes the directory. */
void fixture_close(struct fixture *f);

#endif
