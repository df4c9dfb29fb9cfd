/*
 * grant.h - consent records ("grants"): which of a person's data a
 * grantee (a service, an organisation, another person) may use, for what
 * purpose, on which legal basis, until when; and the check that every
 * request made under a grant passes.
 *
 * A grant is kept as JSON, shaped after ISO/IEC TS 27560 and W3C DPV
 * (docs/consent.md), and read into a struct grant for the checks. The
 * check is pure: no store, no allocation, a few comparisons; the caller
 * loads the grant on every request, so a withdrawal stops the next one.
 */
#ifndef COMMUNE_CONSENT_GRANT_H
#define COMMUNE_CONSENT_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/limits.h"
#include "core/result.h"
#include "crypto/crypt.h"

#define GRANT_MAX_DOCTYPES 16
#define GRANT_MAX_FIELDS 32
#define GRANT_FIELD_MAX 64
#define GRANT_TEXT_MAX 1000               /* a purpose's plain words, per language */
#define GRANT_MAX_RECORDS 64              /* chosen records (files are records) */
#define GRANT_MAX_SERIES 16               /* chosen series */

/* what a grantee may do with the data in scope */
enum grant_op {
	GRANT_OP_READ = 1 << 0,           /* read records, series and files */
	GRANT_OP_AGGREGATE = 1 << 1,      /* take part in aggregates only */
	GRANT_OP_COMPUTE = 1 << 2,        /* run computations in the store only */
};

/* what a mediator may do for a person under a mandate */
enum grant_procedure {
	GRANT_PROC_IMPORT = 1 << 0,       /* import the person's files (POST /imports) */
	GRANT_PROC_ATTEST = 1 << 1,       /* apply for a right: simulate, get and present
					   * attestations (a reduced fare, an aid) */
};

/* grant_procedure_parse - "import" -> GRANT_PROC_IMPORT, "attest" ->
 * GRANT_PROC_ATTEST. */
bool grant_procedure_parse(const char *name, enum grant_procedure *out);

/* the status history of a grant, ISO/IEC TS 27560's states */
enum grant_status {
	GRANT_REQUESTED,
	GRANT_GIVEN,
	GRANT_REFUSED,
	GRANT_WITHDRAWN,
	GRANT_EXPIRED,                    /* computed from valid_until, never stored */
};

/* why a request under a grant is refused */
enum grant_deny {
	GRANT_ALLOWED,
	GRANT_DENY_STATUS,                /* requested, refused or withdrawn */
	GRANT_DENY_NOT_YET,               /* before valid_from */
	GRANT_DENY_EXPIRED,               /* at or after valid_until */
	GRANT_DENY_DOCTYPE,               /* a doctype outside the scope */
	GRANT_DENY_OPERATION,             /* an operation the grant does not give */
	GRANT_DENY_FIELD,                 /* a field outside the scope */
	GRANT_DENY_PERIOD,                /* data outside the scope's time range */
	GRANT_DENY_BLOCKED,               /* the service is blocked */
	GRANT_DENY_ITEM,                  /* a record or series the grant does not name */
};

/* a record chosen by the person: its doctype (an index into doctypes) and id */
struct grant_record {
	unsigned char doctype;
	char id[CRYPT_UUID_LEN];
};

struct grant {
	char id[CRYPT_ID_LEN];
	char person_id[CRYPT_ID_LEN];     /* whose data */
	char grantee_kind[16];            /* "service", "org", "person" or "link" (a share) */
	char grantee_id[CRYPT_ID_LEN];    /* client, organisation or person id */
	char purpose[48];                 /* the DPV purpose, e.g. "ServiceProvision" */
	enum grant_status status;         /* as stored (never GRANT_EXPIRED) */
	int64_t valid_from, valid_until;  /* ms; valid_until INT64_MAX when open */
	int64_t data_from, data_to;       /* the data's times [from, to); INT64_MIN/MAX when open */
	unsigned ops;                     /* enum grant_op bits */
	bool share;                       /* made as a share (api_shares.c) */
	bool mandate;                     /* a mandate (api_mandates.c): procedures rule */
	bool campaign;                    /* joining a campaign (src/campaign/): used by its
					   * computation only, never to read through the API */
	unsigned procedures;              /* enum grant_procedure bits of a mandate */
	bool passcode;                    /* a share opened with a passcode */
	int64_t views;                    /* views a share allows; 0: no limit */
	size_t ndoctypes;
	size_t nfields;                   /* 0: every field of the doctypes */
	char doctypes[GRANT_MAX_DOCTYPES][CMN_DOCTYPE_NAME_MAX + 1];
	char fields[GRANT_MAX_FIELDS][GRANT_FIELD_MAX + 1];
	bool chosen;                      /* the scope names records and series: only those */
	size_t nrecords, nseries;
	struct grant_record records[GRANT_MAX_RECORDS];
	char series[GRANT_MAX_SERIES][CRYPT_ID_LEN];
};

/* grant_terms_check - checks the terms a grant is asked with (the body of
 * POST /api/v1/consents or what a service asks for: grantee, purpose,
 * legal_basis, scope, valid_from, valid_until) and writes the first fault
 * into err (a JSON pointer then a message, e.g. "/scope/operations: ...").
 * Doctypes are not checked against the registry here. */
enum cmn_rc grant_terms_check(const json_t *terms, char *err, size_t n);

/* grant_read - fills g from a stored grant (its JSON with "id", "person",
 * "grantee", "scope", "valid_from", "valid_until" and "status"). */
enum cmn_rc grant_read(const json_t *stored, struct grant *g);

/* grant_check - whether a request for doctype with op may go on under g at
 * now (ms). Field and period checks are separate (below). */
enum grant_deny grant_check(const struct grant *g, int64_t now, const char *doctype, unsigned op);

/* grant_field_allowed - whether field is in the scope (always when the
 * grant names no fields). */
bool grant_field_allowed(const struct grant *g, const char *field);

/* grant_time_allowed - whether data at t (ms; INT64_MIN for data without a
 * time) is in the scope's time range. Data without a time is in scope only
 * when the grant has no time range. */
bool grant_time_allowed(const struct grant *g, int64_t t);

/* grant_record_allowed, grant_series_allowed - whether a record (of
 * doctype) or a series is in the scope: always when the grant chose none,
 * else only when it names it. */
bool grant_record_allowed(const struct grant *g, const char *doctype, const char *id);
bool grant_series_allowed(const struct grant *g, const char *id);

/* grant_project - removes from a record's data (an object) every member
 * that is not in the scope's fields. */
void grant_project(const struct grant *g, json_t *data);

/* grant_status_name, grant_status_parse - "requested", "given", ... */
const char *grant_status_name(enum grant_status s);
bool grant_status_parse(const char *name, enum grant_status *out);

/* grant_effective_status - the status at now: GRANT_EXPIRED for a given
 * grant past its valid_until. */
enum grant_status grant_effective_status(const struct grant *g, int64_t now);

/* grant_deny_text - the reason of a refusal, in plain English words. */
const char *grant_deny_text(enum grant_deny d);

/* grant_op_name, grant_op_parse - "read", "aggregate-only", "compute-only" */
const char *grant_op_name(enum grant_op op);
bool grant_op_parse(const char *name, enum grant_op *out);

/* grant_purpose_known - whether dpv is one of the DPV purposes commune
 * offers ("ServiceProvision", ...; docs/consent.md lists them). */
bool grant_purpose_known(const char *dpv);

/* grant_legal_basis_dpv - the DPV / DPV-GDPR concept of a legal basis
 * ("consent" -> "dpv-gdpr:A6-1-a"), or NULL when unknown. */
const char *grant_legal_basis_dpv(const char *basis);

#endif
