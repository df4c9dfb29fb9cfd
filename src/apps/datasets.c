/*
 * datasets.c - the open datasets bundled with commune (opendata/NAME.json,
 * compiled into the binary), which apps name in their manifests; a
 * dataset of the same name the operator loaded into the platform store
 * (src/opendata/) replaces the bundled one for the apps that run.
 */
#include "apps/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/str.h"
#include "store/store_opendata.h"

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
	return dataset_file(name) != NULL;
}

char *app_dataset_current(struct store *platform, const char *name, size_t *len)
{
	struct opendata_version v;
	const char *bundled;
	char *text;
	size_t n = 0;

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
