#!/usr/bin/env bash
# Throwaway local PostgreSQL 15 + PostGIS server for Gongzhi's tests and benchmarks
# (Debian bookworm: packages postgresql-15 and postgresql-15-postgis-3).
#
# Usage:
#   scripts/pg.sh start DIR PORT   initialise a cluster in DIR if there is none, start it on
#                                  127.0.0.1:PORT (unix socket in DIR), make sure role `gongzhi`
#                                  (superuser, no password) and database `gongzhi` (owned by it,
#                                  with the postgis extension) exist, and print the conninfo
#                                  "host=127.0.0.1 port=PORT user=gongzhi dbname=gongzhi"
#                                  as the last line of stdout. Idempotent: if the cluster is
#                                  already running on PORT it only (re)checks and prints that.
#   scripts/pg.sh replica DIR PORT PRIMARY_PORT
#                                  a streaming standby of the cluster on 127.0.0.1:PRIMARY_PORT
#                                  (one started by this script): on first use DIR is filled with
#                                  pg_basebackup -R (a copy of the primary that follows it,
#                                  read-only, hot standby), then it is started on 127.0.0.1:PORT
#                                  like `start` and its conninfo printed. Stop it with `stop DIR`.
#                                  For `gongzhi serve --pg-read` (docs/deploy.md) and its test.
#   scripts/pg.sh stop DIR         stop it (fast mode). Not running is not an error.
#   scripts/pg.sh status DIR       print "running on port N" or "stopped" (exit 0 / 3).
#
# DIR is the data directory itself: it must be missing, empty, or an existing cluster made by
# this script. The server log is DIR/postgres.log. Remove DIR (after stop) to throw it all away.
# Settings are for speed, not durability: fsync=off, synchronous_commit=off, trust auth on the
# unix socket and on loopback TCP only (listen_addresses=127.0.0.1). Never use for real data.
#
# Run as root (the usual case here, CI included), initdb/pg_ctl run as the `postgres` system
# user via runuser and DIR is chown'ed to it. Run as any other user, they run as that user.
#
# Permissions of DIR's parents: the server user needs search (x) permission on every directory
# above DIR. When run as root and a parent lacks it for `postgres` (e.g. DIR under /root, which
# is mode 700), the script adds o+x (search only, not read/list) to exactly the parents that need
# it and says so on stderr. Set PG_SH_NO_CHMOD=1 to refuse instead: the script then exits non-zero
# naming the directory. A location under /tmp needs nothing.
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin), PG_SH_NO_CHMOD (see above).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
prog=pg.sh

die() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

usage() {
  cat >&2 <<EOF
usage: $0 start DIR PORT
       $0 replica DIR PORT PRIMARY_PORT
       $0 stop DIR
       $0 status DIR
EOF
  exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a PostgreSQL server-side tool as the user that owns the cluster.
# fd 9 (the lock, see take_lock) is closed so that the server does not inherit and keep it.
as_pg() {
  if is_root; then runuser -u postgres -- "$@" 9>&-; else "$@" 9>&-; fi
}

check_tools() {
  local t
  for t in initdb pg_ctl pg_isready postgres; do
    [ -x "$PGBIN/$t" ] || die "$PGBIN/$t not found: install postgresql-15 (apt-get install postgresql-15 postgresql-15-postgis-3) or set PGBIN"
  done
  command -v psql >/dev/null || [ -x "$PGBIN/psql" ] || die "psql not found: install postgresql-client-15"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "system user 'postgres' does not exist (it comes with the postgresql-15 package)"
    command -v runuser >/dev/null || die "runuser not found (util-linux)"
  fi
}

psql_bin() { if [ -x "$PGBIN/psql" ]; then echo "$PGBIN/psql"; else command -v psql; fi; }

# Absolute, normalised path without requiring it to exist.
abspath() { realpath -m -- "$1"; }

# The server user must be able to traverse every parent of DIR.
ensure_parents_searchable() {
  local dir=$1 parent d
  is_root || return 0
  parent=$(dirname -- "$dir")
  # Collect ancestors from / down to the parent.
  local -a chain=()
  d=$parent
  while :; do
    chain=("$d" "${chain[@]}")
    [ "$d" = / ] && break
    d=$(dirname -- "$d")
  done
  for d in "${chain[@]}"; do
    [ -d "$d" ] || break   # not created yet: checked again after mkdir
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      if [ -n "${PG_SH_NO_CHMOD:-}" ]; then
        die "user 'postgres' cannot enter $d (needed to reach $dir); choose a DIR under /tmp, or allow it with: chmod o+x '$d' (or unset PG_SH_NO_CHMOD to let this script do that)"
      fi
      chmod o+x -- "$d" || die "cannot add search permission to $d for user 'postgres'"
      note "added o+x (search only) to $d so that user 'postgres' can reach $dir"
    fi
  done
}

conninfo() { echo "host=127.0.0.1 port=$1 user=gongzhi dbname=gongzhi"; }

# Port the running postmaster of DIR listens on (4th line of postmaster.pid), or empty.
running_port() {
  local dir=$1
  if as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 && [ -r "$dir/postmaster.pid" ]; then
    sed -n 4p "$dir/postmaster.pid"
  fi
}

wait_ready() {
  local port=$1 _
  for _ in $(seq 1 60); do
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -t 2; then return 0; fi
    sleep 0.5
  done
  return 1
}

ensure_db() {
  local dir=$1 port=$2 psql out
  psql=$(psql_bin)
  # Bootstrap superuser is `postgres` (initdb -U postgres); trust auth on the socket in DIR.
  out=$("$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres -At 2>&1 <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gongzhi') THEN
    CREATE ROLE gongzhi LOGIN SUPERUSER;
  END IF;
END
$$;
SELECT count(*) FROM pg_database WHERE datname = 'gongzhi';
SQL
  ) || die "could not create role gongzhi: $out"
  if [ "$(tail -n1 <<<"$out")" = 0 ]; then
    out=$("$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
      -c 'CREATE DATABASE gongzhi OWNER gongzhi' 2>&1) || die "could not create database gongzhi: $out"
  fi
  out=$("$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U gongzhi -d gongzhi \
    -c 'CREATE EXTENSION IF NOT EXISTS postgis' 2>&1) \
    || die "could not create extension postgis (is postgresql-15-postgis-3 installed?): $out"
}

show_log_tail() {
  local log=$1
  if [ -r "$log" ]; then
    echo "---- last lines of $log ----" >&2
    tail -n 25 "$log" >&2 || true
    echo "----" >&2
  fi
}

# Serialise concurrent invocations on the same DIR (e.g. parallel test jobs).
take_lock() {
  local dir=$1 key lock
  key=$(printf '%s' "$dir" | md5sum | cut -c1-16)
  lock=/tmp/gongzhi-pg-sh-$key.lock   # tiny, left in place (removing it would be racy)
  (umask 000; : >>"$lock") 2>/dev/null || true
  exec 9>>"$lock" || die "cannot open lock file $lock"
  flock -w 120 9 || die "timed out waiting for another $prog on $dir"
}

cmd_start() {
  local dir port cur log out
  [ $# -eq 2 ] || usage
  dir=$(abspath "$1"); port=$2
  if ! [[ $port =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "PORT must be a number in 1..65535, got '$port'"
  fi
  check_tools
  take_lock "$dir"
  cd /   # runuser keeps the cwd, which may not be readable by postgres
  log=$dir/postgres.log

  # Already running?
  cur=$(running_port "$dir" || true)
  if [ -n "$cur" ]; then
    [ "$cur" = "$port" ] || die "the cluster in $dir is already running on port $cur, not $port (stop it first: $0 stop $dir)"
    ensure_db "$dir" "$port"
    conninfo "$port"
    return 0
  fi

  # Create / validate the data directory.
  if [ -e "$dir" ] && [ ! -d "$dir" ]; then die "$dir exists and is not a directory"; fi
  ensure_parents_searchable "$dir"
  mkdir -p -- "$dir" || die "cannot create $dir"
  ensure_parents_searchable "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    if [ -n "$(ls -A -- "$dir")" ]; then
      die "$dir is not empty and holds no PostgreSQL cluster; give an empty or missing directory"
    fi
    if is_root; then chown postgres:postgres -- "$dir" || die "cannot chown $dir to postgres"; fi
    chmod 700 -- "$dir"
    note "initialising cluster in $dir"
    out=$(as_pg "$PGBIN/initdb" -D "$dir" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=trust --no-sync 2>&1) \
      || { echo "$out" >&2; die "initdb failed for $dir"; }
    cat >>"$dir/postgresql.conf" <<EOF

# ---- added by scripts/pg.sh: throwaway test/benchmark server, not durable ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 1GB
max_connections = 300
EOF
  else
    [ "$(cat "$dir/PG_VERSION")" = 15 ] || die "$dir holds a PostgreSQL $(cat "$dir/PG_VERSION") cluster, this script runs 15"
    if is_root && [ "$(stat -c %U "$dir")" != postgres ]; then
      die "$dir holds a cluster not owned by user 'postgres' (owner: $(stat -c %U "$dir"))"
    fi
  fi

  note "starting PostgreSQL on 127.0.0.1:$port (data and socket in $dir, log $log)"
  if ! out=$(as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$log" -o "-p $port" -w -t 60 start 2>&1); then
    echo "$out" >&2
    show_log_tail "$log"
    die "PostgreSQL failed to start in $dir on port $port (port in use? see the log above)"
  fi
  if ! wait_ready "$port"; then
    show_log_tail "$log"
    die "PostgreSQL in $dir started but does not accept connections on 127.0.0.1:$port"
  fi
  # A standby is read-only: its roles, database and extension are the primary's.
  [ -f "$dir/standby.signal" ] || ensure_db "$dir" "$port"
  conninfo "$port"
}

cmd_replica() {
  local dir port primary out
  [ $# -eq 3 ] || usage
  dir=$(abspath "$1"); port=$2; primary=$3
  for p in "$port" "$primary"; do
    if ! [[ $p =~ ^[0-9]{1,5}$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
      die "PORT and PRIMARY_PORT must be numbers in 1..65535, got '$p'"
    fi
  done
  [ "$port" != "$primary" ] || die "the standby needs a port of its own (both are $port)"
  check_tools
  [ -x "$PGBIN/pg_basebackup" ] || die "$PGBIN/pg_basebackup not found (package postgresql-15)"
  if [ ! -f "$dir/PG_VERSION" ]; then
    (
      take_lock "$dir"
      cd /
      if [ -e "$dir" ] && [ -n "$(ls -A -- "$dir" 2>/dev/null)" ]; then
        die "$dir is not empty and holds no PostgreSQL cluster; give an empty or missing directory"
      fi
      ensure_parents_searchable "$dir"
      mkdir -p -- "$dir" || die "cannot create $dir"
      if is_root; then chown postgres:postgres -- "$dir" || die "cannot chown $dir to postgres"; fi
      chmod 700 -- "$dir"
      note "copying the cluster on 127.0.0.1:$primary into $dir (pg_basebackup -R)"
      out=$(as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" -R \
              -X stream -c fast --no-sync 2>&1) \
        || { echo "$out" >&2; rm -rf -- "$dir"; die "pg_basebackup from 127.0.0.1:$primary failed (is the primary running? scripts/pg.sh start ...)"; }
      printf '\n# ---- added by scripts/pg.sh replica: a streaming standby of 127.0.0.1:%s ----\nunix_socket_directories = %s\nhot_standby = on\n' \
        "$primary" "'$dir'" >>"$dir/postgresql.conf"
      rm -f -- "$dir/postmaster.pid" "$dir/postgres.log"
    ) || exit 1
  fi
  [ -f "$dir/standby.signal" ] || die "$dir holds a cluster that is not a standby"
  cmd_start "$dir" "$port"
}

cmd_stop() {
  local dir rc=0 out
  [ $# -eq 1 ] || usage
  dir=$(abspath "$1")
  check_tools
  take_lock "$dir"
  cd /
  [ -f "$dir/PG_VERSION" ] || die "$dir holds no PostgreSQL cluster"
  as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 || rc=$?
  if [ "$rc" -eq 3 ]; then note "not running ($dir)"; return 0; fi
  out=$(as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop 2>&1) \
    || { echo "$out" >&2; show_log_tail "$dir/postgres.log"; die "could not stop the server in $dir"; }
  note "stopped ($dir)"
}

cmd_status() {
  local dir cur
  [ $# -eq 1 ] || usage
  dir=$(abspath "$1")
  check_tools
  cd /
  [ -f "$dir/PG_VERSION" ] || { echo "no cluster in $dir"; exit 3; }
  cur=$(running_port "$dir" || true)
  if [ -n "$cur" ]; then echo "running on port $cur"; else echo "stopped"; exit 3; fi
}

[ $# -ge 1 ] || usage
sub=$1; shift
case $sub in
  start) cmd_start "$@" ;;
  replica) cmd_replica "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  -h|--help|help) usage ;;
  *) echo "$prog: unknown command '$sub'" >&2; usage ;;
esac
