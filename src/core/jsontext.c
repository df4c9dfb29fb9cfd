/*
 * jsontext.c - JSON text without a tree. See jsontext.h.
 */
#include "core/jsontext.h"

#include <stdbool.h>
#include <string.h>

#include "core/limits.h"

enum cmn_rc json_text_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	enum cmn_rc rc = buf_puts(b, "\"");

	for (const unsigned char *p = (const unsigned char *)s; *p && rc == CMN_OK; p++) {
		size_t run = 0;

		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		if (run) {
			rc = buf_append(b, p, run);
			p += run - 1;
			continue;
		}
		switch (*p) {
		case '"': rc = buf_puts(b, "\\\""); break;
		case '\\': rc = buf_puts(b, "\\\\"); break;
		case '\n': rc = buf_puts(b, "\\n"); break;
		case '\r': rc = buf_puts(b, "\\r"); break;
		case '\t': rc = buf_puts(b, "\\t"); break;
		default: {
			char u[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], 0};

			rc = buf_puts(b, u);
		}
		}
	}
	return rc == CMN_OK ? buf_puts(b, "\"") : rc;
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
