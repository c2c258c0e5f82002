#!/usr/bin/env bash
# A private MariaDB server by hand, as the tests start one (tests/test_util/mariadb_server.h):
# its own data directory and socket under DIR, no TCP port, no system service.
#   tests/test_util/mariadb_server.sh start DIR   # prints the [database] connection URL
#   tests/test_util/mariadb_server.sh stop DIR    # stops it and removes DIR
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
user_args=()
[ "$(id -u)" -eq 0 ] && user_args=(--user=root)
case "$cmd" in
  start)
    command -v mariadbd >/dev/null || PATH="$PATH:/usr/sbin"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
      --skip-test-db "${user_args[@]}" >"$dir/install.log" 2>&1
    mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" --skip-networking \
      --pid-file="$dir/mariadbd.pid" --log-error="$dir/server.log" --skip-log-bin \
      "${user_args[@]}" >/dev/null 2>&1 &
    for _ in $(seq 1 300); do  # at most 30 s
      if mariadb --no-defaults -S "$dir/mysqld.sock" -uroot -e \
        "CREATE DATABASE IF NOT EXISTS nsxv CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" 2>/dev/null; then
        echo "mysql+pymysql://root:@/nsxv?unix_socket=$dir/mysqld.sock"
        exit 0
      fi
      sleep 0.1
    done
    echo "mariadbd did not start; see $dir/server.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$dir/mariadbd.pid" ] && kill "$(cat "$dir/mariadbd.pid")" 2>/dev/null || true
    for _ in $(seq 1 300); do [ -S "$dir/mysqld.sock" ] || break; sleep 0.1; done
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
