/*
 * datasets.c - the open datasets bundled with commune (opendata/NAME.json,
 * compiled into the binary), which apps name in their manifests.
 */
#include "apps/app.h"

#include <stdio.h>
#include <string.h>

#include "core/embedded.h"
#include "core/str.h"

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
