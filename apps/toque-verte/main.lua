-- La Toque Verte: the carbon footprint of a person's food shopping, month
-- by month and category by category, with ADEME's Agribalyse factors (the
-- open dataset ademe.food), its change from the month before, and
-- anti-waste tips for the categories that emitted most.
--
-- Reads food.purchase (date, category, quantity, unit, amount); writes one
-- footprint.food.monthly record per month and category bought, and one per
-- month for all categories together (category "all", with the tips).
-- docs/apps/toque-verte.md says how.

local ZONE = "Europe/Paris"
local UNKNOWN = "unknown" -- the category of a purchase without one
local TIPS = 2            -- tips a month: its categories that emitted most

local function month_key(year, month)
	return string.format("%04d-%02d", year, month)
end

local function previous_month(year, month)
	if month == 1 then
		return month_key(year - 1, 12)
	end
	return month_key(year, month - 1)
end

-- kilograms of a purchase of a category with a factor: kg and g as they
-- are, litres at the category's kg_per_l, items at its kg_per_item; a
-- purchase without a quantity is one unit, without a unit one item
local function mass_kg(entry, quantity, unit)
	local q = quantity or 1
	if unit == "kg" then
		return q
	elseif unit == "g" then
		return q / 1000
	elseif unit == "l" then
		return q * entry.kg_per_l
	elseif unit == "ml" then
		return q / 1000 * entry.kg_per_l
	end
	return q * entry.kg_per_item
end

local function new_tally()
	return {purchases = 0, unrated = 0, kg = 0.0, eur = 0.0, co2 = 0.0}
end

-- adds one purchase to the month of its date (local time) in months
local function add_purchase(months, unknown, categories, zone, p)
	local data = p.data
	local t = p.t or commune.time(data.date)
	local cal = commune.calendar(t, zone)
	local key = month_key(cal.year, cal.month)
	local month = months[key]
	if month == nil then
		month = {key = key, year = cal.year, month = cal.month, cats = {}, all = new_tally()}
		months[key] = month
	end
	local name = data.category
	if name == nil or name == "" or name == "all" then
		name = UNKNOWN
	end
	local tally = month.cats[name]
	if tally == nil then
		tally = new_tally()
		month.cats[name] = tally
	end
	local entry = categories[name]
	local kg, co2 = nil, nil
	if entry ~= nil then
		kg = mass_kg(entry, data.quantity, data.unit)
		co2 = kg * entry.kg_co2e_per_kg
	else
		unknown[name] = (unknown[name] or 0) + 1
	end
	for _, x in ipairs({tally, month.all}) do
		x.purchases = x.purchases + 1
		x.eur = x.eur + (data.amount or 0)
		if kg == nil then
			x.unrated = x.unrated + 1
		else
			x.kg = x.kg + kg
			x.co2 = x.co2 + co2
		end
	end
end

-- every purchase, page by page, into months
local function read_purchases(categories, zone)
	local months, unknown, count = {}, {}, 0
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("food.purchase", opts)
		for _, p in ipairs(page) do
			add_purchase(months, unknown, categories, zone, p)
			count = count + 1
		end
		opts.after = after
	until after == nil
	return months, unknown, count
end

local function sorted_keys(t)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	return keys
end

-- the month's rated categories that emitted something, most first (ties
-- by name), at most TIPS of them, with their tip
local function tips_of(month, categories)
	local ranked = {}
	for name, tally in pairs(month.cats) do
		if categories[name] ~= nil and tally.co2 > 0 then
			ranked[#ranked + 1] = {name = name, co2 = tally.co2}
		end
	end
	table.sort(ranked, function(a, b)
		if a.co2 ~= b.co2 then
			return a.co2 > b.co2
		end
		return a.name < b.name
	end)
	local tips = {}
	for i = 1, math.min(TIPS, #ranked) do
		local tip = categories[ranked[i].name].tip
		tips[i] = {category = ranked[i].name, kg_co2e = ranked[i].co2, fr = tip.fr, en = tip.en}
	end
	return tips
end

-- the record of one month and category (tally); before is the month
-- before when it had purchases
local function record_of(month, name, tally, before, categories)
	local r = {
		month = month.key,
		start = month.key .. "-01",
		category = name,
		purchases = tally.purchases,
		purchases_unrated = tally.unrated,
		quantity_kg = tally.kg,
		amount_eur = tally.eur,
		kg_co2e = tally.co2,
	}
	if name ~= "all" then
		r.rated = categories[name] ~= nil
		if month.all.co2 > 0 then
			r.share_pct = 100 * tally.co2 / month.all.co2
		end
	else
		local tips = tips_of(month, categories)
		if #tips > 0 then -- an empty table would be an object
			r.tips = tips
		end
	end
	if before ~= nil then
		local old = name == "all" and before.all or before.cats[name]
		local prev = old and old.co2 or 0.0
		r.kg_co2e_previous_month = prev
		if prev > 0 then
			r.change_pct = 100 * (tally.co2 - prev) / prev
		end
	end
	return r
end

function run(ctx)
	local zone = (ctx.params and ctx.params.tz) or ZONE
	local categories = commune.dataset("ademe.food").categories
	local months, unknown, count = read_purchases(categories, zone)
	local keys = sorted_keys(months)

	local written, total = 0, 0.0
	for _, key in ipairs(keys) do
		local month = months[key]
		local before = months[previous_month(month.year, month.month)]
		for _, name in ipairs(sorted_keys(month.cats)) do
			commune.write("footprint.food.monthly",
				      record_of(month, name, month.cats[name], before, categories))
			written = written + 1
		end
		commune.write("footprint.food.monthly", record_of(month, "all", month.all, before, categories))
		written = written + 1
		total = total + month.all.co2
	end

	local summary = {purchases = count, months = #keys, records = written, kg_co2e = total}
	local names = sorted_keys(unknown)
	if #names > 0 then
		summary.unrated = {}
		for i, name in ipairs(names) do
			summary.unrated[i] = {category = name, purchases = unknown[name]}
			commune.log(string.format("no emission factor for the category %q (%d purchases)",
						  name, unknown[name]))
		end
	end
	if #keys > 0 then
		summary.first_month = keys[1]
		summary.last_month = keys[#keys]
	end
	commune.log(string.format("%d purchases, %d months, %d records", count, #keys, written))
	return summary
end
