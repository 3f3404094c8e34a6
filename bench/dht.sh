#!/usr/bin/env bash
# The Mainline DHT at scale, on loopback: N Enjambre DHT nodes in one JVM (each at its own 127.x
# address; N=200 by default), 10 info-hashes announced, then get_peers lookups from random nodes:
# median and p95 time and queries (round trips) per lookup; then the heap a peer store holding
# 100,000 peers takes. Appends the line to bench/RESULTS.md.
# Not yet: libtorrent nodes mixed into the same DHT, and `download magnet:` timed against libtorrent.
# Usage: bench/dht.sh [NODES] [LOOKUPS]     (from the repository root; needs mvn)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-200}
lookups=${2:-100}
mvn -q -o -Dtest=DhtScaleBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Denjambre.bench.dht=true -Denjambre.bench.dht.nodes="${nodes}" -Denjambre.bench.dht.lookups="${lookups}" test
line=$(cat target/dht-scale.txt)
echo "$line"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
{
  echo
  echo "## DHT: ${nodes} loopback nodes ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(nproc) cores, ${cpu}. One JVM, every node on its own Vert.x UDP endpoint; alpha 3, k 8."
  echo
  echo "$line"
} >> bench/RESULTS.md
