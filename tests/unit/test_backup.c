/*
 * test_backup.c - backups and restores (src/store/sqlite/sqlite_backup.c):
 * a territory restored elsewhere holds the same persons, records, blobs
 * (decrypted with the restored key) and audit chains; a backup taken while
 * another thread writes is one instant of the store; a person's store is
 * put back in place; a damaged or foreign backup changes nothing.
 */
#include <dirent.h>
#include <pthread.h>
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
#include <sqlite3.h>

#include "checks.h"
#include "fixture.h"

#include "core/buf.h"
#include "core/str.h"
#include "crypto/crypt.h"
#include "store/store.h"
#include "store/store_backup.h"

#define DOCTYPE "bank.transaction"

static void add_record(struct pstore *ps, int i, char id[RECORD_ID_LEN])
{
	struct record_meta m = {0};
	char data[160];

	crypt_uuid7_new(m.id);
	str_copy(m.doctype, sizeof(m.doctype), DOCTYPE);
	str_copy(m.source, sizeof(m.source), "api");
	m.t = INT64_MIN;
	snprintf(data, sizeof(data),
		 "{\"date\":\"2024-02-%02d\",\"amount\":%d.5,\"currency\":\"EUR\",\"label\":\"r%d\"}",
		 1 + i % 28, i, i);
	assert_int_equal(pstore_record_insert(ps, &m, data, "test"), CMN_OK);
	if (id)
		str_copy(id, RECORD_ID_LEN, m.id);
}

static enum cmn_rc collect(const struct record_meta *m, const char *data,
			   const struct query_value *sort_key, void *ctx)
{
	(void)sort_key;
	return buf_printf(ctx, "%s %s\n", m->id, data);
}

/* contents - a person's records (id and data, by id) and blob, as text */
static void contents(struct store *s, const char *pid, const char *blob, struct buf *out)
{
	struct store_query q = {.doctype = DOCTYPE, .sort = QSORT_ID, .limit = 100000};
	struct pstore *ps;
	int64_t count = 0, bad = 0;

	buf_init(out, 64u << 20);
	assert_int_equal(store_person_store(s, pid, &ps), CMN_OK);
	assert_int_equal(pstore_record_query(ps, &q, collect, out), CMN_OK);
	if (blob) {
		struct buf b;

		buf_init(&b, 1 << 20);
		assert_int_equal(pstore_blob_get(ps, blob, &b), CMN_OK);
		buf_printf(out, "blob %s %.*s\n", blob, (int)b.len, b.data);
		buf_release(&b);
	}
	assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
	assert_true(count > 0);
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

/* a second person, bob, with records and a blob; alice too */
static void populate(struct fixture *f, struct person *bob, char blob_a[BLOB_ID_LEN],
		     char blob_b[BLOB_ID_LEN])
{
	char hash[CRYPT_PWHASH_LEN];
	struct pstore *ps;

	assert_int_equal(crypt_password_hash("pw-bob-correct-horse", hash), CMN_OK);
	assert_int_equal(store_person_add(f->s, "bob", "resident", NULL, hash, bob), CMN_OK);
	assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
	for (int i = 0; i < 300; i++)
		add_record(ps, i, NULL);
	assert_int_equal(pstore_blob_put(ps, "alice's payslip", 15, blob_a), CMN_OK);
	assert_int_equal(store_person_store(f->s, bob->id, &ps), CMN_OK);
	for (int i = 0; i < 40; i++)
		add_record(ps, 1000 + i, NULL);
	assert_int_equal(pstore_blob_put(ps, "bob's tax notice", 16, blob_b), CMN_OK);
}

static void territory_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct person bob, p;
	char blob_a[BLOB_ID_LEN], blob_b[BLOB_ID_LEN], bk[256], dir[256], why[512], key[300];
	struct backup_stats st;
	struct keyring keys;
	struct store *s2 = NULL;
	struct buf a1, a2, b1, b2;

	populate(f, &bob, blob_a, blob_b);
	path_in(bk, sizeof(bk), f->dir, "bk");
	assert_int_equal(store_backup(f->s, NULL, bk, &st, why, sizeof(why)), CMN_OK);
	assert_int_equal(st.stores, 3); /* the platform, alice, bob */
	assert_int_equal(st.blobs, 2);
	/* into a new directory only */
	assert_int_equal(store_backup(f->s, NULL, bk, &st, why, sizeof(why)), CMN_ERR_EXISTS);
	assert_non_null(strstr(why, "exists"));

	path_in(dir, sizeof(dir), f->dir, "elsewhere");
	assert_int_equal(backup_restore_territory(bk, dir, &st, why, sizeof(why)), CMN_OK);
	assert_int_equal(st.stores, 3);
	snprintf(key, sizeof(key), "%s/master.key", dir);
	assert_int_equal(keyring_open(&keys, key, 0), CMN_OK); /* restored, not made */
	assert_int_equal(store_open(&s2, dir, &keys), CMN_OK);
	assert_int_equal(store_person_by_handle(s2, "bob", &p, NULL), CMN_OK);
	assert_string_equal(p.id, bob.id);

	contents(f->s, f->alice.id, blob_a, &a1);
	contents(s2, f->alice.id, blob_a, &a2);
	assert_int_equal(a1.len, a2.len);
	assert_string_equal(a1.data, a2.data);
	assert_non_null(strstr(a2.data, "alice's payslip"));
	contents(f->s, bob.id, blob_b, &b1);
	contents(s2, bob.id, blob_b, &b2);
	assert_string_equal(b1.data, b2.data);
	buf_release(&a1);
	buf_release(&a2);
	buf_release(&b1);
	buf_release(&b2);

	/* not into a directory that holds something */
	assert_int_equal(backup_restore_territory(bk, dir, &st, why, sizeof(why)),
			 CMN_ERR_EXISTS);
	store_close(&s2);
	keyring_release(&keys);
}

/* damage - flips a byte of the file at path */
static void damage(const char *path, long at)
{
	FILE *fp = fopen(path, "r+b");
	int c;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	c = fgetc(fp);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	fputc(c ^ 0x20, fp);
	fclose(fp);
}

static void damaged_backups_change_nothing(void **state)
{
	struct fixture *f = *state;
	struct person bob;
	char blob_a[BLOB_ID_LEN], blob_b[BLOB_ID_LEN], bk[256], dir[256], why[512], path[600];
	struct backup_stats st;
	struct stat sb;
	FILE *fp;

	populate(f, &bob, blob_a, blob_b);
	path_in(bk, sizeof(bk), f->dir, "bk");
	path_in(dir, sizeof(dir), f->dir, "restored");
	assert_int_equal(store_backup(f->s, NULL, bk, &st, why, sizeof(why)), CMN_OK);

	/* a byte of bob's blob */
	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.blobs/%s", bk, bob.id, bob.id, blob_b);
	damage(path, 3);
	assert_int_equal(backup_restore_territory(bk, dir, &st, why, sizeof(why)),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(why, blob_b));
	assert_int_not_equal(stat(dir, &sb), 0); /* nothing made */
	damage(path, 3);                          /* as it was */
	assert_int_equal(backup_restore_territory(bk, dir, &st, why, sizeof(why)), CMN_OK);

	/* a manifest that names a file outside the data directory */
	snprintf(path, sizeof(path), "%s/%s", bk, BACKUP_MANIFEST);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"format\":\"commune-backup\",\"version\":1,\"scope\":\"territory\",\"files\":"
	      "[{\"path\":\"../../etc/passwd\",\"size\":1,\"sha256\":\"00\"}]}",
	      fp);
	fclose(fp);
	path_in(dir, sizeof(dir), f->dir, "restored2");
	assert_int_equal(backup_restore_territory(bk, dir, &st, why, sizeof(why)),
			 CMN_ERR_INVALID);
	assert_non_null(strstr(why, "../../etc/passwd"));
	assert_int_not_equal(stat(dir, &sb), 0);

	/* a territory's backup is not a person's */
	assert_int_equal(store_restore_person(f->s, bk, "test", &st, why, sizeof(why)),
			 CMN_ERR_INVALID);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

struct last {
	int n;
	int64_t seq;
	char actor[64];
};

static enum cmn_rc last_entry(const struct audit_entry *e, void *ctx)
{
	struct last *l = ctx;

	l->n++;
	l->seq = e->seq;
	snprintf(l->actor, sizeof(l->actor), "%s", e->actor);
	return CMN_OK;
}

static void person_in_place(void **state)
{
	struct fixture *f = *state;
	struct person bob;
	char blob_a[BLOB_ID_LEN], blob_b[BLOB_ID_LEN], blob_c[BLOB_ID_LEN], bk[256], why[512];
	char first[RECORD_ID_LEN], blobdir[600];
	struct backup_stats st;
	struct pstore *ps;
	struct buf before, after, bobs, bobs_after;

	populate(f, &bob, blob_a, blob_b);
	path_in(bk, sizeof(bk), f->dir, "alice-bk");
	assert_int_equal(store_backup(f->s, f->alice.id, bk, &st, why, sizeof(why)), CMN_OK);
	assert_int_equal(st.stores, 1);
	assert_int_equal(st.blobs, 1);
	assert_string_equal(st.person_id, f->alice.id);
	contents(f->s, f->alice.id, blob_a, &before);
	contents(f->s, bob.id, blob_b, &bobs);

	/* alice goes on: more records, one deleted, another blob */
	assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
	add_record(ps, 5000, first);
	add_record(ps, 5001, NULL);
	assert_int_equal(pstore_record_delete(ps, DOCTYPE, first, -1, "test"), CMN_OK);
	assert_int_equal(pstore_blob_put(ps, "a new photo", 11, blob_c), CMN_OK);
	snprintf(blobdir, sizeof(blobdir), "%s/persons/%.2s/%s.blobs", f->dir, f->alice.id,
		 f->alice.id);
	assert_int_equal(count_files(blobdir), 2);

	assert_int_equal(store_restore_person(f->s, bk, "test", &st, why, sizeof(why)), CMN_OK);
	contents(f->s, f->alice.id, blob_a, &after);
	assert_string_equal(before.data, after.data);
	assert_int_equal(count_files(blobdir), 1); /* the new photo went with the store */
	/* the restore is the chain's last link */
	{
		struct audit_filter restores = {.action = "store.restore", .to = INT64_MAX};
		struct last l = {0};
		int64_t count = 0, bad = 0;

		assert_int_equal(store_person_store(f->s, f->alice.id, &ps), CMN_OK);
		assert_int_equal(pstore_audit_verify(ps, &count, &bad), CMN_OK);
		assert_int_equal(count, 300 + 1); /* the records, then the restore */
		assert_int_equal(pstore_audit_each(ps, &restores, 0, 10, last_entry, &l), CMN_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.seq, count);
		assert_string_equal(l.actor, "test");
	}
	/* bob's store did not move */
	contents(f->s, bob.id, blob_b, &bobs_after);
	assert_string_equal(bobs.data, bobs_after.data);
	buf_release(&before);
	buf_release(&after);
	buf_release(&bobs);
	buf_release(&bobs_after);

	/* a person's backup is not restored as a territory */
	assert_int_equal(backup_restore_territory(bk, "/nonexistent-dir-x", &st, why, sizeof(why)),
			 CMN_ERR_INVALID);
}

/* ---- a backup while another thread writes ---------------------------------- */

struct writer {
	struct fixture *f;
	volatile int stop;
	int written;
};

static void *write_on(void *arg)
{
	struct writer *w = arg;
	struct pstore *ps;

	if (store_person_store(w->f->s, w->f->alice.id, &ps) != CMN_OK)
		return NULL;
	while (!w->stop) {
		struct record_meta m = {0};

		crypt_uuid7_new(m.id);
		str_copy(m.doctype, sizeof(m.doctype), DOCTYPE);
		str_copy(m.source, sizeof(m.source), "api");
		m.t = INT64_MIN;
		if (pstore_record_insert(ps, &m,
					 "{\"date\":\"2024-03-01\",\"amount\":1,\"currency\":\"EUR\","
					 "\"label\":\"w\"}",
					 "writer") == CMN_OK)
			w->written++;
	}
	store_thread_done();
	return NULL;
}

/* one_instant - in the backup's copy of alice's store, each record has
 * its audit entry and each entry its record: the copy is one instant */
static int64_t one_instant(const char *bk, const char *pid)
{
	char path[600];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t records, entries;

	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", bk, pid, pid);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT (SELECT count(*) FROM records),"
					    " (SELECT count(*) FROM audit WHERE action = 'record.create'),"
					    " (SELECT integrity_check FROM pragma_integrity_check)",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	records = sqlite3_column_int64(st, 0);
	entries = sqlite3_column_int64(st, 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(records, entries);
	return records;
}

static void while_writing(void **state)
{
	struct fixture *f = *state;
	struct writer w = {f, 0, 0};
	pthread_t t;
	char bk[256], why[512];
	struct backup_stats st;
	int64_t last = -1, seen;

	assert_int_equal(pthread_create(&t, NULL, write_on, &w), 0);
	for (int i = 0; i < 6; i++) {
		usleep(20000);
		snprintf(bk, sizeof(bk), "%s/bk%d", f->dir, i);
		assert_int_equal(store_backup(f->s, f->alice.id, bk, &st, why, sizeof(why)), CMN_OK);
		seen = one_instant(bk, f->alice.id);
		assert_true(seen >= last); /* later backups, later instants */
		last = seen;
	}
	w.stop = 1;
	pthread_join(t, NULL);
	assert_true(last > 0);
	assert_true(last <= w.written);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(territory_elsewhere, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(damaged_backups_change_nothing, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(person_in_place, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(while_writing, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
