#!/usr/bin/env bash
# etcd for the cluster (Debian's etcd-server, v3 API): installed when missing, started on loopback, stopped by pid.
#
#   bash scripts/etcd.sh install                 # apt-get install etcd-server unless an etcd binary is on PATH
#   bash scripts/etcd.sh start DIR CLIENT_PORT   # starts one etcd member with its data in DIR/etcd (pid in DIR/etcd.pid)
#   bash scripts/etcd.sh stop DIR                # stops the etcd that `start DIR` started, and only that one
#
# Tests start their own etcd through the same binary (EtcdProcess), on ports of their own.
set -euo pipefail

install_etcd() {
  if command -v etcd > /dev/null && command -v etcdctl > /dev/null; then return; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  # The package would start a system etcd on 2379 where an init system runs; we run our own on ports we choose.
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server etcd-client > /dev/null
  command -v etcd > /dev/null && command -v etcdctl > /dev/null
}

start_etcd() {
  local dir=$1 port=$2 peer=$(( $2 + 1 ))
  mkdir -p "$dir"
  if [ -f "$dir/etcd.pid" ] && kill -0 "$(cat "$dir/etcd.pid")" 2> /dev/null; then
    echo "etcd already running (pid $(cat "$dir/etcd.pid"))"; return
  fi
  nohup etcd --name vectorengine --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "vectorengine=http://127.0.0.1:$peer" --logger zap --log-level warn > "$dir/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"
  for _ in $(seq 100); do
    if ETCDCTL_API=3 etcdctl --endpoints="http://127.0.0.1:$port" --command-timeout=1s endpoint health > /dev/null 2>&1; then
      echo "etcd ready on 127.0.0.1:$port (pid $(cat "$dir/etcd.pid"))"; return
    fi
    kill -0 "$(cat "$dir/etcd.pid")" 2> /dev/null || { cat "$dir/etcd.log"; echo "etcd exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "etcd did not become healthy in 10 s; see $dir/etcd.log" >&2; exit 1
}

stop_etcd() {
  local dir=$1
  [ -f "$dir/etcd.pid" ] || return 0
  local pid; pid=$(cat "$dir/etcd.pid")
  if kill -0 "$pid" 2> /dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  fi
  rm -f "$dir/etcd.pid"
}

case "${1:-}" in
  install) install_etcd ;;
  start) install_etcd; start_etcd "${2:?DIR}" "${3:-2379}" ;;
  stop) stop_etcd "${2:?DIR}" ;;
  *) echo "usage: $0 install | start DIR [CLIENT_PORT] | stop DIR" >&2; exit 2 ;;
esac
