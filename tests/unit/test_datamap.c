/*
 * test_datamap.c - the territory's data map and the portability requests
 * (src/datamap/, issue 11) in-process, each test on a fresh data
 * directory, the clock given by the test: a catalogue at fault is refused
 * with the JSON pointer of the fault, and the seed catalogue loads; the
 * letter carries the legal references, the holder's address, the deadline
 * rule and the data asked in French; the deadline is one calendar month in
 * Europe/Paris. Then the portability scenario of the issue: a request to
 * Enedis, sent at T, is not reminded at T + 1 month - 1 s, is reminded once
 * at T + 1 month + 1 s (in the person's audit chain) and not again; the
 * answer, Enedis's real export file, is imported and answers it with its
 * points counted; the counts per holder follow, and another person sees
 * none of it. Under each failed allocation in turn, a request is made
 * whole (its doctypes, its letter, its entry in the chain) or not at all,
 * and its view is whole or not made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonfail.h"
#include "core/timeutil.h"
#include "datamap/datamap.h"
#include "fixture.h"
#include "import/import.h"

#define ENEDIS_FILE                                                                          \
	COMMUNE_FIXTURES "/enedis/Enedis_Conso_Heure_20230809-20240725_1429xxxxxxxxxx.csv"
#define SECOND 1000LL

static struct fixture f;

static int64_t at(const char *rfc3339)
{
	int64_t t;

	if (time_parse(rfc3339, false, &t) != CMN_OK)
		fail_msg("not a time: %s", rfc3339);
	return t;
}

/* seed_path - datamap/territory.json of the source tree */
static void seed_path(char *out, size_t n)
{
	const char *here = __FILE__, *cut = strstr(here, "tests/unit/");

	assert_non_null(cut);
	snprintf(out, n, "%.*sdatamap/territory.json", (int)(cut - here), here);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long n;

	if (!fp)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	data[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return data;
}

static void load_seed(void)
{
	char path[512], err[300] = "", *text;
	size_t len, n = 0;

	seed_path(path, sizeof(path));
	text = slurp(path, &len);
	if (datamap_load(f.s, &f.reg, text, len, at("2026-01-01T00:00:00Z"), &n, err,
			 sizeof(err)) != CMN_OK)
		fail_msg("the seed catalogue: %s", err);
	free(text);
	assert_int_equal(n, 6);
}

static int setup(void **state)
{
	(void)state;
	return fixture_open(&f, "alice");
}

static int teardown(void **state)
{
	(void)state;
	fixture_close(&f);
	return 0;
}

/* ---- the catalogue ----------------------------------------------------------------- */

#define HOLDER_HEAD "{\"id\":\"enedis\",\"name\":\"Enedis\",\"sector\":\"energy\","
#define DATA "\"data\":[{\"doctype\":\"energy.electricity.load_curve\"}],"
#define ACCESS "\"access\":[{\"kind\":\"gdpr\"}],"
#define DPO "\"dpo\":{\"postal\":\"Enedis\\nParis\"}"
#define CATALOGUE(holder) "{\"territory\":\"T\",\"holders\":[" holder "]}"
#define GOOD CATALOGUE(HOLDER_HEAD DATA ACCESS DPO "}")

/* refused - the catalogue is refused and the error names pointer */
static void refused(const char *json, const char *pointer)
{
	char err[300] = "";
	size_t n = strlen(pointer);

	if (datamap_check(f.s, &f.reg, json, strlen(json), NULL, err, sizeof(err)) !=
	    CMN_ERR_INVALID)
		fail_msg("accepted: %s", json);
	if (strncmp(err, pointer, n) != 0 || err[n] != ':')
		fail_msg("\"%s\" does not name %s (%s)", err, pointer, json);
}

static void catalogue_faults_name_their_pointer(void **state)
{
	char err[300] = "";

	(void)state;
	assert_int_equal(datamap_check(f.s, &f.reg, GOOD, strlen(GOOD), NULL, err, sizeof(err)),
			 CMN_OK);
	refused("[]", "/");
	refused("{\"territory\":\"T\",\"holders\":[]}", "/holders");
	refused("{\"holders\":[" HOLDER_HEAD DATA ACCESS DPO "}]}", "/territory");
	refused("{\"territory\":\"T\",\"updated\":\"2026-13-01\",\"holders\":[" HOLDER_HEAD DATA
		ACCESS DPO "}]}",
		"/updated");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS DPO ",\"colour\":1}"), "/holders/0/colour");
	refused(CATALOGUE("{\"id\":\"Enedis\",\"name\":\"E\",\"sector\":\"energy\"," DATA ACCESS DPO
			  "}"),
		"/holders/0/id");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS DPO "}," HOLDER_HEAD DATA ACCESS DPO "}"),
		"/holders/1/id");
	refused(CATALOGUE("{\"id\":\"e\",\"name\":\"E\",\"sector\":\"nuclear\"," DATA ACCESS DPO
			  "}"),
		"/holders/0/sector");
	refused(CATALOGUE(HOLDER_HEAD "\"data\":[{\"doctype\":\"energy.electricity.load_curve\"},"
				      "{\"doctype\":\"no.such.doctype\"}]," ACCESS DPO "}"),
		"/holders/0/data/1/doctype");
	refused(CATALOGUE(HOLDER_HEAD "\"data\":[]," ACCESS DPO "}"), "/holders/0/data");
	refused(CATALOGUE(HOLDER_HEAD DATA "\"access\":[{\"kind\":\"download\"}]," DPO "}"),
		"/holders/0/access/0/url");
	refused(CATALOGUE(HOLDER_HEAD DATA
			  "\"access\":[{\"kind\":\"api\",\"url\":\"http://plain.example\"}]," DPO
			  "}"),
		"/holders/0/access/0/url");
	refused(CATALOGUE(HOLDER_HEAD DATA "\"access\":[{\"kind\":\"gdpr\"},{\"kind\":\"download\","
				      "\"url\":\"https://x.example\",\"format\":\"pdf\"}]," DPO "}"),
		"/holders/0/access/1/format");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS "\"dpo\":{\"name\":\"DPO\"}}"), "/holders/0/dpo");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS "\"dpo\":{\"email\":\"nobody\"}}"),
		"/holders/0/dpo/email");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS DPO
			  ",\"services\":[{\"kind\":\"app\",\"app\":\"no-such-app\"}]}"),
		"/holders/0/services/0/app");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS DPO
			  ",\"services\":[{\"kind\":\"oauth\",\"client\":\"0123456789abcdef\"}]}"),
		"/holders/0/services/0/client");
	refused(CATALOGUE(HOLDER_HEAD DATA ACCESS DPO
			  ",\"services\":[{\"kind\":\"app\",\"app\":\"smart-home\",\"url\":\"x\"}]}"),
		"/holders/0/services/0/url");
	refused(CATALOGUE(HOLDER_HEAD "\"organisation\":\"Nobody\"," DATA ACCESS DPO "}"),
		"/holders/0/organisation");
	/* the seed catalogue loads, and a load replaces the catalogue */
	load_seed();
	{
		char *body = NULL;

		assert_int_equal(store_datamap_get(f.s, "grdf", &body), CMN_OK);
		free(body);
		assert_int_equal(datamap_load(f.s, &f.reg, GOOD, strlen(GOOD), 1, NULL, err,
					      sizeof(err)),
				 CMN_OK);
		assert_int_equal(store_datamap_get(f.s, "grdf", &body), CMN_ERR_NOT_FOUND);
		assert_null(body);
	}
}

/* a holder as served: titles of its doctypes, and the apps that read them */
static void holder_view(void **state)
{
	char *body = NULL;
	json_t *v, *services;
	bool smart_home = false;
	size_t i;
	json_t *sv;

	(void)state;
	load_seed();
	assert_int_equal(store_datamap_get(f.s, "grdf", &body), CMN_OK);
	v = datamap_holder_json(&f.reg, body);
	free(body);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(
						json_object_get(v, "data"), 0), "title"), "fr")),
			    "Consommation de gaz");
	services = json_object_get(v, "services");
	json_array_foreach(services, i, sv)
		smart_home = smart_home || (json_is_true(json_object_get(sv, "derived")) &&
					    strcmp(json_string_value(json_object_get(sv, "app")),
						   "smart-home") == 0);
	assert_true(smart_home); /* it reads energy.gas.consumption */
	json_decref(v);
}

/* ---- the letter and the deadline ------------------------------------------------------ */

static void contains(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("the letter lacks \"%s\":\n%s", what, text);
}

static void letter_says_it_all(void **state)
{
	struct port_request r;
	json_t *dts = json_pack("[s]", "energy.electricity.load_curve");
	char err[300] = "";

	(void)state;
	load_seed();
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "portability",
					    dts, at("2026-03-03T09:00:00Z"), &r, err, sizeof(err)),
			 CMN_OK);
	contains(r.letter, "alice");
	contains(r.letter, "Tour Enedis\n34 place des Corolles\n92079 Paris La Défense Cedex");
	contains(r.letter, "Délégué à la protection des données");
	contains(r.letter, "Le 3 mars 2026");
	contains(r.letter, "articles 12, 15 et 20 du RGPD");
	contains(r.letter, "règlement (UE) 2016/679");
	contains(r.letter, "l'article 20");
	contains(r.letter, "l'article 15");
	contains(r.letter, "article 12, paragraphe 3");
	contains(r.letter, "délai d'un mois à compter de la réception");
	contains(r.letter, "prolongé de deux mois");
	contains(r.letter, "format structuré, couramment utilisé et lisible par machine");
	contains(r.letter, "  - Courbe de charge électrique\n");
	assert_null(strstr(r.letter, "Index du compteur")); /* not asked */
	port_request_release(&r);
	/* an access request: art. 15, not 20; every doctype of the holder by default */
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "access", NULL,
					    at("2026-03-03T09:00:00Z"), &r, err, sizeof(err)),
			 CMN_OK);
	contains(r.letter, "articles 12 et 15 du RGPD");
	assert_null(strstr(r.letter, "article 20"));
	contains(r.letter, "  - Index du compteur électrique\n");
	contains(r.letter, "  - Consommation électrique\n");
	port_request_release(&r);
	/* requests at fault */
	json_decref(dts);
	dts = json_pack("[s]", "bank.transaction");
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "access", dts,
					    0, &r, err, sizeof(err)),
			 CMN_ERR_INVALID);
	assert_int_equal(strncmp(err, "/doctypes/0:", 12), 0);
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "edf", "access", NULL, 0,
					    &r, err, sizeof(err)),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "erasure",
					    NULL, 0, &r, err, sizeof(err)),
			 CMN_ERR_INVALID);
	json_decref(dts);
}

static void deadline_is_a_calendar_month_in_paris(void **state)
{
	(void)state;
	/* same local time a month later */
	assert_int_equal(portability_deadline(at("2026-02-10T09:30:00+01:00")),
			 at("2026-03-10T09:30:00+01:00"));
	/* the 31st of January: the last day of February */
	assert_int_equal(portability_deadline(at("2026-01-31T10:00:00+01:00")),
			 at("2026-02-28T10:00:00+01:00"));
	assert_int_equal(portability_deadline(at("2028-01-31T10:00:00+01:00")),
			 at("2028-02-29T10:00:00+01:00"));
	/* across the change to summer time: 10:00 in Paris either side */
	assert_int_equal(portability_deadline(at("2026-03-15T10:00:00+01:00")),
			 at("2026-04-15T10:00:00+02:00"));
	/* December to January; a UTC date that is already the 1st in Paris */
	assert_int_equal(portability_deadline(at("2026-12-20T12:00:00+01:00")),
			 at("2027-01-20T12:00:00+01:00"));
	assert_int_equal(portability_deadline(at("2026-04-30T23:30:00Z")),
			 at("2026-06-01T01:30:00+02:00"));
}

/* ---- the scenario of the issue -------------------------------------------------------- */

struct found {
	const char *action;
	int n;
	char actor[64];
};

static enum cmn_rc count_entry(const struct audit_entry *e, void *ctx)
{
	struct found *fd = ctx;

	if (strcmp(e->action, fd->action) == 0) {
		fd->n++;
		snprintf(fd->actor, sizeof(fd->actor), "%s", e->actor);
	}
	return CMN_OK;
}

static int entries(const struct person *p, const char *action, char *actor, size_t n)
{
	struct found fd = {action, 0, ""};
	struct pstore *ps;

	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 10000, count_entry, &fd), CMN_OK);
	if (actor)
		snprintf(actor, n, "%s", fd.actor);
	return fd.n;
}

/* enedis_points - the values of the fixture (lines after the header with
 * a value), counted here without the importer */
static uint64_t enedis_points(void)
{
	FILE *fp = fopen(ENEDIS_FILE, "r");
	char line[256];
	bool body = false;
	uint64_t n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *semi = strchr(line, ';');

		line[strcspn(line, "\r\n")] = '\0';
		if (body && semi && semi[1])
			n++;
		if (strcmp(line, "Horodate;Valeur") == 0)
			body = true;
	}
	fclose(fp);
	return n;
}

static const json_t *holder_counts(const json_t *stats, const char *id)
{
	const json_t *h;
	size_t i;

	json_array_foreach(json_object_get(stats, "holders"), i, h)
		if (strcmp(json_string_value(json_object_get(h, "holder")), id) == 0)
			return h;
	fail_msg("no counts for %s", id);
	return NULL;
}

static void counts_are(int64_t now, json_int_t requests, json_int_t drafted, json_int_t sent,
		       json_int_t answered, json_int_t late)
{
	json_t *st = portability_stats_json(f.s, now);
	const json_t *h;
	char *text;

	assert_non_null(st);
	h = holder_counts(st, "enedis");
	assert_int_equal(json_integer_value(json_object_get(h, "requests")), requests);
	assert_int_equal(json_integer_value(json_object_get(h, "drafted")), drafted);
	assert_int_equal(json_integer_value(json_object_get(h, "sent")), sent);
	assert_int_equal(json_integer_value(json_object_get(h, "answered")), answered);
	assert_int_equal(json_integer_value(json_object_get(h, "late")), late);
	/* counts only: never who */
	text = json_dumps(st, 0);
	assert_null(strstr(text, f.alice.id));
	assert_null(strstr(text, "alice"));
	free(text);
	json_decref(st);
}

static enum cmn_rc each_mine(const struct port_request *r, void *ctx)
{
	(void)r;
	++*(size_t *)ctx;
	return CMN_OK;
}

static void portability_scenario(void **state)
{
	const int64_t t = at("2026-01-31T10:00:00+01:00"); /* sent then */
	const int64_t deadline = at("2026-02-28T10:00:00+01:00");
	struct port_request r, got;
	struct import_job job;
	struct person bob;
	char err[300] = "", actor[64], import_id[CRYPT_ID_LEN];
	size_t fired = 99, mine = 0;
	json_t *answer;

	(void)state;
	load_seed();
	assert_int_equal(store_person_add(f.s, "bob", "resident", NULL, "!", &bob), CMN_OK);
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "person:alice", "enedis",
					    "portability", NULL, t - 3600 * SECOND, &r, err,
					    sizeof(err)),
			 CMN_OK);
	assert_int_equal(r.state, PORT_DRAFT);
	assert_int_equal(entries(&f.alice, "portability.create", NULL, 0), 1);
	counts_are(t, 1, 1, 0, 0, 0);
	/* a draft is never late */
	assert_int_equal(portability_remind(f.s, deadline + 86400 * SECOND, &fired), CMN_OK);
	assert_int_equal(fired, 0);
	/* another person can neither send it nor see it */
	assert_int_equal(portability_sent(f.s, bob.id, "person:bob", r.id, t, &got),
			 CMN_ERR_NOT_FOUND);
	assert_int_equal(store_port_each(f.s, bob.id, each_mine, &mine), CMN_OK);
	assert_int_equal(mine, 0);
	/* sent at T: the deadline is T + 1 calendar month */
	assert_int_equal(portability_sent(f.s, f.alice.id, "person:alice", r.id, t, &got), CMN_OK);
	assert_int_equal(got.state, PORT_SENT);
	assert_int_equal(got.deadline, deadline);
	port_request_release(&got);
	assert_int_equal(portability_sent(f.s, f.alice.id, "person:alice", r.id, t, &got),
			 CMN_ERR_CONFLICT);
	counts_are(t, 1, 0, 1, 0, 0);
	/* one second before the deadline: nothing */
	assert_int_equal(portability_remind(f.s, deadline - SECOND, &fired), CMN_OK);
	assert_int_equal(fired, 0);
	assert_int_equal(entries(&f.alice, "portability.reminder", NULL, 0), 0);
	/* one second after: one reminder, in alice's chain */
	assert_int_equal(portability_remind(f.s, deadline + SECOND, &fired), CMN_OK);
	assert_int_equal(fired, 1);
	assert_int_equal(entries(&f.alice, "portability.reminder", actor, sizeof(actor)), 1);
	assert_string_equal(actor, "system:portability");
	assert_int_equal(entries(&bob, "portability.reminder", NULL, 0), 0);
	counts_are(deadline + SECOND, 1, 0, 1, 0, 1);
	/* and never twice */
	assert_int_equal(portability_remind(f.s, deadline + 2 * SECOND, &fired), CMN_OK);
	assert_int_equal(fired, 0);
	assert_int_equal(portability_remind(f.s, deadline + 40 * 86400 * SECOND, &fired), CMN_OK);
	assert_int_equal(fired, 0);
	assert_int_equal(entries(&f.alice, "portability.reminder", NULL, 0), 1);
	assert_int_equal(store_port_get(f.s, r.id, &got), CMN_OK);
	assert_int_equal(got.reminded, deadline + SECOND);
	port_request_release(&got);
	/* bob cannot answer it */
	assert_int_equal(portability_answer_file(f.s, &f.reg, bob.id, "person:bob", r.id,
						 ENEDIS_FILE, "enedis.csv", NULL,
						 deadline + 3 * SECOND, &job, &got),
			 CMN_ERR_NOT_FOUND);
	import_job_release(&job);
	/* the answer: Enedis's export, through the importers */
	if (portability_answer_file(f.s, &f.reg, f.alice.id, "person:alice", r.id, ENEDIS_FILE,
				    "enedis.csv", NULL, deadline + 3 * SECOND, &job,
				    &got) != CMN_OK)
		fail_msg("answer: %s", job.err.message);
	assert_string_equal(job.format->name, "enedis-csv");
	assert_int_equal(got.state, PORT_ANSWERED);
	assert_string_equal(got.import_id, job.id);
	snprintf(import_id, sizeof(import_id), "%s", got.import_id);
	assert_int_equal(got.answered, deadline + 3 * SECOND);
	answer = json_loads(got.answer, 0, NULL);
	assert_non_null(answer);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(answer, "stats"),
							    "points_added")),
			 enedis_points());
	assert_true(enedis_points() > 16000);
	assert_string_equal(json_string_value(json_object_get(answer, "format")), "enedis-csv");
	json_decref(answer);
	port_request_release(&got);
	import_job_release(&job);
	assert_int_equal(entries(&f.alice, "portability.answer", NULL, 0), 1);
	assert_int_equal(entries(&f.alice, "import.file", NULL, 0), 1);
	/* answered: not late any more, never reminded again, not answered twice */
	counts_are(deadline + 4 * SECOND, 1, 0, 1, 1, 0);
	assert_int_equal(portability_answer_import(f.s, f.alice.id, "person:alice", r.id,
						   import_id, deadline, &got),
			 CMN_ERR_CONFLICT);
	/* alice sees her request; bob sees none */
	assert_int_equal(store_port_each(f.s, f.alice.id, each_mine, &mine), CMN_OK);
	assert_int_equal(mine, 1);
	mine = 0;
	assert_int_equal(store_port_each(f.s, bob.id, each_mine, &mine), CMN_OK);
	assert_int_equal(mine, 0);
	port_request_release(&r);
}

/* an answer must be an import that succeeded, of the person's own */
static void answer_is_an_import_that_worked(void **state)
{
	struct port_request r, got;
	struct import_job job;
	char err[300] = "", path[256];
	FILE *fp;

	(void)state;
	load_seed();
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "access", NULL,
					    1000, &r, err, sizeof(err)),
			 CMN_OK);
	/* not sent yet: no answer */
	assert_int_equal(portability_answer_import(f.s, f.alice.id, "test", r.id,
						   "0123456789abcdef0123456789abcdef", 2000, &got),
			 CMN_ERR_CONFLICT);
	assert_int_equal(portability_sent(f.s, f.alice.id, "test", r.id, 2000, &got), CMN_OK);
	port_request_release(&got);
	assert_int_equal(portability_answer_import(f.s, f.alice.id, "test", r.id,
						   "0123456789abcdef0123456789abcdef", 3000, &got),
			 CMN_ERR_NOT_FOUND);
	/* a file at fault: the import fails, the request stays sent */
	snprintf(path, sizeof(path), "%s/bad.csv", f.dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("Identifiant PRM;Type de donnees\nnot;enedis\n", fp);
	fclose(fp);
	assert_int_not_equal(portability_answer_file(f.s, &f.reg, f.alice.id, "test", r.id, path,
						     "bad.csv", "enedis-csv", 4000, &job, &got),
			     CMN_OK);
	import_job_release(&job);
	assert_int_equal(store_port_get(f.s, r.id, &got), CMN_OK);
	assert_int_equal(got.state, PORT_SENT);
	port_request_release(&got);
	port_request_release(&r);
}

/* ---- whole or nothing ---------------------------------------------------------------- */

static size_t fail_at; /* the allocation that fails (jsonfail.h) */

struct last {
	const char *action;
	char *detail;
};

static enum cmn_rc last_entry(const struct audit_entry *e, void *ctx)
{
	struct last *l = ctx;

	if (strcmp(e->action, l->action) == 0) {
		free(l->detail);
		l->detail = strdup(e->detail);
	}
	return CMN_OK;
}

/* last_detail - the detail of p's last entry of action (malloc'd) */
static char *last_detail(const struct person *p, const char *action)
{
	struct last l = {action, NULL};
	struct pstore *ps;

	assert_int_equal(store_person_store(f.s, p->id, &ps), CMN_OK);
	assert_int_equal(pstore_audit_each(ps, NULL, 0, 10000, last_entry, &l), CMN_OK);
	assert_non_null(l.detail);
	return l.detail;
}

static size_t requests_of(const struct person *p)
{
	size_t n = 0;

	assert_int_equal(store_port_each(f.s, p->id, each_mine, &n), CMN_OK);
	return n;
}

/* An access request to every doctype of the holder: a doctype left out of
 * the list (out of memory) would narrow what the letter asks and the
 * request keeps, and a detail left out would leave the person's chain
 * with an entry that says nothing. Under every failed allocation,
 * portability_create gives CMN_ERR_NOMEM with nothing kept, or the very
 * request and entry. */
static void request_whole_or_nothing(void **state)
{
	const int64_t now = at("2026-03-03T09:00:00Z");
	struct port_request want, r;
	char err[300] = "", *want_detail, *detail;
	size_t kept;
	json_t *dts;
	int failed = 0;

	(void)state;
	load_seed();
	assert_int_equal(portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "access", NULL,
					    now, &want, err, sizeof(err)),
			 CMN_OK);
	dts = json_loads(want.doctypes, 0, NULL);
	assert_int_equal(json_array_size(dts), 3); /* all Enedis holds */
	json_decref(dts);
	want_detail = last_detail(&f.alice, "portability.create");
	kept = requests_of(&f.alice);
	for (fail_at = 1;; fail_at++) {
		enum cmn_rc rc;

		jsonfail_arm(fail_at);
		rc = portability_create(f.s, &f.reg, &f.alice, "test", "enedis", "access", NULL,
					now, &r, err, sizeof(err));
		jsonfail_disarm();
		if (rc != CMN_OK) {
			if (rc != CMN_ERR_NOMEM)
				fail_msg("allocation %zu failed: %s", fail_at, cmn_strerror(rc));
			assert_int_equal(requests_of(&f.alice), kept); /* nothing kept */
			failed++;
			continue;
		}
		assert_int_equal(requests_of(&f.alice), ++kept);
		assert_string_equal(r.doctypes, want.doctypes);
		assert_string_equal(r.letter, want.letter);
		detail = last_detail(&f.alice, "portability.create");
		assert_string_equal(detail, want_detail);
		free(detail);
		port_request_release(&r);
		if (jsonfail_count() < fail_at) /* no allocation failed: all were tried */
			break;
	}
	assert_true(failed >= 100); /* the catalogue's entry read, the list, the detail */
	free(want_detail);
	port_request_release(&want);
}

static json_t *build_request_view(void *r)
{
	return portability_request_json(r);
}

/* The view of a request answered and reminded: whole or NULL (a view
 * without its deadline would tell the person there is none). */
static void view_whole_or_nothing(void **state)
{
	struct port_request r = {.id = "r1",
				 .holder_id = "enedis",
				 .kind = "access",
				 .state = PORT_ANSWERED,
				 .created = 1000,
				 .sent = 2000,
				 .deadline = 3000,
				 .reminded = 4000,
				 .answered = 5000,
				 .import_id = "i1"};

	(void)state;
	r.doctypes = strdup("[\"energy.electricity.load_curve\"]");
	r.letter = strdup("Madame, Monsieur,");
	r.answer = strdup("{\"format\":\"enedis\",\"stats\":{\"points\":3}}");
	assert_true(jsonfail_sweep(build_request_view, &r) >= 45);
	port_request_release(&r);
}

/* A holder of the data map as the API shows it: whole or NULL (a holder
 * shown without a service that reads its data, or without a doctype's
 * title, would hide it). Enedis's data is read by shipped apps, so the
 * view derives services from their manifests. */
static json_t *build_holder(void *body)
{
	return datamap_holder_json(&f.reg, body);
}

static void holder_json_whole_or_nothing(void **state)
{
	char *body = NULL;
	json_t *v;

	(void)state;
	load_seed();
	assert_int_equal(store_datamap_get(f.s, "enedis", &body), CMN_OK);
	v = datamap_holder_json(&f.reg, body);
	assert_non_null(v);
	assert_true(json_array_size(json_object_get(v, "services")) > 0);
	json_decref(v);
	assert_true(jsonfail_sweep(build_holder, body) >= 50);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(catalogue_faults_name_their_pointer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(holder_view, setup, teardown),
		cmocka_unit_test_setup_teardown(letter_says_it_all, setup, teardown),
		cmocka_unit_test_setup_teardown(deadline_is_a_calendar_month_in_paris, setup,
						teardown),
		cmocka_unit_test_setup_teardown(portability_scenario, setup, teardown),
		cmocka_unit_test_setup_teardown(answer_is_an_import_that_worked, setup, teardown),
		cmocka_unit_test_setup_teardown(request_whole_or_nothing, setup, teardown),
		cmocka_unit_test(view_whole_or_nothing),
		cmocka_unit_test_setup_teardown(holder_json_whole_or_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
