/*
 * rng.c - the random bytes the samplers draw on: libsodium's CSPRNG for
 * real releases, a ChaCha20 keystream from a fixed seed for tests, so that
 * a goodness-of-fit test sees the same draws on every run and machine.
 *
 * This file is on every sample path: no floating point (docs/privacy.md;
 * tests/unit/test_dp.c checks it, and GCC on x86-64 refuses any below).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC target("general-regs-only")
#endif

#include <string.h>

#include <sodium.h>

#include "dp/dp.h"

void dp_rng_system(struct dp_rng *r)
{
	sodium_memzero(r, sizeof(*r));
	r->kind = DP_RNG_SYSTEM;
}

void dp_rng_chacha20(struct dp_rng *r, const uint8_t seed[32])
{
	sodium_memzero(r, sizeof(*r));
	r->kind = DP_RNG_CHACHA20;
	memcpy(r->key, seed, sizeof(r->key));
	r->used = sizeof(r->buf);        /* empty: the first draw refills */
}

void dp_rng_release(struct dp_rng *r)
{
	sodium_memzero(r, sizeof(*r));
}

/* refill - the next blocks of the keystream (64 bytes a block) into buf */
static void refill(struct dp_rng *r)
{
	static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];

	memset(r->buf, 0, sizeof(r->buf));
	crypto_stream_chacha20_xor_ic(r->buf, r->buf, sizeof(r->buf), nonce, r->block, r->key);
	r->block += sizeof(r->buf) / 64;
	r->used = 0;
}

void dp_rng_bytes(struct dp_rng *r, void *out, size_t n)
{
	uint8_t *p = out;
	size_t take;

	if (r->kind == DP_RNG_SYSTEM) {
		randombytes_buf(out, n);
		return;
	}
	while (n > 0) {
		if (r->used == sizeof(r->buf))
			refill(r);
		take = sizeof(r->buf) - r->used;
		if (take > n)
			take = n;
		memcpy(p, r->buf + r->used, take);
		sodium_memzero(r->buf + r->used, take);
		r->used += take;
		p += take;
		n -= take;
	}
}
