/*
 * jsontext.c - JSON text without a tree. See jsontext.h.
 */
#include "core/jsontext.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/limits.h"
#include "core/str.h"

static enum cmn_rc put_string(struct buf *b, const char *s, size_t n, bool ascii);

enum cmn_rc json_text_string(struct buf *b, const char *s)
{
	return put_string(b, s, strlen(s), false);
}

static const char *space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* string_end - past the closing quote of the string at p (on its '"'). */
static const char *string_end(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p == '"' ? p + 1 : NULL;
}

/* value_end - past the value at p, or NULL when it is not one. */
static const char *value_end(const char *p, int depth)
{
	p = space(p);
	if (*p == '"')
		return string_end(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		if (depth >= CMN_JSON_MAX_DEPTH)
			return NULL;
		p = space(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = string_end(p)))
					return NULL;
				p = space(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = value_end(p, depth + 1)))
				return NULL;
			p = space(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = space(p);
		}
	}
	if (!*p || strchr("-0123456789tfn", *p) == NULL)
		return NULL;
	while (*p && strchr("+-.0123456789eEtruefalsn", *p))
		p++;
	return p;
}

static bool wanted(const char *key, size_t n, const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strlen(keys[i]) == n && memcmp(keys[i], key, n) == 0)
			return true;
	return false;
}

enum cmn_rc json_text_project(const char *obj, const char *const *keys, size_t nkeys,
			      struct buf *out)
{
	size_t at = out->len;
	const char *p = space(obj);
	bool first = true;
	enum cmn_rc rc = CMN_OK;

	if (*p != '{')
		return CMN_ERR_INVALID;
	rc = buf_puts(out, "{");
	p = space(p + 1);
	if (*p == '}') {
		p++;
	} else {
		while (rc == CMN_OK) {
			const char *key = p, *kend, *vstart, *vend;

			if (*p != '"' || !(kend = string_end(p))) {
				rc = CMN_ERR_INVALID;
				break;
			}
			p = space(kend);
			if (*p != ':') {
				rc = CMN_ERR_INVALID;
				break;
			}
			vstart = space(p + 1);
			if (!(vend = value_end(vstart, 1))) {
				rc = CMN_ERR_INVALID;
				break;
			}
			if (wanted(key + 1, (size_t)(kend - key - 2), keys, nkeys)) {
				if (!first)
					buf_puts(out, ",");
				first = false;
				buf_append(out, key, (size_t)(kend - key));
				buf_puts(out, ":");
				rc = buf_append(out, vstart, (size_t)(vend - vstart));
			}
			p = space(vend);
			if (*p == '}') {
				p++;
				break;
			}
			if (*p != ',') {
				rc = CMN_ERR_INVALID;
				break;
			}
			p = space(p + 1);
		}
	}
	if (rc == CMN_OK && *space(p))
		rc = CMN_ERR_INVALID;
	if (rc == CMN_OK)
		rc = buf_puts(out, "}");
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	return rc;
}

/* ---- a tree, written ------------------------------------------------------ */

/* how a tree is written: json_dumps's flags, read once */
struct style {
	int precision;  /* of reals: 1 to 17 */
	int indent;     /* spaces a level, 0: none */
	int max_depth;  /* of containers */
	bool compact;   /* no space after ':' and ',' */
	bool sorted;    /* members by key */
	bool ascii;     /* \u escapes for all that is not ASCII */
};

/* put_escape - \uXXXX of the UTF-16 unit u */
static enum cmn_rc put_escape(struct buf *b, unsigned u)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[6] = {'\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15], hex[u >> 4 & 15],
		       hex[u & 15]};

	return buf_append(b, esc, sizeof(esc));
}

/* put_string - the string literal of n bytes at s (UTF-8), with
 * json_dumps's escapes: the short ones, \u00XX for other controls, and
 * with ascii every other character as \uXXXX (a pair beyond U+FFFF).
 * json_text_string and json_text_compact both write strings with it. */
static enum cmn_rc put_string(struct buf *b, const char *s, size_t n, bool ascii)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	enum cmn_rc rc = buf_append(b, "\"", 1);

	while (p < end && rc == CMN_OK) {
		const unsigned char *run = p;
		char esc[2] = {'\\', 0};

		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && (!ascii || *p < 0x80))
			p++;
		if (p > run && (rc = buf_append(b, run, (size_t)(p - run))) != CMN_OK)
			break;
		if (p == end)
			break;
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: break;
		}
		if (esc[1]) {
			rc = buf_append(b, esc, 2);
			p++;
		} else if (*p < 0x80) {
			rc = put_escape(b, *p++);
		} else {
			/* a character of 2 to 4 bytes (valid UTF-8: jansson's strings are) */
			unsigned cp, more = *p >= 0xF0 ? 3 : *p >= 0xE0 ? 2 : 1;

			cp = *p++ & (0x3F >> more);
			for (; more && p < end; more--)
				cp = cp << 6 | (*p++ & 0x3F);
			if (cp < 0x10000) {
				rc = put_escape(b, cp);
			} else {
				cp -= 0x10000;
				rc = put_escape(b, 0xD800 | cp >> 10);
				if (rc == CMN_OK)
					rc = put_escape(b, 0xDC00 | (cp & 0x3FF));
			}
		}
	}
	return rc == CMN_OK ? buf_append(b, "\"", 1) : rc;
}

/* real_decimal - d as "%.<precision>g" writes it, into t (64 bytes), without
 * printf, when that is sure: d is the double nearest a decimal r / 10^k of
 * at most precision (<= 15 = DBL_DIG) significant digits, and 1e-4 <= |d| <
 * 10^precision. Such a decimal comes back from its double unchanged at that
 * precision, in fixed notation without trailing zeros. r / 10^k is
 * correctly rounded, so comparing it with d is exact. Returns the length, 0
 * when it does not apply (printf then writes it). Amounts and measures,
 * most of a record's reals, take this way. */
static size_t real_decimal(char *t, double d, int precision)
{
	static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	double a = d < 0 ? -d : d;
	char digits[20], *p = t;
	int n = 0;

	if (precision < 1 || precision > 15 || !(a >= 1e-4) || a >= p10[precision])
		return 0;
	for (int k = 0; k < 16; k++) {
		double m = a * p10[k], r;

		if (m >= p10[precision])
			return 0;
		r = (double)(uint64_t)(m + 0.5);
		if (r / p10[k] != a)
			continue;
		for (uint64_t u = (uint64_t)r; u; u /= 10)
			digits[n++] = (char)('0' + u % 10);
		if (d < 0)
			*p++ = '-';
		if (n <= k) { /* 0.00ddd */
			*p++ = '0';
			*p++ = '.';
			for (int z = n; z < k; z++)
				*p++ = '0';
		}
		for (int i = n - 1; i >= 0; i--) {
			*p++ = digits[i];
			if (i == k && i > 0)
				*p++ = '.';
		}
		*p = '\0'; /* the smallest k: no trailing zero to drop */
		return (size_t)(p - t);
	}
	return 0; /* more decimals than that: printf */
}

/* put_real - "%.<precision>g", then ".0" when neither a point nor an
 * exponent shows it is a real, and an exponent without its '+' and its
 * leading zeros (1e+20 is 1e20), as json_dumps writes it */
static enum cmn_rc put_real(struct buf *b, double d, int precision)
{
	char t[64], out[64];
	size_t fixed = real_decimal(t, d, precision);
	int n = fixed ? (int)fixed : snprintf(t, sizeof(t), "%.*g", precision, d);
	size_t k = 0;
	const char *e;

	if (n <= 0 || (size_t)n >= sizeof(t))
		return CMN_ERR_INVALID;
	if (!(e = strchr(t, 'e'))) {
		enum cmn_rc rc = buf_append(b, t, (size_t)n);

		return rc == CMN_OK && !strchr(t, '.') ? buf_append(b, ".0", 2) : rc;
	}
	memcpy(out, t, (size_t)(e - t) + 1);
	k = (size_t)(e - t) + 1;
	e++;
	if (*e == '-')
		out[k++] = *e++;
	else if (*e == '+')
		e++;
	while (*e == '0' && e[1])
		e++;
	while (*e)
		out[k++] = *e++;
	return buf_append(b, out, k);
}

/* put_break - what json_dumps writes between two items at depth: a new
 * line and its indent, or a space when asked and not compact */
static enum cmn_rc put_break(struct buf *b, const struct style *st, int depth, bool space)
{
	enum cmn_rc rc = CMN_OK;

	if (st->indent > 0) {
		rc = buf_append(b, "\n", 1);
		for (int i = 0; rc == CMN_OK && i < depth * st->indent; i++)
			rc = buf_append(b, " ", 1);
	} else if (space && !st->compact) {
		rc = buf_append(b, " ", 1);
	}
	return rc;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum cmn_rc put_value(struct buf *b, const json_t *v, const struct style *st, int depth);

/* put_member - "key": value */
static enum cmn_rc put_member(struct buf *b, const char *key, const json_t *m,
			      const struct style *st, int depth)
{
	enum cmn_rc rc = put_string(b, key, strlen(key), st->ascii);

	if (rc == CMN_OK)
		rc = buf_append(b, st->compact ? ":" : ": ", st->compact ? 1 : 2);
	return rc == CMN_OK ? put_value(b, m, st, depth + 1) : rc;
}

/* put_after - after item i of n at depth: a ',' and a break to the next,
 * or the break to the container's end */
static enum cmn_rc put_after(struct buf *b, const struct style *st, int depth, size_t i, size_t n)
{
	enum cmn_rc rc = i + 1 < n ? buf_append(b, ",", 1) : CMN_OK;

	return rc == CMN_OK ? put_break(b, st, i + 1 < n ? depth + 1 : depth, i + 1 < n) : rc;
}

static enum cmn_rc put_object(struct buf *b, const json_t *v, const struct style *st, int depth)
{
	size_t n = json_object_size(v), i = 0;
	enum cmn_rc rc = buf_append(b, "{", 1);
	const char *key;
	json_t *m;

	if (rc == CMN_OK && n)
		rc = put_break(b, st, depth + 1, false);
	if (rc == CMN_OK && n && st->sorted) {
		const char **keys = malloc(n * sizeof(*keys));

		if (!keys)
			return CMN_ERR_NOMEM;
		json_object_foreach ((json_t *)v, key, m)
			keys[i++] = key;
		qsort(keys, n, sizeof(*keys), by_key);
		for (i = 0; rc == CMN_OK && i < n; i++) {
			rc = put_member(b, keys[i], json_object_get(v, keys[i]), st, depth);
			if (rc == CMN_OK)
				rc = put_after(b, st, depth, i, n);
		}
		free(keys);
	} else if (rc == CMN_OK) {
		json_object_foreach ((json_t *)v, key, m) {
			rc = put_member(b, key, m, st, depth);
			if (rc == CMN_OK)
				rc = put_after(b, st, depth, i++, n);
			if (rc != CMN_OK)
				break;
		}
	}
	return rc == CMN_OK ? buf_append(b, "}", 1) : rc;
}

static enum cmn_rc put_value(struct buf *b, const json_t *v, const struct style *st, int depth)
{
	enum cmn_rc rc = CMN_OK;
	size_t n;
	char t[32];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth >= st->max_depth)
			return CMN_ERR_INVALID;
		return put_object(b, v, st, depth);
	case JSON_ARRAY:
		if (depth >= st->max_depth)
			return CMN_ERR_INVALID;
		n = json_array_size(v);
		rc = buf_append(b, "[", 1);
		if (rc == CMN_OK && n)
			rc = put_break(b, st, depth + 1, false);
		for (size_t i = 0; rc == CMN_OK && i < n; i++) {
			rc = put_value(b, json_array_get(v, i), st, depth + 1);
			if (rc == CMN_OK)
				rc = put_after(b, st, depth, i, n);
		}
		return rc == CMN_OK ? buf_append(b, "]", 1) : rc;
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v), st->ascii);
	case JSON_INTEGER:
		return buf_append(b, t, (size_t)(str_put_i64(t, json_integer_value(v)) - t));
	case JSON_REAL: return put_real(b, json_real_value(v), st->precision);
	case JSON_TRUE: return buf_append(b, "true", 4);
	case JSON_FALSE: return buf_append(b, "false", 5);
	case JSON_NULL: return buf_append(b, "null", 4);
	}
	return CMN_ERR_INVALID;
}

enum cmn_rc json_text_compact(struct buf *b, const json_t *v, int precision)
{
	const struct style st = {.precision = precision, .max_depth = CMN_JSON_MAX_DEPTH,
				 .compact = true};
	size_t len = b->len;
	enum cmn_rc rc = put_value(b, v, &st, 0);

	if (rc != CMN_OK && b->data) {
		b->len = len; /* as it was */
		b->data[len] = '\0';
	}
	return rc;
}

char *json_text_dumps(const json_t *v, size_t flags)
{
	const struct style st = {
		.precision = (flags >> 11 & 0x1F) ? (int)(flags >> 11 & 0x1F) : 17,
		.indent = (int)(flags & 0x1F),
		.max_depth = JSON_PARSE_MAX_DEPTH,
		.compact = flags & JSON_COMPACT,
		.sorted = flags & JSON_SORT_KEYS,
		.ascii = flags & JSON_ENSURE_ASCII,
	};
	struct buf b;

	if (!v || (!(flags & JSON_ENCODE_ANY) && !json_is_object(v) && !json_is_array(v)))
		return NULL;
	buf_init(&b, SIZE_MAX);
	if (put_value(&b, v, &st, 0) != CMN_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}
