/*
 * catalogue.c - the data map's catalogue (datamap.h, docs/datamap.md):
 * its checks, each fault named by a JSON pointer, its loading into the
 * platform store, and a holder as served, with the doctypes' titles and
 * the services that use its data.
 */
#include "datamap/datamap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/import.h"
#include "store/store_consent.h"

static const char *const sectors[] = {"energy", "water",  "bank",	  "social",
				      "tax",	"health", "transport", "telecom",
				      "retail", "public", "other",     NULL};
static const char *const access_kinds[] = {"download", "api", "gdpr", NULL};
static const char *const service_kinds[] = {"app", "oauth", "other", NULL};

/* the checker's state: where it is and what went wrong */
struct check {
	struct store *s;
	const struct registry *reg;
	char *err;
	size_t errn;
};

static enum cmn_rc fault(struct check *c, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cmn_rc fault(struct check *c, const char *pointer, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	used = (size_t)snprintf(c->err, c->errn, "%s: ", pointer[0] ? pointer : "/");
	if (used < c->errn) {
		va_start(ap, fmt);
		vsnprintf(c->err + used, c->errn - used, fmt, ap);
		va_end(ap);
	}
	return CMN_ERR_INVALID;
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* only_members - obj has no member outside allowed (NULL-terminated) */
static enum cmn_rc only_members(struct check *c, const char *ptr, const json_t *obj,
				const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fault(c, ptr, "an object");
	json_object_foreach((json_t *)obj, key, v) {
		if (!in_list(allowed, key)) {
			char p[200];

			snprintf(p, sizeof(p), "%s/%s", ptr, key);
			return fault(c, p, "not a member of this object");
		}
	}
	return CMN_OK;
}

/* text - obj's member name: a string of 1 to max bytes (required or not),
 * without control characters but line feeds when lines */
static enum cmn_rc text(struct check *c, const char *ptr, const json_t *obj, const char *name,
			bool required, size_t max, bool lines)
{
	const json_t *v = json_object_get(obj, name);
	char p[200];
	const char *s;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", ptr, name);
	if (!v)
		return required ? fault(c, p, "required") : CMN_OK;
	if (!json_is_string(v))
		return fault(c, p, "a string");
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > max)
		return fault(c, p, "1 to %zu bytes", max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && !(lines && s[i] == '\n'))
			return fault(c, p, "no control characters%s", lines ? " but line feeds" : "");
	return CMN_OK;
}

static enum cmn_rc url(struct check *c, const char *ptr, const json_t *obj, const char *name,
		       bool required)
{
	const char *s = json_string_value(json_object_get(obj, name));
	enum cmn_rc rc = text(c, ptr, obj, name, required, DATAMAP_URL_MAX, false);
	char p[200];

	if (rc != CMN_OK || !s)
		return rc;
	snprintf(p, sizeof(p), "%s/%s", ptr, name);
	if (strncmp(s, "https://", 8) != 0 || !s[8] || strpbrk(s, " \"<>\\"))
		return fault(c, p, "an https:// URL");
	return CMN_OK;
}

/* array - obj's member name: an array of 1 to max items */
static enum cmn_rc array(struct check *c, const char *ptr, const json_t *obj, const char *name,
			 bool required, const json_t **out)
{
	const json_t *v = json_object_get(obj, name);
	char p[200];

	*out = v;
	snprintf(p, sizeof(p), "%s/%s", ptr, name);
	if (!v)
		return required ? fault(c, p, "required") : CMN_OK;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > DATAMAP_LIST_MAX)
		return fault(c, p, "an array of 1 to %d items", DATAMAP_LIST_MAX);
	return CMN_OK;
}

static enum cmn_rc words(struct check *c, const char *ptr, const json_t *obj, const char *name)
{
	static const char *const langs[] = {"fr", "en", NULL};
	const json_t *v = json_object_get(obj, name);
	char p[200];
	enum cmn_rc rc;

	if (!v)
		return CMN_OK;
	snprintf(p, sizeof(p), "%s/%s", ptr, name);
	if ((rc = only_members(c, p, v, langs)) != CMN_OK ||
	    (rc = text(c, p, v, "fr", true, DATAMAP_TEXT_MAX, true)) != CMN_OK)
		return rc;
	return text(c, p, v, "en", false, DATAMAP_TEXT_MAX, true);
}

/* slug_ok - 1 to max lowercase letters, digits and '-', not first */
static bool slug_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static enum cmn_rc check_data(struct check *c, const char *ptr, const json_t *holder)
{
	static const char *const members[] = {"doctype", "note", NULL};
	const json_t *list, *item;
	size_t i;
	enum cmn_rc rc = array(c, ptr, holder, "data", true, &list);

	json_array_foreach(list, i, item) {
		char p[200];
		const char *dt;

		if (rc != CMN_OK)
			break;
		snprintf(p, sizeof(p), "%s/data/%zu", ptr, i);
		if ((rc = only_members(c, p, item, members)) != CMN_OK ||
		    (rc = text(c, p, item, "doctype", true, CMN_DOCTYPE_NAME_MAX, false)) != CMN_OK ||
		    (rc = words(c, p, item, "note")) != CMN_OK)
			break;
		dt = json_string_value(json_object_get(item, "doctype"));
		if (!registry_find(c->reg, dt)) {
			snprintf(p, sizeof(p), "%s/data/%zu/doctype", ptr, i);
			rc = fault(c, p, "\"%s\" is not a doctype of the registry", dt);
		}
		for (size_t j = 0; rc == CMN_OK && j < i; j++)
			if (strcmp(dt, json_string_value(json_object_get(json_array_get(list, j),
									"doctype"))) == 0) {
				snprintf(p, sizeof(p), "%s/data/%zu/doctype", ptr, i);
				rc = fault(c, p, "\"%s\" is listed twice", dt);
			}
	}
	return rc;
}

static enum cmn_rc check_access(struct check *c, const char *ptr, const json_t *holder)
{
	static const char *const members[] = {"kind", "url", "format", "note", NULL};
	const json_t *list, *item;
	size_t i;
	enum cmn_rc rc = array(c, ptr, holder, "access", true, &list);

	json_array_foreach(list, i, item) {
		char p[200], q[220];
		const char *kind, *format;

		if (rc != CMN_OK)
			break;
		snprintf(p, sizeof(p), "%s/access/%zu", ptr, i);
		if ((rc = only_members(c, p, item, members)) != CMN_OK ||
		    (rc = text(c, p, item, "kind", true, 16, false)) != CMN_OK)
			break;
		kind = json_string_value(json_object_get(item, "kind"));
		snprintf(q, sizeof(q), "%s/kind", p);
		if (!in_list(access_kinds, kind)) {
			rc = fault(c, q, "download, api or gdpr");
			break;
		}
		if ((rc = url(c, p, item, "url", strcmp(kind, "gdpr") != 0)) != CMN_OK ||
		    (rc = text(c, p, item, "format", false, 40, false)) != CMN_OK ||
		    (rc = words(c, p, item, "note")) != CMN_OK)
			break;
		format = json_string_value(json_object_get(item, "format"));
		snprintf(q, sizeof(q), "%s/format", p);
		if (format && !import_format_named(format))
			rc = fault(c, q, "\"%s\" is not an import format of commune", format);
	}
	return rc;
}

static enum cmn_rc check_dpo(struct check *c, const char *ptr, const json_t *holder)
{
	static const char *const members[] = {"name", "postal", "email", "form", NULL};
	const json_t *dpo = json_object_get(holder, "dpo");
	const char *email;
	char p[200], q[220];
	enum cmn_rc rc;

	snprintf(p, sizeof(p), "%s/dpo", ptr);
	if (!dpo)
		return fault(c, p, "required");
	if ((rc = only_members(c, p, dpo, members)) != CMN_OK ||
	    (rc = text(c, p, dpo, "name", false, DATAMAP_NAME_MAX, false)) != CMN_OK ||
	    (rc = text(c, p, dpo, "postal", false, DATAMAP_TEXT_MAX, true)) != CMN_OK ||
	    (rc = text(c, p, dpo, "email", false, 254, false)) != CMN_OK ||
	    (rc = url(c, p, dpo, "form", false)) != CMN_OK)
		return rc;
	email = json_string_value(json_object_get(dpo, "email"));
	snprintf(q, sizeof(q), "%s/email", p);
	if (email && (!strchr(email, '@') || strchr(email, '@') == email || strchr(email, ' ')))
		return fault(c, q, "an e-mail address");
	if (!json_object_get(dpo, "postal") && !email)
		return fault(c, p, "a postal or an e-mail address, where the letter goes");
	return CMN_OK;
}

static bool app_shipped(const char *app)
{
	char name[200];

	if (!slug_ok(app, 64))
		return false;
	snprintf(name, sizeof(name), "apps/%s/manifest.json", app);
	return embedded_find(name) != NULL;
}

static enum cmn_rc check_services(struct check *c, const char *ptr, const json_t *holder)
{
	/* the members of each kind of service, kind first */
	static const char *const of_app[] = {"kind", "app", NULL};
	static const char *const of_oauth[] = {"kind", "client", NULL};
	static const char *const of_other[] = {"kind", "name", "url", NULL};
	const json_t *list, *item;
	size_t i;
	enum cmn_rc rc = array(c, ptr, holder, "services", false, &list);

	json_array_foreach(list, i, item) {
		char p[200], q[220];
		const char *kind, *v;

		if (rc != CMN_OK)
			break;
		snprintf(p, sizeof(p), "%s/services/%zu", ptr, i);
		if (!json_is_object(item)) {
			rc = fault(c, p, "an object");
			break;
		}
		if ((rc = text(c, p, item, "kind", true, 16, false)) != CMN_OK)
			break;
		kind = json_string_value(json_object_get(item, "kind"));
		if (!in_list(service_kinds, kind)) {
			snprintf(q, sizeof(q), "%s/kind", p);
			rc = fault(c, q, "app, oauth or other");
			break;
		}
		rc = only_members(c, p, item,
				  strcmp(kind, "app") == 0     ? of_app
				  : strcmp(kind, "oauth") == 0 ? of_oauth
							       : of_other);
		if (rc != CMN_OK)
			break;
		if (strcmp(kind, "app") == 0) {
			v = json_string_value(json_object_get(item, "app"));
			snprintf(q, sizeof(q), "%s/app", p);
			if ((rc = text(c, p, item, "app", true, 64, false)) == CMN_OK &&
			    !app_shipped(v))
				rc = fault(c, q, "\"%s\" is not an app shipped with commune", v);
		} else if (strcmp(kind, "oauth") == 0) {
			struct client cl;

			v = json_string_value(json_object_get(item, "client"));
			snprintf(q, sizeof(q), "%s/client", p);
			if ((rc = text(c, p, item, "client", true, CRYPT_ID_LEN - 1, false)) ==
				    CMN_OK &&
			    c->s && store_client_get(c->s, v, &cl, NULL, NULL) != CMN_OK)
				rc = fault(c, q, "no service (OAuth client) %s", v);
		} else if ((rc = text(c, p, item, "name", true, DATAMAP_NAME_MAX, false)) == CMN_OK) {
			rc = url(c, p, item, "url", false);
		}
	}
	return rc;
}

/* org_is_holder - the organisation named name exists with the kind holder */
struct org_find {
	const char *name;
	bool found, holder;
};

static enum cmn_rc org_row(const struct org *o, void *ctx)
{
	struct org_find *f = ctx;

	if (strcmp(o->name, f->name) == 0) {
		f->found = true;
		f->holder = strcmp(o->kind, "holder") == 0;
	}
	return CMN_OK;
}

static enum cmn_rc check_holder(struct check *c, const json_t *holders, size_t i)
{
	static const char *const members[] = {"id",	"name",	  "sector", "organisation",
					      "description", "data", "access", "dpo",
					      "services",    NULL};
	const json_t *h = json_array_get(holders, i);
	const char *id, *sector, *org;
	char p[64], q[96];
	enum cmn_rc rc;

	snprintf(p, sizeof(p), "/holders/%zu", i);
	if ((rc = only_members(c, p, h, members)) != CMN_OK ||
	    (rc = text(c, p, h, "id", true, DATAMAP_HOLDER_ID_MAX, false)) != CMN_OK)
		return rc;
	id = json_string_value(json_object_get(h, "id"));
	snprintf(q, sizeof(q), "%s/id", p);
	if (!slug_ok(id, DATAMAP_HOLDER_ID_MAX))
		return fault(c, q, "lowercase letters, digits and '-', not first");
	for (size_t j = 0; j < i; j++)
		if (strcmp(id, json_string_value(json_object_get(json_array_get(holders, j),
								  "id"))) == 0)
			return fault(c, q, "\"%s\" is the id of /holders/%zu too", id, j);
	if ((rc = text(c, p, h, "name", true, DATAMAP_NAME_MAX, false)) != CMN_OK ||
	    (rc = text(c, p, h, "sector", true, 16, false)) != CMN_OK)
		return rc;
	sector = json_string_value(json_object_get(h, "sector"));
	snprintf(q, sizeof(q), "%s/sector", p);
	if (!in_list(sectors, sector))
		return fault(c, q, "energy, water, bank, social, tax, health, transport, telecom,"
				   " retail, public or other");
	if ((rc = text(c, p, h, "organisation", false, ORG_NAME_MAX, false)) != CMN_OK)
		return rc;
	org = json_string_value(json_object_get(h, "organisation"));
	if (org && c->s) {
		struct org_find f = {org, false, false};

		snprintf(q, sizeof(q), "%s/organisation", p);
		if ((rc = store_org_each(c->s, org_row, &f)) != CMN_OK)
			return rc;
		if (!f.found || !f.holder)
			return fault(c, q, "no organisation \"%s\" of the kind holder", org);
	}
	if ((rc = words(c, p, h, "description")) != CMN_OK || (rc = check_data(c, p, h)) != CMN_OK ||
	    (rc = check_access(c, p, h)) != CMN_OK || (rc = check_dpo(c, p, h)) != CMN_OK)
		return rc;
	return check_services(c, p, h);
}

enum cmn_rc datamap_check(struct store *s, const struct registry *reg, const char *json,
			  size_t n, json_t **canon, char *err, size_t errn)
{
	static const char *const members[] = {"territory", "updated", "note", "holders", NULL};
	struct check c = {s, reg, err, errn};
	const json_t *holders;
	const char *updated;
	struct json_parse_error jerr;
	json_t *root;
	enum cmn_rc rc;

	if (canon)
		*canon = NULL;
	if (n > DATAMAP_FILE_MAX)
		return fault(&c, "", "over %d bytes", DATAMAP_FILE_MAX);
	root = json_parse(json, n, JSON_PARSE_REJECT_DUPLICATES, &jerr);
	if (!root && jerr.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!root) {
		snprintf(err, errn, "/: not JSON (line %d, column %d: %s)", jerr.line, jerr.column,
			 jerr.text);
		return CMN_ERR_INVALID;
	}
	rc = only_members(&c, "", root, members);
	if (rc == CMN_OK)
		rc = text(&c, "", root, "territory", true, DATAMAP_NAME_MAX, false);
	if (rc == CMN_OK)
		rc = words(&c, "", root, "note");
	if (rc == CMN_OK && (rc = text(&c, "", root, "updated", false, 10, false)) == CMN_OK &&
	    (updated = json_string_value(json_object_get(root, "updated"))) &&
	    !time_is_date(updated))
		rc = fault(&c, "/updated", "a date, YYYY-MM-DD");
	holders = json_object_get(root, "holders");
	if (rc == CMN_OK && (!json_is_array(holders) || json_array_size(holders) == 0 ||
			     json_array_size(holders) > DATAMAP_HOLDERS_MAX))
		rc = fault(&c, "/holders", "an array of 1 to %d holders", DATAMAP_HOLDERS_MAX);
	for (size_t i = 0; rc == CMN_OK && i < json_array_size(holders); i++)
		rc = check_holder(&c, holders, i);
	if (rc == CMN_OK && canon)
		*canon = json_incref(root);
	json_decref(root);
	return rc;
}

enum cmn_rc datamap_load(struct store *s, const struct registry *reg, const char *json,
			 size_t n, int64_t now, size_t *count, char *err, size_t errn)
{
	struct datamap_holder *v;
	json_t *root, *holders;
	size_t nh, i;
	enum cmn_rc rc = datamap_check(s, reg, json, n, &root, err, errn);

	if (rc != CMN_OK)
		return rc;
	holders = json_object_get(root, "holders");
	nh = json_array_size(holders);
	if (!(v = calloc(nh, sizeof(*v)))) {
		json_decref(root);
		return CMN_ERR_NOMEM;
	}
	for (i = 0; rc == CMN_OK && i < nh; i++) {
		const json_t *h = json_array_get(holders, i);

		str_copy(v[i].id, sizeof(v[i].id), json_string_value(json_object_get(h, "id")));
		str_copy(v[i].name, sizeof(v[i].name),
			 json_string_value(json_object_get(h, "name")));
		if (!(v[i].body = json_text_dumps(h, JSON_COMPACT | JSON_SORT_KEYS)))
			rc = CMN_ERR_NOMEM;
	}
	if (rc == CMN_OK)
		rc = store_datamap_replace(s, v, nh, now);
	for (i = 0; i < nh; i++)
		free((char *)v[i].body);
	free(v);
	json_decref(root);
	if (rc == CMN_OK && count)
		*count = nh;
	return rc;
}

/* ---- a holder as served ---------------------------------------------------------------- */

const char *datamap_doctype_title(const struct registry *reg, const char *doctype, bool en)
{
	const struct doctype *dt = registry_find(reg, doctype);
	const char *t = dt ? json_string_value(json_object_get(json_object_get(dt->def, "title"),
							       en ? "en" : "fr"))
			   : NULL;

	return t ? t : doctype;
}

/* app_reads - whether the manifest of an app shipped with commune reads
 * one of the doctypes of data (the holder's "data" array) */
static bool app_reads(const json_t *manifest, const json_t *data)
{
	const json_t *read = json_object_get(json_object_get(manifest, "permissions"), "read");
	const json_t *r, *d;
	size_t i, j;

	json_array_foreach(read, i, r) {
		json_array_foreach(data, j, d) {
			const char *a = json_string_value(json_object_get(r, "doctype"));
			const char *b = json_string_value(json_object_get(d, "doctype"));

			if (a && b && strcmp(a, b) == 0)
				return true;
		}
	}
	return false;
}

static bool service_named(const json_t *services, const char *app)
{
	const json_t *sv;
	size_t i;

	json_array_foreach(services, i, sv) {
		const char *a = json_string_value(json_object_get(sv, "app"));

		if (a && strcmp(a, app) == 0)
			return true;
	}
	return false;
}

/* derive_apps - the apps shipped with commune that read the holder's data,
 * appended to services when the catalogue did not name them; false when
 * memory ran out (a holder shown without one would hide a service) */
static bool derive_apps(json_t *holder, json_t *services)
{
	const json_t *data = json_object_get(holder, "data");

	for (size_t i = 0; i < embedded_count; i++) {
		const char *name = embedded_files[i].name, *slash;
		char app[80];
		json_t *m;
		bool ok = true;

		if (strncmp(name, "apps/", 5) != 0 || !(slash = strchr(name + 5, '/')) ||
		    strcmp(slash, "/manifest.json") != 0 || (size_t)(slash - name - 5) >= sizeof(app))
			continue;
		snprintf(app, sizeof(app), "%.*s", (int)(slash - name - 5), name + 5);
		if (service_named(services, app))
			continue;
		/* the shipped manifests are checked at build: only memory fails */
		if (!(m = json_parse((const char *)embedded_files[i].data, embedded_files[i].len, 0,
				     NULL)))
			return false;
		if (app_reads(m, data))
			ok = json_array_append_new(
				 services,
				 json_pack("{s:s, s:s, s:O?, s:b}", "kind", "app", "app", app,
					   "name", json_object_get(m, "name"), "derived", 1)) == 0;
		json_decref(m);
		if (!ok)
			return false;
	}
	return true;
}

json_t *datamap_holder_json(const struct registry *reg, const char *body)
{
	json_t *h = json_parse_str(body), *services, *d;
	size_t i;

	if (!h)
		return NULL;
	json_array_foreach(json_object_get(h, "data"), i, d) {
		const char *dt = json_string_value(json_object_get(d, "doctype"));

		if (json_object_set_new(d, "title",
					json_pack("{s:s, s:s}", "fr",
						  datamap_doctype_title(reg, dt, false), "en",
						  datamap_doctype_title(reg, dt, true))) != 0)
			goto fail;
	}
	services = json_object_get(h, "services");
	if (!services) {
		services = json_array();
		if (json_object_set_new(h, "services", services) != 0)
			goto fail;
	}
	if (!derive_apps(h, services))
		goto fail;
	return h;
fail:
	json_decref(h);
	return NULL;
}
