/*
 * cmd_consent.c - `commune consent`: what an operator needs of a person's
 * consents, shares and mandates from the command line: list them, and end
 * a share or a mandate (a mediator who lost their accreditation, a share
 * sent to the wrong office). A person's consent to a service is theirs to
 * withdraw; the operator blocks the service instead (the API does).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "consent/consent.h"
#include "core/timeutil.h"

#define CONSENT_USAGE                                                                         \
	"usage: commune consent ls HANDLE [--given | --received] [--shares | --mandates]\n"  \
	"       commune consent end ID\n"

/* kind_of - "share", "mandate" or "consent". */
static const char *kind_of(const json_t *v)
{
	if (json_object_get(v, "share"))
		return "share";
	if (json_object_get(v, "mandate"))
		return "mandate";
	return "consent";
}

/* print_view - one line: id, kind, status, direction and the other party,
 * end date, uses. */
static void print_view(struct store *s, const struct person *p, const json_t *v)
{
	const json_t *grantee = json_object_get(v, "grantee");
	const char *owner = json_string_value(json_object_get(v, "person"));
	const char *until = json_string_value(json_object_get(v, "valid_until"));
	char other[200];

	if (owner && strcmp(owner, p->id) == 0) {
		snprintf(other, sizeof(other), "to %s:%s",
			 json_string_value(json_object_get(grantee, "kind")),
			 json_string_value(json_object_get(grantee, "name")));
	} else {
		struct person from;

		if (owner && store_person_by_id(s, owner, &from, NULL) == CMN_OK)
			snprintf(other, sizeof(other), "from %s", from.handle);
		else
			snprintf(other, sizeof(other), "from ?");
	}
	printf("%s  %-8s %-10s %-40s until %-25s %lld uses\n",
	       json_string_value(json_object_get(v, "id")), kind_of(v),
	       json_string_value(json_object_get(v, "status")), other, until ? until : "withdrawn",
	       (long long)json_integer_value(json_object_get(v, "uses")));
}

static int consent_ls(struct cli_env *env, const char *handle, unsigned sides, const char *mark)
{
	json_t *items = json_array(), *v;
	struct person p;
	size_t i;
	enum cmn_rc rc = items ? store_person_by_handle(env->store, handle, &p, NULL)
			       : CMN_ERR_NOMEM;

	if (rc == CMN_OK)
		rc = consent_list(env->store, p.id, sides, mark, time_now_ms(), items);
	if (rc == CMN_ERR_NOT_FOUND) {
		json_decref(items);
		return cli_error("no person with the handle %s", handle);
	}
	if (rc != CMN_OK) {
		json_decref(items);
		return cli_error("%s", cmn_strerror(rc));
	}
	json_array_foreach(items, i, v)
		print_view(env->store, &p, v);
	if (!json_array_size(items))
		printf("no consent, share or mandate for %s\n", p.handle);
	json_decref(items);
	return 0;
}

/* consent_end - ends a share or a mandate as the operator; the person's
 * chain says so. */
static int consent_end(struct cli_env *env, const char *id)
{
	static const char actor[] = "operator:cli";
	struct grant g;
	char object[64];
	enum cmn_rc rc = consent_load(env->store, id, &g);

	if (rc == CMN_ERR_NOT_FOUND || rc == CMN_ERR_INVALID)
		return cli_error("no consent %s", id);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	if (!g.share && !g.mandate)
		return cli_error("%s is a consent its person gave: only they withdraw it (the"
				 " operator may block a service instead)", id);
	/* the end and its entry for the person's chain, kept in one
	 * transaction, then written there (store_tx_end_told) */
	snprintf(object, sizeof(object), "%s/%s", g.mandate ? "mandate" : "share", id);
	if ((rc = store_tx_begin(env->store)) == CMN_OK)
		rc = store_tx_end_told(env->store,
				       g.mandate ? consent_mandate_end(env->store, g.person_id, id,
								       actor)
						 : consent_withdraw(env->store, g.person_id, id, actor),
				       g.person_id, actor, g.mandate ? "mandate.end" : "share.revoke",
				       object, "");
	if (rc == CMN_ERR_CONFLICT)
		return cli_error("this %s has ended already", g.mandate ? "mandate" : "share");
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("%s %s ended\n", g.mandate ? "mandate" : "share", id);
	return 0;
}

int cmd_consent(int argc, char **argv)
{
	const char *data = NULL, *given = NULL, *received = NULL, *shares = NULL, *mandates = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},        {"--given", false, &given},
		{"--received", false, &received}, {"--shares", false, &shares},
		{"--mandates", false, &mandates}, {NULL, false, NULL},
	};
	const char *pos[2];
	struct cli_env env;
	int npos, ret;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos != 2 ||
	    (strcmp(pos[0], "ls") != 0 && strcmp(pos[0], "end") != 0) || (given && received) ||
	    (shares && mandates) ||
	    (strcmp(pos[0], "end") == 0 && (given || received || shares || mandates))) {
		fputs(CONSENT_USAGE, stderr);
		return EXIT_USAGE;
	}
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(pos[0], "ls") == 0)
		ret = consent_ls(&env, pos[1],
				 given ? CONSENT_GIVEN
				 : received ? CONSENT_RECEIVED
					    : CONSENT_GIVEN | CONSENT_RECEIVED,
				 shares ? "share" : mandates ? "mandate" : NULL);
	else
		ret = consent_end(&env, pos[1]);
	cli_close(&env);
	return ret;
}
