/*
 * proxy.c - trusted proxies and the client's address they forward
 * (proxy.h): the --trusted-proxy list, and the walk over X-Forwarded-For.
 *
 * Addresses are read by inet_pton only, so what counts as an address is
 * the C library's strict dotted-quad and RFC 4291 text: no port, no
 * brackets, no zone ("fe80::1%eth0"), no hostname.
 */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/str.h"

/* bytes of one entry of the list or of the header; the longest address
 * with a prefix, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", has 49 */
#define ENTRY_MAX 64

static const unsigned char v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* trim - the n bytes at s without the spaces around them (n updated) */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_space(*s)) {
		s++;
		(*n)--;
	}
	while (*n && is_space(s[*n - 1]))
		(*n)--;
	return s;
}

/* piece - the length of the comma-separated piece that starts at s */
static size_t piece(const char *s)
{
	const char *comma = strchr(s, ',');

	return comma ? (size_t)(comma - s) : strlen(s);
}

/* addr_parse - the IP address in the n bytes at s into *a, as a range of
 * one address; an IPv4-mapped IPv6 address becomes its IPv4 address.
 * *mapped (may be NULL) tells that it did. */
static bool addr_parse(const char *s, size_t n, struct proxy_net *a, bool *mapped)
{
	char text[ENTRY_MAX];

	memset(a, 0, sizeof(*a));
	if (mapped)
		*mapped = false;
	if (n == 0 || n >= sizeof(text) || memchr(s, '\0', n))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, a->addr) == 1) {
		a->family = 4;
		a->bits = 32;
		return true;
	}
	if (inet_pton(AF_INET6, text, a->addr) != 1)
		return false;
	if (memcmp(a->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(a->addr, a->addr + 12, 4);
		memset(a->addr + 4, 0, 12);
		a->family = 4;
		a->bits = 32;
		if (mapped)
			*mapped = true;
		return true;
	}
	a->family = 6;
	a->bits = 128;
	return true;
}

/* addr_format - a's address as text */
static void addr_format(const struct proxy_net *a, char out[PROXY_ADDR_TEXT])
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, out, PROXY_ADDR_TEXT))
		out[0] = '\0';
}

/* net_contains - whether the address a is within the range net */
static bool net_contains(const struct proxy_net *net, const struct proxy_net *a)
{
	size_t whole = net->bits / 8u;
	unsigned rest = net->bits % 8u;

	if (net->family != a->family || memcmp(net->addr, a->addr, whole) != 0)
		return false;
	return rest == 0 ||
	       ((net->addr[whole] ^ a->addr[whole]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

/* net_clear_host - clears the bits of net past its prefix; whether any was set */
static bool net_clear_host(struct proxy_net *net)
{
	size_t len = net->family == 4 ? 4 : 16, k = net->bits / 8u;
	unsigned rest = net->bits % 8u;
	bool set = false;

	if (rest) {
		unsigned char keep = (unsigned char)(0xffu << (8 - rest));

		set = (net->addr[k] & ~keep) != 0;
		net->addr[k] &= keep;
		k++;
	}
	for (; k < len; k++) {
		set = set || net->addr[k];
		net->addr[k] = 0;
	}
	return set;
}

/* prefix_parse - the n bytes at s as a prefix length from 0 to max: one
 * to three digits */
static bool prefix_parse(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* net_parse - one entry of the list, ADDRESS or ADDRESS/BITS, in the n
 * bytes at s; why receives the reason of a refusal */
static bool net_parse(const char *s, size_t n, struct proxy_net *net, char *why, size_t whylen)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	bool mapped;
	unsigned bits;

	if (!addr_parse(s, alen, net, &mapped)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address%s",
			 slash ? " with a prefix" : "");
		return false;
	}
	if (!slash)
		return true;
	/* a mapped address is written as IPv6: its prefix counts 128 bits */
	if (!prefix_parse(slash + 1, n - alen - 1, net->family == 6 || mapped ? 128 : 32, &bits)) {
		snprintf(why, whylen, "the prefix must be a number of bits from 0 to %u",
			 net->family == 6 || mapped ? 128 : 32);
		return false;
	}
	if (mapped && bits < 96) {
		snprintf(why, whylen, "an IPv4-mapped range needs a prefix of 96 bits or more");
		return false;
	}
	net->bits = (unsigned char)(mapped ? bits - 96 : bits);
	if (net_clear_host(net)) {
		char text[PROXY_ADDR_TEXT];

		addr_format(net, text);
		snprintf(why, whylen, "bits are set past the prefix (the range is %s/%u)", text,
			 (unsigned)net->bits);
		return false;
	}
	return true;
}

enum cmn_rc proxy_list_parse(struct proxy_list *l, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	size_t all = strlen(text);
	char why[120];

	memset(l, 0, sizeof(*l));
	if (errlen)
		err[0] = '\0';
	trim(text, &all);
	if (all == 0)
		return CMN_OK; /* trust nobody */
	for (;;) {
		size_t span = piece(p), len = span;
		const char *e = trim(p, &len);
		struct proxy_net net;

		if (len == 0) {
			snprintf(err, errlen,
				 "an empty entry (two commas in a row, or one at an end)");
			goto refused;
		}
		if (!net_parse(e, len, &net, why, sizeof(why))) {
			snprintf(err, errlen, "\"%.*s\": %s",
				 (int)(len < ENTRY_MAX ? len : ENTRY_MAX), e, why);
			goto refused;
		}
		if (l->n == CMN_TRUSTED_PROXIES_MAX) {
			snprintf(err, errlen, "more than %d addresses and ranges",
				 CMN_TRUSTED_PROXIES_MAX);
			goto refused;
		}
		l->nets[l->n++] = net;
		p += span;
		if (!*p)
			break;
		p++;
	}
	return CMN_OK;
refused:
	if (errlen)
		str_utf8_repair(err); /* it quotes the input */
	memset(l, 0, sizeof(*l));
	return CMN_ERR_INVALID;
}

/* list_contains - whether a is within one of l's ranges */
static bool list_contains(const struct proxy_list *l, const struct proxy_net *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (net_contains(&l->nets[i], a))
			return true;
	return false;
}

bool proxy_list_trusts(const struct proxy_list *l, const char *addr)
{
	struct proxy_net a;

	return l && addr && addr_parse(addr, strlen(addr), &a, NULL) && list_contains(l, &a);
}

bool proxy_addr_normalize(const char *s, size_t n, char out[PROXY_ADDR_TEXT])
{
	struct proxy_net a;

	if (!addr_parse(s, n, &a, NULL))
		return false;
	addr_format(&a, out);
	return true;
}

void proxy_walk_init(struct proxy_walk *w, const struct proxy_list *l, const char *peer)
{
	memset(w, 0, sizeof(*w));
	w->list = l;
	/* a peer too long for an address is none */
	w->trusted = str_copy(w->peer, sizeof(w->peer), peer ? peer : "") == CMN_OK && l && l->n &&
		     proxy_list_trusts(l, w->peer);
}

/*
 * The walk reads the entries left to right, as they arrive, and keeps what
 * a walk from the right would stop at: the right-most entry that is not a
 * trusted address (the client, or garbage that voids the header), and the
 * left-most entry for when every one is trusted.
 */
void proxy_walk_feed(struct proxy_walk *w, const char *value)
{
	const char *p = value;

	if (!w->trusted || !value)
		return;
	for (;;) {
		size_t span = piece(p), len = span;
		const char *e = trim(p, &len);
		struct proxy_net a;
		bool ok = addr_parse(e, len, &a, NULL);

		if (!w->seen && ok)
			addr_format(&a, w->first);
		w->seen = true;
		if (!ok || !list_contains(w->list, &a)) {
			w->outside = true;
			w->outside_bad = !ok;
			if (ok)
				addr_format(&a, w->last);
		}
		p += span;
		if (!*p)
			break;
		p++;
	}
}

void proxy_walk_result(const struct proxy_walk *w, char *out, size_t n)
{
	const char *pick = w->peer;

	if (w->trusted && w->seen)
		pick = !w->outside ? w->first : w->outside_bad ? w->peer : w->last;
	str_copy(out, n, pick);
}
