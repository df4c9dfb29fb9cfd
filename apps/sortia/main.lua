-- Sortia: the leisure offers of the territory (the open dataset
-- villebrune.leisure) that the household's members may take, each with the
-- price the household would pay at the full price and, when the offer has
-- one, at the reduced price that an attestation of an eligibility rule
-- proves the right to (the attestation itself is the person's to ask for:
-- the app never decides who is eligible and reads no income).
--
-- Reads household.profile (its most recently declared: district, members,
-- birth_years); writes one leisure.offer.match record per offer that at
-- least one member may take. docs/apps/sortia.md says how.

local ZONE = "Europe/Paris"

-- cents of a price in euros, rounded to the nearest cent
local function cents(eur)
	return math.floor(eur * 100 + 0.5)
end

-- the most recently declared profile, or nil
local function current_profile()
	local best, best_t = nil, nil
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("household.profile", opts)
		for _, r in ipairs(page) do
			local t = r.t or commune.time(r.data.declared)
			if best_t == nil or t >= best_t then
				best, best_t = r.data, t
			end
		end
		opts.after = after
	until after == nil
	return best
end

-- the household's members: {age = N} for each year of birth known (the
-- age reached during the year of the run), {} for each other member
local function members_of(profile, year)
	local out = {}
	local years = profile.birth_years or {}
	for i = 1, profile.members do
		local born = years[i]
		out[i] = born ~= nil and {age = math.max(0, year - born)} or {}
	end
	-- more years of birth than members: the years say who lives there
	for i = profile.members + 1, #years do
		out[i] = {age = math.max(0, year - years[i])}
	end
	return out
end

local function contains(list, value)
	for _, v in ipairs(list) do
		if v == value then
			return true
		end
	end
	return false
end

-- whether a member may take the offer: within its ages; a member of
-- unknown age only when the offer has no age limit
local function may_take(offer, member)
	if member.age == nil then
		return offer.age_min == nil and offer.age_max == nil
	end
	return (offer.age_min == nil or member.age >= offer.age_min) and
	       (offer.age_max == nil or member.age <= offer.age_max)
end

-- a member's price in cents: the first entry whose age_below is above the
-- age; a member of unknown age pays the last entry's (everyone else's)
local function price_of(offer, member)
	local prices = offer.prices
	if member.age ~= nil then
		for _, p in ipairs(prices) do
			if p.age_below == nil or member.age < p.age_below then
				return cents(p.eur)
			end
		end
	end
	return cents(prices[#prices].eur)
end

-- the record of an offer for the household, or nil when nobody may take it
local function match(offer, profile, members, day)
	if offer.open_to ~= nil and not contains(offer.open_to, profile.district) then
		return nil
	end
	local n, full, reduced, ages = 0, 0, 0, {}
	local cap = offer.reduced and cents(offer.reduced.eur)
	for _, m in ipairs(members) do
		if may_take(offer, m) then
			local p = price_of(offer, m)
			n = n + 1
			full = full + p
			reduced = reduced + ((cap ~= nil and cap < p) and cap or p)
			if m.age ~= nil then
				ages[#ages + 1] = m.age
			end
		end
	end
	if n == 0 then
		return nil
	end
	local r = {
		computed = day,
		offer = offer.id,
		kind = offer.kind,
		name = {fr = offer.name.fr, en = offer.name.en},
		organisation = offer.organisation,
		district = offer.district,
		same_district = offer.district == profile.district,
		per = offer.per,
		members = n,
		price_eur = full / 100,
		needs_attestation = false,
	}
	if #ages > 0 then
		r.ages = ages
	end
	if offer.reduced ~= nil then
		r.rule = offer.reduced.rule
		r.reduced_price_eur = reduced / 100
		r.saving_eur = (full - reduced) / 100
		r.needs_attestation = reduced < full
	end
	return r
end

function run(ctx)
	local zone = (ctx.params and ctx.params.tz) or ZONE
	local profile = current_profile()
	if profile == nil then
		commune.log("no household.profile: nothing to match")
		return {profile = false, offers = 0, matches = 0}
	end
	local cal = commune.calendar(ctx.now, zone)
	local day = string.format("%04d-%02d-%02d", cal.year, cal.month, cal.day)
	local members = members_of(profile, cal.year)
	local offers = commune.dataset("villebrune.leisure").offers

	local written, saving, with_reduction = 0, 0, 0
	for _, offer in ipairs(offers) do
		local r = match(offer, profile, members, day)
		if r ~= nil then
			commune.write("leisure.offer.match", r)
			written = written + 1
			if r.needs_attestation then
				with_reduction = with_reduction + 1
				saving = saving + cents(r.saving_eur)
			end
		end
	end
	commune.log(string.format("%d offers, %d for the household", #offers, written))
	return {profile = true, district = profile.district, members = #members,
		offers = #offers, matches = written, reduced = with_reduction,
		saving_eur = saving / 100}
end
