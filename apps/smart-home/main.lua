-- My Smart Home: a home's electricity and gas month by month: the energy of
-- the month, the mean energy of a weekday and of a weekend day, the mean
-- power of each hour of the local day, the baseload, and the same month of
-- the year before.
--
-- Reads the series of energy.electricity.load_curve (mean W over each step)
-- and energy.gas.consumption (Wh over each step); writes one
-- energy.profile.monthly record per month and energy. When a campaign
-- published the mean power of the territory's homes by district for a
-- month, that month's electricity record also holds the figure of the
-- home's district (the household.profile says which), for comparison.
-- docs/apps/smart-home.md says how each figure is made.

local HOUR = 3600000
local DAY = 24 * HOUR
local POINTS_PER_CALL = 100000 -- below the host's 200,000 points a call
-- the newest published campaign on the load curve by district alone
local DISTRICT_TABLE = "campaign:energy.electricity.load_curve:district"

local ENERGIES = {
	{name = "electricity", doctype = "energy.electricity.load_curve", unit = "W"},
	{name = "gas", doctype = "energy.gas.consumption", unit = "Wh"},
}

local function month_key(year, month)
	return string.format("%04d-%02d", year, month)
end

-- the mean power (W) of a value over one step, and its energy (Wh)
local function power_of(unit, step, v)
	if unit == "W" then
		return v
	end
	return v * HOUR / step
end

local function new_month(year, month)
	return {
		year = year, month = month,
		sum = 0,                  -- of the values, in the series' unit
		points = 0, days = 0, days_complete = 0,
		weekday_wh = 0.0, weekdays = 0, weekend_wh = 0.0, weekend_days = 0,
		hour_sum = {}, hour_n = {},
		values = {},              -- every value, as W (baseload)
	}
end

-- the local days of a series (calendar buckets in its zone), each with its
-- date and month; a day is complete when it holds as many values as its
-- length (23, 24 or 25 hours) has steps, at least one
local function read_days(s, zone, from, to, months)
	local days = commune.buckets(s.id, from, to, "day")
	for _, d in ipairs(days) do
		local cal = commune.calendar(d.start, zone)
		local key = month_key(cal.year, cal.month)
		local m = months[key]
		if m == nil then
			m = new_month(cal.year, cal.month)
			months[key] = m
		end
		local length = d.stop - d.start
		local expected = (length + s.step // 2) // s.step
		if expected < 1 then
			expected = 1
		end
		d.month = m
		-- a day that begins at 00:00 and lasts 24 hours: its hours are counted
		-- from its start; any other asks the calendar, point by point
		d.plain = length == DAY and cal.hour == 0 and cal.minute == 0
		m.sum = m.sum + d.sum
		m.points = m.points + d.count
		m.days = m.days + 1
		if d.count >= expected then
			local wh = d.sum
			if s.unit == "W" then
				wh = d.sum * s.step / HOUR
			end
			m.days_complete = m.days_complete + 1
			if cal.wday >= 6 then
				m.weekend_wh = m.weekend_wh + wh
				m.weekend_days = m.weekend_days + 1
			else
				m.weekday_wh = m.weekday_wh + wh
				m.weekdays = m.weekdays + 1
			end
		end
	end
	return days
end

-- the raw values of a series, window by window, each given to its local
-- day: its hour of the local day (when the step is an hour or less) and
-- the month's values for the baseload
local function read_points(s, zone, from, to, days)
	local hourly = s.step <= HOUR
	local j = 1
	local window = POINTS_PER_CALL * s.step
	local t0 = from
	while t0 < to do
		local t1 = math.min(to, t0 + window)
		local ts, vs = commune.points(s.id, t0, t1)
		for i = 1, #ts do
			local t = ts[i]
			while t >= days[j].stop do
				j = j + 1
			end
			local d = days[j]
			local m = d.month
			local w = power_of(s.unit, s.step, vs[i])
			m.values[#m.values + 1] = w
			if hourly then
				local h
				if d.plain then
					h = (t - d.start) // HOUR
				else
					h = commune.calendar(t, zone).hour
				end
				m.hour_sum[h + 1] = (m.hour_sum[h + 1] or 0) + w
				m.hour_n[h + 1] = (m.hour_n[h + 1] or 0) + 1
			end
		end
		t0 = t1
	end
end

-- the mean of the lowest tenth (rounded up, at least one) of the values
local function baseload(values)
	local n = #values
	if n == 0 then
		return nil
	end
	table.sort(values)
	local k = (n + 9) // 10
	local sum = 0
	for i = 1, k do
		sum = sum + values[i]
	end
	return sum / k
end

-- the figures of one month of one series
local function figures(s, m)
	local f = {
		points = m.points, days = m.days, days_complete = m.days_complete,
		weekdays = m.weekdays, weekend_days = m.weekend_days,
		step_s = s.step // 1000,
		baseload_w = baseload(m.values),
	}
	if s.unit == "W" then
		f.kwh = m.sum * s.step / HOUR / 1000
		if m.points > 0 then
			f.mean_w = m.sum / m.points
		end
	else
		f.kwh = m.sum / 1000
	end
	if m.weekdays > 0 then
		f.kwh_per_weekday = m.weekday_wh / m.weekdays / 1000
	end
	if m.weekend_days > 0 then
		f.kwh_per_weekend_day = m.weekend_wh / m.weekend_days / 1000
	end
	if s.step <= HOUR then
		local hourly = {}
		for h = 1, 24 do
			if m.hour_n[h] == nil then
				hourly = nil
				break
			end
			hourly[h] = m.hour_sum[h] / m.hour_n[h]
		end
		f.hourly_w = hourly
	end
	return f
end

-- adds b (a month of another series of the same energy) into a: energies,
-- means and baseloads add up (several meters make one home), counts of
-- days are the largest
local function merge(a, b)
	a.kwh = a.kwh + b.kwh
	a.points = a.points + b.points
	for _, k in ipairs({"days", "days_complete", "weekdays", "weekend_days"}) do
		a[k] = math.max(a[k], b[k])
	end
	for _, k in ipairs({"kwh_per_weekday", "kwh_per_weekend_day", "baseload_w", "mean_w"}) do
		if a[k] == nil or b[k] == nil then
			a[k] = a[k] or b[k]
		else
			a[k] = a[k] + b[k]
		end
	end
	if a.hourly_w ~= nil and b.hourly_w ~= nil then
		for h = 1, 24 do
			a.hourly_w[h] = a.hourly_w[h] + b.hourly_w[h]
		end
	else
		a.hourly_w = nil
	end
	a.step_s = math.min(a.step_s, b.step_s)
end

-- every usable series of an energy, month by month: those in its energy
-- unit at a fixed step (a gas volume series, in m3e-3, is left to the
-- energy series beside it)
local function read_energy(energy, out)
	local months = out[energy.name]
	for _, s in ipairs(commune.series(energy.doctype)) do
		if s.unit ~= energy.unit or s.step <= 0 then
			commune.log(string.format("%s: a series in %s, step %d ms, left out",
						  energy.doctype, s.unit, s.step))
		elseif s.points > 0 then
			local zone = s.tz or "Europe/Paris"
			local from, to = s.first, s.last + 1
			local own = {}
			local days = read_days(s, zone, from, to, own)
			read_points(s, zone, from, to, days)
			for key, m in pairs(own) do
				local f = figures(s, m)
				f.year, f.month = m.year, m.month
				if months[key] == nil then
					months[key] = f
				else
					merge(months[key], f)
				end
			end
		end
	end
end

-- the district the household declared last, or nil
local function home_district()
	local code, after = nil, nil
	repeat
		local page
		page, after = commune.records("household.profile", {after = after})
		for _, r in ipairs(page) do
			if r.data.district ~= nil then
				code = r.data.district
			end
		end
	until after == nil
	return code
end

-- the published mean power of the home's district: {month = "YYYY-MM",
-- code, campaign, mean_w}, or nil when no table of one calendar month
-- publishes a mean for that district
local function district_figure(code)
	if code == nil then
		return nil
	end
	local t = commune.dataset(DISTRICT_TABLE)
	local p = t.period or {}
	local y, m, d = string.match(p.from or "", "^(%d%d%d%d)-(%d%d)-(%d%d)$")
	local y2, m2, d2 = string.match(p.to or "", "^(%d%d%d%d)-(%d%d)-(%d%d)$")
	if t.campaign == nil or y == nil or y2 == nil or d ~= "01" or d2 ~= "01" or
			tonumber(y2) * 12 + tonumber(m2) - tonumber(y) * 12 - tonumber(m) ~= 1 then
		return nil
	end
	local mean_at
	for i, measure in ipairs(t.measures or {}) do
		if mean_at == nil and measure.kind == "mean" then
			mean_at = i
		end
	end
	for _, c in ipairs(t.cells or {}) do
		if c.district == code and c.values ~= nil and mean_at ~= nil then
			local w = tonumber(c.values[mean_at])
			if w == nil then
				return nil -- published, but its noisy count left no mean
			end
			return {month = y .. "-" .. m, code = code, campaign = t.campaign, mean_w = w}
		end
	end
	return nil -- suppressed (fewer than k homes), or not a district of the table
end

local function record_of(name, key, f, before)
	return {
		month = key,
		start = key .. "-01",
		energy = name,
		kwh = f.kwh,
		points = f.points,
		step_s = f.step_s,
		days = f.days,
		days_complete = f.days_complete,
		weekdays = f.weekdays,
		weekend_days = f.weekend_days,
		kwh_per_weekday = f.kwh_per_weekday,
		kwh_per_weekend_day = f.kwh_per_weekend_day,
		hourly_w = f.hourly_w,
		baseload_w = f.baseload_w,
		mean_w = f.mean_w,
		kwh_last_year = before and before.kwh or nil,
	}
end

function run(ctx)
	local out, summary, written = {}, {}, 0
	for _, energy in ipairs(ENERGIES) do
		out[energy.name] = {}
		read_energy(energy, out)
	end
	local district = district_figure(home_district())
	for _, energy in ipairs(ENERGIES) do
		local months, keys = out[energy.name], {}
		for key in pairs(months) do
			keys[#keys + 1] = key
		end
		table.sort(keys)
		local total = 0.0
		for _, key in ipairs(keys) do
			local f = months[key]
			local before = months[month_key(f.year - 1, f.month)]
			local r = record_of(energy.name, key, f, before)
			if energy.name == "electricity" and district ~= nil and district.month == key then
				r.district = {code = district.code, campaign = district.campaign,
					      mean_w = district.mean_w}
				summary.district = {month = key, code = district.code,
						    campaign = district.campaign,
						    mean_w = district.mean_w, home_mean_w = f.mean_w}
			end
			commune.write("energy.profile.monthly", r)
			written = written + 1
			total = total + f.kwh
		end
		if #keys > 0 then
			summary[energy.name] = {months = #keys, first_month = keys[1],
						last_month = keys[#keys], kwh = total}
		end
	end
	summary.records = written
	commune.log(string.format("%d records", written))
	return summary
end
