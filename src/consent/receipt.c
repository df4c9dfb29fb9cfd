/*
 * receipt.c - the Kantara Consent Receipt v1.1 of a grant, its JWS, and the
 * grant as a DPV consent record. See receipt.h; docs/consent.md maps every
 * field.
 */
#include "consent/receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/limits.h"
#include "core/timeutil.h"

/* ---- words ------------------------------------------------------------------- */

/* What a receipt says in words, per language. Each %s is the platform's
 * name except where noted. */
static const struct wording {
	const char *lang;
	const char *given;           /* the person gave it in the dashboard */
	const char *asked;           /* a service asked, the person answered */
	const char *sharing;         /* service name of a non-service grantee (%s: its name) */
	const char *withdraw_until;  /* termination (%s: platform, then the end time) */
	const char *withdraw_open;   /* termination of a grant without end */
	const char *until_withdrawn; /* DPV: the duration of an open grant */
} wordings[] = {
    {"en", "Given by the person in the consent dashboard of %s",
     "Asked for by the service through %s, then given by the person in %s", "Sharing with %s",
     "Can be withdrawn at any time, in one step, in the consent dashboard of %s; "
     "otherwise it ends at %s",
     "Can be withdrawn at any time, in one step, in the consent dashboard of %s; "
     "it has no end date",
     "until the person withdraws it"},
    {"fr", "Donné par la personne dans le tableau de bord des consentements de %s",
     "Demandé par le service via %s, puis donné par la personne dans %s", "Partage avec %s",
     "Peut être retiré à tout moment, en une seule action, dans le tableau de bord des "
     "consentements de %s ; sinon il prend fin le %s",
     "Peut être retiré à tout moment, en une seule action, dans le tableau de bord des "
     "consentements de %s ; il n'a pas de date de fin",
     "jusqu'à ce que la personne le retire"},
};

static const struct wording *wording(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof(wordings) / sizeof(*wordings); i++)
		if (strcmp(wordings[i].lang, lang) == 0)
			return &wordings[i];
	return NULL;
}

bool receipt_lang_ok(const char *lang)
{
	return wording(lang) != NULL;
}

/* ---- categories ---------------------------------------------------------------- */

/* The Kantara v1.1 purpose category (the specification's appendix list)
 * that fits a DPV purpose, when one does; the DPV concept itself is always
 * given beside it. */
static const struct {
	const char *dpv, *kantara;
} purpose_categories[] = {
    {"ServiceProvision", "2 - Contracted Service"},
    {"RequestedServiceProvision", "2 - Contracted Service"},
    {"FulfilmentOfContractualObligation", "2 - Contracted Service"},
    {"EstablishContractualAgreement", "2 - Contracted Service"},
    {"ServicePersonalisation", "5 - Personalize Experience"},
    {"PersonalisedBenefits", "5 - Personalize Experience"},
    {"CommunicationManagement", "4 - Contact Requested"},
    {"IdentityVerification", "1 - Core Function"},
    {"EnforceSecurity", "15 - Protecting Our Interests"},
};

/* The Kantara v1.1 PII category of the doctypes of a family (the part of
 * the name before the first dot). A family not listed (document) gets none:
 * what a file holds is not known. */
static const struct {
	const char *family, *kantara;
} pii_categories[] = {
    {"bank", "7 - Financial"},
    {"tax", "7 - Financial"},
    {"social", "9 - Social Benefit Data"},
    {"calendar", "4 - Communications/Social"},
    {"energy", "15 - Behavioral"},
    {"water", "15 - Behavioral"},
    {"mobility", "15 - Behavioral"},
    {"food", "15 - Behavioral"},
};

static const char *purpose_category(const char *dpv)
{
	for (size_t i = 0; dpv && i < sizeof(purpose_categories) / sizeof(*purpose_categories); i++)
		if (strcmp(purpose_categories[i].dpv, dpv) == 0)
			return purpose_categories[i].kantara;
	return NULL;
}

static const char *pii_category(const char *doctype)
{
	size_t n = strcspn(doctype, ".");

	for (size_t i = 0; i < sizeof(pii_categories) / sizeof(*pii_categories); i++)
		if (strlen(pii_categories[i].family) == n &&
		    strncmp(pii_categories[i].family, doctype, n) == 0)
			return pii_categories[i].kantara;
	return NULL;
}

/* append_unique - appends the string s to the array *a unless it is there;
 * *a released and NULL when it cannot (json_push). */
static void append_unique(json_t **a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(*a, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return;
	}
	json_push(a, json_string(s));
}

/* sensitivity - the registry's class of a doctype ("" when unknown). */
static const char *sensitivity(const struct registry *reg, const char *doctype)
{
	const struct doctype *dt = reg ? registry_find(reg, doctype) : NULL;

	return dt && dt->sensitivity ? dt->sensitivity : "";
}

static bool is_sensitive(const struct registry *reg, const char *doctype)
{
	const char *s = sensitivity(reg, doctype);

	return strcmp(s, "sensitive") == 0 || strcmp(s, "special") == 0;
}

/* ---- reading the view -------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* history_first - the first history entry with status, or NULL. */
static const json_t *history_first(const json_t *view, const char *status)
{
	const json_t *history = json_object_get(view, "history");
	size_t i;
	json_t *h;

	json_array_foreach(history, i, h)
	{
		if (str(h, "status") && strcmp(str(h, "status"), status) == 0)
			return h;
	}
	return NULL;
}

/* history_last - the last history entry, or NULL. */
static const json_t *history_last(const json_t *view)
{
	const json_t *history = json_object_get(view, "history");
	size_t n = json_array_size(history);

	return n ? json_array_get(history, n - 1) : NULL;
}

static const char *doctype_at(const json_t *view, size_t i)
{
	return json_string_value(
	    json_array_get(json_object_get(json_object_get(view, "scope"), "doctypes"), i));
}

static size_t doctype_count(const json_t *view)
{
	return json_array_size(json_object_get(json_object_get(view, "scope"), "doctypes"));
}

/* ---- the Kantara receipt ------------------------------------------------------------ */

/* A receipt is signed and kept by the person: one without a purpose
 * category, a data category or a contact that could not be added (out of
 * memory) would be a signed false statement of what they agreed to. Every
 * builder below returns NULL then, and receipt_kantara CMN_ERR_NOMEM
 * (json_put and json_push; json_pack fails on a NULL "o"). */

/* client_email - the first contact of a service's registration that looks
 * like an e-mail address (RFC 7591 "contacts"), or NULL. */
static const char *client_email(const json_t *client)
{
	const json_t *contacts = json_object_get(client, "contacts");
	size_t i;
	json_t *v;

	json_array_foreach(contacts, i, v)
	{
		const char *s = json_string_value(v);

		if (s && strchr(s, '@') && strlen(s) <= 254)
			return s;
	}
	return NULL;
}

/*
 * The PII controller is the grantee: for a service, the organisation that
 * registered it; otherwise the organisation or the person. commune records
 * no postal address nor phone number of anyone, and an e-mail address only
 * when a service gave contacts at registration: those fields are empty
 * ("" and {}) rather than filled with someone else's details.
 */
static json_t *controller(const struct receipt_in *in)
{
	const json_t *g = json_object_get(in->view, "grantee");
	const char *kind = str(g, "kind"), *name = str(g, "name");
	const char *email = NULL, *url = NULL;
	json_t *c;

	if (kind && strcmp(kind, "service") == 0) {
		if (str(g, "org"))
			name = str(g, "org");
		email = client_email(in->client);
		url = str(in->client, "client_uri");
	}
	if (!name)
		name = "";
	c = json_pack("{s:s, s:b, s:s, s:{}, s:s, s:s}", "piiController", name, "onBehalf", 0,
		      "contact", email ? email : name, "address", "email", email ? email : "",
		      "phone", "");
	if (url)
		json_put(&c, "piiControllerUrl", json_string(url));
	return c;
}

static json_t *purpose(const struct receipt_in *in, const struct wording *w)
{
	const json_t *p = json_object_get(in->view, "purpose");
	const char *dpv = str(p, "dpv"), *until = str(in->view, "valid_until");
	const char *cat = purpose_category(dpv);
	const char *basis = str(in->view, "legal_basis");
	char termination[512], iri[128];
	json_t *cats = json_array(), *pii = json_array();
	size_t i, n = doctype_count(in->view);

	if (cat)
		json_push(&cats, json_string(cat));
	snprintf(iri, sizeof(iri), "https://w3id.org/dpv#%s", dpv ? dpv : "Purpose");
	json_push(&cats, json_string(iri));
	/* the Kantara categories first, then the doctypes themselves */
	for (i = 0; pii && i < n; i++) {
		const char *pc = pii_category(doctype_at(in->view, i));

		if (pc)
			append_unique(&pii, pc);
	}
	for (i = 0; pii && i < n; i++)
		append_unique(&pii, doctype_at(in->view, i));
	if (until)
		snprintf(termination, sizeof(termination), w->withdraw_until, in->platform, until);
	else
		snprintf(termination, sizeof(termination), w->withdraw_open, in->platform);
	/* no right to pass the data on is given by a grant: nothing is
	 * disclosed to a third party under it; cats and pii are stolen, and
	 * the receipt fails when either is NULL */
	return json_pack(
	    "{s:s, s:o, s:s, s:o, s:b, s:s, s:b}", "purpose",
	    str(json_object_get(p, "text"), w->lang) ? str(json_object_get(p, "text"), w->lang)
						     : "",
	    "purposeCategory", cats, "consentType",
	    basis && strcmp(basis, "consent") == 0 ? "EXPLICIT" : "N/A", "piiCategory", pii,
	    "primaryPurpose", 1, "termination", termination, "thirdPartyDisclosure", 0);
}

static json_t *service(const struct receipt_in *in, const struct wording *w)
{
	const json_t *g = json_object_get(in->view, "grantee");
	const char *kind = str(g, "kind"), *name = str(g, "name");
	char label[600];

	if (!name)
		name = "";
	if (kind && strcmp(kind, "service") == 0)
		snprintf(label, sizeof(label), "%s", name);
	else
		snprintf(label, sizeof(label), w->sharing, name);
	return json_pack("{s:s, s:[o]}", "service", label, "purposes", purpose(in, w));
}

enum cmn_rc receipt_kantara(const struct receipt_in *in, json_t **out)
{
	const struct wording *w = wording(in->lang);
	const json_t *given = history_first(in->view, "given");
	const json_t *first = history_first(in->view, "requested");
	char method[400], name[CRYPT_ID_LEN + TIME_RFC3339_LEN + 16], id[CRYPT_UUID_LEN];
	json_t *spi = json_array(), *r;
	bool sensitive = false;
	int64_t at;

	*out = NULL;
	if (!w || !str(in->view, "id")) {
		json_decref(spi);
		return CMN_ERR_INVALID;
	}
	if (!given || time_parse(str(given, "at"), false, &at) != CMN_OK) {
		json_decref(spi);
		return CMN_ERR_CONFLICT;
	}
	for (size_t i = 0; spi && i < doctype_count(in->view); i++) {
		const char *dt = doctype_at(in->view, i), *pc = pii_category(dt);

		if (!is_sensitive(in->reg, dt))
			continue;
		sensitive = true;
		append_unique(&spi, pc ? pc : dt);
	}
	if (first)
		snprintf(method, sizeof(method), w->asked, in->platform, in->platform);
	else
		snprintf(method, sizeof(method), w->given, in->platform);
	/* one receipt per consent given: the same grant and time always give
	 * the same receipt id */
	snprintf(name, sizeof(name), "receipt:%s:%s", str(in->view, "id"), str(given, "at"));
	crypt_uuid_name(name, id);
	r = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:[o], s:s, s:[o], s:b, s:o}", "version",
		      RECEIPT_VERSION, "jurisdiction", RECEIPT_JURISDICTION, "consentTimestamp",
		      (json_int_t)time_floor_div(at, 1000), "collectionMethod", method,
		      "consentReceiptID", id, "language", w->lang, "piiPrincipalId",
		      in->person_handle ? in->person_handle : "", "piiControllers", controller(in),
		      "policyUrl",
		      str(in->client, "policy_uri") ? str(in->client, "policy_uri") : "",
		      "services", service(in, w), "sensitive", sensitive, "spiCat", spi);
	if (!r)
		return CMN_ERR_NOMEM;
	*out = r;
	return CMN_OK;
}

enum cmn_rc receipt_sign(const struct keyring *k, const json_t *receipt, char **jws)
{
	char *text = json_text_dumps(receipt, JSON_COMPACT);
	struct buf b;
	enum cmn_rc rc;

	*jws = NULL;
	if (!text)
		return CMN_ERR_NOMEM;
	buf_init(&b, RECEIPT_JWS_MAX);
	rc = keyring_jws_sign(k, RECEIPT_JWS_TYP, text, strlen(text), &b);
	free(text);
	if (rc == CMN_OK && !(*jws = buf_steal(&b)))
		rc = CMN_ERR_NOMEM;
	buf_release(&b);
	return rc;
}

/* ---- the DPV consent record ------------------------------------------------------ */

const char *receipt_dpv_status(enum grant_status s)
{
	switch (s) {
	case GRANT_REQUESTED: return "dpv:ConsentRequested";
	case GRANT_GIVEN: return "dpv:ConsentGiven";
	case GRANT_REFUSED: return "dpv:ConsentRefused";
	case GRANT_WITHDRAWN: return "dpv:ConsentWithdrawn";
	case GRANT_EXPIRED: return "dpv:ConsentExpired";
	}
	return "dpv:ConsentUnknown";
}

/* the DPV processing of each operation a grant may give */
static const struct {
	const char *op, *dpv;
} processings[] = {
    {"read", "dpv:Access"},
    {"aggregate-only", "dpv:Aggregate"},
    {"compute-only", "dpv:Analyse"},
};

static json_t *iri(const char *fmt, const char *a, const char *b)
{
	char s[256];

	snprintf(s, sizeof(s), fmt, a, b);
	return json_pack("{s:s}", "@id", s);
}

static json_t *datetime(const char *t)
{
	return json_pack("{s:s, s:s}", "@value", t, "@type", "xsd:dateTime");
}

static json_t *context(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "dpv", "https://w3id.org/dpv#", "dpv-gdpr",
			 "https://w3id.org/dpv/legal/eu/gdpr#", "dct", "http://purl.org/dc/terms/",
			 "xsd", "http://www.w3.org/2001/XMLSchema#", "rdf",
			 "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
}

/* personal_data - the doctypes of the scope, each typed with its
 * sensitivity class. */
static json_t *personal_data(const struct receipt_in *in)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < doctype_count(in->view); i++) {
		const char *dt = doctype_at(in->view, i), *s = sensitivity(in->reg, dt);
		json_t *types = json_pack("[s]", "dpv:PersonalData");
		char id[CMN_DOCTYPE_NAME_MAX + 32];

		if (strcmp(s, "special") == 0)
			json_push(&types, json_string("dpv:SpecialCategoryPersonalData"));
		else if (strcmp(s, "sensitive") == 0)
			json_push(&types, json_string("dpv:SensitivePersonalData"));
		snprintf(id, sizeof(id), "urn:commune:doctype:%s", dt);
		json_push(&a,
			  json_pack("{s:s, s:o, s:s}", "@id", id, "@type", types, "dct:title", dt));
	}
	return a;
}

static json_t *processing(const struct receipt_in *in)
{
	const json_t *ops = json_object_get(json_object_get(in->view, "scope"), "operations");
	json_t *a = json_array(), *v;
	size_t i;

	json_array_foreach(ops, i, v)
	{
		for (size_t j = 0; a && j < sizeof(processings) / sizeof(*processings); j++)
			if (json_string_value(v) &&
			    strcmp(json_string_value(v), processings[j].op) == 0)
				json_push(&a, json_pack("{s:s}", "@id", processings[j].dpv));
	}
	return a;
}

static json_t *duration(const struct receipt_in *in, const struct wording *w)
{
	const char *until = str(in->view, "valid_until");

	if (until)
		return json_pack("{s:s, s:o}", "@type", "dpv:UntilTimeDuration", "rdf:value",
				 datetime(until));
	return json_pack("{s:s, s:{s:s, s:s}}", "@type", "dpv:UntilEventDuration",
			 "dct:description", "@value", w->until_withdrawn, "@language", w->lang);
}

static json_t *handling(const struct receipt_in *in, const json_t *subject, const json_t *grantee)
{
	const json_t *p = json_object_get(in->view, "purpose");
	const json_t *text = json_object_get(p, "text");
	const char *basis = grant_legal_basis_dpv(str(in->view, "legal_basis"));
	const struct wording *w = wording(in->lang) ? wording(in->lang) : &wordings[0];
	char dpv[128];

	snprintf(dpv, sizeof(dpv), "dpv:%s", str(p, "dpv") ? str(p, "dpv") : "Purpose");
	return json_pack("{s:s, s:{s:s, s:[{s:s, s:s}, {s:s, s:s}]}, s:{s:s}, s:o, s:o, s:O, s:O, "
			 "s:O, s:o}",
			 "@type", "dpv:PersonalDataHandling", "dpv:hasPurpose", "@id", dpv,
			 "dct:description", "@value", str(text, "fr") ? str(text, "fr") : "",
			 "@language", "fr", "@value", str(text, "en") ? str(text, "en") : "",
			 "@language", "en", "dpv:hasLegalBasis", "@id",
			 basis ? basis : "dpv:LegalBasis", "dpv:hasPersonalData", personal_data(in),
			 "dpv:hasProcessing", processing(in), "dpv:hasDataSubject", subject,
			 "dpv:hasDataController", grantee, "dpv:hasRecipient", grantee,
			 "dpv:hasDuration", duration(in, w));
}

/* indicated - who and when the current status was indicated: the last
 * history entry, or the end of validity for an expired grant; *rec
 * released and NULL when they cannot be added (json_put). */
static void indicated(const struct receipt_in *in, enum grant_status s, json_t **rec)
{
	const json_t *last = history_last(in->view);

	if (s == GRANT_EXPIRED && str(in->view, "valid_until")) {
		json_put(rec, "dpv:isIndicatedAtTime", datetime(str(in->view, "valid_until")));
		return;
	}
	if (!last || !str(last, "at"))
		return;
	json_put(rec, "dpv:isIndicatedAtTime", datetime(str(last, "at")));
	if (str(last, "by"))
		json_put(rec, "dpv:isIndicatedBy", iri("urn:commune:%s%s", str(last, "by"), ""));
}

json_t *receipt_dpv(const struct receipt_in *in)
{
	const json_t *g = json_object_get(in->view, "grantee");
	const char *id = str(in->view, "id");
	enum grant_status s;
	json_t *rec = NULL, *subject, *grantee;
	char self[CRYPT_ID_LEN + 32];

	if (!id || !str(g, "kind") || !str(g, "id") ||
	    !grant_status_parse(str(in->view, "status"), &s))
		return NULL;
	/* the record is what the person keeps of the consent: it is whole
	 * or not made (json_put; json_pack fails on a NULL "o" or "O") */
	subject = iri("urn:commune:person:%s%s", in->person_id, "");
	grantee = iri("urn:commune:%s:%s", str(g, "kind"), str(g, "id"));
	json_put(&grantee, "@type",
		 json_string(strcmp(str(g, "kind"), "person") == 0 ? "dpv:NaturalPerson"
								   : "dpv:Organisation"));
	if (str(g, "name"))
		json_put(&grantee, "dpv:hasName", json_string(str(g, "name")));
	json_put(&subject, "@type", json_string("dpv:DataSubject"));
	if (!subject || !grantee)
		goto done;
	snprintf(self, sizeof(self), "urn:commune:consent:%s", id);
	rec = json_pack(
	    "{s:o, s:s, s:s, s:s, s:o, s:s, s:O, s:{s:s}, s:o}", "@context", context(), "@id", self,
	    "@type", "dpv:ConsentRecord", "dct:identifier", id, "dct:created",
	    datetime(str(in->view, "created") ? str(in->view, "created") : ""), "dct:publisher",
	    in->platform, "dpv:hasDataSubject", subject, "dpv:hasConsentStatus", "@id",
	    receipt_dpv_status(s), "dpv:hasPersonalDataHandling", handling(in, subject, grantee));
	if (rec)
		indicated(in, s, &rec);
done:
	json_decref(subject);
	json_decref(grantee);
	return rec;
}
