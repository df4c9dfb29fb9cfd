/*
 * router.c - from an HTTP request to a route handler: matching, the
 * authentication of the caller, CSRF, the JSON body and its schema.
 */
#include "api/api.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "core/jsonparse.h"
#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/log.h"
#include "core/str.h"
#include "consent/access.h"
#include "consent/consent.h"
#include "core/timeutil.h"
#include "record/schema.h"
#include "store/store_oauth.h"

#define MAX_ROUTES 192

static struct route all_routes[MAX_ROUTES + 1];
static json_t *route_schemas[MAX_ROUTES];
static size_t nroutes;

static const struct route *const tables[] = {
	api_health_routes,  api_auth_routes,     api_tokens_routes, api_persons_routes,
	api_doctypes_routes, api_records_routes, api_audit_routes, api_files_routes, api_series_routes, api_imports_routes,
	api_devspace_routes, api_consents_routes, api_oauth_routes, api_receipts_routes,
	api_services_routes, api_shares_routes, api_mandates_routes, api_apps_routes,
	api_attest_routes, api_campaigns_routes, api_govern_routes, api_agreements_routes, api_datamap_routes, api_opendata_routes,
	NULL,
};

enum cmn_rc api_init(void)
{
	nroutes = 0;
	for (size_t t = 0; tables[t]; t++) {
		for (const struct route *r = tables[t]; r->method; r++) {
			char err[200];

			if (nroutes >= MAX_ROUTES)
				return CMN_ERR_INTERNAL;
			all_routes[nroutes] = *r;
			route_schemas[nroutes] = NULL;
			if (r->body_schema && *r->body_schema) {
				route_schemas[nroutes] = json_parse_str(r->body_schema);
				if (!route_schemas[nroutes] ||
				    schema_check(route_schemas[nroutes], err, sizeof(err)) != CMN_OK) {
					log_error("route %s %s: bad body schema", r->method, r->pattern);
					return CMN_ERR_INTERNAL;
				}
			}
			nroutes++;
		}
	}
	memset(&all_routes[nroutes], 0, sizeof(all_routes[nroutes]));
	return CMN_OK;
}

void api_release(void)
{
	for (size_t i = 0; i < nroutes; i++) {
		json_decref(route_schemas[i]);
		route_schemas[i] = NULL;
	}
	nroutes = 0;
}

const struct route *api_routes(size_t *n)
{
	*n = nroutes;
	return all_routes;
}

int api_query_next(char **cursor, char **name, char *value, size_t cap)
{
	char *p = *cursor, *amp, *eq;
	size_t n;

	if (!p || !*p)
		return 0;
	amp = strchr(p, '&');
	if (amp)
		*amp = '\0';
	*cursor = amp ? amp + 1 : NULL;
	*name = p;
	if (!(eq = strchr(p, '=')))
		return -1;
	*eq = '\0';
	if (strlen(eq + 1) >= cap || str_pct_decode(eq + 1, strlen(eq + 1), value, &n) != CMN_OK ||
	    !str_utf8_valid(value, n))
		return -1;
	value[n] = '\0';
	return 1;
}

enum cmn_rc api_json(struct api_ctx *ctx, int status, json_t *v)
{
	char *text = v ? json_text_dumps(v, API_JSON_FLAGS) : NULL;

	json_decref(v);
	if (!text)
		return CMN_ERR_NOMEM;
	api_json_text(ctx, status, text, strlen(text));
	return CMN_OK;
}

void api_json_text(struct api_ctx *ctx, int status, char *text, size_t len)
{
	http_set_body(ctx->res, status, "application/json", text, len);
}

void api_empty(struct api_ctx *ctx, int status)
{
	http_set_body(ctx->res, status, NULL, NULL, 0);
}

json_t *api_time(int64_t ms)
{
	char t[TIME_RFC3339_LEN];

	time_format(t, ms);
	return json_string(t);
}

json_t *api_person_json(const struct person *p)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:b, s:o}", "id", p->id, "handle", p->handle,
			 "role", p->role, "org", p->org[0] ? p->org : NULL, "disabled", p->disabled,
			 "created", api_time(p->created));
}

enum cmn_rc api_audit(struct api_ctx *ctx, const char *action, const char *object,
		      const char *detail)
{
	struct pstore *ps;
	enum cmn_rc rc = store_person_store(ctx->app->store, ctx->person.id, &ps);

	/* entries kept for later first, in their order (logged on failure) */
	if (rc == CMN_OK)
		(void)store_audit_deliver(ctx->app->store, ctx->person.id, NULL);
	if (rc == CMN_OK)
		rc = pstore_audit_append(ps, ctx->actor, action, object, detail ? detail : "");
	if (rc != CMN_OK)
		log_error("audit of %s for %s failed: %s", action, ctx->person.id, cmn_strerror(rc));
	return rc;
}

enum cmn_rc api_audited(struct api_ctx *ctx, enum cmn_rc rc, const char *action,
			const char *object, const char *detail)
{
	return store_tx_end_told(ctx->app->store, rc, ctx->person.id, ctx->actor, action, object,
				 detail);
}

enum cmn_rc api_done(struct api_ctx *ctx, enum cmn_rc shown, int status, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	enum cmn_rc rc;

	if (shown == CMN_OK)
		return CMN_OK;
	buf_init(&b, 1 << 16);
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc != CMN_OK) {
		buf_release(&b);
		return shown;
	}
	api_json_text(ctx, status, b.data, b.len);
	return CMN_OK;
}

enum cmn_rc api_access(struct api_ctx *ctx, const char *object, const char *members)
{
	char when[TIME_RFC3339_LEN], *read, *text;
	const char *one[1];
	struct buf b;
	enum cmn_rc rc;

	if (!ctx->via_grant)
		return CMN_OK;
	/* a share with a number of views: this read is one, or none is left */
	if (ctx->grant.share && ctx->grant.views > 0) {
		rc = store_share_view(ctx->app->store, ctx->grant.id, ctx->grant.views);
		if (rc == CMN_ERR_GONE)
			return api_problem(ctx, rc, "this share was viewed as many times as it allowed",
					   NULL);
		if (rc != CMN_OK)
			return rc;
	}
	/* {"at", "object", "address", the handler's members}: written as text,
	 * a read is one line of its audit entry */
	time_format(when, time_now_ms());
	buf_init(&b, 1 << 20);
	buf_printf(&b, "{\"at\":\"%s\",\"object\":", when);
	json_text_string(&b, object);
	buf_puts(&b, ",\"address\":");
	json_text_string(&b, ctx->req->addr);
	if (members && *members)
		buf_printf(&b, ",%s", members);
	buf_puts(&b, "}");
	if (!(read = buf_steal(&b)))
		return CMN_ERR_NOMEM;
	if (ctx->app->access) {
		rc = access_log_add(ctx->app->access, ctx->person.id, ctx->grant.id, ctx->actor,
				    ctx->grantee, ctx->grant.purpose, read);
		free(read);
		return rc;
	}
	/* no log (in-process uses): the read written before it is served */
	one[0] = read;
	text = access_detail(ctx->grant.id, ctx->grantee, ctx->grant.purpose, one, 1);
	free(read);
	if (!text)
		return CMN_ERR_NOMEM;
	{
		char entry[64];

		snprintf(entry, sizeof(entry), "consent/%s", ctx->grant.id);
		rc = api_audit(ctx, "data.read", entry, text);
	}
	free(text);
	if (rc == CMN_OK)
		rc = store_grant_used(ctx->app->store, ctx->grant.id, 1, time_now_ms());
	return rc;
}

void api_access_sync(struct api_ctx *ctx)
{
	access_log_sync(ctx->app->access);
}

bool api_grant_fields_ok(const struct api_ctx *ctx, const char *field)
{
	return !ctx->via_grant || grant_field_allowed(&ctx->grant, field);
}

enum cmn_rc api_schema_problem(struct api_ctx *ctx, const char *detail,
			       const struct schema_errors *errs)
{
	json_t *list = json_array(), *extra;

	for (size_t i = 0; list && i < errs->n; i++)
		json_push(&list, json_pack("{s:s, s:s}", "pointer", errs->e[i].pointer, "detail",
					   errs->e[i].message));
	/* json_pack fails on a NULL list, and releases it when it fails */
	if (!(extra = json_pack("{s:o}", "errors", list)))
		return CMN_ERR_NOMEM;
	return api_problem(ctx, CMN_ERR_INVALID, detail, extra);
}

/* match - true when path fits pattern; fills the decoded parameters. */
static bool match(const char *pattern, const char *path, struct api_ctx *ctx, bool *bad_param)
{
	const char *p = pattern, *s = path;

	ctx->nparams = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *pend = strchr(p, '}');
			const char *send = strchr(s, '/');
			size_t n = send ? (size_t)(send - s) : strlen(s), out;
			char *dst;

			if (!pend || ctx->nparams >= API_MAX_PARAMS || n == 0)
				return false;
			dst = ctx->params[ctx->nparams];
			if (n >= API_PARAM_MAX || str_pct_decode(s, n, dst, &out) != CMN_OK ||
			    !str_utf8_valid(dst, out)) {
				*bad_param = true;
				return false;
			}
			ctx->nparams++;
			p = pend + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

/* authenticate_grant - a service's OAuth access token: live, of a service
 * that nobody blocked, bound to a grant that is given and valid now (the
 * grant is read afresh: a withdrawal stops the very next request). The
 * caller acts on the grantor's store, within the grant (see authorize). */
/*
 * What authenticate_grant found for a token, kept per thread while the
 * store's auth epoch stays (any withdrawal, revocation or block made by
 * this process moves it on) and for GRANT_CACHE_MS at most (one made by
 * another process, `commune consent end`, shows within that time): a
 * service's read then costs no query of the platform store.
 */
#define GRANT_CACHE 64
#define GRANT_CACHE_MS 1000

struct grant_slot {
	const struct store *s;
	uint64_t epoch;
	int64_t at;                       /* when it was read (ms) */
	struct oauth_token token;
	struct grant grant;
	struct person person;
	char hash[CRYPT_HASH_HEX_LEN];
	bool blocked;
};

/* Each thread's cache (440 KB) is made at its first grant read and freed
 * when it ends: as thread-local storage it was zeroed, page by page, at
 * the start of every thread, those that serve no service included. */
static pthread_key_t grant_key;
static pthread_once_t grant_once = PTHREAD_ONCE_INIT;
static bool grant_key_ok;

static void grant_key_init(void)
{
	grant_key_ok = pthread_key_create(&grant_key, free) == 0;
}

/* grant_slot_of - where this thread keeps token_hash's grant; NULL when
 * memory is short (no cache then) */
static struct grant_slot *grant_slot_of(const char *token_hash)
{
	struct grant_slot *cache;
	unsigned h = 0;

	pthread_once(&grant_once, grant_key_init);
	if (!grant_key_ok)
		return NULL;
	if (!(cache = pthread_getspecific(grant_key))) {
		if (!(cache = calloc(GRANT_CACHE, sizeof(*cache))))
			return NULL;
		if (pthread_setspecific(grant_key, cache) != 0) {
			free(cache);
			return NULL;
		}
	}
	for (int i = 0; i < 8 && token_hash[i]; i++)
		h = h * 31 + (unsigned char)token_hash[i];
	return &cache[h % GRANT_CACHE];
}

/* grant_lookup - the token's row, its grant, its service's block and the
 * grantor, from the cache or the platform store. */
static enum cmn_rc grant_lookup(struct api_ctx *ctx, const char *h, struct grant_slot *out)
{
	struct store *s = ctx->app->store;
	struct grant_slot *slot = grant_slot_of(h);
	uint64_t epoch = store_auth_epoch(s);
	int64_t now = time_now_ms();
	struct client c;
	enum cmn_rc rc;

	if (slot && slot->s == s && slot->epoch == epoch && now - slot->at < GRANT_CACHE_MS &&
	    strcmp(slot->hash, h) == 0) {
		*out = *slot;
		return CMN_OK;
	}
	rc = store_oauth_token_get(s, h, &out->token);
	if (rc == CMN_OK)
		rc = consent_load(s, out->token.grant_id, &out->grant);
	if (rc == CMN_OK)
		rc = store_client_get(s, out->token.client_id, &c, NULL, NULL);
	if (rc == CMN_OK)
		rc = store_person_by_id(s, out->grant.person_id, &out->person, NULL);
	if (rc != CMN_OK) {
		if (slot)
			slot->s = NULL;
		return rc;
	}
	out->blocked = c.blocked;
	if (!slot)
		return CMN_OK;
	*slot = *out;
	slot->s = s;
	slot->epoch = epoch;
	slot->at = now;
	str_copy(slot->hash, sizeof(slot->hash), h);
	return CMN_OK;
}

static enum cmn_rc authenticate_grant(struct api_ctx *ctx, const char *token)
{
	static _Thread_local struct grant_slot found;
	struct oauth_token t;
	char h[CRYPT_HASH_HEX_LEN];
	int64_t now = time_now_ms();
	enum cmn_rc rc;

	crypt_hash_hex(token, h);
	rc = grant_lookup(ctx, h, &found);
	t = found.token;
	if (rc == CMN_ERR_NOT_FOUND || (rc == CMN_OK && (strcmp(t.kind, "access") != 0 ||
							  t.revoked || now >= t.expires)))
		return CMN_ERR_UNAUTHENTICATED;
	if (rc != CMN_OK)
		return rc;
	ctx->grant = found.grant;
	ctx->person = found.person;
	ctx->via_grant = true;
	str_copy(ctx->client_id, sizeof(ctx->client_id), t.client_id);
	snprintf(ctx->grantee, sizeof(ctx->grantee), "service:%s", t.client_id);
	snprintf(ctx->actor, sizeof(ctx->actor), "service:%s/grant:%s", t.client_id, t.grant_id);
	if (found.blocked)
		ctx->grant_deny = GRANT_DENY_BLOCKED;
	else if (grant_effective_status(&ctx->grant, now) != GRANT_GIVEN)
		ctx->grant_deny = grant_check(&ctx->grant, now, "", 0);
	return CMN_OK;
}

/* authorize_grant - what a service may do on this route under its grant;
 * the handlers of GRANT_ROUTE_SERIES and _FILES check the rest. */
static enum cmn_rc authorize_grant(struct api_ctx *ctx)
{
	enum grant_deny d = ctx->grant_deny;

	/* a mandate: its procedures, and nothing else (no reads of data) */
	if (d == GRANT_ALLOWED && ctx->grant.mandate) {
		if (ctx->route->grant == GRANT_ROUTE_IMPORT &&
		    (ctx->grant.procedures & GRANT_PROC_IMPORT))
			return CMN_OK;
		if (ctx->route->grant == GRANT_ROUTE_ATTEST &&
		    (ctx->grant.procedures & GRANT_PROC_ATTEST))
			return CMN_OK;
		return api_problem(ctx, CMN_ERR_FORBIDDEN, "outside the procedures of the mandate",
				   json_pack("{s:s}", "mandate", ctx->grant.id));
	}
	/* services read; nothing they hold lets them write */
	if (d == GRANT_ALLOWED && strcmp(ctx->req->method, "GET") != 0 &&
	    strcmp(ctx->req->method, "HEAD") != 0)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, "under a consent one may read,"
							   " never write", NULL);
	if (d == GRANT_ALLOWED &&
	    (ctx->route->grant == GRANT_ROUTE_NONE || ctx->route->grant == GRANT_ROUTE_IMPORT ||
	     ctx->route->grant == GRANT_ROUTE_ATTEST))
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "this route is not open under a consent, whatever it allows", NULL);
	if (d == GRANT_ALLOWED && ctx->route->grant == GRANT_ROUTE_RECORDS)
		d = grant_check(&ctx->grant, time_now_ms(), ctx->params[0], GRANT_OP_READ);
	if (d != GRANT_ALLOWED)
		return api_problem(ctx, CMN_ERR_FORBIDDEN, grant_deny_text(d),
				   json_pack("{s:s}", "consent", ctx->grant.id));
	return CMN_OK;
}

/* act_under_consent - a person (or an agent of an organisation) to whom a
 * grant was given reads the grantor's data under it: the request names it
 * in Commune-Consent, and is then checked and traced exactly as a
 * service's (authorize_grant and the handlers), on the grantor's store.
 * A grant that is not the caller's (nor their organisation's) does not
 * exist for them. */
static enum cmn_rc act_under_consent(struct api_ctx *ctx, const char *grant_id)
{
	struct store *s = ctx->app->store;
	struct person grantor;
	struct grant g;
	int64_t now = time_now_ms();
	enum cmn_rc rc;

	if (strlen(grant_id) != CRYPT_ID_LEN - 1 ||
	    strspn(grant_id, "0123456789abcdef") != CRYPT_ID_LEN - 1)
		return api_problem(ctx, CMN_ERR_NOT_FOUND, "no such consent given to you", NULL);
	rc = consent_load_received(s, grant_id, ctx->person.id, &g);
	if (rc == CMN_OK)
		rc = store_person_by_id(s, g.person_id, &grantor, NULL);
	if (rc == CMN_ERR_NOT_FOUND)
		return api_problem(ctx, rc, "no such consent given to you", NULL);
	if (rc != CMN_OK)
		return rc;
	if (g.campaign)
		return api_problem(ctx, CMN_ERR_FORBIDDEN,
				   "a campaign's consent is used by its computation inside the"
				   " person's store only, never to read their data",
				   NULL);
	if (g.share) {
		/* a share that ended is gone, and one with a passcode opens only
		 * to a session that gave it (POST /api/v1/shares/{id}/unlock) */
		enum grant_status st = grant_effective_status(&g, now);

		if (st == GRANT_WITHDRAWN || st == GRANT_EXPIRED)
			return api_problem(ctx, CMN_ERR_GONE,
					   st == GRANT_EXPIRED ? "this share has expired"
							       : "this share was revoked",
					   NULL);
		if (g.passcode &&
		    !(ctx->session_hash[0] && store_share_unlocked(s, g.id, ctx->session_hash, now)))
			return api_problem(ctx, CMN_ERR_FORBIDDEN,
					   "this share opens with its passcode (POST"
					   " /api/v1/shares/{id}/unlock)",
					   json_pack("{s:s}", "consent", g.id));
	}
	snprintf(ctx->grantee, sizeof(ctx->grantee), "person:%s", ctx->person.id);
	if (g.mandate)
		snprintf(ctx->actor, sizeof(ctx->actor), "mediator:%s/mandate:%s", ctx->person.id,
			 g.id);
	else
		snprintf(ctx->actor, sizeof(ctx->actor), "person:%s/grant:%s", ctx->person.id, g.id);
	ctx->client_id[0] = '\0';
	ctx->grant = g;
	ctx->person = grantor;
	ctx->via_grant = true;
	if (grantor.disabled)
		ctx->grant_deny = GRANT_DENY_STATUS;
	else if (grant_effective_status(&g, now) != GRANT_GIVEN)
		ctx->grant_deny = grant_check(&g, now, "", 0);
	return CMN_OK;
}

/* authenticate_link - a share by link (Bearer csl_...): whoever holds it
 * reads the share, as a grantee does; an ended share is 410 Gone; one
 * with a passcode wants it in Commune-Passcode on each request, wrong ones
 * counted per share and address (5 in 15 minutes, then 429). */
static enum cmn_rc authenticate_link(struct api_ctx *ctx, const char *token)
{
	struct store *s = ctx->app->store;
	char h[CRYPT_HASH_HEX_LEN], grant_id[CRYPT_ID_LEN], key[128];
	int64_t now = time_now_ms();
	struct person grantor;
	enum grant_status st;
	struct grant g;
	unsigned wait_s = 0;
	enum cmn_rc rc;

	crypt_hash_hex(token, h);
	rc = store_share_link_get(s, h, grant_id);
	if (rc == CMN_OK)
		rc = consent_load(s, grant_id, &g);
	if (rc == CMN_OK && (!g.share || strcmp(g.grantee_kind, "link") != 0))
		rc = CMN_ERR_NOT_FOUND;
	if (rc != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_UNAUTHENTICATED : rc;
	st = grant_effective_status(&g, now);
	if (st == GRANT_WITHDRAWN || st == GRANT_EXPIRED)
		return api_problem(ctx, CMN_ERR_GONE,
				   st == GRANT_EXPIRED ? "this share has expired" : "this share was revoked",
				   NULL);
	if (g.passcode) {
		const char *passcode = http_header(ctx->req, "Commune-Passcode");

		snprintf(key, sizeof(key), "link:%s:%s", g.id, ctx->req->addr);
		rc = ratelimit_check(ctx->app->limits, key, SHARE_PASSCODE_TRIES, now, &wait_s);
		if (rc != CMN_OK && rc != CMN_ERR_RATE_LIMITED)
			return rc;
		if (rc == CMN_ERR_RATE_LIMITED) {
			char retry[16];

			snprintf(retry, sizeof(retry), "%u", wait_s ? wait_s : 1);
			http_set_header(ctx->res, "Retry-After", retry);
			return api_problem(ctx, CMN_ERR_RATE_LIMITED, "too many wrong passcodes: wait",
					   NULL);
		}
		rc = passcode ? consent_share_open(s, g.id, passcode) : CMN_ERR_UNAUTHENTICATED;
		if (rc == CMN_ERR_UNAUTHENTICATED) {
			rc = ratelimit_fail(ctx->app->limits, key, SHARE_PASSCODE_WINDOW_S, now);
			if (rc != CMN_OK)
				return rc;
			return api_problem(ctx, CMN_ERR_FORBIDDEN,
					   "this share opens with its passcode, in Commune-Passcode",
					   NULL);
		}
		if (rc == CMN_OK)
			rc = ratelimit_clear(ctx->app->limits, key);
		if (rc != CMN_OK)
			return rc;
	}
	rc = store_person_by_id(s, g.person_id, &grantor, NULL);
	if (rc != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_UNAUTHENTICATED : rc;
	snprintf(ctx->grantee, sizeof(ctx->grantee), "link:%.16s", h);
	snprintf(ctx->actor, sizeof(ctx->actor), "link:%.16s/grant:%s", h, g.id);
	ctx->client_id[0] = '\0';
	ctx->grant = g;
	ctx->person = grantor;
	ctx->via_grant = true;
	return CMN_OK;
}

/* authenticate - who is calling, from a Bearer token or a session cookie. */
static enum cmn_rc authenticate(struct api_ctx *ctx)
{
	const char *authz = http_header(ctx->req, "Authorization");
	const char *cookie = http_cookie(ctx->req, "commune_session");
	char h[CRYPT_HASH_HEX_LEN];

	if (authz && strncasecmp(authz, "Bearer ", 7) == 0 && strncmp(authz + 7, "cat_", 4) == 0) {
		enum cmn_rc rc = authenticate_grant(ctx, authz + 7);

		if (rc != CMN_OK)
			return rc;
	} else if (authz && strncasecmp(authz, "Bearer ", 7) == 0 &&
		   strncmp(authz + 7, "csl_", 4) == 0) {
		enum cmn_rc rc = authenticate_link(ctx, authz + 7);

		if (rc != CMN_OK)
			return rc;
	} else if (authz) {
		struct api_token tok;
		enum cmn_rc rc;

		if (strncasecmp(authz, "Bearer ", 7) != 0 || strncmp(authz + 7, "cmn_", 4) != 0)
			return CMN_ERR_UNAUTHENTICATED;
		crypt_hash_hex(authz + 7, h);
		rc = store_token_get(ctx->app->store, h, &ctx->person, &tok);
		if (rc != CMN_OK)
			return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_UNAUTHENTICATED : rc;
		ctx->via_token = true;
		str_copy(ctx->token_id, sizeof(ctx->token_id), tok.id);
		str_copy(ctx->token_name, sizeof(ctx->token_name), tok.name);
		snprintf(ctx->actor, sizeof(ctx->actor), "token:%s", tok.id);
	} else if (cookie) {
		struct session sess;
		enum cmn_rc rc;
		const char *csrf;
		const char *m = ctx->req->method;

		crypt_hash_hex(cookie, h);
		rc = store_session_get(ctx->app->store, h, time_now_ms(), &sess);
		if (rc != CMN_OK)
			return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_UNAUTHENTICATED : rc;
		if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
			csrf = http_header(ctx->req, "X-CSRF-Token");
			if (!csrf || !crypt_equal(csrf, sess.csrf))
				return CMN_ERR_CSRF;
		}
		ctx->person = sess.person;
		str_copy(ctx->session_hash, sizeof(ctx->session_hash), h);
		snprintf(ctx->actor, sizeof(ctx->actor), "person:%s", sess.person.id);
	} else {
		return CMN_ERR_UNAUTHENTICATED;
	}
	if (ctx->person.disabled)
		return CMN_ERR_DISABLED;
	ctx->authed = true;
	if (!ctx->via_grant && http_header(ctx->req, "Commune-Consent"))
		return act_under_consent(ctx, http_header(ctx->req, "Commune-Consent"));
	return CMN_OK;
}

/* authorize - applies the route's requirement. */
static enum cmn_rc authorize(struct api_ctx *ctx)
{
	enum cmn_rc rc;

	if (ctx->route->auth == AUTH_NONE) {
		/* a public route still knows its caller when there is one */
		if (http_header(ctx->req, "Authorization") || http_cookie(ctx->req, "commune_session"))
			(void)authenticate(ctx);
		if (ctx->via_grant) {
			/* a service is nobody on public routes: never the person */
			memset(&ctx->person, 0, sizeof(ctx->person));
			ctx->authed = ctx->via_grant = false;
		}
		return CMN_OK;
	}
	rc = authenticate(ctx);
	if (rc != CMN_OK)
		return rc;
	if (ctx->via_grant)
		return authorize_grant(ctx);
	if (ctx->route->auth == AUTH_SESSION && ctx->via_token)
		return CMN_ERR_FORBIDDEN;
	if (ctx->route->auth == AUTH_ADMIN && strcmp(ctx->person.role, "admin") != 0)
		return CMN_ERR_FORBIDDEN;
	return CMN_OK;
}

static bool json_content_type(const char *ct)
{
	size_t n;

	if (!ct)
		return false;
	n = strcspn(ct, ";");
	while (n && ct[n - 1] == ' ')
		n--;
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	       (n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0);
}

json_t *api_body_json(struct api_ctx *ctx, struct json_parse_error *je)
{
	return json_parse(ctx->req->body, ctx->req->body_len, JSON_PARSE_REJECT_DUPLICATES, je);
}

/* read_body - parses and checks the JSON body of the route. */
static enum cmn_rc read_body(struct api_ctx *ctx, const json_t *schema)
{
	struct json_parse_error je;
	struct schema_errors *errs;
	enum cmn_rc rc;

	if (!json_content_type(http_header(ctx->req, "Content-Type")))
		return api_problem(ctx, CMN_ERR_MEDIA_TYPE,
				   "send the body as application/json", NULL);
	if (!ctx->req->body_len)
		return api_problem(ctx, CMN_ERR_INVALID, "a JSON body is required", NULL);
	if (!str_utf8_valid(ctx->req->body, ctx->req->body_len))
		return api_problem(ctx, CMN_ERR_INVALID, "the body is not valid UTF-8", NULL);
	ctx->body = api_body_json(ctx, &je);
	if (!ctx->body && je.rc == CMN_ERR_NOMEM)
		return CMN_ERR_NOMEM;
	if (!ctx->body) {
		char detail[300];

		snprintf(detail, sizeof(detail), "malformed JSON at line %d, column %d: %s",
			 je.line, je.column, je.text);
		return api_problem(ctx, CMN_ERR_INVALID, detail,
				   json_pack("{s:i, s:i}", "line", je.line, "column", je.column));
	}
	if (json_depth(ctx->body) > CMN_JSON_MAX_DEPTH)
		return api_problem(ctx, CMN_ERR_INVALID, "the body is nested too deeply", NULL);
	if (!schema)
		return CMN_OK;
	errs = malloc(sizeof(*errs));
	if (!errs)
		return CMN_ERR_NOMEM;
	rc = schema_validate(schema, ctx->body, errs);
	if (rc != CMN_OK)
		rc = api_schema_problem(ctx, "the body does not match the expected shape", errs);
	free(errs);
	return rc;
}

static void set_limit_headers(struct api_ctx *ctx, enum cmn_rc rc)
{
	if (rc == CMN_ERR_BUSY)
		http_set_header(ctx->res, "Retry-After", "1");
}

void api_handle(void *appv, const struct http_request *req, struct http_response *res)
{
	struct api_ctx *ctx = calloc(1, sizeof(*ctx));
	const struct route *route = NULL;
	bool path_known = false, bad_param = false;
	char allow[96] = "";
	enum cmn_rc rc;
	size_t i;

	if (!ctx) {
		res->status = 503;
		return;
	}
	ctx->app = appv;
	ctx->req = req;
	ctx->res = res;
	res->route = "-";
	if (req->error != CMN_OK) {
		set_limit_headers(ctx, req->error);
		api_problem(ctx, req->error, cmn_strerror(req->error), NULL);
		goto done;
	}
	if (strncmp(req->path, "/api/", 5) != 0 && strncmp(req->path, "/oauth/", 7) != 0 &&
	    strncmp(req->path, "/.well-known/", 13) != 0) {
		if ((strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) &&
		    api_static(ctx->app, req, res)) {
			res->route = "static";
			goto done;
		}
		api_problem(ctx, CMN_ERR_NOT_FOUND, "no such page", NULL);
		goto done;
	}
	for (i = 0; i < nroutes; i++) {
		if (!match(all_routes[i].pattern, req->path, ctx, &bad_param))
			continue;
		path_known = true;
		if (strlen(allow) + 16 < sizeof(allow)) {
			size_t at = strlen(allow);
			int n = snprintf(allow + at, sizeof(allow) - at, "%s%.7s%s",
					 at ? ", " : "", all_routes[i].method,
					 strcmp(all_routes[i].method, "GET") == 0 ? ", HEAD" : "");

			(void)n;
		}
		if (strcmp(all_routes[i].method, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(all_routes[i].method, "GET") == 0)) {
			route = &all_routes[i];
			break;
		}
	}
	http_set_header(res, "Cache-Control", "no-store");
	if (!route) {
		if (bad_param)
			api_problem(ctx, CMN_ERR_INVALID, "a path segment is malformed", NULL);
		else if (path_known) {
			http_set_header(res, "Allow", allow);
			api_problem(ctx, CMN_ERR_METHOD, NULL, NULL);
		} else
			api_problem(ctx, CMN_ERR_NOT_FOUND, "no such API route", NULL);
		goto done;
	}
	ctx->route = route;
	res->route = route->pattern;
	rc = authorize(ctx);
	if (ctx->authed)
		str_copy(res->person, sizeof(res->person), ctx->person.id);
	if (rc != CMN_OK) {
		if (rc == CMN_ERR_UNAUTHENTICATED)
			http_set_header(res, "WWW-Authenticate", "Bearer realm=\"commune\"");
		if (!res->body)
			api_problem(ctx, rc, NULL, NULL);
		goto done;
	}
	if (route->body_schema) {
		rc = read_body(ctx, route_schemas[route - all_routes]);
		if (rc != CMN_OK) {
			if (!res->body)
				api_problem(ctx, rc, NULL, NULL);
			goto done;
		}
	}
	rc = route->fn(ctx);
	if (rc != CMN_OK && !res->body)
		api_problem(ctx, rc, NULL, NULL);
done:
	json_decref(ctx->body);
	sodium_memzero(ctx, sizeof(*ctx));
	free(ctx);
}
