/*
 * weather.c - daily temperatures (opendata.h): a CSV with a header,
 * date;tmin;tmax or date;tmean (tmean may be called temperature_c, as
 * `commune synth` writes it), ';' or ',' between fields, '.' (or ',' when
 * the fields are split at ';') as the decimal mark. Each day gets its
 * mean temperature and its heating degree-days on an 18 °C base:
 *   tmean = (tmin + tmax) / 2 when only the extremes are given,
 *   hdd   = max(0, 18 - tmean),
 * the simple "mean temperature" method (not the COSTIC one of the French
 * energy trade, which weighs tmax differently). Days are strictly
 * increasing; a fault says LINE:COLUMN.
 */
#include "opendata/opendata_int.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/timeutil.h"

#define WEATHER_BASE_C 18.0              /* the base of the degree-days */

struct wcols {
	int date, tmin, tmax, tmean;
};

/* temperature - field i as °C within [-90, 60] */
static enum cmn_rc temperature(struct od_csv *c, int i, const char *what, double *out)
{
	char buf[32];
	const char *s = (size_t)i < c->f.n ? c->f.f[i] : "";
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return od_csv_fault(c, (size_t)i, "%s: a temperature in °C", what);
	memcpy(buf, s, n + 1);
	if (c->sep == ';')
		for (size_t k = 0; k < n; k++)
			if (buf[k] == ',')
				buf[k] = '.';
	if (!od_number(buf, out) || *out < -90 || *out > 60)
		return od_csv_fault(c, (size_t)i, "%s: a temperature from -90 to 60 °C", what);
	return CMN_OK;
}

static enum cmn_rc columns(struct od_csv *c, struct wcols *k)
{
	int r = od_csv_next(c);

	if (r < 0)
		return CMN_ERR_INVALID;
	if (r == 0) {
		snprintf(c->err, c->errn, "1:1: empty: a header line is expected");
		return CMN_ERR_INVALID;
	}
	k->date = csv_field_index(&c->f, "date");
	k->tmin = csv_field_index(&c->f, "tmin");
	k->tmax = csv_field_index(&c->f, "tmax");
	k->tmean = csv_field_index(&c->f, "tmean");
	if (k->tmean < 0)
		k->tmean = csv_field_index(&c->f, "temperature_c");
	if (k->date < 0)
		return od_csv_fault(c, 0, "no column date");
	if (k->tmean < 0 && (k->tmin < 0 || k->tmax < 0))
		return od_csv_fault(c, 0, "columns tmin and tmax, or tmean, are expected");
	return CMN_OK;
}

static enum cmn_rc day(struct od_csv *c, const struct wcols *k, char last[11], json_t *days,
		       double *hdd_total)
{
	const char *date = (size_t)k->date < c->f.n ? c->f.f[k->date] : "";
	double tmin = 0, tmax = 0, tmean = 0, hdd;
	json_t *d;
	enum cmn_rc rc;

	if (!time_is_date(date))
		return od_csv_fault(c, (size_t)k->date, "date: YYYY-MM-DD");
	if (last[0] && strcmp(date, last) <= 0)
		return od_csv_fault(c, (size_t)k->date, "date: after %s, the day before", last);
	if (json_array_size(days) >= OPENDATA_ITEMS_MAX)
		return od_csv_fault(c, 0, "more than %d days", OPENDATA_ITEMS_MAX);
	if (k->tmin >= 0 && k->tmax >= 0) {
		if ((rc = temperature(c, k->tmin, "tmin", &tmin)) != CMN_OK ||
		    (rc = temperature(c, k->tmax, "tmax", &tmax)) != CMN_OK)
			return rc;
		if (tmin > tmax)
			return od_csv_fault(c, (size_t)k->tmin, "tmin: above tmax");
	}
	if (k->tmean >= 0) {
		if ((rc = temperature(c, k->tmean, "tmean", &tmean)) != CMN_OK)
			return rc;
	} else {
		tmean = (tmin + tmax) / 2;
	}
	tmean = od_round(tmean, 2);
	hdd = tmean < WEATHER_BASE_C ? od_round(WEATHER_BASE_C - tmean, 2) : 0;
	*hdd_total += hdd;
	d = json_pack("{s:s, s:f, s:f}", "date", date, "tmean", tmean, "hdd", hdd);
	/* whole or not at all: a day kept with tmin but not tmax is false */
	if (k->tmin >= 0 && k->tmax >= 0) {
		json_put(&d, "tmin", json_real(tmin));
		json_put(&d, "tmax", json_real(tmax));
	}
	memcpy(last, date, 11);
	return d && json_array_append_new(days, d) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

enum cmn_rc opendata_weather_parse(const char *csv, size_t n, json_t **canon, char *err,
				   size_t errn)
{
	const char *nl = memchr(csv, '\n', n);
	size_t head = nl ? (size_t)(nl - csv) : n;
	char sep = memchr(csv, ';', head) ? ';' : ',', last[11] = "";
	struct wcols k;
	struct od_csv c;
	json_t *days = json_array();
	double hdd_total = 0;
	enum cmn_rc rc = days ? CMN_OK : CMN_ERR_NOMEM;
	int r = 0;

	*canon = NULL;
	if (n > OPENDATA_FILE_MAX) {
		json_decref(days);
		return od_fault(err, errn, "1:1", "over %d bytes", OPENDATA_FILE_MAX);
	}
	/* the reader's messages start with the file's name: none here */
	od_csv_open(&c, "", csv, n, sep, err, errn);
	if (rc == CMN_OK)
		rc = columns(&c, &k);
	while (rc == CMN_OK && (r = od_csv_next(&c)) > 0)
		rc = day(&c, &k, last, days, &hdd_total);
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK && json_array_size(days) == 0)
		rc = od_fault(err, errn, "2:1", "no day");
	if (rc == CMN_OK &&
	    !(*canon = json_pack("{s:f, s:s, s:I, s:s, s:s, s:f, s:O}", "base_c", WEATHER_BASE_C,
				 "method", "mean", "count", (json_int_t)json_array_size(days),
				 "first",
				 json_string_value(json_object_get(json_array_get(days, 0), "date")),
				 "last", last, "hdd_total", od_round(hdd_total, 2), "days", days)))
		rc = CMN_ERR_NOMEM;
	od_csv_close(&c);
	json_decref(days);
	if (rc == CMN_ERR_INVALID && err[0] == ':')
		memmove(err, err + 1, strlen(err));
	return rc;
}
