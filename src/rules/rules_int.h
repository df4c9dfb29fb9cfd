/*
 * rules_int.h - what the files of src/rules/ share: the catalogue of facts
 * and the reading of a band's bounds. Private to src/rules/: nothing else
 * should include this file.
 */
#ifndef COMMUNE_RULES_RULES_INT_H
#define COMMUNE_RULES_RULES_INT_H

#include <stdbool.h>

#include <jansson.h>

/* the type of a fact's value */
enum rule_fact_type {
	RULE_FACT_NUMBER,                /* a finite number */
	RULE_FACT_TEXT,                  /* a string (a commune's INSEE code...) */
	RULE_FACT_LIST,                  /* an array of strings (allowance kinds) */
	RULE_FACT_DATE,                  /* a "YYYY-MM-DD" string */
};

/* rule_fact_type_of - the type of a known fact; false when unknown. */
bool rule_fact_type_of(const char *name, enum rule_fact_type *type);

/* the bounds of a band or a range condition: a missing side is open */
struct rule_bounds {
	bool has_lower, lower_incl;      /* "from" (>=) or "above" (>) */
	double lower;
	bool has_upper, upper_incl;      /* "to" (<=) or "below" (<) */
	double upper;
};

/* rule_bounds_read - the bounds of o ("from", "above", "below", "to"),
 * values as written; the check has made sure they are numbers. */
void rule_bounds_read(const json_t *o, struct rule_bounds *b);

/* rule_bounds_hold - whether v is within b. */
bool rule_bounds_hold(const struct rule_bounds *b, double v);

/* rule_round - v as a scale compares it: "floor", "nearest" or as is. */
double rule_round(const char *how, double v);

#endif
