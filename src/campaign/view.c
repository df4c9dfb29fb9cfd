/*
 * view.c - what a person is shown of a campaign: the campaign in plain
 * words before joining (what is computed, what leaves their store, who
 * decides, what the risks are, how noisy the figures will be), and their
 * own contribution, computed on demand from their store.
 */
#include "campaign/campaign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/jsontext.h"
#include "core/timeutil.h"

static const char *fr_en(const char *lang, const char *fr, const char *en)
{
	return strcmp(lang, "fr") == 0 ? fr : en;
}

static const char *dim_words(enum campaign_dim d, const char *lang)
{
	switch (d) {
	case CAMPAIGN_DIM_DISTRICT: return fr_en(lang, "quartier", "district");
	case CAMPAIGN_DIM_HOUR_OF_DAY: return fr_en(lang, "heure de la journée", "hour of the day");
	case CAMPAIGN_DIM_WEEKDAY: return fr_en(lang, "jour de la semaine", "day of the week");
	case CAMPAIGN_DIM_MONTH: return fr_en(lang, "mois", "month");
	case CAMPAIGN_DIM_MODE: return fr_en(lang, "mode de transport", "transport mode");
	case CAMPAIGN_DIM_HOUSEHOLD_SIZE_BAND:
		return fr_en(lang, "taille du foyer", "household size");
	case CAMPAIGN_DIM_HEATING_TYPE: return fr_en(lang, "type de chauffage", "heating type");
	case CAMPAIGN_DIM_ORIGIN_DISTRICT:
		return fr_en(lang, "quartier de départ du trajet", "district where the trip starts");
	case CAMPAIGN_DIM_DESTINATION_DISTRICT:
		return fr_en(lang, "quartier d'arrivée du trajet", "district where the trip ends");
	default: return "?";
	}
}

static const char *body_words(enum campaign_body b, const char *lang)
{
	switch (b) {
	case CAMPAIGN_BODY_TRUST:
		return fr_en(lang, "la régie de données (fiducie civique) du territoire",
			     "the territory's civic data trust");
	case CAMPAIGN_BODY_COOPERATIVE:
		return fr_en(lang, "les membres de la coopérative de données",
			     "the members of the data cooperative");
	default:
		return fr_en(lang, "l'opérateur de cette instance de commune",
			     "the operator of this commune instance");
	}
}

json_t *campaign_plain_json(const struct campaign_spec *spec, const struct campaign_row *row,
			    const char *lang)
{
	json_t *o = json_object(), *leaves = json_array(), *risks = json_array();
	struct campaign_plan plan;
	char err[200], line[600], from[TIME_RFC3339_LEN], to[TIME_RFC3339_LEN];
	char by[300] = "";
	bool fr = strcmp(lang, "fr") == 0;

	if (!o || !leaves || !risks) {
		json_decref(o);
		json_decref(leaves);
		json_decref(risks);
		return NULL;
	}
	for (size_t i = 0; i < spec->ngroup; i++) {
		size_t n = strlen(by);

		snprintf(by + n, sizeof(by) - n, "%s%s", i ? ", " : "",
			 dim_words(spec->group_by[i], lang));
	}
	time_format(from, spec->from);
	time_format(to, spec->to);
	snprintf(line, sizeof(line),
		 fr ? "Un tableau calculé à partir de vos données %s entre le %.10s et le %.10s%s%s,"
		      " avec au moins %" PRIu64 " foyers par case."
		    : "A table computed from your %s data between %.10s and %.10s%s%s, with at"
		      " least %" PRIu64 " households in each cell.",
		 spec->doctype, from, to, spec->ngroup ? (fr ? ", par " : ", by ") : "", by,
		 spec->privacy.k);
	json_put(&o, "computed", json_string(line));
	json_push(&leaves, json_string(fr ? "Rien de vos données brutes : le calcul"
					    " se fait dans votre espace."
					  : "None of your raw data: the computation"
					    " runs inside your store."));
	snprintf(line, sizeof(line),
		 fr ? "Dans au plus %" PRIu32 " cases du tableau, votre valeur moyenne (bornée),"
		      " additionnée à celles des autres participants, puis bruitée."
		    : "In at most %" PRIu32 " cells of the table, your mean value (bounded), added"
		      " to the other participants' and then noised.",
		 spec->privacy.max_cells);
	json_push(&leaves, json_string(line));
	json_put(&o, "leaves", leaves);
	snprintf(line, sizeof(line),
		 fr ? "La campagne ne peut être lancée que si %s l'approuve."
		    : "The campaign can only run if %s approves it.",
		 body_words(spec->governance, lang));
	json_put(&o, "decides", json_string(line));
	json_push(
	    &risks,
	    json_string(fr ? "Une case de moins de k foyers n'est jamais publiée ; chaque"
			     " chiffre publié est bruité : on ne peut pas y retrouver un foyer."
			   : "A cell of fewer than k households is never published; every"
			     " published figure is noised: no household can be found in it."));
	/* a stored campaign's noise can be drawn (checked when it was created);
	 * without a plan the cost reads 0 and no noise is shown */
	if (campaign_plan_make(spec, &plan, err, sizeof(err)) != CMN_OK)
		memset(&plan, 0, sizeof(plan));
	snprintf(line, sizeof(line),
		 fr ? "Chaque campagne consomme une part de votre budget de confidentialité"
		      " (epsilon %" PRIu64 ".%06" PRIu64 " sur %" PRIu64 ") ; une fois épuisé,"
		      " vous n'êtes plus compté."
		    : "Each campaign uses part of your privacy budget (epsilon %" PRIu64
		      ".%06" PRIu64 " of %" PRIu64 "); once it is spent you are no longer counted.",
		 plan.cost.eps_micro / DP_EPS_UNIT, plan.cost.eps_micro % DP_EPS_UNIT,
		 CAMPAIGN_PERSON_EPS_CAP / DP_EPS_UNIT);
	if (plan.nqueries) {
		json_t *noise = json_array();

		for (size_t i = 0; i < plan.nqueries; i++) {
			static const char *const of[] = {"count", "sum", "histogram"};
			char sd[32];

			snprintf(sd, sizeof(sd), "%.1f", plan.q[i].sd);
			json_push(&noise,
				  json_pack("{s:s, s:I, s:s}", "of", of[plan.q[i].kind], "measure",
					    (json_int_t)plan.q[i].measure, "noise_sd", sd));
		}
		json_put(&o, "noise", noise);
	}
	json_push(&risks, json_string(line));
	json_push(&risks,
		  json_string(fr ? "Vous pouvez vous retirer à tout moment jusqu'au calcul."
				 : "You can withdraw at any time until the computation runs."));
	json_put(&o, "risks", risks);
	json_put(&o, "state", json_string(campaign_state_name(row->state)));
	return o;
}

enum cmn_rc campaign_contribution_json(struct store *s, const struct registry *reg,
				       const struct campaign_row *row, const char *person_id,
				       char **out)
{
	struct campaign_spec spec = {0};
	struct campaign_domain d = {0};
	struct campaign_contrib c = {0};
	char err[300];
	json_t *o = NULL, *cells;
	enum cmn_rc rc;

	*out = NULL;
	rc = campaign_spec_parse(row->spec, strlen(row->spec), reg, &spec, err, sizeof(err));
	if (rc == CMN_OK)
		rc = campaign_domain_init(&d, s, &spec, err, sizeof(err));
	if (rc == CMN_OK)
		rc = campaign_contribution(s, &spec, &d, person_id, &c);
	if (rc != CMN_OK)
		goto out;
	o = json_object();
	cells = json_array();
	if (!o || !cells) {
		json_decref(cells);
		rc = CMN_ERR_NOMEM;
		goto out;
	}
	json_put(&o, "campaign", json_string(row->id));
	json_put(&o, "contributes", json_boolean(c.skip == CAMPAIGN_SKIP_NONE));
	if (c.skip != CAMPAIGN_SKIP_NONE)
		json_put(&o, "why_not",
			 json_string(c.skip == CAMPAIGN_SKIP_NO_PROFILE
					 ? "no household profile (household.profile) in"
					   " your store, or its district is unknown"
					 : "none of your data falls in the period"));
	json_put(&o, "max_cells", json_integer(spec.privacy.max_cells));
	json_put(&o, "capped", json_boolean(c.ncells > spec.privacy.max_cells));
	for (size_t i = 0; i < c.ncells; i++) {
		json_t *cell = json_object(), *vals = json_array();
		size_t rest = c.cells[i].cell;
		uint32_t coord[CAMPAIGN_GROUP_MAX];

		for (size_t k = d.ndims; k-- > 0;) {
			coord[k] = (uint32_t)(rest % d.size[k]);
			rest /= d.size[k];
		}
		for (size_t k = 0; k < d.ndims; k++)
			json_put(&cell, campaign_dim_name(d.dims[k]),
				 json_string(campaign_dim_value(&d, k, coord[k])));
		json_put(&cell, "values_in_cell", json_integer(c.cells[i].n));
		json_put(&cell, "your_mean", json_integer(c.cells[i].mean));
		for (size_t m = 0; m < spec.nmeasures; m++) {
			const struct campaign_measure *ms = &spec.measures[m];

			if (ms->kind == CAMPAIGN_MEASURE_SUM || ms->kind == CAMPAIGN_MEASURE_MEAN)
				json_push(&vals,
					  json_integer(dp_clip(c.cells[i].mean, ms->lo, ms->hi)));
			else
				json_push(&vals, json_integer(1));
		}
		json_put(&cell, "adds", vals);
		json_push(&cells, cell);
	}
	json_put(&o, "cells", cells);
	if (!(*out = json_text_dumps(o, JSON_COMPACT)))
		rc = CMN_ERR_NOMEM;
out:
	json_decref(o);
	campaign_contrib_release(&c);
	campaign_domain_release(&d);
	campaign_spec_release(&spec);
	return rc;
}
