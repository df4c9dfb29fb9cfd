#define _GNU_SOURCE /* fopencookie */
/*
 * run.c - producing a territory: its public files, then each household's
 * files in the holders' formats, written to a directory or imported into
 * the household's own store (or both). Households are produced one at a
 * time by each worker thread (household i by worker i mod jobs), so memory
 * does not grow with their number.
 *
 * Into stores, each file goes through the importer of its format, from
 * memory: the store then holds exactly what `commune import` of the written
 * files gives (same records, dedupe keys and points), which the tests check.
 * Before the households, the territory's districts go into the platform
 * store, once, for the campaigns that group households by the district of
 * their profile.
 */
#include "synth/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/import.h"
#include "store/store_campaign.h"

/* the files of a household, in the order they are produced; the GPX of
 * each member comes last */
static const struct synth_file files[] = {
    {"enedis-courbe.csv", "enedis-csv", "energy.electricity.load_curve", "text/csv",
     "Enedis load curve, 30 min, W", synth_write_enedis_csv},
    {"grdf.json", "grdf-json", "energy.gas.consumption", "application/json",
     "GRDF daily gas (gas-heated homes)", synth_write_grdf_json},
    {"eau.csv", "water-csv", "water.consumption", "text/csv", "Water meter, daily index",
     synth_write_water_csv},
    {"banque.ofx", "ofx", "bank.transaction", "application/x-ofx", "Bank account, OFX 1.02",
     synth_write_ofx},
    {"agenda.ics", "ical", "calendar.event", "text/calendar", "Calendar, iCalendar",
     synth_write_ical},
    {"allocations.csv", "mapping", "social.allowance", "text/csv",
     "Social allowances, mapping CSV", synth_write_allowances},
    {"impots.csv", "mapping", "tax.household", "text/csv", "Tax notices, mapping CSV",
     synth_write_tax},
    {"courses.csv", "mapping", "food.purchase", "text/csv", "Food purchases, mapping CSV",
     synth_write_food},
    {"logement.csv", "mapping", "household.profile", "text/csv",
     "Household profile (district, size, heating, housing), mapping CSV",
     synth_write_household_profile},
    {"trajets.gpx", "gpx", "mobility.trip", "application/gpx+xml",
     "A member's trips and positions, GPX 1.1 (member=N)", NULL},
};

#define NFILES (sizeof(files) / sizeof(*files) - 1) /* without the GPX */

const struct synth_file *synth_files(size_t *n)
{
	*n = sizeof(files) / sizeof(*files);
	return files;
}

static enum cmn_rc make_dir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return CMN_OK;
	return CMN_ERR_IO;
}

/* ---- one household ------------------------------------------------------------ */

struct worker {
	const struct synth_opts *o;
	const struct synth_territory *t;
	unsigned id;
	struct synth_stats st;
	enum cmn_rc rc;
	char err[300];
};

/* A file is produced through a stdio stream whose writes land in a struct
 * buf. (open_memstream copies its whole buffer, and zeroes the new half,
 * each time it doubles: for a member's year of GPX that cost more than
 * formatting the points.) */
static ssize_t into_buf(void *cookie, const char *p, size_t n)
{
	return buf_append(cookie, p, n) == CMN_OK ? (ssize_t)n : -1;
}

enum cmn_rc synth_produce(const struct synth_territory *t, const struct synth_household *h,
			  const struct synth_file *f, int member, char **data, size_t *len)
{
	static const cookie_io_functions_t io = {.write = into_buf};
	struct buf b;
	FILE *mem;
	enum cmn_rc rc;

	buf_init(&b, SIZE_MAX / 2);
	*data = NULL;
	*len = 0;
	mem = fopencookie(&b, "w", io);
	if (!mem)
		return CMN_ERR_NOMEM;
	setvbuf(mem, NULL, _IOFBF, 64 * 1024);
	if (!f->write)
		rc = member >= 0 && member < h->nmembers ? synth_write_gpx(t, h, member, mem)
							 : CMN_ERR_NOT_FOUND;
	else
		rc = f->write(t, h, mem);
	if (fclose(mem) != 0 && rc == CMN_OK)
		rc = CMN_ERR_IO;
	*len = b.len;
	*data = buf_steal(&b);
	if (!*data && rc == CMN_OK)
		rc = CMN_ERR_NOMEM;
	return rc;
}

static enum cmn_rc save(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096 + 80];
	FILE *out;
	enum cmn_rc rc = CMN_OK;

	snprintf(path, sizeof(path), "%.4000s/%.64s", dir, name);
	out = fopen(path, "wb");
	if (!out)
		return CMN_ERR_IO;
	if (fwrite(data, 1, len, out) != len)
		rc = CMN_ERR_IO;
	if (fclose(out) != 0)
		rc = CMN_ERR_IO;
	return rc;
}

static enum cmn_rc import_into(struct pstore *ps, const struct registry *reg, const char *actor,
			       const char *name, const char *format, const char *data, size_t len,
			       struct synth_stats *st, char *err, size_t errlen)
{
	struct import_job job;
	enum cmn_rc rc = import_buffer(ps, reg, actor, data, len, name, format, &job);

	if (rc == CMN_OK) {
		st->records += job.stats.records_created;
		st->points += job.stats.points_added;
	} else {
		snprintf(err, errlen, "%.20s: %.40s:%zu:%zu: %.180s", format, name, job.err.line,
			 job.err.column, job.err.message[0] ? job.err.message : cmn_strerror(rc));
	}
	import_job_release(&job);
	return rc;
}

enum cmn_rc synth_household_files(const struct synth_territory *t, const struct synth_household *h,
				  const char *dir, struct pstore *ps, const struct registry *reg,
				  const char *actor, struct synth_stats *st, char *err,
				  size_t errlen)
{
	enum cmn_rc rc = CMN_OK;

	for (size_t i = 0; i < NFILES + SYNTH_MAX_MEMBERS && rc == CMN_OK; i++) {
		int member = i < NFILES ? -1 : (int)(i - NFILES);
		char name[64], *data = NULL;
		size_t len = 0;

		if (member >= h->nmembers)
			break;
		if (member >= 0)
			snprintf(name, sizeof(name), "trajets-%d.gpx", member + 1);
		else
			str_copy(name, sizeof(name), files[i].name);
		rc = synth_produce(t, h, &files[member >= 0 ? NFILES : i], member, &data, &len);
		if (rc == CMN_ERR_NOT_FOUND) {
			free(data);
			rc = CMN_OK; /* the household has no such file */
			continue;
		}
		if (rc == CMN_OK && dir && (rc = save(dir, name, data, len)) != CMN_OK)
			snprintf(err, errlen, "cannot write %.200s/%.60s", dir, name);
		if (rc == CMN_OK && ps)
			rc = import_into(ps, reg, actor, name, member >= 0 ? "gpx" : files[i].format,
					 data, len, st, err, errlen);
		if (rc == CMN_OK) {
			st->files++;
			st->bytes += len;
		} else if (!err[0]) {
			snprintf(err, errlen, "%s: %s: %s", h->handle, name, cmn_strerror(rc));
		}
		free(data);
	}
	if (rc == CMN_OK)
		st->households++;
	return rc;
}

static enum cmn_rc household(struct worker *w, uint64_t index)
{
	const struct synth_opts *o = w->o;
	struct synth_household h;
	struct pstore *ps = NULL;
	char dir[4096];
	enum cmn_rc rc;

	synth_household(w->t, index, &h);
	if (o->out_dir) {
		snprintf(dir, sizeof(dir), "%s/households/%s", o->out_dir, h.handle);
		if (make_dir(dir) != CMN_OK) {
			snprintf(w->err, sizeof(w->err), "cannot create %.250s", dir);
			return CMN_ERR_IO;
		}
	}
	if (o->store) {
		struct person p;

		/* no password: nobody logs in as a synthetic person until one
		 * is given (commune user passwd) */
		rc = store_person_add(o->store, h.handle, "resident", NULL, "!", &p);
		if (rc == CMN_OK)
			rc = store_person_store(o->store, p.id, &ps);
		if (rc != CMN_OK) {
			snprintf(w->err, sizeof(w->err), "%s: %s", h.handle,
				 rc == CMN_ERR_EXISTS ? "the handle is taken (a territory is "
							"already there?)"
						      : cmn_strerror(rc));
			return rc;
		}
	}
	return synth_household_files(w->t, &h, o->out_dir ? dir : NULL, ps, o->reg, "synth", &w->st,
				     w->err, sizeof(w->err));
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (uint64_t i = w->id; i < w->o->households && w->rc == CMN_OK; i += w->o->jobs)
		w->rc = household(w, w->o->first + i);
	return NULL;
}

/* ---- the territory's public files ----------------------------------------------------- */

static enum cmn_rc public_files(const struct synth_territory *t, const char *out)
{
	char path[4096];
	FILE *f;
	enum cmn_rc rc;

	snprintf(path, sizeof(path), "%s/territory", out);
	if ((rc = make_dir(path)) != CMN_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/territory/gtfs", out);
	if ((rc = make_dir(path)) != CMN_OK || (rc = synth_write_gtfs(t, path)) != CMN_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/territory/districts.geojson", out);
	if (!(f = fopen(path, "w")))
		return CMN_ERR_IO;
	rc = synth_write_districts(t, f);
	if (fclose(f) != 0)
		rc = CMN_ERR_IO;
	snprintf(path, sizeof(path), "%s/territory/weather.csv", out);
	if (rc != CMN_OK || !(f = fopen(path, "w")))
		return rc != CMN_OK ? rc : CMN_ERR_IO;
	fputs("date;temperature_c\n", f);
	for (int i = 0; i < t->days; i++) {
		int64_t y;
		int m, d, v = t->temp_dc[i];

		time_civil_from_days(t->start_day + i, &y, &m, &d);
		fprintf(f, "%04lld-%02d-%02d;%s%d.%d\n", (long long)y, m, d, v < 0 ? "-" : "",
			(v < 0 ? -v : v) / 10, (v < 0 ? -v : v) % 10);
	}
	if (fclose(f) != 0)
		return CMN_ERR_IO;
	return CMN_OK;
}

/* households.csv - what each household is, for checking the data against */
static enum cmn_rc summary(const struct synth_opts *o, const struct synth_territory *t)
{
	static const char *const heating[] = {"electric", "gas", "heat_pump", "district", "wood"};
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/households.csv", o->out_dir);
	if (!(f = fopen(path, "w")))
		return CMN_ERR_IO;
	fputs("handle;district;members;adults;children;taxable_income;tax_shares;"
	      "family_quotient;owner;surface_m2;energy_class;heating;kva\n",
	      f);
	for (uint64_t i = 0; i < o->households; i++) {
		struct synth_household h;

		synth_household(t, o->first + i, &h);
		fprintf(f, "%s;%s;%d;%d;%d;%lld;%d.%d;%lld;%d;%d;%c;%s;%d\n", h.handle,
			t->districts[h.district].code, h.nmembers, h.adults, h.children,
			(long long)h.taxable_income, h.tax_shares_x2 / 2, h.tax_shares_x2 % 2 ? 5 : 0,
			(long long)h.family_quotient, h.owner, h.surface_m2, h.energy_class,
			heating[h.heating], h.kva);
	}
	return fclose(f) == 0 ? CMN_OK : CMN_ERR_IO;
}

/* the territory's districts into the platform store: the values of the
 * "district" dimension of campaigns, the codes household.profile names */
static enum cmn_rc districts_into_store(struct store *s, const struct synth_territory *t)
{
	struct store_district d[SYNTH_DISTRICTS];

	memset(d, 0, sizeof(d));
	for (int k = 0; k < SYNTH_DISTRICTS; k++) {
		str_copy(d[k].code, sizeof(d[k].code), t->districts[k].code);
		str_copy(d[k].name, sizeof(d[k].name), t->districts[k].name);
	}
	return store_districts_replace(s, d, SYNTH_DISTRICTS);
}

enum cmn_rc synth_run(const struct synth_opts *o, struct synth_stats *st, char *err, size_t errlen)
{
	struct synth_territory *t = malloc(sizeof(*t));
	struct worker *w;
	pthread_t tid[SYNTH_MAX_JOBS];
	unsigned jobs = o->jobs ? o->jobs : 1;
	enum cmn_rc rc;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	if (!t || jobs > SYNTH_MAX_JOBS) {
		free(t);
		return jobs > SYNTH_MAX_JOBS ? CMN_ERR_INVALID : CMN_ERR_NOMEM;
	}
	rc = synth_territory_init(t, o->seed, o->start_day, o->days);
	if (rc == CMN_OK && o->out_dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/households", o->out_dir);
		if (make_dir(o->out_dir) != CMN_OK || make_dir(path) != CMN_OK ||
		    public_files(t, o->out_dir) != CMN_OK || summary(o, t) != CMN_OK) {
			snprintf(err, errlen, "cannot write the territory's files in %s", o->out_dir);
			rc = CMN_ERR_IO;
		}
	}
	if (rc == CMN_OK && o->store && (rc = districts_into_store(o->store, t)) != CMN_OK)
		snprintf(err, errlen, "cannot record the territory's districts: %s",
			 cmn_strerror(rc));
	w = rc == CMN_OK ? calloc(jobs, sizeof(*w)) : NULL;
	if (rc == CMN_OK && !w)
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK) {
		struct synth_opts oj = *o;
		unsigned started = 0;

		oj.jobs = jobs;
		for (unsigned k = 0; k < jobs; k++) {
			w[k] = (struct worker){.o = &oj, .t = t, .id = k};
			if (jobs == 1)
				work(&w[k]);
			else if (pthread_create(&tid[k], NULL, work, &w[k]) == 0)
				started++;
			else
				w[k].rc = CMN_ERR_INTERNAL;
		}
		for (unsigned k = 0; jobs > 1 && k < started; k++)
			pthread_join(tid[k], NULL);
		for (unsigned k = 0; k < jobs; k++) {
			st->households += w[k].st.households;
			st->files += w[k].st.files;
			st->bytes += w[k].st.bytes;
			st->records += w[k].st.records;
			st->points += w[k].st.points;
			if (w[k].rc != CMN_OK && rc == CMN_OK) {
				rc = w[k].rc;
				str_copy(err, errlen, w[k].err);
			}
		}
	}
	free(w);
	free(t);
	return rc;
}
