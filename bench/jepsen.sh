#!/usr/bin/env bash
# A longer Jepsen-style run than the default suite's: 3 nodes (own etcd, loopback), replication factor 2, 4 writers with
# unique ids, kill -9 of one node every 10 s (a primary first; never sooner than 10 s after the last restart) and its
# restart 5 s later, for N x 10 s; the history (JSON lines: invoke / ok / fail per write) is kept and checked: every
# acknowledged write present, nothing that was never written, every shard's copies identical, and while every node
# serves no shard 10 s without an acknowledged write.
#
#   bash bench/jepsen.sh --rounds 30 [--history jepsen-history.jsonl]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=6
HISTORY=jepsen-history.jsonl
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --history) HISTORY=$2; shift 2 ;;
    *) echo "usage: bash bench/jepsen.sh --rounds N [--history FILE]" >&2; exit 2 ;;
  esac
done
if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || [ "$ROUNDS" -lt 1 ]; then echo "--rounds must be a positive number" >&2; exit 2; fi
bash scripts/etcd.sh install > /dev/null
LOG=$(mktemp)
rc=0
VECTORENGINE_JEPSEN_ROUNDS=$ROUNDS VECTORENGINE_JEPSEN_HISTORY=$HISTORY \
  dotnet test tests/Cluster.Tests -c Release --filter "FullyQualifiedName~JepsenTests" --logger "console;verbosity=detailed" > "$LOG" 2>&1 || rc=$?
grep -E "attempts|longest|the same over|Passed |Failed |Error Message|Not within|Assert" "$LOG" || tail -30 "$LOG"
rm -f "$LOG"
echo "history: $HISTORY ($(wc -l < "$HISTORY" 2> /dev/null || echo 0) lines)"
exit $rc
