/*
 * test_import_ical.c - iCalendar files into calendar.event records: the
 * Google Calendar exports of ../shared/fixtures/ical (a weekday rule since
 * 2016 counted here day by day), and synthetic files for each rule the
 * importer reads (all-day, DST, BYDAY, -1FR, EXDATE, RECURRENCE-ID, folded
 * and escaped text) and for the errors that must import nothing; events
 * whole or not imported under each failed JSON allocation, and a long UID
 * cut at a character.
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
#include "import/import.h"
#include "record/doctype.h"
#include "series/series.h"
#include "store/store.h"

#define FIX        COMMUNE_FIXTURES "/ical/"
#define MAX_EVENTS 20000

/* The events in the store, by start: a JSON array (new reference). */
static enum cmn_rc collect(const struct record_meta *m, const char *data,
			   const struct query_value *sort_key, void *ctx)
{
	json_t *all = ctx, *o = json_loads(data, 0, NULL);

	(void)m;
	(void)sort_key;
	assert_non_null(o);
	json_array_append_new(all, o);
	return CMN_OK;
}

static json_t *events(struct fixture *f)
{
	struct store_query q = {
	    .doctype = "calendar.event", .sort = QSORT_TIME, .limit = MAX_EVENTS};
	json_t *all = json_array();

	assert_int_equal(pstore_record_query(f->ps, &q, collect, all), CMN_OK);
	return all;
}

static const char *field(json_t *all, size_t i, const char *name)
{
	const char *s = json_string_value(json_object_get(json_array_get(all, i), name));

	return s ? s : "(none)";
}

/* import_text - imports an in-memory file; returns the job's result. */
static enum cmn_rc import_text(struct fixture *f, const char *text, size_t len, struct import_job *job)
{
	return import_buffer(f->ps, &f->reg, "cli:test", text, len ? len : strlen(text), "t.ics",
			     "ical", job);
}

static void import_ok(struct fixture *f, const char *text, uint64_t created)
{
	struct import_job job;
	enum cmn_rc rc = import_text(f, text, 0, &job);

	if (rc != CMN_OK)
		fail_msg("import: %s (line %zu col %zu)", job.err.message, job.err.line,
			 job.err.column);
	assert_int_equal(job.stats.records_created, created);
	import_job_release(&job);
}

static void expect_error(struct fixture *f, const char *text, size_t len, size_t line, const char *words)
{
	struct import_job job;
	json_t *all = events(f);
	size_t before = json_array_size(all);

	json_decref(all);
	assert_int_equal(import_text(f, text, len, &job), CMN_ERR_INVALID);
	if (line)
		assert_int_equal(job.err.line, line);
	if (!strstr(job.err.message, words))
		fail_msg("message \"%s\" lacks \"%s\"", job.err.message, words);
	import_job_release(&job);
	all = events(f);
	assert_int_equal(json_array_size(all), before);
	json_decref(all);
}

static void google_alarms(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	char head[4096];
	FILE *fp = fopen(FIX "alarm_google_future.ics", "rb");
	size_t n;
	json_t *all;

	assert_non_null(fp);
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	assert_string_equal(import_detect(head, n, "x.ics", NULL, 0)->name, "ical");

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", FIX "alarm_google_future.ics",
				     "a.ics", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, 1);
	import_job_release(&job);
	all = events(f);
	assert_int_equal(json_array_size(all), 1);
	assert_string_equal(field(all, 0, "start"), "2024-10-04T18:15:00.000Z");
	assert_string_equal(field(all, 0, "end"), "2024-10-04T19:00:00.000Z");
	/* the VALARM's SUMMARY is not the event's */
	assert_string_equal(field(all, 0, "summary"), "event with alarms");
	assert_string_equal(field(all, 0, "uid"), "79fs7pkqvht9m5igs0vjv1sfra@google.com");
	json_decref(all);

	assert_int_equal(import_file(f->ps, &f->reg, "cli:test", FIX "alarm_google_future.ics",
				     "a.ics", NULL, &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, 1);
	import_job_release(&job);
}

/* x_location.ics: Mon-Fri at 14:00 Europe/Zurich from Friday 2016-10-28,
 * no end: expanded to two years after today. Counted here day by day. */
static void google_weekdays(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	int64_t today = time_floor_div(time_now_ms(), 86400000), y, last_y, end_day, d, last = 0;
	int m, dd, last_m, last_d;
	long weekdays = 0;
	char want[16];
	json_t *all;
	size_t n;

	time_civil_from_days(today, &y, &m, &dd);
	end_day = time_days_from_civil(y + 2, m, dd);
	for (d = time_days_from_civil(2016, 10, 28); d <= end_day; d++)
		if ((d + 3) % 7 < 5) { /* 1970-01-01 was a Thursday (3) */
			weekdays++;
			last = d;
		}
	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", FIX "x_location.ics", "x.ics", NULL, &job),
	    CMN_OK);
	assert_int_equal(job.stats.records_created, weekdays);
	import_job_release(&job);
	all = events(f);
	n = json_array_size(all);
	assert_int_equal(n, weekdays);
	/* CEST (+2) on the first Friday, CET (+1) after the change of Oct 30 */
	assert_string_equal(field(all, 0, "start"), "2016-10-28T12:00:00.000Z");
	assert_string_equal(field(all, 0, "end"), "2016-10-28T12:30:00.000Z");
	assert_string_equal(field(all, 1, "start"), "2016-10-31T13:00:00.000Z");
	assert_string_equal(field(all, 0, "location"), "Roadstar 16\n12764 Happyville\nDenmark");
	assert_string_equal(field(all, 0, "recurrence"), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
	time_civil_from_days(last, &last_y, &last_m, &last_d);
	snprintf(want, sizeof(want), "%04d-%02d-%02dT", (int)last_y, last_m, last_d);
	assert_memory_equal(field(all, n - 1, "start"), want, 11);
	assert_true(strcmp(field(all, n - 1, "start") + 11, "12:00:00.000Z") == 0 ||
		    strcmp(field(all, n - 1, "start") + 11, "13:00:00.000Z") == 0);
	json_decref(all);

	assert_int_equal(
	    import_file(f->ps, &f->reg, "cli:test", FIX "x_location.ics", "x.ics", NULL, &job),
	    CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, weekdays);
	import_job_release(&job);
}

#define CAL(body) "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" body "END:VCALENDAR\r\n"

static void all_day(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:a1\r\nDTSTART;VALUE=DATE:20240714\r\n"
		      "SUMMARY:Fete nationale\r\nEND:VEVENT\r\n"
		      "BEGIN:VEVENT\r\nUID:a2\r\nDTSTART;VALUE=DATE:20240801\r\n"
		      "DTEND;VALUE=DATE:20240804\r\nSUMMARY:Vacances\r\nEND:VEVENT\r\n"),
		  2);
	all = events(f);
	assert_string_equal(field(all, 0, "start"), "2024-07-14T00:00:00.000Z");
	assert_string_equal(field(all, 0, "end"), "2024-07-15T00:00:00.000Z");
	assert_true(json_is_true(json_object_get(json_array_get(all, 0), "all_day")));
	assert_string_equal(field(all, 1, "end"), "2024-08-04T00:00:00.000Z");
	json_decref(all);
}

/* A 09:00 Paris weekly meeting stays at 09:00 local across the change of
 * 2024-03-31: 08:00Z twice, then 07:00Z. */
static void tzid_across_dst(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:w1\r\nDTSTART;TZID=Europe/Paris:20240321T090000\r\n"
		      "DURATION:PT1H30M\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Point\r\n"
		      "END:VEVENT\r\n"
		      "BEGIN:VEVENT\r\nUID:w2\r\n"
		      "DTSTART;TZID=\"America/New_York\":20241025T090000\r\n"
		      "DTEND;TZID=America/New_York:20241025T100000\r\n"
		      "RRULE:FREQ=DAILY;INTERVAL=7;UNTIL=20241108T140000Z\r\n"
		      "SUMMARY:NY\r\nEND:VEVENT\r\n"),
		  7);
	all = events(f);
	assert_int_equal(json_array_size(all), 7);
	assert_string_equal(field(all, 0, "start"), "2024-03-21T08:00:00.000Z");
	assert_string_equal(field(all, 0, "end"), "2024-03-21T09:30:00.000Z");
	assert_string_equal(field(all, 1, "start"), "2024-03-28T08:00:00.000Z");
	assert_string_equal(field(all, 2, "start"), "2024-04-04T07:00:00.000Z");
	assert_string_equal(field(all, 2, "end"), "2024-04-04T08:30:00.000Z");
	assert_string_equal(field(all, 3, "start"), "2024-04-11T07:00:00.000Z");
	/* New York changes on Nov 3: 13:00Z, 13:00Z, then 14:00Z (09:00 EST),
	 * which UNTIL=...T140000Z still includes */
	assert_string_equal(field(all, 4, "start"), "2024-10-25T13:00:00.000Z");
	assert_string_equal(field(all, 5, "start"), "2024-11-01T13:00:00.000Z");
	assert_string_equal(field(all, 6, "start"), "2024-11-08T14:00:00.000Z");
	assert_string_equal(field(all, 6, "end"), "2024-11-08T15:00:00.000Z");
	json_decref(all);
}

static void weekly_byday_count(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {"2024-01-01", "2024-01-03", "2024-01-15", "2024-01-17",
					   "2024-01-29"};
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:b1\r\nDTSTART:20240101T100000Z\r\n"
		      "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5\r\nSUMMARY:Yoga\r\n"
		      "END:VEVENT\r\n"),
		  5);
	all = events(f);
	assert_int_equal(json_array_size(all), 5);
	for (size_t i = 0; i < 5; i++)
		assert_memory_equal(field(all, i, "start"), want[i], 10);
	json_decref(all);
}

static void monthly_last_friday_until(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {"2024-01-26", "2024-02-23", "2024-03-29", "2024-04-26",
					   "2024-05-31"};
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:c1\r\nDTSTART;TZID=Europe/Paris:20240126T180000\r\n"
		      "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20240531T160000Z\r\n"
		      "SUMMARY:Apero\r\nEND:VEVENT\r\n"
		      "BEGIN:VEVENT\r\nUID:c2\r\nDTSTART;VALUE=DATE:20240115\r\n"
		      "RRULE:FREQ=MONTHLY;BYMONTHDAY=15,-1;BYMONTH=1,2;UNTIL=20250101\r\n"
		      "SUMMARY:Loyer\r\nEND:VEVENT\r\n"),
		  9);
	all = events(f);
	/* c2: Jan 15, Jan 31, Feb 15, Feb 29 of 2024 */
	assert_string_equal(field(all, 0, "start"), "2024-01-15T00:00:00.000Z");
	assert_string_equal(field(all, 2, "start"), "2024-01-31T00:00:00.000Z");
	assert_string_equal(field(all, 5, "start"), "2024-02-29T00:00:00.000Z");
	json_decref(all);
	/* the -1FR series alone; UNTIL 16:00Z is 18:00 Paris on May 31: included */
	all = json_array();
	{
		json_t *every = events(f), *o;
		size_t i;

		json_array_foreach(every, i,
				   o) if (strcmp(json_string_value(json_object_get(o, "uid")),
						 "c1") == 0) json_array_append(all, o);
		json_decref(every);
	}
	assert_int_equal(json_array_size(all), 5);
	for (size_t i = 0; i < 5; i++)
		assert_memory_equal(field(all, i, "start"), want[i], 10);
	assert_string_equal(field(all, 0, "start"), "2024-01-26T17:00:00.000Z");
	assert_string_equal(field(all, 4, "start"), "2024-05-31T16:00:00.000Z");
	json_decref(all);
}

/* a rule with COUNT is expanded whole, however far in the future it starts
 * (the two-year window is for rules without an end) */
static void count_in_the_future(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:f1\r\nDTSTART;TZID=Europe/Paris:20300304T090000\r\n"
		      "RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Plus tard\r\nEND:VEVENT\r\n"),
		  10);
	all = events(f);
	assert_int_equal(json_array_size(all), 10);
	assert_memory_equal(field(all, 9, "start"), "2030-05-06", 10);
	json_decref(all);
}

/* BYSETPOS: the last working day of each month (p1), the last Sunday of
 * March and October (p2, the days the clocks change) */
static void bysetpos(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:p1\r\nDTSTART;TZID=Europe/Paris:20240131T170000\r\n"
		      "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6\r\n"
		      "SUMMARY:Fin de mois\r\nEND:VEVENT\r\n"
		      "BEGIN:VEVENT\r\nUID:p2\r\nDTSTART;VALUE=DATE:20240331\r\n"
		      "RRULE:FREQ=MONTHLY;BYMONTH=3,10;BYDAY=SU;BYSETPOS=-1;COUNT=4\r\n"
		      "SUMMARY:Changement d'heure\r\nEND:VEVENT\r\n"),
		  10);
	all = events(f);
	assert_int_equal(json_array_size(all), 10);
	/* sorted by start: p1 and p2 interleave */
	{
		static const char *const both[] = {"2024-01-31", "2024-02-29", "2024-03-29",
						   "2024-03-31", "2024-04-30", "2024-05-31",
						   "2024-06-28", "2024-10-27", "2025-03-30",
						   "2025-10-26"};

		for (size_t i = 0; i < 10; i++)
			assert_memory_equal(field(all, i, "start"), both[i], 10);
	}
	json_decref(all);
}

static void exdate_and_override(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const char text[] =
	    CAL("BEGIN:VEVENT\r\nUID:r1\r\nRECURRENCE-ID:20240513T100000Z\r\n"
		"DTSTART:20240514T150000Z\r\nDTEND:20240514T160000Z\r\n"
		"SUMMARY:Moved\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:r1\r\nDTSTART:20240506T100000Z\r\nDTEND:20240506T110000Z\r\n"
		"RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:e1\r\nDTSTART;TZID=Europe/Paris:20240201T090000\r\n"
		"RRULE:FREQ=DAILY;COUNT=5\r\n"
		"EXDATE;TZID=Europe/Paris:20240202T090000,20240204T090000\r\n"
		"SUMMARY:Daily\r\nEND:VEVENT\r\n");
	json_t *all;

	import_ok(f, text, 6);
	all = events(f);
	assert_int_equal(json_array_size(all), 6);
	/* e1: Feb 1, 3, 5 */
	assert_string_equal(field(all, 0, "start"), "2024-02-01T08:00:00.000Z");
	assert_string_equal(field(all, 1, "start"), "2024-02-03T08:00:00.000Z");
	assert_string_equal(field(all, 2, "start"), "2024-02-05T08:00:00.000Z");
	/* r1: May 6, the override on May 14 in place of May 13, May 20 */
	assert_string_equal(field(all, 3, "start"), "2024-05-06T10:00:00.000Z");
	assert_string_equal(field(all, 4, "start"), "2024-05-14T15:00:00.000Z");
	assert_string_equal(field(all, 4, "summary"), "Moved");
	assert_string_equal(field(all, 4, "recurrence"), "FREQ=WEEKLY;COUNT=3");
	assert_string_equal(field(all, 5, "start"), "2024-05-20T10:00:00.000Z");
	assert_string_equal(field(all, 5, "end"), "2024-05-20T11:00:00.000Z");
	json_decref(all);

	assert_int_equal(import_text(f, text, 0, &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, 6);
	import_job_release(&job);
}

/* Overrides before and after their series (read again after it, a VALARM
 * and a folded line included), one whose series is not in the file, and a
 * UID with two series: each leaves out the overridden start, the override
 * takes the first series' rule, and the second series' Apr 3 is the first's
 * (a duplicate). */
static void overrides_anywhere(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	static const char text[] =
	    CAL("BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID;TZID=Europe/Paris:20240311T090000\r\n"
		"DTSTART;TZID=Europe/Paris:20240312T140000\r\n"
		"DTEND;TZID=Europe/Paris:20240312T150000\r\nSUMMARY:Moved before\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s2\r\nRECURRENCE-ID:20240305T100000Z\r\n"
		"DTSTART:20240306T100000Z\r\nSUMMARY:No series\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s1\r\nDTSTART;TZID=Europe/Paris:20240304T090000\r\n"
		"DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s3\r\nDTSTART:20240401T080000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
		"SUMMARY:First series\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID;TZID=Europe/Paris:20240318T090000\r\n"
		"DTSTART;TZID=Europe/Paris:20240318T100000\r\nSUMMARY:Moved af\r\n ter\r\n"
		"BEGIN:VALARM\r\nSUMMARY:not this one\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
		"END:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s3\r\nRECURRENCE-ID:20240402T080000Z\r\n"
		"DTSTART:20240402T120000Z\r\nSUMMARY:Noon\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:s3\r\nDTSTART:20240402T080000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\n"
		"SUMMARY:Second series\r\nEND:VEVENT\r\n");
	static const char *const want[][3] = {
	    {"2024-03-04T08:00:00.000Z", "Weekly", "FREQ=WEEKLY;COUNT=4"},
	    {"2024-03-06T10:00:00.000Z", "No series", "(none)"},
	    {"2024-03-12T13:00:00.000Z", "Moved before", "FREQ=WEEKLY;COUNT=4"},
	    {"2024-03-18T09:00:00.000Z", "Moved after", "FREQ=WEEKLY;COUNT=4"},
	    {"2024-03-25T08:00:00.000Z", "Weekly", "FREQ=WEEKLY;COUNT=4"},
	    {"2024-04-01T08:00:00.000Z", "First series", "FREQ=DAILY;COUNT=3"},
	    {"2024-04-02T12:00:00.000Z", "Noon", "FREQ=DAILY;COUNT=3"},
	    {"2024-04-03T08:00:00.000Z", "First series", "FREQ=DAILY;COUNT=3"},
	};
	json_t *all;

	assert_int_equal(import_text(f, text, 0, &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 8);
	assert_int_equal(job.stats.records_duplicate, 1);
	assert_int_equal(job.stats.warnings, 0);
	import_job_release(&job);
	all = events(f);
	assert_int_equal(json_array_size(all), 8);
	for (size_t i = 0; i < 8; i++) {
		assert_string_equal(field(all, i, "start"), want[i][0]);
		assert_string_equal(field(all, i, "summary"), want[i][1]);
		assert_string_equal(field(all, i, "recurrence"), want[i][2]);
	}
	assert_string_equal(field(all, 2, "end"), "2024-03-12T14:00:00.000Z");
	json_decref(all);

	assert_int_equal(import_text(f, text, 0, &job), CMN_OK);
	assert_int_equal(job.stats.records_created, 0);
	assert_int_equal(job.stats.records_duplicate, 9);
	import_job_release(&job);
}

/* A file without BOM turns to Latin-1 at its first line that is not UTF-8
 * (line 11): an override read again after its series is read in the state
 * of its own lines (UTF-8 for m1's, Latin-1 for m2's), and the lines after
 * it in the state they had. */
static void overrides_in_latin1(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m1\r\nRECURRENCE-ID:20240502T100000Z\r\n"
		  "DTSTART:20240502T160000Z\r\nSUMMARY:Moved \xc3\xa0 midi\r\nEND:VEVENT\r\n"
		  "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20240430T100000Z\r\nSUMMARY:Caf\xe9\r\n"
		  "END:VEVENT\r\n"
		  "BEGIN:VEVENT\r\nUID:m2\r\nRECURRENCE-ID:20240603T100000Z\r\n"
		  "DTSTART:20240603T170000Z\r\nSUMMARY:D\xc3\xa9plac\xc3\xa9\r\nEND:VEVENT\r\n"
		  "BEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20240501T100000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\n"
		  "SUMMARY:S\xe9rie 1\r\nEND:VEVENT\r\n"
		  "BEGIN:VEVENT\r\nUID:m2\r\nDTSTART:20240602T100000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\n"
		  "SUMMARY:S\xc3\xa9rie 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		  5);
	all = events(f);
	assert_string_equal(field(all, 0, "summary"), "Caf\xc3\xa9");
	assert_string_equal(field(all, 1, "summary"), "S\xc3\xa9rie 1");
	assert_string_equal(field(all, 2, "summary"), "Moved \xc3\xa0 midi"); /* UTF-8 */
	assert_string_equal(field(all, 2, "start"), "2024-05-02T16:00:00.000Z");
	assert_string_equal(field(all, 3, "summary"), "S\xc3\x83\xc2\xa9rie 2");
	assert_string_equal(field(all, 4, "summary"), "D\xc3\x83\xc2\xa9plac\xc3\x83\xc2\xa9");
	assert_string_equal(field(all, 4, "recurrence"), "FREQ=DAILY;COUNT=2");
	json_decref(all);
}

/* exdates_text - an event at line 3 with n EXDATE values, 1,000 a line. */
static char *exdates_text(const char *uid, size_t n)
{
	size_t cap = 256 + n * 17 + n / 1000 * 16, len;
	char *t = malloc(cap);

	assert_non_null(t);
	len = (size_t)snprintf(t, cap, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:20240101T100000Z\r\n", uid);
	for (size_t i = 0; i < n; i++) {
		int64_t y, day = time_days_from_civil(2025, 1, 1) + (int64_t)i;
		int m, d;

		time_civil_from_days(day, &y, &m, &d);
		len += (size_t)snprintf(t + len, cap - len, "%s%04d%02d%02dT100000Z%s",
					i % 1000 ? "" : "EXDATE:", (int)y, m, d,
					i % 1000 == 999 || i + 1 == n ? "\r\n" : ",");
	}
	snprintf(t + len, cap - len, "END:VEVENT\r\n");
	return t;
}

/* EXDATE values are counted by event: two events of 60,000 import, one of
 * 100,001 is refused at the line of the 100,001st. */
static void exdates_per_event(void **state)
{
	struct fixture *f = *state;
	char *a = exdates_text("ea", 60000), *b = exdates_text("eb", 60000);
	char *c = exdates_text("ec", 100001);
	size_t cap = strlen(a) + strlen(b) + strlen(c) + 64;
	char *text = malloc(cap);

	assert_non_null(text);
	snprintf(text, cap, "BEGIN:VCALENDAR\r\n%s%sEND:VCALENDAR\r\n", a, b);
	import_ok(f, text, 2);
	snprintf(text, cap, "BEGIN:VCALENDAR\r\n%sEND:VCALENDAR\r\n", c);
	/* BEGIN:VCALENDAR, BEGIN:VEVENT, UID, DTSTART, then 100 full lines */
	expect_error(f, text, 0, 105, "more than 100000 EXDATE values in one event");
	free(a);
	free(b);
	free(c);
	free(text);
}

static void folded_and_escaped(void **state)
{
	struct fixture *f = *state;
	json_t *all;

	import_ok(f,
		  CAL("BEGIN:VEVENT\r\nUID:t\r\n ext\r\nDTSTART:20240301T100000Z\r\n"
		      "SUMMARY:R\xc3\xa9union\\, bilan\\; suite\\\\fin\\nligne 2 sur une li\r\n"
		      "\tgne pli\xc3\xa9\r\n  e\r\n"
		      "LOCATION;LANGUAGE=fr;X-P=\"a;b:c\":Salle\\, 2\r\n"
		      "categories:Travail\\,perso,Autre\r\nEND:VEVENT\r\n"),
		  1);
	all = events(f);
	assert_string_equal(field(all, 0, "uid"), "text");
	assert_string_equal(
	    field(all, 0, "summary"),
	    "R\xc3\xa9union, bilan; suite\\fin\nligne 2 sur une ligne pli\xc3\xa9 e");
	assert_string_equal(field(all, 0, "location"), "Salle, 2");
	assert_string_equal(field(all, 0, "category"), "Travail,perso");
	json_decref(all);
}

static void zones_floating_and_fallback(void **state)
{
	struct fixture *f = *state;
	struct import_job job;
	json_t *all;

	assert_int_equal(
	    import_text(f,
			CAL("BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n"
			    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n"
			    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
			    "END:VTIMEZONE\r\n"
			    "BEGIN:VEVENT\r\nUID:z1\r\n"
			    "DTSTART;TZID=Romance Standard Time:20240701T090000\r\n"
			    "SUMMARY:Outlook\r\nEND:VEVENT\r\n"
			    "BEGIN:VEVENT\r\nUID:z2\r\nDTSTART:20240702T090000\r\n"
			    "SUMMARY:Floating\r\nEND:VEVENT\r\n"
			    "BEGIN:VEVENT\r\nUID:z3\r\nDTSTART;TZID=/mozilla.org/"
			    "20050126_1/Europe/Paris:20240703T090000\r\n"
			    "SUMMARY:Mozilla\r\nEND:VEVENT\r\n"),
			0, &job),
	    CMN_OK);
	assert_int_equal(job.stats.records_created, 3);
	assert_int_equal(job.nwarnings, 2);
	import_job_release(&job);
	all = events(f);
	assert_string_equal(field(all, 0, "start"), "2024-07-01T08:00:00.000Z"); /* +01 all year */
	assert_string_equal(field(all, 1, "start"), "2024-07-02T07:00:00.000Z"); /* Paris CEST */
	assert_string_equal(field(all, 2, "start"), "2024-07-03T07:00:00.000Z");
	json_decref(all);
	expect_error(f,
		     CAL("BEGIN:VEVENT\r\nDTSTART;TZID=Nowhere/Land:20240701T090000\r\n"
			 "END:VEVENT\r\n"),
		     0, 4, "TZID");
}

static void occurrence_cap(void **state)
{
	struct fixture *f = *state;
	struct import_job job;

	assert_int_equal(import_text(f,
				     CAL("BEGIN:VEVENT\r\nUID:d\r\nDTSTART:19900101T080000Z\r\n"
					 "RRULE:FREQ=DAILY\r\nSUMMARY:Every day\r\nEND:VEVENT\r\n"),
				     0, &job),
			 CMN_OK);
	assert_int_equal(job.stats.records_created, 10000);
	assert_int_equal(job.nwarnings, 1);
	assert_non_null(strstr(job.warnings[0], "10000"));
	import_job_release(&job);
}

static void errors_import_nothing(void **state)
{
	struct fixture *f = *state;
	static const char nul[] = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20240101\r\n"
				  "SUMMARY:a\0b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	size_t deep = 100000, n;
	char *big = malloc(16 + deep * 9 + 1);

	/* the first event is fine, the second has no DTSTART: nothing is kept */
	expect_error(f,
		     CAL("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nSUMMARY:ok\r\n"
			 "END:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:no start\r\nEND:VEVENT\r\n"),
		     0, 7, "DTSTART");
	expect_error(f, "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\n", 0, 3,
		     "has no END:VEVENT");
	expect_error(f, nul, sizeof(nul) - 1, 0, "NUL");
	expect_error(f, CAL("BEGIN:VEVENT\r\nDTSTART:20240230T100000Z\r\nEND:VEVENT\r\n"), 0, 4,
		     "date-time");
	expect_error(f,
		     CAL("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nRRULE:FREQ=SOMETIMES\r\n"
			 "END:VEVENT\r\n"),
		     0, 5, "RRULE");
	expect_error(f, CAL("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nEND:VTODO\r\n"), 0, 5,
		     "expected END:VEVENT");
	expect_error(f, "SUMMARY:hello\r\n", 0, 1, "BEGIN:VCALENDAR");
	expect_error(f, "", 0, 0, "empty");
	expect_error(f,
		     CAL("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nno colon here\r\n"
			 "END:VEVENT\r\n"),
		     0, 5, "NAME");

	assert_non_null(big);
	n = (size_t)snprintf(big, 17, "BEGIN:VCALENDAR\n");
	for (size_t i = 0; i < deep; i++, n += 8)
		memcpy(big + n, "BEGIN:X\n", 8);
	big[n] = '\0';
	expect_error(f, big, n, 9, "nested deeper");
	free(big);
}

/* ---- whole or nothing under a failed allocation ------------------------------ */

/* An event is stored as the person's agenda: one kept without its end,
 * UID, place, category or rule (a jansson set that failed unseen) would be
 * a false record, and one without its UID would be found again as another
 * event. A weekly rule's two occurrences with every member, and an
 * all-day event without a UID (deduplicated by its content). */
static void events_whole_or_nothing(void **state)
{
	struct fixture *f = *state;
	char path[256];
	static const char text[] =
		CAL("BEGIN:VEVENT\r\nUID:w1@example.org\r\nDTSTART:20240101T100000Z\r\n"
		    "DTEND:20240101T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"
		    "SUMMARY:R\xc3\xa9union\r\nLOCATION:Salle 2\r\nCATEGORIES:Travail\r\n"
		    "END:VEVENT\r\n"
		    "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20240105\r\nSUMMARY:F\xc3\xaate\r\n"
		    "END:VEVENT\r\n");

	snprintf(path, sizeof(path), "%s/whole.ics", f->dir);
	check_write_file(path, text, sizeof(text) - 1);
	assert_true(import_whole_or_nothing(f, path, "ical", "calendar.event", 3) >= 20);
}

/* A UID is kept to its first 255 bytes, cut before a character that would
 * not fit whole: a cut inside it was no UTF-8, and the event was kept
 * without a UID (found again as another event on the next import). */
static void long_uid_cut_at_a_character(void **state)
{
	struct fixture *f = *state;
	static const char tail[] = "\xc3\xa9@example.org"; /* "é" at bytes 255 and 256 */
	char text[1024], uid[254 + sizeof(tail)], want[255];
	json_t *all;
	int n;

	memset(uid, 'a', 254);
	memcpy(uid + 254, tail, sizeof(tail));
	memset(want, 'a', 254);
	want[254] = '\0';
	n = snprintf(text, sizeof(text),
		     CAL("BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:20240101T100000Z\r\n"
			 "SUMMARY:x\r\nEND:VEVENT\r\n"),
		     uid);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	import_ok(f, text, 1);
	all = events(f);
	assert_int_equal(json_array_size(all), 1);
	assert_string_equal(field(all, 0, "uid"), want);
	json_decref(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(google_alarms, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(google_weekdays, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(all_day, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(tzid_across_dst, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(weekly_byday_count, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(monthly_last_friday_until, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(bysetpos, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(count_in_the_future, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(exdate_and_override, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(overrides_anywhere, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(overrides_in_latin1, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(exdates_per_event, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(folded_and_escaped, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(zones_floating_and_fallback, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(occurrence_cap, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(errors_import_nothing, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(events_whole_or_nothing, check_setup, check_teardown),
	    cmocka_unit_test_setup_teardown(long_uid_cut_at_a_character, check_setup,
					    check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
