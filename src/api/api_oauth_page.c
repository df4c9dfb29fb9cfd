/*
 * api_oauth_page.c - the pages of the authorization endpoint: the login
 * form, the consent screen and the error page, in French (the default)
 * or English. Every dynamic string is escaped; the pages load nothing
 * (their style is inline) and are served with anti-framing headers by
 * api_oauth_authorize.c. The web application's issue styles them.
 */
#include "api/api_oauth_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/timeutil.h"

#define PAGE_MAX (256 * 1024)

/* a text in both languages */
struct words {
	const char *fr, *en;
};

#define W(l, w) ((l) == OAUTH_LANG_EN ? (w).en : (w).fr)

enum oauth_lang oauth_lang_of(const char *header)
{
	enum oauth_lang best = OAUTH_LANG_FR;
	double best_q = -1;
	const char *p = header;

	/* "en-GB,en;q=0.9,fr;q=0.8": the first language of the highest
	 * weight that is French or English; French when there is none */
	while (p && *p) {
		size_t len = strcspn(p, ",");
		const char *q = memchr(p, ';', len);
		double weight = 1;
		char tag[3] = "";

		while (len && *p == ' ')
			p++, len--;
		if (len >= 2 && (len == 2 || p[2] == '-' || p[2] == ';' || p[2] == ' ')) {
			tag[0] = (char)(p[0] | 0x20);
			tag[1] = (char)(p[1] | 0x20);
		}
		if (q && strncmp(q, ";q=", 3) == 0)
			weight = strtod(q + 3, NULL);
		if (weight > best_q && (strcmp(tag, "fr") == 0 || strcmp(tag, "en") == 0)) {
			best_q = weight;
			best = tag[0] == 'e' ? OAUTH_LANG_EN : OAUTH_LANG_FR;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return best_q > 0 ? best : OAUTH_LANG_FR;
}

/* esc - appends s with HTML's special characters escaped. */
static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_append(b, s, 1);
		}
	}
}

static void head(struct buf *b, enum oauth_lang lang, const char *title)
{
	buf_printf(b,
		   "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		   "<meta name=\"referrer\" content=\"no-referrer\"><title>",
		   lang == OAUTH_LANG_EN ? "en" : "fr");
	esc(b, title);
	buf_puts(
	    b, " · commune</title><style>"
	       "body{font:1rem/1.5 system-ui,sans-serif;margin:0;background:#f4f4f1;color:#1d1d1b}"
	       "main{max-width:38rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;"
	       "border-radius:.5rem}h1{font-size:1.4rem}h2{font-size:1.05rem;margin:1.2rem 0 .3rem}"
	       "label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.4rem;"
	       "font:inherit;box-sizing:border-box}button{font:inherit;padding:.5rem 1.2rem;"
	       "margin:1rem .8rem 0 0;border-radius:.3rem;border:1px solid #1d1d1b;cursor:pointer}"
	       "button.yes{background:#1d4ed8;color:#fff;border-color:#1d4ed8}"
	       ".alert{background:#fdecea;padding:.6rem;border-radius:.3rem}"
	       ".note{color:#555;font-size:.9rem}code{font-size:.9rem}"
	       "</style></head><body><main>\n");
}

static char *finish(struct buf *b)
{
	if (buf_puts(b, "\n</main></body></html>\n") != CMN_OK) {
		buf_release(b);
		return NULL;
	}
	return buf_steal(b);
}

static void hidden(struct buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	esc(b, value);
	buf_puts(b, "\">");
}

/* request_fields - the authorization request, carried by the form. */
static void request_fields(struct buf *b, const struct oauth_authz *az)
{
	buf_puts(b, "<form method=\"post\" action=\"/oauth/authorize\">");
	hidden(b, "response_type", "code");
	hidden(b, "client_id", az->client.c.id);
	hidden(b, "redirect_uri", az->redirect_uri);
	hidden(b, "state", az->state);
	hidden(b, "code_challenge", az->challenge);
	hidden(b, "code_challenge_method", "S256");
	hidden(b, "scope", az->scope_text);
}

char *oauth_page_login(enum oauth_lang lang, const struct oauth_authz *az, const char *message_fr,
		       const char *message_en)
{
	static const struct words title = {"Connexion", "Log in"};
	struct buf b;

	buf_init(&b, PAGE_MAX);
	head(&b, lang, W(lang, title));
	buf_printf(&b, "<h1>%s</h1>\n<p><strong>", W(lang, title));
	esc(&b, az->client.c.name);
	buf_puts(&b, "</strong> (");
	esc(&b, az->client.c.org_name);
	buf_puts(&b, lang == OAUTH_LANG_EN
			 ? ") asks to use some of your data. Log in to see what it asks for and"
			   " to answer.</p>\n"
			 : ") demande à utiliser certaines de vos données. Connectez-vous pour"
			   " voir sa demande et y répondre.</p>\n");
	if (message_fr) {
		buf_puts(&b, "<p class=\"alert\" role=\"alert\">");
		esc(&b, lang == OAUTH_LANG_EN ? message_en : message_fr);
		buf_puts(&b, "</p>\n");
	}
	request_fields(&b, az);
	hidden(&b, "action", "login");
	buf_printf(&b,
		   "<label>%s<input name=\"handle\" autocomplete=\"username\" required"
		   " maxlength=\"64\" autocapitalize=\"none\"></label>"
		   "<label>%s<input type=\"password\" name=\"password\""
		   " autocomplete=\"current-password\" required maxlength=\"1024\"></label>"
		   "<button class=\"yes\" type=\"submit\">%s</button></form>",
		   lang == OAUTH_LANG_EN ? "Handle" : "Identifiant",
		   lang == OAUTH_LANG_EN ? "Password" : "Mot de passe",
		   lang == OAUTH_LANG_EN ? "Log in" : "Se connecter");
	return finish(&b);
}

/* date_words - "15 mars 2026" or "15 March 2026". */
static void date_words(struct buf *b, enum oauth_lang lang, int64_t ms)
{
	static const char *const fr[] = {"janvier",   "février", "mars",     "avril",
					 "mai",       "juin",    "juillet",  "août",
					 "septembre", "octobre", "novembre", "décembre"};
	static const char *const en[] = {"January",   "February", "March",    "April",
					 "May",       "June",     "July",     "August",
					 "September", "October",  "November", "December"};
	int64_t y;
	int m, d;

	time_civil_from_days(time_floor_div(ms, 86400000), &y, &m, &d);
	buf_printf(b, "%d %s %lld", d, lang == OAUTH_LANG_EN ? en[m - 1] : fr[m - 1], (long long)y);
}

static const char *doctype_title(const struct registry *reg, const char *name, enum oauth_lang l)
{
	const struct doctype *dt = registry_find(reg, name);
	const json_t *t = dt ? json_object_get(dt->def, "title") : NULL;
	const char *s = json_string_value(json_object_get(t, l == OAUTH_LANG_EN ? "en" : "fr"));

	return s ? s : name;
}

static void what_data(struct buf *b, enum oauth_lang lang, const struct oauth_scope *sc,
		      const struct registry *reg)
{
	buf_printf(b, "<h2>%s</h2>\n<ul>",
		   lang == OAUTH_LANG_EN ? "Which data" : "Quelles données");
	for (size_t i = 0; i < sc->ndoctypes; i++) {
		buf_puts(b, "<li>");
		esc(b, doctype_title(reg, sc->doctypes[i], lang));
		buf_puts(b, " <code>");
		esc(b, sc->doctypes[i]);
		buf_puts(b, "</code></li>");
	}
	buf_puts(b, "</ul>\n<p>");
	if (sc->nfields) {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Only these fields: "
						  : "Seulement ces informations : ");
		for (size_t i = 0; i < sc->nfields; i++) {
			buf_puts(b, i ? ", <code>" : "<code>");
			esc(b, sc->fields[i]);
			buf_puts(b, "</code>");
		}
		buf_puts(b, ".");
	} else {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Every field of these records."
						  : "Toutes les informations de ces données.");
	}
	buf_puts(b, "</p>\n<p>");
	if (sc->from[0] && sc->to[0]) {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Only data dated from "
						  : "Seulement les données"
						    " datées à partir du ");
		esc(b, sc->from);
		buf_puts(b, lang == OAUTH_LANG_EN ? " and before " : " et avant le ");
		esc(b, sc->to);
		buf_puts(b, ".");
	} else if (sc->from[0]) {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Only data dated from "
						  : "Seulement les données datées à partir du ");
		esc(b, sc->from);
		buf_puts(b, ".");
	} else if (sc->to[0]) {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Only data dated before "
						  : "Seulement les données datées d’avant le ");
		esc(b, sc->to);
		buf_puts(b, ".");
	} else {
		buf_puts(b, lang == OAUTH_LANG_EN ? "Data of any date, past and future."
						  : "Les données de toutes les dates, passées et à"
						    " venir.");
	}
	buf_puts(b, "</p>\n");
}

static void what_uses(struct buf *b, enum oauth_lang lang, unsigned ops)
{
	static const struct {
		enum grant_op op;
		struct words w;
	} uses[] = {
	    {GRANT_OP_READ, {"les lire", "read them"}},
	    {GRANT_OP_AGGREGATE,
	     {"les compter seulement dans des statistiques d’ensemble, jamais une à une",
	      "count them only within overall statistics, never one by one"}},
	    {GRANT_OP_COMPUTE,
	     {"faire des calculs dans votre espace, sans emporter les données",
	      "run computations inside your space, without taking the data away"}},
	};

	buf_printf(b, "<h2>%s</h2>\n<ul>",
		   lang == OAUTH_LANG_EN ? "What the service may do with them"
					 : "Ce que le service pourra en faire");
	for (size_t i = 0; i < sizeof(uses) / sizeof(*uses); i++)
		if (ops & (unsigned)uses[i].op)
			buf_printf(b, "<li>%s</li>", W(lang, uses[i].w));
	buf_puts(b, "</ul>\n");
}

static const char *basis_words(const char *basis, enum oauth_lang lang)
{
	static const struct {
		const char *name;
		struct words w;
	} bases[] = {
	    {"consent",
	     {"votre consentement (RGPD, article 6-1-a)", "your consent (GDPR, Article 6(1)(a))"}},
	    {"contract",
	     {"un contrat entre vous et le service (RGPD, article 6-1-b)",
	      "a contract between you and the service (GDPR, Article 6(1)(b))"}},
	    {"legal-obligation",
	     {"une obligation légale du service (RGPD, article 6-1-c)",
	      "a legal obligation of the service (GDPR, Article 6(1)(c))"}},
	    {"vital-interest",
	     {"la protection d’intérêts vitaux (RGPD, article 6-1-d)",
	      "the protection of vital interests (GDPR, Article 6(1)(d))"}},
	    {"public-task",
	     {"une mission d’intérêt public (RGPD, article 6-1-e)",
	      "a task in the public interest (GDPR, Article 6(1)(e))"}},
	    {"legitimate-interest",
	     {"l’intérêt légitime du service (RGPD, article 6-1-f)",
	      "the legitimate interest of the service (GDPR, Article 6(1)(f))"}},
	};

	for (size_t i = 0; i < sizeof(bases) / sizeof(*bases); i++)
		if (strcmp(basis, bases[i].name) == 0)
			return W(lang, bases[i].w);
	return basis;
}

char *oauth_page_consent(enum oauth_lang lang, const struct oauth_authz *az,
			 const struct registry *reg, const struct person *p, const char *csrf,
			 int64_t valid_until)
{
	const json_t *meta = az->client.meta;
	const char *purpose = json_string_value(
	    json_object_get(meta, lang == OAUTH_LANG_EN ? "purpose_en" : "purpose_fr"));
	const char *basis = json_string_value(json_object_get(meta, "legal_basis"));
	bool en = lang == OAUTH_LANG_EN;
	struct buf b;

	buf_init(&b, PAGE_MAX);
	head(&b, lang, en ? "Allow access to your data?" : "Autoriser l’accès à vos données ?");
	buf_puts(&b, en ? "<h1>Allow “" : "<h1>Autoriser « ");
	esc(&b, az->client.c.name);
	buf_puts(&b, en ? "” to use your data?</h1>\n<p><strong>"
			: " » à utiliser vos données ?</h1>\n<p><strong>");
	esc(&b, az->client.c.name);
	buf_puts(&b, en ? "</strong> is a service of <strong>"
			: "</strong> est un service de <strong>");
	esc(&b, az->client.c.org_name);
	buf_puts(&b, en ? "</strong>. It asks for your permission to use some of your data.</p>\n"
			: "</strong>. Il vous demande l’autorisation d’utiliser certaines de vos"
			  " données.</p>\n");
	buf_printf(&b, "<h2>%s</h2>\n<p>", en ? "What for" : "Pour quoi faire");
	esc(&b, purpose);
	buf_puts(&b, "</p>\n");
	what_data(&b, lang, &az->scope, reg);
	what_uses(&b, lang, az->scope.ops);
	buf_printf(&b, "<h2>%s</h2>\n<p>", en ? "Until when" : "Jusqu’à quand");
	buf_puts(&b, en ? "Until " : "Jusqu’au ");
	date_words(&b, lang, valid_until);
	buf_puts(&b, en ? ", unless you withdraw it before.</p>\n"
			: ", sauf si vous retirez votre accord avant.</p>\n");
	buf_printf(&b, "<h2>%s</h2>\n<p>", en ? "Legal basis" : "Base légale");
	esc(&b, basis_words(basis ? basis : "consent", lang));
	buf_puts(&b, "</p>\n<p>");
	buf_puts(&b, en ? "You can withdraw this permission at any moment, as easily as you give"
			  " it, in the consents of your dashboard: the service then loses access"
			  " at once."
			: "Vous pourrez retirer cette autorisation à tout moment, aussi simplement"
			  " que vous la donnez, dans les consentements de votre tableau de bord :"
			  " le service perd alors l’accès immédiatement.");
	buf_puts(&b, "</p>\n");
	request_fields(&b, az);
	hidden(&b, "csrf", csrf);
	buf_printf(
	    &b,
	    "<button class=\"yes\" type=\"submit\" name=\"action\" value=\"give\">%s</button>"
	    "<button type=\"submit\" name=\"action\" value=\"refuse\">%s</button></form>\n",
	    en ? "Allow" : "Autoriser", en ? "Refuse" : "Refuser");
	buf_puts(&b, en ? "<p class=\"note\">Logged in as "
			: "<p class=\"note\">Connecté·e en tant que ");
	esc(&b, p->handle);
	buf_puts(&b, ".</p>");
	return finish(&b);
}

char *oauth_page_error(enum oauth_lang lang, const char *what_fr, const char *what_en)
{
	bool en = lang == OAUTH_LANG_EN;
	struct buf b;

	buf_init(&b, PAGE_MAX);
	head(&b, lang, en ? "Request refused" : "Demande refusée");
	buf_printf(&b, "<h1>%s</h1>\n<p class=\"alert\" role=\"alert\">",
		   en ? "This authorization request cannot go on"
		      : "Cette demande d’autorisation ne peut pas aboutir");
	esc(&b, en ? what_en : what_fr);
	buf_puts(&b,
		 en ? "</p>\n<p>The service that sent you here must correct its request. You"
		      " may close this page: nothing was shared.</p>"
		    : "</p>\n<p>Le service qui vous a envoyé·e ici doit corriger sa demande. Vous"
		      " pouvez fermer cette page : rien n’a été partagé.</p>");
	return finish(&b);
}
