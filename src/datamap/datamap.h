/*
 * datamap.h - the territory's data map and the persons' portability
 * requests (issue 11, docs/datamap.md).
 *
 * The data map (the "datablitz" catalogue) lists the holders of personal
 * data on the territory: which data each holds (doctypes of the registry),
 * how a person gets it (a download page, an API, a GDPR request to its
 * data protection officer), and which services use it. The operator loads
 * it from a JSON file (catalogue.c); anyone may read it.
 *
 * From the catalogue a person drafts a request of access (GDPR art. 15) or
 * of portability (art. 20) to a holder: the letter, in French, is written
 * here (letter.c) and kept with the request. The person sends it
 * themselves, then records when: the deadline is one calendar month later
 * (art. 12(3)), in Europe/Paris. portability_remind() fires once for each
 * request whose deadline passed unanswered, into the person's audit chain
 * (their timeline). The answer file is imported by the importers, and that
 * import answers the request (portability.c). The city sees counts per
 * holder, never who.
 */
#ifndef COMMUNE_DATAMAP_DATAMAP_H
#define COMMUNE_DATAMAP_DATAMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record/doctype.h"
#include "store/store.h"
#include "store/store_datamap.h"

struct import_job;

#define DATAMAP_FILE_MAX (1024 * 1024)   /* bytes of a catalogue file */
#define DATAMAP_HOLDERS_MAX 200          /* holders in a catalogue */
#define DATAMAP_LIST_MAX 32              /* data, access ways or services of a holder */
#define DATAMAP_TEXT_MAX 2000            /* bytes of a description or an address */
#define DATAMAP_URL_MAX 500              /* bytes of a URL */
#define PORTABILITY_REMIND_BATCH 100     /* late requests reminded per call, at most */
#define PORTABILITY_LETTER_MAX 16000     /* bytes of a letter */
#define PORTABILITY_ZONE "Europe/Paris"  /* where a month is counted */

/* ---- the catalogue (catalogue.c) --------------------------------------------------- */

/* datamap_check - parses and checks a catalogue (n bytes of JSON): the
 * shape of every member, doctypes known to reg, OAuth clients known to s
 * (s may be NULL: not checked), apps shipped with commune. *canon (may be
 * NULL) receives the catalogue in canonical form (a new reference).
 * CMN_ERR_INVALID with err "POINTER: why" at the first fault. */
enum cmn_rc datamap_check(struct store *s, const struct registry *reg, const char *json,
			  size_t n, json_t **canon, char *err, size_t errn);

/* datamap_load - datamap_check, then the catalogue replaces the one in the
 * store (one transaction); *count (may be NULL) gets its holders. */
enum cmn_rc datamap_load(struct store *s, const struct registry *reg, const char *json,
			 size_t n, int64_t now, size_t *count, char *err, size_t errn);

/* datamap_holder_json - a holder as served: its catalogue entry with, under
 * "data", each doctype's French and English titles, and under "services"
 * those it names plus the apps shipped with commune that read one of its
 * doctypes ({"kind": "app", "app", "name", "derived": true}). New
 * reference, NULL on a memory failure. */
json_t *datamap_holder_json(const struct registry *reg, const char *body);

/* datamap_doctype_title - the French (or English, with en) title of a
 * doctype of reg, or its name when it has none. */
const char *datamap_doctype_title(const struct registry *reg, const char *doctype, bool en);

/* ---- the letter (letter.c) -------------------------------------------------------- */

struct portability_letter {
	const char *kind;               /* "access" or "portability" */
	const char *person;             /* the person's name or handle */
	const json_t *holder;           /* the holder's catalogue entry */
	const json_t *doctypes;         /* the doctypes asked (array of names) */
	int64_t date;                   /* the letter's date (ms) */
};

/* portability_letter_text - the letter in French (malloc'd) into *out:
 * the holder's DPO address, the person, the object, the legal references
 * (RGPD art. 12, 15, and 20 for portability), the data asked in plain
 * words (the registry's titles), the format asked (structured, commonly
 * used, machine-readable) and the deadline rule (one month, art. 12(3),
 * extendable by two months with notice). */
enum cmn_rc portability_letter_text(const struct registry *reg,
				    const struct portability_letter *l, char **out);

/* ---- requests (portability.c) ------------------------------------------------------ */

/* portability_create - person drafts a request of kind ("access" or
 * "portability") to holder_id for doctypes (an array of names, each held
 * by the holder; NULL or empty: every doctype the holder holds), its letter
 * written at now; "portability.create" in the person's chain by actor.
 * CMN_ERR_NOT_FOUND for a holder not in the catalogue, CMN_ERR_INVALID
 * (err: a pointer of the request and why) for a doctype it does not hold
 * or another kind. out is released by the caller. */
enum cmn_rc portability_create(struct store *s, const struct registry *reg,
			       const struct person *person, const char *actor,
			       const char *holder_id, const char *kind, const json_t *doctypes,
			       int64_t now, struct port_request *out, char *err, size_t errn);

/* portability_deadline - the deadline of a request sent at sent (ms): the
 * same local time one calendar month later in Europe/Paris, on the month's
 * last day when it has no such day (31 January -> 28 or 29 February). */
int64_t portability_deadline(int64_t sent);

/* portability_sent - the person sent the request at `at`: its deadline is
 * set, "portability.sent" in their chain. CMN_ERR_NOT_FOUND when it is not
 * theirs, CMN_ERR_CONFLICT when it was sent already. Once the step is
 * committed the result is CMN_OK and out the request read back, or zeroed
 * (empty id) when it could not be read. */
enum cmn_rc portability_sent(struct store *s, const char *person_id, const char *actor,
			     const char *id, int64_t at, struct port_request *out);

/* portability_remind - the requests whose deadline is before now,
 * unanswered and not reminded: each is marked reminded and
 * "portability.reminder" is appended to its person's chain (by
 * "system:portability"). *fired (may be NULL) counts them. At most
 * PORTABILITY_REMIND_BATCH a call. */
enum cmn_rc portability_remind(struct store *s, int64_t now, size_t *fired);

/* portability_answer_import - the import import_id, already made in the
 * person's store, is the holder's answer: the request becomes answered with
 * the import's counts; "portability.answer" in the chain. CMN_ERR_NOT_FOUND
 * for a request or an import that is not the person's, CMN_ERR_CONFLICT
 * for a request not sent (or answered), CMN_ERR_INVALID for an import that
 * failed. out as portability_sent leaves it. */
enum cmn_rc portability_answer_import(struct store *s, const char *person_id,
				      const char *actor, const char *id, const char *import_id,
				      int64_t now, struct port_request *out);

/* portability_answer_file - imports the file at path (name: its file name;
 * format NULL: detected) into the person's store with import_file(), then
 * answers the request with it. On an import error, job->err says where
 * (the caller releases job). */
enum cmn_rc portability_answer_file(struct store *s, const struct registry *reg,
				    const char *person_id, const char *actor, const char *id,
				    const char *path, const char *name, const char *format,
				    int64_t now, struct import_job *job, struct port_request *out);

/* portability_request_json - a request as the person sees it (new
 * reference). */
json_t *portability_request_json(const struct port_request *r);

/* portability_stats_json - {"at", "holders": [{"holder", "name", counts...}]}
 * of every holder of the catalogue and any other a request names: counts
 * only, never who (new reference, NULL on failure). */
json_t *portability_stats_json(struct store *s, int64_t now);

/* the thread of `commune serve` that calls portability_remind */
struct portability_reminder;

/* portability_reminder_start - a thread calling portability_remind(now)
 * every period_ms (0: every minute). */
enum cmn_rc portability_reminder_start(struct store *s, unsigned period_ms,
				       struct portability_reminder **out);

/* portability_reminder_stop - stops and joins it; *r is set to NULL. */
void portability_reminder_stop(struct portability_reminder **r);

#endif
