/*
 * jsonfail.h - jansson's allocations failing one at a time, for the tests
 * that a JSON builder is whole or not at all: arm N, build, disarm; the
 * Nth allocation (and only it) fails. A builder that went on after a
 * failure would make a tree that looks whole, which a "fail from the Nth
 * on" allocator hides (every later allocation fails too, and so does the
 * builder's end). Counting is atomic: threads the builder starts count.
 */
#ifndef COMMUNE_TESTS_JSONFAIL_H
#define COMMUNE_TESTS_JSONFAIL_H

#include <stddef.h>

#include <jansson.h>

/* jsonfail_arm - from now on, jansson's nth allocation (n from 1) fails */
void jsonfail_arm(size_t n);

/* jsonfail_disarm - jansson allocates with malloc again */
void jsonfail_disarm(void);

/* jsonfail_count - jansson's allocations since the last arm: below n when
 * none failed (every allocation of the build was tried) */
size_t jsonfail_count(void);

/* jsonfail_sweep - the check of a builder that returns a tree: build(ctx)
 * once as it is, then with jansson's 1st, 2nd, ... allocation failing
 * until a build meets no failure; each tree made must be the first one
 * (compared as compact JSON, the test fails otherwise) or NULL. The number
 * of NULLs. */
size_t jsonfail_sweep(json_t *(*build)(void *ctx), void *ctx);

#endif
