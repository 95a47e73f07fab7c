#!/bin/sh
# Imagery import (`gongzhi import --kind imagery`) of a GeoTIFF made here, against gdal2tiles.py
# cutting the same file into the same zooms in the same run: medians of RUNS (default 3) of wall
# time, CPU time and peak RSS (/usr/bin/time -v), the import's MB/s (of the uncompressed RGB
# pixels), and the ratio gongzhi / gdal2tiles of the medians. Not part of ctest.
#   [RUNS=3] [PIXELS=26000] bench/imagery/run.sh [BUILD_DIR] [WORK_DIR]
# PIXELS=26000 makes 26000 × 26000 × 3 bytes = 2.03 GB of imagery (0.6 m pixels, a county's
# DOM sheet); smaller values make quicker runs.
set -eu
build=${1:-build}
work=${2:-/tmp/gongzhi-imagery-bench}
runs=${RUNS:-3}
pixels=${PIXELS:-26000}
G="$build/gongzhi"
mkdir -p "$work"
src="$work/dom-$pixels.tif"
if [ ! -f "$src" ]; then
  # Noise upsampled bilinearly: texture that neither WebP nor the warp can shortcut.
  python3 -c "import os,sys; sys.stdout.buffer.write(b'P6 1024 1024 255\n' + os.urandom(1024*1024*3))" >"$work/noise.ppm"
  # 0.6 m pixels east of 117°E at 31.4°N in EPSG:3857 (x 13024000…, y 3685000…).
  ext=$(awk -v p="$pixels" 'BEGIN {printf "%.1f", p * 0.6}')
  gdal_translate -q -outsize "$pixels" "$pixels" -r bilinear -a_srs EPSG:3857 \
    -a_ullr 13024000 3685000 "$(awk -v e="$ext" 'BEGIN {print 13024000 + e}')" \
    "$(awk -v e="$ext" 'BEGIN {print 3685000 - e}')" \
    -co TILED=YES -co BIGTIFF=YES "$work/noise.ppm" "$src"
  gdaladdo -q -r average "$src" 2 4 8 16 32 64
fi
mb=$(awk -v p="$pixels" 'BEGIN {printf "%.1f", p * p * 3 / 1048576}')
echo "source: $src, $mb MB of RGB pixels; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() {
  label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  echo "$label $wall $rss $cpu"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The zooms gongzhi chooses by default, given to gdal2tiles too.
zooms=$(python3 -c "
import math
w=2*20037508.342789244
print(max(0,math.floor(math.log2(w/($pixels*0.6)))), math.ceil(math.log2(w/(256*0.6))-1e-6))")
zmin=${zooms% *}; zmax=${zooms#* }
results="$work/results.txt"
: >"$results"
for i in $(seq "$runs"); do
  rm -rf "$work/db.sqlite"* "$work/g2t"
  measure gongzhi "$G" import --db "$work/db.sqlite" --kind imagery --layer dom --date 2025-06 \
    --min-zoom "$zmin" --max-zoom "$zmax" "$src" >>"$results"
  measure gdal2tiles gdal2tiles.py -q --xyz -r bilinear --processes=1 -w none --tiledriver=WEBP \
    -z "$zmin-$zmax" "$src" "$work/g2t" >>"$results"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "case wall_s cpu_s peak_rss_mb MB_per_s (medians of $runs, zoom $zmin-$zmax)"
for c in gongzhi gdal2tiles; do
  w=$(awk -v c=$c '$1==c {print $2}' "$results" | median)
  m=$(awk -v c=$c '$1==c {print $3}' "$results" | median)
  u=$(awk -v c=$c '$1==c {print $4}' "$results" | median)
  echo "$c $w $u $m $(awk -v w="$w" -v mb="$mb" 'BEGIN {printf "%.1f", mb / w}')"
done
g=$(awk '$1=="gongzhi" {print $2}' "$results" | median)
o=$(awk '$1=="gdal2tiles" {print $2}' "$results" | median)
echo "ratio gongzhi/gdal2tiles wall: $(awk -v g="$g" -v o="$o" 'BEGIN {printf "%.2f", g / o}')"
