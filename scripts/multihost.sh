#!/usr/bin/env bash
# Multi-host test of an Enjambre cluster, on one machine, with Linux network namespaces as hosts.
#
# The topology of docker-compose.yml: two networks, each a bridge (in a namespace of its own, so
# that nothing is added to the host's network):
#   trackers 10.77.1.0/24: tracker-1 (.1) and tracker-2 (.2): the Hazelcast cluster
#   peers    10.77.2.0/24: tracker-1 (.1), tracker-2 (.2), seeder (.10), leecher-1..3 (.11-.13),
#                          leecher-4 (.14, started after tracker-1 is gone)
# Every node is its own JVM in its own namespace. Only the trackers are Hazelcast members (and
# clustered event-bus nodes), with a secret made for this run, Hazelcast bound to their
# trackers-network address; the peer nodes are no members: they report their state to the
# trackers' report bridges (port 6970 on the peers network) with the report token.
#
# Checks: no peer namespace reaches a member port; both dashboards show every node; every leecher
# completes byte-exact (sha256sum); then tracker-1's JVM is killed with SIGKILL and its namespace
# deleted: the peers that reported to it move to tracker-2's bridge, and a new leecher, whose
# torrent names tracker-1 first, still gets peers through tracker-2 and completes byte-exact.
# Prints the measured times.
# Removes every namespace, process and file it made, also on failure or Ctrl-C (trap).
#
# Needs root (ip netns; iproute2), Java 25 (scripts/find-java.sh finds it), curl, coreutils, awk; the jar (built when missing: mvn package).
# Usage: sudo scripts/multihost.sh [SIZE_MIB]        (default 24; MULTIHOST_KEEP=1 keeps data and logs)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB="${1:-24}"
JAR="${ENJAMBRE_JAR:-$PWD/target/enjambre.jar}"
PREFIX="enjmh$$"                 # namespace names: unique per run, so a stale run cannot collide
VETH="v$$x"                      # veth names (at most 15 characters)
JVM_OPTS=(-Xmx256m -XX:+UseSerialGC)
# One API token for the run's nodes, given by environment: no token file lands in root's home.
ENJAMBRE_API_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export ENJAMBRE_API_TOKEN
START_TIMEOUT=150                # seconds for a node to be up (2 shared cores, several JVMs at once)
COMPLETE_TIMEOUT=150             # seconds for a leecher to complete
TOTAL_TIMEOUT=420                # the whole script; every wait below is also bounded on its own
SCRIPT_START=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "multihost: must run as root (ip netns)"; exit 1; }
. "$(dirname "$0")/find-java.sh"
require_java
for tool in ip curl sha256sum awk timeout; do
  command -v "$tool" >/dev/null || { echo "multihost: missing $tool"; exit 1; }
done
if [ ! -f "$JAR" ]; then
  echo "multihost: building $JAR"
  mvn -q -o -DskipTests package >/dev/null 2>&1 || mvn -q -DskipTests package
fi

WORK="$(mktemp -d /tmp/enjambre-multihost.XXXXXX)"
NAMESPACES=()
PIDS=()

log() { printf '[%5.1fs] %s\n' "$(since "$SCRIPT_START")" "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    echo "multihost: FAILED (exit $rc); last lines of each node's log:"
    for f in "$WORK"/logs/*.log; do [ -f "$f" ] && { echo "== $(basename "$f")"; tail -n 8 "$f"; }; done
  fi
  if [ -n "${MULTIHOST_KEEP:-}" ]; then echo "multihost: kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "multihost: FAIL: $*"; exit 1; }
check_budget() { [ $(( $(date +%s) - SCRIPT_START )) -lt "$TOTAL_TIMEOUT" ] || fail "over the ${TOTAL_TIMEOUT}s budget"; }

# ---------------------------------------------------------------- network
SW="$PREFIX-sw"
ns_add() { ip netns add "$1"; NAMESPACES+=("$1"); ip -n "$1" link set lo up; }
ns_add "$SW"
ip -n "$SW" link add br-trk type bridge
ip -n "$SW" link add br-peer type bridge
ip -n "$SW" link set br-trk up
ip -n "$SW" link set br-peer up

# attach NS IFNAME BRIDGE ADDR/24: a veth pair, one end in NS, the other on the bridge.
IDX=0
attach() {
  local ns=$1 ifname=$2 bridge=$3 addr=$4
  IDX=$((IDX + 1))
  local port="p$IDX"
  ip link add "$VETH$IDX" type veth peer name "$VETH${IDX}b"
  ip link set "$VETH$IDX" netns "$ns"
  ip link set "$VETH${IDX}b" netns "$SW"
  ip -n "$ns" link set "$VETH$IDX" name "$ifname"
  ip -n "$SW" link set "$VETH${IDX}b" name "$port"
  ip -n "$SW" link set "$port" master "$bridge" up
  ip -n "$ns" addr add "$addr/24" dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}

T1="$PREFIX-t1"; T2="$PREFIX-t2"; SEED="$PREFIX-seed"
ns_add "$T1"; ns_add "$T2"; ns_add "$SEED"
attach "$T1" trk br-trk 10.77.1.1;  attach "$T1" peer br-peer 10.77.2.1
attach "$T2" trk br-trk 10.77.1.2;  attach "$T2" peer br-peer 10.77.2.2
attach "$SEED" peer br-peer 10.77.2.10
for i in 1 2 3 4; do
  ns_add "$PREFIX-l$i"
  attach "$PREFIX-l$i" peer br-peer "10.77.2.1$i"
done
# reach NS IP: a TCP connect to a closed port is refused (reachable) rather than unroutable or silent.
# Links take a moment to come up: up to 5 tries.
reach() {
  for _ in 1 2 3 4 5; do
    local out; out=$(ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/9" 2>&1 || true)
    [[ "$out" == *refused* ]] && return 0
    sleep 1
  done
  return 1
}
# The peers network must not reach the trackers network.
reach "$SEED" 10.77.2.1 || fail "seeder cannot reach tracker-1"
if ip netns exec "$SEED" timeout 3 bash -c "exec 3<>/dev/tcp/10.77.1.1/9" 2>/dev/null; then fail "peers reach the trackers network"; fi
reach "$T1" 10.77.1.2 || fail "tracker-1 cannot reach tracker-2 on the trackers network"
log "network: ${#NAMESPACES[@]} namespaces, bridges br-trk and br-peer"

# ---------------------------------------------------------------- content
mkdir -p "$WORK/logs" "$WORK/seed"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/seed/multihost.bin"
SHA=$(sha256sum "$WORK/seed/multihost.bin" | cut -d' ' -f1)
"$JAVA" -XX:+UseSerialGC -jar "$JAR" create "$WORK/seed/multihost.bin" -o "$WORK/multihost.torrent" \
  --tracker http://10.77.2.1:6969/announce --tracker http://10.77.2.2:6969/announce >/dev/null
log "content: ${SIZE_MIB} MiB, sha256 ${SHA:0:16}..., torrent names tracker-1 then tracker-2"

MEMBERS="10.77.1.1:5701,10.77.1.2:5701"
BRIDGES="10.77.2.1:6970,10.77.2.2:6970"
# A secret of this run's own for the members; the peers get only the report token (not derived
# from the secret here: an operator may choose any token, the members are told it too).
SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
declare -A PID_OF STARTED_AT UP_AT
# member NAME NS TRACKERS_ADDR DATA [extra args...] and peer NAME NS DATA [extra args...]: one JVM in
# the namespace, output in logs/NAME.log.
member() {
  local name=$1 ns=$2 addr=$3 data=$4; shift 4
  start_node "$name" "$ns" "$data" env ENJAMBRE_CLUSTER_SECRET="$SECRET" ENJAMBRE_REPORT_TOKEN="$TOKEN" \
    -- --cluster --cluster-port 5701 --cluster-host "$addr" --cluster-members "$MEMBERS" --report-port 6970 "$@"
}
peer() {
  local name=$1 ns=$2 data=$3; shift 3
  start_node "$name" "$ns" "$data" env -u ENJAMBRE_CLUSTER_SECRET ENJAMBRE_REPORT_TOKEN="$TOKEN" \
    -- --report-to "$BRIDGES" "$@"
}
start_node() {  # NAME NS DATA env ASSIGNMENTS... -- NODE ARGS...
  local name=$1 ns=$2 data=$3; shift 3
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  mkdir -p "$data"
  STARTED_AT[$name]=$(now)
  ip netns exec "$ns" "${envs[@]}" "$JAVA" "${JAVA_REQUIRED_OPTS[@]}" "${JVM_OPTS[@]}" -jar "$JAR" node --name "$name" \
    --host 0.0.0.0 --data "$data" --web-port 8080 --peer-port 6881 --allow-private-trackers "$@" > "$WORK/logs/$name.log" 2>&1 &
  PID_OF[$name]=$!
  PIDS+=("$!")
}
await_up() {
  local name=$1 deadline=$(( $(date +%s) + START_TIMEOUT ))
  until grep -q "dashboard on" "$WORK/logs/$name.log"; do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || fail "$name exited while starting"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$name not up within ${START_TIMEOUT}s"
    sleep 0.2
  done
  UP_AT[$name]=$(now)
}
# await_complete NAME NS: polls the node's own REST API until its torrent is complete; prints seconds since start.
await_complete() {
  local name=$1 ns=$2 deadline=$(( $(date +%s) + COMPLETE_TIMEOUT ))
  until [[ "$(ip netns exec "$ns" curl -sf --max-time 2 http://127.0.0.1:8080/api/node || true)" == *'"complete":true'* ]]; do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || fail "$name exited while downloading"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$name did not complete within ${COMPLETE_TIMEOUT}s"
    check_budget
    sleep 0.2
  done
  echo "$(since "${STARTED_AT[$name]}") s after its JVM started, $(since "${UP_AT[$name]}") s after it was up"
}
members_seen_by() {  # number of Hazelcast members the tracker in NS reports (0 when it does not answer)
  local out; out=$(ip netns exec "$1" curl -sf --max-time 2 http://127.0.0.1:6969/api/cluster || true)
  [[ "$out" =~ \"size\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}
trk_bytes() {  # bytes both ways through tracker-1's port on the trackers bridge
  local p; p=$(ip -n "$SW" -o link show master br-trk | awk -F': ' 'NR==1{print $2}' | cut -d@ -f1)
  echo $(( $(ip netns exec "$SW" cat /sys/class/net/"$p"/statistics/rx_bytes) + $(ip netns exec "$SW" cat /sys/class/net/"$p"/statistics/tx_bytes) ))
}
# await_dashboard NS NAME...: the member's dashboard in NS lists every NAME (bounded).
await_dashboard() {
  local ns=$1; shift
  local deadline=$(( $(date +%s) + 60 )) out missing
  while :; do
    out=$(ip netns exec "$ns" curl -sf --max-time 2 http://127.0.0.1:8080/api/swarm || true)
    missing=""
    for n in "$@"; do [[ "$out" == *"\"name\":\"$n\""* ]] || missing="$missing $n"; done
    [ -z "$missing" ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail "the dashboard in $ns does not show:$missing"
    sleep 0.5
  done
}

# ---------------------------------------------------------------- swarm
T0=$(now)
member tracker-1 "$T1" 10.77.1.1 "$WORK/t1" --tracker --tracker-port 6969 --tracker-interval 30
member tracker-2 "$T2" 10.77.1.2 "$WORK/t2" --tracker --tracker-port 6969 --tracker-interval 30
await_up tracker-1; await_up tracker-2
log "trackers up in $(since "$T0") s"
peer seeder "$SEED" "$WORK/seed" --torrent "$WORK/multihost.torrent"
for i in 1 2 3; do peer "leecher-$i" "$PREFIX-l$i" "$WORK/l$i" --torrent "$WORK/multihost.torrent"; done
for n in seeder leecher-1 leecher-2 leecher-3; do await_up "$n"; done
log "seeder and 3 leechers up in $(since "$T0") s"
deadline=$(( $(date +%s) + 60 ))
until [ "$(members_seen_by "$T2")" -eq 2 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "tracker-2 sees $(members_seen_by "$T2") cluster members, not 2"
  sleep 0.5
done
log "one Hazelcast cluster of the 2 trackers (tracker-2's /api/cluster); the peers are no members"
# The member port is on the trackers network only: from the peers network it is not there.
for target in 10.77.2.1 10.77.2.2 10.77.1.1; do
  if ip netns exec "$SEED" timeout 3 bash -c "exec 3<>/dev/tcp/$target/5701" 2>/dev/null; then
    fail "the seeder reaches a member port at $target:5701"
  fi
done
reach "$SEED" 10.77.2.1 || fail "the seeder cannot reach tracker-1"
log "no peer namespace reaches a member port (5701 on the peers addresses, or the trackers network)"
await_dashboard "$T1" tracker-1 tracker-2 seeder leecher-1 leecher-2 leecher-3
await_dashboard "$T2" tracker-1 tracker-2 seeder leecher-1 leecher-2 leecher-3
log "both trackers' dashboards show every node (the peers through the report bridges)"

for i in 1 2 3; do
  t=$(await_complete "leecher-$i" "$PREFIX-l$i")
  got=$(sha256sum "$WORK/l$i/multihost.bin" | cut -d' ' -f1)
  [ "$got" = "$SHA" ] || fail "leecher-$i: sha256 $got differs"
  log "leecher-$i complete, byte-exact, ${t}"
done
log "tracker-to-tracker traffic on the trackers network so far: $(trk_bytes) bytes"

# ---------------------------------------------------------------- failover
K0=$(now)
kill -KILL "${PID_OF[tracker-1]}"
wait "${PID_OF[tracker-1]}" 2>/dev/null || true
ip netns del "$T1"
log "tracker-1 killed (SIGKILL) and its namespace deleted"
peer leecher-4 "$PREFIX-l4" "$WORK/l4" --torrent "$WORK/multihost.torrent"
deadline=$(( $(date +%s) + 60 ))
until [ "$(members_seen_by "$T2")" -eq 1 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the cluster did not drop tracker-1 within 60 s"
  sleep 0.2
done
FAILOVER=$(since "$K0")
log "cluster view after failover (tracker-1 gone): ${FAILOVER} s after the kill"
await_dashboard "$T2" tracker-2 seeder leecher-1 leecher-2 leecher-3 leecher-4
log "tracker-2's dashboard shows every peer (those of tracker-1's bridge moved to tracker-2's): $(since "$K0") s after the kill"
await_up leecher-4
t=$(await_complete leecher-4 "$PREFIX-l4")
got=$(sha256sum "$WORK/l4/multihost.bin" | cut -d' ' -f1)
[ "$got" = "$SHA" ] || fail "leecher-4: sha256 $got differs"
INFO=$("$JAVA" -XX:+UseSerialGC -jar "$JAR" info "$WORK/multihost.torrent" --json)
[[ "$INFO" =~ \"infoHash\"\ *:\ *\"([0-9a-f]{40})\" ]] || fail "no info-hash in: $INFO"
INFOHASH=${BASH_REMATCH[1]}
REG=$(ip netns exec "$T2" curl -sf --max-time 2 "http://127.0.0.1:6969/api/torrents/$INFOHASH" || true)
[[ "$REG" == *'10.77.2.14'* ]] || fail "leecher-4 is not in tracker-2's registry: $REG"
[[ "$REG" == *'10.77.2.10'* ]] || fail "the seeder's registration did not survive tracker-1: $REG"
log "leecher-4 announced through tracker-2 (tracker-1 unreachable), complete byte-exact ${t}, $(since "$K0") s after the kill"

echo
echo "multihost: PASS. ${SIZE_MIB} MiB; 2 trackers, 1 seeder, 4 leechers in 8 namespaces; total $(since "$SCRIPT_START") s"
