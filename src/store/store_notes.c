/*
 * store_notes.c - notes on a person's shares (store.h) on either backend:
 * what their audit entries say, which both write alike, and the calls to
 * the backend's functions.
 */
#include "store/store_notes_int.h"

#include <stdio.h>
#include <string.h>

static const struct store_notes_ops *ops(const struct pstore *ps)
{
	return pstore_is_sqlite(ps) ? &store_sqlite_notes_ops : &store_pg_notes_ops;
}

void note_object(char out[NOTE_OBJECT_LEN], const char *grant_id, const char *note_id)
{
	snprintf(out, NOTE_OBJECT_LEN, "share/%.32s/note/%.36s", grant_id, note_id);
}

void note_detail(char out[NOTE_DETAIL_LEN], const char *text)
{
	/* the chain says who wrote on which share, and how much: not what */
	snprintf(out, NOTE_DETAIL_LEN, "{\"bytes\":%zu}", strlen(text));
}

enum cmn_rc pstore_note_add(struct pstore *ps, struct note *n, const char *actor)
{
	return ops(ps)->note_add(ps, n, actor);
}

enum cmn_rc pstore_note_delete(struct pstore *ps, const char *grant_id, const char *note_id,
			       const char *author, const char *actor)
{
	return ops(ps)->note_delete(ps, grant_id, note_id, author, actor);
}

enum cmn_rc pstore_notes_each(struct pstore *ps, const char *grant_id,
			      enum cmn_rc (*fn)(const struct note *n, void *ctx), void *ctx)
{
	return ops(ps)->notes_each(ps, grant_id, fn, ctx);
}
