# Shared by the launchers: find a JDK 21 or newer, and build the project's jars when they are stale.
# Sourced, not run.

# Prints the major version of the JDK at $1, or nothing when it is not a JDK.
jdk_major() {
  local home=$1 v
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  if [ -z "${v:-}" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  [ "$v" = 1 ] && v=8
  [ -n "${v:-}" ] && echo "$v"
}

# Prints the home of a JDK 21+: JAVA_HOME when it qualifies, else the newest under /usr/lib/jvm.
find_jdk() {
  local best="" best_v=0 home v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jdk_major "$JAVA_HOME" || true)
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then
      echo "$JAVA_HOME"
      return 0
    fi
  fi
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] && [ ! -L "$home" ] || continue
    v=$(jdk_major "$home" || true)
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
      best=$home
      best_v=$v
    fi
  done
  if [ -z "$best" ]; then
    echo "imagegate needs a JDK 21 or newer, and found none." >&2
    echo "  JAVA_HOME=${JAVA_HOME:-<unset>}$( [ -n "${JAVA_HOME:-}" ] && echo " (version $(jdk_major "$JAVA_HOME" || echo unknown))")" >&2
    echo "  /usr/lib/jvm holds: $(ls /usr/lib/jvm 2>/dev/null | tr '\n' ' ')" >&2
    echo "Install one (e.g. apt-get install openjdk-21-jdk) or point JAVA_HOME at it." >&2
    return 1
  fi
  echo "$best"
}

# Builds module $2's jar $1 (with the modules it needs) when it is missing or older than any source.
build_if_stale() {
  local root=$1 jar=$2 module=$3
  if [ -f "$jar" ] && [ -z "$(find "$root" -path "$root/*/target" -prune -o -path "$root/.git" -prune -o \
        \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
    return 0
  fi
  command -v mvn >/dev/null || { echo "imagegate: Maven (mvn) is needed to build the jar, and is not on PATH." >&2; return 1; }
  echo "imagegate: building $module (first use or sources changed)..." >&2
  (
    flock 9
    cd "$root" && MAVEN_OPTS="${MAVEN_OPTS:-} $(jdk_runtime_opts "$JAVA_HOME")" \
      mvn -q -B -Dstyle.color=never -DskipTests -pl "$module" -am package >&2
  ) 9>"$root/.build.lock"
}

# Prints JVM options the launchers add for the JDK at $1: on JDK 24 and newer, permission for the
# sun.misc.Unsafe memory access JBoss Threads (under Undertow) still makes, which would otherwise
# print a "terminally deprecated method" warning at every start. JDK 21 does not know the option.
jdk_runtime_opts() {
  local v
  v=$(jdk_major "$1" || true)
  if [ -n "$v" ] && [ "$v" -ge 24 ]; then
    echo "--sun-misc-unsafe-memory-access=allow"
  fi
}
