/*
 * xmlscan.c - the tokenizer of xmlscan.h: a chunked byte reader with a line
 * and column counter, text and attribute decoding (entities, CDATA,
 * CP1252 or checked UTF-8), tags, and the element stack that checks end
 * tags (or, in SGML, implies the end tags OFX 1.x leaves out).
 */
#include "import/xmlscan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

enum { PENDING_NONE, PENDING_OPEN, PENDING_END, PENDING_EMPTY };

/* CP1252 0x80..0x9f; 0 where Windows defines no character */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
	0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

static enum xmlscan_event fail(struct xmlscan *xs, size_t line, size_t column, const char *fmt,
			       ...) __attribute__((format(printf, 4, 5)));

static enum xmlscan_event fail(struct xmlscan *xs, size_t line, size_t column, const char *fmt,
			       ...)
{
	va_list ap;

	if (xs->err[0])
		return XMLSCAN_ERROR; /* the first error stays */
	xs->err_line = line;
	xs->err_column = column;
	va_start(ap, fmt);
	vsnprintf(xs->err, sizeof(xs->err), fmt, ap);
	va_end(ap);
	if (!xs->err[0])
		snprintf(xs->err, sizeof(xs->err), "malformed input");
	return XMLSCAN_ERROR;
}

struct xmlscan *xmlscan_new(FILE *f, bool sgml)
{
	struct xmlscan *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	xs->text = malloc(XMLSCAN_TEXT_MAX + 1);
	xs->in = malloc(XMLSCAN_READ_CHUNK);
	if (!xs->text || !xs->in) {
		xmlscan_free(&xs);
		return NULL;
	}
	xs->text[0] = '\0';
	xs->f = f;
	xs->sgml = sgml;
	xs->cur_line = xs->cur_column = 1;
	return xs;
}

void xmlscan_free(struct xmlscan **xs)
{
	if (!*xs)
		return;
	free((*xs)->text);
	free((*xs)->in);
	free(*xs);
	*xs = NULL;
}

/* ---- the reader ------------------------------------------------------------ */

/* refill - peek's slow way: moves what is left to the front and reads on */
static int refill(struct xmlscan *xs, size_t off)
{
	if (!xs->eof) {
		size_t keep = xs->in_len - xs->in_pos, got;

		memmove(xs->in, xs->in + xs->in_pos, keep);
		xs->in_pos = 0;
		xs->in_len = keep;
		got = fread(xs->in + keep, 1, XMLSCAN_READ_CHUNK - keep, xs->f);
		xs->in_len += got;
		if (got == 0)
			xs->eof = true;
	}
	return xs->in_len - xs->in_pos > off ? xs->in[xs->in_pos + off] : -1;
}

/* peek - the byte off places ahead (0 to 2), or -1 at the end; inline, as
 * it is called for every byte of the file */
static inline int peek(struct xmlscan *xs, size_t off)
{
	if (__builtin_expect(xs->in_len - xs->in_pos > off, 1))
		return xs->in[xs->in_pos + off];
	return refill(xs, off);
}

/* take - consumes one byte (or returns -1 at the end). */
static int take(struct xmlscan *xs)
{
	int c = peek(xs, 0);

	if (c < 0)
		return -1;
	xs->in_pos++;
	xs->byte_line = xs->cur_line;
	xs->byte_column = xs->cur_column;
	if (c == '\n') {
		xs->cur_line++;
		xs->cur_column = 1;
	} else {
		xs->cur_column++;
	}
	return c;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* ---- decoded text ---------------------------------------------------------- */

static bool put_raw(char *dst, size_t *len, size_t cap, unsigned char c)
{
	if (*len >= cap)
		return false;
	dst[(*len)++] = (char)c;
	dst[*len] = '\0';
	return true;
}

size_t xmlscan_utf8(uint32_t cp, unsigned char u[4])
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | (cp >> 18));
	u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

uint32_t xmlscan_cp1252_char(unsigned char c)
{
	return c < 0x80 || c >= 0xa0 ? c : cp1252_high[c - 0x80];
}

static bool put_cp(char *dst, size_t *len, size_t cap, uint32_t cp)
{
	unsigned char u[4];
	size_t n = xmlscan_utf8(cp, u);

	if (*len + n > cap)
		return false;
	memcpy(dst + *len, u, n);
	*len += n;
	dst[*len] = '\0';
	return true;
}

/* utf8_step - checks one byte of UTF-8 against the sequence in progress. */
static bool utf8_step(struct xmlscan *xs, unsigned char c)
{
	if (xs->u8_need) {
		if (c < xs->u8_lo || c > xs->u8_hi)
			return false;
		xs->u8_need--;
		xs->u8_lo = 0x80;
		xs->u8_hi = 0xbf;
		return true;
	}
	xs->u8_lo = 0x80;
	xs->u8_hi = 0xbf;
	if (c < 0x80)
		return true;
	if (c >= 0xc2 && c <= 0xdf) {
		xs->u8_need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		xs->u8_need = 2;
		if (c == 0xe0)
			xs->u8_lo = 0xa0;
		if (c == 0xed)
			xs->u8_hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		xs->u8_need = 3;
		if (c == 0xf0)
			xs->u8_lo = 0x90;
		if (c == 0xf4)
			xs->u8_hi = 0x8f;
	} else {
		return false;
	}
	return true;
}

/*
 * put_byte - appends a byte of the input to dst, converted from CP1252 or
 * checked as UTF-8; a control character (other than tab and line ends)
 * or a NUL byte is an error.
 */
static enum xmlscan_event put_byte(struct xmlscan *xs, char *dst, size_t *len, size_t cap,
				   unsigned char c)
{
	bool ok;

	if (c == 0)
		return fail(xs, xs->byte_line, xs->byte_column, "a NUL byte");
	if (c < 0x20 && !is_space(c) && !xs->sgml)
		return fail(xs, xs->byte_line, xs->byte_column,
			    "the control character 0x%02x is not allowed in XML", c);
	if (c >= 0x80 && xs->charset == XMLSCAN_CP1252) {
		uint32_t cp = xmlscan_cp1252_char(c);

		if (!cp)
			return fail(xs, xs->byte_line, xs->byte_column,
				    "the byte 0x%02x is not a Windows-1252 character", c);
		ok = put_cp(dst, len, cap, cp);
	} else {
		if (xs->charset == XMLSCAN_UTF8 && !utf8_step(xs, c))
			return fail(xs, xs->byte_line, xs->byte_column,
				    "invalid UTF-8 (the byte 0x%02x)", c);
		ok = put_raw(dst, len, cap, c);
	}
	if (!ok)
		return fail(xs, xs->line, xs->column, "more than %zu bytes of text or attributes",
			    cap);
	return XMLSCAN_TEXT;
}

/*
 * plain_run - the printable ASCII bytes (no '<', no '&') that follow in the
 * buffer, put into the text at once: what put_byte would do with each of
 * them, and most of a file's text. Not in a UTF-8 sequence (the caller
 * checks), and not past the text's cap (put_byte then says so).
 */
static void plain_run(struct xmlscan *xs)
{
	const unsigned char *p = xs->in + xs->in_pos;
	size_t n = 0, most = xs->in_len - xs->in_pos;

	if (most > XMLSCAN_TEXT_MAX - xs->text_len)
		most = XMLSCAN_TEXT_MAX - xs->text_len;
	while (n < most && p[n] >= 0x20 && p[n] < 0x80 && p[n] != '<' && p[n] != '&')
		n++;
	if (!n)
		return;
	memcpy(xs->text + xs->text_len, p, n);
	xs->text_len += n;
	xs->text[xs->text_len] = '\0';
	xs->in_pos += n;
	xs->cur_column += n;
	xs->byte_line = xs->cur_line;
	xs->byte_column = xs->cur_column - 1;
}

/* utf8_done - a value must not end inside a UTF-8 sequence. */
static enum xmlscan_event utf8_done(struct xmlscan *xs)
{
	if (xs->u8_need) {
		xs->u8_need = 0;
		return fail(xs, xs->cur_line, xs->cur_column, "invalid UTF-8 (a truncated sequence)");
	}
	return XMLSCAN_TEXT;
}

/*
 * put_entity - after '&': decodes a predefined entity or a character
 * reference. In SGML an unknown one is kept as written (banks write
 * "AT&T"); in XML it is an error, for no DTD is ever read.
 */
static enum xmlscan_event put_entity(struct xmlscan *xs, char *dst, size_t *len, size_t cap)
{
	static const struct { const char *name; char c; } predefined[] = {
		{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	};
	size_t line = xs->cur_line, column = xs->cur_column - 1, n = 0;
	char ref[16];                        /* 11 bytes of name, ';', NUL */
	int c;

	/* bytes it decodes are not checked as UTF-8: they must not land inside
	 * a sequence ("\xc3&amp;\xa9" would pass "\xc3&\xa9") */
	if (utf8_done(xs) == XMLSCAN_ERROR)
		return XMLSCAN_ERROR;
	while (n < 11 && (c = peek(xs, 0)) >= 0 && c != ';' &&
	       (is_name_char(c) || c == '#'))
		ref[n++] = (char)take(xs);
	ref[n] = '\0';
	if (peek(xs, 0) == ';' && n) {
		take(xs);
		for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
			if (strcmp(ref, predefined[i].name) == 0)
				return put_raw(dst, len, cap, (unsigned char)predefined[i].c)
					       ? XMLSCAN_TEXT
					       : fail(xs, line, column, "text longer than %zu bytes",
						      cap);
		if (ref[0] == '#') {
			bool hex = ref[1] == 'x';
			char *end = NULL;
			unsigned long cp = strtoul(ref + 1 + hex, &end, hex ? 16 : 10);

			if (ref[1 + hex] == '\0' || *end || ref[1 + hex] == '-' ||
			    ref[1 + hex] == '+' || cp == 0 || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return fail(xs, line, column, "an invalid character reference &%s;",
					    ref);
			return put_cp(dst, len, cap, (uint32_t)cp)
				       ? XMLSCAN_TEXT
				       : fail(xs, line, column, "text longer than %zu bytes", cap);
		}
		if (!xs->sgml)
			return fail(xs, line, column, "the entity &%s; is not one of XML's five "
						      "(entities are not expanded)", ref);
		n = strlen(ref);
		ref[n++] = ';';
		ref[n] = '\0';
	} else if (!xs->sgml) {
		return fail(xs, line, column, "a '&' that starts no entity (write &amp;)");
	}
	if (!put_raw(dst, len, cap, '&'))
		return fail(xs, line, column, "text longer than %zu bytes", cap);
	for (size_t i = 0; i < n; i++)
		if (!put_raw(dst, len, cap, (unsigned char)ref[i]))
			return fail(xs, line, column, "text longer than %zu bytes", cap);
	return XMLSCAN_TEXT;
}

/* ---- markup ---------------------------------------------------------------- */

/* read_name - a tag or attribute name (ASCII letters, digits, _ . : -). */
static enum xmlscan_event read_name(struct xmlscan *xs, char *out, const char *what)
{
	size_t n = 0;
	int c = peek(xs, 0);

	if (c < 0)
		return fail(xs, xs->cur_line, xs->cur_column, "the file ends inside a tag");
	if (!is_name_start(c))
		return fail(xs, xs->cur_line, xs->cur_column, "expected %s, found '%c'", what,
			    c >= 0x20 && c < 0x7f ? c : '?');
	while ((c = peek(xs, 0)) >= 0 && is_name_char(c)) {
		if (n == XMLSCAN_NAME_MAX)
			return fail(xs, xs->line, xs->column, "%s longer than %d bytes", what,
				    XMLSCAN_NAME_MAX);
		out[n++] = (char)take(xs);
	}
	out[n] = '\0';
	return XMLSCAN_OPEN;
}

static void skip_space(struct xmlscan *xs)
{
	while (is_space(peek(xs, 0)))
		take(xs);
}

/* read_attrs - name="value" pairs up to '>', '/>' or '?>' (not consumed). */
static enum xmlscan_event read_attrs(struct xmlscan *xs)
{
	size_t used = 0;

	xs->nattrs = 0;
	for (;;) {
		struct xmlscan_attr *a;
		int c, quote;
		size_t len;

		skip_space(xs);
		c = peek(xs, 0);
		if (c == '>' || c == '/' || c == '?' || c < 0)
			return XMLSCAN_OPEN;
		if (xs->nattrs == XMLSCAN_ATTRS_MAX)
			return fail(xs, xs->cur_line, xs->cur_column, "more than %d attributes",
				    XMLSCAN_ATTRS_MAX);
		a = &xs->attrs[xs->nattrs];
		if (read_name(xs, a->name, "an attribute name") == XMLSCAN_ERROR)
			return XMLSCAN_ERROR;
		skip_space(xs);
		if (take(xs) != '=')
			return fail(xs, xs->cur_line, xs->cur_column, "expected '=' after %s",
				    a->name);
		skip_space(xs);
		quote = take(xs);
		if (quote != '"' && quote != '\'')
			return fail(xs, xs->cur_line, xs->cur_column, "expected a quoted value");
		a->value = used;
		len = used;
		while ((c = take(xs)) != quote) {
			if (c < 0)
				return fail(xs, xs->cur_line, xs->cur_column,
					    "the file ends inside an attribute value");
			if (c == '<')
				return fail(xs, xs->cur_line, xs->cur_column - 1,
					    "'<' in an attribute value");
			if (c == '&') {
				if (put_entity(xs, xs->attr_buf, &len, sizeof(xs->attr_buf) - 1) ==
				    XMLSCAN_ERROR)
					return XMLSCAN_ERROR;
			} else if (put_byte(xs, xs->attr_buf, &len, sizeof(xs->attr_buf) - 1,
					    (unsigned char)c) == XMLSCAN_ERROR) {
				return XMLSCAN_ERROR;
			}
		}
		if (utf8_done(xs) == XMLSCAN_ERROR)
			return XMLSCAN_ERROR;
		if (len + 1 > sizeof(xs->attr_buf) - 1)
			return fail(xs, xs->line, xs->column, "more than %zu bytes of attributes",
				    sizeof(xs->attr_buf));
		xs->attr_buf[len] = '\0';
		used = len + 1;
		xs->nattrs++;
	}
}

/* skip_until - consumes up to and including end (a 2- or 3-byte marker). */
static enum xmlscan_event skip_until(struct xmlscan *xs, const char *end, const char *what)
{
	size_t line = xs->line, column = xs->column, n = strlen(end), matched = 0;
	int c;

	while ((c = take(xs)) >= 0) {
		if (c == 0)
			return fail(xs, xs->cur_line, xs->cur_column - 1, "a NUL byte");
		if (c == end[matched]) {
			if (++matched == n)
				return XMLSCAN_TEXT;
		} else {
			matched = c == end[0];
		}
	}
	return fail(xs, line, column, "the file ends inside %s", what);
}

/* read_cdata - after "<![CDATA[": the section's bytes go into the text. */
static enum xmlscan_event read_cdata(struct xmlscan *xs)
{
	size_t line = xs->cur_line, column = xs->cur_column;
	int c;

	while ((c = take(xs)) >= 0) {
		if (c == ']' && peek(xs, 0) == ']' && peek(xs, 1) == '>') {
			take(xs);
			take(xs);
			return XMLSCAN_TEXT;
		}
		if (put_byte(xs, xs->text, &xs->text_len, XMLSCAN_TEXT_MAX, (unsigned char)c) ==
		    XMLSCAN_ERROR)
			return XMLSCAN_ERROR;
	}
	return fail(xs, line, column, "the file ends inside a CDATA section");
}

/* markup_decl - after "<!": a comment or CDATA; anything else (DOCTYPE,
 * ENTITY, ELEMENT...) is refused, so no entity is ever defined. */
static enum xmlscan_event markup_decl(struct xmlscan *xs)
{
	static const char cdata[] = "[CDATA[";
	size_t line = xs->cur_line, column = xs->cur_column - 2;

	if (peek(xs, 0) == '-' && peek(xs, 1) == '-') {
		take(xs);
		take(xs);
		xs->line = line;
		xs->column = column;
		return skip_until(xs, "-->", "a comment");
	}
	if (peek(xs, 0) == '[') {
		for (size_t i = 0; cdata[i]; i++)
			if (take(xs) != cdata[i])
				return fail(xs, line, column, "expected <![CDATA[");
		return read_cdata(xs);
	}
	return fail(xs, line, column, "a <!DOCTYPE or <!ENTITY declaration: DTDs and entity "
				      "definitions are not accepted");
}

int xmlscan_charset_named(const char *enc)
{
	static const char *const utf8[] = {"utf-8", "utf8", "us-ascii", "ascii"};
	static const char *const cp1252[] = {"iso-8859-1", "latin1", "iso-8859-15",
					     "windows-1252", "cp1252"};
	char low[32];
	size_t n = 0;

	for (; enc[n] && n < sizeof(low) - 1; n++)
		low[n] = (char)(enc[n] >= 'A' && enc[n] <= 'Z' ? enc[n] + 32 : enc[n]);
	low[n] = '\0';
	if (enc[n])
		return -1;
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
		if (strcmp(low, utf8[i]) == 0)
			return XMLSCAN_UTF8;
	for (size_t i = 0; i < sizeof(cp1252) / sizeof(cp1252[0]); i++)
		if (strcmp(low, cp1252[i]) == 0)
			return XMLSCAN_CP1252;
	return -1;
}

static enum xmlscan_event set_encoding(struct xmlscan *xs, const char *enc)
{
	int cs = xmlscan_charset_named(enc);

	if (cs >= 0) {
		xs->charset = (enum xmlscan_charset)cs;
		return XMLSCAN_PI;
	}
	return fail(xs, xs->line, xs->column, "the encoding \"%s\" is not supported (UTF-8, "
					      "US-ASCII, ISO-8859-1 or Windows-1252)",
		    xmlscan_excerpt(enc));
}

/* read_pi - after "<?": target, pseudo-attributes, "?>". */
static enum xmlscan_event read_pi(struct xmlscan *xs)
{
	const char *enc;
	int question, close;

	if (read_name(xs, xs->name, "a processing instruction target") == XMLSCAN_ERROR ||
	    read_attrs(xs) == XMLSCAN_ERROR)
		return XMLSCAN_ERROR;
	question = take(xs);
	close = question == '?' ? take(xs) : -1;
	if (close != '>')
		return fail(xs, xs->cur_line, xs->cur_column, "expected ?> to end <?%s",
			    xs->name);
	if (strcmp(xs->name, "xml") == 0 && (enc = xmlscan_attr(xs, "encoding")) != NULL)
		return set_encoding(xs, enc);
	return XMLSCAN_PI;
}

/*
 * read_tag - after '<': a start or end tag, queued in pending_* with the
 * end tags it implies (SGML) so that xmlscan_next reports them in order.
 */
static enum xmlscan_event read_tag(struct xmlscan *xs)
{
	bool end = peek(xs, 0) == '/';
	size_t i;
	int c;

	if (end)
		take(xs);
	if (read_name(xs, xs->pending_name, "a tag name") == XMLSCAN_ERROR)
		return XMLSCAN_ERROR;
	if (end) {
		skip_space(xs);
	} else if (read_attrs(xs) == XMLSCAN_ERROR) {
		return XMLSCAN_ERROR;
	}
	c = take(xs);
	if (c == '/' && !end) {
		xs->pending_kind = PENDING_EMPTY;
		c = take(xs);
	} else {
		xs->pending_kind = end ? PENDING_END : PENDING_OPEN;
	}
	if (c != '>')
		return fail(xs, xs->byte_line, xs->byte_column,
			    "expected '>' to end <%s%s", end ? "/" : "", xs->pending_name);
	xs->pending_close = 0;
	if (!end) {
		if (!xs->sgml && !xs->depth && xs->seen_root)
			return fail(xs, xs->line, xs->column, "a second root element <%s>",
				    xs->pending_name);
		/* SGML: an element that holds text is a leaf, closed by what follows */
		if (xs->sgml && xs->depth && xs->stack_text[xs->depth - 1])
			xs->pending_close = 1;
		return XMLSCAN_OPEN;
	}
	for (i = xs->depth; i > 0; i--)
		if (strcmp(xs->stack[i - 1], xs->pending_name) == 0)
			break;
	if (i == 0)
		return fail(xs, xs->line, xs->column, "</%s> closes no open element",
			    xs->pending_name);
	if (!xs->sgml && i != xs->depth)
		return fail(xs, xs->line, xs->column, "</%s> where </%s> was expected",
			    xs->pending_name, xs->stack[xs->depth - 1]);
	xs->pending_close = xs->depth - i;
	return XMLSCAN_CLOSE;
}

/* at_end - the end of the input: every element must be closed (in SGML,
 * leaves may be closed by it). */
static enum xmlscan_event at_end(struct xmlscan *xs)
{
	if (xs->sgml && xs->depth && xs->stack_text[xs->depth - 1]) {
		xs->pending_close = 1;
		xs->pending_kind = PENDING_NONE;
		xs->line = xs->cur_line;
		xs->column = xs->cur_column;
		return XMLSCAN_CLOSE;
	}
	if (xs->depth)
		return fail(xs, xs->cur_line, xs->cur_column, "the file ends before </%s>",
			    xs->stack[xs->depth - 1]);
	if (!xs->seen_root)
		return fail(xs, xs->cur_line, xs->cur_column, "no element in the file");
	return XMLSCAN_END;
}

/* pop_pending - reports the next queued event. */
static enum xmlscan_event pop_pending(struct xmlscan *xs)
{
	if (xs->pending_close) {
		xs->pending_close--;
		xs->depth--;
		memcpy(xs->name, xs->stack[xs->depth], sizeof(xs->name));
		return XMLSCAN_CLOSE;
	}
	if (xs->pending_kind == PENDING_OPEN || xs->pending_kind == PENDING_EMPTY) {
		if (xs->depth == XMLSCAN_DEPTH_MAX)
			return fail(xs, xs->line, xs->column, "more than %d nested elements",
				    XMLSCAN_DEPTH_MAX);
		memcpy(xs->name, xs->pending_name, sizeof(xs->name));
		memcpy(xs->stack[xs->depth], xs->pending_name, sizeof(xs->name));
		xs->stack_text[xs->depth++] = false;
		xs->seen_root = true;
		if (xs->pending_kind == PENDING_EMPTY) {
			xs->pending_kind = PENDING_END;
			xs->pending_close = 0;
		} else {
			xs->pending_kind = PENDING_NONE;
		}
		return XMLSCAN_OPEN;
	}
	/* PENDING_END: the matching element is on top now */
	xs->pending_kind = PENDING_NONE;
	xs->depth--;
	memcpy(xs->name, xs->stack[xs->depth], sizeof(xs->name));
	return XMLSCAN_CLOSE;
}

static bool has_pending(const struct xmlscan *xs)
{
	return xs->pending_close || xs->pending_kind != PENDING_NONE;
}

/* text_event - the text read so far, trimmed, as an event (or nothing). */
static bool text_event(struct xmlscan *xs)
{
	while (xs->text_len && is_space((unsigned char)xs->text[xs->text_len - 1]))
		xs->text[--xs->text_len] = '\0';
	if (!xs->text_len)
		return false;
	if (!xs->depth && !xs->sgml) {
		fail(xs, xs->line, xs->column, "text outside the root element");
		return false;
	}
	if (xs->depth)
		xs->stack_text[xs->depth - 1] = true;
	return true;
}

enum xmlscan_event xmlscan_next(struct xmlscan *xs)
{
	int c;

	if (xs->err[0])
		return XMLSCAN_ERROR;
	if (has_pending(xs))
		return pop_pending(xs);
	xs->text_len = 0;
	xs->text[0] = '\0';
	xs->nattrs = 0;
	if (xs->cur_line == 1 && xs->cur_column == 1 && xs->in_pos == 0 && peek(xs, 0) == 0xef &&
	    peek(xs, 1) == 0xbb && peek(xs, 2) == 0xbf) {
		xs->in_pos += 3; /* a UTF-8 byte order mark */
		xs->charset = XMLSCAN_UTF8;
	}
	for (;;) {
		c = peek(xs, 0);
		if (c < 0) {
			if (utf8_done(xs) == XMLSCAN_ERROR)
				return XMLSCAN_ERROR;
			if (text_event(xs))
				return XMLSCAN_TEXT;
			if (xs->err[0] || at_end(xs) == XMLSCAN_ERROR)
				return XMLSCAN_ERROR;
			return has_pending(xs) ? pop_pending(xs) : XMLSCAN_END;
		}
		if (c == '<' && peek(xs, 1) == '!') {
			if (!xs->text_len) {
				xs->line = xs->cur_line;
				xs->column = xs->cur_column;
			}
			take(xs);
			take(xs);
			if (markup_decl(xs) == XMLSCAN_ERROR)
				return XMLSCAN_ERROR;
			continue;
		}
		if (c == '<') {
			enum xmlscan_event ev;

			if (utf8_done(xs) == XMLSCAN_ERROR)
				return XMLSCAN_ERROR;
			if (text_event(xs))
				return XMLSCAN_TEXT;
			if (xs->err[0])
				return XMLSCAN_ERROR;
			xs->line = xs->cur_line;
			xs->column = xs->cur_column;
			take(xs);
			if (peek(xs, 0) == '?') {
				take(xs);
				return read_pi(xs);
			}
			ev = read_tag(xs);
			return ev == XMLSCAN_ERROR ? ev : pop_pending(xs);
		}
		take(xs);
		if (!xs->text_len && is_space(c))
			continue;
		if (!xs->text_len) {
			xs->line = xs->cur_line;
			xs->column = xs->cur_column - 1;
			if (!xs->depth && !xs->sgml)
				return fail(xs, xs->line, xs->column,
					    "text outside the root element");
		}
		if (c == '&') {
			if (put_entity(xs, xs->text, &xs->text_len, XMLSCAN_TEXT_MAX) ==
			    XMLSCAN_ERROR)
				return XMLSCAN_ERROR;
		} else if (put_byte(xs, xs->text, &xs->text_len, XMLSCAN_TEXT_MAX,
				    (unsigned char)c) == XMLSCAN_ERROR) {
			return XMLSCAN_ERROR;
		} else if (!xs->u8_need) {
			plain_run(xs);
		}
	}
}

const char *xmlscan_attr(const struct xmlscan *xs, const char *name)
{
	for (size_t i = 0; i < xs->nattrs; i++)
		if (strcmp(xmlscan_local(xs->attrs[i].name), name) == 0)
			return xs->attr_buf + xs->attrs[i].value;
	return NULL;
}

const char *xmlscan_local(const char *name)
{
	const char *colon = strrchr(name, ':');

	return colon ? colon + 1 : name;
}

bool xmlscan_parent_is(const struct xmlscan *xs, size_t up, const char *want)
{
	return xs->depth > up && strcmp(xmlscan_local(xs->stack[xs->depth - 1 - up]), want) == 0;
}

bool xmlscan_closed_had_text(const struct xmlscan *xs)
{
	return xs->depth < XMLSCAN_DEPTH_MAX && xs->stack_text[xs->depth];
}

bool xmlscan_cents(const char *s, bool comma, int64_t *cents)
{
	int64_t v = 0;
	bool neg = false, digits = false;
	int decimals = -1;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			digits = true;
			if (decimals >= 2) {
				if (*s != '0')
					return false; /* a fraction of a cent */
				continue;
			}
			if (v > 100000000000000LL)
				return false;
			v = v * 10 + (*s - '0');
			if (decimals >= 0)
				decimals++;
		} else if ((*s == '.' || (comma && *s == ',')) && decimals < 0) {
			decimals = 0;
		} else {
			return false;
		}
	}
	if (!digits)
		return false;
	for (int d = decimals < 0 ? 0 : decimals; d < 2; d++)
		v *= 10;
	if (v > 10000000000000LL)
		return false;
	*cents = neg ? -v : v;
	return true;
}

bool xmlscan_copy_text(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len < n) {
		memcpy(dst, src, len + 1);
		return true;
	}
	len = n - 1;
	while (len && ((unsigned char)src[len] & 0xc0) == 0x80)
		len--; /* src[len] would start the cut-off character */
	memcpy(dst, src, len);
	dst[len] = '\0';
	return false;
}

const char *xmlscan_excerpt(const char *s)
{
	static _Thread_local char out[41];

	xmlscan_copy_text(out, sizeof(out), s);
	return out;
}
