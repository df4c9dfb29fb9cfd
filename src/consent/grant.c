/*
 * grant.c - consent records: the terms a grant is asked with, the grant
 * read for checks, and the checks themselves. See grant.h.
 */
#include "consent/grant.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "record/schema.h"
#include "core/timeutil.h"

static const char *const status_names[] = {
	[GRANT_REQUESTED] = "requested", [GRANT_GIVEN] = "given",
	[GRANT_REFUSED] = "refused",     [GRANT_WITHDRAWN] = "withdrawn",
	[GRANT_EXPIRED] = "expired",
};

static const struct {
	enum grant_op op;
	const char *name;
} ops[] = {
	{GRANT_OP_READ, "read"},
	{GRANT_OP_AGGREGATE, "aggregate-only"},
	{GRANT_OP_COMPUTE, "compute-only"},
};

/* the DPV purposes a grant may name (https://w3id.org/dpv, the "Purpose"
 * taxonomy), those that fit the uses of the seeds */
static const char *const purposes[] = {
	"ServiceProvision",
	"ServicePersonalisation",
	"PersonalisedBenefits",
	"ResearchAndDevelopment",
	"AcademicResearch",
	"PublicBenefit",
	"CommunicationManagement",
	"EnforceSecurity",
	"FulfilmentOfContractualObligation",
	"EstablishContractualAgreement",
	"RequestedServiceProvision",
	"IdentityVerification",
	"PersonnelManagement",
};

/* legal bases: our name, the DPV-GDPR concept (GDPR Art. 6(1)) */
static const struct {
	const char *name, *dpv;
} bases[] = {
	{"consent", "dpv-gdpr:A6-1-a"},          {"contract", "dpv-gdpr:A6-1-b"},
	{"legal-obligation", "dpv-gdpr:A6-1-c"}, {"vital-interest", "dpv-gdpr:A6-1-d"},
	{"public-task", "dpv-gdpr:A6-1-e"},      {"legitimate-interest", "dpv-gdpr:A6-1-f"},
};

const char *grant_status_name(enum grant_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(*status_names) ? status_names[s] : "?";
}

bool grant_status_parse(const char *name, enum grant_status *out)
{
	for (size_t i = 0; name && i < sizeof(status_names) / sizeof(*status_names); i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum grant_status)i;
			return true;
		}
	return false;
}

const char *grant_op_name(enum grant_op op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "?";
}

bool grant_op_parse(const char *name, enum grant_op *out)
{
	for (size_t i = 0; name && i < sizeof(ops) / sizeof(*ops); i++)
		if (strcmp(name, ops[i].name) == 0) {
			*out = ops[i].op;
			return true;
		}
	return false;
}

bool grant_procedure_parse(const char *name, enum grant_procedure *out)
{
	if (name && strcmp(name, "import") == 0) {
		*out = GRANT_PROC_IMPORT;
		return true;
	}
	if (name && strcmp(name, "attest") == 0) {
		*out = GRANT_PROC_ATTEST;
		return true;
	}
	return false;
}

bool grant_purpose_known(const char *dpv)
{
	for (size_t i = 0; dpv && i < sizeof(purposes) / sizeof(*purposes); i++)
		if (strcmp(dpv, purposes[i]) == 0)
			return true;
	return false;
}

const char *grant_legal_basis_dpv(const char *basis)
{
	for (size_t i = 0; basis && i < sizeof(bases) / sizeof(*bases); i++)
		if (strcmp(basis, bases[i].name) == 0)
			return bases[i].dpv;
	return NULL;
}

const char *grant_deny_text(enum grant_deny d)
{
	switch (d) {
	case GRANT_ALLOWED: return "allowed";
	case GRANT_DENY_STATUS: return "the consent is not given (requested, refused or withdrawn)";
	case GRANT_DENY_NOT_YET: return "the consent is not valid yet";
	case GRANT_DENY_EXPIRED: return "the consent has expired";
	case GRANT_DENY_DOCTYPE: return "this kind of data is outside the consent";
	case GRANT_DENY_OPERATION: return "the consent does not allow this use of the data";
	case GRANT_DENY_FIELD: return "a field asked for is outside the consent";
	case GRANT_DENY_PERIOD: return "data of this period is outside the consent";
	case GRANT_DENY_BLOCKED: return "the service is blocked";
	case GRANT_DENY_ITEM: return "this record or series is outside the consent";
	}
	return "refused";
}

/* ---- terms -------------------------------------------------------------- */

static enum cmn_rc check_text(const json_t *text, char *err, size_t n)
{
	static const char *const langs[] = {"fr", "en", NULL};
	const char *bad;

	if (!json_is_object(text))
		return schema_fault(err, n, "/purpose/text: an object {\"fr\": ..., \"en\": ...} is required");
	if ((bad = json_member_outside(text, langs)))
		return schema_fault(err, n, "/purpose/text/%.40s: only fr and en are known", bad);
	for (size_t i = 0; langs[i]; i++) {
		const char *s = json_string_value(json_object_get(text, langs[i]));

		if (!s || !*s)
			return schema_fault(err, n, "/purpose/text/%s: the purpose in plain words is required",
				     langs[i]);
		if (strlen(s) > GRANT_TEXT_MAX)
			return schema_fault(err, n, "/purpose/text/%s: at most %d bytes", langs[i],
				     GRANT_TEXT_MAX);
	}
	return CMN_OK;
}

/* check_names - an array of 1..max distinct names (dots allowed or not). */
static enum cmn_rc check_names(const json_t *a, const char *where, size_t max, size_t len,
			       bool dots, bool required, char *err, size_t n)
{
	size_t i, j;
	json_t *v;

	if (!a && !required)
		return CMN_OK;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return schema_fault(err, n, "%s: a non-empty array is required", where);
	if (json_array_size(a) > max)
		return schema_fault(err, n, "%s: at most %zu", where, max);
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		if (!s || !str_is_name(s, len, dots))
			return schema_fault(err, n, "%s/%zu: not a name", where, i);
		for (j = 0; j < i; j++)
			if (strcmp(s, json_string_value(json_array_get(a, j))) == 0)
				return schema_fault(err, n, "%s/%zu: given twice", where, i);
	}
	return CMN_OK;
}

static enum cmn_rc check_time(const json_t *o, const char *key, const char *where, int64_t *t,
			      char *err, size_t n)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return CMN_OK;
	if (!json_is_string(v) || time_parse(json_string_value(v), true, t) != CMN_OK)
		return schema_fault(err, n, "%s/%s: an RFC 3339 date or date-time is required", where, key);
	return CMN_OK;
}

/* record_ref_split - "doctype/uuid" into its doctype and id; false when
 * it is not one. */
static bool record_ref_split(const char *ref, char doctype[CMN_DOCTYPE_NAME_MAX + 1],
			     char id[CRYPT_UUID_LEN])
{
	const char *slash = ref ? strrchr(ref, '/') : NULL;
	unsigned char b[16];
	size_t dn;

	if (!slash)
		return false;
	dn = (size_t)(slash - ref);
	if (dn == 0 || dn > CMN_DOCTYPE_NAME_MAX || strlen(slash + 1) != CRYPT_UUID_LEN - 1)
		return false;
	memcpy(doctype, ref, dn);
	doctype[dn] = '\0';
	str_copy(id, CRYPT_UUID_LEN, slash + 1);
	return str_is_name(doctype, CMN_DOCTYPE_NAME_MAX, true) && crypt_uuid_parse(id, b);
}

/* series_id_valid - a series id: 32 lowercase hexadecimal digits. */
static bool series_id_valid(const char *id)
{
	return id && strlen(id) == CRYPT_ID_LEN - 1 &&
	       strspn(id, "0123456789abcdef") == CRYPT_ID_LEN - 1;
}

/* check_chosen - the records ("doctype/uuid") and series (ids) a scope
 * names, each at most once. */
static enum cmn_rc check_chosen(const json_t *scope, char *err, size_t n)
{
	static const struct {
		const char *key;
		size_t max;
	} lists[] = {{"records", GRANT_MAX_RECORDS}, {"series", GRANT_MAX_SERIES}};

	for (size_t k = 0; k < sizeof(lists) / sizeof(*lists); k++) {
		const json_t *a = json_object_get(scope, lists[k].key);
		size_t i;
		json_t *v;

		if (!a)
			continue;
		if (!json_is_array(a) || json_array_size(a) == 0)
			return schema_fault(err, n, "/scope/%s: a non-empty array is required", lists[k].key);
		if (json_array_size(a) > lists[k].max)
			return schema_fault(err, n, "/scope/%s: at most %zu", lists[k].key, lists[k].max);
		json_array_foreach(a, i, v) {
			char dt[CMN_DOCTYPE_NAME_MAX + 1], id[CRYPT_UUID_LEN];
			const char *s = json_string_value(v);

			if (k == 0 && !record_ref_split(s, dt, id))
				return schema_fault(err, n, "/scope/records/%zu: a record as doctype/id is"
						     " required", i);
			if (k == 1 && !series_id_valid(s))
				return schema_fault(err, n, "/scope/series/%zu: not a series id", i);
			for (size_t j = 0; j < i; j++)
				if (strcmp(s, json_string_value(json_array_get(a, j))) == 0)
					return schema_fault(err, n, "/scope/%s/%zu: given twice",
						     lists[k].key, i);
		}
	}
	return CMN_OK;
}

static enum cmn_rc check_scope(const json_t *scope, char *err, size_t n)
{
	static const char *const known[] = {"doctypes", "fields", "from", "to", "operations",
					    "records", "series", NULL};
	bool chosen;
	int64_t from = INT64_MIN, to = INT64_MAX;
	enum grant_op op;
	const char *bad;
	enum cmn_rc rc;
	size_t i;
	json_t *v, *o;

	if (!json_is_object(scope))
		return schema_fault(err, n, "/scope: an object is required");
	if ((bad = json_member_outside(scope, known)))
		return schema_fault(err, n, "/scope/%.40s: not a member of a scope", bad);
	/* chosen records and series name their own doctypes (the consent
	 * layer derives them); otherwise doctypes say what is in scope */
	chosen = json_object_get(scope, "records") || json_object_get(scope, "series");
	if (chosen && json_object_get(scope, "doctypes"))
		return schema_fault(err, n, "/scope/doctypes: chosen records and series name their own"
				     " doctypes; give one or the other");
	rc = check_chosen(scope, err, n);
	if (rc == CMN_OK)
		rc = check_names(json_object_get(scope, "doctypes"), "/scope/doctypes",
				 GRANT_MAX_DOCTYPES, CMN_DOCTYPE_NAME_MAX, true, !chosen, err, n);
	if (rc == CMN_OK)
		rc = check_names(json_object_get(scope, "fields"), "/scope/fields", GRANT_MAX_FIELDS,
				 GRANT_FIELD_MAX, false, false, err, n);
	if (rc == CMN_OK)
		rc = check_time(scope, "from", "/scope", &from, err, n);
	if (rc == CMN_OK)
		rc = check_time(scope, "to", "/scope", &to, err, n);
	if (rc == CMN_OK && from >= to)
		rc = schema_fault(err, n, "/scope/to: must come after from");
	if (rc != CMN_OK)
		return rc;
	v = json_object_get(scope, "operations");
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 3)
		return schema_fault(err, n, "/scope/operations: a non-empty array of read, aggregate-only,"
				     " compute-only is required");
	json_array_foreach(v, i, o) {
		if (!grant_op_parse(json_string_value(o), &op))
			return schema_fault(err, n, "/scope/operations/%zu: one of read, aggregate-only,"
					     " compute-only", i);
	}
	return CMN_OK;
}

enum cmn_rc grant_terms_check(const json_t *terms, char *err, size_t n)
{
	static const char *const known[] = {"grantee", "purpose", "legal_basis", "scope",
					    "valid_from", "valid_until", NULL};
	static const char *const kinds[] = {"service", "org", "person", "link"};
	const json_t *grantee = json_object_get(terms, "grantee");
	const json_t *purpose = json_object_get(terms, "purpose");
	int64_t from = time_now_ms(), until = INT64_MAX; /* from: now, unless given */
	const char *bad, *kind;
	enum cmn_rc rc;
	size_t k = 0;

	if (!json_is_object(terms))
		return schema_fault(err, n, ": an object is required");
	if ((bad = json_member_outside(terms, known)))
		return schema_fault(err, n, "/%.40s: not a member of a consent", bad);
	kind = json_string_value(json_object_get(grantee, "kind"));
	while (kind && k < sizeof(kinds) / sizeof(*kinds) && strcmp(kind, kinds[k]) != 0)
		k++;
	if (!json_is_object(grantee) || !kind || k == sizeof(kinds) / sizeof(*kinds))
		return schema_fault(err, n, "/grantee/kind: one of service, org, person, link is required");
	if (strcmp(kind, "link") != 0 && !json_is_string(json_object_get(grantee, "id")) &&
	    !json_is_string(json_object_get(grantee, "handle")))
		return schema_fault(err, n, "/grantee/id: the grantee's id (or a person's handle) is required");
	if (!json_is_object(purpose) ||
	    !grant_purpose_known(json_string_value(json_object_get(purpose, "dpv"))))
		return schema_fault(err, n, "/purpose/dpv: one of the DPV purposes of docs/consent.md is"
				     " required");
	rc = check_text(json_object_get(purpose, "text"), err, n);
	if (rc != CMN_OK)
		return rc;
	if (!grant_legal_basis_dpv(json_string_value(json_object_get(terms, "legal_basis"))))
		return schema_fault(err, n, "/legal_basis: one of consent, contract, legal-obligation,"
				     " vital-interest, public-task, legitimate-interest");
	rc = check_scope(json_object_get(terms, "scope"), err, n);
	if (rc == CMN_OK)
		rc = check_time(terms, "valid_from", "", &from, err, n);
	if (rc == CMN_OK)
		rc = check_time(terms, "valid_until", "", &until, err, n);
	if (rc == CMN_OK && from >= until)
		rc = schema_fault(err, n, "/valid_until: must come after valid_from");
	return rc;
}

/* ---- the grant, for checks -------------------------------------------------- */

static void time_or(const json_t *o, const char *key, int64_t dflt, int64_t *out)
{
	*out = dflt;
	if (json_is_string(json_object_get(o, key)) &&
	    time_parse(json_string_value(json_object_get(o, key)), true, out) != CMN_OK)
		*out = dflt;
}

/* text_of - a JSON string's text, "" for anything else. */
static const char *text_of(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* read_chosen - the records and series a stored scope names; each
 * record's doctype must be one of the grant's (consent.c derives them). */
static enum cmn_rc read_chosen(const json_t *scope, struct grant *g)
{
	const json_t *records = json_object_get(scope, "records");
	const json_t *series = json_object_get(scope, "series");
	size_t i;
	json_t *v;

	g->chosen = records || series;
	json_array_foreach(records, i, v) {
		char dt[CMN_DOCTYPE_NAME_MAX + 1];
		struct grant_record *r = &g->records[g->nrecords];
		size_t k = 0;

		if (g->nrecords == GRANT_MAX_RECORDS || !record_ref_split(text_of(v), dt, r->id))
			return CMN_ERR_INVALID;
		while (k < g->ndoctypes && strcmp(g->doctypes[k], dt) != 0)
			k++;
		if (k == g->ndoctypes)
			return CMN_ERR_INVALID;
		r->doctype = (unsigned char)k;
		g->nrecords++;
	}
	json_array_foreach(series, i, v) {
		if (g->nseries == GRANT_MAX_SERIES || !series_id_valid(text_of(v)))
			return CMN_ERR_INVALID;
		str_copy(g->series[g->nseries++], sizeof(g->series[0]), text_of(v));
	}
	return CMN_OK;
}

enum cmn_rc grant_read(const json_t *stored, struct grant *g)
{
	const json_t *grantee = json_object_get(stored, "grantee");
	const json_t *scope = json_object_get(stored, "scope");
	const json_t *a;
	json_t *v;
	size_t i;

	memset(g, 0, sizeof(*g));
	if (!json_is_object(stored) || !json_is_object(grantee) || !json_is_object(scope))
		return CMN_ERR_INVALID;
	str_copy(g->id, sizeof(g->id), text_of(json_object_get(stored, "id")));
	str_copy(g->person_id, sizeof(g->person_id), text_of(json_object_get(stored, "person")));
	str_copy(g->grantee_kind, sizeof(g->grantee_kind), text_of(json_object_get(grantee, "kind")));
	str_copy(g->grantee_id, sizeof(g->grantee_id), text_of(json_object_get(grantee, "id")));
	str_copy(g->purpose, sizeof(g->purpose), text_of(json_object_get(json_object_get(stored, "purpose"), "dpv")));
	if (!grant_status_parse(json_string_value(json_object_get(stored, "status")), &g->status) ||
	    g->status == GRANT_EXPIRED)
		return CMN_ERR_INVALID;
	g->share = json_is_object(json_object_get(stored, "share"));
	g->views = json_integer_value(json_object_get(json_object_get(stored, "share"), "views"));
	g->mandate = json_is_object(json_object_get(stored, "mandate"));
	g->campaign = json_is_object(json_object_get(stored, "campaign"));
	json_array_foreach(json_object_get(json_object_get(stored, "mandate"), "procedures"), i, v) {
		enum grant_procedure p;

		if (grant_procedure_parse(json_string_value(v), &p))
			g->procedures |= (unsigned)p;
	}
	g->passcode = json_is_string(json_object_get(json_object_get(stored, "share"), "passcode"));
	time_or(stored, "valid_from", INT64_MIN, &g->valid_from);
	time_or(stored, "valid_until", INT64_MAX, &g->valid_until);
	time_or(scope, "from", INT64_MIN, &g->data_from);
	time_or(scope, "to", INT64_MAX, &g->data_to);
	a = json_object_get(scope, "operations");
	json_array_foreach(a, i, v) {
		enum grant_op op;

		if (grant_op_parse(json_string_value(v), &op))
			g->ops |= (unsigned)op;
	}
	a = json_object_get(scope, "doctypes");
	json_array_foreach(a, i, v) {
		if (g->ndoctypes < GRANT_MAX_DOCTYPES && json_is_string(v))
			str_copy(g->doctypes[g->ndoctypes++], sizeof(g->doctypes[0]), text_of(v));
	}
	a = json_object_get(scope, "fields");
	json_array_foreach(a, i, v) {
		if (g->nfields < GRANT_MAX_FIELDS && json_is_string(v))
			str_copy(g->fields[g->nfields++], sizeof(g->fields[0]), text_of(v));
	}
	if (read_chosen(scope, g) != CMN_OK)
		return CMN_ERR_INVALID;
	if (!g->id[0] || !g->person_id[0] || !g->ndoctypes || !g->ops)
		return CMN_ERR_INVALID;
	return CMN_OK;
}

enum grant_status grant_effective_status(const struct grant *g, int64_t now)
{
	if (g->status == GRANT_GIVEN && now >= g->valid_until)
		return GRANT_EXPIRED;
	return g->status;
}

enum grant_deny grant_check(const struct grant *g, int64_t now, const char *doctype, unsigned op)
{
	size_t i;

	if (g->status != GRANT_GIVEN)
		return GRANT_DENY_STATUS;
	if (now < g->valid_from)
		return GRANT_DENY_NOT_YET;
	if (now >= g->valid_until)
		return GRANT_DENY_EXPIRED;
	for (i = 0; i < g->ndoctypes; i++)
		if (strcmp(g->doctypes[i], doctype) == 0)
			break;
	if (i == g->ndoctypes)
		return GRANT_DENY_DOCTYPE;
	if (!op || (g->ops & op) != op)
		return GRANT_DENY_OPERATION;
	return GRANT_ALLOWED;
}

bool grant_field_allowed(const struct grant *g, const char *field)
{
	if (!g->nfields)
		return true;
	for (size_t i = 0; i < g->nfields; i++)
		if (strcmp(g->fields[i], field) == 0)
			return true;
	return false;
}

bool grant_record_allowed(const struct grant *g, const char *doctype, const char *id)
{
	if (!g->chosen)
		return true;
	for (size_t i = 0; i < g->nrecords; i++)
		if (strcmp(g->records[i].id, id) == 0 &&
		    strcmp(g->doctypes[g->records[i].doctype], doctype) == 0)
			return true;
	return false;
}

bool grant_series_allowed(const struct grant *g, const char *id)
{
	if (!g->chosen)
		return true;
	for (size_t i = 0; i < g->nseries; i++)
		if (strcmp(g->series[i], id) == 0)
			return true;
	return false;
}

bool grant_time_allowed(const struct grant *g, int64_t t)
{
	if (g->data_from == INT64_MIN && g->data_to == INT64_MAX)
		return true;
	return t != INT64_MIN && t >= g->data_from && t < g->data_to;
}

void grant_project(const struct grant *g, json_t *data)
{
	const char *key;
	json_t *v;
	void *tmp;

	if (!g->nfields || !json_is_object(data))
		return;
	json_object_foreach_safe(data, tmp, key, v) {
		(void)v;
		if (!grant_field_allowed(g, key))
			json_object_del(data, key);
	}
}
