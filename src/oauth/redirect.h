/*
 * redirect.h - redirect URIs of OAuth clients: which may be registered,
 * how a request's URI is matched against them, and how the answer's
 * parameters are added to one (RFC 6749 §3.1.2 and §4.1.2).
 */
#ifndef COMMUNE_OAUTH_REDIRECT_H
#define COMMUNE_OAUTH_REDIRECT_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/result.h"

/* oauth_redirect_valid - whether uri may be registered: an absolute
 * https URI, or http on a loopback host (127.0.0.1, [::1], localhost:
 * native apps, RFC 8252 §7.3); no fragment, no user info, printable
 * ASCII, at most OAUTH_REDIRECT_MAX bytes. *why says what is wrong. */
bool oauth_redirect_valid(const char *uri, const char **why);

/* oauth_redirect_matches - whether a request's uri is the registered one:
 * the same string (RFC 9700 §2.1), but for the port of a loopback http
 * URI, which may be any (RFC 8252 §7.3). */
bool oauth_redirect_matches(const char *registered, const char *uri);

/* oauth_redirect_param - appends "?name=value" (or "&..." when b already
 * has a query) to the URI in b, value percent-encoded. */
enum cmn_rc oauth_redirect_param(struct buf *b, const char *name, const char *value);

#endif
