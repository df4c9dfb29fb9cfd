#define _GNU_SOURCE
/*
 * test_store_backends_key.c - a store is bound to its platform key (store.c):
 * the first open records the key's fingerprint, a later open with another
 * key is refused before anything is migrated or written, a store made
 * before fingerprints gets one at its next open, and store_key_bound tells
 * a store that has a key from one that may be given a new one. Each case
 * on SQLite and on PostgreSQL (tests/support/backends.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "backends.h"
#include "pgtest.h"

#include "crypto/crypt.h"
#include "store/store.h"

/* the name store.c records the fingerprint under */
#define FINGERPRINT "key_fingerprint"

/* The schema version of each backend's platform tables before
 * platform_meta: PRAGMA user_version of platform.db (its migration 19
 * makes the table), and the version of the module "accounts" in
 * commune_schema (its migration 2). */
#define SQLITE_BEFORE_META 18
#define PG_BEFORE_META     1

/* raw - runs sql on the store of b, beside commune (on SQLite the
 * platform.db of the data directory); returns the first column of the
 * first row, if any, into out (n bytes) */
static void raw(const struct bk *b, const char *sql, char *out, size_t n)
{
	if (out)
		*out = '\0';
	if (b->kind == SQLITE) {
		char path[300];
		sqlite3 *db;
		sqlite3_stmt *st;

		snprintf(path, sizeof(path), "%s/platform.db", b->dir);
		assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW && out)
			snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(b->where);
		PGresult *r;

		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		if (out && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
	}
}

/* schema_version - the version of the platform's tables, as text */
static void schema_version(const struct bk *b, char *out, size_t n)
{
	raw(b,
	    b->kind == SQLITE ? "PRAGMA user_version"
			      : "SELECT version FROM commune_schema WHERE module = 'accounts'",
	    out, n);
}

/* set_schema_version - the version the platform's tables claim to be at */
static void set_schema_version(const struct bk *b, int v)
{
	char sql[128];

	if (b->kind == SQLITE)
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	else
		snprintf(sql, sizeof(sql),
			 "UPDATE commune_schema SET version = %d WHERE module = 'accounts'", v);
	raw(b, sql, NULL, 0);
}

/* other_key - a keyring over a new random key, in b's directory */
static void other_key(const struct bk *b, struct keyring *k)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/other.key", b->dir);
	assert_int_equal(keyring_open(k, path, KEYRING_CREATE), CMN_OK);
}

static void add_person(struct store *s, const char *handle)
{
	struct person p;

	assert_int_equal(store_person_add(s, handle, "resident", NULL, "$pwhash-of-x", &p), CMN_OK);
}

/* The first open recorded the key's fingerprint; the same key opens
 * again; another is refused with CMN_ERR_WRONG_KEY and changes nothing:
 * not even a migration due, run only once the key is known to be right. */
static void key_is_checked(void **state)
{
	struct bk *b = *state;
	struct store *again = NULL;
	struct keyring wrong;
	char mine[CRYPT_HASH_HEX_LEN], got[STORE_META_VALUE_MAX], before[32], after[32];
	int64_t n;

	keyring_fingerprint(&b->keys, mine);
	assert_int_equal(store_meta_get(b->s, FINGERPRINT, got, sizeof(got)), CMN_OK);
	assert_string_equal(got, mine);
	add_person(b->s, "ann");

	assert_int_equal(store_open(&again, b->where, &b->keys), CMN_OK);
	assert_int_equal(store_person_count(again, &n), CMN_OK);
	assert_int_equal(n, 1);
	store_close(&again);

	other_key(b, &wrong);
	/* a migration would be due: the wrong key must not run it */
	set_schema_version(b, b->kind == SQLITE ? SQLITE_BEFORE_META : PG_BEFORE_META);
	schema_version(b, before, sizeof(before));
	assert_int_equal(store_open(&again, b->where, &wrong), CMN_ERR_WRONG_KEY);
	assert_null(again);
	assert_non_null(strstr(store_last_error(), "platform key"));
	schema_version(b, after, sizeof(after));
	assert_string_equal(after, before);
	raw(b, "SELECT count(*) FROM platform_meta", got, sizeof(got));
	assert_string_equal(got, "1");
	raw(b, "SELECT value FROM platform_meta WHERE name = '" FINGERPRINT "'", got, sizeof(got));
	assert_string_equal(got, mine);
	keyring_release(&wrong);

	/* the right key: the migration runs (harmlessly: the table is there,
	 * so put the version back first) and everything is as it was */
	set_schema_version(b, b->kind == SQLITE ? SQLITE_BEFORE_META + 1 : PG_BEFORE_META + 1);
	assert_int_equal(store_open(&again, b->where, &b->keys), CMN_OK);
	assert_int_equal(store_person_count(again, &n), CMN_OK);
	assert_int_equal(n, 1);
	store_close(&again);
}

/* A store made before fingerprints (no platform_meta, the schema one
 * version behind) is bound once it holds a person, gets the fingerprint
 * of the key of its next open, and refuses another key from then on. */
static void older_store_gets_one(void **state)
{
	struct bk *b = *state;
	struct store *again = NULL;
	struct keyring wrong;
	char mine[CRYPT_HASH_HEX_LEN], got[STORE_META_VALUE_MAX];
	bool bound = true;

	store_close(&b->s); /* its connections know platform_meta */
	raw(b, "DROP TABLE platform_meta", NULL, 0);
	set_schema_version(b, b->kind == SQLITE ? SQLITE_BEFORE_META : PG_BEFORE_META);
	/* no person: any key may be its first */
	assert_int_equal(store_key_bound(b->where, &bound), CMN_OK);
	assert_false(bound);
	raw(b,
	    "INSERT INTO persons(id, handle, role, pwhash, created)"
	    " VALUES ('0123456789abcdef0123456789abcdef', 'ann', 'resident', 'x', 0)",
	    NULL, 0);
	assert_int_equal(store_key_bound(b->where, &bound), CMN_OK);
	assert_true(bound);
	/* still the older schema: store_key_bound changed nothing */
	schema_version(b, got, sizeof(got));
	assert_int_equal(strtol(got, NULL, 10),
			 b->kind == SQLITE ? SQLITE_BEFORE_META : PG_BEFORE_META);

	assert_int_equal(store_open(&b->s, b->where, &b->keys), CMN_OK);
	keyring_fingerprint(&b->keys, mine);
	assert_int_equal(store_meta_get(b->s, FINGERPRINT, got, sizeof(got)), CMN_OK);
	assert_string_equal(got, mine);
	schema_version(b, got, sizeof(got));
	assert_int_equal(strtol(got, NULL, 10),
			 b->kind == SQLITE ? SQLITE_BEFORE_META + 1 : PG_BEFORE_META + 1);

	other_key(b, &wrong);
	assert_int_equal(store_open(&again, b->where, &wrong), CMN_ERR_WRONG_KEY);
	assert_null(again);
	keyring_release(&wrong);
}

/* store_key_bound: a store not made yet is not bound, and is not made by
 * the asking; once opened it is bound, even without a person */
static void bound_or_not(void **state)
{
	struct bk *b = *state;
	char where[512], path[600];
	struct store *s = NULL;
	struct stat st;
	bool bound = true;

	assert_int_equal(store_key_bound(b->where, &bound), CMN_OK);
	assert_true(bound); /* bk_setup opened it: its fingerprint is recorded */
	if (b->kind == SQLITE) {
		snprintf(where, sizeof(where), "%s/fresh", b->dir);
		assert_int_equal(store_key_bound(where, &bound), CMN_OK);
		assert_false(bound);
		assert_int_not_equal(stat(where, &st), 0); /* nothing made */
	} else {
		assert_int_equal(pgtest_db_new(where, sizeof(where)), 0);
		assert_int_equal(store_key_bound(where, &bound), CMN_OK);
		assert_false(bound);
	}
	assert_int_equal(store_open(&s, where, &b->keys), CMN_OK);
	store_close(&s);
	assert_int_equal(store_key_bound(where, &bound), CMN_OK);
	assert_true(bound);
	if (b->kind == POSTGRES) {
		pgtest_db_drop(where);
	} else {
		snprintf(path, sizeof(path), "%s/platform.db", where);
		assert_int_equal(stat(path, &st), 0);
	}
}

/* the named values: claimed once, set in place, and the fingerprint
 * neither claimed nor set through them */
static void meta_values(void **state)
{
	struct bk *b = *state;
	char got[STORE_META_VALUE_MAX], mine[CRYPT_HASH_HEX_LEN];
	char big[STORE_META_VALUE_MAX + 1];

	assert_int_equal(store_meta_get(b->s, STORE_META_ISSUER_KID, got, sizeof(got)),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_meta_claim(b->s, STORE_META_ISSUER_KID, "kid-1", got, sizeof(got)),
			 CMN_OK);
	assert_string_equal(got, "kid-1");
	/* a second claim gets the first */
	assert_int_equal(store_meta_claim(b->s, STORE_META_ISSUER_KID, "kid-2", got, sizeof(got)),
			 CMN_OK);
	assert_string_equal(got, "kid-1");
	assert_int_equal(store_meta_set(b->s, STORE_META_ISSUER_KID, "kid-3"), CMN_OK);
	assert_int_equal(store_meta_get(b->s, STORE_META_ISSUER_KID, got, sizeof(got)), CMN_OK);
	assert_string_equal(got, "kid-3");

	assert_int_equal(store_meta_set(b->s, FINGERPRINT, "00"), CMN_ERR_FORBIDDEN);
	assert_int_equal(store_meta_claim(b->s, FINGERPRINT, "00", got, sizeof(got)),
			 CMN_ERR_FORBIDDEN);
	keyring_fingerprint(&b->keys, mine);
	assert_int_equal(store_meta_get(b->s, FINGERPRINT, got, sizeof(got)), CMN_OK);
	assert_string_equal(got, mine);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_meta_set(b->s, STORE_META_ISSUER_KID, big), CMN_ERR_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(key_is_checked),
	    BOTH(older_store_gets_one),
	    BOTH(bound_or_not),
	    BOTH(meta_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
