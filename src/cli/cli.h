/*
 * cli.h - shared pieces of the command line: option parsing, the data
 * directory, and the exit codes (0 success, 1 user error, 2 usage error).
 */
#ifndef COMMUNE_CLI_CLI_H
#define COMMUNE_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypt.h"
#include "record/doctype.h"
#include "store/store.h"

#define EXIT_USER 1
#define EXIT_USAGE 2

struct cli_opt {
	const char *name;                 /* "--listen" */
	bool has_arg;
	const char **value;               /* receives the argument (or "1") */
};

/* cli_parse - fills opts from argv[first..]; positionals go to pos (at most
 * maxpos). Returns false (after printing why) on a usage error. */
bool cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
	       int maxpos, int *npos);

/* The opened data directory: keys, platform store and doctype registry. */
struct cli_env {
	const char *dir;
	struct keyring keys;
	struct store *store;
	struct registry registry;
};

/* cli_data_dir - the data directory: --data (data_opt, may be NULL), else
 * $COMMUNE_DATA, else ./commune-data. */
const char *cli_data_dir(const char *data_opt);

/* cli_open - resolves --data / $COMMUNE_DATA / ./commune-data, creates it
 * if needed, and opens everything: DATA/master.key (made only when the
 * store has no key yet), the doctype registry and the store, which must
 * be the key's. Prints the reason on failure, in one line. */
bool cli_open(struct cli_env *env, const char *data_opt);

/* cli_set_store - where the store is, for cli_open: a postgres:// URL
 * (--store of commune serve), or NULL for $COMMUNE_STORE, else the data
 * directory. The data directory keeps the keys and the uploads either way. */
void cli_set_store(const char *where);

/* cli_store_where - the store cli_open opens: cli_set_store's, else
 * $COMMUNE_STORE, else dir */
const char *cli_store_where(const char *dir);

/* cli_close - closes what cli_open opened. */
void cli_close(struct cli_env *env);

/* cli_error - prints "commune: MESSAGE" on stderr; returns EXIT_USER. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_vote_min - the shortest vote of a proposal, in ms, from the value of
 * --vote-min-seconds (v; NULL: GOVERN_VOTE_MIN_DEFAULT_MS): an integer from
 * 1 to the longest vote (90 days). Prints why and returns false otherwise. */
bool cli_vote_min(const char *v, int64_t *ms);

/* cli_read_secret - reads one line from stdin into out (no newline). */
bool cli_read_secret(char *out, size_t n);

int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_doctype(int argc, char **argv);
int cmd_series(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_consent(int argc, char **argv);
int cmd_app(int argc, char **argv);
int cmd_attest(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_govern(int argc, char **argv);
int cmd_datamap(int argc, char **argv);
int cmd_portability(int argc, char **argv);
int cmd_opendata(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);

struct es256_key;

/* attest_keys_load - the attestation issuer keys of the data directory dir:
 * DATA/issuer.key (the active one, made when absent for a store that
 * records none) first, then those of DATA/issuer-keys/ kept after a
 * rotation. The active key must be the one store s records (its first one
 * is recorded). Prints why and returns false on failure. Free them with
 * attest_keys_free. */
bool attest_keys_load(const char *dir, struct store *s, struct es256_key ***keys, size_t *n);
void attest_keys_free(struct es256_key **keys, size_t n);

#endif
