#!/usr/bin/env bash
# Where `./enjambre demo`'s start-up time goes (issue 15, item 6): one run of the default demo, and
# for each of its JVMs the moments (seconds from the command) it was launched, its Hazelcast join
# completed (members), Vert.x was up (first log line), its web port was up ("node ... up"), its
# first announce was answered, and the dashboard first listed it (this script polls /api/swarm
# every 100 ms); then "swarm up" and the CPU seconds (user+sys) of every JVM at that moment. The
# nodes run with a log configuration that adds Hazelcast's cluster lines and the announcer's debug
# lines (ENJAMBRE_DEMO_NODE_OPTS); nothing else differs from a user's run.
# usage: bench/demo-timeline.sh [REPS=1] [demo options...]   (KEEP_LOGS=DIR keeps each run's node logs in DIR.N)
set -euo pipefail
REPS=${1:-1}
shift || true
# shellcheck source=bench/demo-common.sh
source "$(dirname "$0")/demo-common.sh" demo-timeline
cat >"$WORK/logback.xml" <<'EOF'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="com.hazelcast" level="WARN"/>
  <logger name="com.hazelcast.internal.cluster.ClusterService" level="INFO"/>
  <logger name="com.hazelcast.core.LifecycleService" level="INFO"/>
  <logger name="io.netty" level="WARN"/>
  <logger name="io.vertx" level="WARN"/>
  <logger name="io.micrometer" level="ERROR"/>
  <logger name="org.enjambre.tracker.client.Announcer" level="DEBUG"/>
  <root level="INFO"><appender-ref ref="STDERR"/></root>
</configuration>
EOF
export ENJAMBRE_DEMO_NODE_OPTS="${ENJAMBRE_DEMO_NODE_OPTS:-} -Dlogback.configurationFile=$WORK/logback.xml" # extra options given are kept (A/B runs)
tck=$(getconf CLK_TCK)
btime=$(awk '/^btime/ {print $2}' /proc/stat)
# seconds from $start of a log line's HH:MM:SS.mmm (same day, UTC as the JVMs log it)
since() { python3 -c "import sys,datetime; s=float(sys.argv[2]); d=datetime.datetime.fromtimestamp(s, datetime.timezone.utc); h,m,x=sys.argv[1].split(':'); t=d.replace(hour=int(h),minute=int(m),second=0,microsecond=0).timestamp()+float(x); print('%.2f' % (t-s))" "$1" "$2"; }
# the time of the first log line matching $2 (a line without its own time, e.g. Hazelcast's member list, has the one before)
first_time() { awk -v re="$2" '/^[0-9][0-9]:[0-9][0-9]:/ {ts = substr($0, 1, 12)} $0 ~ re && ts != "" {print ts; exit}' "$1" 2>/dev/null; }

for rep in $(seq 1 "$REPS"); do
  web=$(free_port)
  log="$WORK/demo.$rep.log"
  run="$WORK/run.$rep"
  start=$(date +%s.%N)
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  TZ=UTC "$ROOT/enjambre" demo --web-port "$web" --dir "$run" --keep "$@" >"$log" 2>&1 &
  PID=$!
  declare -A heard=()
  up=""
  for _ in $(seq 1 3000); do # at most ~300 s
    now=$(date +%s.%N)
    # grep, not a JSON parser: a poll every 100 ms must cost the busy machine next to nothing
    names=$(curl -s --max-time 1 "http://127.0.0.1:$web/api/swarm" 2>/dev/null \
      | grep -o -E '"name" *: *"(tracker|seeder|leecher)[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' || true)
    for n in $names; do [ -n "${heard[$n]:-}" ] || heard[$n]=$(printf '%.2f' "$(echo "$now - $start" | bc)"); done
    if grep -q "^swarm up in" "$log"; then up=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)"); break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$up" ] || { echo "the demo did not come up:" >&2; cat "$log" >&2; exit 1; }
  java_pid=$PID # the launcher execs the JVM
  echo "== run $rep: load before $load_before; $(grep -m1 '^swarm up in' "$log" | cut -d'(' -f1); seen by this script at ${up} s"
  grep -E "^(generated|tracker nodes up|peer nodes up)" "$log" | sed 's/^/   demo: /; s/ (.*bytes.*) and/ and/'
  printf '%-10s %8s %8s %8s %8s %10s %9s %8s\n' node launched members vertx web-up announced dashboard cpu-s
  for p in $java_pid $(pgrep -P "$java_pid"); do
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline")
    name=$(grep -o -- '--name [a-z0-9-]*' <<<"$cmd" | cut -d' ' -f2 || true)
    read -r u s st < <(awk '{print $14, $15, $22}' "/proc/$p/stat")
    cpu=$(echo "scale=2; ($u + $s) / $tck" | bc)
    launched=$(echo "$btime + $st / $tck - $start" | bc -l | xargs printf '%.2f')
    if [ -z "$name" ]; then
      printf '%-10s %8s %8s %8s %8s %10s %9s %8s\n' demo "$launched" - - - - - "$cpu"; continue
    fi
    f="$run/logs/$name.log"
    t() { local v; v=$(first_time "$f" "$1"); [ -n "$v" ] && since "$v" "$start" || echo -; }
    printf '%-10s %8s %8s %8s %8s %10s %9s %8s\n' "$name" "$launched" "$(t 'Members \{size:2')" "$(t 'NativeTransport')" \
      "$(t "node $name up")" "$(t 'announce STARTED to')" "${heard[$name]:--}" "$cpu"
  done
  echo "   early announce retries: $(cat "$run"/logs/*.log | grep -c 'early retry' || true); warnings: $(cat "$run"/logs/*.log | grep -c ' WARN ' || true)"
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
  [ -n "${KEEP_LOGS:-}" ] && cp -r "$run/logs" "$KEEP_LOGS.$rep"
  rm -rf "$run"
  unset heard
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
