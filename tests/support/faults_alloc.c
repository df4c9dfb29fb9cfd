/*
 * faults_alloc.c - FAULT_ALLOC (faults.h): the allocations of commune's own
 * code fail on purpose. Linked only into a test built with the linker's
 * --wrap=malloc (and calloc, realloc, strdup, strndup): every call to
 * those from the objects linked into the test, commune_lib's among them,
 * comes here, and __real_malloc is the C library's. jansson, a shared
 * library, gets the same count through json_set_alloc_funcs. The other
 * shared libraries (SQLite, with its own FAULT_NOMEM; libmicrohttpd;
 * curl) allocate as usual.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "faults.h"

/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp):
 * the names the linker's --wrap gives */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_strndup(s, n);
}
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

static void *j_malloc(size_t n)
{
	return faults_strike(FAULT_ALLOC) ? NULL : __real_malloc(n);
}

static void j_free(void *p)
{
	free(p);
}

void faults_alloc_install(void)
{
	json_set_alloc_funcs(j_malloc, j_free);
}
