/*
 * jsonput.c - whole-or-nothing JSON building. See jsonput.h.
 */
#include "core/jsonput.h"

void json_put(json_t **o, const char *key, json_t *v)
{
	/* json_object_set_new fails on a NULL object or value and releases
	 * v in every case */
	if (json_object_set_new(*o, key, v) != 0) {
		json_decref(*o);
		*o = NULL;
	}
}

void json_push(json_t **a, json_t *v)
{
	if (json_array_append_new(*a, v) != 0) {
		json_decref(*a);
		*a = NULL;
	}
}
