/*
 * test_apps.c - apps (src/apps/): packages and their faults, packing
 * (whole or not under each failed JSON allocation), certificates, the host
 * API, and hostile apps. Each hostile app must be stopped with a clear
 * outcome, leave the store as it was (nothing it wrote is kept, its chain
 * still verifies) and leave the process well.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "apps/app.h"
#include "core/timeutil.h"
#include "fixture.h"
#include "jsonfail.h"
#include "store/store_apps.h"
#include "series/series.h"

static struct fixture f;

#define READ_TRIPS "[{\"doctype\": \"mobility.trip\", \"fields\": [\"start\", \"mode\", \"distance_m\"]}]"
#define WRITE_NONE "[]"

/* package_text - a package's JSON with this Lua, these read and write
 * permissions and these limits (a JSON object, or NULL). malloc'd. */
static char *package_text(const char *lua, const char *read, const char *write, const char *limits)
{
	json_t *mf = json_pack(
		"{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:{s:o, s:o, s:[]},"
		" s:[{s:s}]}",
		"id", "test-app", "version", "1.0.0", "publisher", "name", "Tests", "name", "fr",
		"Essai", "en", "Test", "description", "fr", "Une app d'essai", "en", "A test app",
		"entry", "main.lua", "permissions", "read", json_loads(read, 0, NULL), "write",
		json_loads(write, 0, NULL), "datasets", "triggers", "on", "demand");
	json_t *doc;
	char *text;

	assert_non_null(mf);
	if (limits)
		json_object_set_new(mf, "limits", json_loads(limits, 0, NULL));
	doc = json_pack("{s:s, s:o, s:{s:s}}", "format", "commune-app/1", "manifest", mf, "files",
			"main.lua", lua);
	assert_non_null(doc);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return text;
}

static void load(struct app_package *p, const char *lua, const char *read, const char *write,
		 const char *limits)
{
	char *text = package_text(lua, read, write, limits), err[300] = "";

	if (app_package_parse(text, strlen(text), &f.reg, p, err, sizeof(err)) != CMN_OK)
		fail_msg("package: %s", err);
	free(text);
}

/* run - runs a package on alice's store, its outcome into r. */
static void run(const struct app_package *p, struct app_run *r)
{
	struct app_host h = {f.ps, &f.reg, "app:test-app@1.0.0", "demand", NULL, time_now_ms(), false};

	assert_int_equal(app_run(p, &h, r), CMN_OK);
}

static enum cmn_rc one(const struct record_meta *m, const char *d, const struct query_value *k,
		       void *c)
{
	(void)m;
	(void)d;
	(void)k;
	(*(int64_t *)c)++;
	return CMN_OK;
}

static int64_t count_records(const char *doctype)
{
	struct store_query q = {0};
	int64_t n = 0;

	q.doctype = doctype;
	q.sort = QSORT_ID;
	q.limit = 1000000;
	assert_int_equal(pstore_record_query(f.ps, &q, one, &n), CMN_OK);
	return n;
}

static void add_trip(const char *start, const char *mode, int meters)
{
	struct record_meta m = {0};
	char data[300];

	snprintf(data, sizeof(data),
		 "{\"start\":\"%s\",\"end\":\"%s\",\"mode\":\"%s\",\"distance_m\":%d,"
		 "\"purpose\":\"work\"}",
		 start, start, mode, meters);
	snprintf(m.doctype, sizeof(m.doctype), "mobility.trip");
	crypt_uuid7_new(m.id);
	snprintf(m.source, sizeof(m.source), "test");
	assert_int_equal(time_parse(start, true, &m.t), CMN_OK);
	assert_int_equal(pstore_record_insert(f.ps, &m, data, "test"), CMN_OK);
}

static int setup(void **state)
{
	(void)state;
	if (fixture_open(&f, "alice") != 0)
		return -1;
	add_trip("2024-03-01T08:00:00Z", "bike", 4200);
	add_trip("2024-03-02T08:00:00Z", "car", 12000);
	add_trip("2024-04-01T08:00:00Z", "bus", 7000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	series_zone_release();
	return 0;
}

/* ---- packages ------------------------------------------------------------------ */

static void fault_of(const char *text, const char *want)
{
	struct app_package p;
	char err[300] = "";

	if (app_package_parse(text, strlen(text), &f.reg, &p, err, sizeof(err)) != CMN_ERR_INVALID)
		fail_msg("accepted: %.200s", text);
	if (!strstr(err, want))
		fail_msg("\"%s\", not \"%s\"", err, want);
}

/* fault_in - the fault of a good package with member pointer (in the
 * manifest) set to json (NULL: removed). */
static void fault_in(const char *key, const char *json, const char *want)
{
	char *text = package_text("function run() end", READ_TRIPS, WRITE_NONE, NULL), *bad;
	json_t *doc = json_loads(text, 0, NULL), *mf = json_object_get(doc, "manifest");

	if (json)
		json_object_set_new(mf, key, json_loads(json, JSON_DECODE_ANY, NULL));
	else
		json_object_del(mf, key);
	bad = json_dumps(doc, JSON_COMPACT);
	fault_of(bad, want);
	free(bad);
	free(text);
	json_decref(doc);
}

static void package_faults(void **state)
{
	(void)state;
	fault_of("{\"format\": ", "line 1");
	fault_of("[]", ": an object");
	fault_of("{\"format\":\"zip\",\"manifest\":{},\"files\":{\"a\":\"b\"}}", "/format");
	fault_of("{\"format\":\"commune-app/1\",\"manifest\":{},\"files\":{}}", "/files");
	fault_of("{\"format\":\"commune-app/1\",\"manifest\":{},\"files\":{\"../x\":\"b\"}}",
		 "/files/../x");
	fault_of("{\"format\":\"commune-app/1\",\"manifest\":{},\"files\":{\"a\":1}}", "/files/a");
	fault_of("{\"format\":\"commune-app/1\",\"extra\":1,\"manifest\":{},\"files\":{\"a\":\"b\"}}",
		 "/extra");
	fault_in("id", "\"Coach CO2\"", "/manifest/id");
	fault_in("version", "\"1.0\"", "/manifest/version");
	fault_in("name", "{\"fr\":\"Essai\"}", "/manifest/name/en");
	fault_in("entry", "\"other.lua\"", "/manifest/entry");
	fault_in("entry", NULL, "/manifest/entry");
	fault_in("ui", "\"ui.html\"", "/manifest/ui");
	fault_in("network", "true", "/manifest/network");
	fault_in("permissions", "{\"read\":[{\"doctype\":\"no.such\"}]}",
		 "/manifest/permissions/read/0");
	fault_in("permissions", "{\"read\":[{\"doctype\":\"mobility.trip\",\"fields\":[\"a b\"]}]}",
		 "/manifest/permissions/read/0/fields/0");
	fault_in("permissions", "{\"write\":[\"energy.electricity.load_curve\"]}",
		 "/manifest/permissions/write/0");
	fault_in("permissions", "{\"datasets\":[\"secret.list\"]}",
		 "/manifest/permissions/datasets/0");
	fault_in("permissions", "{\"network\":[\"example.org\"]}", "/manifest/permissions/network");
	fault_in("triggers", "[{\"on\":\"data\",\"doctype\":\"bank.transaction\"}]",
		 "/manifest/triggers/0");
	fault_in("triggers", "[{\"on\":\"schedule\",\"every\":\"second\"}]", "/manifest/triggers/0");
	fault_in("triggers", "[]", "/manifest/triggers");
	fault_in("limits", "{\"memory_mb\":4096}", "/manifest/limits/memory_mb");
	fault_in("limits", "{\"seconds\":3600}", "/manifest/limits/seconds");
	fault_in("outputs", "[{\"doctype\":\"bank.transaction\",\"share_with\":[],"
			    "\"purpose\":{\"fr\":\"x\",\"en\":\"x\"}}]",
		 "/manifest/outputs/0");
}

/* the same sources give the same bytes; what they give is a valid package */
static void packing(void **state)
{
	char dir[160], path[200], err[300] = "", *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	struct app_package p;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pack", f.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"id\":\"packed\",\"version\":\"0.1.0\",\"publisher\":{\"name\":\"T\"},"
	      "\"name\":{\"fr\":\"É\",\"en\":\"E\"},\"description\":{\"fr\":\"d\",\"en\":\"d\"},"
	      "\"entry\":\"main.lua\",\"permissions\":{},\"triggers\":[{\"on\":\"demand\"}]}",
	      fp);
	fclose(fp);
	if (app_pack(dir, &f.reg, &a, &na, err, sizeof(err)) != CMN_ERR_INVALID)
		fail_msg("packed without its entry");
	assert_non_null(strstr(err, "main.lua"));
	snprintf(path, sizeof(path), "%s/main.lua", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("function run(ctx) return {ok = true} end\n", fp);
	fclose(fp);
	assert_int_equal(app_pack(dir, &f.reg, &a, &na, err, sizeof(err)), CMN_OK);
	assert_int_equal(app_pack(dir, &f.reg, &b, &nb, err, sizeof(err)), CMN_OK);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(app_package_parse(a, na, &f.reg, &p, err, sizeof(err)), CMN_OK);
	assert_string_equal(p.m.id, "packed");
	assert_int_equal(strlen(p.sha256), 64);
	app_package_release(&p);
	free(b);
	/* each of jansson's allocations failing in turn: NOMEM, not a package
	 * refused for a file the sources have (a set that failed unseen), or
	 * the very bytes */
	for (size_t fail_at = 1;; fail_at++) {
		enum cmn_rc rc;

		b = NULL;
		jsonfail_arm(fail_at);
		rc = app_pack(dir, &f.reg, &b, &nb, err, sizeof(err));
		jsonfail_disarm();
		if (rc != CMN_OK && rc != CMN_ERR_NOMEM)
			fail_msg("allocation %zu failed: %s (%s)", fail_at, cmn_strerror(rc), err);
		if (rc == CMN_OK && (nb != na || memcmp(a, b, na) != 0))
			fail_msg("allocation %zu failed: other bytes", fail_at);
		free(b);
		if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
			break;
	}
	free(a);
}

/* a certificate covers the exact bytes, and only the platform key signs it */
static void certificates(void **state)
{
	char *text = package_text("function run() return 1 end", READ_TRIPS, WRITE_NONE, NULL);
	char err[300], *jws, *tampered;
	struct app_package p, q;
	struct keyring other;
	char dir[160];

	(void)state;
	assert_int_equal(app_package_parse(text, strlen(text), &f.reg, &p, err, sizeof(err)), CMN_OK);
	jws = app_sign(&f.keys, &p);
	assert_non_null(jws);
	assert_true(app_certificate_check(&f.keys, jws, &p));
	/* one byte changed in the package: another digest, no certificate */
	tampered = strdup(text);
	*strstr(tampered, "return 1") = ' ';
	assert_int_equal(
		app_package_parse(tampered, strlen(tampered), &f.reg, &q, err, sizeof(err)), CMN_OK);
	assert_false(app_certificate_check(&f.keys, jws, &q));
	app_package_release(&q);
	/* a signature changed, or another platform's key */
	jws[strlen(jws) - 3] = jws[strlen(jws) - 3] == 'A' ? 'B' : 'A';
	assert_false(app_certificate_check(&f.keys, jws, &p));
	jws[strlen(jws) - 3] = jws[strlen(jws) - 3] == 'A' ? 'B' : 'A';
	snprintf(dir, sizeof(dir), "%s/other.key", f.dir);
	assert_int_equal(keyring_open(&other, dir, KEYRING_CREATE), CMN_OK);
	assert_false(app_certificate_check(&other, jws, &p));
	keyring_release(&other);
	assert_false(app_certificate_check(&f.keys, "not.a.jws", &p));
	free(jws);
	free(tampered);
	free(text);
	app_package_release(&p);
}

/* ---- the host API ---------------------------------------------------------------- */

#define RESULT_DOCTYPE "[\"social.allowance\"]"

/* what a good app reads, writes, returns and leaves in the chain */
static void good_run(void **state)
{
	struct app_package p;
	struct app_run r;
	int64_t before = count_records("social.allowance");

	(void)state;
	load(&p,
	     "function run(ctx)\n"
	     "  local trips, next = commune.records('mobility.trip', {limit = 2})\n"
	     "  assert(#trips == 2 and next, 'two trips and a next page')\n"
	     "  assert(trips[1].data.purpose == nil, 'only the fields asked for')\n"
	     "  local rest, last = commune.records('mobility.trip', {after = next})\n"
	     "  assert(#rest == 1 and last == nil, 'the last page')\n"
	     "  local march = commune.records('mobility.trip', {from = '2024-03-01', to = '2024-04-01'})\n"
	     "  local km = 0\n"
	     "  for _, t in ipairs(march) do km = km + t.data.distance_m / 1000 end\n"
	     "  commune.write('social.allowance', {period_start = '2024-03-01', kind = 'other',\n"
	     "                amount = km, payer = 'other'})\n"
	     "  local c = commune.calendar(commune.time('2024-03-31T01:30:00Z'))\n"
	     "  commune.log('hour ' .. c.hour)\n"
	     "  return {km = km, trips = #march, hour = c.hour, wday = c.wday, day = c.day,\n"
	     "          yday = c.yday, when = commune.format(ctx.now - ctx.now % 1000)}\n"
	     "end\n",
	     READ_TRIPS, RESULT_DOCTYPE, NULL);
	run(&p, &r);
	if (r.outcome != APP_OK)
		fail_msg("%s: %s", app_outcome_name(r.outcome), r.error);
	assert_true(json_real_value(json_object_get(r.result, "km")) == 16.2);
	assert_int_equal(json_integer_value(json_object_get(r.result, "trips")), 2);
	/* 01:30 UTC on 31 March 2024 is 03:30 in Paris, summer time, a Sunday */
	assert_int_equal(json_integer_value(json_object_get(r.result, "hour")), 3);
	assert_int_equal(json_integer_value(json_object_get(r.result, "wday")), 7);
	assert_int_equal(json_integer_value(json_object_get(r.result, "day")), 31);
	assert_int_equal(json_integer_value(json_object_get(r.result, "yday")), 91);
	assert_string_equal(json_string_value(json_array_get(r.log, 0)), "hour 3");
	assert_int_equal(r.records_read, 5);
	assert_int_equal(r.records_written, 1);
	assert_int_equal(count_records("social.allowance"), before + 1);
	app_run_release(&r);
	/* a second run replaces the first one's records */
	run(&p, &r);
	assert_int_equal(r.outcome, APP_OK);
	assert_int_equal(r.records_replaced, 1);
	assert_int_equal(count_records("social.allowance"), before + 1);
	app_run_release(&r);
	app_package_release(&p);
}

/* series: the list, raw points and calendar buckets */
static void series_api(void **state)
{
	struct series_def def = {0};
	struct series_point pts[48];
	struct series_write res;
	struct app_package p;
	struct app_run r;
	const char *why = NULL;
	int64_t t0;

	(void)state;
	snprintf(def.doctype, sizeof(def.doctype), "energy.electricity.load_curve");
	snprintf(def.source, sizeof(def.source), "test");
	snprintf(def.key, sizeof(def.key), "meter");
	snprintf(def.unit, sizeof(def.unit), "W");
	snprintf(def.tz, sizeof(def.tz), "Europe/Paris");
	def.step = 1800000;
	if (series_create(f.ps, &f.reg, &def, "test", &why) != CMN_OK)
		fail_msg("series: %s", why);
	assert_int_equal(time_parse("2024-01-15T00:00:00Z", true, &t0), CMN_OK);
	for (int i = 0; i < 48; i++) {
		pts[i].t = t0 + (int64_t)i * 1800000;
		pts[i].v = 100 + i;
	}
	assert_int_equal(series_append(f.ps, &def, pts, 48, "test", &res, &why), CMN_OK);
	series_def_release(&def);
	load(&p,
	     "function run()\n"
	     "  local s = commune.series('energy.electricity.load_curve')\n"
	     "  assert(#s == 1 and s[1].unit == 'W' and s[1].step == 1800000)\n"
	     "  local ts, vs = commune.points(s[1].id, '2024-01-15', '2024-01-16')\n"
	     "  local sum = 0\n"
	     "  for i = 1, #vs do sum = sum + vs[i] end\n"
	     "  local days = commune.buckets(s[1].id, '2024-01-01', '2024-02-01', 'day')\n"
	     "  return {n = #ts, sum = sum, days = #days, first = days[1].count}\n"
	     "end\n",
	     "[{\"doctype\": \"energy.electricity.load_curve\"}]", WRITE_NONE, NULL);
	run(&p, &r);
	if (r.outcome != APP_OK)
		fail_msg("%s: %s", app_outcome_name(r.outcome), r.error);
	assert_int_equal(json_integer_value(json_object_get(r.result, "n")), 48);
	assert_int_equal(json_integer_value(json_object_get(r.result, "sum")), 48 * 100 + 47 * 48 / 2);
	/* 48 UTC half-hours span two Paris days: 01:00 on the 15th to 01:00 on the 16th */
	assert_int_equal(json_integer_value(json_object_get(r.result, "days")), 2);
	assert_int_equal(r.points_read, 48);
	app_run_release(&r);
	app_package_release(&p);
}

/* ---- hostile apps ---------------------------------------------------------------- */

struct hostile {
	const char *what, *lua, *read, *write, *limits;
	enum app_outcome want;
	const char *says;                 /* in the error */
};

static const struct hostile hostile[] = {
	{"an infinite loop", "function run() while true do end end", READ_TRIPS, WRITE_NONE,
	 "{\"instructions\": 1000000}", APP_ERR_INSTRUCTIONS, "instructions"},
	{"a loop past its time", "function run() while true do end end", READ_TRIPS, WRITE_NONE,
	 "{\"instructions\": 500000000, \"seconds\": 1}", APP_ERR_DEADLINE, "time"},
	{"a loop that catches its stop",
	 "function run() while true do pcall(function() while true do end end) end end",
	 READ_TRIPS, WRITE_NONE, "{\"instructions\": 1000000}", APP_ERR_INSTRUCTIONS,
	 "instructions"},
	{"deep recursion", "local function f(n) return 1 + f(n + 1) end function run() f(1) end",
	 READ_TRIPS, WRITE_NONE, "{\"memory_mb\": 64}", APP_ERR_SCRIPT, "stack overflow"},
	{"a string bomb", "function run() local s = string.rep('x', 1 << 30) end", READ_TRIPS,
	 WRITE_NONE, "{\"memory_mb\": 8}", APP_ERR_MEMORY, "memory"},
	{"a doubling string",
	 "function run() local s = 'x' while true do s = s .. s end end", READ_TRIPS, WRITE_NONE,
	 "{\"memory_mb\": 8}", APP_ERR_MEMORY, "memory"},
	{"a growing table",
	 "function run() local t = {} for i = 1, 1e9 do t[i] = {i} end end", READ_TRIPS,
	 WRITE_NONE, "{\"memory_mb\": 8}", APP_ERR_MEMORY, "memory"},
	{"a memory bomb under pcall",
	 "function run() while true do pcall(function() local t = {} for i = 1, 1e9 do t[i] = i"
	 " end end) end end",
	 READ_TRIPS, WRITE_NONE, "{\"memory_mb\": 8}", APP_ERR_MEMORY, "memory"},
	{"io", "function run() return io.open('/etc/passwd'):read('a') end", READ_TRIPS,
	 WRITE_NONE, NULL, APP_ERR_SCRIPT, "io"},
	{"os", "function run() os.execute('touch /tmp/pwned') end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "os"},
	{"require", "function run() require('socket') end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "require"},
	{"debug", "function run() debug.sethook() end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "debug"},
	{"load", "function run() load('return 1')() end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "load"},
	{"dofile", "function run() dofile('/etc/passwd') end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "dofile"},
	{"string.dump", "function run() return string.dump(run) end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "dump"},
	{"collectgarbage", "function run() collectgarbage('stop') end", READ_TRIPS, WRITE_NONE,
	 NULL, APP_ERR_SCRIPT, "collectgarbage"},
	{"bytecode", "\x1bLua\x54\x00\x19\x93\r\n\x1a\n", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_SCRIPT, "binary"},
	{"a finalizer", "function run() setmetatable({}, {__gc = function() while true do end end})"
			" end",
	 READ_TRIPS, WRITE_NONE, NULL, APP_ERR_SCRIPT, "__gc"},
	{"a backtracking pattern",
	 "function run() return string.find(string.rep('a', 100000), '.-.-.-b') end", READ_TRIPS,
	 WRITE_NONE, NULL, APP_ERR_SCRIPT, "pattern"},
	{"reading an undeclared doctype",
	 "function run() return commune.records('bank.transaction') end", READ_TRIPS, WRITE_NONE,
	 NULL, APP_ERR_PERMISSION, "bank.transaction"},
	{"reading it under pcall",
	 "function run() pcall(commune.records, 'bank.transaction') return 1 end", READ_TRIPS,
	 WRITE_NONE, NULL, APP_ERR_PERMISSION, "bank.transaction"},
	{"reading undeclared series",
	 "function run() return commune.series('energy.gas.consumption') end", READ_TRIPS,
	 WRITE_NONE, NULL, APP_ERR_PERMISSION, "energy.gas.consumption"},
	{"an undeclared dataset", "function run() return commune.dataset('ademe.transport') end",
	 READ_TRIPS, WRITE_NONE, NULL, APP_ERR_PERMISSION, "dataset"},
	{"writing an undeclared doctype",
	 "function run() commune.write('bank.transaction', {date = '2024-01-01', amount = 1,"
	 " currency = 'EUR', label = 'x'}) end",
	 READ_TRIPS, RESULT_DOCTYPE, NULL, APP_ERR_PERMISSION, "bank.transaction"},
	{"writing an invalid record, after a good one",
	 "function run() commune.write('social.allowance', {period_start = '2024-03-01', kind ="
	 " 'other', amount = 1, payer = 'other'}) commune.write('social.allowance', {amount ="
	 " 'lots'}) end",
	 READ_TRIPS, RESULT_DOCTYPE, NULL, APP_ERR_INVALID, "social.allowance"},
	{"writing, then failing",
	 "function run() commune.write('social.allowance', {period_start = '2024-03-01', kind ="
	 " 'other', amount = 1, payer = 'other'}) error('and then it broke') end",
	 READ_TRIPS, RESULT_DOCTYPE, NULL, APP_ERR_SCRIPT, "and then it broke"},
	{"no run function", "x = 1", READ_TRIPS, WRITE_NONE, NULL, APP_ERR_SCRIPT, "run(ctx)"},
	{"returning a function", "function run() return run end", READ_TRIPS, WRITE_NONE, NULL,
	 APP_ERR_INVALID, "function"},
};

static enum cmn_rc last_entry(const struct audit_entry *e, void *out)
{
	json_decref(*(json_t **)out);
	*(json_t **)out = json_pack("{s:s, s:s, s:s}", "actor", e->actor, "action", e->action,
				    "detail", e->detail);
	return CMN_OK;
}

static void hostile_apps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(*hostile); i++) {
		const struct hostile *h = &hostile[i];
		int64_t trips = count_records("mobility.trip");
		int64_t results = count_records("social.allowance"), count = 0, bad = 0;
		struct app_package p;
		struct app_run r;
		json_t *last = NULL;

		load(&p, h->lua, h->read, h->write, h->limits);
		run(&p, &r);
		if (r.outcome != h->want || !strstr(r.error, h->says))
			fail_msg("%s: %s \"%s\", not %s \"%s\"", h->what, app_outcome_name(r.outcome),
				 r.error, app_outcome_name(h->want), h->says);
		/* nothing kept, the chain intact and telling how it ended */
		assert_int_equal(count_records("mobility.trip"), trips);
		assert_int_equal(count_records("social.allowance"), results);
		assert_int_equal(pstore_audit_verify(f.ps, &count, &bad), CMN_OK);
		assert_int_equal(pstore_audit_each(f.ps, NULL, 0, 1000000, last_entry, &last), CMN_OK);
		assert_string_equal(json_string_value(json_object_get(last, "action")), "app.run");
		assert_non_null(strstr(json_string_value(json_object_get(last, "detail")),
				       app_outcome_name(h->want)));
		json_decref(last);
		assert_true(r.elapsed_us < 3 * 1000000); /* stopped, not left running */
		app_run_release(&r);
		app_package_release(&p);
	}
	assert_int_equal(access("/tmp/pwned", F_OK), -1);
}

/* ---- triggers ------------------------------------------------------------------- */

static void schedule_times(void **state)
{
	int64_t now, want;

	(void)state;
	/* the day after, at 03:00 in Paris: the night of the change to summer time */
	assert_int_equal(time_parse("2024-03-30T12:00:00Z", true, &now), CMN_OK);
	assert_int_equal(time_parse("2024-03-31T01:00:00Z", true, &want), CMN_OK);
	assert_int_equal(app_schedule_next("day", now), want);
	/* the next Monday, from a Wednesday */
	assert_int_equal(time_parse("2024-03-27T10:00:00Z", true, &now), CMN_OK);
	assert_int_equal(time_parse("2024-04-01T01:00:00Z", true, &want), CMN_OK);
	assert_int_equal(app_schedule_next("week", now), want);
	/* from a Monday morning after 03:00: the Monday after */
	assert_int_equal(time_parse("2024-04-01T05:00:00Z", true, &now), CMN_OK);
	assert_int_equal(time_parse("2024-04-08T01:00:00Z", true, &want), CMN_OK);
	assert_int_equal(app_schedule_next("week", now), want);
	/* the first of the next month, across a year, in winter time */
	assert_int_equal(time_parse("2024-12-15T10:00:00Z", true, &now), CMN_OK);
	assert_int_equal(time_parse("2025-01-01T02:00:00Z", true, &want), CMN_OK);
	assert_int_equal(app_schedule_next("month", now), want);
}

static enum cmn_rc count_runs(const struct app_run_row *r, void *n)
{
	(void)r;
	(*(int *)n)++;
	return CMN_OK;
}

/* a scheduler's tick on a thread of its own */
struct ticker {
	const struct app_env *env;
	int64_t now;
	size_t ran;
	enum cmn_rc rc;
};

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;

	t->rc = app_schedule_tick(t->env, t->now, &t->ran);
	store_thread_done();
	return NULL;
}

/* installed with its triggers: new trips wake it, bank data does not; its
 * schedule runs it when due and then moves on; removed, nothing runs */
static void triggers(void **state)
{
	struct app_env env = {f.s, &f.keys, &f.reg, false};
	char bank[1][CMN_DOCTYPE_NAME_MAX + 1] = {"bank.transaction"};
	char written[1][CMN_DOCTYPE_NAME_MAX + 1] = {"mobility.trip"};
	json_t *doc, *mf;
	struct app_package p;
	char *text, err[300] = "";
	size_t ran = 0;
	int runs = 0;
	int64_t now = time_now_ms();

	(void)state;
	/* a scheduled run lasts a while: long enough for a second scheduler
	 * to find it due while the first is in it (below) */
	text = package_text("function run(ctx)\n"
			    "  if ctx.trigger == 'schedule' then\n"
			    "    local x = 0\n"
			    "    for i = 1, 2000000 do x = x + i end\n"
			    "  end\n"
			    "  return ctx.trigger\n"
			    "end",
			    READ_TRIPS, WRITE_NONE, NULL);
	doc = json_loads(text, 0, NULL);
	free(text);
	mf = json_object_get(doc, "manifest");
	json_object_set_new(mf, "triggers",
			    json_loads("[{\"on\":\"data\",\"doctype\":\"mobility.trip\"},"
				       "{\"on\":\"schedule\",\"every\":\"day\"}]",
				       0, NULL));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (app_install(&env, f.alice.id, f.ps, text, strlen(text), "person:alice", &p, err,
			sizeof(err)) != CMN_OK)
		fail_msg("install: %s", err);
	app_package_release(&p);
	assert_int_equal(app_after_import(&env, f.ps, bank, 1), 0);
	assert_int_equal(app_after_import(&env, f.ps, written, 1), 1);
	assert_int_equal(pstore_app_runs(f.ps, "test-app", 10, count_runs, &runs), CMN_OK);
	assert_int_equal(runs, 1);
	/* not due yet; due two days on; then not again at that time */
	assert_int_equal(app_schedule_tick(&env, now, &ran), CMN_OK);
	assert_int_equal(ran, 0);
	assert_int_equal(app_schedule_tick(&env, now + 2 * 86400000LL, &ran), CMN_OK);
	assert_int_equal(ran, 1);
	assert_int_equal(app_schedule_tick(&env, now + 2 * 86400000LL, &ran), CMN_OK);
	assert_int_equal(ran, 0);
	runs = 0;
	assert_int_equal(pstore_app_runs(f.ps, "test-app", 10, count_runs, &runs), CMN_OK);
	assert_int_equal(runs, 2);
	/* two schedulers at once (two server processes on one store, here two
	 * threads with their own connections): the run is made once */
	{
		struct ticker tk[2] = {{&env, now + 5 * 86400000LL, 0, CMN_OK},
				       {&env, now + 5 * 86400000LL, 0, CMN_OK}};
		pthread_t th[2];

		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&th[i], NULL, ticker_main, &tk[i]), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(tk[0].rc, CMN_OK);
		assert_int_equal(tk[1].rc, CMN_OK);
		assert_int_equal(tk[0].ran + tk[1].ran, 1);
	}
	runs = 0;
	assert_int_equal(pstore_app_runs(f.ps, "test-app", 10, count_runs, &runs), CMN_OK);
	assert_int_equal(runs, 3);
	/* removed: its schedule goes with it */
	assert_int_equal(app_remove(&env, f.alice.id, f.ps, "test-app", "person:alice"), CMN_OK);
	assert_int_equal(app_schedule_tick(&env, now + 9 * 86400000LL, &ran), CMN_OK);
	assert_int_equal(ran, 0);
	assert_int_equal(app_after_import(&env, f.ps, written, 1), 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(package_faults), cmocka_unit_test(packing),
		cmocka_unit_test(certificates),	  cmocka_unit_test(good_run),
		cmocka_unit_test(series_api),	  cmocka_unit_test(hostile_apps),
		cmocka_unit_test(schedule_times), cmocka_unit_test(triggers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
