-- wrk script of make bench-soap (bench/soap.wrk.ts): each request carries a body signed beforehand
-- (GetStreamUri with its own WS-Security UsernameToken), each body is sent once and never again.
-- wrk's LuaJIT has no SHA-1, so Node signs the bodies before the run, one file per wrk thread
-- (<prefix>.<thread index>, one body a line); a thread loads its own file in init() and makes each
-- a whole HTTP request there, before the clock starts. During the run request() only hands the
-- next one over, and there is no response() (which would make wrk build a Lua table of every
-- response's headers): wrk shares the two cores with the server in the all-cores runs, so each
-- microsecond it spends per request is one the server does not get. Answers of 400 and above are
-- counted by wrk itself (summary.errors.status).
-- SOAP_WRK_PORTS (env, optional): a comma-separated loopback port per thread (thread i → port i),
-- to aim threads at cameras served by different workers; unset, every thread uses the URL's.
-- done() prints one line: SOAP_WRK_RESULT {json}.

local threads = {}
local created = 0

function setup(thread)
  thread:set("index", created)
  local ports = os.getenv("SOAP_WRK_PORTS")
  if ports ~= nil and ports ~= "" then
    local list = {}
    for p in string.gmatch(ports, "%d+") do
      list[#list + 1] = p
    end
    thread.addr = wrk.lookup("127.0.0.1", list[(created % #list) + 1])[1]
  end
  created = created + 1
  threads[#threads + 1] = thread
end

function init(args)
  local headers = { ["Content-Type"] = "application/soap+xml; charset=utf-8" }
  prepared = {}
  for line in io.lines(args[1] .. "." .. index) do
    prepared[#prepared + 1] = wrk.format("POST", nil, headers, line)
  end
  loaded = #prepared
  nextRequest = 1
  sent = 0
  exhausted = 0
  empty = wrk.format("POST", nil, headers, "")
end

function request()
  local req = prepared[nextRequest]
  if req == nil then
    -- Out of signed bodies: counted, and the run is invalid (the bench sizes the files to avoid it).
    exhausted = exhausted + 1
    return empty
  end
  prepared[nextRequest] = nil -- gone: it cannot be sent twice
  nextRequest = nextRequest + 1
  sent = sent + 1
  return req
end

function done(summary, latency, requests)
  local t = { loaded = 0, sent = 0, exhausted = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'SOAP_WRK_RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"threads":%d,"loaded":%d,'
      .. '"sent":%d,"exhausted":%d,"errorStatus":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max, #threads, t.loaded,
    t.sent, t.exhausted, e.status))
end
