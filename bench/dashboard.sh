#!/usr/bin/env bash
# Dashboard at scale: one seeding node with a 4,000-piece torrent, 20 leeching peers connected to
# it, the page open in headless Chromium (Debian chromium + chromium-driver). Prints the size of
# the /api/swarm document, the server's answer time and the page's render time per update, and
# appends them to bench/RESULTS.md. The test fails if a render averages more than 250 ms.
# Usage: bench/dashboard.sh            (from the repository root; needs mvn, chromium, chromedriver)
set -euo pipefail
cd "$(dirname "$0")/.."
ENJAMBRE_BENCH_DASHBOARD=true mvn -q -o -Dtest=DashboardScaleBench -Dsurefire.failIfNoSpecifiedTests=false \
    test
line=$(cat target/dashboard-scale.txt)
echo "$line"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
render=$(sed -E 's/.*page render ([0-9.]+) ms avg.*/\1/' <<<"$line")
ratio=$(awk -v r="$render" 'BEGIN { printf "%.3f", r / 1000 }')
{
  echo
  echo "## Dashboard: 20 peers x 4,000 pieces ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(nproc) cores, ${cpu}. One node seeding a 62.5 MiB torrent (4,000 pieces of 16 KiB) at 2 MiB/s,"
  echo "20 Enjambre peers in one other Vert.x instance downloading it; headless Chromium on the node's page;"
  echo "15 updates sampled. Reference: the 1 s update period (ratio = render time / 1 s)."
  echo
  echo "$line; ratio to the update period ${ratio}"
} >> bench/RESULTS.md
echo "screenshot: target/dashboard-scale.png"
