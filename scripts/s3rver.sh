#!/usr/bin/env bash
# s3rver (npm), an S3-compatible server for the S3 object store's tests: installed into .tools/s3rver (Node.js from
# Debian when missing), started on loopback, stopped by pid.
#
#   bash scripts/s3rver.sh install               # Node.js (apt-get) unless node and npm are on PATH; s3rver 3.7.1
#   bash scripts/s3rver.sh path                  # prints the s3rver entry point to run with node
#   bash scripts/s3rver.sh start DIR PORT        # serves bucket "vectorengine" from DIR/data on 127.0.0.1:PORT (pid in DIR/s3rver.pid)
#   bash scripts/s3rver.sh stop DIR              # stops the s3rver that `start DIR` started, and only that one
#
# Tests start their own through `path` (S3rverProcess), on ports of their own. Credentials: S3RVER / S3RVER.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=3.7.1
TOOLS="$PWD/.tools/s3rver"
ENTRY="$TOOLS/node_modules/s3rver/bin/s3rver.js"

install_s3rver() {
  if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm > /dev/null
  fi
  if [ -f "$ENTRY" ] && grep -q "\"version\": \"$VERSION\"" "$TOOLS/node_modules/s3rver/package.json"; then return; fi
  mkdir -p "$TOOLS"
  # A lock: parallel test processes may all ask for the install at once.
  exec 9> "$TOOLS/.install.lock"
  flock 9
  if [ ! -f "$ENTRY" ]; then
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" "s3rver@$VERSION" > /dev/null
  fi
  [ -f "$ENTRY" ]
}

start_s3rver() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  if [ -f "$dir/s3rver.pid" ] && kill -0 "$(cat "$dir/s3rver.pid")" 2> /dev/null; then
    echo "s3rver already running (pid $(cat "$dir/s3rver.pid"))"; return
  fi
  nohup node "$ENTRY" --directory "$dir/data" --address 127.0.0.1 --port "$port" --silent \
    --configure-bucket vectorengine > "$dir/s3rver.log" 2>&1 &
  echo $! > "$dir/s3rver.pid"
  for _ in $(seq 100); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
      echo "s3rver ready on 127.0.0.1:$port (pid $(cat "$dir/s3rver.pid"))"; return
    fi
    kill -0 "$(cat "$dir/s3rver.pid")" 2> /dev/null || { cat "$dir/s3rver.log"; echo "s3rver exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "s3rver did not listen within 10 s; see $dir/s3rver.log" >&2; exit 1
}

stop_s3rver() {
  local dir=$1
  [ -f "$dir/s3rver.pid" ] || return 0
  local pid; pid=$(cat "$dir/s3rver.pid")
  if kill -0 "$pid" 2> /dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  fi
  rm -f "$dir/s3rver.pid"
}

case "${1:-}" in
  install) install_s3rver ;;
  path) install_s3rver; echo "$ENTRY" ;;
  start) install_s3rver; start_s3rver "${2:?DIR}" "${3:-4568}" ;;
  stop) stop_s3rver "${2:?DIR}" ;;
  *) echo "usage: $0 install | path | start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
