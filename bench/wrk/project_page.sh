#!/usr/bin/env bash
# The reads of the project page and the dashboard under wrk, for one or more builds in one run
# (before/after on the same machine state):
#   bench/wrk/project_page.sh DEMO.sqlite BINARY [BINARY …]
# DEMO.sqlite is made with `gongzhi demo --polygons 20000 --seed 1` when missing. For each binary:
# a copy of the demo, `gongzhi serve`, sign-in as the county leader (lingdao), then
#   wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/wrk/project_list.lua
# on GET /api/v1/projects/{id} (the first project of the leader's list) and on
# GET /api/v1/dashboard?region={county}, one after the other (and again, WRK_ROUNDS times).
# Environment: WRK_THREADS=2 WRK_CONNECTIONS=256 WRK_DURATION=10s WRK_ROUNDS=1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
demo="$1"
shift
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-256}"
WRK_DURATION="${WRK_DURATION:-10s}"
WRK_ROUNDS="${WRK_ROUNDS:-1}"
[[ -f "$demo" ]] || "$1" demo --out "$demo" --polygons 20000 --seed 1 >/dev/null
work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
want=$((WRK_CONNECTIONS * 2 + 1024))
if (( $(ulimit -n) < want )); then ulimit -n "$want" 2>/dev/null || true; fi

for bin in "$@"; do
  cp "$demo" "$work/demo.sqlite"
  port="$(free_port)"
  "$bin" serve --db "$work/demo.sqlite" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  token="$(curl -sf -H 'Content-Type: application/json' -d '{"username":"lingdao","password":"gongzhi-demo"}' \
    "http://127.0.0.1:$port/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  id="$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/projects" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["projects"][0]["id"])')"
  region="$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/dashboard" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["region"]["code"])')"
  for round in $(seq 1 "$WRK_ROUNDS"); do
    for path in "/api/v1/projects/$id" "/api/v1/dashboard?region=$region"; do
      echo "== $bin $path (round $round, wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION)"
      GONGZHI_TOKEN="$token" GONGZHI_PATH="$path" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" \
        -d"$WRK_DURATION" --latency -s "$here/project_list.lua" "http://127.0.0.1:$port" | grep '^result'
    done
  done
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
  server=""
done
