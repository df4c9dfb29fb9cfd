/*
 * store_datamap.c - store_datamap.h on either backend: what does not
 * touch the database, and the calls to the backend's functions.
 */
#include "store/store_datamap_int.h"

#include <stdlib.h>

static const struct store_datamap_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_datamap_ops : &store_pg_datamap_ops;
}

static const char *const port_states[PORT_STATE_COUNT] = {"draft", "sent", "answered"};

const char *port_state_name(enum port_state s)
{
	return (unsigned)s < PORT_STATE_COUNT ? port_states[s] : "?";
}

void port_request_release(struct port_request *r)
{
	free(r->doctypes);
	free(r->letter);
	free(r->answer);
	r->doctypes = r->letter = r->answer = NULL;
}

enum cmn_rc store_datamap_replace(struct store *s, const struct datamap_holder *holders, size_t n,
				  int64_t now)
{
	return ops(s)->replace(s, holders, n, now);
}

enum cmn_rc store_datamap_each(struct store *s,
			       enum cmn_rc (*fn)(const struct datamap_holder *h, void *ctx),
			       void *ctx)
{
	return ops(s)->each(s, fn, ctx);
}

enum cmn_rc store_datamap_get(struct store *s, const char *id, char **body)
{
	return ops(s)->get(s, id, body);
}

enum cmn_rc store_datamap_loaded(struct store *s, int64_t *at)
{
	return ops(s)->loaded(s, at);
}

enum cmn_rc store_person_org_kind(struct store *s, const char *person_id, char *out)
{
	return ops(s)->person_org_kind(s, person_id, out);
}

enum cmn_rc store_port_add(struct store *s, struct port_request *r)
{
	return ops(s)->port_add(s, r);
}

enum cmn_rc store_port_get(struct store *s, const char *id, struct port_request *r)
{
	return ops(s)->port_get(s, id, r);
}

enum cmn_rc store_port_each(struct store *s, const char *person_id,
			    enum cmn_rc (*fn)(const struct port_request *r, void *ctx), void *ctx)
{
	return ops(s)->port_each(s, person_id, fn, ctx);
}

enum cmn_rc store_port_sent(struct store *s, const char *id, const char *person_id, int64_t at,
			    int64_t deadline)
{
	return ops(s)->port_sent(s, id, person_id, at, deadline);
}

enum cmn_rc store_port_late(struct store *s, int64_t now, char (*ids)[CRYPT_ID_LEN], size_t max,
			    size_t *n)
{
	return ops(s)->port_late(s, now, ids, max, n);
}

enum cmn_rc store_port_mark_reminded(struct store *s, const char *id, int64_t now)
{
	return ops(s)->port_mark_reminded(s, id, now);
}

enum cmn_rc store_port_answered(struct store *s, const char *id, const char *person_id,
				const char *import_id, const char *counts, int64_t at)
{
	return ops(s)->port_answered(s, id, person_id, import_id, counts, at);
}

enum cmn_rc store_port_stats(struct store *s, int64_t now,
			     enum cmn_rc (*fn)(const struct port_counts *c, void *ctx), void *ctx)
{
	return ops(s)->port_stats(s, now, fn, ctx);
}
