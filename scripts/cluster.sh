#!/usr/bin/env bash
# A local cluster: etcd and N server nodes on loopback, data under ./cluster.
#
#   bash scripts/cluster.sh up [N=3]     # installs etcd-server when missing, builds the server, starts etcd and N nodes
#                                        # on 127.0.0.1:6334.. (metrics on 9464..), waits until every node sees N live
#   bash scripts/cluster.sh up --plan F  # as many nodes as the NODES= line of a `bench plan --apply F` file
#   bash scripts/cluster.sh status       # pids, ports and the live-node count each node reports
#   bash scripts/cluster.sh down         # stops what `up` started, by pid (data is kept; rm -rf cluster to drop it)
#
# N can be what `bench plan` recommends. ETCD_PORT (default 23790), BASE_PORT (6334) and METRICS_BASE (9464) move them.
set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-cluster}
ETCD_PORT=${ETCD_PORT:-23790}
BASE_PORT=${BASE_PORT:-6334}
METRICS_BASE=${METRICS_BASE:-9464}
SERVER=src/Server/bin/Release/net10.0/VectorEngine.Server.dll

metric() { # metric PORT NAME: the value of an unlabelled metric, or nothing
  local port=$1 name=$2 reply
  reply=$( (exec 3<> "/dev/tcp/127.0.0.1/$port" && printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3) 2> /dev/null) || return 0
  printf '%s\n' "$reply" | awk -v n="$name" '$1 == n { print $2 }'
}

up() {
  local n=${1:-3}
  if [ "$n" = "--plan" ]; then
    local plan=${2:?"up --plan needs the file bench plan --apply wrote"}
    [[ $plan = /* ]] || plan="$CALLER_DIR/$plan"
    [ -f "$plan" ] || { echo "no plan file $plan" >&2; exit 2; }
    n=$(sed -n 's/^NODES=\([0-9][0-9]*\)$/\1/p' "$plan")
    [ -n "$n" ] || { echo "$plan has no NODES= line" >&2; exit 2; }
  fi
  if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 64 ]; then echo "N must be 1 to 64" >&2; exit 2; fi
  mkdir -p "$DIR"
  bash scripts/etcd.sh start "$DIR" "$ETCD_PORT"
  dotnet build -c Release src/Server -v quiet -nologo > "$DIR/build.log" 2>&1 || { cat "$DIR/build.log"; exit 1; }
  for i in $(seq 1 "$n"); do
    local port=$((BASE_PORT + i - 1)) metrics=$((METRICS_BASE + i - 1)) data="$DIR/node-$i"
    if [ -f "$data.pid" ] && kill -0 "$(cat "$data.pid")" 2> /dev/null; then echo "node-$i already running"; continue; fi
    mkdir -p "$data"
    nohup dotnet "$SERVER" --port "$port" --data "$data" --cluster-etcd "http://127.0.0.1:$ETCD_PORT" \
      --node-id "node-$i" --advertise "127.0.0.1:$port" --Server:MetricsPort="$metrics" > "$data.log" 2>&1 &
    echo $! > "$data.pid"
  done
  for _ in $(seq 600); do
    local ready=0
    for i in $(seq 1 "$n"); do
      kill -0 "$(cat "$DIR/node-$i.pid")" 2> /dev/null || { tail -20 "$DIR/node-$i.log"; echo "node-$i exited" >&2; exit 1; }
      [ "$(metric $((METRICS_BASE + i - 1)) vectorengine_cluster_live_nodes)" = "$n" ] && ready=$((ready + 1))
    done
    if [ "$ready" -eq "$n" ]; then
      echo "cluster up: $n nodes on 127.0.0.1:$BASE_PORT-$((BASE_PORT + n - 1)), etcd on 127.0.0.1:$ETCD_PORT, data in $DIR/"
      return
    fi
    sleep 0.1
  done
  echo "the cluster did not see $n live nodes within 60 s; logs in $DIR/node-*.log" >&2; exit 1
}

status() {
  for pidfile in "$DIR"/node-*.pid; do
    [ -f "$pidfile" ] || continue
    local node i pid
    node=$(basename "$pidfile" .pid); i=${node#node-}; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2> /dev/null; then
      echo "$node pid $pid port $((BASE_PORT + i - 1)) live nodes seen: $(metric $((METRICS_BASE + i - 1)) vectorengine_cluster_live_nodes) coordinator: $(metric $((METRICS_BASE + i - 1)) vectorengine_cluster_coordinator)"
    else
      echo "$node not running"
    fi
  done
}

down() {
  for pidfile in "$DIR"/node-*.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2> /dev/null; then
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2> /dev/null || true
    fi
    rm -f "$pidfile"
  done
  bash scripts/etcd.sh stop "$DIR"
  echo "cluster down (data kept in $DIR/)"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up [N | --plan FILE] | status | down" >&2; exit 2 ;;
esac
