/*
 * fuzz_proxy.c - libFuzzer target for the trusted proxies of
 * `commune serve --trusted-proxy` and the client's address taken from
 * X-Forwarded-For (src/http/proxy.c).
 *
 * The input is lines: the first is the --trusted-proxy text, the second
 * the peer's address, each further line one X-Forwarded-For header value.
 *
 * Whatever the bytes: a refused list says why, in well-formed UTF-8, and
 * is left empty; an accepted one is bounded, its ranges have no host bit
 * set and trust their own address. The walk over the headers, one at a
 * time from the left, picks what a second, simpler reading picks (every
 * value joined by commas, walked from the right); that is the peer when it
 * is not trusted or no header came, and otherwise the peer or an address
 * in its normal form.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/str.h"
#include "http/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_proxy: invariant failed: %s (%s:%d)\n", what,        \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* the most header lines read from one input (the server's are bounded by
 * its header cap, 16 KiB) */
#define MAX_VALUES 64

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* reference - the client's address as the specification reads: values
 * joined by commas; from the right, the first entry that is not a trusted
 * address decides (an address: it; else the peer); all trusted: the
 * left-most. */
static void reference(const struct proxy_list *l, const char *peer, char **values, size_t nv,
		      char out[PROXY_ADDR_TEXT])
{
	size_t len = 0, end;
	char *joined;

	str_copy(out, PROXY_ADDR_TEXT, peer);
	if (nv == 0 || strlen(peer) >= PROXY_ADDR_TEXT || !proxy_list_trusts(l, peer))
		return;
	for (size_t i = 0; i < nv; i++)
		len += strlen(values[i]) + 1;
	joined = malloc(len);
	if (!joined)
		abort();
	end = 0;
	for (size_t i = 0; i < nv; i++) {
		size_t n = strlen(values[i]);

		if (i)
			joined[end++] = ',';
		memcpy(joined + end, values[i], n);
		end += n;
	}
	joined[end] = '\0';
	for (;;) {
		size_t start = end, a, b;
		char addr[PROXY_ADDR_TEXT];

		while (start > 0 && joined[start - 1] != ',')
			start--;
		a = start;
		b = end;
		while (a < b && is_space(joined[a]))
			a++;
		while (b > a && is_space(joined[b - 1]))
			b--;
		if (!proxy_addr_normalize(joined + a, b - a, addr))
			break; /* garbage: the peer */
		if (!proxy_list_trusts(l, addr) || start == 0) {
			str_copy(out, PROXY_ADDR_TEXT, addr);
			break;
		}
		end = start - 1;
	}
	free(joined);
}

/* check_list - what an accepted list holds: bounded ranges without host
 * bits, each trusting its first and last address (as text; IPv4 ones also
 * as IPv4-mapped IPv6, which IPv6 ranges never hold) */
static void check_list(const struct proxy_list *l)
{
	CHECK(l->n <= CMN_TRUSTED_PROXIES_MAX, "entries bounded");
	for (size_t i = 0; i < l->n; i++) {
		const struct proxy_net *net = &l->nets[i];
		size_t len = net->family == 4 ? 4 : 16;
		unsigned char last[16];
		char text[PROXY_ADDR_TEXT], mapped[PROXY_ADDR_TEXT + 8];

		CHECK(net->family == 4 || net->family == 6, "a family");
		CHECK(net->bits <= len * 8, "a prefix within the address");
		for (size_t bit = net->bits; bit < len * 8; bit++)
			CHECK(!(net->addr[bit / 8] & (0x80 >> (bit % 8))), "no host bit set");
		for (size_t k = len; k < 16; k++)
			CHECK(net->addr[k] == 0, "nothing past an IPv4 address");
		memcpy(last, net->addr, sizeof(last));
		for (size_t bit = net->bits; bit < len * 8; bit++)
			last[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
		for (int end = 0; end < 2; end++) {
			static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0,
								    0, 0, 0, 0, 0xff, 0xff};

			/* an IPv6 range holding ::ffff:0:0/96 (::/0, ::/80...) does not
			 * hold those addresses: they are IPv4 ones */
			if (net->family == 6 && memcmp(end ? last : net->addr, v4_mapped, 12) == 0)
				continue;
			CHECK(inet_ntop(net->family == 4 ? AF_INET : AF_INET6,
					end ? last : net->addr, text, sizeof(text)),
			      "inet_ntop");
			CHECK(proxy_list_trusts(l, text), "a range trusts its ends");
			if (net->family == 4) {
				snprintf(mapped, sizeof(mapped), "::ffff:%s", text);
				CHECK(proxy_list_trusts(l, mapped), "and as IPv4-mapped");
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *lines[2 + MAX_VALUES], err[200], got[PROXY_ADDR_TEXT],
	     want[PROXY_ADDR_TEXT];
	size_t nlines = 0;
	struct proxy_list l;
	struct proxy_walk w;
	enum cmn_rc rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (char *p = s; nlines < 2 + MAX_VALUES;) {
		char *nl = strchr(p, '\n');

		lines[nlines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	while (nlines < 2)
		lines[nlines++] = "";

	rc = proxy_list_parse(&l, lines[0], err, sizeof(err));
	CHECK(rc == CMN_OK || rc == CMN_ERR_INVALID, "parse rc");
	if (rc != CMN_OK) {
		CHECK(err[0], "a refusal says why");
		CHECK(str_utf8_valid(err, strlen(err)), "the reason is well-formed");
		CHECK(l.n == 0, "a refused list is empty");
	} else {
		check_list(&l);
	}

	proxy_walk_init(&w, &l, lines[1]);
	for (size_t i = 2; i < nlines; i++)
		proxy_walk_feed(&w, lines[i]);
	proxy_walk_result(&w, got, sizeof(got));
	reference(&l, lines[1], lines + 2, nlines - 2, want);
	CHECK(strcmp(got, want) == 0, "the walk picks what the reference picks");
	if (nlines == 2 || !w.trusted)
		CHECK(strcmp(got, want) == 0 && strncmp(got, lines[1], sizeof(got) - 1) == 0,
		      "the peer, unless a trusted one forwarded");
	if (strncmp(got, lines[1], sizeof(got) - 1) != 0) {
		char again[PROXY_ADDR_TEXT];

		CHECK(proxy_addr_normalize(got, strlen(got), again) && strcmp(again, got) == 0,
		      "an address in its normal form");
	}
	free(s);
	return 0;
}
