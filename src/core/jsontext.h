/*
 * jsontext.h - small operations on JSON text: writing a string literal,
 * keeping some members of an object, and writing a jansson tree compactly
 * faster than json_dumps does.
 */
#ifndef COMMUNE_CORE_JSONTEXT_H
#define COMMUNE_CORE_JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/result.h"

/* json_text_string - appends s (UTF-8) to b as a JSON string literal, with
 * the escapes json_dumps makes. */
enum cmn_rc json_text_string(struct buf *b, const char *s);

/* json_text_project - appends to out the object text obj with only the
 * members whose key is one of keys (compared with the key's text as
 * written: obj is JSON written by a serializer that escapes no plain
 * ASCII letter, such as the stored records). Members keep their order and
 * their values' text. CMN_ERR_INVALID when obj is not one JSON object (out
 * is then left as it was). */
enum cmn_rc json_text_project(const char *obj, const char *const *keys, size_t nkeys,
			      struct buf *out);

/* json_text_compact - appends v to b as json_dumps(v, JSON_COMPACT |
 * JSON_REAL_PRECISION(precision)) writes it, byte for byte (members in
 * their order, reals with "%.<precision>g" and a ".0" when that looks like
 * an integer, the same escapes), without its allocations; an import
 * writes every record with it. CMN_ERR_INVALID for a tree deeper than
 * CMN_JSON_MAX_DEPTH. */
enum cmn_rc json_text_compact(struct buf *b, const json_t *v, int precision);

/* json_text_dumps - json_dumps(v, flags), byte for byte, for the flags
 * commune uses (JSON_COMPACT, JSON_INDENT, JSON_SORT_KEYS,
 * JSON_ENSURE_ASCII, JSON_ENCODE_ANY, JSON_REAL_PRECISION), or NULL when
 * memory runs out or v is nested deeper than json_parse reads
 * (JSON_PARSE_MAX_DEPTH) (malloc'd).
 * json_dumps itself may go on after one of its allocations failed and
 * write a text without a key (jansson 2.14 drops the result of writing
 * one): a record stored so would be changed, or unreadable. */
char *json_text_dumps(const json_t *v, size_t flags);

#endif
