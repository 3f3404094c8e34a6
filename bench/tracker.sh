#!/usr/bin/env bash
# Tracker benchmark. In one run, with the same load generators and the same load, three trackers:
#   - opentracker (Debian's; whitelist = a pool of 10,000 info-hashes), the reference;
#   - `enjambre tracker`, one node (allow list = the same hashes, so both check a list);
#   - a 3-node Enjambre cluster, the load spread evenly over its nodes (a third of the swarms are
#     owned by each member; every change is backed up on another one);
# each under three loads:
#   - HTTP, a new TCP connection per announce (`Connection: close`), as BitTorrent clients do;
#   - HTTP keep-alive (Debian's opentracker closes after every reply whatever the client asks, so
#     its keep-alive row is close again);
#   - UDP (BEP 15): bench/udpload.c, built here with gcc, connect + announce from many sockets.
#     Enjambre's UDP rows say "n/a" while `enjambre tracker` has no --udp-port.
# HTTP load: wrk with compact announces (random info-hash of the pool, random peer id and port, its own 10.x.y.z
# numwant 50, event=started). UDP load: the same announces in BEP 15. Every answer is checked: an
# HTTP error, a bencoded "failure reason", a BEP 15 error or a malformed answer is a refusal, and a
# run with any refusal, timeout or no answer fails the script, so a tracker that refuses cannot look
# fast. Besides requests/s and p50/p99 latency (a cluster's wrk histograms are merged, not averaged),
# each row gives the tracker's CPU seconds per 10,000 announces (from /proc/PID/stat, all its
# processes together): far less sensitive than requests/s to the other load of a shared machine.
# wrk times a request from its write to the end of its answer: the TCP handshake is not in the
# latency (for any tracker), only in requests/s.
#
# Usage: bench/tracker.sh [--smoke]   (--smoke: a few seconds per row, nothing recorded; for CI)
# Environment: DURATION, WARMUP (seconds per row), CONNECTIONS (wrk connections, all nodes together),
#   UDP_SOCKETS, JAVA_OPTS, PROFILE=DIR (a JFR recording of the single node, under DIR).
# Needs: Java 25 (scripts/find-java.sh), wrk, opentracker, gcc, python3, curl. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
CONNECTIONS=${CONNECTIONS:-33}
UDP_SOCKETS=${UDP_SOCKETS:-64}
NODES=3
POOL=10000
if [ "$SMOKE" = 1 ]; then DURATION=2; WARMUP=1; fi
# The collector `./enjambre tracker` gives a tracker (the parallel one), with a fixed 1 GiB heap so
# that runs compare. ZGC was chosen here before, when peers were an object each (its pauses stayed
# out of the latency tail); with peers packed in arrays and an answer costing a few young objects,
# it cost the most CPU per announce of the three (bench/RESULTS.md, "HTTP per connection").
# JAVA_OPTS="-Xms1g -Xmx1g -XX:+UseZGC" measures it again.
if [ -z "${JAVA_OPTS:-}" ]; then
  JAVA_OPTS="-Xms1g -Xmx1g -XX:+UseParallelGC"
fi

. "$(dirname "$0")/../scripts/find-java.sh"
require_java
for tool in wrk opentracker gcc python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench/tracker.sh: $tool not found (Debian: wrk, opentracker, gcc, libc6-dev, python3, curl)" >&2; exit 1; }
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

gcc -O2 -o "$WORK/udpload" bench/udpload.c
. bench/ports.sh # free_port, free_udp_port

# The pool: hex for the whitelists and udpload, percent-encoded for the Lua script. The Lua script
# asks for a new connection per request when WRK_CLOSE=1, and writes wrk's latency histogram
# (microseconds, "value count" lines) to WRK_HISTOGRAM so that several wrk processes' can be merged.
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
local headers = {}
if os.getenv("WRK_CLOSE") == "1" then headers["Connection"] = "close" end
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
    "&ip=10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254) ..
    "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1&numwant=50&event=started", headers)
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
  -- Read errors are not counted: Debian's opentracker answers HTTP/1.1 without "Connection: close"
  -- and closes, which wrk counts as a read error after every (whole, checked) answer.
  io.write(string.format("errors %d\n", summary.errors.connect + summary.errors.write
    + summary.errors.status + summary.errors.timeout))
  local path = os.getenv("WRK_HISTOGRAM")
  if path then
    local out = io.open(path, "w")
    for i = 1, #latency do
      local v, c = latency(i)
      out:write(string.format("%d %d\n", v, c))
    end
    out:close()
  end
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

cpu_ticks() { # pids...: user + system clock ticks of those processes, together
  local total=0 p t
  for p in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
TICKS_PER_SECOND=$(getconf CLK_TCK)
# Where a JVM's CPU goes, by kind of thread (event loops user/system, Hazelcast, JIT, GC, other):
# thread_ticks PID > FILE before and after a row, then thread_split BEFORE AFTER ANSWERS.
# The event loops' system time is the kernel's TCP work for each connection (accept, read, write, close).
# Also the process's context switches (voluntary + involuntary, all threads) per announce: each is a sleep in
# epoll and a wake-up, the largest kernel cost of a connection after TCP itself (bench/RESULTS.md, 2026-12-02 04:05).
thread_ticks() {
  python3 - "$1" <<'PY'
import os, re, sys
pid, kinds = sys.argv[1], {}
for tid in os.listdir(f"/proc/{pid}/task"):
    try:
        s = open(f"/proc/{pid}/task/{tid}/stat").read()
        status = open(f"/proc/{pid}/task/{tid}/status").read()
    except OSError:
        continue
    kinds["switches"] = kinds.get("switches", 0) + sum(int(n) for n in re.findall(r"ctxt_switches:\s+(\d+)", status))
    name = s[s.index("(") + 1:s.rindex(")")]
    f = s[s.rindex(")") + 2:].split()
    kind = next((k for p, k in (("vert.x-eventloo", "event loops"), ("hz.", "Hazelcast"), ("C2 Compiler", "JIT"),
                                ("C1 Compiler", "JIT"), ("Z", "GC"), ("GC Thread", "GC"), ("G1 ", "GC"), ("VM Thread", "GC"))
                 if name.startswith(p)), "other")
    if kind == "event loops":
        kinds["event loops (user)"] = kinds.get("event loops (user)", 0) + int(f[11])
        kinds["event loops (system)"] = kinds.get("event loops (system)", 0) + int(f[12])
    else:
        kinds[kind] = kinds.get(kind, 0) + int(f[11]) + int(f[12])
print(" ".join(f"{k.replace(' ', '_')}={v}" for k, v in kinds.items()))
PY
}
thread_split() { # before after answers: "kind s/10k, ..." in CPU seconds per 10,000 announces
  python3 - "$1" "$2" "$3" "$TICKS_PER_SECOND" <<'PY'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split())
b = dict(kv.split("=") for kv in sys.argv[2].split())
n, hz = int(sys.argv[3]), int(sys.argv[4])
switches = int(b.pop("switches", 0)) - int(a.pop("switches", 0))
rows = sorted(((int(v) - int(a.get(k, 0)), k.replace("_", " ")) for k, v in b.items()), reverse=True)
print(", ".join("%s %.3f" % (k, t / hz / n * 10000) for t, k in rows if t > 0)
      + "; context switches per announce %.2f" % (switches / n) if n > 0 else "n/a")
PY
}
per_10k() { awk -v t="$1" -v hz="$TICKS_PER_SECOND" -v n="$2" 'BEGIN { if (n > 0) printf "%.3f", t / hz / n * 10000; else print "n/a" }'; }

# Results by row key "tracker/load".
declare -A RPS P50 P99 REFUSED CPU SPLIT
ROWS=()
record_failure() { echo "bench/tracker.sh: $1" >&2; FAILED+=("$1"); }
FAILED=()

run_http() { # key(tracker/close|tracker/keepalive) "pids" ports...: wrk on every port at once, CONNECTIONS split evenly
  local key=$1 pids=$2; shift 2
  local close=0 per i cpu0 cpu1
  [ "${key#*/}" = close ] && close=1
  per=$(( (CONNECTIONS + $# - 1) / $# ))
  local loads=()
  for port in "$@"; do
    WRK_CLOSE=$close wrk -t1 -c"$per" -d"${WARMUP}s" --timeout 2s -s "$WORK/announce.lua" "http://127.0.0.1:$port" >/dev/null &
    loads+=($!)
  done
  wait "${loads[@]}"
  loads=()
  local split0=""
  [ "$(echo $pids | wc -w)" = 1 ] && [ "$key" != "${key#enjambre/}" ] && split0=$(thread_ticks $pids)
  cpu0=$(cpu_ticks $pids)
  i=0
  for port in "$@"; do
    i=$((i + 1))
    WRK_CLOSE=$close WRK_HISTOGRAM="$WORK/hist.$i" wrk -t1 -c"$per" -d"${DURATION}s" --timeout 2s --latency \
      -s "$WORK/announce.lua" "http://127.0.0.1:$port" >"$WORK/wrk.$i" 2>&1 &
    loads+=($!)
  done
  wait "${loads[@]}"
  cpu1=$(cpu_ticks $pids)
  local split1=""
  [ -n "$split0" ] && split1=$(thread_ticks $pids)
  sed "s|^|  [$key] |" "$WORK"/wrk.* >&2
  local rps=0 answers=0 refused=0 errors=0
  for i in $(seq 1 $#); do
    rps=$(awk -v a="$rps" '/^Requests\/sec:/ {a += $2} END {printf "%.2f", a}' "$WORK/wrk.$i")
    answers=$((answers + $(awk '/^refusals/ {print $4}' "$WORK/wrk.$i")))
    refused=$((refused + $(awk '/^refusals/ {print $2}' "$WORK/wrk.$i")))
    errors=$((errors + $(awk '/^errors/ {print $2}' "$WORK/wrk.$i")))
  done
  read -r p50 p99 < <(cat "$WORK"/hist.* | python3 -c '
import sys
counts = {}
for line in sys.stdin:
    v, c = line.split()
    counts[int(v)] = counts.get(int(v), 0) + int(c)
total = sum(counts.values())
out, seen, marks = [], 0, [0.50, 0.99]
for v in sorted(counts):
    seen += counts[v]
    while marks and seen > marks[0] * total:
        out.append("%.2f" % (v / 1000)); marks.pop(0)
print(" ".join(out + ["n/a"] * len(marks)))')
  rm -f "$WORK"/wrk.* "$WORK"/hist.*
  ROWS+=("$key"); RPS[$key]=$rps; P50[$key]=$p50; P99[$key]=$p99
  REFUSED[$key]="$refused of $answers"; CPU[$key]=$(per_10k $((cpu1 - cpu0)) "$answers")
  [ -n "$split0" ] && SPLIT[$key]=$(thread_split "$split0" "$split1" "$answers")
  if [ "$refused" != 0 ] || [ "$errors" != 0 ] || [ "$answers" = 0 ]; then
    record_failure "$key: $answers answers, $refused refused, $errors socket errors or timeouts"
  fi
}

run_udp() { # key "pids" ports...: udpload's sockets spread over the ports
  local key=$1 pids=$2; shift 2
  local targets cpu0 cpu1 out
  targets=$(printf '127.0.0.1:%s,' "$@"); targets=${targets%,}
  # The warm-up is udpload's own: its counters start after -w seconds; the CPU is read at the same time.
  "$WORK/udpload" -f "$WORK/ot/whitelist.txt" -t "$targets" -s "$UDP_SOCKETS" -w "$WARMUP" -d "$DURATION" >"$WORK/udp.out" &
  local load=$!
  sleep "$WARMUP"
  cpu0=$(cpu_ticks $pids)
  wait "$load"
  cpu1=$(cpu_ticks $pids)
  out=$(cat "$WORK/udp.out")
  echo "  [$key] $out" >&2
  local n refused timeouts malformed
  n=$(echo "$out" | awk '{print $2}'); refused=$(echo "$out" | awk '{print $12}')
  timeouts=$(echo "$out" | awk '{print $14}'); malformed=$(echo "$out" | awk '{print $18}')
  ROWS+=("$key"); RPS[$key]=$(echo "$out" | awk '{print $6}')
  P50[$key]=$(echo "$out" | awk '{printf "%.2f", $8}'); P99[$key]=$(echo "$out" | awk '{printf "%.2f", $10}')
  REFUSED[$key]="$((refused + malformed)) of $n"; CPU[$key]=$(per_10k $((cpu1 - cpu0)) "$n")
  if [ "$refused" != 0 ] || [ "$malformed" != 0 ] || [ "$timeouts" != 0 ] || [ "${n:-0}" = 0 ]; then
    record_failure "$key: $n answers, $refused refused, $malformed malformed, $timeouts timeouts"
  fi
}

no_udp() { ROWS+=("$1"); RPS[$1]="n/a"; P50[$1]="n/a"; P99[$1]="n/a"; REFUSED[$1]="n/a"; CPU[$1]="n/a"; }

# The launcher's UDP option, if this build has it (the UDP tracker, issue 14 item 3).
ENJAMBRE_UDP=0
"$JAVA" "${JAVA_REQUIRED_OPTS[@]}" -jar "$JAR" tracker --help 2>&1 | grep -q -- '--udp-port' && ENJAMBRE_UDP=1

# 1. opentracker: chroots to $WORK/ot, reads whitelist.txt there, runs as nobody.
OT_PORT=$(free_port); OT_UDP=$(free_udp_port)
opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$OT_UDP" -d "$WORK/ot" -w whitelist.txt -u nobody >"$WORK/opentracker.log" 2>&1 &
OT_PID=$!
PIDS+=("$OT_PID")
await_http "$OT_PORT"
check_peers opentracker "$OT_PORT"
run_http opentracker/close "$OT_PID" "$OT_PORT"
run_http opentracker/keepalive "$OT_PID" "$OT_PORT"
run_udp opentracker/udp "$OT_PID" "$OT_UDP"
kill "$OT_PID"; wait "$OT_PID" 2>/dev/null || true

# 2. one Enjambre node.
E1_PORT=$(free_port); E1_UDP=$(free_udp_port)
UDP_ARGS=()
[ "$ENJAMBRE_UDP" = 1 ] && UDP_ARGS=(--udp-port "$E1_UDP")
PROFILE_OPTS=()
if [ -n "${PROFILE:-}" ]; then
  mkdir -p "$PROFILE"
  PROFILE_OPTS=("-XX:StartFlightRecording=filename=$(readlink -f "$PROFILE")/enjambre-tracker.jfr,settings=profile")
fi
# shellcheck disable=SC2086
"$JAVA" "${JAVA_REQUIRED_OPTS[@]}" $JAVA_OPTS "${PROFILE_OPTS[@]}" -jar "$JAR" tracker --host 127.0.0.1 --port "$E1_PORT" "${UDP_ARGS[@]}" \
  --allow-list "$WORK/ot/whitelist.txt" >"$WORK/enjambre1.log" 2>&1 &
E1_PID=$!
PIDS+=("$E1_PID")
await_http "$E1_PORT" || { tail -40 "$WORK/enjambre1.log" >&2; exit 1; }
check_peers "enjambre" "$E1_PORT"
run_http enjambre/close "$E1_PID" "$E1_PORT"
run_http enjambre/keepalive "$E1_PID" "$E1_PORT"
if [ "$ENJAMBRE_UDP" = 1 ]; then run_udp enjambre/udp "$E1_PID" "$E1_UDP"; else no_udp enjambre/udp; fi
kill "$E1_PID"; wait "$E1_PID" 2>/dev/null || true

# 3. a 3-node Enjambre cluster, the load spread over its nodes.
MEMBERS=""; CLUSTER_PORTS=(); HTTP_PORTS=(); UDP_PORTS=(); CLUSTER_PIDS=()
for i in $(seq 1 $NODES); do
  CLUSTER_PORTS+=("$(free_port)"); HTTP_PORTS+=("$(free_port)"); UDP_PORTS+=("$(free_udp_port)")
  MEMBERS="$MEMBERS${MEMBERS:+,}127.0.0.1:${CLUSTER_PORTS[-1]}"
done
# Members need the cluster secret; one of this run's own.
export ENJAMBRE_CLUSTER_SECRET="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for i in $(seq 0 $((NODES - 1))); do
  UDP_ARGS=()
  [ "$ENJAMBRE_UDP" = 1 ] && UDP_ARGS=(--udp-port "${UDP_PORTS[$i]}")
  # shellcheck disable=SC2086
  "$JAVA" "${JAVA_REQUIRED_OPTS[@]}" $JAVA_OPTS -jar "$JAR" tracker --host 127.0.0.1 --port "${HTTP_PORTS[$i]}" "${UDP_ARGS[@]}" \
    --cluster --cluster-port "${CLUSTER_PORTS[$i]}" --cluster-members "$MEMBERS" --cluster-config "$WORK/none.xml" \
    --allow-list "$WORK/ot/whitelist.txt" >"$WORK/cluster$i.log" 2>&1 &
  CLUSTER_PIDS+=($!)
  PIDS+=($!)
done
for i in "${!HTTP_PORTS[@]}"; do
  await_http "${HTTP_PORTS[$i]}" || { tail -40 "$WORK/cluster$i.log" >&2; exit 1; }
done
for _ in $(seq 1 150); do
  curl -s "http://127.0.0.1:${HTTP_PORTS[0]}/api/cluster" | grep -q "\"size\":$NODES" && break
  sleep 0.2
done
curl -s "http://127.0.0.1:${HTTP_PORTS[0]}/api/cluster" | grep -q "\"size\":$NODES" \
  || { echo "the $NODES-node cluster did not form" >&2; cat "$WORK/cluster0.log" >&2; exit 1; }
for p in "${HTTP_PORTS[@]}"; do check_peers "enjambre-$NODES-nodes" "$p"; done
run_http "enjambre-$NODES-nodes/close" "${CLUSTER_PIDS[*]}" "${HTTP_PORTS[@]}"
run_http "enjambre-$NODES-nodes/keepalive" "${CLUSTER_PIDS[*]}" "${HTTP_PORTS[@]}"
if [ "$ENJAMBRE_UDP" = 1 ]; then
  run_udp "enjambre-$NODES-nodes/udp" "${CLUSTER_PIDS[*]}" "${UDP_PORTS[@]}"
else
  no_udp "enjambre-$NODES-nodes/udp"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
MACHINE="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
label() {
  case "$1" in
    opentracker/close) echo "opentracker (Debian), HTTP, new connection per announce" ;;
    opentracker/keepalive) echo "opentracker (Debian), HTTP keep-alive asked (it closes anyway)" ;;
    opentracker/udp) echo "opentracker (Debian), UDP" ;;
    enjambre/close) echo "enjambre, 1 node, HTTP, new connection per announce" ;;
    enjambre/keepalive) echo "enjambre, 1 node, HTTP keep-alive" ;;
    enjambre/udp) echo "enjambre, 1 node, UDP" ;;
    */close) echo "enjambre, $NODES-node cluster (load on all), HTTP, new connection per announce" ;;
    */keepalive) echo "enjambre, $NODES-node cluster (load on all), HTTP keep-alive" ;;
    */udp) echo "enjambre, $NODES-node cluster (load on all), UDP" ;;
  esac
}
TABLE="| tracker and load | requests/s | p50 (ms) | p99 (ms) | refused answers | CPU s per 10,000 announces | ratio to opentracker, same load (req/s) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for key in "${ROWS[@]}"; do
  # Each row against opentracker's row of the same load (keep-alive against its close: that is what it does).
  TABLE+=$'\n'"| $(label "$key") | ${RPS[$key]} | ${P50[$key]} | ${P99[$key]} | ${REFUSED[$key]} | ${CPU[$key]} | $(ratio "${RPS[$key]}" "${RPS[opentracker/${key#*/}]}") |"
done
# One node's CPU by kind of thread, per 10,000 announces, for the HTTP rows.
SPLITS=""
for key in enjambre/close enjambre/keepalive; do
  [ -n "${SPLIT[$key]:-}" ] && SPLITS+=$'\n'"- $(label "$key"): ${SPLIT[$key]}"
done
echo
echo "$TABLE"
[ -n "$SPLITS" ] && echo "CPU s per 10,000 announces by kind of thread:$SPLITS"
# A tracker that refused answers, timed out or served nothing fails the run (and CI's smoke run).
if [ "${#FAILED[@]}" != 0 ]; then
  printf 'bench/tracker.sh: not counted: %s\n' "${FAILED[@]}" >&2
  exit 1
fi
if [ "$SMOKE" = 1 ]; then
  echo "(smoke run: not recorded)"
  exit 0
fi
# (Checked before the group below: its >> would create the file first.)
[ -f bench/RESULTS.md ] || echo "# Benchmark results" > bench/RESULTS.md
{
  echo
  echo "## Tracker: announces per connection, keep-alive and UDP ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $MACHINE. HTTP load: \`wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout 2s\` after ${WARMUP}s of warm-up"
  echo "(on a cluster, one wrk per node with a third of the connections, latency histograms merged); UDP load:"
  echo "\`bench/udpload\` with $UDP_SOCKETS sockets (one request in flight each), ${DURATION}s after ${WARMUP}s of warm-up."
  echo "Compact announces (numwant 50, event=started) for random info-hashes from a pool of $POOL, random peer ids, each peer its own address (ip=10.x.y.z, the BEP 15 ip field), as in a real swarm: trackers cap peers per address."
  echo "The load generators and every tracker process share the machine. Refused answers: HTTP errors, bencoded"
  echo "failures, BEP 15 errors or malformed answers (a run with any of them, or a timeout, is not counted). CPU: user +"
  echo "system time of the tracker's processes (all cluster members) during the measured seconds, per 10,000 answers."
  echo "Enjambre UDP: $([ "$ENJAMBRE_UDP" = 1 ] && echo "measured" || echo "n/a, this build of \`enjambre tracker\` has no --udp-port")."
  echo "Enjambre JVM options: \`$JAVA_OPTS\`. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)."
  echo
  echo "$TABLE"
  if [ -n "$SPLITS" ]; then
    echo
    echo "Where one node's CPU went (s per 10,000 announces, by kind of thread; the event loops' system time is the"
    echo "kernel's TCP work for each connection; JIT time still in the measured seconds is warm-up; then the tracker's"
    echo "context switches per announce, all threads):$SPLITS"
  fi
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
