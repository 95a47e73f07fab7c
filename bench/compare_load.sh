#!/usr/bin/env bash
# Before/after comparison of the project-list load test on a shared machine. The database is
# prepared once (as bench/load_test.sh does: users, 50 projects over the API), then the two
# binaries serve it alternately (before, after, before, after …; SQLite: each run on a fresh copy
# of the prepared file) so that both meet the same background load, and the medians of
# requests/s and p99 are printed with the after/before ratios.
#
# Usage: bench/compare_load.sh BEFORE_BINARY AFTER_BINARY [sqlite|pg] [RUNS]   (default sqlite 3)
# Environment: WRK_THREADS=2 WRK_CONNECTIONS=2000 WRK_DURATION=10s BENCH_USER=zhen01
#   BENCH_PROJECTS=50, GONGZHI_PG_CONNINFO for pg, PERF_RECORD=DIR (also `perf record -g` each
#   server for 5 s of its run into DIR/{before,after}-N.data; PERF_ARGS replaces "-g").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
before="$1"
after="$2"
mode="${3:-sqlite}"
runs="${4:-3}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-2000}"
WRK_DURATION="${WRK_DURATION:-10s}"
BENCH_USER="${BENCH_USER:-zhen01}"
BENCH_PROJECTS="${BENCH_PROJECTS:-50}"
PASSWORD="load test password 2026"

want=$((WRK_CONNECTIONS * 2 + 1024))
if (( $(ulimit -n) < want )); then ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi

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

serve() {  # binary location → sets server_pid, port
  port="$(free_port)"
  "$1" serve --db "$2" --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && return 0
    sleep 0.05
  done
  echo "server did not start" >&2
  return 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }
sign_in() {
  curl -sf -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" \
    "http://127.0.0.1:$port/api/v1/session" | jq -r .token
}

# ---- the database, once ------------------------------------------------------------------------
if [[ "$mode" == pg ]]; then
  : "${GONGZHI_PG_CONNINFO:?set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT prints it)}"
  pg_schema="bench_cmp_$$"
  psql -q "$GONGZHI_PG_CONNINFO" -c "CREATE SCHEMA $pg_schema" >/dev/null
  prepared="pg:$GONGZHI_PG_CONNINFO options=-csearch_path=$pg_schema"
else
  prepared="$work/prepared.db"
fi
echo "$PASSWORD" | "$before" admin create-admin --db "$prepared" --username root --password-stdin >/dev/null
echo "$PASSWORD" | "$before" admin add-user --db "$prepared" --username zrj --role lead_department \
  --department 自然资源局 --region 340123 --password-stdin >/dev/null
for t in 01 02 03 04 05; do
  echo "$PASSWORD" | "$before" admin add-user --db "$prepared" --username "zhen$t" --role township \
    --region "3401231$t" --password-stdin >/dev/null
done
serve "$before" "$prepared"
declare -A tokens
for t in 01 02 03 04 05; do tokens[$t]="$(sign_in "zhen$t")"; done
python3 - "$BENCH_PROJECTS" >"$work/projects.txt" <<'EOF'
import json, sys
for n in range(1, int(sys.argv[1]) + 1):
    t = "%02d" % ((n - 1) % 5 + 1)
    a, b = 117.0 + 0.02 * n, 117.01 + 0.02 * n
    body = {"name": "压测项目%d" % n, "type": "农用地整理", "region_code": "3401231" + t,
            "plan": {"area": {"type": "Polygon",
                              "coordinates": [[[a, 30.0], [a, 30.01], [b, 30.01], [b, 30.0], [a, 30.0]]]}}}
    print(t, json.dumps(body, ensure_ascii=False))
EOF
while read -r t body; do
  curl -sf -o /dev/null -H "Authorization: Bearer ${tokens[$t]}" -H 'Content-Type: application/json' \
    -d "$body" "http://127.0.0.1:$port/api/v1/projects"
done <"$work/projects.txt"
stop_server

# ---- the runs ----------------------------------------------------------------------------------
: >"$work/results.txt"
for i in $(seq 1 "$runs"); do
  for which in before after; do
    binary="$before"
    [[ "$which" == after ]] && binary="$after"
    location="$prepared"
    if [[ "$mode" != pg ]]; then
      rm -f "$work/run.db"*
      cp "$prepared" "$work/run.db"
      location="$work/run.db"
    fi
    serve "$binary" "$location"
    token="$(sign_in "$BENCH_USER")"
    seen="$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/projects" | jq '.projects | length')"
    perf_pid=""
    if [[ -n "${PERF_RECORD:-}" ]]; then
      mkdir -p "$PERF_RECORD"
      (sleep 2; perf record ${PERF_ARGS:--g} -p "$server_pid" -o "$PERF_RECORD/$which-$i.data" -- sleep 5 >/dev/null 2>&1) &
      perf_pid=$!
    fi
    GONGZHI_TOKEN="$token" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency \
      -s "$here/wrk/project_list.lua" "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 || true
    if [[ -n "$perf_pid" ]]; then wait "$perf_pid" || true; fi
    stop_server
    rps="$(awk '/^result requests_per_second/ {print $3}' "$work/wrk.txt")"
    p99="$(awk '/^result p99_ms/ {print $3}' "$work/wrk.txt")"
    errors="$(grep '^result errors' "$work/wrk.txt" | cut -d' ' -f3- || true)"
    echo "run $i $which $mode ($BENCH_USER sees $seen projects): requests/s=$rps p99_ms=$p99 $errors"
    echo "$which ${rps:-nan} ${p99:-nan}" >>"$work/results.txt"
  done
done

python3 - "$work/results.txt" "$mode" "$WRK_CONNECTIONS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def med(which, col):
    vals = [float(r[col]) for r in rows if r[0] == which and r[col] != "nan"]
    return statistics.median(vals) if vals else float("nan")
b_rps, a_rps = med("before", 1), med("after", 1)
b_p99, a_p99 = med("before", 2), med("after", 2)
print(f"MEDIAN {sys.argv[2]} -c{sys.argv[3]} before: {b_rps:.0f} req/s, p99 {b_p99:.1f} ms; "
      f"after: {a_rps:.0f} req/s, p99 {a_p99:.1f} ms; "
      f"throughput x{a_rps / b_rps:.2f}, p99 x{a_p99 / b_p99:.2f}")
EOF
