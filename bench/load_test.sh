#!/usr/bin/env bash
# Load test of the API's hot read path: an authenticated GET /api/v1/projects under wrk.
#
# Usage: bench/load_test.sh [sqlite|pg|both]      (default: both)
#   Makes a fresh database (a SQLite file, or a fresh schema on GONGZHI_PG_CONNINFO) with an
#   administrator, a lead-department user and township users, creates ~50 projects over the API,
#   starts `gongzhi serve`, signs in and runs
#     wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency -s bench/wrk/project_list.lua
#   then prints requests/s and p99 per backend.
# Environment:
#   GONGZHI            the binary (default: build/gongzhi, else gongzhi on PATH)
#   GONGZHI_PG_CONNINFO  libpq conninfo of a PostgreSQL for the pg run (scripts/pg.sh prints one)
#   WRK_THREADS=2 WRK_CONNECTIONS=2000 WRK_DURATION=20s
#   BENCH_USER=zhen01  who signs in (zhen01 sees 10 projects, zrj all 50)
#   BENCH_PROJECTS=50
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
GONGZHI="${GONGZHI:-}"
if [[ -z "$GONGZHI" ]]; then
  if [[ -x "$root/build/gongzhi" ]]; then GONGZHI="$root/build/gongzhi"; else GONGZHI="$(command -v gongzhi)"; fi
fi
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-2000}"
WRK_DURATION="${WRK_DURATION:-20s}"
BENCH_USER="${BENCH_USER:-zhen01}"
BENCH_PROJECTS="${BENCH_PROJECTS:-50}"
PASSWORD="load test password 2026"
mode="${1:-both}"

# wrk needs a descriptor per connection, the server one per connection too.
want=$((WRK_CONNECTIONS * 2 + 1024))
if (( $(ulimit -n) < want )); then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi

work="$(mktemp -d)"
server_pid=""
pg_schema=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$pg_schema" ]]; then psql -q "$GONGZHI_PG_CONNINFO" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Users and projects in `location`, a server on it; prints nothing, sets $port.
prepare() {
  local location="$1"
  echo "$PASSWORD" | "$GONGZHI" admin create-admin --db "$location" --username root --password-stdin >/dev/null
  echo "$PASSWORD" | "$GONGZHI" admin add-user --db "$location" --username zrj --role lead_department \
    --department 自然资源局 --region 340123 --password-stdin >/dev/null
  for t in 01 02 03 04 05; do
    echo "$PASSWORD" | "$GONGZHI" admin add-user --db "$location" --username "zhen$t" --role township \
      --region "3401231$t" --password-stdin >/dev/null
  done
  port="$(free_port)"
  "$GONGZHI" serve --db "$location" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
    sleep 0.05
  done
  declare -A tokens
  for t in 01 02 03 04 05; do
    tokens[$t]="$(sign_in "zhen$t")"
  done
  local n
  for n in $(seq 1 "$BENCH_PROJECTS"); do
    local t; t="$(printf '%02d' $(( (n - 1) % 5 + 1 )))"
    local lon; lon="$(python3 -c "print(117.0 + 0.02 * $n)")"
    curl -sf -o /dev/null -H "Authorization: Bearer ${tokens[$t]}" -H 'Content-Type: application/json' \
      -d "{\"name\":\"压测项目$n\",\"type\":\"农用地整理\",\"region_code\":\"3401231$t\",\"plan\":{\"area\":{\"type\":\"Polygon\",\"coordinates\":[[[$lon,30.0],[$lon,30.01],[$(python3 -c "print(117.01 + 0.02 * $n)"),30.01],[$(python3 -c "print(117.01 + 0.02 * $n)"),30.0],[$lon,30.0]]]}}}" \
      "http://127.0.0.1:$port/api/v1/projects"
  done
}

sign_in() {
  curl -sf -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" \
    "http://127.0.0.1:$port/api/v1/session" | jq -r .token
}

measure() {
  local name="$1"
  local token; token="$(sign_in "$BENCH_USER")"
  local seen; seen="$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/projects" | jq '.projects | length')"
  echo "== $name: $BENCH_USER sees $seen projects; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION"
  GONGZHI_TOKEN="$token" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency \
    -s "$here/wrk/project_list.lua" "http://127.0.0.1:$port" | tee "$work/wrk-$name.txt"
  local rps p99
  rps="$(awk '/^result requests_per_second/ {print $3}' "$work/wrk-$name.txt")"
  p99="$(awk '/^result p99_ms/ {print $3}' "$work/wrk-$name.txt")"
  echo "RESULT $name requests/s=$rps p99_ms=$p99"
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
}

if [[ "$mode" == sqlite || "$mode" == both ]]; then
  prepare "$work/bench.db"
  measure sqlite
fi
if [[ "$mode" == pg || "$mode" == both ]]; then
  : "${GONGZHI_PG_CONNINFO:?set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT prints it)}"
  pg_schema="bench_$$"
  psql -q "$GONGZHI_PG_CONNINFO" -c "CREATE SCHEMA $pg_schema" >/dev/null
  prepare "pg:$GONGZHI_PG_CONNINFO options=-csearch_path=$pg_schema"
  measure pg
fi
