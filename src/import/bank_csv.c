/*
 * bank_csv.c - the CSV files French banks export from their web sites,
 * into bank.transaction records. Three shapes, told apart by their header
 * line (as the banks' export formats are commonly described; the samples
 * in the tests are synthetic):
 *
 *   Boursorama       dateOp;dateVal;label;category;categoryParent;
 *                    supplierFound;amount;comment;accountNum;accountLabel;
 *                    accountbalance             (quoted fields, -12,50)
 *   Caisse d'Epargne Date;Numero d'operation;Libelle;Debit;Credit;Detail
 *                    (accented, Latin-1, a preamble above the header)
 *   Fortuneo         Date operation;Date valeur;libelle;Debit;Credit;
 *
 * ';' separated, dates DD/MM/YYYY or YYYY-MM-DD, amounts read exactly into
 * cents (comma or dot decimal, spaces or U+00A0 between thousands), one
 * signed amount column or split debit and credit columns. Currency EUR.
 * The dedupe key is the transaction's content (never the export-time
 * balance) plus its occurrence number in the file, so two identical
 * coffees on one day stay two transactions. docs/import/bank-csv.md.
 */
#include "import/import.h"
#include "import/seen.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "import/csvsplit.h"

#define BANK_LABEL_MAX 500               /* bytes kept of a label (schema: 500) */
#define BANK_PARTY_MAX 200               /* the doctype's counterparty */
#define BANK_ACCT_MAX 64                 /* the doctype's account */
#define BANK_REF_MAX 128                 /* the doctype's holder_ref */
#define BANK_PREAMBLE_MAX 30             /* lines looked at for the header */
#define BANK_MAX_ROWS (1 << 22)          /* transactions in one file */
#define BANK_CENTS_MAX 10000000000000LL  /* 100 billion euros */

enum bank_col {
	COL_DATE, COL_VDATE, COL_LABEL, COL_AMOUNT, COL_DEBIT, COL_CREDIT, COL_ACCOUNT,
	COL_CATEGORY, COL_PARTY, COL_REF, COL_DETAIL, NCOLS
};

struct bank_shape {
	const char *name;
	const char *col[NCOLS];              /* header names (UTF-8), NULL: absent */
};

static const struct bank_shape shapes[] = {
	{"Boursorama", {"dateOp", "dateVal", "label", "amount", NULL, NULL, "accountNum",
			"categoryParent", "supplierFound", NULL, "comment"}},
	{"Caisse d'Epargne", {"Date", NULL, "Libell\303\251", NULL, "D\303\251bit",
			      "Cr\303\251dit", NULL, NULL, NULL,
			      "Num\303\251ro d'op\303\251ration", "D\303\251tail"}},
	{"Fortuneo", {"Date op\303\251ration", "Date valeur", "libell\303\251", NULL,
		      "D\303\251bit", "Cr\303\251dit", NULL, NULL, NULL, NULL, NULL}},
};

/* Boursorama parent categories (lower case prefixes) into the doctype's. */
static const struct {
	const char *prefix, *category;
} categories[] = {
	{"alimentation", "food"}, {"logement", "housing"}, {"loisirs", "leisure"},
	{"transport", "transport"}, {"auto", "transport"}, {"sant\303\251", "health"},
	{"imp\303\264t", "tax"}, {"revenus", "income"}, {"mouvements internes", "transfer"},
	{"\303\251pargne", "savings"}, {"\303\211pargne", "savings"}, {"epargne", "savings"},
	{"enseignement", "education"}, {"assurance", "insurance"}, {"abonnement", "telecom"},
};

/* Counts of each transaction content seen in the file (open addressing). */
struct bank {
	const struct bank_shape *shape;
	int idx[NCOLS];                      /* column of each field, -1 absent */
	size_t need;                         /* fields a row must have */
	struct seen seen;
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t len = n < 4096 ? n : 4096;

	(void)filename;
	memcpy(buf, head, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (strstr(buf, "dateOp;dateVal;label;")) {
		snprintf(why, whylen, "a Boursorama header (dateOp;dateVal;label;...)");
		return 90;
	}
	if (strstr(buf, "Date;Num") && strstr(buf, "ro d'op") && strstr(buf, "ration;Libell")) {
		snprintf(why, whylen, "a Caisse d'Epargne header (Date;Numero d'operation;...)");
		return 90;
	}
	if (strstr(buf, "Date op") && strstr(buf, "ration;Date valeur;libell")) {
		snprintf(why, whylen, "a Fortuneo header (Date operation;Date valeur;...)");
		return 90;
	}
	snprintf(why, whylen, "no French bank CSV header");
	return 0;
}

/* shape_of - the shape whose columns all appear in header h, or NULL. */
static const struct bank_shape *shape_of(const struct csv_fields *h, struct bank *b)
{
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		bool all = true;

		b->need = 0;
		for (int c = 0; c < NCOLS && all; c++) {
			b->idx[c] = shapes[s].col[c] ? csv_field_index(h, shapes[s].col[c]) : -1;
			all = !shapes[s].col[c] || b->idx[c] >= 0;
			if (b->idx[c] >= 0 && (size_t)b->idx[c] + 1 > b->need)
				b->need = (size_t)b->idx[c] + 1;
		}
		if (all)
			return &shapes[s];
	}
	return NULL;
}


/* parse_date - DD/MM/YYYY or YYYY-MM-DD into out. */
static bool parse_date(const char *s, char out[11])
{
	struct csv_tm tm;

	if (!csv_time_parse(s, "%d/%m/%Y", &tm) && !csv_time_parse(s, "%Y-%m-%d", &tm))
		return false;
	csv_tm_date(&tm, out);
	return true;
}

/* copy_text - s trimmed into out (size n), cut at a UTF-8 boundary. */
static void copy_text(char *out, size_t n, const char *s)
{
	size_t len;

	while (*s == ' ')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	if (len >= n) {
		len = n - 1;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

static const char *category_of(const char *parent)
{
	char low[64];
	size_t i;

	for (i = 0; parent[i] && i < sizeof(low) - 1; i++)
		low[i] = parent[i] >= 'A' && parent[i] <= 'Z' ? (char)(parent[i] - 'A' + 'a')
							      : parent[i];
	low[i] = '\0';
	for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (strncmp(low, categories[i].prefix, strlen(categories[i].prefix)) == 0)
			return categories[i].category;
	return NULL;
}

static const char *field(const struct bank *b, const struct csv_fields *r, enum bank_col c)
{
	return b->idx[c] >= 0 ? r->f[b->idx[c]] : "";
}

static bool blank(const char *s)
{
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/* amount - the signed cents of row r: one amount column, or debit/credit. */
static enum cmn_rc amount(struct import_job *j, size_t line, const struct bank *b,
			  const struct csv_fields *r, int64_t *cents)
{
	int c = b->idx[COL_AMOUNT];
	int64_t v;

	if (c >= 0) {
		if (!csv_decimal(r->f[c], 0, 2, &v) || v > BANK_CENTS_MAX || v < -BANK_CENTS_MAX)
			return import_fail(j, line, r->col[c], "expected an amount such as -12,50 "
				"(at most 2 decimals), not \"%.40s\"", r->f[c]);
		*cents = v;
		return CMN_OK;
	}
	for (int k = COL_DEBIT; k <= COL_CREDIT; k++) {
		c = b->idx[k];
		if (blank(r->f[c]))
			continue;
		if (!csv_decimal(r->f[c], 0, 2, &v) || v > BANK_CENTS_MAX || v < -BANK_CENTS_MAX)
			return import_fail(j, line, r->col[c], "expected an amount such as 12,50 "
				"(at most 2 decimals), not \"%.40s\"", r->f[c]);
		if (v < 0)
			v = -v;
		if (!blank(r->f[b->idx[k == COL_DEBIT ? COL_CREDIT : COL_DEBIT]]))
			return import_fail(j, line, r->col[c], "both a debit and a credit");
		*cents = k == COL_DEBIT ? -v : v;
		return CMN_OK;
	}
	return import_fail(j, line, r->col[b->idx[COL_DEBIT]], "neither a debit nor a credit");
}

/* row - one transaction line into a record. */
static enum cmn_rc row(struct import_job *j, struct bank *b, size_t line, struct csv_fields *r)
{
	char date[11], vdate[11] = "", label[BANK_LABEL_MAX + 1], party[BANK_PARTY_MAX + 1];
	char account[BANK_ACCT_MAX + 1], ref[BANK_REF_MAX + 1], key[1024], occ[16];
	const char *cat;
	int64_t cents = 0;
	uint32_t before;
	json_t *rec;
	enum cmn_rc rc;

	if (r->n < b->need)
		return import_fail(j, line, 1, "%zu fields, expected %zu as in the header", r->n,
				   b->need);
	if (!parse_date(field(b, r, COL_DATE), date))
		return import_fail(j, line, r->col[b->idx[COL_DATE]], "expected a date DD/MM/YYYY "
				   "or YYYY-MM-DD, not \"%.20s\"", field(b, r, COL_DATE));
	if (b->idx[COL_VDATE] >= 0 && !blank(field(b, r, COL_VDATE)) &&
	    !parse_date(field(b, r, COL_VDATE), vdate))
		return import_fail(j, line, r->col[b->idx[COL_VDATE]], "expected a value date "
				   "DD/MM/YYYY or YYYY-MM-DD, not \"%.20s\"", field(b, r, COL_VDATE));
	rc = amount(j, line, b, r, &cents);
	if (rc != CMN_OK)
		return rc;
	copy_text(label, sizeof(label), field(b, r, COL_LABEL));
	if (!label[0])
		copy_text(label, sizeof(label), field(b, r, COL_DETAIL));
	copy_text(party, sizeof(party), field(b, r, COL_PARTY));
	copy_text(account, sizeof(account), field(b, r, COL_ACCOUNT));
	copy_text(ref, sizeof(ref), field(b, r, COL_REF));
	snprintf(key, sizeof(key), "%s|%s|%lld|%s|%s|%s", date, vdate, (long long)cents, account,
		 ref, label);
	rc = seen_next(&b->seen, key, &before);
	if (rc != CMN_OK)
		return rc;
	if (b->seen.n > BANK_MAX_ROWS)
		return import_fail(j, line, 1, "more than %d transactions in one file",
				   BANK_MAX_ROWS);
	snprintf(occ, sizeof(occ), "#%u", before);
	if (strlen(key) + strlen(occ) < sizeof(key))
		memcpy(key + strlen(key), occ, strlen(occ) + 1);
	rec = json_pack("{s:s, s:f, s:s, s:s}", "date", date, "amount", (double)cents / 100.0,
			"currency", "EUR", "label", label);
	if (!rec)
		return CMN_ERR_NOMEM;
	/* a member that could not be set fails the import: a transaction
	 * stored without its counterparty or account is a false statement */
	if (vdate[0])
		json_put(&rec, "value_date", json_string(vdate));
	if (party[0])
		json_put(&rec, "counterparty", json_string(party));
	if (account[0])
		json_put(&rec, "account", json_string(account));
	if (ref[0])
		json_put(&rec, "holder_ref", json_string(ref));
	cat = category_of(field(b, r, COL_CATEGORY));
	if (b->idx[COL_CATEGORY] >= 0 && cat)
		json_put(&rec, "category", json_string(cat));
	if (!rec)
		return CMN_ERR_NOMEM;
	rc = import_record(j, "bank.transaction", rec, key);
	if (rc == CMN_ERR_INVALID && j->err.line == 0)
		j->err.line = line;
	return rc;
}

/* find_header - skips the preamble up to the header line of a known shape. */
static enum cmn_rc find_header(struct import_job *j, struct import_input *in, struct bank *b)
{
	struct csv_fields h;
	int r;

	while ((r = import_read_line(j, in)) == 1) {
		if (csv_split(in->buf, ';', &h) && (b->shape = shape_of(&h, b)))
			return CMN_OK;
		if (in->line >= BANK_PREAMBLE_MAX)
			break;
	}
	if (r < 0)
		return CMN_ERR_INVALID;
	return import_fail(j, in->line ? in->line : 1, 1, "no header of a known bank CSV in the "
			   "first %d lines (Boursorama dateOp;dateVal;..., Caisse d'Epargne "
			   "Date;Numero d'operation;..., Fortuneo Date operation;Date valeur;...)",
			   BANK_PREAMBLE_MAX);
}

static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct bank b = {0};
	struct csv_fields r;
	enum cmn_rc rc = find_header(j, in, &b);
	int got = 1;

	while (rc == CMN_OK && (got = import_read_line(j, in)) == 1) {
		if (blank(in->buf) || strncmp(in->buf, "Solde", 5) == 0)
			continue; /* Caisse d'Epargne ends with balance lines */
		if (!csv_split(in->buf, ';', &r))
			rc = import_fail(j, in->line, r.bad_col, "%s", r.why);
		else
			rc = row(j, &b, in->line, &r);
	}
	if (rc == CMN_OK && got < 0)
		rc = CMN_ERR_INVALID;
	seen_release(&b.seen);
	return rc;
}

const struct import_format import_bank_csv = {
	"bank-csv",
	"French bank CSV exports (Boursorama, Caisse d'Epargne, Fortuneo) into bank.transaction",
	detect,
	run,
};
