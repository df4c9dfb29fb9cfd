/*
 * fuzz_backup.c - libFuzzer target for the restore's reading of a backup
 * (src/store/sqlite/sqlite_backup.c): any bytes as backup.json, in a
 * backup directory that holds a master.key, a platform.db that is not a
 * store and a person's blob, restored as a territory. Besides ASan/UBSan
 * it checks what an operator relies on:
 *   - a refusal is CMN_ERR_INVALID, CMN_ERR_CONFLICT (a store that is not
 *     sound), CMN_ERR_IO or CMN_ERR_NOMEM, with a terminated message;
 *   - a refused restore leaves nothing: not the target directory, not the
 *     sibling it is made in, nothing outside the fuzzer's own directory
 *     (the manifest's paths are checked before anything is written);
 *   - the backup's own files are never changed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz_backup: invariant failed: %s\n", what);      \
			abort();                                                          \
		}                                                                         \
	} while (0)

static char root[64], bk[128], target[128];

static void put(const char *rel, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", bk, rel);
	f = fopen(path, "wb");
	CHECK(f != NULL, "the seed files are written");
	fputs(text, f);
	fclose(f);
}

/* entries - the names directly in dir, as one string */
static void entries(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len = 0;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (len < n)
			len += (size_t)snprintf(out + len, n - len, "%s/", e->d_name);
	closedir(d);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[300];

	snprintf(root, sizeof(root), "%s/fuzz-backup-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(root) != NULL, "a directory to work in");
	snprintf(bk, sizeof(bk), "%s/bk", root);
	snprintf(target, sizeof(target), "%s/restored", root);
	CHECK(mkdir(bk, 0700) == 0, "the backup directory");
	/* 32 bytes of 'k' (SHA-256 5e318f8c..., in the seeds) */
	put("master.key", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	put("platform.db", "not a store");
	snprintf(path, sizeof(path), "%s/persons", bk);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/persons/ab", bk);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/persons/ab/ab000000000000000000000000000000.blobs", bk);
	mkdir(path, 0700);
	put("persons/ab/ab000000000000000000000000000000.blobs/"
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "sealed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static char before_root[4096], before_bk[4096];
	char after[4096], why[512], path[300];
	struct backup_stats st;
	enum cmn_rc rc;
	FILE *f;

	if (!ready) {
		setup();
		entries(root, before_root, sizeof(before_root));
		put("backup.json", "{}");
		entries(bk, before_bk, sizeof(before_bk));
		ready = 1;
	}
	snprintf(path, sizeof(path), "%s/%s", bk, BACKUP_MANIFEST);
	f = fopen(path, "wb");
	CHECK(f != NULL, "the manifest is written");
	fwrite(data, 1, size, f);
	fclose(f);

	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	rc = backup_restore_territory(bk, target, &st, why, sizeof(why));
	if (rc == CMN_OK) {
		/* only with a sound platform.db, which the backup has not */
		CHECK(0, "a backup without a store restores");
	}
	CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_CONFLICT || rc == CMN_ERR_IO ||
	      rc == CMN_ERR_NOMEM, "a refusal is invalid, unsound, an I/O error or out of memory");
	CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0], "the refusal says why");
	entries(root, after, sizeof(after));
	CHECK(strcmp(after, before_root) == 0, "a refused restore leaves nothing");
	entries(bk, after, sizeof(after));
	CHECK(strcmp(after, before_bk) == 0, "the backup directory is as it was");
	return 0;
}
