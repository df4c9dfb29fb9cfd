/*
 * api.h - the JSON API: the application state, the request context that
 * handlers see, routes as data, and the helpers every api_*.c uses.
 *
 * Each resource has its own file with a table of routes (method, path
 * pattern, handler, who may call it, request body schema). router.c
 * matches a request to a route, authenticates it, checks CSRF and the body,
 * and calls the handler. Errors become RFC 9457 problem documents in
 * problem.c, the one place where result codes become HTTP statuses.
 */
#ifndef COMMUNE_API_API_H
#define COMMUNE_API_API_H

#include <stdbool.h>

#include <jansson.h>

#include "account/ratelimit.h"
#include "consent/grant.h"
#include "core/jsonparse.h"
#include "crypto/crypt.h"
#include "http/http.h"
#include "record/doctype.h"
#include "store/store.h"

struct import_jobs;
struct access_log;

struct es256_key;
struct rule_set;

struct app {
	struct store *store;
	const struct keyring *keys;       /* the platform key (signatures of receipts) */
	struct registry *registry;
	struct ratelimit *limits;
	const char *web_dir;              /* static files, or NULL */
	bool secure_cookies;              /* add Secure to cookies (behind HTTPS) */
	int64_t started;                  /* ms since epoch */
	struct import_jobs *jobs;         /* import jobs of multipart uploads, or NULL */
	struct access_log *access;        /* services' reads, written in batches; NULL:
					   * each written before it is served */
	bool apps_certified_only;         /* only apps the operator certified run */
	struct es256_key **issuers;       /* attestation issuer keys: the active one first,
					   * then those kept after a rotation (NULL: none) */
	size_t nissuers;
	const struct rule_set *rules;     /* the eligibility rules */
	int64_t vote_min_ms;              /* the shortest vote of a proposal (serve
					   * --vote-min-seconds); 0: the platform's,
					   * GOVERN_VOTE_MIN_DEFAULT_MS */
};

enum auth_need {
	AUTH_NONE,                        /* anyone */
	AUTH_PERSON,                      /* a session or an API token */
	AUTH_SESSION,                     /* a session only (not a token) */
	AUTH_ADMIN,                       /* a person with the admin role */
};

/* Passcodes of shares: wrong ones counted per share and caller. */
#define SHARE_PASSCODE_TRIES 5
#define SHARE_PASSCODE_WINDOW_S 900

/* What a service holding an OAuth access token (bound to one grant) may
 * do on a route. A route says nothing: the service is refused there. */
enum grant_route {
	GRANT_ROUTE_NONE,                 /* not for services */
	GRANT_ROUTE_RECORDS,              /* reads of the doctype in {doctype} */
	GRANT_ROUTE_SERIES,               /* reads of series, checked by the handler */
	GRANT_ROUTE_FILES,                /* reads of files (document.file) */
	GRANT_ROUTE_IMPORT,               /* imports: only under a mandate to import */
	GRANT_ROUTE_ATTEST,               /* eligibility and attestations: only under a
					   * mandate to attest */
};

/* How JSON is written: compact, and numbers with 15 significant digits, so
 * that an amount sent as -62.4 is stored and returned as -62.4. */
#define API_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

#define API_MAX_PARAMS 3
#define API_PARAM_MAX 256

struct api_ctx;
typedef enum cmn_rc (*api_handler)(struct api_ctx *ctx);

struct route { /* NOLINT(clang-analyzer-optin.performance.Padding): a few dozen, read-only */
	const char *method;
	const char *pattern;              /* "/api/v1/records/{doctype}/{id}" */
	api_handler fn;
	enum auth_need auth;
	const char *body_schema;          /* JSON Schema text of the body, or NULL */
	const char *summary;              /* one line, for humans */
	enum grant_route grant;           /* what a service may do here */
};

struct api_ctx {
	struct app *app;
	const struct http_request *req;
	struct http_response *res;
	const struct route *route;
	char params[API_MAX_PARAMS][API_PARAM_MAX]; /* decoded {params}, in order */
	size_t nparams;
	json_t *body;                     /* the parsed body when the route takes one */
	/* who is calling */
	bool authed;
	struct person person;
	bool via_token;
	char token_id[CRYPT_ID_LEN];
	char token_name[CMN_TOKEN_NAME_MAX + 1];
	char session_hash[CRYPT_HASH_HEX_LEN];
	char actor[96];                   /* for the audit chain: "person:ID", "token:ID",
					   * "service:CLIENT/grant:GRANT" */
	bool via_grant;                   /* acting under a grant: a service's access
					   * token, or a grantee's Commune-Consent */
	struct grant grant;               /* that grant; person is then the grantor */
	enum grant_deny grant_deny;       /* blocked service, grant not given now */
	char client_id[CRYPT_ID_LEN];     /* the service, or "" for a person grantee */
	char grantee[48];                 /* "service:CLIENT" or "person:ID" */
};

/* api_handle - the http_handler of the API (app is a struct app). */
void api_handle(void *app, const struct http_request *req, struct http_response *res);

/* api_routes - every route, terminated by a NULL method; *n gets the count. */
const struct route *api_routes(size_t *n);

/* api_init - prepares the route table (parses body schemas). */
enum cmn_rc api_init(void);

/* api_release - frees what api_init prepared. */
void api_release(void);

/* api_query_next - the next name=value pair of a copy of the query
 * string, which *cursor walks (start it at the copy; NULL or "" is the end):
 * 1 with *name (in place) and value (percent-decoded, well-formed UTF-8,
 * NUL-terminated, at most cap - 1 bytes), 0 at the end, -1 for a pair
 * without '=' or a value too long or badly encoded (*name is then set). */
int api_query_next(char **cursor, char **name, char *value, size_t cap);

/* api_city_or_operator - whether the caller sees the territory's counts:
 * the operator (admin) or an agent of a city organisation. */
bool api_city_or_operator(struct api_ctx *ctx);

/* api_json - answers with a JSON value (reference stolen); CMN_ERR_NOMEM
 * when v is NULL (a view that could not be made) or cannot be written. */
enum cmn_rc api_json(struct api_ctx *ctx, int status, json_t *v);

/* api_json_text - answers with JSON text (ownership taken). */
void api_json_text(struct api_ctx *ctx, int status, char *text, size_t len);

/* api_empty - answers with no body (e.g. 204). */
void api_empty(struct api_ctx *ctx, int status);

/* api_problem - answers with the problem document of rc, with detail (a
 * sentence for humans, may be NULL) and extra members (stolen, may be
 * NULL). Returns rc so handlers can `return api_problem(...)`. */
enum cmn_rc api_problem(struct api_ctx *ctx, enum cmn_rc rc, const char *detail, json_t *extra);

/* api_problem_status - the HTTP status of rc (the one mapping). */
int api_problem_status(enum cmn_rc rc);

/* api_problem_type - the stable problem type URI of rc. */
const char *api_problem_type(enum cmn_rc rc);

struct schema_errors;

/* api_schema_problem - answers the 400 of a failed validation, detail and
 * every error ({"errors": [{"pointer", "detail"}...]}), and returns
 * CMN_ERR_INVALID; CMN_ERR_NOMEM, with nothing answered, when the list
 * cannot be made whole (a refusal naming some errors only would leave the
 * client guessing what else to change). */
enum cmn_rc api_schema_problem(struct api_ctx *ctx, const char *detail,
			       const struct schema_errors *errs);

/* api_audit - appends an account event (not a record write: those are
 * audited by the store) to the caller's chain; detail is JSON text or NULL. */
enum cmn_rc api_audit(struct api_ctx *ctx, const char *action, const char *object,
		      const char *detail);

/* api_audited - ends the platform transaction a handler began for a change
 * (store_tx_begin) with rc, the change's own result: when it is CMN_OK, the
 * entry that tells the change is kept in the same transaction for the
 * person's chain, then written there after the commit (or at the next
 * delivery, when the chain cannot be written now: the change stands, and
 * its entry is not lost). The transaction's result. */
enum cmn_rc api_audited(struct api_ctx *ctx, enum cmn_rc rc, const char *action,
			const char *object, const char *detail);

/* api_body_json - the request's body parsed as JSON (duplicate keys
 * refused), or NULL with je set: je->rc CMN_ERR_NOMEM for want of memory,
 * CMN_ERR_INVALID for a malformed body. */
json_t *api_body_json(struct api_ctx *ctx, struct json_parse_error *je);

/* api_done - the answer to a change that was committed: its view, which
 * the handler's `shown` tried to answer, or when that could not be made
 * (no memory for it), what is known of it: the JSON text fmt makes
 * (printf, without jansson), with status. A client told of a failure
 * would retry what was done. */
enum cmn_rc api_done(struct api_ctx *ctx, enum cmn_rc shown, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* api_access - a service's read under its grant: logged for the person's
 * audit chain (src/consent/access.h: when, object, the client's address,
 * and members, the text of more JSON members such as "\"fields\":[...]",
 * or NULL) and counted as a use of the grant. Nothing for the person's
 * own reads. */
enum cmn_rc api_access(struct api_ctx *ctx, const char *object, const char *members);

/* api_consent_list - answers {"items": [...]} with the caller's consents
 * of the sides asked (enum consent_side), only those made as mark when not
 * NULL; the reads served so far are in their counts. dress, when not NULL,
 * adds to the items before they are sent; its failure is the answer's. */
enum cmn_rc api_consent_list(struct api_ctx *ctx, unsigned sides, const char *mark,
			     enum cmn_rc (*dress)(struct api_ctx *ctx, json_t *items));

/* api_access_sync - waits until every service read served so far is in
 * the audit chains and the use counts (before showing either). */
void api_access_sync(struct api_ctx *ctx);

/* api_grant_fields_ok - whether a service may see field (always for the
 * person's own requests). */
bool api_grant_fields_ok(const struct api_ctx *ctx, const char *field);

/* api_person_json - the public view of a person. */
json_t *api_person_json(const struct person *p);

/* api_time - an RFC 3339 string of ms (new reference). */
json_t *api_time(int64_t ms);

/* Route tables of each resource file. */
extern const struct route api_health_routes[];
extern const struct route api_auth_routes[];
extern const struct route api_tokens_routes[];
extern const struct route api_persons_routes[];
extern const struct route api_doctypes_routes[];
extern const struct route api_records_routes[];
extern const struct route api_audit_routes[];
extern const struct route api_files_routes[];
extern const struct route api_series_routes[];
extern const struct route api_imports_routes[];
extern const struct route api_devspace_routes[];
extern const struct route api_consents_routes[];
extern const struct route api_oauth_routes[];
extern const struct route api_receipts_routes[];
extern const struct route api_services_routes[];
extern const struct route api_shares_routes[];
extern const struct route api_mandates_routes[];
extern const struct route api_apps_routes[];
extern const struct route api_attest_routes[];
extern const struct route api_campaigns_routes[];
extern const struct route api_govern_routes[];
extern const struct route api_agreements_routes[];
extern const struct route api_datamap_routes[];
extern const struct route api_opendata_routes[];

/* api_static - serves a file of app->web_dir for a non-API GET; false
 * when there is no such file. */
bool api_static(struct app *app, const struct http_request *req, struct http_response *res);

#endif
