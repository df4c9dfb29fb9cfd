/*
 * test_crash.c - crash safety (issue 15): `commune serve` is killed with
 * SIGKILL at random moments (seeded: COMMUNE_CRASH_SEED, else a fixed
 * seed; COMMUNE_CRASH_KILLS kills, 100 by default) while a client writes
 * records one by one and imports OFX files of 20 to 400 transactions; it
 * is started again each time. Then, read from the files with SQLite
 * itself, not through commune:
 *  - every record whose write was acknowledged (201) is there;
 *  - every import is all there or not at all (its transactions counted by
 *    their FITIDs), and all there when acknowledged (201 under
 *    Prefer: wait); each import row marked done holds as many records as
 *    it says it created;
 *  - the person's audit chain verifies (`commune audit verify`);
 *  - PRAGMA integrity_check says ok for the platform and the person.
 * The same checks run halfway, after a restart, and at the end.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "client.h"
#include "server.h"

#define BOUNDARY "crash-boundary-5d0c1e"
#define MAX_ACKED 100000
#define MAX_IMPORTS 20000

static const char *bin;
static struct test_server srv;
static char cookie[200], csrf[120];
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned between(unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rnd() % (hi - lo + 1));
}

/* what the client was told was done, and what it tried */
static char (*acked)[40];
static size_t nacked;
static struct attempt {
	char prefix[24];                  /* of the FITIDs: "C12I3T" */
	int count;
	int acked;
} *imports;
static size_t nimports;

/* ---- the killer ------------------------------------------------------------- */

struct killer {
	pid_t pid;
	unsigned delay_ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;
	struct timespec ts = {k->delay_ms / 1000, (long)(k->delay_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	kill(k->pid, SIGKILL);
	return NULL;
}

/* ---- the client --------------------------------------------------------------- */

/* write_record - true while the server answers */
static bool write_record(int cycle, int n)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: application/json", NULL};
	char body[200];
	struct resp r;
	bool up;

	snprintf(body, sizeof(body),
		 "{\"date\":\"2024-05-%02d\",\"amount\":-%d.25,\"currency\":\"EUR\",\"label\":"
		 "\"c%d-w%d\"}",
		 1 + n % 28, 1 + n % 500, cycle, n);
	if (client_request(srv.base, "POST", "/api/v1/records/bank.transaction", hdr, body,
			   strlen(body), &r) != 0) {
		client_free(&r); /* what came before the connection went */
		return false;
	}
	up = r.status != 0;
	if (r.status == 201 && nacked < MAX_ACKED) {
		const char *id = json_string_value(json_object_get(r.json, "id"));

		assert_non_null(id);
		snprintf(acked[nacked++], sizeof(acked[0]), "%s", id);
	}
	client_free(&r);
	return up;
}

/* ofx - an OFX 1.02 file of count transactions, FITIDs PREFIX0.. */
static char *ofx(const char *prefix, int count, size_t *len)
{
	size_t cap = 512 + (size_t)count * 160, n = 0;
	char *b = malloc(cap);

	assert_non_null(b);
	n += (size_t)snprintf(b + n, cap - n,
			      "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\n"
			      "CHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
			      "<CURDEF>EUR\r\n<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001"
			      "<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n<BANKTRANLIST>\r\n");
	for (int k = 0; k < count; k++)
		n += (size_t)snprintf(b + n, cap - n,
				      "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202403%02d<TRNAMT>-%d.10"
				      "<FITID>%s%d<NAME>SHOP %d</STMTTRN>\r\n",
				      1 + k % 28, 1 + k % 90, prefix, k, k % 17);
	n += (size_t)snprintf(b + n, cap - n,
			      "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n");
	*len = n;
	return b;
}

static bool import_file(int cycle, int n)
{
	const char *hdr[] = {cookie, csrf, "Content-Type: multipart/form-data; boundary=" BOUNDARY,
			     "Prefer: wait=10", NULL};
	struct attempt *a = &imports[nimports];
	size_t len, blen;
	char *file, *body, head[300];
	struct resp r;
	bool up;
	int h;

	if (nimports == MAX_IMPORTS)
		return write_record(cycle, n);
	snprintf(a->prefix, sizeof(a->prefix), "C%dI%dT", cycle, n);
	a->count = (int)between(20, 400);
	a->acked = 0;
	nimports++;
	file = ofx(a->prefix, a->count, &len);
	h = snprintf(head, sizeof(head),
		     "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
		     "filename=\"%s.ofx\"\r\nContent-Type: application/x-ofx\r\n\r\n",
		     a->prefix);
	blen = (size_t)h + len + strlen("\r\n--" BOUNDARY "--\r\n");
	body = malloc(blen + 1);
	assert_non_null(body);
	memcpy(body, head, (size_t)h);
	memcpy(body + h, file, len);
	memcpy(body + h + len, "\r\n--" BOUNDARY "--\r\n", blen - (size_t)h - len);
	free(file);
	if (client_request(srv.base, "POST", "/api/v1/imports", hdr, body, blen, &r) != 0) {
		client_free(&r);
		free(body);
		return false;
	}
	free(body);
	up = r.status != 0;
	if (r.status == 201) {
		/* finished within the wait: the job says how it ended */
		const char *status = json_string_value(json_object_get(r.json, "status"));

		assert_non_null(status);
		assert_string_equal(status, "done");
		a->acked = 1;
	}
	client_free(&r);
	return up;
}

/* ---- the checks --------------------------------------------------------------- */

static int64_t one_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void sound(sqlite3 *db, const char *what)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		fail_msg("%s: %s", what, sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

struct counted {
	char prefix[24];
	size_t at;                        /* in imports */
	int64_t n;                        /* records found */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct counted *)a)->prefix, ((const struct counted *)b)->prefix);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* check_all - with the server stopped: every check of the header */
static void check_all(const char *when)
{
	char path[600], out[4096], pid[64];
	sqlite3 *db;
	int64_t done_rows, bad_rows;
	size_t complete = 0, absent = 0;

	snprintf(path, sizeof(path), "%s/platform.db", srv.dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sound(db, "platform.db");
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM persons WHERE handle = 'alice'",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(pid, sizeof(pid), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);

	snprintf(path, sizeof(path), "%s/persons/%.2s/%s.db", srv.dir, pid, pid);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sound(db, "alice's store");
	/* one pass over the records: their ids, and their count by FITID prefix */
	{
		sqlite3_stmt *st;
		struct counted *by_prefix = calloc(nimports + 1, sizeof(*by_prefix));
		char (*ids)[33] = NULL;
		size_t nids = 0, cap = 0, nprefix = 0;

		assert_non_null(by_prefix);
		for (size_t i = 0; i < nimports; i++) {
			snprintf(by_prefix[i].prefix, sizeof(by_prefix[i].prefix), "%s",
				 imports[i].prefix);
			by_prefix[i].at = i;
		}
		nprefix = nimports;
		qsort(by_prefix, nprefix, sizeof(*by_prefix), by_name);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT lower(hex(id)),"
						    " json_extract(data, '$.holder_ref') FROM records",
						    -1, &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *ref = (const char *)sqlite3_column_text(st, 1);

			if (nids == cap) {
				cap = cap ? 2 * cap : 4096;
				ids = realloc(ids, cap * sizeof(*ids));
				assert_non_null(ids);
			}
			snprintf(ids[nids++], sizeof(ids[0]), "%s", sqlite3_column_text(st, 0));
			if (ref && ref[0] == 'C' && strchr(ref, 'T')) {
				struct counted key, *hit;

				snprintf(key.prefix, sizeof(key.prefix), "%.*s",
					 (int)(strchr(ref, 'T') - ref + 1), ref);
				hit = bsearch(&key, by_prefix, nprefix, sizeof(*by_prefix), by_name);
				assert_non_null(hit); /* no record of an import not tried */
				hit->n++;
			}
		}
		sqlite3_finalize(st);
		qsort(ids, nids, sizeof(*ids), by_text);
		for (size_t i = 0; i < nacked; i++) {
			char hex[40];
			size_t n = 0;

			for (const char *p = acked[i]; *p && n < sizeof(hex) - 1; p++)
				if (*p != '-')
					hex[n++] = *p;
			hex[n] = '\0';
			if (!bsearch(hex, ids, nids, sizeof(*ids), by_text))
				fail_msg("%s: the acknowledged record %s is missing", when, acked[i]);
		}
		for (size_t k = 0; k < nprefix; k++) {
			const struct attempt *a = &imports[by_prefix[k].at];
			int64_t n = by_prefix[k].n;

			if (n != 0 && n != a->count)
				fail_msg("%s: import %s holds %lld of its %d records", when, a->prefix,
					 (long long)n, a->count);
			if (a->acked && n != a->count)
				fail_msg("%s: the acknowledged import %s holds %lld of its %d records",
					 when, a->prefix, (long long)n, a->count);
			complete += n != 0;
			absent += n == 0;
		}
		free(ids);
		free(by_prefix);
	}
	/* each import recorded as done holds what it says it created */
	done_rows = one_int(db, "SELECT count(*) FROM imports WHERE status = 'done'", NULL);
	bad_rows = one_int(db, "SELECT count(*) FROM imports i WHERE i.status = 'done' AND"
			       " json_extract(i.stats, '$.records_created') !="
			       " (SELECT count(*) FROM records r WHERE r.import_id = i.id)", NULL);
	assert_int_equal(bad_rows, 0);
	assert_int_equal((size_t)done_rows, complete);
	sqlite3_close(db);

	assert_int_equal(test_cli(&srv, NULL, out, sizeof(out), "audit", "verify", "alice", NULL),
			 0);
	assert_non_null(strstr(out, "intact"));
	printf("# %s: %zu acknowledged writes present; imports: %zu whole, %zu absent, none in "
	       "part; the chain and both stores sound\n",
	       when, nacked, complete, absent);
}

/* ---- the test ----------------------------------------------------------------- */

static void killed_at_random(void **state)
{
	const char *s_seed = getenv("COMMUNE_CRASH_SEED"), *s_kills = getenv("COMMUNE_CRASH_KILLS");
	uint64_t seed = s_seed ? strtoull(s_seed, NULL, 10) : 20261127;
	int kills = s_kills ? (int)strtol(s_kills, NULL, 10) : 100, status;
	int mid_writes = 0;

	(void)state;
	rng_state = seed;
	printf("# seed %llu (COMMUNE_CRASH_SEED), %d kills\n", (unsigned long long)seed, kills);
	for (int c = 0; c < kills; c++) {
		struct killer k;
		pthread_t t;
		int n = 0;

		assert_true(test_server_start(&srv, "--threads", "2", NULL));
		if (c == 0)
			assert_int_equal(client_login(srv.base, "alice", "pw-alice-correct-horse",
						      cookie, sizeof(cookie), csrf, sizeof(csrf)),
					 0);
		k.pid = srv.pid;
		k.delay_ms = between(1, 250);
		assert_int_equal(pthread_create(&t, NULL, kill_later, &k), 0);
		for (;; n++)
			if (!(between(0, 9) < 7 ? write_record(c, n) : import_file(c, n)))
				break;
		pthread_join(t, NULL);
		assert_int_equal(waitpid(srv.pid, &status, 0), srv.pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		mid_writes += n;
		if (c == kills / 2)
			check_all("halfway");
	}
	/* started once more (its recovery), stopped cleanly, checked */
	assert_true(test_server_start(&srv, NULL));
	assert_int_equal(test_server_stop(&srv, false), 0);
	check_all("at the end");
	assert_true(nacked > 0);
	assert_true(mid_writes > kills); /* the kills came during the work, not before it */
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	acked = calloc(MAX_ACKED, sizeof(*acked));
	imports = calloc(MAX_IMPORTS, sizeof(*imports));
	assert_non_null(acked);
	assert_non_null(imports);
	assert_true(test_data_dir(&srv, bin));
	assert_true(test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse"));
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", srv.dir);
	free(acked);
	free(imports);
	curl_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(killed_at_random),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
