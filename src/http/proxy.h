/*
 * proxy.h - the client's address behind reverse proxies commune trusts.
 *
 * Behind nginx every connection comes from the proxy, so the address of the
 * TCP peer names the proxy, not the client. A proxy that appends the
 * address it received a request from to X-Forwarded-For tells who the
 * client is; the header is believed only from a peer in the trusted list
 * (`commune serve --trusted-proxy`), since anyone else can write it.
 *
 * The client is the right-most address of the header chain (every
 * X-Forwarded-For header of the request, in order, joined by commas) that
 * is not itself a trusted proxy: the entries to its left were written by
 * the client or by proxies nobody vouches for. When every entry is trusted,
 * the left-most. The peer's own address stays when the header is absent,
 * when the peer is not trusted, or when the entry chosen, or one to its
 * right, is not an IP address. Only X-Forwarded-For is read: RFC 7239's
 * Forwarded is not (see docs/deploy.md).
 *
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is taken as its IPv4
 * address, in the list and in the header: an IPv6 range, even ::/0, never
 * holds it. Addresses come out in the text
 * form of inet_ntop (lowercase, the longest run of zeros as "::").
 *
 * Nothing here allocates; the module knows no HTTP library.
 */
#ifndef COMMUNE_HTTP_PROXY_H
#define COMMUNE_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"
#include "core/result.h"

#define PROXY_ADDR_TEXT 46                /* INET6_ADDRSTRLEN: an address as text, with the NUL */

/* One trusted address or range. */
struct proxy_net {
	unsigned char family;             /* 4 or 6 */
	unsigned char bits;               /* prefix length: 0..32 or 0..128 */
	unsigned char addr[16];           /* network order; the first 4 bytes for IPv4 */
};

/* The trusted proxies; n is 0 when none is (the header is never read). */
struct proxy_list {
	size_t n;
	struct proxy_net nets[CMN_TRUSTED_PROXIES_MAX];
};

/*
 * proxy_list_parse - reads text, addresses and ranges separated by commas
 * ("127.0.0.1,::1,10.0.0.0/8"; spaces around an entry are allowed; "" is
 * the empty list). A range is ADDRESS/BITS with no bit set past its prefix.
 * Refused with CMN_ERR_INVALID and a reason in err (which names the entry):
 * an empty entry, a malformed address or prefix, host bits set, more than
 * CMN_TRUSTED_PROXIES_MAX entries. *l is empty after a refusal.
 */
enum cmn_rc proxy_list_parse(struct proxy_list *l, const char *text, char *err, size_t errlen);

/* proxy_list_trusts - whether addr (text; NUL-terminated) is an IP address
 * within one of the list's entries. */
bool proxy_list_trusts(const struct proxy_list *l, const char *addr);

/* proxy_addr_normalize - the address in the n bytes at s (no spaces) in
 * the text form used here, into out; false when it is not an IP address. */
bool proxy_addr_normalize(const char *s, size_t n, char out[PROXY_ADDR_TEXT]);

/*
 * Choosing the client's address, one header at a time: proxy_walk_init
 * with the peer's address, proxy_walk_feed with each X-Forwarded-For value
 * in the order received (it does nothing when the peer is not trusted),
 * then proxy_walk_result. The walk keeps two addresses, whatever the
 * number of entries: the left-most and the right-most not trusted.
 */
struct proxy_walk {
	const struct proxy_list *list;    /* not owned; outlives the walk */
	bool trusted;                     /* the peer is a trusted proxy */
	bool seen;                        /* an entry was read */
	bool outside;                     /* an entry was not (an address and trusted) */
	bool outside_bad;                 /* the right-most such entry is not an address */
	char peer[PROXY_ADDR_TEXT];       /* the TCP peer, as given */
	char first[PROXY_ADDR_TEXT];      /* the left-most entry, when an address */
	char last[PROXY_ADDR_TEXT];       /* the right-most entry not trusted */
};

/* proxy_walk_init - starts a walk for a request from peer (text, as
 * inet_ntop wrote it; "" when unknown). */
void proxy_walk_init(struct proxy_walk *w, const struct proxy_list *l, const char *peer);

/* proxy_walk_feed - one X-Forwarded-For header value (NUL-terminated). */
void proxy_walk_feed(struct proxy_walk *w, const char *value);

/* proxy_walk_result - the client's address into out (n bytes; the peer's
 * when nothing better is known). */
void proxy_walk_result(const struct proxy_walk *w, char *out, size_t n);

#endif
