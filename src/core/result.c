/*
 * result.c - descriptions of the result codes of result.h.
 */
#include "core/result.h"

const char *cmn_strerror(enum cmn_rc rc)
{
	switch (rc) {
	case CMN_OK: return "success";
	case CMN_ERR_NOMEM: return "out of memory";
	case CMN_ERR_INVALID: return "invalid input";
	case CMN_ERR_NOT_FOUND: return "not found";
	case CMN_ERR_EXISTS: return "already exists";
	case CMN_ERR_CONFLICT: return "conflict";
	case CMN_ERR_PRECONDITION: return "precondition failed";
	case CMN_ERR_UNAUTHENTICATED: return "authentication required";
	case CMN_ERR_FORBIDDEN: return "forbidden";
	case CMN_ERR_TOO_LARGE: return "too large";
	case CMN_ERR_RATE_LIMITED: return "too many attempts";
	case CMN_ERR_IO: return "input/output error";
	case CMN_ERR_STORE: return "storage error";
	case CMN_ERR_CRYPTO: return "cryptographic error";
	case CMN_ERR_DISABLED: return "account disabled";
	case CMN_ERR_UNSUPPORTED: return "not supported";
	case CMN_ERR_INTERNAL: return "internal error";
	case CMN_ERR_TIMEOUT: return "timed out";
	case CMN_ERR_BUSY: return "server busy";
	case CMN_ERR_CSRF: return "missing or invalid CSRF token";
	case CMN_ERR_HEADERS_TOO_LARGE: return "request headers too large";
	case CMN_ERR_URI_TOO_LONG: return "request target too long";
	case CMN_ERR_METHOD: return "method not allowed";
	case CMN_ERR_MEDIA_TYPE: return "unsupported media type";
	case CMN_ERR_CORRUPT: return "stored data is corrupt";
	case CMN_ERR_GONE: return "gone";
	case CMN_ERR_WRONG_KEY: return "the platform key is not the store's";
	}
	return "unknown error";
}
