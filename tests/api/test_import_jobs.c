/*
 * test_import_jobs.c - import jobs through multipart uploads, on a real
 * server: a multi-MB Enedis load curve uploaded (by libcurl's own form
 * code), its job polled until done with monotonic progress and exact
 * counts; two files of which one is bad (the good one imported, the bad one
 * refused with its line and column); the same upload again (nothing
 * changes, duplicates counted); the upload cap (413, by Content-Length and
 * chunked); the bounded queue (503 with Retry-After); spool files (0600,
 * gone after the job); who may see a job; and stops: SIGTERM while a job
 * runs (clean exit, spool emptied, the running file finished) and SIGKILL
 * (after a restart the spool is empty and no job is running).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"
#include "server.h"

#define BIG_POINTS 200000                 /* about 6 MB of CSV */
#define BOUNDARY "test-boundary-7MA4YWxkTrZu0gW"

static const char *bin;
static char big_path[300];                /* the generated load curve */
static long big_size;

struct who {
	char auth[200];                   /* "Authorization: Bearer cmn_..." */
};

/* ---- the load curve ------------------------------------------------------- */

/* last_sunday - 01:00 UTC on the last Sunday of a month (0-based) with 31 days. */
static time_t last_sunday(int year, int mon)
{
	struct tm tm = {0};
	time_t t;

	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = 31;
	tm.tm_hour = 1;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return t - (time_t)tm.tm_wday * 86400;
}

/* paris_offset_h - the UTC offset of Europe/Paris at t (EU rules since 1996). */
static int paris_offset_h(time_t t)
{
	struct tm tm;
	int y;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	return t >= last_sunday(y, 2) && t < last_sunday(y, 9) ? 2 : 1;
}

/* write_curve - an Enedis load curve of n half-hours from 2010 (meter prm). */
static long write_curve(const char *path, const char *prm, long n)
{
	FILE *f = fopen(path, "w");
	time_t t = 1262300400; /* 2009-12-31T23:00:00Z, midnight in Paris */
	long size;

	if (!f)
		return -1;
	fprintf(f, "\xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur "
		   "physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n%s;Courbe de "
		   "charge;01/01/2010;01/01/2030;Energie active;Consommation;Comptage Brut;W;30\n"
		   "Horodate;Valeur\n", prm);
	for (long i = 0; i < n; i++) {
		int off;
		time_t local;
		struct tm tm;

		t += 1800; /* the line stamps the end of its half-hour */
		off = paris_offset_h(t);
		local = t + off * 3600;
		gmtime_r(&local, &tm);
		fprintf(f, "%04d-%02d-%02dT%02d:%02d:00+0%d:00;%ld\n", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, off, (i * 7919) % 10000);
	}
	size = ftell(f);
	fclose(f);
	return size;
}

static const char bad_csv[] = "Identifiant PRM;Type de donnees;Unite;Pas en minutes\n"
			      "99999999999999;Courbe de charge;W;30\nHorodate;Valeur\n"
			      "2024-01-02T00:30:00+01:00;284\n2024-01-02T01:00:00+01:00;abc\n";

static const char small_csv[] = "Identifiant PRM;Type de donnees;Unite;Pas en minutes\n"
				"55555555555555;Courbe de charge;W;30\nHorodate;Valeur\n"
				"2024-01-02T00:30:00+01:00;284\n2024-01-02T01:00:00+01:00;300\n";

/* ---- requests ------------------------------------------------------------- */

static void person(const struct test_server *s, const char *handle, struct who *w)
{
	char pw[128], cookie[300], csrf[200];
	const char *hdr[] = {"Content-Type: application/json", cookie, csrf, NULL};
	const char *body = "{\"name\":\"jobs\"}";
	struct resp r;

	snprintf(pw, sizeof(pw), "pw-%s-correct-horse", handle);
	assert_int_equal(client_login(s->base, handle, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)),
			 0);
	assert_int_equal(client_request(s->base, "POST", "/api/v1/tokens", hdr, body, strlen(body), &r),
			 0);
	assert_int_equal(r.status, 201);
	snprintf(w->auth, sizeof(w->auth), "Authorization: Bearer %s",
		 json_string_value(json_object_get(r.json, "token")));
	client_free(&r);
}

static void get(const struct test_server *s, const struct who *w, const char *path, struct resp *r)
{
	const char *hdr[] = {w ? w->auth : "X-Nobody: 1", NULL};

	assert_int_equal(client_request(s->base, "GET", path, hdr, NULL, 0, r), 0);
}

/* A multipart body built here, byte by byte. */
struct form {
	char *data;
	size_t len;
};

static void form_add(struct form *f, const char *name, const char *filename, const char *data,
		     size_t n)
{
	char head[512];
	int h = snprintf(head, sizeof(head),
			 "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"%s%s%s\r\n"
			 "Content-Type: text/csv\r\n\r\n",
			 name, filename ? "; filename=\"" : "", filename ? filename : "",
			 filename ? "\"" : "");

	f->data = realloc(f->data, f->len + (size_t)h + n + 2);
	assert_non_null(f->data);
	memcpy(f->data + f->len, head, (size_t)h);
	memcpy(f->data + f->len + h, data, n);
	memcpy(f->data + f->len + h + n, "\r\n", 2);
	f->len += (size_t)h + n + 2;
}

static void form_end(struct form *f)
{
	const char *end = "--" BOUNDARY "--\r\n";

	f->data = realloc(f->data, f->len + strlen(end));
	assert_non_null(f->data);
	memcpy(f->data + f->len, end, strlen(end));
	f->len += strlen(end);
}

static void post_form(const struct test_server *s, const struct who *w, const struct form *f,
		      const char *prefer, struct resp *r)
{
	const char *hdr[] = {w->auth, "Content-Type: multipart/form-data; boundary=" BOUNDARY,
			     prefer ? prefer : "X-Prefer: none", NULL};

	assert_int_equal(client_request(s->base, "POST", "/api/v1/imports", hdr, f->data, f->len, r),
			 0);
}

/* post_files - uploads files from disk with libcurl's own multipart code. */
static void post_files(const struct test_server *s, const struct who *w, const char *const *paths,
		       size_t n, struct resp *r)
{
	CURL *c = curl_easy_init();
	curl_mime *mime = curl_mime_init(c);
	struct curl_slist *h = curl_slist_append(NULL, w->auth);
	char url[128];
	FILE *body = tmpfile();
	long len;

	assert_non_null(body);
	for (size_t i = 0; i < n; i++) {
		curl_mimepart *p = curl_mime_addpart(mime);

		curl_mime_name(p, "file");
		curl_mime_filedata(p, paths[i]);
	}
	snprintf(url, sizeof(url), "%s/api/v1/imports", s->base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	memset(r, 0, sizeof(*r));
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	len = ftell(body);
	rewind(body);
	r->body = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(r->body, 1, (size_t)len, body), (size_t)len);
	r->len = (size_t)len;
	r->json = json_loadb(r->body, r->len, 0, NULL);
	fclose(body);
	curl_slist_free_all(h);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
}

static json_int_t jint(json_t *root, const char *ptr)
{
	json_t *v = json_pointer(root, ptr);

	if (!json_is_integer(v))
		fail_msg("no integer at %s", ptr);
	return json_integer_value(v);
}

static const char *jstr(json_t *root, const char *ptr)
{
	json_t *v = json_pointer(root, ptr);

	if (!json_is_string(v))
		fail_msg("no string at %s", ptr);
	return json_string_value(v);
}

static int status_rank(const char *st)
{
	return strcmp(st, "queued") == 0 ? 0 : strcmp(st, "running") == 0 ? 1 : 2;
}

/*
 * poll_job - reads the job until it is finished; checks that its status
 * and every file's progress only move forward. Returns the last answer's
 * JSON (caller frees); *midway gets the answers seen with a file midway.
 */
static json_t *poll_job(const struct test_server *s, const struct who *w, const char *id,
			int *midway)
{
	char path[128];
	json_int_t last_done[16] = {0};
	int last_rank = 0, seen = 0;
	json_t *job = NULL;

	snprintf(path, sizeof(path), "/api/v1/imports/%s", id);
	for (int i = 0; i < 200000; i++) {
		struct resp r;
		size_t k;
		json_t *f;
		int rank;

		get(s, w, path, &r);
		assert_int_equal(r.status, 200);
		rank = status_rank(jstr(r.json, "/status"));
		assert_true(rank >= last_rank);
		last_rank = rank;
		json_array_foreach(json_object_get(r.json, "files"), k, f) {
			json_int_t done = json_integer_value(json_object_get(f, "bytes_done"));
			json_int_t total = json_integer_value(json_object_get(f, "bytes_total"));

			assert_true(k < 16);
			assert_true(done >= last_done[k]);
			assert_true(done <= total);
			if (done > 0 && done < total)
				seen++;
			last_done[k] = done;
		}
		if (rank == 2) {
			job = json_incref(r.json);
			client_free(&r);
			break;
		}
		client_free(&r);
		usleep(2000);
	}
	assert_non_null(job);
	if (midway)
		*midway = seen;
	return job;
}

/* spool_in - the spooled files (*.part) under dir and its directories (a
 * server's own spool, DATA/uploads/ID), the mode of one in *mode */
static int spool_in(const char *dir, mode_t *mode)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char p[700];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n += spool_in(p, mode);
		else if (len > 5 && strcmp(e->d_name + len - 5, ".part") == 0) {
			if (mode)
				*mode = st.st_mode & 0777;
			n++;
		}
	}
	closedir(d);
	return n;
}

static int spool_files(const struct test_server *s, mode_t *mode)
{
	char dir[400];

	snprintf(dir, sizeof(dir), "%s/uploads", s->dir);
	return spool_in(dir, mode);
}

/* spool_entries - what DATA/uploads holds at all (spools, their locks) */
static int spool_entries(const struct test_server *s)
{
	char dir[400];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/uploads", s->dir);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void start(struct test_server *s, ...)
{
	const char *args[12] = {NULL};
	va_list ap;
	int n = 0;

	va_start(ap, s);
	while (n < 11 && (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	assert_true(test_server_start(s, args[0], args[1], args[2], args[3], args[4], args[5],
				      args[6], args[7], args[8], args[9], args[10], NULL));
}

static void fresh(struct test_server *s)
{
	assert_true(test_data_dir(s, bin));
	assert_true(test_add_user(s, "alice", "resident", "pw-alice-correct-horse"));
	assert_true(test_add_user(s, "bob", "resident", "pw-bob-correct-horse"));
}

/* ---- the tests ------------------------------------------------------------ */

static void big_upload_then_again(void **state)
{
	struct test_server s;
	struct who alice, bob;
	const char *paths[] = {big_path};
	struct resp r;
	json_t *job;
	char id[40], path[128], loc[128];
	int midway = 0;

	(void)state;
	fresh(&s);
	start(&s, NULL);
	person(&s, "alice", &alice);
	person(&s, "bob", &bob);

	post_files(&s, &alice, paths, 1, &r);
	assert_int_equal(r.status, 202);
	snprintf(id, sizeof(id), "%s", jstr(r.json, "/id"));
	assert_int_equal(strlen(id), 32);
	assert_true(strcmp(jstr(r.json, "/status"), "queued") == 0 ||
		    strcmp(jstr(r.json, "/status"), "running") == 0 ||
		    strcmp(jstr(r.json, "/status"), "done") == 0);
	assert_string_equal(jstr(r.json, "/files/0/name"), "big.csv");
	assert_string_equal(jstr(r.json, "/files/0/format"), "enedis-csv");
	assert_int_equal(jint(r.json, "/files/0/bytes_total"), big_size);
	client_free(&r);

	job = poll_job(&s, &alice, id, &midway);
	print_message("job read %d time(s) midway\n", midway);
	assert_string_equal(jstr(job, "/status"), "done");
	assert_string_equal(jstr(job, "/files/0/status"), "done");
	assert_int_equal(jint(job, "/files/0/bytes_done"), big_size);
	assert_int_equal(jint(job, "/files/0/counts/points_added"), BIG_POINTS);
	assert_int_equal(jint(job, "/files/0/counts/series_created"), 1);
	assert_int_equal(jint(job, "/files/0/counts/points_unchanged"), 0);
	assert_true(json_is_null(json_pointer(job, "/files/0/error")));
	/* the file's import: the same counts, under the id the job names */
	snprintf(path, sizeof(path), "/api/v1/imports/%s", jstr(job, "/files/0/import"));
	get(&s, &alice, path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "/status"), "done");
	assert_string_equal(jstr(r.json, "/name"), "big.csv");
	assert_int_equal(jint(r.json, "/stats/points_added"), BIG_POINTS);
	client_free(&r);
	json_decref(job);
	assert_int_equal(spool_files(&s, NULL), 0);

	get(&s, &alice, "/api/v1/series", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(r.json, "/items/0/points"), BIG_POINTS);
	client_free(&r);

	/* again: nothing changes, every point counted as already there */
	post_files(&s, &alice, paths, 1, &r);
	assert_int_equal(r.status, 202);
	snprintf(id, sizeof(id), "%s", jstr(r.json, "/id"));
	client_free(&r);
	job = poll_job(&s, &alice, id, NULL);
	assert_string_equal(jstr(job, "/status"), "done");
	assert_int_equal(jint(job, "/files/0/counts/points_added"), 0);
	assert_int_equal(jint(job, "/files/0/counts/points_replaced"), 0);
	assert_int_equal(jint(job, "/files/0/counts/points_unchanged"), BIG_POINTS);
	assert_int_equal(jint(job, "/files/0/counts/series_created"), 0);
	json_decref(job);
	get(&s, &alice, "/api/v1/series", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_int_equal(jint(r.json, "/items/0/points"), BIG_POINTS);
	client_free(&r);

	/* the jobs are listed with the imports, to their person only */
	get(&s, &alice, "/api/v1/imports", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "jobs")), 2);
	assert_string_equal(jstr(r.json, "/jobs/0/id"), id);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	client_free(&r);
	snprintf(path, sizeof(path), "/api/v1/imports/%s", id);
	get(&s, &bob, path, &r);
	assert_int_equal(r.status, 404);
	client_free(&r);
	get(&s, NULL, path, &r);
	assert_int_equal(r.status, 401);
	client_free(&r);
	get(&s, &bob, "/api/v1/imports", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "jobs")), 0);
	client_free(&r);

	/* the job answers where Location said */
	{
		struct form f = {NULL, 0};

		form_add(&f, "file", "small.csv", small_csv, strlen(small_csv));
		form_end(&f);
		post_form(&s, &alice, &f, NULL, &r);
		free(f.data);
		assert_int_equal(r.status, 202);
		assert_non_null(client_header(&r, "Location", loc, sizeof(loc)));
		snprintf(path, sizeof(path), "/api/v1/imports/%s", jstr(r.json, "/id"));
		assert_string_equal(loc, path);
		client_free(&r);
	}
	assert_int_equal(test_server_stop(&s, true), 0);
}

static void one_good_one_bad(void **state)
{
	struct test_server s;
	struct who alice;
	struct form f = {NULL, 0};
	struct resp r;
	json_t *job;

	(void)state;
	fresh(&s);
	start(&s, NULL);
	person(&s, "alice", &alice);
	form_add(&f, "file", "good.csv", small_csv, strlen(small_csv));
	form_add(&f, "file", "bad.csv", bad_csv, strlen(bad_csv));
	form_add(&f, "format", NULL, "enedis-csv", 10);
	form_end(&f);
	post_form(&s, &alice, &f, NULL, &r);
	free(f.data);
	assert_int_equal(r.status, 202);
	job = poll_job(&s, &alice, jstr(r.json, "/id"), NULL);
	client_free(&r);
	assert_string_equal(jstr(job, "/status"), "failed");
	assert_string_equal(jstr(job, "/files/0/name"), "good.csv");
	assert_string_equal(jstr(job, "/files/0/status"), "done");
	assert_int_equal(jint(job, "/files/0/counts/points_added"), 2);
	assert_string_equal(jstr(job, "/files/1/name"), "bad.csv");
	assert_string_equal(jstr(job, "/files/1/status"), "failed");
	assert_string_equal(jstr(job, "/files/1/format"), "enedis-csv");
	assert_int_equal(jint(job, "/files/1/error/line"), 5);
	assert_int_equal(jint(job, "/files/1/error/column"), 27);
	assert_non_null(strstr(jstr(job, "/files/1/error/message"), "power"));
	assert_true(json_is_null(json_pointer(job, "/files/1/counts")));
	json_decref(job);
	/* the good one is in the store, nothing of the bad one */
	get(&s, &alice, "/api/v1/series", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_int_equal(jint(r.json, "/items/0/points"), 2);
	assert_string_equal(jstr(r.json, "/items/0/key"), "55555555555555");
	client_free(&r);
	assert_int_equal(spool_files(&s, NULL), 0);
	assert_int_equal(test_server_stop(&s, true), 0);
}

/* raw - sends a request over a socket; returns the answer (static). */
static const char *raw(const struct test_server *s, const char *head, size_t body_bytes,
		       bool chunked)
{
	static char resp[8192];
	static char piece[65536];
	int fd = test_dial(s->port);
	size_t got = 0;

	assert_true(fd >= 0);
	memset(piece, 'x', sizeof(piece));
	send(fd, head, strlen(head), MSG_NOSIGNAL);
	for (size_t sent = 0; sent < body_bytes; sent += sizeof(piece)) {
		char line[32];
		size_t n = body_bytes - sent < sizeof(piece) ? body_bytes - sent : sizeof(piece);

		if (chunked) {
			snprintf(line, sizeof(line), "%zx\r\n", n);
			send(fd, line, strlen(line), MSG_NOSIGNAL);
		}
		if (send(fd, piece, n, MSG_NOSIGNAL) <= 0)
			break; /* the server may answer and close early */
		if (chunked)
			send(fd, "\r\n", 2, MSG_NOSIGNAL);
	}
	if (chunked)
		send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
	for (;;) {
		ssize_t n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
		resp[got] = '\0';
		if (strstr(resp, "\r\n\r\n") && strstr(resp, "}"))
			break;
	}
	resp[got] = '\0';
	close(fd);
	return resp;
}

static void over_the_upload_cap(void **state)
{
	struct test_server s;
	struct who alice;
	char head[600];
	const char *resp;

	(void)state;
	fresh(&s);
	start(&s, "--max-upload", "2M", NULL);
	person(&s, "alice", &alice);
	/* by Content-Length: at once */
	snprintf(head, sizeof(head),
		 "POST /api/v1/imports HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: "
		 "multipart/form-data; boundary=" BOUNDARY "\r\nContent-Length: 3145728\r\n\r\n",
		 alice.auth);
	resp = raw(&s, head, 0, false);
	assert_non_null(strstr(resp, "HTTP/1.1 413"));
	assert_non_null(strstr(resp, "application/problem+json"));
	assert_non_null(strstr(resp, "urn:commune:problem:body-too-large"));
	/* chunked: once the rest has been read and dropped */
	snprintf(head, sizeof(head),
		 "POST /api/v1/imports HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: "
		 "multipart/form-data; boundary=" BOUNDARY "\r\nTransfer-Encoding: chunked\r\n\r\n",
		 alice.auth);
	resp = raw(&s, head, 3 * 1024 * 1024, true);
	assert_non_null(strstr(resp, "HTTP/1.1 413"));
	assert_non_null(strstr(resp, "urn:commune:problem:body-too-large"));
	assert_int_equal(spool_files(&s, NULL), 0);
	/* under the cap, the same server takes a file of more than the body cap */
	{
		struct form f = {NULL, 0};
		char *csv = malloc(1100 * 1024);
		struct resp r;
		size_t n = 0;

		assert_non_null(csv);
		n += (size_t)snprintf(csv, 200, "%s", small_csv);
		while (n < 1024 * 1024 + 10)
			csv[n++] = '#';
		form_add(&f, "file", "padded.csv", csv, n);
		form_end(&f);
		free(csv);
		post_form(&s, &alice, &f, "Prefer: wait=10", &r);
		free(f.data);
		assert_int_equal(r.status, 201);
		assert_int_equal(jint(r.json, "/files/0/bytes_total"), (json_int_t)n);
		client_free(&r);
	}
	assert_int_equal(test_server_stop(&s, true), 0);
}

/* big_job - uploads n copies of the big file in one job; its id in id. */
static void big_job(const struct test_server *s, const struct who *w, size_t n, char id[40])
{
	const char *paths[8];
	struct resp r;

	for (size_t i = 0; i < n; i++)
		paths[i] = big_path;
	post_files(s, w, paths, n, &r);
	assert_int_equal(r.status, 202);
	snprintf(id, 40, "%s", jstr(r.json, "/id"));
	client_free(&r);
}

/* wait_running - until the job runs (a worker has it). */
static void wait_running(const struct test_server *s, const struct who *w, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/imports/%s", id);
	for (int i = 0; i < 5000; i++) {
		struct resp r;
		bool running;

		get(s, w, path, &r);
		running = strcmp(jstr(r.json, "/status"), "running") == 0;
		client_free(&r);
		if (running)
			return;
		usleep(1000);
	}
	fail_msg("the job never ran");
}

static void queue_is_bounded(void **state)
{
	struct test_server s;
	struct who alice;
	struct form f = {NULL, 0};
	struct resp r;
	char a[40], b[40], retry[16];
	mode_t mode = 0;
	json_t *job;

	(void)state;
	fresh(&s);
	start(&s, "--import-workers", "1", "--import-queue", "1", NULL);
	person(&s, "alice", &alice);
	big_job(&s, &alice, 8, a);
	wait_running(&s, &alice, a);
	form_add(&f, "file", "small.csv", small_csv, strlen(small_csv));
	form_end(&f);
	post_form(&s, &alice, &f, NULL, &r);
	assert_int_equal(r.status, 202);
	snprintf(b, sizeof(b), "%s", jstr(r.json, "/id"));
	assert_string_equal(jstr(r.json, "/status"), "queued");
	client_free(&r);
	/* the queued job's file waits in the spool, readable by the server only */
	assert_true(spool_files(&s, &mode) >= 1);
	assert_int_equal(mode, 0600);
	post_form(&s, &alice, &f, NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.headers, "application/problem+json"));
	assert_string_equal(jstr(r.json, "/type"), "urn:commune:problem:server-busy");
	assert_non_null(client_header(&r, "Retry-After", retry, sizeof(retry)));
	assert_true(strtol(retry, NULL, 10) > 0);
	client_free(&r);
	free(f.data);
	job = poll_job(&s, &alice, a, NULL);
	assert_string_equal(jstr(job, "/status"), "done");
	json_decref(job);
	job = poll_job(&s, &alice, b, NULL);
	assert_string_equal(jstr(job, "/status"), "done");
	json_decref(job);
	assert_int_equal(spool_files(&s, NULL), 0);
	assert_int_equal(test_server_stop(&s, true), 0);
}

static void sigterm_while_running(void **state)
{
	struct test_server s;
	struct who alice;
	struct resp r;
	char a[40], path[128];
	size_t i;
	json_t *item;

	(void)state;
	fresh(&s);
	start(&s, NULL);
	person(&s, "alice", &alice);
	big_job(&s, &alice, 8, a);
	wait_running(&s, &alice, a);
	/* the file being imported finishes, the others fail, the spool empties */
	assert_int_equal(test_server_stop(&s, false), 0);
	assert_int_equal(spool_files(&s, NULL), 0);
	start(&s, NULL);
	snprintf(path, sizeof(path), "/api/v1/imports/%s", a);
	get(&s, &alice, path, &r);
	assert_int_equal(r.status, 404); /* jobs live in the server's memory */
	client_free(&r);
	get(&s, &alice, "/api/v1/imports", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "jobs")), 0);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		assert_string_equal(json_string_value(json_object_get(item, "status")), "done");
	client_free(&r);
	assert_int_equal(test_server_stop(&s, true), 0);
}

/* Two servers on one data directory (several processes behind a proxy):
 * the second one's start leaves the first one's spooled files alone, the
 * first one's job finishes whole, and each takes its spool away when it
 * stops. */
static void two_servers_one_spool(void **state)
{
	struct test_server a, b;
	struct who alice;
	char id[40], cmd[400];
	json_t *job, *f;
	size_t i;

	(void)state;
	fresh(&a);
	start(&a, "--import-workers", "1", NULL);
	person(&a, "alice", &alice);
	big_job(&a, &alice, 8, id);
	wait_running(&a, &alice, id);
	assert_true(spool_files(&a, NULL) >= 1); /* the files still waiting */
	memset(&b, 0, sizeof(b));
	b.bin = a.bin;
	snprintf(b.dir, sizeof(b.dir), "%s", a.dir);
	start(&b, NULL);
	job = poll_job(&a, &alice, id, NULL);
	assert_string_equal(jstr(job, "/status"), "done");
	json_array_foreach(json_object_get(job, "files"), i, f)
		assert_string_equal(json_string_value(json_object_get(f, "status")), "done");
	assert_int_equal(json_array_size(json_object_get(job, "files")), 8);
	json_decref(job);
	assert_int_equal(test_server_stop(&b, false), 0);
	assert_int_equal(spool_entries(&a), 2); /* a's spool and its lock */
	assert_int_equal(test_server_stop(&a, false), 0);
	assert_int_equal(spool_entries(&a), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", a.dir);
	assert_int_equal(system(cmd), 0);
}

static void sigkill_while_running(void **state)
{
	struct test_server s;
	struct who alice;
	struct resp r;
	char a[40], path[128];
	size_t i;
	json_t *item;

	(void)state;
	fresh(&s);
	start(&s, NULL);
	person(&s, "alice", &alice);
	big_job(&s, &alice, 8, a);
	wait_running(&s, &alice, a);
	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	s.pid = 0;
	assert_true(spool_files(&s, NULL) > 0); /* left behind by the killed server */
	start(&s, NULL);
	assert_int_equal(spool_files(&s, NULL), 0); /* swept at start */
	snprintf(path, sizeof(path), "/api/v1/imports/%s", a);
	get(&s, &alice, path, &r);
	assert_int_equal(r.status, 404);
	client_free(&r);
	/* what finished before the kill is there; the file cut short left nothing */
	get(&s, &alice, "/api/v1/imports", &r);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		assert_string_equal(json_string_value(json_object_get(item, "status")), "done");
	client_free(&r);
	get(&s, &alice, "/api/v1/audit/verify", &r);
	assert_int_equal(r.status, 200);
	client_free(&r);
	assert_int_equal(test_server_stop(&s, true), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(big_upload_then_again),
		cmocka_unit_test(one_good_one_bad),
		cmocka_unit_test(over_the_upload_cap),
		cmocka_unit_test(queue_is_bounded),
		cmocka_unit_test(sigterm_while_running),
		cmocka_unit_test(two_servers_one_spool),
		cmocka_unit_test(sigkill_while_running),
	};
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMUNE_BINARY\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	snprintf(dir, sizeof(dir), "%s/commune-jobs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 2;
	snprintf(big_path, sizeof(big_path), "%s/big.csv", dir);
	big_size = write_curve(big_path, "12345678901234", BIG_POINTS);
	if (big_size <= 0)
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	unlink(big_path);
	rmdir(dir);
	return failed;
}
