/*
 * buf.c - the capped growable buffer of buf.h.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

static enum cmn_rc buf_reserve(struct buf *b, size_t extra)
{
	size_t need, size;
	char *p;

	if (extra > b->cap - b->len)
		return CMN_ERR_TOO_LARGE;
	need = b->len + extra + 1;
	if (need <= b->size && b->data)
		return CMN_OK;
	size = b->size ? b->size : 64;
	while (size < need)
		size = size > (size_t)-1 / 2 ? need : size * 2;
	p = realloc(b->data, size);
	if (!p)
		return CMN_ERR_NOMEM;
	b->data = p;
	b->size = size;
	return CMN_OK;
}

enum cmn_rc buf_append(struct buf *b, const void *p, size_t n)
{
	enum cmn_rc rc = buf_reserve(b, n);

	if (rc != CMN_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CMN_OK;
}

enum cmn_rc buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum cmn_rc buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;
	enum cmn_rc rc;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return CMN_ERR_INVALID;
	}
	rc = buf_reserve(b, (size_t)n);
	if (rc == CMN_OK) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return rc;
}

enum cmn_rc buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum cmn_rc rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

enum cmn_rc buf_read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t len = b->len, got;
	char chunk[16384];
	enum cmn_rc rc = CMN_OK;

	if (!f)
		return CMN_ERR_NOT_FOUND;
	while (rc == CMN_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(b, chunk, got);
	if (rc == CMN_OK && ferror(f))
		rc = CMN_ERR_IO;
	fclose(f);
	if (rc == CMN_OK && !b->data)
		rc = buf_puts(b, ""); /* an empty file: text all the same */
	if (rc != CMN_OK && b->data) {
		b->len = len; /* as it was */
		b->data[len] = '\0';
	}
	return rc;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	return p;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->size = 0;
}

void buf_release_secure(struct buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->size);
	buf_release(b);
}
