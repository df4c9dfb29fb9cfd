/*
 * fuzz_campaign_spec.c - libFuzzer target for campaign definitions
 * (src/campaign/spec.c): campaign_spec_parse on any bytes, against the
 * embedded doctype registry. Besides ASan/UBSan it checks what callers
 * rely on:
 *   - a refusal is CMN_ERR_INVALID (or NOMEM) with a terminated, valid
 *     UTF-8 message that starts with a JSON pointer (or ":" for the whole
 *     text), and leaves the spec empty;
 *   - an accepted spec is within its bounds, and its canonical JSON
 *     parses back to a spec whose canonical JSON is the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/spec.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_campaign_spec: invariant failed: %s\n", what); \
			abort();                                                             \
		}                                                                            \
	} while (0)

static void check_bounds(const struct campaign_spec *s)
{
	CHECK(s->title.fr && s->title.en && s->purpose.fr && s->purpose.en, "texts are set");
	CHECK(strlen(s->title.fr) <= CAMPAIGN_TITLE_MAX, "title bounded");
	CHECK(s->from < s->to && s->opens < s->closes, "times ordered");
	CHECK(s->ngroup <= CAMPAIGN_GROUP_MAX, "dimensions bounded");
	CHECK(s->nmeasures >= 1 && s->nmeasures <= CAMPAIGN_MEASURES_MAX, "measures bounded");
	for (size_t i = 0; i < s->nmeasures; i++)
		CHECK(s->measures[i].lo <= s->measures[i].hi, "clip ordered");
	CHECK(s->privacy.k >= CAMPAIGN_K_MIN && s->privacy.k <= CAMPAIGN_K_MAX, "k bounded");
	CHECK(s->privacy.epsilon.num > 0 && s->privacy.epsilon.den > 0, "epsilon positive");
	CHECK((s->privacy.mechanism == CAMPAIGN_MECH_GAUSSIAN) == (s->privacy.delta.num > 0),
	      "delta exactly with the gaussian");
	CHECK(s->privacy.max_cells >= 1 && s->privacy.max_cells <= CAMPAIGN_CELLS_MAX,
	      "cells bounded");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct registry reg;
	static int loaded;
	struct campaign_spec s, again;
	char err[300], *once, *twice;
	enum cmn_rc rc;

	if (!loaded) {
		CHECK(registry_load(&reg, err, sizeof(err)) == CMN_OK, "the registry loads");
		loaded = 1;
	}
	err[0] = '\0';
	rc = campaign_spec_parse((const char *)data, size, &reg, &s, err, sizeof(err));
	if (rc != CMN_OK) {
		CHECK(rc == CMN_ERR_INVALID || rc == CMN_ERR_NOMEM, "a refusal is INVALID");
		CHECK(s.title.fr == NULL && s.nmeasures == 0, "a refusal leaves the spec empty");
		CHECK(strlen(err) < sizeof(err), "the message is terminated");
		CHECK(rc == CMN_ERR_NOMEM || err[0] == '/' || err[0] == ':',
		      "a refusal starts with a pointer");
		CHECK(str_utf8_valid(err, strlen(err)), "the message is UTF-8");
		return 0;
	}
	check_bounds(&s);
	CHECK(campaign_spec_json(&s, &once, NULL) == CMN_OK, "the spec writes");
	rc = campaign_spec_parse(once, strlen(once), &reg, &again, err, sizeof(err));
	if (rc != CMN_OK)
		fprintf(stderr, "canonical text refused: %s\n%s\n", err, once);
	CHECK(rc == CMN_OK, "the canonical text parses");
	CHECK(campaign_spec_json(&again, &twice, NULL) == CMN_OK, "it writes again");
	CHECK(strcmp(once, twice) == 0, "the canonical text reads back to itself");
	free(once);
	free(twice);
	campaign_spec_release(&again);
	campaign_spec_release(&s);
	return 0;
}
