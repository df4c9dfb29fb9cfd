/*
 * test_import_extsort.c - the external sort of src/import/extsort.c and
 * the importers that keep their readings in it (grdf-adict, grdf-json):
 * the order of qsort whatever the buffer (one item to all of them), the
 * temporary file unlinked and closed, a full disk answered with
 * CMN_ERR_IO; then files of more readings than one buffer holds, shuffled,
 * with days given twice (final and provisional) and gaps, whose points are
 * those computed here, in the test, from the generated readings.
 *
 * main() points TMPDIR to a directory of this test, to see the file (the
 * fixtures' directories go there too).
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

#include "checks.h"
#include "fixture.h"
#include "core/timeutil.h"
#include "import/extsort.h"
#include "import/import.h"
#include "series/series.h"
#include "store/store.h"

static char tmpdir[64] = "/tmp/commune-test-extsort-XXXXXX";

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
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

/* ---- the sort ----------------------------------------------------------------- */

struct item {
	uint64_t key;                        /* many equal */
	uint32_t seq;                        /* tells them apart */
	uint32_t pad;
};

static int by_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* sorted_like_qsort - n items through a buffer of buffer items: the order
 * of qsort; whether a file was used */
static bool sorted_like_qsort(size_t n, size_t buffer)
{
	struct extsort s = {.size = sizeof(struct item), .cmp = by_key,
			    .buffer_bytes = buffer * sizeof(struct item)};
	struct item *want = calloc(n ? n : 1, sizeof(*want));
	const void *got;
	bool spilled;
	size_t k = 0;

	assert_non_null(want);
	for (size_t i = 0; i < n; i++) {
		want[i].key = rng() % (n / 4 + 1);
		want[i].seq = (uint32_t)i;
		assert_int_equal(extsort_add(&s, &want[i]), CMN_OK);
	}
	assert_int_equal(extsort_sort(&s), CMN_OK);
	spilled = fds_in(tmpdir) > 0;
	qsort(want, n, sizeof(*want), by_key);
	while (extsort_next(&s, &got) == CMN_OK && got) {
		assert_true(k < n);
		if (memcmp(got, &want[k], sizeof(*want)) != 0)
			fail_msg("%zu items, buffer %zu: item %zu out of order", n, buffer, k);
		k++;
	}
	assert_int_equal(k, n);
	assert_int_equal(extsort_next(&s, &got), CMN_OK); /* still the end */
	assert_null(got);
	extsort_release(&s);
	assert_int_equal(fds_in(tmpdir), 0);
	assert_int_equal(entries_in(tmpdir), 0);
	free(want);
	return spilled;
}

static void extsort_order(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 7, 1000, 20000, 100000};
	static const size_t buffers[] = {1, 2, 7, 64, 1000, 99999, 1 << 20};

	(void)state;
	rng_state = 7;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t b = 0; b < sizeof(buffers) / sizeof(buffers[0]); b++) {
			if (sizes[i] >= 20000 && buffers[b] < 7)
				continue; /* a run per item: slow, and 2 and 7 say the same */
			assert_int_equal(sorted_like_qsort(sizes[i], buffers[b]),
					 sizes[i] > buffers[b]);
		}
	/* the default buffer: 2 MiB */
	assert_false(sorted_like_qsort(EXTSORT_BUFFER_BYTES / sizeof(struct item), 0));
	assert_true(sorted_like_qsort(EXTSORT_BUFFER_BYTES / sizeof(struct item) + 1, 0));
}

static void extsort_misuse(void **state)
{
	struct extsort s = {.size = sizeof(struct item), .cmp = by_key};
	const void *got = &s;

	(void)state;
	assert_int_equal(extsort_next(&s, &got), CMN_ERR_INTERNAL);
	assert_null(got);
	assert_int_equal(extsort_sort(&s), CMN_OK); /* nothing to sort */
	assert_int_equal(extsort_next(&s, &got), CMN_OK);
	assert_null(got);
	extsort_release(&s);
	extsort_release(&s);
}

/* Files limited to 64 KiB: writing the runs fails with CMN_ERR_IO. */
static void extsort_disk_full(void **state)
{
	struct extsort s = {.size = sizeof(struct item), .cmp = by_key, .buffer_bytes = 4096};
	struct rlimit old, small;
	enum cmn_rc rc = CMN_OK;
	struct item it = {0};

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (uint32_t i = 0; i < 100000 && rc == CMN_OK; i++) {
		it.key = rng() % 1000;
		it.seq = i;
		rc = extsort_add(&s, &it);
	}
	if (rc == CMN_OK)
		rc = extsort_sort(&s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, CMN_ERR_IO);
	extsort_release(&s);
	assert_int_equal(fds_in(tmpdir), 0);
}

/* ---- the importers on it ------------------------------------------------------- */

#define GAS_DAYS 30000                       /* days of each PCE */
#define GAS_READINGS 90000                   /* more than a buffer holds */
#define GAS_DAY0 7305                        /* 1990-01-01, in days since 1970 */

static const char *const gas_pce[2] = {"22423299474865", "21546677889012"};

/* The best reading of each day, as the importers must find it. */
struct gas_day {
	int rank;                            /* 0: no reading; 1 provisional, 2 final */
	long pos;                            /* its position in the file */
	int64_t wh, litres;                  /* -1: null */
};

struct gas_truth {
	struct gas_day day[2][GAS_DAYS];
};

struct gas_reading {
	int pce, day, rank;
	int64_t wh, litres;                  /* -1: null */
};

/* gas_readings - GAS_READINGS readings of two PCEs in a random order, some
 * days given two or three times, some without values */
static struct gas_reading *gas_readings(void)
{
	struct gas_reading *r = calloc(GAS_READINGS, sizeof(*r));

	assert_non_null(r);
	for (int i = 0; i < GAS_READINGS; i++) {
		uint64_t x = rng();

		r[i].pce = (int)(x & 1);
		r[i].day = (int)((x >> 1) % GAS_DAYS);
		r[i].rank = (x >> 40) % 3 ? 2 : 1;
		r[i].wh = (x >> 20) % 23 == 0 ? -1 : (int64_t)((x >> 24) % 90000);
		r[i].litres = (x >> 44) % 29 == 0 ? -1 : (int64_t)((x >> 48) % 9000);
	}
	return r;
}

/* gas_truth_of - the best reading of each day: final over provisional, then
 * the later one */
static void gas_truth_of(const struct gas_reading *r, struct gas_truth *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < GAS_READINGS; i++) {
		struct gas_day *d = &t->day[r[i].pce][r[i].day];

		if (r[i].rank >= d->rank) {
			d->rank = r[i].rank;
			d->pos = i;
			d->wh = r[i].wh;
			d->litres = r[i].litres;
		}
	}
}

struct gas_scan {
	uint64_t hash;
	long n;
};

static uint64_t mix(uint64_t h, int64_t v)
{
	return (h ^ (uint64_t)v) * 1099511628211ULL;
}

static enum cmn_rc gas_point(int64_t t, int64_t v, void *ctx)
{
	struct gas_scan *s = ctx;

	s->hash = mix(mix(s->hash, t), v);
	s->n++;
	return CMN_OK;
}

/* gas_check - the two series of each PCE hold the best readings, in
 * order; the gaps are those of the truth (*gaps per PCE) */
static void gas_check(struct fixture *f, const struct gas_truth *t, long gaps[2])
{
	for (int p = 0; p < 2; p++) {
		for (int vol = 0; vol < 2; vol++) {
			struct gas_scan want = {14695981039346656037ULL, 0};
			struct gas_scan got = {14695981039346656037ULL, 0};
			struct series_def def;
			char key[32];

			snprintf(key, sizeof(key), "%s%s", gas_pce[p], vol ? ".volume" : "");
			for (int d = 0; d < GAS_DAYS; d++) {
				const struct gas_day *g = &t->day[p][d];
				int64_t v = vol ? g->litres : g->wh;

				if (g->rank && v >= 0)
					gas_point((GAS_DAY0 + d) * 86400000LL, v, &want);
			}
			assert_int_equal(pstore_series_find(f->ps, "energy.gas.consumption", "grdf",
							     key, &def),
					 CMN_OK);
			assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2,
						     gas_point, &got),
					 CMN_OK);
			series_def_release(&def);
			assert_int_equal(got.n, want.n);
			assert_true(got.hash == want.hash);
		}
		gaps[p] = 0;
		for (int d = 0; d < GAS_DAYS; d++)
			gaps[p] += t->day[p][d].rank && t->day[p][d].wh < 0 &&
				   t->day[p][d].litres < 0;
	}
}

static void day_text(int day, char out[11])
{
	char when[TIME_RFC3339_LEN];

	time_format(when, (GAS_DAY0 + day) * 86400000LL);
	memcpy(out, when, 10);
	out[10] = '\0';
}

/* value_text - milli (thousandths) as a decimal, or null */
static void value_text(int64_t milli, char *out, size_t n)
{
	if (milli < 0)
		snprintf(out, n, "null");
	else
		snprintf(out, n, "%lld.%03lld", (long long)(milli / 1000),
			 (long long)(milli % 1000));
}

static void adict_spilled(void **state)
{
	struct fixture *f = *state;
	struct gas_reading *r;
	struct gas_truth *t = malloc(sizeof(*t));
	struct import_job job;
	size_t cap = (size_t)GAS_READINGS * 300, len = 0;
	char *text = malloc(cap), expected[64];
	long gaps[2];
	int fds, entries;

	assert_non_null(t);
	assert_non_null(text);
	rng_state = 11;
	r = gas_readings();
	for (int i = 0; i < GAS_READINGS; i++) {
		char d0[11], d1[11], e[32], v[32];

		day_text(r[i].day, d0);
		day_text(r[i].day + 1, d1);
		/* energie and volume_brut in kWh and m3: the points are their
		 * thousandths, so the values here are whole thousandths */
		value_text(r[i].wh, e, sizeof(e));
		value_text(r[i].litres, v, sizeof(v));
		len += (size_t)snprintf(text + len, cap - len,
				"{\"pce\": {\"id_pce\": \"%s\"}, \"consommation\": "
				"{\"date_debut_consommation\": \"%s\", \"date_fin_consommation\": "
				"\"%s\", \"energie\": %s, \"volume_brut\": %s}, "
				"\"statut_restitution\": null, \"qualification\": \"%s\"}\n",
				gas_pce[r[i].pce], d0, d1, e, v,
				r[i].rank == 1 ? "provisoire" : "definitive");
		assert_true(len < cap);
	}
	assert_true(GAS_READINGS * 56 > EXTSORT_BUFFER_BYTES); /* more than one run */
	gas_truth_of(r, t);
	fds = fds_in(tmpdir);
	entries = entries_in(tmpdir); /* the fixture's directory */
	assert_int_equal(check_import_text(f, "big.ndjson", "grdf-adict", text, len, &job), CMN_OK);
	assert_int_equal(job.stats.points_replaced + job.stats.points_unchanged, 0);
	gas_check(f, t, gaps);
	if (gaps[0] + gaps[1]) {
		snprintf(expected, sizeof(expected), "%ld gas days without data (gaps)",
			 gaps[0] + gaps[1]);
		assert_int_equal(job.nwarnings, 1);
		assert_string_equal(job.warnings[0], expected);
	} else {
		assert_int_equal(job.nwarnings, 0);
	}
	import_job_release(&job);
	assert_int_equal(entries_in(tmpdir), entries);
	assert_int_equal(fds_in(tmpdir), fds);
	free(r);
	free(t);
	free(text);
}

static void grdf_json_spilled(void **state)
{
	struct fixture *f = *state;
	struct gas_reading *r;
	struct gas_truth *t = malloc(sizeof(*t));
	struct import_job job;
	size_t cap = (size_t)GAS_READINGS * 300, len = 0;
	char *text = malloc(cap), expected[2][96];
	long gaps[2];
	size_t nexpected = 0;
	int fds, entries;

	assert_non_null(t);
	assert_non_null(text);
	rng_state = 12;
	r = gas_readings();
	/* an object of the two PCEs; each one's readings in the file's order */
	len += (size_t)snprintf(text, cap, "{");
	for (int p = 0; p < 2; p++) {
		len += (size_t)snprintf(text + len, cap - len,
					"%s\"%s\": {\"idPce\": \"%s\", \"releves\": [",
					p ? ", " : "", gas_pce[p], gas_pce[p]);
		for (int i = 0, first = 1; i < GAS_READINGS; i++) {
			char day[11], e[32], v[32];

			if (r[i].pce != p)
				continue;
			day_text(r[i].day, day);
			value_text(r[i].wh, e, sizeof(e));
			value_text(r[i].litres, v, sizeof(v));
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "%s{\"journeeGaziere\": \"%s\", \"energieConsomme\": %s, "
			    "\"volumeBrutConsomme\": %s, \"qualificationReleve\": \"%s\"}",
			    first ? "" : ", ", day, e, v,
			    r[i].rank == 1 ? "Estim\xc3\xa9" : "Mesur\xc3\xa9");
			first = 0;
			assert_true(len < cap);
		}
		len += (size_t)snprintf(text + len, cap - len, "]}");
	}
	len += (size_t)snprintf(text + len, cap - len, "}\n");
	assert_true(len < cap);
	assert_true(GAS_READINGS * 48 > EXTSORT_BUFFER_BYTES);
	gas_truth_of(r, t);
	fds = fds_in(tmpdir);
	entries = entries_in(tmpdir); /* the fixture's directory */
	assert_int_equal(check_import_text(f, "big.json", "grdf-json", text, len, &job), CMN_OK);
	assert_int_equal(job.stats.points_replaced + job.stats.points_unchanged, 0);
	gas_check(f, t, gaps);
	for (int p = 0; p < 2; p++)
		if (gaps[p])
			snprintf(expected[nexpected++], sizeof(expected[0]),
				 "PCE %s: %ld gas days without data (gaps)", gas_pce[p], gaps[p]);
	assert_int_equal(job.nwarnings, nexpected);
	for (size_t i = 0; i < nexpected; i++)
		assert_string_equal(job.warnings[i], expected[i]);
	import_job_release(&job);
	assert_int_equal(entries_in(tmpdir), entries);
	assert_int_equal(fds_in(tmpdir), fds);
	free(r);
	free(t);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(extsort_order),
	    cmocka_unit_test(extsort_misuse),
	    cmocka_unit_test(extsort_disk_full),
	    cmocka_unit_test_setup_teardown(adict_spilled, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(grdf_json_spilled, check_setup, check_teardown),
	};
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TMPDIR", tmpdir, 1);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return failed;
}
