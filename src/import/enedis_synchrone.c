/*
 * enedis_synchrone.c - the 2026 Enedis "mesure synchrone" JSON:
 *
 *   {"idPrm": "12345678901234",
 *    "periode": {"dateDebut": "2026-01-01", "dateFin": "2026-01-02"},
 *    "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "PA",
 *                  "unite": "W", "points": [{"v": "123",
 *                  "d": "2026-01-01T00:30:00+01:00", "p": "PT30M",
 *                  "n": "R"}]}]}
 *
 * No real file was available: the shape is the public one, and these are
 * the assumptions (docs/import/enedis-synchrone.md). Each grandeur is one
 * series. Consumption ("CONS") active power ("PA", W) goes to
 * energy.electricity.load_curve; its d is the END of the interval of
 * length p (as in every Enedis curve), so a point is stamped at d - p.
 * Consumption energy ("EA", Wh) over a day (p "P1D") goes to
 * energy.electricity.consumption at 00:00 UTC of d's date (the convention
 * of enedis_json.c, which feeds the same series); over PT30M or PT60M it
 * goes to a series of its own (key PRM/30min) stamped at d - p. Other
 * grandeurs (production, reactive, VA) have no doctype: skipped with a
 * warning. d carries its UTC offset, so DST needs no guessing. v is an
 * integer (string or number); "" or null is a gap. Source "enedis", key
 * the PRM, as Data Connect.
 */
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

#define SYNC_MAX_BYTES (64u * 1024 * 1024) /* the whole JSON document */
#define SYNC_MAX_WH    1000000000000LL     /* one value in Wh (10^12) */
#define SYNC_MAX_W     1000000LL           /* one mean power, as the CSV */
#define SYNC_PRM_LEN   14

/* One grandeur being read. */
struct sync_feed {
	struct import_series s;
	char meta[64];
	char key[SYNC_PRM_LEN + 16];
	bool daily;   /* P1D energy: stamped at 00:00 UTC of d's date */
	int64_t max;  /* largest value accepted */
	int64_t prev; /* the previous d (INT64_MIN: none) */
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t m = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, m);
	buf[m] = '\0';
	if (strstr(buf, "\"idPrm\"") && strstr(buf, "\"grandeur\"")) {
		snprintf(why, whylen, "JSON with idPrm and grandeur (Enedis mesure synchrone)");
		return 95;
	}
	if (strstr(buf, "\"grandeurPhysique\"")) {
		snprintf(why, whylen, "JSON with grandeurPhysique");
		return 60;
	}
	snprintf(why, whylen, "no idPrm and grandeur");
	return 0;
}

/* period_ms - "PT10M", "PT15M", "PT30M", "PT60M", "PT1H" or "P1D" in ms,
 * else 0. */
static int64_t period_ms(const char *s)
{
	static const struct {
		const char *text;
		int64_t ms;
	} known[] = {{"PT10M", 600000}, {"PT15M", 900000}, {"PT30M", 1800000},  {"PT60M", 3600000},
		     {"PT1H", 3600000}, {"P1D", 86400000}, {"PT24H", 86400000}, {NULL, 0}};

	for (size_t i = 0; s && known[i].text; i++)
		if (strcmp(s, known[i].text) == 0)
			return known[i].ms;
	return 0;
}

/* value_of - 1 for a gap (null, absent or ""), 0 for an integer in
 * [0, max] in *out, -1 otherwise. */
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

/*
 * feed_init - the series of grandeur g (pointer at); 1 when it has one,
 * 0 when it is skipped (warned), or CMN_ERR_INVALID's negative with the
 * job's error set.
 */
static int feed_init(struct import_job *j, struct sync_feed *f, const char *prm, const json_t *g,
		     const char *at, int64_t step)
{
	const char *metier = json_string_value(json_object_get(g, "grandeurMetier"));
	const char *phys = json_string_value(json_object_get(g, "grandeurPhysique"));
	const char *unit = json_string_value(json_object_get(g, "unite"));
	bool power = phys && strcmp(phys, "PA") == 0 && unit && strcmp(unit, "W") == 0;
	bool energy = phys && strcmp(phys, "EA") == 0 && unit && strcmp(unit, "Wh") == 0;

	memset(f, 0, sizeof(*f));
	if (!metier || !phys || !unit) {
		import_fail_at(j, at, "expected grandeurMetier, grandeurPhysique and unite");
		return -1;
	}
	if (strcmp(metier, "CONS") != 0 || (!power && !energy)) {
		import_warn(j, "%s: %.8s %.8s in %.8s has no doctype: not imported", at, metier,
			    phys, unit);
		return 0;
	}
	snprintf(f->meta, sizeof(f->meta), "{\"prm\":\"%s\"}", prm);
	f->s.source = "enedis";
	f->s.key = f->key;
	f->s.tz = "Europe/Paris";
	f->s.meta = f->meta;
	f->s.unit = unit;
	f->s.step = step;
	f->prev = INT64_MIN;
	f->daily = energy && step == 86400000;
	f->max = power ? SYNC_MAX_W : SYNC_MAX_WH;
	f->s.doctype = power ? "energy.electricity.load_curve" : "energy.electricity.consumption";
	if (energy && !f->daily)
		snprintf(f->key, sizeof(f->key), "%s/%lldmin", prm, (long long)(step / 60000));
	else
		snprintf(f->key, sizeof(f->key), "%s", prm);
	return 1;
}

/* put - one point {v, d, p} of grandeur f; at is its JSON pointer. */
static enum cmn_rc put(struct import_job *j, struct sync_feed *f, const json_t *pt, const char *at)
{
	const char *d = json_string_value(json_object_get(pt, "d"));
	const char *p = json_string_value(json_object_get(pt, "p"));
	char ptr[128];
	struct series_point sp;
	int64_t t;
	int r;

	if (!json_is_object(pt))
		return import_fail_at(j, at, "expected a point {v, d, p, n}");
	snprintf(ptr, sizeof(ptr), "%.100s/p", at);
	if (p && period_ms(p) != f->s.step)
		return import_fail_at(j, ptr, "the period changes within the grandeur");
	snprintf(ptr, sizeof(ptr), "%.100s/d", at);
	if (!d || time_parse(d, false, &t) != CMN_OK)
		return import_fail_at(j, ptr, "expected an RFC 3339 time with its offset");
	if (f->prev != INT64_MIN && t <= f->prev)
		return import_fail_at(j, ptr, "the times must increase");
	f->prev = t;
	if (f->daily) {
		char date[11];

		memcpy(date, d, 10);
		date[10] = '\0';
		if (time_parse(date, true, &sp.t) != CMN_OK)
			return import_fail_at(j, ptr, "expected a date");
	} else {
		sp.t = t - f->s.step;
	}
	snprintf(ptr, sizeof(ptr), "%.100s/v", at);
	r = value_of(json_object_get(pt, "v"), f->max, &sp.v);
	if (r < 0)
		return import_fail_at(j, ptr, "expected v: an integer from 0 to %lld %s",
				      (long long)f->max, f->s.unit);
	return r == 1 ? CMN_OK : import_points(j, &f->s, &sp, 1);
}

/* grandeur - one grandeur (index i) of PRM prm. */
static enum cmn_rc grandeur(struct import_job *j, const char *prm, const json_t *g, size_t i)
{
	const json_t *pts = json_object_get(g, "points");
	const json_t *first = json_array_get(pts, 0);
	char at[64], pat[96];
	struct sync_feed f;
	int64_t step;
	enum cmn_rc rc = CMN_OK;
	int r;

	snprintf(at, sizeof(at), "/grandeur/%zu", i);
	if (!json_is_object(g))
		return import_fail_at(j, at, "expected an object");
	snprintf(pat, sizeof(pat), "%s/points", at);
	if (!json_is_array(pts))
		return import_fail_at(j, pat, "expected an array");
	if (!first)
		return CMN_OK;
	step = period_ms(json_string_value(json_object_get(first, "p")));
	if (!step) {
		snprintf(pat, sizeof(pat), "%s/points/0/p", at);
		return import_fail_at(j, pat, "expected p: PT10M, PT15M, PT30M, PT60M or P1D");
	}
	r = feed_init(j, &f, prm, g, at, step);
	if (r <= 0)
		return r < 0 ? CMN_ERR_INVALID : CMN_OK;
	for (size_t k = 0; k < json_array_size(pts) && rc == CMN_OK; k++) {
		snprintf(pat, sizeof(pat), "%s/points/%zu", at, k);
		rc = put(j, &f, json_array_get(pts, k), pat);
	}
	return rc;
}

static enum cmn_rc read_doc(struct import_job *j, const json_t *root)
{
	const char *prm = json_string_value(json_object_get(root, "idPrm"));
	const json_t *gs = json_object_get(root, "grandeur");
	enum cmn_rc rc = CMN_OK;

	if (!json_is_object(root))
		return import_fail_at(j, "", "expected an object with idPrm and grandeur");
	if (!prm || strlen(prm) != SYNC_PRM_LEN || strspn(prm, "0123456789") != SYNC_PRM_LEN)
		return import_fail_at(j, "/idPrm", "expected a PRM of 14 digits");
	if (!json_is_array(gs))
		return import_fail_at(j, "/grandeur", "expected an array");
	for (size_t i = 0; i < json_array_size(gs) && rc == CMN_OK; i++)
		rc = grandeur(j, prm, json_array_get(gs, i), i);
	return rc;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	json_error_t err;
	json_t *root;
	char *text = NULL;
	size_t len = 0;
	enum cmn_rc rc = import_read_all(j, in, SYNC_MAX_BYTES, &text, &len);

	if (rc != CMN_OK)
		return rc;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	free(text);
	if (!root)
		return import_fail(j, (size_t)(err.line > 0 ? err.line : 0),
				   (size_t)(err.column > 0 ? err.column : 0), "JSON: %s", err.text);
	rc = read_doc(j, root);
	json_decref(root);
	return rc;
}

const struct import_format import_enedis_synchrone = {
    "enedis-synchrone",
    "Enedis mesure synchrone JSON (2026): load curve (W) and consumption (Wh)",
    detect,
    run,
};
