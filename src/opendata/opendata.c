/*
 * opendata.c - the kinds of open data and their loading (opendata.h): a
 * file is parsed by its kind's parser, then kept as the next version of
 * its name with its source, licence, SHA-256 and size; a districts
 * dataset also becomes the campaigns' districts, in the same transaction.
 * Nothing is stored when any of it is refused.
 */
#include "opendata/opendata_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"

static const char *const kind_names[OPENDATA_KIND_COUNT] = {
	"emission_factors", "districts", "gtfs", "tariffs", "weather",
};

const char *opendata_kind_name(enum opendata_kind k)
{
	return (unsigned)k < OPENDATA_KIND_COUNT ? kind_names[k] : "?";
}

bool opendata_kind_parse(const char *name, enum opendata_kind *out)
{
	for (int k = 0; name && k < OPENDATA_KIND_COUNT; k++) {
		if (strcmp(name, kind_names[k]) == 0) {
			*out = (enum opendata_kind)k;
			return true;
		}
	}
	return false;
}

bool opendata_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > OPENDATA_NAME_MAX || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '.' || name[i] == '-'))
			return false;
	return true;
}

enum cmn_rc opendata_parse(enum opendata_kind kind, const struct opendata_file *files,
			   size_t nfiles, json_t **canon, char *err, size_t errn)
{
	*canon = NULL;
	if (nfiles == 0 || nfiles > OPENDATA_FILES_MAX)
		return od_fault(err, errn, "/", "1 to %d files", OPENDATA_FILES_MAX);
	if (kind != OPENDATA_GTFS && nfiles != 1)
		return od_fault(err, errn, "/", "one file for the kind %s", opendata_kind_name(kind));
	switch (kind) {
	case OPENDATA_EMISSION_FACTORS:
		return opendata_emission_parse(files[0].data, files[0].len, canon, err, errn);
	case OPENDATA_DISTRICTS:
		return opendata_districts_parse(files[0].data, files[0].len, canon, err, errn);
	case OPENDATA_GTFS:
		return opendata_gtfs_parse(files, nfiles, canon, err, errn);
	case OPENDATA_TARIFFS:
		return opendata_tariffs_parse(files[0].data, files[0].len, canon, err, errn);
	case OPENDATA_WEATHER:
		return opendata_weather_parse(files[0].data, files[0].len, canon, err, errn);
	case OPENDATA_KIND_COUNT:
		break;
	}
	return od_fault(err, errn, "/", "no such kind");
}

/* digest - SHA-256 of the files, in the order of their names, each as its
 * bytes (one file: the file's own SHA-256) */
static void digest(const struct opendata_file *files, size_t n, char hex[65], int64_t *bytes)
{
	crypto_hash_sha256_state st;
	unsigned char out[crypto_hash_sha256_BYTES];
	const struct opendata_file *order[OPENDATA_FILES_MAX];

	*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && strcmp(order[j - 1]->name, files[i].name) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = &files[i];
	}
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)order[i]->data, order[i]->len);
		*bytes += (int64_t)order[i]->len;
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
}

static bool label_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || !str_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

enum cmn_rc opendata_load(struct store *s, const struct opendata_load *l,
			  struct opendata_version *out, char *err, size_t errn)
{
	struct opendata_version v;
	struct store_district *districts = NULL;
	size_t nd = 0;
	json_t *canon = NULL;
	enum cmn_rc rc;

	memset(&v, 0, sizeof(v));
	if (out)
		memset(out, 0, sizeof(*out));
	if (!opendata_name_ok(l->name))
		return od_fault(err, errn, "name", "1 to %d bytes of a-z, 0-9, '_', '.' and '-',"
				" a letter first", OPENDATA_NAME_MAX);
	if (!label_ok(l->source, OPENDATA_SOURCE_MAX))
		return od_fault(err, errn, "source", "a URL or words, 1 to %d bytes",
				OPENDATA_SOURCE_MAX);
	if (!label_ok(l->licence, OPENDATA_LICENCE_MAX))
		return od_fault(err, errn, "licence", "1 to %d bytes (\"etalab-2.0\", \"ODbL-1.0\")",
				OPENDATA_LICENCE_MAX);
	if (l->nfiles > OPENDATA_FILES_MAX)
		return od_fault(err, errn, "/", "more than %d files", OPENDATA_FILES_MAX);
	if ((rc = opendata_parse(l->kind, l->files, l->nfiles, &canon, err, errn)) != CMN_OK)
		return rc;
	if (l->kind == OPENDATA_DISTRICTS)
		rc = opendata_districts_list(canon, &districts, &nd, err, errn);
	str_copy(v.name, sizeof(v.name), l->name);
	str_copy(v.kind, sizeof(v.kind), opendata_kind_name(l->kind));
	str_copy(v.source, sizeof(v.source), l->source);
	str_copy(v.licence, sizeof(v.licence), l->licence);
	v.loaded = l->now;
	digest(l->files, l->nfiles, v.sha256, &v.bytes);
	if (rc == CMN_OK && !(v.content = json_text_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS |
								   JSON_REAL_PRECISION(15))))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		rc = store_opendata_add(s, &v, districts, nd);
	if (rc == CMN_ERR_CONFLICT)
		snprintf(err, errn, "name: %s holds datasets of another kind", l->name);
	free(districts);
	json_decref(canon);
	if (rc == CMN_OK && out)
		*out = v;
	else
		opendata_version_release(&v);
	return rc;
}

json_t *opendata_version_json(const struct opendata_version *v)
{
	char at[TIME_RFC3339_LEN];

	time_format(at, v->loaded);
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "name", v->name, "kind",
			 v->kind, "version", (json_int_t)v->version, "source", v->source, "licence",
			 v->licence, "loaded", at, "sha256", v->sha256, "bytes",
			 (json_int_t)v->bytes);
}
