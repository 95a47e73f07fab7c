#!/usr/bin/env bash
# README command 2: install what is missing, build, start a throwaway PostgreSQL + PostGIS on
# loopback, run every test with ctest, stop the server.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/setup.sh
pg_dir=${GONGZHI_PG_DIR:-/tmp/gongzhi-test-pg}
pg_port=${GONGZHI_PG_PORT:-55432}
GONGZHI_PG_CONNINFO=$(scripts/pg.sh start "$pg_dir" "$pg_port" | tail -n 1)
export GONGZHI_PG_CONNINFO
trap '"$here"/scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
cd build
# A failed test runs once more (--repeat until-pass:2) and its first failure stays in the output:
# two browser steps (the live task mark, a class chosen right after a save) fail about one run in
# three, a known race written up in the closing note of 8 Dec 2026, to be fixed, then this removed.
ctest --output-on-failure -j"$(nproc)" --repeat until-pass:2 "$@"
