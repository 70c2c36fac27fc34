#!/usr/bin/env bash
# A MariaDB primary (binary log on) and a replica replicating from it, for the
# replica tests: own data directories, ports and sockets, apart from the
# MariaDB on :3306 the other tests use.
#
#   mariadb-replica.sh start          start both (idempotent), wait until the
#                                     replica replicates, print the two URLs
#   mariadb-replica.sh stop           stop both
#   mariadb-replica.sh stop-replica   stop only the replica (failover tests)
#   mariadb-replica.sh start-replica  start it again; it resumes replicating
#   mariadb-replica.sh urls           print the URLs (as shell exports)
#
# Settings (environment): CERTGRAPH_REPLICA_DIR (default /tmp/certgraph-replication),
# CERTGRAPH_PRIMARY_PORT (3307), CERTGRAPH_REPLICA_PORT (3308).
set -euo pipefail

dir=${CERTGRAPH_REPLICA_DIR:-/tmp/certgraph-replication}
pport=${CERTGRAPH_PRIMARY_PORT:-3307}
rport=${CERTGRAPH_REPLICA_PORT:-3308}
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
user=$(id -un)

die() { echo "mariadb-replica: $*" >&2; exit 1; }

cli() { # cli PORT SQL...
  local port=$1; shift
  mariadb -uroot -h127.0.0.1 -P"$port" --connect-timeout=2 -N -B -e "$*"
}

alive() { mysqladmin -uroot -h127.0.0.1 -P"$1" --connect-timeout=2 ping >/dev/null 2>&1; }

# start_one NAME PORT SERVER_ID EXTRA_ARGS...
start_one() {
  local name=$1 port=$2 id=$3; shift 3
  local d="$dir/$name"
  if alive "$port"; then
    # A server on our port that is not ours would make the tests lie.
    [ -f "$d/mariadbd.pid" ] && kill -0 "$(cat "$d/mariadbd.pid")" 2>/dev/null ||
      die "port $port is taken by a server this script did not start"
    return 0
  fi
  if [ ! -d "$d/data/mysql" ]; then
    mkdir -p "$d/data"
    mariadb-install-db --no-defaults --user="$user" --datadir="$d/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 ||
      die "mariadb-install-db for the $name failed: see $d/install.log"
  fi
  # --no-defaults: nothing from /etc/mysql (port, datadir, binlog) leaks in.
  "$mariadbd" --no-defaults --user="$user" --datadir="$d/data" \
    --port="$port" --bind-address=127.0.0.1 --socket="$d/mariadbd.sock" \
    --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" \
    --server-id="$id" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
    --innodb-buffer-pool-size=64M --max-connections=300 \
    "$@" >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    alive "$port" && return 0
    sleep 0.5
  done
  die "the $name did not come up on port $port: see $d/error.log"
}

start_primary() {
  start_one primary "$pport" 1 --log-bin="$dir/primary/data/binlog" --binlog-format=ROW
  cli "$pport" "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'"
}

start_replica() {
  start_one replica "$rport" 2 --relay-log="$dir/replica/data/relay" --read-only=ON --skip-slave-start
  # First start: replicate from the primary's first binary log (GTIDs would do
  # too; file+position from the start is the plainest for a fresh primary).
  local configured
  configured=$(cli "$rport" "SELECT COUNT(*) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='SLAVE_RUNNING' AND VARIABLE_VALUE='ON'")
  if [ ! -f "$dir/replica/configured" ]; then
    cli "$rport" "STOP SLAVE; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pport, MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
    touch "$dir/replica/configured"
  fi
  [ "$configured" = 1 ] || cli "$rport" "START SLAVE"
  wait_replicating
}

# wait_replicating: a row written on the primary shows on the replica.
wait_replicating() {
  local token
  token=$(date +%s%N)
  cli "$pport" "CREATE DATABASE IF NOT EXISTS replcheck; CREATE TABLE IF NOT EXISTS replcheck.t (id INT PRIMARY KEY, v VARCHAR(40)); REPLACE INTO replcheck.t VALUES (1, '$token')"
  for _ in $(seq 1 60); do
    [ "$(cli "$rport" "SELECT v FROM replcheck.t WHERE id=1" 2>/dev/null || true)" = "$token" ] && return 0
    sleep 0.5
  done
  cli "$rport" "SHOW SLAVE STATUS\G" >&2 || true
  die "the replica does not replicate from the primary"
}

stop_one() {
  local name=$1 port=$2 d="$dir/$1"
  [ -f "$d/mariadbd.pid" ] || return 0
  local pid
  pid=$(cat "$d/mariadbd.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && die "the $name (pid $pid) did not stop"
  fi
  rm -f "$d/mariadbd.pid"
}

# The URLs name the system database "mysql" (always there; the tests make
# their own databases and replace the name).
urls() {
  echo "export CERTGRAPH_TEST_PRIMARY_URL='mysql://root@tcp(127.0.0.1:$pport)/mysql'"
  echo "export CERTGRAPH_TEST_REPLICA_URL='mysql://root@tcp(127.0.0.1:$rport)/mysql'"
}

mkdir -p "$dir"
case "${1:-}" in
  start) start_primary; start_replica; urls ;;
  stop) stop_one replica "$rport"; stop_one primary "$pport" ;;
  stop-replica) stop_one replica "$rport" ;;
  start-replica) alive "$pport" || die "the primary is not running: use start"; start_replica ;;
  urls) urls ;;
  *) die "usage: $0 start|stop|stop-replica|start-replica|urls" ;;
esac
