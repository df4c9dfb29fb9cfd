/*
 * cmd_campaign.c - `commune campaign`: campaigns from the command line
 * (docs/campaigns.md). An organisation's staff create them, the body named
 * by the definition approves or rejects them (on this instance the operator
 * stands in for it until governance bodies exist), the organisation runs
 * and publishes them; residents join and leave through the API, or here
 * for the operator's tests and the demo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "campaign/mix.h"
#include "cli/cli.h"
#include "core/jsonparse.h"
#include "core/jsontext.h"
#include "core/str.h"
#include "core/timeutil.h"

#define CAMPAIGN_USAGE                                                                        \
	"usage: commune campaign create --org ORG FILE.json\n"                                 \
	"       commune campaign approve ID [--reject] | run ID | publish ID\n"                \
	"       commune campaign ls | show ID [--csv]\n"                                       \
	"       commune campaign join ID --person HANDLE | withdraw ID --person HANDLE\n"     \
	"       commune campaign districts FILE.geojson\n"                                   \
	"       commune campaign mix ID [--volume PCT] [--step PCT]\n"

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *data;
	size_t n;

	if (!f)
		return NULL;
	data = malloc(max + 2);
	n = data ? fread(data, 1, max + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (!data || n > max) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

struct find_org {
	const char *name;
	struct org *out;
	bool found;
};

static enum cmn_rc find_org(const struct org *o, void *ctx)
{
	struct find_org *f = ctx;

	if (strcmp(o->name, f->name) == 0 || strcmp(o->id, f->name) == 0) {
		*f->out = *o;
		f->found = true;
	}
	return CMN_OK;
}

/* org_by_name - an organisation by name or id */
static enum cmn_rc org_by_name(struct store *s, const char *name, struct org *out)
{
	struct find_org f = {name, out, false};
	enum cmn_rc rc = store_org_each(s, find_org, &f);

	if (rc == CMN_OK && !f.found)
		rc = CMN_ERR_NOT_FOUND;
	return rc;
}

static int campaign_create(struct cli_env *env, const char *org_name, const char *path)
{
	struct campaign_spec spec = {0};
	struct campaign_plan plan;
	struct campaign_row row;
	struct org org;
	char err[400], *text, *canon = NULL;
	size_t len;
	enum cmn_rc rc;

	if (!(text = read_file(path, CAMPAIGN_SPEC_MAX_BYTES, &len)))
		return cli_error("%s: cannot read it (or it is over %d bytes)", path,
				 CAMPAIGN_SPEC_MAX_BYTES);
	rc = campaign_spec_parse(text, len, &env->registry, &spec, err, sizeof(err));
	free(text);
	if (rc != CMN_OK)
		return cli_error("%s%s", path, rc == CMN_ERR_INVALID ? err : ": out of memory");
	if (org_by_name(env->store, org_name, &org) != CMN_OK) {
		campaign_spec_release(&spec);
		return cli_error("no organisation %s", org_name);
	}
	if (strcmp(org.id, spec.organisation) != 0) {
		campaign_spec_release(&spec);
		return cli_error("%s/organisation: %s is not the id of %s (%s)", path,
				 spec.organisation, org.name, org.id);
	}
	rc = campaign_plan_make(&spec, &plan, err, sizeof(err));
	if (rc != CMN_OK) {
		campaign_spec_release(&spec);
		return cli_error("%s%s", path, err);
	}
	rc = campaign_spec_json(&spec, &canon, NULL);
	if (rc == CMN_OK)
		rc = store_campaign_add(env->store, org.id, canon, time_now_ms(), &row);
	free(canon);
	campaign_spec_release(&spec);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("%s\n", row.id);
	return 0;
}

static int campaign_decide_cmd(struct cli_env *env, const char *id, bool approve)
{
	char err[300] = "";
	enum cmn_rc rc = campaign_decide(env->store, id, approve, "operator:cli", false,
					 time_now_ms(), err, sizeof(err));

	if (rc != CMN_OK)
		return cli_error("%s", err[0] ? err : cmn_strerror(rc));
	printf("campaign %s %s\n", id, approve ? "approved" : "rejected");
	return 0;
}

static int campaign_run_cmd(struct cli_env *env, const char *id)
{
	struct campaign_run_opts o = {.now = time_now_ms()};
	struct campaign_run_stats st;
	char err[400] = "";
	enum cmn_rc rc = campaign_run(env->store, &env->registry, id, &o, &st, err, sizeof(err));

	if (rc != CMN_OK)
		return cli_error("%s", err[0] ? err : cmn_strerror(rc));
	printf("campaign %s computed: %zu joined, %zu counted (%zu without grant, %zu budget spent,"
	       " %zu without profile, %zu without data); %zu cells, %zu published, %zu suppressed"
	       " (%zu under k, %zu secondary); %lld ms reading stores, %lld ms in all\n",
	       id, st.joined, st.counted, st.no_grant, st.no_budget, st.no_profile, st.no_data,
	       st.cells, st.published, st.primary + st.secondary, st.primary, st.secondary,
	       (long long)st.read_ms, (long long)st.total_ms);
	return 0;
}

static int campaign_publish_cmd(struct cli_env *env, const char *id)
{
	size_t told = 0;
	enum cmn_rc rc = campaign_publish(env->store, id, time_now_ms(), "operator:cli", NULL, &told);

	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("no campaign %s", id);
	if (rc == CMN_ERR_CONFLICT)
		return cli_error("campaign %s has not been computed (or is published already)", id);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("campaign %s published; %zu participants told in their audit chain\n", id, told);
	return 0;
}

static enum cmn_rc print_row(const struct campaign_row *r, void *ctx)
{
	json_t *def = json_parse_str(r->spec);
	char when[TIME_RFC3339_LEN];

	(void)ctx;
	time_format(when, r->created);
	printf("%s  %-9s %5lld joined  %.19s  %s\n", r->id, campaign_state_name(r->state),
	       (long long)r->participants, when,
	       json_string_value(json_object_get(json_object_get(def, "title"), "en")));
	json_decref(def);
	return CMN_OK;
}

static int campaign_show(struct cli_env *env, const char *id, bool csv)
{
	struct campaign_row r;
	enum cmn_rc rc = store_campaign_get(env->store, id, true, &r);

	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("no campaign %s", id);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	if (csv && !r.csv) {
		campaign_row_release(&r);
		return cli_error("campaign %s has not been computed", id);
	}
	if (csv)
		fputs(r.csv, stdout);
	else
		printf("{\"id\":\"%s\",\"state\":\"%s\",\"participants\":%lld,\"definition\":%s,"
		       "\"results\":%s}\n",
		       r.id, campaign_state_name(r.state), (long long)r.participants, r.spec,
		       r.results ? r.results : "null");
	campaign_row_release(&r);
	return 0;
}

/* percent - a whole number of percent, or -1 */
static long percent(const char *text)
{
	char *end;
	long v = text ? strtol(text, &end, 10) : -1;

	return text && *text && !*end && v >= 0 && v <= 1000 ? v : -1;
}

/* campaign_mix_cmd - WeMix's best local mixes for a published hourly profile */
static int campaign_mix_cmd(struct cli_env *env, const char *id, const char *volume,
			    const char *step)
{
	long vol = volume ? percent(volume) : 100, st = step ? percent(step) : 10;
	char err[200] = "", *text;
	json_t *out;
	enum cmn_rc rc;

	if (vol < 0 || st < 0)
		return cli_error("--volume and --step take a whole number of percent");
	rc = campaign_mix_of(env->store, id, (unsigned)vol, (unsigned)st, &out, err, sizeof(err));
	if (rc == CMN_ERR_NOT_FOUND)
		return cli_error("no published campaign %s", id);
	if (rc != CMN_OK)
		return cli_error("%s", err[0] ? err : cmn_strerror(rc));
	text = json_text_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	json_decref(out);
	if (!text)
		return cli_error("%s", cmn_strerror(CMN_ERR_NOMEM));
	puts(text);
	free(text);
	return 0;
}

static int campaign_part(struct cli_env *env, const char *id, const char *handle, bool join)
{
	struct person p;
	char err[400] = "";
	enum cmn_rc rc = store_person_by_handle(env->store, handle, &p, NULL);

	if (rc != CMN_OK)
		return cli_error("no person with the handle %s", handle);
	rc = join ? campaign_join(env->store, &env->registry, &p, id, time_now_ms(), "operator:cli",
				  err, sizeof(err))
		  : campaign_withdraw(env->store, p.id, id, time_now_ms(), "operator:cli");
	if (rc == CMN_ERR_NOT_FOUND && !join)
		return cli_error("%s is not in campaign %s", handle, id);
	if (rc == CMN_ERR_CONFLICT && !join)
		return cli_error("campaign %s has run: its contributions are in the release", id);
	if (rc != CMN_OK)
		return cli_error("%s", err[0] ? err : cmn_strerror(rc));
	printf("%s %s campaign %s\n", handle, join ? "joined" : "left", id);
	return 0;
}

/* campaign_districts - the territory's districts from a GeoJSON
 * FeatureCollection whose features have properties "code" and "name" */
static int campaign_districts(struct cli_env *env, const char *path)
{
	struct json_parse_error jerr;
	json_t *doc = json_parse_file(path, 0, &jerr), *features, *f;
	struct store_district *d;
	size_t i, n;
	enum cmn_rc rc;

	if (!doc)
		return cli_error("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	features = json_object_get(doc, "features");
	n = json_array_size(features);
	if (!json_is_array(features) || n == 0 || n > STORE_DISTRICTS_MAX) {
		json_decref(doc);
		return cli_error("%s: a FeatureCollection of 1 to %d districts is expected", path,
				 STORE_DISTRICTS_MAX);
	}
	d = calloc(n, sizeof(*d));
	if (!d) {
		json_decref(doc);
		return cli_error("out of memory");
	}
	json_array_foreach(features, i, f) {
		json_t *props = json_object_get(f, "properties");
		const char *code = json_string_value(json_object_get(props, "code"));
		const char *name = json_string_value(json_object_get(props, "name"));

		if (!code || strlen(code) > STORE_DISTRICT_CODE_MAX || !name ||
		    strlen(name) > STORE_DISTRICT_NAME_MAX) {
			free(d);
			json_decref(doc);
			return cli_error("%s: /features/%zu/properties: a code (at most %d bytes) and a"
					 " name (at most %d bytes) are expected",
					 path, i, STORE_DISTRICT_CODE_MAX, STORE_DISTRICT_NAME_MAX);
		}
		str_copy(d[i].code, sizeof(d[i].code), code);
		str_copy(d[i].name, sizeof(d[i].name), name);
	}
	rc = store_districts_replace(env->store, d, n);
	free(d);
	json_decref(doc);
	if (rc == CMN_ERR_INVALID)
		return cli_error("%s: district codes must be distinct, of letters, digits, _ and -",
				 path);
	if (rc != CMN_OK)
		return cli_error("%s", cmn_strerror(rc));
	printf("%zu districts\n", n);
	return 0;
}

int cmd_campaign(int argc, char **argv)
{
	const char *data = NULL, *org = NULL, *reject = NULL, *csv = NULL, *person = NULL;
	const char *volume = NULL, *step = NULL;
	const struct cli_opt opts[] = {
		{"--data", true, &data},     {"--org", true, &org},       {"--reject", false, &reject},
		{"--csv", false, &csv},      {"--person", true, &person}, {"--volume", true, &volume},
		{"--step", true, &step},     {NULL, false, NULL},
	};
	const char *pos[2];
	struct cli_env env;
	int npos, ret = EXIT_USAGE;
	const char *cmd;

	if (!cli_parse(argc, argv, 2, opts, pos, 2, &npos) || npos < 1)
		goto usage;
	cmd = pos[0];
	if (strcmp(cmd, "ls") == 0 ? npos != 1 : npos != 2)
		goto usage;
	if ((strcmp(cmd, "create") == 0) != (org != NULL) ||
	    (reject && strcmp(cmd, "approve") != 0) || (csv && strcmp(cmd, "show") != 0) ||
	    ((strcmp(cmd, "join") == 0 || strcmp(cmd, "withdraw") == 0) != (person != NULL)) ||
	    ((volume || step) && strcmp(cmd, "mix") != 0))
		goto usage;
	if (!cli_open(&env, data))
		return EXIT_USER;
	if (strcmp(cmd, "create") == 0)
		ret = campaign_create(&env, org, pos[1]);
	else if (strcmp(cmd, "approve") == 0)
		ret = campaign_decide_cmd(&env, pos[1], !reject);
	else if (strcmp(cmd, "run") == 0)
		ret = campaign_run_cmd(&env, pos[1]);
	else if (strcmp(cmd, "publish") == 0)
		ret = campaign_publish_cmd(&env, pos[1]);
	else if (strcmp(cmd, "ls") == 0) {
		enum cmn_rc rc = store_campaign_each(env.store, NULL, print_row, NULL);

		ret = rc == CMN_OK ? 0 : cli_error("%s", cmn_strerror(rc));
	} else if (strcmp(cmd, "show") == 0)
		ret = campaign_show(&env, pos[1], csv != NULL);
	else if (strcmp(cmd, "join") == 0 || strcmp(cmd, "withdraw") == 0)
		ret = campaign_part(&env, pos[1], person, strcmp(cmd, "join") == 0);
	else if (strcmp(cmd, "districts") == 0)
		ret = campaign_districts(&env, pos[1]);
	else if (strcmp(cmd, "mix") == 0)
		ret = campaign_mix_cmd(&env, pos[1], volume, step);
	else {
		cli_close(&env);
		goto usage;
	}
	cli_close(&env);
	return ret;
usage:
	fputs(CAMPAIGN_USAGE, stderr);
	return EXIT_USAGE;
}
