/*
 * app.h - apps that come to the data: packages (a manifest and Lua
 * sources in one JSON file), their certification by the territory's
 * operator, and runs in a sandbox inside the person's store
 * (docs/apps.md).
 *
 * A run is one transaction on the person's store: what the app wrote is
 * kept only when the run ends well, and replaces what its previous run
 * wrote; its reads and writes are summed up in one "app.run" entry of
 * the person's audit chain.
 */
#ifndef COMMUNE_APPS_APP_H
#define COMMUNE_APPS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/limits.h"
#include "core/result.h"
#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"

#define APP_ID_MAX 48                     /* [a-z0-9-], starting with a letter */
#define APP_VERSION_MAX 32                /* MAJOR.MINOR.PATCH */
#define APP_PACKAGE_MAX (4 * 1024 * 1024) /* bytes of a package */
#define APP_FILES_MAX 32
#define APP_MAX_READ 16                   /* doctypes read */
#define APP_MAX_WRITE 8                   /* doctypes written */
#define APP_MAX_DATASETS 8
#define APP_MAX_TRIGGERS 8
#define APP_MAX_FIELDS 32                 /* fields per doctype read */
#define APP_FIELD_MAX 64

/* the hard limits of a run; a manifest may ask for less, never more */
#define APP_MEM_MAX (64 * 1024 * 1024)    /* bytes the Lua state may hold */
#define APP_INSTR_MAX 500000000ULL        /* Lua VM instructions */
#define APP_WALL_MAX_MS 10000             /* wall-clock milliseconds */
#define APP_MEM_DEFAULT (32 * 1024 * 1024)
#define APP_INSTR_DEFAULT 200000000ULL
#define APP_WALL_DEFAULT_MS 5000

enum app_trigger_kind { APP_ON_DEMAND, APP_ON_DATA, APP_ON_SCHEDULE };

struct app_read {
	char doctype[CMN_DOCTYPE_NAME_MAX + 1];
	size_t nfields;                   /* 0: every field */
	char fields[APP_MAX_FIELDS][APP_FIELD_MAX + 1];
};

struct app_manifest {
	char id[APP_ID_MAX + 1];
	char version[APP_VERSION_MAX + 1];
	char entry[64];                   /* the Lua file run, "main.lua" */
	size_t nread, nwrite, ndatasets, ntriggers;
	struct app_read read[APP_MAX_READ];
	char write[APP_MAX_WRITE][CMN_DOCTYPE_NAME_MAX + 1];
	char datasets[APP_MAX_DATASETS][64];
	struct {
		enum app_trigger_kind kind;
		char doctype[CMN_DOCTYPE_NAME_MAX + 1]; /* APP_ON_DATA */
		char every[8];                /* APP_ON_SCHEDULE: "day", "week", "month" */
	} triggers[APP_MAX_TRIGGERS];
	size_t mem_bytes;                 /* the run's limits */
	uint64_t instructions;
	int64_t wall_ms;
};

/* A package read into memory: its manifest and its files. */
struct app_package {
	struct app_manifest m;
	json_t *doc;                      /* the whole package (owned) */
	char sha256[65];                  /* of the package's exact bytes */
};

/* app_package_parse - checks and reads a package's bytes: JSON of
 * {"format": "commune-app/1", "manifest": {...}, "files": {name: text}},
 * with every doctype known to reg. CMN_ERR_INVALID with the first fault
 * in err (a JSON pointer, then why). Release with app_package_release. */
enum cmn_rc app_package_parse(const char *bytes, size_t n, const struct registry *reg,
			      struct app_package *out, char *err, size_t errn);
void app_package_release(struct app_package *p);

/* app_package_file - the text of a file of the package, or NULL. */
const char *app_package_file(const struct app_package *p, const char *name);

/* app_pack - a package's bytes from a directory holding manifest.json and
 * the files it names (its entry, its optional ui), or from the sources of
 * an app shipped with commune (dir "builtin:coach-co2"): canonical JSON
 * (keys sorted), so that the same sources give the same bytes. malloc'd. */
enum cmn_rc app_pack(const char *dir, const struct registry *reg, char **bytes, size_t *n,
		     char *err, size_t errn);

/* app_sign - the operator's certificate of a package: a JWS (EdDSA, the
 * platform key) over {"app", "version", "sha256"}. malloc'd. */
char *app_sign(const struct keyring *k, const struct app_package *p);

/* app_certificate_check - whether jws certifies exactly p's bytes (its
 * signature by the platform key, its app, version and digest). */
bool app_certificate_check(const struct keyring *k, const char *jws, const struct app_package *p);

/* What a run did. */
enum app_outcome {
	APP_OK,
	APP_ERR_SCRIPT,                   /* a Lua error (message in .error) */
	APP_ERR_MEMORY,                   /* over its memory */
	APP_ERR_INSTRUCTIONS,             /* over its instructions */
	APP_ERR_DEADLINE,                 /* over its wall-clock time */
	APP_ERR_PERMISSION,               /* outside its manifest's permissions */
	APP_ERR_INVALID,                  /* wrote something its doctype refuses */
	APP_ERR_STORE,                    /* the store failed */
};

struct app_run {
	enum app_outcome outcome;
	char error[300];
	uint64_t instructions;
	size_t mem_peak;
	int64_t elapsed_us;
	int64_t records_read, points_read, records_written, records_replaced;
	json_t *result;                   /* what run() returned, as JSON, or NULL (owned) */
	json_t *log;                      /* the lines of commune.log, or NULL (owned) */
};

/* The host: what a run may reach. */
struct app_host {
	struct pstore *ps;
	const struct registry *reg;
	const char *actor;                /* "app:ID@VERSION" in the chain */
	const char *trigger;              /* "demand", "data", "schedule" */
	const json_t *params;             /* given to run(ctx) as ctx.params, or NULL */
	int64_t now;                      /* ms */
	bool kept;                        /* the run's row among the app's runs too */
};

/* app_run - runs p's entry in a fresh sandbox on host's store: loads it,
 * calls its global run(ctx), and appends "app.run" to the chain (and, when
 * host->kept, the run's row to the app's runs) either way. A run that ends
 * well keeps its writes with its entry and its row in one transaction; one
 * that ends badly keeps nothing but its entry and its row, in another.
 * CMN_OK when the run was made and told, whatever its outcome (in out;
 * release it); an error, with nothing changed and nothing in out to
 * release, when the store failed (during the run, or to keep or tell it). */
enum cmn_rc app_run(const struct app_package *p, const struct app_host *host, struct app_run *out);

/* app_run_on - app_run, where the datasets the app reads are those of the
 * platform store when the operator loaded one of their name there
 * (docs/opendata.md), the bundled ones otherwise (platform NULL: always). */
enum cmn_rc app_run_on(const struct app_package *p, const struct app_host *host,
		       struct store *platform, struct app_run *out);
void app_run_release(struct app_run *r);

/* app_outcome_name - "ok", "script-error", "memory", "instructions",
 * "deadline", "permission", "invalid-output", "store". */
const char *app_outcome_name(enum app_outcome o);

/*
 * Installed apps: the rules around a run.
 */
struct app_env {
	struct store *store;
	const struct keyring *keys;       /* the platform key, which certifies */
	const struct registry *reg;
	bool certified_only;              /* the platform runs certified apps only */
};

enum app_cert_state { APP_CERT_NONE, APP_CERT_VALID, APP_CERT_REVOKED };

/* app_cert_state - whether the operator certified p's exact bytes (and
 * has not revoked it). */
enum app_cert_state app_cert_state(struct store *s, const struct keyring *k,
				   const struct app_package *p);

/* app_certified_only, app_set_certified_only - whether only certified apps
 * run in this person's store (always when the platform says so). */
bool app_certified_only(struct pstore *ps, bool platform);
enum cmn_rc app_set_certified_only(struct pstore *ps, bool on);

/* app_install - checks a package, refuses it if revoked or, where only
 * certified apps run, uncertified (CMN_ERR_FORBIDDEN with err), keeps it
 * in person_id's store ps ("app.install") and sets its schedules. out is
 * the package read. */
enum cmn_rc app_install(const struct app_env *env, const char *person_id, struct pstore *ps,
			const char *bytes, size_t n, const char *actor, struct app_package *out,
			char *err, size_t errn);

/* app_remove - uninstalls an app of person_id ("app.remove"), with its
 * schedules; what it wrote stays. CMN_ERR_NOT_FOUND if not installed. */
enum cmn_rc app_remove(const struct app_env *env, const char *person_id, struct pstore *ps,
		       const char *id, const char *actor);

/* app_load_installed - an installed app's package (CMN_ERR_NOT_FOUND if
 * none; CMN_ERR_CONFLICT with err if it no longer passes the checks). */
enum cmn_rc app_load_installed(const struct app_env *env, struct pstore *ps, const char *id,
			       struct app_package *out, char *err, size_t errn);

/* app_run_installed - runs an installed app when the rules allow it now
 * (a revoked certificate stops it everywhere: CMN_ERR_FORBIDDEN with err)
 * and keeps the run for the person to see. */
enum cmn_rc app_run_installed(const struct app_env *env, struct pstore *ps, const char *id,
			      const char *trigger, const json_t *params, struct app_run *out,
			      char *err, size_t errn);

/*
 * Triggers (triggers.c): new data and schedules.
 */

/* app_after_import - runs the person's apps that a data trigger wakes for
 * one of the doctypes an import wrote (a failing app never fails the
 * import); how many ran. */
size_t app_after_import(const struct app_env *env, struct pstore *ps,
			const char (*written)[CMN_DOCTYPE_NAME_MAX + 1], size_t n);

/* app_schedule_next - the next run of a schedule ("day", "week", "month")
 * after now: 03:00 in Paris the next day, the next Monday, the first of
 * the next month. */
int64_t app_schedule_next(const char *every, int64_t now);

/* app_schedule_install - (re)sets the schedules of p for person_id. */
enum cmn_rc app_schedule_install(const struct app_env *env, const char *person_id,
				 const struct app_package *p, int64_t now);

/* app_schedule_tick - runs the scheduled apps due at now (at most 100),
 * each then set to its next time; how many ran into *ran (may be NULL). */
enum cmn_rc app_schedule_tick(const struct app_env *env, int64_t now, size_t *ran);

/* app_scheduler_start, app_scheduler_stop - a thread that ticks every
 * period_ms (0: 30 s) until stopped. */
struct app_scheduler;
enum cmn_rc app_scheduler_start(const struct app_env *env, unsigned period_ms,
				struct app_scheduler **out);
void app_scheduler_stop(struct app_scheduler **s);

/* app_dataset - an open dataset bundled with commune, as JSON text
 * (NULL when unknown); app_dataset_known says whether name is one. */
const char *app_dataset(const char *name, size_t *len);
bool app_dataset_known(const char *name);

/* app_dataset_current - the dataset name as an app gets it: the latest
 * version the operator loaded into the platform store under that name when
 * there is one (platform may be NULL), else the bundled one; JSON text
 * (malloc'd, the caller frees) with its length in *len, or NULL when
 * neither exists (or on a memory failure). */
char *app_dataset_current(struct store *platform, const char *name, size_t *len);

#endif
