/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * The buffer always keeps a terminating NUL after len bytes, so its data can
 * be used as a C string when it holds text. Appending past cap fails with
 * CMN_ERR_TOO_LARGE and leaves the buffer as it was.
 */
#ifndef COMMUNE_CORE_BUF_H
#define COMMUNE_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/result.h"

struct buf {
	char *data;  /* NUL-terminated; NULL until the first append */
	size_t len;  /* bytes used, not counting the NUL */
	size_t size; /* bytes allocated */
	size_t cap;  /* len never exceeds this */
};

/* buf_init - an empty buffer that may grow to cap bytes. */
void buf_init(struct buf *b, size_t cap);

/* buf_append - appends n bytes of p. */
enum cmn_rc buf_append(struct buf *b, const void *p, size_t n);

/* buf_puts - appends the C string s. */
enum cmn_rc buf_puts(struct buf *b, const char *s);

/* buf_printf - appends formatted text; buf_vprintf with a va_list. */
enum cmn_rc buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum cmn_rc buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* buf_read_file - appends the whole file at path; data is not NULL after.
 * CMN_ERR_NOT_FOUND when it cannot be opened (errno says why), CMN_ERR_IO
 * when it cannot be read, CMN_ERR_TOO_LARGE past the cap: the buffer is
 * then as it was. */
enum cmn_rc buf_read_file(struct buf *b, const char *path);

/* buf_reset - empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* buf_steal - returns the data (caller frees) and empties the buffer;
 * never NULL unless allocation fails. */
char *buf_steal(struct buf *b);

/* buf_release - frees the memory; the buffer is empty afterwards. */
void buf_release(struct buf *b);

/* buf_release_secure - wipes then frees the memory. */
void buf_release_secure(struct buf *b);

#endif
