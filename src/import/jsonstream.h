/*
 * jsonstream.h - reading a large JSON document a piece at a time.
 *
 * A Takeout Records.json, a Timeline.json or a GeoJSON collection may be
 * gigabytes, nearly all of it one array. A small scanner walks the outer
 * object (or the outer array) and follows the shape of what it skips
 * (strings, nesting, a depth cap); only the pieces a format asks for are
 * parsed by jansson, one at a time. Memory is a read buffer and the largest
 * piece, whatever the size of the file. Every piece knows its line and
 * column, and an error inside it is reported there.
 */
#ifndef COMMUNE_IMPORT_JSONSTREAM_H
#define COMMUNE_IMPORT_JSONSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "import/import.h"

#define JSTREAM_KEY_MAX  63  /* bytes of a member name kept */
#define JSTREAM_PATH_MAX 127 /* bytes of a member's path ("meter_reading/interval_reading") */

/* what a format wants of an outer member */
enum jstream_want {
	JSTREAM_SKIP,     /* not read (its shape is still checked) */
	JSTREAM_VALUE,    /* parsed whole: one piece */
	JSTREAM_ELEMENTS, /* an array: each element is a piece */
	JSTREAM_DESCEND,  /* an object: its members are asked for in turn, as
			   * "this/member" (names escaped as in a JSON pointer); an
			   * array of objects: each one's, as "this/INDEX/member" */
};

struct jstream_piece {
	const char *key;     /* the member's path ("a/b"); "" in an outer array */
	size_t index;        /* of the element, for JSTREAM_ELEMENTS and outer arrays */
	bool element;        /* an element of an array (else a member's value) */
	size_t line, column; /* where the piece begins, 1-based */
	json_t *value;       /* parsed, borrowed for the call */
};

struct jstream_ops {
	/* want - what to do with the member at path ("name" in the outer
	 * object, "name/member" in a member it descends into); NULL: the
	 * document must be an array (outer_array) */
	enum jstream_want (*want)(void *ctx, const char *key);
	/* piece - a value or an element that was asked for */
	enum cmn_rc (*piece)(void *ctx, const struct jstream_piece *p);
	size_t piece_max;  /* bytes of one piece */
	size_t depth_max;  /* nested arrays and objects, counted from the outer level */
	bool outer_array;  /* the document may be an array: each element is a piece */
	const char *shape; /* what the document should be, for errors ("a JSON object") */
};

/*
 * jstream_run - reads f (after an optional UTF-8 BOM) to its end. A
 * refused piece stops the walk with its error; when that error names no
 * line, the piece's line and column are given to it. An empty file, bytes
 * after the document, a NUL byte, an unterminated string, a piece larger
 * than piece_max and nesting deeper than depth_max are errors with a line
 * and a column.
 */
enum cmn_rc jstream_run(struct import_job *j, FILE *f, const struct jstream_ops *ops, void *ctx);

/* jstream_run_from - the same for a document that begins on line
 * first_line of the file (after lines a format read itself). */
enum cmn_rc jstream_run_from(struct import_job *j, FILE *f, size_t first_line,
			     const struct jstream_ops *ops, void *ctx);

#endif
