/*
 * account.h - persons' accounts: creation with checked handles and
 * passwords, login with rate limits, sessions, personal API tokens.
 */
#ifndef COMMUNE_ACCOUNT_ACCOUNT_H
#define COMMUNE_ACCOUNT_ACCOUNT_H

#include <stdbool.h>

#include "account/ratelimit.h"
#include "core/result.h"
#include "store/store.h"

/* account_handle_valid - 1..CMN_HANDLE_MAX of [a-z0-9._@-], starting with
 * a letter or digit. */
bool account_handle_valid(const char *handle);

/* account_role_valid - one of resident, professional, mediator, agent, admin. */
bool account_role_valid(const char *role);

/* account_org_kind_valid - one of city, holder, reuser, trust, cooperative. */
bool account_org_kind_valid(const char *kind);

/* account_password_check - CMN_ERR_INVALID with a reason when the password
 * is too short, too long or not UTF-8. */
enum cmn_rc account_password_check(const char *password, const char **why);

/* account_add - checks and creates a person (hashing the password). */
enum cmn_rc account_add(struct store *s, const char *handle, const char *role, const char *org,
			const char *password, struct person *out, const char **why);

struct login {
	struct person person;
	char token[CRYPT_TOKEN_LEN];      /* the session cookie value: secret */
	char csrf[CRYPT_TOKEN_LEN];       /* sent back in X-CSRF-Token */
	int64_t expires;
	unsigned retry_after;             /* with CMN_ERR_RATE_LIMITED */
};

/* account_login - checks handle and password, counting failures per
 * account and per address; creates a session. Errors:
 * CMN_ERR_UNAUTHENTICATED (unknown handle or wrong password, the same
 * answer for both), CMN_ERR_DISABLED (right password, disabled account),
 * CMN_ERR_RATE_LIMITED. Wipe out->token after use. */
enum cmn_rc account_login(struct store *s, struct ratelimit *rl, const char *handle,
			  const char *password, const char *addr, struct login *out);

/* account_password_verify - checks a logged-in person's password again
 * (before a change or an erasure). Failures count against the account,
 * like failed logins: CMN_ERR_RATE_LIMITED (and *retry_after) once they
 * are too many (or the address is locked out), else
 * CMN_ERR_UNAUTHENTICATED for a wrong password. */
enum cmn_rc account_password_verify(struct store *s, struct ratelimit *rl, const struct person *p,
				    const char *password, const char *addr,
				    unsigned *retry_after);

/* account_password_change - checks the current password (as above), sets
 * the new one and ends the person's other sessions; its entry
 * (account.password, by actor) goes to the person's chain with the change
 * (store_tx_end_told). */
enum cmn_rc account_password_change(struct store *s, struct ratelimit *rl, const struct person *p,
				    const char *current, const char *next, const char *addr,
				    const char *keep_session_hash, const char *actor,
				    unsigned *retry_after, const char **why);

/* account_token_new - creates a personal API token; token receives the
 * secret, shown once ("cmn_" + 43 characters). */
enum cmn_rc account_token_new(struct store *s, const char *person_id, const char *name,
			      struct api_token *out, char token[CRYPT_TOKEN_LEN + 4]);

#endif
