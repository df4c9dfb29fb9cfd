/*
 * schema.c - the JSON Schema subset validator of schema.h.
 */
#include "record/schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
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

/* The path to the value being validated is kept as the keys and indexes
 * that lead to it, and written as a JSON pointer only when an error is
 * found: most documents have none. */
#define PATH_MAX_DEPTH (CMN_JSON_MAX_DEPTH + 2)

struct vstate {
	struct schema_errors *errs;
	const char *key[PATH_MAX_DEPTH]; /* a member's key, or NULL for an index */
	size_t index[PATH_MAX_DEPTH];
	size_t depth; /* may pass PATH_MAX_DEPTH: levels beyond are not named */
};

/* put_token - appends "/token" (escaped per RFC 6901) to ptr (len of it
 * used, room bytes at most), whole UTF-8 sequences only: a cut pointer
 * stays valid text */
static void put_token(char *ptr, size_t *len, size_t room, const char *token)
{
	if (*len < room)
		ptr[(*len)++] = '/';
	for (const char *p = token; *p && *len < room;) {
		unsigned char c = (unsigned char)*p;
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (*p == '~' || *p == '/') {
			if (*len + 2 > room)
				break;
			ptr[(*len)++] = '~';
			ptr[(*len)++] = *p == '~' ? '0' : '1';
			p++;
			continue;
		}
		if (*len + k > room || strnlen(p, k) < k)
			break;
		memcpy(ptr + *len, p, k);
		*len += k;
		p += k;
	}
}

static void add_error(struct vstate *vs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_error(struct vstate *vs, const char *fmt, ...)
{
	struct schema_error *e;
	size_t len = 0;
	va_list ap;

	vs->errs->total++;
	if (vs->errs->n >= CMN_MAX_VALIDATION_ERRORS)
		return;
	e = &vs->errs->e[vs->errs->n++];
	for (size_t i = 0; i < vs->depth && i < PATH_MAX_DEPTH; i++) {
		char idx[24];

		if (!vs->key[i])
			*str_put_u64(idx, vs->index[i], 0) = '\0';
		put_token(e->pointer, &len, sizeof(e->pointer) - 1, vs->key[i] ? vs->key[i] : idx);
	}
	e->pointer[len] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* push_key, push_index - one level down, to a member or an item; pop goes
 * back up */
static void push_key(struct vstate *vs, const char *key)
{
	if (vs->depth < PATH_MAX_DEPTH)
		vs->key[vs->depth] = key;
	vs->depth++;
}

static void push_index(struct vstate *vs, size_t i)
{
	if (vs->depth < PATH_MAX_DEPTH) {
		vs->key[vs->depth] = NULL;
		vs->index[vs->depth] = i;
	}
	vs->depth++;
}

static void pop(struct vstate *vs)
{
	vs->depth--;
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

/* The keywords of one schema object, found in one pass over its members
 * rather than by a hashed lookup of each keyword a value might need (the
 * validation of every record written goes through here). */
struct keywords {
	const json_t *type, *enum_, *const_, *properties, *required, *addl, *items;
	const json_t *min_items, *max_items, *minimum, *maximum, *excl_min, *excl_max;
	const json_t *min_length, *max_length, *format;
};

static void keywords_of(const json_t *schema, struct keywords *kw)
{
	static const struct {
		const char *name;
		size_t at;
	} names[] = {
	    {"type", offsetof(struct keywords, type)},
	    {"enum", offsetof(struct keywords, enum_)},
	    {"const", offsetof(struct keywords, const_)},
	    {"properties", offsetof(struct keywords, properties)},
	    {"required", offsetof(struct keywords, required)},
	    {"additionalProperties", offsetof(struct keywords, addl)},
	    {"items", offsetof(struct keywords, items)},
	    {"minItems", offsetof(struct keywords, min_items)},
	    {"maxItems", offsetof(struct keywords, max_items)},
	    {"minimum", offsetof(struct keywords, minimum)},
	    {"maximum", offsetof(struct keywords, maximum)},
	    {"exclusiveMinimum", offsetof(struct keywords, excl_min)},
	    {"exclusiveMaximum", offsetof(struct keywords, excl_max)},
	    {"minLength", offsetof(struct keywords, min_length)},
	    {"maxLength", offsetof(struct keywords, max_length)},
	    {"format", offsetof(struct keywords, format)},
	};
	const char *k;
	json_t *v;

	memset(kw, 0, sizeof(*kw));
	json_object_foreach((json_t *)schema, k, v) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (k[0] == names[i].name[0] && strcmp(k, names[i].name) == 0) {
				const json_t **slot = (const json_t **)(void *)((char *)kw + names[i].at);

				*slot = v;
				break;
			}
	}
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

static void validate_object(struct vstate *vs, const struct keywords *kw, const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;

	json_array_foreach(kw->required, i, c) {
		if (!json_object_get(v, json_string_value(c))) {
			push_key(vs, json_string_value(c));
			add_error(vs, "is required");
			pop(vs);
		}
	}
	json_object_foreach((json_t *)v, k, c) {
		const json_t *ps = kw->properties ? json_object_get(kw->properties, k) : NULL;

		push_key(vs, k);
		if (ps)
			validate(vs, ps, c);
		else if (json_is_false(kw->addl))
			add_error(vs, "is not a known property");
		pop(vs);
	}
}

static void validate_array(struct vstate *vs, const struct keywords *kw, const json_t *v)
{
	size_t n = json_array_size(v), i;
	json_t *c;

	if (kw->min_items && (double)n < json_number_value(kw->min_items))
		add_error(vs, "must have at least %g items", json_number_value(kw->min_items));
	if (kw->max_items && (double)n > json_number_value(kw->max_items))
		add_error(vs, "must have at most %g items", json_number_value(kw->max_items));
	if (!kw->items)
		return;
	json_array_foreach(v, i, c) {
		push_index(vs, i);
		validate(vs, kw->items, c);
		pop(vs);
	}
}

static void validate_number(struct vstate *vs, const struct keywords *kw, const json_t *v)
{
	double x = json_number_value(v);

	if (kw->minimum && x < json_number_value(kw->minimum))
		add_error(vs, "must be at least %g", json_number_value(kw->minimum));
	if (kw->maximum && x > json_number_value(kw->maximum))
		add_error(vs, "must be at most %g", json_number_value(kw->maximum));
	if (kw->excl_min && x <= json_number_value(kw->excl_min))
		add_error(vs, "must be greater than %g", json_number_value(kw->excl_min));
	if (kw->excl_max && x >= json_number_value(kw->excl_max))
		add_error(vs, "must be less than %g", json_number_value(kw->excl_max));
}

static void validate_string(struct vstate *vs, const struct keywords *kw, const json_t *v)
{
	const char *s = json_string_value(v);

	if (kw->min_length || kw->max_length) {
		size_t n = utf8_chars(s);

		if (kw->min_length && (double)n < json_number_value(kw->min_length))
			add_error(vs, "must be at least %g characters long",
				  json_number_value(kw->min_length));
		if (kw->max_length && (double)n > json_number_value(kw->max_length))
			add_error(vs, "must be at most %g characters long",
				  json_number_value(kw->max_length));
	}
	if (kw->format)
		check_format(vs, json_string_value(kw->format), s);
}

static void validate(struct vstate *vs, const json_t *schema, const json_t *v)
{
	struct keywords kw;
	bool ok;
	size_t i;
	json_t *e;

	keywords_of(schema, &kw);
	validate_type(vs, kw.type, v, &ok);
	if (!ok)
		return;
	if (kw.enum_) {
		bool found = false;

		json_array_foreach(kw.enum_, i, e)
			if (json_equal(e, (json_t *)v))
				found = true;
		if (!found) {
			add_error(vs, "must be one of the allowed values");
			return;
		}
	}
	if (kw.const_ && !json_equal((json_t *)kw.const_, (json_t *)v))
		add_error(vs, "must equal the fixed value");
	if (json_is_object(v))
		validate_object(vs, &kw, v);
	else if (json_is_array(v))
		validate_array(vs, &kw, v);
	else if (json_is_number(v))
		validate_number(vs, &kw, v);
	else if (json_is_string(v))
		validate_string(vs, &kw, v);
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
