/*
 * test_multipart.c - the streaming multipart/form-data parser
 * (src/http/multipart.c): the boundary of a Content-Type, bodies fed whole
 * and a byte at a time, what looks like a delimiter but is content, and
 * each malformed body refused with where and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "http/multipart.h"

struct story {
	struct buf text;
	int fail_at_begin;                /* refuse the Nth part (1-based), 0 never */
	int parts;
};

static enum cmn_rc on_begin(void *ctx, const struct multipart_part *p)
{
	struct story *s = ctx;

	if (++s->parts == s->fail_at_begin)
		return CMN_ERR_IO;
	buf_printf(&s->text, "<%s|%s|%d|%s>", p->name, p->filename, p->is_file, p->content_type);
	return CMN_OK;
}

static enum cmn_rc on_data(void *ctx, const char *d, size_t n)
{
	struct story *s = ctx;

	return buf_append(&s->text, d, n);
}

static enum cmn_rc on_end(void *ctx)
{
	struct story *s = ctx;

	return buf_puts(&s->text, "</>");
}

static const struct multipart_callbacks cb = {on_begin, on_data, on_end};

/* parse - body (n bytes) in pieces of `piece` bytes (0: whole); the story
 * in out, the error in err. */
static enum cmn_rc parse(const char *boundary, const char *body, size_t n, size_t piece,
			 char *out, size_t outlen, char *err, size_t errlen)
{
	struct multipart m;
	struct story s = {{0}, 0, 0};
	enum cmn_rc rc = CMN_OK;

	buf_init(&s.text, 1 << 20);
	multipart_init(&m, boundary, &cb, &s);
	for (size_t at = 0; at < n && rc == CMN_OK; at += piece ? piece : n)
		rc = multipart_feed(&m, body + at, piece && n - at > piece ? piece : n - at);
	if (rc == CMN_OK)
		rc = multipart_finish(&m);
	snprintf(out, outlen, "%s", s.text.data ? s.text.data : "");
	snprintf(err, errlen, "%s", rc == CMN_ERR_INVALID ? m.error : "");
	buf_release(&s.text);
	return rc;
}

/* same - parses whole and in every piece size up to 9, expecting one story. */
static enum cmn_rc same(const char *boundary, const char *body, char *out, size_t outlen,
			char *err, size_t errlen)
{
	char o2[4096], e2[256];
	size_t n = strlen(body);
	enum cmn_rc rc = parse(boundary, body, n, 0, out, outlen, err, errlen);

	for (size_t piece = 1; piece < 10; piece++) {
		assert_int_equal(parse(boundary, body, n, piece, o2, sizeof(o2), e2, sizeof(e2)), rc);
		assert_string_equal(o2, out);
		assert_string_equal(e2, err);
	}
	return rc;
}

static void boundaries(void **state)
{
	char b[MULTIPART_BOUNDARY_MAX + 1];
	char long_b[200];

	(void)state;
	assert_true(multipart_is_form("multipart/form-data; boundary=x"));
	assert_true(multipart_is_form(" Multipart/Form-Data"));
	assert_false(multipart_is_form("multipart/form-datax"));
	assert_false(multipart_is_form("multipart/mixed; boundary=x"));
	assert_false(multipart_is_form(NULL));
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=XyZ", b, sizeof(b)), CMN_OK);
	assert_string_equal(b, "XyZ");
	assert_int_equal(multipart_boundary("multipart/form-data;charset=utf-8;BOUNDARY=\"a b:c\"",
					    b, sizeof(b)),
			 CMN_OK);
	assert_string_equal(b, "a b:c");
	assert_int_equal(multipart_boundary("multipart/form-data ; boundary = --x-- ", b, sizeof(b)),
			 CMN_OK);
	assert_string_equal(b, "--x--");
	assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof(b)), CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"\"", b, sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"ends \"", b, sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=a@b", b, sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b,
					    sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=a\r", b, sizeof(b)),
			 CMN_ERR_INVALID);
	assert_int_equal(multipart_boundary("text/plain; boundary=a", b, sizeof(b)), CMN_ERR_INVALID);
	memset(long_b, 'a', sizeof(long_b));
	snprintf(long_b, sizeof(long_b), "multipart/form-data; boundary=%.70s", (const char *)
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(multipart_boundary(long_b, b, sizeof(b)), CMN_OK);
	assert_int_equal(strlen(b), 70);
	snprintf(long_b, sizeof(long_b), "multipart/form-data; boundary=%.71s", (const char *)
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(multipart_boundary(long_b, b, sizeof(b)), CMN_ERR_INVALID);
}

static void parts_in_any_cut(void **state)
{
	char out[4096], err[256];
	const char *body =
		"preamble --B\r\n\r\n--B\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"dir/a \\\"q\\\".csv\"\r\n"
		"content-type: text/csv\r\n\r\n"
		"line 1\r\n--Bx is no delimiter\r\n-\r\n--\r--B\n\r\r\n"
		"\r\n--B  \t\r\n"
		"Content-Disposition: form-data; name=format\r\n\r\n"
		"enedis-csv\r\n--B--\r\nepilogue\r\n--B\r\n";

	(void)state;
	assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)), CMN_ERR_INVALID);
	/* "--Bx" right after a line end is a delimiter followed by junk */
	assert_non_null(strstr(err, "neither a line end"));

	body = "--B\r\n"
	       "Content-Disposition: form-data; name=\"file\"; filename=\"dir/a \\\"q\\\".csv\"\r\n"
	       "content-type: text/csv\r\n\r\n"
	       "line 1\r\n-B\r\n-\r\n--\r--B\n\r\r\n\r-\r\n-\r\n--\r\n--A\r\n"
	       "\r\n--B  \t\r\n"
	       "Content-Disposition: form-data; name=format\r\n\r\n"
	       "enedis-csv\r\n--B--\r\nepilogue\r\n--B\r\n";
	assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)), CMN_OK);
	assert_string_equal(out, "<file|dir/a \"q\".csv|1|text/csv>"
				 "line 1\r\n-B\r\n-\r\n--\r--B\n\r\r\n\r-\r\n-\r\n--\r\n--A\r\n</>"
				 "<format||0|>enedis-csv</>");
	/* an empty part, and the boundary right at the start */
	assert_int_equal(same("B",
			      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
			      "\r\n\r\n--B--",
			      out, sizeof(out), err, sizeof(err)),
			 CMN_OK);
	assert_string_equal(out, "<file||1|></>");
}

static void malformed(void **state)
{
	static const struct {
		const char *body;
		const char *why;
	} cases[] = {
		{"", "no boundary line"},
		{"--B", "closing boundary"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "closing boundary"},
		{"--Bx\r\n", "neither a line end"},
		{"--B-x", "expected \"--\""},
		{"--B\rx", "must end with CRLF"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\n\r\n", "end with CRLF"},
		{"--B\r\n\r\nx\r\n--B--", "no Content-Disposition"},
		{"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--", "no name"},
		{"--B\r\nContent-Disposition: attachment; name=a\r\n\r\n", "must be form-data"},
		{"--B\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n", "named twice"},
		{"--B\r\nContent-Disposition: form-data; name=a; filename=b; filename=c\r\n\r\n",
		 "two file names"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\n", "malformed Content-Disp"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\rb\r\n\r\n", "control character"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\x01\r\n\r\n", "control character"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n x: y\r\n\r\n", "folded"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n: y\r\n\r\n", "no name"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\nx y: z\r\n\r\n",
		 "malformed header name"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"; =x\r\n\r\n", "malformed"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: "
		 "form-data; name=b\r\n\r\n",
		 "two Content-Disposition"},
		{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: "
		 "quoted-printable\r\n\r\n",
		 "quoted-printable is not supported"},
	};
	char out[4096], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		enum cmn_rc rc = same("B", cases[i].body, out, sizeof(out), err, sizeof(err));

		if (rc != CMN_ERR_INVALID || !strstr(err, cases[i].why))
			fail_msg("case %zu: rc %d, \"%s\" (wanted \"%s\")", i, rc, err,
				 cases[i].why);
		assert_non_null(strstr(err, "malformed multipart body at byte "));
	}
}

static void limits(void **state)
{
	char out[4096], err[256];
	static char body[200000];
	size_t n = 0;

	(void)state;
	/* a header line of 1024 bytes passes, of 1025 does not */
	n = (size_t)snprintf(body, sizeof(body), "--B\r\nContent-Disposition: form-data; name=a\r\n"
						 "X-Long: ");
	memset(body + n, 'y', 1024 - 8);
	n += 1024 - 8;
	n += (size_t)snprintf(body + n, sizeof(body) - n, "\r\n\r\nx\r\n--B--");
	assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)), CMN_OK);
	n = (size_t)snprintf(body, sizeof(body), "--B\r\nContent-Disposition: form-data; name=a\r\n"
						 "X-Long: ");
	memset(body + n, 'y', 1025 - 8);
	n += 1025 - 8;
	snprintf(body + n, sizeof(body) - n, "\r\n\r\nx\r\n--B--");
	assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)), CMN_ERR_INVALID);
	assert_non_null(strstr(err, "longer than 1024"));
	/* 64 parts pass, 65 do not */
	for (int parts = 64; parts <= 65; parts++) {
		n = 0;
		for (int i = 0; i < parts; i++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
					      "--B\r\nContent-Disposition: form-data; name=p\r\n\r\n"
					      "%d\r\n",
					      i);
		snprintf(body + n, sizeof(body) - n, "--B--");
		assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)),
				 parts == 64 ? CMN_OK : CMN_ERR_INVALID);
	}
	assert_non_null(strstr(err, "more than 64 parts"));
	/* 16 header lines pass, 17 do not */
	for (int lines = 16; lines <= 17; lines++) {
		n = (size_t)snprintf(body, sizeof(body),
				     "--B\r\nContent-Disposition: form-data; name=a\r\n");
		for (int i = 1; i < lines; i++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "X-%d: y\r\n", i);
		snprintf(body + n, sizeof(body) - n, "\r\nx\r\n--B--");
		assert_int_equal(same("B", body, out, sizeof(out), err, sizeof(err)),
				 lines == 16 ? CMN_OK : CMN_ERR_INVALID);
	}
}

static void callback_errors_stop(void **state)
{
	struct multipart m;
	struct story s = {{0}, 2, 0};
	const char *body = "--B\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
			   "--B\r\nContent-Disposition: form-data; name=b\r\n\r\ny\r\n--B--";

	(void)state;
	buf_init(&s.text, 1 << 16);
	multipart_init(&m, "B", &cb, &s);
	assert_int_equal(multipart_feed(&m, body, strlen(body)), CMN_ERR_IO);
	assert_int_equal(multipart_feed(&m, "z", 1), CMN_ERR_IO);
	assert_int_equal(multipart_finish(&m), CMN_ERR_IO);
	assert_string_equal(s.text.data, "<a||0|>x</>");
	buf_release(&s.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boundaries),
		cmocka_unit_test(parts_in_any_cut),
		cmocka_unit_test(malformed),
		cmocka_unit_test(limits),
		cmocka_unit_test(callback_errors_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
