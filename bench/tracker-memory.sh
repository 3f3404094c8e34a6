#!/usr/bin/env bash
# Tracker memory: heap after GC per registered peer, on one `enjambre tracker` node and on a
# 3-node cluster (load spread over the nodes; every swarm has one backup copy on another node, so
# the cluster figure includes the backup). For each setup: start the node(s), measure the live heap
# (jcmd GC.class_histogram forces a full GC and sums live objects), load PEERS distinct peers into
# SWARMS swarms with HTTP announces (keep-alive, compact, numwant=0, each peer with its own `ip`,
# which the tracker accepts from loopback), measure again. Bytes per peer = (after - before) / peers,
# summed over the nodes. Every announce is checked: a refusal stops the run.
#
# Usage: bench/tracker-memory.sh [--smoke]   (--smoke: 20,000 peers unless PEERS says, nothing recorded)
#        PEERS=1000000 SWARMS=10000 XMX=2g bench/tracker-memory.sh   (a full run appends to bench/RESULTS.md)
# Needs: Java 25 (scripts/find-java.sh), python3, curl. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ "$SMOKE" = 1 ]; then : "${PEERS:=20000}" "${SWARMS:=200}" "${XMX:=512m}"; fi
PEERS=${PEERS:-1000000}
SWARMS=${SWARMS:-10000}
XMX=${XMX:-2g}
LOADERS=${LOADERS:-4}

. "$(dirname "$0")/../scripts/find-java.sh"
require_java
JCMD="$(dirname "$JAVA")/jcmd"
[ -x "$JCMD" ] || { echo "bench/tracker-memory.sh: jcmd not found beside $JAVA" >&2; exit 1; }
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench/tracker-memory.sh: $tool not found" >&2; exit 1; }
done
JAR=target/enjambre.jar
if [ ! -f "$JAR" ]; then
  echo "building $JAR..." >&2
  mvn -q -DskipTests package >&2
fi

WORK=$(mktemp -d /tmp/enjambre-bench-memory.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

. bench/ports.sh # free_port
await_http() {
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.2
  done
  echo "nothing answered on port $1" >&2; return 1
}
# Live heap bytes of one JVM: a class histogram walks the heap after a full GC.
live_bytes() { "$JCMD" "$1" GC.class_histogram | awk '/^Total/ {print $3}'; }

# The load generator: peers FIRST..FIRST+PEERS-1; peer i goes to swarm i % SWARMS, with peer id
# "-BM0001-" + 12 digits and address 10.x.y.z from i; LOADERS processes share the peers and the
# given ports round-robin; EVENT is started (register) or stopped (remove).
cat >"$WORK/load.py" <<'PY'
import http.client, multiprocessing, sys, urllib.parse
first, peers, swarms, loaders = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
event = sys.argv[5]
ports = [int(p) for p in sys.argv[6:]]
def info_hash(s):
    return s.to_bytes(4, "big") + b"\x42" * 16
def load(k):
    conn = http.client.HTTPConnection("127.0.0.1", ports[k % len(ports)], timeout=30)
    for i in range(first + k, first + peers, loaders):
        q = urllib.parse.urlencode({"info_hash": info_hash(i % swarms), "peer_id": b"-BM0001-%012d" % i,
                                    "port": 1024 + i % 60000, "uploaded": 0, "downloaded": 0,
                                    "left": 0 if i % 4 == 0 else 1000, "compact": 1, "numwant": 0,
                                    "event": event, "key": "%08x" % i,
                                    "ip": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)})
        conn.request("GET", "/announce?" + q)
        body = conn.getresponse().read()
        if b"failure reason" in body or (event != "stopped" and b"8:interval" not in body):
            print("announce %d refused: %r" % (i, body[:200]), file=sys.stderr)
            return 1
    return 0
with multiprocessing.Pool(loaders) as pool:
    sys.exit(max(pool.map(load, range(loaders))))
PY

declare -A PER_PEER TOTAL
measure() { # name, then node ports (pids in NODE_PIDS)
  local name=$1; shift
  local before=0 after=0 b a
  # Warm-up: the first announces load classes, compile code and size Hazelcast's and Netty's
  # pools, megabytes that are no peer's. Peers come and go in other swarms before the baseline.
  local warm=$((PEERS / 20 < 20000 ? PEERS / 20 : 20000))
  python3 "$WORK/load.py" "$PEERS" "$warm" "$SWARMS" "$LOADERS" started "$@" || { echo "$name: the warm-up was refused" >&2; exit 1; }
  python3 "$WORK/load.py" "$PEERS" "$warm" "$SWARMS" "$LOADERS" stopped "$@" || { echo "$name: the warm-up was refused" >&2; exit 1; }
  for pid in "${NODE_PIDS[@]}"; do b=$(live_bytes "$pid"); before=$((before + b)); done
  local t0=$SECONDS
  python3 "$WORK/load.py" 0 "$PEERS" "$SWARMS" "$LOADERS" started "$@" || { echo "$name: the load was refused" >&2; exit 1; }
  echo "  [$name] $PEERS peers loaded in $((SECONDS - t0)) s" >&2
  for pid in "${NODE_PIDS[@]}"; do a=$(live_bytes "$pid"); after=$((after + a)); done
  TOTAL[$name]=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1048576 }')
  PER_PEER[$name]=$(awk -v a="$after" -v b="$before" -v n="$PEERS" 'BEGIN { printf "%.1f", (a - b) / n }')
  echo "  [$name] live heap $before -> $after bytes: ${PER_PEER[$name]} bytes per peer" >&2
}

# 1. one node.
P1=$(free_port)
"$JAVA" "${JAVA_REQUIRED_OPTS[@]}" "-Xmx$XMX" -jar "$JAR" tracker --host 127.0.0.1 --port "$P1" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
NODE_PIDS=($!)
await_http "$P1"
measure "1 node" "$P1"
kill "${NODE_PIDS[0]}"; wait "${NODE_PIDS[0]}" 2>/dev/null || true

# 2. a 3-node cluster, load spread over its nodes.
export ENJAMBRE_CLUSTER_SECRET="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
C=($(free_port) $(free_port) $(free_port)); H=($(free_port) $(free_port) $(free_port))
MEMBERS="127.0.0.1:${C[0]},127.0.0.1:${C[1]},127.0.0.1:${C[2]}"
NODE_PIDS=()
for i in 0 1 2; do
  "$JAVA" "${JAVA_REQUIRED_OPTS[@]}" "-Xmx$XMX" -jar "$JAR" tracker --host 127.0.0.1 --port "${H[$i]}" --cluster \
    --cluster-port "${C[$i]}" --cluster-members "$MEMBERS" --cluster-config "$WORK/none.xml" >"$WORK/cluster$i.log" 2>&1 &
  PIDS+=($!)
  NODE_PIDS+=($!)
done
for i in 0 1 2; do await_http "${H[$i]}"; done
for _ in $(seq 1 150); do
  curl -s "http://127.0.0.1:${H[0]}/api/cluster" | grep -q '"size":3' && break
  sleep 0.2
done
curl -s "http://127.0.0.1:${H[0]}/api/cluster" | grep -q '"size":3' || { echo "the 3-node cluster did not form" >&2; cat "$WORK/cluster0.log" >&2; exit 1; }
measure "3-node cluster (with backup)" "${H[@]}"

TABLE=$(cat <<TBL
| setup | peers | swarms | live heap added (MiB) | bytes per peer |
| --- | ---: | ---: | ---: | ---: |
| enjambre, 1 node | $PEERS | $SWARMS | ${TOTAL[1 node]} | ${PER_PEER[1 node]} |
| enjambre, 3-node cluster, 1 backup (sum of the nodes) | $PEERS | $SWARMS | ${TOTAL[3-node cluster (with backup)]} | ${PER_PEER[3-node cluster (with backup)]} |
TBL
)
echo
echo "$TABLE"
if [ "$SMOKE" = 1 ]; then
  echo "(smoke run: not recorded)"
  exit 0
fi
[ -f bench/RESULTS.md ] || echo "# Benchmark results" > bench/RESULTS.md
{
  echo
  echo "## Tracker memory: heap after GC per peer ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "\`bench/tracker-memory.sh\`: $PEERS peers (distinct ids and addresses, a quarter seeders, each with a \`key\`) in $SWARMS swarms,"
  echo "loaded over HTTP; live heap from \`jcmd GC.class_histogram\` (full GC) before and after, summed over the nodes. -Xmx$XMX."
  echo
  echo "$TABLE"
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
