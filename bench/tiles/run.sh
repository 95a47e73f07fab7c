#!/bin/sh
# Tile benchmark over HTTP: a copy of a county store, a benchmark user, `gongzhi serve`, then
# tiles_bench (cold pass, warm passes, one connection) and wrk (warm, many connections).
#   bench/tiles/run.sh BUILD_DIR COUNTY.sqlite [PORT] [WRK_SECONDS]
# The county store is made by `gongzhi demo --out F --polygons 1000000` when missing.
set -eu
build=$1 county=$2 port=${3:-18931} seconds=${4:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/gz-tiles-bench.XXXXXX)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
[ -f "$county" ] || "$build/gongzhi" demo --out "$county" --polygons 1000000
cp "$county" "$work/county.sqlite"
password="benchmark password 1"
# A demo county already has an administrator: the benchmark user is then added as another.
printf '%s\n' "$password" | "$build/gongzhi" admin create-admin --db "$work/county.sqlite" \
  --username bench --password-stdin >/dev/null 2>&1 ||
  printf '%s\n' "$password" | "$build/gongzhi" admin add-user --db "$work/county.sqlite" \
    --username bench --role admin --password-stdin >/dev/null
"$build/gongzhi" serve --db "$work/county.sqlite" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for i in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
# The server builds the overview index of the county's land-use layer in the background from
# its start (docs/tiles.md); the cold pass starts once it is ready, or after INDEX_WAIT seconds
# (default 300; 0 for an older build, which makes none).
for i in $(seq $(( ${INDEX_WAIT:-300} * 10 ))); do grep -q "overview index of layer land_use" "$work/serve.log" && break; sleep 0.1; done
grep "overview index" "$work/serve.log" || true
token=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/session" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$build/tiles_bench" --db "$work/county.sqlite" --port "$port" --token "$token" \
  --write-paths "$work/paths.txt"
TILE_PATHS="$work/paths.txt" TILE_TOKEN="$token" \
  wrk -t2 -c32 -d"${seconds}s" --latency -s "$here/wrk_tiles.lua" "http://127.0.0.1:$port"
