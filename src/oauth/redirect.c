/*
 * redirect.c - redirect URIs of OAuth clients. See redirect.h.
 */
#include "oauth/redirect.h"

#include <string.h>
#include <strings.h>

#include "store/store_oauth.h"

/* the parts of an http(s) URI that matter here */
struct uri_parts {
	bool https;
	const char *host; /* up to the port or the path */
	size_t host_len;
	const char *port; /* digits, or NULL */
	size_t port_len;
	const char *rest; /* path and query, "" when none */
};

static bool split(const char *uri, struct uri_parts *p)
{
	const char *a, *end, *colon;

	memset(p, 0, sizeof(*p));
	if (strncasecmp(uri, "https://", 8) == 0) {
		p->https = true;
		a = uri + 8;
	} else if (strncasecmp(uri, "http://", 7) == 0) {
		a = uri + 7;
	} else {
		return false;
	}
	end = a + strcspn(a, "/?");
	p->rest = end;
	p->host = a;
	if (*a == '[') {
		const char *close = memchr(a, ']', (size_t)(end - a));

		if (!close)
			return false;
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
	}
	p->host_len = (size_t)((colon ? colon : end) - a);
	if (colon) {
		p->port = colon + 1;
		p->port_len = (size_t)(end - p->port);
	}
	return true;
}

static bool host_char(char c, bool bracket)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.')
		return true;
	return bracket && c == ':';
}

static bool loopback(const struct uri_parts *p)
{
	static const char *const hosts[] = {"127.0.0.1", "[::1]", "localhost"};

	for (size_t i = 0; i < sizeof(hosts) / sizeof(*hosts); i++)
		if (p->host_len == strlen(hosts[i]) &&
		    strncasecmp(p->host, hosts[i], p->host_len) == 0)
			return true;
	return false;
}

bool oauth_redirect_valid(const char *uri, const char **why)
{
	struct uri_parts p;
	size_t n = strlen(uri), port = 0;
	bool bracket;

	*why = NULL;
	if (n > OAUTH_REDIRECT_MAX)
		*why = "the redirect URI is too long";
	for (size_t i = 0; !*why && i < n; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c))
			*why = "the redirect URI has a character that must be percent-encoded";
		else if (c == '#')
			*why = "the redirect URI must not have a fragment";
	}
	if (!*why && !split(uri, &p))
		*why = "the redirect URI must be an absolute https (or loopback http) URI";
	if (*why)
		return false;
	bracket = p.host_len > 0 && p.host[0] == '[';
	if (p.host_len == 0 || (bracket && p.host_len < 3))
		*why = "the redirect URI has no host";
	for (size_t i = bracket; !*why && i < p.host_len - bracket; i++)
		if (!host_char(p.host[i], bracket))
			*why = "the redirect URI's host is malformed (or has user info)";
	for (size_t i = 0; !*why && p.port && i < p.port_len; i++) {
		if (p.port[i] < '0' || p.port[i] > '9' || port > 65535)
			*why = "the redirect URI's port is malformed";
		port = port * 10 + (size_t)(p.port[i] - '0');
	}
	if (!*why && p.port && (p.port_len == 0 || port == 0 || port > 65535))
		*why = "the redirect URI's port is malformed";
	if (!*why && !p.https && !loopback(&p))
		*why = "a redirect URI must use https, or http on 127.0.0.1, [::1] or localhost";
	return *why == NULL;
}

bool oauth_redirect_matches(const char *registered, const char *uri)
{
	struct uri_parts r, u;
	const char *why;

	if (strcmp(registered, uri) == 0)
		return true;
	if (!oauth_redirect_valid(uri, &why) || !split(registered, &r) || !split(uri, &u) ||
	    r.https || u.https || !loopback(&r))
		return false;
	/* the same loopback URI, whatever the port */
	return strncmp(registered, uri, (size_t)(r.host + r.host_len - registered)) == 0 &&
	       r.host_len == u.host_len && strcmp(r.rest, u.rest) == 0;
}

static bool keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

enum cmn_rc oauth_redirect_param(struct buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	enum cmn_rc rc = buf_printf(b, "%c%s=", b->data && strchr(b->data, '?') ? '&' : '?', name);

	for (const unsigned char *p = (const unsigned char *)value; rc == CMN_OK && *p; p++) {
		char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

		rc = keep(*p) ? buf_append(b, p, 1) : buf_append(b, e, 3);
	}
	return rc;
}
