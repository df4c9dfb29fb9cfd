/*
 * rule.c - a governance body's statutes (their checks and canonical JSON)
 * and the decision rules applied to a vote's ballots. See rule.h; the rules
 * themselves, with worked examples, are in docs/governance.md.
 *
 * Every figure is an exact rational. The weighted score of SCIC colleges is
 * a sum of fractions whose common denominator is the product of the
 * colleges' vote counts, which leaves 64 bits for a few hundred voters per
 * college: it is computed in a small fixed-width unsigned integer (struct
 * big) that only needs to multiply, add, divide by a small number and
 * compare.
 */
#include "govern/rule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "record/schema.h"

static const char *const kind_names[GOVERN_KIND_COUNT] = {
	[GOVERN_TRUST] = "trust",
	[GOVERN_COOPERATIVE] = "cooperative",
};

static const char *const rule_names[GOVERN_RULE_COUNT] = {
	[GOVERN_MAJORITY] = "majority",
	[GOVERN_QUALIFIED_MAJORITY] = "qualified_majority",
	[GOVERN_MAJORITY_IN_EVERY_COLLEGE] = "majority_in_every_college",
	[GOVERN_UNANIMITY_OF_TRUSTEES] = "unanimity_of_trustees",
	[GOVERN_WEIGHTED_COLLEGES] = "weighted_colleges",
};

static const char *const choice_names[GOVERN_CHOICE_COUNT] = {
	[GOVERN_CHOICE_NONE] = "none",
	[GOVERN_CHOICE_YES] = "yes",
	[GOVERN_CHOICE_NO] = "no",
	[GOVERN_CHOICE_ABSTAIN] = "abstain",
};

static const char *const outcome_names[GOVERN_OUTCOME_COUNT] = {
	[GOVERN_REJECTED] = "rejected",
	[GOVERN_APPROVED] = "approved",
	[GOVERN_NO_QUORUM] = "no_quorum",
};

#define KIND_BIT(k) (1u << (k))

/* which body may use which rule: trustees and the "every college" rule
 * belong to a trust, weighted colleges to a cooperative (SCIC) */
static const unsigned rule_kinds[GOVERN_RULE_COUNT] = {
	[GOVERN_MAJORITY] = KIND_BIT(GOVERN_TRUST) | KIND_BIT(GOVERN_COOPERATIVE),
	[GOVERN_QUALIFIED_MAJORITY] = KIND_BIT(GOVERN_TRUST) | KIND_BIT(GOVERN_COOPERATIVE),
	[GOVERN_MAJORITY_IN_EVERY_COLLEGE] = KIND_BIT(GOVERN_TRUST),
	[GOVERN_UNANIMITY_OF_TRUSTEES] = KIND_BIT(GOVERN_TRUST),
	[GOVERN_WEIGHTED_COLLEGES] = KIND_BIT(GOVERN_COOPERATIVE),
};

static const char *name_at(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "?";
}

const char *govern_kind_name(enum govern_kind k)
{
	return name_at(kind_names, GOVERN_KIND_COUNT, (unsigned)k);
}

const char *govern_rule_name(enum govern_rule r)
{
	return name_at(rule_names, GOVERN_RULE_COUNT, (unsigned)r);
}

const char *govern_choice_name(enum govern_choice c)
{
	return name_at(choice_names, GOVERN_CHOICE_COUNT, (unsigned)c);
}

const char *govern_outcome_name(enum govern_outcome o)
{
	return name_at(outcome_names, GOVERN_OUTCOME_COUNT, (unsigned)o);
}

/* name_find - the index of s among the n names, or -1 (s may be NULL). */
static int name_find(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* uses_threshold - the rules that compare a share with a threshold */
static bool uses_threshold(enum govern_rule r)
{
	return r == GOVERN_QUALIFIED_MAJORITY || r == GOVERN_WEIGHTED_COLLEGES;
}

/* ---- statutes ----------------------------------------------------------- */

/* read_ratio - a JSON string "N/D", "N" or "I.F" as an exact rational. */
static bool read_ratio(const json_t *v, struct dp_ratio *out)
{
	return json_is_string(v) &&
	       dp_ratio_parse(json_string_value(v), json_string_length(v), out) == CMN_OK;
}

/* ratio_cmp - the sign of a - b (numerators and denominators are 64-bit,
 * their cross products fit 128 bits). */
static int ratio_cmp(struct dp_ratio a, struct dp_ratio b)
{
	unsigned __int128 x = (unsigned __int128)a.num * b.den;
	unsigned __int128 y = (unsigned __int128)b.num * a.den;

	return (x > y) - (x < y);
}

static enum cmn_rc check_kind_rule(const json_t *def, struct govern_statutes *out, char *err,
				   size_t n)
{
	int kind = name_find(kind_names, GOVERN_KIND_COUNT,
			     json_string_value(json_object_get(def, "kind")));
	int rule = name_find(rule_names, GOVERN_RULE_COUNT,
			     json_string_value(json_object_get(def, "rule")));

	if (kind < 0)
		return schema_fault(err, n, "/kind: trust or cooperative is required");
	if (rule < 0)
		return schema_fault(err, n, "/rule: one of majority, qualified_majority,"
				    " majority_in_every_college, unanimity_of_trustees,"
				    " weighted_colleges is required");
	if (!(rule_kinds[rule] & KIND_BIT(kind)))
		return schema_fault(err, n, "/rule: %s is not a rule of a %s", rule_names[rule],
				    kind_names[kind]);
	out->kind = (enum govern_kind)kind;
	out->rule = (enum govern_rule)rule;
	return CMN_OK;
}

/* check_quorum - a share of the members from 0 to 1; 0 when absent. */
static enum cmn_rc check_quorum(const json_t *def, struct govern_statutes *out, char *err,
				size_t n)
{
	const json_t *q = json_object_get(def, "quorum");
	const struct dp_ratio one = {1, 1};

	out->quorum = (struct dp_ratio){0, 1};
	if (!q)
		return CMN_OK;
	if (!read_ratio(q, &out->quorum))
		return schema_fault(err, n, "/quorum: a fraction of the members as text (\"1/4\","
				    " \"0.25\") is required");
	if (ratio_cmp(out->quorum, one) > 0)
		return schema_fault(err, n, "/quorum: at most 1 (every member)");
	return CMN_OK;
}

/* check_threshold - from 1/2 to 1 under the rules that compare a share:
 * required by qualified_majority, 1/2 by default under weighted_colleges,
 * refused elsewhere. */
static enum cmn_rc check_threshold(const json_t *def, struct govern_statutes *out, char *err,
				   size_t n)
{
	const json_t *t = json_object_get(def, "threshold");
	const struct dp_ratio half = {1, 2}, one = {1, 1};

	out->threshold = (struct dp_ratio){0, 1};
	if (!uses_threshold(out->rule)) {
		if (t)
			return schema_fault(err, n, "/threshold: only under qualified_majority and"
					    " weighted_colleges");
		return CMN_OK;
	}
	if (!t && out->rule == GOVERN_WEIGHTED_COLLEGES) {
		out->threshold = half;
		return CMN_OK;
	}
	if (!read_ratio(t, &out->threshold))
		return schema_fault(err, n, "/threshold: a fraction as text (\"2/3\", \"0.75\") is"
				    " required");
	if (ratio_cmp(out->threshold, half) < 0 || ratio_cmp(out->threshold, one) > 0)
		return schema_fault(err, n, "/threshold: from 1/2 to 1");
	return CMN_OK;
}

/* check_college - /colleges/i: its name, unique, and its weight if any. */
static enum cmn_rc check_college(const json_t *c, size_t i, struct govern_statutes *out,
				 char *err, size_t n)
{
	static const char *const members[] = {"name", "weight", NULL};
	const json_t *w = json_object_get(c, "weight");
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *bad;

	if (!json_is_object(c))
		return schema_fault(err, n, "/colleges/%zu: an object {\"name\": ...} is required", i);
	if ((bad = json_member_outside(c, members)))
		return schema_fault(err, n, "/colleges/%zu/%.40s: only name and weight are known", i,
				    bad);
	if (!name || !str_is_name(name, GOVERN_COLLEGE_NAME_MAX, false))
		return schema_fault(err, n, "/colleges/%zu/name: a name of at most %d bytes of"
				    " [a-z0-9_], starting with a letter, is required", i,
				    GOVERN_COLLEGE_NAME_MAX);
	for (size_t j = 0; j < i; j++)
		if (strcmp(out->colleges[j].name, name) == 0)
			return schema_fault(err, n, "/colleges/%zu/name: the same as /colleges/%zu", i,
					    j);
	str_copy(out->colleges[i].name, sizeof(out->colleges[i].name), name);
	if (w && out->rule != GOVERN_WEIGHTED_COLLEGES)
		return schema_fault(err, n, "/colleges/%zu/weight: only under weighted_colleges", i);
	if (i > 0 && (w != NULL) != out->weighted)
		return schema_fault(err, n, "/colleges/%zu/weight: every college has a weight, or"
				    " none", i);
	if (!w)
		return CMN_OK;
	if (!json_is_integer(w) || json_integer_value(w) < GOVERN_WEIGHT_MIN ||
	    json_integer_value(w) > GOVERN_WEIGHT_MAX)
		return schema_fault(err, n, "/colleges/%zu/weight: a whole percent from %d to %d is"
				    " required", i, GOVERN_WEIGHT_MIN, GOVERN_WEIGHT_MAX);
	out->weighted = true;
	out->colleges[i].weight = (uint32_t)json_integer_value(w);
	return CMN_OK;
}

/* check_colleges - the colleges, and what the rule asks of them. */
static enum cmn_rc check_colleges(const json_t *def, struct govern_statutes *out, char *err,
				  size_t n)
{
	const json_t *a = json_object_get(def, "colleges");
	uint32_t sum = 0;
	enum cmn_rc rc;

	if (a && (!json_is_array(a) || json_array_size(a) > GOVERN_COLLEGES_MAX))
		return schema_fault(err, n, "/colleges: an array of at most %d colleges is required",
				    GOVERN_COLLEGES_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		if ((rc = check_college(json_array_get(a, i), i, out, err, n)) != CMN_OK)
			return rc;
		out->ncolleges = i + 1;
		sum += out->colleges[i].weight;
	}
	if (out->weighted && sum != 100)
		return schema_fault(err, n, "/colleges: the weights sum to %" PRIu32 " %%, not 100",
				    sum);
	if (out->rule == GOVERN_MAJORITY_IN_EVERY_COLLEGE && out->ncolleges < 2)
		return schema_fault(err, n, "/colleges: majority_in_every_college needs at least 2"
				    " colleges");
	if (out->rule == GOVERN_WEIGHTED_COLLEGES && out->ncolleges < GOVERN_WEIGHTED_COLLEGES_MIN)
		return schema_fault(err, n, "/colleges: weighted_colleges needs at least %d colleges",
				    GOVERN_WEIGHTED_COLLEGES_MIN);
	return CMN_OK;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* check_trustees - the named trustees of a unanimity rule: person ids,
 * unique, kept sorted (their order says nothing). */
static enum cmn_rc check_trustees(const json_t *def, struct govern_statutes *out, char *err,
				  size_t n)
{
	const json_t *a = json_object_get(def, "trustees");

	if (out->rule != GOVERN_UNANIMITY_OF_TRUSTEES) {
		if (a)
			return schema_fault(err, n, "/trustees: only under unanimity_of_trustees");
		return CMN_OK;
	}
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > GOVERN_TRUSTEES_MAX)
		return schema_fault(err, n, "/trustees: an array of 1 to %d person ids is required",
				    GOVERN_TRUSTEES_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *id = json_string_value(json_array_get(a, i));

		if (!id || strlen(id) != CRYPT_ID_LEN - 1 ||
		    strspn(id, "0123456789abcdef") != CRYPT_ID_LEN - 1)
			return schema_fault(err, n, "/trustees/%zu: a person id (32 lowercase hex"
					    " digits) is required", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->trustees[j], id) == 0)
				return schema_fault(err, n, "/trustees/%zu: the same as /trustees/%zu",
						    i, j);
		str_copy(out->trustees[i], sizeof(out->trustees[i]), id);
		out->ntrustees = i + 1;
	}
	qsort(out->trustees, out->ntrustees, sizeof(out->trustees[0]), id_cmp);
	return CMN_OK;
}

static enum cmn_rc check_all(const json_t *def, struct govern_statutes *out, char *err, size_t n)
{
	static const char *const members[] = {"kind", "rule", "quorum", "threshold",
					      "colleges", "trustees", NULL};
	const char *bad;
	enum cmn_rc rc;

	if (!json_is_object(def))
		return schema_fault(err, n, ": an object is required");
	if ((bad = json_member_outside(def, members)))
		return schema_fault(err, n, "/%.40s: not a member of statutes", bad);
	if ((rc = check_kind_rule(def, out, err, n)) != CMN_OK ||
	    (rc = check_quorum(def, out, err, n)) != CMN_OK ||
	    (rc = check_threshold(def, out, err, n)) != CMN_OK ||
	    (rc = check_colleges(def, out, err, n)) != CMN_OK)
		return rc;
	return check_trustees(def, out, err, n);
}

enum cmn_rc govern_statutes_check(const json_t *def, struct govern_statutes *out, char *err,
				  size_t errn)
{
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	rc = check_all(def, out, err, errn);
	if (rc != CMN_OK)
		memset(out, 0, sizeof(*out));
	if (rc == CMN_ERR_INVALID && errn)
		str_utf8_repair(err);            /* a %.40s may have cut a character */
	return rc;
}

enum cmn_rc govern_statutes_parse(const char *json, size_t n, struct govern_statutes *out,
				  char *err, size_t errn)
{
	struct json_parse_error jerr;
	enum cmn_rc rc;
	json_t *def;

	memset(out, 0, sizeof(*out));
	if (n > GOVERN_STATUTES_MAX_BYTES)
		return schema_fault(err, errn, ": at most %d bytes", GOVERN_STATUTES_MAX_BYTES);
	def = json_parse(json, n, JSON_PARSE_REJECT_DUPLICATES, &jerr);
	if (!def && jerr.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!def)
		return schema_fault(err, errn, ": not JSON (%s, at byte %zu)", jerr.text,
				    jerr.position);
	rc = govern_statutes_check(def, out, err, errn);
	json_decref(def);
	return rc;
}

/* ---- canonical JSON ------------------------------------------------------ */

static json_t *ratio_json(struct dp_ratio r)
{
	char s[DP_RATIO_TEXT_MAX + 1];

	if (dp_ratio_format(r, s, sizeof(s)) != CMN_OK)
		return NULL;
	return json_string(s);
}

/* colleges_json - the colleges with their weights if they have some. */
static json_t *colleges_json(const struct govern_college *c, size_t n, bool weights)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = weights ? json_pack("{s:s, s:I}", "name", c[i].name, "weight",
						(json_int_t)c[i].weight)
				    : json_pack("{s:s}", "name", c[i].name);

		if (!o || json_array_append_new(a, o) != 0) {   /* takes o */
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *govern_statutes_to_json(const struct govern_statutes *s)
{
	json_t *o = json_pack("{s:s, s:s, s:o}", "kind", govern_kind_name(s->kind), "rule",
			      govern_rule_name(s->rule), "quorum", ratio_json(s->quorum));
	bool ok = o != NULL;

	if (ok && uses_threshold(s->rule))
		ok = json_object_set_new(o, "threshold", ratio_json(s->threshold)) == 0;
	if (ok && s->ncolleges > 0) {
		json_t *a = colleges_json(s->colleges, s->ncolleges, s->weighted);

		ok = json_object_set_new(o, "colleges", a) == 0;
	}
	if (ok && s->rule == GOVERN_UNANIMITY_OF_TRUSTEES) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < s->ntrustees; i++) {
			if (json_array_append_new(a, json_string(s->trustees[i])) != 0) {
				json_decref(a);
				a = NULL;
			}
		}
		ok = json_object_set_new(o, "trustees", a) == 0;
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* dump - o as compact JSON text into *out (and its length into *len);
 * takes o. */
static enum cmn_rc dump(json_t *o, char **out, size_t *len)
{
	*out = o ? json_text_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!*out)
		return CMN_ERR_NOMEM;
	if (len)
		*len = strlen(*out);
	return CMN_OK;
}

enum cmn_rc govern_statutes_json(const struct govern_statutes *s, char **out, size_t *len)
{
	return dump(govern_statutes_to_json(s), out, len);
}

/* ---- exact big fractions ------------------------------------------------- */

/* A non-negative integer below 2^384, little-endian in base 2^32. The
 * largest value formed is the weighted denominator (at most 100 times a
 * product of college counts that sum to GOVERN_MEMBERS_MAX: below 2^180)
 * times a threshold's 64-bit term; every operation still reports an
 * overflow. */
#define BIG_LIMBS 12

struct big {
	uint32_t limb[BIG_LIMBS];
};

static void big_set(struct big *a, uint64_t v)
{
	memset(a, 0, sizeof(*a));
	a->limb[0] = (uint32_t)v;
	a->limb[1] = (uint32_t)(v >> 32);
}

static bool big_is_zero(const struct big *a)
{
	for (size_t i = 0; i < BIG_LIMBS; i++)
		if (a->limb[i])
			return false;
	return true;
}

/* big_mul32 - a *= m; false on overflow. */
static bool big_mul32(struct big *a, uint32_t m)
{
	uint64_t carry = 0;

	for (size_t i = 0; i < BIG_LIMBS; i++) {
		uint64_t x = (uint64_t)a->limb[i] * m + carry;

		a->limb[i] = (uint32_t)x;
		carry = x >> 32;
	}
	return carry == 0;
}

/* big_add - a += b; false on overflow. */
static bool big_add(struct big *a, const struct big *b)
{
	uint64_t carry = 0;

	for (size_t i = 0; i < BIG_LIMBS; i++) {
		uint64_t x = (uint64_t)a->limb[i] + b->limb[i] + carry;

		a->limb[i] = (uint32_t)x;
		carry = x >> 32;
	}
	return carry == 0;
}

/* big_mul - a *= m: a*lo + (a*hi << 32); false on overflow. */
static bool big_mul(struct big *a, uint64_t m)
{
	struct big hi = *a;

	if (!big_mul32(a, (uint32_t)m) || !big_mul32(&hi, (uint32_t)(m >> 32)) ||
	    hi.limb[BIG_LIMBS - 1] != 0)
		return false;
	memmove(&hi.limb[1], &hi.limb[0], (BIG_LIMBS - 1) * sizeof(hi.limb[0]));
	hi.limb[0] = 0;
	return big_add(a, &hi);
}

/* big_div32 - a /= d (d > 0), returning the remainder. */
static uint32_t big_div32(struct big *a, uint32_t d)
{
	uint64_t r = 0;

	for (size_t i = BIG_LIMBS; i-- > 0;) {
		uint64_t x = (r << 32) | a->limb[i];

		a->limb[i] = (uint32_t)(x / d);
		r = x % d;
	}
	return (uint32_t)r;
}

static uint32_t big_mod32(const struct big *a, uint32_t d)
{
	struct big c = *a;

	return big_div32(&c, d);
}

static int big_cmp(const struct big *a, const struct big *b)
{
	for (size_t i = BIG_LIMBS; i-- > 0;)
		if (a->limb[i] != b->limb[i])
			return a->limb[i] > b->limb[i] ? 1 : -1;
	return 0;
}

/* big_text - a in decimal into buf of size n (truncated if it does not fit:
 * GOVERN_SCORE_MAX holds two values of BIG_LIMBS limbs). */
static void big_text(struct big a, char *buf, size_t n)
{
	uint32_t part[BIG_LIMBS + 2];        /* base 10^9 digits, least significant first */
	size_t k = 0, used;
	int len;

	do
		part[k++] = big_div32(&a, 1000000000u);
	while (!big_is_zero(&a) && k < sizeof(part) / sizeof(part[0]));
	len = snprintf(buf, n, "%" PRIu32, part[--k]);
	used = len > 0 ? (size_t)len : 0;
	while (k-- > 0 && used < n) {
		len = snprintf(buf + used, n - used, "%09" PRIu32, part[k]);
		used += len > 0 ? (size_t)len : 0;
	}
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A score num/den, den the product of the small factors listed (so that it
 * can be reduced exactly without a division of two big numbers). */
struct score {
	struct big num, den;
	uint32_t factor[GOVERN_COLLEGES_MAX + 1];
	size_t nfactors;
};

/* score_small - num/den for den >= 1 (den 0 gives 0/1). */
static void score_small(struct score *sc, uint32_t num, uint32_t den)
{
	memset(sc, 0, sizeof(*sc));
	big_set(&sc->num, den ? num : 0);
	big_set(&sc->den, den ? den : 1);
	sc->factor[sc->nfactors++] = den ? den : 1;
}

/* score_reduce - num/den in lowest terms: the common part of num and each
 * factor of den, taken out in turn, is gcd(num, den) whole. */
static void score_reduce(struct score *sc)
{
	for (size_t i = 0; i < sc->nfactors; i++) {
		uint32_t g = gcd32(big_mod32(&sc->num, sc->factor[i]), sc->factor[i]);

		if (g > 1) {
			big_div32(&sc->num, g);
			big_div32(&sc->den, g);
		}
	}
}

/* score_text - the reduced score as "N/D", or "N" when D is 1. */
static void score_text(struct score *sc, char *buf, size_t n)
{
	struct big one;
	size_t used;

	score_reduce(sc);
	big_text(sc->num, buf, n);
	big_set(&one, 1);
	used = strlen(buf);
	if (big_cmp(&sc->den, &one) != 0 && used + 1 < n) {
		buf[used++] = '/';
		big_text(sc->den, buf + used, n - used);
	}
}

/* score_passes - the score is above one half and at least threshold t:
 * a tie never passes, and a threshold of 1/2 means "more than half". */
static enum cmn_rc score_passes(const struct score *sc, struct dp_ratio t, bool *passes)
{
	struct big twice = sc->num, num = sc->num, den = sc->den;

	if (!big_mul32(&twice, 2) || !big_mul(&num, t.den) || !big_mul(&den, t.num))
		return CMN_ERR_INTERNAL;
	*passes = big_cmp(&twice, &sc->den) > 0 && big_cmp(&num, &den) >= 0;
	return CMN_OK;
}

/* ---- the vote ------------------------------------------------------------ */

/* a ballot in the list sorted by member */
struct by_member {
	const struct govern_ballot *b;
};

static int by_member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_member *)a)->b->member,
		      ((const struct by_member *)b)->b->member);
}

static int by_member_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct by_member *)elem)->b->member);
}

/* college_of - the index of ballot b's college in s, -1 when s has no
 * colleges, -2 when b's college is not allowed. */
static int college_of(const struct govern_statutes *s, const struct govern_ballot *b)
{
	if (s->ncolleges == 0)
		return b->college ? -2 : -1;
	for (size_t i = 0; b->college && i < s->ncolleges; i++)
		if (strcmp(b->college, s->colleges[i].name) == 0)
			return (int)i;
	return -2;
}

static void count_add(struct govern_count *c, enum govern_choice choice)
{
	c->members++;
	if (choice == GOVERN_CHOICE_YES)
		c->yes++;
	else if (choice == GOVERN_CHOICE_NO)
		c->no++;
	else if (choice == GOVERN_CHOICE_ABSTAIN)
		c->abstain++;
	else
		c->none++;
}

/* count_ballots - checks each ballot and counts it into t; *sorted gets
 * the ballots by member (caller frees), which is how duplicates show. */
static enum cmn_rc count_ballots(const struct govern_statutes *s, const struct govern_ballot *b,
				 size_t n, struct govern_tally *t,
				 struct by_member **sorted)
{
	struct by_member *by_member;

	*sorted = NULL;
	for (size_t i = 0; i < n; i++) {
		int c = college_of(s, &b[i]);

		if (!b[i].member || !b[i].member[0] ||
		    (unsigned)b[i].choice >= GOVERN_CHOICE_COUNT || c == -2)
			return CMN_ERR_INVALID;
		count_add(&t->all, b[i].choice);
		if (c >= 0)
			count_add(&t->college[c], b[i].choice);
	}
	by_member = malloc((n ? n : 1) * sizeof(*by_member));
	if (!by_member)
		return CMN_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		by_member[i].b = &b[i];
	qsort(by_member, n, sizeof(*by_member), by_member_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(by_member[i - 1].b->member, by_member[i].b->member) == 0) {
			free(by_member);
			return CMN_ERR_INVALID;
		}
	}
	*sorted = by_member;
	return CMN_OK;
}

/* quorum_met - at least one member took part, and present >= q * members */
static enum cmn_rc quorum_met(const struct govern_tally *t, bool *met)
{
	uint64_t present = t->all.yes + t->all.no + t->all.abstain;
	struct big have, need;

	big_set(&have, present);
	big_set(&need, t->all.members);
	if (!big_mul(&have, t->quorum.den) || !big_mul(&need, t->quorum.num))
		return CMN_ERR_INTERNAL;
	*met = present > 0 && big_cmp(&have, &need) >= 0;
	return CMN_OK;
}

/* score_cast - yes among votes cast (majority, qualified majority) */
static void score_cast(const struct govern_tally *t, struct score *sc)
{
	score_small(sc, (uint32_t)t->all.yes, (uint32_t)(t->all.yes + t->all.no));
}

/* score_colleges - colleges where yes > no, among all colleges; a college
 * where nobody cast a vote has no majority */
static void score_colleges(const struct govern_tally *t, struct score *sc)
{
	uint32_t carried = 0;

	for (size_t i = 0; i < t->ncolleges; i++)
		carried += t->college[i].yes > t->college[i].no;
	score_small(sc, carried, (uint32_t)t->ncolleges);
}

/* score_trustees - trustees who voted yes among the named trustees; a
 * trustee absent from the ballots did not vote */
static void score_trustees(const struct govern_statutes *s, const struct by_member *sorted,
			   size_t n, struct score *sc)
{
	uint32_t yes = 0;

	for (size_t i = 0; i < s->ntrustees; i++) {
		const struct by_member *hit = NULL;

		if (n)
			hit = bsearch(s->trustees[i], sorted, n, sizeof(*sorted), by_member_key_cmp);
		yes += hit && hit->b->choice == GOVERN_CHOICE_YES;
	}
	score_small(sc, yes, (uint32_t)s->ntrustees);
}

/* score_weighted - sum over colleges of w_i/W * yes_i/cast_i, a college
 * with no vote cast giving 0. The denominator is W times the least common
 * multiple of the cast counts; each count's new part is a factor. */
static enum cmn_rc score_weighted(const struct govern_statutes *s, const struct govern_tally *t,
				  struct score *sc)
{
	uint32_t total = 0;
	struct big lcm, part;
	bool ok = true;

	memset(sc, 0, sizeof(*sc));
	big_set(&lcm, 1);
	for (size_t i = 0; i < t->ncolleges; i++) {
		uint32_t cast = (uint32_t)(t->college[i].yes + t->college[i].no);
		uint32_t f;

		total += s->weighted ? s->colleges[i].weight : 1;
		if (cast == 0)
			continue;
		f = cast / gcd32(big_mod32(&lcm, cast), cast);
		ok = ok && big_mul32(&lcm, f);
		sc->factor[sc->nfactors++] = f;
	}
	if (total == 0)                  /* statutes built by hand without colleges */
		total = 1;
	for (size_t i = 0; ok && i < t->ncolleges; i++) {
		uint32_t cast = (uint32_t)(t->college[i].yes + t->college[i].no);
		uint32_t w = s->weighted ? s->colleges[i].weight : 1;

		if (cast == 0 || t->college[i].yes == 0)
			continue;
		part = lcm;
		big_div32(&part, cast);
		ok = big_mul(&part, (uint64_t)w * t->college[i].yes) && big_add(&sc->num, &part);
	}
	sc->den = lcm;
	sc->factor[sc->nfactors++] = total;
	if (!ok || !big_mul32(&sc->den, total))
		return CMN_ERR_INTERNAL;
	return CMN_OK;
}

/* decide - the rule's score and whether it passes; quorum already met */
static enum cmn_rc decide(const struct govern_statutes *s, const struct by_member *sorted,
			  size_t n, struct govern_tally *t)
{
	const struct dp_ratio half = {1, 2};
	struct score sc;
	bool passes = false;
	enum cmn_rc rc = CMN_OK;

	switch (s->rule) {
	case GOVERN_MAJORITY:
		score_cast(t, &sc);
		rc = score_passes(&sc, half, &passes);
		break;
	case GOVERN_QUALIFIED_MAJORITY:
		score_cast(t, &sc);
		rc = score_passes(&sc, s->threshold, &passes);
		break;
	case GOVERN_MAJORITY_IN_EVERY_COLLEGE:
		score_colleges(t, &sc);
		passes = t->ncolleges > 0 && big_cmp(&sc.num, &sc.den) == 0;
		break;
	case GOVERN_UNANIMITY_OF_TRUSTEES:
		score_trustees(s, sorted, n, &sc);
		passes = s->ntrustees > 0 && big_cmp(&sc.num, &sc.den) == 0;
		break;
	case GOVERN_WEIGHTED_COLLEGES:
		rc = score_weighted(s, t, &sc);
		if (rc == CMN_OK)
			rc = score_passes(&sc, s->threshold, &passes);
		break;
	default:
		return CMN_ERR_INVALID;
	}
	if (rc != CMN_OK)
		return rc;
	score_text(&sc, t->score, sizeof(t->score));
	t->outcome = passes ? GOVERN_APPROVED : GOVERN_REJECTED;
	return CMN_OK;
}

/*
 * The ballots are checked and counted first, whatever the rule, so that a
 * malformed vote is refused the same way under every statutes. The quorum
 * comes next: below it nothing is decided and no score is given, since a
 * score would read as a result.
 */
enum cmn_rc govern_decide(const struct govern_statutes *s, const struct govern_ballot *b,
			  size_t n, struct govern_tally *t)
{
	struct by_member *sorted = NULL;
	enum cmn_rc rc;
	bool met = false;

	memset(t, 0, sizeof(*t));
	if (n > GOVERN_MEMBERS_MAX)
		return CMN_ERR_TOO_LARGE;
	if ((unsigned)s->rule >= GOVERN_RULE_COUNT || s->ncolleges > GOVERN_COLLEGES_MAX ||
	    s->ntrustees > GOVERN_TRUSTEES_MAX || s->quorum.den == 0 || s->threshold.den == 0)
		return CMN_ERR_INVALID;
	t->rule = s->rule;
	t->quorum = s->quorum;
	t->threshold = s->threshold;
	t->ncolleges = s->ncolleges;
	memcpy(t->colleges, s->colleges, sizeof(t->colleges));
	rc = count_ballots(s, b, n, t, &sorted);
	if (rc == CMN_OK)
		rc = quorum_met(t, &met);
	if (rc == CMN_OK && !met)
		t->outcome = GOVERN_NO_QUORUM;
	else if (rc == CMN_OK)
		rc = decide(s, sorted, n, t);
	free(sorted);
	if (rc != CMN_OK)
		memset(t, 0, sizeof(*t));
	return rc;
}

/* ---- the tally as JSON --------------------------------------------------- */

/* count_json - adds c's counts to object o; false if memory runs out. */
static bool count_json(json_t *o, const struct govern_count *c)
{
	return json_object_set_new(o, "members", json_integer((json_int_t)c->members)) == 0 &&
	       json_object_set_new(o, "yes", json_integer((json_int_t)c->yes)) == 0 &&
	       json_object_set_new(o, "no", json_integer((json_int_t)c->no)) == 0 &&
	       json_object_set_new(o, "abstain", json_integer((json_int_t)c->abstain)) == 0 &&
	       json_object_set_new(o, "none", json_integer((json_int_t)c->none)) == 0;
}

static json_t *tally_colleges_json(const struct govern_tally *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->ncolleges; i++) {
		json_t *o = json_pack("{s:s}", "name", t->colleges[i].name);
		bool ok = o != NULL;

		if (ok && t->colleges[i].weight)
			ok = json_object_set_new(o, "weight",
						 json_integer(t->colleges[i].weight)) == 0;
		ok = ok && count_json(o, &t->college[i]);
		if (!ok || json_array_append_new(a, o) != 0) {
			json_decref(ok ? NULL : o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *govern_tally_to_json(const struct govern_tally *t)
{
	json_t *o = json_pack("{s:s, s:s, s:o}", "rule", govern_rule_name(t->rule), "outcome",
			      govern_outcome_name(t->outcome), "quorum", ratio_json(t->quorum));
	bool ok = o != NULL;

	if (ok && uses_threshold(t->rule))
		ok = json_object_set_new(o, "threshold", ratio_json(t->threshold)) == 0;
	ok = ok && count_json(o, &t->all);
	if (ok && t->score[0])
		ok = json_object_set_new(o, "score", json_string(t->score)) == 0;
	if (ok && t->ncolleges > 0)
		ok = json_object_set_new(o, "colleges", tally_colleges_json(t)) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum cmn_rc govern_tally_json(const struct govern_tally *t, char **out, size_t *len)
{
	return dump(govern_tally_to_json(t), out, len);
}
