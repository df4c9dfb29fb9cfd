/*
 * jsontext.c - JSON text without a tree. See jsontext.h.
 */
#include "core/jsontext.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"

static enum cmn_rc put_string(struct buf *b, const char *s, size_t n);

enum cmn_rc json_text_string(struct buf *b, const char *s)
{
	return put_string(b, s, strlen(s));
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

/* put_string - the string literal of n bytes at s, with json_dumps's
 * escapes: the quote, the backslash and the control characters (\b \f \n
 * \r \t by name, the others as \u00XX, in capitals); the rest as it is.
 * json_text_string and json_text_compact both write strings with it. */
static enum cmn_rc put_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	enum cmn_rc rc = buf_append(b, "\"", 1);

	while (p < end && rc == CMN_OK) {
		const unsigned char *run = p;
		char esc[6] = {'\\', 'u', '0', '0', 0, 0};
		size_t len = 2;

		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
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
		default:
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			len = 6;
		}
		rc = buf_append(b, esc, len);
		p++;
	}
	return rc == CMN_OK ? buf_append(b, "\"", 1) : rc;
}

/* put_real - "%.<precision>g", then ".0" when neither a point nor an
 * exponent shows it is a real, and an exponent without its '+' and its
 * leading zeros (1e+20 is 1e20), as json_dumps writes it */
static enum cmn_rc put_real(struct buf *b, double d, int precision)
{
	char t[64], out[64];
	int n = snprintf(t, sizeof(t), "%.*g", precision, d);
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

static enum cmn_rc put_value(struct buf *b, const json_t *v, int precision, int depth)
{
	enum cmn_rc rc = CMN_OK;
	char t[32];
	int n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *m;
		bool first = true;

		if (depth >= CMN_JSON_MAX_DEPTH)
			return CMN_ERR_INVALID;
		rc = buf_append(b, "{", 1);
		json_object_foreach ((json_t *)v, key, m) {
			if (rc == CMN_OK && !first)
				rc = buf_append(b, ",", 1);
			first = false;
			if (rc == CMN_OK)
				rc = put_string(b, key, strlen(key));
			if (rc == CMN_OK)
				rc = buf_append(b, ":", 1);
			if (rc == CMN_OK)
				rc = put_value(b, m, precision, depth + 1);
			if (rc != CMN_OK)
				break;
		}
		return rc == CMN_OK ? buf_append(b, "}", 1) : rc;
	}
	case JSON_ARRAY:
		if (depth >= CMN_JSON_MAX_DEPTH)
			return CMN_ERR_INVALID;
		rc = buf_append(b, "[", 1);
		for (size_t i = 0; rc == CMN_OK && i < json_array_size(v); i++) {
			if (i)
				rc = buf_append(b, ",", 1);
			if (rc == CMN_OK)
				rc = put_value(b, json_array_get(v, i), precision, depth + 1);
		}
		return rc == CMN_OK ? buf_append(b, "]", 1) : rc;
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf_append(b, t, (size_t)n);
	case JSON_REAL: return put_real(b, json_real_value(v), precision);
	case JSON_TRUE: return buf_append(b, "true", 4);
	case JSON_FALSE: return buf_append(b, "false", 5);
	case JSON_NULL: return buf_append(b, "null", 4);
	}
	return CMN_ERR_INVALID;
}

enum cmn_rc json_text_compact(struct buf *b, const json_t *v, int precision)
{
	size_t len = b->len;
	enum cmn_rc rc = put_value(b, v, precision, 0);

	if (rc != CMN_OK && b->data) {
		b->len = len; /* as it was */
		b->data[len] = '\0';
	}
	return rc;
}

bool json_load_nomem(const json_error_t *e)
{
	return json_error_code(e) == json_error_out_of_memory || e->text[0] == '\0';
}
