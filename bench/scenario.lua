-- wrk script for one Bookwork scenario: every request is a random line of the file named by the
-- BENCH_REQUESTS environment variable, "METHOD<TAB>PATH<TAB>TOKEN or -<TAB>JSON BODY or -", where TOKEN
-- is a bearer token, or "session:<key>" for the web pages (sent as the session cookie), or "etag:<tag>"
-- for the calendar feed's conditional GET (sent as If-None-Match), or "<bearer token>;etag:<tag>" for an
-- API revalidation (both headers).
-- At the end it prints one line "BENCH_RESULT {json}" with throughput, latency percentiles (ms)
-- and error counts, which bench/run.py parses. The scenarios (bench/prepare.py READ_SCENARIOS, e.g.
-- my_notifications, poll_detail, web_meeting) differ only in their request files.

local lines = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  for line in io.lines(path) do
    local method, p, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    if method then
      local headers = { ["Accept"] = "*/*" }
      local session = token:match("^session:(.+)$")
      local etag = token:match("^etag:(.+)$")
      local bearer, revalidate = token:match("^([^;]+);etag:(.+)$")
      if bearer then
        headers["Authorization"] = "Bearer " .. bearer
        headers["If-None-Match"] = revalidate
      elseif session then
        headers["Cookie"] = "sessionid=" .. session
      elseif etag then
        headers["If-None-Match"] = etag
      elseif token ~= "-" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body == "-" then body = nil else headers["Content-Type"] = "application/json" end
      table.insert(lines, wrk.format(method, p, headers, body))
    end
  end
  math.randomseed(os.time() + id * 7919)
  statuses = {}
end

function request()
  return lines[math.random(#lines)]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_s": %.3f, "rps": %.2f, "p50_ms": %.3f, "p90_ms": %.3f, '
      .. '"p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
