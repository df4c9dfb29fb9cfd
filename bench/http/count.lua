-- wrk script: counts every response and the ones that are not 2xx, and prints one
-- machine-readable line at the end (bench/http/run.sh parses it and fails on any non-2xx).
--   RESULT requests=N responses=N non2xx=N rps=F p50_us=N p99_us=N connect=N read=N write=N status=N timeout=N
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   responses = 0
   non2xx = 0
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local n, bad = 0, 0
   for _, t in ipairs(threads) do
      n = n + t:get("responses")
      bad = bad + t:get("non2xx")
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d responses=%d non2xx=%d rps=%.1f p50_us=%d p99_us=%d " ..
      "connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, n, bad, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout))
end
