/*
 * letter.c - the letter of a portability request, in French (datamap.h):
 * addressed to the holder's data protection officer, it names the person,
 * the legal ground (RGPD art. 15 for access, art. 20 for portability, art.
 * 12 for the terms), the data asked in the registry's words, the format
 * asked and the deadline. The person sends it themselves (post, e-mail or
 * the holder's form) and may complete the blanks (name, customer number).
 */
#include "datamap/datamap.h"

#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "core/tz.h"

static const char *const months_fr[12] = {"janvier", "février", "mars",	    "avril",
					  "mai",     "juin",	"juillet",  "août",
					  "septembre", "octobre", "novembre", "décembre"};

/* date_fr - "3 mars 2026": the date of t in Europe/Paris */
static void date_fr(int64_t t, char *out, size_t n)
{
	struct tz *z = NULL;
	int64_t day, y;
	int m, d;

	day = tz_load(PORTABILITY_ZONE, &z) == CMN_OK ? tz_local_day(z, t, NULL)
						       : time_floor_div(t, 86400000LL);
	tz_free(&z);
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, n, "%d%s %s %lld", d, d == 1 ? "er" : "", months_fr[m - 1], (long long)y);
}

static enum cmn_rc address(struct buf *b, const json_t *holder)
{
	const json_t *dpo = json_object_get(holder, "dpo");
	const char *name = json_string_value(json_object_get(dpo, "name"));
	const char *postal = json_string_value(json_object_get(dpo, "postal"));
	const char *email = json_string_value(json_object_get(dpo, "email"));
	const char *form = json_string_value(json_object_get(dpo, "form"));

	const char *holder_name = json_string_value(json_object_get(holder, "name"));
	enum cmn_rc rc;

	rc = buf_printf(b, "%s\n", name ? name : "À l'attention du délégué à la protection des"
						  " données");
	/* the holder's name, unless the postal address begins with it */
	if (rc == CMN_OK && !(postal && strncmp(postal, holder_name, strlen(holder_name)) == 0))
		rc = buf_printf(b, "%s\n", holder_name);
	if (rc == CMN_OK && postal)
		rc = buf_printf(b, "%s\n", postal);
	if (rc == CMN_OK && email)
		rc = buf_printf(b, "Par courriel : %s\n", email);
	if (rc == CMN_OK && form)
		rc = buf_printf(b, "Formulaire en ligne : %s\n", form);
	return rc;
}

static enum cmn_rc data_asked(struct buf *b, const struct registry *reg, const json_t *doctypes)
{
	const json_t *d;
	size_t i;
	enum cmn_rc rc = buf_puts(b, "Ma demande porte sur les données suivantes :\n");

	json_array_foreach(doctypes, i, d) {
		const char *dt = json_string_value(d);

		if (rc == CMN_OK)
			rc = buf_printf(b, "  - %s\n", datamap_doctype_title(reg, dt, false));
	}
	if (rc == CMN_OK)
		rc = buf_puts(b, "ainsi que toute autre donnée personnelle me concernant que vous"
				 " traitez dans le même cadre.\n\n");
	return rc;
}

static enum cmn_rc legal_ground(struct buf *b, bool portability)
{
	if (portability)
		return buf_puts(
		    b, "En application de l'article 20 du règlement (UE) 2016/679 du 27 avril 2016"
		       " (règlement général sur la protection des données, RGPD), je vous demande"
		       " de me transmettre les données personnelles me concernant que je vous ai"
		       " fournies, y compris celles qui résultent de l'utilisation de vos services"
		       " (relevés, mesures, historiques), afin de pouvoir les conserver et les"
		       " réutiliser. Au titre de l'article 15 du RGPD, je vous demande également"
		       " de m'indiquer les finalités de leur traitement, leurs destinataires et"
		       " leur durée de conservation.\n\n");
	return buf_puts(
	    b, "En application de l'article 15 du règlement (UE) 2016/679 du 27 avril 2016"
	       " (règlement général sur la protection des données, RGPD), je vous demande de me"
	       " confirmer que vous traitez des données personnelles me concernant et de m'en"
	       " communiquer une copie, avec les informations que prévoit cet article : les"
	       " finalités du traitement, les catégories de données, leurs destinataires, leur"
	       " durée de conservation et leur source.\n\n");
}

static enum cmn_rc terms(struct buf *b, bool portability)
{
	enum cmn_rc rc = buf_printf(
	    b, "Je souhaite recevoir ces données sous forme électronique, dans un format"
	       " structuré, couramment utilisé et lisible par machine (par exemple CSV ou JSON)%s.\n\n",
	    portability ? ", comme le prévoit l'article 20, paragraphe 1, du RGPD"
			: ", comme le permet l'article 15, paragraphe 3, du RGPD");

	if (rc == CMN_OK)
		rc = buf_puts(
		    b, "Conformément à l'article 12, paragraphe 3, du RGPD, vous disposez d'un"
		       " délai d'un mois à compter de la réception de ma demande pour y répondre."
		       " Ce délai peut être prolongé de deux mois, compte tenu de la complexité et"
		       " du nombre de demandes, à condition que vous m'en informiez dans le mois"
		       " qui suit la réception de ma demande, en m'indiquant les motifs de cette"
		       " prolongation. Conformément à l'article 12, paragraphe 5, cette"
		       " communication est gratuite.\n\n"
		       "À défaut de réponse dans ce délai, je me réserve la possibilité d'introduire"
		       " une réclamation auprès de la Commission nationale de l'informatique et des"
		       " libertés (CNIL), en application de l'article 77 du RGPD.\n\n");
	return rc;
}

enum cmn_rc portability_letter_text(const struct registry *reg,
				    const struct portability_letter *l, char **out)
{
	bool portability = strcmp(l->kind, "portability") == 0;
	char date[64];
	struct buf b;
	enum cmn_rc rc;

	*out = NULL;
	buf_init(&b, PORTABILITY_LETTER_MAX);
	date_fr(l->date, date, sizeof(date));
	rc = buf_printf(&b,
			"Nom et prénom : ____________________\n"
			"Adresse : ____________________\n"
			"Références client (numéro de contrat, de compteur, d'allocataire...) :"
			" ____________________\n"
			"Identifiant commune : %s\n\n",
			l->person);
	if (rc == CMN_OK)
		rc = address(&b, l->holder);
	if (rc == CMN_OK)
		rc = buf_printf(&b, "\nLe %s\n\nObjet : %s\n\nMadame, Monsieur,\n\n", date,
				portability ? "demande de portabilité de mes données personnelles"
					      " (articles 12, 15 et 20 du RGPD)"
					    : "demande d'accès à mes données personnelles"
					      " (articles 12 et 15 du RGPD)");
	if (rc == CMN_OK)
		rc = legal_ground(&b, portability);
	if (rc == CMN_OK)
		rc = data_asked(&b, reg, l->doctypes);
	if (rc == CMN_OK)
		rc = terms(&b, portability);
	if (rc == CMN_OK)
		rc = buf_printf(&b,
				"Je vous prie d'agréer, Madame, Monsieur, l'expression de mes"
				" salutations distinguées.\n\n%s\n",
				l->person);
	if (rc == CMN_OK && !(*out = buf_steal(&b)))
		rc = CMN_ERR_NOMEM;
	buf_release(&b);
	return rc;
}
