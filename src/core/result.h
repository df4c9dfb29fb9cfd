/*
 * result.h - the one result code of commune.
 *
 * Every fallible function returns an enum cmn_rc; CMN_OK is 0. Values are
 * never renumbered: they appear in logs. The mapping to HTTP status and to
 * problem types lives in exactly one place, src/api/problem.c.
 */
#ifndef COMMUNE_CORE_RESULT_H
#define COMMUNE_CORE_RESULT_H

enum cmn_rc {
	CMN_OK = 0,
	CMN_ERR_NOMEM = 1,         /* an allocation failed */
	CMN_ERR_INVALID = 2,       /* input is malformed or fails validation */
	CMN_ERR_NOT_FOUND = 3,     /* no such object (or not visible to caller) */
	CMN_ERR_EXISTS = 4,        /* object already exists */
	CMN_ERR_CONFLICT = 5,      /* concurrent change; state does not allow it */
	CMN_ERR_PRECONDITION = 6,  /* If-Match did not match */
	CMN_ERR_UNAUTHENTICATED = 7, /* no valid credentials */
	CMN_ERR_FORBIDDEN = 8,     /* authenticated but not allowed */
	CMN_ERR_TOO_LARGE = 9,     /* a size cap was exceeded */
	CMN_ERR_RATE_LIMITED = 10, /* too many attempts; retry later */
	CMN_ERR_IO = 11,           /* file system error */
	CMN_ERR_STORE = 12,        /* database error */
	CMN_ERR_CRYPTO = 13,       /* a cryptographic operation failed */
	CMN_ERR_DISABLED = 14,     /* the account is disabled */
	CMN_ERR_UNSUPPORTED = 15,  /* valid but not supported here */
	CMN_ERR_INTERNAL = 16,     /* a bug: an invariant did not hold */
	CMN_ERR_TIMEOUT = 17,      /* the operation took too long */
	CMN_ERR_BUSY = 18,         /* the server is at capacity */
	CMN_ERR_CSRF = 19,         /* missing or wrong CSRF token */
	CMN_ERR_HEADERS_TOO_LARGE = 20, /* request headers over their cap */
	CMN_ERR_URI_TOO_LONG = 21, /* request target over its cap */
	CMN_ERR_METHOD = 22,       /* the path exists but not with this method */
	CMN_ERR_MEDIA_TYPE = 23,   /* the request body has the wrong content type */
	CMN_ERR_CORRUPT = 24,      /* stored data failed its checksum or its structure */
	CMN_ERR_GONE = 25,         /* it existed and is gone for good (an ended share) */
	CMN_ERR_WRONG_KEY = 26,    /* the platform key is not the one of the store */
};

/* cmn_strerror - a short English description of rc; never NULL. */
const char *cmn_strerror(enum cmn_rc rc);

#endif
