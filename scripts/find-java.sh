# Finds a Java 25 or newer and prints its `java`: JAVA_HOME, then `java` on PATH, then the JDKs
# under /usr/lib/jvm. Sourced by ./enjambre and the scripts under scripts/ and bench/, so that
# every process they start runs on the same JDK as the launcher's (Debian's default is 17).
# The JDK's `release` file says its version without starting a JVM (a start costs ~0.1 s).
# Bash's own string operations rather than dirname and sed: a launcher looks at every JDK on the
# machine, and those processes were a third of the launcher's CPU (measured on `create`).
java_feature() {
  local home v="" line
  home="$(readlink -f "$1")"
  home="${home%/*}"
  home="${home%/*}"
  if [ -r "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=\"*) v="${line#JAVA_VERSION=\"}"; v="${v%%[!0-9]*}"; break ;;
      esac
    done <"$home/release"
  fi
  [ -n "$v" ] || v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
  echo "$v"
}
find_java() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java; do [ -x "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    v="$(java_feature "$c")"
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

# What every Enjambre JVM is started with, here and wherever a script starts one (the Dockerfile,
# DemoCommand and the tests' process helpers say the same): Hazelcast (and Netty, given the choice)
# use sun.misc.Unsafe's memory access, which JDK 24+ warns about on stderr unless allowed. Native
# access for Netty's transports is granted by the jar's manifest (Enable-Native-Access).
JAVA_REQUIRED_OPTS=(--sun-misc-unsafe-memory-access=allow)

# Sets JAVA to the java found, or says in one line what is missing and exits.
require_java() {
  if ! JAVA="$(find_java)"; then
    echo "enjambre: needs Java 25 or newer (none in JAVA_HOME, on PATH or under /usr/lib/jvm); install a JDK 25 and set JAVA_HOME" >&2
    exit 1
  fi
}
