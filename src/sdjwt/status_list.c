/*
 * status_list.c - the Token Status List (draft-ietf-oauth-status-list):
 * a compressed bit array of the status of every attestation an issuer
 * made, published as a signed JWT that verifiers fetch.
 */
#include "sdjwt/sdjwt.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/str.h"
#include "sdjwt/sdjwt_int.h"

static bool bits_ok(unsigned bits)
{
	return bits == 1 || bits == 2 || bits == 4 || bits == 8;
}

static size_t list_bytes(unsigned bits, size_t count)
{
	return (count * bits + 7) / 8;
}

enum cmn_rc sdjwt_status_list_init(struct sdjwt_status_list *l, unsigned bits, size_t count)
{
	memset(l, 0, sizeof(*l));
	if (!bits_ok(bits) || count == 0)
		return CMN_ERR_INVALID;
	if (count > SDJWT_STATUS_LIST_MAX_BYTES * (8 / bits))
		return CMN_ERR_TOO_LARGE;
	l->bytes = calloc(1, list_bytes(bits, count));
	if (!l->bytes)
		return CMN_ERR_NOMEM;
	l->bits = bits;
	l->count = count;
	return CMN_OK;
}

void sdjwt_status_list_release(struct sdjwt_status_list *l)
{
	free(l->bytes);
	memset(l, 0, sizeof(*l));
}

void sdjwt_status_list_set(struct sdjwt_status_list *l, size_t idx, unsigned value)
{
	size_t bit = idx * l->bits;
	unsigned mask = (1u << l->bits) - 1;
	unsigned shift = bit % 8;

	l->bytes[bit / 8] = (unsigned char)((l->bytes[bit / 8] & ~(mask << shift)) |
					    ((value & mask) << shift));
}

unsigned sdjwt_status_list_get(const struct sdjwt_status_list *l, size_t idx)
{
	size_t bit = idx * l->bits;

	return (l->bytes[bit / 8] >> (bit % 8)) & ((1u << l->bits) - 1);
}

enum cmn_rc sdjwt_status_list_encode(const struct sdjwt_status_list *l, json_t **out)
{
	size_t n = list_bytes(l->bits, l->count);
	uLongf zlen = compressBound((uLong)n);
	unsigned char *z = malloc(zlen);
	char *lst = NULL;
	enum cmn_rc rc = CMN_ERR_NOMEM;

	if (!z)
		return CMN_ERR_NOMEM;
	/* compress2 writes the ZLIB format (RFC 1950) around DEFLATE, which
	 * is what the draft asks for */
	if (compress2(z, &zlen, l->bytes, (uLong)n, Z_BEST_COMPRESSION) != Z_OK) {
		rc = CMN_ERR_INTERNAL;
		goto done;
	}
	lst = str_b64url_encode(z, zlen);
	if (lst)
		*out = json_pack("{sI ss}", "bits", (json_int_t)l->bits, "lst", lst);
	if (lst && *out)
		rc = CMN_OK;
done:
	free(lst);
	free(z);
	return rc;
}

/* inflate_capped - the ZLIB data of n bytes, decompressed into at most
 * SDJWT_STATUS_LIST_MAX_BYTES: a small list may not expand into a bomb. */
static enum cmn_rc inflate_capped(const unsigned char *in, size_t n, unsigned char **out,
				  size_t *len)
{
	unsigned char *buf = malloc(SDJWT_STATUS_LIST_MAX_BYTES);
	z_stream zs = { 0 };
	enum cmn_rc rc = CMN_ERR_INVALID;
	int zr;

	if (!buf)
		return CMN_ERR_NOMEM;
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return CMN_ERR_NOMEM;
	}
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = buf;
	zs.avail_out = SDJWT_STATUS_LIST_MAX_BYTES;
	zr = inflate(&zs, Z_FINISH);
	if (zr == Z_STREAM_END && zs.avail_in == 0 && zs.total_out > 0) {
		rc = CMN_OK;
		*out = buf;
		*len = zs.total_out;
	} else if (zr == Z_BUF_ERROR && zs.avail_out == 0) {
		rc = CMN_ERR_TOO_LARGE;
	}
	inflateEnd(&zs);
	if (rc != CMN_OK)
		free(buf);
	return rc;
}

enum cmn_rc sdjwt_status_list_decode(const json_t *claim, struct sdjwt_status_list *l,
				     char why[SDJWT_WHY_MAX])
{
	json_t *bits = json_object_get(claim, "bits");
	const char *lst = json_string_value(json_object_get(claim, "lst"));
	unsigned char *z = NULL, *raw = NULL;
	size_t zlen = 0, len = 0;
	enum cmn_rc rc;

	memset(l, 0, sizeof(*l));
	if (!json_is_integer(bits) || !bits_ok((unsigned)json_integer_value(bits)) ||
	    json_integer_value(bits) > 8)
		return sdjwt_why(why, CMN_ERR_INVALID, "status_list.bits is not 1, 2, 4 or 8");
	if (!lst || str_b64url_decode(lst, &z, &zlen) != CMN_OK)
		return sdjwt_why(why, CMN_ERR_INVALID, "status_list.lst is not base64url");
	rc = inflate_capped(z, zlen, &raw, &len);
	free(z);
	if (rc == CMN_ERR_TOO_LARGE)
		return sdjwt_why(why, rc, "the status list is over %d bytes",
				 SDJWT_STATUS_LIST_MAX_BYTES);
	if (rc != CMN_OK)
		return sdjwt_why(why, rc, "status_list.lst is not ZLIB-compressed data");
	l->bits = (unsigned)json_integer_value(bits);
	l->bytes = raw;
	l->count = len * 8 / l->bits;
	return CMN_OK;
}

enum cmn_rc sdjwt_status_list_token(const struct es256_key *k, const struct sdjwt_status_list *l,
				    const char *uri, int64_t iat, int64_t exp, int64_t ttl,
				    struct buf *out)
{
	json_t *claim = NULL, *payload, *header = json_pack("{ss ss}", "typ", SDJWT_STATUS_LIST_TYP,
							    "kid", es256_kid(k));
	enum cmn_rc rc = sdjwt_status_list_encode(l, &claim);

	payload = json_pack("{ss sI}", "sub", uri, "iat", (json_int_t)iat);
	if (rc == CMN_OK && (!header || !payload ||
			     (exp && json_object_set_new(payload, "exp", json_integer(exp)) != 0) ||
			     (ttl && json_object_set_new(payload, "ttl", json_integer(ttl)) != 0) ||
			     json_object_set(payload, "status_list", claim) != 0))
		rc = CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		rc = es256_jws_sign(k, header, payload, out);
	json_decref(claim);
	json_decref(payload);
	json_decref(header);
	return rc;
}

/* status_token_claims - the checks of the status list token's claims
 * (the draft's §8.3): about this URI, not expired. */
static enum cmn_rc status_token_claims(const json_t *c, const char *uri, int64_t now,
				       int64_t skew, char why[SDJWT_WHY_MAX])
{
	const char *sub = json_string_value(json_object_get(c, "sub"));
	json_t *exp = json_object_get(c, "exp");

	if (!sub || strcmp(sub, uri) != 0)
		return sdjwt_why(why, CMN_ERR_INVALID,
				 "the status list token's sub is not the URI it was fetched from");
	if (!json_is_number(json_object_get(c, "iat")))
		return sdjwt_why(why, CMN_ERR_INVALID, "the status list token has no iat");
	if (exp && (!json_is_number(exp) || (double)(now - skew) >= json_number_value(exp)))
		return sdjwt_why(why, CMN_ERR_INVALID, "the status list token has expired");
	return CMN_OK;
}

static enum cmn_rc status_of(const json_t *payload, size_t idx, char why[SDJWT_WHY_MAX])
{
	struct sdjwt_status_list l;
	unsigned s;
	enum cmn_rc rc = sdjwt_status_list_decode(json_object_get(payload, "status_list"), &l, why);

	if (rc != CMN_OK)
		return rc;
	if (idx >= l.count) {
		sdjwt_status_list_release(&l);
		return sdjwt_why(why, CMN_ERR_INVALID, "the status index %zu is outside the list",
				 idx);
	}
	s = sdjwt_status_list_get(&l, idx);
	sdjwt_status_list_release(&l);
	if (s == SDJWT_STATUS_INVALID)
		return sdjwt_why(why, CMN_ERR_GONE, "the attestation is revoked (status list)");
	if (s == SDJWT_STATUS_SUSPENDED)
		return sdjwt_why(why, CMN_ERR_GONE, "the attestation is suspended (status list)");
	if (s != SDJWT_STATUS_VALID)
		return sdjwt_why(why, CMN_ERR_GONE, "the attestation's status is 0x%02x, not valid",
				 s);
	return CMN_OK;
}

enum cmn_rc sdjwt_status_check(const char *token, size_t n, const struct es256_key *k,
			       const char *uri, size_t idx, int64_t now, int64_t skew,
			       char why[SDJWT_WHY_MAX])
{
	struct es256_jws jws;
	const char *typ, *what;
	enum cmn_rc rc;

	if (es256_jws_parse(token, n, &jws, &what) != CMN_OK)
		return sdjwt_why(why, CMN_ERR_INVALID, "status list token: %s", what);
	typ = json_string_value(json_object_get(jws.header, "typ"));
	if (!typ || strcmp(typ, SDJWT_STATUS_LIST_TYP) != 0)
		rc = sdjwt_why(why, CMN_ERR_INVALID, "the status list token's typ is not %s",
			       SDJWT_STATUS_LIST_TYP);
	else if ((rc = es256_jws_verify(k, &jws, &what)) != CMN_OK)
		sdjwt_why(why, rc, "status list token: %s", what);
	if (rc == CMN_OK)
		rc = status_token_claims(jws.payload, uri, now, skew, why);
	if (rc == CMN_OK)
		rc = status_of(jws.payload, idx, why);
	es256_jws_release(&jws);
	return rc;
}

enum cmn_rc sdjwt_status_list_revoked(const struct es256_key *k, const unsigned char *revoked,
				      size_t n, const char *uri, int64_t iat, int64_t exp,
				      int64_t ttl, struct buf *out)
{
	struct sdjwt_status_list l;
	enum cmn_rc rc = sdjwt_status_list_init(&l, 1, n);

	if (rc != CMN_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (revoked[i])
			sdjwt_status_list_set(&l, i, SDJWT_STATUS_INVALID);
	rc = sdjwt_status_list_token(k, &l, uri, iat, exp, ttl, out);
	sdjwt_status_list_release(&l);
	return rc;
}
