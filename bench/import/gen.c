/*
 * gen.c - writes large, valid, deterministic files of every format commune
 * imports, for bench/import/run.sh:
 *
 *   gen FORMAT COUNT > file      (gen list: the formats and what COUNT counts)
 *
 * Each generator follows the shape of the holder's real files (the
 * fixtures of ../shared/fixtures, the pages of docs/import/): the same members in
 * the same order, the same indentation and line ends, realistic value
 * distributions (a daily and seasonal load curve, card payments and
 * salaries, one-second GPS tracks, trips and visits). Values come from a
 * fixed-seed generator, or from a hash of the item's index where a format
 * must give the same value twice (a day's energy next to its half-hours),
 * so a given FORMAT and COUNT always give the same bytes. Output goes
 * through one buffer with integer formatting: generating is several times
 * faster than importing.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ------------------------------------------------------------- */

#define OUT_CAP (1 << 20)

static char obuf[OUT_CAP];
static size_t olen;

static void out_flush(void)
{
	if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
		perror("gen: write");
		exit(1);
	}
	olen = 0;
}

static void outn(const char *s, size_t n)
{
	if (olen + n > OUT_CAP)
		out_flush();
	if (n > OUT_CAP) {
		fwrite(s, 1, n, stdout);
		return;
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void out(const char *s)
{
	outn(s, strlen(s));
}

static void outc(char c)
{
	if (olen == OUT_CAP)
		out_flush();
	obuf[olen++] = c;
}

/* outf - printf into the buffer (for the rarer lines) */
static void outf(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (olen + 4096 > OUT_CAP)
		out_flush();
	va_start(ap, fmt);
	n = vsnprintf(obuf + olen, OUT_CAP - olen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= OUT_CAP - olen) {
		fputs("gen: a line too long\n", stderr);
		exit(1);
	}
	olen += (size_t)n;
}

/* out_u - an unsigned integer, at least width digits (zero-padded) */
static void out_u(uint64_t v, int width)
{
	char b[24];
	int n = 0;

	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < width);
	while (n)
		outc(b[--n]);
}

static void out_i(int64_t v)
{
	if (v < 0) {
		outc('-');
		out_u((uint64_t)0 - (uint64_t)v, 1);
	} else {
		out_u((uint64_t)v, 1);
	}
}

/* out_fix - v / 10^dec written with exactly dec decimals ("-12.50") */
static void out_fix(int64_t v, int dec, char mark)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;

	for (int i = 0; i < dec; i++)
		p *= 10;
	if (v < 0)
		outc('-');
	out_u(a / p, 1);
	if (dec) {
		outc(mark);
		out_u(a % p, dec);
	}
}

/* ---- random values -------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	rng += 0x9e3779b97f4a7c15u;
	return mix(rng);
}

/* below - uniform in [0, n) */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* unit - uniform in [0, 1) */
static double unit(void)
{
	return (double)(rnd() >> 11) * 0x1.0p-53;
}

/* hunit - uniform in [0, 1) from a hash of (a, b): the same value each time */
static double hunit(uint64_t a, uint64_t b)
{
	return (double)(mix(a * 0x9e3779b97f4a7c15u + b + 1) >> 11) * 0x1.0p-53;
}

static int64_t round_i(double x)
{
	return (int64_t)llround(x);
}

#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

/* ---- calendar ----------------------------------------------------------- */

/* days_from_civil, civil_from_days - proleptic Gregorian (H. Hinnant's
 * algorithms), days since 1970-01-01 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct civil {
	int y, mo, d, h, mi, s;
};

static void civil_from_days(int64_t z, struct civil *c)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->y = (int)((int64_t)yoe + era * 400 + (c->mo <= 2));
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void civil_of(int64_t t, struct civil *c)
{
	int64_t day = floordiv(t, 86400), sec = t - day * 86400;

	civil_from_days(day, c);
	c->h = (int)(sec / 3600);
	c->mi = (int)(sec / 60 % 60);
	c->s = (int)(sec % 60);
}

/* weekday - 0 Sunday .. 6 Saturday */
static int weekday(int64_t day)
{
	return (int)((day % 7 + 11) % 7);
}

/* paris_offset - the offset of Europe/Paris at the instant t (s): +1 h, or
 * +2 h from the last Sunday of March to the last Sunday of October, both at
 * 01:00 UTC (the EU rule). */
static int paris_offset(int64_t t)
{
	static int cached_year = -100000;
	static int64_t start, end;
	struct civil c;

	civil_of(t, &c);
	if (c.y != cached_year) {
		int64_t m = days_from_civil(c.y, 3, 31), o = days_from_civil(c.y, 10, 31);

		start = (m - weekday(m)) * 86400 + 3600;
		end = (o - weekday(o)) * 86400 + 3600;
		cached_year = c.y;
	}
	return t >= start && t < end ? 7200 : 3600;
}

/* paris_midnight - the instant of 00:00 in Paris on the given day */
static int64_t paris_midnight(int64_t day)
{
	return day * 86400 - paris_offset(day * 86400 - 7200);
}

/* Time styles of out_time. */
enum {
	T_DATE = 1 << 0,  /* YYYY-MM-DD only */
	T_SPACE = 1 << 1, /* ' ' between date and time, not 'T' */
	T_MS = 1 << 2,    /* .mmm */
	T_US = 1 << 3,    /* .uuuuuu */
	T_Z = 1 << 4,     /* 'Z' */
	T_OFF = 1 << 5,   /* +HH:MM */
	T_BASIC = 1 << 6, /* YYYYMMDD[HHMMSS] (OFX, iCalendar with T_ICAL) */
	T_ICAL = 1 << 7,  /* YYYYMMDDTHHMMSS */
	T_DMY = 1 << 8,   /* DD/MM/YYYY */
	T_NOSEC = 1 << 9, /* HH:MM */
};

/* out_time - the instant t_ms (ms since 1970) shown at offset off_s */
static void out_time(int64_t t_ms, int off_s, int style)
{
	int64_t secs = floordiv(t_ms, 1000);
	int ms = (int)(t_ms - secs * 1000);
	struct civil c;

	civil_of(secs + off_s, &c);
	if (style & T_DMY) {
		out_u((uint64_t)c.d, 2), outc('/'), out_u((uint64_t)c.mo, 2), outc('/');
		out_u((uint64_t)c.y, 4);
		if (style & T_DATE)
			return;
		outc(' ');
		out_u((uint64_t)c.h, 2), outc(':'), out_u((uint64_t)c.mi, 2);
		return;
	}
	if (style & (T_BASIC | T_ICAL)) {
		out_u((uint64_t)c.y, 4), out_u((uint64_t)c.mo, 2), out_u((uint64_t)c.d, 2);
		if (style & T_DATE)
			return;
		if (style & T_ICAL)
			outc('T');
		out_u((uint64_t)c.h, 2), out_u((uint64_t)c.mi, 2), out_u((uint64_t)c.s, 2);
	} else {
		out_u((uint64_t)c.y, 4), outc('-'), out_u((uint64_t)c.mo, 2), outc('-');
		out_u((uint64_t)c.d, 2);
		if (style & T_DATE)
			return;
		outc(style & T_SPACE ? ' ' : 'T');
		out_u((uint64_t)c.h, 2), outc(':'), out_u((uint64_t)c.mi, 2);
		if (!(style & T_NOSEC))
			outc(':'), out_u((uint64_t)c.s, 2);
	}
	if (style & T_MS)
		outc('.'), out_u((uint64_t)ms, 3);
	if (style & T_US)
		outc('.'), out_u((uint64_t)ms * 1000, 6);
	if (style & T_Z)
		outc('Z');
	if (style & T_OFF) {
		int a = off_s < 0 ? -off_s : off_s;

		outc(off_s < 0 ? '-' : '+'), out_u((uint64_t)(a / 3600), 2), outc(':');
		out_u((uint64_t)(a / 60 % 60), 2);
	}
}

#define DAY_2000  10957   /* 2000-01-01 in days since 1970 */
#define DAY_10000 2932897 /* 10000-01-01: dates have four digits */

/* check_days - refuses a COUNT whose last day would not have a 4-digit year */
static void check_days(int64_t first_day, uint64_t days)
{
	if ((int64_t)days > DAY_10000 - first_day) {
		fprintf(stderr, "gen: %llu days from 2000 go past the year 9999\n",
			(unsigned long long)days);
		exit(2);
	}
}

/* ---- energy values -------------------------------------------------------- */

/* load_w - a household's mean power (W) over the half-hour starting at the
 * instant t (s): a base load, electric heating in winter, morning and
 * evening peaks, and noise (a hash of t: the same value every time). */
static int64_t load_w(int64_t t)
{
	int64_t local = t + paris_offset(t);
	double hour = (double)((local % 86400 + 86400) % 86400) / 3600.0;
	double doy = (double)((floordiv(local, 86400) % 365 + 365) % 365);
	double winter = 0.5 + 0.5 * cos(2 * M_PI * (doy - 15) / 365.0);
	double w = 250 + 1800 * winter * (hour < 6 ? 0.6 : 1.0);

	if (hour >= 6.5 && hour < 9)
		w += 900;
	if (hour >= 18 && hour < 22.5)
		w += 1400;
	w *= 0.7 + 0.6 * hunit((uint64_t)t, 1);
	return round_i(w);
}

/* gas_kwh - a day's gas energy (kWh): heating follows the season. */
static int64_t gas_kwh(int64_t day, uint64_t who)
{
	struct civil c;
	double doy, winter;

	civil_from_days(day, &c);
	doy = (double)(day - days_from_civil(c.y, 1, 1));
	winter = 0.5 + 0.5 * cos(2 * M_PI * (doy - 15) / 365.0);
	return round_i(8 + 150 * winter * winter * (0.6 + 0.8 * hunit((uint64_t)day, who)));
}

static const char *const PRM = "14295503871234";

/* ---- enedis-csv: half-hours ------------------------------------------------ */

static void gen_enedis_csv(uint64_t n)
{
	int64_t t0 = paris_midnight(DAY_2000 + 3653); /* 2010-01-01 */
	int64_t tend = t0 + (int64_t)n * 1800;

	out("\xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;"
	    "Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n");
	out(PRM), out(";Courbe de charge;");
	out_time(t0 * 1000, paris_offset(t0), T_DMY | T_DATE), outc(';');
	out_time(tend * 1000, paris_offset(tend), T_DMY | T_DATE);
	out(";Energie active;Consommation;Comptage Brut;W;30\nHorodate;Valeur\n");
	for (uint64_t i = 1; i <= n; i++) {
		int64_t end = t0 + (int64_t)i * 1800;

		out_time(end * 1000, paris_offset(end), T_OFF);
		outc(';');
		if (hunit((uint64_t)end, 2) >= 0.0005) /* a missing value now and then */
			out_i(load_w(end - 1800));
		outc('\n');
	}
}

/* ---- enedis-index: days ---------------------------------------------------- */

static void gen_enedis_index(uint64_t n)
{
	int64_t day0 = DAY_2000, hp = 12345678, hc = 8765432, dhp = 12340000, dhc = 8760000;

	check_days(day0, n);
	out("\xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;"
	    "Grandeur physique;Grandeur metier;Etape metier;Unite\n");
	out(PRM), out(";Index;");
	out_time(day0 * 86400000, 0, T_DMY | T_DATE), outc(';');
	out_time((day0 + (int64_t)n) * 86400000, 0, T_DMY | T_DATE);
	out(";Energie active;Consommation;Comptage Brut;Wh\n"
	    "Horodate;Type de releve;EAS F1;EAS F2;EAS D1;EAS D2;EAS T\n");
	for (uint64_t i = 0; i < n; i++) {
		int64_t day = day0 + (int64_t)i, mid = paris_midnight(day);
		int64_t kwh = gas_kwh(day, 7) / 4 + 5; /* electric heating, in kWh a day */
		int64_t day_wh = kwh * 1000 + (int64_t)below(999);
		int64_t hc_wh = day_wh * (35 + (int64_t)below(10)) / 100;

		out_time(mid * 1000, paris_offset(mid), T_OFF);
		out(";Arr\xc3\xaat\xc3\xa9 quotidien;");
		if (below(5000) == 0) { /* a day without reading */
			out(";;;;\n");
		} else {
			out_i(hp), outc(';'), out_i(hc), outc(';'), out_i(dhp), outc(';');
			out_i(dhc), outc(';'), out_i(hp + hc), outc('\n');
		}
		hp += day_wh - hc_wh;
		hc += hc_wh;
		dhp += day_wh - hc_wh;
		dhc += hc_wh;
	}
}

/* ---- enedis-dataconnect: half-hours of a load curve ------------------------ */

static void gen_enedis_dataconnect(uint64_t n)
{
	int64_t t0 = paris_midnight(DAY_2000 + 8036); /* 2022-01-01 */
	int64_t tend = t0 + (int64_t)n * 1800;

	out("{\"meter_reading\": {\"usage_point_id\": \""), out(PRM), out("\", \"start\": \"");
	out_time(t0 * 1000, paris_offset(t0), T_DATE), out("\", \"end\": \"");
	out_time((tend + 86400) * 1000, paris_offset(tend), T_DATE);
	out("\", \"quality\": \"BRUT\",\n  \"reading_type\": {\"unit\": \"W\", "
	    "\"measurement_kind\": "
	    "\"power\", \"aggregate\": \"average\", \"measuring_period\": \"PT30M\"},\n"
	    "  \"interval_reading\": [\n");
	for (uint64_t i = 1; i <= n; i++) {
		int64_t end = t0 + (int64_t)i * 1800;

		out("    {\"value\": \""), out_i(load_w(end - 1800)), out("\", \"date\": \"");
		out_time(end * 1000, paris_offset(end), T_SPACE);
		out(i < n ? "\", \"interval_length\": \"PT30M\", \"measure_type\": \"B\"},\n"
			  : "\", \"interval_length\": \"PT30M\", \"measure_type\": \"B\"}\n");
	}
	out("  ]}}\n");
}

/* ---- enedis-synchrone: half-hours, and each whole day's energy ------------- */

static void gen_enedis_synchrone(uint64_t n)
{
	int64_t day0 = DAY_2000 + 9497; /* 2026-01-01 */
	int64_t t0 = paris_midnight(day0), tend = t0 + (int64_t)n * 1800;
	int64_t days = 0;

	while (paris_midnight(day0 + days + 1) <= tend)
		days++;
	out("{\n  \"idPrm\": \""), out(PRM), out("\",\n  \"periode\": {\"dateDebut\": \"");
	out_time(t0 * 1000, paris_offset(t0), T_DATE), out("\", \"dateFin\": \"");
	out_time(tend * 1000, paris_offset(tend), T_DATE), out("\"},\n  \"grandeur\": [\n");
	out("    {\"grandeurMetier\": \"CONS\", \"grandeurPhysique\": \"PA\", \"unite\": \"W\", "
	    "\"points\": [\n");
	for (uint64_t i = 1; i <= n; i++) {
		int64_t end = t0 + (int64_t)i * 1800;

		out("      {\"v\": \""), out_i(load_w(end - 1800)), out("\", \"d\": \"");
		out_time(end * 1000, paris_offset(end), T_OFF);
		out(i < n ? "\", \"p\": \"PT30M\", \"n\": \"R\"},\n"
			  : "\", \"p\": \"PT30M\", \"n\": \"R\"}\n");
	}
	out("    ]},\n    {\"grandeurMetier\": \"CONS\", \"grandeurPhysique\": \"EA\", \"unite\": "
	    "\"Wh\", \"points\": [\n");
	for (int64_t d = 0; d < days; d++) {
		int64_t a = paris_midnight(day0 + d), b = paris_midnight(day0 + d + 1), wh2 = 0;

		for (int64_t t = a; t < b; t += 1800)
			wh2 += load_w(t); /* W over half an hour: Wh x 2 */
		out("      {\"v\": \""), out_i(wh2 / 2), out("\", \"d\": \"");
		out_time(a * 1000, paris_offset(a), T_OFF);
		out(d + 1 < days ? "\", \"p\": \"P1D\", \"n\": \"R\"},\n"
				 : "\", \"p\": \"P1D\", \"n\": \"R\"}\n");
	}
	out("    ]}\n  ]\n}\n");
}

/* ---- grdf-json: daily readings of up to 8 PCEs ----------------------------- */

static const char *const PCES[8] = {"22423299474865", "21546677889012", "23001122334455",
				    "24998877665544", "20123456789012", "25550001112223",
				    "26664443332221", "27778889990001"};

/* pces_for - how many PCEs share COUNT readings (a file feeds 16 series at
 * most: two per PCE), so that each keeps a plausible span of days */
static unsigned pces_for(uint64_t n)
{
	uint64_t p = 1 + n / 4000;

	return p > 8 ? 8 : (unsigned)p;
}

static void grdf_reading(int64_t day, uint64_t who, int64_t *index, bool last)
{
	double coeff = 10.95 + 0.4 * hunit((uint64_t)(day / 30), who + 100);
	int64_t kwh = gas_kwh(day, who), m3 = round_i((double)kwh / coeff);
	double r = hunit((uint64_t)day, who + 200);
	const char *q = r < 0.001 ? NULL : r < 0.02 ? "Estim\\u00e9" : "Mesur\\u00e9";

	out("            {\n");
	if (q) {
		outf("                \"coeffConversion\": %.2f,\n", coeff);
	} else {
		out("                \"coeffConversion\": null,\n");
	}
	out("                \"dateDebutReleve\": \""), out_time(day * 86400000, 0, T_DATE);
	out("T06:00:00+00:00\",\n                \"dateFinReleve\": \"");
	out_time((day + 1) * 86400000, 0, T_DATE), out("T06:00:00+00:00\",\n");
	if (q) {
		out("                \"energieConsomme\": "), out_i(kwh), out(",\n");
	} else {
		out("                \"energieConsomme\": null,\n");
	}
	out("                \"frequenceReleve\": null,\n");
	if (q) {
		out("                \"indexDebut\": "), out_i(*index), out(",\n");
		out("                \"indexFin\": "), out_i(*index + m3), out(",\n");
	} else {
		out("                \"indexDebut\": null,\n                \"indexFin\": null,\n");
	}
	out("                \"journeeGaziere\": \""), out_time(day * 86400000, 0, T_DATE);
	out(q ? "\",\n                \"natureReleve\": \"Informative Journalier\",\n"
	      : "\",\n                \"natureReleve\": null,\n");
	out("                \"pcs\": null,\n                \"pta\": null,\n");
	out("                \"qualificationReleve\": \""), out(q ? q : "Absence de Donn\\u00e9es");
	out("\",\n                \"status\": null,\n                \"temperature\": null,\n");
	if (q) {
		out("                \"volumeBrutConsomme\": "), out_i(m3), out(",\n");
	} else {
		out("                \"volumeBrutConsomme\": null,\n");
	}
	out("                \"volumeConverti\": null\n");
	out(last ? "            }\n" : "            },\n");
	if (q)
		*index += m3;
}

static void gen_grdf_json(uint64_t n)
{
	unsigned np = pces_for(n);

	check_days(DAY_2000, n / np + 1);
	out("{\n");
	for (unsigned p = 0; p < np; p++) {
		uint64_t k = n / np + (p < n % np);
		int64_t index = 10000 + 1000 * (int64_t)p;

		outf("    \"%s\": {\n        \"frequence\": null,\n        \"idPce\": \"%s\",\n"
		     "        \"releves\": [\n",
		     PCES[p], PCES[p]);
		for (uint64_t i = 0; i < k; i++)
			grdf_reading(DAY_2000 + (int64_t)i, p, &index, i + 1 == k);
		out(p + 1 < np ? "        ]\n    },\n" : "        ]\n    }\n");
	}
	out("}\n");
}

/* ---- grdf-adict: nd-json, one line a day ----------------------------------- */

static void gen_grdf_adict(uint64_t n)
{
	unsigned np = pces_for(n);

	check_days(DAY_2000, n / np + 1);
	for (unsigned p = 0; p < np; p++) {
		uint64_t k = n / np + (p < n % np);
		int64_t index = 10000;

		for (uint64_t i = 0; i < k; i++) {
			int64_t day = DAY_2000 + (int64_t)i, kwh = gas_kwh(day, p);
			int64_t litres = round_i((double)kwh / 11.2 * 1000);
			double r = hunit((uint64_t)day, p + 300);

			out("{\"pce\": {\"id_pce\": \""), out(PCES[p]);
			out("\"}, \"consommation\": {\"date_debut_consommation\": \"");
			out_time(day * 86400000, 0, T_DATE);
			out("\", \"date_fin_consommation\": \""),
			    out_time((day + 1) * 86400000, 0, T_DATE);
			out("\", \"index_debut\": "), out_i(index), out(", \"index_fin\": ");
			out_i(index + litres / 1000), out(", \"energie\": ");
			if (r < 0.001) {
				out("null, \"volume_brut\": null");
			} else {
				out_i(kwh), out(", \"volume_brut\": "),
				    out_fix(litres / 10, 2, '.');
			}
			out(", \"coeff_calcul\": {\"coeff_conversion\": 11.2, \"pta\": null}"
			    ", \"flag_retour_zero\": false, \"type_qualif_conso\": \"");
			out(r < 0.02 ? "estimee" : "mesuree");
			out("\"}, \"statut_restitution\": null, \"qualification\": \"");
			out(r < 0.02 ? "provisoire" : "definitive");
			out("\"}\n");
			index += litres / 1000;
		}
	}
}

/* ---- water-csv: days of a cumulative index ---------------------------------- */

static void gen_water_csv(uint64_t n)
{
	int64_t litres = 100000;

	check_days(DAY_2000, n);
	out("# export of the water utility (Eau du Grand Lyon)\n# meter: "
	    "A12345-67\ndate;index_m3\n");
	for (uint64_t i = 0; i < n; i++) {
		int64_t day = DAY_2000 + (int64_t)i;

		out_time(day * 86400000, 0, T_DATE), outc(';');
		out_fix(litres, 3, ','), outc('\n');
		litres += 90 + (int64_t)below(260) + (below(50) == 0 ? 600 : 0);
	}
}

/* ---- card, transfer and direct-debit lines, shared by the bank formats ------ */

struct txn {
	int64_t day;          /* days since 1970 */
	int64_t cents;        /* signed */
	const char *kind;     /* CARTE, PRLV, VIR, RETRAIT, CHQ */
	const char *merchant; /* UTF-8 */
	const char *city;
	const char *category; /* Boursorama's categoryParent, UTF-8 */
	const char *subcat;
	int seq; /* the transaction's number */
};

struct merchant {
	const char *name, *category, *subcat;
	int lo, hi; /* cents, debit */
};

static const struct merchant MERCHANTS[] = {
    {"CARREFOUR MARKET", "Alimentation", "Supermarch\xc3\xa9", 500, 12000},
    {"MONOPRIX", "Alimentation", "Supermarch\xc3\xa9", 300, 6000},
    {"BOULANGERIE PAUL", "Alimentation", "Boulangerie", 110, 1500},
    {"BIOCOOP CROIX-ROUSSE", "Alimentation", "Supermarch\xc3\xa9", 800, 9000},
    {"SNCF CONNECT", "Transports", "Train", 1500, 14000},
    {"TCL LYON", "Transports", "Transports en commun", 190, 7400},
    {"TOTAL ENERGIES STATION", "Auto et Moto", "Carburant", 2500, 9000},
    {"PHARMACIE DU RHONE", "Sant\xc3\xa9", "Pharmacie", 400, 4500},
    {"CINEMA PATHE BELLECOUR", "Loisirs et sorties", "Cin\xc3\xa9ma", 700, 3200},
    {"CAFE DU PORT", "Loisirs et sorties", "Restaurants, bars", 180, 4500},
    {"FNAC BELLECOUR", "Loisirs et sorties", "Culture", 900, 25000},
    {"H&M PART-DIEU", "Shopping", "V\xc3\xaatements", 999, 8999},
    {"AMAZON EU SARL", "Shopping", "Achats en ligne", 599, 15000},
    {"LEROY MERLIN", "Logement", "Bricolage", 500, 30000},
};

static const struct merchant DEBITS[] = {
    {"EDF CLIENTS PARTICULIERS", "Logement", "\xc3\x89nergie", 4500, 16000},
    {"EAU DU GRAND LYON", "Logement", "Eau", 2500, 6000},
    {"FREE MOBILE", "Abonnements", "T\xc3\xa9l\xc3\xa9phonie", 1099, 1999},
    {"MAIF ASSURANCES", "Assurance", "Assurance habitation", 2800, 4200},
    {"DGFIP IMPOT PAS", "Imp\xc3\xb4ts et taxes", "Imp\xc3\xb4t sur le revenu", 9000, 42000},
};

static const char *const CITIES[] = {"LYON",  "LYON 3E",  "VILLEURBANNE",    "LYON 7E",
				     "PARIS", "GRENOBLE", "CALUIRE ET CUIRE"};

/* txn_next - the next transaction of an account: card payments most days,
 * the monthly salary, rent, direct debits, cash withdrawals */
static void txn_next(struct txn *t, int64_t day, int seq)
{
	uint32_t r = below(1000);
	const struct merchant *m;

	t->day = day;
	t->seq = seq;
	t->city = PICK(CITIES);
	if (r < 20) {
		t->kind = "VIR SEPA";
		t->merchant = "EMPLOYEUR SA - SALAIRE";
		t->category = "Revenus et rentr\xc3\xa9"
			      "es d'argent";
		t->subcat = "Salaires";
		t->cents = 210000 + below(60000);
	} else if (r < 40) {
		t->kind = "PRLV SEPA";
		t->merchant = "SCI LES CANUTS LOYER";
		t->category = "Logement";
		t->subcat = "Loyer";
		t->cents = -(72000 + (int64_t)below(20000));
	} else if (r < 60) {
		t->kind = "RETRAIT DAB";
		t->merchant = "CREDIT LYONNAIS";
		t->category = "Retraits cash";
		t->subcat = "Retraits";
		t->cents = -(2000 * (1 + (int64_t)below(5)));
	} else if (r < 70) {
		t->kind = "VIR";
		t->merchant = "VERS LIVRET A";
		t->category = "Mouvements internes";
		t->subcat = "Virement interne";
		t->cents = -(5000 * (1 + (int64_t)below(10)));
	} else if (r < 160) {
		m = &PICK(DEBITS);
		t->kind = "PRLV SEPA";
		t->merchant = m->name;
		t->category = m->category;
		t->subcat = m->subcat;
		t->cents = -(m->lo + (int64_t)below((uint32_t)(m->hi - m->lo)));
	} else {
		m = &PICK(MERCHANTS);
		t->kind = "CARTE";
		t->merchant = m->name;
		t->category = m->category;
		t->subcat = m->subcat;
		t->cents = -(m->lo + (int64_t)below((uint32_t)(m->hi - m->lo)));
	}
}

/* txn_day - the day of the i-th of n transactions: about 3 a day, and never
 * more than 20 years of them (a busier account when n is large) */
static int64_t txn_day(uint64_t i, uint64_t n)
{
	uint64_t per_day = n / 7300 + 3;

	return DAY_2000 + (int64_t)(i / per_day);
}

/* out_text - UTF-8 text of the tables above, as Latin-1 or with XML's &amp; */
static void out_text(const char *s, bool latin1, bool xml)
{
	for (const char *p = s; *p; p++) {
		if (xml && *p == '&') {
			out("&amp;");
		} else if (latin1 && (unsigned char)*p >= 0xc2 && p[1]) {
			outc((char)((((unsigned char)p[0] & 0x1f) << 6) |
				    ((unsigned char)p[1] & 0x3f)));
			p++;
		} else {
			outc(*p);
		}
	}
}

/* out_label - the bank's label of a transaction ("CARTE 14/03/24 MONOPRIX") */
static void out_label(const struct txn *t, bool latin1, bool xml)
{
	struct civil c;

	civil_from_days(t->day - (t->kind[0] == 'C' ? 1 + t->seq % 2 : 0), &c);
	out(t->kind), outc(' ');
	if (t->kind[0] == 'C' || t->kind[0] == 'R') {
		out_u((uint64_t)c.d, 2), outc('/'), out_u((uint64_t)c.mo, 2), outc('/');
		out_u((uint64_t)c.y % 100, 2), outc(' ');
	}
	out_text(t->merchant, latin1, xml);
}

/* ---- bank-csv: Boursorama, Latin-1 ------------------------------------------- */

static void gen_bank_csv(uint64_t n)
{
	struct txn t;
	int64_t balance = 123456;

	out("dateOp;dateVal;label;category;categoryParent;supplierFound;amount;comment;accountNum;"
	    "accountLabel;accountbalance\n");
	for (uint64_t i = 0; i < n; i++) {
		txn_next(&t, txn_day(i, n), (int)i);
		balance += t.cents;
		out_time(t.day * 86400000, 0, T_DATE), outc(';');
		out_time((t.day + (t.cents > 0 ? 0 : below(3))) * 86400000, 0, T_DATE);
		out(";\""), out_label(&t, true, false), out("\";\""),
		    out_text(t.subcat, true, false);
		out("\";\""), out_text(t.category, true, false), out("\";\"");
		for (const char *p = t.merchant; *p && *p != ' '; p++)
			outc((char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
		out("\";"), out_fix(t.cents, 2, ',');
		out(t.category[0] == 'S' && t.category[1] == 'a'
			? ";\"rembours\xe9 par la mutuelle\";"
			: ";;");
		out("00040123456;\"BoursoBank\";");
		/* the balance with a space between thousands, as the export writes it */
		if (balance <= -100000 || balance >= 100000) {
			out_i(balance / 100000), outc(' ');
			out_u((uint64_t)((balance < 0 ? -balance : balance) % 100000) / 100, 3);
			outc(','), out_u((uint64_t)((balance < 0 ? -balance : balance) % 100), 2);
		} else {
			out_fix(balance, 2, ',');
		}
		outc('\n');
	}
}

/* ---- mapping: a loyalty-card CSV of food purchases, and its mapping ----------- */

static const char MAPPING_JSON[] =
    "{\"separator\": \",\", \"decimal\": \".\", \"date_format\": \"%d/%m/%Y %H:%M\", "
    "\"tz\": \"Europe/Paris\", \"doctype\": \"food.purchase\", "
    "\"columns\": {\"date\": \"Date\", \"store\": \"Magasin\", \"product\": \"Produit\", "
    "\"gtin\": \"EAN\", \"category\": \"Rayon\", \"quantity\": \"Quantite\", "
    "\"unit\": \"Unite\", \"amount\": \"Montant\", \"ecoscore\": \"Ecoscore\"}}\n";

struct product {
	const char *name, *category, *unit;
	int cents;
	char eco;
};

static const struct product PRODUCTS[] = {
    {"Lait demi-\xc3\xa9"
     "cr\xc3\xa9m\xc3\xa9 UHT 1L",
     "dairy", "item", 115, 'b'},
    {"Yaourt nature x8", "dairy", "item", 189, 'a'},
    {"Comt\xc3\xa9 AOP 18 mois", "dairy", "kg", 2290, 'd'},
    {"Baguette tradition", "bakery", "item", 120, 'a'},
    {"Pommes Golden", "fruits", "kg", 279, 'a'},
    {"Bananes Cavendish", "fruits", "kg", 199, 'b'},
    {"Tomates grappe", "vegetables", "kg", 349, 'a'},
    {"Carottes bio 1kg", "vegetables", "item", 189, 'a'},
    {"Poulet fermier Label Rouge", "meat", "kg", 1190, 'c'},
    {"Jambon blanc x4 tranches", "meat", "item", 329, 'd'},
    {"Steak hach\xc3\xa9 5% x2", "meat", "item", 449, 'e'},
    {"P\xc3\xa2tes Penne 500g", "grocery", "item", 99, 'a'},
    {"Riz basmati 1kg", "grocery", "item", 259, 'b'},
    {"Huile d'olive vierge extra 75cl", "grocery", "item", 899, 'c'},
    {"Caf\xc3\xa9 moulu pur arabica 250g", "grocery", "item", 379, 'c'},
    {"Eau min\xc3\xa9rale 6x1,5L", "drinks", "item", 299, 'c'},
    {"Jus d'orange 1L", "drinks", "item", 249, 'c'},
    {"Chocolat noir 70% 100g", "sweets", "item", 219, 'd'},
    {"Croquettes pour chat", "pets", "item", 549, 0},
    {"Lessive liquide 2L", "household", "item", 799, 0},
};

static const char *const STORES[] = {"Carrefour Market Lyon Part-Dieu", "Carrefour Villeurbanne",
				     "Carrefour City Lyon Croix-Rousse",
				     "Carrefour Contact Caluire"};

/* ean13 - a GTIN-13 with its check digit, from a product number */
static void out_ean13(unsigned k)
{
	char d[13];
	unsigned sum = 0;
	uint64_t v = 326039000000ull + k * 7919u; /* a French (32x) prefix */

	for (int i = 11; i >= 0; i--, v /= 10)
		d[i] = (char)('0' + v % 10);
	for (int i = 0; i < 12; i++)
		sum += (unsigned)(d[i] - '0') * (i % 2 ? 3 : 1);
	d[12] = (char)('0' + (10 - sum % 10) % 10);
	outn(d, 13);
}

static void gen_mapping(uint64_t n)
{
	int64_t t = paris_midnight(DAY_2000 + 5479) + 17 * 3600; /* 2015-01-01 17:00 Paris */
	uint64_t left = 0;
	const char *store = STORES[0];

	out("Date,Magasin,Produit,EAN,Rayon,Quantite,Unite,Montant,Ecoscore\n");
	for (uint64_t i = 0; i < n; i++) {
		unsigned k = below(sizeof(PRODUCTS) / sizeof(PRODUCTS[0]));
		const struct product *p = &PRODUCTS[k];
		int64_t qty_milli =
		    p->unit[0] == 'k' ? 200 + below(1300) : 1000 * (1 + (below(6) == 0));

		if (left == 0) { /* a new receipt, two or three days later */
			t += 86400 * (2 + (int64_t)below(2)) + (int64_t)below(7200) - 3600;
			left = 5 + below(25);
			store = PICK(STORES);
		}
		left--;
		out_time(t * 1000, paris_offset(t), T_DMY), outc(','), out(store), out(",\"");
		out(p->name), out("\","), out_ean13(k), outc(','), out(p->category), outc(',');
		if (p->unit[0] == 'k')
			out_fix(qty_milli, 3, '.');
		else
			out_i(qty_milli / 1000);
		outc(','), out(p->unit), outc(',');
		out_fix((int64_t)p->cents * qty_milli / 1000, 2, '.'), outc(',');
		if (p->eco)
			outc(p->eco);
		outc('\n');
	}
}

/* ---- ofx: OFX 1.02 SGML (as checking.ofx: tabs, no end tags for leaves) ------- */

static const char *const OFX_MEMOS[] = {
    "PAIEMENT PAR CARTE 4974XXXXXXXX1234",
    "PRELEVEMENT EUROPEEN 4512773 DE: %s ID: FR22ZZZ123456 MOTIF: ECHEANCE MENSUELLE",
    "VIREMENT RECU REF 2024-000012345 DE: %s",
    "RETRAIT DAB 4974XXXXXXXX1234 %s",
};

/* ofx_open, ofx_close - a leaf element of a STMTTRN; SGML leaves no end tag */
static void ofx_open(const char *tag)
{
	out("\t\t\t\t\t\t<"), out(tag), outc('>');
}

static void ofx_close(const char *tag, bool xml)
{
	if (xml)
		out("</"), out(tag), outc('>');
	outc('\n');
}

/* ofx_name - NAME: the label cut at 32 bytes as banks do (never inside a
 * character or an entity); MEMO then repeats it in full */
static void ofx_name(const struct txn *t, bool xml)
{
	size_t at, cut;

	if (olen + 4096 > OUT_CAP) /* the label is cut in the buffer: no flush inside */
		out_flush();
	at = olen;
	out_label(t, !xml, xml);
	if (olen - at <= 32)
		return;
	cut = at + 32;
	while (cut > at && ((unsigned char)obuf[cut] & 0xc0) == 0x80)
		cut--;
	for (size_t k = cut; k-- > at && obuf[k] != ';';)
		if (obuf[k] == '&') {
			cut = k;
			break;
		}
	while (cut > at && obuf[cut - 1] == ' ')
		cut--;
	olen = cut;
}

/* ofx_trn - one STMTTRN, indented with tabs as checking.ofx */
static void ofx_trn(const struct txn *t, bool xml)
{
	const char *type = t->kind[0] == 'C'   ? "POS"
			   : t->kind[0] == 'P' ? "DIRECTDEBIT"
			   : t->kind[0] == 'R' ? "ATM"
			   : t->cents > 0      ? "CREDIT"
					       : "XFER";
	const char *memo = t->kind[0] == 'C'   ? OFX_MEMOS[0]
			   : t->kind[0] == 'P' ? OFX_MEMOS[1]
			   : t->kind[0] == 'R' ? OFX_MEMOS[3]
					       : OFX_MEMOS[2];
	const char *s = strstr(memo, "%s");
	int64_t posted = t->day * 86400000 + 12 * 3600000;

	out("\t\t\t\t\t<STMTTRN>\n");
	ofx_open("TRNTYPE"), out(type), ofx_close("TRNTYPE", xml);
	ofx_open("DTPOSTED"), out_time(posted, 0, T_BASIC | T_MS), ofx_close("DTPOSTED", xml);
	if (t->kind[0] == 'C') {
		ofx_open("DTUSER"),
		    out_time(posted - 86400000 * (1 + t->seq % 2), 0, T_BASIC | T_MS);
		ofx_close("DTUSER", xml);
	}
	ofx_open("TRNAMT"), out_fix(t->cents, 2, '.'), ofx_close("TRNAMT", xml);
	ofx_open("FITID"), out_time(posted, 0, T_BASIC | T_DATE), out_u((uint64_t)t->seq, 7);
	ofx_close("FITID", xml);
	ofx_open("NAME"), ofx_name(t, xml), ofx_close("NAME", xml);
	ofx_open("MEMO"), out_label(t, !xml, xml), outc(' ');
	if (s) {
		outn(memo, (size_t)(s - memo));
		out_text(t->kind[0] == 'R' ? t->city : t->merchant, !xml, xml);
		out(s + 2);
	} else {
		out(memo), outc(' '), out(t->city);
	}
	ofx_close("MEMO", xml);
	out("\t\t\t\t\t</STMTTRN>\n");
}

static void gen_ofx(uint64_t n, bool xml)
{
	struct txn t;
	int64_t first = txn_day(0, n), last = txn_day(n ? n - 1 : 0, n) + 1;
	const char *e = xml ? "</" : "";

	if (xml) {
		out("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		    "<?OFX OFXHEADER=\"200\" VERSION=\"211\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" "
		    "NEWFILEUID=\"NONE\"?>\n");
	} else {
		out("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
		    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n");
	}
	out("<OFX>\n\t<SIGNONMSGSRSV1>\n\t\t<SONRS>\n\t\t\t<STATUS>\n");
	out(xml ? "\t\t\t\t<CODE>0</CODE>\n\t\t\t\t<SEVERITY>INFO</SEVERITY>\n"
		: "\t\t\t\t<CODE>0\n\t\t\t\t<SEVERITY>INFO\n");
	out("\t\t\t</STATUS>\n\t\t\t<DTSERVER>"),
	    out_time(last * 86400000 + 41851258, 0, T_BASIC | T_MS);
	out(xml ? "</DTSERVER>\n\t\t\t<LANGUAGE>FRA</LANGUAGE>\n" : "\n\t\t\t<LANGUAGE>FRA\n");
	out(xml ? "\t\t\t<FI>\n\t\t\t\t<ORG>CREDIT "
		  "LYONNAIS</ORG>\n\t\t\t\t<FID>30002</FID>\n\t\t\t</FI>\n"
		: "\t\t\t<FI>\n\t\t\t\t<ORG>CREDIT LYONNAIS\n\t\t\t\t<FID>30002\n\t\t\t</FI>\n");
	out("\t\t</SONRS>\n\t</SIGNONMSGSRSV1>\n\t<BANKMSGSRSV1>\n\t\t<STMTTRNRS>\n");
	out(xml ? "\t\t\t<TRNUID>0</TRNUID>\n" : "\t\t\t<TRNUID>0\n");
	out("\t\t\t<STATUS>\n");
	out(xml ? "\t\t\t\t<CODE>0</CODE>\n\t\t\t\t<SEVERITY>INFO</SEVERITY>\n"
		: "\t\t\t\t<CODE>0\n\t\t\t\t<SEVERITY>INFO\n");
	out("\t\t\t</STATUS>\n\t\t\t<STMTRS>\n");
	out(xml ? "\t\t\t\t<CURDEF>EUR</CURDEF>\n" : "\t\t\t\t<CURDEF>EUR\n");
	out("\t\t\t\t<BANKACCTFROM>\n");
	out(xml ? "\t\t\t\t\t<BANKID>30002</BANKID>\n\t\t\t\t\t<BRANCHID>00550</BRANCHID>\n"
		  "\t\t\t\t\t<ACCTID>0000123456X</ACCTID>\n\t\t\t\t\t<ACCTTYPE>CHECKING</"
		  "ACCTTYPE>\n"
		: "\t\t\t\t\t<BANKID>30002\n\t\t\t\t\t<BRANCHID>00550\n\t\t\t\t\t<ACCTID>"
		  "0000123456X\n"
		  "\t\t\t\t\t<ACCTTYPE>CHECKING\n");
	out("\t\t\t\t</BANKACCTFROM>\n\t\t\t\t<BANKTRANLIST>\n");
	out("\t\t\t\t\t<DTSTART>"), out_time(first * 86400000, 0, T_BASIC | T_MS);
	if (xml)
		out("</DTSTART>");
	out("\n\t\t\t\t\t<DTEND>"), out_time(last * 86400000, 0, T_BASIC | T_MS);
	if (xml)
		out("</DTEND>");
	outc('\n');
	for (uint64_t i = 0; i < n; i++) {
		txn_next(&t, txn_day(i, n), (int)i);
		ofx_trn(&t, xml);
	}
	out("\t\t\t\t</BANKTRANLIST>\n\t\t\t\t<LEDGERBAL>\n\t\t\t\t\t<BALAMT>1234.56");
	out(e[0] ? "</BALAMT>" : ""), out("\n\t\t\t\t\t<DTASOF>");
	out_time(last * 86400000 + 41851258, 0, T_BASIC | T_MS), out(e[0] ? "</DTASOF>" : "");
	out("\n\t\t\t\t</LEDGERBAL>\n\t\t\t\t<AVAILBAL>\n\t\t\t\t\t<BALAMT>1034.56");
	out(e[0] ? "</BALAMT>" : ""), out("\n\t\t\t\t\t<DTASOF>");
	out_time(last * 86400000 + 41851258, 0, T_BASIC | T_MS), out(e[0] ? "</DTASOF>" : "");
	out("\n\t\t\t\t</AVAILBAL>\n\t\t\t</STMTRS>\n\t\t</STMTTRNRS>\n\t</BANKMSGSRSV1>\n</"
	    "OFX>\n");
}

/* ---- camt053: statements of 500 entries ------------------------------------------ */

static void camt_entry(const struct txn *t)
{
	static const char *const I = "            ";
	bool credit = t->cents > 0;
	int64_t a = credit ? t->cents : -t->cents;

	outf("%s<Ntry>\n%s    <Amt Ccy=\"EUR\">", I, I), out_fix(a, 2, '.');
	outf("</Amt>\n%s    <CdtDbtInd>%s</CdtDbtInd>\n%s    <RvslInd>false</RvslInd>\n"
	     "%s    <Sts>BOOK</Sts>\n%s    <BookgDt>\n%s        <Dt>",
	     I, credit ? "CRDT" : "DBIT", I, I, I, I);
	out_time(t->day * 86400000, 0, T_DATE);
	outf("</Dt>\n%s    </BookgDt>\n%s    <ValDt>\n%s        <Dt>", I, I, I);
	out_time((t->day + (credit ? 0 : 1)) * 86400000, 0, T_DATE);
	outf("</Dt>\n%s    </ValDt>\n%s    <AcctSvcrRef>", I, I);
	out_time(t->day * 86400000, 0, T_BASIC | T_DATE), out_u((uint64_t)t->seq, 8);
	outf("</AcctSvcrRef>\n%s    <BkTxCd>\n%s        <Domn>\n%s            <Cd>PMNT</Cd>\n"
	     "%s            <Fmly>\n%s                <Cd>%s</Cd>\n"
	     "%s                <SubFmlyCd>%s</SubFmlyCd>\n%s            </Fmly>\n"
	     "%s        </Domn>\n%s    </BkTxCd>\n%s    <NtryDtls>\n%s        <TxDtls>\n"
	     "%s            <Refs>\n%s                <EndToEndId>",
	     I, I, I, I, I,
	     credit              ? "RCDT"
	     : t->kind[0] == 'C' ? "CCRD"
				 : "IDDT",
	     I,
	     credit              ? "ESCT"
	     : t->kind[0] == 'C' ? "POSD"
				 : "ESDD",
	     I, I, I, I, I, I, I);
	if (t->kind[0] == 'C')
		out("NOTPROVIDED");
	else
		out("E2E"), out_u((uint64_t)t->seq * 7 + 1000000, 10);
	outf("</EndToEndId>\n%s            </Refs>\n%s            <RltdPties>\n", I, I);
	outf("%s                <%s>\n%s                    <Nm>", I, credit ? "Dbtr" : "Cdtr", I);
	for (const char *p = t->merchant; *p; p++)
		*p == '&' ? out("&amp;") : outc(*p);
	outf("</Nm>\n%s                </%s>\n", I, credit ? "Dbtr" : "Cdtr");
	if (credit)
		outf("%s                <DbtrAcct>\n%s                    <Id>\n%s                 "
		     "       "
		     "<IBAN>FR7630004000031234567890143</IBAN>\n%s                    </Id>\n"
		     "%s                </DbtrAcct>\n",
		     I, I, I, I, I);
	outf("%s            </RltdPties>\n%s            <RmtInf>\n%s                <Ustrd>", I, I,
	     I);
	out_label(t, false, true);
	outf(" %s</Ustrd>\n%s            </RmtInf>\n%s        </TxDtls>\n%s    </NtryDtls>\n"
	     "%s    <AddtlNtryInf>",
	     t->city, I, I, I, I);
	out(t->kind);
	outf("</AddtlNtryInf>\n%s</Ntry>\n", I);
}

static void camt_balance(const char *code, int64_t cents, int64_t day)
{
	outf("            <Bal>\n                <Tp>\n                    <CdOrPrtry>\n"
	     "                        <Cd>%s</Cd>\n                    </CdOrPrtry>\n"
	     "                </Tp>\n                <Amt Ccy=\"EUR\">",
	     code);
	out_fix(cents < 0 ? -cents : cents, 2, '.');
	outf("</Amt>\n                <CdtDbtInd>%s</CdtDbtInd>\n                <Dt>\n"
	     "                    <Dt>",
	     cents < 0 ? "DBIT" : "CRDT");
	out_time(day * 86400000, 0, T_DATE);
	out("</Dt>\n                </Dt>\n            </Bal>\n");
}

#define CAMT_PER_STMT 500

static void gen_camt053(uint64_t n)
{
	static struct txn t[CAMT_PER_STMT];
	uint64_t nstmt = n ? (n + CAMT_PER_STMT - 1) / CAMT_PER_STMT : 1;
	int64_t bal = 123456;

	out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n    <BkToCstmrStmt>\n"
	    "        <GrpHdr>\n            <MsgId>CAMT053-20241126-000001</MsgId>\n"
	    "            <CreDtTm>2024-11-26T06:12:03+01:00</CreDtTm>\n        </GrpHdr>\n");
	for (uint64_t s = 0; s < nstmt; s++) {
		uint64_t a = s * CAMT_PER_STMT, b = a + CAMT_PER_STMT < n ? a + CAMT_PER_STMT : n;
		int64_t d0 = txn_day(a, n), d1 = txn_day(b ? b - 1 : 0, n), open = bal;

		for (uint64_t i = a; i < b; i++) {
			txn_next(&t[i - a], txn_day(i, n), (int)i);
			bal += t[i - a].cents;
		}
		outf("        <Stmt>\n            <Id>STMT%llu</Id>\n            <ElctrncSeqNb>%llu"
		     "</ElctrncSeqNb>\n            <CreDtTm>",
		     (unsigned long long)s + 1, (unsigned long long)s + 1);
		out_time((d1 + 1) * 86400000 + 21600000, 3600, T_OFF);
		out("</CreDtTm>\n            <FrToDt>\n                <FrDtTm>");
		out_time(d0 * 86400000, 0, T_OFF), out("</FrDtTm>\n                <ToDtTm>");
		out_time(d1 * 86400000 + 86399000, 0, T_OFF);
		out("</ToDtTm>\n            </FrToDt>\n            <Acct>\n                <Id>\n"
		    "                    <IBAN>FR7630002005500000123456X42</IBAN>\n"
		    "                </Id>\n                <Ccy>EUR</Ccy>\n                "
		    "<Ownr>\n"
		    "                    <Nm>M. JEAN DUPONT</Nm>\n                </Ownr>\n"
		    "            </Acct>\n");
		camt_balance("OPBD", open, d0);
		camt_balance("CLBD", bal, d1);
		for (uint64_t i = a; i < b; i++)
			camt_entry(&t[i - a]);
		out("        </Stmt>\n");
	}
	out("    </BkToCstmrStmt>\n</Document>\n");
}

/* ---- moving around Lyon: positions shared by the mobility formats ------------ */

struct walker {
	double lat, lon, ele;  /* degrees, metres */
	double heading, speed; /* radians, m/s */
};

static void walker_init(struct walker *w)
{
	w->lat = 45.7578 + 0.05 * (unit() - 0.5);
	w->lon = 4.8320 + 0.07 * (unit() - 0.5);
	w->ele = 170 + 60 * unit();
	w->heading = 2 * M_PI * unit();
	w->speed = 5;
}

/* walker_step - dt seconds further, turning a little, back towards Lyon
 * when too far from it */
static void walker_step(struct walker *w, double dt)
{
	double d = w->speed * dt * (0.8 + 0.4 * unit());

	w->heading += 0.15 * (unit() - 0.5);
	if (fabs(w->lat - 45.7578) > 0.15 || fabs(w->lon - 4.8320) > 0.2)
		w->heading = atan2(45.7578 - w->lat, (4.8320 - w->lon) * 0.7);
	w->lat += d * sin(w->heading) / 111195.0;
	w->lon += d * cos(w->heading) / (111195.0 * 0.6976);
	w->ele += 0.05 * d * (unit() - 0.5);
	if (w->ele < 140)
		w->ele = 140;
}

/* ---- gpx: one-second tracks as a GPS device writes them ---------------------- */

static void gen_gpx(uint64_t n)
{
	static const char *const types[] = {"cycling", "cycling", "running",
					    "walking", "driving", "hiking"};
	static const double speeds[] = {5.5, 5.5, 3.0, 1.4, 12.0, 1.2};
	int64_t t = 1609488000; /* 2021-01-01T08:00:00Z */
	struct walker w;
	uint64_t i = 0;

	walker_init(&w);
	out("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n"
	    "<gpx xmlns=\"http://www.topografix.com/GPX/1/1\" "
	    "xmlns:gpxx=\"http://www.garmin.com/xmlschemas/GpxExtensions/v3\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" creator=\"eTrex 32x\" "
	    "version=\"1.1\" xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 "
	    "http://www.topografix.com/GPX/1/1/gpx.xsd\">\n  <metadata>\n"
	    "    <link href=\"http://www.garmin.com\">\n      <text>Garmin International</text>\n"
	    "    </link>\n    <time>");
	out_time(t * 1000, 0, T_Z), out("</time>\n  </metadata>\n");
	while (i < n) {
		/* one activity: 20 minutes to 2 hours, one or two segments */
		uint64_t len = 1200 + below(6000);
		unsigned k = below(sizeof(types) / sizeof(types[0]));

		w.speed = speeds[k];
		out("  <trk>\n    <name>"), out_time(t * 1000, 3600, T_SPACE),
		    out("</name>\n    <type>");
		out(types[k]), out("</type>\n    <trkseg>\n");
		for (uint64_t p = 0; p < len && i < n; p++, i++, t++) {
			if (p == len / 2 && below(4) == 0) /* a pause: a second segment */
				out("    </trkseg>\n    <trkseg>\n"), t += 300;
			out("      <trkpt lat=\""), out_fix(round_i(w.lat * 1e10), 10, '.');
			out("\" lon=\""), out_fix(round_i(w.lon * 1e10), 10, '.');
			out("\">\n        <ele>"), out_fix(round_i(w.ele * 100), 2, '.');
			out("</ele>\n        <time>"), out_time(t * 1000, 0, T_Z);
			out("</time>\n      </trkpt>\n");
			walker_step(&w, 1);
		}
		out("    </trkseg>\n  </trk>\n");
		t += 3600 * (3 + (int64_t)below(45));
	}
	out("</gpx>\n");
}

/* ---- takeout: Records.json, a fix a minute or so --------------------------------- */

static const char *const ACTIVITIES[] = {"STILL",   "IN_VEHICLE", "ON_FOOT", "WALKING",
					 "UNKNOWN", "ON_BICYCLE", "TILTING", "RUNNING"};

static void gen_takeout(uint64_t n)
{
	int64_t t = 1444502822597; /* 2015-10-10T18:47:02.597Z, in ms */
	struct walker w;

	walker_init(&w);
	w.speed = 1.5;
	out("{\n  \"locations\": [");
	for (uint64_t i = 0; i < n; i++) {
		bool gps = below(3) == 0;

		out(i ? ", {\n" : "{\n");
		out("    \"latitudeE7\": "), out_i(round_i(w.lat * 1e7));
		out(",\n    \"longitudeE7\": "), out_i(round_i(w.lon * 1e7));
		out(",\n    \"accuracy\": "), out_i(gps ? 3 + below(20) : 15 + below(60));
		if (gps) {
			out(",\n    \"velocity\": "), out_i(below(12));
			out(",\n    \"heading\": "), out_i(below(360));
			out(",\n    \"altitude\": "), out_i(round_i(w.ele));
			out(",\n    \"verticalAccuracy\": "), out_i(2 + below(10));
		}
		if (below(3) == 0) {
			unsigned na = 1 + below(2);

			out(",\n    \"activity\": [");
			for (unsigned a = 0; a < na; a++) {
				unsigned nt = 1 + below(3), left = 100;

				out(a ? ", {\n      \"activity\": [" : "{\n      \"activity\": [");
				for (unsigned k = 0; k < nt; k++) {
					unsigned c = k + 1 == nt ? left : below(left);

					left -= c;
					out(k ? ", {\n        \"type\": \""
					      : "{\n        \"type\": \"");
					out(PICK(ACTIVITIES)), out("\",\n        \"confidence\": ");
					out_u(c, 1), out("\n      }");
				}
				out("],\n      \"timestamp\": \"");
				out_time(t - (int64_t)below(30000), 0, T_MS | T_Z),
				    out("\"\n    }");
			}
			outc(']');
		}
		out(",\n    \"source\": \""), out(gps ? "GPS" : "WIFI");
		out("\",\n    \"deviceTag\": 1433424142,\n    \"timestamp\": \"");
		out_time(t, 0, T_MS | T_Z), out("\"\n  }");
		walker_step(&w, 60);
		t += 20000 + (int64_t)below(100000);
	}
	out("]\n}\n");
}

/* ---- takeout-semantic: months of visits and trips -------------------------------- */

struct trip_kind {
	const char *google, *timeline;
	double speed; /* m/s */
};

static const struct trip_kind TRIPS[] = {
    {"IN_PASSENGER_VEHICLE", "IN_PASSENGER_VEHICLE", 11},
    {"IN_PASSENGER_VEHICLE", "IN_VEHICLE", 11},
    {"WALKING", "WALKING", 1.3},
    {"WALKING", "WALKING", 1.3},
    {"CYCLING", "CYCLING", 4.5},
    {"IN_BUS", "IN_BUS", 6},
    {"IN_SUBWAY", "IN_SUBWAY", 9},
    {"IN_TRAIN", "IN_TRAIN", 25},
    {"IN_TRAM", "IN_TRAM", 6},
    {"RUNNING", "RUNNING", 3},
    {"FLYING", "FLYING", 200},
    {"UNKNOWN_ACTIVITY_TYPE", "UNKNOWN", 3},
};

static const char *const PLACES[][2] = {
    {"Halles de Lyon Paul Bocuse", "102 Cours Lafayette, 69003 Lyon, France"},
    {"Parc de la T\xc3\xaate d'Or", "Boulevard des Belges, 69006 Lyon, France"},
    {"Gare de Lyon Part-Dieu", "5 Place Charles B\xc3\xa9raudier, 69003 Lyon, France"},
    {"Mairie du 3e arrondissement", "215 Rue Duguesclin, 69003 Lyon, France"},
    {"Biblioth\xc3\xa8que municipale", "30 Boulevard Vivier Merle, 69003 Lyon, France"},
    {"Piscine du Rh\xc3\xb4ne", "8 Quai Claude Bernard, 69007 Lyon, France"},
};

/* place_id - a Google place id's shape ("ChIJ" + 23 characters) */
static void out_place_id(uint64_t k)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	out("ChIJ");
	for (int i = 0; i < 23; i++)
		outc(b64[mix(k * 31 + (uint64_t)i) & 63]);
}

static void sem_location(const char *ind, double lat, double lon, bool named)
{
	unsigned p = below(6);

	outf("%s  \"latitudeE7\": %lld,\n%s  \"longitudeE7\": %lld,\n", ind,
	     (long long)round_i(lat * 1e7), ind, (long long)round_i(lon * 1e7));
	if (named) {
		outf("%s  \"placeId\": \"", ind), out_place_id(p), outf("\",\n");
		outf("%s  \"address\": \"%s\",\n%s  \"name\": \"%s\",\n", ind, PLACES[p][1], ind,
		     PLACES[p][0]);
	}
	outf("%s  \"sourceInfo\": {\n%s    \"deviceTag\": 566860671\n%s  }", ind, ind, ind);
	if (named)
		outf(",\n%s  \"locationConfidence\": %.6f,\n%s  \"calibratedProbability\": %.5f",
		     ind, 50 + 50 * unit(), ind, 40 + 50 * unit());
	outc('\n');
}

static void gen_takeout_semantic(uint64_t n)
{
	int64_t t = 1627777348000; /* 2021-08-01T00:22:28Z */
	struct walker w;

	walker_init(&w);
	out("{\n  \"timelineObjects\": [");
	for (uint64_t i = 0; i < n; i++) {
		out(i ? ", {\n" : "{\n");
		if (i % 2 == 0) {
			const struct trip_kind *k = &PICK(TRIPS);
			int64_t dur = 300 + below(3000);
			double lat0 = w.lat, lon0 = w.lon, dist;
			unsigned nw = 2 + below(4);

			walker_step(&w, (double)dur * k->speed / 5.0);
			dist = 111195.0 * hypot(w.lat - lat0, (w.lon - lon0) * 0.6976) * 1.25;
			out("    \"activitySegment\": {\n      \"startLocation\": {\n");
			sem_location("      ", lat0, lon0, false);
			out("      },\n      \"endLocation\": {\n");
			sem_location("      ", w.lat, w.lon, false);
			out("      },\n      \"duration\": {\n        \"startTimestamp\": \"");
			out_time(t, 0, T_Z), out("\",\n        \"endTimestamp\": \"");
			out_time(t + dur * 1000, 0, T_Z);
			outf("\"\n      },\n      \"distance\": %lld,\n      \"activityType\": "
			     "\"%s\",\n"
			     "      \"confidence\": \"%s\",\n      \"activities\": [",
			     (long long)round_i(dist), k->google, below(4) ? "HIGH" : "MEDIUM");
			for (int a = 0; a < 5; a++)
				outf("%s{\n        \"activityType\": \"%s\",\n        "
				     "\"probability\": "
				     "%.15g\n      }",
				     a ? ", " : "", a ? TRIPS[below(12)].google : k->google,
				     a ? 10 * unit() / a : 80 + 19 * unit());
			out("],\n      \"waypointPath\": {\n        \"waypoints\": [");
			for (unsigned p = 0; p < nw; p++) {
				double f = (double)p / (nw - 1);

				outf("%s{\n          \"latE7\": %lld,\n          \"lngE7\": %lld\n "
				     "       }",
				     p ? ", " : "",
				     (long long)round_i((lat0 + f * (w.lat - lat0)) * 1e7),
				     (long long)round_i((lon0 + f * (w.lon - lon0)) * 1e7));
			}
			outf("],\n        \"source\": \"INFERRED\",\n        \"distanceMeters\": "
			     "%.15g,\n"
			     "        \"travelMode\": \"%s\"\n      },\n      "
			     "\"editConfirmationStatus\": "
			     "\"NOT_CONFIRMED\"\n    }\n  }",
			     dist * 0.98,
			     k->speed > 8   ? "DRIVE"
			     : k->speed > 2 ? "BICYCLE"
					    : "WALK");
			t += dur * 1000;
		} else {
			int64_t dur = 600 + below(30000);

			out("    \"placeVisit\": {\n      \"location\": {\n");
			sem_location("      ", w.lat, w.lon, true);
			out("      },\n      \"duration\": {\n        \"startTimestamp\": \"");
			out_time(t, 0, T_Z), out("\",\n        \"endTimestamp\": \"");
			out_time(t + dur * 1000, 0, T_Z);
			outf("\"\n      },\n      \"placeConfidence\": \"HIGH_CONFIDENCE\",\n"
			     "      \"centerLatE7\": %lld,\n      \"centerLngE7\": %lld,\n"
			     "      \"visitConfidence\": %u,\n      \"otherCandidateLocations\": "
			     "[{\n",
			     (long long)round_i(w.lat * 1e7), (long long)round_i(w.lon * 1e7),
			     50 + below(50));
			sem_location("        ", w.lat + 0.0004, w.lon - 0.0003, true);
			outf("      }],\n      \"editConfirmationStatus\": \"NOT_CONFIRMED\",\n"
			     "      \"locationConfidence\": %u,\n      \"placeVisitType\": "
			     "\"SINGLE_PLACE\",\n      \"placeVisitImportance\": \"MAIN\"\n    }\n "
			     " }",
			     below(100));
			t += dur * 1000;
		}
	}
	out("]\n}\n");
}

/* ---- takeout-timeline: the on-device Timeline.json ------------------------------- */

static void out_latlng(double lat, double lon)
{
	outf("%.7f\xc2\xb0, %.7f\xc2\xb0", lat, lon);
}

static void gen_takeout_timeline(uint64_t n)
{
	int64_t t = 1714543200000; /* 2024-05-01T06:00:00Z */
	struct walker w;

	walker_init(&w);
	out("{\n  \"semanticSegments\": [");
	for (uint64_t i = 0; i < n; i++) {
		unsigned kind = (unsigned)(i % 3); /* visit, activity, its path */
		int64_t dur = kind == 0 ? 600 + below(30000) : 300 + below(3000);
		int off = paris_offset(t / 1000);

		out(i ? ", {\n    \"startTime\": \"" : "{\n    \"startTime\": \"");
		if (kind == 2)
			t -= dur * 1000; /* the path covers the activity just written */
		out_time(t, off, T_MS | T_OFF), out("\",\n    \"endTime\": \"");
		out_time(t + dur * 1000, off, T_MS | T_OFF), out("\",\n");
		if (kind == 0) {
			outf("    \"startTimeTimezoneUtcOffsetMinutes\": %d,\n"
			     "    \"endTimeTimezoneUtcOffsetMinutes\": %d,\n    \"visit\": {\n"
			     "      \"hierarchyLevel\": 0,\n      \"probability\": %.15g,\n"
			     "      \"topCandidate\": {\n        \"placeId\": \"",
			     off / 60, off / 60, 0.5 + 0.5 * unit());
			out_place_id(below(6));
			outf("\",\n        \"semanticType\": \"%s\",\n        \"probability\": "
			     "%.15g,\n"
			     "        \"placeLocation\": {\n          \"latLng\": \"",
			     below(3) ? "UNKNOWN" : "HOME", 0.3 + 0.7 * unit());
			out_latlng(w.lat, w.lon), out("\"\n        }\n      }\n    }\n  }");
			t += dur * 1000;
		} else if (kind == 1) {
			const struct trip_kind *k = &PICK(TRIPS);
			double lat0 = w.lat, lon0 = w.lon, dist;

			walker_step(&w, (double)dur * k->speed / 5.0);
			dist = 111195.0 * hypot(w.lat - lat0, (w.lon - lon0) * 0.6976) * 1.25;
			outf("    \"startTimeTimezoneUtcOffsetMinutes\": %d,\n"
			     "    \"endTimeTimezoneUtcOffsetMinutes\": %d,\n    \"activity\": {\n"
			     "      \"start\": {\n        \"latLng\": \"",
			     off / 60, off / 60);
			out_latlng(lat0, lon0),
			    out("\"\n      },\n      \"end\": {\n        \"latLng\": \"");
			out_latlng(w.lat, w.lon);
			outf("\"\n      },\n      \"distanceMeters\": %.15g,\n      "
			     "\"probability\": %.15g,\n"
			     "      \"topCandidate\": {\n        \"type\": \"%s\",\n"
			     "        \"probability\": %.15g\n      }\n    }\n  }",
			     dist, 0.9 + 0.1 * unit(), k->timeline, 0.5 + 0.5 * unit());
			t += dur * 1000;
		} else {
			unsigned np = 3 + below(6);

			out("    \"timelinePath\": [");
			for (unsigned p = 0; p < np; p++) {
				out(p ? ", {\n      \"point\": \"" : "{\n      \"point\": \"");
				out_latlng(w.lat - 0.001 * (np - p), w.lon + 0.0007 * (np - p));
				out("\",\n      \"time\": \"");
				out_time(t + dur * 1000 * p / np, off, T_MS | T_OFF),
				    out("\"\n    }");
			}
			out("]\n  }");
			t += dur * 1000 + 60000;
		}
	}
	out("],\n  \"rawSignals\": [{\n    \"position\": {\n      \"LatLng\": \"");
	out_latlng(w.lat, w.lon);
	out("\",\n      \"accuracyMeters\": 13,\n      \"altitudeMeters\": 175.0,\n"
	    "      \"source\": \"WIFI\",\n      \"timestamp\": \"");
	out_time(t, paris_offset(t / 1000), T_MS | T_OFF);
	out("\"\n    }\n  }],\n  \"userLocationProfile\": {\n    \"frequentPlaces\": [{\n"
	    "      \"placeId\": \"");
	out_place_id(1);
	out("\",\n      \"placeLocation\": \"45.7600000\xc2\xb0, 4.8400000\xc2\xb0\",\n"
	    "      \"label\": \"HOME\"\n    }]\n  }\n}\n");
}

/* ---- emission-trips: OpenPATH confirmed trips (MongoDB extended JSON) ------------- */

struct emission_mode {
	const char *confirm, *sensed;
	double speed;
};

static const struct emission_mode EMODES[] = {
    {"walk", "ON_FOOT", 1.3},
    {"bike", "BICYCLING", 4.5},
    {"e-bike", "BICYCLING", 6},
    {"drove_alone", "IN_VEHICLE", 11},
    {"shared_ride", "IN_VEHICLE", 11},
    {"bus", "IN_VEHICLE", 6},
    {"train", "TRAIN", 20},
    {"scootershare", "BICYCLING", 4},
    {"not_a_trip", "UNKNOWN", 1},
};

static const char *const PURPOSES[] = {"work",   "school",       "shopping",         "meal",
				       "home",   "personal_med", "pick_drop_person", "exercise",
				       "library"};

static void out_oid(uint64_t k)
{
	outf("{\n%s\"$oid\": \"%016llx%08x\"\n%s}", "                ", (unsigned long long)mix(k),
	     (unsigned)(mix(k + 1) >> 32), "            ");
}

static void emission_local_dt(const char *ind, int64_t t_ms)
{
	struct civil c;
	int off = paris_offset(floordiv(t_ms, 1000));
	int64_t day = floordiv(floordiv(t_ms, 1000) + off, 86400);

	civil_of(floordiv(t_ms, 1000) + off, &c);
	outf("{\n%s    \"year\": %d,\n%s    \"month\": %d,\n%s    \"day\": %d,\n%s    \"hour\": "
	     "%d,\n"
	     "%s    \"minute\": %d,\n%s    \"second\": %d,\n%s    \"weekday\": %d,\n"
	     "%s    \"timezone\": \"Europe/Paris\"\n%s}",
	     ind, c.y, ind, c.mo, ind, c.d, ind, c.h, ind, c.mi, ind, c.s, ind,
	     (weekday(day) + 6) % 7, ind, ind);
}

static void gen_emission(uint64_t n)
{
	static const char *const I = "            ";
	int64_t t = 1466403683395; /* 2016-06-20T06:21:23.395Z */
	struct walker w;

	walker_init(&w);
	out("[");
	for (uint64_t i = 0; i < n; i++) {
		const struct emission_mode *m = &PICK(EMODES);
		int64_t dur = 300000 + below(3000000);
		double lat0 = w.lat, lon0 = w.lon, dist;
		bool labelled = below(10) < 7;

		walker_step(&w, (double)dur / 1000 * m->speed / 5.0);
		dist = 111195.0 * hypot(w.lat - lat0, (w.lon - lon0) * 0.6976) * 1.3;
		out(i ? ",\n    {\n        \"_id\": " : "\n    {\n        \"_id\": ");
		out_oid(i * 8);
		out(",\n        \"user_id\": {\n            \"$uuid\": "
		    "\"344d603232dc4e6983e4eecdddf1f6f5\"\n        },\n        \"metadata\": {\n"
		    "            \"key\": \"analysis/confirmed_trip\",\n            \"platform\": "
		    "\"server\",\n");
		outf("            \"write_ts\": %.6f,\n            \"time_zone\": "
		     "\"Europe/Paris\",\n"
		     "            \"write_local_dt\": ",
		     (double)(t + dur) / 1000 + 3600);
		emission_local_dt(I, t + dur + 3600000);
		out(",\n            \"write_fmt_time\": \"");
		out_time(t + dur + 3600000, paris_offset((t + dur) / 1000), T_US | T_OFF);
		out("\"\n        },\n        \"data\": {\n            \"source\": "
		    "\"DwellSegmentationTimeFilter\",\n");
		outf("%s\"end_ts\": %.3f,\n%s\"end_local_dt\": ", I, (double)(t + dur) / 1000, I);
		emission_local_dt(I, t + dur);
		outf(",\n%s\"end_fmt_time\": \"", I);
		out_time(t + dur, paris_offset((t + dur) / 1000), T_US | T_OFF);
		outf("\",\n%s\"end_loc\": {\n%s    \"type\": \"Point\",\n%s    \"coordinates\": [\n"
		     "%s        %.7f,\n%s        %.7f\n%s    ]\n%s},\n%s\"raw_trip\": ",
		     I, I, I, I, w.lon, I, w.lat, I, I, I);
		out_oid(i * 8 + 1);
		outf(",\n%s\"start_ts\": %.3f,\n%s\"start_local_dt\": ", I, (double)t / 1000, I);
		emission_local_dt(I, t);
		outf(",\n%s\"start_fmt_time\": \"", I);
		out_time(t, paris_offset(t / 1000), T_US | T_OFF);
		outf("\",\n%s\"start_loc\": {\n%s    \"type\": \"Point\",\n%s    \"coordinates\": "
		     "[\n"
		     "%s        %.7f,\n%s        %.7f\n%s    ]\n%s},\n",
		     I, I, I, I, lon0, I, lat0, I, I);
		outf("%s\"duration\": %.13f,\n%s\"distance\": %.13f,\n%s\"start_place\": ", I,
		     (double)dur / 1000 + unit() * 1e-3, I, dist, I);
		out_oid(i * 8 + 2), outf(",\n%s\"end_place\": ", I), out_oid(i * 8 + 3);
		outf(",\n%s\"cleaned_trip\": ", I), out_oid(i * 8 + 4);
		outf(",\n%s\"inferred_labels\": [],\n%s\"inferred_trip\": ", I, I),
		    out_oid(i * 8 + 5);
		outf(",\n%s\"expectation\": {\n%s    \"to_label\": true\n%s},\n"
		     "%s\"confidence_threshold\": 0.55,\n%s\"expected_trip\": ",
		     I, I, I, I, I);
		out_oid(i * 8 + 6);
		outf(",\n%s\"inferred_section_summary\": {\n%s    \"distance\": {},\n"
		     "%s    \"duration\": {},\n%s    \"count\": {}\n%s},\n",
		     I, I, I, I, I);
		outf("%s\"cleaned_section_summary\": {\n%s    \"distance\": {\n%s        \"%s\": "
		     "%.13f\n"
		     "%s    },\n%s    \"duration\": {\n%s        \"%s\": %.13f\n%s    },\n"
		     "%s    \"count\": {\n%s        \"%s\": 1\n%s    }\n%s},\n",
		     I, I, I, m->sensed, dist, I, I, I, m->sensed, (double)dur / 1000, I, I, I,
		     m->sensed, I, I);
		outf("%s\"ble_sensed_summary\": {\n%s    \"distance\": {},\n%s    \"duration\": "
		     "{},\n"
		     "%s    \"count\": {}\n%s},\n%s\"user_input\": {",
		     I, I, I, I, I, I);
		if (labelled)
			outf("\n%s    \"mode_confirm\": \"%s\",\n%s    \"purpose_confirm\": "
			     "\"%s\"\n%s",
			     I, m->confirm, I, PURPOSES[below(9)], I);
		outf("},\n%s\"additions\": []\n        }\n    }", I);
		t += dur + 600000 + (int64_t)below(20000000);
	}
	out("\n]\n");
}

/* ---- ical: a Google Calendar export, some events recurring ------------------------ */

static const char *const EVENTS[][3] = {
    {"Conseil de quartier", "Mairie du 3e\\, 215 Rue Duguesclin\\, 69003 Lyon",
     "Citoyennet\xc3\xa9"},
    {"R\xc3\xa9union d'\xc3\xa9quipe", "Salle B204", "Travail"},
    {"Dentiste", "Cabinet du Dr Martin\\, 12 Rue de la R\xc3\xa9publique\\, Lyon", "Sant\xc3\xa9"},
    {"Piscine", "Piscine du Rh\xc3\xb4ne\\, Lyon", "Sport"},
    {"D\xc3\xa9jeuner avec Camille", "Les Halles\\, Lyon", "Personnel"},
    {"Cours de guitare",
     "Conservatoire\\, 4 Mont\xc3\xa9"
     "e du Chemin Neuf\\, Lyon",
     "Loisirs"},
    {"Collecte des encombrants", "", "Citoyennet\xc3\xa9"},
    {"Train Lyon - Paris", "Gare de Lyon Part-Dieu", "Voyage"},
};

/* ical_text - a content line folded at 75 octets (RFC 5545), never inside a
 * UTF-8 character */
static void ical_line(const char *name, const char *value)
{
	size_t col = strlen(name) + 1;

	out(name), outc(':');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (col >= 74 && (*p & 0xc0) != 0x80) {
			out("\r\n ");
			col = 1;
		}
		outc((char)*p);
		col++;
	}
	out("\r\n");
}

/* gen_ical - events from 2023-01-01 on, about three a day, and never more
 * than 1,000 days of them (a busier, shared agenda when n is large): the
 * importer expands rules only up to two years after today, even those with
 * a COUNT, so events far in the future would lose their occurrences. */
static void gen_ical(uint64_t n)
{
	int64_t day0 = DAY_2000 + 8401; /* 2023-01-01 */
	uint64_t per_day = n / 1000 + 3;

	out("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar "
	    "70.9054//EN\r\nVERSION:2.0\r\n"
	    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Alice\r\n"
	    "X-WR-TIMEZONE:Europe/Paris\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
	    "X-LIC-LOCATION:Europe/Paris\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n"
	    "TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n"
	    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
	    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n");
	for (uint64_t i = 0; i < n; i++) {
		const char *const *e = EVENTS[below(8)];
		int64_t day = day0 + (int64_t)(i / per_day);
		int64_t start = paris_midnight(day) + 3600 * (8 + (int64_t)below(12)) +
				1800 * (int64_t)below(2);
		int64_t dur = 1800 * (1 + (int64_t)below(4));
		uint32_t r = below(100);
		char uid[64];

		out("BEGIN:VEVENT\r\n");
		if (r < 5) { /* all day */
			out("DTSTART;VALUE=DATE:"), out_time(day * 86400000, 0, T_BASIC | T_DATE);
			out("\r\nDTEND;VALUE=DATE:"),
			    out_time((day + 1) * 86400000, 0, T_BASIC | T_DATE);
			out("\r\n");
		} else {
			out("DTSTART;TZID=Europe/Paris:");
			out_time(start * 1000, paris_offset(start), T_ICAL);
			out("\r\nDTEND;TZID=Europe/Paris:");
			out_time((start + dur) * 1000, paris_offset(start + dur), T_ICAL),
			    out("\r\n");
		}
		if (r >= 5 && r < 10)
			out("RRULE:FREQ=WEEKLY;COUNT=10\r\n");
		else if (r >= 10 && r < 13)
			out("RRULE:FREQ=WEEKLY;WKST=MO;COUNT=12;BYDAY=MO,WE\r\n");
		else if (r >= 13 && r < 15)
			out("RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=6\r\n");
		else if (r == 15) {
			out("RRULE:FREQ=DAILY;UNTIL="),
			    out_time((day + 20) * 86400000, 0, T_ICAL | T_Z);
			out("\r\nEXDATE;TZID=Europe/Paris:"); /* the same wall time, two days later
							       */
			out_time((start + paris_offset(start) + 2 * 86400) * 1000, 0, T_ICAL),
			    out("\r\n");
		}
		out("DTSTAMP:20241126T101500Z\r\nUID:");
		snprintf(uid, sizeof(uid), "%016llx%04x@google.com", (unsigned long long)mix(i + 1),
			 (unsigned)(i & 0xffff));
		out(uid), out("\r\nCREATED:"),
		    out_time((start - 86400 * 20) * 1000, 0, T_ICAL | T_Z);
		out("\r\n");
		if (below(2))
			ical_line("DESCRIPTION",
				  "Ordre du jour : point sur les travaux de la rue\\, "
				  "budget participatif\\, questions diverses.\\nMerci "
				  "de confirmer votre pr\xc3\xa9sence.");
		else
			out("DESCRIPTION:\r\n");
		out("LAST-MODIFIED:"), out_time((start - 86400 * 10) * 1000, 0, T_ICAL | T_Z);
		out("\r\n");
		ical_line("LOCATION", e[1]);
		out("SEQUENCE:0\r\nSTATUS:CONFIRMED\r\n");
		ical_line("SUMMARY", e[0]);
		ical_line("CATEGORIES", e[2]);
		out("TRANSP:OPAQUE\r\n");
		if (below(4) == 0)
			out("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:This is an event "
			    "reminder\r\n"
			    "TRIGGER:-P0DT0H30M0S\r\nEND:VALARM\r\n");
		out("END:VEVENT\r\n");
	}
	out("END:VCALENDAR\r\n");
}

/* ---- geojson: a phone's and a watch's positions, and their trips ----------------- */

static void gen_geojson(uint64_t n)
{
	static const char *const modes[] = {"bike", "walk", "car", "bus", "tram"};
	int64_t t = 1714543200000; /* 2024-05-01T06:00:00Z */
	struct walker w[2];
	double path[2][64][2];
	unsigned np[2] = {0, 0};
	int64_t pstart[2] = {t, t};

	walker_init(&w[0]);
	walker_init(&w[1]);
	out("{\"type\": \"FeatureCollection\", \"name\": \"positions\", \"features\": [\n");
	for (uint64_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(i % 2);

		if (np[d] == 64) { /* a trip along the last 64 positions of a device */
			outf("{\"type\": \"Feature\", \"properties\": {\"device\": \"%s\", "
			     "\"start\": \"",
			     d ? "watch" : "phone");
			out_time(pstart[d], 0, T_Z), out("\", \"end\": \""), out_time(t, 0, T_Z);
			outf("\", \"mode\": \"%s\"}, \"geometry\": {\"type\": \"LineString\", "
			     "\"coordinates\": [",
			     PICK(modes));
			for (unsigned p = 0; p < 64; p++)
				outf(p ? ", [%.6f, %.6f]" : "[%.6f, %.6f]", path[d][p][1],
				     path[d][p][0]);
			out("]}},\n");
			np[d] = 0;
			pstart[d] = t;
		}
		outf("{\"type\": \"Feature\", \"properties\": {\"device\": \"%s\", \"time\": \"",
		     d ? "watch" : "phone");
		out_time(t, 0, T_Z);
		outf("\", \"accuracy\": %u}, \"geometry\": {\"type\": \"Point\", \"coordinates\": "
		     "[%.6f, %.6f, %.1f]}}%s\n",
		     3 + below(30), w[d].lon, w[d].lat, w[d].ele, i + 1 < n ? "," : "");
		path[d][np[d]][0] = w[d].lat;
		path[d][np[d]][1] = w[d].lon;
		np[d]++;
		walker_step(&w[d], 10);
		if (d)
			t += 10000;
	}
	out("]}\n");
}

/* ---- the formats ---------------------------------------------------------------- */

static void gen_ofx1(uint64_t n)
{
	gen_ofx(n, false);
}

static void gen_ofx2(uint64_t n)
{
	gen_ofx(n, true);
}

static void gen_mapping_file(uint64_t n)
{
	(void)n;
	out(MAPPING_JSON);
}

struct format {
	const char *name;
	void (*gen)(uint64_t n);
	const char *count; /* what COUNT counts */
};

static const struct format FORMATS[] = {
    {"enedis-csv", gen_enedis_csv, "half-hours of a load curve"},
    {"enedis-index", gen_enedis_index, "days of daily indexes (5 registers)"},
    {"enedis-dataconnect", gen_enedis_dataconnect, "half-hours of a load curve"},
    {"enedis-synchrone", gen_enedis_synchrone, "half-hours (and each whole day's energy)"},
    {"grdf-json", gen_grdf_json, "daily readings (of up to 8 PCEs)"},
    {"grdf-adict", gen_grdf_adict, "daily readings (of up to 8 PCEs)"},
    {"water-csv", gen_water_csv, "days of a cumulative index"},
    {"bank-csv", gen_bank_csv, "transactions (Boursorama, Latin-1)"},
    {"mapping", gen_mapping, "food purchases (needs mapping-file as COMMUNE_IMPORT_MAPPING)"},
    {"mapping-file", gen_mapping_file, "(the mapping of the mapping CSV; COUNT ignored)"},
    {"ofx", gen_ofx1, "transactions (OFX 1.02 SGML, Windows-1252)"},
    {"ofx2", gen_ofx2, "transactions (OFX 2.11 XML)"},
    {"camt053", gen_camt053, "entries (statements of 500)"},
    {"gpx", gen_gpx, "track points, one a second"},
    {"takeout", gen_takeout, "locations of Records.json"},
    {"takeout-semantic", gen_takeout_semantic, "timeline objects (half trips, half visits)"},
    {"takeout-timeline", gen_takeout_timeline, "segments of Timeline.json (a third trips)"},
    {"emission-trips", gen_emission, "confirmed trips"},
    {"ical", gen_ical, "VEVENTs (15% recurring)"},
    {"geojson", gen_geojson, "timed Points (and a LineString trip per 64 of a device)"},
};

int main(int argc, char **argv)
{
	const struct format *f = NULL;
	char *end = NULL;
	unsigned long long n = 0;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++)
			printf("%-20s COUNT = %s\n", FORMATS[i].name, FORMATS[i].count);
		return 0;
	}
	if (argc == 3) {
		for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++)
			if (strcmp(argv[1], FORMATS[i].name) == 0)
				f = &FORMATS[i];
		n = strtoull(argv[2], &end, 10);
	}
	if (!f || !end || *end || argv[2][0] == '\0') {
		fputs("usage: gen FORMAT COUNT > file   (gen list: the formats)\n", stderr);
		return 2;
	}
	rng = 0xcbf29ce484222325u; /* FNV-1a of the name: one fixed seed per format */
	for (const char *p = f->name; *p; p++)
		rng = (rng ^ (unsigned char)*p) * 0x100000001b3u;
	f->gen((uint64_t)n);
	out_flush();
	return fflush(stdout) == 0 ? 0 : 1;
}
