#!/usr/bin/env bash
# README command 1: install what is missing, build, make the demo county once, start the server.
#   GONGZHI_DB       database to serve (default demo/county.sqlite, created by `gongzhi demo`)
#   GONGZHI_LISTEN   address:port (default 127.0.0.1:8080)
#   GONGZHI_PG       serve this PostgreSQL database (libpq conninfo) instead of a SQLite file
#   GONGZHI_DEMO_POLYGONS  land-use polygons of the demo county (default 20000)
#   GONGZHI_DEMO_SEED      its random seed (default 1)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/setup.sh
if [ -n "${GONGZHI_PG:-}" ]; then
  exec build/gongzhi serve --pg "$GONGZHI_PG" --listen "${GONGZHI_LISTEN:-127.0.0.1:8080}"
fi
db=${GONGZHI_DB:-demo/county.sqlite}
if [ ! -f "$db" ]; then
  mkdir -p "$(dirname "$db")"
  # Seed 1 lays a project in application in the demo township, which the demo's reallocation plan
  # (the villager cunmin's parcels to confirm) needs; other seeds may not.
  build/gongzhi demo --out "$db" --polygons "${GONGZHI_DEMO_POLYGONS:-20000}" --seed "${GONGZHI_DEMO_SEED:-1}"
fi
exec build/gongzhi serve --db "$db" --listen "${GONGZHI_LISTEN:-127.0.0.1:8080}"
