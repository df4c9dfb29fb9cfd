/*
 * tariffs.c - regulated energy prices by period (opendata.h; the format
 * is in docs/opendata.md): electricity and gas, an option ("base",
 * "hc_hp"...), the period it applies (valid_from, valid_to: its first and
 * last days), the subscription per month or per year and the prices per
 * kWh. Two entries for the same energy, option, power and name may not
 * overlap. The canonical form gives the subscription both per month and
 * per year.
 */
#include "opendata/opendata_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

#define TARIFFS_MAX 10000                /* entries of a tariffs file */
#define TARIFF_PRICES_MAX 8              /* prices of one entry (tempo has 6) */

struct tcheck {
	char *err;
	size_t errn;
};

static bool slug_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static enum cmn_rc only(struct tcheck *c, const char *ptr, const json_t *obj,
			const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return od_fault(c->err, c->errn, ptr, "an object");
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;

		for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
			;
		if (!allowed[i]) {
			char p[200];

			od_ptr(p, sizeof(p), "%s/%s", ptr, key);
			return od_fault(c->err, c->errn, p, "not a member of this object");
		}
	}
	return CMN_OK;
}

static enum cmn_rc text(struct tcheck *c, const char *ptr, const json_t *obj, const char *name,
			bool required)
{
	const json_t *v = json_object_get(obj, name);
	char p[200];

	od_ptr(p, sizeof(p), "%s/%s", ptr, name);
	if (!v)
		return required ? od_fault(c->err, c->errn, p, "required") : CMN_OK;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > OPENDATA_TEXT_MAX)
		return od_fault(c->err, c->errn, p, "a string of 1 to %d bytes", OPENDATA_TEXT_MAX);
	return CMN_OK;
}

static enum cmn_rc date(struct tcheck *c, const char *ptr, const json_t *obj, const char *name,
			bool required)
{
	const json_t *v = json_object_get(obj, name);
	char p[200];

	od_ptr(p, sizeof(p), "%s/%s", ptr, name);
	if (!v || json_is_null(v))
		return required ? od_fault(c->err, c->errn, p, "required") : CMN_OK;
	if (!json_is_string(v) || !time_is_date(json_string_value(v)))
		return od_fault(c->err, c->errn, p, "a date, YYYY-MM-DD%s",
				required ? "" : ", or null while it applies");
	return CMN_OK;
}

/* amount - obj's member name, a number within [0, max] (or absent) */
static enum cmn_rc amount(struct tcheck *c, const char *ptr, const json_t *obj, const char *name,
			  double max)
{
	const json_t *v = json_object_get(obj, name);
	char p[200];

	od_ptr(p, sizeof(p), "%s/%s", ptr, name);
	if (v && (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > max))
		return od_fault(c->err, c->errn, p, "a number from 0 to %g", max);
	return CMN_OK;
}

static enum cmn_rc prices(struct tcheck *c, const char *ptr, const json_t *t)
{
	const json_t *pr = json_object_get(t, "prices_eur_kwh");
	const char *option = json_string_value(json_object_get(t, "option")), *key;
	char p[200];
	json_t *v;

	od_ptr(p, sizeof(p), "%s/prices_eur_kwh", ptr);
	if (!json_is_object(pr) || json_object_size(pr) == 0 ||
	    json_object_size(pr) > TARIFF_PRICES_MAX)
		return od_fault(c->err, c->errn, p, "an object of 1 to %d prices per kWh",
				TARIFF_PRICES_MAX);
	json_object_foreach((json_t *)pr, key, v) {
		char q[260];

		od_ptr(q, sizeof(q), "%s/%s", p, key);
		if (!slug_ok(key, 32))
			return od_fault(c->err, c->errn, q, "a period's name: [a-z][a-z0-9_]*");
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 10)
			return od_fault(c->err, c->errn, q, "a price in euros per kWh, 0 to 10");
	}
	if (strcmp(option, "base") == 0 && (json_object_size(pr) != 1 || !json_object_get(pr, "base")))
		return od_fault(c->err, c->errn, p, "the option base has one price, base");
	if (strcmp(option, "hc_hp") == 0 &&
	    (json_object_size(pr) != 2 || !json_object_get(pr, "hc") || !json_object_get(pr, "hp")))
		return od_fault(c->err, c->errn, p, "the option hc_hp has two prices, hc and hp");
	return CMN_OK;
}

/* subscription - per month, per year or both (then they agree to the
 * cent); the other one is computed */
static enum cmn_rc subscription(struct tcheck *c, const char *ptr, json_t *t)
{
	const json_t *m = json_object_get(t, "subscription_eur_month");
	const json_t *y = json_object_get(t, "subscription_eur_year");
	enum cmn_rc rc;

	if ((rc = amount(c, ptr, t, "subscription_eur_month", 1e5)) != CMN_OK ||
	    (rc = amount(c, ptr, t, "subscription_eur_year", 12e5)) != CMN_OK)
		return rc;
	if (!m && !y)
		return od_fault(c->err, c->errn, ptr,
				"subscription_eur_month or subscription_eur_year");
	if (m && y && fabs(json_number_value(m) * 12 - json_number_value(y)) > 0.01 * 12) {
		char p[200];

		od_ptr(p, sizeof(p), "%s/subscription_eur_year", ptr);
		return od_fault(c->err, c->errn, p, "12 times subscription_eur_month");
	}
	/* t is borrowed (the list holds it), so no json_put: a set that
	 * fails is NOMEM, not a tariff kept without one of the two */
	if (!m && json_object_set_new(t, "subscription_eur_month",
				      json_real(od_round(json_number_value(y) / 12, 4))) != 0)
		return CMN_ERR_NOMEM;
	if (!y && json_object_set_new(t, "subscription_eur_year",
				      json_real(od_round(json_number_value(m) * 12, 4))) != 0)
		return CMN_ERR_NOMEM;
	return CMN_OK;
}

/* same_tariff - a and b are the same energy, option, power and name */
static bool same_tariff(const json_t *a, const json_t *b)
{
	static const char *const keys[] = {"energy", "option", "power_kva", "name"};

	for (size_t i = 0; i < 4; i++) {
		const json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);

		if (!!x != !!y || (x && !json_equal(x, y)))
			return false;
	}
	return true;
}

/* overlap - a's period and b's share a day (valid_to null: still in force) */
static bool overlap(const json_t *a, const json_t *b)
{
	const char *af = json_string_value(json_object_get(a, "valid_from"));
	const char *at = json_string_value(json_object_get(a, "valid_to"));
	const char *bf = json_string_value(json_object_get(b, "valid_from"));
	const char *bt = json_string_value(json_object_get(b, "valid_to"));

	return (!at || strcmp(bf, at) <= 0) && (!bt || strcmp(af, bt) <= 0);
}

static enum cmn_rc tariff(struct tcheck *c, json_t *list, size_t i)
{
	static const char *const members[] = {
		"energy",		 "name",		  "option",	    "power_kva",
		"valid_from",		 "valid_to",		  "subscription_eur_month",
		"subscription_eur_year", "prices_eur_kwh",	  "source",	    NULL};
	json_t *t = json_array_get(list, i);
	const json_t *power = json_object_get(t, "power_kva");
	const char *energy, *option, *from, *to;
	char p[64], q[96];
	enum cmn_rc rc;

	od_ptr(p, sizeof(p), "/tariffs/%zu", i);
	if ((rc = only(c, p, t, members)) != CMN_OK || (rc = text(c, p, t, "energy", true)) != CMN_OK)
		return rc;
	energy = json_string_value(json_object_get(t, "energy"));
	od_ptr(q, sizeof(q), "%s/energy", p);
	if (strcmp(energy, "electricity") != 0 && strcmp(energy, "gas") != 0)
		return od_fault(c->err, c->errn, q, "electricity or gas");
	if ((rc = text(c, p, t, "name", false)) != CMN_OK ||
	    (rc = text(c, p, t, "source", false)) != CMN_OK ||
	    (rc = text(c, p, t, "option", true)) != CMN_OK)
		return rc;
	option = json_string_value(json_object_get(t, "option"));
	od_ptr(q, sizeof(q), "%s/option", p);
	if (!slug_ok(option, 32))
		return od_fault(c->err, c->errn, q, "base, hc_hp or another [a-z][a-z0-9_]*");
	od_ptr(q, sizeof(q), "%s/power_kva", p);
	if (power && (!json_is_integer(power) || json_integer_value(power) < 1 ||
		      json_integer_value(power) > 1000 || strcmp(energy, "electricity") != 0))
		return od_fault(c->err, c->errn, q, "an integer from 1 to 1000 (electricity)");
	if ((rc = date(c, p, t, "valid_from", true)) != CMN_OK ||
	    (rc = date(c, p, t, "valid_to", false)) != CMN_OK)
		return rc;
	from = json_string_value(json_object_get(t, "valid_from"));
	to = json_string_value(json_object_get(t, "valid_to"));
	od_ptr(q, sizeof(q), "%s/valid_to", p);
	if (to && strcmp(to, from) < 0)
		return od_fault(c->err, c->errn, q, "not before valid_from");
	/* every tariff has valid_to (null: still in force) */
	if (!to && json_object_set_new(t, "valid_to", json_null()) != 0)
		return CMN_ERR_NOMEM;
	if ((rc = subscription(c, p, t)) != CMN_OK || (rc = prices(c, p, t)) != CMN_OK)
		return rc;
	for (size_t j = 0; j < i; j++) {
		const json_t *o = json_array_get(list, j);

		if (same_tariff(o, t) && overlap(o, t)) {
			od_ptr(q, sizeof(q), "%s/valid_from", p);
			return od_fault(c->err, c->errn, q, "the period overlaps /tariffs/%zu's", j);
		}
	}
	return CMN_OK;
}

enum cmn_rc opendata_tariffs_parse(const char *json, size_t n, json_t **canon, char *err,
				   size_t errn)
{
	static const char *const members[] = {"currency", "taxes", "source", "note", "tariffs",
					      NULL};
	struct tcheck c = {err, errn};
	json_t *root, *list;
	const char *cur, *taxes;
	enum cmn_rc rc = od_json(json, n, &root, err, errn);

	*canon = NULL;
	if (rc != CMN_OK)
		return rc;
	if ((rc = only(&c, "", root, members)) != CMN_OK)
		goto done;
	cur = json_string_value(json_object_get(root, "currency"));
	taxes = json_string_value(json_object_get(root, "taxes"));
	list = json_object_get(root, "tariffs");
	if (!cur || strcmp(cur, "EUR") != 0)
		rc = od_fault(err, errn, "/currency", "\"EUR\"");
	else if (!taxes || (strcmp(taxes, "TTC") != 0 && strcmp(taxes, "HT") != 0))
		rc = od_fault(err, errn, "/taxes", "\"TTC\" (taxes included) or \"HT\"");
	else if ((rc = text(&c, "", root, "source", false)) != CMN_OK ||
		 (rc = text(&c, "", root, "note", false)) != CMN_OK)
		goto done;
	else if (!json_is_array(list) || json_array_size(list) == 0 ||
		 json_array_size(list) > TARIFFS_MAX)
		rc = od_fault(err, errn, "/tariffs", "an array of 1 to %d tariffs", TARIFFS_MAX);
	for (size_t i = 0; rc == CMN_OK && i < json_array_size(list); i++)
		rc = tariff(&c, list, i);
	if (rc == CMN_OK)
		*canon = json_incref(root);
done:
	json_decref(root);
	return rc;
}
