/*
 * test_concurrency.c - what only several clients at once can show:
 *  - concurrent PUTs with the same If-Match: exactly one wins, the others
 *    get 412, and the record holds the winner's data;
 *  - paging through a listing while another client inserts: every record
 *    that existed before is seen exactly once, in order.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"
#include "server.h"

static const char *bin;
static struct test_server srv;
static char cookie[200], csrf[120];

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	assert_true(test_data_dir(&srv, bin));
	assert_true(test_add_user(&srv, "alice", "resident", "pw-alice-correct-horse"));
	assert_true(test_server_start(&srv, "--threads", "4", NULL));
	assert_int_equal(client_login(srv.base, "alice", "pw-alice-correct-horse", cookie,
				      sizeof(cookie), csrf, sizeof(csrf)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(test_server_stop(&srv, true), 0);
	curl_global_cleanup();
	return 0;
}

static long call(const char *method, const char *path, const char *if_match, const char *body,
		 struct resp *r)
{
	char im[64];
	const char *hdr[] = {cookie, csrf, "Content-Type: application/json", im, NULL};

	if (if_match)
		snprintf(im, sizeof(im), "If-Match: %s", if_match);
	else
		hdr[3] = NULL;
	if (client_request(srv.base, method, path, hdr, body, body ? strlen(body) : 0, r) != 0)
		return -1;
	return r->status;
}

struct put_job {
	char path[128];
	int n;
	long status;
};

static void *put_worker(void *p)
{
	struct put_job *j = p;
	char body[256];
	struct resp r;

	snprintf(body, sizeof(body),
		 "{\"date\":\"2024-01-01\",\"amount\":%d,\"currency\":\"EUR\",\"label\":\"writer %d\"}",
		 j->n, j->n);
	j->status = call("PUT", j->path, "\"r1\"", body, &r);
	client_free(&r);
	return NULL;
}

static void concurrent_puts_one_wins(void **state)
{
	const char *b = "{\"date\":\"2024-01-01\",\"amount\":0,\"currency\":\"EUR\",\"label\":\"start\"}";
	struct put_job jobs[8];
	pthread_t t[8];
	struct resp r;
	int wins = 0, winner = -1;
	char label[32];

	(void)state;
	assert_int_equal(call("POST", "/api/v1/records/bank.transaction", NULL, b, &r), 201);
	for (int i = 0; i < 8; i++) {
		snprintf(jobs[i].path, sizeof(jobs[i].path), "/api/v1/records/bank.transaction/%s",
			 json_string_value(json_object_get(r.json, "id")));
		jobs[i].n = i + 1;
	}
	client_free(&r);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, put_worker, &jobs[i]);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 8; i++) {
		if (jobs[i].status == 200) {
			wins++;
			winner = i;
		} else {
			assert_int_equal(jobs[i].status, 412);
		}
	}
	assert_int_equal(wins, 1);
	assert_int_equal(call("GET", jobs[0].path, NULL, NULL, &r), 200);
	snprintf(label, sizeof(label), "writer %d", winner + 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "data"), "label")), label);
	assert_int_equal(json_integer_value(json_object_get(r.json, "rev")), 2);
	client_free(&r);
}

static volatile int inserting;

static void *inserter(void *p)
{
	int *count = p;
	char body[256];
	struct resp r;

	while (inserting) {
		/* dates spread over the range being paged */
		snprintf(body, sizeof(body),
			 "{\"date\":\"2023-%02d-%02d\",\"amount\":-1,\"currency\":\"EUR\",\"label\":\"new\"}",
			 1 + *count % 12, 1 + *count % 28);
		if (call("POST", "/api/v1/records/bank.transaction", NULL, body, &r) == 201)
			(*count)++;
		client_free(&r);
	}
	return NULL;
}

static void paging_is_stable_under_inserts(void **state)
{
	enum { N = 120 };
	static char ids[N][40];
	static int seen[N];
	char body[256], path[1024], prev_date[16] = "";
	char *cursor = NULL;
	int inserted = 0, pages = 0, total = 0;
	pthread_t t;
	struct resp r;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(body, sizeof(body),
			 "{\"date\":\"2023-%02d-%02d\",\"amount\":%d,\"currency\":\"EUR\",\"label\":\"old\"}",
			 1 + i % 12, 1 + i % 28, i);
		assert_int_equal(call("POST", "/api/v1/records/bank.transaction", NULL, body, &r), 201);
		snprintf(ids[i], sizeof(ids[i]), "%s", json_string_value(json_object_get(r.json, "id")));
		client_free(&r);
	}
	inserting = 1;
	pthread_create(&t, NULL, inserter, &inserted);
	do {
		json_t *items, *it;
		size_t i;

		if (cursor)
			snprintf(path, sizeof(path),
				 "/api/v1/records/bank.transaction?sort=date&limit=7&filter.amount.gte=0&to=2024-01-01&cursor=%s",
				 cursor);
		else
			snprintf(path, sizeof(path),
				 "/api/v1/records/bank.transaction?sort=date&limit=7&filter.amount.gte=0&to=2024-01-01");
		free(cursor);
		cursor = NULL;
		assert_int_equal(call("GET", path, NULL, NULL, &r), 200);
		items = json_object_get(r.json, "items");
		json_array_foreach(items, i, it) {
			const char *id = json_string_value(json_object_get(it, "id"));
			const char *date = json_string_value(json_pointer(it, "/data/date"));
			int found = 0;

			assert_true(strcmp(prev_date, date) <= 0); /* in order */
			snprintf(prev_date, sizeof(prev_date), "%s", date);
			for (int k = 0; k < N; k++) {
				if (strcmp(ids[k], id) == 0) {
					seen[k]++;
					found = 1;
				}
			}
			assert_true(found);
			total++;
		}
		if (json_is_string(json_object_get(r.json, "next_cursor")))
			cursor = strdup(json_string_value(json_object_get(r.json, "next_cursor")));
		client_free(&r);
		pages++;
		/* let the inserter interleave between pages */
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	} while (cursor);
	inserting = 0;
	pthread_join(t, NULL);
	assert_true(inserted > 10); /* the pages really raced with inserts */
	assert_int_equal(total, N);
	for (int k = 0; k < N; k++)
		assert_int_equal(seen[k], 1);
	assert_true(pages >= N / 7);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concurrent_puts_one_wins),
		cmocka_unit_test(paging_is_stable_under_inserts),
	};

	if (argc != 2)
		return 2;
	bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
