/*
 * store_notes_int.h - the notes' functions of store.h a backend provides
 * (docs/postgres.md, "Porting a module"), and what both backends write
 * alike in the audit chain. Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_NOTES_INT_H
#define COMMUNE_STORE_STORE_NOTES_INT_H

#include <stddef.h>

#include "store/store_person_int.h"

/* each member has the meaning of pstore_<name> */
struct store_notes_ops {
	enum cmn_rc (*note_add)(struct pstore *ps, struct note *n, const char *actor);
	enum cmn_rc (*note_delete)(struct pstore *ps, const char *grant_id, const char *note_id,
				   const char *author, const char *actor);
	enum cmn_rc (*notes_each)(struct pstore *ps, const char *grant_id,
				  enum cmn_rc (*fn)(const struct note *n, void *ctx), void *ctx);
};

extern const struct store_notes_ops store_sqlite_notes_ops;
extern const struct store_notes_ops store_pg_notes_ops;

#define NOTE_OBJECT_LEN 96 /* "share/GRANT/note/ID" and its NUL */
#define NOTE_DETAIL_LEN 48 /* {"bytes":N} and its NUL */

/* note_object - the audit object of a note: "share/GRANT/note/ID" */
void note_object(char out[NOTE_OBJECT_LEN], const char *grant_id, const char *note_id);

/* note_detail - the audit detail of a note's creation: how much was
 * written, never what */
void note_detail(char out[NOTE_DETAIL_LEN], const char *text);

#endif
