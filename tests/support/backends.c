/*
 * backends.c - the stores on each backend of backends.h.
 */
#define _GNU_SOURCE
#include "backends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgtest.h"

enum backend bk_on_sqlite = SQLITE, bk_on_postgres = POSTGRES;

static void remove_dir(const char *dir)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int bk_setup(void **state)
{
	struct bk *b = calloc(1, sizeof(*b));
	char path[200];

	if (!b || crypt_init() != CMN_OK) {
		free(b);
		return -1;
	}
	b->kind = *(enum backend *)*state;
	snprintf(b->dir, sizeof(b->dir), "/tmp/commune-backends-XXXXXX");
	if (!mkdtemp(b->dir)) {
		free(b);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/master.key", b->dir);
	if (keyring_open(&b->keys, path, KEYRING_CREATE) != CMN_OK)
		goto fail;
	if (b->kind == SQLITE)
		snprintf(b->where, sizeof(b->where), "%s", b->dir);
	else if (pgtest_db_new(b->where, sizeof(b->where)) != 0)
		goto fail_keys;
	if (store_open(&b->s, b->where, &b->keys) != CMN_OK) {
		fprintf(stderr, "cannot open %s: %s\n", b->where, store_last_error());
		if (b->kind == POSTGRES)
			pgtest_db_drop(b->where);
		goto fail_keys;
	}
	*state = b;
	return 0;
fail_keys:
	keyring_release(&b->keys);
fail:
	remove_dir(b->dir);
	free(b);
	return -1;
}

int bk_teardown(void **state)
{
	struct bk *b = *state;

	store_close(&b->s);
	keyring_release(&b->keys);
	if (b->kind == POSTGRES)
		pgtest_db_drop(b->where);
	remove_dir(b->dir);
	free(b);
	return 0;
}

void bk_list_add(char *out, const char *what)
{
	size_t n = strlen(out);

	snprintf(out + n, BK_LIST_MAX - n, "%s,", what);
}
