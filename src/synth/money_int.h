/*
 * money_int.h - private to src/synth/money.c and src/synth/life.c (and to
 * their tests): what a household does (life.c: groceries, activities,
 * appointments, holidays) and what its bank account pays for it and
 * receives (money.c: incomes, allowances, tax, bills, the statement).
 * Nothing outside src/synth should include this file; synth.h is the API.
 *
 * Days are days since 1970-01-01 (not period indexes) and months are
 * absolute (year * 12 + month - 1), so that a month's data is the same
 * whatever period it is generated in. docs/synth/money.md.
 */
#ifndef COMMUNE_SYNTH_MONEY_INT_H
#define COMMUNE_SYNTH_MONEY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth/synth.h"

/* ---- streams and the calendar ------------------------------------------------ */

/* The kinds of random streams of money.c and life.c: far from the small
 * numbers of territory.c and household.c. */
enum money_stream {
	STREAM_PROFILE = 0x4d4f4e00, /* the household's habits (sub: index) */
	STREAM_FOOD_PROFILE,         /* shops and frequency (sub: index) */
	STREAM_SHOPPING,             /* a month's shopping days (index, month) */
	STREAM_BASKET,               /* one basket (index, day) */
	STREAM_HEALTH,               /* a month's appointments (index, month) */
	STREAM_SEASON,               /* a season's activities (index, year) */
	STREAM_HOLIDAY,              /* a year's summer holiday (index, year) */
	STREAM_LEISURE,              /* a month's spending (index, month) */
	STREAM_TAX,                  /* a notice's issue date (index, year) */
	STREAM_SCHOOL,               /* a school year's meetings (index, year) */
};

/* money_rng - the stream of kind for household h and x (a day, a month or
 * a year) */
void money_rng(struct synth_rng *r, const struct synth_territory *t,
	       const struct synth_household *h, enum money_stream kind, int64_t x);

int64_t money_month_of(int64_t day);    /* the absolute month of a day */
int64_t money_month_first(int64_t mon); /* its first day */
int money_month_days(int64_t mon);      /* its number of days */
bool money_working_day(int64_t day);    /* Monday to Friday, not a public holiday */
/* money_working_on_or_after - the first working day from day on, within its
 * month (else the last working day of the month) */
int64_t money_working_on_or_after(int64_t day);
/* money_working_on_or_before - the last working day up to day, within its
 * month (else the first working day of the month) */
int64_t money_working_on_or_before(int64_t day);

/* money_ascii_upper - a bank's label: UTF-8 folded to upper-case ASCII
 * (accents dropped), at most n - 1 bytes */
void money_ascii_upper(char *out, size_t n, const char *utf8);

/* ---- money.c: incomes, allowances, tax --------------------------------------------- */

/* money_resources - the household's regular resources a month, in cents:
 * earned incomes, pensions, benefits, support from family and the monthly
 * allowances (not the yearly ones) */
int64_t money_resources(const struct synth_territory *t, const struct synth_household *h);

/* money_housing - the rent or the loan instalment paid, cents a month:
 * h->housing_cents, but at most 50 % of the resources for a rent and 35 %
 * for a loan (landlords and banks ask for no more), except for students on
 * their own, whose families pay */
int64_t money_housing(const struct synth_territory *t, const struct synth_household *h);

/* money_tax_due - income tax in euros for a taxable income (euros a year),
 * tax shares doubled, and whether it is a couple's */
int64_t money_tax_due(int64_t taxable, int shares_x2, bool couple);

#define MONEY_ALLOWANCES_MONTH 16

struct money_allowance {
	const char *kind;                 /* social.allowance kind */
	const char *payer;                /* caf, crous, state, other */
	int64_t period_start, period_end; /* days */
	int64_t paid_on;                  /* the day of the bank credit */
	int64_t cents;
};

/* money_allowances_paid - the allowances paid during month mon (the
 * monthly ones for the month before, CROUS grants for the month, ARS in
 * August, the energy voucher in May); their count */
int money_allowances_paid(const struct synth_territory *t, const struct synth_household *h,
			  int64_t mon, struct money_allowance out[MONEY_ALLOWANCES_MONTH]);

/* ---- money.c: the statement ------------------------------------------------------------ */

/* the categories of bank.transaction */
enum money_cat {
	CAT_INCOME,
	CAT_ALLOWANCE,
	CAT_HOUSING,
	CAT_ENERGY,
	CAT_WATER,
	CAT_TELECOM,
	CAT_FOOD,
	CAT_TRANSPORT,
	CAT_HEALTH,
	CAT_EDUCATION,
	CAT_LEISURE,
	CAT_TAX,
	CAT_INSURANCE,
	CAT_SAVINGS,
	CAT_TRANSFER,
	CAT_OTHER,
	CATS
};

extern const char *const money_cat_names[CATS];

struct money_entry {
	int64_t day;   /* the booking day */
	int64_t cents; /* signed: negative for a debit */
	enum money_cat cat;
	const char *type; /* OFX TRNTYPE */
	char name[33];    /* OFX NAME (32 characters) */
	char memo[96];    /* OFX MEMO */
	int order, seq;   /* sort keys within a day */
};

struct money_summary {
	int64_t opening, closing; /* cents */
	int64_t lowest;           /* the lowest balance after any entry */
	int64_t savings_opening, savings_closing;
	int64_t resources; /* money_resources() */
	size_t entries;
};

/* money_entry_fn - one entry of the statement, in booking order, with the
 * balance after it */
typedef enum cmn_rc (*money_entry_fn)(const struct money_entry *e, int64_t balance, void *arg);

/* money_statement - the household's current account over the period, one
 * entry at a time (fn may be NULL); sum (may be NULL) receives the
 * balances. */
enum cmn_rc money_statement(const struct synth_territory *t, const struct synth_household *h,
			    money_entry_fn fn, void *arg, struct money_summary *sum);

/* ---- life.c: groceries --------------------------------------------------------------- */

#define LIFE_BASKET_ITEMS 64
#define LIFE_SHOP_TRIPS   62

struct life_item {
	int product;       /* index in the product table */
	int64_t qty_milli; /* thousandths of the unit */
	int64_t cents;
};

struct life_basket {
	int64_t day;
	int minute;            /* local time of the receipt */
	int shop;              /* index in t->shops */
	int64_t target, cents; /* what was meant, what it cost */
	int nitems;
	struct life_item items[LIFE_BASKET_ITEMS];
};

struct life_shopping {
	int n;
	struct {
		int64_t day;
		int minute; /* local arrival at the shop */
		int shop;
		int64_t target; /* cents */
	} trip[LIFE_SHOP_TRIPS];
};

/* life_grocery_budget - food at home, cents a month */
int64_t life_grocery_budget(const struct synth_territory *t, const struct synth_household *h);

/* life_shopping_month - the grocery shopping of month mon within the
 * period: the household's visits to the territory's shops (its trips, from
 * mobility.c), less the days of its summer holiday, each visit with its
 * share of the month's budget (prorated to the days of the month in the
 * period); the household's own shopping days when it visits no shop that
 * month */
void life_shopping_month(const struct synth_territory *t, const struct synth_household *h,
			 int64_t mon, struct life_shopping *s);

/* life_basket - the basket bought on day at shop, at minute, for about
 * target cents */
void life_basket(const struct synth_territory *t, const struct synth_household *h, int64_t day,
		 int shop, int minute, int64_t target, struct life_basket *b);

/* life_product - a product's name, category, unit ("kg", "item", "l") and
 * ecoscore letter, as sold at shop (a Biocoop sells it organic) */
void life_product(const struct synth_territory *t, int product, int shop, const char **name,
		  const char **category, const char **unit, char *ecoscore, bool *organic);

/* ---- life.c: the calendar's paid events -------------------------------------------- */

#define LIFE_APPOINTMENTS_MONTH SYNTH_MAX_MEMBERS

struct life_appointment {
	int member;
	int64_t day;
	int minute, duration; /* local start, minutes */
	const char *what;     /* "médecin généraliste" */
	char doctor[40];
	int64_t fee, refund; /* cents: paid, refunded by the CPAM */
};

/* life_appointments - the medical appointments of month mon; their count */
int life_appointments(const struct synth_territory *t, const struct synth_household *h, int64_t mon,
		      struct life_appointment out[LIFE_APPOINTMENTS_MONTH]);

struct life_activity {
	const char *name; /* "Judo" */
	char place[64];
	int64_t first, last; /* the season: first and last days */
	int64_t fee;         /* cents, paid on the first day */
	int member;
	int weekday; /* 0 Monday */
	int minute, duration;
};

/* life_activities - the weekly activities of the season that starts in
 * September of year; their count */
int life_activities(const struct synth_territory *t, const struct synth_household *h, int64_t year,
		    struct life_activity out[SYNTH_MAX_MEMBERS]);

struct life_holiday {
	int64_t first, days; /* synth_holidays(): away from first, back on
			      * first + days */
	char where[40];
	bool family;             /* staying with family: no lodging */
	int64_t lodging, travel; /* cents */
};

/* life_holidays - the household's holidays that start in year (those of
 * synth_holidays, shared with the meters and the trips), where and at what
 * cost; their count */
int life_holidays(const struct synth_territory *t, const struct synth_household *h, int64_t year,
		  struct life_holiday out[2]);

#endif
