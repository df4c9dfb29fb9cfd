/*
 * fuzz_jsontext.c - libFuzzer target for src/core/jsontext.c against
 * jansson, the project's JSON parser:
 *   - json_text_project on any text never reads out of bounds, and on an
 *     object jansson accepts (as the stored records are: written by
 *     jansson) keeps exactly the members jansson finds for the keys, with
 *     equal values;
 *   - json_text_string of any NUL-free text is a JSON string that jansson
 *     reads back to the same bytes (when they are valid UTF-8);
 *   - json_text_compact writes any object or array jansson reads exactly
 *     as json_dumps writes it (the precision from the first byte too).
 * The first input byte picks the keys among a few names that the corpus
 * uses, so that projections keep, drop and mix members.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/jsontext.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"date", "amount", "label", "a", "", "category", "x y",
				    "n"};

static size_t depth(const json_t *v)
{
	size_t d = 0, i;
	const char *k;
	json_t *x;

	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x) {
			size_t e = depth(x);

			d = e > d ? e : d;
		}
	else if (json_is_array(v))
		json_array_foreach(v, i, x) {
			size_t e = depth(x);

			d = e > d ? e : d;
		}
	else
		return 0;
	return d + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *keys[8];
	size_t nkeys = 0;
	char *text;
	struct buf out;
	json_t *all, *kept;

	if (size < 1)
		return 0;
	for (size_t i = 0; i < 8; i++)
		if (data[0] & (1u << i))
			keys[nkeys++] = names[i];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	buf_init(&out, 1 << 24);
	all = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (json_text_project(text, keys, nkeys, &out) == CMN_OK && json_is_object(all)) {
		const char *key;
		json_t *v;
		size_t want = 0;

		kept = json_loads(out.data, 0, NULL);
		if (!json_is_object(kept))
			abort();
		json_object_foreach(all, key, v) {
			for (size_t i = 0; i < nkeys; i++)
				if (strcmp(key, keys[i]) == 0 && strlen(key) == strlen(keys[i])) {
					/* a key written with escapes is compared as
					 * written: only plain ones are sure to match */
					if (!strchr(text, '\\') &&
					    !json_equal(json_object_get(kept, key), v))
						abort();
					want++;
				}
		}
		if (!strchr(text, '\\') && json_object_size(kept) != want)
			abort();
		json_decref(kept);
	} else if (json_is_object(all) && !strchr(text, '\\') && depth(all) <= 31) {
		/* an object jansson reads must be cut too (escapes aside, and
		 * within the nesting records may have) */
		abort();
	}
	if ((json_is_object(all) || json_is_array(all)) && depth(all) <= 32) {
		int precision = 1 + data[0] % 17;
		char *want = json_dumps(all, JSON_COMPACT | JSON_REAL_PRECISION(precision));

		buf_release(&out);
		buf_init(&out, 1 << 24);
		if (!want || json_text_compact(&out, all, precision) != CMN_OK ||
		    strcmp(out.data, want) != 0)
			abort();
		free(want);
	}
	json_decref(all);
	buf_release(&out);
	buf_init(&out, 1 << 24);
	if (str_utf8_valid(text, strlen(text)) && json_text_string(&out, text) == CMN_OK) {
		json_t *s = json_loads(out.data, JSON_DECODE_ANY, NULL);

		if (!json_is_string(s) || strcmp(json_string_value(s), text) != 0)
			abort();
		json_decref(s);
	}
	buf_release(&out);
	free(text);
	return 0;
}
