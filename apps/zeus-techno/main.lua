-- Zeus Techno: a photovoltaic self-consumption simulation on the person's
-- own electricity load curve. For a few system sizes it lays a typical
-- production profile (the open dataset solar.pv: Wh per kWp for each UTC
-- hour of an average day of each month) over each value of the curve, and
-- says what would be produced, used at once, sold, still bought, what it
-- saves a year at the regulated tariff (the dataset tariffs.fr) and the
-- surplus' feed-in price, and in how many years the system pays for itself.
--
-- Reads energy.electricity.load_curve (the series with the most values,
-- its last 365 days at most); writes one energy.pv.simulation record per
-- size. docs/apps/zeus-techno.md says how.

local HOUR = 3600000
local DAY = 24 * HOUR
local WINDOW = 365 * DAY
local SIZES = {1, 3, 6} -- kWp, unless params.sizes says otherwise

-- the month (1..12) of a day counted from 1970-01-01, in the proleptic
-- Gregorian calendar (days from civil, read backwards)
local function month_of_day(days)
	local z = days + 719468
	local era = (z >= 0 and z or z - 146096) // 146097
	local doe = z - era * 146097
	local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
	local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
	local mp = (5 * doy + 2) // 153
	return mp < 10 and mp + 3 or mp - 9
end

-- the series of watts with the most values, or nil
local function load_curve()
	local best = nil
	for _, s in ipairs(commune.series("energy.electricity.load_curve")) do
		if s.unit == "W" and s.step > 0 and s.points > 0 and (best == nil or s.points > best.points) then
			best = s
		end
	end
	return best
end

-- the price of a kWh of the regulated electricity tariff in its base
-- option still in force (valid_to absent), else the latest to begin
local function base_price(tariffs)
	local pick = nil
	for _, t in ipairs(tariffs.tariffs) do
		if t.energy == "electricity" and t.option == "base" then
			local better = pick == nil or (pick.valid_to ~= nil and t.valid_to == nil) or
				((pick.valid_to == nil) == (t.valid_to == nil) and t.valid_from > pick.valid_from)
			if better then
				pick = t
			end
		end
	end
	assert(pick ~= nil, "tariffs.fr has no electricity tariff in the base option")
	return pick.prices_eur_kwh.base
end

-- installed cost of a kWp for a system of kwp: the first band whose
-- max_kwp it does not exceed, the last band beyond
local function cost_per_kwp(bands, kwp)
	for _, b in ipairs(bands) do
		if kwp <= b.max_kwp then
			return b.eur_per_kwp
		end
	end
	return bands[#bands].eur_per_kwp
end

local function new_sim(kwp)
	return {kwp = kwp, prod = 0.0, self = 0.0, surplus = 0.0, grid = 0.0}
end

-- every value of the window into each simulation (energies in Wh)
local function simulate(series, from, to, months, sims)
	local ts, vs = commune.points(series.id, from, to)
	local step = series.step
	local load, day, month = 0.0, nil, nil
	for i = 1, #ts do
		local t = ts[i]
		local d = t // DAY
		if d ~= day then
			day, month = d, months[month_of_day(d)]
		end
		local wh = vs[i] * step / HOUR
		local pv = month.wh_per_kwp[(t // HOUR) % 24 + 1] * step / HOUR
		load = load + wh
		for _, s in ipairs(sims) do
			local prod = s.kwp * pv
			local used = math.min(wh, prod)
			s.prod = s.prod + prod
			s.self = s.self + used
			s.surplus = s.surplus + (prod - used)
			s.grid = s.grid + (wh - used)
		end
	end
	return #ts, load
end

local function record_of(s, econ, price, from, to, points, hours, load)
	local year = hours > 0 and 8760 / hours or 0
	local r = {
		kwp = s.kwp,
		from = commune.format(from),
		to = commune.format(to),
		points = points,
		hours = hours,
		consumption_kwh = load / 1000,
		production_kwh = s.prod / 1000,
		self_consumed_kwh = s.self / 1000,
		surplus_kwh = s.surplus / 1000,
		grid_kwh = s.grid / 1000,
		price_eur_kwh = price,
		feed_in_eur_kwh = econ.feed_in_eur_kwh,
	}
	if s.prod > 0 then
		r.self_consumption_pct = 100 * s.self / s.prod
	end
	if load > 0 then
		r.self_sufficiency_pct = 100 * s.self / load
	end
	r.bill_savings_eur_year = s.self / 1000 * price * year
	r.surplus_income_eur_year = s.surplus / 1000 * econ.feed_in_eur_kwh * year
	r.savings_eur_year = r.bill_savings_eur_year + r.surplus_income_eur_year
	r.cost_eur = s.kwp * cost_per_kwp(econ.cost_eur_per_kwp, s.kwp)
	r.premium_eur = 0.0
	if s.kwp <= econ.cost_eur_per_kwp[#econ.cost_eur_per_kwp].max_kwp then
		r.premium_eur = s.kwp * econ.premium_eur_per_kwp
	end
	r.net_cost_eur = r.cost_eur - r.premium_eur
	if r.savings_eur_year > 0 then
		r.payback_years = r.net_cost_eur / r.savings_eur_year
	end
	return r
end

function run(ctx)
	local solar = commune.dataset("solar.pv")
	local price = base_price(commune.dataset("tariffs.fr"))
	local sizes = (ctx.params and ctx.params.sizes) or SIZES
	local series = load_curve()
	if series == nil then
		commune.log("no load curve in watts: nothing to simulate")
		return {simulations = 0}
	end

	local months = {}
	for _, m in ipairs(solar.months) do
		months[m.month] = m
	end
	local to = series.last + series.step
	local from = math.max(series.first, to - WINDOW)
	local sims = {}
	for i, kwp in ipairs(sizes) do
		sims[i] = new_sim(kwp)
	end
	local points, load = simulate(series, from, to, months, sims)
	local hours = points * series.step / HOUR

	local summary = {simulations = #sims, points = points, price_eur_kwh = price, sizes = {}}
	for i, s in ipairs(sims) do
		local r = record_of(s, solar.economics, price, from, to, points, hours, load)
		commune.write("energy.pv.simulation", r)
		summary.sizes[i] = {kwp = r.kwp, production_kwh = r.production_kwh,
				    self_consumption_pct = r.self_consumption_pct,
				    savings_eur_year = r.savings_eur_year, payback_years = r.payback_years}
	end
	commune.log(string.format("%d values, %d sizes simulated at %.4f EUR/kWh", points, #sims, price))
	return summary
end
