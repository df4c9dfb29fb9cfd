/*
 * fuzz_govern_rule.c - libFuzzer target for governance statutes and
 * decision rules (src/govern/rule.c). The input is statutes as JSON, then
 * optionally a NUL byte and one byte per ballot:
 *   bits 0-1  the choice (none, yes, no, abstain)
 *   bits 2-5  the college: its index among the statutes' colleges; past
 *             them, no college (or an unknown one when there are some)
 *   bit 6     the member is a trustee of the statutes (so may come twice)
 *             rather than a new member
 *   bit 7     the member is the same as the previous ballot's (a duplicate)
 * Besides ASan/UBSan it checks what callers rely on:
 *   - a refusal of statutes is CMN_ERR_INVALID with a terminated, valid
 *     UTF-8 message that starts with a JSON pointer (or ":"), and leaves the
 *     statutes zeroed;
 *   - accepted statutes are within their bounds, and their canonical JSON
 *     parses back to statutes whose canonical JSON is the same text;
 *   - govern_decide succeeds or says INVALID (and zeroes the tally); on
 *     success the outcome is one of the enum's, the counts add up, a score
 *     is given exactly when there was a quorum, and the tally writes as
 *     JSON that parses;
 *   - monotonicity: turning a "no" into a "yes" never turns an approval
 *     into a rejection.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "govern/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_govern_rule: invariant failed: %s\n", what);   \
			abort();                                                             \
		}                                                                            \
	} while (0)

#define BALLOTS_MAX 512

static void check_bounds(const struct govern_statutes *s)
{
	uint32_t sum = 0;

	CHECK((unsigned)s->kind < GOVERN_KIND_COUNT, "kind in range");
	CHECK((unsigned)s->rule < GOVERN_RULE_COUNT, "rule in range");
	CHECK(s->quorum.den > 0 && s->quorum.num <= s->quorum.den, "quorum from 0 to 1");
	CHECK(s->ncolleges <= GOVERN_COLLEGES_MAX, "colleges bounded");
	CHECK(s->ntrustees <= GOVERN_TRUSTEES_MAX, "trustees bounded");
	CHECK((s->ntrustees > 0) == (s->rule == GOVERN_UNANIMITY_OF_TRUSTEES),
	      "trustees exactly with unanimity");
	for (size_t i = 0; i < s->ncolleges; i++)
		sum += s->colleges[i].weight;
	CHECK(!s->weighted || sum == 100, "weights sum to 100");
	CHECK(s->weighted || sum == 0, "no weights unless weighted");
	if (s->rule == GOVERN_QUALIFIED_MAJORITY || s->rule == GOVERN_WEIGHTED_COLLEGES)
		CHECK(s->threshold.den > 0 && 2 * s->threshold.num >= s->threshold.den &&
		      s->threshold.num <= s->threshold.den, "threshold from 1/2 to 1");
}

static void check_round_trip(const struct govern_statutes *s)
{
	struct govern_statutes again;
	char err[300], *once, *twice;
	enum cmn_rc rc;

	CHECK(govern_statutes_json(s, &once, NULL) == CMN_OK, "the statutes write");
	rc = govern_statutes_parse(once, strlen(once), &again, err, sizeof(err));
	if (rc != CMN_OK)
		fprintf(stderr, "canonical text refused: %s\n%s\n", err, once);
	CHECK(rc == CMN_OK, "the canonical text parses");
	CHECK(govern_statutes_json(&again, &twice, NULL) == CMN_OK, "it writes again");
	CHECK(strcmp(once, twice) == 0, "the canonical text reads back to itself");
	free(once);
	free(twice);
}

/* ballots - the ballots the bytes describe; names[i] holds generated ids */
static size_t ballots(const struct govern_statutes *s, const uint8_t *p, size_t n,
		      struct govern_ballot *b, char (*names)[CRYPT_ID_LEN])
{
	size_t count = n < BALLOTS_MAX ? n : BALLOTS_MAX;

	for (size_t i = 0; i < count; i++) {
		unsigned college = (p[i] >> 2) & 0xf;

		snprintf(names[i], CRYPT_ID_LEN, "%032zx", i + 1);
		b[i].member = names[i];
		if ((p[i] & 0x40) && s->ntrustees > 0)
			b[i].member = s->trustees[i % s->ntrustees];
		if ((p[i] & 0x80) && i > 0)
			b[i].member = b[i - 1].member;
		b[i].choice = (enum govern_choice)(p[i] & 3);
		if (college < s->ncolleges)
			b[i].college = s->colleges[college].name;
		else
			b[i].college = s->ncolleges > 0 && college == 15 ? "unknown" : NULL;
	}
	return count;
}

static void check_tally(const struct govern_tally *t, size_t n)
{
	const struct govern_count *a = &t->all;
	uint64_t members = 0;
	char *text;
	json_t *back;

	CHECK((unsigned)t->outcome < GOVERN_OUTCOME_COUNT, "outcome in range");
	CHECK(a->members == n, "every ballot counted");
	CHECK(a->yes + a->no + a->abstain + a->none == a->members, "the counts add up");
	for (size_t i = 0; i < t->ncolleges; i++) {
		const struct govern_count *c = &t->college[i];

		CHECK(c->yes + c->no + c->abstain + c->none == c->members, "a college adds up");
		members += c->members;
	}
	CHECK(t->ncolleges == 0 || members == a->members, "the colleges add up");
	CHECK((t->outcome == GOVERN_NO_QUORUM) == (t->score[0] == '\0'),
	      "a score exactly when there was a quorum");
	CHECK(t->outcome != GOVERN_NO_QUORUM || a->members == 0 ||
	      (unsigned __int128)(a->yes + a->no + a->abstain) * t->quorum.den <
		      (unsigned __int128)t->quorum.num * a->members ||
	      a->yes + a->no + a->abstain == 0, "no quorum only below it");
	CHECK(govern_tally_json(t, &text, NULL) == CMN_OK, "the tally writes");
	back = json_loads(text, 0, NULL);
	CHECK(back != NULL, "the tally is JSON");
	json_decref(back);
	free(text);
}

static void check_decide(const struct govern_statutes *s, const uint8_t *p, size_t n)
{
	static struct govern_ballot b[BALLOTS_MAX];
	static char names[BALLOTS_MAX][CRYPT_ID_LEN];
	struct govern_tally t, more;
	size_t count = ballots(s, p, n, b, names);
	enum cmn_rc rc = govern_decide(s, b, count, &t);

	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "a refused vote is INVALID");
		CHECK(t.all.members == 0 && t.score[0] == '\0', "a refusal zeroes the tally");
		return;
	}
	check_tally(&t, count);
	for (size_t i = 0; i < count; i++) {
		if (b[i].choice != GOVERN_CHOICE_NO)
			continue;
		b[i].choice = GOVERN_CHOICE_YES;
		CHECK(govern_decide(s, b, count, &more) == CMN_OK, "one more yes decides");
		CHECK(t.outcome != GOVERN_APPROVED || more.outcome == GOVERN_APPROVED,
		      "one more yes keeps an approval");
		CHECK((t.outcome == GOVERN_NO_QUORUM) == (more.outcome == GOVERN_NO_QUORUM),
		      "one more yes keeps the quorum");
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	struct govern_statutes s;
	char err[300];
	enum cmn_rc rc;

	err[0] = '\0';
	rc = govern_statutes_parse((const char *)data, len, &s, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID, "a refusal is INVALID");
		CHECK(s.ncolleges == 0 && s.ntrustees == 0 && s.quorum.den == 0,
		      "a refusal leaves the statutes zeroed");
		CHECK(strlen(err) < sizeof(err), "the message is terminated");
		CHECK(err[0] == '/' || err[0] == ':', "a refusal starts with a pointer");
		CHECK(str_utf8_valid(err, strlen(err)), "the message is UTF-8");
		return 0;
	}
	check_bounds(&s);
	check_round_trip(&s);
	if (nul)
		check_decide(&s, nul + 1, size - len - 1);
	return 0;
}
