function run()
  local s = commune.series("energy.electricity.load_curve")
  local ts, vs = commune.points(s[1].id, "2024-03-01", "2024-03-02")
  local b = commune.buckets(s[1].id, "2024-03-01", "2024-04-01", "hour")
  local c = commune.calendar(ts[1])
  local f = commune.dataset("ademe.transport")
  commune.log(commune.format(ts[#ts]))
  return {n = #vs, b = #b, h = c.hour, t = commune.time("2024-03-01T10:00:00+01:00")}
end
