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
 *   - json_text_dumps writes any tree jansson reads as json_dumps does,
 *     byte for byte, under flags the first byte picks (compact or
 *     indented, sorted, ASCII only, any value, a precision);
 *   - json_parse (src/core/jsonparse.c) reads what jansson reads, to an
 *     equal tree, and refuses what it refuses, under each of its flags;
 *     with jansson's allocations failing from the Nth on, it gives the
 *     same tree or fails as out of memory (never as a malformed text), and
 *     leaks nothing.
 * The first input byte picks the keys among a few names that the corpus
 * uses, so that projections keep, drop and mix members, and the N.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/jsonparse.h"
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

/* jansson's allocations fail from the fail_at-th on (0: never) */
static size_t allocs, fail_at;

static void *counted_malloc(size_t n)
{
	if (fail_at && ++allocs >= fail_at)
		return NULL;
	return malloc(n);
}

/* json_parse against jansson's loader, on the n bytes at text */
static void parse_as_jansson(const char *text, size_t n, unsigned first)
{
	static const unsigned ours[] = {0, JSON_PARSE_REJECT_DUPLICATES, JSON_PARSE_ANY,
					JSON_PARSE_REJECT_DUPLICATES | JSON_PARSE_ANY};
	static const size_t theirs[] = {0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
					JSON_REJECT_DUPLICATES | JSON_DECODE_ANY};

	for (size_t f = 0; f < 4; f++) {
		struct json_parse_error e;
		json_t *want = json_loadb(text, n, theirs[f], NULL);
		json_t *got = json_parse(text, n, ours[f], &e);

		/* jansson ends a number at a NUL byte and reads "0\0" as 0:
		 * json_parse refuses any NUL outside a string's escapes */
		if (want && !got && memchr(text, 0, n)) {
			json_decref(want);
			want = NULL;
		}
		if (!want != !got || (want && !json_equal(want, got)))
			abort();
		if (!got && (e.rc != CMN_ERR_INVALID || !e.text[0] || e.line < 1 || e.column < 1 ||
			     e.position > n))
			abort();
		json_decref(got);
		/* the same under failed allocations */
		allocs = 0;
		fail_at = 1 + first % 64;
		json_set_alloc_funcs(counted_malloc, free);
		got = json_parse(text, n, ours[f], &e);
		json_set_alloc_funcs(malloc, free);
		fail_at = 0;
		if (got ? !want || !json_equal(want, got)
			: want && e.rc != CMN_ERR_NOMEM)
			abort();
		json_decref(got);
		json_decref(want);
	}
}

/* json_text_dumps against json_dumps, on the tree v, flags from first */
static void dumps_as_jansson(const json_t *v, unsigned first)
{
	size_t flags = ((first & 1) ? JSON_COMPACT : 0) | ((first & 2) ? JSON_SORT_KEYS : 0) |
		       ((first & 4) ? JSON_ENSURE_ASCII : 0) | ((first & 8) ? JSON_ENCODE_ANY : 0) |
		       ((first & 16) ? JSON_INDENT(first >> 5 & 3) : 0) |
		       JSON_REAL_PRECISION(first % 18);
	char *want = json_dumps(v, flags), *got = json_text_dumps(v, flags);

	if (!want != !got || (want && strcmp(want, got) != 0))
		abort();
	free(got);
	free(want);
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
	parse_as_jansson((const char *)data + 1, size - 1, data[0]);
	{
		json_t *any = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);

		if (any)
			dumps_as_jansson(any, data[0]);
		json_decref(any);
	}
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
