#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/*_fuzz.cpp), each for a bounded time: builds them with clang into
# build-fuzz/ (everything instrumented, AddressSanitizer and UBSan on), then runs each over its
# seed corpus fuzz/corpus/NAME for SECONDS (default 30). New inputs go to build-fuzz/corpus/NAME,
# never into the repository; a crash leaves its input in build-fuzz/artifacts/ and fails the run.
#   scripts/fuzz.sh [SECONDS] [HARNESS…]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-30}
shift || true
jobs=${GONGZHI_FUZZ_JOBS:-$(nproc)}
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGONGZHI_FUZZ=ON >/dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$jobs" --target "${harnesses[@]}"
mkdir -p build-fuzz/artifacts
status=0
for h in "${harnesses[@]}"; do
  name=${h%_fuzz}
  mkdir -p "build-fuzz/corpus/$name"
  echo "fuzz: $h for ${seconds} s"
  # detect_leaks=0: the harnesses keep their world (database, services) for the whole run.
  if ! ASAN_OPTIONS=detect_leaks=0 "build-fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="build-fuzz/artifacts/$name-" -print_final_stats=1 \
      "build-fuzz/corpus/$name" "fuzz/corpus/$name" 2>"build-fuzz/$name.log"; then
    echo "fuzz: $h FOUND A CRASH (build-fuzz/$name.log, build-fuzz/artifacts/$name-*)"
    tail -n 60 "build-fuzz/$name.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added|^stat::peak_rss_mb" "build-fuzz/$name.log" | sed "s/^/fuzz: $h /"
  fi
done
exit $status
