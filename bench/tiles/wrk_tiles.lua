-- wrk script: each connection cycles through the tile paths of tiles_bench --write-paths.
-- Environment: TILE_PATHS (file of paths), TILE_TOKEN (session token).
local paths = {}
for line in io.lines(os.getenv("TILE_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("TILE_TOKEN")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 97)
end

function init(args)
  i = offset or 0
end

function request()
  i = i + 1
  local p = paths[(i % #paths) + 1]
  return wrk.format("GET", p, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests in %.1f s, %.1f req/s, median %.3f ms, p99 %.3f ms, max %.3f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
