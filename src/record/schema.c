/*
 * schema.c - the JSON Schema subset validator of schema.h.
 */
#include "record/schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "core/timeutil.h"

static const char *const known_keywords[] = {
	"type", "properties", "required", "additionalProperties", "items", "minItems",
	"maxItems", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "minLength", "maxLength", "format", "title", "description",
	"$comment", "examples", "default",
};

static const char *const known_types[] = {"object", "array", "string", "number",
					  "integer", "boolean", "null"};

static const char *const known_formats[] = {"date-time", "date", "uri", "email"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

enum cmn_rc schema_check(const json_t *schema, char *err, size_t errlen)
{
	const char *key;
	json_t *val;

	if (!json_is_object(schema)) {
		snprintf(err, errlen, "a schema must be an object");
		return CMN_ERR_INVALID;
	}
	json_object_foreach((json_t *)schema, key, val) {
		if (!in_list(key, known_keywords, COUNT(known_keywords))) {
			snprintf(err, errlen, "unsupported schema keyword \"%s\"", key);
			return CMN_ERR_INVALID;
		}
		if (strcmp(key, "type") == 0) {
			size_t i;
			json_t *t;

			if (json_is_string(val) &&
			    in_list(json_string_value(val), known_types, COUNT(known_types)))
				continue;
			if (!json_is_array(val) || json_array_size(val) == 0)
				goto bad;
			json_array_foreach(val, i, t)
				if (!json_is_string(t) ||
				    !in_list(json_string_value(t), known_types, COUNT(known_types)))
					goto bad;
		} else if (strcmp(key, "properties") == 0) {
			const char *pk;
			json_t *pv;

			if (!json_is_object(val))
				goto bad;
			json_object_foreach(val, pk, pv)
				if (schema_check(pv, err, errlen) != CMN_OK)
					return CMN_ERR_INVALID;
		} else if (strcmp(key, "items") == 0) {
			if (schema_check(val, err, errlen) != CMN_OK)
				return CMN_ERR_INVALID;
		} else if (strcmp(key, "required") == 0) {
			size_t i;
			json_t *r;

			if (!json_is_array(val))
				goto bad;
			json_array_foreach(val, i, r)
				if (!json_is_string(r))
					goto bad;
		} else if (strcmp(key, "additionalProperties") == 0) {
			if (!json_is_boolean(val))
				goto bad;
		} else if (strcmp(key, "enum") == 0) {
			if (!json_is_array(val) || json_array_size(val) == 0)
				goto bad;
		} else if (strcmp(key, "format") == 0) {
			if (!json_is_string(val) ||
			    !in_list(json_string_value(val), known_formats, COUNT(known_formats)))
				goto bad;
		} else if (strncmp(key, "min", 3) == 0 || strncmp(key, "max", 3) == 0 ||
			   strncmp(key, "exclusive", 9) == 0) {
			if (!json_is_number(val))
				goto bad;
		}
	}
	return CMN_OK;
bad:
	snprintf(err, errlen, "invalid value for schema keyword \"%s\"", key);
	return CMN_ERR_INVALID;
}

size_t json_depth(const json_t *v)
{
	size_t max = 0, d;
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if ((d = json_depth(c)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if ((d = json_depth(c)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

struct vstate {
	struct schema_errors *errs;
	char ptr[SCHEMA_POINTER_MAX];
	size_t len;
};

static void add_error(struct vstate *vs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_error(struct vstate *vs, const char *fmt, ...)
{
	struct schema_error *e;
	va_list ap;

	vs->errs->total++;
	if (vs->errs->n >= CMN_MAX_VALIDATION_ERRORS)
		return;
	e = &vs->errs->e[vs->errs->n++];
	str_copy(e->pointer, sizeof(e->pointer), vs->ptr);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* push - appends "/token" (escaped per RFC 6901) to the pointer; returns the
 * previous length to restore with pop. */
static size_t push(struct vstate *vs, const char *token)
{
	size_t old = vs->len;
	size_t room = sizeof(vs->ptr) - 1;

	if (vs->len < room)
		vs->ptr[vs->len++] = '/';
	for (const char *p = token; *p && vs->len < room;) {
		/* whole UTF-8 sequences only: a cut pointer stays valid text */
		unsigned char c = (unsigned char)*p;
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (*p == '~' || *p == '/') {
			if (vs->len + 2 > room)
				break;
			vs->ptr[vs->len++] = '~';
			vs->ptr[vs->len++] = *p == '~' ? '0' : '1';
			p++;
			continue;
		}
		if (vs->len + k > room || strnlen(p, k) < k)
			break;
		memcpy(vs->ptr + vs->len, p, k);
		vs->len += k;
		p += k;
	}
	vs->ptr[vs->len] = '\0';
	return old;
}

static void pop(struct vstate *vs, size_t old)
{
	vs->len = old;
	vs->ptr[old] = '\0';
}

static const char *type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

static bool type_matches(const char *want, const json_t *v)
{
	if (strcmp(want, "number") == 0)
		return json_is_number(v);
	if (strcmp(want, "integer") == 0)
		return json_is_integer(v) ||
		       (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
			fabs(json_real_value(v)) < 9007199254740992.0);
	return strcmp(want, type_of(v)) == 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',')
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

static bool valid_uri(const char *s)
{
	const char *p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		return false;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' ||
		    *p == '\\' || *p == '^' || *p == '`' || *p == '{' || *p == '|' || *p == '}')
			return false;
	return true;
}

static void check_format(struct vstate *vs, const char *format, const char *s)
{
	int64_t t;
	bool ok = true;

	if (strcmp(format, "date-time") == 0)
		ok = time_parse(s, false, &t) == CMN_OK;
	else if (strcmp(format, "date") == 0)
		ok = time_is_date(s);
	else if (strcmp(format, "email") == 0)
		ok = valid_email(s);
	else if (strcmp(format, "uri") == 0)
		ok = valid_uri(s);
	if (!ok)
		add_error(vs, "must be a valid %s", format);
}

static void validate(struct vstate *vs, const json_t *schema, const json_t *v);

static void validate_type(struct vstate *vs, const json_t *type, const json_t *v, bool *ok)
{
	size_t i;
	json_t *t;

	*ok = true;
	if (!type)
		return;
	if (json_is_string(type)) {
		*ok = type_matches(json_string_value(type), v);
		if (!*ok)
			add_error(vs, "must be of type %s, not %s", json_string_value(type),
				  type_of(v));
		return;
	}
	json_array_foreach(type, i, t)
		if (type_matches(json_string_value(t), v))
			return;
	*ok = false;
	add_error(vs, "has the wrong type (%s)", type_of(v));
}

static void validate_object(struct vstate *vs, const json_t *schema, const json_t *v)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *req = json_object_get(schema, "required");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	const char *k;
	json_t *c;
	size_t i;

	json_array_foreach(req, i, c) {
		if (!json_object_get(v, json_string_value(c))) {
			size_t old = push(vs, json_string_value(c));

			add_error(vs, "is required");
			pop(vs, old);
		}
	}
	json_object_foreach((json_t *)v, k, c) {
		const json_t *ps = props ? json_object_get(props, k) : NULL;
		size_t old = push(vs, k);

		if (ps)
			validate(vs, ps, c);
		else if (json_is_false(addl))
			add_error(vs, "is not a known property");
		pop(vs, old);
	}
}

static void validate_array(struct vstate *vs, const json_t *schema, const json_t *v)
{
	const json_t *items = json_object_get(schema, "items");
	const json_t *mn = json_object_get(schema, "minItems");
	const json_t *mx = json_object_get(schema, "maxItems");
	size_t n = json_array_size(v), i;
	json_t *c;

	if (mn && (double)n < json_number_value(mn))
		add_error(vs, "must have at least %g items", json_number_value(mn));
	if (mx && (double)n > json_number_value(mx))
		add_error(vs, "must have at most %g items", json_number_value(mx));
	if (!items)
		return;
	json_array_foreach(v, i, c) {
		char idx[24];
		size_t old;

		snprintf(idx, sizeof(idx), "%zu", i);
		old = push(vs, idx);
		validate(vs, items, c);
		pop(vs, old);
	}
}

static void validate_number(struct vstate *vs, const json_t *schema, const json_t *v)
{
	double x = json_number_value(v);
	const json_t *k;

	if ((k = json_object_get(schema, "minimum")) && x < json_number_value(k))
		add_error(vs, "must be at least %g", json_number_value(k));
	if ((k = json_object_get(schema, "maximum")) && x > json_number_value(k))
		add_error(vs, "must be at most %g", json_number_value(k));
	if ((k = json_object_get(schema, "exclusiveMinimum")) && x <= json_number_value(k))
		add_error(vs, "must be greater than %g", json_number_value(k));
	if ((k = json_object_get(schema, "exclusiveMaximum")) && x >= json_number_value(k))
		add_error(vs, "must be less than %g", json_number_value(k));
}

static void validate_string(struct vstate *vs, const json_t *schema, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = utf8_chars(s);
	const json_t *k;

	if ((k = json_object_get(schema, "minLength")) && (double)n < json_number_value(k))
		add_error(vs, "must be at least %g characters long", json_number_value(k));
	if ((k = json_object_get(schema, "maxLength")) && (double)n > json_number_value(k))
		add_error(vs, "must be at most %g characters long", json_number_value(k));
	if ((k = json_object_get(schema, "format")))
		check_format(vs, json_string_value(k), s);
}

static void validate(struct vstate *vs, const json_t *schema, const json_t *v)
{
	const json_t *k;
	bool ok;
	size_t i;
	json_t *e;

	validate_type(vs, json_object_get(schema, "type"), v, &ok);
	if (!ok)
		return;
	if ((k = json_object_get(schema, "enum"))) {
		bool found = false;

		json_array_foreach(k, i, e)
			if (json_equal(e, (json_t *)v))
				found = true;
		if (!found) {
			add_error(vs, "must be one of the allowed values");
			return;
		}
	}
	if ((k = json_object_get(schema, "const")) && !json_equal((json_t *)k, (json_t *)v))
		add_error(vs, "must equal the fixed value");
	if (json_is_object(v))
		validate_object(vs, schema, v);
	else if (json_is_array(v))
		validate_array(vs, schema, v);
	else if (json_is_number(v))
		validate_number(vs, schema, v);
	else if (json_is_string(v))
		validate_string(vs, schema, v);
}

enum cmn_rc schema_validate(const json_t *schema, const json_t *doc, struct schema_errors *errs)
{
	struct vstate vs = {.errs = errs};

	errs->n = 0;
	errs->total = 0;
	if (json_depth(doc) > CMN_JSON_MAX_DEPTH) {
		add_error(&vs, "is nested deeper than %d levels", CMN_JSON_MAX_DEPTH);
		return CMN_ERR_INVALID;
	}
	validate(&vs, schema, doc);
	return errs->total ? CMN_ERR_INVALID : CMN_OK;
}

const char *json_member_outside(const json_t *o, const char *const *names)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		size_t i = 0;

		(void)v;
		while (names[i] && strcmp(names[i], key) != 0)
			i++;
		if (!names[i])
			return key;
	}
	return NULL;
}

enum cmn_rc schema_fault(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return CMN_ERR_INVALID;
}
