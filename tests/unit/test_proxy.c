/*
 * test_proxy.c - the trusted proxies of `commune serve --trusted-proxy`
 * and the client's address taken from X-Forwarded-For (src/http/proxy.c):
 * the list with its IPv4 and IPv6 ranges, what it refuses and why, and the
 * choice of the address in chains of one or several headers, spoofed,
 * garbled or empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "http/proxy.h"

static struct proxy_list list_of(const char *text)
{
	struct proxy_list l;
	char err[200];

	if (proxy_list_parse(&l, text, err, sizeof(err)) != CMN_OK)
		fail_msg("\"%s\" refused: %s", text, err);
	return l;
}

/* trusts - whether the list text trusts addr */
static bool trusts(const char *text, const char *addr)
{
	struct proxy_list l = list_of(text);

	return proxy_list_trusts(&l, addr);
}

/* pick - the client's address for a request from peer with the header
 * values given (NULL-terminated; none: no header) */
static const char *pick(const struct proxy_list *l, const char *peer, ...)
{
	static char out[PROXY_ADDR_TEXT];
	struct proxy_walk w;
	const char *v;
	va_list ap;

	proxy_walk_init(&w, l, peer);
	va_start(ap, peer);
	while ((v = va_arg(ap, const char *)))
		proxy_walk_feed(&w, v);
	va_end(ap);
	proxy_walk_result(&w, out, sizeof(out));
	return out;
}

static void list_accepts(void **state)
{
	struct proxy_list l;

	(void)state;
	l = list_of("127.0.0.1,::1,10.0.0.0/8");
	assert_int_equal(l.n, 3);
	assert_int_equal(l.nets[0].family, 4);
	assert_int_equal(l.nets[0].bits, 32);
	assert_int_equal(l.nets[1].family, 6);
	assert_int_equal(l.nets[1].bits, 128);
	assert_int_equal(l.nets[2].bits, 8);
	l = list_of(" 127.0.0.1 ,\t::1\t, 2001:db8::/32 ");
	assert_int_equal(l.n, 3);
	assert_int_equal(l.nets[2].bits, 32);
	assert_int_equal(list_of("").n, 0);
	assert_int_equal(list_of("   ").n, 0);
	assert_int_equal(list_of("0.0.0.0/0,::/0").n, 2);
	/* an IPv4-mapped range is its IPv4 range */
	l = list_of("::ffff:10.0.0.0/104");
	assert_int_equal(l.n, 1);
	assert_int_equal(l.nets[0].family, 4);
	assert_int_equal(l.nets[0].bits, 8);
	assert_int_equal(list_of("::ffff:127.0.0.1").nets[0].family, 4);
}

static void list_refuses(void **state)
{
	static const struct {
		const char *text;
		const char *why;              /* in the reason */
	} bad[] = {
		{"10.0.0.1/8", "\"10.0.0.1/8\": bits are set past the prefix (the range is "
			       "10.0.0.0/8)"},
		{"192.168.1.1/24", "192.168.1.0/24"},
		{"2001:db8::1/32", "2001:db8::/32"},
		{"127.0.0.1,", "an empty entry"},
		{",127.0.0.1", "an empty entry"},
		{"127.0.0.1,,::1", "an empty entry"},
		{",", "an empty entry"},
		{"localhost", "\"localhost\": not an IPv4 or IPv6 address"},
		{"127.0.0.1:8080", "not an IPv4 or IPv6 address"},
		{"[::1]", "not an IPv4 or IPv6 address"},
		{"fe80::1%eth0", "not an IPv4 or IPv6 address"},
		{"127.1", "not an IPv4 or IPv6 address"},
		{"10.0.0.0/33", "from 0 to 32"},
		{"::/129", "from 0 to 128"},
		{"10.0.0.0/", "from 0 to 32"},
		{"10.0.0.0/+8", "from 0 to 32"},
		{"10.0.0.0/ 8", "from 0 to 32"},
		{"10.0.0.0/0008", "from 0 to 32"},
		{"10.0.0.0/8/8", "from 0 to 32"},
		{"/8", "with a prefix"},
		{"::ffff:10.0.0.0/95", "96 bits or more"},
		{"127.0.0.1 ::1", "not an IPv4 or IPv6 address"},
	};
	struct proxy_list l;
	struct buf many;
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cmn_rc rc = proxy_list_parse(&l, bad[i].text, err, sizeof(err));

		assert_int_equal(rc, CMN_ERR_INVALID);
		if (!strstr(err, bad[i].why))
			fail_msg("\"%s\": \"%s\" does not say \"%s\"", bad[i].text, err,
				 bad[i].why);
		assert_int_equal(l.n, 0);
	}
	/* a cap on the entries, and a reason that fits any buffer */
	buf_init(&many, 1 << 16);
	for (int i = 0; i < CMN_TRUSTED_PROXIES_MAX; i++)
		buf_printf(&many, "%s10.0.%d.0/24", i ? "," : "", i);
	assert_int_equal(list_of(many.data).n, CMN_TRUSTED_PROXIES_MAX);
	buf_puts(&many, ",::1");
	assert_int_equal(proxy_list_parse(&l, many.data, err, sizeof(err)), CMN_ERR_INVALID);
	assert_non_null(strstr(err, "more than 64"));
	buf_release(&many);
	assert_int_equal(proxy_list_parse(&l, "nope", err, 8), CMN_ERR_INVALID);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(proxy_list_parse(&l, "nope", NULL, 0), CMN_ERR_INVALID);
}

static void ranges(void **state)
{
	struct proxy_list l = list_of("10.0.0.0/8,192.168.1.128/25,2001:db8::/32,::1,203.0.113.9");

	(void)state;
	assert_true(proxy_list_trusts(&l, "10.0.0.0"));
	assert_true(proxy_list_trusts(&l, "10.255.255.255"));
	assert_false(proxy_list_trusts(&l, "11.0.0.0"));
	assert_false(proxy_list_trusts(&l, "9.255.255.255"));
	assert_true(proxy_list_trusts(&l, "192.168.1.128"));
	assert_true(proxy_list_trusts(&l, "192.168.1.255"));
	assert_false(proxy_list_trusts(&l, "192.168.1.127"));
	assert_false(proxy_list_trusts(&l, "192.168.0.200"));
	assert_true(proxy_list_trusts(&l, "2001:db8::"));
	assert_true(proxy_list_trusts(&l, "2001:DB8:FFFF:ffff::1"));
	assert_false(proxy_list_trusts(&l, "2001:db9::"));
	assert_false(proxy_list_trusts(&l, "2001:db7:ffff::"));
	assert_true(proxy_list_trusts(&l, "::1"));
	assert_true(proxy_list_trusts(&l, "0:0:0:0:0:0:0:1"));
	assert_false(proxy_list_trusts(&l, "::2"));
	assert_true(proxy_list_trusts(&l, "203.0.113.9"));
	assert_false(proxy_list_trusts(&l, "203.0.113.8"));
	/* the families never mix, but a mapped address is its IPv4 one */
	assert_false(proxy_list_trusts(&l, "::a00:1")); /* ::10.0.0.1, IPv4-compatible */
	assert_true(proxy_list_trusts(&l, "::ffff:10.0.0.1"));
	assert_true(proxy_list_trusts(&l, "::ffff:a00:1"));
	assert_false(trusts("0.0.0.0/0", "::1"));
	assert_true(trusts("0.0.0.0/0", "198.51.100.1"));
	assert_false(trusts("::/0", "198.51.100.1"));
	assert_true(trusts("::/0", "fe80::1"));
	assert_true(trusts("::ffff:10.0.0.0/104", "10.9.8.7"));
	/* not addresses */
	assert_false(proxy_list_trusts(&l, ""));
	assert_false(proxy_list_trusts(&l, "10.0.0.1 "));
	assert_false(proxy_list_trusts(&l, "10.0.0.1/32"));
	assert_false(proxy_list_trusts(&l, "localhost"));
	assert_false(proxy_list_trusts(&l, NULL));
	assert_false(proxy_list_trusts(NULL, "10.0.0.1"));
	assert_false(trusts("", "10.0.0.1"));
}

static void normalized(void **state)
{
	char out[PROXY_ADDR_TEXT];

	(void)state;
	assert_true(proxy_addr_normalize("2001:DB8:0:0:0:0:0:1", 20, out));
	assert_string_equal(out, "2001:db8::1");
	assert_true(proxy_addr_normalize("::ffff:203.0.113.7", 18, out));
	assert_string_equal(out, "203.0.113.7");
	assert_true(proxy_addr_normalize("203.0.113.7xyz", 11, out));
	assert_string_equal(out, "203.0.113.7");
	assert_false(proxy_addr_normalize("", 0, out));
	assert_false(proxy_addr_normalize(" 1.2.3.4", 8, out));
	assert_false(proxy_addr_normalize("1.2.3.4\0", 8, out));
	assert_false(proxy_addr_normalize("01.2.3.4", 8, out));
}

static void untrusted_peers_are_not_believed(void **state)
{
	struct proxy_list l = list_of("127.0.0.1,10.0.0.0/8");
	struct proxy_list none = list_of("");

	(void)state;
	assert_string_equal(pick(&l, "198.51.100.4", "203.0.113.7", NULL), "198.51.100.4");
	assert_string_equal(pick(&l, "::1", "203.0.113.7", NULL), "::1");
	assert_string_equal(pick(&none, "127.0.0.1", "203.0.113.7", NULL), "127.0.0.1");
	assert_string_equal(pick(NULL, "127.0.0.1", "203.0.113.7", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "", "203.0.113.7", NULL), "");
	assert_string_equal(pick(&l, NULL, "203.0.113.7", NULL), "");
}

static void chains(void **state)
{
	struct proxy_list l = list_of("127.0.0.1,::1,10.0.0.0/8");

	(void)state;
	/* no header: the peer */
	assert_string_equal(pick(&l, "127.0.0.1", NULL), "127.0.0.1");
	/* nginx's $proxy_add_x_forwarded_for: the client it saw */
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7", NULL), "203.0.113.7");
	/* what the client wrote itself is left of it: never taken */
	assert_string_equal(pick(&l, "127.0.0.1", "6.6.6.6, 203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", "10.0.0.1, 203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", "127.0.0.1,203.0.113.7", NULL), "203.0.113.7");
	/* trusted proxies in the chain are stepped over */
	assert_string_equal(pick(&l, "127.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3, 10.0.0.9", NULL),
			    "203.0.113.7");
	/* all trusted: the left-most */
	assert_string_equal(pick(&l, "127.0.0.1", "10.0.0.1, 10.0.0.2, 127.0.0.1", NULL),
			    "10.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "10.0.0.5", NULL), "10.0.0.5");
	/* over IPv6, and normalized */
	assert_string_equal(pick(&l, "::1", "2001:DB8:0::7", NULL), "2001:db8::7");
	assert_string_equal(pick(&l, "::1", "::ffff:203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "::ffff:127.0.0.1", "203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", " \t203.0.113.7\t ", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", "::1, 203.0.113.7 ,::1", NULL), "203.0.113.7");
}

static void garbage_keeps_the_peer(void **state)
{
	struct proxy_list l = list_of("127.0.0.1,10.0.0.0/8");
	char longest[200];

	(void)state;
	/* the entry chosen, or one right of it, is not an address */
	assert_string_equal(pick(&l, "127.0.0.1", "unknown", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7, junk", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7, junk, 10.0.0.1", NULL),
			    "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7:4711", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "[2001:db8::7]", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "fe80::1%eth0", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7 198.51.100.1", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "10.0.0.0/8", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7,", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "for=203.0.113.7", NULL), "127.0.0.1");
	memset(longest, '1', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_string_equal(pick(&l, "127.0.0.1", longest, NULL), "127.0.0.1");
	/* garbage left of the client is not considered */
	assert_string_equal(pick(&l, "127.0.0.1", "junk, 203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", ",,203.0.113.7", NULL), "203.0.113.7");
	/* empty headers */
	assert_string_equal(pick(&l, "127.0.0.1", "", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "  ", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", ",", NULL), "127.0.0.1");
}

static void several_headers(void **state)
{
	struct proxy_list l = list_of("127.0.0.1,10.0.0.0/8");
	struct buf chain;

	(void)state;
	/* joined in order: the last header holds the right-most entries */
	assert_string_equal(pick(&l, "127.0.0.1", "6.6.6.6", "203.0.113.7", "10.0.0.9", NULL),
			    "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7, 6.6.6.6", "10.0.0.9", NULL),
			    "6.6.6.6");
	assert_string_equal(pick(&l, "127.0.0.1", "10.0.0.1", "10.0.0.2", NULL), "10.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "203.0.113.7", "", NULL), "127.0.0.1");
	assert_string_equal(pick(&l, "127.0.0.1", "", "203.0.113.7", NULL), "203.0.113.7");
	assert_string_equal(pick(&l, "127.0.0.1", "junk", "203.0.113.7", "10.0.0.1", NULL),
			    "203.0.113.7");
	/* a long chain: the walk keeps two addresses whatever its length */
	buf_init(&chain, 1 << 20);
	buf_puts(&chain, "6.6.6.6, 198.51.100.1");
	for (int i = 0; i < 2000; i++)
		buf_printf(&chain, ", 10.0.%d.%d", i / 256, i % 256);
	assert_string_equal(pick(&l, "127.0.0.1", chain.data, chain.data, NULL), "198.51.100.1");
	buf_release(&chain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_accepts),
		cmocka_unit_test(list_refuses),
		cmocka_unit_test(ranges),
		cmocka_unit_test(normalized),
		cmocka_unit_test(untrusted_peers_are_not_believed),
		cmocka_unit_test(chains),
		cmocka_unit_test(garbage_keeps_the_peer),
		cmocka_unit_test(several_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
