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
#include "import/jsonstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

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

/*
 * The file is streamed (jsonstream.h) in two passes, since JSON gives no
 * order to an object's members: the first reads idPrm and what each
 * grandeur is (metier, physique, unite), the second its points one at a
 * time. Memory does not grow with the number of points.
 */
#define SYNC_MAX_GRANDEURS 16

struct grandeur_head {
	json_t *metier, *phys, *unit;
	bool points;       /* a points member was seen */
	int state;         /* 0 not started, 1 fed, 2 skipped (no doctype) */
	struct sync_feed f;
};

struct sync {
	struct import_job *j;
	bool pass2, grandeur;
	json_t *prm;
	struct grandeur_head g[SYNC_MAX_GRANDEURS];
	size_t ng;
	bool too_many;
};

/* grandeur_index - N of a path "grandeur/N/..." (or -1) */
static long grandeur_index(const char *path, const char **rest)
{
	int64_t n;
	char num[12];
	const char *slash;
	size_t len;

	if (strncmp(path, "grandeur/", 9) != 0)
		return -1;
	slash = strchr(path + 9, '/');
	len = slash ? (size_t)(slash - path - 9) : strlen(path + 9);
	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, path + 9, len);
	num[len] = '\0';
	if (str_to_i64(num, 0, 1000000, &n) != CMN_OK)
		return -1;
	*rest = slash ? slash + 1 : "";
	return (long)n;
}

static enum jstream_want s_want(void *ctx, const char *path)
{
	struct sync *sy = ctx;
	const char *rest = NULL;
	long i;

	if (strcmp(path, "idPrm") == 0)
		return sy->pass2 ? JSTREAM_SKIP : JSTREAM_VALUE;
	if (strcmp(path, "grandeur") == 0) {
		sy->grandeur = true;
		return JSTREAM_DESCEND;
	}
	if ((i = grandeur_index(path, &rest)) < 0)
		return JSTREAM_SKIP;
	if ((size_t)i >= SYNC_MAX_GRANDEURS) {
		sy->too_many = true;
		return JSTREAM_SKIP;
	}
	if ((size_t)i >= sy->ng)
		sy->ng = (size_t)i + 1;
	if (strcmp(rest, "points") == 0) {
		sy->g[i].points = true;
		return sy->pass2 ? JSTREAM_ELEMENTS : JSTREAM_SKIP;
	}
	if (!sy->pass2 && (strcmp(rest, "grandeurMetier") == 0 ||
			   strcmp(rest, "grandeurPhysique") == 0 || strcmp(rest, "unite") == 0))
		return JSTREAM_VALUE;
	return JSTREAM_SKIP;
}

static enum cmn_rc s_piece(void *ctx, const struct jstream_piece *p)
{
	struct sync *sy = ctx;
	const char *rest = NULL;
	long i = grandeur_index(p->key, &rest);
	struct grandeur_head *g;
	char at[64], pat[96];

	if (i < 0) { /* idPrm */
		json_decref(sy->prm);
		sy->prm = json_incref(p->value);
		return CMN_OK;
	}
	g = &sy->g[i];
	if (!sy->pass2) {
		json_t **slot = strcmp(rest, "grandeurMetier") == 0   ? &g->metier
				: strcmp(rest, "grandeurPhysique") == 0 ? &g->phys
									: &g->unit;
		json_decref(*slot);
		*slot = json_incref(p->value);
		return CMN_OK;
	}
	snprintf(at, sizeof(at), "/grandeur/%ld", i);
	if (g->state == 0) {
		/* the first point says the period of the grandeur */
		int64_t step = period_ms(json_string_value(json_object_get(p->value, "p")));
		json_t *head;
		int r;

		if (!step) {
			snprintf(pat, sizeof(pat), "%s/points/0/p", at);
			return import_fail_at(sy->j, pat,
					      "expected p: PT10M, PT15M, PT30M, PT60M or P1D");
		}
		head = json_pack("{s:O?, s:O?, s:O?}", "grandeurMetier", g->metier,
				 "grandeurPhysique", g->phys, "unite", g->unit);
		if (!head)
			return CMN_ERR_NOMEM;
		r = feed_init(sy->j, &g->f, json_string_value(sy->prm), head, at, step);
		json_decref(head);
		if (r < 0)
			return CMN_ERR_INVALID;
		g->state = r == 1 ? 1 : 2;
	}
	if (g->state == 2)
		return CMN_OK;
	snprintf(pat, sizeof(pat), "%s/points/%zu", at, p->index);
	return put(sy->j, &g->f, p->value, pat);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	static const struct jstream_ops ops = {
	    .want = s_want, .piece = s_piece, .piece_max = 1 << 20, .depth_max = 32,
	    .shape = "an object with idPrm and grandeur"};
	struct sync *sy = calloc(1, sizeof(*sy));
	const char *prm;
	enum cmn_rc rc;

	if (!sy)
		return CMN_ERR_NOMEM;
	sy->j = j;
	rc = jstream_run(j, in->f, &ops, sy);
	prm = json_string_value(sy->prm);
	if (rc == CMN_OK && (!prm || strlen(prm) != SYNC_PRM_LEN ||
			     strspn(prm, "0123456789") != SYNC_PRM_LEN))
		rc = import_fail_at(j, "/idPrm", "expected a PRM of 14 digits");
	else if (rc == CMN_OK && !sy->grandeur)
		rc = import_fail_at(j, "/grandeur", "expected an array");
	else if (rc == CMN_OK && sy->too_many)
		rc = import_fail_at(j, "/grandeur", "more than %d grandeurs", SYNC_MAX_GRANDEURS);
	for (size_t i = 0; i < sy->ng && rc == CMN_OK; i++) {
		char pat[64];

		snprintf(pat, sizeof(pat), "/grandeur/%zu/points", i);
		if (!sy->g[i].points)
			rc = import_fail_at(j, pat, "expected an array");
	}
	if (rc == CMN_OK) {
		sy->pass2 = true;
		rewind(in->f);
		rc = jstream_run(j, in->f, &ops, sy);
	}
	for (size_t i = 0; i < SYNC_MAX_GRANDEURS; i++) {
		json_decref(sy->g[i].metier);
		json_decref(sy->g[i].phys);
		json_decref(sy->g[i].unit);
	}
	json_decref(sy->prm);
	free(sy);
	return rc;
}

const struct import_format import_enedis_synchrone = {
    "enedis-synchrone",
    "Enedis mesure synchrone JSON (2026): load curve (W) and consumption (Wh)",
    detect,
    run,
};
