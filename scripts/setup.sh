#!/usr/bin/env bash
# Installs the Debian packages Gongzhi builds and runs with (DESIGN.md §5), then configures and
# builds it. Idempotent: packages already present are not reinstalled, the build is incremental.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

packages=(
  build-essential cmake pkg-config git
  libgeos-dev libproj-dev proj-data libgeographiclib-dev libgdal-dev gdal-bin
  libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-15-postgis-3
  libboost-dev libboost-system-dev nlohmann-json3-dev libprotozero-dev
  libsodium-dev libspdlog-dev libcli11-dev libxlsxwriter-dev libsimdjson-dev
  libgtest-dev libbenchmark-dev wrk python3 ccache time
  haproxy
  chromium fonts-wqy-zenhei
  clang-14 libclang-rt-14-dev
)
# clang-14 and its runtimes (libclang-rt-14-dev: libFuzzer, AddressSanitizer, UBSan, only a
# Recommends of clang-14) build the fuzzing harnesses of scripts/fuzz.sh (docs/fuzzing.md).
# The web app (web/) builds with Node.js and npm: Debian's nodejs/npm when none is installed.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web app: npm packages (again only when package-lock.json changed), then the Vite build
# into web/dist when a source is newer than the last build. `gongzhi serve` serves web/dist.
(
  cd web
  if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.gongzhi-package-lock.json; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.gongzhi-package-lock.json
  fi
  if [ ! -f dist/index.html ] || [ -n "$(find src scripts index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
    npm run build --silent
  fi
)

build_type=${GONGZHI_BUILD_TYPE:-RelWithDebInfo}
# ccache: a clean clone (CI) reuses the objects of earlier builds on the machine. Paths under the
# clone are hashed relative to it, so clones in different directories share the cache.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build build -j"$(nproc)"
