/*
 * multipart.h - a streaming parser of multipart/form-data bodies (RFC 7578,
 * over the multipart syntax of RFC 2046 section 5.1).
 *
 * Pieces of a body go in as they arrive, cut anywhere; each part's headers
 * and then its bytes come out through callbacks. The parser holds one
 * header line at most, never a part's content, so a body of any size is
 * parsed in constant memory. It knows nothing of what the parts are for.
 */
#ifndef COMMUNE_HTTP_MULTIPART_H
#define COMMUNE_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define MULTIPART_BOUNDARY_MAX 70         /* RFC 2046: 1 to 70 characters */
#define MULTIPART_LINE_MAX 1024           /* bytes in one header line of a part */
#define MULTIPART_HEADERS_MAX 16          /* header lines in one part */
#define MULTIPART_PARTS_MAX 64            /* parts in one body */
#define MULTIPART_NAME_MAX 128            /* bytes of a field name, with the NUL */
#define MULTIPART_FILENAME_MAX 256        /* bytes of a file name, with the NUL */
#define MULTIPART_CTYPE_MAX 128           /* bytes of a part's Content-Type, with the NUL */

/* One part, as its headers describe it. */
struct multipart_part {
	char name[MULTIPART_NAME_MAX];            /* the form field's name (never "") */
	char filename[MULTIPART_FILENAME_MAX];    /* as sent (may hold a path), or "" */
	bool is_file;                             /* a filename parameter was there */
	char content_type[MULTIPART_CTYPE_MAX];   /* the part's Content-Type, or "" */
};

/* What the parser calls. A result other than CMN_OK stops the parse, and
 * multipart_feed returns it. */
struct multipart_callbacks {
	enum cmn_rc (*part_begin)(void *ctx, const struct multipart_part *p);
	enum cmn_rc (*part_data)(void *ctx, const char *data, size_t n);
	enum cmn_rc (*part_end)(void *ctx);
};

enum multipart_state {
	MP_PREAMBLE,                      /* before the first boundary */
	MP_AFTER_DELIM,                   /* just after a boundary: "--" or the line end */
	MP_CLOSE_DASH,                    /* one '-' of the closing "--" seen */
	MP_PADDING,                       /* spaces or tabs after a boundary */
	MP_DELIM_LF,                      /* the CR after a boundary seen */
	MP_HEADERS,                       /* a part's header lines */
	MP_DATA,                          /* a part's content */
	MP_EPILOGUE,                      /* after the closing boundary: ignored */
	MP_FAILED,                        /* stopped: error says why */
};

struct multipart {
	const struct multipart_callbacks *cb;
	void *ctx;
	char delim[4 + MULTIPART_BOUNDARY_MAX + 1]; /* "\r\n--" BOUNDARY */
	size_t delim_len;
	size_t match;                     /* bytes of delim matched so far */
	size_t carry;                     /* of those, bytes of earlier pieces */
	enum multipart_state state;
	enum cmn_rc rc;                   /* the result once MP_FAILED */
	char line[MULTIPART_LINE_MAX + 2]; /* the header line being read, with its CR */
	size_t line_len;
	unsigned nheaders;                /* header lines of the current part */
	unsigned nparts;
	bool has_disposition;             /* the current part has Content-Disposition */
	struct multipart_part part;       /* the current part */
	uint64_t offset;                  /* bytes of the body fed so far */
	char error[200];                  /* why the body was refused, with its offset */
};

/* multipart_is_form - true when a Content-Type header value names
 * multipart/form-data (whatever its parameters). */
bool multipart_is_form(const char *content_type);

/* multipart_boundary - the boundary parameter of a multipart Content-Type,
 * unquoted, into out (at least MULTIPART_BOUNDARY_MAX + 1 bytes).
 * CMN_ERR_INVALID when it is missing or not a valid boundary. */
enum cmn_rc multipart_boundary(const char *content_type, char *out, size_t n);

/* multipart_init - prepares m for a body cut by boundary (from
 * multipart_boundary); cb and ctx must outlive the parse. */
void multipart_init(struct multipart *m, const char *boundary, const struct multipart_callbacks *cb,
		    void *ctx);

/* multipart_feed - the next n bytes of the body. CMN_ERR_INVALID when the
 * body is malformed (m->error says where and why), or a callback's result;
 * after an error every call returns it again. */
enum cmn_rc multipart_feed(struct multipart *m, const char *data, size_t n);

/* multipart_finish - the body has ended: CMN_ERR_INVALID unless the closing
 * boundary was seen. */
enum cmn_rc multipart_finish(struct multipart *m);

#endif
