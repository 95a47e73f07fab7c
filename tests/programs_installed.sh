#!/usr/bin/env bash
# Every program the tests start must come from a Debian package that scripts/setup.sh installs,
# so that `scripts/test.sh` passes on a fresh machine (a test once called projinfo, from
# proj-bin, which setup.sh never installed). For each program: it is on PATH, and the package
# that owns it (dpkg -S) is in setup.sh's list or is part of every Debian system (Essential or
# Priority required). A run_program("X") literal in tests/ whose X is not listed here fails too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
setup="$root/scripts/setup.sh"

# program → how the tests use it
declare -A programs=(
  [ogr2ogr]="test fixtures in other formats (tests/test_support.cpp convert)"
  [gdal_translate]="DEM fixtures (tests/services/assessment_fixture.cpp)"
  [sh]="admin --password-stdin (tests/cli/admin_test.cpp)"
  [haproxy]="tests/http/load_balancer_test.cpp (three servers behind deploy/haproxy.cfg)"
  [psql]="bench/postgis_check.py (ctest check_areas_agree_with_postgis)"
  [python3]="bench/postgis_check.py"
  [chromium]="web/e2e/run.mjs"
  [runuser]="scripts/pg.sh (initdb and pg_ctl as postgres)"
  [/usr/lib/postgresql/15/bin/initdb]="scripts/pg.sh"
  [/usr/lib/postgresql/15/bin/pg_ctl]="scripts/pg.sh"
  [/usr/lib/postgresql/15/bin/pg_dump]="tests/storage/postgres_dump_restore_test.cpp"
  [/usr/lib/postgresql/15/bin/pg_restore]="tests/storage/postgres_dump_restore_test.cpp"
  [/usr/lib/postgresql/15/bin/createdb]="tests/storage/postgres_dump_restore_test.cpp"
  [/usr/lib/postgresql/15/bin/dropdb]="tests/storage/postgres_dump_restore_test.cpp (cleanup)"
)

# The Debian package owning a file, through a merged /usr (/bin = /usr/bin) and symlinks.
owner() {
  local p=$1 c
  for c in "$p" "${p/#\/usr\/bin/\/bin}" "${p/#\/usr\/sbin/\/sbin}" "$(readlink -f "$p" 2>/dev/null)"; do
    [ -e "$c" ] || continue
    dpkg -S "$c" 2>/dev/null | grep -v "^diversion" | head -n1 | cut -d: -f1 | grep . && return 0
  done
  return 0
}

fail=0
# setup.sh's package list: the words between `packages=(` and `)`.
listed=$(sed -n '/^packages=(/,/^)/p' "$setup" | sed 's/#.*//' | tr -s ' ()' '\n' | grep -v '^packages=' | sed '/^$/d')

# What installing the listed packages brings: their installed dependency closure.
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $listed 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)

for program in "${!programs[@]}"; do
  path=$(command -v "$program" 2>/dev/null || true)
  if [ -z "$path" ]; then
    echo "FAIL: $program (${programs[$program]}) is not installed"; fail=1; continue
  fi
  pkg=$(owner "$path")
  if [ -z "$pkg" ] && [[ "$program" != /* ]]; then
    # Not Debian's (this machine's pyenv python3, say): Debian's own must then be installed
    # by setup.sh, for a machine without the other one.
    pkg=$(owner "/usr/bin/$program")
    [ -n "$pkg" ] && echo "note: $program on PATH is $path, not Debian's; checking /usr/bin/$program"
  fi
  if [ -z "$pkg" ]; then
    echo "FAIL: $program ($path) belongs to no Debian package"; fail=1; continue
  fi
  if grep -qx "$pkg" <<<"$listed"; then
    echo "ok: $program from $pkg (listed in setup.sh)"; continue
  fi
  essential=$(dpkg-query -W -f='${Essential} ${Priority}' "$pkg" 2>/dev/null || true)
  if [[ "$essential" == yes* || "$essential" == *required ]]; then
    echo "ok: $program from $pkg (on every Debian system: $essential)"; continue
  fi
  # A package pulled in by a listed one (psql: postgresql-client-common, through
  # postgresql-15 → postgresql-client-15) is installed with it.
  if grep -qx "$pkg" <<<"$closure"; then
    echo "ok: $program from $pkg (a dependency of a package setup.sh installs)"; continue
  fi
  echo "FAIL: $program comes from $pkg, which scripts/setup.sh does not install"; fail=1
done

# Programs named in run_program("…") must be in the table above.
while read -r name; do
  [ -n "$name" ] || continue
  if [ -z "${programs[$name]+x}" ]; then
    echo "FAIL: tests call run_program(\"$name\"); add it to tests/programs_installed.sh"; fail=1
  fi
done < <(grep -rhoE --include='*.cpp' --include='*.h' 'run_program\("[^"]+"' "$root/tests" | sed -E 's/run_program\("([^"]+)"/\1/' | sort -u)

exit $fail
