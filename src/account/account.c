/*
 * account.c - accounts, logins and tokens of account.h.
 */
#include "account/account.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/limits.h"
#include "core/str.h"
#include "core/timeutil.h"

static const char *const roles[] = {"resident", "professional", "mediator", "agent", "admin"};
static const char *const org_kinds[] = {"city", "holder", "reuser", "trust", "cooperative"};

static bool in_list(const char *s, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, l[i]) == 0)
			return true;
	return false;
}

bool account_role_valid(const char *role)
{
	return role && in_list(role, roles, sizeof(roles) / sizeof(*roles));
}

bool account_org_kind_valid(const char *kind)
{
	return kind && in_list(kind, org_kinds, sizeof(org_kinds) / sizeof(*org_kinds));
}

bool account_handle_valid(const char *h)
{
	size_t n = h ? strlen(h) : 0;

	if (n == 0 || n > CMN_HANDLE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || !strchr("._@-", c)))
			return false;
	}
	return true;
}

enum cmn_rc account_password_check(const char *pw, const char **why)
{
	size_t n = pw ? strlen(pw) : 0, chars = 0;

	if (!pw || n > CMN_PASSWORD_MAX || !str_utf8_valid(pw, n)) {
		*why = "the password must be UTF-8 text of at most 1024 bytes";
		return CMN_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < CMN_PASSWORD_MIN) {
		*why = "the password must have at least 10 characters";
		return CMN_ERR_INVALID;
	}
	return CMN_OK;
}

enum cmn_rc account_add(struct store *s, const char *handle, const char *role, const char *org,
			const char *password, struct person *out, const char **why)
{
	char hash[CRYPT_PWHASH_LEN];
	enum cmn_rc rc;

	if (!account_handle_valid(handle)) {
		*why = "the handle must be 1 to 64 of a-z 0-9 . _ @ -, starting with a letter or digit";
		return CMN_ERR_INVALID;
	}
	if (!account_role_valid(role)) {
		*why = "the role must be resident, professional, mediator, agent or admin";
		return CMN_ERR_INVALID;
	}
	if (account_password_check(password, why) != CMN_OK)
		return CMN_ERR_INVALID;
	rc = crypt_password_hash(password, hash);
	if (rc == CMN_OK)
		rc = store_person_add(s, handle, role, org, hash, out);
	sodium_memzero(hash, sizeof(hash));
	if (rc == CMN_ERR_EXISTS)
		*why = "this handle is taken";
	else if (rc == CMN_ERR_NOT_FOUND)
		*why = "no such organisation";
	else if (rc != CMN_OK)
		*why = cmn_strerror(rc);
	return rc;
}

static char dummy_hash[CRYPT_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* dummy_init - a hash of a random password at the current cost. */
static void dummy_init(void)
{
	char pw[CRYPT_TOKEN_LEN];

	crypt_token_new(pw);
	if (crypt_password_hash(pw, dummy_hash) != CMN_OK)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

enum cmn_rc account_login(struct store *s, struct ratelimit *rl, const char *handle,
			  const char *password, const char *addr, struct login *out)
{
	char pwhash[CRYPT_PWHASH_LEN] = "", akey[96], hkey[96], thash[CRYPT_HASH_HEX_LEN];
	int64_t now = time_now_ms();
	enum cmn_rc rc;
	unsigned wait = 0;

	memset(out, 0, sizeof(*out));
	snprintf(akey, sizeof(akey), "addr:%s", addr);
	snprintf(hkey, sizeof(hkey), "acct:%.80s", handle);
	rc = ratelimit_check(rl, akey, CMN_LOGIN_FAILS_PER_ADDR, now, &wait);
	if (rc == CMN_OK)
		rc = ratelimit_check(rl, hkey, CMN_LOGIN_FAILS_PER_ACCOUNT, now, &wait);
	if (rc == CMN_ERR_RATE_LIMITED)
		out->retry_after = wait;
	if (rc != CMN_OK)
		return rc;
	rc = store_person_by_handle(s, handle, &out->person, pwhash);
	if (rc == CMN_OK)
		rc = crypt_password_verify(pwhash, password);
	else if (rc == CMN_ERR_NOT_FOUND) {
		/* spend the same time as a real check: no handle oracle */
		pthread_once(&dummy_once, dummy_init);
		crypt_password_verify(dummy_hash, password);
		rc = CMN_ERR_UNAUTHENTICATED;
	}
	sodium_memzero(pwhash, sizeof(pwhash));
	if (rc == CMN_ERR_UNAUTHENTICATED) {
		/* uncounted, a failure must not pass for a wrong password */
		enum cmn_rc counted = ratelimit_fail(rl, akey, CMN_LOGIN_WINDOW_S, now);

		if (counted == CMN_OK)
			counted = ratelimit_fail(rl, hkey, CMN_LOGIN_WINDOW_S, now);
		return counted == CMN_OK ? rc : counted;
	}
	if (rc != CMN_OK)
		return rc;
	if (out->person.disabled)
		return CMN_ERR_DISABLED;
	if ((rc = ratelimit_clear(rl, hkey)) != CMN_OK)
		return rc;
	crypt_token_new(out->token);
	crypt_token_new(out->csrf);
	crypt_hash_hex(out->token, thash);
	out->expires = now + (int64_t)CMN_SESSION_TTL_S * 1000;
	rc = store_session_add(s, thash, out->person.id, out->csrf, now, out->expires);
	if (rc != CMN_OK)
		sodium_memzero(out->token, sizeof(out->token));
	return rc;
}

enum cmn_rc account_password_verify(struct store *s, struct ratelimit *rl, const struct person *p,
				    const char *password, const char *addr,
				    unsigned *retry_after)
{
	char pwhash[CRYPT_PWHASH_LEN], akey[96], hkey[96];
	int64_t now = time_now_ms();
	struct person again;
	enum cmn_rc rc;

	snprintf(akey, sizeof(akey), "addr:%s", addr);
	snprintf(hkey, sizeof(hkey), "acct:%.80s", p->handle);
	rc = ratelimit_check(rl, akey, CMN_LOGIN_FAILS_PER_ADDR, now, retry_after);
	if (rc == CMN_OK)
		rc = ratelimit_check(rl, hkey, CMN_LOGIN_FAILS_PER_ACCOUNT, now, retry_after);
	if (rc != CMN_OK)
		return rc;
	rc = store_person_by_id(s, p->id, &again, pwhash);
	if (rc == CMN_OK)
		rc = crypt_password_verify(pwhash, password);
	sodium_memzero(pwhash, sizeof(pwhash));
	/* counted against the account only: the session already proved who
	 * the caller is, the address counter guards logins across accounts */
	if (rc == CMN_ERR_UNAUTHENTICATED) {
		enum cmn_rc counted = ratelimit_fail(rl, hkey, CMN_LOGIN_WINDOW_S, now);

		if (counted != CMN_OK)
			return counted;
	}
	return rc;
}

enum cmn_rc account_password_change(struct store *s, struct ratelimit *rl, const struct person *p,
				    const char *current, const char *next, const char *addr,
				    const char *keep_session_hash, const char *actor,
				    unsigned *retry_after, const char **why)
{
	char pwhash[CRYPT_PWHASH_LEN];
	enum cmn_rc rc;

	/* the new password is checked first: a weak one is refused without
	 * telling whether the current one was right */
	if (account_password_check(next, why) != CMN_OK)
		return CMN_ERR_INVALID;
	rc = account_password_verify(s, rl, p, current, addr, retry_after);
	if (rc == CMN_ERR_UNAUTHENTICATED)
		*why = "the current password is wrong";
	if (rc == CMN_OK)
		rc = crypt_password_hash(next, pwhash);
	if (rc == CMN_OK && (rc = store_tx_begin(s)) == CMN_OK)
		rc = store_tx_end_told(s, store_person_set_password(s, p->id, pwhash,
								    keep_session_hash),
				       p->id, actor, "account.password", "account", "");
	sodium_memzero(pwhash, sizeof(pwhash));
	return rc;
}

enum cmn_rc account_token_new(struct store *s, const char *person_id, const char *name,
			      struct api_token *out, char token[CRYPT_TOKEN_LEN + 4])
{
	char thash[CRYPT_HASH_HEX_LEN], raw[CRYPT_TOKEN_LEN];
	enum cmn_rc rc;

	crypt_token_new(raw);
	snprintf(token, CRYPT_TOKEN_LEN + 4, "cmn_%s", raw);
	sodium_memzero(raw, sizeof(raw));
	crypt_hash_hex(token, thash);
	rc = store_token_add(s, person_id, name, thash, out);
	if (rc != CMN_OK)
		sodium_memzero(token, CRYPT_TOKEN_LEN + 4);
	return rc;
}
