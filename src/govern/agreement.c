/*
 * agreement.c - the terms of data-sharing agreements, and the reads they
 * allow once their body approved them (agreement.h).
 */
#include "govern/agreement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "govern/govern.h"

void agreement_terms_release(struct agreement_terms *t)
{
	json_decref(t->root);
	memset(t, 0, sizeof(*t));
}

/* time_member - a required (or optional) RFC 3339 member of o into *out,
 * and back into o in canonical form: CMN_ERR_INVALID (err says why), or
 * CMN_ERR_NOMEM when the canonical form could not be set (the terms kept
 * would then hold another spelling than every other agreement's) */
static enum cmn_rc time_member(json_t *o, const char *key, bool required, int64_t *out,
			       char *err, size_t errn)
{
	json_t *v = json_object_get(o, key);
	char canon[TIME_RFC3339_LEN];

	*out = 0;
	if (!v && !required)
		return CMN_OK;
	if (!json_is_string(v) || time_parse(json_string_value(v), false, out) != CMN_OK) {
		snprintf(err, errn, "/%s: an RFC 3339 date-time is required", key);
		return CMN_ERR_INVALID;
	}
	time_format(canon, *out);
	return json_object_set_new(o, key, json_string(canon)) == 0 ? CMN_OK : CMN_ERR_NOMEM;
}

static bool one_doctype(const struct registry *r, json_t *item, size_t i,
			struct agreement_terms *t, char *err, size_t errn)
{
	const char *name = json_string_value(json_object_get(item, "doctype"));
	json_t *fields = json_object_get(item, "fields");
	const struct doctype *d;
	const char *key;
	json_t *v;

	json_object_foreach(item, key, v) {
		if (strcmp(key, "doctype") != 0 && strcmp(key, "fields") != 0) {
			snprintf(err, errn, "/doctypes/%zu/%.40s: unknown member", i, key);
			return false;
		}
	}
	if (!name || !(d = registry_find(r, name))) {
		snprintf(err, errn, "/doctypes/%zu/doctype: not a doctype of this platform", i);
		return false;
	}
	if (strcmp(d->kind, "document") != 0 || !d->time_field) {
		snprintf(err, errn, "/doctypes/%zu/doctype: %s has no dated records to share", i,
			 name);
		return false;
	}
	for (size_t j = 0; j < i; j++)
		if (strcmp(t->dt[j].doctype, name) == 0) {
			snprintf(err, errn, "/doctypes/%zu/doctype: %s is named twice", i, name);
			return false;
		}
	if (!json_is_array(fields) || json_array_size(fields) == 0 ||
	    json_array_size(fields) > AGREEMENT_FIELDS_MAX) {
		snprintf(err, errn, "/doctypes/%zu/fields: 1 to %d fields, named: an agreement"
				    " shares only what it names", i, AGREEMENT_FIELDS_MAX);
		return false;
	}
	t->dt[i].doctype = name;
	for (size_t j = 0; j < json_array_size(fields); j++) {
		const char *f = json_string_value(json_array_get(fields, j));

		if (!f || !doctype_field_type(d, f)) {
			snprintf(err, errn, "/doctypes/%zu/fields/%zu: not a field of %s", i, j, name);
			return false;
		}
		for (size_t k = 0; k < j; k++)
			if (strcmp(t->dt[i].fields[k], f) == 0) {
				snprintf(err, errn, "/doctypes/%zu/fields/%zu: named twice", i, j);
				return false;
			}
		t->dt[i].fields[j] = f;
	}
	t->dt[i].nfields = json_array_size(fields);
	return true;
}

enum cmn_rc agreement_terms_parse(const struct registry *r, const char *json, size_t n,
				  struct agreement_terms *t, char *err, size_t errn)
{
	static const char *const known[] = {"title", "purpose", "doctypes", "from",
					     "to",    "starts",  "ends"};
	struct json_parse_error je;
	json_t *doctypes;
	enum cmn_rc rc;
	const char *key;
	json_t *v;

	memset(t, 0, sizeof(*t));
	if (n > AGREEMENT_TERMS_MAX) {
		snprintf(err, errn, ": at most %d bytes of terms", AGREEMENT_TERMS_MAX);
		return CMN_ERR_INVALID;
	}
	t->root = json_parse(json, n, JSON_PARSE_REJECT_DUPLICATES, &je);
	if (!t->root && je.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!json_is_object(t->root)) {
		snprintf(err, errn, ": a JSON object is required");
		goto bad;
	}
	json_object_foreach(t->root, key, v) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			snprintf(err, errn, "/%.40s: unknown member", key);
			goto bad;
		}
	}
	if (!govern_text_ok(json_object_get(t->root, "title")) ||
	    !govern_text_ok(json_object_get(t->root, "purpose"))) {
		snprintf(err, errn, "/%s: {\"fr\": ..., \"en\": ...}, not blank, at most %d bytes each",
			 govern_text_ok(json_object_get(t->root, "title")) ? "purpose" : "title",
			 GOVERN_TEXT_MAX);
		goto bad;
	}
	doctypes = json_object_get(t->root, "doctypes");
	if (!json_is_array(doctypes) || json_array_size(doctypes) == 0 ||
	    json_array_size(doctypes) > AGREEMENT_DOCTYPES_MAX) {
		snprintf(err, errn, "/doctypes: 1 to %d doctypes", AGREEMENT_DOCTYPES_MAX);
		goto bad;
	}
	for (size_t i = 0; i < json_array_size(doctypes); i++) {
		json_t *item = json_array_get(doctypes, i);

		if (!json_is_object(item)) {
			snprintf(err, errn, "/doctypes/%zu: {\"doctype\", \"fields\"}", i);
			goto bad;
		}
		if (!one_doctype(r, item, i, t, err, errn))
			goto bad;
	}
	t->ndt = json_array_size(doctypes);
	rc = time_member(t->root, "from", true, &t->from, err, errn);
	if (rc == CMN_OK)
		rc = time_member(t->root, "to", true, &t->to, err, errn);
	if (rc == CMN_OK)
		rc = time_member(t->root, "starts", false, &t->starts, err, errn);
	if (rc == CMN_OK)
		rc = time_member(t->root, "ends", true, &t->ends, err, errn);
	if (rc == CMN_ERR_NOMEM) {
		agreement_terms_release(t);
		return rc;
	}
	if (rc != CMN_OK)
		goto bad;
	if (t->to <= t->from || t->to - t->from > AGREEMENT_PERIOD_MAX) {
		snprintf(err, errn, "/to: after from, and at most ten years after it");
		goto bad;
	}
	if (t->starts && t->ends <= t->starts) {
		snprintf(err, errn, "/ends: after starts");
		goto bad;
	}
	return CMN_OK;
bad:
	if (errn)
		str_utf8_repair(err); /* a %.40s may have cut a character of a key */
	agreement_terms_release(t);
	return CMN_ERR_INVALID;
}

enum cmn_rc agreement_create(struct store *s, const struct registry *r, const char *org_id,
			     const char *body_id, const char *json, size_t n, int64_t now,
			     struct gov_agreement *out, char *err, size_t errn)
{
	struct agreement_terms t;
	struct gov_body b;
	enum cmn_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = agreement_terms_parse(r, json, n, &t, err, errn)) != CMN_OK)
		return rc;
	if (t.ends <= now || t.ends - (t.starts > now ? t.starts : now) > AGREEMENT_SPAN_MAX) {
		snprintf(err, errn, "/ends: in the future, and at most three years after it starts");
		agreement_terms_release(&t);
		return CMN_ERR_INVALID;
	}
	if ((rc = store_gov_body_get(s, body_id, &b)) != CMN_OK) {
		agreement_terms_release(&t);
		return rc;
	}
	gov_body_release(&b);
	str_copy(out->body_id, sizeof(out->body_id), body_id);
	str_copy(out->org_id, sizeof(out->org_id), org_id);
	out->created = now;
	out->starts = t.starts;
	out->ends = t.ends;
	out->spec = json_text_dumps(t.root, JSON_COMPACT | JSON_SORT_KEYS);
	agreement_terms_release(&t);
	if (!out->spec)
		return CMN_ERR_NOMEM;
	if ((rc = store_gov_agreement_add(s, out)) != CMN_OK)
		gov_agreement_release(out);
	return rc;
}

enum cmn_rc agreement_may_run(const struct gov_agreement *a, int64_t now, char *why,
			      size_t whyn)
{
	char when[TIME_RFC3339_LEN];

	switch (a->state) {
	case GOV_AGREEMENT_DRAFT:
		snprintf(why, whyn, "this agreement has not been approved by its body");
		return CMN_ERR_FORBIDDEN;
	case GOV_AGREEMENT_REJECTED:
		snprintf(why, whyn, "this agreement was rejected by its body");
		return CMN_ERR_FORBIDDEN;
	case GOV_AGREEMENT_ENDED:
		time_format(when, a->ended);
		snprintf(why, whyn, "this agreement was ended on %s", when);
		return CMN_ERR_FORBIDDEN;
	case GOV_AGREEMENT_APPROVED:
		break;
	default:
		snprintf(why, whyn, "this agreement is in an unknown state");
		return CMN_ERR_FORBIDDEN;
	}
	if (now < a->starts) {
		time_format(when, a->starts);
		snprintf(why, whyn, "this agreement starts on %s", when);
		return CMN_ERR_FORBIDDEN;
	}
	if (now >= a->ends) {
		time_format(when, a->ends);
		snprintf(why, whyn, "this agreement expired on %s", when);
		return CMN_ERR_FORBIDDEN;
	}
	return CMN_OK;
}

enum cmn_rc agreement_end(struct store *s, const struct keyring *k, const char *id, int64_t now,
			  const char *by)
{
	struct gov_agreement a;
	enum cmn_rc rc = store_gov_agreement_get(s, id, &a);

	if (rc != CMN_OK)
		return rc;
	/* the end and its register's entry: both or neither */
	if ((rc = store_tx_begin(s)) == CMN_OK) {
		rc = store_gov_agreement_end(s, id, now);
		if (rc == CMN_OK)
			rc = govern_register_append(s, k, a.body_id, "agreement.end",
						    json_pack("{s:s, s:s}", "agreement", id, "by",
							      by),
						    now);
		rc = store_tx_end(s, rc);
	}
	gov_agreement_release(&a);
	return rc;
}

void agreement_pseudonym(const struct keyring *k, const char *agreement_id,
			 const char *person_id, char out[AGREEMENT_PSEUDONYM_LEN])
{
	unsigned char key[CRYPT_KEY_BYTES], d[16];

	keyring_subkey(k, "agreement-member", agreement_id, key);
	crypto_generichash(d, sizeof(d), (const unsigned char *)person_id, strlen(person_id), key,
			   sizeof(key));
	sodium_memzero(key, sizeof(key));
	sodium_bin2hex(out, AGREEMENT_PSEUDONYM_LEN, d, sizeof(d));
}

/* ---- reading --------------------------------------------------------------------- */

/* a member and how the agreement names them */
struct named {
	char pseudonym[AGREEMENT_PSEUDONYM_LEN];
	const char *person_id;
};

static int by_pseudonym(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->pseudonym, ((const struct named *)b)->pseudonym);
}

/* where a page starts or stops: a member, then a record within */
struct position {
	char pseudonym[AGREEMENT_PSEUDONYM_LEN];
	int64_t t;
	char id[RECORD_ID_LEN];
};

/* cursors are sealed: they hold the agreement's names and record ids, which
 * are not for the organisation to read */
static char *cursor_seal(const struct keyring *k, const char *agreement_id, const char *doctype,
			 const struct position *p)
{
	unsigned char key[CRYPT_KEY_BYTES];
	char plain[AGREEMENT_PSEUDONYM_LEN + 24 + RECORD_ID_LEN];
	struct buf sealed;
	char *text = NULL;
	int n = snprintf(plain, sizeof(plain), "%s %lld %s", p->pseudonym, (long long)p->t, p->id);

	keyring_subkey(k, "agreement-cursor", agreement_id, key);
	buf_init(&sealed, 4096);
	if (crypt_seal(key, plain, (size_t)n, doctype, &sealed) == CMN_OK)
		text = str_b64url_encode((const unsigned char *)sealed.data, sealed.len);
	sodium_memzero(key, sizeof(key));
	buf_release(&sealed);
	return text;
}

static bool cursor_open(const struct keyring *k, const char *agreement_id, const char *doctype,
			const char *cursor, struct position *p)
{
	unsigned char key[CRYPT_KEY_BYTES], *raw = NULL;
	size_t n = 0;
	struct buf plain;
	long long t;
	bool ok = false;

	if (strlen(cursor) > 512 || str_b64url_decode(cursor, &raw, &n) != CMN_OK)
		return false;
	keyring_subkey(k, "agreement-cursor", agreement_id, key);
	buf_init(&plain, 4096);
	if (crypt_open(key, raw, n, doctype, &plain) == CMN_OK && buf_puts(&plain, "") == CMN_OK) {
		char fmt[32];

		snprintf(fmt, sizeof(fmt), "%%%ds %%lld %%%ds", AGREEMENT_PSEUDONYM_LEN - 1,
			 RECORD_ID_LEN - 1);
		ok = sscanf(plain.data, fmt, p->pseudonym, &t, p->id) == 3;
		p->t = t;
	}
	sodium_memzero(key, sizeof(key));
	buf_release(&plain);
	free(raw);
	return ok;
}

/* what one member's records add to a page */
struct reading {
	struct buf *out;
	const char *pseudonym;
	const char *const *fields;
	size_t nfields;
	size_t room;                        /* records the page still takes */
	size_t n;                           /* records of this member written */
	bool more;                          /* one more record than room exists */
	struct position last;
};

static enum cmn_rc add_record(const struct record_meta *m, const char *data,
			      const struct query_value *key, void *ctx)
{
	struct reading *rd = ctx;
	char when[TIME_RFC3339_LEN];
	enum cmn_rc rc;

	(void)key;
	if (rd->n == rd->room) {
		rd->more = true;
		return CMN_OK;
	}
	/* the array was opened by agreement_read, whatever the caller wrote before */
	if (rd->out->data[rd->out->len - 1] != '[')
		buf_puts(rd->out, ",");
	time_format(when, m->t);
	buf_printf(rd->out, "{\"member\":\"%s\",\"time\":\"%s\",\"data\":", rd->pseudonym, when);
	if ((rc = json_text_project(data, rd->fields, rd->nfields, rd->out)) != CMN_OK)
		return rc;
	rc = buf_puts(rd->out, "}");
	rd->n++;
	str_copy(rd->last.pseudonym, sizeof(rd->last.pseudonym), rd->pseudonym);
	rd->last.t = m->t;
	str_copy(rd->last.id, sizeof(rd->last.id), m->id);
	return rc;
}

/* audit - the member's chain says who read how many records under which
 * agreement */
static enum cmn_rc audit(struct pstore *ps, const struct gov_agreement *a, const char *doctype,
			 size_t n, const char *actor)
{
	json_t *d = json_pack("{s:s, s:s, s:I}", "agreement", a->id, "body", a->body_id, "records",
			      (json_int_t)n);
	char *text = d ? json_text_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	enum cmn_rc rc = text ? pstore_audit_append(ps, actor, "agreement.read", doctype, text)
			      : CMN_ERR_NOMEM;

	json_decref(d);
	free(text);
	return rc;
}

enum cmn_rc agreement_read(struct store *s, const struct keyring *k, const struct registry *r,
			   const char *agreement_id, const char *doctype, const char *cursor,
			   size_t limit, int64_t now, const char *actor, struct buf *out,
			   struct agreement_page *page, char *why, size_t whyn)
{
	struct gov_agreement a;
	struct agreement_terms t = {0};
	struct gov_member *members = NULL;
	struct named *named = NULL;
	struct position from = {0};
	size_t nmembers = 0, which = AGREEMENT_DOCTYPES_MAX, i;
	char err[200];
	enum cmn_rc rc;

	memset(page, 0, sizeof(*page));
	if ((rc = store_gov_agreement_get(s, agreement_id, &a)) != CMN_OK)
		return rc;
	if ((rc = agreement_may_run(&a, now, why, whyn)) != CMN_OK)
		goto done;
	if (agreement_terms_parse(r, a.spec, strlen(a.spec), &t, err, sizeof(err)) != CMN_OK) {
		snprintf(why, whyn, "the stored terms do not read back: %s", err);
		rc = CMN_ERR_CORRUPT;
		goto done;
	}
	for (i = 0; i < t.ndt; i++)
		if (strcmp(t.dt[i].doctype, doctype) == 0)
			which = i;
	if (which == AGREEMENT_DOCTYPES_MAX) {
		snprintf(why, whyn, "%s is not one of the doctypes of this agreement", doctype);
		rc = CMN_ERR_INVALID;
		goto done;
	}
	if (cursor && !cursor_open(k, agreement_id, doctype, cursor, &from)) {
		snprintf(why, whyn, "this cursor is not one of this agreement's for %s", doctype);
		rc = CMN_ERR_INVALID;
		goto done;
	}
	if (limit == 0 || limit > AGREEMENT_PAGE_MAX)
		limit = AGREEMENT_PAGE_DEFAULT;
	/* the present members, in the order of their pseudonyms */
	if ((rc = store_gov_members(s, a.body_id, &members, &nmembers)) != CMN_OK)
		goto done;
	if (!(named = calloc(nmembers ? nmembers : 1, sizeof(*named)))) {
		rc = CMN_ERR_NOMEM;
		goto done;
	}
	for (i = 0; i < nmembers; i++) {
		agreement_pseudonym(k, agreement_id, members[i].person_id, named[i].pseudonym);
		named[i].person_id = members[i].person_id;
	}
	qsort(named, nmembers, sizeof(*named), by_pseudonym);
	buf_puts(out, "[");
	for (i = 0; i < nmembers && rc == CMN_OK; i++) {
		int c = strcmp(named[i].pseudonym, from.pseudonym);
		struct reading rd = {out, named[i].pseudonym, t.dt[which].fields, t.dt[which].nfields,
				     limit - page->records, 0, false, {{0}, 0, {0}}};
		struct store_query q = {0};
		struct pstore *ps;

		if (cursor && c < 0)
			continue;
		if (page->records == limit) {
			/* the page is full and members remain */
			if (!(page->next = cursor_seal(k, agreement_id, doctype, &from)))
				rc = CMN_ERR_NOMEM;
			break;
		}
		q.doctype = doctype;
		q.has_from = q.has_to = true;
		q.from = t.from;
		q.to = t.to;
		q.sort = QSORT_TIME;
		q.limit = rd.room + 1;
		if (cursor && c == 0) {
			q.has_after = true;
			q.after_key.type = QV_INT;
			q.after_key.i = from.t;
			str_copy(q.after_id, sizeof(q.after_id), from.id);
		}
		if ((rc = store_person_store(s, named[i].person_id, &ps)) != CMN_OK)
			break;
		rc = pstore_record_query(ps, &q, add_record, &rd);
		if (rc == CMN_OK && rd.n)
			rc = audit(ps, &a, doctype, rd.n, actor);
		if (rc != CMN_OK)
			break;
		if (rd.n) {
			page->members++;
			page->records += rd.n;
			from = rd.last;
		}
		if (rd.more) {
			if (!(page->next = cursor_seal(k, agreement_id, doctype, &from)))
				rc = CMN_ERR_NOMEM;
			break;
		}
		/* this member is done: the next page starts after them */
		str_copy(from.pseudonym, sizeof(from.pseudonym), named[i].pseudonym);
		from.t = INT64_MAX;
		cursor = cursor ? cursor : "";
	}
	if (rc == CMN_OK)
		rc = buf_puts(out, "]");
done:
	if (rc != CMN_OK) {
		free(page->next);
		page->next = NULL;
	}
	free(named);
	free(members);
	agreement_terms_release(&t);
	gov_agreement_release(&a);
	return rc;
}
