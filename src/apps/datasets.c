/*
 * datasets.c - the open datasets bundled with commune (opendata/NAME.json,
 * compiled into the binary), which apps name in their manifests; a
 * dataset of the same name the operator loaded into the platform store
 * (src/opendata/) replaces the bundled one for the apps that run.
 *
 * A manifest may also name the table a campaign published, by what it is
 * rather than by id (campaigns come and go): "campaign:DOCTYPE:DIM+DIM",
 * e.g. "campaign:energy.electricity.load_curve:district+hour_of_day", the
 * latest published campaign on that source grouped by those dimensions, in
 * that order. Published tables are public: reading one tells the app
 * nothing about anyone it could not read on the open API.
 */
#include "apps/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "campaign/spec.h"
#include "core/embedded.h"
#include "core/jsonparse.h"
#include "core/str.h"
#include "store/store_campaign.h"
#include "store/store_opendata.h"

#define CAMPAIGN_PREFIX "campaign:"
#define NO_TABLE "{\"campaign\":null,\"cells\":[]}"

/* a published table's description: its source doctype and dimensions */
struct table_want {
	char doctype[64];
	char dims[CAMPAIGN_GROUP_MAX][32];
	size_t ndims;
	char id[CRYPT_ID_LEN];            /* the newest match, "" while none */
};

static bool is_dim(const char *name)
{
	for (unsigned d = 0; d < CAMPAIGN_DIM_COUNT; d++)
		if (strcmp(campaign_dim_name((enum campaign_dim)d), name) == 0)
			return true;
	return false;
}

/* table_name - whether name is "campaign:DOCTYPE:DIM+DIM", into *w */
static bool table_name(const char *name, struct table_want *w)
{
	const char *p, *colon;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (!name || strncmp(name, CAMPAIGN_PREFIX, strlen(CAMPAIGN_PREFIX)) != 0)
		return false;
	p = name + strlen(CAMPAIGN_PREFIX);
	if (!(colon = strchr(p, ':')) || (n = (size_t)(colon - p)) == 0 || n >= sizeof(w->doctype))
		return false;
	memcpy(w->doctype, p, n);
	if (!str_is_name(w->doctype, sizeof(w->doctype) - 1, true))
		return false;
	for (p = colon + 1;; p += n + 1) {
		const char *plus = strchr(p, '+');

		n = plus ? (size_t)(plus - p) : strlen(p);
		if (n == 0 || n >= sizeof(w->dims[0]) || w->ndims == CAMPAIGN_GROUP_MAX)
			return false;
		memcpy(w->dims[w->ndims], p, n);
		w->dims[w->ndims][n] = '\0';
		if (!is_dim(w->dims[w->ndims]))
			return false;
		for (size_t i = 0; i < w->ndims; i++)
			if (strcmp(w->dims[i], w->dims[w->ndims]) == 0)
				return false;
		w->ndims++;
		if (!plus)
			return true;
	}
}

/* table_match - keeps the first (newest) published campaign described */
static enum cmn_rc table_match(const struct campaign_row *r, void *ctx)
{
	struct table_want *w = ctx;
	json_t *spec, *src, *by;
	const char *doctype;
	bool same;

	if (w->id[0] || r->state != CAMPAIGN_STATE_PUBLISHED || !(spec = json_parse_str(r->spec)))
		return CMN_OK;
	src = json_object_get(spec, "source");
	doctype = json_string_value(json_object_get(src, "series"));
	if (!doctype)
		doctype = json_string_value(json_object_get(src, "records"));
	by = json_object_get(spec, "group_by");
	same = doctype && strcmp(doctype, w->doctype) == 0 && json_array_size(by) == w->ndims;
	for (size_t i = 0; same && i < w->ndims; i++) {
		const char *d = json_string_value(json_array_get(by, i));

		same = d && strcmp(d, w->dims[i]) == 0;
	}
	if (same)
		str_copy(w->id, sizeof(w->id), r->id);
	json_decref(spec);
	return CMN_OK;
}

/* table_current - the results of the newest matching table, or NO_TABLE */
static char *table_current(struct store *platform, struct table_want *w, size_t *len)
{
	struct campaign_row r;
	char *text = NULL;

	if (platform && store_campaign_each(platform, NULL, table_match, w) == CMN_OK && w->id[0] &&
	    store_campaign_get(platform, w->id, true, &r) == CMN_OK) {
		text = r.results;
		r.results = NULL;
		campaign_row_release(&r);
	}
	if (!text)
		text = strdup(NO_TABLE);
	if (text)
		*len = strlen(text);
	return text;
}

static const struct embedded_file *dataset_file(const char *name)
{
	char path[96];

	if (!name || !str_is_name(name, 64, true))
		return NULL;
	snprintf(path, sizeof(path), "opendata/%s.json", name);
	return embedded_find(path);
}

const char *app_dataset(const char *name, size_t *len)
{
	const struct embedded_file *f = dataset_file(name);

	if (!f)
		return NULL;
	if (len)
		*len = f->len;
	return (const char *)f->data;
}

bool app_dataset_known(const char *name)
{
	struct table_want w;

	return dataset_file(name) != NULL || table_name(name, &w);
}

char *app_dataset_current(struct store *platform, const char *name, size_t *len)
{
	struct opendata_version v;
	const char *bundled;
	char *text;
	size_t n = 0;
	struct table_want w;

	if (table_name(name, &w))
		return table_current(platform, &w, len);
	if (platform && name && store_opendata_get(platform, name, 0, &v) == CMN_OK) {
		*len = strlen(v.content);
		return v.content; /* handed over */
	}
	if (!(bundled = app_dataset(name, &n)) || !(text = malloc(n + 1)))
		return NULL;
	memcpy(text, bundled, n);
	text[n] = '\0';
	*len = n;
	return text;
}
