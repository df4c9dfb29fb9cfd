/*
 * jsonfail.c - see jsonfail.h
 */
#include "jsonfail.h"

#include <stdatomic.h>
#include <stdlib.h>

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
