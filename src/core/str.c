/*
 * str.c - string helpers of str.h.
 */
#include "core/str.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

enum cmn_rc str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (n == 0)
		return CMN_ERR_TOO_LARGE;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return CMN_ERR_TOO_LARGE;
	}
	memcpy(dst, src, len + 1);
	return CMN_OK;
}

enum cmn_rc str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return CMN_ERR_INVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return CMN_ERR_INVALID;
	*out = v;
	return CMN_OK;
}

enum cmn_rc str_to_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return CMN_ERR_INVALID;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return CMN_ERR_INVALID;
	*out = v;
	return CMN_OK;
}

/* utf8_seq - the length of the well-formed UTF-8 sequence at s (of n bytes
 * left; no NUL, no overlong form, no surrogate, nothing above U+10FFFF), or
 * 0 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	uint32_t cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n <= k)
		return 0;
	for (size_t j = 1; j <= k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[j] & 0x3f);
	}
	if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k + 1;
}

bool str_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_seq(s + i, n - i)))
			return false;
	return true;
}

void str_utf8_repair(char *str)
{
	unsigned char *s = (unsigned char *)str;
	size_t n = strlen(str), i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(s + i, n - i))) {
			i += k;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xf4 &&
		    n - i - 1 < (size_t)(s[i] >= 0xf0 ? 3 : s[i] >= 0xe0 ? 2 : 1)) {
			/* a sequence cut by the end of the text: dropped */
			bool cut = true;

			for (size_t j = i + 1; j < n; j++)
				cut = cut && (s[j] & 0xc0) == 0x80;
			if (cut) {
				s[i] = '\0';
				return;
			}
		}
		s[i++] = '?';
	}
}

char *str_put_u64(char *p, uint64_t v, int width)
{
	char t[20];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = n; i < width; i++)
		*p++ = '0';
	while (n)
		*p++ = t[--n];
	return p;
}

char *str_put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return str_put_u64(p, (uint64_t)v, 0);
	*p++ = '-';
	return str_put_u64(p, -(uint64_t)v, 0); /* INT64_MIN too */
}

void str_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool str_is_name(const char *s, size_t max, bool dots)
{
	size_t n = 0;
	bool part_start = true;

	for (; s[n]; n++) {
		char c = s[n];

		if (n >= max)
			return false;
		if (c == '.' && dots && !part_start) {
			part_start = true;
			continue;
		}
		if (c >= 'a' && c <= 'z') {
			part_start = false;
			continue;
		}
		if (((c >= '0' && c <= '9') || c == '_') && !part_start)
			continue;
		return false;
	}
	return n > 0 && !part_start;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool str_unhex(unsigned char *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);

		if (lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

enum cmn_rc str_pct_decode(const char *s, size_t n, char *out, size_t *out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return CMN_ERR_INVALID;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return CMN_ERR_INVALID;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0')
			return CMN_ERR_INVALID;
		out[o++] = c;
	}
	out[o] = '\0';
	*out_len = o;
	return CMN_OK;
}

char *str_b64url_encode(const unsigned char *in, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(len);

	if (!out)
		return NULL;
	sodium_bin2base64(out, len, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

enum cmn_rc str_b64url_decode(const char *s, unsigned char **out, size_t *out_len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(s), len = 0;
	unsigned char *p;
	const char *end = NULL;

	/* libsodium 1.0.18 reads bytes >= 0x80 as '_': check the alphabet here */
	if (strspn(s, alphabet) != n)
		return CMN_ERR_INVALID;
	p = malloc(n * 3 / 4 + 2);

	if (!p)
		return CMN_ERR_NOMEM;
	if (sodium_base642bin(p, n * 3 / 4 + 1, s, n, NULL, &len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    (end && *end)) {
		free(p);
		return CMN_ERR_INVALID;
	}
	p[len] = '\0';
	*out = p;
	*out_len = len;
	return CMN_OK;
}
