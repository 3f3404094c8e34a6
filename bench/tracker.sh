#!/usr/bin/env bash
# Tracker benchmark: wrk sends compact announces (random info-hash from a fixed pool of 10,000,
# random peer id and port, numwant 50) to, in one run and with the same load:
#   1. opentracker (Debian's, whitelist = the same 10,000 hashes), the reference;
#   2. `enjambre tracker`, one node (allow list = the same hashes, so both check a list);
#   3. a 2-node Enjambre cluster, load on one node (announces for swarms owned by the other
#      node cross the Hazelcast link; every change is backed up on the other node).
# Prints requests/s, p50/p99 latency and the ratio to opentracker; a full run appends them to
# bench/RESULTS.md. Every answer is checked in Lua: an HTTP error or a bencoded "failure reason"
# counts as a refusal, so a tracker that refuses cannot look fast.
#
# Usage: bench/tracker.sh [--smoke]     (--smoke: a few seconds per tracker, nothing recorded; for CI)
# Needs: Java 25 (scripts/find-java.sh finds it), wrk, opentracker, python3. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
POOL=10000
if [ "$SMOKE" = 1 ]; then DURATION=2; WARMUP=2; fi
# ZGC: its pauses stay under a millisecond with a heap full of small, long-lived peer objects, which
# keeps them out of the latency tail. Measured on a quiet 2-core machine, same run as opentracker:
# p99 4.1 ms with ZGC, 11.9 ms with Shenandoah; G1's young pauses reach 30-60 ms here.
if [ -z "${JAVA_OPTS:-}" ]; then
  JAVA_OPTS="-Xms1g -Xmx1g -XX:+UseZGC"
fi

. "$(dirname "$0")/../scripts/find-java.sh"
require_java
for tool in wrk opentracker python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench/tracker.sh: $tool not found (Debian: wrk, opentracker, openjdk-17, python3, curl)" >&2; exit 1; }
done
JAR=target/enjambre.jar
if [ ! -f "$JAR" ]; then
  echo "building $JAR..." >&2
  mvn -q -DskipTests package >&2
fi

WORK=$(mktemp -d /tmp/enjambre-bench-tracker.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The pool: hex for the whitelists, percent-encoded for the Lua script.
mkdir -p "$WORK/ot"
chmod 755 "$WORK/ot"
python3 - "$WORK" "$POOL" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
hashes = [os.urandom(20) for _ in range(n)]
with open(os.path.join(work, "ot", "whitelist.txt"), "w") as f:
    f.writelines(h.hex() + "\n" for h in hashes)
with open(os.path.join(work, "announce.lua"), "w") as f:
    f.write("local hashes = {\n")
    for h in hashes:
        f.write('"' + "".join("%%%02x" % b for b in h) + '",\n')
    f.write("}\n")
    f.write(r'''
local alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000) + #threads)
  failures = 0
  answers = 0
end
local function peer_id()
  local t = {"-WK0001-"}
  for i = 1, 12 do
    local k = math.random(#alphabet)
    t[#t + 1] = alphabet:sub(k, k)
  end
  return table.concat(t)
end
function request()
  local left = (math.random(4) == 1) and "0" or "1000"
  return wrk.format("GET", "/announce?info_hash=" .. hashes[math.random(#hashes)] ..
    "&peer_id=" .. peer_id() .. "&port=" .. math.random(1024, 65535) ..
    "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1&numwant=50&event=started")
end
function response(status, headers, body)
  answers = answers + 1
  if status ~= 200 or body:find("failure reason", 1, true) or not body:find("5:peers", 1, true) then
    failures = failures + 1
  end
end
function done(summary, latency, requests)
  local f, a = 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("failures")
    a = a + t:get("answers")
  end
  io.write(string.format("refusals %d of %d\n", f, a))
end
''')
PY
chmod 644 "$WORK/ot/whitelist.txt"
FIRST_HASH=$(head -1 "$WORK/ot/whitelist.txt")
FIRST_Q=$(python3 -c 'import sys; print("".join("%%%02x" % b for b in bytes.fromhex(sys.argv[1])))' "$FIRST_HASH")

await_http() { # port: wait (bounded) until something answers HTTP there
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.2
  done
  echo "nothing answered on port $1" >&2; return 1
}

check_peers() { # name port: two announces; the second must be given the first as a peer
  local a b
  a=$(curl -s "http://127.0.0.1:$2/announce?info_hash=$FIRST_Q&peer_id=-CK0001-aaaaaaaaaaaa&port=1111&left=10&compact=1" | tr -d '\0' | head -c 300)
  b=$(curl -s "http://127.0.0.1:$2/announce?info_hash=$FIRST_Q&peer_id=-CK0001-bbbbbbbbbbbb&port=2222&left=10&compact=1" | tr -d '\0' | LC_ALL=C tr -c '[:print:]' '.' | head -c 300)
  case "$b" in
    *"failure reason"*|"") echo "$1 refused the benchmark's announces: $b" >&2; exit 1 ;;
    *"5:peers"*) echo "$1 answers peers: ${b:0:90}..." >&2 ;;
    *) echo "$1 gave an unexpected answer: $b" >&2; exit 1 ;;
  esac
}

declare -A RPS P50 P99 REFUSED
run_wrk() { # name port
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 2s -s "$WORK/announce.lua" "http://127.0.0.1:$2" >/dev/null
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 2s --latency -s "$WORK/announce.lua" "http://127.0.0.1:$2")
  echo "$out" | sed "s/^/  [$1] /" >&2
  RPS[$1]=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  P50[$1]=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
  P99[$1]=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
  REFUSED[$1]=$(echo "$out" | awk '/^refusals/ {print $2 " of " $4}')
}
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}'; }

# 1. opentracker: chroots to $WORK/ot, reads whitelist.txt there, runs as nobody.
OT_PORT=$(free_port)
opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$(free_port)" -d "$WORK/ot" -w whitelist.txt -u nobody >"$WORK/opentracker.log" 2>&1 &
PIDS+=($!)
OT_PID=$!
await_http "$OT_PORT"
check_peers opentracker "$OT_PORT"
run_wrk opentracker "$OT_PORT"
kill "$OT_PID"; wait "$OT_PID" 2>/dev/null || true

# 2. one Enjambre node.
E1_PORT=$(free_port)
# shellcheck disable=SC2086
"$JAVA" "${JAVA_REQUIRED_OPTS[@]}" $JAVA_OPTS -jar "$JAR" tracker --host 127.0.0.1 --port "$E1_PORT" --allow-list "$WORK/ot/whitelist.txt" >"$WORK/enjambre1.log" 2>&1 &
PIDS+=($!)
E1_PID=$!
await_http "$E1_PORT"
check_peers "enjambre" "$E1_PORT"
run_wrk "enjambre" "$E1_PORT"
kill "$E1_PID"; wait "$E1_PID" 2>/dev/null || true

# 3. a 2-node Enjambre cluster, load on the first node.
C1=$(free_port); C2=$(free_port); H1=$(free_port); H2=$(free_port)
MEMBERS="127.0.0.1:$C1,127.0.0.1:$C2"
# Members need the cluster secret; one of this run's own.
export ENJAMBRE_CLUSTER_SECRET="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for i in 1 2; do
  cp=$([ $i = 1 ] && echo "$C1" || echo "$C2"); hp=$([ $i = 1 ] && echo "$H1" || echo "$H2")
  # shellcheck disable=SC2086
  "$JAVA" "${JAVA_REQUIRED_OPTS[@]}" $JAVA_OPTS -jar "$JAR" tracker --host 127.0.0.1 --port "$hp" --cluster --cluster-port "$cp" \
    --cluster-members "$MEMBERS" --cluster-config "$WORK/none.xml" --allow-list "$WORK/ot/whitelist.txt" >"$WORK/cluster$i.log" 2>&1 &
  PIDS+=($!)
done
await_http "$H1"; await_http "$H2"
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$H1/api/cluster" | grep -q '"size":2' && break
  sleep 0.2
done
curl -s "http://127.0.0.1:$H1/api/cluster" | grep -q '"size":2' || { echo "the 2-node cluster did not form" >&2; cat "$WORK/cluster1.log" >&2; exit 1; }
check_peers "enjambre-2-nodes" "$H1"
run_wrk "enjambre-2-nodes" "$H1"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
MACHINE="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
TABLE=$(cat <<TBL
| tracker | requests/s | p50 (ms) | p99 (ms) | refused answers | ratio to opentracker (req/s) |
| --- | ---: | ---: | ---: | ---: | ---: |
| opentracker (Debian) | ${RPS[opentracker]} | ${P50[opentracker]} | ${P99[opentracker]} | ${REFUSED[opentracker]} | 1.00 |
| enjambre, 1 node | ${RPS[enjambre]} | ${P50[enjambre]} | ${P99[enjambre]} | ${REFUSED[enjambre]} | $(ratio "${RPS[enjambre]}" "${RPS[opentracker]}") |
| enjambre, 2-node cluster (load on one) | ${RPS[enjambre-2-nodes]} | ${P50[enjambre-2-nodes]} | ${P99[enjambre-2-nodes]} | ${REFUSED[enjambre-2-nodes]} | $(ratio "${RPS[enjambre-2-nodes]}" "${RPS[opentracker]}") |
TBL
)
echo
echo "$TABLE"
# A tracker that refused answers, or served nothing, fails the run (and CI's smoke run).
for t in opentracker enjambre enjambre-2-nodes; do
  refused=${REFUSED[$t]%% *}
  if [ -z "${RPS[$t]}" ] || [ "${refused:-1}" != 0 ] || awk -v r="${RPS[$t]}" 'BEGIN { exit !(r <= 0) }'; then
    echo "bench/tracker.sh: $t served ${RPS[$t]:-no} requests/s with ${REFUSED[$t]:-unknown} refused answers" >&2
    exit 1
  fi
done
if [ "$SMOKE" = 1 ]; then
  echo "(smoke run: not recorded)"
  exit 0
fi
# (Checked before the group below: its >> would create the file first.)
[ -f bench/RESULTS.md ] || echo "# Benchmark results" > bench/RESULTS.md
{
  echo
  echo "## Tracker: compact announces ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $MACHINE. Load: \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout 2s\` after ${WARMUP}s of warm-up,"
  echo "compact announces (numwant 50, event=started) for random info-hashes from a pool of $POOL with random peer ids;"
  echo "wrk, the trackers and the cluster's second node share the machine. opentracker closes the connection after each"
  echo "reply (Debian build), Enjambre keeps it alive. Refused answers: HTTP errors or bencoded failures seen by wrk."
  echo "Enjambre JVM options: \`$JAVA_OPTS\`. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)."
  echo
  echo "$TABLE"
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
