/*
 * camt053.c - ISO 20022 bank-to-customer statements (camt.053.001.02 to
 * .08 and later, same shape), the XML European banks give for an account:
 *
 *   <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 *    <BkToCstmrStmt><Stmt><Acct><Id><IBAN>NL26...</IBAN></Id></Acct>
 *     <Ntry><Amt Ccy="EUR">8.85</Amt><CdtDbtInd>CRDT</CdtDbtInd>
 *      <Sts>BOOK</Sts><BookgDt><Dt>2014-12-31</Dt></BookgDt>
 *      <AcctSvcrRef>...</AcctSvcrRef>
 *      <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>...</Nm></Dbtr></RltdPties>
 *       <RmtInf><Ustrd>...</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
 *
 * Each booked Ntry of each Stmt becomes one bank.transaction: date from
 * BookgDt (Dt, or the date part of DtTm as written), amount Amt negated
 * for DBIT, currency Amt/@Ccy, label Ustrd (else AddtlTxInf, AddtlNtryInf,
 * the counterparty), counterparty the debtor of a credit or the creditor
 * of a debit, account the statement's IBAN (or other id), holder_ref and
 * dedupe key AcctSvcrRef (with the account). Pending (PDNG) and
 * information-only (INFO) entries are skipped with a warning. Tokens come
 * from xmlscan.c. docs/import/camt053.md.
 */
#include "import/import.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonput.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "import/xmlscan.h"

#define CAMT_NS "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
#define CAMT_LABEL_MAX 500               /* bytes kept of a label (schema: 500) */
#define CAMT_PARTY_MAX 200               /* bytes kept of a counterparty */
#define CAMT_REF_MAX 128                 /* AcctSvcrRef: Max35Text, holder_ref: 128 */
#define CAMT_ACCT_MAX 64                 /* IBAN: 34 */

struct camt_entry {
	size_t line, column;                 /* of <Ntry> */
	bool has_amount;
	int64_t cents;                       /* Amt, unsigned in the file */
	int sign;                            /* CdtDbtInd: 1 CRDT, -1 DBIT, 0 not seen */
	char currency[4];                    /* Amt/@Ccy */
	char status[8];                      /* Sts or Sts/Cd */
	char date[11];                       /* BookgDt */
	char value_date[11];                 /* ValDt */
	char ref[CAMT_REF_MAX + 1];          /* AcctSvcrRef */
	char ustrd[CAMT_LABEL_MAX + 1];      /* every RmtInf/Ustrd, joined */
	char addtl_tx[CAMT_LABEL_MAX + 1];   /* TxDtls/AddtlTxInf */
	char addtl[CAMT_LABEL_MAX + 1];      /* AddtlNtryInf */
	char debtor[CAMT_PARTY_MAX + 1];
	char creditor[CAMT_PARTY_MAX + 1];
};

struct camt {
	bool document;                       /* the root was checked */
	char account[CAMT_ACCT_MAX + 1];     /* of the current Stmt */
	bool in_entry;
	struct camt_entry e;
	size_t skipped;                      /* entries not booked */
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
	if (strstr(buf, CAMT_NS)) {
		snprintf(why, whylen, "the camt.053 namespace (%s..)", CAMT_NS);
		return 95;
	}
	if (strstr(buf, "<BkToCstmrStmt>")) {
		snprintf(why, whylen, "a BkToCstmrStmt element without the camt.053 namespace");
		return 60;
	}
	snprintf(why, whylen, "no camt.053 namespace");
	return 0;
}

/* check_root - <Document xmlns="...camt.053.001.NN">, NN from 02 to 13. */
static enum cmn_rc check_root(struct import_job *j, struct xmlscan *xs, struct camt *c)
{
	const char *ns = NULL;
	int64_t version = 0;

	for (size_t i = 0; i < xs->nattrs; i++)
		if (strncmp(xs->attrs[i].name, "xmlns", 5) == 0 &&
		    strncmp(xs->attr_buf + xs->attrs[i].value, CAMT_NS, strlen(CAMT_NS)) == 0)
			ns = xs->attr_buf + xs->attrs[i].value + strlen(CAMT_NS);
	if (strcmp(xmlscan_local(xs->name), "Document") != 0 || !ns)
		return import_fail(j, xs->line, xs->column, "expected <Document xmlns=\"%sNN\">",
				   CAMT_NS);
	if (str_to_i64(ns, 2, 13, &version) != CMN_OK)
		return import_fail(j, xs->line, xs->column, "camt.053.001.%s is not a version "
							   "read here (02 to 13)", xmlscan_excerpt(ns));
	c->document = true;
	return CMN_OK;
}

/* iso_date - Dt ("2014-12-31") or the date part of DtTm
 * ("2014-12-31T13:15:00+01:00", as written: local to its own offset). */
static bool iso_date(const char *s, bool datetime, char out[11])
{
	if (strlen(s) < 10)
		return false;
	memcpy(out, s, 10);
	out[10] = '\0';
	if (!time_is_date(out))
		return false;
	if (!datetime)
		return s[10] == '\0';
	return s[10] == 'T' && strlen(s) >= 19 && s[13] == ':' && s[16] == ':';
}

static enum cmn_rc entry_date(struct import_job *j, struct xmlscan *xs, const char *e,
			      char out[11])
{
	bool dt = strcmp(e, "DtTm") == 0;

	if (!dt && strcmp(e, "Dt") != 0)
		return CMN_OK;
	if (!iso_date(xs->text, dt, out))
		return import_fail(j, xs->line, xs->column, "expected %s, not \"%s\"",
				   dt ? "a date-time such as 2014-12-31T13:15:00+01:00"
				      : "a date such as 2014-12-31", xmlscan_excerpt(xs->text));
	return CMN_OK;
}

static void append_ustrd(struct camt_entry *e, const char *s)
{
	char both[2 * CAMT_LABEL_MAX + 2];

	if (!e->ustrd[0]) {
		xmlscan_copy_text(e->ustrd, sizeof(e->ustrd), s);
		return;
	}
	snprintf(both, sizeof(both), "%s %s", e->ustrd, s);
	xmlscan_copy_text(e->ustrd, sizeof(e->ustrd), both);
}

/* party - Nm of Dbtr or Cdtr (directly, or in Pty from version 08). */
static void party(struct xmlscan *xs, struct camt_entry *e)
{
	size_t up = xmlscan_parent_is(xs, 1, "Pty") ? 2 : 1;
	char *dst = xmlscan_parent_is(xs, up, "Dbtr")   ? e->debtor
		    : xmlscan_parent_is(xs, up, "Cdtr") ? e->creditor
							: NULL;

	if (dst && !dst[0] && xmlscan_parent_is(xs, up + 1, "RltdPties"))
		xmlscan_copy_text(dst, CAMT_PARTY_MAX + 1, xs->text);
}

/* entry_text - the text of an element inside Ntry. */
static enum cmn_rc entry_text(struct import_job *j, struct xmlscan *xs, struct camt_entry *e,
			      const char *el)
{
	const char *s = xs->text;

	if (xmlscan_parent_is(xs, 1, "Ntry")) {
		if (strcmp(el, "Amt") == 0) {
			if (s[0] == '-' || s[0] == '+' || !xmlscan_cents(s, false, &e->cents))
				return import_fail(j, xs->line, xs->column, "Amt: expected an "
					"amount such as 12.50 (at most 2 decimals), not \"%s\"",
					xmlscan_excerpt(s));
			e->has_amount = true;
		} else if (strcmp(el, "CdtDbtInd") == 0) {
			if (strcmp(s, "CRDT") != 0 && strcmp(s, "DBIT") != 0)
				return import_fail(j, xs->line, xs->column, "CdtDbtInd: expected "
					"CRDT or DBIT, not \"%s\"", xmlscan_excerpt(s));
			e->sign = s[0] == 'C' ? 1 : -1;
		} else if (strcmp(el, "Sts") == 0) {
			xmlscan_copy_text(e->status, sizeof(e->status), s);
		} else if (strcmp(el, "AcctSvcrRef") == 0) {
			if (!xmlscan_copy_text(e->ref, sizeof(e->ref), s))
				return import_fail(j, xs->line, xs->column, "AcctSvcrRef longer "
					"than %d bytes", CAMT_REF_MAX);
		} else if (strcmp(el, "AddtlNtryInf") == 0) {
			xmlscan_copy_text(e->addtl, sizeof(e->addtl), s);
		}
		return CMN_OK;
	}
	if (strcmp(el, "Cd") == 0 && xmlscan_parent_is(xs, 1, "Sts") &&
	    xmlscan_parent_is(xs, 2, "Ntry"))
		xmlscan_copy_text(e->status, sizeof(e->status), s);
	else if (xmlscan_parent_is(xs, 1, "BookgDt") && xmlscan_parent_is(xs, 2, "Ntry"))
		return entry_date(j, xs, el, e->date);
	else if (xmlscan_parent_is(xs, 1, "ValDt") && xmlscan_parent_is(xs, 2, "Ntry"))
		return entry_date(j, xs, el, e->value_date);
	else if (strcmp(el, "Ustrd") == 0 && xmlscan_parent_is(xs, 1, "RmtInf"))
		append_ustrd(e, s);
	else if (strcmp(el, "AddtlTxInf") == 0 && !e->addtl_tx[0])
		xmlscan_copy_text(e->addtl_tx, sizeof(e->addtl_tx), s);
	else if (strcmp(el, "Nm") == 0)
		party(xs, e);
	return CMN_OK;
}

static enum cmn_rc text(struct import_job *j, struct xmlscan *xs, struct camt *c)
{
	const char *el;

	if (!xs->depth)
		return CMN_OK; /* the scanner refuses text outside the root */
	el = xmlscan_local(xs->stack[xs->depth - 1]);
	if (c->in_entry)
		return entry_text(j, xs, &c->e, el);
	/* Stmt/Acct/Id/IBAN, or Stmt/Acct/Id/Othr/Id */
	if (strcmp(el, "IBAN") == 0 && xmlscan_parent_is(xs, 1, "Id") &&
	    xmlscan_parent_is(xs, 2, "Acct") && xmlscan_parent_is(xs, 3, "Stmt")) {
		if (!xmlscan_copy_text(c->account, sizeof(c->account), xs->text))
			return import_fail(j, xs->line, xs->column, "IBAN longer than %d bytes",
					   CAMT_ACCT_MAX);
	} else if (strcmp(el, "Id") == 0 && xmlscan_parent_is(xs, 1, "Othr") &&
		   xmlscan_parent_is(xs, 2, "Id") && xmlscan_parent_is(xs, 3, "Acct") &&
		   xmlscan_parent_is(xs, 4, "Stmt") && !c->account[0]) {
		if (!xmlscan_copy_text(c->account, sizeof(c->account), xs->text))
			return import_fail(j, xs->line, xs->column, "an account id longer than %d "
								   "bytes", CAMT_ACCT_MAX);
	}
	return CMN_OK;
}

static void label(const struct camt_entry *e, const char *counterparty, char *out, size_t n)
{
	const char *text = e->ustrd[0]      ? e->ustrd
			   : e->addtl_tx[0] ? e->addtl_tx
			   : e->addtl[0]    ? e->addtl
			   : counterparty   ? counterparty
			   : e->sign > 0    ? "Credit"
					    : "Debit";

	xmlscan_copy_text(out, n, text);
}

/* emit - the entry that </Ntry> ends, as a record (when booked). */
static enum cmn_rc emit(struct import_job *j, struct camt *c)
{
	const struct camt_entry *e = &c->e;
	const char *party = e->sign > 0 ? e->debtor : e->creditor;
	char text[CAMT_LABEL_MAX + 1], key[CAMT_ACCT_MAX + CAMT_REF_MAX + 2];
	json_t *rec;

	if (e->status[0] && strcmp(e->status, "BOOK") != 0) {
		c->skipped++;
		import_warn(j, "line %zu: an entry with status %s (not booked) was skipped", e->line,
			    e->status);
		return CMN_OK;
	}
	if (!e->has_amount)
		return import_fail(j, e->line, e->column, "the entry has no Amt");
	if (!e->sign)
		return import_fail(j, e->line, e->column, "the entry has no CdtDbtInd");
	if (!e->date[0] && !e->value_date[0])
		return import_fail(j, e->line, e->column, "the entry has no BookgDt (nor ValDt)");
	if (!e->currency[0])
		return import_fail(j, e->line, e->column, "the entry's Amt has no Ccy");
	label(e, party[0] ? party : NULL, text, sizeof(text));
	rec = json_pack("{s:s, s:f, s:s, s:s}", "date", e->date[0] ? e->date : e->value_date,
			"amount", (double)(e->sign * e->cents) / 100.0, "currency", e->currency,
			"label", text);
	if (!rec)
		return CMN_ERR_NOMEM;
	/* whole or not at all: an entry stored without its counterparty or
	 * reference would be a false record of the statement */
	if (e->value_date[0])
		json_put(&rec, "value_date", json_string(e->value_date));
	if (party[0])
		json_put(&rec, "counterparty", json_string(party));
	if (c->account[0])
		json_put(&rec, "account", json_string(c->account));
	if (e->ref[0])
		json_put(&rec, "holder_ref", json_string(e->ref));
	if (!rec)
		return CMN_ERR_NOMEM;
	snprintf(key, sizeof(key), "%s|%s", c->account, e->ref);
	return e->ref[0] ? import_record(j, "bank.transaction", rec, key)
			 : import_record_nth(j, "bank.transaction", rec);
}

static enum cmn_rc open_tag(struct import_job *j, struct xmlscan *xs, struct camt *c)
{
	const char *el = xmlscan_local(xs->name);
	const char *ccy;

	if (xs->depth == 1)
		return check_root(j, xs, c);
	if (xs->depth == 2 && strcmp(el, "BkToCstmrStmt") != 0)
		return import_fail(j, xs->line, xs->column, "expected <BkToCstmrStmt>, found <%s>",
				   xs->name);
	if (strcmp(el, "Stmt") == 0 && xs->depth == 3) {
		c->account[0] = '\0';
	} else if (strcmp(el, "Ntry") == 0 && xmlscan_parent_is(xs, 1, "Stmt")) {
		memset(&c->e, 0, sizeof(c->e));
		c->e.line = xs->line;
		c->e.column = xs->column;
		c->in_entry = true;
	} else if (c->in_entry && strcmp(el, "Amt") == 0 && xmlscan_parent_is(xs, 1, "Ntry")) {
		ccy = xmlscan_attr(xs, "Ccy");
		if (!ccy || strlen(ccy) != 3 || ccy[0] < 'A' || ccy[0] > 'Z' || ccy[1] < 'A' ||
		    ccy[1] > 'Z' || ccy[2] < 'A' || ccy[2] > 'Z')
			return import_fail(j, xs->line, xs->column, "Amt: expected Ccy=\"EUR\" (an "
								   "ISO 4217 code)");
		memcpy(c->e.currency, ccy, 4);
	}
	return CMN_OK;
}

/*
 * run - one pass over the document: the Stmt's account is known before its
 * entries (Acct precedes Ntry in every version), so each entry is written
 * when its </Ntry> is read and memory does not grow with the file.
 */
static enum cmn_rc run(struct import_job *j, struct import_input *in)
{
	struct xmlscan *xs = xmlscan_new(in->f, false);
	struct camt c = {0};
	enum cmn_rc rc = xs ? CMN_OK : CMN_ERR_NOMEM;
	bool done = false;

	while (rc == CMN_OK && !done) {
		switch (xmlscan_next(xs)) {
		case XMLSCAN_ERROR:
			rc = import_fail(j, xs->err_line, xs->err_column, "%s", xs->err);
			break;
		case XMLSCAN_END:
			done = true;
			break;
		case XMLSCAN_PI:
			break;
		case XMLSCAN_TEXT:
			rc = text(j, xs, &c);
			break;
		case XMLSCAN_OPEN:
			rc = open_tag(j, xs, &c);
			break;
		case XMLSCAN_CLOSE:
			if (c.in_entry && strcmp(xmlscan_local(xs->name), "Ntry") == 0 &&
			    xmlscan_parent_is(xs, 0, "Stmt")) {
				c.in_entry = false;
				rc = emit(j, &c);
			}
			break;
		}
	}
	xmlscan_free(&xs);
	return rc;
}

const struct import_format import_camt053 = {
	"camt053",
	"ISO 20022 camt.053 bank statements (versions 001.02 to 001.13)",
	detect,
	run,
};
