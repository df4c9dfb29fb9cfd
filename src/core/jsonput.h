/*
 * jsonput.h - building a JSON tree that is whole or not at all.
 *
 * jansson's json_object_set_new and json_array_append_new return -1 when
 * an allocation fails, and a builder that goes on leaves a member or an
 * element out of a tree that looks whole. When that tree is stored,
 * signed, published or exported, it is a false record. With these two,
 * the first failure releases the whole container and leaves NULL; every
 * later call on it only releases the value it is given, and the builder
 * returns NULL at its end (json_pack fails on a NULL "o" value and
 * releases the others, so NULL goes up through it).
 */
#ifndef COMMUNE_CORE_JSONPUT_H
#define COMMUNE_CORE_JSONPUT_H

#include <jansson.h>

/* json_put - sets (*o)[key] to v, taking v (a new reference, or NULL: a
 * sub-builder that failed) whatever happens: kept in *o, or released, as
 * jansson's *_new calls do. When *o or v is NULL, or the set fails, *o is
 * released and set to NULL. Use json_incref(v) for a borrowed v. */
void json_put(json_t **o, const char *key, json_t *v);

/* json_push - appends v to the array *a, as json_put. */
void json_push(json_t **a, json_t *v);

#endif
