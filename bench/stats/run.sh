#!/bin/sh
# The official class table (土地利用现状分类面积汇总表, `gongzhi stats --table class`) of a
# 1,000,000-polygon land-use layer, as csv and as xlsx, against PostGIS summing the ellipsoidal
# areas of the same polygons by class in the same run
# (SELECT dlbm, sum(ST_Area(geom::geography)) … GROUP BY 1). Medians of RUNS (default 3) of
# wall time, CPU time (user+sys) and peak RSS (/usr/bin/time -v); the xlsx writing time is the
# xlsx median less the csv median. Not part of ctest.
# Also `gongzhi stats` by class and `--by region` (villages) against the PostGIS overlay by
# village (SELECT village, dlbm, sum(ST_Area(ST_Intersection(t.geom, v.geom)::geography)) … with
# an ST_Intersects join on GiST indexes, parallel workers allowed), and, with BASELINE=BINARY, a
# second gongzhi (the build before a change) timed in the same runs: before/after in one table.
#   [RUNS=3] [PG=CONNINFO] [BASELINE=BIN] bench/stats/run.sh [BUILD_DIR] [WORK_DIR] [POLYGONS]
# Without PG a throwaway cluster is started with scripts/pg.sh on port 55479.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
work=${2:-/tmp/gongzhi-stats-bench}
polygons=${3:-1000000}
runs=${RUNS:-3}
G="$build/gongzhi"
mkdir -p "$work"
db="$work/county-$polygons.sqlite"
[ -f "$db" ] || "$G" demo --out "$db" --polygons "$polygons" --no-accounts >/dev/null

pg=${PG:-}
if [ -z "$pg" ]; then
  pg=$("$here/scripts/pg.sh" start "$work/pg" 55479 | tail -n 1)
  trap '"$here/scripts/pg.sh" stop "$work/pg" >/dev/null 2>&1 || true' EXIT
fi

measure() {
  label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  echo "$label $wall $rss $cpu"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The same polygons in PostGIS (loaded once per work directory: GeoPackage export, ogr2ogr).
if [ ! -f "$work/pg-loaded-$polygons" ]; then
  rm -f "$work/ref.gpkg"
  "$G" export --db "$db" --layer land_use --format gpkg --output "$work/ref.gpkg" >/dev/null 2>&1
  psql "$pg" -qc "DROP TABLE IF EXISTS bench_land_use" >/dev/null
  ogr2ogr -f PostgreSQL "PG:$pg" "$work/ref.gpkg" -nln bench_land_use -lco GEOMETRY_NAME=geom \
    -lco SPATIAL_INDEX=NONE -nlt PROMOTE_TO_MULTI
  psql "$pg" -qc "VACUUM ANALYZE bench_land_use" >/dev/null
  touch "$work/pg-loaded-$polygons"
fi
# The villages (the finest level of the region layer), and a spatial index for the overlay.
if [ ! -f "$work/pg-villages-$polygons" ]; then
  rm -f "$work/region.gpkg"
  "$G" export --db "$db" --layer region --format gpkg --output "$work/region.gpkg" >/dev/null 2>&1
  psql "$pg" -qc "DROP TABLE IF EXISTS bench_region" >/dev/null
  ogr2ogr -f PostgreSQL "PG:$pg" "$work/region.gpkg" -nln bench_region -lco GEOMETRY_NAME=geom \
    -nlt PROMOTE_TO_MULTI
  psql "$pg" -qc "CREATE INDEX IF NOT EXISTS bench_land_use_geom ON bench_land_use USING gist(geom)" >/dev/null
  psql "$pg" -q -c "VACUUM ANALYZE bench_land_use" -c "VACUUM ANALYZE bench_region" >/dev/null
  touch "$work/pg-villages-$polygons"
fi
sql="SELECT dlbm, sum(ST_Area(geom::geography)) FROM bench_land_use GROUP BY 1"
village_sql="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
WITH v AS (SELECT xzqdm, geom FROM bench_region
           WHERE length(xzqdm) = (SELECT max(length(xzqdm)) FROM bench_region))
SELECT v.xzqdm, t.dlbm, sum(ST_Area(ST_Intersection(t.geom, v.geom)::geography))
FROM bench_land_use t JOIN v ON ST_Intersects(t.geom, v.geom) GROUP BY 1, 2"
baseline=${BASELINE:-}

results="$work/results.txt"
: >"$results"
for i in $(seq "$runs"); do
  measure gongzhi_class_csv "$G" stats --db "$db" --layer land_use --table class --format csv >>"$results"
  rm -f "$work/class.xlsx"
  measure gongzhi_class_xlsx "$G" stats --db "$db" --layer land_use --table class --format xlsx --output "$work/class.xlsx" >>"$results"
  measure gongzhi_stats_csv "$G" stats --db "$db" --layer land_use --format csv >>"$results"
  measure postgis_by_class psql "$pg" -qAtc "$sql" >>"$results"
  measure gongzhi_stats_by_region "$G" stats --db "$db" --layer land_use --by region --format csv >>"$results"
  measure postgis_by_village psql "$pg" -qAt -c "$village_sql" >>"$results"
  if [ -n "$baseline" ]; then
    measure baseline_stats_csv "$baseline" stats --db "$db" --layer land_use --format csv >>"$results"
    measure baseline_stats_by_region "$baseline" stats --db "$db" --layer land_use --by region --format csv >>"$results"
  fi
done
echo "case wall_s cpu_s peak_rss_mb (medians of $runs, $polygons polygons; PostGIS's RSS is psql's, the server's is not counted)"
cases="gongzhi_class_csv gongzhi_class_xlsx gongzhi_stats_csv postgis_by_class gongzhi_stats_by_region postgis_by_village"
[ -n "$baseline" ] && cases="$cases baseline_stats_csv baseline_stats_by_region"
for c in $cases; do
  w=$(awk -v c=$c '$1==c {print $2}' "$results" | median)
  m=$(awk -v c=$c '$1==c {print $3}' "$results" | median)
  u=$(awk -v c=$c '$1==c {print $4}' "$results" | median)
  echo "$c $w $u $m"
done
x=$(awk '$1=="gongzhi_class_xlsx" {print $2}' "$results" | median)
c=$(awk '$1=="gongzhi_class_csv" {print $2}' "$results" | median)
p=$(awk '$1=="postgis_by_class" {print $2}' "$results" | median)
echo "xlsx_writing_s $(awk -v x="$x" -v c="$c" 'BEGIN {printf "%.2f", x - c}') (xlsx median - csv median)"
echo "ratio_wall_class_csv $(awk -v g="$c" -v p="$p" 'BEGIN {printf "%.2f", g / p}') (gongzhi stats --table class / PostGIS by class)"
s=$(awk '$1=="gongzhi_stats_csv" {print $2}' "$results" | median)
r=$(awk '$1=="gongzhi_stats_by_region" {print $2}' "$results" | median)
v=$(awk '$1=="postgis_by_village" {print $2}' "$results" | median)
echo "speedup_stats_by_class $(awk -v g="$s" -v p="$p" 'BEGIN {printf "%.2f", p / g}') (PostGIS by class / gongzhi stats)"
echo "speedup_stats_by_region $(awk -v g="$r" -v p="$v" 'BEGIN {printf "%.2f", p / g}') (PostGIS overlay by village / gongzhi stats --by region)"
