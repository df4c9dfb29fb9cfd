/*
 * test_import_seen.c - the occurrence counter of src/import/seen.c: the
 * same counts whether the hashes stay in memory or go to the temporary
 * database on disk, the memory bounded, the temporary file private and
 * gone at release, and a full disk answered with CMN_ERR_IO (never a crash,
 * never a wrong count).
 *
 * SQLite reads SQLITE_TMPDIR once, when it starts: main() points it to a
 * directory of this test before anything opens a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "import/seen.h"

static char tmpdir[64] = "/tmp/commune-test-seen-XXXXXX";

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* key_of - the i-th key of a draw: a few very common, many rare */
static void key_of(uint64_t r, char *out, size_t n)
{
	unsigned k = (unsigned)(r % 8 == 0 ? r % 50 : (r >> 8) % 150000);

	snprintf(out, n, "2024-03-%02u|-4.%02u|CARTE %u CAFE", k % 28 + 1, k % 100, k);
}

/* fds_in - open file descriptors of this process whose file is in dir */
static int fds_in(const char *dir)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[512], target[512];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strncmp(target, dir, strlen(dir)) == 0 && target[strlen(dir)] == '/';
	}
	closedir(d);
	return n;
}

/* entries_in - names in dir, besides . and .. */
static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* 400,000 draws of 150,050 keys, most seen several times: the counts with
 * 1,000 hashes in memory (the rest on disk) are those of an unbounded
 * table, draw by draw, and the memory stays at its bound. */
static void seen_spill_same_counts(void **state)
{
	struct seen mem = {.memory_max = SIZE_MAX}, disk = {.memory_max = 1000};
	char key[96];

	(void)state;
	rng_state = 42;
	for (int i = 0; i < 400000; i++) {
		uint32_t a = 0, b = 0;

		key_of(rng(), key, sizeof(key));
		assert_int_equal(seen_next(&mem, key, &a), CMN_OK);
		assert_int_equal(seen_next(&disk, key, &b), CMN_OK);
		if (a != b)
			fail_msg("draw %d (%s): %u before in memory, %u with the disk", i, key, a,
				 b);
	}
	assert_int_equal(disk.n, mem.n);
	assert_true(mem.n > 100000);
	assert_null(mem.disk);
	assert_non_null(disk.disk);
	assert_int_equal(disk.used, 1000);
	assert_true(disk.cap <= 2048);
	/* the first keys stayed in memory, the later ones count on */
	key_of(0, key, sizeof(key));
	{
		uint32_t a = 0, b = 0;

		assert_int_equal(seen_next(&mem, key, &a), CMN_OK);
		assert_int_equal(seen_next(&disk, key, &b), CMN_OK);
		assert_int_equal(a, b);
		assert_true(a > 0);
	}
	seen_release(&mem);
	seen_release(&disk);
	assert_int_equal(disk.n, 0);
	assert_null(disk.disk);
	seen_release(&disk); /* twice is harmless */
}

/* The default bound: SEEN_MEMORY_MAX hashes in memory, then the disk. */
static void seen_default_bound(void **state)
{
	struct seen t = {0};
	char key[32];
	uint32_t before;

	(void)state;
	for (int i = 0; i < SEEN_MEMORY_MAX + 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(seen_next(&t, key, &before), CMN_OK);
		assert_int_equal(before, 0);
	}
	assert_int_equal(t.used, SEEN_MEMORY_MAX);
	assert_true(t.cap <= 2 * (size_t)SEEN_MEMORY_MAX);
	assert_non_null(t.disk);
	assert_int_equal(t.n, SEEN_MEMORY_MAX + 10);
	assert_int_equal(seen_next(&t, "k0", &before), CMN_OK);
	assert_int_equal(before, 1);
	snprintf(key, sizeof(key), "k%d", SEEN_MEMORY_MAX + 9);
	assert_int_equal(seen_next(&t, key, &before), CMN_OK);
	assert_int_equal(before, 1);
	assert_int_equal(t.n, SEEN_MEMORY_MAX + 10);
	seen_release(&t);
}

/* The temporary database is a file in SQLite's temporary directory, open
 * while the set is, unlinked at once (no name left behind), closed by
 * seen_release. */
static void seen_temp_file(void **state)
{
	struct seen t = {.memory_max = 10};
	char key[32];
	uint32_t before;

	(void)state;
	assert_int_equal(fds_in(tmpdir), 0);
	/* more than the page cache (SEEN_DISK_CACHE_KIB) holds: pages on disk */
	for (int i = 0; i < 300000; i++) {
		snprintf(key, sizeof(key), "key %d", i);
		assert_int_equal(seen_next(&t, key, &before), CMN_OK);
	}
	assert_true(fds_in(tmpdir) >= 1);
	assert_int_equal(entries_in(tmpdir), 0);
	seen_release(&t);
	assert_int_equal(fds_in(tmpdir), 0);
	assert_int_equal(entries_in(tmpdir), 0);
}

/* A disk that fills (files limited to 256 KiB): CMN_ERR_IO, then the
 * same answer for any key, and a clean release. */
static void seen_disk_full(void **state)
{
	struct seen t = {.memory_max = 100};
	struct rlimit old, small;
	enum cmn_rc rc = CMN_OK;
	char key[32];
	uint32_t before;
	int i;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 256 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	log_set_output(NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (i = 0; i < 2000000 && rc == CMN_OK; i++) {
		snprintf(key, sizeof(key), "key %d", i);
		rc = seen_next(&t, key, &before);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	log_set_output(stderr);
	assert_int_equal(rc, CMN_ERR_IO);
	assert_true(i > 100 && i < 2000000);
	assert_int_equal(seen_next(&t, "key 0", &before), CMN_ERR_IO);
	assert_int_equal(seen_next(&t, "another key", &before), CMN_ERR_IO);
	seen_release(&t);
	assert_int_equal(fds_in(tmpdir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(seen_spill_same_counts),
	    cmocka_unit_test(seen_default_bound),
	    cmocka_unit_test(seen_temp_file),
	    cmocka_unit_test(seen_disk_full),
	};
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("SQLITE_TMPDIR", tmpdir, 1);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return failed;
}
