/*
 * test_service_toque_verte.c - La Toque Verte (apps/toque-verte) run in a
 * person's store on the food purchases of a household of the synthetic
 * territory (the file `commune synth` writes, imported as a person would),
 * plus purchases made by hand at the edges (a category without a factor,
 * none at all, grams, millilitres, no quantity, a month alone, dates at a
 * month's edge in another offset). Every value the app writes is checked
 * against the same figure recomputed here from the CSV text itself: the
 * local month is the date's own text, the factors are the means of ADEME's
 * Impact CO2 entries as this file lists them, not read from
 * opendata/ademe.food.json (which is checked against them apart).
 */
#include "service_support.h"

#include "core/tz.h"
#include "import/import.h"
#include "synth/synth.h"

#define YEAR0   2024 /* months are counted from January of it */
#define NMONTHS 12
#define NCATS   16
#define DOCTYPE "footprint.food.monthly"
#define APP_ID  "toque-verte"

/* ---- the factors, from ADEME ---------------------------------------------------- */

/* Impact CO2's entries (alimentation.json, boisson.json): the sum of each
 * one's life-cycle parts, kg CO2e per kg (per litre for drinks), rounded
 * to 1e-4 as the docs list them */
struct basis {
	const char *slug;
	double kg;
};

struct category {
	const char *name;
	double kg_per_item; /* commune's assumption (docs/apps/toque-verte.md) */
	struct basis b[8];
};

static const struct category categories[] = {
    {"fruits et légumes",
     0.5,
     {{"pomme", 0.396},
      {"banane", 0.881},
      {"tomate", 0.582},
      {"carotte", 0.364},
      {"pommedeterre", 0.3676},
      {"courgette", 0.484},
      {"laitue", 0.941},
      {"poireau", 0.769}}},
    {"boulangerie", 0.25, {{"baguette", 0.6867}, {"croissant", 2.6007}, {"paindemie", 1.7534}}},
    {"produits laitiers",
     0.45,
     {{"laitdevache", 1.1505},
      {"yaourt", 2.1074},
      {"beurre", 7.7598},
      {"fromagedure", 6.1074},
      {"fromagemolle", 5.1913},
      {"oeuf", 3.1683}}},
    {"viandes et poissons",
     0.2,
     {{"boeuf", 26.2306},
      {"porc", 9.6606},
      {"poulet", 5.5156},
      {"cabillaud", 10.8112},
      {"saumon", 5.7664},
      {"thon", 4.3865}}},
    {"épicerie",
     0.5,
     {{"pates", 2.1449},
      {"riz", 2.7543},
      {"lentilles", 0.9079},
      {"cookie", 4.0627},
      {"pateatartiner", 7.5649}}},
    {"boissons",
     1.5,
     {{"eauenbouteille", 0.3207}, {"soda", 0.4933}, {"biere", 1.347}, {"vin", 1.2686}}},
    {"surgelés", 0.6, {{"pizza", 3.2772}, {"frites", 1.5279}}},
};

#define NCATEGORIES (sizeof(categories) / sizeof(*categories))

static const struct category *category_of(const char *name)
{
	for (size_t i = 0; i < NCATEGORIES; i++)
		if (strcmp(categories[i].name, name) == 0)
			return &categories[i];
	return NULL;
}

/* the mean of a category's entries, rounded to 1e-4 (halves up): in
 * ten-thousandths, as integers, so that a half is a half */
static double factor_of(const struct category *c)
{
	long long sum = 0;
	int n = 0;

	for (; n < 8 && c->b[n].slug; n++)
		sum += llround(c->b[n].kg * 1e4);
	return (double)((2 * sum + n) / (2 * n)) / 1e4;
}

/* ---- what the app should write --------------------------------------------------- */

struct tally {
	long long purchases, unrated;
	double kg, eur, co2;
};

struct expect {
	char names[NCATS][80]; /* the categories seen, in any month */
	int ncats;
	bool any[NMONTHS];
	bool used[NMONTHS][NCATS];
	struct tally t[NMONTHS][NCATS];
	struct tally all[NMONTHS];
	long long purchases;
	long long unknown[NCATS]; /* purchases of a category without a factor */
};

static int cat_index(struct expect *e, const char *name)
{
	for (int i = 0; i < e->ncats; i++)
		if (strcmp(e->names[i], name) == 0)
			return i;
	assert_true(e->ncats < NCATS);
	snprintf(e->names[e->ncats], sizeof(e->names[0]), "%s", name);
	return e->ncats++;
}

/* expect_add - one purchase: its month, category (NULL: none), quantity
 * (< 0: none), unit (NULL: none) and price */
static void expect_add(struct expect *e, int mi, const char *category, double quantity,
		       const char *unit, double eur)
{
	const char *name = category ? category : "unknown";
	const struct category *c = category ? category_of(category) : NULL;
	int k = cat_index(e, name);
	struct tally *row[2] = {&e->t[mi][k], &e->all[mi]};
	double q = quantity < 0 ? 1 : quantity, kg = 0;

	assert_true(mi >= 0 && mi < NMONTHS);
	e->any[mi] = e->used[mi][k] = true;
	e->purchases++;
	if (c) {
		if (!unit || strcmp(unit, "item") == 0)
			kg = q * c->kg_per_item;
		else if (strcmp(unit, "kg") == 0 || strcmp(unit, "l") == 0)
			kg = q; /* a litre weighs a kilogram here */
		else if (strcmp(unit, "g") == 0 || strcmp(unit, "ml") == 0)
			kg = q / 1000;
		else
			fail_msg("a unit the test does not know: %s", unit);
	} else {
		e->unknown[k]++;
	}
	for (int i = 0; i < 2; i++) {
		row[i]->purchases++;
		row[i]->eur += eur;
		if (!c) {
			row[i]->unrated++;
			continue;
		}
		row[i]->kg += kg;
		row[i]->co2 += kg * factor_of(c);
	}
}

/* ---- the data --------------------------------------------------------------------- */

/* field - the n-th field (0 first) of a line split at ';', copied */
static void field(const char *line, int n, char *out, size_t cap)
{
	const char *p = line, *end;
	size_t len;

	for (int i = 0; i < n; i++) {
		p = strchr(p, ';');
		assert_non_null(p);
		p++;
	}
	end = strchr(p, ';');
	len = end ? (size_t)(end - p) : strlen(p);
	assert_true(len < cap);
	memcpy(out, p, len);
	out[len] = '\0';
}

/* synth_food - the food file of the first household of the territory
 * that has one, imported as a person imports it; each of its rows added
 * to e from the text (the month is the local date as written) */
static void synth_food(struct fixture *f, struct expect *e)
{
	struct synth_territory *t = calloc(1, sizeof(*t));
	struct synth_household h;
	struct import_job job;
	char *text = NULL, *line, *next;
	size_t n = 0, rows = 0;
	FILE *out;
	enum cmn_rc rc = CMN_ERR_NOT_FOUND;

	assert_non_null(t);
	assert_int_equal(synth_territory_init(t, 7, time_days_from_civil(2024, 1, 10), 110),
			 CMN_OK);
	for (uint64_t i = 0; rc == CMN_ERR_NOT_FOUND && i < 50; i++) {
		free(text);
		text = NULL;
		synth_household(t, i, &h);
		assert_non_null(out = open_memstream(&text, &n));
		rc = synth_write_food(t, &h, out);
		fclose(out);
	}
	assert_int_equal(rc, CMN_OK);
	memset(&job, 0, sizeof(job));
	if (check_import_text(f, "courses.csv", "mapping", text, n, &job) != CMN_OK)
		fail_msg("import: %s", job.err.message);
	import_job_release(&job);

	/* the rows: after the mapping line and the header */
	line = strchr(strchr(text, '\n') + 1, '\n') + 1;
	for (; *line; line = next) {
		char date[32], cat[80], qty[32], unit[16], price[32];

		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		field(line, 0, date, sizeof(date));
		field(line, 3, cat, sizeof(cat));
		field(line, 4, qty, sizeof(qty));
		field(line, 5, unit, sizeof(unit));
		field(line, 6, price, sizeof(price));
		if (!category_of(cat))
			fail_msg("synth buys in the category \"%s\", which has no factor here",
				 cat);
		expect_add(e,
			   (int)(strtol(date, NULL, 10) - YEAR0) * 12 +
			       (int)strtol(date + 5, NULL, 10) - 1,
			   cat, strtod(qty, NULL), unit, strtod(price, NULL));
		rows++;
	}
	assert_true(rows > 100);
	/* every category synth knows is bought by this household */
	for (size_t i = 0; i < NCATEGORIES; i++)
		assert_true(e->ncats > (int)i && category_of(e->names[i]));
	free(text);
	free(t);
}

/* Purchases made by hand, each with the month it falls in, in Paris. */
struct made {
	const char *date;
	int y, m;
	const char *category; /* NULL: none */
	double quantity;      /* < 0: none */
	const char *unit;     /* NULL: none */
	double eur;
};

static const struct made edge[] = {
    {"2024-03-31T23:30:00+02:00", 2024, 3, "animalerie", 2, "item", 12.5},
    {"2024-01-31T23:30:00Z", 2024, 2, "viandes et poissons", 350, "g", 7}, /* 00:30 1 Feb */
    {"2024-02-10T10:00:00+01:00", 2024, 2, "boissons", 750, "ml", 3},
    {"2024-02-11T10:00:00+01:00", 2024, 2, NULL, -1, NULL, 2},
    {"2024-04-02T10:00:00+02:00", 2024, 4, "boulangerie", -1, NULL, 1.2},
    {"2024-06-15T10:00:00+02:00", 2024, 6, "épicerie", 1, "item", 2.1}, /* June alone */
    {"2024-06-15T11:00:00+02:00", 2024, 6, "animalerie", 1, "kg", 4},
    {"2024-08-01T10:00:00+02:00", 2024, 8, "animalerie", 3, "item", 9}, /* no tips */
};

static void insert_made(struct fixture *f, const struct made *p)
{
	struct record_meta m = {0};
	json_t *data =
	    json_pack("{s:s, s:s, s:f}", "date", p->date, "product", "test", "amount", p->eur);
	char *text;

	if (p->category)
		json_object_set_new(data, "category", json_string(p->category));
	if (p->quantity >= 0)
		json_object_set_new(data, "quantity", json_real(p->quantity));
	if (p->unit)
		json_object_set_new(data, "unit", json_string(p->unit));
	text = json_dumps(data, JSON_COMPACT);
	crypt_uuid7_new(m.id);
	snprintf(m.doctype, sizeof(m.doctype), "food.purchase");
	snprintf(m.source, sizeof(m.source), "api");
	m.t = check_time(p->date);
	assert_int_equal(pstore_record_insert(f->ps, &m, text, NULL), CMN_OK);
	free(text);
	json_decref(data);
}

/* ---- the check ------------------------------------------------------------------- */

static const json_t *tip_text(const json_t *ds, const char *category, const char *lang)
{
	return json_object_get(
	    json_object_get(json_object_get(json_object_get(ds, "categories"), category), "tip"),
	    lang);
}

/* check_tips - the two rated categories that emitted most in the month,
 * most first, with their tips */
static void check_tips(const struct expect *e, int mi, const json_t *d, const json_t *ds,
		       const char *where)
{
	int rank[NCATS], n = 0;
	const json_t *tips = json_object_get(d, "tips");

	for (int k = 0; k < e->ncats; k++)
		if (e->used[mi][k] && category_of(e->names[k]) && e->t[mi][k].co2 > 0)
			rank[n++] = k;
	for (int i = 1; i < n; i++) /* insertion sort: most first, then by name */
		for (int j = i; j > 0; j--) {
			const struct tally *a = &e->t[mi][rank[j - 1]], *b = &e->t[mi][rank[j]];

			if (a->co2 > b->co2 || (a->co2 == b->co2 && strcmp(e->names[rank[j - 1]],
									   e->names[rank[j]]) < 0))
				break;
			int x = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = x;
		}
	if (n > 2)
		n = 2;
	if (n == 0) {
		svc_absent(d, "tips", where);
		return;
	}
	if (!json_is_array(tips) || (int)json_array_size(tips) != n)
		fail_msg("%s: %d tips expected", where, n);
	for (int i = 0; i < n; i++) {
		const json_t *tip = json_array_get(tips, (size_t)i);
		const char *name = e->names[rank[i]];

		svc_same_text(tip, "category", name, where);
		svc_same_number(tip, "kg_co2e", e->t[mi][rank[i]].co2, where);
		assert_true(json_equal(json_object_get(tip, "fr"), tip_text(ds, name, "fr")));
		assert_true(json_equal(json_object_get(tip, "en"), tip_text(ds, name, "en")));
		assert_true(strlen(json_string_value(json_object_get(tip, "fr"))) > 40);
	}
}

static void check_tally(const json_t *d, const struct tally *t, const struct tally *all,
			const struct tally *before, const char *where)
{
	svc_same_int(d, "purchases", t->purchases, where);
	svc_same_int(d, "purchases_unrated", t->unrated, where);
	svc_same_number(d, "quantity_kg", t->kg, where);
	svc_same_number(d, "amount_eur", t->eur, where);
	svc_same_number(d, "kg_co2e", t->co2, where);
	if (all && all->co2 > 0)
		svc_same_number(d, "share_pct", 100 * t->co2 / all->co2, where);
	else
		svc_absent(d, "share_pct", where);
	if (!before) {
		svc_absent(d, "kg_co2e_previous_month", where);
		svc_absent(d, "change_pct", where);
		return;
	}
	svc_same_number(d, "kg_co2e_previous_month", before->co2, where);
	if (before->co2 > 0)
		svc_same_number(d, "change_pct", 100 * (t->co2 - before->co2) / before->co2, where);
	else
		svc_absent(d, "change_pct", where);
}

/* check - every record is one expected, with the values recomputed; the
 * number of records */
static size_t check(struct fixture *f, const struct expect *e, const json_t *ds)
{
	struct svc_outs *o = calloc(1, sizeof(*o));
	static const struct tally none;
	size_t expected = 0, n;

	assert_non_null(o);
	svc_outs_load(f, DOCTYPE, o);
	for (int mi = 0; mi < NMONTHS; mi++) {
		char month[32], start[40], where[160];
		bool before = mi > 0 && e->any[mi - 1];
		const json_t *d;

		if (!e->any[mi])
			continue;
		snprintf(month, sizeof(month), "%04d-%02d", YEAR0 + mi / 12, mi % 12 + 1);
		snprintf(start, sizeof(start), "%s-01", month);
		for (int k = 0; k < e->ncats; k++) {
			if (!e->used[mi][k])
				continue;
			snprintf(where, sizeof(where), "%s %s", month, e->names[k]);
			d = svc_find(o, "month", month, "category", e->names[k]);
			svc_same_text(d, "start", start, where);
			if (!json_is_boolean(json_object_get(d, "rated")) ||
			    json_is_true(json_object_get(d, "rated")) !=
				(category_of(e->names[k]) != NULL))
				fail_msg("%s: rated is wrong", where);
			svc_absent(d, "tips", where);
			check_tally(d, &e->t[mi][k], &e->all[mi],
				    before ? (e->used[mi - 1][k] ? &e->t[mi - 1][k] : &none) : NULL,
				    where);
			expected++;
		}
		snprintf(where, sizeof(where), "%s all", month);
		d = svc_find(o, "month", month, "category", "all");
		svc_same_text(d, "start", start, where);
		svc_absent(d, "rated", where);
		check_tally(d, &e->all[mi], NULL, before ? &e->all[mi - 1] : NULL, where);
		check_tips(e, mi, d, ds, where);
		expected++;
	}
	svc_all_seen(o, APP_ID);
	assert_int_equal(o->n, expected);
	n = o->n;
	svc_outs_release(o);
	free(o);
	return n;
}

/* the run's result names the categories without a factor */
static void check_unrated(const struct expect *e, const json_t *result)
{
	const json_t *unrated = json_object_get(result, "unrated");
	size_t found = 0;

	for (int k = 0; k < e->ncats; k++) {
		bool seen = false;
		size_t i;
		const json_t *u;

		if (!e->unknown[k])
			continue;
		found++;
		json_array_foreach(unrated, i, u)
		{
			if (strcmp(json_string_value(json_object_get(u, "category")),
				   e->names[k]) != 0)
				continue;
			assert_int_equal(json_integer_value(json_object_get(u, "purchases")),
					 e->unknown[k]);
			seen = true;
		}
		if (!seen)
			fail_msg("the result does not report the category %s", e->names[k]);
	}
	assert_int_equal(json_array_size(unrated), found);
	assert_int_equal(found, 2); /* animalerie and none */
}

static void toque_verte(void **state)
{
	struct fixture *f = *state;
	struct expect *e = calloc(1, sizeof(*e));
	json_t *ds = svc_dataset("ademe.food");
	struct app_package p = {0};
	struct app_run r;
	size_t n;
	const struct made late = {
	    "2024-05-03T09:00:00+02:00", 2024, 5, "viandes et poissons", 1.5, "kg", 20};

	assert_non_null(e);
	synth_food(f, e);
	for (size_t i = 0; i < sizeof(edge) / sizeof(*edge); i++) {
		insert_made(f, &edge[i]);
		expect_add(e, (edge[i].y - YEAR0) * 12 + edge[i].m - 1, edge[i].category,
			   edge[i].quantity, edge[i].unit, edge[i].eur);
	}
	svc_pack(f, APP_ID, &p);

	svc_run(f, &p, NULL, &r);
	n = check(f, e, ds);
	check_unrated(e, r.result);
	assert_int_equal(r.records_written, (int64_t)n);
	assert_int_equal(r.records_read, e->purchases);
	assert_int_equal(json_integer_value(json_object_get(r.result, "purchases")), e->purchases);
	print_message("toque-verte: %lld purchases, %zu records, %.3f ms, %llu instructions\n",
		      e->purchases, n, (double)r.elapsed_us / 1000,
		      (unsigned long long)r.instructions);
	app_run_release(&r);

	/* a purchase in May, which had none: a second run replaces the first's
	 * records, and June now has a month before */
	insert_made(f, &late);
	expect_add(e, 4, late.category, late.quantity, late.unit, late.eur);
	svc_run(f, &p, NULL, &r);
	assert_int_equal(r.records_replaced, (int64_t)n);
	assert_int_equal(check(f, e, ds), n + 2); /* May: meat and all */
	app_run_release(&r);

	app_package_release(&p);
	json_decref(ds);
	free(e);
}

/* ---- the dataset against its sources -------------------------------------------- */

static void dataset_is_agribalyse(void **state)
{
	json_t *ds = svc_dataset("ademe.food");
	const json_t *cats = json_object_get(ds, "categories");

	(void)state;
	assert_int_equal(json_object_size(cats), NCATEGORIES);
	for (size_t i = 0; i < NCATEGORIES; i++) {
		const struct category *c = &categories[i];
		const json_t *d = json_object_get(cats, c->name);
		const json_t *basis = json_object_get(d, "basis");
		size_t nb = 0;

		if (!d)
			fail_msg("ademe.food: no %s", c->name);
		svc_same_number(d, "kg_co2e_per_kg", factor_of(c), c->name);
		svc_same_number(d, "kg_per_item", c->kg_per_item, c->name);
		svc_same_number(d, "kg_per_l", 1.0, c->name);
		for (; nb < 8 && c->b[nb].slug; nb++)
			svc_same_number(basis, c->b[nb].slug, c->b[nb].kg, c->name);
		assert_int_equal(json_object_size(basis), nb);
		assert_non_null(json_string_value(tip_text(ds, c->name, "fr")));
		assert_non_null(json_string_value(tip_text(ds, c->name, "en")));
	}
	json_decref(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dataset_is_agribalyse),
	    cmocka_unit_test_setup_teardown(toque_verte, check_setup, check_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
