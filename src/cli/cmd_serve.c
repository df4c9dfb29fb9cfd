/*
 * cmd_serve.c - `commune serve`: the HTTP server until SIGTERM or SIGINT.
 *
 * Signals are blocked in every thread and taken by the main thread with
 * sigwait, so shutdown runs in ordinary code: let go of requests waiting
 * for import jobs, stop accepting, let requests in flight finish, stop the
 * import jobs (the file being imported finishes, the rest fail, the spool
 * is emptied), close the stores.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account/ratelimit.h"
#include "api/api.h"
#include "api/api_upload.h"
#include "apps/app.h"
#include "campaign/campaign.h"
#include "cli/cli.h"
#include "import/import.h"
#include "rules/rules.h"
#include "consent/access.h"
#include "datamap/datamap.h"
#include "govern/govern.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/proxy.h"
#include "import/jobs.h"
#include "series/series.h"
#include "version.h"

static bool uint_opt(const char *name, const char *v, unsigned max, unsigned *out)
{
	int64_t n;

	if (!v)
		return true;
	if (str_to_i64(v, 1, max, &n) != CMN_OK) {
		fprintf(stderr, "commune: %s must be an integer from 1 to %u\n", name, max);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

/* bytes_opt - a size in bytes, with an optional K, M or G suffix (powers
 * of 1024), from 1 KiB to max. */
static bool bytes_opt(const char *name, const char *v, uint64_t max, uint64_t *out)
{
	char num[32];
	size_t n = v ? strlen(v) : 0;
	uint64_t unit = 1;
	int64_t x;

	if (!v)
		return true;
	if (n && strchr("kKmMgG", v[n - 1])) {
		unit = v[n - 1] == 'k' || v[n - 1] == 'K'   ? 1024ULL
		       : v[n - 1] == 'm' || v[n - 1] == 'M' ? 1024ULL * 1024
							    : 1024ULL * 1024 * 1024;
		n--;
	}
	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	if (str_to_i64(num, 1, (int64_t)(max / unit), &x) != CMN_OK || (uint64_t)x * unit < 1024)
		goto bad;
	*out = (uint64_t)x * unit;
	return true;
bad:
	fprintf(stderr, "commune: %s must be a size from 1K to %lluG (bytes, or with K, M or G)\n",
		name, (unsigned long long)(max >> 30));
	return false;
}

/* default_web_dir - ./web when run from the source tree, else the
 * installed share directory. */
static const char *default_web_dir(void)
{
	if (access("web/index.html", R_OK) == 0)
		return "web";
	if (access(COMMUNE_WEB_DIR "/index.html", R_OK) == 0)
		return COMMUNE_WEB_DIR;
	return NULL;
}

/* imported - after an import job's file: the apps the new data wakes */
static void imported(void *arg, struct pstore *ps, const char *person_id,
		     const struct import_job *job)
{
	(void)person_id;
	app_after_import(arg, ps, job->written, job->nwritten);
}

int cmd_serve(int argc, char **argv)
{
	const char *listen = NULL, *data = NULL, *threads = NULL, *web = NULL, *maxconn = NULL,
		   *rto = NULL, *idle = NULL, *maxbody = NULL, *nolog = NULL, *secure = NULL,
		   *perip = NULL, *maxupload = NULL, *uto = NULL, *workers = NULL, *queue = NULL,
		   *certified = NULL, *store = NULL, *trusted = NULL, *vote_min = NULL;
	const struct cli_opt opts[] = {
		{"--listen", true, &listen},
		{"--data", true, &data},
		{"--store", true, &store},
		{"--threads", true, &threads},
		{"--web", true, &web},
		{"--max-connections", true, &maxconn},
		{"--max-per-ip", true, &perip},
		{"--trusted-proxy", true, &trusted},
		{"--request-timeout", true, &rto},
		{"--idle-timeout", true, &idle},
		{"--max-body", true, &maxbody},
		{"--max-upload", true, &maxupload},
		{"--upload-timeout", true, &uto},
		{"--import-workers", true, &workers},
		{"--import-queue", true, &queue},
		{"--vote-min-seconds", true, &vote_min},
		{"--no-access-log", false, &nolog},
		{"--secure-cookies", false, &secure},
		{"--apps-certified-only", false, &certified},
		{NULL, false, NULL},
	};
	struct server_config cfg;
	struct http_server *srv = NULL;
	struct cli_env env;
	struct app app = {0};
	struct import_jobs_config jcfg = {0};
	struct app_env apps = {0};
	struct rule_set rules = {0};
	struct app_scheduler *scheduler = NULL;
	struct portability_reminder *reminder = NULL;
	struct proxy_list proxies = {0}; /* read by the server's threads until it stops */
	unsigned body_kib = CMN_MAX_BODY_BYTES / 1024;
	sigset_t set;
	int npos, sig = 0;
	enum cmn_rc rc;

	server_config_defaults(&cfg);
	if (!cli_parse(argc, argv, 2, opts, NULL, 0, &npos))
		return EXIT_USAGE;
	if (listen)
		cfg.listen = listen;
	if (!uint_opt("--threads", threads, 256, &cfg.threads) ||
	    !uint_opt("--max-connections", maxconn, 100000, &cfg.max_connections) ||
	    !uint_opt("--max-per-ip", perip, 100000, &cfg.max_per_ip) ||
	    !uint_opt("--request-timeout", rto, 3600, &cfg.request_timeout_s) ||
	    !uint_opt("--idle-timeout", idle, 3600, &cfg.idle_timeout_s) ||
	    !uint_opt("--max-body", maxbody, CMN_MAX_BODY_BYTES / 1024, &body_kib) ||
	    !bytes_opt("--max-upload", maxupload, 64ULL << 30, &cfg.max_upload) ||
	    !uint_opt("--upload-timeout", uto, 86400, &cfg.upload_timeout_s) ||
	    !uint_opt("--import-workers", workers, 64, &jcfg.workers) ||
	    !uint_opt("--import-queue", queue, 4096, &jcfg.queue) ||
	    !cli_vote_min(vote_min, &app.vote_min_ms))
		return EXIT_USAGE;
	cfg.max_body = (size_t)body_kib * 1024;
	cfg.access_log = !nolog;
	if (trusted) {
		char err[200];

		if (proxy_list_parse(&proxies, trusted, err, sizeof(err)) != CMN_OK)
			return cli_error("--trusted-proxy: %s; give IP addresses and ranges "
					 "separated by commas, e.g. 127.0.0.1,::1,10.0.0.0/8",
					 err),
			       EXIT_USAGE;
		cfg.trusted = &proxies;
	}
	{
		char sa[128];
		unsigned salen;

		if (http_parse_listen(cfg.listen, sa, &salen) != CMN_OK)
			return cli_error("--listen must be HOST:PORT with an IP address, e.g. "
					 "127.0.0.1:8080 or [::1]:8080"),
			       EXIT_USAGE;
	}
	/* block the signals before any thread starts: they inherit the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	cli_set_store(store);
	if (!cli_open(&env, data))
		return EXIT_USER;
	app.store = env.store;
	app.keys = &env.keys;
	app.registry = &env.registry;
	app.limits = ratelimit_new(env.store);
	app.web_dir = web ? web : default_web_dir();
	app.secure_cookies = secure != NULL;
	app.apps_certified_only = certified != NULL;
	app.started = time_now_ms();
	if (!attest_keys_load(env.dir, env.store, &app.issuers, &app.nissuers)) {
		cli_close(&env);
		return EXIT_USER;
	}
	{
		char err[300];

		if (rule_set_load(&rules, err, sizeof(err)) != CMN_OK) {
			attest_keys_free(app.issuers, app.nissuers);
			cli_close(&env);
			return cli_error("eligibility rules: %s", err);
		}
		app.rules = &rules;
	}
	apps.store = env.store;
	apps.keys = &env.keys;
	apps.reg = &env.registry;
	apps.certified_only = app.apps_certified_only;
	jcfg.data_dir = env.dir;
	jcfg.store = env.store;
	jcfg.reg = &env.registry;
	jcfg.imported = imported;
	jcfg.imported_arg = &apps;
	/* the spool holds a few full uploads at most, whatever the queue */
	jcfg.max_spool = cfg.max_upload * 4;
	rc = app.limits ? api_init() : CMN_ERR_NOMEM;
	if (rc == CMN_OK)
		rc = access_log_start(&app.access, env.store);
	if (rc == CMN_OK && (rc = import_jobs_start(&app.jobs, &jcfg)) != CMN_OK) {
		cli_error("cannot start the import jobs: %s (is %s/%s writable?)", cmn_strerror(rc),
			  env.dir, IMPORT_SPOOL_DIR);
		access_log_stop(&app.access);
		ratelimit_free(&app.limits);
		api_release();
		rule_set_release(&rules);
		attest_keys_free(app.issuers, app.nissuers);
		cli_close(&env);
		return EXIT_USER;
	}
	cfg.stream = api_upload_stream;
	cfg.stream_cls = &app;
	if (rc == CMN_OK) {
		/* publications a stop cut short of their participants' chains */
		size_t told = campaign_tell_pending(env.store);

		if (told)
			log_info("%zu participants told of a publication made before the last stop",
				 told);
	}
	if (rc == CMN_OK) {
		/* audit entries a failure or a stop kept from their chains */
		size_t written = 0, batch = 0;
		enum cmn_rc d;

		do { /* 256 at a time, until none is left or a chain fails */
			d = store_audit_deliver(env.store, NULL, &batch);
			written += batch;
		} while (d == CMN_OK && batch);
		if (written)
			log_info("%zu audit entries kept before the last stop written", written);
	}
	if (rc == CMN_OK)
		rc = app_scheduler_start(&apps, 0, &scheduler);
	if (rc == CMN_OK)
		rc = portability_reminder_start(env.store, 0, &reminder);
	if (rc == CMN_OK)
		rc = http_server_start(&srv, &cfg, api_handle, &app);
	if (rc != CMN_OK) {
		app_scheduler_stop(&scheduler);
		portability_reminder_stop(&reminder);
		cli_error("cannot listen on %s: %s", cfg.listen,
			  rc == CMN_ERR_IO ? "address in use or not available" : cmn_strerror(rc));
		import_jobs_stop(&app.jobs);
		access_log_stop(&app.access);
		ratelimit_free(&app.limits);
		api_release();
		rule_set_release(&rules);
		attest_keys_free(app.issuers, app.nissuers);
		cli_close(&env);
		return EXIT_USER;
	}
	{
		char where[160];

		if (strchr(cfg.listen, '[')) {
			snprintf(where, sizeof(where), "%.*s:%u",
				 (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen,
				 http_server_port(srv));
		} else {
			snprintf(where, sizeof(where), "%.*s:%u",
				 (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen,
				 http_server_port(srv));
		}
		printf("commune: listening on http://%s (data %s)\n", where, env.dir);
		fflush(stdout);
		log_info("listening on http://%s", where);
		if (app.vote_min_ms != GOVERN_VOTE_MIN_DEFAULT_MS)
			log_info("a vote lasts at least %lld s (--vote-min-seconds)",
				 (long long)(app.vote_min_ms / 1000));
		if (proxies.n)
			log_info("X-Forwarded-For is read from the peers of --trusted-proxy (%zu "
				 "addresses and ranges)",
				 proxies.n);
	}
	while (sigwait(&set, &sig) != 0)
		;
	log_info("signal %d: finishing requests in flight", sig);
	import_jobs_drain(app.jobs);
	http_server_stop(&srv);
	app_scheduler_stop(&scheduler);
	portability_reminder_stop(&reminder);
	import_jobs_stop(&app.jobs);
	access_log_stop(&app.access); /* after the server: every read served is written */
	series_zone_release();
	api_release();
	ratelimit_free(&app.limits);
	rule_set_release(&rules);
	attest_keys_free(app.issuers, app.nissuers);
	cli_close(&env);
	log_info("stopped");
	return 0;
}
