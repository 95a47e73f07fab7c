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
ctest --output-on-failure -j"$(nproc)" "$@"
