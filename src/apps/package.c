/*
 * package.c - app packages: their checks, packing from a directory, and
 * the operator's certificates. See app.h and docs/apps.md.
 */
#include "apps/app.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/embedded.h"
#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "record/schema.h"

#define APP_TEXT_MAX 2000                 /* a description, per language */
#define APP_FORMAT "commune-app/1"

static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > APP_ID_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool version_ok(const char *s)
{
	int parts = 0;

	if (!s || strlen(s) > APP_VERSION_MAX)
		return false;
	while (*s) {
		size_t digits = strspn(s, "0123456789");

		if (digits == 0 || digits > 6)
			return false;
		parts++;
		s += digits;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return parts == 3;
}

/* file_name_ok - [A-Za-z0-9._-], 1..63 bytes, not starting with a dot. */
static bool file_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* check_text - {"fr": ..., "en": ...}, both non-empty, at most max bytes. */
static enum cmn_rc check_text(const json_t *t, const char *where, size_t max, char *err, size_t n)
{
	static const char *const langs[] = {"fr", "en", NULL};
	const char *bad;

	if (!json_is_object(t))
		return schema_fault(err, n, "%s: an object {\"fr\": ..., \"en\": ...} is required", where);
	if ((bad = json_member_outside(t, langs)))
		return schema_fault(err, n, "%s/%.40s: only fr and en are known", where, bad);
	for (size_t i = 0; langs[i]; i++) {
		const char *s = json_string_value(json_object_get(t, langs[i]));

		if (!s || !*s || strlen(s) > max)
			return schema_fault(err, n, "%s/%s: text of 1 to %zu bytes is required", where,
				     langs[i], max);
	}
	return CMN_OK;
}

/* doctype_of - a doctype of reg named by v, of kind (NULL: any but file). */
static const struct doctype *doctype_of(const struct registry *reg, const json_t *v,
					const char *kind)
{
	const struct doctype *d = json_is_string(v) ? registry_find(reg, json_string_value(v)) : NULL;

	if (!d || strcmp(d->kind, "file") == 0 || (kind && strcmp(d->kind, kind) != 0))
		return NULL;
	return d;
}

static enum cmn_rc read_perms(const json_t *perms, const struct registry *reg,
			      struct app_manifest *m, char *err, size_t n)
{
	static const char *const known[] = {"read", "write", "datasets", NULL};
	const json_t *a;
	const char *bad;
	size_t i;
	json_t *v;

	if (!json_is_object(perms))
		return schema_fault(err, n, "/manifest/permissions: an object is required");
	if ((bad = json_member_outside(perms, known)))
		return schema_fault(err, n, "/manifest/permissions/%.40s: not a permission", bad);
	a = json_object_get(perms, "read");
	if (a && (!json_is_array(a) || json_array_size(a) > APP_MAX_READ))
		return schema_fault(err, n, "/manifest/permissions/read: an array of at most %d", APP_MAX_READ);
	json_array_foreach(a, i, v) {
		static const char *const rk[] = {"doctype", "fields", NULL};
		struct app_read *r = &m->read[m->nread];
		const json_t *fields = json_object_get(v, "fields");
		size_t j;
		json_t *f;

		if (!json_is_object(v) || json_member_outside(v, rk) ||
		    !doctype_of(reg, json_object_get(v, "doctype"), NULL))
			return schema_fault(err, n, "/manifest/permissions/read/%zu: {\"doctype\": a known"
					     " doctype, \"fields\"?} is required", i);
		str_copy(r->doctype, sizeof(r->doctype),
			 json_string_value(json_object_get(v, "doctype")));
		for (j = 0; j < m->nread; j++)
			if (strcmp(m->read[j].doctype, r->doctype) == 0)
				return schema_fault(err, n, "/manifest/permissions/read/%zu: given twice", i);
		if (fields && (!json_is_array(fields) || json_array_size(fields) == 0 ||
			       json_array_size(fields) > APP_MAX_FIELDS))
			return schema_fault(err, n, "/manifest/permissions/read/%zu/fields: an array of 1 to"
					     " %d names", i, APP_MAX_FIELDS);
		json_array_foreach(fields, j, f) {
			if (!json_is_string(f) || !str_is_name(json_string_value(f), APP_FIELD_MAX, false))
				return schema_fault(err, n, "/manifest/permissions/read/%zu/fields/%zu: not a"
						     " field name", i, j);
			str_copy(r->fields[r->nfields++], sizeof(r->fields[0]), json_string_value(f));
		}
		m->nread++;
	}
	a = json_object_get(perms, "write");
	if (a && (!json_is_array(a) || json_array_size(a) > APP_MAX_WRITE))
		return schema_fault(err, n, "/manifest/permissions/write: an array of at most %d",
			     APP_MAX_WRITE);
	json_array_foreach(a, i, v) {
		if (!doctype_of(reg, v, "document"))
			return schema_fault(err, n, "/manifest/permissions/write/%zu: a known doctype of"
					     " kind document is required", i);
		str_copy(m->write[m->nwrite++], sizeof(m->write[0]), json_string_value(v));
	}
	a = json_object_get(perms, "datasets");
	if (a && (!json_is_array(a) || json_array_size(a) > APP_MAX_DATASETS))
		return schema_fault(err, n, "/manifest/permissions/datasets: an array of at most %d",
			     APP_MAX_DATASETS);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !app_dataset_known(json_string_value(v)))
			return schema_fault(err, n, "/manifest/permissions/datasets/%zu: no such dataset", i);
		str_copy(m->datasets[m->ndatasets++], sizeof(m->datasets[0]), json_string_value(v));
	}
	return CMN_OK;
}

static bool reads(const struct app_manifest *m, const char *doctype)
{
	for (size_t i = 0; i < m->nread; i++)
		if (strcmp(m->read[i].doctype, doctype) == 0)
			return true;
	return false;
}

static bool writes(const struct app_manifest *m, const char *doctype)
{
	for (size_t i = 0; i < m->nwrite; i++)
		if (strcmp(m->write[i], doctype) == 0)
			return true;
	return false;
}

static enum cmn_rc read_triggers(const json_t *a, struct app_manifest *m, char *err, size_t n)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > APP_MAX_TRIGGERS)
		return schema_fault(err, n, "/manifest/triggers: an array of 1 to %d triggers",
			     APP_MAX_TRIGGERS);
	json_array_foreach(a, i, v) {
		const char *on = json_string_value(json_object_get(v, "on"));
		const char *dt = json_string_value(json_object_get(v, "doctype"));
		const char *every = json_string_value(json_object_get(v, "every"));
		size_t size = json_object_size(v);

		if (on && strcmp(on, "demand") == 0 && size == 1) {
			m->triggers[m->ntriggers].kind = APP_ON_DEMAND;
		} else if (on && strcmp(on, "data") == 0 && dt && size == 2 && reads(m, dt)) {
			m->triggers[m->ntriggers].kind = APP_ON_DATA;
			str_copy(m->triggers[m->ntriggers].doctype,
				 sizeof(m->triggers[0].doctype), dt);
		} else if (on && strcmp(on, "schedule") == 0 && every && size == 2 &&
			   (strcmp(every, "day") == 0 || strcmp(every, "week") == 0 ||
			    strcmp(every, "month") == 0)) {
			m->triggers[m->ntriggers].kind = APP_ON_SCHEDULE;
			str_copy(m->triggers[m->ntriggers].every,
				 sizeof(m->triggers[0].every), every);
		} else {
			return schema_fault(err, n, "/manifest/triggers/%zu: {\"on\": \"demand\"}, {\"on\":"
					     " \"data\", \"doctype\": a doctype read} or {\"on\":"
					     " \"schedule\", \"every\": day|week|month}", i);
		}
		m->ntriggers++;
	}
	return CMN_OK;
}

static enum cmn_rc read_outputs(const json_t *a, const struct app_manifest *m, char *err,
				size_t n)
{
	static const char *const ok[] = {"doctype", "share_with", "purpose", NULL};
	size_t i, j;
	json_t *v, *w;

	if (!a)
		return CMN_OK;
	if (!json_is_array(a) || json_array_size(a) > APP_MAX_WRITE)
		return schema_fault(err, n, "/manifest/outputs: an array of at most %d", APP_MAX_WRITE);
	json_array_foreach(a, i, v) {
		const char *dt = json_string_value(json_object_get(v, "doctype"));
		char where[64];

		if (!json_is_object(v) || json_member_outside(v, ok) || !dt || !writes(m, dt))
			return schema_fault(err, n, "/manifest/outputs/%zu: {\"doctype\": a doctype written,"
					     " \"share_with\", \"purpose\"}", i);
		if (!json_is_array(json_object_get(v, "share_with")))
			return schema_fault(err, n, "/manifest/outputs/%zu/share_with: an array", i);
		json_array_foreach(json_object_get(v, "share_with"), j, w) {
			const char *s = json_string_value(w);

			if (!s || (strcmp(s, "org") != 0 && strcmp(s, "person") != 0 &&
				   strcmp(s, "service") != 0))
				return schema_fault(err, n, "/manifest/outputs/%zu/share_with/%zu: org, person"
						     " or service", i, j);
		}
		snprintf(where, sizeof(where), "/manifest/outputs/%zu/purpose", i);
		if (check_text(json_object_get(v, "purpose"), where, APP_TEXT_MAX, err, n) != CMN_OK)
			return CMN_ERR_INVALID;
	}
	return CMN_OK;
}

static enum cmn_rc read_limits(const json_t *l, struct app_manifest *m, char *err, size_t n)
{
	static const char *const ok[] = {"memory_mb", "instructions", "seconds", NULL};
	const json_t *v;

	m->mem_bytes = APP_MEM_DEFAULT;
	m->instructions = APP_INSTR_DEFAULT;
	m->wall_ms = APP_WALL_DEFAULT_MS;
	if (!l)
		return CMN_OK;
	if (!json_is_object(l) || json_member_outside(l, ok))
		return schema_fault(err, n, "/manifest/limits: {\"memory_mb\", \"instructions\","
				     " \"seconds\"}");
	if ((v = json_object_get(l, "memory_mb"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > APP_MEM_MAX / (1024 * 1024))
			return schema_fault(err, n, "/manifest/limits/memory_mb: 1 to %d", APP_MEM_MAX >> 20);
		m->mem_bytes = (size_t)json_integer_value(v) * 1024 * 1024;
	}
	if ((v = json_object_get(l, "instructions"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1000 ||
		    (uint64_t)json_integer_value(v) > APP_INSTR_MAX)
			return schema_fault(err, n, "/manifest/limits/instructions: 1000 to %llu",
				     (unsigned long long)APP_INSTR_MAX);
		m->instructions = (uint64_t)json_integer_value(v);
	}
	if ((v = json_object_get(l, "seconds"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) * 1000 > APP_WALL_MAX_MS)
			return schema_fault(err, n, "/manifest/limits/seconds: 1 to %d", APP_WALL_MAX_MS / 1000);
		m->wall_ms = json_integer_value(v) * 1000;
	}
	return CMN_OK;
}

static enum cmn_rc read_manifest(const json_t *mf, const json_t *files, const struct registry *reg,
				 struct app_manifest *m, char *err, size_t n)
{
	static const char *const known[] = {"id",	  "version",  "publisher", "name",
					    "description", "entry",    "ui",	    "permissions",
					    "triggers",	  "outputs",  "limits",    NULL};
	const char *bad, *s;
	const json_t *pub = json_object_get(mf, "publisher");
	enum cmn_rc rc;

	if (!json_is_object(mf))
		return schema_fault(err, n, "/manifest: an object is required");
	if ((bad = json_member_outside(mf, known)))
		return schema_fault(err, n, "/manifest/%.40s: not a member of a manifest", bad);
	if (!id_ok(s = json_string_value(json_object_get(mf, "id"))))
		return schema_fault(err, n, "/manifest/id: [a-z][a-z0-9-]*, at most %d bytes", APP_ID_MAX);
	str_copy(m->id, sizeof(m->id), s);
	if (!version_ok(s = json_string_value(json_object_get(mf, "version"))))
		return schema_fault(err, n, "/manifest/version: MAJOR.MINOR.PATCH");
	str_copy(m->version, sizeof(m->version), s);
	if (!json_is_object(pub) || !json_is_string(json_object_get(pub, "name")) ||
	    !*json_string_value(json_object_get(pub, "name")) ||
	    strlen(json_string_value(json_object_get(pub, "name"))) > 200)
		return schema_fault(err, n, "/manifest/publisher/name: the publisher's name is required");
	if ((rc = check_text(json_object_get(mf, "name"), "/manifest/name", 100, err, n)) != CMN_OK ||
	    (rc = check_text(json_object_get(mf, "description"), "/manifest/description",
			     APP_TEXT_MAX, err, n)) != CMN_OK)
		return rc;
	s = json_string_value(json_object_get(mf, "entry"));
	if (!s || strlen(s) < 5 || strcmp(s + strlen(s) - 4, ".lua") != 0 ||
	    !json_is_string(json_object_get(files, s)))
		return schema_fault(err, n, "/manifest/entry: a .lua file of the package is required");
	str_copy(m->entry, sizeof(m->entry), s);
	s = json_string_value(json_object_get(mf, "ui"));
	if (json_object_get(mf, "ui") && (!s || !json_is_string(json_object_get(files, s))))
		return schema_fault(err, n, "/manifest/ui: a file of the package");
	if ((rc = read_perms(json_object_get(mf, "permissions"), reg, m, err, n)) != CMN_OK ||
	    (rc = read_triggers(json_object_get(mf, "triggers"), m, err, n)) != CMN_OK ||
	    (rc = read_outputs(json_object_get(mf, "outputs"), m, err, n)) != CMN_OK)
		return rc;
	return read_limits(json_object_get(mf, "limits"), m, err, n);
}

enum cmn_rc app_package_parse(const char *bytes, size_t n, const struct registry *reg,
			      struct app_package *out, char *err, size_t errn)
{
	static const char *const known[] = {"format", "manifest", "files", NULL};
	unsigned char digest[crypto_hash_sha256_BYTES];
	struct json_parse_error je;
	const json_t *files;
	const char *bad, *key;
	json_t *doc, *v;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if (n > APP_PACKAGE_MAX)
		return schema_fault(err, errn, ": a package is at most %d bytes", APP_PACKAGE_MAX);
	doc = json_parse(bytes, n, JSON_PARSE_REJECT_DUPLICATES, &je);
	if (!doc && je.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!doc)
		return schema_fault(err, errn, ": not JSON (line %d, column %d: %s)", je.line, je.column,
			     je.text);
	files = json_object_get(doc, "files");
	rc = CMN_ERR_INVALID;
	if (!json_is_object(doc))
		schema_fault(err, errn, ": an object is required");
	else if ((bad = json_member_outside(doc, known)))
		schema_fault(err, errn, "/%.40s: not a member of a package", bad);
	else if (!json_is_string(json_object_get(doc, "format")) ||
		 strcmp(json_string_value(json_object_get(doc, "format")), APP_FORMAT) != 0)
		schema_fault(err, errn, "/format: \"%s\" is required", APP_FORMAT);
	else if (!json_is_object(files) || json_object_size(files) == 0 ||
		 json_object_size(files) > APP_FILES_MAX)
		schema_fault(err, errn, "/files: an object of 1 to %d files", APP_FILES_MAX);
	else
		rc = CMN_OK;
	json_object_foreach((json_t *)files, key, v) {
		if (rc != CMN_OK)
			break;
		if (!file_name_ok(key) || !json_is_string(v))
			rc = schema_fault(err, errn, "/files/%.64s: a name of [A-Za-z0-9._-] and a text",
				   key);
	}
	if (rc == CMN_OK)
		rc = read_manifest(json_object_get(doc, "manifest"), files, reg, &out->m, err, errn);
	if (rc != CMN_OK) {
		json_decref(doc);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->doc = doc;
	crypto_hash_sha256(digest, (const unsigned char *)bytes, n);
	sodium_bin2hex(out->sha256, sizeof(out->sha256), digest, sizeof(digest));
	return CMN_OK;
}

void app_package_release(struct app_package *p)
{
	json_decref(p->doc);
	p->doc = NULL;
}

const char *app_package_file(const struct app_package *p, const char *name)
{
	return json_string_value(json_object_get(json_object_get(p->doc, "files"), name));
}

/* read_text - a whole file, NUL-terminated, at most max bytes. */
static enum cmn_rc read_text(const char *path, size_t max, char **out, size_t *len)
{
	struct buf b;
	enum cmn_rc rc;

	buf_init(&b, max + 1);
	if ((rc = buf_read_file(&b, path)) != CMN_OK) {
		buf_release(&b);
		return rc;
	}
	*out = b.data;
	*len = b.len;
	return CMN_OK;
}

/* read_source - a file of an app's source directory, or of an app shipped
 * with commune when dir is "builtin:NAME" (compiled in from apps/NAME/). */
static enum cmn_rc read_source(const char *dir, const char *name, char **out, size_t *len)
{
	char path[4096];

	if (strncmp(dir, "builtin:", 8) == 0) {
		const struct embedded_file *f;

		snprintf(path, sizeof(path), "apps/%s/%s", dir + 8, name);
		if (!(f = embedded_find(path)))
			return CMN_ERR_NOT_FOUND;
		if (!(*out = malloc(f->len + 1)))
			return CMN_ERR_NOMEM;
		memcpy(*out, f->data, f->len + 1);
		*len = f->len;
		return CMN_OK;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return read_text(path, APP_PACKAGE_MAX, out, len);
}

enum cmn_rc app_pack(const char *dir, const struct registry *reg, char **bytes, size_t *n,
		     char *err, size_t errn)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	json_t *doc = NULL, *mf, *files = json_object();
	struct app_package check;
	struct json_parse_error je;
	const char *want[2];
	enum cmn_rc rc;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (read_source(dir, "manifest.json", &text, &len) != CMN_OK) {
		json_decref(files);
		return schema_fault(err, errn, "%s: cannot read it", path);
	}
	mf = json_parse(text, len, JSON_PARSE_REJECT_DUPLICATES, &je);
	free(text);
	if (!mf) {
		json_decref(files);
		if (je.rc == CMN_ERR_NOMEM)
			return CMN_ERR_NOMEM;
		return schema_fault(err, errn, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	}
	/* the files a manifest names: its entry and its ui */
	want[0] = json_string_value(json_object_get(mf, "entry"));
	want[1] = json_string_value(json_object_get(mf, "ui"));
	rc = CMN_OK;
	for (size_t i = 0; i < 2 && rc == CMN_OK; i++) {
		if (!want[i])
			continue;
		if (!file_name_ok(want[i])) {
			rc = schema_fault(err, errn, "%s: \"%.64s\" is not a file name", path, want[i]);
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, want[i]);
		if (read_source(dir, want[i], &text, &len) != CMN_OK) {
			rc = schema_fault(err, errn, "%s: cannot read it", path);
			break;
		}
		if (strlen(text) != len) {
			free(text);
			rc = schema_fault(err, errn, "%s: a text file is required", path);
			break;
		}
		/* a file left out would be refused below as missing from the
		 * app: out of memory is NOMEM, not the app's fault */
		json_put(&files, want[i], json_stringn(text, len));
		free(text);
	}
	if (rc == CMN_OK && !files)
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		doc = json_pack("{s:s, s:o, s:o}", "format", APP_FORMAT, "manifest", mf, "files",
				files);
	else {
		json_decref(mf);
		json_decref(files);
	}
	if (rc == CMN_OK && !doc)
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK) {
		*bytes = json_text_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		rc = *bytes ? CMN_OK : CMN_ERR_NOMEM;
		*n = rc == CMN_OK ? strlen(*bytes) : 0;
	}
	json_decref(doc);
	if (rc == CMN_OK && (rc = app_package_parse(*bytes, *n, reg, &check, err, errn)) != CMN_OK) {
		free(*bytes);
		*bytes = NULL;
	}
	if (rc == CMN_OK)
		app_package_release(&check);
	return rc;
}

/* ---- certificates ------------------------------------------------------------ */

#define APP_CERT_TYP "commune-app-cert"

char *app_sign(const struct keyring *k, const struct app_package *p)
{
	json_t *claims = json_pack("{s:s, s:s, s:s}", "app", p->m.id, "version", p->m.version,
				   "sha256", p->sha256);
	char *payload = claims ? json_text_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct buf out;

	json_decref(claims);
	if (!payload)
		return NULL;
	buf_init(&out, 4096);
	if (keyring_jws_sign(k, APP_CERT_TYP, payload, strlen(payload), &out) != CMN_OK ||
	    buf_puts(&out, "") != CMN_OK) {
		buf_release(&out);
		free(payload);
		return NULL;
	}
	free(payload);
	return out.data;
}

bool app_certificate_check(const struct keyring *k, const char *jws, const struct app_package *p)
{
	struct buf payload;
	json_t *claims;
	bool ok;

	buf_init(&payload, 4096);
	if (!jws || keyring_jws_verify(k, jws, &payload) != CMN_OK || !payload.data) {
		buf_release(&payload);
		return false;
	}
	claims = json_parse(payload.data, payload.len, 0, NULL);
	buf_release(&payload);
	ok = json_is_object(claims) &&
	     json_is_string(json_object_get(claims, "sha256")) &&
	     strcmp(json_string_value(json_object_get(claims, "sha256")), p->sha256) == 0 &&
	     json_is_string(json_object_get(claims, "app")) &&
	     strcmp(json_string_value(json_object_get(claims, "app")), p->m.id) == 0 &&
	     json_is_string(json_object_get(claims, "version")) &&
	     strcmp(json_string_value(json_object_get(claims, "version")), p->m.version) == 0;
	json_decref(claims);
	return ok;
}
