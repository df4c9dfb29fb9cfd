/*
 * jsonparse.c - a strict JSON reader that builds jansson trees (see the
 * header for why not json_loadb).
 *
 * The reader does not recurse: open containers wait on a stack of frames
 * and join their parent when they close, so an error frees each frame's
 * container. The key an object member waits with is kept in one buffer
 * shared by all frames, cut back when the member is set. Line and column
 * are counted only when there is an error to place.
 */
#include "core/jsonparse.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

struct frame {
	json_t *c;      /* the open object or array */
	size_t key;     /* an object's waiting key: its offset in keys */
	size_t keylen;
};

struct parser {
	const char *s;
	size_t n, i;
	unsigned flags;
	struct json_parse_error *e;
	struct frame *st;
	size_t depth, cap;
	struct buf str;  /* a string with escapes, decoded */
	struct buf keys; /* the keys the open objects wait with, end to end */
};

/* fail - records the error at byte at (rc CMN_ERR_INVALID or NOMEM) */
static void fail(struct parser *p, enum cmn_rc rc, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(struct parser *p, enum cmn_rc rc, size_t at, const char *fmt, ...)
{
	struct json_parse_error *e = p->e;
	va_list ap;

	if (!e || e->rc != CMN_OK)
		return;
	e->rc = rc;
	e->position = at;
	e->line = 1;
	e->column = 1;
	for (size_t k = 0; k < at && k < p->n; k++) {
		if (p->s[k] == '\n') {
			e->line++;
			e->column = 1;
		} else if (((unsigned char)p->s[k] & 0xC0) != 0x80) {
			e->column++; /* a character's first byte */
		}
	}
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

static void nomem(struct parser *p)
{
	fail(p, CMN_ERR_NOMEM, p->i, "out of memory");
}

/* found - what stands at byte at, for an error's text */
static const char *found(const struct parser *p, size_t at, char *out, size_t outn)
{
	unsigned char c;

	if (at >= p->n)
		return "the end of the text";
	c = (unsigned char)p->s[at];
	if (c > 0x20 && c < 0x7F)
		snprintf(out, outn, "'%c'", c);
	else
		snprintf(out, outn, "byte 0x%02X", c);
	return out;
}

static void unexpected(struct parser *p, const char *wanted)
{
	char what[16];

	fail(p, CMN_ERR_INVALID, p->i, "%s expected, found %s", wanted,
	     found(p, p->i, what, sizeof(what)));
}

static void skip_ws(struct parser *p)
{
	while (p->i < p->n &&
	       (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* put_utf8 - appends code point cp to b */
static enum cmn_rc put_utf8(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_append(b, u, n);
}

/* escape - decodes the escape at p->i (its backslash) into p->str */
static bool escape(struct parser *p)
{
	const char *s = p->s;
	size_t at = p->i;
	int cp, lo;

	if (at + 1 >= p->n) {
		fail(p, CMN_ERR_INVALID, at, "unterminated string");
		return false;
	}
	if (s[at + 1] != 'u') {
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = s[at + 1] ? strchr(from, s[at + 1]) : NULL;

		if (!k) {
			fail(p, CMN_ERR_INVALID, at, "invalid escape '\\%c' in a string",
			     s[at + 1] > 0x20 && s[at + 1] < 0x7F ? s[at + 1] : '?');
			return false;
		}
		p->i = at + 2;
		if (buf_append(&p->str, &to[k - from], 1) != CMN_OK) {
			nomem(p);
			return false;
		}
		return true;
	}
	if (at + 6 > p->n || (cp = hex4(s + at + 2)) < 0) {
		fail(p, CMN_ERR_INVALID, at, "a \\u escape needs four hexadecimal digits");
		return false;
	}
	p->i = at + 6;
	if (cp == 0) {
		fail(p, CMN_ERR_INVALID, at, "\\u0000 is not allowed in a string");
		return false;
	}
	if (cp >= 0xDC00 && cp <= 0xDFFF) {
		fail(p, CMN_ERR_INVALID, at, "a low surrogate \\u%04X without its high one", cp);
		return false;
	}
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (p->i + 6 > p->n || s[p->i] != '\\' || s[p->i + 1] != 'u' ||
		    (lo = hex4(s + p->i + 2)) < 0xDC00 || lo > 0xDFFF) {
			fail(p, CMN_ERR_INVALID, at, "a high surrogate \\u%04X without its low one",
			     cp);
			return false;
		}
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		p->i += 6;
	}
	if (put_utf8(&p->str, (uint32_t)cp) != CMN_OK) {
		nomem(p);
		return false;
	}
	return true;
}

/* string - the string at p->i (its opening quote): *out and *len point
 * into the text when it has no escape, into p->str otherwise. */
static bool string(struct parser *p, const char **out, size_t *len)
{
	const char *s = p->s;
	size_t start = p->i + 1, j = start;
	bool escaped = false;

	buf_reset(&p->str);
	for (;;) {
		size_t run = j;

		while (j < p->n && s[j] != '"' && s[j] != '\\' && (unsigned char)s[j] >= 0x20)
			j++;
		if (escaped && j > run && buf_append(&p->str, s + run, j - run) != CMN_OK) {
			nomem(p);
			return false;
		}
		if (j >= p->n) {
			fail(p, CMN_ERR_INVALID, start - 1, "unterminated string");
			return false;
		}
		if (s[j] == '"')
			break;
		if (s[j] != '\\') {
			fail(p, CMN_ERR_INVALID, j, "control character 0x%02X in a string",
			     (unsigned char)s[j]);
			return false;
		}
		if (!escaped) {
			escaped = true;
			if (buf_append(&p->str, s + start, j - start) != CMN_OK) {
				nomem(p);
				return false;
			}
		}
		p->i = j;
		if (!escape(p))
			return false;
		j = p->i;
	}
	*out = escaped ? p->str.data : s + start;
	*len = escaped ? p->str.len : j - start;
	if (*len && !str_utf8_valid(*out, *len)) {
		fail(p, CMN_ERR_INVALID, start - 1, "a string that is not valid UTF-8");
		return false;
	}
	if (!*out)
		*out = "";
	p->i = j + 1;
	return true;
}

/* number - the number at p->i */
static json_t *number(struct parser *p)
{
	const char *s = p->s;
	size_t start = p->i, j = start;
	bool real = false;
	char small[64], *text = small;
	json_t *v = NULL;

	if (j < p->n && s[j] == '-')
		j++;
	if (j < p->n && s[j] == '0') {
		j++;
	} else if (j < p->n && s[j] >= '1' && s[j] <= '9') {
		while (j < p->n && s[j] >= '0' && s[j] <= '9')
			j++;
	} else {
		p->i = j;
		unexpected(p, "a digit");
		return NULL;
	}
	if (j < p->n && s[j] == '.') {
		real = true;
		if (++j >= p->n || s[j] < '0' || s[j] > '9') {
			p->i = j;
			unexpected(p, "a digit after '.'");
			return NULL;
		}
		while (j < p->n && s[j] >= '0' && s[j] <= '9')
			j++;
	}
	if (j < p->n && (s[j] == 'e' || s[j] == 'E')) {
		real = true;
		if (++j < p->n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j >= p->n || s[j] < '0' || s[j] > '9') {
			p->i = j;
			unexpected(p, "a digit in the exponent");
			return NULL;
		}
		while (j < p->n && s[j] >= '0' && s[j] <= '9')
			j++;
	}
	if (j - start >= sizeof(small) && !(text = malloc(j - start + 1))) {
		nomem(p);
		return NULL;
	}
	memcpy(text, s + start, j - start);
	text[j - start] = '\0';
	errno = 0;
	if (!real) {
		long long ll = strtoll(text, NULL, 10);

		if (errno == ERANGE)
			fail(p, CMN_ERR_INVALID, start, "an integer beyond 64 bits");
		else if (!(v = json_integer(ll)))
			nomem(p);
	} else {
		const char *point = localeconv()->decimal_point;
		char *dot = strchr(text, '.');
		double d;

		if (dot && point && point[0] && point[0] != '.' && !point[1])
			*dot = point[0]; /* strtod reads the locale's point */
		d = strtod(text, NULL);
		if (errno == ERANGE && (d > 1.0 || d < -1.0))
			fail(p, CMN_ERR_INVALID, start, "a real number beyond a double's range");
		else if (!(v = json_real(d)))
			nomem(p);
	}
	if (text != small)
		free(text);
	if (v)
		p->i = j;
	return v;
}

/* literal - true, false or null at p->i */
static json_t *literal(struct parser *p)
{
	static const char *const words[] = { "true", "false", "null" };

	for (int k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);

		if (p->n - p->i >= n && memcmp(p->s + p->i, words[k], n) == 0) {
			json_t *v = k == 0 ? json_true() : k == 1 ? json_false() : json_null();

			p->i += n;
			return v; /* static values: never NULL */
		}
	}
	unexpected(p, "a value");
	return NULL;
}

/* push - opens container c (which it owns from now on) */
static bool push(struct parser *p, json_t *c)
{
	if (!c) {
		nomem(p);
		return false;
	}
	if (p->depth >= JSON_PARSE_MAX_DEPTH) {
		json_decref(c);
		fail(p, CMN_ERR_INVALID, p->i, "nested deeper than %d", JSON_PARSE_MAX_DEPTH);
		return false;
	}
	if (p->depth == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct frame *st = realloc(p->st, cap * sizeof(*st));

		if (!st) {
			json_decref(c);
			nomem(p);
			return false;
		}
		p->st = st;
		p->cap = cap;
	}
	p->st[p->depth++] = (struct frame){ .c = c, .key = p->keys.len };
	return true;
}

/* member_key - reads an object member's key and its colon into the top frame */
static bool member_key(struct parser *p)
{
	struct frame *f = &p->st[p->depth - 1];
	size_t at = p->i;
	const char *k;
	size_t n;

	if (at >= p->n || p->s[at] != '"') {
		unexpected(p, "a string key");
		return false;
	}
	if (!string(p, &k, &n))
		return false;
	if ((p->flags & JSON_PARSE_REJECT_DUPLICATES) && json_object_getn(f->c, k, n)) {
		fail(p, CMN_ERR_INVALID, at, "duplicate object key \"%.*s\"",
		     (int)(n > 60 ? 60 : n), k);
		return false;
	}
	f->key = p->keys.len;
	f->keylen = n;
	if (buf_append(&p->keys, k, n) != CMN_OK) {
		nomem(p);
		return false;
	}
	skip_ws(p);
	if (p->i >= p->n || p->s[p->i] != ':') {
		unexpected(p, "':'");
		return false;
	}
	p->i++;
	return true;
}

/* place - puts v (owned) into the open container; a closed container
 * walks up. Returns the root once the top value is complete, NULL with
 * *ok false on error, NULL with *ok true when more is to come. */
static json_t *place(struct parser *p, json_t *v, bool *ok)
{
	*ok = true;
	for (;;) {
		struct frame *f;
		bool array;
		char close;

		if (!p->depth)
			return v;
		f = &p->st[p->depth - 1];
		array = json_is_array(f->c);
		if (array ? json_array_append_new(f->c, v) != 0
			  : json_object_setn_new_nocheck(f->c, p->keys.data + f->key, f->keylen,
							 v) != 0) {
			nomem(p); /* v is freed by jansson */
			*ok = false;
			return NULL;
		}
		if (!array) {
			p->keys.len = f->key; /* the key is copied */
			if (p->keys.data)
				p->keys.data[f->key] = '\0';
		}
		skip_ws(p);
		close = array ? ']' : '}';
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			if (!array) {
				skip_ws(p);
				*ok = member_key(p);
			}
			return NULL;
		}
		if (p->i >= p->n || p->s[p->i] != close) {
			unexpected(p, array ? "',' or ']'" : "',' or '}'");
			*ok = false;
			return NULL;
		}
		p->i++;
		v = f->c;
		p->depth--;
	}
}

json_t *json_parse(const char *text, size_t n, unsigned flags, struct json_parse_error *e)
{
	struct parser p = { .s = text, .n = n, .flags = flags, .e = e };
	json_t *root = NULL;
	bool ok = true;

	if (e)
		memset(e, 0, sizeof(*e));
	buf_init(&p.str, SIZE_MAX);
	buf_init(&p.keys, SIZE_MAX);
	skip_ws(&p);
	if (!(flags & JSON_PARSE_ANY) && (p.i >= n || (text[p.i] != '{' && text[p.i] != '['))) {
		unexpected(&p, "'[' or '{'");
		ok = false;
	}
	while (ok && !root) {
		json_t *v = NULL;
		char c;

		skip_ws(&p);
		c = p.i < n ? text[p.i] : '\0';
		if (c == '{' || c == '[') {
			p.i++;
			if (!(ok = push(&p, c == '{' ? json_object() : json_array())))
				break;
			skip_ws(&p);
			if (p.i < n && text[p.i] == (c == '{' ? '}' : ']')) {
				p.i++;
				v = p.st[--p.depth].c;
			} else {
				if (c == '{')
					ok = member_key(&p);
				continue;
			}
		} else if (c == '"') {
			const char *s;
			size_t len;

			if (!(ok = string(&p, &s, &len)))
				break;
			if (!(v = json_stringn_nocheck(s, len))) {
				nomem(&p);
				ok = false;
				break;
			}
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (!(ok = (v = number(&p)) != NULL))
				break;
		} else if (!(ok = (v = literal(&p)) != NULL)) {
			break;
		}
		root = place(&p, v, &ok);
	}
	if (ok) {
		skip_ws(&p);
		if (p.i < n) {
			unexpected(&p, "nothing after the value");
			ok = false;
		}
	}
	if (!ok) {
		json_decref(root);
		root = NULL;
		while (p.depth)
			json_decref(p.st[--p.depth].c);
	}
	free(p.st);
	buf_release(&p.str);
	buf_release(&p.keys);
	return root;
}

json_t *json_parse_file(const char *path, unsigned flags, struct json_parse_error *e)
{
	struct buf b;
	enum cmn_rc rc;
	json_t *v = NULL;

	if (e)
		memset(e, 0, sizeof(*e));
	buf_init(&b, JSON_PARSE_FILE_MAX);
	rc = buf_read_file(&b, path);
	if (rc == CMN_OK) {
		v = json_parse(b.data, b.len, flags, e);
	} else if (e) {
		e->rc = rc == CMN_ERR_NOT_FOUND ? CMN_ERR_IO : rc;
		snprintf(e->text, sizeof(e->text), "%s%s",
			 rc == CMN_ERR_NOT_FOUND ? "cannot open it: " : "",
			 rc == CMN_ERR_NOT_FOUND ? strerror(errno)
			 : rc == CMN_ERR_TOO_LARGE ? "larger than 256 MiB"
			 : rc == CMN_ERR_NOMEM	   ? "out of memory"
						   : "cannot read it");
	}
	buf_release(&b);
	return v;
}

json_t *json_parse_str(const char *text)
{
	return text ? json_parse(text, strlen(text), 0, NULL) : NULL;
}
