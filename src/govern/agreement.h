/*
 * agreement.h - data-sharing agreements (issue 11, docs/governance.md): an
 * organisation asks a governance body for some of its members' records
 * (which doctypes, which fields, over which period, from when until when,
 * for what purpose); the body votes on it like on a campaign; approved, it
 * lets the organisation's agents read those fields of the present members'
 * records under per-agreement pseudonyms, until it ends. A draft, rejected,
 * ended or expired agreement serves nothing: agreement_may_run is checked
 * on every read, and every read is written to each member's audit chain.
 */
#ifndef COMMUNE_GOVERN_AGREEMENT_H
#define COMMUNE_GOVERN_AGREEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"
#include "store/store_govern.h"

#define AGREEMENT_DOCTYPES_MAX 8            /* doctypes in one agreement */
#define AGREEMENT_FIELDS_MAX 16             /* fields of one doctype */
#define AGREEMENT_TERMS_MAX (16 * 1024)     /* bytes of the terms' JSON */
#define AGREEMENT_SPAN_MAX (3LL * 366 * 86400000) /* from starts to ends, at most */
#define AGREEMENT_PERIOD_MAX (10LL * 366 * 86400000) /* of the data, at most */
#define AGREEMENT_PAGE_DEFAULT 1000         /* records in a page of a read */
#define AGREEMENT_PAGE_MAX 10000
#define AGREEMENT_PSEUDONYM_LEN 33          /* 32 hex digits and a NUL */

/* the terms of an agreement, as parsed (strings point into root) */
struct agreement_terms {
	json_t *root;                       /* the canonical terms */
	struct {
		const char *doctype;
		const char *fields[AGREEMENT_FIELDS_MAX];
		size_t nfields;
	} dt[AGREEMENT_DOCTYPES_MAX];
	size_t ndt;
	int64_t from, to;                   /* the data's period, [from, to) */
	int64_t starts;                     /* 0: from its approval */
	int64_t ends;
};

/* agreement_terms_parse - checks the terms at json whole: title and
 * purpose {"fr", "en"}, doctypes [{"doctype", "fields": [...]}] of record
 * doctypes with a time field and fields they have, the data's period
 * "from"/"to", "starts" (optional) and "ends" (RFC 3339). On
 * CMN_ERR_INVALID err names the JSON pointer at fault and why. */
enum cmn_rc agreement_terms_parse(const struct registry *r, const char *json, size_t n,
				  struct agreement_terms *t, char *err, size_t errn);

void agreement_terms_release(struct agreement_terms *t);

/* agreement_create - a draft agreement of org_id with body_id on the terms
 * at json; its canonical terms are kept. CMN_ERR_INVALID (err says why)
 * for bad terms or an ends already past, CMN_ERR_NOT_FOUND for no such
 * body. */
enum cmn_rc agreement_create(struct store *s, const struct registry *r, const char *org_id,
			     const char *body_id, const char *json, size_t n, int64_t now,
			     struct gov_agreement *out, char *err, size_t errn);

/* agreement_may_run - CMN_OK when a may serve data at now: approved by its
 * body, started and not ended; else CMN_ERR_FORBIDDEN and why says what
 * stops it. */
enum cmn_rc agreement_may_run(const struct gov_agreement *a, int64_t now, char *why,
			      size_t whyn);

/* agreement_end - the agreement ends before its time, by "organisation"
 * or "operator" (who, in the register's "agreement.end": a role, never a
 * person). CMN_ERR_CONFLICT when rejected or ended already. */
enum cmn_rc agreement_end(struct store *s, const struct keyring *k, const char *id, int64_t now,
			  const char *by);

/* agreement_pseudonym - how agreement_id names person_id to its
 * organisation: 32 hex digits of a keyed BLAKE2b, the key derived from the
 * master key and the agreement, so that the same person has unrelated
 * names in two agreements and nobody without the key can compute them. */
void agreement_pseudonym(const struct keyring *k, const char *agreement_id,
			 const char *person_id, char out[AGREEMENT_PSEUDONYM_LEN]);

/* a page of an agreement's read */
struct agreement_page {
	size_t records;                     /* records written */
	size_t members;                     /* members whose records are in the page */
	char *next;                         /* the cursor of the next page, NULL at the end
					     * (malloc'd) */
};

/* agreement_read - the agreement's fields of doctype in the present
 * members' records of its period, written to out as the JSON array
 * members [{"member", "time", "data"}...] ordered by pseudonym then time,
 * at most limit of them after cursor (NULL: from the start). Refused
 * (CMN_ERR_FORBIDDEN, why) unless agreement_may_run; CMN_ERR_INVALID (why)
 * for a doctype outside the agreement or a bad cursor. Each member read
 * gets "agreement.read" in their audit chain, by actor. */
enum cmn_rc agreement_read(struct store *s, const struct keyring *k, const struct registry *r,
			   const char *agreement_id, const char *doctype, const char *cursor,
			   size_t limit, int64_t now, const char *actor, struct buf *out,
			   struct agreement_page *page, char *why, size_t whyn);

#endif
