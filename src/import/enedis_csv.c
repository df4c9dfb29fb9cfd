/*
 * enedis_csv.c - the CSV that the Enedis customer area ("Mes mesures")
 * exports for a load curve ("Courbe de charge"):
 *
 *   Identifiant PRM;Type de donnees;Date de debut;Date de fin;...;Unite;Pas en minutes
 *   1429xxxxxxxxxx;Courbe de charge;09/08/2023;25/07/2024;...;W;
 *   Horodate;Valeur
 *   2023-08-09T00:30:00+02:00;284
 *
 * Values are mean powers in W over the interval that ENDS at the timestamp
 * (with its UTC offset, so DST changes need no guessing); they are stored at
 * the interval's start. The step comes from "Pas en minutes" or, when empty,
 * from the first two timestamps (10, 30 or 60 minutes). UTF-8 with a BOM or
 * Latin-1; an empty value is a gap. docs/import/enedis-csv.md.
 */
#include "import/import.h"
#include "import/enedis_head.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"


static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];

	(void)filename;
	memcpy(buf, head, n < 4096 ? n : 4096);
	buf[n < 4096 ? n : 4096] = '\0';
	if (strstr(buf, "Identifiant PRM;") && strstr(buf, "Courbe de charge") &&
	    strstr(buf, "Horodate;Valeur")) {
		snprintf(why, whylen, "Enedis header block, \"Courbe de charge\", Horodate;Valeur");
		return 95;
	}
	if (strstr(buf, "Horodate;Valeur")) {
		snprintf(why, whylen, "a Horodate;Valeur table without the Enedis header");
		return 60;
	}
	snprintf(why, whylen, "no Horodate;Valeur table");
	return 0;
}

struct curve {
	char prm[32];
	char meta[48];                    /* {"prm":"..."}, the series' meta */
	int64_t step;                     /* ms, 0 until known */
	struct series_point pending[2];   /* points read before the step is known */
	size_t npending;
};

static enum cmn_rc emit(struct import_job *j, struct curve *c, const struct series_point *p,
			size_t n)
{
	struct import_series s = {
		.doctype = "energy.electricity.load_curve",
		.source = "enedis",
		.key = c->prm,
		.unit = "W",
		.step = c->step,
		.tz = "Europe/Paris",
		.meta = c->meta,
	};
	struct series_point shifted[2];
	enum cmn_rc rc = CMN_OK;

	/* stamped at the interval's end in the file, at its start here */
	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		shifted[0].t = p[i].t - c->step;
		shifted[0].v = p[i].v;
		rc = import_points(j, &s, shifted, 1);
	}
	return rc;
}

static enum cmn_rc read_header(struct import_job *j, struct import_input *in, struct curve *c)
{
	struct enedis_head h;
	enum cmn_rc rc = enedis_head_read(j, in, &h);
	int r;

	if (rc != CMN_OK)
		return rc;
	if (strcmp(h.type, "Courbe de charge") != 0)
		return import_fail(j, 2, 1, "only \"Courbe de charge\" files are read here, not \"%.60s\"",
				   h.type);
	if (strcmp(h.unit, "W") != 0)
		return import_fail(j, 2, 1, "the unit must be W, not \"%.20s\"", h.unit);
	if (strlen(h.prm) != 14)
		return import_fail(j, 2, 1, "a PRM has 14 characters");
	str_copy(c->prm, sizeof(c->prm), h.prm);
	snprintf(c->meta, sizeof(c->meta), "{\"prm\":\"%s\"}", c->prm);
	if (h.step[0]) {
		int64_t minutes;

		if (str_to_i64(h.step, 1, 1440, &minutes) != CMN_OK ||
		    (minutes != 10 && minutes != 30 && minutes != 60))
			return import_fail(j, 2, 1, "Pas en minutes must be 10, 30 or 60");
		c->step = minutes * 60000;
	}
	r = import_read_line(j, in);
	if (r <= 0 || strcmp(in->buf, "Horodate;Valeur") != 0)
		return r < 0 ? CMN_ERR_INVALID
			     : import_fail(j, in->line, 1, "expected the line Horodate;Valeur");
	return CMN_OK;
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct curve c = {0};
	enum cmn_rc rc = read_header(j, in, &c);
	int r;

	while (rc == CMN_OK && (r = import_read_line(j, in)) == 1) {
		char *semi = strchr(in->buf, ';');
		struct series_point p;

		if (in->len == 0)
			continue;
		if (!semi)
			return import_fail(j, in->line, in->len + 1, "expected TIME;VALUE");
		*semi = '\0';
		if (time_parse(in->buf, false, &p.t) != CMN_OK)
			return import_fail(j, in->line, 1, "expected a time with its offset, "
							   "e.g. 2023-08-09T00:30:00+02:00");
		if (semi[1] == '\0')
			continue; /* no value: a gap */
		if (str_to_i64(semi + 1, 0, 1000000, &p.v) != CMN_OK)
			return import_fail(j, in->line, (size_t)(semi - in->buf) + 2,
					   "expected a power in W (an integer from 0 to 1,000,000)");
		if (!c.step) {
			c.pending[c.npending++] = p;
			if (c.npending == 2) {
				int64_t d = c.pending[1].t - c.pending[0].t;

				if (d != 600000 && d != 1800000 && d != 3600000)
					return import_fail(j, in->line, 1, "cannot tell the step: the "
									   "first two times are %lld min "
									   "apart", (long long)(d / 60000));
				c.step = d;
				rc = emit(j, &c, c.pending, 2);
			}
			continue;
		}
		rc = emit(j, &c, &p, 1);
	}
	if (rc == CMN_OK && r < 0)
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK && !c.step && c.npending)
		return import_fail(j, in->line, 1, "one point and no step: add Pas en minutes");
	return rc;
}

const struct import_format import_enedis_csv = {
	"enedis-csv",
	"Enedis customer-area CSV: load curve (Courbe de charge, W)",
	detect,
	run,
};
