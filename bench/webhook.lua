-- wrk script: replays signed carrier webhooks, one "signature<TAB>body" line each, from
-- the file bench/run.py wrote. Each thread takes every n-th line so no two requests share
-- a CallSid; the summary goes to stdout as one JSON line for run.py to read.
-- Usage: wrk ... -s webhook.lua URL -- REQUESTS_FILE THREADS

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(args[2])
  signatures, bodies = {}, {}
  local line_no = 0
  for line in io.lines(args[1]) do
    if line_no % stride == id then
      local tab = line:find("\t", 1, true)
      table.insert(signatures, line:sub(1, tab - 1))
      table.insert(bodies, line:sub(tab + 1))
    end
    line_no = line_no + 1
  end
  index, dials, wrapped = 0, 0, 0
end

function request()
  index = index + 1
  if index > #bodies then
    index, wrapped = 1, 1
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[index],
  }, bodies[index])
end

function response(status, headers, body)
  if body:find("<Dial", 1, true) then
    dials = dials + 1
  end
end

function done(summary, latency, requests)
  local dial_total, wrapped_any = 0, 0
  for _, thread in ipairs(threads) do
    dial_total = dial_total + thread:get("dials")
    wrapped_any = math.max(wrapped_any, thread:get("wrapped"))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"bad_status":%d,' ..
    '"socket_errors":%d,"dials":%d,"wrapped":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, dial_total, wrapped_any))
end
