#!/bin/sh
# Exporting a 1,000,000-polygon land-use layer to GeoPackage and to Shapefile with
# `gongzhi export`, against ogr2ogr converting the same data (the GeoPackage gongzhi wrote) in
# the same run: medians of RUNS (default 3) of wall time, CPU time (user+sys) and peak RSS
# (/usr/bin/time -v), and the ratio gongzhi / ogr2ogr of the medians. Not part of ctest.
#   [RUNS=3] bench/export/run.sh [BUILD_DIR] [WORK_DIR] [POLYGONS]
set -eu
build=${1:-build}
work=${2:-/tmp/gongzhi-export-bench}
polygons=${3:-1000000}
runs=${RUNS:-3}
G="$build/gongzhi"
mkdir -p "$work"
db="$work/county-$polygons.sqlite"
[ -f "$db" ] || "$G" demo --out "$db" --polygons "$polygons" --no-accounts >/dev/null
# A store written before versions recorded their schema (SQLite schema < 3) is read twice by
# every export: say so, since that is not what is measured here (delete the file to remake it).
recorded=$(sqlite3 "$db" "SELECT v.feature_schema IS NOT NULL FROM layer_version v JOIN layer l
  ON l.id = v.layer_id WHERE l.name = 'land_use' ORDER BY v.version DESC LIMIT 1" 2>/dev/null || echo "?")
[ "$recorded" = 1 ] || echo "note: $db has no recorded schema for land_use; the export reads it twice" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# measure LABEL CMD… : prints "LABEL wall_s peak_rss_mb cpu_s".
measure() {
  label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  echo "$label $wall $rss $cpu"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The reference data for ogr2ogr: the same layer as a GeoPackage.
ref="$work/ref.gpkg"
rm -f "$ref"
"$G" export --db "$db" --layer land_use --format gpkg --output "$ref" >/dev/null 2>&1

results="$work/results.txt"
: >"$results"
for i in $(seq "$runs"); do
  rm -rf "$work/out"*
  measure gongzhi_gpkg "$G" export --db "$db" --layer land_use --format gpkg --output "$work/out.gpkg" >>"$results"
  measure ogr2ogr_gpkg ogr2ogr -f GPKG "$work/out2.gpkg" "$ref" >>"$results"
  measure gongzhi_shp "$G" export --db "$db" --layer land_use --format shp --output "$work/out.shp" >>"$results"
  measure ogr2ogr_shp ogr2ogr -f "ESRI Shapefile" -lco ENCODING=GBK "$work/out2.shp" "$ref" >>"$results"
done
rm -rf "$work/out"*
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "case wall_s cpu_s peak_rss_mb (medians of $runs, $polygons polygons)"
for c in gongzhi_gpkg ogr2ogr_gpkg gongzhi_shp ogr2ogr_shp; do
  w=$(awk -v c=$c '$1==c {print $2}' "$results" | median)
  m=$(awk -v c=$c '$1==c {print $3}' "$results" | median)
  u=$(awk -v c=$c '$1==c {print $4}' "$results" | median)
  echo "$c $w $u $m"
done
for f in gpkg shp; do
  g=$(awk -v c=gongzhi_$f '$1==c {print $2}' "$results" | median)
  o=$(awk -v c=ogr2ogr_$f '$1==c {print $2}' "$results" | median)
  echo "ratio_wall_$f $(awk -v g="$g" -v o="$o" 'BEGIN {printf "%.2f", g / o}') (gongzhi / ogr2ogr)"
done
