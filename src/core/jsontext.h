/*
 * jsontext.h - small operations on JSON text that do not need a tree:
 * writing a string literal, and keeping some members of an object.
 */
#ifndef COMMUNE_CORE_JSONTEXT_H
#define COMMUNE_CORE_JSONTEXT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/result.h"

/* json_text_string - appends s (UTF-8) to b as a JSON string literal. */
enum cmn_rc json_text_string(struct buf *b, const char *s);

/* json_text_project - appends to out the object text obj with only the
 * members whose key is one of keys (compared with the key's text as
 * written: obj is JSON written by a serializer that escapes no plain
 * ASCII letter, such as the stored records). Members keep their order and
 * their values' text. CMN_ERR_INVALID when obj is not one JSON object (out
 * is then left as it was). */
enum cmn_rc json_text_project(const char *obj, const char *const *keys, size_t nkeys,
			      struct buf *out);

#endif
