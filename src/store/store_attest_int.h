/*
 * store_attest_int.h - the functions of store_attest.h a backend provides
 * (docs/postgres.md, "Porting a module"), and what both write alike in
 * the audit chain. Only src/store/ includes this file.
 */
#ifndef COMMUNE_STORE_STORE_ATTEST_INT_H
#define COMMUNE_STORE_STORE_ATTEST_INT_H

#include "store/store_attest.h"
#include "store/store_person_int.h"

/* each member has the meaning of pstore_<name> (store_<name> for those
 * taking the platform store) */
struct store_attest_ops {
	enum cmn_rc (*attestation_put)(struct pstore *ps, const struct attestation_row *a,
				       const char *actor);
	enum cmn_rc (*attestation_get)(struct pstore *ps, const char *id, struct attestation_row *a,
				       char **token);
	enum cmn_rc (*attestation_each)(struct pstore *ps,
					enum cmn_rc (*fn)(const struct attestation_row *a,
							  void *ctx),
					void *ctx);
	enum cmn_rc (*attestation_revoke)(struct pstore *ps, const char *id, const char *actor);
	enum cmn_rc (*status_alloc)(struct store *s, const char *person_id,
				    const char *attestation_id, int64_t *idx);
	enum cmn_rc (*status_revoke)(struct store *s, int64_t idx);
	enum cmn_rc (*status_revoke_person)(struct store *s, const char *person_id);
	enum cmn_rc (*status_bits)(struct store *s, size_t min, unsigned char **bits, size_t *n);
};

extern const struct store_attest_ops store_sqlite_attest_ops;
extern const struct store_attest_ops store_pg_attest_ops;

#define ATTEST_OBJECT_LEN 64  /* "attestation/ID" and its NUL */
#define ATTEST_DETAIL_LEN 200 /* {"rule":...,"version":...} and its NUL */

/* attest_object - the audit object of an attestation: "attestation/ID" */
void attest_object(char out[ATTEST_OBJECT_LEN], const char *id);

/* attest_issue_detail - the audit detail of an issue: its rule and the
 * rule's version */
void attest_issue_detail(char out[ATTEST_DETAIL_LEN], const struct attestation_row *a);

#endif
