/*
 * ofx.c - bank statements in OFX (Open Financial Exchange), as banks export
 * them for money managers (.ofx, .qfx):
 *
 *   OFX 1.x, SGML: a header of KEY:VALUE lines (OFXHEADER:100,
 *   CHARSET:1252...) then tags whose leaves have no end tag:
 *     <STMTTRN><TRNTYPE>POS<DTPOSTED>20090401122017.000[-5:EST]
 *     <TRNAMT>-6.60<FITID>0000123456782009040100001<NAME>MCDONALD'S</STMTTRN>
 *   OFX 2.x, XML: <?xml ...?><?OFX OFXHEADER="200" ...?> and closed tags.
 *
 * Each STMTTRN of a bank (STMTRS) or card (CCSTMTRS) statement becomes one
 * bank.transaction: date from DTPOSTED (the date as written, in the
 * file's own offset), amount TRNAMT, currency CURDEF (or the transaction's
 * CURRENCY/CURSYM), label NAME and MEMO, account ACCTID, holder_ref FITID,
 * dedupe key account + FITID. Tokens come from xmlscan.c (no DTD, no
 * entities beyond XML's five). docs/import/ofx.md.
 */
#include "import/import.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/xmlscan.h"

#define OFX_LABEL_MAX 500                /* bytes kept of a label (schema: 500) */
#define OFX_PARTY_MAX 200                /* bytes kept of a counterparty */
#define OFX_ID_MAX 255                   /* FITID: 255 characters in OFX 2.1.1 */
#define OFX_ACCT_MAX 64                  /* the doctype's account */

struct ofx_txn {
	size_t line, column;                 /* of <STMTTRN> */
	char type[16];                       /* TRNTYPE */
	char date[11];                       /* DTPOSTED as YYYY-MM-DD */
	char value_date[11];                 /* DTAVAIL */
	bool has_amount;
	int64_t cents;                       /* TRNAMT */
	char fitid[OFX_ID_MAX + 1];
	char name[OFX_LABEL_MAX + 1];
	char memo[OFX_LABEL_MAX + 1];
	char payee[OFX_PARTY_MAX + 1];       /* PAYEE/NAME */
	char currency[4];                    /* CURRENCY/CURSYM */
};

struct ofx {
	bool header_done;                    /* an element was seen */
	char currency[4];                    /* CURDEF of the statement */
	char account[OFX_ACCT_MAX + 1];      /* ACCTID of the statement */
	bool in_txn;
	struct ofx_txn t;
	size_t count;
};

static int detect(const char *head, size_t n, const char *filename, char *why, size_t whylen)
{
	char buf[4097];
	size_t len = n < 4096 ? n : 4096, skip = 0;
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	bool named = dot && (strcmp(dot, ".ofx") == 0 || strcmp(dot, ".OFX") == 0 ||
			     strcmp(dot, ".qfx") == 0 || strcmp(dot, ".QFX") == 0);

	memcpy(buf, head, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' '; /* strstr must see past a stray NUL */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	while (skip < len && (buf[skip] == ' ' || buf[skip] == '\r' || buf[skip] == '\n' ||
			      buf[skip] == '\t'))
		skip++;
	if (strncmp(buf + skip, "OFXHEADER:", 10) == 0) {
		snprintf(why, whylen, "an OFX 1.x header (OFXHEADER:)");
		return 95;
	}
	if (strstr(buf, "<?OFX ")) {
		snprintf(why, whylen, "an OFX 2.x header (<?OFX ...?>)");
		return 95;
	}
	if (strstr(buf, "<OFX>")) {
		snprintf(why, whylen, "an <OFX> element without the OFX header%s",
			 named ? ", named .ofx" : "");
		return named ? 85 : 70;
	}
	snprintf(why, whylen, "no OFX header and no <OFX> element");
	return 0;
}

/* header_line - one KEY:VALUE line of the OFX 1.x header. */
static void header_line(struct xmlscan *xs, const char *line, size_t n)
{
	if ((n == 12 && strncmp(line, "CHARSET:1252", 12) == 0) ||
	    (n >= 18 && strncmp(line, "CHARSET:ISO-8859-1", 18) == 0))
		xs->charset = XMLSCAN_CP1252;
	else if (n >= 14 && strncmp(line, "ENCODING:UTF-8", 14) == 0)
		xs->charset = XMLSCAN_UTF8;
}

/* header - the text before <OFX> in OFX 1.x: KEY:VALUE lines. */
static enum cmn_rc header(struct import_job *j, struct xmlscan *xs, struct ofx *o)
{
	const char *p = xs->text;

	if (o->header_done)
		return CMN_OK; /* text after </OFX>: ignored */
	if (strncmp(p, "OFXHEADER:", 10) != 0)
		return import_fail(j, xs->line, xs->column, "expected the OFX header (OFXHEADER:100) "
							   "or <OFX>");
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		header_line(xs, p, n);
		p = eol ? eol + 1 : p + strlen(p);
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
	}
	return CMN_OK;
}

/* parse_date - DTPOSTED: YYYYMMDD[HHMMSS[.mmm]][[+-]H[.MM][:TZ]]; the date
 * as written (it is local to the offset that follows it). */
static bool parse_date(const char *s, char out[11])
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n != 8 && n != 12 && n != 14)
		return false;
	snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	if (!time_is_date(out))
		return false;
	if (n >= 12 && ((s[8] - '0') * 10 + (s[9] - '0') > 23 ||
			(s[10] - '0') * 10 + (s[11] - '0') > 59))
		return false;
	if (n == 14 && (s[12] - '0') * 10 + (s[13] - '0') > 60)
		return false;
	s += n;
	if (*s == '.') {
		size_t k = 0;

		for (s++; s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == 0 || k > 6)
			return false;
		s += k;
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');
		size_t k = 1;

		if (!close || close[1] != '\0')
			return false;
		if (s[k] == '+' || s[k] == '-')
			k++;
		if (s[k] < '0' || s[k] > '9')
			return false;
		while (s[k] >= '0' && s[k] <= '9')
			k++;
		if (s[k] == '.')
			for (k++; s[k] >= '0' && s[k] <= '9'; k++)
				;
		if (s[k] != ':' && s + k != close)
			return false;
		return true;
	}
	return *s == '\0';
}

static enum cmn_rc check_currency(struct import_job *j, struct xmlscan *xs, const char *s,
				  char out[4])
{
	if (strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
	    s[2] < 'A' || s[2] > 'Z')
		return import_fail(j, xs->line, xs->column, "expected a currency code (ISO 4217, "
							   "e.g. EUR), not \"%s\"", xmlscan_excerpt(s));
	memcpy(out, s, 4);
	return CMN_OK;
}

/* txn_field - the text of an element inside STMTTRN. */
static enum cmn_rc txn_field(struct import_job *j, struct xmlscan *xs, struct ofx_txn *t,
			     const char *e)
{
	const char *s = xs->text;

	if (strcmp(e, "TRNTYPE") == 0) {
		xmlscan_copy_text(t->type, sizeof(t->type), s);
	} else if (strcmp(e, "DTPOSTED") == 0 || strcmp(e, "DTAVAIL") == 0) {
		if (!parse_date(s, e[2] == 'P' ? t->date : t->value_date))
			return import_fail(j, xs->line, xs->column, "%s: expected a date "
				"YYYYMMDD[HHMMSS[.mmm]][[+-]H:TZ], not \"%s\"", e,
				xmlscan_excerpt(s));
	} else if (strcmp(e, "TRNAMT") == 0) {
		if (!xmlscan_cents(s, true, &t->cents))
			return import_fail(j, xs->line, xs->column, "TRNAMT: expected an amount "
				"such as -12.50 (at most 2 decimals), not \"%s\"",
				xmlscan_excerpt(s));
		t->has_amount = true;
	} else if (strcmp(e, "FITID") == 0) {
		if (!xmlscan_copy_text(t->fitid, sizeof(t->fitid), s))
			return import_fail(j, xs->line, xs->column, "FITID longer than %d bytes",
					   OFX_ID_MAX);
	} else if (strcmp(e, "NAME") == 0) {
		xmlscan_copy_text(t->name, sizeof(t->name), s);
	} else if (strcmp(e, "MEMO") == 0) {
		xmlscan_copy_text(t->memo, sizeof(t->memo), s);
	}
	return CMN_OK;
}

/* text - the text of the innermost open element. */
static enum cmn_rc text(struct import_job *j, struct xmlscan *xs, struct ofx *o)
{
	const char *e = xmlscan_local(xs->stack[xs->depth - 1]);
	int64_t cents;

	if (o->in_txn && xmlscan_parent_is(xs, 1, "STMTTRN"))
		return txn_field(j, xs, &o->t, e);
	if (o->in_txn && strcmp(e, "NAME") == 0 && xmlscan_parent_is(xs, 1, "PAYEE"))
		xmlscan_copy_text(o->t.payee, sizeof(o->t.payee), xs->text);
	else if (o->in_txn && strcmp(e, "CURSYM") == 0 && xmlscan_parent_is(xs, 1, "CURRENCY"))
		return check_currency(j, xs, xs->text, o->t.currency);
	else if (strcmp(e, "CURDEF") == 0)
		return check_currency(j, xs, xs->text, o->currency);
	else if (strcmp(e, "ACCTID") == 0 && (xmlscan_parent_is(xs, 1, "BANKACCTFROM") ||
					      xmlscan_parent_is(xs, 1, "CCACCTFROM"))) {
		if (!xmlscan_copy_text(o->account, sizeof(o->account), xs->text))
			return import_fail(j, xs->line, xs->column, "ACCTID longer than %d bytes",
					   OFX_ACCT_MAX);
	} else if (strcmp(e, "BALAMT") == 0 && !xmlscan_cents(xs->text, true, &cents)) {
		return import_fail(j, xs->line, xs->column, "BALAMT: expected an amount, not "
							   "\"%s\"", xmlscan_excerpt(xs->text));
	}
	return CMN_OK;
}

/* label - NAME and MEMO (MEMO alone when it repeats NAME), else TRNTYPE. */
static void label(const struct ofx_txn *t, char *out, size_t n)
{
	char both[2 * OFX_LABEL_MAX + 4];

	if (t->name[0] && t->memo[0] && !strstr(t->memo, t->name)) {
		snprintf(both, sizeof(both), "%s - %s", t->name, t->memo);
		xmlscan_copy_text(out, n, both);
	} else if (t->memo[0]) {
		xmlscan_copy_text(out, n, t->memo);
	} else if (t->name[0]) {
		xmlscan_copy_text(out, n, t->name);
	} else {
		xmlscan_copy_text(out, n, t->type[0] ? t->type : "OTHER");
	}
}

/* emit - the transaction that </STMTTRN> ends, as a record. */
static enum cmn_rc emit(struct import_job *j, struct ofx *o)
{
	const struct ofx_txn *t = &o->t;
	const char *currency = t->currency[0] ? t->currency : o->currency;
	char text[OFX_LABEL_MAX + 1], key[OFX_ACCT_MAX + OFX_ID_MAX + 2];
	json_t *rec;

	if (!t->date[0])
		return import_fail(j, t->line, t->column, "the transaction has no DTPOSTED (or "
							 "an empty one)");
	if (!t->has_amount)
		return import_fail(j, t->line, t->column, "the transaction has no TRNAMT");
	if (!currency[0])
		return import_fail(j, t->line, t->column, "no CURDEF in the statement before "
							 "this transaction");
	label(t, text, sizeof(text));
	rec = json_pack("{s:s, s:f, s:s, s:s}", "date", t->date, "amount",
			(double)t->cents / 100.0, "currency", currency, "label", text);
	if (!rec)
		return CMN_ERR_NOMEM;
	/* whole or not at all: a transaction stored without its account or
	 * FITID would be a false record of the statement */
	if (t->value_date[0])
		json_put(&rec, "value_date", json_string(t->value_date));
	if (t->payee[0])
		json_put(&rec, "counterparty", json_string(t->payee));
	if (o->account[0])
		json_put(&rec, "account", json_string(o->account));
	if (t->fitid[0] && strlen(t->fitid) <= 128)
		json_put(&rec, "holder_ref", json_string(t->fitid));
	if (!rec)
		return CMN_ERR_NOMEM;
	snprintf(key, sizeof(key), "%s|%s", o->account, t->fitid);
	o->count++;
	return t->fitid[0] ? import_record(j, "bank.transaction", rec, key)
			   : import_record_nth(j, "bank.transaction", rec);
}

static enum cmn_rc open_tag(struct import_job *j, struct xmlscan *xs, struct ofx *o)
{
	const char *e = xmlscan_local(xs->name);

	if (xs->depth == 1 && strcmp(e, "OFX") != 0)
		return import_fail(j, xs->line, xs->column, "expected <OFX>, found <%s>", xs->name);
	o->header_done = true;
	if (strcmp(e, "STMTRS") == 0 || strcmp(e, "CCSTMTRS") == 0) {
		o->currency[0] = '\0';
		o->account[0] = '\0';
	} else if (strcmp(e, "STMTTRN") == 0) {
		if (o->in_txn)
			return import_fail(j, xs->line, xs->column, "a STMTTRN inside a STMTTRN");
		memset(&o->t, 0, sizeof(o->t));
		o->t.line = xs->line;
		o->t.column = xs->column;
		o->in_txn = true;
	}
	return CMN_OK;
}

static enum cmn_rc close_tag(struct import_job *j, struct xmlscan *xs, struct ofx *o)
{
	const char *e = xmlscan_local(xs->name);

	if (strcmp(e, "STMTTRN") == 0) {
		o->in_txn = false;
		return emit(j, o);
	}
	if (strcmp(e, "BALAMT") == 0 && !xmlscan_closed_had_text(xs))
		return import_fail(j, xs->line, xs->column, "BALAMT is empty: expected an amount");
	return CMN_OK;
}

/*
 * run - OFX 1.x or 2.x. The scanner starts in SGML mode (OFX 1.x); a
 * processing instruction before the first element (<?xml or <?OFX) means
 * OFX 2.x, and from then on the XML rules apply (closed tags, checked
 * UTF-8 unless the declaration says otherwise).
 */
static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct xmlscan *xs = xmlscan_new(in->f, true);
	struct ofx o = {0};
	enum cmn_rc rc = xs ? CMN_OK : CMN_ERR_NOMEM;
	bool done = false;

	if (xs)
		xs->charset = XMLSCAN_CP1252; /* OFX 1.x without a CHARSET line */
	while (rc == CMN_OK && !done) {
		switch (xmlscan_next(xs)) {
		case XMLSCAN_ERROR:
			rc = import_fail(j, xs->err_line, xs->err_column, "%s", xs->err);
			break;
		case XMLSCAN_END:
			done = true;
			break;
		case XMLSCAN_PI:
			if (!o.header_done && xs->sgml) {
				xs->sgml = false;
				if (strcmp(xs->name, "xml") != 0 || !xmlscan_attr(xs, "encoding"))
					xs->charset = XMLSCAN_UTF8;
			}
			break;
		case XMLSCAN_TEXT:
			rc = xs->depth ? text(j, xs, &o) : header(j, xs, &o);
			break;
		case XMLSCAN_OPEN:
			rc = open_tag(j, xs, &o);
			break;
		case XMLSCAN_CLOSE:
			rc = close_tag(j, xs, &o);
			break;
		}
	}
	if (rc == CMN_OK && !o.header_done)
		rc = import_fail(j, in->line + 1, 1, "no <OFX> element");
	xmlscan_free(&xs);
	return rc;
}

const struct import_format import_ofx = {
	"ofx",
	"OFX bank and card statements, 1.x (SGML) and 2.x (XML)",
	detect,
	run,
};
