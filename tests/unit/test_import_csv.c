/*
 * test_import_csv.c - the CSV importers of bank_csv.c, water_csv.c and
 * mapping.c on synthetic files of each shape (the banks' exports as
 * commonly described; no real files are in the fixtures). Figures are
 * recomputed here from the text itself: counts, first and last dates, the
 * sum in cents. Plus hostile input: NUL, a 1 MB line, invalid UTF-8 after
 * a BOM, a 400-digit amount. And rows whole or not imported under each
 * failed JSON allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"
#include "importfail.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "import/csvsplit.h"
#include "import/import.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

static enum cmn_rc import_text(struct fixture *f, const char *name, const char *text, size_t n,
			       const char *format, struct import_job *job)
{
	enum cmn_rc rc = check_import_text(f, name, format, text, n, job);

	if (getenv("TEST_VERBOSE") && rc != CMN_OK)
		fprintf(stderr, "%s: %zu:%zu %s %s\n", name, job->err.line, job->err.column,
			job->err.pointer, job->err.message);
	return rc;
}

/* ---- what the store holds ------------------------------------------------- */

struct txns {
	long count;
	long long cents;
	char first[11], last[11];
	bool saw_utf8;                       /* a label with "é" in UTF-8 */
};

static enum cmn_rc add_txn(const struct record_meta *m, const char *data,
			   const struct query_value *key, void *pv)
{
	struct txns *t = pv;
	json_t *r = json_loads(data, 0, NULL);
	const char *date = json_string_value(json_object_get(r, "date"));
	double amount = json_number_value(json_object_get(r, "amount"));

	(void)m;
	(void)key;
	t->count++;
	t->cents += (long long)(amount * 100 + (amount < 0 ? -0.5 : 0.5));
	if (!t->first[0] || strcmp(date, t->first) < 0)
		snprintf(t->first, sizeof(t->first), "%s", date);
	if (strcmp(date, t->last) > 0)
		snprintf(t->last, sizeof(t->last), "%s", date);
	if (strstr(json_string_value(json_object_get(r, "label")), "\xc3\xa9"))
		t->saw_utf8 = true;
	json_decref(r);
	return CMN_OK;
}

static void stored_txns(struct fixture *f, struct txns *t)
{
	struct store_query q = {.doctype = "bank.transaction", .sort = QSORT_TIME, .limit = 1000};

	memset(t, 0, sizeof(*t));
	assert_int_equal(pstore_record_query(f->ps, &q, add_txn, t), CMN_OK);
}

/* ---- the files' own figures, read with nothing of commune's --------------- */

/* cents_of - the cents of an amount written with exactly two decimals. */
static long long cents_of(const char *s, size_t n)
{
	long long v = 0;
	bool neg = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			neg = true;
		else if (s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (s[i] - '0');
	}
	return neg ? -v : v;
}

/* nth_field - the bounds of field k of a ';' line (no ';' inside quotes in
 * the samples). */
static const char *nth_field(const char *line, int k, size_t *n)
{
	const char *p = line;

	for (int i = 0; i < k; i++)
		p = strchr(p, ';') + 1;
	*n = strcspn(p, ";\r\n");
	return p;
}

/*
 * truth - counts the lines starting with a date (DD/MM/YYYY or
 * YYYY-MM-DD), sums their amounts (column amt, or debit minus credit
 * columns deb/cre when amt < 0) and keeps the first and last dates.
 */
static void truth(const char *text, int amt, int deb, int cre, struct txns *t)
{
	const char *line = text;

	memset(t, 0, sizeof(*t));
	for (; *line; line = strchr(line, '\n') + 1) {
		char date[11];
		size_t n;
		const char *p;

		if (line[0] >= '0' && line[0] <= '9' && line[2] == '/')
			snprintf(date, sizeof(date), "%.4s-%.2s-%.2s", line + 6, line + 3, line);
		else if (line[0] == '2' && line[4] == '-')
			snprintf(date, sizeof(date), "%.10s", line);
		else
			date[0] = '\0';
		if (date[0]) {
			t->count++;
			if (amt >= 0) {
				p = nth_field(line, amt, &n);
				t->cents += cents_of(p, n);
			} else {
				p = nth_field(line, deb, &n);
				t->cents -= llabs(cents_of(p, n));
				p = nth_field(line, cre, &n);
				t->cents += cents_of(p, n);
			}
			if (!t->first[0] || strcmp(date, t->first) < 0)
				memcpy(t->first, date, 11);
			if (strcmp(date, t->last) > 0)
				memcpy(t->last, date, 11);
		}
		if (!strchr(line, '\n'))
			break;
	}
}

static void check_bank(struct fixture *f, const char *name, const char *text, int amt, int deb,
		       int cre, bool latin1)
{
	struct import_job job;
	struct txns want, got;

	truth(text, amt, deb, cre, &want);
	assert_int_equal(import_text(f, name, text, strlen(text), NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "bank-csv");
	assert_int_equal(job.stats.records_created, want.count);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, want.count);
	assert_int_equal(got.cents, want.cents);
	assert_string_equal(got.first, want.first);
	assert_string_equal(got.last, want.last);
	if (latin1)
		assert_true(got.saw_utf8);
	/* the same file again changes nothing */
	assert_int_equal(import_text(f, name, text, strlen(text), "bank-csv", &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, want.count);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, want.count);
}

static const char boursorama[] =
	"dateOp;dateVal;label;category;categoryParent;supplierFound;amount;comment;"
	"accountNum;accountLabel;accountbalance\n"
	"2024-01-02;2024-01-02;\"CARTE 01/01/24 CAFE DU PORT\";\"Restaurants, bars\";"
	"\"Loisirs et sorties\";\"cafe du port\";-2,50;;00040123456;\"BoursoBank\";1 234,56\n"
	"2024-01-02;2024-01-02;\"CARTE 01/01/24 CAFE DU PORT\";\"Restaurants, bars\";"
	"\"Loisirs et sorties\";\"cafe du port\";-2,50;;00040123456;\"BoursoBank\";1 234,56\n"
	"2024-01-05;2024-01-05;\"VIR SEPA EMPLOYEUR \"\"SA\"\"\";\"Salaires\";"
	"\"Revenus et rentr\xc3\xa9" "es d'argent\";\"employeur\";2 150,00;;00040123456;"
	"\"BoursoBank\";1 234,56\n"
	"2024-01-09;2024-01-08;\"PRLV SEPA EAU DE LA VILLE\";\"Eau\";\"Logement\";\"\";"
	"-31,07;\"facture\";00040123456;\"BoursoBank\";1 234,56\n"
	"2024-01-31;2024-01-31;\"CARTE 30/01/24 BOULANGERIE\";\"Alimentation\";"
	"\"Alimentation\";\"\";-1\xc2\xa0" "005,40;;00040123456;\"BoursoBank\";1 234,56\n";

static void bank_boursorama(void **state)
{
	struct fixture *f = *state;

	check_bank(f, "export.csv", boursorama, 6, 0, 0, false);
}

/* Latin-1: "Débit", "Libellé", "prélèvement" as single bytes. */
static const char caisse_epargne[] =
	"Code de la banque : 12345;Code de l'agence : 00100;Date de d\xe9" "but de "
	"t\xe9l\xe9" "chargement : 01/02/2024;Date de fin de t\xe9l\xe9" "chargement : "
	"29/02/2024;\r\n"
	"Num\xe9ro de compte : 01234567890;Nom du compte : COMPTE CHEQUE;Devise : EUR;\r\n"
	"\r\n"
	"Date;Num\xe9ro d'op\xe9ration;Libell\xe9;D\xe9" "bit;Cr\xe9" "dit;D\xe9tail;\r\n"
	"01/02/2024;1234567;PR\xc9L\xc8VEMENT \xc9LECTRICIT\xc9;-64,20;;pr\xe9l\xe8vement;\r\n"
	"03/02/2024;1234568;VIREMENT RE\xc7U;;1 200,00;salaire;\r\n"
	"15/02/2024;1234569;CB Caf\xe9 15/02;-3,10;;;\r\n"
	"29/02/2024;1234570;FRAIS;-0,90;;;\r\n"
	"Solde au 29/02/2024;;;;1 131,80;\r\n";

static void bank_caisse_epargne(void **state)
{
	struct fixture *f = *state;

	check_bank(f, "telechargement.csv", caisse_epargne, -1, 3, 4, true);
}

static const char fortuneo[] =
	"Date op\xc3\xa9ration;Date valeur;libell\xc3\xa9;D\xc3\xa9" "bit;Cr\xc3\xa9" "dit;\n"
	"28/12/2023;28/12/2023;CARTE 27/12 SUPERMARCHE;-45,32;;\n"
	"02/01/2024;02/01/2024;VIR RECU LOYER;;650,00;\n"
	"02/01/2024;03/01/2024;PRLV TELECOM;-19.99;;\n"
	"10/01/2024;10/01/2024;CARTE 09/01 CAFE;-2,00;;\n"
	"10/01/2024;10/01/2024;CARTE 09/01 CAFE;-2,00;;\n"
	"10/01/2024;10/01/2024;CARTE 09/01 CAFE;-2,00;;\n";

static void bank_fortuneo(void **state)
{
	struct fixture *f = *state;

	check_bank(f, "HistoriqueOperations.csv", fortuneo, -1, 3, 4, false);
}

static void bank_errors_import_nothing(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct txns got;
	char *text = malloc(2 * 1024 * 1024), *p;
	static const char bad[] =
		"Date op\xc3\xa9ration;Date valeur;libell\xc3\xa9;D\xc3\xa9" "bit;Cr\xc3\xa9" "dit;\n"
		"28/12/2023;28/12/2023;CARTE;-45,32;;\n"
		"29/12/2023;29/12/2023;CARTE;-4x5,32;;\n";
	static const char head[] = "Date op\xc3\xa9ration;Date valeur;libell\xc3\xa9;"
				   "D\xc3\xa9" "bit;Cr\xc3\xa9" "dit;\n";

	assert_int_equal(import_text(f, "bad.csv", bad, strlen(bad), NULL, &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 3);
	assert_int_equal(job.err.column, 29);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 0);

	/* a 400-digit amount */
	p = text + snprintf(text, 1024, "%s01/01/2024;01/01/2024;X;-", head);
	memset(p, '9', 400);
	memcpy(p + 400, ",00;;\n", 7);
	assert_int_equal(import_text(f, "big.csv", text, strlen(text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 2);
	import_job_release(&job);
	/* a 1 MB line */
	p = text + snprintf(text, 1024, "%s01/01/2024;01/01/2024;", head);
	memset(p, 'x', 1024 * 1024);
	memcpy(p + 1024 * 1024, ";-1,00;;\n", 10);
	assert_int_equal(import_text(f, "long.csv", text, strlen(text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 2);
	import_job_release(&job);
	/* a NUL byte */
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, "01/01/2024;;A\0B;-1,00;;\n", 24);
	assert_int_equal(import_text(f, "nul.csv", text, sizeof(head) - 1 + 24, "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 2);
	import_job_release(&job);
	/* invalid UTF-8 in a file marked UTF-8 */
	p = text + snprintf(text, 1024, "\xef\xbb\xbf%s01/01/2024;;CAF\xe9;-1,00;;\n", head);
	assert_int_equal(import_text(f, "bom.csv", text, (size_t)(p - text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 2);
	import_job_release(&job);
	/* both a debit and a credit; an unclosed quote; a bad date */
	p = text + snprintf(text, 1024, "%s01/01/2024;;A;-1,00;2,00;\n", head);
	assert_int_equal(import_text(f, "both.csv", text, (size_t)(p - text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	import_job_release(&job);
	p = text + snprintf(text, 1024, "%s01/01/2024;;\"A;-1,00;;\n", head);
	assert_int_equal(import_text(f, "q.csv", text, (size_t)(p - text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.column, 13);
	import_job_release(&job);
	p = text + snprintf(text, 1024, "%s31/02/2024;;A;-1,00;;\n", head);
	assert_int_equal(import_text(f, "d.csv", text, (size_t)(p - text), "bank-csv", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.column, 1);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 0);
	free(text);
}

static void decimal_parsing(void **state)
{
	int64_t v;

	(void)state;
	assert_true(csv_decimal("-12,50", 0, 2, &v) && v == -1250);
	assert_true(csv_decimal(" 1 234,5 ", 0, 2, &v) && v == 123450);
	assert_true(csv_decimal("1.234.567,89", 0, 2, &v) && v == 123456789);
	assert_true(csv_decimal("1,234.56", 0, 2, &v) && v == 123456);
	assert_true(csv_decimal("1\xc2\xa0" "234,00", 0, 2, &v) && v == 123400);
	assert_true(csv_decimal("+3", 0, 2, &v) && v == 300);
	assert_true(csv_decimal("0,10", 0, 2, &v) && v == 10);
	assert_true(csv_decimal("123,456", 0, 3, &v) && v == 123456);
	assert_true(csv_decimal("5,100", 0, 2, &v) && v == 510);
	assert_false(csv_decimal("5,101", 0, 2, &v));
	assert_false(csv_decimal("1 23,00", 0, 2, &v));
	assert_false(csv_decimal("1.234.567", 0, 2, &v));
	assert_false(csv_decimal("", 0, 2, &v));
	assert_false(csv_decimal("-", 0, 2, &v));
	assert_false(csv_decimal("1e5", 0, 2, &v));
	assert_false(csv_decimal("1234567890123456", 0, 0, &v));
	assert_true(csv_decimal("999999999999999", 0, 0, &v) && v == 999999999999999LL);
	assert_false(csv_decimal("99999999999999", 0, 2, &v));
}

/* ---- water ---------------------------------------------------------------- */

static enum cmn_rc add_up(int64_t t, int64_t v, void *pv)
{
	long long *sum = pv;

	(void)t;
	*sum += v;
	return CMN_OK;
}

static void water_index_and_volume(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	long long sum = 0;
	int64_t t;
	static const char index_m3[] =
		"# export of the water utility\n"
		"# meter: A12345\n"
		"date;index_m3\n"
		"2024-03-29;100,000\n"
		"2024-03-30;100,152\n"
		"2024-03-31;100,300\n"   /* DST: a 23-hour day */
		"2024-04-01;100,301\n"
		"2024-04-03;100,700\n";  /* a gap: not split into days */
	static const char volume_l[] =
		"date,volume_l\n"
		"01/05/2024,120\n"
		"02/05/2024,0\n"
		"03/05/2024,99\n";

	assert_int_equal(import_text(f, "w.csv", index_m3, strlen(index_m3), NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "water-csv");
	assert_int_equal(job.stats.points_added, 3);
	assert_int_equal(job.nwarnings, 1);
	import_job_release(&job);
	assert_int_equal(pstore_series_find(f->ps, "water.consumption", "water-csv", "A12345",
					    &def), CMN_OK);
	assert_int_equal(def.step, 86400000);
	assert_int_equal(time_parse("2024-03-30T00:00:00Z", false, &t), CMN_OK);
	assert_int_equal(def.t_first, t);  /* 30 March */
	assert_int_equal(time_parse("2024-04-01T00:00:00Z", false, &t), CMN_OK);
	assert_int_equal(def.t_last, t);   /* 1 April */
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &sum),
			 CMN_OK);
	assert_int_equal(sum, 100301 - 100000);
	series_def_release(&def);
	assert_int_equal(import_text(f, "w.csv", index_m3, strlen(index_m3), NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 0);
	assert_int_equal(job.stats.points_unchanged, 3);
	import_job_release(&job);

	assert_int_equal(import_text(f, "v.csv", volume_l, strlen(volume_l), NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 3);
	import_job_release(&job);
	assert_int_equal(pstore_series_find(f->ps, "water.consumption", "water-csv", "main", &def),
			 CMN_OK);
	sum = 0;
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &sum),
			 CMN_OK);
	assert_int_equal(sum, 219);
	series_def_release(&def);
}

static void water_errors(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const char decreasing[] =
		"# meter: B1\ndate;index_l\n2024-01-01;1000\n2024-01-02;1100\n2024-01-03;1050\n";
	static const char backwards[] = "date;volume_l\n2024-01-02;1\n2024-01-01;1\n";
	static const char fraction[] = "date;volume_l\n2024-01-02;1,5\n";

	assert_int_equal(import_text(f, "d.csv", decreasing, strlen(decreasing), NULL, &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 5);
	assert_int_equal(job.err.column, 12);
	import_job_release(&job);
	assert_int_equal(import_text(f, "b.csv", backwards, strlen(backwards), NULL, &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 3);
	import_job_release(&job);
	assert_int_equal(import_text(f, "f.csv", fraction, strlen(fraction), NULL, &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 2);
	import_job_release(&job);
	assert_int_equal(import_text(f, "e.csv", "# meter: x\n", 11, "water-csv", &job),
			 CMN_ERR_INVALID);
	import_job_release(&job);
}

/* ---- mapping -------------------------------------------------------------- */

static void mapping_records(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct txns got;
	static const char text[] =
		"#commune-mapping {\"separator\":\",\",\"decimal\":\".\",\"date_format\":\"%d/%m/%Y\","
		"\"doctype\":\"bank.transaction\",\"columns\":{\"date\":\"When\",\"amount\":2,"
		"\"label\":\"What\",\"category\":\"Kind\"},\"constants\":{\"currency\":\"EUR\"}}\n"
		"When,What,Amount,Kind\n"
		"01/03/2024,\"Rent, March\",-700.00,housing\n"
		"02/03/2024,Caf\xc3\xa9,-2.10,food\n"
		"02/03/2024,Caf\xc3\xa9,-2.10,food\n"
		"15/03/2024,Allowance,210.55,allowance\n";
	static const char bad[] =
		"#commune-mapping {\"doctype\":\"bank.transaction\",\"columns\":{\"date\":0,"
		"\"amount\":1,\"label\":2},\"constants\":{\"currency\":\"EUR\"},\"header\":false}\n"
		"2024-03-01;-1,00;A\n"
		"2024-03-02;-1,0x;B\n";

	assert_int_equal(import_text(f, "m.csv", text, strlen(text), NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "mapping");
	assert_int_equal(job.stats.records_created, 4);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 4);
	assert_int_equal(got.cents, -70000 - 210 - 210 + 21055);
	assert_string_equal(got.first, "2024-03-01");
	assert_string_equal(got.last, "2024-03-15");
	assert_true(got.saw_utf8);
	assert_int_equal(import_text(f, "m.csv", text, strlen(text), NULL, &job), CMN_OK);
	assert_int_equal(job.stats.records_duplicate, 4);
	import_job_release(&job);

	assert_int_equal(import_text(f, "bad.csv", bad, strlen(bad), NULL, &job), CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 3);
	assert_int_equal(job.err.column, 12);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 4);
}

static void mapping_series_and_env(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct series_def def;
	long long sum = 0;
	char path[256];
	static const char text[] =
		"#commune-mapping {\"series\":{\"doctype\":\"water.consumption\",\"source\":\"regie\","
		"\"key\":\"C9\",\"unit\":\"L\",\"step_s\":3600,\"meta\":{\"meter\":\"C9\"}},"
		"\"date_format\":\"%Y-%m-%dT%H:%M:%S%z\",\"time\":\"t\",\"value\":\"m3\","
		"\"scale\":1000}\n"
		"t;m3\n"
		"2024-06-01T00:00:00+02:00;0,012\n"
		"2024-06-01T01:00:00+02:00;0,000\n"
		"2024-06-01T02:00:00+02:00;\n"
		"2024-06-01T03:00:00Z;1,5\n";
	static const char mapping[] =
		"{\"series\":{\"doctype\":\"water.consumption\",\"source\":\"regie\",\"key\":\"D1\","
		"\"unit\":\"L\",\"step_s\":86400,\"meta\":{\"meter\":\"D1\"}},"
		"\"date_format\":\"%d/%m/%Y\",\"time\":0,\"value\":1,\"header\":false}";
	static const char data[] = "01/06/2024;10\n02/06/2024;20\n";

	assert_int_equal(import_text(f, "s.csv", text, strlen(text), NULL, &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 3);
	import_job_release(&job);
	assert_int_equal(pstore_series_find(f->ps, "water.consumption", "regie", "C9", &def),
			 CMN_OK);
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &sum),
			 CMN_OK);
	assert_int_equal(sum, 12 + 0 + 1500);
	series_def_release(&def);

	snprintf(path, sizeof(path), "%s/mapping.json", f->dir);
	check_write_file(path, mapping, strlen(mapping));
	setenv("COMMUNE_IMPORT_MAPPING", path, 1);
	assert_int_equal(import_text(f, "d.csv", data, strlen(data), "mapping", &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 2);
	import_job_release(&job);
	unsetenv("COMMUNE_IMPORT_MAPPING");
	assert_int_equal(import_text(f, "d.csv", data, strlen(data), "mapping", &job),
			 CMN_ERR_INVALID);
	import_job_release(&job);
	/* a mapping that is wrong is reported with its pointer */
	assert_int_equal(import_text(f, "x.csv", "#commune-mapping {\"separator\":\"::\"}\n", 36,
				     "mapping", &job), CMN_ERR_INVALID);
	assert_string_equal(job.err.pointer, "/separator");
	import_job_release(&job);
	assert_int_equal(import_text(f, "y.csv", "#commune-mapping {nope\n", 23, "mapping", &job),
			 CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 1);
	import_job_release(&job);
}

/* the JSON variant: items of an array, columns as JSON pointers */
static void mapping_json(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct txns got;
	struct series_def def;
	long long sum = 0;
	char path[256];
	static const char records[] =
		"#commune-mapping {\"json\":{\"items\":\"operations\"},\"date_format\":\"%d/%m/%Y\","
		"\"doctype\":\"bank.transaction\",\"columns\":{\"date\":\"/when\","
		"\"amount\":\"/money/value\",\"label\":\"/what\",\"category\":\"/tags/0\"},"
		"\"constants\":{\"currency\":\"EUR\"}}\n"
		"{\"account\": {\"id\": 1}, \"operations\": [\n"
		"  {\"when\": \"01/03/2024\", \"what\": \"Rent\", \"money\": {\"value\": -700},"
		" \"tags\": [\"housing\"]},\n"
		"  {\"when\": \"02/03/2024\", \"what\": \"Caf\u00e9\", \"money\": {\"value\": -2.1}},\n"
		"  {\"when\": \"02/03/2024\", \"what\": \"Caf\u00e9\", \"money\": {\"value\": -2.1}},\n"
		"  {\"when\": \"15/03/2024\", \"what\": \"Allowance\", \"money\": {\"value\": \"210,55\"},"
		" \"tags\": null}\n"
		"]}\n";
	static const char bad[] =
		"#commune-mapping {\"json\":{\"items\":\"operations\"},\"doctype\":\"bank.transaction\","
		"\"columns\":{\"date\":\"/d\",\"amount\":\"/a\",\"label\":\"/l\"},"
		"\"constants\":{\"currency\":\"EUR\"}}\n"
		"{\"operations\": [{\"d\": \"2024-03-01\", \"a\": 1, \"l\": \"A\"},\n"
		"  {\"d\": \"2024-03-02\", \"a\": {\"x\": 1}, \"l\": \"B\"}]}\n";
	/* a series from an outer array, the mapping in a file of its own */
	static const char mapping[] =
		"{\"json\":{},\"series\":{\"doctype\":\"water.consumption\",\"source\":\"regie\","
		"\"key\":\"J1\",\"unit\":\"L\",\"step_s\":3600},"
		"\"date_format\":\"%Y-%m-%dT%H:%M:%S%z\",\"time\":\"/t\",\"value\":\"/m3\","
		"\"scale\":1000}";
	static const char points[] =
		"[{\"t\": \"2024-06-01T00:00:00+02:00\", \"m3\": 0.012},\n"
		" {\"t\": \"2024-06-01T01:00:00+02:00\", \"m3\": null},\n"
		" {\"t\": \"2024-06-01T02:00:00+02:00\", \"m3\": 1.5}]";
	static const char csvish[] = "#commune-mapping {\"json\":{},\"separator\":\",\"}\n[]";

	assert_int_equal(import_text(f, "m.json", records, strlen(records), NULL, &job), CMN_OK);
	assert_string_equal(job.format->name, "mapping");
	assert_int_equal(job.stats.records_created, 4);
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 4);
	assert_int_equal(got.cents, -70000 - 210 - 210 + 21055);
	assert_string_equal(got.first, "2024-03-01");
	assert_string_equal(got.last, "2024-03-15");
	assert_true(got.saw_utf8);
	assert_int_equal(import_text(f, "m.json", records, strlen(records), NULL, &job), CMN_OK);
	assert_int_equal(job.stats.records_duplicate, 4);
	import_job_release(&job);
	/* an object where a value is expected: the item's line and pointer */
	assert_int_equal(import_text(f, "bad.json", bad, strlen(bad), NULL, &job), CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 3);
	assert_string_equal(job.err.pointer, "/operations/1/a");
	import_job_release(&job);
	stored_txns(f, &got);
	assert_int_equal(got.count, 4);

	snprintf(path, sizeof(path), "%s/mapping-json.json", f->dir);
	check_write_file(path, mapping, strlen(mapping));
	setenv("COMMUNE_IMPORT_MAPPING", path, 1);
	assert_int_equal(import_text(f, "p.json", points, strlen(points), "mapping", &job), CMN_OK);
	assert_int_equal(job.stats.points_added, 2);
	import_job_release(&job);
	unsetenv("COMMUNE_IMPORT_MAPPING");
	assert_int_equal(pstore_series_find(f->ps, "water.consumption", "regie", "J1", &def),
			 CMN_OK);
	assert_int_equal(series_scan(f->ps, &def, INT64_MIN / 2, INT64_MAX / 2, add_up, &sum),
			 CMN_OK);
	assert_int_equal(sum, 12 + 1500);
	series_def_release(&def);
	/* CSV members with json are refused, with their pointer */
	assert_int_equal(import_text(f, "x.json", csvish, strlen(csvish), "mapping", &job),
			 CMN_ERR_INVALID);
	assert_string_equal(job.err.pointer, "/json");
	import_job_release(&job);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* A bank's row is stored as the person's transaction: one kept without its
 * value date, counterparty, account, category or reference (a jansson set
 * that failed unseen) would be a false record. Boursorama's rows have all
 * but the reference, Caisse d'Epargne's have it; a mapping's row is each
 * of its typed cells and its constants. */
static void rows_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char mapping[] =
		"#commune-mapping {\"separator\":\",\",\"decimal\":\".\",\"date_format\":\"%d/%m/%Y\","
		"\"doctype\":\"bank.transaction\",\"columns\":{\"date\":\"When\",\"amount\":2,"
		"\"label\":\"What\",\"category\":\"Kind\"},\"constants\":{\"currency\":\"EUR\"}}\n"
		"When,What,Amount,Kind\n"
		"01/03/2024,\"Rent, March\",-700.00,housing\n"
		"02/03/2024,Caf\xc3\xa9,-2.10,food\n"
		"02/03/2024,Caf\xc3\xa9,-2.10,food\n";

	snprintf(path, sizeof(path), "%s/export.csv", f->dir);
	check_write_file(path, boursorama, sizeof(boursorama) - 1);
	assert_true(import_whole_or_nothing(f, path, "bank-csv", "bank.transaction", 5) >= 30);
	snprintf(path, sizeof(path), "%s/telechargement.csv", f->dir);
	check_write_file(path, caisse_epargne, sizeof(caisse_epargne) - 1);
	assert_true(import_whole_or_nothing(f, path, "bank-csv", "bank.transaction", 4) >= 20);
	snprintf(path, sizeof(path), "%s/m.csv", f->dir);
	check_write_file(path, mapping, sizeof(mapping) - 1);
	assert_true(import_whole_or_nothing(f, path, "mapping", "bank.transaction", 3) >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimal_parsing),
		cmocka_unit_test_setup_teardown(bank_boursorama, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(bank_caisse_epargne, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(bank_fortuneo, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(bank_errors_import_nothing, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(water_index_and_volume, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(water_errors, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(mapping_records, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(mapping_series_and_env, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(mapping_json, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(rows_whole_or_nothing, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
