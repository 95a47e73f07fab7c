#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/*_fuzz.cpp), each for a bounded time (docs/fuzzing.md): builds
# them with clang-14 into build-fuzz/ (the core instrumented, AddressSanitizer and UBSan on),
# then runs each over its seed corpus fuzz/corpus/NAME for SECONDS (default 30). New inputs go to
# build-fuzz/corpus/NAME, never into the repository; a finding (crash, sanitizer report,
# uncaught exception, 5xx answer, leak, timeout) leaves its input in build-fuzz/artifacts/ and fails
# the run, printing the command that reproduces it.
#   scripts/fuzz.sh [SECONDS] [HARNESS…]      e.g. scripts/fuzz.sh 600 tile_fuzz
# GONGZHI_FUZZ_JOBS sets the build's parallel jobs (default: the number of cores).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-30}
shift || true
jobs=${GONGZHI_FUZZ_JOBS:-$(nproc)}
# ccache as in setup.sh: the clang build of the core is compiled once on a machine, and a clean
# clone (CI) reuses it; paths under the clone are hashed relative to it.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
started=$SECONDS
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Fuzz -DGONGZHI_FUZZ=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$jobs" --target "${harnesses[@]}"
echo "fuzz: configured and built in $((SECONDS - started)) s"

# The demo county the router harnesses work on is generated once into build-fuzz/world/ (each
# run works on a copy); the harnesses' files go to build-fuzz/tmp/run-PID, removed at their end.
export GONGZHI_FUZZ_WORLD="$here/build-fuzz/world/county.sqlite" GONGZHI_FUZZ_TMP="$here/build-fuzz/tmp"
if [ -f "$GONGZHI_FUZZ_WORLD" ] && [ build-fuzz/libgongzhi_fuzz_support.a -nt "$GONGZHI_FUZZ_WORLD" ]; then
  rm -f "$GONGZHI_FUZZ_WORLD"  # the code changed: the demo and its schema may have too
fi
rm -rf "$GONGZHI_FUZZ_TMP"
mkdir -p build-fuzz/artifacts "$GONGZHI_FUZZ_TMP"
# LeakSanitizer is on: what a harness keeps for its whole run (the demo county, the services) stays
# reachable and is no leak. The UBSan report prints its stack; the run stops at the first finding
# either way.
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
status=0
for h in "${harnesses[@]}"; do
  name=${h%_fuzz}
  mkdir -p "build-fuzz/corpus/$name"
  echo "fuzz: $h for ${seconds} s"
  # The outer timeout bounds what -max_total_time does not: the harness's setup (the demo county).
  if ! timeout $((seconds + 300)) "build-fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="build-fuzz/artifacts/$name-" -print_final_stats=1 \
      "build-fuzz/corpus/$name" "fuzz/corpus/$name" >"build-fuzz/$name.log" 2>&1; then
    tail -n 60 "build-fuzz/$name.log"
    echo "fuzz: $h FOUND SOMETHING; the report: build-fuzz/$name.log"
    found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "build-fuzz/$name.log")
    if [ -n "$found" ]; then
      for f in $found; do echo "fuzz: reproduce with: build-fuzz/$h $f"; done
    else
      echo "fuzz: $h wrote no input (stopped in its setup or by the outer timeout)"
    fi
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::new_units_added|^stat::peak_rss_mb" \
      "build-fuzz/$name.log" | sed "s/^/fuzz: $h /"
    echo "fuzz: $h corpus: $(ls "build-fuzz/corpus/$name" | wc -l) inputs found on this machine, $(ls "fuzz/corpus/$name" | wc -l) seeds"
  fi
done
echo "fuzz: done in $((SECONDS - started)) s"
exit $status
