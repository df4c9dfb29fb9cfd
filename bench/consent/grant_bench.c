/*
 * grant_bench.c - issue 6's in-process benchmark: what the grant check of
 * one request costs, beside what every authenticated request pays anyway,
 * measured in the same process and the same rounds.
 *
 * Run it through bench/consent/micro.sh, which builds the library and this
 * program. Usage:
 *
 *   grant_bench DATA_DIR [ROUNDS [BATCHES]]      (5 rounds, 400 batches)
 *
 * DATA_DIR must not exist yet (it is created and left behind; the script
 * removes it). It gets one person with one bank.transaction record of
 * 2024-03-01, a session of that person, and a service holding the grant of
 * BENCH_GRANT_TERMS (world.h: four doctypes with the one read last, six
 * fields, the data of 2024, read only) with an access token.
 *
 * Three tables:
 *  1. the check of a record read under the grant, as router.c and
 *     api_records.c make it (authenticate_grant: grant_effective_status;
 *     authorize_grant: grant_check of the doctype for read; grant_narrow:
 *     grant_field_allowed of each of the six fields asked for, the
 *     grant's own six, so 21 strcmp; get: grant_time_allowed of the
 *     record's time), beside a strcmp of the doctype, time_now_ms (the
 *     check reads the clock twice) and crypt_hash_hex of a token (every
 *     authenticated request hashes its token or cookie);
 *  2. loading the grant: grant_read of the stored JSON already parsed,
 *     the JSON parse plus grant_read (what consent_load does after the
 *     SQLite read), consent_load itself; beside store_session_get with a
 *     cached session (what a session read pays to authenticate);
 *  3. the store work of one service read in the router's order before
 *     3edfeef (token, grant, service, person, record, audit entry, use
 *     count), each step alone, then the whole sequence, beside the whole
 *     sequence of a session read (cookie hash, cached session, record).
 *     Since 3edfeef the router caches the first four per thread and hands
 *     the two writes to a thread that writes them in batches
 *     (src/consent/access.h); bench/consent/run.sh measures that server.
 *
 * Each operation runs in batches of N calls, timed with CLOCK_MONOTONIC;
 * a batch gives ns per call = its time / N. Per round, each operation runs
 * one untimed batch then BATCHES timed ones (fewer for the store steps,
 * see ops[]), the operations one after the other, so that they share the
 * machine's noise. Median and p99 are of the per-batch ns per call over
 * every round; ratios are of medians.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"
#include "store/store_oauth.h"
#include "world.h"

#define NFIELDS 6

/* what the operations work on */
struct bench {
	struct bench_world w;
	struct pstore *ps;
	char record_id[RECORD_ID_LEN];
	int64_t record_t;                 /* the record's time, ms */
	int64_t now;                      /* the clock at setup, for checks without clock reads */
	char cookie[CRYPT_TOKEN_LEN];     /* the session's token */
	struct grant grant;               /* as consent_load read it */
	json_t *stored;                   /* the grant's JSON as consent_load parses it */
	char *stored_text;                /* the grant's terms as stored */
	char audit_detail[512];           /* the detail of the audit entry of a read */
	char object[160];                 /* its object */
	char actor[128];                  /* its actor */
	const char *fields[NFIELDS];      /* the fields a read asks for */
};

static struct bench b;
static volatile uintptr_t sink;       /* every result goes here: no call is optimised away */
static const char *volatile doctype = "bank.transaction";

static void fail(const char *what, enum cmn_rc rc)
{
	fprintf(stderr, "grant_bench: %s: %s (%s)\n", what, cmn_strerror(rc), store_last_error());
	exit(1);
}

/* ---- the operations ------------------------------------------------------------ */

/* check_read - the grant check of one record read (see the top of the
 * file). now_a and now_b are the clock as authenticate_grant and
 * authorize_grant read it: CLOCK_NOW for time_now_ms(), as they do. */
#define CLOCK_NOW INT64_MIN

static unsigned check_read(const struct grant *g, bool blocked, int64_t now_a, int64_t now_b,
			   const char *dt, int64_t t)
{
	enum grant_deny d = GRANT_ALLOWED;
	int64_t now = now_a == CLOCK_NOW ? time_now_ms() : now_a;

	if (blocked)
		d = GRANT_DENY_BLOCKED;
	else if (grant_effective_status(g, now) != GRANT_GIVEN)
		d = grant_check(g, now, "", 0);
	if (d == GRANT_ALLOWED)
		d = grant_check(g, now_b == CLOCK_NOW ? time_now_ms() : now_b, dt, GRANT_OP_READ);
	for (size_t i = 0; i < NFIELDS && d == GRANT_ALLOWED; i++)
		if (!grant_field_allowed(g, b.fields[i]))
			d = GRANT_DENY_FIELD;
	if (d == GRANT_ALLOWED && !grant_time_allowed(g, t))
		d = GRANT_DENY_PERIOD;
	return (unsigned)d;
}

static uintptr_t op_strcmp(void)
{
	return (uintptr_t)strcmp(doctype, "bank.transaction");
}

static uintptr_t op_clock(void)
{
	return (uintptr_t)time_now_ms();
}

static uintptr_t op_hash(void)
{
	char h[CRYPT_HASH_HEX_LEN];

	crypt_hash_hex(b.w.token, h);
	return (uintptr_t)h[5];
}

static uintptr_t op_check(void)
{
	return check_read(&b.grant, b.w.client.blocked, CLOCK_NOW, CLOCK_NOW, doctype, b.record_t);
}

static uintptr_t op_check_noclock(void)
{
	return check_read(&b.grant, b.w.client.blocked, b.now, b.now, doctype, b.record_t);
}

static uintptr_t op_check_only(void)
{
	return grant_check(&b.grant, b.now, doctype, GRANT_OP_READ);
}

static uintptr_t op_grant_read(void)
{
	struct grant g;

	return (uintptr_t)grant_read(b.stored, &g) + g.nfields;
}

/* op_parse_read - consent.c's stored() and grant_read: the JSON of the row. */
static uintptr_t op_parse_read(void)
{
	json_t *o = json_loads(b.stored_text, 0, NULL);
	struct grant g;
	enum cmn_rc rc;

	json_object_set_new(o, "id", json_string(b.w.grant_id));
	json_object_set_new(o, "person", json_string(b.w.person.id));
	json_object_set_new(o, "status", json_string("given"));
	rc = grant_read(o, &g);
	json_decref(o);
	return (uintptr_t)rc + g.nfields;
}

static uintptr_t op_consent_load(void)
{
	struct grant g;

	return (uintptr_t)consent_load(b.w.st, b.w.grant_id, &g) + g.nfields;
}

static uintptr_t op_session_cached(void)
{
	char h[CRYPT_HASH_HEX_LEN];
	struct session s;

	crypt_hash_hex(b.cookie, h);
	return (uintptr_t)store_session_get(b.w.st, h, time_now_ms(), &s) + (uintptr_t)s.person.id[3];
}

static uintptr_t op_token_get(void)
{
	struct oauth_token t;

	return (uintptr_t)store_oauth_token_get(b.w.st, b.w.token_hash, &t) + (uintptr_t)t.revoked;
}

static uintptr_t op_client_get(void)
{
	struct client c;

	return (uintptr_t)store_client_get(b.w.st, b.w.client.id, &c, NULL, NULL) + c.blocked;
}

static uintptr_t op_person_get(void)
{
	struct person p;

	return (uintptr_t)store_person_by_id(b.w.st, b.w.person.id, &p, NULL) + p.disabled;
}

static uintptr_t op_record_get(void)
{
	struct record_meta m;
	struct pstore *ps;
	char *data = NULL;
	enum cmn_rc rc = store_person_store(b.w.st, b.w.person.id, &ps);

	if (rc == CMN_OK)
		rc = pstore_record_get(ps, "bank.transaction", b.record_id, &m, &data);
	free(data);
	return (uintptr_t)rc + (uintptr_t)m.t;
}

/* op_audit_detail - api_access's detail of the entry: built and dumped. */
static uintptr_t op_audit_detail(void)
{
	json_t *d = json_object(), *a = json_array();
	char *text;
	uintptr_t n;

	for (size_t i = 0; i < NFIELDS; i++)
		json_array_append_new(a, json_string(b.fields[i]));
	json_object_set_new(d, "fields", a);
	json_object_set_new(d, "consent", json_string(b.grant.id));
	json_object_set_new(d, "service", json_string(b.w.client.id));
	json_object_set_new(d, "purpose", json_string(b.grant.purpose));
	json_object_set_new(d, "address", json_string("127.0.0.1"));
	text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	n = text ? strlen(text) : 0;
	free(text);
	return n;
}

static uintptr_t op_audit_append(void)
{
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(b.w.st, b.w.person.id, &ps);

	if (rc == CMN_OK)
		rc = pstore_audit_append(ps, b.actor, "data.read", b.object, b.audit_detail);
	if (rc != CMN_OK)
		fail("pstore_audit_append", rc);
	return (uintptr_t)rc;
}

static uintptr_t op_grant_used(void)
{
	enum cmn_rc rc = store_grant_used(b.w.st, b.w.grant_id, 1, time_now_ms());

	if (rc != CMN_OK)
		fail("store_grant_used", rc);
	return (uintptr_t)rc;
}

/* op_service_read_before - the store work of a service's record read as
 * the router did it before 3edfeef, every step on every read (HTTP, JSON
 * answer and access log left out). */
static uintptr_t op_service_read_before(void)
{
	struct grant g;
	uintptr_t r = op_hash() + op_token_get();

	r += (uintptr_t)consent_load(b.w.st, b.w.grant_id, &g);
	r += op_client_get() + op_person_get();
	r += check_read(&g, b.w.client.blocked, CLOCK_NOW, CLOCK_NOW, doctype, b.record_t);
	r += op_record_get() + op_audit_detail() + op_audit_append() + op_grant_used();
	return r;
}

/* op_session_read - the same for a session's record read. */
static uintptr_t op_session_read(void)
{
	return op_session_cached() + op_record_get();
}

/* ---- timing -------------------------------------------------------------------- */

enum group { G_CHECK, G_LOAD, G_STEPS };

struct op {
	enum group group;
	const char *name;
	uintptr_t (*fn)(void);
	size_t calls;                     /* per batch */
	unsigned batch_div;               /* BATCHES / batch_div timed batches per round */
	double *ns;                       /* ns per call, one per timed batch */
	size_t n;
	double median, p99;
};

/* OP - an operation: group, name, function, calls per batch, batch divisor */
#define OP(g_, name_, fn_, calls_, div_)                                                  \
	{.group = (g_), .name = (name_), .fn = (fn_), .calls = (calls_), .batch_div = (div_)}

static struct op ops[] = {
	OP(G_CHECK, "strcmp of the doctype (baseline)", op_strcmp, 1000, 1),
	OP(G_CHECK, "time_now_ms (baseline)", op_clock, 1000, 1),
	OP(G_CHECK, "crypt_hash_hex of a token (baseline)", op_hash, 1000, 1),
	OP(G_CHECK, "grant_check alone (4 doctypes, read)", op_check_only, 1000, 1),
	OP(G_CHECK, "grant check of a record read, clock reads left out", op_check_noclock, 1000, 1),
	OP(G_CHECK, "**grant check of a record read**", op_check, 1000, 1),
	OP(G_LOAD, "store_session_get, cached (baseline)", op_session_cached, 100, 1),
	OP(G_LOAD, "grant_read of the parsed JSON", op_grant_read, 100, 1),
	OP(G_LOAD, "json_loads + grant_read", op_parse_read, 100, 1),
	OP(G_LOAD, "consent_load (SQLite + JSON)", op_consent_load, 20, 1),
	OP(G_STEPS, "crypt_hash_hex of the token", op_hash, 20, 4),
	OP(G_STEPS, "store_oauth_token_get", op_token_get, 20, 4),
	OP(G_STEPS, "consent_load", op_consent_load, 20, 4),
	OP(G_STEPS, "store_client_get", op_client_get, 20, 4),
	OP(G_STEPS, "store_person_by_id", op_person_get, 20, 4),
	OP(G_STEPS, "grant check", op_check, 20, 4),
	OP(G_STEPS, "store_person_store + pstore_record_get", op_record_get, 20, 4),
	OP(G_STEPS, "audit detail JSON (api_access)", op_audit_detail, 20, 4),
	OP(G_STEPS, "pstore_audit_append (write)", op_audit_append, 20, 4),
	OP(G_STEPS, "store_grant_used (write)", op_grant_used, 20, 4),
	OP(G_STEPS, "**service read before 3edfeef: all of the above**", op_service_read_before, 10,
	   4),
	OP(G_STEPS, "**session read: hash + cached session + record**", op_session_read, 10, 4),
};

#define NOPS (sizeof(ops) / sizeof(*ops))

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double batch(const struct op *o)
{
	uintptr_t r = 0;
	double t0 = now_ns();

	for (size_t i = 0; i < o->calls; i++)
		r += o->fn();
	sink += r;
	return (now_ns() - t0) / (double)o->calls;
}

static int cmp_double(const void *a, const void *c)
{
	double x = *(const double *)a, y = *(const double *)c;

	return (x > y) - (x < y);
}

/* ---- the world ----------------------------------------------------------------- */

static void setup(const char *dir)
{
	struct record_meta m = {0};
	struct person p;
	struct grant_row row;
	char h[CRYPT_HASH_HEX_LEN], csrf[CRYPT_TOKEN_LEN];
	enum cmn_rc rc;
	static const char data[] = "{\"amount\":-12.5,\"category\":\"food\",\"currency\":\"EUR\","
				   "\"date\":\"2024-03-01\",\"label\":\"Boulangerie\"}";

	if (!bench_world_open(&b.w, dir))
		exit(1);
	/* the password hash is never checked here: the person only owns data */
	if ((rc = store_person_add(b.w.st, "alice", "resident", NULL, "-", &p)) != CMN_OK)
		fail("store_person_add", rc);
	if (!bench_world_service(&b.w, "alice", 24 * 3600 * 1000LL))
		exit(1);
	if ((rc = store_person_store(b.w.st, b.w.person.id, &b.ps)) != CMN_OK)
		fail("store_person_store", rc);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "bank.transaction");
	snprintf(m.source, sizeof(m.source), "api");
	time_parse("2024-03-01", true, &m.t);
	if ((rc = pstore_record_insert(b.ps, &m, data, "person:bench")) != CMN_OK)
		fail("pstore_record_insert", rc);
	snprintf(b.record_id, sizeof(b.record_id), "%s", m.id);
	b.record_t = m.t;
	crypt_token_new(b.cookie);
	crypt_token_new(csrf);
	crypt_hash_hex(b.cookie, h);
	rc = store_session_add(b.w.st, h, b.w.person.id, csrf, time_now_ms(),
			       time_now_ms() + 24 * 3600 * 1000LL);
	if (rc != CMN_OK)
		fail("store_session_add", rc);
	if ((rc = consent_load(b.w.st, b.w.grant_id, &b.grant)) != CMN_OK)
		fail("consent_load", rc);
	if ((rc = store_grant_get(b.w.st, b.w.grant_id, &row)) != CMN_OK)
		fail("store_grant_get", rc);
	b.stored_text = strdup(row.body);
	b.stored = json_loads(row.body, 0, NULL);
	json_object_set_new(b.stored, "id", json_string(row.id));
	json_object_set_new(b.stored, "person", json_string(row.person_id));
	json_object_set_new(b.stored, "status", json_string(row.status));
	grant_row_release(&row);
	for (size_t i = 0; i < NFIELDS; i++)
		b.fields[i] = b.grant.fields[i];
	b.now = time_now_ms();
	snprintf(b.actor, sizeof(b.actor), "service:%s/grant:%s", b.w.client.id, b.w.grant_id);
	snprintf(b.object, sizeof(b.object), "bank.transaction/%s", b.record_id);
	{
		json_t *d = json_object(), *a = json_array();
		char *text;

		for (size_t i = 0; i < NFIELDS; i++)
			json_array_append_new(a, json_string(b.fields[i]));
		json_object_set_new(d, "fields", a);
		json_object_set_new(d, "consent", json_string(b.grant.id));
		json_object_set_new(d, "service", json_string(b.w.client.id));
		json_object_set_new(d, "purpose", json_string(b.grant.purpose));
		json_object_set_new(d, "address", json_string("127.0.0.1"));
		text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(d);
		snprintf(b.audit_detail, sizeof(b.audit_detail), "%s", text ? text : "");
		free(text);
	}
}

/* verify - the operations answer what a read under the grant must get. */
static void verify(void)
{
	struct grant g;

	if (b.grant.ndoctypes != 4 || b.grant.nfields != NFIELDS ||
	    strcmp(b.grant.doctypes[3], "bank.transaction") != 0)
		fail("the grant is not BENCH_GRANT_TERMS", CMN_ERR_INTERNAL);
	if (op_check() != GRANT_ALLOWED || op_check_noclock() != GRANT_ALLOWED ||
	    op_check_only() != GRANT_ALLOWED)
		fail("the check refuses the read", CMN_ERR_INTERNAL);
	if (check_read(&b.grant, false, CLOCK_NOW, CLOCK_NOW, "mobility.trip", b.record_t) ==
		    GRANT_ALLOWED ||
	    check_read(&b.grant, false, CLOCK_NOW, CLOCK_NOW, "bank.transaction", 0) == GRANT_ALLOWED)
		fail("the check allows a read outside the grant", CMN_ERR_INTERNAL);
	if (grant_read(b.stored, &g) != CMN_OK || memcmp(&g, &b.grant, sizeof(g)) != 0)
		fail("grant_read of the stored JSON differs from consent_load", CMN_ERR_INTERNAL);
	if (op_parse_read() != NFIELDS || op_consent_load() != NFIELDS || op_grant_read() != NFIELDS)
		fail("loading the grant", CMN_ERR_INTERNAL);
	if (op_token_get() != 0 || op_client_get() != 0 || op_person_get() != 0)
		fail("a lookup of the service read", CMN_ERR_INTERNAL);
	{
		char h[CRYPT_HASH_HEX_LEN];
		struct session s;
		enum cmn_rc rc;

		crypt_hash_hex(b.cookie, h);
		if ((rc = store_session_get(b.w.st, h, time_now_ms(), &s)) != CMN_OK ||
		    strcmp(s.person.id, b.w.person.id) != 0)
			fail("store_session_get", rc);
	}
}

/* ---- report -------------------------------------------------------------------- */

static const struct op *op_named(enum group g, const char *prefix)
{
	for (size_t i = 0; i < NOPS; i++)
		if (ops[i].group == g && strncmp(ops[i].name, prefix, strlen(prefix)) == 0)
			return &ops[i];
	return NULL;
}

static void table(enum group g, const char *title, const struct op *base1, const char *label1,
		  const struct op *base2, const char *label2)
{
	printf("\n%s\n\n", title);
	printf("| operation | calls/batch | batches | median ns/call | p99 ns/call | x %s | x %s |\n",
	       label1, label2);
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < NOPS; i++) {
		const struct op *o = &ops[i];

		if (o->group != g)
			continue;
		printf("| %s | %zu | %zu | %.*f | %.*f | %.2f | %.2f |\n", o->name, o->calls, o->n,
		       o->median < 100 ? 1 : 0, o->median, o->p99 < 100 ? 1 : 0, o->p99,
		       o->median / base1->median, o->median / base2->median);
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
	long batches = argc > 3 ? strtol(argv[3], NULL, 10) : 400;
	const struct op *check, *hash, *strcmp_op, *service, *session, *cached;

	if (argc < 2 || argc > 4 || rounds < 1 || rounds > 1000 || batches < 4 ||
	    batches > 100000) {
		fprintf(stderr, "usage: %s DATA_DIR [ROUNDS [BATCHES]]\n", argv[0]);
		return 2;
	}
	setup(argv[1]);
	verify();
	for (size_t i = 0; i < NOPS; i++) {
		ops[i].ns = calloc((size_t)rounds * (size_t)batches, sizeof(double));
		if (!ops[i].ns)
			return 1;
	}
	for (long r = 0; r < rounds; r++) {
		fprintf(stderr, "round %ld/%ld\n", r + 1, rounds);
		for (size_t i = 0; i < NOPS; i++) {
			struct op *o = &ops[i];
			long nb = batches / (long)o->batch_div;

			(void)batch(o); /* warm: caches, statements, the clock */
			for (long k = 0; k < nb; k++)
				o->ns[o->n++] = batch(o);
		}
	}
	for (size_t i = 0; i < NOPS; i++) {
		struct op *o = &ops[i];

		qsort(o->ns, o->n, sizeof(double), cmp_double);
		o->median = o->n % 2 ? o->ns[o->n / 2] : (o->ns[o->n / 2 - 1] + o->ns[o->n / 2]) / 2;
		o->p99 = o->ns[(size_t)((double)(o->n - 1) * 0.99 + 0.5)];
	}
	strcmp_op = op_named(G_CHECK, "strcmp");
	hash = op_named(G_CHECK, "crypt_hash_hex");
	check = op_named(G_CHECK, "**grant check");
	cached = op_named(G_LOAD, "store_session_get");
	service = op_named(G_STEPS, "**service read before");
	session = op_named(G_STEPS, "**session");
	printf("grant_bench: %ld rounds; median and p99 of the per-batch ns per call; ratios of medians\n",
	       rounds);
	printf("the grant as stored: %zu bytes of JSON; %zu doctypes, %zu fields, data of [%s, %s)\n",
	       strlen(b.stored_text), b.grant.ndoctypes, b.grant.nfields,
	       json_string_value(json_object_get(json_object_get(b.stored, "scope"), "from")),
	       json_string_value(json_object_get(json_object_get(b.stored, "scope"), "to")));
	table(G_CHECK, "The grant check of a record read (pure: no store, no allocation)", strcmp_op,
	      "strcmp", hash, "hash");
	table(G_LOAD, "Loading the grant (consent_load, on every service request)", hash, "hash",
	      cached, "cached session");
	table(G_STEPS, "The store work of one record read, in the router's order before 3edfeef", hash,
	      "hash", session, "session read");
	printf("\ngrant check of a record read: median %.0f ns, p99 %.0f ns"
	       " -> target < 2000 ns median: %s\n",
	       check->median, check->p99, check->median < 2000 ? "met" : "NOT met");
	printf("store work per read, in-process, every step as before 3edfeef: service %.1f us,"
	       " session %.1f us (session/service %.2f)\n",
	       service->median / 1e3, session->median / 1e3, session->median / service->median);
	printf("(sink %ju)\n", (uintmax_t)(sink & 1));
	json_decref(b.stored);
	free(b.stored_text);
	for (size_t i = 0; i < NOPS; i++)
		free(ops[i].ns);
	bench_world_close(&b.w);
	return 0;
}
