/*
 * sqlite_platform.c - the platform store in SQLite: persons, organisations,
 * sessions, API tokens, the doctype registry, the failure counters and what
 * the store records of itself (platform_meta), in dir/platform.db.
 */
#include "store/sqlite/sqlite_int.h"
#include "store/store_attest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"

static const char *const platform_migrations[] = {
	/* 1: accounts, sessions, tokens, doctypes */
	"CREATE TABLE orgs ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE persons ("
	"  id TEXT PRIMARY KEY, handle TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
	"  org_id TEXT REFERENCES orgs(id), pwhash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
	"CREATE TABLE sessions ("
	"  hash TEXT PRIMARY KEY,"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE INDEX sessions_person ON sessions(person_id);"
	"CREATE TABLE tokens ("
	"  id TEXT PRIMARY KEY,"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX tokens_person ON tokens(person_id);"
	"CREATE TABLE doctypes ("
	"  name TEXT PRIMARY KEY, version INTEGER NOT NULL, definition TEXT NOT NULL,"
	"  updated INTEGER NOT NULL);",
	/* 2: consent: services (OAuth clients) of organisations, grants
	 * given by persons with their status history, blocks of services,
	 * and the OAuth codes and tokens (kept by hash) bound to a grant */
	"CREATE TABLE clients ("
	"  id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),"
	"  name TEXT NOT NULL, secret_hash TEXT, metadata TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX clients_org ON clients(org_id);"
	"CREATE TABLE blocks ("
	"  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  by_org TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,"
	"  PRIMARY KEY (client_id, by_org));"
	"CREATE TABLE grants ("
	"  id TEXT PRIMARY KEY,"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  grantee_kind TEXT NOT NULL, grantee_id TEXT NOT NULL, body TEXT NOT NULL,"
	"  status TEXT NOT NULL, valid_from INTEGER NOT NULL, valid_until INTEGER,"
	"  uses INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX grants_person ON grants(person_id, created);"
	"CREATE INDEX grants_grantee ON grants(grantee_kind, grantee_id);"
	"CREATE TABLE grant_events ("
	"  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL,"
	"  actor TEXT NOT NULL, PRIMARY KEY (grant_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE oauth_codes ("
	"  hash TEXT PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
	"  redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0, family TEXT);"
	"CREATE TABLE oauth_tokens ("
	"  hash TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	"  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
	"  family TEXT NOT NULL, expires INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);"
	"CREATE INDEX oauth_tokens_family ON oauth_tokens(family);",
	/* 3: shares opened with their passcode, per session */
	"CREATE TABLE share_unlocks ("
	"  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,"
	"  session_hash TEXT NOT NULL, until INTEGER NOT NULL,"
	"  PRIMARY KEY (grant_id, session_hash)) WITHOUT ROWID;",
	/* 4: the secret links of shares by link, kept by hash */
	"CREATE TABLE share_links ("
	"  hash TEXT PRIMARY KEY,"
	"  grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE) WITHOUT ROWID;",
	/* 5: the views served of shares with a number of views */
	"ALTER TABLE grants ADD COLUMN views INTEGER NOT NULL DEFAULT 0;",
	/* 6: the operator's certificates of app packages (sqlite_apps.c) */
	"CREATE TABLE app_certs (sha256 TEXT PRIMARY KEY, app_id TEXT NOT NULL,"
	"  version TEXT NOT NULL, jws TEXT NOT NULL, signed_at INTEGER NOT NULL,"
	"  revoked_at INTEGER) WITHOUT ROWID;"
	"CREATE INDEX app_certs_by_app ON app_certs(app_id, version);",
	/* 7: when the apps with a schedule run next (src/apps/triggers.c) */
	"CREATE TABLE app_schedules (person_id TEXT NOT NULL REFERENCES persons(id)"
	"  ON DELETE CASCADE, app_id TEXT NOT NULL, every TEXT NOT NULL,"
	"  next_at INTEGER NOT NULL, PRIMARY KEY (person_id, app_id, every)) WITHOUT ROWID;"
	"CREATE INDEX app_schedules_due ON app_schedules(next_at);",
	/* 8: the status list of attestations: one index each, revoked or not
	 * (kept when a person goes: their attestations are then revoked) */
	"CREATE TABLE status_entries (idx INTEGER PRIMARY KEY, person_id TEXT NOT NULL,"
	"  attestation_id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, revoked_at INTEGER);"
	"CREATE INDEX status_entries_by_person ON status_entries(person_id);",
	/* 9: campaigns (sqlite_campaign.c): definitions and states, who
	 * joined, the releases kept for the register of differencing, the
	 * persons' privacy budgets, and the districts of the territory */
	"CREATE TABLE districts (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE campaigns (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id),"
	"  state INTEGER NOT NULL, spec TEXT NOT NULL, created INTEGER NOT NULL,"
	"  decided INTEGER NOT NULL DEFAULT 0, decided_by TEXT NOT NULL DEFAULT '',"
	"  computed INTEGER NOT NULL DEFAULT 0, published INTEGER NOT NULL DEFAULT 0,"
	"  results TEXT, csv TEXT);"
	"CREATE INDEX campaigns_by_org ON campaigns(org_id, created);"
	"CREATE TABLE campaign_parts (campaign_id TEXT NOT NULL REFERENCES campaigns(id),"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  grant_id TEXT NOT NULL, joined INTEGER NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0,"
	"  counted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (campaign_id, person_id)) WITHOUT ROWID;"
	"CREATE INDEX campaign_parts_by_person ON campaign_parts(person_id);"
	"CREATE TABLE releases (campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id),"
	"  at INTEGER NOT NULL, count INTEGER NOT NULL, digest BLOB NOT NULL,"
	"  ids BLOB NOT NULL, cells BLOB NOT NULL);"
	"CREATE TABLE budgets (person_id TEXT PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,"
	"  eps_micro INTEGER NOT NULL,"
	"  delta_pico INTEGER NOT NULL) WITHOUT ROWID;",
	/* 10: governance bodies (sqlite_govern.c): statutes, members,
	 * proposals and votes, and each body's signed decision register */
	"CREATE TABLE gov_bodies (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL UNIQUE,"
	"  statutes TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE gov_members (body_id TEXT NOT NULL REFERENCES gov_bodies(id),"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  college TEXT NOT NULL, joined INTEGER NOT NULL, left_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (body_id, person_id)) WITHOUT ROWID;"
	"CREATE TABLE gov_proposals (id TEXT PRIMARY KEY,"
	"  body_id TEXT NOT NULL REFERENCES gov_bodies(id), by_person TEXT NOT NULL,"
	"  subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, secret INTEGER NOT NULL,"
	"  state INTEGER NOT NULL, created INTEGER NOT NULL, closes INTEGER NOT NULL,"
	"  decided INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL, tally TEXT);"
	"CREATE INDEX gov_proposals_by_body ON gov_proposals(body_id, created);"
	"CREATE INDEX gov_proposals_by_subject ON gov_proposals(subject_kind, subject_id, created);"
	"CREATE TABLE gov_votes (proposal_id TEXT NOT NULL REFERENCES gov_proposals(id),"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  choice TEXT NOT NULL, at INTEGER NOT NULL,"
	"  PRIMARY KEY (proposal_id, person_id)) WITHOUT ROWID;"
	"CREATE TABLE gov_register (body_id TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  at INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, prev TEXT NOT NULL,"
	"  hash TEXT NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (body_id, seq)) WITHOUT ROWID;",
	/* 11: the k of each release, which a later release must respect too */
	"ALTER TABLE releases ADD COLUMN k INTEGER NOT NULL DEFAULT 11;",
	/* 12: the territory's data map and the persons' portability requests (issue 11) */
	"CREATE TABLE datamap_holders (id TEXT PRIMARY KEY, pos INTEGER NOT NULL,"
	"  name TEXT NOT NULL, body TEXT NOT NULL, loaded INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE portability_requests (id TEXT PRIMARY KEY,"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  holder_id TEXT NOT NULL, kind TEXT NOT NULL, doctypes TEXT NOT NULL,"
	"  state INTEGER NOT NULL, letter TEXT NOT NULL, created INTEGER NOT NULL,"
	"  sent INTEGER NOT NULL DEFAULT 0, deadline INTEGER NOT NULL DEFAULT 0,"
	"  reminded INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0,"
	"  import_id TEXT NOT NULL DEFAULT '', answer TEXT);"
	"CREATE INDEX portability_by_person ON portability_requests(person_id, created);"
	"CREATE INDEX portability_due ON portability_requests(deadline)"
	"  WHERE state = 1 AND reminded = 0;",
	/* 13: the debate of a proposal: threaded comments, hidden by
	 * moderation (sqlite_govern.c) */
	"CREATE TABLE gov_comments (id TEXT PRIMARY KEY,"
	"  proposal_id TEXT NOT NULL REFERENCES gov_proposals(id), parent_id TEXT NOT NULL,"
	"  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	"  text TEXT NOT NULL, at INTEGER NOT NULL, hidden_at INTEGER NOT NULL DEFAULT 0,"
	"  hidden_by TEXT NOT NULL DEFAULT '', hidden_reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX gov_comments_by_proposal ON gov_comments(proposal_id, at);",
	/* 14: proposals keep the statutes they are decided under, and a change
	 * of rules its new statutes; data-sharing agreements between a body
	 * and an organisation (sqlite_govern.c) */
	"ALTER TABLE gov_proposals ADD COLUMN statutes TEXT;"
	"ALTER TABLE gov_proposals ADD COLUMN new_statutes TEXT;"
	"CREATE TABLE gov_agreements (id TEXT PRIMARY KEY,"
	"  body_id TEXT NOT NULL REFERENCES gov_bodies(id),"
	"  org_id TEXT NOT NULL REFERENCES orgs(id), state INTEGER NOT NULL,"
	"  created INTEGER NOT NULL, starts INTEGER NOT NULL, ends INTEGER NOT NULL,"
	"  decided INTEGER NOT NULL DEFAULT 0, decided_by TEXT NOT NULL DEFAULT '',"
	"  ended INTEGER NOT NULL DEFAULT 0, spec TEXT NOT NULL);"
	"CREATE INDEX gov_agreements_by_body ON gov_agreements(body_id, created);"
	"CREATE INDEX gov_agreements_by_org ON gov_agreements(org_id, created);"
	/* one open proposal per subject, even for two submissions at once */
	"CREATE UNIQUE INDEX gov_proposals_one_open ON gov_proposals(subject_kind, subject_id)"
	"  WHERE state = 0;",
	/* 15: the territory's open datasets, a row per version of each
	 * (sqlite_opendata.c, issue 13) */
	"CREATE TABLE opendata (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	"  version INTEGER NOT NULL, source TEXT NOT NULL, licence TEXT NOT NULL,"
	"  loaded INTEGER NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,"
	"  content TEXT NOT NULL, UNIQUE (name, version));"
	"CREATE INDEX opendata_by_kind ON opendata(kind, id);",
	/* 16: the participants a publication has still to be told in their
	 * chains (told = 0): set with the publication, in its transaction,
	 * and cleared as each is told, so a crash in between is made good
	 * on the next start (campaign_tell_pending) */
	"ALTER TABLE campaign_parts ADD COLUMN told INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX campaign_parts_untold ON campaign_parts(campaign_id)"
	"  WHERE told = 0;",
	/* 17: entries of persons' audit chains still to be written
	 * (sqlite_later.c): made in the transaction of the change they tell,
	 * removed once in the chain */
	"CREATE TABLE audit_later (n INTEGER PRIMARY KEY, person_id TEXT NOT NULL,"
	"  at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	"  object TEXT NOT NULL, detail TEXT NOT NULL);"
	"CREATE INDEX audit_later_by_person ON audit_later(person_id, n);",
	/* 18: failure counters (store_limit_*), shared by every server
	 * process: a key's keyed hash, its failures, the end of its window */
	"CREATE TABLE limits (key BLOB PRIMARY KEY, count INTEGER NOT NULL,"
	"  until INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX limits_by_until ON limits(until);",
	/* 19: what the store records of itself (store_meta_*): the
	 * fingerprint of its platform key (store.c), the kid of the active
	 * attestation key */
	"CREATE TABLE platform_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
};

static void no_memstatus(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static enum cmn_rc mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return CMN_ERR_TOO_LARGE;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];

			path[i] = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return CMN_ERR_IO;
			path[i] = c;
		}
	}
	return CMN_OK;
}

static enum cmn_rc sq_open(struct store *s, const char *data_dir, bool create)
{
	/* no memory statistics: they take a global mutex on every allocation,
	 * which threads reading many stores (a campaign) contend for. Only
	 * possible before SQLite is first used in the process; later calls
	 * are refused, harmlessly. */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t n = strlen(data_dir) + 32;
	struct stat st;
	enum cmn_rc rc;
	bool missing;

	pthread_once(&once, no_memstatus);
	s->dir = strdup(data_dir);
	s->platform_path = malloc(n);
	if (!s->dir || !s->platform_path)
		return CMN_ERR_NOMEM;
	snprintf(s->platform_path, n, "%s/platform.db", data_dir);
	missing = stat(s->platform_path, &st) != 0 && errno == ENOENT;
	if (missing && !create)
		return CMN_ERR_NOT_FOUND;
	if (create) {
		snprintf(s->platform_path, n, "%s/persons", data_dir);
		rc = mkdir_p(s->platform_path);
		snprintf(s->platform_path, n, "%s/platform.db", data_dir);
		if (rc != CMN_OK)
			return rc;
	}
	if (missing) {
		struct conn first;

		if ((rc = conn_open(&first, s->platform_path, true)) != CMN_OK)
			return rc;
		conn_close(&first);
		chmod(s->platform_path, 0600);
	}
	return store_platform_conn(s) ? CMN_OK : CMN_ERR_STORE;
}

static enum cmn_rc sq_migrate(struct store *s)
{
	struct conn first;
	enum cmn_rc rc = conn_open(&first, s->platform_path, false);

	if (rc != CMN_OK)
		return rc;
	rc = conn_migrate(&first, platform_migrations,
			  (int)(sizeof(platform_migrations) / sizeof(*platform_migrations)));
	conn_close(&first);
	if (rc == CMN_OK)
		chmod(s->platform_path, 0600);
	return rc;
}

static void sq_close(struct store *s)
{
	free(s->dir);
	free(s->platform_path);
	free(s->blank);
	s->dir = s->platform_path = NULL;
	s->blank = NULL;
}

/* Person rows are always selected with these columns, in this order. */
#define PERSON_COLS \
	"p.id, p.handle, p.role, coalesce(o.name, ''), p.disabled, p.created, p.pwhash," \
	" coalesce(p.org_id, '')"
#define PERSON_FROM " FROM persons p LEFT JOIN orgs o ON o.id = p.org_id "

static void person_row(sqlite3_stmt *st, int at, struct person *p, char *pwhash)
{
	conn_text_col(st, at + 0, p->id, sizeof(p->id));
	conn_text_col(st, at + 1, p->handle, sizeof(p->handle));
	conn_text_col(st, at + 2, p->role, sizeof(p->role));
	conn_text_col(st, at + 3, p->org, sizeof(p->org));
	p->disabled = sqlite3_column_int(st, at + 4) != 0;
	p->created = sqlite3_column_int64(st, at + 5);
	if (pwhash)
		conn_text_col(st, at + 6, pwhash, CRYPT_PWHASH_LEN);
	conn_text_col(st, at + 7, p->org_id, sizeof(p->org_id));
}

static enum cmn_rc sq_person_add(struct store *s, const char *handle, const char *role,
			     const char *org, const char *pwhash, struct person *out)
{
	static const char q_org[] = "SELECT id FROM orgs WHERE name = ?";
	static const char q_ins[] = "INSERT INTO persons(id, handle, role, org_id, pwhash, created)"
				    " VALUES (?, ?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	char org_id[CRYPT_ID_LEN] = "";
	enum cmn_rc rc;
	int sr;

	if (!c)
		return CMN_ERR_STORE;
	if (org && *org) {
		if (!(st = conn_stmt(c, q_org)))
			return CMN_ERR_STORE;
		sqlite3_bind_text(st, 1, org, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
		if (sr == SQLITE_ROW)
			conn_text_col(st, 0, org_id, sizeof(org_id));
		sqlite3_reset(st);
		if (sr != SQLITE_ROW)
			return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	}
	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->handle, sizeof(out->handle), handle);
	str_copy(out->role, sizeof(out->role), role);
	str_copy(out->org, sizeof(out->org), org ? org : "");
	str_copy(out->org_id, sizeof(out->org_id), org_id);
	out->created = time_now_ms();
	/* the store file first: a person row never points to no store */
	rc = pstore_create(s, out->id);
	if (rc != CMN_OK)
		return rc;
	if (!(st = conn_stmt(c, q_ins)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, out->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
	if (*org_id)
		sqlite3_bind_text(st, 4, org_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, out->created);
	rc = conn_step_done(c, st);
	if (rc != CMN_OK) {
		char path[4096];

		if (store_person_path(s, out->id, path, sizeof(path)) == CMN_OK)
			unlink(path);
	}
	return rc;
}

static enum cmn_rc person_lookup(struct store *s, const char *sql, const char *key,
				 struct person *out, char *pwhash)
{
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	if (!c || !(st = conn_stmt(c, sql)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		person_row(st, 0, out, pwhash);
	sqlite3_reset(st);
	if (sr == SQLITE_ROW)
		return CMN_OK;
	return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
}

static enum cmn_rc sq_person_by_handle(struct store *s, const char *handle, struct person *out,
				   char pwhash[CRYPT_PWHASH_LEN])
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "WHERE p.handle = ?";

	return person_lookup(s, q, handle, out, pwhash);
}

static enum cmn_rc sq_person_by_id(struct store *s, const char *id, struct person *out,
			       char pwhash[CRYPT_PWHASH_LEN])
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "WHERE p.id = ?";

	return person_lookup(s, q, id, out, pwhash);
}

static enum cmn_rc sq_person_each(struct store *s,
			      enum cmn_rc (*fn)(const struct person *p, void *ctx), void *ctx)
{
	static const char q[] = "SELECT " PERSON_COLS PERSON_FROM "ORDER BY p.handle";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct person p;

		person_row(st, 0, &p, NULL);
		rc = fn(&p, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

enum cmn_rc store_auth_change(struct store *s, const char *sql, const char *a, const char *b,
			      bool changes_needed)
{
	enum cmn_rc rc;

	atomic_fetch_add(&s->auth_epoch, 1);
	rc = conn_run(store_platform_conn(s), sql, a, b, changes_needed);
	/* and after: a cache filled while the change was being made is dropped */
	atomic_fetch_add(&s->auth_epoch, 1);
	return rc;
}

static enum cmn_rc sq_person_set_disabled(struct store *s, const char *id, bool disabled)
{
	static const char q_on[] = "UPDATE persons SET disabled = 1 WHERE id = ?";
	static const char q_off[] = "UPDATE persons SET disabled = 0 WHERE id = ?";
	static const char q_end[] = "DELETE FROM sessions WHERE person_id = ?";
	enum cmn_rc rc = store_auth_change(s, disabled ? q_on : q_off, id, NULL, true);

	if (rc == CMN_OK && disabled)
		rc = store_auth_change(s, q_end, id, NULL, false);
	return rc;
}

static enum cmn_rc sq_person_set_role(struct store *s, const char *id, const char *role)
{
	static const char q[] = "UPDATE persons SET role = ?2 WHERE id = ?1";

	return store_auth_change(s, q, id, role, true);
}

static enum cmn_rc sq_person_set_password(struct store *s, const char *id, const char *pwhash,
				      const char *keep_session_hash)
{
	static const char q_pw[] = "UPDATE persons SET pwhash = ?2 WHERE id = ?1";
	static const char q_end[] = "DELETE FROM sessions WHERE person_id = ?1 AND hash <> ?2";
	struct conn *c = store_platform_conn(s);
	enum cmn_rc rc;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = conn_tx_begin(c)) != CMN_OK)
		return rc;
	rc = store_auth_change(s, q_pw, id, pwhash, true);
	if (rc == CMN_OK)
		rc = store_auth_change(s, q_end, id, keep_session_hash ? keep_session_hash : "", false);
	return conn_tx_end(c, rc);
}

static void unlink_store_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			log_warn("could not remove %s", p);
	}
}

/* remove_dir - removes a flat directory of blob files. */
static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[4400];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (unlink(p) != 0)
			log_warn("could not remove %s", p);
	}
	closedir(d);
	if (rmdir(path) != 0)
		log_warn("could not remove %s", path);
}

static enum cmn_rc sq_person_delete(struct store *s, const char *id)
{
	static const char q[] = "DELETE FROM persons WHERE id = ?";
	char path[4096];
	enum cmn_rc rc;

	rc = store_person_path(s, id, path, sizeof(path));
	if (rc != CMN_OK)
		return CMN_ERR_NOT_FOUND;
	rc = store_auth_change(s, q, id, NULL, true);
	if (rc != CMN_OK)
		return rc;
	/* what was attested of them no longer holds: revoked in the status list */
	if (store_status_revoke_person(s, id) != CMN_OK)
		log_warn("could not revoke the attestations of %s", id);
	/* other threads drop their handles before their next use */
	atomic_fetch_add(&s->epoch, 1);
	store_forget_person(s, id);
	unlink_store_files(path);
	if (store_blob_dir(s, id, path, sizeof(path)) == CMN_OK)
		remove_dir(path);
	return CMN_OK;
}

static enum cmn_rc sq_person_count(struct store *s, int64_t *out)
{
	static const char q[] = "SELECT count(*) FROM persons";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sr = sqlite3_step(st);
	*out = sr == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return sr == SQLITE_ROW ? CMN_OK : conn_err(c, sr);
}

static enum cmn_rc sq_org_add(struct store *s, const char *name, const char *kind, struct org *out)
{
	static const char q[] = "INSERT INTO orgs(id, name, kind, created) VALUES (?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->name, sizeof(out->name), name);
	str_copy(out->kind, sizeof(out->kind), kind);
	out->created = time_now_ms();
	sqlite3_bind_text(st, 1, out->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, out->created);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_org_each(struct store *s, enum cmn_rc (*fn)(const struct org *o, void *ctx),
			   void *ctx)
{
	static const char q[] = "SELECT id, name, kind, created FROM orgs ORDER BY name";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct org o;

		conn_text_col(st, 0, o.id, sizeof(o.id));
		conn_text_col(st, 1, o.name, sizeof(o.name));
		conn_text_col(st, 2, o.kind, sizeof(o.kind));
		o.created = sqlite3_column_int64(st, 3);
		rc = fn(&o, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_org_get(struct store *s, const char *id, struct org *out)
{
	static const char q[] = "SELECT id, name, kind, created FROM orgs WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		conn_text_col(st, 0, out->id, sizeof(out->id));
		conn_text_col(st, 1, out->name, sizeof(out->name));
		conn_text_col(st, 2, out->kind, sizeof(out->kind));
		out->created = sqlite3_column_int64(st, 3);
		rc = CMN_OK;
	} else {
		rc = sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	}
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_session_add(struct store *s, const char *token_hash, const char *person_id,
			      const char *csrf, int64_t now, int64_t expires)
{
	static const char q[] = "INSERT INTO sessions(hash, person_id, csrf, created, expires, "
				"last_seen) VALUES (?, ?, ?, ?, ?, ?)";
	static const char q_gc[] = "DELETE FROM sessions WHERE expires < ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q_gc)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	conn_step_done(c, st);
	if (!(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, expires);
	sqlite3_bind_int64(st, 6, now);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_session_get(struct store *s, const char *token_hash, int64_t now,
				  struct session *out)
{
	static const char q[] = "SELECT " PERSON_COLS ", x.csrf, x.created, x.expires, x.last_seen"
				" FROM sessions x JOIN persons p ON p.id = x.person_id"
				" LEFT JOIN orgs o ON o.id = p.org_id WHERE x.hash = ?";
	static const char q_touch[] = "UPDATE sessions SET last_seen = ? WHERE hash = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		person_row(st, 0, &out->person, NULL);
		conn_text_col(st, 8, out->csrf, sizeof(out->csrf));
		out->created = sqlite3_column_int64(st, 9);
		out->expires = sqlite3_column_int64(st, 10);
		out->last_seen = sqlite3_column_int64(st, 11);
	}
	sqlite3_reset(st);
	if (sr != SQLITE_ROW)
		return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	if (out->expires <= now || out->last_seen + (int64_t)CMN_SESSION_IDLE_S * 1000 <= now)
		return CMN_ERR_NOT_FOUND;
	if (now - out->last_seen > 60 * 1000 && (st = conn_stmt(c, q_touch))) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, token_hash, -1, SQLITE_STATIC);
		conn_step_done(c, st);
	}
	return CMN_OK;
}

static enum cmn_rc sq_session_delete(struct store *s, const char *token_hash)
{
	static const char q[] = "DELETE FROM sessions WHERE hash = ?";

	return store_auth_change(s, q, token_hash, NULL, false);
}

static enum cmn_rc sq_token_add(struct store *s, const char *person_id, const char *name,
			    const char *token_hash, struct api_token *out)
{
	static const char q_count[] = "SELECT count(*) FROM tokens WHERE person_id = ?";
	static const char q[] = "INSERT INTO tokens(id, person_id, name, hash, created)"
				" VALUES (?, ?, ?, ?, ?)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;
	int64_t n = 0;

	if (!c || !(st = conn_stmt(c, q_count)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	if ((rc = conn_step_row(c, st)) != CMN_OK)
		return rc == CMN_ERR_NOT_FOUND ? CMN_ERR_STORE : rc; /* a count has a row */
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n >= CMN_TOKENS_PER_PERSON)
		return CMN_ERR_TOO_LARGE;
	if (!(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	memset(out, 0, sizeof(*out));
	crypt_id_new(out->id);
	str_copy(out->name, sizeof(out->name), name);
	out->created = time_now_ms();
	sqlite3_bind_text(st, 1, out->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, out->created);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_token_get(struct store *s, const char *token_hash, struct person *out,
			    struct api_token *tok)
{
	static const char q[] = "SELECT " PERSON_COLS ", t.id, t.name, t.created, t.last_used"
				" FROM tokens t JOIN persons p ON p.id = t.person_id"
				" LEFT JOIN orgs o ON o.id = p.org_id WHERE t.hash = ?";
	static const char q_touch[] = "UPDATE tokens SET last_used = ? WHERE id = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	int64_t now = time_now_ms();
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		person_row(st, 0, out, NULL);
		conn_text_col(st, 8, tok->id, sizeof(tok->id));
		conn_text_col(st, 9, tok->name, sizeof(tok->name));
		tok->created = sqlite3_column_int64(st, 10);
		tok->last_used = sqlite3_column_int64(st, 11);
	}
	sqlite3_reset(st);
	if (sr != SQLITE_ROW)
		return sr == SQLITE_DONE ? CMN_ERR_NOT_FOUND : conn_err(c, sr);
	if (now - tok->last_used > 60 * 1000 && (st = conn_stmt(c, q_touch))) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, tok->id, -1, SQLITE_STATIC);
		conn_step_done(c, st);
	}
	return CMN_OK;
}

static enum cmn_rc sq_token_each(struct store *s, const char *person_id,
			     enum cmn_rc (*fn)(const struct api_token *t, void *ctx), void *ctx)
{
	static const char q[] = "SELECT id, name, created, last_used FROM tokens"
				" WHERE person_id = ? ORDER BY created, id";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		struct api_token t;

		conn_text_col(st, 0, t.id, sizeof(t.id));
		conn_text_col(st, 1, t.name, sizeof(t.name));
		t.created = sqlite3_column_int64(st, 2);
		t.last_used = sqlite3_column_int64(st, 3);
		rc = fn(&t, ctx);
	}
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

static enum cmn_rc sq_token_delete(struct store *s, const char *person_id, const char *token_id)
{
	static const char q[] = "DELETE FROM tokens WHERE person_id = ? AND id = ?";

	return store_auth_change(s, q, person_id, token_id, true);
}

static enum cmn_rc sq_doctype_put(struct store *s, const char *name, int version,
			      const char *definition)
{
	static const char q[] = "INSERT INTO doctypes(name, version, definition, updated)"
				" VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET"
				" version = ?2, definition = ?3, updated = ?4"
				" WHERE definition <> ?3";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, definition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_now_ms());
	return conn_step_done(c, st);
}

static enum cmn_rc sq_doctype_each(struct store *s,
			       enum cmn_rc (*fn)(const char *name, int version,
						 const char *definition, void *ctx),
			       void *ctx)
{
	static const char q[] = "SELECT name, version, definition FROM doctypes ORDER BY name";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc = CMN_OK;
	int sr;

	if (!c || !(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	while (rc == CMN_OK && (sr = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
			(const char *)sqlite3_column_text(st, 2), ctx);
	if (rc == CMN_OK && sr != SQLITE_DONE)
		rc = conn_err(c, sr);
	sqlite3_reset(st);
	return rc;
}

/* ---- what the store records of itself ---------------------------------------- */

/* table_exists - whether the platform store has the table name (a store
 * made before it has not, until migrated) */
static enum cmn_rc table_exists(struct conn *c, const char *name, bool *out)
{
	static const char q[] = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
	sqlite3_stmt *st = conn_stmt(c, q);
	enum cmn_rc rc;

	*out = false;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = conn_step_row(c, st);
	sqlite3_reset(st);
	*out = rc == CMN_OK;
	return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc;
}

static enum cmn_rc sq_meta_get(struct store *s, const char *name, char *out, size_t n)
{
	static const char q[] = "SELECT value FROM platform_meta WHERE name = ?";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;
	bool there;

	if (!c)
		return CMN_ERR_STORE;
	if ((rc = table_exists(c, "platform_meta", &there)) != CMN_OK)
		return rc;
	if (!there)
		return CMN_ERR_NOT_FOUND;
	if (!(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = conn_step_row(c, st)) == CMN_OK) {
		conn_text_col(st, 0, out, n);
		sqlite3_reset(st);
	}
	return rc;
}

static enum cmn_rc sq_meta_put(struct store *s, const char *name, const char *value,
			       bool replace)
{
	static const char q_add[] = "INSERT INTO platform_meta(name, value) VALUES (?, ?)"
				    " ON CONFLICT(name) DO NOTHING";
	static const char q_set[] = "INSERT INTO platform_meta(name, value) VALUES (?, ?)"
				    " ON CONFLICT(name) DO UPDATE SET value = excluded.value";

	return conn_run(store_platform_conn(s), replace ? q_set : q_add, name, value, false);
}

static enum cmn_rc sq_has_persons(struct store *s, bool *out)
{
	static const char q[] = "SELECT EXISTS (SELECT 1 FROM persons)";
	struct conn *c = store_platform_conn(s);
	sqlite3_stmt *st;
	enum cmn_rc rc;
	bool there;

	*out = false;
	if (!c)
		return CMN_ERR_STORE;
	if ((rc = table_exists(c, "persons", &there)) != CMN_OK || !there)
		return rc;
	if (!(st = conn_stmt(c, q)))
		return CMN_ERR_STORE;
	if ((rc = conn_step_row(c, st)) == CMN_OK) {
		*out = sqlite3_column_int(st, 0) != 0;
		sqlite3_reset(st);
	}
	return rc;
}

/* ---- failure counters ------------------------------------------------------ */

/* limit_stmt - q (its ?1 the key) of the platform's connection in *c, with
 * key (hashed) bound; NULL when the store failed */
static sqlite3_stmt *limit_stmt(struct store *s, const char *q,
				const unsigned char key[STORE_LIMIT_KEY_BYTES], struct conn **c)
{
	sqlite3_stmt *st;

	*c = store_platform_conn(s);
	if (!*c || !(st = conn_stmt(*c, q)))
		return NULL;
	sqlite3_bind_blob(st, 1, key, STORE_LIMIT_KEY_BYTES, SQLITE_TRANSIENT);
	return st;
}

static enum cmn_rc sq_limit_get(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES], int64_t now, unsigned *count,
			    int64_t *until)
{
	static const char q[] = "SELECT count, until FROM limits WHERE key = ?1 AND until > ?2";
	struct conn *c;
	sqlite3_stmt *st = limit_stmt(s, q, key, &c);
	enum cmn_rc rc;

	*count = 0;
	*until = 0;
	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 2, now);
	rc = conn_step_row(c, st);
	if (rc == CMN_OK) {
		int64_t n = sqlite3_column_int64(st, 0);

		*count = n < 0 ? 0 : n > UINT_MAX ? UINT_MAX : (unsigned)n;
		*until = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == CMN_ERR_NOT_FOUND ? CMN_OK : rc;
}

static enum cmn_rc sq_limit_fail(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES], int64_t window_ms, int64_t now)
{
	/* one statement: two processes counting at once both count */
	static const char q[] =
	    "INSERT INTO limits(key, count, until) VALUES (?1, 1, ?2 + ?3)"
	    " ON CONFLICT(key) DO UPDATE SET"
	    " count = CASE WHEN until > ?2 THEN count + 1 ELSE 1 END,"
	    " until = CASE WHEN until > ?2 THEN until ELSE ?2 + ?3 END";
	static const char q_old[] = "DELETE FROM limits WHERE until <= ?";
	struct conn *c;
	sqlite3_stmt *st = limit_stmt(s, q, key, &c);
	enum cmn_rc rc;

	if (!st)
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, window_ms);
	if ((rc = conn_step_done(c, st)) != CMN_OK)
		return rc;
	/* the table holds open windows only: what a flood of addresses adds
	 * goes with its windows */
	if (!(st = conn_stmt(c, q_old)))
		return CMN_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	return conn_step_done(c, st);
}

static enum cmn_rc sq_limit_clear(struct store *s, const unsigned char key[STORE_LIMIT_KEY_BYTES])
{
	struct conn *c;
	sqlite3_stmt *st = limit_stmt(s, "DELETE FROM limits WHERE key = ?1", key, &c);

	return st ? conn_step_done(c, st) : CMN_ERR_STORE;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.migrate = sq_migrate,
	.close = sq_close,
	.thread_done = sq_thread_done,
	.tx_begin = sq_tx_begin,
	.tx_end = sq_tx_end,
	.read_begin = sq_read_begin,
	.read_end = sq_read_end,
	.person_add = sq_person_add,
	.person_by_handle = sq_person_by_handle,
	.person_by_id = sq_person_by_id,
	.person_each = sq_person_each,
	.person_set_disabled = sq_person_set_disabled,
	.person_set_role = sq_person_set_role,
	.person_set_password = sq_person_set_password,
	.person_delete = sq_person_delete,
	.person_count = sq_person_count,
	.org_add = sq_org_add,
	.org_each = sq_org_each,
	.org_get = sq_org_get,
	.session_add = sq_session_add,
	.session_get = sq_session_get,
	.session_delete = sq_session_delete,
	.token_add = sq_token_add,
	.token_get = sq_token_get,
	.token_each = sq_token_each,
	.token_delete = sq_token_delete,
	.doctype_put = sq_doctype_put,
	.doctype_each = sq_doctype_each,
	.meta_get = sq_meta_get,
	.meta_put = sq_meta_put,
	.has_persons = sq_has_persons,
	.limit_get = sq_limit_get,
	.limit_fail = sq_limit_fail,
	.limit_clear = sq_limit_clear,
};
