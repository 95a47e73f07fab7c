-- wrk script: POST /api/v1/projects, a new project per request, until each thread has made its
-- share of GONGZHI_CREATES (over GONGZHI_THREADS, wrk's -t); thread i sends to GONGZHI_PORTS[i mod n] (one or several servers on
-- one database), so one client of the same size drives one server or two.
--   GONGZHI_TOKEN=… GONGZHI_PORTS=18650,18651 GONGZHI_CREATES=2000 GONGZHI_THREADS=2 \
--     wrk -t2 -c16 -d120s -s bench/wrk/create_projects.lua http://127.0.0.1:18650
-- Prints "result …" lines for bench/write_scale.sh.
local token = os.getenv("GONGZHI_TOKEN")
if token == nil or token == "" then error("set GONGZHI_TOKEN to a session token") end
local ports = {}
for p in string.gmatch(os.getenv("GONGZHI_PORTS") or "", "%d+") do table.insert(ports, p) end
local creates = tonumber(os.getenv("GONGZHI_CREATES") or "1000")
local region = os.getenv("GONGZHI_REGION") or "340123101"

local threads = {}
local index = 0
function setup(thread)
  index = index + 1
  if #ports > 0 then
    local port = ports[(index - 1) % #ports + 1]
    thread.addr = wrk.lookup("127.0.0.1", port)[1]
  end
  thread:set("id", index)
  thread:set("port", (#ports > 0) and ports[(index - 1) % #ports + 1] or "")
  table.insert(threads, thread)
end

-- Globals, so that done() can read them from each thread (thread:get).
share, done_here, counter, created, refused = 0, 0, 0, 0, 0
function init(args)
  share = math.ceil(creates / tonumber(os.getenv("GONGZHI_THREADS") or "1"))
end

function request()
  counter = counter + 1
  local lon = 117.0 + (counter % 400) * 0.002
  local body = string.format(
    '{"name":"写入压测 %d-%d","type":"生态保护修复","region_code":"%s","plan":{"area":' ..
    '{"type":"Polygon","coordinates":[[[%.4f,30.1],[%.4f,30.1],[%.4f,30.101],[%.4f,30.101],[%.4f,30.1]]]}}}',
    id, counter, region, lon, lon + 0.001, lon + 0.001, lon, lon)
  return wrk.format("POST", "/api/v1/projects",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else refused = refused + 1 end
  done_here = done_here + 1
  -- wrk itself runs until -d or SIGINT (write_scale.sh stops it when the database holds them).
  if done_here >= share then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local c, r = 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("created") or 0)
    r = r + (t:get("refused") or 0)
  end
  for i, t in ipairs(threads) do
    io.write(string.format("result thread %d port %s created %d refused %d\n", i, t:get("port"),
                           t:get("created") or 0, t:get("refused") or 0))
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("result seconds %.3f\n", seconds))
  io.write(string.format("result created %d\n", c))
  io.write(string.format("result refused %d\n", r))
  io.write(string.format("result creates_per_second %.1f\n", c / seconds))
  io.write(string.format("result p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("result p99_ms %.2f\n", latency:percentile(99) / 1000))
end
