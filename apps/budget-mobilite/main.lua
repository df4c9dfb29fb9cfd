-- Mon Budget Mobilité: what a person's trips cost each month, in euros and
-- in CO2, mode by mode; what the month's car trips would have cost by
-- another mode plausible for their distance; and challenges with points.
--
-- Reads mobility.trip (start, mode, distance_m); the datasets
-- mobility.costs (fiscal mileage scale, transit and rail fares, options)
-- and ademe.transport (emission factors). Writes one
-- mobility.budget.monthly record per month and mode used, and one per
-- month for all modes (mode "all", with the options and the challenges).
-- docs/apps/budget-mobilite.md says how.

local ZONE = "Europe/Paris"
local MODES = {
	"walk", "bike", "ebike", "scooter", "bus", "tram", "metro", "train",
	"car", "carpool", "motorbike", "plane", "other",
}
local SHORT_M = 3000          -- a short trip: under 3 km
local POINTS_REPLACED = 10    -- a short car trip fewer, made on foot or by bike
local POINTS_TRANSIT = 2      -- a trip by bus, tram, metro or train
local POINTS_ACTIVE_KM = 1    -- a whole km on foot, by bike or e-bike

local function month_key(year, month)
	return string.format("%04d-%02d", year, month)
end

local function previous_month(year, month)
	if month == 1 then
		return month_key(year - 1, 12)
	end
	return month_key(year, month - 1)
end

local function set_of(list)
	local s = {}
	for _, x in ipairs(list) do
		s[x] = true
	end
	return s
end

-- kg CO2e per passenger-km of a mode's entry of ademe.transport for a trip
-- of km (its factor, or its first band the trip does not exceed); nil
-- when the mode has none
local function factor_of(entry, km)
	if entry == nil then
		return nil
	end
	if entry.kg_per_km ~= nil then
		return entry.kg_per_km
	end
	for _, band in ipairs(entry.bands or {}) do
		if band.max_km == nil or km <= band.max_km then
			return band.kg_per_km
		end
	end
	return nil
end

-- the yearly cost of d km by a fiscal scale (a x d + b in the first band
-- whose max_km d does not exceed)
local function scale_cost(scale, d)
	for _, band in ipairs(scale) do
		if band.max_km == nil or d <= band.max_km then
			return band.a * d + band.b
		end
	end
	return 0.0
end

local function new_tally()
	return {trips = 0, no_distance = 0, metres = 0, metres_unpriced = 0, kg = 0.0, eur = 0.0,
		short = 0}
end

-- every trip into months (local time): per mode, its trips, metres, CO2;
-- the car trips kept for the options
local function read_trips(factors, zone)
	local months, count = {}, 0
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("mobility.trip", opts)
		for _, trip in ipairs(page) do
			local data = trip.data
			local cal = commune.calendar(trip.t or commune.time(data.start), zone)
			local key = month_key(cal.year, cal.month)
			local month = months[key]
			if month == nil then
				month = {key = key, year = cal.year, month = cal.month, modes = {}, cars = {}}
				months[key] = month
			end
			local mode = data.mode or "other"
			local tally = month.modes[mode]
			if tally == nil then
				tally = new_tally()
				month.modes[mode] = tally
			end
			tally.trips = tally.trips + 1
			local metres = data.distance_m
			if metres == nil then
				tally.no_distance = tally.no_distance + 1
			else
				local km = metres / 1000
				tally.metres = tally.metres + metres
				tally.kg = tally.kg + km * (factor_of(factors[mode], km) or 0)
				if metres < SHORT_M then
					tally.short = tally.short + 1
				end
				if mode == "car" then
					month.cars[#month.cars + 1] = metres
				end
			end
			count = count + 1
		end
		opts.after = after
	until after == nil
	return months, count
end

local function sorted_keys(t)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	return keys
end

-- a year of a mode's km from the months that have trips (their mean x 12),
-- and its cost per km by the scale; nil without km
local function rate_per_km(months, keys, mode, scale)
	local metres = 0
	for _, key in ipairs(keys) do
		local t = months[key].modes[mode]
		metres = metres + (t and t.metres or 0)
	end
	if metres == 0 then
		return nil, 0
	end
	local year_km = metres / 1000 * 12 / #keys
	return scale_cost(scale, year_km) / year_km, year_km
end

-- euros of each mode of a month
local function price_month(month, costs, rates, free, transit)
	local transit_trips = 0
	for mode in pairs(transit) do
		local t = month.modes[mode]
		transit_trips = transit_trips + (t and t.trips or 0)
	end
	local transit_eur = math.min(transit_trips * costs.transit.ticket_eur,
				     costs.transit.pass_month_eur)
	for mode, t in pairs(month.modes) do
		local km = t.metres / 1000
		if transit[mode] then
			t.eur = transit_eur * t.trips / transit_trips
		elseif mode == "train" then
			t.eur = km * costs.train.eur_per_km
		elseif rates[mode] ~= nil then -- car, carpool, motorbike
			t.eur = km * rates[mode]
		elseif not free[mode] then -- unpriced, or a mode without km
			t.metres_unpriced = t.metres
		end
	end
end

-- the month's car trips by each option plausible for their distance
local function options_of(month, costs, factors, rates)
	local out = {}
	for _, o in ipairs(costs.options) do
		local r = {mode = o.mode, trips = 0, km = 0.0, eur = 0.0, kg_co2e = 0.0,
			   car_eur = 0.0, car_kg_co2e = 0.0}
		for _, metres in ipairs(month.cars) do
			local km = metres / 1000
			if (o.max_km == nil or km <= o.max_km) and (o.min_km == nil or km > o.min_km) then
				r.trips = r.trips + 1
				r.km = r.km + km
				r.kg_co2e = r.kg_co2e + km * (factor_of(factors[o.mode], km) or 0)
				r.car_kg_co2e = r.car_kg_co2e + km * factor_of(factors.car, km)
				r.car_eur = r.car_eur + km * rates.car
				if o.mode == "train" then
					r.eur = r.eur + km * costs.train.eur_per_km
				elseif o.mode == "bus" or o.mode == "tram" or o.mode == "metro" then
					r.eur = r.eur + costs.transit.ticket_eur
				end
			end
		end
		if r.trips > 0 then
			out[#out + 1] = r
		end
	end
	return out
end

local function count_of(month, modes, field)
	local n = 0
	for _, m in ipairs(modes) do
		local t = month.modes[m]
		n = n + (t and t[field] or 0)
	end
	return n
end

-- the month's challenges and their points
local function challenges_of(month, before)
	local car_short = count_of(month, {"car"}, "short")
	local active_short = count_of(month, {"walk", "bike"}, "short")
	local replaced = 0
	if before ~= nil then
		local fewer = math.max(0, count_of(before, {"car"}, "short") - car_short)
		replaced = math.min(fewer, active_short)
	end
	local active_km = count_of(month, {"walk", "bike", "ebike"}, "metres") // 1000
	local transit = count_of(month, {"bus", "tram", "metro", "train"}, "trips")
	local list = {
		{name = "short_trips_replaced", count = replaced, points = replaced * POINTS_REPLACED},
		{name = "active_km", count = active_km, points = active_km * POINTS_ACTIVE_KM},
		{name = "transit_trips", count = transit, points = transit * POINTS_TRANSIT},
	}
	local points = 0
	for _, c in ipairs(list) do
		points = points + c.points
	end
	return list, points
end

local function record_of(month, mode, t)
	return {
		month = month.key,
		start = month.key .. "-01",
		mode = mode,
		trips = t.trips,
		trips_no_distance = t.no_distance,
		km = t.metres / 1000,
		km_unpriced = t.metres_unpriced / 1000,
		eur = t.eur,
		kg_co2e = t.kg,
	}
end

function run(ctx)
	local zone = (ctx.params and ctx.params.tz) or ZONE
	local costs = commune.dataset("mobility.costs")
	local factors = commune.dataset("ademe.transport").modes
	local cv = tostring((ctx.params and ctx.params.car_cv) or costs.car.default_cv)
	local car_scale = costs.car.scales[cv]
	assert(car_scale ~= nil, "no fiscal scale for a car of " .. cv .. " CV")
	local months, count = read_trips(factors, zone)
	local keys = sorted_keys(months)

	local rates = {}
	local car_year_km
	rates.car, car_year_km = rate_per_km(months, keys, "car", car_scale)
	rates.motorbike = rate_per_km(months, keys, "motorbike", costs.motorbike.scale)
	if rates.car ~= nil then
		rates.carpool = rates.car * costs.carpool.share
	end
	-- carpool without a car of one's own: the scale for the carpool's own km
	if rates.carpool == nil then
		local r = rate_per_km(months, keys, "carpool", car_scale)
		rates.carpool = r and r * costs.carpool.share
	end
	local free, transit = set_of(costs.free), set_of(costs.transit.modes)

	local written, total_eur, total_kg, total_points = 0, 0.0, 0.0, 0
	for _, key in ipairs(keys) do
		local month = months[key]
		price_month(month, costs, rates, free, transit)
		local all = new_tally()
		for _, mode in ipairs(MODES) do
			local t = month.modes[mode]
			if t ~= nil then
				commune.write("mobility.budget.monthly", record_of(month, mode, t))
				written = written + 1
				for _, f in ipairs({"trips", "no_distance", "metres", "metres_unpriced", "kg", "eur"}) do
					all[f] = all[f] + t[f]
				end
			end
		end
		local r = record_of(month, "all", all)
		if #month.cars > 0 then -- an empty table would be an object
			r.options = options_of(month, costs, factors, rates)
		end
		r.challenges, r.points = challenges_of(month, months[previous_month(month.year, month.month)])
		commune.write("mobility.budget.monthly", r)
		written = written + 1
		total_eur = total_eur + all.eur
		total_kg = total_kg + all.kg
		total_points = total_points + r.points
	end

	local summary = {trips = count, months = #keys, records = written, eur = total_eur,
			 kg_co2e = total_kg, points = total_points, car_cv = tonumber(cv)}
	if rates.car ~= nil then
		summary.car_km_year = car_year_km
		summary.car_eur_per_km = rates.car
	end
	commune.log(string.format("%d trips, %d months, %d records", count, #keys, written))
	return summary
end
