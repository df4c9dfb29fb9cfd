/*
 * jsonstream.c - the piece-at-a-time JSON reader of jsonstream.h: a byte
 * reader with a line and column, a shape follower for skipped values, and
 * jansson for the pieces.
 */
#include "import/jsonstream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonparse.h"
#include "core/str.h"

#define JS_READ_CHUNK 65536
#define JS_DEPTH_CAP  256 /* depth_max is clamped to this */
#define JS_KEYS_SEEN  64  /* outer member names checked for duplicates */

#define JS_EOF (-1)
#define JS_ERR (-2)

struct js {
	struct import_job *j;
	const struct jstream_ops *ops;
	void *ctx;
	FILE *f;
	unsigned char buf[JS_READ_CHUNK];
	size_t pos, len;
	bool eof;
	size_t line, col; /* of the last byte consumed */
	char *piece;      /* the text of the piece being read */
	size_t piece_len, piece_cap;
	char closers[JS_DEPTH_CAP];
	size_t depth_max;
	char keys[JS_KEYS_SEEN][JSTREAM_KEY_MAX + 1]; /* outer member names seen */
	size_t nkeys;
};

static enum cmn_rc js_fail(struct js *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum cmn_rc js_fail(struct js *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	import_fail(s->j, s->line, s->col, "%s", msg);
	return CMN_ERR_INVALID;
}

/* ---- bytes ----------------------------------------------------------------- */

static int js_fill(struct js *s)
{
	if (s->pos < s->len)
		return 1;
	if (s->eof)
		return 0;
	s->pos = 0;
	s->len = fread(s->buf, 1, sizeof(s->buf), s->f);
	if (s->len == 0) {
		s->eof = true;
		if (ferror(s->f)) {
			js_fail(s, "read error");
			return -1;
		}
		return 0;
	}
	return 1;
}

static int js_get(struct js *s);

/* js_peek - the next byte, not consumed (a NUL byte is consumed, to be
 * reported: JS_ERR). */
static int js_peek(struct js *s)
{
	int k = js_fill(s);

	if (k <= 0)
		return k == 0 ? JS_EOF : JS_ERR;
	return s->buf[s->pos] ? s->buf[s->pos] : js_get(s);
}

/* js_get - the next byte, consumed; JS_EOF at the end, JS_ERR (with the
 * job's error) on a read error or a NUL byte. */
static int js_get(struct js *s)
{
	int k = js_fill(s);
	unsigned char c;

	if (k <= 0)
		return k == 0 ? JS_EOF : JS_ERR;
	c = s->buf[s->pos++];
	if (c == '\n') {
		s->line++;
		s->col = 0;
	} else if ((c & 0xc0) != 0x80) {
		s->col++;
	}
	if (c == 0) {
		js_fail(s, "a NUL byte in a JSON file");
		return JS_ERR;
	}
	return c;
}

/* skip_ws - consumes white space; *c is the next byte (not consumed). */
static enum cmn_rc skip_ws(struct js *s, int *c)
{
	while ((*c = js_peek(s)) == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
		js_get(s);
	return *c == JS_ERR ? CMN_ERR_INVALID : CMN_OK;
}

/* next - the next byte that is not white space, consumed. */
static int next(struct js *s)
{
	int c;

	if (skip_ws(s, &c) != CMN_OK)
		return JS_ERR;
	return js_get(s);
}

/* ---- values ------------------------------------------------------------------ */

static enum cmn_rc keep(struct js *s, int c)
{
	if (s->piece_len + 1 >= s->piece_cap) {
		size_t cap = s->piece_cap ? 2 * s->piece_cap : 4096;
		char *p;

		if (s->piece_cap >= s->ops->piece_max)
			return js_fail(s, "a piece of the document is longer than %zu bytes",
				       s->ops->piece_max);
		if (cap > s->ops->piece_max)
			cap = s->ops->piece_max;
		p = realloc(s->piece, cap);
		if (!p)
			return CMN_ERR_NOMEM;
		s->piece = p;
		s->piece_cap = cap;
	}
	s->piece[s->piece_len++] = (char)c;
	return CMN_OK;
}

static bool scalar_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

/*
 * value - consumes one JSON value at nesting depth `depth`, kept in
 * s->piece when kept. Only its shape is followed (strings, brackets, the
 * depth cap): a kept value is checked by jansson, a skipped one no further.
 */
static enum cmn_rc value(struct js *s, size_t depth0, bool kept)
{
	size_t depth = 0;
	bool in_string = false, escape = false;
	enum cmn_rc rc;
	int c;

	if ((rc = skip_ws(s, &c)) != CMN_OK)
		return rc;
	if (scalar_char(c)) {
		while (rc == CMN_OK && scalar_char(js_peek(s)))
			rc = (c = js_get(s)) == JS_ERR ? CMN_ERR_INVALID
			     : kept                    ? keep(s, c)
						       : CMN_OK;
		return rc;
	}
	if (c == JS_EOF)
		return js_fail(s, "the file ends where a value was expected");
	if (c != '"' && c != '{' && c != '[')
		return js_get(s) == JS_ERR ? CMN_ERR_INVALID : js_fail(s, "expected a JSON value");
	do {
		if ((c = js_get(s)) == JS_ERR)
			return CMN_ERR_INVALID;
		if (c == JS_EOF)
			return js_fail(s, "the file ends inside a value");
		if (kept && (rc = keep(s, c)) != CMN_OK)
			return rc;
		if (in_string) {
			if (escape)
				escape = false;
			else if (c == '\\')
				escape = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (depth0 + depth + 1 > s->depth_max)
				return js_fail(s, "arrays and objects nested deeper than %zu levels",
					       s->depth_max);
			s->closers[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (!depth || s->closers[depth - 1] != c)
				return js_fail(s, "unexpected '%c'", c);
			depth--;
		}
	} while (depth || in_string);
	return CMN_OK;
}

/* pointer - the JSON pointer of a piece: /path[/index] (the path's names
 * were escaped as RFC 6901 says when it was made) */
static void pointer(char *out, size_t n, const struct jstream_piece *p)
{
	if (p->element && p->key[0])
		snprintf(out, n, "/%.100s/%zu", p->key, p->index);
	else if (p->element)
		snprintf(out, n, "/%zu", p->index);
	else
		snprintf(out, n, "/%.100s", p->key);
}

/* piece - reads the value that begins here and hands it to the format. */
static enum cmn_rc piece(struct js *s, const char *key, size_t index, bool element, size_t depth)
{
	struct jstream_piece p = {key, index, element, 0, 0, NULL};
	struct json_parse_error err;
	enum cmn_rc rc;
	int c;

	if ((rc = skip_ws(s, &c)) != CMN_OK)
		return rc;
	p.line = s->line;
	p.column = s->col + 1;
	s->piece_len = 0;
	if ((rc = value(s, depth, true)) != CMN_OK)
		return rc;
	p.value = json_parse(s->piece, s->piece_len, JSON_PARSE_REJECT_DUPLICATES | JSON_PARSE_ANY,
			     &err);
	if (!p.value && err.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!p.value) {
		size_t line = p.line + (err.line > 1 ? (size_t)err.line - 1 : 0);
		size_t col = err.column > 0 ? (size_t)err.column : 0;

		if (err.line <= 1)
			col += p.column - 1;
		import_fail(s->j, line, col, "invalid JSON: %s", err.text);
		pointer(s->j->err.pointer, sizeof(s->j->err.pointer), &p);
		str_utf8_repair(s->j->err.pointer); /* a key is kept as written */
		return CMN_ERR_INVALID;
	}
	rc = s->ops->piece(s->ctx, &p);
	json_decref(p.value);
	if (rc != CMN_OK && s->j->err.line == 0) {
		s->j->err.line = p.line;
		s->j->err.column = p.column;
	}
	return rc;
}

/* elements - the elements of the array that begins here, each a piece. */
static enum cmn_rc elements(struct js *s, const char *key, size_t depth)
{
	int c = next(s);
	enum cmn_rc rc = CMN_OK;

	if (c == JS_ERR)
		return CMN_ERR_INVALID;
	if (c != '[')
		return js_fail(s, "expected \"%s\" to be an array", key);
	if (skip_ws(s, &c) != CMN_OK)
		return CMN_ERR_INVALID;
	if (c == ']') {
		js_get(s);
		return CMN_OK;
	}
	if (depth + 1 > s->depth_max)
		return js_fail(s, "arrays and objects nested deeper than %zu levels", s->depth_max);
	for (size_t i = 0; rc == CMN_OK; i++) {
		if ((rc = piece(s, key, i, true, depth + 1)) != CMN_OK)
			return rc;
		if ((c = next(s)) == JS_ERR)
			return CMN_ERR_INVALID;
		if (c == ']')
			return CMN_OK;
		if (c != ',')
			return c == JS_EOF ? js_fail(s, "the file ends inside an array")
					   : js_fail(s, "expected ',' or ']' after an element");
	}
	return rc;
}

/* key - a member name of the outer object (its first JSTREAM_KEY_MAX
 * bytes, escapes kept as written). */
static enum cmn_rc key(struct js *s, char *out)
{
	size_t n = 0;
	bool escape = false;
	int c = next(s);

	out[0] = '\0';
	if (c == JS_ERR)
		return CMN_ERR_INVALID;
	if (c != '"')
		return js_fail(s, "expected a member name in double quotes");
	while ((c = js_get(s)) >= 0 && (escape || c != '"')) {
		escape = !escape && c == '\\';
		if (n < JSTREAM_KEY_MAX)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	if (c == JS_EOF)
		return js_fail(s, "the file ends inside a member name");
	return c == JS_ERR ? CMN_ERR_INVALID : CMN_OK;
}

/* seen_key - whether an object named key before (the first JS_KEYS_SEEN
 * names of each object walked are remembered: a document with more is odd,
 * and the memory stays bounded) */
static bool seen_key(char (*keys)[JSTREAM_KEY_MAX + 1], size_t *nkeys, const char *key)
{
	for (size_t i = 0; i < *nkeys; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	if (*nkeys < JS_KEYS_SEEN)
		memcpy(keys[(*nkeys)++], key, strlen(key) + 1);
	return false;
}

/* path_of - prefix/name, the name escaped as RFC 6901 says (~0, ~1);
 * false when it does not fit */
static bool path_of(char *out, size_t n, const char *prefix, const char *name)
{
	size_t o = 0;

	if (prefix[0]) {
		o = strlen(prefix);
		if (o + 2 > n)
			return false;
		memcpy(out, prefix, o);
		out[o++] = '/';
	}
	for (const char *k = name; *k; k++) {
		if (o + 3 > n)
			return false;
		if (*k == '~' || *k == '/') {
			out[o++] = '~';
			out[o++] = *k == '~' ? '0' : '1';
		} else {
			out[o++] = *k;
		}
	}
	out[o] = '\0';
	return true;
}

static enum cmn_rc walk_object(struct js *s, const char *prefix, size_t depth);

/* walk_array - the objects of the array whose '[' was just read, each
 * walked as prefix/INDEX */
static enum cmn_rc walk_array(struct js *s, const char *prefix, size_t depth)
{
	char path[JSTREAM_PATH_MAX + 1];
	enum cmn_rc rc;
	int c;

	if ((rc = skip_ws(s, &c)) != CMN_OK)
		return rc;
	if (c == ']') {
		js_get(s);
		return CMN_OK;
	}
	if (depth + 1 > s->depth_max)
		return js_fail(s, "arrays and objects nested deeper than %zu levels", s->depth_max);
	for (size_t i = 0;; i++) {
		int w = snprintf(path, sizeof(path), "%s/%zu", prefix, i);

		if (w < 0 || (size_t)w >= sizeof(path))
			return js_fail(s, "a path deeper than %d bytes", JSTREAM_PATH_MAX);
		if ((c = next(s)) != '{')
			return c == JS_ERR ? CMN_ERR_INVALID
					   : js_fail(s, "expected an object in \"%s\"", prefix);
		if ((rc = walk_object(s, path, depth + 1)) != CMN_OK)
			return rc;
		if ((c = next(s)) == ']')
			return CMN_OK;
		if (c != ',')
			return c == JS_ERR   ? CMN_ERR_INVALID
			       : c == JS_EOF ? js_fail(s, "the file ends inside an array")
					     : js_fail(s, "expected ',' or ']' after an element");
	}
}

/* walk_object - the members of the object whose '{' was just read, at
 * nesting depth depth (1: the outer object), their paths under prefix */
static enum cmn_rc walk_object(struct js *s, const char *prefix, size_t depth)
{
	char name[JSTREAM_KEY_MAX + 1], path[JSTREAM_PATH_MAX + 1];
	char (*keys)[JSTREAM_KEY_MAX + 1] = NULL; /* of a nested object */
	size_t nkeys = 0;
	enum cmn_rc rc;
	int c;

	if ((rc = skip_ws(s, &c)) != CMN_OK)
		return rc;
	if (c == '}') {
		js_get(s);
		return CMN_OK;
	}
	if (depth > 1 && !(keys = calloc(JS_KEYS_SEEN, sizeof(*keys))))
		return CMN_ERR_NOMEM;
	do {
		enum jstream_want w;

		if ((rc = key(s, name)) != CMN_OK)
			break;
		if ((c = next(s)) != ':') {
			rc = c == JS_ERR ? CMN_ERR_INVALID
					 : js_fail(s, "expected ':' after a member name");
			break;
		}
		if (depth == 1 ? seen_key(s->keys, &s->nkeys, name) : seen_key(keys, &nkeys, name)) {
			rc = js_fail(s, "the member \"%s\" is given twice", name);
			break;
		}
		w = s->ops->want && path_of(path, sizeof(path), prefix, name)
			? s->ops->want(s->ctx, path)
			: JSTREAM_SKIP;
		if (w == JSTREAM_DESCEND) {
			if (depth + 1 > s->depth_max)
				rc = js_fail(s, "arrays and objects nested deeper than %zu levels",
					     s->depth_max);
			else if ((c = next(s)) == '{')
				rc = walk_object(s, path, depth + 1);
			else if (c == '[')
				rc = walk_array(s, path, depth + 1);
			else
				rc = c == JS_ERR ? CMN_ERR_INVALID
						 : js_fail(s, "expected \"%s\" to be an object or an "
							      "array of objects",
							   path);
		} else {
			rc = w == JSTREAM_ELEMENTS ? elements(s, path, depth)
			     : w == JSTREAM_VALUE  ? piece(s, path, 0, false, depth)
						   : value(s, depth, false);
		}
		if (rc == CMN_OK && (c = next(s)) != '}' && c != ',')
			rc = c == JS_ERR   ? CMN_ERR_INVALID
			     : c == JS_EOF ? js_fail(s, "the file ends inside an object")
					   : js_fail(s, "expected ',' or '}' after a member");
	} while (rc == CMN_OK && c != '}');
	free(keys);
	return rc;
}

enum cmn_rc jstream_run(struct import_job *j, FILE *f, const struct jstream_ops *ops, void *ctx)
{
	return jstream_run_from(j, f, 1, ops, ctx);
}

enum cmn_rc jstream_run_from(struct import_job *j, FILE *f, size_t first_line,
			     const struct jstream_ops *ops, void *ctx)
{
	struct js *s = calloc(1, sizeof(*s));
	const char *shape = ops->shape ? ops->shape : "a JSON object";
	enum cmn_rc rc = CMN_OK;
	int c;

	if (!s)
		return CMN_ERR_NOMEM;
	s->j = j;
	s->ops = ops;
	s->ctx = ctx;
	s->f = f;
	s->line = first_line;
	s->depth_max = ops->depth_max && ops->depth_max < JS_DEPTH_CAP ? ops->depth_max
								      : JS_DEPTH_CAP;
	if (js_peek(s) == 0xef) {
		int b1 = js_get(s), b2 = js_get(s), b3 = js_get(s);

		if (b1 != 0xef || b2 != 0xbb || b3 != 0xbf)
			rc = js_fail(s, "expected %s", shape);
		s->col = 0; /* the byte order mark is not a column */
	}
	if (rc == CMN_OK && (rc = skip_ws(s, &c)) == CMN_OK) {
		if (c == JS_EOF)
			rc = import_fail(j, first_line, 1, "the file is empty");
		else if (c == '{' && s->ops->want && js_get(s) == '{')
			rc = walk_object(s, "", 1);
		else if (c == '[' && ops->outer_array)
			rc = elements(s, "", 0);
		else
			rc = js_fail(s, "expected %s", shape);
	}
	if (rc == CMN_OK && (rc = skip_ws(s, &c)) == CMN_OK && c != JS_EOF && js_get(s) != JS_ERR)
		rc = js_fail(s, "more after the end of the JSON document");
	free(s->piece);
	free(s);
	return rc;
}
