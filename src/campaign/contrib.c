/*
 * contrib.c - the table of a campaign and what one person contributes to
 * it, read from their own store: the household they declared (for the
 * district, size band and heating dimensions), then every value of the
 * campaign's source in its period, each put in its cell; the person's value
 * in a cell is the mean of theirs that fall there.
 */
#include "campaign/campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/jsonparse.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "opendata/opendata.h"
#include "series/series.h"
#include "store/store_opendata.h"

static const char *const weekdays[7] = {"monday", "tuesday", "wednesday", "thursday",
					"friday", "saturday", "sunday"};
static const char *const months[12] = {"01", "02", "03", "04", "05", "06",
				       "07", "08", "09", "10", "11", "12"};
static const char *const hours[24] = {"00", "01", "02", "03", "04", "05", "06", "07",
				      "08", "09", "10", "11", "12", "13", "14", "15",
				      "16", "17", "18", "19", "20", "21", "22", "23"};
static const char *const bands[CAMPAIGN_BANDS] = {"1", "2", "3-4", "5+"};
static const char *const heatings[CAMPAIGN_HEATINGS] = {
    "electric", "gas", "heat_pump", "district_heating", "wood", "fuel_oil", "other"};
/* the modes of mobility.trip, in the order of its schema */
static const char *const modes[CAMPAIGN_MODES] = {
    "walk", "bike", "ebike", "scooter", "bus", "tram", "metro",
    "train", "car", "carpool", "motorbike", "plane", "other"};

static int find_name(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

/* stored_json - the JSON of text the store keeps (a record, a dataset)
 * into *out: CMN_ERR_NOMEM when memory ran out reading it, which is not
 * a corrupt store (a 503 and a run to try again, not a 500) */
static enum cmn_rc stored_json(const char *text, json_t **out)
{
	struct json_parse_error e;

	*out = json_parse(text, strlen(text), 0, &e);
	if (*out)
		return CMN_OK;
	return e.rc == CMN_ERR_NOMEM ? CMN_ERR_NOMEM : CMN_ERR_CORRUPT;
}

static int district_index(const struct campaign_domain *d, const char *code)
{
	size_t lo = 0, hi = d->ndistricts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->districts[mid].code, code);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* places_init - the polygons of the districts dataset loaded last, once for
 * the table, and the campaign district of each feature (loading districts
 * makes their codes the campaigns' districts: a feature without one only
 * if the table changed since) */
static enum cmn_rc places_init(struct campaign_domain *d, struct store *s, size_t dim,
			       char *err, size_t errn)
{
	struct opendata_version v;
	json_t *canon = NULL;
	size_t n;
	enum cmn_rc rc = store_opendata_latest_kind(s, "districts", true, &v);

	if (rc == CMN_ERR_NOT_FOUND) {
		snprintf(err, errn, "/group_by/%zu: no districts dataset is loaded on this territory "
				    "to place trips in (commune opendata load districts)", dim);
		return CMN_ERR_INVALID;
	}
	if (rc != CMN_OK)
		return rc;
	rc = stored_json(v.content, &canon);
	if (rc == CMN_OK && !(d->places = opendata_index_build(canon)))
		rc = CMN_ERR_NOMEM;
	n = json_array_size(json_object_get(canon, "features"));
	if (rc == CMN_OK && !(d->place_district = malloc((n ? n : 1) * sizeof(int32_t))))
		rc = CMN_ERR_NOMEM;
	for (size_t f = 0; rc == CMN_OK && f < n; f++)
		d->place_district[f] =
		    district_index(d, opendata_index_district(d->places, (long)f)->code);
	json_decref(canon);
	opendata_version_release(&v);
	return rc;
}

enum cmn_rc campaign_domain_init(struct campaign_domain *d, struct store *s,
				 const struct campaign_spec *spec, char *err, size_t errn)
{
	enum cmn_rc rc;

	memset(d, 0, sizeof(*d));
	rc = store_districts_list(s, &d->districts, &d->ndistricts);
	if (rc != CMN_OK)
		return rc;
	d->ndims = spec->ngroup;
	d->ncells = 1;
	for (size_t i = 0; i < spec->ngroup; i++) {
		uint32_t n = 0;

		d->dims[i] = spec->group_by[i];
		switch (spec->group_by[i]) {
		case CAMPAIGN_DIM_DISTRICT: n = (uint32_t)d->ndistricts; break;
		case CAMPAIGN_DIM_HOUR_OF_DAY: n = 24; break;
		case CAMPAIGN_DIM_WEEKDAY: n = 7; break;
		case CAMPAIGN_DIM_MONTH: n = 12; break;
		case CAMPAIGN_DIM_MODE: n = CAMPAIGN_MODES; break;
		case CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND: n = CAMPAIGN_BANDS; break;
		case CAMPAIGN_DIM_HEATING_TYPE: n = CAMPAIGN_HEATINGS; break;
		case CAMPAIGN_DIM_ORIGIN_DISTRICT:
		case CAMPAIGN_DIM_DESTINATION_DISTRICT: n = (uint32_t)d->ndistricts; break;
		default: break;
		}
		if (n == 0) {
			snprintf(err, errn, "/group_by/%zu: no %s is known on this territory", i,
				 campaign_dim_name(spec->group_by[i]));
			campaign_domain_release(d);
			return CMN_ERR_INVALID;
		}
		d->size[i] = n;
		d->ncells *= n;
		if (d->ncells > DP_TABLE_MAX_CELLS) {
			snprintf(err, errn, "/group_by: more than %u cells", DP_TABLE_MAX_CELLS);
			campaign_domain_release(d);
			return CMN_ERR_INVALID;
		}
		if ((spec->group_by[i] == CAMPAIGN_DIM_ORIGIN_DISTRICT ||
		     spec->group_by[i] == CAMPAIGN_DIM_DESTINATION_DISTRICT) &&
		    !d->places && (rc = places_init(d, s, i, err, errn)) != CMN_OK) {
			campaign_domain_release(d);
			return rc;
		}
	}
	return CMN_OK;
}

void campaign_domain_release(struct campaign_domain *d)
{
	free(d->districts);
	d->districts = NULL;
	d->ndistricts = 0;
	opendata_index_free(&d->places);
	free(d->place_district);
	d->place_district = NULL;
}

const char *campaign_dim_value(const struct campaign_domain *d, size_t dim, uint32_t i)
{
	if (dim >= d->ndims || i >= d->size[dim])
		return "?";
	switch (d->dims[dim]) {
	case CAMPAIGN_DIM_DISTRICT:
	case CAMPAIGN_DIM_ORIGIN_DISTRICT:
	case CAMPAIGN_DIM_DESTINATION_DISTRICT: return d->districts[i].code;
	case CAMPAIGN_DIM_HOUR_OF_DAY: return hours[i];
	case CAMPAIGN_DIM_WEEKDAY: return weekdays[i];
	case CAMPAIGN_DIM_MONTH: return months[i];
	case CAMPAIGN_DIM_MODE: return modes[i];
	case CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND: return bands[i];
	case CAMPAIGN_DIM_HEATING_TYPE: return heatings[i];
	default: return "?";
	}
}

void campaign_contrib_release(struct campaign_contrib *c)
{
	free(c->cells);
	free(c->sum);
	free(c->n);
	free(c->touched);
	series_scratch_release(&c->scan);
	memset(c, 0, sizeof(*c));
}

/* ---- the household profile ---------------------------------------------------- */

/* the household a person declared: values of the profile dimensions,
 * -1 when unknown */
struct profile {
	bool found;
	char district[STORE_DISTRICT_CODE_MAX + 1];
	int band, heating;
};

static enum cmn_rc profile_row(const struct record_meta *m, const char *data,
			       const struct query_value *k, void *ctx)
{
	struct profile *p = ctx;
	json_int_t members;
	const char *code;
	json_t *j;
	enum cmn_rc rc = stored_json(data, &j);

	(void)m;
	(void)k;
	if (rc != CMN_OK)
		return rc;
	p->found = true;
	members = json_integer_value(json_object_get(j, "members"));
	p->band = members <= 0 ? -1 : members == 1 ? 0 : members == 2 ? 1 : members <= 4 ? 2 : 3;
	p->heating = find_name(heatings, CAMPAIGN_HEATINGS,
			       json_string_value(json_object_get(j, "heating")));
	code = json_string_value(json_object_get(j, "district"));
	str_copy(p->district, sizeof(p->district), code ? code : "");
	json_decref(j);
	return CMN_OK;
}

/* read_profile - the most recent household.profile of the store */
static enum cmn_rc read_profile(struct pstore *ps, struct profile *p)
{
	struct store_query q = {.doctype = CAMPAIGN_PROFILE_DOCTYPE, .sort = QSORT_TIME,
				.desc = true, .limit = 1};

	memset(p, 0, sizeof(*p));
	p->band = p->heating = -1;
	return pstore_record_query(ps, &q, profile_row, p);
}

/* ---- putting values in cells ---------------------------------------------------- */

/* what the cell of a value depends on */
struct placing {
	const struct campaign_spec *spec;
	const struct campaign_domain *d;
	struct campaign_contrib *c;
	int fixed[CAMPAIGN_GROUP_MAX];      /* profile dimensions' values, -1 for the others */
	int64_t stride[CAMPAIGN_GROUP_MAX]; /* cells between two values of a dimension */
	int64_t base;                       /* the fixed dimensions' part of the cell */
	bool timed;                         /* some dimension needs the local time */
	int hour_only;                      /* the hour of day's dimension when no other
					     * one is set by a value, or -1 */
	const struct tz *zone;
	int64_t off_from, off_until;        /* the zone's offset holds in [from, until) */
	int64_t offset;                     /* ms */
	int64_t day;                        /* the local day of month_of_day, or INT64_MIN */
	int month_of_day;
	int mode;                           /* of the current record, -1 if none */
	int ends[2];                        /* the districts where it starts and ends, -1 if none
					     * (read when the domain has places) */
};

static enum cmn_rc contrib_scratch(struct campaign_contrib *c, size_t ncells)
{
	if (c->dense < ncells) {
		int64_t *sum = realloc(c->sum, ncells * sizeof(*sum));
		uint32_t *n, *touched;

		if (sum)
			c->sum = sum;
		n = realloc(c->n, ncells * sizeof(*n));
		if (n)
			c->n = n;
		touched = realloc(c->touched, ncells * sizeof(*touched));
		if (touched)
			c->touched = touched;
		if (!sum || !n || !touched)
			return CMN_ERR_NOMEM;
		memset(c->n, 0, ncells * sizeof(*c->n));
		c->dense = ncells;
	}
	c->ntouched = 0;
	return CMN_OK;
}

/* placing_init - strides and the fixed part, once the profile is known */
static void placing_init(struct placing *pl)
{
	const struct campaign_domain *d = pl->d;
	int64_t stride = 1;
	int unfixed = 0;

	pl->base = 0;
	pl->timed = false;
	pl->hour_only = -1;
	for (size_t i = d->ndims; i-- > 0;) {
		pl->stride[i] = stride;
		stride *= d->size[i];
		if (pl->fixed[i] >= 0) {
			pl->base += pl->fixed[i] * pl->stride[i];
			continue;
		}
		unfixed++;
		if (d->dims[i] != CAMPAIGN_DIM_MODE && d->dims[i] != CAMPAIGN_DIM_ORIGIN_DISTRICT &&
		    d->dims[i] != CAMPAIGN_DIM_DESTINATION_DISTRICT)
			pl->timed = true;
		if (d->dims[i] == CAMPAIGN_DIM_HOUR_OF_DAY)
			pl->hour_only = (int)i;
	}
	if (unfixed != 1)
		pl->hour_only = -1;
	pl->off_from = 1;
	pl->off_until = 0; /* empty: the first time looks the offset up */
	pl->day = INT64_MIN;
}

/* zone_at - the zone's offset at t in pl->offset, looked up when t is out
 * of the interval where the last one holds */
static inline void zone_at(struct placing *pl, int64_t t)
{
	if (t < pl->off_from || t >= pl->off_until) {
		pl->offset = (int64_t)tz_offset(pl->zone, t) * 1000;
		pl->off_from = t;
		pl->off_until = tz_next_change(pl->zone, t);
	}
}

/* place - the cell of a value at t, or -1 when the table has no cell for it
 * (a trip without a known mode) */
static int64_t place(struct placing *pl, int64_t t)
{
	const struct campaign_domain *d = pl->d;
	int64_t cell = pl->base, local, day = 0, ms = 0;

	if (pl->timed) {
		zone_at(pl, t);
		local = t + pl->offset;
		day = time_floor_div(local, 86400000);
		ms = local - day * 86400000;
	}
	for (size_t i = 0; i < d->ndims; i++) {
		int64_t v;

		if (pl->fixed[i] >= 0)
			continue;
		switch (d->dims[i]) {
		case CAMPAIGN_DIM_HOUR_OF_DAY: v = ms / 3600000; break;
		case CAMPAIGN_DIM_WEEKDAY: v = ((day % 7) + 7 + 3) % 7; break;
		case CAMPAIGN_DIM_MONTH:
			if (day != pl->day) {
				int64_t y;
				int m, dd;

				time_civil_from_days(day, &y, &m, &dd);
				pl->day = day;
				pl->month_of_day = m - 1;
			}
			v = pl->month_of_day;
			break;
		case CAMPAIGN_DIM_MODE: v = pl->mode; break;
		case CAMPAIGN_DIM_ORIGIN_DISTRICT: v = pl->ends[0]; break;
		case CAMPAIGN_DIM_DESTINATION_DISTRICT: v = pl->ends[1]; break;
		default: v = -1; break;
		}
		if (v < 0)
			return -1;
		cell += v * pl->stride[i];
	}
	return cell;
}

static void add_value(struct campaign_contrib *c, int64_t cell, int64_t v)
{
	size_t k = (size_t)cell;

	if (c->n[k] == 0) {
		c->touched[c->ntouched++] = (uint32_t)k;
		c->sum[k] = 0;
	}
	if (c->n[k] < UINT32_MAX) {
		c->n[k]++;
		c->sum[k] += v;
	}
}

#define HOUR_MS 3600000

/* hours_block - series_block when the hour of day is the only dimension a
 * value sets (the others come from the profile), as in a load profile by
 * district: the block's values are summed per local hour, a run of values
 * in the same hour at a time, then the 24 sums go to their cells. The next
 * hour follows from the last one while the offset holds: a division by a
 * constant per gap or change of offset, instead of place() and add_value()
 * per value. false, with nothing added, when a count would pass UINT32_MAX,
 * where add_value stops: the caller then places value by value. */
static bool hours_block(struct placing *pl, const int64_t *t, const int64_t *v, size_t n)
{
	struct campaign_contrib *c = pl->c;
	int64_t sum[24] = {0};
	uint64_t count[24] = {0};
	int64_t stride = pl->stride[pl->hour_only];

	for (size_t i = 0; i < n;) {
		int64_t local, q, h, lo, hi;

		zone_at(pl, t[i]);
		local = t[i] + pl->offset;
		q = local / HOUR_MS - (local % HOUR_MS < 0); /* floor: local hours since 1970 */
		h = q % 24;
		h += h < 0 ? 24 : 0;
		/* the values that follow in the same local hour under the same
		 * offset, [lo, hi) in UTC, share its sum without a division */
		lo = q * HOUR_MS - pl->offset;
		hi = lo + HOUR_MS;
		if (lo < pl->off_from)
			lo = pl->off_from;
		if (hi > pl->off_until)
			hi = pl->off_until;
		for (;;) {
			int64_t s = 0;
			uint64_t k = 0;

			while (i < n && t[i] >= lo && t[i] < hi) {
				s += v[i++];
				k++;
			}
			sum[h] += s;
			count[h] += k;
			/* then the next hour, still without a division, while
			 * the offset holds and the values are in it */
			if (i == n || hi == pl->off_until)
				break;
			lo = hi;
			hi = lo + HOUR_MS < pl->off_until ? lo + HOUR_MS : pl->off_until;
			h = h == 23 ? 0 : h + 1;
			if (t[i] < lo || t[i] >= hi)
				break;
		}
	}
	for (int h = 0; h < 24; h++)
		if (count[h] > UINT32_MAX - c->n[pl->base + h * stride])
			return false;
	for (int h = 0; h < 24; h++) {
		size_t k = (size_t)(pl->base + h * stride);

		if (!count[h])
			continue;
		if (c->n[k] == 0) {
			c->touched[c->ntouched++] = (uint32_t)k;
			c->sum[k] = 0;
		}
		c->n[k] += (uint32_t)count[h];
		c->sum[k] += sum[h];
	}
	return true;
}

static enum cmn_rc series_block(const int64_t *t, const int64_t *v, size_t n, void *ctx)
{
	struct placing *pl = ctx;

	if (pl->hour_only >= 0 && hours_block(pl, t, v, n))
		return CMN_OK;
	for (size_t i = 0; i < n; i++) {
		int64_t cell = place(pl, t[i]);

		if (cell >= 0)
			add_value(pl->c, cell, v[i]);
	}
	return CMN_OK;
}

/* the series of the source doctype in a store */
struct series_list {
	const char *doctype;
	struct series_def defs[8];
	size_t n;
};

static enum cmn_rc series_of(const struct series_def *def, void *ctx)
{
	struct series_list *l = ctx;

	if (strcmp(def->doctype, l->doctype) != 0 || l->n == sizeof(l->defs) / sizeof(*l->defs))
		return CMN_OK;
	l->defs[l->n] = *def;
	l->defs[l->n].meta = NULL; /* not needed, not owned */
	l->n++;
	return CMN_OK;
}

/* end_district - the campaign district holding a trip's end {lat, lon}, or
 * -1 (no position, outside every district) */
static int end_district(const struct campaign_domain *d, const json_t *at)
{
	const json_t *lat = json_object_get(at, "lat"), *lon = json_object_get(at, "lon");
	long f;

	if (!d->places || !json_is_number(lat) || !json_is_number(lon))
		return -1;
	f = opendata_index_at(d->places, json_number_value(lon), json_number_value(lat));
	return f < 0 ? -1 : d->place_district[f];
}

static enum cmn_rc record_value(const struct record_meta *m, const char *data,
				const struct query_value *k, void *ctx)
{
	struct placing *pl = ctx;
	json_t *j, *v;
	int64_t cell;
	double x;
	enum cmn_rc rc;

	(void)k;
	if (m->t == INT64_MIN)
		return CMN_OK;
	if ((rc = stored_json(data, &j)) != CMN_OK)
		return rc;
	v = json_object_get(j, pl->spec->value);
	pl->mode = find_name(modes, CAMPAIGN_MODES, json_string_value(json_object_get(j, "mode")));
	if (pl->d->places) {
		pl->ends[0] = end_district(pl->d, json_object_get(j, "from"));
		pl->ends[1] = end_district(pl->d, json_object_get(j, "to"));
	}
	if (json_is_number(v)) {
		x = json_number_value(v);
		/* the clips are at most 1e6 in size: anything beyond is clipped
		 * anyway, so the rounding below cannot overflow */
		if (x > 1e15)
			x = 1e15;
		if (x < -1e15)
			x = -1e15;
		cell = place(pl, m->t);
		if (cell >= 0)
			add_value(pl->c, cell, (int64_t)(x < 0 ? x - 0.5 : x + 0.5));
	}
	json_decref(j);
	return CMN_OK;
}

static int cell_cmp(const void *a, const void *b)
{
	const struct campaign_cell *x = a, *y = b;

	return x->cell < y->cell ? -1 : x->cell > y->cell;
}

/* mean_round - sum / n rounded half away from zero */
static int64_t mean_round(int64_t sum, uint32_t n)
{
	int64_t q = sum / (int64_t)n, r = sum % (int64_t)n;

	if (2 * (r < 0 ? -r : r) >= (int64_t)n)
		q += sum < 0 ? -1 : 1;
	return q;
}

enum cmn_rc campaign_contribution(struct store *s, const struct campaign_spec *spec,
				  const struct campaign_domain *d, const char *person_id,
				  struct campaign_contrib *c)
{
	struct placing pl = {.spec = spec, .d = d, .c = c, .mode = -1};
	struct pstore *ps, *peek = NULL;
	bool needs_profile = false;
	enum cmn_rc rc;

	c->skip = CAMPAIGN_SKIP_NONE;
	c->ncells = 0;
	if ((rc = contrib_scratch(c, d->ncells)) != CMN_OK)
		return rc;
	for (size_t i = 0; i < d->ndims; i++) {
		pl.fixed[i] = -1;
		if (d->dims[i] == CAMPAIGN_DIM_DISTRICT || d->dims[i] == CAMPAIGN_DIM_HEATING_TYPE ||
		    d->dims[i] == CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND)
			needs_profile = true;
	}
	/* read once, read-only, not kept open; a store at an older schema
	 * (or one that cannot be opened read-only) goes through the usual
	 * open, which migrates it */
	rc = store_person_peek(s, person_id, &peek);
	if (rc != CMN_OK)
		rc = store_person_store(s, person_id, &ps);
	else
		ps = peek;
	if (rc != CMN_OK)
		return rc;
	if (needs_profile) {
		struct profile p;

		if ((rc = read_profile(ps, &p)) != CMN_OK)
			goto out;
		for (size_t i = 0; i < d->ndims; i++) {
			int v = -1;

			if (d->dims[i] == CAMPAIGN_DIM_DISTRICT)
				v = p.found ? district_index(d, p.district) : -1;
			else if (d->dims[i] == CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND)
				v = p.band;
			else if (d->dims[i] == CAMPAIGN_DIM_HEATING_TYPE)
				v = p.heating;
			else
				continue;
			if (v < 0) {
				c->skip = CAMPAIGN_SKIP_NO_PROFILE;
				goto out;
			}
			pl.fixed[i] = v;
		}
	}
	placing_init(&pl);
	if (spec->source == CAMPAIGN_SOURCE_SERIES) {
		struct series_list l = {.doctype = spec->doctype};

		rc = pstore_series_each(ps, series_of, &l);
		for (size_t i = 0; rc == CMN_OK && i < l.n; i++) {
			pl.zone = series_zone(l.defs[i].tz);
			if (!pl.zone)
				pl.zone = tz_utc();
			placing_init(&pl);
			rc = series_scan_blocks(ps, &l.defs[i], spec->from, spec->to, &c->scan,
						series_block, &pl);
		}
	} else {
		struct store_query q = {.doctype = spec->doctype, .has_from = true, .has_to = true,
					.from = spec->from, .to = spec->to, .sort = QSORT_TIME,
					.limit = (size_t)INT64_MAX};

		pl.zone = series_zone(CAMPAIGN_ZONE);
		if (!pl.zone)
			pl.zone = tz_utc();
		rc = pstore_record_query(ps, &q, record_value, &pl);
	}
	if (rc != CMN_OK)
		goto out;
	if (c->cap < c->ntouched) {
		struct campaign_cell *cells = realloc(c->cells, c->ntouched * sizeof(*cells));

		if (!cells) {
			rc = CMN_ERR_NOMEM;
			goto out;
		}
		c->cells = cells;
		c->cap = c->ntouched;
	}
	for (size_t i = 0; i < c->ntouched; i++) {
		uint32_t k = c->touched[i];

		c->cells[i] = (struct campaign_cell){k, c->n[k], mean_round(c->sum[k], c->n[k])};
	}
	c->ncells = c->ntouched;
	qsort(c->cells, c->ncells, sizeof(*c->cells), cell_cmp);
	if (c->ncells == 0)
		c->skip = CAMPAIGN_SKIP_NO_DATA;
out:
	for (size_t i = 0; i < c->ntouched; i++)
		c->n[c->touched[i]] = 0;
	c->ntouched = 0;
	pstore_peek_close(&peek);
	return rc;
}
