/*
 * limits.h - every hard limit of commune, in one place.
 *
 * A growing buffer, a queue or a table that takes outside input has a cap,
 * and the cap is here (after SQLite's sqliteLimit.h). Server limits can be
 * lowered at run time (struct server_config) but these are the defaults.
 */
#ifndef COMMUNE_CORE_LIMITS_H
#define COMMUNE_CORE_LIMITS_H

/* HTTP */
#define CMN_MAX_BODY_BYTES (1024 * 1024)   /* request body: 413 above */
#define CMN_MAX_HEADER_BYTES (16 * 1024)   /* all request headers: 431 above */
#define CMN_MAX_URI_BYTES 4096             /* request target: 414 above */
#define CMN_MHD_POOL_BYTES (32 * 1024)     /* per-connection memory of the HTTP library */
#define CMN_MAX_CONNECTIONS 1024           /* open connections: 503 above */
#define CMN_MAX_CONNECTIONS_PER_IP 256     /* per client address */
#define CMN_MAX_DROPPED_BYTES (8 * 1024 * 1024) /* refused body read before closing */
#define CMN_CONNECTION_SLACK 64            /* accepted above the limit to answer 503 */
#define CMN_REQUEST_TIMEOUT_S 30           /* whole request received: 408 after */
#define CMN_IDLE_TIMEOUT_S 60              /* an idle connection is closed after */
#define CMN_SHUTDOWN_GRACE_S 10            /* in-flight requests may finish within */
#define CMN_TRUSTED_PROXIES_MAX 64         /* addresses and ranges of --trusted-proxy */

/* Accounts */
#define CMN_HANDLE_MAX 64                  /* bytes in a login handle */
#define CMN_PASSWORD_MIN 10                /* characters in a password */
#define CMN_PASSWORD_MAX 1024              /* bytes in a password */
#define CMN_SESSION_TTL_S (12 * 3600)      /* a session lives at most */
#define CMN_SESSION_IDLE_S (2 * 3600)      /* an unused session expires after */
#define CMN_LOGIN_WINDOW_S 900             /* failed logins are counted over */
#define CMN_LOGIN_FAILS_PER_ACCOUNT 5      /* then 429 for that account */
#define CMN_LOGIN_FAILS_PER_ADDR 20        /* then 429 for that address */
#define CMN_TOKENS_PER_PERSON 50           /* personal API tokens */
#define CMN_TOKEN_NAME_MAX 100             /* bytes in a token's name */

/* Records */
#define CMN_JSON_MAX_DEPTH 32              /* nesting of a record */
#define CMN_PAGE_DEFAULT 50                /* records per page */
#define CMN_PAGE_MAX 1000
#define CMN_MAX_FILTERS 16                 /* filter.* parameters per query */
#define CMN_MAX_IN_VALUES 32               /* values of one filter.X.in */
#define CMN_MAX_QUERY_PARAMS 64            /* parameters in a query string */
#define CMN_MAX_FIELDS 64                  /* names in fields= */
#define CMN_MAX_VALIDATION_ERRORS 32       /* reported per request */
#define CMN_DOCTYPE_NAME_MAX 64

/* OAuth (docs/oauth.md) */
#define CMN_OAUTH_FORM_PAIRS 32            /* parameters of a form body or an authorization request */
#define CMN_OAUTH_SCOPE_MAX 4096           /* bytes in a scope (the largest grant says 3583) */
#define CMN_OAUTH_STATE_MAX 1024           /* bytes in a client's state */
#define CMN_OAUTH_REDIRECT_URIS 8          /* redirect URIs of one client */
#define CMN_OAUTH_CODE_TTL_S 60            /* an authorization code lives */
#define CMN_OAUTH_ACCESS_TTL_S 600         /* an access token lives */
#define CMN_OAUTH_REFRESH_TTL_S (30 * 86400) /* a refresh token lives */
#define CMN_OAUTH_CONSENT_DAYS 365         /* a service's consent lasts, unless it registered less */
#define CMN_OAUTH_CONSENT_DAYS_MAX 3650    /* the longest a service may ask for */

/* Stores */
#define CMN_PERSON_CACHE 64                /* open person stores per thread */
#define CMN_BUSY_TIMEOUT_MS 5000           /* SQLite waits for a lock */

#endif
