/*
 * crypt.c - libsodium-based primitives of crypt.h: random ids, password
 * hashes, the keyring and the keys derived from it, sealing, JWS; and the
 * SHA-256 of whole files, over libcrypto for its speed.
 */
#include "crypto/crypt.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "core/fsutil.h"
#include "core/str.h"
#include "core/timeutil.h"

enum cmn_rc crypt_init(void)
{
	return sodium_init() < 0 ? CMN_ERR_CRYPTO : CMN_OK;
}

void crypt_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

void crypt_token_new(char out[CRYPT_TOKEN_LEN])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, CRYPT_TOKEN_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void crypt_id_new(char out[CRYPT_ID_LEN])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof(raw));
	str_hex(out, raw, sizeof(raw));
}

/*
 * Record ids take their random bits from a per-thread pool that the
 * system's CSPRNG fills ID_POOL bytes at a time: an import makes an id for
 * each of thousands of records, and a getrandom system call for each was a
 * tenth of the system time of `commune synth --into-store`. Each byte
 * serves once and is wiped when taken. (No process forks after making
 * ids, so no two processes share a pool.)
 */
#define ID_POOL 512

static _Thread_local struct {
	unsigned char b[ID_POOL];
	size_t used;
} id_pool = {.used = ID_POOL};

static void id_random(unsigned char *out, size_t n)
{
	if (id_pool.used + n > ID_POOL) {
		randombytes_buf(id_pool.b, ID_POOL);
		id_pool.used = 0;
	}
	memcpy(out, id_pool.b + id_pool.used, n);
	sodium_memzero(id_pool.b + id_pool.used, n);
	id_pool.used += n;
}

void crypt_uuid7_new(char out[CRYPT_UUID_LEN])
{
	unsigned char b[16];
	uint64_t ms = (uint64_t)time_now_ms();

	id_random(b + 6, sizeof(b) - 6); /* the first 6 bytes are the time */
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	crypt_uuid_format(b, out);
}

void crypt_uuid_name(const char *name, char out[CRYPT_UUID_LEN])
{
	static const char label[] = "commune/uuid/v1:";
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)label, sizeof(label) - 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
	crypto_hash_sha256_final(&st, h);
	h[6] = (unsigned char)(0x80 | (h[6] & 0x0f));
	h[8] = (unsigned char)(0x80 | (h[8] & 0x3f));
	crypt_uuid_format(h, out);
}

/* the five groups of a UUID's text: offset in the text, bytes */
static const struct {
	unsigned char at, n;
} uuid_groups[] = {{0, 4}, {9, 2}, {14, 2}, {19, 2}, {24, 6}};

void crypt_uuid_format(const unsigned char b[16], char out[CRYPT_UUID_LEN])
{
	const unsigned char *p = b;

	for (size_t g = 0; g < sizeof(uuid_groups) / sizeof(*uuid_groups); g++) {
		str_hex(out + uuid_groups[g].at, p, uuid_groups[g].n);
		p += uuid_groups[g].n;
		if (g < 4)
			out[uuid_groups[g].at + 2 * uuid_groups[g].n] = '-';
	}
}

bool crypt_uuid_parse(const char *text, unsigned char out[16])
{
	unsigned char *p = out;

	if (strlen(text) != CRYPT_UUID_LEN - 1)
		return false;
	for (size_t g = 0; g < sizeof(uuid_groups) / sizeof(*uuid_groups); g++) {
		const char *s = text + uuid_groups[g].at;

		for (size_t i = 0; i < 2u * uuid_groups[g].n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				return false;
		if (g < 4 && s[2 * uuid_groups[g].n] != '-')
			return false;
		str_unhex(p, s, uuid_groups[g].n);
		p += uuid_groups[g].n;
	}
	return true;
}

void crypt_hash_hex(const char *s, char out[CRYPT_HASH_HEX_LEN])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s), NULL, 0);
	str_hex(out, h, sizeof(h));
}

struct crypt_sha256 {
	EVP_MD_CTX *ctx;
	bool failed;
};

struct crypt_sha256 *crypt_sha256_begin(void)
{
	struct crypt_sha256 *h = calloc(1, sizeof(*h));

	if (h && !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		return NULL;
	}
	if (h)
		h->failed = EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1;
	return h;
}

void crypt_sha256_add(struct crypt_sha256 *h, const void *p, size_t n)
{
	if (!h->failed && n)
		h->failed = EVP_DigestUpdate(h->ctx, p, n) != 1;
}

enum cmn_rc crypt_sha256_end(struct crypt_sha256 *h, char out[CRYPT_HASH_HEX_LEN])
{
	unsigned char sum[32];
	unsigned int len = 0;
	bool ok = !h->failed && EVP_DigestFinal_ex(h->ctx, sum, &len) == 1 && len == sizeof(sum);

	EVP_MD_CTX_free(h->ctx);
	free(h);
	if (ok)
		str_hex(out, sum, sizeof(sum));
	return ok ? CMN_OK : CMN_ERR_CRYPTO;
}

enum cmn_rc crypt_sha256_hex(const void *p, size_t n, char out[CRYPT_HASH_HEX_LEN])
{
	unsigned char sum[32];
	unsigned int len = 0;

	if (EVP_Digest(p, n, sum, &len, EVP_sha256(), NULL) != 1 || len != sizeof(sum))
		return CMN_ERR_CRYPTO;
	str_hex(out, sum, sizeof(sum));
	return CMN_OK;
}

enum cmn_rc crypt_sha256_file(FILE *f, char out[CRYPT_HASH_HEX_LEN], uint64_t *size)
{
	struct crypt_sha256 *h = crypt_sha256_begin();
	unsigned char chunk[65536];
	uint64_t total = 0;
	size_t got;
	enum cmn_rc rc;

	if (!h)
		return CMN_ERR_NOMEM;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		crypt_sha256_add(h, chunk, got);
		total += got;
	}
	rc = crypt_sha256_end(h, out);
	if (ferror(f))
		return CMN_ERR_IO;
	if (rc == CMN_OK && size)
		*size = total;
	return rc;
}

int crypt_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}

enum cmn_rc crypt_password_hash(const char *password, char out[CRYPT_PWHASH_LEN])
{
	const char *cost = getenv("COMMUNE_PWHASH_COST");
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

	_Static_assert(crypto_pwhash_STRBYTES <= CRYPT_PWHASH_LEN, "pwhash buffer");
	if (cost && strcmp(cost, "min") == 0) {
		ops = crypto_pwhash_OPSLIMIT_MIN;
		mem = crypto_pwhash_MEMLIMIT_MIN;
	}
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return CMN_ERR_NOMEM;
	return CMN_OK;
}

enum cmn_rc crypt_password_verify(const char *hash, const char *password)
{
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return CMN_ERR_UNAUTHENTICATED;
	return CMN_OK;
}

static enum cmn_rc read_key(int fd, unsigned char *key)
{
	size_t got = 0;

	while (got < CRYPT_KEY_BYTES) {
		ssize_t n = read(fd, key + got, CRYPT_KEY_BYTES - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CMN_ERR_CRYPTO;
		got += (size_t)n;
	}
	{
		unsigned char extra;

		if (read(fd, &extra, 1) != 0)
			return CMN_ERR_CRYPTO;
	}
	return CMN_OK;
}

/* load_key - the key of the file at path: CMN_ERR_NOT_FOUND when there is
 * none, CMN_ERR_CRYPTO when it is not a regular file of CRYPT_KEY_BYTES
 * that only its owner reads */
static enum cmn_rc load_key(const char *path, unsigned char *key)
{
	struct stat st;
	enum cmn_rc rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? CMN_ERR_NOT_FOUND : CMN_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_size != CRYPT_KEY_BYTES)
		rc = CMN_ERR_CRYPTO;
	else
		rc = read_key(fd, key);
	close(fd);
	return rc;
}

/* create_key - a new random key written to path, which must not exist:
 * written and synced under a temporary name first, then linked to path,
 * so that nobody reads a key file half written (fs_create_new).
 * CMN_ERR_EXISTS when path appeared meanwhile (another process made it). */
static enum cmn_rc create_key(const char *path, unsigned char *key)
{
	randombytes_buf(key, CRYPT_KEY_BYTES);
	return fs_create_new(path, key, CRYPT_KEY_BYTES);
}

enum cmn_rc keyring_open(struct keyring *k, const char *path, unsigned flags)
{
	enum cmn_rc rc;

	k->master = sodium_malloc(CRYPT_KEY_BYTES);
	if (!k->master)
		return CMN_ERR_NOMEM;
	rc = load_key(path, k->master);
	if (rc == CMN_ERR_NOT_FOUND && (flags & KEYRING_CREATE)) {
		rc = create_key(path, k->master);
		if (rc == CMN_ERR_EXISTS) /* another process made it first: its key */
			rc = load_key(path, k->master);
	}
	if (rc != CMN_OK) {
		sodium_free(k->master); /* wipes before freeing */
		k->master = NULL;
		return rc;
	}
	sodium_mprotect_readonly(k->master);
	return CMN_OK;
}

void keyring_fingerprint(const struct keyring *k, char out[CRYPT_HASH_HEX_LEN])
{
	static const char label[] = "commune/key-fingerprint/v1";
	unsigned char h[32];

	_Static_assert(CRYPT_HASH_HEX_LEN == 2 * sizeof(h) + 1, "fingerprint size");
	crypto_generichash(h, sizeof(h), (const unsigned char *)label, sizeof(label) - 1,
			   k->master, CRYPT_KEY_BYTES);
	str_hex(out, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

void keyring_release(struct keyring *k)
{
	if (k->master)
		sodium_free(k->master); /* wipes before freeing */
	k->master = NULL;
}

void keyring_person_key(const struct keyring *k, const char *person_id,
			unsigned char out[CRYPT_KEY_BYTES])
{
	static const char label[] = "commune/person-key/v1:";
	crypto_generichash_state st;

	crypto_generichash_init(&st, k->master, CRYPT_KEY_BYTES, CRYPT_KEY_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, (const unsigned char *)person_id, strlen(person_id));
	crypto_generichash_final(&st, out, CRYPT_KEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}

void keyring_subkey(const struct keyring *k, const char *label, const char *id,
		    unsigned char out[CRYPT_KEY_BYTES])
{
	static const char prefix[] = "commune/subkey/v1:";
	crypto_generichash_state st;

	crypto_generichash_init(&st, k->master, CRYPT_KEY_BYTES, CRYPT_KEY_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof(prefix) - 1);
	/* the NUL after the label keeps ("ab", "c") apart from ("a", "bc") */
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label) + 1);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
	crypto_generichash_final(&st, out, CRYPT_KEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}

enum cmn_rc crypt_seal(const unsigned char key[CRYPT_KEY_BYTES], const void *plain, size_t n,
		       const char *ad, struct buf *out)
{
	size_t need = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
		      crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char *p;
	unsigned long long clen;
	enum cmn_rc rc;
	size_t at = out->len;

	if ((rc = buf_append(out, "", 0)) != CMN_OK)
		return rc;
	p = malloc(need);
	if (!p)
		return CMN_ERR_NOMEM;
	randombytes_buf(p, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		p + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, plain, n,
		(const unsigned char *)ad, ad ? strlen(ad) : 0, NULL, p, key);
	rc = buf_append(out, p, need);
	free(p);
	(void)at;
	return rc;
}

enum cmn_rc crypt_open(const unsigned char key[CRYPT_KEY_BYTES], const void *sealed, size_t n,
		       const char *ad, struct buf *out)
{
	const unsigned char *s = sealed;
	size_t overhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
			  crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char *p;
	unsigned long long plen;
	enum cmn_rc rc;

	if (n < overhead)
		return CMN_ERR_CRYPTO;
	p = malloc(n - overhead + 1);
	if (!p)
		return CMN_ERR_NOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    p, &plen, NULL, s + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		    n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)ad,
		    ad ? strlen(ad) : 0, s, key) != 0) {
		free(p);
		return CMN_ERR_CRYPTO;
	}
	rc = buf_append(out, p, (size_t)plen);
	sodium_memzero(p, n - overhead + 1);
	free(p);
	return rc;
}

/* ---- the platform's signing key and JWS ---------------------------------- */

#define SIGN_KDF_CONTEXT "cmnsign1"       /* crypto_kdf_CONTEXTBYTES characters */
#define SIGN_KDF_SUBKEY 1

_Static_assert(sizeof(SIGN_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(CRYPT_KEY_BYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(CRYPT_SIGN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert(CRYPT_SIGN_BYTES == crypto_sign_BYTES, "signature size");

/* sign_keypair - derives the signing key pair; wipe sk after use. */
static void sign_keypair(const struct keyring *k, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
			 unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	crypto_kdf_derive_from_key(seed, sizeof(seed), SIGN_KDF_SUBKEY, SIGN_KDF_CONTEXT, k->master);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
}

void keyring_sign_public(const struct keyring *k, unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES])
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	sign_keypair(k, pk, sk);
	sodium_memzero(sk, sizeof(sk));
}

/* b64url - base64url without padding of n bytes into out (room for
 * sodium_base64_ENCODED_LEN). */
static void b64url(char *out, size_t room, const unsigned char *in, size_t n)
{
	sodium_bin2base64(out, room, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

#define PK_B64_LEN 44                     /* base64url of 32 bytes, with NUL */

static void kid_of(const unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES], char x[PK_B64_LEN],
		   char kid[CRYPT_KID_LEN])
{
	char canon[96];
	unsigned char h[crypto_hash_sha256_BYTES];
	int n;

	b64url(x, PK_B64_LEN, pk, CRYPT_SIGN_PUBLIC_BYTES);
	/* RFC 7638 §3.2: the required members, sorted, no white space */
	n = snprintf(canon, sizeof(canon), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	crypto_hash_sha256(h, (const unsigned char *)canon, (unsigned long long)n);
	b64url(kid, CRYPT_KID_LEN, h, sizeof(h));
}

void keyring_kid(const struct keyring *k, char kid[CRYPT_KID_LEN])
{
	unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES];
	char x[PK_B64_LEN];

	keyring_sign_public(k, pk);
	kid_of(pk, x, kid);
}

enum cmn_rc keyring_jwk(const struct keyring *k, struct buf *out)
{
	unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES];
	char x[PK_B64_LEN], kid[CRYPT_KID_LEN];

	keyring_sign_public(k, pk);
	kid_of(pk, x, kid);
	return buf_printf(out,
			  "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\","
			  "\"alg\":\"EdDSA\",\"use\":\"sig\"}",
			  x, kid);
}

enum cmn_rc keyring_jwks(const struct keyring *k, struct buf *out)
{
	size_t at = out->len;
	enum cmn_rc rc = buf_puts(out, "{\"keys\":[");

	if (rc == CMN_OK)
		rc = keyring_jwk(k, out);
	if (rc == CMN_OK)
		rc = buf_puts(out, "]}");
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	return rc;
}

static bool typ_ok(const char *typ)
{
	size_t n = strlen(typ);

	if (n == 0 || n >= CRYPT_JWS_TYP_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)typ[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("+-./", c)))
			return false;
	}
	return true;
}

/* append_b64url - appends the base64url of n bytes to out. */
static enum cmn_rc append_b64url(struct buf *out, const void *p, size_t n)
{
	char *s = str_b64url_encode(p, n);
	enum cmn_rc rc = s ? buf_puts(out, s) : CMN_ERR_NOMEM;

	free(s);
	return rc;
}

/*
 * The signing input is ASCII(BASE64URL(header) '.' BASE64URL(payload)),
 * written straight into out, signed there, then followed by '.' and the
 * signature: the payload is encoded once and never copied again.
 */
enum cmn_rc keyring_jws_sign(const struct keyring *k, const char *typ, const void *payload,
			     size_t n, struct buf *out)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	char x[PK_B64_LEN], kid[CRYPT_KID_LEN], header[64 + CRYPT_KID_LEN + CRYPT_JWS_TYP_MAX];
	size_t at = out->len;
	enum cmn_rc rc;

	if (!typ || !typ_ok(typ))
		return CMN_ERR_INVALID;
	sign_keypair(k, pk, sk);
	kid_of(pk, x, kid);
	snprintf(header, sizeof(header), "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"%s\"}", kid,
		 typ);
	rc = append_b64url(out, header, strlen(header));
	if (rc == CMN_OK)
		rc = buf_puts(out, ".");
	if (rc == CMN_OK)
		rc = append_b64url(out, payload, n);
	if (rc == CMN_OK) {
		crypto_sign_detached(sig, NULL, (const unsigned char *)out->data + at, out->len - at,
				     sk);
		rc = buf_puts(out, ".");
	}
	if (rc == CMN_OK)
		rc = append_b64url(out, sig, sizeof(sig));
	sodium_memzero(sk, sizeof(sk));
	if (rc != CMN_OK && out->data) {
		out->len = at;
		out->data[at] = '\0';
	}
	return rc;
}

enum cmn_rc keyring_jws_verify(const struct keyring *k, const char *jws, struct buf *out)
{
	unsigned char pk[CRYPT_SIGN_PUBLIC_BYTES];
	const char *dot1 = strchr(jws, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	unsigned char *sig = NULL, *payload = NULL;
	size_t nsig = 0, npayload = 0;
	char *part;
	enum cmn_rc rc;

	if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
		return CMN_ERR_INVALID;
	if (str_b64url_decode(dot2 + 1, &sig, &nsig) != CMN_OK || nsig != CRYPT_SIGN_BYTES) {
		free(sig);
		return CMN_ERR_INVALID;
	}
	keyring_sign_public(k, pk);
	rc = crypto_sign_verify_detached(sig, (const unsigned char *)jws, (size_t)(dot2 - jws),
					 pk) == 0
		     ? CMN_OK
		     : CMN_ERR_CRYPTO;
	free(sig);
	if (rc != CMN_OK)
		return rc;
	part = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!part)
		return CMN_ERR_NOMEM;
	rc = str_b64url_decode(part, &payload, &npayload);
	free(part);
	if (rc == CMN_OK)
		rc = buf_append(out, payload, npayload);
	free(payload);
	return rc;
}
