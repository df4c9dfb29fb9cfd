/*
 * es256.c - ECDSA P-256 keys, their JWK and PEM forms, and JWS ES256
 * (es256.h), over OpenSSL 3's EVP interface.
 */
#include "sdjwt/es256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "core/fsutil.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"

#define GROUP_NAME "prime256v1"
#define DER_SIG_MAX 80           /* a DER ECDSA-Sig-Value of P-256 is at most 72 */

struct es256_key {
	EVP_PKEY *pkey;
	bool priv;                          /* it can sign */
	unsigned char x[ES256_COORD_BYTES]; /* public point, big-endian */
	unsigned char y[ES256_COORD_BYTES];
	char kid[ES256_KID_LEN];            /* RFC 7638 thumbprint */
};

static char *b64(const unsigned char *p, size_t n)
{
	return str_b64url_encode(p, n);
}

/* The thumbprint input of RFC 7638 §3.2 is the JSON of the required
 * members, sorted, without spaces: jansson's compact sorted form is that. */
static enum cmn_rc thumbprint_of(json_t *required, char out[ES256_KID_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *text = json_text_dumps(required, JSON_COMPACT | JSON_SORT_KEYS);
	char *enc;

	if (!text)
		return CMN_ERR_NOMEM;
	SHA256((const unsigned char *)text, strlen(text), md);
	free(text);
	enc = b64(md, sizeof(md));
	if (!enc)
		return CMN_ERR_NOMEM;
	str_copy(out, ES256_KID_LEN, enc);
	free(enc);
	return CMN_OK;
}

enum cmn_rc es256_jwk_thumbprint(const json_t *jwk, char out[ES256_KID_LEN])
{
	static const char *const members[][4] = {
		{ "EC", "crv", "x", "y" },
		{ "RSA", "e", "n", NULL },
		{ "OKP", "crv", "x", NULL },
	};
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	json_t *req;
	enum cmn_rc rc = CMN_ERR_INVALID;

	if (!kty)
		return CMN_ERR_INVALID;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (strcmp(kty, members[i][0]) != 0)
			continue;
		req = json_pack("{ss}", "kty", kty);
		if (!req)
			return CMN_ERR_NOMEM;
		rc = CMN_OK;
		for (size_t m = 1; m < 4 && members[i][m] && rc == CMN_OK; m++) {
			json_t *v = json_object_get(jwk, members[i][m]);

			if (!json_is_string(v))
				rc = CMN_ERR_INVALID;
			else if (json_object_set(req, members[i][m], v) != 0)
				rc = CMN_ERR_NOMEM;
		}
		if (rc == CMN_OK)
			rc = thumbprint_of(req, out);
		json_decref(req);
		break;
	}
	return rc;
}

/* fill_public - copies the public point out of k->pkey and computes the
 * key id: both are asked for often and never change. */
static enum cmn_rc fill_public(struct es256_key *k)
{
	BIGNUM *x = NULL, *y = NULL;
	enum cmn_rc rc = CMN_ERR_CRYPTO;
	json_t *jwk;

	if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    BN_bn2binpad(x, k->x, ES256_COORD_BYTES) == ES256_COORD_BYTES &&
	    BN_bn2binpad(y, k->y, ES256_COORD_BYTES) == ES256_COORD_BYTES)
		rc = CMN_OK;
	BN_free(x);
	BN_free(y);
	if (rc != CMN_OK)
		return rc;
	jwk = es256_public_jwk(k, false);
	if (!jwk)
		return CMN_ERR_NOMEM;
	rc = es256_jwk_thumbprint(jwk, k->kid);
	json_decref(jwk);
	return rc;
}

/* wrap - a key around pkey (taken), which must be a P-256 key. */
static enum cmn_rc wrap(EVP_PKEY *pkey, bool priv, struct es256_key **out)
{
	char group[32] = "";
	struct es256_key *k;
	enum cmn_rc rc;

	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
					   sizeof(group), NULL) != 1 ||
	    strcmp(group, GROUP_NAME) != 0) {
		EVP_PKEY_free(pkey);
		return CMN_ERR_CRYPTO;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return CMN_ERR_NOMEM;
	}
	k->pkey = pkey;
	k->priv = priv;
	rc = fill_public(k);
	if (rc != CMN_OK) {
		es256_free(&k);
		return rc;
	}
	*out = k;
	return CMN_OK;
}

enum cmn_rc es256_generate(struct es256_key **out)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", GROUP_NAME);

	if (!pkey)
		return CMN_ERR_CRYPTO;
	return wrap(pkey, true, out);
}

void es256_free(struct es256_key **k)
{
	if (!*k)
		return;
	EVP_PKEY_free((*k)->pkey); /* OpenSSL clears the private scalar */
	OPENSSL_cleanse(*k, sizeof(**k));
	free(*k);
	*k = NULL;
}

bool es256_has_private(const struct es256_key *k)
{
	return k->priv;
}

const char *es256_kid(const struct es256_key *k)
{
	return k->kid;
}

json_t *es256_public_jwk(const struct es256_key *k, bool meta)
{
	char *x = b64(k->x, sizeof(k->x)), *y = b64(k->y, sizeof(k->y));
	json_t *jwk = NULL;

	if (x && y)
		jwk = json_pack("{ss ss ss ss}", "kty", "EC", "crv", "P-256", "x", x, "y", y);
	if (jwk && meta &&
	    (json_object_set_new(jwk, "kid", json_string(k->kid)) != 0 ||
	     json_object_set_new(jwk, "alg", json_string("ES256")) != 0 ||
	     json_object_set_new(jwk, "use", json_string("sig")) != 0)) {
		json_decref(jwk);
		jwk = NULL;
	}
	free(x);
	free(y);
	return jwk;
}

json_t *es256_private_jwk(const struct es256_key *k)
{
	unsigned char d[ES256_COORD_BYTES];
	BIGNUM *bn = NULL;
	json_t *jwk;
	char *text;

	if (!k->priv || !EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn))
		return NULL;
	if (BN_bn2binpad(bn, d, sizeof(d)) != (int)sizeof(d)) {
		BN_clear_free(bn);
		return NULL;
	}
	BN_clear_free(bn);
	text = b64(d, sizeof(d));
	OPENSSL_cleanse(d, sizeof(d));
	jwk = text ? es256_public_jwk(k, false) : NULL;
	if (jwk && json_object_set_new(jwk, "d", json_string(text)) != 0) {
		json_decref(jwk);
		jwk = NULL;
	}
	if (text) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	return jwk;
}

enum cmn_rc es256_pick(struct es256_key *const *keys, size_t n, const char *kid,
		       struct es256_key **out)
{
	for (size_t i = 0; i < n; i++) {
		json_t *jwk;
		enum cmn_rc rc;

		if (kid && strcmp(keys[i]->kid, kid) != 0)
			continue;
		jwk = es256_public_jwk(keys[i], false);
		rc = jwk ? es256_from_jwk(jwk, out) : CMN_ERR_NOMEM;
		json_decref(jwk);
		return rc;
	}
	return CMN_ERR_NOT_FOUND;
}

/* Reading the key file */

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0; /* an encrypted key file is refused, never prompted for */
}

static enum cmn_rc read_all(int fd, unsigned char *p, size_t cap, size_t *len)
{
	size_t got = 0;

	for (;;) {
		ssize_t n = read(fd, p + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return CMN_ERR_IO;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap)
			return CMN_ERR_TOO_LARGE;
	}
	*len = got;
	return CMN_OK;
}

static enum cmn_rc load_pem(int fd, struct es256_key **out)
{
	unsigned char text[ES256_KEY_FILE_MAX];
	EVP_PKEY *pkey = NULL;
	size_t len = 0;
	enum cmn_rc rc = read_all(fd, text, sizeof(text), &len);
	BIO *bio;

	if (rc == CMN_OK) {
		bio = BIO_new_mem_buf(text, (int)len);
		if (bio)
			pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
		rc = pkey ? wrap(pkey, true, out) : CMN_ERR_CRYPTO;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

/* create_pem - a new key written to path, which must not exist yet (two
 * processes starting at once: the loser loads the winner's key). */
static enum cmn_rc create_pem(const char *path, struct es256_key **out)
{
	struct es256_key *k = NULL;
	BIO *bio = NULL;
	char *pem;
	long n;
	enum cmn_rc rc = es256_generate(&k);

	if (rc != CMN_OK)
		return rc;
	bio = BIO_new(BIO_s_secmem());
	if (!bio || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		rc = CMN_ERR_CRYPTO;
		goto done;
	}
	/* whole or not at all: the loser of a race never reads half a key */
	rc = fs_create_new(path, pem, (size_t)n);
done:
	BIO_free(bio); /* a secure-memory BIO: cleared when freed */
	if (rc == CMN_OK)
		*out = k;
	else
		es256_free(&k);
	return rc;
}

enum cmn_rc es256_load(const char *path, struct es256_key **out)
{
	struct stat st;
	enum cmn_rc rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? CMN_ERR_NOT_FOUND : CMN_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = CMN_ERR_IO;
	else if (st.st_mode & 077)
		rc = CMN_ERR_FORBIDDEN;
	else
		rc = load_pem(fd, out);
	close(fd);
	return rc;
}

enum cmn_rc es256_load_or_create(const char *path, struct es256_key **out)
{
	enum cmn_rc rc = es256_load(path, out);

	if (rc == CMN_ERR_NOT_FOUND) {
		rc = create_pem(path, out);
		if (rc == CMN_ERR_EXISTS) /* another process made it first: its key */
			rc = es256_load(path, out);
	}
	return rc;
}

/* Keys from JWKs */

/* coord - the 32 bytes of a base64url member of a JWK. */
static bool coord(const json_t *jwk, const char *name, unsigned char out[ES256_COORD_BYTES])
{
	const char *s = json_string_value(json_object_get(jwk, name));
	unsigned char *p = NULL;
	size_t n = 0;
	bool ok;

	if (!s || str_b64url_decode(s, &p, &n) != CMN_OK)
		return false;
	ok = n == ES256_COORD_BYTES;
	if (ok)
		memcpy(out, p, n);
	OPENSSL_cleanse(p, n);
	free(p);
	return ok;
}

/* key_check - the point is on the curve, and d (if any) is its scalar. */
static bool key_check(EVP_PKEY *pkey, bool priv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok;

	if (!ctx)
		return false;
	ok = EVP_PKEY_public_check(ctx) == 1 && (!priv || EVP_PKEY_pairwise_check(ctx) == 1);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static EVP_PKEY *pkey_from(const unsigned char pub[1 + 2 * ES256_COORD_BYTES], BIGNUM *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, GROUP_NAME, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					      1 + 2 * ES256_COORD_BYTES) ||
	    (d && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1)
		pkey = NULL;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* d's copy lives in secure memory, cleared */
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

enum cmn_rc es256_from_jwk(const json_t *jwk, struct es256_key **out)
{
	unsigned char pub[1 + 2 * ES256_COORD_BYTES], dbytes[ES256_COORD_BYTES];
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	bool priv = json_object_get(jwk, "d") != NULL;
	BIGNUM *d = NULL;
	EVP_PKEY *pkey = NULL;

	if (!json_is_object(jwk) || !kty || strcmp(kty, "EC") != 0 || !crv ||
	    strcmp(crv, "P-256") != 0 || !coord(jwk, "x", pub + 1) ||
	    !coord(jwk, "y", pub + 1 + ES256_COORD_BYTES))
		return CMN_ERR_INVALID;
	pub[0] = POINT_CONVERSION_UNCOMPRESSED;
	if (priv) {
		if (!coord(jwk, "d", dbytes))
			return CMN_ERR_INVALID;
		d = BN_secure_new();
		if (!d || !BN_bin2bn(dbytes, sizeof(dbytes), d)) {
			BN_clear_free(d);
			OPENSSL_cleanse(dbytes, sizeof(dbytes));
			return CMN_ERR_NOMEM;
		}
		OPENSSL_cleanse(dbytes, sizeof(dbytes));
	}
	pkey = pkey_from(pub, d);
	BN_clear_free(d);
	if (!pkey)
		return CMN_ERR_INVALID;
	if (!key_check(pkey, priv)) {
		EVP_PKEY_free(pkey);
		return CMN_ERR_INVALID;
	}
	return wrap(pkey, priv, out);
}

/* Signatures */

enum cmn_rc es256_sign(const struct es256_key *k, const void *data, size_t n,
		       unsigned char sig[ES256_SIG_BYTES])
{
	unsigned char der[DER_SIG_MAX];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	enum cmn_rc rc = CMN_ERR_CRYPTO;

	if (!k->priv)
		return CMN_ERR_INVALID;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(md, der, &dlen, data, n) != 1)
		goto done;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (es && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) == 32)
		rc = CMN_OK;
done:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

enum cmn_rc es256_verify(const struct es256_key *k, const void *data, size_t n,
			 const unsigned char sig[ES256_SIG_BYTES])
{
	unsigned char *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	EVP_MD_CTX *md = NULL;
	enum cmn_rc rc = CMN_ERR_CRYPTO;
	int dlen;

	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto done;
	}
	dlen = i2d_ECDSA_SIG(es, &der);
	md = EVP_MD_CTX_new();
	if (dlen > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)dlen, data, n) == 1)
		rc = CMN_OK;
done:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

/* JWS compact serialization */

static enum cmn_rc append_b64_json(const json_t *v, struct buf *out)
{
	char *text = json_text_dumps(v, JSON_COMPACT), *enc;
	enum cmn_rc rc;

	if (!text)
		return CMN_ERR_NOMEM;
	enc = b64((const unsigned char *)text, strlen(text));
	free(text);
	if (!enc)
		return CMN_ERR_NOMEM;
	rc = buf_puts(out, enc);
	free(enc);
	return rc;
}

enum cmn_rc es256_jws_sign(const struct es256_key *k, const json_t *header,
			   const json_t *payload, struct buf *out)
{
	unsigned char sig[ES256_SIG_BYTES];
	json_t *h = json_pack("{ss}", "alg", "ES256");
	size_t at = out->len;
	enum cmn_rc rc = CMN_ERR_NOMEM;
	char *enc = NULL;

	if (!h || (header && json_object_update(h, (json_t *)header) != 0) ||
	    json_object_set_new(h, "alg", json_string("ES256")) != 0)
		goto done;
	if ((rc = append_b64_json(h, out)) != CMN_OK || (rc = buf_puts(out, ".")) != CMN_OK ||
	    (rc = append_b64_json(payload, out)) != CMN_OK)
		goto done;
	rc = es256_sign(k, out->data + at, out->len - at, sig);
	if (rc != CMN_OK)
		goto done;
	enc = b64(sig, sizeof(sig));
	if (!enc) {
		rc = CMN_ERR_NOMEM;
		goto done;
	}
	if ((rc = buf_puts(out, ".")) == CMN_OK)
		rc = buf_puts(out, enc);
done:
	free(enc);
	json_decref(h);
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	return rc;
}

/* decode_part - the base64url text of n bytes at s, decoded. */
static enum cmn_rc decode_part(const char *s, size_t n, unsigned char **out, size_t *len)
{
	char *copy = strndup(s, n);
	enum cmn_rc rc;

	if (!copy)
		return CMN_ERR_NOMEM;
	rc = strlen(copy) == n ? str_b64url_decode(copy, out, len) : CMN_ERR_INVALID;
	free(copy);
	return rc;
}

/* decode_object - a base64url part holding a JSON object. Duplicate
 * member names are refused: two readers could each pick another one. */
static json_t *decode_object(const char *s, size_t n)
{
	unsigned char *p = NULL;
	size_t len = 0;
	json_t *v;

	if (decode_part(s, n, &p, &len) != CMN_OK)
		return NULL;
	v = json_parse((const char *)p, len, JSON_PARSE_REJECT_DUPLICATES, NULL);
	free(p);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

enum cmn_rc es256_jws_parse(const char *text, size_t n, struct es256_jws *j, const char **why)
{
	const char *dot1, *dot2;
	unsigned char *sig = NULL;
	size_t slen = 0;

	memset(j, 0, sizeof(*j));
	*why = "the JWS is too large";
	if (n > ES256_JWS_MAX)
		return CMN_ERR_INVALID;
	*why = "a JWS has three parts separated by '.'";
	dot1 = memchr(text, '.', n);
	dot2 = dot1 ? memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - text)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', n - (size_t)(dot2 + 1 - text)))
		return CMN_ERR_INVALID;
	*why = "the JWS header is not base64url of a JSON object";
	j->header = decode_object(text, (size_t)(dot1 - text));
	if (!j->header)
		goto fail;
	*why = "the JWS payload is not base64url of a JSON object";
	j->payload = decode_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!j->payload)
		goto fail;
	*why = "the JWS signature is not 64 bytes of base64url (ES256 r || s)";
	if (decode_part(dot2 + 1, n - (size_t)(dot2 + 1 - text), &sig, &slen) != CMN_OK ||
	    slen != ES256_SIG_BYTES)
		goto fail;
	memcpy(j->sig, sig, ES256_SIG_BYTES);
	free(sig);
	j->signing_input = text;
	j->signing_len = (size_t)(dot2 - text);
	*why = NULL;
	return CMN_OK;
fail:
	free(sig);
	es256_jws_release(j);
	return CMN_ERR_INVALID;
}

enum cmn_rc es256_jws_verify(const struct es256_key *k, const struct es256_jws *j,
			     const char **why)
{
	const char *alg = json_string_value(json_object_get(j->header, "alg"));

	if (!alg) {
		*why = "the JWS header has no \"alg\"";
		return CMN_ERR_INVALID;
	}
	if (strcmp(alg, "ES256") != 0) {
		*why = "the JWS \"alg\" is not ES256 (\"none\" and other algorithms are refused)";
		return CMN_ERR_INVALID;
	}
	if (json_object_get(j->header, "crit")) {
		*why = "the JWS header has \"crit\" extensions, none of which is understood";
		return CMN_ERR_INVALID;
	}
	if (es256_verify(k, j->signing_input, j->signing_len, j->sig) != CMN_OK) {
		*why = "the JWS signature does not verify";
		return CMN_ERR_CRYPTO;
	}
	*why = NULL;
	return CMN_OK;
}

void es256_jws_release(struct es256_jws *j)
{
	json_decref(j->header);
	json_decref(j->payload);
	j->header = NULL;
	j->payload = NULL;
}
