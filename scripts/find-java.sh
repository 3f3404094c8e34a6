# Finds a Java 25 or newer and prints its `java`: JAVA_HOME, then `java` on PATH, then the JDKs
# under /usr/lib/jvm. Sourced by ./enjambre and the scripts under scripts/ and bench/, so that
# every process they start runs on the same JDK as the launcher's (Debian's default is 17).
# The JDK's `release` file says its version without starting a JVM (a start costs ~0.1 s).
# Bash's own string operations rather than dirname and sed, results in variables rather than
# $(...) subshells, and readlink only for a `java` that is itself a link (/usr/bin/java): a
# launcher looks at every JDK on the machine before each command, and those processes were most
# of the launcher's time (measured on `create`).
# java_feature JAVA: sets JAVA_FEATURE to its feature version (25), or empty.
java_feature() {
  local real="$1" home line
  JAVA_FEATURE=""
  if [ -L "$real" ]; then
    # A link (Debian's /usr/bin/java -> /etc/alternatives -> a JDK): first look for the JDK under
    # /usr/lib/jvm it is the same file as (bash's -ef, no process), readlink only when none is.
    local jdk found=""
    for jdk in /usr/lib/jvm/*/bin/java; do
      if [ ! -L "$jdk" ] && [ "$real" -ef "$jdk" ]; then found="$jdk"; break; fi
    done
    if [ -n "$found" ]; then real="$found"; else real="$(readlink -f "$real")"; fi
  fi
  home="${real%/*}"
  home="${home%/*}"
  if [ -r "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=\"*) JAVA_FEATURE="${line#JAVA_VERSION=\"}"; JAVA_FEATURE="${JAVA_FEATURE%%[!0-9]*}"; break ;;
      esac
    done <"$home/release"
  fi
  [ -n "$JAVA_FEATURE" ] || JAVA_FEATURE="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
  return 0
}
# Sets FOUND_JAVA to the first Java 25 or newer, or fails.
find_java_quietly() {
  local candidates=() c dirs=() d
  FOUND_JAVA=""
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  IFS=: read -r -a dirs <<<"$PATH"
  for d in "${dirs[@]}"; do  # the first `java` on PATH, as `command -v` finds it
    c="${d:-.}/java"
    if [ -f "$c" ] && [ -x "$c" ]; then candidates+=("$c"); break; fi
  done
  for c in /usr/lib/jvm/*/bin/java; do [ -x "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    java_feature "$c"
    if [ -n "$JAVA_FEATURE" ] && [ "${JAVA_FEATURE%%.*}" -ge 25 ] 2>/dev/null; then FOUND_JAVA="$c"; return 0; fi
  done
  return 1
}
# Prints the first Java 25 or newer, or fails.
find_java() {
  find_java_quietly && echo "$FOUND_JAVA"
}

# What every Enjambre JVM is started with, here and wherever a script starts one (the Dockerfile,
# DemoCommand and the tests' process helpers say the same): Hazelcast (and Netty, given the choice)
# use sun.misc.Unsafe's memory access, which JDK 24+ warns about on stderr unless allowed. Native
# access for Netty's transports is granted by the jar's manifest (Enable-Native-Access).
JAVA_REQUIRED_OPTS=(--sun-misc-unsafe-memory-access=allow)

# Sets JAVA to the java found, or says in one line what is missing and exits.
require_java() {
  if find_java_quietly; then
    JAVA="$FOUND_JAVA"
  else
    echo "enjambre: needs Java 25 or newer (none in JAVA_HOME, on PATH or under /usr/lib/jvm); install a JDK 25 and set JAVA_HOME" >&2
    exit 1
  fi
}
