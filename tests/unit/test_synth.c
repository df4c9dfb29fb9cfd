/*
 * test_synth.c - the synthetic territory as a whole: the same seed gives
 * the same bytes (files and stores), another seed other bytes, and the two
 * ways of producing it agree: the files written and then imported one by
 * one with format detection (what a person would do with `commune import`)
 * give the same stores as --into-store. The realism of each kind of data
 * is tested beside its generator (test_synth_energy.c, _mobility.c,
 * _money.c). Every household's store holds its one household.profile,
 * naming a district of the territory, and --into-store puts the territory's
 * districts in the platform store. SYNTH_DUMP=PREFIX writes the lines each
 * store digest is made of to PREFIX.N, to see what differs when a digest
 * does.
 */
#include <dirent.h>
#include <math.h>
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
#include <jansson.h>
#include <sodium.h>

#include "fixture.h"

#include "core/timeutil.h"
#include "import/import.h"
#include "series/series.h"
#include "store/store.h"
#include "store/store_campaign.h"
#include "synth/run.h"
#include "synth/synth.h"

#define HOUSEHOLDS 5
#define DAYS       45

/* ---- digests ------------------------------------------------------------------- */

/* the content of a directory tree, file names and bytes, in name order */
static void hash_tree(crypto_hash_sha256_state *st, const char *dir, size_t *nfiles)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		assert_int_equal(stat(path, &sb), 0);
		crypto_hash_sha256_update(st, (const unsigned char *)names[i]->d_name,
					  strlen(names[i]->d_name) + 1);
		if (S_ISDIR(sb.st_mode)) {
			hash_tree(st, path, nfiles);
		} else {
			FILE *f = fopen(path, "rb");
			unsigned char b[65536];
			size_t got;

			assert_non_null(f);
			while ((got = fread(b, 1, sizeof(b), f)) > 0)
				crypto_hash_sha256_update(st, b, got);
			fclose(f);
			(*nfiles)++;
		}
		free(names[i]);
	}
	free(names);
}

static void tree_digest(const char *dir, unsigned char out[32], size_t *nfiles)
{
	crypto_hash_sha256_state st;

	*nfiles = 0;
	crypto_hash_sha256_init(&st);
	hash_tree(&st, dir, nfiles);
	crypto_hash_sha256_final(&st, out);
}

/* a person's store as sorted lines: every record (doctype, dedupe key, data)
 * and every series (definition and points); ids, times of writing and
 * import ids are left out, as they differ from run to run by design */
struct lines {
	char **v;
	size_t n, cap;
};

/* line - a formatted, malloc'd line */
static char *line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *line(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static void add_line(struct lines *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = s;
}

static enum cmn_rc add_record(const struct record_meta *m, const char *data,
			      const struct query_value *key, void *ctx)
{
	(void)key;
	add_line(ctx, line("R %s %s %s %s", m->doctype, m->source, m->dedupe, data));
	return CMN_OK;
}

struct series_ctx {
	struct lines *l;
	struct pstore *ps;
};

static enum cmn_rc add_point(int64_t t, int64_t v, void *ctx)
{
	add_line(ctx, line("%lld=%lld", (long long)t, (long long)v));
	return CMN_OK;
}

static enum cmn_rc add_series(const struct series_def *d, void *ctx)
{
	struct series_ctx *x = ctx;
	struct lines pts = {0};
	size_t len = 0, used;
	char *s;

	assert_int_equal(series_scan(x->ps, d, INT64_MIN / 2, INT64_MAX / 2, add_point, &pts),
			 CMN_OK);
	for (size_t i = 0; i < pts.n; i++)
		len += strlen(pts.v[i]) + 1;
	len += 512;
	s = malloc(len);
	assert_non_null(s);
	used = (size_t)snprintf(s, len, "S %s %s %s %s %lld %s %s:", d->doctype, d->source, d->key,
				d->unit, (long long)d->step, d->tz, d->meta ? d->meta : "");
	for (size_t i = 0; i < pts.n; i++) {
		used += (size_t)snprintf(s + used, len - used, " %s", pts.v[i]);
		free(pts.v[i]);
	}
	free(pts.v);
	add_line(x->l, s);
	return CMN_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* store_digest - the digest of every synthetic person's store of s */
static void store_digest(struct store *s, const struct registry *reg, unsigned char out[32],
			 size_t *nlines)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	*nlines = 0;
	for (int h = 0; h < HOUSEHOLDS; h++) {
		char handle[16];
		struct person p;
		struct pstore *ps;
		struct lines l = {0};
		struct series_ctx x = {&l, NULL};

		snprintf(handle, sizeof(handle), "h%06d", h);
		assert_int_equal(store_person_by_handle(s, handle, &p, NULL), CMN_OK);
		assert_int_equal(store_person_store(s, p.id, &ps), CMN_OK);
		for (size_t d = 0; d < reg->n; d++) {
			struct store_query q = {.doctype = reg->v[d].name, .limit = 1000000};

			if (strcmp(reg->v[d].kind, "document") == 0)
				assert_int_equal(pstore_record_query(ps, &q, add_record, &l), CMN_OK);
		}
		x.ps = ps;
		assert_int_equal(pstore_series_each(ps, add_series, &x), CMN_OK);
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
		if (getenv("SYNTH_DUMP")) {
			static int k;
			char name[256];
			FILE *df;

			snprintf(name, sizeof(name), "%s.%d", getenv("SYNTH_DUMP"), k++);
			df = fopen(name, "w");
			for (size_t i = 0; df && i < l.n; i++)
				fprintf(df, "%s\n", l.v[i]);
			if (df)
				fclose(df);
		}
		crypto_hash_sha256_update(&st, (const unsigned char *)handle, strlen(handle) + 1);
		for (size_t i = 0; i < l.n; i++) {
			crypto_hash_sha256_update(&st, (const unsigned char *)l.v[i],
						  strlen(l.v[i]) + 1);
			free(l.v[i]);
		}
		*nlines += l.n;
		free(l.v);
	}
	crypto_hash_sha256_final(&st, out);
}

/* ---- the household's profile and the districts --------------------------------------- */

struct profiles {
	size_t n;
	json_t *last; /* the data of the last one */
};

static enum cmn_rc add_profile(const struct record_meta *m, const char *data,
			       const struct query_value *key, void *ctx)
{
	struct profiles *p = ctx;
	json_error_t je;

	(void)key;
	assert_string_equal(m->doctype, "household.profile");
	json_decref(p->last);
	p->last = json_loads(data, 0, &je);
	assert_non_null(p->last);
	p->n++;
	return CMN_OK;
}

static const char *json_str(const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	assert_non_null(v);
	return v;
}

/* check_profiles - every household of the run o has in its store of s
 * exactly one household.profile, which says what the household is */
static void check_profiles(struct store *s, const struct synth_opts *o)
{
	static const char *const heating[] = {"electric", "gas", "heat_pump", "district_heating",
					      "wood"};
	struct synth_territory *t = malloc(sizeof(*t));
	char declared[16];
	int64_t y;
	int m, d;

	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, o->seed, o->start_day, o->days), CMN_OK);
	time_civil_from_days(o->start_day, &y, &m, &d);
	snprintf(declared, sizeof(declared), "%04lld-%02d-%02d", (long long)y, m, d);
	for (uint64_t i = 0; i < o->households; i++) {
		struct store_query q = {.doctype = "household.profile", .limit = 100};
		struct profiles p = {0};
		struct synth_household h;
		struct person person;
		struct pstore *ps;
		const char *district;
		bool known = false;

		synth_household(t, o->first + i, &h);
		assert_int_equal(store_person_by_handle(s, h.handle, &person, NULL), CMN_OK);
		assert_int_equal(store_person_store(s, person.id, &ps), CMN_OK);
		assert_int_equal(pstore_record_query(ps, &q, add_profile, &p), CMN_OK);
		assert_int_equal(p.n, 1);
		district = json_str(p.last, "district");
		for (int k = 0; k < SYNTH_DISTRICTS; k++)
			known = known || strcmp(district, t->districts[k].code) == 0;
		assert_true(known);
		assert_string_equal(district, t->districts[h.district].code);
		assert_int_equal(json_integer_value(json_object_get(p.last, "members")),
				 h.nmembers);
		assert_string_equal(json_str(p.last, "declared"), declared);
		assert_string_equal(json_str(p.last, "heating"), heating[h.heating]);
		assert_string_equal(json_str(p.last, "housing"), h.house ? "house" : "flat");
		assert_string_equal(json_str(p.last, "tenure"), h.owner ? "owner" : "tenant");
		assert_int_equal(json_integer_value(json_object_get(p.last, "surface_m2")),
				 h.surface_m2);
		assert_int_equal(json_str(p.last, "energy_class")[0], h.energy_class);
		json_decref(p.last);
	}
	free(t);
}

/* check_districts - the platform store of s holds the districts of o's
 * territory, by code */
static void check_districts(struct store *s, const struct synth_opts *o)
{
	struct synth_territory *t = malloc(sizeof(*t));
	struct store_district *d = NULL;
	size_t n = 0;

	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, o->seed, o->start_day, o->days), CMN_OK);
	assert_int_equal(store_districts_list(s, &d, &n), CMN_OK);
	assert_int_equal(n, SYNTH_DISTRICTS);
	/* "D11" to "D55": the grid's order is the codes' order */
	for (size_t k = 0; k < n; k++) {
		assert_string_equal(d[k].code, t->districts[k].code);
		assert_string_equal(d[k].name, t->districts[k].name);
	}
	free(d);
	free(t);
}

/* ---- the runs -------------------------------------------------------------------- */

static struct synth_opts opts(uint64_t seed, const char *out, struct fixture *f)
{
	struct synth_opts o = {
	    .seed = seed,
	    .households = HOUSEHOLDS,
	    .start_day = time_days_from_civil(2024, 1, 15), /* across the winter holidays' end */
	    .days = DAYS,
	    .jobs = 2,
	    .out_dir = out,
	    .store = f ? f->s : NULL,
	    .reg = f ? &f->reg : NULL,
	};

	return o;
}

static void run(const struct synth_opts *o, struct synth_stats *st)
{
	char err[300];
	enum cmn_rc rc = synth_run(o, st, err, sizeof(err));

	if (rc != CMN_OK)
		fail_msg("synth_run: %s (%s)", err, cmn_strerror(rc));
	assert_int_equal(st->households, HOUSEHOLDS);
}

static void same_seed_same_bytes(void **state)
{
	struct fixture a, b;
	char d1[] = "/tmp/commune-synth-XXXXXX", d2[] = "/tmp/commune-synth-XXXXXX";
	char d3[] = "/tmp/commune-synth-XXXXXX";
	unsigned char h1[32], h2[32], h3[32], s1[32], s2[32];
	struct synth_stats st1, st2, st3;
	struct synth_opts o;
	size_t n1, n2, n3, l1, l2;
	char cmd[256];

	(void)state;
	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	assert_non_null(mkdtemp(d3));
	assert_int_equal(fixture_open(&a, "operator"), 0);
	assert_int_equal(fixture_open(&b, "operator"), 0);
	/* files and stores at once, twice; the second with one worker */
	o = opts(7, d1, &a);
	run(&o, &st1);
	o = opts(7, d2, &b);
	o.jobs = 1;
	run(&o, &st2);
	tree_digest(d1, h1, &n1);
	tree_digest(d2, h2, &n2);
	assert_true(n1 > HOUSEHOLDS * 4); /* several files a household */
	assert_int_equal(n1, n2);
	assert_memory_equal(h1, h2, sizeof(h1));
	assert_int_equal(st1.records, st2.records);
	assert_int_equal(st1.points, st2.points);
	assert_true(st1.records > 0 && st1.points > 0);
	store_digest(a.s, &a.reg, s1, &l1);
	store_digest(b.s, &b.reg, s2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, sizeof(s1));
	check_profiles(a.s, &o);
	check_districts(a.s, &o);
	check_districts(b.s, &o);
	/* another seed: other households, other bytes */
	o = opts(8, d3, NULL);
	run(&o, &st3);
	tree_digest(d3, h3, &n3);
	assert_memory_not_equal(h1, h3, sizeof(h1));
	fixture_close(&a);
	fixture_close(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s", d1, d2, d3);
	assert_int_equal(system(cmd), 0);
}

/* the files, imported one by one with format detection, give the stores that
 * --into-store gives */
static void files_then_import_equal_into_store(void **state)
{
	struct fixture direct, imported;
	char dir[] = "/tmp/commune-synth-XXXXXX";
	unsigned char s1[32], s2[32];
	struct synth_stats st;
	struct synth_opts o;
	size_t l1, l2, nimports = 0;
	char cmd[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(fixture_open(&direct, "operator"), 0);
	assert_int_equal(fixture_open(&imported, "operator"), 0);
	o = opts(11, NULL, &direct);
	run(&o, &st);
	o = opts(11, dir, NULL);
	run(&o, &st);
	for (int h = 0; h < HOUSEHOLDS; h++) {
		char hdir[4096], handle[16];
		struct dirent **names;
		struct person p;
		struct pstore *ps;
		int n;

		snprintf(handle, sizeof(handle), "h%06d", h);
		snprintf(hdir, sizeof(hdir), "%s/households/%s", dir, handle);
		assert_int_equal(store_person_add(imported.s, handle, "resident", NULL, "!", &p),
				 CMN_OK);
		assert_int_equal(store_person_store(imported.s, p.id, &ps), CMN_OK);
		n = scandir(hdir, &names, NULL, alphasort);
		assert_true(n > 2);
		for (int i = 0; i < n; i++) {
			char path[8192];
			struct import_job job;
			enum cmn_rc rc;

			if (names[i]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", hdir, names[i]->d_name);
				rc = import_file(ps, &imported.reg, "cli:test", path, names[i]->d_name,
						 NULL, &job);
				if (rc != CMN_OK)
					fail_msg("%s: %s:%zu:%zu: %s", path,
						 job.format ? job.format->name : "?", job.err.line,
						 job.err.column, job.err.message);
				nimports++;
				import_job_release(&job);
			}
			free(names[i]);
		}
		free(names);
	}
	assert_int_equal(nimports, st.files);
	/* the profile written by --into-store, imported again from its file:
	 * already there */
	for (int h = 0; h < HOUSEHOLDS; h++) {
		char path[4096], handle[16];
		struct import_job job;
		struct person p;
		struct pstore *ps;

		snprintf(handle, sizeof(handle), "h%06d", h);
		snprintf(path, sizeof(path), "%s/households/%s/logement.csv", dir, handle);
		assert_int_equal(store_person_by_handle(direct.s, handle, &p, NULL), CMN_OK);
		assert_int_equal(store_person_store(direct.s, p.id, &ps), CMN_OK);
		assert_int_equal(import_file(ps, &direct.reg, "cli:test", path, "logement.csv",
					     NULL, &job),
				 CMN_OK);
		assert_int_equal(job.stats.records_created, 0);
		import_job_release(&job);
	}
	check_profiles(direct.s, &o);
	check_profiles(imported.s, &o);
	store_digest(direct.s, &direct.reg, s1, &l1);
	store_digest(imported.s, &imported.reg, s2, &l2);
	assert_true(l1 > 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, sizeof(s1));
	fixture_close(&direct);
	fixture_close(&imported);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* the territory: districts tile the city, days have their kind */
static void territory_and_calendar(void **state)
{
	struct synth_territory *t = malloc(sizeof(*t));
	struct synth_household h;
	int hot = 0, cold = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 3, time_days_from_civil(2024, 1, 1), 366), CMN_OK);
	for (int k = 1; k < SYNTH_DISTRICTS; k++)
		if (k % SYNTH_GRID)
			assert_int_equal(t->districts[k].sw.lon, t->districts[k - 1].ne.lon);
	/* July warmer than January, by 12 to 25 degrees on average */
	for (int i = 0; i < 31; i++) {
		cold += t->temp_dc[i];
		hot += t->temp_dc[182 + i];
	}
	assert_true(hot - cold > 31 * 120 && hot - cold < 31 * 250);
	/* 2024: Easter Monday 1 April, Ascension 9 May, Whit Monday 20 May,
	 * 14 July a Sunday; 3 June a working day in term */
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 4, 1)) & 3, 2);
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 5, 9)) & 3, 2);
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 5, 20)) & 3, 2);
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 7, 13)) & 3, 1);
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 6, 3)), 0);
	assert_int_equal(synth_day_kind(time_days_from_civil(2024, 8, 6)), 4);
	/* households are a function of (seed, index) */
	for (uint64_t i = 0; i < 200; i++) {
		struct synth_household again;

		synth_household(t, i, &h);
		synth_household(t, i, &again);
		assert_memory_equal(&h, &again, sizeof(h));
		assert_true(h.nmembers >= 1 && h.nmembers <= SYNTH_MAX_MEMBERS);
		assert_int_equal(h.adults + h.children, h.nmembers);
		assert_true(h.home.lat > t->districts[h.district].sw.lat &&
			    h.home.lat < t->districts[h.district].ne.lat);
		assert_true(h.family_quotient >= 0);
	}
	free(t);
}

/* synth_cos against the C library's cos, on every range its reduction
 * handles: within 1e-9 (what synth.h promises), and the exact values at
 * 0 and pi */
static void cos_from_basic_operations(void **state)
{
	double worst = 0;

	(void)state;
	for (int i = -200000; i <= 200000; i++) {
		double x = i * 0.000731, d = fabs(synth_cos(x) - cos(x));

		if (d > worst)
			worst = d;
	}
	assert_true(worst < 1e-9);
	assert_true(fabs(synth_cos(0.0) - 1.0) < 1e-15);
	assert_true(fabs(synth_cos(3.141592653589793) + 1.0) < 1e-12);
	assert_true(fabs(synth_cos(1e6) - cos(1e6)) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cos_from_basic_operations),
	    cmocka_unit_test(territory_and_calendar),
	    cmocka_unit_test(same_seed_same_bytes),
	    cmocka_unit_test(files_then_import_equal_into_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
