/*
 * xmlscan.h - a small streaming tokenizer for the XML the importers read
 * (OFX 2, CAMT.053) and for the SGML of OFX 1.x, where a leaf element's end
 * tag may be left out.
 *
 * It is not an XML processor: no DTD, no external or internal entities (a
 * DOCTYPE or <!ENTITY is an error, so no expansion can ever happen), no
 * namespaces (a prefix stays in the name; xmlscan_local drops it). It
 * decodes the five predefined entities, numeric character references and
 * CDATA sections, checks that end tags match, and caps every buffer and the
 * nesting depth. Each event carries the line and column where it began, and
 * an error says where and why. Memory is fixed: one struct, whatever the
 * size of the input.
 */
#ifndef COMMUNE_IMPORT_XMLSCAN_H
#define COMMUNE_IMPORT_XMLSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XMLSCAN_NAME_MAX 128            /* bytes in a tag or attribute name */
#define XMLSCAN_TEXT_MAX (32 * 1024)    /* bytes of text between two tags, decoded */
#define XMLSCAN_ATTRS_MAX 16            /* attributes kept on one start tag */
#define XMLSCAN_ATTR_BYTES 2048         /* bytes of all attribute values of a tag */
#define XMLSCAN_DEPTH_MAX 64            /* elements open at once */
#define XMLSCAN_READ_CHUNK 65536        /* bytes read from the file at a time */

enum xmlscan_event {
	XMLSCAN_END = 0,                 /* the input is over and every element closed */
	XMLSCAN_OPEN,                    /* a start tag: name, attributes */
	XMLSCAN_CLOSE,                   /* an end tag (or an implied one in SGML) */
	XMLSCAN_TEXT,                    /* text, trimmed, never only white space */
	XMLSCAN_PI,                      /* a processing instruction: name is its target */
	XMLSCAN_ERROR,                   /* err says where and why */
};

enum xmlscan_charset {
	XMLSCAN_UTF8 = 0,                /* checked: invalid UTF-8 is an error */
	XMLSCAN_CP1252,                  /* bytes >= 0x80 converted to UTF-8 */
};

struct xmlscan_attr {
	char name[XMLSCAN_NAME_MAX + 1];
	size_t value;                    /* offset of the value in attr_buf */
};

struct xmlscan {
	/* set by xmlscan_init, changeable between events */
	bool sgml;                       /* OFX 1.x: end tags of leaves are optional */
	enum xmlscan_charset charset;
	/* the event */
	char name[XMLSCAN_NAME_MAX + 1]; /* element name of OPEN/CLOSE, PI target */
	char *text;                      /* TEXT (NUL-terminated, XMLSCAN_TEXT_MAX + 1) */
	size_t text_len;
	struct xmlscan_attr attrs[XMLSCAN_ATTRS_MAX];
	size_t nattrs;
	char attr_buf[XMLSCAN_ATTR_BYTES];
	size_t line, column;             /* where the event began (1-based) */
	/* the open elements, outermost first */
	char stack[XMLSCAN_DEPTH_MAX][XMLSCAN_NAME_MAX + 1];
	bool stack_text[XMLSCAN_DEPTH_MAX]; /* the element holds text (SGML leaves) */
	size_t depth;
	/* an error */
	size_t err_line, err_column;
	char err[200];
	/* private: the reader */
	FILE *f;
	unsigned char *in;               /* XMLSCAN_READ_CHUNK bytes */
	size_t in_pos, in_len;
	bool eof;
	size_t cur_line, cur_column;     /* position of the next byte */
	size_t byte_line, byte_column;   /* position of the last byte taken */
	size_t pending_close;            /* implied end tags still to report */
	char pending_name[XMLSCAN_NAME_MAX + 1]; /* the tag to report after them */
	int pending_kind;                /* 0, or the tag after them: 1 start, 2 end, 3 <x/> */
	bool seen_root;
	unsigned u8_need;                /* UTF-8 continuation bytes still expected */
	unsigned char u8_lo, u8_hi;      /* the range of the next one */
};

/* xmlscan_new - a scanner over f (not owned, not closed); NULL when out of
 * memory. Free it with xmlscan_free. */
struct xmlscan *xmlscan_new(FILE *f, bool sgml);

/* xmlscan_charset_named - the charset of an XML declaration's encoding
 * (UTF-8 and US-ASCII; ISO-8859-1, -15 and Windows-1252 read as
 * Windows-1252, their common superset in practice), or -1 */
int xmlscan_charset_named(const char *enc);

/* xmlscan_cp1252_char - the code point of a Windows-1252 byte, 0 for the
 * five bytes it leaves undefined */
uint32_t xmlscan_cp1252_char(unsigned char c);

/* xmlscan_utf8 - code point cp in UTF-8 into u; the number of bytes */
size_t xmlscan_utf8(uint32_t cp, unsigned char u[4]);

/* xmlscan_free - frees a scanner and sets *xs to NULL. */
void xmlscan_free(struct xmlscan **xs);

/*
 * xmlscan_next - the next event. After OPEN, stack[depth - 1] is the new
 * element; after CLOSE, the element is popped (depth is its parent's).
 * TEXT belongs to stack[depth - 1] (or to nothing at depth 0: the OFX 1
 * header lines). ERROR stays: every later call returns it again.
 */
enum xmlscan_event xmlscan_next(struct xmlscan *xs);

/* xmlscan_attr - the value of an attribute of the last OPEN, or NULL. */
const char *xmlscan_attr(const struct xmlscan *xs, const char *name);

/* xmlscan_local - name without its namespace prefix ("ns:Amt" -> "Amt"). */
const char *xmlscan_local(const char *name);

/* xmlscan_closed_had_text - after CLOSE: whether the element held text. */
bool xmlscan_closed_had_text(const struct xmlscan *xs);

/* xmlscan_cents - parses a decimal amount ("-1234.5", "+0.01", and "12,50"
 * when comma is true) exactly into cents, at most 10^13 in magnitude;
 * digits beyond the second decimal must be zeros. */
bool xmlscan_cents(const char *s, bool comma, int64_t *cents);

/* xmlscan_copy_text - copies src into dst (size n), cut at a UTF-8
 * character boundary when too long; true when nothing was cut. */
bool xmlscan_copy_text(char *dst, size_t n, const char *src);

/* xmlscan_excerpt - at most the first 40 bytes of s, cut at a UTF-8
 * character boundary, for quoting input in an error message (a buffer of
 * this thread, valid until the next call). */
const char *xmlscan_excerpt(const char *s);

/* xmlscan_parent_is - true when the element at depth - 1 - up (0: the
 * innermost open element) has the local name want. */
bool xmlscan_parent_is(const struct xmlscan *xs, size_t up, const char *want);

#endif
