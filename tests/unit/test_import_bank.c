/*
 * test_import_bank.c - bank statements: the OFX and camt.053 files of
 * ../shared/fixtures imported and checked against figures recomputed here
 * by a deliberately naive scan of the file (count of STMTTRN / Ntry, sum of
 * TRNAMT / signed Amt in cents, first and last dates), re-imports that
 * change nothing, the defective files of fixtures/ofx/fail_nice, encodings,
 * and hostile inputs (billion laughs, deep nesting, NUL, invalid UTF-8, a
 * huge tag name) that must fail fast, at a line, writing nothing; and
 * statements whole or not imported under each failed JSON allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture.h"
#include "importfail.h"

#include "core/timeutil.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define OFX_DIR COMMUNE_FIXTURES "/ofx/"
#define CAMT_DIR COMMUNE_FIXTURES "/camt/"

/* ---- the file's own figures, read with nothing of commune's ---------------- */

struct truth {
	long count;
	long long cents;
	char first[11], last[11];            /* smallest and largest date */
};

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *text = malloc(1 << 20);

	assert_non_null(fp);
	assert_non_null(text);
	*n = fread(text, 1, (1 << 20) - 1, fp);
	text[*n] = '\0';
	fclose(fp);
	return text;
}

/* naive_cents - "-316.67", "120", "8.85" -> cents; stops at the first
 * character that is not part of the number. */
static long long naive_cents(const char *p)
{
	long long units = 0, frac = 0;
	int sign = 1, digits = 0;

	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	while (*p >= '0' && *p <= '9')
		units = units * 10 + (*p++ - '0');
	if (*p == '.' || *p == ',')
		for (p++; *p >= '0' && *p <= '9' && digits < 2; digits++)
			frac = frac * 10 + (*p++ - '0');
	while (digits++ < 2)
		frac *= 10;
	return sign * (units * 100 + frac);
}

static void see_date(struct truth *t, const char *date)
{
	if (!t->first[0] || strcmp(date, t->first) < 0)
		memcpy(t->first, date, 11);
	if (!t->last[0] || strcmp(date, t->last) > 0)
		memcpy(t->last, date, 11);
}

static void ofx_truth(const char *path, struct truth *t)
{
	size_t n;
	char *text = slurp(path, &n), *p = text;

	memset(t, 0, sizeof(*t));
	while ((p = strstr(p, "<STMTTRN>")) != NULL) {
		char *amt = strstr(p, "<TRNAMT>"), *dt = strstr(p, "<DTPOSTED>"), date[11];

		assert_non_null(amt);
		assert_non_null(dt);
		t->count++;
		t->cents += naive_cents(amt + 8);
		snprintf(date, sizeof(date), "%.4s-%.2s-%.2s", dt + 10, dt + 14, dt + 16);
		see_date(t, date);
		p++;
	}
	free(text);
}

static void camt_truth(const char *path, struct truth *t)
{
	size_t n;
	char *text = slurp(path, &n), *p = text;

	memset(t, 0, sizeof(*t));
	while ((p = strstr(p, "<Ntry>")) != NULL) {
		char *amt = strstr(p, "<Amt"), *ind = strstr(p, "<CdtDbtInd>");
		char *bookg = strstr(p, "<BookgDt>"), *d, date[11];

		assert_non_null(amt);
		assert_non_null(ind);
		assert_non_null(bookg);
		amt = strchr(amt, '>') + 1;
		t->count++;
		t->cents += (strncmp(ind + 11, "DBIT", 4) == 0 ? -1 : 1) * naive_cents(amt);
		d = strchr(bookg + 9, '<');
		d = strchr(d, '>') + 1;
		snprintf(date, sizeof(date), "%.10s", d);
		see_date(t, date);
		p++;
	}
	free(text);
}

/* ---- what the store holds ------------------------------------------------- */

struct stored {
	long count;
	long long cents;
	char first[11], last[11];
	char labels[8][520];
	char accounts[8][70];
	char counterparties[8][210];
};

static enum cmn_rc add_row(const struct record_meta *m, const char *data,
			   const struct query_value *key, void *pv)
{
	struct stored *s = pv;
	json_t *rec = json_loads(data, 0, NULL);
	double amount;
	const char *date;
	struct truth t = {0};

	(void)m;
	(void)key;
	assert_non_null(rec);
	amount = json_number_value(json_object_get(rec, "amount"));
	date = json_string_value(json_object_get(rec, "date"));
	assert_non_null(date);
	assert_int_equal(strlen(json_string_value(json_object_get(rec, "currency"))), 3);
	memcpy(t.first, s->first, 11);
	memcpy(t.last, s->last, 11);
	see_date(&t, date);
	memcpy(s->first, t.first, 11);
	memcpy(s->last, t.last, 11);
	s->cents += amount < 0 ? (long long)(amount * 100 - 0.5) : (long long)(amount * 100 + 0.5);
	if (s->count < 8) {
		const char *cp = json_string_value(json_object_get(rec, "counterparty"));
		const char *acct = json_string_value(json_object_get(rec, "account"));

		snprintf(s->labels[s->count], sizeof(s->labels[0]), "%s",
			 json_string_value(json_object_get(rec, "label")));
		snprintf(s->accounts[s->count], sizeof(s->accounts[0]), "%s", acct ? acct : "");
		snprintf(s->counterparties[s->count], sizeof(s->counterparties[0]), "%s",
			 cp ? cp : "");
	}
	s->count++;
	json_decref(rec);
	return CMN_OK;
}

static void read_stored(struct fixture *f, struct stored *s)
{
	struct store_query q;

	memset(&q, 0, sizeof(q));
	memset(s, 0, sizeof(*s));
	q.doctype = "bank.transaction";
	q.sort = QSORT_ID;
	q.limit = 100000;
	assert_int_equal(pstore_record_query(f->ps, &q, add_row, s), CMN_OK);
}

/* import_and_check - imports path (detected), checks the figures, then
 * imports it again: everything a duplicate, nothing new. */
static void import_and_check(struct fixture *f, const char *path, const char *format,
			     const struct truth *t)
{
	struct import_job job;
	struct stored s;
	char head[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, path, NULL, 0)->name, format);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "statement", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, t->count);
	assert_int_equal(job.stats.records_duplicate, 0);
	import_job_release(&job);
	read_stored(f, &s);
	assert_int_equal(s.count, t->count);
	assert_int_equal(s.cents, t->cents);
	assert_string_equal(s.first, t->first);
	assert_string_equal(s.last, t->last);

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "statement", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, t->count);
	import_job_release(&job);
	read_stored(f, &s);
	assert_int_equal(s.count, t->count);
}

/* ---- OFX -------------------------------------------------------------------- */

static void ofx_medium_sgml(void **state)
{
	struct fixture *f = *state;
	struct truth t;
	struct stored s;

	ofx_truth(OFX_DIR "bank_medium.ofx", &t);
	assert_int_equal(t.count, 3);
	assert_int_equal(t.cents, -34527);
	import_and_check(f, OFX_DIR "bank_medium.ofx", "ofx", &t);
	read_stored(f, &s);
	assert_string_equal(s.accounts[0], "12300 000012345678");
}

static void ofx_checking_sgml(void **state)
{
	struct fixture *f = *state;
	struct truth t;

	ofx_truth(OFX_DIR "checking.ofx", &t);
	assert_int_equal(t.count, 3);
	assert_string_equal(t.first, "2011-03-31");
	import_and_check(f, OFX_DIR "checking.ofx", "ofx", &t);
}

static void ofx_suncorp_xml(void **state)
{
	struct fixture *f = *state;
	struct truth t;
	struct stored s;

	ofx_truth(OFX_DIR "suncorp.ofx", &t);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.cents, -1685);
	import_and_check(f, OFX_DIR "suncorp.ofx", "ofx", &t);
	read_stored(f, &s);
	/* CDATA, trimmed; MEMO repeats NAME so it is the label */
	assert_string_equal(s.labels[0], "EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU");
}

static void ofx_empty_statement(void **state)
{
	struct fixture *f = *state;
	struct truth t;

	/* <OFX></OFX>: a valid file with nothing in it */
	ofx_truth(OFX_DIR "bank_small.ofx", &t);
	assert_int_equal(t.count, 0);
	import_and_check(f, OFX_DIR "bank_small.ofx", "ofx", &t);
}

static void assert_nothing_written(struct fixture *f)
{
	struct stored s;

	read_stored(f, &s);
	assert_int_equal(s.count, 0);
}

static void ofx_fail_nice(void **state)
{
	struct fixture *f = *state;
	struct import_job job;

	/* the first STMTTRN (line 33) has no DTPOSTED; the second an empty one,
	 * the third 2012-02-31 */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", OFX_DIR "fail_nice/date_missing.ofx",
				     "date_missing.ofx", "ofx", &job), CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 33);
	assert_non_null(strstr(job.err.message, "DTPOSTED"));
	import_job_release(&job);
	assert_nothing_written(f);

	/* a blank LEDGERBAL/BALAMT (line 38): the file is defective even if its
	 * one transaction is fine, and a file is all or nothing */
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test",
				     OFX_DIR "fail_nice/empty_balance.ofx", "empty_balance.ofx",
				     NULL, &job), CMN_ERR_INVALID);
	assert_int_equal(job.err.line, 38);
	assert_non_null(strstr(job.err.message, "BALAMT"));
	import_job_release(&job);
	assert_nothing_written(f);
}

static void ofx_cp1252_comma_and_entities(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct stored s;
	char path[256];
	static const char sgml[] =
		"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\n"
		"CHARSET:1252\r\n\r\n"
		"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\r\n"
		"<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
		"<BANKTRANLIST>\r\n"
		"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240131<TRNAMT>-12,5<FITID>A1"
		"<NAME>Caf\xe9 \x80 AT&T &amp; co</STMTTRN>\r\n"
		"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240201235959.000[+1:CET]<TRNAMT>+1000"
		"<FITID>A2<PAYEE><NAME>Employer</PAYEE></STMTTRN>\r\n"
		"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n";

	snprintf(path, sizeof(path), "%s/cp1252.ofx", f->dir);
	check_write_file(path, sgml, sizeof(sgml) - 1);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "x.ofx", NULL, &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 2);
	import_job_release(&job);
	read_stored(f, &s);
	assert_int_equal(s.cents, 100000 - 1250);
	assert_string_equal(s.first, "2024-01-31");
	assert_string_equal(s.last, "2024-02-01");
	for (int i = 0; i < 2; i++) {
		if (strcmp(s.labels[i], "CREDIT") == 0) {
			assert_string_equal(s.counterparties[i], "Employer");
		} else {
			assert_string_equal(s.labels[i], "Caf\xc3\xa9 \xe2\x82\xac AT&T & co");
			assert_string_equal(s.accounts[i], "FR76 0001");
		}
	}
}

/* two identical coffees without FITID are two transactions, and reading the
 * file again (or a longer file that repeats them) adds nothing */
static void ofx_identical_without_fitid(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct stored s;
	char path[256];
	static const char head[] =
		"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n"
		"<BANKACCTFROM><BANKID>1<ACCTID>42<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
		"<BANKTRANLIST>\n";
	static const char coffee[] =
		"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240131<TRNAMT>-2.10<NAME>CAFE</STMTTRN>\n";
	static const char tail[] = "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n";
	char text[1024];

	snprintf(text, sizeof(text), "%s%s%s%s", head, coffee, coffee, tail);
	snprintf(path, sizeof(path), "%s/coffee.ofx", f->dir);
	check_write_file(path, text, strlen(text));
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "c.ofx", "ofx", &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 2);
	import_job_release(&job);
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "c.ofx", "ofx", &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, 2);
	import_job_release(&job);
	/* a third coffee in a longer export: one more */
	snprintf(text, sizeof(text), "%s%s%s%s%s", head, coffee, coffee, coffee, tail);
	check_write_file(path, text, strlen(text));
	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "c.ofx", "ofx", &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 1);
	assert_int_equal(job.stats.records_duplicate, 2);
	import_job_release(&job);
	read_stored(f, &s);
	assert_int_equal(s.cents, -3 * 210);
}

static void ofx_bad_values(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	char path[256];
	static const char *const bad[] = {
		/* three decimals */
		"<OFX><STMTRS><CURDEF>EUR<BANKTRANLIST>\n<STMTTRN><DTPOSTED>20240101"
		"<TRNAMT>1.005<FITID>1</STMTTRN></BANKTRANLIST></STMTRS></OFX>",
		/* not a currency */
		"<OFX><STMTRS>\n<CURDEF>euro<BANKTRANLIST><STMTTRN><DTPOSTED>20240101"
		"<TRNAMT>1<FITID>1</STMTTRN></BANKTRANLIST></STMTRS></OFX>",
		/* an end tag that closes nothing */
		"<OFX><STMTRS><CURDEF>EUR\n</STMTTRN></STMTRS></OFX>",
		/* truncated */
		"<OFX><STMTRS><CURDEF>EUR\n<BANKTRANLIST><STMTTRN><DTPOSTED>20240101",
	};

	snprintf(path, sizeof(path), "%s/bad.ofx", f->dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_write_file(path, bad[i], strlen(bad[i]));
		assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "bad.ofx", "ofx",
					     &job), CMN_ERR_INVALID);
		assert_true(job.err.line >= 1);
		import_job_release(&job);
	}
	assert_nothing_written(f);
}

/* ---- camt.053 --------------------------------------------------------------- */

static void camt_fixtures(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = {
		"camt053.v2.minimal.xml", "camt053.v2.multi.statement.xml", "camt053.v4.xml",
		"camt053.v8.xml",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		struct truth t;
		struct stored s;

		/* each file alone in a fresh store: they share accounts and refs */
		if (i) {
			check_teardown(state);
			check_setup(state);
			f = *state;
		}
		snprintf(path, sizeof(path), "%s%s", CAMT_DIR, files[i]);
		camt_truth(path, &t);
		assert_true(t.count >= 1);
		import_and_check(f, path, "camt053", &t);
		read_stored(f, &s);
		assert_string_equal(s.accounts[0], "NL26VAYB8060476890");
	}
}

static void camt_mapping(void **state)
{
	struct fixture *f = *state;
	struct stored s;
	struct truth t;

	/* v8: DtTm, Sts/Cd, Pty/Nm; the credit's counterparty is its debtor */
	camt_truth(CAMT_DIR "camt053.v8.xml", &t);
	import_and_check(f, CAMT_DIR "camt053.v8.xml", "camt053", &t);
	read_stored(f, &s);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.first, "2014-12-31");
	assert_string_equal(s.counterparties[0], "NAME NAME");
}

static void camt_multi_statement(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct stored s;
	int found = 0;

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test",
				     CAMT_DIR "camt053.v2.multi.statement.xml", "m.xml", NULL, &job),
			 CMN_OK);
	import_job_release(&job);
	read_stored(f, &s);
	/* one entry in each of the two statements: a credit and a debit */
	assert_int_equal(s.count, 2);
	assert_int_equal(s.cents, 885 - 700);
	for (int i = 0; i < 2; i++)
		found += strncmp(s.labels[i], "Transaction Description ", 24) == 0;
	assert_int_equal(found, 2);
}

static void camt_bad_values(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	char path[256];
	static const char *const bad[] = {
		/* DBIT spelled otherwise */
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		"<BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt>\n"
		"<CdtDbtInd>DEBIT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>",
		/* a negative Amt */
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		"<BkToCstmrStmt><Stmt><Ntry>\n<Amt Ccy=\"EUR\">-1.00</Amt>"
		"</Ntry></Stmt></BkToCstmrStmt></Document>",
		/* mismatched end tag */
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		"<BkToCstmrStmt><Stmt>\n</Ntry></Stmt></BkToCstmrStmt></Document>",
		/* another namespace */
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\">"
		"</Document>",
		/* no date */
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		"<BkToCstmrStmt><Stmt>\n<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>DBIT"
		"</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>",
	};

	snprintf(path, sizeof(path), "%s/bad.xml", f->dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_write_file(path, bad[i], strlen(bad[i]));
		assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, "bad.xml", "camt053",
					     &job), CMN_ERR_INVALID);
		assert_true(job.err.line >= 1);
		import_job_release(&job);
	}
	assert_nothing_written(f);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* A statement's transaction is stored as the person's data: one kept
 * without its counterparty, account, value date or FITID (a jansson set
 * that failed unseen) would be a false record, and one keyed by its
 * content would not even be found again as the same transaction. OFX: a
 * transaction with every member, one without FITID (keyed by its
 * content); camt.053 v8's entry with every member, and the two
 * statements' entries without a reference. */
static void statements_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char ofx[] =
		"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n"
		"<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
		"<BANKTRANLIST>\n"
		"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240131<DTAVAIL>20240201<TRNAMT>-12.50"
		"<FITID>A1<NAME>CAFE<MEMO>ticket 42<PAYEE><NAME>Cafe du Port</PAYEE></STMTTRN>\n"
		"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240202<TRNAMT>1000<NAME>SALAIRE</STMTTRN>\n"
		"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n";

	snprintf(path, sizeof(path), "%s/whole.ofx", f->dir);
	check_write_file(path, ofx, sizeof(ofx) - 1);
	assert_true(import_whole_or_nothing(f, path, "ofx", "bank.transaction", 2) >= 12);
	assert_true(import_whole_or_nothing(f, CAMT_DIR "camt053.v8.xml", "camt053", "bank.transaction",
				     1) >= 8);
	assert_true(import_whole_or_nothing(f, CAMT_DIR "camt053.v2.multi.statement.xml", "camt053",
				     "bank.transaction", 2) >= 10);
}

/* ---- hostile input ------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* hostile - imports data with both formats: each must fail, at a line,
 * in well under a second, writing nothing. */
static void hostile(struct fixture *f, const char *what, const char *data, size_t n)
{
	static const char *const formats[] = {"ofx", "camt053"};
	char path[256];

	snprintf(path, sizeof(path), "%s/hostile", f->dir);
	check_write_file(path, data, n);
	for (size_t i = 0; i < 2; i++) {
		struct import_job job;
		double t0 = now_s();

		assert_int_equal(import_file(f->ps, &f->reg, "cli:test", path, what, formats[i],
					     &job), CMN_ERR_INVALID);
		if (job.err.line == 0)
			fail_msg("%s (%s): no line in \"%s\"", what, formats[i], job.err.message);
		assert_true(now_s() - t0 < 2.0);
		import_job_release(&job);
	}
	assert_nothing_written(f);
}

static void hostile_inputs(void **state)
{
	struct fixture *f = *state;
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		"]>\n<OFX>&lol9;</OFX>\n";
	static const char entity_use[] =
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">&lol9;</Document>";
	static const char nul[] = "<?xml version=\"1.0\"?>\n<OFX>\n<A>x\0y</A></OFX>";
	static const char bad_utf8[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				       "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
				       "\n<A>caf\xe9 \xc3</A></Document>";
	size_t big = 1 << 20;
	char *deep = malloc(10000 * 4 + 1), *name = malloc(big + 3);

	hostile(f, "billion laughs", laughs, sizeof(laughs) - 1);
	hostile(f, "undefined entity", entity_use, sizeof(entity_use) - 1);
	hostile(f, "NUL byte", nul, sizeof(nul) - 1);
	hostile(f, "invalid UTF-8", bad_utf8, sizeof(bad_utf8) - 1);
	for (int i = 0; i < 10000; i++)
		memcpy(deep + 4 * i, "<a>\n", 4);
	hostile(f, "10,000 nested tags", deep, 10000 * 4);
	name[0] = '<';
	memset(name + 1, 'A', big);
	name[big + 1] = '>';
	hostile(f, "a 1 MB tag name", name, big + 2);
	hostile(f, "empty", "", 0);
	hostile(f, "no markup", "hello\n", 6);
	free(deep);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ofx_medium_sgml, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_identical_without_fitid, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_checking_sgml, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_suncorp_xml, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_empty_statement, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_fail_nice, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_cp1252_comma_and_entities, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(ofx_bad_values, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(camt_fixtures, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(camt_mapping, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(camt_multi_statement, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(camt_bad_values, check_setup, check_teardown),
		cmocka_unit_test_setup_teardown(statements_whole_or_nothing, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(hostile_inputs, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
