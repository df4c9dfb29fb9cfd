/*
 * str.h - small string helpers: bounded copies, number parsing, encodings.
 */
#ifndef COMMUNE_CORE_STR_H
#define COMMUNE_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* str_copy - copies src into dst of size n, always NUL-terminated.
 * Returns CMN_ERR_TOO_LARGE (and a truncated copy) when src does not fit. */
enum cmn_rc str_copy(char *dst, size_t n, const char *src);

/* str_to_i64 - parses all of s as a decimal integer within [min, max]. */
enum cmn_rc str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* str_to_double - parses all of s as a finite decimal number. */
enum cmn_rc str_to_double(const char *s, double *out);

/* str_utf8_valid - true when the n bytes at s are well-formed UTF-8
 * without NUL bytes. */
bool str_utf8_valid(const char *s, size_t n);

/* str_utf8_repair - makes the NUL-terminated s well-formed UTF-8 in place: a
 * sequence cut by the end of s is dropped, any other invalid byte becomes
 * '?' (for messages that quote input, cut to a length, or a parser's text) */
void str_utf8_repair(char *s);

/* str_put_u64 - v in decimal at p, zero-padded to at least width digits
 * (0 to 20), without a NUL; returns the end. Room: max(20, width) bytes. */
char *str_put_u64(char *p, uint64_t v, int width);

/* str_put_i64 - v in decimal at p, with its '-' when negative, without a
 * NUL; returns the end. Room: 20 bytes. What "%" PRId64 writes. */
char *str_put_i64(char *p, int64_t v);

/* str_hex - writes 2n lowercase hex digits and a NUL to out (size 2n+1). */
void str_hex(char *out, const unsigned char *in, size_t n);

/* str_unhex - reads the first 2n characters of in as hex digits (either
 * case) into n bytes; false when one of them is not a hex digit. */
bool str_unhex(unsigned char *out, const char *in, size_t n);

/* str_is_name - true when s is 1..max bytes of [a-z0-9_] starting with a letter,
 * with single dots allowed between parts when dots is true (doctype names). */
bool str_is_name(const char *s, size_t max, bool dots);

/* str_pct_decode - decodes %XX escapes and '+' (as a space) of n bytes at s
 * into out (at least n+1 bytes). Fails on a malformed escape or a NUL byte. */
enum cmn_rc str_pct_decode(const char *s, size_t n, char *out, size_t *out_len);

/* str_b64url_encode - unpadded base64url of n bytes; caller frees. */
char *str_b64url_encode(const unsigned char *in, size_t n);

/* str_b64url_decode - decodes unpadded base64url; *out is malloc'd
 * (caller frees) and NUL-terminated. */
enum cmn_rc str_b64url_decode(const char *s, unsigned char **out, size_t *out_len);

#endif
