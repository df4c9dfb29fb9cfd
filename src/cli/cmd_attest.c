/*
 * cmd_attest.c - `commune attest`: the territory's attestation issuer
 * keys (list, rotate) and the verification of a presentation offline,
 * with the keys and the status list of this data directory. The keys
 * are DATA/issuer.key (the active one, ES256, made at the first start)
 * and DATA/issuer-keys/KID.pem (earlier ones, kept so that attestations
 * issued before a rotation still verify until they expire).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/timeutil.h"
#include "sdjwt/sdjwt.h"
#include "store/store_attest.h"

#define ATTEST_USAGE                                                                          \
	"usage: commune attest keys\n"                                                         \
	"       commune attest rotate\n"                                                       \
	"       commune attest verify (TOKEN | -) [--nonce N --aud A] [--issuer-jwk FILE]\n"

#define KEYS_MAX 16

void attest_keys_free(struct es256_key **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		es256_free(&keys[i]);
	free(keys);
}

bool attest_keys_load(const char *dir, struct es256_key ***out, size_t *n)
{
	struct es256_key **keys = calloc(KEYS_MAX, sizeof(struct es256_key *));
	char path[4096];
	struct dirent *e;
	DIR *d;

	*n = 0;
	if (!keys)
		return false;
	snprintf(path, sizeof(path), "%s/issuer.key", dir);
	if (es256_load_or_create(path, &keys[0]) != CMN_OK) {
		cli_error("%s: the attestation issuer key cannot be read or made (mode 0600?)", path);
		free(keys);
		return false;
	}
	*n = 1;
	snprintf(path, sizeof(path), "%s/issuer-keys", dir);
	if ((d = opendir(path))) {
		while ((e = readdir(d)) && *n < KEYS_MAX) {
			size_t len = strlen(e->d_name);

			if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/issuer-keys/%s", dir, e->d_name);
			if (es256_load_or_create(path, &keys[*n]) == CMN_OK)
				(*n)++;
			else
				fprintf(stderr, "commune: %s: not an issuer key, left out\n", path);
		}
		closedir(d);
	}
	*out = keys;
	return true;
}

static int keys_list(struct cli_env *env)
{
	struct es256_key **keys;
	size_t n;

	if (!attest_keys_load(env->dir, &keys, &n))
		return EXIT_USER;
	for (size_t i = 0; i < n; i++)
		printf("%s  %s\n", es256_kid(keys[i]), i == 0 ? "active" : "kept for verification");
	attest_keys_free(keys, n);
	return 0;
}

/* rotate - the active key moves to issuer-keys/KID.pem, a new one is made:
 * new attestations are signed with it, earlier ones still verify. */
static int rotate(struct cli_env *env)
{
	struct es256_key **keys;
	char from[4096], to[4096];
	size_t n;
	int ret = 0;

	if (!attest_keys_load(env->dir, &keys, &n))
		return EXIT_USER;
	snprintf(from, sizeof(from), "%s/issuer.key", env->dir);
	snprintf(to, sizeof(to), "%s/issuer-keys", env->dir);
	if (mkdir(to, 0700) != 0 && errno != EEXIST)
		ret = cli_error("%s: %s", to, strerror(errno));
	snprintf(to, sizeof(to), "%s/issuer-keys/%s.pem", env->dir, es256_kid(keys[0]));
	if (ret == 0 && rename(from, to) != 0)
		ret = cli_error("%s: %s", from, strerror(errno));
	attest_keys_free(keys, n);
	if (ret == 0 && attest_keys_load(env->dir, &keys, &n)) {
		printf("new active key %s; restart commune serve to sign with it\n",
		       es256_kid(keys[0]));
		attest_keys_free(keys, n);
	}
	return ret;
}

struct offline {
	struct es256_key **keys;
	size_t n;
	struct store *store;
};

static enum cmn_rc by_kid(void *ctx, const char *iss, const char *kid, struct es256_key **out)
{
	struct offline *o = ctx;

	(void)iss;
	return es256_pick(o->keys, o->n, kid, out);
}

/* local_status - the status list of this data directory, whatever its uri */
static enum cmn_rc local_status(void *ctx, const char *uri, struct buf *out)
{
	struct offline *o = ctx;
	unsigned char *bits = NULL;
	size_t n = 0;
	int64_t now = time_now_ms() / 1000;
	enum cmn_rc rc = store_status_bits(o->store, 1, &bits, &n);

	if (rc == CMN_OK)
		rc = sdjwt_status_list_revoked(o->keys[0], bits, n, uri, now, now + 3600, 0, out);
	free(bits);
	return rc;
}

/* issuer_from - the public JWK of another issuer, from a file. */
static int issuer_from(const char *path, struct es256_key **out)
{
	struct json_parse_error je;
	json_t *jwk = json_parse_file(path, 0, &je);
	enum cmn_rc rc = jwk ? es256_from_jwk(jwk, out) : CMN_ERR_INVALID;

	json_decref(jwk);
	if (!jwk)
		return cli_error("%s:%d:%d: %s", path, je.line, je.column, je.text);
	if (rc != CMN_OK)
		return cli_error("%s: not an EC P-256 JWK", path);
	return 0;
}

static int verify(struct cli_env *env, const char *arg, const char *nonce, const char *aud,
		  const char *issuer_jwk)
{
	struct es256_key *other = NULL;
	struct offline o = {0};
	struct sdjwt_verify_opts opts = {0};
	struct sdjwt_result r = {0};
	struct buf in;
	enum cmn_rc rc;
	char *text;
	int ret = 0;

	buf_init(&in, SDJWT_MAX_BYTES);
	if (strcmp(arg, "-") == 0) {
		char chunk[4096];
		size_t got;

		while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			if (buf_append(&in, chunk, got) != CMN_OK)
				break;
	} else {
		buf_puts(&in, arg);
	}
	while (in.len && (in.data[in.len - 1] == '\n' || in.data[in.len - 1] == '\r'))
		in.data[--in.len] = '\0';
	if (!in.len) {
		buf_release(&in);
		return cli_error("no token to verify");
	}
	if (issuer_jwk && (ret = issuer_from(issuer_jwk, &other)) != 0) {
		buf_release(&in);
		return ret;
	}
	if (!attest_keys_load(env->dir, &o.keys, &o.n)) {
		es256_free(&other);
		buf_release(&in);
		return EXIT_USER;
	}
	o.store = env->store;
	/* another issuer's token: its key, its typ, and no status list of ours */
	opts.issuer_key = other;
	opts.typ = other ? "" : NULL;
	opts.resolve = by_kid;
	opts.resolve_ctx = &o;
	opts.skew = SDJWT_SKEW_S;
	opts.require_kb = nonce || aud;
	opts.nonce = nonce;
	opts.aud = aud;
	opts.status = other ? NULL : local_status;
	opts.status_ctx = &o;
	rc = sdjwt_verify(in.data, in.len, &opts, &r);
	if (rc == CMN_OK) {
		json_t *v = json_pack("{s:b, s:O, s:O, s:b}", "valid", 1, "claims", r.claims,
				      "disclosed", r.disclosed, "key_bound", r.key_bound);

		text = v ? json_text_dumps(v, JSON_INDENT(2)) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(v);
	} else {
		ret = cli_error("not valid: %s", r.why[0] ? r.why : cmn_strerror(rc));
	}
	sdjwt_result_release(&r);
	attest_keys_free(o.keys, o.n);
	es256_free(&other);
	buf_release(&in);
	return ret;
}

int cmd_attest(int argc, char **argv)
{
	const char *data = NULL, *nonce = NULL, *aud = NULL, *issuer = NULL, *pos[2];
	const struct cli_opt opts[] = {{"--data", true, &data},
				       {"--nonce", true, &nonce},
				       {"--aud", true, &aud},
				       {"--issuer-jwk", true, &issuer},
				       {NULL, false, NULL}};
	struct cli_env env;
	int npos, ret;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1 ||
	    (strcmp(pos[0], "verify") == 0 ? npos != 2 : npos != 1) ||
	    (strcmp(pos[0], "verify") != 0 && strcmp(pos[0], "keys") != 0 &&
	     strcmp(pos[0], "rotate") != 0) ||
	    ((nonce || aud || issuer) && strcmp(pos[0], "verify") != 0)) {
		fputs(ATTEST_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "keys") == 0)
		ret = keys_list(&env);
	else if (strcmp(pos[0], "rotate") == 0)
		ret = rotate(&env);
	else
		ret = verify(&env, pos[1], nonce, aud, issuer);
	cli_close(&env);
	return ret;
}
