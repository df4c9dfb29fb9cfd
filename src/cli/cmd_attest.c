/*
 * cmd_attest.c - `commune attest`: the territory's attestation issuer
 * keys (list, rotate) and the verification of a presentation offline,
 * with the keys and the status list of this data directory. The keys
 * are DATA/issuer.key (the active one, ES256, made at the first start)
 * and DATA/issuer-keys/KID.pem (earlier ones, kept so that attestations
 * issued before a rotation still verify until they expire); the store
 * records the kid of the active one, and a data directory with another
 * active key, or none, is refused rather than given a key of its own.
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
	"       commune attest rotate [--lost]\n"                                              \
	"       commune attest verify (TOKEN | -) [--nonce N --aud A] [--issuer-jwk FILE]\n"

#define KEYS_MAX 16

void attest_keys_free(struct es256_key **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		es256_free(&keys[i]);
	free(keys);
}

/* kept_has - whether the keys kept after a rotation, keys[1..n), hold kid */
static bool kept_has(struct es256_key **keys, size_t n, const char *kid)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(es256_kid(keys[i]), kid) == 0)
			return true;
	return false;
}

/* load_kept - adds to keys (after *n) those of DATA/issuer-keys/ */
static void load_kept(const char *dir, struct es256_key **keys, size_t *n)
{
	char path[4096];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/issuer-keys", dir);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) && *n < KEYS_MAX) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/issuer-keys/%s", dir, e->d_name);
		if (es256_load(path, &keys[*n]) == CMN_OK)
			(*n)++;
		else
			fprintf(stderr, "commune: %s: not an issuer key, left out\n", path);
	}
	closedir(d);
}

/*
 * issuer_check - the active key keys[0] against the one the store records
 * (STORE_META_ISSUER_KID), so that every data directory serving a store
 * signs with the same key: the first key a store is opened with is
 * recorded; another is refused, unless the recorded one is among this
 * directory's kept keys (a store restored to before this directory's last
 * rotation, or a rotation whose record was cut short): the store then
 * records the active one. Prints why and returns false on refusal.
 */
static bool issuer_check(struct store *s, const char *path, struct es256_key **keys, size_t n)
{
	const char *kid = es256_kid(keys[0]);
	char recorded[STORE_META_VALUE_MAX] = "";
	enum cmn_rc rc = store_meta_get(s, STORE_META_ISSUER_KID, recorded, sizeof(recorded));

	if (rc == CMN_ERR_NOT_FOUND)
		rc = store_meta_claim(s, STORE_META_ISSUER_KID, kid, recorded, sizeof(recorded));
	if (rc == CMN_OK && strcmp(recorded, kid) != 0) {
		if (!kept_has(keys, n, recorded)) {
			cli_error("%s (kid %s) is not the attestation key of this store (kid %s): "
				  "copy issuer.key and issuer-keys/ from the data directory where it "
				  "was made or last rotated (docs/deploy.md, \"The keys\")",
				  path, kid, recorded);
			return false;
		}
		rc = store_meta_set(s, STORE_META_ISSUER_KID, kid);
	}
	if (rc != CMN_OK) {
		cli_error("the store cannot record its attestation key: %s (%s)", cmn_strerror(rc),
			  store_last_error());
		return false;
	}
	return true;
}

/* issuer_missing - whether DATA/issuer.key may not be made anew: the store
 * records another key (said, and true), or cannot be read (said, true) */
static bool issuer_missing(struct store *s, const char *path)
{
	char recorded[STORE_META_VALUE_MAX];
	enum cmn_rc rc = store_meta_get(s, STORE_META_ISSUER_KID, recorded, sizeof(recorded));

	if (rc == CMN_ERR_NOT_FOUND)
		return false;
	if (rc != CMN_OK)
		cli_error("cannot read the store's attestation key: %s (%s)", cmn_strerror(rc),
			  store_last_error());
	else
		cli_error("%s is missing, and this store's attestations are signed with key %s: "
			  "copy issuer.key and issuer-keys/ from the data directory that has it "
			  "(docs/deploy.md, \"The keys\"), or if it is lost for good, run commune "
			  "attest rotate --lost",
			  path, recorded);
	return true;
}

bool attest_keys_load(const char *dir, struct store *s, struct es256_key ***out, size_t *n)
{
	struct es256_key **keys = calloc(KEYS_MAX, sizeof(struct es256_key *));
	char path[4096];
	enum cmn_rc rc;

	*n = 0;
	if (!keys)
		return false;
	snprintf(path, sizeof(path), "%s/issuer.key", dir);
	rc = es256_load(path, &keys[0]);
	if (rc == CMN_ERR_NOT_FOUND && issuer_missing(s, path)) {
		free(keys);
		return false;
	}
	if (rc == CMN_ERR_NOT_FOUND) /* a store without attestation key yet */
		rc = es256_load_or_create(path, &keys[0]);
	if (rc != CMN_OK) {
		cli_error("%s: the attestation issuer key cannot be read or made (mode 0600?)", path);
		free(keys);
		return false;
	}
	*n = 1;
	load_kept(dir, keys, n);
	if (!issuer_check(s, path, keys, *n)) {
		attest_keys_free(keys, *n);
		*n = 0;
		return false;
	}
	*out = keys;
	return true;
}

static int keys_list(struct cli_env *env)
{
	struct es256_key **keys;
	size_t n;

	if (!attest_keys_load(env->dir, env->store, &keys, &n))
		return EXIT_USER;
	for (size_t i = 0; i < n; i++)
		printf("%s  %s\n", es256_kid(keys[i]), i == 0 ? "active" : "kept for verification");
	attest_keys_free(keys, n);
	return 0;
}

/* keep_active - moves DATA/issuer.key, when there is one that loads, to
 * issuer-keys/KID.pem; 0, or the exit status after saying why */
static int keep_active(const char *dir)
{
	struct es256_key *active = NULL;
	char from[4096], to[4096];
	enum cmn_rc rc;
	int ret = 0;

	snprintf(from, sizeof(from), "%s/issuer.key", dir);
	rc = es256_load(from, &active);
	if (rc == CMN_ERR_NOT_FOUND)
		return 0;
	if (rc != CMN_OK)
		return cli_error("%s: not an issuer key (%s): move it away first", from,
				 cmn_strerror(rc));
	snprintf(to, sizeof(to), "%s/issuer-keys", dir);
	if (mkdir(to, 0700) != 0 && errno != EEXIST)
		ret = cli_error("%s: %s", to, strerror(errno));
	snprintf(to, sizeof(to), "%s/issuer-keys/%s.pem", dir, es256_kid(active));
	if (ret == 0 && rename(from, to) != 0)
		ret = cli_error("%s: %s", from, strerror(errno));
	es256_free(&active);
	return ret;
}

/* rotate - the active key moves to issuer-keys/KID.pem, a new one is made
 * and the store records it: new attestations are signed with it, earlier
 * ones still verify. With lost, the store's key is not looked for (it is
 * lost: attestations it signed no longer verify), and whatever
 * issuer.key this directory has is kept as an earlier key. */
static int rotate(struct cli_env *env, bool lost)
{
	struct es256_key **keys, *made = NULL;
	char path[4096];
	size_t n;
	int ret;

	if (!lost) {
		if (!attest_keys_load(env->dir, env->store, &keys, &n))
			return EXIT_USER;
		attest_keys_free(keys, n);
	}
	if ((ret = keep_active(env->dir)) != 0)
		return ret;
	snprintf(path, sizeof(path), "%s/issuer.key", env->dir);
	if (es256_load_or_create(path, &made) != CMN_OK)
		return cli_error("%s: a new issuer key cannot be made", path);
	if (store_meta_set(env->store, STORE_META_ISSUER_KID, es256_kid(made)) != CMN_OK)
		ret = cli_error("%s: the store could not record the new key %s (%s): run commune "
				"attest rotate again",
				path, es256_kid(made), store_last_error());
	else
		printf("new active key %s; copy issuer.key and issuer-keys/ to every data "
		       "directory of the territory and restart commune serve to sign with it\n",
		       es256_kid(made));
	es256_free(&made);
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
	if (!attest_keys_load(env->dir, env->store, &o.keys, &o.n)) {
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
	const char *data = NULL, *nonce = NULL, *aud = NULL, *issuer = NULL, *lost = NULL, *pos[2];
	const struct cli_opt opts[] = {{"--data", true, &data},
				       {"--nonce", true, &nonce},
				       {"--aud", true, &aud},
				       {"--issuer-jwk", true, &issuer},
				       {"--lost", false, &lost},
				       {NULL, false, NULL}};
	struct cli_env env;
	int npos, ret;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1 ||
	    (strcmp(pos[0], "verify") == 0 ? npos != 2 : npos != 1) ||
	    (strcmp(pos[0], "verify") != 0 && strcmp(pos[0], "keys") != 0 &&
	     strcmp(pos[0], "rotate") != 0) ||
	    ((nonce || aud || issuer) && strcmp(pos[0], "verify") != 0) ||
	    (lost && strcmp(pos[0], "rotate") != 0)) {
		fputs(ATTEST_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "keys") == 0)
		ret = keys_list(&env);
	else if (strcmp(pos[0], "rotate") == 0)
		ret = rotate(&env, lost != NULL);
	else
		ret = verify(&env, pos[1], nonce, aud, issuer);
	cli_close(&env);
	return ret;
}
