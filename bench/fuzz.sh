#!/usr/bin/env bash
# Coverage-guided fuzzing of every codec and parser with Jazzer (its JUnit integration, from Maven
# Central; libFuzzer ships inside the jar). Each target is a @FuzzTest method in a *FuzzTest class
# beside the code it tests; its checked-in seed corpus is src/test/resources/fuzz/<corpus>/.
#
# For each target in turn: the seeds are copied into Jazzer's working corpus (.cifuzz-corpus/,
# not checked in, kept between runs), the target is fuzzed for SECONDS, and every input that broke
# it (crash-*, timeout-*) is moved into the seed corpus as finding-<sha1>, where every
# `mvn verify` replays it from then on. Prints executions per second per target and appends the
# run to bench/RESULTS.md. Exits 1 when anything was found.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s; targets by corpus name)
#
# Targets: bencode metainfo magnet wire tracker-query tracker-answer peer-address extension
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-60}"
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "usage: bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2; }

# corpus name -> test class and @FuzzTest method
declare -A targets=(
  [bencode]="org.enjambre.bencode.BencodeFuzzTest#bencodeDecoder"
  [metainfo]="org.enjambre.metainfo.MetainfoFuzzTest#torrentFile"
  [magnet]="org.enjambre.metainfo.MagnetUriFuzzTest#magnetLink"
  [wire]="org.enjambre.wire.WireCodecFuzzTest#peerStream"
  [tracker-query]="org.enjambre.tracker.protocol.TrackerQueryFuzzTest#announceAndScrapeQuery"
  [tracker-answer]="org.enjambre.tracker.protocol.AnnounceCodecFuzzTest#trackerAnswer"
  [peer-address]="org.enjambre.net.PeerAddressFuzzTest#peerAddress"
  [extension]="org.enjambre.wire.ext.ExtensionCodecFuzzTest#extensionPayload"
  [udp-tracker]="org.enjambre.tracker.protocol.UdpTrackerCodecFuzzTest#udpTrackerDatagram"
)
order=(bencode metainfo magnet wire tracker-query tracker-answer peer-address extension udp-tracker)
if [ $# -gt 0 ]; then
  for t in "$@"; do
    [ -n "${targets[$t]+x}" ] || { echo "unknown target $t (known: ${order[*]})" >&2; exit 2; }
  done
  order=("$@")
fi

cd "$root"
logs="$here/work/fuzz"
mkdir -p "$logs"
echo "compiling the tests (once)…" >&2
mvn -B -ntp -o -q test-compile >/dev/null

started="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
summary=()
found=0
for name in "${order[@]}"; do
  spec="${targets[$name]}"
  class="${spec%%#*}"
  method="${spec##*#}"
  seeds="src/test/resources/fuzz/$name"
  work=".cifuzz-corpus/$class/$method"
  # Jazzer writes a finding into the test's inputs folder when it exists in the sources, else here.
  inputs="src/test/resources/${class//.//}Inputs/$method"
  mkdir -p "$work"
  cp -f "$seeds"/* "$work"/ 2>/dev/null || true
  rm -f "$work/README.md"
  log="$logs/$name.log"
  echo "fuzzing $name ($class#$method) for ${seconds}s…" >&2
  status=0
  # JAZZER_FUZZ turns the @FuzzTest from a replay into fuzzing; the groups lift the exclusion that
  # keeps Jazzer out of normal test runs. Only our classes are instrumented and hooked.
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" \
    JAZZER_INSTRUMENTATION_INCLUDES='org.enjambre.**' JAZZER_CUSTOM_HOOK_INCLUDES='org.enjambre.**' \
    mvn -B -ntp -o test -Dtest="$class#$method" -Dgroups=jazzer -DexcludedGroups=none \
      -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1 || status=$?

  runs="$(grep -aoE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $2}')"
  secs="$(grep -aoE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $5}')"
  if [ -z "$runs" ]; then
    # A finding stops libFuzzer before its "Done" line: take its last status line instead.
    runs="$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#')"
    secs=""
  fi
  rate="$(grep -aoE 'exec/s: [0-9]+' "$log" | tail -1 | awk '{print $2}')"
  cov="$(grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)"
  corpus_size="$(find "$work" -type f | wc -l)"

  # libFuzzer also reports inputs that merely ran slowly (slow-unit-*): on a shared machine that is
  # mostly the machine, so they are counted and dropped, not kept as findings.
  slow=0
  for f in slow-unit-* "$inputs"/slow-unit-*; do
    [ -f "$f" ] || continue
    rm -f "$f"
    slow=$((slow + 1))
  done
  new=0
  for f in crash-* timeout-* "$inputs"/crash-* "$inputs"/timeout-*; do
    [ -f "$f" ] || continue
    sha="$(sha1sum "$f" | cut -c1-40)"
    mv -f "$f" "$seeds/finding-$sha"
    echo "  finding saved as $seeds/finding-$sha" >&2
    new=$((new + 1))
  done
  # Jazzer creates the (empty) inputs folder and its parents: leave no empty folders behind.
  rmdir -p --ignore-fail-on-non-empty "$inputs" 2>/dev/null || true
  if [ "$new" -gt 0 ] || [ "$status" -ne 0 ]; then
    found=1
  fi
  verdict="no finding"
  [ "$new" -gt 0 ] && verdict="$new finding(s) saved to $seeds (see bench/work/fuzz/$name.log)"
  [ "$new" -eq 0 ] && [ "$status" -ne 0 ] && verdict="run failed with status $status, nothing saved (see bench/work/fuzz/$name.log)"
  [ "$slow" -gt 0 ] && verdict="$verdict; $slow slow input(s) reported by libFuzzer, dropped"
  line="$name: ${runs:-?} executions${secs:+ in ${secs} s}, ${rate:-?} exec/s; ${cov:-no coverage line}; working corpus ${corpus_size} inputs; $verdict"
  echo "  $line" >&2
  summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"

{
  echo
  echo "## Fuzzing (bench/fuzz.sh, Jazzer) — $started"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- ${seconds} s per target, one target at a time, seeds from src/test/resources/fuzz/<target>/"
  for line in "${summary[@]}"; do
    echo "- $line"
  done
} >> "$here/RESULTS.md"

exit "$found"
