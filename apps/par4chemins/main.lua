-- Par 4 Chemins: the person's recurrent routes, with what to try instead
-- of the car along them, and tokens for the trips made on foot, by bike or
-- by public transport, month by month.
--
-- Reads mobility.trip (start, mode, distance_m, from, to) and the bundled
-- network of the territory (dataset villebrune.transit); writes one
-- mobility.route.recurrent record per recurrent route of the last four
-- weeks and one mobility.tokens.monthly record per month with trips.
-- docs/apps/par4chemins.md says how.

local ZONE = "Europe/Paris"
local DAY_MS = 86400000
local WINDOW_DAYS = 28     -- a route is recurrent over the last four weeks of trips
local MIN_TRIPS = 4        -- ... when made at least this many times, either way
local CELL_LAT_UDEG = 2700 -- the grid: about 300 m north-south
local CELL_LON_UDEG = 3800 -- and 300 m east-west at 45 degrees of latitude
local STOP_WALK_M = 800    -- a stop is near an end within this straight line
local WALK_MAX_KM = 2      -- suggest walking up to this
local BIKE_MAX_KM = 8      -- and cycling up to this
local EARTH_M = 6371008.8  -- the mean Earth radius

-- the tokens: 1 per whole km walked, 1 per whole 2 km cycled (the month's
-- sums, each trip counted up to a cap), 1 per trip by public transport
local WALK_CAP_M = 20000
local BIKE_CAP_M = 60000
local WALK_M_PER_TOKEN = 1000
local BIKE_M_PER_TOKEN = 2000
local WALK = {walk = true}
local BIKE = {bike = true, ebike = true, scooter = true}
local TRANSIT = {bus = true, tram = true, metro = true, train = true}
local CAR = {car = true, carpool = true, motorbike = true}

-- the order of modes when two are used as often
local MODES = {
	"walk", "bike", "ebike", "scooter", "bus", "tram", "metro", "train",
	"car", "carpool", "motorbike", "plane", "other",
}

local function metres_between(lat1, lon1, lat2, lon2)
	local r = math.pi / 180
	local dlat, dlon = (lat2 - lat1) * r, (lon2 - lon1) * r
	local h = math.sin(dlat / 2) ^ 2 + math.cos(lat1 * r) * math.cos(lat2 * r) * math.sin(dlon / 2) ^ 2
	return 2 * EARTH_M * math.asin(math.min(1, math.sqrt(h)))
end

-- the grid cell of a place: its row and column, and its key
local function cell_of(place)
	local ulat = math.floor(place.lat * 1e6 + 0.5)
	local ulon = math.floor(place.lon * 1e6 + 0.5)
	local row, col = ulat // CELL_LAT_UDEG, ulon // CELL_LON_UDEG
	return {row = row, col = col, key = string.format("%d:%d", row, col)}
end

local function centre_of(cell)
	return (cell.row + 0.5) * CELL_LAT_UDEG / 1e6, (cell.col + 0.5) * CELL_LON_UDEG / 1e6
end

local function earlier(c1, c2)
	return c1.row < c2.row or (c1.row == c2.row and c1.col < c2.col)
end

-- ---- reading ------------------------------------------------------------------

local function read_trips()
	local trips = {}
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("mobility.trip", opts)
		for _, trip in ipairs(page) do
			local d = trip.data
			trips[#trips + 1] = {t = trip.t or commune.time(d.start), mode = d.mode or "other",
					     metres = d.distance_m, from = d.from, to = d.to}
		end
		opts.after = after
	until after == nil
	return trips
end

-- ---- tokens -------------------------------------------------------------------

local function month_tally(months, key, year, month)
	local m = months[key]
	if m == nil then
		m = {key = key, year = year, month = month, trips = 0, walk_m = 0, bike_m = 0, transit = 0}
		months[key] = m
	end
	return m
end

local function tokens(trips, zone)
	local months, keys = {}, {}
	for _, trip in ipairs(trips) do
		local cal = commune.calendar(trip.t, zone)
		local key = string.format("%04d-%02d", cal.year, cal.month)
		if months[key] == nil then
			keys[#keys + 1] = key
		end
		local m = month_tally(months, key, cal.year, cal.month)
		m.trips = m.trips + 1
		if WALK[trip.mode] and trip.metres ~= nil then
			m.walk_m = m.walk_m + math.min(trip.metres, WALK_CAP_M)
		elseif BIKE[trip.mode] and trip.metres ~= nil then
			m.bike_m = m.bike_m + math.min(trip.metres, BIKE_CAP_M)
		elseif TRANSIT[trip.mode] then
			m.transit = m.transit + 1
		end
	end
	table.sort(keys)
	local total = 0
	for _, key in ipairs(keys) do
		local m = months[key]
		local walk_t = math.floor(m.walk_m / WALK_M_PER_TOKEN)
		local bike_t = math.floor(m.bike_m / BIKE_M_PER_TOKEN)
		local r = {
			month = key, start = key .. "-01", trips = m.trips,
			walk_km = m.walk_m / 1000, walk_tokens = walk_t,
			bike_km = m.bike_m / 1000, bike_tokens = bike_t,
			transit_trips = m.transit, transit_tokens = m.transit,
			tokens = walk_t + bike_t + m.transit,
		}
		commune.write("mobility.tokens.monthly", r)
		total = total + r.tokens
	end
	return #keys, total
end

-- ---- recurrent routes ---------------------------------------------------------------

-- the line serving a stop near each end with the least walking, or nil
local function transit_between(net, alat, alon, blat, blon)
	local near_a, near_b = {}, {}
	for _, s in ipairs(net.stops) do
		local wa = metres_between(alat, alon, s.lat, s.lon)
		local wb = metres_between(blat, blon, s.lat, s.lon)
		if wa <= STOP_WALK_M then
			near_a[s.id] = {stop = s, walk = wa}
		end
		if wb <= STOP_WALK_M then
			near_b[s.id] = {stop = s, walk = wb}
		end
	end
	local best = nil
	for _, line in ipairs(net.lines) do
		for i, ida in ipairs(line.stops) do
			for j, idb in ipairs(line.stops) do
				local sa, sb = near_a[ida], near_b[idb]
				if sa ~= nil and sb ~= nil and ida ~= idb then
					local walk = sa.walk + sb.walk
					local apart = i > j and i - j or j - i
					if best == nil or walk < best.walk or
					   (walk == best.walk and best.line == line and apart < best.apart) then
						best = {line = line, a = sa.stop, b = sb.stop, walk = walk, apart = apart}
					end
				end
			end
		end
	end
	if best == nil then
		return nil
	end
	return {line = best.line.id, name = best.line.name, mode = best.line.mode,
		from_stop = best.a.id, from_stop_name = best.a.name,
		to_stop = best.b.id, to_stop_name = best.b.name,
		stops = best.apart, walk_m = math.floor(best.walk + 0.5)}
end

local function suggestion_for(main_mode, km, transit)
	if not CAR[main_mode] then
		return (WALK[main_mode] or BIKE[main_mode] or TRANSIT[main_mode]) and "keep" or "none"
	end
	if km <= WALK_MAX_KM then
		return "walk"
	elseif km <= BIKE_MAX_KM then
		return "bike"
	elseif transit ~= nil then
		return "transit"
	end
	return "none"
end

local function day_of(ms, zone)
	local cal = commune.calendar(ms, zone)
	return string.format("%04d-%02d-%02d", cal.year, cal.month, cal.day)
end

-- kg CO2e the route's trips by car, carpool or motorbike (those with a
-- distance) would not have emitted made the suggested way: their km times
-- the difference of the factors (0 on foot or by bike, the line's mode by
-- transit); nil when there is nothing to suggest
local function saving(p, suggestion, transit, factors)
	local other
	if suggestion == "walk" or suggestion == "bike" then
		other = 0
	elseif suggestion == "transit" then
		other = factors[transit.mode].kg_per_km
	else
		return nil
	end
	local kg = 0.0
	for _, mode in ipairs(MODES) do
		local m = p.driven[mode]
		if m ~= nil then
			kg = kg + m / 1000 * (factors[mode].kg_per_km - other)
		end
	end
	return kg
end

local function routes(trips, net, factors, zone, min_trips)
	local last = nil
	for _, trip in ipairs(trips) do
		if last == nil or trip.t > last then
			last = trip.t
		end
	end
	if last == nil then
		return 0, 0
	end
	local from_t = last - WINDOW_DAYS * DAY_MS
	local pairs_, keys, unplaced = {}, {}, 0
	for _, trip in ipairs(trips) do
		if trip.t > from_t then
			if trip.from == nil or trip.to == nil then
				unplaced = unplaced + 1
			else
				local ca, cb = cell_of(trip.from), cell_of(trip.to)
				if ca.key ~= cb.key then
					if earlier(cb, ca) then
						ca, cb = cb, ca
					end
					local key = ca.key .. "/" .. cb.key
					local p = pairs_[key]
					if p == nil then
						p = {a = ca, b = cb, trips = 0, modes = {}, metres = 0, measured = 0,
						     driven = {}}
						pairs_[key] = p
						keys[#keys + 1] = key
					end
					p.trips = p.trips + 1
					p.modes[trip.mode] = (p.modes[trip.mode] or 0) + 1
					if trip.metres ~= nil then
						p.metres = p.metres + trip.metres
						p.measured = p.measured + 1
						if CAR[trip.mode] then
							p.driven[trip.mode] = (p.driven[trip.mode] or 0) + trip.metres
						end
					end
				end
			end
		end
	end
	table.sort(keys)
	local written = 0
	for _, key in ipairs(keys) do
		local p = pairs_[key]
		if p.trips >= min_trips then
			local main, count = nil, 0
			for _, mode in ipairs(MODES) do
				if (p.modes[mode] or 0) > count then
					main, count = mode, p.modes[mode]
				end
			end
			local alat, alon = centre_of(p.a)
			local blat, blon = centre_of(p.b)
			local km = p.measured > 0 and p.metres / p.measured / 1000 or
				   metres_between(alat, alon, blat, blon) / 1000
			local transit = transit_between(net, alat, alon, blat, blon)
			local suggestion = suggestion_for(main, km, transit)
			local r = {
				window_start = day_of(from_t + 1, zone), window_end = day_of(last, zone),
				a = {cell = p.a.key, lat = alat, lon = alon},
				b = {cell = p.b.key, lat = blat, lon = blon},
				trips = p.trips, modes = p.modes, main_mode = main, km = km,
				suggestion = suggestion, transit = transit,
				kg_co2e_saved = saving(p, suggestion, transit, factors),
			}
			commune.write("mobility.route.recurrent", r)
			written = written + 1
		end
	end
	return written, unplaced
end

function run(ctx)
	local params = ctx.params or {}
	local zone = params.tz or ZONE
	local min_trips = params.min_trips and math.tointeger(params.min_trips) or MIN_TRIPS
	local trips = read_trips()
	local net = commune.dataset("villebrune.transit")
	local months, total = tokens(trips, zone)
	local factors = commune.dataset("ademe.transport").modes
	local recurrent, unplaced = routes(trips, net, factors, zone, min_trips)
	commune.log(string.format("%d trips, %d recurrent routes, %d months, %d tokens",
				  #trips, recurrent, months, total))
	return {trips = #trips, routes = recurrent, unplaced = unplaced, months = months,
		tokens = total}
end
