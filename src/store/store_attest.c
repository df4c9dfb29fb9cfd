/*
 * store_attest.c - store_attest.h on either backend: the calls to the
 * backend's functions, and the audit entries both write alike.
 */
#include "store/store_attest_int.h"

#include <stdio.h>

static const struct store_attest_ops *ops(const struct store *s)
{
	return store_is_sqlite(s) ? &store_sqlite_attest_ops : &store_pg_attest_ops;
}

static const struct store_attest_ops *pops(const struct pstore *ps)
{
	return ops(pstore_head(ps)->s);
}

void attest_object(char out[ATTEST_OBJECT_LEN], const char *id)
{
	snprintf(out, ATTEST_OBJECT_LEN, "attestation/%s", id);
}

void attest_issue_detail(char out[ATTEST_DETAIL_LEN], const struct attestation_row *a)
{
	snprintf(out, ATTEST_DETAIL_LEN, "{\"rule\":\"%s\",\"version\":\"%s\"}", a->rule,
		 a->version);
}

enum cmn_rc pstore_attestation_put(struct pstore *ps, const struct attestation_row *a,
				   const char *actor)
{
	return pops(ps)->attestation_put(ps, a, actor);
}

enum cmn_rc pstore_attestation_get(struct pstore *ps, const char *id, struct attestation_row *a,
				   char **token)
{
	return pops(ps)->attestation_get(ps, id, a, token);
}

enum cmn_rc pstore_attestation_each(struct pstore *ps,
				    enum cmn_rc (*fn)(const struct attestation_row *a, void *ctx),
				    void *ctx)
{
	return pops(ps)->attestation_each(ps, fn, ctx);
}

enum cmn_rc pstore_attestation_revoke(struct pstore *ps, const char *id, const char *actor)
{
	return pops(ps)->attestation_revoke(ps, id, actor);
}

enum cmn_rc store_status_alloc(struct store *s, const char *person_id, const char *attestation_id,
			       int64_t *idx)
{
	return ops(s)->status_alloc(s, person_id, attestation_id, idx);
}

enum cmn_rc store_status_revoke(struct store *s, int64_t idx)
{
	return ops(s)->status_revoke(s, idx);
}

enum cmn_rc store_status_revoke_person(struct store *s, const char *person_id)
{
	return ops(s)->status_revoke_person(s, person_id);
}

enum cmn_rc store_status_bits(struct store *s, size_t min, unsigned char **bits, size_t *n)
{
	return ops(s)->status_bits(s, min, bits, n);
}
