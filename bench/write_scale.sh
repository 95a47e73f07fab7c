#!/usr/bin/env bash
# Write benchmark: N project creates through the API, from one `gongzhi serve --db pg:…` and
# from two on the same database, the same client (wrk, bench/wrk/create_projects.lua, two
# threads with C connections each) driving both. Prints creates/s per run, the medians and
# the ratio two/one (issue 18: at least 1.6).
#
# Usage: bench/write_scale.sh [N] [ROUNDS]         (default 2000 creates, 3 rounds)
# Environment:
#   GONGZHI_PG_CONNINFO  libpq conninfo (scripts/pg.sh start DIR PORT prints one); each run
#                        gets a fresh schema, dropped afterwards
#   GONGZHI              the binary (default build/gongzhi)
#   BENCH_CONNECTIONS=8  connections per wrk thread
#   BENCH_PORT=18650     first of the two ports the servers listen on
# Not part of ctest: figures come from here, as medians, never from unit tests.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
GONGZHI="${GONGZHI:-$root/build/gongzhi}"
N="${1:-2000}"
ROUNDS="${2:-3}"
C="${BENCH_CONNECTIONS:-8}"
P0="${BENCH_PORT:-18650}"
PASSWORD="write bench password 2026"
: "${GONGZHI_PG_CONNINFO:?set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT prints it)}"

pids=()
schema=""
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
drop_schema() {
  if [[ -n "$schema" ]]; then psql -q "$GONGZHI_PG_CONNINFO" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  schema=""
}
work="$(mktemp -d)"
trap 'stop_servers; drop_schema; rm -rf "$work"' EXIT

# One run: a fresh schema, `servers` processes on it, N creates. Prints creates/s.
run() {
  local servers="$1" round="$2"
  schema="wbench_$$_${servers}_$round"
  psql -q "$GONGZHI_PG_CONNINFO" -c "CREATE SCHEMA $schema" >/dev/null
  local location="pg:$GONGZHI_PG_CONNINFO options=-csearch_path=$schema"
  echo "$PASSWORD" | "$GONGZHI" admin create-admin --db "$location" --username root --password-stdin >/dev/null
  echo "$PASSWORD" | "$GONGZHI" admin add-user --db "$location" --username zhen --role township \
    --region 340123101 --password-stdin >/dev/null
  local ports="" i
  for ((i = 0; i < servers; i++)); do
    local port=$((P0 + i))
    "$GONGZHI" serve --db "$location" --listen "127.0.0.1:$port" >"$work/serve-$servers-$i.log" 2>&1 &
    pids+=($!)
    ports="${ports:+$ports,}$port"
  done
  for ((i = 0; i < servers; i++)); do
    for _ in $(seq 1 200); do
      curl -sf "http://127.0.0.1:$((P0 + i))/api/v1/health" >/dev/null && break
      sleep 0.05
    done
  done
  local token
  token="$(curl -sf -H 'Content-Type: application/json' -d "{\"username\":\"zhen\",\"password\":\"$PASSWORD\"}" \
    "http://127.0.0.1:$P0/api/v1/session" | jq -r .token)"
  # wrk runs until stopped: the time is from its start until the database holds N projects.
  local start end created=0
  start="$(date +%s.%N)"
  GONGZHI_TOKEN="$token" GONGZHI_PORTS="$ports" GONGZHI_CREATES="$N" GONGZHI_THREADS=2 \
    wrk -t2 -c$((2 * C)) -d600s --latency -s "$here/wrk/create_projects.lua" "http://127.0.0.1:$P0" >"$work/wrk.txt" &
  local wrk_pid=$! last=0 still=0
  while ((created < N)); do
    sleep 0.05
    created="$(psql -qtA "$GONGZHI_PG_CONNINFO" -c "SELECT count(*) FROM $schema.projects")"
    if ! kill -0 "$wrk_pid" 2>/dev/null; then break; fi
    # No progress for 5 s (refused creates used up wrk's share): stop, and say so below.
    if ((created == last)); then ((++still >= 100)) && break; else still=0; last=$created; fi
  done
  end="$(date +%s.%N)"
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" 2>/dev/null || true
  local rate refused p99
  rate="$(awk -v n="$created" -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", n / (b - a)}')"
  refused="$(awk '/^result refused/ {print $3}' "$work/wrk.txt")"
  p99="$(awk '/^result p99_ms/ {print $3}' "$work/wrk.txt")"
  stop_servers
  local verify
  verify="$("$GONGZHI" admin verify-audit --db "$location" 2>&1 | tail -1)"
  drop_schema
  echo "run servers=$servers round=$round creates/s=$rate created=$created refused=$refused p99_ms=$p99 audit: $verify" >&2
  echo "$rate"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

one=() two=()
for ((r = 1; r <= ROUNDS; r++)); do
  one+=("$(run 1 "$r")")
  two+=("$(run 2 "$r")")
done
m1="$(printf '%s\n' "${one[@]}" | median)"
m2="$(printf '%s\n' "${two[@]}" | median)"
echo "RESULT creates=$N rounds=$ROUNDS connections=$((2 * C)) median creates/s: one server $m1, two servers $m2, ratio $(awk -v a="$m2" -v b="$m1" 'BEGIN {printf "%.2f", a / b}')"
