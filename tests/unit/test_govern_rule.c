/*
 * test_govern_rule.c - the decision rules of governance bodies
 * (src/govern/rule.c): each rule at and around its threshold (quorum met
 * exactly and one short, ties, one college against, weighted colleges with
 * the large one against or silent, exact scores past 64 bits), refused
 * ballots, statutes faults named by their JSON pointer, and the canonical
 * JSON of statutes and tallies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "govern/rule.h"

/* person ids of three trustees and of someone else */
#define T1 "00000000000000000000000000000001"
#define T2 "00000000000000000000000000000002"
#define T3 "00000000000000000000000000000003"
#define T4 "0000000000000000000000000000000a"

#define VOTE_MAX 2000

/* a vote being built: ballots with generated member ids */
struct vote {
	struct govern_ballot b[VOTE_MAX];
	char names[VOTE_MAX][CRYPT_ID_LEN];
	size_t n;
};

static struct vote v;

static void vote_reset(void)
{
	v.n = 0;
}

/* add - count ballots of choice c in college (NULL: none), each from a new member */
static void add(const char *college, enum govern_choice c, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		assert_true(v.n < VOTE_MAX);
		snprintf(v.names[v.n], sizeof(v.names[0]), "m%031zx", v.n + 1);
		v.b[v.n] = (struct govern_ballot){v.names[v.n], college, c};
		v.n++;
	}
}

/* add_member - one ballot from a named member */
static void add_member(const char *member, const char *college, enum govern_choice c)
{
	assert_true(v.n < VOTE_MAX);
	v.b[v.n++] = (struct govern_ballot){member, college, c};
}

/* college - yes, no, abstain and none ballots in one college */
static void college(const char *name, unsigned yes, unsigned no, unsigned abstain, unsigned none)
{
	add(name, GOVERN_CHOICE_YES, yes);
	add(name, GOVERN_CHOICE_NO, no);
	add(name, GOVERN_CHOICE_ABSTAIN, abstain);
	add(name, GOVERN_CHOICE_NONE, none);
}

static struct govern_statutes statutes(const char *json)
{
	struct govern_statutes s;
	char err[300] = "";

	if (govern_statutes_parse(json, strlen(json), &s, err, sizeof(err)) != CMN_OK)
		fail_msg("refused: %s (%s)", err, json);
	return s;
}

/* decide - the current vote under s; the call must succeed */
static struct govern_tally decide(const struct govern_statutes *s)
{
	struct govern_tally t;

	assert_int_equal(govern_decide(s, v.b, v.n, &t), CMN_OK);
	return t;
}

static void assert_counts(const struct govern_count *c, uint64_t yes, uint64_t no,
			  uint64_t abstain, uint64_t none)
{
	assert_int_equal(c->yes, yes);
	assert_int_equal(c->no, no);
	assert_int_equal(c->abstain, abstain);
	assert_int_equal(c->none, none);
	assert_int_equal(c->members, yes + no + abstain + none);
}

#define COOP_MAJORITY "{\"kind\":\"cooperative\",\"rule\":\"majority\"}"

static void majority_tie_fails_one_more_passes(void **state)
{
	struct govern_statutes s = statutes(COOP_MAJORITY);
	struct govern_tally t;

	(void)state;
	vote_reset();
	college(NULL, 2, 2, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "1/2");
	assert_counts(&t.all, 2, 2, 0, 0);

	add(NULL, GOVERN_CHOICE_YES, 1);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "3/5");
	assert_counts(&t.all, 3, 2, 0, 0);
}

static void majority_abstentions_do_not_count(void **state)
{
	struct govern_statutes s = statutes(COOP_MAJORITY);
	struct govern_tally t;

	(void)state;
	vote_reset();
	college(NULL, 3, 2, 10, 4);          /* 3 of 5 cast; 10 abstain */
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "3/5");
	assert_counts(&t.all, 3, 2, 10, 4);

	vote_reset();
	college(NULL, 0, 0, 5, 0);           /* present, nobody cast a vote */
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "0");
}

static void quorum_exactly_met_and_one_short(void **state)
{
	struct govern_statutes quarter = statutes("{\"kind\":\"cooperative\",\"rule\":\"majority\","
						  "\"quorum\":\"1/4\"}");
	struct govern_statutes third = statutes("{\"kind\":\"cooperative\",\"rule\":\"majority\","
						"\"quorum\":\"0.333\"}");
	struct govern_statutes all = statutes("{\"kind\":\"cooperative\",\"rule\":\"majority\","
					      "\"quorum\":\"1\"}");
	struct govern_tally t;

	(void)state;
	/* 8 members, a quarter is 2: an abstention counts as present */
	vote_reset();
	college(NULL, 1, 0, 1, 6);
	t = decide(&quarter);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "1");
	vote_reset();
	college(NULL, 1, 0, 0, 7);
	t = decide(&quarter);
	assert_int_equal(t.outcome, GOVERN_NO_QUORUM);
	assert_string_equal(t.score, "");
	assert_counts(&t.all, 1, 0, 0, 7);

	/* 1000 members at 333/1000: 333 present is exactly met, 332 is short */
	vote_reset();
	college(NULL, 200, 133, 0, 667);
	t = decide(&third);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	vote_reset();
	college(NULL, 200, 132, 0, 668);
	t = decide(&third);
	assert_int_equal(t.outcome, GOVERN_NO_QUORUM);

	/* everyone: one member who did not vote is enough to decide nothing */
	vote_reset();
	college(NULL, 5, 0, 1, 0);
	assert_int_equal(decide(&all).outcome, GOVERN_APPROVED);
	add(NULL, GOVERN_CHOICE_NONE, 1);
	assert_int_equal(decide(&all).outcome, GOVERN_NO_QUORUM);
}

static void no_members_decide_nothing(void **state)
{
	struct govern_statutes s = statutes(COOP_MAJORITY);
	struct govern_tally t;

	(void)state;
	vote_reset();
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_NO_QUORUM);
	assert_counts(&t.all, 0, 0, 0, 0);

	/* a quorum of 0 still needs someone present */
	college(NULL, 0, 0, 0, 3);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_NO_QUORUM);
	assert_counts(&t.all, 0, 0, 0, 3);
}

static void qualified_majority_at_two_thirds(void **state)
{
	struct govern_statutes s = statutes("{\"kind\":\"trust\",\"rule\":\"qualified_majority\","
					    "\"threshold\":\"2/3\"}");
	static const struct {
		unsigned yes, no;
		enum govern_outcome outcome;
		const char *score;
	} cases[] = {
		{4, 2, GOVERN_APPROVED, "2/3"},      /* exactly at the threshold */
		{3, 2, GOVERN_REJECTED, "3/5"},
		{200, 100, GOVERN_APPROVED, "2/3"},
		{199, 100, GOVERN_REJECTED, "199/299"}, /* one vote under */
		{201, 100, GOVERN_APPROVED, "201/301"},
		{1, 0, GOVERN_APPROVED, "1"},
		{0, 1, GOVERN_REJECTED, "0"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct govern_tally t;

		vote_reset();
		college(NULL, cases[i].yes, cases[i].no, 3, 0);
		t = decide(&s);
		assert_int_equal(t.outcome, cases[i].outcome);
		assert_string_equal(t.score, cases[i].score);
		assert_counts(&t.all, cases[i].yes, cases[i].no, 3, 0);
	}
}

static void qualified_majority_of_half_is_strict(void **state)
{
	struct govern_statutes s = statutes("{\"kind\":\"cooperative\",\"rule\":\"qualified_majority\","
					    "\"threshold\":\"0.5\"}");

	(void)state;
	vote_reset();
	college(NULL, 2, 2, 0, 0);
	assert_int_equal(decide(&s).outcome, GOVERN_REJECTED);
	add(NULL, GOVERN_CHOICE_YES, 1);
	assert_int_equal(decide(&s).outcome, GOVERN_APPROVED);
}

#define TRUST_COLLEGES                                                                       \
	"{\"kind\":\"trust\",\"rule\":\"majority_in_every_college\",\"colleges\":["             \
	"{\"name\":\"public\"},{\"name\":\"private\"},{\"name\":\"civil_society\"}]}"

static void every_college_one_against(void **state)
{
	struct govern_statutes s = statutes(TRUST_COLLEGES);
	struct govern_tally t;

	(void)state;
	vote_reset();
	college("public", 2, 1, 0, 0);
	college("private", 2, 1, 1, 0);
	college("civil_society", 2, 1, 0, 1);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "1");
	assert_int_equal(t.ncolleges, 3);
	assert_string_equal(t.colleges[1].name, "private");
	assert_counts(&t.college[1], 2, 1, 1, 0);
	assert_counts(&t.college[2], 2, 1, 0, 1);
	assert_counts(&t.all, 6, 3, 1, 1);

	/* a large overall majority, one college against */
	vote_reset();
	college("public", 10, 0, 0, 0);
	college("private", 0, 1, 0, 0);
	college("civil_society", 10, 0, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "2/3");

	/* a tie in one college */
	vote_reset();
	college("public", 3, 0, 0, 0);
	college("private", 1, 1, 0, 0);
	college("civil_society", 3, 0, 0, 0);
	assert_int_equal(decide(&s).outcome, GOVERN_REJECTED);

	/* a college where everyone abstained */
	vote_reset();
	college("public", 3, 0, 0, 0);
	college("private", 0, 0, 2, 0);
	college("civil_society", 3, 0, 0, 0);
	assert_int_equal(decide(&s).outcome, GOVERN_REJECTED);

	/* a college with no members */
	vote_reset();
	college("public", 3, 0, 0, 0);
	college("civil_society", 3, 0, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_counts(&t.college[1], 0, 0, 0, 0);
}

#define TRUST_UNANIMITY                                                                      \
	"{\"kind\":\"trust\",\"rule\":\"unanimity_of_trustees\",\"trustees\":[\"" T3 "\",\""     \
	T1 "\",\"" T2 "\"]}"

static void unanimity_of_trustees(void **state)
{
	struct govern_statutes s = statutes(TRUST_UNANIMITY);
	static const enum govern_choice other[] = {GOVERN_CHOICE_ABSTAIN, GOVERN_CHOICE_NONE,
						   GOVERN_CHOICE_NO};
	struct govern_tally t;

	(void)state;
	vote_reset();
	add_member(T1, NULL, GOVERN_CHOICE_YES);
	add_member(T2, NULL, GOVERN_CHOICE_YES);
	add_member(T3, NULL, GOVERN_CHOICE_YES);
	add_member(T4, NULL, GOVERN_CHOICE_NO);  /* not a trustee: does not count */
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "1");
	assert_counts(&t.all, 3, 1, 0, 0);

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		v.b[1].choice = other[i];
		t = decide(&s);
		assert_int_equal(t.outcome, GOVERN_REJECTED);
		assert_string_equal(t.score, "2/3");
	}

	/* a trustee missing from the ballots did not vote */
	vote_reset();
	add_member(T1, NULL, GOVERN_CHOICE_YES);
	add_member(T3, NULL, GOVERN_CHOICE_YES);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "2/3");
}

#define SCIC                                                                                 \
	"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"quorum\":\"1/4\","         \
	"\"colleges\":[{\"name\":\"producers\",\"weight\":50},"                                 \
	"{\"name\":\"beneficiaries\",\"weight\":30},{\"name\":\"local_authority\",\"weight\":20}]}"

static void weighted_large_college_against(void **state)
{
	struct govern_statutes s = statutes(SCIC);
	struct govern_tally t;

	(void)state;
	/* every other college for, the half-weight one against: exactly 1/2 */
	vote_reset();
	college("producers", 0, 4, 0, 0);
	college("beneficiaries", 30, 0, 0, 0);
	college("local_authority", 1, 0, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "1/2");

	/* one producer of four for: 50 * 1/4 + 30 + 20 = 62.5 % */
	v.b[0].choice = GOVERN_CHOICE_YES;
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "5/8");
	assert_counts(&t.college[0], 1, 3, 0, 0);
	assert_counts(&t.all, 32, 3, 0, 0);

	/* a head count would approve 30 to 5; the weights reject */
	vote_reset();
	college("producers", 0, 4, 0, 0);
	college("beneficiaries", 30, 0, 0, 0);
	college("local_authority", 0, 1, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "3/10");
}

static void weighted_college_without_votes_counts_as_no(void **state)
{
	struct govern_statutes s = statutes(SCIC);
	struct govern_statutes s40 = statutes("{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\","
					      "\"colleges\":[{\"name\":\"producers\",\"weight\":40},"
					      "{\"name\":\"beneficiaries\",\"weight\":30},"
					      "{\"name\":\"local_authority\",\"weight\":30}]}");
	struct govern_tally t;

	(void)state;
	vote_reset();
	college("producers", 0, 0, 4, 0);    /* present, nobody cast a vote */
	college("beneficiaries", 3, 0, 0, 0);
	college("local_authority", 1, 0, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "1/2");
	t = decide(&s40);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "3/5");

	/* a college with no members at all */
	vote_reset();
	college("beneficiaries", 3, 0, 0, 0);
	college("local_authority", 1, 0, 0, 0);
	t = decide(&s40);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "3/5");
	assert_counts(&t.college[0], 0, 0, 0, 0);
}

static void weighted_equal_shares_at_threshold(void **state)
{
	struct govern_statutes s = statutes("{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\","
					    "\"threshold\":\"2/3\",\"colleges\":[{\"name\":\"a\"},"
					    "{\"name\":\"b\"},{\"name\":\"c\"}]}");
	struct govern_statutes half = statutes("{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\","
					       "\"colleges\":[{\"name\":\"a\"},{\"name\":\"b\"},"
					       "{\"name\":\"c\"}]}");
	struct govern_tally t;

	(void)state;
	/* (1 + 1/2 + 1/2) / 3 = 2/3: at the threshold */
	vote_reset();
	college("a", 2, 0, 0, 0);
	college("b", 1, 1, 0, 0);
	college("c", 1, 1, 0, 0);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_APPROVED);
	assert_string_equal(t.score, "2/3");
	assert_int_equal(t.colleges[0].weight, 0);

	/* (1 + 1/2 + 1/3) / 3 = 11/18, under 12/18 */
	add("c", GOVERN_CHOICE_NO, 1);
	t = decide(&s);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "11/18");
	/* ... and above one half */
	assert_int_equal(decide(&half).outcome, GOVERN_APPROVED);

	/* (1/2 + 1/2 + 1/2) / 3: exactly half is not a majority */
	vote_reset();
	college("a", 1, 1, 0, 0);
	college("b", 2, 2, 0, 0);
	college("c", 3, 3, 0, 0);
	t = decide(&half);
	assert_int_equal(t.outcome, GOVERN_REJECTED);
	assert_string_equal(t.score, "1/2");
}

/* Ten colleges of 101, 103, ... 149 members (primes): the common
 * denominator is past 2^64. Each college is one vote above or under half,
 * signs chosen so that the score is 1/2 + 3.1e-6 (then 1/2 - 3.1e-6). */
static void weighted_exact_past_64_bits(void **state)
{
	static const unsigned primes[10] = {101, 103, 107, 109, 113, 127, 131, 137, 139, 149};
	static const int sign[10] = {-1, 1, 1, -1, -1, 1, 1, 1, -1, -1};
	static const char *const names[10] = {"c0", "c1", "c2", "c3", "c4",
					      "c5", "c6", "c7", "c8", "c9"};
	struct govern_statutes s = statutes("{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\","
					    "\"colleges\":[{\"name\":\"c0\"},{\"name\":\"c1\"},"
					    "{\"name\":\"c2\"},{\"name\":\"c3\"},{\"name\":\"c4\"},"
					    "{\"name\":\"c5\"},{\"name\":\"c6\"},{\"name\":\"c7\"},"
					    "{\"name\":\"c8\"},{\"name\":\"c9\"}]}");
	struct govern_tally t;

	(void)state;
	for (int flip = 1; flip >= -1; flip -= 2) {
		vote_reset();
		for (size_t i = 0; i < 10; i++) {
			unsigned yes = (unsigned)((int)primes[i] + flip * sign[i]) / 2;

			college(names[i], yes, primes[i] - yes, 0, 0);
		}
		t = decide(&s);
		assert_int_equal(t.all.members, 1216);
		if (flip == 1) {
			assert_int_equal(t.outcome, GOVERN_APPROVED);
			assert_string_equal(t.score, "1618025345566640505319/3236040694254156107315");
		} else {
			assert_int_equal(t.outcome, GOVERN_REJECTED);
			assert_string_equal(t.score, "1618015348687515601996/3236040694254156107315");
		}
	}
}

static void ballots_refused(void **state)
{
	struct govern_statutes trust = statutes(TRUST_COLLEGES);
	struct govern_statutes coop = statutes(COOP_MAJORITY);
	struct govern_tally t;

	(void)state;
	vote_reset();
	add_member(T1, "public", GOVERN_CHOICE_YES);
	add_member(T2, "private", GOVERN_CHOICE_YES);
	add_member(T1, "civil_society", GOVERN_CHOICE_NO);  /* the same member twice */
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);
	assert_int_equal(t.all.members, 0);
	assert_int_equal(t.outcome, GOVERN_REJECTED);

	v.b[2].member = T3;
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_OK);
	v.b[2].college = "citizens";                       /* not a college */
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);
	v.b[2].college = NULL;                             /* a college is required */
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);
	v.b[2].college = "public";
	v.b[2].choice = (enum govern_choice)7;
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);
	v.b[2].choice = GOVERN_CHOICE_NO;
	v.b[2].member = "";
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);
	v.b[2].member = NULL;
	assert_int_equal(govern_decide(&trust, v.b, v.n, &t), CMN_ERR_INVALID);

	/* statutes without colleges take no college */
	vote_reset();
	add_member(T1, NULL, GOVERN_CHOICE_YES);
	assert_int_equal(govern_decide(&coop, v.b, v.n, &t), CMN_OK);
	v.b[0].college = "public";
	assert_int_equal(govern_decide(&coop, v.b, v.n, &t), CMN_ERR_INVALID);
	assert_int_equal(govern_decide(&coop, v.b, GOVERN_MEMBERS_MAX + 1, &t), CMN_ERR_TOO_LARGE);
}

static void statutes_faults(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{"[]", ": an object is required"},
		{"{\"kind\":", ": not JSON"},
		{"{\"kind\":\"trust\",\"kind\":\"trust\"}", ": not JSON"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"ballot\":\"secret\"}",
		 "/ballot: not a member of statutes"},
		{"{\"kind\":\"club\",\"rule\":\"majority\"}", "/kind: trust or cooperative is required"},
		{"{\"kind\":\"trust\",\"rule\":3}", "/rule: one of majority,"},
		{"{\"kind\":\"cooperative\",\"rule\":\"unanimity_of_trustees\"}",
		 "/rule: unanimity_of_trustees is not a rule of a cooperative"},
		{"{\"kind\":\"trust\",\"rule\":\"weighted_colleges\"}",
		 "/rule: weighted_colleges is not a rule of a trust"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"quorum\":0.5}",
		 "/quorum: a fraction of the members as text"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"quorum\":\"4/3\"}",
		 "/quorum: at most 1"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"quorum\":\"1/0\"}",
		 "/quorum: a fraction of the members as text"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"threshold\":\"2/3\"}",
		 "/threshold: only under qualified_majority and weighted_colleges"},
		{"{\"kind\":\"trust\",\"rule\":\"qualified_majority\"}",
		 "/threshold: a fraction as text"},
		{"{\"kind\":\"trust\",\"rule\":\"qualified_majority\",\"threshold\":\"0.49\"}",
		 "/threshold: from 1/2 to 1"},
		{"{\"kind\":\"trust\",\"rule\":\"qualified_majority\",\"threshold\":\"101/100\"}",
		 "/threshold: from 1/2 to 1"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":{}}",
		 "/colleges: an array of at most 10 colleges is required"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":[{\"name\":\"a\"},\"b\"]}",
		 "/colleges/1: an object {\"name\": ...} is required"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":[{\"name\":\"Public\"}]}",
		 "/colleges/0/name: a name of at most 32 bytes"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":[{\"name\":\"a\"},"
		 "{\"name\":\"b\"},{\"name\":\"a\"}]}",
		 "/colleges/2/name: the same as /colleges/0"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":[{\"name\":\"a\",\"seats\":3}]}",
		 "/colleges/0/seats: only name and weight are known"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"colleges\":[{\"name\":\"a\",\"weight\":50}]}",
		 "/colleges/0/weight: only under weighted_colleges"},
		{"{\"kind\":\"trust\",\"rule\":\"majority_in_every_college\","
		 "\"colleges\":[{\"name\":\"a\"}]}",
		 "/colleges: majority_in_every_college needs at least 2 colleges"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":50},{\"name\":\"b\",\"weight\":50}]}",
		 "/colleges: weighted_colleges needs at least 3 colleges"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":50},{\"name\":\"b\",\"weight\":9},"
		 "{\"name\":\"c\",\"weight\":41}]}",
		 "/colleges/1/weight: a whole percent from 10 to 50 is required"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":51},{\"name\":\"b\",\"weight\":29},"
		 "{\"name\":\"c\",\"weight\":20}]}",
		 "/colleges/0/weight: a whole percent from 10 to 50 is required"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":\"50\"},{\"name\":\"b\"},{\"name\":\"c\"}]}",
		 "/colleges/0/weight: a whole percent"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":50},{\"name\":\"b\"},{\"name\":\"c\"}]}",
		 "/colleges/1/weight: every college has a weight, or none"},
		{"{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"colleges\":["
		 "{\"name\":\"a\",\"weight\":50},{\"name\":\"b\",\"weight\":30},"
		 "{\"name\":\"c\",\"weight\":10}]}",
		 "/colleges: the weights sum to 90 %, not 100"},
		{"{\"kind\":\"trust\",\"rule\":\"majority\",\"trustees\":[\"" T1 "\"]}",
		 "/trustees: only under unanimity_of_trustees"},
		{"{\"kind\":\"trust\",\"rule\":\"unanimity_of_trustees\",\"trustees\":[]}",
		 "/trustees: an array of 1 to 64 person ids is required"},
		{"{\"kind\":\"trust\",\"rule\":\"unanimity_of_trustees\",\"trustees\":[\"" T1 "\","
		 "\"0000000000000000000000000000000A\"]}",
		 "/trustees/1: a person id (32 lowercase hex digits) is required"},
		{"{\"kind\":\"trust\",\"rule\":\"unanimity_of_trustees\",\"trustees\":[\"" T1 "\",\""
		 T2 "\",\"" T1 "\"]}",
		 "/trustees/2: the same as /trustees/0"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct govern_statutes s;
		char err[300] = "";

		assert_int_equal(govern_statutes_parse(cases[i].json, strlen(cases[i].json), &s, err,
						       sizeof(err)),
				 CMN_ERR_INVALID);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("%s\n  gave: %s\n  want: %s", cases[i].json, err, cases[i].err);
		assert_int_equal(s.ncolleges, 0);
		assert_int_equal(s.ntrustees, 0);
	}
}

/* canonical - the canonical text of valid statutes (caller frees); it
 * parses back to itself. */
static char *canonical(const char *json)
{
	struct govern_statutes s = statutes(json), again;
	char *once, *twice;

	assert_int_equal(govern_statutes_json(&s, &once, NULL), CMN_OK);
	again = statutes(once);
	assert_int_equal(govern_statutes_json(&again, &twice, NULL), CMN_OK);
	assert_string_equal(once, twice);
	free(twice);
	return once;
}

static void canonical_round_trip(void **state)
{
	static const struct {
		const char *json, *canonical;
	} cases[] = {
		{COOP_MAJORITY, "{\"kind\":\"cooperative\",\"rule\":\"majority\",\"quorum\":\"0\"}"},
		{"{\"quorum\":\"0.25\",\"rule\":\"weighted_colleges\",\"kind\":\"cooperative\","
		 "\"colleges\":[{\"weight\":50,\"name\":\"producers\"},"
		 "{\"name\":\"beneficiaries\",\"weight\":30},{\"name\":\"local_authority\",\"weight\":20}]}",
		 "{\"kind\":\"cooperative\",\"rule\":\"weighted_colleges\",\"quorum\":\"1/4\","
		 "\"threshold\":\"1/2\",\"colleges\":[{\"name\":\"producers\",\"weight\":50},"
		 "{\"name\":\"beneficiaries\",\"weight\":30},{\"name\":\"local_authority\",\"weight\":20}]}"},
		{"{\"kind\":\"trust\",\"rule\":\"qualified_majority\",\"threshold\":\"0.750\","
		 "\"quorum\":\"2/2\",\"colleges\":[]}",
		 "{\"kind\":\"trust\",\"rule\":\"qualified_majority\",\"quorum\":\"1\","
		 "\"threshold\":\"3/4\"}"},
		{TRUST_COLLEGES,
		 "{\"kind\":\"trust\",\"rule\":\"majority_in_every_college\",\"quorum\":\"0\","
		 "\"colleges\":[{\"name\":\"public\"},{\"name\":\"private\"},"
		 "{\"name\":\"civil_society\"}]}"},
		{TRUST_UNANIMITY,
		 "{\"kind\":\"trust\",\"rule\":\"unanimity_of_trustees\",\"quorum\":\"0\","
		 "\"trustees\":[\"" T1 "\",\"" T2 "\",\"" T3 "\"]}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = canonical(cases[i].json);

		assert_string_equal(text, cases[i].canonical);
		free(text);
	}
}

static void tally_json(void **state)
{
	struct govern_statutes s = statutes(SCIC);
	struct govern_tally t;
	char *text;

	(void)state;
	vote_reset();
	college("producers", 1, 3, 0, 1);
	college("beneficiaries", 2, 0, 1, 0);
	college("local_authority", 1, 0, 0, 0);
	t = decide(&s);
	assert_int_equal(govern_tally_json(&t, &text, NULL), CMN_OK);
	assert_string_equal(text,
			    "{\"rule\":\"weighted_colleges\",\"outcome\":\"approved\",\"quorum\":\"1/4\","
			    "\"threshold\":\"1/2\",\"members\":9,\"yes\":4,\"no\":3,\"abstain\":1,"
			    "\"none\":1,\"score\":\"5/8\",\"colleges\":["
			    "{\"name\":\"producers\",\"weight\":50,\"members\":5,\"yes\":1,\"no\":3,"
			    "\"abstain\":0,\"none\":1},"
			    "{\"name\":\"beneficiaries\",\"weight\":30,\"members\":3,\"yes\":2,\"no\":0,"
			    "\"abstain\":1,\"none\":0},"
			    "{\"name\":\"local_authority\",\"weight\":20,\"members\":1,\"yes\":1,"
			    "\"no\":0,\"abstain\":0,\"none\":0}]}");
	free(text);

	s = statutes("{\"kind\":\"cooperative\",\"rule\":\"majority\",\"quorum\":\"1/2\"}");
	vote_reset();
	college(NULL, 1, 0, 0, 2);
	t = decide(&s);
	assert_int_equal(govern_tally_json(&t, &text, NULL), CMN_OK);
	assert_string_equal(text, "{\"rule\":\"majority\",\"outcome\":\"no_quorum\",\"quorum\":\"1/2\","
				  "\"members\":3,\"yes\":1,\"no\":0,\"abstain\":0,\"none\":2}");
	free(text);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(govern_kind_name(GOVERN_COOPERATIVE), "cooperative");
	assert_string_equal(govern_rule_name(GOVERN_MAJORITY_IN_EVERY_COLLEGE),
			    "majority_in_every_college");
	assert_string_equal(govern_choice_name(GOVERN_CHOICE_ABSTAIN), "abstain");
	assert_string_equal(govern_outcome_name(GOVERN_NO_QUORUM), "no_quorum");
	assert_string_equal(govern_rule_name(GOVERN_RULE_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(majority_tie_fails_one_more_passes),
		cmocka_unit_test(majority_abstentions_do_not_count),
		cmocka_unit_test(quorum_exactly_met_and_one_short),
		cmocka_unit_test(no_members_decide_nothing),
		cmocka_unit_test(qualified_majority_at_two_thirds),
		cmocka_unit_test(qualified_majority_of_half_is_strict),
		cmocka_unit_test(every_college_one_against),
		cmocka_unit_test(unanimity_of_trustees),
		cmocka_unit_test(weighted_large_college_against),
		cmocka_unit_test(weighted_college_without_votes_counts_as_no),
		cmocka_unit_test(weighted_equal_shares_at_threshold),
		cmocka_unit_test(weighted_exact_past_64_bits),
		cmocka_unit_test(ballots_refused),
		cmocka_unit_test(statutes_faults),
		cmocka_unit_test(canonical_round_trip),
		cmocka_unit_test(tally_json),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
