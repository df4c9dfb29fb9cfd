/*
 * grant_setup.c - for bench/consent/run.sh: on a data directory holding a
 * person (made by `commune user add`), and before `commune serve` starts
 * on it, makes a service, a grant of the person to it (BENCH_GRANT_TERMS
 * of world.h) and an access token bound to the grant.
 *
 *   grant_setup DATA_DIR HANDLE [TTL_S]      # token lives TTL_S s (default 86400)
 *
 * Prints one line: "grant=ID client=ID token=cat_..." (the token is a
 * secret of a throw-away data directory).
 */
#include <stdio.h>
#include <stdlib.h>

#include "world.h"

int main(int argc, char **argv)
{
	struct bench_world w;
	long ttl_s = argc > 3 ? strtol(argv[3], NULL, 10) : 86400;
	bool ok;

	if (argc < 3 || argc > 4 || ttl_s <= 0) {
		fprintf(stderr, "usage: %s DATA_DIR HANDLE [TTL_S]\n", argv[0]);
		return 2;
	}
	if (!bench_world_open(&w, argv[1]))
		return 1;
	ok = bench_world_service(&w, argv[2], (int64_t)ttl_s * 1000);
	if (ok)
		printf("grant=%s client=%s token=%s\n", w.grant_id, w.client.id, w.token);
	bench_world_close(&w);
	return ok ? 0 : 1;
}
