-- wrk script of bench/scale/run.sh: a mixed workload of many persons, each request made with
-- one person's session, and one machine-readable line at the end.
--
--   wrk -tT -cC -dD --latency -s mixed.lua URL -- SESSIONS_FILE T [IMPORTS]
--
-- IMPORTS 0 makes the import of every 20 requests a write (80 % reads, 20 % writes).
--
-- SESSIONS_FILE holds one person a line: "handle session_token csrf_token id1,id2,...", the ids
-- being bank.transaction records of that person. Thread k of T (from 1) takes the lines k,
-- k+T, k+2T...: wrk's Lua has no per-connection hook, so a thread cycles through its persons
-- request by request (a connection carries the requests of several persons in turn).
--
-- Every 20 requests of a thread, in a fixed interleaved order:
--   12 get     GET  /api/v1/records/bank.transaction/ID      (one of the person's records)
--    4 list    GET  /api/v1/records/bank.transaction?limit=20
--    3 write   POST /api/v1/records/bank.transaction          (a small JSON record)
--    1 import  POST /api/v1/imports?name=bench.csv&format=bank-csv (a 2-line Boursorama CSV,
--              its labels unique so that each import creates 2 records)
-- that is 80 % reads, 15 % writes, 5 % imports. Each request carries its kind in the header
-- X-Bench-Kind, which the proxy (nginx, `add_header ... always`) echoes in the response: wrk
-- does not say which request a response answers, the header does.
--
--   RESULT requests=N responses=N non2xx=N rps=F p50_us=N p99_us=N connect=N read=N write=N
--          status=N timeout=N get_n=N get_bad=N list_n=N list_bad=N write_n=N write_bad=N
--          import_n=N import_bad=N unknown=N codes=STATUS:N,... (the non-2xx statuses, or -)
-- (connect, read, write, status, timeout: wrk's socket errors, as in bench/http/count.lua)
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
   table.insert(threads, thread)
end

-- the fixed order of the 20 kinds, spread out
local pattern = {
   "get", "list", "get", "write", "get", "get", "list", "get", "import", "get",
   "get", "write", "list", "get", "get", "get", "write", "get", "list", "get",
}
local kinds = { "get", "list", "write", "import" }

local persons = {}
local n = 0
local host_id

local function split(s, sep)
   local out = {}
   for part in string.gmatch(s, "[^" .. sep .. "]+") do
      table.insert(out, part)
   end
   return out
end

function init(args)
   local file = args[1]
   local nthreads = tonumber(args[2])
   if args[3] == "0" then
      for i, k in ipairs(pattern) do
         if k == "import" then pattern[i] = "write" end
      end
   end
   if file == nil or nthreads == nil then
      error("usage: wrk ... -s mixed.lua URL -- SESSIONS_FILE THREADS [IMPORTS]")
   end
   local f = assert(io.open(file, "r"))
   local i = 0
   for line in f:lines() do
      if line ~= "" then
         if i % nthreads == thread_no - 1 then
            local w = split(line, " ")
            table.insert(persons, {
               handle = w[1],
               cookie = "commune_session=" .. w[2],
               csrf = w[3],
               ids = split(w[4], ","),
            })
         end
         i = i + 1
      end
   end
   f:close()
   if #persons == 0 then
      error("thread " .. thread_no .. ": no person in " .. file .. " (more threads than persons?)")
   end
   host_id = string.format("t%d-%d", thread_no, os.time())
   for _, k in ipairs(kinds) do
      _G[k] = 0
      _G[k .. "_bad"] = 0
   end
   unknown = 0
   codes = ""
   code_count = {}
end

local record_body = '{"date":"2024-03-%02d","amount":-%d.%02d,"currency":"EUR","label":"Bench %s %d",' ..
   '"category":"food"}'
local csv_head = "dateOp;dateVal;label;category;categoryParent;supplierFound;amount;comment;" ..
   "accountNum;accountLabel;accountbalance\n"
local csv_line = '2024-02-%02d;2024-02-%02d;"CARTE BENCH %s %d %s";"Alimentation";"Alimentation";"";' ..
   '-%d,%02d;;00040123456;"BoursoBank";1 234,56\n'

function request()
   n = n + 1
   local p = persons[(n % #persons) + 1]
   local kind = pattern[(n % #pattern) + 1]
   local headers = { ["Cookie"] = p.cookie, ["X-Bench-Kind"] = kind }
   if kind == "get" then
      local id = p.ids[(math.floor(n / #persons) % #p.ids) + 1]
      return wrk.format("GET", "/api/v1/records/bank.transaction/" .. id, headers)
   elseif kind == "list" then
      return wrk.format("GET", "/api/v1/records/bank.transaction?limit=20", headers)
   end
   headers["X-CSRF-Token"] = p.csrf
   if kind == "write" then
      headers["Content-Type"] = "application/json"
      local body = string.format(record_body, n % 28 + 1, n % 90 + 1, n % 100, host_id, n)
      return wrk.format("POST", "/api/v1/records/bank.transaction", headers, body)
   end
   headers["Content-Type"] = "text/csv"
   local body = csv_head ..
      string.format(csv_line, n % 28 + 1, n % 28 + 1, host_id, n, "A", n % 50 + 1, n % 100) ..
      string.format(csv_line, n % 28 + 1, n % 28 + 1, host_id, n, "B", n % 30 + 1, n % 100)
   return wrk.format("POST", "/api/v1/imports?name=bench.csv&format=bank-csv", headers, body)
end

function response(status, headers, body)
   local kind = headers["X-Bench-Kind"] or headers["x-bench-kind"]
   if kind == nil or _G[kind] == nil then
      kind = nil
      unknown = unknown + 1
   else
      _G[kind] = _G[kind] + 1
   end
   if status < 200 or status > 299 then
      if kind ~= nil then
         _G[kind .. "_bad"] = _G[kind .. "_bad"] + 1
      end
      local key = tostring(status)
      code_count[key] = (code_count[key] or 0) + 1
      -- a string, for thread:get in done()
      local parts = {}
      for k, v in pairs(code_count) do
         table.insert(parts, k .. ":" .. v)
      end
      codes = table.concat(parts, ",")
   end
end

function done(summary, latency, requests)
   local total = { unknown = 0 }
   for _, k in ipairs(kinds) do
      total[k] = 0
      total[k .. "_bad"] = 0
   end
   local code_total = {}
   for _, t in ipairs(threads) do
      for _, k in ipairs(kinds) do
         total[k] = total[k] + t:get(k)
         total[k .. "_bad"] = total[k .. "_bad"] + t:get(k .. "_bad")
      end
      total.unknown = total.unknown + t:get("unknown")
      local c = t:get("codes")
      if c ~= nil and c ~= "" then
         for _, kv in ipairs(split(c, ",")) do
            local k, v = string.match(kv, "^(%d+):(%d+)$")
            code_total[k] = (code_total[k] or 0) + tonumber(v)
         end
      end
   end
   local responses, bad = total.unknown, 0
   for _, k in ipairs(kinds) do
      responses = responses + total[k]
      bad = bad + total[k .. "_bad"]
   end
   local parts = {}
   for k, v in pairs(code_total) do
      table.insert(parts, k .. ":" .. v)
   end
   table.sort(parts)
   -- a response without the kind header (a proxy error without add_header) counts as non-2xx
   -- through its status; count it in non2xx when its status said so
   local unknown_bad = 0
   for _, v in pairs(code_total) do
      unknown_bad = unknown_bad + v
   end
   unknown_bad = unknown_bad - bad
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d responses=%d non2xx=%d rps=%.1f p50_us=%d p99_us=%d " ..
      "connect=%d read=%d write=%d status=%d timeout=%d " ..
      "get_n=%d get_bad=%d list_n=%d list_bad=%d write_n=%d write_bad=%d import_n=%d import_bad=%d " ..
      "unknown=%d codes=%s\n",
      summary.requests, responses, bad + unknown_bad, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout,
      total.get, total.get_bad, total.list, total.list_bad, total.write, total.write_bad,
      total.import, total.import_bad, total.unknown, #parts > 0 and table.concat(parts, ",") or "-"))
end
