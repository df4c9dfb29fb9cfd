/*
 * sdjwt_verify.c - verifying an SD-JWT or SD-JWT+KB (RFC 9901 §7.1 and
 * §7.3) into the claims it discloses.
 */
#include "sdjwt/sdjwt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sdjwt/sdjwt_int.h"

struct verify {
	const struct sdjwt_verify_opts *o;
	struct sdjwt_parts parts;
	struct sdjwt_result *r;
	json_t *seen;                     /* digests met so far, as a set */
	struct es256_key *resolved;       /* the issuer key from o->resolve */
	const struct es256_key *key;      /* the issuer key used */
	int64_t now;
	char path[1024];                  /* JSON Pointer of the claim being processed */
};

static enum cmn_rc process(struct verify *v, json_t *value, int depth);

/* path_push - appends "/name" (escaped per RFC 6901) to the path;
 * returns the old length to restore. */
static size_t path_push(struct verify *v, const char *name)
{
	size_t old = strlen(v->path), at = old;

	if (at + 1 < sizeof(v->path))
		v->path[at++] = '/';
	for (const char *c = name; *c && at + 2 < sizeof(v->path); c++) {
		if (*c == '~' || *c == '/') {
			v->path[at++] = '~';
			v->path[at++] = *c == '~' ? '0' : '1';
		} else {
			v->path[at++] = *c;
		}
	}
	v->path[at] = '\0';
	return old;
}

static size_t path_push_index(struct verify *v, size_t i)
{
	char n[24];

	snprintf(n, sizeof(n), "%zu", i);
	return path_push(v, n);
}

/* take_digest - the disclosure of digest, if any, after checking that
 * no digest is met twice anywhere in the token (RFC 9901 §7.1 step 3.4). */
static enum cmn_rc take_digest(struct verify *v, const char *digest,
			       struct sdjwt_disclosure **out)
{
	if (json_object_get(v->seen, digest))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the digest %s appears more than once (RFC 9901 §7.1)", digest);
	if (json_object_set_new(v->seen, digest, json_true()) != 0)
		return CMN_ERR_NOMEM;
	*out = sdjwt_parts_find(&v->parts, digest);
	if (*out)
		(*out)->used = true;
	return CMN_OK;
}

static enum cmn_rc note_disclosed(struct verify *v)
{
	return json_array_append_new(v->r->disclosed, json_string(v->path)) == 0 ? CMN_OK
									       : CMN_ERR_NOMEM;
}

/* disclose_member - puts the claim of disclosure d into obj, where its
 * digest was found. */
static enum cmn_rc disclose_member(struct verify *v, json_t *obj, struct sdjwt_disclosure *d,
				   int depth)
{
	size_t old;
	enum cmn_rc rc;

	if (!d->name)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "an array element disclosure is referenced from \"_sd\" at %s",
				 v->path[0] ? v->path : "/");
	if (json_object_get(obj, d->name))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the disclosed claim \"%s\" already exists at %s (RFC 9901 §7.1)",
				 d->name, v->path[0] ? v->path : "/");
	old = path_push(v, d->name);
	rc = process(v, d->value, depth + 1);
	if (rc == CMN_OK)
		rc = note_disclosed(v);
	if (rc == CMN_OK && json_object_set(obj, d->name, d->value) != 0)
		rc = CMN_ERR_NOMEM;
	v->path[old] = '\0';
	return rc;
}

/* process_sd - replaces obj's "_sd" by the claims it discloses. */
static enum cmn_rc process_sd(struct verify *v, json_t *obj, int depth)
{
	json_t *sd = json_incref(json_object_get(obj, "_sd")), *dg;
	enum cmn_rc rc = CMN_OK;
	size_t i;

	json_object_del(obj, "_sd");
	if (!json_is_array(sd)) {
		json_decref(sd);
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "\"_sd\" at %s is not an array",
				 v->path[0] ? v->path : "/");
	}
	json_array_foreach(sd, i, dg) {
		struct sdjwt_disclosure *d = NULL;

		if (!json_is_string(dg))
			rc = sdjwt_why(v->r->why, CMN_ERR_INVALID,
				       "a digest in \"_sd\" at %s is not a string",
				       v->path[0] ? v->path : "/");
		else
			rc = take_digest(v, json_string_value(dg), &d);
		if (rc == CMN_OK && d)
			rc = disclose_member(v, obj, d, depth);
		if (rc != CMN_OK)
			break;
	}
	json_decref(sd);
	return rc;
}

static enum cmn_rc process_object(struct verify *v, json_t *obj, int depth)
{
	const char *name;
	json_t *m;
	enum cmn_rc rc;

	/* the members that were there first: the disclosed ones are
	 * processed as they are inserted */
	json_object_foreach(obj, name, m) {
		size_t old;

		if (strcmp(name, "_sd") == 0)
			continue;
		old = path_push(v, name);
		rc = process(v, m, depth + 1);
		v->path[old] = '\0';
		if (rc != CMN_OK)
			return rc;
	}
	return json_object_get(obj, "_sd") ? process_sd(v, obj, depth) : CMN_OK;
}

/* process_element - appends to out what element el of an array becomes:
 * itself, its disclosed value, or nothing (a digest not disclosed). */
static enum cmn_rc process_element(struct verify *v, json_t *el, json_t *out, int depth)
{
	struct sdjwt_disclosure *d = NULL;
	size_t old = path_push_index(v, json_array_size(out));
	enum cmn_rc rc;

	if (json_is_object(el) && json_object_size(el) == 1 && json_object_get(el, "...")) {
		const char *dg = sdjwt_array_digest(el);

		rc = dg ? take_digest(v, dg, &d)
			: sdjwt_why(v->r->why, CMN_ERR_INVALID,
				    "an array element digest at %s is not a string", v->path);
		if (rc == CMN_OK && d && d->name)
			rc = sdjwt_why(v->r->why, CMN_ERR_INVALID,
				       "the disclosure of claim \"%s\" is referenced as an array "
				       "element at %s", d->name, v->path);
		if (rc == CMN_OK && d)
			rc = process(v, d->value, depth + 1);
		if (rc == CMN_OK && d)
			rc = note_disclosed(v);
		if (rc == CMN_OK && d && json_array_append(out, d->value) != 0)
			rc = CMN_ERR_NOMEM;
	} else {
		rc = process(v, el, depth + 1);
		if (rc == CMN_OK && json_array_append(out, el) != 0)
			rc = CMN_ERR_NOMEM;
	}
	v->path[old] = '\0';
	return rc;
}

static enum cmn_rc process_array(struct verify *v, json_t *arr, int depth)
{
	json_t *out = json_array(), *el;
	enum cmn_rc rc = out ? CMN_OK : CMN_ERR_NOMEM;
	size_t i;

	json_array_foreach(arr, i, el) {
		if (rc == CMN_OK)
			rc = process_element(v, el, out, depth);
	}
	if (rc == CMN_OK && (json_array_clear(arr) != 0 || json_array_extend(arr, out) != 0))
		rc = CMN_ERR_NOMEM;
	json_decref(out);
	return rc;
}

/* process - RFC 9901 §7.1 step 3: replaces, recursively, each digest of
 * value by what its disclosure says. */
static enum cmn_rc process(struct verify *v, json_t *value, int depth)
{
	if (depth > SDJWT_MAX_DEPTH)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the claims nest deeper than %d",
				 SDJWT_MAX_DEPTH);
	if (json_is_object(value))
		return process_object(v, value, depth);
	if (json_is_array(value))
		return process_array(v, value, depth);
	return CMN_OK;
}

/* Checks of the issuer JWT */

static enum cmn_rc issuer_key(struct verify *v, const struct es256_jws *jws)
{
	const char *kid = json_string_value(json_object_get(jws->header, "kid"));
	const char *iss = json_string_value(json_object_get(jws->payload, "iss"));
	enum cmn_rc rc;

	if (v->o->issuer_key) {
		v->key = v->o->issuer_key;
		return CMN_OK;
	}
	if (!v->o->resolve)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "no issuer key to verify with");
	rc = v->o->resolve(v->o->resolve_ctx, iss, kid, &v->resolved);
	if (rc != CMN_OK)
		return sdjwt_why(v->r->why, rc, "the issuer key (kid %s) is unknown",
				 kid ? kid : "none");
	v->key = v->resolved;
	return CMN_OK;
}

static enum cmn_rc check_typ(struct verify *v, const json_t *header, const char *want,
			     const char *what)
{
	const char *typ = json_string_value(json_object_get(header, "typ"));

	if (!want || !*want)
		return CMN_OK;
	if (!typ || strcmp(typ, want) != 0)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the %s has typ \"%s\", not \"%s\"",
				 what, typ ? typ : "(none)", want);
	return CMN_OK;
}

/* time_claim - reads an optional NumericDate claim; false when present
 * but not a number. */
static bool time_claim(const json_t *claims, const char *name, double *out, bool *present)
{
	json_t *t = json_object_get(claims, name);

	*present = t != NULL;
	if (t && !json_is_number(t))
		return false;
	*out = t ? json_number_value(t) : 0;
	return true;
}

/* check_times - exp, nbf and iat of the processed claims (they may have
 * been disclosed), each with the skew. */
static enum cmn_rc check_times(struct verify *v, const json_t *claims, const char *what)
{
	double exp, nbf, iat, now = (double)v->now, skew = (double)v->o->skew;
	bool has_exp, has_nbf, has_iat;

	if (!time_claim(claims, "exp", &exp, &has_exp) ||
	    !time_claim(claims, "nbf", &nbf, &has_nbf) ||
	    !time_claim(claims, "iat", &iat, &has_iat))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the %s has an exp, nbf or iat that is not a number", what);
	if (has_exp && now - skew >= exp)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the %s has expired (exp)", what);
	if (has_nbf && now + skew < nbf)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the %s is not valid yet (nbf)",
				 what);
	if (has_iat && now + skew < iat)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the %s is issued in the future (iat)",
				 what);
	return CMN_OK;
}

static enum cmn_rc check_sd_alg(struct verify *v, json_t *payload)
{
	json_t *alg = json_object_get(payload, "_sd_alg");

	if (alg && (!json_is_string(alg) || strcmp(json_string_value(alg), "sha-256") != 0))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "\"_sd_alg\" is not \"sha-256\", the only hash understood");
	json_object_del(payload, "_sd_alg");
	return CMN_OK;
}

static enum cmn_rc check_all_used(struct verify *v)
{
	for (size_t i = 0; i < v->parts.n_d; i++)
		if (!v->parts.d[i].used)
			return sdjwt_why(v->r->why, CMN_ERR_INVALID,
					 "disclosure %zu is referenced by no digest (RFC 9901 §7.1)",
					 i + 1);
	return CMN_OK;
}

/* verify_issuer_jwt - RFC 9901 §7.1 steps 1 to 5: the signed JWT, then
 * the claims with their disclosures. */
static enum cmn_rc verify_issuer_jwt(struct verify *v)
{
	struct es256_jws jws;
	const char *what;
	enum cmn_rc rc;

	if (es256_jws_parse(v->parts.jwt, v->parts.jwt_len, &jws, &what) != CMN_OK)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "issuer JWT: %s", what);
	rc = check_typ(v, jws.header, v->o->typ ? v->o->typ : SDJWT_TYP, "issuer JWT");
	if (rc == CMN_OK)
		rc = issuer_key(v, &jws);
	if (rc == CMN_OK && (rc = es256_jws_verify(v->key, &jws, &what)) != CMN_OK)
		sdjwt_why(v->r->why, rc, "issuer JWT: %s", what);
	if (rc == CMN_OK)
		rc = check_sd_alg(v, jws.payload);
	if (rc == CMN_OK)
		rc = process(v, jws.payload, 0);
	if (rc == CMN_OK)
		rc = check_all_used(v);
	if (rc == CMN_OK)
		rc = check_times(v, jws.payload, "SD-JWT");
	if (rc == CMN_OK)
		v->r->claims = json_incref(jws.payload);
	es256_jws_release(&jws);
	return rc;
}

/* Key binding */

static enum cmn_rc kb_claims(struct verify *v, const json_t *c)
{
	const char *aud = json_string_value(json_object_get(c, "aud"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *sd_hash = json_string_value(json_object_get(c, "sd_hash"));
	json_t *iat = json_object_get(c, "iat");
	int64_t max_age = v->o->kb_max_age ? v->o->kb_max_age : SDJWT_KB_MAX_AGE_S;
	char want[ES256_KID_LEN];

	if (!aud || !nonce || !sd_hash || !json_is_number(iat))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the KB-JWT lacks one of iat, aud, nonce, sd_hash");
	sdjwt_digest(v->parts.jwt, v->parts.hashed_len, want);
	if (strcmp(sd_hash, want) != 0)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the KB-JWT sd_hash is not the hash of the presented SD-JWT");
	if (v->o->aud && strcmp(aud, v->o->aud) != 0)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the KB-JWT is for audience \"%s\", not this verifier", aud);
	if (v->o->nonce && strcmp(nonce, v->o->nonce) != 0)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the KB-JWT nonce is not the one asked");
	if (json_number_value(iat) > (double)(v->now + v->o->skew))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "the KB-JWT iat is in the future");
	if (json_number_value(iat) < (double)(v->now - v->o->skew - max_age))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the KB-JWT is too old (iat more than %lld s ago)",
				 (long long)max_age);
	return check_times(v, c, "KB-JWT");
}

/* verify_kb - RFC 9901 §7.3 step 5: the KB-JWT is signed by the key the
 * issuer bound (cnf.jwk), and binds this very presentation. */
static enum cmn_rc verify_kb(struct verify *v)
{
	json_t *jwk = json_object_get(json_object_get(v->r->claims, "cnf"), "jwk");
	struct es256_key *holder = NULL;
	struct es256_jws jws;
	const char *what;
	enum cmn_rc rc;

	if (!jwk || json_object_get(jwk, "d") || es256_from_jwk(jwk, &holder) != CMN_OK)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the SD-JWT has no usable holder key (cnf.jwk, EC P-256)");
	if (es256_jws_parse(v->parts.kb, v->parts.kb_len, &jws, &what) != CMN_OK) {
		es256_free(&holder);
		return sdjwt_why(v->r->why, CMN_ERR_INVALID, "KB-JWT: %s", what);
	}
	rc = check_typ(v, jws.header, SDJWT_KB_TYP, "KB-JWT");
	if (rc == CMN_OK && (rc = es256_jws_verify(holder, &jws, &what)) != CMN_OK)
		sdjwt_why(v->r->why, rc, "KB-JWT: %s", what);
	if (rc == CMN_OK)
		rc = kb_claims(v, jws.payload);
	es256_jws_release(&jws);
	es256_free(&holder);
	v->r->key_bound = rc == CMN_OK;
	return rc;
}

/* Status */

static enum cmn_rc verify_status(struct verify *v)
{
	json_t *ref = json_object_get(json_object_get(v->r->claims, "status"), "status_list");
	json_t *idx = json_object_get(ref, "idx");
	const char *uri = json_string_value(json_object_get(ref, "uri"));
	struct buf token;
	enum cmn_rc rc;

	if (!v->o->status || !json_object_get(v->r->claims, "status"))
		return CMN_OK;
	if (!json_is_integer(idx) || json_integer_value(idx) < 0 || !uri)
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "the status claim is not {status_list: {idx, uri}}");
	buf_init(&token, SDJWT_MAX_BYTES);
	rc = v->o->status(v->o->status_ctx, uri, &token);
	if (rc != CMN_OK)
		sdjwt_why(v->r->why, rc, "the status list %s cannot be fetched", uri);
	else
		rc = sdjwt_status_check(token.data ? token.data : "", token.len, v->key, uri,
					(size_t)json_integer_value(idx), v->now, v->o->skew,
					v->r->why);
	buf_release(&token);
	return rc;
}

static enum cmn_rc verify_steps(struct verify *v, const char *token, size_t n)
{
	enum cmn_rc rc = sdjwt_parts_split(token, n, &v->parts, v->r->why);

	if (rc != CMN_OK)
		return rc;
	if (v->o->require_kb && (!v->o->aud || !v->o->nonce))
		return sdjwt_why(v->r->why, CMN_ERR_INVALID,
				 "key binding is required but no aud and nonce are given");
	if ((rc = verify_issuer_jwt(v)) != CMN_OK)
		return rc;
	if (v->parts.kb)
		rc = verify_kb(v);
	else if (v->o->require_kb)
		rc = sdjwt_why(v->r->why, CMN_ERR_INVALID,
			       "key binding is required and the presentation has no KB-JWT");
	if (rc == CMN_OK)
		rc = verify_status(v);
	return rc;
}

enum cmn_rc sdjwt_verify(const char *token, size_t n, const struct sdjwt_verify_opts *o,
			 struct sdjwt_result *r)
{
	struct verify v = { .o = o, .r = r };
	enum cmn_rc rc;

	memset(r, 0, sizeof(*r));
	v.now = o->now ? o->now : (int64_t)time(NULL);
	v.seen = json_object();
	r->disclosed = json_array();
	rc = v.seen && r->disclosed ? verify_steps(&v, token, n) : CMN_ERR_NOMEM;
	if (rc != CMN_OK) {
		if (!r->why[0])
			sdjwt_why(r->why, rc, "%s", cmn_strerror(rc));
		json_decref(r->claims);
		json_decref(r->disclosed);
		r->claims = NULL;
		r->disclosed = NULL;
		r->key_bound = false;
	}
	sdjwt_parts_release(&v.parts);
	json_decref(v.seen);
	es256_free(&v.resolved);
	return rc;
}

void sdjwt_result_release(struct sdjwt_result *r)
{
	json_decref(r->claims);
	json_decref(r->disclosed);
	r->claims = NULL;
	r->disclosed = NULL;
}
