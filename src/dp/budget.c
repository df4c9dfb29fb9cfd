/*
 * budget.c - privacy budgets as integers: epsilon in micro-units, delta in
 * pico-units, always rounded up when a cost is taken, so that a ledger can
 * only overstate what was spent. Releases compose by addition (basic
 * sequential composition), the conservative rule whatever the mechanism.
 *
 * These are pure functions over a state the caller keeps (the store comes
 * later): a ledger is read, checked and written back whole.
 */
#include "dp/dp.h"

__extension__ typedef unsigned __int128 u128;

/* ceil_units - ceil(r * unit), CMN_ERR_TOO_LARGE above UINT64_MAX */
static enum cmn_rc ceil_units(struct dp_ratio r, uint64_t unit, uint64_t *out)
{
	u128 num, q;

	if (r.den == 0)
		return CMN_ERR_INVALID;
	num = (u128)r.num * unit;
	q = num / r.den + (num % r.den != 0);
	if (q > UINT64_MAX)
		return CMN_ERR_TOO_LARGE;
	*out = (uint64_t)q;
	return CMN_OK;
}

enum cmn_rc dp_eps_micro(struct dp_ratio eps, uint64_t *micro)
{
	return ceil_units(eps, DP_EPS_UNIT, micro);
}

enum cmn_rc dp_cost_of(struct dp_ratio eps, struct dp_ratio delta, struct dp_cost *out)
{
	struct dp_cost c;
	enum cmn_rc rc;

	rc = ceil_units(eps, DP_EPS_UNIT, &c.eps_micro);
	if (rc == CMN_OK)
		rc = ceil_units(delta, DP_DELTA_UNIT, &c.delta_pico);
	if (rc == CMN_OK)
		*out = c;
	return rc;
}

/* fits - may spent + cost stay within cap (without overflow)? */
static bool fits(uint64_t cap, uint64_t spent, uint64_t cost)
{
	return spent <= cap && cost <= cap - spent;
}

bool dp_budget_allows(const struct dp_budget *b, const struct dp_cost *c)
{
	return fits(b->eps_cap_micro, b->eps_spent_micro, c->eps_micro) &&
	       fits(b->delta_cap_pico, b->delta_spent_pico, c->delta_pico);
}

enum cmn_rc dp_budget_charge(const struct dp_budget *b, const struct dp_cost *c,
			     struct dp_budget *out)
{
	struct dp_budget next;

	if (!dp_budget_allows(b, c))
		return CMN_ERR_FORBIDDEN;
	next = *b;
	next.eps_spent_micro += c->eps_micro;
	next.delta_spent_pico += c->delta_pico;
	*out = next;
	return CMN_OK;
}

size_t dp_budget_admit(const struct dp_budget *campaign, const struct dp_budget *persons,
		       size_t n, const struct dp_cost *c, bool *admitted)
{
	bool open = dp_budget_allows(campaign, c);
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		admitted[i] = open && dp_budget_allows(&persons[i], c);
		count += admitted[i];
	}
	return count;
}
