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
#   PG_DATA              the cluster's data directory (scripts/pg.sh start DIR …), optional:
#                        with it each run also reports the CPU seconds the PostgreSQL backends used
#   KEEP_WORK=1          keep the servers' logs and wrk's output (the directory is printed)
# Each run checks that every server came up and that every server took creates (a run where one
# server did not is reported as invalid and left out of the medians), and reports the CPU time
# per create of the servers, PostgreSQL and wrk, and how busy the machine was: on a 2-core
# machine running all three the cores, not the database, are what limits the rate.
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
trap 'stop_servers; drop_schema; if [[ -n "${KEEP_WORK:-}" ]]; then echo "logs in $work" >&2; else rm -rf "$work"; fi' EXIT

# CPU seconds (user + system) used so far by the processes in "$@" (pids), and by the machine.
cpu_of() {
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
  done
  echo "$t"
}
pg_pids() {
  [[ -n "${PG_DATA:-}" && -r "$PG_DATA/postmaster.pid" ]] || return 0
  local master
  master="$(head -1 "$PG_DATA/postmaster.pid")"
  echo "$master"
  pgrep -P "$master" || true
}
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }  # busy idle jiffies
hz="$(getconf CLK_TCK)"

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
  # Every server must be up (a server that failed to start once made a "two servers" run
  # measure one, with the other's half of the client hammering a closed port).
  for ((i = 0; i < servers; i++)); do
    local up=""
    for _ in $(seq 1 400); do
      if curl -sf "http://127.0.0.1:$((P0 + i))/api/v1/health" >/dev/null; then up=1; break; fi
      kill -0 "${pids[$i]}" 2>/dev/null || break
      sleep 0.05
    done
    if [[ -z "$up" ]]; then
      echo "server $i (port $((P0 + i))) did not come up; its log:" >&2
      cat "$work/serve-$servers-$i.log" >&2
      exit 1
    fi
  done
  local token
  token="$(curl -sf -H 'Content-Type: application/json' -d "{\"username\":\"zhen\",\"password\":\"$PASSWORD\"}" \
    "http://127.0.0.1:$P0/api/v1/session" | jq -r .token)"
  # wrk runs until stopped: the time is from its start until the database holds N projects.
  local start end created=0 cpu0_servers cpu0_pg cpu0_machine
  cpu0_servers="$(cpu_of "${pids[@]}")"
  cpu0_pg="$(cpu_of $(pg_pids))"
  cpu0_machine="$(machine_busy)"
  start="$(date +%s.%N)"
  GONGZHI_TOKEN="$token" GONGZHI_PORTS="$ports" GONGZHI_CREATES="$N" GONGZHI_THREADS=2 \
    wrk -t2 -c$((2 * C)) -d600s --latency -s "$here/wrk/create_projects.lua" "http://127.0.0.1:$P0" >"$work/wrk.txt" &
  local wrk_pid=$! last=0 still=0 samples=0 waiting=0 sample
  while ((created < N)); do
    sleep 0.05
    # With the count, how many of the database's sessions wait for a lock right now: a write
    # path that serialises on one row or lock shows here, whatever the CPU does.
    sample="$(psql -qtA -F' ' "$GONGZHI_PG_CONNINFO" -c "SELECT (SELECT count(*) FROM $schema.projects), \
      (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database())")"
    created="${sample% *}"
    ((++samples)); waiting=$((waiting + ${sample#* }))
    if ! kill -0 "$wrk_pid" 2>/dev/null; then break; fi
    # No progress for 5 s (refused creates used up wrk's share): stop, and say so below.
    if ((created == last)); then ((++still >= 100)) && break; else still=0; last=$created; fi
  done
  end="$(date +%s.%N)"
  local cpu_servers cpu_pg cpu_wrk cpu_machine
  cpu_servers=$(($(cpu_of "${pids[@]}") - cpu0_servers))
  cpu_pg=$(($(cpu_of $(pg_pids)) - cpu0_pg))
  cpu_wrk="$(cpu_of "$wrk_pid")"
  cpu_machine="$(machine_busy)"
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" 2>/dev/null || true
  local rate refused p99
  rate="$(awk -v n="$created" -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", n / (b - a)}')"
  refused="$(awk '/^result refused/ {print $3}' "$work/wrk.txt")"
  p99="$(awk '/^result p99_ms/ {print $3}' "$work/wrk.txt")"
  # Every server took its share, and the client never hit a closed port.
  local valid=1 idle_server errors
  idle_server="$(awk '/^result thread/ && $7 == 0 {print $5}' "$work/wrk.txt" | head -1)"
  # Refused or broken connections (a server that is not there); timeouts (wrk's 2 s) are only
  # slow answers on a busy machine and count in p99, not against the run.
  errors="$(awk '/Socket errors/ {gsub(",", ""); if ($4 + $6 + $8 > 0) print}' "$work/wrk.txt")"
  if [[ -n "$idle_server" || -n "$errors" ]]; then valid=0; fi
  local cpu
  cpu="$(awk -v n="$created" -v s="$cpu_servers" -v p="$cpu_pg" -v w="$cpu_wrk" -v hz="$hz" \
    -v m0="$cpu0_machine" -v m1="$cpu_machine" -v pgd="${PG_DATA:-}" 'BEGIN {
      split(m0, a, " "); split(m1, b, " "); busy = b[1] - a[1]; idle = b[2] - a[2];
      f = 1000 / hz / n;
      printf "cpu ms/create: servers %.2f, postgres %s, wrk %.2f; machine busy %.0f%%;",
        s * f, (pgd == "" ? "(set PG_DATA)" : sprintf("%.2f", p * f)), w * f, 100 * busy / (busy + idle) }')"
  cpu="$cpu lock waiters $(awk -v w="$waiting" -v n="$samples" 'BEGIN {printf "%.2f", n ? w / n : 0}') on average;"
  stop_servers
  local verify
  verify="$("$GONGZHI" admin verify-audit --db "$location" 2>&1 | tail -1)"
  drop_schema
  echo "run servers=$servers round=$round creates/s=$rate created=$created refused=$refused p99_ms=$p99 $cpu audit: $verify" >&2
  if ((valid == 0)); then
    echo "  INVALID run, left out: ${idle_server:+the server on port $idle_server took no creates; }${errors}" >&2
    grep '^result thread' "$work/wrk.txt" >&2 || true
    echo "invalid"
    return
  fi
  echo "$rate"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

one=() two=()
for ((r = 1; r <= ROUNDS; r++)); do
  one+=("$(run 1 "$r")")
  two+=("$(run 2 "$r")")
done
m1="$(printf '%s\n' "${one[@]}" | grep -v invalid | median)"
m2="$(printf '%s\n' "${two[@]}" | grep -v invalid | median)"
echo "RESULT creates=$N rounds=$ROUNDS connections=$((2 * C)) median creates/s: one server $m1, two servers $m2, ratio $(awk -v a="$m2" -v b="$m1" 'BEGIN {printf "%.2f", a / b}')"
