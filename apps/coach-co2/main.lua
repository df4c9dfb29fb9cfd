-- Coach CO2: the carbon footprint of a person's trips, month by month and
-- mode by mode, with ADEME's emission factors (the open dataset
-- ademe.transport), compared with the same month of the year before.
--
-- Reads mobility.trip (start, mode, distance_m); writes one
-- footprint.co2.monthly record per month and mode, and one per month for
-- all modes together (mode "all"). docs/apps/coach-co2.md says how.

local ZONE = "Europe/Paris"

-- the modes of mobility.trip, in the order the records are written
local MODES = {
	"walk", "bike", "ebike", "scooter", "bus", "tram", "metro", "train",
	"car", "carpool", "motorbike", "plane", "other",
}

-- kg CO2e per passenger-km of a trip of km kilometres by a mode's entry of
-- the dataset: its single factor, or the first of its distance bands whose
-- max_km the trip does not exceed (the last band has none); nil when the
-- mode has no factor
local function factor_of(entry, km)
	if entry == nil then
		return nil
	end
	if entry.kg_per_km ~= nil then
		return entry.kg_per_km
	end
	if entry.bands ~= nil then
		for _, band in ipairs(entry.bands) do
			if band.max_km == nil or km <= band.max_km then
				return band.kg_per_km
			end
		end
	end
	return nil
end

local function month_key(year, month)
	return string.format("%04d-%02d", year, month)
end

-- a month's totals of one mode
local function new_tally()
	return {trips = 0, trips_no_distance = 0, metres = 0, metres_unrated = 0, kg = 0.0}
end

-- adds one trip to the month of its start (local time) in months
local function add_trip(months, factors, zone, trip)
	local data = trip.data
	local t = trip.t or commune.time(data.start)
	local cal = commune.calendar(t, zone)
	local key = month_key(cal.year, cal.month)
	local month = months[key]
	if month == nil then
		month = {key = key, year = cal.year, month = cal.month, modes = {}, all = new_tally()}
		months[key] = month
	end
	local mode = data.mode or "other"
	local tally = month.modes[mode]
	if tally == nil then
		tally = new_tally()
		month.modes[mode] = tally
	end
	for _, x in ipairs({tally, month.all}) do
		x.trips = x.trips + 1
	end
	local metres = data.distance_m
	if metres == nil then
		tally.trips_no_distance = tally.trips_no_distance + 1
		month.all.trips_no_distance = month.all.trips_no_distance + 1
		return
	end
	local km = metres / 1000
	local f = factor_of(factors[mode], km)
	for _, x in ipairs({tally, month.all}) do
		x.metres = x.metres + metres
		if f == nil then
			x.metres_unrated = x.metres_unrated + metres
		else
			x.kg = x.kg + km * f
		end
	end
end

-- every trip, page by page, into months
local function read_trips(factors, zone)
	local months, count = {}, 0
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("mobility.trip", opts)
		for _, trip in ipairs(page) do
			add_trip(months, factors, zone, trip)
			count = count + 1
		end
		opts.after = after
	until after == nil
	return months, count
end

-- the record of one month and mode (tally), with the same mode's figures of
-- the same month a year before when that month had trips
local function record_of(month, mode, tally, before)
	local r = {
		month = month.key,
		start = month.key .. "-01",
		mode = mode,
		trips = tally.trips,
		trips_no_distance = tally.trips_no_distance,
		km = tally.metres / 1000,
		km_unrated = tally.metres_unrated / 1000,
		kg_co2e = tally.kg,
	}
	if before ~= nil then
		local old = mode == "all" and before.all or before.modes[mode]
		r.km_last_year = old and old.metres / 1000 or 0.0
		r.kg_co2e_last_year = old and old.kg or 0.0
	end
	return r
end

function run(ctx)
	local zone = (ctx.params and ctx.params.tz) or ZONE
	local factors = commune.dataset("ademe.transport").modes
	local months, count = read_trips(factors, zone)

	local keys = {}
	for key in pairs(months) do
		keys[#keys + 1] = key
	end
	table.sort(keys)

	local written, total = 0, 0.0
	for _, key in ipairs(keys) do
		local month = months[key]
		local before = months[month_key(month.year - 1, month.month)]
		for _, mode in ipairs(MODES) do
			local tally = month.modes[mode]
			if tally ~= nil then
				commune.write("footprint.co2.monthly", record_of(month, mode, tally, before))
				written = written + 1
			end
		end
		commune.write("footprint.co2.monthly", record_of(month, "all", month.all, before))
		written = written + 1
		total = total + month.all.kg
	end

	local summary = {trips = count, months = #keys, records = written, kg_co2e = total}
	if #keys > 0 then
		local last = months[keys[#keys]]
		local r = record_of(last, "all", last.all, months[month_key(last.year - 1, last.month)])
		summary.first_month = keys[1]
		summary.last_month = {month = r.month, kg_co2e = r.kg_co2e,
				      kg_co2e_last_year = r.kg_co2e_last_year}
	end
	commune.log(string.format("%d trips, %d months, %d records", count, #keys, written))
	return summary
end
