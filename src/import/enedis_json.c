/*
 * enedis_json.c - the JSON of Enedis Data Connect v5 (metering data):
 *
 *   {"meter_reading": {"usage_point_id": "12345678901234",
 *     "start": "2024-01-01", "end": "2024-01-08", "quality": "BRUT",
 *     "reading_type": {"unit": "W", "measurement_kind": "power",
 *                      "aggregate": "average", "measuring_period": "PT30M"},
 *     "interval_reading": [{"value": "1234", "date": "2024-01-01 00:30:00",
 *                           "interval_length": "PT30M", "measure_type": "B"}]}}
 *
 * The unit decides the series: Wh (daily_consumption, one date per day) go
 * to energy.electricity.consumption, stamped at 00:00 UTC of the date (a
 * daily series has one UTC grid; 00:00 UTC is inside that date in Paris
 * all year); W (consumption_load_curve) go to energy.electricity.load_curve.
 * A curve's dates are Paris wall times at the END of the interval, without
 * offset: they are converted with the zone, the repeated hour of October
 * told apart by order, and the point stamped at the interval's start. VA
 * (daily_consumption_max_power) has no doctype: it is skipped with a
 * warning. Values are integer strings (or integers); "" or null is a gap.
 * The file is streamed in two passes (below). docs/import/enedis-dataconnect.md.
 */
#include "import/import.h"
#include "import/jsonstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define ENEDIS_MAX_WH         1000000000000LL     /* one day's energy (10^12 Wh) */
#define ENEDIS_MAX_W          1000000LL           /* one mean power (as the CSV) */
#define ENEDIS_PRM_LEN        14

/* One series being fed, and where its previous point was. */
struct feed {
	struct import_series s;
	char meta[64];
	bool daily;       /* dates, one value per day */
	int64_t max;      /* largest value accepted */
	int64_t prev_end; /* the previous curve time (INT64_MIN: none) */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "\"meter_reading\"") && strstr(buf, "\"usage_point_id\"")) {
		snprintf(why, whylen, "JSON with meter_reading and usage_point_id (Data Connect)");
		return 95;
	}
	if (strstr(buf, "\"interval_reading\"")) {
		snprintf(why, whylen, "JSON with interval_reading");
		return 60;
	}
	snprintf(why, whylen, "no meter_reading");
	return 0;
}

/* duration_step - "PT10M", "PT30M", "PT60M" or "PT1H" in ms, else 0. */
static int64_t duration_step(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "PT10M") == 0)
		return 600000;
	if (strcmp(s, "PT30M") == 0)
		return 1800000;
	if (strcmp(s, "PT60M") == 0 || strcmp(s, "PT1H") == 0)
		return 3600000;
	return 0;
}

/*
 * paris_wall_time - the instant of "YYYY-MM-DD HH:MM:SS" (or with a 'T'),
 * a wall time in zone z at the END of an interval. Around a change of
 * offset one wall time can name two instants, and the instant of a change
 * has two names (the end of 02:30-03:00 summer time in October is 03:00 in
 * summer time, 02:00 in winter time; in March 02:00 winter time is 03:00
 * summer time). So each of the zone's two offsets around that day gives a
 * candidate, kept when the interval ending there was in that offset; the
 * earliest candidate after prev wins (the files list the repeated hour
 * twice, in order). CMN_ERR_NOT_FOUND when no candidate exists (inside the
 * hour skipped in March).
 */
static enum cmn_rc paris_wall_time(const struct tz *z, const char *s, int64_t prev, int64_t *out)
{
	char date[11];
	int64_t wall, hh, mi, ss, best = INT64_MAX, any = INT64_MIN;
	int32_t off[2];

	if (strlen(s) != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
		return CMN_ERR_INVALID;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!time_is_date(date) || time_parse(date, true, &wall) != CMN_OK)
		return CMN_ERR_INVALID;
	{
		char h[3] = {s[11], s[12], 0}, m[3] = {s[14], s[15], 0}, x[3] = {s[17], s[18], 0};

		if (str_to_i64(h, 0, 24, &hh) != CMN_OK || str_to_i64(m, 0, 59, &mi) != CMN_OK ||
		    str_to_i64(x, 0, 59, &ss) != CMN_OK || (hh == 24 && (mi || ss)))
			return CMN_ERR_INVALID;
	}
	wall += ((hh * 60 + mi) * 60 + ss) * 1000; /* the wall time read as if UTC */
	off[0] = tz_offset(z, wall - 86400000);
	off[1] = tz_offset(z, wall + 86400000);
	for (int i = 0; i < 2; i++) {
		int64_t t = wall - (int64_t)off[i] * 1000;

		if (tz_offset(z, t) != off[i] && tz_offset(z, t - 1) != off[i])
			continue; /* not a time of that offset */
		any = t;
		if ((prev == INT64_MIN || t > prev) && t < best)
			best = t;
	}
	if (any == INT64_MIN)
		return CMN_ERR_NOT_FOUND;
	*out = best != INT64_MAX ? best : any; /* any: not after prev, the caller says so */
	return CMN_OK;
}

/* value_of - an integer value (string or number) within [0, max]; 1 for a
 * gap (null or ""), 0 for a value, -1 for an error. */
static int value_of(const json_t *v, int64_t max, int64_t *out)
{
	if (!v || json_is_null(v) || (json_is_string(v) && !json_string_value(v)[0]))
		return 1;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && str_to_i64(json_string_value(v), 0, max, out) == CMN_OK)
		return 0;
	return -1;
}

/* put - one reading (its time text and value) into the feed; base is its
 * JSON pointer. */
static enum cmn_rc put(struct import_job *j, struct feed *f, const char *when, const json_t *val,
		       int64_t step, const char *base)
{
	char pointer[120];
	struct series_point p;
	char vat[120];
	int r;

	snprintf(vat, sizeof(vat), "%.100s/value", base);
	snprintf(pointer, sizeof(pointer), "%.100s/date", base);
	if (!when)
		return import_fail_at(j, pointer, "expected a date");
	if (f->daily) {
		if (!time_is_date(when) || time_parse(when, true, &p.t) != CMN_OK)
			return import_fail_at(j, pointer,
					      "expected a date (YYYY-MM-DD) for daily "
					      "values");
	} else {
		enum cmn_rc rc =
		    paris_wall_time(series_zone("Europe/Paris"), when, f->prev_end, &p.t);

		if (rc == CMN_ERR_NOT_FOUND)
			return import_fail_at(j, pointer,
					      "%.20s does not exist in Paris (the clocks "
					      "go forward)",
					      when);
		if (rc != CMN_OK)
			return import_fail_at(j, pointer,
					      "expected a Paris time YYYY-MM-DD HH:MM:SS");
		if (f->prev_end != INT64_MIN && p.t <= f->prev_end)
			return import_fail_at(j, pointer, "the times must increase");
		if (f->s.step && step != f->s.step)
			return import_fail_at(j, pointer,
					      "the interval length changes within the "
					      "file");
		f->s.step = step;
		f->prev_end = p.t;
		p.t -= step; /* stamped at the interval's start */
	}
	r = value_of(val, f->max, &p.v);
	if (r < 0)
		return import_fail_at(j, vat, "expected a value: an integer from 0 to %lld %s",
				      (long long)f->max, f->s.unit);
	return r == 1 ? CMN_OK : import_points(j, &f->s, &p, 1);
}

/* feed_init - the series a unit goes to; false when it has no doctype. */
static bool feed_init(struct feed *f, const char *prm, const char *unit)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->meta, sizeof(f->meta), "{\"prm\":\"%s\"}", prm);
	f->s.source = "enedis";
	f->s.key = prm;
	f->s.tz = "Europe/Paris";
	f->s.meta = f->meta;
	f->prev_end = INT64_MIN;
	if (strcmp(unit, "Wh") == 0) {
		f->s.doctype = "energy.electricity.consumption";
		f->s.unit = "Wh";
		f->s.step = 86400000;
		f->daily = true;
		f->max = ENEDIS_MAX_WH;
		return true;
	}
	if (strcmp(unit, "W") == 0) {
		f->s.doctype = "energy.electricity.load_curve";
		f->s.unit = "W";
		f->max = ENEDIS_MAX_W;
		return true;
	}
	return false;
}

static bool prm_ok(const char *prm)
{
	return prm && strlen(prm) == ENEDIS_PRM_LEN && strspn(prm, "0123456789") == ENEDIS_PRM_LEN;
}

/*
 * The file is streamed (jsonstream.h) in two passes, since JSON gives no
 * order to an object's members: the first reads the small members of
 * meter_reading (the PRM, the reading type) and skips its readings, the
 * second streams interval_reading one reading at a time. Memory does not
 * grow with the number of readings.
 */
struct dc {
	struct import_job *j;
	bool pass2;
	bool mr, readings;           /* meter_reading, interval_reading seen */
	json_t *prm, *type;          /* from the first pass */
	struct feed f;
	bool feeding;                /* the unit has a doctype */
	int64_t period;              /* reading_type.measuring_period, ms */
	size_t skipped;              /* readings of a unit without a doctype */
};

static enum jstream_want dc_want(void *ctx, const char *path)
{
	struct dc *d = ctx;

	if (strcmp(path, "meter_reading") == 0) {
		d->mr = true;
		return JSTREAM_DESCEND;
	}
	if (strcmp(path, "meter_reading/interval_reading") == 0) {
		d->readings = true;
		return d->pass2 ? JSTREAM_ELEMENTS : JSTREAM_SKIP;
	}
	if (!d->pass2 && (strcmp(path, "meter_reading/usage_point_id") == 0 ||
			  strcmp(path, "meter_reading/reading_type") == 0))
		return JSTREAM_VALUE;
	return JSTREAM_SKIP;
}

static enum cmn_rc dc_piece(void *ctx, const struct jstream_piece *p)
{
	struct dc *d = ctx;
	const json_t *r = p->value;
	const char *len;
	int64_t step;
	char at[80];

	if (!d->pass2) {
		json_t **slot = strcmp(p->key, "meter_reading/usage_point_id") == 0 ? &d->prm
											: &d->type;
		json_decref(*slot);
		*slot = json_incref(p->value);
		return CMN_OK;
	}
	if (!d->feeding) {
		d->skipped++;
		return CMN_OK;
	}
	len = json_string_value(json_object_get(r, "interval_length"));
	step = len ? duration_step(len) : d->period;
	snprintf(at, sizeof(at), "/meter_reading/interval_reading/%zu", p->index);
	if (!json_is_object(r))
		return import_fail_at(d->j, at, "expected an object");
	if (!d->f.daily && !step)
		return import_fail_at(d->j, at,
				      "expected interval_length PT10M, PT30M or PT60M "
				      "(or reading_type.measuring_period)");
	return put(d->j, &d->f, json_string_value(json_object_get(r, "date")),
		   json_object_get(r, "value"), step, at);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .want = dc_want,
	    .piece = dc_piece,
	    .piece_max = 1 << 20,
	    .depth_max = 32,
	    .shape = "an object with meter_reading",
	};
	struct dc d = {.j = j};
	const char *prm, *unit;
	enum cmn_rc rc = jstream_run(j, in->f, &ops, &d);

	prm = json_string_value(d.prm);
	unit = json_string_value(json_object_get(d.type, "unit"));
	if (rc == CMN_OK && !d.mr)
		rc = import_fail_at(j, "", "expected an object with meter_reading");
	else if (rc == CMN_OK && !prm_ok(prm))
		rc = import_fail_at(j, "/meter_reading/usage_point_id",
				    "expected a PRM of 14 digits");
	else if (rc == CMN_OK && !unit)
		rc = import_fail_at(j, "/meter_reading/reading_type/unit", "expected a unit");
	else if (rc == CMN_OK && !d.readings)
		rc = import_fail_at(j, "/meter_reading/interval_reading", "expected an array");
	if (rc == CMN_OK && prm && unit) {
		d.period = duration_step(
		    json_string_value(json_object_get(d.type, "measuring_period")));
		d.feeding = feed_init(&d.f, prm, unit);
		d.pass2 = true;
		rewind(in->f);
		rc = jstream_run(j, in->f, &ops, &d);
	}
	if (rc == CMN_OK && d.skipped)
		import_warn(j,
			    "%zu readings in %.8s not imported: no doctype for this unit "
			    "(daily_consumption_max_power)",
			    d.skipped, unit);
	json_decref(d.prm);
	json_decref(d.type);
	return rc;
}

const struct import_format import_enedis_dataconnect = {
    "enedis-dataconnect",
    "Enedis Data Connect v5 JSON: daily consumption (Wh) and load curve (W)",
    detect,
    run,
};
