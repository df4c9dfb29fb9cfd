-- Ma Situation Sociale: a household's month by month income, allowances,
-- fixed charges and remaining-to-live (reste à vivre), in total and per
-- consumption unit, for the person to see and, if they choose, to share
-- with their social worker.
--
-- Reads bank.transaction (date, amount, label, category), social.allowance
-- (period_start, kind, amount, paid_on) and household.profile (declared,
-- members); writes one social.situation.monthly record per month with a
-- transaction or an allowance. docs/apps/situation-sociale.md says how.

-- the fixed charges, in the order of the record
local CHARGES = {"rent", "loan", "energy", "water", "insurance", "telecom", "transport_pass", "taxes"}

-- words of a label (upper case, accents already dropped by the banks' files
-- commune reads, or here) that say what a line is; plain substrings
local WORDS = {
	savings = {"LIVRET", "EPARGNE"},
	salaries = {"SALAIRE", " PAIE "},
	pensions_benefits = {"RETRAITE", "PENSION", "FRANCE TRAVAIL", "POLE EMPLOI", " ARE "},
	allowance = {"VIR CAF", "CAF ", "CROUS", "ASPA", "CHEQUE ENERGIE", " MSA "},
	refund = {"CPAM", "REMBOURSEMENT"},
	taxes = {"IMPOT", "DGFIP", "TAXE FONCIERE", "TAXE D HABITATION"},
	loan = {"PRET ", "ECHEANCE", "CREDIT IMMO"},
	rent = {"LOYER"},
	energy = {"ELECTRICITE", "GAZ", "RESEAU DE CHALEUR", "CHAUFFAGE", "FIOUL", "EDF ", "ENGIE"},
	water = {"EAUX", "REGIE DE L EAU"},
	insurance = {"ASSURANCE", "MUTUELLE", "PREVOYANCE"},
	telecom = {"TELECOM", " MOBILE", "FIBRE", "INTERNET", " BOX "},
	transport_pass = {"ABONNEMENT"},
}

-- the category of bank.transaction that names a fixed charge by itself
local CHARGE_OF_CATEGORY = {
	housing = "rent", energy = "energy", water = "water", insurance = "insurance",
	telecom = "telecom", tax = "taxes",
}

local function any_word(text, list)
	for _, w in ipairs(list) do
		if string.find(text, w, 1, true) then
			return true
		end
	end
	return false
end

-- cents of an amount in euros, rounded half away from zero
local function cents(euros)
	local c = euros * 100
	if c >= 0 then
		return math.floor(c + 0.5)
	end
	return -math.floor(-c + 0.5)
end

-- the fixed charge a line is (nil when none): words first, then the
-- bank's category; a pass is a transport line of a subscription
local function charge_of(text, category)
	if any_word(text, WORDS.taxes) then
		return "taxes"
	end
	if any_word(text, WORDS.loan) then
		return "loan"
	end
	for _, k in ipairs({"rent", "energy", "water", "insurance", "telecom"}) do
		if any_word(text, WORDS[k]) then
			return k
		end
	end
	if any_word(text, WORDS.transport_pass) and
	    (category == "transport" or string.find(text, "TRANSPORT", 1, true)) then
		return "transport_pass"
	end
	return CHARGE_OF_CATEGORY[category]
end

-- classify - what a bank line is: "savings", "refund", "allowance", an
-- income ("salaries", "pensions_benefits", "other"), a fixed charge, or
-- "variable" (other spending)
local function classify(data)
	local text = " " .. string.upper(data.label or "") .. " "
	local category = data.category
	if category == "savings" or any_word(text, WORDS.savings) then
		return "savings"
	end
	if data.amount > 0 then
		if any_word(text, WORDS.salaries) then
			return "salaries"
		end
		if any_word(text, WORDS.pensions_benefits) then
			return "pensions_benefits"
		end
		if category == "allowance" or any_word(text, WORDS.allowance) then
			return "allowance"
		end
		if category == "health" or any_word(text, WORDS.refund) then
			return "refund"
		end
		local charge = charge_of(text, category)
		if charge then
			return charge -- a refund of a charge lowers it
		end
		if category == "income" then
			return "salaries"
		end
		return "other"
	end
	return charge_of(text, category) or "variable"
end

local function month_of(date)
	return string.sub(date, 1, 7)
end

local function new_month(key)
	local m = {key = key, income = {salaries = 0, pensions_benefits = 0, other = 0},
		   allowances = 0, bank_allowances = 0, by_kind = {}, charges = {},
		   variable = 0, transactions = 0}
	for _, k in ipairs(CHARGES) do
		m.charges[k] = 0
	end
	return m
end

local function month_for(months, key)
	local m = months[key]
	if m == nil then
		m = new_month(key)
		months[key] = m
	end
	return m
end

-- every record of a doctype, page by page, to fn
local function each(doctype, fn)
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records(doctype, opts)
		for _, r in ipairs(page) do
			fn(r.data)
		end
		opts.after = after
	until after == nil
end

local function read_bank(months)
	local n = 0
	each("bank.transaction", function(d)
		local m = month_for(months, month_of(d.date))
		local c = cents(d.amount)
		local what = classify(d)
		m.transactions = m.transactions + 1
		n = n + 1
		if what == "savings" or what == "refund" then
			return
		elseif what == "allowance" then
			m.bank_allowances = m.bank_allowances + c
		elseif m.income[what] ~= nil then
			m.income[what] = m.income[what] + c
		elseif m.charges[what] ~= nil then
			m.charges[what] = m.charges[what] - c
		else
			m.variable = m.variable - c
		end
	end)
	return n
end

-- the allowances, in the month they were paid (paid_on, else the start of
-- their period)
local function read_allowances(months)
	local n = 0
	each("social.allowance", function(d)
		local m = month_for(months, month_of(d.paid_on or d.period_start))
		local c = cents(d.amount)
		m.allowances = m.allowances + c
		m.by_kind[d.kind] = (m.by_kind[d.kind] or 0) + c
		n = n + 1
	end)
	return n
end

local function read_profiles()
	local list = {}
	each("household.profile", function(d)
		list[#list + 1] = {declared = d.declared, members = d.members, birth_years = d.birth_years}
	end)
	table.sort(list, function(a, b) return a.declared < b.declared end)
	return list
end

-- the profile of a month: the latest declared by its last day, else the
-- first one declared
local function profile_of(profiles, last_day)
	local found = profiles[1]
	for _, p in ipairs(profiles) do
		if p.declared <= last_day then
			found = p
		end
	end
	return found
end

-- children_of - the members under 14 in a year by the profile's birth years
-- (year - birth year < 14: the birthday is not known), when it gives one
-- for each member; the first person counts 1 whatever their age; nil when
-- the profile does not say
local function children_of(p, year)
	if p == nil or type(p.birth_years) ~= "table" or #p.birth_years ~= p.members then
		return nil
	end
	local n = 0
	for _, born in ipairs(p.birth_years) do
		if year - born < 14 then
			n = n + 1
		end
	end
	return math.min(n, p.members - 1)
end

local function days_in(year, month)
	local first = commune.time(string.format("%04d-%02d-01", year, month))
	local ny, nm = year, month + 1
	if nm == 13 then
		ny, nm = year + 1, 1
	end
	return (commune.time(string.format("%04d-%02d-01", ny, nm)) - first) // 86400000
end

local function euros(c)
	return c / 100
end

local function record_of(m, profiles, under_14, from_bank)
	local year, month = math.tointeger(tonumber(string.sub(m.key, 1, 4))),
		math.tointeger(tonumber(string.sub(m.key, 6, 7)))
	local days = days_in(year, month)
	local last_day = string.format("%s-%02d", m.key, days)
	local p = profile_of(profiles, last_day)
	local members = p and p.members or 1
	local children = under_14
	if children ~= nil and children > members - 1 then
		error(string.format("children_under_14: %d, but the household of %s has %d members",
				    children, m.key, members))
	end
	if children == nil then
		children = children_of(p, year)
	end
	local units = 1 + 0.5 * (members - 1 - (children or 0)) + 0.3 * (children or 0)
	local allowances = from_bank and m.bank_allowances or m.allowances
	local income = m.income.salaries + m.income.pensions_benefits + m.income.other + allowances
	local charges, total = {}, 0
	for _, k in ipairs(CHARGES) do
		charges[k] = euros(m.charges[k])
		total = total + m.charges[k]
	end
	charges.total = euros(total)
	local remaining = income - total
	local r = {
		month = m.key,
		start = m.key .. "-01",
		income = {
			salaries = euros(m.income.salaries),
			pensions_benefits = euros(m.income.pensions_benefits),
			other = euros(m.income.other),
			allowances = euros(allowances),
			total = euros(income),
		},
		allowances_source = from_bank and "bank.transaction" or "social.allowance",
		charges = charges,
		remaining = euros(remaining),
		members = members,
		consumption_units = units,
		remaining_per_unit = euros(remaining) / units,
		remaining_per_unit_day = euros(remaining) / units / days,
		variable_spending = euros(m.variable),
		transactions = m.transactions,
	}
	if children ~= nil then
		r.children_under_14 = children
	end
	if not from_bank then
		local by_kind = {}
		for kind, c in pairs(m.by_kind) do
			by_kind[kind] = euros(c)
		end
		r.allowances_by_kind = by_kind
	end
	return r
end

function run(ctx)
	local params = ctx.params or {}
	local under_14 = params.children_under_14
	if under_14 ~= nil then
		under_14 = math.tointeger(under_14)
		if under_14 == nil or under_14 < 0 then
			error("children_under_14: a whole number, 0 or more")
		end
	end
	local months = {}
	local transactions = read_bank(months)
	local allowances = read_allowances(months)
	local from_bank = allowances == 0
	local profiles = read_profiles()

	local keys = {}
	for key in pairs(months) do
		keys[#keys + 1] = key
	end
	table.sort(keys)
	local last
	for _, key in ipairs(keys) do
		last = record_of(months[key], profiles, under_14, from_bank)
		commune.write("social.situation.monthly", last)
	end
	commune.log(string.format("%d transactions, %d allowances, %d months", transactions,
				  allowances, #keys))
	local summary = {transactions = transactions, allowances = allowances, months = #keys,
			 allowances_source = from_bank and "bank.transaction" or "social.allowance"}
	if last ~= nil then
		summary.last_month = {month = last.month, remaining = last.remaining,
				      remaining_per_unit = last.remaining_per_unit}
	end
	return summary
end
