/*
 * scope.c - the scope language of the OAuth server. See scope.h.
 */
#include "oauth/scope.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/timeutil.h"

/* doctype and field names share one array type below */
_Static_assert(CMN_DOCTYPE_NAME_MAX == GRANT_FIELD_MAX, "names of one size");

static const enum grant_op all_ops[] = {GRANT_OP_READ, GRANT_OP_AGGREGATE, GRANT_OP_COMPUTE};

static enum cmn_rc fault(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	str_utf8_repair(err);
	return CMN_ERR_INVALID;
}

/* add_name - a doctype or field name into list (distinct, at most max). */
static enum cmn_rc add_name(char (*list)[CMN_DOCTYPE_NAME_MAX + 1], size_t *count, size_t max,
			    size_t len, bool dots, const char *what, const char *name, char *err,
			    size_t n)
{
	if (!str_is_name(name, len, dots))
		return fault(err, n, "%s:%.64s: not a %s name", what, name, what);
	for (size_t i = 0; i < *count; i++)
		if (strcmp(list[i], name) == 0)
			return fault(err, n, "%s:%.64s is given twice", what, name);
	if (*count == max)
		return fault(err, n, "at most %zu %s tokens", max, what);
	str_copy(list[(*count)++], len + 1, name);
	return CMN_OK;
}

/* time_side - one side of a period ("" is open), checked and copied. */
static bool time_side(const char *s, size_t len, char *out, int64_t *t)
{
	if (len == 0) {
		out[0] = '\0';
		return true;
	}
	if (len > OAUTH_SCOPE_TIME_MAX)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return time_parse(out, true, t) == CMN_OK;
}

static enum cmn_rc add_period(struct oauth_scope *sc, const char *v, bool *seen, char *err,
			      size_t n)
{
	const char *slash = strchr(v, '/');
	int64_t from = INT64_MIN, to = INT64_MAX;

	if (*seen)
		return fault(err, n, "period: is given twice");
	*seen = true;
	if (!slash || strchr(slash + 1, '/') ||
	    !time_side(v, (size_t)(slash - v), sc->from, &from) ||
	    !time_side(slash + 1, strlen(slash + 1), sc->to, &to))
		return fault(err, n,
			     "period:%.64s: FROM/TO with RFC 3339 dates or date-times is"
			     " required",
			     v);
	if (!sc->from[0] && !sc->to[0])
		return fault(err, n, "period: needs a start, an end or both");
	if (from >= to)
		return fault(err, n, "period:%.64s: the end must come after the start", v);
	return CMN_OK;
}

/* add_token - one token of the scope. */
static enum cmn_rc add_token(struct oauth_scope *sc, const char *tok, bool *period, char *err,
			     size_t n)
{
	enum grant_op op;

	if (strncmp(tok, "doctype:", 8) == 0)
		return add_name(sc->doctypes, &sc->ndoctypes, GRANT_MAX_DOCTYPES,
				CMN_DOCTYPE_NAME_MAX, true, "doctype", tok + 8, err, n);
	if (strncmp(tok, "field:", 6) == 0)
		return add_name(sc->fields, &sc->nfields, GRANT_MAX_FIELDS, GRANT_FIELD_MAX, false,
				"field", tok + 6, err, n);
	if (strncmp(tok, "period:", 7) == 0)
		return add_period(sc, tok + 7, period, err, n);
	if (strncmp(tok, "op:", 3) == 0) {
		if (!grant_op_parse(tok + 3, &op))
			return fault(err, n, "op:%.64s: one of read, aggregate-only, compute-only",
				     tok + 3);
		if (sc->ops & (unsigned)op)
			return fault(err, n, "op:%s is given twice", tok + 3);
		sc->ops |= (unsigned)op;
		return CMN_OK;
	}
	return fault(err, n, "%.64s: unknown scope token (doctype:, field:, period:, op:)", tok);
}

enum cmn_rc oauth_scope_parse(const char *text, struct oauth_scope *out, char *err, size_t n)
{
	char tok[CMN_OAUTH_SCOPE_MAX + 1];
	bool period = false;
	const char *p = text;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (strlen(text) > CMN_OAUTH_SCOPE_MAX)
		return fault(err, n, "the scope is longer than %d bytes", CMN_OAUTH_SCOPE_MAX);
	while (*p) {
		size_t len = strcspn(p, " ");

		if (len) {
			memcpy(tok, p, len);
			tok[len] = '\0';
			if ((rc = add_token(out, tok, &period, err, n)) != CMN_OK)
				return rc;
		}
		p += len;
		if (*p == ' ')
			p++;
	}
	if (!out->ndoctypes)
		return fault(err, n, "the scope names no doctype (doctype:NAME)");
	if (!out->ops)
		out->ops = GRANT_OP_READ;
	return CMN_OK;
}

/* names_json - an array of the first count names of list. */
static json_t *names_json(const char (*list)[CMN_DOCTYPE_NAME_MAX + 1], size_t count)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < count; i++)
		if (json_array_append_new(a, json_string(list[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *oauth_scope_json(const struct oauth_scope *sc)
{
	json_t *o = json_object(), *ops = json_array();
	int bad = !o || !ops;

	for (size_t i = 0; !bad && i < sizeof(all_ops) / sizeof(*all_ops); i++)
		if (sc->ops & (unsigned)all_ops[i])
			bad |= json_array_append_new(ops, json_string(grant_op_name(all_ops[i])));
	if (!bad)
		bad |= json_object_set_new(o, "doctypes", names_json(sc->doctypes, sc->ndoctypes));
	if (!bad && sc->nfields)
		bad |= json_object_set_new(o, "fields", names_json(sc->fields, sc->nfields));
	if (!bad && sc->from[0])
		bad |= json_object_set_new(o, "from", json_string(sc->from));
	if (!bad && sc->to[0])
		bad |= json_object_set_new(o, "to", json_string(sc->to));
	if (!bad) {
		bad |= json_object_set_new(o, "operations", ops);
		ops = NULL;
	}
	json_decref(ops);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum cmn_rc oauth_scope_from_json(const json_t *scope, struct oauth_scope *out)
{
	struct buf b;
	const char *key;
	json_t *v, *item;
	size_t i;
	enum cmn_rc rc = CMN_OK;
	char err[200];

	/* say it in the language, then read it back: one set of rules */
	buf_init(&b, CMN_OAUTH_SCOPE_MAX);
	json_object_foreach((json_t *)scope, key, v)
	{
		const char *prefix = strcmp(key, "doctypes") == 0     ? "doctype:"
				     : strcmp(key, "fields") == 0     ? "field:"
				     : strcmp(key, "operations") == 0 ? "op:"
								      : NULL;

		if (!prefix)
			continue;
		if (!json_is_array(v))
			rc = CMN_ERR_INVALID;
		json_array_foreach(v, i, item)
		{
			const char *s = json_string_value(item);

			if (rc == CMN_OK && (!s || strchr(s, ' ')))
				rc = CMN_ERR_INVALID;
			if (rc == CMN_OK)
				rc = buf_printf(&b, "%s%s ", prefix, s);
		}
	}
	{
		const json_t *from = json_object_get(scope, "from"),
			     *to = json_object_get(scope, "to");

		if ((from && !json_is_string(from)) || (to && !json_is_string(to)))
			rc = CMN_ERR_INVALID;
		else if (rc == CMN_OK && (from || to))
			rc = buf_printf(&b, "period:%s/%s", from ? json_string_value(from) : "",
					to ? json_string_value(to) : "");
	}
	if (rc == CMN_OK)
		rc = oauth_scope_parse(b.data ? b.data : "", out, err, sizeof(err));
	buf_release(&b);
	return rc == CMN_ERR_TOO_LARGE ? CMN_ERR_INVALID : rc;
}

char *oauth_scope_text(const struct oauth_scope *sc)
{
	struct buf b;
	enum cmn_rc rc = CMN_OK;

	buf_init(&b, 4 * CMN_OAUTH_SCOPE_MAX);
	for (size_t i = 0; rc == CMN_OK && i < sc->ndoctypes; i++)
		rc = buf_printf(&b, "%sdoctype:%s", b.len ? " " : "", sc->doctypes[i]);
	for (size_t i = 0; rc == CMN_OK && i < sc->nfields; i++)
		rc = buf_printf(&b, " field:%s", sc->fields[i]);
	if (rc == CMN_OK && (sc->from[0] || sc->to[0]))
		rc = buf_printf(&b, " period:%s/%s", sc->from, sc->to);
	for (size_t i = 0; rc == CMN_OK && i < sizeof(all_ops) / sizeof(*all_ops); i++)
		if (sc->ops & (unsigned)all_ops[i])
			rc = buf_printf(&b, " op:%s", grant_op_name(all_ops[i]));
	if (rc != CMN_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}
