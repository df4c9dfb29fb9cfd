/*
 * store_datamap.h - what the platform store keeps of the territory's data
 * map (issue 11, docs/datamap.md): the catalogue of data holders, as the
 * operator last loaded it, and the persons' portability requests (GDPR
 * art. 15 and 20) to those holders, with their life: drafted, sent (and its
 * deadline), reminded once late, answered (the import that brought the
 * answer in).
 */
#ifndef COMMUNE_STORE_STORE_DATAMAP_H
#define COMMUNE_STORE_STORE_DATAMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define DATAMAP_HOLDER_ID_MAX 40        /* bytes of a holder's id in the catalogue */
#define DATAMAP_NAME_MAX 120            /* bytes of a holder's name */

/* a holder of the catalogue */
struct datamap_holder {
	char id[DATAMAP_HOLDER_ID_MAX + 1];
	char name[DATAMAP_NAME_MAX + 1];
	const char *body;               /* the holder's canonical JSON (not owned) */
};

/* store_datamap_replace - the catalogue becomes holders[0..n) (in that
 * order), in one transaction; the holders of the previous one go. */
enum cmn_rc store_datamap_replace(struct store *s, const struct datamap_holder *holders,
				  size_t n, int64_t now);

/* store_datamap_each - every holder, in the catalogue's order; body is
 * valid during the call. */
enum cmn_rc store_datamap_each(struct store *s,
			       enum cmn_rc (*fn)(const struct datamap_holder *h, void *ctx),
			       void *ctx);

/* store_datamap_get - one holder's canonical JSON into *body (malloc'd);
 * CMN_ERR_NOT_FOUND when the catalogue has no such holder. */
enum cmn_rc store_datamap_get(struct store *s, const char *id, char **body);

/* store_datamap_loaded - when the catalogue was loaded (0: never). */
enum cmn_rc store_datamap_loaded(struct store *s, int64_t *at);

/* store_person_org_kind - the kind of the organisation of a person ("city",
 * "holder"...; "" when none); out has ROLE_MAX bytes. */
enum cmn_rc store_person_org_kind(struct store *s, const char *person_id, char *out);

/* the life of a portability request */
enum port_state {
	PORT_DRAFT = 0,                 /* the letter is written, not sent yet */
	PORT_SENT = 1,                  /* sent by the person: the deadline runs */
	PORT_ANSWERED = 2,              /* the holder's answer was imported */
	PORT_STATE_COUNT
};

const char *port_state_name(enum port_state s);

struct port_request {
	char id[CRYPT_ID_LEN];
	char person_id[CRYPT_ID_LEN];
	char holder_id[DATAMAP_HOLDER_ID_MAX + 1];
	char kind[16];                  /* "access" (art. 15) or "portability" (art. 20) */
	enum port_state state;
	int64_t created;
	int64_t sent, deadline;         /* ms; 0 while a draft */
	int64_t reminded;               /* when the late reminder fired; 0: not yet */
	int64_t answered;               /* ms; 0 until answered */
	char import_id[CRYPT_ID_LEN];   /* the import of the answer, "" before */
	char *doctypes;                 /* JSON array of the doctypes asked (malloc'd) */
	char *letter;                   /* the letter's text, French (malloc'd) */
	char *answer;                   /* the import's counts, JSON, NULL before (malloc'd) */
};

void port_request_release(struct port_request *r);

/* store_port_add - a new draft; r->id is made, r->state set to DRAFT. */
enum cmn_rc store_port_add(struct store *s, struct port_request *r);

/* store_port_get - a request by id (release it); CMN_ERR_NOT_FOUND. */
enum cmn_rc store_port_get(struct store *s, const char *id, struct port_request *r);

/* store_port_each - the requests of person_id, newest first. */
enum cmn_rc store_port_each(struct store *s, const char *person_id,
			    enum cmn_rc (*fn)(const struct port_request *r, void *ctx), void *ctx);

/* store_port_sent - DRAFT -> SENT at `at` with its deadline;
 * CMN_ERR_CONFLICT when the request is not a draft (or not person_id's). */
enum cmn_rc store_port_sent(struct store *s, const char *id, const char *person_id, int64_t at,
			    int64_t deadline);

/* store_port_late - the ids of at most max requests sent, unanswered,
 * whose deadline is before now and that were not reminded yet, oldest
 * deadline first, into ids (max x CRYPT_ID_LEN); their number in *n. */
enum cmn_rc store_port_late(struct store *s, int64_t now, char (*ids)[CRYPT_ID_LEN], size_t max,
			    size_t *n);

/* store_port_mark_reminded - marks a late request reminded at now;
 * CMN_ERR_CONFLICT when it was reminded already (or answered). */
enum cmn_rc store_port_mark_reminded(struct store *s, const char *id, int64_t now);

/* store_port_answered - SENT -> ANSWERED by the import import_id with its
 * counts (JSON); CMN_ERR_CONFLICT when the request is not sent (or not
 * person_id's). */
enum cmn_rc store_port_answered(struct store *s, const char *id, const char *person_id,
				const char *import_id, const char *counts, int64_t at);

/* the counts of one holder's requests (stats never name a person) */
struct port_counts {
	char holder_id[DATAMAP_HOLDER_ID_MAX + 1];
	int64_t requests;               /* every request made */
	int64_t drafted;                /* still drafts */
	int64_t sent;                   /* sent (answered or not) */
	int64_t answered;
	int64_t late;                   /* sent, unanswered, deadline before now */
};

/* store_port_stats - the counts per holder at now, by holder id. */
enum cmn_rc store_port_stats(struct store *s, int64_t now,
			     enum cmn_rc (*fn)(const struct port_counts *c, void *ctx), void *ctx);

#endif
