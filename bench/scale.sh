#!/usr/bin/env bash
# The config log at scale: BENCH_KEYS keys (default 1,000,000), a tenth as many consumers with one application and
# one subscription each, and 1,000 APIs, seeded straight into PostgreSQL; then the packaged control plane and three
# gateway nodes as separate processes. Measures the time from an admin call (issue, revoke) to enforcement on all
# three nodes (p50, p99), control plane and node heap (after a full GC) and RSS, a node's cold start from its disk
# copy with the control plane away, and a new node's full snapshot. Prints one RESULT line per size.
#
# usage: bench/scale.sh                      (1,000,000 keys)
#        BENCH_SIZES="10000 100000 1000000" bench/scale.sh   (how the figures grow)
# env:   BENCH_CHANGES             issues and revocations measured (default 100 each)
#        BENCH_CONTROL_PLANE_HEAP  the control plane's -Xmx (default 512m: the target is to stay under it)
#        BENCH_NODE_HEAP           each node's -Xmx (default 320m, as docs/operations.md sizes a node at a million keys)
#        BENCH_NODE_OPTS           each node's JVM options in full (default: those of docs/operations.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gateway="$root/gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar"
local_jar="$root/deploy/local/target/gatehouse-local-0.1.0-SNAPSHOT-all.jar"
app="$root/management-api/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$gateway" ] || [ ! -f "$local_jar" ] || [ ! -f "$app" ]; then
  (cd "$root" && ./mvnw -B -ntp -q -DskipTests package)
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
javac -d "$probe" "$root/bench/support/ProcessProbe.java"
for size in ${BENCH_SIZES:-1000000}; do
  BENCH_KEYS=$size java -Xmx1g -cp "$local_jar:$probe" "$root/bench/ScaleBench.java" "$gateway" "$app"
done
