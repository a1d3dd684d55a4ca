#!/usr/bin/env bash
# The cost of the audit trail at the gateway, in two parts:
#  1. what one record costs the node's writer thread, signed alone (the first form) and in batches under one Merkle
#     root signature (what nodes do now), with the spool append (fsync per batch), and what checking it costs the
#     control plane (bench/SpoolWriteCost.java);
#  2. gateway throughput with audit on against audit off, in one harness run (--compare): the same build, the same
#     snapshot, once with GATEHOUSE_AUDIT_ENABLED=true. Without GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP the records stay in the
#     node's spool (signing and disk, no shipping); set it to include the Kafka producer.
#
# usage: bench/audit.sh [--signing-only] [proxy-compare options, e.g. -d 8 -r 3]
# env:   PROXY_COMPARE, BENCH_LIMITS, GATEWAY_JAVA_OPTS as for bench/gateway.sh; SPOOL_RECORDS (default 200000),
#        AUDIT_BATCH (records per signed batch, default 1024 as the node's writer), SINGLE_RECORDS (default 3000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar"
signing_only=false
if [ "${1:-}" = "--signing-only" ]; then
  signing_only=true
  shift
fi
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -B -ntp -DskipTests -pl gateway-node -am package)
fi
echo "== audit record signing and spool write cost (one thread)"
java -cp "$jar" "$root/bench/SpoolWriteCost.java" "${SPOOL_RECORDS:-200000}" "${AUDIT_BATCH:-1024}" "${SINGLE_RECORDS:-3000}"
$signing_only && exit 0

echo "== gateway throughput, audit on against audit off"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
key="ghk_benchbenchbenchbenchbenchbenchbenchbenchben"
kafka=""
[ -n "${GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP:-}" ] && kafka="GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP=$GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP"
GATEHOUSE_AUDIT_ENABLED=false bash "$root/bench/gateway.sh" "$@" --compare audit "http://127.0.0.1:$port/bench/hello" \
  "env GATEHOUSE_AUDIT_ENABLED=true $kafka $root/bench/standalone-gateway.sh $jar $port $key"
