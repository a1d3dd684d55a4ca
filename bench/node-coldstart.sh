#!/usr/bin/env bash
# A gateway node's cold start from its disk copy at a million keys, as a real process with its control plane away:
# time to ready, time until a key of the copy is accepted, RSS and heap. Writes the copy with the node's own code,
# so GATEWAY_JAR of an earlier release measures that release's disk format.
#
# usage: bench/node-coldstart.sh [keys] [rounds]        (default 1,000,000 keys, 3 restarts)
# env:   GATEWAY_JAR     the node's jar (default: this tree's, built if missing)
#        NODE_JAVA_OPTS  the node's JVM options (default: those docs/operations.md gives for a million keys)
#        BENCH_NMT=1     print the node's native memory summary (adds NMT's own few MB to RSS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="${GATEWAY_JAR:-$root/gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar}"
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -B -ntp -DskipTests -pl gateway-node -am package)
fi
uptime
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
javac -d "$probe" "$root/bench/support/ProcessProbe.java"
java -Xmx1500m -cp "$jar:$probe" "$root/bench/NodeColdStart.java" "$jar" "${1:-1000000}" "${2:-3}"
uptime
