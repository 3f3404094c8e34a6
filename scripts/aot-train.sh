#!/usr/bin/env bash
# One AOT cache training run (JEPs 483/514/515) for one kind of command, started by ./enjambre when
# the jar is newer than the cache. A JVM started with -XX:AOTCacheOutput=FILE records the classes it
# loads and links and the methods' profiles, and writes FILE when it exits; later runs with
# -XX:AOTCache=FILE start with all of that already done.
#   usage: scripts/aot-train.sh KIND CACHE JAVA JAR [JVM-OPTION...]
#   KIND:  oneshot (create), transfer (a download from a local seeder that then seeds to another), node (node --tracker),
#          tracker (the same run, with the tracker's JVM options)
#          demo (a small demo: the demo JVM's cache, and tracker-1's and leecher-1's as CACHE-tracker.aot and CACHE-peer.aot)
# The JVM options are the ones the launcher gives that kind of command: a cache only serves runs
# with the same collector and object layout. Best effort, bounded in time, quiet; everything it
# starts listens on loopback only and is stopped by PID. The cache replaces the old one only when
# complete and only if the jar did not change meanwhile.
set -uo pipefail

kind="$1" cache="$2" java="$3" jar="$4"
shift 4
opts=("$@")

# The launcher starts a training in a session of its own (setsid) at nice 10. Under autogroup
# scheduling (Linux's default where /proc/PID/autogroup exists and is on) each session gets an equal
# share of the CPU whatever its processes' nice, so the training took half the cores from the run
# that started it: the first demo after a build was up in 26-27 s, and 12-15 s once the training's
# group is lowered (bench/RESULTS.md, 2026-12-02 evening; ~9 s with the caches trained). Only a
# session leader lowers its group: a training run in the caller's session (ENJAMBRE_AOT=wait) leaves
# the caller's group alone.
if [ "$(cut -d' ' -f6 "/proc/$$/stat" 2>/dev/null)" = "$$" ] && [ -w "/proc/$$/autogroup" ]; then
  echo 19 > "/proc/$$/autogroup" 2>/dev/null || true
fi

# One training per kind at a time: several launchers started together (a demo, a bench) train once.
exec 8>"$cache.lock"
command -v flock >/dev/null && { flock -n 8 || exit 0; }
[ -f "$cache" ] && [ ! "$cache" -ot "$jar" ] && exit 0

work="$(mktemp -d "${TMPDIR:-/tmp}/enjambre-aot.XXXXXX")"
pids=()
tmp="$cache.$$.tmp"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$work" "$tmp" "$tmp.config" "$tmp-tracker.aot" "$tmp-peer.aot"
}
trap cleanup EXIT
jar_stamp="$(stat -c %Y "$jar")"
# The node's state and API token go to scratch folders too (the JVM takes its user.home from the
# password database, not $HOME: XDG_CONFIG_HOME is what moves the token): a training run must not
# touch the user's files, nor join a cluster named in the environment.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
unset ENJAMBRE_STATE ENJAMBRE_API_TOKEN ENJAMBRE_CLUSTER_MEMBERS
mkdir -p "$HOME"
trained=(timeout 300 "$java" "${opts[@]}" -XX:AOTCacheOutput="$tmp" -jar "$jar")
plain=(timeout 120 "$java" -XX:+UseSerialGC "${opts[@]}" -jar "$jar")
[ "$kind" = oneshot ] && plain=()

# Waits (bounded) for a line in a log; prints the first group of the sed expression.
await_line() {
  local log="$1" expr="$2" v
  for _ in $(seq 1 600); do
    v="$(sed -n "$expr" "$log" 2>/dev/null | head -1)"
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.1
  done
  return 1
}

case "$kind" in
  oneshot)
    # bench/create.sh's line (sizes, --threads, --force over an existing output): the classes and
    # profiles of the very path it times. 20 MB of 1 MiB pieces are three segments, so the second
    # hashing thread runs too.
    head -c 20000000 /dev/urandom >"$work/sample"
    : >"$work/sample.torrent"
    timeout 300 "$java" "${opts[@]}" -XX:AOTCacheOutput="$tmp" -jar "$jar" create "$work/sample" -o "$work/sample.torrent" --force --piece-size 1M --no-date --threads 2 \
      -t http://127.0.0.1:1/announce >/dev/null 2>&1 || exit 0
    ;;
  transfer)
    mkdir -p "$work/seed"
    head -c 16000000 /dev/urandom >"$work/seed/sample"
    # The torrent names an HTTP tracker on loopback, as most torrents name one: the trained JVM then
    # announces (started, completed, stopped) and the cache holds the tracker client and Vert.x's HTTP
    # client. Without them a seeder loaded ~450 classes from the jar before its first announce.
    "${plain[@]}" tracker --host 127.0.0.1 --port 0 --no-dht >"$work/tracker.log" 2>&1 &
    pids+=($!)
    announce="$(await_line "$work/tracker.log" 's/.*\(http:\/\/127\.0\.0\.1:[0-9]*\/announce\).*/\1/p')" || exit 0
    "${plain[@]}" create "$work/seed/sample" -t "$announce" -o "$work/sample.torrent" >/dev/null 2>&1 || exit 0
    "${plain[@]}" seed --allow-private-trackers --data "$work/seed" "$work/sample.torrent" >"$work/seed.log" 2>&1 &
    pids+=($!)
    port="$(await_line "$work/seed.log" 's/^listening on \([0-9]*\).*/\1/p')" || exit 0
    # The trained JVM downloads, then seeds on (--seed) to a second downloader and is stopped with
    # SIGTERM (the cache is written as it exits): one cache for both commands then holds the upload
    # path too, which a download alone never loads (a fresh seeder took ~0.5 s to answer its first
    # handshake without it).
    our_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)" || exit 0
    "${trained[@]}" download --allow-private-trackers --seed --port "$our_port" --out "$work/out" --peer "127.0.0.1:$port" --timeout 120 \
      "$work/sample.torrent" >"$work/trained.log" 2>&1 &
    trained_pid=$!
    pids+=("$trained_pid")
    for _ in $(seq 1 1200); do
      grep -q '^complete:' "$work/trained.log" 2>/dev/null && break
      kill -0 "$trained_pid" 2>/dev/null || exit 0
      sleep 0.1
    done
    kill "${pids[1]}" 2>/dev/null # the first seeder: the second download must come from the trained JVM
    "${plain[@]}" download --allow-private-trackers --out "$work/out2" --peer "127.0.0.1:$our_port" --timeout 120 "$work/sample.torrent" \
      >/dev/null 2>&1 || exit 0
    kill -TERM "$trained_pid" 2>/dev/null
    wait "$trained_pid" 2>/dev/null
    ;;
  node|tracker)
    # (A tracker's cache is trained by the same node run, with the tracker's JVM options.)
    # The node stops cleanly when its standard input closes: the subshell closes it once the node
    # has been up, and has served its dashboard, API and tracker, for a moment.
    log="$work/node.log"
    (
      web="$(await_line "$log" 's/.*dashboard on http:\/\/[^:]*:\([0-9]*\)\/.*/\1/p')" || exit 0
      tracker="$(await_line "$log" 's/.*tracker \(http:[^ ,]*\).*/\1/p')"
      if command -v curl >/dev/null; then
        for path in / /api/node /api/swarm /metrics; do
          curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$web$path"
        done
        [ -n "$tracker" ] && curl -s --max-time 5 -o /dev/null \
          "$tracker?info_hash=%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14&peer_id=-EJ0001-aottraining0&port=6881&uploaded=0&downloaded=0&left=1&compact=1"
      fi
      sleep 2
    ) | "${trained[@]}" node --tracker --host 127.0.0.1 --web-port 0 --peer-port 0 --tracker-port 0 \
          --data "$work/data" --name aot-training --stop-on-stdin-close >"$log" 2>&1 || exit 0
    ;;
  demo)
    # The demo JVM is the trained one; its tracker-1 and leecher-1 write the caches of their roles
    # (DemoCommand reads enjambre.aot.train), with the options every demo node runs with. The
    # nodes write them as they stop, which the demo waits for.
    timeout 600 "$java" "${opts[@]}" -XX:AOTCacheOutput="$tmp" -Denjambre.aot.train="$tmp" -jar "$jar" \
      demo --size 8MiB --leechers 2 --rate 0 --exit-when-done --web-port 0 --dir "$work/demo" >"$work/demo.log" 2>&1 || exit 0
    if [ "$(stat -c %Y "$jar")" = "$jar_stamp" ]; then
      for role in tracker peer; do
        [ -s "$tmp-$role.aot" ] && mv -f "$tmp-$role.aot" "${cache%.aot}-$role.aot"
      done
    fi
    ;;
  *) echo "aot-train.sh: unknown kind $kind" >&2; exit 2 ;;
esac

if [ -s "$tmp" ] && [ "$(stat -c %Y "$jar")" = "$jar_stamp" ]; then
  mv -f "$tmp" "$cache"
fi
