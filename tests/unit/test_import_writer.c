/*
 * test_import_writer.c - the record writer thread of an import
 * (src/import/writer.c): files of more records than its queue holds, with
 * repeats, count and store what a file holds once; an error near the end
 * of a file, or a failed write in the middle, leaves the store as it was;
 * records and series points of one file both arrive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks.h"
#include "fixture.h"

#include "core/buf.h"
#include "core/str.h"
#include "crypto/crypt.h"
#include "import/import.h"
#include "store/store.h"

#define NTX 5000   /* transactions in the file: about five queues' worth */
#define REPEAT 7   /* every 7th repeats an earlier FITID */

/* the amount of transaction i, in cents: negative and positive, varied */
static long long cents(int i)
{
	return (i % 3 == 0 ? 1 : -1) * (100 + (i * 7919LL) % 99900);
}

/* ofx - an OFX 1.02 file of n transactions; when bad_at >= 0, transaction
 * bad_at has an amount that is not one. Sets *sum to the cents of the
 * distinct FITIDs and *distinct to their number. */
static char *ofx(int n, int bad_at, long long *sum, int *distinct)
{
	struct buf b;

	buf_init(&b, 64u << 20);
	*sum = 0;
	*distinct = 0;
	buf_puts(&b, "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\n"
		     "CHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\r\n"
		     "<BANKACCTFROM><BANKID>1<ACCTID>FR76 0001<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
		     "<BANKTRANLIST>\r\n");
	for (int i = 0; i < n; i++) {
		/* a repeat is the same transaction as one seven places back */
		int k = i % REPEAT == REPEAT - 1 ? i - 3 : i;
		long long c = cents(k);

		if (k == i) {
			*sum += c;
			(*distinct)++;
		}
		buf_printf(&b,
			   "<STMTTRN><TRNTYPE>%s<DTPOSTED>2024%02d%02d<TRNAMT>%s%lld.%02lld"
			   "<FITID>T%06d<NAME>SHOP %d</STMTTRN>\r\n",
			   c < 0 ? "DEBIT" : "CREDIT", 1 + k % 12, 1 + k % 28, c < 0 ? "-" : "",
			   (c < 0 ? -c : c) / 100, (c < 0 ? -c : c) % 100, k, k % 50);
		if (i == bad_at)
			buf_puts(&b, "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240101<TRNAMT>12.x5"
				     "<FITID>BAD</STMTTRN>\r\n");
	}
	buf_puts(&b, "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n");
	return buf_steal(&b);
}

struct tally {
	long long cents;
	int n;
};

static enum cmn_rc add(const struct record_meta *m, const char *data,
		       const struct query_value *sort_key, void *ctx)
{
	struct tally *t = ctx;
	json_t *r = json_loads(data, 0, NULL);
	double amount = json_real_value(json_object_get(r, "amount"));

	(void)m;
	(void)sort_key;
	if (json_is_integer(json_object_get(r, "amount")))
		amount = (double)json_integer_value(json_object_get(r, "amount"));
	t->cents += amount < 0 ? (long long)(amount * 100 - 0.5) : (long long)(amount * 100 + 0.5);
	t->n++;
	json_decref(r);
	return CMN_OK;
}

static struct tally stored(struct fixture *f)
{
	struct store_query q = {.doctype = "bank.transaction", .sort = QSORT_ID, .limit = 1000000};
	struct tally t = {0};

	assert_int_equal(pstore_record_query(f->ps, &q, add, &t), CMN_OK);
	return t;
}

static void import_text(struct fixture *f, const char *text, enum cmn_rc want,
			struct import_job *job)
{
	assert_int_equal(import_buffer(f->ps, &f->reg, "cli:test", text, strlen(text), "t.ofx",
				       NULL, job),
			 want);
}

static void many_records_with_repeats(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	long long sum;
	int distinct;
	char *text = ofx(NTX, -1, &sum, &distinct);
	struct tally t;

	assert_int_equal(distinct, NTX - NTX / REPEAT);
	import_text(f, text, CMN_OK, &job);
	assert_int_equal(job.stats.records_created, distinct);
	assert_int_equal(job.stats.records_duplicate, NTX / REPEAT);
	assert_int_equal(job.nwritten, 1);
	assert_string_equal(job.written[0], "bank.transaction");
	import_job_release(&job);
	t = stored(f);
	assert_int_equal(t.n, distinct);
	assert_int_equal(t.cents, sum);

	/* again: all of them are there already */
	import_text(f, text, CMN_OK, &job);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, NTX);
	assert_int_equal(job.nwritten, 0);
	import_job_release(&job);
	assert_int_equal(stored(f).n, distinct);
	free(text);
}

static void late_error_imports_nothing(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	long long sum;
	int distinct;
	/* the bad amount comes after more records than the queue holds:
	 * the writer has stored some of them by then */
	char *text = ofx(NTX, NTX - 10, &sum, &distinct);

	import_text(f, text, CMN_ERR_INVALID, &job);
	assert_true(job.err.line > (size_t)NTX);
	assert_non_null(strstr(job.err.message, "12.x5"));
	import_job_release(&job);
	assert_int_equal(stored(f).n, 0);
	free(text);
}

/* A write that fails in the middle (a record the store refuses, which no
 * format makes): the reader learns of it at a later put, the stop returns
 * it, and the transaction around it all is rolled back. */
static void failed_write_stops_the_import(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	enum cmn_rc first = CMN_OK, rc;
	int puts = 0;

	memset(&job, 0, sizeof(job));
	job.ps = f->ps;
	job.reg = &f->reg;
	assert_int_equal(pstore_tx_begin(f->ps), CMN_OK);
	for (int i = 0; i < 3 * NTX && first == CMN_OK; i++) {
		struct record_meta m = {0};
		char text[128];

		crypt_uuid7_new(m.id);
		if (i == 1500)
			str_copy(m.id, sizeof(m.id), "not-a-uuid");
		str_copy(m.doctype, sizeof(m.doctype), "bank.transaction");
		str_copy(m.source, sizeof(m.source), "import:test");
		m.t = INT64_MIN;
		snprintf(text, sizeof(text),
			 "{\"date\":\"2024-01-01\",\"amount\":%d,\"currency\":\"EUR\",\"label\":\"x\"}",
			 i);
		first = import_writer_put(&job, &m, strdup(text));
		puts++;
	}
	/* refused before the file's end: it stopped the reader */
	assert_int_equal(first, CMN_ERR_INVALID);
	assert_true(puts < 3 * NTX);
	rc = import_writer_stop(&job);
	assert_int_equal(rc, CMN_ERR_INVALID);
	assert_null(job.writer);
	assert_int_not_equal(pstore_tx_end(f->ps, rc), CMN_OK);
	assert_int_equal(stored(f).n, 0);
	import_job_release(&job);
}

/* A GPX file gives trips (records) and positions (a series) in one
 * import: the points wait for the queued records (import_writer_drain). */
static void records_and_points(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	struct buf b;
	int ntracks = 1500;

	buf_init(&b, 16u << 20);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<gpx version=\"1.1\" creator=\"t\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n");
	for (int i = 0; i < ntracks; i++) {
		int day = 1 + i % 28, hour = 6 + (i / 28) % 12, min = (i / 336) * 6;

		buf_printf(&b, "<trk><name>t%d</name><trkseg>", i);
		for (int p = 0; p < 4; p++)
			buf_printf(&b,
				   "<trkpt lat=\"45.%04d\" lon=\"4.%04d\"><time>2024-03-%02dT%02d:%02d:%02dZ"
				   "</time></trkpt>",
				   1000 + p * 40, 2000 + p * 40, day, hour, min, p * 15);
		buf_puts(&b, "</trkseg></trk>\n");
	}
	buf_puts(&b, "</gpx>\n");
	assert_int_equal(import_buffer(f->ps, &f->reg, "cli:test", b.data, b.len, "t.gpx", "gpx",
				       &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, ntracks);
	/* a latitude and a longitude a point (docs/import/gpx.md), no altitude */
	assert_int_equal(job.stats.series_created, 2);
	assert_int_equal(job.stats.points_added, 2 * 4 * ntracks);
	assert_int_equal(job.nwritten, 2);
	import_job_release(&job);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(many_records_with_repeats, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(late_error_imports_nothing, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(failed_write_stops_the_import, check_setup,
						check_teardown),
		cmocka_unit_test_setup_teardown(records_and_points, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
