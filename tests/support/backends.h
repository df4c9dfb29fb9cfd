/*
 * backends.h - a store on each backend for the cmocka cases of
 * tests/unit/test_store_backends*.c: SQLite in a temporary data
 * directory, PostgreSQL in a database of its own (pgtest.h). A case is
 * listed twice with BOTH(fn), and finds its store in *state.
 */
#ifndef COMMUNE_TESTS_BACKENDS_H
#define COMMUNE_TESTS_BACKENDS_H

#include <stddef.h>

#include "crypto/crypt.h"
#include "store/store.h"

enum backend { SQLITE, POSTGRES };

struct bk {
	enum backend kind;
	char dir[128];   /* the data directory (SQLite), or the key's (both) */
	char where[512]; /* what store_open was given */
	struct keyring keys;
	struct store *s;
};

extern enum backend bk_on_sqlite, bk_on_postgres;

/* bk_setup - a new store on the backend *state points to; *state becomes
 * its struct bk. 0, or -1 after printing why (nothing left behind). */
int bk_setup(void **state);

/* bk_teardown - closes the store and removes its directory or database */
int bk_teardown(void **state);

#define BK_LIST_MAX 512 /* the lists the cases build */

/* bk_list_add - appends "what," to out, a list of BK_LIST_MAX bytes */
void bk_list_add(char *out, const char *what);

/* the case fn on SQLite, then on PostgreSQL */
#define BOTH(fn)                                                                                   \
	{#fn " on SQLite", fn, bk_setup, bk_teardown, &bk_on_sqlite},                              \
	{                                                                                          \
#fn " on PostgreSQL", fn, bk_setup, bk_teardown, &bk_on_postgres                   \
	}

#endif
