/*
 * emission.c - emission factors from ADEME's Impact CO2 category files
 * (opendata.h): a JSON array of entries, each with its life-cycle parts
 * (ecv: 5 construction, 6 fuel or electricity, 7 contrails), distance
 * bands (ecvs, for planes) or a total. Each entry becomes a factor with
 * its unit (kgCO2e per km for transport, per m² and year for heating, with
 * the kWh intensity read from its notes); a transport file also gives the
 * modes of mobility.trip in the shape of the bundled
 * opendata/ademe.transport.json, so that apps may read either.
 */
#include "opendata/opendata_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"

/* The canonical content is stored as the dataset's next version, which
 * apps and campaigns read: a factor's value, a part, a band or a mode left
 * out (an allocation that failed) would be a wrong emission factor kept
 * for good. Every builder below fails whole instead: CMN_ERR_NOMEM, or
 * NULL (json_put and json_push; json_pack fails on a NULL "o"). */

#define CATEGORY_TRANSPORT 4
#define CATEGORY_HEATING 8
#define DECIMALS 9                       /* factors are rounded to 1e-9 kg */

struct echeck {
	char *err;
	size_t errn;
};

static const char *part_name(json_int_t id, char *buf, size_t n)
{
	switch (id) {
	case 5:
		return "construction";
	case 6:
		return "fuel";
	case 7:
		return "contrails";
	default:
		snprintf(buf, n, "ecv_%lld", (long long)id);
		return buf;
	}
}

/* parts - an ecv array: {"construction": v, ...} into *out, their sum in
 * *sum */
static enum cmn_rc parts(struct echeck *c, const char *ptr, const json_t *ecv, json_t **out,
			 double *sum)
{
	const json_t *e;
	size_t i;

	*out = NULL;
	*sum = 0;
	if (!json_is_array(ecv) || json_array_size(ecv) == 0 || json_array_size(ecv) > 16)
		return od_fault(c->err, c->errn, ptr, "an array of 1 to 16 {id, value}");
	if (!(*out = json_object()))
		return CMN_ERR_NOMEM;
	json_array_foreach(ecv, i, e) {
		const json_t *id = json_object_get(e, "id"), *value = json_object_get(e, "value");
		char p[128], buf[32];
		const char *name;

		od_ptr(p, sizeof(p), "%s/%zu/id", ptr, i);
		if (!json_is_integer(id) || json_integer_value(id) < 1 ||
		    json_integer_value(id) > 1000) {
			json_decref(*out);
			*out = NULL;
			return od_fault(c->err, c->errn, p, "an integer from 1 to 1000");
		}
		name = part_name(json_integer_value(id), buf, sizeof(buf));
		od_ptr(p, sizeof(p), "%s/%zu/value", ptr, i);
		if (!json_is_number(value) || json_number_value(value) < 0 ||
		    json_number_value(value) > 1e6 || json_object_get(*out, name)) {
			json_decref(*out);
			*out = NULL;
			return od_fault(c->err, c->errn, p, "a number from 0 to 1e6, once per id");
		}
		*sum += json_number_value(value);
		json_put(out, name, json_real(od_round(json_number_value(value), DECIMALS)));
		if (!*out)
			return CMN_ERR_NOMEM;
	}
	*sum = od_round(*sum, DECIMALS);
	return CMN_OK;
}

/* text_member - an optional string member of 1 to OPENDATA_TEXT_MAX bytes */
static enum cmn_rc text_member(struct echeck *c, const char *ptr, const json_t *obj,
			       const char *name, bool required)
{
	const json_t *v = json_object_get(obj, name);
	char p[128];

	od_ptr(p, sizeof(p), "%s/%s", ptr, name);
	if (!v)
		return required ? od_fault(c->err, c->errn, p, "required") : CMN_OK;
	if (!json_is_string(v) || json_string_length(v) > OPENDATA_TEXT_MAX ||
	    (required && json_string_length(v) == 0))
		return od_fault(c->err, c->errn, p, "a string of %s0 to %d bytes",
				required ? "1 (not " : "", OPENDATA_TEXT_MAX);
	return CMN_OK;
}

static enum cmn_rc band(struct echeck *c, const char *ptr, const json_t *b, json_t **out)
{
	const json_t *display = json_object_get(b, "display");
	const json_t *min = json_object_get(display, "min"), *max = json_object_get(display, "max");
	const json_t *eid = json_object_get(b, "empreinteId");
	char p[128];
	json_t *pt;
	double sum;
	enum cmn_rc rc;

	*out = NULL;
	if (!json_is_object(b))
		return od_fault(c->err, c->errn, ptr, "an object");
	od_ptr(p, sizeof(p), "%s/display", ptr);
	if ((display && !json_is_object(display)) || (min && !json_is_number(min)) ||
	    (max && !json_is_number(max)))
		return od_fault(c->err, c->errn, p, "an object of numbers min and max");
	od_ptr(p, sizeof(p), "%s/empreinteId", ptr);
	if (eid && !json_is_integer(eid))
		return od_fault(c->err, c->errn, p, "an integer");
	if ((rc = text_member(c, ptr, b, "subtitle", false)) != CMN_OK)
		return rc;
	od_ptr(p, sizeof(p), "%s/ecv", ptr);
	if ((rc = parts(c, p, json_object_get(b, "ecv"), &pt, &sum)) != CMN_OK)
		return rc;
	*out = json_pack("{s:f, s:o, s:O*, s:O*, s:O*, s:O*}", "value", sum, "parts", pt, "min",
			 min, "max", max, "empreinte_id", eid, "subtitle",
			 json_object_get(b, "subtitle"));
	return *out ? CMN_OK : CMN_ERR_NOMEM;
}

/* french_number - the first decimal number in s ("0,221 kg CO₂e /kWh"),
 * with ',' or '.' as the decimal mark; false when none */
static bool french_number(const char *s, double *out)
{
	char buf[32];
	size_t n = 0;

	while (*s && !(*s >= '0' && *s <= '9'))
		s++;
	while (*s && n + 1 < sizeof(buf) &&
	       ((*s >= '0' && *s <= '9') || ((*s == ',' || *s == '.') && s[1] >= '0' && s[1] <= '9'))) {
		buf[n++] = *s == ',' ? '.' : *s;
		s++;
	}
	buf[n] = '\0';
	return n > 0 && od_number(buf, out);
}

/* heating_notes - what Impact CO2 writes in words of a heating entry:
 * the carbon intensity per kWh, the need per m² and the efficiency;
 * *factor released and NULL when one cannot be added */
static void heating_notes(const json_t *entry, json_t **factor)
{
	static const struct {
		const char *title, *member;
	} notes[] = {
		{"Intensit", "kg_per_kwh"},
		{"Besoin", "kwh_per_m2"},
		{"Rendement", "efficiency"},
	};
	const json_t *values = json_object_get(json_object_get(entry, "data"), "values"), *v;
	size_t i;

	json_array_foreach(values, i, v) {
		const char *title = json_string_value(json_object_get(v, "title"));
		const char *text = json_string_value(json_object_get(v, "value"));
		double x;

		for (size_t k = 0; *factor && title && text && k < sizeof(notes) / sizeof(*notes);
		     k++)
			if (strncmp(title, notes[k].title, strlen(notes[k].title)) == 0 &&
			    !json_object_get(*factor, notes[k].member) && french_number(text, &x))
				json_put(factor, notes[k].member, json_real(od_round(x, DECIMALS)));
	}
}

static const char *category_name(json_int_t cat, char *buf, size_t n)
{
	if (cat == CATEGORY_TRANSPORT)
		return "transport";
	if (cat == CATEGORY_HEATING)
		return "heating";
	snprintf(buf, n, "category_%lld", (long long)cat);
	return buf;
}

static const char *category_unit(json_int_t cat)
{
	return cat == CATEGORY_TRANSPORT ? "kgCO2e/km"
	       : cat == CATEGORY_HEATING ? "kgCO2e/m2/year"
					 : "kgCO2e/unit";
}

static enum cmn_rc entry(struct echeck *c, const json_t *entries, size_t i, json_t **out)
{
	const json_t *e = json_array_get(entries, i);
	const json_t *id = json_object_get(e, "id"), *cat = json_object_get(e, "category");
	const json_t *ecv = json_object_get(e, "ecv"), *ecvs = json_object_get(e, "ecvs");
	const json_t *total = json_object_get(e, "total"), *eid = json_object_get(e, "empreinteId");
	char p[64], q[96], buf[32];
	json_t *f;
	enum cmn_rc rc;

	*out = NULL;
	od_ptr(p, sizeof(p), "/%zu", i);
	if (!json_is_object(e))
		return od_fault(c->err, c->errn, p, "an Impact CO2 entry (an object)");
	od_ptr(q, sizeof(q), "%s/id", p);
	if (!json_is_integer(id) || json_integer_value(id) < 0)
		return od_fault(c->err, c->errn, q, "an integer, 0 or more");
	for (size_t j = 0; j < i; j++)
		if (json_equal(id, json_object_get(json_array_get(entries, j), "id")))
			return od_fault(c->err, c->errn, q, "%lld is the id of /%zu too",
					(long long)json_integer_value(id), j);
	od_ptr(q, sizeof(q), "%s/category", p);
	if (!json_is_integer(cat) || json_integer_value(cat) < 0 || json_integer_value(cat) > 1000)
		return od_fault(c->err, c->errn, q, "an integer from 0 to 1000");
	od_ptr(q, sizeof(q), "%s/empreinteId", p);
	if (eid && !json_is_integer(eid))
		return od_fault(c->err, c->errn, q, "an integer");
	if ((rc = text_member(c, p, e, "name", true)) != CMN_OK ||
	    (rc = text_member(c, p, e, "slug", true)) != CMN_OK ||
	    (rc = text_member(c, p, e, "subtitle", false)) != CMN_OK ||
	    (rc = text_member(c, p, e, "type", false)) != CMN_OK ||
	    (rc = text_member(c, p, e, "source", false)) != CMN_OK)
		return rc;
	if (!!ecv + !!ecvs + !!total != 1)
		return od_fault(c->err, c->errn, p, "one of ecv, ecvs or total");
	f = json_pack("{s:O, s:O, s:O, s:O*, s:O*, s:s, s:s, s:O*, s:O*}", "id", id, "slug",
		      json_object_get(e, "slug"), "name", json_object_get(e, "name"), "subtitle",
		      json_object_get(e, "subtitle"), "type", json_object_get(e, "type"),
		      "category", category_name(json_integer_value(cat), buf, sizeof(buf)), "unit",
		      category_unit(json_integer_value(cat)), "empreinte_id", eid, "source",
		      json_object_get(e, "source"));
	if (!f)
		return CMN_ERR_NOMEM;
	if (total) {
		od_ptr(q, sizeof(q), "%s/total", p);
		if (!json_is_number(total) || json_number_value(total) < 0 ||
		    json_number_value(total) > 1e6)
			rc = od_fault(c->err, c->errn, q, "a number from 0 to 1e6");
		else
			json_put(&f, "value",
				 json_real(od_round(json_number_value(total), DECIMALS)));
	} else if (ecv) {
		json_t *pt;
		double sum;

		od_ptr(q, sizeof(q), "%s/ecv", p);
		if ((rc = parts(c, q, ecv, &pt, &sum)) == CMN_OK) {
			json_put(&f, "value", json_real(sum));
			json_put(&f, "parts", pt);
		}
	} else {
		json_t *bands = json_array();

		od_ptr(q, sizeof(q), "%s/ecvs", p);
		if (!bands)
			rc = CMN_ERR_NOMEM;
		else if (!json_is_array(ecvs) || json_array_size(ecvs) == 0 ||
			 json_array_size(ecvs) > 16)
			rc = od_fault(c->err, c->errn, q, "an array of 1 to 16 bands");
		for (size_t b = 0; rc == CMN_OK && b < json_array_size(ecvs); b++) {
			char r[128];
			json_t *one;

			od_ptr(r, sizeof(r), "%s/%zu", q, b);
			if ((rc = band(c, r, json_array_get(ecvs, b), &one)) == CMN_OK) {
				json_push(&bands, one);
				if (!bands)
					rc = CMN_ERR_NOMEM;
			}
		}
		if (rc == CMN_OK)
			json_put(&f, "bands", bands);
		else
			json_decref(bands);
	}
	if (rc == CMN_OK && json_integer_value(cat) == CATEGORY_HEATING)
		heating_notes(e, &f);
	if (rc == CMN_OK && !f)
		rc = CMN_ERR_NOMEM;
	if (rc != CMN_OK)
		json_decref(f);
	else
		*out = f;
	return rc;
}

/* ---- the modes of mobility.trip, as opendata/ademe.transport.json has them -------------- */

/* which Impact CO2 entry stands for each mode (ids of deplacement.json) */
static const struct {
	const char *mode;
	int ids[2];                      /* one entry, or distance bands: short, then long */
	int max_km;                      /* the short band's end (two ids) */
	int occupancy;                   /* persons sharing a car; 0: not a car */
} modes[] = {
	{"walk", {7, 0}, 0, 0},      {"bike", {7, 0}, 0, 0},       {"ebike", {8, 0}, 0, 0},
	{"scooter", {17, 0}, 0, 0},  {"bus", {9, 0}, 0, 0},        {"tram", {10, 0}, 0, 0},
	{"metro", {11, 0}, 0, 0},    {"train", {15, 2}, 150, 0},   {"car", {4, 0}, 0, 1},
	{"carpool", {4, 0}, 0, 2},   {"motorbike", {13, 0}, 0, 0}, {"plane", {1, 0}, 0, 0},
};

static const json_t *factor_of(const json_t *factors, int id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(factors, i, f)
		if (json_integer_value(json_object_get(f, "id")) == id &&
		    strcmp(json_string_value(json_object_get(f, "category")), "transport") == 0)
			return f;
	return NULL;
}

/* ademe_name - "Bus (moteur thermique)": the name, and the subtitle with a
 * lower-case first letter */
static json_t *ademe_ref(const json_t *f, const json_t *band)
{
	const char *name = json_string_value(json_object_get(f, "name"));
	const char *sub = json_string_value(json_object_get(band ? band : f, "subtitle"));
	const json_t *eid = json_object_get(band ? band : f, "empreinte_id");
	char text[2 * OPENDATA_TEXT_MAX + 8];

	if (sub && sub[0])
		snprintf(text, sizeof(text), "%s (%c%s)", name,
			 sub[0] >= 'A' && sub[0] <= 'Z' ? sub[0] + 32 : sub[0], sub + 1);
	else
		snprintf(text, sizeof(text), "%s", name);
	return json_pack("{s:O, s:O*, s:s}", "id", json_object_get(f, "id"), "empreinte_id", eid,
			 "name", text);
}

/* mode_value - kg_per_km and its parts of a factor or band, divided among
 * occupancy persons */
static json_t *mode_value(const json_t *f, const json_t *band, int occupancy)
{
	const json_t *src = band ? band : f, *pt = json_object_get(src, "parts"), *v;
	double div = occupancy > 1 ? occupancy : 1;
	const char *k;
	json_t *m = json_pack("{s:f}", "kg_per_km",
			      od_round(json_number_value(json_object_get(src, "value")) / div,
				       DECIMALS));

	if (!m)
		return NULL;
	json_object_foreach((json_t *)pt, k, v)
		json_put(&m, k, json_real(od_round(json_number_value(v) / div, DECIMALS)));
	if (occupancy)
		json_put(&m, "occupancy", json_integer(occupancy));
	json_put(&m, "ademe", ademe_ref(f, band));
	return m;
}

static json_t *mode_bands(const json_t *short_f, const json_t *long_f, int max_km)
{
	json_t *bands = json_array(), *m;
	const json_t *b;
	size_t i;

	if (!bands)
		return NULL;
	if (long_f) { /* two entries: the short one up to max_km */
		m = mode_value(short_f, NULL, 0);
		json_put(&m, "max_km", json_integer(max_km));
		json_push(&bands, m);
		json_push(&bands, mode_value(long_f, NULL, 0));
	} else { /* one entry with its own bands */
		json_array_foreach(json_object_get(short_f, "bands"), i, b) {
			const json_t *max = json_object_get(b, "max");

			m = bands ? mode_value(short_f, b, 0) : NULL;
			if (max && i + 1 < json_array_size(json_object_get(short_f, "bands")))
				json_put(&m, "max_km",
					 json_integer((json_int_t)json_number_value(max)));
			json_push(&bands, m);
		}
	}
	return json_pack("{s:o}", "bands", bands);
}

static json_t *transport_modes(const json_t *factors)
{
	json_t *out = json_object();

	for (size_t k = 0; out && k < sizeof(modes) / sizeof(*modes); k++) {
		const json_t *f = factor_of(factors, modes[k].ids[0]);
		const json_t *g = modes[k].ids[1] ? factor_of(factors, modes[k].ids[1]) : NULL;
		json_t *m;

		if (!f || (modes[k].ids[1] && !g))
			continue;
		if (g || json_object_get(f, "bands"))
			m = mode_bands(f, g, modes[k].max_km);
		else
			m = mode_value(f, NULL, modes[k].occupancy);
		json_put(&out, modes[k].mode, m);
	}
	if (out)
		json_put(&out, "other", json_pack("{s:n}", "ademe"));
	return out;
}

enum cmn_rc opendata_emission_parse(const char *json, size_t n, json_t **canon, char *err,
				    size_t errn)
{
	struct echeck c = {err, errn};
	json_t *root, *factors = NULL;
	bool transport = false;
	enum cmn_rc rc = od_json(json, n, &root, err, errn);

	*canon = NULL;
	if (rc != CMN_OK)
		return rc;
	if (!json_is_array(root) || json_array_size(root) == 0 ||
	    json_array_size(root) > OPENDATA_ITEMS_MAX)
		rc = od_fault(err, errn, "/", "an array of 1 to %d Impact CO2 entries",
			      OPENDATA_ITEMS_MAX);
	else if (!(factors = json_array()))
		rc = CMN_ERR_NOMEM;
	for (size_t i = 0; rc == CMN_OK && i < json_array_size(root); i++) {
		json_t *f;

		if ((rc = entry(&c, root, i, &f)) == CMN_OK) {
			transport |= strcmp(json_string_value(json_object_get(f, "category")),
					    "transport") == 0;
			json_push(&factors, f);
			if (!factors)
				rc = CMN_ERR_NOMEM;
		}
	}
	if (rc == CMN_OK) {
		*canon = json_pack("{s:O}", "factors", factors);
		if (*canon && transport) {
			json_put(canon, "modes", transport_modes(factors));
			json_put(canon, "unit", json_string("kg CO2e per passenger-km"));
		}
		if (!*canon)
			rc = CMN_ERR_NOMEM;
	}
	json_decref(factors);
	json_decref(root);
	return rc;
}
