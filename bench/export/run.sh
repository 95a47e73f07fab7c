#!/bin/sh
# Exporting a 1,000,000-polygon land-use layer to GeoPackage and to Shapefile with
# `gongzhi export`, against ogr2ogr converting the same data (the GeoPackage gongzhi wrote) in
# the same run: medians of 3 of wall time and peak RSS (/usr/bin/time -v). Not part of ctest.
#   bench/export/run.sh [BUILD_DIR] [WORK_DIR] [POLYGONS]
set -eu
build=${1:-build}
work=${2:-/tmp/gongzhi-export-bench}
polygons=${3:-1000000}
G="$build/gongzhi"
mkdir -p "$work"
db="$work/county-$polygons.sqlite"
[ -f "$db" ] || "$G" demo --out "$db" --polygons "$polygons" --no-accounts >/dev/null

# measure LABEL CMD… : prints "LABEL wall_s peak_rss_mb" and removes the outputs afterwards.
measure() {
  label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  echo "$label $wall $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The reference data for ogr2ogr: the same layer as a GeoPackage.
ref="$work/ref.gpkg"
rm -f "$ref"
"$G" export --db "$db" --layer land_use --format gpkg --output "$ref" >/dev/null 2>&1

results="$work/results.txt"
: >"$results"
for i in 1 2 3; do
  rm -rf "$work/out"*
  measure gongzhi_gpkg "$G" export --db "$db" --layer land_use --format gpkg --output "$work/out.gpkg" >>"$results"
  measure ogr2ogr_gpkg ogr2ogr -f GPKG "$work/out2.gpkg" "$ref" >>"$results"
  measure gongzhi_shp "$G" export --db "$db" --layer land_use --format shp --output "$work/out.shp" >>"$results"
  measure ogr2ogr_shp ogr2ogr -f "ESRI Shapefile" -lco ENCODING=GBK "$work/out2.shp" "$ref" >>"$results"
done
rm -rf "$work/out"*
echo "case wall_s(median of 3) peak_rss_mb(median of 3)"
for c in gongzhi_gpkg ogr2ogr_gpkg gongzhi_shp ogr2ogr_shp; do
  w=$(awk -v c=$c '$1==c {print $2}' "$results" | median)
  m=$(awk -v c=$c '$1==c {print $3}' "$results" | median)
  echo "$c $w $m"
done
