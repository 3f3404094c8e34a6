#!/usr/bin/env bash
# Chaos soak (issue 16): a 3-node `enjambre tracker --cluster` on loopback and 15 peers (a seeder
# and three `download --seed` leechers per torrent, all through ./enjambre, plus three libtorrent
# peers) exchange 3 torrents, every upload limited, while a loop SIGKILLs and restarts random peers
# (cutting every connection they had, mid-transfer) and tracker nodes (one at a time), and now and
# then restarts a leecher from an empty folder. Checked, with counts printed:
#   - every leecher holds byte-exact data (sha256) once the chaos stops;
#   - no live peer is missing from the cluster's registry (GET /api/torrents/{hash} on a live node)
#     for longer than an announce interval;
#   - no process leaked file descriptors or threads (/proc/PID), and heaps stayed bounded (the
#     JVM's own counters, after a full GC requested through the attach socket, first against last
#     probe of the same process; one tracker node, one seeder and one leecher are never killed and
#     witness the whole run); no OutOfMemoryError, no process exiting by itself.
# Exits 1 on a violation, 2 if the swarm could not be set up. Loopback only; every process it
# starts is stopped by PID.
#
# usage: bench/soak.sh [--short] [--duration SECONDS] [--seed N] [--keep]
#   default 600 s of chaos; --short: 55 s and small torrents, under 3 minutes in all (for .ci/run)
# env: SOAK_JAVA_OPTS (default "-Xmx160m -XX:+UseSerialGC": 15 JVMs on a small machine),
#      ENJAMBRE_AOT (default off here: no cache training in the middle of a soak)
# Needs: Java 25 (scripts/find-java.sh), python3-libtorrent (Debian's, /usr/bin/python3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/find-java.sh"
require_java
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null \
  || { echo "bench/soak.sh: python3-libtorrent is missing (apt-get install python3-libtorrent)" >&2; exit 2; }
ENJAMBRE_AOT=off "$ROOT/enjambre" --version >/dev/null   # builds the jar when stale, outside the soak
echo "soak: java $("$JAVA" -version 2>&1 | sed -n 1p); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
exec /usr/bin/python3 "$ROOT/bench/soak.py" "$@"
