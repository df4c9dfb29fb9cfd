/*
 * store_opendata.h - what the platform store keeps of the territory's open
 * data (issue 13, docs/opendata.md): datasets by name, each load a new
 * version (earlier ones stay readable), with its kind, source, licence,
 * when it was loaded, the SHA-256 of the file and its canonical content.
 * A dataset of the kind districts also fills the campaigns' districts
 * table, in the same transaction (store_campaign.h).
 */
#ifndef COMMUNE_STORE_STORE_OPENDATA_H
#define COMMUNE_STORE_STORE_OPENDATA_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_campaign.h"

#define OPENDATA_NAME_MAX 64            /* bytes of a dataset's name */
#define OPENDATA_KIND_MAX 24            /* bytes of a kind's name */
#define OPENDATA_SOURCE_MAX 500         /* bytes of a source (a URL or words) */
#define OPENDATA_LICENCE_MAX 64         /* bytes of a licence ("etalab-2.0") */

/* one version of a dataset */
struct opendata_version {
	int64_t id;                     /* the row: grows with every load of any name */
	char name[OPENDATA_NAME_MAX + 1];
	char kind[OPENDATA_KIND_MAX + 1];
	int64_t version;                /* 1, 2, ... within the name */
	char source[OPENDATA_SOURCE_MAX + 1];
	char licence[OPENDATA_LICENCE_MAX + 1];
	int64_t loaded;                 /* ms */
	char sha256[65];                /* hex of the file(s) loaded */
	int64_t bytes;                  /* their size */
	char *content;                  /* canonical JSON (malloc'd); NULL in listings */
};

/* opendata_version_release - frees v->content (v itself is the caller's). */
void opendata_version_release(struct opendata_version *v);

/* store_opendata_add - v (name, kind, source, licence, loaded, sha256,
 * bytes, content) becomes the next version of its name: v->version and
 * v->id are set. When districts is not NULL, the campaigns' districts
 * become districts[0..n) in the same transaction. CMN_ERR_CONFLICT when
 * the name holds datasets of another kind; CMN_ERR_INVALID for districts
 * the table refuses (a code twice). */
enum cmn_rc store_opendata_add(struct store *s, struct opendata_version *v,
			       const struct store_district *districts, size_t n);

/* store_opendata_get - version `version` of name (0: the latest), with its
 * content, into *out (release it); CMN_ERR_NOT_FOUND. */
enum cmn_rc store_opendata_get(struct store *s, const char *name, int64_t version,
			       struct opendata_version *out);

/* store_opendata_latest_kind - the version last loaded of any dataset of
 * kind, with its content when content is true (release it);
 * CMN_ERR_NOT_FOUND when none. */
enum cmn_rc store_opendata_latest_kind(struct store *s, const char *kind, bool content,
				       struct opendata_version *out);

/* store_opendata_each - the latest version of every dataset, by name,
 * without content; v is valid during the call. */
enum cmn_rc store_opendata_each(struct store *s,
				enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				void *ctx);

/* store_opendata_versions - every version of name, oldest first, without
 * content; CMN_ERR_NOT_FOUND when the name has none. */
enum cmn_rc store_opendata_versions(struct store *s, const char *name,
				    enum cmn_rc (*fn)(const struct opendata_version *v, void *ctx),
				    void *ctx);

#endif
