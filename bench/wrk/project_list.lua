-- wrk script: an authenticated GET /api/v1/projects (the project library a signed-in user sees),
-- the hot read path of the platform: session check + project list + JSON.
--   GONGZHI_TOKEN=<session token> wrk -t2 -c2000 -d20s --latency -s bench/wrk/project_list.lua http://127.0.0.1:8080
-- Prints one summary line per figure at the end (requests/s, p50, p99, errors) for load_test.sh.
local token = os.getenv("GONGZHI_TOKEN")
if token == nil or token == "" then
  error("set GONGZHI_TOKEN to a session token (POST /api/v1/session)")
end
wrk.method = "GET"
wrk.path = os.getenv("GONGZHI_PATH") or "/api/v1/projects"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("result requests_per_second %.0f\n", summary.requests / seconds))
  io.write(string.format("result requests %d\n", summary.requests))
  io.write(string.format("result p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("result p99_ms %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("result max_ms %.2f\n", latency.max / 1000))
  io.write(string.format("result errors connect=%d read=%d write=%d timeout=%d non2xx=%d\n",
                         e.connect, e.read, e.write, e.timeout, e.status))
end
