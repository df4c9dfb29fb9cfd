/*
 * multipart.c - the streaming multipart/form-data parser of multipart.h.
 *
 * A body is: a preamble (ignored), then parts, each introduced by a
 * delimiter line "--BOUNDARY" and made of header lines, an empty line and
 * content; the closing delimiter "--BOUNDARY--" ends it, and an epilogue
 * (ignored) may follow. Content ends just before "\r\n--BOUNDARY".
 *
 * Finding the delimiter in pieces cut anywhere: the parser keeps how many
 * bytes of "\r\n--BOUNDARY" it has matched (match), and how many of those
 * came from earlier pieces (carry, which it can no longer point to in the
 * input but knows to be the delimiter's first bytes). A boundary holds no
 * CR, so on a mismatch the only place a new match may start is the byte at
 * hand: no backtracking, one pass, and memchr for CR between candidates.
 */
#include "http/multipart.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"

/* bchars of RFC 2046: what a boundary is made of */
static bool is_bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* tchars of RFC 9110: header and parameter names */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *p)
{
	while (is_ows(*p))
		p++;
	return p;
}

/* fail - stops the parse: the body is malformed at byte `at`. */
static enum cmn_rc fail(struct multipart *m, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cmn_rc fail(struct multipart *m, uint64_t at, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(m->error, sizeof(m->error), "malformed multipart body at byte %llu: %s",
		 (unsigned long long)at, why);
	m->state = MP_FAILED;
	m->rc = CMN_ERR_INVALID;
	return m->rc;
}

/* stop - a callback refused: the parse ends with its result. */
static enum cmn_rc stop(struct multipart *m, enum cmn_rc rc)
{
	if (rc != CMN_OK) {
		m->state = MP_FAILED;
		m->rc = rc;
	}
	return rc;
}

bool multipart_is_form(const char *ct)
{
	if (!ct)
		return false;
	ct = skip_ows(ct);
	return strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (ct[19] == '\0' || ct[19] == ';' || is_ows(ct[19]));
}

/* append - adds c to out (size n, length *len); false when full. */
static bool append(char *out, size_t n, size_t *len, char c)
{
	if (*len + 1 >= n)
		return false;
	out[(*len)++] = c;
	out[*len] = '\0';
	return true;
}

/*
 * next_param - reads one "; name=value" of a header value at *pp (a token
 * or a quoted-string value, spaces allowed around) and moves *pp past it.
 * 1 when one was read, 0 at the end, -2 when it was read but its name or
 * value did not fit (truncated), -1 when malformed (*pp is then left).
 */
static int next_param(const char **pp, char *name, size_t nn, char *value, size_t vn)
{
	const char *p = skip_ows(*pp), *start;
	size_t nl = 0, vl = 0;
	bool cut = false;

	name[0] = value[0] = '\0';
	if (!*p)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_ows(p + 1);
	if (!*p) {
		*pp = p;
		return 0; /* a trailing ';' */
	}
	start = p;
	for (; is_tchar((unsigned char)*p); p++)
		cut |= !append(name, nn, &nl, *p);
	if (p == start)
		return -1;
	p = skip_ows(p);
	if (*p != '=')
		return -1;
	p = skip_ows(p + 1);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			cut |= !append(value, vn, &vl, *p);
		}
		if (*p != '"')
			return -1;
		p++;
	} else {
		/* lenient: any byte but separators of parameters and spaces */
		start = p;
		for (; *p && *p != ';' && !is_ows(*p) && *p != '"'; p++)
			cut |= !append(value, vn, &vl, *p);
		if (p == start)
			return -1;
	}
	*pp = p;
	return cut ? -2 : 1;
}

enum cmn_rc multipart_boundary(const char *ct, char *out, size_t n)
{
	char name[32], value[MULTIPART_BOUNDARY_MAX + 2];
	const char *p;
	bool found = false;
	int r;

	if (!multipart_is_form(ct) || n < MULTIPART_BOUNDARY_MAX + 1)
		return CMN_ERR_INVALID;
	p = skip_ows(ct) + 19;
	while ((r = next_param(&p, name, sizeof(name), value, sizeof(value))) != 0) {
		size_t len = strlen(value);

		if (r == -1)
			return CMN_ERR_INVALID;
		if (strcasecmp(name, "boundary") != 0)
			continue;
		if (found || r == -2 || len < 1 || len > MULTIPART_BOUNDARY_MAX ||
		    value[len - 1] == ' ')
			return CMN_ERR_INVALID;
		for (size_t i = 0; i < len; i++)
			if (!is_bchar((unsigned char)value[i]))
				return CMN_ERR_INVALID;
		str_copy(out, n, value);
		found = true;
	}
	return found ? CMN_OK : CMN_ERR_INVALID;
}

void multipart_init(struct multipart *m, const char *boundary, const struct multipart_callbacks *cb,
		    void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->cb = cb;
	m->ctx = ctx;
	snprintf(m->delim, sizeof(m->delim), "\r\n--%.*s", MULTIPART_BOUNDARY_MAX, boundary);
	m->delim_len = strlen(m->delim);
	m->state = MP_PREAMBLE;
	/* the first delimiter may open the body: as if a line had just ended */
	m->match = m->carry = 2;
}

/* disposition - Content-Disposition: form-data; name="..."[; filename="..."] */
static enum cmn_rc disposition(struct multipart *m, const char *v, uint64_t at)
{
	char name[32], value[MULTIPART_LINE_MAX + 1];
	const char *p = v;
	bool named = false;
	int r;

	if (m->has_disposition)
		return fail(m, at, "a part has two Content-Disposition headers");
	m->has_disposition = true;
	while (is_tchar((unsigned char)*p))
		p++;
	if ((size_t)(p - v) != 9 || strncasecmp(v, "form-data", 9) != 0)
		return fail(m, at, "a part's Content-Disposition must be form-data");
	while ((r = next_param(&p, name, sizeof(name), value, sizeof(value))) != 0) {
		if (r == -1)
			return fail(m, at, "a malformed Content-Disposition header");
		if (strcasecmp(name, "name") == 0) {
			if (named)
				return fail(m, at, "a part is named twice");
			named = true;
			if (str_copy(m->part.name, sizeof(m->part.name), value) != CMN_OK)
				return fail(m, at, "a field name is longer than %d bytes",
					    MULTIPART_NAME_MAX - 1);
		} else if (strcasecmp(name, "filename") == 0) {
			if (m->part.is_file)
				return fail(m, at, "a part has two file names");
			m->part.is_file = true;
			if (str_copy(m->part.filename, sizeof(m->part.filename), value) != CMN_OK)
				return fail(m, at, "a file name is longer than %d bytes",
					    MULTIPART_FILENAME_MAX - 1);
		}
	}
	return CMN_OK;
}

/* header - one header line of a part, in m->line. */
static enum cmn_rc header(struct multipart *m, uint64_t at)
{
	char *line = m->line, *colon, *v, *end;

	if (is_ows(line[0]))
		return fail(m, at, "folded header lines are not supported");
	for (size_t i = 0; i < m->line_len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(m, at, "a control character in a part's header");
	}
	colon = strchr(line, ':');
	if (!colon || colon == line)
		return fail(m, at, "a part's header line has no name");
	*colon = '\0';
	for (const char *p = line; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return fail(m, at, "a malformed header name in a part");
	v = (char *)skip_ows(colon + 1);
	end = v + strlen(v);
	while (end > v && is_ows(end[-1]))
		*--end = '\0';
	if (strcasecmp(line, "Content-Disposition") == 0)
		return disposition(m, v, at);
	if (strcasecmp(line, "Content-Type") == 0 &&
	    str_copy(m->part.content_type, sizeof(m->part.content_type), v) != CMN_OK)
		return fail(m, at, "a part's Content-Type is longer than %d bytes",
			    MULTIPART_CTYPE_MAX - 1);
	if (strcasecmp(line, "Content-Transfer-Encoding") == 0 && strcasecmp(v, "binary") != 0 &&
	    strcasecmp(v, "8bit") != 0 && strcasecmp(v, "7bit") != 0)
		return fail(m, at, "Content-Transfer-Encoding %.40s is not supported: send the bytes "
			    "as they are", v);
	return CMN_OK;
}

/* header_byte - one byte of a part's header block. */
static enum cmn_rc header_byte(struct multipart *m, char c, uint64_t at)
{
	if (c != '\n') {
		if (m->line_len > MULTIPART_LINE_MAX) /* the line and its CR */
			return fail(m, at, "a part's header line is longer than %d bytes",
				    MULTIPART_LINE_MAX);
		if (c == '\0')
			return fail(m, at, "a NUL byte in a part's header");
		m->line[m->line_len++] = c;
		return CMN_OK;
	}
	if (!m->line_len || m->line[m->line_len - 1] != '\r')
		return fail(m, at, "a part's header line must end with CRLF");
	m->line[--m->line_len] = '\0';
	if (m->line_len) {
		enum cmn_rc rc;

		if (++m->nheaders > MULTIPART_HEADERS_MAX)
			return fail(m, at, "a part has more than %d header lines",
				    MULTIPART_HEADERS_MAX);
		rc = header(m, at);
		m->line_len = 0;
		return rc;
	}
	/* the empty line: the content begins */
	if (!m->has_disposition)
		return fail(m, at, "a part has no Content-Disposition header");
	if (!m->part.name[0])
		return fail(m, at, "a part has no name");
	m->state = MP_DATA;
	m->match = m->carry = 0;
	return stop(m, m->cb->part_begin(m->ctx, &m->part));
}

/* step - one byte after a delimiter, or of a part's headers. */
static void step(struct multipart *m, char c, uint64_t at)
{
	switch (m->state) {
	case MP_AFTER_DELIM:
		if (c == '-')
			m->state = MP_CLOSE_DASH;
		else if (is_ows(c))
			m->state = MP_PADDING;
		else if (c == '\r')
			m->state = MP_DELIM_LF;
		else
			fail(m, at, "a boundary is followed by neither a line end nor \"--\"");
		break;
	case MP_CLOSE_DASH:
		if (c == '-')
			m->state = MP_EPILOGUE;
		else
			fail(m, at, "expected \"--\" after the closing boundary");
		break;
	case MP_PADDING:
		if (c == '\r')
			m->state = MP_DELIM_LF;
		else if (!is_ows(c))
			fail(m, at, "a boundary is followed by neither a line end nor \"--\"");
		break;
	case MP_DELIM_LF:
		if (c != '\n') {
			fail(m, at, "a boundary line must end with CRLF");
		} else if (++m->nparts > MULTIPART_PARTS_MAX) {
			fail(m, at, "more than %d parts", MULTIPART_PARTS_MAX);
		} else {
			memset(&m->part, 0, sizeof(m->part));
			m->nheaders = 0;
			m->line_len = 0;
			m->has_disposition = false;
			m->state = MP_HEADERS;
		}
		break;
	case MP_HEADERS:
		header_byte(m, c, at);
		break;
	default:
		break;
	}
}

/* content - n bytes of the current part (dropped in the preamble). */
static bool content(struct multipart *m, const char *p, size_t n)
{
	if (m->state != MP_DATA || n == 0)
		return true;
	return stop(m, m->cb->part_data(m->ctx, p, n)) == CMN_OK;
}

/*
 * scan - content until the next delimiter, from p[i]; returns where the
 * parse goes on (n when the piece is used up or the parse stopped). What
 * may still be the start of a delimiter is held back (match) and given out
 * once a later byte shows it is not.
 */
static size_t scan(struct multipart *m, const char *p, size_t n, size_t i)
{
	size_t run = i; /* first byte of the piece not given out yet */

	while (i < n) {
		if (m->match == 0) {
			const char *cr = memchr(p + i, '\r', n - i);

			if (!cr) {
				i = n;
				break;
			}
			i = (size_t)(cr - p) + 1;
			m->match = 1;
			continue;
		}
		if (p[i] == m->delim[m->match]) {
			i++;
			if (++m->match == m->delim_len) {
				size_t end = i - (m->match - m->carry);
				bool in_part = m->state == MP_DATA;

				if (!content(m, p + run, end - run))
					return n;
				m->match = m->carry = 0;
				m->state = MP_AFTER_DELIM;
				if (in_part && stop(m, m->cb->part_end(m->ctx)) != CMN_OK)
					return n;
				return i;
			}
			continue;
		}
		/* not a delimiter: what was held back is content */
		if (m->carry) {
			if (!content(m, m->delim, m->carry))
				return n;
			m->carry = 0;
		}
		m->match = p[i] == '\r' ? 1 : 0;
		i++;
	}
	if (!content(m, p + run, i - (m->match - m->carry) - run))
		return n;
	m->carry = m->match;
	return n;
}

enum cmn_rc multipart_feed(struct multipart *m, const char *data, size_t n)
{
	size_t i = 0;

	if (m->state == MP_FAILED)
		return m->rc;
	m->carry = m->match; /* what was matched so far came before this piece */
	while (i < n && m->state != MP_FAILED) {
		if (m->state == MP_PREAMBLE || m->state == MP_DATA) {
			i = scan(m, data, n, i);
		} else if (m->state == MP_EPILOGUE) {
			i = n;
		} else {
			step(m, data[i], m->offset + i);
			i++;
		}
	}
	m->offset += n;
	return m->state == MP_FAILED ? m->rc : CMN_OK;
}

enum cmn_rc multipart_finish(struct multipart *m)
{
	if (m->state == MP_FAILED)
		return m->rc;
	if (m->state == MP_PREAMBLE && m->nparts == 0)
		return fail(m, m->offset, "no boundary line: is the boundary parameter right?");
	if (m->state != MP_EPILOGUE)
		return fail(m, m->offset, "the body ends before its closing boundary");
	return CMN_OK;
}
