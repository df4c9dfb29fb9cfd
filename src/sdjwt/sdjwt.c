/*
 * sdjwt.c - SD-JWT (RFC 9901): the parts of a token and its disclosures,
 * issuing and presenting. Verification is in sdjwt_verify.c, the status
 * list in status_list.c.
 */
#include "sdjwt/sdjwt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "sdjwt/sdjwt_int.h"

enum cmn_rc sdjwt_why(char why[SDJWT_WHY_MAX], enum cmn_rc rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, SDJWT_WHY_MAX, fmt, ap);
	va_end(ap);
	str_utf8_repair(why);
	return rc;
}

void sdjwt_digest(const char *s, size_t n, char out[ES256_KID_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *enc;

	SHA256((const unsigned char *)s, n, md);
	enc = str_b64url_encode(md, sizeof(md));
	/* 43 characters always fit; an allocation failure gives a digest
	 * that matches nothing, which every caller then refuses */
	str_copy(out, ES256_KID_LEN, enc ? enc : "");
	free(enc);
}

const char *sdjwt_array_digest(const json_t *v)
{
	if (!json_is_object(v) || json_object_size(v) != 1)
		return NULL;
	return json_string_value(json_object_get(v, "..."));
}

/* Parsing */

/* parse_disclosure - decodes d->text into [salt, name, value] or
 * [salt, value] (RFC 9901 §4.2.1, §4.2.2). */
static enum cmn_rc parse_disclosure(struct sdjwt_disclosure *d, size_t i, char why[SDJWT_WHY_MAX])
{
	unsigned char *raw = NULL;
	size_t rawlen = 0, size;
	char *copy = strndup(d->text, d->len);
	enum cmn_rc rc;

	if (!copy)
		return CMN_ERR_NOMEM;
	rc = str_b64url_decode(copy, &raw, &rawlen);
	free(copy);
	if (rc != CMN_OK)
		return sdjwt_why(why, CMN_ERR_INVALID, "disclosure %zu is not base64url", i + 1);
	d->array = json_parse((const char *)raw, rawlen, JSON_PARSE_REJECT_DUPLICATES, NULL);
	free(raw);
	size = json_array_size(d->array);
	if (!json_is_array(d->array) || (size != 2 && size != 3))
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "disclosure %zu is not a JSON array of 2 or 3 elements", i + 1);
	if (!json_is_string(json_array_get(d->array, 0)))
		return sdjwt_why(why, CMN_ERR_INVALID, "disclosure %zu: the salt is not a string",
				 i + 1);
	d->value = json_array_get(d->array, size - 1);
	if (size == 2)
		return CMN_OK;
	d->name = json_string_value(json_array_get(d->array, 1));
	if (!d->name)
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "disclosure %zu: the claim name is not a string", i + 1);
	if (strcmp(d->name, "_sd") == 0 || strcmp(d->name, "...") == 0)
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "disclosure %zu: the claim name \"%s\" is reserved (RFC 9901 §7.1)",
				 i + 1, d->name);
	return CMN_OK;
}

/* count_parts - the number of '~' in the n bytes of token. */
static size_t count_tildes(const char *token, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += token[i] == '~';
	return c;
}

/* index_disclosure - records d at position i, refusing the same
 * disclosure twice (its digest would then be used twice). */
static enum cmn_rc index_disclosure(struct sdjwt_parts *p, size_t i, char why[SDJWT_WHY_MAX])
{
	struct sdjwt_disclosure *d = &p->d[i];

	sdjwt_digest(d->text, d->len, d->digest);
	if (json_object_get(p->index, d->digest))
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "disclosure %zu appears twice (RFC 9901 §7.1: a digest may be "
				 "used once)", i + 1);
	if (json_object_set_new(p->index, d->digest, json_integer((json_int_t)i)) != 0)
		return CMN_ERR_NOMEM;
	return parse_disclosure(d, i, why);
}

enum cmn_rc sdjwt_parts_split(const char *token, size_t n, struct sdjwt_parts *p,
			      char why[SDJWT_WHY_MAX])
{
	const char *at, *end = token + n, *tilde;
	size_t tildes;
	enum cmn_rc rc;

	memset(p, 0, sizeof(*p));
	if (n > SDJWT_MAX_BYTES)
		return sdjwt_why(why, CMN_ERR_TOO_LARGE, "the SD-JWT is over %d bytes",
				 SDJWT_MAX_BYTES);
	if (memchr(token, '\0', n))
		return sdjwt_why(why, CMN_ERR_INVALID, "the SD-JWT contains a NUL byte");
	tildes = count_tildes(token, n);
	if (tildes == 0)
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "not an SD-JWT: no '~' after the issuer JWT (RFC 9901 §4)");
	if (tildes - 1 > SDJWT_MAX_DISCLOSURES)
		return sdjwt_why(why, CMN_ERR_TOO_LARGE, "more than %d disclosures",
				 SDJWT_MAX_DISCLOSURES);
	p->index = json_object();
	p->d = calloc(tildes, sizeof(*p->d));
	if (!p->index || !p->d)
		return CMN_ERR_NOMEM;
	tilde = memchr(token, '~', n);
	p->jwt = token;
	p->jwt_len = (size_t)(tilde - token);
	at = tilde + 1;
	while ((tilde = memchr(at, '~', (size_t)(end - at)))) {
		struct sdjwt_disclosure *d = &p->d[p->n_d];

		if (tilde == at)
			return sdjwt_why(why, CMN_ERR_INVALID, "disclosure %zu is empty ('~~')",
					 p->n_d + 1);
		d->text = at;
		d->len = (size_t)(tilde - at);
		rc = index_disclosure(p, p->n_d++, why);
		if (rc != CMN_OK)
			return rc;
		at = tilde + 1;
	}
	p->hashed_len = (size_t)(at - token);
	if (at < end) {
		p->kb = at;
		p->kb_len = (size_t)(end - at);
	}
	return CMN_OK;
}

struct sdjwt_disclosure *sdjwt_parts_find(const struct sdjwt_parts *p, const char *digest)
{
	json_t *i = json_object_get(p->index, digest);

	return i ? &p->d[json_integer_value(i)] : NULL;
}

void sdjwt_parts_release(struct sdjwt_parts *p)
{
	for (size_t i = 0; i < p->n_d; i++)
		json_decref(p->d[i].array);
	free(p->d);
	json_decref(p->index);
	memset(p, 0, sizeof(*p));
}

/* Issuing */

static bool reserved_name(const char *name)
{
	return strcmp(name, "_sd") == 0 || strcmp(name, "_sd_alg") == 0 ||
	       strcmp(name, "...") == 0;
}

/* make_disclosure - appends to out "~" and the disclosure of name and
 * value with a fresh salt; writes its digest. */
static enum cmn_rc make_disclosure(const char *name, json_t *value, struct buf *out,
				   char digest[ES256_KID_LEN])
{
	unsigned char salt_bytes[SDJWT_SALT_BYTES];
	char *salt, *text = NULL, *enc = NULL;
	json_t *arr = NULL;
	enum cmn_rc rc = CMN_ERR_NOMEM;

	if (RAND_bytes(salt_bytes, sizeof(salt_bytes)) != 1)
		return CMN_ERR_CRYPTO;
	salt = str_b64url_encode(salt_bytes, sizeof(salt_bytes));
	if (salt)
		arr = json_pack("[s s O]", salt, name, value);
	if (arr)
		text = json_text_dumps(arr, JSON_COMPACT);
	if (text)
		enc = str_b64url_encode((const unsigned char *)text, strlen(text));
	if (enc) {
		sdjwt_digest(enc, strlen(enc), digest);
		rc = buf_puts(out, enc);
		if (rc == CMN_OK)
			rc = buf_puts(out, "~");
	}
	free(enc);
	free(text);
	json_decref(arr);
	free(salt);
	return rc;
}

/* A decoy is the digest of random bytes (RFC 9901 §4.2.5): it looks like
 * any other digest and matches no disclosure. */
static enum cmn_rc make_decoy(char digest[ES256_KID_LEN])
{
	unsigned char r[32];
	char *enc;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return CMN_ERR_CRYPTO;
	enc = str_b64url_encode(r, sizeof(r));
	if (!enc)
		return CMN_ERR_NOMEM;
	sdjwt_digest(enc, strlen(enc), digest);
	free(enc);
	return CMN_OK;
}

static int digest_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* issue_payload - the issuer JWT's claims: visible ones, cnf, and the
 * sorted digests (sorting hides which claim was made first). */
static enum cmn_rc issue_payload(const struct sdjwt_issue *in, char (*digests)[ES256_KID_LEN],
				 size_t n, json_t **out)
{
	json_t *payload = json_deep_copy(in->visible), *sd = json_array();
	enum cmn_rc rc = CMN_ERR_NOMEM;

	qsort(digests, n, ES256_KID_LEN, digest_cmp);
	if (!payload || !sd)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(sd, json_string(digests[i])) != 0)
			goto fail;
	if (json_object_set_new(payload, "_sd", sd) != 0)
		goto fail_payload;
	sd = NULL;
	if (json_object_set_new(payload, "_sd_alg", json_string("sha-256")) != 0)
		goto fail_payload;
	if (in->holder &&
	    json_object_set_new(payload, "cnf",
				json_pack("{so}", "jwk", es256_public_jwk(in->holder, false))) != 0)
		goto fail_payload;
	*out = payload;
	return CMN_OK;
fail:
	json_decref(sd);
fail_payload:
	json_decref(payload);
	return rc;
}

static enum cmn_rc issue_check(const struct sdjwt_issue *in, char why[SDJWT_WHY_MAX])
{
	const char *name;
	json_t *v;

	if (!in->issuer || !es256_has_private(in->issuer))
		return sdjwt_why(why, CMN_ERR_INVALID, "the issuer key cannot sign");
	if (!json_is_object(in->visible) || !json_is_object(in->disclosable))
		return sdjwt_why(why, CMN_ERR_INVALID, "the claims are not JSON objects");
	if (in->decoys > SDJWT_MAX_DECOYS ||
	    json_object_size(in->disclosable) > SDJWT_MAX_DISCLOSURES)
		return sdjwt_why(why, CMN_ERR_TOO_LARGE, "too many disclosures or decoys");
	json_object_foreach((json_t *)in->visible, name, v) {
		if (reserved_name(name) || (in->holder && strcmp(name, "cnf") == 0))
			return sdjwt_why(why, CMN_ERR_INVALID,
					 "the claim name \"%s\" is reserved", name);
	}
	json_object_foreach((json_t *)in->disclosable, name, v) {
		if (reserved_name(name) || (in->holder && strcmp(name, "cnf") == 0))
			return sdjwt_why(why, CMN_ERR_INVALID,
					 "the claim name \"%s\" is reserved", name);
		if (json_object_get(in->visible, name))
			return sdjwt_why(why, CMN_ERR_INVALID,
					 "the claim \"%s\" is both visible and disclosable", name);
	}
	return CMN_OK;
}

/*
 * The disclosures are made first, into a scratch buffer, because the
 * issuer JWT holds their digests; the token is then the signed JWT
 * followed by that buffer.
 */
enum cmn_rc sdjwt_issue(const struct sdjwt_issue *in, struct buf *out, char why[SDJWT_WHY_MAX])
{
	size_t n = json_object_size(in->disclosable) + in->decoys, i = 0;
	char (*digests)[ES256_KID_LEN] = NULL;
	json_t *payload = NULL, *header = NULL, *v;
	struct buf disc;
	const char *name;
	size_t at = out->len;
	enum cmn_rc rc;

	why[0] = '\0';
	if ((rc = issue_check(in, why)) != CMN_OK)
		return rc;
	buf_init(&disc, SDJWT_MAX_BYTES);
	digests = calloc(n ? n : 1, ES256_KID_LEN);
	if (!digests) {
		rc = CMN_ERR_NOMEM;
		goto done;
	}
	json_object_foreach((json_t *)in->disclosable, name, v) {
		if ((rc = make_disclosure(name, v, &disc, digests[i++])) != CMN_OK)
			goto done;
	}
	for (; i < n; i++)
		if ((rc = make_decoy(digests[i])) != CMN_OK)
			goto done;
	if ((rc = issue_payload(in, digests, n, &payload)) != CMN_OK)
		goto done;
	header = json_pack("{ss ss}", "typ", in->typ ? in->typ : SDJWT_TYP, "kid",
			   es256_kid(in->issuer));
	rc = header ? es256_jws_sign(in->issuer, header, payload, out) : CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		rc = buf_puts(out, "~");
	if (rc == CMN_OK && disc.len)
		rc = buf_append(out, disc.data, disc.len);
done:
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	json_decref(header);
	json_decref(payload);
	free(digests);
	buf_release(&disc);
	return rc;
}

/* Presenting */

struct keep {
	const struct sdjwt_parts *parts;
	const struct sdjwt_present *p;
	char *why;
	size_t nkept;                     /* disclosures kept so far */
};

static bool asked(const struct keep *k, const char *name)
{
	for (size_t i = 0; i < k->p->n_names; i++)
		if (strcmp(k->p->names[i], name) == 0)
			return true;
	return false;
}

static enum cmn_rc mark(struct keep *k, json_t *v, bool inside, int depth);

/* mark_digest - keeps the disclosure of digest when inside a kept claim
 * or when its name is asked for, and looks inside it. */
static enum cmn_rc mark_digest(struct keep *k, const char *digest, bool element, bool inside,
			       int depth)
{
	struct sdjwt_disclosure *d = sdjwt_parts_find(k->parts, digest);
	size_t before;
	enum cmn_rc rc;
	bool keep;

	if (!d)
		return CMN_OK; /* a decoy, or a disclosure already left out */
	if (d->used)
		return sdjwt_why(k->why, CMN_ERR_INVALID,
				 "the digest %s appears twice (RFC 9901 §7.1)", digest);
	if (element != (d->name == NULL))
		return sdjwt_why(k->why, CMN_ERR_INVALID,
				 "the disclosure of digest %s has the wrong form for its place",
				 digest);
	keep = inside || (d->name && asked(k, d->name));
	d->used = true;
	d->kept = keep;
	if (keep)
		k->nkept++;
	before = k->nkept;
	rc = mark(k, d->value, keep, depth + 1);
	/* a claim kept inside this one needs this one too, or its digest
	 * would be referenced by nothing the verifier sees */
	if (rc == CMN_OK && !keep && k->nkept > before) {
		d->kept = true;
		k->nkept++;
	}
	return rc;
}

static enum cmn_rc mark(struct keep *k, json_t *v, bool inside, int depth)
{
	enum cmn_rc rc = CMN_OK;
	const char *name;
	json_t *m;
	size_t i;

	if (depth > SDJWT_MAX_DEPTH)
		return sdjwt_why(k->why, CMN_ERR_INVALID, "the claims nest deeper than %d",
				 SDJWT_MAX_DEPTH);
	if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			const char *dg = sdjwt_array_digest(m);

			rc = dg ? mark_digest(k, dg, true, inside, depth)
				: mark(k, m, inside, depth + 1);
			if (rc != CMN_OK)
				return rc;
		}
		return CMN_OK;
	}
	if (!json_is_object(v))
		return CMN_OK;
	json_object_foreach(v, name, m) {
		if (strcmp(name, "_sd") == 0) {
			json_t *dg;

			json_array_foreach(m, i, dg) {
				if (json_is_string(dg) &&
				    (rc = mark_digest(k, json_string_value(dg), false, inside,
						      depth)) != CMN_OK)
					return rc;
			}
		} else if ((rc = mark(k, m, inside || asked(k, name), depth + 1)) != CMN_OK) {
			return rc;
		}
	}
	return CMN_OK;
}

/* kb_jwt - appends the KB-JWT of the presentation that starts at start in
 * out (and ends with '~'): it signs the hash of all of it, so that no
 * disclosure can be added to or taken from what the holder sent. */
static enum cmn_rc kb_jwt(const struct sdjwt_present *p, struct buf *out, size_t start)
{
	char sd_hash[ES256_KID_LEN];
	json_t *header, *payload;
	enum cmn_rc rc;

	sdjwt_digest(out->data + start, out->len - start, sd_hash);
	header = json_pack("{ss}", "typ", SDJWT_KB_TYP);
	payload = json_pack("{sI ss ss ss}", "iat", (json_int_t)p->iat, "aud", p->aud, "nonce",
			    p->nonce, "sd_hash", sd_hash);
	rc = header && payload ? es256_jws_sign(p->holder, header, payload, out) : CMN_ERR_NOMEM;
	json_decref(header);
	json_decref(payload);
	return rc;
}

enum cmn_rc sdjwt_present(const char *sdjwt, size_t n, const struct sdjwt_present *p,
			  struct buf *out, char why[SDJWT_WHY_MAX])
{
	struct sdjwt_parts parts;
	struct es256_jws jws = { 0 };
	struct keep k = { &parts, p, why, 0 };
	const char *what;
	size_t at = out->len;
	enum cmn_rc rc;

	why[0] = '\0';
	if (p->holder && (!p->aud || !p->nonce || !es256_has_private(p->holder)))
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "key binding needs the holder's private key, aud and nonce");
	rc = sdjwt_parts_split(sdjwt, n, &parts, why);
	if (rc == CMN_OK && parts.kb)
		rc = sdjwt_why(why, CMN_ERR_INVALID, "the SD-JWT already ends with a KB-JWT");
	if (rc == CMN_OK && es256_jws_parse(parts.jwt, parts.jwt_len, &jws, &what) != CMN_OK)
		rc = sdjwt_why(why, CMN_ERR_INVALID, "issuer JWT: %s", what);
	if (rc == CMN_OK)
		rc = mark(&k, jws.payload, false, 0);
	if (rc == CMN_OK)
		rc = buf_append(out, parts.jwt, parts.jwt_len);
	if (rc == CMN_OK)
		rc = buf_puts(out, "~");
	for (size_t i = 0; rc == CMN_OK && i < parts.n_d; i++) {
		if (!parts.d[i].kept)
			continue;
		rc = buf_append(out, parts.d[i].text, parts.d[i].len);
		if (rc == CMN_OK)
			rc = buf_puts(out, "~");
	}
	if (rc == CMN_OK && p->holder)
		rc = kb_jwt(p, out, at);
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	es256_jws_release(&jws);
	sdjwt_parts_release(&parts);
	return rc;
}
