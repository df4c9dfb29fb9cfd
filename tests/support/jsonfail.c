/*
 * jsonfail.c - see jsonfail.h
 */
#include "jsonfail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

static atomic_size_t allocs, fail_at;

static void *failing_malloc(size_t n)
{
	return atomic_fetch_add(&allocs, 1) + 1 == atomic_load(&fail_at) ? NULL : malloc(n);
}

void jsonfail_arm(size_t n)
{
	atomic_store(&allocs, 0);
	atomic_store(&fail_at, n);
	json_set_alloc_funcs(failing_malloc, free);
}

void jsonfail_disarm(void)
{
	json_set_alloc_funcs(malloc, free);
}

size_t jsonfail_count(void)
{
	return atomic_load(&allocs);
}

size_t jsonfail_sweep(json_t *(*build)(void *ctx), void *ctx)
{
	json_t *v = build(ctx);
	char *want, *got;
	size_t failed = 0;

	assert_non_null(v);
	want = json_dumps(v, JSON_COMPACT);
	assert_non_null(want);
	json_decref(v);
	for (size_t n = 1;; n++) {
		jsonfail_arm(n);
		v = build(ctx);
		jsonfail_disarm();
		if (!v) {
			failed++;
			continue;
		}
		got = json_dumps(v, JSON_COMPACT);
		assert_string_equal(got, want);
		free(got);
		json_decref(v);
		if (jsonfail_count() < n) /* no allocation failed: all were tried */
			break;
	}
	free(want);
	return failed;
}
