/*
 * cmd_govern.c - `commune govern`: governance bodies from the command line
 * (docs/governance.md). The operator creates the bodies; `verify` checks a
 * body's decision register; the other verbs act for a person (tests, the
 * demo, an operator helping someone), each recorded in the register like
 * the same act through the API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "cli/cli.h"
#include "core/jsonparse.h"
#include "core/timeutil.h"
#include "govern/agreement.h"
#include "govern/govern.h"

#define GOVERN_USAGE                                                                          \
	"usage: commune govern create NAME STATUTES.json | ls | verify BODY\n"                 \
	"       commune govern agree BODY TERMS.json --org ORG\n"                               \
	"       commune govern join BODY --person HANDLE [--college C] | leave BODY --person HANDLE\n" \
	"       commune govern propose BODY (--campaign ID | --agreement ID | --statutes FILE)\n"    \
	"                      --closes T --person HANDLE [--secret] [--vote-min-seconds N]\n"   \
	"       commune govern vote PROPOSAL --person HANDLE (yes|no|abstain) | close PROPOSAL\n"

static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = f ? malloc(max + 2) : NULL;
	size_t n = data ? fread(data, 1, max + 1, f) : 0;

	if (f)
		fclose(f);
	if (!data || n > max) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

static int person_of(struct cli_env *env, const char *handle, struct person *p)
{
	if (store_person_by_handle(env->store, handle, p, NULL) != CMN_OK)
		return cli_error("no person with the handle %s", handle);
	return 0;
}

static int create_body(struct cli_env *env, const char *name, const char *path)
{
	struct gov_body b;
	char err[300] = "", *text;
	size_t len;
	enum cmn_rc rc;

	if (!(text = slurp(path, GOVERN_STATUTES_MAX_BYTES, &len)))
		return cli_error("%s: cannot read it (or it is over %d bytes)", path,
				 GOVERN_STATUTES_MAX_BYTES);
	rc = govern_body_create(env->store, &env->keys, name, text, len, time_now_ms(), &b, err,
				sizeof(err));
	free(text);
	if (rc == CMN_ERR_INVALID || rc == CMN_ERR_EXISTS)
		return cli_error("%s%s", strncmp(err, "/name", 5) != 0 ? path : "", err);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("%s\t%s\t%s\n", b.id, b.kind, b.name);
	gov_body_release(&b);
	return 0;
}

static enum cmn_rc print_body(const struct gov_body *b, void *ctx)
{
	(void)ctx;
	printf("%s  %-12s %s\n", b->id, b->kind, b->name);
	return CMN_OK;
}

static int verify(struct cli_env *env, const char *body)
{
	struct govern_check c;
	enum cmn_rc rc = govern_verify(env->store, &env->keys, body, &c);

	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("no body %s", body);
	if (rc == CMN_ERR_CORRUPT)
		return cli_error("register of %s: entry %lld fails: %s", body, (long long)c.bad_seq,
				 c.why);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("register of %s: %lld entries, chain and signatures verified\n", body,
	       (long long)c.entries);
	return 0;
}

/* agree - a draft data-sharing agreement of org with body on the terms of
 * the file at path (docs/governance.md); prints its id */
static int agree(struct cli_env *env, const char *body, const char *path, const char *org)
{
	struct gov_agreement a;
	char err[300] = "", *text;
	size_t len;
	enum cmn_rc rc;

	if (!(text = slurp(path, AGREEMENT_TERMS_MAX, &len)))
		return cli_error("%s: cannot read it (or it is over %d bytes)", path,
				 AGREEMENT_TERMS_MAX);
	rc = agreement_create(env->store, &env->registry, org, body, text, len, time_now_ms(), &a,
			      err, sizeof(err));
	free(text);
	if (rc == CMN_ERR_INVALID)
		return cli_error("%s: %s", path, err);
	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("no body %s", body);
	if (rc != CMN_OK)
		return cli_error("%s%s", cmn_strerror(rc),
				 rc == CMN_ERR_EXISTS || rc == CMN_ERR_STORE ? " (is the --org an id?)"
									     : "");
	printf("%s\n", a.id);
	gov_agreement_release(&a);
	return 0;
}

/* the text a proposal shows: the campaign's or the agreement's purpose,
 * or a plain sentence for new statutes */
static json_t *purpose_of(struct cli_env *env, const char *campaign, const char *agreement)
{
	json_t *def = NULL, *text;

	if (campaign) {
		struct campaign_row r;

		if (store_campaign_get(env->store, campaign, false, &r) == CMN_OK) {
			def = json_parse_str(r.spec);
			campaign_row_release(&r);
		}
	} else if (agreement) {
		struct gov_agreement a;

		if (store_gov_agreement_get(env->store, agreement, &a) == CMN_OK) {
			def = json_parse_str(a.spec);
			gov_agreement_release(&a);
		}
	} else {
		return json_pack("{s:s, s:s}", "fr", "Modifier les statuts.", "en",
				 "Change the statutes.");
	}
	text = json_incref(json_object_get(def, "purpose"));
	json_decref(def);
	return text;
}

/* propose - p submits one subject, closing at closes (RFC 3339), the vote
 * lasting min_ms at least (--vote-min-seconds, a minute by default: the
 * command line does not know a running server's) */
static int propose(struct cli_env *env, const char *body, const struct person *p,
		   const char *campaign, const char *agreement, const char *statutes,
		   const char *closes, int64_t min_ms, bool secret)
{
	struct gov_proposal prop;
	char err[300] = "", *json = NULL;
	json_t *text;
	int64_t when, now = time_now_ms();
	size_t len = 0;
	enum cmn_rc rc, made;

	if ((campaign != NULL) + (agreement != NULL) + (statutes != NULL) != 1 || !closes ||
	    time_parse(closes, false, &when) != CMN_OK) {
		fputs(GOVERN_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (statutes && !(json = slurp(statutes, GOVERN_STATUTES_MAX_BYTES, &len)))
		return cli_error("%s: cannot read it (or it is over %d bytes)", statutes,
				 GOVERN_STATUTES_MAX_BYTES);
	text = purpose_of(env, campaign, agreement);
	/* the proposal and its register entry together, or neither */
	if ((rc = store_tx_begin(env->store)) != CMN_OK) {
		json_decref(text);
		free(json);
		return cli_error("%s", cmn_strerror(rc));
	}
	if (campaign)
		rc = govern_propose(env->store, &env->keys, body, p->id, false, campaign,
				    text ? text : json_null(), when, min_ms, secret, now, &prop,
				    err, sizeof(err));
	else if (agreement)
		rc = govern_propose_agreement(env->store, &env->keys, body, p->id, false, agreement,
					      text ? text : json_null(), when, min_ms, secret, now,
					      &prop, err, sizeof(err));
	else
		rc = govern_propose_statutes(env->store, &env->keys, body, p->id, json, len,
					     text ? text : json_null(), when, min_ms, secret, now,
					     &prop, err, sizeof(err));
	json_decref(text);
	free(json);
	made = rc;
	rc = store_tx_end(env->store, made);
	if (made == CMN_OK && rc != CMN_OK)
		gov_proposal_release(&prop); /* undone: the commit failed */
	if (rc != CMN_OK)
		return cli_error("%s%s%s", statutes && err[0] == '/' ? statutes : "",
				 statutes && err[0] == '/' ? ": " : "",
				 err[0] ? err : cmn_strerror(rc));
	printf("%s\n", prop.id);
	gov_proposal_release(&prop);
	return 0;
}

int cmd_govern(int argc, char **argv)
{
	const char *data = NULL, *person = NULL, *college = NULL, *campaign = NULL, *closes = NULL,
		   *secret = NULL, *agreement = NULL, *statutes = NULL, *org = NULL,
		   *vote_min = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},	 {"--person", true, &person},
		{"--college", true, &college},	 {"--campaign", true, &campaign},
		{"--closes", true, &closes},	 {"--secret", false, &secret},
		{"--agreement", true, &agreement}, {"--statutes", true, &statutes},
		{"--org", true, &org},		 {"--vote-min-seconds", true, &vote_min},
		{NULL, false, NULL},
	};
	const char *pos[3];
	struct cli_env env;
	struct person p;
	char err[300] = "";
	int npos, ret = 0;
	int64_t min_ms;
	const char *cmd;
	enum cmn_rc rc = CMN_OK;

	if (!cli_parse(argc, argv, 2, opts, pos, 3, &npos) || npos < 1)
		goto usage;
	if (!cli_vote_min(vote_min, &min_ms))
		return EXIT_USAGE;
	cmd = pos[0];
	if ((strcmp(cmd, "ls") == 0 && npos != 1) ||
	    ((strcmp(cmd, "create") == 0 || strcmp(cmd, "vote") == 0 || strcmp(cmd, "agree") == 0) &&
	     npos != 3) ||
	    (strcmp(cmd, "ls") != 0 && strcmp(cmd, "create") != 0 && strcmp(cmd, "vote") != 0 &&
	     strcmp(cmd, "agree") != 0 && npos != 2) ||
	    (strcmp(cmd, "agree") == 0 && !org))
		goto usage;
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(cmd, "create") == 0) {
		ret = create_body(&env, pos[1], pos[2]);
	} else if (strcmp(cmd, "ls") == 0) {
		rc = store_gov_body_each(env.store, print_body, NULL);
	} else if (strcmp(cmd, "verify") == 0) {
		ret = verify(&env, pos[1]);
	} else if (strcmp(cmd, "agree") == 0) {
		ret = agree(&env, pos[1], pos[2], org);
	} else if (strcmp(cmd, "close") == 0) {
		struct gov_proposal done;

		rc = govern_close(env.store, &env.keys, pos[1], time_now_ms(), &done, err,
				  sizeof(err));
		if (rc == CMN_OK) {
			printf("proposal %s: %s\n", done.id, gov_state_name(done.state));
			gov_proposal_release(&done);
		}
	} else if (!person) {
		cli_close(&env);
		goto usage;
	} else if ((ret = person_of(&env, person, &p)) != 0) {
		/* said why */
	} else if (strcmp(cmd, "join") == 0) {
		rc = govern_join(env.store, &env.keys, pos[1], p.id, college, time_now_ms(), err,
				 sizeof(err));
		if (rc == CMN_OK)
			printf("%s joined %s\n", p.handle, pos[1]);
	} else if (strcmp(cmd, "leave") == 0) {
		size_t n = 0;

		rc = govern_leave(env.store, &env.keys, pos[1], p.id, time_now_ms(), &n);
		if (rc == CMN_OK)
			printf("%s left %s (%zu campaigns withdrawn from)\n", p.handle, pos[1], n);
	} else if (strcmp(cmd, "propose") == 0) {
		ret = propose(&env, pos[1], &p, campaign, agreement, statutes, closes, min_ms,
			      secret != NULL);
	} else if (strcmp(cmd, "vote") == 0) {
		rc = govern_vote(env.store, pos[1], p.id, pos[2], time_now_ms());
		if (rc == CMN_ERR_FORBIDDEN)
			snprintf(err, sizeof(err), "%s is not a member of the body", p.handle);
		else if (rc == CMN_ERR_CONFLICT)
			snprintf(err, sizeof(err), "the vote is closed");
		else if (rc == CMN_ERR_INVALID)
			snprintf(err, sizeof(err), "vote yes, no or abstain");
		if (rc == CMN_OK)
			printf("%s voted %s\n", p.handle, pos[2]);
	} else {
		cli_close(&env);
		goto usage;
	}
	if (ret == 0 && rc != CMN_OK)
		ret = cli_error("%s", err[0] ? err : cmn_strerror(rc));
	cli_close(&env);
	return ret;
usage:
	fputs(GOVERN_USAGE, stderr);
	return EXIT_USAGE;
}
