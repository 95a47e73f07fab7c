#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/*_fuzz.cpp), each for a bounded time (docs/fuzzing.md): builds
# them with clang-14 into build-fuzz/ (the core instrumented, AddressSanitizer and UBSan on),
# then runs each over its seed corpus fuzz/corpus/NAME for SECONDS (default 30). New inputs go to
# build-fuzz/corpus/NAME, never into the repository; a finding (crash, sanitizer report,
# uncaught exception, 5xx answer, timeout) leaves its input in build-fuzz/artifacts/ and fails
# the run.
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
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Fuzz -DGONGZHI_FUZZ=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$jobs" --target "${harnesses[@]}"

# The demo county the router harnesses work on is generated once into build-fuzz/world/ (each
# run works on a copy); the harnesses' files go to build-fuzz/tmp/run-PID, removed at their end.
export GONGZHI_FUZZ_WORLD="$here/build-fuzz/world/county.sqlite" GONGZHI_FUZZ_TMP="$here/build-fuzz/tmp"
if [ -f "$GONGZHI_FUZZ_WORLD" ] && [ build-fuzz/libgongzhi_fuzz_support.a -nt "$GONGZHI_FUZZ_WORLD" ]; then
  rm -f "$GONGZHI_FUZZ_WORLD"  # the code changed: the demo and its schema may have too
fi
rm -rf "$GONGZHI_FUZZ_TMP"
mkdir -p build-fuzz/artifacts "$GONGZHI_FUZZ_TMP"
# detect_leaks=0: the harnesses keep their world (database, services) for the whole run.
# The UBSan report prints its stack; the run stops at the first finding either way.
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
status=0
for h in "${harnesses[@]}"; do
  name=${h%_fuzz}
  mkdir -p "build-fuzz/corpus/$name"
  echo "fuzz: $h for ${seconds} s"
  if ! "build-fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="build-fuzz/artifacts/$name-" -print_final_stats=1 \
      "build-fuzz/corpus/$name" "fuzz/corpus/$name" >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $h FOUND SOMETHING (build-fuzz/$name.log, build-fuzz/artifacts/$name-*)"
    tail -n 60 "build-fuzz/$name.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added|^stat::peak_rss_mb" "build-fuzz/$name.log" |
      sed "s/^/fuzz: $h /"
  fi
done
exit $status
