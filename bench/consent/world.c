/*
 * world.c - a person's grant to a service and its access token, made
 * in-process on a data directory for the consent benchmarks. See world.h.
 */
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/timeutil.h"
#include "store/store_oauth.h"

bool bench_world_open(struct bench_world *w, const char *dir)
{
	char path[4096], err[300];
	enum cmn_rc rc;

	memset(w, 0, sizeof(*w));
	if (crypt_init() != CMN_OK) {
		fprintf(stderr, "cannot initialise libsodium\n");
		return false;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", dir, strerror(errno));
		return false;
	}
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if ((rc = keyring_open(&w->keys, path, KEYRING_CREATE)) != CMN_OK) {
		fprintf(stderr, "key file %s: %s\n", path, cmn_strerror(rc));
		return false;
	}
	if ((rc = registry_load(&w->reg, err, sizeof(err))) != CMN_OK) {
		fprintf(stderr, "doctype registry: %s\n", err);
		keyring_release(&w->keys);
		return false;
	}
	rc = store_open(&w->st, dir, &w->keys);
	if (rc == CMN_OK)
		rc = registry_sync(&w->reg, w->st);
	if (rc != CMN_OK) {
		fprintf(stderr, "store %s: %s (%s)\n", dir, cmn_strerror(rc), store_last_error());
		bench_world_close(w);
		return false;
	}
	return true;
}

/* grant_given - the grant of BENCH_GRANT_TERMS from w->person to w->client. */
static bool grant_given(struct bench_world *w)
{
	json_t *terms = json_loads(BENCH_GRANT_TERMS, 0, NULL);
	struct grant_row row;
	char err[300] = "";
	enum cmn_rc rc;

	if (!terms) {
		fprintf(stderr, "BENCH_GRANT_TERMS is not JSON\n");
		return false;
	}
	json_object_set_new(json_object_get(terms, "grantee"), "id", json_string(w->client.id));
	rc = consent_grant_new(w->st, &w->reg, &w->person, terms, "given", "person:bench", err,
			       sizeof(err), &row);
	json_decref(terms);
	if (rc != CMN_OK) {
		fprintf(stderr, "grant: %s %s\n", cmn_strerror(rc), err);
		return false;
	}
	snprintf(w->grant_id, sizeof(w->grant_id), "%s", row.id);
	grant_row_release(&row);
	return true;
}

bool bench_world_service(struct bench_world *w, const char *handle, int64_t ttl_ms)
{
	struct oauth_token t = {0};
	char secret[CRYPT_TOKEN_LEN];
	enum cmn_rc rc;

	if ((rc = store_person_by_handle(w->st, handle, &w->person, NULL)) != CMN_OK) {
		fprintf(stderr, "person %s: %s\n", handle, cmn_strerror(rc));
		return false;
	}
	rc = store_org_add(w->st, "Bench Budget", "reuser", &w->org);
	if (rc == CMN_OK)
		rc = store_client_add(w->st, w->org.id, "Budget", NULL, "{}", &w->client);
	if (rc != CMN_OK) {
		fprintf(stderr, "organisation or service: %s (%s)\n", cmn_strerror(rc),
			store_last_error());
		return false;
	}
	if (!grant_given(w))
		return false;
	crypt_token_new(secret);
	snprintf(w->token, sizeof(w->token), "cat_%s", secret);
	crypt_hash_hex(w->token, w->token_hash);
	snprintf(t.kind, sizeof(t.kind), "access");
	snprintf(t.client_id, sizeof(t.client_id), "%s", w->client.id);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", w->grant_id);
	crypt_id_new(t.family);
	t.expires = time_now_ms() + ttl_ms;
	if ((rc = store_oauth_token_add(w->st, w->token_hash, &t)) != CMN_OK) {
		fprintf(stderr, "access token: %s (%s)\n", cmn_strerror(rc), store_last_error());
		return false;
	}
	return true;
}

void bench_world_close(struct bench_world *w)
{
	store_close(&w->st);
	registry_release(&w->reg);
	keyring_release(&w->keys);
}
